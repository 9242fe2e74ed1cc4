//! Fuzz target `host`: see `promises::host_input` for what it checks.
#![no_main]

use buyer_journey_fuzz::promises;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| promises::host_input(bytes));

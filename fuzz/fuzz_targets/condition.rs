//! Fuzz target `condition`: see `promises::condition_text` for what it checks.
#![no_main]

use buyer_journey_fuzz::promises;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| promises::condition_text(bytes));

//! Fuzz target `structured`: the fuzzer's bytes drive a generator of
//! valid-looking rulesets (`generate::ruleset`), whose document then goes
//! through the same promises as the `ruleset` target's.
#![no_main]

use arbitrary::Unstructured;
use buyer_journey_fuzz::{generate, promises};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(document) = generate::ruleset(&mut Unstructured::new(bytes)) else {
        return;
    };
    promises::ruleset_document(document.to_string().as_bytes());
});

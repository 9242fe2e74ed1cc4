//! What the test modules share: engines of the built-in model and of any
//! ruleset, records, expected failures, the built-in signal ids and a small
//! deterministic generator.
//!
//! Part of the integration binary (`tests/lib.rs`), and included by
//! `tests/no_alloc.rs`, which is a binary of its own.

use buyer_journey::{models, Engine, Error, RulesetSpec, SignalRecord};

/// The engine of the built-in buying-process model.
pub(crate) fn built_in() -> Engine {
    build(models::buying_process())
}

/// The engine of `spec`, which must build.
pub(crate) fn build(spec: RulesetSpec) -> Engine {
    Engine::builder(spec)
        .build()
        .unwrap_or_else(|e| panic!("the ruleset builds: {e}"))
}

/// The error of building `spec`, which must fail.
pub(crate) fn build_fails(spec: RulesetSpec) -> Error {
    Engine::builder(spec)
        .build()
        .expect_err("the ruleset must be rejected")
}

/// A record of `engine`'s schema with `signals` set.
pub(crate) fn record(engine: &Engine, signals: &[(&str, f64)]) -> SignalRecord {
    let mut record = engine.record();
    for &(id, value) in signals {
        record
            .set(id, value)
            .unwrap_or_else(|e| panic!("setting {id} = {value}: {e}"));
    }
    record
}

/// The ids of the built-in model's signals, in declaration order.
pub(crate) fn built_in_signal_ids() -> Vec<String> {
    models::buying_process()
        .signals
        .into_iter()
        .map(|signal| signal.id)
        .collect()
}

/// A small xorshift generator: the same sequence on every run.
#[derive(Debug, Clone)]
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    /// The default seed.
    pub(crate) fn new() -> Self {
        XorShift(0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// True `num` times in `den`.
    pub(crate) fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// One of `items`, which must not be empty.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        // The slices are a few items long.
        #[allow(clippy::cast_possible_truncation)]
        items[self.below(items.len() as u64) as usize]
    }
}

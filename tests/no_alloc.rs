//! `Engine::classify` does not allocate: a counting global allocator around
//! the hot path. Its own binary, because a global allocator is process-wide.

// A global allocator can only be written with `unsafe`; the library itself
// forbids it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use buyer_journey::{
    models, Engine, Evidence, HitPolicy, ScoreInput, ScoreRuleSpec, Signal, SignalRecord, Signals,
    Value,
};

struct Counting;

thread_local! {
    /// Allocations made by this thread while counting; `None` when not counting.
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note_allocation() {
    // `try_with` because the allocator runs during thread teardown too.
    let _ = COUNT.try_with(|count| {
        if let Some(n) = count.get() {
            count.set(Some(n + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `work` makes on this thread.
fn allocations(work: impl FnOnce()) -> usize {
    COUNT.with(|count| count.set(Some(0)));
    work();
    COUNT.with(|count| count.replace(None)).unwrap_or(0)
}

/// Varied customers: every sample, plus each signal alone at a few values.
fn customers(engine: &Engine) -> Vec<SignalRecord> {
    let mut records: Vec<SignalRecord> = models::sample_customers()
        .iter()
        .map(|sample| sample.record(engine.schema()).unwrap())
        .collect();
    for signal in engine.schema().iter() {
        for value in [0.0, 1.0, 7.0] {
            let mut record = engine.record();
            record.set(signal.name(), value).unwrap();
            record.set("purchases", 1).unwrap();
            records.push(record);
        }
    }
    records
}

/// Reads every part of the decision, so lazily built parts would show up.
fn consume(engine: &Engine, customer: &impl Signals, scratch: &mut buyer_journey::Scratch) -> f64 {
    let decision = engine.classify(customer, scratch);
    let mut sum = decision.confidence() + decision.stage().id().len() as f64;
    for (stage, points) in decision.evidence() {
        sum += points + stage.name().len() as f64;
    }
    for rule in decision.fired() {
        sum += rule.id().len() as f64;
    }
    sum + decision.fired_ids().len() as f64
}

#[test]
fn classify_with_records_does_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let records = customers(&engine);
    let mut scratch = engine.scratch();
    let mut checksum = 0.0;
    let count = allocations(|| {
        for record in &records {
            checksum += consume(&engine, record, &mut scratch);
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(count, 0, "classify allocated {count} times");
}

/// A host type with its own layout.
struct Visitor {
    reviews: u32,
    carts: u32,
    plan: &'static str,
}

impl Signals for Visitor {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        match signal.name() {
            "reviews_read" => Some(self.reviews.into()),
            "cart_adds" => Some(self.carts.into()),
            // The wrong kind for a count: read as missing, without allocating.
            "purchases" => Some(Value::Label(self.plan)),
            _ => None,
        }
    }
}

#[test]
fn classify_with_host_signals_and_scorers_does_not_allocate() {
    let mut spec = models::buying_process();
    spec.hit_policy = HitPolicy::HighestScore;
    spec.score_rules.push(ScoreRuleSpec::new(
        "score.engaged",
        "evaluation",
        "reviews_read + cart_adds >= 3",
        2.5,
    ));
    let engine = Engine::builder(spec)
        .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
            if let (Some(reviews), Some(stage)) = (
                input.number("reviews_read"),
                input.stage_id("information_search"),
            ) {
                evidence.add(stage, reviews / 10.0);
            }
        })
        .build()
        .unwrap();
    let visitors: Vec<Visitor> = (0..50)
        .map(|i| Visitor {
            reviews: i % 7,
            carts: i % 3,
            plan: "pro",
        })
        .collect();
    let mut scratch = engine.scratch();
    let mut checksum = 0.0;
    let count = allocations(|| {
        for visitor in &visitors {
            checksum += consume(&engine, visitor, &mut scratch);
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(count, 0, "classify allocated {count} times");
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the two tests above against a counter that never counts.
    let count = allocations(|| {
        let boxed = std::hint::black_box(Box::new(7));
        assert_eq!(*boxed, 7);
    });
    assert_eq!(count, 1);
}

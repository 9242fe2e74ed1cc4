//! Learned propensities: `Engine::decide_learning` beside `Engine::decide`,
//! and how fast a `LearnedStore` records responses.
//!
//! - `learn/decide`: the built-in model's sample customers (one of each
//!   kind, across the five stages), decided with the ruleset's propensities
//!   (`fixed`, `decide`), then with a store that has learned from
//!   responses in every stage, exploiting (`exploit`) and exploring by
//!   Thompson sampling (`explore`, a seed per customer). The target:
//!   learning costs at most 1.3 × `fixed`.
//! - `learn/record`: `LearnedStore::record_in` on one thread, over every
//!   cell of the built-in model's store, each response a second after the
//!   last. The target: at least 10 million responses per second.
//!
//! Before timing, the decisions are checked: with an empty store `exploit`
//! decides as `decide` does, and `explore` decides the same twice for a
//! seed.
//!
//! Run with `cargo bench --bench learn`.

use std::hint::black_box;

use buyer_journey::{
    models, ContactLog, Engine, LearnedCell, LearnedStore, Response, SignalRecord, Span, Timestamp,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn customers(engine: &Engine) -> Vec<SignalRecord> {
    models::sample_customers()
        .iter()
        .map(|sample| {
            sample
                .record(engine.schema())
                .expect("a sample fits the model")
        })
        .collect()
}

/// A store that has learned from `rounds` responses to the top actions of
/// the sample customers.
fn learned(engine: &Engine, customers: &[SignalRecord], now: Timestamp) -> LearnedStore {
    let store = LearnedStore::new(engine, now);
    let history = ContactLog::new();
    let mut scratch = engine.scratch();
    for round in 0..2_000u64 {
        let customer = &customers[usize::try_from(round).unwrap_or(0) % customers.len()];
        let decision =
            engine.decide_learning(customer, &history, now, store.explore(round), &mut scratch);
        if let Some(top) = decision.actions().next() {
            let response = Response::ALL[usize::try_from(round % 4).unwrap_or(0)];
            store
                .record(
                    top.action(),
                    decision.stage(),
                    decision.tags(),
                    response,
                    now,
                )
                .expect("the store is the engine's");
        }
    }
    store
}

fn bench_decide(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let customers = customers(&engine);
    let now = Timestamp::from_unix_seconds(1_772_323_200);
    let history = ContactLog::new();
    let mut scratch = engine.scratch();

    let empty = LearnedStore::new(&engine, now);
    for customer in &customers {
        let fixed = engine
            .decide(customer, &history, now, &mut scratch)
            .to_record();
        let exploited = engine
            .decide_learning(customer, &history, now, empty.exploit(), &mut scratch)
            .to_record();
        assert_eq!(exploited, fixed);
        let mut explored = || {
            engine
                .decide_learning(customer, &history, now, empty.explore(7), &mut scratch)
                .to_record()
        };
        assert_eq!(explored(), explored());
    }
    let store = learned(&engine, &customers, now);

    let mut group = c.benchmark_group("learn/decide");
    group.throughput(Throughput::Elements(customers.len() as u64));
    group.bench_function("fixed", |b| {
        b.iter(|| {
            let mut actions = 0;
            for customer in &customers {
                let decision = engine.decide(black_box(customer), &history, now, &mut scratch);
                actions += decision.actions().len();
            }
            actions
        });
    });
    group.bench_function("exploit", |b| {
        b.iter(|| {
            let mut actions = 0;
            for customer in &customers {
                let learning = black_box(store.exploit());
                let decision = engine.decide_learning(
                    black_box(customer),
                    &history,
                    now,
                    learning,
                    &mut scratch,
                );
                actions += decision.actions().len();
            }
            actions
        });
    });
    group.bench_function("explore", |b| {
        let mut seed = 0u64;
        b.iter(|| {
            let mut actions = 0;
            for customer in &customers {
                seed = seed.wrapping_add(1);
                let learning = store.explore(black_box(seed));
                let decision = engine.decide_learning(
                    black_box(customer),
                    &history,
                    now,
                    learning,
                    &mut scratch,
                );
                actions += decision.actions().len();
            }
            actions
        });
    });
    group.finish();
}

fn bench_record(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let start = Timestamp::from_unix_seconds(1_772_323_200);
    let store = LearnedStore::new(&engine, start);
    let cells: Vec<LearnedCell> = engine
        .actions()
        .flat_map(|action| {
            let (store, engine) = (&store, &engine);
            action.stages().iter().map(move |&stage| {
                let stage = engine.model().stage(stage).expect("the action's stage");
                store
                    .cell(action, stage, [])
                    .expect("the store is the engine's")
            })
        })
        .collect();
    const RESPONSES: u64 = 10_000;
    let mut group = c.benchmark_group("learn/record");
    group.throughput(Throughput::Elements(RESPONSES));
    group.bench_function("single_thread", |b| {
        let mut at = start;
        b.iter(|| {
            for i in 0..RESPONSES {
                let i = usize::try_from(i).unwrap_or(0);
                at = at + Span::seconds(1);
                store.record_in(cells[i % cells.len()], Response::ALL[i % 4], black_box(at));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_decide, bench_record);
criterion_main!(benches);

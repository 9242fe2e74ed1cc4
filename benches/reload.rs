//! What `SharedEngine` costs: `load()` then `decide` on the loaded engine,
//! beside `decide` on an engine held directly, for the built-in model's
//! sample customers with an empty contact history; and `load()` alone,
//! with no other thread touching the slot. Both decide paths must give the
//! same decisions before timing.
//!
//! Run with `cargo bench --bench reload`.

use std::hint::black_box;
use std::sync::Arc;

use buyer_journey::{models, ContactLog, Engine, SharedEngine, SignalRecord, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench_reload(c: &mut Criterion) {
    let engine = Arc::new(
        Engine::builder(models::buying_process())
            .build()
            .expect("the built-in model is valid"),
    );
    let shared = SharedEngine::new(Arc::clone(&engine));
    let records: Vec<SignalRecord> = models::sample_customers()
        .iter()
        .map(|sample| {
            sample
                .record(engine.schema())
                .expect("the samples fit the model")
        })
        .collect();
    let history = ContactLog::new();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let mut scratch = engine.scratch();

    for record in &records {
        let direct = engine
            .decide(record, &history, now, &mut scratch)
            .to_record();
        let loaded = shared.load();
        assert_eq!(
            loaded
                .decide(record, &history, now, &mut scratch)
                .to_record(),
            direct
        );
    }

    let mut group = c.benchmark_group("reload/default_model");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("decide", |b| {
        b.iter(|| {
            let mut actions = 0;
            for record in &records {
                let decision = engine.decide(black_box(record), &history, now, &mut scratch);
                actions += decision.actions().len();
            }
            actions
        });
    });
    group.bench_function("load_then_decide", |b| {
        b.iter(|| {
            let mut actions = 0;
            for record in &records {
                let engine = shared.load();
                let decision = engine.decide(black_box(record), &history, now, &mut scratch);
                actions += decision.actions().len();
            }
            actions
        });
    });
    group.bench_function("load", |b| {
        b.iter(|| {
            for _ in &records {
                black_box(shared.load());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_reload);
criterion_main!(benches);

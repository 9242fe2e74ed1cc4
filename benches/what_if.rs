//! What a what-if report costs: [`WhatIf`] over 100,000 customers of the
//! built-in model, A the built-in model and B the changed copy the tests
//! use (`tests/data/what_if/changed.json`), fed in chunks of 4,096 as the
//! `what_if` example feeds them; beside the two `decide_batch` calls per
//! chunk alone, the floor the counting adds to. The customers are
//! generated, the same on every run, each signal missing half of the time.
//! Before timing, the report's stages under A must be what `decide_batch`
//! gives.
//!
//! Run with `cargo bench --bench what_if`.

use std::hint::black_box;

use buyer_journey::{
    models, Column, Columns, ContactLog, Document, Engine, SignalKind, Timestamp, WhatIf,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CUSTOMERS: usize = 100_000;
const CHUNK: usize = 4096;

/// Per signal of `engine`, the values of every customer (NaN: missing).
fn population(engine: &Engine) -> Vec<Vec<f64>> {
    const COUNTS: [f64; 12] = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 6.0, 10.0];
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n).expect("a small number")
    };
    let mut columns = vec![Vec::with_capacity(CUSTOMERS); engine.schema().len()];
    for _ in 0..CUSTOMERS {
        for (signal, column) in engine.schema().iter().zip(&mut columns) {
            let value = if next(2) == 0 {
                f64::NAN
            } else if signal.kind() == SignalKind::Count {
                COUNTS[next(12)]
            } else {
                next(21) as f64 * 0.5
            };
            column.push(value);
        }
    }
    columns
}

/// The columns of customers `start..end`.
fn chunk<'a>(engine: &Engine, data: &'a [Vec<f64>], start: usize, end: usize) -> Columns<'a> {
    let mut columns = Columns::new(engine.schema(), end - start);
    for (signal, values) in engine.schema().iter().zip(data) {
        columns
            .set_at(signal.index(), Column::f64(&values[start..end]))
            .expect("a column of the chunk's length");
    }
    columns
}

fn bench_what_if(c: &mut Criterion) {
    let a = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let text = std::fs::read_to_string("tests/data/what_if/changed.json")
        .expect("the changed model of the tests");
    let spec = Document::from_json(&text).expect("a document").into_spec();
    let b = Engine::builder(spec).build().expect("a valid ruleset");
    let data = population(&a);
    let chunks: Vec<Columns<'_>> = (0..CUSTOMERS)
        .step_by(CHUNK)
        .map(|start| chunk(&a, &data, start, (start + CHUNK).min(CUSTOMERS)))
        .collect();
    let histories = vec![ContactLog::new(); CHUNK];
    let now = Timestamp::EPOCH;

    let report = {
        let mut what_if = WhatIf::new(&a, &b, now);
        for columns in &chunks {
            what_if.add(columns).expect("the built-in schema");
        }
        what_if.report()
    };
    assert_eq!(report.population, CUSTOMERS as u64);
    let mut scratch = a.batch_scratch();
    let mut in_evaluation = 0;
    for columns in &chunks {
        let batch = a
            .decide_batch(columns, &histories[..columns.len()], now, &mut scratch)
            .expect("the built-in schema");
        in_evaluation += batch
            .iter()
            .filter(|d| d.stage().id() == "evaluation")
            .count();
    }
    assert_eq!(report.a.stages["evaluation"], in_evaluation as u64);

    let mut group = c.benchmark_group("what_if/100k_default_model");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.bench_function("report", |bench| {
        bench.iter(|| {
            let mut what_if = WhatIf::new(&a, &b, now);
            for columns in &chunks {
                what_if
                    .add(black_box(columns))
                    .expect("the built-in schema");
            }
            what_if.report()
        });
    });
    let (mut scratch_a, mut scratch_b) = (a.batch_scratch(), b.batch_scratch());
    group.bench_function("decide_batch_twice", |bench| {
        bench.iter(|| {
            let mut actions = 0;
            for columns in &chunks {
                let histories = &histories[..columns.len()];
                let batch = a
                    .decide_batch(black_box(columns), histories, now, &mut scratch_a)
                    .expect("the built-in schema");
                actions += batch.iter().map(|d| d.actions().len()).sum::<usize>();
                let batch = b
                    .decide_batch(black_box(columns), histories, now, &mut scratch_b)
                    .expect("the built-in schema");
                actions += batch.iter().map(|d| d.actions().len()).sum::<usize>();
            }
            actions
        });
    });
    group.finish();
}

criterion_group!(benches, bench_what_if);
criterion_main!(benches);

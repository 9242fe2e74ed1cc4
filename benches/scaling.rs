//! How the engine scales with the size of a ruleset: generated rulesets of
//! 10, 100, 1,000, 10,000 and 100,000 stage rules over 64 `count` and
//! `number` signals, under the `furthest` hit policy, with the sharing of
//! comparisons real rulesets have (each signal has three thresholds that
//! every rule testing it picks from, and a few signals are tested far more
//! often than the rest; see `examples/generated/mod.rs`, which the
//! `throughput` example shares).
//!
//! For each size:
//!
//! - `scaling/classify`, `engine/<rules>`: `Engine::classify` on pre-filled
//!   records of generated customers, per customer; beside
//!   `baseline/<rules>`: a plain Rust loop over the same rules kept as data
//!   (up to three `(signal, op, threshold)` clauses each, and how they are
//!   joined) that evaluates every rule and keeps the furthest stage of one
//!   that holds, as the engine must (it reports every rule that fired).
//!   Before timing, every customer is checked: the same stage, and the same
//!   rules fired, on both sides.
//!   And `batch/<rules>`: `Engine::classify_batch` on the same customers
//!   as one `f64` column per signal, checked to give every customer the
//!   single path's stage, fired rules and evidence.
//! - `scaling/build`, `<rules>`: `Engine::builder(spec).build()`, the
//!   validation and compilation of the whole ruleset (the clone of the
//!   spec it consumes is made outside the timing), reported per rule.
//!
//! The rulesets and customers are prepared, and checked, only for the
//! benchmarks a run selects, so a filter skips the large sizes' setup. The
//! largest sizes classify fewer customers per iteration (each is a few
//! hundred times slower), and take fewer samples.
//!
//! Run with `cargo bench --bench scaling`, or for one size
//! `cargo bench --bench scaling -- /10000`.

use std::cell::OnceCell;
use std::hint::black_box;
use std::time::Duration;

use buyer_journey::{Column, Columns, Engine, RulesetSpec, SignalRecord};
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput,
};

#[path = "../examples/generated/mod.rs"]
mod generated;

use generated::{Generated, Rule, XorShift};

/// The numbers of stage rules measured.
const SIZES: [usize; 5] = [10, 100, 1_000, 10_000, 100_000];

/// How many customers one iteration classifies at a size: a few thousand,
/// and fewer for the largest rulesets, where each customer costs a few
/// hundred times more.
fn customers(rules: usize) -> usize {
    match rules {
        0..=1_000 => 4_096,
        1_001..=10_000 => 1_024,
        _ => 256,
    }
}

/// One size, ready to measure: the engine, the rules as data, and the
/// customers both as records and as plain values.
struct Prepared {
    engine: Engine,
    rules: Vec<Rule>,
    values: Vec<Vec<f64>>,
    records: Vec<SignalRecord>,
    /// The customers as one column per signal, in schema order.
    columns: Vec<Vec<f64>>,
}

/// The batch of `columns`, one per signal of `engine`'s schema.
fn batch_of<'a>(engine: &Engine, columns: &'a [Vec<f64>]) -> Columns<'a> {
    let mut batch = Columns::new(engine.schema(), columns.first().map_or(0, Vec::len));
    for (signal, values) in engine.schema().iter().zip(columns) {
        batch
            .set_at(signal.index(), Column::f64(values))
            .expect("a column per signal");
    }
    batch
}

fn build(spec: RulesetSpec) -> Engine {
    Engine::builder(spec)
        .build()
        .unwrap_or_else(|err| panic!("the generated ruleset builds: {err}"))
}

/// Generates the ruleset of `size` rules and its customers, and checks that
/// the engine and the plain loop agree on every customer.
fn prepare(size: usize) -> Prepared {
    let Generated { spec, rules } = generated::ruleset(size);
    let engine = build(spec);
    let schema = engine.schema();
    assert_eq!(schema.len(), generated::SIGNALS);
    // The comparisons are shared: at most three per signal, whatever the
    // number of rules.
    assert!(
        engine.atom_count() <= 3 * generated::SIGNALS,
        "{} atoms",
        engine.atom_count()
    );
    let mut random = XorShift::new(0xC0FF_EE00_D15E_A5E5);
    let values: Vec<Vec<f64>> = (0..customers(size))
        .map(|_| generated::values(schema, &mut random))
        .collect();
    let records: Vec<SignalRecord> = values
        .iter()
        .map(|values| generated::record(schema, values).expect("generated values fit"))
        .collect();

    // The benchmark is only meaningful if both sides compute the same
    // thing: the same stage and the same rules fired, for every customer.
    let mut scratch = engine.scratch();
    let mut stages = vec![0; generated::STAGES];
    let mut fired_total = 0;
    for (values, record) in values.iter().zip(&records) {
        let decision = engine.classify(record, &mut scratch);
        let fired: Vec<usize> = decision
            .fired_indices()
            .map(|rule| rule.as_usize())
            .collect();
        let expected: Vec<usize> = (0..rules.len())
            .filter(|&rule| rules[rule].holds(values))
            .collect();
        assert_eq!(fired, expected, "{size} rules, {values:?}");
        let (stage, count) = generated::furthest(&rules, values);
        assert_eq!(count, expected.len());
        assert_eq!(
            decision.stage().index().as_usize(),
            stage,
            "{size} rules, {values:?}"
        );
        stages[stage] += 1;
        fired_total += count;
    }
    // The customers are spread over the stages at the smallest size; with
    // more rules nearly every customer has evidence for the last stage, but
    // which rules fire still varies: a good share of them, never all.
    if size == SIZES[0] {
        assert!(
            stages.iter().filter(|&&count| count > 0).count() >= generated::STAGES / 2,
            "{size} rules: {stages:?}"
        );
    }
    let share = fired_total as f64 / (size * values.len()) as f64;
    assert!((0.1..0.9).contains(&share), "{size} rules: {share} fired");

    // The batch path gives every customer the single path's answer.
    let columns: Vec<Vec<f64>> = (0..schema.len())
        .map(|signal| values.iter().map(|values| values[signal]).collect())
        .collect();
    let mut batch_scratch = engine.batch_scratch();
    let batch = engine
        .classify_batch(&batch_of(&engine, &columns), &mut batch_scratch)
        .expect("columns of the engine's schema");
    for (decision, record) in batch.iter().zip(&records) {
        let single = engine.classify(record, &mut scratch);
        assert_eq!(decision.stage(), single.stage(), "{size} rules");
        assert!(
            decision.fired_indices().eq(single.fired_indices()),
            "{size} rules"
        );
        assert!(decision.evidence().eq(single.evidence()), "{size} rules");
    }
    Prepared {
        engine,
        rules,
        values,
        records,
        columns,
    }
}

fn bench_classify(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling/classify");
    for size in SIZES {
        let prepared = OnceCell::new();
        let prepared = || prepared.get_or_init(|| prepare(size));
        group.throughput(Throughput::Elements(customers(size) as u64));
        if size >= 10_000 {
            // Each iteration takes tens to hundreds of milliseconds.
            group.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        group.bench_function(BenchmarkId::new("engine", size), |b| {
            let Prepared {
                engine, records, ..
            } = prepared();
            let mut scratch = engine.scratch();
            b.iter(|| {
                let mut stages = 0;
                for record in records {
                    stages += engine
                        .classify(black_box(record), &mut scratch)
                        .stage()
                        .index()
                        .as_usize();
                }
                stages
            });
        });
        group.bench_function(BenchmarkId::new("batch", size), |b| {
            let Prepared {
                engine, columns, ..
            } = prepared();
            let mut scratch = engine.batch_scratch();
            b.iter(|| {
                let batch = batch_of(engine, black_box(columns));
                engine
                    .classify_batch(&batch, &mut scratch)
                    .expect("columns of the engine's schema")
                    .iter()
                    .map(|decision| decision.stage().index().as_usize())
                    .sum::<usize>()
            });
        });
        group.bench_function(BenchmarkId::new("baseline", size), |b| {
            let Prepared { rules, values, .. } = prepared();
            b.iter(|| {
                let mut stages = 0;
                for values in values {
                    stages += generated::furthest(rules, black_box(values)).0;
                }
                stages
            });
        });
    }
    group.finish();
}

fn bench_build(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling/build");
    for size in SIZES {
        let spec = OnceCell::new();
        let spec = || spec.get_or_init(|| generated::ruleset(size).spec);
        group.throughput(Throughput::Elements(size as u64));
        if size >= 10_000 {
            group
                .sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .measurement_time(Duration::from_secs(10));
        }
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            let spec = spec();
            // The engine is dropped outside the timing, too.
            b.iter_batched(|| spec.clone(), build, BatchSize::PerIteration);
        });
    }
    group.finish();
}

criterion_group!(benches, bench_classify, bench_build);
criterion_main!(benches);

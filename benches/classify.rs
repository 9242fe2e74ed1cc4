//! `Engine::classify` on the built-in buying-process model, beside a
//! hand-written Rust function of the same rules and tags: the ratio between
//! the two is the engine's distance from the hand-written limit. Then
//! `Engine::decide` (classify and rank the top three actions) beside
//! `classify` alone, with an empty and a small contact history: the
//! difference is the cost of the actions.
//!
//! Run with `cargo bench --bench classify`.

use std::hint::black_box;

use buyer_journey::{models, ContactLog, Engine, SignalRecord, Span, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CUSTOMERS: usize = 4_096;

/// The built-in schema's signals, in declaration order.
const SIGNALS: [&str; 16] = [
    "need_searches",
    "category_views",
    "info_page_views",
    "reviews_read",
    "recommendations_sought",
    "brochures_downloaded",
    "comparisons",
    "sales_contacts",
    "quote_requests",
    "cart_adds",
    "checkout_starts",
    "purchases",
    "days_since_purchase",
    "open_tickets",
    "open_complaints",
    "satisfaction",
];

/// A small deterministic generator, so every run sees the same customers.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Varied customers as dense values (NaN = missing): each signal is missing
/// about half the time, and counts are mostly small with many zeros, so every
/// stage and every rule is exercised.
fn customers() -> Vec<[f64; 16]> {
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    (0..CUSTOMERS)
        .map(|_| {
            let mut values = [f64::NAN; 16];
            for (i, value) in values.iter_mut().enumerate() {
                if random.next() % 8 < 3 {
                    continue;
                }
                let roll = (random.next() % 10) as f64;
                *value = match SIGNALS[i] {
                    "days_since_purchase" => roll * 17.0,
                    "satisfaction" => roll,
                    _ if roll < 6.0 => 0.0,
                    _ => roll - 5.0,
                };
            }
            values
        })
        .collect()
}

fn record(engine: &Engine, values: &[f64; 16]) -> SignalRecord {
    let mut record = engine.record();
    for (name, value) in SIGNALS.iter().zip(values) {
        if !value.is_nan() {
            record
                .set(name, *value)
                .expect("generated values fit the schema");
        }
    }
    record
}

/// The built-in model's rules and tags written by hand: evidence per stage
/// (one point per rule that holds), the furthest stage with evidence, the
/// share of evidence that supports it, and the tags as bits in declaration
/// order. A comparison with a missing value (NaN) is false, as in the engine.
fn baseline(c: &[f64; 16]) -> (usize, f64, u8) {
    let at_least_one = |i: usize| u8::from(c[i] >= 1.0);
    let need = at_least_one(0) + at_least_one(1);
    let research = at_least_one(2) + at_least_one(3) + at_least_one(4) + at_least_one(5);
    let weighing = at_least_one(6) + at_least_one(7) + at_least_one(8);
    let buying = at_least_one(9) + at_least_one(10);
    let active = need + research + weighing + buying > 0;
    let bought = c[11] >= 1.0;
    let owning = u8::from(bought && !active)
        + u8::from(bought && c[14] >= 1.0)
        + u8::from(bought && c[13] >= 1.0);
    let (purchases, days, satisfaction) = (c[11], c[12], c[15]);
    let tags = [
        !bought,
        purchases == 1.0,
        purchases >= 2.0,
        purchases >= 5.0 || (purchases >= 3.0 && satisfaction >= 8.0),
        bought && (satisfaction <= 4.0 || days >= 180.0),
        c[14] >= 1.0,
        c[13] >= 1.0,
        satisfaction >= 8.0,
    ]
    .iter()
    .enumerate()
    .fold(0u8, |bits, (i, &has)| bits | (u8::from(has) << i));
    let evidence = [need, research, weighing, buying, owning];
    let total: u8 = evidence.iter().sum();
    match evidence.iter().rposition(|&points| points > 0) {
        Some(stage) => (stage, f64::from(evidence[stage]) / f64::from(total), tags),
        None => (0, 0.0, tags),
    }
}

fn bench_default_model(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let dense = customers();
    let records: Vec<SignalRecord> = dense.iter().map(|values| record(&engine, values)).collect();
    let mut scratch = engine.scratch();

    // The benchmark is only meaningful if both sides compute the same thing.
    for (values, record) in dense.iter().zip(&records) {
        let decision = engine.classify(record, &mut scratch);
        let (stage, confidence, tags) = baseline(values);
        assert_eq!(decision.stage().stage_id().index(), stage, "{values:?}");
        let engine_tags = decision
            .tags()
            .fold(0u8, |bits, tag| bits | (1 << tag.tag_id().index()));
        assert_eq!(engine_tags, tags, "{values:?}");
        assert!(
            (decision.confidence() - confidence).abs() < 1e-12,
            "{values:?}"
        );
    }

    let mut group = c.benchmark_group("classify/default_model");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.bench_function("engine", |b| {
        b.iter(|| {
            let mut stages = 0;
            for record in &records {
                stages += engine
                    .classify(black_box(record), &mut scratch)
                    .stage()
                    .stage_id()
                    .index();
            }
            stages
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut stages = 0;
            for values in &dense {
                let (stage, _, tags) = baseline(black_box(values));
                stages += stage + usize::from(tags);
            }
            stages
        })
    });
    group.bench_function("interpreter", |b| {
        b.iter(|| {
            let mut fired = 0;
            for record in &records {
                fired += engine.classify_interpreted(black_box(record)).fired.len();
            }
            fired
        })
    });
    group.finish();
}

/// A small contact history over the built-in catalog, as a host might keep
/// for a customer: a few recent showings (some still cooling down, one
/// action at its cap) and a few dismissals.
fn small_history(now: Timestamp) -> ContactLog {
    let mut log = ContactLog::new();
    log.record_shown(
        "need_recognition.product_overview",
        now.before(Span::hours(2)),
    );
    log.record_shown("information_search.reviews", now.before(Span::days(3)));
    log.record_shown(
        "information_search.buying_guide",
        now.before(Span::hours(30)),
    );
    log.record_shown("evaluation.advisor_call", now.before(Span::days(1)));
    log.record_dismissed("evaluation.advisor_call");
    log.record_shown(
        "purchase_decision.checkout_help",
        now.before(Span::hours(20)),
    );
    log.record_shown(
        "purchase_decision.checkout_help",
        now.before(Span::hours(3)),
    );
    log.record_shown("purchase_decision.cart_reminder", now.before(Span::days(5)));
    log.record_dismissed("purchase_decision.bundle");
    log.record_dismissed("post_purchase.onboarding");
    log.record_dismissed("post_purchase.onboarding");
    log.record_shown("post_purchase.care_tips", now.before(Span::days(2)));
    log
}

fn bench_decide(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let records: Vec<SignalRecord> = customers()
        .iter()
        .map(|values| record(&engine, values))
        .collect();
    let mut scratch = engine.scratch();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let histories = [("empty", ContactLog::new()), ("small", small_history(now))];

    // The interpreter is the specification: `decide` must suggest what
    // `explain` does, in the same order, for every customer.
    let mut suggested = [0; 2];
    for ((_, history), count) in histories.iter().zip(&mut suggested) {
        for record in &records {
            let decision = engine.decide(record, history, now, &mut scratch);
            let decided: Vec<&str> = decision.actions().map(|a| a.id()).collect();
            let explanation = engine.explain(record, history, now);
            let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
            assert_eq!(decided, explained, "{record:?} with {history:?}");
            *count += decided.len();
        }
    }
    // The small history holds some actions back, so it changes the answer.
    assert!(suggested[1] < suggested[0], "{suggested:?}");

    let mut group = c.benchmark_group("decide/default_model");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.bench_function("classify", |b| {
        b.iter(|| {
            let mut stages = 0;
            for record in &records {
                stages += engine
                    .classify(black_box(record), &mut scratch)
                    .stage()
                    .stage_id()
                    .index();
            }
            stages
        })
    });
    for (name, history) in &histories {
        group.bench_function(format!("decide/{name}_history"), |b| {
            b.iter(|| {
                let mut actions = 0;
                for record in &records {
                    let decision = engine.decide(black_box(record), history, now, &mut scratch);
                    actions += decision.actions().len() + decision.stage().stage_id().index();
                }
                actions
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_default_model, bench_decide);
criterion_main!(benches);

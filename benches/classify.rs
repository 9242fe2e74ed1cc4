//! `Engine::classify` on the built-in buying-process model, beside a
//! hand-written Rust function of the same rules and tags: the ratio between
//! the two is the engine's distance from the hand-written limit. Then
//! `Engine::decide` (classify and rank the top three actions) beside
//! `classify` alone, with an empty and a small contact history: the
//! difference is the cost of the actions. Beside them, a hand-written Rust
//! function of `decide` with an empty history (the stage, then the catalog's
//! actions of that stage as plain code, an insertion sort and the group
//! limit): the ratio is `decide`'s distance from the hand-written limit.
//! Last, `Engine::advance` from stored states in every stage beside the
//! built-in transitions written by hand (`benches/hand_written/mod.rs`,
//! which the `observe` bench shares).
//!
//! Beside `classify`, `batch`: `Engine::classify_batch` on the same
//! customers as one `f64` column per signal, checked to give each customer
//! the single path's decision.
//!
//! Each runs on two populations of 4,096 customers: the varied one
//! (groups `classify/default_model`, `decide/default_model`,
//! `advance/default_model`), where each signal is missing about half the
//! time and most counts are zero, so every stage, rule and most actions are
//! exercised; and a dense one (the same groups with `default_model_dense`),
//! where most signals are set with plausible counts, so many rules fire for
//! each customer. Before timing, the engine and the hand-written code must
//! agree on every customer of both; `cargo bench -- --test` runs those
//! checks.
//!
//! Run with `cargo bench --bench classify`.

use std::hint::black_box;

use buyer_journey::{
    models, BatchScratch, Column, Columns, ContactLog, Engine, JourneyState, Scratch, SignalRecord,
    Span, Timestamp,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod hand_written;

use hand_written::{
    baseline, baseline_advance, baseline_decide, record, PlainState, XorShift, SIGNALS,
};

const CUSTOMERS: usize = 4_096;

/// A population of customers as dense values (NaN = missing), in the
/// built-in schema's order.
struct Population {
    /// The groups' second part: `default_model` for the varied population,
    /// `default_model_dense` for the dense one.
    name: &'static str,
    plain: Vec<[f64; 16]>,
    varied: bool,
}

/// The varied population, then the dense one.
fn populations() -> [Population; 2] {
    [
        Population {
            name: "default_model",
            plain: customers(),
            varied: true,
        },
        Population {
            name: "default_model_dense",
            plain: dense_customers(),
            varied: false,
        },
    ]
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

/// Dense customers: each signal is missing about one time in 32, the
/// activity of the buying cycle is mostly one to six of each kind, most
/// customers have bought before (one to four times, a day to a year ago,
/// and only those have a `days_since_purchase`), a ticket or a complaint is
/// open now and then, and every customer has rated the seller. So most
/// rules hold for most customers, and most customers are deciding on a
/// purchase or have bought.
fn dense_customers() -> Vec<[f64; 16]> {
    let mut random = XorShift(0xD1B5_4A32_D192_ED03);
    (0..CUSTOMERS)
        .map(|_| {
            let mut values = [f64::NAN; 16];
            for (i, value) in values.iter_mut().enumerate() {
                let roll = random.next();
                if roll % 32 == 0 {
                    continue;
                }
                let roll = roll / 32;
                *value = match SIGNALS[i] {
                    "purchases" => (roll % 5) as f64,
                    "days_since_purchase" => (1 + roll % 365) as f64,
                    "open_tickets" => f64::from(roll % 5 == 0),
                    "open_complaints" => f64::from(roll % 8 == 0),
                    "satisfaction" => (roll % 11) as f64,
                    // The cycle's activity: zero one time in seven.
                    _ => (roll % 7) as f64,
                };
            }
            if values[11].is_nan() || values[11] < 1.0 {
                values[12] = f64::NAN; // no purchase, no days since one
            }
            values
        })
        .collect()
}

/// `Engine::classify` over every record, consuming each stage.
fn classify_all(engine: &Engine, records: &[SignalRecord], scratch: &mut Scratch) -> usize {
    records
        .iter()
        .map(|record| {
            engine
                .classify(black_box(record), scratch)
                .stage()
                .index()
                .as_usize()
        })
        .sum()
}

/// The customers as one column per signal, in schema order.
fn columns_of(plain: &[[f64; 16]]) -> Vec<Vec<f64>> {
    (0..16)
        .map(|signal| plain.iter().map(|values| values[signal]).collect())
        .collect()
}

/// `Engine::classify_batch` over the columns, consuming each stage.
fn classify_batch_all(engine: &Engine, columns: &[Vec<f64>], scratch: &mut BatchScratch) -> usize {
    let mut batch = Columns::new(engine.schema(), columns[0].len());
    for (signal, values) in engine.schema().iter().zip(columns) {
        batch
            .set_at(signal.index(), Column::f64(black_box(values)))
            .expect("a column per signal");
    }
    engine
        .classify_batch(&batch, scratch)
        .expect("columns of the engine's schema")
        .iter()
        .map(|decision| decision.stage().index().as_usize())
        .sum()
}

fn bench_default_model(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let mut scratch = engine.scratch();
    let mut batch_scratch = engine.batch_scratch();
    for Population {
        name,
        plain,
        varied,
    } in populations()
    {
        let records: Vec<SignalRecord> =
            plain.iter().map(|values| record(&engine, values)).collect();
        let columns = columns_of(&plain);
        {
            let mut batch = Columns::new(engine.schema(), CUSTOMERS);
            for (signal, values) in engine.schema().iter().zip(&columns) {
                batch.set_at(signal.index(), Column::f64(values)).unwrap();
            }
            let decisions = engine.classify_batch(&batch, &mut batch_scratch).unwrap();
            for (decision, record) in decisions.iter().zip(&records) {
                let single = engine.classify(record, &mut scratch).to_record();
                assert_eq!(decision.to_record(), single);
            }
        }

        // The benchmark is only meaningful if both sides compute the same
        // thing.
        let mut fired = 0;
        for (values, record) in plain.iter().zip(&records) {
            let decision = engine.classify(record, &mut scratch);
            let (stage, confidence, tags) = baseline(values);
            assert_eq!(decision.stage().index().as_usize(), stage, "{values:?}");
            let engine_tags = decision
                .tags()
                .fold(0u8, |bits, tag| bits | (1 << tag.index().as_usize()));
            assert_eq!(engine_tags, tags, "{values:?}");
            assert!(
                (decision.confidence() - confidence).abs() < 1e-12,
                "{values:?}"
            );
            fired += decision.fired().len();
        }
        // Of the 14 stage rules, about 3 hold for a varied customer, and
        // about 9 for a dense one.
        let per_customer = fired as f64 / CUSTOMERS as f64;
        if varied {
            assert!((1.0..4.0).contains(&per_customer), "{per_customer}");
        } else {
            assert!(per_customer >= 8.0, "{per_customer}");
        }

        let mut group = c.benchmark_group(format!("classify/{name}"));
        group.throughput(Throughput::Elements(CUSTOMERS as u64));
        group.bench_function("engine", |b| {
            b.iter(|| classify_all(&engine, &records, &mut scratch));
        });
        group.bench_function("batch", |b| {
            b.iter(|| classify_batch_all(&engine, &columns, &mut batch_scratch));
        });
        group.bench_function("baseline", |b| {
            b.iter(|| {
                let mut stages = 0;
                for values in &plain {
                    let (stage, _, tags) = baseline(black_box(values));
                    stages += stage + usize::from(tags);
                }
                stages
            });
        });
        group.bench_function("interpreter", |b| {
            b.iter(|| {
                let mut fired = 0;
                for record in &records {
                    fired += engine.classify_interpreted(black_box(record)).fired.len();
                }
                fired
            });
        });
        group.finish();
    }
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
    log.record_dismissed("evaluation.advisor_call", now.before(Span::days(1)));
    log.record_shown(
        "purchase_decision.checkout_help",
        now.before(Span::hours(20)),
    );
    log.record_shown(
        "purchase_decision.checkout_help",
        now.before(Span::hours(3)),
    );
    log.record_shown("purchase_decision.cart_reminder", now.before(Span::days(5)));
    log.record_dismissed("purchase_decision.bundle", now.before(Span::days(3)));
    log.record_dismissed("post_purchase.onboarding", now.before(Span::days(4)));
    log.record_dismissed("post_purchase.onboarding", now.before(Span::days(4)));
    log.record_shown("post_purchase.care_tips", now.before(Span::days(2)));
    log
}

fn bench_decide(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let mut scratch = engine.scratch();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let histories = [("empty", ContactLog::new()), ("small", small_history(now))];
    for Population {
        name,
        plain,
        varied,
    } in populations()
    {
        let records: Vec<SignalRecord> =
            plain.iter().map(|values| record(&engine, values)).collect();

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
        // The small history holds some actions back, so it changes the
        // answer.
        assert!(suggested[1] < suggested[0], "{suggested:?}");

        // The hand-written baseline must suggest what `decide` does with an
        // empty history: the same actions in the same order with the same
        // priorities, to the bit.
        let empty = ContactLog::new();
        let mut seen = vec![false; engine.actions().len()];
        for (values, record) in plain.iter().zip(&records) {
            let decision = engine.decide(record, &empty, now, &mut scratch);
            let decided: Vec<(usize, u64)> = decision
                .actions()
                .map(|a| (a.action().index().as_usize(), a.priority().to_bits()))
                .collect();
            let (stage, top, count) = baseline_decide(values);
            let hand_written: Vec<(usize, u64)> = top[..count]
                .iter()
                .map(|&(index, priority)| (usize::from(index), priority.to_bits()))
                .collect();
            assert_eq!(decision.stage().index().as_usize(), stage, "{values:?}");
            assert_eq!(decided, hand_written, "{values:?}");
            for &(index, _) in &decided {
                seen[index] = true;
            }
        }
        // The five fallbacks are never suggested: every stage has a regular
        // action for everyone when nothing was shown, so the hand-written
        // version has none.
        assert!(
            engine
                .actions()
                .filter(|action| action.is_fallback())
                .all(|action| !seen[action.index().as_usize()]),
            "{seen:?}"
        );
        // The varied customers exercise most of the catalog, not just a
        // corner of it: with an empty history 22 of the 27 regular actions
        // can be suggested (the other five are always outranked in their
        // group or their stage's top three). The dense ones are mostly in
        // the last two stages.
        if varied {
            let regular: Vec<bool> = engine
                .actions()
                .filter(|action| !action.is_fallback())
                .map(|action| seen[action.index().as_usize()])
                .collect();
            let suggested_actions = regular.iter().filter(|&&seen| seen).count();
            assert!(suggested_actions * 4 >= regular.len() * 3, "{seen:?}");
        }

        let mut group = c.benchmark_group(format!("decide/{name}"));
        group.throughput(Throughput::Elements(CUSTOMERS as u64));
        group.bench_function("classify", |b| {
            b.iter(|| classify_all(&engine, &records, &mut scratch));
        });
        for (history_name, history) in &histories {
            group.bench_function(format!("decide/{history_name}_history"), |b| {
                b.iter(|| {
                    let mut actions = 0;
                    for record in &records {
                        let decision = engine.decide(black_box(record), history, now, &mut scratch);
                        actions += decision.actions().len() + decision.stage().index().as_usize();
                    }
                    actions
                });
            });
        }
        group.bench_function("baseline/empty_history", |b| {
            b.iter(|| {
                let mut actions = 0;
                for values in &plain {
                    let (stage, top, count) = baseline_decide(black_box(values));
                    actions += stage + count;
                    for &(index, _) in &top[..count] {
                        actions += usize::from(index);
                    }
                }
                actions
            });
        });
        group.finish();
    }
}

fn bench_advance(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let mut scratch = engine.scratch();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    // Every stage, entered an hour to a month ago (inside and past the
    // 7-day dwell after a purchase).
    let ago = [Span::hours(1), Span::days(3), Span::days(8), Span::days(30)];
    let plain_states: Vec<PlainState> = (0..CUSTOMERS)
        .map(|i| PlainState {
            #[allow(clippy::cast_possible_truncation)]
            stage: (i % 5) as u8,
            entered: now.before(ago[i / 5 % ago.len()]).unix_seconds(),
            previous: None,
            #[allow(clippy::cast_possible_truncation)]
            cycles: (i % 3) as u32,
        })
        .collect();
    let stages: Vec<&str> = engine.model().iter().map(|stage| stage.id()).collect();
    let rules: Vec<&str> = engine.transitions().map(|rule| rule.id()).collect();
    let journey = |state: &PlainState| {
        JourneyState::in_stage(
            stages[usize::from(state.stage)],
            Timestamp::from_unix_seconds(state.entered),
        )
        .with_cycles(state.cycles)
    };
    let states: Vec<JourneyState> = plain_states.iter().map(journey).collect();

    // The hand-written transitions must move every customer as `advance`
    // does: the same rules in the same order, stage, entry time, previous
    // stage and cycles. Returns the number of moves.
    let mut agree = |plain: &PlainState, values: &[f64; 16]| {
        let step = engine
            .advance(&journey(plain), &record(&engine, values), now, &mut scratch)
            .expect("every stage is in the model");
        let (expected, by) = baseline_advance(plain, values, now.unix_seconds());
        let made: Vec<Option<&str>> = step.moves.iter().map(|t| t.rule()).collect();
        let expected_rules: Vec<Option<&str>> = by
            .iter()
            .flatten()
            .map(|&i| Some(rules[usize::from(i)]))
            .collect();
        assert_eq!(made, expected_rules, "{values:?} {plain:?}");
        assert_eq!(
            step.state.stage(),
            Some(stages[usize::from(expected.stage)])
        );
        assert_eq!(step.state.entered().unix_seconds(), expected.entered);
        assert_eq!(
            step.state.previous(),
            expected.previous.map(|i| stages[usize::from(i)])
        );
        assert_eq!(step.state.cycles(), expected.cycles);
        step.moves.len()
    };
    let populations = populations();
    for Population { plain, varied, .. } in &populations {
        let moved = plain_states
            .iter()
            .zip(plain)
            .filter(|(state, values)| agree(state, values) > 0)
            .count();
        // Both paths, a move and a stay, are represented: well in the
        // varied population; in the dense one most customers in the first
        // four stages have evidence for a later one.
        if *varied {
            assert!(
                moved * 5 > CUSTOMERS && moved * 5 < CUSTOMERS * 4,
                "{moved}"
            );
        } else {
            assert!(
                moved * 10 > CUSTOMERS && moved * 10 < CUSTOMERS * 9,
                "{moved}"
            );
        }
    }
    // Two moves in one call are rare among the generated customers (it
    // takes a new need, a single page view and no later evidence after a
    // purchase): check them on customers made for it.
    let bought = PlainState {
        stage: 4,
        entered: now.before(Span::days(8)).unix_seconds(),
        previous: None,
        cycles: 1,
    };
    for signals in [[(0, 1.0), (3, 1.0)], [(1, 2.0), (2, 1.0)]] {
        let mut values = [f64::NAN; 16];
        values[11] = 1.0; // purchases
        for (i, value) in signals {
            values[i] = value;
        }
        assert_eq!(agree(&bought, &values), 2, "{values:?}");
    }

    for Population { name, plain, .. } in &populations {
        let records: Vec<SignalRecord> =
            plain.iter().map(|values| record(&engine, values)).collect();
        let mut group = c.benchmark_group(format!("advance/{name}"));
        group.throughput(Throughput::Elements(CUSTOMERS as u64));
        group.bench_function("engine", |b| {
            b.iter(|| {
                let mut cycles = 0;
                for (state, record) in states.iter().zip(&records) {
                    let step = engine
                        .advance(black_box(state), black_box(record), now, &mut scratch)
                        .expect("every stage is in the model");
                    cycles += step.state.cycles() + u32::from(step.moved());
                }
                cycles
            });
        });
        group.bench_function("baseline", |b| {
            b.iter(|| {
                let mut cycles = 0;
                for (state, values) in plain_states.iter().zip(plain) {
                    let (next, rules) =
                        baseline_advance(black_box(state), black_box(values), now.unix_seconds());
                    cycles += next.cycles + u32::from(rules[0].is_some());
                }
                cycles
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_default_model, bench_decide, bench_advance);
criterion_main!(benches);

//! `SharedEngine`: threads keep deciding while another swaps rulesets, and
//! every decision comes from one whole ruleset.
//!
//! Three rulesets ("generations" `a`, `b`, `c`) that name every stage, rule,
//! tag and action after their generation and differ in shape (2, 3 and 4
//! stages), so a decision made partly of one and partly of another is told
//! apart: [`whole`] says which generation a decision comes from, or why it
//! comes from none.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use buyer_journey::{
    ActionSpec, ContactLog, DecisionRecord, Engine, RulesetSpec, SharedEngine, SignalSpec, Span,
    StageRuleSpec, StageSpec, TagSpec, Timestamp,
};

use crate::support::build;

const GENERATIONS: [&str; 3] = ["a", "b", "c"];
const STAGES: [&str; 4] = ["browsing", "comparing", "buying", "owning"];
/// The customers every thread decides for: `(visits, carts, orders)`.
const CUSTOMERS: [(u32, u32, u32); 6] = [
    (0, 0, 0),
    (1, 0, 0),
    (2, 0, 0),
    (3, 1, 0),
    (5, 2, 1),
    (9, 0, 2),
];
const SWAPS: usize = 1_000;
const EVALUATORS: usize = 3;

fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

/// Generation `k`'s ruleset: `2 + k` stages, each id prefixed with the
/// generation, a rule into each stage after the first, one tag, and two
/// actions per stage whose values differ between generations.
fn ruleset(k: usize) -> RulesetSpec {
    let g = GENERATIONS[k];
    let stages: Vec<&str> = STAGES[..2 + k].to_vec();
    let mut spec = RulesetSpec::new(
        vec![
            SignalSpec::count("visits"),
            SignalSpec::count("carts"),
            SignalSpec::count("orders"),
        ],
        stages
            .iter()
            .map(|stage| StageSpec::new(&format!("{g}_{stage}"), stage, ""))
            .collect(),
    );
    let conditions = ["", "visits >= 2", "carts >= 1", "orders >= 1"];
    for (stage, when) in stages.iter().zip(conditions).skip(1) {
        spec.stage_rules.push(StageRuleSpec::new(
            &format!("{g}.{stage}"),
            &format!("{g}_{stage}"),
            when,
        ));
    }
    spec.tags
        .push(TagSpec::new(&format!("{g}_engaged"), "visits >= 3"));
    let value = 10.0 * (k + 1) as f64;
    for stage in &stages {
        let id = format!("{g}_{stage}");
        spec.actions.push(ActionSpec::new(
            &format!("{g}.{stage}.guide"),
            "guide",
            &[&id],
            value,
        ));
        spec.actions.push(
            ActionSpec::new(&format!("{g}.{stage}.call"), "call", &[&id], value + 1.0)
                .requires(&[&format!("{g}_engaged")])
                .cooldown(Span::days(1)),
        );
    }
    spec
}

/// What generation `k` decides for each of the customers.
fn expected(engine: &Engine) -> Vec<DecisionRecord> {
    let mut scratch = engine.scratch();
    CUSTOMERS
        .iter()
        .map(|&customer| decide(engine, customer, &mut scratch))
        .collect()
}

fn decide(
    engine: &Engine,
    (visits, carts, orders): (u32, u32, u32),
    scratch: &mut buyer_journey::Scratch,
) -> DecisionRecord {
    let mut record = engine.record();
    record.set("visits", visits).unwrap();
    record.set("carts", carts).unwrap();
    record.set("orders", orders).unwrap();
    engine
        .decide(&record, &ContactLog::new(), now(), scratch)
        .to_record()
}

/// The generation `record` comes from, all of it, for the customer at
/// `customer` in [`CUSTOMERS`]; or what is mixed.
fn whole(
    record: &DecisionRecord,
    customer: usize,
    expected: &[Vec<DecisionRecord>],
) -> Result<usize, String> {
    let Some(k) = GENERATIONS
        .iter()
        .position(|g| record.stage.starts_with(&format!("{g}_")))
    else {
        return Err(format!("stage '{}' is of no generation", record.stage));
    };
    let g = GENERATIONS[k];
    let ids = record
        .evidence
        .keys()
        .chain(&record.tags)
        .map(|id| (id.as_str(), format!("{g}_")))
        .chain(
            record
                .fired
                .iter()
                .chain(record.actions.iter().map(|a| &a.id))
                .map(|id| (id.as_str(), format!("{g}."))),
        );
    for (id, prefix) in ids {
        if !id.starts_with(&prefix) {
            return Err(format!(
                "stage '{}' is of generation {g}, '{id}' is not",
                record.stage
            ));
        }
    }
    if *record != expected[k][customer] {
        return Err(format!(
            "generation {g} decides {:?} for customer {customer}, not {record:?}",
            expected[k][customer]
        ));
    }
    Ok(k)
}

#[test]
fn the_generations_are_told_apart() {
    let engines: Vec<Engine> = (0..GENERATIONS.len()).map(|k| build(ruleset(k))).collect();
    let expected: Vec<Vec<DecisionRecord>> = engines.iter().map(expected).collect();
    for (k, records) in expected.iter().enumerate() {
        for (customer, record) in records.iter().enumerate() {
            assert_eq!(whole(record, customer, &expected), Ok(k));
        }
    }
    // The customers reach several stages, tags and actions, so a mix shows.
    let stages: Vec<&str> = expected[2].iter().map(|r| r.stage.as_str()).collect();
    assert_eq!(
        stages,
        [
            "c_browsing",
            "c_browsing",
            "c_comparing",
            "c_buying",
            "c_owning",
            "c_owning"
        ]
    );
    assert_eq!(expected[1][4].tags, ["b_engaged"]);
    assert_eq!(expected[1][4].actions[0].id, "b.buying.call");
}

#[test]
fn a_mixed_decision_is_detected() {
    let engines: Vec<Engine> = (0..GENERATIONS.len()).map(|k| build(ruleset(k))).collect();
    let expected: Vec<Vec<DecisionRecord>> = engines.iter().map(expected).collect();
    let (a, b) = (&expected[0][3], &expected[1][3]);

    // The stage and evidence of one generation, the actions of another.
    let mut mixed = a.clone();
    mixed.actions.clone_from(&b.actions);
    assert_eq!(
        whole(&mixed, 3, &expected),
        Err("stage 'a_comparing' is of generation a, 'b.buying.call' is not".into())
    );
    // The ids of one generation, the numbers of another: `b` values its
    // actions more.
    let mut mixed = a.clone();
    mixed.actions[0].priority = b.actions[0].priority;
    assert!(whole(&mixed, 3, &expected)
        .unwrap_err()
        .starts_with("generation a decides"));
    // A generation's decision for another customer.
    assert!(whole(&expected[0][0], 3, &expected).is_err());
}

#[test]
fn every_decision_comes_from_one_whole_ruleset_while_another_thread_swaps() {
    let engines: Vec<Arc<Engine>> = (0..GENERATIONS.len())
        .map(|k| Arc::new(build(ruleset(k))))
        .collect();
    let expected: Vec<Vec<DecisionRecord>> = engines.iter().map(|e| expected(e)).collect();
    let shared = SharedEngine::new(Arc::clone(&engines[0]));
    let done = AtomicBool::new(false);
    let decisions = AtomicUsize::new(0);

    let seen = thread::scope(|s| {
        let evaluators: Vec<_> = (0..EVALUATORS)
            .map(|t| {
                let (shared, done, decisions, expected) = (&shared, &done, &decisions, &expected);
                s.spawn(move || {
                    // One scratch per thread, kept across swaps: it refits.
                    let mut scratch = shared.load().scratch();
                    let mut seen = [0_usize; GENERATIONS.len()];
                    let mut customer = t;
                    while !done.load(Ordering::Acquire) {
                        customer = (customer + 1) % CUSTOMERS.len();
                        let engine = shared.load();
                        let record = decide(&engine, CUSTOMERS[customer], &mut scratch);
                        match whole(&record, customer, expected) {
                            Ok(k) => seen[k] += 1,
                            Err(mixed) => panic!("thread {t}: {mixed}"),
                        }
                        decisions.fetch_add(1, Ordering::Release);
                    }
                    seen
                })
            })
            .collect();

        for swap in 1..=SWAPS {
            let before = decisions.load(Ordering::Acquire);
            let engine = Arc::clone(&engines[swap % engines.len()]);
            if swap % 2 == 0 {
                shared.store(engine);
            } else {
                let old = shared.replace(engine);
                assert!(engines.iter().any(|e| Arc::ptr_eq(e, &old)));
            }
            // Wait until some thread has loaded since the swap: each thread
            // finishes at most one decision begun before it.
            while decisions.load(Ordering::Acquire) < before + EVALUATORS + 1 {
                thread::yield_now();
            }
        }
        done.store(true, Ordering::Release);
        evaluators.into_iter().map(|t| t.join().unwrap()).fold(
            [0; GENERATIONS.len()],
            |mut all, seen| {
                for (all, seen) in all.iter_mut().zip(seen) {
                    *all += seen;
                }
                all
            },
        )
    });
    // Every generation was stored a third of the time, and decided with.
    assert!(
        seen.iter().all(|&n| n > 0),
        "decisions per generation: {seen:?}"
    );
    assert!(seen.iter().sum::<usize>() > SWAPS);
}

#[test]
fn a_loaded_engine_stays_whole_across_a_swap() {
    let shared = SharedEngine::new(build(ruleset(0)));
    let mut scratch = shared.load().scratch();
    let held = shared.load();
    let before = decide(&held, CUSTOMERS[4], &mut scratch);
    shared.store(build(ruleset(1)));
    assert_eq!(decide(&held, CUSTOMERS[4], &mut scratch), before);
    assert_eq!(
        decide(&shared.load(), CUSTOMERS[4], &mut scratch).stage,
        "b_buying"
    );
    // The old engine outlives the slot's hold on it while it is loaded.
    assert_eq!(Arc::strong_count(&held), 1);
}

//! Hit policies, host scorers, host signal types and the engine's sharing and
//! compilation guarantees, on small custom rulesets.

use std::collections::HashMap;
use std::sync::Arc;

use crate::support::{build, record};
use buyer_journey::{
    models, ActionInput, ActionScorer, Condition, ContactLog, DecisionRecord, Engine, Evidence,
    HitPolicy, RulesetSpec, ScoreInput, ScoreRuleSpec, Signal, SignalRecord, SignalSpec, Signals,
    StageRuleSpec, StageScorer, StageSpec, Timestamp, Value,
};

const STAGES: [&str; 4] = ["awareness", "interest", "desire", "action"];

/// A four-stage AIDA model over the counts `a`, `b`, `c`, `d`.
fn aida(
    hit_policy: HitPolicy,
    stage_rules: Vec<StageRuleSpec>,
    score_rules: Vec<ScoreRuleSpec>,
) -> RulesetSpec {
    {
        let mut spec = RulesetSpec::new(
            ["a", "b", "c", "d"]
                .into_iter()
                .map(SignalSpec::count)
                .collect(),
            STAGES
                .iter()
                .map(|id| StageSpec::new(id, &id.to_uppercase(), ""))
                .collect(),
        );
        spec.hit_policy = hit_policy;
        spec.stage_rules = stage_rules;
        spec.score_rules = score_rules;
        spec
    }
}

/// Classifies with the compiled engine and checks the interpreter agrees.
fn classify<S: Signals + ?Sized>(engine: &Engine, signals: &S) -> DecisionRecord {
    let mut scratch = engine.scratch();
    let compiled = engine.classify(signals, &mut scratch).to_record();
    assert_eq!(
        compiled,
        engine.classify_interpreted(signals),
        "compiled engine and interpreter disagree"
    );
    compiled
}

/// A customer's signals, the stage it must land in and the confidence.
type Case<'a> = (&'a [(&'a str, f64)], &'a str, f64);

/// Checks the stage and confidence of each `(signals, stage, confidence)`.
fn expect(engine: &Engine, cases: &[Case<'_>]) {
    for &(signals, stage, confidence) in cases {
        let got = classify(engine, &record(engine, signals));
        assert_eq!(got.stage, stage, "stage for {signals:?}: {got:?}");
        assert!(
            (got.confidence - confidence).abs() < 1e-12,
            "confidence for {signals:?} is {}, expected {confidence}",
            got.confidence
        );
    }
}

// --- first -------------------------------------------------------------------

#[test]
fn first_higher_priority_wins() {
    let engine = build(aida(
        HitPolicy::First,
        vec![
            StageRuleSpec::new("late", "action", "a >= 1"),
            StageRuleSpec::new("early", "awareness", "b >= 1").priority(5),
            StageRuleSpec::new("low", "desire", "c >= 1").priority(-3),
        ],
        vec![],
    ));
    // Only the deciding rule fires, so it is all the evidence there is.
    expect(
        &engine,
        &[
            (&[("a", 1.0)], "action", 1.0),
            // Priority 5 beats both the rule order and the later stage.
            (&[("a", 1.0), ("b", 1.0)], "awareness", 1.0),
            // Priority 0 beats priority -3.
            (&[("a", 2.0), ("c", 9.0)], "action", 1.0),
            (&[("c", 1.0)], "desire", 1.0),
            (&[("a", 1.0), ("b", 3.0), ("c", 1.0)], "awareness", 1.0),
        ],
    );
    let got = classify(
        &engine,
        &record(&engine, &[("a", 1.0), ("b", 3.0), ("c", 1.0)]),
    );
    assert_eq!(got.fired, ["early"]);
}

#[test]
fn first_equal_priorities_go_in_the_order_written() {
    let engine = build(aida(
        HitPolicy::First,
        vec![
            StageRuleSpec::new("z_action", "action", "a >= 1").priority(1),
            StageRuleSpec::new("y_interest", "interest", "b >= 1").priority(1),
            StageRuleSpec::new("x_desire", "desire", "a >= 1").priority(1),
            StageRuleSpec::new("w_awareness", "awareness", "d >= 1"),
        ],
        vec![],
    ));
    for (signals, stage, fired) in [
        // `z_action` is written before `x_desire`, although desire comes
        // earlier in the model and `x_desire` has the smaller id.
        (&[("a", 1.0)][..], "action", "z_action"),
        (&[("a", 1.0), ("b", 1.0)], "action", "z_action"),
        (&[("b", 1.0), ("d", 1.0)], "interest", "y_interest"),
        // Priority 0 only decides when nothing of priority 1 holds.
        (&[("d", 1.0)], "awareness", "w_awareness"),
    ] {
        let got = classify(&engine, &record(&engine, signals));
        assert_eq!(got.stage, stage, "{signals:?}");
        assert_eq!(got.fired, [fired], "{signals:?}");
        assert_eq!(got.confidence, 1.0, "{signals:?}");
    }
}

#[test]
fn first_follows_the_written_order_and_fires_one_stage_rule() {
    let rules = vec![
        StageRuleSpec::new("rule_b", "interest", "a >= 1").priority(2),
        StageRuleSpec::new("rule_a", "awareness", "b >= 1").priority(2),
        StageRuleSpec::new("rule_c", "desire", "a >= 1 and b >= 1").priority(2),
        StageRuleSpec::new("rule_d", "action", "c >= 1"),
    ];
    let mut reversed = rules.clone();
    reversed.reverse();
    let forward = build(aida(HitPolicy::First, rules.clone(), vec![]));
    let backward = build(aida(HitPolicy::First, reversed.clone(), vec![]));
    // The reference: the first rule, by priority then as written, whose
    // condition holds.
    let first_holding = |written: &[StageRuleSpec], engine: &Engine, signals: &SignalRecord| {
        let mut order: Vec<&StageRuleSpec> = written.iter().collect();
        order.sort_by_key(|rule| std::cmp::Reverse(rule.priority));
        order
            .into_iter()
            .find(|rule| {
                let buyer_journey::When::Text(text) = &rule.when else {
                    unreachable!("the rules are written as text")
                };
                Condition::parse(text)
                    .unwrap()
                    .evaluate(engine.schema(), signals)
                    .unwrap()
            })
            .map(|rule| (rule.id.clone(), rule.stage.clone()))
    };
    let mut differ = 0;
    for a in 0..3 {
        for b in 0..3 {
            for c in 0..2 {
                let signals = [
                    ("a", f64::from(a)),
                    ("b", f64::from(b)),
                    ("c", f64::from(c)),
                ];
                for (engine, written) in [(&forward, &rules), (&backward, &reversed)] {
                    let customer = record(engine, &signals);
                    let got = classify(engine, &customer);
                    if let Some((id, stage)) = first_holding(written, engine, &customer) {
                        assert_eq!(got.fired, [id], "{signals:?}");
                        assert_eq!(got.stage, stage, "{signals:?}");
                        assert_eq!(got.confidence, 1.0, "{signals:?}");
                    } else {
                        assert!(got.fired.is_empty(), "{signals:?}");
                        assert_eq!(got.stage, "awareness", "{signals:?}");
                    }
                }
                let one = classify(&forward, &record(&forward, &signals));
                let two = classify(&backward, &record(&backward, &signals));
                differ += usize::from(one.stage != two.stage);
            }
        }
    }
    // Reversing the rules changes the answer wherever two of one priority
    // hold: the order written is the order tried.
    assert!(differ > 0);
    let got = classify(&forward, &record(&forward, &[("a", 1.0), ("b", 1.0)]));
    assert_eq!(
        (got.stage.as_str(), got.fired),
        ("interest", vec!["rule_b".to_owned()])
    );
    let got = classify(&backward, &record(&backward, &[("a", 1.0), ("b", 1.0)]));
    assert_eq!(
        (got.stage.as_str(), got.fired),
        ("desire", vec!["rule_c".to_owned()])
    );
}

/// A DMN-style first-hit table of the buying process, written in rule order
/// without priorities, as people coming from decision tables write it: the
/// first row that holds decides, whatever stage it names.
#[test]
fn first_decides_a_five_rule_table_by_the_first_row_that_holds() {
    let mut spec = models::buying_process();
    spec.hit_policy = HitPolicy::First;
    spec.stage_rules = vec![
        StageRuleSpec::new("complaint", "post_purchase", "open_complaints >= 1"),
        StageRuleSpec::new("checkout", "purchase_decision", "checkout_starts >= 1"),
        StageRuleSpec::new("research", "information_search", "reviews_read >= 1"),
        StageRuleSpec::new("compare", "evaluation", "comparisons >= 1"),
        StageRuleSpec::new("need", "need_recognition", "need_searches >= 1"),
    ];
    spec.score_rules.clear();
    let engine = build(spec);
    // The customer's signals, the stage and the rules that fire.
    type Row<'a> = (&'a [(&'a str, f64)], &'a str, &'a [&'a str]);
    let table: [Row<'_>; 8] = [
        (&[], "need_recognition", &[]),
        (&[("need_searches", 2.0)], "need_recognition", &["need"]),
        // Row 3 before row 4: research wins over the later stage.
        (
            &[("reviews_read", 1.0), ("comparisons", 3.0)],
            "information_search",
            &["research"],
        ),
        (
            &[("comparisons", 1.0), ("need_searches", 1.0)],
            "evaluation",
            &["compare"],
        ),
        // Row 2 before row 3.
        (
            &[("checkout_starts", 1.0), ("reviews_read", 5.0)],
            "purchase_decision",
            &["checkout"],
        ),
        // Row 1 before all: a complaint decides, even with a checkout open.
        (
            &[
                ("open_complaints", 1.0),
                ("checkout_starts", 1.0),
                ("need_searches", 1.0),
            ],
            "post_purchase",
            &["complaint"],
        ),
        (
            &[("open_complaints", 0.0), ("reviews_read", 1.0)],
            "information_search",
            &["research"],
        ),
        (
            &[
                ("need_searches", 1.0),
                ("comparisons", 1.0),
                ("reviews_read", 1.0),
            ],
            "information_search",
            &["research"],
        ),
    ];
    for (signals, stage, fired) in table {
        let customer = record(&engine, signals);
        let got = classify(&engine, &customer);
        assert_eq!(got.stage, stage, "{signals:?}");
        assert_eq!(got.fired, fired, "{signals:?}");
        assert_eq!(got, engine.classify_interpreted(&customer), "{signals:?}");
    }
}

#[test]
fn first_with_no_rule_holding_is_the_entry_stage() {
    let engine = build(aida(
        HitPolicy::First,
        vec![
            StageRuleSpec::new("int", "interest", "a >= 5").priority(3),
            StageRuleSpec::new("act", "action", "b >= 1"),
        ],
        vec![],
    ));
    for signals in [
        &[][..],
        &[("a", 4.0)],
        &[("a", 0.0), ("b", 0.0), ("c", 7.0), ("d", 2.0)],
    ] {
        let got = classify(&engine, &record(&engine, signals));
        assert_eq!(got.stage, "awareness", "{signals:?}");
        assert_eq!(got.confidence, 0.0, "{signals:?}");
        assert!(got.fired.is_empty());
    }
}

// --- furthest ----------------------------------------------------------------

#[test]
fn furthest_stage_wins_regardless_of_rule_order() {
    let rules = vec![
        StageRuleSpec::new("act", "action", "d >= 1").priority(-10),
        StageRuleSpec::new("des", "desire", "c >= 1"),
        StageRuleSpec::new("int", "interest", "b >= 1").priority(10),
        StageRuleSpec::new("awa", "awareness", "a >= 1").priority(20),
    ];
    let mut reversed = rules.clone();
    reversed.reverse();
    for spec in [
        aida(HitPolicy::Furthest, rules, vec![]),
        aida(HitPolicy::Furthest, reversed, vec![]),
    ] {
        let engine = build(spec);
        expect(
            &engine,
            &[
                (&[("a", 1.0)], "awareness", 1.0),
                (&[("a", 1.0), ("b", 1.0)], "interest", 0.5),
                (&[("a", 3.0), ("c", 1.0)], "desire", 0.5),
                // Priorities play no part under `furthest`.
                (&[("a", 1.0), ("b", 1.0), ("d", 1.0)], "action", 1.0 / 3.0),
                (
                    &[("a", 1.0), ("b", 1.0), ("c", 1.0), ("d", 1.0)],
                    "action",
                    0.25,
                ),
                (&[("b", 2.0), ("c", 2.0)], "desire", 0.5),
                (&[], "awareness", 0.0),
            ],
        );
    }
}

// --- highest_score -----------------------------------------------------------

fn scored() -> RulesetSpec {
    aida(
        HitPolicy::HighestScore,
        vec![],
        vec![
            ScoreRuleSpec::new("int_a", "interest", "a >= 1", 3.0),
            ScoreRuleSpec::new("des_b", "desire", "b >= 1", 2.0),
            ScoreRuleSpec::new("int_c", "interest", "c >= 1", -4.0),
            ScoreRuleSpec::new("act_d", "action", "d >= 1", -1.0),
            ScoreRuleSpec::new("des_d", "desire", "d >= 2", 0.5),
        ],
    )
}

#[test]
fn highest_score_adds_positive_and_negative_points() {
    let engine = build(scored());
    expect(
        &engine,
        &[
            (&[("a", 1.0)], "interest", 1.0),
            // interest 3, desire 2.
            (&[("a", 1.0), ("b", 1.0)], "interest", 0.6),
            // interest 3 - 4 = -1, desire 2.
            (&[("a", 1.0), ("b", 1.0), ("c", 1.0)], "desire", 1.0),
            // desire 2 + 0.5, action -1: negative evidence is not counted.
            (&[("b", 1.0), ("d", 2.0)], "desire", 1.0),
            // interest 3, desire 0.5, action -1.
            (&[("a", 1.0), ("d", 2.0)], "interest", 3.0 / 3.5),
        ],
    );
    let got = classify(
        &engine,
        &record(&engine, &[("a", 1.0), ("c", 1.0), ("d", 2.0)]),
    );
    let evidence: Vec<f64> = got.evidence.values().copied().collect();
    assert_eq!(evidence, [0.0, -1.0, 0.5, -1.0]);
    assert_eq!(got.stage, "desire");
    assert_eq!(got.fired, ["int_a", "int_c", "act_d", "des_d"]);
}

#[test]
fn highest_score_without_positive_evidence_is_the_entry_stage() {
    let engine = build(scored());
    for signals in [
        &[][..],
        &[("c", 1.0)],
        &[("d", 1.0)],
        &[("c", 2.0), ("d", 1.0)],
        // interest 3 - 4 = -1: the positive points are cancelled out.
        &[("a", 1.0), ("c", 1.0)],
    ] {
        let got = classify(&engine, &record(&engine, signals));
        assert_eq!(got.stage, "awareness", "{signals:?}");
        assert_eq!(got.confidence, 0.0, "{signals:?}");
    }
}

#[test]
fn highest_score_ties_go_to_the_earlier_stage() {
    let engine = build(aida(
        HitPolicy::HighestScore,
        vec![StageRuleSpec::new("act", "action", "c >= 1")],
        vec![
            ScoreRuleSpec::new("des", "desire", "a >= 1", 2.0),
            ScoreRuleSpec::new("int", "interest", "b >= 1", 2.0),
            ScoreRuleSpec::new("des_c", "desire", "c >= 1", 1.0),
        ],
    ));
    expect(
        &engine,
        &[
            (&[("a", 1.0), ("b", 1.0)], "interest", 0.5),
            // A stage rule is one point: action 1 ties desire 1.
            (&[("c", 1.0)], "desire", 0.5),
            // desire 3 beats interest 2 and action 1.
            (&[("a", 1.0), ("b", 1.0), ("c", 1.0)], "desire", 0.5),
        ],
    );
}

// --- scorers -----------------------------------------------------------------

/// Adds `points` to `stage` when count `signal` is at least 1.
struct Boost {
    stage: &'static str,
    signal: &'static str,
    points: f64,
}

impl StageScorer for Boost {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        if input.number(self.signal).is_some_and(|n| n >= 1.0) {
            if let Some(stage) = input.find_stage(self.stage).map(|stage| stage.index()) {
                evidence.add(stage, self.points);
            }
        }
    }
}

/// Doubles the evidence for `stage` collected so far.
fn doubler(stage: &'static str) -> impl StageScorer {
    move |input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
        if let Some(stage) = input.find_stage(stage).map(|stage| stage.index()) {
            let so_far = evidence.get(stage);
            evidence.add(stage, so_far);
        }
    }
}

#[test]
fn host_scorers_change_the_outcome() {
    let customer = [("a", 1.0), ("b", 1.0)];

    // Without scorers: interest 3, desire 2.
    let plain = build(scored());
    assert_eq!(
        classify(&plain, &record(&plain, &customer)).stage,
        "interest"
    );

    // A struct scorer lifts desire to 3.5.
    let with_struct = Engine::builder(scored())
        .scorer(Boost {
            stage: "desire",
            signal: "b",
            points: 1.5,
        })
        .build()
        .unwrap();
    let got = classify(&with_struct, &record(&with_struct, &customer));
    assert_eq!(got.stage, "desire");
    assert_eq!(got.evidence["desire"], 3.5);
    assert!((got.confidence - 3.5 / 6.5).abs() < 1e-12);
    // It only adds when its signal is there.
    assert_eq!(
        classify(&with_struct, &record(&with_struct, &[("a", 1.0)])).stage,
        "interest"
    );

    // A closure scorer puts a customer with no rule evidence in action.
    let with_closure = Engine::builder(scored())
        .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
            if input.number("c").is_some_and(|c| c >= 2.0) {
                evidence.add(input.find_stage("action").unwrap().index(), 10.0);
            }
        })
        .build()
        .unwrap();
    let got = classify(&with_closure, &record(&with_closure, &[("c", 2.0)]));
    assert_eq!(got.stage, "action");
    assert_eq!(got.confidence, 1.0);
    assert_eq!(got.evidence["interest"], -4.0);
    let got = classify(&with_closure, &record(&with_closure, &[("c", 1.0)]));
    assert_eq!(got.stage, "awareness");
    assert_eq!(got.confidence, 0.0);
}

#[test]
fn scorers_run_in_registration_order_and_add_up() {
    let customer = [("b", 1.0)]; // the score rule gives desire 2

    // Two additive scorers: their points add up.
    let engine = Engine::builder(scored())
        .scorer(Boost {
            stage: "desire",
            signal: "b",
            points: 1.5,
        })
        .scorer(Boost {
            stage: "desire",
            signal: "b",
            points: 2.5,
        })
        .build()
        .unwrap();
    let got = classify(&engine, &record(&engine, &customer));
    assert_eq!(got.evidence["desire"], 2.0 + 1.5 + 2.5);

    // Adding then doubling differs from doubling then adding.
    let add_then_double = Engine::builder(scored())
        .scorer(Boost {
            stage: "desire",
            signal: "b",
            points: 2.0,
        })
        .scorer(doubler("desire"))
        .build()
        .unwrap();
    let double_then_add = Engine::builder(scored())
        .scorer(doubler("desire"))
        .scorer(Boost {
            stage: "desire",
            signal: "b",
            points: 2.0,
        })
        .build()
        .unwrap();
    let got = classify(&add_then_double, &record(&add_then_double, &customer));
    assert_eq!(got.evidence["desire"], (2.0 + 2.0) * 2.0);
    let got = classify(&double_then_add, &record(&double_then_add, &customer));
    // The built-in score rules ran before the host's doubler.
    assert_eq!(got.evidence["desire"], 2.0 * 2.0 + 2.0);
}

#[test]
fn shared_and_boxed_scorers_plug_in_as_they_are() {
    let customer = [("b", 1.0)]; // the score rule gives desire 2
                                 // One scorer shared by two engines, and one chosen at run time.
    let shared = Arc::new(Boost {
        stage: "desire",
        signal: "b",
        points: 1.5,
    });
    let chosen: Box<dyn StageScorer> = Box::new(Boost {
        stage: "desire",
        signal: "b",
        points: 0.25,
    });
    let one = Engine::builder(scored())
        .scorer(Arc::clone(&shared))
        .scorer(chosen)
        .build()
        .unwrap();
    let two = Engine::builder(scored())
        .scorer(Arc::clone(&shared))
        .build()
        .unwrap();
    assert_eq!(
        classify(&one, &record(&one, &customer)).evidence["desire"],
        2.0 + 1.5 + 0.25
    );
    assert_eq!(
        classify(&two, &record(&two, &customer)).evidence["desire"],
        2.0 + 1.5
    );
    assert_eq!(Arc::strong_count(&shared), 3);

    // The same for the propensity of actions.
    let half: Arc<dyn ActionScorer> = Arc::new(|_: &ActionInput<'_>| 0.5);
    let quarter: Box<dyn ActionScorer> = Box::new(|_: &ActionInput<'_>| 0.25);
    for (scorer, propensity) in [
        (Box::new(Arc::clone(&half)) as Box<dyn ActionScorer>, 0.5),
        (quarter, 0.25),
    ] {
        let engine = Engine::builder(models::buying_process())
            .action_scorer(scorer)
            .build()
            .unwrap();
        let mut customer = engine.record();
        customer.set("comparisons", 1).unwrap();
        let mut scratch = engine.scratch();
        let decision = engine.decide(
            &customer,
            &ContactLog::new(),
            Timestamp::EPOCH,
            &mut scratch,
        );
        assert!(decision.actions().len() > 0);
        assert!(decision.actions().all(|a| a.propensity() == propensity));
    }
}

#[test]
fn non_finite_scorer_points_are_ignored() {
    let customer = [("a", 1.0), ("b", 1.0)];
    let plain = build(scored());
    let expected = classify(&plain, &record(&plain, &customer));

    let faulty = Engine::builder(scored())
        .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
            evidence.add(input.find_stage("interest").unwrap().index(), f64::NAN);
            evidence.add(input.find_stage("desire").unwrap().index(), f64::INFINITY);
            evidence.add(
                input.find_stage("awareness").unwrap().index(),
                f64::NEG_INFINITY,
            );
        })
        .build()
        .unwrap();
    let got = classify(&faulty, &record(&faulty, &customer));
    assert_eq!(got, expected);
    assert!(got.confidence.is_finite());
    assert!(got.evidence.values().all(|points| points.is_finite()));

    // Huge finite points saturate instead of overflowing to infinity.
    let huge = Engine::builder(scored())
        .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
            let action = input.find_stage("action").unwrap().index();
            evidence.add(action, f64::MAX);
            evidence.add(action, f64::MAX);
            evidence.add(input.find_stage("interest").unwrap().index(), f64::MAX);
        })
        .build()
        .unwrap();
    let got = classify(&huge, &record(&huge, &customer));
    assert!(got.evidence.values().all(|points| points.is_finite()));
    assert!(
        got.confidence.is_finite() && (0.0..=1.0).contains(&got.confidence),
        "confidence {}",
        got.confidence
    );
    // action saturates at f64::MAX; interest is 3 + f64::MAX, which rounds
    // to f64::MAX as well: a tie, so the earlier stage wins, with half of
    // the evidence.
    assert_eq!(got.stage, "interest");
    assert!((got.confidence - 0.5).abs() < 1e-12, "{}", got.confidence);
}

// --- sharing -----------------------------------------------------------------

const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Engine>();
};

#[test]
fn engine_is_shared_across_threads_with_identical_results() {
    let engine = Arc::new(
        Engine::builder(models::buying_process())
            .scorer(Boost {
                stage: "evaluation",
                signal: "quote_requests",
                points: 0.5,
            })
            .build()
            .unwrap(),
    );
    let customers: Arc<Vec<SignalRecord>> = Arc::new(
        models::sample_customers()
            .iter()
            .map(|sample| sample.record(engine.schema()).unwrap())
            .collect(),
    );
    let expected: Vec<DecisionRecord> = customers.iter().map(|c| classify(&engine, c)).collect();

    let handles: Vec<_> = (0..4)
        .map(|thread| {
            let engine = Arc::clone(&engine);
            let customers = Arc::clone(&customers);
            std::thread::spawn(move || {
                let mut scratch = engine.scratch();
                let mut out = Vec::new();
                // Each thread walks the customers from a different start.
                for i in 0..customers.len() * 3 {
                    let index = (i + thread * 5) % customers.len();
                    let decision = engine.classify(&customers[index], &mut scratch);
                    out.push((index, decision.to_record()));
                }
                out
            })
        })
        .collect();
    for handle in handles {
        for (index, classification) in handle.join().unwrap() {
            assert_eq!(classification, expected[index], "customer {index}");
        }
    }
}

// --- host signal types ---------------------------------------------------------

/// A host's own customer type for the built-in model.
#[derive(Default)]
struct Visitor {
    reviews: Option<u32>,
    comparisons: Option<u32>,
    cart_adds: Option<u32>,
    purchases: Option<u64>,
    complaints: Option<u8>,
    satisfaction: Option<f32>,
}

impl Signals for Visitor {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        match signal.id() {
            "reviews_read" => self.reviews.map(Value::from),
            "comparisons" => self.comparisons.map(Value::from),
            "cart_adds" => self.cart_adds.map(Value::from),
            "purchases" => self.purchases.map(Value::from),
            "open_complaints" => self.complaints.map(Value::from),
            "satisfaction" => self.satisfaction.map(Value::from),
            _ => None,
        }
    }
}

impl Visitor {
    fn to_record(&self, engine: &Engine) -> SignalRecord {
        let mut record = engine.record();
        for signal in engine.schema().iter() {
            if let Some(value) = self.value(signal) {
                record.set(signal.id(), value).unwrap();
            }
        }
        record
    }
}

#[test]
fn host_signals_match_the_equivalent_record() {
    let engine = build(models::buying_process());
    let visitors = [
        Visitor::default(),
        Visitor {
            reviews: Some(3),
            ..Visitor::default()
        },
        Visitor {
            reviews: Some(1),
            comparisons: Some(2),
            ..Visitor::default()
        },
        Visitor {
            cart_adds: Some(1),
            purchases: Some(0),
            ..Visitor::default()
        },
        Visitor {
            purchases: Some(4),
            satisfaction: Some(6.5),
            ..Visitor::default()
        },
        Visitor {
            purchases: Some(1),
            complaints: Some(1),
            cart_adds: Some(2),
            ..Visitor::default()
        },
        Visitor {
            purchases: Some(2),
            comparisons: Some(1),
            complaints: Some(0),
            ..Visitor::default()
        },
    ];
    let mut stages = Vec::new();
    for visitor in &visitors {
        let from_host = classify(&engine, visitor);
        let from_record = classify(&engine, &visitor.to_record(&engine));
        assert_eq!(from_host, from_record);
        stages.push(from_host.stage);
    }
    assert_eq!(
        stages,
        [
            "need_recognition",
            "information_search",
            "evaluation",
            "purchase_decision",
            "post_purchase",
            "post_purchase",
            "evaluation",
        ]
    );
}

/// A host type that hands the engine whatever it holds, fitting or not.
struct Raw(HashMap<&'static str, Value<'static>>);

impl Signals for Raw {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        self.0.get(signal.id()).copied()
    }
}

#[test]
fn host_values_that_do_not_fit_count_as_missing() {
    let names = ["visits", "spend", "is_member", "plan"];
    let mut stage_rules = Vec::new();
    for name in names {
        stage_rules.push(StageRuleSpec::new(
            &format!("has_{name}"),
            "known",
            Condition::Present(name.into()),
        ));
        stage_rules.push(StageRuleSpec::new(
            &format!("no_{name}"),
            "unknown",
            Condition::Missing(name.into()),
        ));
    }
    stage_rules.push(StageRuleSpec::new(
        "not_many_visits",
        "unknown",
        "not (visits >= 1)",
    ));
    let engine = build({
        let mut spec = RulesetSpec::new(
            vec![
                SignalSpec::count("visits"),
                SignalSpec::number("spend"),
                SignalSpec::flag("is_member"),
                SignalSpec::category("plan", ["free", "pro"]),
            ],
            vec![
                StageSpec::new("unknown", "Unknown", ""),
                StageSpec::new("known", "Known", ""),
            ],
        );
        spec.hit_policy = HitPolicy::HighestScore;
        spec.stage_rules = stage_rules;
        spec.score_rules = vec![];
        spec
    });
    let good: [(&str, Value<'static>); 4] = [
        ("visits", Value::Number(3.0)),
        ("spend", Value::Number(-12.5)),
        ("is_member", Value::Flag(false)),
        ("plan", Value::Label("pro")),
    ];
    let bad: &[(&str, Value<'static>)] = &[
        ("visits", Value::Flag(true)),
        ("visits", Value::Label("3")),
        ("visits", Value::Number(-1.0)),
        ("visits", Value::Number(1.5)),
        ("visits", Value::Number(f64::NAN)),
        ("visits", Value::Number(f64::INFINITY)),
        ("spend", Value::Number(f64::NAN)),
        ("spend", Value::Number(f64::INFINITY)),
        ("spend", Value::Number(f64::NEG_INFINITY)),
        ("spend", Value::Flag(true)),
        ("is_member", Value::Number(1.0)),
        ("is_member", Value::Label("true")),
        ("plan", Value::Number(0.0)),
        ("plan", Value::Label("gold")),
        ("plan", Value::Label("Pro")),
        ("plan", Value::Flag(false)),
    ];

    // All values good: every `has_` rule fires.
    let all_good = Raw(good.iter().copied().collect());
    let got = classify(&engine, &all_good);
    assert_eq!(
        got.fired,
        ["has_visits", "has_spend", "has_is_member", "has_plan"]
    );

    for &(name, value) in bad {
        let mut values: HashMap<_, _> = good.iter().copied().collect();
        values.insert(name, value);
        let got = classify(&engine, &Raw(values));

        // The same customer as a record, with the bad signal left missing.
        let mut expected_record = engine.record();
        for (good_name, good_value) in good {
            if good_name != name {
                expected_record.set(good_name, good_value).unwrap();
            }
        }
        assert_eq!(
            got,
            classify(&engine, &expected_record),
            "{name} = {value:?} must count as missing"
        );
        assert!(
            got.fired.contains(&format!("no_{name}")),
            "{name} = {value:?}: {:?}",
            got.fired
        );
        assert!(!got.fired.contains(&format!("has_{name}")));
    }
}

// --- compilation ---------------------------------------------------------------

#[test]
fn identical_comparisons_compile_once() {
    let one = build(aida(
        HitPolicy::Furthest,
        vec![StageRuleSpec::new("r1", "interest", "a >= 1")],
        vec![],
    ));
    assert_eq!(one.atom_count(), 1);

    let shared = build(aida(
        HitPolicy::Furthest,
        vec![
            StageRuleSpec::new("r1", "interest", "a >= 1"),
            StageRuleSpec::new("r2", "desire", "a >= 1 and b >= 2"),
            StageRuleSpec::new("r3", "action", "not (b >= 2) or a >= 1.0"),
            // The same comparison written the other way round.
            StageRuleSpec::new("r4", "action", "1 <= a"),
        ],
        vec![ScoreRuleSpec::new("s1", "desire", "b >= 2 and a >= 1", 2.0)],
    ));
    assert_eq!(shared.atom_count(), 2);

    let distinct = build(aida(
        HitPolicy::Furthest,
        vec![
            StageRuleSpec::new("r1", "interest", "a >= 1"),
            StageRuleSpec::new("r2", "desire", "a > 1"),
            StageRuleSpec::new("r3", "desire", "a >= 2"),
            StageRuleSpec::new("r4", "action", "b >= 1"),
        ],
        vec![],
    ));
    assert_eq!(distinct.atom_count(), 4);

    // Shared atoms still give each rule its own answer.
    let got = classify(&shared, &record(&shared, &[("a", 1.0), ("b", 1.0)]));
    assert_eq!(got.fired, ["r1", "r3", "r4"]);
    let got = classify(&shared, &record(&shared, &[("b", 2.0)]));
    assert!(got.fired.is_empty(), "{:?}", got.fired);

    // The built-in model's rules: 11 activity counts, purchases, complaints
    // and tickets, each compared with `>= 1`; the settled rule reuses all of
    // them.
    let mut rules_only = models::buying_process();
    rules_only.tags.clear();
    rules_only.actions.clear();
    rules_only.scenarios.clear();
    assert_eq!(build(rules_only).atom_count(), 14);
    // Tags and actions reuse those and add 11 of their own (`purchases ==
    // 1`, `satisfaction >= 8`, `reviews_read >= 3`, ...).
    assert_eq!(build(models::buying_process()).atom_count(), 25);
}

#[test]
fn structured_and_text_conditions_behave_the_same() {
    let text = aida(
        HitPolicy::HighestScore,
        vec![
            StageRuleSpec::new("r1", "interest", "a >= 1 or present(b)"),
            StageRuleSpec::new("r2", "desire", "a + b between 3 and 5 and not (c == 0)"),
            StageRuleSpec::new("r3", "action", "at_least(2, a > 2, b in [4, 6], d != 1)"),
        ],
        vec![
            ScoreRuleSpec::new("s1", "awareness", "missing(a)", 0.5),
            ScoreRuleSpec::new("s2", "desire", "c >= 1", 1.0),
            ScoreRuleSpec::new("s3", "action", "d == 2", 2.0),
        ],
    );
    let structured: RulesetSpec = serde_json::from_str(
        r#"{
        "signals": [
            {"id": "a", "kind": "count"}, {"id": "b", "kind": "count"},
            {"id": "c", "kind": "count"}, {"id": "d", "kind": "count"}
        ],
        "stages": [
            {"id": "awareness", "name": "AWARENESS"}, {"id": "interest", "name": "INTEREST"},
            {"id": "desire", "name": "DESIRE"}, {"id": "action", "name": "ACTION"}
        ],
        "hit_policy": "highest_score",
        "stage_rules": [
            {"id": "r1", "stage": "interest", "when": {"any": [
                {"compare": {"left": {"signal": "a"}, "op": ">=", "right": {"number": 1}}},
                {"present": "b"}
            ]}},
            {"id": "r2", "stage": "desire", "when": {"all": [
                {"between": {
                    "value": {"binary": {"op": "+", "left": {"signal": "a"}, "right": {"signal": "b"}}},
                    "low": {"number": 3}, "high": {"number": 5}}},
                {"not": {"compare": {"left": {"signal": "c"}, "op": "==", "right": {"number": 0}}}}
            ]}},
            {"id": "r3", "stage": "action", "when": {"at_least": {"k": 2, "of": [
                {"compare": {"left": {"signal": "a"}, "op": ">", "right": {"number": 2}}},
                {"in": {"value": {"signal": "b"}, "list": [{"number": 4}, {"number": 6}]}},
                {"compare": {"left": {"signal": "d"}, "op": "!=", "right": {"number": 1}}}
            ]}}}
        ],
        "score_rules": [
            {"id": "s1", "stage": "awareness", "when": {"missing": "a"}, "points": 0.5},
            {"id": "s2", "stage": "desire", "when":
                {"compare": {"left": {"signal": "c"}, "op": ">=", "right": {"number": 1}}},
                "points": 1},
            {"id": "s3", "stage": "action", "when":
                {"compare": {"left": {"signal": "d"}, "op": "==", "right": {"number": 2}}},
                "points": 2.0}
        ]
    }"#,
    )
    .unwrap();
    let from_text = build(text);
    let from_tree = build(structured);

    let conditions = |engine: &Engine| -> Vec<Condition> {
        engine
            .rules()
            .map(|rule| rule.condition().clone())
            .collect()
    };
    assert_eq!(conditions(&from_text), conditions(&from_tree));
    assert_eq!(from_text.atom_count(), from_tree.atom_count());

    let mut stages = std::collections::BTreeSet::new();
    let values = [
        None,
        Some(0.0),
        Some(1.0),
        Some(2.0),
        Some(3.0),
        Some(4.0),
        Some(6.0),
    ];
    for a in values {
        for b in values {
            for c in [None, Some(0.0), Some(1.0)] {
                for d in [None, Some(1.0), Some(2.0)] {
                    let mut signals = Vec::new();
                    for (name, value) in [("a", a), ("b", b), ("c", c), ("d", d)] {
                        if let Some(value) = value {
                            signals.push((name, value));
                        }
                    }
                    let one = classify(&from_text, &record(&from_text, &signals));
                    let two = classify(&from_tree, &record(&from_tree, &signals));
                    assert_eq!(one, two, "{signals:?}");
                    stages.insert(one.stage);
                }
            }
        }
    }
    // The grid reaches every stage, so the comparison covers every rule.
    assert_eq!(stages.len(), STAGES.len(), "{stages:?}");

    // The built-in model with every condition in its structured form.
    let mut spec = serde_json::to_value(models::buying_process()).unwrap();
    for rule in spec["stage_rules"].as_array_mut().unwrap() {
        let text = rule["when"].as_str().unwrap().to_owned();
        rule["when"] = serde_json::to_value(Condition::parse(&text).unwrap()).unwrap();
        assert!(rule["when"].is_object());
    }
    let builtin_tree = build(serde_json::from_value(spec).unwrap());
    let builtin_text = build(models::buying_process());
    for sample in models::sample_customers() {
        let customer = sample.record(builtin_text.schema()).unwrap();
        let one = classify(&builtin_text, &customer);
        assert_eq!(one, classify(&builtin_tree, &customer), "{}", sample.id);
        assert_eq!(one.stage, sample.expected_stage);
    }
}

// --- scratch -----------------------------------------------------------------

#[test]
fn scratch_from_another_engine_still_gives_correct_answers() {
    let builtin = build(models::buying_process());
    let small = build(scored());
    // More than 64 distinct atoms, so its bitset needs two words.
    let wide = build(aida(
        HitPolicy::Furthest,
        (1..=100)
            .map(|i| StageRuleSpec::new(&format!("a{i}"), STAGES[i % 4], format!("a >= {i}")))
            .collect(),
        vec![],
    ));
    assert_eq!(wide.atom_count(), 100);

    let builtin_customers: Vec<SignalRecord> = models::sample_customers()
        .iter()
        .map(|sample| sample.record(builtin.schema()).unwrap())
        .collect();
    let small_customers = [
        record(&small, &[("a", 1.0), ("b", 1.0)]),
        record(&small, &[("b", 1.0), ("d", 2.0)]),
        record(&small, &[("c", 1.0)]),
    ];
    let wide_customers = [
        record(&wide, &[("a", 99.0)]),
        record(&wide, &[("a", 66.0)]),
        record(&wide, &[("a", 2.0)]),
        record(&wide, &[("a", 1.0)]),
        record(&wide, &[]),
    ];

    // One scratch, made by the small engine, passed around all three.
    let mut scratch = small.scratch();
    for round in 0..3 {
        for customer in &builtin_customers {
            let got = builtin.classify(customer, &mut scratch).to_record();
            assert_eq!(got, builtin.classify_interpreted(customer), "round {round}");
        }
        for customer in &wide_customers {
            let got = wide.classify(customer, &mut scratch).to_record();
            assert_eq!(got, wide.classify_interpreted(customer), "round {round}");
        }
        for customer in &small_customers {
            let got = small.classify(customer, &mut scratch).to_record();
            assert_eq!(got, small.classify_interpreted(customer), "round {round}");
        }
    }

    // The answers themselves, after the scratch went through every engine.
    let got = wide.classify(&wide_customers[0], &mut scratch);
    assert_eq!(got.fired().len(), 99);
    assert_eq!(got.stage().id(), "action");
    // 25 of the rules a1..=a99 (a3, a7, ..., a99) are for action.
    assert!((got.confidence() - 25.0 / 99.0).abs() < 1e-12);
    let got = wide.classify(&wide_customers[1], &mut scratch);
    assert_eq!(got.fired().len(), 66);
    assert_eq!(got.fired().last().unwrap().id(), "a66");
    let got = wide.classify(&wide_customers[2], &mut scratch);
    assert_eq!(got.stage().id(), "desire"); // a1 (interest) and a2 (desire)
    let got = wide.classify(&wide_customers[3], &mut scratch);
    assert_eq!(got.stage().id(), "interest");
    let got = wide.classify(&wide_customers[4], &mut scratch);
    assert_eq!(got.stage().id(), "awareness");
    assert_eq!(got.confidence(), 0.0);
    let got = small.classify(&small_customers[0], &mut scratch);
    assert_eq!(got.stage().id(), "interest");
    assert_eq!(got.evidence().len(), 4);
    let got = builtin.classify(&builtin_customers[6], &mut scratch);
    assert_eq!(got.stage().id(), "purchase_decision");
}

//! `Engine::decide_in`: the actions of a given stage (the journey's) for a
//! customer classified as usual, and `Engine::explain_in`, which explains
//! it.

use std::sync::{Arc, Mutex};

use crate::support::{build, built_in, record};
use buyer_journey::{
    models, ActionInput, ActionSpec, ContactLog, Engine, ErrorKind, JourneyState, RulesetSpec,
    SignalSpec, Span, StageRuleSpec, StageSpec, Timestamp,
};

fn day(n: u64) -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n)
}

/// Bought on day 0, reading reviews on day 1: the classification says
/// information search, the journey (with its 7-day minimum dwell in
/// post-purchase) says post-purchase.
#[test]
fn a_journey_in_post_purchase_gets_post_purchase_actions() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = record(&engine, &[("purchases", 1.0)]);
    let bought = engine
        .advance(&JourneyState::new(), &customer, day(0), &mut scratch)
        .unwrap();
    customer.set("reviews_read", 2).unwrap();
    let step = engine
        .advance(&bought.state, &customer, day(1), &mut scratch)
        .unwrap();
    assert_eq!(step.state.stage(), Some("post_purchase"));
    let journey = engine.model().find(step.state.stage().unwrap()).unwrap();
    let history = ContactLog::new();

    let decided = engine
        .decide(&customer, &history, day(1), &mut scratch)
        .to_record();
    assert_eq!(decided.stage, "information_search");
    assert!(decided
        .actions
        .iter()
        .all(|a| a.id.starts_with("information_search.")));

    let decision = engine
        .decide_in(journey, &customer, &history, day(1), &mut scratch)
        .unwrap();
    assert_eq!(decision.stage().id(), "post_purchase");
    assert_eq!(decision.classified_stage().id(), "information_search");
    // No evidence points at post_purchase.
    assert_eq!(decision.confidence(), 0.0);
    let ids: Vec<&str> = decision.actions().map(|a| a.id()).collect();
    assert_eq!(
        ids,
        [
            "post_purchase.onboarding",
            "post_purchase.accessories",
            "post_purchase.care_tips"
        ]
    );
    for suggestion in decision.actions() {
        assert!(suggestion
            .why()
            .to_string()
            .starts_with("applies in post_purchase"));
    }
    // The classification is `decide`'s: evidence, fired rules, tags.
    let record = decision.to_record();
    assert_eq!(
        (&record.evidence, &record.fired, &record.tags),
        (&decided.evidence, &decided.fired, &decided.tags)
    );
    assert_eq!(record.stage, "post_purchase");

    // The explanation of the decision in the journey's stage agrees.
    let explanation = engine
        .explain_in(journey, &customer, &history, day(1))
        .unwrap();
    assert_eq!(explanation.stage, "post_purchase");
    assert_eq!(explanation.classified_stage, "information_search");
    assert_eq!(explanation.confidence, 0.0);
    let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
    assert_eq!(explained, ids);
    let printed = explanation.to_string();
    assert!(
        printed.starts_with(
            "stage post_purchase (confidence 0.00; the signals alone say information_search)\n"
        ),
        "{printed}"
    );
    // `explain` explains `decide`, and says nothing of a journey.
    let plain = engine.explain(&customer, &history, day(1));
    assert_eq!(plain.stage, "information_search");
    assert_eq!(plain.classified_stage, "information_search");
    assert!(plain
        .to_string()
        .starts_with("stage information_search (confidence 1.00)\n"));
}

#[test]
fn deciding_in_the_classified_stage_is_deciding() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut busy = ContactLog::new();
    for action in engine.actions().step_by(2) {
        busy.record_shown(action.id(), day(0));
    }
    for sample in models::sample_customers() {
        let customer = sample.record(engine.schema()).unwrap();
        for history in [&ContactLog::new(), &busy] {
            let decided = engine
                .decide(&customer, history, day(1), &mut scratch)
                .to_record();
            let stage = engine.model().find(&decided.stage).unwrap();
            let decided_in = engine
                .decide_in(stage, &customer, history, day(1), &mut scratch)
                .unwrap()
                .to_record();
            assert_eq!(decided_in, decided, "{}", sample.id);
            assert_eq!(
                engine
                    .explain_in(stage, &customer, history, day(1))
                    .unwrap(),
                engine.explain(&customer, history, day(1)),
                "{}",
                sample.id
            );
        }
    }
}

/// Stages `one`, `two`, `three`; `two` gets one point when `a >= 1`, `three`
/// three points when `b >= 1` (score rules), and the stage rules send a
/// customer with `a >= 1` to `two`, with `b >= 1` to `three`.
fn three_stages() -> RulesetSpec {
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::count("a"), SignalSpec::count("b")],
        ["one", "two", "three"]
            .iter()
            .map(|id| StageSpec::new(id, id, ""))
            .collect(),
    );
    spec.stage_rules = vec![
        StageRuleSpec::new("two.a", "two", "a >= 1"),
        StageRuleSpec::new("three.b", "three", "b >= 1"),
    ];
    spec.score_rules = vec![buyer_journey::ScoreRuleSpec::new(
        "three.points",
        "three",
        "b >= 1",
        2.0,
    )];
    spec.actions = vec![
        ActionSpec::new("one.x", "mail", &["one"], 1.0),
        ActionSpec::new("two.x", "mail", &["two"], 1.0).cooldown(Span::days(1)),
        ActionSpec::new("two.help", "call", &["two"], 1.0).fallback(),
        ActionSpec::new("three.x", "mail", &["three"], 1.0),
    ];
    spec
}

#[test]
fn the_confidence_is_the_share_of_the_evidence_for_the_given_stage() {
    let engine = build(three_stages());
    let mut scratch = engine.scratch();
    let history = ContactLog::new();
    let both = record(&engine, &[("a", 1.0), ("b", 1.0)]);
    let stage = |id: &str| engine.model().find(id).unwrap();
    // Evidence: one point for `two`, three for `three`.
    let classified = engine.classify(&both, &mut scratch).confidence();
    assert_eq!(classified, 0.75);
    let mut confidence = |id: &str| {
        engine
            .decide_in(stage(id), &both, &history, day(0), &mut scratch)
            .unwrap()
            .confidence()
    };
    assert_eq!(confidence("one"), 0.0);
    assert_eq!(confidence("two"), 0.25);
    assert_eq!(confidence("three"), 0.75);

    // Without evidence: 0 everywhere, the entry stage included.
    let nobody = engine.record();
    for id in ["one", "two", "three"] {
        let decision = engine
            .decide_in(stage(id), &nobody, &history, day(0), &mut scratch)
            .unwrap();
        assert_eq!(decision.confidence(), 0.0);
        assert_eq!(decision.classified_stage().id(), "one");
        assert_eq!(decision.actions().next().unwrap().id(), format!("{id}.x"));
    }
}

#[test]
fn fallbacks_answer_in_a_given_stage_too() {
    let engine = build(three_stages());
    let mut scratch = engine.scratch();
    let mut history = ContactLog::new();
    history.record_shown("two.x", day(0));
    let nobody = engine.record();
    let two = engine.model().find("two").unwrap();
    let decision = engine
        .decide_in(
            two,
            &nobody,
            &history,
            day(0) + Span::hours(1),
            &mut scratch,
        )
        .unwrap();
    let offered: Vec<(&str, bool)> = decision
        .actions()
        .map(|a| (a.id(), a.is_fallback()))
        .collect();
    assert_eq!(offered, [("two.help", true)]);
    let explanation = engine
        .explain_in(two, &nobody, &history, day(0) + Span::hours(1))
        .unwrap();
    let help = explanation
        .suggested()
        .next()
        .expect("the fallback is explained as suggested");
    assert_eq!((help.id.as_str(), help.fallback), ("two.help", true));
}

#[test]
fn the_action_scorer_sees_the_given_stage() {
    let stages = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&stages);
    let engine = Engine::builder(three_stages())
        .action_scorer(move |input: &ActionInput<'_>| {
            seen.lock().unwrap().push(input.stage().id().to_owned());
            input.built_in()
        })
        .build()
        .unwrap();
    let mut scratch = engine.scratch();
    let three = engine.model().find("three").unwrap();
    let decision = engine
        .decide_in(
            three,
            &engine.record(),
            &ContactLog::new(),
            day(0),
            &mut scratch,
        )
        .unwrap();
    assert_eq!(decision.actions().next().unwrap().id(), "three.x");
    assert_eq!(*stages.lock().unwrap(), ["three"]);
}

#[test]
fn a_stage_of_another_engine_stands_for_the_stage_with_its_id() {
    let engine = build(three_stages());
    let mut scratch = engine.scratch();
    let history = ContactLog::new();
    let nobody = engine.record();

    // The same ids in another order: the id counts, not the index.
    let mut reordered = three_stages();
    reordered.stages.reverse();
    let reordered = build(reordered);
    let theirs = reordered.model().find("three").unwrap();
    assert_eq!(theirs.index().as_usize(), 0);
    let decision = engine
        .decide_in(theirs, &nobody, &history, day(0), &mut scratch)
        .unwrap();
    assert_eq!(decision.stage().id(), "three");
    assert_eq!(decision.stage().index().as_usize(), 2);
    let explanation = engine
        .explain_in(theirs, &nobody, &history, day(0))
        .unwrap();
    assert_eq!(explanation.stage, "three");

    // A stage this engine lacks is an error, for both.
    let built_in = built_in();
    let evaluation = built_in.model().find("evaluation").unwrap();
    let err = engine
        .decide_in(evaluation, &nobody, &history, day(0), &mut scratch)
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unknown { .. }), "{err:?}");
    assert_eq!(err.to_string(), "stage: unknown stage 'evaluation'");
    let err = engine
        .explain_in(evaluation, &nobody, &history, day(0))
        .unwrap_err();
    assert_eq!(err.to_string(), "stage: unknown stage 'evaluation'");
    let twa = StageSpec::new("twa", "Twa", "");
    let model = buyer_journey::StageModel::new(&[twa]).unwrap();
    let err = engine
        .decide_in(model.entry(), &nobody, &history, day(0), &mut scratch)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "stage: unknown stage 'twa', did you mean 'two'?"
    );
    assert_eq!(err.location().unwrap().path(), "stage");

    // The scratch still serves.
    let decision = engine.decide(&nobody, &history, day(0), &mut scratch);
    assert_eq!(decision.stage().id(), "one");
}

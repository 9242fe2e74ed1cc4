//! Next-best-actions on small hand-built rulesets: the contact policy,
//! diversity, top-k, tie-breaking, tags, propensities, fallbacks, `classify`
//! versus `decide`, validation errors and the serde forms.
//!
//! Every decision is checked against [`Engine::explain`], the plainly written
//! specification, and every exclusion against the reason `explain` gives.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use crate::support::build;
use buyer_journey::{
    Action, ActionInput, ActionSpec, Arbitration, ContactHistory, ContactLog, Engine, Explanation,
    FrequencyCap, Limits, Outcome, Priority, Reason, RulesetSpec, SignalRecord, SignalSpec, Span,
    StageRuleSpec, StageSpec, TagSpec, Timestamp,
};

/// A Tuesday in November 2023: the time the contact tests start from.
const T: i64 = 1_700_000_000;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

/// Three stages (`browse`, the entry stage; `buy` when `b >= 1`; `after`
/// when `b >= 5`) over the counts `a`, `b` and the number `score`, with the
/// tags `vip` (`score >= 50`), `fan` (`a >= 3`) and `risky` (`score < 0`),
/// declared in that order, and `actions`.
fn ruleset(actions: Vec<ActionSpec>) -> RulesetSpec {
    {
        let mut spec = RulesetSpec::new(
            vec![
                SignalSpec::count("a"),
                SignalSpec::count("b"),
                SignalSpec::number("score"),
            ],
            ["browse", "buy", "after"]
                .iter()
                .map(|id| StageSpec::new(id, &id.to_uppercase(), ""))
                .collect(),
        );
        spec.stage_rules = vec![
            StageRuleSpec::new("to_buy", "buy", "b >= 1"),
            StageRuleSpec::new("to_after", "after", "b >= 5"),
        ];
        spec.tags = vec![
            TagSpec::new("vip", "score >= 50"),
            TagSpec::new("fan", "a >= 3"),
            TagSpec::new("risky", "score < 0"),
        ];
        spec.actions = actions;
        spec
    }
}

fn with_arbitration(
    mut spec: RulesetSpec,
    max_suggestions: usize,
    max_per_group: usize,
) -> RulesetSpec {
    spec.arbitration = Arbitration::new(max_suggestions, max_per_group);
    spec
}

fn build_error(spec: RulesetSpec) -> String {
    Engine::builder(spec)
        .build()
        .expect_err("the ruleset must be rejected")
        .to_string()
}

fn customer(engine: &Engine, signals: &[(&str, f64)]) -> SignalRecord {
    let mut record = engine.record();
    for &(name, value) in signals {
        record.set(name, value).unwrap();
    }
    record
}

/// The ids `decide` suggests, best first, after checking that the ranks
/// count from 1, that each priority is the product of its factors and that
/// `explain` suggests the same actions in the same order.
fn suggested<H: ContactHistory + ?Sized>(
    engine: &Engine,
    signals: &SignalRecord,
    history: &H,
    now: Timestamp,
) -> Vec<String> {
    let mut scratch = engine.scratch();
    let decision = engine.decide(signals, history, now, &mut scratch);
    let mut ids = Vec::new();
    for (i, suggestion) in decision.actions().enumerate() {
        assert_eq!(suggestion.rank(), i + 1);
        assert_eq!(
            suggestion.priority(),
            suggestion.propensity() * suggestion.value() * suggestion.weight()
        );
        ids.push(suggestion.id().to_owned());
    }
    let explained: Vec<String> = engine
        .explain(signals, history, now)
        .suggested()
        .map(|trace| trace.id.clone())
        .collect();
    assert_eq!(ids, explained, "decide and explain disagree");
    ids
}

/// Why `explain` did not suggest action `id`.
fn reasons<H: ContactHistory + ?Sized>(
    engine: &Engine,
    signals: &SignalRecord,
    history: &H,
    now: Timestamp,
    id: &str,
) -> Vec<Reason> {
    let explanation = engine.explain(signals, history, now);
    let trace = explanation
        .actions
        .iter()
        .find(|trace| trace.id == id)
        .expect("the action is in the catalog");
    match &trace.outcome {
        Outcome::NotSuggested { reasons } => reasons.clone(),
        Outcome::Suggested { rank } => panic!("{id} was suggested at rank {rank}"),
        other => panic!("{id}: unexpected outcome {other:?}"),
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|&id| id.to_owned()).collect()
}

// ---------------------------------------------------------------------------
// Contact policy
// ---------------------------------------------------------------------------

/// `x` (worth 10, cooling down for 2 days) and `y` (worth 5), one suggestion.
fn cooldown_engine() -> Engine {
    build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("x", "mail", &["browse"], 10.0).cooldown(Span::days(2)),
            ActionSpec::new("y", "call", &["browse"], 5.0),
        ]),
        1,
        1,
    ))
}

#[test]
fn cooldown_blocks_until_exactly_last_shown_plus_cooldown() {
    let engine = cooldown_engine();
    let nobody = engine.record();
    let mut log = ContactLog::new();
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["x"]);

    log.record_shown("x", at(T));
    let until = at(T) + Span::days(2);
    // Blocked from the showing up to the last second before the end; the
    // suppressed action leaves its place to the next one.
    for now in [at(T), at(T + 1), until.before(Span::seconds(1))] {
        assert_eq!(suggested(&engine, &nobody, &log, now), ["y"], "at {now}");
        assert_eq!(
            reasons(&engine, &nobody, &log, now, "x"),
            [Reason::Cooldown {
                last_shown: at(T),
                until,
            }]
        );
    }
    // Allowed from the end on.
    for now in [until, until + Span::seconds(1), until + Span::days(30)] {
        assert_eq!(suggested(&engine, &nobody, &log, now), ["x"], "at {now}");
    }
    assert!(matches!(
        reasons(&engine, &nobody, &log, until, "y")[..],
        [Reason::Outranked {
            max_suggestions: 1,
            ..
        }]
    ));
}

#[test]
fn cooldown_counts_from_the_latest_showing_even_when_recorded_out_of_order() {
    let engine = cooldown_engine();
    let nobody = engine.record();
    let mut log = ContactLog::new();
    log.record_shown("x", at(T) + Span::days(1));
    log.record_shown("x", at(T));
    log.record_shown("x", at(T) + Span::hours(2));
    assert_eq!(
        log.shown("x").collect::<Vec<_>>(),
        [at(T), at(T) + Span::hours(2), at(T) + Span::days(1)]
    );
    let until = at(T) + Span::days(3);
    let just_before = until.before(Span::seconds(1));
    assert_eq!(suggested(&engine, &nobody, &log, just_before), ["y"]);
    assert_eq!(
        reasons(&engine, &nobody, &log, just_before, "x"),
        [Reason::Cooldown {
            last_shown: at(T) + Span::days(1),
            until,
        }]
    );
    assert_eq!(suggested(&engine, &nobody, &log, until), ["x"]);
}

#[test]
fn showings_of_other_actions_do_not_cool_an_action_down() {
    let engine = cooldown_engine();
    let nobody = engine.record();
    let mut log = ContactLog::new();
    log.record_shown("y", at(T));
    log.record_shown("X", at(T));
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 1)), ["x"]);
}

/// `x` (worth 10, at most 2 showings per 7 days) and `y` (worth 5).
fn cap_engine() -> Engine {
    build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("x", "mail", &["browse"], 10.0).cap(2, Span::days(7)),
            ActionSpec::new("y", "call", &["browse"], 5.0),
        ]),
        1,
        1,
    ))
}

#[test]
fn cap_blocks_n_showings_within_the_window() {
    let engine = cap_engine();
    let nobody = engine.record();
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    // One showing is below the cap.
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 1)), ["x"]);

    log.record_shown("x", at(T) + Span::days(1));
    let capped = Reason::Capped {
        shown: 2,
        times: 2,
        window: Span::days(7),
    };
    for now in [
        at(T) + Span::days(1),
        at(T) + Span::days(3),
        (at(T) + Span::days(7)).before(Span::seconds(1)),
    ] {
        assert_eq!(suggested(&engine, &nobody, &log, now), ["y"], "at {now}");
        assert_eq!(
            reasons(&engine, &nobody, &log, now, "x"),
            std::slice::from_ref(&capped),
            "at {now}"
        );
    }
    // A showing exactly one window ago no longer counts.
    assert_eq!(
        suggested(&engine, &nobody, &log, at(T) + Span::days(7)),
        ["x"]
    );

    // Three showings within the window report all three.
    log.record_shown("x", at(T) + Span::days(2));
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T) + Span::days(3), "x"),
        [Reason::Capped {
            shown: 3,
            times: 2,
            window: Span::days(7),
        }]
    );
    // At T + 7d the showing at T has left the window, the other two block.
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T) + Span::days(7), "x"),
        [capped]
    );
    // At T + 8d only the showing at T + 2d is left.
    assert_eq!(
        suggested(&engine, &nobody, &log, at(T) + Span::days(8)),
        ["x"]
    );
}

#[test]
fn cap_accepts_showings_recorded_out_of_order() {
    let engine = cap_engine();
    let nobody = engine.record();
    let mut log = ContactLog::new();
    // The old showing is recorded last.
    log.record_shown("x", at(T) + Span::days(6));
    log.record_shown("x", at(T) + Span::days(5));
    log.record_shown("x", at(T));
    let now = at(T) + Span::days(8);
    assert_eq!(
        reasons(&engine, &nobody, &log, now, "x"),
        [Reason::Capped {
            shown: 2,
            times: 2,
            window: Span::days(7),
        }]
    );
    assert_eq!(suggested(&engine, &nobody, &log, now), ["y"]);
    // Once the showing at T + 5d leaves the window, one showing is left.
    assert_eq!(
        suggested(&engine, &nobody, &log, at(T) + Span::days(12)),
        ["x"]
    );
}

#[test]
fn dismissals_block_at_the_maximum_and_allow_below_it() {
    let engine = build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("x", "mail", &["browse"], 10.0).max_dismissals(2),
            ActionSpec::new("y", "call", &["browse"], 5.0),
        ]),
        1,
        1,
    ));
    let nobody = engine.record();
    let mut log = ContactLog::new();
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["x"]);
    log.record_dismissed("x", at(T));
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["x"]);
    log.record_dismissed("x", at(T));
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["y"]);
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T), "x"),
        [Reason::Dismissed {
            dismissals: 2,
            max: 2,
        }]
    );
    log.record_dismissed("x", at(T));
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T), "x"),
        [Reason::Dismissed {
            dismissals: 3,
            max: 2,
        }]
    );
    // Dismissals never expire.
    assert_eq!(
        suggested(&engine, &nobody, &log, at(T) + Span::days(10_000)),
        ["y"]
    );
}

#[test]
fn every_limit_that_blocks_is_a_reason_in_policy_order() {
    let engine = build(ruleset(vec![ActionSpec::new(
        "x",
        "mail",
        &["browse"],
        10.0,
    )
    .cooldown(Span::hours(1))
    .cap(1, Span::days(1))
    .max_dismissals(1)]));
    let nobody = engine.record();
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    log.record_dismissed("x", at(T));
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T + 60), "x"),
        [
            Reason::Cooldown {
                last_shown: at(T),
                until: at(T) + Span::hours(1),
            },
            Reason::Capped {
                shown: 1,
                times: 1,
                window: Span::days(1),
            },
            Reason::Dismissed {
                dismissals: 1,
                max: 1,
            },
        ]
    );
    assert!(suggested(&engine, &nobody, &log, at(T + 60)).is_empty());
    let trace = engine.explain(&nobody, &log, at(T + 60));
    assert_eq!(
        trace.actions[0].priority, None,
        "blocked actions get no priority"
    );
}

#[test]
fn without_a_contact_policy_the_history_does_not_matter() {
    let engine = build(ruleset(vec![ActionSpec::new(
        "x",
        "mail",
        &["browse"],
        10.0,
    )]));
    let nobody = engine.record();
    let mut log = ContactLog::new();
    for i in 0..100 {
        log.record_shown("x", at(T + i));
        log.record_dismissed("x", at(T + i));
    }
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 100)), ["x"]);
}

/// A history that remembers what the engine asked it.
#[derive(Default)]
struct Asked(RefCell<Vec<String>>);

impl ContactHistory for Asked {
    fn last_shown(&self, action: &Action) -> Option<Timestamp> {
        self.0
            .borrow_mut()
            .push(format!("last_shown {}", action.id()));
        Some(at(T))
    }

    fn times_shown_after(&self, action: &Action, after: Timestamp) -> u32 {
        self.0
            .borrow_mut()
            .push(format!("times_shown_after {} {after}", action.id()));
        0
    }

    fn dismissals(&self, action: &Action) -> u32 {
        self.0
            .borrow_mut()
            .push(format!("dismissals {}", action.id()));
        0
    }

    fn dismissals_after(&self, action: &Action, after: Timestamp) -> u32 {
        self.0
            .borrow_mut()
            .push(format!("dismissals_after {} {after}", action.id()));
        0
    }

    fn rejections_between(&self, action: &Action, after: Timestamp, upto: Timestamp) -> u32 {
        self.0
            .borrow_mut()
            .push(format!("rejections_between {} {after} {upto}", action.id()));
        0
    }

    fn last_rejection(&self, action: &Action, upto: Timestamp) -> Option<Timestamp> {
        self.0
            .borrow_mut()
            .push(format!("last_rejection {} {upto}", action.id()));
        Some(upto)
    }
}

#[test]
fn decide_asks_the_history_only_what_an_eligible_actions_policy_needs() {
    let engine = build(ruleset(vec![
        // Another stage, a false condition, a missing tag: never asked about.
        ActionSpec::new("later", "mail", &["buy"], 1.0).cooldown(Span::days(1)),
        ActionSpec::new("unmet", "mail", &["browse"], 1.0)
            .when("a >= 1")
            .cooldown(Span::days(1)),
        ActionSpec::new("vips", "mail", &["browse"], 1.0)
            .requires(&["vip"])
            .max_dismissals(1),
        // No policy: nothing to ask.
        ActionSpec::new("free", "mail", &["browse"], 1.0),
        ActionSpec::new("cool", "mail", &["browse"], 1.0).cooldown(Span::hours(1)),
        ActionSpec::new("capped", "call", &["browse"], 1.0).cap(3, Span::seconds(100)),
        ActionSpec::new("dismissable", "web", &["browse"], 1.0).max_dismissals(2),
        ActionSpec::new("forgiving", "sms", &["browse"], 1.0)
            .max_dismissals(2)
            .dismissals_expire(Span::seconds(500)),
        ActionSpec::new("touchy", "push", &["browse"], 1.0).suppress(
            2,
            Span::seconds(300),
            Span::seconds(2),
        ),
    ]));
    let nobody = engine.record();
    let history = Asked::default();
    let now = at(T + 1000);
    let mut scratch = engine.scratch();
    let decision = engine.decide(&nobody, &history, now, &mut scratch);
    let ids: Vec<&str> = decision.actions().map(|a| a.id()).collect();
    assert_eq!(ids, ["free", "capped", "dismissable"]);
    assert_eq!(
        *history.0.borrow(),
        [
            "last_shown cool",
            &format!("times_shown_after capped {}", at(T + 900)),
            "dismissals dismissable",
            &format!("dismissals_after forgiving {}", at(T + 500)),
            // The latest rejection is now: too few within the window
            // before it, so the one before that is asked about.
            &format!("last_rejection touchy {}", at(T + 1000)),
            &format!("rejections_between touchy {} {}", at(T + 700), at(T + 1000)),
            &format!("last_rejection touchy {}", at(T + 999)),
            &format!("rejections_between touchy {} {}", at(T + 699), at(T + 999)),
            &format!("last_rejection touchy {}", at(T + 998)),
        ]
    );
}

// ---------------------------------------------------------------------------
// Diversity and top-k
// ---------------------------------------------------------------------------

/// `m1` (mail, 10), `m2` (mail, 8), `c` (call, 5), in the order given.
fn diversity_actions() -> Vec<ActionSpec> {
    vec![
        ActionSpec::new("m2", "mail", &["browse"], 8.0),
        ActionSpec::new("c", "call", &["browse"], 5.0),
        ActionSpec::new("m1", "mail", &["browse"], 10.0),
    ]
}

#[test]
fn one_per_group_keeps_the_better_action_and_the_next_group_follows() {
    let engine = build(with_arbitration(ruleset(diversity_actions()), 3, 1));
    let nobody = engine.record();
    let log = ContactLog::new();
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["m1", "c"]);
    assert!(matches!(
        &reasons(&engine, &nobody, &log, at(T), "m2")[..],
        [Reason::GroupFull { group, max_per_group: 1, .. }] if group == "mail"
    ));
    // The group defaults to the kind.
    assert_eq!(engine.find_action("m1").unwrap().group(), "mail");
    let explanation = engine.explain(&nobody, &log, at(T));
    let groups: Vec<&str> = explanation
        .actions
        .iter()
        .map(|trace| trace.group.as_str())
        .collect();
    assert_eq!(groups, ["mail", "call", "mail"]);
}

#[test]
fn two_per_group_suggests_both_actions_of_a_group() {
    let engine = build(with_arbitration(ruleset(diversity_actions()), 3, 2));
    let nobody = engine.record();
    assert_eq!(
        suggested(&engine, &nobody, &ContactLog::new(), at(T)),
        ["m1", "m2", "c"]
    );
}

#[test]
fn an_explicit_group_overrides_the_kind() {
    let mut actions = diversity_actions();
    // m2 now competes with c, not with m1.
    actions[0] = actions[0].clone().group("call");
    let engine = build(with_arbitration(ruleset(actions), 3, 1));
    let nobody = engine.record();
    let log = ContactLog::new();
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["m1", "m2"]);
    assert!(matches!(
        &reasons(&engine, &nobody, &log, at(T), "c")[..],
        [Reason::GroupFull { group, max_per_group: 1, .. }] if group == "call"
    ));
    let m2 = engine.find_action("m2").unwrap();
    assert_eq!((m2.kind(), m2.group()), ("mail", "call"));
    let mut scratch = engine.scratch();
    let decision = engine.decide(&nobody, &log, at(T), &mut scratch);
    let kinds: Vec<&str> = decision.actions().map(|a| a.kind()).collect();
    assert_eq!(kinds, ["mail", "mail"]);
}

#[test]
fn a_full_group_lets_a_lower_priority_of_another_group_in() {
    // With one suggestion per group and two suggestions, the full group of
    // the second-best action lets the third in.
    let engine = build(with_arbitration(ruleset(diversity_actions()), 2, 1));
    let nobody = engine.record();
    assert_eq!(
        suggested(&engine, &nobody, &ContactLog::new(), at(T)),
        ["m1", "c"]
    );
}

#[test]
fn max_suggestions_keeps_the_top_k_and_outranks_the_rest() {
    let values = [
        ("v3", 3.0),
        ("v5", 5.0),
        ("v1", 1.0),
        ("v4", 4.0),
        ("v2", 2.0),
    ];
    let actions = values
        .iter()
        .map(|&(id, value)| ActionSpec::new(id, id, &["browse"], value))
        .collect();
    let engine = build(with_arbitration(ruleset(actions), 2, 1));
    let nobody = engine.record();
    let log = ContactLog::new();
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["v5", "v4"]);
    for id in ["v3", "v2", "v1"] {
        assert!(matches!(
            reasons(&engine, &nobody, &log, at(T), id)[..],
            [Reason::Outranked {
                max_suggestions: 2,
                ..
            }]
        ));
    }
    let mut scratch = engine.scratch();
    let decision = engine.decide(&nobody, &log, at(T), &mut scratch);
    let priorities: Vec<(usize, f64)> = decision
        .actions()
        .map(|a| (a.rank(), a.priority()))
        .collect();
    assert_eq!(priorities, [(1, 5.0), (2, 4.0)]);

    // The default arbitration suggests three.
    let engine = build(ruleset(
        values
            .iter()
            .map(|&(id, value)| ActionSpec::new(id, id, &["browse"], value))
            .collect(),
    ));
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["v5", "v4", "v3"]);
}

#[test]
fn only_the_actions_of_the_customers_stage_compete() {
    let engine = build(ruleset(vec![
        ActionSpec::new("early", "mail", &["browse"], 1.0),
        ActionSpec::new("both", "call", &["browse", "buy"], 2.0),
        ActionSpec::new("late", "web", &["buy", "after"], 3.0),
    ]));
    let log = ContactLog::new();
    let browsing = engine.record();
    assert_eq!(
        suggested(&engine, &browsing, &log, at(T)),
        ["both", "early"]
    );
    assert_eq!(
        reasons(&engine, &browsing, &log, at(T), "late"),
        [Reason::OtherStage {
            stages: ids(&["buy", "after"]),
        }]
    );
    let buying = customer(&engine, &[("b", 1.0)]);
    assert_eq!(suggested(&engine, &buying, &log, at(T)), ["late", "both"]);
    let after = customer(&engine, &[("b", 5.0)]);
    assert_eq!(suggested(&engine, &after, &log, at(T)), ["late"]);
    assert_eq!(
        reasons(&engine, &after, &log, at(T), "both"),
        [Reason::OtherStage {
            stages: ids(&["browse", "buy"]),
        }]
    );
}

// ---------------------------------------------------------------------------
// Tie-breaking
// ---------------------------------------------------------------------------

/// Three actions whose priorities are all exactly 5, reached by different
/// factors, each with a generous cap so the history is consulted.
fn tied(order: &[&str]) -> Vec<ActionSpec> {
    order
        .iter()
        .map(|&id| {
            let action = match id {
                "half" => ActionSpec::new("half", "k_half", &["browse"], 10.0).propensity(0.5),
                "plain" => ActionSpec::new("plain", "k_plain", &["browse"], 5.0),
                "double" => ActionSpec::new("double", "k_double", &["browse"], 2.5).weight(2.0),
                _ => unreachable!(),
            };
            action.cap(100, Span::days(1))
        })
        .collect()
}

#[test]
fn equal_priorities_follow_catalog_order() {
    let engine = build(ruleset(tied(&["plain", "double", "half"])));
    let nobody = engine.record();
    let log = ContactLog::new();
    let first = suggested(&engine, &nobody, &log, at(T));
    assert_eq!(first, ["plain", "double", "half"]);
    let mut scratch = engine.scratch();
    for _ in 0..5 {
        let decision = engine.decide(&nobody, &log, at(T), &mut scratch);
        let again: Vec<&str> = decision.actions().map(|a| a.id()).collect();
        assert_eq!(again, first);
        assert!(decision.actions().all(|a| a.priority() == 5.0));
    }

    // The order the history was recorded in does not matter.
    let mut forwards = ContactLog::new();
    let mut backwards = ContactLog::new();
    for id in ["plain", "double", "half"] {
        forwards.record_shown(id, at(T - 10));
    }
    for id in ["half", "double", "plain"] {
        backwards.record_shown(id, at(T - 10));
    }
    assert_eq!(suggested(&engine, &nobody, &forwards, at(T)), first);
    assert_eq!(suggested(&engine, &nobody, &backwards, at(T)), first);

    // With one suggestion, the first declared wins.
    let engine = build(with_arbitration(
        ruleset(tied(&["half", "plain", "double"])),
        1,
        1,
    ));
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["half"]);
}

#[test]
fn swapping_the_catalog_order_swaps_equal_priorities() {
    let nobody_in = |engine: &Engine| engine.record();
    let forwards = build(ruleset(tied(&["half", "plain", "double"])));
    let backwards = build(ruleset(tied(&["double", "plain", "half"])));
    let log = ContactLog::new();
    assert_eq!(
        suggested(&forwards, &nobody_in(&forwards), &log, at(T)),
        ["half", "plain", "double"]
    );
    assert_eq!(
        suggested(&backwards, &nobody_in(&backwards), &log, at(T)),
        ["double", "plain", "half"]
    );
}

#[test]
fn a_higher_priority_beats_catalog_order() {
    let mut actions = tied(&["plain", "double", "half"]);
    actions[2] = actions[2].clone().weight(1.01);
    let engine = build(ruleset(actions));
    assert_eq!(
        suggested(&engine, &engine.record(), &ContactLog::new(), at(T)),
        ["half", "plain", "double"]
    );
}

// ---------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------

fn tag_engine() -> Engine {
    build(with_arbitration(
        ruleset(vec![
            // Required tags listed out of declaration order.
            ActionSpec::new("both", "k1", &["browse"], 1.0).requires(&["fan", "vip"]),
            ActionSpec::new("calm", "k2", &["browse"], 1.0).excludes(&["risky", "vip"]),
            ActionSpec::new("fans", "k3", &["browse"], 1.0)
                .requires(&["fan"])
                .excludes(&["risky"]),
        ]),
        5,
        1,
    ))
}

/// Signals and the tags they give.
type Case<'a> = (&'a [(&'a str, f64)], &'a [&'a str]);

#[test]
fn tags_come_from_signals_in_declaration_order() {
    let engine = tag_engine();
    let mut scratch = engine.scratch();
    let cases: [Case<'_>; 6] = [
        (&[], &[]),
        (&[("a", 3.0)], &["fan"]),
        (&[("a", 2.0), ("score", 49.5)], &[]),
        (&[("a", 7.0), ("score", 50.0)], &["vip", "fan"]),
        (&[("score", -0.5)], &["risky"]),
        (&[("a", 3.0), ("score", -1.0)], &["fan", "risky"]),
    ];
    for (signals, expected) in cases {
        let record = customer(&engine, signals);
        let decision = engine.classify(&record, &mut scratch);
        let tags: Vec<&str> = decision.tags().map(|tag| tag.id()).collect();
        assert_eq!(tags, expected, "for {signals:?}");
        for tag in ["vip", "fan", "risky", "unknown"] {
            assert_eq!(decision.has_tag(tag), expected.contains(&tag), "{tag}");
        }
        assert_eq!(
            engine.classify_interpreted(&record).tags,
            ids(expected),
            "for {signals:?}"
        );
    }
}

#[test]
fn required_tags_must_all_be_present() {
    let engine = tag_engine();
    let log = ContactLog::new();
    let nobody = engine.record();
    // Missing tags are reported in declaration order: vip before fan.
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T), "both"),
        [
            Reason::MissingTag {
                tag: "vip".to_owned(),
            },
            Reason::MissingTag {
                tag: "fan".to_owned(),
            },
        ]
    );
    let fan = customer(&engine, &[("a", 3.0)]);
    assert_eq!(
        reasons(&engine, &fan, &log, at(T), "both"),
        [Reason::MissingTag {
            tag: "vip".to_owned(),
        }]
    );
    let vip = customer(&engine, &[("score", 80.0)]);
    assert_eq!(
        reasons(&engine, &vip, &log, at(T), "both"),
        [Reason::MissingTag {
            tag: "fan".to_owned(),
        }]
    );
    let vip_fan = customer(&engine, &[("a", 3.0), ("score", 80.0)]);
    assert_eq!(suggested(&engine, &vip_fan, &log, at(T)), ["both", "fans"]);
}

#[test]
fn any_excluded_tag_excludes() {
    let engine = tag_engine();
    let log = ContactLog::new();
    assert_eq!(suggested(&engine, &engine.record(), &log, at(T)), ["calm"]);
    let vip = customer(&engine, &[("score", 80.0)]);
    assert!(suggested(&engine, &vip, &log, at(T)).is_empty());
    assert_eq!(
        reasons(&engine, &vip, &log, at(T), "calm"),
        [Reason::ExcludedTag {
            tag: "vip".to_owned(),
        }]
    );
    let risky_fan = customer(&engine, &[("a", 3.0), ("score", -3.0)]);
    assert!(suggested(&engine, &risky_fan, &log, at(T)).is_empty());
    assert_eq!(
        reasons(&engine, &risky_fan, &log, at(T), "calm"),
        [Reason::ExcludedTag {
            tag: "risky".to_owned(),
        }]
    );
    assert_eq!(
        reasons(&engine, &risky_fan, &log, at(T), "fans"),
        [Reason::ExcludedTag {
            tag: "risky".to_owned(),
        }]
    );
    let fan = customer(&engine, &[("a", 3.0)]);
    assert_eq!(suggested(&engine, &fan, &log, at(T)), ["calm", "fans"]);
}

#[test]
fn tag_condition_and_contact_reasons_add_up() {
    let engine = build(ruleset(vec![ActionSpec::new(
        "x",
        "mail",
        &["browse"],
        1.0,
    )
    .when("a + b >= 2")
    .requires(&["vip"])
    .excludes(&["risky"])
    .cooldown(Span::days(1))]));
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    let risky = customer(&engine, &[("score", -1.0)]);
    assert_eq!(
        reasons(&engine, &risky, &log, at(T + 1), "x"),
        [
            Reason::MissingTag {
                tag: "vip".to_owned(),
            },
            Reason::ExcludedTag {
                tag: "risky".to_owned(),
            },
            Reason::ConditionFalse {
                condition: "a + b >= 2".to_owned(),
                misses: buyer_journey::Condition::parse("a + b >= 2")
                    .unwrap()
                    .near_misses(engine.schema(), &risky)
                    .unwrap(),
            },
            Reason::Cooldown {
                last_shown: at(T),
                until: at(T) + Span::days(1),
            },
        ]
    );
    // `b` is missing, so `a + b` is too and the comparison is false.
    let vip = customer(&engine, &[("score", 60.0), ("a", 2.0)]);
    let [Reason::ConditionFalse { condition, misses }] =
        &reasons(&engine, &vip, &log, at(T) + Span::days(1), "x")[..]
    else {
        panic!("only the condition is false");
    };
    assert_eq!(condition, "a + b >= 2");
    assert_eq!(misses.len(), 1);
    assert_eq!(misses[0].to_string(), "a + b is missing, needs >= 2");
    let vip = customer(&engine, &[("score", 60.0), ("a", 2.0), ("b", 0.0)]);
    assert_eq!(suggested(&engine, &vip, &log, at(T) + Span::days(1)), ["x"]);
    let mut scratch = engine.scratch();
    let decision = engine.decide(&vip, &log, at(T) + Span::days(1), &mut scratch);
    let why = decision.actions().next().unwrap().why().to_string();
    assert_eq!(
        why,
        "applies in browse; a + b >= 2 holds; has tag vip; lacks tag risky; contact policy allows"
    );
}

// ---------------------------------------------------------------------------
// Propensity
// ---------------------------------------------------------------------------

fn propensity_engine() -> Engine {
    build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("base", "k1", &["browse"], 10.0).propensity(0.25),
            ActionSpec::new("ruled", "k2", &["browse"], 10.0)
                .propensity(0.125)
                .propensity_rule("a >= 1", 0.5)
                .propensity_rule("a >= 2", 0.75),
            ActionSpec::new("reversed", "k3", &["browse"], 10.0)
                .propensity(0.125)
                .propensity_rule("a >= 2", 0.75)
                .propensity_rule("a >= 1", 0.5),
        ]),
        3,
        1,
    ))
}

/// Each suggestion's id, propensity, priority and the condition of the
/// propensity rule it reports.
fn propensities(
    engine: &Engine,
    signals: &SignalRecord,
) -> Vec<(String, f64, f64, Option<String>)> {
    let mut scratch = engine.scratch();
    let decision = engine.decide(signals, &ContactLog::new(), at(T), &mut scratch);
    let result: Vec<_> = decision
        .actions()
        .map(|a| {
            (
                a.id().to_owned(),
                a.propensity(),
                a.priority(),
                a.propensity_rule().map(|rule| rule.condition().to_string()),
            )
        })
        .collect();
    // explain reports the same factors.
    let explanation = engine.explain(signals, &ContactLog::new(), at(T));
    let explained: Vec<_> = explanation
        .suggested()
        .map(|trace| {
            let p = trace.priority.clone().unwrap();
            (
                trace.id.clone(),
                p.propensity,
                p.priority,
                p.propensity_rule,
            )
        })
        .collect();
    assert_eq!(result, explained);
    result
}

fn prop(
    id: &str,
    propensity: f64,
    priority: f64,
    rule: Option<&str>,
) -> (String, f64, f64, Option<String>) {
    (id.to_owned(), propensity, priority, rule.map(str::to_owned))
}

#[test]
fn the_base_propensity_applies_when_no_rule_holds() {
    let engine = propensity_engine();
    assert_eq!(
        propensities(&engine, &engine.record()),
        [
            prop("base", 0.25, 2.5, None),
            prop("ruled", 0.125, 1.25, None),
            prop("reversed", 0.125, 1.25, None),
        ]
    );
}

#[test]
fn the_first_propensity_rule_that_holds_wins() {
    let engine = propensity_engine();
    // Only `a >= 1` holds.
    assert_eq!(
        propensities(&engine, &customer(&engine, &[("a", 1.0)])),
        [
            prop("ruled", 0.5, 5.0, Some("a >= 1")),
            prop("reversed", 0.5, 5.0, Some("a >= 1")),
            prop("base", 0.25, 2.5, None),
        ]
    );
    // Both hold: rule order decides.
    assert_eq!(
        propensities(&engine, &customer(&engine, &[("a", 2.0)])),
        [
            prop("reversed", 0.75, 7.5, Some("a >= 2")),
            prop("ruled", 0.5, 5.0, Some("a >= 1")),
            prop("base", 0.25, 2.5, None),
        ]
    );
    let ruled = engine.find_action("ruled").unwrap();
    let rules: Vec<(String, f64)> = ruled
        .propensity_rules()
        .iter()
        .map(|rule| (rule.condition().to_string(), rule.propensity()))
        .collect();
    assert_eq!(
        rules,
        [("a >= 1".to_owned(), 0.5), ("a >= 2".to_owned(), 0.75)]
    );
}

#[test]
fn a_zero_factor_means_never_suggested() {
    let engine = build(ruleset(vec![
        ActionSpec::new("no_weight", "k1", &["browse"], 10.0).weight(0.0),
        ActionSpec::new("no_value", "k2", &["browse"], 0.0),
        ActionSpec::new("no_chance", "k3", &["browse"], 10.0).propensity(0.0),
        ActionSpec::new("ruled_out", "k4", &["browse"], 10.0).propensity_rule("a >= 1", 0.0),
    ]));
    let log = ContactLog::new();
    let fan = customer(&engine, &[("a", 3.0)]);
    assert!(suggested(&engine, &fan, &log, at(T)).is_empty());
    let explanation = engine.explain(&fan, &log, at(T));
    type Factors = (f64, f64, f64, f64, Option<String>);
    let factors = |p: &Priority| -> Factors {
        (
            p.priority,
            p.propensity,
            p.value,
            p.weight,
            p.propensity_rule.clone(),
        )
    };
    let traces: Vec<(&str, Option<Factors>, Outcome)> = explanation
        .actions
        .iter()
        .map(|t| {
            (
                t.id.as_str(),
                t.priority.as_ref().map(factors),
                t.outcome.clone(),
            )
        })
        .collect();
    let zero = |propensity: f64, value: f64, weight: f64, rule: Option<&str>| {
        Some((0.0, propensity, value, weight, rule.map(str::to_owned)))
    };
    let not = Outcome::NotSuggested {
        reasons: vec![Reason::ZeroPriority],
    };
    assert_eq!(
        traces,
        [
            ("no_weight", zero(1.0, 10.0, 0.0, None), not.clone()),
            ("no_value", zero(1.0, 0.0, 1.0, None), not.clone()),
            ("no_chance", zero(0.0, 10.0, 1.0, None), not.clone()),
            ("ruled_out", zero(0.0, 10.0, 1.0, Some("a >= 1")), not),
        ]
    );
    // Without the rule holding, `ruled_out` has its base propensity of 1.
    assert_eq!(
        suggested(&engine, &engine.record(), &log, at(T)),
        ["ruled_out"]
    );
}

/// The propensity rule holds for `a >= 1`; the host scorer answers by the
/// `score` signal and reports what it saw.
fn scored_engine(seen: Arc<Mutex<Vec<(String, f64, bool)>>>) -> Engine {
    let spec = ruleset(vec![
        ActionSpec::new("x", "k1", &["browse"], 10.0)
            .propensity(0.5)
            .propensity_rule("a >= 1", 0.75),
        ActionSpec::new("y", "k2", &["browse"], 4.0),
    ]);
    Engine::builder(spec)
        .action_scorer(move |input: &ActionInput<'_>| -> f64 {
            seen.lock().unwrap().push((
                input.action().id().to_owned(),
                input.built_in(),
                input.has_tag("fan"),
            ));
            if input.action().id() == "y" {
                return input.built_in();
            }
            match input.signals().number("score") {
                Some(1.0) => input.built_in() / 2.0,
                Some(score) => score,
                None => f64::NAN,
            }
        })
        .build()
        .unwrap()
}

#[test]
fn a_host_scorer_overrides_the_built_in_propensity_and_sees_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let engine = scored_engine(Arc::clone(&seen));
    let log = ContactLog::new();

    let plain = customer(&engine, &[("score", 0.125)]);
    let mut scratch = engine.scratch();
    let decision = engine.decide(&plain, &log, at(T), &mut scratch);
    let got: Vec<(&str, f64, f64)> = decision
        .actions()
        .map(|a| (a.id(), a.propensity(), a.priority()))
        .collect();
    assert_eq!(got, [("y", 1.0, 4.0), ("x", 0.125, 1.25)]);
    assert_eq!(
        *seen.lock().unwrap(),
        [("x".to_owned(), 0.5, false), ("y".to_owned(), 1.0, false)]
    );

    // Half the built-in propensity of the rule that holds, which the
    // suggestion still reports.
    seen.lock().unwrap().clear();
    let fan = customer(&engine, &[("score", 1.0), ("a", 3.0)]);
    let decision = engine.decide(&fan, &log, at(T), &mut scratch);
    let x = decision.actions().find(|a| a.id() == "x").unwrap();
    assert_eq!(x.rank(), 2);
    assert_eq!((x.id(), x.propensity(), x.priority()), ("x", 0.375, 3.75));
    assert_eq!(
        x.propensity_rule().map(|rule| rule.condition().to_string()),
        Some("a >= 1".to_owned())
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [("x".to_owned(), 0.75, true), ("y".to_owned(), 1.0, true)]
    );
    assert_eq!(suggested(&engine, &fan, &log, at(T)), ["y", "x"]);
}

#[test]
fn a_host_scorer_result_is_clamped_and_nan_counts_as_zero() {
    let engine = scored_engine(Arc::new(Mutex::new(Vec::new())));
    let log = ContactLog::new();
    // score → the propensity of x; y always has 1 × 4.
    let cases: [(Option<f64>, Option<f64>); 6] = [
        (None, None),                // NaN → 0
        (Some(-0.5), None),          // negative → 0
        (Some(-1e300), None),        // far below → 0
        (Some(7.0), Some(1.0)),      // above 1 → 1
        (Some(f64::MAX), Some(1.0)), // far above → 1
        (Some(0.25), Some(0.25)),    // within → itself
    ];
    for (score, propensity) in cases {
        let mut record = engine.record();
        if let Some(score) = score {
            record.set("score", score).unwrap();
        }
        let mut scratch = engine.scratch();
        let decision = engine.decide(&record, &log, at(T), &mut scratch);
        let x = decision.actions().find(|a| a.id() == "x");
        assert_eq!(x.map(|x| x.propensity()), propensity, "score {score:?}");
        if let Some(p) = propensity {
            assert_eq!(x.unwrap().priority(), p * 10.0);
        }
        let ids = suggested(&engine, &record, &log, at(T));
        if propensity.is_none() {
            assert_eq!(ids, ["y"]);
            let explanation = engine.explain(&record, &log, at(T));
            let trace = &explanation.actions[0];
            assert_eq!(
                trace.priority.as_ref().map(|p| (p.propensity, p.priority)),
                Some((0.0, 0.0))
            );
            assert_eq!(
                trace.outcome,
                Outcome::NotSuggested {
                    reasons: vec![Reason::ZeroPriority],
                }
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Fallbacks
// ---------------------------------------------------------------------------

/// `x` (worth 10, cooling down for 2 days) and `y` (worth 5, at most once
/// a day), and the fallback `help` (worth 1): all of `browse`.
fn fallback_engine() -> Engine {
    build(ruleset(vec![
        ActionSpec::new("help", "mail", &["browse"], 1.0).fallback(),
        ActionSpec::new("x", "mail", &["browse"], 10.0).cooldown(Span::days(2)),
        ActionSpec::new("y", "call", &["browse"], 5.0).cap(1, Span::days(1)),
    ]))
}

/// The explanation's trace of action `id`.
fn trace(explanation: &Explanation, id: &str) -> buyer_journey::ActionTrace {
    explanation
        .actions
        .iter()
        .find(|trace| trace.id == id)
        .expect("the action is in the catalog")
        .clone()
}

#[test]
fn a_fallback_is_offered_only_when_no_regular_action_is_suggested() {
    let engine = fallback_engine();
    let nobody = engine.record();
    let mut log = ContactLog::new();
    // However high the priorities, a fallback takes no place from a
    // regular action, even with places free.
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["x", "y"]);
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T), "help"),
        [Reason::RegularActionsSuggested]
    );
    log.record_shown("x", at(T));
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 1)), ["y"]);
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T + 1), "help"),
        [Reason::RegularActionsSuggested]
    );

    // Both regular actions held back: the fallback answers.
    log.record_shown("y", at(T));
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 1)), ["help"]);
    let mut scratch = engine.scratch();
    let decision = engine.decide(&nobody, &log, at(T + 1), &mut scratch);
    let help = decision.actions().next().unwrap();
    assert!(help.is_fallback());
    assert_eq!(
        help.why().to_string(),
        "applies in browse; fallback: no regular action could be suggested"
    );
    let record = help.to_record();
    assert!(record.fallback);
    assert_eq!(serde_json::to_value(&record).unwrap()["fallback"], true);

    let explanation = engine.explain(&nobody, &log, at(T + 1));
    let help = trace(&explanation, "help");
    assert_eq!(help.outcome, Outcome::Suggested { rank: 1 });
    assert!(help.fallback);
    assert!(!trace(&explanation, "x").fallback);
    let printed = explanation.to_string();
    assert!(
        printed.contains(
            "  1. help (mail): priority 1 = propensity 1 × value 1 × weight 1 \
             (fallback: no regular action could be suggested)\n"
        ),
        "{printed}"
    );

    // A day later `y` is back, and the fallback steps aside.
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 86_400)), ["y"]);
    let printed = engine.explain(&nobody, &log, at(T + 86_400)).to_string();
    assert!(
        printed.contains(
            "  help (mail): a fallback, not needed: regular actions were suggested \
             (priority 1 = propensity 1 × value 1 × weight 1)\n"
        ),
        "{printed}"
    );
}

#[test]
fn regular_actions_of_priority_zero_let_the_fallbacks_in() {
    let engine = build(ruleset(vec![
        ActionSpec::new("off", "mail", &["browse"], 10.0).weight(0.0),
        ActionSpec::new("unlikely", "call", &["browse"], 10.0).propensity(0.0),
        ActionSpec::new("help", "web", &["browse"], 1.0).fallback(),
    ]));
    let nobody = engine.record();
    let log = ContactLog::new();
    assert_eq!(suggested(&engine, &nobody, &log, at(T)), ["help"]);
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T), "off"),
        [Reason::ZeroPriority]
    );
}

#[test]
fn fallbacks_are_ranked_and_arbitrated_among_themselves() {
    // No regular action of `browse` at all: the fallbacks always compete,
    // by the same rules as regular actions.
    let engine = build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("regular", "mail", &["buy"], 100.0),
            ActionSpec::new("f_low", "mail", &["browse"], 1.0).fallback(),
            ActionSpec::new("f_mail", "mail", &["browse"], 5.0).fallback(),
            ActionSpec::new("f_mail_too", "mail", &["browse"], 4.0).fallback(),
            ActionSpec::new("f_call", "call", &["browse", "buy"], 4.0).fallback(),
            ActionSpec::new("f_web", "web", &["browse"], 4.0)
                .propensity_rule("a >= 1", 0.5)
                .fallback(),
        ]),
        2,
        1,
    ));
    let log = ContactLog::new();
    let nobody = engine.record();
    // Priority first, equal priorities in catalog order, one per group, two
    // at most.
    assert_eq!(
        suggested(&engine, &nobody, &log, at(T)),
        ["f_mail", "f_call"]
    );
    assert!(matches!(
        reasons(&engine, &nobody, &log, at(T), "f_mail_too")[..],
        [Reason::GroupFull { .. }]
    ));
    assert!(matches!(
        reasons(&engine, &nobody, &log, at(T), "f_web")[..],
        [Reason::Outranked {
            max_suggestions: 2,
            ..
        }]
    ));
    let reader = customer(&engine, &[("a", 1.0)]);
    assert_eq!(
        suggested(&engine, &reader, &log, at(T)),
        ["f_mail", "f_call"]
    );

    // In `buy` the regular action answers, and the fallback of both stages
    // is not needed there.
    let buyer = customer(&engine, &[("b", 1.0)]);
    assert_eq!(suggested(&engine, &buyer, &log, at(T)), ["regular"]);
    assert_eq!(
        reasons(&engine, &buyer, &log, at(T), "f_call"),
        [Reason::RegularActionsSuggested]
    );
    assert!(matches!(
        reasons(&engine, &buyer, &log, at(T), "f_mail")[..],
        [Reason::OtherStage { .. }]
    ));
}

#[test]
fn a_fallbacks_own_contact_policy_applies() {
    let engine = build(ruleset(vec![
        ActionSpec::new("x", "mail", &["browse", "buy"], 10.0).cooldown(Span::days(2)),
        ActionSpec::new("polite", "mail", &["browse"], 1.0)
            .cooldown(Span::days(1))
            .fallback(),
        ActionSpec::new("always", "mail", &["buy"], 1.0).fallback(),
    ]));
    let browser = engine.record();
    let buyer = customer(&engine, &[("b", 1.0)]);
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    log.record_shown("polite", at(T));
    // The ruleset decides: a fallback cooling down leaves the answer empty.
    assert!(suggested(&engine, &browser, &log, at(T + 1)).is_empty());
    assert_eq!(
        reasons(&engine, &browser, &log, at(T + 1), "polite"),
        [Reason::Cooldown {
            last_shown: at(T),
            until: at(T + 86_400)
        }]
    );
    assert_eq!(
        suggested(&engine, &browser, &log, at(T + 86_400)),
        ["polite"]
    );
    // A fallback without a contact policy always answers, however often
    // it was shown and dismissed.
    for i in 0..50 {
        log.record_shown("always", at(T + i));
        log.record_dismissed("always", at(T + i));
        assert_eq!(suggested(&engine, &buyer, &log, at(T + i + 1)), ["always"]);
    }
}

#[test]
fn fallbacks_need_their_tags_and_condition() {
    let engine = build(ruleset(vec![
        ActionSpec::new("x", "mail", &["browse"], 10.0).cooldown(Span::days(2)),
        ActionSpec::new("for_vips", "mail", &["browse"], 2.0)
            .requires(&["vip"])
            .fallback(),
        ActionSpec::new("for_readers", "call", &["browse"], 1.0)
            .when("a >= 1")
            .excludes(&["risky"])
            .fallback(),
    ]));
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    let now = at(T + 1);
    assert!(suggested(&engine, &engine.record(), &log, now).is_empty());
    let vip = customer(&engine, &[("score", 60.0)]);
    assert_eq!(suggested(&engine, &vip, &log, now), ["for_vips"]);
    let reading_vip = customer(&engine, &[("score", 60.0), ("a", 1.0)]);
    assert_eq!(
        suggested(&engine, &reading_vip, &log, now),
        ["for_vips", "for_readers"]
    );
    let risky_reader = customer(&engine, &[("score", -1.0), ("a", 1.0)]);
    assert!(suggested(&engine, &risky_reader, &log, now).is_empty());
    assert_eq!(
        reasons(&engine, &risky_reader, &log, now, "for_readers"),
        [Reason::ExcludedTag {
            tag: "risky".into()
        }]
    );
}

#[test]
fn fallbacks_are_not_asked_about_while_regular_actions_answer() {
    let scored = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&scored);
    let spec = ruleset(vec![
        ActionSpec::new("cool", "mail", &["browse"], 1.0).cooldown(Span::hours(1)),
        ActionSpec::new("free", "mail", &["browse"], 1.0).when("a >= 1"),
        ActionSpec::new("fb", "web", &["browse"], 1.0)
            .cooldown(Span::seconds(1))
            .fallback(),
    ]);
    let engine = Engine::builder(spec)
        .action_scorer(move |input: &ActionInput<'_>| {
            seen.lock().unwrap().push(input.action().id().to_owned());
            input.built_in()
        })
        .build()
        .unwrap();
    let now = at(T + 1000);
    let mut scratch = engine.scratch();

    // `free` answers: neither the history nor the scorer hears of `fb`.
    let history = Asked::default();
    let reader = customer(&engine, &[("a", 1.0)]);
    let decision = engine.decide(&reader, &history, now, &mut scratch);
    assert_eq!(
        decision.actions().map(|a| a.id()).collect::<Vec<_>>(),
        ["free"]
    );
    assert_eq!(*history.0.borrow(), ["last_shown cool"]);
    assert_eq!(*scored.lock().unwrap(), ["free"]);

    // Nothing regular answers: `fb` is asked about and offered.
    scored.lock().unwrap().clear();
    let history = Asked::default();
    let decision = engine.decide(&engine.record(), &history, now, &mut scratch);
    assert_eq!(
        decision.actions().map(|a| a.id()).collect::<Vec<_>>(),
        ["fb"]
    );
    assert_eq!(*history.0.borrow(), ["last_shown cool", "last_shown fb"]);
    assert_eq!(*scored.lock().unwrap(), ["fb"]);
}

#[test]
fn a_fallback_is_validated_as_any_action() {
    assert_eq!(
        build_error(one_action(
            ActionSpec::new("x", "mail", &["byu"], 1.0).fallback()
        )),
        "actions[0].stages[0]: unknown stage 'byu', did you mean 'buy'?"
    );
    assert_eq!(
        build_error(one_action(
            browse_action()
                .requires(&["vip"])
                .excludes(&["vip"])
                .fallback()
        )),
        "actions[0].excludes_tags: action 'x' both requires and excludes tag 'vip', so it can \
         never be suggested"
    );
    assert_eq!(
        build_error(one_action(browse_action().max_dismissals(0).fallback())),
        "actions[0].contact.max_dismissals: a limit of 0 dismissals means action 'x' is never \
         shown: remove the action or give it weight 0"
    );
    // A stage with fallbacks only is fine: they always compete there.
    let engine = build(one_action(browse_action().fallback()));
    assert_eq!(
        suggested(&engine, &engine.record(), &ContactLog::new(), at(T)),
        ["x"]
    );
}

// ---------------------------------------------------------------------------
// classify versus decide
// ---------------------------------------------------------------------------

#[test]
fn classify_gives_tags_but_no_actions_and_leaves_no_stale_actions() {
    let engine = build(ruleset(vec![
        ActionSpec::new("x", "k1", &["browse", "buy"], 10.0),
        ActionSpec::new("y", "k2", &["buy"], 5.0).requires(&["fan"]),
    ]));
    let log = ContactLog::new();
    let fan = customer(&engine, &[("a", 3.0), ("b", 1.0)]);
    let fresh = {
        let mut scratch = engine.scratch();
        engine.decide(&fan, &log, at(T), &mut scratch).to_record()
    };
    assert_eq!(fresh.stage, "buy");
    assert_eq!(fresh.tags, ["fan"]);
    let fresh_ids: Vec<&str> = fresh.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(fresh_ids, ["x", "y"]);

    let mut scratch = engine.scratch();
    // decide, then classify on the same scratch: no actions left over.
    let decided = engine.decide(&fan, &log, at(T), &mut scratch);
    assert_eq!(decided.actions().len(), 2);
    let classified = engine.classify(&fan, &mut scratch);
    assert_eq!(classified.actions().len(), 0);
    assert_eq!(
        classified.tags().map(|t| t.id()).collect::<Vec<_>>(),
        ["fan"]
    );
    let classification = classified.to_record();
    assert!(classification.actions.is_empty());
    assert_eq!(classification, engine.classify_interpreted(&fan));
    let mut without_actions = fresh.clone();
    without_actions.actions.clear();
    assert_eq!(classification, without_actions);

    // classify, then decide on the same scratch: as on a fresh scratch.
    assert_eq!(
        engine.decide(&fan, &log, at(T), &mut scratch).to_record(),
        fresh
    );

    // A decision for another customer replaces the actions, not adds.
    let browser = engine.record();
    let decision = engine.decide(&browser, &log, at(T), &mut scratch);
    let ids: Vec<&str> = decision.actions().map(|a| a.id()).collect();
    assert_eq!(ids, ["x"]);
    assert_eq!(decision.tags().len(), 0);
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

fn one_action(action: ActionSpec) -> RulesetSpec {
    ruleset(vec![action])
}

fn browse_action() -> ActionSpec {
    ActionSpec::new("x", "mail", &["browse"], 1.0)
}

#[test]
fn an_action_for_an_unknown_stage_is_rejected() {
    assert_eq!(
        build_error(one_action(ActionSpec::new(
            "x",
            "mail",
            &["browse", "byu"],
            1.0
        ))),
        "actions[0].stages[1]: unknown stage 'byu', did you mean 'buy'?"
    );
    assert_eq!(
        build_error(one_action(ActionSpec::new("x", "mail", &["checkout"], 1.0))),
        "actions[0].stages[0]: unknown stage 'checkout'"
    );
    assert_eq!(
        build_error(one_action(ActionSpec::new("x", "mail", &[], 1.0))),
        "actions[0].stages: action 'x' needs at least one stage"
    );
}

#[test]
fn an_action_with_an_unknown_tag_is_rejected() {
    assert_eq!(
        build_error(one_action(browse_action().requires(&["vip", "fna"]))),
        "actions[0].requires_tags[1]: unknown tag 'fna', did you mean 'fan'?"
    );
    assert_eq!(
        build_error(ruleset(vec![
            browse_action(),
            ActionSpec::new("y", "mail", &["browse"], 1.0).excludes(&["riksy"]),
        ])),
        "actions[1].excludes_tags[0]: unknown tag 'riksy', did you mean 'risky'?"
    );
    assert_eq!(
        build_error(one_action(browse_action().excludes(&["premium"]))),
        "actions[0].excludes_tags[0]: unknown tag 'premium'"
    );
}

#[test]
fn a_tag_both_required_and_excluded_is_rejected() {
    assert_eq!(
        build_error(one_action(
            browse_action()
                .requires(&["vip", "fan"])
                .excludes(&["risky", "fan"])
        )),
        "actions[0].excludes_tags: action 'x' both requires and excludes tag 'fan', so it can \
         never be suggested"
    );
}

#[test]
fn duplicate_ids_are_rejected() {
    assert_eq!(
        build_error(ruleset(vec![
            browse_action(),
            ActionSpec::new("y", "call", &["buy"], 1.0),
            ActionSpec::new("x", "call", &["buy"], 1.0),
        ])),
        "actions[2].id: action id 'x' is already used by actions[0]"
    );
    let mut spec = ruleset(Vec::new());
    spec.tags.push(TagSpec::new("fan", "b >= 2"));
    assert_eq!(
        build_error(spec),
        "tags[3].id: tag id 'fan' is already used by tags[1]"
    );
}

#[test]
fn keyword_ids_are_rejected_naming_what_they_would_name() {
    let mut spec = ruleset(Vec::new());
    spec.tags.push(TagSpec::new("and", "b >= 2"));
    assert_eq!(
        build_error(spec),
        "tags[3].id: 'and' is a keyword of the condition language and cannot name a tag"
    );
    assert_eq!(
        build_error(ruleset(vec![ActionSpec::new("x", "not", &["buy"], 1.0)])),
        "actions[0].kind: 'not' is a keyword of the condition language and cannot name a kind"
    );
}

#[test]
fn values_and_weights_must_be_finite_and_not_negative() {
    assert_eq!(
        build_error(one_action(ActionSpec::new("x", "mail", &["browse"], -1.0))),
        "actions[0].value: value must be a finite number >= 0, found -1"
    );
    assert_eq!(
        build_error(one_action(ActionSpec::new(
            "x",
            "mail",
            &["browse"],
            f64::NAN
        ))),
        "actions[0].value: value must be a finite number >= 0, found NaN"
    );
    assert_eq!(
        build_error(one_action(ActionSpec::new(
            "x",
            "mail",
            &["browse"],
            f64::INFINITY
        ))),
        "actions[0].value: value must be a finite number >= 0, found inf"
    );
    assert_eq!(
        build_error(one_action(browse_action().weight(-0.5))),
        "actions[0].weight: weight must be a finite number >= 0, found -0.5"
    );
    assert_eq!(
        build_error(one_action(browse_action().weight(f64::NAN))),
        "actions[0].weight: weight must be a finite number >= 0, found NaN"
    );
}

#[test]
fn propensities_must_be_between_zero_and_one() {
    assert_eq!(
        build_error(one_action(browse_action().propensity(1.5))),
        "actions[0].propensity: a propensity must be between 0 and 1, found 1.5"
    );
    assert_eq!(
        build_error(one_action(browse_action().propensity(-0.1))),
        "actions[0].propensity: a propensity must be between 0 and 1, found -0.1"
    );
    assert_eq!(
        build_error(one_action(browse_action().propensity(f64::NAN))),
        "actions[0].propensity: a propensity must be between 0 and 1, found NaN"
    );
    assert_eq!(
        build_error(one_action(
            browse_action()
                .propensity_rule("a >= 1", 0.5)
                .propensity_rule("a >= 2", 1.01)
        )),
        "actions[0].propensity_rules[1].propensity: a propensity must be between 0 and 1, \
         found 1.01"
    );
    assert_eq!(
        build_error(one_action(browse_action().propensity_rule("a >= 1", -1.0))),
        "actions[0].propensity_rules[0].propensity: a propensity must be between 0 and 1, \
         found -1"
    );
    // The bounds themselves are fine.
    build(one_action(
        browse_action()
            .propensity(0.0)
            .propensity_rule("a >= 1", 1.0),
    ));
}

#[test]
fn bad_condition_text_points_at_the_column() {
    assert_eq!(
        build_error(ruleset(vec![
            browse_action(),
            ActionSpec::new("y", "call", &["browse"], 1.0).when("a >= 1 and scroe > 2"),
        ])),
        "actions[1].when, column 12: unknown signal 'scroe', did you mean 'score'?"
    );
    assert_eq!(
        build_error(one_action(browse_action().when("a >="))),
        "actions[0].when, column 5: expected a value, found the end of the text"
    );
    assert_eq!(
        build_error(one_action(browse_action().propensity_rule("b > > 1", 0.5))),
        "actions[0].propensity_rules[0].when, column 5: expected a value, found '>'"
    );
}

#[test]
fn contact_and_arbitration_limits_of_zero_are_rejected() {
    assert_eq!(
        build_error(one_action(browse_action().cap(0, Span::days(1)))),
        "actions[0].contact.cap.times: a cap of 0 times means action 'x' is never shown: \
         remove the action or give it weight 0"
    );
    assert_eq!(
        build_error(with_arbitration(one_action(browse_action()), 0, 1)),
        "arbitration.max_suggestions: max_suggestions must be at least 1"
    );
    assert_eq!(
        build_error(with_arbitration(one_action(browse_action()), 3, 0)),
        "arbitration.max_per_group: max_per_group must be at least 1"
    );
}

#[test]
fn limits_on_tags_and_actions_are_enforced() {
    let spec = ruleset(vec![
        browse_action(),
        ActionSpec::new("y", "call", &["browse"], 1.0),
    ]);
    let err = Engine::builder(spec.clone())
        .limits(Limits::default().max_tags(2))
        .build()
        .unwrap_err();
    assert!(err.is_limit());
    assert_eq!(
        err.to_string(),
        "tags: the number of tags is 3, over the limit of 2 (see `Limits::max_tags`)"
    );
    let err = Engine::builder(spec.clone())
        .limits(Limits::default().max_actions(1))
        .build()
        .unwrap_err();
    assert!(err.is_limit());
    assert_eq!(
        err.to_string(),
        "actions: the number of actions is 2, over the limit of 1 (see `Limits::max_actions`)"
    );
    // At the limits, it builds.
    Engine::builder(spec)
        .limits(Limits::default().max_tags(3).max_actions(2))
        .build()
        .unwrap();
}

// ---------------------------------------------------------------------------
// Serde
// ---------------------------------------------------------------------------

#[test]
fn a_ruleset_with_tags_actions_and_arbitration_round_trips_through_json() {
    let mut spec = with_arbitration(
        ruleset(vec![
            ActionSpec::new("x", "mail", &["browse", "buy"], 12.5)
                .name("Mail X")
                .when("a >= 1 or score > 2.5")
                .requires(&["fan"])
                .excludes(&["risky"])
                .weight(1.5)
                .propensity(0.25)
                .propensity_rule("score >= 10", 0.75)
                .group("outreach")
                .cooldown(Span::hours(36))
                .cap(3, Span::days(30))
                .max_dismissals(2)
                .describe("an email"),
            ActionSpec::new("y", "call", &["after"], 3.0),
            ActionSpec::new("z", "call", &["browse", "buy"], 1.0)
                .cooldown(Span::days(1))
                .fallback(),
        ]),
        2,
        2,
    );
    spec.tags[0] = spec.tags[0].clone().describe("spends a lot");
    let json = serde_json::to_string_pretty(&spec).unwrap();
    let back: RulesetSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["arbitration"],
        serde_json::json!({"max_suggestions": 2, "max_per_group": 2})
    );
    assert_eq!(
        value["actions"][0]["contact"],
        serde_json::json!({"cooldown": "1d12h", "cap": {"times": 3, "window": "30d"},
                           "max_dismissals": 2})
    );
    // Defaults are left out.
    assert_eq!(
        value["actions"][1],
        serde_json::json!({"id": "y", "kind": "call", "stages": ["after"], "value": 3.0})
    );
    assert_eq!(value["actions"][2]["fallback"], true);
    assert_eq!(
        value["tags"][1],
        serde_json::json!({"id": "fan", "when": "a >= 3"})
    );

    // The engine built from the JSON decides the same.
    let original = build(spec);
    let read = build(back);
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    for signals in [
        &[("a", 3.0)][..],
        &[("a", 3.0), ("score", 11.0)],
        &[("a", 3.0), ("score", -1.0)],
        &[("a", 3.0), ("b", 5.0)],
        &[("b", 1.0)],
    ] {
        for now in [at(T + 60), at(T) + Span::hours(36)] {
            let mut one = original.scratch();
            let mut two = read.scratch();
            assert_eq!(
                original
                    .decide(&customer(&original, signals), &log, now, &mut one)
                    .to_record(),
                read.decide(&customer(&read, signals), &log, now, &mut two)
                    .to_record()
            );
        }
    }
}

#[test]
fn a_ruleset_read_from_json_uses_the_defaults() {
    let spec: RulesetSpec = serde_json::from_str(
        r#"{
            "signals": [{"id": "a", "kind": "count"}],
            "stages": [{"id": "only", "name": "Only"}],
            "tags": [{"id": "many", "when": "a >= 10"}],
            "actions": [
                {"id": "x", "kind": "mail", "stages": ["only"], "value": 2,
                 "contact": {"cooldown": "7d"}},
                {"id": "y", "kind": "mail", "stages": ["only"], "value": 1,
                 "requires_tags": ["many"]}
            ]
        }"#,
    )
    .unwrap();
    assert_eq!(spec.arbitration, Arbitration::default());
    let x = &spec.actions[0];
    assert_eq!(
        (x.weight, x.propensity, x.group.as_deref(), x.fallback),
        (1.0, 1.0, None, false)
    );
    assert_eq!(
        x.contact,
        ActionSpec::new("x", "x", &["x"], 1.0)
            .cooldown(Span::days(7))
            .contact
    );
    let engine = build(spec);
    let mut record = engine.record();
    record.set("a", 10).unwrap();
    // Both are of group `mail`: one suggestion.
    assert_eq!(
        suggested(&engine, &record, &ContactLog::new(), at(T)),
        ["x"]
    );
    assert!(matches!(
        &reasons(&engine, &record, &ContactLog::new(), at(T), "y")[..],
        [Reason::GroupFull { group, max_per_group: 1, .. }] if group == "mail"
    ));

    let unknown = serde_json::from_str::<ActionSpec>(
        r#"{"id": "x", "kind": "mail", "stages": ["only"], "value": 2, "priority": 3}"#,
    );
    assert!(unknown.is_err(), "unknown fields are rejected");
}

#[test]
fn spans_parse_from_text_and_integers() {
    let cases: [(&str, Span); 7] = [
        ("\"7d\"", Span::days(7)),
        ("\"1d12h\"", Span::hours(36)),
        ("\"90\"", Span::seconds(90)),
        ("\"90s\"", Span::seconds(90)),
        ("\"15m\"", Span::minutes(15)),
        ("90", Span::seconds(90)),
        ("0", Span::ZERO),
    ];
    for (json, span) in cases {
        assert_eq!(serde_json::from_str::<Span>(json).unwrap(), span, "{json}");
    }
    assert_eq!("1d12h".parse::<Span>().unwrap(), Span::hours(36));
    assert_eq!("2h30m5s".parse::<Span>().unwrap(), Span::seconds(9005));
    // Printed in the largest exact units, and read back.
    for span in [
        Span::days(7),
        Span::hours(36),
        Span::seconds(90),
        Span::ZERO,
    ] {
        let json = serde_json::to_string(&span).unwrap();
        assert_eq!(serde_json::from_str::<Span>(&json).unwrap(), span);
    }
    assert_eq!(
        serde_json::to_string(&Span::seconds(90)).unwrap(),
        "\"1m30s\""
    );
    assert_eq!(serde_json::to_string(&Span::ZERO).unwrap(), "\"0s\"");
}

#[test]
fn spans_reject_what_is_not_a_length_of_time() {
    let not_a_span = |text: &str| {
        format!(
            "'{text}' is not a span of time: write numbers with the units d, h, m, s in that \
             order, such as \"7d\" or \"1d12h\""
        )
    };
    for text in [
        "3 weeks",
        "",
        "d",
        "12h1d",
        "1d1d",
        "-5",
        "-5s",
        "1.5h",
        "7w",
        " 7d",
        "7d ",
        "1d12",
        "18446744073709551616",
        "213503982334602d",
        "99999999999999999999999s",
    ] {
        let err = text.parse::<Span>().expect_err(text);
        assert_eq!(err.to_string(), not_a_span(text));
        let json = serde_json::to_string(text).unwrap();
        let err = serde_json::from_str::<Span>(&json).expect_err(text);
        assert!(err.to_string().starts_with(&not_a_span(text)), "{err}");
    }
    // The largest span that fits.
    assert_eq!(
        format!("{}s", u64::MAX).parse::<Span>().unwrap(),
        Span::seconds(u64::MAX)
    );
    assert_eq!(
        "213503982334601d".parse::<Span>().unwrap(),
        Span::days(213_503_982_334_601)
    );

    let err = serde_json::from_str::<Span>("-5").unwrap_err();
    assert_eq!(
        err.to_string(),
        "a span cannot be negative, found -5 at line 1 column 2"
    );
    for json in ["1.5", "true", "null", "[7]", "18446744073709551616"] {
        assert!(serde_json::from_str::<Span>(json).is_err(), "{json}");
    }
}

#[test]
fn timestamps_serialize_as_integers() {
    let t = at(T);
    assert_eq!(serde_json::to_string(&t).unwrap(), "1700000000");
    assert_eq!(serde_json::from_str::<Timestamp>("1700000000").unwrap(), t);
    assert_eq!(
        serde_json::from_str::<Timestamp>("-86400").unwrap(),
        at(-86_400)
    );
    assert!(serde_json::from_str::<Timestamp>("\"1700000000\"").is_err());
    assert!(serde_json::from_str::<Timestamp>("1.5").is_err());
}

#[test]
fn a_contact_log_round_trips_through_json() {
    let mut log = ContactLog::new();
    log.record_shown("x", at(T) + Span::days(1));
    log.record_shown("x", at(T));
    log.record_dismissed("x", at(T + 10));
    log.record_dismissed("y", at(T));
    log.record_shown("z", at(T - 5));
    let json = serde_json::to_string(&log).unwrap();
    assert_eq!(
        json,
        r#"{"x":{"shown":[1700000000,1700086400],"dismissed":[1700000010]},"y":{"dismissed":[1700000000]},"z":[1699999995]}"#
    );
    assert_eq!(serde_json::from_str::<ContactLog>(&json).unwrap(), log);
    assert_eq!(
        serde_json::from_str::<ContactLog>("{}").unwrap(),
        ContactLog::new()
    );
}

#[test]
fn a_contact_log_accepts_showings_out_of_order_in_json() {
    let log: ContactLog = serde_json::from_str(&format!(
        r#"{{"x": {{"shown": [{}, {}, {}]}}, "y": {{"dismissed": [{}, {}]}}}}"#,
        T + 200,
        T,
        T + 100,
        T + 7,
        T + 3
    ))
    .unwrap();
    assert_eq!(
        log.shown("x").collect::<Vec<_>>(),
        [at(T), at(T + 100), at(T + 200)]
    );
    assert_eq!(log.shown("y").count(), 0);
    let mut recorded = ContactLog::new();
    for t in [T, T + 100, T + 200] {
        recorded.record_shown("x", at(t));
    }
    recorded.record_dismissed("y", at(T + 3));
    recorded.record_dismissed("y", at(T + 7));
    assert_eq!(log, recorded);

    // The engine sees the latest showing as the last one.
    let engine = build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("x", "mail", &["browse"], 10.0).cooldown(Span::seconds(1000)),
            ActionSpec::new("y", "call", &["browse"], 5.0).max_dismissals(3),
        ]),
        1,
        1,
    ));
    let nobody = engine.record();
    assert_eq!(
        reasons(&engine, &nobody, &log, at(T + 1199), "x"),
        [Reason::Cooldown {
            last_shown: at(T + 200),
            until: at(T + 1200),
        }]
    );
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 1199)), ["y"]);
    assert_eq!(suggested(&engine, &nobody, &log, at(T + 1200)), ["x"]);

    assert!(serde_json::from_str::<ContactLog>(r#"{"x": {"seen": []}}"#).is_err());
    assert!(serde_json::from_str::<ContactLog>(r#"{"x": {"shown": ["1d"]}}"#).is_err());
}

/// How many showings the large contact-log tests record.
const MANY: i64 = 100_000;

/// The `"shown"` list of action `id` in the JSON form of `log`, as times.
fn serialized_showings(log: &ContactLog, id: &str) -> Vec<Timestamp> {
    let json = serde_json::to_value(log).unwrap();
    json[id]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| at(t.as_i64().unwrap()))
        .collect()
}

/// Records `MANY` showings of one action newest first (each before all the
/// ones recorded so far) and of another in a scrambled order with every
/// time shown twice: once a quadratic amount of work, now `O(n log n)`. The
/// answers must be those of the sorted showings.
#[test]
fn a_contact_log_takes_many_showings_in_any_order() {
    let engine = build(ruleset(vec![
        ActionSpec::new("newest_first", "mail", &["browse"], 1.0),
        ActionSpec::new("scrambled", "call", &["browse"], 1.0),
    ]));
    let newest_first = engine.find_action("newest_first").unwrap();
    let scrambled = engine.find_action("scrambled").unwrap();
    let mut log = ContactLog::new();

    // Showings at T, T + 10, ..., T + 10 * (MANY - 1), the latest first.
    for i in (0..MANY).rev() {
        log.record_shown("newest_first", at(T + 10 * i));
    }
    // 7919 is prime to MANY, so `i * 7919 % MANY` visits 0..MANY once each
    // in a scrambled order; halved, every time in 0..MANY / 2 comes twice.
    for i in 0..MANY {
        log.record_shown("scrambled", at(T + i * 7919 % MANY / 2));
    }

    let expected_newest_first: Vec<Timestamp> = (0..MANY).map(|i| at(T + 10 * i)).collect();
    let expected_scrambled: Vec<Timestamp> = (0..MANY).map(|i| at(T + i / 2)).collect();
    for (action, expected) in [
        (newest_first, &expected_newest_first),
        (scrambled, &expected_scrambled),
    ] {
        let id = action.id();
        assert_eq!(log.last_shown(action), expected.last().copied(), "{id}");
        assert_eq!(log.shown(id).collect::<Vec<_>>(), *expected, "{id}");
        assert_eq!(log.shown(id).next_back(), expected.last().copied(), "{id}");
        assert_eq!(serialized_showings(&log, id), *expected, "{id}");
        // Before, at and between the showings, and at and after the last.
        let first = expected[0];
        let last = *expected.last().unwrap();
        let middle = expected[expected.len() / 2];
        for after in [
            at(i64::MIN),
            first.before(Span::seconds(1)),
            first,
            first + Span::seconds(1),
            middle.before(Span::seconds(1)),
            middle,
            middle + Span::seconds(1),
            last.before(Span::seconds(1)),
            last,
            last + Span::days(1),
        ] {
            let later = expected.iter().filter(|&&t| t > after).count();
            assert_eq!(
                log.times_shown_after(action, after),
                u32::try_from(later).unwrap(),
                "{id} after {after}"
            );
        }
    }
    assert_eq!(log.times_shown_after(scrambled, at(T + MANY / 2 - 2)), 2);
    assert_eq!(log.times_shown_after(scrambled, at(T + MANY / 2 - 3)), 4);
    assert_eq!(
        log.times_shown_after(newest_first, at(T + 10 * MANY - 11)),
        1
    );

    // Read back from JSON with the showings newest first: the same log.
    let mut json = serde_json::to_value(&log).unwrap();
    for id in ["newest_first", "scrambled"] {
        json[id].as_array_mut().unwrap().reverse();
    }
    let read: ContactLog = serde_json::from_value(json).unwrap();
    assert_eq!(read, log);
    assert_eq!(serialized_showings(&read, "scrambled"), expected_scrambled);

    // Forgetting keeps the showings at and after the cut, duplicates too.
    let mut forgetful = log.clone();
    forgetful.forget_before(at(T + 1000));
    assert_eq!(
        forgetful.shown("newest_first").collect::<Vec<_>>(),
        expected_newest_first[100..]
    );
    assert_eq!(
        forgetful.shown("scrambled").collect::<Vec<_>>(),
        expected_scrambled[2000..]
    );
    assert_eq!(forgetful.last_shown(scrambled), log.last_shown(scrambled));
    assert_ne!(forgetful, log);
}

#[test]
fn an_explanation_serializes_and_reads_back() {
    let engine = build(with_arbitration(
        ruleset(vec![
            ActionSpec::new("x", "mail", &["browse"], 10.0).cooldown(Span::days(1)),
            ActionSpec::new("y", "call", &["browse"], 5.0)
                .propensity(0.5)
                .propensity_rule("a >= 1", 0.75),
            ActionSpec::new("z", "web", &["buy"], 1.0),
        ]),
        1,
        1,
    ));
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    let record = customer(&engine, &[("a", 3.0)]);
    let explanation = engine.explain(&record, &log, at(T + 10));
    let json = serde_json::to_value(&explanation).unwrap();
    assert_eq!(json["stage"], "browse");
    assert_eq!(
        json["actions"][0],
        serde_json::json!({
            "id": "x", "kind": "mail", "group": "mail", "priority": null,
            "outcome": {"not_suggested": {"reasons": [
                {"cooldown": {"last_shown": T, "until": T + 86_400}}
            ]}}
        })
    );
    assert_eq!(
        json["actions"][1],
        serde_json::json!({
            "id": "y", "kind": "call", "group": "call",
            "priority": {"priority": 3.75, "propensity": 0.75, "value": 5.0, "weight": 1.0,
                         "propensity_rule": "a >= 1"},
            "outcome": {"suggested": {"rank": 1}}
        })
    );
    assert_eq!(
        json["actions"][2]["outcome"],
        serde_json::json!({"not_suggested": {"reasons": [{"other_stage": {"stages": ["buy"]}}]}})
    );
    assert_eq!(
        json["tags"],
        serde_json::json!([
            {"id": "vip", "condition": "score >= 50", "held": false, "misses": [
                {"comparison": "score >= 50", "subject": "score", "value": "missing",
                 "needs": ">= 50"}
            ]},
            {"id": "fan", "condition": "a >= 3", "held": true},
            {"id": "risky", "condition": "score < 0", "held": false, "misses": [
                {"comparison": "score < 0", "subject": "score", "value": "missing",
                 "needs": "< 0"}
            ]}
        ])
    );
    let text = serde_json::to_string(&explanation).unwrap();
    let back: Explanation = serde_json::from_str(&text).unwrap();
    assert_eq!(back, explanation);

    // For people.
    let printed = explanation.to_string();
    assert!(
        printed.contains(&format!(
            "  x (mail): shown at @{T}, cooling down until @{}\n",
            T + 86_400
        )),
        "{printed}"
    );
    assert!(
        printed.contains(
            "  1. y (call): priority 3.75 = propensity 0.75 × value 5 × weight 1 \
             (propensity because a >= 1)\n"
        ),
        "{printed}"
    );
    assert!(printed.contains("  for other stages: z\n"), "{printed}");
}

#[test]
fn reasons_serialize_by_name() {
    let cases = [
        (Reason::ZeroPriority, serde_json::json!("zero_priority")),
        (
            Reason::Capped {
                shown: 2,
                times: 2,
                window: Span::days(7),
            },
            serde_json::json!({"capped": {"shown": 2, "times": 2, "window": "7d"}}),
        ),
        (
            Reason::Dismissed {
                dismissals: 3,
                max: 2,
            },
            serde_json::json!({"dismissed": {"dismissals": 3, "max": 2}}),
        ),
        (
            Reason::GroupFull {
                group: "mail".to_owned(),
                max_per_group: 1,
                by: Vec::new(),
            },
            serde_json::json!({"group_full": {"group": "mail", "max_per_group": 1}}),
        ),
        (
            Reason::Outranked {
                max_suggestions: 3,
                by: Vec::new(),
            },
            serde_json::json!({"outranked": {"max_suggestions": 3}}),
        ),
        (
            Reason::MissingTag {
                tag: "vip".to_owned(),
            },
            serde_json::json!({"missing_tag": {"tag": "vip"}}),
        ),
        (
            Reason::RegularActionsSuggested,
            serde_json::json!("regular_actions_suggested"),
        ),
    ];
    for (reason, json) in cases {
        assert_eq!(serde_json::to_value(&reason).unwrap(), json);
        assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), reason);
    }
    let cap = FrequencyCap::new(1, Span::hours(12));
    assert_eq!(
        serde_json::to_string(&cap).unwrap(),
        r#"{"times":1,"window":"12h"}"#
    );
}

//! Why not: `explain` names the comparisons that failed each rule, tag and
//! action condition and by how much, and what outranked each eligible
//! action that was not suggested; near misses agree with the interpreter.

use buyer_journey::condition::Duration;
use buyer_journey::{
    ActionSpec, Arbitration, CompareOp, Condition, ContactLog, Engine, Explanation, Expr, NearMiss,
    Observed, Outcome, Outranker, Reason, RulesetSpec, Schema, SignalRecord, SignalSpec,
    StageRuleSpec, StageSpec, TagSpec, TimeUnit, Timestamp,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::build;

// ---------------------------------------------------------------------------
// Every comparison form and combinator, through `explain`
// ---------------------------------------------------------------------------

fn shop_signals() -> Vec<SignalSpec> {
    vec![
        SignalSpec::count("reviews_read"),
        SignalSpec::count("cart_adds"),
        SignalSpec::count("checkout_starts"),
        SignalSpec::number("days_since_visit").unit(TimeUnit::Days),
        SignalSpec::number("satisfaction"),
        SignalSpec::category("device", ["desktop", "tablet", "mobile"]),
        SignalSpec::category("tier", ["bronze", "silver", "gold"]).ordered(),
        SignalSpec::flag("is_member"),
    ]
}

/// A shop whose tags are `conditions`, `t0`, `t1`, …, in that order.
fn shop(conditions: &[&str]) -> Engine {
    let mut spec = RulesetSpec::new(
        shop_signals(),
        vec![
            StageSpec::new("browse", "Browse", ""),
            StageSpec::new("buy", "Buy", ""),
        ],
    );
    spec.stage_rules = vec![StageRuleSpec::new("to_buy", "buy", "cart_adds >= 3")];
    spec.tags = conditions
        .iter()
        .enumerate()
        .map(|(i, condition)| TagSpec::new(&format!("t{i}"), *condition))
        .collect();
    build(spec)
}

/// The customer every case below reads.
fn shopper(engine: &Engine) -> SignalRecord {
    let mut record = engine.record();
    record.set("reviews_read", 2).unwrap();
    record.set("cart_adds", 1).unwrap();
    record.set("checkout_starts", 0).unwrap();
    record.set("days_since_visit", 3).unwrap();
    record.set("device", "mobile").unwrap();
    record.set("tier", "bronze").unwrap();
    record.set("is_member", false).unwrap();
    record
}

fn lines(misses: &[NearMiss]) -> Vec<String> {
    misses.iter().map(ToString::to_string).collect()
}

fn gaps(misses: &[NearMiss]) -> Vec<Option<f64>> {
    misses.iter().map(|miss| miss.gap).collect()
}

/// Condition, the near misses `explain` prints for the shopper, and their gaps.
type Case = (
    &'static str,
    &'static [&'static str],
    &'static [Option<f64>],
);

fn check_cases(cases: &[Case]) {
    let conditions: Vec<&str> = cases.iter().map(|case| case.0).collect();
    let engine = shop(&conditions);
    let explanation = engine.explain(&shopper(&engine), &ContactLog::new(), Timestamp::EPOCH);
    for (tag, (condition, want, want_gaps)) in explanation.tags.iter().zip(cases) {
        assert_eq!(tag.condition, *condition);
        assert_eq!(tag.held, want.is_empty(), "{condition}");
        assert_eq!(lines(&tag.misses), *want, "{condition}");
        assert_eq!(gaps(&tag.misses), *want_gaps, "{condition}");
    }
}

#[test]
fn every_comparison_form_says_what_failed_and_by_how_much() {
    check_cases(&[
        (
            "reviews_read >= 3",
            &["reviews_read is 2, needs >= 3"],
            &[Some(1.0)],
        ),
        ("reviews_read >= 1", &[], &[]),
        (
            "satisfaction >= 8",
            &["satisfaction is missing, needs >= 8"],
            &[None],
        ),
        (
            "3 <= reviews_read",
            &["reviews_read is 2, needs >= 3"],
            &[Some(1.0)],
        ),
        (
            "reviews_read < 1",
            &["reviews_read is 2, needs < 1"],
            &[Some(-1.0)],
        ),
        (
            "reviews_read == 5",
            &["reviews_read is 2, needs == 5"],
            &[Some(3.0)],
        ),
        (
            "reviews_read != 2",
            &["reviews_read is 2, needs != 2"],
            &[None],
        ),
        (
            "cart_adds + checkout_starts >= 2",
            &["cart_adds + checkout_starts is 1, needs >= 2"],
            &[Some(1.0)],
        ),
        (
            "reviews_read > cart_adds + 4",
            &["reviews_read is 2, needs > cart_adds + 4 (5)"],
            &[Some(3.0)],
        ),
        (
            "reviews_read in [5, 3]",
            &["reviews_read is 2, needs in [5, 3]"],
            &[Some(1.0)],
        ),
        (
            "reviews_read not in [1, 2]",
            &["reviews_read is 2, needs not in [1, 2]"],
            &[None],
        ),
        (
            "reviews_read between 3 and 5",
            &["reviews_read is 2, needs between 3 and 5"],
            &[Some(1.0)],
        ),
        (
            "reviews_read between 0 and 1",
            &["reviews_read is 2, needs between 0 and 1"],
            &[Some(-1.0)],
        ),
        (
            r#"device in ["desktop", "tablet"]"#,
            &["device is 'mobile', needs in ['desktop', 'tablet']"],
            &[None],
        ),
        (
            r#"device not in ["mobile"]"#,
            &["device is 'mobile', needs not in ['mobile']"],
            &[None],
        ),
        (
            r#"device != "mobile""#,
            &["device is 'mobile', needs != 'mobile'"],
            &[None],
        ),
        (
            r#"tier >= "silver""#,
            &["tier is 'bronze', needs >= 'silver'"],
            &[None],
        ),
        (
            r#"tier between "silver" and "gold""#,
            &["tier is 'bronze', needs between 'silver' and 'gold'"],
            &[None],
        ),
        ("is_member", &["is_member is false, needs == true"], &[None]),
        (
            "is_member != false",
            &["is_member is false, needs != false"],
            &[None],
        ),
        (
            "present(satisfaction)",
            &["satisfaction is missing, needs present"],
            &[None],
        ),
        (
            "missing(reviews_read)",
            &["reviews_read is 2, needs missing"],
            &[None],
        ),
        ("false", &["false is false, needs true"], &[None]),
    ]);
}

#[test]
fn durations_show_in_the_signals_unit() {
    let engine = shop(&[
        "days_since_visit < 2h",
        "days_since_visit between 1d and 2d",
    ]);
    let explanation = engine.explain(&shopper(&engine), &ContactLog::new(), Timestamp::EPOCH);
    let [within_hours, within_days] = &explanation.tags[..] else {
        panic!("two tags");
    };
    assert_eq!(
        lines(&within_hours.misses),
        ["days_since_visit is 3 days, needs < 2h"]
    );
    assert_eq!(within_hours.misses[0].unit, Some(TimeUnit::Days));
    assert_eq!(within_hours.misses[0].gap, Some(2.0 / 24.0 - 3.0));
    assert_eq!(
        lines(&within_days.misses),
        ["days_since_visit is 3 days, needs between 1d and 2d"]
    );
    assert_eq!(within_days.misses[0].gap, Some(-1.0));
}

#[test]
fn every_combinator_names_the_comparisons_to_change() {
    check_cases(&[
        // Under `all`, only the comparisons that failed.
        (
            "reviews_read >= 3 and cart_adds >= 1 and satisfaction >= 8",
            &[
                "reviews_read is 2, needs >= 3",
                "satisfaction is missing, needs >= 8",
            ],
            &[Some(1.0), None],
        ),
        // Under `any`, every one, the nearest first.
        (
            "reviews_read >= 10 or satisfaction >= 8 or cart_adds >= 2",
            &[
                "cart_adds is 1, needs >= 2",
                "reviews_read is 2, needs >= 10",
                "satisfaction is missing, needs >= 8",
            ],
            &[Some(1.0), Some(8.0), None],
        ),
        // `not` of something that held.
        (
            "not reviews_read >= 1",
            &["reviews_read is 2, needs not >= 1"],
            &[Some(-1.0)],
        ),
        (
            "not reviews_read between 1 and 5",
            &["reviews_read is 2, needs not between 1 and 5"],
            &[Some(-1.0)],
        ),
        (
            "not present(reviews_read)",
            &["reviews_read is 2, needs not present"],
            &[None],
        ),
        // `not all`: changing any one would do; `not any`: every one that held.
        (
            "not (reviews_read >= 1 and cart_adds >= 1)",
            &[
                "cart_adds is 1, needs not >= 1",
                "reviews_read is 2, needs not >= 1",
            ],
            &[Some(0.0), Some(-1.0)],
        ),
        (
            "not (reviews_read >= 1 or cart_adds >= 5 or is_member != true)",
            &[
                "reviews_read is 2, needs not >= 1",
                "is_member is false, needs not != true",
            ],
            &[Some(-1.0), None],
        ),
        // `at_least`: how many held, then those that failed, nearest first.
        (
            "at_least(2, is_member, reviews_read >= 3, cart_adds >= 1)",
            &[
                "at_least(2, is_member, reviews_read >= 3, cart_adds >= 1) is 1 of 3 holding, \
                 needs at least 2",
                "reviews_read is 2, needs >= 3",
                "is_member is false, needs == true",
            ],
            &[Some(1.0), Some(1.0), None],
        ),
        (
            "not at_least(1, reviews_read >= 1, cart_adds >= 5)",
            &[
                "at_least(1, reviews_read >= 1, cart_adds >= 5) is 1 of 2 holding, \
                 needs fewer than 1",
                "reviews_read is 2, needs not >= 1",
            ],
            &[Some(0.0), Some(-1.0)],
        ),
        // Nesting keeps going down to the comparisons.
        (
            "cart_adds >= 1 and (reviews_read >= 4 or not device == \"mobile\")",
            &[
                "reviews_read is 2, needs >= 4",
                "device is 'mobile', needs not == 'mobile'",
            ],
            &[Some(2.0), None],
        ),
        ("any()", &["any() is false, needs true"], &[None]),
        ("not all()", &["all() is true, needs false"], &[None]),
    ]);
}

#[test]
fn rules_and_action_conditions_carry_their_misses() {
    let mut spec = RulesetSpec::new(
        shop_signals(),
        vec![
            StageSpec::new("browse", "Browse", ""),
            StageSpec::new("buy", "Buy", ""),
        ],
    );
    spec.stage_rules = vec![
        StageRuleSpec::new("to_buy", "buy", "cart_adds >= 3"),
        StageRuleSpec::new("browsing", "browse", "reviews_read >= 1"),
    ];
    spec.actions = vec![
        ActionSpec::new("review_mail", "mail", &["browse"], 10.0).when("reviews_read >= 5"),
        ActionSpec::new("tour", "call", &["browse"], 10.0),
    ];
    let engine = build(spec);
    let explanation = engine.explain(&shopper(&engine), &ContactLog::new(), Timestamp::EPOCH);
    let [to_buy, browsing] = &explanation.rules[..] else {
        panic!("two rules");
    };
    assert!(!to_buy.held && browsing.held);
    assert_eq!(lines(&to_buy.misses), ["cart_adds is 1, needs >= 3"]);
    assert!(browsing.misses.is_empty());

    let mail = find(&explanation, "review_mail");
    let Outcome::NotSuggested { reasons } = &mail.outcome else {
        panic!("the mail was suggested");
    };
    let [Reason::ConditionFalse { condition, misses }] = &reasons[..] else {
        panic!("{reasons:?}");
    };
    assert_eq!(condition, "reviews_read >= 5");
    assert_eq!(lines(misses), ["reviews_read is 2, needs >= 5"]);
    assert_eq!(misses[0].gap, Some(3.0));

    let printed = explanation.to_string();
    for line in [
        "rules that did not hold:\n  to_buy → buy: cart_adds is 1, needs >= 3\n",
        "  review_mail (mail): reviews_read >= 5 does not hold \
         (reviews_read is 2, needs >= 5)\n",
    ] {
        assert!(printed.contains(line), "{line:?} in:\n{printed}");
    }
}

#[test]
fn misses_read_back_from_json_and_old_json_reads_without_them() {
    let engine = shop(&[
        "reviews_read >= 3 or not is_member != true",
        "reviews_read >= 1",
    ]);
    let explanation = engine.explain(&shopper(&engine), &ContactLog::new(), Timestamp::EPOCH);
    let json = serde_json::to_value(&explanation).unwrap();
    assert_eq!(
        json["tags"][0]["misses"],
        serde_json::json!([
            {"comparison": "reviews_read >= 3", "subject": "reviews_read",
             "value": {"number": 2.0}, "needs": ">= 3", "gap": 1.0},
            {"comparison": "is_member != true", "subject": "is_member",
             "value": {"flag": false}, "needs": "not != true", "negated": true}
        ])
    );
    // A tag that held writes no misses, as before.
    assert_eq!(
        json["tags"][1],
        serde_json::json!({"id": "t1", "condition": "reviews_read >= 1", "held": true})
    );
    let back: Explanation = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, explanation);

    let mut old = json;
    old["tags"][0].as_object_mut().unwrap().remove("misses");
    let old: Explanation = serde_json::from_value(old).unwrap();
    assert!(old.tags[0].misses.is_empty());
    assert!(old
        .to_string()
        .contains("  not t0: reviews_read >= 3 or not is_member != true does not hold\n"));
}

// ---------------------------------------------------------------------------
// Outranked: by whom, by which factor
// ---------------------------------------------------------------------------

fn find<'a>(explanation: &'a Explanation, id: &str) -> &'a buyer_journey::ActionTrace {
    explanation
        .actions
        .iter()
        .find(|action| action.id == id)
        .unwrap_or_else(|| panic!("{id} is in the catalog"))
}

/// Actions of the stage `browse` with these ids, groups and values (the
/// propensity is 1, so the value is the priority), under `arbitration`.
fn arbitrated(actions: &[(&str, &str, f64)], arbitration: Arbitration) -> Engine {
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::count("visits")],
        vec![StageSpec::new("browse", "Browse", "")],
    );
    spec.actions = actions
        .iter()
        .map(|&(id, group, value)| ActionSpec::new(id, group, &["browse"], value).propensity(1.0))
        .collect();
    spec.arbitration = arbitration;
    build(spec)
}

fn outrankers(by: &[Outranker]) -> Vec<(&str, f64, Option<f64>)> {
    by.iter()
        .map(|winner| (winner.id.as_str(), winner.priority, winner.factor))
        .collect()
}

#[test]
fn an_outranked_action_names_the_suggestions_above_it_and_the_factor() {
    let engine = arbitrated(
        &[
            ("guide", "content", 12.0),
            ("demo", "call", 40.0),
            ("chart", "content", 30.0),
        ],
        Arbitration::new(2, 2),
    );
    let explanation = engine.explain(&engine.record(), &ContactLog::new(), Timestamp::EPOCH);
    let guide = find(&explanation, "guide");
    let Outcome::NotSuggested { reasons } = &guide.outcome else {
        panic!("the guide was suggested");
    };
    let [Reason::Outranked {
        max_suggestions: 2,
        by,
    }] = &reasons[..]
    else {
        panic!("{reasons:?}");
    };
    assert_eq!(
        outrankers(by),
        [
            ("demo", 40.0, Some(40.0 / 12.0)),
            ("chart", 30.0, Some(30.0 / 12.0))
        ]
    );
    assert!(
        explanation.to_string().contains(
            "  guide (content): outranked: the 2 suggestions went to actions ranked higher: \
             demo (priority 40, 3.3× this one), chart (priority 30, 2.5× this one) \
             (priority 12 = "
        ),
        "{explanation}"
    );
}

#[test]
fn a_full_group_names_the_action_of_its_group_that_took_the_place() {
    let engine = arbitrated(
        &[
            ("m1", "mail", 10.0),
            ("call", "phone", 50.0),
            ("m2", "mail", 4.0),
        ],
        Arbitration::new(3, 1),
    );
    let explanation = engine.explain(&engine.record(), &ContactLog::new(), Timestamp::EPOCH);
    let Outcome::NotSuggested { reasons } = &find(&explanation, "m2").outcome else {
        panic!("m2 was suggested");
    };
    let [Reason::GroupFull { group, by, .. }] = &reasons[..] else {
        panic!("{reasons:?}");
    };
    assert_eq!(group, "mail");
    assert_eq!(outrankers(by), [("m1", 10.0, Some(2.5))]);
    assert_eq!(
        reasons[0].to_string(),
        "group mail already has 1 suggested: m1 (priority 10, 2.5× this one)"
    );
}

/// Priorities (with ties), groups and arbitrations vary: for every action
/// not suggested for lack of room, the actions named are exactly the
/// suggested ones (of its group, when its group was full), best first,
/// each at least as high, with the exact quotient of priorities.
fn outrankers_are_the_suggestions_above(
    actions: &[(u8, u8)],
    max_suggestions: usize,
    max_per_group: usize,
) -> Result<(), TestCaseError> {
    let specs: Vec<(String, String, f64)> = actions
        .iter()
        .enumerate()
        .map(|(i, &(value, group))| (format!("a{i}"), format!("g{group}"), f64::from(value) + 1.0))
        .collect();
    let borrowed: Vec<(&str, &str, f64)> = specs
        .iter()
        .map(|(id, group, value)| (id.as_str(), group.as_str(), *value))
        .collect();
    let engine = arbitrated(&borrowed, Arbitration::new(max_suggestions, max_per_group));
    let explanation = engine.explain(&engine.record(), &ContactLog::new(), Timestamp::EPOCH);
    let suggested: Vec<&buyer_journey::ActionTrace> = explanation.suggested().collect();
    let priority = |trace: &buyer_journey::ActionTrace| trace.priority.as_ref().unwrap().priority;
    for trace in &explanation.actions {
        let Outcome::NotSuggested { reasons } = &trace.outcome else {
            continue;
        };
        let (by, group) = match &reasons[..] {
            [Reason::Outranked { by, .. }] => (by, None),
            [Reason::GroupFull { by, group, .. }] => (by, Some(group)),
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        let expected: Vec<(&str, f64, Option<f64>)> = suggested
            .iter()
            .filter(|winner| group.is_none_or(|group| &winner.group == group))
            .map(|winner| {
                let p = priority(winner);
                (winner.id.as_str(), p, Some(p / priority(trace)))
            })
            .collect();
        prop_assert_eq!(outrankers(by), expected, "{}", trace.id);
        for winner in by {
            prop_assert!(winner.priority >= priority(trace));
        }
        if group.is_some() {
            prop_assert_eq!(by.len(), max_per_group);
        } else {
            prop_assert_eq!(by.len(), max_suggestions);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn outrankers_are_exactly_the_suggestions_above(
        actions in proptest::collection::vec((0u8..6, 0u8..3), 1..8),
        max_suggestions in 1usize..4,
        max_per_group in 1usize..3,
    ) {
        outrankers_are_the_suggestions_above(&actions, max_suggestions, max_per_group)?;
    }
}

// ---------------------------------------------------------------------------
// Near misses against the interpreter
// ---------------------------------------------------------------------------

const NUMBERS: [&str; 3] = ["a", "b", "hours"];
const LABELS: [&str; 3] = ["x", "y z", "w"];
const TIERS: [&str; 3] = ["bronze", "silver", "gold"];

fn schema() -> Schema {
    Schema::new(&[
        SignalSpec::count("a"),
        SignalSpec::count("b"),
        SignalSpec::number("hours").unit(TimeUnit::Hours),
        SignalSpec::flag("f"),
        SignalSpec::category("c", LABELS),
        SignalSpec::category("tier", TIERS).ordered(),
    ])
    .unwrap()
}

fn constant() -> impl Strategy<Value = f64> {
    proptest::sample::select(vec![-2.0, 0.0, 0.5, 1.0, 2.0, 3.0, 1.0 / 3.0, 1e300])
}

fn num_expr() -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![
        2 => proptest::sample::select(NUMBERS.to_vec()).prop_map(|s| Expr::Signal(s.into())),
        1 => constant().prop_map(Expr::Number),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        (
            proptest::sample::select(vec![
                buyer_journey::ArithOp::Add,
                buyer_journey::ArithOp::Sub,
                buyer_journey::ArithOp::Mul,
                buyer_journey::ArithOp::Div,
            ]),
            inner.clone(),
            inner,
        )
            .prop_map(|(op, left, right)| Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            })
    })
    .boxed()
}

fn op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(vec![
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Eq,
        CompareOp::Ne,
    ])
}

fn equality() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(vec![CompareOp::Eq, CompareOp::Ne])
}

fn duration() -> impl Strategy<Value = Expr> {
    proptest::sample::select(vec!["0s", "20m", "1h", "2h", "1d"])
        .prop_map(|text| Expr::Duration(text.parse::<Duration>().unwrap()))
}

fn text(labels: &'static [&'static str]) -> impl Strategy<Value = Expr> {
    proptest::sample::select(labels.to_vec()).prop_map(|label| Expr::Text(label.into()))
}

fn signal(name: &str) -> Expr {
    Expr::Signal(name.into())
}

/// One comparison of each form, well typed for [`schema`].
fn atom() -> BoxedStrategy<Condition> {
    let numbers = || proptest::collection::vec(constant().prop_map(Expr::Number), 0..4);
    let labels = || proptest::collection::vec(text(&LABELS), 0..3);
    prop_oneof![
        4 => (num_expr(), op(), num_expr())
            .prop_map(|(left, op, right)| Condition::Compare { left, op, right }),
        1 => (num_expr(), numbers(), any::<bool>()).prop_map(|(value, list, not)| {
            if not { Condition::NotIn { value, list } } else { Condition::In { value, list } }
        }),
        1 => (num_expr(), num_expr(), num_expr())
            .prop_map(|(value, low, high)| Condition::Between { value, low, high }),
        1 => (op(), duration(), any::<bool>()).prop_map(|(op, duration, flipped)| {
            let (left, right) = if flipped { (duration, signal("hours")) } else { (signal("hours"), duration) };
            Condition::Compare { left, op, right }
        }),
        1 => (duration(), duration()).prop_map(|(low, high)| Condition::Between {
            value: signal("hours"), low, high,
        }),
        1 => (equality(), any::<bool>())
            .prop_map(|(op, b)| Condition::Compare { left: signal("f"), op, right: Expr::Bool(b) }),
        1 => (equality(), text(&LABELS))
            .prop_map(|(op, label)| Condition::Compare { left: signal("c"), op, right: label }),
        1 => (labels(), any::<bool>()).prop_map(|(list, not)| {
            let value = signal("c");
            if not { Condition::NotIn { value, list } } else { Condition::In { value, list } }
        }),
        1 => (op(), text(&TIERS))
            .prop_map(|(op, label)| Condition::Compare { left: signal("tier"), op, right: label }),
        1 => proptest::sample::select(vec!["a", "hours", "f", "c"]).prop_flat_map(|name| {
            prop_oneof![
                Just(Condition::Present(name.into())),
                Just(Condition::Missing(name.into())),
            ]
        }),
        1 => any::<bool>().prop_map(Condition::Bool),
    ]
    .boxed()
}

fn condition() -> BoxedStrategy<Condition> {
    atom()
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                1 => inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
                1 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
                1 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
                1 => proptest::collection::vec(inner, 0..4)
                    .prop_flat_map(|of| (0..=of.len(), Just(of)))
                    .prop_map(|(k, of)| Condition::AtLeast { k, of }),
            ]
        })
        .boxed()
}

/// Each signal missing or a value of its kind, from the constants the
/// conditions use so that equalities and bounds hit.
fn customer() -> impl Strategy<Value = SignalRecord> {
    let count = proptest::option::weighted(0.8, 0u32..4);
    let hours = proptest::option::weighted(0.8, constant());
    let flag = proptest::option::weighted(0.8, any::<bool>());
    let label = |labels: &'static [&'static str]| {
        proptest::option::weighted(0.8, proptest::sample::select(labels.to_vec()))
    };
    (
        count.clone(),
        count,
        hours,
        flag,
        label(&LABELS),
        label(&TIERS),
    )
        .prop_map(|(a, b, hours, f, c, tier)| {
            let mut record = schema().record();
            if let Some(a) = a {
                record.set("a", a).unwrap();
            }
            if let Some(b) = b {
                record.set("b", b).unwrap();
            }
            if let Some(hours) = hours {
                record.set("hours", hours).unwrap();
            }
            if let Some(f) = f {
                record.set("f", f).unwrap();
            }
            if let Some(c) = c {
                record.set("c", c).unwrap();
            }
            if let Some(tier) = tier {
                record.set("tier", tier).unwrap();
            }
            record
        })
}

fn holds(schema: &Schema, record: &SignalRecord, condition: &Condition) -> bool {
    condition.evaluate(schema, record).unwrap()
}

/// Whether `expr` is `x`, up to a rounding error of numbers as large as
/// `scale`.
fn is_about(
    schema: &Schema,
    record: &SignalRecord,
    expr: &Expr,
    (x, scale): (f64, f64),
    unit: Option<TimeUnit>,
) -> bool {
    let tolerance = 1e-12 * scale.abs().max(x.abs()).max(1.0);
    match expr {
        Expr::Number(n) => (n - x).abs() <= tolerance,
        Expr::Duration(d) => unit.is_some_and(|unit| (unit.of(d.span()) - x).abs() <= tolerance),
        Expr::Signal(_) | Expr::Binary { .. } => holds(
            schema,
            record,
            &Condition::Between {
                value: expr.clone(),
                low: Expr::Number(x - tolerance),
                high: Expr::Number(x + tolerance),
            },
        ),
        _ => false,
    }
}

/// The operands of a comparison: what it tests and what it tests against.
fn operands(condition: &Condition) -> Vec<&Expr> {
    match condition {
        Condition::Compare { left, right, .. } => vec![left, right],
        Condition::In { value, list } | Condition::NotIn { value, list } => {
            std::iter::once(value).chain(list).collect()
        }
        Condition::Between { value, low, high } => vec![value, low, high],
        _ => Vec::new(),
    }
}

fn misses_agree(condition: &Condition, record: &SignalRecord) -> Result<(), TestCaseError> {
    let schema = schema();
    let misses = condition.near_misses(&schema, record).unwrap();
    let held = holds(&schema, record, condition);
    prop_assert_eq!(held, misses.is_empty(), "{} gives {:?}", condition, misses);
    for miss in &misses {
        let named = Condition::parse(&miss.comparison).unwrap();
        prop_assert_eq!(
            holds(&schema, record, &named),
            miss.negated,
            "{} names {}",
            condition,
            miss.comparison
        );
        let operands = operands(&named);
        let at = operands.iter().position(|e| e.to_string() == miss.subject);
        // The subject is one of the operands, with the value the miss shows.
        if let Some(subject) = at.map(|at| operands[at]) {
            let value_is_right = match &miss.value {
                Observed::Number(v) => is_about(&schema, record, subject, (*v, *v), None),
                Observed::Missing => match subject {
                    Expr::Signal(name) => holds(&schema, record, &Condition::Missing(name.clone())),
                    // Missing arithmetic does not even equal itself.
                    _ => !holds(
                        &schema,
                        record,
                        &Condition::Compare {
                            left: (*subject).clone(),
                            op: CompareOp::Eq,
                            right: (*subject).clone(),
                        },
                    ),
                },
                Observed::Flag(b) => holds(
                    &schema,
                    record,
                    &Condition::Compare {
                        left: (*subject).clone(),
                        op: CompareOp::Eq,
                        right: Expr::Bool(*b),
                    },
                ),
                Observed::Label(label) => holds(
                    &schema,
                    record,
                    &Condition::Compare {
                        left: (*subject).clone(),
                        op: CompareOp::Eq,
                        right: Expr::Text(label.clone()),
                    },
                ),
                _ => false,
            };
            prop_assert!(value_is_right, "{}: {:?}", miss.comparison, miss.value);
        } else {
            prop_assert!(
                matches!(
                    named,
                    Condition::Present(_)
                        | Condition::Missing(_)
                        | Condition::Bool(_)
                        | Condition::Any(_)
                        | Condition::All(_)
                        | Condition::AtLeast { .. }
                ),
                "{}: no operand is {}",
                miss.comparison,
                miss.subject
            );
        }
        // Gaps are exact: the value plus the gap is the threshold.
        let Some(gap) = miss.gap else { continue };
        match (&miss.value, &named) {
            (Observed::Held { held, .. }, Condition::AtLeast { k, .. }) => {
                let count = |n: usize| f64::from(u32::try_from(n).unwrap());
                prop_assert_eq!(count(*held) + gap, count(*k));
            }
            (Observed::Number(v), _) => {
                // `v + gap` rounds at the scale of the larger of the two.
                let threshold = (v + gap, v.abs().max(gap.abs()));
                prop_assert!(
                    operands
                        .iter()
                        .enumerate()
                        .filter(|&(i, _)| Some(i) != at)
                        .any(|(_, e)| is_about(&schema, record, e, threshold, miss.unit)),
                    "{}: {} + {} is no threshold",
                    miss.comparison,
                    v,
                    gap
                );
            }
            other => return Err(TestCaseError::fail(format!("a gap on {other:?}"))),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn near_misses_agree_with_the_interpreter(condition in condition(), record in customer()) {
        misses_agree(&condition, &record)?;
    }
}

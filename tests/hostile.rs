//! Regression tests for what a hostile-input probe of the public API found:
//! unbounded ids and quadratic suggestions, pairwise tag checks, records not
//! equal to themselves, inconsistent contact limits, conditions that checked
//! under raised limits but could not be evaluated, and type errors pointing
//! at the wrong occurrence of a name. Each input is far past the bound; the
//! time ones take seconds or more on the old code and are bounded here by
//! input size (the work left is linear), never by a clock.

use buyer_journey::{
    models, ActionSpec, Condition, Engine, ErrorKind, Limits, RulesetSpec, SignalSpec,
    StageRuleSpec, StageSpec, TagSpec, Value,
};

/// A ruleset of `stages` with one count signal and a rule for `target`.
fn staged(stages: Vec<StageSpec>, target: &str) -> RulesetSpec {
    let mut spec = RulesetSpec::new(vec![SignalSpec::count("visits")], stages);
    spec.stage_rules
        .push(StageRuleSpec::new("rule", target, "visits >= 1"));
    spec
}

fn long(c: char, len: usize) -> String {
    std::iter::repeat_n(c, len).collect()
}

#[test]
fn long_stage_ids_are_a_limit_error() {
    let stages: Vec<StageSpec> = (0..64)
        .map(|i| StageSpec::new(&format!("s{i}{}", long('x', 10_000)), "Stage", ""))
        .collect();
    let err = Engine::builder(staged(stages, "unknown"))
        .build()
        .unwrap_err();
    assert!(err.is_limit(), "{err}");
    assert_eq!(
        err.to_string(),
        "stages[0].id: the length of the id in bytes is 10002, over the limit of 128 (see \
         `Limits::max_id_len`)"
    );
}

#[test]
fn an_unknown_long_id_gets_no_suggestion_work() {
    // With the bound raised, the 64 long ids are accepted; a rule naming an
    // unknown one as long is reported without comparing it to each.
    let limits = Limits::default().max_id_len(usize::MAX);
    let stages: Vec<StageSpec> = (0..64)
        .map(|i| StageSpec::new(&format!("s{i:02}{}", long('x', 10_000)), "Stage", ""))
        .collect();
    let unknown = format!("s99{}", long('x', 10_000));
    let err = Engine::builder(staged(stages, &unknown))
        .limits(limits)
        .build()
        .unwrap_err();
    let ErrorKind::Unknown {
        what, suggestion, ..
    } = err.kind()
    else {
        panic!("{err}")
    };
    assert_eq!((*what, suggestion), ("stage", &None));
}

#[test]
fn long_signal_ids_and_labels_are_limit_errors() {
    let signals: Vec<SignalSpec> = (0..16)
        .map(|i| SignalSpec::count(&format!("s{i}{}", long('x', 100_000))))
        .collect();
    let err = Engine::builder(RulesetSpec::new(
        signals,
        vec![StageSpec::new("only", "Only", "")],
    ))
    .build()
    .unwrap_err();
    assert!(err.is_limit(), "{err}");
    assert_eq!(err.location().unwrap().path(), "signals[0].id");

    let labels: Vec<String> = (0..1_024)
        .map(|i| format!("{i}{}", long('l', 4_000)))
        .collect();
    let err = Engine::builder(RulesetSpec::new(
        vec![SignalSpec::category("plan", labels)],
        vec![StageSpec::new("only", "Only", "")],
    ))
    .build()
    .unwrap_err();
    assert!(err.is_limit(), "{err}");
    assert_eq!(err.location().unwrap().path(), "signals[0].labels[0]");
}

#[test]
fn unknown_long_labels_and_signals_in_conditions_get_no_suggestion_work() {
    let limits = Limits::default().max_id_len(usize::MAX);
    let labels: Vec<String> = (0..1_024)
        .map(|i| format!("{i}{}", long('l', 4_000)))
        .collect();
    let mut spec = RulesetSpec::new(
        vec![
            SignalSpec::category("plan", labels),
            SignalSpec::count(&long('s', 100_000)),
        ],
        vec![StageSpec::new("only", "Only", "")],
    );
    let text = format!("plan == \"x{}\"", long('l', 4_000));
    assert!(Condition::parse(&text).unwrap_err().is_limit());
    let unknown_label = Condition::parse_with(&text, &limits).expect("a long label parses");
    spec.stage_rules
        .push(StageRuleSpec::new("label", "only", unknown_label));
    let err = Engine::builder(spec.clone())
        .limits(limits)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::UnknownLabel {
                suggestion: None,
                ..
            }
        ),
        "{err:?}"
    );

    spec.stage_rules[0].when = Condition::Present(long('t', 100_000)).into();
    let err = Engine::builder(spec).limits(limits).build().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Unknown {
                what: "signal",
                suggestion: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn setting_an_unknown_huge_id_gets_no_suggestion_work() {
    let schema = models::buying_process().schema().unwrap();
    let mut record = schema.record();
    let huge = long('c', 1_000_000);
    let err = record.set(&huge, 1).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Unknown {
                suggestion: None,
                ..
            }
        ),
        "{err:?}"
    );
    // A typo still gets its suggestion.
    let err = record.set("cart_add", 1).unwrap_err();
    assert!(err.to_string().ends_with("did you mean 'cart_adds'?"));
}

/// The built-in model with 1,000 tags and an action that requires and
/// excludes 100,000 tag ids each (every tag 100 times).
fn tag_lists(required: impl Fn(usize) -> usize, excluded: impl Fn(usize) -> usize) -> RulesetSpec {
    let mut spec = models::buying_process();
    spec.tags = (0..1_000)
        .map(|i| TagSpec::new(&format!("t{i}"), "purchases >= 1"))
        .collect();
    spec.actions = vec![ActionSpec::new("a", "k", &["evaluation"], 1.0)];
    spec.actions[0].requires_tags = (0..100_000).map(|i| format!("t{}", required(i))).collect();
    spec.actions[0].excludes_tags = (0..100_000).map(|i| format!("t{}", excluded(i))).collect();
    // Its scenarios name the tags and actions replaced here.
    spec.scenarios.clear();
    spec
}

#[test]
fn long_required_and_excluded_tag_lists_are_checked_in_linear_work() {
    // Disjoint: tags 0..500 required, 500..1000 excluded.
    let engine = Engine::builder(tag_lists(|i| i % 500, |i| 500 + i % 500))
        .build()
        .expect("disjoint lists are valid");
    let action = engine.find_action("a").unwrap();
    assert_eq!(action.requires().len(), 500);
    assert_eq!(action.excludes().len(), 500);

    // Overlapping at the very end: the first required tag that is also
    // excluded, in the order the ruleset lists them.
    let err = Engine::builder(tag_lists(
        |i| i % 500,
        |i| if i == 99_999 { 7 } else { 500 + i % 500 },
    ))
    .build()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "actions[0].excludes_tags: action 'a' both requires and excludes tag 't7', so it can \
         never be suggested"
    );
}

#[test]
fn an_unknown_tag_gets_a_suggestion() {
    let mut spec = models::buying_process();
    spec.actions[0].requires_tags = vec!["loyl".into()];
    let err = Engine::builder(spec.clone()).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "actions[0].requires_tags[0]: unknown tag 'loyl', did you mean 'loyal'?"
    );
    spec.actions[0].requires_tags.clear();
    spec.actions[0].excludes_tags = vec!["complainig".into()];
    let err = Engine::builder(spec).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "actions[0].excludes_tags[0]: unknown tag 'complainig', did you mean 'complaining'?"
    );
}

#[test]
fn a_record_with_missing_signals_equals_itself() {
    let schema = models::buying_process().schema().unwrap();
    let mut record = schema.record();
    assert_eq!(record, record.clone());
    record.set("cart_adds", 2).unwrap();
    assert_eq!(record, record.clone());
    let mut other = record.clone();
    other.unset("cart_adds").unwrap();
    assert_ne!(record, other);
    other.set("cart_adds", 2).unwrap();
    assert_eq!(record, other);
    // An equal schema built separately makes equal records.
    let twin = models::buying_process().schema().unwrap().record();
    assert_eq!(schema.record(), twin);
    assert_eq!(record.get("cart_adds"), Some(Value::Number(2.0)));
}

#[test]
fn a_contact_limit_of_zero_is_an_error_for_dismissals_as_for_caps() {
    let mut spec = models::buying_process();
    spec.actions[0] = spec.actions[0].clone().max_dismissals(0);
    let err = Engine::builder(spec.clone()).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "actions[0].contact.max_dismissals: a limit of 0 dismissals means action '{}' is \
             never shown: remove the action or give it weight 0",
            spec.actions[0].id
        )
    );
    spec.actions[0] = spec.actions[0]
        .clone()
        .max_dismissals(1)
        .cap(0, buyer_journey::Span::days(1));
    let err = Engine::builder(spec.clone()).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "actions[0].contact.cap.times: a cap of 0 times means action '{}' is never shown: \
             remove the action or give it weight 0",
            spec.actions[0].id
        )
    );
}

#[test]
fn a_condition_parsed_under_raised_limits_evaluates_under_them() {
    let schema = models::buying_process().schema().unwrap();
    let mut customer = schema.record();
    customer.set("cart_adds", 1).unwrap();
    let limits = Limits::default().max_depth(200).max_condition_size(5_000);
    let text = format!("{}cart_adds >= 1", "not ".repeat(150));
    let condition = Condition::parse_with(&text, &limits).unwrap();
    assert!(condition
        .evaluate(&schema, &customer)
        .unwrap_err()
        .is_limit());
    assert!(condition
        .evaluate_with(&schema, &customer, &limits)
        .unwrap());
}

#[test]
fn a_type_error_points_at_the_occurrence_it_is_about() {
    let mut spec = models::buying_process();
    spec.stage_rules[0].when = r#"reviews_read >= 1 or reviews_read == "many""#.into();
    let err = Engine::builder(spec.clone()).build().unwrap_err();
    assert_eq!(err.location().unwrap().column(), Some(22), "{err}");
    assert_eq!(
        err.to_string(),
        "stage_rules[0].when, column 22: cannot compare a number with text in 'reviews_read == \
         \"many\"': text is compared only with category signals"
    );
    // An unknown label points at the label, not at an earlier equal text.
    spec.signals
        .push(SignalSpec::category("plan", ["free", "pro"]));
    spec.stage_rules[0].when = r#"plan == "free" or plan == "fre""#.into();
    let err = Engine::builder(spec.clone()).build().unwrap_err();
    assert_eq!(err.location().unwrap().column(), Some(27), "{err}");
    // An unknown signal in the second of two calls.
    spec.stage_rules[0].when = "present(plan) and missing(plam)".into();
    let err = Engine::builder(spec).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "stage_rules[0].when, column 27: unknown signal 'plam', did you mean 'plan'?"
    );
}

#[test]
fn errors_quote_long_input_in_part() {
    let engine = crate::support::built_in();
    let id = long('x', 100_000);
    let err = engine.record().set(&id, 1.0).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unknown { id: whole, .. } if *whole == id));
    let message = err.to_string();
    assert!(message.len() < 200, "{message}");
    assert!(message.contains("... (100000 bytes)"), "{message}");

    let err = Condition::parse(&format!("1{} >= 1", long('.', 1_000))).unwrap_err();
    assert!(err.to_string().len() < 200, "{err}");
}

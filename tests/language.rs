//! The additions to the condition language: `not in`, durations compared
//! with signals that have a unit of time, ordered categories, and the
//! message for calls of functions the language does not have. Each in the
//! text and the structured form, printed back, checked with located errors,
//! and evaluated alike by the interpreter and the compiled engine.

use crate::support::build_fails;
use buyer_journey::condition::Duration;
use buyer_journey::{
    models, Condition, Engine, Expr, RulesetSpec, Schema, SignalRecord, SignalSpec, Span,
    StageRuleSpec, StageSpec, TimeUnit, When,
};

/// One signal of each kind, a number in hours, a count in days, and an
/// ordered category.
fn signals() -> Vec<SignalSpec> {
    vec![
        SignalSpec::count("visits"),
        SignalSpec::number("spend"),
        SignalSpec::flag("is_member"),
        SignalSpec::category("plan", ["free", "pro", "team"]),
        SignalSpec::number("hours_idle").unit(TimeUnit::Hours),
        SignalSpec::count("days_open").unit(TimeUnit::Days),
        SignalSpec::category("size", ["small", "medium", "large"]).ordered(),
    ]
}

fn schema() -> Schema {
    Schema::new(&signals()).unwrap()
}

/// A ruleset over [`signals`] with one stage rule per condition.
fn spec(conditions: &[&str]) -> RulesetSpec {
    let mut spec = RulesetSpec::new(
        signals(),
        vec![
            StageSpec::new("first", "first", ""),
            StageSpec::new("second", "second", ""),
        ],
    );
    spec.stage_rules = conditions
        .iter()
        .enumerate()
        .map(|(i, &when)| StageRuleSpec::new(&format!("rule.{i}"), "second", when))
        .collect();
    spec
}

fn holds(text: &str, customer: &SignalRecord) -> bool {
    Condition::parse(text)
        .unwrap()
        .evaluate(&schema(), customer)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// The error of a ruleset whose only rule is `text`.
fn rule_fails(text: &str) -> String {
    build_fails(spec(&[text])).to_string()
}

// ---------------------------------------------------------------------------
// Printing and parsing back
// ---------------------------------------------------------------------------

#[test]
fn the_new_forms_print_as_written_and_parse_back() {
    let texts = [
        "plan not in [\"free\", \"pro\"]",
        "visits not in [1, 2]",
        "visits + spend not in []",
        "is_member not in [true]",
        "not plan not in [\"free\"]",
        "hours_idle < 2h",
        "days_open >= 7d",
        "hours_idle == 90s",
        "hours_idle between 20m and 1d12h",
        "hours_idle in [90s, 1h, 3]",
        "2h > hours_idle",
        "hours_idle >= 0s and days_open <= 48h",
        "size >= \"medium\"",
        "\"large\" > size",
        "size between \"small\" and \"medium\"",
    ];
    for text in texts {
        let condition = Condition::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(condition.to_string(), text);
        assert_eq!(Condition::parse(&condition.to_string()).unwrap(), condition);
        condition
            .check(&schema())
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let json = serde_json::to_string(&condition).unwrap();
        let back: Condition = serde_json::from_str(&json).unwrap();
        assert_eq!(back, condition, "{json}");
    }
}

#[test]
fn the_structured_forms_are_not_in_and_duration() {
    let not_in: Condition = serde_json::from_str(
        r#"{"not_in": {"value": {"signal": "plan"}, "list": [{"text": "free"}, {"text": "pro"}]}}"#,
    )
    .unwrap();
    assert_eq!(
        not_in,
        Condition::parse(r#"plan not in ["free", "pro"]"#).unwrap()
    );

    let duration: Condition = serde_json::from_str(
        r#"{"compare": {"left": {"signal": "hours_idle"}, "op": "<", "right": {"duration": "1d12h"}}}"#,
    )
    .unwrap();
    assert_eq!(duration.to_string(), "hours_idle < 1d12h");
    assert_eq!(
        serde_json::to_string(&duration).unwrap(),
        r#"{"compare":{"left":{"signal":"hours_idle"},"op":"<","right":{"duration":"1d12h"}}}"#
    );

    let err = serde_json::from_str::<Condition>(r#"{"duration": "2 weeks"}"#).unwrap_err();
    assert!(
        err.to_string().starts_with("unknown variant `duration`"),
        "a duration is a value, not a condition: {err}"
    );
    let err = serde_json::from_str::<Expr>(r#"{"duration": "2 weeks"}"#).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "'2 weeks' is not a duration: write whole numbers with the units d, h, m, s, \
             largest first, such as 2h, 7d or 1d12h"
        ),
        "{err}"
    );
}

#[test]
fn a_duration_keeps_the_units_it_was_written_in() {
    let written = |text: &str| text.parse::<Duration>().unwrap();
    assert_eq!(written("90s").to_string(), "90s");
    assert_eq!(written("48h").to_string(), "48h");
    assert_eq!(written("90s").span(), written("1m30s").span());
    // Equal spans written apart are different conditions, as `1` and `1.0`
    // are not: the tree keeps what was written.
    assert_ne!(written("90s"), written("1m30s"));
    assert_eq!(Duration::from(Span::seconds(90)).to_string(), "1m30s");
    for bad in [
        "",
        "7",
        "d",
        "7days",
        "1h1d",
        "1d1d",
        "1.5h",
        "7 d",
        "-2h",
        "99999999999999999999d",
    ] {
        assert!(bad.parse::<Duration>().is_err(), "{bad:?}");
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn parse_fails(text: &str, column: usize, message: &str) {
    let err = Condition::parse(text).expect_err("the text must not parse");
    assert_eq!(
        err.to_string(),
        format!("column {column}: {message}"),
        "{text}"
    );
    assert_eq!(err.location().and_then(|l| l.column()), Some(column));
}

const FUNCTIONS: &str = "conditions compare signals (and + - * / on them) with constants; the \
                         functions are present(), missing(), all(), any(), not() and at_least()";

#[test]
fn a_call_of_an_unknown_function_lists_the_functions() {
    parse_fails(
        "visits > 1 and max(visits, spend) > 3",
        16,
        &format!("unknown function 'max': {FUNCTIONS}"),
    );
    parse_fails(
        "len(plan) > 1",
        1,
        &format!("unknown function 'len': {FUNCTIONS}"),
    );
    parse_fails(
        "count(orders) > 1",
        1,
        &format!("unknown function 'count': {FUNCTIONS}"),
    );
    parse_fails(
        "visits >= 1 or spend > sum (visits)",
        24,
        &format!("unknown function 'sum': {FUNCTIONS}"),
    );
    parse_fails(
        "presnt(visits)",
        1,
        &format!("unknown function 'presnt' (did you mean 'present'?): {FUNCTIONS}"),
    );
    // The keywords followed by `(` are still the language's own.
    for text in [
        "not(visits > 1)",
        "all(visits > 1, spend > 2)",
        "any (visits > 1)",
        "at_least(1, is_member)",
        "present(visits)",
        "missing (spend)",
    ] {
        Condition::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn a_number_with_letters_is_a_duration_or_an_error() {
    let message = |text: &str| {
        format!(
            "'{text}' is not a duration: write whole numbers with the units d, h, m, s, \
             largest first, such as 2h, 7d or 1d12h"
        )
    };
    parse_fails("days_open >= 7days", 14, &message("7days"));
    parse_fails("hours_idle < 1.5h", 14, &message("1.5h"));
    parse_fails("hours_idle < 2w", 14, &message("2w"));
    parse_fails("hours_idle < 12h1d", 14, &message("12h1d"));
    parse_fails(
        "2h",
        1,
        "expected a condition, found a duration; compare it with something",
    );
    parse_fails(
        "hours_idle < -2h",
        14,
        "'-' must be followed by a number; write '0 - x' to negate a value",
    );
}

#[test]
fn a_duration_needs_a_signal_with_a_unit_of_time() {
    let no_unit =
        "signal 'visits' has no time unit; declare \"unit\" to compare it with a duration";
    assert_eq!(
        rule_fails("spend > 1 and visits < 2h"),
        format!("stage_rules[0].when, column 15: {no_unit}")
    );
    assert_eq!(
        rule_fails("2h > visits"),
        format!("stage_rules[0].when, column 6: {no_unit}")
    );
    assert_eq!(
        rule_fails("spend between 1 and 2h"),
        "stage_rules[0].when, column 1: signal 'spend' has no time unit; declare \"unit\" to \
         compare it with a duration"
    );
    assert_eq!(
        rule_fails("visits in [1, 2h]"),
        format!("stage_rules[0].when, column 1: {no_unit}")
    );
    assert_eq!(
        rule_fails("hours_idle + 1 < 2h"),
        "stage_rules[0].when, column 1: a duration compares only with a signal that has a time \
         unit, not with 'hours_idle + 1'"
    );
    assert_eq!(
        rule_fails("hours_idle + 2h > 1"),
        "stage_rules[0].when, column 14: '+' needs numbers, but '2h' is a duration"
    );
    assert_eq!(
        rule_fails("2h between hours_idle and 3"),
        "stage_rules[0].when, column 1: 'between' compares numbers, but '2h' is a duration"
    );
    assert_eq!(
        rule_fails("is_member == 2h"),
        "stage_rules[0].when, column 1: cannot compare a flag with a duration in \
         'is_member == 2h': compare a flag with true or false"
    );
    // A plain number still compares with a signal that has a unit.
    Engine::builder(spec(&["hours_idle < 2 and days_open between 1 and 2d"]))
        .build()
        .unwrap();
}

#[test]
fn ordering_labels_needs_an_ordered_category() {
    assert_eq!(
        rule_fails("visits > 1 and plan < \"pro\""),
        "stage_rules[0].when, column 16: category 'plan' is not ordered: declare \"ordered\": \
         true on it to compare its labels with '<'"
    );
    assert_eq!(
        rule_fails("\"pro\" >= plan"),
        "stage_rules[0].when, column 10: category 'plan' is not ordered: declare \"ordered\": \
         true on it to compare its labels with '>='"
    );
    assert_eq!(
        rule_fails("plan between \"free\" and \"team\""),
        "stage_rules[0].when, column 1: category 'plan' is not ordered: declare \"ordered\": \
         true on it to compare its labels with 'between'"
    );
    assert_eq!(
        rule_fails("size between \"small\" and 3"),
        "stage_rules[0].when, column 26: 'between' on the ordered category 'size' takes two of \
         its labels, but '3' is a number"
    );
    assert_eq!(
        rule_fails("size > \"medum\""),
        "stage_rules[0].when, column 8: unknown label 'medum' for signal 'size', did you mean \
         'medium'?"
    );
    assert_eq!(
        rule_fails("size < 2"),
        "stage_rules[0].when, column 1: '<' orders numbers only, but 'size < 2' compares a \
         category with a number"
    );
}

#[test]
fn not_in_is_checked_like_in() {
    assert_eq!(
        rule_fails("plan not in [\"free\", \"tem\"]"),
        "stage_rules[0].when, column 22: unknown label 'tem' for signal 'plan', did you mean \
         'team'?"
    );
    assert_eq!(
        rule_fails("visits not in [1, spend]"),
        "stage_rules[0].when, column 19: the items of a 'not in' list must be constants, found \
         'spend'"
    );
    assert_eq!(
        rule_fails("is_member not in [1]"),
        "stage_rules[0].when, column 19: '1' in the 'not in' list is a number, but 'is_member' \
         is a flag: compare a flag with true or false"
    );
}

#[test]
fn units_and_order_are_declared_on_fitting_signals() {
    let with = |signal: SignalSpec| {
        let mut spec = spec(&[]);
        spec.signals.push(signal);
        build_fails(spec).to_string()
    };
    assert_eq!(
        with(SignalSpec::flag("late").unit(TimeUnit::Days)),
        "signals[7].unit: signal 'late' is a flag: only numbers and counts have a unit of time"
    );
    assert_eq!(
        with(SignalSpec::number("level").ordered()),
        "signals[7].ordered: signal 'level' is a number: only the labels of a category can be \
         ordered"
    );
    let json = r#"{"id": "tier", "kind": "category", "labels": ["a", "b"], "ordered": true}"#;
    let tier: SignalSpec = serde_json::from_str(json).unwrap();
    assert_eq!(tier, SignalSpec::category("tier", ["a", "b"]).ordered());
    assert_eq!(
        serde_json::to_string(&tier).unwrap(),
        json.replace(": ", ":").replace(", ", ",")
    );
    let idle: SignalSpec =
        serde_json::from_str(r#"{"id": "idle", "kind": "number", "unit": "minutes"}"#).unwrap();
    assert_eq!(idle.unit, Some(TimeUnit::Minutes));
    // Unset, neither field is written.
    assert_eq!(
        serde_json::to_string(&SignalSpec::count("visits")).unwrap(),
        r#"{"id":"visits","kind":"count"}"#
    );
}

#[test]
fn days_since_and_days_in_stage_are_in_days() {
    let mut spec = models::buying_process();
    spec.transitions[0].when = When::Text("days_in_stage >= 36h".into());
    spec.stage_rules[0].when = When::Text("days_since_purchase < 12h".into());
    let engine = Engine::builder(spec.clone()).build().unwrap();
    assert_eq!(
        engine.schema().find("days_since_purchase").unwrap().unit(),
        Some(TimeUnit::Days)
    );
    // Declaring another unit on a `days_since` signal is an error.
    let position = spec
        .signals
        .iter()
        .position(|s| s.id == "days_since_purchase")
        .unwrap();
    spec.signals[position].unit = Some(TimeUnit::Hours);
    assert_eq!(
        build_fails(spec).to_string(),
        format!(
            "signals[{position}].unit: signal 'days_since_purchase' is derived with days_since, \
             so its unit is days, not hours"
        )
    );
}

// ---------------------------------------------------------------------------
// Meaning
// ---------------------------------------------------------------------------

#[test]
fn not_in_is_false_on_a_missing_value_unlike_not_before_in() {
    let schema = schema();
    let missing = schema.record();
    for (negated, not_in) in [
        ("not (visits in [1, 2])", "visits not in [1, 2]"),
        ("not (plan in [\"free\"])", "plan not in [\"free\"]"),
        ("not (is_member in [true])", "is_member not in [true]"),
        ("not (visits in [])", "visits not in []"),
        ("not (hours_idle in [2h])", "hours_idle not in [2h]"),
    ] {
        assert!(holds(negated, &missing), "{negated}");
        assert!(!holds(not_in, &missing), "{not_in}");
    }
    let mut customer = schema.record();
    customer.set("visits", 3).unwrap();
    customer.set("spend", 0).unwrap();
    customer.set("plan", "pro").unwrap();
    customer.set("is_member", false).unwrap();
    assert!(holds("visits not in [1, 2]", &customer));
    assert!(!holds("visits not in [1, 3]", &customer));
    assert!(holds("visits not in []", &customer));
    assert!(holds("plan not in [\"free\", \"team\"]", &customer));
    assert!(!holds("plan not in [\"pro\"]", &customer));
    assert!(holds("is_member not in [true]", &customer));
    // Arithmetic that is missing (division by zero) is missing here too.
    assert!(!holds("visits / spend not in [1]", &customer));
}

#[test]
fn durations_are_converted_into_the_signals_unit() {
    let schema = schema();
    let mut customer = schema.record();
    customer.set("hours_idle", 1.5).unwrap();
    customer.set("days_open", 2).unwrap();
    assert!(holds("hours_idle == 90m", &customer));
    assert!(holds("hours_idle == 5400s", &customer));
    assert!(holds("hours_idle < 2h and hours_idle > 1h", &customer));
    assert!(holds("hours_idle between 1h30m and 2h", &customer));
    assert!(holds("days_open == 48h", &customer));
    assert!(holds("days_open in [1d, 2d]", &customer));
    assert!(holds("days_open not in [1d, 36h]", &customer));
    assert!(holds("days_open < 2d1s", &customer));
    assert!(!holds("days_open > 2d", &customer));
    // 2h against days is 2/24 exactly, as the nearest f64.
    let days = Schema::new(&[SignalSpec::number("days").unit(TimeUnit::Days)]).unwrap();
    let mut record = days.record();
    record.set("days", 2.0 / 24.0).unwrap();
    let exactly = Condition::parse("days == 2h").unwrap();
    assert!(exactly.evaluate(&days, &record).unwrap());
    // A missing value compares false with a duration as with anything.
    assert!(!holds("hours_idle < 1d", &schema.record()));
}

#[test]
fn ordered_labels_compare_by_position() {
    let schema = schema();
    let at = |size: Option<&str>| {
        let mut customer = schema.record();
        if let Some(size) = size {
            customer.set("size", size).unwrap();
        }
        customer
    };
    let cases: [(&str, [bool; 4]); 6] = [
        // small, medium, large, missing
        ("size >= \"medium\"", [false, true, true, false]),
        ("size < \"medium\"", [true, false, false, false]),
        ("\"medium\" < size", [false, false, true, false]),
        (
            "size between \"small\" and \"medium\"",
            [true, true, false, false],
        ),
        (
            "size between \"large\" and \"small\"",
            [false, false, false, false],
        ),
        ("not (size <= \"small\")", [false, true, true, true]),
    ];
    for (text, expected) in cases {
        let got = [Some("small"), Some("medium"), Some("large"), None].map(|s| holds(text, &at(s)));
        assert_eq!(got, expected, "{text}");
    }
}

/// Every new form, compiled, fires exactly when the interpreter says its
/// condition holds, for customers on, beside and missing the constants.
#[test]
fn the_engine_agrees_with_the_interpreter_on_the_new_forms() {
    let conditions = [
        "visits not in [1, 2]",
        "plan not in [\"free\", \"team\"]",
        "is_member not in [false]",
        "visits + spend not in [3]",
        "hours_idle < 90m",
        "90m <= hours_idle",
        "hours_idle between 20m and 2h",
        "hours_idle in [90m, 1d]",
        "hours_idle not in [90m, 1d]",
        "days_open >= 36h",
        "days_open between 1d and 2d",
        "size > \"small\"",
        "\"medium\" >= size",
        "size between \"medium\" and \"large\"",
        "size not in [\"medium\"]",
        "not (size < \"large\") and days_open not in [2d]",
        // Several atoms on one signal: evaluated by regions.
        "hours_idle >= 20m and hours_idle != 1d and hours_idle < 1d12h",
    ];
    let engine = Engine::builder(spec(&conditions)).build().unwrap();
    let schema = engine.schema().clone();
    let mut scratch = engine.scratch();
    let hours = [
        None,
        Some(0.0),
        Some(1.0 / 3.0),
        Some(1.5),
        Some(1.5f64.next_up()),
        Some(24.0),
        Some(36.0),
    ];
    let days = [None, Some(0), Some(1), Some(2)];
    let sizes = [None, Some("small"), Some("medium"), Some("large")];
    let plans = [None, Some("free"), Some("pro")];
    for (i, (((&hour, &day), &size), &plan)) in hours
        .iter()
        .cycle()
        .zip(days.iter().cycle().skip(1))
        .zip(sizes.iter().cycle().skip(2))
        .zip(plans.iter().cycle())
        .take(84)
        .enumerate()
    {
        let mut customer = engine.record();
        if let Some(hour) = hour {
            customer.set("hours_idle", hour).unwrap();
        }
        if let Some(day) = day {
            customer.set("days_open", day).unwrap();
        }
        if let Some(size) = size {
            customer.set("size", size).unwrap();
        }
        if let Some(plan) = plan {
            customer.set("plan", plan).unwrap();
        }
        if i % 3 > 0 {
            customer.set("visits", i % 4).unwrap();
            customer.set("spend", 1).unwrap();
            customer.set("is_member", i % 2 == 0).unwrap();
        }
        let decision = engine.classify(&customer, &mut scratch).to_record();
        assert_eq!(decision, engine.classify_interpreted(&customer));
        for (k, text) in conditions.iter().enumerate() {
            let holds = Condition::parse(text)
                .unwrap()
                .evaluate(&schema, &customer)
                .unwrap();
            let fired = decision.fired.contains(&format!("rule.{k}"));
            assert_eq!(fired, holds, "{text} for customer {i}: {customer:?}");
        }
    }
}

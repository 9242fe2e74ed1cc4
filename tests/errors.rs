//! Every error the library reports has an exact, clear message and, where the
//! input came from a ruleset or condition text, a location.

use crate::support::build_fails;
use buyer_journey::{
    models, Condition, Engine, Error, ErrorKind, Limits, Schema, ScoreRuleSpec, SignalRecord,
    SignalSpec, StageSpec, Value,
};

/// A small schema with one signal of each kind.
fn schema() -> Schema {
    Schema::new(&[
        SignalSpec::count("visits"),
        SignalSpec::number("spend"),
        SignalSpec::flag("is_member"),
        SignalSpec::category("plan", ["free", "pro", "team"]),
    ])
    .unwrap()
}

/// A record of [`schema`] with every signal set, so that a write by a failed
/// `set` would show.
fn full_record() -> SignalRecord {
    let mut record = schema().record();
    record.set("visits", 2).unwrap();
    record.set("spend", 7.5).unwrap();
    record.set("is_member", true).unwrap();
    record.set("plan", "free").unwrap();
    record
}

/// The record's values, comparable (a record holds NaN for missing values,
/// so `SignalRecord`'s own `==` is not reflexive).
fn snapshot(record: &SignalRecord) -> Vec<(String, String)> {
    record
        .iter()
        .map(|(signal, value)| (signal.id().to_owned(), format!("{value:?}")))
        .collect()
}

/// Sets `name` to `value`, expects an error with exactly `message` and no
/// location, and checks that the record did not change.
fn set_fails<'v>(
    record: &mut SignalRecord,
    name: &str,
    value: impl Into<Value<'v>>,
    message: &str,
) -> Error {
    let before = snapshot(record);
    let err = record
        .set(name, value)
        .expect_err("the value must be rejected");
    assert_eq!(err.to_string(), message);
    assert_eq!(err.location(), None, "record errors have no location");
    assert_eq!(snapshot(record), before, "a failed set changed the record");
    err
}

fn parse_fails(text: &str, column: usize, message: &str) {
    let err = Condition::parse(text).expect_err("the text must not parse");
    assert!(
        matches!(err.kind(), ErrorKind::Syntax { .. }),
        "{text:?}: expected a syntax error, got {err:?}"
    );
    let location = err.location().expect("a syntax error has a location");
    assert_eq!(location.path(), "", "{text:?}");
    assert_eq!(location.column(), Some(column), "{text:?}: {err}");
    assert_eq!(err.to_string(), format!("column {column}: {message}"));
}

fn check_fails(text: &str, message: &str) -> Error {
    let condition = Condition::parse(text).unwrap();
    let err = condition
        .check(&schema())
        .expect_err("the condition must not check");
    assert_eq!(err.to_string(), message, "checking {text:?}");
    assert_eq!(err.location(), None, "a bare check has no location");
    err
}

fn assert_location(err: &Error, path: &str, column: Option<usize>) {
    let location = err.location().expect("the error has a location");
    assert_eq!(location.path(), path, "{err}");
    assert_eq!(location.column(), column, "{err}");
}

// --- SignalRecord::set -------------------------------------------------------

#[test]
fn set_unknown_signal_suggests_the_nearest_name() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let mut record = engine.record();
    record.set("cart_adds", 2).unwrap();
    let err = set_fails(
        &mut record,
        "cart_add",
        1,
        "unknown signal 'cart_add', did you mean 'cart_adds'?",
    );
    assert!(matches!(
        err.kind(),
        ErrorKind::Unknown { what: "signal", suggestion, .. } if suggestion.as_deref() == Some("cart_adds")
    ));
    set_fails(
        &mut record,
        "comparsons",
        1,
        "unknown signal 'comparsons', did you mean 'comparisons'?",
    );
}

#[test]
fn set_unknown_signal_without_a_close_name() {
    let mut record = full_record();
    set_fails(&mut record, "xyz", 1, "unknown signal 'xyz'");
    set_fails(
        &mut record,
        "loyalty_points",
        3,
        "unknown signal 'loyalty_points'",
    );
}

#[test]
fn set_value_of_the_wrong_kind() {
    let mut record = full_record();
    set_fails(
        &mut record,
        "visits",
        true,
        "signal 'visits' is a count, got a flag",
    );
    set_fails(
        &mut record,
        "visits",
        "many",
        "signal 'visits' is a count, got a label",
    );
    set_fails(
        &mut record,
        "spend",
        false,
        "signal 'spend' is a number, got a flag",
    );
    set_fails(
        &mut record,
        "is_member",
        1,
        "signal 'is_member' is a flag, got a number",
    );
    set_fails(
        &mut record,
        "is_member",
        "yes",
        "signal 'is_member' is a flag, got a label",
    );
    set_fails(
        &mut record,
        "plan",
        2,
        "signal 'plan' is a category, got a number",
    );
    set_fails(
        &mut record,
        "plan",
        true,
        "signal 'plan' is a category, got a flag",
    );
}

#[test]
fn set_negative_or_fractional_count() {
    let mut record = full_record();
    set_fails(
        &mut record,
        "visits",
        -1,
        "signal 'visits' is a count, so -1 is not allowed: counts are whole numbers >= 0",
    );
    set_fails(
        &mut record,
        "visits",
        2.5,
        "signal 'visits' is a count, so 2.5 is not allowed: counts are whole numbers >= 0",
    );
    set_fails(
        &mut record,
        "visits",
        -0.25,
        "signal 'visits' is a count, so -0.25 is not allowed: counts are whole numbers >= 0",
    );
    // A number signal takes negative and fractional values.
    record.set("spend", -2.5).unwrap();
    assert_eq!(record.get("spend"), Some(Value::Number(-2.5)));
}

#[test]
fn set_unknown_label_of_a_category() {
    let mut record = full_record();
    set_fails(
        &mut record,
        "plan",
        "por",
        "unknown label 'por' for signal 'plan', did you mean 'pro'?",
    );
    set_fails(
        &mut record,
        "plan",
        "teams",
        "unknown label 'teams' for signal 'plan', did you mean 'team'?",
    );
    set_fails(
        &mut record,
        "plan",
        "enterprise",
        "unknown label 'enterprise' for signal 'plan'",
    );
    // Labels are case-sensitive.
    let err = set_fails(
        &mut record,
        "plan",
        "Pro",
        "unknown label 'Pro' for signal 'plan', did you mean 'pro'?",
    );
    assert!(matches!(err.kind(), ErrorKind::UnknownLabel { .. }));
}

#[test]
fn set_values_that_are_not_finite() {
    let mut record = full_record();
    for (name, value, shown) in [
        ("visits", f64::NAN, "NaN"),
        ("visits", f64::INFINITY, "inf"),
        ("visits", f64::NEG_INFINITY, "-inf"),
        ("spend", f64::NAN, "NaN"),
        ("spend", f64::INFINITY, "inf"),
        ("spend", f64::NEG_INFINITY, "-inf"),
    ] {
        let err = set_fails(
            &mut record,
            name,
            value,
            &format!("signal '{name}' got {shown}, but values must be finite numbers"),
        );
        assert!(matches!(err.kind(), ErrorKind::NotFinite { .. }));
    }
    // A non-finite number for a flag or category is the wrong kind first.
    set_fails(
        &mut record,
        "is_member",
        f64::NAN,
        "signal 'is_member' is a flag, got a number",
    );
    // The record still holds what was set before the errors.
    assert_eq!(record.get("visits"), Some(Value::Number(2.0)));
    assert_eq!(record.get("spend"), Some(Value::Number(7.5)));
    assert_eq!(record.get("is_member"), Some(Value::Flag(true)));
    assert_eq!(record.get("plan"), Some(Value::Label("free")));
}

#[test]
fn errors_on_a_missing_signal_leave_it_missing() {
    let mut record = schema().record();
    set_fails(
        &mut record,
        "visits",
        f64::NAN,
        "signal 'visits' got NaN, but values must be finite numbers",
    );
    set_fails(
        &mut record,
        "visits",
        -3,
        "signal 'visits' is a count, so -3 is not allowed: counts are whole numbers >= 0",
    );
    assert_eq!(record.get("visits"), None);
    assert_eq!(record.iter().count(), 0);
}

// --- Condition::parse ---------------------------------------------------------

#[test]
fn parse_trailing_operator() {
    parse_fails(
        "cart_adds >= 1 or",
        18,
        "expected a condition, found the end of the text",
    );
    parse_fails(
        "cart_adds >=",
        13,
        "expected a value, found the end of the text",
    );
    parse_fails("reviews_read + > 2", 16, "expected a value, found '>'");
    parse_fails(
        "reviews_read >= 1 and and",
        23,
        "expected a condition, found 'and'",
    );
}

#[test]
fn parse_unbalanced_parentheses() {
    parse_fails(
        "(cart_adds >= 1 or reviews_read >= 2",
        37,
        "expected ')', found the end of the text",
    );
    parse_fails(
        "cart_adds >= 1)",
        15,
        "expected 'and', 'or' or the end of the text, found ')'",
    );
    parse_fails(
        "any(cart_adds >= 1, reviews_read >= 2",
        38,
        "expected ',' or ')' after an argument of 'any', found the end of the text",
    );
    parse_fails(")", 1, "expected a condition, found ')'");
}

#[test]
fn parse_unknown_characters() {
    parse_fails("cart_adds >= 1 # note", 16, "unexpected character '#'");
    parse_fails("a >= 1 && b >= 1", 8, "use 'and' instead of '&&'");
    parse_fails("a >= 1 || b >= 1", 8, "use 'or' instead of '||'");
    parse_fails("!a", 1, "use 'not' to negate a condition");
    parse_fails(
        "plan == 'pro'",
        9,
        "text goes in double quotes: \"like this\"",
    );
    // Columns count characters, not bytes.
    parse_fails("\"é\" == plan ü", 13, "unexpected character 'ü'");
}

#[test]
fn parse_single_equals() {
    parse_fails("plan = \"pro\"", 6, "use '==' to test equality");
    parse_fails("visits >= 1 and spend = 3", 23, "use '==' to test equality");
}

#[test]
fn parse_chained_comparisons() {
    parse_fails(
        "1 < cart_adds < 3",
        15,
        "comparisons cannot be chained: join them with 'and'",
    );
    parse_fails(
        "a == b == c",
        8,
        "comparisons cannot be chained: join them with 'and'",
    );
}

#[test]
fn parse_unterminated_text() {
    parse_fails("plan == \"pro", 9, "text is missing its closing '\"'");
    parse_fails(
        "plan in [\"free\", \"pro]",
        18,
        "text is missing its closing '\"'",
    );
}

#[test]
fn parse_minus_before_a_name() {
    let message = "'-' must be followed by a number; write '0 - x' to negate a value";
    parse_fails("-cart_adds > 1", 1, message);
    parse_fails("spend > -visits", 9, message);
    // A negative number is fine.
    assert!(Condition::parse("spend > -1.5").is_ok());
}

#[test]
fn parse_bad_at_least() {
    let message = "'at_least' takes a whole number first: at_least(2, a, b, c)";
    parse_fails("at_least(a, b, c)", 1, message);
    parse_fails("a or at_least(1.5, b, c)", 6, message);
    parse_fails("at_least(-1, b)", 1, message);
    parse_fails(
        "at_least 2, a",
        10,
        "expected '(' after 'at_least', found the number 2",
    );
}

#[test]
fn parse_present_without_parentheses() {
    parse_fails("present x", 9, "expected '(' after 'present', found 'x'");
    parse_fails(
        "missing",
        8,
        "expected '(' after 'missing', found the end of the text",
    );
    parse_fails("present(a, b)", 1, "'present' takes one signal id");
    parse_fails("missing(a > 1)", 1, "'missing' takes one signal id");
}

#[test]
fn parse_empty_text() {
    parse_fails("", 1, "expected a condition, found the end of the text");
    parse_fails("   ", 4, "expected a condition, found the end of the text");
    parse_fails("()", 2, "expected a condition, found ')'");
}

#[test]
fn parse_value_where_a_condition_belongs() {
    parse_fails(
        "visits + 1",
        1,
        "expected a condition, found arithmetic; compare it with something",
    );
    parse_fails(
        "visits >= 1 and 3",
        17,
        "expected a condition, found a number; compare it with something",
    );
}

// --- Condition::check ---------------------------------------------------------

#[test]
fn check_category_compared_with_a_number() {
    check_fails(
        "plan == 3",
        "cannot compare a category with a number in 'plan == 3': compare a category with \
         one of its labels in double quotes",
    );
    check_fails(
        "visits > 1 and plan != 0",
        "cannot compare a category with a number in 'plan != 0': compare a category with \
         one of its labels in double quotes",
    );
    check_fails(
        "is_member == 1",
        "cannot compare a flag with a number in 'is_member == 1': compare a flag with true or \
         false",
    );
}

#[test]
fn check_ordering_a_flag_or_category() {
    check_fails(
        "is_member > true",
        "'>' orders numbers only, but 'is_member > true' compares a flag with a flag",
    );
    check_fails(
        "is_member >= 1",
        "'>=' orders numbers only, but 'is_member >= 1' compares a flag with a number",
    );
    check_fails(
        "plan < \"pro\"",
        "category 'plan' is not ordered: declare \"ordered\": true on it to compare its labels \
         with '<'",
    );
}

#[test]
fn check_arithmetic_on_a_category_or_flag() {
    check_fails(
        "plan + 1 > 2",
        "'+' needs numbers, but 'plan' is a category",
    );
    check_fails(
        "visits * is_member >= 1",
        "'*' needs numbers, but 'is_member' is a flag",
    );
    check_fails(
        "plan between 1 and 3",
        "category 'plan' is not ordered: declare \"ordered\": true on it to compare its labels \
         with 'between'",
    );
}

#[test]
fn check_unknown_label_suggests_the_nearest() {
    let err = check_fails(
        "plan == \"por\"",
        "unknown label 'por' for signal 'plan', did you mean 'pro'?",
    );
    assert!(matches!(err.kind(), ErrorKind::UnknownLabel { .. }));
    check_fails(
        "plan in [\"free\", \"teem\"]",
        "unknown label 'teem' for signal 'plan', did you mean 'team'?",
    );
    check_fails(
        "\"enterprise\" != plan",
        "unknown label 'enterprise' for signal 'plan'",
    );
}

#[test]
fn check_at_least_more_than_it_has() {
    check_fails(
        "at_least(3, visits > 1, spend > 2)",
        "'at_least(3, ...)' can never hold: it has only 2 conditions",
    );
    // k equal to the number of conditions is fine.
    Condition::parse("at_least(2, visits > 1, spend > 2)")
        .unwrap()
        .check(&schema())
        .unwrap();
}

#[test]
fn check_unknown_signal() {
    check_fails(
        "visit >= 1",
        "unknown signal 'visit', did you mean 'visits'?",
    );
    check_fails(
        "present(nothing_like_it)",
        "unknown signal 'nothing_like_it'",
    );
}

// --- Engine::builder(spec).build() -------------------------------------------

#[test]
fn build_unknown_signal_in_a_rule_points_at_its_column() {
    let mut spec = models::buying_process();
    spec.stage_rules[3].when = "reviews_read >= 1 and cart_add >= 1".into();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[3].when", Some(23));
    assert_eq!(
        err.to_string(),
        "stage_rules[3].when, column 23: unknown signal 'cart_add', did you mean 'cart_adds'?"
    );

    // The column counts characters from 1, wherever the name is.
    let mut spec = models::buying_process();
    spec.stage_rules[0].when = "need_searches >= 1 or (not nede_searches >= 2)".into();
    let err = build_fails(spec);
    assert_eq!(
        err.to_string(),
        "stage_rules[0].when, column 28: unknown signal 'nede_searches', did you mean \
         'need_searches'?"
    );
}

#[test]
fn build_structured_condition_errors_have_a_path_but_no_column() {
    let mut spec = models::buying_process();
    spec.stage_rules[2].when = Condition::Present("reviews_red".into()).into();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[2].when", None);
    assert_eq!(
        err.to_string(),
        "stage_rules[2].when: unknown signal 'reviews_red', did you mean 'reviews_read'?"
    );
}

#[test]
fn build_syntax_and_type_errors_in_a_rule() {
    let mut spec = models::buying_process();
    spec.stage_rules[0].when = "need_searches >=".into();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[0].when", Some(17));
    assert_eq!(
        err.to_string(),
        "stage_rules[0].when, column 17: expected a value, found the end of the text"
    );

    let mut spec = models::buying_process();
    spec.stage_rules[4].when = "purchases >= 1 and satisfaction == \"high\"".into();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[4].when", Some(20));
    assert_eq!(
        err.to_string(),
        "stage_rules[4].when, column 20: cannot compare a number with text in \
         'satisfaction == \"high\"': text is compared only with category signals"
    );
}

#[test]
fn build_unknown_stage_suggests_the_nearest() {
    let mut spec = models::buying_process();
    spec.stage_rules[5].stage = "evaluaton".into();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[5].stage", None);
    assert_eq!(
        err.to_string(),
        "stage_rules[5].stage: unknown stage 'evaluaton', did you mean 'evaluation'?"
    );

    let mut spec = models::buying_process();
    spec.score_rules.push(ScoreRuleSpec::new(
        "loyal",
        "advocacy",
        "purchases >= 3",
        2.0,
    ));
    let err = build_fails(spec);
    assert_location(&err, "score_rules[0].stage", None);
    assert_eq!(
        err.to_string(),
        "score_rules[0].stage: unknown stage 'advocacy'"
    );
}

#[test]
fn build_duplicate_rule_id() {
    let mut spec = models::buying_process();
    spec.stage_rules[4].id = spec.stage_rules[1].id.clone();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[4].id", None);
    assert_eq!(
        err.to_string(),
        "stage_rules[4].id: rule id 'need_recognition.category_browsing' is already used by \
         stage_rules[1]"
    );

    // Stage rules and score rules share one id space.
    let mut spec = models::buying_process();
    spec.score_rules.push(ScoreRuleSpec::new(
        "evaluation.comparisons",
        "evaluation",
        "comparisons >= 3",
        1.0,
    ));
    let err = build_fails(spec);
    assert_location(&err, "score_rules[0].id", None);
    assert_eq!(
        err.to_string(),
        "score_rules[0].id: rule id 'evaluation.comparisons' is already used by stage_rules[6]"
    );
}

#[test]
fn build_malformed_rule_id() {
    let mut spec = models::buying_process();
    spec.stage_rules[2].id = "reviews read".into();
    let err = build_fails(spec);
    assert_location(&err, "stage_rules[2].id", None);
    assert_eq!(
        err.to_string(),
        "stage_rules[2].id: rule id 'reviews read' must be letters, digits and \
         '_', '.', '-', ':', '/'"
    );
}

#[test]
fn build_empty_stage_model() {
    let mut spec = models::buying_process();
    spec.stages.clear();
    let err = build_fails(spec);
    assert_location(&err, "stages", None);
    assert_eq!(
        err.to_string(),
        "stages: a stage model needs at least one stage"
    );
}

#[test]
fn build_duplicate_stage_id() {
    let mut spec = models::buying_process();
    spec.stages
        .push(StageSpec::new("evaluation", "Evaluation again", ""));
    let err = build_fails(spec);
    assert_location(&err, "stages[5].id", None);
    assert_eq!(
        err.to_string(),
        "stages[5].id: stage 'evaluation' is declared twice"
    );

    let mut spec = models::buying_process();
    spec.stages[1].name = "  ".into();
    let err = build_fails(spec);
    assert_eq!(
        err.to_string(),
        "stages[1].name: stage 'information_search' needs a name"
    );
}

#[test]
fn build_non_finite_score_points() {
    for (points, shown) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ] {
        let mut spec = models::buying_process();
        spec.score_rules.push(ScoreRuleSpec::new(
            "fine",
            "evaluation",
            "comparisons >= 2",
            1.0,
        ));
        spec.score_rules.push(ScoreRuleSpec::new(
            "broken",
            "evaluation",
            "comparisons >= 3",
            points,
        ));
        let err = build_fails(spec);
        assert_location(&err, "score_rules[1].points", None);
        assert_eq!(
            err.to_string(),
            format!("score_rules[1].points: points must be a finite number, found {shown}")
        );
    }
}

#[test]
fn build_bad_signal_id() {
    let mut spec = models::buying_process();
    spec.signals[2].id = "Info Page Views".into();
    let err = build_fails(spec);
    assert_location(&err, "signals[2].id", None);
    assert_eq!(
        err.to_string(),
        "signals[2].id: 'Info Page Views' is not a snake_case id (a lowercase letter, then \
         lowercase letters, digits or '_')"
    );

    let mut spec = models::buying_process();
    spec.signals.push(SignalSpec::count("2nd_visits"));
    let err = build_fails(spec);
    assert_location(&err, "signals[16].id", None);

    let mut spec = models::buying_process();
    spec.signals.push(SignalSpec::count("cart_adds"));
    let err = build_fails(spec);
    assert_eq!(
        err.to_string(),
        "signals[16].id: signal 'cart_adds' is declared twice"
    );
}

#[test]
fn build_keyword_as_signal_id() {
    for keyword in ["between", "and", "at_least", "missing"] {
        let mut spec = models::buying_process();
        spec.signals.push(SignalSpec::count(keyword));
        let err = build_fails(spec);
        assert_location(&err, "signals[16].id", None);
        assert_eq!(
            err.to_string(),
            format!(
                "signals[16].id: '{keyword}' is a keyword of the condition language and cannot \
                 name a signal"
            )
        );
    }
}

#[test]
fn build_bad_category_labels() {
    let mut spec = models::buying_process();
    spec.signals
        .push(SignalSpec::category("plan", Vec::<String>::new()));
    assert_eq!(
        build_fails(spec).to_string(),
        "signals[16].labels: category signal 'plan' needs at least one label"
    );

    let mut spec = models::buying_process();
    spec.signals
        .push(SignalSpec::category("plan", ["free", "pro", "free"]));
    assert_eq!(
        build_fails(spec).to_string(),
        "signals[16].labels[2]: signal 'plan' declares label 'free' twice"
    );

    let mut spec = models::buying_process();
    spec.signals[0].labels = vec!["some".into()];
    assert_eq!(
        build_fails(spec).to_string(),
        "signals[0].labels: signal 'need_searches' is a count and cannot have labels"
    );
}

#[test]
fn build_limit_exceeded() {
    let err = Engine::builder(models::buying_process())
        .limits(Limits::default().max_rules(5))
        .build()
        .unwrap_err();
    assert!(err.is_limit());
    assert_location(&err, "stage_rules", None);
    assert_eq!(
        err.to_string(),
        "stage_rules: the number of rules is 14, over the limit of 5 (see `Limits::max_rules`)"
    );

    let err = Engine::builder(models::buying_process())
        .limits(Limits::default().max_stages(4))
        .build()
        .unwrap_err();
    assert!(err.is_limit());
    assert_eq!(
        err.to_string(),
        "stages: the number of stages is 5, over the limit of 4 (see `Limits::max_stages`)"
    );

    let err = Engine::builder(models::buying_process())
        .limits(Limits::default().max_signals(10))
        .build()
        .unwrap_err();
    assert!(err.is_limit());
    assert_eq!(
        err.to_string(),
        "signals: the number of signals is 16, over the limit of 10 (see `Limits::max_signals`)"
    );

    // A limit on a condition points at the rule.
    let err = Engine::builder(models::buying_process())
        .limits(Limits::default().max_expression_len(17))
        .build()
        .unwrap_err();
    assert!(err.is_limit());
    assert_location(&err, "stage_rules[0].when", None);
    assert_eq!(
        err.to_string(),
        "stage_rules[0].when: the length of the condition in bytes is 18, over the limit of 17 \
         (see `Limits::max_expression_len`)"
    );

    // Other errors are not limits.
    let mut spec = models::buying_process();
    spec.stages.clear();
    assert!(!build_fails(spec).is_limit());
}

//! Signals from text ([`SignalRecord::set_text`], [`Signal::parse_text`]),
//! valid ranges of numbers and counts on every way in (the record, the
//! host's `Signals`, a `Binding`, the batch's `Columns`), and aliases of
//! category labels in values and in conditions.

use buyer_journey::{
    Column, Columns, Condition, Engine, ErrorKind, RulesetSpec, Schema, Signal, SignalFields,
    SignalKind, SignalRecord, SignalSpec, Signals, StageRuleSpec, StageSpec, Value, ValueRange,
};

use crate::support::build;

/// One signal of each kind, with a range on the number and the count and
/// aliases on the category; a category whose labels look like numbers.
fn specs() -> Vec<SignalSpec> {
    vec![
        SignalSpec::number("age").within(ValueRange::between(0.0, 120.0)),
        SignalSpec::count("visits").within(ValueRange::between(1.0, 10.0)),
        SignalSpec::flag("member"),
        SignalSpec::category("month", ["Jan", "Feb", "Mar"])
            .alias("March", "Mar")
            .alias("3", "Mar")
            .alias("January", "Jan"),
        SignalSpec::category("floor", ["1", "2", "pent house"]),
        SignalSpec::number("score"),
        SignalSpec::count("orders"),
    ]
}

fn schema() -> Schema {
    Schema::new(&specs()).unwrap()
}

fn signal<'s>(schema: &'s Schema, id: &str) -> &'s Signal {
    schema.find(id).unwrap()
}

/// What `text` reads as for signal `id`.
fn parsed<'s>(schema: &'s Schema, id: &str, text: &str) -> Option<Value<'s>> {
    signal(schema, id)
        .parse_text(text)
        .unwrap_or_else(|e| panic!("{id} from {text:?}: {e}"))
}

/// `text` is rejected for `id` with exactly `message`, by the parse and by
/// the record, which is left as it was.
fn text_fails(id: &str, text: &str, message: &str) -> ErrorKind {
    let schema = schema();
    let err = signal(&schema, id).parse_text(text).unwrap_err();
    assert_eq!(err.to_string(), message, "{id} from {text:?}");
    assert_eq!(err.location(), None);
    let mut record = schema.record();
    record.set_text("score", "7").unwrap();
    let before = record.clone();
    let again = record.set_text(id, text).unwrap_err();
    assert_eq!(again, err);
    assert_eq!(record, before, "a failed set_text changed the record");
    err.kind().clone()
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

#[test]
fn flags_from_text() {
    let schema = schema();
    for (text, flag) in [
        ("true", true),
        ("TRUE", true),
        (" True\t", true),
        ("yes", true),
        ("Yes", true),
        ("1", true),
        (" 1 ", true),
        ("false", false),
        ("False", false),
        ("no", false),
        ("NO", false),
        ("0", false),
    ] {
        assert_eq!(
            parsed(&schema, "member", text),
            Some(Value::Flag(flag)),
            "{text:?}"
        );
    }
}

#[test]
fn numbers_from_text() {
    let schema = schema();
    for (text, number) in [
        ("42", 42.0),
        (" -0.5 ", -0.5),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("+3", 3.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e308", 1e308),
    ] {
        assert_eq!(
            parsed(&schema, "score", text),
            Some(Value::Number(number)),
            "{text:?}"
        );
    }
    // A number keeps the sign of its zero, as `set` does.
    let Some(Value::Number(zero)) = parsed(&schema, "score", "-0") else {
        panic!("a number");
    };
    assert!(zero == 0.0 && zero.is_sign_negative());
}

#[test]
fn counts_from_text() {
    let schema = schema();
    for (text, count) in [
        ("3", 3.0),
        ("1.0", 1.0),
        (" 7 ", 7.0),
        ("1e3", 1000.0),
        ("0", 0.0),
        ("9007199254740993", 9_007_199_254_740_992.0),
    ] {
        assert_eq!(
            parsed(&schema, "orders", text),
            Some(Value::Number(count)),
            "{text:?}"
        );
    }
    // `-0` is the count 0, stored without its sign.
    let Some(Value::Number(zero)) = parsed(&schema, "orders", "-0") else {
        panic!("a number");
    };
    assert!(zero == 0.0 && zero.is_sign_positive());
    let mut record = schema.record();
    record.set_text("orders", "-0").unwrap();
    assert!(matches!(record.get("orders"), Some(Value::Number(z)) if z.is_sign_positive()));
}

#[test]
fn categories_from_text() {
    let schema = schema();
    let label = |id, text| parsed(&schema, id, text);
    assert_eq!(label("month", "Feb"), Some(Value::Label("Feb")));
    assert_eq!(label("month", " Feb "), Some(Value::Label("Feb")));
    // Aliases read as the label they name.
    assert_eq!(label("month", "March"), Some(Value::Label("Mar")));
    assert_eq!(label("month", "3"), Some(Value::Label("Mar")));
    assert_eq!(label("month", "January"), Some(Value::Label("Jan")));
    // Labels that look like numbers are text like any other.
    assert_eq!(label("floor", "2"), Some(Value::Label("2")));
    assert_eq!(label("floor", " 1 "), Some(Value::Label("1")));
    assert_eq!(
        label("floor", "pent house"),
        Some(Value::Label("pent house"))
    );
    assert_eq!(
        label("floor", "  pent house "),
        Some(Value::Label("pent house"))
    );
}

#[test]
fn empty_text_is_a_missing_value_and_clears_the_signal() {
    let schema = schema();
    for id in ["age", "visits", "member", "month", "floor", "score"] {
        for text in ["", " ", "\t\n "] {
            assert_eq!(parsed(&schema, id, text), None, "{id} from {text:?}");
        }
    }
    let mut record = schema.record();
    record.set_text("member", "yes").unwrap();
    record.set_text("month", "March").unwrap();
    record.set_text("member", "").unwrap();
    record.set_text("month", "  ").unwrap();
    assert_eq!(record.get("member"), None);
    assert_eq!(record.get("month"), None);
}

#[test]
fn set_text_stores_what_set_stores() {
    let schema = schema();
    let mut by_text = schema.record();
    let mut by_value = schema.record();
    for (id, text, value) in [
        ("age", "30.5", Value::Number(30.5)),
        ("visits", "4.0", Value::Number(4.0)),
        ("member", "no", Value::Flag(false)),
        ("month", "3", Value::Label("Mar")),
        ("floor", "2", Value::Label("2")),
        ("score", "-1e-3", Value::Number(-0.001)),
    ] {
        by_text.set_text(id, text).unwrap();
        by_value.set(id, value).unwrap();
    }
    assert_eq!(by_text, by_value);
    // By index as by id.
    let mut at = schema.record();
    for signal in schema.iter() {
        if let Some(value) = by_value.get(signal.id()) {
            at.set_text_at(signal.index(), &value_text(value)).unwrap();
        }
    }
    assert_eq!(at, by_value);
}

/// `value` as text `set_text` reads back.
fn value_text(value: Value<'_>) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::Flag(b) => b.to_string(),
        Value::Label(label) => label.to_owned(),
    }
}

#[test]
fn text_that_is_not_a_flag() {
    for text in ["maybe", "2", "1.0", "y", "on", "truee"] {
        let kind = text_fails(
            "member",
            text,
            &format!(
                "signal 'member' is a flag, so '{text}' is not allowed: use true/false, yes/no or 1/0"
            ),
        );
        assert_eq!(
            kind,
            ErrorKind::InvalidText {
                signal: "member".into(),
                kind: SignalKind::Flag,
                text: text.into(),
            }
        );
    }
    // Quoted without the spaces around it.
    text_fails(
        "member",
        "  maybe ",
        "signal 'member' is a flag, so 'maybe' is not allowed: use true/false, yes/no or 1/0",
    );
}

#[test]
fn text_that_is_not_a_number() {
    for text in [
        "abc", "inf", "-inf", "infinity", "NaN", "nan", "1e400", "-1e400", "1,5", "1_000", "0x10",
        "3 4", "--1",
    ] {
        text_fails(
            "score",
            text,
            &format!(
                "signal 'score' is a number, so '{text}' is not allowed: use a finite decimal \
                 number such as 42, -0.5 or 1e3"
            ),
        );
    }
}

#[test]
fn text_that_is_not_a_count() {
    for text in ["-1", "2.5", "1e-3", "abc", "inf", "NaN", "1e400", "-1e3"] {
        text_fails(
            "orders",
            text,
            &format!(
                "signal 'orders' is a count, so '{text}' is not allowed: counts are whole numbers >= 0"
            ),
        );
    }
}

#[test]
fn text_that_is_no_label() {
    text_fails(
        "month",
        "Marc",
        "unknown label 'Marc' for signal 'month', did you mean 'Mar'?",
    );
    // Aliases are suggested too.
    text_fails(
        "month",
        "Januray",
        "unknown label 'Januray' for signal 'month', did you mean 'January'?",
    );
    // Labels are matched exactly, case included.
    text_fails(
        "month",
        "feb",
        "unknown label 'feb' for signal 'month', did you mean 'Feb'?",
    );
    text_fails(
        "floor",
        "3",
        "unknown label '3' for signal 'floor', did you mean '1'?",
    );
    text_fails(
        "month",
        "nothing like it",
        "unknown label 'nothing like it' for signal 'month'",
    );
}

#[test]
fn long_text_is_shortened_in_the_message() {
    let text = "x".repeat(200);
    let shown = "x".repeat(64);
    text_fails(
        "member",
        &text,
        &format!(
            "signal 'member' is a flag, so '{shown}... (200 bytes)' is not allowed: use \
             true/false, yes/no or 1/0"
        ),
    );
    let kind = text_fails(
        "score",
        &format!("1{text}"),
        &format!(
            "signal 'score' is a number, so '1{}... (201 bytes)' is not allowed: use a finite \
             decimal number such as 42, -0.5 or 1e3",
            "x".repeat(63)
        ),
    );
    // The error keeps the whole text.
    let ErrorKind::InvalidText { text: kept, .. } = kind else {
        panic!("invalid text");
    };
    assert_eq!(kept.len(), 201);
}

#[test]
fn set_text_of_an_unknown_signal() {
    let mut record = schema().record();
    let err = record.set_text("vistis", "3").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown signal 'vistis', did you mean 'visits'?"
    );
    let other = Schema::new(&[SignalSpec::count("a"); 1]).unwrap();
    let small = other.record();
    let far = schema().iter().last().unwrap().index();
    let mut small = small;
    let err = small.set_text_at(far, "1").unwrap_err();
    assert_eq!(err.to_string(), "unknown signal index '6'");
}

// ---------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------

#[test]
fn a_record_rejects_values_out_of_range_and_keeps_the_bounds() {
    let schema = schema();
    let mut record = schema.record();
    for (id, value) in [
        ("age", 0.0),
        ("age", 120.0),
        ("visits", 1.0),
        ("visits", 10.0),
    ] {
        record.set(id, value).unwrap();
        assert_eq!(record.get(id), Some(Value::Number(value)));
    }
    let before = record.clone();
    for (id, value, message) in [
        ("age", -1.0, "signal 'age' must be within 0..=120, got -1"),
        (
            "age",
            120.5,
            "signal 'age' must be within 0..=120, got 120.5",
        ),
        (
            "age",
            1e6,
            "signal 'age' must be within 0..=120, got 1000000",
        ),
        (
            "visits",
            0.0,
            "signal 'visits' must be within 1..=10, got 0",
        ),
        (
            "visits",
            11.0,
            "signal 'visits' must be within 1..=10, got 11",
        ),
    ] {
        let err = record.set(id, value).unwrap_err();
        assert_eq!(err.to_string(), message);
        let ErrorKind::OutOfRange {
            signal,
            range,
            value: got,
        } = err.kind()
        else {
            panic!("out of range: {err}");
        };
        assert_eq!(signal, id);
        assert_eq!(*range, schema.find(id).unwrap().range().unwrap());
        assert_eq!(*got, value);
        assert_eq!(record, before);
        // The text form the same.
        let err = record.set_text(id, &value.to_string()).unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(record, before);
    }
    // A count's own rule comes first; non-finite values are their own error.
    assert_eq!(
        record.set("visits", -1).unwrap_err().to_string(),
        "signal 'visits' is a count, so -1 is not allowed: counts are whole numbers >= 0"
    );
    assert_eq!(
        record.set("age", f64::INFINITY).unwrap_err().to_string(),
        "signal 'age' got inf, but values must be finite numbers"
    );
}

#[test]
fn ranges_with_one_bound() {
    let mut at_least = ValueRange::any();
    at_least.min = Some(-5.0);
    let mut at_most = ValueRange::any();
    at_most.max = Some(0.5);
    let schema = Schema::new(&[
        SignalSpec::number("low").within(at_least),
        SignalSpec::count("high").within(at_most),
        SignalSpec::number("free").within(ValueRange::any()),
    ])
    .unwrap();
    let mut record = schema.record();
    record.set("low", 1e300).unwrap();
    record.set("high", 0).unwrap();
    record.set("free", -f64::MAX).unwrap();
    assert_eq!(
        record.set("low", -5.5).unwrap_err().to_string(),
        "signal 'low' must be >= -5, got -5.5"
    );
    assert_eq!(
        record.set("high", 1).unwrap_err().to_string(),
        "signal 'high' must be <= 0.5, got 1"
    );
}

#[test]
fn a_range_is_checked_when_the_schema_is_built() {
    let fails = |spec: SignalSpec| {
        Schema::new(&[SignalSpec::count("visits"), spec])
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        fails(SignalSpec::flag("member").within(ValueRange::between(0.0, 1.0))),
        "signals[1].range: signal 'member' is a flag and cannot have a range"
    );
    assert_eq!(
        fails(SignalSpec::category("plan", ["a"]).within(ValueRange::any())),
        "signals[1].range: signal 'plan' is a category and cannot have a range"
    );
    assert_eq!(
        fails(SignalSpec::number("age").within(ValueRange::between(5.0, 1.0))),
        "signals[1].range: the range of signal 'age' is empty: min 5 is above max 1"
    );
    assert_eq!(
        fails(SignalSpec::number("age").within(ValueRange::between(f64::NEG_INFINITY, 1.0))),
        "signals[1].range.min: the min of signal 'age' is -inf, but a bound must be a finite number"
    );
    assert_eq!(
        fails(SignalSpec::count("age").within(ValueRange::between(0.0, f64::NAN))),
        "signals[1].range.max: the max of signal 'age' is NaN, but a bound must be a finite number"
    );
    // One value is a range.
    Schema::new(&[SignalSpec::number("age").within(ValueRange::between(3.0, 3.0))]).unwrap();
}

#[test]
fn a_derived_signal_has_no_range() {
    let mut spec = buyer_journey::models::buying_process();
    let i = spec.signals.iter().position(|s| s.from.is_some()).unwrap();
    let id = spec.signals[i].id.clone();
    spec.signals[i].range = Some(ValueRange::between(0.0, 1.0));
    let err = crate::support::build_fails(spec);
    assert_eq!(
        err.to_string(),
        format!(
            "signals[{i}].range: signal '{id}' is derived from events and cannot have a range: \
             a range checks the values a host gives"
        )
    );
}

#[test]
fn the_serde_form_of_a_range_and_aliases() {
    let spec: SignalSpec =
        serde_json::from_str(r#"{"id": "age", "kind": "number", "range": {"min": 0, "max": 120}}"#)
            .unwrap();
    assert_eq!(
        spec,
        SignalSpec::number("age").within(ValueRange::between(0.0, 120.0))
    );
    let spec: SignalSpec = serde_json::from_str(
        r#"{"id": "month", "kind": "category", "labels": ["Feb", "Mar"],
            "aliases": {"March": "Mar", "3": "Mar"}}"#,
    )
    .unwrap();
    assert_eq!(
        spec,
        SignalSpec::category("month", ["Feb", "Mar"])
            .alias("March", "Mar")
            .alias("3", "Mar")
    );
    // Written back in declaration order, and only when given.
    assert_eq!(
        serde_json::to_string(&spec).unwrap(),
        r#"{"id":"month","kind":"category","labels":["Feb","Mar"],"aliases":{"March":"Mar","3":"Mar"}}"#
    );
    assert_eq!(
        serde_json::to_string(&SignalSpec::count("visits")).unwrap(),
        r#"{"id":"visits","kind":"count"}"#
    );
    // An alias given twice is an error, not the last one winning.
    let err = serde_json::from_str::<SignalSpec>(
        r#"{"id": "month", "kind": "category", "labels": ["Feb", "Mar"],
            "aliases": {"March": "Mar", "March": "Feb"}}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("alias 'March' is given twice"),
        "{err}"
    );
}

/// A host's own type: every signal's value as given, out of range or not.
struct Host(Vec<(&'static str, Value<'static>)>);

impl Signals for Host {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        self.0
            .iter()
            .find(|(id, _)| *id == signal.id())
            .map(|&(_, value)| value)
    }
}

#[test]
fn through_the_signals_trait_a_value_out_of_range_is_missing() {
    let schema = schema();
    let holds = |text: &str, host: &Host| {
        Condition::parse(text)
            .unwrap()
            .evaluate(&schema, host)
            .unwrap()
    };
    for (age, present) in [(0.0, true), (120.0, true), (-0.1, false), (121.0, false)] {
        let host = Host(vec![("age", Value::Number(age))]);
        assert_eq!(holds("present(age)", &host), present, "age {age}");
        assert_eq!(holds("age >= 0 or age < 0", &host), present, "age {age}");
    }
    for (visits, present) in [(1.0, true), (10.0, true), (0.0, false), (11.0, false)] {
        let host = Host(vec![("visits", Value::Number(visits))]);
        assert_eq!(holds("present(visits)", &host), present, "visits {visits}");
    }
}

/// The number and count signals of [`specs`] as a host struct's fields.
struct Row {
    age: f64,
    visits: f64,
    score: f64,
}

impl SignalFields for Row {
    const SIGNALS: &'static [&'static str] = &["visits", "age", "score"];

    fn write_fields(&self, values: &mut [f64]) {
        values.copy_from_slice(&[self.visits, self.age, self.score]);
    }
}

#[test]
fn through_a_binding_a_value_out_of_range_is_missing() {
    let schema = schema();
    let mut binding = schema.bind::<Row>().unwrap();
    let record = binding.read(&Row {
        age: 120.0,
        visits: 10.0,
        score: -1e300,
    });
    assert_eq!(record.get("age"), Some(Value::Number(120.0)));
    assert_eq!(record.get("visits"), Some(Value::Number(10.0)));
    assert_eq!(record.get("score"), Some(Value::Number(-1e300)));
    let record = binding.read(&Row {
        age: -1.0,
        visits: 11.0,
        score: f64::MAX,
    });
    assert_eq!(record.get("age"), None);
    assert_eq!(record.get("visits"), None);
    assert_eq!(record.get("score"), Some(Value::Number(f64::MAX)));
    let record = binding.read(&Row {
        age: 121.0,
        visits: 0.0,
        score: f64::INFINITY,
    });
    assert_eq!(record.get("age"), None);
    assert_eq!(record.get("visits"), None);
    assert_eq!(record.get("score"), None);
}

/// A ruleset over [`specs`] whose stage says which of `age` and `visits`
/// are present.
fn presence_engine() -> Engine {
    let mut spec = RulesetSpec::new(
        specs(),
        ["neither", "age", "visits", "both"]
            .iter()
            .map(|id| StageSpec::new(id, id, ""))
            .collect(),
    );
    spec.stage_rules = vec![
        StageRuleSpec::new("both", "both", "present(age) and present(visits)").priority(1),
        StageRuleSpec::new("age", "age", "present(age)"),
        StageRuleSpec::new("visits", "visits", "present(visits)"),
    ];
    build(spec)
}

#[test]
fn in_a_batch_a_value_out_of_range_is_missing() {
    let engine = presence_engine();
    let ages = [30.0, -1.0, 120.0, 121.0, f64::NAN, 0.0];
    let visits = [1, 1, 0, 11, 10, 5];
    let mut columns = Columns::new(engine.schema(), ages.len());
    columns.set("age", Column::f64(&ages)).unwrap();
    columns.set("visits", Column::i64(&visits)).unwrap();
    let mut scratch = engine.batch_scratch();
    let batch = engine.classify_batch(&columns, &mut scratch).unwrap();
    let stages: Vec<&str> = batch.iter().map(|d| d.stage().id()).collect();
    assert_eq!(
        stages,
        ["both", "visits", "age", "neither", "visits", "both"]
    );
    // The single path, through the host's type, answers alike.
    let mut single = engine.scratch();
    for (i, stage) in stages.iter().enumerate() {
        let host = Host(vec![
            ("age", Value::Number(ages[i])),
            ("visits", Value::from(visits[i])),
        ]);
        assert_eq!(
            engine.classify(&host, &mut single).stage().id(),
            *stage,
            "customer {i}"
        );
    }
}

#[test]
fn records_of_schemas_with_other_ranges_are_not_copied_as_they_are() {
    // The same signals without ranges: its record holds values the
    // engine's schema does not allow, so they must be checked on the way in.
    let engine = presence_engine();
    let mut loose = specs();
    for spec in &mut loose {
        spec.range = None;
    }
    let loose = Schema::new(&loose).unwrap();
    let mut record = loose.record();
    record.set("age", 500).unwrap();
    record.set("visits", 5).unwrap();
    let mut scratch = engine.scratch();
    assert_eq!(
        engine.classify(&record, &mut scratch).stage().id(),
        "visits"
    );
    // An equal schema built apart is copied, and agrees.
    let equal = Schema::new(&specs()).unwrap();
    let mut record: SignalRecord = equal.record();
    record.set("age", 50).unwrap();
    assert_eq!(engine.classify(&record, &mut scratch).stage().id(), "age");
}

// ---------------------------------------------------------------------------
// Aliases
// ---------------------------------------------------------------------------

#[test]
fn aliases_are_checked_when_the_schema_is_built() {
    let fails = |spec: SignalSpec| {
        Schema::new(&[SignalSpec::count("visits"), spec])
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        fails(SignalSpec::count("orders").alias("none", "0")),
        "signals[1].aliases: signal 'orders' is a count and cannot have aliases"
    );
    assert_eq!(
        fails(SignalSpec::category("month", ["Feb", "Mar"]).alias("March", "Marc")),
        "signals[1].aliases.March: alias 'March' of signal 'month' names 'Marc', which is not \
         one of its labels, did you mean 'Mar'?"
    );
    assert_eq!(
        fails(SignalSpec::category("month", ["Feb", "Mar"]).alias("March", "Dezember")),
        "signals[1].aliases.March: alias 'March' of signal 'month' names 'Dezember', which is \
         not one of its labels"
    );
    assert_eq!(
        fails(
            SignalSpec::category("month", ["Feb", "Mar"])
                .alias("February", "Feb")
                .alias("Mar", "Feb")
        ),
        "signals[1].aliases.Mar: alias 'Mar' of signal 'month' is one of its labels already"
    );
    assert_eq!(
        fails(SignalSpec::category("month", ["Feb"]).alias("", "Feb")),
        "signals[1].aliases: signal 'month' has an empty alias"
    );
    // Aliases count against the limit on labels.
    let many = (0..3).fold(SignalSpec::category("month", ["Feb"]), |spec, i| {
        spec.alias(&format!("f{i}"), "Feb")
    });
    let err =
        Schema::with_limits(&[many], &buyer_journey::Limits::default().max_labels(2)).unwrap_err();
    assert!(err.is_limit());
    assert_eq!(err.location().unwrap().path(), "signals[0].aliases");
}

#[test]
fn a_record_takes_an_alias_as_its_label() {
    let schema = schema();
    let mut record = schema.record();
    record.set("month", "March").unwrap();
    assert_eq!(record.get("month"), Some(Value::Label("Mar")));
    record.set("month", "3").unwrap();
    assert_eq!(record.get("month"), Some(Value::Label("Mar")));
    let mut by_label = schema.record();
    by_label.set("month", "Mar").unwrap();
    assert_eq!(record, by_label);
    // Through the trait too.
    let host = Host(vec![("month", Value::Label("January"))]);
    assert!(Condition::parse("month == \"Jan\"")
        .unwrap()
        .evaluate(&schema, &host)
        .unwrap());
    // An alias of another signal is no label here.
    assert_eq!(
        record.set("floor", "March").unwrap_err().to_string(),
        "unknown label 'March' for signal 'floor'"
    );
    let aliases: Vec<(&str, &str)> = signal(&schema, "month").aliases().collect();
    assert_eq!(
        aliases,
        [("March", "Mar"), ("3", "Mar"), ("January", "Jan")]
    );
    assert_eq!(signal(&schema, "floor").aliases().len(), 0);
}

#[test]
fn conditions_read_an_alias_as_its_label() {
    let schema = schema();
    let mut march = schema.record();
    march.set("month", "Mar").unwrap();
    let mut february = schema.record();
    february.set("month", "Feb").unwrap();
    for (text, in_march, in_february) in [
        (r#"month == "March""#, true, false),
        (r#""March" == month"#, true, false),
        (r#"month != "3""#, false, true),
        (r#"month in ["3", "Feb"]"#, true, true),
        (r#"month in ["January", "Mar"]"#, true, false),
        (r#"not (month == "Mar")"#, false, true),
    ] {
        let condition = Condition::parse(text).unwrap();
        assert_eq!(condition.evaluate(&schema, &march), Ok(in_march), "{text}");
        assert_eq!(
            condition.evaluate(&schema, &february),
            Ok(in_february),
            "{text}"
        );
    }
    // An alias is no label of a category that does not declare it.
    let err = Condition::parse(r#"floor == "March""#)
        .unwrap()
        .check(&schema)
        .unwrap_err();
    assert_eq!(err.to_string(), "unknown label 'March' for signal 'floor'");
}

#[test]
fn an_engine_prints_the_label_an_alias_names() {
    let mut spec = RulesetSpec::new(
        specs(),
        vec![
            StageSpec::new("winter", "winter", ""),
            StageSpec::new("spring", "spring", ""),
        ],
    );
    spec.stage_rules = vec![
        StageRuleSpec::new(
            "spring",
            "spring",
            r#"month in ["3", "Feb"] or "March" == month"#,
        ),
        StageRuleSpec::new("winter", "winter", r#"month == "January""#),
    ];
    let engine = build(spec);
    let printed: Vec<String> = engine.rules().map(|r| r.condition().to_string()).collect();
    assert_eq!(
        printed,
        [
            r#"month in ["Mar", "Feb"] or "Mar" == month"#,
            r#"month == "Jan""#
        ]
    );
    let mut scratch = engine.scratch();
    for (month, stage) in [
        ("March", "spring"),
        ("Feb", "spring"),
        ("1", "winter"),
        ("January", "winter"),
    ] {
        let mut record = engine.record();
        if month == "1" {
            record.set("month", "Jan").unwrap();
        } else {
            record.set_text("month", month).unwrap();
        }
        assert_eq!(
            engine.classify(&record, &mut scratch).stage().id(),
            stage,
            "{month}"
        );
        assert_eq!(engine.classify_interpreted(&record).stage, stage, "{month}");
    }
}

//! Rulesets as documents: reading JSON and TOML, the errors of documents
//! that do not read (exact messages, paths, lines and columns), the places
//! of validation problems in the text, round trips of generated rulesets
//! through both formats, and the built-in model as a file.

use std::path::PathBuf;

use buyer_journey::{
    models, ActionSpec, ChallengerSpec, ContactLimitSpec, ContactLog, Customer, Derivation,
    Document, Engine, ErrorKind, EventSpec, FromStages, HitPolicy, JourneyState, LearningSpec,
    Limits, Position, Response, RulesetSpec, ScenarioSpec, SignalKind, SignalRecord, Span, Success,
    Suppression, Tally, Timestamp, TransitionSpec, ValueRange,
};
use proptest::prelude::*;

use crate::at_scale::generate::world;

/// The error of reading `text` as JSON, as displayed.
fn json_error(text: &str) -> String {
    Document::from_json(text).unwrap_err().to_string()
}

/// The error of reading `text` as TOML, as displayed.
fn toml_error(text: &str) -> String {
    Document::from_toml(text).unwrap_err().to_string()
}

// ---------------------------------------------------------------------------
// Documents that do not read
// ---------------------------------------------------------------------------

const JSON_ACTION: &str = r#"{
  "signals": [{"id": "orders", "kind": "count"}],
  "stages": [{"id": "prospect", "name": "Prospect"}],
  "actions": [
    {"id": "welcome", "kind": "email", "stages": ["prospect"], "value": 1},
    {
      "id": "call",
      "kind": "call",
      "stages": ["prospect"],
      "value": 2,
      "contact": {"cooldown": "2x"}
    }
  ]
}"#;

#[test]
fn a_json_value_that_does_not_fit_is_placed_at_its_line_column_and_path() {
    let err = Document::from_json(JSON_ACTION).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Document { .. }));
    let location = err.location().unwrap();
    assert_eq!(location.path(), "actions[1].contact.cooldown");
    assert_eq!(location.position(), Some(Position::new(11, 31)));
    assert_eq!(location.column(), None);
    assert_eq!(
        err.to_string(),
        "line 11, column 31: actions[1].contact.cooldown: '2x' is not a span of time: write \
         numbers with the units d, h, m, s in that order, such as \"7d\" or \"1d12h\""
    );
}

#[test]
fn json_errors_name_the_path_and_place_of_what_is_wrong() {
    let cases: [(&str, &str); 8] = [
        (
            "{\"signals\": [], \"stages\": [{\"id\": \"a\"}]}",
            "line 1, column 28: stages[0]: missing field `name`",
        ),
        (
            "{\"signals\": [],\n \"stages\": [],\n \"hit_policy\": \"fastest\"}",
            "line 3, column 16: hit_policy: unknown variant `fastest`, expected one of \
             `first`, `furthest`, `highest_score`",
        ),
        (
            "{\"signals\": [{\"id\": \"x\", \"kind\": \"flag\", \"colour\": 1}], \"stages\": []}",
            "line 1, column 52: signals[0].colour: unknown field `colour`, expected one of \
             `id`, `kind`, `labels`, `description`, `from`, `unit`, `ordered`, `range`, \
             `aliases`",
        ),
        (
            // A condition tree with a misspelt node.
            "{\"signals\": [], \"stages\": [],\n \"tags\": [{\"id\": \"t\", \"when\": {\"presnt\": \"x\"}}]}",
            "line 2, column 42: tags[0].when.presnt: unknown variant `presnt`, expected one of \
             `bool`, `compare`, `in`, `between`, `present`, `missing`, `not`, `all`, `any`, \
             `at_least`, `not_in`",
        ),
        (
            "{\"signals\": [], \"stages\": [], \"event_tolerance\": -5}",
            "line 1, column 50: event_tolerance: a span cannot be negative, found -5",
        ),
        // Text that is not JSON: where the text goes wrong.
        (
            "{\n  \"signals\": []\n  \"stages\": []\n}",
            "line 3, column 3: expected `,` or `}`",
        ),
        ("{\"signals\": [", "line 1, column 13: signals: EOF while parsing a list"),
        (
            "{\"signals\": [], \"stages\": []} {}",
            "line 1, column 31: trailing characters",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(json_error(text), expected, "{text}");
    }
}

#[test]
fn json_columns_count_characters_not_bytes() {
    let text = "{\"description\": \"größe\", \"signals\": [], \"stages\": 1}";
    assert_eq!(
        json_error(text),
        "line 1, column 51: stages: invalid type: integer `1`, expected a sequence"
    );
    let text = "{\"description\": \"größe\", \"signals\": [] \"stages\": 1}";
    assert_eq!(json_error(text), "line 1, column 40: expected `,` or `}`");
}

const TOML_ACTION: &str = r#"name = "tiny"
signals = [{ id = "orders", kind = "count" }]

[[stages]]
id = "prospect"
name = "Prospect"

[[actions]]
id = "welcome"
kind = "email"
stages = ["prospect"]
value = 1

[[actions]]
id = "call"
kind = "call"
stages = ["prospect"]
value = 2

[actions.contact]
max_dismissals = 3
cooldown = "2x"
"#;

#[test]
fn a_toml_value_that_does_not_fit_is_placed_at_its_line_column_and_path() {
    let err = Document::from_toml(TOML_ACTION).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Document { .. }));
    assert_eq!(
        err.location().unwrap().path(),
        "actions[1].contact.cooldown"
    );
    assert_eq!(
        err.to_string(),
        "line 22, column 12: actions[1].contact.cooldown: '2x' is not a span of time: write \
         numbers with the units d, h, m, s in that order, such as \"7d\" or \"1d12h\""
    );
}

#[test]
fn toml_errors_name_the_path_and_place_of_what_is_wrong() {
    let cases: [(&str, &str); 7] = [
        (
            "signals = []\n[[stages]]\nid = \"a\"\n",
            "line 2, column 1: stages[0]: missing field `name`",
        ),
        (
            "signals = []\nstages = []\nhit_policy = \"fastest\"\n",
            "line 3, column 14: hit_policy: unknown variant `fastest`, expected one of \
             `first`, `furthest`, `highest_score`",
        ),
        (
            "stages = []\n[[signals]]\nid = \"x\"\nkind = \"flag\"\ncolour = 1\n",
            "line 5, column 1: signals[0].colour: unknown field `colour`, expected one of \
             `id`, `kind`, `labels`, `description`, `from`, `unit`, `ordered`, `range`, \
             `aliases`",
        ),
        (
            "signals = []\nstages = 5\n",
            "line 2, column 10: stages: invalid type: integer `5`, expected a sequence",
        ),
        (
            "signals = []\nstages = []\n[[tags]]\nid = \"t\"\nwhen = { presnt = \"x\" }\n",
            "line 5, column 10: tags[0].when.presnt: unknown variant `presnt`, expected one \
             of `bool`, `compare`, `in`, `between`, `present`, `missing`, `not`, `all`, `any`, \
             `at_least`, `not_in`",
        ),
        // Text that is not TOML: where the text goes wrong.
        (
            "signals = [\n",
            "line 1, column 12: unclosed array, expected `]`",
        ),
        (
            "signals = []\nsignals = []\n",
            "line 2, column 1: duplicate key",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(toml_error(text), expected, "{text}");
    }
}

#[test]
fn hostile_documents_are_errors_not_panics() {
    let deep_json = format!(
        "{{\"signals\": [], \"stages\": [], \"tags\": [{{\"id\": \"t\", \"when\": {}",
        "{\"not\": ".repeat(100_000)
    );
    let err = json_error(&deep_json);
    assert!(err.ends_with(": recursion limit exceeded"), "{err}");
    let unknown_then_deep = format!("{{\"x\": {}", "[".repeat(100_000));
    assert!(json_error(&unknown_then_deep).starts_with("line 1, column 7: x: unknown field `x`"));
    let deep_toml = format!("signals = {}", "[".repeat(100_000));
    assert!(Document::from_toml(&deep_toml).is_err());
    let deep_inline = format!("signals = {}", "{ a = ".repeat(100_000));
    assert!(Document::from_toml(&deep_inline).is_err());
    assert!(json_error("").starts_with("line 1, column 1: EOF while parsing a value"));
    assert_eq!(
        toml_error(""),
        "line 1, column 1: missing field `signals`",
        "an empty TOML document is an empty table"
    );
}

proptest! {
    /// Any text reads as a ruleset or is an error; a located error is at
    /// a line of the text.
    #[test]
    fn any_text_reads_or_is_a_located_error(text in "(?s).{0,64}", json in any::<bool>()) {
        let text = if json { format!("{{\"signals\": [{text}") } else { format!("signals = [{text}") };
        let read = if json { Document::from_json(&text) } else { Document::from_toml(&text) };
        if let Err(err) = read {
            let position = err.location().and_then(|l| l.position());
            let lines = text.split('\n').count();
            prop_assert!(position.is_some_and(|p| p.line <= lines), "{err}");
        }
    }
}

// ---------------------------------------------------------------------------
// Problems placed in the text
// ---------------------------------------------------------------------------

/// Where the first problem of `document` is, and its message.
fn first_problem(document: &Document, limits: &Limits) -> (String, Option<usize>, Position) {
    let problems = document.check(limits);
    let problem = problems.iter().next().expect("a problem");
    let location = problem.location();
    (
        location.path().to_owned(),
        location.column(),
        location.position().expect("placed in the text"),
    )
}

#[test]
fn a_problem_in_condition_text_is_placed_at_its_character_in_a_json_document() {
    let text = r#"{
  "signals": [{"id": "orders", "kind": "count"}, {"id": "visits", "kind": "count"}],
  "stages": [{"id": "prospect", "name": "Prospect"}],
  "stage_rules": [
    {"id": "a", "stage": "prospect", "when": "orders >= 1"},
    {"id": "b", "stage": "prospect", "when": "orders >= 1 and visit > 2"}
  ]
}"#;
    let document = Document::from_json(text).unwrap();
    let problems = document.check(&Limits::default());
    assert_eq!(
        problems.to_string(),
        "error: line 6, column 63: stage_rules[1].when, column 17: unknown signal 'visit', \
         did you mean 'visits'?\n"
    );
    // Column 63 of line 6 is where the condition's `visit` starts.
    let line = text.lines().nth(5).unwrap();
    assert!(line
        .chars()
        .skip(62)
        .collect::<String>()
        .starts_with("visit > 2"));
}

#[test]
fn an_escape_before_the_column_counts_at_its_width_in_the_text() {
    // `\u0020` is one character of the condition, six of the text.
    let text = "{\"signals\": [{\"id\": \"visits\", \"kind\": \"count\"}],\n\
                \"stages\": [{\"id\": \"p\", \"name\": \"P\"}],\n\
                \"tags\": [{\"id\": \"t\", \"when\": \"visits\\u0020> 1 and visit > 2\"}]}";
    let document = Document::from_json(text).unwrap();
    let (path, column, position) = first_problem(&document, &Limits::default());
    assert_eq!((path.as_str(), column), ("tags[0].when", Some(16)));
    assert_eq!(position, Position::new(3, 51));
    // An escape after the column does not matter.
    let text = text.replace(
        "visits\\u0020> 1 and visit > 2",
        "visit > 2 and\\u0020visits > 1",
    );
    let document = Document::from_json(&text).unwrap();
    let (_, column, position) = first_problem(&document, &Limits::default());
    assert_eq!((column, position), (Some(1), Position::new(3, 31)));
}

#[test]
fn a_problem_in_condition_text_is_placed_at_its_character_in_a_toml_document() {
    let text = r#"signals = [{ id = "orders", kind = "count" }, { id = "visits", kind = "count" }]
stages = [{ id = "p", name = "P" }]

[[stage_rules]]
id = "basic"
stage = "p"
when = "orders >= 1 and visit > 2"

[[stage_rules]]
id = "literal"
stage = "p"
when = 'orders >= 1 or visitz > 2'

[[stage_rules]]
id = "multi_line"
stage = "p"
when = """
orders >= 1 and vissits > 2"""
"#;
    let document = Document::from_toml(text).unwrap();
    let problems = document.check(&Limits::default());
    // Validation stops at the first error for now; take them one at a time.
    let problem = problems.iter().next().unwrap();
    assert_eq!(problem.location().path(), "stage_rules[0].when");
    assert_eq!(problem.location().position(), Some(Position::new(7, 25)));

    let mut spec = document.spec().clone();
    spec.stage_rules[0].when = "orders >= 1".into();
    let problems = document.locate(Engine::builder(spec.clone()).check());
    let problem = problems.iter().next().unwrap();
    assert_eq!(problem.location().path(), "stage_rules[1].when");
    assert_eq!(problem.location().column(), Some(16));
    assert_eq!(problem.location().position(), Some(Position::new(12, 24)));

    // A multi-line string starts with a line break the text drops: the
    // string's start.
    spec.stage_rules[1].when = "orders >= 1".into();
    let problems = document.locate(Engine::builder(spec).check());
    let problem = problems.iter().next().unwrap();
    assert_eq!(problem.location().path(), "stage_rules[2].when");
    assert_eq!(problem.location().position(), Some(Position::new(17, 8)));
}

#[test]
fn problems_outside_the_text_fall_back_to_the_nearest_enclosing_value() {
    let text = r#"{
  "signals": [{"id": "orders", "kind": "count"}],
  "stages": [{"id": "p", "name": "P"}, {"id": "p", "name": "Q"}],
  "stage_rules": [
    {"id": "a", "stage": "p", "when": "orders >= 1"},
    {"id": "b", "stage": "p", "when": "orders >= 2"}
  ]
}"#;
    let document = Document::from_json(text).unwrap();
    // The duplicate id itself.
    let (path, _, position) = first_problem(&document, &Limits::default());
    assert_eq!(path, "stages[1].id");
    assert_eq!(position, Position::new(3, 47));
    // A limit on the whole list: the list.
    let mut spec = document.spec().clone();
    spec.stages.pop();
    let problems = Engine::builder(spec)
        .limits(Limits::default().max_rules(1))
        .check();
    let located = document.locate(problems);
    let problem = located.iter().next().unwrap();
    assert_eq!(problem.location().path(), "stage_rules");
    assert_eq!(problem.location().position(), Some(Position::new(4, 18)));
    assert!(problem
        .to_string()
        .starts_with("error: line 4, column 18: stage_rules: "));
    // A field the text leaves out: the object it belongs to.
    assert_eq!(
        document.position("stage_rules[1].priority"),
        Some(Position::new(6, 5))
    );
    assert_eq!(
        document.position("transitions[0].from"),
        Some(Position::new(1, 1))
    );
}

#[test]
fn a_build_error_is_placed_like_a_problem() {
    let text = "stages = [{ id = \"p\", name = \"P\" }]\n\n[[signals]]\nid = \"Orders\"\nkind = \"count\"\n";
    let document = Document::from_toml(text).unwrap();
    let err = Engine::builder(document.spec().clone())
        .build()
        .unwrap_err();
    let err = document.locate_error(err);
    assert_eq!(err.location().unwrap().path(), "signals[0].id");
    assert_eq!(
        err.location().unwrap().position(),
        Some(Position::new(4, 6))
    );
}

// ---------------------------------------------------------------------------
// The built-in model as a file
// ---------------------------------------------------------------------------

fn model_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/models/buying_process.json")
}

/// The model file is `models::buying_process()` as JSON. `BLESS=1` writes
/// it anew from the code.
#[test]
fn the_model_file_is_the_built_in_model() {
    let written = models::buying_process().to_json().unwrap();
    let path = model_file();
    if std::env::var_os("BLESS").is_some_and(|bless| bless == "1") {
        std::fs::write(&path, &written).unwrap();
    }
    let file = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        file == written,
        "{} differs from models::buying_process(); regenerate it with \
         `BLESS=1 cargo test --test integration the_model_file_is_the_built_in_model`",
        path.display()
    );
    assert_eq!(
        Document::from_json(&file).unwrap().spec(),
        &models::buying_process()
    );
}

/// Two engines decide alike for `signals`: the same decision record with
/// a contact history and without.
fn assert_decide_alike(file: &Engine, code: &Engine, signals: &SignalRecord, what: &str) {
    let mut history = ContactLog::new();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    history.record_shown(
        "compare_options",
        Timestamp::from_unix_seconds(1_699_990_000),
    );
    for log in [&ContactLog::new(), &history] {
        let from_file = file
            .decide(signals, log, now, &mut file.scratch())
            .to_record();
        let from_code = code
            .decide(signals, log, now, &mut code.scratch())
            .to_record();
        assert_eq!(from_file, from_code, "{what}");
    }
}

fn model_engines() -> (Engine, Engine) {
    let text = std::fs::read_to_string(model_file()).unwrap();
    let from_file = Engine::builder(Document::from_json(&text).unwrap().into_spec())
        .build()
        .unwrap();
    let from_code = Engine::builder(models::buying_process()).build().unwrap();
    (from_file, from_code)
}

#[test]
fn the_model_file_decides_like_the_code_on_the_samples() {
    let (file, code) = model_engines();
    assert_eq!(
        (file.name(), file.version(), file.description()),
        (code.name(), code.version(), code.description())
    );
    assert_eq!(file.name(), "buying_process");
    for sample in models::sample_customers() {
        let signals = sample.record(code.schema()).unwrap();
        assert_decide_alike(&file, &code, &signals, sample.id);
    }
    // Journeys: the same events move both alike.
    let start = Timestamp::from_unix_seconds(1_700_000_000);
    for journey in models::sample_journeys() {
        let (mut by_file, mut by_code) = (Customer::new(), Customer::new());
        let (mut file_scratch, mut code_scratch) = (file.scratch(), code.scratch());
        for event in &journey.events {
            let at = event.at(start);
            let from_file = file
                .observe(&mut by_file, event.to_event(start), at, &mut file_scratch)
                .unwrap()
                .decision
                .to_record();
            let from_code = code
                .observe(&mut by_code, event.to_event(start), at, &mut code_scratch)
                .unwrap()
                .decision
                .to_record();
            assert_eq!(from_file, from_code, "{}", journey.id);
            assert_eq!(by_file, by_code, "{}", journey.id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Generated customers of the model's 16 signals: each missing or a
    /// count from 0 to 3 (a number for the two number signals).
    #[test]
    fn the_model_file_decides_like_the_code_on_generated_customers(
        values in proptest::collection::vec(proptest::option::of(0u8..4), 16),
        days in 0.0f64..60.0,
        satisfaction in 0.0f64..=10.0,
    ) {
        let (file, code) = model_engines();
        let mut signals = code.record();
        for (spec, value) in models::buying_process().signals.iter().zip(values) {
            let Some(value) = value else { continue };
            let set = match spec.id.as_str() {
                "days_since_purchase" => signals.set(&spec.id, days * f64::from(value)),
                "satisfaction" => signals.set(&spec.id, satisfaction),
                _ => signals.set(&spec.id, u32::from(value)),
            };
            set.unwrap();
        }
        assert_decide_alike(&file, &code, &signals, "generated");
    }
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

/// Strings that formats get wrong: quotes of both kinds and their triples,
/// backslashes, line breaks, control characters, non-ASCII, and text that
/// looks like syntax.
const ODD: [&str; 16] = [
    "",
    "\"quoted\"",
    "it's",
    "'''",
    "\"\"\"",
    "back\\slash \\n \\u0041",
    "two\nlines\r\nand a tab\t",
    "\u{0}\u{1f}\u{7f}",
    "größe ✓ 日本語 🚀",
    "# not a comment",
    "key = \"value\"\n[table]",
    " padded ",
    "\\",
    "\u{feff}bom",
    "\u{2028}line separator",
    "a \"b\" 'c' \\d",
];

fn odd() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(ODD.to_vec()).prop_map(str::to_owned),
        1 => "(?s).{0,12}",
    ]
}

/// Numbers at the edges of `f64` (JSON has no NaN or infinities).
const EXTREME: [f64; 10] = [
    0.0,
    -0.0,
    f64::MAX,
    -f64::MAX,
    f64::MIN_POSITIVE,
    5e-324,
    -1e-300,
    1e300,
    0.1,
    9_007_199_254_740_993.0,
];

const SPANS: [Span; 5] = [
    Span::ZERO,
    Span::seconds(1),
    Span::days(30),
    Span::seconds(u64::MAX),
    Span::seconds(93_784),
];

const PRIORITIES: [i32; 4] = [i32::MIN, -1, 7, i32::MAX];

/// Everything a generated world's ruleset leaves out, to be spread over it.
#[derive(Debug, Clone)]
struct Extras {
    strings: Vec<String>,
    floats: Vec<f64>,
    switches: Vec<u8>,
    events: Vec<EventSpec>,
    transitions: Vec<TransitionSpec>,
    derivations: Vec<Derivation>,
}

fn span() -> impl Strategy<Value = Span> {
    proptest::sample::select(SPANS.to_vec())
}

fn extreme() -> impl Strategy<Value = f64> {
    proptest::sample::select(EXTREME.to_vec())
}

fn event() -> impl Strategy<Value = EventSpec> {
    let range = prop_oneof![
        Just(None),
        Just(Some(ValueRange::any())),
        (extreme(), extreme()).prop_map(|(min, max)| Some(ValueRange::between(min, max))),
        proptest::option::of(extreme()).prop_map(|max| {
            let mut range = ValueRange::any();
            range.max = max;
            Some(range)
        }),
    ];
    (odd(), range, proptest::option::of(odd())).prop_map(|(id, range, description)| {
        let mut event = EventSpec::new(&id);
        event.value = range;
        event.description = description;
        event
    })
}

fn derivation() -> impl Strategy<Value = Derivation> {
    let events = || proptest::collection::vec(odd(), 0..3);
    let tally = || {
        (
            events(),
            proptest::option::of(span()),
            proptest::option::of(odd()),
        )
            .prop_map(|(events, within, since)| {
                let events: Vec<&str> = events.iter().map(String::as_str).collect();
                let mut tally = Tally::of(&events);
                if let Some(within) = within {
                    tally = tally.within(within);
                }
                if let Some(since) = since {
                    tally = tally.since(&since);
                }
                tally
            })
    };
    prop_oneof![
        tally().prop_map(Derivation::Count),
        tally().prop_map(Derivation::Sum),
        events().prop_map(|events| Derivation::DaysSince { events }),
        (events(), events()).prop_map(|(add, subtract)| Derivation::Balance { add, subtract }),
        events().prop_map(|events| Derivation::Latest { events }),
        (events(), span())
            .prop_map(|(events, half_life)| Derivation::Decayed { events, half_life }),
    ]
}

fn transition() -> impl Strategy<Value = TransitionSpec> {
    let from = prop_oneof![
        Just(FromStages::Any),
        proptest::collection::vec(odd(), 0..3).prop_map(FromStages::Stages),
    ];
    (
        (odd(), from, odd(), odd()),
        proptest::sample::select(PRIORITIES.to_vec()),
        proptest::option::of(span()),
        any::<(bool, bool)>(),
        proptest::option::of(odd()),
    )
        .prop_map(
            |((id, from, to, when), priority, dwell, (back, new_cycle), description)| {
                let mut transition = TransitionSpec::new(&id, &to, when).priority(priority);
                transition.from = from;
                transition.min_dwell = dwell;
                transition.back = back;
                transition.new_cycle = new_cycle;
                transition.description = description;
                transition
            },
        )
}

fn extras() -> impl Strategy<Value = Extras> {
    (
        proptest::collection::vec(odd(), 32),
        proptest::collection::vec(extreme(), 16),
        proptest::collection::vec(any::<u8>(), 32),
        proptest::collection::vec(event(), 0..4),
        proptest::collection::vec(transition(), 0..4),
        proptest::collection::vec(derivation(), 8),
    )
        .prop_map(
            |(strings, floats, switches, events, transitions, derivations)| Extras {
                strings,
                floats,
                switches,
                events,
                transitions,
                derivations,
            },
        )
}

/// A generated world's ruleset (every form of condition, every hit policy,
/// actions with every field) with the rest spread over it: odd strings in
/// every name, description and label, conditions as text, derivations,
/// events, transitions, extreme numbers, priorities and spans, and large
/// counts.
fn ruleset() -> impl Strategy<Value = RulesetSpec> {
    let policies = [
        HitPolicy::First,
        HitPolicy::Furthest,
        HitPolicy::HighestScore,
    ];
    (world(&policies, 0..=0), extras()).prop_map(|(world, extras)| {
        let mut spec = world.spec();
        spread(&mut spec, extras);
        spec
    })
}

fn spread(spec: &mut RulesetSpec, extras: Extras) {
    let mut strings = extras.strings.into_iter().cycle();
    let mut string = move || strings.next().unwrap_or_default();
    let mut switches = extras.switches.into_iter().cycle();
    let mut switch = move || switches.next().unwrap_or(0);
    let mut floats = extras.floats.into_iter().cycle();
    let mut float = move || floats.next().unwrap_or(0.0);
    let mut derivations = extras.derivations.into_iter().cycle();

    spec.name = string();
    spec.version = string();
    spec.description = string();
    for signal in &mut spec.signals {
        if switch() % 2 == 0 {
            signal.description = Some(string());
        }
        if switch() % 3 == 0 {
            signal.from = derivations.next();
        }
        if switch() % 4 == 0 {
            signal.labels.push(string());
        }
        if switch() % 3 == 0 && signal.kind.is_numeric() {
            signal.range = Some(match switch() % 3 {
                0 => ValueRange::between(float(), float()),
                1 => ValueRange::between(-float().abs(), f64::MAX),
                _ => ValueRange::any(),
            });
        }
        if switch() % 3 == 0 && signal.kind == SignalKind::Category {
            let label = signal.labels.first().cloned().unwrap_or_default();
            signal.aliases.insert(string(), label);
        }
    }
    for stage in &mut spec.stages {
        stage.name = string();
        stage.description = string();
        if switch() % 3 == 0 {
            stage.aliases = vec![string(), string()];
        }
    }
    for rule in &mut spec.stage_rules {
        if switch() % 2 == 0 {
            rule.description = Some(string());
        }
        if switch() % 3 == 0 {
            rule.when = string().into();
        }
        if switch() % 4 == 0 {
            rule.priority = PRIORITIES[usize::from(switch()) % PRIORITIES.len()];
        }
    }
    for rule in &mut spec.score_rules {
        if switch() % 2 == 0 {
            rule.description = Some(string());
        }
        if switch() % 3 == 0 {
            rule.points = float();
        }
    }
    for tag in &mut spec.tags {
        if switch() % 2 == 0 {
            tag.description = Some(string());
        }
        if switch() % 3 == 0 {
            tag.when = string().into();
        }
    }
    for action in &mut spec.actions {
        spread_action(action, &mut string, &mut switch, &mut float);
    }
    spec.scenarios = (0..switch() % 4)
        .map(|_| scenario(spec, &mut string, &mut switch, &mut float))
        .collect();
    spec.transitions = extras.transitions;
    spec.events = extras.events;
    spec.event_tolerance = SPANS[usize::from(switch()) % SPANS.len()];
    spec.contact_limits = (0..switch() % 3)
        .map(|_| {
            let limit = ContactLimitSpec::new(
                &string(),
                u32::from(switch()),
                SPANS[usize::from(switch()) % SPANS.len()],
            );
            if switch() % 2 == 0 {
                limit.group(&string())
            } else {
                limit
            }
        })
        .collect();
    if switch() % 3 == 0 {
        let mut learning = LearningSpec::new()
            .prior_strength(float())
            .half_life(SPANS[usize::from(switch()) % SPANS.len()])
            .maturity(float());
        if switch() % 2 == 0 {
            learning.by_tags = vec![string(), string()];
        }
        if switch() % 2 == 0 {
            learning.success = Success::Converted;
        }
        spec.learning = Some(learning);
    }
    if switch() % 4 == 0 {
        // The largest count TOML has.
        spec.arbitration.max_suggestions = usize::try_from(i64::MAX).unwrap_or(usize::MAX);
    }
    if switch() % 3 == 0 {
        spec.challenger = Some(ChallengerSpec::new(&string(), float(), &string()));
    }
}

/// A scenario with every field some of the time, its ids and values odd
/// strings and extreme numbers as often as the ruleset's own.
fn scenario(
    spec: &RulesetSpec,
    string: &mut impl FnMut() -> String,
    switch: &mut impl FnMut() -> u8,
    float: &mut impl FnMut() -> f64,
) -> ScenarioSpec {
    let stage = spec
        .stages
        .first()
        .map_or_else(&mut *string, |s| s.id.clone());
    let mut scenario = ScenarioSpec::new(&string(), &stage);
    for signal in &spec.signals {
        match switch() % 4 {
            0 => scenario = scenario.given(&signal.id, float()),
            1 => scenario = scenario.given(&signal.id, switch() % 2 == 0),
            2 => scenario = scenario.given(&signal.id, string()),
            _ => {}
        }
    }
    let at = |n: u8| Timestamp::from_unix_seconds(i64::from(n) * 86_400);
    if switch() % 3 == 0 {
        scenario = scenario.event(&string(), at(switch())).event_with_value(
            &string(),
            at(switch()),
            float(),
        );
    }
    if switch() % 2 == 0 {
        scenario = scenario.at(at(switch()));
    }
    if switch() % 3 == 0 {
        scenario = scenario.in_state(JourneyState::in_stage(&stage, at(switch())));
    }
    if switch() % 3 == 0 {
        let mut history = ContactLog::new();
        history.record_shown(&string(), at(switch()));
        history.record_dismissed(&string(), at(switch()));
        history.record_response(
            &string(),
            Response::ALL[usize::from(switch()) % 4],
            at(switch()),
        );
        scenario = scenario.with_history(history);
    }
    if switch() % 2 == 0 {
        scenario = scenario.expect_tags(&[&string(), &string()]);
    }
    if switch() % 2 == 0 {
        scenario = scenario.expect_actions(&[&string()]);
    }
    if switch() % 2 == 0 {
        scenario = scenario.expect_confidence(float());
    }
    scenario
}

fn spread_action(
    action: &mut ActionSpec,
    string: &mut impl FnMut() -> String,
    switch: &mut impl FnMut() -> u8,
    float: &mut impl FnMut() -> f64,
) {
    if switch() % 2 == 0 {
        action.name = string();
        action.description = Some(string());
    }
    if switch() % 3 == 0 {
        action.kind = string();
        action.group = Some(string());
    }
    if switch() % 3 == 0 {
        action.when = Some(string().into());
    }
    if switch() % 4 == 0 {
        action.value = float();
        action.weight = float();
        action.propensity = float();
    }
    if switch() % 4 == 0 {
        action.contact.cooldown = Some(SPANS[usize::from(switch()) % SPANS.len()]);
        action.contact.max_dismissals = Some(u32::MAX);
    }
    if switch() % 3 == 0 {
        action.contact.dismissals_expire = Some(SPANS[usize::from(switch()) % SPANS.len()]);
        action.response_window = Some(SPANS[usize::from(switch()) % SPANS.len()]);
    }
    if switch() % 3 == 0 {
        action.contact.suppress = Some(Suppression::new(
            u32::from(switch()),
            SPANS[usize::from(switch()) % SPANS.len()],
            SPANS[usize::from(switch()) % SPANS.len()],
        ));
    }
    if switch() % 5 == 0 {
        action.requires_tags.push(string());
        action.stages.push(string());
    }
    if switch() % 4 == 0 {
        action.aliases = vec![string()];
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A ruleset written as JSON reads back as the same ruleset, and so
    /// does one written as TOML.
    #[test]
    fn documents_round_trip_through_json_and_toml(spec in ruleset()) {
        let json = spec.to_json().unwrap();
        let document = Document::from_json(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
        prop_assert_eq!(document.spec(), &spec);
        let toml = spec.to_toml().unwrap();
        let document = Document::from_toml(&toml).unwrap_or_else(|e| panic!("{e}\n{toml}"));
        prop_assert_eq!(document.spec(), &spec);
    }
}

#[test]
fn the_built_in_model_round_trips_through_toml() {
    let spec = models::buying_process();
    let toml = spec.to_toml().unwrap();
    assert_eq!(Document::from_toml(&toml).unwrap().into_spec(), spec);
}

/// Counts beyond TOML's 64-bit signed integers: the `toml` crate writes
/// and reads them (a strict TOML reader would not).
#[test]
fn counts_beyond_signed_integers_round_trip() {
    let mut spec = models::buying_process();
    spec.arbitration.max_suggestions = usize::MAX;
    let toml = spec.to_toml().unwrap();
    assert!(toml.contains(&format!("max_suggestions = {}\n", usize::MAX)));
    assert_eq!(Document::from_toml(&toml).unwrap().into_spec(), spec);
    let json = spec.to_json().unwrap();
    assert_eq!(Document::from_json(&json).unwrap().into_spec(), spec);
}

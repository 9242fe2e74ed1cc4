//! Tests of the `replay` example (`examples/replay.rs`), which replays NDJSON
//! customer events through `Engine::observe` and writes one NDJSON line per
//! event. The example's code is included here as a module and its `run`
//! driven with in-memory input; a generated event log is replayed both by
//! the example and directly through `Engine::observe` here, and the two
//! must agree field by field. The tests that run the built example binary
//! (exit status, the summary line) need `cargo test` or
//! `cargo build --examples` first, as `examples_pipe` does.
//!
//! Run with `cargo test --test integration replay`.

// `main` is only for the example binary; the examples share `lines`, each
// binary with its own copy, and so does this one.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/replay.rs"]
mod replay;

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::process::{Command, Stdio};

use buyer_journey::{models, Customer, Engine, ErrorKind, Event, SignalKind, Step, Timestamp};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::examples_pipe::example;
use crate::support::{built_in, XorShift};

/// 2026-03-01T00:00:00Z.
const START: i64 = 1_772_323_200;

/// The output's fields, in order.
const FIELDS: [&str; 9] = [
    "customer",
    "at",
    "event",
    "stage",
    "moved_from",
    "rule",
    "cycles",
    "signals",
    "actions",
];

/// What `run` made of an input.
struct Run {
    summary: replay::Summary,
    output: Vec<String>,
    errors: Vec<String>,
}

fn run(engine: &Engine, input: &[u8]) -> Run {
    let mut output = Vec::new();
    let mut errors = Vec::new();
    let summary =
        replay::run(engine, input, &mut output, &mut errors).expect("in-memory I/O does not fail");
    Run {
        summary,
        output: lines(output),
        errors: lines(errors),
    }
}

/// Bytes written by the example as lines, each ending with a newline.
fn lines(bytes: Vec<u8>) -> Vec<String> {
    let text = String::from_utf8(bytes).expect("the example writes UTF-8");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "every line ends with a newline: {text:?}"
    );
    text.lines().map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------
// A generated event log
// ---------------------------------------------------------------------------

/// An event the log sends, as the test knows it.
#[derive(Debug, Clone)]
struct Sent {
    customer: String,
    at: i64,
    /// `at` as written in the line: a string in one of the RFC 3339 forms,
    /// or the integer.
    at_json: Json,
    event: String,
    value: Option<f64>,
}

/// One line of a generated log.
#[derive(Debug, Clone)]
enum Line {
    Blank,
    /// An event that must be replayed.
    Good(Sent),
    /// An event older than what its customer's profile has folded: the
    /// library's message, whatever the times are.
    TooLate(Sent),
    /// A line the example rejects before `observe`, or that `observe`
    /// rejects for its type or value, with the exact reason.
    Bad(String),
}

/// The generated log: its bytes and what each line is.
struct Log {
    input: Vec<u8>,
    lines: Vec<Line>,
}

/// The Gregorian calendar date and time of Unix second `unix`, counted out
/// day by day from 1970: slow and plain, an independent check of the
/// example's arithmetic.
fn civil(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let leap = |year: i64| year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let mut days = unix.div_euclid(86_400);
    let seconds = u32::try_from(unix.rem_euclid(86_400)).unwrap();
    let mut year = 1970;
    loop {
        let length = if leap(year) { 366 } else { 365 };
        if days < 0 {
            year -= 1;
            days += if leap(year) { 366 } else { 365 };
        } else if days >= length {
            days -= length;
            year += 1;
        } else {
            break;
        }
    }
    let mut month = 1;
    loop {
        let length = match month {
            2 if leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if days < length {
            break;
        }
        days -= length;
        month += 1;
    }
    let day = u32::try_from(days).unwrap() + 1;
    (
        year,
        month,
        day,
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
    )
}

/// `unix` written as RFC 3339 with `zone`, the clock read at `offset`
/// seconds from UTC.
fn rfc3339(unix: i64, fraction: &str, zone: &str, offset: i64) -> String {
    let (year, month, day, hour, minute, second) = civil(unix + offset);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}")
}

/// `at` in one of the forms the example reads, picked by `rng`.
fn at_form(rng: &mut XorShift, at: i64) -> Json {
    let text = match rng.below(8) {
        0 | 1 => return Json::from(at),
        2 => rfc3339(at, ".250", "Z", 0),
        3 => rfc3339(at, ".999999999", "Z", 0),
        4 => rfc3339(at, "", "+00:00", 0),
        5 => rfc3339(at, "", "+05:30", 5 * 3600 + 30 * 60),
        6 => rfc3339(at, ".5", "-03:00", -3 * 3600),
        _ => rfc3339(at, "", "Z", 0),
    };
    Json::from(text)
}

/// The line of `sent`.
fn event_line(sent: &Sent) -> String {
    let mut line = serde_json::json!({
        "customer": sent.customer,
        "at": sent.at_json,
        "event": sent.event,
    });
    if let Some(value) = sent.value {
        // Written as `Display` writes it, so a whole rating is an integer
        // (`9`), as hosts would write it.
        line["value"] = serde_json::from_str(&value.to_string()).unwrap();
    }
    line.to_string()
}

/// The built-in model's event types, in declaration order.
fn event_types() -> Vec<String> {
    models::buying_process()
        .events
        .into_iter()
        .map(|event| event.id)
        .collect()
}

/// A log of `count` events of a dozen customers, interleaved, each
/// customer's in time order but for a few late within the tolerance, with
/// every event type, satisfaction ratings, gaps from seconds to weeks (past
/// the 7-day dwell after a purchase), every form of `at`, and (if
/// `bad_lines`) blank lines and every kind of bad line sprinkled in.
fn generated_log(count: usize, bad_lines: bool) -> Log {
    let mut rng = XorShift::new();
    let types = event_types();
    let customers: Vec<String> = (0..10)
        .map(|n| format!("c{n:02}"))
        .chain(["Zoë \"the buyer\"".to_owned(), "c/11".to_owned()])
        .collect();
    // Each customer's clock starts somewhere in March 2026, one in 2024 so
    // that its events cross 29 February.
    let mut clocks: Vec<i64> = customers
        .iter()
        .map(|_| START + i64::try_from(rng.below(30 * 86_400)).unwrap())
        .collect();
    clocks[3] = 1_708_819_200; // 2024-02-25T00:00:00Z
    let firsts = clocks.clone();
    let mut sent_any = vec![false; customers.len()];

    // Every kind of bad line, each with the reason the example gives.
    // Customers c01..c05 have events before and after theirs, so the
    // agreement with the direct replay shows that a bad line changes no
    // one; `ghost` has no good event at all.
    let mut bad: Vec<(Vec<u8>, String)> = [
        (
            r#"{"customer": "c01", "at": "#,
            "invalid JSON at column 25: EOF while parsing a value",
        ),
        ("[1, 2]", "expected a JSON object, got an array"),
        (
            r#"{"at": 1772323200, "event": "purchase"}"#,
            r#"missing "customer""#,
        ),
        (r#"{"customer": "c02", "event": "purchase"}"#, r#"missing "at""#),
        (r#"{"customer": "c02", "at": 1772323200}"#, r#"missing "event""#),
        (
            r#"{"customer": 2, "at": 1772323200, "event": "purchase"}"#,
            r#""customer" must be a string, got a number"#,
        ),
        (
            r#"{"customer": "c03", "at": true, "event": "purchase"}"#,
            r#""at" must be an RFC 3339 string or whole Unix seconds, got a boolean"#,
        ),
        (
            r#"{"customer": "c03", "at": 1772323200.5, "event": "purchase"}"#,
            r#""at" must be whole Unix seconds or an RFC 3339 string, got 1772323200.5"#,
        ),
        (
            r#"{"customer": "c04", "at": 1772323200, "event": null}"#,
            r#""event" must be a string, got null"#,
        ),
        (
            r#"{"customer": "c04", "at": 1772323200, "event": "satisfaction", "value": "9"}"#,
            r#""value" must be a number, got a string"#,
        ),
        (
            r#"{"customer": "c05", "at": 1772323200, "event": "satisfaction", "vaule": 9}"#,
            r#"unknown field "vaule", expected "customer", "at", "event" or "value""#,
        ),
        (
            r#"{"customer": "c05", "at": 1775000000, "event": "reveiw_read"}"#,
            "event: unknown event 'reveiw_read', did you mean 'review_read'?",
        ),
        (
            r#"{"customer": "ghost", "at": 1775000000, "event": "visit"}"#,
            "event: unknown event 'visit'",
        ),
        (
            r#"{"customer": "c01", "at": 1775000000, "event": "satisfaction"}"#,
            "event.value: event 'satisfaction' needs a value",
        ),
        (
            r#"{"customer": "c02", "at": 1775000000, "event": "review_read", "value": 1}"#,
            "event.value: event 'review_read' carries no value",
        ),
        (
            r#"{"customer": "c03", "at": 1775000000, "event": "satisfaction", "value": 11}"#,
            "event.value: event 'satisfaction' got 11, outside 0 to 10",
        ),
        (
            r#"{"customer": "c04", "at": "2026-02-30T10:00:00Z", "event": "purchase"}"#,
            r#""at": 2026-02-30 is not a date: 2026-02 has days 01 to 28"#,
        ),
        (
            r#"{"customer": "c05", "at": "2026-03-01T24:00:00Z", "event": "purchase"}"#,
            r#""at": 24:00:00 is not a time of day"#,
        ),
        (
            r#"{"customer": "c01", "at": "yesterday", "event": "purchase"}"#,
            r#""at": expected an RFC 3339 time such as 2026-03-01T10:00:00Z, got "yesterday""#,
        ),
        (
            r#"{"customer": "c02", "at": "2026-03-01 10:00:00Z", "event": "purchase"}"#,
            r#""at": expected an RFC 3339 time such as 2026-03-01T10:00:00Z, got "2026-03-01 10:00:00Z""#,
        ),
    ]
    .into_iter()
    .map(|(line, reason)| (line.as_bytes().to_vec(), reason.to_owned()))
    .collect();
    bad.push((
        b"{\"customer\": \"c03\", \"at\": 1775000000, \"event\": \"\xff\"}".to_vec(),
        "invalid JSON at column 49: invalid unicode code point".to_owned(),
    ));
    bad.reverse();

    let mut log = Log {
        input: Vec::new(),
        lines: Vec::new(),
    };
    let push = |log: &mut Log, bytes: &[u8], line: Line| {
        log.input.extend_from_slice(bytes);
        log.input.push(b'\n');
        log.lines.push(line);
    };
    let mut too_late = 3;
    for n in 0..count {
        if bad_lines && n % 15 == 7 {
            if let Some((bytes, reason)) = bad.pop() {
                push(&mut log, &bytes, Line::Bad(reason));
            }
        }
        if bad_lines && n % 50 == 20 {
            push(&mut log, b"  ", Line::Blank);
        }
        let who = usize::try_from(rng.below(customers.len() as u64)).unwrap();
        // Too late: before the customer's first event, once a later event
        // has pushed that one past the tolerance into the folded state.
        if bad_lines && too_late > 0 && n % 40 == 39 && clocks[who] - firsts[who] > 3600 {
            too_late -= 1;
            let at = firsts[who] - 3600;
            let sent = Sent {
                customer: customers[who].clone(),
                at,
                at_json: at_form(&mut rng, at),
                event: "review_read".to_owned(),
                value: None,
            };
            push(&mut log, event_line(&sent).as_bytes(), Line::TooLate(sent));
        }
        // Mostly in order, after a gap of seconds to weeks; sometimes a few
        // minutes late, well within the 15 minutes of tolerance.
        let at = if sent_any[who] && rng.chance(1, 20) {
            clocks[who] - i64::try_from(rng.between(1, 300)).unwrap()
        } else {
            let gap = match rng.below(10) {
                0 => rng.below(60),
                1..=4 => rng.between(60, 3 * 3600),
                5..=7 => rng.between(3600, 3 * 86_400),
                _ => rng.between(5 * 86_400, 20 * 86_400),
            };
            if sent_any[who] {
                clocks[who] += i64::try_from(gap).unwrap();
            }
            clocks[who]
        };
        sent_any[who] = true;
        // Every type in turn first, so that each occurs; then at random.
        let event = match types.get(n) {
            Some(event) => event.clone(),
            None => types[usize::try_from(rng.below(types.len() as u64)).unwrap()].clone(),
        };
        let value = (event == "satisfaction").then(|| rng.below(21) as f64 / 2.0);
        let sent = Sent {
            customer: customers[who].clone(),
            at,
            at_json: at_form(&mut rng, at),
            event,
            value,
        };
        push(&mut log, event_line(&sent).as_bytes(), Line::Good(sent));
    }
    assert!(
        !bad_lines || (bad.is_empty() && too_late == 0),
        "the log is long enough for every bad line"
    );
    log
}

// ---------------------------------------------------------------------------
// The direct replay
// ---------------------------------------------------------------------------

/// What the example must write for a log: the output lines' fields and the
/// error lines, from `Engine::observe` called here.
struct Expected {
    outputs: Vec<IndexMap<String, Json>>,
    errors: Vec<String>,
    customers: usize,
}

/// The count `n` as an integer.
fn whole(n: f64) -> u64 {
    assert!((0.0..9e15).contains(&n) && n.fract() == 0.0, "a count: {n}");
    // Checked just above: whole, >= 0 and exact in a `u64`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = n as u64;
    n
}

/// The stage the step moved the customer from and the rule that moved
/// them: read here as the documentation of `Step` says.
fn step_moved(step: &Step) -> (Option<&str>, Option<&str>) {
    (
        step.moves.first().and_then(|first| first.from()),
        step.moves.last().and_then(|last| last.rule()),
    )
}

fn direct_replay(engine: &Engine, log: &Log) -> Expected {
    let mut customers: HashMap<String, Customer> = HashMap::new();
    let mut scratch = engine.scratch();
    let mut expected = Expected {
        outputs: Vec::new(),
        errors: Vec::new(),
        customers: 0,
    };
    for (index, line) in log.lines.iter().enumerate() {
        let number = index + 1;
        let (sent, late) = match line {
            Line::Blank => continue,
            Line::Bad(reason) => {
                expected.errors.push(format!("line {number}: {reason}"));
                continue;
            }
            Line::Good(sent) => (sent, false),
            Line::TooLate(sent) => (sent, true),
        };
        let at = Timestamp::from_unix_seconds(sent.at);
        let mut event = Event::new(&sent.event, at);
        if let Some(value) = sent.value {
            event = event.with_value(value);
        }
        let customer = customers.entry(sent.customer.clone()).or_default();
        let result = engine.observe(customer, event, at, &mut scratch);
        let observation = match (result, late) {
            (Ok(observation), false) => observation,
            (Err(err), true) => {
                assert!(
                    matches!(err.kind(), ErrorKind::TooLate { .. }),
                    "line {number}: {err}"
                );
                expected.errors.push(format!("line {number}: {err}"));
                continue;
            }
            (Ok(_), true) => panic!("line {number} should be too late: {sent:?}"),
            (Err(err), false) => panic!("line {number} should be good: {err}: {sent:?}"),
        };
        let (moved_from, rule) = step_moved(&observation.step);
        let signals: IndexMap<String, Json> = engine
            .schema()
            .iter()
            .map(|signal| {
                let value = observation.signals.get(signal.id());
                let json = match value {
                    None => Json::Null,
                    Some(buyer_journey::Value::Number(n)) if signal.kind() == SignalKind::Count => {
                        Json::from(whole(n))
                    }
                    Some(value) => serde_json::to_value(value).unwrap(),
                };
                (signal.id().to_owned(), json)
            })
            .collect();
        let actions: Vec<Json> = observation
            .decision
            .actions()
            .map(|action| {
                serde_json::json!({"id": action.id(), "kind": action.kind(), "priority": action.priority()})
            })
            .collect();
        let mut output = IndexMap::new();
        output.insert("customer".to_owned(), Json::from(sent.customer.clone()));
        output.insert("at".to_owned(), sent.at_json.clone());
        output.insert("event".to_owned(), Json::from(sent.event.clone()));
        output.insert(
            "stage".to_owned(),
            Json::from(observation.step.state.stage()),
        );
        output.insert("moved_from".to_owned(), Json::from(moved_from));
        output.insert("rule".to_owned(), Json::from(rule));
        output.insert(
            "cycles".to_owned(),
            Json::from(observation.step.state.cycles()),
        );
        output.insert(
            "signals".to_owned(),
            serde_json::to_value(&signals).unwrap(),
        );
        output.insert("actions".to_owned(), Json::from(actions));
        // The host shows every suggestion.
        for suggestion in observation.decision.actions() {
            customer.record_shown(suggestion.action(), at);
        }
        expected.outputs.push(output);
    }
    expected.customers = customers
        .values()
        .filter(|customer| customer.journey.stage().is_some())
        .count();
    expected
}

// ---------------------------------------------------------------------------
// Reading the output
// ---------------------------------------------------------------------------

/// An output line, as its documented fields and types.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read for their types; compared as JSON
struct OutputLine {
    customer: String,
    at: Json,
    event: String,
    stage: String,
    moved_from: Option<String>,
    rule: Option<String>,
    cycles: u32,
    signals: IndexMap<String, Json>,
    actions: Vec<IndexMap<String, Json>>,
}

/// Parses an output line, checking its fields, their order and types.
fn parse(engine: &Engine, line: &str) -> (IndexMap<String, Json>, OutputLine) {
    let fields: IndexMap<String, Json> =
        serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"));
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(names, FIELDS, "the fields, in order: {line}");
    let typed: OutputLine =
        serde_json::from_str(line).unwrap_or_else(|err| panic!("ill-typed ({err}): {line}"));
    assert!(
        typed.at.is_string() || typed.at.is_i64(),
        "at is a string or an integer: {line}"
    );
    let ids: Vec<&str> = typed.signals.keys().map(String::as_str).collect();
    let schema: Vec<&str> = engine.schema().iter().map(|s| s.id()).collect();
    assert_eq!(ids, schema, "every signal, in schema order: {line}");
    for signal in engine.schema().iter() {
        let value = &typed.signals[signal.id()];
        let typed_right = match signal.kind() {
            SignalKind::Count => value.is_null() || value.is_u64(),
            _ => value.is_null() || value.is_f64(),
        };
        assert!(typed_right, "{} is {value}: {line}", signal.id());
    }
    for action in &typed.actions {
        let names: Vec<&str> = action.keys().map(String::as_str).collect();
        assert_eq!(names, ["id", "kind", "priority"], "{line}");
        assert!(
            action["id"].is_string() && action["kind"].is_string(),
            "{line}"
        );
        assert!(action["priority"].is_f64(), "{line}");
    }
    (fields, typed)
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn a_generated_log_replays_as_observe_does() {
    let engine = built_in();
    let log = generated_log(400, true);
    let run = run(&engine, &log.input);
    let expected = direct_replay(&engine, &log);

    // The log is what it claims to be.
    let types: HashSet<&str> = log
        .lines
        .iter()
        .filter_map(|line| match line {
            Line::Good(sent) => Some(sent.event.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(types.len(), 17, "every event type: {types:?}");
    assert!(log.lines.iter().any(|line| matches!(line, Line::Blank)));

    assert_eq!(run.errors, expected.errors);
    assert_eq!(
        run.output.len(),
        expected.outputs.len(),
        "one line per good event"
    );
    assert_eq!(
        run.summary,
        replay::Summary {
            events: expected.outputs.len() as u64,
            customers: expected.customers,
            all_good: false,
        }
    );
    assert_eq!(expected.customers, 12, "ghost has no good event");

    let mut stages: HashMap<String, String> = HashMap::new();
    for (number, (line, want)) in run.output.iter().zip(&expected.outputs).enumerate() {
        let (got, typed) = parse(&engine, line);
        for field in FIELDS {
            assert_eq!(
                got[field],
                want[field],
                "output line {} field {field}: {line}",
                number + 1
            );
        }
        // `moved_from` is the stage the line before for the same customer
        // printed; no move, no rule and the other way round, but for the
        // first placement, which has neither.
        let before = stages.insert(typed.customer.clone(), typed.stage.clone());
        match &typed.moved_from {
            Some(from) => {
                assert_eq!(Some(from), before.as_ref(), "{line}");
                assert_ne!(*from, typed.stage, "{line}");
                assert!(typed.rule.is_some(), "{line}");
            }
            None if before.is_none() => assert_eq!(typed.rule, None, "{line}"),
            None => {
                assert_eq!(before.as_ref(), Some(&typed.stage), "{line}");
                assert_eq!(typed.rule, None, "{line}");
            }
        }
    }
    // The log moves customers, through every stage, and starts new cycles.
    let parsed: Vec<OutputLine> = run.output.iter().map(|l| parse(&engine, l).1).collect();
    let seen: HashSet<&str> = parsed.iter().map(|line| line.stage.as_str()).collect();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(parsed.iter().filter(|line| line.rule.is_some()).count() > 20);
    assert!(parsed.iter().any(|line| line.cycles > 0));
}

#[test]
fn every_printed_action_is_for_the_printed_stage() {
    // Holds once `observe` ranks the actions for the journey's stage rather
    // than the classification's: the built-in actions' ids are
    // `<stage>.<name>`, and each applies in its own stage only.
    let engine = built_in();
    let log = generated_log(400, false);
    let run = run(&engine, &log.input);
    assert!(run.summary.all_good, "{:?}", run.errors);
    for line in &run.output {
        let (_, typed) = parse(&engine, line);
        for action in &typed.actions {
            let id = action["id"].as_str().unwrap();
            assert!(
                id.strip_prefix(&typed.stage)
                    .is_some_and(|name| name.starts_with('.')),
                "{id} is not an action of {}: {line}",
                typed.stage
            );
        }
    }
}

#[test]
fn contact_policies_hold_back_what_was_shown() {
    let engine = built_in();
    let input = concat!(
        r#"{"customer": "c1", "at": "2026-03-01T10:00:00Z", "event": "review_read"}"#,
        "\n",
        r#"{"customer": "c1", "at": "2026-03-01T10:01:00Z", "event": "review_read"}"#,
        "\n",
    );
    let run = run(&engine, input.as_bytes());
    let ids = |line: &str| -> Vec<String> {
        let (_, typed) = parse(&engine, line);
        typed
            .actions
            .iter()
            .map(|action| action["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (first, second) = (ids(&run.output[0]), ids(&run.output[1]));
    assert!(!first.is_empty());
    assert!(
        first.iter().all(|id| !second.contains(id)),
        "shown a minute ago, so in their cooldowns: {first:?}, then {second:?}"
    );
}

#[test]
fn a_new_need_after_the_dwell_starts_a_new_cycle() {
    let engine = built_in();
    let input = [
        r#"{"customer": "b", "at": "2026-03-01T10:00:00Z", "event": "cart_add"}"#,
        r#"{"customer": "b", "at": "2026-03-01T11:00:00Z", "event": "purchase"}"#,
        // Three days later: within the 7 days' dwell, still post-purchase.
        r#"{"customer": "b", "at": "2026-03-04T11:00:00Z", "event": "need_search"}"#,
        // Eight days later: past the dwell, a new need starts a new cycle.
        r#"{"customer": "b", "at": "2026-03-09T11:00:00Z", "event": "need_search"}"#,
    ]
    .join("\n");
    let run = run(&engine, input.as_bytes());
    assert!(run.summary.all_good, "{:?}", run.errors);
    let lines: Vec<OutputLine> = run.output.iter().map(|l| parse(&engine, l).1).collect();
    let got: Vec<(&str, Option<&str>, Option<&str>, u32)> = lines
        .iter()
        .map(|line| {
            (
                line.stage.as_str(),
                line.moved_from.as_deref(),
                line.rule.as_deref(),
                line.cycles,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("purchase_decision", None, None, 0),
            (
                "post_purchase",
                Some("purchase_decision"),
                Some("forward.post_purchase"),
                0
            ),
            ("post_purchase", None, None, 0),
            (
                "need_recognition",
                Some("post_purchase"),
                Some("new_cycle.need_recognition"),
                1
            ),
        ]
    );
}

#[test]
fn blank_lines_are_ignored_but_counted_and_the_last_needs_no_newline() {
    let engine = built_in();
    let input = "\n  \r\n{\"customer\": \"a\", \"at\": 0, \"event\": \"purchase\"}\r\n\n{\"customer\": 1}\n{\"customer\": \"a\", \"at\": 60, \"event\": \"cart_add\"}";
    let run = run(&engine, input.as_bytes());
    assert_eq!(
        run.errors,
        [r#"line 5: "customer" must be a string, got a number"#]
    );
    assert_eq!(run.output.len(), 2);
    assert_eq!(
        run.summary,
        replay::Summary {
            events: 2,
            customers: 1,
            all_good: false
        }
    );
}

#[test]
fn empty_input_is_all_good_and_writes_nothing() {
    let run = run(&built_in(), b"");
    assert!(run.output.is_empty() && run.errors.is_empty());
    assert_eq!(
        run.summary,
        replay::Summary {
            events: 0,
            customers: 0,
            all_good: true
        }
    );
}

#[test]
fn at_is_echoed_as_given() {
    let engine = built_in();
    let input = [
        r#"{"customer": "a", "at": "2026-03-01t10:00:00.123456z", "event": "review_read"}"#,
        r#"{"customer": "a", "at": 1772359260, "event": "review_read"}"#,
        r#"{"customer": "a", "at": "2026-03-01T13:02:00+02:00", "event": "review_read"}"#,
        r#"{"customer": "b", "event": "satisfaction", "value": 7.5, "at": -1}"#,
        // An hour after the first two, which are folded now: too late.
        r#"{"customer": "a", "at": -1, "event": "review_read"}"#,
    ]
    .join("\n");
    let run = run(&engine, input.as_bytes());
    let ats: Vec<Json> = run
        .output
        .iter()
        .map(|line| parse(&engine, line).1.at)
        .collect();
    assert_eq!(
        ats,
        [
            Json::from("2026-03-01t10:00:00.123456z"),
            Json::from(1_772_359_260),
            Json::from("2026-03-01T13:02:00+02:00"),
            Json::from(-1),
        ]
    );
    assert_eq!(
        run.errors,
        [
            "line 5: event.at: event 'review_read' at @-1 arrived too late: this customer's \
          events are folded up to @1772359260, and events may be late by at most 900 seconds \
          (the ruleset's event_tolerance)"
        ]
    );
}

#[test]
fn long_input_is_quoted_short() {
    let engine = built_in();
    let field = "x".repeat(1000);
    let input =
        format!(r#"{{"customer": "a", "at": "{field}", "event": "purchase", "{field}": 1}}"#);
    let run = run(&engine, input.as_bytes());
    assert_eq!(
        run.errors,
        [format!(
            r#"line 1: "at": expected an RFC 3339 time such as 2026-03-01T10:00:00Z, got "{}"... (1000 characters)"#,
            "x".repeat(40)
        )]
    );
}

// RFC 3339 times.

fn time(text: &str) -> Result<i64, String> {
    replay::parse_time(text).map(Timestamp::unix_seconds)
}

#[test]
fn rfc3339_times_are_read_in_utc() {
    // The expected seconds are those of GNU `date -u -d <time> +%s`.
    let cases = [
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2026-03-01T00:00:00Z", 1_772_323_200),
        ("2026-03-01T10:00:00Z", 1_772_359_200),
        ("2024-02-29T12:34:56Z", 1_709_210_096),
        ("2000-02-29T00:00:00Z", 951_782_400),
        ("1900-03-01T00:00:00Z", -2_203_891_200),
        ("1600-02-29T00:00:00Z", -11_670_998_400),
        ("2026-12-31T23:59:59Z", 1_798_761_599),
        ("2027-01-01T00:00:00Z", 1_798_761_600),
        ("0000-01-01T00:00:00Z", -62_167_219_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        // Lower case, fractions (dropped), offsets.
        ("2026-03-01t10:00:00z", 1_772_359_200),
        ("2026-03-01T10:00:00.999999999Z", 1_772_359_200),
        ("2026-03-01T10:00:00.5+00:00", 1_772_359_200),
        ("2026-03-01T10:00:00-00:00", 1_772_359_200),
        ("2026-03-01T12:00:00+02:00", 1_772_359_200),
        ("2026-03-01T05:30:00-04:30", 1_772_359_200),
        (
            "2026-03-01T00:30:00+14:00",
            1_772_323_200 - 13 * 3600 - 1800,
        ),
        // A leap second is the next second, as in Unix time.
        ("2016-12-31T23:59:60Z", 1_483_228_800),
    ];
    for (text, seconds) in cases {
        assert_eq!(time(text), Ok(seconds), "{text}");
    }
}

#[test]
fn month_ends_and_leap_years() {
    for (last, next) in [
        ("2026-01-31", "2026-02-01"),
        ("2026-02-28", "2026-03-01"),
        ("2024-02-29", "2024-03-01"),
        ("2000-02-29", "2000-03-01"),
        ("1900-02-28", "1900-03-01"),
        ("2100-02-28", "2100-03-01"),
        ("2400-02-29", "2400-03-01"),
        ("2026-04-30", "2026-05-01"),
        ("2026-06-30", "2026-07-01"),
        ("2026-09-30", "2026-10-01"),
        ("2026-11-30", "2026-12-01"),
        ("2026-12-31", "2027-01-01"),
        ("1969-12-31", "1970-01-01"),
    ] {
        let at = |date: &str| time(&format!("{date}T00:00:00Z")).unwrap();
        assert_eq!(at(next) - at(last), 86_400, "{last} to {next}");
    }
}

#[test]
fn every_day_from_1600_to_2400_reads_back() {
    // Step a prime number of seconds so that every time of day is met.
    let first = time("1600-01-01T00:00:00Z").unwrap();
    let last = time("2400-12-31T23:59:59Z").unwrap();
    let mut at = first;
    while at <= last {
        let text = rfc3339(at, "", "Z", 0);
        assert_eq!(time(&text), Ok(at), "{text}");
        at += 86_400 * 3 + 7_919;
    }
}

#[test]
fn bad_times_say_why() {
    let out_of_range = [
        (
            "2026-02-30T10:00:00Z",
            "2026-02-30 is not a date: 2026-02 has days 01 to 28",
        ),
        (
            "2025-02-29T10:00:00Z",
            "2025-02-29 is not a date: 2025-02 has days 01 to 28",
        ),
        (
            "2100-02-29T10:00:00Z",
            "2100-02-29 is not a date: 2100-02 has days 01 to 28",
        ),
        (
            "2024-02-30T10:00:00Z",
            "2024-02-30 is not a date: 2024-02 has days 01 to 29",
        ),
        (
            "2026-04-31T10:00:00Z",
            "2026-04-31 is not a date: 2026-04 has days 01 to 30",
        ),
        (
            "2026-01-32T10:00:00Z",
            "2026-01-32 is not a date: 2026-01 has days 01 to 31",
        ),
        (
            "2026-01-00T10:00:00Z",
            "2026-01-00 is not a date: 2026-01 has days 01 to 31",
        ),
        (
            "2026-13-01T10:00:00Z",
            "2026-13-01 is not a date: months run from 01 to 12",
        ),
        (
            "2026-00-01T10:00:00Z",
            "2026-00-01 is not a date: months run from 01 to 12",
        ),
        ("2026-03-01T24:00:00Z", "24:00:00 is not a time of day"),
        ("2026-03-01T10:60:00Z", "10:60:00 is not a time of day"),
        ("2026-03-01T10:00:61Z", "10:00:61 is not a time of day"),
        (
            "2026-03-01T10:00:00+24:00",
            "the offset +24:00 is out of range",
        ),
        (
            "2026-03-01T10:00:00-01:60",
            "the offset -01:60 is out of range",
        ),
    ];
    for (text, reason) in out_of_range {
        assert_eq!(time(text), Err(reason.to_owned()), "{text}");
    }
    let not_times = [
        "2026-03-01T10:00:00",
        "2026-03-01T10:00:00.Z",
        "2026-03-01T10:00:00,5Z",
        "2026-03-01T10:00:00+0200",
        "2026-03-01T10:00:00+02",
        "2026-03-01T10:00Z",
        "2026-03-01 10:00:00Z",
        "2026-3-1T10:00:00Z",
        "+2026-03-01T10:00:00Z",
        "12026-03-01T10:00:00Z",
        "2026-03-01T10:00:00ZZ",
        "2026-03-01T10:00:00Z ",
        "2026-03-0\u{0661}T10:00:00Z",
        "2026-03-01T10:00:00\u{00e9}",
        "1772359200",
        "",
    ];
    for text in not_times {
        let reason = format!(
            "expected an RFC 3339 time such as 2026-03-01T10:00:00Z, got {}",
            Json::from(text)
        );
        assert_eq!(time(text), Err(reason), "{text}");
    }
}

// The built binary: exit status and the summary line.

/// Runs the built example with `args` and `input` on standard input.
fn run_binary(args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = Command::new(example("replay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("the example ran");
    feeder.join().unwrap().expect("the input was written");
    output
}

/// Whether `line` is a summary of `events` and `customers`.
fn is_summary(line: &str, events: usize, customers: usize) -> bool {
    line.strip_prefix(&format!("replay: {events} events, {customers} customers, "))
        .and_then(|rate| rate.strip_suffix(" events/s"))
        .is_some_and(|rate| !rate.is_empty() && rate.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn the_binary_reports_bad_lines_and_a_summary_and_exits_with_2() {
    let engine = built_in();
    let log = generated_log(400, true);
    let expected = direct_replay(&engine, &log);
    let output = run_binary(&[], &log.input);
    assert_eq!(output.status.code(), Some(2));
    let stderr = lines(output.stderr);
    let (summary, reports) = stderr.split_last().expect("a summary");
    assert_eq!(reports, expected.errors);
    assert!(
        is_summary(summary, expected.outputs.len(), expected.customers),
        "{summary}"
    );
    assert_eq!(lines(output.stdout), run(&engine, &log.input).output);
}

#[test]
fn the_binary_reads_a_file_and_exits_with_0_when_all_is_good() {
    let log = generated_log(200, false);
    let path = std::env::temp_dir().join(format!("replay-example-{}.ndjson", std::process::id()));
    std::fs::write(&path, &log.input).unwrap();
    let output = run_binary(&[path.to_str().unwrap()], b"");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = lines(output.stderr);
    assert!(
        stderr.len() == 1 && is_summary(&stderr[0], 200, 12),
        "{stderr:?}"
    );
    assert_eq!(lines(output.stdout).len(), 200);
}

#[test]
fn the_binary_exits_with_1_when_the_input_cannot_be_opened() {
    let output = run_binary(&["/nonexistent/events.ndjson"], b"");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("replay: cannot open /nonexistent/events.ndjson: "),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn the_binary_keeps_status_2_when_the_pipe_closes_after_a_bad_line() {
    let mut input = b"{\"customer\": \"a\"}\n".to_vec();
    for n in 0..20_000 {
        let line = format!(
            r#"{{"customer":"c{}","at":{},"event":"review_read"}}"#,
            n % 100,
            START + 60 * n
        );
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    let mut child = Command::new(example("replay"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let feeder = std::thread::spawn(move || match stdin.write_all(&input) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err),
        _ => Ok(()),
    });
    // Like `| head -1`: one line, then the pipe is closed, while the
    // example still has about 12 MB to write.
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("the first line");
    drop(stdout);
    let output = child.wait_with_output().expect("the example ran");
    feeder.join().unwrap().expect("the input was written");
    assert!(
        first.starts_with(r#"{"customer":"c0","at":1772323200,"#),
        "{first}"
    );
    assert_eq!(output.status.code(), Some(2));
    // The bad line, and no summary: the replay was cut short.
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "line 1: missing \"at\"\n"
    );
}

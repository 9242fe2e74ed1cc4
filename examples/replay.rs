//! Replay a log of customer events through the built-in buying-process
//! model, one [`Engine::observe`] per event, and write what each event did
//! as one NDJSON line: the journey's stage, the move if any, the derived
//! signals and the next-best-actions.
//!
//! Run it on a file, or on standard input when no file is given:
//!
//! ```text
//! cargo run --release --example replay -- events.ndjson
//! echo '{"customer":"c1","at":"2026-03-01T10:00:00Z","event":"review_read"}' | cargo run --example replay
//! ```
//!
//! # Input
//!
//! Each line is one event of one customer:
//!
//! ```text
//! {"customer": "c1", "at": "2026-03-01T10:00:00Z", "event": "review_read"}
//! {"customer": "c1", "at": 1772359800, "event": "satisfaction", "value": 9}
//! ```
//!
//! - `customer` (string, required): who; any string, compared exactly.
//! - `at` (required): when, either an RFC 3339 time as a string or whole
//!   Unix seconds as a JSON integer. Times are read as RFC 3339 writes
//!   them: `2026-03-01T10:00:00Z`, with `T` and `Z` in either case,
//!   optional fractional seconds (`10:00:00.250Z`), and a `Z` or a numeric
//!   offset. An offset other than `Z`/`+00:00` is converted to UTC
//!   (`12:00:00+02:00` is `10:00:00Z`). Fractional seconds are dropped:
//!   the library counts whole seconds. A leap second (`23:59:60Z`) is the
//!   same Unix second as the following `00:00:00Z`, as in Unix time. Dates
//!   must exist (`2026-02-30` is a bad line) and years have four digits.
//! - `event` (string, required): the type of the event, one of the 17 the
//!   built-in model declares (`need_search`, `category_view`,
//!   `info_page_view`, `review_read`, `recommendation_sought`,
//!   `brochure_download`, `comparison`, `sales_contact`, `quote_request`,
//!   `cart_add`, `checkout_start`, `purchase`, `ticket_opened`,
//!   `ticket_closed`, `complaint_opened`, `complaint_closed`,
//!   `satisfaction`).
//! - `value` (JSON number): required for events that carry a number (the
//!   built-in `satisfaction`, 0 to 10) and not allowed for the others;
//!   `null` is the same as no `value`.
//!
//! No other field is allowed. Customers may be interleaved in any way, but
//! each customer's events must come in time order, except that an event may
//! be late by up to the model's event tolerance (15 minutes); see
//! [`Profile`](buyer_journey::Profile).
//!
//! # What happens per event
//!
//! The example keeps one [`Customer`] per customer id in memory. For each
//! event it calls [`Engine::observe`] with `now` = the event's time, prints
//! the result, and then records each printed action as shown to the
//! customer at that time ([`Customer::record_shown`]), so the contact
//! policies (cooldowns, caps) of the catalog hold back actions shown before,
//! as they would for a host that shows every suggestion.
//!
//! # Output
//!
//! One line per good event, in input order, with the fields in this order:
//!
//! ```text
//! {"customer":"c1","at":"2026-03-01T10:00:00Z","event":"review_read","stage":"information_search","moved_from":null,"rule":null,"cycles":0,"signals":{"need_searches":0,...,"days_since_purchase":null,...},"actions":[{"id":"information_search.reviews","kind":"social_proof","priority":15.0},...]}
//! ```
//!
//! - `customer`, `event`: as in the input.
//! - `at`: the input's `at` as it was given: the same string, or the same
//!   integer.
//! - `stage`: the customer's stage in the journey after the event
//!   ([`JourneyState::stage`](buyer_journey::JourneyState::stage)).
//! - `moved_from`: the stage the customer was in before this event when the
//!   event moved them, else `null`; also `null` for the customer's first
//!   event, which places them (there was no stage before).
//! - `rule`: the id of the transition rule that moved the customer (of the
//!   last move, if one event moves them several times), else `null`; also
//!   `null` for the first placement, which the stage rules make.
//! - `cycles`: the buying cycles the customer has completed
//!   ([`JourneyState::cycles`](buyer_journey::JourneyState::cycles)).
//! - `signals`: every signal of the model in schema order, with its value
//!   after the event: counts as JSON integers, other numbers as JSON
//!   numbers, `null` when missing (as `days_since_purchase` is before the
//!   first purchase).
//! - `actions`: the suggested next-best-actions, best first, each with its
//!   `id`, `kind` and `priority` (see
//!   [`Decision::actions`](buyer_journey::Decision::actions)).
//!
//! # Bad lines, exit status and summary
//!
//! A bad line (malformed JSON, not an object, a missing or ill-typed field,
//! an unknown field, an unknown event type, a `value` missing or not
//! allowed or out of range, a bad time, an event too late for its customer)
//! is reported on standard error as `line N: <reason>` and skipped: it
//! changes no customer. Blank lines are ignored (but counted). At the end, a
//! summary goes to standard error:
//!
//! ```text
//! replay: 49219 events, 2000 customers, 1234567 events/s
//! ```
//!
//! counting the good events, the customers with at least one good event,
//! and the events per second of wall-clock time from the first line read to
//! the last line written.
//!
//! The exit status is 0 when every line was good, 2 when some line was bad,
//! and 1 when the input cannot be opened or read or the output cannot be
//! written. When the reader closes standard output early (as `| head` does),
//! the example stops quietly, without the summary, with the status of the
//! lines read so far: 0, or 2 if one of them was bad.

use std::collections::HashMap;
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use buyer_journey::{
    models, Customer, Decision, Engine, Event, SignalKind, SignalRecord, Step, Timestamp, Value,
};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value as Json;

mod lines;

use lines::{json_error, kind, Lines, Reported};

fn main() -> ExitCode {
    let engine = match Engine::builder(models::buying_process()).build() {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("replay: {err}");
            return ExitCode::FAILURE;
        }
    };
    let input = match lines::input("replay") {
        Ok(input) => input,
        Err(status) => return status,
    };
    let mut output = BufWriter::new(io::stdout().lock());
    let mut errors = Reported::stderr();
    let start = Instant::now();
    let result = run(&engine, input, &mut output, &mut errors);
    let result = result
        .and_then(|summary| output.flush().map(|()| summary))
        .map(|summary| {
            let seconds = start.elapsed().as_secs_f64();
            // A run too short for the clock to see is no rate at all.
            let rate = if seconds > 0.0 {
                summary.events as f64 / seconds
            } else {
                0.0
            };
            // The output is complete: a standard error that cannot take the
            // summary changes nothing about it, so the status stays.
            let _ = writeln!(
                errors.inner,
                "replay: {} events, {} customers, {rate:.0} events/s",
                summary.events, summary.customers
            );
            summary.all_good
        });
    lines::exit("replay", result, errors.any)
}

/// What a whole replay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The good events: one output line each.
    pub(crate) events: u64,
    /// The customers with at least one good event.
    pub(crate) customers: usize,
    /// Whether every non-blank line was good.
    pub(crate) all_good: bool,
}

/// Replays every event of the NDJSON `input` with `engine`, writing one
/// NDJSON line per good line to `output` and `line N: <reason>` per bad
/// line to `errors` (the summary line is `main`'s, which owns the clock).
///
/// # Errors
///
/// Only the I/O errors of reading `input` or writing `output` and `errors`;
/// a bad line is reported and skipped, never an error.
pub(crate) fn run(
    engine: &Engine,
    input: impl BufRead,
    output: &mut impl Write,
    errors: &mut impl Write,
) -> io::Result<Summary> {
    let mut customers: HashMap<String, Customer> = HashMap::new();
    let mut scratch = engine.scratch();
    let mut summary = Summary {
        events: 0,
        customers: 0,
        all_good: true,
    };
    let mut lines = Lines::new(input);
    while let Some((number, text)) = lines.next()? {
        let event = match read_event(text) {
            Ok(event) => event,
            Err(reason) => {
                summary.all_good = false;
                writeln!(errors, "line {number}: {reason}")?;
                continue;
            }
        };
        // A customer's first event makes a new customer, kept only if the
        // event is good: a bad line changes no one, and adds no one.
        let mut fresh = None;
        let customer = match customers.get_mut(&event.customer) {
            Some(customer) => customer,
            None => fresh.insert(Customer::new()),
        };
        let mut observed = Event::new(&event.event, event.at);
        if let Some(value) = event.value {
            observed = observed.with_value(value);
        }
        let observation = match engine.observe(customer, observed, event.at, &mut scratch) {
            Ok(observation) => observation,
            Err(err) => {
                summary.all_good = false;
                writeln!(errors, "line {number}: {err}")?;
                continue;
            }
        };
        let (moved_from, rule) = moved(&observation.step);
        let printed = Output {
            customer: &event.customer,
            at: &event.at_as_given,
            event: &event.event,
            stage: observation.step.state.stage(),
            moved_from,
            rule,
            cycles: observation.step.state.cycles(),
            signals: Signals(observation.signals),
            actions: Actions(&observation.decision),
        };
        serde_json::to_writer(&mut *output, &printed)?;
        output.write_all(b"\n")?;
        record_shown(customer, &observation.decision, event.at);
        summary.events += 1;
        if let Some(customer) = fresh {
            customers.insert(event.customer, customer);
        }
    }
    summary.customers = customers.len();
    Ok(summary)
}

/// The stage a step moved the customer from, and the id of the transition
/// rule that moved them: `(None, None)` when the customer stayed, and for
/// the first placement (no stage before, no rule: the stage rules placed
/// them). The one place that reads a step's moves, so that the output's
/// meaning (`moved_from` the stage before the event, `rule` that of the last
/// move) stays put if a step comes to report several moves.
fn moved(step: &Step) -> (Option<&str>, Option<&str>) {
    (
        step.moves.first().and_then(|first| first.from()),
        step.moves.last().and_then(|last| last.rule()),
    )
}

/// Records every action of `decision` as shown at `at`: the replay acts as
/// a host that shows every suggestion, so that contact policies apply.
fn record_shown(customer: &mut Customer, decision: &Decision<'_>, at: Timestamp) {
    for suggestion in decision.actions() {
        customer.record_shown(suggestion.action(), at);
    }
}

/// One good input line.
struct Line {
    customer: String,
    at: Timestamp,
    /// The `at` of the input, to echo it as given.
    at_as_given: Json,
    event: String,
    value: Option<f64>,
}

/// Parses one input line, or says why it is bad. What the engine checks
/// (the event type, its value, whether it comes too late) is left to
/// `observe`, whose messages say it best.
fn read_event(line: &[u8]) -> Result<Line, String> {
    let json: Json = serde_json::from_slice(line).map_err(|err| json_error(&err))?;
    let Json::Object(mut fields) = json else {
        return Err(format!("expected a JSON object, got {}", kind(&json)));
    };
    let customer = string(&mut fields, "customer")?;
    let (at, at_as_given) = match fields.remove("at") {
        Some(Json::String(text)) => match parse_time(&text) {
            Ok(at) => (at, Json::String(text)),
            Err(reason) => return Err(format!("\"at\": {reason}")),
        },
        Some(Json::Number(number)) => match number.as_i64() {
            Some(seconds) => (Timestamp::from_unix_seconds(seconds), Json::Number(number)),
            None => {
                return Err(format!(
                    "\"at\" must be whole Unix seconds or an RFC 3339 string, got {number}"
                ))
            }
        },
        Some(other) => {
            return Err(format!(
                "\"at\" must be an RFC 3339 string or whole Unix seconds, got {}",
                kind(&other)
            ))
        }
        None => return Err("missing \"at\"".to_owned()),
    };
    let event = string(&mut fields, "event")?;
    let value = match fields.remove("value") {
        None | Some(Json::Null) => None,
        // Without serde_json's arbitrary precision every JSON number is an
        // `f64`: a number too large for one is already a JSON error.
        Some(Json::Number(number)) => number.as_f64(),
        Some(other) => return Err(format!("\"value\" must be a number, got {}", kind(&other))),
    };
    if let Some(field) = fields.keys().next() {
        return Err(format!(
            "unknown field {}, expected \"customer\", \"at\", \"event\" or \"value\"",
            quoted(field)
        ));
    }
    Ok(Line {
        customer,
        at,
        at_as_given,
        event,
        value,
    })
}

/// Takes the string field `name` out of `fields`.
fn string(fields: &mut serde_json::Map<String, Json>, name: &str) -> Result<String, String> {
    match fields.remove(name) {
        Some(Json::String(text)) => Ok(text),
        Some(other) => Err(format!("\"{name}\" must be a string, got {}", kind(&other))),
        None => Err(format!("missing \"{name}\"")),
    }
}

/// Reads an RFC 3339 time (`2026-03-01T10:00:00Z`), or says why it is not
/// one: the form of the module documentation, converted to UTC, fractional
/// seconds dropped.
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, String> {
    let not_a_time = || {
        format!(
            "expected an RFC 3339 time such as 2026-03-01T10:00:00Z, got {}",
            quoted(text)
        )
    };
    // Bytes, not characters: every valid time is ASCII, and slicing bytes
    // cannot split a character of an invalid one.
    let bytes = text.as_bytes();
    let (Some(date_time), Some(rest)) = (bytes.get(..19), bytes.get(19..)) else {
        return Err(not_a_time());
    };
    let &[y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T' | b't', h1, h2, b':', mi1, mi2, b':', s1, s2] =
        date_time
    else {
        return Err(not_a_time());
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(&[y1, y2, y3, y4]),
        digits(&[mo1, mo2]),
        digits(&[d1, d2]),
        digits(&[h1, h2]),
        digits(&[mi1, mi2]),
        digits(&[s1, s2]),
    ) else {
        return Err(not_a_time());
    };
    let zone = match rest {
        [b'.', fraction @ ..] => {
            let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if count == 0 {
                return Err(not_a_time());
            }
            &fraction[count..]
        }
        _ => rest,
    };
    let offset = match *zone {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (Some(hours), Some(minutes)) = (digits(&[h1, h2]), digits(&[m1, m2])) else {
                return Err(not_a_time());
            };
            if hours > 23 || minutes > 59 {
                let zone = String::from_utf8_lossy(zone);
                return Err(format!("the offset {zone} is out of range"));
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return Err(not_a_time()),
    };
    if !(1..=12).contains(&month) {
        return Err(format!(
            "{year:04}-{month:02}-{day:02} is not a date: months run from 01 to 12"
        ));
    }
    let last = days_in_month(year, month);
    if !(1..=last).contains(&day) {
        return Err(format!(
            "{year:04}-{month:02}-{day:02} is not a date: {year:04}-{month:02} has days 01 to {last}"
        ));
    }
    // RFC 3339 allows second 60 for a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ));
    }
    let seconds_of_day = i64::from(hour * 3600 + minute * 60 + second);
    Ok(Timestamp::from_unix_seconds(
        days_since_epoch(year, month, day) * 86_400 + seconds_of_day - offset,
    ))
}

/// The number the ASCII digits `text` write, or `None` if one is not a
/// digit. At most four digits: no overflow.
fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0, |number, &digit| {
        digit
            .is_ascii_digit()
            .then(|| number * 10 + u32::from(digit - b'0'))
    })
}

/// Whether `year` has a 29 February, in the Gregorian calendar.
fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The number of days of `month` (1 to 12) in `year`.
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the valid date `year`-`month`-`day`, negative
/// before 1970, in the proleptic Gregorian calendar.
fn days_since_epoch(year: u32, month: u32, day: u32) -> i64 {
    // Count in years that start on 1 March, so that the leap day, when
    // there is one, is the last day of its year and the months before it
    // have the same lengths every year.
    let (year, month) = if month <= 2 {
        (i64::from(year) - 1, i64::from(month) + 9)
    } else {
        (i64::from(year), i64::from(month) - 3)
    };
    // The leap days from 1 March of year 0 to 1 March of `year`: every
    // fourth year, but not every hundredth, but every four hundredth.
    let leap_days = year.div_euclid(4) - year.div_euclid(100) + year.div_euclid(400);
    // Month lengths from March, 31 30 31 30 31 31 30 31 30 31 31, repeat
    // every five months as 153 days; this rounds to each month's start.
    let days_before_month = (153 * month + 2) / 5;
    // 1 March of year 0 was 719,468 days before 1970-01-01.
    365 * year + leap_days + days_before_month + i64::from(day) - 1 - 719_468
}

/// One output line, its fields in the documented order.
#[derive(Serialize)]
struct Output<'a> {
    customer: &'a str,
    at: &'a Json,
    event: &'a str,
    stage: Option<&'a str>,
    moved_from: Option<&'a str>,
    rule: Option<&'a str>,
    cycles: u32,
    signals: Signals<'a>,
    actions: Actions<'a, 'a>,
}

/// Every signal of a record's schema, in schema order, with its value or
/// `null`.
struct Signals<'a>(&'a SignalRecord);

impl Serialize for Signals<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.0;
        let mut signals = serializer.serialize_map(Some(record.schema().iter().len()))?;
        // The record lists the signals it has in schema order: merged with
        // the schema, that is every value without a lookup by id.
        let mut present = record.iter().peekable();
        for signal in record.schema().iter() {
            let value = present
                .next_if(|(set, _)| set.index() == signal.index())
                .map(|(_, value)| value);
            match value {
                // A count is a whole number >= 0 (the record checks it)
                // below 2^53: exact as an integer, which typed readers of
                // the output want for a count.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Some(Value::Number(count)) if signal.kind() == SignalKind::Count => {
                    signals.serialize_entry(signal.id(), &(count as u64))?;
                }
                value => signals.serialize_entry(signal.id(), &value)?,
            }
        }
        signals.end()
    }
}

/// The suggested actions, best first.
struct Actions<'d, 'a>(&'d Decision<'a>);

impl Serialize for Actions<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.actions().map(|action| ActionOut {
            id: action.id(),
            kind: action.kind(),
            priority: action.priority(),
        }))
    }
}

/// One suggested action in the output.
#[derive(Serialize)]
struct ActionOut<'a> {
    id: &'a str,
    kind: &'a str,
    priority: f64,
}

/// `text` quoted as a JSON string for a message: whole when short, else
/// its start and its length, so that a huge input makes a short message.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 40;
    let length = text.chars().count();
    if length <= SHOWN {
        return Json::from(text).to_string();
    }
    let start: String = text.chars().take(SHOWN).collect();
    format!("{}... ({length} characters)", Json::from(start))
}

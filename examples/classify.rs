//! Classify customers read as NDJSON (one JSON object per line) with the
//! built-in buying-process model and write one NDJSON decision per customer.
//!
//! Run it on a file, or on standard input when no file is given:
//!
//! ```text
//! cargo run --example classify -- customers.ndjson
//! echo '{"id":"a","signals":{"cart_adds":1}}' | cargo run --example classify
//! ```
//!
//! Each input line is a customer:
//!
//! ```text
//! {"id": "c1", "signals": {"reviews_read": 3, "info_page_views": 5}}
//! ```
//!
//! `id` is a string and required. `signals` maps signal ids to values:
//! JSON numbers for `number` and `count` signals, `true`/`false` for flags,
//! strings for the labels of `category` signals; `null` or an absent signal
//! means missing, and an absent `signals` means that nothing is known. Each
//! output line is the customer's id followed by the
//! [`DecisionRecord`](buyer_journey::DecisionRecord) of
//! [`Engine::decide`](buyer_journey::Engine::decide): the stage, the
//! confidence, the evidence per stage, the rules that fired, the customer's
//! `tags` and the suggested `actions`, best first, each with its id, kind,
//! priority and the three factors of the priority (priority = propensity ×
//! value × weight):
//!
//! ```text
//! {"id":"c1","stage":"information_search","confidence":1.0,"evidence":{"need_recognition":0.0,...},"fired":["information_search.reviews","information_search.guides"],"tags":["prospect"],"actions":[{"id":"information_search.reviews","kind":"social_proof","priority":20.0,"propensity":0.8,"value":25.0,"weight":1.0},...]}
//! ```
//!
//! The input carries no contact history, so every customer is decided with
//! an empty [`ContactLog`] at [`Timestamp::EPOCH`]: as if nothing had been
//! shown to anyone yet, so no cooldown, cap or dismissal limit holds an
//! action back (and with an empty history the time does not matter). The
//! `contact_policy` example shows how a history changes the suggestions.
//!
//! A bad line (malformed JSON, a missing or non-string `id`, `signals` that is
//! not an object, an unknown field or signal, a value of the wrong kind, a
//! negative count, ...) is reported on standard error as `line N: <reason>`
//! and skipped; blank lines are ignored; every other line is still
//! classified. The exit status is 0 when every line was good, 2 when some
//! line was bad, and 1 when the input cannot be opened or read or the output
//! cannot be written. When the reader closes standard output early (as
//! `| head` does), the example stops quietly, with the status of the lines
//! read so far: 0, or 2 if one of them was bad.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use buyer_journey::{models, ContactLog, DecisionRecord, Engine, SignalRecord, Timestamp, Value};
use serde::Serialize;
use serde_json::Value as Json;

mod lines;

use lines::{json_error, kind, Lines, Reported};

fn main() -> ExitCode {
    let engine = match Engine::builder(models::buying_process()).build() {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("classify: {err}");
            return ExitCode::FAILURE;
        }
    };
    let input = match lines::input("classify") {
        Ok(input) => input,
        Err(status) => return status,
    };
    let mut output = BufWriter::new(io::stdout().lock());
    let mut errors = Reported::stderr();
    let result = run(&engine, input, &mut output, &mut errors);
    let result = result.and_then(|all_good| output.flush().map(|()| all_good));
    lines::exit("classify", result, errors.any)
}

/// Decides for every customer in the NDJSON `input` with `engine` (an empty
/// contact history, at [`Timestamp::EPOCH`]), writing one NDJSON line per
/// good line to `output` and `line N: <reason>` per bad line to `errors`.
///
/// Returns whether every non-blank line was good.
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
) -> io::Result<bool> {
    let mut record = engine.record();
    let mut scratch = engine.scratch();
    // A customer in a file has no contact history here: nothing was shown,
    // so no contact policy holds an action back, and `now` does not matter.
    let history = ContactLog::new();
    let now = Timestamp::EPOCH;
    let mut all_good = true;
    let mut lines = Lines::new(input);
    while let Some((number, text)) = lines.next()? {
        record.clear();
        match read_customer(text, &mut record) {
            Ok(id) => {
                let classification = engine
                    .decide(&record, &history, now, &mut scratch)
                    .to_record();
                serde_json::to_writer(
                    &mut *output,
                    &Output {
                        id: &id,
                        classification,
                    },
                )?;
                output.write_all(b"\n")?;
            }
            Err(reason) => {
                all_good = false;
                writeln!(errors, "line {number}: {reason}")?;
            }
        }
    }
    Ok(all_good)
}

/// One output line: the id first, then the classification's fields.
#[derive(Serialize)]
struct Output<'a> {
    id: &'a str,
    #[serde(flatten)]
    classification: DecisionRecord,
}

/// Parses one customer into `record` (which starts empty) and returns its id,
/// or the reason the line is bad.
fn read_customer(line: &[u8], record: &mut SignalRecord) -> Result<String, String> {
    let json: Json = serde_json::from_slice(line).map_err(|err| json_error(&err))?;
    let Json::Object(mut customer) = json else {
        return Err(format!("expected a JSON object, got {}", kind(&json)));
    };
    let id = match customer.remove("id") {
        Some(Json::String(id)) => id,
        Some(other) => return Err(format!("\"id\" must be a string, got {}", kind(&other))),
        None => return Err("missing \"id\"".to_owned()),
    };
    let signals = match customer.remove("signals") {
        Some(Json::Object(signals)) => signals,
        Some(other) => {
            return Err(format!(
                "\"signals\" must be an object, got {}",
                kind(&other)
            ))
        }
        None => serde_json::Map::new(),
    };
    if let Some(field) = customer.keys().next() {
        return Err(format!(
            "unknown field '{field}', expected \"id\" or \"signals\""
        ));
    }
    for (name, value) in &signals {
        let result = match value {
            Json::Null => record.unset(name),
            Json::Bool(flag) => record.set(name, *flag),
            Json::String(label) => record.set(name, Value::Label(label)),
            Json::Number(number) => match number.as_f64() {
                Some(number) => record.set(name, number),
                None => return Err(format!("signal '{name}': {number} is not a usable number")),
            },
            Json::Array(_) | Json::Object(_) => {
                // Still report an unknown name before the shape of its value.
                record.unset(name).map_err(|err| err.to_string())?;
                return Err(format!(
                    "signal '{name}' must be a number, true, false, a label or null, got {}",
                    kind(value)
                ));
            }
        };
        result.map_err(|err| err.to_string())?;
    }
    Ok(id)
}

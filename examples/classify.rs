//! Classify customers read as NDJSON (one JSON object per line) with the
//! built-in buying-process model, or a ruleset document of your own, and
//! write one NDJSON decision per customer.
//!
//! Run it on a file, or on standard input when no file is given:
//!
//! ```text
//! cargo run --example classify -- [--ruleset RULESET] [customers.ndjson]
//! cargo run --example classify -- customers.ndjson
//! echo '{"id":"a","signals":{"cart_adds":1}}' | cargo run --example classify
//! cargo run --example classify -- --ruleset examples/models/b2b_saas.toml accounts.ndjson
//! ```
//!
//! `--ruleset RULESET` names a `.json` or `.toml` ruleset document (see
//! [`Document`](buyer_journey::Document)) to decide with instead of the
//! built-in model; `examples/models/buying_process.json` is the built-in
//! model as a document. A ruleset that cannot be read or has errors is not
//! used: its problems are printed on standard error as the `check` example
//! prints them, and the exit status is 1. The `what_if` example reads the
//! same customers and the same documents.
//!
//! Each input line is a customer:
//!
//! ```text
//! {"id": "c1", "signals": {"reviews_read": 3, "info_page_views": 5}}
//! ```
//!
//! `id` is a string and required. `signals` maps signal ids (of the
//! ruleset's schema) to values:
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
//! line was bad, and 1 when the input or the ruleset cannot be opened or
//! read, the ruleset has errors, or the output cannot be written. When the
//! reader closes standard output early (as `| head` does), the example
//! stops quietly, with the status of the lines read so far: 0, or 2 if one
//! of them was bad.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use std::ffi::OsString;

use buyer_journey::{models, ContactLog, DecisionRecord, Engine, SignalRecord, Timestamp};
use serde::Serialize;

#[path = "lines/customer.rs"]
mod customer;
mod lines;
#[path = "lines/ruleset.rs"]
mod ruleset;

use customer::CustomerLine;
use lines::{Lines, Reported};

const USAGE: &str = "usage: classify [--ruleset RULESET] [CUSTOMERS]";

fn main() -> ExitCode {
    let Some((ruleset, path)) = args(std::env::args_os().skip(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let engine = match ruleset {
        Some(path) => ruleset::load("classify", &path.to_string_lossy()),
        None => Engine::builder(models::buying_process())
            .build()
            .map_err(|err| format!("classify: {err}")),
    };
    let engine = match engine {
        Ok(engine) => engine,
        Err(reason) => {
            eprintln!("{reason}");
            return ExitCode::FAILURE;
        }
    };
    let input = match lines::open("classify", path.as_deref()) {
        Ok(input) => input,
        Err(status) => return status,
    };
    let mut output = BufWriter::new(io::stdout().lock());
    let mut errors = Reported::stderr();
    let result = run(&engine, input, &mut output, &mut errors);
    let result = result.and_then(|all_good| output.flush().map(|()| all_good));
    lines::exit("classify", result, errors.any)
}

/// The ruleset and the input named on the command line, or `None` when
/// the arguments do not follow [`USAGE`].
fn args(mut args: impl Iterator<Item = OsString>) -> Option<(Option<OsString>, Option<OsString>)> {
    let mut ruleset = None;
    let mut input = None;
    while let Some(arg) = args.next() {
        if arg == "--ruleset" {
            ruleset = Some(args.next()?);
        } else if arg.to_string_lossy().starts_with("--") || input.is_some() {
            return None;
        } else {
            input = Some(arg);
        }
    }
    Some((ruleset, input))
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
    let customer = CustomerLine::parse(line)?;
    customer.set_into(&mut [record])?;
    Ok(customer.id.into_owned())
}

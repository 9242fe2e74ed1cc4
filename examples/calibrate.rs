//! Fit a calibration of confidence to outcome rate from customers whose
//! outcome is known, read as NDJSON, and print it as the JSON document that
//! `Calibration::from_json` reads and `EngineBuilder::calibration` takes.
//!
//! Run it on a file, or on standard input when no file is given:
//!
//! ```text
//! cargo run --example calibrate -- outcomes.ndjson > calibration.json
//! ```
//!
//! Each input line is one customer: the stage and confidence their decision
//! reported when it was made (the `stage` and `confidence` of the
//! `classify` example's output), and whether they went on to the outcome,
//! with an optional `weight` (default 1):
//!
//! ```text
//! {"stage": "evaluation", "confidence": 0.5, "outcome": true}
//! {"stage": "evaluation", "confidence": 1.0, "outcome": false, "weight": 2}
//! ```
//!
//! Fit on the decisions as they were made, not on decisions recomputed
//! later from today's signals: a customer who converted has signals of a
//! buyer by now. The output is per stage the blocks of the fit, each a
//! range of confidence, the outcome rate in it and the samples it stands on:
//!
//! ```text
//! {
//!   "stages": {
//!     "evaluation": {
//!       "blocks": [
//!         { "low": 0.5, "high": 0.5, "rate": 0.2, "samples": 120, "weight": 120.0 },
//!         ...
//! ```
//!
//! (pretty-printed, one field a line). The stages are in the order of their
//! first line; a stage with no line has no calibration. The stage ids are
//! not checked here: the engine checks them against its model when it is
//! given the calibration.
//!
//! A bad line (malformed JSON, a missing or unknown field, a value of the
//! wrong type, a confidence outside [0, 1], a weight that is not > 0) is
//! reported on standard error as `line N: <reason>` and skipped; blank
//! lines are ignored; the calibration is fitted to the other lines. The
//! exit status is 0 when every line was good, 2 when some line was bad, and
//! 1 when the input cannot be opened or read or the output cannot be
//! written. When the reader closes standard output early (as `| head`
//! does), the example stops quietly, with the status of the lines read.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use buyer_journey::{Calibration, OutcomeSample};

// `lines::kind` names JSON values for the examples that take lines apart
// by hand; this one lets serde read each line.
#[allow(dead_code)]
mod lines;

use lines::{json_error, Lines, Reported};

fn main() -> ExitCode {
    let input = match lines::input("calibrate") {
        Ok(input) => input,
        Err(status) => return status,
    };
    let mut output = BufWriter::new(io::stdout().lock());
    let mut errors = Reported::stderr();
    let result = run(input, &mut output, &mut errors);
    let result = result.and_then(|all_good| output.flush().map(|()| all_good));
    lines::exit("calibrate", result, errors.any)
}

/// Fits a calibration to the samples in the NDJSON `input` and writes it to
/// `output` as pretty JSON, with `line N: <reason>` for each bad line to
/// `errors`.
///
/// Returns whether every non-blank line was good.
///
/// # Errors
///
/// Only the I/O errors of reading `input` or writing `output` and `errors`;
/// a bad line is reported and skipped, never an error.
pub(crate) fn run(
    input: impl BufRead,
    output: &mut impl Write,
    errors: &mut impl Write,
) -> io::Result<bool> {
    let mut samples = Vec::new();
    let mut all_good = true;
    let mut lines = Lines::new(input);
    while let Some((number, text)) = lines.next()? {
        match read_sample(text) {
            Ok(sample) => samples.push(sample),
            Err(reason) => {
                all_good = false;
                writeln!(errors, "line {number}: {reason}")?;
            }
        }
    }
    let fitted = Calibration::fit(&samples).and_then(|calibration| calibration.to_json());
    match fitted {
        Ok(json) => writeln!(output, "{json}")?,
        // Only weights that add up to more than the largest number get
        // here: every sample was checked on its line.
        Err(err) => {
            all_good = false;
            writeln!(errors, "{err}")?;
        }
    }
    Ok(all_good)
}

/// One sample, or the reason the line is not one.
fn read_sample(line: &[u8]) -> Result<OutcomeSample, String> {
    let sample: OutcomeSample = serde_json::from_slice(line).map_err(|err| {
        if err.is_data() {
            // A value that does not fit: the message names the field.
            let message = err.to_string();
            let position = format!(" at line {} column {}", err.line(), err.column());
            message
                .strip_suffix(&position)
                .unwrap_or(&message)
                .to_owned()
        } else {
            json_error(&err)
        }
    })?;
    sample.check().map_err(|err| err.to_string())?;
    Ok(sample)
}

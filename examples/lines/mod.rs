//! What the examples that read NDJSON lines share: where the lines come
//! from (a file, or standard input), the report of bad lines, and how they
//! end: 0 when every line was good, 2 when one was bad, 1 when the input
//! or the output failed, and quietly when the reader closes the pipe.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Stderr, Write};
use std::process::ExitCode;

use serde_json::Value as Json;

/// The file named by the first argument, or standard input without one;
/// on failure, the example's status after saying why on standard error.
#[allow(dead_code)] // `classify` and `what_if` name their input themselves
pub(crate) fn input(example: &str) -> Result<Box<dyn BufRead>, ExitCode> {
    open(example, std::env::args_os().nth(1).as_deref())
}

/// The file at `path`, or standard input without one; on failure, the
/// example's status after saying why on standard error.
pub(crate) fn open(example: &str, path: Option<&OsStr>) -> Result<Box<dyn BufRead>, ExitCode> {
    match path {
        None => Ok(Box::new(io::stdin().lock())),
        Some(path) => match File::open(path) {
            Ok(file) => Ok(Box::new(BufReader::new(file))),
            Err(err) => {
                eprintln!("{example}: cannot open {}: {err}", path.to_string_lossy());
                Err(ExitCode::FAILURE)
            }
        },
    }
}

/// The lines of an input, numbered from 1, blank ones skipped.
pub(crate) struct Lines<R> {
    input: R,
    line: Vec<u8>,
    number: u64,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R) -> Self {
        Lines {
            input,
            line: Vec::new(),
            number: 0,
        }
    }

    /// The next line that is not blank, with its number, without its end;
    /// leading spaces are kept, so that JSON error columns match the line.
    pub(crate) fn next(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        loop {
            self.line.clear();
            if self.input.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(None);
            }
            self.number += 1;
            if !self.line.trim_ascii().is_empty() {
                return Ok(Some((self.number, self.line.trim_ascii_end())));
            }
        }
    }
}

/// A JSON syntax error, placed by column: the line number is the input's.
pub(crate) fn json_error(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    match message.strip_suffix(&position) {
        Some(message) => format!("invalid JSON at column {}: {message}", err.column()),
        None => format!("invalid JSON: {message}"),
    }
}

/// What a JSON value is, for messages.
#[allow(dead_code)] // `classify` and `what_if` read customer lines without a `Json`
pub(crate) fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A writer of bad-line reports that remembers whether there was one.
pub(crate) struct Reported<W> {
    pub(crate) inner: W,
    /// Whether a report was written, or tried.
    pub(crate) any: bool,
}

impl Reported<Stderr> {
    /// Reports on standard error (unlocked, so that another thread can
    /// report).
    pub(crate) fn stderr() -> Self {
        Reported {
            inner: io::stderr(),
            any: false,
        }
    }
}

impl<W: Write> Write for Reported<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.any = true;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// How the example `example` ends after a run that read every line
/// (`Ok(all_good)`) or stopped on an I/O error, given whether a bad line
/// was reported.
pub(crate) fn exit(example: &str, result: io::Result<bool>, reported: bool) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        // The reader closed standard output (`| head`): stop, quietly, with
        // the status of the lines read so far.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {
            if reported {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!("{example}: {err}");
            ExitCode::FAILURE
        }
    }
}

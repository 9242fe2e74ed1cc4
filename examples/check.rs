//! Check ruleset documents before they ship: every problem (errors and
//! warnings, at their line and column), every scenario the documents carry,
//! and, given a sample of stored journey states, every state the ruleset
//! would no longer resolve.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example check -- [--states FILE] RULESET [RULESET...]
//! ```
//!
//! Each `RULESET` is a `.json` or `.toml` document. `--states FILE` names a
//! file of stored [`JourneyState`]s, one JSON object per line (what a host
//! stores, for example `{"stage": "evaluation", "entered": 1700000000}`),
//! checked against every ruleset: run it before a ruleset that renames or
//! removes stages replaces the one those states were stored under.
//!
//! Every line of output starts with the file it is about, so the lines can
//! be filtered; problems read as compilers write them, so editors jump to
//! them:
//!
//! ```text
//! rules.json:12:30: error: stage_rules[3].when, column 17: unknown signal 'visit', did you mean 'visits'?
//! rules.json: 1 error, 0 warnings
//! examples/models/b2b_saas.toml: 0 errors, 0 warnings
//! examples/models/b2b_saas.toml: ok   a first visit is awareness
//! examples/models/b2b_saas.toml: 9 scenarios: 9 passed, 0 failed
//! ```
//!
//! A document with errors is not built, so its scenarios do not run. The
//! exit status says how it went: 0 when every document is free of errors
//! and every scenario passed, 1 when a scenario failed, 2 when a document
//! could not be read or has errors, or a stored state would not resolve.
//! A line of the states file that is not a state is reported on standard
//! error as `line N: reason` and counts as an error.

use std::error::Error;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use buyer_journey::{Document, Engine, JourneyState, Limits, Problem, Severity};

const USAGE: &str = "usage: check [--states FILE] RULESET [RULESET...]";

/// How a run went, worst last: the exit status is the worst outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Fine = 0,
    ScenarioFailed = 1,
    Errors = 2,
}

fn main() -> ExitCode {
    let Some(args) = Args::parse(std::env::args().skip(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::from(Outcome::Errors as u8);
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match run(&args, &mut out).and_then(|outcome| Ok((outcome, out.flush()?))) {
        Ok((outcome, ())) => ExitCode::from(outcome as u8),
        Err(err) if is_broken_pipe(&*err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("check: {err}");
            ExitCode::from(Outcome::Errors as u8)
        }
    }
}

/// The command line: the rulesets, and the stored states to check them
/// against.
struct Args {
    states: Option<String>,
    rulesets: Vec<String>,
}

impl Args {
    /// The arguments, or `None` when they do not follow [`USAGE`].
    fn parse(mut args: impl Iterator<Item = String>) -> Option<Self> {
        let mut states = None;
        let mut rulesets = Vec::new();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--states" => states = Some(args.next()?),
                flag if flag.starts_with("--") => return None,
                _ => rulesets.push(arg),
            }
        }
        (!rulesets.is_empty()).then_some(Args { states, rulesets })
    }
}

/// Checks every ruleset and says how it went.
fn run(args: &Args, out: &mut impl Write) -> Result<Outcome, Box<dyn Error>> {
    let (states, mut outcome) = match &args.states {
        Some(path) => read_states(path)?,
        None => (Vec::new(), Outcome::Fine),
    };
    for path in &args.rulesets {
        outcome = outcome.max(check(path, args.states.as_deref(), &states, out)?);
    }
    Ok(outcome)
}

/// Checks the ruleset document at `path`: its problems, then, when it has
/// no error, its scenarios and the stored `states` (read from
/// `states_path`, each with its line there).
fn check(
    path: &str,
    states_path: Option<&str>,
    states: &[Stored],
    out: &mut impl Write,
) -> Result<Outcome, Box<dyn Error>> {
    let document = match read(path) {
        Ok(document) => document,
        Err(Unread::Document(problem)) => {
            writeln!(
                out,
                "{}",
                Located {
                    file: path,
                    problem: &problem
                }
            )?;
            writeln!(out, "{path}: 1 error, 0 warnings")?;
            return Ok(Outcome::Errors);
        }
        Err(Unread::File(reason)) => {
            writeln!(out, "{path}: error: {reason}")?;
            writeln!(out, "{path}: 1 error, 0 warnings")?;
            return Ok(Outcome::Errors);
        }
    };
    let problems = document.check(&Limits::default());
    for problem in &problems {
        writeln!(
            out,
            "{}",
            Located {
                file: path,
                problem
            }
        )?;
    }
    let errors = problems.errors().count();
    let warnings = problems.warnings().count();
    writeln!(
        out,
        "{path}: {errors} error{}, {warnings} warning{}",
        plural(errors),
        plural(warnings)
    )?;
    if problems.has_errors() {
        return Ok(Outcome::Errors);
    }
    let engine = Engine::builder(document.into_spec()).build()?;
    let report = engine.run_scenarios();
    for line in report.to_string().lines() {
        writeln!(out, "{path}: {line}")?;
    }
    let mut outcome = if report.passed() {
        Outcome::Fine
    } else {
        Outcome::ScenarioFailed
    };
    if let Some(states_path) = states_path {
        let unresolved = check_states(&engine, path, states_path, states, out)?;
        if unresolved > 0 {
            outcome = Outcome::Errors;
        }
    }
    Ok(outcome)
}

/// Writes every stored state `engine` would not resolve, and how many
/// states were checked; returns how many would not resolve.
fn check_states(
    engine: &Engine,
    path: &str,
    states_path: &str,
    states: &[Stored],
    out: &mut impl Write,
) -> io::Result<usize> {
    let only_states: Vec<JourneyState> = states.iter().map(|s| s.state.clone()).collect();
    let problems = engine.check_states(&only_states);
    let mut unresolved = 0;
    for problem in &problems {
        // The problems are at `states[i]...`: name the line instead.
        let line = state_index(problem)
            .and_then(|i| states.get(i))
            .map_or(0, |stored| stored.line);
        writeln!(
            out,
            "{path}: {states_path}:{line}: {}: {}",
            problem.severity(),
            problem.message()
        )?;
        if problem.severity() == Severity::Error {
            unresolved += 1;
        }
    }
    writeln!(
        out,
        "{path}: {} stored state{} checked, {unresolved} would not resolve",
        states.len(),
        plural(states.len())
    )?;
    Ok(unresolved)
}

/// The `i` of a problem at `states[i]...`.
fn state_index(problem: &Problem) -> Option<usize> {
    let rest = problem.location().path().strip_prefix("states[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// A stored journey state, and the line of the states file it is on.
struct Stored {
    line: u64,
    state: JourneyState,
}

/// Why a document was not read.
enum Unread {
    /// The file cannot be read, or its name does not say its format.
    File(String),
    /// The text is not a ruleset document.
    Document(Problem),
}

/// The document at `path`, read by the format its extension names.
fn read(path: &str) -> Result<Document, Unread> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Unread::File(format!("cannot read the file: {err}")))?;
    let document = match Path::new(path).extension().and_then(|e| e.to_str()) {
        Some("json") => Document::from_json(&text),
        Some("toml") => Document::from_toml(&text),
        _ => {
            return Err(Unread::File(
                "cannot tell the format: name the file .json or .toml".into(),
            ))
        }
    };
    document.map_err(|err| Unread::Document(Problem::from(err)))
}

/// The stored states of the file at `path`, each with its line; bad lines
/// are reported on standard error, and make the outcome an error.
fn read_states(path: &str) -> Result<(Vec<Stored>, Outcome), Box<dyn Error>> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read {path}: {err}"))?;
    let mut states = Vec::new();
    let mut outcome = Outcome::Fine;
    let mut stderr = io::stderr().lock();
    for (number, line) in (1..).zip(text.lines()) {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<JourneyState>(line) {
            Ok(state) => states.push(Stored {
                line: number,
                state,
            }),
            Err(err) => {
                writeln!(stderr, "line {number}: {err}")?;
                outcome = Outcome::Errors;
            }
        }
    }
    Ok((states, outcome))
}

/// A problem as compilers write one: `FILE:LINE:COLUMN: SEVERITY: PATH:
/// MESSAGE`, the line and column left out when the document has no place
/// for it.
struct Located<'a> {
    file: &'a str,
    problem: &'a Problem,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.problem.location();
        write!(f, "{}:", self.file)?;
        if let Some(position) = location.position() {
            write!(f, "{}:{}:", position.line, position.column)?;
        }
        write!(f, " {}: ", self.problem.severity())?;
        match (location.path(), location.column()) {
            ("", None) => {}
            ("", Some(column)) => write!(f, "column {column}: ")?,
            (path, None) => write!(f, "{path}: ")?,
            (path, Some(column)) => write!(f, "{path}, column {column}: ")?,
        }
        f.write_str(self.problem.message())
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whether `err` is a write to a closed pipe.
fn is_broken_pipe(err: &(dyn Error + 'static)) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|err| err.kind() == io::ErrorKind::BrokenPipe)
}

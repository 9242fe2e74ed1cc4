//! The ruleset documents the `classify` and `what_if` examples read: a
//! `.json` or `.toml` file, checked as the `check` example checks it, its
//! problems reported as `check` reports them when it has errors.

use std::fmt::Write as _;
use std::path::Path;

use buyer_journey::{Document, Engine, Limits, Problem};

/// The engine of the ruleset document at `path`, or, on standard error,
/// why there is none: the file cannot be read or its name does not say
/// its format (`example: FILE: reason`), or its problems, one a line as
/// `FILE:LINE:COLUMN: SEVERITY: PATH: MESSAGE`.
pub(crate) fn load(example: &str, path: &str) -> Result<Engine, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("{example}: {path}: cannot read the file: {err}"))?;
    let document = match Path::new(path).extension().and_then(|e| e.to_str()) {
        Some("json") => Document::from_json(&text),
        Some("toml") => Document::from_toml(&text),
        _ => {
            return Err(format!(
                "{example}: {path}: cannot tell the format: name the file .json or .toml"
            ))
        }
    };
    let document = document.map_err(|err| located(path, &Problem::from(err)))?;
    let problems = document.check(&Limits::default());
    if problems.has_errors() {
        let mut report = String::new();
        for problem in &problems {
            let _ = writeln!(report, "{}", located(path, problem));
        }
        let errors = problems.errors().count();
        let _ = write!(
            report,
            "{path}: {errors} error{}: not loaded",
            if errors == 1 { "" } else { "s" }
        );
        return Err(report);
    }
    Engine::builder(document.into_spec())
        .build()
        .map_err(|err| format!("{example}: {path}: {err}"))
}

/// A problem as `check` and compilers write one: `FILE:LINE:COLUMN:
/// SEVERITY: PATH: MESSAGE`, the line and column left out when the
/// document has no place for it.
fn located(file: &str, problem: &Problem) -> String {
    let location = problem.location();
    let mut line = format!("{file}:");
    if let Some(position) = location.position() {
        let _ = write!(line, "{}:{}:", position.line, position.column);
    }
    let _ = write!(line, " {}: ", problem.severity());
    let _ = match (location.path(), location.column()) {
        ("", None) => Ok(()),
        ("", Some(column)) => write!(line, "column {column}: "),
        (path, None) => write!(line, "{path}: "),
        (path, Some(column)) => write!(line, "{path}, column {column}: "),
    };
    line.push_str(problem.message());
    line
}

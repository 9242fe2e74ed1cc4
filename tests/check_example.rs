//! The `check` example, a contract other tools read: its output line by
//! line and its exit status, 0 when every document is clean and every
//! scenario passes, 1 when a scenario fails, 2 when a document has errors
//! (or cannot be read, or a stored state would not resolve).
//!
//! Run with `cargo test --test integration check_example` after `cargo
//! test` (or `cargo build --examples`) built the examples.

use std::path::Path;
use std::process::{Command, Output};

use crate::examples_pipe::example;

/// Runs `check` with `args`.
fn check(args: &[&str]) -> Output {
    Command::new(example("check"))
        .args(args)
        .output()
        .expect("the check example runs")
}

fn stdout(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .expect("UTF-8 output")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 output")
}

/// Every model document shipped in `examples/models/`.
fn models() -> Vec<String> {
    let mut models: Vec<String> = std::fs::read_dir("examples/models")
        .expect("examples/models/")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json" || extension == "toml")
        })
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    models.sort();
    models
}

#[test]
fn the_model_files_are_clean_and_their_scenarios_pass() {
    let models = models();
    assert!(
        models.iter().any(|m| m.ends_with("buying_process.json")),
        "{models:?}"
    );
    let args: Vec<&str> = models.iter().map(String::as_str).collect();
    let output = check(&args);
    let lines = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{lines:#?}");
    assert_eq!(stderr(&output), "");
    for model in &models {
        let own: Vec<&String> = lines
            .iter()
            .filter(|line| line.starts_with(&format!("{model}: ")))
            .collect();
        assert_eq!(own[0], &format!("{model}: 0 errors, 0 warnings"));
        let scenarios = &own[1..own.len() - 1];
        assert!(!scenarios.is_empty(), "{model} carries scenarios");
        for line in scenarios {
            assert!(line.starts_with(&format!("{model}: ok   ")), "{line}");
        }
        let total = scenarios.len();
        assert_eq!(
            own.last().unwrap(),
            &&format!("{model}: {total} scenarios: {total} passed, 0 failed")
        );
    }
    assert_eq!(
        lines.len(),
        lines
            .iter()
            .filter(|line| models.iter().any(|m| line.starts_with(&format!("{m}: "))))
            .count(),
        "every line names its file"
    );
}

#[test]
fn a_failing_scenario_exits_1_and_says_what_differed() {
    let file = "tests/data/check/failing_scenario.json";
    let output = check(&[file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        [
            format!("{file}: 0 errors, 0 warnings"),
            format!("{file}: ok   a visitor is a prospect"),
            format!(
                "{file}: FAIL a visitor is a customer: expected stage 'customer', got \
                 'prospect' (fired: visited)"
            ),
            format!("{file}: 2 scenarios: 1 passed, 1 failed"),
        ]
    );
}

#[test]
fn a_document_with_errors_exits_2_lists_them_at_their_lines_and_runs_no_scenario() {
    let file = "tests/data/check/broken.toml";
    let output = check(&[file]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stdout(&output),
        [
            format!(
                "{file}:15:25: error: stage_rules[0].when, column 17: unknown signal 'vists', \
                 did you mean 'visits'?"
            ),
            format!(
                "{file}:20:11: error: actions[0].stages[0]: unknown stage 'prospekt', did you \
                 mean 'prospect'?"
            ),
            format!("{file}: 2 errors, 0 warnings"),
        ]
    );
}

#[test]
fn errors_outrank_failing_scenarios_and_every_document_is_checked() {
    let output = check(&[
        "tests/data/check/broken.toml",
        "tests/data/check/failing_scenario.json",
        "examples/models/buying_process.json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let lines = stdout(&output);
    for file in [
        "tests/data/check/broken.toml: 2 errors",
        "tests/data/check/failing_scenario.json: 2 scenarios: 1 passed, 1 failed",
        "examples/models/buying_process.json: 18 scenarios: 18 passed",
    ] {
        assert!(lines.iter().any(|line| line.starts_with(file)), "{file}");
    }
}

#[test]
fn every_broken_document_exits_2() {
    let mut broken: Vec<_> = std::fs::read_dir("tests/data/broken")
        .map(|entries| {
            entries
                .map(|entry| entry.expect("a directory entry").path())
                .filter(|path| {
                    path.extension()
                        .is_some_and(|extension| extension == "json" || extension == "toml")
                })
                .collect()
        })
        .unwrap_or_default();
    broken.sort();
    // Warnings alone do not fail a document: only those with errors.
    let with_errors: Vec<_> = broken
        .iter()
        .filter(|path| {
            let problems = path.with_extension("problems");
            std::fs::read_to_string(problems)
                .is_ok_and(|problems| problems.lines().any(|line| line.starts_with("error: ")))
        })
        .collect();
    for path in with_errors {
        let file = path.to_string_lossy();
        let output = check(&[&file]);
        assert_eq!(output.status.code(), Some(2), "{file}");
        assert!(
            stdout(&output).last().is_some_and(
                |line| line.starts_with(&format!("{file}: ")) && line.contains(" error")
            ),
            "{file}"
        );
    }
}

#[test]
fn unreadable_files_are_errors() {
    let output = check(&["tests/data/check/missing.json", "Cargo.lock"]);
    assert_eq!(output.status.code(), Some(2));
    let lines = stdout(&output);
    assert!(lines[0].starts_with("tests/data/check/missing.json: error: cannot read the file: "));
    assert_eq!(
        lines[1..],
        [
            "tests/data/check/missing.json: 1 error, 0 warnings",
            "Cargo.lock: error: cannot tell the format: name the file .json or .toml",
            "Cargo.lock: 1 error, 0 warnings",
        ]
    );
}

#[test]
fn stored_states_that_would_not_resolve_exit_2_at_their_lines() {
    let file = "tests/data/check/failing_scenario.json";
    let states = "tests/data/check/states.ndjson";
    assert!(Path::new(states).is_file());
    let output = check(&["--states", states, file]);
    assert_eq!(output.status.code(), Some(2));
    let lines = stdout(&output);
    assert_eq!(
        lines[4..],
        [
            // Line 2's `client` is an alias of `customer`: it resolves.
            format!("{file}: {states}:4: error: unknown stage 'lead'"),
            format!("{file}: 3 stored states checked, 1 would not resolve"),
        ]
    );
    assert_eq!(
        stderr(&output),
        "line 5: invalid type: integer `7`, expected a string at line 1 column 11\n"
    );
}

#[test]
fn without_a_ruleset_it_says_how_to_use_it() {
    for args in [&[][..], &["--states"], &["--verbose", "x.json"]] {
        let output = check(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&output), Vec::<String>::new());
        assert_eq!(
            stderr(&output),
            "usage: check [--states FILE] RULESET [RULESET...]\n"
        );
    }
}

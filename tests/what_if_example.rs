//! The `what_if` example, run as a user runs it: its JSON object and its
//! text report for a small population under the built-in model's document
//! and a changed copy (`tests/data/what_if/`), its bad-line reports and its
//! exit statuses.
//!
//! Run with `cargo test --test integration what_if_example` after `cargo
//! test` (or `cargo build --examples`) built the examples.

use std::path::PathBuf;
use std::process::{Command, Output};

use buyer_journey::{Document, Engine, Timestamp, WhatIfReport};
use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::examples_pipe::example;
use crate::support::built_in;

const POPULATION: &str = "tests/data/what_if/population.ndjson";
const BUILT_IN: &str = "examples/models/buying_process.json";
const CHANGED: &str = "tests/data/what_if/changed.json";

fn what_if(args: &[&str]) -> Output {
    Command::new(example("what_if"))
        .args(args)
        .output()
        .expect("the what_if example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn load(path: &str) -> Engine {
    let text = std::fs::read_to_string(path).expect("the document");
    let document = if std::path::Path::new(path)
        .extension()
        .is_some_and(|extension| extension == "toml")
    {
        Document::from_toml(&text)
    } else {
        Document::from_json(&text)
    };
    Engine::builder(document.expect("a document").into_spec())
        .build()
        .expect("a valid ruleset")
}

/// The customers of a population file whose values are all numbers.
fn customers(path: &str) -> Vec<IndexMap<String, f64>> {
    std::fs::read_to_string(path)
        .expect("the population")
        .lines()
        .map(|line| {
            let json: Json = serde_json::from_str(line).expect("a customer");
            json["signals"]
                .as_object()
                .expect("signals")
                .iter()
                .map(|(id, value)| (id.clone(), value.as_f64().expect("a number")))
                .collect()
        })
        .collect()
}

/// A file in the temporary directory holding `contents`, unique to this
/// test process.
fn temporary(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("what_if_{}_{name}", std::process::id()));
    std::fs::write(&path, contents).expect("a temporary file");
    path
}

#[test]
fn the_json_object_has_the_promised_keys_and_the_single_paths_counts() {
    let output = what_if(&[
        "--population",
        POPULATION,
        "--a",
        BUILT_IN,
        "--b",
        CHANGED,
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "");
    let stdout = text(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "one JSON object on one line");
    let json: Json = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["population"], 200);
    for key in ["a", "b"] {
        assert!(json[key]["stages"].is_object(), "{key}.stages");
        assert!(json["no_action"][key].is_object(), "no_action.{key}");
    }
    assert!(json["moves"]["post_purchase"]["loyalty"].is_u64());
    assert!(json["top_action_changed"].is_u64());

    // The example read the same customers the library decides here.
    let (a, b) = (load(BUILT_IN), load(CHANGED));
    let customers = customers(POPULATION);
    let mut expected = crate::what_if::expected(&a, &b, &customers, Timestamp::EPOCH);
    for changed in &mut expected.changed {
        changed.id = Some(format!("c{}", changed.position));
    }
    let report: WhatIfReport = serde_json::from_value(json).expect("a what-if report");
    assert!(report.top_action_changed > 0 && report.no_action.b["need_recognition"] > 0);
    assert_eq!(report, expected);
}

#[test]
fn the_text_report_has_its_sections_and_bars() {
    let output = what_if(&["--population", POPULATION, "--a", BUILT_IN, "--b", CHANGED]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.starts_with(
        "what if: 200 customers, each decided by a and by b at @0 with an empty contact history\n\nstages "
    ));
    for heading in [
        "\nmoves (rows: stage under a",
        "\ntop action changed: ",
        "\nno action, per stage ",
    ] {
        assert!(stdout.contains(heading), "{heading} in\n{stdout}");
    }
    let evaluation = stdout
        .lines()
        .find(|line| line.starts_with("evaluation "))
        .expect("a line for evaluation");
    assert_eq!(
        evaluation.matches('|').count(),
        4,
        "a bar under a and under b: {evaluation}"
    );
}

#[test]
fn bad_lines_are_reported_skipped_and_make_the_status_2() {
    let good = std::fs::read_to_string(POPULATION).unwrap();
    let mut lines: Vec<&str> = good.lines().take(3).collect();
    lines.insert(1, r#"{"id": 5}"#);
    lines.insert(3, "");
    lines.push(r#"{"id": "x", "signals": {"cart_add": 1}}"#);
    let path = temporary("bad.ndjson", &(lines.join("\n") + "\n"));
    let path = path.to_str().unwrap();
    let output = what_if(&[
        "--population",
        path,
        "--a",
        BUILT_IN,
        "--b",
        CHANGED,
        "--json",
    ]);
    std::fs::remove_file(path).ok();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "line 2: \"id\" must be a string, got a number\n\
         line 6: unknown signal 'cart_add', did you mean 'cart_adds'?\n"
    );
    let json: Json = serde_json::from_slice(&output.stdout).expect("the report of the good lines");
    assert_eq!(json["population"], 3);
}

#[test]
fn a_signal_only_one_ruleset_reads_is_read_by_that_one() {
    // `cart_adds` is the built-in model's, `paid_seats` the B2B model's,
    // `open_tickets` both's; `seats` neither's.
    let path = temporary(
        "two_schemas.ndjson",
        "{\"id\": \"c1\", \"signals\": {\"cart_adds\": 1, \"paid_seats\": 12, \"open_tickets\": 0}}\n\
         {\"id\": \"c2\", \"signals\": {\"seats\": 12}}\n",
    );
    let path = path.to_str().unwrap();
    let b2b = "examples/models/b2b_saas.toml";
    let output = what_if(&["--population", path, "--a", BUILT_IN, "--b", b2b, "--json"]);
    std::fs::remove_file(path).ok();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("line 2: unknown signal 'seats'"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let json: Json = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["population"], 1);
    assert_eq!(json["a"]["stages"]["purchase_decision"], 1);
    // What the B2B model makes of the account's seats alone.
    let engine = load(b2b);
    let mut record = engine.record();
    record.set("paid_seats", 12).unwrap();
    record.set("open_tickets", 0).unwrap();
    let stage = engine
        .classify(&record, &mut engine.scratch())
        .stage()
        .id()
        .to_owned();
    assert_eq!(json["b"]["stages"][&stage], 1, "{stage}");
    assert_eq!(json["moves"]["purchase_decision"][&stage], 1);
}

#[test]
fn an_unreadable_population_or_an_invalid_ruleset_is_status_1() {
    let output = what_if(&[
        "--population",
        "no/such/file",
        "--a",
        BUILT_IN,
        "--b",
        CHANGED,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).starts_with("what_if: cannot open no/such/file: "));
    assert!(output.stdout.is_empty());

    let broken = std::fs::read_to_string(BUILT_IN).unwrap().replacen(
        "\"cart_adds >= 1\"",
        "\"cart_add >= 1\"",
        1,
    );
    let path = temporary("broken.json", &broken);
    let path = path.to_str().unwrap();
    let output = what_if(&["--population", POPULATION, "--a", BUILT_IN, "--b", path]);
    std::fs::remove_file(path).ok();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{path}:"))
            && lines[0].ends_with(": error: stage_rules[9].when, column 1: unknown signal 'cart_add', did you mean 'cart_adds'?"),
        "{stderr}"
    );
    assert_eq!(lines[1], format!("{path}: 1 error: not loaded"));
    assert!(output.stdout.is_empty());

    let output = what_if(&["--population", POPULATION, "--a", BUILT_IN]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).starts_with("usage: what_if --population FILE"));
}

#[test]
fn the_generated_population_is_the_same_for_a_seed() {
    let first = what_if(&["--generate", "50", "--seed", "14"]);
    let again = what_if(&["--generate", "50", "--seed", "14"]);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(first.stdout, again.stdout);
    let lines = text(&first.stdout);
    let population = std::fs::read_to_string(POPULATION).unwrap();
    assert!(
        population.starts_with(&lines),
        "tests/data/what_if/population.ndjson is --generate 200 --seed 14"
    );
    // Every customer reads with the built-in model's signals.
    let engine = built_in();
    for (id, customer) in customers(POPULATION).iter().enumerate() {
        let mut record = engine.record();
        for (signal, &value) in customer {
            record
                .set(signal, value)
                .unwrap_or_else(|err| panic!("c{id}: {err}"));
        }
    }
}

//! Every ruleset and customer in `tests/data/` (the format is in
//! `tests/data/README.md`), decided by the compiled engine, the reference
//! interpreter and the explanation, which must all give the expected
//! decision.

use std::path::{Path, PathBuf};

use crate::regressions::promises;
use buyer_journey::{models, ContactLog, Engine, RulesetSpec, SignalRecord, Timestamp};
use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)] // for people
    description: String,
    ruleset: Ruleset,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Ruleset {
    BuiltIn(String),
    Spec(Box<RulesetSpec>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    signals: serde_json::Map<String, Json>,
    #[serde(default)]
    now: i64,
    #[serde(default)]
    history: ContactLog,
    expect: Expect,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    stage: String,
    confidence: f64,
    fired: Vec<String>,
    tags: Vec<String>,
    actions: Vec<String>,
}

fn data_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn engine(ruleset: Ruleset, file: &Path) -> Engine {
    let spec = match ruleset {
        Ruleset::BuiltIn(name) if name == "buying_process" => models::buying_process(),
        Ruleset::BuiltIn(name) => panic!("{}: no built-in model '{name}'", file.display()),
        Ruleset::Spec(spec) => *spec,
    };
    Engine::builder(spec)
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn record(engine: &Engine, signals: &serde_json::Map<String, Json>, at: &str) -> SignalRecord {
    let mut record = engine.record();
    for (id, value) in signals {
        let set = match value {
            Json::Number(n) => record.set(id, n.as_f64().expect("a finite number")),
            Json::Bool(b) => record.set(id, *b),
            Json::String(label) => record.set(id, label.as_str()),
            other => panic!("{at}: signal '{id}' has the value {other}"),
        };
        set.unwrap_or_else(|e| panic!("{at}: {e}"));
    }
    record
}

#[test]
fn every_data_file_decides_as_expected_on_every_path() {
    let files = data_files();
    assert!(files.len() >= 3, "the data files are missing: {files:?}");
    let mut cases = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: File =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!file.cases.is_empty(), "{}: no cases", path.display());
        let engine = engine(file.ruleset, &path);
        let mut scratch = engine.scratch();
        let mut names = std::collections::HashSet::new();
        for case in file.cases {
            let at = format!("{}: {}", path.display(), case.name);
            assert!(
                names.insert(case.name.clone()),
                "{at}: the name is used twice"
            );
            let customer = record(&engine, &case.signals, &at);
            let now = Timestamp::from_unix_seconds(case.now);

            let compiled = engine
                .decide(&customer, &case.history, now, &mut scratch)
                .to_record();
            let got = Expect {
                stage: compiled.stage.clone(),
                confidence: compiled.confidence,
                fired: compiled.fired.clone(),
                tags: compiled.tags.clone(),
                actions: compiled.actions.iter().map(|a| a.id.clone()).collect(),
            };
            assert!(
                (got.confidence - case.expect.confidence).abs() < 1e-12,
                "{at}: confidence {} instead of {}",
                got.confidence,
                case.expect.confidence
            );
            let exact = |mut expect: Expect| {
                expect.confidence = got.confidence;
                expect
            };
            assert_eq!(got, exact(case.expect), "{at}: the compiled engine");

            let mut classified = compiled.clone();
            classified.actions.clear();
            assert_eq!(
                engine.classify_interpreted(&customer),
                classified,
                "{at}: the interpreter"
            );

            let explanation = engine.explain(&customer, &case.history, now);
            promises::explanation_agrees(&explanation, &compiled);
            cases += 1;
        }
    }
    assert!(cases >= 30, "only {cases} cases");
}

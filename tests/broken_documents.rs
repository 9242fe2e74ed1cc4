//! The broken-document corpus: every JSON and TOML document in
//! `tests/data/broken/` (see the README there), read and checked as a host
//! would, must give exactly the problems its `.problems` file lists, in
//! order, and must not panic.
//!
//! Run with `cargo test --test integration broken_documents`; with
//! `BLESS=1` the test writes what the library says into the `.problems`
//! files instead of comparing, and every changed file must then be read
//! before it is committed.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use buyer_journey::{Document, Limits, Problem};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken")
}

/// Every document in the corpus, sorted by name.
fn documents() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "json" || ext == "toml")
        })
        .collect();
    files.sort();
    files
}

/// What reading and checking one document gave.
struct Outcome {
    /// The document did not read: its one problem is the reading error.
    unreadable: bool,
    problems: Vec<Problem>,
    /// The document's `description`, when it reads.
    description: Option<String>,
}

/// Reads and checks the document at `path`, as a host would: a document
/// that does not read is one problem, its error; one that reads is checked
/// under the default limits.
fn outcome(path: &Path) -> Outcome {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let read = match path.extension().and_then(|ext| ext.to_str()) {
        Some("json") => Document::from_json(&text),
        Some("toml") => Document::from_toml(&text),
        _ => unreachable!("only json and toml documents are listed"),
    };
    match read {
        Ok(document) => Outcome {
            unreadable: false,
            problems: document.check(&Limits::default()).into_iter().collect(),
            description: Some(document.spec().description.clone()),
        },
        Err(error) => Outcome {
            unreadable: true,
            problems: vec![Problem::from(error)],
            description: None,
        },
    }
}

/// The path of the `.problems` file beside `document`.
fn expectation_path(document: &Path) -> PathBuf {
    document.with_extension("problems")
}

/// The expected lines, or `None` when the file is missing.
fn expected(document: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(expectation_path(document)).ok()?;
    Some(text.lines().map(str::to_owned).collect())
}

/// The lines of `expected` and `actual` side by side: `  ` for a line both
/// have at that place, `- ` for an expected line not produced there and
/// `+ ` for a produced line not expected there (a longest common
/// subsequence, so one wrong line shows as one pair).
fn diff(expected: &[String], actual: &[String]) -> String {
    let (n, m) = (expected.len(), actual.len());
    // common[i][j]: the longest common subsequence of expected[i..] and
    // actual[j..].
    let mut common = vec![vec![0_usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if expected[i] == actual[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            writeln!(out, "    {}", expected[i]).unwrap();
            i += 1;
            j += 1;
        } else if j == m || (i < n && common[i + 1][j] >= common[i][j + 1]) {
            writeln!(out, "  - {}", expected[i]).unwrap();
            i += 1;
        } else {
            writeln!(out, "  + {}", actual[j]).unwrap();
            j += 1;
        }
    }
    out
}

/// The kinds of warning the lint gives, each by a part of its message that
/// only it has: the corpus has a document for each.
const WARNING_KINDS: [(&str, &str); 9] = [
    (
        "an unused signal",
        "is read by no rule, tag, action or transition",
    ),
    ("a stage nothing reaches", "no rule reaches stage"),
    (
        "a condition that never holds",
        "the condition can never hold",
    ),
    (
        "a condition that always holds",
        "the condition always holds",
    ),
    (
        "a rule an earlier one shadows",
        "is tried before it and holds whenever it does",
    ),
    (
        "an action for stages nothing reaches",
        "is never suggested: no rule reaches",
    ),
    ("an action requiring a tag nobody has", "it requires tag"),
    ("an action excluding a tag everyone has", "it excludes tag"),
    (
        "an action whose condition and tags never hold together",
        "never hold together",
    ),
];

#[test]
fn every_broken_document_gives_exactly_its_problems() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let documents = documents();
    let mut failures = String::new();
    let mut all: Vec<(PathBuf, Outcome)> = Vec::new();
    for document in &documents {
        let name = document.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(outcome) = catch_unwind(AssertUnwindSafe(|| outcome(document))) else {
            writeln!(failures, "{name}: panicked\n").unwrap();
            continue;
        };
        let actual: Vec<String> = outcome.problems.iter().map(ToString::to_string).collect();
        if bless {
            let mut text = actual.join("\n");
            text.push('\n');
            std::fs::write(expectation_path(document), text).unwrap();
        } else {
            match expected(document) {
                None => writeln!(
                    failures,
                    "{name}: no {} beside it; write the problems it must give, one a line\n",
                    expectation_path(document)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                )
                .unwrap(),
                Some(expected) if expected != actual => writeln!(
                    failures,
                    "{name}: the problems differ (- expected, + given):\n{}",
                    diff(&expected, &actual)
                )
                .unwrap(),
                Some(_) => {}
            }
        }
        if outcome.problems.is_empty() {
            writeln!(
                failures,
                "{name}: no problem at all; a broken document needs one\n"
            )
            .unwrap();
        }
        if !outcome.unreadable && outcome.description.as_deref().is_none_or(str::is_empty) {
            writeln!(failures, "{name}: say what it tests in its `description`\n").unwrap();
        }
        all.push((document.clone(), outcome));
    }
    assert!(failures.is_empty(), "\n{failures}");
    assert!(
        documents.len() >= 40,
        "the corpus has {} documents, fewer than 40",
        documents.len()
    );
    assert_covers(&all);
}

/// The corpus has what the issue asks of it: a document that does not
/// read in each format, one with several errors at once, and one for each
/// kind of warning.
fn assert_covers(all: &[(PathBuf, Outcome)]) {
    for format in ["json", "toml"] {
        assert!(
            all.iter()
                .any(|(path, o)| o.unreadable && path.extension().is_some_and(|e| e == format)),
            "no {format} document that does not read"
        );
    }
    assert!(
        all.iter().any(|(_, o)| o
            .problems
            .iter()
            .filter(|p| p.severity() == buyer_journey::Severity::Error)
            .count()
            >= 3),
        "no document with several errors at once"
    );
    for (kind, words) in WARNING_KINDS {
        assert!(
            all.iter().any(|(_, o)| o
                .problems
                .iter()
                .any(|p| p.severity() == buyer_journey::Severity::Warning
                    && p.message().contains(words))),
            "no document with {kind}"
        );
    }
}

#[test]
fn the_diff_marks_what_is_missing_and_what_is_extra() {
    let lines = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        diff(&lines("a b c"), &lines("a x c d")),
        "    a\n  - b\n  + x\n    c\n  + d\n"
    );
    assert_eq!(diff(&lines("a"), &lines("a")), "    a\n");
}

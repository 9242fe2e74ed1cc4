//! How far the structure-aware target's inputs get: for each input file
//! (or every file of a directory), whether the document it generates is a
//! ruleset, and whether that builds an engine. `--show` prints each
//! document instead, to turn a crash into a regression file.
//!
//! `cargo run --release --example reach -- corpus/structured`

use std::path::PathBuf;

use arbitrary::Unstructured;
use buyer_journey::{Engine, RulesetSpec};
use buyer_journey_fuzz::generate;

fn main() {
    let mut show = false;
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--show" {
            show = true;
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::read_dir(&path) {
            Ok(entries) => files.extend(entries.filter_map(|e| e.ok().map(|e| e.path()))),
            Err(_) => files.push(path),
        }
    }
    let (mut documents, mut engines) = (0, 0);
    let mut why = std::collections::BTreeMap::<String, usize>::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let Ok(document) = generate::ruleset(&mut Unstructured::new(&bytes)) else {
            continue;
        };
        if show {
            println!("{document:#}");
            continue;
        }
        let Ok(spec) = serde_json::from_value::<RulesetSpec>(document) else {
            continue;
        };
        documents += 1;
        match Engine::builder(spec).build() {
            Ok(_) => engines += 1,
            Err(error) => *why.entry(error.kind().to_string()).or_insert(0) += 1,
        }
    }
    if !show {
        let share = |n: usize| 100.0 * n as f64 / files.len().max(1) as f64;
        println!(
            "{} inputs: {documents} rulesets ({:.1} %), {engines} engines ({:.1} %)",
            files.len(),
            share(documents),
            share(engines)
        );
        let mut why: Vec<_> = why.into_iter().collect();
        why.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        for (error, n) in why.iter().take(12) {
            println!("{n:6}  {error}");
        }
    }
}

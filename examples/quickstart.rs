//! Quickstart: decide for the built-in sample customers with the built-in
//! five-stage buying-process model: for each customer one line with the
//! stage, the confidence and the rules that fired, and an indented line
//! with the customer's tags and the top three next-best-actions.
//!
//! Run it with:
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! The engine is compiled once from [`models::buying_process`]; one
//! [`Scratch`](buyer_journey::Scratch) is reused for every customer, so each
//! decision allocates nothing (the printing does). Nothing has been shown to
//! these customers yet, so the contact history is an empty
//! [`ContactLog`] and no cooldown, cap or dismissal limit applies; the
//! library never reads a clock, so `now` is a fixed [`Timestamp`] and the
//! output is the same on every run. The actions are printed best first as
//! `id priority`, where priority = propensity × value × weight; the ids of
//! the built-in catalog start with their stage (`evaluation.demo`), which is
//! left out since the line above shows the stage. The model suggests at
//! most three actions, at most one per group (by default, per kind).

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use buyer_journey::{models, ContactLog, Engine, Timestamp};

mod stdout;

/// 2023-11-14T22:13:20Z: any fixed time will do, the history is empty.
const NOW: i64 = 1_700_000_000;

fn main() -> ExitCode {
    stdout::write_with("quickstart", run)
}

/// Decides for the sample customers and writes the table to `out`.
fn run(out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    // Validate and compile once.
    let engine = Engine::builder(models::buying_process()).build()?;
    let mut scratch = engine.scratch();
    let history = ContactLog::new();
    let now = Timestamp::from_unix_seconds(NOW);

    let customers = models::sample_customers();
    let who = customers
        .iter()
        .map(|c| c.description.len())
        .max()
        .unwrap_or(0);
    let stage = engine
        .model()
        .iter()
        .map(|s| s.id().len())
        .max()
        .unwrap_or(0);

    writeln!(
        out,
        "{:<4} {:<who$} {:<stage$} {:>10}  fired rules",
        "id", "customer", "stage", "confidence"
    )?;
    for sample in &customers {
        let customer = sample.record(engine.schema())?;
        let decision = engine.decide(&customer, &history, now, &mut scratch);
        let fired: Vec<&str> = decision.fired().map(|rule| rule.id()).collect();
        writeln!(
            out,
            "{:<4} {:<who$} {:<stage$} {:>10.2}  {}",
            sample.id,
            sample.description,
            decision.stage().id(),
            decision.confidence(),
            list(&fired),
        )?;

        let tags: Vec<&str> = decision.tags().map(|tag| tag.id()).collect();
        let mut actions = String::new();
        for action in decision.actions().take(3) {
            if !actions.is_empty() {
                actions.push_str(", ");
            }
            // `evaluation.demo` is shown as `demo` under an evaluation line.
            let id = action
                .id()
                .strip_prefix(decision.stage().id())
                .and_then(|rest| rest.strip_prefix('.'))
                .unwrap_or(action.id());
            write!(actions, "{id} {:.1}", action.priority())?;
        }
        writeln!(
            out,
            "{:<4} tags: {}; actions: {}",
            "",
            list(&tags),
            if actions.is_empty() { "-" } else { &actions },
        )?;
    }
    Ok(())
}

/// `items` joined by commas, or `-` when there are none.
fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

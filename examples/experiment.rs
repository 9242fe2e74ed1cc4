//! Champion and challenger on a simulated market: the built-in model (the
//! champion) against a copy that weights social proof ten times (the
//! challenger),
//! each deciding for its share of 20,000 customers, and the report that
//! compares how customers responded.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example experiment
//! ```
//!
//! The champion's ruleset names its challenger (`challenger`: the ruleset
//! `social_proof_first`, a share of 50 %, the salt `example`), and
//! [`Experiment::new`] checks that the challenger engine is that ruleset.
//! Each customer has one of a few sets of signals; the experiment decides
//! for them with the engine of their arm, the host shows the best action
//! (counted with [`ExperimentStats::record_shown`]), and the customer
//! responds. How they respond is simulated, unknown to the engines: each
//! kind of action has a true response rate (social proof 14 %, the rest
//! 9 %), and whether this customer takes this action up is drawn from a
//! [`stable_hash`] of their id and the action, so every run gives the same
//! figures.
//!
//! The output is a comment line saying what ran, then the
//! [`ExperimentReport`] for people, then the report as JSON (serde data a
//! dashboard could read).

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

mod stdout;

use buyer_journey::{
    models, stable_hash, ChallengerSpec, ContactLog, Engine, Experiment, ExperimentReport,
    Response, Timestamp,
};

/// How many customers the market has.
const CUSTOMERS: usize = 20_000;

/// The sets of signals customers have, in turn.
const PROFILES: [&[(&str, f64)]; 6] = [
    &[("category_views", 4.0)],
    &[("reviews_read", 3.0), ("info_page_views", 5.0)],
    &[("reviews_read", 1.0), ("brochures_downloaded", 1.0)],
    &[("comparisons", 2.0)],
    &[("cart_adds", 1.0)],
    &[("purchases", 1.0)],
];

/// The true chance that a customer takes up an action of `kind`: what the
/// market does, which neither ruleset knows.
fn true_rate(kind: &str) -> f64 {
    if kind == "social_proof" {
        0.14
    } else {
        0.09
    }
}

fn main() -> ExitCode {
    stdout::write_with("experiment", run)
}

fn run(out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    let mut champion = models::buying_process();
    champion.challenger = Some(ChallengerSpec::new("social_proof_first", 0.5, "example"));
    let mut challenger = models::buying_process();
    challenger.name = "social_proof_first".into();
    for action in &mut challenger.actions {
        if action.kind == "social_proof" {
            action.weight = 10.0;
        }
    }
    let experiment = Experiment::new(
        Engine::builder(champion).build()?,
        Engine::builder(challenger).build()?,
    )?;
    writeln!(
        out,
        "# champion '{}' vs challenger '{}' on {} % of {CUSTOMERS} simulated customers (salt '{}')",
        experiment.champion().name(),
        experiment.challenger().name(),
        experiment.split().share() * 100.0,
        experiment.split().salt(),
    )?;

    let mut scratch = experiment.scratch();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let history = ContactLog::new();
    for n in 0..CUSTOMERS {
        let id = format!("customer-{n}");
        let mut signals = experiment.champion().record();
        for &(signal, value) in PROFILES[n % PROFILES.len()] {
            signals.set(signal, value)?;
        }
        let decided = experiment.decide(&id, &signals, &history, now, &mut scratch);
        let Some(shown) = decided.decision.actions().next() else {
            continue;
        };
        let stats = experiment.stats();
        stats.record_shown(decided.arm);
        stats.record_response(
            decided.arm,
            respond(&id, shown.id(), true_rate(shown.kind())),
        );
    }

    let report = experiment.report();
    writeln!(out, "{report}")?;
    writeln!(out, "{}", serde_json::to_string(&report)?)?;
    // The report is serde data: what a dashboard reads back is the report.
    let back: ExperimentReport = serde_json::from_str(&serde_json::to_string(&report)?)?;
    assert_eq!(back, report);
    Ok(())
}

/// How the customer `id` responds to `action`, which customers take up at
/// `rate`: a draw in [0, 1) from the stable hash of both, so the same
/// customer always responds the same way to the same action.
fn respond(id: &str, action: &str, rate: f64) -> Response {
    #[allow(clippy::cast_precision_loss)]
    let draw = (stable_hash(&[id, action]) >> 11) as f64 / (1_u64 << 53) as f64;
    if draw < rate / 4.0 {
        Response::Converted
    } else if draw < rate {
        Response::Accepted
    } else if draw > 0.9 {
        Response::Dismissed
    } else {
        Response::Ignored
    }
}

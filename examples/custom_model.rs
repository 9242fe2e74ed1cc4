//! A model of your own, as a document alone: a B2B software funnel read from
//! `examples/models/b2b_saas.toml`, checked, its scenarios run, and a few
//! accounts decided, with the host's own scorers plugged in beside the
//! document's rules.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example custom_model [-- MODEL.toml|MODEL.json]
//! ```
//!
//! It reads the model (by default the one next to this example), prints
//! every problem [`Document::check`] finds, each at its line and column, on
//! standard error, and exits with status 2 if one is an error (warnings are
//! printed and the run goes on). Then it builds the engine twice: from the
//! document's rules alone, and with two host plug-ins:
//!
//! - [`ProductQualified`], a [`StageScorer`]: a product-qualified-lead
//!   model. A trial with many active users who adopted many features is
//!   ready for a conversation about the contract, so it adds `negotiation`
//!   evidence, which under the model's `highest_score` hit policy can move
//!   the account there.
//! - [`ExpansionPropensity`], an [`ActionScorer`]: how likely an account is
//!   to take an expansion offer, from its seat utilization and its NPS,
//!   which reorders the expansion actions.
//!
//! It runs the document's scenarios on the engine with the plug-ins, as the
//! host would run them, and prints the report (status 1 at the end if one
//! fails). Last, it decides for a few sample accounts given as text, as the
//! cells of a CSV export come (`"TRUE"`, the plan `"pro"` by its old name,
//! `""` for a value nobody knows), and prints for each the stage, the
//! confidence, the tags and the top actions (`id priority`, priority =
//! propensity × value × weight) from the rules alone and with the plug-ins.
//! The library never reads a clock, so `now` is fixed and the output is the
//! same on every run.

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use buyer_journey::{
    ActionInput, ActionScorer, ContactLog, Decision, Document, Engine, Evidence, Limits,
    RulesetSpec, ScoreInput, SignalIndex, StageIndex, StageScorer, Timestamp,
};

mod stdout;

/// 2026-01-01T00:00:00Z: any fixed time will do, nothing was shown yet.
const NOW: i64 = 1_767_225_600;

/// The sample accounts, as a CRM export gives them: one row per account,
/// a header naming the signals, every cell text. An empty cell is a value
/// nobody knows.
const ACCOUNTS: &str = "\
account,site_visits,content_views,pricing_views,trial_started,trial_days_left,active_users,features_adopted,days_since_login,proposal_requested,security_review,paid_seats,seat_utilization,plan,company_size,region,nps
Acme Robotics,14,2,3,TRUE,9,14,11,0,,,,,trial,51-200,emea,
Birch & Co,5,1,2,yes,20,2,3,1,,,,,trial,11-50,eu,
Cobalt Health,3,,2,,,,,,TRUE,requested,,,,1000+,na,
Dune Logistics,,,1,,,,,,TRUE,,,,,51-200,apac,
Ember Studio,2,4,,,,,,,,,,,,,,
Fjord Analytics,,,,TRUE,0,40,18,0,,,40,0.92,pro,201-1000,emea,10
Granite Bank,,,,,,,,3,,,120,1.15,business,1000+,na,7
";

/// How many active users make a trial as busy as trials that buy.
const BUSY_TEAM: f64 = 10.0;
/// How many adopted features make a trial as deep as trials that buy.
const DEEP_ADOPTION: f64 = 10.0;
/// The most `negotiation` evidence the lead model adds: above a running,
/// active trial's 7 points, so a trial busy and deep enough moves on.
const QUALIFIED_POINTS: f64 = 10.0;

/// A product-qualified-lead model, reduced to one formula: during a trial
/// that has not ended and before the first invoice, the share of a busy
/// team that is active and the share of deep adoption reached, each at most
/// 1, add up to [`QUALIFIED_POINTS`] of `negotiation` evidence.
///
/// It changes what `classify` and `decide` say. A stored journey moves only
/// by the document's transitions, which read signals, not evidence: a host
/// that stores journeys and wants a qualified trial moved would give the
/// model a signal for it and a transition that reads it.
///
/// The ids are looked up once, when the scorer is made, so scoring is a few
/// array reads and allocates nothing.
pub(crate) struct ProductQualified {
    trial_started: SignalIndex,
    trial_days_left: SignalIndex,
    paid_seats: SignalIndex,
    active_users: SignalIndex,
    features_adopted: SignalIndex,
    negotiation: StageIndex,
}

impl ProductQualified {
    /// Resolves the ids the scorer reads in the ruleset it will score for.
    pub(crate) fn new(spec: &RulesetSpec) -> Result<Self, Box<dyn Error>> {
        let signal = signal_finder(spec)?;
        let model = spec.stage_model()?;
        Ok(ProductQualified {
            trial_started: signal("trial_started")?,
            trial_days_left: signal("trial_days_left")?,
            paid_seats: signal("paid_seats")?,
            active_users: signal("active_users")?,
            features_adopted: signal("features_adopted")?,
            negotiation: model
                .find("negotiation")
                .ok_or("the model has no stage 'negotiation'")?
                .index(),
        })
    }
}

impl StageScorer for ProductQualified {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        // As the model's own trial rules read them: missing is not a trial,
        // not an ended one and not a paying one.
        let trying = input.number_at(self.trial_started) == Some(1.0);
        let ended = input
            .number_at(self.trial_days_left)
            .is_some_and(|days| days <= 0.0);
        let paying = input.number_at(self.paid_seats).is_some_and(|n| n >= 1.0);
        if !trying || ended || paying {
            return;
        }
        let share = |index: SignalIndex, full: f64| {
            input.number_at(index).map_or(0.0, |n| (n / full).min(1.0))
        };
        let qualified =
            share(self.active_users, BUSY_TEAM) + share(self.features_adopted, DEEP_ADOPTION);
        if qualified > 0.0 {
            evidence.add(self.negotiation, QUALIFIED_POINTS / 2.0 * qualified);
        }
    }
}

/// Below this seat utilization an account is not short of seats.
const ROOMY: f64 = 0.6;
/// How much utilization above [`ROOMY`] makes more seats a sure sale.
const FULL_SPAN: f64 = 0.5;

/// The host's propensity for the expansion offers, instead of the
/// document's flat 1:
///
/// - more seats: the fuller the seats above [`ROOMY`], the likelier, and a
///   lukewarm NPS halves it at worst (0.5 at NPS 0, 1 at NPS 10);
/// - a bigger plan and a referral: how much the account likes the product,
///   its NPS out of 10 (a referral only from 6 up);
///
/// and the document's own propensity for every other action.
pub(crate) struct ExpansionPropensity {
    seat_utilization: SignalIndex,
    nps: SignalIndex,
}

impl ExpansionPropensity {
    /// Resolves the ids the scorer reads in the ruleset it will score for.
    pub(crate) fn new(spec: &RulesetSpec) -> Result<Self, Box<dyn Error>> {
        let signal = signal_finder(spec)?;
        Ok(ExpansionPropensity {
            seat_utilization: signal("seat_utilization")?,
            nps: signal("nps")?,
        })
    }
}

impl ActionScorer for ExpansionPropensity {
    fn propensity(&self, input: &ActionInput<'_>) -> f64 {
        let signals = input.signals();
        let nps = signals.number_at(self.nps);
        match (input.action().id(), nps) {
            ("expansion.seat_upgrade", _) => {
                let utilization = signals.number_at(self.seat_utilization).unwrap_or(0.0);
                let fullness = ((utilization - ROOMY) / FULL_SPAN).clamp(0.0, 1.0);
                // Without an NPS answer, no discount for it.
                fullness * nps.map_or(1.0, |nps| 0.5 + nps / 20.0)
            }
            ("expansion.plan_upgrade", Some(nps)) => nps / 10.0,
            ("customer.referral", Some(nps)) => ((nps - 6.0) / 4.0).clamp(0.0, 1.0),
            _ => input.built_in(),
        }
    }
}

/// Looks signals of `spec` up by id, with an error naming a missing one.
fn signal_finder(
    spec: &RulesetSpec,
) -> Result<impl Fn(&str) -> Result<SignalIndex, String>, Box<dyn Error>> {
    let schema = spec.schema()?;
    Ok(move |id: &str| {
        schema
            .find(id)
            .map(|signal| signal.index())
            .ok_or_else(|| format!("the model has no signal '{id}'"))
    })
}

/// The model this example reads when given no path.
pub(crate) fn default_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/models/b2b_saas.toml")
}

fn main() -> ExitCode {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(default_model, PathBuf::from);
    let document = match read(&path) {
        Ok(document) => document,
        Err(err) => {
            eprintln!("custom_model: {}: {err}", path.display());
            return ExitCode::from(2);
        }
    };
    // Every problem, each at its line and column in the file.
    let problems = document.check(&Limits::default());
    for problem in &problems {
        eprintln!("{}: {problem}", path.display());
    }
    if problems.has_errors() {
        return ExitCode::from(2);
    }
    stdout::write_with("custom_model", |out| run(out, document.into_spec()))
}

/// The document at `path`: JSON if its name ends in `.json`, else TOML.
fn read(path: &Path) -> Result<Document, Box<dyn Error>> {
    let text = std::fs::read_to_string(path)?;
    let json = path.extension().is_some_and(|ext| ext == "json");
    Ok(if json {
        Document::from_json(&text)?
    } else {
        Document::from_toml(&text)?
    })
}

/// Runs the scenarios and decides for the sample accounts, writing to `out`.
fn run(out: &mut impl Write, spec: RulesetSpec) -> Result<(), Box<dyn Error>> {
    let rules_only = Engine::builder(spec.clone()).build()?;
    let qualified = ProductQualified::new(&spec)?;
    let propensity = ExpansionPropensity::new(&spec)?;
    let plugged = Engine::builder(spec)
        .scorer(qualified)
        .action_scorer(propensity)
        .build()?;

    let stages: Vec<&str> = plugged.model().iter().map(|stage| stage.id()).collect();
    writeln!(
        out,
        "{} {}: {}",
        plugged.name(),
        plugged.version(),
        stages.join(" > ")
    )?;

    // The scenarios run through the same calls a host makes, plug-ins
    // included: the host's scorers must keep the document's promises.
    let report = plugged.run_scenarios();
    writeln!(out, "\nscenarios, with the host's scorers:\n{report}")?;

    writeln!(out, "accounts: rules only, then with the host's scorers")?;
    let now = Timestamp::from_unix_seconds(NOW);
    let history = ContactLog::new();
    // Both engines have the same model and rules, so one scratch fits both.
    let mut scratch = plugged.scratch();
    let mut rows = ACCOUNTS.lines();
    let header: Vec<&str> = rows.next().ok_or("no header")?.split(',').collect();
    let width = stages.iter().map(|id| id.len()).max().unwrap_or(0);
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        let mut account = plugged.record();
        for (&column, &cell) in header.iter().zip(&cells).skip(1) {
            account
                .set_text(column, cell)
                .map_err(|err| format!("{}: column {column}: {err}", cells[0]))?;
        }
        writeln!(out, "\n{}", cells[0])?;
        for (label, engine) in [("rules only", &rules_only), ("with scorers", &plugged)] {
            let decision = engine.decide(&account, &history, now, &mut scratch);
            writeln!(out, "  {label:<12}  {}", line(&decision, width))?;
        }
    }

    if report.passed() {
        Ok(())
    } else {
        let failed = report.failures().count();
        Err(format!("{failed} of {} scenarios failed", report.results.len()).into())
    }
}

/// A decision on one line: stage, confidence, tags, actions.
fn line(decision: &Decision<'_>, width: usize) -> String {
    let tags: Vec<&str> = decision.tags().map(|tag| tag.id()).collect();
    let actions: Vec<String> = decision
        .actions()
        .map(|action| format!("{} {:.1}", action.id(), action.priority()))
        .collect();
    format!(
        "{:<width$}  {:.2}  tags: {}  actions: {}",
        decision.stage().id(),
        decision.confidence(),
        list(&tags),
        list(&actions),
    )
}

/// `items` joined by commas, or `-` when there are none.
fn list<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

//! Plug the host's own evidence into the engine: a [`StageScorer`] type (a
//! stand-in for a propensity model) and a closure scorer, registered with
//! [`EngineBuilder::scorer`](buyer_journey::EngineBuilder::scorer) on the
//! built-in model under [`HitPolicy::HighestScore`], where the evidence
//! decides the stage.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example custom_scorer
//! ```
//!
//! For a few customers it prints the decision from the rules alone and with
//! the scorers added: the stage, the confidence and the evidence per stage.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

mod stdout;

use buyer_journey::{
    models, Engine, Evidence, HitPolicy, RulesetSpec, ScoreInput, SignalIndex, StageIndex,
    StageScorer,
};

/// A customer with a quote request and at least this many sales contacts
/// gets a point of `evaluation` evidence per contact (at most 5).
const MANY_SALES_CONTACTS: f64 = 2.0;
/// A buyer whose satisfaction rating is below this gets a point of
/// `post_purchase` evidence per rating point below it, if the purchase was
/// recent (see [`RECENT_DAYS`]).
const UNHAPPY: f64 = 6.0;
/// How many days after a purchase it counts as recent.
const RECENT_DAYS: f64 = 30.0;

/// A host's propensity model, reduced to two hand-written effects:
///
/// - many sales contacts and a quote request: the customer is weighing the
///   offer, so add `evaluation` evidence, more with more contacts;
/// - an unhappy recent buyer needs after-sales care before anything else, so
///   add `post_purchase` evidence, more the unhappier they are.
///
/// The signal and stage ids are looked up once, when the scorer is made, so
/// scoring is a few array reads and allocates nothing.
struct Propensity {
    sales_contacts: SignalIndex,
    quote_requests: SignalIndex,
    days_since_purchase: SignalIndex,
    satisfaction: SignalIndex,
    evaluation: StageIndex,
    post_purchase: StageIndex,
}

impl Propensity {
    /// Resolves the ids the scorer reads in the ruleset it will score for.
    fn new(spec: &RulesetSpec) -> Result<Self, Box<dyn Error>> {
        let schema = spec.schema()?;
        let model = spec.stage_model()?;
        let signal = |id: &str| {
            let signal = schema.find(id).ok_or(format!("no signal '{id}'"))?;
            Ok::<_, String>(signal.index())
        };
        let stage = |id: &str| {
            let stage = model.find(id).ok_or(format!("no stage '{id}'"))?;
            Ok::<_, String>(stage.index())
        };
        Ok(Propensity {
            sales_contacts: signal("sales_contacts")?,
            quote_requests: signal("quote_requests")?,
            days_since_purchase: signal("days_since_purchase")?,
            satisfaction: signal("satisfaction")?,
            evaluation: stage("evaluation")?,
            post_purchase: stage("post_purchase")?,
        })
    }
}

impl StageScorer for Propensity {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        // Missing signals read as `None`: no evidence either way.
        let contacts = input.number_at(self.sales_contacts).unwrap_or(0.0);
        let quoted = input
            .number_at(self.quote_requests)
            .is_some_and(|n| n >= 1.0);
        if quoted && contacts >= MANY_SALES_CONTACTS {
            evidence.add(self.evaluation, contacts.min(5.0));
        }

        let recent = input
            .number_at(self.days_since_purchase)
            .is_some_and(|days| days <= RECENT_DAYS);
        let unhappiness = input
            .number_at(self.satisfaction)
            .map_or(0.0, |rating| UNHAPPY - rating);
        if recent && unhappiness > 0.0 {
            evidence.add(self.post_purchase, unhappiness);
        }
    }
}

fn main() -> ExitCode {
    stdout::write_with("custom_scorer", run)
}

/// Decides for the customers with and without the scorers and writes the
/// decisions to `out`.
fn run(out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    let mut spec = models::buying_process();
    spec.hit_policy = HitPolicy::HighestScore;

    // Without scorers: one point per stage rule that fired.
    let rules_only = Engine::builder(spec.clone()).build()?;

    // With scorers: the propensity model, then a closure. Scorers run in
    // registration order after the built-in rule points; each sees the
    // evidence so far. The closure takes its indices by value (`move`).
    let propensity = Propensity::new(&spec)?;
    let checkout = spec
        .schema()?
        .find("checkout_starts")
        .ok_or("no checkout_starts")?
        .index();
    let purchase = spec
        .stage_model()?
        .find("purchase_decision")
        .ok_or("no purchase_decision")?
        .index();
    let scored = Engine::builder(spec)
        .scorer(propensity)
        .scorer(move |input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
            // A started checkout is strong evidence of a decision to buy.
            if input.number_at(checkout).is_some_and(|n| n >= 1.0) {
                evidence.add(purchase, 2.0);
            }
        })
        .build()?;

    let customers: [(&str, &[(&str, f64)]); 5] = [
        (
            "reads reviews, talked to sales 3 times, asked for a quote",
            &[
                ("reviews_read", 4.0),
                ("info_page_views", 3.0),
                ("brochures_downloaded", 1.0),
                ("sales_contacts", 3.0),
                ("quote_requests", 1.0),
            ],
        ),
        (
            "bought 10 days ago, unhappy (3/10), reading reviews again",
            &[
                ("purchases", 1.0),
                ("days_since_purchase", 10.0),
                ("satisfaction", 3.0),
                ("reviews_read", 2.0),
                ("info_page_views", 1.0),
            ],
        ),
        (
            "bought 10 days ago, happy (9/10), reading reviews again",
            &[
                ("purchases", 1.0),
                ("days_since_purchase", 10.0),
                ("satisfaction", 9.0),
                ("reviews_read", 2.0),
                ("info_page_views", 1.0),
            ],
        ),
        (
            "compared options, asked for a demo, started a checkout",
            &[
                ("comparisons", 2.0),
                ("quote_requests", 1.0),
                ("checkout_starts", 1.0),
            ],
        ),
        (
            "one call with sales, no quote yet",
            &[("reviews_read", 1.0), ("sales_contacts", 1.0)],
        ),
    ];

    let stages: Vec<&str> = scored.model().iter().map(|stage| stage.id()).collect();
    writeln!(out, "evidence per stage: {}\n", stages.join(", "))?;
    // Both engines have the same model and rules, so one scratch fits both.
    let mut scratch = scored.scratch();
    for (who, signals) in customers {
        let mut customer = scored.record();
        for &(name, value) in signals {
            customer.set(name, value)?;
        }
        writeln!(out, "{who}")?;
        for (label, engine) in [("rules only", &rules_only), ("with scorers", &scored)] {
            let decision = engine.classify(&customer, &mut scratch);
            let evidence: Vec<String> = decision
                .evidence()
                .map(|(_, points)| points.to_string())
                .collect();
            writeln!(
                out,
                "  {label:<12}  {:<18}  {:.2}  [{}]",
                decision.stage().id(),
                decision.confidence(),
                evidence.join(", "),
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

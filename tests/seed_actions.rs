//! The seed texts' rules for next-best-actions, checked on the built-in
//! model over many generated customers of every stage, each with an empty
//! contact history:
//!
//! - need recognition: no sales pitch (and the explanation says so), but
//!   what products exist;
//! - information search: be found with reviews and guides;
//! - evaluation: a consultation among the top three;
//! - purchase decision: checkout help among the top three;
//! - post-purchase: an open complaint is handled first, and the relationship
//!   actions (support, onboarding, loyalty, cross-selling) follow the
//!   customer's tags; a complaining customer is never sold to;
//! - and whatever was shown and dismissed, every customer gets a
//!   suggestion: each stage has a fallback in its spirit for when every
//!   regular action is held back.
//!
//! The customers come from a small deterministic generator: each is built
//! to land in one stage, with the other signals (reviews, satisfaction,
//! purchases, tickets, days since the last purchase, ...) varied, and the
//! test checks that it really lands there.

use crate::support::{built_in, XorShift};
use buyer_journey::{
    models, Condition, ContactLog, DecisionRecord, Engine, Outcome, Reason, SignalRecord, Span,
    Timestamp,
};

const NEED_RECOGNITION: usize = 0;
const INFORMATION_SEARCH: usize = 1;
const EVALUATION: usize = 2;
const PURCHASE_DECISION: usize = 3;
const POST_PURCHASE: usize = 4;

const STAGES: [&str; 5] = [
    "need_recognition",
    "information_search",
    "evaluation",
    "purchase_decision",
    "post_purchase",
];

/// The activity counts of the current buying cycle that are evidence for
/// each of the first four stages.
const ACTIVITY: [&[&str]; 4] = [
    &["need_searches", "category_views"],
    &[
        "reviews_read",
        "info_page_views",
        "recommendations_sought",
        "brochures_downloaded",
    ],
    &["comparisons", "sales_contacts", "quote_requests"],
    &["cart_adds", "checkout_starts"],
];

/// How many customers to generate for each stage.
const PER_STAGE: usize = 400;

/// A generated customer: the signals that are present, by name.
#[derive(Debug, Clone, Default)]
struct Customer {
    signals: Vec<(&'static str, f64)>,
}

impl Customer {
    fn set(&mut self, name: &'static str, value: f64) {
        self.signals.retain(|(n, _)| *n != name);
        self.signals.push((name, value));
    }

    fn get(&self, name: &str) -> Option<f64> {
        self.signals
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    /// The value of a count, 0 when missing.
    fn count(&self, name: &str) -> f64 {
        self.get(name).unwrap_or(0.0)
    }

    fn record(&self, engine: &Engine) -> SignalRecord {
        let mut record = engine.record();
        for &(name, value) in &self.signals {
            record
                .set(name, value)
                .unwrap_or_else(|e| panic!("{name} = {value}: {e}"));
        }
        record
    }
}

/// A count that is missing, 0, or 1 to 6 (rarely large), at random.
fn some_count(rng: &mut XorShift) -> Option<f64> {
    match rng.below(10) {
        0..=2 => None,
        3 => Some(0.0),
        4..=8 => Some(rng.between(1, 6) as f64),
        _ => Some(rng.between(7, 500) as f64),
    }
}

/// A count that is missing or 0: no evidence either way.
fn no_count(rng: &mut XorShift) -> Option<f64> {
    rng.chance(1, 2).then_some(0.0)
}

fn set_opt(customer: &mut Customer, name: &'static str, value: Option<f64>) {
    if let Some(value) = value {
        customer.set(name, value);
    }
}

/// The signals outside the buying cycle that do not decide the stage by
/// themselves: satisfaction and days since the last purchase.
fn background(rng: &mut XorShift, customer: &mut Customer) {
    let satisfaction = match rng.below(6) {
        0 | 1 => None,
        2 => Some(rng.pick(&[0.0, 4.0, 4.5, 7.9, 8.0, 10.0])),
        _ => Some(rng.between(0, 20) as f64 / 2.0),
    };
    set_opt(customer, "satisfaction", satisfaction);
    let days = match rng.below(5) {
        0 | 1 => None,
        2 => Some(rng.pick(&[0.0, 179.0, 179.5, 180.0, 365.0])),
        _ => Some(rng.between(0, 400) as f64),
    };
    set_opt(customer, "days_since_purchase", days);
}

/// A customer built to land in stage `stage` (an index of [`STAGES`]).
fn customer_in(rng: &mut XorShift, stage: usize) -> Customer {
    let mut customer = Customer::default();
    background(rng, &mut customer);
    if stage == POST_PURCHASE {
        let purchases = rng.pick(&[1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 12.0]);
        customer.set("purchases", purchases);
        let open = |rng: &mut XorShift| match rng.below(5) {
            0 | 1 => None,
            2 => Some(0.0),
            _ => Some(rng.between(1, 3) as f64),
        };
        let complaints = open(rng);
        let tickets = open(rng);
        set_opt(&mut customer, "open_complaints", complaints);
        set_opt(&mut customer, "open_tickets", tickets);
        // A past purchase and nothing since, or an open complaint or
        // ticket, whatever the customer does meanwhile.
        let open_issue = complaints.unwrap_or(0.0) >= 1.0 || tickets.unwrap_or(0.0) >= 1.0;
        for signals in ACTIVITY {
            for &name in signals {
                let value = if open_issue {
                    some_count(rng)
                } else {
                    no_count(rng)
                };
                set_opt(&mut customer, name, value);
            }
        }
        return customer;
    }
    // Now one of the first four stages: activity of that stage, maybe of
    // earlier ones, none of later ones.
    let no_evidence = stage == NEED_RECOGNITION && rng.chance(1, 8);
    for (level, signals) in ACTIVITY.iter().enumerate() {
        for &name in *signals {
            let value = if level <= stage && !no_evidence {
                some_count(rng)
            } else {
                no_count(rng)
            };
            set_opt(&mut customer, name, value);
        }
    }
    if !no_evidence {
        let name = rng.pick(ACTIVITY[stage]);
        customer.set(name, rng.between(1, 5) as f64);
    }
    // A past purchase is fine as long as this cycle shows activity and no
    // complaint or ticket is open; without any activity the customer must
    // not have bought.
    let purchases = if no_evidence {
        no_count(rng)
    } else {
        some_count(rng)
    };
    set_opt(&mut customer, "purchases", purchases);
    if purchases.unwrap_or(0.0) >= 1.0 {
        let complaints = no_count(rng);
        let tickets = no_count(rng);
        set_opt(&mut customer, "open_complaints", complaints);
        set_opt(&mut customer, "open_tickets", tickets);
    } else {
        let complaints = some_count(rng);
        let tickets = some_count(rng);
        set_opt(&mut customer, "open_complaints", complaints);
        set_opt(&mut customer, "open_tickets", tickets);
    }
    customer
}

/// One generated customer and what the engine made of them.
struct Case {
    customer: Customer,
    decided: DecisionRecord,
}

impl Case {
    fn kinds(&self) -> Vec<&str> {
        self.decided
            .actions
            .iter()
            .map(|a| a.kind.as_str())
            .collect()
    }

    fn suggests(&self, kind: &str) -> bool {
        self.decided.actions.iter().any(|a| a.kind == kind)
    }

    /// The 1-based place of the first suggestion of `kind`.
    fn rank_of(&self, kind: &str) -> Option<usize> {
        self.decided
            .actions
            .iter()
            .position(|a| a.kind == kind)
            .map(|i| i + 1)
    }

    fn has_tag(&self, tag: &str) -> bool {
        self.decided.tags.iter().any(|t| t == tag)
    }
}

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "customer {:?} in {} with tags {:?} got {:?}",
            self.customer.signals,
            self.decided.stage,
            self.decided.tags,
            self.decided
                .actions
                .iter()
                .map(|a| (a.id.as_str(), a.priority))
                .collect::<Vec<_>>()
        )
    }
}

/// `PER_STAGE` generated customers of each stage, decided with an empty
/// contact history; asserts that each landed in the stage it was built for.
fn cases(engine: &Engine) -> [Vec<Case>; 5] {
    let mut rng = XorShift::new();
    let mut scratch = engine.scratch();
    let log = ContactLog::new();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    std::array::from_fn(|stage| {
        (0..PER_STAGE)
            .map(|_| {
                let customer = customer_in(&mut rng, stage);
                let record = customer.record(engine);
                let decided = engine.decide(&record, &log, now, &mut scratch).to_record();
                assert_eq!(
                    decided.stage, STAGES[stage],
                    "the generator meant {:?} for {}",
                    customer.signals, STAGES[stage]
                );
                Case { customer, decided }
            })
            .collect()
    })
}

#[test]
fn the_generated_customers_land_in_their_stages_with_varied_signals() {
    let engine = built_in();
    let cases = cases(&engine);
    for (stage, cases) in cases.iter().enumerate() {
        assert!(cases.len() >= 50, "{}: {}", STAGES[stage], cases.len());
        // Varied: many distinct customers, different purchase histories,
        // several sets of tags.
        let mut distinct: Vec<String> = cases
            .iter()
            .map(|c| format!("{:?}", c.customer.signals))
            .collect();
        distinct.sort();
        distinct.dedup();
        assert!(
            distinct.len() >= 50,
            "{}: {}",
            STAGES[stage],
            distinct.len()
        );
        let mut tag_sets: Vec<&Vec<String>> = cases.iter().map(|c| &c.decided.tags).collect();
        tag_sets.sort();
        tag_sets.dedup();
        assert!(tag_sets.len() >= 5, "{}: {tag_sets:?}", STAGES[stage]);
        let bought = cases
            .iter()
            .filter(|c| c.customer.count("purchases") >= 1.0)
            .count();
        if stage == POST_PURCHASE {
            assert_eq!(bought, cases.len());
        } else {
            assert!(bought >= 20, "{}: {bought} bought before", STAGES[stage]);
        }
    }
}

#[test]
fn no_sales_pitch_while_a_need_is_only_recognised() {
    let engine = built_in();
    let pitches: Vec<&str> = engine
        .actions()
        .filter(|a| a.kind() == "sales_pitch")
        .map(|a| a.id())
        .collect();
    assert!(
        !pitches.is_empty(),
        "the catalog has sales pitches to hold back"
    );
    let cases = cases(&engine);
    let log = ContactLog::new();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let mut with_pitch_eligible_elsewhere = 0;
    for case in &cases[NEED_RECOGNITION] {
        assert!(!case.suggests("sales_pitch"), "{case}");
        // Show what products exist and how they meet the need.
        assert!(case.suggests("education"), "{case}");
        let record = case.customer.record(&engine);
        let explanation = engine.explain(&record, &log, now);
        assert_eq!(explanation.stage, "need_recognition");
        let traces: Vec<_> = explanation
            .actions
            .iter()
            .filter(|a| a.kind == "sales_pitch")
            .collect();
        assert_eq!(traces.len(), pitches.len());
        for trace in traces {
            let Outcome::NotSuggested { reasons } = &trace.outcome else {
                panic!("{} suggested: {case}", trace.id);
            };
            assert!(
                reasons
                    .iter()
                    .any(|r| matches!(r, Reason::OtherStage { stages }
                        if !stages.iter().any(|s| s == "need_recognition"))),
                "{}: {reasons:?}",
                trace.id
            );
            assert!(trace.priority.is_none(), "{}: {case}", trace.id);
            with_pitch_eligible_elsewhere += 1;
        }
        // The printed explanation lists them under "not suggested".
        let text = explanation.to_string();
        let not_suggested = text
            .split("not suggested:")
            .nth(1)
            .expect("a section of actions not suggested");
        for id in &pitches {
            assert!(not_suggested.contains(id), "{id} missing from:\n{text}");
        }
    }
    assert!(with_pitch_eligible_elsewhere >= 50);
}

#[test]
fn information_search_finds_reviews_and_guides() {
    let engine = built_in();
    for case in &cases(&engine)[INFORMATION_SEARCH] {
        assert!(case.suggests("social_proof"), "{case}");
        assert!(case.suggests("content"), "{case}");
        assert!(!case.suggests("sales_pitch"), "{case}");
    }
}

#[test]
fn a_consultation_is_among_the_top_three_in_evaluation() {
    let engine = built_in();
    for case in &cases(&engine)[EVALUATION] {
        let rank = case.rank_of("consultation");
        assert!(rank.is_some_and(|r| r <= 3), "{case}");
    }
}

#[test]
fn checkout_help_is_among_the_top_three_in_the_purchase_decision() {
    let engine = built_in();
    for case in &cases(&engine)[PURCHASE_DECISION] {
        let rank = case.rank_of("checkout_assist");
        assert!(rank.is_some_and(|r| r <= 3), "{case}");
    }
}

#[test]
fn an_open_complaint_is_handled_first_after_a_purchase() {
    let engine = built_in();
    let mut complaining = 0;
    for case in &cases(&engine)[POST_PURCHASE] {
        let open = case.customer.count("open_complaints") >= 1.0;
        assert_eq!(case.has_tag("complaining"), open, "{case}");
        if open {
            complaining += 1;
            assert_eq!(
                case.kinds().first(),
                Some(&"complaint_resolution"),
                "{case}"
            );
        } else {
            assert!(!case.suggests("complaint_resolution"), "{case}");
        }
    }
    assert!(complaining >= 50, "{complaining} complaining customers");
}

#[test]
fn a_complaining_customer_is_not_sold_to_in_any_stage() {
    let engine = built_in();
    let mut complaining = 0;
    for case in cases(&engine).iter().flatten() {
        if case.has_tag("complaining") {
            complaining += 1;
            assert!(!case.suggests("sales_pitch"), "{case}");
            assert!(!case.suggests("cross_sell"), "{case}");
        }
    }
    assert!(complaining >= 100, "{complaining} complaining customers");
}

/// After a purchase the relationship actions follow the tags, as the
/// built-in catalog sets them up: with an empty contact history,
///
/// - onboarding exactly for a first-time buyer (`new`) without a complaint;
/// - the loyalty programme exactly for a `loyal` customer without a
///   complaint;
/// - support exactly for a customer with an open question, or at risk
///   without a complaint;
/// - cross-selling for every `returning` customer neither complaining nor at
///   risk, and never for one complaining or at risk.
#[test]
fn post_purchase_relationship_actions_follow_the_tags() {
    let engine = built_in();
    let cases = cases(&engine);
    let mut seen = [0usize; 5];
    for case in &cases[POST_PURCHASE] {
        let complaining = case.has_tag("complaining");
        let new = case.has_tag("new");
        let loyal = case.has_tag("loyal");
        let returning = case.has_tag("returning");
        let at_risk = case.has_tag("at_risk");
        let question = case.has_tag("has_question");

        let onboarding = new && !complaining;
        assert_eq!(case.suggests("onboarding"), onboarding, "{case}");
        let loyalty = loyal && !complaining;
        assert_eq!(case.suggests("loyalty"), loyalty, "{case}");
        let support = question || (at_risk && !complaining);
        assert_eq!(case.suggests("support"), support, "{case}");
        let cross_sell = returning && !complaining && !at_risk;
        if cross_sell {
            assert!(case.suggests("cross_sell"), "{case}");
        }
        if complaining || at_risk {
            assert!(!case.suggests("cross_sell"), "{case}");
        }
        for (i, relation) in [
            onboarding,
            loyalty,
            question,
            at_risk && !complaining,
            cross_sell,
        ]
        .into_iter()
        .enumerate()
        {
            seen[i] += usize::from(relation);
        }
        // Every post-purchase customer gets something to build the
        // relationship on.
        assert!(!case.decided.actions.is_empty(), "{case}");
    }
    // Each relation was exercised many times, and so were their negations.
    for (count, what) in seen.iter().zip([
        "new without complaint",
        "loyal without complaint",
        "open question",
        "at risk without complaint",
        "returning, neither complaining nor at risk",
    ]) {
        assert!(*count >= 20, "{what}: only {count} customers");
        assert!(
            *count + 20 <= PER_STAGE,
            "{what}: {count} customers, too few without"
        );
    }
}

#[test]
fn every_sample_customer_gets_a_suggestion() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let log = ContactLog::new();
    let samples = models::sample_customers();
    assert!(!samples.is_empty());
    for sample in samples {
        let record = sample.record(engine.schema()).expect("a sample fits");
        let decision = engine.decide(&record, &log, Timestamp::EPOCH, &mut scratch);
        assert_eq!(
            decision.stage().id(),
            sample.expected_stage,
            "{}",
            sample.id
        );
        assert!(
            decision.actions().len() >= 1,
            "{} ({}) gets no suggestion",
            sample.id,
            sample.description
        );
        if sample.expected_stage == "need_recognition" {
            assert!(decision.actions().all(|a| a.kind() != "sales_pitch"));
        }
    }
}

/// The kind of each stage's fallback, in the seed texts' spirit: what
/// products exist (no pitch), be found with guides, talk to staff, help to
/// complete, support and care.
const FALLBACK_KINDS: [&str; 5] = [
    "education",
    "content",
    "consultation",
    "checkout_assist",
    "support",
];

#[test]
fn each_stage_has_one_fallback_that_always_applies() {
    let engine = built_in();
    for (stage, kind) in engine.model().iter().zip(FALLBACK_KINDS) {
        let fallbacks: Vec<_> = engine
            .actions()
            .filter(|a| a.is_fallback() && a.stages().contains(&stage.index()))
            .collect();
        assert_eq!(fallbacks.len(), 1, "{}", stage.id());
        let fallback = fallbacks[0];
        assert_eq!(fallback.kind(), kind, "{}", fallback.id());
        assert_eq!(fallback.stages(), [stage.index()], "{}", fallback.id());
        // Nothing to hold it back: no contact policy, tags or condition.
        assert!(fallback.contact().is_unlimited(), "{}", fallback.id());
        assert!(fallback.requires().is_empty() && fallback.excludes().is_empty());
        assert_eq!(*fallback.condition(), Condition::Bool(true));
        assert!(fallback.value() * fallback.weight() * fallback.propensity() > 0.0);
    }
}

#[test]
fn every_customer_gets_a_suggestion_whatever_the_history() {
    let engine = built_in();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    // Every action shown three times a minute ago and dismissed three
    // times: every contact policy holds its action back.
    let mut busy = ContactLog::new();
    for action in engine.actions() {
        for _ in 0..3 {
            busy.record_shown(action.id(), now.before(Span::minutes(1)));
            busy.record_dismissed(action.id(), now.before(Span::minutes(1)));
        }
    }
    let mut scratch = engine.scratch();
    let mut fallen_back = [0usize; 5];
    for (stage, cases) in cases(&engine).iter().enumerate() {
        for case in cases {
            let record = case.customer.record(&engine);
            let decided = engine.decide(&record, &busy, now, &mut scratch).to_record();
            assert!(!decided.actions.is_empty(), "{case}");
            if decided.actions.iter().any(|a| a.fallback) {
                fallen_back[stage] += 1;
                let kinds: Vec<&str> = decided.actions.iter().map(|a| a.kind.as_str()).collect();
                assert_eq!(kinds, [FALLBACK_KINDS[stage]], "{case}");
            }
            // Only the actions without a contact policy are left: support
            // before a purchase, and after one a complaint or question
            // handled; otherwise the fallback answers.
            let open_issue = case.has_tag("complaining") || case.has_tag("has_question");
            let regular_left = stage == PURCHASE_DECISION || (stage == POST_PURCHASE && open_issue);
            assert_eq!(
                decided.actions.iter().any(|a| a.fallback),
                !regular_left,
                "{case}"
            );
        }
    }
    assert_eq!(fallen_back[..3], [PER_STAGE; 3]);
    assert_eq!(fallen_back[PURCHASE_DECISION], 0);
    assert!(fallen_back[POST_PURCHASE] >= 50, "{fallen_back:?}");
}

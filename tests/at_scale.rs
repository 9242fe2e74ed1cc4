//! Agreement at scale: every way the engine answers for a customer gives,
//! field by field, what the reference interpreter and the documented rules
//! give, for generated schemas, rulesets and customers.
//!
//! **What is generated** (`at_scale/generate.rs`): schemas of 1 to 12
//! signals of every kind (`count`, `number`, `flag`, `category` with 1 to 4
//! labels, a range on some numbers and counts) with random `snake_case` ids; rulesets over them using every form
//! of the condition language (comparisons of signals, constants and
//! arithmetic with each of `< <= > >= == !=`, `in [..]`, `between`,
//! `present`, `missing`, bare and compared flags, categories against their
//! labels, `not`, `all`, `any`, `at_least`, `true`/`false`), each hit
//! policy (`first` with priorities, `furthest`, `highest_score` with score
//! rules of positive, negative, fractional and overflowing points), tags,
//! and a catalog of actions (stages, required and excluded tags,
//! conditions, values, weights, groups, propensity rules, fallbacks,
//! contact policies, an arbitration, and for some a host action scorer
//! answering out of range or NaN). Each ruleset draws its constants from a
//! few thresholds of its own, so the same comparison comes up in several
//! rules, tags and actions and the compiled program shares its atom; one
//! ruleset in five also has a rule over 65 to 90 thresholds, so that its
//! program has more than 64 atoms and formulas read several words. Each
//! ruleset is evaluated for 40 to 64 customers with missing values, values
//! on a threshold, one unit in the last place beside it (`next_up`,
//! `next_down`) or far from it, extremes (0, -0.0, subnormals, 1e300,
//! `f64::MAX`), values outside their signal's range (missing in the record,
//! given as they are to the host's type and the batch's columns), a contact history around the cooldowns and windows and a
//! journey stage, at one time per ruleset (near the ends of time too).
//!
//! **The paths**, each in three modes (`classify`; `decide`; `decide_in` the
//! customer's journey stage), compiled: the `Decision` read directly, and
//! its `DecisionRecord`, one customer after another in one scratch; the
//! same through a host's own `Signals` type that gives a misfit (a value
//! outside the signal's range, NaN, an infinity, a value of another kind, a
//! negative or fractional count, an unknown label) for a missing signal, in
//! a scratch made for another
//! engine; `explain`/`explain_in` (decide's modes only); and the columnar
//! batch path (`classify_batch`, `decide_batch`), the customers three times
//! over as Arrow-shaped columns with validity bitmaps, so that batches span
//! full and partial sets of 64.
//!
//! **The reference**, computed once per customer in [`reference`]: the stage,
//! confidence, evidence, fired rules and tags of
//! [`Engine::classify_interpreted`], which is itself checked against the
//! test's own reading of the documented hit policies over
//! [`Condition::evaluate`]; after `decide_in` in another stage, the
//! confidence is the share of the positive evidence for that stage; and
//! the actions recomputed by the test without the engine's ranking: stage,
//! tags, the condition by `Condition::evaluate`, the contact policy from
//! the generated showings and dismissals, the propensity (first propensity
//! rule that holds, else the base, or the host scorer's answer clamped
//! into [0, 1]), priority = propensity × value × weight, then the
//! fallback tier and the arbitration written out plainly.
//!
//! **The fields compared** ([`compare`]): stage, classified stage,
//! confidence (bit for bit), evidence per stage (bit for bit), fired rules
//! in order, tags in order, and the suggested actions in order with rank,
//! id, kind, priority, propensity, value, weight (bit for bit), whether a
//! fallback, and the propensity rule that held.
//!
//! **Scale**: one test per hit policy, each generating
//! [`RULESETS_PER_POLICY`] (86) rulesets of 40 to 64 customers: together at
//! least 10,320 (about 13,400) generated (ruleset, customer) cases per
//! `cargo test` run, each evaluated by every path in every mode. Each test
//! counts its cases and fails below [`MIN_PER_POLICY`] (3,400), so the
//! three check at least 10,000. The module takes 14 to 19 s of CPU in a
//! debug build, and 15 s of wall time measured on two cores shared with
//! other builds (`cargo test --test integration at_scale`).
//!
//! **The check can fail**: a change of any one field (by one unit in the
//! last place, or the sign of a zero) fails [`compare`], and a path that
//! answers for the wrong customers fails [`check_paths`]. **The generators
//! reach what they are for**: a sample of worlds uses every form of the
//! language, shares comparisons between rules, and reaches every kind of
//! extreme value and every outcome of a decision (each reason an action is
//! not suggested, ties, fallbacks, saturated and overflowing evidence).
//!
//! **Adding a path**: write a function of the [`Path`] type, which returns one [`Decided`] per
//! customer in order (made with [`Decided::of_decision`] or
//! [`Decided::of_record`]), and add it to the list in [`check_agreement`].

pub(crate) mod generate;

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

use buyer_journey::{
    Column, Columns, CompareOp, Condition, ContactLog, ContactPolicy, Decision, DecisionRecord,
    Engine, Explanation, Expr, HitPolicy, Outcome, Reason, Rule, RuleKind, Scratch, Signal,
    SignalKind, Signals, Stage, TagIndex, Timestamp, Value,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};

use generate::{world, Customer, World};

/// How many rulesets a run generates under each hit policy.
const RULESETS_PER_POLICY: u32 = 86;
/// How many customers each ruleset is evaluated for.
const CUSTOMERS: std::ops::RangeInclusive<usize> = 40..=64;
/// The fewest (ruleset, customer) cases each hit policy's test checks: the
/// three together check at least 10,000.
const MIN_PER_POLICY: usize = 3_400;

// ---------------------------------------------------------------------------
// What a path answers
// ---------------------------------------------------------------------------

/// A number compared bit for bit: `0.0` and `-0.0` differ, NaN equals
/// itself.
#[derive(Clone, Copy)]
struct Exact(f64);

impl PartialEq for Exact {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl fmt::Debug for Exact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// Every field of one decision, as a path answers it. The fields a path
/// cannot tell (a `DecisionRecord` has no classified stage; an explanation
/// has no evidence) are `None` and not compared.
#[derive(Debug, Clone, PartialEq)]
struct Decided {
    stage: String,
    classified_stage: Option<String>,
    confidence: Exact,
    /// `(stage id, evidence)` in model order.
    evidence: Option<Vec<(String, Exact)>>,
    /// Rule ids in rule order.
    fired: Vec<String>,
    /// Tag ids in declaration order.
    tags: Vec<String>,
    /// Best first.
    actions: Vec<Suggested>,
}

/// One suggested action and the decomposition of its priority.
#[derive(Debug, Clone, PartialEq)]
struct Suggested {
    rank: usize,
    id: String,
    kind: String,
    priority: Exact,
    propensity: Exact,
    value: Exact,
    weight: Exact,
    fallback: bool,
    propensity_from: PropensityFrom,
}

/// Where a suggestion's built-in propensity came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PropensityFrom {
    /// The path does not say.
    Untold,
    /// No propensity rule held: the action's base propensity.
    Base,
    /// The propensity rule at this position among the action's held first.
    Rule(usize),
}

impl PropensityFrom {
    fn of(rule: Option<usize>) -> Self {
        rule.map_or(PropensityFrom::Base, PropensityFrom::Rule)
    }
}

impl Decided {
    /// Everything a [`Decision`] tells.
    fn of_decision(decision: &Decision<'_>) -> Decided {
        Decided {
            stage: decision.stage().id().to_owned(),
            classified_stage: Some(decision.classified_stage().id().to_owned()),
            confidence: Exact(decision.confidence()),
            evidence: Some(
                decision
                    .evidence()
                    .map(|(stage, points)| (stage.id().to_owned(), Exact(points)))
                    .collect(),
            ),
            fired: decision.fired().map(|rule| rule.id().to_owned()).collect(),
            tags: decision.tags().map(|tag| tag.id().to_owned()).collect(),
            actions: decision
                .actions()
                .map(|suggestion| {
                    let rules = suggestion.action().propensity_rules();
                    let rule = suggestion
                        .propensity_rule()
                        .map(|held| position(rules.iter().map(|r| std::ptr::eq(r, held))));
                    Suggested {
                        rank: suggestion.rank(),
                        id: suggestion.id().to_owned(),
                        kind: suggestion.kind().to_owned(),
                        priority: Exact(suggestion.priority()),
                        propensity: Exact(suggestion.propensity()),
                        value: Exact(suggestion.value()),
                        weight: Exact(suggestion.weight()),
                        fallback: suggestion.is_fallback(),
                        propensity_from: PropensityFrom::of(rule),
                    }
                })
                .collect(),
        }
    }

    /// Everything a [`DecisionRecord`] tells: the actions are listed best
    /// first, so their rank is their place.
    fn of_record(record: &DecisionRecord) -> Decided {
        Decided {
            stage: record.stage.clone(),
            classified_stage: None,
            confidence: Exact(record.confidence),
            evidence: Some(
                record
                    .evidence
                    .iter()
                    .map(|(stage, &points)| (stage.clone(), Exact(points)))
                    .collect(),
            ),
            fired: record.fired.clone(),
            tags: record.tags.clone(),
            actions: record
                .actions
                .iter()
                .enumerate()
                .map(|(i, action)| Suggested {
                    rank: i + 1,
                    id: action.id.clone(),
                    kind: action.kind.clone(),
                    priority: Exact(action.priority),
                    propensity: Exact(action.propensity),
                    value: Exact(action.value),
                    weight: Exact(action.weight),
                    fallback: action.fallback,
                    propensity_from: PropensityFrom::Untold,
                })
                .collect(),
        }
    }

    /// Everything an [`Explanation`] tells: no evidence; the propensity rule
    /// is given by its text, which is found among the action's rules (the
    /// first with that text: a later one with the same text never holds
    /// first).
    fn of_explanation(engine: &Engine, explanation: &Explanation) -> Decided {
        Decided {
            stage: explanation.stage.clone(),
            classified_stage: Some(explanation.classified_stage.clone()),
            confidence: Exact(explanation.confidence),
            evidence: None,
            fired: explanation
                .rules
                .iter()
                .filter(|rule| rule.fired)
                .map(|rule| rule.id.clone())
                .collect(),
            tags: explanation
                .tags
                .iter()
                .filter(|tag| tag.held)
                .map(|tag| tag.id.clone())
                .collect(),
            actions: explanation
                .suggested()
                .map(|trace| {
                    let action = engine
                        .find_action(&trace.id)
                        .expect("an action of the catalog");
                    let priority = trace
                        .priority
                        .as_ref()
                        .expect("a suggestion has a priority");
                    let rule = priority.propensity_rule.as_ref().map(|text| {
                        position(
                            action
                                .propensity_rules()
                                .iter()
                                .map(|rule| rule.condition().to_string() == *text),
                        )
                    });
                    Suggested {
                        rank: trace.rank().expect("suggested"),
                        id: trace.id.clone(),
                        kind: trace.kind.clone(),
                        priority: Exact(priority.priority),
                        propensity: Exact(priority.propensity),
                        value: Exact(priority.value),
                        weight: Exact(priority.weight),
                        fallback: trace.fallback,
                        propensity_from: PropensityFrom::of(rule),
                    }
                })
                .collect(),
        }
    }
}

/// The position of the first `true`; past the end if none (which no
/// reference gives, so it fails the comparison).
fn position(matches: impl Iterator<Item = bool>) -> usize {
    let mut count = 0;
    for matched in matches {
        if matched {
            return count;
        }
        count += 1;
    }
    count
}

// ---------------------------------------------------------------------------
// The paths
// ---------------------------------------------------------------------------

/// What is asked of the engine for each customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `classify`: the classification, no actions.
    Classify,
    /// `decide`: the actions of the classified stage.
    Decide,
    /// `decide_in` the customer's journey stage.
    DecideIn,
}

const MODES: [Mode; 3] = [Mode::Classify, Mode::Decide, Mode::DecideIn];

/// A way of evaluating customers: one [`Decided`] per customer, in order,
/// or `None` for a mode the path does not have.
type Path = fn(&Engine, &[Customer], Mode) -> Option<Vec<Decided>>;

/// The stage of the customer's journey, in `engine`'s model.
fn journey<'e>(engine: &'e Engine, customer: &Customer) -> &'e Stage {
    engine
        .model()
        .iter()
        .nth(customer.journey)
        .expect("a stage of the model")
}

/// Evaluates one customer in `mode` on the compiled path, reading the
/// decision with `read`.
fn evaluate<S: Signals + ?Sized>(
    engine: &Engine,
    signals: &S,
    customer: &Customer,
    mode: Mode,
    scratch: &mut Scratch,
    read: fn(&Decision<'_>) -> Decided,
) -> Decided {
    let decision = match mode {
        Mode::Classify => engine.classify(signals, scratch),
        Mode::Decide => engine.decide(signals, &customer.log, customer.now, scratch),
        Mode::DecideIn => engine
            .decide_in(
                journey(engine, customer),
                signals,
                &customer.log,
                customer.now,
                scratch,
            )
            .expect("a stage of the engine"),
    };
    read(&decision)
}

/// The compiled single path, one customer after another in one scratch,
/// read from the [`Decision`].
#[allow(clippy::unnecessary_wraps)] // a `Path`, as `explain_path`
fn decision_path(engine: &Engine, customers: &[Customer], mode: Mode) -> Option<Vec<Decided>> {
    let mut scratch = engine.scratch();
    let read = |customer: &Customer| {
        evaluate(
            engine,
            &customer.signals,
            customer,
            mode,
            &mut scratch,
            Decided::of_decision,
        )
    };
    Some(customers.iter().map(read).collect())
}

/// The compiled single path, read from the decision's [`DecisionRecord`].
#[allow(clippy::unnecessary_wraps)] // a `Path`, as `explain_path`
fn record_path(engine: &Engine, customers: &[Customer], mode: Mode) -> Option<Vec<Decided>> {
    let mut scratch = engine.scratch();
    let read = |customer: &Customer| {
        evaluate(
            engine,
            &customer.signals,
            customer,
            mode,
            &mut scratch,
            |decision| Decided::of_record(&decision.to_record()),
        )
    };
    Some(customers.iter().map(read).collect())
}

/// A host's own customer type: the record's values by id, and where the
/// record has none, the value generated outside the signal's range, else
/// a value the signal cannot take; both count as missing as well.
struct Host<'a>(&'a Customer);

impl Signals for Host<'_> {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        self.0
            .signals
            .get(signal.id())
            .or_else(|| outside(self.0, signal).map(Value::Number))
            .or_else(|| misfit(signal))
    }
}

/// The value generated for `signal` outside its range, if any.
fn outside(customer: &Customer, signal: &Signal) -> Option<f64> {
    customer
        .outside
        .get(signal.index().as_usize())
        .copied()
        .flatten()
}

/// Nothing, NaN, an infinity, a value of another kind, a negative or
/// fractional count or an unknown label, by the signal's position.
fn misfit(signal: &Signal) -> Option<Value<'static>> {
    match (signal.index().as_usize() % 4, signal.kind()) {
        (1, _) => Some(Value::Number(f64::NAN)),
        (2, SignalKind::Count) => Some(Value::Number(-1.0)),
        (2, SignalKind::Number) => Some(Value::Number(f64::NEG_INFINITY)),
        (2, SignalKind::Flag | SignalKind::Category) => Some(Value::Number(1.0)),
        (3, SignalKind::Count) => Some(Value::Number(0.5)),
        (3, SignalKind::Number) => Some(Value::Label("many")),
        (3, SignalKind::Flag) => Some(Value::Label("yes")),
        (3, SignalKind::Category) => Some(Value::Label("no such label")),
        _ => None,
    }
}

/// The compiled single path reading a host's own [`Signals`] type rather
/// than a record, in a scratch made for another engine (the built-in
/// model's), which the engine resizes.
#[allow(clippy::unnecessary_wraps)] // a `Path`, as `explain_path`
fn host_signals_path(engine: &Engine, customers: &[Customer], mode: Mode) -> Option<Vec<Decided>> {
    static BUILT_IN: OnceLock<Engine> = OnceLock::new();
    let mut scratch = BUILT_IN.get_or_init(crate::support::built_in).scratch();
    let read = |customer: &Customer| {
        evaluate(
            engine,
            &Host(customer),
            customer,
            mode,
            &mut scratch,
            Decided::of_decision,
        )
    };
    Some(customers.iter().map(read).collect())
}

/// [`Engine::explain`] and [`Engine::explain_in`], which rank actions, so
/// only for the modes that do.
fn explain_path(engine: &Engine, customers: &[Customer], mode: Mode) -> Option<Vec<Decided>> {
    let given = match mode {
        Mode::Classify => return None,
        Mode::Decide => false,
        Mode::DecideIn => true,
    };
    let read = |customer: &Customer| {
        let explanation = if given {
            engine
                .explain_in(
                    journey(engine, customer),
                    &customer.signals,
                    &customer.log,
                    customer.now,
                )
                .expect("a stage of the engine")
        } else {
            engine.explain(&customer.signals, &customer.log, customer.now)
        };
        Decided::of_explanation(engine, &explanation)
    };
    Some(customers.iter().map(read).collect())
}

// ---------------------------------------------------------------------------
// The reference
// ---------------------------------------------------------------------------

/// The reference's answers for one customer, from which the expected
/// decision of each mode is read.
#[derive(Debug, Clone)]
struct Reference {
    /// The classification, as `classify` must answer it.
    classified: Decided,
    /// The actions `decide` must suggest.
    decide: Vec<Suggested>,
    /// The journey stage, the confidence in it and the actions `decide_in`
    /// must suggest there.
    journey: (String, Exact, Vec<Suggested>),
}

impl Reference {
    fn expected(&self, mode: Mode) -> Decided {
        let mut expected = self.classified.clone();
        match mode {
            Mode::Classify => {}
            Mode::Decide => expected.actions.clone_from(&self.decide),
            Mode::DecideIn => {
                let (stage, confidence, actions) = &self.journey;
                expected.stage.clone_from(stage);
                expected.confidence = *confidence;
                expected.actions.clone_from(actions);
            }
        }
        expected
    }
}

/// The reference for one customer. The classification is the reference
/// interpreter's, checked here against the documented rules; the actions
/// are ranked by the test itself.
fn reference(
    engine: &Engine,
    scores: Option<&[f64]>,
    i: usize,
    customer: &Customer,
) -> Result<Reference, TestCaseError> {
    let holds = |condition: &Condition| {
        condition
            .evaluate(engine.schema(), &customer.signals)
            .expect("the engine's conditions are checked against its schema")
    };
    let interpreted = engine.classify_interpreted(&customer.signals);
    let mut classified = Decided::of_record(&interpreted);
    classified.classified_stage = Some(interpreted.stage.clone());
    compare(
        "the interpreter against the documented rules",
        Mode::Classify,
        i,
        &specified_classification(engine, &holds),
        &classified,
    )?;

    let stage = |id: &str| engine.model().find(id).expect("a stage of the model");
    let tags: Vec<TagIndex> = interpreted
        .tags
        .iter()
        .map(|id| engine.find_tag(id).expect("a tag of the engine").index())
        .collect();
    let facts = action_facts(engine, scores, customer, &holds);
    let decide = rank(engine, &facts, &tags, stage(&interpreted.stage));
    let given = journey(engine, customer);
    let confidence = if given.id() == interpreted.stage {
        interpreted.confidence
    } else {
        let evidence: Vec<f64> = interpreted.evidence.values().copied().collect();
        share(&evidence, given.index().as_usize())
    };
    let in_journey = rank(engine, &facts, &tags, given);
    Ok(Reference {
        classified,
        decide,
        journey: (given.id().to_owned(), Exact(confidence), in_journey),
    })
}

/// The share of the positive evidence that supports `stage`, as
/// documented for `Decision::confidence`. When the positive evidence sums
/// past `f64::MAX`, each is divided by the largest first.
fn share(evidence: &[f64], stage: usize) -> f64 {
    let own = evidence[stage].max(0.0);
    let total: f64 = evidence.iter().map(|e| e.max(0.0)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    if total.is_finite() {
        return own / total;
    }
    let most = evidence.iter().fold(0.0_f64, |most, &e| most.max(e));
    let total: f64 = evidence.iter().map(|e| e.max(0.0) / most).sum();
    (own / most / total).clamp(0.0, 1.0)
}

/// The classification as the documentation describes it, from
/// [`Condition::evaluate`]: which rules fire under the hit policy, the
/// evidence (one point per stage rule, the points of each score rule, in
/// rule order, saturating at ±`f64::MAX`), the stage the hit policy picks
/// (the entry stage with confidence 0 when it picks none), and the tags.
fn specified_classification(engine: &Engine, holds: &dyn Fn(&Condition) -> bool) -> Decided {
    let priority = |rule: &Rule| match rule.kind() {
        RuleKind::Stage { priority, .. } => Some(priority),
        _ => None,
    };
    let points = |rule: &Rule| match rule.kind() {
        RuleKind::Score { points, .. } => points,
        _ => 1.0,
    };
    let stage_rules: Vec<&Rule> = engine.rules().filter(|r| priority(r).is_some()).collect();
    let mut fired: Vec<&Rule> = match engine.hit_policy() {
        // By priority, higher first, then as written (a stable sort).
        HitPolicy::First => {
            let mut order = stage_rules.clone();
            order.sort_by_key(|rule| Reverse(priority(rule)));
            order
                .into_iter()
                .find(|rule| holds(rule.condition()))
                .into_iter()
                .collect()
        }
        _ => stage_rules
            .into_iter()
            .filter(|rule| holds(rule.condition()))
            .collect(),
    };
    fired.extend(
        engine
            .rules()
            .filter(|rule| priority(rule).is_none() && holds(rule.condition())),
    );
    let mut evidence = vec![0.0; engine.model().len()];
    for rule in &fired {
        let total = &mut evidence[rule.stage().as_usize()];
        *total = (*total + points(rule)).clamp(-f64::MAX, f64::MAX);
    }
    let mut fired_stages = fired
        .iter()
        .filter(|rule| priority(rule).is_some())
        .map(|rule| rule.stage().as_usize());
    let chosen = match engine.hit_policy() {
        HitPolicy::First => fired_stages.next(),
        HitPolicy::Furthest => fired_stages.max(),
        HitPolicy::HighestScore => {
            // Strictly more: ties go to the earlier stage.
            let mut best: Option<(usize, f64)> = None;
            for (stage, &points) in evidence.iter().enumerate() {
                if points > 0.0 && best.is_none_or(|(_, most)| points > most) {
                    best = Some((stage, points));
                }
            }
            best.map(|(stage, _)| stage)
        }
        other => panic!("a hit policy the test does not know: {other:?}"),
    };
    let (stage, confidence) = chosen.map_or((0, 0.0), |stage| (stage, share(&evidence, stage)));
    let stage_id = |i: usize| {
        engine
            .model()
            .iter()
            .nth(i)
            .expect("a stage")
            .id()
            .to_owned()
    };
    Decided {
        stage: stage_id(stage),
        classified_stage: Some(stage_id(stage)),
        confidence: Exact(confidence),
        evidence: Some(
            evidence
                .iter()
                .enumerate()
                .map(|(i, &points)| (stage_id(i), Exact(points)))
                .collect(),
        ),
        fired: fired.iter().map(|rule| rule.id().to_owned()).collect(),
        tags: engine
            .tags()
            .filter(|tag| holds(tag.condition()))
            .map(|tag| tag.id().to_owned())
            .collect(),
        actions: Vec::new(),
    }
}

/// What the test makes of one action for the customer, whatever the stage.
#[derive(Debug, Clone)]
struct Fact {
    /// The condition holds and the contact policy allows the action.
    open: bool,
    /// The first propensity rule that holds.
    rule: Option<usize>,
    propensity: f64,
    priority: f64,
}

/// Whether the contact policy lets an action shown at `shown` and dismissed
/// at `dismissed` be shown at `now`, from the documented rules: a
/// cooldown blocks while `now < last shown + cooldown`; a cap blocks when
/// the showings strictly after `now - window` are at least `times`;
/// dismissals block when at least `max`, counting only those strictly after
/// `now - dismissals_expire` when they expire.
fn contact_allows(policy: &ContactPolicy, shown: &[i64], dismissed: &[i64], now: i64) -> bool {
    if let (Some(cooldown), Some(&last)) = (policy.cooldown, shown.iter().max()) {
        if now < last.saturating_add_unsigned(cooldown.as_seconds()) {
            return false;
        }
    }
    if let Some(cap) = policy.cap {
        let start = now.saturating_sub_unsigned(cap.window.as_seconds());
        let recent = shown.iter().filter(|&&t| t > start).count();
        if recent >= cap.times as usize {
            return false;
        }
    }
    let counted = |&&t: &&i64| {
        policy
            .dismissals_expire
            .is_none_or(|expire| t > now.saturating_sub_unsigned(expire.as_seconds()))
    };
    let dismissals = dismissed.iter().filter(counted).count();
    policy
        .max_dismissals
        .is_none_or(|max| dismissals < max as usize)
}

/// A propensity as the arbitration uses it: NaN as 0, clamped into [0, 1].
fn clamp(propensity: f64) -> f64 {
    if propensity.is_nan() {
        0.0
    } else {
        propensity.clamp(0.0, 1.0)
    }
}

fn action_facts(
    engine: &Engine,
    scores: Option<&[f64]>,
    customer: &Customer,
    holds: &dyn Fn(&Condition) -> bool,
) -> Vec<Fact> {
    let ids: Vec<String> = engine.actions().map(|a| a.id().to_owned()).collect();
    engine
        .actions()
        .enumerate()
        .map(|(i, action)| {
            let history = &customer.history;
            let open = holds(action.condition())
                && contact_allows(
                    action.contact(),
                    &history.shown(action.id(), &ids, customer.now),
                    &history.dismissals(action.id(), &ids, customer.now),
                    customer.now.unix_seconds(),
                );
            let rules = action.propensity_rules();
            let rule = rules.iter().position(|rule| holds(rule.condition()));
            let built_in = rule.map_or(action.propensity(), |r| rules[r].propensity());
            let propensity = clamp(scores.map_or(built_in, |scores| scores[i]));
            Fact {
                open,
                rule,
                propensity,
                priority: (propensity * action.value() * action.weight()).min(f64::MAX),
            }
        })
        .collect()
}

/// The suggestions for `stage`, written out plainly: the eligible regular
/// actions (in the stage, every required tag and no excluded one, open,
/// priority above 0), or if there are none the eligible fallbacks; best
/// first, equal priorities in catalog order; taken while there is room in
/// the list and in the action's group.
fn rank(engine: &Engine, facts: &[Fact], tags: &[TagIndex], stage: &Stage) -> Vec<Suggested> {
    let actions: Vec<_> = engine.actions().collect();
    let eligible = |fallback: bool| -> Vec<usize> {
        (0..actions.len())
            .filter(|&i| {
                let action = actions[i];
                action.is_fallback() == fallback
                    && action.stages().contains(&stage.index())
                    && action.requires().iter().all(|tag| tags.contains(tag))
                    && !action.excludes().iter().any(|tag| tags.contains(tag))
                    && facts[i].open
                    && facts[i].priority > 0.0
            })
            .collect()
    };
    let mut candidates = eligible(false);
    if candidates.is_empty() {
        candidates = eligible(true);
    }
    // A stable sort keeps catalog order among equal priorities.
    candidates.sort_by(|&a, &b| facts[b].priority.total_cmp(&facts[a].priority));
    let arbitration = engine.arbitration();
    let mut per_group: HashMap<&str, usize> = HashMap::new();
    let mut picked = Vec::new();
    for i in candidates {
        if picked.len() == arbitration.max_suggestions {
            break;
        }
        let in_group = per_group.entry(actions[i].group()).or_default();
        if *in_group < arbitration.max_per_group {
            *in_group += 1;
            picked.push(i);
        }
    }
    picked
        .into_iter()
        .enumerate()
        .map(|(place, i)| {
            let action = actions[i];
            Suggested {
                rank: place + 1,
                id: action.id().to_owned(),
                kind: action.kind().to_owned(),
                priority: Exact(facts[i].priority),
                propensity: Exact(facts[i].propensity),
                value: Exact(action.value()),
                weight: Exact(action.weight()),
                fallback: action.is_fallback(),
                propensity_from: PropensityFrom::of(facts[i].rule),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------

/// Checks that every path answers for every customer what the reference
/// does, in every mode. `scores` are the engine's host scorer's
/// propensities by catalog position, if it has one.
fn check_agreement(
    engine: &Engine,
    scores: Option<&[f64]>,
    customers: &[Customer],
) -> Result<(), TestCaseError> {
    check_paths(
        engine,
        scores,
        customers,
        &[
            ("decision", decision_path),
            ("record", record_path),
            ("host signals", host_signals_path),
            ("explain", explain_path),
            ("batch", batch_path),
        ],
    )
}

/// How many times the batch path puts each customer in its batch.
const COPIES: usize = 3;

/// The columnar batch path, `classify_batch` and `decide_batch` (it has no
/// `decide_in`). The batch holds the customers [`COPIES`] times over (120
/// to 192 customers: full blocks of 64 and a partial one), their signals
/// as columns with a validity bitmap: numbers and counts as `f64` (1.0
/// under a null), categories as `u32` positions, flags as bits. Customer
/// `i` is answered from copy `i % COPIES`, so every block is checked.
fn batch_path(engine: &Engine, customers: &[Customer], mode: Mode) -> Option<Vec<Decided>> {
    enum Values {
        Numbers(Vec<f64>),
        Labels(Vec<u32>),
        Bits(Vec<u8>),
    }
    let n = customers.len();
    let lanes = n * COPIES;
    let copy = |lane: usize| &customers[lane % n];
    let mut buffers = Vec::new();
    for signal in engine.schema().iter() {
        let mut validity = vec![0u8; lanes.div_ceil(8)];
        let mut bits = vec![0u8; lanes.div_ceil(8)];
        let mut numbers = vec![1.0; lanes];
        let mut labels = vec![0u32; lanes];
        for lane in 0..lanes {
            let bit = 1u8 << (lane % 8);
            match copy(lane).signals.get(signal.id()) {
                // Outside the range: in the column, and valid.
                None => match outside(copy(lane), signal) {
                    Some(value) => numbers[lane] = value,
                    None => continue,
                },
                Some(Value::Number(value)) => numbers[lane] = value,
                Some(Value::Flag(true)) => bits[lane / 8] |= bit,
                Some(Value::Flag(false)) => {}
                Some(Value::Label(label)) => {
                    let at = signal.labels().position(|l| l == label).expect("a label");
                    labels[lane] = u32::try_from(at).expect("few labels");
                }
            }
            validity[lane / 8] |= bit;
        }
        let values = match signal.kind() {
            SignalKind::Flag => Values::Bits(bits),
            SignalKind::Category => Values::Labels(labels),
            _ => Values::Numbers(numbers),
        };
        buffers.push((signal.index(), values, validity));
    }
    let mut columns = Columns::new(engine.schema(), lanes);
    for (signal, values, validity) in &buffers {
        let column = match values {
            Values::Numbers(values) => Column::f64(values),
            Values::Labels(values) => Column::u32(values),
            Values::Bits(bits) => Column::bits(bits, 0, lanes).expect("enough bits"),
        };
        let column = column.with_validity(validity, 0).expect("enough bits");
        columns
            .set_at(*signal, column)
            .expect("a column of the schema");
    }
    let mut scratch = engine.batch_scratch();
    let batch = match mode {
        Mode::Classify => engine.classify_batch(&columns, &mut scratch),
        Mode::Decide => {
            let logs: Vec<ContactLog> = (0..lanes).map(|lane| copy(lane).log.clone()).collect();
            let now = customers.first().map_or(Timestamp::EPOCH, |c| c.now);
            assert!(customers.iter().all(|c| c.now == now), "one time per batch");
            engine.decide_batch(&columns, &logs, now, &mut scratch)
        }
        Mode::DecideIn => return None,
    }
    .expect("columns of the engine's schema");
    Some(
        (0..n)
            .map(|i| {
                let lane = (i % COPIES) * n + i;
                Decided::of_decision(&batch.get(lane).expect("a lane of the batch"))
            })
            .collect(),
    )
}

/// Computes the reference once per customer, then compares each path's
/// answers with it, mode by mode, customer by customer, field by field.
fn check_paths(
    engine: &Engine,
    scores: Option<&[f64]>,
    customers: &[Customer],
    paths: &[(&str, Path)],
) -> Result<(), TestCaseError> {
    let references = customers
        .iter()
        .enumerate()
        .map(|(i, customer)| reference(engine, scores, i, customer))
        .collect::<Result<Vec<Reference>, TestCaseError>>()?;
    for mode in MODES {
        let expected: Vec<Decided> = references.iter().map(|r| r.expected(mode)).collect();
        for &(name, path) in paths {
            let Some(answers) = path(engine, customers, mode) else {
                continue;
            };
            prop_assert_eq!(
                answers.len(),
                expected.len(),
                "{}: one answer per customer",
                name
            );
            for (i, (want, got)) in expected.iter().zip(&answers).enumerate() {
                compare(name, mode, i, want, got)?;
            }
        }
    }
    Ok(())
}

/// Compares a path's answer for customer `i` with the expected one, field
/// by field, skipping the fields the path does not tell.
fn compare(
    path: &str,
    mode: Mode,
    i: usize,
    want: &Decided,
    got: &Decided,
) -> Result<(), TestCaseError> {
    let at = format!("{path}, {mode:?}, customer {i}");
    prop_assert_eq!(&got.stage, &want.stage, "{}: stage", at);
    if got.classified_stage.is_some() {
        prop_assert_eq!(
            &got.classified_stage,
            &want.classified_stage,
            "{}: classified stage",
            at
        );
    }
    prop_assert_eq!(got.confidence, want.confidence, "{}: confidence", at);
    if got.evidence.is_some() {
        prop_assert_eq!(&got.evidence, &want.evidence, "{}: evidence", at);
    }
    prop_assert_eq!(&got.fired, &want.fired, "{}: fired rules", at);
    prop_assert_eq!(&got.tags, &want.tags, "{}: tags", at);
    let ids = |actions: &[Suggested]| actions.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    prop_assert_eq!(ids(&got.actions), ids(&want.actions), "{}: actions", at);
    for (got, want) in got.actions.iter().zip(&want.actions) {
        let at = format!("{at}, action {}", want.id);
        prop_assert_eq!(got.rank, want.rank, "{}: rank", at);
        prop_assert_eq!(&got.kind, &want.kind, "{}: kind", at);
        prop_assert_eq!(got.priority, want.priority, "{}: priority", at);
        prop_assert_eq!(got.propensity, want.propensity, "{}: propensity", at);
        prop_assert_eq!(got.value, want.value, "{}: value", at);
        prop_assert_eq!(got.weight, want.weight, "{}: weight", at);
        prop_assert_eq!(got.fallback, want.fallback, "{}: fallback", at);
        if got.propensity_from != PropensityFrom::Untold {
            prop_assert_eq!(
                got.propensity_from,
                want.propensity_from,
                "{}: propensity rule",
                at
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

/// The config of the properties: `cases` rulesets, no persistence of
/// failures (as the other property tests), and the `XorShift` generator:
/// with the default `ChaCha`, generating takes three times as long in a
/// debug build.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

/// Generates [`RULESETS_PER_POLICY`] rulesets under `hit_policy` (or as
/// many as the environment variable `AT_SCALE_RULESETS` says, for a longer
/// run) and checks every path against the reference for their customers;
/// how many (ruleset, customer) cases it checked.
fn agree_at_scale(hit_policy: HitPolicy) -> usize {
    let rulesets = std::env::var("AT_SCALE_RULESETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(RULESETS_PER_POLICY);
    let evaluated = Cell::new(0usize);
    let result = TestRunner::new(config(rulesets)).run(&world(&[hit_policy], CUSTOMERS), |world| {
        let engine = world.engine();
        let customers = world.customers(&engine);
        check_agreement(&engine, world.scores.as_deref(), &customers)?;
        evaluated.set(evaluated.get() + customers.len());
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    evaluated.get()
}

// One test per hit policy, so that they run in parallel: together at least
// 10,000 cases.

#[test]
fn every_path_agrees_with_the_reference_under_first() {
    let evaluated = agree_at_scale(HitPolicy::First);
    assert!(evaluated >= MIN_PER_POLICY, "only {evaluated} cases");
}

#[test]
fn every_path_agrees_with_the_reference_under_furthest() {
    let evaluated = agree_at_scale(HitPolicy::Furthest);
    assert!(evaluated >= MIN_PER_POLICY, "only {evaluated} cases");
}

#[test]
fn every_path_agrees_with_the_reference_under_highest_score() {
    let evaluated = agree_at_scale(HitPolicy::HighestScore);
    assert!(evaluated >= MIN_PER_POLICY, "only {evaluated} cases");
}

// ---------------------------------------------------------------------------
// The check can fail
// ---------------------------------------------------------------------------

/// A decision with every field set, to change one field at a time.
fn full_decision() -> Decided {
    let action = |id: &str, rank, priority| Suggested {
        rank,
        id: id.to_owned(),
        kind: "offer".to_owned(),
        priority: Exact(priority),
        propensity: Exact(0.5),
        value: Exact(priority * 2.0),
        weight: Exact(1.0),
        fallback: false,
        propensity_from: PropensityFrom::Rule(0),
    };
    Decided {
        stage: "curious".to_owned(),
        classified_stage: Some("curious".to_owned()),
        confidence: Exact(0.5),
        evidence: Some(vec![
            ("unaware".to_owned(), Exact(0.0)),
            ("curious".to_owned(), Exact(1.0)),
            ("comparing".to_owned(), Exact(1.0)),
        ]),
        fired: vec!["rule.0".to_owned(), "rule.3".to_owned()],
        tags: vec!["vip".to_owned(), "loyal".to_owned()],
        actions: vec![action("a0", 1, 3.0), action("a1", 2, 2.0)],
    }
}

/// The comparison notices a change in any one field, by one unit in the
/// last place or the sign of a zero for numbers, and skips only the fields
/// a path does not tell.
#[test]
fn the_comparison_catches_a_change_in_any_field() {
    type Change = fn(&mut Decided);
    let changes: [(&str, Change); 20] = [
        ("stage", |d| d.stage = "comparing".to_owned()),
        ("classified stage", |d| {
            d.classified_stage = Some("unaware".to_owned());
        }),
        ("confidence", |d| {
            d.confidence = Exact(d.confidence.0.next_up());
        }),
        ("evidence", |d| {
            d.evidence.as_mut().unwrap()[1].1 = Exact(1.0f64.next_down());
        }),
        ("evidence sign of zero", |d| {
            d.evidence.as_mut().unwrap()[0].1 = Exact(-0.0);
        }),
        ("evidence stage", |d| {
            d.evidence.as_mut().unwrap().swap(1, 2);
        }),
        ("fired order", |d| d.fired.reverse()),
        ("fired", |d| d.fired.truncate(1)),
        ("tags order", |d| d.tags.reverse()),
        ("tags", |d| d.tags.push("busy".to_owned())),
        ("actions order", |d| d.actions.reverse()),
        ("actions", |d| d.actions.truncate(1)),
        ("rank", |d| d.actions[1].rank = 3),
        ("kind", |d| d.actions[0].kind = "advice".to_owned()),
        ("priority", |d| {
            d.actions[0].priority = Exact(3.0f64.next_up());
        }),
        ("propensity", |d| d.actions[0].propensity = Exact(0.25)),
        ("value", |d| d.actions[1].value = Exact(4.5)),
        ("weight", |d| d.actions[1].weight = Exact(2.0)),
        ("fallback", |d| d.actions[1].fallback = true),
        ("propensity rule", |d| {
            d.actions[0].propensity_from = PropensityFrom::Base;
        }),
    ];
    let want = full_decision();
    assert!(compare("same", Mode::Decide, 0, &want, &want.clone()).is_ok());
    for (field, change) in changes {
        let mut got = want.clone();
        change(&mut got);
        assert!(
            compare("changed", Mode::Decide, 0, &want, &got).is_err(),
            "a change of the {field} passes"
        );
    }
    let mut untold = want.clone();
    untold.classified_stage = None;
    untold.evidence = None;
    for action in &mut untold.actions {
        action.propensity_from = PropensityFrom::Untold;
    }
    assert!(compare("untold", Mode::Decide, 0, &want, &untold).is_ok());
}

/// Samples `n` values of `strategy`, deterministically.
fn sample<S: Strategy>(strategy: &S, n: usize) -> Vec<S::Value> {
    let rng = TestRng::deterministic_rng(RngAlgorithm::XorShift);
    let mut runner = TestRunner::new_with_rng(config(1), rng);
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("the strategies never reject")
                .current()
        })
        .collect()
}

/// The decision path, answering each customer with the next customer's
/// decision.
fn shifted_path(engine: &Engine, customers: &[Customer], mode: Mode) -> Option<Vec<Decided>> {
    let mut shifted = customers.to_vec();
    shifted.rotate_left(1);
    decision_path(engine, &shifted, mode)
}

/// A path that answers for the wrong customers fails the check for nearly
/// every generated world (not all: in some, every customer gets the same
/// decision).
#[test]
fn a_path_answering_for_other_customers_fails_the_check() {
    let hit_policies = [
        HitPolicy::First,
        HitPolicy::Furthest,
        HitPolicy::HighestScore,
    ];
    let worlds = sample(&world(&hit_policies, 8..=16), 16);
    let mut caught = 0;
    for world in &worlds {
        let engine = world.engine();
        let customers = world.customers(&engine);
        let scores = world.scores.as_deref();
        assert!(check_agreement(&engine, scores, &customers).is_ok());
        let shifted: [(&str, Path); 1] = [("shifted", shifted_path)];
        caught += usize::from(check_paths(&engine, scores, &customers, &shifted).is_err());
    }
    assert!(
        caught >= 12,
        "caught in only {caught} of {} worlds",
        worlds.len()
    );
}

// ---------------------------------------------------------------------------
// The generators reach every form and outcome
// ---------------------------------------------------------------------------

/// Adds the forms of the language `condition` uses to `out`, by name;
/// `flags` are the world's flag signals.
fn forms(condition: &Condition, flags: &[&str], out: &mut BTreeSet<&'static str>) {
    fn arithmetic(expr: &Expr, out: &mut BTreeSet<&'static str>) {
        if let Expr::Binary { op, left, right } = expr {
            out.insert("arithmetic");
            out.insert(op.symbol());
            arithmetic(left, out);
            arithmetic(right, out);
        }
    }
    let is_flag = |expr: &Expr| matches!(expr, Expr::Signal(id) if flags.contains(&id.as_str()));
    match condition {
        Condition::Bool(_) => {
            out.insert("true/false");
        }
        Condition::Compare { left, op, right } => {
            out.insert(op.symbol());
            if matches!((left, right), (Expr::Text(_), _) | (_, Expr::Text(_)))
                && !matches!(op, CompareOp::Eq | CompareOp::Ne)
            {
                out.insert("ordered category op label");
            }
            out.insert(match (left, right) {
                (Expr::Duration(_), _) | (_, Expr::Duration(_)) => "signal op duration",
                (Expr::Text(_), _) | (_, Expr::Text(_)) => "category op label",
                (Expr::Bool(_), _) | (_, Expr::Bool(_)) => "flag op constant",
                _ if is_flag(left) => "flag op flag",
                (Expr::Signal(_), Expr::Number(_)) => "signal op constant",
                (Expr::Number(_), Expr::Signal(_)) => "constant op signal",
                _ => "other comparison",
            });
            arithmetic(left, out);
            arithmetic(right, out);
        }
        Condition::In { value, list } => {
            out.insert(match list.first() {
                Some(Expr::Text(_)) => "in labels",
                Some(Expr::Bool(_)) => "in flags",
                Some(Expr::Duration(_)) => "in durations",
                Some(_) => "in numbers",
                None => "in []",
            });
            arithmetic(value, out);
        }
        Condition::NotIn { value, list } => {
            out.insert(match list.first() {
                Some(Expr::Text(_)) => "not in labels",
                Some(Expr::Bool(_)) => "not in flags",
                Some(Expr::Duration(_)) => "not in durations",
                Some(_) => "not in numbers",
                None => "not in []",
            });
            arithmetic(value, out);
        }
        Condition::Between { value, low, high } => {
            out.insert(match (low, high) {
                (Expr::Text(_), _) => "between labels",
                (Expr::Duration(_), _) | (_, Expr::Duration(_)) => "between durations",
                _ => "between",
            });
            for expr in [value, low, high] {
                arithmetic(expr, out);
            }
        }
        Condition::Present(_) => {
            out.insert("present");
        }
        Condition::Missing(_) => {
            out.insert("missing");
        }
        Condition::Not(inner) => {
            out.insert("not");
            forms(inner, flags, out);
        }
        Condition::All(items) | Condition::Any(items) | Condition::AtLeast { of: items, .. } => {
            out.insert(match condition {
                Condition::All(_) => "all",
                Condition::Any(_) => "any",
                _ => "at_least",
            });
            for item in items {
                forms(item, flags, out);
            }
        }
        _ => {
            out.insert("a form the test does not know");
        }
    }
}

/// How many comparisons (atoms before sharing) `condition` has.
fn comparisons(condition: &Condition) -> usize {
    match condition {
        Condition::Bool(_) => 0,
        Condition::Not(inner) => comparisons(inner),
        Condition::All(items) | Condition::Any(items) | Condition::AtLeast { of: items, .. } => {
            items.iter().map(comparisons).sum()
        }
        _ => 1,
    }
}

/// The name of a reason's kind.
fn reason_kind(reason: &Reason) -> &'static str {
    match reason {
        Reason::OtherStage { .. } => "other_stage",
        Reason::MissingTag { .. } => "missing_tag",
        Reason::ExcludedTag { .. } => "excluded_tag",
        Reason::ConditionFalse { .. } => "condition_false",
        Reason::Cooldown { .. } => "cooldown",
        Reason::Capped { .. } => "capped",
        Reason::Dismissed { .. } => "dismissed",
        Reason::ZeroPriority => "zero_priority",
        Reason::GroupFull { .. } => "group_full",
        Reason::Outranked { .. } => "outranked",
        Reason::RegularActionsSuggested => "regular_actions_suggested",
        _ => "other",
    }
}

/// How often each thing was reached, by name.
#[derive(Default)]
struct Seen(BTreeMap<&'static str, usize>);

impl Seen {
    fn insert(&mut self, name: &'static str) {
        *self.0.entry(name).or_default() += 1;
    }

    fn extend(&mut self, names: impl IntoIterator<Item = &'static str>) {
        for name in names {
            self.insert(name);
        }
    }
}

/// How much the compiled programs of worlds without a wide rule share.
#[derive(Debug, Default)]
struct Sharing {
    worlds: usize,
    /// Worlds whose program has fewer atoms than comparisons written.
    some: usize,
    atoms: usize,
    /// Comparisons written in the conditions.
    written: usize,
}

/// What a sample of generated worlds reached, by name, and how much their
/// programs share.
fn reached(worlds: &[World]) -> (BTreeMap<&'static str, usize>, Sharing) {
    let mut seen = Seen::default();
    let mut sharing = Sharing::default();
    for world in worlds {
        let flags: Vec<&str> = world
            .signals
            .iter()
            .filter(|(_, kind)| matches!(kind, generate::Kind::Flag))
            .map(|(id, _)| id.as_str())
            .collect();
        let conditions = world.conditions();
        let mut used = BTreeSet::new();
        for condition in &conditions {
            forms(condition, &flags, &mut used);
        }
        seen.extend(used);
        let engine = world.engine();
        let written: usize = conditions.iter().map(comparisons).sum();
        // The wide rule's comparisons are all different: leave its worlds out.
        if !conditions.iter().any(|c| comparisons(c) >= 65) {
            sharing.worlds += 1;
            sharing.some += usize::from(engine.atom_count() < written);
            sharing.atoms += engine.atom_count();
            sharing.written += written;
        }
        if engine.atom_count() > 64 {
            seen.insert("more than 64 atoms");
        }
        seen.insert(match world.hit_policy {
            HitPolicy::First => "hit policy first",
            HitPolicy::Furthest => "hit policy furthest",
            _ => "hit policy highest_score",
        });
        if world.scores.is_some() {
            seen.insert("host action scorer");
        }
        let near = |value: f64| {
            world
                .thresholds
                .iter()
                .any(|&t| value != t && (value == t.next_up() || value == t.next_down()))
        };
        if world.now < i64::MIN / 2 || world.now > i64::MAX / 2 {
            seen.insert("now at an end of time");
        }
        for customer in &world.customers {
            for value in &customer.values {
                match value {
                    None => {
                        seen.insert("missing value");
                    }
                    Some(generate::Val::Number(n)) => {
                        if world.thresholds.contains(n) {
                            seen.insert("value on a threshold");
                        }
                        if near(*n) {
                            seen.insert("value one ulp beside a threshold");
                        }
                        if n.to_bits() == (-0.0f64).to_bits() {
                            seen.insert("value -0.0");
                        }
                        if n.abs() == f64::MAX {
                            seen.insert("value ±f64::MAX");
                        }
                        if *n != 0.0 && n.abs() < f64::MIN_POSITIVE {
                            seen.insert("subnormal value");
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        if world.ranges.iter().any(Option::is_some) {
            seen.insert("a signal with a range");
        }
        let customers = world.customers(&engine);
        let mut scratch = engine.scratch();
        for customer in &customers {
            if customer.outside.iter().any(Option::is_some) {
                seen.insert("value outside its range");
            }
            let decision =
                engine.decide(&customer.signals, &customer.log, customer.now, &mut scratch);
            let entry = engine.model().entry().id();
            if decision.stage().id() != entry {
                seen.insert(match world.hit_policy {
                    HitPolicy::First => "a later stage under first",
                    HitPolicy::Furthest => "a later stage under furthest",
                    _ => "a later stage under highest_score",
                });
            }
            let evidence: Vec<f64> = decision.evidence().map(|(_, e)| e).collect();
            if evidence.iter().any(|e| e.abs() == f64::MAX) {
                seen.insert("evidence saturated");
            }
            if evidence
                .iter()
                .map(|e| e.max(0.0))
                .sum::<f64>()
                .is_infinite()
            {
                seen.insert("positive evidence past f64::MAX");
            }
            if evidence.iter().any(|&e| e < 0.0) {
                seen.insert("negative evidence");
            }
            if decision.confidence() > 0.0 && decision.confidence() < 1.0 {
                seen.insert("confidence strictly between 0 and 1");
            }
            let priorities: Vec<f64> = decision.actions().map(|a| a.priority()).collect();
            if priorities.len() >= 2 {
                seen.insert("several suggestions");
            }
            if priorities.windows(2).any(|pair| pair[0] == pair[1]) {
                seen.insert("tied priorities");
            }
            if priorities.contains(&f64::MAX) {
                seen.insert("priority f64::MAX");
            }
            if decision.actions().any(|a| a.is_fallback()) {
                seen.insert("fallback suggested");
            }
            if decision.actions().any(|a| a.propensity_rule().is_some()) {
                seen.insert("propensity rule held");
            }
            let explanation = engine
                .explain_in(
                    journey(&engine, customer),
                    &customer.signals,
                    &customer.log,
                    customer.now,
                )
                .expect("a stage of the engine");
            if explanation.stage != explanation.classified_stage && explanation.confidence > 0.0 {
                seen.insert("decide_in elsewhere with some confidence");
            }
            if explanation
                .rules
                .iter()
                .any(|rule| rule.held && !rule.fired)
            {
                seen.insert("a rule held but did not fire");
            }
            for trace in &explanation.actions {
                if let Outcome::NotSuggested { reasons } = &trace.outcome {
                    seen.extend(reasons.iter().map(reason_kind));
                }
            }
        }
    }
    (seen.0, sharing)
}

/// The properties would hold vacuously if the generators missed what they
/// are for: a sample of worlds reaches every form of the language, every
/// hit policy, shared comparisons and more than 64 atoms, every kind of
/// extreme value, and every outcome of a decision (each reason an action
/// is not suggested, ties, fallbacks, saturated evidence), each at least
/// three times. With `AT_SCALE_REACHED` set it prints how often.
#[test]
fn the_generators_reach_every_form_and_outcome() {
    let hit_policies = [
        HitPolicy::First,
        HitPolicy::Furthest,
        HitPolicy::HighestScore,
    ];
    let worlds = sample(&world(&hit_policies, CUSTOMERS), 120);
    let (seen, sharing) = reached(&worlds);
    let expected = [
        "<",
        "<=",
        ">",
        ">=",
        "==",
        "!=",
        "+",
        "-",
        "*",
        "/",
        "arithmetic",
        "signal op constant",
        "constant op signal",
        "other comparison",
        "flag op constant",
        "flag op flag",
        "category op label",
        "in numbers",
        "in flags",
        "in labels",
        "in []",
        "in durations",
        "not in numbers",
        "not in flags",
        "not in labels",
        "not in durations",
        "not in []",
        "between",
        "between labels",
        "between durations",
        "signal op duration",
        "ordered category op label",
        "present",
        "missing",
        "not",
        "all",
        "any",
        "at_least",
        "true/false",
        "more than 64 atoms",
        "hit policy first",
        "hit policy furthest",
        "hit policy highest_score",
        "host action scorer",
        "missing value",
        "value on a threshold",
        "value one ulp beside a threshold",
        "value -0.0",
        "value ±f64::MAX",
        "subnormal value",
        "a signal with a range",
        "value outside its range",
        "now at an end of time",
        "a later stage under first",
        "a later stage under furthest",
        "a later stage under highest_score",
        "evidence saturated",
        "positive evidence past f64::MAX",
        "negative evidence",
        "confidence strictly between 0 and 1",
        "several suggestions",
        "tied priorities",
        "priority f64::MAX",
        "fallback suggested",
        "propensity rule held",
        "decide_in elsewhere with some confidence",
        "a rule held but did not fire",
        "other_stage",
        "missing_tag",
        "excluded_tag",
        "condition_false",
        "cooldown",
        "capped",
        "dismissed",
        "zero_priority",
        "group_full",
        "outranked",
        "regular_actions_suggested",
    ];
    if std::env::var_os("AT_SCALE_REACHED").is_some() {
        eprintln!("{seen:#?}");
    }
    let rare: Vec<(&str, usize)> = expected
        .iter()
        .map(|&name| (name, seen.get(name).copied().unwrap_or(0)))
        .filter(|&(_, count)| count < 3)
        .collect();
    assert!(rare.is_empty(), "reached fewer than 3 times: {rare:?}");
    assert!(
        !seen.contains_key("a form the test does not know"),
        "{seen:?}"
    );

    // Thresholds are shared: nearly every ruleset tests some comparison
    // twice, and together they compile to at most four atoms for every
    // five comparisons written.
    assert!(sharing.some * 10 >= sharing.worlds * 9, "{sharing:?}");
    assert!(sharing.atoms * 5 <= sharing.written * 4, "{sharing:?}");
}

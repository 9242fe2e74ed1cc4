//! Step 1 of the pipeline: a whole ruleset as plain serde data, the form
//! rulesets are written, stored and exchanged in.
//!
//! Nothing here is checked: [`RulesetSpec`] and its parts accept anything
//! their types allow, and the validation step (`validate`) turns them into a
//! checked ruleset or a located error. Signals and stages are declared with
//! [`SignalSpec`] and [`StageSpec`],
//! which live with the [`Schema`] and [`StageModel`] they describe.

mod action;
mod challenger;
mod contact_limit;
mod learning;
mod rule;
mod scenario;
mod transition;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::event::EventSpec;
use crate::signal::{Schema, SignalSpec};
use crate::stage::{StageModel, StageSpec};
use crate::time::Span;

pub use action::{
    ActionSpec, Arbitration, ContactPolicy, FrequencyCap, PropensityRuleSpec, Suppression,
};
pub use challenger::ChallengerSpec;
pub use contact_limit::ContactLimitSpec;
pub use learning::{LearningSpec, Success};
pub use rule::{ScoreRuleSpec, StageRuleSpec, TagSpec};
pub use scenario::{Expectation, ScenarioEvent, ScenarioSpec, SignalValue};
pub use transition::{FromStages, TransitionSpec};

/// A whole ruleset as data: signals, stages, rules and the hit policy, the
/// tags and action catalog that next-best-actions are chosen from, and the
/// transition rules of journeys.
///
/// Deserialize it from JSON (or any serde format) or build it in Rust; the
/// [`EngineBuilder`](crate::EngineBuilder) validates and compiles it.
///
/// # Example
///
/// ```
/// use buyer_journey::{Engine, RulesetSpec};
///
/// let spec: RulesetSpec = serde_json::from_str(r#"{
///     "signals": [{"id": "visits", "kind": "count"}, {"id": "orders", "kind": "count"}],
///     "stages": [
///         {"id": "prospect", "name": "Prospect"},
///         {"id": "customer", "name": "Customer"}
///     ],
///     "hit_policy": "furthest",
///     "stage_rules": [
///         {"id": "visited", "stage": "prospect", "when": "visits >= 1"},
///         {"id": "ordered", "stage": "customer", "when": "orders >= 1"}
///     ]
/// }"#).unwrap();
/// let engine = Engine::builder(spec).build()?;
///
/// let mut customer = engine.record();
/// customer.set("visits", 4)?;
/// customer.set("orders", 1)?;
/// let mut scratch = engine.scratch();
/// assert_eq!(engine.classify(&customer, &mut scratch).stage().id(), "customer");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
///
/// In Rust, start from [`RulesetSpec::new`] and fill in the parts:
///
/// ```
/// use buyer_journey::{Engine, RulesetSpec, SignalSpec, StageRuleSpec, StageSpec};
///
/// let mut spec = RulesetSpec::new(
///     vec![SignalSpec::count("orders")],
///     vec![StageSpec::new("prospect", "Prospect", ""), StageSpec::new("customer", "Customer", "")],
/// );
/// spec.stage_rules.push(StageRuleSpec::new("ordered", "customer", "orders >= 1"));
/// assert!(Engine::builder(spec).build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RulesetSpec {
    /// What the ruleset is called, for people and tools: `buying_process`.
    /// The engine keeps it ([`Engine::name`](crate::Engine::name)) and reads
    /// nothing else from it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Which version of the ruleset this is, in any scheme its authors use:
    /// `1.0.0`. Kept as [`Engine::version`](crate::Engine::version).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// What the ruleset is for, for people. Kept as
    /// [`Engine::description`](crate::Engine::description).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The signals the rules read.
    pub signals: Vec<SignalSpec>,
    /// The stages in order; the first is the entry stage.
    pub stages: Vec<StageSpec>,
    /// How evidence becomes one stage. Default: `furthest`.
    #[serde(default)]
    pub hit_policy: HitPolicy,
    /// Rules that give evidence for a stage.
    #[serde(default)]
    pub stage_rules: Vec<StageRuleSpec>,
    /// Rules that give points, positive or negative, to a stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub score_rules: Vec<ScoreRuleSpec>,
    /// The types of customer that actions are chosen by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagSpec>,
    /// The action catalog, in order: earlier actions win ties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionSpec>,
    /// How many actions to suggest, and how many of one group.
    #[serde(default)]
    pub arbitration: Arbitration,
    /// How often a customer may be contacted at all, over every action or
    /// a group of them: see [`ContactLimitSpec`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_limits: Vec<ContactLimitSpec>,
    /// The rules that move a customer with a stored stage: see
    /// [`Engine::advance`](crate::Engine::advance).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<TransitionSpec>,
    /// The types of event that signals are derived from (see
    /// [`SignalSpec::from`] and [`Engine::observe`](crate::Engine::observe)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventSpec>,
    /// How late an event may arrive, behind the newest event of the same
    /// customer, and still be folded in its place. Default 15 minutes; see
    /// [`Profile`](crate::Profile).
    #[serde(default = "default_event_tolerance")]
    pub event_tolerance: Span,
    /// Tests of the ruleset: customers and the decisions they must get.
    /// See [`Engine::run_scenarios`](crate::Engine::run_scenarios).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<ScenarioSpec>,
    /// The ruleset this one is tried against, and on what share of the
    /// customers: see [`Experiment`](crate::Experiment). Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenger: Option<ChallengerSpec>,
    /// How propensities learn from responses, when the host keeps a
    /// [`LearnedStore`](crate::LearnedStore). Default: none (a store then
    /// uses [`LearningSpec::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning: Option<LearningSpec>,
}

/// The default of [`RulesetSpec::event_tolerance`].
fn default_event_tolerance() -> Span {
    Span::minutes(15)
}

impl Default for RulesetSpec {
    fn default() -> Self {
        RulesetSpec {
            name: String::new(),
            version: String::new(),
            description: String::new(),
            signals: Vec::new(),
            stages: Vec::new(),
            hit_policy: HitPolicy::default(),
            stage_rules: Vec::new(),
            score_rules: Vec::new(),
            tags: Vec::new(),
            actions: Vec::new(),
            arbitration: Arbitration::default(),
            contact_limits: Vec::new(),
            transitions: Vec::new(),
            events: Vec::new(),
            event_tolerance: default_event_tolerance(),
            scenarios: Vec::new(),
            challenger: None,
            learning: None,
        }
    }
}

impl RulesetSpec {
    /// A ruleset of `signals` and `stages` with no rules, tags, actions or
    /// transitions yet, the `furthest` hit policy and the default
    /// arbitration.
    ///
    /// ```
    /// use buyer_journey::{HitPolicy, RulesetSpec, SignalSpec, StageSpec};
    ///
    /// let spec = RulesetSpec::new(
    ///     vec![SignalSpec::count("orders")],
    ///     vec![StageSpec::new("prospect", "Prospect", "")],
    /// );
    /// assert_eq!(spec.hit_policy, HitPolicy::Furthest);
    /// assert!(spec.stage_rules.is_empty());
    /// ```
    #[must_use]
    pub fn new(signals: Vec<SignalSpec>, stages: Vec<StageSpec>) -> Self {
        RulesetSpec {
            signals,
            stages,
            ..RulesetSpec::default()
        }
    }

    /// The validated schema of the ruleset's signals.
    ///
    /// # Errors
    ///
    /// As [`Schema::new`], with locations under `signals`.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let schema = models::buying_process().schema()?;
    /// assert_eq!(schema.len(), 16);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn schema(&self) -> Result<Schema, Error> {
        Schema::new(&self.signals)
    }

    /// The validated stage model.
    ///
    /// # Errors
    ///
    /// As [`StageModel::new`].
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.entry().id(), "need_recognition");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stage_model(&self) -> Result<StageModel, Error> {
        StageModel::new(&self.stages)
    }
}

/// How the evidence for the stages becomes one stage.
///
/// Ties always break the same way, so the same input always gives the same
/// stage. With no evidence the customer is in the model's entry stage with
/// confidence 0.
///
/// ```
/// use buyer_journey::HitPolicy;
///
/// let policy: HitPolicy = serde_json::from_str("\"highest_score\"").unwrap();
/// assert_eq!(policy, HitPolicy::HighestScore);
/// assert_eq!(HitPolicy::default(), HitPolicy::Furthest);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HitPolicy {
    /// The first stage rule that holds decides, as in a DMN decision table
    /// with the first hit policy: rules are tried by `priority`, higher
    /// first, and among equal priorities in the order the ruleset writes
    /// them. Only that rule fires: the other stage rules are not evaluated,
    /// and give no evidence.
    First,
    /// The furthest stage, in model order, with a stage rule that holds.
    #[default]
    Furthest,
    /// The stage with the most evidence: one point per stage rule that holds,
    /// the points of the score rules that hold, and what the host's
    /// [`StageScorer`](crate::StageScorer)s add. Ties go to the earlier stage;
    /// no positive evidence means the entry stage.
    HighestScore,
}

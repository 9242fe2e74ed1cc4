//! Step 5 of the pipeline, the hot path: the [`Engine`] built once from a
//! ruleset, which composes the compiled stages (the classifier, the action
//! catalog and the journey machine) and answers for one customer at a time
//! without allocating, in caller-owned [`Scratch`] buffers.

mod batch;
mod builder;
mod classifier;
mod decision;
mod learned;
mod observe;
mod scenario;
mod scratch;
mod stored;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::action::{ActionScorer, Catalog, ContactHistory, Customer, Fixed, Propensity};
use crate::compile::Program;
use crate::error::Error;
use crate::index::{ActionIndex, RuleIndex, StageIndex, TagIndex, TransitionIndex};
use crate::journey::{JourneyState, Machine, Moves, Step, Transition};
use crate::learn::Settings as LearningSettings;
use crate::profile::Deriver;
use crate::signal::{gather, Schema, SignalRecord, Signals};
use crate::spec::{Arbitration, ChallengerSpec, HitPolicy, RulesetSpec};
use crate::stage::{Stage, StageModel};
use crate::time::Timestamp;
use crate::validate::{Action, Rule, Scenario, Tag, TransitionRule};

pub use batch::{Batch, BatchScratch};
pub use builder::EngineBuilder;
pub use decision::{Decision, DecisionRecord};
pub use observe::Observation;
pub use scratch::Scratch;

use classifier::Classifier;

/// A compiled ruleset: immutable, `Send + Sync`, built once and shared (for
/// example in an `Arc`) by every thread that classifies customers.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut customer = engine.record();
/// customer.set("comparisons", 2)?;
/// customer.set("sales_contacts", 1)?;
///
/// let decision = engine.classify(&customer, &mut scratch);
/// assert_eq!(decision.stage().id(), "evaluation");
/// assert_eq!(decision.confidence(), 1.0);
/// let fired: Vec<&str> = decision.fired().map(|rule| rule.id()).collect();
/// assert_eq!(fired, ["evaluation.comparisons", "evaluation.sales_contact"]);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub struct Engine {
    classifier: Classifier,
    catalog: Catalog,
    machine: Machine,
    /// How signals are derived from events.
    deriver: Deriver,
    /// The conditions of the classifier's rules and tags and of the
    /// catalog's actions, compiled together.
    program: Program,
    action_scorer: Option<Box<dyn ActionScorer>>,
    /// What [`Decision::calibrated_confidence`] maps confidences with.
    calibration: crate::calibration::ByStage,
    /// The ruleset's own tests: see [`Engine::run_scenarios`].
    scenarios: Vec<Scenario>,
    /// How a [`LearnedStore`](crate::LearnedStore) of this engine learns.
    learning: LearningSettings,
    /// Unique in the process: what a [`Scratch`] remembers it was fitted
    /// to.
    id: u64,
    about: About,
}

/// What the ruleset says about itself: kept, never read by the engine.
#[derive(Debug, Clone, Default)]
struct About {
    name: String,
    version: String,
    description: String,
    challenger: Option<ChallengerSpec>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("name", &self.about.name)
            .field("signals", &self.schema().len())
            .field("stages", &self.model().len())
            .field("hit_policy", &self.hit_policy())
            .field("rules", &self.classifier.rules().len())
            .field("tags", &self.classifier.tags().len())
            .field("actions", &self.catalog.actions().len())
            .field("atoms", &self.program.atom_count())
            .field("scorers", &self.classifier.scorer_count())
            .field("action_scorer", &self.action_scorer.is_some())
            .field("transitions", &self.machine.rules().len())
            .field("derived_signals", &self.deriver.len())
            .field("scenarios", &self.scenarios.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts building an engine from `spec`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.model().len(), 5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn builder(spec: RulesetSpec) -> EngineBuilder {
        EngineBuilder::new(spec)
    }

    /// The ruleset's [`name`](RulesetSpec::name); empty when it has none.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.name(), "buying_process");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.about.name
    }

    /// The ruleset's [`version`](RulesetSpec::version); empty when it has
    /// none.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.version(), "1.0.0");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> &str {
        &self.about.version
    }

    /// The ruleset's [`description`](RulesetSpec::description); empty when
    /// it has none.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert!(engine.description().starts_with("The customer buying process"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> &str {
        &self.about.description
    }

    /// The ruleset's [`challenger`](RulesetSpec::challenger): the ruleset it
    /// is tried against in an [`Experiment`](crate::Experiment), if any.
    ///
    /// ```
    /// use buyer_journey::{models, ChallengerSpec, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// assert!(Engine::builder(spec.clone()).build()?.challenger().is_none());
    /// spec.challenger = Some(ChallengerSpec::new("buying_process_v2", 0.2, "may"));
    /// assert_eq!(Engine::builder(spec).build()?.challenger().unwrap().ruleset, "buying_process_v2");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn challenger(&self) -> Option<&ChallengerSpec> {
        self.about.challenger.as_ref()
    }

    /// The schema of the signals the engine reads.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert!(engine.schema().find("cart_adds").is_some());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn schema(&self) -> &Schema {
        self.classifier.schema()
    }

    /// The stage model.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.model().entry().id(), "need_recognition");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn model(&self) -> &StageModel {
        self.classifier.model()
    }

    /// The hit policy.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, HitPolicy};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.hit_policy(), HitPolicy::Furthest);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn hit_policy(&self) -> HitPolicy {
        self.classifier.hit_policy()
    }

    /// Every rule: the stage rules in ruleset order, then the score rules.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.rules().next().unwrap();
    /// assert_eq!(first.id(), "need_recognition.need_search");
    /// assert!(engine.rules().enumerate().all(|(i, rule)| rule.index().as_usize() == i));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Rule> + '_ {
        self.classifier.rules().iter()
    }

    /// The rule at `index`, if this engine issued it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let decision = engine.classify(&customer, &mut scratch);
    /// let first = decision.fired_indices().next().unwrap();
    /// assert_eq!(engine.rule(first).unwrap().id(), "purchase_decision.cart");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn rule(&self, index: RuleIndex) -> Option<&Rule> {
        self.classifier.rules().get(index.as_usize())
    }

    /// The rule with id `id`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let rule = engine.find_rule("evaluation.comparisons").unwrap();
    /// assert_eq!(rule.condition().to_string(), "comparisons >= 1");
    /// assert!(engine.find_rule("evaluation").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find_rule(&self, id: &str) -> Option<&Rule> {
        self.rules().find(|rule| rule.id() == id)
    }

    /// The tags, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let ids: Vec<&str> = engine.tags().map(|tag| tag.id()).collect();
    /// assert_eq!(ids[..3], ["prospect", "new", "returning"]);
    /// assert_eq!(engine.find_tag("loyal").unwrap().index().as_usize(), 3);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn tags(&self) -> impl ExactSizeIterator<Item = &Tag> + '_ {
        self.classifier.tags().iter()
    }

    /// The tag at `index`, if this engine issued it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let loyal = engine.find_tag("loyal").unwrap();
    /// assert_eq!(engine.tag(loyal.index()), Some(loyal));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn tag(&self, index: TagIndex) -> Option<&Tag> {
        self.classifier.tags().get(index.as_usize())
    }

    /// The tag with id `id`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.find_tag("new").unwrap().condition().to_string(), "purchases == 1");
    /// assert!(engine.find_tag("vip").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find_tag(&self, id: &str) -> Option<&Tag> {
        self.tags().find(|tag| tag.id() == id)
    }

    /// The action catalog, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let evaluation = engine.model().find("evaluation").unwrap().index();
    /// let kinds: Vec<&str> = engine
    ///     .actions()
    ///     .filter(|action| action.stages().contains(&evaluation))
    ///     .map(|action| action.kind())
    ///     .collect();
    /// assert!(kinds.contains(&"consultation"));
    /// let call = engine.find_action("evaluation.advisor_call").unwrap();
    /// assert_eq!(call.name(), "Talk to an advisor");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &Action> + '_ {
        self.catalog.actions()
    }

    /// The action at `index`, if this engine issued it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let demo = engine.find_action("evaluation.demo").unwrap();
    /// assert_eq!(engine.action(demo.index()), Some(demo));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn action(&self, index: ActionIndex) -> Option<&Action> {
        self.catalog.action(index)
    }

    /// The action with id `id`, or with `id` among its
    /// [aliases](Action::aliases): what a stored id names in this catalog.
    /// The action found reports its current [`id`](Action::id).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.find_action("evaluation.demo").unwrap().kind(), "demo");
    ///
    /// let mut spec = models::buying_process();
    /// let demo = spec.actions.iter_mut().find(|a| a.id == "evaluation.demo").unwrap();
    /// demo.id = "evaluation.live_demo".into();
    /// demo.aliases = vec!["evaluation.demo".into()];
    /// let renamed = Engine::builder(spec).build()?;
    /// assert_eq!(renamed.find_action("evaluation.demo").unwrap().id(), "evaluation.live_demo");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find_action(&self, id: &str) -> Option<&Action> {
        self.actions().find(|action| action.id() == id).or_else(|| {
            self.actions()
                .find(|action| action.aliases().any(|alias| alias == id))
        })
    }

    /// How the ranked actions are cut down to suggestions.
    ///
    /// ```
    /// use buyer_journey::{models, Arbitration, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.arbitration(), Arbitration::new(3, 1));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn arbitration(&self) -> Arbitration {
        self.catalog.arbitration()
    }

    /// The transition rules, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.transitions().next().unwrap();
    /// assert_eq!(first.id(), "forward.information_search");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn transitions(&self) -> impl ExactSizeIterator<Item = &TransitionRule> + '_ {
        self.machine.rules().iter()
    }

    /// The transition rule at `index`, if this engine issued it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let rule = engine.find_transition("forward.evaluation").unwrap();
    /// assert_eq!(engine.transition(rule.index()), Some(rule));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn transition(&self, index: TransitionIndex) -> Option<&TransitionRule> {
        self.machine.rules().get(index.as_usize())
    }

    /// The transition rule with id `id`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let rule = engine.find_transition("new_cycle.need_recognition").unwrap();
    /// assert!(rule.new_cycle());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find_transition(&self, id: &str) -> Option<&TransitionRule> {
        self.transitions().find(|rule| rule.id() == id)
    }

    /// How many distinct comparisons the conditions (of rules, tags and
    /// actions) compile to: identical comparisons in different conditions
    /// are evaluated once per customer.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, StageRuleSpec};
    ///
    /// let mut spec = models::buying_process();
    /// let before = Engine::builder(spec.clone()).build()?.atom_count();
    /// spec.stage_rules.push(StageRuleSpec::new("again", "purchase_decision", "cart_adds >= 1"));
    /// assert_eq!(Engine::builder(spec).build()?.atom_count(), before);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn atom_count(&self) -> usize {
        self.program.atom_count()
    }

    /// An empty [`SignalRecord`] for the engine's schema.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// assert!(customer.iter().next().is_none()); // every signal missing
    /// customer.set("reviews_read", 2)?;
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn record(&self) -> SignalRecord {
        self.schema().record()
    }

    /// Buffers for [`observe`](Engine::observe), [`refresh`](Engine::refresh),
    /// [`classify`](Engine::classify), [`decide`](Engine::decide),
    /// [`decide_in`](Engine::decide_in) and [`advance`](Engine::advance),
    /// sized for this engine. Allocates; keep one per thread and reuse it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// for reviews in 0..3 {
    ///     let mut customer = engine.record();
    ///     customer.set("reviews_read", reviews)?;
    ///     engine.classify(&customer, &mut scratch);
    /// }
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn scratch(&self) -> Scratch {
        let mut scratch = Scratch::new(self.schema());
        scratch.fit(self);
        scratch
    }

    /// Classifies one customer: the stage, the confidence, the evidence per
    /// stage, the rules that fired and the customer's tags. Ranks no actions
    /// ([`Decision::actions`] is empty): [`decide`](Engine::decide) does.
    ///
    /// The stage is the **classification's**: the one the stage rules, the
    /// scorers and the hit policy give for these signals alone, whatever
    /// journey the customer is on (see [`advance`](Engine::advance) for
    /// that).
    ///
    /// Reads each signal once, evaluates each distinct comparison once, then
    /// the rules, the scorers, the hit policy and the tags. Does not allocate
    /// when `scratch` came from [`Engine::scratch`] of this engine (a scratch
    /// of another engine is resized first) and the scorers do not allocate.
    /// Cost grows linearly with the number of signals, distinct comparisons,
    /// rules and tags.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    ///
    /// let nobody = engine.record();
    /// let decision = engine.classify(&nobody, &mut scratch);
    /// assert_eq!(decision.stage().id(), "need_recognition");
    /// assert_eq!(decision.confidence(), 0.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn classify<'a, S: Signals + ?Sized>(
        &'a self,
        signals: &S,
        scratch: &'a mut Scratch,
    ) -> Decision<'a> {
        self.classify_into(signals, scratch);
        scratch.ranking.picks.clear();
        let stage = scratch.classified.stage;
        scratch.view(self, stage)
    }

    /// Decides for one customer: everything [`classify`](Engine::classify)
    /// gives, and the next-best-actions of the **classified** stage, best
    /// first. A host that keeps each customer's [`JourneyState`] wants the
    /// actions of the journey's stage instead: [`decide_in`](Engine::decide_in).
    ///
    /// The actions are those of the customer's stage whose required tags
    /// the customer has, whose excluded tags the customer lacks, whose
    /// condition holds and whose contact policy allows them at `now`, given
    /// the customer's contact `history`. Each gets a priority of propensity ×
    /// value × weight (an action with priority 0 is never suggested); the
    /// suggestions are the highest priorities, at most
    /// [`Arbitration::max_suggestions`](crate::Arbitration) of them and at most
    /// `max_per_group` of one group. Equal priorities go to the action
    /// declared first, so the same input always gives the same suggestions.
    /// Only when none of the stage's regular actions is suggested are its
    /// [fallbacks](crate::ActionSpec::fallback) ranked, the same way.
    ///
    /// Does not allocate under the same conditions as `classify`, provided
    /// the history and the action scorer do not allocate either.
    /// [`explain`](Engine::explain) says why each action was or was not
    /// suggested.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 2)?;
    ///
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// let decision = engine.decide(&customer, &ContactLog::new(), now, &mut scratch);
    /// assert_eq!(decision.stage().id(), "evaluation");
    /// let kinds: Vec<&str> = decision.actions().map(|a| a.kind()).collect();
    /// assert!(kinds.contains(&"consultation"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn decide<'a, S, H>(
        &'a self,
        signals: &S,
        history: &H,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Decision<'a>
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        self.classify_into(signals, scratch);
        let stage = scratch.classified.stage;
        self.rank_into(stage, history, now, &Fixed, scratch);
        scratch.view(self, stage)
    }

    /// Decides for one customer **in a given stage**, typically the stage of
    /// the customer's journey: the customer is classified as by
    /// [`decide`](Engine::decide), but the actions ranked are those of
    /// `stage`, by the same rules (tags, conditions, contact policy,
    /// priority, arbitration, fallbacks).
    ///
    /// In the [`Decision`]:
    ///
    /// - [`stage`](Decision::stage) is `stage`, and each suggestion's
    ///   [`why`](crate::Suggestion::why) and the action scorer's
    ///   [`ActionInput::stage`](crate::ActionInput::stage) name it;
    /// - [`classified_stage`](Decision::classified_stage) is the stage the
    ///   classification gives, and the evidence, the fired rules and the
    ///   tags are the classification's, as under `decide`;
    /// - [`confidence`](Decision::confidence) is the share of the positive
    ///   evidence that supports `stage`: how far the customer's signals
    ///   agree with the journey (0 when they point elsewhere or nowhere).
    ///
    /// When `stage` is the classified stage the decision equals `decide`'s.
    ///
    /// `stage` is a stage of this engine's [model](Engine::model), found by
    /// id with [`StageModel::find`] (the id a [`JourneyState`] stores) or by
    /// index with [`StageModel::stage`]. A stage of another engine's model
    /// stands for this engine's stage with the same id, wherever that is in
    /// the model: indices are only meaningful for the engine that issued
    /// them, ids are what the host stores.
    ///
    /// Does not allocate under the same conditions as `decide`.
    /// [`explain_in`](Engine::explain_in) explains the decision.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) when this engine's
    /// model has no stage with the id of `stage` (a stage of another
    /// engine's model), located at `stage`.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{
    ///     models, ContactLog, Engine, JourneyState, RulesetSpec, Span, StageSpec, Timestamp,
    /// };
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let day = |n| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
    ///
    /// // Bought on day 0; on day 1 reads a review of something else. The
    /// // classification says information_search; the journey keeps the
    /// // customer in post_purchase for its minimum dwell of 7 days.
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// let bought = engine.advance(&JourneyState::new(), &customer, day(0), &mut scratch)?;
    /// customer.set("reviews_read", 2)?;
    /// let step = engine.advance(&bought.state, &customer, day(1), &mut scratch)?;
    /// let journey = engine.model().find(step.state.stage().unwrap()).unwrap();
    ///
    /// let decision = engine.decide_in(journey, &customer, &ContactLog::new(), day(1), &mut scratch)?;
    /// assert_eq!(decision.stage().id(), "post_purchase");
    /// assert_eq!(decision.classified_stage().id(), "information_search");
    /// assert_eq!(decision.confidence(), 0.0);
    /// assert!(decision.actions().all(|a| a.id().starts_with("post_purchase.")));
    ///
    /// // A stage of another engine stands for the stage with its id, or is
    /// // an error if this engine has none.
    /// let same = Engine::builder(models::buying_process()).build()?;
    /// let their_journey = same.model().find("post_purchase").unwrap();
    /// let history = ContactLog::new();
    /// let decision = engine.decide_in(their_journey, &customer, &history, day(1), &mut scratch)?;
    /// assert_eq!(decision.stage().id(), "post_purchase");
    /// let aida = RulesetSpec::new(Vec::new(), vec![StageSpec::new("attention", "Attention", "")]);
    /// let aida = Engine::builder(aida).build()?;
    /// let err = engine.decide_in(aida.model().entry(), &customer, &history, day(1), &mut scratch);
    /// assert_eq!(err.unwrap_err().to_string(), "stage: unknown stage 'attention'");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn decide_in<'a, S, H>(
        &'a self,
        stage: &Stage,
        signals: &S,
        history: &H,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Result<Decision<'a>, Error>
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        let stage = self.own_stage(stage)?;
        self.classify_into(signals, scratch);
        self.rank_into(stage, history, now, &Fixed, scratch);
        Ok(scratch.view(self, stage))
    }

    /// Moves a customer along their journey until it settles: from the
    /// stored `state`, the customer's `signals` and the time `now`, the state
    /// to store next and every move made to reach it.
    ///
    /// - **A new customer** ([`JourneyState::new`], no stage yet) is placed
    ///   in the stage the stage rules and the hit policy classify them into,
    ///   as [`classify`](Engine::classify) would; that move has no `from` and
    ///   no rule. The transition rules then apply from the placed stage.
    /// - **A placed customer** moves only by transition rules. The rules
    ///   that may fire are those whose `from` has the customer's stage, whose
    ///   `min_dwell` has passed since the customer entered it, and whose
    ///   condition holds; the condition may read `stage` (the stage the
    ///   customer is in) and `days_in_stage` besides the signals. Of those,
    ///   the rule with the highest priority wins, then the one declared
    ///   first. A rule without `back` or `new_cycle` never moves a customer
    ///   to an earlier stage.
    ///
    /// **One call settles.** After a move the rules apply again from the new
    /// stage, so the same signals and `now` reach the stage the rules lead
    /// to in one call, and [`Step::moves`] lists every move in order:
    ///
    /// - A move happens at `now`, so the customer has spent no time in the
    ///   stage it enters: there `days_in_stage` is 0, and a rule with a
    ///   `min_dwell` above zero cannot fire next in the same call; a rule
    ///   without one can.
    /// - The call stops when no rule fires, and also before a move into a
    ///   stage it has already been in: the stage it started from (for a new
    ///   customer, the placed stage) or one it moved to. The winning rule is
    ///   not passed over for the next one; the customer stays. So rules that
    ///   lead round in a circle cannot loop, and one call makes at most as
    ///   many moves as the model has stages: one per stage entered, the
    ///   placement included.
    /// - The new state is in the last move's stage, entered at `now`, with
    ///   the stage before the last move as `previous`; its `cycles` count
    ///   one more for each `new_cycle` move. With no move the state is
    ///   returned unchanged and `moves` is empty.
    ///
    /// A settled state stays put when advanced again with the same signals
    /// and `now`, unless the call stopped before entering a stage again: the
    /// next call then goes on round the circle.
    ///
    /// **Which wins, a transition rule or the classification:** the
    /// transition rule. Once a customer has a stage, the stateless
    /// classification is not consulted: a rule that fires moves the customer
    /// even where [`classify`](Engine::classify) names another stage, and
    /// with no rule firing the customer stays even where it names another.
    /// So put every move the journey should make in a transition rule; the
    /// built-in model's forward rules use the stage rules' conditions, so
    /// its journeys move forward as its classification does, with hysteresis
    /// on top.
    ///
    /// Does not allocate under the same conditions as `classify`, provided
    /// the call makes at most 5 moves (always, on a model of at most 5
    /// stages): the moves are kept inline, and the new state and the moves
    /// share their stage and rule ids with the engine instead of copying
    /// them.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) when the state names a stage the model does not
    /// have (for example one removed from the model since the state was
    /// stored); the state is left as it was. A stage the model knows by an
    /// [alias](crate::StageSpec::aliases), its id before a rename, is that
    /// stage: the state returned names it, and its previous stage, by their
    /// current ids ([`resolve_state`](Engine::resolve_state) renames
    /// without advancing).
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let day = |n| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
    ///
    /// // Bought on day 0, and settled.
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// let step = engine.advance(&JourneyState::new(), &customer, day(0), &mut scratch)?;
    /// assert_eq!(step.state.stage(), Some("post_purchase"));
    ///
    /// // Asking friends for recommendations on day 1 starts no new cycle:
    /// // post_purchase has a minimum dwell of 7 days.
    /// customer.set("recommendations_sought", 1)?;
    /// let early = engine.advance(&step.state, &customer, day(1), &mut scratch)?;
    /// assert!(!early.moved());
    ///
    /// // Two weeks after the purchase it does.
    /// let later = engine.advance(&step.state, &customer, day(14), &mut scratch)?;
    /// assert_eq!(later.state.stage(), Some("information_search"));
    /// assert_eq!(later.state.previous(), Some("post_purchase"));
    /// assert_eq!(later.state.cycles(), 1);
    /// assert_eq!(later.moves.len(), 1);
    /// assert_eq!(later.moves[0].rule(), Some("new_cycle.information_search"));
    ///
    /// // Two moves in one call: a search for a need starts a new cycle in
    /// // need_recognition, and a review read moves the customer on at once.
    /// let mut searching = engine.record();
    /// searching.set("purchases", 1)?;
    /// searching.set("need_searches", 1)?;
    /// searching.set("reviews_read", 1)?;
    /// let settled = engine.advance(&step.state, &searching, day(14), &mut scratch)?;
    /// let rules: Vec<_> = settled.moves.iter().map(|t| t.rule().unwrap()).collect();
    /// assert_eq!(rules, ["new_cycle.need_recognition", "forward.information_search"]);
    /// assert_eq!(settled.state.stage(), Some("information_search"));
    /// assert_eq!(settled.state.previous(), Some("need_recognition"));
    /// assert_eq!(settled.state.cycles(), 1);
    /// // Settled: the same signals at the same time move it no further.
    /// assert!(!engine.advance(&settled.state, &searching, day(14), &mut scratch)?.moved());
    ///
    /// let unknown = JourneyState::in_stage("checkout", day(0));
    /// let err = engine.advance(&unknown, &customer, day(1), &mut scratch).unwrap_err();
    /// assert_eq!(err.to_string(), "state.stage: unknown stage 'checkout'");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn advance<S: Signals + ?Sized>(
        &self,
        state: &JourneyState,
        signals: &S,
        now: Timestamp,
        scratch: &mut Scratch,
    ) -> Result<Step, Error> {
        let mut moves = Moves::new();
        let Some(id) = state.shared_stage() else {
            self.classify_into(signals, scratch);
            let stage = scratch.classified.stage;
            let to = self.machine.shared_stage_id(stage);
            moves.push(Transition::placed(to, now));
            let placed = state.moved(to, now, false);
            // The transition conditions read the signals just gathered for
            // the classification: the host's are read once per call.
            let Scratch {
                values,
                journey_values,
                ..
            } = scratch;
            for (slot, &value) in journey_values.iter_mut().zip(values.iter()) {
                *slot = value;
            }
            return Ok(self.settle(stage, placed, now, moves, scratch));
        };
        let stage = self.stored_stage(id)?;
        let state = self.in_current_ids(state, stage);
        if !self.machine.has_candidates(stage) {
            return Ok(Step {
                state: state.into_owned(),
                moves,
            });
        }
        scratch.fit(self);
        let host_signals = self.machine.host_signals();
        gather(
            self.schema(),
            signals,
            &mut scratch.journey_values[..host_signals],
        );
        Ok(self.settle(stage, state.into_owned(), now, moves, scratch))
    }

    /// Applies transition rules to `state`, in `stage`, until none fires or
    /// the one that fires would enter a stage this call has been in, adding
    /// each move to `moves`. The host's signals are in
    /// `scratch.journey_values` already; `scratch` fits this engine.
    fn settle(
        &self,
        mut stage: StageIndex,
        mut state: JourneyState,
        now: Timestamp,
        mut moves: Moves,
        scratch: &mut Scratch,
    ) -> Step {
        let Scratch {
            journey_values: values,
            journey_bits: bits,
            stack,
            visited,
            ..
        } = scratch;
        visited.fill(false);
        mark(visited, stage);
        while self.machine.has_candidates(stage) {
            let in_stage = state.time_in_stage(now);
            self.machine.set_journey_values(values, stage, in_stage);
            let Some(rule) = self.machine.fire(stage, in_stage, values, bits, stack) else {
                break;
            };
            // Entering a stage again would go round a circle of rules; each
            // stage at most once also bounds the moves by the stages.
            if !mark(visited, rule.to()) {
                break;
            }
            let to = self.machine.shared_stage_id(rule.to());
            moves.push(Transition::by_rule(&state, to, rule.shared_id(), now));
            state = state.moved(to, now, rule.new_cycle());
            stage = rule.to();
        }
        Step { state, moves }
    }

    /// Classifies one customer with the reference interpreter instead of the
    /// compiled program: the executable specification that
    /// [`classify`](Engine::classify) is tested against. Same answer, slower,
    /// and it allocates.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// assert_eq!(
    ///     engine.classify_interpreted(&customer),
    ///     engine.classify(&customer, &mut scratch).to_record(),
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn classify_interpreted<S: Signals + ?Sized>(&self, signals: &S) -> DecisionRecord {
        let scratch = self.interpret(signals);
        scratch.view(self, scratch.classified.stage).to_record()
    }

    /// Classifies with the reference interpreter into a fresh scratch.
    pub(crate) fn interpret<S: Signals + ?Sized>(&self, signals: &S) -> Scratch {
        let mut scratch = self.scratch();
        gather(self.schema(), signals, &mut scratch.values);
        self.classifier
            .interpret(&scratch.values, &mut scratch.classified);
        scratch
    }

    /// Ranks the actions of `stage` for the customer classified into
    /// `scratch`, into `scratch.ranking`, with propensities from `learned`.
    fn rank_into<H: ContactHistory + ?Sized, P: Propensity>(
        &self,
        stage: StageIndex,
        history: &H,
        now: Timestamp,
        learned: &P,
        scratch: &mut Scratch,
    ) {
        let Scratch {
            values,
            bits,
            stack,
            classified,
            ranking,
            ..
        } = scratch;
        let signals = self.classifier.score_input(values, &classified.fired);
        let customer = Customer {
            signals: &signals,
            stage: self.stage_at(stage),
            tags: &classified.tags,
            all_tags: self.classifier.tags(),
            program: &self.program,
            bits,
        };
        self.catalog.rank(
            self.action_scorer.as_deref(),
            learned,
            &customer,
            history,
            now,
            stack,
            ranking,
        );
    }

    /// The index in this engine's model of `stage`, a stage of this engine
    /// or of another: the stage with its id. Allocates only for the error.
    pub(crate) fn own_stage(&self, stage: &Stage) -> Result<StageIndex, Error> {
        // Usually the stage is this engine's, at its own index: one id
        // comparison confirms it. An index of another model may point at
        // another stage, so otherwise the id decides.
        match self.model().stage(stage.index()) {
            Some(own) if own.id() == stage.id() => Ok(own.index()),
            _ => self
                .model()
                .resolve_stored(stage.id())
                .map(Stage::index)
                .map_err(|e| e.at("stage")),
        }
    }

    /// Classifies into `scratch`: values, atoms, fired rules, evidence,
    /// stage, tags.
    fn classify_into<S: Signals + ?Sized>(&self, signals: &S, scratch: &mut Scratch) {
        scratch.fit(self);
        gather(self.schema(), signals, &mut scratch.values);
        self.program.eval_atoms(&scratch.values, &mut scratch.bits);
        self.classifier.classify(
            &self.program,
            &scratch.values,
            &scratch.bits,
            &mut scratch.stack,
            &mut scratch.classified,
        );
    }

    /// The stage a stored journey state names, by its id or an alias, or
    /// the error that it names none of the model's.
    pub(crate) fn stored_stage(&self, id: &Arc<str>) -> Result<StageIndex, Error> {
        // The model's lookup only runs for an alias or a stage it lacks.
        self.machine
            .find_stage(id)
            .map_or_else(|| self.model().resolve_stored(id).map(Stage::index), Ok)
            .map_err(|e| e.at("state.stage"))
    }

    /// `state`, in `stage`, with its stage and previous stage named by
    /// their current ids where it names them by an alias; borrowed when it
    /// does not, as always for a model without aliases.
    fn in_current_ids<'s>(
        &self,
        state: &'s JourneyState,
        stage: StageIndex,
    ) -> Cow<'s, JourneyState> {
        if !self.model().has_aliases() {
            return Cow::Borrowed(state);
        }
        let current = self.machine.shared_stage_id(stage);
        let stage_renamed = state
            .shared_stage()
            .is_some_and(|id| !Arc::ptr_eq(id, current) && **id != **current);
        // A previous stage the model lacks altogether stays as stored: it
        // is a record of the past, which no decision reads.
        let previous = state.shared_previous().map(|id| {
            match (self.machine.find_stage(id), self.model().find(id)) {
                (None, Some(renamed)) => (self.machine.shared_stage_id(renamed.index()), true),
                _ => (id, false),
            }
        });
        let previous_renamed = previous.is_some_and(|(_, renamed)| renamed);
        if stage_renamed || previous_renamed {
            Cow::Owned(state.renamed(current, previous.map(|(id, _)| id)))
        } else {
            Cow::Borrowed(state)
        }
    }

    /// The stage at `index`; the entry stage for an index of another model.
    pub(crate) fn stage_at(&self, index: StageIndex) -> &Stage {
        self.model()
            .stage(index)
            .unwrap_or_else(|| self.model().entry())
    }

    /// What scorers see of a customer with signal `values` and `fired` rules.
    pub(crate) fn score_input<'a>(
        &'a self,
        values: &'a [f64],
        fired: &'a [u64],
    ) -> crate::score::ScoreInput<'a> {
        self.classifier.score_input(values, fired)
    }

    /// The customer-level contact limits, in ruleset order.
    pub(crate) fn contact_limits(&self) -> &[crate::validate::ContactLimit] {
        self.catalog.limits()
    }

    /// The tags, by index.
    pub(crate) fn tag_table(&self) -> &[Tag] {
        self.classifier.tags()
    }

    /// The host's action scorer, if one is registered.
    pub(crate) fn action_scorer(&self) -> Option<&dyn ActionScorer> {
        self.action_scorer.as_deref()
    }

    /// How a store of this engine learns.
    pub(crate) fn learning_settings(&self) -> &LearningSettings {
        &self.learning
    }

    /// The number no other engine of this process has.
    pub(crate) fn unique_id(&self) -> u64 {
        self.id
    }
}

impl Scratch {
    /// The decision these buffers hold, as `engine` made it for `stage`.
    pub(crate) fn view<'a>(&'a self, engine: &'a Engine, stage: StageIndex) -> Decision<'a> {
        Decision {
            engine,
            classified: self.classified.view(),
            picks: &self.ranking.picks,
            stage,
        }
    }
}

/// Marks `stage` as visited; whether it was not visited before. A stage of
/// another model (none reaches here) counts as visited, so it is never
/// entered.
fn mark(visited: &mut [bool], stage: StageIndex) -> bool {
    visited
        .get_mut(stage.as_usize())
        .is_some_and(|seen| !std::mem::replace(seen, true))
}

// Engines are built once and shared between threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<Arc<Engine>>();
};

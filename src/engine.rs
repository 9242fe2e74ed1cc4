//! The engine: built once from a ruleset, then classifies customers without
//! allocating.

use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::action::rank::{rank, reserve, Catalog, Customer, RankBuffers};
use crate::action::{Action, ActionScorer, ContactHistory, SuggestedAction, Suggestion};
use crate::compile::Program;
use crate::condition::{evaluate_dense, Condition};
use crate::error::Error;
use crate::id::{RuleId, StageId, TagId};
use crate::journey::{JourneyState, Machine, Step, Transition, TransitionRule};
use crate::limits::Limits;
use crate::score::{Evidence, RuleScorer, ScoreInput, StageScorer};
use crate::signal::{gather, Schema, SignalRecord, Signals};
use crate::spec::{HitPolicy, Rule, RuleKind, RulesetSpec};
use crate::stage::{Stage, StageModel};
use crate::tag::Tag;
use crate::time::Timestamp;

/// Validates and compiles a ruleset into an [`Engine`].
///
/// ```
/// use buyer_journey::{models, Engine, Limits};
///
/// let engine = Engine::builder(models::buying_process())
///     .limits(Limits::default().max_rules(1_000))
///     .scorer(|_: &buyer_journey::ScoreInput<'_>, _: &mut buyer_journey::Evidence<'_>| {})
///     .build()?;
/// assert_eq!(engine.model().len(), 5);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub struct EngineBuilder {
    spec: RulesetSpec,
    limits: Limits,
    scorers: Vec<Box<dyn StageScorer>>,
    action_scorer: Option<Box<dyn ActionScorer>>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("spec", &self.spec)
            .field("limits", &self.limits)
            .field("scorers", &self.scorers.len())
            .field("action_scorer", &self.action_scorer.is_some())
            .finish()
    }
}

impl EngineBuilder {
    /// Uses `limits` instead of the defaults.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Registers a host scorer; scorers run in registration order, after the
    /// built-in rule scorer.
    pub fn scorer(mut self, scorer: impl StageScorer + 'static) -> Self {
        self.scorers.push(Box::new(scorer));
        self
    }

    /// Uses the host's propensity model for the actions instead of their
    /// built-in propensities; a second call replaces the first. See
    /// [`ActionScorer`].
    pub fn action_scorer(mut self, scorer: impl ActionScorer + 'static) -> Self {
        self.action_scorer = Some(Box::new(scorer));
        self
    }

    /// Validates the ruleset and compiles it.
    ///
    /// # Errors
    ///
    /// Every error of validation, with its location in the ruleset: an invalid
    /// schema or stage model, a duplicate or malformed rule id, a rule for an
    /// unknown stage, non-finite points, condition text that does not parse
    /// or check (with the column), a tag or action that names an unknown
    /// stage or tag, a value, weight or propensity out of range, and any
    /// exceeded [`Limits`].
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[0].when = "need_search >= 1".into();
    /// let err = Engine::builder(spec).build().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "stage_rules[0].when, column 1: unknown signal 'need_search', did you mean \
    ///      'need_searches'?",
    /// );
    /// ```
    pub fn build(self) -> Result<Engine, Error> {
        let validated = self.spec.validate(&self.limits)?;
        // One program for every condition, so a comparison shared by a rule,
        // a tag and an action is evaluated once: the rules' formulas, then
        // the tags', then each action's condition followed by its
        // propensity rules'.
        let mut conditions: Vec<&Condition> = Vec::new();
        conditions.extend(validated.rules.iter().map(Rule::condition));
        conditions.extend(validated.tags.iter().map(Tag::condition));
        for action in &validated.actions {
            conditions.push(action.condition());
            conditions.extend(
                action
                    .propensity_rules()
                    .iter()
                    .map(|rule| rule.condition()),
            );
        }
        let program = Program::compile(&validated.schema, &conditions);
        drop(conditions);
        let first_action_formula = validated.rules.len() + validated.tags.len();
        let stage_rule_count = validated
            .rules
            .iter()
            .take_while(|rule| matches!(rule.kind(), RuleKind::Stage { .. }))
            .count();
        let first_rank = first_ranks(&validated.rules[..stage_rule_count]);
        let mut scorers: Vec<Box<dyn StageScorer>> = Vec::with_capacity(self.scorers.len() + 1);
        scorers.push(Box::new(RuleScorer::new(&validated.rules)));
        scorers.extend(self.scorers);
        let machine = Machine::new(
            validated.transition_schema,
            validated.schema.len(),
            validated.transitions,
            &validated.model,
        );
        let catalog = Catalog::new(
            validated.actions,
            validated.model.len(),
            validated.groups,
            validated.arbitration,
            first_action_formula,
        );
        Ok(Engine {
            schema: validated.schema,
            model: validated.model,
            hit_policy: validated.hit_policy,
            rules: validated.rules,
            stage_rule_count,
            first_rank,
            tags: validated.tags,
            catalog,
            program,
            scorers,
            action_scorer: self.action_scorer,
            machine,
        })
    }
}

/// Each stage rule's rank under the `first` hit policy: higher priority, then
/// earlier stage (then rule id, which keeps the ranks a total order).
fn first_ranks(stage_rules: &[Rule]) -> Vec<u32> {
    let mut order: Vec<&Rule> = stage_rules.iter().collect();
    order.sort_by(|a, b| {
        let priority = |rule: &Rule| match rule.kind() {
            RuleKind::Stage { priority } => priority,
            RuleKind::Score { .. } => i32::MIN,
        };
        priority(b)
            .cmp(&priority(a))
            .then(a.stage().cmp(&b.stage()))
            .then_with(|| a.id().cmp(b.id()))
    });
    let mut ranks = vec![0; stage_rules.len()];
    for (rank, rule) in order.iter().enumerate() {
        // Bounded by `Limits::max_rules`.
        #[allow(clippy::cast_possible_truncation)]
        let rank = rank as u32;
        ranks[rule.rule_id().index()] = rank;
    }
    ranks
}

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
    schema: Schema,
    model: StageModel,
    hit_policy: HitPolicy,
    /// Stage rules, then score rules.
    rules: Vec<Rule>,
    stage_rule_count: usize,
    /// Rank of each stage rule under [`HitPolicy::First`].
    first_rank: Vec<u32>,
    tags: Vec<Tag>,
    catalog: Catalog,
    /// Formulas: the rules', the tags', then the actions' (see `build`).
    program: Program,
    /// The built-in rule scorer, then the host's.
    scorers: Vec<Box<dyn StageScorer>>,
    action_scorer: Option<Box<dyn ActionScorer>>,
    /// The transition rules.
    machine: Machine,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("signals", &self.schema.len())
            .field("stages", &self.model.len())
            .field("hit_policy", &self.hit_policy)
            .field("rules", &self.rules.len())
            .field("tags", &self.tags.len())
            .field("actions", &self.catalog.actions.len())
            .field("atoms", &self.program.atom_count())
            .field("scorers", &self.scorers.len())
            .field("action_scorer", &self.action_scorer.is_some())
            .field("transitions", &self.machine.rules().len())
            .finish()
    }
}

impl Engine {
    /// Starts building an engine from `spec`.
    pub fn builder(spec: RulesetSpec) -> EngineBuilder {
        EngineBuilder {
            spec,
            limits: Limits::default(),
            scorers: Vec::new(),
            action_scorer: None,
        }
    }

    /// The schema of the signals the engine reads.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The stage model.
    pub fn model(&self) -> &StageModel {
        &self.model
    }

    /// The hit policy.
    pub fn hit_policy(&self) -> HitPolicy {
        self.hit_policy
    }

    /// Every rule: the stage rules in ruleset order, then the score rules.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &Rule> + '_ {
        self.rules.iter()
    }

    /// The rule with id `id`, if this engine issued it.
    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.index())
    }

    /// The tags, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let ids: Vec<&str> = engine.tags().map(|tag| tag.id()).collect();
    /// assert_eq!(ids[..3], ["prospect", "new", "returning"]);
    /// assert_eq!(engine.tag("loyal").unwrap().tag_id().index(), 3);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn tags(&self) -> impl ExactSizeIterator<Item = &Tag> + '_ {
        self.tags.iter()
    }

    /// The tag with id `id`.
    pub fn tag(&self, id: &str) -> Option<&Tag> {
        self.tags.iter().find(|tag| tag.id() == id)
    }

    /// The action catalog, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let evaluation = engine.model().id("evaluation").unwrap();
    /// let kinds: Vec<&str> = engine
    ///     .actions()
    ///     .filter(|action| action.stages().contains(&evaluation))
    ///     .map(|action| action.kind())
    ///     .collect();
    /// assert!(kinds.contains(&"consultation"));
    /// let call = engine.action("evaluation.advisor_call").unwrap();
    /// assert_eq!(call.name(), "Talk to an advisor");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &Action> + '_ {
        self.catalog.actions.iter()
    }

    /// The action with id `id`.
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.catalog.actions.iter().find(|action| action.id() == id)
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
    pub fn atom_count(&self) -> usize {
        self.program.atom_count()
    }

    /// An empty [`SignalRecord`] for the engine's schema.
    pub fn record(&self) -> SignalRecord {
        self.schema.record()
    }

    /// Buffers for [`classify`](Engine::classify), sized for this engine.
    /// Allocates; keep one per thread and reuse it.
    pub fn scratch(&self) -> Scratch {
        let mut scratch = Scratch {
            values: Vec::new(),
            bits: Vec::new(),
            stack: Vec::new(),
            fired: Vec::new(),
            evidence: Vec::new(),
            stage: self.model.entry().stage_id(),
            confidence: 0.0,
            tags: Vec::new(),
            ranking: RankBuffers::default(),
            journey_values: Vec::new(),
            journey_bits: Vec::new(),
        };
        scratch.fit(self);
        scratch
    }

    /// Classifies one customer: the stage, the confidence, the evidence per
    /// stage, the rules that fired and the customer's tags. Ranks no actions
    /// ([`Decision::actions`] is empty): [`decide`](Engine::decide) does.
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
        Decision {
            engine: self,
            scratch,
        }
    }

    /// Decides for one customer: everything [`classify`](Engine::classify)
    /// gives, and the next-best-actions, best first.
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
        let Scratch {
            values,
            bits,
            stack,
            fired,
            stage,
            tags,
            ranking,
            ..
        } = scratch;
        let signals = ScoreInput {
            schema: &self.schema,
            model: &self.model,
            values,
            fired,
        };
        let customer = Customer {
            signals: &signals,
            stage: self.stage_of(*stage),
            tags,
            all_tags: &self.tags,
            program: &self.program,
            bits,
        };
        rank(
            &self.catalog,
            self.action_scorer.as_deref(),
            &customer,
            history,
            now,
            stack,
            ranking,
        );
        Decision {
            engine: self,
            scratch,
        }
    }

    /// Moves a customer along their journey: from the stored `state`, the
    /// customer's `signals` and the time `now`, the state to store next and
    /// the move, if there was one.
    ///
    /// - **A new customer** ([`JourneyState::new`], no stage yet) is placed
    ///   in the stage the stage rules and the hit policy classify them into,
    ///   as [`classify`](Engine::classify) would; the transition record has
    ///   no `from` and no rule.
    /// - **A placed customer** moves only by a transition rule. The rules
    ///   that may fire are those whose `from` has the customer's stage, whose
    ///   `min_dwell` has passed since the customer entered it, and whose
    ///   condition holds; the condition may read `stage` (the stage the
    ///   customer is in) and `days_in_stage` besides the signals. Of those,
    ///   the rule with the highest priority wins, then the one declared
    ///   first. A rule without `back` or `new_cycle` never moves a customer
    ///   to an earlier stage. If no rule fires the state is returned
    ///   unchanged and there is no transition.
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
    /// Does not allocate under the same conditions as `classify`: the new
    /// state and the transition share their stage and rule ids with the
    /// engine instead of copying them.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] when the state names a stage the model does not
    /// have (for example one removed from the model since the state was
    /// stored); the state is left as it was.
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
    /// assert_eq!(later.transition.unwrap().rule(), Some("new_cycle.information_search"));
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
        let Some(name) = state.stage_name() else {
            self.classify_into(signals, scratch);
            let to = self.machine.stage_name(scratch.stage);
            return Ok(Step {
                state: state.moved(to, now, false),
                transition: Some(Transition::placed(to, now)),
            });
        };
        // The model's lookup only runs to report a stage it lacks.
        let stage = self
            .machine
            .stage_id(name)
            .map_or_else(|| self.model.resolve(name).map(Stage::stage_id), Ok)
            .map_err(|e| e.at("state.stage"))?;
        if !self.machine.has_candidates(stage) {
            return Ok(unchanged(state));
        }
        scratch.fit(self);
        let in_stage = state.time_in_stage(now);
        let values = &mut scratch.journey_values;
        gather(&self.schema, signals, &mut values[..self.schema.len()]);
        self.machine.set_journey_values(values, stage, in_stage);
        let fired = self.machine.fire(
            stage,
            in_stage,
            values,
            &mut scratch.journey_bits,
            &mut scratch.stack,
        );
        Ok(match fired {
            Some(rule) => {
                let to = self.machine.stage_name(rule.to());
                Step {
                    state: state.moved(to, now, rule.new_cycle()),
                    transition: Some(Transition::by_rule(state, to, &rule.id, now)),
                }
            }
            None => unchanged(state),
        })
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

    /// The transition rule with id `id`.
    pub fn transition(&self, id: &str) -> Option<&TransitionRule> {
        self.machine.rules().iter().find(|rule| rule.id() == id)
    }

    /// Classifies into `scratch`: values, atoms, fired rules, evidence,
    /// stage, tags.
    fn classify_into<S: Signals + ?Sized>(&self, signals: &S, scratch: &mut Scratch) {
        scratch.fit(self);
        gather(&self.schema, signals, &mut scratch.values);
        self.program.eval_atoms(&scratch.values, &mut scratch.bits);
        // Whether a rule fires is unpredictable: write every id and advance
        // past the ones that fired, without a branch. Within capacity, so
        // no allocation.
        let rules = self.rules.len();
        scratch.fired.resize(rules, RuleId::new(0));
        let mut fired = 0;
        for rule in 0..rules {
            let hit = self
                .program
                .eval_formula(rule, &scratch.bits, &mut scratch.stack);
            scratch.fired[fired] = RuleId::new(rule);
            fired += usize::from(hit);
        }
        scratch.fired.truncate(fired);
        self.score_and_decide(scratch);
        // The same for the tags, whose formulas follow the rules'.
        scratch.tags.resize(self.tags.len(), TagId::new(0));
        let mut tagged = 0;
        for tag in 0..self.tags.len() {
            let hit = self
                .program
                .eval_formula(rules + tag, &scratch.bits, &mut scratch.stack);
            scratch.tags[tagged] = TagId::new(tag);
            tagged += usize::from(hit);
        }
        scratch.tags.truncate(tagged);
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
    ///     engine.classify(&customer, &mut scratch).to_classification(),
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn classify_interpreted<S: Signals + ?Sized>(&self, signals: &S) -> Classification {
        self.interpret(signals).view(self).to_classification()
    }

    /// Classifies with the reference interpreter into a fresh scratch.
    pub(crate) fn interpret<S: Signals + ?Sized>(&self, signals: &S) -> Scratch {
        let mut scratch = self.scratch();
        gather(&self.schema, signals, &mut scratch.values);
        scratch.fired.clear();
        for rule in &self.rules {
            if evaluate_dense(rule.condition(), &self.schema, &scratch.values) {
                scratch.fired.push(rule.rule_id());
            }
        }
        self.score_and_decide(&mut scratch);
        scratch.tags.clear();
        for tag in &self.tags {
            if evaluate_dense(tag.condition(), &self.schema, &scratch.values) {
                scratch.tags.push(tag.tag_id());
            }
        }
        scratch
    }

    /// From the fired rules in `scratch`: evidence, then the stage.
    fn score_and_decide(&self, scratch: &mut Scratch) {
        scratch.evidence.fill(0.0);
        let input = ScoreInput {
            schema: &self.schema,
            model: &self.model,
            values: &scratch.values,
            fired: &scratch.fired,
        };
        let mut evidence = Evidence {
            points: &mut scratch.evidence,
        };
        for scorer in &self.scorers {
            scorer.score(&input, &mut evidence);
        }
        let chosen = self.choose(&scratch.fired, &scratch.evidence);
        let (stage, confidence) = match chosen {
            Some(stage) => (stage, confidence(&scratch.evidence, stage)),
            None => (self.model.entry().stage_id(), 0.0),
        };
        scratch.stage = stage;
        scratch.confidence = confidence;
    }

    /// The stage with dense id `id`; the entry stage for an id of another model.
    pub(crate) fn stage_of(&self, id: StageId) -> &Stage {
        self.model.stage(id).unwrap_or_else(|| self.model.entry())
    }

    /// The tags table, indexed by [`TagId`].
    pub(crate) fn tag_table(&self) -> &[Tag] {
        &self.tags
    }

    /// The compiled catalog.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The host's action scorer, if one is registered.
    pub(crate) fn action_scorer(&self) -> Option<&dyn ActionScorer> {
        self.action_scorer.as_deref()
    }

    /// The stage the hit policy picks, or `None` without evidence.
    fn choose(&self, fired: &[RuleId], evidence: &[f64]) -> Option<StageId> {
        let fired_stage_rules = fired
            .iter()
            .take_while(|rule| rule.index() < self.stage_rule_count);
        match self.hit_policy {
            HitPolicy::First => fired_stage_rules
                .min_by_key(|rule| self.first_rank[rule.index()])
                .map(|rule| self.rules[rule.index()].stage()),
            HitPolicy::Furthest => fired_stage_rules
                .map(|rule| self.rules[rule.index()].stage())
                .max(),
            HitPolicy::HighestScore => {
                let mut best: Option<(usize, f64)> = None;
                for (stage, &points) in evidence.iter().enumerate() {
                    // Strictly greater: ties go to the earlier stage.
                    if points > 0.0 && best.is_none_or(|(_, most)| points > most) {
                        best = Some((stage, points));
                    }
                }
                best.map(|(stage, _)| StageId::new(stage))
            }
        }
    }
}

/// The step of a customer who stays where they are.
fn unchanged(state: &JourneyState) -> Step {
    Step {
        state: state.clone(),
        transition: None,
    }
}

/// The share of the positive evidence that supports `chosen`: 1 when all of
/// it points at the chosen stage, 0 when none does.
fn confidence(evidence: &[f64], chosen: StageId) -> f64 {
    let own = evidence
        .get(chosen.index())
        .copied()
        .unwrap_or(0.0)
        .max(0.0);
    let total: f64 = evidence.iter().map(|&e| e.max(0.0)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    if total.is_finite() {
        return own / total;
    }
    // Evidence near `f64::MAX` overflows the sum: scale by the largest first.
    let most = evidence.iter().fold(0.0_f64, |most, &e| most.max(e));
    let total: f64 = evidence.iter().map(|&e| e.max(0.0) / most).sum();
    (own / most / total).clamp(0.0, 1.0)
}

/// Caller-owned buffers for [`Engine::classify`] and [`Engine::decide`], so
/// they do not allocate. Make one per thread with [`Engine::scratch`] and reuse it.
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
#[derive(Debug, Clone)]
pub struct Scratch {
    values: Vec<f64>,
    bits: Vec<u64>,
    stack: Vec<bool>,
    fired: Vec<RuleId>,
    evidence: Vec<f64>,
    stage: StageId,
    confidence: f64,
    /// The customer's tags, in order.
    tags: Vec<TagId>,
    ranking: RankBuffers,
    /// The signals, then the stage and the days in it: what transition
    /// conditions read.
    journey_values: Vec<f64>,
    journey_bits: Vec<u64>,
}

impl Scratch {
    /// The decision these buffers hold, as `engine` made it.
    pub(crate) fn view<'a>(&'a self, engine: &'a Engine) -> Decision<'a> {
        Decision {
            engine,
            scratch: self,
        }
    }

    /// The gathered signal values.
    pub(crate) fn values(&self) -> &[f64] {
        &self.values
    }

    /// The customer's tags, in order.
    pub(crate) fn tag_ids(&self) -> &[TagId] {
        &self.tags
    }

    /// Sizes the buffers for `engine`; allocates only when they do not fit.
    fn fit(&mut self, engine: &Engine) {
        self.values.resize(engine.schema.len(), f64::NAN);
        self.bits
            .resize(engine.program.atom_count().div_ceil(64), 0);
        self.evidence.resize(engine.model.len(), 0.0);
        reserve(&mut self.fired, engine.rules.len());
        let machine = engine.machine.program();
        reserve(
            &mut self.stack,
            engine.program.stack_depth().max(machine.stack_depth()),
        );
        self.journey_values
            .resize(engine.machine.schema().len(), f64::NAN);
        self.journey_bits
            .resize(machine.atom_count().div_ceil(64), 0);
        reserve(&mut self.tags, engine.tags.len());
        self.ranking.fit(&engine.catalog);
    }
}

/// The result of [`Engine::classify`]: borrowed from the scratch buffers, so
/// reading it allocates nothing. [`to_classification`](Decision::to_classification)
/// makes an owned, serializable copy.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    engine: &'a Engine,
    scratch: &'a Scratch,
}

impl<'a> Decision<'a> {
    /// The stage the customer is in.
    pub fn stage(&self) -> &'a Stage {
        self.engine.stage_of(self.scratch.stage)
    }

    /// How sure the decision is, in [0, 1]: the share of the positive evidence
    /// (over all stages) that supports the chosen stage. 1 means every piece
    /// of evidence points at this stage; 0.5 means half of it points
    /// elsewhere; 0 means there was no evidence and the customer is in the
    /// entry stage by default.
    pub fn confidence(&self) -> f64 {
        self.scratch.confidence
    }

    /// The evidence for each stage, in model order: one point per stage rule
    /// that fired, the points of the score rules that fired, and what the
    /// host's scorers added.
    pub fn evidence(&self) -> impl ExactSizeIterator<Item = (&'a Stage, f64)> + 'a {
        self.engine
            .model
            .iter()
            .zip(self.scratch.evidence.iter().copied())
    }

    /// The evidence for stage `stage`.
    pub fn evidence_for(&self, stage: StageId) -> f64 {
        self.scratch
            .evidence
            .get(stage.index())
            .copied()
            .unwrap_or(0.0)
    }

    /// The rules that fired, in rule order.
    pub fn fired(&self) -> impl ExactSizeIterator<Item = &'a Rule> + 'a {
        let rules = &self.engine.rules;
        self.scratch.fired.iter().map(move |id| &rules[id.index()])
    }

    /// The ids of the rules that fired, in rule order.
    pub fn fired_ids(&self) -> &'a [RuleId] {
        &self.scratch.fired
    }

    /// The customer's tags, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// customer.set("open_complaints", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert!(decision.has_tag("complaining"));
    /// assert!(decision.tags().any(|tag| tag.id() == "complaining"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn tags(&self) -> impl ExactSizeIterator<Item = &'a Tag> + 'a {
        let all = &self.engine.tags;
        self.scratch.tags.iter().map(move |id| &all[id.index()])
    }

    /// Whether the customer has the tag with id `id`.
    pub fn has_tag(&self, id: &str) -> bool {
        self.tags().any(|tag| tag.id() == id)
    }

    /// The suggested actions, best first; empty after
    /// [`classify`](Engine::classify), which ranks none.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// customer.set("open_complaints", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let first = decision.actions().next().unwrap();
    /// assert_eq!((first.rank(), first.kind()), (1, "complaint_resolution"));
    ///
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert_eq!(decision.actions().len(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn actions(&self) -> impl ExactSizeIterator<Item = Suggestion<'a>> + 'a {
        let engine = self.engine;
        let stage = self.stage();
        self.scratch
            .ranking
            .picks
            .iter()
            .enumerate()
            .map(move |(i, pick)| Suggestion {
                action: &engine.catalog.actions[pick.action.index()],
                pick: *pick,
                rank: i + 1,
                stage,
                all_tags: &engine.tags,
            })
    }

    /// An owned copy with names instead of ids, for output. Allocates.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 3)?;
    /// let mut scratch = engine.scratch();
    /// let classification = engine.classify(&customer, &mut scratch).to_classification();
    /// assert_eq!(classification.stage, "information_search");
    /// assert_eq!(classification.evidence["information_search"], 1.0);
    /// assert_eq!(classification.fired, ["information_search.reviews"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn to_classification(&self) -> Classification {
        Classification {
            stage: self.stage().id().to_owned(),
            confidence: self.confidence(),
            evidence: self
                .evidence()
                .map(|(stage, points)| (stage.id().to_owned(), points))
                .collect(),
            fired: self.fired().map(|rule| rule.id().to_owned()).collect(),
            tags: self.tags().map(|tag| tag.id().to_owned()).collect(),
            actions: self
                .actions()
                .map(|suggestion| suggestion.to_owned_action())
                .collect(),
        }
    }
}

/// An owned decision with names: what [`Decision::to_classification`] and
/// [`Engine::classify_interpreted`] return, ready for serde.
///
/// ```
/// use buyer_journey::Classification;
///
/// let json = r#"{"stage": "evaluation", "confidence": 1.0,
///                "evidence": {"evaluation": 2.0}, "fired": ["evaluation.comparisons"]}"#;
/// let classification: Classification = serde_json::from_str(json).unwrap();
/// assert_eq!(classification.stage, "evaluation");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The id of the stage.
    pub stage: String,
    /// The confidence in [0, 1]; see [`Decision::confidence`].
    pub confidence: f64,
    /// The evidence per stage id, in model order.
    pub evidence: IndexMap<String, f64>,
    /// The ids of the rules that fired, in rule order.
    pub fired: Vec<String>,
    /// The ids of the customer's tags, in declaration order.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The suggested actions, best first; empty when only classified.
    #[serde(default)]
    pub actions: Vec<SuggestedAction>,
}

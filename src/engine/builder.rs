//! Building an engine: validate, compile, assemble.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::action::{ActionScorer, Catalog};
use crate::compile::compile;
use crate::error::Error;
use crate::journey::Machine;
use crate::limits::Limits;
use crate::problem::Problems;
use crate::profile::Deriver;
use crate::score::StageScorer;
use crate::spec::RulesetSpec;
use crate::validate::{check, validate};

use super::classifier::Classifier;
use super::Engine;

/// Validates and compiles a ruleset into an [`Engine`].
///
/// ```
/// use buyer_journey::{models, Engine, Evidence, Limits, ScoreInput};
///
/// let engine = Engine::builder(models::buying_process())
///     .limits(Limits::default().max_rules(1_000))
///     .scorer(|_: &ScoreInput<'_>, _: &mut Evidence<'_>| {})
///     .build()?;
/// assert_eq!(engine.model().len(), 5);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[must_use = "an engine builder does nothing until `build` is called"]
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
    pub(super) fn new(spec: RulesetSpec) -> Self {
        EngineBuilder {
            spec,
            limits: Limits::default(),
            scorers: Vec::new(),
            action_scorer: None,
        }
    }

    /// Uses `limits` instead of the defaults.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Limits};
    ///
    /// let err = Engine::builder(models::buying_process())
    ///     .limits(Limits::default().max_stages(3))
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.is_limit());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Registers a host scorer; scorers run in registration order, after the
    /// built-in rule scorer.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, HitPolicy, ScoreInput};
    ///
    /// let mut spec = models::buying_process();
    /// spec.hit_policy = HitPolicy::HighestScore;
    /// // Unhappy customers count as post-purchase whatever else they do.
    /// let engine = Engine::builder(spec)
    ///     .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
    ///         if input.number("satisfaction").is_some_and(|n| n <= 3.0) {
    ///             let stage = input.find_stage("post_purchase").unwrap();
    ///             evidence.add(stage.index(), 10.0);
    ///         }
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("satisfaction", 2)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert_eq!(decision.stage().id(), "post_purchase");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn scorer(mut self, scorer: impl StageScorer + 'static) -> Self {
        self.scorers.push(Box::new(scorer));
        self
    }

    /// Uses the host's propensity model for the actions instead of their
    /// built-in propensities; a second call replaces the first. See
    /// [`ActionScorer`].
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// // Every action equally likely: the ranking is by value × weight alone.
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|_: &ActionInput<'_>| 0.5)
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().all(|s| s.propensity() == 0.5));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn action_scorer(mut self, scorer: impl ActionScorer + 'static) -> Self {
        self.action_scorer = Some(Box::new(scorer));
        self
    }

    /// Every problem with the ruleset, errors and warnings, without
    /// building it: what to show whoever wrote the ruleset. [`build`]
    /// succeeds exactly when there is no error here.
    ///
    /// [`build`]: EngineBuilder::build
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[0].when = "need_serches >= 1".into();
    /// let problems = Engine::builder(spec).check();
    /// assert!(problems.has_errors());
    /// assert_eq!(
    ///     problems.to_string(),
    ///     "error: stage_rules[0].when, column 1: unknown signal 'need_serches', \
    ///      did you mean 'need_searches'?\n"
    /// );
    /// ```
    pub fn check(&self) -> Problems {
        check(&self.spec, &self.limits)
    }

    /// Validates the ruleset and compiles it. Warnings do not stop it:
    /// [`check`](EngineBuilder::check) lists them.
    ///
    /// # Errors
    ///
    /// The first error of validation, with its location in the ruleset: an invalid
    /// schema or stage model, a duplicate or malformed id, a rule for an
    /// unknown stage, non-finite points, condition text that does not parse
    /// or check (with the column), a tag or action that names an unknown
    /// stage or tag, a value, weight or propensity out of range, a contact
    /// limit of 0, a transition that cannot move, and any exceeded
    /// [`Limits`].
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
        let ruleset = validate(&self.spec, &self.limits)?;
        let compiled = compile(&ruleset);
        let classifier = Classifier::new(
            ruleset.schema,
            ruleset.model,
            ruleset.hit_policy,
            ruleset.rules,
            ruleset.tags,
            self.scorers,
            &compiled,
        );
        let machine = Machine::new(
            ruleset.journey_schema,
            classifier.schema().len(),
            ruleset.transitions,
            compiled.journey,
            &compiled.layout,
            classifier.model(),
        );
        let deriver = Deriver::new(&ruleset.events);
        let catalog = Catalog::new(
            ruleset.actions,
            classifier.model().len(),
            ruleset.groups,
            ruleset.arbitration,
            &compiled.layout,
        );
        Ok(Engine {
            classifier,
            catalog,
            machine,
            deriver,
            program: compiled.program,
            action_scorer: self.action_scorer,
            scenarios: ruleset.scenarios,
            id: next_engine_id(),
        })
    }
}

/// A number no other engine of this process has; never 0, which a fresh
/// [`Scratch`](super::Scratch) holds.
fn next_engine_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

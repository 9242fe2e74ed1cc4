//! Building an engine: validate, compile, assemble.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::action::{ActionScorer, Catalog};
use crate::calibration::{ByStage, Calibration};
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
use super::{About, Engine};

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
    calibration: Option<Calibration>,
}

impl fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("spec", &self.spec)
            .field("limits", &self.limits)
            .field("scorers", &self.scorers.len())
            .field("action_scorer", &self.action_scorer.is_some())
            .field("calibration", &self.calibration)
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
            calibration: None,
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

    /// Maps each decision's confidence to an outcome rate with
    /// `calibration`, which [`Decision::calibrated_confidence`] then
    /// reports; a second call replaces the first. Stages the calibration
    /// has no samples for report none. Without a calibration, deciding
    /// costs what it did: the value is computed only when read.
    ///
    /// The calibration names stages by id (or by an alias of a renamed
    /// stage); [`build`](EngineBuilder::build) fails for an id the model
    /// does not have. See [`Calibration`] for what the value means.
    ///
    /// [`Decision::calibrated_confidence`]: crate::Decision::calibrated_confidence
    ///
    /// ```
    /// use buyer_journey::{models, Calibration, Engine, OutcomeSample};
    ///
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.5, false),
    ///     OutcomeSample::new("evaluation", 1.0, true),
    ///     OutcomeSample::new("evaluation", 1.0, false),
    /// ];
    /// let engine = Engine::builder(models::buying_process())
    ///     .calibration(Calibration::fit(&samples)?)
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 2)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert_eq!((decision.confidence(), decision.calibrated_confidence()), (1.0, Some(0.5)));
    ///
    /// let unknown = Calibration::fit(&[OutcomeSample::new("evaluaton", 0.5, true)])?;
    /// let err = Engine::builder(models::buying_process()).calibration(unknown).build().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "calibration.stages.evaluaton: unknown stage 'evaluaton', did you mean 'evaluation'?",
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn calibration(mut self, calibration: Calibration) -> Self {
        self.calibration = Some(calibration);
        self
    }

    /// Every problem with the ruleset, errors and warnings, without
    /// building it: what to show whoever wrote the ruleset. [`build`]
    /// succeeds exactly when there is no error here.
    ///
    /// Every item is checked in full and every error listed, in the order
    /// of the ruleset. A mistake is reported once: a rule that reads a
    /// broken signal, or names a broken stage, is not reported for it.
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
    ///
    /// # Warnings
    ///
    /// A ruleset without errors is also checked for what cannot work as
    /// written: a signal nothing reads, a stage no rule reaches (the entry
    /// stage always is), a condition that never holds or always holds (a
    /// written `true` or `false` is taken as meant), a stage rule that
    /// never fires under the `first` hit policy because a rule tried before
    /// it holds whenever it does, and an action that is never suggested.
    ///
    /// Whether a condition can hold is decided exactly, not by sampling:
    /// the constants a signal is compared with cut its values into regions
    /// in which every comparison holds or not alike, and the condition is
    /// evaluated at one value of each region of each signal it reads. That
    /// needs comparisons of one signal with constants, and at most 4096
    /// combinations of regions; for arithmetic, comparisons of two signals
    /// and larger conditions the check says nothing rather than guess.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.tags[0].when = "purchases >= 1 and purchases < 1".into();
    /// let problems = Engine::builder(spec.clone()).check();
    /// assert!(!problems.has_errors());
    /// assert_eq!(
    ///     problems.to_string(),
    ///     "warning: tags[0].when: the condition can never hold, so no customer has tag \
    ///      'prospect'; fix the condition or remove the tag\n"
    /// );
    /// // Warnings do not stop the ruleset being built.
    /// assert!(Engine::builder(spec).build().is_ok());
    /// ```
    pub fn check(&self) -> Problems {
        let mut problems = check(&self.spec, &self.limits);
        // Stage ids can be checked only against a valid stage model.
        if let (Some(calibration), Ok(model)) = (&self.calibration, self.spec.stage_model()) {
            for problem in calibration.problems(&model) {
                problems.push(problem);
            }
        }
        problems
    }

    /// Validates the ruleset and compiles it. Warnings do not stop it:
    /// [`check`](EngineBuilder::check) lists them.
    ///
    /// # Errors
    ///
    /// The first error that [`check`](EngineBuilder::check) lists, with its
    /// location in the ruleset: an invalid schema or stage model, a
    /// duplicate or malformed id, a rule for an unknown stage, non-finite
    /// points, condition text that does not parse or check (with the
    /// column), a tag or action that names an unknown stage or tag, a value,
    /// weight or propensity out of range, a contact limit of 0, a transition
    /// that cannot move, and any exceeded [`Limits`]; then a
    /// [calibration](EngineBuilder::calibration) of an unknown stage.
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
    pub fn build(mut self) -> Result<Engine, Error> {
        let ruleset = validate(&self.spec, &self.limits)?;
        let about = About {
            name: std::mem::take(&mut self.spec.name),
            version: std::mem::take(&mut self.spec.version),
            description: std::mem::take(&mut self.spec.description),
            challenger: self.spec.challenger.take(),
        };
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
        let calibration = match self.calibration {
            Some(calibration) => calibration.by_stage(classifier.model())?,
            None => ByStage::default(),
        };
        let deriver = Deriver::new(&ruleset.events);
        let catalog = Catalog::new(
            ruleset.actions,
            classifier.model().len(),
            ruleset.groups,
            ruleset.arbitration,
            ruleset.contact_limits,
            &compiled.layout,
        );
        Ok(Engine {
            classifier,
            catalog,
            machine,
            deriver,
            program: compiled.program,
            action_scorer: self.action_scorer,
            calibration,
            scenarios: ruleset.scenarios,
            learning: ruleset.learning,
            id: next_engine_id(),
            about,
        })
    }
}

/// A number no other engine of this process has; never 0, which a fresh
/// [`Scratch`](super::Scratch) holds.
fn next_engine_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

//! Evidence per stage, and the [`StageScorer`] trait through which the host
//! (and the built-in point rules) add to it.

use std::fmt;

use crate::id::{RuleId, SignalId, StageId};
use crate::signal::{Schema, Value};
use crate::spec::Rule;
use crate::stage::StageModel;

/// A source of evidence for the stages: the host's own model, an ML
/// propensity, anything.
///
/// The engine calls every registered scorer once per classification, in
/// registration order, after the rules have been evaluated; each scorer sees
/// the customer's gathered signals, which rules fired and the evidence so far,
/// and adds its own. The built-in score rules are the first scorer.
///
/// The trait is object-safe, and any `Fn(&ScoreInput, &mut Evidence) + Send +
/// Sync` closure implements it.
///
/// To keep classification allocation-free, a scorer should not allocate
/// either; that is up to the implementation.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, Evidence, HitPolicy, ScoreInput, StageScorer};
///
/// /// Customers who were sent a quote are weighing options.
/// struct QuoteScorer;
///
/// impl StageScorer for QuoteScorer {
///     fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
///         if input.number("quote_requests").is_some_and(|n| n > 0.0) {
///             if let Some(evaluation) = input.stage_id("evaluation") {
///                 evidence.add(evaluation, 2.5);
///             }
///         }
///     }
/// }
///
/// let mut spec = models::buying_process();
/// spec.hit_policy = HitPolicy::HighestScore;
/// let engine = Engine::builder(spec).scorer(QuoteScorer).build()?;
/// let mut customer = engine.record();
/// customer.set("quote_requests", 1)?;
/// customer.set("reviews_read", 4)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.classify(&customer, &mut scratch);
/// assert_eq!(decision.stage().id(), "evaluation");
/// assert_eq!(decision.evidence_for(decision.stage().stage_id()), 3.5);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stage scorer",
    note = "implement `StageScorer` for it, or pass a closure \
            `|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| ...` that is Send + Sync"
)]
pub trait StageScorer: Send + Sync {
    /// Adds this scorer's evidence for the customer in `input`.
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>);
}

impl<F> StageScorer for F
where
    F: Fn(&ScoreInput<'_>, &mut Evidence<'_>) + Send + Sync,
{
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        self(input, evidence);
    }
}

/// What a [`StageScorer`] sees: the customer's signals as gathered for this
/// classification, and which rules fired. Every method is allocation-free.
pub struct ScoreInput<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) model: &'a StageModel,
    pub(crate) values: &'a [f64],
    pub(crate) fired: &'a [RuleId],
}

impl fmt::Debug for ScoreInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScoreInput")
            .field("values", &self.values)
            .field("fired", &self.fired)
            .finish_non_exhaustive()
    }
}

impl<'a> ScoreInput<'a> {
    /// The value of the signal called `name`; `None` when it is missing or
    /// the schema has no such signal.
    pub fn value(&self, name: &str) -> Option<Value<'a>> {
        let signal = self.schema.get(name)?;
        signal.decode(self.values.get(signal.id().index()).copied()?)
    }

    /// The value of a numeric signal (numbers and counts; flags read as 0 or
    /// 1); `None` when missing.
    pub fn number(&self, name: &str) -> Option<f64> {
        let id = self.schema.id(name)?;
        self.number_by_id(id)
    }

    /// As [`number`](ScoreInput::number), by id: the fastest way to read a
    /// signal. Look the id up once with [`Schema::id`].
    pub fn number_by_id(&self, id: SignalId) -> Option<f64> {
        let signal = self.schema.signal(id)?;
        if signal.kind() == crate::SignalKind::Category {
            return None;
        }
        self.values.get(id.index()).copied().filter(|v| !v.is_nan())
    }

    /// The dense id of the stage with id `id`, to pass to [`Evidence::add`].
    pub fn stage_id(&self, id: &str) -> Option<StageId> {
        self.model.id(id)
    }

    /// Whether rule `rule` fired for this customer.
    pub fn fired(&self, rule: RuleId) -> bool {
        self.fired.binary_search(&rule).is_ok()
    }

    /// The rules that fired, in rule order.
    pub fn fired_rules(&self) -> &'a [RuleId] {
        self.fired
    }
}

/// The evidence per stage, which scorers add to.
///
/// Points that are not finite are ignored, and totals saturate at
/// `±f64::MAX`, so one faulty scorer cannot make the decision NaN.
pub struct Evidence<'a> {
    pub(crate) points: &'a mut [f64],
}

impl fmt::Debug for Evidence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.points.iter()).finish()
    }
}

impl Evidence<'_> {
    /// Adds `points` (negative counts against) to stage `stage`. A stage id
    /// from another model that is out of range is ignored.
    pub fn add(&mut self, stage: StageId, points: f64) {
        if !points.is_finite() {
            return;
        }
        if let Some(total) = self.points.get_mut(stage.index()) {
            *total = (*total + points).clamp(-f64::MAX, f64::MAX);
        }
    }

    /// The evidence for stage `stage` so far.
    pub fn get(&self, stage: StageId) -> f64 {
        self.points.get(stage.index()).copied().unwrap_or(0.0)
    }
}

/// The built-in scorer: one point per stage rule that fired, and the points of
/// each score rule that fired. It is registered before the host's scorers.
#[derive(Debug)]
pub(crate) struct RuleScorer {
    /// The stage and points of each rule, indexed by [`RuleId`].
    points: Vec<(StageId, f64)>,
}

impl RuleScorer {
    pub(crate) fn new(rules: &[Rule]) -> Self {
        RuleScorer {
            points: rules
                .iter()
                .map(|rule| (rule.stage(), rule.points()))
                .collect(),
        }
    }
}

impl StageScorer for RuleScorer {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        for rule in input.fired_rules() {
            if let Some(&(stage, points)) = self.points.get(rule.index()) {
                evidence.add(stage, points);
            }
        }
    }
}

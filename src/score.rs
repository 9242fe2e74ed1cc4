//! The plug-in point of classification: evidence per stage, and the
//! [`StageScorer`] trait through which the host (and the built-in point
//! rules) add to it. The classifier runs every scorer after the rules; the
//! hit policy then reads the evidence.

use std::fmt;
use std::sync::Arc;

use crate::bits::{self, Ones};
use crate::index::{RuleIndex, SignalIndex, StageIndex};
use crate::signal::{Schema, SignalKind, Value};
use crate::stage::{Stage, StageModel};

/// A source of evidence for the stages: the host's own model, an ML
/// propensity, anything.
///
/// The engine calls every registered scorer once per classification, in
/// registration order, after the rules have been evaluated; each scorer sees
/// the customer's gathered signals, which rules fired and the evidence so far,
/// and adds its own. The built-in score rules are the first scorer.
///
/// The trait is object-safe; any `Fn(&ScoreInput, &mut Evidence) + Send +
/// Sync` closure implements it, and so do `Arc<T>` of a scorer and
/// `Box<dyn StageScorer>`, so scorers chosen at run time or shared with other
/// engines plug in as they are.
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
///             if let Some(evaluation) = input.find_stage("evaluation") {
///                 evidence.add(evaluation.index(), 2.5);
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
/// assert_eq!(decision.evidence_for(decision.stage().index()), 3.5);
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

impl<T: StageScorer + ?Sized> StageScorer for Arc<T> {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        (**self).score(input, evidence);
    }
}

// Not `Box<T>` for every `T`: a boxed closure is itself a closure, so that
// impl would overlap the one for closures. Boxed trait objects are what
// hosts hold.
impl StageScorer for Box<dyn StageScorer + '_> {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        (**self).score(input, evidence);
    }
}

/// What a [`StageScorer`] sees: the customer's signals as gathered for this
/// classification, and which rules fired. Every method is allocation-free.
///
/// [`StageScorer`]'s example reads it; each method has its own.
pub struct ScoreInput<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) model: &'a StageModel,
    pub(crate) values: &'a [f64],
    /// Whether each rule fired, a bit per rule.
    pub(crate) fired: &'a [u64],
}

impl fmt::Debug for ScoreInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScoreInput")
            .field("values", &self.values)
            .field("fired", &self.fired_indices())
            .finish_non_exhaustive()
    }
}

impl<'a> ScoreInput<'a> {
    /// The value of the signal with id `id`; `None` when it is missing or
    /// the schema has no such signal.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, ScoreInput, Value};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .scorer(|input: &ScoreInput<'_>, _: &mut Evidence<'_>| {
    ///         assert_eq!(input.value("cart_adds"), Some(Value::Number(2.0)));
    ///         assert_eq!(input.value("purchases"), None);
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 2)?;
    /// engine.classify(&customer, &mut engine.scratch());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn value(&self, id: &str) -> Option<Value<'a>> {
        let signal = self.schema.find(id)?;
        signal.decode(self.values.get(signal.index().as_usize()).copied()?)
    }

    /// The value of a numeric signal (numbers and counts; flags read as 0 or
    /// 1); `None` when missing.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, ScoreInput};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .scorer(|input: &ScoreInput<'_>, _: &mut Evidence<'_>| {
    ///         assert_eq!(input.number("satisfaction"), Some(7.5));
    ///         assert_eq!(input.number("no_such_signal"), None);
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("satisfaction", 7.5)?;
    /// engine.classify(&customer, &mut engine.scratch());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn number(&self, id: &str) -> Option<f64> {
        self.number_at(self.schema.find(id)?.index())
    }

    /// As [`number`](ScoreInput::number), by index: the fastest way to read a
    /// signal. Look the index up once with [`Schema::find`].
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, ScoreInput};
    ///
    /// let spec = models::buying_process();
    /// let carts = spec.schema()?.find("cart_adds").unwrap().index();
    /// let engine = Engine::builder(spec)
    ///     .scorer(move |input: &ScoreInput<'_>, _: &mut Evidence<'_>| {
    ///         assert_eq!(input.number_at(carts), Some(1.0));
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// engine.classify(&customer, &mut engine.scratch());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn number_at(&self, index: SignalIndex) -> Option<f64> {
        let signal = self.schema.signal(index)?;
        if signal.kind() == SignalKind::Category {
            return None;
        }
        self.values
            .get(index.as_usize())
            .copied()
            .filter(|v| !v.is_nan())
    }

    /// The stage with id `id`: its [`index`](Stage::index) is what
    /// [`Evidence::add`] takes.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, ScoreInput};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
    ///         let evaluation = input.find_stage("evaluation").unwrap();
    ///         evidence.add(evaluation.index(), 0.5);
    ///     })
    ///     .build()?;
    /// let decision = engine.classify(&engine.record(), &mut engine.scratch()).to_record();
    /// assert_eq!(decision.evidence["evaluation"], 0.5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find_stage(&self, id: &str) -> Option<&'a Stage> {
        self.model.find(id)
    }

    /// Whether the rule at `rule` fired for this customer.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, ScoreInput};
    ///
    /// let spec = models::buying_process();
    /// let probe = Engine::builder(spec.clone()).build()?;
    /// let cart = probe.find_rule("purchase_decision.cart").unwrap().index();
    /// let engine = Engine::builder(spec)
    ///     .scorer(move |input: &ScoreInput<'_>, _: &mut Evidence<'_>| {
    ///         assert!(input.has_fired(cart));
    ///         assert_eq!(input.fired_indices().collect::<Vec<_>>(), [cart]);
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// engine.classify(&customer, &mut engine.scratch());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn has_fired(&self, rule: RuleIndex) -> bool {
        bits::has(self.fired, rule.as_usize())
    }

    /// The rules that fired, in rule order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, ScoreInput};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .scorer(|input: &ScoreInput<'_>, _: &mut Evidence<'_>| {
    ///         assert_eq!(input.fired_indices().len(), 0);
    ///     })
    ///     .build()?;
    /// engine.classify(&engine.record(), &mut engine.scratch());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn fired_indices(&self) -> FiredRules<'a> {
        FiredRules::new(self.fired)
    }
}

/// The indices of the rules that fired, in rule order: what
/// [`ScoreInput::fired_indices`] and
/// [`Decision::fired_indices`](crate::Decision::fired_indices) return.
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("reviews_read", 2)?;
/// customer.set("comparisons", 1)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.classify(&customer, &mut scratch);
/// let fired = decision.fired_indices();
/// assert_eq!(fired.len(), 2);
/// let ids: Vec<&str> = fired.map(|index| engine.rule(index).unwrap().id()).collect();
/// assert_eq!(ids, ["information_search.reviews", "evaluation.comparisons"]);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FiredRules<'a> {
    ones: Ones<'a>,
    left: usize,
}

impl<'a> FiredRules<'a> {
    /// The rules whose bits are set in `words`, a bit per rule.
    pub(crate) fn new(words: &'a [u64]) -> Self {
        FiredRules {
            left: words.iter().map(|word| word.count_ones() as usize).sum(),
            ones: Ones::new(words),
        }
    }
}

impl Iterator for FiredRules<'_> {
    type Item = RuleIndex;

    fn next(&mut self) -> Option<RuleIndex> {
        let rule = self.ones.next()?;
        self.left -= 1;
        Some(RuleIndex::new(rule))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for FiredRules<'_> {}

/// The evidence per stage, which scorers add to.
///
/// Points that are not finite are ignored, and totals saturate at
/// `±f64::MAX`, so one faulty scorer cannot make the decision NaN.
///
/// [`StageScorer`]'s example adds to it; [`add`](Evidence::add) and
/// [`get`](Evidence::get) have their own.
pub struct Evidence<'a> {
    pub(crate) points: &'a mut [f64],
}

impl fmt::Debug for Evidence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.points.iter()).finish()
    }
}

impl Evidence<'_> {
    /// Adds `points` (negative counts against) to stage `stage`. A stage
    /// index from another model that is out of range is ignored.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, HitPolicy, ScoreInput};
    ///
    /// let mut spec = models::buying_process();
    /// spec.hit_policy = HitPolicy::HighestScore;
    /// let engine = Engine::builder(spec)
    ///     .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
    ///         let evaluation = input.find_stage("evaluation").unwrap().index();
    ///         evidence.add(evaluation, 2.0);
    ///         evidence.add(evaluation, f64::NAN); // ignored
    ///         assert_eq!(evidence.get(evaluation), 2.0);
    ///     })
    ///     .build()?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&engine.record(), &mut scratch);
    /// assert_eq!(decision.stage().id(), "evaluation");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add(&mut self, stage: StageIndex, points: f64) {
        if !points.is_finite() {
            return;
        }
        if let Some(total) = self.points.get_mut(stage.as_usize()) {
            *total = (*total + points).clamp(-f64::MAX, f64::MAX);
        }
    }

    /// The evidence for stage `stage` so far.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Evidence, HitPolicy, ScoreInput};
    ///
    /// let mut spec = models::buying_process();
    /// spec.hit_policy = HitPolicy::HighestScore;
    /// let engine = Engine::builder(spec)
    ///     .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
    ///         let evaluation = input.find_stage("evaluation").unwrap().index();
    ///         assert_eq!(evidence.get(evaluation), 0.0); // no rule fired
    ///         evidence.add(evaluation, 1.0);
    ///     })
    ///     .build()?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&engine.record(), &mut scratch);
    /// assert_eq!(decision.stage().id(), "evaluation");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, stage: StageIndex) -> f64 {
        self.points.get(stage.as_usize()).copied().unwrap_or(0.0)
    }
}

//! The propensity of an action for a customer, built in or from the host,
//! and the priority it gives.

use std::fmt;
use std::sync::Arc;

use crate::index::TagIndex;
use crate::score::ScoreInput;
use crate::stage::Stage;
use crate::validate::{Action, PropensityRule, Tag};

/// The host's propensity model: how likely a customer is to respond to an
/// action, in [0, 1].
///
/// Without one, the engine uses each action's built-in propensity: the
/// first of its propensity rules that holds, else its base propensity. A
/// registered scorer replaces that and can still read it through
/// [`ActionInput::built_in`]. The engine calls the scorer once per action
/// that passed the stage, tags, eligibility condition and contact policy.
/// A result outside [0, 1] is clamped into it, and NaN counts as 0.
///
/// The trait is object-safe; any `Fn(&ActionInput) -> f64 + Send + Sync`
/// closure implements it, and so do `Arc<T>` of a scorer and
/// `Box<dyn ActionScorer>`. To keep decisions allocation-free a scorer should
/// not allocate.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, ActionInput, ActionScorer, ContactLog, Engine, Timestamp};
///
/// /// Customers who read many reviews respond to social proof.
/// struct ReviewReaders;
///
/// impl ActionScorer for ReviewReaders {
///     fn propensity(&self, input: &ActionInput<'_>) -> f64 {
///         let reviews = input.signals().number("reviews_read").unwrap_or(0.0);
///         if input.action().kind() == "social_proof" && reviews >= 5.0 {
///             0.9
///         } else {
///             input.built_in()
///         }
///     }
/// }
///
/// let engine = Engine::builder(models::buying_process()).action_scorer(ReviewReaders).build()?;
/// let mut customer = engine.record();
/// customer.set("reviews_read", 8)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
/// let social_proof = decision.actions().find(|a| a.action().kind() == "social_proof").unwrap();
/// assert_eq!(social_proof.propensity(), 0.9);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an action scorer",
    note = "implement `ActionScorer` for it, or pass a closure \
            `|input: &ActionInput<'_>| -> f64` that is Send + Sync"
)]
pub trait ActionScorer: Send + Sync {
    /// The propensity of `input.action()` for the customer, in [0, 1].
    fn propensity(&self, input: &ActionInput<'_>) -> f64;
}

impl<F> ActionScorer for F
where
    F: Fn(&ActionInput<'_>) -> f64 + Send + Sync,
{
    fn propensity(&self, input: &ActionInput<'_>) -> f64 {
        self(input)
    }
}

impl<T: ActionScorer + ?Sized> ActionScorer for Arc<T> {
    fn propensity(&self, input: &ActionInput<'_>) -> f64 {
        (**self).propensity(input)
    }
}

// Not `Box<T>` for every `T`: a boxed closure is itself a closure, so that
// impl would overlap the one for closures. Boxed trait objects are what
// hosts hold.
impl ActionScorer for Box<dyn ActionScorer + '_> {
    fn propensity(&self, input: &ActionInput<'_>) -> f64 {
        (**self).propensity(input)
    }
}

/// What an [`ActionScorer`] sees: the customer, their stage and tags, the
/// action, and its built-in propensity. Every method is allocation-free.
///
/// ```
/// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
///
/// // Loyal customers in post-purchase respond twice as well as the catalog says.
/// let scorer = |input: &ActionInput<'_>| {
///     let boost = if input.has_tag("loyal") && input.stage().id() == "post_purchase" { 2.0 } else { 1.0 };
///     input.built_in() * boost
/// };
/// let engine = Engine::builder(models::buying_process()).action_scorer(scorer).build()?;
/// let mut customer = engine.record();
/// customer.set("purchases", 6)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
/// let loyalty = decision.actions().find(|a| a.kind() == "loyalty").unwrap();
/// assert_eq!(loyalty.propensity(), 1.0); // 0.6 × 2, clamped to 1
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub struct ActionInput<'a> {
    pub(crate) signals: &'a ScoreInput<'a>,
    pub(crate) stage: &'a Stage,
    pub(crate) tags: &'a [TagIndex],
    pub(crate) all_tags: &'a [Tag],
    pub(crate) action: &'a Action,
    pub(crate) rule: Option<usize>,
}

impl fmt::Debug for ActionInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionInput")
            .field("stage", &self.stage.id())
            .field("action", &self.action.id())
            .field("built_in", &self.built_in())
            .finish_non_exhaustive()
    }
}

impl<'a> ActionInput<'a> {
    /// The customer's signals and the rules that fired.
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         assert_eq!(input.signals().number("satisfaction"), Some(9.0));
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn signals(&self) -> &'a ScoreInput<'a> {
        self.signals
    }

    /// The stage the actions are ranked for: the classified stage under
    /// [`Engine::decide`](crate::Engine::decide), the given one under
    /// [`Engine::decide_in`](crate::Engine::decide_in).
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         assert_eq!(input.stage().id(), "post_purchase");
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stage(&self) -> &'a Stage {
        self.stage
    }

    /// Whether the customer has the tag with id `id`.
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         assert!(input.has_tag("returning") && !input.has_tag("complaining"));
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn has_tag(&self, id: &str) -> bool {
        self.tags().any(|tag| tag.id() == id)
    }

    /// The customer's tags, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         assert!(input.tags().any(|tag| tag.id() == "satisfied"));
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn tags(&self) -> impl Iterator<Item = &'a Tag> + 'a {
        let all = self.all_tags;
        self.tags
            .iter()
            .filter_map(move |id| all.get(id.as_usize()))
    }

    /// The action being scored.
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         assert!(input.action().id().starts_with("post_purchase."));
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn action(&self) -> &'a Action {
        self.action
    }

    /// The action's built-in propensity for this customer: that of the first
    /// propensity rule that holds, else the action's base propensity.
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         let expected = input.propensity_rule().map_or(input.action().propensity(), |rule| rule.propensity());
    ///         assert_eq!(input.built_in(), expected);
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn built_in(&self) -> f64 {
        self.propensity_rule()
            .map_or(self.action.propensity(), PropensityRule::propensity)
    }

    /// The propensity rule that gives the built-in propensity, if one holds.
    ///
    /// ```
    /// use buyer_journey::{models, ActionInput, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process())
    ///     .action_scorer(|input: &ActionInput<'_>| {
    ///         if input.action().id() == "post_purchase.cross_sell" {
    ///             let rule = input.propensity_rule().unwrap();
    ///             assert_eq!(rule.condition().to_string(), "satisfaction >= 8");
    ///         }
    ///         input.built_in()
    ///     })
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 2)?;
    /// customer.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert!(decision.actions().len() > 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn propensity_rule(&self) -> Option<&'a PropensityRule> {
        self.rule
            .and_then(|index| self.action.propensity_rules().get(index))
    }
}

impl ActionInput<'_> {
    /// The propensity the arbitration uses: the host scorer's if there is
    /// one, else the built-in one; in [0, 1], NaN as 0.
    pub(crate) fn propensity(&self, scorer: Option<&dyn ActionScorer>) -> f64 {
        clamp_propensity(match scorer {
            Some(scorer) => scorer.propensity(self),
            None => self.built_in(),
        })
    }
}

/// propensity × value × weight, saturating at `f64::MAX`.
pub(crate) fn priority(propensity: f64, action: &Action) -> f64 {
    (propensity * action.value() * action.weight()).min(f64::MAX)
}

/// A propensity as the arbitration uses it: in [0, 1], NaN as 0.
fn clamp_propensity(propensity: f64) -> f64 {
    if propensity.is_nan() {
        0.0
    } else {
        propensity.clamp(0.0, 1.0)
    }
}

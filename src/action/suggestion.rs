//! A suggested action as the host reads it from a decision.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::index::TagIndex;
use crate::stage::Stage;
use crate::validate::{Action, PropensityRule, Tag};

use super::catalog::Pick;

/// One suggested action of a [`Decision`](crate::Decision), best first:
/// the action, its priority and the three factors of the priority, and why
/// it was eligible. Reading it allocates nothing.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("cart_adds", 1)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
/// for suggestion in decision.actions() {
///     assert_eq!(
///         suggestion.priority(),
///         suggestion.propensity() * suggestion.value() * suggestion.weight(),
///     );
///     println!("{}. {}: {}", suggestion.rank(), suggestion.id(), suggestion.why());
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Suggestion<'a> {
    pub(crate) action: &'a Action,
    pub(crate) pick: Pick,
    pub(crate) rank: usize,
    pub(crate) stage: &'a Stage,
    pub(crate) all_tags: &'a [Tag],
}

impl<'a> Suggestion<'a> {
    /// The action suggested.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert_eq!(engine.find_action(best.id()), Some(best.action()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn action(&self) -> &'a Action {
        self.action
    }

    /// The action's id.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert!(best.id().starts_with("purchase_decision."));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &'a str {
        self.action.id()
    }

    /// The action's kind.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert_eq!(best.kind(), best.action().kind());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> &'a str {
        self.action.kind()
    }

    /// The place among the suggestions: 1 is the best.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// let ranks: Vec<usize> = decision.actions().map(|s| s.rank()).collect();
    /// assert_eq!(ranks[0], 1);
    /// assert!(ranks.windows(2).all(|pair| pair[1] == pair[0] + 1));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// propensity × value × weight.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert_eq!(best.priority(), best.propensity() * best.value() * best.weight());
    /// assert!(decision.actions().all(|s| s.priority() <= best.priority()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn priority(&self) -> f64 {
        self.pick.priority
    }

    /// How likely the customer is to respond, in [0, 1].
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert!((0.0..=1.0).contains(&best.propensity()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn propensity(&self) -> f64 {
        self.pick.propensity
    }

    /// The action's business value.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert_eq!(best.value(), best.action().value());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn value(&self) -> f64 {
        self.action.value()
    }

    /// The action's weight.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert_eq!(best.weight(), best.action().weight());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self) -> f64 {
        self.action.weight()
    }

    /// The propensity rule that gave the built-in propensity, if one held.
    /// (A host [`ActionScorer`](crate::ActionScorer) may have overridden it.)
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut happy = engine.record();
    /// happy.set("purchases", 2)?;
    /// happy.set("satisfaction", 9)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&happy, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let cross_sell = decision.actions().find(|s| s.id() == "post_purchase.cross_sell").unwrap();
    /// let rule = cross_sell.propensity_rule().unwrap();
    /// assert_eq!(rule.condition().to_string(), "satisfaction >= 8");
    /// assert_eq!(cross_sell.propensity(), rule.propensity());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn propensity_rule(&self) -> Option<&'a PropensityRule> {
        self.pick
            .rule
            .and_then(|rule| self.action.propensity_rules().get(rule as usize))
    }

    /// Whether the action was offered as a fallback: it is a fallback
    /// action (see [`ActionSpec::fallback`](crate::ActionSpec::fallback)),
    /// which is only suggested when no regular action of the stage could be.
    /// Then every suggestion of the decision is a fallback.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// let mut scratch = engine.scratch();
    ///
    /// // Every regular action of evaluation was shown an hour ago and is
    /// // cooling down.
    /// let mut history = ContactLog::new();
    /// let evaluation = engine.model().find("evaluation").unwrap().index();
    /// for action in engine.actions().filter(|a| a.stages().contains(&evaluation)) {
    ///     if !action.is_fallback() {
    ///         history.record_shown(action.id(), now.before(Span::hours(1)));
    ///     }
    /// }
    /// let decision = engine.decide(&customer, &history, now, &mut scratch);
    /// let offered: Vec<(&str, bool)> = decision.actions().map(|s| (s.id(), s.is_fallback())).collect();
    /// assert_eq!(offered, [("evaluation.ask_our_staff", true)]);
    ///
    /// let decision = engine.decide(&customer, &ContactLog::new(), now, &mut scratch);
    /// assert!(decision.actions().all(|s| !s.is_fallback()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_fallback(&self) -> bool {
        self.action.is_fallback()
    }

    /// Why the action was eligible, printable for a person: its stage, its
    /// condition, its tags and its contact policy, and for a fallback that
    /// no regular action could be suggested.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// assert!(best.why().to_string().starts_with("applies in purchase_decision"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn why(&self) -> Why<'a> {
        Why {
            action: self.action,
            stage: self.stage,
            all_tags: self.all_tags,
        }
    }

    /// An owned copy for output. Allocates.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let best = decision.actions().next().unwrap();
    /// let record = best.to_record();
    /// assert_eq!((record.id.as_str(), record.priority), (best.id(), best.priority()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn to_record(&self) -> SuggestionRecord {
        SuggestionRecord {
            id: self.id().to_owned(),
            kind: self.kind().to_owned(),
            priority: self.priority(),
            propensity: self.propensity(),
            value: self.value(),
            weight: self.weight(),
            fallback: self.is_fallback(),
        }
    }
}

/// Why a suggested action was eligible; see [`Suggestion::why`].
///
/// Prints as `applies in evaluation; comparisons >= 1 holds; has tag
/// returning; lacks tag complaining; contact policy allows`, leaving out the
/// parts the action does not set, and for a fallback ends with `; fallback:
/// no regular action could be suggested`.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("purchases", 2)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
/// let cross_sell = decision.actions().find(|s| s.id() == "post_purchase.cross_sell").unwrap();
/// assert_eq!(
///     cross_sell.why().to_string(),
///     "applies in post_purchase; has tag returning; lacks tag at_risk; lacks tag complaining; \
///      contact policy allows",
/// );
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Why<'a> {
    action: &'a Action,
    stage: &'a Stage,
    all_tags: &'a [Tag],
}

impl fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "applies in {}", self.stage.id())?;
        let condition = self.action.condition();
        if *condition != Condition::Bool(true) {
            write!(f, "; {condition} holds")?;
        }
        let name = |index: &TagIndex| self.all_tags.get(index.as_usize()).map_or("?", Tag::id);
        for tag in self.action.requires() {
            write!(f, "; has tag {}", name(tag))?;
        }
        for tag in self.action.excludes() {
            write!(f, "; lacks tag {}", name(tag))?;
        }
        if !self.action.contact().is_unlimited() {
            f.write_str("; contact policy allows")?;
        }
        if self.action.is_fallback() {
            f.write_str("; fallback: no regular action could be suggested")?;
        }
        Ok(())
    }
}

/// A suggested action, owned, as in
/// [`DecisionRecord::actions`](crate::DecisionRecord::actions): what
/// [`Suggestion::to_record`] makes.
///
/// ```
/// use buyer_journey::SuggestionRecord;
///
/// let json = r#"{"id": "checkout_help", "kind": "checkout_assist", "priority": 45.0,
///                "propensity": 0.9, "value": 50.0, "weight": 1.0}"#;
/// let action: SuggestionRecord = serde_json::from_str(json).unwrap();
/// assert_eq!(action.priority, action.propensity * action.value * action.weight);
/// assert!(!action.fallback); // the default
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SuggestionRecord {
    /// The action's id.
    pub id: String,
    /// The action's kind.
    pub kind: String,
    /// propensity × value × weight.
    pub priority: f64,
    /// How likely the customer is to respond, in [0, 1].
    pub propensity: f64,
    /// The action's business value.
    pub value: f64,
    /// The action's weight.
    pub weight: f64,
    /// Whether it was offered as a fallback; see [`Suggestion::is_fallback`].
    /// Written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fallback: bool,
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(x: &bool) -> bool {
    !*x
}

//! A customer over time, as one value the host stores.

use serde::{Deserialize, Serialize};

use crate::action::{ContactLog, IgnoredShowing, Response};
use crate::engine::Engine;
use crate::journey::JourneyState;
use crate::profile::Profile;
use crate::time::Timestamp;
use crate::validate::Action;

/// Everything the library needs to remember about one customer between
/// events: what their events left in the derived signals ([`Profile`]),
/// where they are in the buying process ([`JourneyState`]) and what they
/// were shown and dismissed ([`ContactLog`]).
///
/// The host stores one per customer (a database row, a cache entry) and
/// passes it to [`Engine::observe`](crate::Engine::observe) with each of
/// the customer's events, and to [`Engine::refresh`](crate::Engine::refresh)
/// when only time has passed. It serializes as one document and restores
/// to identical decisions.
///
/// ```
/// use buyer_journey::{models, Customer, Engine, Event, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut customer = Customer::new();
/// let at = Timestamp::from_unix_seconds(1_700_000_000);
/// let seen = engine.observe(&mut customer, Event::new("comparison", at), at, &mut scratch)?;
/// assert_eq!(seen.step.state.stage(), Some("evaluation"));
/// let first = seen.decision.actions().next().unwrap().id().to_owned();
/// customer.history.record_shown(&first, at);
///
/// let stored = serde_json::to_string(&customer).unwrap();
/// let restored: Customer = serde_json::from_str(&stored).unwrap();
/// assert_eq!(restored, customer);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Customer {
    /// What the customer's events left in the derived signals.
    pub profile: Profile,
    /// The customer's stage, kept between evaluations.
    pub journey: JourneyState,
    /// What the customer was shown and how they responded: record the
    /// actions shown and the responses here (through
    /// [`record_shown`](Customer::record_shown) and
    /// [`record_response`](Customer::record_response) to keep it bounded),
    /// so contact policies apply.
    pub history: ContactLog,
}

impl Customer {
    /// A customer with no events, no stage and no contacts yet.
    ///
    /// ```
    /// use buyer_journey::Customer;
    ///
    /// let customer = Customer::new();
    /// assert_eq!(customer.journey.stage(), None);
    /// ```
    pub fn new() -> Self {
        Customer::default()
    }

    /// Records in the contact history that `action` was shown at `at`,
    /// keeping only what the action's contact policy, the contact limits
    /// over it and its response window can still see: the showings within
    /// its cooldown, its cap's window, the limits' windows and (for
    /// ignored showings) its response window, at most as many as the cap
    /// and the limits count (at least [`ContactLog::KEPT`] with a response
    /// window); and it forgets the actions nothing can see any more. So
    /// the history stays bounded however often actions are shown;
    /// [`ContactLog::record_shown`] keeps every showing.
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, Event, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = Customer::new();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// for day in 0..100 {
    ///     let at = start + Span::days(day);
    ///     let seen = engine.observe(&mut customer, Event::new("review_read", at), at, &mut scratch)?;
    ///     for suggestion in seen.decision.actions() {
    ///         customer.record_shown(suggestion.action(), at);
    ///     }
    /// }
    /// // The reviews action cools down for a day: only its latest showing
    /// // still matters.
    /// assert_eq!(customer.history.shown("information_search.reviews").count(), 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn record_shown(&mut self, action: &Action, at: Timestamp) {
        self.history.record_shown_bounded(action, at);
    }

    /// Records in the contact history the customer's `response` to
    /// `action` at `at`, bounded as [`record_shown`](Customer::record_shown)
    /// is: the responses are kept as long as the action's policy reads them
    /// (its dismissals until they expire, its rejections for the
    /// suppression's window and span, every response for its response
    /// window), at most [`ContactLog::KEPT`] of each kind, the latest.
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, Response, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// let mut customer = Customer::new();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// for day in 0..1000 {
    ///     customer.record_response(cross_sell, Response::Dismissed, start + Span::days(day));
    /// }
    /// let kept = customer.history.responses(cross_sell.id(), Response::Dismissed).count();
    /// assert_eq!(kept, 64);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn record_response(&mut self, action: &Action, response: Response, at: Timestamp) {
        self.history.record_response_bounded(action, response, at);
    }

    /// The showings of the customer's history that became ignored since it
    /// was last settled, up to `now`: see [`ContactLog::settle`].
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, Customer, Engine, RulesetSpec, SignalSpec, Span, StageSpec, Timestamp};
    ///
    /// let mut spec = RulesetSpec::new(vec![SignalSpec::count("visits")], vec![StageSpec::new("browse", "Browse", "")]);
    /// spec.actions.push(ActionSpec::new("mail", "mail", &["browse"], 1.0).response_window(Span::days(2)));
    /// let engine = Engine::builder(spec).build()?;
    /// let mail = engine.find_action("mail").unwrap();
    ///
    /// let mut customer = Customer::new();
    /// let shown = Timestamp::from_unix_seconds(1_000_000);
    /// customer.record_shown(mail, shown);
    /// assert!(customer.settle(&engine, shown + Span::days(1)).is_empty());
    /// assert_eq!(customer.settle(&engine, shown + Span::days(2)).len(), 1);
    /// // Reported once.
    /// assert!(customer.settle(&engine, shown + Span::days(3)).is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn settle(&mut self, engine: &Engine, now: Timestamp) -> Vec<IgnoredShowing> {
        self.history.settle(engine, now)
    }
}

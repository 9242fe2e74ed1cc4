//! What the host has shown a customer: the input of the contact policy.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Timestamp;
use crate::validate::Action;

/// One customer's contact history, as the engine asks about it when it
/// applies an action's [`ContactPolicy`](crate::ContactPolicy).
///
/// The host implements it on whatever holds its history (a CRM row, an
/// event store) or uses the in-memory [`ContactLog`]. The engine asks only
/// about actions whose policy needs the answer, and only after the stage,
/// tags and eligibility condition have passed. To keep
/// [`Engine::decide`](crate::Engine::decide) allocation-free the
/// implementation should not allocate; [`ContactLog`] does not.
///
/// # Example
///
/// ```
/// use buyer_journey::{Action, ContactHistory, Timestamp};
///
/// /// A host that only remembers the last showing of each action.
/// struct LastShown(Vec<(String, Timestamp)>);
///
/// impl ContactHistory for LastShown {
///     fn last_shown(&self, action: &Action) -> Option<Timestamp> {
///         self.0.iter().find(|(id, _)| id == action.id()).map(|(_, at)| *at)
///     }
///     fn times_shown_after(&self, action: &Action, after: Timestamp) -> u32 {
///         u32::from(self.last_shown(action).is_some_and(|at| at > after))
///     }
///     fn dismissals(&self, _: &Action) -> u32 {
///         0
///     }
/// }
/// ```
pub trait ContactHistory {
    /// When the action was last shown to the customer; `None` if never.
    fn last_shown(&self, action: &Action) -> Option<Timestamp>;

    /// How many times the action was shown strictly after `after`.
    fn times_shown_after(&self, action: &Action, after: Timestamp) -> u32;

    /// How many times the customer dismissed the action.
    fn dismissals(&self, action: &Action) -> u32;
}

/// A simple in-memory [`ContactHistory`] of one customer, keyed by action
/// id, with serde so the host can store it with the customer.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut customer = engine.record();
/// customer.set("comparisons", 2)?;
///
/// let mut log = ContactLog::new();
/// let monday = Timestamp::from_unix_seconds(1_700_000_000);
/// let first = engine.decide(&customer, &log, monday, &mut scratch).actions().next().unwrap().id().to_owned();
/// log.record_shown(&first, monday);
///
/// // The next day the action is cooling down, so another one leads.
/// let tuesday = monday + Span::days(1);
/// let decision = engine.decide(&customer, &log, tuesday, &mut scratch);
/// assert_ne!(decision.actions().next().unwrap().id(), first);
///
/// let json = serde_json::to_string(&log).unwrap();
/// assert_eq!(serde_json::from_str::<ContactLog>(&json).unwrap(), log);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactLog {
    actions: IndexMap<String, Contacts>,
}

impl Serialize for ContactLog {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.actions.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ContactLog {
    /// Accepts showings in any order.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut actions = IndexMap::<String, Contacts>::deserialize(deserializer)?;
        for contacts in actions.values_mut() {
            contacts.shown.sort_unstable();
        }
        Ok(ContactLog { actions })
    }
}

/// What happened with one action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contacts {
    /// When it was shown, oldest first.
    #[serde(default)]
    shown: Vec<Timestamp>,
    #[serde(default)]
    dismissals: u32,
}

impl ContactLog {
    /// An empty log: nothing shown, nothing dismissed. Does not allocate.
    pub fn new() -> Self {
        ContactLog::default()
    }

    /// Records that action `action` (its id) was shown at `at`. Showings may
    /// be recorded out of order.
    pub fn record_shown(&mut self, action: &str, at: Timestamp) {
        let shown = &mut self.entry(action).shown;
        let position = shown.partition_point(|&t| t <= at);
        shown.insert(position, at);
    }

    /// Records that the customer dismissed action `action` (its id).
    pub fn record_dismissed(&mut self, action: &str) {
        let contacts = self.entry(action);
        contacts.dismissals = contacts.dismissals.saturating_add(1);
    }

    /// Forgets the showings before `before`, to keep the log small: keep
    /// at least as far back as the longest cooldown and cap window.
    ///
    /// ```
    /// use buyer_journey::{ContactLog, Timestamp};
    ///
    /// let mut log = ContactLog::new();
    /// log.record_shown("a", Timestamp::from_unix_seconds(10));
    /// log.record_shown("a", Timestamp::from_unix_seconds(20));
    /// log.forget_before(Timestamp::from_unix_seconds(15));
    /// assert_eq!(log.shown("a"), [Timestamp::from_unix_seconds(20)]);
    /// ```
    pub fn forget_before(&mut self, before: Timestamp) {
        for contacts in self.actions.values_mut() {
            let old = contacts.shown.partition_point(|&t| t < before);
            contacts.shown.drain(..old);
        }
    }

    /// When action `action` (its id) was shown, oldest first.
    pub fn shown(&self, action: &str) -> &[Timestamp] {
        self.actions
            .get(action)
            .map_or(&[], |contacts| &contacts.shown)
    }

    fn entry(&mut self, action: &str) -> &mut Contacts {
        if !self.actions.contains_key(action) {
            self.actions.insert(action.to_owned(), Contacts::default());
        }
        &mut self.actions[action]
    }
}

impl ContactHistory for ContactLog {
    fn last_shown(&self, action: &Action) -> Option<Timestamp> {
        self.shown(action.id()).last().copied()
    }

    fn times_shown_after(&self, action: &Action, after: Timestamp) -> u32 {
        let shown = self.shown(action.id());
        let count = shown.len() - shown.partition_point(|&t| t <= after);
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    fn dismissals(&self, action: &Action) -> u32 {
        self.actions
            .get(action.id())
            .map_or(0, |contacts| contacts.dismissals)
    }
}

//! What the host has shown a customer: the input of the contact policy.

use std::collections::BTreeMap;
use std::fmt;
use std::iter;

use indexmap::IndexMap;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::{Span, Timestamp};
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
/// Each action's showings are kept ordered by time, so recording one takes
/// `O(log n)` time in any order (`n` showings of the action), `last_shown`
/// `O(log n)` and `times_shown_after` `O(log n + k)` for `k` distinct times
/// after the one asked about, without allocating.
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactLog {
    actions: IndexMap<String, Contacts>,
}

/// What happened with one action.
///
/// Stored as the list of showings, oldest first, a time repeated as often
/// as it was shown (`[t1, t2, ...]`), or, once the customer has dismissed
/// it, as `{"shown": [t1, ...], "dismissals": n}`; showings are read in any
/// order.
#[derive(Debug, Clone, Default)]
struct Contacts {
    /// How many times it was shown at each time. Ordered, so that a showing
    /// is recorded in `O(log n)` whatever the order, and the latest showing
    /// and those after a time are found without a scan of the older ones.
    /// Every count is at least 1.
    shown: BTreeMap<Timestamp, u32>,
    dismissals: u32,
    /// When the showings stop mattering to the action's contact policy,
    /// as far as [`ContactLog::record_shown_bounded`] knows; not stored
    /// (a restored entry falls back to the catalog's longest look-back).
    expires: Option<Timestamp>,
}

impl PartialEq for Contacts {
    /// What was shown and dismissed; not what the log knows of policies.
    fn eq(&self, other: &Self) -> bool {
        self.shown == other.shown && self.dismissals == other.dismissals
    }
}

impl Eq for Contacts {}

impl Contacts {
    /// Every showing, oldest first, a time repeated as often as it was shown.
    fn showings(&self) -> impl DoubleEndedIterator<Item = Timestamp> + '_ {
        self.shown
            .iter()
            .flat_map(|(&at, &count)| iter::repeat_n(at, count as usize))
    }
}

/// The showings of one action as a sequence.
struct Showings<'a>(&'a Contacts);

impl Serialize for Showings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = self.0.shown.values().map(|&count| count as usize).sum();
        let mut seq = serializer.serialize_seq(Some(len))?;
        for at in self.0.showings() {
            seq.serialize_element(&at)?;
        }
        seq.end()
    }
}

impl Serialize for Contacts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.dismissals == 0 {
            return Showings(self).serialize(serializer);
        }
        let fields = if self.shown.is_empty() { 1 } else { 2 };
        let mut map = serializer.serialize_struct("Contacts", fields)?;
        if !self.shown.is_empty() {
            map.serialize_field("shown", &Showings(self))?;
        }
        map.serialize_field("dismissals", &self.dismissals)?;
        map.end()
    }
}

/// Showings read from a sequence in any order.
struct ShownSeq(BTreeMap<Timestamp, u32>);

impl<'de> Deserialize<'de> for ShownSeq {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_seq(ContactsVisitor)
            .map(|contacts| ShownSeq(contacts.shown))
    }
}

struct ContactsVisitor;

impl<'de> Visitor<'de> for ContactsVisitor {
    type Value = Contacts;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of showings, or {\"shown\": [...], \"dismissals\": n}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Contacts, A::Error> {
        let mut contacts = Contacts::default();
        while let Some(at) = seq.next_element()? {
            add_shown(&mut contacts.shown, at);
        }
        Ok(contacts)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Contacts, A::Error> {
        let mut contacts = Contacts::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "shown" => contacts.shown = map.next_value::<ShownSeq>()?.0,
                "dismissals" => contacts.dismissals = map.next_value()?,
                other => {
                    return Err(de::Error::unknown_field(other, &["shown", "dismissals"]));
                }
            }
        }
        Ok(contacts)
    }
}

impl<'de> Deserialize<'de> for Contacts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContactsVisitor)
    }
}

/// Counts one more showing at `at`.
fn add_shown(shown: &mut BTreeMap<Timestamp, u32>, at: Timestamp) {
    let count = shown.entry(at).or_insert(0);
    *count = count.saturating_add(1);
}

impl ContactLog {
    /// An empty log: nothing shown, nothing dismissed. Does not allocate.
    ///
    /// ```
    /// use buyer_journey::{ContactLog};
    ///
    /// let mut log = ContactLog::new();
    /// assert_eq!(log.shown("evaluation.demo").count(), 0);
    /// assert_eq!(log, ContactLog::default());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn new() -> Self {
        ContactLog::default()
    }

    /// Records that action `action` (its id) was shown at `at`. Showings may
    /// be recorded out of order; each takes `O(log n)` time in the number of
    /// showings of the action, whatever the order.
    ///
    /// ```
    /// use buyer_journey::{ContactLog, Timestamp};
    ///
    /// let mut log = ContactLog::new();
    /// log.record_shown("evaluation.demo", Timestamp::from_unix_seconds(200));
    /// log.record_shown("evaluation.demo", Timestamp::from_unix_seconds(100));
    /// let shown: Vec<i64> = log.shown("evaluation.demo").map(|t| t.unix_seconds()).collect();
    /// assert_eq!(shown, [100, 200]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn record_shown(&mut self, action: &str, at: Timestamp) {
        add_shown(&mut self.entry(action).shown, at);
    }

    /// Records that `action` was shown at `at`, and forgets what no
    /// contact policy can see at `at` or later: the showings of `action`
    /// older than its cooldown and its cap's window or beyond the most
    /// recent ones its cap counts (an action without either keeps none),
    /// and the actions never dismissed and not shown within the longest
    /// look-back of the catalog. So the log stays as small as the policies
    /// allow, whatever the number of showings;
    /// [`Customer::record_shown`](crate::Customer::record_shown) records
    /// this way.
    pub(crate) fn record_shown_bounded(&mut self, action: &Action, at: Timestamp) {
        let stale = at.before(action.catalog_horizon);
        self.actions.retain(|_, contacts| {
            let seen = match contacts.expires {
                Some(expires) => expires > at,
                None => contacts
                    .shown
                    .last_key_value()
                    .is_some_and(|(&last, _)| last > stale),
            };
            contacts.dismissals > 0 || seen
        });
        let policy = action.contact();
        let contacts = self.entry(action.id());
        let Some(horizon) = policy.horizon() else {
            contacts.shown.clear();
            contacts.expires = Some(at);
            return;
        };
        add_shown(&mut contacts.shown, at);
        contacts.expires = Some(at + horizon);
        // `times_shown_after(now - window)` counts showings strictly after
        // it, and `now` only grows: older ones are never seen again.
        let oldest = at.before(horizon) + Span::seconds(1);
        contacts.shown = contacts.shown.split_off(&oldest);
        // A cap only asks whether its count is reached, so more showings
        // than it counts change nothing; a cooldown only reads the latest.
        let keep = policy.cap.map_or(1, |cap| cap.times.max(1));
        let mut excess = contacts.shown.values().sum::<u32>().saturating_sub(keep);
        while excess > 0 {
            let Some(mut oldest) = contacts.shown.first_entry() else {
                break;
            };
            let dropped = (*oldest.get()).min(excess);
            excess -= dropped;
            if dropped == *oldest.get() {
                oldest.remove();
            } else {
                *oldest.get_mut() -= dropped;
            }
        }
    }

    /// Records that the customer dismissed action `action` (its id).
    ///
    /// ```
    /// use buyer_journey::{ContactLog};
    ///
    /// let mut log = ContactLog::new();
    /// log.record_dismissed("evaluation.demo");
    /// assert_eq!(serde_json::to_string(&log).unwrap(), r#"{"evaluation.demo":{"dismissals":1}}"#);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
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
    /// assert!(log.shown("a").eq([Timestamp::from_unix_seconds(20)]));
    /// ```
    pub fn forget_before(&mut self, before: Timestamp) {
        for contacts in self.actions.values_mut() {
            contacts.shown = contacts.shown.split_off(&before);
        }
    }

    /// When action `action` (its id) was shown, oldest first, a time
    /// repeated as often as the action was shown then; nothing if it was
    /// never shown.
    ///
    /// ```
    /// use buyer_journey::{ContactLog, Timestamp};
    ///
    /// let at = Timestamp::from_unix_seconds;
    /// let mut log = ContactLog::new();
    /// log.record_shown("a", at(20));
    /// log.record_shown("a", at(10));
    /// log.record_shown("a", at(20));
    /// assert_eq!(log.shown("a").collect::<Vec<_>>(), [at(10), at(20), at(20)]);
    /// assert_eq!(log.shown("a").next_back(), Some(at(20)));
    /// assert_eq!(log.shown("b").count(), 0);
    /// ```
    pub fn shown(&self, action: &str) -> impl DoubleEndedIterator<Item = Timestamp> + '_ {
        self.actions
            .get(action)
            .into_iter()
            .flat_map(Contacts::showings)
    }

    /// The ids of the actions the log has an entry for.
    pub(crate) fn action_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.actions.keys().map(String::as_str)
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
        let contacts = self.actions.get(action.id())?;
        contacts.shown.last_key_value().map(|(&at, _)| at)
    }

    fn times_shown_after(&self, action: &Action, after: Timestamp) -> u32 {
        let Some(contacts) = self.actions.get(action.id()) else {
            return 0;
        };
        // From the latest back: the showings in a recent window are few.
        contacts
            .shown
            .iter()
            .rev()
            .take_while(|&(&at, _)| at > after)
            .fold(0_u32, |total, (_, &count)| total.saturating_add(count))
    }

    fn dismissals(&self, action: &Action) -> u32 {
        self.actions
            .get(action.id())
            .map_or(0, |contacts| contacts.dismissals)
    }
}

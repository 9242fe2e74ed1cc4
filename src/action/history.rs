//! What the host has shown a customer: the input of the contact policy.

use std::collections::BTreeMap;
use std::fmt;
use std::iter;
use std::ops::Bound;

use indexmap::IndexMap;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::Engine;
use crate::time::{Span, Timestamp};
use crate::validate::Action;

use super::Response;

/// One customer's contact history, as the engine asks about it when it
/// applies an action's [`ContactPolicy`](crate::ContactPolicy) and the
/// ruleset's [contact limits](crate::ContactLimitSpec).
///
/// The host implements it on whatever holds its history (a CRM row, an
/// event store) or uses the in-memory [`ContactLog`]. The engine asks only
/// about actions whose policy needs the answer, and only after the stage,
/// tags and eligibility condition have passed; when the ruleset declares
/// contact limits it also asks, once per decision, how often each action
/// in their scope was shown within their windows. To keep
/// [`Engine::decide`](crate::Engine::decide) allocation-free the
/// implementation should not allocate; [`ContactLog`] does not.
///
/// The three required methods are enough for cooldowns, caps, contact
/// limits and dismissals that never expire. The others have defaults for a
/// history that keeps no times of responses: every dismissal counts for
/// ever ([`dismissals_after`](ContactHistory::dismissals_after)) and there
/// are no rejections to suppress an action after.
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

    /// How many times the customer dismissed the action, ever.
    fn dismissals(&self, action: &Action) -> u32;

    /// How many of the customer's dismissals of the action count after
    /// `after`: those strictly after it, and those the history holds
    /// without a time. Asked instead of
    /// [`dismissals`](ContactHistory::dismissals) when the policy sets
    /// [`dismissals_expire`](crate::ContactPolicy::dismissals_expire).
    /// Default: every dismissal, as a history without times cannot tell.
    fn dismissals_after(&self, action: &Action, after: Timestamp) -> u32 {
        let _ = after;
        self.dismissals(action)
    }

    /// How many times the customer rejected the action at `r` with `after
    /// < r <= upto`: dismissals, and showings ignored (recorded as
    /// [`Response::Ignored`], or left unanswered for the action's
    /// [`response_window`](Action::response_window), at the instant the
    /// window ends). Default: none.
    fn rejections_between(&self, action: &Action, after: Timestamp, upto: Timestamp) -> u32 {
        let _ = (action, after, upto);
        0
    }

    /// The latest time at or before `upto` at which the customer rejected
    /// the action, as [`rejections_between`](ContactHistory::rejections_between)
    /// counts them. Default: none.
    fn last_rejection(&self, action: &Action, upto: Timestamp) -> Option<Timestamp> {
        let _ = (action, upto);
        None
    }
}

/// A simple in-memory [`ContactHistory`] of one customer, keyed by action
/// id, with serde so the host can store it with the customer: when each
/// action was shown, and each response with its time.
///
/// Each action's showings and responses are kept ordered by time, so
/// recording one takes `O(log n)` time in any order (`n` records of the
/// action), `last_shown` `O(log n)` and `times_shown_after` and
/// `dismissals_after` `O(log n + k)` for `k` distinct times after the one
/// asked about, without allocating. With a
/// [`response_window`](crate::ActionSpec::response_window), finding the
/// ignored showings takes `O(log n)` more per showing looked at.
///
/// Recorded through [`Customer`](crate::Customer) the log stays bounded:
/// see [`ContactLog::KEPT`].
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

/// Times, each with how often it happened then: ordered, so that one is
/// recorded in `O(log n)` whatever the order, and the latest ones and
/// those after a time are found without a scan of the older ones. Every
/// count is at least 1.
type Times = BTreeMap<Timestamp, u32>;

/// What happened with one action.
///
/// Stored as the list of showings, oldest first, a time repeated as often
/// as it was shown (`[t1, t2, ...]`), or, once the customer has responded,
/// as `{"shown": [t1, ...], "dismissed": [t, ...], "accepted": [...], ...}`
/// (a list per [`Response`], and `"settled": t` once
/// [`ContactLog::settle`] has reported ignored showings). Version 0.1
/// stored dismissals without times, `{"shown": [...], "dismissals": n}`:
/// those are read as `n` dismissals without a time, which never expire.
/// Times are read in any order.
#[derive(Debug, Clone, Default)]
struct Contacts {
    shown: Times,
    /// The responses of each kind, indexed by [`slot`].
    responses: [Times; 4],
    /// Dismissals stored without a time (by version 0.1).
    undated_dismissals: u32,
    /// The showings whose response window ended at or before this have
    /// been reported by [`ContactLog::settle`].
    settled: Option<Timestamp>,
    /// When the records stop mattering to the action's policies, as far as
    /// the bounded recording knows; not stored (a restored entry falls
    /// back to the catalog's longest look-back).
    expires: Option<Timestamp>,
}

impl PartialEq for Contacts {
    /// What was shown and responded; not what the log knows of policies.
    fn eq(&self, other: &Self) -> bool {
        self.shown == other.shown
            && self.responses == other.responses
            && self.undated_dismissals == other.undated_dismissals
            && self.settled == other.settled
    }
}

impl Eq for Contacts {}

/// The index of `response` in [`Contacts::responses`].
fn slot(response: Response) -> usize {
    match response {
        Response::Dismissed => 0,
        Response::Ignored => 1,
        Response::Accepted => 2,
        Response::Converted => 3,
    }
}

/// Counts one more at `at`.
fn add(times: &mut Times, at: Timestamp) {
    let count = times.entry(at).or_insert(0);
    *count = count.saturating_add(1);
}

/// Adds every count of `other` into `times`.
fn merge_times(times: &mut Times, other: Times) {
    for (at, count) in other {
        let total = times.entry(at).or_insert(0);
        *total = total.saturating_add(count);
    }
}

/// How many times `times` holds strictly after `after`, from the latest
/// back: the ones in a recent window are few.
fn count_after(times: &Times, after: Timestamp) -> u32 {
    times
        .iter()
        .rev()
        .take_while(|&(&at, _)| at > after)
        .fold(0_u32, |total, (_, &count)| total.saturating_add(count))
}

/// How many times `times` holds at `r` with `after < r <= upto`.
fn count_between(times: &Times, after: Timestamp, upto: Timestamp) -> u32 {
    if after >= upto {
        return 0;
    }
    times
        .range((Bound::Excluded(after), Bound::Included(upto)))
        .fold(0_u32, |total, (_, &count)| total.saturating_add(count))
}

/// Forgets all but the latest `keep` of `times`.
fn keep_latest(times: &mut Times, keep: u32) {
    let mut excess = times.values().fold(0_u32, |n, &c| n.saturating_add(c));
    excess = excess.saturating_sub(keep);
    while excess > 0 {
        let Some(mut oldest) = times.first_entry() else {
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

impl Contacts {
    /// Adds what `other` holds for the same action, under another of its
    /// ids.
    fn merge(&mut self, other: Contacts) {
        merge_times(&mut self.shown, other.shown);
        for (mine, theirs) in self.responses.iter_mut().zip(other.responses) {
            merge_times(mine, theirs);
        }
        self.undated_dismissals = self
            .undated_dismissals
            .saturating_add(other.undated_dismissals);
        // Only what both reported is reported for the whole.
        self.settled = self.settled.zip(other.settled).map(|(a, b)| a.min(b));
        // Unknown for either part is unknown for the whole.
        self.expires = self.expires.zip(other.expires).map(|(a, b)| a.max(b));
    }

    /// Every showing, oldest first, a time repeated as often as it was shown.
    fn showings(&self) -> impl DoubleEndedIterator<Item = Timestamp> + '_ {
        repeated(&self.shown)
    }

    fn has_responses(&self) -> bool {
        self.undated_dismissals > 0 || self.responses.iter().any(|times| !times.is_empty())
    }

    /// The latest showing or response.
    fn latest(&self) -> Option<Timestamp> {
        iter::once(&self.shown)
            .chain(&self.responses)
            .filter_map(|times| times.last_key_value().map(|(&at, _)| at))
            .max()
    }

    /// Whether a showing at `at` has a response at `at` or later and
    /// before `at + window`.
    fn answered(&self, at: Timestamp, window: Span) -> bool {
        let end = at + window;
        end > at
            && self
                .responses
                .iter()
                .any(|times| times.range(at..end).next().is_some())
    }

    /// The showings left unanswered for `window`, each with how often it
    /// was shown then, whose window ended at `e` with `after < e <= upto`.
    fn ignored(
        &self,
        window: Span,
        after: Timestamp,
        upto: Timestamp,
    ) -> impl DoubleEndedIterator<Item = (Timestamp, u32)> + '_ {
        let (first, last) = (after.before(window), upto.before(window));
        let range = (first < last).then(|| {
            self.shown
                .range((Bound::Excluded(first), Bound::Included(last)))
        });
        range
            .into_iter()
            .flatten()
            .filter(move |&(&at, _)| !self.answered(at, window))
            .map(|(&at, &count)| (at, count))
    }

    fn rejections_between(&self, window: Option<Span>, after: Timestamp, upto: Timestamp) -> u32 {
        let ignored = window.map_or(0, |window| {
            self.ignored(window, after, upto)
                .fold(0_u32, |n, (_, count)| n.saturating_add(count))
        });
        count_between(&self.responses[slot(Response::Dismissed)], after, upto)
            .saturating_add(count_between(
                &self.responses[slot(Response::Ignored)],
                after,
                upto,
            ))
            .saturating_add(ignored)
    }

    fn last_rejection(&self, window: Option<Span>, upto: Timestamp) -> Option<Timestamp> {
        let recorded = [Response::Dismissed, Response::Ignored]
            .into_iter()
            .filter_map(|response| {
                self.responses[slot(response)]
                    .range(..=upto)
                    .next_back()
                    .map(|(&at, _)| at)
            })
            .max();
        let ignored = window.and_then(|window| {
            self.ignored(window, Timestamp::from_unix_seconds(i64::MIN), upto)
                .next_back()
                .map(|(at, _)| at + window)
        });
        recorded.max(ignored)
    }
}

/// The times of `times`, oldest first, each repeated as often as it counts.
fn repeated(times: &Times) -> impl DoubleEndedIterator<Item = Timestamp> + '_ {
    times
        .iter()
        .flat_map(|(&at, &count)| iter::repeat_n(at, count as usize))
}

/// Times as a sequence, each repeated as often as it counts.
struct Sequence<'a>(&'a Times);

impl Serialize for Sequence<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = self.0.values().map(|&count| count as usize).sum();
        let mut seq = serializer.serialize_seq(Some(len))?;
        for at in repeated(self.0) {
            seq.serialize_element(&at)?;
        }
        seq.end()
    }
}

/// The names of the response lists, in [`slot`] order.
const RESPONSE_FIELDS: [&str; 4] = ["dismissed", "ignored", "accepted", "converted"];

impl Serialize for Contacts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.has_responses() && self.settled.is_none() {
            return Sequence(&self.shown).serialize(serializer);
        }
        let mut map = serializer.serialize_map(None)?;
        if !self.shown.is_empty() {
            map.serialize_entry("shown", &Sequence(&self.shown))?;
        }
        if self.undated_dismissals > 0 {
            map.serialize_entry("dismissals", &self.undated_dismissals)?;
        }
        for (name, times) in RESPONSE_FIELDS.iter().zip(&self.responses) {
            if !times.is_empty() {
                map.serialize_entry(name, &Sequence(times))?;
            }
        }
        if let Some(settled) = self.settled {
            map.serialize_entry("settled", &settled)?;
        }
        map.end()
    }
}

/// Times read from a sequence in any order.
struct TimesSeq(Times);

impl<'de> Deserialize<'de> for TimesSeq {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_seq(ContactsVisitor)
            .map(|contacts| TimesSeq(contacts.shown))
    }
}

struct ContactsVisitor;

/// Every key of the stored form of [`Contacts`].
const FIELDS: &[&str] = &[
    "shown",
    "dismissals",
    "dismissed",
    "ignored",
    "accepted",
    "converted",
    "settled",
];

impl<'de> Visitor<'de> for ContactsVisitor {
    type Value = Contacts;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of showings, or {\"shown\": [...], \"dismissed\": [...], ...}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Contacts, A::Error> {
        let mut contacts = Contacts::default();
        while let Some(at) = seq.next_element()? {
            add(&mut contacts.shown, at);
        }
        Ok(contacts)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Contacts, A::Error> {
        let mut contacts = Contacts::default();
        while let Some(key) = map.next_key::<String>()? {
            let response = RESPONSE_FIELDS.iter().position(|name| *name == key);
            match (key.as_str(), response) {
                (_, Some(i)) => contacts.responses[i] = map.next_value::<TimesSeq>()?.0,
                ("shown", None) => contacts.shown = map.next_value::<TimesSeq>()?.0,
                ("dismissals", None) => contacts.undated_dismissals = map.next_value()?,
                ("settled", None) => contacts.settled = Some(map.next_value()?),
                (other, None) => return Err(de::Error::unknown_field(other, FIELDS)),
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

/// A showing the customer did not respond to within the action's
/// [`response_window`](crate::ActionSpec::response_window), as
/// [`ContactLog::settle`] reports it: a [`Response::Ignored`] to feed to
/// whatever learns from responses.
///
/// ```
/// use buyer_journey::{ActionSpec, ContactLog, Engine, RulesetSpec, SignalSpec, Span, StageSpec, Timestamp};
///
/// let mut spec = RulesetSpec::new(vec![SignalSpec::count("visits")], vec![StageSpec::new("browse", "Browse", "")]);
/// spec.actions.push(ActionSpec::new("mail", "mail", &["browse"], 1.0).response_window(Span::days(2)));
/// let engine = Engine::builder(spec).build()?;
///
/// let mut log = ContactLog::new();
/// let shown = Timestamp::from_unix_seconds(1_000_000);
/// log.record_shown("mail", shown);
/// let ignored = log.settle(&engine, shown + Span::days(2));
/// assert_eq!(ignored.len(), 1);
/// assert_eq!((ignored[0].action.as_str(), ignored[0].shown_at, ignored[0].ignored_at),
///     ("mail", shown, shown + Span::days(2)));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IgnoredShowing {
    /// The id of the action, as the log holds it.
    pub action: String,
    /// When it was shown.
    pub shown_at: Timestamp,
    /// When its response window ended: `shown_at + response_window`.
    pub ignored_at: Timestamp,
}

impl ContactLog {
    /// How many showings and how many responses of each kind
    /// [`Customer`](crate::Customer) keeps per action at most, besides
    /// what the action's cap or a contact limit counts (at most their
    /// `times` showings). It keeps fewer when the policies look back less:
    /// only what some policy, contact limit or response window can still
    /// see. A policy that needs more than this many dismissals or
    /// rejections within its window sees at most this many.
    ///
    /// ```
    /// use buyer_journey::ContactLog;
    ///
    /// assert_eq!(ContactLog::KEPT, 64);
    /// ```
    pub const KEPT: u32 = 64;

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
        add(&mut self.entry(action).shown, at);
    }

    /// Records that the customer responded to action `action` (its id) at
    /// `at`, in `O(log n)` time in the number of its responses of that
    /// kind. Record [`Response::Ignored`] only for actions without a
    /// [`response_window`](crate::ActionSpec::response_window): for those
    /// the log finds the ignored showings itself (see
    /// [`settle`](ContactLog::settle)), and one recorded as well would
    /// count twice.
    ///
    /// ```
    /// use buyer_journey::{ContactLog, Response, Timestamp};
    ///
    /// let mut log = ContactLog::new();
    /// log.record_shown("evaluation.demo", Timestamp::from_unix_seconds(100));
    /// log.record_response("evaluation.demo", Response::Accepted, Timestamp::from_unix_seconds(160));
    /// assert_eq!(serde_json::to_string(&log).unwrap(),
    ///     r#"{"evaluation.demo":{"shown":[100],"accepted":[160]}}"#);
    /// assert!(log.responses("evaluation.demo", Response::Accepted).eq([Timestamp::from_unix_seconds(160)]));
    /// ```
    pub fn record_response(&mut self, action: &str, response: Response, at: Timestamp) {
        add(&mut self.entry(action).responses[slot(response)], at);
    }

    /// Records that the customer dismissed action `action` (its id) at
    /// `at`: the same as [`record_response`](ContactLog::record_response)
    /// with [`Response::Dismissed`].
    ///
    /// ```
    /// use buyer_journey::{ContactLog, Timestamp};
    ///
    /// let mut log = ContactLog::new();
    /// log.record_dismissed("evaluation.demo", Timestamp::from_unix_seconds(100));
    /// assert_eq!(serde_json::to_string(&log).unwrap(), r#"{"evaluation.demo":{"dismissed":[100]}}"#);
    /// ```
    pub fn record_dismissed(&mut self, action: &str, at: Timestamp) {
        self.record_response(action, Response::Dismissed, at);
    }

    /// Records that `action` was shown at `at`, and forgets what nothing
    /// can see at `at` or later (see [`ContactLog::KEPT`]).
    pub(crate) fn record_shown_bounded(&mut self, action: &Action, at: Timestamp) {
        self.forget_stale(action, at);
        let contacts = self.entry(action.id());
        add(&mut contacts.shown, at);
        contacts.bound(action, at);
        self.drop_if_empty(action.id());
    }

    fn drop_if_empty(&mut self, action: &str) {
        if self.actions.get(action).is_some_and(Contacts::is_empty) {
            self.actions.shift_remove(action);
        }
    }

    /// Records the customer's `response` to `action` at `at`, and forgets
    /// what nothing can see at `at` or later (see [`ContactLog::KEPT`]).
    pub(crate) fn record_response_bounded(
        &mut self,
        action: &Action,
        response: Response,
        at: Timestamp,
    ) {
        self.forget_stale(action, at);
        let contacts = self.entry(action.id());
        add(&mut contacts.responses[slot(response)], at);
        contacts.bound(action, at);
        self.drop_if_empty(action.id());
    }

    /// Forgets the actions nothing can see at `at` or later, and moves
    /// what is stored under an old id of `action` to its current id, so the
    /// log sheds the old ids as actions are shown.
    fn forget_stale(&mut self, action: &Action, at: Timestamp) {
        let stale = at.before(action.catalog_horizon);
        self.actions.retain(|_, contacts| {
            let seen = match contacts.expires {
                Some(expires) => expires > at,
                // Restored: dismissals may never expire.
                None => {
                    !contacts.responses[slot(Response::Dismissed)].is_empty()
                        || contacts.latest().is_some_and(|last| last > stale)
                }
            };
            contacts.undated_dismissals > 0 || seen
        });
        for alias in action.aliases() {
            if let Some(old) = self.actions.shift_remove(alias) {
                self.entry(action.id()).merge(old);
            }
        }
    }

    /// Forgets the showings before `before`, to keep the log small: keep
    /// at least as far back as the longest cooldown, cap window, contact
    /// limit window and response window. Keeps every response.
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

    /// When the customer gave `response` to action `action` (its id),
    /// oldest first, as recorded: without the showings the log finds
    /// ignored, and without dismissals stored without a time.
    ///
    /// ```
    /// use buyer_journey::{ContactLog, Response, Timestamp};
    ///
    /// let at = Timestamp::from_unix_seconds;
    /// let mut log = ContactLog::new();
    /// log.record_dismissed("a", at(30));
    /// log.record_dismissed("a", at(10));
    /// assert_eq!(log.responses("a", Response::Dismissed).collect::<Vec<_>>(), [at(10), at(30)]);
    /// assert_eq!(log.responses("a", Response::Converted).count(), 0);
    /// ```
    pub fn responses(
        &self,
        action: &str,
        response: Response,
    ) -> impl DoubleEndedIterator<Item = Timestamp> + '_ {
        self.actions
            .get(action)
            .into_iter()
            .flat_map(move |contacts| repeated(&contacts.responses[slot(response)]))
    }

    /// The showings that became ignored since the last call, up to `now`:
    /// for each action of `engine`'s catalog with a
    /// [`response_window`](crate::ActionSpec::response_window), each
    /// showing at `t` with no response at `t` or later and before `t +
    /// window`, whose window ended at `t + window <= now` after the last
    /// `now` this log was settled at. Each is reported once (the log
    /// remembers up to when it settled, per action), oldest first per
    /// action, in the order the log holds the actions.
    ///
    /// The engine's decisions do not need this: they count ignored
    /// showings whether or not the log was settled. It is for the host to
    /// feed [`Response::Ignored`] to what learns from responses. Record
    /// responses before settling past their window: one recorded later
    /// does not take back what was reported. Settle at least once per
    /// response window: [`Customer`](crate::Customer) forgets a showing
    /// once nothing can see it, at the earliest when its window ends.
    ///
    /// Allocates the list; takes `O(a log n)` time for `a` actions, plus
    /// `O(log n)` per showing looked at.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Span, Timestamp};
    ///
    /// let mut spec = models::buying_process();
    /// spec.actions[0] = spec.actions[0].clone().response_window(Span::days(3));
    /// let id = spec.actions[0].id.clone();
    /// let engine = Engine::builder(spec).build()?;
    /// let shown = Timestamp::from_unix_seconds(1_700_000_000);
    /// let mut log = ContactLog::new();
    /// log.record_shown(&id, shown);
    ///
    /// // Ignored from exactly the end of its window, and reported once.
    /// assert!(log.settle(&engine, (shown + Span::days(3)).before(Span::seconds(1))).is_empty());
    /// let ignored = log.settle(&engine, shown + Span::days(3));
    /// assert_eq!((ignored[0].action.as_str(), ignored[0].shown_at), (id.as_str(), shown));
    /// assert!(log.settle(&engine, shown + Span::days(4)).is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn settle(&mut self, engine: &Engine, now: Timestamp) -> Vec<IgnoredShowing> {
        let mut ignored = Vec::new();
        for (id, contacts) in &mut self.actions {
            let Some(window) = engine.find_action(id).and_then(Action::response_window) else {
                continue;
            };
            let after = contacts
                .settled
                .unwrap_or(Timestamp::from_unix_seconds(i64::MIN));
            if after >= now {
                continue;
            }
            for (at, count) in contacts.ignored(window, after, now) {
                for _ in 0..count {
                    ignored.push(IgnoredShowing {
                        action: id.clone(),
                        shown_at: at,
                        ignored_at: at + window,
                    });
                }
            }
            contacts.settled = Some(now);
        }
        ignored
    }

    /// The action ids the log holds something for, in the order first
    /// recorded.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &str> {
        self.actions.keys().map(String::as_str)
    }

    /// The same log with each id replaced by `current(id)` where that is
    /// some, merging what two ids of one action hold; an id without a
    /// current one is kept as it is.
    pub(crate) fn renamed<'a>(&self, current: impl Fn(&str) -> Option<&'a str>) -> ContactLog {
        let mut renamed = ContactLog::new();
        for (id, contacts) in &self.actions {
            let id = current(id).unwrap_or(id);
            renamed.entry(id).merge(contacts.clone());
        }
        renamed
    }

    /// What the log holds for `action`: under its id, then under each of
    /// its aliases.
    fn contacts<'a>(&'a self, action: &'a Action) -> impl Iterator<Item = &'a Contacts> {
        iter::once(action.id())
            .chain(action.aliases())
            .filter_map(|id| self.actions.get(id))
    }

    fn entry(&mut self, action: &str) -> &mut Contacts {
        if !self.actions.contains_key(action) {
            self.actions.insert(action.to_owned(), Contacts::default());
        }
        &mut self.actions[action]
    }
}

impl Contacts {
    /// Forgets what `action`'s policies, the contact limits over it and its
    /// response window cannot see at `at` or later, and all but the latest
    /// records beyond what they count.
    fn bound(&mut self, action: &Action, at: Timestamp) {
        let keep = action.retention();
        // Queries ask about times strictly after `now - span`, and `now`
        // only grows: older records are never seen again.
        let oldest = |span: Span| at.before(span) + Span::seconds(1);
        match keep.showings_for {
            Some(span) => {
                self.shown = self.shown.split_off(&oldest(span));
                keep_latest(&mut self.shown, keep.showings);
            }
            None => self.shown.clear(),
        }
        for times in &mut self.responses {
            match keep.responses_for {
                Some(span) => *times = times.split_off(&oldest(span)),
                None => times.clear(),
            }
            keep_latest(times, ContactLog::KEPT);
        }
        let last = |times: &Times| times.last_key_value().map(|(&at, _)| at);
        let shown = last(&self.shown).zip(keep.showings_for);
        let responded = self
            .responses
            .iter()
            .filter_map(last)
            .max()
            .zip(keep.responses_for);
        // Nothing kept: nothing to see after `at`.
        self.expires = shown
            .map(|(at, span)| at + span)
            .max(responded.map(|(at, span)| at + span))
            .or(Some(at));
    }

    /// Whether the entry holds nothing a policy or `settle` could read.
    fn is_empty(&self) -> bool {
        self.shown.is_empty() && !self.has_responses() && self.settled.is_none()
    }
}

/// Each answer counts what the log holds under the action's id and under
/// each of its [aliases](Action::aliases), so a log stored before a rename
/// keeps applying to the renamed action.
impl ContactHistory for ContactLog {
    fn last_shown(&self, action: &Action) -> Option<Timestamp> {
        self.contacts(action)
            .filter_map(|contacts| contacts.shown.last_key_value().map(|(&at, _)| at))
            .max()
    }

    fn times_shown_after(&self, action: &Action, after: Timestamp) -> u32 {
        self.contacts(action).fold(0_u32, |total, contacts| {
            total.saturating_add(count_after(&contacts.shown, after))
        })
    }

    fn dismissals(&self, action: &Action) -> u32 {
        self.contacts(action).fold(0_u32, |total, contacts| {
            let dated = contacts.responses[slot(Response::Dismissed)]
                .values()
                .fold(0_u32, |n, &count| n.saturating_add(count));
            total
                .saturating_add(contacts.undated_dismissals)
                .saturating_add(dated)
        })
    }

    fn dismissals_after(&self, action: &Action, after: Timestamp) -> u32 {
        self.contacts(action).fold(0_u32, |total, contacts| {
            total
                .saturating_add(contacts.undated_dismissals)
                .saturating_add(count_after(
                    &contacts.responses[slot(Response::Dismissed)],
                    after,
                ))
        })
    }

    fn rejections_between(&self, action: &Action, after: Timestamp, upto: Timestamp) -> u32 {
        let window = action.response_window();
        self.contacts(action).fold(0_u32, |total, contacts| {
            total.saturating_add(contacts.rejections_between(window, after, upto))
        })
    }

    fn last_rejection(&self, action: &Action, upto: Timestamp) -> Option<Timestamp> {
        let window = action.response_window();
        self.contacts(action)
            .filter_map(|contacts| contacts.last_rejection(window, upto))
            .max()
    }
}

//! The first step for hosts that send events: each customer's [`Profile`],
//! the state the ruleset's derived signals keep, and the [`Deriver`] that
//! folds an event into it and reads the signals out.

mod deriver;
mod serde_form;
mod track;

use std::sync::Arc;

use crate::time::Timestamp;

pub(crate) use deriver::Deriver;
pub(crate) use track::Track;

/// At most this many events wait, out of order, for later ones; an event
/// past it is folded at once, so memory stays bounded whatever arrives.
pub(crate) const MAX_PENDING: usize = 16;

/// What a customer's derived signals keep of their events: the host stores
/// one per customer (inside a [`Customer`](crate::Customer)) and
/// [`Engine::observe`](crate::Engine::observe) folds each event into it.
///
/// # Bounded whatever the number of events
///
/// A profile keeps one small state per derived signal, not the events:
/// totals, balances, the time of the last event, the last number carried,
/// a decaying score with its time, and for a tally over a window the
/// window's ten buckets. Folding an event costs the same however many came
/// before. Serialized with `serde_json`, a customer of the built-in model
/// with a hundred events over 90 days takes a few hundred bytes (see the
/// README for the measured figure).
///
/// # Windows and their precision
///
/// A window of `W` is kept in ten buckets of `W / 10`, aligned to the Unix
/// epoch (a 30-day window: buckets of 3 days starting at midnight UTC every
/// third day since 1970). An event counts from the moment it happens until
/// the end of its bucket's window: for at least `W` and less than
/// `W + W / 10`. So a "30d" tally counts a cart added 31 days ago only if
/// its bucket still reaches into the last 30 days, and never one added 33
/// days ago or more.
///
/// # Events out of order
///
/// Events may arrive late by up to the ruleset's
/// [`event_tolerance`](crate::RulesetSpec::event_tolerance) (default 15
/// minutes): the last events wait in time order until they are more than
/// the tolerance older than the customer's newest event or the `now` of a
/// call, whichever is later, and signals read them as if they had arrived
/// in order. So the same events give the same signals whatever order they
/// arrive in within the tolerance; events at the same second are taken in
/// the order the ruleset declares their types. At most 16 events wait;
/// beyond that the oldest is folded early. An event older than the ones
/// already folded is refused with
/// [`ErrorKind::TooLate`](crate::ErrorKind::TooLate), and the profile is
/// left as it was: nothing is lost without the host knowing. (A host that
/// loads a customer's history with `now` set to the present time gets each
/// event folded at once, so the history must then come in time order;
/// with `now` set to each event's time the tolerance applies as in a live
/// stream.)
///
/// # Time
///
/// Derived signals are read at the `now` of the call, or at the newest
/// event's time if that is later: a profile does not go back in time.
///
/// # Stored profiles
///
/// A profile records a fingerprint of the derivations it was built with
/// (the event types, the derived signals and the tolerance). It restores
/// into any engine whose derivations are the same, whatever else its
/// ruleset changes (rules, actions, transitions, host-supplied signals);
/// with other derivations, observing it is an error that says so, and the
/// profile must be rebuilt by observing the customer's events again.
///
/// ```
/// use buyer_journey::{models, Customer, Engine, Event, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut customer = Customer::new();
/// let at = Timestamp::from_unix_seconds(1_700_000_000);
/// engine.observe(&mut customer, Event::new("review_read", at), at, &mut scratch)?;
///
/// let stored = serde_json::to_string(&customer.profile).unwrap();
/// assert!(stored.len() < 200, "{stored}");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Profile {
    /// The fingerprint of the derivations the tracks follow; 0 for a new
    /// profile, which fits any.
    derivations: u64,
    /// The time of the newest event seen.
    newest: Option<Timestamp>,
    /// The time of the newest event folded into `tracks`: nothing older can
    /// be folded any more.
    folded: Option<Timestamp>,
    /// The ids of the derived signals: the engine's, shared, once bound;
    /// the stored keys, in their order, when restored.
    ids: Arc<[Arc<str>]>,
    /// The tracks that events have touched, by position in `ids`, in
    /// ascending order; a track not here is empty. Sparse, because most
    /// customers touch a few of the derived signals, and a profile is read
    /// whole at every event.
    tracks: Vec<(u32, Track)>,
    /// Events not folded yet, in time order.
    pending: Vec<Pending>,
    /// Whether `tracks` and `pending` are in the order of the deriver whose
    /// fingerprint is `derivations`: true once an engine has used the
    /// profile, false for a restored one.
    bound: bool,
}

/// An event waiting to be folded.
#[derive(Debug, Clone)]
struct Pending {
    id: Arc<str>,
    /// The event type's index, once bound.
    event: u32,
    at: Timestamp,
    /// NaN for none.
    value: f64,
}

impl Pending {
    /// Events are folded by time, then by the order of their types, then by
    /// value: the same events always fold the same way.
    fn key(&self) -> (Timestamp, u32, u64) {
        (self.at, self.event, self.value.to_bits())
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.at == other.at && self.value.to_bits() == other.value.to_bits()
    }
}

impl PartialEq for Profile {
    /// Equal profiles give equal signals; whether one has been used by an
    /// engine since it was restored does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.derivations == other.derivations
            && self.newest == other.newest
            && self.folded == other.folded
            && self.pending == other.pending
            && self.stored().eq(other.stored())
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            derivations: 0,
            newest: None,
            folded: None,
            ids: Arc::new([]),
            tracks: Vec::new(),
            pending: Vec::new(),
            bound: false,
        }
    }
}

impl Profile {
    /// A customer with no events yet.
    ///
    /// ```
    /// use buyer_journey::Profile;
    ///
    /// let profile = Profile::new();
    /// assert_eq!(profile.newest(), None);
    /// assert_eq!(serde_json::to_string(&profile).unwrap(), "{}");
    /// ```
    pub fn new() -> Self {
        Profile::default()
    }

    /// The time of the newest event observed, if any.
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, Event, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = Customer::new();
    /// let monday = Timestamp::from_unix_seconds(1_700_000_000);
    /// engine.observe(&mut customer, Event::new("cart_add", monday), monday, &mut scratch)?;
    /// // A late event within the tolerance: the newest stays Monday.
    /// let earlier = Event::new("comparison", monday.before(Span::minutes(5)));
    /// engine.observe(&mut customer, earlier, monday, &mut scratch)?;
    /// assert_eq!(customer.profile.newest(), Some(monday));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn newest(&self) -> Option<Timestamp> {
        self.newest
    }

    /// Whether no event has been observed.
    fn is_new(&self) -> bool {
        self.newest.is_none() && self.tracks.is_empty() && self.pending.is_empty()
    }

    /// The tracks that hold something, with their signal's id, as they are
    /// stored.
    fn stored(&self) -> impl Iterator<Item = (&str, &Track)> + '_ {
        self.tracks
            .iter()
            .filter(|(_, track)| !track.is_empty())
            .map(|(i, track)| (self.ids.get(*i as usize).map_or("", |id| &**id), track))
    }
}

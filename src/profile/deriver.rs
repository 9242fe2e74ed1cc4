//! The derivations compiled: for each event type, what it does to which
//! track; for each track, how it reads as a signal.

use std::fmt::Write as _;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::error::{Error, ErrorKind, Location};
use crate::event::{Event, ValueRange};
use crate::index::SignalIndex;
use crate::names::{suggest, BuildIdHasher};
use crate::time::{Span, Timestamp};
use crate::validate::{DerivedRule, EventRules};

use super::track::{Amount, Op, Plan, Track, BUCKETS};
use super::{Pending, Profile, MAX_PENDING};

/// The event types and derived signals of an engine, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Deriver {
    /// Event type ids, by index, with the numbers their events carry.
    events: IndexMap<Arc<str>, Option<ValueRange>, BuildIdHasher>,
    /// What each event type does: `effects[starts[e]..starts[e + 1]]`,
    /// resets first.
    effects: Vec<(u32, Op)>,
    starts: Vec<usize>,
    /// Per derived signal: its id, where it goes in the schema, and how it
    /// reads.
    ids: Arc<[Arc<str>]>,
    signals: Vec<SignalIndex>,
    plans: Vec<Plan>,
    tolerance: Span,
    /// Identifies the above, so a stored profile is only read by the
    /// derivations that built it.
    fingerprint: u64,
}

impl Deriver {
    pub(crate) fn new(rules: &EventRules) -> Self {
        let mut per_event: Vec<Vec<(u32, Op)>> = vec![Vec::new(); rules.events.len()];
        let mut plans = Vec::with_capacity(rules.derived.len());
        for (track, derived) in rules.derived.iter().enumerate() {
            // Bounded by `Limits::max_signals`.
            #[allow(clippy::cast_possible_truncation)]
            let track = track as u32;
            let mut on = |events: &[usize], op: Op| {
                for &event in events {
                    per_event[event].push((track, op));
                }
            };
            let plan = match &derived.rule {
                DerivedRule::Tally {
                    sum,
                    events,
                    window,
                    since,
                } => {
                    if let Some(since) = since {
                        on(&[*since], Op::Reset);
                    }
                    on(
                        events,
                        Op::Add(if *sum { Amount::Value } else { Amount::One }),
                    );
                    match window {
                        // Validation keeps windows at a multiple of 10 s, so
                        // the width is at least one second.
                        Some(window) => Plan::Window {
                            width: i64::try_from(window.as_seconds() / BUCKETS.unsigned_abs())
                                .unwrap_or(i64::MAX),
                        },
                        None => Plan::Total,
                    }
                }
                DerivedRule::DaysSince { events } => {
                    on(events, Op::Stamp);
                    Plan::Time
                }
                DerivedRule::Balance {
                    add,
                    subtract,
                    floor,
                } => {
                    on(add, Op::Add(Amount::One));
                    on(subtract, Op::Add(Amount::MinusOne));
                    Plan::Balance { floor: *floor }
                }
                DerivedRule::Latest { events } => {
                    on(events, Op::Latest);
                    Plan::Latest
                }
                DerivedRule::Decayed { events, half_life } => {
                    for &event in events {
                        let amount = if rules.events[event].value.is_some() {
                            Amount::Value
                        } else {
                            Amount::One
                        };
                        on(&[event], Op::Add(amount));
                    }
                    #[allow(clippy::cast_precision_loss)] // exact below 2^53 seconds
                    let half_life = half_life.as_seconds() as f64;
                    Plan::Decayed { half_life }
                }
            };
            plans.push(plan);
        }
        let mut effects = Vec::new();
        let mut starts = Vec::with_capacity(per_event.len() + 1);
        for mut ops in per_event {
            starts.push(effects.len());
            // A `since` event that is also tallied starts the new tally
            // with itself.
            ops.sort_by_key(|&(_, op)| op != Op::Reset);
            effects.extend(ops);
        }
        starts.push(effects.len());
        Deriver {
            events: rules
                .events
                .iter()
                .map(|event| (Arc::clone(&event.id), event.value))
                .collect(),
            effects,
            starts,
            ids: rules.derived.iter().map(|d| Arc::clone(&d.id)).collect(),
            signals: rules.derived.iter().map(|d| d.signal).collect(),
            plans,
            tolerance: rules.tolerance,
            fingerprint: fingerprint(rules),
        }
    }

    /// How many signals are derived.
    pub(crate) fn len(&self) -> usize {
        self.plans.len()
    }

    /// Whether the signal at `signal` is derived from events.
    pub(crate) fn derives(&self, signal: SignalIndex) -> bool {
        self.signals.contains(&signal)
    }

    /// Checks `event` against its declaration: the index of its type.
    pub(crate) fn check(&self, event: &Event<'_>) -> Result<u32, Error> {
        let Some((index, _, range)) = self.events.get_full(event.id()) else {
            let known = self.events.keys().map(|id| &**id);
            return Err(
                Error::unknown("event", event.id(), suggest(event.id(), known)).at("event"),
            );
        };
        let message = match (range, event.value()) {
            (None, Some(_)) => Some(format!("event '{}' carries no value", event.id())),
            (Some(_), None) => Some(format!("event '{}' needs a value", event.id())),
            (Some(range), Some(value)) if !range.contains(value) => {
                Some(match (range.min, range.max) {
                    _ if !value.is_finite() => {
                        format!(
                            "event '{}' got {value}, but values must be finite numbers",
                            event.id()
                        )
                    }
                    (Some(min), Some(max)) => {
                        format!("event '{}' got {value}, outside {min} to {max}", event.id())
                    }
                    (Some(min), None) => format!("event '{}' got {value}, below {min}", event.id()),
                    (None, _) => format!("event '{}' got {value}, above its maximum", event.id()),
                })
            }
            _ => None,
        };
        if let Some(message) = message {
            return Err(Error::invalid(Location::new("event.value"), message));
        }
        // Bounded by `Limits::max_events`.
        #[allow(clippy::cast_possible_truncation)]
        Ok(index as u32)
    }

    /// Makes `profile` follow this deriver's layout: a new profile gets
    /// empty tracks, a restored one is put in order. Leaves the profile as
    /// it was on error.
    pub(crate) fn bind(&self, profile: &mut Profile) -> Result<(), Error> {
        if profile.bound && profile.derivations == self.fingerprint {
            return Ok(());
        }
        if profile.is_new() {
            profile.ids = Arc::clone(&self.ids);
            profile.derivations = self.fingerprint;
            profile.bound = true;
            return Ok(());
        }
        if profile.derivations != self.fingerprint {
            return Err(Error::invalid(
                Location::new("profile"),
                format!(
                    "the profile was built by other event derivations (fingerprint {:016x}, this \
                     engine's is {:016x}): rebuild it by observing the customer's events again",
                    profile.derivations, self.fingerprint
                ),
            ));
        }
        let mut tracks = Vec::with_capacity(profile.tracks.len());
        for &(stored, track) in &profile.tracks {
            let id = profile.ids.get(stored as usize).map_or("", |id| &**id);
            let Some(index) = self.ids.iter().position(|own| **own == *id) else {
                return Err(Error::unknown("derived signal", id, None).at("profile.tracks"));
            };
            if !self.plans.get(index).is_some_and(|plan| plan.fits(&track)) {
                return Err(Error::invalid(
                    Location::new(format!("profile.tracks.{id}")),
                    "the stored state does not fit the signal's derivation".to_owned(),
                ));
            }
            // Bounded by `Limits::max_signals`.
            #[allow(clippy::cast_possible_truncation)]
            tracks.push((index as u32, track));
        }
        tracks.sort_by_key(|&(index, _)| index);
        let mut pending = profile.pending.clone();
        for (i, event) in pending.iter_mut().enumerate() {
            let (index, id, _) = self.events.get_full(&*event.id).ok_or_else(|| {
                Error::unknown("event", &event.id, None).at(&format!("profile.pending[{i}]"))
            })?;
            // Bounded by `Limits::max_events`.
            #[allow(clippy::cast_possible_truncation)]
            let index = index as u32;
            event.event = index;
            event.id = Arc::clone(id);
        }
        pending.sort_by_key(Pending::key);
        profile.ids = Arc::clone(&self.ids);
        profile.tracks = tracks;
        profile.pending = pending;
        profile.bound = true;
        Ok(())
    }

    /// Takes `event` (of type `index`, checked) into the bound `profile`:
    /// it waits, in time order, with the other recent events until
    /// [`settle`](Deriver::settle) folds it. An event older than the folded
    /// ones is refused and the profile left as it was.
    pub(crate) fn take(
        &self,
        profile: &mut Profile,
        index: u32,
        event: &Event<'_>,
    ) -> Result<(), Error> {
        let at = event.at();
        if let Some(folded) = profile.folded.filter(|&folded| at < folded) {
            return Err(Error::new(
                ErrorKind::TooLate {
                    event: event.id().to_owned(),
                    at: at.unix_seconds(),
                    folded: folded.unix_seconds(),
                    tolerance: self.tolerance.as_seconds(),
                },
                Location::new("event.at"),
            ));
        }
        let id = self
            .events
            .get_index(index as usize)
            .map(|(id, _)| Arc::clone(id));
        let pending = Pending {
            id: id.unwrap_or_else(|| Arc::from(event.id())),
            event: index,
            at,
            value: event.value().unwrap_or(f64::NAN),
        };
        let key = pending.key();
        let position = profile
            .pending
            .partition_point(|waiting| waiting.key() <= key);
        profile.pending.insert(position, pending);
        profile.newest = Some(profile.newest.map_or(at, |newest| newest.max(at)));
        Ok(())
    }

    /// Folds, in time order, the events of the bound `profile` that have
    /// waited long enough: those more than the tolerance older than its
    /// newest event or `now`, whichever is later, and the oldest beyond
    /// [`MAX_PENDING`].
    pub(crate) fn settle(&self, profile: &mut Profile, now: Timestamp) {
        let latest = profile.newest.map_or(now, |newest| newest.max(now));
        let horizon = latest.before(self.tolerance);
        let past = profile
            .pending
            .partition_point(|waiting| waiting.at < horizon);
        let folding = past.max(profile.pending.len().saturating_sub(MAX_PENDING));
        for waiting in profile.pending.drain(..folding) {
            self.fold(
                &mut profile.tracks,
                waiting.event,
                waiting.at,
                waiting.value,
            );
            profile.folded = Some(waiting.at);
        }
    }

    /// What event type `event` does, to which tracks, resets first.
    fn effects(&self, event: u32) -> &[(u32, Op)] {
        let event = event as usize;
        self.starts
            .get(event)
            .zip(self.starts.get(event + 1))
            .and_then(|(&start, &end)| self.effects.get(start..end))
            .unwrap_or(&[])
    }

    /// Applies an event to the sparse `tracks`, adding the ones it touches
    /// for the first time.
    fn fold(&self, tracks: &mut Vec<(u32, Track)>, event: u32, at: Timestamp, value: f64) {
        for &(track, op) in self.effects(event) {
            let Some(plan) = self.plans.get(track as usize) else {
                continue;
            };
            let i = match tracks.binary_search_by_key(&track, |&(index, _)| index) {
                Ok(i) => i,
                Err(i) => {
                    tracks.insert(i, (track, Track::Empty));
                    i
                }
            };
            if let Some((_, slot)) = tracks.get_mut(i) {
                plan.apply(slot, op, at, value);
            }
        }
    }

    /// Writes the derived signals of the bound `profile` at `now` into
    /// their slots of `values` (the schema's layout). The tracks the
    /// waiting events touch are copied into `overlay` and the events applied
    /// to the copies, in time order; `overlay` does not allocate once it
    /// has grown to the number of derived signals.
    pub(crate) fn read(
        &self,
        profile: &Profile,
        now: Timestamp,
        overlay: &mut Vec<(u32, Track)>,
        values: &mut [f64],
    ) {
        let now = profile.newest.map_or(now, |newest| now.max(newest));
        let mut stored = profile.tracks.iter().peekable();
        for (index, (plan, signal)) in (0_u32..).zip(self.plans.iter().zip(&self.signals)) {
            let track = stored
                .next_if(|&&(at, _)| at == index)
                .map_or(&Track::Empty, |(_, track)| track);
            if let Some(slot) = values.get_mut(signal.as_usize()) {
                *slot = plan.read(track, now);
            }
        }
        if profile.pending.is_empty() {
            return;
        }
        // Most events touch a track or two: copy those, not all.
        overlay.clear();
        for waiting in &profile.pending {
            for &(track, op) in self.effects(waiting.event) {
                let i = if let Some(i) = overlay.iter().position(|&(copied, _)| copied == track) {
                    i
                } else {
                    let base = profile
                        .tracks
                        .binary_search_by_key(&track, |&(index, _)| index)
                        .ok()
                        .and_then(|i| profile.tracks.get(i))
                        .map_or(Track::Empty, |&(_, track)| track);
                    overlay.push((track, base));
                    overlay.len() - 1
                };
                if let (Some((_, copy)), Some(plan)) =
                    (overlay.get_mut(i), self.plans.get(track as usize))
                {
                    plan.apply(copy, op, waiting.at, waiting.value);
                }
            }
        }
        for (track, copy) in overlay.iter() {
            let track = *track as usize;
            let (Some(plan), Some(signal)) = (self.plans.get(track), self.signals.get(track))
            else {
                continue;
            };
            if let Some(slot) = values.get_mut(signal.as_usize()) {
                *slot = plan.read(copy, now);
            }
        }
    }
}

/// A fingerprint (64-bit FNV-1a) of what a profile's state depends on: the
/// event types in order (at the same second, events fold in that order)
/// with their values, the tolerance, and each derived signal's derivation,
/// by id. Never 0, which marks a new profile.
fn fingerprint(rules: &EventRules) -> u64 {
    let name = |event: usize| rules.events.get(event).map_or("", |event| &*event.id);
    let names = |events: &[usize]| events.iter().map(|&event| name(event)).collect::<Vec<_>>();
    let mut text = String::new();
    for event in &rules.events {
        let _ = write!(text, "event {} {:?};", event.id, event.value);
    }
    let _ = write!(text, "tolerance {};", rules.tolerance.as_seconds());
    let mut derived: Vec<_> = rules.derived.iter().collect();
    derived.sort_by(|a, b| a.id.cmp(&b.id));
    for derived in derived {
        let _ = write!(text, "signal {} ", derived.id);
        let _ = match &derived.rule {
            DerivedRule::Tally {
                sum,
                events,
                window,
                since,
            } => write!(
                text,
                "tally sum {sum} of {:?} within {:?} since {:?};",
                names(events),
                window.map(Span::as_seconds),
                since.map(name)
            ),
            DerivedRule::DaysSince { events } => write!(text, "days since {:?};", names(events)),
            DerivedRule::Balance {
                add,
                subtract,
                floor,
            } => write!(
                text,
                "balance {:?} minus {:?} floor {floor};",
                names(add),
                names(subtract)
            ),
            DerivedRule::Latest { events } => write!(text, "latest {:?};", names(events)),
            DerivedRule::Decayed { events, half_life } => write!(
                text,
                "decayed {:?} half-life {};",
                names(events),
                half_life.as_seconds()
            ),
        };
    }
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    hash.max(1)
}

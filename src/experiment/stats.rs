//! What each arm of an experiment did: decisions, showings and responses,
//! counted from many threads at once without a lock, and as plain counts
//! that serialize and add up across machines.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::action::Response;

use super::split::Arm;

/// The counts of one arm: decisions made, actions shown, and each response.
///
/// The host records at most one response per showing, the strongest: a
/// customer who clicked and then bought counts once, as
/// [`converted`](ArmCounts::converted).
///
/// ```
/// use buyer_journey::{ArmCounts, Response};
///
/// let mut counts = ArmCounts::default();
/// counts.shown = 10;
/// counts.accepted = 2;
/// counts.converted = 1;
/// assert_eq!(counts.positive(), 3);
/// assert_eq!(counts.responses(Response::Converted), 1);
/// let json = serde_json::to_string(&counts).unwrap();
/// assert_eq!(serde_json::from_str::<ArmCounts>(&json).unwrap(), counts);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmCounts {
    /// Decisions the arm made.
    #[serde(default)]
    pub decisions: u64,
    /// Actions of the arm the host showed.
    #[serde(default)]
    pub shown: u64,
    /// Showings the customer turned down.
    #[serde(default)]
    pub dismissed: u64,
    /// Showings with no response within the action's window.
    #[serde(default)]
    pub ignored: u64,
    /// Showings the customer took up.
    #[serde(default)]
    pub accepted: u64,
    /// Showings after which the customer converted.
    #[serde(default)]
    pub converted: u64,
}

impl ArmCounts {
    /// How many showings got `response`.
    ///
    /// ```
    /// use buyer_journey::{ArmCounts, Response};
    ///
    /// let counts = ArmCounts { ignored: 4, ..ArmCounts::default() };
    /// assert_eq!(counts.responses(Response::Ignored), 4);
    /// ```
    #[must_use]
    pub fn responses(&self, response: Response) -> u64 {
        match response {
            Response::Dismissed => self.dismissed,
            Response::Ignored => self.ignored,
            Response::Accepted => self.accepted,
            Response::Converted => self.converted,
        }
    }

    /// The positive responses: accepted and converted (see
    /// [`Response::is_positive`]).
    ///
    /// ```
    /// use buyer_journey::ArmCounts;
    ///
    /// let counts = ArmCounts { accepted: 3, converted: 2, dismissed: 9, ..ArmCounts::default() };
    /// assert_eq!(counts.positive(), 5);
    /// ```
    #[must_use]
    pub fn positive(&self) -> u64 {
        self.accepted.saturating_add(self.converted)
    }

    /// Adds `other`'s counts to these, as if both had been recorded here.
    /// Counts stop at `u64::MAX` instead of wrapping.
    ///
    /// ```
    /// use buyer_journey::ArmCounts;
    ///
    /// let mut here = ArmCounts { shown: 10, accepted: 1, ..ArmCounts::default() };
    /// here.merge(&ArmCounts { shown: 5, accepted: 2, ..ArmCounts::default() });
    /// assert_eq!((here.shown, here.accepted), (15, 3));
    /// ```
    pub fn merge(&mut self, other: &ArmCounts) {
        for (count, more) in self.fields_mut().into_iter().zip(other.fields()) {
            *count = count.saturating_add(more);
        }
    }

    /// Every count, in the order of the fields.
    fn fields(&self) -> [u64; 6] {
        [
            self.decisions,
            self.shown,
            self.dismissed,
            self.ignored,
            self.accepted,
            self.converted,
        ]
    }

    fn fields_mut(&mut self) -> [&mut u64; 6] {
        [
            &mut self.decisions,
            &mut self.shown,
            &mut self.dismissed,
            &mut self.ignored,
            &mut self.accepted,
            &mut self.converted,
        ]
    }
}

/// The counts of both arms of an experiment: what
/// [`ExperimentStats::counts`] reads, what a machine sends another to
/// [merge](ExperimentCounts::merge), and what a report is made from.
///
/// ```
/// use buyer_journey::{Arm, ExperimentCounts};
///
/// let mut ours = ExperimentCounts::default();
/// ours.arm_mut(Arm::Challenger).shown = 100;
/// let mut theirs = ExperimentCounts::default();
/// theirs.arm_mut(Arm::Challenger).shown = 50;
/// ours.merge(&theirs);
/// assert_eq!(ours.arm(Arm::Challenger).shown, 150);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentCounts {
    /// The champion's counts.
    #[serde(default)]
    pub champion: ArmCounts,
    /// The challenger's counts.
    #[serde(default)]
    pub challenger: ArmCounts,
}

impl ExperimentCounts {
    /// The counts of `arm`.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentCounts};
    ///
    /// assert_eq!(ExperimentCounts::default().arm(Arm::Champion).shown, 0);
    /// ```
    #[must_use]
    pub fn arm(&self, arm: Arm) -> &ArmCounts {
        match arm {
            Arm::Champion => &self.champion,
            Arm::Challenger => &self.challenger,
        }
    }

    /// The counts of `arm`, to change.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentCounts};
    ///
    /// let mut counts = ExperimentCounts::default();
    /// counts.arm_mut(Arm::Champion).decisions += 1;
    /// assert_eq!(counts.champion.decisions, 1);
    /// ```
    pub fn arm_mut(&mut self, arm: Arm) -> &mut ArmCounts {
        match arm {
            Arm::Champion => &mut self.champion,
            Arm::Challenger => &mut self.challenger,
        }
    }

    /// Adds `other`'s counts, arm by arm: merging the counts of two
    /// machines gives the counts of recording everything on one.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentCounts};
    ///
    /// let mut counts = ExperimentCounts::default();
    /// counts.champion.shown = 3;
    /// counts.merge(&counts.clone());
    /// assert_eq!(counts.champion.shown, 6);
    /// ```
    pub fn merge(&mut self, other: &ExperimentCounts) {
        self.champion.merge(&other.champion);
        self.challenger.merge(&other.challenger);
    }
}

/// One arm's counters, each counted on its own.
#[derive(Debug, Default)]
struct ArmCounters {
    decisions: AtomicU64,
    shown: AtomicU64,
    /// Dismissed, ignored, accepted, converted.
    responses: [AtomicU64; 4],
}

impl ArmCounters {
    fn response(&self, response: Response) -> &AtomicU64 {
        let slot = match response {
            Response::Dismissed => 0,
            Response::Ignored => 1,
            Response::Accepted => 2,
            Response::Converted => 3,
        };
        &self.responses[slot]
    }

    fn counts(&self) -> ArmCounts {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ArmCounts {
            decisions: read(&self.decisions),
            shown: read(&self.shown),
            dismissed: read(self.response(Response::Dismissed)),
            ignored: read(self.response(Response::Ignored)),
            accepted: read(self.response(Response::Accepted)),
            converted: read(self.response(Response::Converted)),
        }
    }

    fn add(&self, counts: &ArmCounts) {
        let add = |counter: &AtomicU64, more: u64| {
            // Saturating, as `ArmCounts::merge`: counts from another machine
            // are input, and may be anything.
            let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |count| {
                Some(count.saturating_add(more))
            });
        };
        add(&self.decisions, counts.decisions);
        add(&self.shown, counts.shown);
        for response in Response::ALL {
            add(self.response(response), counts.responses(response));
        }
    }
}

/// The live counts of an experiment, per arm: decisions, showings and
/// responses. Every thread records into the same value through `&self`;
/// each count is an atomic counter of its own, so recording takes no lock
/// and allocates nothing.
///
/// [`counts`](ExperimentStats::counts) reads a copy. Each count in it is
/// exact, but counts recorded while it reads may be in some counts and not
/// yet in others; once the recording threads are done it is exact. It
/// serializes as its [`ExperimentCounts`], so it can be stored and read
/// back, or [added](ExperimentStats::add) to another machine's.
///
/// # Example
///
/// ```
/// use buyer_journey::{Arm, ExperimentStats, Response};
///
/// let stats = ExperimentStats::new();
/// std::thread::scope(|threads| {
///     for _ in 0..4 {
///         threads.spawn(|| {
///             for _ in 0..100 {
///                 stats.record_shown(Arm::Challenger);
///                 stats.record_response(Arm::Challenger, Response::Accepted);
///             }
///         });
///     }
/// });
/// assert_eq!(stats.counts().challenger.accepted, 400);
///
/// let json = serde_json::to_string(&stats).unwrap();
/// let back: ExperimentStats = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.counts(), stats.counts());
/// ```
#[derive(Debug, Default)]
pub struct ExperimentStats {
    champion: ArmCounters,
    challenger: ArmCounters,
}

impl ExperimentStats {
    /// Statistics with nothing recorded yet.
    ///
    /// ```
    /// use buyer_journey::{ExperimentCounts, ExperimentStats};
    ///
    /// assert_eq!(ExperimentStats::new().counts(), ExperimentCounts::default());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        ExperimentStats::default()
    }

    fn arm(&self, arm: Arm) -> &ArmCounters {
        match arm {
            Arm::Champion => &self.champion,
            Arm::Challenger => &self.challenger,
        }
    }

    /// Counts a decision of `arm`.
    /// [`Experiment::decide`](crate::Experiment::decide) does this itself.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentStats};
    ///
    /// let stats = ExperimentStats::new();
    /// stats.record_decision(Arm::Champion);
    /// assert_eq!(stats.counts().champion.decisions, 1);
    /// ```
    pub fn record_decision(&self, arm: Arm) {
        self.arm(arm).decisions.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a showing of an action `arm` suggested.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentStats};
    ///
    /// let stats = ExperimentStats::new();
    /// stats.record_shown(Arm::Challenger);
    /// assert_eq!(stats.counts().challenger.shown, 1);
    /// ```
    pub fn record_shown(&self, arm: Arm) {
        self.arm(arm).shown.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a customer's response to an action `arm` suggested; at most
    /// one per showing, the strongest.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentStats, Response};
    ///
    /// let stats = ExperimentStats::new();
    /// stats.record_response(Arm::Champion, Response::Dismissed);
    /// assert_eq!(stats.counts().champion.dismissed, 1);
    /// ```
    pub fn record_response(&self, arm: Arm, response: Response) {
        self.arm(arm)
            .response(response)
            .fetch_add(1, Ordering::Relaxed);
    }

    /// A copy of the counts so far. Allocates nothing.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentStats};
    ///
    /// let stats = ExperimentStats::new();
    /// stats.record_decision(Arm::Challenger);
    /// assert_eq!(stats.counts().challenger.decisions, 1);
    /// ```
    #[must_use]
    pub fn counts(&self) -> ExperimentCounts {
        ExperimentCounts {
            champion: self.champion.counts(),
            challenger: self.challenger.counts(),
        }
    }

    /// Adds `counts` (another machine's, or stored ones) to these, as
    /// [`ExperimentCounts::merge`] does.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentStats};
    ///
    /// let here = ExperimentStats::new();
    /// here.record_shown(Arm::Champion);
    /// let there = ExperimentStats::new();
    /// there.record_shown(Arm::Champion);
    /// here.add(&there.counts());
    /// assert_eq!(here.counts().champion.shown, 2);
    /// ```
    pub fn add(&self, counts: &ExperimentCounts) {
        self.champion.add(&counts.champion);
        self.challenger.add(&counts.challenger);
    }
}

impl From<ExperimentCounts> for ExperimentStats {
    fn from(counts: ExperimentCounts) -> Self {
        let stats = ExperimentStats::new();
        stats.add(&counts);
        stats
    }
}

impl Serialize for ExperimentStats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.counts().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ExperimentStats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ExperimentCounts::deserialize(deserializer).map(ExperimentStats::from)
    }
}

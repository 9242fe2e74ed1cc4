//! The state one derived signal keeps, and how an event changes it.

use crate::time::{Span, Timestamp};

/// A window is kept in this many buckets of equal width.
pub(crate) const BUCKETS: i64 = 10;
/// The buckets a ring keeps: a window's ten, and the one the newest event
/// fell in, which the window still reaches at the bucket's end.
const SLOTS: i64 = 11;
/// [`SLOTS`] as an array length.
const SLOT_COUNT: usize = 11;
const _: () = assert!(SLOTS == BUCKETS + 1);

const SECONDS_PER_DAY: f64 = 86_400.0;

/// What one derived signal keeps of the events folded so far. `Empty` is a
/// signal no event has touched (or one reset): zero for tallies, balances
/// and scores, missing for `days_since` and `latest`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Track {
    Empty,
    /// A total, a balance, the last number carried, or the time (Unix
    /// seconds) of the last event.
    Scalar(f64),
    Window(Ring),
    Decayed {
        score: f64,
        at: Timestamp,
    },
}

impl Track {
    /// Whether the track holds nothing: empty, or a window whose buckets
    /// all hold zero.
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            Track::Empty => true,
            Track::Window(ring) => ring.buckets().next().is_none(),
            Track::Scalar(_) | Track::Decayed { .. } => false,
        }
    }
}

/// How a derived signal reads and changes its [`Track`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plan {
    Total,
    /// A tally within a window of ten buckets of `width` seconds.
    Window {
        width: i64,
    },
    /// Days since the last event.
    Time,
    /// `floor`: never below zero.
    Balance {
        floor: bool,
    },
    Latest,
    Decayed {
        half_life: f64,
    },
}

/// What an event does to one track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Starts a tally again from zero: the `since` event.
    Reset,
    Add(Amount),
    /// Remembers the event's time.
    Stamp,
    /// Remembers the event's number.
    Latest,
}

/// How much an [`Op::Add`] adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Amount {
    One,
    MinusOne,
    /// The number the event carries.
    Value,
}

/// The buckets of one window: `slots[b % SLOTS]` holds bucket `b`, for the
/// buckets `newest - 10 ..= newest`. A bucket is `floor(t / width)`, so
/// buckets are aligned to the epoch and the same for every customer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ring {
    newest: i64,
    slots: [f64; SLOT_COUNT],
    /// The sum of every slot, oldest first: what a window read at a time
    /// in the newest bucket sums, computed when an event is added rather
    /// than at every read.
    all: f64,
    /// Where the newest bucket ends (Unix seconds), once an event has been
    /// added: a read before it takes `all` without dividing the time into
    /// buckets. `i64::MIN` when not known.
    until: i64,
}

impl PartialEq for Ring {
    /// The same amounts in the same buckets: what the ring caches to read
    /// them faster, and an empty newest bucket (an event that added zero),
    /// change no reading.
    fn eq(&self, other: &Self) -> bool {
        self.buckets().eq(other.buckets())
    }
}

impl Ring {
    fn new(bucket: i64) -> Self {
        Ring {
            newest: bucket,
            slots: [0.0; SLOT_COUNT],
            all: 0.0,
            until: i64::MIN,
        }
    }

    /// Adds `amount` to `bucket`. A bucket older than the ring keeps can no
    /// longer be in any window the ring is read at, and is dropped.
    pub(crate) fn add(&mut self, bucket: i64, amount: f64) {
        if bucket > self.newest {
            // Bounded by SLOTS iterations: a larger gap clears everything.
            match bucket.checked_sub(self.newest) {
                Some(gap) if gap < SLOTS => {
                    for b in self.newest + 1..=bucket {
                        self.slots[slot(b)] = 0.0;
                    }
                }
                _ => self.slots = [0.0; SLOT_COUNT],
            }
            self.newest = bucket;
        } else if bucket <= self.newest.saturating_sub(SLOTS) {
            return;
        }
        self.slots[slot(bucket)] += amount;
        self.all = self.sum_from(self.newest.saturating_sub(SLOTS - 1));
    }

    /// The sum over the window of buckets of `width` seconds at `now`: the
    /// buckets from ten before the one `now` is in, and any newer ones.
    fn total(&self, now: i64, width: i64) -> f64 {
        if now < self.until {
            return self.all;
        }
        let current = now.div_euclid(width);
        if current <= self.newest {
            return self.all;
        }
        self.sum_from(
            current
                .saturating_sub(BUCKETS)
                .max(self.newest.saturating_sub(SLOTS - 1)),
        )
    }

    /// The sum of the buckets from `oldest` to the newest, oldest first.
    fn sum_from(&self, oldest: i64) -> f64 {
        let Some(span) = self.newest.checked_sub(oldest).filter(|&span| span >= 0) else {
            return 0.0;
        };
        // At most SLOTS buckets, oldest first, walking the ring from the
        // oldest's slot rather than dividing for each.
        let mut at = slot(oldest);
        let mut total = 0.0;
        for _ in 0..=span {
            total += self.slots[at];
            at = if at + 1 == SLOT_COUNT { 0 } else { at + 1 };
        }
        total
    }

    /// The buckets that hold something, oldest first: `(bucket, amount)`.
    pub(crate) fn buckets(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        let oldest = self.newest.saturating_sub(SLOTS - 1);
        (0..SLOTS)
            .filter_map(move |k| oldest.checked_add(k))
            .filter(move |&bucket| bucket <= self.newest)
            .map(|bucket| (bucket, self.slots[slot(bucket)]))
            .filter(|&(_, amount)| amount != 0.0)
    }

    /// A ring from stored buckets, in any order.
    pub(crate) fn from_buckets(buckets: &[(i64, f64)]) -> Option<Self> {
        let newest = buckets.iter().map(|&(bucket, _)| bucket).max()?;
        let mut ring = Ring::new(newest);
        for &(bucket, amount) in buckets {
            ring.add(bucket, amount);
        }
        Some(ring)
    }
}

fn slot(bucket: i64) -> usize {
    // `rem_euclid` of a positive modulus is in `0..SLOTS`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let slot = bucket.rem_euclid(SLOTS) as usize;
    slot
}

impl Plan {
    /// Whether `track` has the shape this plan keeps.
    pub(crate) fn fits(self, track: &Track) -> bool {
        matches!(
            (self, track),
            (_, Track::Empty)
                | (
                    Plan::Total | Plan::Time | Plan::Balance { .. } | Plan::Latest,
                    Track::Scalar(_)
                )
                | (Plan::Window { .. }, Track::Window(_))
                | (Plan::Decayed { .. }, Track::Decayed { .. })
        )
    }

    /// Applies `op` of an event at `at` carrying `value` (NaN for none) to
    /// `track`. Events come in time order.
    pub(crate) fn apply(self, track: &mut Track, op: Op, at: Timestamp, value: f64) {
        match op {
            Op::Reset => *track = Track::Empty,
            Op::Stamp => {
                #[allow(clippy::cast_precision_loss)] // exact below 2^53 seconds
                let seconds = at.unix_seconds() as f64;
                *track = match *track {
                    Track::Scalar(last) if last > seconds => Track::Scalar(last),
                    _ => Track::Scalar(seconds),
                };
            }
            Op::Latest => *track = Track::Scalar(value),
            Op::Add(amount) => {
                let amount = match amount {
                    Amount::One => 1.0,
                    Amount::MinusOne => -1.0,
                    Amount::Value => value,
                };
                self.add(track, amount, at);
            }
        }
    }

    fn add(self, track: &mut Track, amount: f64, at: Timestamp) {
        match self {
            Plan::Window { width } => {
                let bucket = at.unix_seconds().div_euclid(width);
                if !matches!(track, Track::Window(_)) {
                    *track = Track::Window(Ring::new(bucket));
                }
                if let Track::Window(ring) = track {
                    ring.add(bucket, amount);
                    ring.until = ring.newest.saturating_add(1).saturating_mul(width);
                }
            }
            Plan::Decayed { half_life } => {
                *track = match *track {
                    Track::Decayed { score, at: since } if at >= since => Track::Decayed {
                        score: score * decay(at.since(since), half_life) + amount,
                        at,
                    },
                    // Only a stored profile can hold a score newer than the
                    // event: the event's share decays to the score's time.
                    Track::Decayed { score, at: since } => Track::Decayed {
                        score: score + amount * decay(since.since(at), half_life),
                        at: since,
                    },
                    _ => Track::Decayed { score: amount, at },
                };
            }
            Plan::Total | Plan::Balance { .. } | Plan::Time | Plan::Latest => {
                let total = match *track {
                    Track::Scalar(total) => total + amount,
                    _ => amount,
                };
                // Zero is what an empty track reads as, and stores smaller.
                *track = if total == 0.0 {
                    Track::Empty
                } else {
                    Track::Scalar(total)
                };
            }
        }
    }

    /// The signal's value at `now`; NaN for missing.
    pub(crate) fn read(self, track: &Track, now: Timestamp) -> f64 {
        match (self, track) {
            (Plan::Time | Plan::Latest, Track::Empty) => f64::NAN,
            (_, Track::Empty) => 0.0,
            (Plan::Time, &Track::Scalar(seconds)) => {
                #[allow(clippy::cast_precision_loss)] // exact below 2^53 seconds
                let now = now.unix_seconds() as f64;
                ((now - seconds) / SECONDS_PER_DAY).max(0.0)
            }
            (Plan::Balance { floor: true }, &Track::Scalar(total)) => total.max(0.0),
            (_, &Track::Scalar(value)) => value,
            (Plan::Window { width }, Track::Window(ring)) => ring.total(now.unix_seconds(), width),
            (Plan::Decayed { half_life }, &Track::Decayed { score, at }) => {
                score * decay(now.since(at), half_life)
            }
            // `fits` keeps other shapes out of a bound profile.
            _ => f64::NAN,
        }
    }
}

/// The share of a score left after `elapsed`: one half per `half_life`.
fn decay(elapsed: Span, half_life: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)] // exact below 2^53 seconds
    let elapsed = elapsed.as_seconds() as f64;
    (-elapsed / half_life).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_counts_an_event_until_its_bucket_leaves_the_window() {
        // Ten buckets of 10 seconds: an event at 5 s is in bucket 0, which
        // the window reaches until 110 s.
        let plan = Plan::Window { width: 10 };
        let mut track = Track::Empty;
        plan.apply(
            &mut track,
            Op::Add(Amount::One),
            Timestamp::from_unix_seconds(5),
            f64::NAN,
        );
        let at = Timestamp::from_unix_seconds;
        assert_eq!(plan.read(&track, at(5)), 1.0);
        assert_eq!(plan.read(&track, at(109)), 1.0);
        assert_eq!(plan.read(&track, at(110)), 0.0);
    }

    #[test]
    fn a_ring_forgets_what_a_later_event_pushes_out() {
        let plan = Plan::Window { width: 10 };
        let mut track = Track::Empty;
        let at = Timestamp::from_unix_seconds;
        plan.apply(&mut track, Op::Add(Amount::One), at(0), f64::NAN);
        plan.apply(&mut track, Op::Add(Amount::One), at(1_000), f64::NAN);
        assert_eq!(plan.read(&track, at(1_000)), 1.0);
        let Track::Window(ring) = track else { panic!() };
        assert_eq!(ring.buckets().collect::<Vec<_>>(), [(100, 1.0)]);
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let plan = Plan::Window { width: 10 };
        let mut track = Track::Empty;
        for seconds in [i64::MIN, i64::MAX, 0, i64::MIN, i64::MAX] {
            let at = Timestamp::from_unix_seconds(seconds);
            plan.apply(&mut track, Op::Add(Amount::One), at, f64::NAN);
            assert!(plan.read(&track, at) >= 1.0);
        }
    }
}

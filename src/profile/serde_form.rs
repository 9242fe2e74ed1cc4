//! The stored form of a [`Profile`]: compact, readable, and keyed by ids so
//! that it does not depend on positions inside an engine.
//!
//! ```json
//! {"derivations": "5d0c3e0f8a61b7c2", "folded": 1699990000,
//!  "tracks": {"purchases": 2, "cart_adds": [[2186, 1]], "engagement": [3.5, 1699990000]},
//!  "pending": [["review_read", 1700000000], ["satisfaction", 1700000000, 9]]}
//! ```
//!
//! A track is a number (a total, a balance, a last value, the Unix time of
//! the last event), a list of `[bucket, amount]` pairs (a window) or a
//! `[score, time]` pair (a decaying score); empty tracks are left out. The
//! newest event's time is not stored: events fold in time order, so it is
//! the last folded or the last waiting.

use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::Timestamp;

use super::track::{Ring, Track};
use super::{Pending, Profile};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    derivations: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    folded: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    tracks: IndexMap<String, StoredTrack>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending: Vec<StoredEvent>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StoredTrack {
    Scalar(Num),
    Window(Vec<(i64, Num)>),
    Decayed(Num, Timestamp),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StoredEvent {
    Valued(String, Timestamp, Num),
    Plain(String, Timestamp),
}

/// A finite number, written without a fraction when it has none: counts
/// are most of what a profile stores.
#[derive(Clone, Copy)]
struct Num(f64);

/// Integers up to here convert to `f64` and back exactly.
const EXACT: f64 = 9_007_199_254_740_992.0;

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // `-0.0` keeps its sign, so that a stored profile reads back to
        // the bit.
        if self.0.fract() == 0.0
            && self.0.abs() < EXACT
            && !(self.0 == 0.0 && self.0.is_sign_negative())
        {
            // Exact: a whole number below 2^53.
            #[allow(clippy::cast_possible_truncation)]
            return serializer.serialize_i64(self.0 as i64);
        }
        serializer.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if !value.is_finite() {
            return Err(D::Error::custom("profile values must be finite numbers"));
        }
        Ok(Num(value))
    }
}

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let tracks = self
            .stored()
            .filter_map(|(id, track)| {
                let stored = match *track {
                    Track::Empty => return None,
                    Track::Scalar(value) => StoredTrack::Scalar(Num(value)),
                    Track::Window(ring) => StoredTrack::Window(
                        ring.buckets()
                            .map(|(bucket, amount)| (bucket, Num(amount)))
                            .collect(),
                    ),
                    Track::Decayed { score, at } => StoredTrack::Decayed(Num(score), at),
                };
                Some((id.to_owned(), stored))
            })
            .collect();
        let pending = self
            .pending
            .iter()
            .map(|event| {
                let id = event.id.to_string();
                if event.value.is_nan() {
                    StoredEvent::Plain(id, event.at)
                } else {
                    StoredEvent::Valued(id, event.at, Num(event.value))
                }
            })
            .collect();
        Form {
            derivations: (self.derivations != 0).then(|| format!("{:016x}", self.derivations)),
            folded: self.folded,
            tracks,
            pending,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let form = Form::deserialize(deserializer)?;
        let derivations = match &form.derivations {
            Some(hex) => u64::from_str_radix(hex, 16).map_err(|_| {
                D::Error::custom(format!(
                    "derivations: '{hex}' is not a 16-digit hex fingerprint"
                ))
            })?,
            None => 0,
        };
        let mut ids = Vec::with_capacity(form.tracks.len());
        let mut tracks = Vec::with_capacity(form.tracks.len());
        for (i, (id, stored)) in (0_u32..).zip(form.tracks) {
            let track = match stored {
                StoredTrack::Scalar(Num(value)) => Track::Scalar(value),
                StoredTrack::Window(buckets) => {
                    let buckets: Vec<(i64, f64)> = buckets
                        .iter()
                        .map(|&(bucket, Num(amount))| (bucket, amount))
                        .collect();
                    Ring::from_buckets(&buckets).map_or(Track::Empty, Track::Window)
                }
                StoredTrack::Decayed(Num(score), at) => Track::Decayed { score, at },
            };
            ids.push(Arc::from(id));
            tracks.push((i, track));
        }
        let mut pending: Vec<Pending> = form
            .pending
            .into_iter()
            .map(|stored| {
                let (id, at, value) = match stored {
                    StoredEvent::Valued(id, at, Num(value)) => (id, at, value),
                    StoredEvent::Plain(id, at) => (id, at, f64::NAN),
                };
                Pending {
                    id: Arc::from(id),
                    event: 0,
                    at,
                    value,
                }
            })
            .collect();
        pending.sort_by_key(|event| event.at);
        // Events fold in time order, so the newest is the last folded or
        // the last waiting.
        let newest = form.folded.max(pending.last().map(|event| event.at));
        Ok(Profile {
            derivations,
            newest,
            folded: form.folded,
            ids: ids.into(),
            tracks,
            pending,
            bound: false,
        })
    }
}

//! Event types and the signals derived from them.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::error::{Error, Location};
use crate::event::{Derivation, EventSpec, ValueRange};
use crate::index::SignalIndex;
use crate::limits::{Bound, Limits};
use crate::names::{check_snake_case, suggest};
use crate::signal::{SignalKind, SignalSpec};
use crate::time::Span;

/// The smallest window: ten buckets of one second.
const MIN_WINDOW: Span = Span::seconds(10);

/// The event types and derived signals of a ruleset, every id resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventRules {
    /// The declared event types, by index.
    pub(crate) events: Vec<EventType>,
    /// The derived signals, in schema order.
    pub(crate) derived: Vec<Derived>,
    pub(crate) tolerance: Span,
}

/// A declared event type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventType {
    pub(crate) id: Arc<str>,
    /// The numbers its events carry; `None` when they carry none.
    pub(crate) value: Option<ValueRange>,
}

/// A signal derived from events.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Derived {
    pub(crate) signal: SignalIndex,
    pub(crate) id: Arc<str>,
    pub(crate) rule: DerivedRule,
}

/// A [`Derivation`] with its events resolved to indices into
/// [`EventRules::events`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DerivedRule {
    /// `count` (`sum` false) or `sum` (`sum` true).
    Tally {
        sum: bool,
        events: Vec<usize>,
        window: Option<Span>,
        since: Option<usize>,
    },
    DaysSince {
        events: Vec<usize>,
    },
    Balance {
        add: Vec<usize>,
        subtract: Vec<usize>,
        /// A count balance never goes below zero.
        floor: bool,
    },
    Latest {
        events: Vec<usize>,
    },
    Decayed {
        events: Vec<usize>,
        half_life: Span,
    },
}

/// Validates the ruleset's `events`, its `tolerance` and the `from` of each
/// of its `signals`.
pub(crate) fn validate(
    events: &[EventSpec],
    signals: &[SignalSpec],
    tolerance: Span,
    limits: &Limits,
) -> Result<EventRules, Error> {
    limits.check(Bound::Events, events.len(), || Location::new("events"))?;
    let mut ids: IndexMap<&str, EventType> = IndexMap::with_capacity(events.len());
    for (i, spec) in events.iter().enumerate() {
        check_snake_case(&spec.id, "event", limits)
            .map_err(|e| e.at(&format!("events[{i}].id")))?;
        if ids.contains_key(spec.id.as_str()) {
            return Err(Error::invalid(
                Location::new(format!("events[{i}].id")),
                format!("event '{}' is declared twice", spec.id),
            ));
        }
        if let Some(range) = spec.value {
            check_range(range).map_err(|e| e.at(&format!("events[{i}].value")))?;
        }
        let event = EventType {
            id: Arc::from(spec.id.as_str()),
            value: spec.value,
        };
        ids.insert(&spec.id, event);
    }
    let mut derived = Vec::new();
    for (i, spec) in signals.iter().enumerate() {
        if let Some(from) = &spec.from {
            let path = format!("signals[{i}].from");
            let rule = resolve(from, spec, &ids).map_err(|e| e.at(&path))?;
            derived.push(Derived {
                signal: SignalIndex::new(i),
                id: Arc::from(spec.id.as_str()),
                rule,
            });
        }
    }
    Ok(EventRules {
        events: ids.into_values().collect(),
        derived,
        tolerance,
    })
}

fn check_range(range: ValueRange) -> Result<(), Error> {
    for (name, bound) in [("min", range.min), ("max", range.max)] {
        if bound.is_some_and(|b| !b.is_finite()) {
            return Err(Error::invalid(
                Location::new(name),
                "a bound must be a finite number".to_owned(),
            ));
        }
    }
    if let (Some(min), Some(max)) = (range.min, range.max) {
        if min > max {
            return Err(Error::invalid(
                Location::default(),
                format!("min {min} is above max {max}"),
            ));
        }
    }
    Ok(())
}

/// The derivation of `signal`, its events resolved.
fn resolve(
    from: &Derivation,
    signal: &SignalSpec,
    events: &IndexMap<&str, EventType>,
) -> Result<DerivedRule, Error> {
    let (name, kinds): (&str, &[SignalKind]) = match from {
        Derivation::Count(_) => ("count", &[SignalKind::Count]),
        Derivation::Balance { .. } => ("balance", &[SignalKind::Count, SignalKind::Number]),
        Derivation::Sum(_) => ("sum", &[SignalKind::Number]),
        Derivation::DaysSince { .. } => ("days_since", &[SignalKind::Number]),
        Derivation::Latest { .. } => ("latest", &[SignalKind::Number]),
        Derivation::Decayed { .. } => ("decayed", &[SignalKind::Number]),
    };
    if !kinds.contains(&signal.kind) {
        let expected = kinds
            .iter()
            .map(|kind| format!("a {kind}"))
            .collect::<Vec<_>>()
            .join(" or ");
        return Err(Error::invalid(
            Location::new(name),
            format!(
                "signal '{}' is a {}, but a {name} derivation gives {expected}",
                signal.id, signal.kind
            ),
        ));
    }
    let list = |field: &str, ids: &[String], valued: bool| {
        resolve_list(ids, events, valued).map_err(|e| e.at(&format!("{name}.{field}")))
    };
    Ok(match from {
        Derivation::Count(tally) | Derivation::Sum(tally) => {
            let sum = matches!(from, Derivation::Sum(_));
            let since = tally
                .since
                .as_deref()
                .map(|id| find(id, events))
                .transpose()
                .map_err(|e| e.at(&format!("{name}.since")))?;
            if let Some(window) = tally.within {
                check_window(window).map_err(|e| e.at(&format!("{name}.within")))?;
            }
            DerivedRule::Tally {
                sum,
                events: list("events", &tally.events, sum)?,
                window: tally.within,
                since,
            }
        }
        Derivation::DaysSince { events: ids } => DerivedRule::DaysSince {
            events: list("events", ids, false)?,
        },
        Derivation::Latest { events: ids } => DerivedRule::Latest {
            events: list("events", ids, true)?,
        },
        Derivation::Decayed {
            events: ids,
            half_life,
        } => {
            if *half_life == Span::ZERO {
                return Err(Error::invalid(
                    Location::new(format!("{name}.half_life")),
                    "a half-life must be longer than zero".to_owned(),
                ));
            }
            DerivedRule::Decayed {
                events: list("events", ids, false)?,
                half_life: *half_life,
            }
        }
        Derivation::Balance { add, subtract } => {
            let add = list("add", add, false)?;
            let subtract = resolve_list(subtract, events, false)
                .map_err(|e| e.at(&format!("{name}.subtract")))?;
            if let Some(both) = add.iter().find(|event| subtract.contains(event)) {
                return Err(Error::invalid(
                    Location::new(format!("{name}.subtract")),
                    format!("event '{}' both adds and subtracts", events[*both].id),
                ));
            }
            DerivedRule::Balance {
                add,
                subtract,
                floor: signal.kind == SignalKind::Count,
            }
        }
    })
}

/// `ids` resolved; at least one, none twice, each carrying a value when
/// `valued`.
fn resolve_list(
    ids: &[String],
    events: &IndexMap<&str, EventType>,
    valued: bool,
) -> Result<Vec<usize>, Error> {
    if ids.is_empty() {
        return Err(Error::invalid(
            Location::default(),
            "name at least one event".to_owned(),
        ));
    }
    let mut resolved = Vec::with_capacity(ids.len());
    for (j, id) in ids.iter().enumerate() {
        let at = |e: Error| e.at(&format!("[{j}]"));
        let index = find(id, events).map_err(at)?;
        if resolved.contains(&index) {
            return Err(at(Error::invalid(
                Location::default(),
                format!("event '{id}' is listed twice"),
            )));
        }
        if valued && events[index].value.is_none() {
            return Err(at(Error::invalid(
                Location::default(),
                format!(
                    "event '{id}' carries no value: declare one (\"value\": {{}}) or use another \
                     derivation"
                ),
            )));
        }
        resolved.push(index);
    }
    Ok(resolved)
}

fn find(id: &str, events: &IndexMap<&str, EventType>) -> Result<usize, Error> {
    events
        .get_index_of(id)
        .ok_or_else(|| Error::unknown("event", id, suggest(id, events.keys().copied())))
}

/// A window is kept in ten buckets of whole seconds.
fn check_window(window: Span) -> Result<(), Error> {
    if window < MIN_WINDOW || window.as_seconds() % 10 != 0 {
        return Err(Error::invalid(
            Location::default(),
            format!(
                "a window is kept in ten buckets of whole seconds, so it must be a multiple of \
                 10 seconds, got {window}"
            ),
        ));
    }
    Ok(())
}

//! Event types and the signals derived from them.

use std::collections::HashSet;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::error::{Error, Location};
use crate::event::{Derivation, EventSpec, ValueRange};
use crate::index::SignalIndex;
use crate::limits::{Bound, Limits};
use crate::names::{check_snake_case, suggest};
use crate::signal::{SignalKind, SignalSpec};
use crate::time::Span;

use super::collector::{Collector, Declared};

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

/// The event types a ruleset declares: the valid ones, and the ids of all.
#[derive(Debug)]
pub(super) struct EventTypes<'a> {
    valid: IndexMap<&'a str, EventType>,
    declared: Declared<'a>,
}

/// Validates the ruleset's `events`, pushing every error to `errors`.
pub(super) fn types<'a>(
    events: &'a [EventSpec],
    limits: &Limits,
    errors: &mut Vec<Error>,
) -> EventTypes<'a> {
    if let Err(e) = limits.check(Bound::Events, events.len(), || Location::new("events")) {
        errors.push(e);
        return EventTypes {
            valid: IndexMap::new(),
            declared: Declared::Every,
        };
    }
    let mut valid: IndexMap<&str, EventType> = IndexMap::with_capacity(events.len());
    // Every well-formed id seen, of broken events too, so that a second
    // declaration is reported even when the first was broken.
    let mut seen = HashSet::with_capacity(events.len());
    for (i, spec) in events.iter().enumerate() {
        let before = errors.len();
        match check_snake_case(&spec.id, "event", limits) {
            Err(e) => errors.push(e.at(&format!("events[{i}].id"))),
            Ok(()) if !seen.insert(spec.id.as_str()) => errors.push(Error::invalid(
                Location::new(format!("events[{i}].id")),
                format!("event '{}' is declared twice", spec.id),
            )),
            Ok(()) => {}
        }
        if let Some(range) = spec.value {
            if let Err(e) = check_range(range) {
                errors.push(e.at(&format!("events[{i}].value")));
            }
        }
        if errors.len() > before {
            continue;
        }
        let event = EventType {
            id: Arc::from(spec.id.as_str()),
            value: spec.value,
        };
        valid.insert(&spec.id, event);
    }
    EventTypes {
        valid,
        declared: Declared::ids(events.iter().map(|event| &event.id)),
    }
}

/// The derivation of `signal`, the `i`th of the ruleset, its events
/// resolved; `None` when it has none, or after keeping its errors.
pub(super) fn derive(
    i: usize,
    signal: &SignalSpec,
    events: &EventTypes<'_>,
    c: &mut Collector<'_>,
) -> Option<Derived> {
    let from = signal.from.as_ref()?;
    let rule = resolve(from, signal, events, &format!("signals[{i}].from"), c)?;
    Some(Derived {
        signal: SignalIndex::new(i),
        id: Arc::from(signal.id.as_str()),
        rule,
    })
}

/// The ruleset's event rules, from its valid events and derivations.
pub(super) fn finish(events: EventTypes<'_>, derived: Vec<Derived>, tolerance: Span) -> EventRules {
    EventRules {
        events: events.valid.into_values().collect(),
        derived,
        tolerance,
    }
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

/// The derivation of `signal`, written at `path`, its events resolved; or
/// `None` after keeping its errors.
fn resolve(
    from: &Derivation,
    signal: &SignalSpec,
    events: &EventTypes<'_>,
    path: &str,
    c: &mut Collector<'_>,
) -> Option<DerivedRule> {
    let before = c.count();
    let (name, kinds): (&str, &[SignalKind]) = match from {
        Derivation::Count(_) => ("count", &[SignalKind::Count]),
        Derivation::Balance { .. } => ("balance", &[SignalKind::Count, SignalKind::Number]),
        Derivation::Sum(_) => ("sum", &[SignalKind::Number]),
        Derivation::DaysSince { .. } => ("days_since", &[SignalKind::Number]),
        Derivation::Latest { .. } => ("latest", &[SignalKind::Number]),
        Derivation::Decayed { .. } => ("decayed", &[SignalKind::Number]),
    };
    let path = format!("{path}.{name}");
    if !kinds.contains(&signal.kind) {
        let expected = kinds
            .iter()
            .map(|kind| format!("a {kind}"))
            .collect::<Vec<_>>()
            .join(" or ");
        c.push(Error::invalid(
            Location::new(path.clone()),
            format!(
                "signal '{}' is a {}, but a {name} derivation gives {expected}",
                signal.id, signal.kind
            ),
        ));
    }
    let mut list = |field: &str, ids: &[String], valued: bool| {
        resolve_list(ids, events, valued, &format!("{path}.{field}"), c)
    };
    let rule = match from {
        Derivation::Count(tally) | Derivation::Sum(tally) => {
            let sum = matches!(from, Derivation::Sum(_));
            let listed = list("events", &tally.events, sum);
            if let Some(window) = tally.within {
                c.keep(check_window(window).map_err(|e| e.at(&format!("{path}.within"))));
            }
            let since = match tally.since.as_deref() {
                Some(id) => Some(find(id, events, &format!("{path}.since"), c)?),
                None => None,
            };
            DerivedRule::Tally {
                sum,
                events: listed?,
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
            let listed = list("events", ids, false);
            if *half_life == Span::ZERO {
                c.push(Error::invalid(
                    Location::new(format!("{path}.half_life")),
                    "a half-life must be longer than zero".to_owned(),
                ));
            }
            DerivedRule::Decayed {
                events: listed?,
                half_life: *half_life,
            }
        }
        Derivation::Balance { add, subtract } => {
            let add = list("add", add, false);
            let subtract = list("subtract", subtract, false);
            let (add, subtract) = (add?, subtract?);
            if let Some(both) = add.iter().find(|event| subtract.contains(event)) {
                c.push(Error::invalid(
                    Location::new(format!("{path}.subtract")),
                    format!("event '{}' both adds and subtracts", events.valid[*both].id),
                ));
            }
            DerivedRule::Balance {
                add,
                subtract,
                floor: signal.kind == SignalKind::Count,
            }
        }
    };
    (c.count() == before).then_some(rule)
}

/// `ids`, written at `path`, resolved; at least one, none twice, each
/// carrying a value when `valued`. `None` after keeping their errors.
fn resolve_list(
    ids: &[String],
    events: &EventTypes<'_>,
    valued: bool,
    path: &str,
    c: &mut Collector<'_>,
) -> Option<Vec<usize>> {
    if ids.is_empty() {
        c.push(Error::invalid(
            Location::new(path),
            "name at least one event".to_owned(),
        ));
        return None;
    }
    let before = c.count();
    let mut broken = false;
    let mut resolved = Vec::with_capacity(ids.len());
    for (j, id) in ids.iter().enumerate() {
        let at = format!("{path}[{j}]");
        let Some(index) = find(id, events, &at, c) else {
            broken = true;
            continue;
        };
        if resolved.contains(&index) {
            c.push(Error::invalid(
                Location::new(at),
                format!("event '{id}' is listed twice"),
            ));
        } else if valued && events.valid[index].value.is_none() {
            c.push(Error::invalid(
                Location::new(at),
                format!(
                    "event '{id}' carries no value: declare one (\"value\": {{}}) or use another \
                     derivation"
                ),
            ));
        } else {
            resolved.push(index);
        }
    }
    (!broken && c.count() == before).then_some(resolved)
}

/// The index of event `id`, or `None` after keeping an unknown-event error
/// at `path` unless the event is declared but broken.
fn find(id: &str, events: &EventTypes<'_>, path: &str, c: &mut Collector<'_>) -> Option<usize> {
    if let Some(index) = events.valid.get_index_of(id) {
        return Some(index);
    }
    if !events.declared.contains(id) {
        let suggestion = suggest(id, events.valid.keys().copied());
        c.push(Error::unknown("event", id, suggestion).at(path));
    }
    None
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

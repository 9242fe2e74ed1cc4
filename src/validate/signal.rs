//! The signals of a ruleset: each validated on its own, then against what
//! the rest of the ruleset makes of it (the values transition conditions
//! read, the events it is derived from).

use crate::error::Location;
use crate::limits::Bound;
use crate::signal::{Schema, SchemaBuilder};
use crate::spec::RulesetSpec;

use super::collector::{Collector, Declared};
use super::event::{self, Derived, EventTypes};
use super::transition;

/// The schema of the signals without errors, and the derivations of those
/// derived from `events`.
pub(super) fn validate<'a>(
    spec: &'a RulesetSpec,
    events: &EventTypes<'_>,
    c: &mut Collector<'a>,
) -> (Schema, Vec<Derived>) {
    let signals = &spec.signals;
    if let Err(e) = c
        .limits
        .check(Bound::Signals, signals.len(), || Location::new("signals"))
    {
        c.push(e);
        c.signals = Declared::Every;
        return (SchemaBuilder::with_capacity(0).finish(), Vec::new());
    }
    c.signals = Declared::ids(signals.iter().map(|signal| &signal.id));
    let journeys = !spec.transitions.is_empty();
    let mut builder = SchemaBuilder::with_capacity(signals.len());
    let mut derived = Vec::new();
    for (i, signal) in signals.iter().enumerate() {
        let limits = c.limits;
        if journeys && c.keep(transition::check_signal_name(i, signal)).is_none() {
            builder.check(i, signal, limits, &mut c.errors);
        } else {
            builder.add(i, signal, limits, &mut c.errors);
        }
        derived.extend(event::derive(i, signal, events, c));
    }
    (builder.finish(), derived)
}

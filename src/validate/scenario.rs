//! Scenarios: every id a scenario names resolved against the ruleset, every
//! value checked against its signal, so that running one can only fail by
//! the decision differing.

use std::collections::HashMap;

use indexmap::IndexMap;

use crate::action::ContactLog;
use crate::error::{Error, Location};
use crate::event::Event;
use crate::journey::JourneyState;
use crate::names::suggest;
use crate::profile::Deriver;
use crate::signal::{Schema, SignalRecord};
use crate::spec::{Arbitration, RulesetSpec, ScenarioEvent, ScenarioSpec};
use crate::stage::StageModel;
use crate::time::Timestamp;

use super::{Action, EventRules, Tag};

/// A validated scenario: what [`Engine::run_scenarios`](crate::Engine::run_scenarios) runs.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    /// The given signals, the others missing.
    pub(crate) signals: SignalRecord,
    /// In time order, each of a declared type with the value it needs.
    pub(crate) events: Vec<ScenarioEvent>,
    /// The default applied.
    pub(crate) now: Timestamp,
    pub(crate) state: Option<JourneyState>,
    pub(crate) history: ContactLog,
    pub(crate) expect: Expected,
}

/// What a scenario expects, every id known to the ruleset.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub(crate) stage: String,
    /// In declaration order, whatever the order written.
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) actions: Option<Vec<String>>,
    pub(crate) confidence: Option<f64>,
}

/// The parts of a ruleset that scenarios name: from validation, or from a
/// built engine when a host runs its own scenarios against it.
pub(crate) struct Context<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) model: &'a StageModel,
    pub(crate) tags: IndexMap<&'a str, &'a Tag>,
    pub(crate) actions: IndexMap<&'a str, &'a Action>,
    pub(crate) events: &'a Deriver,
    pub(crate) arbitration: Arbitration,
}

/// Validates a ruleset's scenarios against its validated parts, adding
/// every error to `errors`.
pub(super) fn validate(
    spec: &RulesetSpec,
    schema: &Schema,
    model: &StageModel,
    tags: &[Tag],
    actions: &[Action],
    events: &EventRules,
    errors: &mut Vec<Error>,
) -> Vec<Scenario> {
    if spec.scenarios.is_empty() {
        return Vec::new();
    }
    let deriver = Deriver::new(events);
    let context = Context {
        schema,
        model,
        tags: tags.iter().map(|tag| (tag.id(), tag)).collect(),
        actions: actions.iter().map(|action| (action.id(), action)).collect(),
        events: &deriver,
        arbitration: spec.arbitration,
    };
    validate_all(&spec.scenarios, &context, errors)
}

/// Validates `specs`, located under `scenarios`: each scenario, and that no
/// two share a name. Every error goes to `errors`; the scenarios returned
/// are the valid ones.
pub(crate) fn validate_all(
    specs: &[ScenarioSpec],
    context: &Context<'_>,
    errors: &mut Vec<Error>,
) -> Vec<Scenario> {
    let mut names: HashMap<&str, usize> = HashMap::with_capacity(specs.len());
    let mut scenarios = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        if let Some(&first) = names.get(spec.name.as_str()) {
            errors.push(Error::invalid(
                Location::new(format!("scenarios[{i}].name")),
                format!(
                    "scenario name '{}' is already used by scenarios[{first}]",
                    spec.name
                ),
            ));
        } else {
            names.insert(&spec.name, i);
        }
        match validate_one(spec, &format!("scenarios[{i}]"), context) {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => errors.push(error),
        }
    }
    scenarios
}

/// Validates the scenario at `path` (`scenarios[3]`).
pub(crate) fn validate_one(
    spec: &ScenarioSpec,
    path: &str,
    context: &Context<'_>,
) -> Result<Scenario, Error> {
    let at = |field: &str| format!("{path}.{field}");
    if spec.name.trim().is_empty() {
        return Err(invalid(at("name"), "a scenario needs a name".to_owned()));
    }
    let signals = given(spec, &at("given"), context)?;
    events(&spec.events, &at("events"), context)?;
    if let Some(state) = &spec.state {
        // What a host stored, so an old id of a renamed stage resolves, as
        // in `Engine::advance`: a scenario can show the migration.
        for (field, id) in [("stage", state.stage()), ("previous", state.previous())] {
            if let Some(id) = id {
                context
                    .model
                    .resolve_stored(id)
                    .map_err(|e| e.at(&at(&format!("state.{field}"))))?;
            }
        }
    }
    for id in spec.history.ids() {
        if !context.actions.contains_key(id) {
            let suggestion = suggest(id, context.actions.keys().copied());
            return Err(Error::unknown("action", id, suggestion).at(&at(&format!("history.{id}"))));
        }
    }
    let last_event = spec.events.last().map(|event| event.at);
    let now = match spec.now {
        Some(now) => {
            if let Some(last) = last_event.filter(|&last| now < last) {
                return Err(invalid(
                    at("now"),
                    format!("now ({now}) is before the last event ({last})"),
                ));
            }
            now
        }
        None => last_event
            .or(spec.state.as_ref().map(JourneyState::entered))
            .unwrap_or(Timestamp::EPOCH),
    };
    // The journey is moved from the first event on, or at `now`.
    let start = spec.events.first().map_or(now, |event| event.at);
    if let Some(state) = spec.state.as_ref().filter(|state| state.stage().is_some()) {
        if start < state.entered() {
            return Err(invalid(
                at("state.entered"),
                format!(
                    "the state was entered at {}, after the scenario starts ({start})",
                    state.entered()
                ),
            ));
        }
    }
    Ok(Scenario {
        name: spec.name.clone(),
        signals,
        events: spec.events.clone(),
        now,
        state: spec.state.clone(),
        history: spec.history.clone(),
        expect: expected(spec, &at("expect"), context)?,
    })
}

/// The given signals as a record, each value checked against its signal;
/// with events, only signals the ruleset does not derive.
fn given(spec: &ScenarioSpec, path: &str, context: &Context<'_>) -> Result<SignalRecord, Error> {
    let mut record = context.schema.record();
    for (id, value) in &spec.given {
        let at = format!("{path}.{id}");
        record
            .set(id, value.as_value())
            .map_err(|e| relocate(&e, &at))?;
        let derived = context
            .schema
            .find(id)
            .is_some_and(|signal| context.events.derives(signal.index()));
        if derived && !spec.events.is_empty() {
            return Err(invalid(
                at,
                format!(
                    "signal '{id}' is derived from the scenario's events; give only the \
                     signals the ruleset does not derive"
                ),
            ));
        }
    }
    Ok(record)
}

/// Each event of a declared type, with a value where its type carries one,
/// and in time order: the order a customer's events are folded in.
fn events(events: &[ScenarioEvent], path: &str, context: &Context<'_>) -> Result<(), Error> {
    let mut previous: Option<Timestamp> = None;
    for (i, event) in events.iter().enumerate() {
        let at = |field: &str| format!("{path}[{i}].{field}");
        let mut checked = Event::new(&event.event, event.at);
        if let Some(value) = event.value {
            checked = checked.with_value(value);
        }
        if let Err(e) = context.events.check(&checked) {
            let field = if e.location().is_some_and(|l| l.path().ends_with("value")) {
                "value"
            } else {
                "event"
            };
            return Err(relocate(&e, &at(field)));
        }
        if let Some(before) = previous.filter(|&before| event.at < before) {
            return Err(invalid(
                at("at"),
                format!(
                    "event '{}' at {} is before the event before it ({before}); a scenario's \
                     events come in time order",
                    event.event, event.at
                ),
            ));
        }
        previous = Some(event.at);
    }
    Ok(())
}

/// The expectation, every id known: the stage, the tags, and actions that
/// can be suggested in that stage, no more of them than are suggested.
fn expected(spec: &ScenarioSpec, path: &str, context: &Context<'_>) -> Result<Expected, Error> {
    let expect = &spec.expect;
    let at = |field: &str| format!("{path}.{field}");
    let stage = context
        .model
        .resolve(&expect.stage)
        .map_err(|e| e.at(&at("stage")))?;
    let tags = match &expect.tags {
        None => None,
        Some(ids) => {
            let mut known: Vec<&Tag> = Vec::with_capacity(ids.len().min(context.tags.len()));
            let mut listed = vec![false; context.tags.len()];
            for (i, id) in ids.iter().enumerate() {
                let Some(&tag) = context.tags.get(id.as_str()) else {
                    let suggestion = suggest(id, context.tags.keys().copied());
                    return Err(
                        Error::unknown("tag", id, suggestion).at(&at(&format!("tags[{i}]")))
                    );
                };
                let index = tag.index().as_usize();
                if listed.get(index).copied().unwrap_or(true) {
                    return Err(invalid(
                        at(&format!("tags[{i}]")),
                        format!("tag '{id}' is listed twice"),
                    ));
                }
                listed[index] = true;
                known.push(tag);
            }
            known.sort_unstable_by_key(|tag| tag.index());
            Some(known.iter().map(|tag| tag.id().to_owned()).collect())
        }
    };
    if let Some(ids) = &expect.actions {
        if ids.is_empty() {
            return Err(invalid(
                at("actions"),
                "the list is empty; list the first actions expected, best first, or leave \
                 'actions' out"
                    .to_owned(),
            ));
        }
        let most = context.arbitration.max_suggestions;
        if ids.len() > most {
            return Err(invalid(
                at("actions"),
                format!(
                    "{} actions listed, but at most {most} are suggested (arbitration's \
                     max_suggestions)",
                    ids.len()
                ),
            ));
        }
        for (i, id) in ids.iter().enumerate() {
            let at = at(&format!("actions[{i}]"));
            let Some(action) = context.actions.get(id.as_str()) else {
                let suggestion = suggest(id, context.actions.keys().copied());
                return Err(Error::unknown("action", id, suggestion).at(&at));
            };
            if ids[..i].contains(id) {
                return Err(invalid(at, format!("action '{id}' is listed twice")));
            }
            if !action.stages().contains(&stage.index()) {
                return Err(invalid(
                    at,
                    format!(
                        "action '{id}' does not apply in stage '{}', the stage expected",
                        stage.id()
                    ),
                ));
            }
        }
    }
    if let Some(confidence) = expect.confidence {
        if !(0.0..=1.0).contains(&confidence) {
            return Err(invalid(
                at("confidence"),
                format!("confidence {confidence} is outside 0 to 1"),
            ));
        }
    }
    Ok(Expected {
        stage: stage.id().to_owned(),
        tags,
        actions: expect.actions.clone(),
        confidence: expect.confidence,
    })
}

/// `error`, at `path` instead of where it was raised.
fn relocate(error: &Error, path: &str) -> Error {
    Error::new(error.kind().clone(), Location::new(path))
}

fn invalid(path: String, message: String) -> Error {
    Error::invalid(Location::new(path), message)
}

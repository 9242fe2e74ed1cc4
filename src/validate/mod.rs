//! Step 2 of the pipeline: validation. Reads a [`RulesetSpec`] and returns a
//! [`Ruleset`], in which every id is checked and resolved to an index, every
//! condition parsed and checked against the schema, every number in range
//! and every bound of [`Limits`] respected; or every error, each located at
//! its place in the spec (`stage_rules[3].when, column 17`), in the order of
//! the spec.
//!
//! Every item is checked in full, and an item with an error is left out of
//! what later parts see. A reference to it is not reported again: the ids
//! each part declares are kept, broken or not (see [`collector`]).
//!
//! Each part of a ruleset has a module here with its validated form, the
//! type the engine exposes: [`Rule`], [`Tag`], [`Action`] and
//! [`TransitionRule`]. Nothing after this step checks input again.

mod action;
mod challenger;
mod collector;
mod contact_limit;
mod event;
mod learning;
mod lint;
mod rule;
mod scenario;
mod signal;
mod tag;
mod transition;

use crate::error::{Error, Location};
use crate::limits::{Bound, Limits};
use crate::problem::Problems;
use crate::signal::Schema;
use crate::spec::{Arbitration, HitPolicy, RulesetSpec};
use crate::stage::StageModel;

use collector::{Collector, Declared};
use rule::Rules;

pub use action::{Action, PropensityRule};
pub(crate) use challenger::{check_salt, check_share};
pub(crate) use contact_limit::ContactLimit;
pub(crate) use event::{DerivedRule, EventRules};
pub use rule::{Rule, RuleKind};
pub(crate) use scenario::{
    validate_all as validate_scenarios, Context as ScenarioContext, Scenario,
};
pub use tag::Tag;
pub use transition::TransitionRule;

/// A ruleset that passed validation: everything the compile step needs.
#[derive(Debug, Clone)]
pub(crate) struct Ruleset {
    pub(crate) schema: Schema,
    pub(crate) model: StageModel,
    pub(crate) hit_policy: HitPolicy,
    /// Stage rules first, then score rules; `rules[i].index()` is `i`.
    pub(crate) rules: Vec<Rule>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) actions: Vec<Action>,
    /// How many distinct groups the actions have.
    pub(crate) groups: usize,
    pub(crate) arbitration: Arbitration,
    pub(crate) contact_limits: Vec<ContactLimit>,
    /// The host's signals, then `stage` and `days_in_stage`: what transition
    /// conditions read.
    pub(crate) journey_schema: Schema,
    pub(crate) transitions: Vec<TransitionRule>,
    pub(crate) events: EventRules,
    pub(crate) scenarios: Vec<Scenario>,
    pub(crate) learning: crate::learn::Settings,
}

/// Validates the whole ruleset under `limits`: ids, references, conditions,
/// numbers and bounds. The error is the first that [`check`] lists.
pub(crate) fn validate(spec: &RulesetSpec, limits: &Limits) -> Result<Ruleset, Error> {
    collect(spec, limits).map_err(|errors| errors.into_iter().next().unwrap_or_else(no_stage))
}

/// Every problem with the ruleset under `limits`, errors and warnings.
pub(crate) fn check(spec: &RulesetSpec, limits: &Limits) -> Problems {
    let mut problems = Problems::default();
    match collect(spec, limits) {
        Ok(ruleset) => lint::lint(&ruleset, spec)
            .into_iter()
            .for_each(|warning| problems.push(warning)),
        Err(errors) => errors.into_iter().for_each(|error| problems.push(error)),
    }
    problems
}

/// The validated ruleset, or every error in the order of the ruleset.
fn collect(spec: &RulesetSpec, limits: &Limits) -> Result<Ruleset, Vec<Error>> {
    let mut c = Collector::new(limits);
    // Signals are derived from events, so the events are read first; their
    // errors wait for their place, after the transitions.
    let mut event_errors = Vec::new();
    let event_types = event::types(&spec.events, limits, &mut event_errors);
    let (schema, derived) = signal::validate(spec, &event_types, &mut c);
    let model = StageModel::collect(&spec.stages, limits, &mut c.errors);
    c.stages = match model {
        Some(_) => Declared::ids(spec.stages.iter().map(|stage| &stage.id)),
        None => Declared::Every,
    };
    let model = model.as_ref();
    let mut budget = RuleBudget::new(spec, limits);
    let mut rules = Rules::new();
    if budget.fits(Part::StageRules, &mut c) {
        rules.stage_rules(&spec.stage_rules, &schema, model, &mut c);
    }
    if budget.fits(Part::ScoreRules, &mut c) {
        rules.score_rules(&spec.score_rules, &schema, model, &mut c);
    }
    let (tags, declared_tags) =
        match limits.check(Bound::Tags, spec.tags.len(), || Location::new("tags")) {
            Ok(()) => (
                tag::validate(&spec.tags, &schema, &mut c),
                Declared::ids(spec.tags.iter().map(|tag| &tag.id)),
            ),
            Err(e) => {
                c.push(e);
                (Vec::new(), Declared::Every)
            }
        };
    let actions_fit = budget.fits(Part::Actions, &mut c);
    let actions_bound = limits.check(Bound::Actions, spec.actions.len(), || {
        Location::new("actions")
    });
    let (mut actions, groups) = if c.keep(actions_bound).is_some() && actions_fit {
        action::validate(&spec.actions, &schema, model, &tags, &declared_tags, &mut c)
    } else {
        (Vec::new(), 0)
    };
    action::validate_arbitration(&spec.arbitration, &mut c);
    let contact_limits =
        contact_limit::validate(&spec.contact_limits, &spec.actions, &mut actions, &mut c);
    action::set_horizons(&mut actions);
    let learning = learning::validate(spec.learning.as_ref(), &tags, &declared_tags, &mut c);
    let journey_schema = if spec.transitions.is_empty() {
        schema.clone()
    } else {
        transition::journey_schema(&schema, model, limits)
    };
    let transitions = if budget.fits(Part::Transitions, &mut c) {
        transition::validate(&spec.transitions, model, &journey_schema, &mut c)
    } else {
        Vec::new()
    };
    let events = event::finish(event_types, derived, spec.event_tolerance);
    let mut errors = c.errors;
    errors.append(&mut event_errors);
    if let Some(challenger) = &spec.challenger {
        challenger::validate(challenger, &spec.name, &mut errors);
    }
    let (true, Some(model)) = (errors.is_empty(), model) else {
        return Err(errors);
    };
    // Scenarios name the other parts, so they are checked once those are
    // valid: a mistake in a tag is reported once, not again by each
    // scenario that expects it.
    let scenarios = scenario::validate(spec, &schema, model, &tags, &actions, &events, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Ruleset {
        schema,
        model: model.clone(),
        hit_policy: spec.hit_policy,
        rules: rules.finish(),
        tags,
        actions,
        groups,
        arbitration: spec.arbitration,
        contact_limits,
        journey_schema,
        transitions,
        events,
        scenarios,
        // Valid: validating it added no error.
        learning: learning.unwrap_or_default(),
    })
}

/// The error when there is no model and, which cannot be, no error saying
/// why.
#[cold]
fn no_stage() -> Error {
    Error::invalid(
        Location::new("stages"),
        "a stage model needs at least one stage".into(),
    )
}

/// The parts of a ruleset whose items are rules, in the order of the
/// ruleset: every kind of rule counts towards [`Limits::max_rules`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    StageRules,
    ScoreRules,
    /// The propensity rules of the actions.
    Actions,
    Transitions,
}

/// Where the rules of a ruleset go over [`Limits::max_rules`]. The part
/// where the count first goes over gets the error; it and the parts after
/// it are not looked into, so a hostile ruleset costs no more than the
/// bound allows.
struct RuleBudget {
    first_over: Option<(Part, Error)>,
}

impl RuleBudget {
    fn new(spec: &RulesetSpec, limits: &Limits) -> Self {
        let propensity_rules: usize = spec
            .actions
            .iter()
            .map(|action| action.propensity_rules.len())
            .sum();
        let mut rules: usize = 0;
        for (part, name, count) in [
            (Part::StageRules, "stage_rules", spec.stage_rules.len()),
            (Part::ScoreRules, "score_rules", spec.score_rules.len()),
            (Part::Actions, "actions", propensity_rules),
            (Part::Transitions, "transitions", spec.transitions.len()),
        ] {
            rules = rules.saturating_add(count);
            if let Err(e) = limits.check(Bound::Rules, rules, || Location::new(name)) {
                return RuleBudget {
                    first_over: Some((part, e)),
                };
            }
        }
        RuleBudget { first_over: None }
    }

    /// Whether `part` is within the bound; the error of the part that goes
    /// over is kept when its turn comes.
    fn fits(&mut self, part: Part, c: &mut Collector<'_>) -> bool {
        match &self.first_over {
            None => true,
            Some((over, _)) if part < *over => true,
            Some((over, error)) => {
                if part == *over {
                    c.push(error.clone());
                }
                false
            }
        }
    }
}

/// Remembers the ids of one part of a ruleset and reports a second use of one.
struct Ids<'a> {
    /// What the ids name, for the message: `"rule"`, `"action"`, ...
    what: &'static str,
    seen: std::collections::HashMap<&'a str, String>,
}

impl<'a> Ids<'a> {
    fn new(what: &'static str) -> Self {
        Ids {
            what,
            seen: std::collections::HashMap::new(),
        }
    }

    /// Records `id`, declared at `path`; an error at `path.id` if it was
    /// declared before.
    fn insert(&mut self, id: &'a str, path: &str) -> Result<(), Error> {
        if let Some(first) = self.seen.insert(id, path.to_owned()) {
            return Err(Error::invalid(
                Location::new(format!("{path}.id")),
                format!("{} id '{id}' is already used by {first}", self.what),
            ));
        }
        Ok(())
    }
}

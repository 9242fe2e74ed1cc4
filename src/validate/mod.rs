//! Step 2 of the pipeline: validation. Reads a [`RulesetSpec`] and returns a
//! [`Ruleset`], in which every id is checked and resolved to an index, every
//! condition parsed and checked against the schema, every number in range
//! and every bound of [`Limits`] respected; or the first error, located at
//! its place in the spec (`stage_rules[3].when, column 17`).
//!
//! Each part of a ruleset has a module here with its validated form, the
//! type the engine exposes: [`Rule`], [`Tag`], [`Action`] and
//! [`TransitionRule`]. Nothing after this step checks input again.

mod action;
mod event;
mod rule;
mod scenario;
mod tag;
mod transition;

use crate::error::{Error, Location};
use crate::limits::{Bound, Limits};
use crate::problem::Problems;
use crate::signal::Schema;
use crate::spec::{Arbitration, HitPolicy, RulesetSpec};
use crate::stage::StageModel;

pub use action::{Action, PropensityRule};
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
    /// The host's signals, then `stage` and `days_in_stage`: what transition
    /// conditions read.
    pub(crate) journey_schema: Schema,
    pub(crate) transitions: Vec<TransitionRule>,
    pub(crate) events: EventRules,
    pub(crate) scenarios: Vec<Scenario>,
}

/// Validates the whole ruleset under `limits`: ids, references, conditions,
/// numbers and bounds.
pub(crate) fn validate(spec: &RulesetSpec, limits: &Limits) -> Result<Ruleset, Error> {
    let schema = Schema::with_limits(&spec.signals, limits)?;
    let model = StageModel::with_limits(&spec.stages, limits)?;
    check_counts(spec, limits)?;
    let rules = rule::validate(spec, &schema, &model, limits)?;
    let tags = tag::validate(&spec.tags, &schema, limits)?;
    let (actions, groups) = action::validate(&spec.actions, &schema, &model, &tags, limits)?;
    action::validate_arbitration(&spec.arbitration)?;
    let journey_schema = if spec.transitions.is_empty() {
        schema.clone()
    } else {
        transition::journey_schema(&spec.signals, &model, limits)?
    };
    let transitions = transition::validate(&spec.transitions, &model, &journey_schema, limits)?;
    let events = event::validate(&spec.events, &spec.signals, spec.event_tolerance, limits)?;
    let scenarios = scenario::validate(
        &spec.scenarios,
        &schema,
        &model,
        &tags,
        &actions,
        &events,
        spec.arbitration,
    )?;
    Ok(Ruleset {
        schema,
        model,
        hit_policy: spec.hit_policy,
        rules,
        tags,
        actions,
        groups,
        arbitration: spec.arbitration,
        journey_schema,
        transitions,
        events,
        scenarios,
    })
}

/// Every problem with the ruleset under `limits`, errors and warnings.
pub(crate) fn check(spec: &RulesetSpec, limits: &Limits) -> Problems {
    let mut problems = Problems::default();
    if let Err(error) = validate(spec, limits) {
        problems.push(error);
    }
    problems
}

/// The bounds on how many rules, tags and actions a ruleset has, checked
/// before any of them is looked at. Every kind of rule counts towards
/// [`Limits::max_rules`]; the error names the first part that goes over.
fn check_counts(spec: &RulesetSpec, limits: &Limits) -> Result<(), Error> {
    let propensity_rules: usize = spec
        .actions
        .iter()
        .map(|action| action.propensity_rules.len())
        .sum();
    let mut rules = 0;
    for (part, count) in [
        ("stage_rules", spec.stage_rules.len()),
        ("score_rules", spec.score_rules.len()),
        ("actions", propensity_rules),
        ("transitions", spec.transitions.len()),
    ] {
        rules += count;
        limits.check(Bound::Rules, rules, || Location::new(part))?;
    }
    limits.check(Bound::Tags, spec.tags.len(), || Location::new("tags"))?;
    limits.check(Bound::Actions, spec.actions.len(), || {
        Location::new("actions")
    })
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

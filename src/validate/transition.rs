//! Transition rules: how a customer with a stored stage moves to another.

use std::sync::Arc;

use crate::condition::Condition;
use crate::error::{Error, Location};
use crate::index::{StageIndex, TransitionIndex};
use crate::limits::Limits;
use crate::names::check_plain;
use crate::signal::{Schema, SchemaBuilder, SignalSpec};
use crate::spec::{FromStages, TransitionSpec};
use crate::stage::{Stage, StageModel};
use crate::time::Span;

use super::collector::Collector;
use super::Ids;

/// The id of the extra category signal transition conditions read: the
/// stage the customer is in before the move.
pub(crate) const STAGE_SIGNAL: &str = "stage";
/// The id of the extra number signal transition conditions read: the days
/// (fractional) since the customer entered the stage.
pub(crate) const DAYS_SIGNAL: &str = "days_in_stage";

/// A validated transition rule of an [`Engine`](crate::Engine).
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let rule = engine.find_transition("new_cycle.information_search").unwrap();
/// assert!(rule.new_cycle());
/// let from: Vec<&str> = rule.from().iter().map(|&id| engine.model().stage(id).unwrap().id()).collect();
/// assert_eq!(from, ["post_purchase"]);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRule {
    index: TransitionIndex,
    /// Shared into the transitions a move reports, so moving allocates nothing.
    id: Arc<str>,
    /// The stages it fires from, in model order; never contains `to`.
    from: Vec<StageIndex>,
    any: bool,
    to: StageIndex,
    condition: Condition,
    priority: i32,
    min_dwell: Option<Span>,
    back: bool,
    new_cycle: bool,
    description: Option<String>,
}

impl TransitionRule {
    /// The rule's index in its engine.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let rule = engine.find_transition("forward.evaluation").unwrap();
    /// assert_eq!(engine.transition(rule.index()), Some(rule));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> TransitionIndex {
        self.index
    }

    /// The rule's id, as the ruleset names it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// assert_eq!(new_cycle.id(), "new_cycle.information_search");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The rule's id, to share with the transitions it makes.
    pub(crate) fn shared_id(&self) -> &Arc<str> {
        &self.id
    }

    /// The stages the rule moves customers out of, in model order. For a
    /// rule written with `from: any`, the stages it can move from: before
    /// `to` for a forward rule, every stage but `to` otherwise.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// let post_purchase = engine.model().find("post_purchase").unwrap().index();
    /// assert_eq!(new_cycle.from(), [post_purchase]);
    /// // Forward from any stage: from the two stages before `evaluation`.
    /// assert_eq!(forward.from().len(), 2);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn from(&self) -> &[StageIndex] {
        &self.from
    }

    /// Whether the rule was written with `from: any`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// assert!(forward.from_any());
    /// assert!(!new_cycle.from_any());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn from_any(&self) -> bool {
        self.any
    }

    /// The stage the rule moves customers to.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// assert_eq!(engine.model().stage(new_cycle.to()).unwrap().id(), "information_search");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn to(&self) -> StageIndex {
        self.to
    }

    /// The rule's condition, checked against the schema with `stage` and
    /// `days_in_stage`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// assert!(forward.condition().to_string().starts_with("comparisons >= 1 or"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// Its priority: among rules that fire, the highest wins.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// assert!(forward.priority() > new_cycle.priority());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn priority(&self) -> i32 {
        self.priority
    }

    /// The least time in the current stage before the rule may fire.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Span};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// assert_eq!(new_cycle.min_dwell(), Some(Span::days(7)));
    /// assert_eq!(forward.min_dwell(), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn min_dwell(&self) -> Option<Span> {
        self.min_dwell
    }

    /// Whether the rule may move a customer back.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// assert!(!forward.back());
    /// // A new cycle starts over at an earlier stage, so it may go back.
    /// assert!(new_cycle.back());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn back(&self) -> bool {
        self.back || self.new_cycle
    }

    /// Whether the rule ends a buying cycle.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// let forward = engine.find_transition("forward.evaluation").unwrap();
    /// assert!(new_cycle.new_cycle());
    /// assert!(!forward.new_cycle());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn new_cycle(&self) -> bool {
        self.new_cycle
    }

    /// What the rule means, if the ruleset says.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new_cycle = engine.find_transition("new_cycle.information_search").unwrap();
    /// assert_eq!(new_cycle.description(), Some("activity since the purchase: a new buying cycle"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// Checks that signal `spec`, the `i`th of the ruleset, does not take the
/// name of a value transition conditions read.
pub(super) fn check_signal_name(i: usize, spec: &SignalSpec) -> Result<(), Error> {
    if spec.id != STAGE_SIGNAL && spec.id != DAYS_SIGNAL {
        return Ok(());
    }
    Err(Error::invalid(
        Location::new(format!("signals[{i}].id")),
        format!(
            "'{}' names a value of transition conditions (`stage` is the customer's stage, \
             `days_in_stage` the days in it); rename the signal",
            spec.id
        ),
    ))
}

/// The schema transition conditions are checked against: the host's
/// signals (`schema`, which [`check_signal_name`] kept free of the two
/// names), then `stage`, a category of the model's stages, and
/// `days_in_stage`. Without a model there is no `stage`.
pub(super) fn journey_schema(
    schema: &Schema,
    model: Option<&StageModel>,
    limits: &Limits,
) -> Schema {
    let mut builder = SchemaBuilder::extending(schema);
    // The host's part is validated under the host's limits already; the two
    // extra signals must not push it over them.
    let roomy = limits.max_signals(usize::MAX).max_labels(usize::MAX);
    // Neither signal can fail: both ids are free, and the stage ids are
    // valid, distinct and within the limits already.
    let mut errors = Vec::new();
    if let Some(model) = model {
        let stage = SignalSpec::category(STAGE_SIGNAL, model.iter().map(|s| s.id().to_owned()));
        builder.add(schema.len(), &stage, &roomy, &mut errors);
    }
    let days = SignalSpec::number(DAYS_SIGNAL);
    builder.add(schema.len() + 1, &days, &roomy, &mut errors);
    debug_assert!(errors.is_empty(), "{errors:?}");
    builder.finish()
}

/// The transition rules without errors, checked against the model and
/// `schema` (from [`journey_schema`]), each indexed by its position among
/// them.
pub(super) fn validate(
    specs: &[TransitionSpec],
    model: Option<&StageModel>,
    schema: &Schema,
    c: &mut Collector<'_>,
) -> Vec<TransitionRule> {
    let mut rules = Vec::with_capacity(specs.len());
    let mut ids = Ids::new("transition");
    for (i, spec) in specs.iter().enumerate() {
        let path = format!("transitions[{i}]");
        let before = c.count();
        let id =
            check_plain(&spec.id, "transition", c.limits).map_err(|e| e.at(&format!("{path}.id")));
        if c.keep(id).is_some() {
            c.keep(ids.insert(&spec.id, &path));
        }
        // `from` is checked against `to`, but written before it: the error
        // of `to`, if any, comes after those of `from`.
        let to = model
            .and_then(|model| model.find(&spec.to))
            .map(Stage::index);
        let back = spec.back || spec.new_cycle;
        let from = match (&spec.from, model, to) {
            (FromStages::Any, Some(model), Some(to)) => Some(
                model
                    .iter()
                    .map(Stage::index)
                    .filter(|&stage| stage != to && (back || stage < to))
                    .collect(),
            ),
            (FromStages::Any, ..) => None,
            (FromStages::Stages(ids), ..) => from_stages(ids, to, back, model, &path, c),
        };
        c.stage(model, &spec.to, &format!("{path}.to"));
        if let (Some(from), Some(_)) = (&from, to) {
            if from.is_empty() {
                let message = if back {
                    "the model has no other stage to move from".to_owned()
                } else {
                    format!(
                        "'{}' is the first stage, so no forward move reaches it; add \"back\": \
                         true (or \"new_cycle\": true) to permit moving back to it",
                        spec.to
                    )
                };
                c.push(Error::invalid(Location::new(format!("{path}.to")), message));
            }
        }
        let condition = c.journey_condition(&spec.when, schema, &format!("{path}.when"));
        let (Some(from), Some(to), Some(condition)) = (from, to, condition) else {
            continue;
        };
        if c.count() > before {
            continue;
        }
        rules.push(TransitionRule {
            index: TransitionIndex::new(rules.len()),
            id: Arc::from(spec.id.as_str()),
            from,
            any: spec.from == FromStages::Any,
            to,
            condition,
            priority: spec.priority,
            min_dwell: spec.min_dwell,
            back: spec.back,
            new_cycle: spec.new_cycle,
            description: spec.description.clone(),
        });
    }
    rules
}

/// The stages of an explicit `from` list, in model order, or `None` after
/// keeping the errors of its entries; `to` is the index of the target
/// stage, when it is valid.
fn from_stages(
    ids: &[String],
    to: Option<StageIndex>,
    back: bool,
    model: Option<&StageModel>,
    path: &str,
    c: &mut Collector<'_>,
) -> Option<Vec<StageIndex>> {
    if ids.is_empty() {
        c.push(Error::invalid(
            Location::new(format!("{path}.from")),
            "a transition needs at least one stage to move from, or \"any\"".into(),
        ));
        return None;
    }
    let before = c.count();
    let to_id = to
        .and_then(|to| model?.stage(to))
        .map_or("", |stage| stage.id());
    let mut from = Vec::with_capacity(ids.len());
    let mut broken = false;
    for (j, id) in ids.iter().enumerate() {
        let at = || Location::new(format!("{path}.from[{j}]"));
        let Some(stage) = c.stage(model, id, &format!("{path}.from[{j}]")) else {
            broken = true;
            continue;
        };
        let error = if from.contains(&stage) {
            format!("stage '{id}' is listed twice")
        } else if Some(stage) == to {
            format!("a transition from '{id}' to '{to_id}' would not move")
        } else if to.is_some_and(|to| stage > to) && !back {
            format!(
                "'{id}' comes after '{to_id}', so this transition goes back; add \
                 \"back\": true (or \"new_cycle\": true) to permit it"
            )
        } else {
            from.push(stage);
            continue;
        };
        c.push(Error::invalid(at(), error));
    }
    if broken || c.count() > before {
        return None;
    }
    from.sort_unstable();
    Some(from)
}

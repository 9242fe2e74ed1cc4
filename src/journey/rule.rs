//! Transition rules: how a customer with a stored stage moves to another.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::condition::Condition;
use crate::error::{Error, Location};
use crate::id::StageId;
use crate::limits::Limits;
use crate::signal::{Schema, SignalSpec};
use crate::spec::{check_rule_id, When};
use crate::stage::StageModel;
use crate::time::Span;

/// The name of the extra category signal transition conditions read: the
/// stage the customer is in before the move.
pub(crate) const STAGE_SIGNAL: &str = "stage";
/// The name of the extra number signal transition conditions read: the days
/// (fractional) since the customer entered the stage.
pub(crate) const DAYS_SIGNAL: &str = "days_in_stage";

/// A transition rule as written: the serde form used in a ruleset's
/// `transitions`.
///
/// A rule moves a customer from one of its `from` stages to its `to` stage
/// when its condition holds and the customer has been in the stage for at
/// least `min_dwell`. The condition reads the host's signals and two more:
/// `stage`, the stage the customer is in (a category whose labels are the
/// stage ids), and `days_in_stage`, the days since the customer entered it
/// (a number with a fraction: 36 hours is 1.5).
///
/// A rule only moves a customer forward, to a later stage in model order,
/// unless it says `back: true` or `new_cycle: true`; a new cycle starts the
/// buying process over, so it may go back. See
/// [`Engine::advance`](crate::Engine::advance) for which rule wins.
///
/// # Example
///
/// ```
/// use buyer_journey::{FromStages, Span, TransitionSpec};
///
/// let rule: TransitionSpec = serde_json::from_str(r#"{
///     "id": "repeat",
///     "from": ["post_purchase"],
///     "to": "need_recognition",
///     "when": "need_searches >= 1 and days_in_stage >= 30",
///     "min_dwell": "7d",
///     "new_cycle": true
/// }"#).unwrap();
/// assert_eq!(rule.from, FromStages::Stages(vec!["post_purchase".into()]));
/// assert_eq!(rule.min_dwell, Some(Span::days(7)));
///
/// let same = TransitionSpec::new("repeat", "need_recognition", "need_searches >= 1 and days_in_stage >= 30")
///     .from(&["post_purchase"])
///     .min_dwell(Span::days(7))
///     .new_cycle();
/// assert_eq!(rule, same);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    /// A unique id among the transitions, reported when the rule fires.
    pub id: String,
    /// The stages the rule moves customers out of. Default: any stage.
    #[serde(default)]
    pub from: FromStages,
    /// The id of the stage the rule moves customers to.
    pub to: String,
    /// When the rule fires.
    pub when: When,
    /// Among rules that fire, the highest priority wins. Default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i32,
    /// The least time in the current stage before the rule may fire, so a
    /// customer does not flap between stages on noisy signals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_dwell: Option<Span>,
    /// Whether the rule may move a customer back to an earlier stage.
    #[serde(default, skip_serializing_if = "is_false")]
    pub back: bool,
    /// Whether the rule ends a buying cycle: it counts one more completed
    /// cycle in the state, and may go back.
    #[serde(default, skip_serializing_if = "is_false")]
    pub new_cycle: bool,
    /// What the rule means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl TransitionSpec {
    /// A forward rule from any stage, with priority 0 and no minimum dwell.
    pub fn new(id: &str, to: &str, when: impl Into<When>) -> Self {
        TransitionSpec {
            id: id.to_owned(),
            from: FromStages::Any,
            to: to.to_owned(),
            when: when.into(),
            priority: 0,
            min_dwell: None,
            back: false,
            new_cycle: false,
            description: None,
        }
    }

    /// The same rule, only from the stages `from`.
    pub fn from(mut self, from: &[&str]) -> Self {
        self.from = FromStages::Stages(from.iter().map(|&id| id.to_owned()).collect());
        self
    }

    /// The same rule with `priority`.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The same rule, firing only after `dwell` in the current stage.
    pub fn min_dwell(mut self, dwell: Span) -> Self {
        self.min_dwell = Some(dwell);
        self
    }

    /// The same rule, permitted to move a customer back.
    pub fn back(mut self) -> Self {
        self.back = true;
        self
    }

    /// The same rule, ending a buying cycle (and permitted to go back).
    pub fn new_cycle(mut self) -> Self {
        self.new_cycle = true;
        self
    }

    /// The same rule with a description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// The stages a transition rule moves customers out of.
///
/// In serde `"any"` is [`FromStages::Any`]; a stage id or a list of them is
/// [`FromStages::Stages`] (no stage can be named `any`, a keyword).
///
/// ```
/// use buyer_journey::FromStages;
///
/// let any: FromStages = serde_json::from_str(r#""any""#).unwrap();
/// let one: FromStages = serde_json::from_str(r#""evaluation""#).unwrap();
/// let two: FromStages = serde_json::from_str(r#"["evaluation", "purchase_decision"]"#).unwrap();
/// assert_eq!(any, FromStages::Any);
/// assert_eq!(one, FromStages::Stages(vec!["evaluation".into()]));
/// assert_eq!(two.to_string(), "evaluation, purchase_decision");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FromStages {
    /// Every stage the rule may move from: for a forward rule the stages
    /// before `to`, for a rule that may go back every stage but `to`.
    #[default]
    Any,
    /// These stages.
    Stages(Vec<String>),
}

impl fmt::Display for FromStages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FromStages::Any => f.write_str("any"),
            FromStages::Stages(stages) => f.write_str(&stages.join(", ")),
        }
    }
}

impl Serialize for FromStages {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FromStages::Any => serializer.serialize_str("any"),
            FromStages::Stages(stages) => stages.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for FromStages {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FromVisitor;

        impl<'de> Visitor<'de> for FromVisitor {
            type Value = FromStages;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"any\", a stage id or a list of stage ids")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<FromStages, E> {
                Ok(if text == "any" {
                    FromStages::Any
                } else {
                    FromStages::Stages(vec![text.to_owned()])
                })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FromStages, A::Error> {
                let mut stages = Vec::new();
                while let Some(stage) = seq.next_element::<String>()? {
                    stages.push(stage);
                }
                Ok(FromStages::Stages(stages))
            }
        }

        deserializer.deserialize_any(FromVisitor)
    }
}

/// A validated transition rule of an [`Engine`](crate::Engine).
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let rule = engine.transition("new_cycle.information_search").unwrap();
/// assert!(rule.new_cycle());
/// let from: Vec<&str> = rule.from().iter().map(|&id| engine.model().stage(id).unwrap().id()).collect();
/// assert_eq!(from, ["post_purchase"]);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRule {
    pub(crate) id: Arc<str>,
    /// The stages it fires from, in model order; never contains `to`.
    from: Vec<StageId>,
    any: bool,
    to: StageId,
    condition: Condition,
    priority: i32,
    min_dwell: Option<Span>,
    back: bool,
    new_cycle: bool,
    description: Option<String>,
}

impl TransitionRule {
    /// The rule's id as written.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stages the rule moves customers out of, in model order. For a
    /// rule written with `from: any`, the stages it can move from: before
    /// `to` for a forward rule, every stage but `to` otherwise.
    pub fn from(&self) -> &[StageId] {
        &self.from
    }

    /// Whether the rule was written with `from: any`.
    pub fn from_any(&self) -> bool {
        self.any
    }

    /// The stage the rule moves customers to.
    pub fn to(&self) -> StageId {
        self.to
    }

    /// The rule's condition, checked against the schema with `stage` and
    /// `days_in_stage`.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// Its priority: among rules that fire, the highest wins.
    pub fn priority(&self) -> i32 {
        self.priority
    }

    /// The least time in the current stage before the rule may fire.
    pub fn min_dwell(&self) -> Option<Span> {
        self.min_dwell
    }

    /// Whether the rule may move a customer back.
    pub fn back(&self) -> bool {
        self.back || self.new_cycle
    }

    /// Whether the rule ends a buying cycle.
    pub fn new_cycle(&self) -> bool {
        self.new_cycle
    }

    /// What the rule means, if the ruleset says.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// The schema transition conditions are checked against: the host's signals,
/// then `stage` and `days_in_stage`.
pub(crate) fn transition_schema(
    signals: &[SignalSpec],
    model: &StageModel,
) -> Result<Schema, Error> {
    if let Some(i) = signals
        .iter()
        .position(|signal| signal.name == STAGE_SIGNAL || signal.name == DAYS_SIGNAL)
    {
        return Err(Error::Invalid {
            location: Location::new(format!("signals[{i}].name")),
            message: format!(
                "'{}' names a value of transition conditions (`stage` is the customer's stage, \
                 `days_in_stage` the days in it); rename the signal",
                signals[i].name
            ),
        });
    }
    let mut specs = signals.to_vec();
    specs.push(SignalSpec::category(
        STAGE_SIGNAL,
        model.iter().map(|stage| stage.id().to_owned()),
    ));
    specs.push(SignalSpec::number(DAYS_SIGNAL));
    // The host's part is validated under the host's limits already; the two
    // extra signals must not push it over them.
    let roomy = Limits::default()
        .max_signals(usize::MAX)
        .max_labels(usize::MAX);
    Schema::with_limits(&specs, &roomy)
}

/// Validates the transition rules against the model and `schema` (from
/// [`transition_schema`]).
pub(crate) fn validate(
    specs: &[TransitionSpec],
    model: &StageModel,
    schema: &Schema,
    limits: &Limits,
) -> Result<Vec<TransitionRule>, Error> {
    let mut rules = Vec::with_capacity(specs.len());
    let mut ids = HashMap::new();
    for (i, spec) in specs.iter().enumerate() {
        let path = format!("transitions[{i}]");
        check_rule_id(&spec.id, "transition").map_err(|e| e.at(&format!("{path}.id")))?;
        if let Some(first) = ids.insert(spec.id.as_str(), i) {
            return Err(Error::Invalid {
                location: Location::new(format!("{path}.id")),
                message: format!(
                    "transition id '{}' is already used by transitions[{first}]",
                    spec.id
                ),
            });
        }
        let to = model
            .resolve(&spec.to)
            .map_err(|e| e.at(&format!("{path}.to")))?
            .stage_id();
        let back = spec.back || spec.new_cycle;
        let from = match &spec.from {
            FromStages::Any => model
                .iter()
                .map(|stage| stage.stage_id())
                .filter(|&stage| stage != to && (back || stage < to))
                .collect(),
            FromStages::Stages(ids) => from_stages(ids, to, back, model, &path)?,
        };
        if from.is_empty() {
            let message = if back {
                "the model has no other stage to move from".to_owned()
            } else {
                format!(
                    "'{}' is the first stage, so no forward move reaches it; add \"back\": true \
                     (or \"new_cycle\": true) to permit moving back to it",
                    spec.to
                )
            };
            return Err(Error::Invalid {
                location: Location::new(format!("{path}.to")),
                message,
            });
        }
        let condition = spec
            .when
            .compile(schema, limits)
            .map_err(|e| e.at(&format!("{path}.when")))?;
        rules.push(TransitionRule {
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
    Ok(rules)
}

/// The stages of an explicit `from` list, in model order.
fn from_stages(
    ids: &[String],
    to: StageId,
    back: bool,
    model: &StageModel,
    path: &str,
) -> Result<Vec<StageId>, Error> {
    if ids.is_empty() {
        return Err(Error::Invalid {
            location: Location::new(format!("{path}.from")),
            message: "a transition needs at least one stage to move from, or \"any\"".into(),
        });
    }
    let to_id = model.stage(to).map_or("", |stage| stage.id());
    let mut from = Vec::with_capacity(ids.len());
    for (j, id) in ids.iter().enumerate() {
        let at = || Location::new(format!("{path}.from[{j}]"));
        let stage = model
            .resolve(id)
            .map_err(|e| e.at(&format!("{path}.from[{j}]")))?;
        let stage = stage.stage_id();
        if from.contains(&stage) {
            return Err(Error::Invalid {
                location: at(),
                message: format!("stage '{id}' is listed twice"),
            });
        }
        if stage == to {
            return Err(Error::Invalid {
                location: at(),
                message: format!("a transition from '{id}' to '{to_id}' would not move"),
            });
        }
        if stage > to && !back {
            return Err(Error::Invalid {
                location: at(),
                message: format!(
                    "'{id}' comes after '{to_id}', so this transition goes back; add \
                     \"back\": true (or \"new_cycle\": true) to permit it"
                ),
            });
        }
        from.push(stage);
    }
    from.sort_unstable();
    Ok(from)
}

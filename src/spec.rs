//! The serde data form of a whole ruleset, and its validation.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use std::collections::HashMap;

use indexmap::IndexSet;

use crate::action::{Action, ActionSpec, Arbitration, Resolver};
use crate::condition::{check_with_focus, column_of, Condition};
use crate::error::{suggest, Error, Location};
use crate::id::{RuleId, StageId, TagId};
use crate::journey::{self, TransitionRule, TransitionSpec};
use crate::limits::{Bound, Limits};
use crate::signal::{check_name, Schema, SignalSpec};
use crate::stage::{Stage, StageModel, StageSpec};
use crate::tag::{Tag, TagSpec};

/// A whole ruleset as data: signals, stages, rules and the hit policy, and
/// the tags and action catalog that next-best-actions are chosen from.
///
/// Deserialize it from JSON (or any serde format) or build it in Rust; the
/// [`EngineBuilder`](crate::EngineBuilder) validates and compiles it.
///
/// # Example
///
/// ```
/// use buyer_journey::{Engine, RulesetSpec};
///
/// let spec: RulesetSpec = serde_json::from_str(r#"{
///     "signals": [{"name": "visits", "kind": "count"}, {"name": "orders", "kind": "count"}],
///     "stages": [
///         {"id": "prospect", "name": "Prospect"},
///         {"id": "customer", "name": "Customer"}
///     ],
///     "hit_policy": "furthest",
///     "stage_rules": [
///         {"id": "visited", "stage": "prospect", "when": "visits >= 1"},
///         {"id": "ordered", "stage": "customer", "when": "orders >= 1"}
///     ]
/// }"#).unwrap();
/// let engine = Engine::builder(spec).build()?;
///
/// let mut customer = engine.record();
/// customer.set("visits", 4)?;
/// customer.set("orders", 1)?;
/// let mut scratch = engine.scratch();
/// assert_eq!(engine.classify(&customer, &mut scratch).stage().id(), "customer");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetSpec {
    /// The signals the rules read.
    pub signals: Vec<SignalSpec>,
    /// The stages in order; the first is the entry stage.
    pub stages: Vec<StageSpec>,
    /// How evidence becomes one stage. Default: `furthest`.
    #[serde(default)]
    pub hit_policy: HitPolicy,
    /// Rules that give evidence for a stage.
    #[serde(default)]
    pub stage_rules: Vec<StageRuleSpec>,
    /// Rules that give points, positive or negative, to a stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub score_rules: Vec<ScoreRuleSpec>,
    /// The types of customer that actions are chosen by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagSpec>,
    /// The action catalog, in order: earlier actions win ties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionSpec>,
    /// How many actions to suggest, and how many of one group.
    #[serde(default)]
    pub arbitration: Arbitration,
    /// The rules that move a customer with a stored stage: see
    /// [`Engine::advance`](crate::Engine::advance).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<TransitionSpec>,
}

/// How the evidence for the stages becomes one stage.
///
/// Ties always break the same way, so the same input always gives the same
/// stage. With no evidence the customer is in the model's entry stage with
/// confidence 0.
///
/// ```
/// use buyer_journey::HitPolicy;
///
/// let policy: HitPolicy = serde_json::from_str("\"highest_score\"").unwrap();
/// assert_eq!(policy, HitPolicy::HighestScore);
/// assert_eq!(HitPolicy::default(), HitPolicy::Furthest);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitPolicy {
    /// The stage of the first stage rule that holds, in priority order:
    /// higher `priority` first and, among equal priorities, the earlier stage
    /// in the model.
    First,
    /// The furthest stage, in model order, with a stage rule that holds.
    #[default]
    Furthest,
    /// The stage with the most evidence: one point per stage rule that holds,
    /// the points of the score rules that hold, and what the host's
    /// [`StageScorer`](crate::StageScorer)s add. Ties go to the earlier stage;
    /// no positive evidence means the entry stage.
    HighestScore,
}

/// A rule that gives evidence for a stage.
///
/// ```
/// use buyer_journey::StageRuleSpec;
///
/// let rule = StageRuleSpec::new("evaluation.comparisons", "evaluation", "comparisons >= 1")
///     .describe("compares options side by side");
/// assert_eq!(rule.priority, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRuleSpec {
    /// A unique id, reported when the rule fires.
    pub id: String,
    /// The id of the stage the rule gives evidence for.
    pub stage: String,
    /// When the rule holds: condition text or a structured [`Condition`].
    pub when: When,
    /// Order under the `first` hit policy: higher goes first. Default 0.
    #[serde(default)]
    pub priority: i32,
    /// What the rule means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl StageRuleSpec {
    /// A rule with priority 0 and no description.
    pub fn new(id: &str, stage: &str, when: impl Into<When>) -> Self {
        StageRuleSpec {
            id: id.to_owned(),
            stage: stage.to_owned(),
            when: when.into(),
            priority: 0,
            description: None,
        }
    }

    /// The same rule with `priority`.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The same rule with a description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// A rule that gives points to a stage when it holds (HubSpot-style scoring;
/// negative points count against the stage).
///
/// ```
/// use buyer_journey::ScoreRuleSpec;
///
/// let rule = ScoreRuleSpec::new("unhappy", "post_purchase", "satisfaction <= 3", -2.0);
/// assert_eq!(rule.points, -2.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRuleSpec {
    /// A unique id among all rules, reported when the rule fires.
    pub id: String,
    /// The id of the stage the points go to.
    pub stage: String,
    /// When the rule holds.
    pub when: When,
    /// The points, a finite number; may be negative.
    pub points: f64,
    /// What the rule means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ScoreRuleSpec {
    /// A score rule without a description.
    pub fn new(id: &str, stage: &str, when: impl Into<When>, points: f64) -> Self {
        ScoreRuleSpec {
            id: id.to_owned(),
            stage: stage.to_owned(),
            when: when.into(),
            points,
            description: None,
        }
    }

    /// The same rule with a description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// A rule's condition as written: text to be parsed, or a structured tree.
///
/// In serde a string is text and an object is a [`Condition`]:
///
/// ```
/// use buyer_journey::{Condition, When};
///
/// let text: When = serde_json::from_str(r#""cart_adds >= 1""#).unwrap();
/// let tree: When = serde_json::from_str(r#"{"present": "cart_adds"}"#).unwrap();
/// assert_eq!(text, When::Text("cart_adds >= 1".into()));
/// assert_eq!(tree, When::Tree(Condition::Present("cart_adds".into())));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// Condition text, parsed when the engine is built.
    Text(String),
    /// A structured condition.
    Tree(Condition),
}

impl From<&str> for When {
    fn from(text: &str) -> Self {
        When::Text(text.to_owned())
    }
}

impl From<String> for When {
    fn from(text: String) -> Self {
        When::Text(text)
    }
}

impl From<Condition> for When {
    fn from(condition: Condition) -> Self {
        When::Tree(condition)
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            When::Text(text) => serializer.serialize_str(text),
            When::Tree(condition) => condition.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WhenVisitor;

        impl<'de> Visitor<'de> for WhenVisitor {
            type Value = When;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("condition text or a structured condition")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<When, E> {
                Ok(When::Text(text.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<When, A::Error> {
                Condition::deserialize(de::value::MapAccessDeserializer::new(map)).map(When::Tree)
            }
        }

        deserializer.deserialize_any(WhenVisitor)
    }
}

impl When {
    /// The condition, parsed and checked against `schema`; errors point at
    /// the column of the text where they can.
    pub(crate) fn compile(&self, schema: &Schema, limits: &Limits) -> Result<Condition, Error> {
        match self {
            When::Text(text) => {
                let condition = Condition::parse_with(text, limits)?;
                check_with_focus(&condition, schema, limits).map_err(|focused| {
                    let (error, focus) = *focused;
                    match focus.and_then(|name| column_of(text, &name)) {
                        Some(column) => error.at_column(column),
                        None => error,
                    }
                })?;
                Ok(condition)
            }
            When::Tree(condition) => {
                check_with_focus(condition, schema, limits).map_err(|focused| focused.0)?;
                Ok(condition.clone())
            }
        }
    }
}

/// What a rule does when it holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleKind {
    /// A stage rule: one point of evidence, and a candidate under the `first`
    /// and `furthest` hit policies.
    Stage {
        /// Its priority under the `first` hit policy.
        priority: i32,
    },
    /// A score rule: its points go to its stage.
    Score {
        /// The points, possibly negative.
        points: f64,
    },
}

/// A validated rule of an [`Engine`](crate::Engine).
///
/// ```
/// use buyer_journey::{models, Engine, RuleKind};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let rule = engine.rules().find(|r| r.id() == "purchase_decision.cart").unwrap();
/// assert_eq!(rule.condition().to_string(), "cart_adds >= 1");
/// assert!(matches!(rule.kind(), RuleKind::Stage { .. }));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    rule_id: RuleId,
    id: String,
    stage: StageId,
    kind: RuleKind,
    condition: Condition,
    description: Option<String>,
}

impl Rule {
    /// The rule's dense id in its engine.
    pub fn rule_id(&self) -> RuleId {
        self.rule_id
    }

    /// The rule's id as written in the ruleset.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stage the rule gives evidence for.
    pub fn stage(&self) -> StageId {
        self.stage
    }

    /// Whether it is a stage rule or a score rule.
    pub fn kind(&self) -> RuleKind {
        self.kind
    }

    /// The rule's condition, checked against the schema.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// What the rule means, if the ruleset says.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The evidence the rule gives its stage when it holds.
    pub(crate) fn points(&self) -> f64 {
        match self.kind {
            RuleKind::Stage { .. } => 1.0,
            RuleKind::Score { points } => points,
        }
    }
}

/// A ruleset that passed validation: everything the compiler needs.
#[derive(Debug, Clone)]
pub(crate) struct Validated {
    pub(crate) schema: Schema,
    pub(crate) model: StageModel,
    pub(crate) hit_policy: HitPolicy,
    /// Stage rules first, then score rules; `rules[i].rule_id().index() == i`.
    pub(crate) rules: Vec<Rule>,
    pub(crate) tags: Vec<Tag>,
    pub(crate) actions: Vec<Action>,
    /// How many distinct groups the actions have.
    pub(crate) groups: usize,
    pub(crate) arbitration: Arbitration,
    /// The host's signals, then `stage` and `days_in_stage`: what transition
    /// conditions read.
    pub(crate) transition_schema: Schema,
    pub(crate) transitions: Vec<TransitionRule>,
}

impl RulesetSpec {
    /// The validated schema of the ruleset's signals.
    ///
    /// # Errors
    ///
    /// As [`Schema::new`], with locations under `signals`.
    pub fn schema(&self) -> Result<Schema, Error> {
        Schema::new(&self.signals)
    }

    /// The validated stage model.
    ///
    /// # Errors
    ///
    /// As [`StageModel::new`].
    pub fn stage_model(&self) -> Result<StageModel, Error> {
        StageModel::new(&self.stages)
    }

    /// Validates the whole ruleset: names, references, conditions, limits.
    pub(crate) fn validate(&self, limits: &Limits) -> Result<Validated, Error> {
        let schema = Schema::with_limits(&self.signals, limits)?;
        let model = StageModel::with_limits(&self.stages, limits)?;
        limits.check(Bound::Rules, self.stage_rules.len(), || {
            Location::new("stage_rules")
        })?;
        limits.check(
            Bound::Rules,
            self.stage_rules.len() + self.score_rules.len(),
            || Location::new("score_rules"),
        )?;
        limits.check(Bound::Tags, self.tags.len(), || Location::new("tags"))?;
        limits.check(Bound::Actions, self.actions.len(), || {
            Location::new("actions")
        })?;
        let propensity_rules: usize = self
            .actions
            .iter()
            .map(|action| action.propensity_rules.len())
            .sum();
        let rules = self.stage_rules.len() + self.score_rules.len();
        limits.check(Bound::Rules, rules + propensity_rules, || {
            Location::new("actions")
        })?;
        limits.check(
            Bound::Rules,
            rules + propensity_rules + self.transitions.len(),
            || Location::new("transitions"),
        )?;

        let stage_rules = self
            .stage_rules
            .iter()
            .enumerate()
            .map(|(i, rule)| Written {
                path: format!("stage_rules[{i}]"),
                id: &rule.id,
                stage: &rule.stage,
                when: &rule.when,
                description: &rule.description,
                kind: RuleKind::Stage {
                    priority: rule.priority,
                },
            });
        let score_rules = self
            .score_rules
            .iter()
            .enumerate()
            .map(|(i, rule)| Written {
                path: format!("score_rules[{i}]"),
                id: &rule.id,
                stage: &rule.stage,
                when: &rule.when,
                description: &rule.description,
                kind: RuleKind::Score {
                    points: rule.points,
                },
            });
        let mut rules = Vec::with_capacity(self.stage_rules.len() + self.score_rules.len());
        let mut seen = HashMap::new();
        for written in stage_rules.chain(score_rules) {
            let path = &written.path;
            check_rule_id(written.id, "rule").map_err(|e| e.at(&format!("{path}.id")))?;
            if let Some(first) = seen.insert(written.id, path.clone()) {
                return Err(Error::Invalid {
                    location: Location::new(format!("{path}.id")),
                    message: format!("rule id '{}' is already used by {first}", written.id),
                });
            }
            if let RuleKind::Score { points } = written.kind {
                if !points.is_finite() {
                    return Err(Error::Invalid {
                        location: Location::new(format!("{path}.points")),
                        message: format!("points must be a finite number, found {points}"),
                    });
                }
            }
            let stage = model
                .resolve(written.stage)
                .map_err(|e| e.at(&format!("{path}.stage")))?
                .stage_id();
            let condition = written
                .when
                .compile(&schema, limits)
                .map_err(|e| e.at(&format!("{path}.when")))?;
            rules.push(Rule {
                rule_id: RuleId::new(rules.len()),
                id: written.id.to_owned(),
                stage,
                kind: written.kind,
                condition,
                description: written.description.clone(),
            });
        }
        let tags = self.validate_tags(&schema, limits)?;
        let (actions, groups) = self.validate_actions(&schema, &model, &tags, limits)?;
        self.arbitration.validate()?;
        let transition_schema = if self.transitions.is_empty() {
            schema.clone()
        } else {
            journey::transition_schema(&self.signals, &model)?
        };
        let transitions = journey::validate(&self.transitions, &model, &transition_schema, limits)?;
        Ok(Validated {
            schema,
            model,
            hit_policy: self.hit_policy,
            rules,
            tags,
            actions,
            groups,
            arbitration: self.arbitration,
            transition_schema,
            transitions,
        })
    }

    fn validate_tags(&self, schema: &Schema, limits: &Limits) -> Result<Vec<Tag>, Error> {
        let mut tags: Vec<Tag> = Vec::with_capacity(self.tags.len());
        for (i, spec) in self.tags.iter().enumerate() {
            let path = format!("tags[{i}]");
            check_name(&spec.id, "tag").map_err(|e| e.at(&format!("{path}.id")))?;
            if let Some(first) = tags.iter().position(|tag| tag.id == spec.id) {
                return Err(Error::Invalid {
                    location: Location::new(format!("{path}.id")),
                    message: format!("tag '{}' is already declared by tags[{first}]", spec.id),
                });
            }
            let condition = spec
                .when
                .compile(schema, limits)
                .map_err(|e| e.at(&format!("{path}.when")))?;
            tags.push(Tag {
                tag_id: TagId::new(i),
                id: spec.id.clone(),
                condition,
                description: spec.description.clone(),
            });
        }
        Ok(tags)
    }

    /// The actions, and how many distinct groups they have.
    fn validate_actions(
        &self,
        schema: &Schema,
        model: &StageModel,
        tags: &[Tag],
        limits: &Limits,
    ) -> Result<(Vec<Action>, usize), Error> {
        let stage = |id: &str| model.resolve(id).map(Stage::stage_id);
        let tag = |id: &str| {
            tags.iter()
                .find(|tag| tag.id == id)
                .map(|tag| tag.tag_id)
                .ok_or_else(|| Error::Unknown {
                    location: Location::default(),
                    what: "tag",
                    name: id.to_owned(),
                    suggestion: suggest(id, tags.iter().map(|tag| tag.id.as_str())),
                })
        };
        let condition = |when: &When| when.compile(schema, limits);
        let resolver = Resolver {
            stage: &stage,
            tag: &tag,
            condition: &condition,
        };
        let mut groups: IndexSet<String> = IndexSet::new();
        let mut ids = HashMap::new();
        let mut actions = Vec::with_capacity(self.actions.len());
        for (i, spec) in self.actions.iter().enumerate() {
            let path = format!("actions[{i}]");
            if let Some(first) = ids.insert(spec.id.as_str(), i) {
                return Err(Error::Invalid {
                    location: Location::new(format!("{path}.id")),
                    message: format!(
                        "action id '{}' is already used by actions[{first}]",
                        spec.id
                    ),
                });
            }
            let action = spec.validate(&path, i, &resolver, &mut |group| {
                groups.insert_full(group.to_owned()).0
            })?;
            actions.push(action);
        }
        Ok((actions, groups.len()))
    }
}

/// A stage rule or a score rule as written, with its place in the ruleset.
struct Written<'a> {
    path: String,
    id: &'a str,
    stage: &'a str,
    when: &'a When,
    description: &'a Option<String>,
    kind: RuleKind,
}

/// Rule, action and group ids are reported in output and logs: keep them
/// short and plain. `what` names the id in the message.
pub(crate) fn check_rule_id(id: &str, what: &str) -> Result<(), Error> {
    let plain = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | '/'));
    if plain {
        return Ok(());
    }
    Err(Error::Invalid {
        location: Location::default(),
        message: format!(
            "{what} id '{id}' must be 1 to 128 characters of letters, digits and '_', '.', '-', \
             ':', '/'"
        ),
    })
}

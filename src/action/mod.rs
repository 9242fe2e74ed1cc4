//! The action catalog: what the host can do for a customer, when, and how
//! often.
//!
//! An action applies in some stages, to customers whose signals meet its
//! eligibility condition and who have (or lack) some tags, as long as its
//! contact policy allows. Among the actions that pass, the engine ranks by
//! priority = propensity × value × weight and keeps the best few, at most a
//! few per group (see [`Arbitration`]).

mod history;
pub(crate) mod rank;
pub(crate) mod scorer;
mod suggestion;

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::error::{Error, Location};
use crate::id::{ActionId, StageId, TagId};
use crate::spec::When;
use crate::time::Span;

pub use history::{ContactHistory, ContactLog};
pub use scorer::{ActionInput, ActionScorer};
pub use suggestion::{SuggestedAction, Suggestion, Why};

/// One action of the catalog: the serde form used in a ruleset's `actions`.
///
/// Only `id`, `kind`, `stages` and `value` are required; the builder methods
/// set the rest.
///
/// ```
/// use buyer_journey::{ActionSpec, Span};
///
/// let action = ActionSpec::new("advisor_call", "consultation", &["evaluation"], 40.0)
///     .name("Call from an advisor")
///     .when("comparisons >= 1")
///     .excludes(&["complaining"])
///     .propensity(0.3)
///     .propensity_rule("sales_contacts >= 1", 0.6)
///     .cooldown(Span::days(3))
///     .max_dismissals(2);
/// let json = serde_json::to_string(&action).unwrap();
/// let back: ActionSpec = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, action);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// A unique id: letters, digits and `_ . - : /`, as for rules.
    pub id: String,
    /// A name for people; the id when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What sort of action it is (snake_case, such as `consultation`): for
    /// reporting, for the host to route it, and the default group.
    pub kind: String,
    /// The ids of the stages the action applies to; at least one.
    pub stages: Vec<String>,
    /// When a customer is eligible, beyond the stage and tags. Default: always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// Tags a customer must all have.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_tags: Vec<String>,
    /// Tags a customer must have none of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes_tags: Vec<String>,
    /// What the action is worth to the business when it works; finite, >= 0.
    pub value: f64,
    /// A lever the business turns: 0 switches the action off, 2 doubles its
    /// priority. Finite, >= 0; default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
    /// How likely the customer is to respond, in [0, 1], when no propensity
    /// rule holds. Default 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub propensity: f64,
    /// Propensities for particular customers: the first rule that holds
    /// gives the propensity instead of `propensity`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub propensity_rules: Vec<PropensityRuleSpec>,
    /// The group for diversity: at most [`Arbitration::max_per_group`]
    /// actions of one group are suggested together. Default: the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// How often the action may be shown to one customer.
    #[serde(default, skip_serializing_if = "ContactPolicy::is_unlimited")]
    pub contact: ContactPolicy,
    /// What the action is, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn one() -> f64 {
    1.0
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

impl ActionSpec {
    /// An action of `kind` for `stages`, worth `value`, always eligible,
    /// with weight 1, propensity 1 and no contact limits.
    pub fn new(id: &str, kind: &str, stages: &[&str], value: f64) -> Self {
        ActionSpec {
            id: id.to_owned(),
            name: String::new(),
            kind: kind.to_owned(),
            stages: stages.iter().map(|&stage| stage.to_owned()).collect(),
            when: None,
            requires_tags: Vec::new(),
            excludes_tags: Vec::new(),
            value,
            weight: 1.0,
            propensity: 1.0,
            propensity_rules: Vec::new(),
            group: None,
            contact: ContactPolicy::default(),
            description: None,
        }
    }

    /// The same action with a name for people.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// The same action, eligible only when `when` holds.
    pub fn when(mut self, when: impl Into<When>) -> Self {
        self.when = Some(when.into());
        self
    }

    /// The same action, for customers with all of `tags`.
    pub fn requires(mut self, tags: &[&str]) -> Self {
        self.requires_tags = tags.iter().map(|&tag| tag.to_owned()).collect();
        self
    }

    /// The same action, for customers with none of `tags`.
    pub fn excludes(mut self, tags: &[&str]) -> Self {
        self.excludes_tags = tags.iter().map(|&tag| tag.to_owned()).collect();
        self
    }

    /// The same action with `weight`.
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// The same action with a base `propensity`.
    pub fn propensity(mut self, propensity: f64) -> Self {
        self.propensity = propensity;
        self
    }

    /// The same action with one more propensity rule, after the others.
    pub fn propensity_rule(mut self, when: impl Into<When>, propensity: f64) -> Self {
        self.propensity_rules.push(PropensityRuleSpec {
            when: when.into(),
            propensity,
        });
        self
    }

    /// The same action in `group`.
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// The same action, not shown again until `cooldown` has passed since it
    /// was last shown.
    pub fn cooldown(mut self, cooldown: Span) -> Self {
        self.contact.cooldown = Some(cooldown);
        self
    }

    /// The same action, shown at most `times` within any `window`.
    pub fn cap(mut self, times: u32, window: Span) -> Self {
        self.contact.cap = Some(FrequencyCap { times, window });
        self
    }

    /// The same action, no longer shown once dismissed `dismissals` times.
    pub fn max_dismissals(mut self, dismissals: u32) -> Self {
        self.contact.max_dismissals = Some(dismissals);
        self
    }

    /// The same action with a description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// A propensity for the customers who meet a condition.
///
/// ```
/// use buyer_journey::PropensityRuleSpec;
///
/// let rule: PropensityRuleSpec =
///     serde_json::from_str(r#"{"when": "reviews_read >= 3", "propensity": 0.7}"#).unwrap();
/// assert_eq!(rule.propensity, 0.7);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropensityRuleSpec {
    /// When the rule holds.
    pub when: When,
    /// The propensity it gives, in [0, 1].
    pub propensity: f64,
}

/// How often an action may be shown to one customer. Every limit is
/// optional; the default has none. The host reports what it showed and what
/// the customer dismissed through a [`ContactHistory`].
///
/// ```
/// use buyer_journey::{ContactPolicy, Span};
///
/// let policy: ContactPolicy = serde_json::from_str(
///     r#"{"cooldown": "2d", "cap": {"times": 3, "window": "30d"}, "max_dismissals": 2}"#,
/// ).unwrap();
/// assert_eq!(policy.cooldown, Some(Span::days(2)));
/// assert!(!policy.is_unlimited());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPolicy {
    /// Not shown again until this much time has passed since it was last
    /// shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Span>,
    /// Shown at most so many times within a sliding window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<FrequencyCap>,
    /// No longer shown once the customer dismissed it this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dismissals: Option<u32>,
}

impl ContactPolicy {
    /// Whether the policy sets no limit at all.
    pub fn is_unlimited(&self) -> bool {
        *self == ContactPolicy::default()
    }
}

/// At most `times` showings within any `window` of time: an action shown at
/// `t` counts while `now - t < window`.
///
/// ```
/// use buyer_journey::{FrequencyCap, Span};
///
/// let cap = FrequencyCap { times: 2, window: Span::days(7) };
/// assert_eq!(serde_json::to_string(&cap).unwrap(), r#"{"times":2,"window":"7d"}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyCap {
    /// How many showings the window allows.
    pub times: u32,
    /// The length of the sliding window.
    pub window: Span,
}

/// How the ranked actions are cut down to the suggestions: the serde form
/// used in a ruleset's `arbitration`.
///
/// ```
/// use buyer_journey::Arbitration;
///
/// let arbitration: Arbitration = serde_json::from_str(r#"{"max_per_group": 2}"#).unwrap();
/// assert_eq!(arbitration.max_suggestions, 3);
/// assert_eq!(arbitration, Arbitration { max_suggestions: 3, max_per_group: 2 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Arbitration {
    /// How many actions to suggest at most (the top k). Default 3; at least 1.
    pub max_suggestions: usize,
    /// How many actions of one group to suggest at most. Default 1, so the
    /// suggestions are of different groups; at least 1.
    pub max_per_group: usize,
}

impl Default for Arbitration {
    fn default() -> Self {
        Arbitration {
            max_suggestions: 3,
            max_per_group: 1,
        }
    }
}

/// A propensity rule of a validated [`Action`].
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// for action in engine.actions() {
///     for rule in action.propensity_rules() {
///         assert!((0.0..=1.0).contains(&rule.propensity()));
///     }
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PropensityRule {
    condition: Condition,
    propensity: f64,
}

impl PropensityRule {
    /// When the rule holds.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The propensity it gives.
    pub fn propensity(&self) -> f64 {
        self.propensity
    }
}

/// A validated action of an [`Engine`](crate::Engine)'s catalog.
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let action = engine.action("evaluation.advisor_call").unwrap();
/// assert_eq!(action.kind(), "consultation");
/// assert_eq!(action.group(), "consultation");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub(crate) action_id: ActionId,
    id: String,
    name: String,
    kind: String,
    pub(crate) stages: Vec<StageId>,
    condition: Condition,
    pub(crate) requires: Vec<TagId>,
    pub(crate) excludes: Vec<TagId>,
    value: f64,
    weight: f64,
    propensity: f64,
    propensity_rules: Vec<PropensityRule>,
    group: String,
    /// Dense index of `group` among the catalog's groups.
    pub(crate) group_index: usize,
    contact: ContactPolicy,
    description: Option<String>,
}

impl Action {
    /// The action's dense id in its engine.
    pub fn action_id(&self) -> ActionId {
        self.action_id
    }

    /// The action's id as written in the catalog.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The action's name for people (its id when the catalog gives none).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What sort of action it is.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The stages it applies to, in model order.
    pub fn stages(&self) -> &[StageId] {
        &self.stages
    }

    /// When a customer is eligible (`true` when the catalog sets no condition).
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The tags a customer must all have.
    pub fn requires(&self) -> &[TagId] {
        &self.requires
    }

    /// The tags a customer must have none of.
    pub fn excludes(&self) -> &[TagId] {
        &self.excludes
    }

    /// What the action is worth to the business.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The business's lever on the action's priority.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// The propensity when no propensity rule holds.
    pub fn propensity(&self) -> f64 {
        self.propensity
    }

    /// The propensity rules, in order: the first that holds decides.
    pub fn propensity_rules(&self) -> &[PropensityRule] {
        &self.propensity_rules
    }

    /// The group for diversity (the kind unless the catalog names one).
    pub fn group(&self) -> &str {
        &self.group
    }

    /// How often the action may be shown.
    pub fn contact(&self) -> &ContactPolicy {
        &self.contact
    }

    /// What the action is, if the catalog says.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// Everything validation needs to turn [`ActionSpec`]s into [`Action`]s.
pub(crate) struct Resolver<'a> {
    pub(crate) stage: &'a dyn Fn(&str) -> Result<StageId, Error>,
    pub(crate) tag: &'a dyn Fn(&str) -> Result<TagId, Error>,
    pub(crate) condition: &'a dyn Fn(&When) -> Result<Condition, Error>,
}

impl ActionSpec {
    /// Validates the action at `path` (`actions[3]`) as the `index`th of the
    /// catalog; `group_index` numbers its group.
    pub(crate) fn validate(
        &self,
        path: &str,
        index: usize,
        resolve: &Resolver<'_>,
        group_index: &mut dyn FnMut(&str) -> usize,
    ) -> Result<Action, Error> {
        let at = |field: &str| format!("{path}.{field}");
        crate::spec::check_rule_id(&self.id, "action").map_err(|e| e.at(&at("id")))?;
        crate::signal::check_name(&self.kind, "kind").map_err(|e| e.at(&at("kind")))?;
        if self.stages.is_empty() {
            return Err(invalid(
                at("stages"),
                format!("action '{}' needs at least one stage", self.id),
            ));
        }
        let mut stages = Vec::with_capacity(self.stages.len());
        for (i, stage) in self.stages.iter().enumerate() {
            stages.push((resolve.stage)(stage).map_err(|e| e.at(&at(&format!("stages[{i}]"))))?);
        }
        stages.sort_unstable();
        stages.dedup();
        let tags = |field: &str, names: &[String]| -> Result<Vec<TagId>, Error> {
            let mut ids = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    (resolve.tag)(name).map_err(|e| e.at(&at(&format!("{field}[{i}]"))))
                })
                .collect::<Result<Vec<_>, _>>()?;
            ids.sort_unstable();
            ids.dedup();
            Ok(ids)
        };
        let requires = tags("requires_tags", &self.requires_tags)?;
        let excludes = tags("excludes_tags", &self.excludes_tags)?;
        if let Some(both) = self
            .requires_tags
            .iter()
            .find(|tag| self.excludes_tags.contains(tag))
        {
            return Err(invalid(
                at("excludes_tags"),
                format!(
                    "action '{}' both requires and excludes tag '{both}', so it can never be \
                     suggested",
                    self.id
                ),
            ));
        }
        check_amount(self.value, "value", &at("value"))?;
        check_amount(self.weight, "weight", &at("weight"))?;
        check_propensity(self.propensity, &at("propensity"))?;
        let condition = match &self.when {
            Some(when) => (resolve.condition)(when).map_err(|e| e.at(&at("when")))?,
            None => Condition::Bool(true),
        };
        let mut propensity_rules = Vec::with_capacity(self.propensity_rules.len());
        for (i, rule) in self.propensity_rules.iter().enumerate() {
            let rule_path = at(&format!("propensity_rules[{i}]"));
            check_propensity(rule.propensity, &format!("{rule_path}.propensity"))?;
            let condition =
                (resolve.condition)(&rule.when).map_err(|e| e.at(&format!("{rule_path}.when")))?;
            propensity_rules.push(PropensityRule {
                condition,
                propensity: rule.propensity,
            });
        }
        let group = self.group.clone().unwrap_or_else(|| self.kind.clone());
        crate::spec::check_rule_id(&group, "group").map_err(|e| e.at(&at("group")))?;
        if let Some(FrequencyCap { times: 0, .. }) = self.contact.cap {
            return Err(invalid(
                at("contact.cap.times"),
                format!(
                    "a cap of 0 times means action '{}' is never shown: remove the action or \
                     give it weight 0",
                    self.id
                ),
            ));
        }
        Ok(Action {
            action_id: ActionId::new(index),
            id: self.id.clone(),
            name: if self.name.is_empty() {
                self.id.clone()
            } else {
                self.name.clone()
            },
            kind: self.kind.clone(),
            stages,
            condition,
            requires,
            excludes,
            value: self.value,
            weight: self.weight,
            propensity: self.propensity,
            propensity_rules,
            group_index: group_index(&group),
            group,
            contact: self.contact,
            description: self.description.clone(),
        })
    }
}

impl Arbitration {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        for (value, field) in [
            (self.max_suggestions, "max_suggestions"),
            (self.max_per_group, "max_per_group"),
        ] {
            if value == 0 {
                return Err(invalid(
                    format!("arbitration.{field}"),
                    format!("{field} must be at least 1"),
                ));
            }
        }
        Ok(())
    }
}

fn invalid(path: String, message: String) -> Error {
    Error::Invalid {
        location: Location::new(path),
        message,
    }
}

fn check_amount(amount: f64, what: &str, path: &str) -> Result<(), Error> {
    if amount.is_finite() && amount >= 0.0 {
        return Ok(());
    }
    Err(invalid(
        path.to_owned(),
        format!("{what} must be a finite number >= 0, found {amount}"),
    ))
}

fn check_propensity(propensity: f64, path: &str) -> Result<(), Error> {
    if (0.0..=1.0).contains(&propensity) {
        return Ok(());
    }
    Err(invalid(
        path.to_owned(),
        format!("a propensity must be between 0 and 1, found {propensity}"),
    ))
}

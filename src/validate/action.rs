//! The action catalog: what the host can do for a customer, validated.

use std::collections::{HashMap, HashSet};

use indexmap::IndexSet;

use crate::condition::Condition;
use crate::error::{Error, Location};
use crate::index::{ActionIndex, StageIndex, TagIndex};
use crate::names::{check_plain, check_snake_case, suggest};
use crate::signal::Schema;
use crate::spec::{ActionSpec, Arbitration, ContactPolicy, FrequencyCap};
use crate::stage::StageModel;
use crate::time::Span;

use super::collector::{Collector, Declared};
use super::{Ids, Tag};

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
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// let rule = &cross_sell.propensity_rules()[0];
    /// assert_eq!(rule.condition().to_string(), "satisfaction >= 8");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The propensity it gives.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.propensity_rules()[0].propensity(), 0.6);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
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
/// let action = engine.find_action("evaluation.advisor_call").unwrap();
/// assert_eq!(action.kind(), "consultation");
/// assert_eq!(action.group(), "consultation");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    index: ActionIndex,
    id: String,
    name: String,
    kind: String,
    stages: Vec<StageIndex>,
    condition: Condition,
    requires: Vec<TagIndex>,
    excludes: Vec<TagIndex>,
    value: f64,
    weight: f64,
    propensity: f64,
    propensity_rules: Vec<PropensityRule>,
    group: String,
    /// Dense index of `group` among the catalog's groups.
    pub(crate) group_index: usize,
    contact: ContactPolicy,
    description: Option<String>,
    /// The longest time any contact policy of the catalog looks back: a
    /// showing older than that is seen by none.
    pub(crate) catalog_horizon: Span,
    fallback: bool,
}

impl Action {
    /// The action's index in its engine's catalog.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let action = engine.find_action("evaluation.demo").unwrap();
    /// assert_eq!(engine.action(action.index()), Some(action));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> ActionIndex {
        self.index
    }

    /// The action's id, as the catalog names it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.id(), "post_purchase.cross_sell");
    /// assert_eq!(engine.action(cross_sell.index()).unwrap().id(), cross_sell.id());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The action's name for people (its id when the catalog gives none).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.name(), "More for returning customers");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What sort of action it is.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.kind(), "cross_sell");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The stages it applies to, in model order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// let post_purchase = engine.model().find("post_purchase").unwrap().index();
    /// assert_eq!(cross_sell.stages(), [post_purchase]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stages(&self) -> &[StageIndex] {
        &self.stages
    }

    /// When a customer is eligible (`true` when the catalog sets no condition).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.condition().to_string(), "true");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The tags a customer must all have, in index order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// let returning = engine.find_tag("returning").unwrap().index();
    /// assert_eq!(cross_sell.requires(), [returning]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn requires(&self) -> &[TagIndex] {
        &self.requires
    }

    /// The tags a customer must have none of, in index order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// let ids: Vec<&str> = cross_sell.excludes().iter().map(|&tag| engine.tag(tag).unwrap().id()).collect();
    /// assert!(ids.contains(&"complaining") && ids.contains(&"at_risk"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn excludes(&self) -> &[TagIndex] {
        &self.excludes
    }

    /// What the action is worth to the business.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.value(), 45.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The business's lever on the action's priority.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.weight(), 1.0); // the default
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// The propensity when no propensity rule holds.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.propensity(), 0.4);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn propensity(&self) -> f64 {
        self.propensity
    }

    /// The propensity rules, in order: the first that holds decides.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.propensity_rules().len(), 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn propensity_rules(&self) -> &[PropensityRule] {
        &self.propensity_rules
    }

    /// The group for diversity (the kind unless the catalog names one).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.group(), cross_sell.kind());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn group(&self) -> &str {
        &self.group
    }

    /// How often the action may be shown.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Span};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert_eq!(cross_sell.contact().cooldown, Some(Span::days(7)));
    /// assert_eq!(cross_sell.contact().max_dismissals, Some(2));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn contact(&self) -> &ContactPolicy {
        &self.contact
    }

    /// What the action is, if the catalog says.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let cross_sell = engine.find_action("post_purchase.cross_sell").unwrap();
    /// assert!(cross_sell.description().unwrap().starts_with("Products that go with"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether the action is a fallback, offered only when no regular
    /// action of the customer's stage can be suggested (see
    /// [`ActionSpec::fallback`]).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert!(!engine.find_action("evaluation.advisor_call").unwrap().is_fallback());
    /// let evaluation = engine.model().find("evaluation").unwrap().index();
    /// let fallbacks: Vec<&str> = engine
    ///     .actions()
    ///     .filter(|action| action.is_fallback() && action.stages().contains(&evaluation))
    ///     .map(|action| action.id())
    ///     .collect();
    /// assert_eq!(fallbacks, ["evaluation.ask_our_staff"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_fallback(&self) -> bool {
        self.fallback
    }
}

/// What an action's references resolve against.
struct Context<'a> {
    schema: &'a Schema,
    model: Option<&'a StageModel>,
    /// Tag ids to their indices.
    tags: HashMap<&'a str, TagIndex>,
    all_tags: &'a [Tag],
    declared_tags: &'a Declared<'a>,
}

impl Context<'_> {
    /// The index of tag `id`, or `None` after keeping an unknown-tag error
    /// at `path` unless the tag is declared but broken.
    fn tag(&self, id: &str, path: &str, c: &mut Collector<'_>) -> Option<TagIndex> {
        if let Some(&index) = self.tags.get(id) {
            return Some(index);
        }
        if !self.declared_tags.contains(id) {
            c.push(
                Error::unknown("tag", id, suggest(id, self.all_tags.iter().map(Tag::id))).at(path),
            );
        }
        None
    }
}

/// The actions without errors, each indexed by its position among them,
/// and how many distinct groups they have.
pub(super) fn validate<'a>(
    specs: &[ActionSpec],
    schema: &'a Schema,
    model: Option<&'a StageModel>,
    tags: &'a [Tag],
    declared_tags: &'a Declared<'a>,
    c: &mut Collector<'_>,
) -> (Vec<Action>, usize) {
    let context = Context {
        schema,
        model,
        tags: tags.iter().map(|tag| (tag.id(), tag.index())).collect(),
        all_tags: tags,
        declared_tags,
    };
    let mut groups: IndexSet<&str> = IndexSet::new();
    let mut ids = Ids::new("action");
    let mut actions: Vec<Action> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let path = format!("actions[{i}]");
        let before = c.count();
        c.keep(ids.insert(&spec.id, &path));
        let action = validate_action(spec, &path, &context, c);
        let Some(mut action) = action else { continue };
        if c.count() > before {
            continue;
        }
        let group = spec.group.as_deref().unwrap_or(&spec.kind);
        action.index = ActionIndex::new(actions.len());
        action.group_index = groups.insert_full(group).0;
        actions.push(action);
    }
    let horizon = actions
        .iter()
        .filter_map(|action| action.contact.horizon())
        .max()
        .unwrap_or(Span::ZERO);
    for action in &mut actions {
        action.catalog_horizon = horizon;
    }
    (actions, groups.len())
}

/// Checks every field of the action at `path` (`actions[3]`), in the order
/// a ruleset writes them: the action, with index 0 and group 0 for the
/// caller to set, or `None` when a field is wrong.
fn validate_action(
    spec: &ActionSpec,
    path: &str,
    context: &Context<'_>,
    c: &mut Collector<'_>,
) -> Option<Action> {
    let limits = c.limits;
    let before = c.count();
    let at = |field: &str| format!("{path}.{field}");
    c.keep(check_plain(&spec.id, "action", limits).map_err(|e| e.at(&at("id"))));
    c.keep(check_snake_case(&spec.kind, "kind", limits).map_err(|e| e.at(&at("kind"))));
    if spec.stages.is_empty() {
        c.push(invalid(
            at("stages"),
            format!("action '{}' needs at least one stage", spec.id),
        ));
    }
    let mut stages: Vec<StageIndex> = spec
        .stages
        .iter()
        .enumerate()
        .filter_map(|(i, stage)| c.stage(context.model, stage, &at(&format!("stages[{i}]"))))
        .collect();
    stages.sort_unstable();
    stages.dedup();
    let condition = match &spec.when {
        Some(when) => c.condition(when, context.schema, &at("when")),
        None => Some(Condition::Bool(true)),
    };
    let mut tags = |field: &str, ids: &[String]| -> Vec<TagIndex> {
        let mut indices: Vec<TagIndex> = ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| context.tag(id, &at(&format!("{field}[{i}]")), c))
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices
    };
    let requires = tags("requires_tags", &spec.requires_tags);
    let excludes = tags("excludes_tags", &spec.excludes_tags);
    let excluded: HashSet<&str> = spec.excludes_tags.iter().map(String::as_str).collect();
    if let Some(both) = spec
        .requires_tags
        .iter()
        .find(|tag| excluded.contains(tag.as_str()))
    {
        c.push(invalid(
            at("excludes_tags"),
            format!(
                "action '{}' both requires and excludes tag '{both}', so it can never be \
                 suggested",
                spec.id
            ),
        ));
    }
    c.keep(check_amount(spec.value, "value", &at("value")));
    c.keep(check_amount(spec.weight, "weight", &at("weight")));
    c.keep(check_propensity(spec.propensity, &at("propensity")));
    let mut propensity_rules = Vec::with_capacity(spec.propensity_rules.len());
    for (i, rule) in spec.propensity_rules.iter().enumerate() {
        let rule_path = at(&format!("propensity_rules[{i}]"));
        let condition = c.condition(&rule.when, context.schema, &format!("{rule_path}.when"));
        c.keep(check_propensity(
            rule.propensity,
            &format!("{rule_path}.propensity"),
        ));
        if let Some(condition) = condition {
            propensity_rules.push(PropensityRule {
                condition,
                propensity: rule.propensity,
            });
        }
    }
    let group = spec.group.clone().unwrap_or_else(|| spec.kind.clone());
    c.keep(check_plain(&group, "group", limits).map_err(|e| e.at(&at("group"))));
    check_contact(&spec.contact, &spec.id, &at("contact"), c);
    if c.count() > before {
        return None;
    }
    Some(Action {
        index: ActionIndex::new(0),
        id: spec.id.clone(),
        name: if spec.name.is_empty() {
            spec.id.clone()
        } else {
            spec.name.clone()
        },
        kind: spec.kind.clone(),
        stages,
        condition: condition?,
        requires,
        excludes,
        value: spec.value,
        weight: spec.weight,
        propensity: spec.propensity,
        propensity_rules,
        group_index: 0,
        group,
        contact: spec.contact,
        description: spec.description.clone(),
        catalog_horizon: Span::ZERO,
        fallback: spec.fallback,
    })
}

/// A limit of 0 in a contact policy means the action is never shown: an
/// error, so a typo does not silently switch an action off.
fn check_contact(contact: &ContactPolicy, action: &str, path: &str, c: &mut Collector<'_>) {
    let never = |field: &str, what: &str| {
        invalid(
            format!("{path}.{field}"),
            format!(
                "{what} means action '{action}' is never shown: remove the action or give it \
                 weight 0"
            ),
        )
    };
    if let Some(FrequencyCap { times: 0, .. }) = contact.cap {
        c.push(never("cap.times", "a cap of 0 times"));
    }
    if contact.max_dismissals == Some(0) {
        c.push(never("max_dismissals", "a limit of 0 dismissals"));
    }
}

/// Checks that both numbers of the arbitration are at least 1.
pub(super) fn validate_arbitration(arbitration: &Arbitration, c: &mut Collector<'_>) {
    for (value, field) in [
        (arbitration.max_suggestions, "max_suggestions"),
        (arbitration.max_per_group, "max_per_group"),
    ] {
        if value == 0 {
            c.push(invalid(
                format!("arbitration.{field}"),
                format!("{field} must be at least 1"),
            ));
        }
    }
}

fn invalid(path: String, message: String) -> Error {
    Error::invalid(Location::new(path), message)
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

//! The action catalog: what the host can do for a customer, validated.

use std::collections::{HashMap, HashSet};

use indexmap::IndexSet;

use crate::action::ContactLog;
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
    aliases: Vec<String>,
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
    response_window: Option<Span>,
    description: Option<String>,
    /// The longest time any contact policy or limit of the catalog looks
    /// back: a record older than that is seen by none.
    pub(crate) catalog_horizon: Span,
    /// The longest window and the most times of the contact limits that
    /// count this action's showings, if any does.
    pub(crate) limit_reach: Option<(Span, u32)>,
    fallback: bool,
}

/// What a customer's history must keep of one action for its policy, the
/// contact limits over it and its response window to see all they look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retention {
    /// How far back showings are read; `None` when none are.
    pub(crate) showings_for: Option<Span>,
    /// How many of the latest showings are read at most.
    pub(crate) showings: u32,
    /// How far back responses are read; `None` when none are.
    pub(crate) responses_for: Option<Span>,
}

/// As long as time goes: dismissals that never expire.
const FOREVER: Span = Span::seconds(u64::MAX);

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

    /// The action's old ids ([`ActionSpec::aliases`]): a
    /// [`ContactLog`](crate::ContactLog) counts what it holds under them for
    /// this action, and [`Engine::find_action`](crate::Engine::find_action)
    /// finds it by them.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.actions[0].aliases = vec!["need_recognition.overview".into()];
    /// let engine = Engine::builder(spec).build()?;
    /// let action = engine.find_action("need_recognition.overview").unwrap();
    /// assert_eq!(action.id(), "need_recognition.product_overview");
    /// assert!(action.aliases().eq(["need_recognition.overview"]));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn aliases(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.aliases.iter().map(String::as_str)
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

    /// How long the customer has to respond to a showing before it counts
    /// as ignored ([`ActionSpec::response_window`]); `None` if never.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert!(engine.actions().all(|action| action.response_window().is_none()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn response_window(&self) -> Option<Span> {
        self.response_window
    }

    /// What a customer's history must keep of the action.
    pub(crate) fn retention(&self) -> Retention {
        let policy = &self.contact;
        let window = self.response_window;
        // Ignored showings are rejections at the end of their window.
        let suppression = policy
            .suppress
            .map(|s| s.window.as_seconds().saturating_add(s.hide.as_seconds()));
        let ignored = window
            .and(suppression)
            .zip(window)
            .map(|(back, window)| Span::seconds(back.saturating_add(window.as_seconds())));
        let showings_for = [
            policy.horizon(),
            self.limit_reach.map(|(window, _)| window),
            window,
            ignored,
        ]
        .into_iter()
        .flatten()
        .max();
        let mut showings = policy.cap.map_or(1, |cap| cap.times.max(1));
        if let Some((_, times)) = self.limit_reach {
            showings = showings.max(times);
        }
        if window.is_some() {
            showings = showings.max(ContactLog::KEPT);
        }
        let dismissals = policy
            .max_dismissals
            .map(|_| policy.dismissals_expire.unwrap_or(FOREVER));
        let responses_for = [
            dismissals,
            suppression.map(Span::seconds),
            // Responses answer the showings kept.
            window.and(showings_for),
        ]
        .into_iter()
        .flatten()
        .max();
        Retention {
            showings_for,
            showings,
            responses_for,
        }
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
    let mut aliases = Aliases::new(specs);
    for (i, spec) in specs.iter().enumerate() {
        let path = format!("actions[{i}]");
        let before = c.count();
        c.keep(ids.insert(&spec.id, &path));
        let action = validate_action(spec, &path, &context, c);
        // A wrong alias is an error, but leaves the action whole.
        let broken = c.count() > before;
        aliases.check(spec, &path, c);
        let Some(mut action) = action else { continue };
        if broken {
            continue;
        }
        let group = spec.group.as_deref().unwrap_or(&spec.kind);
        action.index = ActionIndex::new(actions.len());
        action.group_index = groups.insert_full(group).0;
        actions.push(action);
    }
    (actions, groups.len())
}

/// Sets what each action needs to know of the catalog's look-back, once
/// the contact limits over the actions are known. Dismissals that never
/// expire do not stretch it: a history keeps every entry with dismissals
/// whose policy it does not know.
pub(super) fn set_horizons(actions: &mut [Action]) {
    let horizon = actions
        .iter()
        .map(Action::retention)
        .flat_map(|keep| [keep.showings_for, keep.responses_for])
        .flatten()
        .filter(|&span| span != FOREVER)
        .max()
        .unwrap_or(Span::ZERO);
    for action in actions {
        action.catalog_horizon = horizon;
    }
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
    if spec.response_window == Some(Span::ZERO) {
        c.push(invalid(
            at("response_window"),
            format!(
                "the response window of action '{}' must be more than zero",
                spec.id
            ),
        ));
    }
    if c.count() > before {
        return None;
    }
    Some(Action {
        index: ActionIndex::new(0),
        id: spec.id.clone(),
        aliases: spec.aliases.clone(),
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
        response_window: spec.response_window,
        description: spec.description.clone(),
        catalog_horizon: Span::ZERO,
        limit_reach: None,
        fallback: spec.fallback,
    })
}

/// What an action's aliases may not be: the id of an action (where each is
/// first declared) or an alias seen before (where it was).
struct Aliases<'a> {
    ids: HashMap<&'a str, usize>,
    seen: HashMap<&'a str, String>,
}

impl<'a> Aliases<'a> {
    fn new(specs: &'a [ActionSpec]) -> Self {
        let mut ids = HashMap::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            ids.entry(spec.id.as_str()).or_insert(i);
        }
        Aliases {
            ids,
            seen: HashMap::new(),
        }
    }

    /// Keeps an error at `path.aliases[j]` for each alias of `spec` that is
    /// not written as an id is, or names another action.
    fn check(&mut self, spec: &'a ActionSpec, path: &str, c: &mut Collector<'_>) {
        for (j, alias) in spec.aliases.iter().enumerate() {
            let at = format!("{path}.aliases[{j}]");
            if c.keep(check_plain(alias, "action", c.limits).map_err(|e| e.at(&at)))
                .is_none()
            {
                continue;
            }
            let taken = match (self.ids.get(alias.as_str()), self.seen.get(alias.as_str())) {
                (Some(action), _) => format!("the id of actions[{action}]"),
                (None, Some(first)) => format!("already an alias at {first}"),
                (None, None) => {
                    self.seen.insert(alias, at);
                    continue;
                }
            };
            c.push(invalid(at, format!("action alias '{alias}' is {taken}")));
        }
    }
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
    let zero = |field: &str, what: &str| {
        invalid(
            format!("{path}.{field}"),
            format!("{what} of action '{action}' must be more than zero"),
        )
    };
    if contact.dismissals_expire == Some(Span::ZERO) {
        c.push(zero(
            "dismissals_expire",
            "the time dismissals expire after",
        ));
    }
    if let Some(suppress) = contact.suppress {
        if suppress.rejections == 0 {
            c.push(invalid(
                format!("{path}.suppress.rejections"),
                format!("a suppression of action '{action}' needs at least 1 rejection"),
            ));
        }
        if suppress.window == Span::ZERO {
            c.push(zero("suppress.window", "the suppression window"));
        }
        if suppress.hide == Span::ZERO {
            c.push(zero("suppress.hide", "the time a suppression hides"));
        }
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

//! The action catalog as data: what the host can do for a customer, when,
//! how often, and how the ranked actions are cut down to suggestions.

use serde::{Deserialize, Serialize};

use crate::condition::When;
use crate::time::Span;

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
#[non_exhaustive]
pub struct ActionSpec {
    /// A unique id: letters, digits and `_ . - : /`, as for rules.
    pub id: String,
    /// Old ids of the action, after a rename: what a host stored under one
    /// of them (the showings and dismissals of a
    /// [`ContactLog`](crate::ContactLog)) counts for this action. Each is
    /// written as an id is, and used by no other action, as an id or an
    /// alias.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A name for people; the id when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What sort of action it is (`snake_case`, such as `consultation`): for
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
    /// How long the customer has to respond to a showing: a showing at
    /// `t` with no [`Response`](crate::Response) recorded at `t` or later
    /// and before `t + response_window` counts as
    /// [`Response::Ignored`](crate::Response::Ignored) from `t +
    /// response_window` on. Default: none, a showing is never ignored.
    /// More than zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_window: Option<Span>,
    /// What the action is, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A fallback: offered only when no regular action of the customer's
    /// stage can be suggested. Default false. See [`ActionSpec::fallback`].
    #[serde(default, skip_serializing_if = "is_false")]
    pub fallback: bool,
}

fn one() -> f64 {
    1.0
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_one(x: &f64) -> bool {
    *x == 1.0
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(x: &bool) -> bool {
    !*x
}

impl ActionSpec {
    /// An action of `kind` for `stages`, worth `value`, always eligible,
    /// with weight 1, propensity 1 and no contact limits.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0);
    /// assert_eq!((demo.weight, demo.propensity), (1.0, 1.0));
    /// assert!(demo.when.is_none() && demo.contact.is_unlimited());
    /// assert_eq!(serde_json::to_string(&demo).unwrap(),
    ///     r#"{"id":"evaluation.demo","kind":"offer","stages":["evaluation"],"value":40.0}"#);
    /// ```
    #[must_use]
    pub fn new(id: &str, kind: &str, stages: &[&str], value: f64) -> Self {
        ActionSpec {
            id: id.to_owned(),
            aliases: Vec::new(),
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
            response_window: None,
            description: None,
            fallback: false,
        }
    }

    /// The same action with a name for people.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).name("Book a demo");
    /// assert_eq!(demo.name, "Book a demo");
    /// ```
    #[must_use]
    pub fn name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// The same action with `aliases`, its old ids: after renaming action
    /// `evaluation.demo` to `evaluation.live_demo`, the showings a contact
    /// log holds for `evaluation.demo` count for `evaluation.live_demo`.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.live_demo", "offer", &["evaluation"], 40.0)
    ///     .aliases(&["evaluation.demo"]);
    /// assert_eq!(serde_json::to_string(&demo).unwrap(),
    ///     r#"{"id":"evaluation.live_demo","aliases":["evaluation.demo"],"kind":"offer","stages":["evaluation"],"value":40.0}"#);
    /// ```
    #[must_use]
    pub fn aliases(mut self, aliases: &[&str]) -> Self {
        self.aliases = aliases.iter().map(|&alias| alias.to_owned()).collect();
        self
    }

    /// The same action, eligible only when `when` holds.
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, When};
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).when("comparisons >= 2");
    /// assert_eq!(demo.when, Some(When::Text("comparisons >= 2".into())));
    /// ```
    #[must_use]
    pub fn when(mut self, when: impl Into<When>) -> Self {
        self.when = Some(when.into());
        self
    }

    /// The same action, for customers with all of `tags`.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).requires(&["business"]);
    /// assert_eq!(demo.requires_tags, ["business"]);
    /// ```
    #[must_use]
    pub fn requires(mut self, tags: &[&str]) -> Self {
        self.requires_tags = tags.iter().map(|&tag| tag.to_owned()).collect();
        self
    }

    /// The same action, for customers with none of `tags`.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).excludes(&["churned"]);
    /// assert_eq!(demo.excludes_tags, ["churned"]);
    /// ```
    #[must_use]
    pub fn excludes(mut self, tags: &[&str]) -> Self {
        self.excludes_tags = tags.iter().map(|&tag| tag.to_owned()).collect();
        self
    }

    /// The same action with `weight`.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).weight(0.5);
    /// assert_eq!(demo.weight, 0.5);
    /// ```
    #[must_use]
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// The same action with a base `propensity`.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).propensity(0.3);
    /// assert_eq!(demo.propensity, 0.3);
    /// ```
    #[must_use]
    pub fn propensity(mut self, propensity: f64) -> Self {
        self.propensity = propensity;
        self
    }

    /// The same action with one more propensity rule, after the others.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0)
    ///     .propensity_rule("quote_requests >= 1", 0.8)
    ///     .propensity_rule("comparisons >= 3", 0.6);
    /// assert_eq!(demo.propensity_rules.len(), 2);
    /// assert_eq!(demo.propensity_rules[1].propensity, 0.6);
    /// ```
    #[must_use]
    pub fn propensity_rule(mut self, when: impl Into<When>, propensity: f64) -> Self {
        self.propensity_rules
            .push(PropensityRuleSpec::new(when, propensity));
        self
    }

    /// The same action in `group`.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).group("sales");
    /// assert_eq!(demo.group.as_deref(), Some("sales"));
    /// ```
    #[must_use]
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// The same action, not shown again until `cooldown` has passed since it
    /// was last shown.
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, Span};
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).cooldown(Span::days(3));
    /// assert_eq!(demo.contact.cooldown, Some(Span::days(3)));
    /// ```
    #[must_use]
    pub fn cooldown(mut self, cooldown: Span) -> Self {
        self.contact.cooldown = Some(cooldown);
        self
    }

    /// The same action, shown at most `times` within any `window`.
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, Span};
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).cap(2, Span::days(7));
    /// assert_eq!(serde_json::to_string(&demo.contact).unwrap(), r#"{"cap":{"times":2,"window":"7d"}}"#);
    /// ```
    #[must_use]
    pub fn cap(mut self, times: u32, window: Span) -> Self {
        self.contact.cap = Some(FrequencyCap::new(times, window));
        self
    }

    /// The same action, no longer shown once dismissed `dismissals` times.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).max_dismissals(1);
    /// assert_eq!(demo.contact.max_dismissals, Some(1));
    /// ```
    #[must_use]
    pub fn max_dismissals(mut self, dismissals: u32) -> Self {
        self.contact.max_dismissals = Some(dismissals);
        self
    }

    /// The same action, counting a showing the customer did not respond to
    /// within `window` as ignored (see [`ActionSpec::response_window`]).
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, Span};
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0)
    ///     .response_window(Span::days(2));
    /// assert_eq!(demo.response_window, Some(Span::days(2)));
    /// ```
    #[must_use]
    pub fn response_window(mut self, window: Span) -> Self {
        self.response_window = Some(window);
        self
    }

    /// The same action, hidden for `hide` once the customer rejected it
    /// `rejections` times within `window` (see [`Suppression`]).
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, Span, Suppression};
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0)
    ///     .suppress(3, Span::days(30), Span::days(14));
    /// assert_eq!(demo.contact.suppress, Some(Suppression::new(3, Span::days(30), Span::days(14))));
    /// ```
    #[must_use]
    pub fn suppress(mut self, rejections: u32, window: Span, hide: Span) -> Self {
        self.contact.suppress = Some(Suppression::new(rejections, window, hide));
        self
    }

    /// The same action, whose dismissals stop counting towards
    /// [`max_dismissals`](ContactPolicy::max_dismissals) once they are
    /// `after` old.
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, Span};
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0)
    ///     .max_dismissals(2)
    ///     .dismissals_expire(Span::days(90));
    /// assert_eq!(demo.contact.dismissals_expire, Some(Span::days(90)));
    /// ```
    #[must_use]
    pub fn dismissals_expire(mut self, after: Span) -> Self {
        self.contact.dismissals_expire = Some(after);
        self
    }

    /// The same action as a **fallback**: offered only when no regular
    /// (non-fallback) action of the customer's stage can be suggested, for
    /// example because every one is cooling down, so that a customer is not
    /// left without an answer.
    ///
    /// Otherwise a fallback is an ordinary action: it applies in its
    /// stages, to customers with its tags whose condition holds, its
    /// contact policy limits how often it is shown, and its priority is
    /// propensity × value × weight. When no regular action of the stage can
    /// be suggested (none passes, or all that pass have priority 0), the
    /// fallbacks of the stage are ranked exactly as regular actions are,
    /// with the same [`Arbitration`] (at most `max_suggestions` of them, at
    /// most `max_per_group` of a group, equal priorities by catalog order);
    /// fallbacks and regular actions are never suggested together, so a
    /// fallback takes no place from a regular action.
    ///
    /// A fallback's own contact policy still applies, so the ruleset
    /// decides whether an empty answer is possible: a fallback without a
    /// contact policy (and with a positive priority) guarantees an answer
    /// whenever its stage, tags and condition allow it.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let help = ActionSpec::new("evaluation.ask_us", "consultation", &["evaluation"], 5.0).fallback();
    /// assert!(help.fallback);
    /// assert_eq!(serde_json::to_string(&help).unwrap(),
    ///     r#"{"id":"evaluation.ask_us","kind":"consultation","stages":["evaluation"],"value":5.0,"fallback":true}"#);
    /// ```
    #[must_use]
    pub fn fallback(mut self) -> Self {
        self.fallback = true;
        self
    }

    /// The same action with a description.
    ///
    /// ```
    /// use buyer_journey::ActionSpec;
    ///
    /// let demo = ActionSpec::new("evaluation.demo", "offer", &["evaluation"], 40.0).describe("a live walk-through");
    /// assert_eq!(demo.description.as_deref(), Some("a live walk-through"));
    /// ```
    #[must_use]
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
#[non_exhaustive]
pub struct PropensityRuleSpec {
    /// When the rule holds.
    pub when: When,
    /// The propensity it gives, in [0, 1].
    pub propensity: f64,
}

impl PropensityRuleSpec {
    /// A propensity of `propensity` for the customers `when` holds for.
    ///
    /// ```
    /// use buyer_journey::PropensityRuleSpec;
    ///
    /// let rule = PropensityRuleSpec::new("reviews_read >= 3", 0.7);
    /// assert_eq!(rule.propensity, 0.7);
    /// ```
    #[must_use]
    pub fn new(when: impl Into<When>, propensity: f64) -> Self {
        PropensityRuleSpec {
            when: when.into(),
            propensity,
        }
    }
}

/// How often an action may be shown to one customer. Every limit is
/// optional; the default has none. The host reports what it showed and what
/// the customer dismissed through a [`ContactHistory`](crate::ContactHistory).
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
#[non_exhaustive]
pub struct ContactPolicy {
    /// Not shown again until this much time has passed since it was last
    /// shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Span>,
    /// Shown at most so many times within a sliding window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<FrequencyCap>,
    /// No longer shown once the customer dismissed it this many times; at
    /// least 1. Only the dismissals younger than
    /// [`dismissals_expire`](ContactPolicy::dismissals_expire) count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dismissals: Option<u32>,
    /// How long a dismissal counts towards `max_dismissals`: a dismissal
    /// at `t` counts while `now - t < dismissals_expire`. Default: for
    /// ever. A dismissal stored without a time (by version 0.1's
    /// `record_dismissed`) never expires. More than zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissals_expire: Option<Span>,
    /// Hidden for a while after repeated rejections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress: Option<Suppression>,
}

impl ContactPolicy {
    /// Whether the policy sets no limit at all.
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, ContactPolicy, Span};
    ///
    /// assert!(ContactPolicy::default().is_unlimited());
    /// let demo = ActionSpec::new("demo", "offer", &["evaluation"], 40.0).cooldown(Span::days(1));
    /// assert!(!demo.contact.is_unlimited());
    /// ```
    #[must_use]
    pub fn is_unlimited(&self) -> bool {
        *self == ContactPolicy::default()
    }

    /// How far back the policy looks at showings: the longer of the
    /// cooldown and the cap's window; `None` when it reads no showings.
    pub(crate) fn horizon(&self) -> Option<Span> {
        self.cooldown
            .into_iter()
            .chain(self.cap.map(|cap| cap.window))
            .max()
    }
}

/// Hides an action for `hide` once the customer rejected it `rejections`
/// times within `window`: "3 rejections in 30 days: hide for 14 days".
///
/// A rejection is a [dismissal](crate::Response::Dismissed) or an
/// [ignored](crate::Response::Ignored) showing (recorded by the host, or a
/// showing left unanswered for the action's
/// [`response_window`](ActionSpec::response_window), ignored at the instant
/// the window ends). A rejection at `t` that is at least the
/// `rejections`-th within the window ending at it (the rejections at `r`
/// with `t - window < r <= t`) starts a suppression: the action is hidden
/// at every `now` with `t <= now < t + hide`, and shown again at exactly
/// `t + hide`.
///
/// ```
/// use buyer_journey::{Span, Suppression};
///
/// let suppression: Suppression =
///     serde_json::from_str(r#"{"rejections": 3, "window": "30d", "hide": "14d"}"#).unwrap();
/// assert_eq!(suppression, Suppression::new(3, Span::days(30), Span::days(14)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Suppression {
    /// How many rejections within `window` start a suppression; at least 1.
    pub rejections: u32,
    /// The window the rejections are counted in; more than zero.
    pub window: Span,
    /// How long the action is hidden; more than zero.
    pub hide: Span,
}

impl Suppression {
    /// Hidden for `hide` after `rejections` rejections within `window`.
    ///
    /// ```
    /// use buyer_journey::{Span, Suppression};
    ///
    /// let suppression = Suppression::new(3, Span::days(30), Span::days(14));
    /// assert_eq!(suppression.hide, Span::days(14));
    /// ```
    #[must_use]
    pub fn new(rejections: u32, window: Span, hide: Span) -> Self {
        Suppression {
            rejections,
            window,
            hide,
        }
    }
}

/// At most `times` showings within any `window` of time: an action shown at
/// `t` counts while `now - t < window`. `times` is at least 1.
///
/// ```
/// use buyer_journey::{FrequencyCap, Span};
///
/// let cap = FrequencyCap::new(2, Span::days(7));
/// assert_eq!(serde_json::to_string(&cap).unwrap(), r#"{"times":2,"window":"7d"}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FrequencyCap {
    /// How many showings the window allows.
    pub times: u32,
    /// The length of the sliding window.
    pub window: Span,
}

impl FrequencyCap {
    /// At most `times` showings within any `window`.
    ///
    /// ```
    /// use buyer_journey::{ActionSpec, FrequencyCap, Span};
    ///
    /// let action = ActionSpec::new("demo", "demo", &["evaluation"], 10.0).cap(2, Span::days(7));
    /// assert_eq!(action.contact.cap, Some(FrequencyCap::new(2, Span::days(7))));
    /// ```
    #[must_use]
    pub fn new(times: u32, window: Span) -> Self {
        FrequencyCap { times, window }
    }
}

/// How the ranked actions are cut down to the suggestions: the serde form
/// used in a ruleset's `arbitration`.
///
/// ```
/// use buyer_journey::Arbitration;
///
/// let arbitration: Arbitration = serde_json::from_str(r#"{"max_per_group": 2}"#).unwrap();
/// assert_eq!(arbitration.max_suggestions, 3);
/// assert_eq!(arbitration, Arbitration::new(3, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Arbitration {
    /// How many actions to suggest at most (the top k). Default 3; at least 1.
    pub max_suggestions: usize,
    /// How many actions of one group to suggest at most. Default 1, so the
    /// suggestions are of different groups; at least 1.
    pub max_per_group: usize,
}

impl Arbitration {
    /// At most `max_suggestions` actions, and at most `max_per_group` of one
    /// group.
    ///
    /// ```
    /// use buyer_journey::Arbitration;
    ///
    /// assert_eq!(Arbitration::new(3, 1), Arbitration::default());
    /// ```
    #[must_use]
    pub fn new(max_suggestions: usize, max_per_group: usize) -> Self {
        Arbitration {
            max_suggestions,
            max_per_group,
        }
    }
}

impl Default for Arbitration {
    fn default() -> Self {
        Arbitration {
            max_suggestions: 3,
            max_per_group: 1,
        }
    }
}

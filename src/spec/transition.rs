//! Transition rules as data: how a customer with a stored stage moves to
//! another.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::condition::When;
use crate::time::Span;

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
#[non_exhaustive]
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

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &i32) -> bool {
    *n == 0
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

impl TransitionSpec {
    /// A forward rule from any stage, with priority 0 and no minimum dwell.
    ///
    /// ```
    /// use buyer_journey::{FromStages, TransitionSpec};
    ///
    /// let rule = TransitionSpec::new("to_evaluation", "evaluation", "comparisons >= 1");
    /// assert_eq!(rule.from, FromStages::Any);
    /// assert_eq!((rule.priority, rule.min_dwell, rule.back, rule.new_cycle), (0, None, false, false));
    /// ```
    #[must_use]
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
    ///
    /// ```
    /// use buyer_journey::{FromStages, TransitionSpec};
    ///
    /// let rule = TransitionSpec::new("to_evaluation", "evaluation", "comparisons >= 1").from(&["information_search"]);
    /// assert_eq!(rule.from, FromStages::Stages(vec!["information_search".into()]));
    /// ```
    #[must_use]
    pub fn from(mut self, from: &[&str]) -> Self {
        self.from = FromStages::Stages(from.iter().map(|&id| id.to_owned()).collect());
        self
    }

    /// The same rule with `priority`.
    ///
    /// ```
    /// use buyer_journey::TransitionSpec;
    ///
    /// let rule = TransitionSpec::new("to_evaluation", "evaluation", "comparisons >= 1").priority(3);
    /// assert_eq!(rule.priority, 3);
    /// ```
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The same rule, firing only after `dwell` in the current stage.
    ///
    /// ```
    /// use buyer_journey::{Span, TransitionSpec};
    ///
    /// let rule = TransitionSpec::new("to_evaluation", "evaluation", "comparisons >= 1").min_dwell(Span::days(2));
    /// assert_eq!(rule.min_dwell, Some(Span::days(2)));
    /// ```
    #[must_use]
    pub fn min_dwell(mut self, dwell: Span) -> Self {
        self.min_dwell = Some(dwell);
        self
    }

    /// The same rule, permitted to move a customer back.
    ///
    /// ```
    /// use buyer_journey::TransitionSpec;
    ///
    /// let rule = TransitionSpec::new("lapsed", "need_recognition", "comparisons == 0").back();
    /// assert!(rule.back && !rule.new_cycle);
    /// ```
    #[must_use]
    pub fn back(mut self) -> Self {
        self.back = true;
        self
    }

    /// The same rule, ending a buying cycle (and permitted to go back).
    ///
    /// ```
    /// use buyer_journey::TransitionSpec;
    ///
    /// let rule = TransitionSpec::new("again", "need_recognition", "need_searches >= 1")
    ///     .from(&["post_purchase"])
    ///     .new_cycle();
    /// assert!(rule.new_cycle);
    /// ```
    #[must_use]
    pub fn new_cycle(mut self) -> Self {
        self.new_cycle = true;
        self
    }

    /// The same rule with a description.
    ///
    /// ```
    /// use buyer_journey::TransitionSpec;
    ///
    /// let rule = TransitionSpec::new("to_evaluation", "evaluation", "comparisons >= 1").describe("started comparing");
    /// assert_eq!(rule.description.as_deref(), Some("started comparing"));
    /// ```
    #[must_use]
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

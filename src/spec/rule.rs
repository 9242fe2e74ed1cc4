//! The rules of a ruleset that read a customer's signals: stage rules,
//! score rules and tags.

use serde::{Deserialize, Serialize};

use crate::condition::When;

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
#[non_exhaustive]
pub struct StageRuleSpec {
    /// A unique id among all rules, reported when the rule fires.
    pub id: String,
    /// The id of the stage the rule gives evidence for.
    pub stage: String,
    /// When the rule holds: condition text or a structured
    /// [`Condition`](crate::Condition).
    pub when: When,
    /// Order under the `first` hit policy: higher goes first, and equal
    /// priorities go in the order the rules are written. Default 0.
    #[serde(default)]
    pub priority: i32,
    /// What the rule means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl StageRuleSpec {
    /// A rule with priority 0 and no description.
    ///
    /// ```
    /// use buyer_journey::StageRuleSpec;
    ///
    /// let rule = StageRuleSpec::new("cart", "purchase_decision", "cart_adds >= 1");
    /// assert_eq!((rule.priority, rule.description), (0, None));
    /// ```
    #[must_use]
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
    ///
    /// ```
    /// use buyer_journey::StageRuleSpec;
    ///
    /// let rule = StageRuleSpec::new("cart", "purchase_decision", "cart_adds >= 1").priority(2);
    /// assert_eq!(rule.priority, 2);
    /// ```
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    /// The same rule with a description.
    ///
    /// ```
    /// use buyer_journey::StageRuleSpec;
    ///
    /// let rule = StageRuleSpec::new("cart", "purchase_decision", "cart_adds >= 1").describe("has a cart");
    /// assert_eq!(rule.description.as_deref(), Some("has a cart"));
    /// ```
    #[must_use]
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
#[non_exhaustive]
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
    ///
    /// ```
    /// use buyer_journey::ScoreRuleSpec;
    ///
    /// let rule = ScoreRuleSpec::new("happy", "post_purchase", "satisfaction >= 8", 1.5);
    /// assert_eq!((rule.points, rule.description), (1.5, None));
    /// ```
    #[must_use]
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
    ///
    /// ```
    /// use buyer_journey::ScoreRuleSpec;
    ///
    /// let rule = ScoreRuleSpec::new("happy", "post_purchase", "satisfaction >= 8", 1.5).describe("rates us well");
    /// assert_eq!(rule.description.as_deref(), Some("rates us well"));
    /// ```
    #[must_use]
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// A tag (a type of customer: `new`, `returning`, `loyal`, ...) and the
/// condition under which a customer has it. A customer can have any number
/// of tags.
///
/// ```
/// use buyer_journey::TagSpec;
///
/// let tag = TagSpec::new("returning", "purchases >= 2").describe("has bought more than once");
/// assert_eq!(tag.id, "returning");
/// let json = serde_json::to_string(&tag).unwrap();
/// assert_eq!(
///     json,
///     r#"{"id":"returning","when":"purchases >= 2","description":"has bought more than once"}"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TagSpec {
    /// A `snake_case` id, unique among the tags, used by actions and in output.
    pub id: String,
    /// When a customer has the tag.
    pub when: When,
    /// What the tag means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl TagSpec {
    /// A tag without a description.
    ///
    /// ```
    /// use buyer_journey::TagSpec;
    ///
    /// let tag = TagSpec::new("loyal", "purchases >= 5");
    /// assert_eq!((tag.id.as_str(), tag.description), ("loyal", None));
    /// ```
    #[must_use]
    pub fn new(id: &str, when: impl Into<When>) -> Self {
        TagSpec {
            id: id.to_owned(),
            when: when.into(),
            description: None,
        }
    }

    /// The same tag with a description.
    ///
    /// ```
    /// use buyer_journey::TagSpec;
    ///
    /// let tag = TagSpec::new("loyal", "purchases >= 5").describe("buys again and again");
    /// assert_eq!(tag.description.as_deref(), Some("buys again and again"));
    /// ```
    #[must_use]
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

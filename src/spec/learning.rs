//! How a ruleset's propensities learn from responses: the serde form of
//! the `learning` section.

use serde::{Deserialize, Serialize};

use crate::action::Response;
use crate::time::Span;

/// How propensities learn from the responses the host records in a
/// [`LearnedStore`](crate::LearnedStore): the `learning` section of a
/// ruleset. Every field has a default, so `learning = {}` (TOML) or
/// `"learning": {}` (JSON) turns learning on with the defaults.
///
/// Per action and stage (and, with `by_tags`, per tag) the store keeps a
/// Beta-Bernoulli estimate of the response rate. Its prior is the
/// propensity the ruleset (or the host's scorer) gives the customer, worth
/// `prior_strength` responses; each response counts less as it ages, by
/// half every `half_life`; the learned estimate replaces the prior in
/// [`LearnedStore::exploit`](crate::LearnedStore::exploit) once the
/// responses, so weighted, reach `maturity`.
///
/// ```
/// use buyer_journey::{LearningSpec, Span, Success};
///
/// let learning: LearningSpec = serde_json::from_str(r#"{
///     "prior_strength": 20,
///     "half_life": "14d",
///     "by_tags": ["loyal", "new"],
///     "success": "converted"
/// }"#).unwrap();
/// assert_eq!(learning.half_life, Span::days(14));
/// assert_eq!(learning.maturity, LearningSpec::default().maturity);
/// assert_eq!(learning.success, Success::Converted);
/// let json = serde_json::to_string(&learning).unwrap();
/// assert_eq!(serde_json::from_str::<LearningSpec>(&json).unwrap(), learning);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LearningSpec {
    /// How many responses the ruleset's propensity is worth: the prior is
    /// Beta(p·s, (1 − p)·s) for propensity p and this strength s. Finite
    /// and above 0. Default 10.
    #[serde(default = "default_prior_strength")]
    pub prior_strength: f64,
    /// How long until a response counts half: one `half_life` old it
    /// weighs 1/2, two old 1/4. Above 0. Default 30 days.
    #[serde(default = "default_half_life")]
    pub half_life: Span,
    /// How many responses (weighed by age) an estimate needs before
    /// exploitation uses it instead of the prior. Finite and at least 0.
    /// Default 30.
    #[serde(default = "default_maturity")]
    pub maturity: f64,
    /// Tags to learn by, in order of preference: a customer's responses
    /// count for the first of these tags the customer has (within the
    /// action and stage), or for the action and stage alone when they have
    /// none. Default: none, one estimate per action and stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_tags: Vec<String>,
    /// Which responses count as a success. Default: `accepted` (accepted
    /// or converted).
    #[serde(default, skip_serializing_if = "Success::is_default")]
    pub success: Success,
}

fn default_prior_strength() -> f64 {
    10.0
}

fn default_half_life() -> Span {
    Span::days(30)
}

fn default_maturity() -> f64 {
    30.0
}

impl Default for LearningSpec {
    fn default() -> Self {
        LearningSpec {
            prior_strength: default_prior_strength(),
            half_life: default_half_life(),
            maturity: default_maturity(),
            by_tags: Vec::new(),
            success: Success::default(),
        }
    }
}

impl LearningSpec {
    /// The defaults: prior strength 10, half-life 30 days, maturity 30, no
    /// tags, success when accepted.
    ///
    /// ```
    /// use buyer_journey::{LearningSpec, Span};
    ///
    /// let learning = LearningSpec::new().half_life(Span::days(7)).by_tags(&["loyal"]);
    /// assert_eq!(learning.prior_strength, 10.0);
    /// assert_eq!(learning.by_tags, ["loyal"]);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        LearningSpec::default()
    }

    /// Sets [`prior_strength`](LearningSpec::prior_strength).
    ///
    /// ```
    /// use buyer_journey::LearningSpec;
    ///
    /// assert_eq!(LearningSpec::new().prior_strength(4.0).prior_strength, 4.0);
    /// ```
    #[must_use]
    pub fn prior_strength(mut self, responses: f64) -> Self {
        self.prior_strength = responses;
        self
    }

    /// Sets [`half_life`](LearningSpec::half_life).
    ///
    /// ```
    /// use buyer_journey::{LearningSpec, Span};
    ///
    /// assert_eq!(LearningSpec::new().half_life(Span::days(3)).half_life, Span::days(3));
    /// ```
    #[must_use]
    pub fn half_life(mut self, half_life: Span) -> Self {
        self.half_life = half_life;
        self
    }

    /// Sets [`maturity`](LearningSpec::maturity).
    ///
    /// ```
    /// use buyer_journey::LearningSpec;
    ///
    /// assert_eq!(LearningSpec::new().maturity(100.0).maturity, 100.0);
    /// ```
    #[must_use]
    pub fn maturity(mut self, responses: f64) -> Self {
        self.maturity = responses;
        self
    }

    /// Sets [`by_tags`](LearningSpec::by_tags).
    ///
    /// ```
    /// use buyer_journey::LearningSpec;
    ///
    /// assert_eq!(LearningSpec::new().by_tags(&["new", "loyal"]).by_tags, ["new", "loyal"]);
    /// ```
    #[must_use]
    pub fn by_tags(mut self, tags: &[&str]) -> Self {
        self.by_tags = tags.iter().map(|&tag| tag.to_owned()).collect();
        self
    }

    /// Sets [`success`](LearningSpec::success).
    ///
    /// ```
    /// use buyer_journey::{LearningSpec, Success};
    ///
    /// assert_eq!(LearningSpec::new().success(Success::Converted).success, Success::Converted);
    /// ```
    #[must_use]
    pub fn success(mut self, success: Success) -> Self {
        self.success = success;
        self
    }
}

/// Which [`Response`]s count as a success when learning; every response is
/// a trial.
///
/// ```
/// use buyer_journey::{Response, Success};
///
/// assert!(Success::Accepted.counts(Response::Converted));
/// assert!(!Success::Converted.counts(Response::Accepted));
/// assert_eq!(serde_json::to_string(&Success::Converted).unwrap(), r#""converted""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Success {
    /// Accepted or converted: the customer took the action up.
    #[default]
    Accepted,
    /// Only converted: the customer went on to buy.
    Converted,
}

impl Success {
    /// Whether `response` is a success.
    ///
    /// ```
    /// use buyer_journey::{Response, Success};
    ///
    /// assert!(!Success::Accepted.counts(Response::Dismissed));
    /// assert!(Success::Converted.counts(Response::Converted));
    /// ```
    #[must_use]
    pub fn counts(self, response: Response) -> bool {
        match self {
            Success::Accepted => response.is_positive(),
            Success::Converted => response == Response::Converted,
        }
    }

    // A `fn(&Self)` is what serde's `skip_serializing_if` calls.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn is_default(&self) -> bool {
        *self == Success::default()
    }
}

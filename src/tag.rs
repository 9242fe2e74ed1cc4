//! Tags: the types of customer (`new`, `returning`, `loyal`, `at_risk`, ...)
//! that actions are chosen by.

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::id::TagId;
use crate::spec::When;

/// A tag and the condition under which a customer has it: the serde form
/// used in a ruleset's `tags`. A customer can have any number of tags.
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
pub struct TagSpec {
    /// A snake_case id, unique among the tags, used by actions and in output.
    pub id: String,
    /// When a customer has the tag.
    pub when: When,
    /// What the tag means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl TagSpec {
    /// A tag without a description.
    pub fn new(id: &str, when: impl Into<When>) -> Self {
        TagSpec {
            id: id.to_owned(),
            when: when.into(),
            description: None,
        }
    }

    /// The same tag with a description.
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// A validated tag of an [`Engine`](crate::Engine).
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let tag = engine.tag("complaining").unwrap();
/// assert_eq!(tag.condition().to_string(), "open_complaints >= 1");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub(crate) tag_id: TagId,
    pub(crate) id: String,
    pub(crate) condition: Condition,
    pub(crate) description: Option<String>,
}

impl Tag {
    /// The tag's dense id in its engine.
    pub fn tag_id(&self) -> TagId {
        self.tag_id
    }

    /// The tag's id as written in the ruleset.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When a customer has the tag.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// What the tag means, if the ruleset says.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

//! Tags: the types of customer (`new`, `returning`, `loyal`, `at_risk`, ...)
//! that actions are chosen by.

use crate::condition::Condition;
use crate::index::TagIndex;
use crate::names::check_snake_case;
use crate::signal::Schema;
use crate::spec::TagSpec;

use super::collector::Collector;
use super::Ids;

/// A validated tag of an [`Engine`](crate::Engine).
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let tag = engine.find_tag("complaining").unwrap();
/// assert_eq!(tag.condition().to_string(), "open_complaints >= 1");
/// assert_eq!(engine.tag(tag.index()).unwrap().id(), "complaining");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    index: TagIndex,
    id: String,
    condition: Condition,
    description: Option<String>,
}

impl Tag {
    /// The tag's index in its engine.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let tag = engine.find_tag("new").unwrap();
    /// assert_eq!(engine.tag(tag.index()), Some(tag));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> TagIndex {
        self.index
    }

    /// The tag's id, as the ruleset names it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let returning = engine.find_tag("returning").unwrap();
    /// assert_eq!(returning.id(), "returning");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When a customer has the tag.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let returning = engine.find_tag("returning").unwrap();
    /// assert_eq!(returning.condition().to_string(), "purchases >= 2");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// What the tag means, if the ruleset says.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let returning = engine.find_tag("returning").unwrap();
    /// assert_eq!(returning.description(), Some("has bought more than once"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// The tags without errors, each indexed by its position among them.
pub(super) fn validate(specs: &[TagSpec], schema: &Schema, c: &mut Collector<'_>) -> Vec<Tag> {
    let mut tags: Vec<Tag> = Vec::with_capacity(specs.len());
    let mut ids = Ids::new("tag");
    for (i, spec) in specs.iter().enumerate() {
        let path = format!("tags[{i}]");
        let before = c.count();
        let id =
            check_snake_case(&spec.id, "tag", c.limits).map_err(|e| e.at(&format!("{path}.id")));
        if c.keep(id).is_some() {
            c.keep(ids.insert(&spec.id, &path));
        }
        let condition = c.condition(&spec.when, schema, &format!("{path}.when"));
        let Some(condition) = condition else { continue };
        if c.count() > before {
            continue;
        }
        tags.push(Tag {
            index: TagIndex::new(tags.len()),
            id: spec.id.clone(),
            condition,
            description: spec.description.clone(),
        });
    }
    tags
}

//! The stage model: the ordered stages a customer moves through.

use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{suggest, Error, Location};
use crate::id::StageId;
use crate::limits::{Bound, Limits};
use crate::signal::check_name;

/// The declaration of one stage: the serde form used in a ruleset's `stages`.
///
/// ```
/// use buyer_journey::StageSpec;
///
/// let stage: StageSpec = serde_json::from_str(
///     r#"{"id": "interest", "name": "Interest", "description": "wants to know more"}"#,
/// ).unwrap();
/// assert_eq!(stage.id, "interest");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// A snake_case id, unique in the model, used by rules and in output.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// What the customer does in this stage and what the seller should do.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl StageSpec {
    /// A stage with an id, a name and a description.
    ///
    /// ```
    /// # use buyer_journey::StageSpec;
    /// let stage = StageSpec::new("attention", "Attention", "notices the offer");
    /// assert_eq!(stage.name, "Attention");
    /// ```
    pub fn new(id: &str, name: &str, description: &str) -> Self {
        StageSpec {
            id: id.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
        }
    }
}

/// One stage of a [`StageModel`].
///
/// ```
/// use buyer_journey::models;
///
/// let model = models::buying_process().stage_model()?;
/// let stage = model.get("evaluation").unwrap();
/// assert_eq!(stage.name(), "Evaluation of options");
/// assert_eq!(stage.stage_id().index(), 2);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    stage_id: StageId,
    id: String,
    name: String,
    description: String,
}

impl Stage {
    /// The stage's dense id: its position in the model.
    pub fn stage_id(&self) -> StageId {
        self.stage_id
    }

    /// The stage's snake_case id, as rules and output name it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stage's name for people.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What happens in this stage; may be empty.
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// The ordered stages of a buying process. The first stage is the entry stage:
/// a customer with no evidence for any stage is placed there.
///
/// Cheap to clone: clones share one allocation.
///
/// # Example
///
/// ```
/// use buyer_journey::{StageModel, StageSpec};
///
/// let aida = StageModel::new(&[
///     StageSpec::new("attention", "Attention", ""),
///     StageSpec::new("interest", "Interest", ""),
///     StageSpec::new("desire", "Desire", ""),
///     StageSpec::new("action", "Action", ""),
/// ])?;
/// assert_eq!(aida.entry().id(), "attention");
///
/// assert!(StageModel::new(&[]).is_err());
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageModel {
    stages: Arc<IndexMap<String, Stage>>,
}

impl StageModel {
    /// Validates the stages under the default [`Limits`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for an empty model, an id that is not snake_case or
    /// appears twice, and an empty name; [`Error::Limit`] for more stages
    /// than [`Limits::max_stages`].
    pub fn new(stages: &[StageSpec]) -> Result<Self, Error> {
        Self::with_limits(stages, &Limits::default())
    }

    /// Validates the stages under `limits`.
    ///
    /// # Errors
    ///
    /// As [`StageModel::new`].
    pub fn with_limits(specs: &[StageSpec], limits: &Limits) -> Result<Self, Error> {
        limits.check(Bound::Stages, specs.len(), || Location::new("stages"))?;
        if specs.is_empty() {
            return Err(Error::Invalid {
                location: Location::new("stages"),
                message: "a stage model needs at least one stage".into(),
            });
        }
        let mut stages = IndexMap::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            check_name(&spec.id, "stage").map_err(|e| e.at(&format!("stages[{i}].id")))?;
            if spec.name.trim().is_empty() {
                return Err(Error::Invalid {
                    location: Location::new(format!("stages[{i}].name")),
                    message: format!("stage '{}' needs a name", spec.id),
                });
            }
            let stage = Stage {
                stage_id: StageId::new(i),
                id: spec.id.clone(),
                name: spec.name.clone(),
                description: spec.description.clone(),
            };
            if stages.insert(spec.id.clone(), stage).is_some() {
                return Err(Error::Invalid {
                    location: Location::new(format!("stages[{i}].id")),
                    message: format!("stage '{}' is declared twice", spec.id),
                });
            }
        }
        Ok(StageModel {
            stages: Arc::new(stages),
        })
    }

    /// The entry stage: the first one.
    pub fn entry(&self) -> &Stage {
        // `new` rejects an empty model.
        &self.stages[0]
    }

    /// The stage with id `id`.
    pub fn get(&self, id: &str) -> Option<&Stage> {
        self.stages.get(id)
    }

    /// The dense id of the stage with id `id`.
    pub fn id(&self, id: &str) -> Option<StageId> {
        self.stages.get_index_of(id).map(StageId::new)
    }

    /// The stage with dense id `id`, if this model issued it.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// let id = model.id("post_purchase").unwrap();
    /// assert_eq!(model.stage(id).unwrap().id(), "post_purchase");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.stages.get_index(id.index()).map(|(_, stage)| stage)
    }

    /// The stages in model order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Stage> + '_ {
        self.stages.values()
    }

    /// The number of stages, at least 1.
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// Always false: a model has at least one stage.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// The stage with id `id`, or an [`Error::Unknown`] with a suggestion.
    pub(crate) fn resolve(&self, id: &str) -> Result<&Stage, Error> {
        self.get(id).ok_or_else(|| Error::Unknown {
            location: Location::default(),
            what: "stage",
            name: id.to_owned(),
            suggestion: suggest(id, self.stages.keys().map(String::as_str)),
        })
    }
}

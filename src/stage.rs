//! Part of step 0 of the pipeline, the input: the stage model, the ordered
//! stages a customer moves through, validated on its own and read by every
//! later step.

use std::collections::HashSet;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location};
use crate::index::StageIndex;
use crate::limits::{Bound, Limits};
use crate::names::{check_snake_case, suggest};

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
#[non_exhaustive]
pub struct StageSpec {
    /// A `snake_case` id, unique in the model, used by rules and in output.
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
    #[must_use]
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
/// let stage = model.find("evaluation").unwrap();
/// assert_eq!(stage.name(), "Evaluation of options");
/// assert_eq!(stage.index().as_usize(), 2);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    index: StageIndex,
    id: String,
    name: String,
    description: String,
}

impl Stage {
    /// The stage's index: its position in the model.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let model = models::buying_process().stage_model()?;
    /// let stage = model.find("evaluation").unwrap();
    /// assert_eq!(model.stage(stage.index()), Some(stage));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> StageIndex {
        self.index
    }

    /// The stage's `snake_case` id, as rules and output name it.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.entry().id(), "need_recognition");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stage's name for people.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.find("evaluation").unwrap().name(), "Evaluation of options");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What happens in this stage; may be empty.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert!(model.entry().description().starts_with("The customer notices a need"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
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
    /// ```
    /// use buyer_journey::{StageModel, StageSpec};
    ///
    /// let model = StageModel::new(&[StageSpec::new("lead", "Lead", "")])?;
    /// assert_eq!(model.entry().id(), "lead");
    /// let twice = [StageSpec::new("lead", "Lead", ""), StageSpec::new("lead", "Again", "")];
    /// assert_eq!(StageModel::new(&twice).unwrap_err().to_string(),
    ///     "stages[1].id: stage 'lead' is declared twice");
    /// assert!(StageModel::new(&[]).is_err());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for an empty model,
    /// an id that is not `snake_case` or appears twice, and an empty name;
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) for more stages than
    /// [`Limits::max_stages`] or an id longer than [`Limits::max_id_len`].
    pub fn new(stages: &[StageSpec]) -> Result<Self, Error> {
        Self::with_limits(stages, &Limits::default())
    }

    /// Validates the stages under `limits`.
    ///
    /// ```
    /// use buyer_journey::{Limits, StageModel, StageSpec};
    ///
    /// let stages = [StageSpec::new("lead", "Lead", ""), StageSpec::new("customer", "Customer", "")];
    /// let err = StageModel::with_limits(&stages, &Limits::default().max_stages(1)).unwrap_err();
    /// assert!(err.is_limit());
    /// assert_eq!(StageModel::with_limits(&stages, &Limits::default()).unwrap().len(), 2);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`StageModel::new`].
    pub fn with_limits(specs: &[StageSpec], limits: &Limits) -> Result<Self, Error> {
        let mut errors = Vec::new();
        let model = Self::collect(specs, limits, &mut errors);
        match (model, errors.into_iter().next()) {
            (Some(model), None) => Ok(model),
            (_, Some(error)) => Err(error),
            // `collect` gives no model only with an error.
            (None, None) => Err(Error::invalid(
                Location::new("stages"),
                "a stage model needs at least one stage".into(),
            )),
        }
    }

    /// Validates the stages under `limits`, pushing every error to `errors`
    /// in order: the model of the stages without errors, or `None` when
    /// there is none or the list as a whole is wrong (empty, or longer than
    /// [`Limits::max_stages`], in which case no stage is looked at).
    pub(crate) fn collect(
        specs: &[StageSpec],
        limits: &Limits,
        errors: &mut Vec<Error>,
    ) -> Option<Self> {
        if let Err(e) = limits.check(Bound::Stages, specs.len(), || Location::new("stages")) {
            errors.push(e);
            return None;
        }
        if specs.is_empty() {
            errors.push(Error::invalid(
                Location::new("stages"),
                "a stage model needs at least one stage".into(),
            ));
            return None;
        }
        let mut stages = IndexMap::with_capacity(specs.len());
        // Every well-formed id seen, of broken stages too, so that a second
        // declaration is reported even when the first was broken.
        let mut declared = HashSet::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let before = errors.len();
            match check_snake_case(&spec.id, "stage", limits) {
                Err(e) => errors.push(e.at(&format!("stages[{i}].id"))),
                Ok(()) if !declared.insert(spec.id.as_str()) => errors.push(Error::invalid(
                    Location::new(format!("stages[{i}].id")),
                    format!("stage '{}' is declared twice", spec.id),
                )),
                Ok(()) => {}
            }
            if spec.name.trim().is_empty() {
                errors.push(Error::invalid(
                    Location::new(format!("stages[{i}].name")),
                    format!("stage '{}' needs a name", spec.id),
                ));
            }
            if errors.len() > before {
                continue;
            }
            let stage = Stage {
                // Dense over the stages kept; the position in the model when
                // none is broken, the only case an engine is built from.
                index: StageIndex::new(stages.len()),
                id: spec.id.clone(),
                name: spec.name.clone(),
                description: spec.description.clone(),
            };
            stages.insert(spec.id.clone(), stage);
        }
        // `entry` needs a stage.
        (!stages.is_empty()).then(|| StageModel {
            stages: Arc::new(stages),
        })
    }

    /// The entry stage: the first one.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.entry().index().as_usize(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn entry(&self) -> &Stage {
        // `new` rejects an empty model.
        &self.stages[0]
    }

    /// The stage with id `id`.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.find("evaluation").unwrap().index().as_usize(), 2);
    /// assert!(model.find("checkout").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find(&self, id: &str) -> Option<&Stage> {
        self.stages.get(id)
    }

    /// The stage at `index`, if this model issued it.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// let index = model.find("post_purchase").unwrap().index();
    /// assert_eq!(model.stage(index).unwrap().id(), "post_purchase");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stage(&self, index: StageIndex) -> Option<&Stage> {
        self.stages
            .get_index(index.as_usize())
            .map(|(_, stage)| stage)
    }

    /// The stages in model order.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// let ids: Vec<&str> = model.iter().map(|stage| stage.id()).collect();
    /// assert_eq!(ids.first(), Some(&"need_recognition"));
    /// assert_eq!(ids.last(), Some(&"post_purchase"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Stage> + '_ {
        self.stages.values()
    }

    /// The number of stages, at least 1.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.len(), 5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// Always false: a model has at least one stage.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let model = models::buying_process().stage_model()?;
    /// assert!(!model.is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// The stage with id `id`, or an unknown-stage error with a suggestion.
    pub(crate) fn resolve(&self, id: &str) -> Result<&Stage, Error> {
        self.find(id).ok_or_else(|| {
            Error::unknown(
                "stage",
                id,
                suggest(id, self.stages.keys().map(String::as_str)),
            )
        })
    }
}

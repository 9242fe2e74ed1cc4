//! What an evaluation returns: the [`Decision`], borrowed from the scratch
//! buffers so reading it allocates nothing, and its owned, serializable
//! form, the [`DecisionRecord`].

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::action::{Suggestion, SuggestionRecord};
use crate::index::StageIndex;
use crate::score::FiredRules;
use crate::stage::Stage;
use crate::validate::{Rule, Tag};

use super::classifier::{confidence, Classification};
use super::Engine;
use crate::action::Pick;

/// The result of [`Engine::classify`], [`Engine::decide`] and
/// [`Engine::decide_in`]: borrowed from the scratch buffers, so reading it
/// allocates nothing.
/// [`to_record`](Decision::to_record) makes an owned, serializable copy.
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("comparisons", 2)?;
/// let mut scratch = engine.scratch();
/// let decision = engine.classify(&customer, &mut scratch);
/// assert_eq!(decision.stage().id(), "evaluation");
/// assert_eq!(decision.fired().next().unwrap().id(), "evaluation.comparisons");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub(super) engine: &'a Engine,
    pub(super) classified: Classification<'a>,
    /// The suggested actions, best first.
    pub(super) picks: &'a [Pick],
    /// The stage the decision is for: the classified one, or the one given
    /// to [`Engine::decide_in`].
    pub(super) stage: StageIndex,
}

impl<'a> Decision<'a> {
    /// The stage the decision is for, whose actions were ranked: the
    /// classified stage after [`classify`](Engine::classify) and
    /// [`decide`](Engine::decide), the given one after
    /// [`decide_in`](Engine::decide_in).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// customer.set("comparisons", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// // Under `furthest`, the later of the two stages with evidence.
    /// assert_eq!(decision.stage().id(), "evaluation");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stage(&self) -> &'a Stage {
        self.engine.stage_at(self.stage)
    }

    /// The stage the classification gives for the customer's signals alone:
    /// the stage rules, scorers and hit policy. The same as
    /// [`stage`](Decision::stage) except after
    /// [`decide_in`](Engine::decide_in) with another stage.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// let mut scratch = engine.scratch();
    /// let journey = engine.model().find("evaluation").unwrap();
    /// let decision = engine.decide_in(journey, &customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch)?;
    /// assert_eq!(decision.stage().id(), "evaluation");
    /// assert_eq!(decision.classified_stage().id(), "information_search");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn classified_stage(&self) -> &'a Stage {
        self.engine.stage_at(self.classified.stage)
    }

    /// How sure the decision is of its [stage](Decision::stage), in [0, 1]:
    /// the share of the positive evidence (over all stages) that supports
    /// it. 1 means every piece of evidence points at this stage; 0.5 means
    /// half of it points elsewhere; 0 means no evidence points at it (after
    /// a classification: there was no evidence and the customer is in the
    /// entry stage by default).
    ///
    /// After [`decide_in`](Engine::decide_in) it is the share that supports
    /// the given stage: how far the customer's signals agree with their
    /// journey. When the given stage is the classified one it is the
    /// classification's confidence.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// customer.set("comparisons", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// // One stage rule for information_search, one for evaluation.
    /// assert_eq!(decision.confidence(), 0.5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn confidence(&self) -> f64 {
        let classified = &self.classified;
        // The classification's own number where it applies, so that
        // `decide_in` with the classified stage agrees with `decide` even
        // where the classification fell back to the entry stage.
        if self.stage == classified.stage {
            classified.confidence
        } else {
            confidence(classified.evidence, self.stage)
        }
    }

    /// The [confidence](Decision::confidence) mapped to an outcome rate by
    /// the engine's [calibration](crate::EngineBuilder::calibration):
    /// among the customers of the fitting data in this stage with about
    /// this confidence, the share that had the outcome. `None` when the
    /// engine has no calibration or the calibration has no samples for
    /// this stage. Computed when read, allocating nothing.
    ///
    /// It is an observed rate, not a cause: it is only as good as the
    /// outcome's definition and as the fitting data's resemblance to
    /// today's customers. See [`Calibration`](crate::Calibration).
    ///
    /// ```
    /// use buyer_journey::{models, Calibration, Engine, OutcomeSample};
    ///
    /// // Of the fitting data's customers in information_search, those at
    /// // confidence 0.5 converted at 20 %, those at 1 at 10 %: pooled, 15 %.
    /// let mut samples = Vec::new();
    /// for (confidence, converted, of) in [(0.5, 2, 10), (1.0, 1, 10)] {
    ///     for i in 0..of {
    ///         samples.push(OutcomeSample::new("information_search", confidence, i < converted));
    ///     }
    /// }
    /// let engine = Engine::builder(models::buying_process())
    ///     .calibration(Calibration::fit(&samples)?)
    ///     .build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 3)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert_eq!(decision.confidence(), 1.0);
    /// assert!((decision.calibrated_confidence().unwrap() - 0.15).abs() < 1e-12);
    ///
    /// // No samples for evaluation: no calibrated value.
    /// customer.set("comparisons", 1)?;
    /// assert_eq!(engine.classify(&customer, &mut scratch).calibrated_confidence(), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn calibrated_confidence(&self) -> Option<f64> {
        self.engine
            .calibration
            .get(self.stage)?
            .apply(self.confidence())
    }

    /// The evidence for each stage, in model order: one point per stage rule
    /// that fired, the points of the score rules that fired, and what the
    /// host's scorers added.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// customer.set("comparisons", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// let with_evidence: Vec<&str> = decision
    ///     .evidence()
    ///     .filter(|&(_, points)| points > 0.0)
    ///     .map(|(stage, _)| stage.id())
    ///     .collect();
    /// assert_eq!(with_evidence, ["information_search", "evaluation"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn evidence(&self) -> impl ExactSizeIterator<Item = (&'a Stage, f64)> + 'a {
        self.engine
            .model()
            .iter()
            .zip(self.classified.evidence.iter().copied())
    }

    /// The evidence for the stage at `stage`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// customer.set("comparisons", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert_eq!(decision.evidence_for(decision.stage().index()), 1.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn evidence_for(&self, stage: StageIndex) -> f64 {
        self.classified
            .evidence
            .get(stage.as_usize())
            .copied()
            .unwrap_or(0.0)
    }

    /// The rules that fired, in rule order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// customer.set("comparisons", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// let fired: Vec<&str> = decision.fired().map(|rule| rule.id()).collect();
    /// assert_eq!(fired, ["information_search.reviews", "evaluation.comparisons"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn fired(&self) -> impl ExactSizeIterator<Item = &'a Rule> + 'a {
        let rules = self.engine.classifier.rules();
        FiredRules::new(self.classified.fired).map(move |index| &rules[index.as_usize()])
    }

    /// The indices of the rules that fired, in rule order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// let ids: Vec<&str> = decision
    ///     .fired_indices()
    ///     .map(|index| engine.rule(index).unwrap().id())
    ///     .collect();
    /// assert_eq!(ids, ["information_search.reviews"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn fired_indices(&self) -> FiredRules<'a> {
        FiredRules::new(self.classified.fired)
    }

    /// The customer's tags, in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// customer.set("open_complaints", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert!(decision.has_tag("complaining"));
    /// assert!(decision.tags().any(|tag| tag.id() == "complaining"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn tags(&self) -> impl ExactSizeIterator<Item = &'a Tag> + 'a {
        let all = self.engine.classifier.tags();
        self.classified
            .tags
            .iter()
            .map(move |index| &all[index.as_usize()])
    }

    /// Whether the customer has the tag with id `id`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 2)?;
    /// customer.set("comparisons", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert!(!decision.has_tag("complaining"));
    /// customer.set("open_complaints", 1)?;
    /// assert!(engine.classify(&customer, &mut scratch).has_tag("complaining"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn has_tag(&self, id: &str) -> bool {
        self.tags().any(|tag| tag.id() == id)
    }

    /// The suggested actions, best first; empty after
    /// [`classify`](Engine::classify), which ranks none.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// customer.set("open_complaints", 1)?;
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let first = decision.actions().next().unwrap();
    /// assert_eq!((first.rank(), first.kind()), (1, "complaint_resolution"));
    ///
    /// let decision = engine.classify(&customer, &mut scratch);
    /// assert_eq!(decision.actions().len(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn actions(&self) -> impl ExactSizeIterator<Item = Suggestion<'a>> + 'a {
        let engine = self.engine;
        let stage = self.stage();
        self.picks
            .iter()
            .enumerate()
            .map(move |(i, pick)| Suggestion {
                action: engine.catalog.picked(pick),
                pick: *pick,
                rank: i + 1,
                stage,
                all_tags: engine.classifier.tags(),
            })
    }

    /// An owned copy with ids instead of indices, for output. Allocates.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 3)?;
    /// let mut scratch = engine.scratch();
    /// let record = engine.classify(&customer, &mut scratch).to_record();
    /// assert_eq!(record.stage, "information_search");
    /// assert_eq!(record.evidence["information_search"], 1.0);
    /// assert_eq!(record.fired, ["information_search.reviews"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn to_record(&self) -> DecisionRecord {
        DecisionRecord {
            stage: self.stage().id().to_owned(),
            confidence: self.confidence(),
            calibrated_confidence: self.calibrated_confidence(),
            evidence: self
                .evidence()
                .map(|(stage, points)| (stage.id().to_owned(), points))
                .collect(),
            fired: self.fired().map(|rule| rule.id().to_owned()).collect(),
            tags: self.tags().map(|tag| tag.id().to_owned()).collect(),
            actions: self
                .actions()
                .map(|suggestion| suggestion.to_record())
                .collect(),
        }
    }
}

/// A decision, owned and with ids: what [`Decision::to_record`] and
/// [`Engine::classify_interpreted`] return, ready for serde.
///
/// ```
/// use buyer_journey::DecisionRecord;
///
/// let json = r#"{"stage": "evaluation", "confidence": 1.0,
///                "evidence": {"evaluation": 2.0}, "fired": ["evaluation.comparisons"]}"#;
/// let record: DecisionRecord = serde_json::from_str(json).unwrap();
/// assert_eq!(record.stage, "evaluation");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DecisionRecord {
    /// The id of the stage.
    pub stage: String,
    /// The confidence in [0, 1]; see [`Decision::confidence`].
    pub confidence: f64,
    /// The calibrated confidence, when the engine has a calibration for
    /// the stage; see [`Decision::calibrated_confidence`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrated_confidence: Option<f64>,
    /// The evidence per stage id, in model order.
    pub evidence: IndexMap<String, f64>,
    /// The ids of the rules that fired, in rule order.
    pub fired: Vec<String>,
    /// The ids of the customer's tags, in declaration order.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The suggested actions, best first; empty when only classified.
    #[serde(default)]
    pub actions: Vec<SuggestionRecord>,
}

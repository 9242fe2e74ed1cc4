//! Calibrated confidence: what share of the customers of a stage, at about
//! a given [confidence](crate::Decision::confidence), went on to the
//! outcome, learned from customers whose outcome is known.
//!
//! The [`Calibration`] type documents what the value means.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location};
use crate::index::StageIndex;
use crate::stage::StageModel;

/// One customer with a known outcome: the stage and confidence their
/// decision reported, whether they had the outcome, and how much they
/// count.
///
/// Read from JSON as `{"stage": "evaluation", "confidence": 0.5,
/// "outcome": true}`, with an optional `"weight"` (default 1).
///
/// ```
/// use buyer_journey::OutcomeSample;
///
/// let sample: OutcomeSample =
///     serde_json::from_str(r#"{"stage": "evaluation", "confidence": 0.5, "outcome": true}"#)
///         .unwrap();
/// assert_eq!(sample, OutcomeSample::new("evaluation", 0.5, true));
/// assert_eq!(sample.weight, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSample {
    /// The id of the stage the decision reported.
    pub stage: String,
    /// The confidence the decision reported, in [0, 1].
    pub confidence: f64,
    /// Whether the customer had the outcome (converted, bought again, ...).
    pub outcome: bool,
    /// How much the sample counts, finite and > 0; 1 by default. A sample
    /// of weight 2 counts as two equal samples.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes a reference
fn is_one(weight: &f64) -> bool {
    *weight == 1.0
}

impl OutcomeSample {
    /// A sample of weight 1.
    ///
    /// ```
    /// use buyer_journey::OutcomeSample;
    ///
    /// let sample = OutcomeSample::new("purchase_decision", 1.0, false);
    /// assert_eq!((sample.confidence, sample.outcome, sample.weight), (1.0, false, 1.0));
    /// ```
    #[must_use]
    pub fn new(stage: impl Into<String>, confidence: f64, outcome: bool) -> Self {
        OutcomeSample {
            stage: stage.into(),
            confidence,
            outcome,
            weight: 1.0,
        }
    }

    /// The same sample with weight `weight`.
    ///
    /// ```
    /// use buyer_journey::OutcomeSample;
    ///
    /// assert_eq!(OutcomeSample::new("evaluation", 0.5, true).weighted(3.0).weight, 3.0);
    /// ```
    #[must_use]
    pub fn weighted(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    /// Whether [`Calibration::fit`] can use the sample: a confidence in
    /// [0, 1] and a finite weight > 0. The stage is checked when the
    /// calibration is given to an engine, against its model.
    ///
    /// # Errors
    ///
    /// The first field that is out of range, located at it.
    ///
    /// ```
    /// use buyer_journey::OutcomeSample;
    ///
    /// assert!(OutcomeSample::new("evaluation", 0.5, true).check().is_ok());
    /// let err = OutcomeSample::new("evaluation", 1.5, true).check().unwrap_err();
    /// assert_eq!(err.to_string(), "confidence: must be in [0, 1], got 1.5");
    /// let err = OutcomeSample::new("evaluation", 0.5, true).weighted(0.0).check().unwrap_err();
    /// assert_eq!(err.to_string(), "weight: must be a finite number > 0, got 0");
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&self.confidence) {
            return Err(Error::invalid(
                Location::new("confidence"),
                format!("must be in [0, 1], got {}", self.confidence),
            ));
        }
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(Error::invalid(
                Location::new("weight"),
                format!("must be a finite number > 0, got {}", self.weight),
            ));
        }
        Ok(())
    }
}

/// Per stage, a monotone map from a decision's confidence to the rate of
/// the outcome among customers of the fitting data.
///
/// A decision's confidence is the share of the evidence that supports its
/// stage, not a probability: in one shop's data, customers with confidence 1
/// converted less often than those below 0.5. A calibration maps it, per
/// stage, to the outcome rate observed at that confidence. It is data,
/// fitted once from [`OutcomeSample`]s with [`fit`](Calibration::fit), kept as a small
/// JSON document beside the ruleset, and given to
/// [`EngineBuilder::calibration`](crate::EngineBuilder::calibration); then
/// [`Decision::calibrated_confidence`](crate::Decision::calibrated_confidence)
/// reports the mapped value.
///
/// # What a calibrated value means
///
/// A calibrated confidence of 0.3 for a customer in `evaluation` says:
/// *among the customers of the fitting data in `evaluation` with about this
/// confidence, 30 % had the outcome.* Nothing more:
///
/// - it is not causal: it does not say the stage or an action brought the
///   outcome about, nor what would happen if the customer were treated
///   otherwise;
/// - it is only as good as the outcome's definition (which event, within
///   which time) and as the fitting data's resemblance to today's customers:
///   a new campaign, season or ruleset version can make it stale; refit
///   after each change of the ruleset;
/// - a rate from few samples is uncertain: each [`CalibrationBlock`] says how many
///   samples its rate stands on.
///
/// # Fitting data
///
/// Each [`OutcomeSample`] is the stage and confidence a decision reported when it
/// was made, and whether the customer had the outcome afterwards (within a
/// time the host fixes). Decisions recomputed later from today's signals
/// would flatter the fit: a customer who converted has a buyer's signals by
/// now. Fit per ruleset version: another ruleset gives other confidences.
/// The `calibrate` example fits NDJSON samples from a file.
///
/// # The fit
///
/// Per stage, isotonic regression: the non-decreasing function of the
/// confidence that is nearest to the outcomes (1 for an outcome, 0 for none)
/// in weighted least squares, found by pooling adjacent violators. Samples
/// of equal confidence are pooled first, so the fit is a sequence of
/// [`CalibrationBlock`]s, each a range of confidences seen in the data with the
/// weighted outcome rate of its samples, rates strictly increasing from
/// block to block.
///
/// # Applying it
///
/// Inside a block's range the value is the block's rate; between two blocks
/// it runs linearly from the rate of the one below to the rate of the one
/// above; below the first block it is the first block's rate, above the last
/// the last one's (it is clamped, never extrapolated). So the map is
/// continuous and non-decreasing, and at every confidence seen in the data
/// it is exactly the fitted rate. A stage without samples has no
/// calibration, and its decisions report none.
///
/// # As data
///
/// Serialized as `{"stages": {STAGE: {"blocks": [BLOCK, ...]}, ...}}`; a
/// value read through serde is checked (blocks in order, not overlapping,
/// rates in [0, 1] that do not decrease, positive weights and counts), so
/// every `Calibration` is usable.
///
/// # Example
///
/// ```
/// use buyer_journey::{Calibration, OutcomeSample};
///
/// let samples = [
///     OutcomeSample::new("evaluation", 0.5, false),
///     OutcomeSample::new("evaluation", 0.5, true),
///     OutcomeSample::new("evaluation", 1.0, true),
/// ];
/// let calibration = Calibration::fit(&samples)?;
/// assert_eq!(calibration.apply("evaluation", 0.5), Some(0.5));
/// assert_eq!(calibration.apply("evaluation", 0.75), Some(0.75));
/// assert_eq!(calibration.apply("evaluation", 1.0), Some(1.0));
/// // No samples in this stage: no calibration.
/// assert_eq!(calibration.apply("purchase_decision", 1.0), None);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "Unchecked")]
pub struct Calibration {
    stages: IndexMap<String, StageCalibration>,
}

/// A calibration as read, before its blocks are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Unchecked {
    stages: IndexMap<String, Blocks>,
}

/// The blocks of one stage as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Blocks {
    blocks: Vec<CalibrationBlock>,
}

/// The calibration of one stage: its [`CalibrationBlock`]s, in order of confidence,
/// rates strictly increasing after a fit.
///
/// ```
/// use buyer_journey::{Calibration, OutcomeSample};
///
/// let samples = [
///     OutcomeSample::new("evaluation", 0.2, true),
///     OutcomeSample::new("evaluation", 0.8, false),
/// ];
/// let calibration = Calibration::fit(&samples)?;
/// let evaluation = calibration.stage("evaluation").unwrap();
/// // The outcome fell as the confidence rose: pooled into one block.
/// assert_eq!(evaluation.blocks().len(), 1);
/// assert_eq!(evaluation.samples(), 2);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageCalibration {
    blocks: Vec<CalibrationBlock>,
}

/// A range of confidences and the outcome rate of the samples in it: one
/// step of a [`StageCalibration`].
///
/// ```
/// use buyer_journey::{Calibration, OutcomeSample};
///
/// let samples = [
///     OutcomeSample::new("evaluation", 0.4, false),
///     OutcomeSample::new("evaluation", 0.6, true).weighted(3.0),
/// ];
/// let calibration = Calibration::fit(&samples)?;
/// let blocks = calibration.stage("evaluation").unwrap().blocks();
/// assert_eq!((blocks[1].low(), blocks[1].high(), blocks[1].rate()), (0.6, 0.6, 1.0));
/// assert_eq!((blocks[1].samples(), blocks[1].weight()), (1, 3.0));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationBlock {
    low: f64,
    high: f64,
    rate: f64,
    samples: u64,
    weight: f64,
}

impl Calibration {
    /// Fits a calibration to `samples`: per stage, the weighted isotonic
    /// regression of the outcomes on the confidences. Stages appear in the
    /// order of their first sample. Allocates; takes O(n log n) time for n
    /// samples.
    ///
    /// # Errors
    ///
    /// A sample that [`OutcomeSample::check`] rejects, located at its index:
    /// `samples[3].confidence: must be in [0, 1], got 1.5`; weights that
    /// add up to more than the largest `f64`.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// // Rates 0, 1, 0.5 at confidences 0.2, 0.5, 0.8 are not monotone:
    /// // the last two pool into one block of rate 2/3.
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.2, false),
    ///     OutcomeSample::new("evaluation", 0.5, true),
    ///     OutcomeSample::new("evaluation", 0.8, true),
    ///     OutcomeSample::new("evaluation", 0.8, false),
    /// ];
    /// let calibration = Calibration::fit(&samples)?;
    /// let rates: Vec<f64> =
    ///     calibration.stage("evaluation").unwrap().blocks().iter().map(|b| b.rate()).collect();
    /// assert_eq!(rates, [0.0, 2.0 / 3.0]);
    ///
    /// let nan = OutcomeSample::new("evaluation", f64::NAN, true);
    /// let err = Calibration::fit(&[nan]).unwrap_err();
    /// assert_eq!(err.to_string(), "samples[0].confidence: must be in [0, 1], got NaN");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn fit(samples: &[OutcomeSample]) -> Result<Self, Error> {
        let mut by_stage: IndexMap<&str, Vec<&OutcomeSample>> = IndexMap::new();
        for (i, sample) in samples.iter().enumerate() {
            sample
                .check()
                .map_err(|err| err.at(&format!("samples[{i}]")))?;
            by_stage.entry(&sample.stage).or_default().push(sample);
        }
        // Each weight is finite; their sum must be too, or rates are NaN.
        let total: f64 = samples.iter().map(|sample| sample.weight).sum();
        if !total.is_finite() {
            return Err(Error::invalid(
                Location::new("samples"),
                "the weights add up to more than the largest number; use smaller weights"
                    .to_owned(),
            ));
        }
        let stages = by_stage
            .into_iter()
            .map(|(stage, mut samples)| (stage.to_owned(), StageCalibration::fit(&mut samples)))
            .collect();
        Ok(Calibration { stages })
    }

    /// The calibration of the stage with id `id`, if the fitting data had
    /// samples in it.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let calibration = Calibration::fit(&[OutcomeSample::new("evaluation", 0.5, true)])?;
    /// assert!(calibration.stage("evaluation").is_some());
    /// assert!(calibration.stage("post_purchase").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stage(&self, id: &str) -> Option<&StageCalibration> {
        self.stages.get(id)
    }

    /// The calibrated stages with their ids, in the order of the document
    /// (after a fit: of their first sample).
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.5, true),
    ///     OutcomeSample::new("need_recognition", 0.0, false),
    /// ];
    /// let calibration = Calibration::fit(&samples)?;
    /// let ids: Vec<&str> = calibration.stages().map(|(id, _)| id).collect();
    /// assert_eq!(ids, ["evaluation", "need_recognition"]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stages(&self) -> impl ExactSizeIterator<Item = (&str, &StageCalibration)> + '_ {
        self.stages.iter().map(|(id, stage)| (id.as_str(), stage))
    }

    /// The calibrated value of `confidence` in the stage with id `stage`:
    /// see [`StageCalibration::apply`]. `None` when the stage has no
    /// calibration or `confidence` is NaN. Allocates nothing.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let calibration = Calibration::fit(&[OutcomeSample::new("evaluation", 0.5, true)])?;
    /// assert_eq!(calibration.apply("evaluation", 0.1), Some(1.0));
    /// assert_eq!(calibration.apply("evaluation", f64::NAN), None);
    /// assert_eq!(calibration.apply("evaluaton", 0.5), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn apply(&self, stage: &str, confidence: f64) -> Option<f64> {
        self.stage(stage)?.apply(confidence)
    }

    /// Reads a calibration from JSON text, as [`to_json`](Self::to_json)
    /// writes it. Requires the `json` feature.
    ///
    /// # Errors
    ///
    /// Text that is not JSON, or JSON that is not a calibration, as an
    /// [`ErrorKind::Document`](crate::ErrorKind::Document): a value of the
    /// wrong type or an unknown field where the reader stopped, by line and
    /// column; blocks out of order, a rate that decreases or is outside
    /// [0, 1], ... with the path of the value in the message.
    ///
    /// ```
    /// use buyer_journey::Calibration;
    ///
    /// let calibration = Calibration::from_json(r#"{"stages": {"evaluation": {"blocks": [
    ///     {"low": 0.5, "high": 0.5, "rate": 0.1, "samples": 20, "weight": 20.0},
    ///     {"low": 1.0, "high": 1.0, "rate": 0.3, "samples": 10, "weight": 10.0}
    /// ]}}}"#)?;
    /// assert_eq!(calibration.apply("evaluation", 0.75), Some(0.2));
    ///
    /// let err = Calibration::from_json(r#"{"stages": {"evaluation": {"blocks": [
    ///     {"low": 0.5, "high": 0.5, "rate": 0.3, "samples": 20, "weight": 20.0},
    ///     {"low": 1.0, "high": 1.0, "rate": 0.1, "samples": 10, "weight": 10.0}
    /// ]}}}"#).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "stages.evaluation.blocks[1].rate: 0.1 is below the rate of the block before \
    ///      it (0.3): rates must not decrease",
    /// );
    /// let not_a_list = r#"{"stages": {"evaluation": {"blocks": 3}}}"#;
    /// let err = Calibration::from_json(not_a_list).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "line 1, column 38: invalid type: integer `3`, expected a sequence",
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|err| {
            let full = err.to_string();
            let suffix = format!(" at line {} column {}", err.line(), err.column());
            let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
            let error = Error::document(Location::default(), message);
            if err.line() > 0 {
                error.at_position(crate::error::Position::new(err.line(), err.column()))
            } else {
                error
            }
        })
    }

    /// The calibration as pretty-printed JSON, which
    /// [`from_json`](Self::from_json) reads back as the same calibration.
    /// Requires the `json` feature.
    ///
    /// # Errors
    ///
    /// None in practice: every number of a calibration is finite. The
    /// `Result` is that of the JSON writer.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let calibration = Calibration::fit(&[OutcomeSample::new("evaluation", 0.5, true)])?;
    /// let json = calibration.to_json()?;
    /// assert!(json.contains(r#""rate": 1.0"#));
    /// assert_eq!(Calibration::from_json(&json)?, calibration);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(self)
            .map_err(|err| Error::document(Location::default(), err.to_string()))
    }

    /// Each stage of `model` with its calibration, by stage index, or the
    /// first of [`problems`](Self::problems).
    pub(crate) fn by_stage(self, model: &StageModel) -> Result<ByStage, Error> {
        if let Some(problem) = self.problems(model).into_iter().next() {
            return Err(problem);
        }
        let mut by_stage = vec![None; model.len()];
        for (id, stage) in self.stages {
            if let Some(found) = model.find(&id) {
                by_stage[found.index().as_usize()] = Some(stage);
            }
        }
        Ok(ByStage(by_stage))
    }

    /// Every id of a stage that `model` does not have (by its id or an
    /// alias), with the nearest id it has, and every stage calibrated twice
    /// (by its id and an alias), each located at `calibration.stages.ID`.
    pub(crate) fn problems(&self, model: &StageModel) -> Vec<Error> {
        let mut first: Vec<Option<&str>> = vec![None; model.len()];
        let mut problems = Vec::new();
        for id in self.stages.keys() {
            let path = format!("calibration.stages.{id}");
            match model.resolve_stored(id) {
                Err(err) => problems.push(err.at(&path)),
                Ok(stage) => match &mut first[stage.index().as_usize()] {
                    Some(before) => problems.push(Error::invalid(
                        Location::new(path),
                        format!(
                            "stage '{}' is calibrated twice, as '{before}' and as '{id}'",
                            stage.id()
                        ),
                    )),
                    slot @ None => *slot = Some(id),
                },
            }
        }
        problems
    }
}

/// A calibration resolved against an engine's model: per stage index, its
/// calibration if it has one.
#[derive(Debug, Clone, Default)]
pub(crate) struct ByStage(Vec<Option<StageCalibration>>);

impl ByStage {
    /// The calibration of the stage at `stage`, if it has one.
    #[inline]
    pub(crate) fn get(&self, stage: StageIndex) -> Option<&StageCalibration> {
        self.0.get(stage.as_usize())?.as_ref()
    }
}

impl StageCalibration {
    /// Pools adjacent violators over `samples`, all of one stage and
    /// checked, which it sorts by confidence.
    fn fit(samples: &mut [&OutcomeSample]) -> Self {
        samples.sort_by(|a, b| a.confidence.total_cmp(&b.confidence));
        let mut pools: Vec<Pool> = Vec::new();
        for tied in samples.chunk_by(|a, b| a.confidence == b.confidence) {
            pools.push(Pool::of(tied));
            while let [.., below, above] = pools.as_slice() {
                if below.rate() < above.rate() {
                    break;
                }
                let above = *above;
                let last = pools.len() - 2;
                pools[last].absorb(above);
                pools.pop();
            }
        }
        StageCalibration {
            blocks: pools.iter().map(Pool::block).collect(),
        }
    }

    /// The blocks, in order of confidence.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.5, false),
    ///     OutcomeSample::new("evaluation", 1.0, true),
    /// ];
    /// let calibration = Calibration::fit(&samples)?;
    /// let blocks = calibration.stage("evaluation").unwrap().blocks();
    /// let lows: Vec<f64> = blocks.iter().map(|b| b.low()).collect();
    /// assert_eq!(lows, [0.5, 1.0]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn blocks(&self) -> &[CalibrationBlock] {
        &self.blocks
    }

    /// How many samples the calibration stands on.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = vec![OutcomeSample::new("evaluation", 0.5, false); 7];
    /// assert_eq!(Calibration::fit(&samples)?.stage("evaluation").unwrap().samples(), 7);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn samples(&self) -> u64 {
        // Saturating: a document may claim any counts.
        self.blocks
            .iter()
            .fold(0, |sum, block| sum.saturating_add(block.samples))
    }

    /// The calibrated value of `confidence`: the rate of the block whose
    /// range holds it, linear between two blocks, clamped to the first and
    /// last block's rates outside them. `None` for NaN. Allocates nothing;
    /// takes O(log b) time for b blocks.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.25, false),
    ///     OutcomeSample::new("evaluation", 0.75, true),
    /// ];
    /// let calibration = Calibration::fit(&samples)?;
    /// let evaluation = calibration.stage("evaluation").unwrap();
    /// assert_eq!(evaluation.apply(0.0), Some(0.0)); // clamped
    /// assert_eq!(evaluation.apply(0.5), Some(0.5)); // half way up
    /// assert_eq!(evaluation.apply(0.9), Some(1.0)); // clamped
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn apply(&self, confidence: f64) -> Option<f64> {
        if confidence.is_nan() {
            return None;
        }
        // Every block ends before the `next` one starts: the first block
        // that ends at or above `confidence` holds it or follows the gap
        // it is in.
        let next = self.blocks.partition_point(|block| block.high < confidence);
        let (Some(below), Some(above)) = (
            next.checked_sub(1).and_then(|i| self.blocks.get(i)),
            self.blocks.get(next),
        ) else {
            // Below the first block's end, or above the last: clamped.
            let edge = self.blocks.get(next).or(self.blocks.last())?;
            return Some(edge.rate);
        };
        if confidence >= above.low {
            return Some(above.rate);
        }
        let along = (confidence - below.high) / (above.low - below.high);
        let rate = below.rate + along * (above.rate - below.rate);
        // Rounding must not step outside the two rates.
        Some(rate.max(below.rate).min(above.rate))
    }
}

impl TryFrom<Unchecked> for Calibration {
    type Error = String;

    /// Checks the blocks of every stage, naming the first that is wrong by
    /// its path: `stages.evaluation.blocks[1].rate: ...`.
    fn try_from(unchecked: Unchecked) -> Result<Self, String> {
        let stages = unchecked
            .stages
            .into_iter()
            .map(|(id, Blocks { blocks })| match check_blocks(&blocks) {
                Ok(()) => Ok((id, StageCalibration { blocks })),
                Err(message) => Err(format!("stages.{id}.{message}")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Calibration { stages })
    }
}

/// Checks the blocks of one stage read from a document: the message starts
/// with the path below the stage.
fn check_blocks(blocks: &[CalibrationBlock]) -> Result<(), String> {
    if blocks.is_empty() {
        return Err(
            "blocks: a calibrated stage needs at least one block; leave a stage \
                    without samples out"
                .to_owned(),
        );
    }
    for (i, block) in blocks.iter().enumerate() {
        block.check().map_err(|err| format!("blocks[{i}].{err}"))?;
        let Some(before) = i.checked_sub(1).map(|j| blocks[j]) else {
            continue;
        };
        if block.low <= before.high {
            return Err(format!(
                "blocks[{i}].low: {} is not above the high of the block before it ({}): \
                 blocks must be in order and not overlap",
                block.low, before.high
            ));
        }
        if block.rate < before.rate {
            return Err(format!(
                "blocks[{i}].rate: {} is below the rate of the block before it ({}): \
                 rates must not decrease",
                block.rate, before.rate
            ));
        }
    }
    Ok(())
}

impl CalibrationBlock {
    /// The lowest confidence of the block's samples.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.3, true),
    ///     OutcomeSample::new("evaluation", 0.7, false),
    /// ];
    /// let calibration = Calibration::fit(&samples)?;
    /// let block = calibration.stage("evaluation").unwrap().blocks()[0];
    /// assert_eq!((block.low(), block.high()), (0.3, 0.7));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn low(&self) -> f64 {
        self.low
    }

    /// The highest confidence of the block's samples.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let calibration = Calibration::fit(&[OutcomeSample::new("evaluation", 0.3, true)])?;
    /// assert_eq!(calibration.stage("evaluation").unwrap().blocks()[0].high(), 0.3);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn high(&self) -> f64 {
        self.high
    }

    /// The weighted share of the block's samples that had the outcome, in
    /// [0, 1].
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = [
    ///     OutcomeSample::new("evaluation", 0.5, true),
    ///     OutcomeSample::new("evaluation", 0.5, false).weighted(3.0),
    /// ];
    /// let calibration = Calibration::fit(&samples)?;
    /// assert_eq!(calibration.stage("evaluation").unwrap().blocks()[0].rate(), 0.25);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// How many samples the block holds.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = vec![OutcomeSample::new("evaluation", 0.5, true).weighted(2.0); 3];
    /// let block = Calibration::fit(&samples)?.stage("evaluation").unwrap().blocks()[0];
    /// assert_eq!((block.samples(), block.weight()), (3, 6.0));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The total weight of the block's samples: the number of samples when
    /// each has weight 1.
    ///
    /// ```
    /// use buyer_journey::{Calibration, OutcomeSample};
    ///
    /// let samples = vec![OutcomeSample::new("evaluation", 0.5, true); 4];
    /// let calibration = Calibration::fit(&samples)?;
    /// assert_eq!(calibration.stage("evaluation").unwrap().blocks()[0].weight(), 4.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// Checks one block read from a document: the message starts with the
    /// field.
    fn check(&self) -> Result<(), String> {
        let in_unit = |x: f64| (0.0..=1.0).contains(&x);
        if !in_unit(self.low) || !in_unit(self.high) || self.low > self.high {
            return Err(format!(
                "low and high: must be in [0, 1] with low <= high, got {} and {}",
                self.low, self.high
            ));
        }
        if !in_unit(self.rate) {
            return Err(format!("rate: must be in [0, 1], got {}", self.rate));
        }
        if self.samples == 0 {
            return Err("samples: must be at least 1".to_owned());
        }
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(format!(
                "weight: must be a finite number > 0, got {}",
                self.weight
            ));
        }
        Ok(())
    }
}

/// Adjacent samples pooled while fitting: their range of confidence, and
/// the sums the rate is made of.
#[derive(Debug, Clone, Copy)]
struct Pool {
    low: f64,
    high: f64,
    samples: u64,
    weight: f64,
    /// The total weight of the samples that had the outcome.
    outcomes: f64,
}

impl Pool {
    /// The pool of samples of one confidence.
    fn of(tied: &[&OutcomeSample]) -> Self {
        // `+ 0.0` turns a -0.0 into 0.0, which reads better in a document.
        let confidence = tied.first().map_or(0.0, |sample| sample.confidence + 0.0);
        Pool {
            low: confidence,
            high: confidence,
            samples: tied.len() as u64,
            weight: tied.iter().map(|sample| sample.weight).sum(),
            outcomes: tied
                .iter()
                .filter(|sample| sample.outcome)
                .map(|sample| sample.weight)
                .sum(),
        }
    }

    fn rate(&self) -> f64 {
        // Bounded: rounding in the sums may leave a hair above 1.
        (self.outcomes / self.weight).min(1.0)
    }

    /// Takes in the pool just above it.
    fn absorb(&mut self, above: Pool) {
        self.high = above.high;
        self.samples += above.samples;
        self.weight += above.weight;
        self.outcomes += above.outcomes;
    }

    fn block(&self) -> CalibrationBlock {
        CalibrationBlock {
            low: self.low,
            high: self.high,
            rate: self.rate(),
            samples: self.samples,
            weight: self.weight,
        }
    }
}

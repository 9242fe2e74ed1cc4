//! Calibrated confidence (`Calibration`, `EngineBuilder::calibration`,
//! `Decision::calibrated_confidence`): the fit is the weighted isotonic
//! regression (checked against the min-max formula, a second way to compute
//! it), applying it is continuous, monotone and clamped, it survives JSON,
//! the engine rejects unknown stages, and decisions on the single and the
//! batch path report the calibrated value; the `calibrate` example fits
//! NDJSON samples.
//!
//! Run with `cargo test --test integration calibration` (the closed-pipe
//! test needs the examples built: `cargo build --examples`).

// `main` is only for the example binary; the example shares `lines`, and so
// does this copy.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/calibrate.rs"]
mod calibrate;

use std::io::Write as _;
use std::process::{Command, Stdio};

use buyer_journey::{
    models, Calibration, Column, Columns, ContactLog, DecisionRecord, Engine, ErrorKind,
    OutcomeSample, RulesetSpec, SignalSpec, StageRuleSpec, StageSpec, Timestamp,
};
use proptest::prelude::*;

use crate::examples_pipe::example;
use crate::support::{built_in, XorShift};

/// Rates computed along two ways differ by rounding only.
const TOLERANCE: f64 = 1e-9;

/// Samples of one stage: confidences on a coarse grid, so that ties are
/// common, and weights of a few sizes.
fn samples_of(stage: &'static str) -> impl Strategy<Value = Vec<OutcomeSample>> {
    let sample = (0u32..=8, any::<bool>(), prop_oneof![Just(1.0), 0.1f64..5.0]).prop_map(
        move |(step, outcome, weight)| {
            OutcomeSample::new(stage, f64::from(step) / 8.0, outcome).weighted(weight)
        },
    );
    prop::collection::vec(sample, 1..40)
}

/// The samples of two stages, interleaved.
fn two_stages() -> impl Strategy<Value = Vec<OutcomeSample>> {
    (samples_of("evaluation"), samples_of("information_search")).prop_map(|(a, b)| {
        let mut all = Vec::new();
        let mut b = b.into_iter();
        for sample in a {
            all.push(sample);
            all.extend(b.next());
        }
        all.extend(b);
        all
    })
}

/// The samples of one stage pooled by confidence: `(confidence, weight,
/// weight of the outcomes, count)`, in order of confidence.
fn pooled(samples: &[OutcomeSample], stage: &str) -> Vec<(f64, f64, f64, u64)> {
    let mut points: Vec<(f64, f64, f64, u64)> = Vec::new();
    let mut mine: Vec<&OutcomeSample> = samples.iter().filter(|s| s.stage == stage).collect();
    mine.sort_by(|a, b| a.confidence.total_cmp(&b.confidence));
    for sample in mine {
        let outcome = if sample.outcome { sample.weight } else { 0.0 };
        match points.last_mut() {
            Some(last) if last.0 == sample.confidence => {
                last.1 += sample.weight;
                last.2 += outcome;
                last.3 += 1;
            }
            _ => points.push((sample.confidence, sample.weight, outcome, 1)),
        }
    }
    points
}

/// The isotonic regression at each pooled point by the min-max formula:
/// the value at `i` is the largest, over the starts `k <= i`, of the
/// smallest, over the ends `j >= i`, weighted mean of points `k..=j`.
/// Quadratic per point: for small inputs only.
fn min_max(points: &[(f64, f64, f64, u64)]) -> Vec<f64> {
    let mean = |k: usize, j: usize| {
        let (weight, outcomes) = points[k..=j]
            .iter()
            .fold((0.0, 0.0), |(w, o), p| (w + p.1, o + p.2));
        outcomes / weight
    };
    (0..points.len())
        .map(|i| {
            (0..=i)
                .map(|k| {
                    (i..points.len())
                        .map(|j| mean(k, j))
                        .fold(f64::INFINITY, f64::min)
                })
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Blocks are in order, apart, their rates strictly increasing, and
    /// each block's rate is the weighted mean of the samples in its range
    /// (the characterisation of pooling adjacent violators); together they
    /// hold every sample once.
    #[test]
    fn each_block_is_the_weighted_mean_of_its_samples_and_rates_increase(samples in two_stages()) {
        let calibration = Calibration::fit(&samples).unwrap();
        prop_assert_eq!(calibration.stages().len(), 2);
        for (stage, fitted) in calibration.stages() {
            let blocks = fitted.blocks();
            for pair in blocks.windows(2) {
                prop_assert!(pair[0].high() < pair[1].low());
                prop_assert!(pair[0].rate() < pair[1].rate());
            }
            let mut held = 0;
            for block in blocks {
                prop_assert!(block.low() <= block.high());
                let inside: Vec<&OutcomeSample> = samples
                    .iter()
                    .filter(|s| s.stage == stage)
                    .filter(|s| (block.low()..=block.high()).contains(&s.confidence))
                    .collect();
                let weight: f64 = inside.iter().map(|s| s.weight).sum();
                let outcomes: f64 = inside.iter().filter(|s| s.outcome).map(|s| s.weight).sum();
                prop_assert_eq!(block.samples(), inside.len() as u64);
                prop_assert!((block.weight() - weight).abs() < TOLERANCE);
                prop_assert!((block.rate() - outcomes / weight).abs() < TOLERANCE);
                held += inside.len();
            }
            prop_assert_eq!(held, samples.iter().filter(|s| s.stage == stage).count());
            prop_assert_eq!(fitted.samples(), held as u64);
        }
    }

    /// The fit is the weighted least-squares monotone fit: at every
    /// confidence of the data it equals the min-max formula.
    #[test]
    fn the_fit_is_the_isotonic_regression(samples in samples_of("evaluation")) {
        let calibration = Calibration::fit(&samples).unwrap();
        let points = pooled(&samples, "evaluation");
        for (point, expected) in points.iter().zip(min_max(&points)) {
            let fitted = calibration.apply("evaluation", point.0).unwrap();
            prop_assert!(
                (fitted - expected).abs() < TOLERANCE,
                "at {}: fitted {}, the min-max formula {}", point.0, fitted, expected
            );
        }
    }

    /// Points whose rates already increase are each a block of their own,
    /// with their own rate.
    #[test]
    fn a_monotone_input_is_returned_unchanged(
        points in prop::collection::btree_map(0u32..=100, 1u32..20, 1..12)
    ) {
        // Distinct confidences (the keys, in order) with strictly
        // increasing rates: the running sum of the values, over 20 × 12.
        let mut samples = Vec::new();
        let mut expected = Vec::new();
        let mut sum = 0;
        for (&step, &rise) in &points {
            sum += rise;
            let rate = f64::from(sum) / 240.0;
            let confidence = f64::from(step) / 100.0;
            samples.push(OutcomeSample::new("evaluation", confidence, true).weighted(rate));
            samples.push(OutcomeSample::new("evaluation", confidence, false).weighted(1.0 - rate));
            expected.push((confidence, rate));
        }
        let calibration = Calibration::fit(&samples).unwrap();
        let blocks = calibration.stage("evaluation").unwrap().blocks();
        prop_assert_eq!(blocks.len(), expected.len());
        for (block, (confidence, rate)) in blocks.iter().zip(expected) {
            prop_assert_eq!(
                (block.low(), block.high(), block.samples()),
                (confidence, confidence, 2)
            );
            prop_assert!((block.rate() - rate).abs() < TOLERANCE);
        }
    }

    /// Samples all of one confidence make one block of the overall rate.
    #[test]
    fn equal_confidences_give_the_overall_rate(
        samples in samples_of("evaluation"),
        step in 0u32..=8,
    ) {
        let confidence = f64::from(step) / 8.0;
        let samples: Vec<OutcomeSample> = samples
            .into_iter()
            .map(|s| OutcomeSample { confidence, ..s })
            .collect();
        let calibration = Calibration::fit(&samples).unwrap();
        let blocks = calibration.stage("evaluation").unwrap().blocks();
        let weight: f64 = samples.iter().map(|s| s.weight).sum();
        let outcomes: f64 = samples.iter().filter(|s| s.outcome).map(|s| s.weight).sum();
        prop_assert_eq!(blocks.len(), 1);
        prop_assert!((blocks[0].rate() - outcomes / weight).abs() < TOLERANCE);
        for x in [0.0, confidence, 1.0] {
            prop_assert_eq!(calibration.apply("evaluation", x), Some(blocks[0].rate()));
        }
    }

    /// Applying is non-decreasing, within the fitted rates, the block's
    /// rate inside a block, and clamped outside the fitted range.
    #[test]
    fn apply_is_monotone_and_clamped(
        samples in samples_of("evaluation"),
        mut xs in prop::collection::vec(-0.5f64..1.5, 2..20),
    ) {
        let calibration = Calibration::fit(&samples).unwrap();
        let fitted = calibration.stage("evaluation").unwrap();
        let blocks = fitted.blocks();
        let (first, last) = (blocks[0], blocks[blocks.len() - 1]);
        xs.sort_by(f64::total_cmp);
        let values: Vec<f64> = xs.iter().map(|&x| fitted.apply(x).unwrap()).collect();
        for pair in values.windows(2) {
            prop_assert!(pair[0] <= pair[1], "not monotone: {:?} at {:?}", values, xs);
        }
        for (&x, &value) in xs.iter().zip(&values) {
            prop_assert!((first.rate()..=last.rate()).contains(&value));
            if x <= first.low() {
                prop_assert_eq!(value, first.rate());
            }
            if x >= last.high() {
                prop_assert_eq!(value, last.rate());
            }
        }
        for block in blocks {
            prop_assert_eq!(fitted.apply(block.low()), Some(block.rate()));
            prop_assert_eq!(fitted.apply(block.high()), Some(block.rate()));
        }
        prop_assert_eq!(fitted.apply(f64::NEG_INFINITY), Some(first.rate()));
        prop_assert_eq!(fitted.apply(f64::INFINITY), Some(last.rate()));
        prop_assert_eq!(fitted.apply(f64::NAN), None);
    }

    /// JSON reads back the calibration it was written from, exactly.
    #[test]
    fn json_round_trips(samples in two_stages()) {
        let calibration = Calibration::fit(&samples).unwrap();
        let json = calibration.to_json().unwrap();
        prop_assert_eq!(Calibration::from_json(&json).unwrap(), calibration);
    }
}

#[test]
fn between_blocks_the_value_is_linear_between_their_rates() {
    let calibration = Calibration::from_json(
        r#"{"stages": {"evaluation": {"blocks": [
            {"low": 0.0, "high": 0.25, "rate": 0.1, "samples": 5, "weight": 5.0},
            {"low": 0.75, "high": 1.0, "rate": 0.5, "samples": 5, "weight": 5.0}
        ]}}}"#,
    )
    .unwrap();
    let at = |x| calibration.apply("evaluation", x).unwrap();
    assert_eq!(at(0.1), 0.1);
    assert_eq!(at(0.25), 0.1);
    assert!((at(0.375) - 0.2).abs() < TOLERANCE);
    assert!((at(0.5) - 0.3).abs() < TOLERANCE);
    assert!((at(0.625) - 0.4).abs() < TOLERANCE);
    assert_eq!(at(0.75), 0.5);
    assert_eq!(at(0.9), 0.5);
}

#[test]
fn a_stage_without_samples_has_no_calibration() {
    let calibration = Calibration::fit(&[OutcomeSample::new("evaluation", 0.5, true)]).unwrap();
    assert!(calibration.stage("information_search").is_none());
    assert_eq!(calibration.apply("information_search", 0.5), None);
    assert_eq!(Calibration::fit(&[]).unwrap().stages().len(), 0);
}

#[test]
fn fitting_rejects_bad_samples_at_their_index() {
    let good = OutcomeSample::new("evaluation", 0.5, true);
    let cases = [
        (
            OutcomeSample::new("evaluation", -0.1, true),
            "samples[1].confidence: must be in [0, 1], got -0.1",
        ),
        (
            OutcomeSample::new("evaluation", f64::INFINITY, true),
            "samples[1].confidence: must be in [0, 1], got inf",
        ),
        (
            good.clone().weighted(-1.0),
            "samples[1].weight: must be a finite number > 0, got -1",
        ),
        (
            good.clone().weighted(f64::NAN),
            "samples[1].weight: must be a finite number > 0, got NaN",
        ),
    ];
    for (bad, message) in cases {
        let err = Calibration::fit(&[good.clone(), bad]).unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    let huge = good.weighted(f64::MAX);
    let err = Calibration::fit(&[huge.clone(), huge]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "samples: the weights add up to more than the largest number; use smaller weights"
    );
}

#[test]
fn documents_that_are_not_calibrations_are_rejected() {
    let block = |low: f64, high: f64, rate: f64| {
        format!(r#"{{"low": {low}, "high": {high}, "rate": {rate}, "samples": 1, "weight": 1.0}}"#)
    };
    let document = |blocks: &[String]| {
        format!(
            r#"{{"stages": {{"evaluation": {{"blocks": [{}]}}}}}}"#,
            blocks.join(", ")
        )
    };
    let cases = [
        (
            document(&[]),
            "stages.evaluation.blocks: a calibrated stage needs at least one block; leave a \
             stage without samples out",
        ),
        (
            document(&[block(0.0, 0.5, 0.1), block(0.5, 1.0, 0.2)]),
            "stages.evaluation.blocks[1].low: 0.5 is not above the high of the block before it \
             (0.5): blocks must be in order and not overlap",
        ),
        (
            document(&[block(0.0, 0.5, 0.3), block(0.6, 1.0, 0.2)]),
            "stages.evaluation.blocks[1].rate: 0.2 is below the rate of the block before it \
             (0.3): rates must not decrease",
        ),
        (
            document(&[block(0.0, 0.5, 1.5)]),
            "stages.evaluation.blocks[0].rate: must be in [0, 1], got 1.5",
        ),
        (
            document(&[block(0.6, 0.5, 0.5)]),
            "stages.evaluation.blocks[0].low and high: must be in [0, 1] with low <= high, got \
             0.6 and 0.5",
        ),
        (
            r#"{"stages": {"evaluation": {"blocks": [{"low": 0.0, "high": 0.0, "rate": 0.0,
                "samples": 0, "weight": 1.0}]}}}"#
                .to_owned(),
            "stages.evaluation.blocks[0].samples: must be at least 1",
        ),
    ];
    for (json, message) in cases {
        let err = Calibration::from_json(&json).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Document { .. }), "{err}");
        assert_eq!(err.to_string(), message, "{json}");
    }
    // Counts a document claims are added without overflow.
    let huge = Calibration::from_json(&document(&[
        block(0.0, 0.0, 0.0).replace(r#""samples": 1"#, &format!(r#""samples": {}"#, u64::MAX)),
        block(1.0, 1.0, 1.0).replace(r#""samples": 1"#, &format!(r#""samples": {}"#, u64::MAX)),
    ]))
    .unwrap();
    assert_eq!(huge.stage("evaluation").unwrap().samples(), u64::MAX);
    let err = Calibration::from_json(r#"{"stages": {}, "model": "x"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1, column 22: unknown field `model`, expected `stages`"
    );
    let err = Calibration::from_json(r#"{"stages": {}} {}"#).unwrap_err();
    assert_eq!(err.to_string(), "line 1, column 16: trailing characters");
}

#[test]
fn the_builder_rejects_unknown_stages_with_the_nearest_id() {
    let samples = [
        OutcomeSample::new("evaluation", 0.5, true),
        OutcomeSample::new("purchase", 0.5, true),
        OutcomeSample::new("informaton_search", 0.5, true),
    ];
    let calibration = Calibration::fit(&samples).unwrap();
    let builder = Engine::builder(models::buying_process()).calibration(calibration);
    let problems: Vec<String> = builder.check().iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "error: calibration.stages.purchase: unknown stage 'purchase', did you mean \
             'purchase_decision'?",
            "error: calibration.stages.informaton_search: unknown stage 'informaton_search', \
             did you mean 'information_search'?",
        ]
    );
    let err = builder.build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "calibration.stages.purchase: unknown stage 'purchase', did you mean \
         'purchase_decision'?"
    );
    assert_eq!(
        err.location().unwrap().path(),
        "calibration.stages.purchase"
    );
}

#[test]
fn a_renamed_stage_is_calibrated_by_its_old_id_but_only_once() {
    // `evaluation` renamed to `comparing`, which keeps the old id as an
    // alias.
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::count("comparisons")],
        vec![
            StageSpec::new("lead", "Lead", ""),
            StageSpec::new("comparing", "Comparing", "").aliases(&["evaluation"]),
        ],
    );
    spec.stage_rules = vec![StageRuleSpec::new(
        "comparing.comparisons",
        "comparing",
        "comparisons >= 1",
    )];
    let old = Calibration::fit(&[OutcomeSample::new("evaluation", 1.0, true)]).unwrap();
    let engine = Engine::builder(spec.clone())
        .calibration(old)
        .build()
        .unwrap_or_else(|e| panic!("the old id names the stage: {e}"));
    let mut customer = engine.record();
    customer.set("comparisons", 1).unwrap();
    let decision = engine
        .classify(&customer, &mut engine.scratch())
        .to_record();
    assert_eq!(
        (decision.stage.as_str(), decision.calibrated_confidence),
        ("comparing", Some(1.0))
    );

    let both = Calibration::fit(&[
        OutcomeSample::new("evaluation", 1.0, true),
        OutcomeSample::new("comparing", 1.0, true),
    ])
    .unwrap();
    let err = Engine::builder(spec).calibration(both).build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "calibration.stages.comparing: stage 'comparing' is calibrated twice, as 'evaluation' \
         and as 'comparing'"
    );
}

/// Customers of the built-in model with a few of its counts set at random,
/// as records and as columns.
struct Population {
    signals: [&'static str; 7],
    values: Vec<Vec<f64>>,
}

impl Population {
    fn new(customers: usize) -> Self {
        let signals = [
            "need_searches",
            "reviews_read",
            "info_page_views",
            "comparisons",
            "cart_adds",
            "purchases",
            "open_complaints",
        ];
        let mut random = XorShift::new();
        let values = signals
            .iter()
            .map(|_| {
                (0..customers)
                    .map(|_| match random.below(4) {
                        0 => f64::NAN,
                        _ => random.below(3) as f64,
                    })
                    .collect()
            })
            .collect();
        Population { signals, values }
    }

    fn len(&self) -> usize {
        self.values[0].len()
    }

    fn record(&self, engine: &Engine, i: usize) -> buyer_journey::SignalRecord {
        let mut record = engine.record();
        for (signal, column) in self.signals.iter().zip(&self.values) {
            if !column[i].is_nan() {
                record.set(signal, column[i]).unwrap();
            }
        }
        record
    }

    fn columns(&self, engine: &Engine) -> Columns<'_> {
        let mut columns = Columns::new(engine.schema(), self.len());
        for (signal, column) in self.signals.iter().zip(&self.values) {
            columns.set(signal, Column::f64(column)).unwrap();
        }
        columns
    }
}

/// A calibration of every stage of the built-in model but `post_purchase`,
/// from the population's decisions with outcomes that grow with the
/// confidence, noisily.
fn calibration_for(population: &Population) -> Calibration {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut random = XorShift(7);
    let samples: Vec<OutcomeSample> = (0..population.len())
        .map(|i| {
            let decision = engine.classify(&population.record(&engine, i), &mut scratch);
            let outcome = (random.below(100) as f64) < 20.0 + decision.confidence() * 40.0;
            OutcomeSample::new(decision.stage().id(), decision.confidence(), outcome)
        })
        .filter(|sample| sample.stage != "post_purchase")
        .collect();
    Calibration::fit(&samples).unwrap()
}

#[test]
fn decisions_report_the_calibrated_confidence_on_both_paths() {
    let population = Population::new(300);
    let calibration = calibration_for(&population);
    assert_eq!(calibration.stages().len(), 4, "{calibration:?}");
    let engine = Engine::builder(models::buying_process())
        .calibration(calibration.clone())
        .build()
        .unwrap();
    let now = Timestamp::EPOCH;
    let histories = vec![ContactLog::new(); population.len()];
    let mut single = engine.scratch();
    let mut batch_scratch = engine.batch_scratch();
    let columns = population.columns(&engine);
    let batch = engine
        .decide_batch(&columns, &histories, now, &mut batch_scratch)
        .unwrap();
    let mut calibrated = 0;
    for (i, history) in histories.iter().enumerate() {
        let record = population.record(&engine, i);
        let decision = engine.decide(&record, history, now, &mut single);
        let expected = calibration.apply(decision.stage().id(), decision.confidence());
        assert_eq!(decision.calibrated_confidence(), expected, "customer {i}");
        assert_eq!(
            decision.stage().id() == "post_purchase",
            expected.is_none(),
            "customer {i}"
        );
        calibrated += usize::from(expected.is_some());
        let from_batch = batch.get(i).unwrap();
        assert_eq!(from_batch.calibrated_confidence(), expected, "customer {i}");
        assert_eq!(from_batch.to_record(), decision.to_record(), "customer {i}");
        assert_eq!(decision.to_record().calibrated_confidence, expected);
    }
    assert!(calibrated > population.len() / 2, "{calibrated} calibrated");
}

#[test]
fn decide_in_calibrates_the_confidence_in_the_given_stage() {
    let calibration = Calibration::fit(&[
        OutcomeSample::new("evaluation", 0.0, false),
        OutcomeSample::new("evaluation", 1.0, true),
    ])
    .unwrap();
    let engine = Engine::builder(models::buying_process())
        .calibration(calibration)
        .build()
        .unwrap();
    let mut customer = engine.record();
    customer.set("reviews_read", 1).unwrap();
    customer.set("comparisons", 1).unwrap();
    customer.set("need_searches", 1).unwrap();
    let evaluation = engine.model().find("evaluation").unwrap();
    let mut scratch = engine.scratch();
    let decision = engine
        .decide_in(
            evaluation,
            &customer,
            &ContactLog::new(),
            Timestamp::EPOCH,
            &mut scratch,
        )
        .unwrap();
    let confidence = decision.confidence();
    assert!(confidence > 0.0 && confidence < 1.0, "{confidence}");
    // Linear between (0, 0) and (1, 1).
    assert_eq!(decision.calibrated_confidence(), Some(confidence));
    let search = engine.model().find("information_search").unwrap();
    let decision = engine
        .decide_in(
            search,
            &customer,
            &ContactLog::new(),
            Timestamp::EPOCH,
            &mut scratch,
        )
        .unwrap();
    assert_eq!(decision.calibrated_confidence(), None);
}

#[test]
fn records_without_a_calibration_read_and_write_as_before() {
    let engine = built_in();
    let mut customer = engine.record();
    customer.set("comparisons", 1).unwrap();
    let record = engine
        .classify(&customer, &mut engine.scratch())
        .to_record();
    assert_eq!(record.calibrated_confidence, None);
    let json = serde_json::to_string(&record).unwrap();
    assert!(!json.contains("calibrated_confidence"), "{json}");
    let old = r#"{"stage": "evaluation", "confidence": 1.0, "evidence": {}, "fired": []}"#;
    let read: DecisionRecord = serde_json::from_str(old).unwrap();
    assert_eq!(read.calibrated_confidence, None);
    let new = r#"{"stage": "evaluation", "confidence": 1.0, "calibrated_confidence": 0.25,
                  "evidence": {}, "fired": []}"#;
    let read: DecisionRecord = serde_json::from_str(new).unwrap();
    assert_eq!(read.calibrated_confidence, Some(0.25));
    assert_eq!(
        serde_json::from_str::<DecisionRecord>(&serde_json::to_string(&read).unwrap()).unwrap(),
        read
    );
}

/// What the example's `run` made of `input`: whether every line was good,
/// the output and the error lines.
fn run_example(input: &str) -> (bool, String, Vec<String>) {
    let mut output = Vec::new();
    let mut errors = Vec::new();
    let all_good = calibrate::run(input.as_bytes(), &mut output, &mut errors)
        .expect("in-memory I/O does not fail");
    let errors = String::from_utf8(errors).unwrap();
    (
        all_good,
        String::from_utf8(output).unwrap(),
        errors.lines().map(str::to_owned).collect(),
    )
}

#[test]
fn the_example_fits_the_good_lines_and_reports_the_bad_ones() {
    let input = concat!(
        r#"{"stage": "evaluation", "confidence": 0.5, "outcome": true}"#,
        "\n",
        r#"{"stage": "evaluation", "confidence": 1.0, "outcome": false, "weight": 2}"#,
        "\n\n",
        r#"{"stage": "evaluation", "confidence": 1.0, "outcome": true}"#,
        "\n",
        "{\"stage\": \"evaluation\"\n",
        r#"{"stage": "evaluation", "confidence": 1.5, "outcome": true}"#,
        "\n",
        r#"{"stage": "evaluation", "confidence": 0.5}"#,
        "\n",
        r#"{"stage": "evaluation", "confidence": 0.5, "outcome": true, "wieght": 2}"#,
        "\n",
        r#"{"stage": "post_purchase", "confidence": 0.0, "outcome": false, "weight": 0}"#,
        "\n",
        r#"{"stage": "need_recognition", "confidence": 0.0, "outcome": false}"#,
    );
    let (all_good, output, errors) = run_example(input);
    assert!(!all_good);
    assert_eq!(
        errors,
        [
            "line 5: invalid JSON at column 22: EOF while parsing an object",
            "line 6: confidence: must be in [0, 1], got 1.5",
            "line 7: missing field `outcome`",
            "line 8: unknown field `wieght`, expected one of `stage`, `confidence`, `outcome`, \
             `weight`",
            "line 9: weight: must be a finite number > 0, got 0",
        ]
    );
    let fitted = Calibration::from_json(&output).unwrap();
    let expected = Calibration::fit(&[
        OutcomeSample::new("evaluation", 0.5, true),
        OutcomeSample::new("evaluation", 1.0, false).weighted(2.0),
        OutcomeSample::new("evaluation", 1.0, true),
        OutcomeSample::new("need_recognition", 0.0, false),
    ])
    .unwrap();
    assert_eq!(fitted, expected);
    // 1, then 1 of 3: pooled into one block of 2 in 4.
    let evaluation = fitted.stage("evaluation").unwrap().blocks();
    assert_eq!(evaluation.len(), 1);
    assert_eq!((evaluation[0].rate(), evaluation[0].samples()), (0.5, 3));
    assert!(output.ends_with("}\n"));

    let (all_good, output, errors) = run_example("");
    assert!(all_good && errors.is_empty());
    assert_eq!(output, "{\n  \"stages\": {}\n}\n");
}

#[test]
fn the_example_reads_the_decisions_it_fits_and_ends_quietly_on_a_closed_pipe() {
    let engine = built_in();
    let population = Population::new(500);
    let mut scratch = engine.scratch();
    let mut input = String::new();
    for i in 0..population.len() {
        let decision = engine.classify(&population.record(&engine, i), &mut scratch);
        let sample = OutcomeSample::new(decision.stage().id(), decision.confidence(), i % 3 == 0);
        input.push_str(&serde_json::to_string(&sample).unwrap());
        input.push('\n');
    }
    let run = |stdout: Stdio| {
        let mut child = Command::new(example("calibrate"))
            .stdin(Stdio::piped())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example runs");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let whole = run(Stdio::piped());
    assert!(whole.status.success(), "{whole:?}");
    assert!(whole.stderr.is_empty(), "{whole:?}");
    let calibration = Calibration::from_json(&String::from_utf8(whole.stdout).unwrap()).unwrap();
    // The engine takes what the example fitted from its own decisions.
    let engine = Engine::builder(models::buying_process())
        .calibration(calibration)
        .build()
        .unwrap();
    let mut scratch = engine.scratch();
    let decision = engine.classify(&population.record(&engine, 0), &mut scratch);
    assert!(decision.calibrated_confidence().is_some());

    // Into a pipe whose reader is gone: the status of the lines, quietly.
    let closed = run(closed_pipe());
    assert!(closed.status.success(), "{closed:?}");
    assert!(closed.stderr.is_empty(), "{closed:?}");
}

/// The writing end of a pipe whose reader has exited: the standard input
/// of a process that ran without reading it (the test binary, listing its
/// tests).
fn closed_pipe() -> Stdio {
    let mut reader = Command::new(std::env::current_exe().unwrap())
        .arg("--list")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let writer = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    Stdio::from(writer)
}

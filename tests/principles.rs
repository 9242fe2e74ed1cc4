//! The built-in buying-process model follows the principles of the seed
//! texts: each principle is one test over several concrete customers, each
//! classified by the compiled engine and checked against the reference
//! interpreter.

use crate::support::{built_in, record};
use buyer_journey::{models, DecisionRecord, Engine, SignalRecord};

const ENTRY: &str = "need_recognition";

/// Classifies with the compiled engine, checks that the interpreter agrees,
/// and returns the owned classification.
fn classify(engine: &Engine, record: &SignalRecord) -> DecisionRecord {
    let mut scratch = engine.scratch();
    let compiled = engine.classify(record, &mut scratch).to_record();
    let interpreted = engine.classify_interpreted(record);
    assert_eq!(
        compiled, interpreted,
        "compiled engine and interpreter disagree for {record:?}"
    );
    compiled
}

/// One customer of a principle: the signals, the stage it must land in and
/// the confidence computed from `Decision::confidence`'s definition (the
/// share of positive evidence for the chosen stage; one point per fired
/// stage rule).
struct Case {
    signals: &'static [(&'static str, f64)],
    stage: &'static str,
    confidence: f64,
}

fn check_cases(principle: &str, cases: &[Case]) {
    let engine = built_in();
    for case in cases {
        let record = record(&engine, case.signals);
        let got = classify(&engine, &record);
        assert_eq!(
            got.stage, case.stage,
            "{principle}: wrong stage for {:?}: {got:?}",
            case.signals
        );
        assert!(
            (got.confidence - case.confidence).abs() < 1e-12,
            "{principle}: confidence for {:?} is {}, expected {}",
            case.signals,
            got.confidence,
            case.confidence
        );
    }
}

#[test]
fn no_signals_means_need_recognition_with_zero_confidence() {
    let engine = built_in();

    // An empty record.
    let empty = engine.record();
    // A record whose signals were set and then cleared.
    let mut cleared = record(&engine, &[("cart_adds", 3.0), ("purchases", 2.0)]);
    cleared.clear();
    // A record whose signals were set and then unset one by one.
    let mut unset = record(&engine, &[("reviews_read", 4.0), ("comparisons", 1.0)]);
    unset.unset("reviews_read").unwrap();
    unset.unset("comparisons").unwrap();

    for record in [&empty, &cleared, &unset] {
        assert_eq!(record.iter().count(), 0, "the record must be empty");
        let got = classify(&engine, record);
        assert_eq!(got.stage, ENTRY);
        assert_eq!(got.confidence, 0.0);
        assert!(got.fired.is_empty(), "no rule may fire: {:?}", got.fired);
        assert!(got.evidence.values().all(|&points| points == 0.0));
    }

    // Every signal present but zero is no evidence either.
    let mut zeros = engine.record();
    for signal in engine.schema().iter() {
        zeros.set(signal.id(), 0).unwrap();
    }
    let got = classify(&engine, &zeros);
    assert_eq!(got.stage, ENTRY);
    assert_eq!(got.confidence, 0.0);
    assert!(got.fired.is_empty(), "no rule may fire: {:?}", got.fired);
}

#[test]
fn need_level_evidence_only_means_need_recognition() {
    check_cases(
        "need only",
        &[
            Case {
                signals: &[("need_searches", 1.0)],
                stage: ENTRY,
                confidence: 1.0,
            },
            Case {
                signals: &[("category_views", 7.0)],
                stage: ENTRY,
                confidence: 1.0,
            },
            Case {
                signals: &[("need_searches", 3.0), ("category_views", 2.0)],
                stage: ENTRY,
                confidence: 1.0,
            },
            Case {
                signals: &[("need_searches", 1e6), ("category_views", 250_000.0)],
                stage: ENTRY,
                confidence: 1.0,
            },
            // Later-stage signals present but zero are no evidence.
            Case {
                signals: &[
                    ("category_views", 4.0),
                    ("reviews_read", 0.0),
                    ("comparisons", 0.0),
                    ("cart_adds", 0.0),
                    ("purchases", 0.0),
                ],
                stage: ENTRY,
                confidence: 1.0,
            },
            // Post-purchase context without a purchase does not count.
            Case {
                signals: &[
                    ("need_searches", 2.0),
                    ("satisfaction", 8.0),
                    ("open_tickets", 1.0),
                ],
                stage: ENTRY,
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn research_without_further_steps_means_information_search() {
    check_cases(
        "research",
        &[
            Case {
                signals: &[("reviews_read", 1.0)],
                stage: "information_search",
                confidence: 1.0,
            },
            Case {
                signals: &[("info_page_views", 12.0)],
                stage: "information_search",
                confidence: 1.0,
            },
            Case {
                signals: &[("recommendations_sought", 2.0), ("need_searches", 4.0)],
                stage: "information_search",
                // One research rule, one need rule.
                confidence: 0.5,
            },
            Case {
                signals: &[
                    ("brochures_downloaded", 1.0),
                    ("category_views", 1.0),
                    ("reviews_read", 10.0),
                ],
                stage: "information_search",
                // Two research rules, one need rule.
                confidence: 2.0 / 3.0,
            },
            Case {
                signals: &[
                    ("reviews_read", 3.0),
                    ("info_page_views", 5.0),
                    ("recommendations_sought", 1.0),
                    ("brochures_downloaded", 2.0),
                    ("need_searches", 1.0),
                    ("category_views", 9.0),
                ],
                stage: "information_search",
                // Four research rules, two need rules.
                confidence: 4.0 / 6.0,
            },
            Case {
                signals: &[
                    ("info_page_views", 1.0),
                    ("comparisons", 0.0),
                    ("cart_adds", 0.0),
                    ("checkout_starts", 0.0),
                ],
                stage: "information_search",
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn weighing_options_without_cart_means_evaluation() {
    check_cases(
        "weighing options",
        &[
            Case {
                signals: &[("comparisons", 1.0)],
                stage: "evaluation",
                confidence: 1.0,
            },
            Case {
                signals: &[("sales_contacts", 2.0), ("quote_requests", 1.0)],
                stage: "evaluation",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("comparisons", 3.0),
                    ("reviews_read", 4.0),
                    ("need_searches", 1.0),
                ],
                stage: "evaluation",
                // One rule each for evaluation, research and need.
                confidence: 1.0 / 3.0,
            },
            Case {
                signals: &[
                    ("quote_requests", 1.0),
                    ("info_page_views", 2.0),
                    ("brochures_downloaded", 1.0),
                ],
                stage: "evaluation",
                confidence: 1.0 / 3.0,
            },
            Case {
                signals: &[
                    ("comparisons", 40.0),
                    ("sales_contacts", 3.0),
                    ("quote_requests", 2.0),
                    ("cart_adds", 0.0),
                    ("checkout_starts", 0.0),
                ],
                stage: "evaluation",
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn cart_or_checkout_means_purchase_decision() {
    check_cases(
        "cart or checkout",
        &[
            Case {
                signals: &[("cart_adds", 1.0)],
                stage: "purchase_decision",
                confidence: 1.0,
            },
            Case {
                signals: &[("checkout_starts", 1.0)],
                stage: "purchase_decision",
                confidence: 1.0,
            },
            Case {
                signals: &[("cart_adds", 6.0), ("comparisons", 2.0)],
                stage: "purchase_decision",
                confidence: 0.5,
            },
            Case {
                // Every pre-purchase signal at once.
                signals: &[
                    ("need_searches", 1.0),
                    ("category_views", 2.0),
                    ("info_page_views", 3.0),
                    ("reviews_read", 4.0),
                    ("recommendations_sought", 5.0),
                    ("brochures_downloaded", 6.0),
                    ("comparisons", 7.0),
                    ("sales_contacts", 8.0),
                    ("quote_requests", 9.0),
                    ("cart_adds", 10.0),
                    ("checkout_starts", 11.0),
                ],
                stage: "purchase_decision",
                // 2 of the 11 fired rules are for purchase_decision.
                confidence: 2.0 / 11.0,
            },
            Case {
                // Open tickets or complaints without a purchase do not keep
                // anyone in post-purchase.
                signals: &[
                    ("checkout_starts", 2.0),
                    ("open_tickets", 2.0),
                    ("open_complaints", 1.0),
                    ("purchases", 0.0),
                ],
                stage: "purchase_decision",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("cart_adds", 1.0),
                    ("satisfaction", 1.5),
                    ("days_since_purchase", 3.0),
                ],
                stage: "purchase_decision",
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn past_purchase_without_activity_means_post_purchase() {
    check_cases(
        "bought, quiet since",
        &[
            Case {
                signals: &[("purchases", 1.0)],
                stage: "post_purchase",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("purchases", 3.0),
                    ("days_since_purchase", 7.0),
                    ("satisfaction", 9.0),
                ],
                stage: "post_purchase",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("purchases", 10.0),
                    ("days_since_purchase", 400.0),
                    ("satisfaction", 2.0),
                ],
                stage: "post_purchase",
                confidence: 1.0,
            },
            Case {
                signals: &[("purchases", 1.0), ("days_since_purchase", 0.0)],
                stage: "post_purchase",
                confidence: 1.0,
            },
            Case {
                // Every cycle count explicitly zero: still no activity.
                signals: &[
                    ("purchases", 2.0),
                    ("need_searches", 0.0),
                    ("category_views", 0.0),
                    ("info_page_views", 0.0),
                    ("reviews_read", 0.0),
                    ("recommendations_sought", 0.0),
                    ("brochures_downloaded", 0.0),
                    ("comparisons", 0.0),
                    ("sales_contacts", 0.0),
                    ("quote_requests", 0.0),
                    ("cart_adds", 0.0),
                    ("checkout_starts", 0.0),
                    ("open_tickets", 0.0),
                    ("open_complaints", 0.0),
                ],
                stage: "post_purchase",
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn open_complaint_or_ticket_keeps_a_buyer_in_post_purchase() {
    check_cases(
        "complaint or ticket open",
        &[
            Case {
                signals: &[
                    ("purchases", 1.0),
                    ("open_complaints", 1.0),
                    ("reviews_read", 3.0),
                ],
                stage: "post_purchase",
                confidence: 0.5,
            },
            Case {
                signals: &[
                    ("purchases", 2.0),
                    ("open_tickets", 1.0),
                    ("cart_adds", 2.0),
                    ("checkout_starts", 1.0),
                ],
                stage: "post_purchase",
                // One post-purchase rule against two purchase-decision rules.
                confidence: 1.0 / 3.0,
            },
            Case {
                signals: &[
                    ("purchases", 1.0),
                    ("open_complaints", 2.0),
                    ("open_tickets", 3.0),
                    ("comparisons", 1.0),
                    ("days_since_purchase", 20.0),
                ],
                stage: "post_purchase",
                // Complaint and ticket rules against one evaluation rule.
                confidence: 2.0 / 3.0,
            },
            Case {
                // Quiet since the purchase and a complaint open: both
                // post-purchase rules hold.
                signals: &[
                    ("purchases", 4.0),
                    ("open_complaints", 1.0),
                    ("satisfaction", 1.0),
                ],
                stage: "post_purchase",
                confidence: 1.0,
            },
        ],
    );

    // The complaint is what keeps them there: the same customers with it
    // closed (zero) move to the stage of their new activity.
    check_cases(
        "complaint or ticket closed",
        &[
            Case {
                signals: &[
                    ("purchases", 1.0),
                    ("open_complaints", 0.0),
                    ("reviews_read", 3.0),
                ],
                stage: "information_search",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("purchases", 2.0),
                    ("open_tickets", 0.0),
                    ("cart_adds", 2.0),
                    ("checkout_starts", 1.0),
                ],
                stage: "purchase_decision",
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn activity_after_a_purchase_starts_a_new_cycle() {
    check_cases(
        "new cycle",
        &[
            Case {
                signals: &[("purchases", 2.0), ("comparisons", 2.0)],
                stage: "evaluation",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("purchases", 1.0),
                    ("days_since_purchase", 120.0),
                    ("sales_contacts", 1.0),
                    ("reviews_read", 2.0),
                ],
                stage: "evaluation",
                confidence: 0.5,
            },
            Case {
                signals: &[("purchases", 5.0), ("cart_adds", 1.0)],
                stage: "purchase_decision",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("purchases", 1.0),
                    ("days_since_purchase", 30.0),
                    ("satisfaction", 10.0),
                    ("checkout_starts", 3.0),
                    ("open_complaints", 0.0),
                    ("open_tickets", 0.0),
                ],
                stage: "purchase_decision",
                confidence: 1.0,
            },
            Case {
                signals: &[("purchases", 1.0), ("reviews_read", 1.0)],
                stage: "information_search",
                confidence: 1.0,
            },
            Case {
                signals: &[
                    ("purchases", 12.0),
                    ("brochures_downloaded", 1.0),
                    ("info_page_views", 4.0),
                    ("category_views", 2.0),
                ],
                stage: "information_search",
                confidence: 2.0 / 3.0,
            },
            Case {
                // A new need after a purchase: back to the start of a cycle.
                signals: &[("purchases", 1.0), ("need_searches", 1.0)],
                stage: ENTRY,
                confidence: 1.0,
            },
        ],
    );
}

#[test]
fn sample_customers_land_in_their_expected_stage() {
    let engine = built_in();
    let samples = models::sample_customers();
    assert!(samples.len() >= 10, "expected about a dozen samples");
    for sample in &samples {
        let record = sample.record(engine.schema()).unwrap();
        let got = classify(&engine, &record);
        assert_eq!(
            got.stage, sample.expected_stage,
            "sample {} ({}) landed in the wrong stage",
            sample.id, sample.description
        );
    }
    // The samples cover every stage of the model.
    for stage in engine.model().iter() {
        assert!(
            samples.iter().any(|s| s.expected_stage == stage.id()),
            "no sample for stage {}",
            stage.id()
        );
    }
}

#[test]
fn confidence_is_always_within_zero_and_one() {
    let engine = built_in();
    let names = [
        "need_searches",
        "category_views",
        "info_page_views",
        "reviews_read",
        "recommendations_sought",
        "brochures_downloaded",
        "comparisons",
        "sales_contacts",
        "quote_requests",
        "cart_adds",
        "checkout_starts",
        "purchases",
        "open_tickets",
        "open_complaints",
    ];
    let mut scratch = engine.scratch();
    let mut record = engine.record();
    // Every combination of these signals being present, with varied
    // magnitudes (including explicit zeros).
    for mask in 0u32..(1 << names.len()) {
        record.clear();
        for (bit, name) in names.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                let magnitude = (mask as usize * 7 + bit * 3) % 5;
                record.set(name, magnitude).unwrap();
            }
        }
        let decision = engine.classify(&record, &mut scratch);
        let confidence = decision.confidence();
        assert!(
            (0.0..=1.0).contains(&confidence),
            "confidence {confidence} out of range for {record:?}"
        );
        // Zero exactly when nothing fired, and then in the entry stage.
        let fired = decision.fired().len();
        assert_eq!(confidence == 0.0, fired == 0, "for {record:?}");
        if fired == 0 {
            assert_eq!(decision.stage().id(), ENTRY);
        }
        // Check the interpreter on a sample of the combinations.
        if mask % 37 == 0 {
            let compiled = decision.to_record();
            assert_eq!(compiled, engine.classify_interpreted(&record));
        }
    }
}

#[test]
fn split_evidence_gives_confidence_strictly_between_zero_and_one() {
    let engine = built_in();
    // (signals, stage, points per stage in model order)
    type Split<'a> = (&'a [(&'a str, f64)], &'a str, [f64; 5]);
    let cases: &[Split<'_>] = &[
        (
            &[("reviews_read", 1.0), ("cart_adds", 1.0)],
            "purchase_decision",
            [0.0, 1.0, 0.0, 1.0, 0.0],
        ),
        (
            &[
                ("reviews_read", 2.0),
                ("info_page_views", 3.0),
                ("cart_adds", 1.0),
            ],
            "purchase_decision",
            [0.0, 2.0, 0.0, 1.0, 0.0],
        ),
        (
            &[
                ("need_searches", 1.0),
                ("reviews_read", 1.0),
                ("comparisons", 1.0),
                ("cart_adds", 1.0),
                ("checkout_starts", 1.0),
            ],
            "purchase_decision",
            [1.0, 1.0, 1.0, 2.0, 0.0],
        ),
        (
            &[("category_views", 1.0), ("comparisons", 5.0)],
            "evaluation",
            [1.0, 0.0, 1.0, 0.0, 0.0],
        ),
    ];
    for &(signals, stage, points) in cases {
        let got = classify(&engine, &record(&engine, signals));
        assert_eq!(got.stage, stage, "for {signals:?}");
        let evidence: Vec<f64> = got.evidence.values().copied().collect();
        assert_eq!(evidence, points, "evidence for {signals:?}");

        let chosen = engine
            .model()
            .find(stage)
            .map(|stage| stage.index())
            .unwrap()
            .as_usize();
        let expected = points[chosen] / points.iter().sum::<f64>();
        assert!(
            got.confidence > 0.0 && got.confidence < 1.0,
            "confidence {} for {signals:?} must be strictly between 0 and 1",
            got.confidence
        );
        assert!(
            (got.confidence - expected).abs() < 1e-12,
            "confidence {} for {signals:?}, expected {expected}",
            got.confidence
        );
    }
}

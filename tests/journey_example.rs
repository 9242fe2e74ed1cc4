//! Tests of the `journey` example (`examples/journey.rs`), which replays the
//! built-in sample journeys event by event and counts the funnel: the example's
//! code is included here as a module, so the test replays exactly what the
//! example prints. The expected numbers are derived by hand from the sample
//! journeys in `src/models/journeys.rs` and the rules of the buying-process
//! model, not copied from the output. Also focused tests of `Funnel`.
//!
//! Run with `cargo test --test integration journey_example`.

#[allow(dead_code)] // `main` is only for the example binary
#[path = "../examples/journey.rs"]
mod journey;

use std::collections::HashSet;

use crate::support::built_in;
use buyer_journey::{
    models, Engine, ErrorKind, Funnel, FunnelStats, HitPolicy, JourneyState, RulesetSpec,
    SignalSpec, Span, StageModel, StageRuleSpec, StageSpec, StageStats, Timestamp, Transition,
};

const NR: &str = "need_recognition";
const IS: &str = "information_search";
const EV: &str = "evaluation";
const PD: &str = "purchase_decision";
const PP: &str = "post_purchase";

fn model() -> StageModel {
    models::buying_process()
        .stage_model()
        .expect("the built-in model is valid")
}

/// A move as a host would have stored it.
fn transition(from: Option<&str>, to: &str, after: Span) -> Transition {
    let json = serde_json::json!({
        "from": from,
        "to": to,
        "rule": from.map(|_| "some.rule"),
        "at": 0,
        "time_in_previous": after.as_seconds(),
    });
    serde_json::from_value(json).expect("a transition")
}

fn days(n: u64) -> Span {
    Span::days(n)
}

#[test]
fn sample_journeys_are_well_formed() {
    let declared: HashSet<String> = models::buying_process()
        .events
        .into_iter()
        .map(|event| event.id)
        .collect();
    let journeys = models::sample_journeys();
    assert!((4..=6).contains(&journeys.len()));
    let ids: HashSet<_> = journeys.iter().map(|journey| journey.id).collect();
    assert_eq!(ids.len(), journeys.len(), "ids are unique");
    for journey in &journeys {
        assert!(!journey.description.is_empty());
        assert_eq!(journey.events[0].day, 0, "{} starts on day 0", journey.id);
        assert!(
            journey
                .events
                .windows(2)
                .all(|pair| pair[0].day <= pair[1].day),
            "{}: days ascend",
            journey.id
        );
        assert!(journey.last_day() <= 30);
        for event in &journey.events {
            assert!(
                declared.contains(event.event),
                "{}: {}",
                journey.id,
                event.event
            );
            assert_eq!(event.value.is_some(), event.event == "satisfaction");
        }
    }
}

#[test]
fn the_events_of_a_day_happen_at_one_time() {
    let journeys = models::sample_journeys();
    let j01 = &journeys[0];
    assert_eq!(j01.id, "j01");
    let start = Timestamp::from_unix_seconds(1_700_000_000);
    // Days 0, 2 (two reviews), 5, 6, 24, 25.
    let times: Vec<_> = j01.events.iter().map(|event| event.at(start)).collect();
    assert_eq!(times[1], times[2]);
    assert_eq!(times[1], start + days(2));
    assert_eq!(j01.last_day(), 25);
    let rated = journeys[2].events.last().unwrap().to_event(start);
    assert_eq!((rated.id(), rated.value()), ("satisfaction", Some(3.0)));
}

/// One expected move: day, from, to, rule, days in the stage left.
type Move = (
    u32,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    u64,
);

/// Each customer's moves.
///
/// How the model moves them (forward rules fire on evidence for a later
/// stage, the furthest first; new-cycle rules fire from `post_purchase` only
/// after 7 days there and without an open complaint or ticket; back rules
/// fire when a stage's evidence has left the 30-day look-back). Every
/// customer is looked at again on day 60:
///
/// - j01: day 0 need searches → placed in `need_recognition`. Day 2 reviews →
///   `information_search` (2 days). Day 5 a cart add, no comparison →
///   `purchase_decision`, skipping evaluation (3 days). Day 6 a purchase, cycle
///   counts reset → `post_purchase` (1 day). Day 24 a cart add, 18 days after
///   the purchase → new cycle in `purchase_decision`. Day 25 the second
///   purchase → `post_purchase` (1 day).
/// - j02: day 0 a review → `information_search`. Day 3 a comparison →
///   evaluation (3 days). Day 4 a checkout → `purchase_decision` (1 day).
///   Day 5 a purchase → `post_purchase` (1 day). Day 7 one guide read: a
///   single page view is no evidence of a new need, so no move, neither in
///   the 7-day dwell nor after it. Day 20 three guides read: 15 days in
///   `post_purchase` → new cycle in `information_search` (15 days). By day
///   60 the guides have left the look-back and the customer has bought:
///   back to `post_purchase` by its forward rule (40 days).
/// - j03: day 0 a comparison and a sales contact → evaluation. Day 2 a cart
///   add → `purchase_decision` (2 days). Day 3 a purchase → `post_purchase`
///   (1 day). From day 6 a complaint is open, so the reviews and comparison
///   of day 12 start no new cycle, though the dwell is over from day 10.
/// - j04: category views only → `need_recognition` on day 0, nothing later.
/// - j05: day 0 a recommendation sought → `information_search`. Day 4 a quote
///   request → evaluation (4 days). Day 11 cart adds → `purchase_decision`
///   (7 days). Day 12 a purchase → `post_purchase` (1 day); a satisfaction
///   rating is no cycle activity.
/// - j06: day 0 a category view → `need_recognition`. Day 1 a brochure →
///   `information_search` (1 day). Day 9 a sales contact → evaluation
///   (8 days). A quote request and comparisons on day 21 are evaluation
///   again: no move. By day 60 all of it has left the look-back: back to
///   `need_recognition` (51 days).
fn expected_moves() -> Vec<(&'static str, Vec<Move>)> {
    vec![
        (
            "j01",
            vec![
                (0, None, NR, None, 0),
                (2, Some(NR), IS, Some("forward.information_search"), 2),
                (5, Some(IS), PD, Some("forward.purchase_decision"), 3),
                (6, Some(PD), PP, Some("forward.post_purchase"), 1),
                (24, Some(PP), PD, Some("new_cycle.purchase_decision"), 18),
                (25, Some(PD), PP, Some("forward.post_purchase"), 1),
            ],
        ),
        (
            "j02",
            vec![
                (0, None, IS, None, 0),
                (3, Some(IS), EV, Some("forward.evaluation"), 3),
                (4, Some(EV), PD, Some("forward.purchase_decision"), 1),
                (5, Some(PD), PP, Some("forward.post_purchase"), 1),
                (20, Some(PP), IS, Some("new_cycle.information_search"), 15),
                (60, Some(IS), PP, Some("forward.post_purchase"), 40),
            ],
        ),
        (
            "j03",
            vec![
                (0, None, EV, None, 0),
                (2, Some(EV), PD, Some("forward.purchase_decision"), 2),
                (3, Some(PD), PP, Some("forward.post_purchase"), 1),
            ],
        ),
        ("j04", vec![(0, None, NR, None, 0)]),
        (
            "j05",
            vec![
                (0, None, IS, None, 0),
                (4, Some(IS), EV, Some("forward.evaluation"), 4),
                (11, Some(EV), PD, Some("forward.purchase_decision"), 7),
                (12, Some(PD), PP, Some("forward.post_purchase"), 1),
            ],
        ),
        (
            "j06",
            vec![
                (0, None, NR, None, 0),
                (1, Some(NR), IS, Some("forward.information_search"), 1),
                (9, Some(IS), EV, Some("forward.evaluation"), 8),
                (60, Some(EV), NR, Some("back.need_recognition"), 51),
            ],
        ),
    ]
}

#[test]
fn each_sample_journey_moves_as_designed() {
    let customers = journey::replay(&built_in()).unwrap();
    let expected = expected_moves();
    assert_eq!(
        customers.iter().map(|c| c.id).collect::<Vec<_>>(),
        expected.iter().map(|(id, _)| *id).collect::<Vec<_>>()
    );
    let start = Timestamp::from_unix_seconds(1_700_000_000);
    for (customer, (id, moves)) in customers.iter().zip(expected) {
        let actual: Vec<_> = customer
            .moves
            .iter()
            .map(|(day, t)| {
                assert_eq!(t.at(), start + days(u64::from(*day)), "{id}: when");
                (*day, t.from(), t.to(), t.rule(), t.time_in_previous())
            })
            .collect();
        let moves: Vec<_> = moves
            .into_iter()
            .map(|(day, from, to, rule, stay)| (day, from, to, rule, days(stay)))
            .collect();
        assert_eq!(actual, moves, "{id}");
    }
}

#[test]
fn final_states_of_the_sample_journeys() {
    let customers = journey::replay(&built_in()).unwrap();
    let start = Timestamp::from_unix_seconds(1_700_000_000);
    // (stage, day entered, previous stage, completed cycles): the last move
    // of each customer above; j01 and j02 started one new cycle each.
    let expected = [
        ("j01", PP, 25, Some(PD), 1),
        ("j02", PP, 60, Some(IS), 1),
        ("j03", PP, 3, Some(PD), 0),
        ("j04", NR, 0, None, 0),
        ("j05", PP, 12, Some(PD), 0),
        ("j06", NR, 60, Some(EV), 0),
    ];
    assert_eq!(customers.len(), expected.len());
    for (customer, (id, stage, day, previous, cycles)) in customers.iter().zip(expected) {
        let state = &customer.state;
        assert_eq!(customer.id, id);
        assert_eq!(state.stage(), Some(stage), "{id}");
        assert_eq!(state.entered(), start + days(day), "{id}");
        assert_eq!(state.previous(), previous, "{id}");
        assert_eq!(state.cycles(), cycles, "{id}");
    }
}

#[test]
fn funnel_of_the_sample_journeys() {
    let engine = built_in();
    let customers = journey::replay(&engine).unwrap();
    let stats = journey::funnel(&engine, &customers).unwrap().stats();

    // Final stages: NR j04, j06; PP j01, j02, j03, j05.
    assert_eq!(stats.customers, 6);
    assert_eq!(stats.not_placed, 0);

    // The moves, placements left out (18 in all):
    //   NR→IS: j01, j06                      = 2
    //   IS→EV: j02, j05, j06                 = 3    IS→PD: j01 (skips EV) = 1
    //   IS→PP: j02 (day 60)                  = 1
    //   EV→NR: j06 (day 60, back)            = 1    EV→PD: j02, j03, j05 = 3
    //   PD→PP: j01 twice, j02, j03, j05      = 5
    //   PP→IS: j02 (new cycle)               = 1    PP→PD: j01 (new cycle) = 1
    assert_eq!(
        stats.transitions,
        vec![
            vec![0, 2, 0, 0, 0],
            vec![0, 0, 3, 1, 1],
            vec![1, 0, 0, 3, 0],
            vec![0, 0, 0, 0, 5],
            vec![0, 1, 0, 1, 0],
        ]
    );
    assert_eq!(stats.transitions_between(IS, PD), Some(1));
    assert_eq!(stats.transitions_between(PP, IS), Some(1));
    assert_eq!(stats.transitions_between(EV, NR), Some(1));

    // Completed stays per stage, by the stage left:
    //   NR: j01 2d, j06 1d                       → median of [1d, 2d] = 1d12h
    //   IS: j01 3d, j02 3d, 40d, j05 4d, j06 8d  → median of [3d, 3d, 4d, 8d, 40d] = 4d
    //   EV: j02 1d, j03 2d, j05 7d, j06 51d      → median of [1d, 2d, 7d, 51d] = 4d12h
    //   PD: j01 1d, 1d, j02 1d, j03 1d, j05 1d   → 1d
    //   PP: j01 18d, j02 15d                     → median of [15d, 18d] = 16d12h
    let stage = |id: &str, customers: u64, share: f64, stays: u64, median: Span| StageStats {
        stage: id.to_owned(),
        customers,
        share,
        stays,
        median_time: Some(median),
    };
    assert_eq!(
        stats.stages,
        vec![
            stage(NR, 2, 2.0 / 6.0, 2, Span::hours(36)),
            stage(IS, 0, 0.0, 5, days(4)),
            stage(EV, 0, 0.0, 4, Span::hours(108)),
            stage(PD, 0, 0.0, 5, days(1)),
            stage(PP, 4, 4.0 / 6.0, 2, Span::hours(396)),
        ]
    );

    // Bars of 30: 2/6 × 30 = 10, 4/6 × 30 = 20.
    assert_eq!(
        stats.bar_chart(30),
        "\
need_recognition   |##########                    | 2  33.3%  1d12h
information_search |                              | 0   0.0%  4d
evaluation         |                              | 0   0.0%  4d12h
purchase_decision  |                              | 0   0.0%  1d
post_purchase      |####################          | 4  66.7%  16d12h
"
    );
}

// ---- Funnel on its own ----

#[test]
fn an_empty_funnel_has_zero_shares_and_no_medians() {
    let stats = Funnel::new(&model()).stats();
    assert_eq!(stats.customers, 0);
    assert_eq!(stats.not_placed, 0);
    assert_eq!(
        stats
            .stages
            .iter()
            .map(|s| s.stage.as_str())
            .collect::<Vec<_>>(),
        [NR, IS, EV, PD, PP]
    );
    for stage in &stats.stages {
        assert_eq!(stage.customers, 0);
        assert_eq!(stage.share, 0.0);
        assert_eq!(stage.stays, 0);
        assert_eq!(stage.median_time, None);
    }
    assert_eq!(stats.transitions, vec![vec![0; 5]; 5]);
    assert_eq!(
        stats.bar_chart(4),
        "\
need_recognition   |    | 0   0.0%  -
information_search |    | 0   0.0%  -
evaluation         |    | 0   0.0%  -
purchase_decision  |    | 0   0.0%  -
post_purchase      |    | 0   0.0%  -
"
    );
}

#[test]
fn states_without_a_stage_are_counted_as_not_placed() {
    let mut funnel = Funnel::new(&model());
    funnel.add_state(&JourneyState::new()).unwrap();
    funnel.add_state(&JourneyState::new()).unwrap();
    funnel
        .add_state(&JourneyState::in_stage(EV, Timestamp::EPOCH))
        .unwrap();
    let stats = funnel.stats();
    assert_eq!(stats.not_placed, 2);
    assert_eq!(stats.customers, 1, "not placed is not among the customers");
    assert_eq!(stats.stage(EV).unwrap().share, 1.0);
}

#[test]
fn unknown_stages_are_errors_that_record_nothing() {
    let mut funnel = Funnel::new(&model());
    funnel
        .add_state(&JourneyState::in_stage(EV, Timestamp::EPOCH))
        .unwrap();
    funnel
        .add_transition(&transition(Some(IS), EV, days(2)))
        .unwrap();
    let before = funnel.clone();

    let err = funnel
        .add_state(&JourneyState::in_stage("evaluaton", Timestamp::EPOCH))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "state.stage: unknown stage 'evaluaton', did you mean 'evaluation'?"
    );
    let err = funnel
        .add_transition(&transition(Some("checkout"), EV, days(1)))
        .unwrap_err();
    assert!(
        matches!((err.kind(), err.location().unwrap()), (ErrorKind::Unknown { id, .. }, location)
        if location.path() == "transition.from" && id == "checkout")
    );
    // A known `from` with an unknown `to` does not count the stay either.
    let err = funnel
        .add_transition(&transition(Some(IS), "purchase", days(1)))
        .unwrap_err();
    assert!(
        matches!((err.kind(), err.location().unwrap()), (ErrorKind::Unknown { id, .. }, location)
        if location.path() == "transition.to" && id == "purchase")
    );
    let err = funnel
        .add_transition(&transition(None, "nowhere", Span::ZERO))
        .unwrap_err();
    assert!(
        matches!((err.kind(), err.location().unwrap()), (ErrorKind::Unknown { .. }, location) if location.path() == "transition.to")
    );

    assert_eq!(funnel, before);
    assert_eq!(funnel.stats(), before.stats());
}

#[test]
fn a_decision_of_an_engine_with_another_model_counts_by_stage_id() {
    // An AIDA engine: "interest" is not a buying-process stage.
    let aida = {
        let mut spec = RulesetSpec::new(
            vec![SignalSpec::count("visits")],
            vec![
                StageSpec::new("need_recognition", "Need", ""),
                StageSpec::new("interest", "Interest", ""),
            ],
        );
        spec.hit_policy = HitPolicy::Furthest;
        spec.stage_rules = vec![StageRuleSpec::new("interested", "interest", "visits >= 2")];
        spec
    };
    let aida = Engine::builder(aida).build().unwrap();
    let mut scratch = aida.scratch();
    let mut funnel = Funnel::new(&model());

    let mut customer = aida.record();
    funnel
        .add_decision(&aida.classify(&customer, &mut scratch))
        .unwrap();
    customer.set("visits", 3).unwrap();
    let before = funnel.clone();
    let err = funnel
        .add_decision(&aida.classify(&customer, &mut scratch))
        .unwrap_err();
    assert!(
        matches!((err.kind(), err.location().unwrap()), (ErrorKind::Unknown { id, .. }, location)
        if location.path() == "decision.stage" && id == "interest")
    );
    assert_eq!(funnel, before);
    assert_eq!(funnel.stats().stage(NR).unwrap().customers, 1);
}

#[test]
fn first_placements_are_checked_but_not_counted() {
    let mut funnel = Funnel::new(&model());
    funnel
        .add_transition(&transition(None, EV, Span::ZERO))
        .unwrap();
    assert_eq!(funnel.stats(), Funnel::new(&model()).stats());
}

#[test]
fn medians_of_odd_and_even_numbers_of_stays() {
    let mut funnel = Funnel::new(&model());
    // Odd, out of order: 5s, 1d, 3s → 5s.
    for seconds in [5, 86_400, 3] {
        funnel
            .add_transition(&transition(Some(NR), IS, Span::seconds(seconds)))
            .unwrap();
    }
    // Even: 10s, 13s → 11.5s, rounded down to 11s.
    for seconds in [13, 10] {
        funnel
            .add_transition(&transition(Some(IS), EV, Span::seconds(seconds)))
            .unwrap();
    }
    let stats = funnel.stats();
    assert_eq!(stats.stage(NR).unwrap().stays, 3);
    assert_eq!(stats.stage(NR).unwrap().median_time, Some(Span::seconds(5)));
    assert_eq!(stats.stage(IS).unwrap().stays, 2);
    assert_eq!(
        stats.stage(IS).unwrap().median_time,
        Some(Span::seconds(11))
    );
    assert_eq!(stats.stage(EV).unwrap().median_time, None);
}

#[test]
fn funnel_stats_round_trip_through_serde() {
    let engine = built_in();
    let customers = journey::replay(&engine).unwrap();
    let mut funnel = journey::funnel(&engine, &customers).unwrap();
    funnel.add_state(&JourneyState::new()).unwrap();
    let stats = funnel.stats();
    let json = serde_json::to_string(&stats).unwrap();
    assert_eq!(serde_json::from_str::<FunnelStats>(&json).unwrap(), stats);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["not_placed"], 1);
    assert_eq!(value["stages"][4]["median_time"], "16d12h");
    assert_eq!(value["transitions"][3][4], 5);
}

#[test]
fn bar_chart_widths() {
    let model =
        StageModel::new(&[StageSpec::new("a", "A", ""), StageSpec::new("bb", "B", "")]).unwrap();
    let mut funnel = Funnel::new(&model);
    for stage in ["a", "bb", "bb"] {
        funnel
            .add_state(&JourneyState::in_stage(stage, Timestamp::EPOCH))
            .unwrap();
    }
    funnel
        .add_transition(&transition(Some("a"), "bb", Span::hours(26)))
        .unwrap();
    let stats = funnel.stats();
    // 1/3 × 4 = 1.33 → 1, 2/3 × 4 = 2.67 → 3.
    assert_eq!(
        stats.bar_chart(4),
        "a  |#   | 1  33.3%  1d2h\nbb |### | 2  66.7%  -\n"
    );
    assert_eq!(
        stats.bar_chart(0),
        "a  || 1  33.3%  1d2h\nbb || 2  66.7%  -\n"
    );
    // A huge width is drawn at the cap.
    let capped = stats.bar_chart(usize::MAX);
    assert_eq!(capped, stats.bar_chart(FunnelStats::MAX_BAR_WIDTH));
    let first = capped.lines().next().unwrap();
    assert_eq!(
        first.len(),
        "a  ||".len() + FunnelStats::MAX_BAR_WIDTH + " 1  33.3%  1d2h".len()
    );
}

#[test]
fn hand_made_stats_do_not_break_the_chart_or_the_lookups() {
    let stats = FunnelStats {
        customers: 1,
        not_placed: 0,
        stages: vec![
            StageStats {
                stage: "x".to_owned(),
                customers: 1,
                share: f64::NAN,
                stays: 0,
                median_time: None,
            },
            StageStats {
                stage: "y".to_owned(),
                customers: u64::MAX,
                share: 7.0,
                stays: 0,
                median_time: None,
            },
        ],
        transitions: vec![vec![1]],
    };
    assert_eq!(
        stats.bar_chart(2),
        "x |  |                    1   0.0%  -\ny |##| 18446744073709551615 100.0%  -\n"
    );
    assert_eq!(stats.transitions_between("x", "x"), Some(1));
    assert_eq!(stats.transitions_between("y", "x"), None, "ragged table");
    assert_eq!(stats.transitions_between("x", "z"), None);
}

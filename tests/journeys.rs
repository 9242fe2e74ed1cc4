//! `Engine::advance`: exact moves on the built-in model and on small
//! rulesets written here, validation of transition rules with exact
//! messages, and the serde forms of states, transitions and rules.

use crate::support::{build_fails, built_in, record};
use buyer_journey::{
    models, Engine, Error, ErrorKind, FromStages, JourneyState, RulesetSpec, SignalRecord,
    SignalSpec, Span, StageRuleSpec, StageSpec, Step, Timestamp, Transition, TransitionSpec,
};

/// The moment the tests' journeys start.
fn t0() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

/// `span` after [`t0`].
fn at(span: Span) -> Timestamp {
    t0() + span
}

fn advance(engine: &Engine, state: &JourneyState, signals: &SignalRecord, now: Timestamp) -> Step {
    engine
        .advance(state, signals, now, &mut engine.scratch())
        .unwrap()
}

/// The one move of `step`.
fn only_move(step: &Step) -> &Transition {
    match &step.moves[..] {
        [only] => only,
        moves => panic!("expected one move, got {moves:?}"),
    }
}

/// Checks that `step` made one move, from `state` at `now` to `to` by
/// `rule`, with everything the new state and the transition record say.
fn assert_moved(step: &Step, state: &JourneyState, now: Timestamp, to: &str, rule: &str) {
    let transition = only_move(step);
    assert_eq!(transition.from(), state.stage());
    assert_eq!(transition.to(), to);
    assert_eq!(transition.rule(), Some(rule));
    assert_eq!(transition.at(), now);
    assert_eq!(transition.time_in_previous(), state.time_in_stage(now));
    assert_eq!(step.state.stage(), Some(to));
    assert_eq!(step.state.entered(), now);
    assert_eq!(step.state.previous(), state.stage());
}

/// Checks that `step` left `state` exactly as it was.
fn assert_stayed(step: &Step, state: &JourneyState) {
    assert!(step.moves.is_empty(), "unexpected move from {state:?}");
    assert_eq!(&step.state, state);
    assert!(!step.moved());
}

/// Four stages over three counts, one stage rule each past the entry, the
/// `furthest` policy, and `transitions`.
fn small(transitions: Vec<TransitionSpec>) -> RulesetSpec {
    {
        let mut spec = RulesetSpec::new(
            ["a", "b", "c"].into_iter().map(SignalSpec::count).collect(),
            ["aware", "interested", "trying", "customer"]
                .iter()
                .map(|id| StageSpec::new(id, &id.to_uppercase(), ""))
                .collect(),
        );
        spec.stage_rules = vec![
            StageRuleSpec::new("interested.a", "interested", "a >= 1"),
            StageRuleSpec::new("trying.b", "trying", "b >= 1"),
            StageRuleSpec::new("customer.c", "customer", "c >= 1"),
        ];
        spec.transitions = transitions;
        spec
    }
}

fn small_engine(transitions: Vec<TransitionSpec>) -> Engine {
    Engine::builder(small(transitions)).build().unwrap()
}

/// Builds `transitions` on [`small`], expects an error with exactly
/// `message` at `path`.
fn small_fails(transitions: Vec<TransitionSpec>, path: &str, message: &str) -> Error {
    let err = build_fails(small(transitions));
    assert_eq!(err.to_string(), message);
    assert_eq!(err.location().map(|l| l.path()), Some(path), "{err}");
    err
}

// --- forward moves on the built-in model ---------------------------------------

#[test]
fn forward_one_stage_at_a_time() {
    let engine = built_in();
    let start = JourneyState::in_stage("need_recognition", t0());

    let researching = record(&engine, &[("reviews_read", 1.0)]);
    let now = at(Span::hours(5));
    let first = advance(&engine, &start, &researching, now);
    assert_moved(
        &first,
        &start,
        now,
        "information_search",
        "forward.information_search",
    );
    assert_eq!(only_move(&first).time_in_previous(), Span::hours(5));
    assert_eq!(first.state.cycles(), 0);

    let comparing = record(&engine, &[("reviews_read", 1.0), ("comparisons", 2.0)]);
    let later = at(Span::days(3));
    let second = advance(&engine, &first.state, &comparing, later);
    assert_moved(
        &second,
        &first.state,
        later,
        "evaluation",
        "forward.evaluation",
    );
    assert_eq!(only_move(&second).time_in_previous(), Span::hours(67));
    assert_eq!(second.state.previous(), Some("information_search"));
    assert_eq!(second.state.cycles(), 0);
}

#[test]
fn forward_skips_stages_and_the_furthest_evidence_wins() {
    let engine = built_in();
    let start = JourneyState::in_stage("need_recognition", t0());
    // Evidence for three later stages: the furthest one's rule has the
    // highest priority.
    let busy = record(
        &engine,
        &[
            ("reviews_read", 2.0),
            ("comparisons", 1.0),
            ("cart_adds", 1.0),
        ],
    );
    let now = at(Span::minutes(1));
    let step = advance(&engine, &start, &busy, now);
    assert_moved(
        &step,
        &start,
        now,
        "purchase_decision",
        "forward.purchase_decision",
    );

    // Straight from the entry stage to evaluation, skipping research.
    let weighing = record(&engine, &[("quote_requests", 1.0)]);
    let step = advance(&engine, &start, &weighing, now);
    assert_moved(&step, &start, now, "evaluation", "forward.evaluation");
}

#[test]
fn a_purchase_moves_to_post_purchase_once_the_cycle_activity_is_reset() {
    let engine = built_in();
    let deciding = JourneyState::in_stage("purchase_decision", t0()).with_cycles(2);
    // Bought, but the cart counts of the cycle are still there: no
    // post-purchase evidence yet.
    let still_active = record(&engine, &[("cart_adds", 1.0), ("purchases", 1.0)]);
    assert_stayed(
        &advance(&engine, &deciding, &still_active, at(Span::days(1))),
        &deciding,
    );
    // The host reset the cycle's counts at the purchase.
    let bought = record(&engine, &[("cart_adds", 0.0), ("purchases", 1.0)]);
    let now = at(Span::days(1));
    let step = advance(&engine, &deciding, &bought, now);
    assert_moved(
        &step,
        &deciding,
        now,
        "post_purchase",
        "forward.post_purchase",
    );
    // Reaching post_purchase ends no cycle; a new cycle out of it does.
    assert_eq!(step.state.cycles(), 2);
}

#[test]
fn forward_rules_never_move_back() {
    let engine = built_in();
    // Evidence for the customer's stage and for earlier ones: the forward
    // rules to the earlier stages hold, but none lists a later stage in its
    // `from`, and the back rules need the stage's own evidence gone.
    let mut early = vec![
        ("need_searches", 3.0),
        ("reviews_read", 4.0),
        ("comparisons", 1.0),
    ];
    for stage in ["evaluation", "purchase_decision"] {
        if stage == "purchase_decision" {
            early.push(("cart_adds", 1.0));
        }
        let signals = record(&engine, &early);
        let state = JourneyState::in_stage(stage, t0()).with_previous("need_recognition");
        assert_stayed(
            &advance(&engine, &state, &signals, at(Span::days(400))),
            &state,
        );
    }
    let rule = engine.find_transition("forward.evaluation").unwrap();
    let from: Vec<&str> = rule
        .from()
        .iter()
        .map(|&id| engine.model().stage(id).unwrap().id())
        .collect();
    assert_eq!(from, ["need_recognition", "information_search"]);
    assert!(rule.from_any());
    assert!(!rule.back());

    // Without the stage's own evidence, a `back` rule moves back.
    let expired = record(&engine, &[("reviews_read", 4.0), ("comparisons", 1.0)]);
    let deciding = JourneyState::in_stage("purchase_decision", t0());
    let step = advance(&engine, &deciding, &expired, at(Span::days(40)));
    let moved = only_move(&step);
    assert_eq!(
        (moved.to(), moved.rule()),
        ("evaluation", Some("back.evaluation"))
    );
    assert!(engine.find_transition("back.evaluation").unwrap().back());
}

// --- the minimum dwell -----------------------------------------------------------

#[test]
fn a_new_cycle_waits_for_the_minimum_dwell_to_the_second() {
    let engine = built_in();
    let bought = JourneyState::in_stage("post_purchase", t0())
        .with_previous("purchase_decision")
        .with_cycles(1);
    let searching = record(&engine, &[("purchases", 1.0), ("need_searches", 1.0)]);

    let dwell = Span::days(7);
    let just_before = at(Span::seconds(dwell.as_seconds() - 1));
    assert_stayed(&advance(&engine, &bought, &searching, just_before), &bought);
    assert_stayed(&advance(&engine, &bought, &searching, t0()), &bought);

    let exactly = at(dwell);
    let step = advance(&engine, &bought, &searching, exactly);
    assert_moved(
        &step,
        &bought,
        exactly,
        "need_recognition",
        "new_cycle.need_recognition",
    );
    assert_eq!(step.state.cycles(), 2);
    assert_eq!(step.state.previous(), Some("post_purchase"));
    assert_eq!(only_move(&step).time_in_previous(), dwell);
}

#[test]
fn the_dwell_boundary_on_a_custom_rule() {
    let engine = small_engine(vec![TransitionSpec::new("try", "trying", "b >= 1")
        .from(&["interested"])
        .min_dwell(Span::hours(2))]);
    let state = JourneyState::in_stage("interested", t0());
    let mut signals = engine.record();
    signals.set("b", 1).unwrap();
    let before = at(Span::seconds(2 * 3600 - 1));
    assert_stayed(&advance(&engine, &state, &signals, before), &state);
    let boundary = at(Span::hours(2));
    let step = advance(&engine, &state, &signals, boundary);
    assert_moved(&step, &state, boundary, "trying", "try");
    let later = at(Span::days(90));
    assert_moved(
        &advance(&engine, &state, &signals, later),
        &state,
        later,
        "trying",
        "try",
    );
    // The dwell counts from `entered`, not from any earlier stage.
    let entered_late = JourneyState::in_stage("interested", at(Span::days(90)));
    assert_stayed(
        &advance(
            &engine,
            &entered_late,
            &signals,
            at(Span::hours(90 * 24 + 1)),
        ),
        &entered_late,
    );
}

#[test]
fn a_higher_priority_rule_still_in_its_dwell_lets_the_next_one_fire() {
    let engine = small_engine(vec![
        TransitionSpec::new("slow", "customer", "a >= 1")
            .priority(9)
            .min_dwell(Span::days(1)),
        TransitionSpec::new("fast", "trying", "a >= 1"),
    ]);
    let state = JourneyState::in_stage("aware", t0());
    let signals = record(&engine, &[("a", 1.0)]);
    let early = at(Span::hours(23));
    assert_moved(
        &advance(&engine, &state, &signals, early),
        &state,
        early,
        "trying",
        "fast",
    );
    let late = at(Span::days(1));
    assert_moved(
        &advance(&engine, &state, &signals, late),
        &state,
        late,
        "customer",
        "slow",
    );
}

// --- new cycles --------------------------------------------------------------------

#[test]
fn a_new_cycle_after_a_purchase() {
    let engine = built_in();
    let bought = JourneyState::in_stage("post_purchase", t0()).with_previous("purchase_decision");
    let now = at(Span::days(30));

    // Researching and comparing again: the furthest new-cycle rule wins.
    let shopping = record(
        &engine,
        &[
            ("purchases", 1.0),
            ("reviews_read", 3.0),
            ("comparisons", 1.0),
        ],
    );
    let step = advance(&engine, &bought, &shopping, now);
    assert_moved(&step, &bought, now, "evaluation", "new_cycle.evaluation");
    assert_eq!(step.state.cycles(), 1);
    assert_eq!(step.state.previous(), Some("post_purchase"));
    assert_eq!(only_move(&step).time_in_previous(), Span::days(30));

    // And the journey goes on forward in the new cycle.
    let carting = record(&engine, &[("purchases", 1.0), ("cart_adds", 1.0)]);
    let later = now + Span::hours(1);
    let next = advance(&engine, &step.state, &carting, later);
    assert_moved(
        &next,
        &step.state,
        later,
        "purchase_decision",
        "forward.purchase_decision",
    );
    assert_eq!(next.state.cycles(), 1);

    // Quiet after the purchase: nothing starts a cycle.
    let quiet = record(&engine, &[("purchases", 1.0), ("satisfaction", 9.0)]);
    assert_stayed(&advance(&engine, &bought, &quiet, now), &bought);
}

#[test]
fn an_open_complaint_holds_a_new_cycle_back() {
    let engine = built_in();
    let bought = JourneyState::in_stage("post_purchase", t0());
    for open in ["open_complaints", "open_tickets"] {
        let unhappy = record(
            &engine,
            &[("purchases", 1.0), ("reviews_read", 2.0), (open, 1.0)],
        );
        assert_stayed(
            &advance(&engine, &bought, &unhappy, at(Span::days(60))),
            &bought,
        );
        let resolved = record(
            &engine,
            &[("purchases", 1.0), ("reviews_read", 2.0), (open, 0.0)],
        );
        let now = at(Span::days(60));
        let step = advance(&engine, &bought, &resolved, now);
        assert_moved(
            &step,
            &bought,
            now,
            "information_search",
            "new_cycle.information_search",
        );
    }
}

#[test]
fn cycles_saturate() {
    let engine = built_in();
    let bought = JourneyState::in_stage("post_purchase", t0()).with_cycles(u32::MAX);
    let searching = record(&engine, &[("need_searches", 1.0)]);
    let step = advance(&engine, &bought, &searching, at(Span::days(8)));
    assert_eq!(step.state.stage(), Some("need_recognition"));
    assert_eq!(step.state.cycles(), u32::MAX);
}

// --- going back --------------------------------------------------------------------

#[test]
fn a_move_back_needs_an_explicit_back_rule() {
    let stalled =
        || TransitionSpec::new("stalled", "interested", "days_in_stage >= 30").from(&["trying"]);
    let engine = small_engine(vec![stalled().back()]);
    let rule = engine.find_transition("stalled").unwrap();
    assert!(rule.back());
    assert!(!rule.new_cycle());

    let trying = JourneyState::in_stage("trying", t0()).with_previous("interested");
    let signals = engine.record();
    assert_stayed(
        &advance(&engine, &trying, &signals, at(Span::days(29))),
        &trying,
    );
    let now = at(Span::days(30));
    let step = advance(&engine, &trying, &signals, now);
    assert_moved(&step, &trying, now, "interested", "stalled");
    assert_eq!(step.state.previous(), Some("trying"));
    // Going back is not a new cycle.
    assert_eq!(step.state.cycles(), 0);

    // The same rule without `back` is rejected where it names the later
    // stage.
    small_fails(
        vec![stalled()],
        "transitions[0].from[0]",
        "transitions[0].from[0]: 'trying' comes after 'interested', so this transition goes \
         back; add \"back\": true (or \"new_cycle\": true) to permit it",
    );
    // Also when the later stage is not the first listed.
    small_fails(
        vec![
            TransitionSpec::new("ok", "customer", "c >= 1"),
            TransitionSpec::new("mixed", "trying", "true").from(&["aware", "customer"]),
        ],
        "transitions[1].from[1]",
        "transitions[1].from[1]: 'customer' comes after 'trying', so this transition goes \
         back; add \"back\": true (or \"new_cycle\": true) to permit it",
    );
    // `new_cycle` permits it too.
    let engine = small_engine(vec![stalled().new_cycle()]);
    let rule = engine.find_transition("stalled").unwrap();
    assert!(rule.back(), "a new cycle may go back");
    assert!(rule.new_cycle());
    let step = advance(&engine, &trying, &signals, now);
    assert_moved(&step, &trying, now, "interested", "stalled");
    assert_eq!(step.state.cycles(), 1);
}

#[test]
fn from_any_without_back_only_moves_forward() {
    let engine = small_engine(vec![TransitionSpec::new("always", "interested", "true")]);
    let signals = engine.record();
    let now = at(Span::days(1));
    let aware = JourneyState::in_stage("aware", t0());
    assert_moved(
        &advance(&engine, &aware, &signals, now),
        &aware,
        now,
        "interested",
        "always",
    );
    for stage in ["interested", "trying", "customer"] {
        let state = JourneyState::in_stage(stage, t0());
        assert_stayed(&advance(&engine, &state, &signals, now), &state);
    }

    // With `back`, `any` means every other stage.
    let engine = small_engine(vec![
        TransitionSpec::new("always", "interested", "true").back()
    ]);
    for stage in ["aware", "trying", "customer"] {
        let state = JourneyState::in_stage(stage, t0());
        assert_moved(
            &advance(&engine, &state, &signals, now),
            &state,
            now,
            "interested",
            "always",
        );
    }
    let interested = JourneyState::in_stage("interested", t0());
    assert_stayed(&advance(&engine, &interested, &signals, now), &interested);
}

// --- no move -----------------------------------------------------------------------

#[test]
fn no_rule_fires_leaves_the_state_as_it_was() {
    let engine = built_in();
    let state = JourneyState::in_stage("information_search", t0())
        .with_previous("need_recognition")
        .with_cycles(4);
    // Evidence for the stage and none for a later one.
    for values in [
        vec![("reviews_read", 5.0)],
        vec![
            ("info_page_views", 1.0),
            ("need_searches", 1.0),
            ("comparisons", 0.0),
        ],
    ] {
        let signals = record(&engine, &values);
        for now in [t0(), at(Span::days(365)), t0().before(Span::days(1))] {
            assert_stayed(&advance(&engine, &state, &signals, now), &state);
        }
    }
}

#[test]
fn a_stage_without_candidate_rules_never_moves() {
    // Only rules out of `aware`: nothing can move a customer elsewhere.
    let engine = small_engine(vec![
        TransitionSpec::new("go", "trying", "true").from(&["aware"]),
        TransitionSpec::new("go_far", "customer", "true")
            .from(&["aware"])
            .priority(1),
    ]);
    let everything = record(&engine, &[("a", 5.0), ("b", 5.0), ("c", 5.0)]);
    for stage in ["interested", "trying", "customer"] {
        let state = JourneyState::in_stage(stage, t0()).with_cycles(1);
        assert_stayed(
            &advance(&engine, &state, &everything, at(Span::days(9))),
            &state,
        );
    }
    let aware = JourneyState::in_stage("aware", t0());
    assert_eq!(
        advance(&engine, &aware, &everything, t0()).state.stage(),
        Some("customer")
    );
}

#[test]
fn an_engine_without_transitions_never_moves_a_placed_customer() {
    let engine = small_engine(vec![]);
    assert_eq!(engine.transitions().len(), 0);
    let signals = record(&engine, &[("c", 2.0)]);
    let mut scratch = engine.scratch();
    assert_eq!(
        engine.classify(&signals, &mut scratch).stage().id(),
        "customer"
    );
    for stage in ["aware", "interested", "trying", "customer"] {
        let state = JourneyState::in_stage(stage, t0()).with_previous("aware");
        assert_stayed(
            &advance(&engine, &state, &signals, at(Span::days(3))),
            &state,
        );
    }
    // A new customer is still placed by the classification.
    let step = advance(&engine, &JourneyState::new(), &signals, t0());
    assert_eq!(step.state.stage(), Some("customer"));
    // And an unknown stage is still an error.
    let err = engine
        .advance(
            &JourneyState::in_stage("trial", t0()),
            &signals,
            t0(),
            &mut scratch,
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "state.stage: unknown stage 'trial'");
}

// --- the first placement -------------------------------------------------------------

#[test]
fn the_first_placement_is_the_classification() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let now = at(Span::days(2));
    for sample in models::sample_customers() {
        let signals = sample.record(engine.schema()).unwrap();
        let classified = engine
            .classify(&signals, &mut scratch)
            .stage()
            .id()
            .to_owned();
        assert_eq!(classified, sample.expected_stage, "{}", sample.id);
        for cycles in [0, 3] {
            let new = JourneyState::new().with_cycles(cycles);
            let step = engine.advance(&new, &signals, now, &mut scratch).unwrap();
            assert_eq!(
                step.state.stage(),
                Some(classified.as_str()),
                "{}",
                sample.id
            );
            assert_eq!(step.state.entered(), now);
            assert_eq!(step.state.previous(), None);
            assert_eq!(step.state.cycles(), cycles);
            let transition = only_move(&step);
            assert_eq!(transition.from(), None);
            assert_eq!(transition.to(), classified);
            assert_eq!(transition.rule(), None);
            assert_eq!(transition.at(), now);
            assert_eq!(transition.time_in_previous(), Span::ZERO);
        }
    }
}

#[test]
fn the_first_placement_follows_the_stage_rules_then_the_transitions_apply() {
    // The only transition would put everyone in `customer`: the placement
    // follows the stage rules to `trying`, and the transition then moves
    // the customer on in the same call.
    let engine = small_engine(vec![TransitionSpec::new("all", "customer", "true")]);
    let signals = record(&engine, &[("b", 1.0)]);
    let now = at(Span::days(2));
    let new = JourneyState::new().with_cycles(3);
    let step = advance(&engine, &new, &signals, now);
    let moves: Vec<_> = step
        .moves
        .iter()
        .map(|t| (t.from(), t.to(), t.rule(), t.at(), t.time_in_previous()))
        .collect();
    assert_eq!(
        moves,
        [
            (None, "trying", None, now, Span::ZERO),
            (Some("trying"), "customer", Some("all"), now, Span::ZERO),
        ]
    );
    assert_eq!(
        step.state,
        JourneyState::in_stage("customer", now)
            .with_previous("trying")
            .with_cycles(3)
    );
    // Placed in `customer` by the stage rules, there is nowhere to go.
    let buyer = record(&engine, &[("c", 1.0)]);
    let step = advance(&engine, &new, &buyer, now);
    assert_eq!(only_move(&step).to(), "customer");
    assert_eq!(step.state.previous(), None);
}

// --- one call settles ---------------------------------------------------------------------

/// The `(from, to, rule)` of each move of `step`.
fn path(step: &Step) -> Vec<(Option<&str>, &str, Option<&str>)> {
    step.moves
        .iter()
        .map(|t| (t.from(), t.to(), t.rule()))
        .collect()
}

#[test]
fn two_moves_in_one_call_on_the_built_in_model() {
    // A month after a purchase: a search for a need starts a new cycle in
    // need_recognition, and the one review read since then is evidence for
    // information_search, whose forward rule has no dwell.
    let engine = built_in();
    let bought = JourneyState::in_stage("post_purchase", t0())
        .with_previous("purchase_decision")
        .with_cycles(1);
    let signals = record(
        &engine,
        &[
            ("purchases", 1.0),
            ("need_searches", 1.0),
            ("reviews_read", 1.0),
        ],
    );
    let now = at(Span::days(30));
    let step = advance(&engine, &bought, &signals, now);
    assert_eq!(
        path(&step),
        [
            (
                Some("post_purchase"),
                "need_recognition",
                Some("new_cycle.need_recognition")
            ),
            (
                Some("need_recognition"),
                "information_search",
                Some("forward.information_search")
            ),
        ]
    );
    let stays: Vec<Span> = step
        .moves
        .iter()
        .map(Transition::time_in_previous)
        .collect();
    assert_eq!(stays, [Span::days(30), Span::ZERO]);
    assert!(step.moves.iter().all(|t| t.at() == now));
    // The stage before the last move, one cycle for the one new-cycle move.
    assert_eq!(
        step.state,
        JourneyState::in_stage("information_search", now)
            .with_previous("need_recognition")
            .with_cycles(2)
    );
    assert_eq!(
        serde_json::to_string(&step).unwrap(),
        r#"{"state":{"stage":"information_search","entered":1702592000,"previous":"need_recognition","cycles":2},"moves":[{"from":"post_purchase","to":"need_recognition","rule":"new_cycle.need_recognition","at":1702592000,"time_in_previous":"30d"},{"from":"need_recognition","to":"information_search","rule":"forward.information_search","at":1702592000,"time_in_previous":"0s"}]}"#
    );
    // Settled: the same signals at the same time move it no further, and
    // neither does a day more.
    assert_stayed(&advance(&engine, &step.state, &signals, now), &step.state);
    assert_stayed(
        &advance(&engine, &step.state, &signals, now + Span::days(1)),
        &step.state,
    );
}

#[test]
fn a_chain_of_rules_goes_as_far_as_it_leads() {
    // Each stage's rule leads to the next: one call walks the whole chain,
    // each move's `from` the `to` of the one before.
    let engine = small_engine(vec![
        TransitionSpec::new("one", "interested", "a >= 1").from(&["aware"]),
        TransitionSpec::new("two", "trying", "a >= 1").from(&["interested"]),
        TransitionSpec::new("three", "customer", "a >= 1").from(&["trying"]),
    ]);
    let state = JourneyState::in_stage("aware", t0());
    let now = at(Span::hours(3));
    let step = advance(&engine, &state, &record(&engine, &[("a", 1.0)]), now);
    assert_eq!(
        path(&step),
        [
            (Some("aware"), "interested", Some("one")),
            (Some("interested"), "trying", Some("two")),
            (Some("trying"), "customer", Some("three")),
        ]
    );
    assert_eq!(step.moves[0].time_in_previous(), Span::hours(3));
    assert_eq!(step.state.previous(), Some("trying"));
    assert_eq!(step.state.entered(), now);

    // Where the chain breaks, the call stops.
    let step = advance(
        &engine,
        &state,
        &record(&engine, &[("a", 1.0), ("b", 1.0)]),
        now,
    );
    assert_eq!(step.moves.len(), 3);
    let engine = small_engine(vec![
        TransitionSpec::new("one", "interested", "a >= 1").from(&["aware"]),
        TransitionSpec::new("two", "trying", "b >= 1").from(&["interested"]),
        TransitionSpec::new("three", "customer", "a >= 1").from(&["trying"]),
    ]);
    let step = advance(&engine, &state, &record(&engine, &[("a", 1.0)]), now);
    assert_eq!(path(&step), [(Some("aware"), "interested", Some("one"))]);
}

#[test]
fn a_loop_stops_before_entering_a_stage_again() {
    // `aware` and `interested` lead to each other without a dwell.
    let engine = small_engine(vec![
        TransitionSpec::new("up", "interested", "true").from(&["aware"]),
        TransitionSpec::new("down", "aware", "true")
            .from(&["interested"])
            .back(),
    ]);
    let signals = engine.record();
    let now = at(Span::days(1));
    let aware = JourneyState::in_stage("aware", t0());
    let step = advance(&engine, &aware, &signals, now);
    // `down` would enter `aware`, where the call started: it stops there.
    assert_moved(&step, &aware, now, "interested", "up");
    // The next call goes on round the circle, one move again.
    let next = advance(&engine, &step.state, &signals, now);
    assert_moved(&next, &step.state, now, "aware", "down");

    // A new customer's placed stage counts as visited too.
    let placed = advance(&engine, &JourneyState::new(), &signals, now);
    assert_eq!(
        path(&placed),
        [
            (None, "aware", None),
            (Some("aware"), "interested", Some("up"))
        ]
    );

    // A longer circle, aware → interested → trying → aware: two moves, and
    // the winning rule blocked by the circle is not passed over for the
    // next one (`skip` would enter `customer`, never visited).
    let engine = small_engine(vec![
        TransitionSpec::new("up", "interested", "true").from(&["aware"]),
        TransitionSpec::new("on", "trying", "true").from(&["interested"]),
        TransitionSpec::new("round", "aware", "true")
            .from(&["trying"])
            .back()
            .priority(1),
        TransitionSpec::new("skip", "customer", "true").from(&["trying"]),
    ]);
    let step = advance(&engine, &aware, &signals, now);
    assert_eq!(
        path(&step),
        [
            (Some("aware"), "interested", Some("up")),
            (Some("interested"), "trying", Some("on")),
        ]
    );
    assert_eq!(step.state.stage(), Some("trying"));
    // Each stage is entered at most once: never more moves than stages.
    for stage in ["aware", "interested", "trying", "customer"] {
        let state = JourneyState::in_stage(stage, t0());
        let step = advance(&engine, &state, &signals, now);
        assert!(step.moves.len() < engine.model().len(), "{step:?}");
        let mut entered: Vec<&str> = step.moves.iter().map(Transition::to).collect();
        entered.push(stage);
        entered.sort_unstable();
        entered.dedup();
        assert_eq!(entered.len(), step.moves.len() + 1, "{step:?}");
    }
}

#[test]
fn each_new_cycle_move_counts_a_cycle() {
    // From `customer` a new cycle back to `interested`, from there another
    // back to `aware`, then forward to `trying`, which is no new cycle.
    let engine = small_engine(vec![
        TransitionSpec::new("again", "interested", "a >= 1")
            .from(&["customer"])
            .new_cycle(),
        TransitionSpec::new("over", "aware", "a >= 1")
            .from(&["interested"])
            .new_cycle(),
        TransitionSpec::new("on", "trying", "a >= 1").from(&["aware"]),
    ]);
    let customer = JourneyState::in_stage("customer", t0()).with_cycles(5);
    let now = at(Span::days(3));
    let step = advance(&engine, &customer, &record(&engine, &[("a", 1.0)]), now);
    assert_eq!(
        path(&step),
        [
            (Some("customer"), "interested", Some("again")),
            (Some("interested"), "aware", Some("over")),
            (Some("aware"), "trying", Some("on")),
        ]
    );
    assert_eq!(step.state.cycles(), 7);
    assert_eq!(step.state.previous(), Some("aware"));
    // Counting saturates, one move at a time.
    let step = advance(
        &engine,
        &customer.clone().with_cycles(u32::MAX - 1),
        &record(&engine, &[("a", 1.0)]),
        now,
    );
    assert_eq!(step.moves.len(), 3);
    assert_eq!(step.state.cycles(), u32::MAX);
}

#[test]
fn a_minimum_dwell_blocks_the_next_move_in_the_same_call() {
    let engine = small_engine(vec![
        TransitionSpec::new("first", "interested", "a >= 1").from(&["aware"]),
        TransitionSpec::new("second", "trying", "a >= 1")
            .from(&["interested"])
            .min_dwell(Span::seconds(1)),
        TransitionSpec::new("third", "customer", "a >= 1").from(&["trying"]),
    ]);
    let signals = record(&engine, &[("a", 1.0)]);
    let aware = JourneyState::in_stage("aware", t0());
    let now = at(Span::days(10));
    // The customer has been in `aware` for days, but in `interested` for no
    // time when `second` would fire.
    let step = advance(&engine, &aware, &signals, now);
    assert_moved(&step, &aware, now, "interested", "first");
    assert_stayed(&advance(&engine, &step.state, &signals, now), &step.state);
    // A second later the dwell has passed, and the next call goes on to
    // the end, `third` having no dwell.
    let later = now + Span::seconds(1);
    let next = advance(&engine, &step.state, &signals, later);
    assert_eq!(
        path(&next),
        [
            (Some("interested"), "trying", Some("second")),
            (Some("trying"), "customer", Some("third")),
        ]
    );
    assert_eq!(next.moves[0].time_in_previous(), Span::seconds(1));
    assert_eq!(next.moves[1].time_in_previous(), Span::ZERO);

    // A minimum dwell of zero has always passed.
    let engine = small_engine(vec![
        TransitionSpec::new("first", "interested", "a >= 1").from(&["aware"]),
        TransitionSpec::new("second", "trying", "a >= 1")
            .from(&["interested"])
            .min_dwell(Span::ZERO),
    ]);
    let step = advance(&engine, &aware, &signals, now);
    assert_eq!(step.moves.len(), 2);
    assert_eq!(step.state.stage(), Some("trying"));

    // `days_in_stage` reads 0 after a move in the same call.
    let engine = small_engine(vec![
        TransitionSpec::new("first", "interested", "a >= 1").from(&["aware"]),
        TransitionSpec::new("fresh", "trying", "days_in_stage == 0").from(&["interested"]),
        TransitionSpec::new("stale", "customer", "days_in_stage > 0")
            .from(&["interested"])
            .priority(1),
    ]);
    let step = advance(&engine, &aware, &signals, now);
    assert_eq!(
        path(&step),
        [
            (Some("aware"), "interested", Some("first")),
            (Some("interested"), "trying", Some("fresh")),
        ]
    );
}

// --- `stage` and `days_in_stage` ---------------------------------------------------------

#[test]
fn conditions_read_the_stage() {
    let engine = small_engine(vec![
        TransitionSpec::new(
            "buy_after_trial",
            "customer",
            r#"stage == "trying" and c >= 1"#,
        ),
        TransitionSpec::new(
            "early_interest",
            "trying",
            r#"stage in ["aware", "interested"] and b >= 1"#,
        ),
        TransitionSpec::new("not_aware", "customer", r#"stage != "aware" and a >= 9"#),
    ]);
    let buyer = record(&engine, &[("c", 1.0)]);
    let tester = record(&engine, &[("b", 1.0)]);
    let fan = record(&engine, &[("a", 9.0)]);
    let now = at(Span::days(1));
    let expect = |stage: &str, signals: &SignalRecord, to: Option<&str>| {
        let state = JourneyState::in_stage(stage, t0());
        let step = advance(&engine, &state, signals, now);
        let moves: Vec<&str> = step.moves.iter().map(Transition::to).collect();
        assert_eq!(moves, to.as_slice(), "from {stage}");
    };
    expect("trying", &buyer, Some("customer"));
    expect("interested", &buyer, None);
    expect("aware", &buyer, None);
    expect("aware", &tester, Some("trying"));
    expect("interested", &tester, Some("trying"));
    expect("aware", &fan, None);
    expect("interested", &fan, Some("customer"));
    expect("trying", &fan, Some("customer"));
}

#[test]
fn days_in_stage_has_a_fraction() {
    let engine = small_engine(vec![
        TransitionSpec::new("a_day_and_a_half", "trying", "days_in_stage >= 1.5"),
        TransitionSpec::new("exactly", "customer", "days_in_stage == 2.25").priority(1),
    ]);
    let state = JourneyState::in_stage("aware", t0());
    let signals = engine.record();
    assert_stayed(
        &advance(&engine, &state, &signals, at(Span::seconds(36 * 3600 - 1))),
        &state,
    );
    let now = at(Span::hours(36));
    assert_moved(
        &advance(&engine, &state, &signals, now),
        &state,
        now,
        "trying",
        "a_day_and_a_half",
    );
    let now = at(Span::hours(54));
    assert_moved(
        &advance(&engine, &state, &signals, now),
        &state,
        now,
        "customer",
        "exactly",
    );
}

// --- which rule wins -----------------------------------------------------------------------

#[test]
fn priority_then_declaration_order() {
    let rule = |id: &str, to: &str, priority: i32| {
        TransitionSpec::new(id, to, "a >= 1")
            .from(&["aware"])
            .priority(priority)
    };
    let state = JourneyState::in_stage("aware", t0());
    let now = at(Span::hours(1));
    let winner = |rules: Vec<TransitionSpec>| {
        let engine = small_engine(rules);
        let signals = record(&engine, &[("a", 1.0)]);
        let step = advance(&engine, &state, &signals, now);
        let transition = only_move(&step);
        (
            transition.rule().unwrap().to_owned(),
            transition.to().to_owned(),
        )
    };
    let named = |id: &str, to: &str| (id.to_owned(), to.to_owned());
    assert_eq!(
        winner(vec![
            rule("low", "customer", 0),
            rule("high", "interested", 5),
            rule("high_too", "trying", 5),
        ]),
        named("high", "interested")
    );
    assert_eq!(
        winner(vec![
            rule("low", "customer", 0),
            rule("high_too", "trying", 5),
            rule("high", "interested", 5),
        ]),
        named("high_too", "trying")
    );
    assert_eq!(
        winner(vec![
            rule("first", "customer", 0),
            rule("second", "interested", 0),
        ]),
        named("first", "customer")
    );
    assert_eq!(
        winner(vec![
            rule("negative", "customer", -1),
            rule("zero", "interested", 0),
        ]),
        named("zero", "interested")
    );
    // A rule that does not hold takes no part.
    let engine = small_engine(vec![
        TransitionSpec::new("b_rule", "customer", "b >= 1").priority(3),
        rule("a_rule", "trying", 0),
    ]);
    let signals = record(&engine, &[("a", 1.0)]);
    let step = advance(&engine, &state, &signals, now);
    assert_eq!(only_move(&step).rule(), Some("a_rule"));
}

#[test]
fn a_transition_rule_wins_over_the_classification() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    // The classification says information_search; two days after the
    // purchase the customer stays in post_purchase.
    let reading = record(&engine, &[("purchases", 1.0), ("info_page_views", 1.0)]);
    assert_eq!(
        engine.classify(&reading, &mut scratch).stage().id(),
        "information_search"
    );
    let bought = JourneyState::in_stage("post_purchase", t0());
    assert_stayed(
        &advance(&engine, &bought, &reading, at(Span::days(2))),
        &bought,
    );

    // The classification says evaluation; a rule moves the customer to
    // `customer` instead.
    let engine = small_engine(vec![TransitionSpec::new("promoted", "customer", "a >= 3")]);
    let signals = record(&engine, &[("a", 3.0), ("b", 1.0)]);
    assert_eq!(
        engine.classify(&signals, &mut scratch).stage().id(),
        "trying"
    );
    let state = JourneyState::in_stage("aware", t0());
    let step = advance(&engine, &state, &signals, t0());
    assert_moved(&step, &state, t0(), "customer", "promoted");
    // And with no rule firing, the classification's stage is not taken.
    let calm = record(&engine, &[("b", 1.0)]);
    assert_stayed(&advance(&engine, &state, &calm, t0()), &state);
}

// --- errors on advance ---------------------------------------------------------------------

#[test]
fn an_unknown_stage_in_the_state_is_an_error() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let signals = record(&engine, &[("comparisons", 1.0)]);
    let state = JourneyState::in_stage("evalution", t0());
    let err = engine
        .advance(&state, &signals, at(Span::days(1)), &mut scratch)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "state.stage: unknown stage 'evalution', did you mean 'evaluation'?"
    );
    assert_eq!(
        err.kind(),
        &ErrorKind::Unknown {
            what: "stage",
            id: "evalution".into(),
            suggestion: Some("evaluation".into()),
        }
    );
    assert_eq!(err.location().unwrap().path(), "state.stage");
    assert_eq!(err.location().unwrap().column(), None);
    // Nothing close: no suggestion. An empty stage id is unknown too.
    for (name, message) in [
        ("checkout", "state.stage: unknown stage 'checkout'"),
        ("", "state.stage: unknown stage ''"),
    ] {
        let state = JourneyState::in_stage(name, t0());
        let err = engine
            .advance(&state, &signals, t0(), &mut scratch)
            .unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn clock_skew_counts_as_no_time_in_the_stage() {
    let engine = built_in();
    let bought = JourneyState::in_stage("post_purchase", t0());
    let searching = record(&engine, &[("need_searches", 1.0)]);
    let past = t0().before(Span::days(30));
    assert_eq!(bought.time_in_stage(past), Span::ZERO);
    // The 7-day dwell has not passed.
    assert_stayed(&advance(&engine, &bought, &searching, past), &bought);

    // A rule without a dwell fires, and reports no time in the stage.
    let start = JourneyState::in_stage("need_recognition", t0());
    let researching = record(&engine, &[("reviews_read", 1.0)]);
    let step = advance(&engine, &start, &researching, past);
    assert_moved(
        &step,
        &start,
        past,
        "information_search",
        "forward.information_search",
    );
    assert_eq!(only_move(&step).time_in_previous(), Span::ZERO);

    // `days_in_stage` is 0, not negative.
    let engine = small_engine(vec![
        TransitionSpec::new("zero", "trying", "days_in_stage == 0"),
        TransitionSpec::new("negative", "customer", "days_in_stage < 0").priority(1),
    ]);
    let state = JourneyState::in_stage("aware", t0());
    let step = advance(&engine, &state, &engine.record(), past);
    assert_eq!(only_move(&step).rule(), Some("zero"));

    // The extremes of time do not panic: the dwell of 7 days has passed
    // only from the earliest to the latest time.
    let engine = built_in();
    let searching = record(&engine, &[("need_searches", 1.0)]);
    for (entered, now, moves) in [
        (i64::MAX, i64::MIN, false),
        (i64::MIN, i64::MAX, true),
        (i64::MIN, i64::MIN, false),
        (i64::MAX, i64::MAX, false),
    ] {
        let state = JourneyState::in_stage("post_purchase", Timestamp::from_unix_seconds(entered));
        let now = Timestamp::from_unix_seconds(now);
        let step = advance(&engine, &state, &searching, now);
        assert_eq!(step.moved(), moves, "{entered} -> {now:?}");
    }
}

// --- validation ------------------------------------------------------------------------------

#[test]
fn an_unknown_to_stage_is_reported_with_a_suggestion() {
    let err = small_fails(
        vec![
            TransitionSpec::new("fine", "trying", "b >= 1"),
            TransitionSpec::new("typo", "custmer", "c >= 1"),
        ],
        "transitions[1].to",
        "transitions[1].to: unknown stage 'custmer', did you mean 'customer'?",
    );
    assert!(matches!(
        err.kind(),
        ErrorKind::Unknown { what: "stage", .. }
    ));
    small_fails(
        vec![TransitionSpec::new("far", "moon", "c >= 1")],
        "transitions[0].to",
        "transitions[0].to: unknown stage 'moon'",
    );
}

#[test]
fn an_unknown_from_stage_is_reported_with_a_suggestion() {
    small_fails(
        vec![TransitionSpec::new("x", "customer", "c >= 1").from(&["aware", "tryin"])],
        "transitions[0].from[1]",
        "transitions[0].from[1]: unknown stage 'tryin', did you mean 'trying'?",
    );
}

#[test]
fn a_transition_with_no_stage_to_move_from_is_rejected() {
    // `from: any` forward to the first stage: no stage comes before it.
    small_fails(
        vec![TransitionSpec::new("restart", "aware", "a == 0")],
        "transitions[0].to",
        "transitions[0].to: 'aware' is the first stage, so no forward move reaches it; add \
         \"back\": true (or \"new_cycle\": true) to permit moving back to it",
    );
    // Permitted to go back, it moves customers from every other stage.
    let engine = small_engine(vec![
        TransitionSpec::new("restart", "aware", "a == 0").back()
    ]);
    assert_eq!(engine.find_transition("restart").unwrap().from().len(), 3);

    // A one-stage model has nowhere to move from at all.
    let mut spec = small(vec![
        TransitionSpec::new("again", "aware", "true").new_cycle()
    ]);
    spec.stages.truncate(1);
    spec.stage_rules.clear();
    let err = build_fails(spec);
    assert_eq!(
        err.to_string(),
        "transitions[0].to: the model has no other stage to move from"
    );
}

#[test]
fn a_transition_that_would_not_move_is_rejected() {
    small_fails(
        vec![TransitionSpec::new("stay", "trying", "true").from(&["aware", "trying"])],
        "transitions[0].from[1]",
        "transitions[0].from[1]: a transition from 'trying' to 'trying' would not move",
    );
    // Even one that may go back.
    small_fails(
        vec![TransitionSpec::new("stay", "trying", "true")
            .from(&["trying"])
            .back()],
        "transitions[0].from[0]",
        "transitions[0].from[0]: a transition from 'trying' to 'trying' would not move",
    );
}

#[test]
fn a_stage_listed_twice_is_rejected() {
    small_fails(
        vec![TransitionSpec::new("dup", "customer", "true").from(&["aware", "trying", "aware"])],
        "transitions[0].from[2]",
        "transitions[0].from[2]: stage 'aware' is listed twice",
    );
}

#[test]
fn a_duplicate_transition_id_is_rejected() {
    small_fails(
        vec![
            TransitionSpec::new("move", "trying", "b >= 1"),
            TransitionSpec::new("other", "customer", "c >= 1"),
            TransitionSpec::new("move", "customer", "c >= 2"),
        ],
        "transitions[2].id",
        "transitions[2].id: transition id 'move' is already used by transitions[0]",
    );
    // Transition ids live apart from stage rule ids.
    let engine = small_engine(vec![TransitionSpec::new("trying.b", "trying", "b >= 1")]);
    assert!(engine.find_transition("trying.b").is_some());
}

#[test]
fn a_malformed_transition_id_is_rejected() {
    small_fails(
        vec![TransitionSpec::new("has space", "trying", "b >= 1")],
        "transitions[0].id",
        "transitions[0].id: transition id 'has space' must be letters, digits and \
         '_', '.', '-', ':', '/'",
    );
}

#[test]
fn an_empty_from_list_is_rejected() {
    small_fails(
        vec![TransitionSpec::new("nowhere", "trying", "true").from(&[])],
        "transitions[0].from",
        "transitions[0].from: a transition needs at least one stage to move from, or \"any\"",
    );
}

#[test]
fn host_signals_named_like_the_journey_values() {
    for (name, index) in [("stage", 1), ("days_in_stage", 3)] {
        let mut spec = small(vec![TransitionSpec::new("go", "trying", "b >= 1")]);
        spec.signals.insert(index, SignalSpec::number(name));
        let err = build_fails(spec.clone());
        assert_eq!(
            err.to_string(),
            format!(
                "signals[{index}].id: '{name}' names a value of transition conditions \
                 (`stage` is the customer's stage, `days_in_stage` the days in it); rename the \
                 signal"
            )
        );
        // Without transitions the names are free.
        spec.transitions.clear();
        let engine = Engine::builder(spec).build().unwrap();
        assert!(engine.schema().find(name).is_some());
    }
}

#[test]
fn condition_errors_point_at_the_column() {
    small_fails(
        vec![TransitionSpec::new("go", "trying", r#"stage == "tryng""#)],
        "transitions[0].when",
        "transitions[0].when, column 10: unknown label 'tryng' for signal 'stage', did you mean \
         'trying'?",
    );
    small_fails(
        vec![TransitionSpec::new(
            "go",
            "trying",
            r#"b >= 1 and stage in ["aware", "x"]"#,
        )],
        "transitions[0].when",
        "transitions[0].when, column 31: unknown label 'x' for signal 'stage'",
    );
    let err = small_fails(
        vec![TransitionSpec::new("go", "trying", "days_in_stag >= 1")],
        "transitions[0].when",
        "transitions[0].when, column 1: unknown signal 'days_in_stag', did you mean \
         'days_in_stage'?",
    );
    assert_eq!(err.location().unwrap().column(), Some(1));
    small_fails(
        vec![
            TransitionSpec::new("ok", "customer", "c >= 1"),
            TransitionSpec::new("go", "trying", "b >= 1 and"),
        ],
        "transitions[1].when",
        "transitions[1].when, column 11: expected a condition, found the end of the text",
    );
    small_fails(
        vec![TransitionSpec::new("go", "trying", "stage >= 1")],
        "transitions[0].when",
        "transitions[0].when, column 1: '>=' orders numbers only, but 'stage >= 1' compares a \
         category with a number",
    );
}

#[test]
fn stage_rules_cannot_read_the_journey_values() {
    // `stage` and `days_in_stage` exist for transition conditions only.
    let mut spec = small(vec![TransitionSpec::new("go", "trying", "b >= 1")]);
    spec.stage_rules[0].when = "days_in_stage >= 1".into();
    assert_eq!(
        build_fails(spec).to_string(),
        "stage_rules[0].when, column 1: unknown signal 'days_in_stage'"
    );
}

#[test]
fn transitions_count_towards_the_rule_limit() {
    let spec = small(vec![
        TransitionSpec::new("one", "trying", "b >= 1"),
        TransitionSpec::new("two", "customer", "c >= 1"),
    ]);
    let limits = buyer_journey::Limits::default().max_rules(4);
    let err = Engine::builder(spec.clone())
        .limits(limits)
        .build()
        .unwrap_err();
    assert!(err.is_limit(), "{err}");
    assert_eq!(err.location().unwrap().path(), "transitions");
    let limits = buyer_journey::Limits::default().max_rules(5);
    assert!(Engine::builder(spec).limits(limits).build().is_ok());
}

// --- serde -------------------------------------------------------------------------------

fn round_trip<T>(value: &T) -> String
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value, "{json}");
    json
}

#[test]
fn journey_states_round_trip() {
    assert_eq!(
        round_trip(&JourneyState::new()),
        r#"{"stage":null,"entered":0,"previous":null,"cycles":0}"#
    );
    assert_eq!(
        round_trip(&JourneyState::in_stage("evaluation", t0())),
        r#"{"stage":"evaluation","entered":1700000000,"previous":null,"cycles":0}"#
    );
    assert_eq!(
        round_trip(
            &JourneyState::in_stage("need_recognition", Timestamp::from_unix_seconds(-5))
                .with_previous("post_purchase")
                .with_cycles(3)
        ),
        r#"{"stage":"need_recognition","entered":-5,"previous":"post_purchase","cycles":3}"#
    );
    let new: JourneyState = serde_json::from_str("{}").unwrap();
    assert_eq!(new, JourneyState::new());
    let partial: JourneyState = serde_json::from_str(r#"{"stage": "evaluation"}"#).unwrap();
    assert_eq!(
        partial,
        JourneyState::in_stage("evaluation", Timestamp::EPOCH)
    );

    // A state the engine produced round-trips and advances the same.
    let engine = built_in();
    let signals = record(&engine, &[("reviews_read", 1.0)]);
    let step = advance(&engine, &JourneyState::new(), &signals, t0());
    let json = round_trip(&step.state);
    let stored: JourneyState = serde_json::from_str(&json).unwrap();
    let later = record(&engine, &[("cart_adds", 1.0)]);
    assert_eq!(
        advance(&engine, &stored, &later, at(Span::days(1))),
        advance(&engine, &step.state, &later, at(Span::days(1)))
    );

    let err =
        serde_json::from_str::<JourneyState>(r#"{"stage": "evaluation", "stag": 1}"#).unwrap_err();
    assert!(err.to_string().starts_with("unknown field `stag`"), "{err}");
}

#[test]
fn transitions_and_steps_round_trip() {
    let engine = built_in();
    let signals = record(&engine, &[("comparisons", 1.0)]);
    let state = JourneyState::in_stage("information_search", t0());
    let step = advance(&engine, &state, &signals, at(Span::hours(36)));
    let transition = only_move(&step).clone();
    assert_eq!(
        round_trip(&transition),
        r#"{"from":"information_search","to":"evaluation","rule":"forward.evaluation","at":1700129600,"time_in_previous":"1d12h"}"#
    );
    round_trip(&step);

    let placed = advance(&engine, &JourneyState::new(), &signals, t0());
    assert_eq!(
        round_trip(only_move(&placed)),
        r#"{"from":null,"to":"evaluation","rule":null,"at":1700000000,"time_in_previous":"0s"}"#
    );
    round_trip(&placed);

    let stayed = advance(&engine, &step.state, &signals, at(Span::days(2)));
    assert!(stayed.moves.is_empty());
    let json = round_trip(&stayed);
    assert!(json.ends_with(r#""moves":[]}"#), "{json}");

    let err = serde_json::from_str::<Transition>(
        r#"{"from":null,"to":"evaluation","rule":null,"at":0,"time_in_previous":"0s","why":1}"#,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("unknown field `why`"), "{err}");
}

#[test]
fn transition_specs_round_trip() {
    let any = TransitionSpec::new("forward", "evaluation", "comparisons >= 1");
    assert_eq!(
        round_trip(&any),
        r#"{"id":"forward","from":"any","to":"evaluation","when":"comparisons >= 1"}"#
    );
    let one =
        TransitionSpec::new("one", "evaluation", "comparisons >= 1").from(&["need_recognition"]);
    assert_eq!(
        round_trip(&one),
        r#"{"id":"one","from":["need_recognition"],"to":"evaluation","when":"comparisons >= 1"}"#
    );
    let full = TransitionSpec::new("repeat", "need_recognition", "need_searches >= 1")
        .from(&["post_purchase", "evaluation"])
        .priority(-3)
        .min_dwell(Span::hours(36))
        .back()
        .new_cycle()
        .describe("again");
    assert_eq!(
        round_trip(&full),
        r#"{"id":"repeat","from":["post_purchase","evaluation"],"to":"need_recognition","when":"need_searches >= 1","priority":-3,"min_dwell":"1d12h","back":true,"new_cycle":true,"description":"again"}"#
    );

    // `from` in its three written forms.
    let parse = |from: &str| {
        serde_json::from_str::<TransitionSpec>(&format!(
            r#"{{"id": "x", "from": {from}, "to": "evaluation", "when": "true"}}"#
        ))
        .map(|spec| spec.from)
    };
    assert_eq!(parse(r#""any""#).unwrap(), FromStages::Any);
    assert_eq!(
        parse(r#""need_recognition""#).unwrap(),
        FromStages::Stages(vec!["need_recognition".into()])
    );
    assert_eq!(
        parse(r#"["need_recognition", "information_search"]"#).unwrap(),
        FromStages::Stages(vec!["need_recognition".into(), "information_search".into()])
    );
    assert_eq!(parse("[]").unwrap(), FromStages::Stages(vec![]));
    assert!(parse("3").is_err());
    // Left out: any.
    let default: TransitionSpec =
        serde_json::from_str(r#"{"id": "x", "to": "evaluation", "when": "true"}"#).unwrap();
    assert_eq!(default, TransitionSpec::new("x", "evaluation", "true"));

    let err = serde_json::from_str::<TransitionSpec>(
        r#"{"id": "x", "to": "evaluation", "when": "true", "prority": 2}"#,
    )
    .unwrap_err();
    assert!(
        err.to_string().starts_with("unknown field `prority`"),
        "{err}"
    );
    let err = serde_json::from_str::<TransitionSpec>(r#"{"id": "x", "when": "true"}"#).unwrap_err();
    assert!(err.to_string().starts_with("missing field `to`"), "{err}");
}

#[test]
fn a_whole_ruleset_with_transitions_round_trips() {
    let spec = models::buying_process();
    assert!(!spec.transitions.is_empty());
    let json = serde_json::to_string(&spec).unwrap();
    let back: RulesetSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
    assert!(json.contains(r#""transitions":[{"id":"forward.information_search","from":"any""#));

    // The round-tripped ruleset builds an engine that moves the same.
    let engine = built_in();
    let again = Engine::builder(back).build().unwrap();
    let signals = record(&engine, &[("purchases", 1.0), ("reviews_read", 1.0)]);
    let state = JourneyState::in_stage("post_purchase", t0());
    assert_eq!(
        advance(&engine, &state, &signals, at(Span::days(8))),
        advance(&again, &state, &signals, at(Span::days(8)))
    );

    // A ruleset without transitions does not write the field.
    let json = serde_json::to_string(&small(vec![])).unwrap();
    assert!(!json.contains("transitions"), "{json}");
    let small_back: RulesetSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(small_back, small(vec![]));

    // Transitions written in JSON.
    let spec: RulesetSpec = serde_json::from_str(
        r#"{
            "signals": [{"id": "visits", "kind": "count"}],
            "stages": [{"id": "prospect", "name": "Prospect"}, {"id": "fan", "name": "Fan"}],
            "transitions": [
                {"id": "hooked", "from": "prospect", "to": "fan", "when": "visits >= 3", "min_dwell": "1d"},
                {"id": "lapsed", "from": "fan", "to": "prospect", "when": "days_in_stage > 90", "back": true}
            ]
        }"#,
    )
    .unwrap();
    let engine = Engine::builder(spec.clone()).build().unwrap();
    assert_eq!(
        serde_json::from_str::<RulesetSpec>(&serde_json::to_string(&spec).unwrap()).unwrap(),
        spec
    );
    let ids: Vec<&str> = engine.transitions().map(|rule| rule.id()).collect();
    assert_eq!(ids, ["hooked", "lapsed"]);
    let rule = engine.find_transition("hooked").unwrap();
    assert_eq!(rule.min_dwell(), Some(Span::days(1)));
    assert_eq!(rule.condition().to_string(), "visits >= 3");
    assert_eq!(engine.find_transition("nope"), None);

    let err =
        serde_json::from_str::<RulesetSpec>(r#"{"signals": [], "stages": [], "transition": []}"#)
            .unwrap_err();
    assert!(
        err.to_string().starts_with("unknown field `transition`"),
        "{err}"
    );
}

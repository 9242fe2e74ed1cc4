//! Scenarios: tests inside a ruleset. The built-in model passes its own;
//! a report says exactly what differed, as text and as data; a scenario
//! runs through the calls a host makes; and every mistake in a scenario is
//! an error at its place, with a suggestion.

use crate::support::{build, build_fails, built_in};
use buyer_journey::{
    models, ActionInput, ContactLog, Customer, Difference, Engine, Event, JourneyState,
    RulesetSpec, ScenarioReport, ScenarioSpec, SignalSpec, Span, StageRuleSpec, StageSpec,
    Timestamp, TransitionSpec,
};
use serde_json::{json, Value as Json};

fn day(n: u64) -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n)
}

/// The built-in model with `scenarios` instead of its own.
fn built_in_with(scenarios: Vec<ScenarioSpec>) -> Engine {
    let mut spec = models::buying_process();
    spec.scenarios = scenarios;
    build(spec)
}

#[test]
fn the_built_in_model_passes_its_scenarios() {
    let engine = built_in();
    let report = engine.run_scenarios();
    assert!(report.passed(), "{report}");
    assert!(report.to_string().ends_with(&format!(
        "{n} scenarios: {n} passed, 0 failed\n",
        n = report.results.len()
    )));

    // At least one scenario per stage, named after what the seed texts say
    // of it, and the types of customer they tell apart.
    let spec = models::buying_process();
    for stage in engine.model().iter() {
        assert!(
            spec.scenarios.iter().any(|s| s.expect.stage == stage.id()),
            "no scenario for stage '{}'",
            stage.id()
        );
    }
    let tagged = |tag: &str| {
        spec.scenarios
            .iter()
            .any(|s| s.expect.tags.iter().flatten().any(|t| t == tag))
    };
    for tag in [
        "prospect",
        "new",
        "returning",
        "loyal",
        "at_risk",
        "complaining",
        "has_question",
    ] {
        assert!(tagged(tag), "no scenario expects the tag '{tag}'");
    }
    // Every way of giving a customer is used: signals, events, a stored
    // journey, a contact history.
    assert!(spec.scenarios.iter().any(|s| !s.events.is_empty()));
    assert!(spec.scenarios.iter().any(|s| s.state.is_some()));
    assert!(spec
        .scenarios
        .iter()
        .any(|s| s.history != ContactLog::new()));
    let names: std::collections::HashSet<&str> =
        spec.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), spec.scenarios.len());
}

#[test]
fn the_built_in_scenarios_are_the_sample_customers_decisions() {
    // The scenarios given as signals that match a sample customer expect
    // what tests/data/buying_process.json expects for it.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/buying_process.json"),
    )
    .unwrap();
    let data: Json = serde_json::from_str(&text).unwrap();
    let mut matched = 0;
    for scenario in models::buying_process().scenarios {
        if !scenario.events.is_empty() || scenario.state.is_some() {
            continue;
        }
        if scenario.history != ContactLog::new() {
            continue;
        }
        let given = serde_json::to_value(&scenario.given).unwrap();
        let Some(case) = data["cases"].as_array().unwrap().iter().find(|case| {
            let signals = case["signals"].as_object().unwrap();
            let given = given.as_object().unwrap();
            signals.len() == given.len()
                && signals
                    .iter()
                    .all(|(id, value)| given.get(id).and_then(Json::as_f64) == value.as_f64())
        }) else {
            continue;
        };
        let expect = &case["expect"];
        assert_eq!(scenario.expect.stage, expect["stage"], "{}", scenario.name);
        if let Some(tags) = &scenario.expect.tags {
            assert_eq!(json!(tags), expect["tags"], "{}", scenario.name);
        }
        if let Some(actions) = &scenario.expect.actions {
            let all: Vec<&str> = expect["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert!(all.starts_with(&actions.iter().map(String::as_str).collect::<Vec<_>>()));
        }
        matched += 1;
    }
    assert!(
        matched >= 10,
        "only {matched} scenarios match a sample customer"
    );
}

#[test]
fn a_report_says_what_differed() {
    let engine = built_in_with(vec![
        ScenarioSpec::new("c03: reads reviews and guides", "information_search")
            .given("reviews_read", 3)
            .given("info_page_views", 5)
            .expect_tags(&["prospect"])
            .expect_actions(&["information_search.reviews"])
            .expect_confidence(1.0),
        ScenarioSpec::new("c07: filled a cart", "evaluation")
            .given("comparisons", 1)
            .given("cart_adds", 2),
        ScenarioSpec::new("c01: a first visit", "evaluation"),
        ScenarioSpec::new("c09: bought last week", "post_purchase")
            .given("purchases", 1)
            .given("days_since_purchase", 7)
            .given("satisfaction", 9)
            .expect_tags(&["returning"])
            .expect_actions(&["post_purchase.review_request"])
            .expect_confidence(0.5),
    ]);
    let report = engine.run_scenarios();
    assert!(!report.passed());
    assert_eq!(
        report.to_string(),
        "ok   c03: reads reviews and guides\n\
         FAIL c07: filled a cart: expected stage 'evaluation', got 'purchase_decision' \
         (fired: evaluation.comparisons, purchase_decision.cart)\n\
         FAIL c01: a first visit: expected stage 'evaluation', got 'need_recognition' \
         (fired: none)\n\
         FAIL c09: bought last week: expected tags [returning], got [new, satisfied]; \
         expected actions to start with [post_purchase.review_request], got \
         [post_purchase.onboarding, post_purchase.review_request, post_purchase.accessories]; \
         expected confidence 0.5, got 1\n\
         4 scenarios: 1 passed, 3 failed\n"
    );
    let failed: Vec<&str> = report.failures().map(|r| r.name.as_str()).collect();
    assert_eq!(
        failed,
        [
            "c07: filled a cart",
            "c01: a first visit",
            "c09: bought last week"
        ]
    );

    // The same as data.
    assert_eq!(
        report.results[3].differences,
        [
            Difference::Tags {
                expected: vec!["returning".into()],
                got: vec!["new".into(), "satisfied".into()],
            },
            Difference::Actions {
                expected: vec!["post_purchase.review_request".into()],
                got: vec![
                    "post_purchase.onboarding".into(),
                    "post_purchase.review_request".into(),
                    "post_purchase.accessories".into(),
                ],
            },
            Difference::Confidence {
                expected: 0.5,
                got: 1.0
            },
        ]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["results"][1]["differences"],
        json!([{
            "what": "stage",
            "expected": "evaluation",
            "got": "purchase_decision",
            "classified": "purchase_decision",
            "fired": ["evaluation.comparisons", "purchase_decision.cart"],
        }])
    );
    assert_eq!(json["results"][0]["passed"], true);
    assert_eq!(
        json["results"][0]["decision"]["stage"],
        "information_search"
    );
    let back: ScenarioReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn actions_are_a_prefix_and_tags_a_set() {
    let c09 = |name: &str| {
        ScenarioSpec::new(name, "post_purchase")
            .given("purchases", 1)
            .given("days_since_purchase", 7)
            .given("satisfaction", 9)
    };
    let report = built_in_with(vec![
        c09("the top one").expect_actions(&["post_purchase.onboarding"]),
        c09("the top two")
            .expect_actions(&["post_purchase.onboarding", "post_purchase.review_request"]),
        c09("the second alone").expect_actions(&["post_purchase.review_request"]),
        c09("tags in any order").expect_tags(&["satisfied", "new"]),
        c09("one tag short").expect_tags(&["new"]),
        c09("no tags").expect_tags(&[]),
    ])
    .run_scenarios();
    let passed: Vec<bool> = report.results.iter().map(|r| r.passed).collect();
    assert_eq!(passed, [true, true, false, true, false, false]);
    // Reported in declaration order, whatever the order written.
    assert_eq!(
        report.results[5].to_string(),
        "FAIL no tags: expected tags [], got [new, satisfied]"
    );
}

#[test]
fn a_scenario_runs_through_the_calls_a_host_makes() {
    let engine = built_in();
    let mut scratch = engine.scratch();

    // Signals only: `decide`.
    let mut signals = engine.record();
    signals.set("comparisons", 2).unwrap();
    let mut history = ContactLog::new();
    history.record_shown("evaluation.advisor_call", day(0));
    let direct = engine
        .decide(&signals, &history, day(1), &mut scratch)
        .to_record();
    let report = engine
        .run_scenarios_from(&[ScenarioSpec::new("signals", "evaluation")
            .given("comparisons", 2)
            .with_history(history.clone())
            .at(day(1))])
        .unwrap();
    assert_eq!(report.results[0].decision.as_ref(), Some(&direct));

    // A stored state: `advance`, then `decide_in` the journey's stage. Held
    // in post_purchase by its minimum dwell while the signals alone say
    // information_search.
    let mut signals = engine.record();
    signals.set("purchases", 1).unwrap();
    signals.set("reviews_read", 2).unwrap();
    let state = JourneyState::in_stage("post_purchase", day(0));
    let step = engine
        .advance(&state, &signals, day(1), &mut scratch)
        .unwrap();
    let stage = engine.model().find(step.state.stage().unwrap()).unwrap();
    let direct = engine
        .decide_in(stage, &signals, &ContactLog::new(), day(1), &mut scratch)
        .unwrap()
        .to_record();
    let scenario = ScenarioSpec::new("held", "post_purchase")
        .in_state(state)
        .given("purchases", 1)
        .given("reviews_read", 2)
        .at(day(1))
        .expect_confidence(0.0);
    let report = engine.run_scenarios_from(&[scenario]).unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!(report.results[0].decision.as_ref(), Some(&direct));
    assert_eq!(direct.stage, "post_purchase");

    // Events: `observe` each at its time from a new customer.
    let mut customer = Customer::new();
    let mut last = None;
    for (n, id) in [(0, "review_read"), (1, "comparison"), (3, "cart_add")] {
        let seen = engine
            .observe(&mut customer, Event::new(id, day(n)), day(n), &mut scratch)
            .unwrap();
        last = Some(seen.decision.to_record());
    }
    let scenario = ScenarioSpec::new("events", "purchase_decision")
        .event("review_read", day(0))
        .event("comparison", day(1))
        .event("cart_add", day(3));
    let report = engine
        .run_scenarios_from(std::slice::from_ref(&scenario))
        .unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!(report.results[0].decision, last);

    // `now` after the last event: `refresh` brings the customer there. A
    // purchase 200 days ago makes a customer at risk.
    let bought = ScenarioSpec::new("bought", "post_purchase").event("purchase", day(0));
    let mut long_ago = bought.clone().at(day(200)).expect_tags(&["new", "at_risk"]);
    long_ago.name = "long ago".into();
    let report = engine
        .run_scenarios_from(&[bought.clone().expect_tags(&["new"]), long_ago])
        .unwrap();
    assert!(report.passed(), "{report}");
}

#[test]
fn events_and_given_signals_together() {
    // `visits` comes from events, `vip` is given: `observe_with`.
    let mut spec = RulesetSpec::new(
        vec![
            SignalSpec::count("visits").from(buyer_journey::Derivation::Count(
                buyer_journey::Tally::of(&["visit"]),
            )),
            SignalSpec::flag("vip"),
        ],
        vec![
            StageSpec::new("cold", "Cold", ""),
            StageSpec::new("warm", "Warm", ""),
        ],
    );
    spec.events.push(buyer_journey::EventSpec::new("visit"));
    spec.stage_rules
        .push(StageRuleSpec::new("warm", "warm", "visits >= 3 or vip"));
    spec.scenarios = serde_json::from_value(json!([
        {"name": "one visit", "events": [{"event": "visit", "at": 10}], "expect": {"stage": "cold"}},
        {
            "name": "one visit of a vip",
            "given": {"vip": true},
            "events": [{"event": "visit", "at": 10}],
            "expect": {"stage": "warm"}
        },
        {
            "name": "three visits",
            "events": [
                {"event": "visit", "at": 10}, {"event": "visit", "at": 20}, {"event": "visit", "at": 20}
            ],
            "expect": {"stage": "warm", "confidence": 1}
        }
    ]))
    .unwrap();
    // Once placed, a customer moves only by transition rules: without one,
    // the first visit keeps them cold, whatever the classification says.
    let report = build(spec.clone()).run_scenarios();
    assert_eq!(
        report.to_string(),
        "ok   one visit\n\
         ok   one visit of a vip\n\
         FAIL three visits: expected stage 'warm', got 'cold' (the journey's stage; classified \
         'warm'; fired: warm); expected confidence 1, got 0\n\
         3 scenarios: 2 passed, 1 failed\n"
    );
    spec.transitions
        .push(TransitionSpec::new("warmed", "warm", "visits >= 3 or vip"));
    let report = build(spec.clone()).run_scenarios();
    assert!(report.passed(), "{report}");

    spec.scenarios[0].given.insert("visits".into(), 3.into());
    assert_eq!(
        build_fails(spec).to_string(),
        "scenarios[0].given.visits: signal 'visits' is derived from the scenario's events; \
         give only the signals the ruleset does not derive"
    );
}

#[test]
fn host_plug_ins_take_part() {
    // A host propensity model that never wants an advisor call: the
    // built-in scenarios that expect one first now fail, as the host's
    // decisions would.
    let engine = Engine::builder(models::buying_process())
        .action_scorer(|input: &ActionInput<'_>| {
            if input.action().id() == "evaluation.advisor_call" {
                0.0
            } else {
                input.built_in()
            }
        })
        .build()
        .unwrap();
    let report = engine.run_scenarios();
    assert!(!report.passed());
    assert!(report.failures().all(|failure| failure
        .differences
        .iter()
        .all(|d| matches!(d, Difference::Actions { expected, .. } if expected[0] == "evaluation.advisor_call"))));
    assert_eq!(report.failures().count(), 3, "{report}");
}

#[test]
fn a_host_runs_its_own_scenarios() {
    let engine = built_in();
    let suite: Vec<ScenarioSpec> = serde_json::from_str(
        r#"[
            {"name": "c08", "given": {"cart_adds": 1, "checkout_starts": 1},
             "expect": {"stage": "purchase_decision", "actions": ["purchase_decision.checkout_help"]}},
            {"name": "c12", "given": {"purchases": 5, "days_since_purchase": 30, "cart_adds": 1},
             "expect": {"stage": "purchase_decision", "tags": ["returning", "loyal"]}}
        ]"#,
    )
    .unwrap();
    let report = engine.run_scenarios_from(&suite).unwrap();
    assert_eq!(
        report.to_string(),
        "ok   c08\nok   c12\n2 scenarios: 2 passed, 0 failed\n"
    );

    let err = engine
        .run_scenarios_from(&[ScenarioSpec::new("typo", "purchase_decison")])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "scenarios[0].expect.stage: unknown stage 'purchase_decison', did you mean \
         'purchase_decision'?"
    );
    // No scenarios, no failures.
    assert_eq!(
        engine.run_scenarios_from(&[]).unwrap().to_string(),
        "0 scenarios: 0 passed, 0 failed\n"
    );
}

#[test]
fn scenarios_hold_no_nulls_and_read_back_the_same() {
    // TOML and other formats without null must be able to hold them.
    fn no_nulls(value: &Json, at: &str) {
        match value {
            Json::Null => panic!("a null at {at}"),
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    no_nulls(item, &format!("{at}[{i}]"));
                }
            }
            Json::Object(fields) => {
                for (key, item) in fields {
                    no_nulls(item, &format!("{at}.{key}"));
                }
            }
            _ => {}
        }
    }
    let mut scenarios = models::buying_process().scenarios;
    scenarios.push(
        ScenarioSpec::new("every field", "post_purchase")
            .in_state(
                JourneyState::in_stage("post_purchase", day(0))
                    .with_previous("purchase_decision")
                    .with_cycles(2),
            )
            .event_with_value("satisfaction", day(1), 9.0)
            .at(day(2))
            .expect_actions(&["post_purchase.onboarding"]),
    );
    let json = serde_json::to_value(&scenarios).unwrap();
    no_nulls(&json, "scenarios");
    let back: Vec<ScenarioSpec> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, scenarios);
    assert_eq!(
        json[scenarios.len() - 1]["state"],
        json!({"stage": "post_purchase", "entered": 1_700_000_000, "previous": "purchase_decision", "cycles": 2})
    );
    // The whole built-in model too.
    no_nulls(
        &serde_json::to_value(models::buying_process()).unwrap(),
        "spec",
    );
}

/// A scenario that passes, so the one under test is `scenarios[1]`.
fn fine() -> Json {
    json!({"name": "fine", "expect": {"stage": "need_recognition"}})
}

/// The error of the built-in model with `scenario` as its second scenario.
fn scenario_fails(scenario: &Json) -> String {
    let mut spec = models::buying_process();
    spec.scenarios = serde_json::from_value(json!([fine(), scenario])).unwrap();
    build_fails(spec).to_string()
}

#[test]
fn every_mistake_in_a_scenario_is_located_with_a_suggestion() {
    let cases = [
        (
            json!({"name": "x", "given": {"reviews_red": 3}, "expect": {"stage": "information_search"}}),
            "scenarios[1].given.reviews_red: unknown signal 'reviews_red', did you mean \
             'reviews_read'?",
        ),
        (
            json!({"name": "x", "given": {"reviews_read": true}, "expect": {"stage": "information_search"}}),
            "scenarios[1].given.reviews_read: signal 'reviews_read' is a count, got a flag",
        ),
        (
            json!({"name": "x", "given": {"cart_adds": -1}, "expect": {"stage": "need_recognition"}}),
            "scenarios[1].given.cart_adds: signal 'cart_adds' is a count, so -1 is not allowed: \
             counts are whole numbers >= 0",
        ),
        (
            json!({"name": "x", "given": {"satisfaction": "high"}, "expect": {"stage": "need_recognition"}}),
            "scenarios[1].given.satisfaction: signal 'satisfaction' is a number, got a label",
        ),
        (
            json!({"name": "fine", "expect": {"stage": "need_recognition"}}),
            "scenarios[1].name: scenario name 'fine' is already used by scenarios[0]",
        ),
        (
            json!({"name": " ", "expect": {"stage": "need_recognition"}}),
            "scenarios[1].name: a scenario needs a name",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluaton"}}),
            "scenarios[1].expect.stage: unknown stage 'evaluaton', did you mean 'evaluation'?",
        ),
        (
            json!({"name": "x", "expect": {"stage": "post_purchase", "tags": ["new", "returnin"]}}),
            "scenarios[1].expect.tags[1]: unknown tag 'returnin', did you mean 'returning'?",
        ),
        (
            json!({"name": "x", "expect": {"stage": "post_purchase", "tags": ["new", "new"]}}),
            "scenarios[1].expect.tags[1]: tag 'new' is listed twice",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluation", "actions": ["evaluation.advisor"]}}),
            "scenarios[1].expect.actions[0]: unknown action 'evaluation.advisor', did you mean \
             'evaluation.advisor_call'?",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluation", "actions": ["evaluation.demo", "evaluation.demo"]}}),
            "scenarios[1].expect.actions[1]: action 'evaluation.demo' is listed twice",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluation", "actions": ["purchase_decision.checkout_help"]}}),
            "scenarios[1].expect.actions[0]: action 'purchase_decision.checkout_help' does not \
             apply in stage 'evaluation', the stage expected",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluation", "actions": [
                "evaluation.advisor_call", "evaluation.demo", "evaluation.offer", "evaluation.testimonials"
            ]}}),
            "scenarios[1].expect.actions: 4 actions listed, but at most 3 are suggested \
             (arbitration's max_suggestions)",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluation", "actions": []}}),
            "scenarios[1].expect.actions: the list is empty; list the first actions expected, \
             best first, or leave 'actions' out",
        ),
        (
            json!({"name": "x", "expect": {"stage": "evaluation", "confidence": 1.5}}),
            "scenarios[1].expect.confidence: confidence 1.5 is outside 0 to 1",
        ),
        (
            json!({"name": "x", "events": [{"event": "review", "at": 0}], "expect": {"stage": "evaluation"}}),
            "scenarios[1].events[0].event: unknown event 'review', did you mean 'review_read'?",
        ),
        (
            json!({"name": "x", "events": [{"event": "satisfaction", "at": 0}], "expect": {"stage": "evaluation"}}),
            "scenarios[1].events[0].value: event 'satisfaction' needs a value",
        ),
        (
            json!({"name": "x", "events": [{"event": "satisfaction", "at": 0, "value": 11}], "expect": {"stage": "evaluation"}}),
            "scenarios[1].events[0].value: event 'satisfaction' got 11, outside 0 to 10",
        ),
        (
            json!({"name": "x", "events": [{"event": "purchase", "at": 0, "value": 1}], "expect": {"stage": "evaluation"}}),
            "scenarios[1].events[0].value: event 'purchase' carries no value",
        ),
        (
            json!({"name": "x", "events": [
                {"event": "comparison", "at": 86400}, {"event": "purchase", "at": 0}
            ], "expect": {"stage": "evaluation"}}),
            "scenarios[1].events[1].at: event 'purchase' at @0 is before the event before it \
             (@86400); a scenario's events come in time order",
        ),
        (
            json!({"name": "x", "events": [{"event": "purchase", "at": 100}], "now": 99,
                   "expect": {"stage": "post_purchase"}}),
            "scenarios[1].now: now (@99) is before the last event (@100)",
        ),
        (
            json!({"name": "x", "given": {"reviews_read": 1}, "events": [{"event": "purchase", "at": 100}],
                   "expect": {"stage": "post_purchase"}}),
            "scenarios[1].given.reviews_read: signal 'reviews_read' is derived from the \
             scenario's events; give only the signals the ruleset does not derive",
        ),
        (
            json!({"name": "x", "state": {"stage": "post_purchas"}, "expect": {"stage": "post_purchase"}}),
            "scenarios[1].state.stage: unknown stage 'post_purchas', did you mean 'post_purchase'?",
        ),
        (
            json!({"name": "x", "state": {"stage": "post_purchase", "previous": "checkout"},
                   "expect": {"stage": "post_purchase"}}),
            "scenarios[1].state.previous: unknown stage 'checkout'",
        ),
        (
            json!({"name": "x", "state": {"stage": "post_purchase", "entered": 100}, "now": 50,
                   "expect": {"stage": "post_purchase"}}),
            "scenarios[1].state.entered: the state was entered at @100, after the scenario \
             starts (@50)",
        ),
        (
            json!({"name": "x", "state": {"stage": "post_purchase", "entered": 100},
                   "events": [{"event": "review_read", "at": 99}, {"event": "review_read", "at": 200}],
                   "expect": {"stage": "post_purchase"}}),
            "scenarios[1].state.entered: the state was entered at @100, after the scenario \
             starts (@99)",
        ),
        (
            json!({"name": "x", "history": {"evaluation.dem": [0]}, "expect": {"stage": "evaluation"}}),
            "scenarios[1].history.evaluation.dem: unknown action 'evaluation.dem', did you mean \
             'evaluation.demo'?",
        ),
    ];
    for (scenario, message) in cases {
        assert_eq!(scenario_fails(&scenario), message, "{scenario}");
    }
}

#[test]
fn a_category_label_is_checked_and_suggested() {
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::category("plan", ["free", "pro", "team"])],
        vec![
            StageSpec::new("trial", "Trial", ""),
            StageSpec::new("paying", "Paying", ""),
        ],
    );
    spec.stage_rules.push(StageRuleSpec::new(
        "paid",
        "paying",
        "plan in [\"pro\", \"team\"]",
    ));
    spec.scenarios = serde_json::from_value(json!([
        {"name": "pro", "given": {"plan": "pro"}, "expect": {"stage": "paying"}},
        {"name": "free", "given": {"plan": "free"}, "expect": {"stage": "trial"}}
    ]))
    .unwrap();
    assert!(build(spec.clone()).run_scenarios().passed());

    spec.scenarios[1].given.insert("plan".into(), "fre".into());
    assert_eq!(
        build_fails(spec).to_string(),
        "scenarios[1].given.plan: unknown label 'fre' for signal 'plan', did you mean 'free'?"
    );
}

#[test]
fn a_value_of_no_known_form_is_a_serde_error() {
    let err = serde_json::from_value::<ScenarioSpec>(json!({
        "name": "x", "given": {"plan": null}, "expect": {"stage": "trial"}
    }))
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid type: null, expected a number, true or false, or a label"
    );
    let err = serde_json::from_value::<ScenarioSpec>(json!({
        "name": "x", "expect": {"stage": "trial", "fired": []}
    }))
    .unwrap_err();
    assert!(
        err.to_string().starts_with("unknown field `fired`"),
        "{err}"
    );
}

#[test]
fn extreme_times_and_long_lists_never_panic() {
    let far = |seconds| Timestamp::from_unix_seconds(seconds);
    let engine = built_in();
    let scenarios = vec![
        ScenarioSpec::new("the first second", "post_purchase").event("purchase", far(i64::MIN)),
        ScenarioSpec::new("the last second", "post_purchase").event("purchase", far(i64::MAX)),
        ScenarioSpec::new("all of time", "post_purchase")
            .event("purchase", far(i64::MIN))
            .at(far(i64::MAX)),
        ScenarioSpec::new("stored at the start", "post_purchase")
            .in_state(JourneyState::in_stage("post_purchase", far(i64::MIN)))
            .given("purchases", 1)
            .at(far(i64::MAX)),
    ];
    let report = engine.run_scenarios_from(&scenarios).unwrap();
    assert!(report.passed(), "{report}");

    // A long list of tags is checked in linear work: the second mention
    // of a tag stops it.
    let many: Vec<&str> = std::iter::repeat_n("new", 100_000).collect();
    let err = engine
        .run_scenarios_from(&[ScenarioSpec::new("many", "post_purchase").expect_tags(&many)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "scenarios[0].expect.tags[1]: tag 'new' is listed twice"
    );
}

#[test]
fn check_lists_every_scenarios_error_once_the_rest_is_valid() {
    let mut spec = models::buying_process();
    spec.scenarios = serde_json::from_value(json!([
        fine(),
        {"name": "a", "given": {"reviews_red": 1}, "expect": {"stage": "information_search"}},
        {"name": "fine", "expect": {"stage": "evaluaton"}}
    ]))
    .unwrap();
    assert_eq!(
        Engine::builder(spec.clone()).check().to_string(),
        "error: scenarios[1].given.reviews_red: unknown signal 'reviews_red', did you mean \
         'reviews_read'?\n\
         error: scenarios[2].name: scenario name 'fine' is already used by scenarios[0]\n\
         error: scenarios[2].expect.stage: unknown stage 'evaluaton', did you mean \
         'evaluation'?\n"
    );
    // A broken tag is reported once, at the tag, not by the scenarios that
    // expect it.
    spec.scenarios = models::buying_process().scenarios;
    spec.tags[1].when = "purchases ==".into();
    let problems = Engine::builder(spec).check();
    assert_eq!(problems.errors().count(), 1, "{problems}");
    assert_eq!(
        problems.iter().next().unwrap().location().path(),
        "tags[1].when"
    );
}

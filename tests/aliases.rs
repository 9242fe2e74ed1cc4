//! Renames: a ruleset that renames a stage or an action declares the old
//! id as an alias, and what hosts stored under the old id (journey states,
//! moves, contact logs, whole customers) keeps resolving, while everything
//! the engine reports uses the current ids.
//!
//! `v1` is a ruleset as first written; `v2` renames stage `opportunity` to
//! `evaluation` and its actions `opportunity.*` to `evaluation.*`, keeping
//! the old ids as aliases. `v2_without_aliases` renames without them: what
//! the aliases are for shows as what goes wrong there.

use buyer_journey::{
    ActionSpec, ContactLog, Customer, Engine, ErrorKind, Funnel, JourneyState, RulesetSpec,
    ScenarioSpec, Severity, SignalSpec, Span, StageModel, StageRuleSpec, StageSpec, Timestamp,
    TransitionSpec,
};

use crate::support::{build, build_fails, record};

fn t0() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

fn day(n: u64) -> Timestamp {
    t0() + Span::days(n)
}

/// The ruleset with stage `middle` in the middle, actions `{middle}.demo`
/// and `{middle}.guide`, and `aliases` for that stage and for each action.
fn ruleset(middle: &str, aliases: Option<&str>) -> RulesetSpec {
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::count("visits"), SignalSpec::count("orders")],
        vec![
            StageSpec::new("lead", "Lead", ""),
            StageSpec::new(middle, "Middle", "").aliases(&aliases.into_iter().collect::<Vec<_>>()),
            StageSpec::new("customer", "Customer", ""),
        ],
    );
    spec.stage_rules = vec![
        StageRuleSpec::new("middle.visits", middle, "visits >= 2"),
        StageRuleSpec::new("customer.orders", "customer", "orders >= 1"),
    ];
    spec.transitions = vec![
        TransitionSpec::new("forward.middle", middle, "visits >= 2"),
        TransitionSpec::new("forward.customer", "customer", "orders >= 1"),
    ];
    let old = |action: &str| aliases.map(|old| format!("{old}.{action}"));
    let demo = ActionSpec::new(&format!("{middle}.demo"), "demo", &[middle], 40.0)
        .cooldown(Span::days(3))
        .max_dismissals(2);
    let guide = ActionSpec::new(&format!("{middle}.guide"), "guide", &[middle], 10.0);
    for (mut action, old) in [(demo, old("demo")), (guide, old("guide"))] {
        action.aliases = old.into_iter().collect();
        spec.actions.push(action);
    }
    spec
}

fn v1() -> Engine {
    build(ruleset("opportunity", None))
}

fn v2() -> Engine {
    build(ruleset("evaluation", Some("opportunity")))
}

fn v2_without_aliases() -> Engine {
    build(ruleset("evaluation", None))
}

fn suggested(engine: &Engine, history: &ContactLog, now: Timestamp) -> Vec<String> {
    let customer = record(engine, &[("visits", 3.0)]);
    engine
        .decide(&customer, history, now, &mut engine.scratch())
        .actions()
        .map(|action| action.id().to_owned())
        .collect()
}

#[test]
fn a_state_stored_under_an_old_stage_id_advances_and_comes_back_in_the_current_ids() {
    let (v1, v2) = (v1(), v2());
    let mut scratch = v1.scratch();
    let visits = record(&v1, &[("visits", 2.0)]);
    let stored = v1
        .advance(
            &JourneyState::in_stage("lead", day(0)),
            &visits,
            day(1),
            &mut scratch,
        )
        .unwrap()
        .state;
    assert_eq!(
        (stored.stage(), stored.previous()),
        (Some("opportunity"), Some("lead"))
    );

    // No move: the state is returned, renamed.
    let stays = v2
        .advance(
            &stored,
            &record(&v2, &[("visits", 2.0)]),
            day(2),
            &mut scratch,
        )
        .unwrap();
    assert!(!stays.moved());
    assert_eq!(
        stays.state,
        JourneyState::in_stage("evaluation", day(1)).with_previous("lead")
    );

    // A move: from the current id.
    let orders = record(&v2, &[("orders", 1.0)]);
    let moved = v2.advance(&stored, &orders, day(2), &mut scratch).unwrap();
    assert_eq!(moved.moves[0].from(), Some("evaluation"));
    assert_eq!(moved.state.previous(), Some("evaluation"));

    // A previous stage under its old id is renamed too.
    let bought = JourneyState::in_stage("customer", day(3)).with_previous("opportunity");
    let step = v2.advance(&bought, &orders, day(4), &mut scratch).unwrap();
    assert_eq!(step.state.previous(), Some("evaluation"));

    // Without the alias the stored state is an error, naming the new id.
    let err = v2_without_aliases()
        .advance(&stored, &orders, day(2), &mut scratch)
        .unwrap_err();
    assert_eq!(err.to_string(), "state.stage: unknown stage 'opportunity'");
}

#[test]
fn a_customer_stored_under_old_ids_is_observed_in_the_current_ids() {
    let (v1, v2) = (v1(), v2());
    let mut customer = Customer::new();
    customer.journey = JourneyState::in_stage("opportunity", day(0));
    let action = v1.find_action("opportunity.demo").unwrap();
    customer.record_shown(action, day(0));
    customer
        .history
        .record_dismissed("opportunity.guide", day(0));
    let stored = serde_json::to_string(&customer).unwrap();

    let mut customer: Customer = serde_json::from_str(&stored).unwrap();
    let mut scratch = v2.scratch();
    let seen = v2.refresh(&mut customer, day(1), &mut scratch).unwrap();
    assert_eq!(seen.decision.stage().id(), "evaluation");
    assert_eq!(seen.step.state.stage(), Some("evaluation"));
    // The demo cools down for 3 days from its showing under the old id.
    let ids: Vec<&str> = seen.decision.actions().map(|a| a.id()).collect();
    assert_eq!(ids, ["evaluation.guide"]);
    assert_eq!(customer.journey.stage(), Some("evaluation"));

    // Recording a showing moves the action's old entries to its id.
    customer.record_shown(v2.find_action("evaluation.guide").unwrap(), day(1));
    let json = serde_json::to_value(&customer.history).unwrap();
    assert_eq!(
        json,
        // The guide limits no dismissals: its dismissal is forgotten.
        serde_json::json!({"opportunity.demo": [t0()]})
    );
}

#[test]
fn a_contact_log_counts_what_it_holds_under_an_old_action_id() {
    let (v2, bare) = (v2(), v2_without_aliases());
    let mut log = ContactLog::new();
    log.record_shown("opportunity.demo", day(0));
    // Cooling down under the old id with the alias, shown again without.
    assert_eq!(suggested(&v2, &log, day(1)), ["evaluation.guide"]);
    assert_eq!(
        suggested(&bare, &log, day(1)),
        ["evaluation.demo", "evaluation.guide"]
    );
    assert_eq!(
        suggested(&v2, &log, day(3)),
        ["evaluation.demo", "evaluation.guide"]
    );

    // The latest showing under either id counts.
    log.record_shown("evaluation.demo", day(2));
    assert_eq!(suggested(&v2, &log, day(4)), ["evaluation.guide"]);

    // Dismissals add up across the ids: two stop the demo.
    let mut log = ContactLog::new();
    log.record_dismissed("opportunity.demo", day(0));
    assert_eq!(
        suggested(&v2, &log, day(0)),
        ["evaluation.demo", "evaluation.guide"]
    );
    log.record_dismissed("evaluation.demo", day(0));
    assert_eq!(suggested(&v2, &log, day(0)), ["evaluation.guide"]);
    assert_eq!(
        suggested(&bare, &log, day(0)),
        ["evaluation.demo", "evaluation.guide"]
    );

    // Migrated, the log holds the current ids only, and decides alike.
    let migrated = v2.resolve_history(&log);
    assert_eq!(
        serde_json::to_string(&migrated).unwrap(),
        format!(
            r#"{{"evaluation.demo":{{"dismissed":[{0},{0}]}}}}"#,
            t0().unix_seconds()
        )
    );
    assert_eq!(suggested(&bare, &migrated, day(0)), ["evaluation.guide"]);
}

#[test]
fn lookups_by_an_old_id_find_the_renamed_entity_which_reports_its_current_id() {
    let (v1, v2) = (v1(), v2());
    let stage = v2.model().find("opportunity").unwrap();
    assert_eq!((stage.id(), stage.index().as_usize()), ("evaluation", 1));
    assert!(stage.aliases().eq(["opportunity"]));
    assert_eq!(
        v2.find_action("opportunity.demo").unwrap().id(),
        "evaluation.demo"
    );
    assert!(v2.find_action("opportunity.brochure").is_none());

    // A stage of the old engine stands for the renamed one.
    let theirs = v1.model().find("opportunity").unwrap();
    let mut scratch = v2.scratch();
    let decision = v2
        .decide_in(
            theirs,
            &v2.record(),
            &ContactLog::new(),
            day(0),
            &mut scratch,
        )
        .unwrap();
    assert_eq!(decision.stage().id(), "evaluation");

    // A funnel counts stored states and moves under the old ids in the
    // current stage.
    let mut funnel = Funnel::new(v2.model());
    funnel
        .add_state(&JourneyState::in_stage("opportunity", day(0)))
        .unwrap();
    let step = v1
        .advance(
            &JourneyState::in_stage("lead", day(0)),
            &record(&v1, &[("visits", 2.0)]),
            day(2),
            &mut v1.scratch(),
        )
        .unwrap();
    funnel.add_transition(&step.moves[0]).unwrap();
    let stats = funnel.stats();
    assert_eq!(stats.stage("evaluation").unwrap().customers, 1);
    assert_eq!(stats.transitions_between("lead", "evaluation"), Some(1));
}

#[test]
fn the_ruleset_names_its_own_stages_by_their_current_ids() {
    let mut spec = ruleset("evaluation", Some("opportunity"));
    spec.stage_rules[0].stage = "opportunity".into();
    assert_eq!(
        build_fails(spec).to_string(),
        "stage_rules[0].stage: unknown stage 'opportunity', did you mean 'evaluation'?"
    );
    let mut spec = ruleset("evaluation", Some("opportunity"));
    spec.actions[0].stages = vec!["opportunity".into()];
    assert_eq!(
        build_fails(spec).to_string(),
        "actions[0].stages[0]: unknown stage 'opportunity', did you mean 'evaluation'?"
    );
}

#[test]
fn a_scenario_state_stored_under_an_old_stage_id_runs_as_the_host_would() {
    // The stored state is the host's data, which keeps its old ids; what the
    // scenario expects is the ruleset's, in the current ids.
    let stored = |stage: &str| {
        ScenarioSpec::new(&format!("stored in {stage}"), "customer")
            .given("orders", 1)
            .in_state(JourneyState::in_stage(stage, day(0)).with_previous("opportunity"))
            .at(day(1))
    };
    let mut spec = ruleset("evaluation", Some("opportunity"));
    spec.scenarios = vec![
        stored("opportunity"),
        ScenarioSpec::new("stays", "evaluation")
            .in_state(JourneyState::in_stage("opportunity", day(0)))
            .at(day(1)),
    ];
    let report = build(spec).run_scenarios();
    assert!(report.passed(), "{report}");
    assert_eq!(
        report.results[0].decision.as_ref().unwrap().stage,
        "customer"
    );

    let mut spec = ruleset("evaluation", None);
    spec.scenarios = vec![stored("opportunity")];
    assert_eq!(
        build_fails(spec).to_string(),
        "scenarios[0].state.stage: unknown stage 'opportunity'"
    );
    let mut spec = ruleset("evaluation", Some("opportunity"));
    spec.scenarios = vec![ScenarioSpec::new("expects an old id", "opportunity")];
    assert_eq!(
        build_fails(spec).to_string(),
        "scenarios[0].expect.stage: unknown stage 'opportunity', did you mean 'evaluation'?"
    );
}

#[test]
fn stage_aliases_are_snake_case_and_name_one_stage() {
    let stages = |aliases: [&[&str]; 3]| -> Vec<StageSpec> {
        ["lead", "evaluation", "customer"]
            .iter()
            .zip(aliases)
            .map(|(id, aliases)| StageSpec::new(id, id, "").aliases(aliases))
            .collect()
    };
    let error = |aliases| StageModel::new(&stages(aliases)).unwrap_err().to_string();
    assert_eq!(
        error([&[], &["Opportunity"], &[]]),
        "stages[1].aliases[0]: 'Opportunity' is not a snake_case id (a lowercase letter, then \
         lowercase letters, digits or '_')"
    );
    assert_eq!(
        error([&[], &["opportunity", "any"], &[]]),
        "stages[1].aliases[1]: 'any' is a keyword of the condition language and cannot name a stage"
    );
    assert_eq!(
        error([&[], &["customer"], &[]]),
        "stages[1].aliases[0]: stage alias 'customer' is the id of stages[2]"
    );
    assert_eq!(
        error([&[], &["evaluation"], &[]]),
        "stages[1].aliases[0]: stage alias 'evaluation' is the id of stages[1]"
    );
    assert_eq!(
        error([&[], &["opportunity"], &["client", "opportunity"]]),
        "stages[2].aliases[1]: stage alias 'opportunity' is already an alias at stages[1].aliases[0]"
    );
    let err = StageModel::new(&stages([&[], &["opportunity", "opportunity"], &[]])).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Invalid { .. }));
    assert_eq!(err.location().unwrap().path(), "stages[1].aliases[1]");
    assert!(StageModel::new(&stages([&["prospect"], &["opportunity"], &["client"]])).is_ok());
}

#[test]
fn action_aliases_are_written_as_ids_and_name_one_action() {
    let error = |edit: fn(&mut RulesetSpec)| {
        let mut spec = ruleset("evaluation", None);
        edit(&mut spec);
        build_fails(spec).to_string()
    };
    assert_eq!(
        error(|spec| spec.actions[0].aliases = vec!["old demo".into()]),
        "actions[0].aliases[0]: action id 'old demo' must be letters, digits and '_', '.', '-', ':', '/'"
    );
    assert_eq!(
        error(|spec| spec.actions[0].aliases = vec!["evaluation.guide".into()]),
        "actions[0].aliases[0]: action alias 'evaluation.guide' is the id of actions[1]"
    );
    assert_eq!(
        error(|spec| {
            spec.actions[0].aliases = vec!["demo".into()];
            spec.actions[1].aliases = vec!["guide".into(), "demo".into()];
        }),
        "actions[1].aliases[1]: action alias 'demo' is already an alias at actions[0].aliases[0]"
    );
}

#[test]
fn aliases_are_part_of_the_ruleset_document() {
    let spec = ruleset("evaluation", Some("opportunity"));
    let json = serde_json::to_value(&spec).unwrap();
    assert_eq!(
        json["stages"][1]["aliases"],
        serde_json::json!(["opportunity"])
    );
    assert_eq!(
        json["actions"][0]["aliases"],
        serde_json::json!(["opportunity.demo"])
    );
    assert!(json["stages"][0].get("aliases").is_none());
    let back: RulesetSpec = serde_json::from_value(json).unwrap();
    assert_eq!(back, spec);
}

#[test]
fn a_check_of_stored_data_reports_what_no_longer_resolves() {
    let v2 = v2();
    let states = [
        JourneyState::in_stage("opportunity", day(0)).with_previous("lead"),
        JourneyState::in_stage("evaluaton", day(0)),
        JourneyState::in_stage("customer", day(0)).with_previous("prospect"),
    ];
    let problems = v2.check_states(&states);
    let found: Vec<(Severity, &str, &str)> = problems
        .iter()
        .map(|p| (p.severity(), p.location().path(), p.message()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Severity::Error,
                "states[1].stage",
                "unknown stage 'evaluaton', did you mean 'evaluation'?"
            ),
            (
                Severity::Warning,
                "states[2].previous",
                "unknown stage 'prospect', kept as stored"
            ),
        ]
    );
    // Every state the check passes advances; the one it fails does not.
    let mut scratch = v2.scratch();
    for (i, state) in states.iter().enumerate() {
        let advanced = v2.advance(state, &v2.record(), day(1), &mut scratch);
        assert_eq!(advanced.is_err(), i == 1, "{state:?}");
        let resolved = v2.resolve_state(state);
        assert_eq!(resolved.is_err(), i == 1, "{state:?}");
    }
    assert_eq!(
        v2.resolve_state(&states[0]).unwrap().stage(),
        Some("evaluation")
    );

    let mut customer = Customer::new();
    customer.journey = states[0].clone();
    customer.history.record_shown("opportunity.demo", day(0));
    customer.history.record_shown("evaluation.dem", day(0));
    let problems = v2.check_customers([&Customer::new(), &customer]);
    assert_eq!(
        problems.to_string(),
        "warning: customers[1].history: unknown action 'evaluation.dem': what the log holds for \
         it counts for no action; did you mean 'evaluation.demo'?\n"
    );
    // Without the aliases the old ids are what the check reports.
    let problems = v2_without_aliases().check_customers([&customer]);
    let paths: Vec<&str> = problems.iter().map(|p| p.location().path()).collect();
    assert_eq!(
        paths,
        [
            "customers[0].journey.stage",
            "customers[0].history",
            "customers[0].history"
        ]
    );
    assert!(problems.has_errors());
    assert!(v2.check_histories([&ContactLog::new()]).is_empty());

    // A profile built by other event derivations cannot be observed on.
    let built_in = crate::support::built_in();
    let mut observed = Customer::new();
    let event = buyer_journey::Event::new("review_read", day(0));
    built_in
        .observe(&mut observed, event, day(0), &mut built_in.scratch())
        .unwrap();
    assert!(built_in.check_customers([&observed]).is_empty());
    let problems = v2.check_customers([&observed]);
    let errors: Vec<(&str, &str)> = problems
        .errors()
        .map(|p| (p.location().path(), p.message()))
        .collect();
    assert_eq!(errors.len(), 2, "{problems}");
    assert_eq!(
        errors[0],
        (
            "customers[0].journey.stage",
            "unknown stage 'information_search'"
        )
    );
    assert_eq!(errors[1].0, "customers[0].profile");
    assert!(errors[1]
        .1
        .starts_with("the profile was built by other event derivations"));
}

#[test]
fn check_lists_every_alias_error_in_the_order_of_the_ruleset() {
    let mut spec = ruleset("evaluation", Some("opportunity"));
    spec.stages[0].aliases = vec!["Prospect".into()];
    spec.stages[2].aliases = vec!["client".into(), "opportunity".into()];
    spec.actions[1].aliases = vec!["evaluation.demo".into()];
    let problems = Engine::builder(spec).check();
    let errors: Vec<&str> = problems.errors().map(|p| p.location().path()).collect();
    // A wrong alias leaves its stage or action whole: nothing that names
    // the stage is reported, not even the transition into the first stage.
    assert_eq!(
        errors,
        [
            "stages[0].aliases[0]",
            "stages[2].aliases[1]",
            "actions[1].aliases[0]"
        ],
        "{problems}"
    );
}

//! Warnings: what a valid ruleset cannot do as written, as
//! `EngineBuilder::check` lists them. Each kind with its exact message and
//! location; none for the built-in model; never an obstacle to `build`;
//! and a property test that a condition the lint calls never or always
//! holding does so for every value, and that one it says nothing about
//! holds for some values and fails for others.
//!
//! Run with `cargo test --test integration warnings`.

use std::path::Path;

use buyer_journey::{models, Condition, Engine, HitPolicy, RulesetSpec, Severity};
use proptest::prelude::*;
use serde_json::{json, Value as Json};

// `main` is only for the example binaries; this one has its own copy.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/generated/mod.rs"]
mod generated;

/// A small clean ruleset: four signals of every kind, three stages, each
/// reached, and no warning. Tests change one part of it.
fn base() -> Json {
    json!({
        "signals": [
            {"id": "spend", "kind": "number"},
            {"id": "orders", "kind": "count"},
            {"id": "member", "kind": "flag"},
            {"id": "plan", "kind": "category", "labels": ["free", "pro", "team"]}
        ],
        "stages": [
            {"id": "prospect", "name": "Prospect"},
            {"id": "trial", "name": "Trial"},
            {"id": "customer", "name": "Customer"}
        ],
        "stage_rules": [
            {"id": "trying", "stage": "trial", "when": "plan == \"free\" or member"},
            {"id": "ordered", "stage": "customer", "when": "orders >= 1 and spend > 0"}
        ]
    })
}

fn spec(json: Json) -> RulesetSpec {
    serde_json::from_value(json).expect("a ruleset")
}

/// The warnings about `json`, as `check` displays them; the ruleset must
/// have no error, and must build.
fn warnings(json: Json) -> Vec<String> {
    let spec = spec(json);
    let problems = Engine::builder(spec.clone()).check();
    assert!(!problems.has_errors(), "{problems}");
    Engine::builder(spec)
        .build()
        .expect("warnings never stop build");
    problems.iter().map(ToString::to_string).collect()
}

#[test]
fn the_base_ruleset_has_no_warnings() {
    assert_eq!(warnings(base()), Vec::<String>::new());
}

#[test]
fn the_built_in_model_has_no_warnings_under_its_own_policy() {
    let problems = Engine::builder(models::buying_process()).check();
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn a_signal_nothing_reads() {
    let mut json = base();
    json["signals"]
        .as_array_mut()
        .unwrap()
        .insert(1, json!({"id": "age", "kind": "number"}));
    assert_eq!(
        warnings(json),
        [
            "warning: signals[1]: signal 'age' is read by no rule, tag, action or transition; \
          remove it, unless a host scorer reads it"
        ]
    );
}

#[test]
fn a_signal_read_only_by_a_tag_an_action_or_a_transition_is_used() {
    for (part, item) in [
        ("tags", json!({"id": "vip", "when": "age >= 60"})),
        (
            "actions",
            json!({"id": "call", "kind": "call", "stages": ["trial"], "value": 1,
                   "propensity": 0.5, "when": "age >= 60"}),
        ),
        (
            "actions",
            json!({"id": "call", "kind": "call", "stages": ["trial"], "value": 1,
                   "propensity": 0.5,
                   "propensity_rules": [{"when": "age >= 60", "propensity": 0.9}]}),
        ),
        (
            "transitions",
            json!({"id": "up", "to": "customer", "when": "age >= 60"}),
        ),
    ] {
        let mut json = base();
        json["signals"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "age", "kind": "number"}));
        json[part] = json!([item]);
        assert_eq!(warnings(json), Vec::<String>::new(), "{part}");
    }
}

#[test]
fn a_stage_no_rule_leads_to() {
    let mut json = base();
    json["stage_rules"][0]["stage"] = json!("customer");
    assert_eq!(
        warnings(json.clone()),
        [
            "warning: stages[1]: no rule reaches stage 'trial': it is not the entry stage, and \
          no rule or transition leads to it; add a stage rule for it or remove the stage"
        ]
    );
    // Under `highest_score` a host's scorer could still choose it.
    json["hit_policy"] = json!("highest_score");
    assert_eq!(
        warnings(json.clone()),
        [
            "warning: stages[1]: no rule reaches stage 'trial' (a host stage scorer still \
          could): it is not the entry stage, and no rule or transition leads to it; add a \
          stage rule for it or remove the stage"
        ]
    );
    // So can a score rule with positive points, under `highest_score` only.
    json["score_rules"] =
        json!([{"id": "free", "stage": "trial", "points": 2, "when": "spend < 5"}]);
    assert_eq!(warnings(json.clone()), Vec::<String>::new());
    json["score_rules"][0]["points"] = json!(-2);
    assert_eq!(warnings(json.clone()).len(), 1);
    json["score_rules"][0]["points"] = json!(2);
    json["hit_policy"] = json!("furthest");
    assert_eq!(warnings(json).len(), 1);
}

#[test]
fn the_entry_stage_is_always_reached() {
    let mut json = base();
    json["stage_rules"] = json!([
        {"id": "trying", "stage": "trial", "when": "member"},
        {"id": "ordered", "stage": "customer", "when": "orders >= 1 and spend > 0 and plan != \"free\""}
    ]);
    assert_eq!(warnings(json), Vec::<String>::new());
}

#[test]
fn a_stage_whose_only_rule_never_holds() {
    let mut json = base();
    json["stage_rules"][1]["when"] = json!("orders >= 1 and orders < 1 and spend > 0");
    assert_eq!(
        warnings(json),
        [
            "warning: stages[2]: no rule reaches stage 'customer': none of the rules and \
             transitions for it can fire; add a stage rule for it or remove the stage",
            "warning: stage_rules[1].when: the condition can never hold, so rule 'ordered' \
             never fires; fix the condition or remove the rule",
        ]
    );
}

#[test]
fn a_transition_reaches_a_stage_from_a_stage_reached() {
    let mut json = base();
    json["stage_rules"].as_array_mut().unwrap().remove(1);
    json["transitions"] = json!([
        {"id": "bought", "from": ["trial"], "to": "customer", "when": "orders >= 1 and spend > 0"}
    ]);
    assert_eq!(warnings(json.clone()), Vec::<String>::new());
    // Not from a stage no customer is in, nor by a condition that never
    // holds there.
    json["stage_rules"].as_array_mut().unwrap().clear();
    json["stage_rules"] = json!([
        {"id": "paid", "stage": "customer",
         "when": "orders >= 2 and member and plan != \"free\" and spend > 0"}
    ]);
    json["transitions"] = json!([
        {"id": "back", "from": ["customer"], "to": "trial", "back": true,
         "when": "stage == \"trial\" and orders >= 1"}
    ]);
    assert_eq!(
        warnings(json),
        [
            "warning: stages[1]: no rule reaches stage 'trial': none of the rules and \
             transitions for it can fire; add a stage rule for it or remove the stage",
            "warning: transitions[0].when: the condition can never hold, so transition 'back' \
             never fires from its stages; fix the condition or remove the transition",
        ]
    );
}

/// The warning about the condition of the base ruleset's first stage rule
/// written as `when`, if any.
fn stage_rule_warning(when: &str) -> Vec<String> {
    let mut json = base();
    json["stage_rules"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "probe", "stage": "trial", "when": when}));
    warnings(json)
}

const NEVER: &str = "warning: stage_rules[2].when: the condition can never hold, so rule \
                     'probe' never fires; fix the condition or remove the rule";
const ALWAYS: &str = "warning: stage_rules[2].when: the condition always holds, so rule \
                      'probe' fires for every customer; write `true` if that is meant, or fix \
                      the condition";

#[test]
fn conditions_that_can_never_hold() {
    for when in [
        "spend > 5 and spend < 3",
        "orders >= 1 and orders < 1",
        "present(spend) and missing(spend)",
        // Counts are whole numbers.
        "orders > 1 and orders < 2",
        "orders < 0",
        "member and member == false",
        "plan == \"free\" and plan in [\"pro\", \"team\"]",
        "spend between 5 and 3",
        "at_least(2, spend > 5, spend < 3, missing(spend))",
        "not (spend >= 0 or spend < 0 or missing(spend))",
        // Numbers are finite.
        "spend > 1.7976931348623157e308",
        "orders > 1e300 and orders < 1.0000000000000002e300",
    ] {
        assert_eq!(stage_rule_warning(when), [NEVER], "{when}");
    }
}

#[test]
fn conditions_that_always_hold() {
    for when in [
        "spend >= 0 or spend < 0 or missing(spend)",
        "orders >= 0 or missing(orders)",
        "orders > 0 or orders < 1 or missing(orders)",
        "member or member == false or missing(member)",
        "plan != \"free\" or plan == \"free\" or missing(plan)",
        "not (present(spend) and missing(spend))",
        "spend >= -1.7976931348623157e308 or missing(spend)",
    ] {
        assert_eq!(stage_rule_warning(when), [ALWAYS], "{when}");
    }
}

#[test]
fn conditions_that_sometimes_hold_or_are_not_decided_get_no_warning() {
    for when in [
        "spend > 5 and spend < 5.5",
        "orders > 1 and orders <= 2",
        "orders >= 0",
        "spend >= 0 or spend < 0",
        "orders > 1e300 and orders < 1.0000000000000004e300",
        "spend > 1.7976931348623155e308",
        "plan != \"free\" or member",
        // Written constants are meant.
        "true",
        "false",
        // Arithmetic and comparisons of two signals have no regions: the
        // lint does not decide them, though these never hold.
        "spend + 1 > 5 and spend + 1 < 3",
        "spend > orders and spend < orders",
    ] {
        assert_eq!(stage_rule_warning(when), Vec::<String>::new(), "{when}");
    }
}

#[test]
fn conditions_with_too_many_points_are_not_decided() {
    // Seven signals of two regions each with the same contradiction: 2^7
    // points are decided, and 2^13 (over the bound of 4096) are not.
    let contradiction = |signals: usize| {
        let mut json = base();
        json["signals"] = (0..signals)
            .map(|i| json!({"id": format!("s{i}"), "kind": "count"}))
            .collect();
        let any: Vec<String> = (0..signals).map(|i| format!("s{i} >= 1")).collect();
        let when = format!("({}) and s0 < 1 and s0 >= 1", any.join(" or "));
        json["stage_rules"] = json!([{"id": "probe", "stage": "trial", "when": when}]);
        warnings(json)
    };
    assert!(contradiction(7)
        .iter()
        .any(|w| w.contains("can never hold")));
    assert!(!contradiction(13)
        .iter()
        .any(|w| w.contains("can never hold")));
}

#[test]
fn every_kind_of_condition_is_decided_at_its_place() {
    let mut json = base();
    json["score_rules"] = json!([
        {"id": "big", "stage": "customer", "points": 1, "when": "spend > 5 and spend < 3"}
    ]);
    json["tags"] = json!([
        {"id": "everyone", "when": "orders >= 0 or missing(orders)"},
        {"id": "nobody", "when": "orders < 0"}
    ]);
    json["actions"] = json!([{
        "id": "call", "kind": "call", "stages": ["trial"], "value": 1, "propensity": 0.5,
        "when": "member and member == false",
        "propensity_rules": [{"when": "plan == \"free\" or plan != \"free\" or missing(plan)", "propensity": 0.9}]
    }]);
    json["transitions"] = json!([
        {"id": "up", "to": "customer", "when": "orders > 1 and orders < 2"}
    ]);
    assert_eq!(
        warnings(json),
        [
            "warning: score_rules[0].when: the condition can never hold, so rule 'big' never \
             fires; fix the condition or remove the rule",
            "warning: tags[0].when: the condition always holds, so every customer has tag \
             'everyone'; write `true` if that is meant, or fix the condition",
            "warning: tags[1].when: the condition can never hold, so no customer has tag \
             'nobody'; fix the condition or remove the tag",
            "warning: actions[0].when: the condition can never hold, so action 'call' is never \
             suggested; fix the condition or remove the action",
            "warning: actions[0].propensity_rules[0].when: the condition always holds, so this \
             propensity rule of action 'call' applies to every customer it reaches, so the \
             rules after it and the action's own propensity never do; write `true` if that is \
             meant, or fix the condition",
            "warning: transitions[0].when: the condition can never hold, so transition 'up' \
             never fires from its stages; fix the condition or remove the transition",
        ]
    );
}

#[test]
fn a_transition_condition_knows_the_stage_it_is_tried_from() {
    let mut json = base();
    json["transitions"] = json!([
        {"id": "up", "from": ["trial"], "to": "customer", "when": "stage == \"trial\" and days_in_stage >= 0"},
        {"id": "on", "from": ["prospect"], "to": "customer", "when": "stage == \"trial\" and orders >= 1"},
        {"id": "late", "from": ["prospect", "trial"], "to": "customer", "when": "days_in_stage >= 3"}
    ]);
    assert_eq!(
        warnings(json),
        [
            "warning: transitions[0].when: the condition always holds, so transition 'up' \
             fires from its stages whatever the signals; write `true` if that is meant, or \
             fix the condition",
            "warning: transitions[1].when: the condition can never hold, so transition 'on' \
             never fires from its stages; fix the condition or remove the transition",
        ]
    );
}

#[test]
fn a_first_hit_rule_that_an_earlier_one_always_beats() {
    let mut json = base();
    json["hit_policy"] = json!("first");
    json["stage_rules"] = json!([
        {"id": "trying", "stage": "trial", "when": "member or orders >= 1 or plan == \"pro\""},
        {"id": "ordered", "stage": "customer", "when": "orders >= 2 and spend > 0"}
    ]);
    assert_eq!(
        warnings(json.clone()),
        [
            "warning: stages[2]: no rule reaches stage 'customer': none of the rules and \
             transitions for it can fire; add a stage rule for it or remove the stage",
            "warning: stage_rules[1].when: rule 'ordered' never fires: rule 'trying' is tried \
             before it and holds whenever it does; give 'ordered' a higher priority or remove \
             it",
        ]
    );
    // Tried first, it fires.
    json["stage_rules"][1]["priority"] = json!(1);
    assert_eq!(warnings(json.clone()), Vec::<String>::new());
    // Under `furthest` both fire.
    json["stage_rules"][1]["priority"] = json!(0);
    json["hit_policy"] = json!("furthest");
    assert_eq!(warnings(json), Vec::<String>::new());
}

#[test]
fn an_action_that_is_never_suggested() {
    let action = |extra: Json| {
        let mut action = json!({
            "id": "call", "kind": "call", "stages": ["trial"], "value": 1, "propensity": 0.5
        });
        action
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let mut json = base();
        json["tags"] = json!([
            {"id": "everyone", "when": "true"},
            {"id": "nobody", "when": "false"},
            {"id": "paying", "when": "orders >= 1"},
            {"id": "big", "when": "spend > 100"}
        ]);
        json["actions"] = json!([action]);
        warnings(json)
    };
    assert_eq!(
        action(json!({"requires_tags": ["paying", "nobody"]})),
        [
            "warning: actions[0].requires_tags[1]: action 'call' is never suggested: it requires \
          tag 'nobody', which no customer has; remove the tag from requires_tags or fix its \
          condition"
        ]
    );
    assert_eq!(
        action(json!({"excludes_tags": ["everyone"]})),
        [
            "warning: actions[0].excludes_tags[0]: action 'call' is never suggested: it excludes \
          tag 'everyone', which every customer has; remove the tag from excludes_tags or fix \
          its condition"
        ]
    );
    assert_eq!(
        action(json!({"requires_tags": ["paying"], "when": "orders == 0"})),
        [
            "warning: actions[0]: action 'call' is never suggested: its condition, the tags it \
          requires and the tags it excludes never hold together; loosen one of them"
        ]
    );
    assert_eq!(
        action(
            json!({"requires_tags": ["big"], "excludes_tags": ["paying"], "when": "spend > 50"})
        ),
        Vec::<String>::new()
    );
}

#[test]
fn an_action_only_for_stages_no_rule_reaches() {
    let mut json = base();
    json["stages"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "churned", "name": "Churned"}));
    json["actions"] = json!([
        {"id": "winback", "kind": "call", "stages": ["churned"], "value": 1, "propensity": 0.5},
        {"id": "survey", "kind": "mail", "stages": ["churned", "customer"], "value": 1, "propensity": 0.5}
    ]);
    assert_eq!(
        warnings(json),
        [
            "warning: stages[3]: no rule reaches stage 'churned': it is not the entry stage, \
             and no rule or transition leads to it; add a stage rule for it or remove the \
             stage",
            "warning: actions[0].stages: action 'winback' is never suggested: no rule reaches \
             stage 'churned'; add a stage a customer can be in",
        ]
    );
}

#[test]
fn warnings_never_stop_build_and_come_in_ruleset_order() {
    let mut json = base();
    json["signals"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "age", "kind": "number"}));
    json["stage_rules"][1]["when"] = json!("orders < 0");
    json["tags"] = json!([{"id": "nobody", "when": "spend > 5 and spend < 3"}]);
    let spec = spec(json);
    let problems = Engine::builder(spec.clone()).check();
    assert!(!problems.has_errors());
    assert!(problems.iter().all(|p| p.severity() == Severity::Warning));
    let paths: Vec<&str> = problems.iter().map(|p| p.location().path()).collect();
    assert_eq!(
        paths,
        [
            "signals[4]",
            "stages[2]",
            "stage_rules[1].when",
            "tags[0].when"
        ]
    );
    assert!(problems.iter().all(|p| p.location().column().is_none()));
    let engine = Engine::builder(spec)
        .build()
        .expect("warnings do not stop build");
    assert_eq!(engine.model().len(), 3);
}

#[test]
fn errors_come_without_warnings() {
    let mut json = base();
    json["signals"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "age", "kind": "number"}));
    json["stage_rules"][1]["when"] = json!("orders >");
    let problems = Engine::builder(spec(json)).check();
    assert!(problems.has_errors());
    assert_eq!(problems.warnings().count(), 0);
}

/// Prints what the lint says about every ruleset of `tests/data`, the
/// built-in model under each hit policy, and the examples' rulesets; and
/// checks that it says nothing about them.
#[test]
fn the_shipped_rulesets_have_no_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut specs = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        if !json["ruleset"].is_string() {
            specs.push((path.display().to_string(), spec(json["ruleset"].clone())));
        }
    }
    for policy in [
        HitPolicy::First,
        HitPolicy::Furthest,
        HitPolicy::HighestScore,
    ] {
        let mut spec = models::buying_process();
        spec.hit_policy = policy;
        specs.push((format!("built-in model, {policy:?}"), spec));
    }
    for (name, spec) in specs {
        let problems = Engine::builder(spec).check();
        assert!(problems.is_empty(), "{name}:\n{problems}");
    }
    // The throughput example's generated rulesets declare every signal its
    // customers have, and the smaller ones read only some; their random
    // rules contradict themselves now and then.
    let problems = Engine::builder(generated::ruleset(10).spec).check();
    assert_eq!(problems.len(), 47, "{problems}");
    assert!(problems
        .iter()
        .all(|p| p.location().path().starts_with("signals[")));
    let generated = generated::ruleset(1000).spec;
    let problems = Engine::builder(generated.clone()).check();
    let never: Vec<String> = problems
        .iter()
        .filter(|p| p.message().contains("can never hold"))
        .map(|p| {
            let path = p.location().path();
            let i: usize = path["stage_rules[".len()..path.len() - "].when".len()]
                .parse()
                .unwrap();
            format!("{path}: {:?}", generated.stage_rules[i].when)
        })
        .collect();
    assert_eq!(
        never,
        [
            "stage_rules[426].when: Text(\"signal_40 < 1 and signal_40 >= 8\")",
            "stage_rules[775].when: Text(\"signal_14 >= 2 and signal_23 > 50 and signal_23 <= 50\")",
            "stage_rules[912].when: Text(\"signal_23 > 90 and signal_23 <= 50\")",
        ]
    );
    assert_eq!(problems.len(), 4, "{problems}");
}

// ---------------------------------------------------------------------------
// The property: never and always are right, and silence means both happen
// ---------------------------------------------------------------------------

/// The signals of the generated conditions: one of each kind.
const SIGNALS: [&str; 4] = ["spend", "orders", "member", "plan"];

/// An atom over one of the signals, with constants from `constants`.
fn atom() -> impl Strategy<Value = String> {
    let constant = prop_oneof![
        (-3i32..8).prop_map(f64::from),
        (-6i32..16).prop_map(|n| f64::from(n) / 2.0),
        Just(0.1),
    ];
    let op = prop_oneof![
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">="),
        Just("=="),
        Just("!=")
    ];
    let numeric = prop_oneof![Just("spend"), Just("orders")];
    let label = prop_oneof![Just("free"), Just("pro"), Just("team")];
    prop_oneof![
        4 => (numeric.clone(), op, constant.clone()).prop_map(|(s, op, c)| format!("{s} {op} {c}")),
        1 => (numeric.clone(), constant.clone(), constant.clone())
            .prop_map(|(s, a, b)| format!("{s} between {a} and {b}")),
        1 => (numeric.clone(), constant.clone(), constant)
            .prop_map(|(s, a, b)| format!("{s} in [{a}, {b}]")),
        1 => prop_oneof![Just("member"), Just("member == false"), Just("member != true")]
            .prop_map(str::to_owned),
        1 => (prop_oneof![Just("=="), Just("!=")], label.clone())
            .prop_map(|(op, l)| format!("plan {op} \"{l}\"")),
        1 => (label.clone(), label).prop_map(|(a, b)| format!("plan in [\"{a}\", \"{b}\"]")),
        1 => (prop_oneof![Just("present"), Just("missing")], prop_oneof![
                Just("spend"), Just("orders"), Just("member"), Just("plan")
            ])
            .prop_map(|(f, s)| format!("{f}({s})")),
    ]
}

/// A condition of atoms joined by `and`, `or`, `not` and `at_least`.
fn condition() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|items| format!("({})", items.join(" and "))),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|items| format!("({})", items.join(" or "))),
            inner.clone().prop_map(|item| format!("not ({item})")),
            prop::collection::vec(inner, 2..4)
                .prop_map(|items| format!("at_least(2, {})", items.join(", "))),
        ]
    })
}

/// Values to try for each signal: for the number every constant of the
/// condition and its neighbours, whole numbers past the constants for the
/// count, every flag and label, and missing.
fn samples(text: &str) -> Vec<Vec<Option<Json>>> {
    let mut constants = vec![0.0, -1.0e9, 1.0e9];
    for word in text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
        if let Ok(c) = word.parse::<f64>() {
            constants.extend([c, c.next_up(), c.next_down(), c.floor(), c.ceil() + 1.0]);
        }
    }
    constants.sort_by(f64::total_cmp);
    constants.dedup();
    let spend: Vec<Option<Json>> = constants.iter().map(|&c| Some(json!(c))).collect();
    // The generated constants are below 8.
    let orders: Vec<Option<Json>> = (0..=9)
        .chain([1_000_000_000])
        .map(|n| Some(json!(n)))
        .collect();
    let member = vec![Some(json!(true)), Some(json!(false))];
    let plan = vec![Some(json!("free")), Some(json!("pro")), Some(json!("team"))];
    // A signal the condition does not read stays missing.
    [spend, orders, member, plan]
        .into_iter()
        .zip(SIGNALS)
        .map(|(mut values, id)| {
            if !text.contains(id) {
                values.clear();
            }
            values.push(None);
            values
        })
        .collect()
}

/// Whether `condition` holds at some sampled point, and fails at some.
fn holds_and_fails(condition: &Condition, text: &str) -> (bool, bool) {
    let spec = spec(base());
    let schema = spec.schema().unwrap();
    let samples = samples(text);
    let (mut holds, mut fails) = (false, false);
    let mut digits = [0usize; 4];
    loop {
        let mut record = schema.record();
        for (i, &digit) in digits.iter().enumerate() {
            if let Some(value) = &samples[i][digit] {
                let set = match value {
                    Json::Number(n) => record.set(SIGNALS[i], n.as_f64().unwrap()),
                    Json::Bool(b) => record.set(SIGNALS[i], *b),
                    Json::String(s) => record.set(SIGNALS[i], s.as_str()),
                    _ => unreachable!(),
                };
                set.unwrap();
            }
        }
        if condition.evaluate(&schema, &record).unwrap() {
            holds = true;
        } else {
            fails = true;
        }
        let mut place = 0;
        loop {
            if place == 4 {
                return (holds, fails);
            }
            digits[place] += 1;
            if digits[place] < samples[place].len() {
                break;
            }
            digits[place] = 0;
            place += 1;
        }
    }
}

/// Whether the lint's enumeration of `text` surely has at most 4096
/// points: each numeric signal has at most two regions per constant and two
/// more, the flag three values and the category four.
fn within_bound(text: &str) -> bool {
    let mut constants: Vec<f64> = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter_map(|word| word.parse().ok())
        .collect();
    constants.sort_by(f64::total_cmp);
    constants.dedup();
    let regions = 2 * constants.len() + 2;
    regions * regions * 3 * 4 <= 4096
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn never_and_always_are_right(text in condition()) {
        let mut json = base();
        json["tags"] = json!([{"id": "probe", "when": text}]);
        let problems = Engine::builder(spec(json)).check();
        prop_assert!(!problems.has_errors(), "{}", problems);
        let said: Vec<&str> = problems
            .iter()
            .filter(|p| p.location().path() == "tags[0].when")
            .map(|p| p.message())
            .collect();
        let condition = Condition::parse(&text).unwrap();
        let (holds, fails) = holds_and_fails(&condition, &text);
        match said[..] {
            // Within the bound every condition is decided.
            [] if within_bound(&text) => {
                prop_assert!(holds && fails, "silent, but holds {} fails {}: {}", holds, fails, text);
            }
            [] => {}
            [message] if message.contains("can never hold") => {
                prop_assert!(!holds, "said never, but holds: {}", text);
            }
            [message] if message.contains("always holds") => {
                prop_assert!(!fails, "said always, but fails: {}", text);
            }
            _ => prop_assert!(false, "unexpected: {:?}", said),
        }
    }
}

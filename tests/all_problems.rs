//! `EngineBuilder::check` reports every error of a ruleset at once, each
//! once, in the order of the ruleset; `build` fails with the first of them.

use buyer_journey::{
    models, Derivation, Engine, EventSpec, FromStages, Limits, Problem, RulesetSpec, ScoreRuleSpec,
    SignalSpec, StageSpec, Tally, ValueRange,
};
use proptest::prelude::*;

use crate::support::build_fails;

/// The errors `check` reports for `spec` under the default limits, one
/// line each.
fn problems(spec: RulesetSpec) -> Vec<String> {
    problems_under(spec, Limits::default())
}

fn problems_under(spec: RulesetSpec, limits: Limits) -> Vec<String> {
    Engine::builder(spec)
        .limits(limits)
        .check()
        .errors()
        .map(ToString::to_string)
        .collect()
}

fn position<T>(items: &[T], id: impl Fn(&T) -> &str, wanted: &str) -> usize {
    items
        .iter()
        .position(|item| id(item) == wanted)
        .unwrap_or_else(|| panic!("the built-in model has '{wanted}'"))
}

type Mistake = fn(&mut RulesetSpec);

/// One mistake in each of several parts of the built-in model.
const MISTAKES: [Mistake; 8] = [
    |spec| spec.stage_rules[0].when = "need_serches >= 1".into(),
    |spec| spec.stage_rules[1].stage = "evaluaton".into(),
    |spec| spec.tags[0].when = "purchases >".into(),
    |spec| spec.actions[2].value = -1.0,
    |spec| spec.actions[3].requires_tags = vec!["loyl".into()],
    |spec| spec.arbitration.max_suggestions = 0,
    |spec| spec.transitions[0].to = "nowhere".into(),
    |spec| spec.events[3].value = Some(ValueRange::between(10.0, 0.0)),
];

#[test]
fn mistakes_in_several_parts_are_each_reported_once_in_ruleset_order() {
    let mut spec = models::buying_process();
    for mistake in MISTAKES {
        mistake(&mut spec);
    }
    assert_eq!(
        problems(spec),
        [
            "error: stage_rules[0].when, column 1: unknown signal 'need_serches', did you mean \
             'need_searches'?",
            "error: stage_rules[1].stage: unknown stage 'evaluaton', did you mean 'evaluation'?",
            "error: tags[0].when, column 12: expected a value, found the end of the text",
            "error: actions[2].value: value must be a finite number >= 0, found -1",
            "error: actions[3].requires_tags[0]: unknown tag 'loyl', did you mean 'loyal'?",
            "error: arbitration.max_suggestions: max_suggestions must be at least 1",
            "error: transitions[0].to: unknown stage 'nowhere'",
            "error: events[3].value: min 10 is above max 0",
        ]
    );
}

#[test]
fn each_mistake_is_listed_as_build_reports_it_alone() {
    let mut all = models::buying_process();
    let mut alone = Vec::new();
    for mistake in MISTAKES {
        mistake(&mut all);
        let mut spec = models::buying_process();
        mistake(&mut spec);
        alone.push(Problem::from(build_fails(spec)));
    }
    let listed: Vec<Problem> = Engine::builder(all).check().errors().cloned().collect();
    assert_eq!(listed, alone);
}

#[test]
fn every_field_of_a_rule_is_checked() {
    let mut spec = models::buying_process();
    spec.stage_rules[2].stage = "evaluaton".into();
    spec.stage_rules[2].when = "reviews_red >= 1".into();
    spec.score_rules.push(ScoreRuleSpec::new(
        "nowhere.points",
        "nowhere",
        "cart_adds >",
        f64::NAN,
    ));
    spec.score_rules[0].id = "nowhere points".into();
    assert_eq!(
        problems(spec),
        [
            "error: stage_rules[2].stage: unknown stage 'evaluaton', did you mean 'evaluation'?",
            "error: stage_rules[2].when, column 1: unknown signal 'reviews_red', did you mean \
             'reviews_read'?",
            "error: score_rules[0].id: rule id 'nowhere points' must be letters, digits and '_', \
             '.', '-', ':', '/'",
            "error: score_rules[0].stage: unknown stage 'nowhere'",
            "error: score_rules[0].when, column 12: expected a value, found the end of the text",
            "error: score_rules[0].points: points must be a finite number, found NaN",
        ]
    );
}

#[test]
fn every_field_of_an_action_is_checked() {
    let mut spec = models::buying_process();
    let action = &mut spec.actions[0];
    action.kind = "Education".into();
    action.stages = vec!["evaluation".into(), "nowhere".into(), "checkout".into()];
    action.when = Some("satisfaction >= ".into());
    action.excludes_tags = vec!["satisfied".into(), "vip".into()];
    action.requires_tags = vec!["satisfied".into()];
    action.weight = f64::INFINITY;
    action.propensity_rules[0].propensity = 1.5;
    action.contact.max_dismissals = Some(0);
    assert_eq!(
        problems(spec),
        [
            "error: actions[0].kind: 'Education' is not a snake_case id (a lowercase letter, \
             then lowercase letters, digits or '_')",
            "error: actions[0].stages[1]: unknown stage 'nowhere'",
            "error: actions[0].stages[2]: unknown stage 'checkout'",
            "error: actions[0].when, column 17: expected a value, found the end of the text",
            "error: actions[0].excludes_tags[1]: unknown tag 'vip'",
            "error: actions[0].excludes_tags: action 'need_recognition.product_overview' both \
             requires and excludes tag 'satisfied', so it can never be suggested",
            "error: actions[0].weight: weight must be a finite number >= 0, found inf",
            "error: actions[0].propensity_rules[0].propensity: a propensity must be between 0 \
             and 1, found 1.5",
            "error: actions[0].contact.max_dismissals: a limit of 0 dismissals means action \
             'need_recognition.product_overview' is never shown: remove the action or give it \
             weight 0",
        ]
    );
}

#[test]
fn a_transition_reports_its_from_list_before_its_target() {
    let mut spec = models::buying_process();
    let rule = &mut spec.transitions[0];
    rule.id = "forward information search".into();
    rule.from = FromStages::Stages(vec!["purchase".into(), "nowhere".into()]);
    rule.to = "evaluaton".into();
    rule.when = "stage == \"evaluaton\"".into();
    assert_eq!(
        problems(spec),
        [
            "error: transitions[0].id: transition id 'forward information search' must be \
             letters, digits and '_', '.', '-', ':', '/'",
            "error: transitions[0].from[0]: unknown stage 'purchase', did you mean \
             'purchase_decision'?",
            "error: transitions[0].from[1]: unknown stage 'nowhere'",
            "error: transitions[0].to: unknown stage 'evaluaton', did you mean 'evaluation'?",
            "error: transitions[0].when, column 10: unknown label 'evaluaton' for signal \
             'stage', did you mean 'evaluation'?",
        ]
    );
}

#[test]
fn a_broken_signal_is_reported_once_not_by_every_condition_that_reads_it() {
    let mut spec = models::buying_process();
    let i = position(&spec.signals, |s| &s.id, "reviews_read");
    spec.signals[i].labels = vec!["many".into()];
    // Stage rules, transitions and a propensity rule read it.
    assert_eq!(
        problems(spec),
        ["error: signals[3].labels: signal 'reviews_read' is a count and cannot have labels"]
    );
}

#[test]
fn a_signal_derived_wrongly_is_reported_once() {
    let mut spec = models::buying_process();
    let i = position(&spec.signals, |s| &s.id, "purchases");
    spec.signals[i].from = Some(Derivation::Count(Tally::of(&["purchase", "purchse"])));
    spec.signals.push(SignalSpec::count("stage"));
    assert_eq!(
        problems(spec),
        [
            "error: signals[11].from.count.events[1]: unknown event 'purchse', did you mean \
             'purchase'?",
            "error: signals[16].id: 'stage' names a value of transition conditions (`stage` is \
             the customer's stage, `days_in_stage` the days in it); rename the signal",
        ]
    );
}

#[test]
fn a_broken_stage_is_reported_once_not_by_every_rule_that_names_it() {
    let mut spec = models::buying_process();
    let i = position(&spec.stages, |s| &s.id, "evaluation");
    spec.stages[i].name = " ".into();
    // Rules, actions, transitions and transition conditions (`stage ==
    // "evaluation"`) name it.
    assert_eq!(
        problems(spec),
        ["error: stages[2].name: stage 'evaluation' needs a name"]
    );
}

#[test]
fn a_broken_tag_is_reported_once_not_by_every_action_that_needs_it() {
    let mut spec = models::buying_process();
    let i = position(&spec.tags, |t| &t.id, "returning");
    spec.tags[i].when = "purchases >=".into();
    assert!(spec
        .actions
        .iter()
        .any(|action| action.requires_tags.contains(&"returning".to_owned())));
    assert_eq!(
        problems(spec),
        ["error: tags[2].when, column 13: expected a value, found the end of the text"]
    );
}

#[test]
fn a_broken_event_is_reported_once_not_by_every_signal_derived_from_it() {
    let mut spec = models::buying_process();
    let i = position(&spec.events, |e| &e.id, "purchase");
    spec.events[i].value = Some(ValueRange::between(1.0, f64::INFINITY));
    assert_eq!(
        problems(spec),
        ["error: events[11].value.max: a bound must be a finite number"]
    );
}

#[test]
fn a_broken_action_is_reported_alone() {
    let mut spec = models::buying_process();
    spec.actions[4].stages.clear();
    let id = spec.actions[4].id.clone();
    assert_eq!(
        problems(spec),
        [format!(
            "error: actions[4].stages: action '{id}' needs at least one stage"
        )]
    );
}

#[test]
fn a_second_declaration_is_reported_even_when_the_first_is_broken() {
    let mut spec = models::buying_process();
    spec.signals[0].labels = vec!["x".into()];
    spec.signals.push(SignalSpec::number("need_searches"));
    spec.events
        .push(EventSpec::new("purchase").carrying(ValueRange::any()));
    assert_eq!(
        problems(spec),
        [
            "error: signals[0].labels: signal 'need_searches' is a count and cannot have labels",
            "error: signals[16].id: signal 'need_searches' is declared twice",
            "error: events[17].id: event 'purchase' is declared twice",
        ]
    );
}

#[test]
fn a_model_without_stages_is_reported_once_and_the_rest_still_checked() {
    let mut spec = models::buying_process();
    spec.stages.clear();
    spec.tags[0].when = "purchases >".into();
    assert_eq!(
        problems(spec),
        [
            "error: stages: a stage model needs at least one stage",
            "error: tags[0].when, column 12: expected a value, found the end of the text",
        ]
    );
}

#[test]
fn a_part_over_its_count_bound_is_reported_once_and_not_looked_into() {
    let over = |limits: Limits, mistake: Mistake| {
        let mut spec = models::buying_process();
        mistake(&mut spec);
        problems_under(spec, limits)
    };
    let limits = Limits::default;
    // The mistake is in the part over its bound, so it is not reported.
    assert_eq!(
        over(limits().max_signals(3), |spec| spec.signals[0].id =
            "Bad".into()),
        [
            "error: signals: the number of signals is 16, over the limit of 3 (see \
          `Limits::max_signals`)"
        ]
    );
    assert_eq!(
        over(limits().max_stages(3), |spec| spec.stages[0].name.clear()),
        [
            "error: stages: the number of stages is 5, over the limit of 3 (see \
          `Limits::max_stages`)"
        ]
    );
    assert_eq!(
        over(limits().max_tags(3), |spec| spec.tags[0].when = ">".into()),
        ["error: tags: the number of tags is 8, over the limit of 3 (see `Limits::max_tags`)"]
    );
    assert_eq!(
        over(limits().max_events(3), |spec| spec.events[0].id =
            "Bad".into()),
        [
            "error: events: the number of event types is 17, over the limit of 3 (see \
          `Limits::max_events`)"
        ]
    );
    // The rules count to one bound: stage rules first, so the parts after
    // the one that goes over are left too.
    assert_eq!(
        over(limits().max_rules(3), |spec| spec.transitions[0].when =
            ">".into()),
        [
            "error: stage_rules: the number of rules is 14, over the limit of 3 (see \
          `Limits::max_rules`)"
        ]
    );
    // A mistake outside the part over its bound is still reported.
    assert_eq!(
        over(limits().max_actions(3), |spec| spec.tags[0].when =
            "purchases >".into()),
        [
            "error: tags[0].when, column 12: expected a value, found the end of the text",
            "error: actions: the number of actions is 32, over the limit of 3 (see \
             `Limits::max_actions`)",
        ]
    );
}

#[test]
fn schema_and_stage_model_fail_with_the_first_error_check_lists() {
    let mut spec = models::buying_process();
    spec.signals.push(SignalSpec::count("Bad"));
    let mut vip = SignalSpec::flag("vip");
    vip.labels = vec!["gold".into()];
    spec.signals.push(vip);
    spec.stages[1].name.clear();
    spec.stages.push(StageSpec::new("and", "And", ""));
    assert_eq!(
        problems(spec.clone()),
        [
            "error: signals[16].id: 'Bad' is not a snake_case id (a lowercase letter, then \
             lowercase letters, digits or '_')",
            "error: signals[17].labels: signal 'vip' is a flag and cannot have labels",
            "error: stages[1].name: stage 'information_search' needs a name",
            "error: stages[5].id: 'and' is a keyword of the condition language and cannot name \
             a stage",
        ]
    );
    assert_eq!(
        spec.schema().unwrap_err().to_string(),
        "signals[16].id: 'Bad' is not a snake_case id (a lowercase letter, then lowercase \
         letters, digits or '_')"
    );
    assert_eq!(
        spec.stage_model().unwrap_err().to_string(),
        "stages[1].name: stage 'information_search' needs a name"
    );
}

/// One mistake a person might make in the built-in model; indices are
/// taken modulo the length of the part they point into.
#[derive(Debug, Clone)]
enum Mutation {
    SignalId(usize, &'static str),
    SignalLabels(usize),
    SignalFrom(usize, &'static str),
    StageId(usize, &'static str),
    StageName(usize),
    ClearStages,
    RuleId(usize, &'static str),
    RuleStage(usize, &'static str),
    RuleWhen(usize, &'static str),
    ScoreRule(&'static str, &'static str, f64),
    TagId(usize, &'static str),
    TagWhen(usize, &'static str),
    ActionId(usize, &'static str),
    ActionStage(usize, &'static str),
    ActionTag(usize, &'static str),
    ActionValue(usize, f64),
    ActionPropensity(usize, f64),
    NoSuggestions,
    TransitionTo(usize, &'static str),
    TransitionWhen(usize, &'static str),
    EventId(usize, &'static str),
    EventRange(usize),
    Limits(usize),
}

const IDS: &[&str] = &[
    "Bad",
    "and",
    "stage",
    "purchases",
    "evaluation",
    "returning",
    "fresh",
    "bad id",
    "",
];
const STAGES: &[&str] = &["evaluation", "evaluaton", "nowhere", "post_purchase"];
const CONDITIONS: &[&str] = &[
    "purchases >= 1",
    "need_serches >= 1",
    "purchases >",
    "purchases == \"x\"",
    "stage == \"evaluation\"",
    "stage == \"evaluaton\"",
    "days_in_stage > 3",
    "satisfaction between 1 and",
    "true",
];
const TAGS: &[&str] = &["returning", "loyl", "satisfied"];
const EVENTS: &[&str] = &["purchase", "purchse", "satisfaction"];
const NUMBERS: &[f64] = &[0.5, -1.0, 2.0, f64::NAN, f64::INFINITY];

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = 0..64usize;
    let id = proptest::sample::select(IDS);
    let stage = proptest::sample::select(STAGES);
    let when = proptest::sample::select(CONDITIONS);
    let tag = proptest::sample::select(TAGS);
    let event = proptest::sample::select(EVENTS);
    let number = proptest::sample::select(NUMBERS);
    prop_oneof![
        (i.clone(), id.clone()).prop_map(|(i, id)| Mutation::SignalId(i, id)),
        i.clone().prop_map(Mutation::SignalLabels),
        (i.clone(), event.clone()).prop_map(|(i, e)| Mutation::SignalFrom(i, e)),
        (i.clone(), id.clone()).prop_map(|(i, id)| Mutation::StageId(i, id)),
        i.clone().prop_map(Mutation::StageName),
        Just(Mutation::ClearStages),
        (i.clone(), id.clone()).prop_map(|(i, id)| Mutation::RuleId(i, id)),
        (i.clone(), stage.clone()).prop_map(|(i, s)| Mutation::RuleStage(i, s)),
        (i.clone(), when.clone()).prop_map(|(i, w)| Mutation::RuleWhen(i, w)),
        (stage.clone(), when.clone(), number.clone())
            .prop_map(|(s, w, n)| Mutation::ScoreRule(s, w, n)),
        (i.clone(), id.clone()).prop_map(|(i, id)| Mutation::TagId(i, id)),
        (i.clone(), when.clone()).prop_map(|(i, w)| Mutation::TagWhen(i, w)),
        (i.clone(), id).prop_map(|(i, id)| Mutation::ActionId(i, id)),
        (i.clone(), stage.clone()).prop_map(|(i, s)| Mutation::ActionStage(i, s)),
        (i.clone(), tag).prop_map(|(i, t)| Mutation::ActionTag(i, t)),
        (i.clone(), number.clone()).prop_map(|(i, n)| Mutation::ActionValue(i, n)),
        (i.clone(), number).prop_map(|(i, n)| Mutation::ActionPropensity(i, n)),
        Just(Mutation::NoSuggestions),
        (i.clone(), stage).prop_map(|(i, s)| Mutation::TransitionTo(i, s)),
        (i.clone(), when).prop_map(|(i, w)| Mutation::TransitionWhen(i, w)),
        (i.clone(), event).prop_map(|(i, e)| Mutation::EventId(i, e)),
        i.clone().prop_map(Mutation::EventRange),
        i.prop_map(Mutation::Limits),
    ]
}

fn at<T>(items: &mut [T], i: usize) -> Option<&mut T> {
    let len = items.len();
    items.get_mut(i % len.max(1))
}

fn apply(mutation: &Mutation, spec: &mut RulesetSpec, limits: &mut Limits) {
    match *mutation {
        Mutation::SignalId(i, id) => {
            if let Some(s) = at(&mut spec.signals, i) {
                s.id = id.into();
            }
        }
        Mutation::SignalLabels(i) => {
            if let Some(s) = at(&mut spec.signals, i) {
                s.labels = vec!["x".into()];
            }
        }
        Mutation::SignalFrom(i, event) => {
            if let Some(s) = at(&mut spec.signals, i) {
                s.from = Some(Derivation::Count(Tally::of(&[event])));
            }
        }
        Mutation::StageId(i, id) => {
            if let Some(s) = at(&mut spec.stages, i) {
                s.id = id.into();
            }
        }
        Mutation::StageName(i) => {
            if let Some(s) = at(&mut spec.stages, i) {
                s.name = " ".into();
            }
        }
        Mutation::ClearStages => spec.stages.clear(),
        Mutation::RuleId(i, id) => {
            if let Some(r) = at(&mut spec.stage_rules, i) {
                r.id = id.into();
            }
        }
        Mutation::RuleStage(i, stage) => {
            if let Some(r) = at(&mut spec.stage_rules, i) {
                r.stage = stage.into();
            }
        }
        Mutation::RuleWhen(i, when) => {
            if let Some(r) = at(&mut spec.stage_rules, i) {
                r.when = when.into();
            }
        }
        Mutation::ScoreRule(stage, when, points) => {
            let rule = ScoreRuleSpec::new("extra.points", stage, when, points);
            spec.score_rules.push(rule);
        }
        Mutation::TagId(i, id) => {
            if let Some(t) = at(&mut spec.tags, i) {
                t.id = id.into();
            }
        }
        Mutation::TagWhen(i, when) => {
            if let Some(t) = at(&mut spec.tags, i) {
                t.when = when.into();
            }
        }
        Mutation::ActionId(i, id) => {
            if let Some(a) = at(&mut spec.actions, i) {
                a.id = id.into();
            }
        }
        Mutation::ActionStage(i, stage) => {
            if let Some(a) = at(&mut spec.actions, i) {
                a.stages.push(stage.into());
            }
        }
        Mutation::ActionTag(i, tag) => {
            if let Some(a) = at(&mut spec.actions, i) {
                a.excludes_tags.push(tag.into());
            }
        }
        Mutation::ActionValue(i, value) => {
            if let Some(a) = at(&mut spec.actions, i) {
                a.value = value;
            }
        }
        Mutation::ActionPropensity(i, propensity) => {
            if let Some(a) = at(&mut spec.actions, i) {
                a.propensity = propensity;
            }
        }
        Mutation::NoSuggestions => spec.arbitration.max_suggestions = 0,
        Mutation::TransitionTo(i, stage) => {
            if let Some(t) = at(&mut spec.transitions, i) {
                t.to = stage.into();
            }
        }
        Mutation::TransitionWhen(i, when) => {
            if let Some(t) = at(&mut spec.transitions, i) {
                t.when = when.into();
            }
        }
        Mutation::EventId(i, id) => {
            if let Some(e) = at(&mut spec.events, i) {
                e.id = id.into();
            }
        }
        Mutation::EventRange(i) => {
            if let Some(e) = at(&mut spec.events, i) {
                e.value = Some(ValueRange::between(1.0, 0.0));
            }
        }
        Mutation::Limits(i) => {
            *limits = match i % 6 {
                0 => limits.max_signals(10),
                1 => limits.max_stages(3),
                2 => limits.max_tags(4),
                3 => limits.max_actions(20),
                4 => limits.max_rules(20),
                _ => limits.max_events(10),
            };
        }
    }
}

/// The rank of the part of the ruleset a path is in, and the index of the
/// item in it (0 for the part as a whole).
fn place(path: &str) -> (usize, usize) {
    const PARTS: [&str; 12] = [
        "signals",
        "stages",
        "hit_policy",
        "stage_rules",
        "score_rules",
        "tags",
        "actions",
        "arbitration",
        "transitions",
        "events",
        "event_tolerance",
        "scenarios",
    ];
    let end = path.find(['[', '.']).unwrap_or(path.len());
    let part = PARTS
        .iter()
        .position(|&part| part == &path[..end])
        .unwrap_or_else(|| panic!("'{path}' is in a part of the ruleset"));
    let item = path[end..]
        .strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .map_or(0, |index| index.parse().unwrap());
    (part, item)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the mistakes: `build` fails exactly when `check` lists an
    /// error, with the first one; no problem is listed twice; and the list
    /// follows the ruleset, part by part and item by item.
    #[test]
    fn check_and_build_agree_on_mutated_built_in_models(
        mutations in proptest::collection::vec(mutation(), 0..6),
    ) {
        let mut spec = models::buying_process();
        let mut limits = Limits::default();
        for mutation in &mutations {
            apply(mutation, &mut spec, &mut limits);
        }
        let problems = Engine::builder(spec.clone()).limits(limits).check();
        let built = Engine::builder(spec).limits(limits).build();
        match built {
            Ok(_) => prop_assert!(!problems.has_errors(), "{}", problems),
            Err(error) => {
                prop_assert_eq!(problems.errors().next(), Some(&Problem::from(error)));
            }
        }
        let listed: Vec<&Problem> = problems.errors().collect();
        for (n, problem) in listed.iter().enumerate() {
            prop_assert!(!listed[..n].contains(problem), "listed twice: {}", problem);
        }
        let places: Vec<(usize, usize)> =
            listed.iter().map(|p| place(p.location().path())).collect();
        prop_assert!(places.windows(2).all(|w| w[0] <= w[1]), "out of order:\n{}", problems);
    }
}

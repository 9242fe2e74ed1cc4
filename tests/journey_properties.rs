//! Properties of `Engine::advance` over random customers, states and times:
//! on the built-in model, and on random small rulesets whose conditions are
//! drawn from a grammar evaluated here, so every step can be compared with a
//! reference written from the documented rules.

use std::cmp::Reverse;

use crate::support::{built_in, built_in_signal_ids, XorShift};
use buyer_journey::{
    Engine, FromStages, JourneyState, RulesetSpec, SignalRecord, SignalSpec, Span, StageIndex,
    StageRuleSpec, StageSpec, Step, Timestamp, TransitionSpec,
};
use proptest::prelude::*;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// Checks what holds for every step of every engine: with no move the
/// state is identical; otherwise the moves chain from the old stage (each
/// one's `from` the `to` of the one before), all at `now`, each entering a
/// stage of the model the step had not been in, so fewer moves than
/// stages; each names a rule that may fire from the stage it leaves and
/// goes to the one it enters, backwards only if the rule may go back,
/// after its minimum dwell (the first after the time in the old stage, the
/// others after none); the new state is in the last move's stage, entered
/// at `now`, remembers the stage before it and counts one cycle per
/// new-cycle move.
fn check_step(
    engine: &Engine,
    state: &JourneyState,
    now: Timestamp,
    step: &Step,
) -> Result<(), TestCaseError> {
    let model = engine.model();
    let start = model
        .find(state.stage().expect("placed states only"))
        .expect("the state's stage is in the model")
        .index();
    let Some(last) = step.moves.last() else {
        prop_assert_eq!(&step.state, state);
        return Ok(());
    };
    prop_assert!(step.moves.len() < model.len(), "{:?}", step.moves);
    let mut visited = vec![start];
    let mut cycles = state.cycles();
    for (i, transition) in step.moves.iter().enumerate() {
        let (from, in_from) = match i {
            0 => (state.stage(), state.time_in_stage(now)),
            _ => (Some(step.moves[i - 1].to()), Span::ZERO),
        };
        prop_assert_eq!(transition.from(), from);
        prop_assert_eq!(transition.at(), now);
        prop_assert_eq!(transition.time_in_previous(), in_from);
        let old = *visited.last().unwrap();
        let new = model.find(transition.to()).map(|stage| stage.index());
        prop_assert!(
            new.is_some(),
            "moved to {} outside the model",
            transition.to()
        );
        let new = new.unwrap();
        prop_assert!(
            !visited.contains(&new),
            "entered {} twice: {:?}",
            transition.to(),
            step.moves
        );
        visited.push(new);

        let id = transition.rule();
        prop_assert!(id.is_some(), "a placed customer moved without a rule");
        let rule = engine.find_transition(id.unwrap());
        prop_assert!(rule.is_some(), "unknown rule {:?}", id);
        let rule = rule.unwrap();
        prop_assert!(rule.from().contains(&old), "{} from {:?}", rule.id(), old);
        prop_assert_eq!(rule.to(), new);
        if new < old {
            prop_assert!(rule.back(), "{} went back without `back`", rule.id());
        }
        if let Some(dwell) = rule.min_dwell() {
            prop_assert!(in_from >= dwell, "{} inside its dwell", rule.id());
        }
        cycles = cycles.saturating_add(u32::from(rule.new_cycle()));
    }
    prop_assert_eq!(step.state.stage(), Some(last.to()));
    prop_assert_eq!(step.state.entered(), now);
    prop_assert_eq!(step.state.previous(), last.from());
    prop_assert_eq!(step.state.cycles(), cycles);
    Ok(())
}

/// Checks that `step` settled: advanced again with the same `signals` at
/// the same `now`, its state moves no further, unless the step stopped
/// before entering a stage again (rules in a circle), when the next call
/// goes on into a stage the step had been in (`start`, where the step
/// started, or one it entered).
fn check_settled(
    engine: &Engine,
    start: Option<&str>,
    step: &Step,
    signals: &SignalRecord,
    now: Timestamp,
) -> Result<(), TestCaseError> {
    let again = engine
        .advance(&step.state, signals, now, &mut engine.scratch())
        .unwrap();
    if let Some(next) = again.moves.first() {
        let visited: Vec<&str> = start
            .into_iter()
            .chain(step.moves.iter().map(|t| t.to()))
            .collect();
        prop_assert!(
            visited.contains(&next.to()),
            "not settled: {:?} after {:?}",
            again.moves,
            step.moves
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The built-in model
// ---------------------------------------------------------------------------

static STAGES: [&str; 5] = [
    "need_recognition",
    "information_search",
    "evaluation",
    "purchase_decision",
    "post_purchase",
];

/// Each signal missing or set: counts 0 to 3 (zeros and ones most often),
/// the two numbers over their ranges.
fn built_in_signals() -> impl Strategy<Value = Vec<Option<f64>>> {
    built_in_signals_present(0.6)
}

/// Each signal present with probability `present`: sparse customers reach
/// the thresholds where one signal alone decides.
fn built_in_signals_present(present: f64) -> impl Strategy<Value = Vec<Option<f64>>> {
    built_in_signal_ids()
        .iter()
        .map(|name| {
            let value: BoxedStrategy<f64> = match name.as_str() {
                "days_since_purchase" => (0u32..400).prop_map(f64::from).boxed(),
                "satisfaction" => (0u32..=10).prop_map(f64::from).boxed(),
                _ => prop_oneof![3 => Just(0.0), 3 => Just(1.0), 1 => Just(2.0), 1 => Just(3.0)]
                    .boxed(),
            };
            proptest::option::weighted(present, value)
        })
        .collect::<Vec<_>>()
}

fn built_in_record(engine: &Engine, values: &[Option<f64>]) -> SignalRecord {
    let mut record = engine.record();
    for (name, value) in built_in_signal_ids().iter().zip(values) {
        if let Some(value) = value {
            record.set(name, *value).unwrap();
        }
    }
    record
}

/// Mostly ordinary times, sometimes the extremes.
fn entered() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 1_600_000_000i64..1_800_000_000,
        1 => (0..DAY).prop_map(|s| i64::MIN + s),
        1 => (0..DAY).prop_map(|s| i64::MAX - s),
    ]
}

/// The time from entering the stage to `now`: before it (clock skew), any
/// time in the next weeks, or within a second of where dwells and
/// `days_in_stage` thresholds end: a whole number of hours up to three
/// days (the random rules' dwells), or the built-in 7-day dwell.
fn elapsed() -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => -2 * DAY..0,
        2 => 0..30 * DAY,
        3 => (0..72i64, -1..=1i64).prop_map(|(hours, second)| hours * HOUR + second),
        1 => (-1..=1i64).prop_map(|second| 7 * DAY + second),
    ]
}

fn cycles() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0u32..5, 1 => Just(u32::MAX - 1), 1 => Just(u32::MAX)]
}

/// A placed state over `stages` (indices taken modulo their number) and the
/// `now` to advance it at.
fn placed(stages: &'static [&'static str]) -> impl Strategy<Value = (JourneyState, Timestamp)> {
    (
        0..stages.len(),
        entered(),
        elapsed(),
        proptest::option::of(0..stages.len()),
        cycles(),
    )
        .prop_map(move |(stage, entered, elapsed, previous, cycles)| {
            let mut state =
                JourneyState::in_stage(stages[stage], Timestamp::from_unix_seconds(entered))
                    .with_cycles(cycles);
            if let Some(previous) = previous {
                state = state.with_previous(stages[previous]);
            }
            let now = Timestamp::from_unix_seconds(entered.saturating_add(elapsed));
            (state, now)
        })
}

// ---------------------------------------------------------------------------
// Random rulesets
// ---------------------------------------------------------------------------

const STAGE_IDS: [&str; 6] = ["s0", "s1", "s2", "s3", "s4", "s5"];
const COUNTS: [&str; 3] = ["a", "b", "c"];
/// Thresholds of `days_in_stage`: whole and half days, where the hours of
/// [`elapsed`] land exactly.
const DAYS: [f64; 5] = [0.0, 0.5, 1.0, 1.5, 7.0];

/// A condition of the grammar the random transition rules are drawn from.
/// Stage indices are taken modulo the number of stages.
#[derive(Debug, Clone)]
enum Cond {
    Const(bool),
    AtLeast(usize, u8),
    Equals(usize, u8),
    Missing(usize),
    StageIs(usize),
    StageIn(Vec<usize>),
    DaysAtLeast(usize),
    DaysBelow(usize),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

impl Cond {
    fn text(&self, stages: usize) -> String {
        let stage = |i: &usize| format!("\"{}\"", STAGE_IDS[i % stages]);
        match self {
            Cond::Const(b) => b.to_string(),
            Cond::AtLeast(s, k) => format!("{} >= {k}", COUNTS[*s]),
            Cond::Equals(s, k) => format!("{} == {k}", COUNTS[*s]),
            Cond::Missing(s) => format!("missing({})", COUNTS[*s]),
            Cond::StageIs(i) => format!("stage == {}", stage(i)),
            Cond::StageIn(list) => format!(
                "stage in [{}]",
                list.iter().map(stage).collect::<Vec<_>>().join(", ")
            ),
            Cond::DaysAtLeast(d) => format!("days_in_stage >= {}", DAYS[*d]),
            Cond::DaysBelow(d) => format!("days_in_stage < {}", DAYS[*d]),
            Cond::Not(c) => format!("not ({})", c.text(stages)),
            Cond::And(a, b) => format!("({}) and ({})", a.text(stages), b.text(stages)),
            Cond::Or(a, b) => format!("({}) or ({})", a.text(stages), b.text(stages)),
        }
    }

    /// The documented meaning: a comparison that reads a missing value is
    /// false.
    fn holds(&self, stages: usize, values: [Option<u8>; 3], stage: usize, days: f64) -> bool {
        match self {
            Cond::Const(b) => *b,
            Cond::AtLeast(s, k) => values[*s].is_some_and(|v| v >= *k),
            Cond::Equals(s, k) => values[*s] == Some(*k),
            Cond::Missing(s) => values[*s].is_none(),
            Cond::StageIs(i) => i % stages == stage,
            Cond::StageIn(list) => list.iter().any(|i| i % stages == stage),
            Cond::DaysAtLeast(d) => days >= DAYS[*d],
            Cond::DaysBelow(d) => days < DAYS[*d],
            Cond::Not(c) => !c.holds(stages, values, stage, days),
            Cond::And(a, b) => {
                a.holds(stages, values, stage, days) && b.holds(stages, values, stage, days)
            }
            Cond::Or(a, b) => {
                a.holds(stages, values, stage, days) || b.holds(stages, values, stage, days)
            }
        }
    }
}

fn cond() -> impl Strategy<Value = Cond> {
    let leaf = prop_oneof![
        1 => any::<bool>().prop_map(Cond::Const),
        3 => (0..3usize, 0..3u8).prop_map(|(s, k)| Cond::AtLeast(s, k)),
        1 => (0..3usize, 0..3u8).prop_map(|(s, k)| Cond::Equals(s, k)),
        1 => (0..3usize).prop_map(Cond::Missing),
        2 => (0..6usize).prop_map(Cond::StageIs),
        1 => proptest::collection::vec(0..6usize, 1..4).prop_map(Cond::StageIn),
        2 => (0..DAYS.len()).prop_map(Cond::DaysAtLeast),
        1 => (0..DAYS.len()).prop_map(Cond::DaysBelow),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            1 => inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            2 => (inner.clone(), inner).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// A transition rule as drawn, before it is made valid.
#[derive(Debug, Clone)]
struct Drawn {
    /// `None` is `any`; indices modulo the number of stages; maybe empty.
    from: Option<Vec<usize>>,
    to: usize,
    back: bool,
    new_cycle: bool,
    dwell_hours: Option<u64>,
    priority: i32,
    when: Cond,
}

fn drawn() -> impl Strategy<Value = Drawn> {
    (
        proptest::option::weighted(0.6, proptest::collection::vec(0..6usize, 0..4)),
        0..6usize,
        proptest::bool::weighted(0.3),
        proptest::bool::weighted(0.15),
        proptest::option::weighted(0.4, 0u64..72),
        -2i32..=2,
        cond(),
    )
        .prop_map(
            |(from, to, back, new_cycle, dwell_hours, priority, when)| Drawn {
                from,
                to,
                back,
                new_cycle,
                dwell_hours,
                priority,
                when,
            },
        )
}

/// A random ruleset: its number of stages, its transitions as drawn, and
/// for each stage past the entry maybe a stage rule (signal, threshold).
type Random = (usize, Vec<Drawn>, Vec<Option<(usize, u8)>>);

fn random_ruleset() -> impl Strategy<Value = Random> {
    (
        1..=6usize,
        proptest::collection::vec(drawn(), 0..7),
        // A stage rule per stage past the entry: signal and threshold.
        proptest::collection::vec(proptest::option::of((0..3usize, 1..3u8)), 5),
    )
}

/// A valid transition rule: the stages its `from` list names (modulo the
/// stages), without repeats, without `to`, and without later stages unless
/// it may go back; `any` when nothing is left.
#[derive(Debug, Clone)]
struct Valid {
    id: String,
    /// The stages it fires from, as the documentation defines them.
    from: Vec<usize>,
    to: usize,
    may_go_back: bool,
    new_cycle: bool,
    dwell: Option<Span>,
    priority: i32,
    when: Cond,
    spec: TransitionSpec,
}

fn make_valid(i: usize, drawn: &Drawn, stages: usize) -> Valid {
    let to = drawn.to % stages;
    let may_go_back = drawn.back || drawn.new_cycle;
    let listed: Option<Vec<usize>> = drawn.from.as_ref().map(|list| {
        let mut kept: Vec<usize> = Vec::new();
        for stage in list.iter().map(|s| s % stages) {
            if stage != to && !kept.contains(&stage) && (may_go_back || stage < to) {
                kept.push(stage);
            }
        }
        kept
    });
    let listed = listed.filter(|list| !list.is_empty());
    let id = format!("t{i}");
    let mut spec =
        TransitionSpec::new(&id, STAGE_IDS[to], drawn.when.text(stages)).priority(drawn.priority);
    let from = match &listed {
        Some(list) => {
            let names: Vec<&str> = list.iter().map(|&s| STAGE_IDS[s]).collect();
            spec = spec.from(&names);
            let mut from = list.clone();
            from.sort_unstable();
            from
        }
        None => (0..stages)
            .filter(|&s| s != to && (may_go_back || s < to))
            .collect(),
    };
    let dwell = drawn.dwell_hours.map(Span::hours);
    if let Some(dwell) = dwell {
        spec = spec.min_dwell(dwell);
    }
    if drawn.back {
        spec = spec.back();
    }
    if drawn.new_cycle {
        spec = spec.new_cycle();
    }
    Valid {
        id,
        from,
        to,
        may_go_back,
        new_cycle: drawn.new_cycle,
        dwell,
        priority: drawn.priority,
        when: drawn.when.clone(),
        spec,
    }
}

fn ruleset(
    stages: usize,
    transitions: Vec<TransitionSpec>,
    rules: &[Option<(usize, u8)>],
) -> RulesetSpec {
    {
        let mut spec = RulesetSpec::new(
            COUNTS.into_iter().map(SignalSpec::count).collect(),
            STAGE_IDS[..stages]
                .iter()
                .map(|id| StageSpec::new(id, &id.to_uppercase(), ""))
                .collect(),
        );
        spec.stage_rules = (1..stages)
            .filter_map(|stage| {
                let (signal, k) = rules[stage - 1]?;
                Some(StageRuleSpec::new(
                    &format!("r{stage}"),
                    STAGE_IDS[stage],
                    format!("{} >= {k}", COUNTS[signal]).as_str(),
                ))
            })
            .collect();
        spec.transitions = transitions;
        spec
    }
}

/// The rule that should fire, written from the documentation: of the rules
/// whose `from` has the stage, highest priority first, then declaration
/// order, the first whose minimum dwell has passed and whose condition
/// holds.
fn reference(
    rules: &[Valid],
    stages: usize,
    stage: usize,
    in_stage: Span,
    values: [Option<u8>; 3],
) -> Option<&Valid> {
    let mut candidates: Vec<&Valid> = rules
        .iter()
        .filter(|rule| rule.from.contains(&stage))
        .collect();
    candidates.sort_by_key(|rule| Reverse(rule.priority));
    let days = in_stage.as_seconds() as f64 / DAY as f64;
    candidates.into_iter().find(|rule| {
        rule.dwell.is_none_or(|dwell| in_stage >= dwell)
            && rule.when.holds(stages, values, stage, days)
    })
}

/// The moves the documentation says one call makes from `stage` after
/// `in_stage` there: the rule of [`reference`], then again from each stage
/// it enters, with no time there yet, until no rule fires or the one that
/// fires would enter a stage the call has been in (`stage` included).
fn settled_reference(
    rules: &[Valid],
    stages: usize,
    stage: usize,
    in_stage: Span,
    values: [Option<u8>; 3],
) -> Vec<&Valid> {
    let mut visited = vec![stage];
    let mut moves = Vec::new();
    let (mut stage, mut in_stage) = (stage, in_stage);
    while let Some(rule) = reference(rules, stages, stage, in_stage, values) {
        if visited.contains(&rule.to) {
            break;
        }
        visited.push(rule.to);
        moves.push(rule);
        (stage, in_stage) = (rule.to, Span::ZERO);
    }
    moves
}

/// The drawn rules made valid, the ruleset of them and its engine.
fn random_engine(
    stages: usize,
    drawn: &[Drawn],
    stage_rules: &[Option<(usize, u8)>],
) -> Result<(Vec<Valid>, RulesetSpec, Engine), TestCaseError> {
    let valid: Vec<Valid> = drawn
        .iter()
        .enumerate()
        .map(|(i, rule)| make_valid(i, rule, stages))
        // A rule with no stage to move from is an error (tested below).
        .filter(|rule| !rule.from.is_empty())
        .collect();
    let spec = ruleset(
        stages,
        valid.iter().map(|rule| rule.spec.clone()).collect(),
        stage_rules,
    );
    let built = Engine::builder(spec.clone()).build();
    prop_assert!(
        built.is_ok(),
        "{:?}\n{:#?}",
        built.as_ref().err(),
        spec.transitions
    );
    Ok((valid, spec, built.unwrap()))
}

fn small_record(engine: &Engine, values: [Option<u8>; 3]) -> SignalRecord {
    let mut record = engine.record();
    for (name, value) in COUNTS.iter().zip(values) {
        if let Some(value) = value {
            record.set(name, f64::from(value)).unwrap();
        }
    }
    record
}

fn small_values() -> impl Strategy<Value = [Option<u8>; 3]> {
    [
        proptest::option::weighted(0.8, 0..3u8),
        proptest::option::weighted(0.8, 0..3u8),
        proptest::option::weighted(0.8, 0..3u8),
    ]
}

/// Where a ruleset with the drawn `from` lists as written (not made valid)
/// must be rejected, and with what message: in the first rule with an
/// invalid list, the list itself if empty, else the first listed stage that
/// is repeated, is `to`, or comes after `to` in a rule that may not go back.
/// `None` when every list is valid.
fn first_from_error(drawn: &[Drawn], stages: usize) -> Option<(String, String)> {
    for (i, rule) in drawn.iter().enumerate() {
        let to_id = STAGE_IDS[rule.to % stages];
        let Some(list) = &rule.from else {
            // `any`: the stages before `to`, or all but `to` for a rule
            // that may go back; none is an error at `to`.
            let may_go_back = rule.back || rule.new_cycle;
            let message = if stages == 1 && may_go_back {
                "the model has no other stage to move from".to_owned()
            } else if rule.to % stages == 0 && !may_go_back {
                format!(
                    "'{to_id}' is the first stage, so no forward move reaches it; add \"back\": \
                     true (or \"new_cycle\": true) to permit moving back to it"
                )
            } else {
                continue;
            };
            let path = format!("transitions[{i}].to");
            return Some((path.clone(), format!("{path}: {message}")));
        };
        if list.is_empty() {
            let path = format!("transitions[{i}].from");
            let message = "a transition needs at least one stage to move from, or \"any\"";
            return Some((path.clone(), format!("{path}: {message}")));
        }
        let to = rule.to % stages;
        let mut seen = Vec::new();
        for (j, stage) in list.iter().map(|s| s % stages).enumerate() {
            let id = STAGE_IDS[stage];
            let message = if seen.contains(&stage) {
                format!("stage '{id}' is listed twice")
            } else if stage == to {
                format!("a transition from '{id}' to '{to_id}' would not move")
            } else if stage > to && !(rule.back || rule.new_cycle) {
                format!(
                    "'{id}' comes after '{to_id}', so this transition goes back; add \"back\": \
                     true (or \"new_cycle\": true) to permit it"
                )
            } else {
                seen.push(stage);
                continue;
            };
            let path = format!("transitions[{i}].from[{j}]");
            return Some((path.clone(), format!("{path}: {message}")));
        }
    }
    None
}

/// The drawn rules with their `from` lists exactly as drawn.
fn as_written(drawn: &[Drawn], stages: usize) -> Vec<TransitionSpec> {
    drawn
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let mut spec =
                TransitionSpec::new(&format!("t{i}"), STAGE_IDS[rule.to % stages], "true");
            if let Some(list) = &rule.from {
                spec.from =
                    FromStages::Stages(list.iter().map(|s| STAGE_IDS[s % stages].into()).collect());
            }
            spec.back = rule.back;
            spec.new_cycle = rule.new_cycle;
            spec
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn built_in_steps_follow_the_rules(
        values in built_in_signals(),
        (state, now) in placed(&STAGES),
    ) {
        let engine = built_in();
        let signals = built_in_record(&engine, &values);
        let mut scratch = engine.scratch();
        let step = engine.advance(&state, &signals, now, &mut scratch).unwrap();
        check_step(&engine, &state, now, &step)?;
        // The same call again answers the same.
        prop_assert_eq!(engine.advance(&state, &signals, now, &mut scratch).unwrap(), step.clone());
        // No built-in rules lead round in a circle: the step settled.
        let again = engine.advance(&step.state, &signals, now, &mut scratch).unwrap();
        prop_assert!(!again.moved(), "{:?} after {:?}", again, step);
    }

    #[test]
    fn built_in_moves_agree_with_the_classification(
        values in built_in_signals(),
        (state, now) in placed(&STAGES[..4]),
    ) {
        // Out of every stage but post_purchase the journey goes where the
        // `furthest` classification says, whatever the time: forward when
        // a later stage has evidence (one forward rule per later stage, the
        // furthest first), back when the stage's evidence and every later
        // stage's is gone (one back rule per earlier stage, holding for the
        // furthest with evidence, or need_recognition with none).
        let engine = built_in();
        let signals = built_in_record(&engine, &values);
        let mut scratch = engine.scratch();
        let classified = engine.classify(&signals, &mut scratch).stage().index();
        let old = engine.model().find(state.stage().unwrap()).unwrap().index();
        let step = engine.advance(&state, &signals, now, &mut scratch).unwrap();
        let new = engine.model().find(step.state.stage().unwrap()).unwrap().index();
        prop_assert_eq!(new, classified);
        // One move: no forward rule is left after the furthest evidence, no
        // back rule after a forward move.
        prop_assert!(step.moves.len() <= 1, "{:?}", step.moves);
        for transition in &step.moves {
            let way = if classified > old { "forward" } else { "back" };
            let rule = format!("{way}.{}", transition.to());
            prop_assert_eq!(transition.rule(), Some(rule.as_str()));
        }
        prop_assert_eq!(step.moved(), classified != old);

        // And the journey then rests: the same signals at the same time
        // move it no further.
        let again = engine.advance(&step.state, &signals, now, &mut scratch).unwrap();
        prop_assert!(!again.moved(), "{:?}", again);
    }

    #[test]
    fn built_in_new_cycles_wait_and_go_to_the_furthest_evidence(
        values in prop_oneof![built_in_signals(), built_in_signals_present(0.15)],
        (state, now) in placed(&STAGES[4..]),
    ) {
        // Out of post_purchase: after 7 days, with no complaint or ticket
        // open, to the furthest stage before post_purchase with evidence,
        // where one page view (category, guide, review) is not evidence.
        // From need_recognition the journey then goes on at once to
        // information_search if there was one such page view (or another
        // sign of research): then a forward rule fires, which needs no
        // dwell. From any later stage no forward rule fires: it is the
        // furthest with evidence, and post_purchase has none while the new
        // cycle's activity is there.
        let engine = built_in();
        let signals = built_in_record(&engine, &values);
        let step = engine.advance(&state, &signals, now, &mut engine.scratch()).unwrap();
        check_step(&engine, &state, now, &step)?;
        let names = built_in_signal_ids();
        let value = |name: &str| {
            let i = names.iter().position(|s| s == name).unwrap();
            values[i].unwrap_or(f64::NAN)
        };
        let evidence = |names: &[(&str, f64)]| names.iter().any(|&(name, least)| value(name) >= least);
        let furthest = [
            evidence(&[("need_searches", 1.0), ("category_views", 2.0)]),
            evidence(&[
                ("info_page_views", 2.0),
                ("reviews_read", 2.0),
                ("recommendations_sought", 1.0),
                ("brochures_downloaded", 1.0),
            ]),
            evidence(&[("comparisons", 1.0), ("sales_contacts", 1.0), ("quote_requests", 1.0)]),
            evidence(&[("cart_adds", 1.0), ("checkout_starts", 1.0)]),
        ]
        .iter()
        .rposition(|&has| has);
        let open = value("open_complaints") >= 1.0 || value("open_tickets") >= 1.0;
        let dwelt = state.time_in_stage(now) >= Span::days(7);
        let first = furthest.filter(|_| dwelt && !open);
        let research = evidence(&[
            ("info_page_views", 1.0),
            ("reviews_read", 1.0),
            ("recommendations_sought", 1.0),
            ("brochures_downloaded", 1.0),
        ]);
        let then = (first == Some(0) && research).then_some(1);
        let expected: Vec<&str> = first.into_iter().chain(then).map(|stage| STAGES[stage]).collect();
        let moved: Vec<&str> = step.moves.iter().map(|t| t.to()).collect();
        prop_assert_eq!(moved, expected);
        if step.moved() {
            // One new cycle, whichever way it went on.
            prop_assert_eq!(step.state.cycles(), state.cycles().saturating_add(1));
        }
    }

    #[test]
    fn built_in_first_placement_is_the_classification(
        values in built_in_signals(),
        cycles in cycles(),
        now in entered(),
    ) {
        let engine = built_in();
        let signals = built_in_record(&engine, &values);
        let mut scratch = engine.scratch();
        let classified = engine.classify(&signals, &mut scratch).stage().id().to_owned();
        let now = Timestamp::from_unix_seconds(now);
        let new = JourneyState::new().with_cycles(cycles);
        let step = engine.advance(&new, &signals, now, &mut scratch).unwrap();
        prop_assert_eq!(step.state.stage(), Some(classified.as_str()));
        prop_assert_eq!(step.state.cycles(), cycles);
        prop_assert_eq!(step.state.entered(), now);
        prop_assert_eq!(step.state.previous(), None);
        // Only the placement: the classification is the furthest stage
        // with evidence, so no forward rule fires from it, and out of
        // post_purchase no rule fires before its 7-day dwell.
        prop_assert_eq!(step.moves.len(), 1);
        let transition = &step.moves[0];
        prop_assert_eq!(transition.from(), None);
        prop_assert_eq!(transition.to(), classified.as_str());
        prop_assert_eq!(transition.rule(), None);
        prop_assert_eq!(transition.time_in_previous(), Span::ZERO);
    }

    #[test]
    fn random_ruleset_steps_follow_the_reference(
        (stages, drawn, stage_rules) in random_ruleset(),
        values in small_values(),
        (stage, entered, elapsed, previous, cycles) in
            (0..6usize, entered(), elapsed(), proptest::option::of(0..6usize), cycles()),
    ) {
        let (valid, spec, engine) = random_engine(stages, &drawn, &stage_rules)?;

        // The engine reads the rules as they were made valid here.
        for (rule, expected) in engine.transitions().zip(&valid) {
            prop_assert_eq!(rule.id(), expected.id.as_str());
            let from: Vec<usize> = rule.from().iter().map(|id| id.as_usize()).collect();
            prop_assert_eq!(&from, &expected.from, "{}", rule.id());
            prop_assert_eq!(rule.to().as_usize(), expected.to);
            prop_assert_eq!(rule.back(), expected.may_go_back);
        }

        let stage = stage % stages;
        let entered = Timestamp::from_unix_seconds(entered);
        let now = Timestamp::from_unix_seconds(entered.unix_seconds().saturating_add(elapsed));
        let mut state = JourneyState::in_stage(STAGE_IDS[stage], entered).with_cycles(cycles);
        if let Some(previous) = previous {
            state = state.with_previous(STAGE_IDS[previous % stages]);
        }
        let signals = small_record(&engine, values);
        let mut scratch = engine.scratch();
        let step = engine.advance(&state, &signals, now, &mut scratch).unwrap();
        check_step(&engine, &state, now, &step)?;

        let expected = settled_reference(&valid, stages, stage, state.time_in_stage(now), values);
        let rules: Vec<Option<&str>> = step.moves.iter().map(|t| t.rule()).collect();
        let expected_rules: Vec<Option<&str>> =
            expected.iter().map(|rule| Some(rule.id.as_str())).collect();
        prop_assert_eq!(rules, expected_rules, "{:#?}", spec.transitions);
        if let Some(rule) = expected.last() {
            prop_assert_eq!(step.state.stage(), Some(STAGE_IDS[rule.to]));
            let new_cycles = expected.iter().filter(|rule| rule.new_cycle).count();
            prop_assert_eq!(
                step.state.cycles(),
                cycles.saturating_add(u32::try_from(new_cycles).unwrap())
            );
        }

        // A new customer is placed where the classification says, and then
        // moves on from there as the rules say.
        let classified = engine.classify(&signals, &mut scratch).stage().index().as_usize();
        let placed = engine
            .advance(&JourneyState::new(), &signals, now, &mut scratch)
            .unwrap();
        let path: Vec<(Option<&str>, &str)> =
            placed.moves.iter().map(|t| (t.rule(), t.to())).collect();
        let expected_path: Vec<(Option<&str>, &str)> = std::iter::once((None, STAGE_IDS[classified]))
            .chain(
                settled_reference(&valid, stages, classified, Span::ZERO, values)
                    .into_iter()
                    .map(|rule| (Some(rule.id.as_str()), STAGE_IDS[rule.to])),
            )
            .collect();
        prop_assert_eq!(path, expected_path);

        // A state naming a stage this model lacks is an error.
        if stages < STAGE_IDS.len() {
            let gone = JourneyState::in_stage(STAGE_IDS[stages], entered);
            let err = engine.advance(&gone, &signals, now, &mut scratch).unwrap_err();
            prop_assert_eq!(err.location().map(|l| l.path()), Some("state.stage"));
        }
    }

    #[test]
    fn settled_steps_rest_and_their_moves_chain(
        (stages, drawn, stage_rules) in random_ruleset(),
        values in small_values(),
        (stage, entered, elapsed, cycles) in (0..6usize, entered(), elapsed(), cycles()),
    ) {
        let (_, _, engine) = random_engine(stages, &drawn, &stage_rules)?;
        let signals = small_record(&engine, values);
        let mut scratch = engine.scratch();
        let entered = Timestamp::from_unix_seconds(entered);
        let now = Timestamp::from_unix_seconds(entered.unix_seconds().saturating_add(elapsed));
        // A stored state, then a new customer.
        let stored = JourneyState::in_stage(STAGE_IDS[stage % stages], entered).with_cycles(cycles);
        for (new, state) in [(false, stored), (true, JourneyState::new().with_cycles(cycles))] {
            let step = engine.advance(&state, &signals, now, &mut scratch).unwrap();
            // The moves chain: each one's `from` is the `to` of the one
            // before, the first from where the customer was, the last to
            // where the state is; all at `now`, all but the first after no
            // time in the stage left.
            let mut from = state.stage();
            for (i, transition) in step.moves.iter().enumerate() {
                prop_assert_eq!(transition.from(), from, "{:?}", step.moves);
                prop_assert_eq!(transition.at(), now);
                if i > 0 || new {
                    prop_assert_eq!(transition.time_in_previous(), Span::ZERO);
                }
                from = Some(transition.to());
            }
            prop_assert_eq!(step.state.stage(), from);
            if !new {
                check_step(&engine, &state, now, &step)?;
            }
            check_settled(&engine, state.stage(), &step, &signals, now)?;
        }
    }

    #[test]
    fn invalid_from_lists_are_rejected_where_they_go_wrong(
        (stages, drawn, stage_rules) in random_ruleset(),
    ) {
        let spec = ruleset(stages, as_written(&drawn, stages), &stage_rules);
        let built = Engine::builder(spec).build();
        match first_from_error(&drawn, stages) {
            None => prop_assert!(built.is_ok(), "{:?}", built.err()),
            Some((path, message)) => {
                let err = built.err();
                prop_assert!(err.is_some(), "expected {message}");
                let err = err.unwrap();
                prop_assert_eq!(err.to_string(), message);
                prop_assert_eq!(err.location().map(|l| l.path()), Some(path.as_str()));
            }
        }
    }
}

#[test]
fn stage_indices_compare_in_model_order() {
    // `check_step` compares `StageIndex`s for "earlier"; make sure that is the
    // model's order.
    let engine = built_in();
    let ids: Vec<StageIndex> = STAGES
        .iter()
        .map(|stage| {
            engine
                .model()
                .find(stage)
                .map(|stage| stage.index())
                .unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
}

/// Every built-in transition rule moves some generated customer, from a
/// stored state in every stage at times around the 7-day dwell, and every
/// step keeps the invariants of [`check_step`]: so the properties above are
/// not vacuous for any rule.
#[test]
fn every_built_in_transition_fires_for_some_customer() {
    let engine = built_in();
    let ids = built_in_signal_ids();
    let mut random = XorShift::new();
    let mut scratch = engine.scratch();
    let entered = Timestamp::from_unix_seconds(1_700_000_000);
    let waits = [0, HOUR, 7 * DAY - 1, 7 * DAY, 400 * DAY];
    let mut fired: Vec<String> = Vec::new();
    for _ in 0..2_000 {
        let mut customer = engine.record();
        for id in &ids {
            // A third missing, the rest mostly zero or small.
            match random.below(10) {
                0..=2 => {}
                3..=6 => customer.set(id, 0).unwrap(),
                roll => customer.set(id, roll - 6).unwrap(),
            }
        }
        for stage in STAGES {
            let state = JourneyState::in_stage(stage, entered);
            for wait in waits {
                let now = Timestamp::from_unix_seconds(entered.unix_seconds() + wait);
                let step = engine
                    .advance(&state, &customer, now, &mut scratch)
                    .unwrap();
                check_step(&engine, &state, now, &step).unwrap();
                for rule in step.moves.iter().filter_map(|t| t.rule()) {
                    if !fired.iter().any(|id| id == rule) {
                        fired.push(rule.to_owned());
                    }
                }
            }
        }
    }
    let mut all: Vec<String> = engine
        .transitions()
        .map(|rule| rule.id().to_owned())
        .collect();
    all.sort();
    fired.sort();
    assert_eq!(fired, all);
}

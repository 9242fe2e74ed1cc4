//! What the crate promises about any input, written once as assertions:
//! the fuzz targets call these on the fuzzer's bytes, and the crate's
//! regression test (`tests/regressions.rs`, which includes this file)
//! replays every input a run ever found through the same functions.
//!
//! Every function panics when a promise breaks, and only then: bad input
//! must come back as an error, the compiled engine must agree with the
//! reference interpreter, the explanation with the decision, and a journey
//! step with the documented transition rules.

use std::cmp::Reverse;
use std::sync::OnceLock;

use buyer_journey::{
    models, Column, Columns, Condition, ContactLog, Customer, DecisionRecord, Document, EdgeLabels,
    Engine, Error, Event, Explanation, Funnel, JourneyState, Limits, Location, Outcome, Reason,
    RulesetSpec, Schema, Scratch, SignalKind, SignalRecord, SignalSpec, Span, StageRuleSpec,
    StageSpec, TimeUnit, Timestamp, Transition, TransitionRule, Value, When,
};

/// The fuzz targets, by the name `cargo fuzz` knows them by; each replays
/// its own inputs.
pub const TARGETS: [&str; 4] = ["condition", "ruleset", "structured", "host"];

/// Runs `bytes` through the promises of `target`, one of [`TARGETS`]. A
/// `structured` input is kept as the ruleset document it generated.
pub fn replay(target: &str, bytes: &[u8]) {
    match target {
        "condition" => condition_text(bytes),
        "ruleset" | "structured" => ruleset_document(bytes),
        "host" => host_input(bytes),
        other => panic!("no fuzz target '{other}'"),
    }
}

// ---------------------------------------------------------------------------
// Condition text
// ---------------------------------------------------------------------------

/// Condition text: it parses or fails with an error; what parses prints as
/// text that parses to the same tree and prints the same again, survives a
/// serde round trip, and type-checks or fails with an error; what checks
/// holds in the compiled engine exactly when the interpreter says so.
pub fn condition_text(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let condition = match Condition::parse(text) {
        Ok(condition) => condition,
        Err(error) => return error_points_into(&error, text),
    };
    let printed = condition.to_string();
    // The print spaces every operator, so it may be longer than the text
    // and past the length limit (documented): admit its length.
    let limits = Limits::default().max_expression_len(printed.len().max(text.len()));
    let again = Condition::parse_with(&printed, &limits)
        .unwrap_or_else(|e| panic!("{text:?} prints as {printed:?}, which does not parse: {e}"));
    assert_eq!(again, condition, "{text:?} prints as {printed:?}");
    assert_eq!(
        again.to_string(),
        printed,
        "the print of {text:?} is unstable"
    );

    if let Ok(json) = serde_json::to_string(&condition) {
        let back: Condition = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{text:?} serializes as {json}, which does not parse: {e}"));
        assert_eq!(back, condition, "the serde round trip of {text:?}");
    }

    if let Err(error) = condition.check(every_kind_schema()) {
        error_is_clear(&error);
        let built = Engine::builder(one_rule(condition)).build();
        assert!(built.is_err(), "{text:?} fails its check but builds");
        let written = Engine::builder(one_rule(text)).build();
        error_points_into(&written.expect_err("the text fails as the tree does"), text);
        return;
    }
    let engine = match Engine::builder(one_rule(condition.clone())).build() {
        Ok(engine) => engine,
        // A condition may check and still exceed the compiled limits.
        Err(error) => return assert!(error.is_limit(), "{text:?} checks but: {error}"),
    };
    let mut scratch = engine.scratch();
    for customer in customers(engine.schema()) {
        let holds = condition
            .evaluate(engine.schema(), &customer)
            .unwrap_or_else(|e| panic!("{text:?} checked, then failed to evaluate: {e}"));
        let fired = engine.classify(&customer, &mut scratch).to_record().fired;
        assert_eq!(
            !fired.is_empty(),
            holds,
            "{text:?}: compiled and interpreted differ for {customer:?}"
        );
        assert_eq!(engine.classify_interpreted(&customer).fired, fired);
    }
}

/// A schema with a signal of every kind: the built-in model's counts and
/// numbers, a flag and a category.
fn every_kind_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::new(&every_kind_signals()).expect("a valid schema"))
}

fn every_kind_signals() -> Vec<SignalSpec> {
    let mut signals = models::buying_process().signals;
    signals.push(SignalSpec::flag("member"));
    signals.push(SignalSpec::category("plan", ["free", "pro", "team"]));
    signals
}

fn built_in_with_every_kind() -> RulesetSpec {
    let mut spec = models::buying_process();
    spec.signals = every_kind_signals();
    spec
}

/// A ruleset of two stages whose only rule puts a customer in the second
/// when `condition` holds.
fn one_rule(condition: impl Into<When>) -> RulesetSpec {
    let mut spec = RulesetSpec::new(
        every_kind_signals(),
        vec![
            StageSpec::new("outside", "Outside", "the condition does not hold"),
            StageSpec::new("inside", "Inside", "the condition holds"),
        ],
    );
    spec.stage_rules = vec![StageRuleSpec::new("holds", "inside", condition)];
    // The built-in signals are derived from the built-in events.
    spec.events = models::buying_process().events;
    spec
}

// ---------------------------------------------------------------------------
// Ruleset documents
// ---------------------------------------------------------------------------

/// A ruleset document: JSON that is not a ruleset is an error; a ruleset
/// survives a serde round trip, builds or fails with a clear error (the
/// same one every time), and an engine it builds keeps every promise of
/// [`engine_keeps_promises`]. Read as a [`Document`], as JSON and as TOML,
/// it is the same ruleset, or a clear error placed in the text; its
/// problems agree with the build; its scenarios run.
pub fn ruleset_document(bytes: &[u8]) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        document_agrees(text);
    }
    let Ok(spec) = serde_json::from_slice::<RulesetSpec>(bytes) else {
        return;
    };
    let json = serde_json::to_string(&spec).expect("a parsed ruleset serializes");
    let back: RulesetSpec = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("a ruleset serializes as {json}, which does not parse: {e}"));
    assert_eq!(back, spec, "the serde round trip of a ruleset");
    ruleset(spec);
}

/// `text` read as a JSON and as a TOML [`Document`]: either a clear error
/// placed in the text, or a ruleset serde reads alike, whose TOML form
/// reads back the same, whose problems list an error exactly when it does
/// not build (first the build's error), and whose scenarios run.
fn document_agrees(text: &str) {
    let lines = text.lines().count().max(1);
    for document in [Document::from_json(text), Document::from_toml(text)] {
        let document = match document {
            Ok(document) => document,
            Err(error) => {
                error_is_clear(&error);
                if let Some(position) = error.location().and_then(|l| l.position()) {
                    assert!(position.line >= 1 && position.line <= lines + 1, "{error}");
                }
                continue;
            }
        };
        let spec = document.spec();
        if let Ok(toml) = spec.to_toml() {
            let back = Document::from_toml(&toml)
                .unwrap_or_else(|e| panic!("a ruleset writes as TOML {toml}, which reads as {e}"));
            assert_eq!(back.spec(), spec, "the TOML round trip of a ruleset");
        }
        let problems = document.check(&Limits::default());
        match Engine::builder(spec.clone()).build() {
            Ok(engine) => {
                assert!(!problems.has_errors(), "built, yet {problems}");
                for problem in &problems {
                    assert!(!problem.message().is_empty());
                }
                let _ = engine.run_scenarios().to_string();
            }
            Err(error) => {
                let first = problems
                    .errors()
                    .next()
                    .expect("a build error is a problem");
                assert_eq!(first.message(), error.kind().to_string());
                assert_eq!(
                    first.location().path(),
                    error.location().map_or("", |l| l.path())
                );
            }
        }
    }
}

/// A ruleset, from a document or generated: builds or fails with a clear
/// error, the same one every time; an engine keeps its promises.
pub fn ruleset(spec: RulesetSpec) {
    let engine = match Engine::builder(spec.clone()).build() {
        Ok(engine) => engine,
        Err(error) => {
            error_is_clear(&error);
            let again = Engine::builder(spec).build().expect_err("it failed once");
            assert_eq!(
                again.to_string(),
                error.to_string(),
                "building is not deterministic"
            );
            return;
        }
    };
    pictures_name_every_stage(&engine);
    let histories = histories(&engine);
    let states = states(&engine);
    let customers = customers(engine.schema());
    for customer in &customers {
        engine_keeps_promises(&engine, customer, &histories, &states, &TIMES);
    }
    batch_agrees(&engine, &customers, &histories);
}

/// The batch path gives each customer, as a column of every signal (the
/// customers over and over, past 64 of them), the single path's decision:
/// classified, and decided with each history.
fn batch_agrees(engine: &Engine, customers: &[SignalRecord], histories: &[ContactLog]) {
    let lanes = customers.len() * 23;
    let customer = |lane: usize| &customers[lane % customers.len()];
    let columns: Vec<Vec<f64>> = engine
        .schema()
        .iter()
        .map(|signal| {
            (0..lanes)
                .map(|lane| match customer(lane).get(signal.id()) {
                    Some(Value::Number(n)) => n,
                    Some(Value::Flag(flag)) => f64::from(u8::from(flag)),
                    Some(Value::Label(label)) => signal
                        .labels()
                        .position(|l| l == label)
                        .map_or(f64::NAN, |position| position as f64),
                    None => f64::NAN,
                })
                .collect()
        })
        .collect();
    let mut batch = Columns::new(engine.schema(), lanes);
    for (signal, values) in engine.schema().iter().zip(&columns) {
        batch
            .set_at(signal.index(), Column::f64(values))
            .expect("a column per signal");
    }
    let mut single = engine.scratch();
    let mut scratch = engine.batch_scratch();
    let decisions = engine
        .classify_batch(&batch, &mut scratch)
        .expect("columns of the engine's schema");
    for (lane, decision) in decisions.iter().enumerate() {
        assert_eq!(
            decision.to_record(),
            engine.classify(customer(lane), &mut single).to_record(),
            "the batch classifies customer {lane} otherwise"
        );
    }
    for history in histories {
        let now = Timestamp::from_unix_seconds(TIMES[0]);
        let all = vec![history.clone(); lanes];
        let decisions = engine
            .decide_batch(&batch, &all, now, &mut scratch)
            .expect("columns of the engine's schema");
        for (lane, decision) in decisions.iter().enumerate() {
            assert_eq!(
                decision.to_record(),
                engine
                    .decide(customer(lane), history, now, &mut single)
                    .to_record(),
                "the batch decides customer {lane} otherwise"
            );
        }
    }
}

/// Both pictures of the stage graph draw every stage, each Mermaid
/// statement on a line of its own, whatever the names say.
fn pictures_name_every_stage(engine: &Engine) {
    for labels in [EdgeLabels::Full, EdgeLabels::Ids] {
        let mermaid = engine.to_mermaid(labels);
        let dot = engine.to_dot(labels);
        assert!(!mermaid.chars().any(|c| c.is_control() && c != '\n'));
        for stage in engine.model().iter() {
            let described = format!("{}: ", stage.id());
            let lines = mermaid
                .lines()
                .filter(|line| {
                    line.trim_start()
                        .trim_start_matches('_')
                        .starts_with(&described)
                })
                .count();
            assert_eq!(
                lines,
                1,
                "{} is not described once in {mermaid}",
                stage.id()
            );
            let node = format!("\"{}\"", stage.id());
            assert!(dot.contains(&node), "{} is not in {dot}", stage.id());
        }
    }
}

/// Times around the ones that matter and at both ends of the clock.
const TIMES: [i64; 4] = [0, 1_700_000_000, i64::MIN, i64::MAX];

/// No contacts; and every action shown twice and dismissed once.
fn histories(engine: &Engine) -> Vec<ContactLog> {
    let mut busy = ContactLog::new();
    for action in engine.actions() {
        busy.record_shown(action.id(), Timestamp::from_unix_seconds(1_699_990_000));
        busy.record_shown(action.id(), Timestamp::from_unix_seconds(1_700_000_000));
        busy.record_dismissed(action.id(), Timestamp::from_unix_seconds(1_700_000_000));
    }
    vec![ContactLog::new(), busy]
}

/// Not yet placed; in each stage since a day ago and since the start of
/// the clock; in a stage the model lacks.
fn states(engine: &Engine) -> Vec<JourneyState> {
    let mut states = vec![JourneyState::new()];
    for stage in engine.model().iter() {
        for entered in [1_699_913_600, i64::MIN] {
            let entered = Timestamp::from_unix_seconds(entered);
            states.push(JourneyState::in_stage(stage.id(), entered).with_cycles(u32::MAX));
        }
    }
    states.push(JourneyState::in_stage("no such stage", Timestamp::EPOCH));
    states
}

/// What holds for one customer of an engine, whatever the ruleset:
///
/// - the compiled classification equals the reference interpreter's;
/// - a decision classifies the same, suggests only actions of the decided
///   stage, each once, within the arbitration's limits, regular actions or
///   else fallbacks, and its explanation tells the same stage, rules, tags
///   and suggestions;
/// - a decision in any stage of the model classifies the same, suggests as
///   above for that stage, agrees with its explanation, and is the decision
///   of `decide` when the stage is the classified one;
/// - a journey step moves as [`step_follows_the_rules`] says.
pub fn engine_keeps_promises(
    engine: &Engine,
    customer: &SignalRecord,
    histories: &[ContactLog],
    states: &[JourneyState],
    times: &[i64],
) {
    let mut scratch = engine.scratch();
    let mut funnel = Funnel::new(engine.model());
    let decision = engine.classify(customer, &mut scratch);
    funnel
        .add_decision(&decision)
        .expect("a decision of the funnel's model");
    let classified = decision.to_record();
    let json = serde_json::to_string(&classified).expect("a decision record serializes");
    let back: DecisionRecord = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("a decision serializes as {json}, which does not parse: {e}"));
    assert_eq!(back, classified, "the serde round trip of a decision");
    assert_eq!(
        engine.classify_interpreted(customer),
        classified,
        "compiled and interpreted classification differ for {customer:?}"
    );
    for history in histories {
        for &now in times {
            let now = Timestamp::from_unix_seconds(now);
            let decided = engine
                .decide(customer, history, now, &mut scratch)
                .to_record();
            let mut without_actions = decided.clone();
            without_actions.actions.clear();
            assert_eq!(without_actions, classified, "decide classifies differently");
            suggestions_are_allowed(engine, &decided);

            explanation_agrees(&engine.explain(customer, history, now), &decided);

            for stage in engine.model().iter() {
                let decided_in = engine
                    .decide_in(stage, customer, history, now, &mut scratch)
                    .expect("a stage of the engine")
                    .to_record();
                assert_eq!(decided_in.stage, stage.id(), "decide_in decides elsewhere");
                if stage.id() == classified.stage {
                    assert_eq!(decided_in, decided, "decide_in differs from decide");
                } else {
                    assert_eq!(
                        (&decided_in.evidence, &decided_in.fired, &decided_in.tags),
                        (&classified.evidence, &classified.fired, &classified.tags),
                        "decide_in classifies differently"
                    );
                    assert!((0.0..=1.0).contains(&decided_in.confidence));
                }
                suggestions_are_allowed(engine, &decided_in);
                let explanation = engine
                    .explain_in(stage, customer, history, now)
                    .expect("a stage of the engine");
                assert_eq!(explanation.classified_stage, classified.stage);
                explanation_agrees(&explanation, &decided_in);
            }
        }
    }
    let journey = journey_schema(engine);
    for state in states {
        for &now in times {
            let now = Timestamp::from_unix_seconds(now);
            for moved in
                step_follows_the_rules(engine, journey.as_ref(), customer, state, now, &mut scratch)
            {
                funnel
                    .add_transition(&moved)
                    .expect("a move within the model");
            }
        }
    }
    let stats = funnel.stats();
    assert!(!stats.bar_chart(40).is_empty());
    assert_eq!(
        stats,
        funnel.stats(),
        "the funnel's statistics are unstable"
    );
}

/// An explanation tells its decision's stage and confidence, and the same
/// fired rules, held tags and suggestions (with their priorities), in order.
pub fn explanation_agrees(explanation: &Explanation, decided: &DecisionRecord) {
    assert!(explanation.to_string().contains(&decided.stage));
    assert_eq!(explanation.stage, decided.stage, "the explanation's stage");
    assert_eq!(explanation.confidence, decided.confidence);
    let fired: Vec<&str> = explanation
        .rules
        .iter()
        .filter(|rule| rule.fired)
        .map(|rule| rule.id.as_str())
        .collect();
    assert_eq!(fired, decided.fired, "the explanation's rules");
    let tags: Vec<&str> = explanation
        .tags
        .iter()
        .filter(|tag| tag.held)
        .map(|tag| tag.id.as_str())
        .collect();
    assert_eq!(tags, decided.tags, "the explanation's tags");
    let explained: Vec<(&str, Option<f64>, bool)> = explanation
        .suggested()
        .map(|a| {
            let priority = a.priority.as_ref().map(|p| p.priority);
            (a.id.as_str(), priority, a.fallback)
        })
        .collect();
    let suggested: Vec<(&str, Option<f64>, bool)> = decided
        .actions
        .iter()
        .map(|a| (a.id.as_str(), Some(a.priority), a.fallback))
        .collect();
    assert_eq!(explained, suggested, "the explanation's suggestions");
    // Fallbacks only when no regular action could be suggested, and then
    // every one the stage has says why not; otherwise each fallback of the
    // stage says it was not needed.
    let fell_back = decided.actions.iter().any(|a| a.fallback);
    for trace in &explanation.actions {
        let Outcome::NotSuggested { reasons } = &trace.outcome else {
            continue;
        };
        let other_stage = matches!(reasons.as_slice(), [Reason::OtherStage { .. }]);
        if trace.fallback && !other_stage {
            assert_eq!(
                reasons.last() == Some(&Reason::RegularActionsSuggested),
                !fell_back && !decided.actions.is_empty(),
                "{}: {reasons:?}",
                trace.id
            );
        }
        if !trace.fallback && fell_back {
            assert!(
                !matches!(
                    reasons.as_slice(),
                    [Reason::GroupFull { .. } | Reason::Outranked { .. }]
                ),
                "{} was eligible, yet fallbacks were offered",
                trace.id
            );
        }
    }
}

fn suggestions_are_allowed(engine: &Engine, decided: &DecisionRecord) {
    let stage = engine
        .model()
        .find(&decided.stage)
        .expect("a stage of the model");
    let arbitration = engine.arbitration();
    assert!(decided.actions.len() <= arbitration.max_suggestions);
    let mut groups: Vec<&str> = Vec::new();
    let fell_back = decided.actions.first().is_some_and(|a| a.fallback);
    for (i, suggestion) in decided.actions.iter().enumerate() {
        let action = engine
            .find_action(&suggestion.id)
            .unwrap_or_else(|| panic!("suggested {} is not in the catalog", suggestion.id));
        assert_eq!(suggestion.fallback, action.is_fallback(), "{}", action.id());
        assert_eq!(
            suggestion.fallback, fell_back,
            "regular actions and fallbacks suggested together"
        );
        assert!(
            action.stages().contains(&stage.index()),
            "{} is not for {}",
            action.id(),
            stage.id()
        );
        assert!(
            decided.actions[..i]
                .iter()
                .all(|earlier| earlier.id != suggestion.id),
            "{} suggested twice",
            suggestion.id
        );
        assert!(
            suggestion.priority.is_finite(),
            "{}: priority {}",
            suggestion.id,
            suggestion.priority
        );
        groups.push(action.group());
    }
    for group in &groups {
        let n = groups.iter().filter(|g| *g == group).count();
        assert!(
            n <= arbitration.max_per_group,
            "{n} suggestions of group {group}"
        );
    }
}

/// One journey step, replayed here one move at a time: an unplaced
/// customer is first placed in the classified stage; a stage the model
/// lacks is an error. Then, from the stage reached, the single move the
/// rules document: the first rule, by priority and then declaration order,
/// whose `from` has the stage, whose minimum dwell has passed and whose
/// condition holds over the customer's signals with `stage` and
/// `days_in_stage` (`journey`, from [`journey_schema`]); repeated from the
/// stage it enters (at `now`, so with no time in it yet) until no rule
/// fires or the rule that fires would enter a stage the step has already
/// been in. The step must make exactly these moves and end in the state
/// they lead to. Returns the moves.
pub fn step_follows_the_rules(
    engine: &Engine,
    journey: Option<&Schema>,
    customer: &SignalRecord,
    state: &JourneyState,
    now: Timestamp,
    scratch: &mut Scratch,
) -> Vec<Transition> {
    let step = engine.advance(state, customer, now, scratch);
    let (mut expected, mut current) = match state.stage() {
        None => {
            let step = step.as_ref().expect("placing a new customer cannot fail");
            let stage = engine.classify_interpreted(customer).stage;
            let placed = step.moves.first().expect("a new customer is placed");
            assert_eq!(
                (placed.from(), placed.to(), placed.rule()),
                (None, stage.as_str(), None),
                "the placement"
            );
            let state = JourneyState::in_stage(&stage, now).with_cycles(state.cycles());
            (vec![(None, stage, None, Span::ZERO)], state)
        }
        Some(id) if engine.model().find(id).is_none() => {
            error_is_clear(&step.expect_err("a stage the model lacks is an error"));
            return Vec::new();
        }
        Some(_) => (Vec::new(), state.clone()),
    };
    let step = step.expect("a step from a stage of the model");
    let moves = step.moves.to_vec();
    let Some(schema) = journey else {
        return moves;
    };
    let mut visited = vec![current.stage().expect("a stage").to_owned()];
    while let Some(rule) = single_move(engine, schema, customer, &current, now) {
        let to = engine
            .model()
            .stage(rule.to())
            .expect("a stage of the model")
            .id();
        if visited.iter().any(|stage| stage == to) {
            break;
        }
        visited.push(to.to_owned());
        let from = current.stage().expect("a stage");
        expected.push((
            Some(from.to_owned()),
            to.to_owned(),
            Some(rule.id().to_owned()),
            current.time_in_stage(now),
        ));
        current = JourneyState::in_stage(to, now)
            .with_previous(from)
            .with_cycles(current.cycles().saturating_add(u32::from(rule.new_cycle())));
    }
    let made: Vec<_> = moves
        .iter()
        .map(|t| {
            assert_eq!(t.at(), now, "a move at another time: {t:?}");
            (
                t.from().map(str::to_owned),
                t.to().to_owned(),
                t.rule().map(str::to_owned),
                t.time_in_previous(),
            )
        })
        .collect();
    assert_eq!(made, expected, "from {state:?} at {now:?}: the moves");
    assert!(
        moves.len() <= engine.model().len(),
        "more moves than stages"
    );
    if moves.is_empty() {
        assert_eq!(
            &step.state, state,
            "a step without a move changed the state"
        );
    } else {
        assert_eq!(step.state, current, "from {state:?} at {now:?}: the state");
    }
    moves
}

/// The transition rule that moves a customer in `state` at `now`, as the
/// documentation words one move: of the rules whose `from` has the stage,
/// by priority and then declaration order, the first whose minimum dwell
/// has passed and whose condition holds.
fn single_move<'e>(
    engine: &'e Engine,
    schema: &Schema,
    customer: &SignalRecord,
    state: &JourneyState,
    now: Timestamp,
) -> Option<&'e TransitionRule> {
    let stage = engine
        .model()
        .find(state.stage().expect("a placed state"))
        .expect("a stage of the model");
    let in_stage = state.time_in_stage(now);
    let mut candidates: Vec<_> = engine
        .transitions()
        .filter(|rule| rule.from().contains(&stage.index()))
        .collect();
    candidates.sort_by_key(|rule| Reverse(rule.priority()));
    let mut values = schema.record();
    for (signal, value) in customer.iter() {
        values.set(signal.id(), value).expect("the same signal");
    }
    values.set("stage", stage.id()).expect("a label");
    values
        .set("days_in_stage", in_stage.as_seconds() as f64 / 86_400.0)
        .expect("a number");
    candidates.into_iter().find(|rule| {
        rule.min_dwell().is_none_or(|dwell| in_stage >= dwell)
            && rule
                .condition()
                .evaluate(schema, &values)
                .unwrap_or_else(|e| panic!("{} checked, then failed: {e}", rule.id()))
    })
}

/// The engine's signals with the journey's two, `stage` and
/// `days_in_stage`: the schema transition conditions are checked against,
/// as the crate documents it. `None` when the host already has a signal of
/// one of those ids.
fn journey_schema(engine: &Engine) -> Option<Schema> {
    let mut specs: Vec<SignalSpec> = engine
        .schema()
        .iter()
        .map(|signal| {
            let mut spec = match signal.kind() {
                SignalKind::Number => SignalSpec::number(signal.id()),
                SignalKind::Count => SignalSpec::count(signal.id()),
                SignalKind::Flag => SignalSpec::flag(signal.id()),
                SignalKind::Category => SignalSpec::category(signal.id(), signal.labels()),
                _ => unreachable!("a kind this check does not know"),
            };
            // A signal derived with `days_since` is in days without declaring it.
            spec.unit = signal.unit();
            spec.ordered = signal.is_ordered();
            spec
        })
        .collect();
    specs.push(SignalSpec::category(
        "stage",
        engine.model().iter().map(|s| s.id()),
    ));
    specs.push(SignalSpec::number("days_in_stage").unit(TimeUnit::Days));
    Schema::new(&specs).ok()
}

// ---------------------------------------------------------------------------
// Host input
// ---------------------------------------------------------------------------

/// What a host hands the engine, one line each, read leniently:
///
/// ```text
/// set ID VALUE      true/false, a number, or else a label
/// unset ID
/// state JSON        a JourneyState
/// history JSON      a ContactLog
/// profile JSON      a Profile
/// now SECONDS
/// event ID SECONDS [VALUE]
/// ```
///
/// A `set` (or a `text`, a value in its text form) either stores exactly
/// the value or fails with an error and leaves the record as it was; a state or history that deserializes is
/// decided and stepped at the given time and at both ends of the clock,
/// keeping every promise of [`engine_keeps_promises`]. An `event` is
/// observed for a customer of the profile, state and history read so far,
/// at the last `now` given: it succeeds, and the customer reads back from
/// its serde form as it was, or fails with a clear error and changes
/// nothing; then the customer is refreshed at every time given.
pub fn host_input(bytes: &[u8]) {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        Engine::builder(built_in_with_every_kind())
            .build()
            .expect("the built-in model with two more signals builds")
    });
    let text = String::from_utf8_lossy(bytes);
    let mut customer = engine.record();
    let mut state = JourneyState::new();
    let mut history = ContactLog::new();
    let mut times = vec![i64::MIN, 0, i64::MAX];
    let mut observed = Customer::new();
    let mut scratch = engine.scratch();
    for line in text.lines() {
        let (command, rest) = line.split_once(' ').unwrap_or((line, ""));
        match command {
            "set" => {
                let (id, value) = rest.split_once(' ').unwrap_or((rest, ""));
                set_keeps_its_promise(&mut customer, id, value);
            }
            "text" => {
                let (id, value) = rest.split_once(' ').unwrap_or((rest, ""));
                text_keeps_its_promise(&mut customer, id, value);
            }
            "unset" => {
                let before = customer.clone();
                if customer.unset(rest).is_err() {
                    assert_eq!(customer, before, "a failed unset changed the record");
                } else {
                    assert_eq!(customer.get(rest), None);
                }
            }
            // Bad JSON is the deserializer's error to report, not a promise.
            "state" => {
                if let Ok(read) = serde_json::from_str::<JourneyState>(rest) {
                    observed.journey = read.clone();
                    state = read;
                }
            }
            "profile" => {
                if let Ok(read) = serde_json::from_str(rest) {
                    observed.profile = read;
                }
            }
            "event" => {
                let mut words = rest.split(' ');
                let id = words.next().unwrap_or("");
                let at = words.next().and_then(|at| at.parse().ok()).unwrap_or(0);
                let value = words.next().and_then(|value| value.parse().ok());
                let now = times.last().copied().unwrap_or(at);
                event_keeps_its_promise(engine, &mut observed, &mut scratch, (id, at, value), now);
            }
            "history" => {
                if let Ok(read) = serde_json::from_str::<ContactLog>(rest) {
                    observed.history = read.clone();
                    history = read;
                }
            }
            "now" => {
                if let Ok(now) = rest.trim().parse() {
                    times.push(now);
                }
            }
            _ => {}
        }
    }
    for &now in &times {
        let before = observed.clone();
        let now = Timestamp::from_unix_seconds(now);
        if let Err(error) = engine.refresh(&mut observed, now, &mut scratch) {
            error_is_clear(&error);
            assert_eq!(observed, before, "a failed refresh changed the customer");
        }
    }
    history_keeps_time(&history, &times);
    engine_keeps_promises(engine, &customer, &[history], &[state], &times);
}

/// Setting a signal from text either stores what the signal reads the
/// text as (nothing, for empty text) or fails with a clear error naming
/// the signal and leaves the record as it was.
fn text_keeps_its_promise(customer: &mut SignalRecord, id: &str, text: &str) {
    let before = customer.clone();
    match customer.set_text(id, text) {
        Ok(()) => {
            let signal = customer
                .schema()
                .find(id)
                .expect("a signal set by id exists");
            let read = signal
                .parse_text(text)
                .expect("text that set a signal parses");
            assert_eq!(customer.get(id), read, "set_text({id:?}, {text:?})");
        }
        Err(error) => {
            error_is_clear(&error);
            assert_eq!(customer, &before, "a failed set_text changed the record");
        }
    }
}

/// Observing an event either succeeds, with signals that fit their kinds
/// and a customer that reads back from its serde form as it was, or fails
/// with a clear error and changes nothing.
fn event_keeps_its_promise(
    engine: &Engine,
    customer: &mut Customer,
    scratch: &mut Scratch,
    (id, at, value): (&str, i64, Option<f64>),
    now: i64,
) {
    let before = customer.clone();
    let at = Timestamp::from_unix_seconds(at);
    let event = value.map_or(Event::new(id, at), |value| {
        Event::new(id, at).with_value(value)
    });
    match engine.observe(customer, event, Timestamp::from_unix_seconds(now), scratch) {
        Ok(seen) => {
            for (signal, value) in seen.signals.iter() {
                if let (SignalKind::Count, Value::Number(n)) = (signal.kind(), value) {
                    assert!(n >= 0.0 && n.fract() == 0.0, "{}: {n}", signal.id());
                }
            }
            assert_eq!(
                seen.decision.stage().id(),
                seen.step.state.stage().unwrap_or("")
            );
            let json = serde_json::to_string(&*customer).expect("a customer serializes");
            let back: Customer = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{json} does not read back: {e}"));
            assert_eq!(&back, &*customer, "the serde round trip of {json}");
        }
        Err(error) => {
            error_is_clear(&error);
            assert_eq!(*customer, before, "a failed observe changed the customer");
        }
    }
}

fn set_keeps_its_promise(customer: &mut SignalRecord, id: &str, text: &str) {
    let value = match text {
        "true" => Value::Flag(true),
        "false" => Value::Flag(false),
        _ => text.parse().map_or(Value::Label(text), Value::Number),
    };
    let before = customer.clone();
    match customer.set(id, value) {
        Ok(()) => {
            let stored = customer.get(id).expect("a value just set");
            match (stored, value) {
                (Value::Number(a), Value::Number(b)) => assert!(a == b, "{id}: set {b}, got {a}"),
                (stored, value) => assert_eq!(stored, value, "{id}"),
            }
            if let Value::Number(n) = value {
                assert!(n.is_finite(), "{id} took {n}");
            }
        }
        Err(error) => {
            error_is_clear(&error);
            assert_eq!(*customer, before, "a failed set changed the record");
        }
    }
}

/// Forgetting keeps exactly the contacts at or after the cut, in order.
fn history_keeps_time(history: &ContactLog, times: &[i64]) {
    // A log does not list its actions; its serde form, a map by action id, does.
    let actions: Vec<String> = serde_json::to_value(history)
        .ok()
        .and_then(|json| json.as_object().map(|map| map.keys().cloned().collect()))
        .unwrap_or_default();
    for &cut in times {
        let cut = Timestamp::from_unix_seconds(cut);
        let mut kept = history.clone();
        kept.forget_before(cut);
        for action in &actions {
            let before: Vec<Timestamp> = history.shown(action).filter(|&t| t >= cut).collect();
            let after: Vec<Timestamp> = kept.shown(action).collect();
            assert_eq!(after, before, "{action}: forgetting before {cut:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------

/// An error says what went wrong, in a line a person can read.
fn error_is_clear(error: &Error) {
    let message = error.to_string();
    assert!(!message.trim().is_empty(), "an empty error: {error:?}");
    // Input is quoted in part: a long id makes a line, not a page.
    assert!(
        message.len() < 1_024,
        "an error of {} bytes: {message}",
        message.len()
    );
}

/// A clear error about `text` whose column, if it has one, is in the text
/// or just after its end.
fn error_points_into(error: &Error, text: &str) {
    error_is_clear(error);
    if let Some(column) = error.location().and_then(Location::column) {
        assert!(
            (1..=text.len() + 1).contains(&column),
            "column {column} of {text:?}: {error}"
        );
    }
}

/// Customers that exercise every comparison: all missing, then each signal
/// drawn from a palette of its kind (missing, zero, one, fractions, huge,
/// each label) in a different rhythm per signal.
fn customers(schema: &Schema) -> Vec<SignalRecord> {
    const NUMBERS: [f64; 9] = [0.0, 1.0, -1.0, 0.5, 3.0, 7.25, 1e9, -1e300, f64::MAX];
    const COUNTS: [f64; 7] = [0.0, 1.0, 2.0, 3.0, 5.0, 10.0, 1e15];
    (0..6)
        .map(|i| {
            let mut record = schema.record();
            for (j, signal) in schema.iter().enumerate() {
                let pick = i * (j + 1) + j;
                if i == 0 || pick % 5 == 4 {
                    continue;
                }
                let set = match signal.kind() {
                    SignalKind::Number => record.set(signal.id(), NUMBERS[pick % NUMBERS.len()]),
                    SignalKind::Count => record.set(signal.id(), COUNTS[pick % COUNTS.len()]),
                    SignalKind::Flag => record.set(signal.id(), pick % 2 == 0),
                    SignalKind::Category => match signal.labels().nth(pick % signal.labels().len())
                    {
                        Some(label) => record.set(signal.id(), label),
                        None => Ok(()),
                    },
                    _ => Ok(()),
                };
                set.unwrap_or_else(|e| panic!("a palette value for {}: {e}", signal.id()));
            }
            record
        })
        .collect()
}

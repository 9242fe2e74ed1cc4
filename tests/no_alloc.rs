//! `Engine::classify`, `Engine::decide`, `Engine::decide_in`,
//! `Engine::advance` and, for a customer kept in memory, `Engine::observe`
//! and `Engine::refresh`, and `Engine::decide_learning` with what a
//! `LearnedStore` records and reads, do not allocate, nor does reading
//! their answers: a counting global allocator around the hot path. Its own
//! binary, because a global allocator is process-wide.

// A global allocator can only be written with `unsafe`; the library itself
// forbids it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write;

use buyer_journey::{
    models, ActionInput, ActionSpec, Arbitration, ContactLimitSpec, ContactLog, Decision, Engine,
    Evidence, HitPolicy, JourneyState, LearnedStore, Outcome, Reason, Response, RulesetSpec,
    ScoreInput, ScoreRuleSpec, Scratch, Signal, SignalRecord, SignalSpec, Signals, Span,
    StageRuleSpec, StageSpec, Step, TagSpec, Timestamp, TransitionSpec, Value,
};

// Shared with the integration binary; this binary uses only some of it.
#[allow(dead_code)]
mod support;

use support::XorShift;

struct Counting;

thread_local! {
    /// Allocations made by this thread while counting; `None` when not counting.
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note_allocation() {
    // `try_with` because the allocator runs during thread teardown too.
    let _ = COUNT.try_with(|count| {
        if let Some(n) = count.get() {
            count.set(Some(n + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `work` makes on this thread.
fn allocations(work: impl FnOnce()) -> usize {
    COUNT.with(|count| count.set(Some(0)));
    work();
    COUNT.with(|count| count.replace(None)).unwrap_or(0)
}

/// Varied customers: every sample, plus each signal alone at a few values.
fn customers(engine: &Engine) -> Vec<SignalRecord> {
    let mut records: Vec<SignalRecord> = models::sample_customers()
        .iter()
        .map(|sample| sample.record(engine.schema()).unwrap())
        .collect();
    for signal in engine.schema().iter() {
        for value in [0.0, 1.0, 7.0] {
            let mut record = engine.record();
            record.set(signal.id(), value).unwrap();
            record.set("purchases", 1).unwrap();
            records.push(record);
        }
    }
    records
}

/// Reads every part of the decision, so lazily built parts would show up.
fn consume(engine: &Engine, customer: &impl Signals, scratch: &mut buyer_journey::Scratch) -> f64 {
    let decision = engine.classify(customer, scratch);
    let mut sum = decision.confidence() + decision.stage().id().len() as f64;
    for (stage, points) in decision.evidence() {
        sum += points + stage.name().len() as f64;
    }
    for rule in decision.fired() {
        sum += rule.id().len() as f64;
    }
    sum + decision.fired_indices().len() as f64
}

#[test]
fn classify_with_records_does_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let records = customers(&engine);
    let mut scratch = engine.scratch();
    let mut checksum = 0.0;
    let count = allocations(|| {
        for record in &records {
            checksum += consume(&engine, record, &mut scratch);
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(count, 0, "classify allocated {count} times");
}

/// A host type with its own layout.
struct Visitor {
    reviews: u32,
    carts: u32,
    plan: &'static str,
}

impl Signals for Visitor {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        match signal.id() {
            "reviews_read" => Some(self.reviews.into()),
            "cart_adds" => Some(self.carts.into()),
            // The wrong kind for a count: read as missing, without allocating.
            "purchases" => Some(Value::Label(self.plan)),
            _ => None,
        }
    }
}

#[test]
fn classify_with_host_signals_and_scorers_does_not_allocate() {
    let mut spec = models::buying_process();
    spec.hit_policy = HitPolicy::HighestScore;
    spec.score_rules.push(ScoreRuleSpec::new(
        "score.engaged",
        "evaluation",
        "reviews_read + cart_adds >= 3",
        2.5,
    ));
    let engine = Engine::builder(spec)
        .scorer(|input: &ScoreInput<'_>, evidence: &mut Evidence<'_>| {
            if let (Some(reviews), Some(stage)) = (
                input.number("reviews_read"),
                input
                    .find_stage("information_search")
                    .map(|stage| stage.index()),
            ) {
                evidence.add(stage, reviews / 10.0);
            }
        })
        .build()
        .unwrap();
    let visitors: Vec<Visitor> = (0..50)
        .map(|i| Visitor {
            reviews: i % 7,
            carts: i % 3,
            plan: "pro",
        })
        .collect();
    let mut scratch = engine.scratch();
    let mut checksum = 0.0;
    let count = allocations(|| {
        for visitor in &visitors {
            checksum += consume(&engine, visitor, &mut scratch);
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(count, 0, "classify allocated {count} times");
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the two tests above against a counter that never counts.
    let count = allocations(|| {
        let boxed = std::hint::black_box(Box::new(7));
        assert_eq!(*boxed, 7);
    });
    assert_eq!(count, 1);
}

// --- decide ------------------------------------------------------------------

/// The moment every decision below is made at.
fn now() -> Timestamp {
    Timestamp::from_unix_seconds(1_700_000_000)
}

/// `count` generated customers of `engine`'s schema: each signal missing
/// about a third of the time, counts mostly small with many zeros.
fn generated(engine: &Engine, count: usize, seed: u64) -> Vec<SignalRecord> {
    let mut random = XorShift(seed);
    (0..count)
        .map(|_| {
            let mut record = engine.record();
            for signal in engine.schema().iter() {
                if random.next() % 3 == 0 {
                    continue;
                }
                let value = match signal.id() {
                    "days_since_purchase" => (random.below(20) * 17) as f64,
                    "satisfaction" => random.below(11) as f64,
                    _ => random.below(12).saturating_sub(5) as f64,
                };
                record.set(signal.id(), value).unwrap();
            }
            record
        })
        .collect()
}

/// Contact histories over `engine`'s catalog: none; a light one (every third
/// action shown three days ago and dismissed once); a heavy one (showings
/// hours ago, several inside the short cap windows, up to two dismissals,
/// and old showings outside most windows), both also with an id outside the
/// catalog; and a busy one (every action shown a minute ago), which leaves
/// many stages to their fallbacks.
fn histories(engine: &Engine) -> Vec<ContactLog> {
    let mut light = ContactLog::new();
    let mut heavy = ContactLog::new();
    let mut busy = ContactLog::new();
    for (i, action) in engine.actions().enumerate() {
        let id = action.id();
        busy.record_shown(id, now().before(Span::minutes(1)));
        if i % 3 == 0 {
            light.record_shown(id, now().before(Span::days(3)));
            light.record_dismissed(id, now().before(Span::days(2)));
        }
        let i = i as u64;
        for j in 0..(i / 4) % 4 {
            heavy.record_shown(id, now().before(Span::hours(1 + 5 * j + i % 7)));
        }
        for _ in 0..i % 3 {
            heavy.record_dismissed(id, now().before(Span::hours(2)));
        }
        heavy.record_shown(id, now().before(Span::days(20 + i)));
    }
    light.record_shown("not.in.the.catalog", now());
    heavy.record_dismissed("not.in.the.catalog", now());
    vec![ContactLog::new(), light, heavy, busy]
}

/// Reads every part of the decision: stage, tags and each suggestion with
/// every accessor, its explanation written into `why`, whose capacity must
/// suffice.
fn read(decision: &Decision<'_>, why: &mut String) -> f64 {
    let mut sum = decision.confidence()
        + decision.stage().id().len() as f64
        + decision.classified_stage().id().len() as f64;
    for tag in decision.tags() {
        sum += tag.id().len() as f64;
    }
    sum += f64::from(u8::from(decision.has_tag("new")));
    for (i, suggestion) in decision.actions().enumerate() {
        assert_eq!(suggestion.rank(), i + 1);
        sum += suggestion.priority()
            + suggestion.propensity()
            + suggestion.value()
            + suggestion.weight()
            + (suggestion.id().len() + suggestion.kind().len()) as f64
            + suggestion.action().name().len() as f64;
        if let Some(rule) = suggestion.propensity_rule() {
            sum += rule.propensity();
        }
        sum += f64::from(u8::from(suggestion.is_fallback()));
        why.clear();
        write!(
            why,
            "{}. {}: {}",
            suggestion.rank(),
            suggestion.id(),
            suggestion.why()
        )
        .unwrap();
        sum += why.len() as f64;
    }
    sum
}

/// What the decisions of `engine` looked like, off the counted path.
#[derive(Debug, Default)]
struct Seen {
    suggestions: usize,
    /// Decisions that offered fallbacks.
    fallbacks: usize,
    cooldowns: usize,
    caps: usize,
    dismissals: usize,
    contact_limits: usize,
    suppressions: usize,
}

/// Checks `decide` against `explain` (ids, order) for every customer and
/// history, and counts what the explanations saw. Allocates; not counted.
fn check_against_explain(
    engine: &Engine,
    customers: &[SignalRecord],
    histories: &[ContactLog],
) -> Seen {
    let mut scratch = engine.scratch();
    let mut seen = Seen::default();
    for history in histories {
        for customer in customers {
            let decision = engine.decide(customer, history, now(), &mut scratch);
            let decided: Vec<&str> = decision.actions().map(|s| s.id()).collect();
            let explanation = engine.explain(customer, history, now());
            let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
            assert_eq!(decided, explained, "{customer:?} with {history:?}");
            seen.suggestions += decided.len();
            seen.fallbacks += usize::from(decision.actions().any(|s| s.is_fallback()));
            for action in &explanation.actions {
                if let Outcome::NotSuggested { reasons } = &action.outcome {
                    for reason in reasons {
                        match reason {
                            Reason::Cooldown { .. } => seen.cooldowns += 1,
                            Reason::Capped { .. } => seen.caps += 1,
                            Reason::Dismissed { .. } => seen.dismissals += 1,
                            Reason::ContactLimit { .. } => seen.contact_limits += 1,
                            Reason::Suppressed { .. } => seen.suppressions += 1,
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    seen
}

/// How many allocations deciding for every customer with every history
/// makes, reading each decision. The scratch is fresh from
/// [`Engine::scratch`] and counted from its first call: it needs no warm-up.
fn decide_all(engine: &Engine, customers: &[SignalRecord], histories: &[ContactLog]) -> usize {
    let mut scratch = engine.scratch();
    let mut why = String::with_capacity(4096);
    let capacity = why.capacity();
    let mut checksum = 0.0;
    let count = allocations(|| {
        for history in histories {
            for (i, customer) in customers.iter().enumerate() {
                let at = now() + Span::minutes(i as u64 % 90);
                let decision = engine.decide(customer, history, at, &mut scratch);
                checksum += read(&decision, &mut why);
            }
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(why.capacity(), capacity);
    count
}

#[test]
fn decide_on_the_built_in_model_does_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let mut records = customers(&engine);
    records.extend(generated(&engine, 600, 0x9E37_79B9_7F4A_7C15));
    let histories = histories(&engine);
    let seen = check_against_explain(&engine, &records, &histories);
    // The histories hold actions back on every path of the contact policy,
    // and leave stages to their fallbacks.
    assert!(seen.suggestions > records.len(), "{seen:?}");
    assert!(
        seen.cooldowns > 0 && seen.caps > 0 && seen.dismissals > 0,
        "{seen:?}"
    );
    assert!(seen.fallbacks > records.len() / 2, "{seen:?}");

    let count = decide_all(&engine, &records, &histories);
    assert_eq!(count, 0, "decide allocated {count} times");
}

/// The built-in model with every limit that reads responses and counts
/// contacts across actions, and histories that reach each of them.
#[test]
fn decide_with_contact_limits_and_responses_does_not_allocate() {
    let mut spec = models::buying_process();
    for (i, action) in spec.actions.iter_mut().enumerate() {
        match i % 3 {
            0 => {
                *action = action.clone().response_window(Span::hours(6)).suppress(
                    2,
                    Span::days(5),
                    Span::days(2),
                );
            }
            1 => action.contact.dismissals_expire = Some(Span::days(3)),
            _ => {}
        }
    }
    spec.contact_limits = vec![
        ContactLimitSpec::new("daily", 4, Span::days(1)),
        ContactLimitSpec::new("consultations", 1, Span::days(2)).group("consultation"),
    ];
    let engine = Engine::builder(spec).build().unwrap();
    let mut records = customers(&engine);
    records.extend(generated(&engine, 300, 0x5EED_0014));
    let mut histories = histories(&engine);
    let mut answered = ContactLog::new();
    for (i, action) in engine.actions().enumerate() {
        let i = i as u64;
        answered.record_shown(action.id(), now().before(Span::hours(7 + i)));
        answered.record_shown(action.id(), now().before(Span::days(1 + i % 3)));
        let response = Response::ALL[(i % 4) as usize];
        answered.record_response(action.id(), response, now().before(Span::hours(i)));
    }
    histories.push(answered);
    let seen = check_against_explain(&engine, &records, &histories);
    assert!(
        seen.contact_limits > 0 && seen.suppressions > 0 && seen.dismissals > 0,
        "{seen:?}"
    );
    let count = decide_all(&engine, &records, &histories);
    assert_eq!(count, 0, "decide allocated {count} times");
}

#[test]
fn decide_with_a_host_action_scorer_does_not_allocate() {
    let engine = Engine::builder(models::buying_process())
        .action_scorer(|input: &ActionInput<'_>| {
            let reviews = input.signals().number("reviews_read").unwrap_or(0.0);
            let regular = input.has_tag("new") || input.tags().any(|tag| tag.id() == "loyal");
            match input.action().kind() {
                // Above 1 for keen readers: clamped.
                "social_proof" => reviews / 3.0,
                // NaN counts as 0, so never suggested.
                "content" if input.stage().id() == "need_recognition" => f64::NAN,
                _ if input.propensity_rule().is_some() => input.built_in() - 0.1,
                _ => input.built_in() + if regular { 0.2 } else { 0.0 },
            }
        })
        .build()
        .unwrap();
    let mut records = customers(&engine);
    records.extend(generated(&engine, 600, 0x2545_F491_4F6C_DD1D));
    let histories = histories(&engine);
    let seen = check_against_explain(&engine, &records, &histories);
    assert!(seen.suggestions > records.len(), "{seen:?}");

    let count = decide_all(&engine, &records, &histories);
    assert_eq!(count, 0, "decide allocated {count} times");
}

#[test]
fn decide_in_every_stage_does_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    // The same ruleset built again: its stages stand for this engine's.
    let twin = Engine::builder(models::buying_process()).build().unwrap();
    let mut records = customers(&engine);
    records.extend(generated(&engine, 200, 0x0DEC_1DE1));
    let histories = histories(&engine);

    // `explain_in` is the specification, off the counted path.
    let mut scratch = engine.scratch();
    let mut fallbacks = 0;
    for stage in engine.model().iter() {
        for history in &histories {
            for record in &records {
                let decision = engine
                    .decide_in(stage, record, history, now(), &mut scratch)
                    .unwrap();
                assert_eq!(decision.stage(), stage);
                let decided: Vec<&str> = decision.actions().map(|s| s.id()).collect();
                fallbacks += usize::from(decision.actions().any(|s| s.is_fallback()));
                let explanation = engine.explain_in(stage, record, history, now()).unwrap();
                let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
                assert_eq!(decided, explained, "{} {record:?}", stage.id());
            }
        }
    }
    assert!(fallbacks > records.len(), "{fallbacks}");

    let mut scratch = engine.scratch();
    let mut why = String::with_capacity(4096);
    let mut checksum = 0.0;
    let count = allocations(|| {
        for (own, theirs) in engine.model().iter().zip(twin.model().iter()) {
            for history in &histories {
                for record in &records {
                    for stage in [own, theirs] {
                        let decision = engine
                            .decide_in(stage, record, history, now(), &mut scratch)
                            .unwrap();
                        checksum += read(&decision, &mut why);
                    }
                }
            }
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(count, 0, "decide_in allocated {count} times");
}

/// Actions per stage of [`wide`].
const WIDE: usize = 20;

/// Groups of [`wide`]: its first `GROUPS` actions of each stage, one per
/// group, are always eligible.
const GROUPS: usize = 8;

/// Three stages over counts `a`, `b`, `c`, each with `WIDE` actions in
/// `GROUPS` groups: the first `GROUPS` always eligible, the rest with
/// conditions, propensity rules, tags and contact policies.
fn wide(arbitration: Arbitration) -> RulesetSpec {
    let stages = ["first", "second", "third"];
    let mut actions = Vec::new();
    for stage in stages {
        for i in 0..WIDE {
            let kind = if i % 2 == 0 { "even" } else { "odd" };
            let mut action =
                ActionSpec::new(&format!("{stage}.a{i}"), kind, &[stage], 10.0 + i as f64)
                    .group(&format!("g{}", i % GROUPS))
                    .propensity(0.1 + 0.04 * i as f64);
            if i >= GROUPS {
                action = action
                    .when(format!("a + b >= {}", i % 5))
                    .propensity_rule(format!("c >= {}", i % 3 + 1), 0.95);
                action = match i % 4 {
                    0 => action.cooldown(Span::days(2)),
                    1 => action.cap(2, Span::days(1)),
                    2 => action.max_dismissals(1),
                    _ => action.requires(&["busy"]).excludes(&["quiet"]),
                };
            }
            actions.push(action);
        }
    }
    actions.push(
        ActionSpec::new("late.everywhere", "late", &["second", "third"], 12.0)
            .when("c >= 2")
            .cooldown(Span::hours(12)),
    );
    {
        let mut spec = RulesetSpec::new(
            ["a", "b", "c"].into_iter().map(SignalSpec::count).collect(),
            stages
                .iter()
                .map(|id| StageSpec::new(id, &id.to_uppercase(), ""))
                .collect(),
        );
        spec.stage_rules = vec![
            StageRuleSpec::new("second.a", "second", "a >= 2"),
            StageRuleSpec::new("third.b", "third", "b >= 3"),
        ];
        spec.tags = vec![
            TagSpec::new("busy", "a + b + c >= 4"),
            TagSpec::new("quiet", "c == 0"),
        ];
        spec.actions = actions;
        spec.arbitration = arbitration;
        spec
    }
}

#[test]
fn decide_with_every_number_of_suggestions_does_not_allocate() {
    for k in 1..=GROUPS {
        let max_per_group = 1 + k % 3;
        let engine = Engine::builder(wide(Arbitration::new(k, max_per_group)))
            .build()
            .unwrap();
        let records = generated(&engine, 200, 0x1234_5678 + k as u64);
        let histories = histories(&engine);
        let seen = check_against_explain(&engine, &records, &histories);
        assert!(
            seen.cooldowns > 0 && seen.caps > 0 && seen.dismissals > 0,
            "{seen:?}"
        );

        // Every decision fills all `k` places, within the group limit.
        let mut scratch = engine.scratch();
        for history in &histories {
            for record in &records {
                let decision = engine.decide(record, history, now(), &mut scratch);
                assert_eq!(decision.actions().len(), k, "{record:?}");
                let mut per_group = [0; GROUPS + 1];
                for suggestion in decision.actions() {
                    let group = suggestion.action().group();
                    let g = group[1..].parse::<usize>().unwrap_or(GROUPS);
                    per_group[g] += 1;
                }
                assert!(per_group.iter().all(|&n| n <= max_per_group));
            }
        }

        let count = decide_all(&engine, &records, &histories);
        assert_eq!(count, 0, "decide with k = {k} allocated {count} times");
    }
}

/// [`wide`], but its first stage has one regular action, which cools down
/// for a day, and `3 * WIDE` fallbacks: more actions to rank than any stage
/// has regular ones.
fn fallback_heavy(arbitration: Arbitration) -> RulesetSpec {
    let mut spec = wide(arbitration);
    spec.actions
        .retain(|action| !action.id.starts_with("first."));
    spec.actions
        .push(ActionSpec::new("first.regular", "even", &["first"], 50.0).cooldown(Span::days(1)));
    for i in 0..3 * WIDE {
        let mut action = ActionSpec::new(&format!("first.f{i}"), "odd", &["first"], 1.0 + i as f64)
            .group(&format!("g{}", i % GROUPS))
            .propensity_rule(format!("c >= {}", i % 3 + 1), 0.5)
            .fallback();
        if i % 3 == 1 {
            action = action.when(format!("a + b >= {}", i % 4));
        }
        if i % 4 == 2 {
            action = action.cooldown(Span::hours(2));
        }
        spec.actions.push(action);
    }
    spec
}

#[test]
fn decide_offering_many_fallbacks_does_not_allocate() {
    for k in [1, 3, GROUPS] {
        let engine = Engine::builder(fallback_heavy(Arbitration::new(k, 2)))
            .build()
            .unwrap();
        let records = generated(&engine, 200, 0xFA11_BAC5 + k as u64);
        let histories = histories(&engine);
        let seen = check_against_explain(&engine, &records, &histories);
        assert!(seen.fallbacks > records.len() / 2, "{seen:?}");
        let count = decide_all(&engine, &records, &histories);
        assert_eq!(count, 0, "decide with k = {k} allocated {count} times");
    }
}

/// The ids `engine` suggests for each customer and history, with `scratch`.
fn suggested_ids(
    engine: &Engine,
    customers: &[SignalRecord],
    histories: &[ContactLog],
    scratch: &mut Scratch,
) -> Vec<Vec<String>> {
    let mut ids = Vec::new();
    for history in histories {
        for customer in customers {
            let decision = engine.decide(customer, history, now(), scratch);
            ids.push(decision.actions().map(|s| s.id().to_owned()).collect());
        }
    }
    ids
}

#[test]
fn a_scratch_of_another_engine_is_resized_once() {
    let built_in = Engine::builder(models::buying_process()).build().unwrap();
    let wide = Engine::builder(wide(Arbitration::new(GROUPS, 2)))
        .build()
        .unwrap();
    // Each engine has something bigger than the other: the built-in model
    // more signals, rules and tags; the wide one more actions per stage and
    // more suggestions.
    for (from, to) in [(&wide, &built_in), (&built_in, &wide)] {
        let records = generated(to, 300, 0xDEAD_BEEF);
        let histories = histories(to);
        let mut why = String::with_capacity(4096);
        let mut scratch = from.scratch();
        let first = allocations(|| {
            let decision = to.decide(&records[0], &histories[2], now(), &mut scratch);
            read(&decision, &mut why);
        });
        assert!(
            first > 0,
            "a scratch of a smaller engine fits without growing?"
        );
        let mut checksum = 0.0;
        let count = allocations(|| {
            for history in &histories {
                for record in &records {
                    checksum += read(&to.decide(record, history, now(), &mut scratch), &mut why);
                }
            }
        });
        assert!(checksum > 0.0);
        assert_eq!(count, 0, "decide allocated {count} times after resizing");
        // The resized scratch decides as a fresh one does.
        assert_eq!(
            suggested_ids(to, &records, &histories, &mut scratch),
            suggested_ids(to, &records, &histories, &mut to.scratch()),
        );
    }

    // A scratch that has served both engines serves either without growing.
    let records = generated(&built_in, 100, 7);
    let wide_records = generated(&wide, 100, 8);
    let log = &histories(&built_in)[2];
    let wide_log = &histories(&wide)[2];
    let mut scratch = wide.scratch();
    built_in.decide(&records[0], log, now(), &mut scratch);
    let mut checksum = 0.0;
    let count = allocations(|| {
        for (record, wide_record) in records.iter().zip(&wide_records) {
            checksum += built_in
                .decide(record, log, now(), &mut scratch)
                .confidence();
            checksum += wide
                .decide(wide_record, wide_log, now(), &mut scratch)
                .actions()
                .len() as f64;
            checksum += built_in.classify(record, &mut scratch).confidence();
        }
    });
    assert!(checksum > 0.0);
    assert_eq!(count, 0, "alternating engines allocated {count} times");
}

// --- advance -----------------------------------------------------------------

/// Reads every part of a step.
fn read_step(step: &Step) -> f64 {
    let state = &step.state;
    let mut sum = f64::from(state.cycles())
        + state.entered().unix_seconds() as f64
        + state.stage().map_or(0, str::len) as f64
        + state.previous().map_or(0, str::len) as f64;
    for transition in &step.moves {
        sum += (transition.from().map_or(0, str::len)
            + transition.to().len()
            + transition.rule().map_or(0, str::len)) as f64
            + transition.at().unix_seconds() as f64
            + transition.time_in_previous().as_seconds() as f64;
    }
    sum
}

/// States over every stage of `engine`, entered at several times before
/// [`now`] (inside and past the built-in 7-day dwell), with and without a
/// previous stage and cycles, and new customers.
fn states(engine: &Engine) -> Vec<JourneyState> {
    let mut states = vec![JourneyState::new(), JourneyState::new().with_cycles(2)];
    for stage in engine.model().iter() {
        for (i, ago) in (0u32..).zip([Span::ZERO, Span::hours(5), Span::days(8), Span::days(400)]) {
            let state = JourneyState::in_stage(stage.id(), now().before(ago));
            states.push(if i % 2 == 0 {
                state
            } else {
                state
                    .with_previous(engine.model().entry().id())
                    .with_cycles(i)
            });
        }
    }
    states
}

/// What advancing every state with every customer did, off the counted
/// path: calls that placed a new customer, that moved a placed one by a
/// rule, and that left the customer where they were; and of the calls that
/// moved, those that made more than one move.
#[derive(Debug, Default)]
struct Outcomes {
    placed: usize,
    by_rule: usize,
    stayed: usize,
    several: usize,
}

fn moves<S: Signals>(engine: &Engine, states: &[JourneyState], customers: &[S]) -> Outcomes {
    let mut scratch = engine.scratch();
    let mut seen = Outcomes::default();
    for state in states {
        for customer in customers {
            let step = engine
                .advance(state, customer, now(), &mut scratch)
                .unwrap();
            match step.moves.first() {
                None => seen.stayed += 1,
                Some(first) if first.rule().is_none() => seen.placed += 1,
                Some(_) => seen.by_rule += 1,
            }
            seen.several += usize::from(step.moves.len() > 1);
        }
    }
    seen
}

/// How many allocations advancing every state with every customer makes,
/// reading each step: with a fresh scratch counted from its first call, and
/// again with the same scratch, warm.
fn advance_all<S: Signals>(
    engine: &Engine,
    states: &[JourneyState],
    customers: &[S],
) -> [usize; 2] {
    let mut scratch = engine.scratch();
    let mut checksum = 0.0;
    let mut run = |scratch: &mut Scratch| {
        allocations(|| {
            for state in states {
                for customer in customers {
                    let step = engine.advance(state, customer, now(), scratch).unwrap();
                    checksum += read_step(&step);
                }
            }
        })
    };
    let fresh = run(&mut scratch);
    let warm = run(&mut scratch);
    assert!(checksum > 0.0);
    [fresh, warm]
}

#[test]
fn advance_on_the_built_in_model_does_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let mut records = customers(&engine);
    records.extend(generated(&engine, 300, 0x5851_F42D_4C95_7F2D));
    let states = states(&engine);
    let seen = moves(&engine, &states, &records);
    assert!(
        seen.placed > 0 && seen.by_rule > 0 && seen.stayed > 0 && seen.several > 0,
        "{seen:?}"
    );
    // Every transition rule fires for some state and customer.
    let mut scratch = engine.scratch();
    for rule in engine.transitions() {
        let fires = states.iter().any(|state| {
            records.iter().any(|record| {
                let step = engine.advance(state, record, now(), &mut scratch).unwrap();
                step.moves.iter().any(|t| t.rule() == Some(rule.id()))
            })
        });
        assert!(fires, "{} never fired", rule.id());
    }

    let count = advance_all(&engine, &states, &records);
    assert_eq!(count, [0, 0], "advance allocated (fresh, warm)");
}

#[test]
fn advance_from_a_stage_without_candidates_does_not_allocate() {
    // Only the forward rules: nothing moves a customer out of post_purchase.
    let mut spec = models::buying_process();
    spec.transitions
        .retain(|rule| rule.id.starts_with("forward."));
    let engine = Engine::builder(spec).build().unwrap();
    let records = generated(&engine, 300, 0x2545_F491_4F6C_DD1D);
    let post_purchase: Vec<JourneyState> = states(&engine)
        .into_iter()
        .filter(|state| state.stage() == Some("post_purchase"))
        .collect();
    let seen = moves(&engine, &post_purchase, &records);
    assert_eq!(seen.stayed, post_purchase.len() * records.len(), "{seen:?}");
    assert_eq!(advance_all(&engine, &post_purchase, &records), [0, 0]);

    // And an engine without transitions at all.
    let mut spec = models::buying_process();
    spec.transitions.clear();
    let engine = Engine::builder(spec).build().unwrap();
    let records = generated(&engine, 100, 99);
    let states = states(&engine);
    let seen = moves(&engine, &states, &records);
    assert_eq!(seen.by_rule, 0, "{seen:?}");
    assert!(seen.placed > 0 && seen.stayed > 0, "{seen:?}");
    assert_eq!(advance_all(&engine, &states, &records), [0, 0]);
}

#[test]
fn advance_that_settles_in_five_moves_does_not_allocate() {
    // Five stages, each leading on to the next without a dwell: a new
    // customer is placed in the first and moves through all the others in
    // one call, as many moves as the model has stages.
    let stages = ["s0", "s1", "s2", "s3", "s4"];
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::count("go")],
        stages
            .iter()
            .map(|id| StageSpec::new(id, &id.to_uppercase(), ""))
            .collect(),
    );
    spec.transitions = stages
        .windows(2)
        .map(|pair| {
            TransitionSpec::new(&format!("to_{}", pair[1]), pair[1], "go >= 1").from(&[pair[0]])
        })
        .collect();
    let engine = Engine::builder(spec).build().unwrap();
    let mut going = engine.record();
    going.set("go", 1).unwrap();
    let mut stopped = engine.record();
    stopped.set("go", 0).unwrap();
    let customers = [going, stopped, engine.record()];
    let mut states = vec![JourneyState::new()];
    states.extend(
        stages
            .iter()
            .map(|id| JourneyState::in_stage(id, now().before(Span::days(1)))),
    );
    let mut scratch = engine.scratch();
    let longest = states
        .iter()
        .map(|state| {
            engine
                .advance(state, &customers[0], now(), &mut scratch)
                .unwrap()
                .moves
                .len()
        })
        .collect::<Vec<_>>();
    assert_eq!(longest, [5, 4, 3, 2, 1, 0]);
    assert_eq!(advance_all(&engine, &states, &customers), [0, 0]);

    // And the built-in model's two moves out of post_purchase.
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let mut searching = engine.record();
    for (id, value) in [("purchases", 1), ("need_searches", 1), ("reviews_read", 1)] {
        searching.set(id, value).unwrap();
    }
    let bought = [JourneyState::in_stage(
        "post_purchase",
        now().before(Span::days(8)),
    )];
    let seen = moves(&engine, &bought, std::slice::from_ref(&searching));
    assert_eq!(seen.several, 1, "{seen:?}");
    assert_eq!(
        advance_all(&engine, &bought, std::slice::from_ref(&searching)),
        [0, 0]
    );
}

#[test]
fn advance_with_host_signals_does_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let visitors: Vec<Visitor> = (0..50)
        .map(|i| Visitor {
            reviews: i % 3,
            carts: i % 5 / 4,
            plan: "pro",
        })
        .collect();
    let states = states(&engine);
    let seen = moves(&engine, &states, &visitors);
    assert!(
        seen.placed > 0 && seen.by_rule > 0 && seen.stayed > 0,
        "{seen:?}"
    );
    assert_eq!(advance_all(&engine, &states, &visitors), [0, 0]);
}

// --- conditions ----------------------------------------------------------------

/// A suggestion's `why` prints its condition, so printing is on the
/// allocation-free path too: a condition within the default limits prints
/// without allocating, however it nests, and so does comparing it with a
/// constant as `why` does.
#[test]
fn printing_a_condition_within_the_limits_does_not_allocate() {
    use buyer_journey::{ArithOp, CompareOp, Condition, Expr, Limits, Schema};

    let schema = Schema::new(&[SignalSpec::count("visits")]).unwrap();
    let leaf = || Condition::Present("visits".into());
    // The shapes that leave the most work pending per level: a first item in
    // parentheses with more items after it, and arithmetic whose left
    // operands need parentheses at every other level.
    let (mut and_chain, mut at_least) = (leaf(), leaf());
    for _ in 1..32 {
        and_chain = Condition::All(vec![and_chain, leaf()]);
        at_least = Condition::AtLeast {
            k: 1,
            of: vec![at_least, leaf()],
        };
    }
    let mut sum = Expr::Signal("visits".into());
    for level in 2..32 {
        sum = Expr::Binary {
            op: if level % 2 == 0 {
                ArithOp::Mul
            } else {
                ArithOp::Add
            },
            left: Box::new(sum),
            right: Box::new(Expr::Number(2.0)),
        };
    }
    let compare = Condition::Compare {
        left: sum,
        op: CompareOp::Gt,
        right: Expr::Number(1.0),
    };

    let mut text = String::with_capacity(1 << 16);
    for condition in [and_chain, at_least, compare] {
        // As deep as the default limits allow.
        assert_eq!(condition.check(&schema), Ok(()), "{condition}");
        let shallower = Limits::default().max_depth(31);
        assert!(condition.check_with(&schema, &shallower).is_err());

        let count = allocations(|| {
            text.clear();
            write!(text, "{condition} {condition:?}").unwrap();
            assert!(condition != Condition::Bool(true));
        });
        assert_eq!(count, 0, "printing allocated {count} times: {condition}");
    }
}

/// A customer the host keeps in memory, observed event after event: once
/// its profile holds the tracks its events touch and room for the events
/// that wait, `observe` and `refresh` allocate nothing, nor does reading
/// their answers.
#[test]
fn observing_a_customer_kept_in_memory_does_not_allocate() {
    use buyer_journey::{Customer, Event};

    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    let events = [
        "need_search",
        "review_read",
        "comparison",
        "cart_add",
        "checkout_start",
        "purchase",
        "ticket_opened",
        "ticket_closed",
        "info_page_view",
    ];
    let start = now();
    let mut why = String::with_capacity(1 << 12);
    // Two rounds to warm up, one counted: every track touched, and the
    // waiting events' list grown to what a round needs.
    for round in 0..3_u64 {
        let count = allocations(|| {
            for (i, event) in (0_u64..).zip(events) {
                let at = start + Span::days(40 * round) + Span::minutes(5 * i);
                let seen = engine
                    .observe(&mut customer, Event::new(event, at), at, &mut scratch)
                    .unwrap();
                why.clear();
                read(&seen.decision, &mut why);
                assert!(seen.step.state.stage().is_some());
            }
            let later = start + Span::days(40 * round + 1);
            let seen = engine.refresh(&mut customer, later, &mut scratch).unwrap();
            read(&seen.decision, &mut why);
        });
        if round == 2 {
            assert_eq!(count, 0, "observe allocated {count} times");
        }
    }
}

/// The batch path allocates nothing per batch once its scratch has held a
/// batch as large, whatever the columns and the histories, and reading the
/// batch's decisions allocates nothing either.
#[test]
fn batches_after_the_first_do_not_allocate() {
    use buyer_journey::{Column, Columns};

    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let records = generated(&engine, 200, 0x5EED);
    let values: Vec<Vec<f64>> = engine
        .schema()
        .iter()
        .map(|signal| {
            records
                .iter()
                .map(|record| match record.get(signal.id()) {
                    Some(Value::Number(n)) => n,
                    _ => f64::NAN,
                })
                .collect()
        })
        .collect();
    let mut columns = Columns::new(engine.schema(), records.len());
    for (signal, values) in engine.schema().iter().zip(&values) {
        columns.set(signal.id(), Column::f64(values)).unwrap();
    }
    let all = histories(&engine);
    let histories: Vec<ContactLog> = (0..records.len())
        .map(|i| all[i % all.len()].clone())
        .collect();
    let mut scratch = engine.batch_scratch();
    let mut why = String::with_capacity(4096);
    let mut run = |scratch: &mut buyer_journey::BatchScratch| {
        let mut sum = 0.0;
        let batch = engine.classify_batch(&columns, scratch).unwrap();
        for decision in batch.iter() {
            sum += read(&decision, &mut why);
        }
        let batch = engine
            .decide_batch(&columns, &histories, now(), scratch)
            .unwrap();
        for decision in batch.iter() {
            sum += read(&decision, &mut why);
        }
        sum
    };
    run(&mut scratch);
    let mut sum = 0.0;
    assert_eq!(allocations(|| sum = run(&mut scratch)), 0);
    assert!(sum > 0.0);
}

#[test]
fn reading_the_calibrated_confidence_does_not_allocate() {
    let plain = Engine::builder(models::buying_process()).build().unwrap();
    let records = generated(&plain, 300, 0x5EED);
    let mut scratch = plain.scratch();
    // Outcomes for every other customer: each stage decided has a fit.
    let samples: Vec<buyer_journey::OutcomeSample> = records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let decision = plain.classify(record, &mut scratch);
            buyer_journey::OutcomeSample::new(
                decision.stage().id(),
                decision.confidence(),
                i % 2 == 0,
            )
        })
        .collect();
    let calibration = buyer_journey::Calibration::fit(&samples).unwrap();
    let engine = Engine::builder(models::buying_process())
        .calibration(calibration)
        .build()
        .unwrap();
    let history = ContactLog::new();
    let mut scratch = engine.scratch();
    let mut sum = 0.0;
    let count = allocations(|| {
        for record in &records {
            let decision = engine.decide(record, &history, now(), &mut scratch);
            sum += decision
                .calibrated_confidence()
                .expect("every stage seen is calibrated");
        }
    });
    assert_eq!(
        count, 0,
        "reading the calibrated confidence allocated {count} times"
    );
    assert!(sum > 0.0);
}

#[test]
fn deciding_and_recording_in_an_experiment_does_not_allocate() {
    use buyer_journey::{Experiment, Response, Split};
    use std::sync::Arc;

    let champion = Arc::new(Engine::builder(models::buying_process()).build().unwrap());
    let challenger = Arc::new(Engine::builder(models::buying_process()).build().unwrap());
    let experiment = Experiment::with_split(
        champion.clone(),
        challenger,
        Split::new(0.5, "no-alloc").unwrap(),
    );
    let records = generated(&champion, 200, 0xA11);
    let ids: Vec<String> = (0..records.len())
        .map(|i| format!("customer-{i}"))
        .collect();
    let history = ContactLog::new();
    let mut scratch = experiment.scratch();
    let mut suggested = 0;
    let count = allocations(|| {
        for (id, record) in ids.iter().zip(&records) {
            let decided = experiment.decide(id, record, &history, now(), &mut scratch);
            if decided.decision.actions().next().is_some() {
                experiment.stats().record_shown(decided.arm);
                experiment
                    .stats()
                    .record_response(decided.arm, Response::Accepted);
                suggested += 1;
            }
        }
    });
    assert_eq!(
        count, 0,
        "an experiment's decisions allocated {count} times"
    );
    let counts = experiment.stats().counts();
    assert_eq!(counts.champion.decisions + counts.challenger.decisions, 200);
    assert_eq!(counts.champion.shown + counts.challenger.shown, suggested);
}

#[test]
fn deciding_with_learned_propensities_and_recording_do_not_allocate() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let records = customers(&engine);
    let store = LearnedStore::new(&engine, now());
    let history = ContactLog::new();
    let mut scratch = engine.scratch();
    let mut why = String::with_capacity(4096);
    let mut checksum = 0.0;
    let count = allocations(|| {
        for (i, customer) in records.iter().enumerate() {
            let at = now() + Span::minutes(i as u64);
            for learning in [store.exploit(), store.explore(i as u64)] {
                let decision =
                    engine.decide_learning(customer, &history, at, learning, &mut scratch);
                checksum += read(&decision, &mut why);
                if let Some(top) = decision.actions().next() {
                    let cell = store
                        .cell(top.action(), decision.stage(), decision.tags())
                        .unwrap();
                    store.record_in(cell, Response::ALL[i % 4], at);
                    checksum += store.estimate(cell, top.propensity(), at).mean();
                }
            }
        }
    });
    assert!(checksum > 0.0 && store.responses() > 0.0);
    assert_eq!(count, 0, "learning allocated {count} times");
}

//! Property tests of next-best-actions, on the built-in model and on random
//! catalogs, for random customers, contact histories and times.
//!
//! Every suggestion must be eligible, checked independently here: it applies
//! in the decided stage, the customer has its required tags and none of its
//! excluded ones, its condition holds by the reference interpreter
//! ([`Condition::evaluate`]), and its contact policy, recomputed from the
//! showings and dismissals, does not block it. Its priority is propensity ×
//! value × weight and positive; the list is best first (ties by catalog
//! order), within `max_suggestions` and `max_per_group`; and no eligible
//! action is left out unless the list was full of actions ranked before it or
//! its group was. Fallbacks are suggested exactly when no regular action is
//! eligible, and then by the same rules. `decide` suggests the same actions,
//! in the same order, with the same priorities as `explain`; `decide_in`, for
//! any stage, keeps all of this for the given stage and classifies as
//! `decide` does, and for the classified stage it is `decide`.

use std::collections::BTreeSet;

use crate::support::{built_in, record};
use buyer_journey::{
    models, Action, ActionInput, ActionSpec, Arbitration, Condition, ContactHistory, ContactLog,
    ContactPolicy, Engine, HitPolicy, Outcome, Reason, RulesetSpec, SignalRecord, SignalSpec, Span,
    StageRuleSpec, StageSpec, TagIndex, TagSpec, Timestamp, Value,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

// ---------------------------------------------------------------------------
// Contact histories and time
// ---------------------------------------------------------------------------

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// The cooldowns and cap windows of the built-in catalog and of the random
/// ones, in seconds: showings are placed on, just before and just after them.
const BOUNDARIES: [i64; 8] = [0, HOUR, DAY, 2 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];

/// What the host showed and what the customer dismissed. Actions are named
/// by a slot: slot `s` of a catalog of `n` actions is action `s % (n + 1)`,
/// and slot `n` is an id the catalog does not have.
#[derive(Debug, Clone)]
struct History {
    /// (slot, seconds before `now`; negative for a showing after `now`).
    shown: Vec<(usize, i64)>,
    dismissed: Vec<usize>,
    /// Seconds before `now` at which every action of the catalog was shown
    /// once more, if at all: a busy history that holds back every regular
    /// action with a cooldown, so that fallbacks come up.
    everything: Option<i64>,
}

impl History {
    fn id(slot: usize, ids: &[String]) -> &str {
        ids.get(slot % (ids.len() + 1))
            .map_or("not_in_the_catalog", String::as_str)
    }

    fn log(&self, ids: &[String], now: Timestamp) -> ContactLog {
        let mut log = ContactLog::new();
        for &(slot, before) in &self.shown {
            let at = Timestamp::from_unix_seconds(now.unix_seconds().saturating_sub(before));
            log.record_shown(Self::id(slot, ids), at);
        }
        for &slot in &self.dismissed {
            log.record_dismissed(Self::id(slot, ids), now);
        }
        if let Some(before) = self.everything {
            let at = Timestamp::from_unix_seconds(now.unix_seconds().saturating_sub(before));
            for id in ids {
                log.record_shown(id, at);
            }
        }
        log
    }

    /// When action `id` was shown, in Unix seconds, in no particular order.
    fn shown(&self, id: &str, ids: &[String], now: Timestamp) -> Vec<i64> {
        let everything = self
            .everything
            .filter(|_| ids.iter().any(|known| known == id));
        self.shown
            .iter()
            .filter(|(slot, _)| Self::id(*slot, ids) == id)
            .map(|(_, before)| *before)
            .chain(everything)
            .map(|before| now.unix_seconds().saturating_sub(before))
            .collect()
    }

    fn dismissals(&self, id: &str, ids: &[String]) -> u32 {
        let count = self
            .dismissed
            .iter()
            .filter(|slot| Self::id(**slot, ids) == id)
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }
}

fn history() -> impl Strategy<Value = History> {
    let before = || {
        prop_oneof![
            3 => (proptest::sample::select(BOUNDARIES.to_vec()), -1i64..=1)
                .prop_map(|(boundary, nudge)| boundary + nudge),
            2 => -DAY..40 * DAY,
        ]
    };
    // Each action picked is shown one to four times and dismissed up to
    // three times, so that caps and dismissal limits are reached.
    (
        proptest::collection::vec(
            (0usize..64, proptest::collection::vec(before(), 1..=4)),
            0..10,
        ),
        proptest::collection::vec((0usize..64, 1usize..=3), 0..6),
        proptest::option::weighted(0.25, before()),
    )
        .prop_map(|(shown, dismissed, everything)| History {
            shown: shown
                .into_iter()
                .flat_map(|(slot, times)| times.into_iter().map(move |t| (slot, t)))
                .collect(),
            dismissed: dismissed
                .into_iter()
                .flat_map(|(slot, times)| std::iter::repeat_n(slot, times))
                .collect(),
            everything,
        })
}

fn now() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        8 => 1_600_000_000i64..1_800_000_000,
        1 => (0i64..DAY).prop_map(|s| i64::MIN + s),
        1 => (0i64..DAY).prop_map(|s| i64::MAX - s),
    ]
    .prop_map(Timestamp::from_unix_seconds)
}

/// Whether the contact policy lets an action shown at `shown` and dismissed
/// `dismissals` times be shown at `now`, written from the documented rules:
/// a cooldown blocks while `now < last shown + cooldown`; a cap blocks when
/// the showings strictly after `now - window` are at least `times`;
/// dismissals block when at least `max`.
fn contact_allows(policy: &ContactPolicy, shown: &[i64], dismissals: u32, now: i64) -> bool {
    if let (Some(cooldown), Some(&last)) = (policy.cooldown, shown.iter().max()) {
        if now < last.saturating_add_unsigned(cooldown.as_seconds()) {
            return false;
        }
    }
    if let Some(cap) = policy.cap {
        let start = now.saturating_sub_unsigned(cap.window.as_seconds());
        let recent = shown.iter().filter(|&&t| t > start).count();
        if recent >= cap.times as usize {
            return false;
        }
    }
    policy.max_dismissals.is_none_or(|max| dismissals < max)
}

// ---------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------

fn holds(condition: &Condition, engine: &Engine, record: &SignalRecord) -> bool {
    condition
        .evaluate(engine.schema(), record)
        .expect("the engine's conditions are checked against its schema")
}

/// A propensity as the arbitration uses it: NaN as 0, clamped into [0, 1].
fn clamp(propensity: f64) -> f64 {
    if propensity.is_nan() {
        0.0
    } else {
        propensity.clamp(0.0, 1.0)
    }
}

/// What the test itself makes of one action for the customer.
#[derive(Debug)]
struct Expected {
    /// Stage, tags, condition and contact policy all pass.
    passes: bool,
    /// `passes` and a positive priority.
    eligible: bool,
    /// The action is a fallback.
    fallback: bool,
    propensity: f64,
    priority: f64,
    /// The propensity rule that holds first.
    rule: Option<usize>,
}

/// Whether action `a` (catalog position, priority) is ranked before action
/// `b`: higher priority first, then catalog order.
fn before(a: (usize, f64), b: (usize, f64)) -> bool {
    a.1 > b.1 || (a.1 == b.1 && a.0 < b.0)
}

/// The share of the positive evidence that supports `stage`, as
/// documented for `Decision::confidence`.
fn share(evidence: &[f64], stage: usize) -> f64 {
    let total: f64 = evidence.iter().map(|e| e.max(0.0)).sum();
    if total > 0.0 {
        evidence[stage].max(0.0) / total
    } else {
        0.0
    }
}

/// Decides for the customer and checks every invariant of the suggestions
/// against the test's own reading of the catalog, and against `explain`:
/// with `decide`, or with `decide_in` and `explain_in` for the stage at
/// `given`. `arbitration` is the engine's; `scores`, when the engine has the
/// test's scorer, gives the scorer's propensity of each action by catalog
/// position.
#[allow(clippy::too_many_arguments)] // one case of the property, each part generated
fn check(
    engine: &Engine,
    arbitration: Arbitration,
    record: &SignalRecord,
    history: &History,
    now: Timestamp,
    scores: Option<&[f64]>,
    given: Option<usize>,
) -> Result<(), TestCaseError> {
    let actions: Vec<&Action> = engine.actions().collect();
    let ids: Vec<String> = actions.iter().map(|a| a.id().to_owned()).collect();
    let log = history.log(&ids, now);
    let mut scratch = engine.scratch();
    let given = given.map(|i| engine.model().iter().nth(i).expect("a stage of the model"));
    let decision = match given {
        Some(stage) => engine
            .decide_in(stage, record, &log, now, &mut scratch)
            .expect("a stage of the engine"),
        None => engine.decide(record, &log, now, &mut scratch),
    };
    let stage = decision.stage().index();
    let tags: Vec<TagIndex> = decision.tags().map(|tag| tag.index()).collect();

    // The classification is the interpreter's; the stage is the given one,
    // and the confidence the share of the evidence that supports it.
    let interpreted = engine.classify_interpreted(record);
    prop_assert_eq!(decision.classified_stage().id(), interpreted.stage.as_str());
    let evidence: Vec<f64> = interpreted.evidence.values().copied().collect();
    let expected_stage = given.map_or(interpreted.stage.as_str(), |given| given.id());
    prop_assert_eq!(decision.stage().id(), expected_stage);
    if expected_stage == interpreted.stage {
        prop_assert_eq!(decision.confidence(), interpreted.confidence);
    } else {
        prop_assert_eq!(decision.confidence(), share(&evidence, stage.as_usize()));
    }
    for tag in engine.tags() {
        prop_assert_eq!(
            tags.contains(&tag.index()),
            holds(tag.condition(), engine, record),
            "tag {}",
            tag.id()
        );
    }

    let expected: Vec<Expected> = actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            let passes = action.stages().contains(&stage)
                && action.requires().iter().all(|t| tags.contains(t))
                && !action.excludes().iter().any(|t| tags.contains(t))
                && holds(action.condition(), engine, record)
                && contact_allows(
                    action.contact(),
                    &history.shown(action.id(), &ids, now),
                    history.dismissals(action.id(), &ids),
                    now.unix_seconds(),
                );
            let rule = action
                .propensity_rules()
                .iter()
                .position(|rule| holds(rule.condition(), engine, record));
            let built_in = rule.map_or(action.propensity(), |r| {
                action.propensity_rules()[r].propensity()
            });
            let propensity = clamp(scores.map_or(built_in, |scores| scores[i]));
            let priority = (propensity * action.value() * action.weight()).min(f64::MAX);
            Expected {
                passes,
                eligible: passes && priority > 0.0,
                fallback: action.is_fallback(),
                propensity,
                priority,
                rule,
            }
        })
        .collect();
    // The fallbacks compete only when no regular action can be suggested;
    // one eligible regular action always is.
    let fallbacks_offered = !expected.iter().any(|want| want.eligible && !want.fallback);

    // Each suggestion on its own.
    let mut suggested: Vec<(usize, f64)> = Vec::new();
    for (place, suggestion) in decision.actions().enumerate() {
        prop_assert_eq!(suggestion.rank(), place + 1);
        let i = ids
            .iter()
            .position(|id| id == suggestion.id())
            .expect("a suggestion is of the catalog");
        let action = actions[i];
        let want = &expected[i];
        prop_assert!(
            action.stages().contains(&stage),
            "{} is not for stage {}",
            action.id(),
            decision.stage().id()
        );
        for tag in action.requires() {
            prop_assert!(tags.contains(tag), "{} lacks a required tag", action.id());
        }
        for tag in action.excludes() {
            prop_assert!(!tags.contains(tag), "{} has an excluded tag", action.id());
        }
        prop_assert!(
            holds(action.condition(), engine, record),
            "{}: {} does not hold",
            action.id(),
            action.condition()
        );
        prop_assert!(
            want.passes,
            "{} is blocked by its contact policy {:?}",
            action.id(),
            action.contact()
        );
        prop_assert_eq!(suggestion.is_fallback(), action.is_fallback());
        prop_assert_eq!(
            want.fallback,
            fallbacks_offered,
            "{} is of the wrong tier",
            action.id()
        );
        prop_assert_eq!(suggestion.value(), action.value());
        prop_assert_eq!(suggestion.weight(), action.weight());
        prop_assert_eq!(suggestion.propensity(), want.propensity, "{}", action.id());
        prop_assert_eq!(suggestion.priority(), want.priority, "{}", action.id());
        let product = suggestion.propensity() * suggestion.value() * suggestion.weight();
        if product.is_finite() {
            prop_assert_eq!(suggestion.priority(), product);
        } else {
            prop_assert_eq!(suggestion.priority(), f64::MAX);
        }
        prop_assert!(suggestion.priority() > 0.0, "{}", action.id());
        prop_assert_eq!(
            suggestion.propensity_rule().map(|r| r.condition()),
            want.rule.map(|r| action.propensity_rules()[r].condition()),
            "{}",
            action.id()
        );
        prop_assert!(
            !suggested.iter().any(|(j, _)| *j == i),
            "{} twice",
            action.id()
        );
        suggested.push((i, suggestion.priority()));
    }

    // The list as a whole: best first, within the limits.
    prop_assert!(suggested.len() <= arbitration.max_suggestions);
    for pair in suggested.windows(2) {
        prop_assert!(
            before(pair[0], pair[1]),
            "{} ranked before {}",
            ids[pair[0].0],
            ids[pair[1].0]
        );
    }
    let group = |i: usize| actions[i].group();
    for &(i, _) in &suggested {
        let in_group = suggested
            .iter()
            .filter(|(j, _)| group(*j) == group(i))
            .count();
        prop_assert!(
            in_group <= arbitration.max_per_group,
            "group {} has {}",
            group(i),
            in_group
        );
    }

    // Nothing eligible of the tier offered left out unless the limits say
    // so: the list was full of actions ranked before it, or its group was.
    for (i, want) in expected.iter().enumerate() {
        if !want.eligible
            || want.fallback != fallbacks_offered
            || suggested.iter().any(|(j, _)| *j == i)
        {
            continue;
        }
        let ahead: Vec<usize> = suggested
            .iter()
            .filter(|&&s| before(s, (i, want.priority)))
            .map(|(j, _)| *j)
            .collect();
        let full = ahead.len() == arbitration.max_suggestions;
        let group_full =
            ahead.iter().filter(|j| group(**j) == group(i)).count() == arbitration.max_per_group;
        prop_assert!(
            full || group_full,
            "{} (priority {}) was left out of {:?}",
            ids[i],
            want.priority,
            suggested
        );
    }

    // `explain` is the specification: same suggestions, order, priorities,
    // and the same reading of every action as this test's.
    let explanation = match given {
        Some(stage) => engine
            .explain_in(stage, record, &log, now)
            .expect("a stage of the engine"),
        None => engine.explain(record, &log, now),
    };
    prop_assert_eq!(explanation.stage.as_str(), decision.stage().id());
    prop_assert_eq!(
        explanation.classified_stage.as_str(),
        decision.classified_stage().id()
    );
    prop_assert_eq!(explanation.confidence, decision.confidence());
    let fast: Vec<(&str, f64, f64)> = decision
        .actions()
        .map(|s| (s.id(), s.priority(), s.propensity()))
        .collect();
    let explained: Vec<(&str, f64, f64)> = explanation
        .suggested()
        .map(|trace| {
            let p = trace.priority.as_ref();
            (
                trace.id.as_str(),
                p.map_or(f64::NAN, |p| p.priority),
                p.map_or(f64::NAN, |p| p.propensity),
            )
        })
        .collect();
    prop_assert_eq!(&fast, &explained);
    prop_assert_eq!(explanation.actions.len(), actions.len());
    for ((trace, want), action) in explanation.actions.iter().zip(&expected).zip(&actions) {
        prop_assert_eq!(&trace.id, &action.id().to_owned());
        prop_assert_eq!(trace.group.as_str(), action.group());
        prop_assert_eq!(trace.fallback, want.fallback, "{}", action.id());
        prop_assert_eq!(trace.priority.is_some(), want.passes, "{}", action.id());
        if let Some(p) = &trace.priority {
            prop_assert_eq!(p.priority, want.priority, "{}", action.id());
            prop_assert_eq!(p.propensity, want.propensity, "{}", action.id());
        }
        match &trace.outcome {
            Outcome::Suggested { .. } => prop_assert!(want.eligible, "{}", action.id()),
            Outcome::NotSuggested { reasons } => {
                prop_assert!(!reasons.is_empty(), "{}", action.id());
                // A fallback of the stage not needed says so, whatever else
                // holds it back.
                let not_needed =
                    want.fallback && !fallbacks_offered && action.stages().contains(&stage);
                prop_assert_eq!(
                    reasons.last() == Some(&Reason::RegularActionsSuggested),
                    not_needed,
                    "{}: {:?}",
                    action.id(),
                    reasons
                );
                if want.eligible && not_needed {
                    prop_assert_eq!(reasons.len(), 1, "{}: {:?}", action.id(), reasons);
                } else if want.eligible {
                    prop_assert!(
                        matches!(
                            reasons.as_slice(),
                            [Reason::GroupFull { .. } | Reason::Outranked { .. }]
                        ),
                        "{}: {:?}",
                        action.id(),
                        reasons
                    );
                }
            }
            other => prop_assert!(false, "{}: unexpected outcome {other:?}", action.id()),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The built-in model
// ---------------------------------------------------------------------------

/// The cycle activity counts of the built-in model and the stage (0 to 3)
/// each is evidence for.
const CYCLE: [(&str, usize); 11] = [
    ("need_searches", 0),
    ("category_views", 0),
    ("info_page_views", 1),
    ("reviews_read", 1),
    ("recommendations_sought", 1),
    ("brochures_downloaded", 1),
    ("comparisons", 2),
    ("sales_contacts", 2),
    ("quote_requests", 2),
    ("cart_adds", 3),
    ("checkout_starts", 3),
];

fn count() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        3 => Just(None),
        2 => Just(Some(0.0)),
        4 => (1u32..=6).prop_map(|n| Some(f64::from(n))),
        1 => (7u32..=1000).prop_map(|n| Some(f64::from(n))),
    ]
}

fn number(special: &'static [f64], high: f64) -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        2 => Just(None),
        2 => proptest::sample::select(special).prop_map(Some),
        2 => (0.0..=high).prop_map(Some),
    ]
}

/// A customer of the built-in model: the present signals by name. The
/// activity of stages from a random one on is cleared, so that every stage
/// comes up often.
fn built_in_customer() -> impl Strategy<Value = Vec<(&'static str, f64)>> {
    (
        proptest::collection::vec(count(), CYCLE.len()),
        0usize..=4,
        (count(), count(), count()),
        number(&[0.0, 179.5, 180.0, 365.0], 400.0),
        number(&[0.0, 4.0, 4.5, 8.0, 10.0], 10.0),
    )
        .prop_map(
            |(cycle, cut, (purchases, tickets, complaints), days, satisfaction)| {
                let mut signals = Vec::new();
                for ((name, stage), value) in CYCLE.iter().zip(cycle) {
                    if let Some(value) = value {
                        signals.push((*name, if *stage >= cut { 0.0 } else { value }));
                    }
                }
                for (name, value) in [
                    ("purchases", purchases),
                    ("open_tickets", tickets),
                    ("open_complaints", complaints),
                    ("days_since_purchase", days),
                    ("satisfaction", satisfaction),
                ] {
                    if let Some(value) = value {
                        signals.push((name, value));
                    }
                }
                signals
            },
        )
}

// ---------------------------------------------------------------------------
// Random catalogs
// ---------------------------------------------------------------------------

const STAGES: [&str; 3] = ["browsing", "comparing", "customer"];
const TAGS: [&str; 5] = ["vip", "club", "risky", "paying", "engaged"];
const KINDS: [&str; 4] = ["advice", "offer", "support", "content"];
/// Groups; `offer` is also a kind, so an explicit group can share with a
/// default one.
const GROUPS: [&str; 3] = ["main", "side", "offer"];
const PLANS: [&str; 3] = ["free", "pro", "team"];
/// The conditions actions and propensity rules are drawn from.
const CONDITIONS: [&str; 15] = [
    "true",
    "false",
    "visits >= 1",
    "visits >= 3",
    "orders >= 1",
    "not (tickets >= 1)",
    "score > 0.5",
    "score <= 0.2",
    "missing(score)",
    "present(score)",
    "member",
    "plan == \"pro\"",
    "plan in [\"free\", \"team\"]",
    "visits + orders >= 3",
    "at_least(2, visits >= 1, orders >= 1, member)",
];
const COOLDOWNS: [Span; 6] = [
    Span::ZERO,
    Span::hours(1),
    Span::days(1),
    Span::days(2),
    Span::days(7),
    Span::days(30),
];
const WINDOWS: [Span; 4] = [Span::hours(1), Span::days(1), Span::days(7), Span::days(30)];
const MAX_ACTIONS: usize = 12;

fn custom_spec(actions: Vec<ActionSpec>, arbitration: Arbitration) -> RulesetSpec {
    {
        let mut spec = RulesetSpec::new(
            vec![
                SignalSpec::count("visits"),
                SignalSpec::count("orders"),
                SignalSpec::count("tickets"),
                SignalSpec::number("score"),
                SignalSpec::flag("member"),
                SignalSpec::category("plan", PLANS),
            ],
            STAGES.iter().map(|id| StageSpec::new(id, id, "")).collect(),
        );
        spec.hit_policy = HitPolicy::Furthest;
        spec.stage_rules = vec![
            StageRuleSpec::new("browsing.visit", "browsing", "visits >= 1"),
            StageRuleSpec::new("comparing.often", "comparing", "visits >= 3 or score > 0.5"),
            StageRuleSpec::new("customer.order", "customer", "orders >= 1"),
        ];
        spec.tags = vec![
            TagSpec::new("vip", "orders >= 3"),
            TagSpec::new("club", "member"),
            TagSpec::new("risky", "tickets >= 1"),
            TagSpec::new("paying", "plan in [\"pro\", \"team\"]"),
            TagSpec::new("engaged", "visits + orders >= 4"),
        ];
        spec.actions = actions;
        spec.arbitration = arbitration;
        spec
    }
}

/// A value, weight or propensity: sometimes 0 or huge, mostly round
/// numbers (so that priorities tie), sometimes anything from 0 to `high`.
fn amount(special: &'static [f64], huge: f64, high: f64) -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        1 => Just(huge),
        6 => proptest::sample::select(special),
        2 => 0.0..=high,
    ]
}

fn unit() -> impl Strategy<Value = f64> {
    amount(&[0.25, 0.5, 1.0], 1.0, 1.0)
}

fn tags_of(mask: u8) -> Vec<&'static str> {
    TAGS.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, tag)| *tag)
        .collect()
}

/// One action with everything random; its id is set by the catalog.
fn action() -> impl Strategy<Value = ActionSpec> {
    // Mostly permissive, so that several actions are often eligible at once.
    let tag_mask = || {
        prop_oneof![
            4 => Just(0u8),
            2 => (0..TAGS.len()).prop_map(|i| 1u8 << i),
            1 => 0u8..32,
        ]
    };
    let basics = (
        0..KINDS.len(),
        proptest::option::of(0..GROUPS.len()),
        prop_oneof![1 => Just(0b111u8), 2 => 1u8..8],
        amount(&[1.0, 2.5, 10.0, 100.0], 1e300, 1000.0),
        amount(&[0.5, 1.0, 2.0], 1e10, 3.0),
        unit(),
    );
    let eligibility = (
        proptest::collection::vec((0..CONDITIONS.len(), unit()), 0..=2),
        proptest::option::weighted(0.4, 0..CONDITIONS.len()),
        tag_mask(),
        tag_mask(),
    );
    let contact = (
        proptest::option::weighted(0.4, 0..COOLDOWNS.len()),
        proptest::option::weighted(0.3, (1u32..=3, 0..WINDOWS.len())),
        proptest::option::weighted(0.3, 1u32..=3),
    );
    // Fallbacks now and then, so that some stages have several, some none,
    // and some nothing else.
    let fallback = proptest::bool::weighted(0.3);
    (basics, eligibility, contact, fallback).prop_map(
        |(
            (kind, group, stages, value, weight, propensity),
            (rules, when, requires, excludes),
            (cooldown, cap, dismissals),
            fallback,
        )| {
            let stages: Vec<&str> = STAGES
                .iter()
                .enumerate()
                .filter(|(i, _)| stages & (1 << i) != 0)
                .map(|(_, stage)| *stage)
                .collect();
            let mut spec = ActionSpec::new("unnamed", KINDS[kind], &stages, value)
                .weight(weight)
                .propensity(propensity)
                .requires(&tags_of(requires))
                .excludes(&tags_of(excludes & !requires));
            if let Some(group) = group {
                spec = spec.group(GROUPS[group]);
            }
            if let Some(when) = when {
                spec = spec.when(CONDITIONS[when]);
            }
            for (when, propensity) in rules {
                spec = spec.propensity_rule(CONDITIONS[when], propensity);
            }
            if let Some(cooldown) = cooldown {
                spec = spec.cooldown(COOLDOWNS[cooldown]);
            }
            if let Some((times, window)) = cap {
                spec = spec.cap(times, WINDOWS[window]);
            }
            if let Some(dismissals) = dismissals {
                spec = spec.max_dismissals(dismissals);
            }
            if fallback {
                spec = spec.fallback();
            }
            spec
        },
    )
}

fn catalog() -> impl Strategy<Value = Vec<ActionSpec>> {
    proptest::collection::vec(action(), 1..=MAX_ACTIONS).prop_map(|mut actions| {
        for (i, action) in actions.iter_mut().enumerate() {
            action.id = format!("a{i}");
        }
        actions
    })
}

fn arbitration() -> impl Strategy<Value = Arbitration> {
    (1usize..=8, 1usize..=3).prop_map(|(max_suggestions, max_per_group)| {
        Arbitration::new(max_suggestions, max_per_group)
    })
}

/// A host scorer's propensities by catalog position, out of range and NaN
/// included; or none, for the built-in propensities.
fn scores() -> impl Strategy<Value = Option<Vec<f64>>> {
    let score = prop_oneof![
        2 => 0.0..=1.0,
        1 => proptest::sample::select(
            &[f64::NAN, -0.5, 0.0, 1.0, 1.5, f64::INFINITY, f64::NEG_INFINITY][..]
        ),
    ];
    proptest::option::of(proptest::collection::vec(score, MAX_ACTIONS))
}

fn custom_customer() -> impl Strategy<Value = Vec<(&'static str, Value<'static>)>> {
    let small = || proptest::option::of(0u32..=5);
    (
        (small(), small(), small()),
        proptest::option::of(prop_oneof![
            proptest::sample::select(&[0.0, 0.2, 0.5][..]),
            0.0..=1.0
        ]),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::sample::select(&PLANS[..])),
    )
        .prop_map(|((visits, orders, tickets), score, member, plan)| {
            let mut signals: Vec<(&'static str, Value<'static>)> = Vec::new();
            for (name, count) in [("visits", visits), ("orders", orders), ("tickets", tickets)] {
                if let Some(count) = count {
                    signals.push((name, Value::from(count)));
                }
            }
            if let Some(score) = score {
                signals.push(("score", Value::from(score)));
            }
            if let Some(member) = member {
                signals.push(("member", Value::from(member)));
            }
            if let Some(plan) = plan {
                signals.push(("plan", Value::from(plan)));
            }
            signals
        })
}

/// The engine of a random catalog, with the test's scorer if `scores`.
fn custom_engine(
    actions: Vec<ActionSpec>,
    arbitration: Arbitration,
    scores: Option<&[f64]>,
) -> Engine {
    let mut builder = Engine::builder(custom_spec(actions, arbitration));
    if let Some(scores) = scores {
        let scores = scores.to_vec();
        builder = builder.action_scorer(move |input: &ActionInput<'_>| {
            scores
                .get(input.action().index().as_usize())
                .copied()
                .unwrap_or(f64::NAN)
        });
    }
    builder.build().expect("a generated catalog is valid")
}

fn custom_record(engine: &Engine, signals: &[(&str, Value<'_>)]) -> SignalRecord {
    let mut record = engine.record();
    for &(name, value) in signals {
        record.set(name, value).expect("a valid signal value");
    }
    record
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 192,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn built_in_suggestions_are_eligible_ranked_complete_and_explained(
        customer in built_in_customer(),
        history in history(),
        now in now(),
    ) {
        let engine = built_in();
        let record = record(&engine, &customer);
        let arbitration = models::buying_process().arbitration;
        check(&engine, arbitration, &record, &history, now, None, None)?;
    }

    #[test]
    fn random_catalog_suggestions_are_eligible_ranked_complete_and_explained(
        actions in catalog(),
        arbitration in arbitration(),
        scores in scores(),
        customer in custom_customer(),
        history in history(),
        now in now(),
    ) {
        let engine = custom_engine(actions, arbitration, scores.as_deref());
        let record = custom_record(&engine, &customer);
        check(&engine, arbitration, &record, &history, now, scores.as_deref(), None)?;
    }

    #[test]
    fn built_in_suggestions_in_a_given_stage_are_eligible_ranked_complete_and_explained(
        customer in built_in_customer(),
        history in history(),
        now in now(),
        stage in 0usize..5,
    ) {
        let engine = built_in();
        let record = record(&engine, &customer);
        let arbitration = models::buying_process().arbitration;
        check(&engine, arbitration, &record, &history, now, None, Some(stage))?;
    }

    #[test]
    fn random_catalog_suggestions_in_a_given_stage_are_eligible_ranked_complete_and_explained(
        actions in catalog(),
        arbitration in arbitration(),
        scores in scores(),
        customer in custom_customer(),
        history in history(),
        now in now(),
        stage in 0..STAGES.len(),
    ) {
        let engine = custom_engine(actions, arbitration, scores.as_deref());
        let record = custom_record(&engine, &customer);
        check(&engine, arbitration, &record, &history, now, scores.as_deref(), Some(stage))?;
    }

    #[test]
    fn deciding_in_the_classified_stage_is_deciding(
        customer in built_in_customer(),
        history in history(),
        now in now(),
    ) {
        let engine = built_in();
        let record = record(&engine, &customer);
        let ids: Vec<String> = engine.actions().map(|a| a.id().to_owned()).collect();
        let log = history.log(&ids, now);
        let mut scratch = engine.scratch();
        let decided = engine.decide(&record, &log, now, &mut scratch).to_record();
        let classified = engine.classify(&record, &mut scratch).stage().index();
        let classified = engine.model().stage(classified).expect("a stage of the model");
        let decided_in = engine
            .decide_in(classified, &record, &log, now, &mut scratch)
            .expect("a stage of the engine");
        prop_assert_eq!(decided_in.stage(), decided_in.classified_stage());
        prop_assert_eq!(decided_in.to_record(), decided);
        let explained_in = engine
            .explain_in(classified, &record, &log, now)
            .expect("a stage of the engine");
        prop_assert_eq!(explained_in, engine.explain(&record, &log, now));
    }

    #[test]
    fn random_catalogs_decide_in_the_classified_stage_as_decide_does(
        actions in catalog(),
        arbitration in arbitration(),
        scores in scores(),
        customer in custom_customer(),
        history in history(),
        now in now(),
    ) {
        let engine = custom_engine(actions, arbitration, scores.as_deref());
        let record = custom_record(&engine, &customer);
        let ids: Vec<String> = engine.actions().map(|a| a.id().to_owned()).collect();
        let log = history.log(&ids, now);
        let mut scratch = engine.scratch();
        let decided = engine.decide(&record, &log, now, &mut scratch).to_record();
        let stage = engine.model().find(&decided.stage).expect("a stage of the model");
        let decided_in = engine
            .decide_in(stage, &record, &log, now, &mut scratch)
            .expect("a stage of the engine")
            .to_record();
        prop_assert_eq!(decided_in, decided);
    }
}

// ---------------------------------------------------------------------------
// The generators reach every case
// ---------------------------------------------------------------------------

/// The name of a reason's kind.
fn reason_kind(reason: &Reason) -> &'static str {
    match reason {
        Reason::OtherStage { .. } => "other_stage",
        Reason::MissingTag { .. } => "missing_tag",
        Reason::ExcludedTag { .. } => "excluded_tag",
        Reason::ConditionFalse { .. } => "condition_false",
        Reason::Cooldown { .. } => "cooldown",
        Reason::Capped { .. } => "capped",
        Reason::Dismissed { .. } => "dismissed",
        Reason::ZeroPriority => "zero_priority",
        Reason::GroupFull { .. } => "group_full",
        Reason::Outranked { .. } => "outranked",
        Reason::RegularActionsSuggested => "regular_actions_suggested",
        _ => "other",
    }
}

/// Samples `n` values of `strategy`, deterministically.
fn sample<S: Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("the strategies never reject")
                .current()
        })
        .collect()
}

/// The properties above would hold vacuously if the generators never led
/// to a blocked, outranked or crowded-out action: check that a sample of
/// their cases reaches every reason not to suggest, every stage, customers
/// with several suggestions, and customers offered fallbacks.
#[test]
fn the_generators_reach_every_reason_and_stage() {
    let engine = built_in();
    let mut reasons = BTreeSet::new();
    let mut stages = BTreeSet::new();
    let mut several = 0;
    let mut fallen_back = 0;
    for (customer, history, now) in sample((built_in_customer(), history(), now()), 192) {
        let record = record(&engine, &customer);
        let ids: Vec<String> = engine.actions().map(|a| a.id().to_owned()).collect();
        let explanation = engine.explain(&record, &history.log(&ids, now), now);
        stages.insert(explanation.stage.clone());
        several += usize::from(explanation.suggested().count() >= 2);
        fallen_back += usize::from(explanation.suggested().any(|a| a.fallback));
        for trace in &explanation.actions {
            if let Outcome::NotSuggested { reasons: why } = &trace.outcome {
                reasons.extend(why.iter().map(reason_kind));
            }
        }
    }
    assert_eq!(stages.len(), engine.model().len(), "{stages:?}");
    assert!(several >= 50, "{several}");
    // A busy history holds back every regular action of a stage now and
    // then, and the built-in fallbacks answer.
    assert!(fallen_back >= 4, "{fallen_back}");
    // The built-in catalog has no action of priority 0.
    for kind in [
        "regular_actions_suggested",
        "other_stage",
        "missing_tag",
        "excluded_tag",
        "condition_false",
        "cooldown",
        "capped",
        "dismissed",
        "group_full",
        "outranked",
    ] {
        assert!(reasons.contains(kind), "built-in: no {kind} in {reasons:?}");
    }

    let mut reasons = BTreeSet::new();
    let mut stages = BTreeSet::new();
    let mut several = 0;
    let mut fallen_back = 0;
    let mut clamped = 0;
    let cases = sample(
        (
            catalog(),
            arbitration(),
            scores(),
            custom_customer(),
            history(),
            now(),
        ),
        192,
    );
    for (actions, arbitration, scores, customer, history, now) in cases {
        let engine = custom_engine(actions, arbitration, scores.as_deref());
        let record = custom_record(&engine, &customer);
        let ids: Vec<String> = engine.actions().map(|a| a.id().to_owned()).collect();
        let explanation = engine.explain(&record, &history.log(&ids, now), now);
        stages.insert(explanation.stage.clone());
        several += usize::from(explanation.suggested().count() >= 2);
        fallen_back += usize::from(explanation.suggested().any(|a| a.fallback));
        clamped += usize::from(
            scores.is_some_and(|s| s[..ids.len()].iter().any(|p| !(0.0..=1.0).contains(p))),
        );
        for trace in &explanation.actions {
            if let Outcome::NotSuggested { reasons: why } = &trace.outcome {
                reasons.extend(why.iter().map(reason_kind));
            }
        }
    }
    assert_eq!(stages.len(), STAGES.len(), "{stages:?}");
    assert!(several >= 30, "{several}");
    assert!(clamped >= 20, "{clamped}");
    assert!(fallen_back >= 15, "{fallen_back}");
    for kind in [
        "regular_actions_suggested",
        "other_stage",
        "missing_tag",
        "excluded_tag",
        "condition_false",
        "cooldown",
        "capped",
        "dismissed",
        "zero_priority",
        "group_full",
        "outranked",
    ] {
        assert!(reasons.contains(kind), "random: no {kind} in {reasons:?}");
    }
}

// ---------------------------------------------------------------------------
// The contact log against a plain reference: per action a sorted list of
// showings and a dismissal count.
// ---------------------------------------------------------------------------

/// Actions of the built-in catalog, to ask the log about.
const IDS: [&str; 3] = [
    "evaluation.advisor_call",
    "purchase_decision.checkout_help",
    "post_purchase.onboarding",
];

#[derive(Debug, Clone)]
enum Op {
    Show(usize, i64),
    Dismiss(usize),
    Forget(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..IDS.len(), -20_i64..20).prop_map(|(a, t)| Op::Show(a, t)),
        1 => (0..IDS.len()).prop_map(Op::Dismiss),
        1 => (-20_i64..20).prop_map(Op::Forget),
    ]
}

/// The reference: per action (in the order first recorded) its showings
/// sorted oldest first, and its dismissals.
#[derive(Default)]
struct Reference(Vec<(usize, Vec<Timestamp>, u32)>);

impl Reference {
    fn entry(&mut self, action: usize) -> &mut (usize, Vec<Timestamp>, u32) {
        let at = self
            .0
            .iter()
            .position(|(a, ..)| *a == action)
            .unwrap_or_else(|| {
                self.0.push((action, Vec::new(), 0));
                self.0.len() - 1
            });
        &mut self.0[at]
    }

    fn shown(&self, action: usize) -> &[Timestamp] {
        self.0
            .iter()
            .find(|(a, ..)| *a == action)
            .map_or(&[], |(_, shown, _)| shown)
    }

    fn json(&self) -> String {
        let actions: Vec<String> = self
            .0
            .iter()
            .map(|(a, shown, dismissals)| {
                let shown: Vec<String> =
                    shown.iter().map(|t| t.unix_seconds().to_string()).collect();
                let shown = format!("[{}]", shown.join(","));
                // A list of showings, or an object once dismissed (at the
                // epoch).
                let dismissed = vec!["0"; *dismissals as usize].join(",");
                match (*dismissals, shown.as_str()) {
                    (0, _) => format!(r#""{}":{shown}"#, IDS[*a]),
                    (_, "[]") => format!(r#""{}":{{"dismissed":[{dismissed}]}}"#, IDS[*a]),
                    _ => format!(
                        r#""{}":{{"shown":{shown},"dismissed":[{dismissed}]}}"#,
                        IDS[*a]
                    ),
                }
            })
            .collect();
        format!("{{{}}}", actions.join(","))
    }
}

proptest! {
    #[test]
    fn a_contact_log_answers_as_a_sorted_list_would(
        ops in proptest::collection::vec(op(), 0..40),
    ) {
        let engine = built_in();
        let mut log = ContactLog::new();
        let mut reference = Reference::default();
        for op in ops {
            match op {
                Op::Show(a, t) => {
                    let at = Timestamp::from_unix_seconds(t);
                    log.record_shown(IDS[a], at);
                    let shown = &mut reference.entry(a).1;
                    let position = shown.partition_point(|&s| s <= at);
                    shown.insert(position, at);
                }
                Op::Dismiss(a) => {
                    log.record_dismissed(IDS[a], Timestamp::EPOCH);
                    reference.entry(a).2 += 1;
                }
                Op::Forget(t) => {
                    let before = Timestamp::from_unix_seconds(t);
                    log.forget_before(before);
                    for (_, shown, _) in &mut reference.0 {
                        shown.retain(|&s| s >= before);
                    }
                }
            }
        }
        for (a, id) in IDS.iter().enumerate() {
            let action = engine.find_action(id).unwrap();
            let shown = reference.shown(a);
            prop_assert_eq!(log.shown(id).collect::<Vec<_>>(), shown);
            prop_assert_eq!(log.last_shown(action), shown.last().copied());
            for t in -22..22 {
                let after = Timestamp::from_unix_seconds(t);
                let later = shown.len() - shown.partition_point(|&s| s <= after);
                prop_assert_eq!(
                    log.times_shown_after(action, after),
                    u32::try_from(later).unwrap()
                );
            }
            let dismissals = reference.0.iter().find(|(r, ..)| *r == a).map_or(0, |r| r.2);
            prop_assert_eq!(log.dismissals(action), dismissals);
        }
        let json = serde_json::to_string(&log).unwrap();
        prop_assert_eq!(&json, &reference.json());
        prop_assert_eq!(serde_json::from_str::<ContactLog>(&json).unwrap(), log);
    }
}

//! The generators of the agreement tests at scale: a schema, a ruleset over
//! it and customers of it, all drawn together as one [`World`].
//!
//! Each world draws its constants from a few thresholds of its own, as real
//! rulesets test the same few numbers many times: the same comparison comes
//! up in several rules, tags and actions (so the compiled program shares
//! atoms between them), and customers' values sit on the thresholds, one
//! unit in the last place beside them, or far away.

use std::collections::HashSet;
use std::sync::Arc;

use buyer_journey::condition::Duration;
use buyer_journey::{
    ActionInput, ActionSpec, Arbitration, ArithOp, CompareOp, Condition, ContactLog, Engine,
    ErrorKind, Expr, HitPolicy, RulesetSpec, ScoreRuleSpec, SignalRecord, SignalSpec, Span,
    StageRuleSpec, StageSpec, TagSpec, TimeUnit, Timestamp, ValueRange, When,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::Union;

// ---------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------

/// The stage ids of a model of `n` stages are the first `n` of these.
const STAGE_IDS: [&str; 5] = ["unaware", "curious", "comparing", "buying", "owning"];
/// The tag ids of a ruleset of `n` tags are the first `n` of these.
const TAG_IDS: [&str; 5] = ["vip", "fresh", "at_risk", "loyal", "busy"];
const KINDS: [&str; 4] = ["advice", "offer", "support", "content"];
/// Groups; `offer` is also a kind, so an explicit group can share with a
/// default one.
const GROUPS: [&str; 3] = ["main", "side", "offer"];
/// Labels of category signals: a space, escapes, non-ASCII, digits.
const LABELS: [&str; 7] = ["free", "pro team", "a\"b\\c é", "gold", "1", "x", "Zürich"];
/// Words a signal may not be named: the condition language's keywords and
/// the two values transition conditions read.
const RESERVED: [&str; 14] = [
    "and",
    "or",
    "not",
    "in",
    "between",
    "true",
    "false",
    "present",
    "missing",
    "all",
    "any",
    "at_least",
    "stage",
    "days_in_stage",
];

/// Constants that matter anywhere: zero of both signs, fractions, the edge
/// of exact integers, huge and tiny magnitudes and the largest finite.
const SPECIAL: [f64; 15] = [
    0.0,
    -0.0,
    1.0,
    0.5,
    0.1,
    1.0 / 3.0,
    -2.5,
    1e15,
    9_007_199_254_740_992.0,
    1e300,
    -1e300,
    5e-324,
    f64::MIN_POSITIVE,
    f64::MAX,
    -f64::MAX,
];

/// Values of number signals at the edges of `f64`.
const EXTREMES: [f64; 14] = [
    0.0,
    -0.0,
    f64::MAX,
    -f64::MAX,
    f64::MIN_POSITIVE,
    -f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e300,
    -1e300,
    1e-300,
    9_007_199_254_740_992.0,
    9_007_199_254_740_994.0,
    -1.0,
];

/// Values of count signals at the edges: `-0.0` is stored as `0.0`.
const EXTREME_COUNTS: [f64; 6] = [
    0.0,
    -0.0,
    9_007_199_254_740_992.0,
    9_007_199_254_740_994.0,
    1e300,
    f64::MAX,
];

/// Durations conditions compare signals with a unit of time with, as
/// written: whole and fractional in every unit, and several units at once.
const DURATIONS: [&str; 9] = ["0s", "90s", "20m", "90m", "2h", "36h", "1d", "7d", "1d12h"];
const TIME_UNITS: [TimeUnit; 4] = [
    TimeUnit::Seconds,
    TimeUnit::Minutes,
    TimeUnit::Hours,
    TimeUnit::Days,
];

/// Points of score rules: positive, negative and fractional ones, and
/// [`HUGE_POINTS`].
const POINTS: [f64; 6] = [-2.0, -0.5, 0.25, 1.0, 3.0, 1e15];
/// Points large enough that two of them overflow the sum of the evidence.
const HUGE_POINTS: [f64; 3] = [1e308, f64::MAX, -1e308];

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;
const COOLDOWNS: [Span; 5] = [
    Span::ZERO,
    Span::hours(1),
    Span::days(1),
    Span::days(7),
    Span::days(30),
];
const WINDOWS: [Span; 3] = [Span::hours(1), Span::days(7), Span::days(30)];
/// The cooldowns and cap windows in seconds: showings are placed on, just
/// before and just after them.
const BOUNDARIES: [i64; 5] = [0, HOUR, DAY, 7 * DAY, 30 * DAY];
/// The most actions a catalog has, and so the host scorer's answers.
const MAX_ACTIONS: usize = 10;

// ---------------------------------------------------------------------------
// A world
// ---------------------------------------------------------------------------

/// A signal's kind, with the unit of time of a number, and the labels of
/// a category and whether they are ordered.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    Count,
    Number(Option<TimeUnit>),
    Flag,
    Category(Vec<String>, bool),
}

/// One value of a customer's signal.
#[derive(Debug, Clone)]
pub(super) enum Val {
    Number(f64),
    Flag(bool),
    Label(String),
}

/// What the host showed a customer and what the customer dismissed.
/// Actions are named by a slot: slot `s` of a catalog of `n` actions is
/// action `s % (n + 1)`, and slot `n` is an id the catalog does not have.
#[derive(Debug, Clone)]
pub(super) struct History {
    /// (slot, seconds before `now`; negative for a showing after `now`).
    pub(super) shown: Vec<(usize, i64)>,
    /// (slot, seconds before `now`), as `shown`.
    pub(super) dismissed: Vec<(usize, i64)>,
    /// Seconds before `now` at which every action was shown once more, if
    /// at all: a busy history that holds back every action with a
    /// cooldown, so that fallbacks come up.
    pub(super) everything: Option<i64>,
}

impl History {
    fn id(slot: usize, ids: &[String]) -> &str {
        ids.get(slot % (ids.len() + 1))
            .map_or("not_in_the_catalog", String::as_str)
    }

    /// The log a host would keep of this history.
    pub(super) fn log(&self, ids: &[String], now: Timestamp) -> ContactLog {
        let mut log = ContactLog::new();
        for &(slot, before) in &self.shown {
            log.record_shown(Self::id(slot, ids), at(now, before));
        }
        for &(slot, before) in &self.dismissed {
            log.record_dismissed(Self::id(slot, ids), at(now, before));
        }
        if let Some(before) = self.everything {
            for id in ids {
                log.record_shown(id, at(now, before));
            }
        }
        log
    }

    /// When action `id` was shown, in Unix seconds, in no particular order.
    pub(super) fn shown(&self, id: &str, ids: &[String], now: Timestamp) -> Vec<i64> {
        let everything = self
            .everything
            .filter(|_| ids.iter().any(|known| known == id));
        self.shown
            .iter()
            .filter(|(slot, _)| Self::id(*slot, ids) == id)
            .map(|(_, before)| *before)
            .chain(everything)
            .map(|before| at(now, before).unix_seconds())
            .collect()
    }

    /// When action `id` was dismissed, in Unix seconds.
    pub(super) fn dismissals(&self, id: &str, ids: &[String], now: Timestamp) -> Vec<i64> {
        self.dismissed
            .iter()
            .filter(|(slot, _)| Self::id(*slot, ids) == id)
            .map(|(_, before)| at(now, *before).unix_seconds())
            .collect()
    }
}

/// `before` seconds before `now`, saturating at the ends of time.
fn at(now: Timestamp, before: i64) -> Timestamp {
    Timestamp::from_unix_seconds(now.unix_seconds().saturating_sub(before))
}

/// A customer as generated: a value or nothing for each signal, in schema
/// order, a contact history and the stage of their journey.
#[derive(Debug, Clone)]
pub(super) struct CustomerSpec {
    pub(super) values: Vec<Option<Val>>,
    pub(super) history: History,
    /// A stage of the model, by position (modulo the number of stages).
    pub(super) journey: usize,
}

/// A customer ready to evaluate: the engine's record of their signals, the
/// contact log a host would keep, the time (the world's) and the journey's
/// stage.
#[derive(Debug, Clone)]
pub(super) struct Customer {
    pub(super) signals: SignalRecord,
    /// By signal, in schema order: the value generated when it is outside
    /// the signal's range, which the record rejects (so it is missing
    /// there) and the other ways in take and treat as missing.
    pub(super) outside: Vec<Option<f64>>,
    /// The history as generated, which the reference reads.
    pub(super) history: History,
    /// The same history as the host's log, which the engine reads.
    pub(super) log: ContactLog,
    pub(super) now: Timestamp,
    /// The stage of the customer's journey, by position in the model.
    pub(super) journey: usize,
}

/// One generated case: a ruleset and the customers evaluated against it.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub(super) signals: Vec<(String, Kind)>,
    /// By signal: the range of a number or count, if it has one.
    pub(super) ranges: Vec<Option<ValueRange>>,
    /// The constants the conditions and the customers' values are drawn from.
    pub(super) thresholds: Vec<f64>,
    /// The model has the first `stages` of [`STAGE_IDS`].
    pub(super) stages: usize,
    pub(super) hit_policy: HitPolicy,
    /// `(stage, priority, condition)`
    pub(super) stage_rules: Vec<(usize, i32, Condition)>,
    /// `(stage, points, condition)`
    pub(super) score_rules: Vec<(usize, f64, Condition)>,
    /// The conditions of the first tags of [`TAG_IDS`].
    pub(super) tags: Vec<Condition>,
    pub(super) actions: Vec<ActionSpec>,
    pub(super) arbitration: Arbitration,
    /// The host scorer's propensity by catalog position, out of range and
    /// NaN included; `None` for the built-in propensities.
    pub(super) scores: Option<Vec<f64>>,
    /// When the customers are evaluated, in Unix seconds: one time for all,
    /// as a host evaluating a batch has.
    pub(super) now: i64,
    pub(super) customers: Vec<CustomerSpec>,
}

impl World {
    pub(crate) fn spec(&self) -> RulesetSpec {
        let stage = |i: usize| STAGE_IDS[i % self.stages];
        let mut spec = RulesetSpec::new(
            self.signals
                .iter()
                .zip(&self.ranges)
                .map(|((id, kind), range)| {
                    let spec = match kind {
                        Kind::Count => SignalSpec::count(id),
                        Kind::Number(None) => SignalSpec::number(id),
                        Kind::Number(Some(unit)) => SignalSpec::number(id).unit(*unit),
                        Kind::Flag => SignalSpec::flag(id),
                        Kind::Category(labels, false) => {
                            SignalSpec::category(id, labels.iter().cloned())
                        }
                        Kind::Category(labels, true) => {
                            SignalSpec::category(id, labels.iter().cloned()).ordered()
                        }
                    };
                    match range {
                        Some(range) => spec.within(*range),
                        None => spec,
                    }
                })
                .collect(),
            STAGE_IDS[..self.stages]
                .iter()
                .map(|id| StageSpec::new(id, id, ""))
                .collect(),
        );
        spec.hit_policy = self.hit_policy;
        spec.stage_rules = self
            .stage_rules
            .iter()
            .enumerate()
            .map(|(i, (s, priority, condition))| {
                StageRuleSpec::new(&format!("rule.{i}"), stage(*s), condition.clone())
                    .priority(*priority)
            })
            .collect();
        spec.score_rules = self
            .score_rules
            .iter()
            .enumerate()
            .map(|(i, (s, points, condition))| {
                ScoreRuleSpec::new(
                    &format!("points.{i}"),
                    stage(*s),
                    condition.clone(),
                    *points,
                )
            })
            .collect();
        spec.tags = self
            .tags
            .iter()
            .zip(TAG_IDS)
            .map(|(condition, id)| TagSpec::new(id, condition.clone()))
            .collect();
        spec.actions.clone_from(&self.actions);
        spec.arbitration = self.arbitration;
        spec
    }

    /// The engine of the world's ruleset, with the host scorer if it has one.
    pub(super) fn engine(&self) -> Engine {
        let mut builder = Engine::builder(self.spec());
        if let Some(scores) = self.scores.clone() {
            builder = builder.action_scorer(move |input: &ActionInput<'_>| {
                scores
                    .get(input.action().index().as_usize())
                    .copied()
                    .unwrap_or(f64::NAN)
            });
        }
        builder
            .build()
            .unwrap_or_else(|e| panic!("a generated ruleset builds: {e}"))
    }

    /// The customers, with records of `engine`'s schema.
    pub(super) fn customers(&self, engine: &Engine) -> Vec<Customer> {
        let ids: Vec<String> = engine.actions().map(|a| a.id().to_owned()).collect();
        self.customers
            .iter()
            .map(|customer| {
                let mut record = engine.record();
                let mut outside = vec![None; self.signals.len()];
                for (i, ((id, _), value)) in self.signals.iter().zip(&customer.values).enumerate() {
                    let set = match value {
                        None => Ok(()),
                        Some(Val::Number(n)) => record.set(id, *n),
                        Some(Val::Flag(b)) => record.set(id, *b),
                        Some(Val::Label(label)) => record.set(id, label),
                    };
                    match (set, value) {
                        (Ok(()), _) => {}
                        (Err(e), Some(Val::Number(n)))
                            if matches!(e.kind(), ErrorKind::OutOfRange { .. }) =>
                        {
                            outside[i] = Some(*n);
                        }
                        (Err(e), _) => panic!("a generated value fits its kind: {e}"),
                    }
                }
                let now = Timestamp::from_unix_seconds(self.now);
                Customer {
                    signals: record,
                    outside,
                    log: customer.history.log(&ids, now),
                    history: customer.history.clone(),
                    now,
                    journey: customer.journey % self.stages,
                }
            })
            .collect()
    }

    /// Every condition of the ruleset: stage rules, score rules, tags,
    /// actions and propensity rules.
    pub(super) fn conditions(&self) -> Vec<Condition> {
        let rules = self.stage_rules.iter().map(|(_, _, c)| c.clone());
        let scores = self.score_rules.iter().map(|(_, _, c)| c.clone());
        let tags = self.tags.iter().cloned();
        let actions = self.actions.iter().flat_map(|action| {
            let when = action.when.iter().map(tree);
            let rules = action.propensity_rules.iter().map(|rule| tree(&rule.when));
            when.chain(rules)
        });
        rules.chain(scores).chain(tags).chain(actions).collect()
    }
}

/// The tree of a condition the generators wrote as a tree.
fn tree(when: &When) -> Condition {
    match when {
        When::Tree(condition) => condition.clone(),
        When::Text(text) => panic!("the generators write trees, not {text:?}"),
    }
}

// ---------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------

fn kind() -> impl Strategy<Value = Kind> {
    let labels = (
        proptest::sample::subsequence(LABELS.to_vec(), 1..=4).prop_shuffle(),
        any::<bool>(),
    )
        .prop_map(|(labels, ordered)| {
            Kind::Category(labels.into_iter().map(str::to_owned).collect(), ordered)
        });
    let unit = proptest::option::weighted(0.4, proptest::sample::select(TIME_UNITS.to_vec()));
    prop_oneof![
        3 => Just(Kind::Count),
        3 => unit.prop_map(Kind::Number),
        2 => Just(Kind::Flag),
        2 => labels,
    ]
}

/// 1 to 12 signals of every kind with random `snake_case` ids.
fn schema() -> impl Strategy<Value = Vec<(String, Kind)>> {
    proptest::collection::vec(("[a-z][a-z0-9_]{0,11}", kind()), 1..=12).prop_map(|signals| {
        let mut taken = HashSet::new();
        signals
            .into_iter()
            .enumerate()
            .map(|(i, (mut id, kind))| {
                while RESERVED.contains(&id.as_str()) || taken.contains(&id) {
                    id = format!("{id}_{i}");
                }
                taken.insert(id.clone());
                (id, kind)
            })
            .collect()
    })
}

/// A range for each number and count signal, or not: between two of the
/// world's thresholds, or from or up to one, so that values sit on, beside
/// and beyond its bounds.
fn ranges(
    signals: &[(String, Kind)],
    thresholds: &[f64],
) -> impl Strategy<Value = Vec<Option<ValueRange>>> {
    let bound = proptest::option::weighted(0.8, proptest::sample::select(thresholds.to_vec()));
    let range = (bound.clone(), bound).prop_map(|(a, b)| {
        let mut range = ValueRange::any();
        match (a, b) {
            (Some(a), Some(b)) => {
                range.min = Some(a.min(b));
                range.max = Some(a.max(b));
            }
            (a, b) => {
                range.min = a;
                range.max = b;
            }
        }
        range
    });
    signals
        .iter()
        .map(|(_, kind)| match kind {
            Kind::Count | Kind::Number(_) => proptest::option::weighted(0.3, range.clone()).boxed(),
            _ => Just(None).boxed(),
        })
        .collect::<Vec<_>>()
}

/// A world's thresholds: a few constants its conditions test again and again.
fn thresholds() -> impl Strategy<Value = Vec<f64>> {
    let threshold = prop_oneof![
        3 => proptest::sample::select(SPECIAL.to_vec()),
        4 => (-3i32..=10).prop_map(f64::from),
        2 => -1000.0f64..1000.0,
        1 => any::<f64>().prop_filter("finite", |n| n.is_finite()),
    ];
    proptest::collection::vec(threshold, 2..=6)
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

/// What the conditions of a world are written with.
#[derive(Debug)]
struct Vocabulary {
    /// Count and number signals.
    numeric: Vec<String>,
    flags: Vec<String>,
    categories: Vec<(String, Vec<String>)>,
    /// The categories whose labels are ordered.
    ordered: Vec<(String, Vec<String>)>,
    /// The number signals with a unit of time.
    timed: Vec<String>,
    all: Vec<String>,
    thresholds: Vec<f64>,
}

impl Vocabulary {
    fn new(signals: &[(String, Kind)], thresholds: Vec<f64>) -> Arc<Self> {
        let of = |keep: fn(&Kind) -> bool| {
            signals
                .iter()
                .filter(|(_, kind)| keep(kind))
                .map(|(id, _)| id.clone())
                .collect()
        };
        Arc::new(Vocabulary {
            numeric: of(|kind| matches!(kind, Kind::Count | Kind::Number(_))),
            timed: of(|kind| matches!(kind, Kind::Number(Some(_)))),
            ordered: signals
                .iter()
                .filter_map(|(id, kind)| match kind {
                    Kind::Category(labels, true) => Some((id.clone(), labels.clone())),
                    _ => None,
                })
                .collect(),
            flags: of(|kind| matches!(kind, Kind::Flag)),
            categories: signals
                .iter()
                .filter_map(|(id, kind)| match kind {
                    Kind::Category(labels, _) => Some((id.clone(), labels.clone())),
                    _ => None,
                })
                .collect(),
            all: signals.iter().map(|(id, _)| id.clone()).collect(),
            thresholds,
        })
    }
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(vec![
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Eq,
        CompareOp::Ne,
    ])
}

fn equality_op() -> impl Strategy<Value = CompareOp> {
    proptest::sample::select(vec![CompareOp::Eq, CompareOp::Ne])
}

fn arith_op() -> impl Strategy<Value = ArithOp> {
    proptest::sample::select(vec![ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div])
}

/// A constant: mostly one of the world's thresholds.
fn constant(v: &Vocabulary) -> BoxedStrategy<f64> {
    prop_oneof![
        8 => proptest::sample::select(v.thresholds.clone()),
        1 => proptest::sample::select(SPECIAL.to_vec()),
        1 => (-3i32..=3).prop_map(f64::from),
    ]
    .boxed()
}

/// A numeric value: signals, constants and arithmetic on them.
fn num_expr(v: &Vocabulary) -> BoxedStrategy<Expr> {
    let mut leaves = vec![(2, constant(v).prop_map(Expr::Number).boxed())];
    if !v.numeric.is_empty() {
        let signal = proptest::sample::select(v.numeric.clone()).prop_map(Expr::Signal);
        leaves.push((3, signal.boxed()));
    }
    Union::new_weighted(leaves)
        .prop_recursive(2, 6, 2, |inner| {
            (arith_op(), inner.clone(), inner).prop_map(|(op, left, right)| Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
            })
        })
        .boxed()
}

/// A flag signal or a constant, for the two sides of a flag comparison.
fn flag_side(v: &Vocabulary) -> BoxedStrategy<Expr> {
    if v.flags.is_empty() {
        return any::<bool>().prop_map(Expr::Bool).boxed();
    }
    prop_oneof![
        2 => proptest::sample::select(v.flags.clone()).prop_map(Expr::Signal),
        1 => any::<bool>().prop_map(Expr::Bool),
    ]
    .boxed()
}

fn compare(left: Expr, op: CompareOp, right: Expr) -> Condition {
    Condition::Compare { left, op, right }
}

/// A condition without connectives: every form of comparison the language
/// has, over the signals the schema has.
#[allow(clippy::too_many_lines)]
fn atom(v: &Arc<Vocabulary>) -> BoxedStrategy<Condition> {
    let mut arms: Vec<(u32, BoxedStrategy<Condition>)> = Vec::new();
    if !v.numeric.is_empty() {
        let signal = || proptest::sample::select(v.numeric.clone()).prop_map(Expr::Signal);
        // `signal op threshold` or `threshold op signal`: the shape most
        // rules have.
        let simple = (signal(), compare_op(), constant(v), any::<bool>()).prop_map(
            |(signal, op, c, flipped)| {
                if flipped {
                    compare(Expr::Number(c), op, signal)
                } else {
                    compare(signal, op, Expr::Number(c))
                }
            },
        );
        arms.push((8, simple.boxed()));
        let between = (signal(), constant(v), constant(v)).prop_map(|(value, low, high)| {
            Condition::Between {
                value,
                low: Expr::Number(low),
                high: Expr::Number(high),
            }
        });
        arms.push((2, between.boxed()));
    }
    let general = (num_expr(v), compare_op(), num_expr(v))
        .prop_map(|(left, op, right)| compare(left, op, right));
    arms.push((3, general.boxed()));
    let numbers_in = (
        num_expr(v),
        proptest::collection::vec(constant(v).prop_map(Expr::Number), 0..4),
    )
        .prop_map(|(value, list)| Condition::In { value, list });
    arms.push((2, numbers_in.boxed()));
    let between = (num_expr(v), num_expr(v), num_expr(v))
        .prop_map(|(value, low, high)| Condition::Between { value, low, high });
    arms.push((1, between.boxed()));
    let any_signal = || proptest::sample::select(v.all.clone());
    arms.push((1, any_signal().prop_map(Condition::Present).boxed()));
    arms.push((1, any_signal().prop_map(Condition::Missing).boxed()));
    if !v.flags.is_empty() {
        // The bare flag, `member`, is `member == true`.
        let bare = proptest::sample::select(v.flags.clone())
            .prop_map(|flag| compare(Expr::Signal(flag), CompareOp::Eq, Expr::Bool(true)));
        arms.push((2, bare.boxed()));
    }
    let flags = (flag_side(v), equality_op(), flag_side(v))
        .prop_map(|(left, op, right)| compare(left, op, right));
    arms.push((2, flags.boxed()));
    let flags_in = (
        flag_side(v),
        proptest::collection::vec(any::<bool>().prop_map(Expr::Bool), 0..3),
    )
        .prop_map(|(value, list)| Condition::In { value, list });
    arms.push((1, flags_in.boxed()));
    if !v.categories.is_empty() {
        let categories = Arc::clone(v);
        let label = (any::<Index>(), any::<Index>(), equality_op(), any::<bool>()).prop_map(
            move |(which, label, op, flipped)| {
                let (id, labels) = which.get(&categories.categories);
                let signal = Expr::Signal(id.clone());
                let label = Expr::Text(label.get(labels).clone());
                if flipped {
                    compare(label, op, signal)
                } else {
                    compare(signal, op, label)
                }
            },
        );
        arms.push((3, label.boxed()));
        let categories = Arc::clone(v);
        let labels_in = (
            any::<Index>(),
            proptest::collection::vec(any::<Index>(), 0..4),
        )
            .prop_map(move |(which, picks)| {
                let (id, labels) = which.get(&categories.categories);
                Condition::In {
                    value: Expr::Signal(id.clone()),
                    list: picks
                        .iter()
                        .map(|pick| Expr::Text(pick.get(labels).clone()))
                        .collect(),
                }
            });
        arms.push((1, labels_in.boxed()));
    }
    arms.push((1, any::<bool>().prop_map(Condition::Bool).boxed()));
    arms.extend(language_arms(v));
    Union::new_weighted(arms).boxed()
}

fn duration(text: &str) -> Duration {
    text.parse().unwrap()
}

/// A duration, as [`Expr::Duration`].
fn duration_expr() -> impl Strategy<Value = Expr> {
    proptest::sample::select(DURATIONS.to_vec()).prop_map(|text| Expr::Duration(duration(text)))
}

/// The arms of [`atom`] for `not in`, durations and ordered categories.
fn language_arms(v: &Arc<Vocabulary>) -> Vec<(u32, BoxedStrategy<Condition>)> {
    let mut arms: Vec<(u32, BoxedStrategy<Condition>)> = Vec::new();
    let numbers_not_in = (
        num_expr(v),
        proptest::collection::vec(constant(v).prop_map(Expr::Number), 0..4),
    )
        .prop_map(|(value, list)| Condition::NotIn { value, list });
    arms.push((1, numbers_not_in.boxed()));
    let flags_not_in = (
        flag_side(v),
        proptest::collection::vec(any::<bool>().prop_map(Expr::Bool), 0..3),
    )
        .prop_map(|(value, list)| Condition::NotIn { value, list });
    arms.push((1, flags_not_in.boxed()));
    if !v.categories.is_empty() {
        let categories = Arc::clone(v);
        let labels_not_in = (
            any::<Index>(),
            proptest::collection::vec(any::<Index>(), 0..4),
        )
            .prop_map(move |(which, picks)| {
                let (id, labels) = which.get(&categories.categories);
                Condition::NotIn {
                    value: Expr::Signal(id.clone()),
                    list: picks
                        .iter()
                        .map(|pick| Expr::Text(pick.get(labels).clone()))
                        .collect(),
                }
            });
        arms.push((1, labels_not_in.boxed()));
    }
    if !v.timed.is_empty() {
        let signal = || proptest::sample::select(v.timed.clone()).prop_map(Expr::Signal);
        // A duration, or now and then a plain number in the signal's unit.
        let bound = || {
            prop_oneof![
                3 => duration_expr(),
                1 => constant(v).prop_map(Expr::Number),
            ]
        };
        let timed = (signal(), compare_op(), duration_expr(), any::<bool>()).prop_map(
            |(signal, op, duration, flipped)| {
                if flipped {
                    compare(duration, op, signal)
                } else {
                    compare(signal, op, duration)
                }
            },
        );
        arms.push((2, timed.boxed()));
        let between = (signal(), bound(), bound())
            .prop_map(|(value, low, high)| Condition::Between { value, low, high });
        arms.push((1, between.boxed()));
        let listed = (
            signal(),
            proptest::collection::vec(bound(), 0..4),
            any::<bool>(),
        )
            .prop_map(|(value, list, negated)| {
                if negated {
                    Condition::NotIn { value, list }
                } else {
                    Condition::In { value, list }
                }
            });
        arms.push((1, listed.boxed()));
    }
    if !v.ordered.is_empty() {
        let ordered = Arc::clone(v);
        let order = (any::<Index>(), any::<Index>(), compare_op(), any::<bool>()).prop_map(
            move |(which, label, op, flipped)| {
                let (id, labels) = which.get(&ordered.ordered);
                let signal = Expr::Signal(id.clone());
                let label = Expr::Text(label.get(labels).clone());
                if flipped {
                    compare(label, op, signal)
                } else {
                    compare(signal, op, label)
                }
            },
        );
        arms.push((2, order.boxed()));
        let ordered = Arc::clone(v);
        let between =
            (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(move |(which, low, high)| {
                let (id, labels) = which.get(&ordered.ordered);
                Condition::Between {
                    value: Expr::Signal(id.clone()),
                    low: Expr::Text(low.get(labels).clone()),
                    high: Expr::Text(high.get(labels).clone()),
                }
            });
        arms.push((1, between.boxed()));
    }
    arms
}

/// Well-typed conditions over the world's schema: atoms under `not`,
/// `all`, `any` and `at_least`, well within the default limits.
fn condition(v: &Arc<Vocabulary>) -> BoxedStrategy<Condition> {
    atom(v)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                1 => inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
                2 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
                2 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
                1 => proptest::collection::vec(inner, 0..4)
                    .prop_flat_map(|of| (0..=of.len(), Just(of)))
                    .prop_map(|(k, of)| Condition::AtLeast { k, of }),
            ]
        })
        .boxed()
}

// ---------------------------------------------------------------------------
// Rules, tags and actions
// ---------------------------------------------------------------------------

/// Stage rules, with some conditions again, as written or negated, for
/// other stages and priorities: real rulesets repeat themselves. In one
/// ruleset of five, one more rule tests one signal against 65 to 90
/// thresholds (a price band, say), so that the program has more than 64
/// atoms and formulas read several words of atom bits.
fn stage_rules(
    v: &Arc<Vocabulary>,
    stages: usize,
) -> impl Strategy<Value = Vec<(usize, i32, Condition)>> {
    let rules = proptest::collection::vec((0..stages, -2i32..=2, condition(v)), 1..=10);
    let again =
        proptest::collection::vec((any::<Index>(), 0..stages, -2i32..=2, any::<bool>()), 0..=3);
    let wide = proptest::option::weighted(
        0.2,
        (any::<Index>(), 0..stages, -2i32..=2, wide_condition(v)),
    );
    (rules, again, wide).prop_map(|(mut rules, again, wide)| {
        for (which, stage, priority, negated) in again {
            let condition = which.get(&rules).2.clone();
            let condition = if negated {
                Condition::Not(Box::new(condition))
            } else {
                condition
            };
            rules.push((stage, priority, condition));
        }
        if let Some((at, stage, priority, condition)) = wide {
            rules.insert(at.index(rules.len() + 1), (stage, priority, condition));
        }
        rules
    })
}

/// `any`, `all` or `at_least(half, ...)` of 65 to 90 comparisons of one
/// signal (or, without numeric signals, a constant) with one operator
/// against the whole numbers from -40 up.
fn wide_condition(v: &Arc<Vocabulary>) -> impl Strategy<Value = Condition> {
    let v = Arc::clone(v);
    (any::<Index>(), compare_op(), 65usize..=90, 0u8..3).prop_map(
        move |(signal, op, n, connective)| {
            let left = if v.numeric.is_empty() {
                Expr::Number(0.5)
            } else {
                Expr::Signal(signal.get(&v.numeric).clone())
            };
            let of: Vec<Condition> = (-40..)
                .take(n)
                .map(|c: i32| compare(left.clone(), op, Expr::Number(f64::from(c))))
                .collect();
            match connective {
                0 => Condition::Any(of),
                1 => Condition::All(of),
                _ => Condition::AtLeast { k: n / 2, of },
            }
        },
    )
}

/// Score rules, with some of them again (the same condition for the same
/// stage, with other points), so that huge points add up past `f64::MAX`.
fn score_rules(
    v: &Arc<Vocabulary>,
    stages: usize,
) -> impl Strategy<Value = Vec<(usize, f64, Condition)>> {
    let points = || {
        prop_oneof![
            3 => proptest::sample::select(POINTS.to_vec()),
            1 => proptest::sample::select(HUGE_POINTS.to_vec()),
        ]
    };
    let rules = proptest::collection::vec((0..stages, points(), condition(v)), 0..=5);
    let again = proptest::collection::vec((any::<Index>(), points()), 0..=2);
    (rules, again).prop_map(|(mut rules, again)| {
        if !rules.is_empty() {
            for (which, points) in again {
                let (stage, _, condition) = which.get(&rules).clone();
                rules.push((stage, points, condition));
            }
        }
        rules
    })
}

/// A value, weight or propensity: sometimes 0 or huge, mostly round numbers
/// (so that priorities tie), sometimes anything from 0 to `high`.
fn amount(special: &'static [f64], huge: f64, high: f64) -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        2 => Just(huge),
        6 => proptest::sample::select(special),
        2 => 0.0..=high,
    ]
}

fn unit() -> impl Strategy<Value = f64> {
    amount(&[0.25, 0.5, 1.0], 1.0, 1.0)
}

/// The ids of the tags set in `mask`, of the first `tags` tags.
fn tags_of(mask: u8, tags: usize) -> Vec<&'static str> {
    TAG_IDS[..tags]
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, tag)| *tag)
        .collect()
}

/// One action with everything random; its id is set by the catalog, and
/// the tags it names by [`world`] once the tags are known.
fn action(v: &Arc<Vocabulary>, stages: usize) -> impl Strategy<Value = (ActionSpec, u8, u8)> {
    // Mostly permissive, so that several actions are often eligible at once.
    let tag_mask = || {
        prop_oneof![
            4 => Just(0u8),
            2 => (0..TAG_IDS.len()).prop_map(|i| 1u8 << i),
            1 => 0u8..32,
        ]
    };
    let basics = (
        0..KINDS.len(),
        proptest::option::of(0..GROUPS.len()),
        1u8..(1 << stages),
        amount(&[1.0, 2.5, 10.0, 100.0], 1e300, 1000.0),
        amount(&[0.5, 1.0, 2.0], 1e10, 3.0),
        unit(),
    );
    let eligibility = (
        proptest::collection::vec((condition(v), unit()), 0..=2),
        proptest::option::weighted(0.5, condition(v)),
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
        move |(
            (kind, group, stage_mask, value, weight, propensity),
            (rules, when, requires, excludes),
            (cooldown, cap, dismissals),
            fallback,
        )| {
            let stages: Vec<&str> = STAGE_IDS[..stages]
                .iter()
                .enumerate()
                .filter(|(i, _)| stage_mask & (1 << i) != 0)
                .map(|(_, stage)| *stage)
                .collect();
            let mut spec = ActionSpec::new("unnamed", KINDS[kind], &stages, value)
                .weight(weight)
                .propensity(propensity);
            if let Some(group) = group {
                spec = spec.group(GROUPS[group]);
            }
            if let Some(when) = when {
                spec = spec.when(when);
            }
            for (when, propensity) in rules {
                spec = spec.propensity_rule(when, propensity);
            }
            if let Some(cooldown) = cooldown {
                spec = spec.cooldown(COOLDOWNS[cooldown]);
            }
            if let Some((times, window)) = cap {
                spec = spec.cap(times, WINDOWS[window]);
            }
            if let Some(dismissals) = dismissals {
                spec = spec.max_dismissals(dismissals);
                // Derived, not drawn, as the times of dismissals are.
                if kind % 3 != 0 {
                    spec = spec.dismissals_expire(WINDOWS[kind % WINDOWS.len()]);
                }
            }
            if fallback {
                spec = spec.fallback();
            }
            (spec, requires, excludes)
        },
    )
}

/// Up to [`MAX_ACTIONS`] actions, some of them again in another group or
/// none (a catalog offering the same thing twice), so that priorities tie.
fn catalog(v: &Arc<Vocabulary>, stages: usize) -> impl Strategy<Value = Vec<(ActionSpec, u8, u8)>> {
    let actions = proptest::collection::vec(action(v, stages), 0..=MAX_ACTIONS - 2);
    let again = proptest::collection::vec(
        (any::<Index>(), proptest::option::of(0..GROUPS.len())),
        0..=2,
    );
    (actions, again).prop_map(|(mut actions, again)| {
        if !actions.is_empty() {
            for (which, group) in again {
                let (mut action, requires, excludes) = which.get(&actions).clone();
                action.group = group.map(|group| GROUPS[group].to_owned());
                actions.push((action, requires, excludes));
            }
        }
        actions
    })
}

fn arbitration() -> impl Strategy<Value = Arbitration> {
    (1usize..=6, 1usize..=3).prop_map(|(max_suggestions, max_per_group)| {
        Arbitration::new(max_suggestions, max_per_group)
    })
}

/// A host scorer's propensities by catalog position, out of range and NaN
/// included; or none, for the built-in propensities.
fn scores() -> impl Strategy<Value = Option<Vec<f64>>> {
    let score = prop_oneof![
        3 => proptest::sample::select(&[0.0, 0.25, 0.5, 1.0][..]),
        2 => 0.0..=1.0,
        1 => proptest::sample::select(
            &[f64::NAN, -0.5, 1.5, f64::INFINITY, f64::NEG_INFINITY][..]
        ),
    ];
    proptest::option::weighted(0.25, proptest::collection::vec(score, MAX_ACTIONS))
}

// ---------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------

/// A threshold, or its neighbour one unit in the last place below or above.
fn near(thresholds: Vec<f64>) -> impl Strategy<Value = f64> {
    (proptest::sample::select(thresholds), -1i8..=1).prop_map(|(t, nudge)| {
        let nudged = match nudge {
            -1 => t.next_down(),
            0 => t,
            _ => t.next_up(),
        };
        if nudged.is_finite() {
            nudged
        } else {
            t
        }
    })
}

fn number_value(thresholds: &[f64]) -> BoxedStrategy<f64> {
    prop_oneof![
        6 => near(thresholds.to_vec()),
        1 => proptest::sample::select(thresholds.to_vec()).prop_map(|t| -t),
        2 => proptest::sample::select(EXTREMES.to_vec()),
        1 => -1000.0f64..1000.0,
    ]
    .boxed()
}

/// A count (a whole number >= 0) on or beside a threshold, small, or at the
/// edges.
fn count_value(thresholds: &[f64]) -> BoxedStrategy<f64> {
    let near = (proptest::sample::select(thresholds.to_vec()), -1i8..=1).prop_map(|(t, nudge)| {
        let whole = t.abs().floor();
        (whole + f64::from(nudge)).max(0.0)
    });
    prop_oneof![
        5 => near,
        3 => (0u32..6).prop_map(f64::from),
        1 => proptest::sample::select(EXTREME_COUNTS.to_vec()),
    ]
    .boxed()
}

fn value(kind: &Kind, thresholds: &[f64]) -> BoxedStrategy<Option<Val>> {
    let present = match kind {
        Kind::Count => count_value(thresholds).prop_map(Val::Number).boxed(),
        Kind::Number(None) => number_value(thresholds).prop_map(Val::Number).boxed(),
        Kind::Number(Some(unit)) => {
            let unit = *unit;
            prop_oneof![
                3 => number_value(thresholds),
                2 => proptest::sample::select(DURATIONS.to_vec())
                    .prop_map(move |text| unit.of(duration(text).span())),
            ]
            .prop_map(Val::Number)
            .boxed()
        }
        Kind::Flag => any::<bool>().prop_map(Val::Flag).boxed(),
        Kind::Category(labels, _) => proptest::sample::select(labels.clone())
            .prop_map(Val::Label)
            .boxed(),
    };
    proptest::option::weighted(0.75, present).boxed()
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
            0..6,
        ),
        proptest::collection::vec((0usize..64, 1usize..=3), 0..4),
        proptest::option::weighted(0.2, before()),
    )
        .prop_map(|(shown, dismissed, everything)| History {
            shown: shown
                .into_iter()
                .flat_map(|(slot, times)| times.into_iter().map(move |t| (slot, t)))
                .collect(),
            // The times are derived, not drawn, so that the worlds drawn
            // before dismissals had times are drawn still: on, just before
            // and just after the windows dismissals expire after.
            dismissed: dismissed
                .into_iter()
                .flat_map(|(slot, times)| {
                    (0..times).map(move |j| {
                        let boundary = BOUNDARIES[(slot + j) % BOUNDARIES.len()];
                        let nudge = i64::try_from((slot + 2 * j) % 3).unwrap_or(0) - 1;
                        (slot, boundary + nudge)
                    })
                })
                .collect(),
            everything,
        })
}

fn now() -> impl Strategy<Value = i64> {
    prop_oneof![
        8 => 1_600_000_000i64..1_800_000_000,
        1 => (0i64..DAY).prop_map(|s| i64::MIN + s),
        1 => (0i64..DAY).prop_map(|s| i64::MAX - s),
    ]
}

fn customer(signals: &[(String, Kind)], thresholds: &[f64]) -> impl Strategy<Value = CustomerSpec> {
    let values: Vec<BoxedStrategy<Option<Val>>> = signals
        .iter()
        .map(|(_, kind)| value(kind, thresholds))
        .collect();
    (values, history(), 0usize..STAGE_IDS.len()).prop_map(|(values, history, journey)| {
        CustomerSpec {
            values,
            history,
            journey,
        }
    })
}

// ---------------------------------------------------------------------------
// Worlds
// ---------------------------------------------------------------------------

/// A world: a schema, a ruleset over it under one of `hit_policies`, and
/// `customers` customers.
pub(crate) fn world(
    hit_policies: &[HitPolicy],
    customers: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = World> {
    let hit_policy = proptest::sample::select(hit_policies.to_vec());
    (schema(), thresholds(), 1usize..=STAGE_IDS.len(), hit_policy).prop_flat_map(
        move |(signals, thresholds, stages, hit_policy)| {
            let v = Vocabulary::new(&signals, thresholds.clone());
            let rules = (
                stage_rules(&v, stages),
                score_rules(&v, stages),
                proptest::collection::vec(condition(&v), 0..=TAG_IDS.len()),
            );
            let catalog = (catalog(&v, stages), arbitration(), scores(), now());
            let customers =
                proptest::collection::vec(customer(&signals, &thresholds), customers.clone());
            let ranges = ranges(&signals, &thresholds);
            (
                Just((signals, thresholds, stages, hit_policy)),
                rules,
                catalog,
                (customers, ranges),
            )
                .prop_map(
                    |(
                        (signals, thresholds, stages, hit_policy),
                        (stage_rules, score_rules, tags),
                        (actions, arbitration, scores, now),
                        (customers, ranges),
                    )| {
                        let tag_count = tags.len();
                        let actions = actions
                            .into_iter()
                            .enumerate()
                            .map(|(i, (mut action, requires, excludes))| {
                                action.id = format!("a{i}");
                                action
                                    .requires(&tags_of(requires, tag_count))
                                    .excludes(&tags_of(excludes & !requires, tag_count))
                            })
                            .collect();
                        World {
                            signals,
                            ranges,
                            thresholds,
                            stages,
                            hit_policy,
                            stage_rules,
                            score_rules,
                            tags,
                            actions,
                            arbitration,
                            scores,
                            now,
                            customers,
                        }
                    },
                )
        },
    )
}

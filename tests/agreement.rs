//! Property tests: the text form round-trips, generated conditions are well
//! typed, and the compiled engine agrees with the reference interpreter.

use buyer_journey::condition::Duration;
use buyer_journey::{
    ArithOp, Column, Columns, CompareOp, Condition, ContactLog, Engine, ErrorKind, Expr, HitPolicy,
    Limits, RulesetSpec, Schema, ScoreRuleSpec, Signal, SignalKind, SignalRecord, SignalSpec,
    Signals, StageRuleSpec, StageSpec, TimeUnit, Timestamp, Value, ValueRange, When,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const COUNTS: [&str; 3] = ["visits", "orders", "tickets"];
/// A count in days, compared with durations too.
const DAYS: &str = "tickets";
/// A number in hours, compared with durations too.
const NUMBER: &str = "score";
const FLAG: &str = "member";
const CATEGORY: &str = "plan";
/// A second category that shares labels with the first at other positions,
/// so a label encoded against the wrong signal would show; its labels are
/// ordered.
const TIER: &str = "tier";
/// Labels with a space, escapes and a non-ASCII character, to exercise the
/// printing and lexing of text.
const LABELS: [&str; 3] = ["free", "pro team", "a\"b\\c é"];
const TIER_LABELS: [&str; 3] = ["pro team", "gold", "free"];
/// Aliases of [`CATEGORY`]'s labels; `gold` is a label of [`TIER`], so an
/// alias read against the wrong signal would show.
const ALIASES: [(&str, &str); 3] = [("team", "pro team"), ("gold", "free"), ("3", "a\"b\\c é")];
/// What conditions and customers compare [`CATEGORY`] with: its labels and
/// their aliases.
const PLAN_TEXTS: [&str; 6] = ["free", "pro team", "a\"b\\c é", "team", "gold", "3"];
/// A count with a range, so customers' values fall in and out of it.
const RANGED_COUNT: &str = "orders";
const COUNT_RANGE: (f64, f64) = (1.0, 4.0);
/// The number's range: the constants and values reach past both ends.
const NUMBER_RANGE: (f64, f64) = (-1000.0, 1e15);
const STAGES: [&str; 3] = ["first_stage", "second_stage", "third_stage"];

fn signals() -> Vec<SignalSpec> {
    let range = |(min, max)| ValueRange::between(min, max);
    let mut signals: Vec<SignalSpec> = COUNTS
        .iter()
        .map(|&name| match name {
            RANGED_COUNT => SignalSpec::count(name).within(range(COUNT_RANGE)),
            DAYS => SignalSpec::count(name).unit(TimeUnit::Days),
            _ => SignalSpec::count(name),
        })
        .collect();
    signals.push(
        SignalSpec::number(NUMBER)
            .within(range(NUMBER_RANGE))
            .unit(TimeUnit::Hours),
    );
    signals.push(SignalSpec::flag(FLAG));
    signals.push(ALIASES.iter().fold(
        SignalSpec::category(CATEGORY, LABELS),
        |spec, (alias, label)| spec.alias(alias, label),
    ));
    signals.push(SignalSpec::category(TIER, TIER_LABELS).ordered());
    signals
}

fn schema() -> Schema {
    Schema::new(&signals()).unwrap()
}

fn all_signal_names() -> Vec<&'static str> {
    let mut names = COUNTS.to_vec();
    names.extend([NUMBER, FLAG, CATEGORY, TIER]);
    names
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Constants that matter: zero, signs, fractions, the edges of exact integers
/// and large magnitudes.
const SPECIAL: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    2.0,
    3.0,
    -1.0,
    0.5,
    -2.5,
    0.1,
    1.0 / 3.0,
    1e15,
    -1e15,
    9_007_199_254_740_992.0,
    1e300,
    -1e-300,
    f64::MAX,
];

fn constant() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => proptest::sample::select(SPECIAL.to_vec()),
        3 => (-5i32..=5).prop_map(f64::from),
        1 => -1000.0f64..1000.0,
        1 => any::<f64>().prop_filter("finite", |n| n.is_finite()),
    ]
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

fn numeric_signal() -> impl Strategy<Value = Expr> {
    let mut names = COUNTS.to_vec();
    names.push(NUMBER);
    proptest::sample::select(names).prop_map(|name| Expr::Signal(name.into()))
}

/// A numeric value: signals, constants and arithmetic on them.
fn num_expr() -> BoxedStrategy<Expr> {
    let leaf = prop_oneof![numeric_signal(), constant().prop_map(Expr::Number),];
    leaf.prop_recursive(3, 12, 2, |inner| {
        (arith_op(), inner.clone(), inner).prop_map(|(op, left, right)| Expr::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
        })
    })
    .boxed()
}

fn flag_side() -> impl Strategy<Value = Expr> {
    prop_oneof![
        2 => Just(Expr::Signal(FLAG.into())),
        1 => any::<bool>().prop_map(Expr::Bool),
    ]
}

/// A category signal and one of its labels (or their aliases).
fn category_and_label() -> impl Strategy<Value = (Expr, Expr)> {
    let pick = |name: &'static str, labels: &[&'static str]| {
        proptest::sample::select(labels.to_vec())
            .prop_map(move |label| (Expr::Signal(name.into()), Expr::Text(label.into())))
    };
    prop_oneof![pick(CATEGORY, &PLAN_TEXTS), pick(TIER, &TIER_LABELS)]
}

/// A category signal and a list of its labels (or their aliases).
fn category_and_labels() -> impl Strategy<Value = (Expr, Vec<Expr>)> {
    let pick = |name: &'static str, labels: &[&'static str]| {
        proptest::collection::vec(proptest::sample::select(labels.to_vec()), 0..4).prop_map(
            move |list| {
                let list = list.into_iter().map(|l| Expr::Text(l.into())).collect();
                (Expr::Signal(name.into()), list)
            },
        )
    };
    prop_oneof![pick(CATEGORY, &PLAN_TEXTS), pick(TIER, &TIER_LABELS)]
}

/// A condition without connectives.
fn atom() -> BoxedStrategy<Condition> {
    prop_oneof![
        4 => (num_expr(), compare_op(), num_expr())
            .prop_map(|(left, op, right)| Condition::Compare { left, op, right }),
        1 => (num_expr(), proptest::collection::vec(constant().prop_map(Expr::Number), 0..4))
            .prop_map(|(value, list)| Condition::In { value, list }),
        1 => (num_expr(), num_expr(), num_expr())
            .prop_map(|(value, low, high)| Condition::Between { value, low, high }),
        1 => proptest::sample::select(all_signal_names())
            .prop_map(|name| Condition::Present(name.into())),
        1 => proptest::sample::select(all_signal_names())
            .prop_map(|name| Condition::Missing(name.into())),
        // The bare flag, printed as just its name.
        1 => Just(Condition::Compare {
            left: Expr::Signal(FLAG.into()),
            op: CompareOp::Eq,
            right: Expr::Bool(true),
        }),
        1 => (flag_side(), equality_op(), flag_side())
            .prop_map(|(left, op, right)| Condition::Compare { left, op, right }),
        1 => (flag_side(), proptest::collection::vec(any::<bool>().prop_map(Expr::Bool), 0..3))
            .prop_map(|(value, list)| Condition::In { value, list }),
        1 => (equality_op(), category_and_label(), any::<bool>()).prop_map(
            |(op, (category, label), flipped)| {
                let (left, right) = if flipped {
                    (label, category)
                } else {
                    (category, label)
                };
                Condition::Compare { left, op, right }
            }
        ),
        1 => category_and_labels().prop_map(|(value, list)| Condition::In { value, list }),
        1 => any::<bool>().prop_map(Condition::Bool),
        2 => language_atom(),
    ]
    .boxed()
}

/// Durations as written, whose values in hours and days include the
/// constants customers have (`20m` is 1/3 hour, `1d` is 1 day).
const DURATIONS: [&str; 8] = ["0s", "90s", "20m", "30m", "2h", "1d", "2d", "1d12h"];

fn duration() -> impl Strategy<Value = Expr> {
    proptest::sample::select(DURATIONS.to_vec())
        .prop_map(|text| Expr::Duration(text.parse::<Duration>().unwrap()))
}

/// The conditions of `not in`, durations and ordered categories.
fn language_atom() -> BoxedStrategy<Condition> {
    let timed =
        || proptest::sample::select(vec![NUMBER, DAYS]).prop_map(|s| Expr::Signal(s.into()));
    let bound = || {
        prop_oneof![
            3 => duration(),
            1 => constant().prop_map(Expr::Number),
        ]
    };
    let tier_label =
        || proptest::sample::select(TIER_LABELS.to_vec()).prop_map(|l| Expr::Text(l.into()));
    prop_oneof![
        1 => (num_expr(), proptest::collection::vec(constant().prop_map(Expr::Number), 0..4))
            .prop_map(|(value, list)| Condition::NotIn { value, list }),
        1 => (flag_side(), proptest::collection::vec(any::<bool>().prop_map(Expr::Bool), 0..3))
            .prop_map(|(value, list)| Condition::NotIn { value, list }),
        1 => category_and_labels().prop_map(|(value, list)| Condition::NotIn { value, list }),
        2 => (timed(), compare_op(), duration(), any::<bool>()).prop_map(
            |(signal, op, duration, flipped)| {
                if flipped {
                    Condition::Compare { left: duration, op, right: signal }
                } else {
                    Condition::Compare { left: signal, op, right: duration }
                }
            }
        ),
        1 => (timed(), bound(), bound())
            .prop_map(|(value, low, high)| Condition::Between { value, low, high }),
        1 => (timed(), proptest::collection::vec(bound(), 0..4), any::<bool>()).prop_map(
            |(value, list, negated)| {
                if negated {
                    Condition::NotIn { value, list }
                } else {
                    Condition::In { value, list }
                }
            }
        ),
        2 => (compare_op(), tier_label(), any::<bool>()).prop_map(|(op, label, flipped)| {
            let tier = Expr::Signal(TIER.into());
            let (left, right) = if flipped { (label, tier) } else { (tier, label) };
            Condition::Compare { left, op, right }
        }),
        1 => (tier_label(), tier_label()).prop_map(|(low, high)| Condition::Between {
            value: Expr::Signal(TIER.into()),
            low,
            high,
        }),
    ]
    .boxed()
}

/// Well-typed conditions over the schema, well within the default limits.
fn condition() -> BoxedStrategy<Condition> {
    atom()
        .prop_recursive(6, 64, 4, |inner| {
            prop_oneof![
                1 => inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
                1 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
                1 => proptest::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
                1 => proptest::collection::vec(inner, 0..4)
                    .prop_flat_map(|of| (0..=of.len(), Just(of)))
                    .prop_map(|(k, of)| Condition::AtLeast { k, of }),
            ]
        })
        .boxed()
}

/// One signal value of a customer, or `None` for missing.
#[derive(Debug, Clone)]
enum Val {
    Number(f64),
    Flag(bool),
    Label(&'static str),
}

/// A count, in and out of [`COUNT_RANGE`] for the ranged one.
fn count_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => (0u32..6).prop_map(f64::from),
        1 => proptest::sample::select(vec![-0.0, 1e15, 9_007_199_254_740_992.0, 1e300, f64::MAX]),
    ]
}

/// A customer: each signal of the schema missing or a value of its kind,
/// drawn from the same constants the conditions use so that equalities
/// hit; numbers and counts in and out of their signal's range, labels of
/// [`CATEGORY`] by their aliases too.
fn customer() -> impl Strategy<Value = Vec<Option<Val>>> {
    let counts = proptest::collection::vec(
        proptest::option::weighted(0.8, count_value().prop_map(Val::Number)),
        COUNTS.len(),
    );
    let number = proptest::option::weighted(0.8, constant().prop_map(Val::Number));
    let flag = proptest::option::weighted(0.8, any::<bool>().prop_map(Val::Flag));
    let category = |labels: &[&'static str]| {
        proptest::option::weighted(
            0.8,
            proptest::sample::select(labels.to_vec()).prop_map(Val::Label),
        )
    };
    (
        counts,
        number,
        flag,
        category(&PLAN_TEXTS),
        category(&TIER_LABELS),
    )
        .prop_map(|(mut values, number, flag, plan, tier)| {
            values.extend([number, flag, plan, tier]);
            values
        })
}

/// The customer's record: a value out of its signal's range is rejected
/// (and so missing), every other value fits.
fn record(schema: &Schema, values: &[Option<Val>]) -> SignalRecord {
    let mut record = schema.record();
    for (name, value) in all_signal_names().into_iter().zip(values) {
        let Some(value) = value else { continue };
        if let Err(err) = record.set(name, value.as_value()) {
            assert!(
                matches!(err.kind(), ErrorKind::OutOfRange { .. }),
                "{name} = {value:?}: {err}"
            );
        }
    }
    record
}

impl Val {
    fn as_value(&self) -> Value<'static> {
        match *self {
            Val::Number(n) => Value::Number(n),
            Val::Flag(b) => Value::Flag(b),
            Val::Label(label) => Value::Label(label),
        }
    }
}

/// A host's own type holding a customer's values as generated: out of
/// range too, labels by their aliases too.
#[derive(Debug)]
struct Raw<'a>(&'a [Option<Val>]);

impl Signals for Raw<'_> {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        let at = all_signal_names()
            .iter()
            .position(|&name| name == signal.id())?;
        self.0.get(at)?.as_ref().map(Val::as_value)
    }
}

/// The records' signals as the columns of one batch, each kind in its own
/// column type: counts as `i64`, flags as bits, categories as `u32` label
/// positions (each with a validity bitmap for the missing ones), numbers as
/// `f64` with NaN.
struct BatchColumns {
    numbers: Vec<Vec<f64>>,
    whole: Vec<Vec<i64>>,
    codes: Vec<Vec<u32>>,
    bits: Vec<Vec<u8>>,
    validity: Vec<Vec<u8>>,
}

impl BatchColumns {
    fn new<S: Signals>(schema: &Schema, records: &[S]) -> Self {
        let n = records.len();
        let mut columns = BatchColumns {
            numbers: Vec::new(),
            whole: Vec::new(),
            codes: Vec::new(),
            bits: Vec::new(),
            validity: Vec::new(),
        };
        for signal in schema.iter() {
            let mut numbers = vec![f64::NAN; n];
            let mut whole = vec![0; n];
            let mut codes = vec![0; n];
            let mut bits = vec![0u8; n.div_ceil(8)];
            let mut validity = vec![0u8; n.div_ceil(8)];
            for (i, record) in records.iter().enumerate() {
                let Some(value) = record.value(signal) else {
                    continue;
                };
                validity[i / 8] |= 1 << (i % 8);
                match value {
                    Value::Number(v) => {
                        numbers[i] = v;
                        // Counts beyond 2^53 keep their f64 value in i64.
                        #[allow(clippy::cast_possible_truncation)]
                        let v = v as i64;
                        whole[i] = v;
                    }
                    Value::Flag(b) => bits[i / 8] |= u8::from(b) << (i % 8),
                    Value::Label(text) => {
                        let label = signal.label(text).unwrap();
                        let position = signal.labels().position(|l| l == label).unwrap();
                        codes[i] = u32::try_from(position).unwrap();
                    }
                }
            }
            columns.numbers.push(numbers);
            columns.whole.push(whole);
            columns.codes.push(codes);
            columns.bits.push(bits);
            columns.validity.push(validity);
        }
        columns
    }

    fn columns<'a>(&'a self, schema: &Schema, len: usize) -> Columns<'a> {
        let mut columns = Columns::new(schema, len);
        for (i, signal) in schema.iter().enumerate() {
            let valid = &self.validity[i];
            let column = match signal.kind() {
                // Counts beyond `i64` only fit the `f64` column.
                #[allow(clippy::cast_precision_loss)]
                SignalKind::Count
                    if self.numbers[i]
                        .iter()
                        .zip(&self.whole[i])
                        .all(|(&n, &w)| n.is_nan() || w as f64 == n) =>
                {
                    Column::i64(&self.whole[i]).with_validity(valid, 0).unwrap()
                }
                SignalKind::Number | SignalKind::Count => Column::f64(&self.numbers[i]),
                SignalKind::Flag => Column::bits(&self.bits[i], 0, len)
                    .unwrap()
                    .with_validity(valid, 0)
                    .unwrap(),
                SignalKind::Category => {
                    Column::u32(&self.codes[i]).with_validity(valid, 0).unwrap()
                }
                kind => panic!("a kind this test does not know: {kind:?}"),
            };
            columns.set(signal.id(), column).unwrap();
        }
        columns
    }
}

/// The batch path, its columns holding the customers' values as generated
/// (out of range too), gives each customer the single path's decision on
/// the customer's record, field for field, for `classify` and for `decide`
/// (empty histories); the batch is the customers repeated past 64, so it
/// spans full and partial sets of lanes.
fn batch_agrees(engine: &Engine, customers: &[Vec<Option<Val>>]) -> Result<(), TestCaseError> {
    let raw: Vec<Raw<'_>> = customers
        .iter()
        .cycle()
        .take(customers.len() * 70)
        .map(|values| Raw(values))
        .collect();
    let repeated: Vec<SignalRecord> = raw
        .iter()
        .map(|raw| record(engine.schema(), raw.0))
        .collect();
    let data = BatchColumns::new(engine.schema(), &raw);
    let columns = data.columns(engine.schema(), repeated.len());
    let mut single = engine.scratch();
    let mut scratch = engine.batch_scratch();
    let batch = engine.classify_batch(&columns, &mut scratch).unwrap();
    prop_assert_eq!(batch.len(), repeated.len());
    for (i, record) in repeated.iter().enumerate() {
        let expected = engine.classify(record, &mut single).to_record();
        prop_assert_eq!(
            batch.get(i).unwrap().to_record(),
            expected,
            "customer {}",
            i
        );
    }
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let histories = vec![ContactLog::new(); repeated.len()];
    let batch = engine
        .decide_batch(&columns, &histories, now, &mut scratch)
        .unwrap();
    for (i, record) in repeated.iter().enumerate() {
        let expected = engine
            .decide(record, &histories[i], now, &mut single)
            .to_record();
        prop_assert_eq!(
            batch.get(i).unwrap().to_record(),
            expected,
            "customer {}",
            i
        );
    }
    Ok(())
}

/// A ruleset over the schema whose rules hold the generated conditions.
#[derive(Debug, Clone)]
struct Ruleset {
    /// `(stage, priority, condition)`
    stage_rules: Vec<(usize, i32, Condition)>,
    /// `(stage, points, condition)`
    score_rules: Vec<(usize, f64, Condition)>,
}

impl Ruleset {
    fn spec(&self, hit_policy: HitPolicy) -> RulesetSpec {
        {
            let mut spec = RulesetSpec::new(
                signals(),
                STAGES
                    .iter()
                    .map(|id| StageSpec::new(id, &id.replace('_', " "), ""))
                    .collect(),
            );
            spec.hit_policy = hit_policy;
            spec.stage_rules = self
                .stage_rules
                .iter()
                .enumerate()
                .map(|(i, (stage, priority, condition))| {
                    StageRuleSpec::new(&format!("rule.{i}"), STAGES[*stage], condition.clone())
                        .priority(*priority)
                })
                .collect();
            spec.score_rules = self
                .score_rules
                .iter()
                .enumerate()
                .map(|(i, (stage, points, condition))| {
                    ScoreRuleSpec::new(
                        &format!("score.{i}"),
                        STAGES[*stage],
                        condition.clone(),
                        *points,
                    )
                })
                .collect();
            spec
        }
    }

    fn conditions(&self) -> impl Iterator<Item = (String, &Condition)> + '_ {
        let stage = self
            .stage_rules
            .iter()
            .enumerate()
            .map(|(i, (_, _, c))| (format!("rule.{i}"), c));
        let score = self
            .score_rules
            .iter()
            .enumerate()
            .map(|(i, (_, _, c))| (format!("score.{i}"), c));
        stage.chain(score)
    }
}

fn ruleset() -> impl Strategy<Value = Ruleset> {
    let stage_rules = proptest::collection::vec((0..STAGES.len(), -2i32..=2, condition()), 2..7);
    let points = proptest::sample::select(vec![-2.0, -0.5, 1.0, 3.0, 1e15]);
    let score_rules = proptest::collection::vec((0..STAGES.len(), points, condition()), 0..4);
    (stage_rules, score_rules).prop_map(|(mut stage_rules, score_rules)| {
        // The same conditions again, and negated, in other rules: atoms are
        // shared between rules.
        let again = stage_rules[1].clone();
        let negated = Condition::Not(Box::new(stage_rules[0].2.clone()));
        stage_rules.push((again.0, 0, again.2));
        stage_rules.push((2, 1, negated));
        Ruleset {
            stage_rules,
            score_rules,
        }
    })
}

/// Parses without the text-length bound: very large or very small numbers
/// print as every digit, and this test is about the tree, not the length.
fn parse_long(text: &str) -> Result<Condition, buyer_journey::Error> {
    Condition::parse_with(text, &Limits::default().max_expression_len(usize::MAX))
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(c in condition()) {
        let text = c.to_string();
        let parsed = parse_long(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&c), "text: {}", text);
        // Printing is a fixed point.
        prop_assert_eq!(parsed.unwrap().to_string(), text);
    }

    #[test]
    fn short_texts_round_trip_under_the_default_limits(c in condition()) {
        let text = c.to_string();
        prop_assume!(text.len() <= 4_096);
        prop_assert_eq!(Condition::parse(&text), Ok(c), "text: {}", text);
    }

    #[test]
    fn generated_conditions_are_well_typed(c in condition()) {
        let schema = schema();
        prop_assert_eq!(c.check(&schema), Ok(()), "condition: {}", c);
    }

    #[test]
    fn the_json_form_round_trips(c in condition()) {
        let json = serde_json::to_string(&c).unwrap();
        let back: Condition = serde_json::from_str(&json).unwrap();
        // Exact, with serde_json's `float_roundtrip` feature (a dev-dependency
        // setting; hosts reading rulesets from JSON want it too).
        prop_assert_eq!(&back, &c, "json: {}", json);
        // And inside a rule, as `When`.
        let when: When = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(when, When::Tree(c));
    }

    /// `Clone` and `PartialEq` are written by hand (to be safe at any
    /// depth): a clone equals its original and prints alike, and two
    /// conditions are equal exactly when their JSON forms are.
    #[test]
    fn clones_are_equal_and_equality_follows_the_json_form(
        c in condition(),
        other in condition(),
        same in any::<bool>(),
    ) {
        let copy = c.clone();
        prop_assert!(copy == c, "condition: {}", c);
        prop_assert_eq!(copy.to_string(), c.to_string());
        let d = if same { copy } else { other };
        let json = |c: &Condition| serde_json::to_value(c).unwrap();
        prop_assert_eq!(c == d, json(&c) == json(&d), "{} / {}", c, d);
    }

    /// A condition within some limits prints as text that parses within the
    /// same limits (the text length aside), so a tree accepted in the
    /// structured form can always be stored as text.
    #[test]
    fn the_text_of_a_condition_parses_under_the_limits_it_fits(c in condition()) {
        let schema = schema();
        let base = Limits::default().max_expression_len(usize::MAX);
        // The tightest depth and size bounds the tree passes.
        let depth = (1..=32)
            .find(|&d| c.check_with(&schema, &base.max_depth(d)).is_ok())
            .unwrap();
        let size = (1..=1_024)
            .find(|&s| c.check_with(&schema, &base.max_condition_size(s)).is_ok())
            .unwrap();
        let limits = base.max_depth(depth).max_condition_size(size);
        let text = c.to_string();
        prop_assert_eq!(
            Condition::parse_with(&text, &limits),
            Ok(c),
            "text: {} (depth {}, size {})",
            text,
            depth,
            size
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The key property: the compiled engine and the reference interpreter
    /// agree on every ruleset, customer and hit policy, and each rule fires
    /// exactly when `Condition::evaluate` says its condition holds.
    #[test]
    fn the_engine_agrees_with_the_interpreter(
        rules in ruleset(),
        customers in proptest::collection::vec(customer(), 1..8),
    ) {
        let schema = schema();
        for policy in [HitPolicy::First, HitPolicy::Furthest, HitPolicy::HighestScore] {
            let engine = Engine::builder(rules.spec(policy)).build();
            prop_assert!(engine.is_ok(), "build failed: {:?}", engine.err());
            let engine = engine.unwrap();
            let mut scratch = engine.scratch();
            for values in &customers {
                // A record of the engine's own schema, read by position.
                let customer = record(engine.schema(), values);
                let compiled = engine.classify(&customer, &mut scratch).to_record();
                let interpreted = engine.classify_interpreted(&customer);
                prop_assert_eq!(&compiled, &interpreted, "customer: {:?}", values);
                // The values as generated, through the host's own type:
                // out of range is missing there as the record has it.
                prop_assert_eq!(
                    &engine.classify(&Raw(values), &mut scratch).to_record(),
                    &compiled,
                    "customer: {:?}",
                    values
                );
                // Under `first` only the first stage rule that holds fires:
                // by priority, higher first, then as written.
                let mut by_priority: Vec<usize> = (0..rules.stage_rules.len()).collect();
                by_priority.sort_by_key(|&i| std::cmp::Reverse(rules.stage_rules[i].1));
                let first = by_priority.into_iter().find(|&i| {
                    rules.stage_rules[i].2.evaluate(&schema, &customer).unwrap()
                });
                for (id, condition) in rules.conditions() {
                    let holds = condition.evaluate(&schema, &customer).unwrap();
                    let fires = match policy {
                        HitPolicy::First if id.starts_with("rule.") => {
                            first.is_some_and(|i| id == format!("rule.{i}"))
                        }
                        _ => holds,
                    };
                    let fired = compiled.fired.contains(&id);
                    prop_assert_eq!(
                        fires,
                        fired,
                        "rule {} ({}): {} for {:?}",
                        id,
                        if holds { "holds" } else { "does not hold" },
                        condition,
                        values
                    );
                }
            }
            batch_agrees(&engine, &customers)?;
        }
    }

    /// The same ruleset written as text compiles to an engine that decides
    /// the same way as the structured one.
    #[test]
    fn text_and_tree_rules_decide_alike(
        rules in ruleset(),
        customers in proptest::collection::vec(customer(), 1..4),
    ) {
        let schema = schema();
        let tree = rules.spec(HitPolicy::First);
        let mut text = tree.clone();
        for rule in &mut text.stage_rules {
            if let When::Tree(c) = &rule.when {
                rule.when = When::Text(c.to_string());
            }
        }
        for rule in &mut text.score_rules {
            if let When::Tree(c) = &rule.when {
                rule.when = When::Text(c.to_string());
            }
        }
        let limits = Limits::default().max_expression_len(usize::MAX);
        let tree = Engine::builder(tree).limits(limits).build().unwrap();
        let text = Engine::builder(text).limits(limits).build().unwrap();
        let (mut a, mut b) = (tree.scratch(), text.scratch());
        for values in &customers {
            let customer = record(&schema, values);
            prop_assert_eq!(
                tree.classify(&customer, &mut a).to_record(),
                text.classify(&customer, &mut b).to_record()
            );
        }
    }
}

proptest! {
    // Each case builds three engines of up to 80 rules: fewer cases.
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Large rulesets, whose atoms fill several 64-bit words of the bitset
    /// and whose rules mix mask formulas with stack formulas, agree too.
    #[test]
    fn large_rulesets_agree_with_the_interpreter(
        conditions in proptest::collection::vec((0..STAGES.len(), condition()), 10..40),
        customers in proptest::collection::vec(customer(), 1..6),
    ) {
        // Seventy distinct comparisons guarantee more than one word of atoms.
        let thresholds = (0..70usize).map(|i| {
            let c = Condition::parse(&format!("visits >= {i} or score < -{i}")).unwrap();
            (i % STAGES.len(), 0, c)
        });
        let rules = Ruleset {
            stage_rules: thresholds
                .chain(conditions.into_iter().map(|(stage, c)| (stage, 0, c)))
                .collect(),
            score_rules: Vec::new(),
        };
        for policy in [HitPolicy::First, HitPolicy::Furthest, HitPolicy::HighestScore] {
            let engine = Engine::builder(rules.spec(policy)).build().unwrap();
            let mut scratch = engine.scratch();
            for values in &customers {
                let customer = record(engine.schema(), values);
                prop_assert_eq!(
                    engine.classify(&customer, &mut scratch).to_record(),
                    engine.classify_interpreted(&customer),
                    "customer: {:?}, {} atoms",
                    values,
                    engine.atom_count()
                );
                prop_assert!(engine.atom_count() > 128, "{} atoms", engine.atom_count());
            }
            batch_agrees(&engine, &customers)?;
        }
    }
}

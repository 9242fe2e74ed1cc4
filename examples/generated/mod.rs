//! Generated rulesets and customers, the same on every run: what the
//! `throughput` example measures when it is given `--rules N`, and what the
//! `scaling` benchmark (`benches/scaling.rs`, which includes this file)
//! measures at 10 to 100,000 rules.
//!
//! A generated ruleset has 64 signals (`signal_00` to `signal_63`, counts
//! at even positions, numbers at odd ones), eight stages (`stage_1` to
//! `stage_8`), the `furthest` hit policy and N stage rules spread evenly
//! over the stages. Each rule is 1 to 3 comparisons joined by `and`/`or`,
//! and the comparisons are shared as in real rulesets: each signal has
//! three thresholds that every rule testing it picks from, and a few
//! signals are tested far more often than the rest. So a ruleset of any
//! size has at most 192 distinct comparisons.
//!
//! The rules are also kept as data ([`Rule`]: a stage, up to three
//! `(signal, op, threshold)` clauses and how they are joined), so a plain
//! Rust loop ([`furthest`]) can compute what the engine should.
//!
//! Customers are generated from any schema ([`values`], [`record`]): each
//! signal is missing one time in ten; counts are small whole numbers, most
//! of them below 5; numbers are 0 to 100 in steps of 0.5; flags are even
//! odds; categories take any of their labels.

use std::fmt::Write as _;

use buyer_journey::{
    Error, RulesetSpec, Schema, SignalKind, SignalRecord, SignalSpec, StageRuleSpec, StageSpec,
    Value,
};

/// How many signals a generated ruleset has.
pub(crate) const SIGNALS: usize = 64;
/// How many stages a generated ruleset has.
pub(crate) const STAGES: usize = 8;
/// How many thresholds each signal has for the rules to pick from.
const THRESHOLDS: usize = 3;

/// A small xorshift generator: the same sequence on every run.
#[derive(Debug, Clone)]
pub(crate) struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is replaced: xorshift never leaves it).
    pub(crate) fn new(seed: u64) -> Self {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`, for a small `n` (the remainder's bias does not
    /// matter here).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        // `n` fits in a `u64` and the remainder in a `usize`.
        #[allow(clippy::cast_possible_truncation)]
        let pick = (self.next() % n as u64) as usize;
        pick
    }
}

/// A comparison operator of a generated clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    AtLeast,
    Above,
    Below,
    AtMost,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::AtLeast => ">=",
            Op::Above => ">",
            Op::Below => "<",
            Op::AtMost => "<=",
        }
    }
}

/// `signal op threshold`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Clause {
    pub(crate) threshold: f64,
    /// The signal's position in the schema.
    pub(crate) signal: u16,
    pub(crate) op: Op,
}

impl Clause {
    /// Whether the clause holds for a customer's `values`: false for a
    /// missing value (NaN), as in the engine. Without a branch: whether a
    /// clause holds is unpredictable.
    #[inline]
    pub(crate) fn holds(&self, values: &[f64]) -> bool {
        let (value, threshold) = (values[usize::from(self.signal)], self.threshold);
        [
            value >= threshold,
            value > threshold,
            value < threshold,
            value <= threshold,
        ][self.op as usize]
    }
}

/// How a rule's clauses are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Join {
    /// `a and b and c` (or fewer clauses; one clause alone is `All`).
    All,
    /// `a or b or c`.
    Any,
    /// `(a and b) or c`.
    AllThenAny,
    /// `(a or b) and c`.
    AnyThenAll,
}

/// A generated stage rule as data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rule {
    /// The first `len` are the rule's; the others repeat the first, and
    /// `table` ignores them.
    pub(crate) clauses: [Clause; 3],
    /// The stage's position in the model.
    pub(crate) stage: u8,
    pub(crate) join: Join,
    pub(crate) len: u8,
    /// The rule's truth table: bit `a | b << 1 | c << 2` is whether the rule
    /// holds when its clauses `a`, `b` and `c` do or do not.
    pub(crate) table: u8,
}

impl Rule {
    fn new(stage: u8, join: Join, clauses: [Clause; 3], len: u8) -> Self {
        let mut table = 0;
        for bits in 0..8_u8 {
            let [a, b, c] = [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0];
            let holds = match (join, len) {
                (Join::All | Join::Any, 1) => a,
                (Join::All, 2) => a && b,
                (Join::Any, 2) => a || b,
                (Join::All, _) => a && b && c,
                (Join::Any, _) => a || b || c,
                (Join::AllThenAny, _) => (a && b) || c,
                (Join::AnyThenAll, _) => (a || b) && c,
            };
            table |= u8::from(holds) << bits;
        }
        let mut clauses = clauses;
        for unused in usize::from(len)..3 {
            clauses[unused] = clauses[0];
        }
        Rule {
            clauses,
            stage,
            join,
            len,
            table,
        }
    }

    /// Whether the rule holds for a customer's `values` (NaN = missing), in
    /// schema order: every clause evaluated, then looked up in the truth
    /// table, without a branch.
    #[inline]
    pub(crate) fn holds(&self, values: &[f64]) -> bool {
        let [a, b, c] = &self.clauses;
        let bits = usize::from(a.holds(values))
            | usize::from(b.holds(values)) << 1
            | usize::from(c.holds(values)) << 2;
        self.table >> bits & 1 != 0
    }

    /// The rule's condition in the condition language.
    pub(crate) fn text(&self) -> String {
        let clause = |clause: &Clause| {
            format!(
                "{} {} {}",
                signal_id(usize::from(clause.signal)),
                clause.op.symbol(),
                clause.threshold
            )
        };
        let clauses: Vec<String> = self.clauses[..usize::from(self.len)]
            .iter()
            .map(clause)
            .collect();
        match self.join {
            Join::All => clauses.join(" and "),
            Join::Any => clauses.join(" or "),
            Join::AllThenAny => format!("({} and {}) or {}", clauses[0], clauses[1], clauses[2]),
            Join::AnyThenAll => format!("({} or {}) and {}", clauses[0], clauses[1], clauses[2]),
        }
    }
}

/// The id of the generated signal at `index`.
pub(crate) fn signal_id(index: usize) -> String {
    format!("signal_{index:02}")
}

/// A generated ruleset: the spec the engine is built from, and the same
/// rules as data, in the same order.
#[derive(Debug, Clone)]
pub(crate) struct Generated {
    pub(crate) spec: RulesetSpec,
    pub(crate) rules: Vec<Rule>,
}

/// The generated ruleset of `rules` stage rules; the same for the same
/// number on every run, and each a prefix of the larger ones.
pub(crate) fn ruleset(rules: usize) -> Generated {
    let mut random = XorShift::new(0x5EED_0F5C_A1AB_1E00);
    // Each signal's thresholds: counts are tested from 1 up to 8 (mostly
    // "at least"), numbers anywhere in their range, either way.
    let thresholds: Vec<[(Op, f64); THRESHOLDS]> = (0..SIGNALS)
        .map(|signal| {
            std::array::from_fn(|_| {
                if is_count(signal) {
                    let op = [Op::AtLeast, Op::AtLeast, Op::AtLeast, Op::Below][random.below(4)];
                    (op, [1.0, 2.0, 3.0, 5.0, 8.0][random.below(5)])
                } else {
                    let op = [Op::AtLeast, Op::Above, Op::Below, Op::AtMost][random.below(4)];
                    (op, [10.0, 25.0, 37.5, 50.0, 75.0, 90.0][random.below(6)])
                }
            })
        })
        .collect();
    let mut generated = Vec::with_capacity(rules);
    for index in 0..rules {
        // 1, 2 or 3 clauses, two-clause rules the most common.
        let len = [1, 2, 2, 2, 3, 3][random.below(6)];
        // Mostly `and`: a rule says what a customer has done, and more.
        let join = match (len, random.below(4)) {
            (1, _) | (2, 0..=2) | (3, 0) => Join::All,
            (2, _) | (3, 1) => Join::Any,
            (3, 2) => Join::AllThenAny,
            _ => Join::AnyThenAll,
        };
        let clauses = std::array::from_fn(|_| {
            // The smaller of two picks: low-numbered signals are tested far
            // more often than high-numbered ones, as a few signals are in
            // real rulesets.
            let signal = random.below(SIGNALS).min(random.below(SIGNALS));
            let (op, threshold) = thresholds[signal][random.below(THRESHOLDS)];
            Clause {
                threshold,
                // Below `SIGNALS`.
                #[allow(clippy::cast_possible_truncation)]
                signal: signal as u16,
                op,
            }
        });
        // Below `STAGES`.
        #[allow(clippy::cast_possible_truncation)]
        let stage = (index % STAGES) as u8;
        generated.push(Rule::new(stage, join, clauses, len));
    }
    let signals = (0..SIGNALS)
        .map(|signal| {
            if is_count(signal) {
                SignalSpec::count(&signal_id(signal))
            } else {
                SignalSpec::number(&signal_id(signal))
            }
        })
        .collect();
    let stages = (1..=STAGES)
        .map(|stage| {
            let id = format!("stage_{stage}");
            StageSpec::new(&id, &format!("Stage {stage}"), "")
        })
        .collect();
    let mut spec = RulesetSpec::new(signals, stages);
    let mut id = String::new();
    spec.stage_rules = generated
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            id.clear();
            let _ = write!(id, "rule_{index}");
            StageRuleSpec::new(&id, &format!("stage_{}", rule.stage + 1), rule.text())
        })
        .collect();
    Generated {
        spec,
        rules: generated,
    }
}

fn is_count(signal: usize) -> bool {
    signal % 2 == 0
}

/// What the `furthest` hit policy makes of `rules` for a customer's
/// `values`, written as a plain loop: the furthest stage of a rule that
/// holds (the first stage when none does), and how many rules hold.
pub(crate) fn furthest(rules: &[Rule], values: &[f64]) -> (usize, usize) {
    // One past the furthest stage with a rule that holds; 0 for none.
    let mut past = 0;
    let mut fired = 0;
    for rule in rules {
        let holds = rule.holds(values);
        fired += usize::from(holds);
        past = past.max(usize::from(holds) * (usize::from(rule.stage) + 1));
    }
    (past.saturating_sub(1), fired)
}

/// One generated customer of `schema`: a value per signal in schema order,
/// encoded as the engine encodes them (NaN = missing, a flag 0 or 1, a
/// label its position).
pub(crate) fn values(schema: &Schema, random: &mut XorShift) -> Vec<f64> {
    const COUNTS: [f64; 16] = [
        0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 7.0, 10.0, 20.0,
    ];
    schema
        .iter()
        .map(|signal| {
            if random.below(10) == 0 {
                return f64::NAN;
            }
            #[allow(clippy::cast_precision_loss)] // small numbers
            match signal.kind() {
                SignalKind::Count => COUNTS[random.below(COUNTS.len())],
                SignalKind::Flag => (random.below(2)) as f64,
                SignalKind::Category => random.below(signal.labels().len().max(1)) as f64,
                // Numbers, and any kind added later.
                _ => random.below(201) as f64 * 0.5,
            }
        })
        .collect()
}

/// A record of `schema` holding `values` (from [`values`]), filled with
/// [`SignalRecord::set_at`].
///
/// # Errors
///
/// Only if `values` do not fit `schema`, which [`values`] never makes.
pub(crate) fn record(schema: &Schema, values: &[f64]) -> Result<SignalRecord, Error> {
    let mut record = schema.record();
    for (signal, &value) in schema.iter().zip(values) {
        if value.is_nan() {
            continue;
        }
        let value = match signal.kind() {
            SignalKind::Flag => Value::Flag(value != 0.0),
            SignalKind::Category => {
                // A position from `values`: below the number of labels.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let label = signal.labels().nth(value as usize).unwrap_or_default();
                Value::Label(label)
            }
            _ => Value::Number(value),
        };
        record.set_at(signal.index(), value)?;
    }
    Ok(record)
}

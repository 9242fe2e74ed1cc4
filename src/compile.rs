//! Validated rules → a program over atom bits.
//!
//! An *atom* is one comparison (`cart_adds >= 1`, `plan in ["pro"]`,
//! `present(x)`). Identical atoms across all rules are compiled once, so each
//! is evaluated once per customer into a bitset; each rule becomes a postfix
//! formula over atom bits.

use std::hash::{Hash, Hasher};

use indexmap::IndexSet;

use crate::condition::{ArithOp, CompareOp, Condition, Expr};
use crate::signal::{Schema, SignalKind};
use crate::spec::Rule;

/// A numeric value over the dense signal values; NaN is missing.
#[derive(Debug, Clone, PartialEq)]
enum Num {
    Signal(u32),
    Const(f64),
    Binary(ArithOp, Box<Num>, Box<Num>),
}

impl Num {
    #[inline]
    fn eval(&self, values: &[f64]) -> f64 {
        match self {
            Num::Signal(i) => values.get(*i as usize).copied().unwrap_or(f64::NAN),
            Num::Const(c) => *c,
            Num::Binary(op, left, right) => op.apply(left.eval(values), right.eval(values)),
        }
    }
}

// Constants are finite and normalised (no -0.0), so hashing their bits agrees
// with `==`.
impl Eq for Num {}

impl Hash for Num {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Num::Signal(i) => (0u8, *i).hash(state),
            Num::Const(c) => (1u8, c.to_bits()).hash(state),
            Num::Binary(op, left, right) => {
                (2u8, *op).hash(state);
                left.hash(state);
                right.hash(state);
            }
        }
    }
}

/// One predicate, evaluated once per customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Atom {
    /// `signal op constant`: the common case, kept flat for speed.
    SignalConst {
        signal: u32,
        op: CompareOp,
        value: Num,
    },
    Compare {
        left: Num,
        op: CompareOp,
        right: Num,
    },
    In {
        value: Num,
        set: Box<[Num]>,
    },
    Between {
        value: Num,
        low: Num,
        high: Num,
    },
    Present(u32),
    Missing(u32),
}

#[inline]
fn compare(left: f64, op: CompareOp, right: f64) -> bool {
    // NaN is missing: every comparison with it is false, `!=` included.
    !left.is_nan() && !right.is_nan() && op.holds(left, right)
}

impl Atom {
    #[inline]
    fn eval(&self, values: &[f64]) -> bool {
        match self {
            Atom::SignalConst {
                signal,
                op,
                value: Num::Const(c),
            } => compare(
                values.get(*signal as usize).copied().unwrap_or(f64::NAN),
                *op,
                *c,
            ),
            Atom::SignalConst { signal, op, value } => compare(
                values.get(*signal as usize).copied().unwrap_or(f64::NAN),
                *op,
                value.eval(values),
            ),
            Atom::Compare { left, op, right } => {
                compare(left.eval(values), *op, right.eval(values))
            }
            Atom::In { value, set } => {
                let value = value.eval(values);
                set.iter()
                    .any(|item| compare(value, CompareOp::Eq, item.eval(values)))
            }
            Atom::Between { value, low, high } => {
                let value = value.eval(values);
                compare(low.eval(values), CompareOp::Le, value)
                    && compare(value, CompareOp::Le, high.eval(values))
            }
            Atom::Present(i) => !values
                .get(*i as usize)
                .copied()
                .unwrap_or(f64::NAN)
                .is_nan(),
            Atom::Missing(i) => values
                .get(*i as usize)
                .copied()
                .unwrap_or(f64::NAN)
                .is_nan(),
        }
    }
}

/// One step of a rule's postfix formula.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Atom(u32),
    Const(bool),
    Not,
    All(u32),
    Any(u32),
    AtLeast { k: u32, n: u32 },
}

/// All rules compiled: the deduplicated atoms and one formula per rule.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    atoms: Vec<Atom>,
    /// The formulas of all rules, back to back; `bounds[r]..bounds[r + 1]` is rule `r`.
    ops: Vec<Op>,
    bounds: Vec<usize>,
    /// The deepest evaluation stack any formula needs.
    stack_depth: usize,
}

impl Program {
    pub(crate) fn compile(schema: &Schema, rules: &[Rule]) -> Program {
        let mut compiler = Compiler {
            schema,
            atoms: IndexSet::new(),
            ops: Vec::new(),
        };
        let mut bounds = Vec::with_capacity(rules.len() + 1);
        bounds.push(0);
        for rule in rules {
            compiler.condition(rule.condition());
            bounds.push(compiler.ops.len());
        }
        let stack_depth = bounds
            .windows(2)
            .map(|w| stack_depth(&compiler.ops[w[0]..w[1]]))
            .max()
            .unwrap_or(0);
        Program {
            atoms: compiler.atoms.into_iter().collect(),
            ops: compiler.ops,
            bounds,
            stack_depth,
        }
    }

    /// The number of distinct atoms.
    pub(crate) fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    pub(crate) fn stack_depth(&self) -> usize {
        self.stack_depth
    }

    /// Evaluates every atom into `bits`, which holds `atom_count()` bits.
    #[inline]
    pub(crate) fn eval_atoms(&self, values: &[f64], bits: &mut [u64]) {
        // Whether an atom holds is data-dependent and unpredictable: OR it in
        // without a branch.
        for (word, atoms) in bits.iter_mut().zip(self.atoms.chunks(64)) {
            *word = atoms.iter().enumerate().fold(0, |word, (i, atom)| {
                word | (u64::from(atom.eval(values)) << i)
            });
        }
    }

    /// Evaluates rule `rule`'s formula over the atom bits. `stack` must have
    /// capacity for `stack_depth()` so this does not allocate.
    #[inline]
    pub(crate) fn eval_rule(&self, rule: usize, bits: &[u64], stack: &mut Vec<bool>) -> bool {
        let (Some(&start), Some(&end)) = (self.bounds.get(rule), self.bounds.get(rule + 1)) else {
            return false;
        };
        let ops = &self.ops[start..end];
        if let [Op::Atom(atom)] = ops {
            return bit(bits, *atom);
        }
        stack.clear();
        for op in ops {
            let value = match *op {
                Op::Atom(atom) => bit(bits, atom),
                Op::Const(b) => b,
                Op::Not => !stack.pop().unwrap_or(false),
                Op::All(n) => pop_many(stack, n, |items| items.iter().all(|b| *b)),
                Op::Any(n) => pop_many(stack, n, |items| items.iter().any(|b| *b)),
                Op::AtLeast { k, n } => pop_many(stack, n, |items| {
                    items.iter().filter(|b| **b).count() >= k as usize
                }),
            };
            stack.push(value);
        }
        stack.pop().unwrap_or(false)
    }
}

#[inline]
fn bit(bits: &[u64], atom: u32) -> bool {
    let atom = atom as usize;
    bits.get(atom / 64)
        .is_some_and(|word| word & (1 << (atom % 64)) != 0)
}

#[inline]
fn pop_many(stack: &mut Vec<bool>, n: u32, reduce: impl Fn(&[bool]) -> bool) -> bool {
    let start = stack.len().saturating_sub(n as usize);
    let result = reduce(&stack[start..]);
    stack.truncate(start);
    result
}

fn stack_depth(ops: &[Op]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for op in ops {
        match *op {
            Op::Atom(_) | Op::Const(_) => depth += 1,
            Op::Not => {}
            Op::All(n) | Op::Any(n) | Op::AtLeast { n, .. } => {
                depth = depth.saturating_sub(n as usize) + 1;
            }
        }
        deepest = deepest.max(depth);
    }
    deepest
}

struct Compiler<'s> {
    schema: &'s Schema,
    atoms: IndexSet<Atom>,
    ops: Vec<Op>,
}

impl Compiler<'_> {
    /// Emits the postfix formula of a checked condition.
    fn condition(&mut self, condition: &Condition) {
        let op = match condition {
            Condition::Bool(b) => Op::Const(*b),
            Condition::Compare { left, op, right } => {
                // The side that is a category signal tells how to encode a label.
                let (left, right) = (self.num(left, Some(right)), self.num(right, Some(left)));
                self.atom(compare_atom(left, *op, right))
            }
            Condition::In { value, list } => {
                let set = list
                    .iter()
                    .map(|item| self.num(item, Some(value)))
                    .collect();
                let value = self.num(value, None);
                self.atom(Atom::In { value, set })
            }
            Condition::Between { value, low, high } => {
                let atom = Atom::Between {
                    value: self.num(value, None),
                    low: self.num(low, None),
                    high: self.num(high, None),
                };
                self.atom(atom)
            }
            Condition::Present(name) => self.atom(Atom::Present(self.signal_index(name))),
            Condition::Missing(name) => self.atom(Atom::Missing(self.signal_index(name))),
            Condition::Not(inner) => {
                self.condition(inner);
                Op::Not
            }
            Condition::All(items) => Op::All(self.conditions(items)),
            Condition::Any(items) => Op::Any(self.conditions(items)),
            Condition::AtLeast { k, of } => Op::AtLeast {
                // `k <= of.len()` is checked, and lengths are bounded by `Limits`.
                #[allow(clippy::cast_possible_truncation)]
                k: *k as u32,
                n: self.conditions(of),
            },
        };
        self.ops.push(op);
    }

    fn conditions(&mut self, items: &[Condition]) -> u32 {
        for item in items {
            self.condition(item);
        }
        // Bounded by `Limits::max_condition_size`.
        #[allow(clippy::cast_possible_truncation)]
        let n = items.len() as u32;
        n
    }

    fn atom(&mut self, atom: Atom) -> Op {
        let (index, _) = self.atoms.insert_full(atom);
        #[allow(clippy::cast_possible_truncation)] // bounded by rules × condition size
        Op::Atom(index as u32)
    }

    #[allow(clippy::cast_possible_truncation)] // bounded by `Limits::max_signals`
    fn signal_index(&self, name: &str) -> u32 {
        self.schema
            .id(name)
            .map_or(u32::MAX, |id| id.index() as u32)
    }

    /// Compiles a checked value. Text is a label of the category signal on
    /// the other side (`partner`), encoded as its index like the signal's values.
    fn num(&self, expr: &Expr, partner: Option<&Expr>) -> Num {
        match expr {
            Expr::Signal(name) => Num::Signal(self.signal_index(name)),
            // `+ 0.0` turns -0.0 into 0.0, so equal constants hash alike.
            Expr::Number(n) => Num::Const(n + 0.0),
            Expr::Bool(b) => Num::Const(f64::from(u8::from(*b))),
            Expr::Text(text) => {
                let index = partner
                    .and_then(|partner| match partner {
                        Expr::Signal(name) => self.schema.get(name),
                        _ => None,
                    })
                    .filter(|signal| signal.kind() == SignalKind::Category)
                    .and_then(|signal| signal.label_index(text));
                // Checking guarantees the label exists; NaN (missing) otherwise.
                #[allow(clippy::cast_precision_loss)]
                index.map_or(Num::Const(f64::NAN), |i| Num::Const(i as f64))
            }
            Expr::Binary { op, left, right } => Num::Binary(
                *op,
                Box::new(self.num(left, None)),
                Box::new(self.num(right, None)),
            ),
        }
    }
}

/// Puts `signal op constant` in its flat form, flipping `constant op signal`.
fn compare_atom(left: Num, op: CompareOp, right: Num) -> Atom {
    match (left, right) {
        (Num::Signal(signal), value @ Num::Const(_)) => Atom::SignalConst { signal, op, value },
        (value @ Num::Const(_), Num::Signal(signal)) => Atom::SignalConst {
            signal,
            op: flip(op),
            value,
        },
        (left, right) => Atom::Compare { left, op, right },
    }
}

/// The operator with its sides swapped: `a < b` is `b > a`.
fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        CompareOp::Eq | CompareOp::Ne => op,
    }
}

//! Validated conditions (of rules, tags and actions) → a program over atom
//! bits, with one formula per condition.
//!
//! An *atom* is one comparison (`cart_adds >= 1`, `plan in ["pro"]`,
//! `present(x)`). Identical atoms across all rules are compiled once, so each
//! is evaluated once per customer into a bitset. Each rule becomes bit masks
//! when it is an `and` or an `or` of atoms and negated atoms, and a postfix
//! formula over the atom bits otherwise.

use std::hash::{Hash, Hasher};

use indexmap::IndexSet;

use crate::condition::{ArithOp, CompareOp, Condition, Expr};
use crate::signal::{Schema, SignalKind};

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
    /// `signal op constant` (the common case, see [`Atom::as_simple`]) or any
    /// other comparison.
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
    /// The signal and constant of a `signal op constant` atom with operator `op`.
    fn as_simple(&self, op: CompareOp) -> Option<(u32, f64)> {
        match self {
            Atom::Compare {
                left: Num::Signal(signal),
                op: atom_op,
                right: Num::Const(value),
            } if *atom_op == op => Some((*signal, *value)),
            _ => None,
        }
    }

    #[inline]
    fn eval(&self, values: &[f64]) -> bool {
        match self {
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

/// All conditions compiled: the deduplicated atoms and one formula per
/// condition, in the order they were given.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    /// `signal op constant` atoms, grouped by operator so each group runs in
    /// a tight loop without dispatch: they have the first atom ids, group by
    /// group in the order of [`OPS`].
    simple: [Vec<(u32, f64)>; 6],
    /// The other atoms, with the ids after the simple ones.
    atoms: Vec<Atom>,
    /// How each rule is evaluated, indexed by rule.
    formulas: Vec<Formula>,
    /// The masks of the [`Formula::All`] and [`Formula::Any`] formulas, and
    /// of the clauses of the two-level ones.
    masks: Vec<Mask>,
    /// The clauses of the [`Formula::AllOfAny`] and [`Formula::AnyOfAll`]
    /// formulas: ranges of `masks`.
    clauses: Vec<(usize, usize)>,
    /// The postfix steps of the [`Formula::Postfix`] formulas.
    ops: Vec<Op>,
    /// The deepest evaluation stack any formula needs.
    stack_depth: usize,
}

impl Program {
    pub(crate) fn compile(schema: &Schema, conditions: &[&Condition]) -> Program {
        let mut compiler = Compiler {
            schema,
            atoms: IndexSet::new(),
            ops: Vec::new(),
        };
        let mut bounds = Vec::with_capacity(conditions.len() + 1);
        bounds.push(0);
        for condition in conditions {
            compiler.condition(condition);
            bounds.push(compiler.ops.len());
        }
        let stack_depth = bounds
            .windows(2)
            .map(|w| stack_depth(&compiler.ops[w[0]..w[1]]))
            .max()
            .unwrap_or(0);

        // Renumber the atoms: the simple ones first, grouped by operator,
        // then the others.
        let atoms: Vec<Atom> = compiler.atoms.into_iter().collect();
        let mut simple: [Vec<(u32, f64)>; 6] = Default::default();
        let mut new_ids = vec![0; atoms.len()];
        let mut next = 0u32;
        for (group, op) in simple.iter_mut().zip(OPS) {
            for (old, atom) in atoms.iter().enumerate() {
                if let Some((signal, value)) = atom.as_simple(op) {
                    group.push((signal, value));
                    new_ids[old] = next;
                    next += 1;
                }
            }
        }
        let mut others = Vec::new();
        for (old, atom) in atoms.into_iter().enumerate() {
            if OPS.iter().all(|op| atom.as_simple(*op).is_none()) {
                others.push(atom);
                new_ids[old] = next;
                next += 1;
            }
        }
        let mut ops = compiler.ops;
        for op in &mut ops {
            if let Op::Atom(id) = op {
                *id = new_ids[*id as usize];
            }
        }

        // Conditions that are an `and` or an `or` of atoms and negated atoms
        // (most of them), or one of those of the other, become bit masks;
        // the rest keep their postfix steps.
        let mut formulas = Vec::with_capacity(conditions.len());
        let mut masks = Vec::new();
        let mut clauses = Vec::new();
        let mut postfix = Vec::new();
        for bound in bounds.windows(2) {
            let rule_ops = &ops[bound[0]..bound[1]];
            let start = masks.len();
            let mut two_level = |groups: Vec<Vec<Lit>>, masks: &mut Vec<Mask>| {
                let first = clauses.len();
                for group in groups {
                    let start = masks.len();
                    masks.extend(to_masks(&group));
                    clauses.push((start, masks.len()));
                }
                (first, clauses.len())
            };
            formulas.push(match literals(rule_ops) {
                Some(Sym::Lit(atom, positive)) => {
                    masks.extend(to_masks(&[(atom, positive)]));
                    Formula::All(start, masks.len())
                }
                Some(Sym::All(literals)) => {
                    masks.extend(to_masks(&literals));
                    Formula::All(start, masks.len())
                }
                Some(Sym::Any(literals)) => {
                    masks.extend(to_masks(&literals));
                    Formula::Any(start, masks.len())
                }
                Some(Sym::AllOfAny(groups)) => {
                    let (first, end) = two_level(groups, &mut masks);
                    Formula::AllOfAny(first, end)
                }
                Some(Sym::AnyOfAll(groups)) => {
                    let (first, end) = two_level(groups, &mut masks);
                    Formula::AnyOfAll(first, end)
                }
                Some(Sym::Other) | None => {
                    let start = postfix.len();
                    postfix.extend_from_slice(rule_ops);
                    Formula::Postfix(start, postfix.len())
                }
            });
        }
        Program {
            simple,
            atoms: others,
            formulas,
            masks,
            clauses,
            ops: postfix,
            stack_depth,
        }
    }

    /// The number of distinct atoms.
    pub(crate) fn atom_count(&self) -> usize {
        self.simple.iter().map(Vec::len).sum::<usize>() + self.atoms.len()
    }

    pub(crate) fn stack_depth(&self) -> usize {
        self.stack_depth
    }

    /// Evaluates every atom into `bits`, which holds `atom_count()` bits.
    #[inline]
    pub(crate) fn eval_atoms(&self, values: &[f64], bits: &mut [u64]) {
        bits.fill(0);
        // Whether an atom holds is data-dependent and unpredictable: OR it in
        // without a branch. The loops are monomorphic per operator.
        let mut id = 0;
        let groups = &self.simple;
        id = eval_group(&groups[0], values, bits, id, |a, b| a < b);
        id = eval_group(&groups[1], values, bits, id, |a, b| a <= b);
        id = eval_group(&groups[2], values, bits, id, |a, b| a > b);
        id = eval_group(&groups[3], values, bits, id, |a, b| a >= b);
        id = eval_group(&groups[4], values, bits, id, |a, b| a == b);
        let id = eval_group(&groups[5], values, bits, id, |a, b| !a.is_nan() && a != b);
        for (offset, atom) in self.atoms.iter().enumerate() {
            set_bit(bits, id + offset, atom.eval(values));
        }
    }

    /// Evaluates formula `formula` (of the condition compiled at that
    /// position) over the atom bits. `stack` must have capacity for
    /// `stack_depth()` so this does not allocate.
    // Inlined into each caller's loop: the mask formulas are a few
    // instructions, and a call per rule costs as much as evaluating it.
    #[inline(always)]
    pub(crate) fn eval_formula(&self, formula: usize, bits: &[u64], stack: &mut Vec<bool>) -> bool {
        match self.formulas.get(formula) {
            Some(&Formula::All(start, end)) => self.all_of(start, end, bits),
            Some(&Formula::Any(start, end)) => self.any_of(start, end, bits),
            Some(&Formula::AllOfAny(start, end)) => self.clauses[start..end]
                .iter()
                .fold(true, |holds, &(first, last)| {
                    holds & self.any_of(first, last, bits)
                }),
            Some(&Formula::AnyOfAll(start, end)) => self.clauses[start..end]
                .iter()
                .fold(false, |holds, &(first, last)| {
                    holds | self.all_of(first, last, bits)
                }),
            Some(&Formula::Postfix(start, end)) => self.eval_postfix(start, end, bits, stack),
            None => false,
        }
    }

    // `&` and `|`, not `&&` and `||`: the outcome is unpredictable, so
    // evaluating every mask beats branching on each.

    /// Whether every literal of `masks[start..end]` holds.
    #[inline(always)]
    fn all_of(&self, start: usize, end: usize, bits: &[u64]) -> bool {
        self.masks[start..end].iter().fold(true, |holds, mask| {
            let bits = word(bits, mask.word);
            holds & (bits & mask.set == mask.set) & (bits & mask.clear == 0)
        })
    }

    /// Whether some literal of `masks[start..end]` holds.
    #[inline(always)]
    fn any_of(&self, start: usize, end: usize, bits: &[u64]) -> bool {
        self.masks[start..end].iter().fold(false, |holds, mask| {
            let bits = word(bits, mask.word);
            holds | (bits & mask.set != 0) | (!bits & mask.clear != 0)
        })
    }

    /// Evaluates the postfix steps `ops[start..end]` on `stack`.
    #[inline(never)]
    fn eval_postfix(&self, start: usize, end: usize, bits: &[u64], stack: &mut Vec<bool>) -> bool {
        stack.clear();
        for op in &self.ops[start..end] {
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

/// The operators of [`Program::simple`]'s groups, in order.
const OPS: [CompareOp; 6] = [
    CompareOp::Lt,
    CompareOp::Le,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::Eq,
    CompareOp::Ne,
];

/// Evaluates `signal op constant` atoms with ids from `first`; returns the
/// next id. `holds` sees the signal's value (NaN when missing; only `!=` needs
/// to test for that, the other comparisons are false with NaN anyway).
#[inline(always)]
fn eval_group(
    group: &[(u32, f64)],
    values: &[f64],
    bits: &mut [u64],
    first: usize,
    holds: impl Fn(f64, f64) -> bool,
) -> usize {
    // Collect the bits of a word in a register and store the word once.
    let mut id = first;
    let mut word = bits.get(id / 64).copied().unwrap_or(0);
    for &(signal, constant) in group {
        let value = values.get(signal as usize).copied().unwrap_or(f64::NAN);
        word |= u64::from(holds(value, constant)) << (id % 64);
        id += 1;
        if id % 64 == 0 {
            store(bits, id / 64 - 1, word);
            word = bits.get(id / 64).copied().unwrap_or(0);
        }
    }
    store(bits, id / 64, word);
    id
}

#[inline(always)]
fn store(bits: &mut [u64], index: usize, word: u64) {
    if let Some(slot) = bits.get_mut(index) {
        *slot = word;
    }
}

#[inline(always)]
fn set_bit(bits: &mut [u64], id: usize, on: bool) {
    if let Some(word) = bits.get_mut(id / 64) {
        *word |= u64::from(on) << (id % 64);
    }
}

#[inline(always)]
fn word(bits: &[u64], index: u32) -> u64 {
    bits.get(index as usize).copied().unwrap_or(0)
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

/// Puts `constant op signal` as `signal op' constant`, so both spellings are
/// one atom and take the fast path.
fn compare_atom(left: Num, op: CompareOp, right: Num) -> Atom {
    match (left, right) {
        (constant @ Num::Const(_), signal @ Num::Signal(_)) => Atom::Compare {
            left: signal,
            op: flip(op),
            right: constant,
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

/// How one rule is evaluated; ranges index [`Program::masks`] or [`Program::ops`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Formula {
    /// Every literal of the masks holds.
    All(usize, usize),
    /// Some literal of the masks holds.
    Any(usize, usize),
    /// Every clause holds: some literal of each clause's masks holds.
    /// Indexes [`Program::clauses`].
    AllOfAny(usize, usize),
    /// Some clause holds: every literal of one clause's masks holds.
    /// Indexes [`Program::clauses`].
    AnyOfAll(usize, usize),
    /// Anything else: postfix steps over a stack.
    Postfix(usize, usize),
}

/// Literals within one 64-bit word of atom bits: atoms that must be set, and
/// atoms that must be clear.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mask {
    word: u32,
    set: u64,
    clear: u64,
}

/// An atom, and whether it must hold (`true`) or not hold (`false`).
type Lit = (u32, bool);

/// What a postfix formula computes, if it is simple enough for masks.
#[derive(Debug, Clone, PartialEq)]
enum Sym {
    /// An atom, or its negation (`false`).
    Lit(u32, bool),
    /// All of the literals (`true` when empty).
    All(Vec<Lit>),
    /// Any of the literals (`false` when empty).
    Any(Vec<Lit>),
    /// All of the groups, each an `or` of its literals.
    AllOfAny(Vec<Vec<Lit>>),
    /// Any of the groups, each an `and` of its literals.
    AnyOfAll(Vec<Vec<Lit>>),
    /// Something else.
    Other,
}

/// Runs the postfix steps symbolically.
fn literals(ops: &[Op]) -> Option<Sym> {
    let mut stack: Vec<Sym> = Vec::new();
    for op in ops {
        let sym = match *op {
            Op::Atom(atom) => Sym::Lit(atom, true),
            Op::Const(true) => Sym::All(Vec::new()),
            Op::Const(false) => Sym::Any(Vec::new()),
            // De Morgan: the negation of an `and` is an `or` of negations.
            Op::Not => match stack.pop()? {
                Sym::Lit(atom, positive) => Sym::Lit(atom, !positive),
                Sym::All(literals) => Sym::Any(negate(literals)),
                Sym::Any(literals) => Sym::All(negate(literals)),
                Sym::AllOfAny(groups) => Sym::AnyOfAll(groups.into_iter().map(negate).collect()),
                Sym::AnyOfAll(groups) => Sym::AllOfAny(groups.into_iter().map(negate).collect()),
                Sym::Other => Sym::Other,
            },
            Op::All(n) => combine(&mut stack, n, true)?,
            Op::Any(n) => combine(&mut stack, n, false)?,
            Op::AtLeast { n, .. } => {
                stack.truncate(stack.len().checked_sub(n as usize)?);
                Sym::Other
            }
        };
        stack.push(sym);
    }
    stack.pop()
}

fn negate(literals: Vec<Lit>) -> Vec<Lit> {
    literals
        .into_iter()
        .map(|(atom, positive)| (atom, !positive))
        .collect()
}

/// Merges the top `n` symbols into one `and` (`all`) or `or`: flat when
/// every item is a literal or of the same connective, two-level when some
/// items are of the other connective.
fn combine(stack: &mut Vec<Sym>, n: u32, all: bool) -> Option<Sym> {
    let items = stack.split_off(stack.len().checked_sub(n as usize)?);
    // Each group is one literal, or an item of the other connective.
    let mut groups: Vec<Vec<Lit>> = Vec::new();
    for item in items {
        match (item, all) {
            (Sym::Lit(atom, positive), _) => groups.push(vec![(atom, positive)]),
            (Sym::All(more), true) | (Sym::Any(more), false) => {
                groups.extend(more.into_iter().map(|literal| vec![literal]));
            }
            (Sym::Any(group), true) | (Sym::All(group), false) => groups.push(group),
            (Sym::AllOfAny(more), true) | (Sym::AnyOfAll(more), false) => groups.extend(more),
            _ => return Some(Sym::Other),
        }
    }
    Some(if groups.iter().all(|group| group.len() == 1) {
        let literals = groups.into_iter().flatten().collect();
        if all {
            Sym::All(literals)
        } else {
            Sym::Any(literals)
        }
    } else if all {
        Sym::AllOfAny(groups)
    } else {
        Sym::AnyOfAll(groups)
    })
}

/// Groups literals by the word of atom bits they are in.
fn to_masks(literals: &[Lit]) -> Vec<Mask> {
    let mut masks: Vec<Mask> = Vec::new();
    for &(atom, positive) in literals {
        let word = atom / 64;
        let bit = 1u64 << (atom % 64);
        let index = match masks.iter().position(|mask| mask.word == word) {
            Some(index) => index,
            None => {
                masks.push(Mask {
                    word,
                    set: 0,
                    clear: 0,
                });
                masks.len() - 1
            }
        };
        if positive {
            masks[index].set |= bit;
        } else {
            masks[index].clear |= bit;
        }
    }
    masks
}

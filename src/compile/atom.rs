//! Atoms: the distinct comparisons of a program, each evaluated once per
//! customer into one bit.
//!
//! `signal op constant` atoms, the common case, are grouped by operator and
//! evaluated in one tight loop per operator, generated from the operator
//! list of the condition language; every other atom is evaluated by walking
//! its values.

use std::hash::{Hash, Hasher};

use indexmap::IndexSet;

use crate::condition::{compare_ops, ArithOp, CompareOp};

/// An atom's position in its program's bits: the simple atoms first, group
/// by group in operator order, then the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct AtomIndex(u32);

impl AtomIndex {
    // Bounded by `Limits::max_rules` × `Limits::max_condition_size`.
    #[allow(clippy::cast_possible_truncation)]
    pub(super) fn new(index: usize) -> Self {
        AtomIndex(index as u32)
    }

    pub(super) fn as_usize(self) -> usize {
        self.0 as usize
    }

    /// The 64-bit word of the bits that holds this atom.
    pub(super) fn word(self) -> u32 {
        self.0 / 64
    }

    /// This atom's bit within its word.
    pub(super) fn bit(self) -> u64 {
        1 << (self.0 % 64)
    }
}

/// A numeric value over the dense signal values; NaN is missing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Num {
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
pub(super) enum Atom {
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

/// A comparison of two values that may be missing: false when either is.
#[inline]
fn compare(left: f64, op: CompareOp, right: f64) -> bool {
    !right.is_nan() && op.holds(left, right)
}

impl Atom {
    /// `left op right`, written so that `constant op signal` is the same atom
    /// as `signal op' constant` and takes the fast path.
    pub(super) fn compare(left: Num, op: CompareOp, right: Num) -> Atom {
        match (left, right) {
            (constant @ Num::Const(_), signal @ Num::Signal(_)) => Atom::Compare {
                left: signal,
                op: op.mirror(),
                right: constant,
            },
            (left, right) => Atom::Compare { left, op, right },
        }
    }

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
        let signal = |i: u32| values.get(i as usize).copied().unwrap_or(f64::NAN);
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
                // `low <= value`, as `value >= low`: the value may be missing.
                compare(value, CompareOp::Ge, low.eval(values))
                    && compare(value, CompareOp::Le, high.eval(values))
            }
            Atom::Present(i) => !signal(*i).is_nan(),
            Atom::Missing(i) => signal(*i).is_nan(),
        }
    }
}

/// The distinct atoms of a program, in evaluation order.
#[derive(Debug, Clone)]
pub(super) struct Atoms {
    /// `signal op constant` atoms, one group per operator in the order of
    /// [`CompareOp::ALL`]: they have the first indices, group by group.
    simple: Vec<Vec<(u32, f64)>>,
    /// The other atoms, with the indices after the simple ones.
    others: Vec<Atom>,
}

impl Atoms {
    /// Orders the deduplicated `atoms` for evaluation; returns them with each
    /// atom's index, by its position in `atoms`.
    pub(super) fn new(atoms: IndexSet<Atom>) -> (Atoms, Vec<AtomIndex>) {
        let atoms: Vec<Atom> = atoms.into_iter().collect();
        let mut simple = vec![Vec::new(); CompareOp::ALL.len()];
        let mut indices = vec![AtomIndex(0); atoms.len()];
        let mut next = 0;
        for (group, &op) in simple.iter_mut().zip(CompareOp::ALL) {
            for (position, atom) in atoms.iter().enumerate() {
                if let Some(simple) = atom.as_simple(op) {
                    group.push(simple);
                    indices[position] = AtomIndex::new(next);
                    next += 1;
                }
            }
        }
        let mut others = Vec::new();
        for (position, atom) in atoms.into_iter().enumerate() {
            if CompareOp::ALL
                .iter()
                .all(|&op| atom.as_simple(op).is_none())
            {
                others.push(atom);
                indices[position] = AtomIndex::new(next);
                next += 1;
            }
        }
        (Atoms { simple, others }, indices)
    }

    /// The number of atoms.
    pub(super) fn len(&self) -> usize {
        self.simple.iter().map(Vec::len).sum::<usize>() + self.others.len()
    }

    /// Evaluates every atom into `bits`, which holds [`len`](Atoms::len) bits.
    #[inline]
    pub(super) fn eval(&self, values: &[f64], bits: &mut [u64]) {
        bits.fill(0);
        let first_other = eval_simple(&self.simple, values, bits);
        for (offset, atom) in self.others.iter().enumerate() {
            let index = first_other + offset;
            if let Some(word) = bits.get_mut(index / 64) {
                // Whether an atom holds is data-dependent and unpredictable:
                // OR it in without a branch.
                *word |= u64::from(atom.eval(values)) << (index % 64);
            }
        }
    }
}

macro_rules! define_eval_simple {
    ($($variant:ident $symbol:literal $mirror:ident |$a:ident, $b:ident| $holds:expr;)*) => {
        /// Evaluates the `signal op constant` atoms, group by group, each
        /// group in a loop of its own operator; returns the index after the
        /// last one.
        #[inline(always)]
        fn eval_simple(groups: &[Vec<(u32, f64)>], values: &[f64], bits: &mut [u64]) -> usize {
            let mut groups = groups.iter();
            let mut next = 0;
            $(
                if let Some(group) = groups.next() {
                    next = eval_group(group, values, bits, next, |$a: f64, $b: f64| $holds);
                }
            )*
            next
        }
    };
}
compare_ops!(define_eval_simple);

/// Evaluates `signal op constant` atoms with indices from `first`; returns
/// the next index. `holds` sees the signal's value (NaN when missing) and
/// the constant.
#[inline(always)]
fn eval_group(
    group: &[(u32, f64)],
    values: &[f64],
    bits: &mut [u64],
    first: usize,
    holds: impl Fn(f64, f64) -> bool,
) -> usize {
    // Collect the bits of a word in a register and store the word once.
    let mut index = first;
    let mut word = bits.get(index / 64).copied().unwrap_or(0);
    for &(signal, constant) in group {
        let value = values.get(signal as usize).copied().unwrap_or(f64::NAN);
        word |= u64::from(holds(value, constant)) << (index % 64);
        index += 1;
        if index % 64 == 0 {
            store(bits, index / 64 - 1, word);
            word = bits.get(index / 64).copied().unwrap_or(0);
        }
    }
    store(bits, index / 64, word);
    index
}

#[inline(always)]
fn store(bits: &mut [u64], index: usize, word: u64) {
    if let Some(slot) = bits.get_mut(index) {
        *slot = word;
    }
}

/// The values of 64 customers (lanes), one signal or expression at a time;
/// NaN is missing.
pub(crate) type Lanes = [f64; 64];

/// The mask of the lanes where `holds` is true: bit `j` for lane `j`.
#[inline(always)]
fn lane_mask(values: &Lanes, holds: impl Fn(f64) -> bool) -> u64 {
    // A lane at a time into a bool array, then packed: the comparisons
    // vectorise, the packing is eight lanes per step.
    let mut each = [false; 64];
    for (out, &value) in each.iter_mut().zip(values) {
        *out = holds(value);
    }
    each.iter()
        .enumerate()
        .fold(0u64, |mask, (j, &b)| mask | (u64::from(b) << j))
}

impl Num {
    /// This value for every lane, into `out`; `signals` has the lanes of
    /// each signal.
    fn eval_lanes(&self, signals: &[Lanes], out: &mut Lanes) {
        match self {
            Num::Signal(i) => match signals.get(*i as usize) {
                Some(lanes) => *out = *lanes,
                None => out.fill(f64::NAN),
            },
            Num::Const(c) => out.fill(*c),
            Num::Binary(op, left, right) => {
                let mut other = [0.0; 64];
                left.eval_lanes(signals, out);
                right.eval_lanes(signals, &mut other);
                for (value, &right) in out.iter_mut().zip(&other) {
                    *value = op.apply(*value, right);
                }
            }
        }
    }
}

impl Atom {
    /// The lanes where this atom holds.
    fn eval_lanes(&self, signals: &[Lanes]) -> u64 {
        let mut value = [0.0; 64];
        let mut other = [0.0; 64];
        let pairwise = |left: &Lanes, right: &Lanes, op: CompareOp| {
            let mut each = [false; 64];
            for ((out, &a), &b) in each.iter_mut().zip(left).zip(right) {
                *out = compare(a, op, b);
            }
            each.iter()
                .enumerate()
                .fold(0u64, |mask, (j, &b)| mask | (u64::from(b) << j))
        };
        match self {
            Atom::Compare { left, op, right } => {
                left.eval_lanes(signals, &mut value);
                right.eval_lanes(signals, &mut other);
                pairwise(&value, &other, *op)
            }
            Atom::In { value: item, set } => {
                item.eval_lanes(signals, &mut value);
                set.iter().fold(0, |mask, member| {
                    member.eval_lanes(signals, &mut other);
                    mask | pairwise(&value, &other, CompareOp::Eq)
                })
            }
            Atom::Between {
                value: item,
                low,
                high,
            } => {
                item.eval_lanes(signals, &mut value);
                low.eval_lanes(signals, &mut other);
                let above = pairwise(&value, &other, CompareOp::Ge);
                high.eval_lanes(signals, &mut other);
                above & pairwise(&value, &other, CompareOp::Le)
            }
            Atom::Present(i) | Atom::Missing(i) => {
                let present = match signals.get(*i as usize) {
                    Some(lanes) => lane_mask(lanes, |v| !v.is_nan()),
                    None => 0,
                };
                if matches!(self, Atom::Present(_)) {
                    present
                } else {
                    !present
                }
            }
        }
    }
}

macro_rules! define_eval_simple_lanes {
    ($($variant:ident $symbol:literal $mirror:ident |$a:ident, $b:ident| $holds:expr;)*) => {
        /// As `eval_simple`, over lanes: one mask per atom into `masks`;
        /// returns the index after the last one.
        fn eval_simple_lanes(groups: &[Vec<(u32, f64)>], signals: &[Lanes], masks: &mut [u64]) -> usize {
            let mut groups = groups.iter();
            let mut next = 0;
            let missing = [f64::NAN; 64];
            $(
                if let Some(group) = groups.next() {
                    for &(signal, constant) in group {
                        let lanes = signals.get(signal as usize).unwrap_or(&missing);
                        if let Some(mask) = masks.get_mut(next) {
                            *mask = lane_mask(lanes, |$a: f64| { let $b = constant; $holds });
                        }
                        next += 1;
                    }
                }
            )*
            next
        }
    };
}
compare_ops!(define_eval_simple_lanes);

impl Atoms {
    /// Evaluates every atom over 64 lanes: `masks[i]` gets the lanes where
    /// atom `i` holds. `signals` has the lanes of each signal.
    pub(super) fn eval_lanes(&self, signals: &[Lanes], masks: &mut [u64]) {
        let first_other = eval_simple_lanes(&self.simple, signals, masks);
        for (atom, mask) in self.others.iter().zip(masks.iter_mut().skip(first_other)) {
            *mask = atom.eval_lanes(signals);
        }
    }
}

//! Atoms: the distinct comparisons of a program, each evaluated once per
//! customer into one bit.
//!
//! Atoms that compare one signal with constants (`x >= 3`, `x in [1, 2]`,
//! `x between 1 and 5`, `present(x)`), the common case, are evaluated
//! together, signal by signal: the signal's constants, sorted, cut the
//! number line into regions (below the first, at it, between it and the
//! next, ..., above the last, and missing), in each of which every one of
//! its atoms either holds or not. So the value's region, found by counting
//! the constants below it, picks a precomputed word of atom bits, one OR
//! for all of them. Every other atom is evaluated by walking its values.

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
    /// The value is present and in no item of the set.
    NotIn {
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

    /// The signal this atom compares with constants only, if it does.
    fn single_signal(&self) -> Option<u32> {
        let constant = |num: &Num| matches!(num, Num::Const(_));
        match self {
            Atom::Compare {
                left: Num::Signal(signal),
                right,
                ..
            } if constant(right) => Some(*signal),
            Atom::In {
                value: Num::Signal(signal),
                set,
            }
            | Atom::NotIn {
                value: Num::Signal(signal),
                set,
            } if set.iter().all(constant) => Some(*signal),
            Atom::Between {
                value: Num::Signal(signal),
                low,
                high,
            } if constant(low) && constant(high) => Some(*signal),
            Atom::Present(signal) | Atom::Missing(signal) => Some(*signal),
            _ => None,
        }
    }

    /// The constants this atom compares with.
    fn constants(&self) -> Vec<f64> {
        let nums: Vec<&Num> = match self {
            Atom::Compare { left, right, .. } => vec![left, right],
            Atom::In { value, set } | Atom::NotIn { value, set } => {
                std::iter::once(value).chain(set.iter()).collect()
            }
            Atom::Between { value, low, high } => vec![value, low, high],
            Atom::Present(_) | Atom::Missing(_) => Vec::new(),
        };
        nums.into_iter()
            .filter_map(|num| match num {
                Num::Const(c) => Some(*c),
                _ => None,
            })
            .collect()
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
            Atom::NotIn { value, set } => {
                let value = value.eval(values);
                !value.is_nan()
                    && !set
                        .iter()
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
    /// `signal op constant` atoms alone on their signal, one list per
    /// operator in the order of [`CompareOp::ALL`]: they have the first
    /// indices, list by list, and each list is evaluated in a loop of its
    /// own operator.
    lone: Vec<Vec<(u32, f64)>>,
    /// The atoms of signals compared with constants more than once, signal
    /// by signal.
    by_signal: Vec<SignalAtoms>,
    /// Every signal's sorted constants, one range each.
    constants: Vec<f64>,
    /// Every signal's words of atom bits per region.
    region_words: Vec<u64>,
    /// The others, with the indices from `first_other`.
    others: Vec<Atom>,
    first_other: usize,
    /// Each atom that compares one signal with constants, and its index:
    /// what the columnar path evaluates.
    single: Vec<(AtomIndex, Atom)>,
    /// The number of distinct atoms.
    count: usize,
    /// The number of bits the atoms take: a signal's atoms never straddle a
    /// word when they fit in one, so some bits are never set.
    bits: usize,
}

/// The atoms of one signal that compare it with constants.
#[derive(Debug, Clone)]
struct SignalAtoms {
    signal: u32,
    /// The word of atom bits of the first atom, and its bit in that word.
    word: u32,
    shift: u32,
    /// How many words the atoms take: 1 up to 64 atoms.
    words: u32,
    /// The sorted distinct constants: `constants[start..end]`.
    start: u32,
    end: u32,
    /// Where the region words start in `region_words`: `words` per region,
    /// region by region.
    regions: u32,
}

impl SignalAtoms {
    /// The region of `value` among `constants` (sorted, distinct): `2i` for
    /// the open interval below constant `i` (or above the last), `2i + 1`
    /// for constant `i` itself, and `2k + 1` for a missing value.
    #[inline(always)]
    fn region(value: f64, constants: &[f64]) -> usize {
        let k = constants.len();
        // Few constants: count without branches; many: search.
        let (below, equal) = if k <= 8 {
            constants.iter().fold((0, 0), |(below, equal), &c| {
                (
                    below + usize::from(c < value),
                    equal + usize::from(c == value),
                )
            })
        } else {
            let below = constants.partition_point(|&c| c < value);
            (below, usize::from(constants.get(below) == Some(&value)))
        };
        if value.is_nan() {
            2 * k + 1
        } else {
            2 * below + equal
        }
    }
}

impl Atoms {
    /// Orders the deduplicated `atoms` for evaluation; returns them with each
    /// atom's index, by its position in `atoms`.
    pub(super) fn new(atoms: IndexSet<Atom>) -> (Atoms, Vec<AtomIndex>) {
        let atoms: Vec<Atom> = atoms.into_iter().collect();
        let mut indices = vec![AtomIndex(0); atoms.len()];
        // The atoms of each signal, by position, signals in order of first
        // use.
        let mut groups: Vec<(u32, Vec<usize>)> = Vec::new();
        let mut others = Vec::new();
        for (position, atom) in atoms.iter().enumerate() {
            match atom.single_signal() {
                Some(signal) => match groups.iter_mut().find(|(s, _)| *s == signal) {
                    Some((_, members)) => members.push(position),
                    None => groups.push((signal, vec![position])),
                },
                None => others.push(position),
            }
        }
        // A signal compared once, by an operator with a constant, is faster
        // evaluated by that comparison than by a region.
        let mut lone = vec![Vec::new(); CompareOp::ALL.len()];
        let mut lone_positions = vec![Vec::new(); CompareOp::ALL.len()];
        groups.retain(|(_, members)| {
            let [position] = members[..] else {
                return true;
            };
            match &atoms[position] {
                Atom::Compare {
                    left: Num::Signal(signal),
                    op,
                    right: Num::Const(constant),
                } => {
                    let list = CompareOp::ALL.iter().position(|o| o == op).unwrap_or(0);
                    lone[list].push((*signal, *constant));
                    lone_positions[list].push(position);
                    false
                }
                _ => true,
            }
        });
        let mut next = 0usize;
        let mut single = Vec::new();
        for position in lone_positions.into_iter().flatten() {
            indices[position] = AtomIndex::new(next);
            single.push((AtomIndex::new(next), atoms[position].clone()));
            next += 1;
        }
        let mut result = Atoms {
            lone,
            by_signal: Vec::with_capacity(groups.len()),
            constants: Vec::new(),
            region_words: Vec::new(),
            others: Vec::with_capacity(others.len()),
            first_other: 0,
            single,
            count: atoms.len(),
            bits: 0,
        };
        for (signal, members) in groups {
            let n = members.len();
            // Up to 64 atoms stay within one word; more start a word.
            if next % 64 + n > 64 {
                next = next.next_multiple_of(64);
            }
            let (word, shift) = (next / 64, next % 64);
            let words = n.div_ceil(64).max(1);
            let mut constants: Vec<f64> = members
                .iter()
                .flat_map(|&position| atoms[position].constants())
                .collect();
            constants.sort_by(f64::total_cmp);
            constants.dedup();
            let start = result.constants.len();
            result.constants.extend_from_slice(&constants);
            let regions = result.region_words.len();
            for representative in representatives(&constants) {
                let mut values = vec![f64::NAN; signal as usize + 1];
                let mut region = vec![0u64; words];
                if let Some(value) = representative {
                    values[signal as usize] = value;
                    // Unshifted: evaluation shifts a one-word group into place.
                    for (i, &position) in members.iter().enumerate() {
                        region[i / 64] |= u64::from(atoms[position].eval(&values)) << (i % 64);
                    }
                }
                result.region_words.extend_from_slice(&region);
            }
            for (i, &position) in members.iter().enumerate() {
                indices[position] = AtomIndex::new(next + i);
                result
                    .single
                    .push((AtomIndex::new(next + i), atoms[position].clone()));
            }
            result.by_signal.push(SignalAtoms {
                signal,
                word: u32::try_from(word).unwrap_or(u32::MAX),
                shift: u32::try_from(if words == 1 { shift } else { 0 }).unwrap_or(0),
                words: u32::try_from(words).unwrap_or(0),
                start: u32::try_from(start).unwrap_or(0),
                end: u32::try_from(result.constants.len()).unwrap_or(0),
                regions: u32::try_from(regions).unwrap_or(0),
            });
            next += n;
        }
        result.first_other = next;
        for position in others {
            indices[position] = AtomIndex::new(next);
            next += 1;
            result.others.push(atoms[position].clone());
        }
        result.bits = next;
        (result, indices)
    }

    /// The number of distinct atoms.
    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// The number of bits the atoms take, unused ones included.
    pub(super) fn bits(&self) -> usize {
        self.bits
    }

    /// Evaluates every atom into `bits`, which holds
    /// [`bits`](Atoms::bits) bits.
    #[inline]
    pub(super) fn eval(&self, values: &[f64], bits: &mut [u64]) {
        bits.fill(0);
        eval_lone(&self.lone, values, bits);
        // The groups of one word come one after the other: collect their
        // bits in a register and store the word once.
        let mut at = usize::MAX;
        let mut word = 0u64;
        for group in &self.by_signal {
            let value = values
                .get(group.signal as usize)
                .copied()
                .unwrap_or(f64::NAN);
            let constants = self
                .constants
                .get(group.start as usize..group.end as usize)
                .unwrap_or(&[]);
            let region = SignalAtoms::region(value, constants);
            let words = group.words as usize;
            let from = group.regions as usize + region * words;
            let region_words = self.region_words.get(from..from + words).unwrap_or(&[]);
            if let [one] = region_words {
                if group.word as usize != at {
                    store(bits, at, word);
                    (at, word) = (group.word as usize, 0);
                }
                word |= one << group.shift;
            } else {
                // A group of more than 64 atoms has its words to itself.
                for (i, &region_word) in region_words.iter().enumerate() {
                    store(bits, group.word as usize + i, region_word);
                }
            }
        }
        store(bits, at, word);
        for (offset, atom) in self.others.iter().enumerate() {
            let index = self.first_other + offset;
            if let Some(word) = bits.get_mut(index / 64) {
                // Whether an atom holds is data-dependent and unpredictable:
                // OR it in without a branch.
                *word |= u64::from(atom.eval(values)) << (index % 64);
            }
        }
    }
}

macro_rules! define_eval_lone {
    ($($variant:ident $symbol:literal $mirror:ident |$a:ident, $b:ident| $holds:expr;)*) => {
        /// Evaluates the lone `signal op constant` atoms, list by list, each
        /// list in a loop of its own operator, from index 0; returns the
        /// index after the last one.
        #[inline(always)]
        fn eval_lone(lists: &[Vec<(u32, f64)>], values: &[f64], bits: &mut [u64]) -> usize {
            let mut lists = lists.iter();
            let mut next = 0;
            $(
                if let Some(list) = lists.next() {
                    next = eval_list(list, values, bits, next, |$a: f64, $b: f64| $holds);
                }
            )*
            next
        }
    };
}
compare_ops!(define_eval_lone);

/// Evaluates `signal op constant` atoms with indices from `first`; returns
/// the next index. `holds` sees the signal's value (NaN when missing) and
/// the constant.
#[inline(always)]
fn eval_list(
    list: &[(u32, f64)],
    values: &[f64],
    bits: &mut [u64],
    first: usize,
    holds: impl Fn(f64, f64) -> bool,
) -> usize {
    // Collect the bits of a word in a register and store the word once.
    let mut index = first;
    let mut word = 0u64;
    for &(signal, constant) in list {
        let value = values.get(signal as usize).copied().unwrap_or(f64::NAN);
        word |= u64::from(holds(value, constant)) << (index % 64);
        index += 1;
        if index % 64 == 0 {
            store(bits, index / 64 - 1, word);
            word = 0;
        }
    }
    store(bits, index / 64, word);
    index
}

#[inline(always)]
fn store(bits: &mut [u64], index: usize, word: u64) {
    if let Some(slot) = bits.get_mut(index) {
        *slot |= word;
    }
}

/// A value in each region that `constants` (sorted, distinct) cut the
/// number line into, in region order (see [`SignalAtoms::region`]); `None`
/// for a region no value is in (between adjacent `f64`s), and NaN for the
/// missing one. The infinities count as values, below or above every
/// constant.
fn representatives(constants: &[f64]) -> Vec<Option<f64>> {
    let mut values = Vec::with_capacity(2 * constants.len() + 2);
    let mut below: Option<f64> = None;
    for &c in constants {
        // Any value strictly between `below` and `c` holds the same atoms.
        let inside = match below {
            None => Some(c.next_down()),
            Some(below) => Some(below.next_up()).filter(|&inside| inside < c),
        };
        values.push(inside);
        values.push(Some(c));
        below = Some(c);
    }
    values.push(Some(below.map_or(0.0, f64::next_up)));
    values.push(Some(f64::NAN));
    values
}

/// The values of 64 customers (lanes), one signal or expression at a time;
/// NaN is missing.
pub(crate) type Lanes = [f64; 64];

/// The mask of the lanes where `holds` is true: bit `j` for lane `j`.
#[inline(always)]
fn lane_mask(values: &Lanes, holds: impl Fn(f64) -> bool) -> u64 {
    // Eight lanes to a byte: the comparisons vectorise, and so does the
    // packing of each byte (checked in the generated code: packed compares
    // and masks, not a shift per lane).
    let mut mask = 0u64;
    for (k, chunk) in values.chunks_exact(8).enumerate() {
        let mut byte = 0u8;
        for (i, &value) in chunk.iter().enumerate() {
            byte |= u8::from(holds(value)) << i;
        }
        mask |= u64::from(byte) << (8 * k);
    }
    mask
}

/// The mask of the lanes where `left op right` holds, lane by lane.
#[inline(always)]
fn pairwise_mask(left: &Lanes, right: &Lanes, op: CompareOp) -> u64 {
    let mut mask = 0u64;
    for (k, (left, right)) in left.chunks_exact(8).zip(right.chunks_exact(8)).enumerate() {
        let mut byte = 0u8;
        for (i, (&a, &b)) in left.iter().zip(right).enumerate() {
            byte |= u8::from(compare(a, op, b)) << i;
        }
        mask |= u64::from(byte) << (8 * k);
    }
    mask
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
        let pairwise = pairwise_mask;
        match self {
            Atom::Compare {
                left: Num::Signal(signal),
                op,
                right: Num::Const(constant),
            } => match signals.get(*signal as usize) {
                Some(lanes) => simple_lanes(*op, lanes, *constant),
                None => 0,
            },
            Atom::Compare { left, op, right } => {
                left.eval_lanes(signals, &mut value);
                right.eval_lanes(signals, &mut other);
                pairwise(&value, &other, *op)
            }
            Atom::In { value: item, set } | Atom::NotIn { value: item, set } => {
                item.eval_lanes(signals, &mut value);
                let within = set.iter().fold(0, |mask, member| {
                    member.eval_lanes(signals, &mut other);
                    mask | pairwise(&value, &other, CompareOp::Eq)
                });
                if matches!(self, Atom::In { .. }) {
                    within
                } else {
                    lane_mask(&value, |v| !v.is_nan()) & !within
                }
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

macro_rules! define_simple_lanes {
    ($($variant:ident $symbol:literal $mirror:ident |$a:ident, $b:ident| $holds:expr;)*) => {
        /// The lanes where `lanes op constant` holds: one loop per operator,
        /// so each vectorises.
        fn simple_lanes(op: CompareOp, lanes: &Lanes, constant: f64) -> u64 {
            match op {
                $(CompareOp::$variant => lane_mask(lanes, |$a: f64| {
                    let $b = constant;
                    $holds
                }),)*
            }
        }
    };
}
compare_ops!(define_simple_lanes);

impl Atoms {
    /// Evaluates every atom over 64 lanes: `masks[i]` gets the lanes where
    /// atom `i` holds (`masks` has a mask per bit of
    /// [`bits`](Atoms::bits)). `signals` has the lanes of each signal.
    pub(super) fn eval_lanes(&self, signals: &[Lanes], masks: &mut [u64]) {
        for (index, atom) in &self.single {
            if let Some(mask) = masks.get_mut(index.as_usize()) {
                *mask = atom.eval_lanes(signals);
            }
        }
        for (atom, mask) in self
            .others
            .iter()
            .zip(masks.iter_mut().skip(self.first_other))
        {
            *mask = atom.eval_lanes(signals);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Atom, AtomIndex, Atoms, Num};
    use crate::condition::CompareOp;
    use indexmap::IndexSet;

    /// Atoms of one signal (and a second, an arithmetic one, and signals
    /// compared once), evaluated by regions and by operator, agree with
    /// each atom evaluated alone: below, at, between
    /// and above the constants, for adjacent constants with no value
    /// between them, for `-0.0`, for missing values, and for more constants
    /// than the linear count handles and more atoms than one word holds.
    #[test]
    fn regions_agree_with_each_atom() {
        let one = 1.0_f64;
        let mut constants = vec![-3.0, 0.0, one, one.next_up(), 2.5, f64::MAX, -f64::MAX];
        constants.extend((10..80).map(f64::from));
        let ops = [
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Eq,
            CompareOp::Ne,
        ];
        let mut atoms = IndexSet::new();
        for (i, &c) in constants.iter().enumerate() {
            let op = ops[i % ops.len()];
            atoms.insert(Atom::compare(Num::Signal(0), op, Num::Const(c)));
            atoms.insert(Atom::compare(Num::Const(c), op, Num::Signal(1)));
        }
        atoms.insert(Atom::In {
            value: Num::Signal(0),
            set: vec![Num::Const(0.0), Num::Const(2.5)].into(),
        });
        atoms.insert(Atom::Between {
            value: Num::Signal(1),
            low: Num::Const(one),
            high: Num::Const(one.next_up()),
        });
        atoms.insert(Atom::Present(0));
        atoms.insert(Atom::Missing(1));
        atoms.insert(Atom::Compare {
            left: Num::Signal(0),
            op: CompareOp::Gt,
            right: Num::Signal(1),
        });
        // Signals compared once: by the comparison of their own operator.
        for (signal, op) in [(2, CompareOp::Ge), (3, CompareOp::Ne), (4, CompareOp::Lt)] {
            atoms.insert(Atom::compare(Num::Signal(signal), op, Num::Const(one)));
        }
        let listed: Vec<Atom> = atoms.iter().cloned().collect();
        let (compiled, indices) = Atoms::new(atoms);
        let mut bits = vec![0u64; compiled.bits().div_ceil(64)];
        let mut probes = vec![f64::NAN, -0.0, -f64::MAX, f64::MAX, 0.5, 1e300];
        for &c in &constants {
            probes.extend([c, c.next_down(), c.next_up()]);
        }
        for &a in &probes {
            for &b in probes.iter().step_by(7) {
                let values = [a, b, a, b, b];
                compiled.eval(&values, &mut bits);
                for (atom, &AtomIndex(index)) in listed.iter().zip(&indices) {
                    let index = index as usize;
                    let bit = bits[index / 64] >> (index % 64) & 1 == 1;
                    assert_eq!(bit, atom.eval(&values), "{atom:?} at {values:?}");
                }
            }
        }
    }
}

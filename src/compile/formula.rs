//! Formulas: how each condition of a program is computed from its atoms'
//! bits.
//!
//! A condition that is an `and` or an `or` of atoms and negated atoms (most
//! are), or an `and` of `or`s or an `or` of `and`s of them, becomes bit
//! masks evaluated without branches; any other keeps its postfix steps and
//! runs on a small stack.

use super::atom::AtomIndex;
use crate::bits::Ones;

/// One step of a condition's postfix formula.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    Atom(AtomIndex),
    Const(bool),
    Not,
    All(u32),
    Any(u32),
    AtLeast { k: u32, n: u32 },
}

/// How one condition is evaluated; ranges index [`Formulas::masks`],
/// [`Formulas::clauses`] or [`Formulas::ops`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Formula {
    /// Literals within one word of atom bits (most conditions): with
    /// `x = (bits[word] ^ flip) & care`, an `and` holds when `x == care` and
    /// an `or` when `x != 0`. `flip` marks the negated literals, `care` all
    /// of them.
    Word {
        word: u32,
        flip: u64,
        care: u64,
        any: bool,
    },
    /// Every literal of the masks holds.
    All(usize, usize),
    /// Some literal of the masks holds.
    Any(usize, usize),
    /// Every clause holds: some literal of each clause's masks holds.
    AllOfAny(usize, usize),
    /// Some clause holds: every literal of one clause's masks holds.
    AnyOfAll(usize, usize),
    /// Anything else: postfix steps over a stack.
    Postfix(usize, usize),
}

/// A formula over one word of atom bits, in the form a loop over many
/// evaluates without a branch: it holds when
/// `((bits[word] ^ flip) & care == target) != invert`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct WordFormula {
    flip: u64,
    care: u64,
    target: u64,
    word: u32,
    invert: bool,
}

impl WordFormula {
    #[inline(always)]
    pub(super) fn holds(&self, bits: &[u64]) -> bool {
        let x = (word(bits, self.word) ^ self.flip) & self.care;
        (x == self.target) != self.invert
    }
}

/// The most distinct atoms a [`TableFormula`] reads.
const TABLE_ATOMS: usize = 4;

/// A formula over at most [`TABLE_ATOMS`] distinct atoms, of any shape, as
/// its truth table: the atoms' bits make an index, and bit `index` of
/// `table` is the outcome. A loop over many evaluates it without a branch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TableFormula {
    /// The atoms; unused places hold `u32::MAX`, whose bit is always clear.
    atoms: [u32; TABLE_ATOMS],
    table: u16,
}

impl TableFormula {
    /// The table of the postfix `steps`, if they read few enough atoms.
    fn new(steps: &[Op]) -> Option<Self> {
        let mut atoms = [u32::MAX; TABLE_ATOMS];
        let mut used = 0;
        for op in steps {
            if let Op::Atom(atom) = op {
                let atom = u32::try_from(atom.as_usize()).ok()?;
                if !atoms[..used].contains(&atom) {
                    *atoms.get_mut(used)? = atom;
                    used += 1;
                }
            }
        }
        let mut table = 0u16;
        let mut stack: Vec<bool> = Vec::with_capacity(stack_depth(steps));
        for index in 0..1u16 << used {
            let holds = |atom: AtomIndex| {
                atoms[..used]
                    .iter()
                    .position(|&a| a as usize == atom.as_usize())
                    .is_some_and(|k| index >> k & 1 == 1)
            };
            stack.clear();
            for op in steps {
                let value = match *op {
                    Op::Atom(atom) => holds(atom),
                    Op::Const(b) => b,
                    Op::Not => !stack.pop()?,
                    Op::All(n) => pop_many(&mut stack, n, |items| items.iter().all(|b| *b)),
                    Op::Any(n) => pop_many(&mut stack, n, |items| items.iter().any(|b| *b)),
                    Op::AtLeast { k, n } => pop_many(&mut stack, n, |items| {
                        items.iter().filter(|b| **b).count() >= k as usize
                    }),
                };
                stack.push(value);
            }
            table |= u16::from(stack.pop()?) << index;
        }
        Some(TableFormula { atoms, table })
    }

    #[inline(always)]
    pub(super) fn holds(&self, bits: &[u64]) -> bool {
        let index = self
            .atoms
            .iter()
            .enumerate()
            .fold(0u32, |index, (k, &atom)| {
                let bit = word(bits, atom / 64) >> (atom % 64) & 1 == 1;
                index | (u32::from(bit) << k)
            });
        self.table >> index & 1 == 1
    }

    /// The lanes where the formula holds, given each atom's lanes: the table
    /// folded atom by atom, each step choosing between the halves of the
    /// table by the atom's lanes, without a branch.
    #[inline(always)]
    pub(super) fn holds_lanes(&self, atoms: &[u64]) -> u64 {
        let mut level = [0u64; 1 << TABLE_ATOMS];
        for (i, lanes) in level.iter_mut().enumerate() {
            *lanes = 0u64.wrapping_sub(u64::from(self.table >> i & 1));
        }
        let mut width = level.len();
        for &atom in &self.atoms {
            let set = atoms.get(atom as usize).copied().unwrap_or(0);
            width /= 2;
            for j in 0..width {
                level[j] = (set & level[2 * j + 1]) | (!set & level[2 * j]);
            }
        }
        level[0]
    }
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
type Lit = (AtomIndex, bool);

/// The formulas of a program, one per condition, in the order the
/// conditions were given.
#[derive(Debug, Clone, Default)]
pub(super) struct Formulas {
    each: Vec<Formula>,
    /// The masks of the [`Formula::All`] and [`Formula::Any`] formulas, and
    /// of the clauses of the two-level ones.
    masks: Vec<Mask>,
    /// The clauses of the [`Formula::AllOfAny`] and [`Formula::AnyOfAll`]
    /// formulas: ranges of `masks`.
    clauses: Vec<(usize, usize)>,
    /// The postfix steps of the [`Formula::Postfix`] formulas.
    ops: Vec<Op>,
    /// Each formula over at most [`TABLE_ATOMS`] distinct atoms as a
    /// truth table, by formula.
    tables: Vec<Option<TableFormula>>,
    /// The deepest evaluation stack any formula needs.
    stack_depth: usize,
}

impl Formulas {
    /// Adds the formula of one condition, given as postfix steps.
    pub(super) fn push(&mut self, steps: &[Op]) {
        self.stack_depth = self.stack_depth.max(stack_depth(steps));
        self.tables.push(TableFormula::new(steps));
        let start = self.masks.len();
        let formula = match literals(steps) {
            Some(Sym::Lit(atom, positive)) => {
                self.masks.extend(to_masks(&[(atom, positive)]));
                Formula::All(start, self.masks.len())
            }
            Some(Sym::All(literals)) => {
                self.masks.extend(to_masks(&literals));
                Formula::All(start, self.masks.len())
            }
            Some(Sym::Any(literals)) => {
                self.masks.extend(to_masks(&literals));
                Formula::Any(start, self.masks.len())
            }
            Some(Sym::AllOfAny(groups)) => {
                let (first, end) = self.push_clauses(groups);
                Formula::AllOfAny(first, end)
            }
            Some(Sym::AnyOfAll(groups)) => {
                let (first, end) = self.push_clauses(groups);
                Formula::AnyOfAll(first, end)
            }
            Some(Sym::Other) | None => {
                let start = self.ops.len();
                self.ops.extend_from_slice(steps);
                Formula::Postfix(start, self.ops.len())
            }
        };
        // An `and` or `or` whose literals share one word needs no masks.
        let formula = match formula {
            Formula::All(first, end) | Formula::Any(first, end) if end - first <= 1 => {
                // Without a literal (`care` 0) an `and` holds and an `or`
                // does not.
                let mask = self.masks.get(first..end).and_then(|m| m.first().copied());
                self.masks.truncate(first);
                let mask = mask.unwrap_or(Mask {
                    word: 0,
                    set: 0,
                    clear: 0,
                });
                let any = matches!(formula, Formula::Any(..));
                if mask.set & mask.clear == 0 {
                    Formula::Word {
                        word: mask.word,
                        flip: mask.clear,
                        care: mask.set | mask.clear,
                        any,
                    }
                } else {
                    // `x and not x` never holds, `x or not x` always does:
                    // the constant of the other connective without literals.
                    Formula::Word {
                        word: 0,
                        flip: 0,
                        care: 0,
                        any: !any,
                    }
                }
            }
            formula => formula,
        };
        self.each.push(formula);
    }

    fn push_clauses(&mut self, groups: Vec<Vec<Lit>>) -> (usize, usize) {
        let first = self.clauses.len();
        for group in groups {
            let start = self.masks.len();
            self.masks.extend(to_masks(&group));
            self.clauses.push((start, self.masks.len()));
        }
        (first, self.clauses.len())
    }

    pub(super) fn stack_depth(&self) -> usize {
        self.stack_depth
    }

    /// Formula `index` as a [`TableFormula`], if it reads few enough atoms.
    pub(super) fn as_table(&self, index: usize) -> Option<TableFormula> {
        self.tables.get(index).copied().flatten()
    }

    /// Formula `index` as a [`WordFormula`], if it is one.
    pub(super) fn as_word(&self, index: usize) -> Option<WordFormula> {
        match self.each.get(index) {
            Some(&Formula::Word {
                word,
                flip,
                care,
                any,
            }) => Some(WordFormula {
                word,
                flip,
                care,
                // `and`: every literal holds, `x == care`; `or`: not none
                // does, `x != 0`.
                target: if any { 0 } else { care },
                invert: any,
            }),
            _ => None,
        }
    }

    /// Evaluates formula `index` over the atom bits. `stack` must have
    /// capacity for [`stack_depth`](Formulas::stack_depth) so this does not
    /// allocate.
    // Inlined into each caller's loop: the mask formulas are a few
    // instructions, and a call per rule costs as much as evaluating it.
    #[inline(always)]
    pub(super) fn eval(&self, index: usize, bits: &[u64], stack: &mut Vec<bool>) -> bool {
        match self.each.get(index) {
            Some(&Formula::Word {
                word: at,
                flip,
                care,
                any,
            }) => {
                let x = (word(bits, at) ^ flip) & care;
                if any {
                    x != 0
                } else {
                    x == care
                }
            }
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
                Op::Atom(atom) => word(bits, atom.word()) & atom.bit() != 0,
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

#[inline(always)]
fn word(bits: &[u64], index: u32) -> u64 {
    bits.get(index as usize).copied().unwrap_or(0)
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

/// What a postfix formula computes, if it is simple enough for masks.
#[derive(Debug, Clone, PartialEq)]
enum Sym {
    /// An atom, or its negation (`false`).
    Lit(AtomIndex, bool),
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
        let word = atom.word();
        let index = masks
            .iter()
            .position(|mask| mask.word == word)
            .unwrap_or_else(|| {
                masks.push(Mask {
                    word,
                    set: 0,
                    clear: 0,
                });
                masks.len() - 1
            });
        if positive {
            masks[index].set |= atom.bit();
        } else {
            masks[index].clear |= atom.bit();
        }
    }
    masks
}

impl Formulas {
    /// Evaluates formula `index` over 64 lanes: the lanes where it holds,
    /// given the lanes where each atom holds (`atoms[i]` for atom `i`).
    /// Bits of lanes beyond the batch may be anything. `stack` keeps the
    /// postfix formulas from allocating once it has grown to
    /// [`stack_depth`](Formulas::stack_depth).
    pub(super) fn eval_lanes(&self, index: usize, atoms: &[u64], stack: &mut Vec<u64>) -> u64 {
        match self.each.get(index) {
            Some(&Formula::Word {
                word,
                flip,
                care,
                any,
            }) => {
                let mask = Mask {
                    word,
                    set: care & !flip,
                    clear: flip,
                };
                if any {
                    any_lanes(&[mask], atoms)
                } else {
                    all_lanes(&[mask], atoms)
                }
            }
            Some(&Formula::All(start, end)) => all_lanes(&self.masks[start..end], atoms),
            Some(&Formula::Any(start, end)) => any_lanes(&self.masks[start..end], atoms),
            Some(&Formula::AllOfAny(start, end)) => self.clauses[start..end]
                .iter()
                .fold(!0, |lanes, &(first, last)| {
                    lanes & any_lanes(&self.masks[first..last], atoms)
                }),
            Some(&Formula::AnyOfAll(start, end)) => self.clauses[start..end]
                .iter()
                .fold(0, |lanes, &(first, last)| {
                    lanes | all_lanes(&self.masks[first..last], atoms)
                }),
            Some(&Formula::Postfix(start, end)) => self.postfix_lanes(start, end, atoms, stack),
            None => 0,
        }
    }

    fn postfix_lanes(&self, start: usize, end: usize, atoms: &[u64], stack: &mut Vec<u64>) -> u64 {
        stack.clear();
        for op in &self.ops[start..end] {
            let lanes = match *op {
                Op::Atom(atom) => atoms.get(atom.as_usize()).copied().unwrap_or(0),
                Op::Const(b) => {
                    if b {
                        !0
                    } else {
                        0
                    }
                }
                Op::Not => !stack.pop().unwrap_or(0),
                Op::All(n) => pop_lanes(stack, n, |items| items.iter().fold(!0, |a, b| a & b)),
                Op::Any(n) => pop_lanes(stack, n, |items| items.iter().fold(0, |a, b| a | b)),
                Op::AtLeast { k, n } => pop_lanes(stack, n, |items| at_least_lanes(k, items)),
            };
            stack.push(lanes);
        }
        stack.pop().unwrap_or(0)
    }
}

/// The literals of `masks` as lanes: each atom's lanes, or their complement
/// for a negated one.
fn literal_lanes<'m>(masks: &'m [Mask], atoms: &'m [u64]) -> impl Iterator<Item = u64> + 'm {
    masks.iter().flat_map(move |mask| {
        let base = mask.word as usize * 64;
        let lanes = move |bit: usize| atoms.get(base + bit).copied().unwrap_or(0);
        Ones::new(std::slice::from_ref(&mask.set))
            .map(lanes)
            .chain(Ones::new(std::slice::from_ref(&mask.clear)).map(move |bit| !lanes(bit)))
    })
}

fn all_lanes(masks: &[Mask], atoms: &[u64]) -> u64 {
    literal_lanes(masks, atoms).fold(!0, |all, lanes| all & lanes)
}

fn any_lanes(masks: &[Mask], atoms: &[u64]) -> u64 {
    literal_lanes(masks, atoms).fold(0, |any, lanes| any | lanes)
}

fn pop_lanes(stack: &mut Vec<u64>, n: u32, reduce: impl Fn(&[u64]) -> u64) -> u64 {
    let start = stack.len().saturating_sub(n as usize);
    let result = reduce(&stack[start..]);
    stack.truncate(start);
    result
}

/// The lanes where at least `k` of `items` hold: each lane's count kept in
/// bit-sliced counters (plane `b` holds bit `b` of every lane's count), then
/// compared with `k` plane by plane from the top.
fn at_least_lanes(k: u32, items: &[u64]) -> u64 {
    // Counts up to `items.len()` (bounded by `Limits::max_condition_size`)
    // fit in 33 planes; longer lists are cut, which no ruleset reaches.
    let mut planes = [0u64; 33];
    let width = ((usize::BITS - items.len().leading_zeros()) as usize).min(planes.len());
    for &item in items {
        let mut carry = item;
        for plane in &mut planes[..width] {
            let sum = *plane ^ carry;
            carry &= *plane;
            *plane = sum;
        }
    }
    if u64::from(k) >= 1u64 << width {
        return 0;
    }
    let k = u64::from(k);
    // Lanes whose count is above `k` so far, and lanes equal to it so far.
    let (mut above, mut equal) = (0u64, !0u64);
    for b in (0..width).rev() {
        if k >> b & 1 == 1 {
            equal &= planes[b];
        } else {
            above |= equal & planes[b];
            equal &= !planes[b];
        }
    }
    above | equal
}

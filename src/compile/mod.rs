//! Step 3 of the pipeline: compilation. Turns a validated ruleset into
//! programs over atom bits, and a [`Layout`] that says which formula of
//! which program each rule, tag, action and transition is.
//!
//! An *atom* is one comparison (`cart_adds >= 1`, `plan in ["pro"]`,
//! `present(x)`). Identical atoms across all the conditions of a program are
//! compiled once, so each is evaluated once per customer into a bitset; each
//! condition becomes one formula over those bits (see `formula`). The
//! engine's parts (classifier, action catalog, journey machine) evaluate
//! their formulas by the indices the layout gives them, never by offsets.

mod atom;
mod formula;
mod lower;

use std::ops::Range;

use crate::condition::Condition;
use crate::index::{ActionIndex, RuleIndex, TagIndex, TransitionIndex};
use crate::signal::Schema;
use crate::validate::Ruleset;

use atom::Atoms;
pub(crate) use atom::Lanes;
use formula::{Formulas, Op, TableFormula, WordFormula};
use lower::Lowering;

/// A formula's position in its [`Program`]: one per compiled condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FormulaIndex(u32);

impl FormulaIndex {
    // Bounded by `Limits::max_rules`, `max_tags` and `max_actions`.
    #[allow(clippy::cast_possible_truncation)]
    fn new(index: usize) -> Self {
        FormulaIndex(index as u32)
    }

    fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// Consecutive formulas, as the layout hands them out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FormulaRange(Range<u32>);

impl FormulaRange {
    /// The `i`th formula of the range, if it has one.
    fn get(&self, i: usize) -> Option<FormulaIndex> {
        let index = self.0.start as usize + i;
        (index < self.0.end as usize).then(|| FormulaIndex::new(index))
    }

    /// The formulas in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = FormulaIndex> {
        self.0.clone().map(FormulaIndex)
    }
}

/// Conditions compiled together: the distinct atoms and one formula per
/// condition, in the order the conditions were given.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    atoms: Atoms,
    formulas: Formulas,
}

impl Program {
    /// Compiles checked `conditions` over `schema`'s signals.
    pub(crate) fn new<'c>(
        schema: &Schema,
        conditions: impl IntoIterator<Item = &'c Condition>,
    ) -> Program {
        let mut lowering = Lowering::new(schema);
        let mut bounds = vec![0];
        for condition in conditions {
            lowering.condition(condition);
            bounds.push(lowering.ops.len());
        }
        let (atoms, renumbered) = Atoms::new(lowering.atoms);
        let mut ops = lowering.ops;
        for op in &mut ops {
            if let Op::Atom(atom) = op {
                *atom = renumbered[atom.as_usize()];
            }
        }
        let mut formulas = Formulas::default();
        for bound in bounds.windows(2) {
            formulas.push(&ops[bound[0]..bound[1]]);
        }
        Program { atoms, formulas }
    }

    /// The number of distinct atoms.
    pub(crate) fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    /// How many 64-bit words the atom bits take.
    pub(crate) fn words(&self) -> usize {
        self.atoms.bits().div_ceil(64)
    }

    /// The deepest stack any formula needs; a stack with this capacity
    /// keeps [`eval`](Program::eval) from allocating.
    pub(crate) fn stack_depth(&self) -> usize {
        self.formulas.stack_depth()
    }

    /// Evaluates every atom into `bits`, which holds [`words`](Program::words)
    /// words.
    #[inline]
    pub(crate) fn eval_atoms(&self, values: &[f64], bits: &mut [u64]) {
        self.atoms.eval(values, bits);
    }

    /// Evaluates every atom over 64 lanes (customers) into `masks`, one per
    /// atom: the lanes where it holds. `signals` has the lanes of each
    /// signal.
    pub(crate) fn eval_atoms_lanes(&self, signals: &[Lanes], masks: &mut [u64]) {
        self.atoms.eval_lanes(signals, masks);
    }

    /// Evaluates `formula` over 64 lanes, given each atom's lanes: the lanes
    /// where its condition holds (bits of lanes beyond the batch may be
    /// anything).
    pub(crate) fn eval_lanes(
        &self,
        formula: FormulaIndex,
        atoms: &[u64],
        stack: &mut Vec<u64>,
    ) -> u64 {
        self.formulas.eval_lanes(formula.as_usize(), atoms, stack)
    }

    /// Evaluates `formula` over the atom bits: whether its condition holds.
    #[inline(always)]
    pub(crate) fn eval(&self, formula: FormulaIndex, bits: &[u64], stack: &mut Vec<bool>) -> bool {
        self.formulas.eval(formula.as_usize(), bits, stack)
    }
}

/// Formulas evaluated together, one bit each. Most take a form a loop
/// evaluates without branches: a word of atom bits under masks (an `and` or
/// an `or` of literals in one word), or a truth table (any formula over at
/// most four atoms); the others are evaluated one by one. Each form has its
/// own loop, so no loop branches on the form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Block {
    /// Each formula by position, and in its fastest form.
    formulas: Vec<FormulaIndex>,
    by_position: Vec<Fast>,
    /// The positions of the formulas of each form, in order, with them.
    words: Vec<(usize, WordFormula)>,
    tables: Vec<(usize, TableFormula)>,
    others: Vec<(usize, FormulaIndex)>,
}

/// A formula in the fastest form it has.
#[derive(Debug, Clone, Copy)]
enum Fast {
    Word(WordFormula),
    Table(TableFormula),
    Other(FormulaIndex),
}

impl Block {
    /// The block of `formulas` of `program`, in order.
    pub(crate) fn new(program: &Program, formulas: impl IntoIterator<Item = FormulaIndex>) -> Self {
        let mut block = Block::default();
        for (position, formula) in formulas.into_iter().enumerate() {
            let index = formula.as_usize();
            let fast = if let Some(word) = program.formulas.as_word(index) {
                block.words.push((position, word));
                Fast::Word(word)
            } else if let Some(table) = program.formulas.as_table(index) {
                block.tables.push((position, table));
                Fast::Table(table)
            } else {
                block.others.push((position, formula));
                Fast::Other(formula)
            };
            block.by_position.push(fast);
            block.formulas.push(formula);
        }
        block
    }

    /// The number of formulas.
    pub(crate) fn len(&self) -> usize {
        self.by_position.len()
    }

    /// The lanes where formula `position` of the block holds, given each
    /// atom's lanes (bits of lanes beyond the batch may be anything).
    #[inline]
    pub(crate) fn lanes(
        &self,
        position: usize,
        program: &Program,
        atoms: &[u64],
        stack: &mut Vec<u64>,
    ) -> u64 {
        match (self.by_position.get(position), self.formulas.get(position)) {
            (Some(Fast::Table(table)), _) => table.holds_lanes(atoms),
            (_, Some(&formula)) => program.eval_lanes(formula, atoms, stack),
            _ => 0,
        }
    }

    /// Whether formula `position` of the block holds.
    #[inline(always)]
    pub(crate) fn holds(
        &self,
        position: usize,
        program: &Program,
        bits: &[u64],
        stack: &mut Vec<bool>,
    ) -> bool {
        match self.by_position.get(position) {
            Some(Fast::Word(word)) => word.holds(bits),
            Some(Fast::Table(table)) => table.holds(bits),
            Some(&Fast::Other(formula)) => program.eval(formula, bits, stack),
            None => false,
        }
    }

    /// Evaluates every formula of the block over 64 lanes into `out`, one
    /// mask per formula: the lanes where it holds, of those in `live`.
    pub(crate) fn eval_lanes(
        &self,
        program: &Program,
        atoms: &[u64],
        live: u64,
        stack: &mut Vec<u64>,
        out: &mut [u64],
    ) {
        for (position, lanes) in out.iter_mut().enumerate().take(self.len()) {
            *lanes = self.lanes(position, program, atoms, stack) & live;
        }
    }

    /// Sets bit `first + i` of `out` for each formula `i` of the block that
    /// holds; the bits are clear before.
    #[inline]
    pub(crate) fn eval_into(
        &self,
        program: &Program,
        bits: &[u64],
        stack: &mut Vec<bool>,
        out: &mut [u64],
        first: usize,
    ) {
        or_into(&self.words, out, first, |word| word.holds(bits));
        or_into(&self.tables, out, first, |table| table.holds(bits));
        or_into(&self.others, out, first, |&formula| {
            program.eval(formula, bits, stack)
        });
    }
}

/// ORs bit `first + position` into `out` for each formula of `list` that
/// `holds`, collecting a word's bits in a register and storing each word
/// once: whether a formula holds is unpredictable, so no branch on it.
#[inline(always)]
fn or_into<F>(
    list: &[(usize, F)],
    out: &mut [u64],
    first: usize,
    mut holds: impl FnMut(&F) -> bool,
) {
    let flush = |out: &mut [u64], at: usize, word: u64| {
        if let Some(slot) = out.get_mut(at) {
            *slot |= word;
        }
    };
    let (mut at, mut word) = (usize::MAX, 0u64);
    for (position, formula) in list {
        let i = first + position;
        if i / 64 != at {
            flush(out, at, word);
            (at, word) = (i / 64, 0);
        }
        word |= u64::from(holds(formula)) << (i % 64);
    }
    flush(out, at, word);
}

/// Which formula each part of a ruleset is: the rules, tags, actions and the
/// actions' propensity rules in the [`Compiled::program`], the transitions
/// in the [`Compiled::journey`] program.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    rules: FormulaRange,
    tags: FormulaRange,
    actions: FormulaRange,
    /// Each action's propensity rules, by action index.
    propensity_rules: Vec<FormulaRange>,
    transitions: FormulaRange,
}

impl Layout {
    /// The formula of a rule's condition.
    pub(crate) fn rule(&self, rule: RuleIndex) -> Option<FormulaIndex> {
        self.rules.get(rule.as_usize())
    }

    /// The formula of a tag's condition.
    pub(crate) fn tag(&self, tag: TagIndex) -> Option<FormulaIndex> {
        self.tags.get(tag.as_usize())
    }

    /// The formula of an action's eligibility condition.
    pub(crate) fn action(&self, action: ActionIndex) -> Option<FormulaIndex> {
        self.actions.get(action.as_usize())
    }

    /// The formulas of an action's propensity rules, in order.
    pub(crate) fn propensity_rules(&self, action: ActionIndex) -> FormulaRange {
        self.propensity_rules
            .get(action.as_usize())
            .cloned()
            .unwrap_or_default()
    }

    /// The formula of a transition rule's condition, in the journey program.
    pub(crate) fn transition(&self, transition: TransitionIndex) -> Option<FormulaIndex> {
        self.transitions.get(transition.as_usize())
    }
}

/// A ruleset compiled: what the engine evaluates.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// Over the host's signals: the conditions of the rules, tags, actions
    /// and propensity rules, so a comparison they share is evaluated once.
    pub(crate) program: Program,
    /// Over the host's signals, `stage` and `days_in_stage`: the conditions
    /// of the transition rules, evaluated only when a journey advances.
    pub(crate) journey: Program,
    pub(crate) layout: Layout,
}

/// Compiles a validated ruleset.
pub(crate) fn compile(ruleset: &Ruleset) -> Compiled {
    let mut conditions: Vec<&Condition> = Vec::new();
    let rules = extend(
        &mut conditions,
        ruleset.rules.iter().map(|rule| rule.condition()),
    );
    let tags = extend(
        &mut conditions,
        ruleset.tags.iter().map(|tag| tag.condition()),
    );
    let actions = extend(
        &mut conditions,
        ruleset.actions.iter().map(|action| action.condition()),
    );
    let propensity_rules = ruleset
        .actions
        .iter()
        .map(|action| {
            extend(
                &mut conditions,
                action
                    .propensity_rules()
                    .iter()
                    .map(|rule| rule.condition()),
            )
        })
        .collect();
    let program = Program::new(&ruleset.schema, conditions);
    let journey = Program::new(
        &ruleset.journey_schema,
        ruleset.transitions.iter().map(|rule| rule.condition()),
    );
    Compiled {
        program,
        journey,
        layout: Layout {
            rules,
            tags,
            actions,
            propensity_rules,
            transitions: range(0, ruleset.transitions.len()),
        },
    }
}

/// Appends `more` to `conditions`; the range of formulas they will be.
fn extend<'c>(
    conditions: &mut Vec<&'c Condition>,
    more: impl Iterator<Item = &'c Condition>,
) -> FormulaRange {
    let start = conditions.len();
    conditions.extend(more);
    range(start, conditions.len())
}

// Bounded by `Limits::max_rules`, `max_tags` and `max_actions`.
#[allow(clippy::cast_possible_truncation)]
fn range(start: usize, end: usize) -> FormulaRange {
    FormulaRange(start as u32..end as u32)
}

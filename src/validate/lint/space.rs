//! Whether a condition can hold, decided exactly, by evaluating it with the
//! reference interpreter at one value from each region of each signal it
//! reads.
//!
//! An atom that compares one signal with constants (`x >= 3`,
//! `plan in ["pro"]`, `present(x)`) holds or not alike for every value in
//! a region of that signal: between two of its sorted constants, at one of
//! them, or missing (see `compile/atom.rs`). Atoms of different signals are
//! independent, so the cross product of one value per region of each signal
//! meets every combination of atom values that can occur, and a condition
//! holds for some customer exactly when it holds at one of those points.
//! Regions in which a signal's atoms all agree are merged first.
//!
//! A condition with arithmetic, or an atom that compares two signals, has
//! no such regions: it is not decided ([`Verdict::Unknown`]). Neither is one
//! whose cross product has more than [`MAX_POINTS`] points, nor anything
//! once the lint's [`Budget`] of evaluations is spent.

use indexmap::IndexMap;

use crate::condition::{evaluate_dense, Condition, Expr};
use crate::signal::{Schema, SignalKind};

/// The most points one question enumerates.
pub(super) const MAX_POINTS: usize = 4096;

/// The most evaluations one lint makes, over all its questions, finding
/// regions included: comparing each stage rule with those tried before it
/// under `first` grows with the square of the rules, and this keeps the
/// lint of 10,000 of them to a few seconds in a debug build.
pub(super) const MAX_EVALUATIONS: usize = 1 << 19;

/// What the enumeration found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// False at every point.
    Never,
    /// True at every point.
    Always,
    /// True at some points and false at others.
    Sometimes,
    /// Not decided: see the module docs.
    Unknown,
}

/// The evaluations left to a lint.
#[derive(Debug)]
pub(super) struct Budget(usize);

impl Budget {
    pub(super) fn new() -> Self {
        Budget(MAX_EVALUATIONS)
    }

    /// Whether `points` evaluations are left.
    fn allows(&self, points: usize) -> bool {
        points <= self.0
    }

    /// Counts `evaluations` made.
    fn spend(&mut self, evaluations: usize) {
        self.0 = self.0.saturating_sub(evaluations);
    }
}

/// The values a signal takes where a condition is evaluated, when they are
/// fewer than its kind allows.
#[derive(Debug, Clone)]
pub(super) enum Domain {
    /// Present, and one of these labels (by index).
    Labels(Vec<usize>),
    /// Present, and a number >= 0.
    NonNegative,
}

/// Decides questions about conditions over one schema.
#[derive(Debug)]
pub(super) struct Decider<'a> {
    schema: &'a Schema,
    /// Narrower domains of some signals, by signal index.
    domains: Vec<(usize, Domain)>,
}

/// What an atom reads.
enum Reads {
    /// Constants only.
    Nothing,
    /// One signal, by index, compared with constants.
    One(usize),
}

/// The points to evaluate at: one value per region class of each signal.
struct Space {
    signals: Vec<(usize, Vec<f64>)>,
    points: usize,
}

/// A point at which a condition holds: the values of the signals it reads,
/// by index; the others are missing.
pub(super) type Witness = Vec<(usize, f64)>;

impl<'a> Decider<'a> {
    pub(super) fn new(schema: &'a Schema) -> Self {
        Decider {
            schema,
            domains: Vec::new(),
        }
    }

    /// The same decider with `signal` (an id of the schema) narrowed to
    /// `domain`.
    pub(super) fn narrow(mut self, signal: &str, domain: Domain) -> Self {
        if let Some(signal) = self.schema.find(signal) {
            self.domains.push((signal.index().as_usize(), domain));
        }
        self
    }

    /// Whether `condition` never, always or sometimes holds, and a point at
    /// which it holds, if one was found.
    pub(super) fn decide(
        &self,
        condition: &Condition,
        budget: &mut Budget,
    ) -> (Verdict, Option<Witness>) {
        let Some(space) = self.space(&[condition], budget) else {
            return (Verdict::Unknown, None);
        };
        if !budget.allows(space.points) {
            return (Verdict::Unknown, None);
        }
        let mut witness = None;
        let mut fails = false;
        self.each_point(&space, budget, |values| {
            if evaluate_dense(condition, self.schema, values) {
                if witness.is_none() {
                    witness = Some(
                        space
                            .signals
                            .iter()
                            .map(|&(signal, _)| (signal, values[signal]))
                            .collect(),
                    );
                }
            } else {
                fails = true;
            }
            !(fails && witness.is_some())
        });
        let verdict = match (witness.is_some(), fails) {
            (false, _) => Verdict::Never,
            (true, false) => Verdict::Always,
            (true, true) => Verdict::Sometimes,
        };
        (verdict, witness)
    }

    /// Whether `condition` holds at `witness`; `None` when the budget is
    /// spent. `values` is scratch space, all missing between calls.
    pub(super) fn holds_at(
        &self,
        condition: &Condition,
        witness: &Witness,
        values: &mut Vec<f64>,
        budget: &mut Budget,
    ) -> Option<bool> {
        if !budget.allows(1) {
            return None;
        }
        budget.spend(1);
        values.resize(self.schema.len(), f64::NAN);
        for &(signal, value) in witness {
            values[signal] = value;
        }
        let holds = evaluate_dense(condition, self.schema, values);
        for &(signal, _) in witness {
            values[signal] = f64::NAN;
        }
        Some(holds)
    }

    /// Whether `then` holds at every point where `when` holds; `None` when
    /// that is not decided.
    pub(super) fn implies(
        &self,
        when: &Condition,
        then: &Condition,
        budget: &mut Budget,
    ) -> Option<bool> {
        let space = self.space(&[when, then], budget)?;
        if !budget.allows(space.points) {
            return None;
        }
        let mut implied = true;
        self.each_point(&space, budget, |values| {
            if evaluate_dense(when, self.schema, values)
                && !evaluate_dense(then, self.schema, values)
            {
                implied = false;
            }
            implied
        });
        Some(implied)
    }

    /// The points of `conditions`' signals, if their atoms have regions and
    /// the points are few enough; each atom evaluated to find the regions
    /// counts against `budget`.
    fn space(&self, conditions: &[&Condition], budget: &mut Budget) -> Option<Space> {
        let mut atoms: IndexMap<usize, Vec<&Condition>> = IndexMap::new();
        for condition in conditions {
            for atom in atoms_of(condition) {
                if let Reads::One(signal) = self.single_signal(atom)? {
                    atoms.entry(signal).or_default().push(atom);
                }
            }
        }
        let mut signals = Vec::with_capacity(atoms.len());
        let mut points = 1usize;
        for (signal, atoms) in atoms {
            let values = self.classes(signal, &atoms, budget)?;
            points = points.saturating_mul(values.len());
            if points > MAX_POINTS {
                return None;
            }
            signals.push((signal, values));
        }
        Some(Space { signals, points })
    }

    /// The signal `atom` compares with constants, if it reads one; `None`
    /// when it has arithmetic, compares signals, or names a signal the
    /// schema lacks.
    fn single_signal(&self, atom: &Condition) -> Option<Reads> {
        let mut exprs: Vec<&Expr> = match atom {
            Condition::Present(id) | Condition::Missing(id) => {
                return Some(Reads::One(self.schema.find(id)?.index().as_usize()));
            }
            Condition::Compare { left, right, .. } => vec![left, right],
            Condition::In { value, list } => std::iter::once(value).chain(list).collect(),
            Condition::Between { value, low, high } => vec![value, low, high],
            _ => return Some(Reads::Nothing),
        };
        let mut signal = None;
        while let Some(expr) = exprs.pop() {
            match expr {
                Expr::Binary { .. } => return None,
                Expr::Signal(id) => {
                    let index = self.schema.find(id)?.index().as_usize();
                    if signal.is_some_and(|s| s != index) {
                        return None;
                    }
                    signal = Some(index);
                }
                _ => {}
            }
        }
        Some(signal.map_or(Reads::Nothing, Reads::One))
    }

    /// One value of `signal` for each different way its `atoms` can hold
    /// together; `None` when the budget does not cover finding them.
    fn classes(
        &self,
        signal: usize,
        atoms: &[&Condition],
        budget: &mut Budget,
    ) -> Option<Vec<f64>> {
        let candidates = self.candidates(signal, atoms);
        let evaluations = candidates.len().saturating_mul(atoms.len());
        if !budget.allows(evaluations) {
            return None;
        }
        budget.spend(evaluations);
        let mut values = vec![f64::NAN; self.schema.len()];
        let mut classes: IndexMap<Vec<bool>, f64> = IndexMap::new();
        for candidate in candidates {
            values[signal] = candidate;
            let holds = atoms
                .iter()
                .map(|atom| evaluate_dense(atom, self.schema, &values))
                .collect();
            classes.entry(holds).or_insert(candidate);
        }
        Some(classes.into_values().collect())
    }

    /// Values of `signal` that meet every region its `atoms`' constants cut
    /// its domain into, and maybe more.
    fn candidates(&self, signal: usize, atoms: &[&Condition]) -> Vec<f64> {
        let domain = self
            .domains
            .iter()
            .find(|(s, _)| *s == signal)
            .map(|(_, domain)| domain);
        if let Some(Domain::Labels(labels)) = domain {
            return labels.iter().map(|&label| label as f64).collect();
        }
        let kind = self
            .schema
            .iter()
            .nth(signal)
            .map_or(SignalKind::Number, |s| s.kind());
        let constants = atoms.iter().flat_map(|atom| numbers_of(atom));
        let mut values: Vec<f64> = match kind {
            SignalKind::Flag => vec![0.0, 1.0],
            SignalKind::Category => {
                let labels = self
                    .schema
                    .iter()
                    .nth(signal)
                    .map_or(0, |s| s.labels().len());
                (0..labels).map(|label| label as f64).collect()
            }
            // Whole numbers >= 0: the least in each region.
            SignalKind::Count => std::iter::once(0.0)
                .chain(constants.flat_map(|c| [c, least_whole_above(c)]))
                .filter(|&v| v >= 0.0 && v.is_finite() && v.fract() == 0.0)
                .collect(),
            // A region between two constants holds the number just above the
            // lower one; the region below the first, the number just below it.
            SignalKind::Number => std::iter::once(0.0)
                .chain(constants.flat_map(|c| [c.next_down(), c, c.next_up()]))
                .filter(|v| v.is_finite())
                .collect(),
        };
        if let Some(Domain::NonNegative) = domain {
            // 0 stands for the part of a region below 0.
            values.retain(|&v| v >= 0.0);
        } else {
            values.push(f64::NAN);
        }
        values
    }

    /// Calls `visit` with the values at each point of `space`, until it
    /// returns false, counting each call against `budget`.
    fn each_point(
        &self,
        space: &Space,
        budget: &mut Budget,
        mut visit: impl FnMut(&[f64]) -> bool,
    ) {
        let mut values = vec![f64::NAN; self.schema.len()];
        let mut digits = vec![0usize; space.signals.len()];
        for (signal, classes) in &space.signals {
            match classes.first() {
                Some(&value) => values[*signal] = value,
                // A signal with no value to take: there is no point at all.
                None => return,
            }
        }
        loop {
            budget.spend(1);
            if !visit(&values) {
                return;
            }
            // The next point, counting like an odometer.
            let mut place = 0;
            loop {
                let Some((signal, classes)) = space.signals.get(place) else {
                    return;
                };
                digits[place] += 1;
                if digits[place] < classes.len() {
                    values[*signal] = classes[digits[place]];
                    break;
                }
                digits[place] = 0;
                values[*signal] = classes[0];
                place += 1;
            }
        }
    }
}

/// The least whole number above `c`; for `c` beyond 2^53, where every
/// number is whole, the next number.
fn least_whole_above(c: f64) -> f64 {
    let next = c.floor() + 1.0;
    if next > c {
        next
    } else {
        c.next_up()
    }
}

/// The atoms of `condition`: its comparisons, lists, ranges, `present` and
/// `missing`, walked without recursion.
fn atoms_of(condition: &Condition) -> Vec<&Condition> {
    let mut atoms = Vec::new();
    let mut stack = vec![condition];
    while let Some(condition) = stack.pop() {
        match condition {
            Condition::Not(inner) => stack.push(inner),
            Condition::All(items)
            | Condition::Any(items)
            | Condition::AtLeast { of: items, .. } => {
                stack.extend(items);
            }
            Condition::Bool(_) => {}
            atom => atoms.push(atom),
        }
    }
    atoms
}

/// The numbers an atom compares with.
fn numbers_of(atom: &Condition) -> Vec<f64> {
    let exprs: Vec<&Expr> = match atom {
        Condition::Compare { left, right, .. } => vec![left, right],
        Condition::In { value, list } => std::iter::once(value).chain(list).collect(),
        Condition::Between { value, low, high } => vec![value, low, high],
        _ => Vec::new(),
    };
    exprs
        .into_iter()
        .filter_map(|expr| match expr {
            Expr::Number(n) => Some(*n),
            _ => None,
        })
        .collect()
}

/// Every signal id `condition` reads, walked without recursion.
pub(super) fn signals_of(condition: &Condition) -> Vec<&str> {
    let mut ids = Vec::new();
    let mut exprs = Vec::new();
    for atom in atoms_of(condition) {
        match atom {
            Condition::Present(id) | Condition::Missing(id) => ids.push(id.as_str()),
            Condition::Compare { left, right, .. } => exprs.extend([left, right]),
            Condition::In { value, list } => exprs.extend(std::iter::once(value).chain(list)),
            Condition::Between { value, low, high } => exprs.extend([value, low, high]),
            _ => {}
        }
    }
    while let Some(expr) = exprs.pop() {
        match expr {
            Expr::Signal(id) => ids.push(id),
            Expr::Binary { left, right, .. } => exprs.extend([&**left, &**right]),
            _ => {}
        }
    }
    ids
}

//! Checked conditions → postfix steps over atoms, with each distinct atom
//! recorded once across all the conditions of a program.

use indexmap::IndexSet;

use crate::condition::{Condition, Expr};
use crate::signal::{Schema, Signal, SignalKind};

use super::atom::{Atom, AtomIndex, Num};
use super::formula::Op;

/// Lowers the conditions of one program.
pub(super) struct Lowering<'s> {
    schema: &'s Schema,
    /// The distinct atoms, in the order first met.
    pub(super) atoms: IndexSet<Atom>,
    /// The postfix steps of every condition lowered so far, one after the
    /// other; atoms are referred to by their position in `atoms`.
    pub(super) ops: Vec<Op>,
}

impl<'s> Lowering<'s> {
    pub(super) fn new(schema: &'s Schema) -> Self {
        Lowering {
            schema,
            atoms: IndexSet::new(),
            ops: Vec::new(),
        }
    }

    /// Emits the postfix steps of a checked condition.
    pub(super) fn condition(&mut self, condition: &Condition) {
        let op = match condition {
            Condition::Bool(b) => Op::Const(*b),
            Condition::Compare { left, op, right } => {
                // The side that is a category signal tells how to encode a label.
                let (left, right) = (self.num(left, Some(right)), self.num(right, Some(left)));
                self.atom(Atom::compare(left, *op, right))
            }
            Condition::In { value, list } | Condition::NotIn { value, list } => {
                let set = list
                    .iter()
                    .map(|item| self.num(item, Some(value)))
                    .collect();
                let value = self.num(value, None);
                self.atom(if matches!(condition, Condition::In { .. }) {
                    Atom::In { value, set }
                } else {
                    Atom::NotIn { value, set }
                })
            }
            Condition::Between { value, low, high } => {
                let atom = Atom::Between {
                    value: self.num(value, None),
                    low: self.num(low, Some(value)),
                    high: self.num(high, Some(value)),
                };
                self.atom(atom)
            }
            Condition::Present(id) => self.atom(Atom::Present(self.signal_index(id))),
            Condition::Missing(id) => self.atom(Atom::Missing(self.signal_index(id))),
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
        let (position, _) = self.atoms.insert_full(atom);
        Op::Atom(AtomIndex::new(position))
    }

    #[allow(clippy::cast_possible_truncation)] // bounded by `Limits::max_signals`
    fn signal_index(&self, id: &str) -> u32 {
        self.schema
            .find(id)
            .map_or(u32::MAX, |signal| signal.index().as_usize() as u32)
    }

    /// Lowers a checked value. Text is a label of the category signal on
    /// the other side (`partner`), encoded as its index like the signal's
    /// values, which keeps the declared order of an ordered category's
    /// labels; a duration is converted into the partner's unit of time.
    fn num(&self, expr: &Expr, partner: Option<&Expr>) -> Num {
        let partner_signal = || match partner {
            Some(Expr::Signal(id)) => self.schema.find(id),
            _ => None,
        };
        match expr {
            Expr::Signal(id) => Num::Signal(self.signal_index(id)),
            // `+ 0.0` turns -0.0 into 0.0, so equal constants hash alike.
            Expr::Number(n) => Num::Const(n + 0.0),
            Expr::Bool(b) => Num::Const(f64::from(u8::from(*b))),
            // Checking guarantees the partner has a unit; NaN (missing) otherwise.
            Expr::Duration(duration) => Num::Const(
                partner_signal()
                    .and_then(Signal::unit)
                    .map_or(f64::NAN, |unit| duration.in_unit(unit)),
            ),
            Expr::Text(text) => {
                let index = partner_signal()
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

//! The reference interpreter: a plain walk over the [`Condition`] tree, the
//! executable specification of the language. It is written for clarity, not
//! speed; the compiled engine must agree with it on every input.

use crate::condition::{CompareOp, Condition, Expr};
use crate::signal::{Schema, SignalKind};

/// A value while interpreting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Val<'a> {
    Missing,
    Number(f64),
    Flag(bool),
    /// A label, with its position among the labels of its category when
    /// that is known: a signal's value, or text compared with a signal.
    Label(&'a str, Option<usize>),
}

/// Evaluates a checked `condition` over dense `values` (NaN = missing) of
/// `schema`. A name the schema lacks reads as missing, but checking first
/// rules that out.
pub(crate) fn evaluate_dense(condition: &Condition, schema: &Schema, values: &[f64]) -> bool {
    Interpreter { schema, values }.condition(condition)
}

/// The walk itself, which the near-miss finder also walks with, so that
/// what it reports can never disagree with what holds.
pub(super) struct Interpreter<'a> {
    schema: &'a Schema,
    values: &'a [f64],
}

impl<'a> Interpreter<'a> {
    pub(super) fn new(schema: &'a Schema, values: &'a [f64]) -> Self {
        Interpreter { schema, values }
    }

    pub(super) fn condition(&self, condition: &'a Condition) -> bool {
        match condition {
            Condition::Bool(b) => *b,
            Condition::Compare { left, op, right } => {
                compare(self.operand(left, right), *op, self.operand(right, left))
            }
            Condition::In { value: expr, list } => {
                let value = self.expr(expr);
                list.iter()
                    .any(|item| compare(value, CompareOp::Eq, self.operand(item, expr)))
            }
            Condition::NotIn { value: expr, list } => {
                let value = self.expr(expr);
                value != Val::Missing
                    && !list
                        .iter()
                        .any(|item| compare(value, CompareOp::Eq, self.operand(item, expr)))
            }
            Condition::Between {
                value: expr,
                low,
                high,
            } => {
                let value = self.expr(expr);
                compare(self.operand(low, expr), CompareOp::Le, value)
                    && compare(value, CompareOp::Le, self.operand(high, expr))
            }
            Condition::Present(name) => self.signal(name) != Val::Missing,
            Condition::Missing(name) => self.signal(name) == Val::Missing,
            Condition::Not(inner) => !self.condition(inner),
            Condition::All(items) => items.iter().all(|item| self.condition(item)),
            Condition::Any(items) => items.iter().any(|item| self.condition(item)),
            Condition::AtLeast { k, of } => {
                of.iter().filter(|item| self.condition(item)).count() >= *k
            }
        }
    }

    /// The value of `expr`, compared with `partner`: a duration is in the
    /// unit of time of the signal it is compared with, and a label has its
    /// position among the labels of that signal.
    pub(super) fn operand(&self, expr: &'a Expr, partner: &Expr) -> Val<'a> {
        let partner = match partner {
            Expr::Signal(name) => self.schema.find(name),
            _ => None,
        };
        match (expr, partner) {
            (Expr::Duration(duration), Some(signal)) => signal
                .unit()
                .map_or(Val::Missing, |unit| Val::Number(duration.in_unit(unit))),
            (Expr::Text(text), Some(signal)) => Val::Label(text, signal.label_index(text)),
            _ => self.expr(expr),
        }
    }

    fn expr(&self, expr: &'a Expr) -> Val<'a> {
        match expr {
            Expr::Signal(name) => self.signal(name),
            Expr::Number(n) => Val::Number(*n),
            // Without a signal to give it a unit, checking rules it out.
            Expr::Duration(_) => Val::Missing,
            Expr::Text(text) => Val::Label(text, None),
            Expr::Bool(b) => Val::Flag(*b),
            Expr::Binary { op, left, right } => match (self.expr(left), self.expr(right)) {
                (Val::Number(a), Val::Number(b)) => {
                    let result = op.apply(a, b);
                    if result.is_nan() {
                        Val::Missing
                    } else {
                        Val::Number(result)
                    }
                }
                _ => Val::Missing,
            },
        }
    }

    pub(super) fn signal(&self, name: &str) -> Val<'a> {
        let Some(signal) = self.schema.find(name) else {
            return Val::Missing;
        };
        let encoded = self
            .values
            .get(signal.index().as_usize())
            .copied()
            .unwrap_or(f64::NAN);
        if encoded.is_nan() {
            return Val::Missing;
        }
        match signal.kind() {
            SignalKind::Number | SignalKind::Count => Val::Number(encoded),
            SignalKind::Flag => Val::Flag(encoded != 0.0),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            SignalKind::Category => {
                let position = encoded as usize;
                signal
                    .labels()
                    .nth(position)
                    .map_or(Val::Missing, |label| Val::Label(label, Some(position)))
            }
        }
    }
}

/// A comparison; false when either side is missing.
fn compare(left: Val<'_>, op: CompareOp, right: Val<'_>) -> bool {
    match (left, right) {
        (Val::Number(a), Val::Number(b)) => op.holds(a, b),
        (Val::Flag(a), Val::Flag(b)) => equality(op, a == b),
        (Val::Label(a, _), Val::Label(b, _)) if is_equality(op) => equality(op, a == b),
        // Labels of an ordered category order by position; ordering the
        // labels of other categories is a type error, ruled out by checking.
        #[allow(clippy::cast_precision_loss)] // labels are bounded by `Limits`
        (Val::Label(_, Some(a)), Val::Label(_, Some(b))) => op.holds(a as f64, b as f64),
        _ => false,
    }
}

fn is_equality(op: CompareOp) -> bool {
    matches!(op, CompareOp::Eq | CompareOp::Ne)
}

fn equality(op: CompareOp, equal: bool) -> bool {
    match op {
        CompareOp::Eq => equal,
        CompareOp::Ne => !equal,
        // Ordering flags is a type error, ruled out by checking first.
        _ => false,
    }
}

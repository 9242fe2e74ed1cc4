//! The reference interpreter: a plain walk over the [`Condition`] tree, the
//! executable specification of the language. It is written for clarity, not
//! speed; the compiled engine must agree with it on every input.

use crate::condition::{CompareOp, Condition, Expr};
use crate::signal::{Schema, SignalKind};

/// A value while interpreting.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Val<'a> {
    Missing,
    Number(f64),
    Flag(bool),
    Label(&'a str),
}

/// Evaluates a checked `condition` over dense `values` (NaN = missing) of
/// `schema`. A name the schema lacks reads as missing, but checking first
/// rules that out.
pub(crate) fn evaluate_dense(condition: &Condition, schema: &Schema, values: &[f64]) -> bool {
    Interpreter { schema, values }.condition(condition)
}

struct Interpreter<'a> {
    schema: &'a Schema,
    values: &'a [f64],
}

impl<'a> Interpreter<'a> {
    fn condition(&self, condition: &'a Condition) -> bool {
        match condition {
            Condition::Bool(b) => *b,
            Condition::Compare { left, op, right } => {
                compare(self.expr(left), *op, self.expr(right))
            }
            Condition::In { value, list } => {
                let value = self.expr(value);
                list.iter()
                    .any(|item| compare(value, CompareOp::Eq, self.expr(item)))
            }
            Condition::Between { value, low, high } => {
                let value = self.expr(value);
                compare(self.expr(low), CompareOp::Le, value)
                    && compare(value, CompareOp::Le, self.expr(high))
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

    fn expr(&self, expr: &'a Expr) -> Val<'a> {
        match expr {
            Expr::Signal(name) => self.signal(name),
            Expr::Number(n) => Val::Number(*n),
            Expr::Text(text) => Val::Label(text),
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

    fn signal(&self, name: &str) -> Val<'a> {
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
            SignalKind::Category => signal
                .labels()
                .nth(encoded as usize)
                .map_or(Val::Missing, Val::Label),
        }
    }
}

/// A comparison; false when either side is missing.
fn compare(left: Val<'_>, op: CompareOp, right: Val<'_>) -> bool {
    match (left, right) {
        (Val::Number(a), Val::Number(b)) => op.holds(a, b),
        (Val::Flag(a), Val::Flag(b)) => equality(op, a == b),
        (Val::Label(a), Val::Label(b)) => equality(op, a == b),
        _ => false,
    }
}

fn equality(op: CompareOp, equal: bool) -> bool {
    match op {
        CompareOp::Eq => equal,
        CompareOp::Ne => !equal,
        // Ordering non-numbers is a type error, ruled out by checking first.
        _ => false,
    }
}

//! Names and types of a condition against a schema, before any evaluation.

use crate::condition::{CompareOp, Condition, Expr};
use crate::error::{suggest, Error, Location};
use crate::limits::Limits;
use crate::signal::{Schema, Signal, SignalKind};

/// The type of a value in a condition.
#[derive(Debug, Clone, Copy)]
enum Type<'s> {
    /// A number or count signal, a number, or arithmetic.
    Number,
    /// A flag signal or `true`/`false`.
    Flag,
    /// A category signal.
    Category(&'s Signal),
    /// A label, before it meets the category it is compared with.
    Text,
}

impl Type<'_> {
    fn describe(self) -> String {
        match self {
            Type::Number => "a number".into(),
            Type::Flag => "a flag".into(),
            Type::Category(_) => "a category".into(),
            Type::Text => "text".into(),
        }
    }
}

/// The error, and the name in the condition text it is about, so a caller
/// holding the text can point at its column.
pub(crate) type Focused = Box<(Error, Option<String>)>;

#[cold]
fn type_error(message: String, focus: Option<&str>) -> Focused {
    Box::new((
        Error::Type {
            location: Location::default(),
            message,
        },
        focus.map(str::to_owned),
    ))
}

/// Checks limits, names and types.
pub(crate) fn check_with_focus(
    condition: &Condition,
    schema: &Schema,
    limits: &Limits,
) -> Result<(), Focused> {
    condition
        .check_size(limits)
        .map_err(|e| Box::new((e, None)))?;
    Checker { schema }.condition(condition)
}

struct Checker<'s> {
    schema: &'s Schema,
}

impl<'s> Checker<'s> {
    fn signal(&self, name: &str) -> Result<&'s Signal, Focused> {
        self.schema
            .resolve(name)
            .map_err(|e| Box::new((e, Some(name.to_owned()))))
    }

    fn condition(&self, condition: &Condition) -> Result<(), Focused> {
        match condition {
            Condition::Bool(_) => Ok(()),
            Condition::Compare { left, op, right } => self.compare(left, *op, right),
            Condition::In { value, list } => {
                let ty = self.expr(value)?;
                for item in list {
                    if !is_constant(item) {
                        return Err(type_error(
                            format!("the items of an 'in' list must be constants, found '{item}'"),
                            first_signal(item),
                        ));
                    }
                    self.comparable(value, ty, CompareOp::Eq, item, self.expr(item)?)?;
                }
                Ok(())
            }
            Condition::Between { value, low, high } => {
                for expr in [value, low, high] {
                    let ty = self.expr(expr)?;
                    if !matches!(ty, Type::Number) {
                        return Err(type_error(
                            format!(
                                "'between' compares numbers, but '{expr}' is {}",
                                ty.describe()
                            ),
                            first_signal(expr),
                        ));
                    }
                }
                Ok(())
            }
            Condition::Present(name) | Condition::Missing(name) => self.signal(name).map(drop),
            Condition::Not(inner) => self.condition(inner),
            Condition::All(items) | Condition::Any(items) => {
                items.iter().try_for_each(|item| self.condition(item))
            }
            Condition::AtLeast { k, of } => {
                if *k > of.len() {
                    return Err(type_error(
                        format!(
                            "'at_least({k}, ...)' can never hold: it has only {} conditions",
                            of.len()
                        ),
                        Some("at_least"),
                    ));
                }
                of.iter().try_for_each(|item| self.condition(item))
            }
        }
    }

    fn compare(&self, left: &Expr, op: CompareOp, right: &Expr) -> Result<(), Focused> {
        let left_type = self.expr(left)?;
        let right_type = self.expr(right)?;
        self.comparable(left, left_type, op, right, right_type)
    }

    fn comparable(
        &self,
        left: &Expr,
        left_type: Type<'s>,
        op: CompareOp,
        right: &Expr,
        right_type: Type<'s>,
    ) -> Result<(), Focused> {
        let equality = matches!(op, CompareOp::Eq | CompareOp::Ne);
        match (left_type, right_type) {
            (Type::Number, Type::Number) => Ok(()),
            (Type::Flag, Type::Flag) if equality => Ok(()),
            (Type::Category(signal), Type::Text) if equality => label(signal, right),
            (Type::Text, Type::Category(signal)) if equality => label(signal, left),
            (Type::Flag | Type::Category(_), _) | (_, Type::Flag | Type::Category(_))
                if !equality =>
            {
                Err(type_error(
                    format!(
                        "'{}' orders numbers only, but '{left} {} {right}' compares {} with {}",
                        op.symbol(),
                        op.symbol(),
                        left_type.describe(),
                        right_type.describe()
                    ),
                    first_signal(left).or_else(|| first_signal(right)),
                ))
            }
            _ => Err(type_error(
                format!(
                    "cannot compare {} with {} in '{left} {} {right}'{}",
                    left_type.describe(),
                    right_type.describe(),
                    op.symbol(),
                    hint(left_type, right_type)
                ),
                first_signal(left).or_else(|| first_signal(right)),
            )),
        }
    }

    fn expr(&self, expr: &Expr) -> Result<Type<'s>, Focused> {
        match expr {
            Expr::Signal(name) => {
                let signal = self.signal(name)?;
                Ok(match signal.kind() {
                    SignalKind::Number | SignalKind::Count => Type::Number,
                    SignalKind::Flag => Type::Flag,
                    SignalKind::Category => Type::Category(signal),
                })
            }
            Expr::Number(n) if !n.is_finite() => Err(type_error(
                format!("numbers in conditions must be finite, found {n}"),
                None,
            )),
            Expr::Number(_) => Ok(Type::Number),
            Expr::Text(_) => Ok(Type::Text),
            Expr::Bool(_) => Ok(Type::Flag),
            Expr::Binary { op, left, right } => {
                for side in [left, right] {
                    let ty = self.expr(side)?;
                    if !matches!(ty, Type::Number) {
                        return Err(type_error(
                            format!(
                                "'{}' needs numbers, but '{side}' is {}",
                                op.symbol(),
                                ty.describe()
                            ),
                            first_signal(side),
                        ));
                    }
                }
                Ok(Type::Number)
            }
        }
    }
}

fn hint(left: Type<'_>, right: Type<'_>) -> &'static str {
    match (left, right) {
        (Type::Category(_), _) | (_, Type::Category(_)) => {
            ": compare a category with one of its labels in double quotes"
        }
        (Type::Flag, _) | (_, Type::Flag) => ": compare a flag with true or false",
        (Type::Text, _) | (_, Type::Text) => ": text is compared only with category signals",
        _ => "",
    }
}

/// Checks that `expr`, a text compared with category `signal`, is one of its labels.
fn label(signal: &Signal, expr: &Expr) -> Result<(), Focused> {
    let Expr::Text(text) = expr else {
        return Ok(());
    };
    if signal.label_index(text).is_some() {
        return Ok(());
    }
    Err(Box::new((
        Error::UnknownLabel {
            location: Location::default(),
            signal: signal.name().to_owned(),
            label: text.clone(),
            suggestion: suggest(text, signal.labels()),
        },
        Some(text.clone()),
    )))
}

fn is_constant(expr: &Expr) -> bool {
    matches!(expr, Expr::Number(_) | Expr::Text(_) | Expr::Bool(_))
}

/// The first signal named in `expr`, to point an error at.
fn first_signal(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Signal(name) => Some(name),
        Expr::Binary { left, right, .. } => first_signal(left).or_else(|| first_signal(right)),
        _ => None,
    }
}

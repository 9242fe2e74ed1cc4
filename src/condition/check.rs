//! Ids and types of a condition against a schema, before any evaluation.

use crate::condition::tree::Node;
use crate::condition::{CompareOp, Condition, Expr};
use crate::error::{Error, ErrorKind, Excerpt};
use crate::limits::Limits;
use crate::names::suggest;
use crate::signal::{Schema, Signal, SignalKind};

/// The type of a value in a condition.
#[derive(Debug, Clone, Copy)]
enum Type<'s> {
    /// A number or count signal (the signal, to find its unit of time),
    /// a number, or arithmetic.
    Number(Option<&'s Signal>),
    /// A flag signal or `true`/`false`.
    Flag,
    /// A category signal.
    Category(&'s Signal),
    /// A label, before it meets the category it is compared with.
    Text,
    /// A length of time, before it meets the signal it is compared with.
    Duration,
}

impl Type<'_> {
    fn describe(self) -> String {
        match self {
            Type::Number(_) => "a number".into(),
            Type::Flag => "a flag".into(),
            Type::Category(_) => "a category".into(),
            Type::Text => "text".into(),
            Type::Duration => "a duration".into(),
        }
    }
}

/// Why a condition does not check, and the node of the tree it is about,
/// so a caller holding the text can point at the node's column.
#[derive(Debug)]
pub(crate) struct Failed<'a> {
    pub(crate) error: Error,
    pub(crate) focus: Option<Node<'a>>,
}

impl From<Error> for Failed<'_> {
    fn from(error: Error) -> Self {
        Failed { error, focus: None }
    }
}

#[cold]
fn type_error(message: String, focus: Node<'_>) -> Failed<'_> {
    Failed {
        error: Error::type_error(message),
        focus: Some(focus),
    }
}

/// Checks limits, ids and types.
pub(crate) fn check_with_focus<'a>(
    condition: &'a Condition,
    schema: &Schema,
    limits: &Limits,
) -> Result<(), Failed<'a>> {
    condition.check_size(limits)?;
    Checker { schema }.condition(condition)
}

struct Checker<'s> {
    schema: &'s Schema,
}

impl<'s> Checker<'s> {
    fn signal<'a>(&self, id: &str, at: Node<'a>) -> Result<&'s Signal, Failed<'a>> {
        self.schema.resolve(id).map_err(|error| Failed {
            error,
            focus: Some(at),
        })
    }

    fn condition<'a>(&self, condition: &'a Condition) -> Result<(), Failed<'a>> {
        let here = Node::Cond(condition);
        match condition {
            Condition::Bool(_) => Ok(()),
            Condition::Compare { left, op, right } => self.compare(condition, left, *op, right),
            Condition::In { value, list } | Condition::NotIn { value, list } => {
                let ty = self.expr(value)?;
                let keyword = if matches!(condition, Condition::In { .. }) {
                    "in"
                } else {
                    "not in"
                };
                for item in list {
                    if !is_constant(item) {
                        return Err(type_error(
                            format!(
                                "the items of a '{keyword}' list must be constants, found '{}'",
                                Excerpt(&item.to_string())
                            ),
                            first_signal(item).unwrap_or(Node::Expr(item)),
                        ));
                    }
                    let item_type = self.expr(item)?;
                    Self::comparable(condition, value, ty, CompareOp::Eq, item, item_type)
                        .map_err(|failed| match (failed.error.kind(), ty, item_type) {
                            // A duration's error is about the signal's unit.
                            (_, Type::Number(_), Type::Duration) | (_, Type::Duration, _) => failed,
                            // Said of the item, in the words written: no
                            // `==` appears in the text.
                            (ErrorKind::Type { .. }, _, _) => type_error(
                                format!(
                                    "'{}' in the '{keyword}' list is {}, but '{}' is {}{}",
                                    Excerpt(&item.to_string()),
                                    item_type.describe(),
                                    Excerpt(&value.to_string()),
                                    ty.describe(),
                                    hint(ty, item_type)
                                ),
                                Node::Expr(item),
                            ),
                            _ => failed,
                        })?;
                }
                Ok(())
            }
            Condition::Between { value, low, high } => self.between(condition, value, low, high),
            Condition::Present(id) | Condition::Missing(id) => self.signal(id, here).map(drop),
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
                        here,
                    ));
                }
                of.iter().try_for_each(|item| self.condition(item))
            }
        }
    }

    fn between<'a>(
        &self,
        condition: &'a Condition,
        value: &'a Expr,
        low: &'a Expr,
        high: &'a Expr,
    ) -> Result<(), Failed<'a>> {
        let value_type = self.expr(value)?;
        if let Type::Category(signal) = value_type {
            if !signal.is_ordered() {
                return Err(type_error(
                    unordered(signal, "between"),
                    first_signal(value).unwrap_or(Node::Expr(value)),
                ));
            }
            for bound in [low, high] {
                let ty = self.expr(bound)?;
                if !matches!(ty, Type::Text) {
                    return Err(type_error(
                        format!(
                            "'between' on the ordered category '{}' takes two of its labels, \
                             but '{}' is {}",
                            signal.id(),
                            Excerpt(&bound.to_string()),
                            ty.describe()
                        ),
                        first_signal(bound).unwrap_or(Node::Expr(bound)),
                    ));
                }
                label(signal, bound)?;
            }
            return Ok(());
        }
        let numeric = |expr: &'a Expr, ty: Type<'_>| {
            if matches!(ty, Type::Number(_)) {
                return Ok(());
            }
            Err(type_error(
                format!(
                    "'between' compares numbers, but '{}' is {}",
                    Excerpt(&expr.to_string()),
                    ty.describe()
                ),
                first_signal(expr).unwrap_or(Node::Expr(expr)),
            ))
        };
        numeric(value, value_type)?;
        for bound in [low, high] {
            match self.expr(bound)? {
                // A bound in time needs a value in time, as `value >= bound` does.
                Type::Duration => {
                    Self::comparable(
                        condition,
                        value,
                        value_type,
                        CompareOp::Ge,
                        bound,
                        Type::Duration,
                    )?;
                }
                ty => numeric(bound, ty)?,
            }
        }
        Ok(())
    }

    fn compare<'a>(
        &self,
        condition: &'a Condition,
        left: &'a Expr,
        op: CompareOp,
        right: &'a Expr,
    ) -> Result<(), Failed<'a>> {
        let left_type = self.expr(left)?;
        let right_type = self.expr(right)?;
        Self::comparable(condition, left, left_type, op, right, right_type)
    }

    /// Whether `left op right` of `condition` can be compared; a mismatch
    /// points at the first signal of either side, else at the comparison.
    fn comparable<'a>(
        condition: &'a Condition,
        left: &'a Expr,
        left_type: Type<'s>,
        op: CompareOp,
        right: &'a Expr,
        right_type: Type<'s>,
    ) -> Result<(), Failed<'a>> {
        let focus = || {
            first_signal(left)
                .or_else(|| first_signal(right))
                .unwrap_or(Node::Cond(condition))
        };
        let equality = matches!(op, CompareOp::Eq | CompareOp::Ne);
        match (left_type, right_type) {
            (Type::Number(_), Type::Number(_)) => Ok(()),
            (Type::Number(signal), Type::Duration) | (Type::Duration, Type::Number(signal)) => {
                let other = if matches!(left_type, Type::Duration) {
                    right
                } else {
                    left
                };
                match signal {
                    Some(signal) if signal.unit().is_some() => Ok(()),
                    Some(signal) => Err(type_error(
                        format!(
                            "signal '{}' has no time unit; declare \"unit\" to compare it \
                             with a duration",
                            signal.id()
                        ),
                        Node::Expr(other),
                    )),
                    None => Err(type_error(
                        format!(
                            "a duration compares only with a signal that has a time unit, \
                             not with '{}'",
                            Excerpt(&other.to_string())
                        ),
                        focus(),
                    )),
                }
            }
            (Type::Category(signal), Type::Text) | (Type::Text, Type::Category(signal))
                if !equality =>
            {
                let text = if matches!(left_type, Type::Text) {
                    left
                } else {
                    right
                };
                if signal.is_ordered() {
                    label(signal, text)
                } else {
                    Err(type_error(unordered(signal, op.symbol()), focus()))
                }
            }
            (Type::Flag, Type::Flag) if equality => Ok(()),
            (Type::Category(signal), Type::Text) if equality => label(signal, right),
            (Type::Text, Type::Category(signal)) if equality => label(signal, left),
            (Type::Flag | Type::Category(_), _) | (_, Type::Flag | Type::Category(_))
                if !equality =>
            {
                Err(type_error(
                    format!(
                        "'{}' orders numbers only, but '{}' compares {} with {}",
                        op.symbol(),
                        Excerpt(&format!("{left} {} {right}", op.symbol())),
                        left_type.describe(),
                        right_type.describe()
                    ),
                    focus(),
                ))
            }
            _ => Err(type_error(
                format!(
                    "cannot compare {} with {} in '{}'{}",
                    left_type.describe(),
                    right_type.describe(),
                    Excerpt(&format!("{left} {} {right}", op.symbol())),
                    hint(left_type, right_type)
                ),
                focus(),
            )),
        }
    }

    fn expr<'a>(&self, expr: &'a Expr) -> Result<Type<'s>, Failed<'a>> {
        let here = Node::Expr(expr);
        match expr {
            Expr::Signal(id) => {
                let signal = self.signal(id, here)?;
                Ok(match signal.kind() {
                    SignalKind::Number | SignalKind::Count => Type::Number(Some(signal)),
                    SignalKind::Flag => Type::Flag,
                    SignalKind::Category => Type::Category(signal),
                })
            }
            Expr::Number(n) if !n.is_finite() => Err(type_error(
                format!("numbers in conditions must be finite, found {n}"),
                here,
            )),
            Expr::Number(_) => Ok(Type::Number(None)),
            Expr::Duration(_) => Ok(Type::Duration),
            Expr::Text(_) => Ok(Type::Text),
            Expr::Bool(_) => Ok(Type::Flag),
            Expr::Binary { op, left, right } => {
                for side in [left, right] {
                    let ty = self.expr(side)?;
                    if !matches!(ty, Type::Number(_)) {
                        return Err(type_error(
                            format!(
                                "'{}' needs numbers, but '{}' is {}",
                                op.symbol(),
                                Excerpt(&side.to_string()),
                                ty.describe()
                            ),
                            first_signal(side).unwrap_or(Node::Expr(side)),
                        ));
                    }
                }
                Ok(Type::Number(None))
            }
        }
    }
}

/// Why `what` (an operator, or `between`) cannot order the labels of
/// `signal`, a category that is not ordered.
#[cold]
fn unordered(signal: &Signal, what: &str) -> String {
    format!(
        "category '{}' is not ordered: declare \"ordered\": true on it to compare its labels \
         with '{what}'",
        signal.id()
    )
}

fn hint(left: Type<'_>, right: Type<'_>) -> &'static str {
    match (left, right) {
        (Type::Category(_), _) | (_, Type::Category(_)) => {
            ": compare a category with one of its labels in double quotes"
        }
        (Type::Flag, _) | (_, Type::Flag) => ": compare a flag with true or false",
        (Type::Text, _) | (_, Type::Text) => ": text is compared only with category signals",
        (Type::Duration, _) | (_, Type::Duration) => {
            ": a duration is compared only with a signal that has a time unit"
        }
        _ => "",
    }
}

/// Checks that `expr`, a text compared with category `signal`, is one of its labels.
fn label<'a>(signal: &Signal, expr: &'a Expr) -> Result<(), Failed<'a>> {
    let Expr::Text(text) = expr else {
        return Ok(());
    };
    if signal.label_index(text).is_some() {
        return Ok(());
    }
    Err(Failed {
        error: ErrorKind::UnknownLabel {
            signal: signal.id().to_owned(),
            label: text.clone(),
            suggestion: suggest(text, signal.labels()),
        }
        .into(),
        focus: Some(Node::Expr(expr)),
    })
}

fn is_constant(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Number(_) | Expr::Text(_) | Expr::Bool(_) | Expr::Duration(_)
    )
}

/// The first signal read in `expr`, to point an error at.
fn first_signal(expr: &Expr) -> Option<Node<'_>> {
    match expr {
        Expr::Signal(_) => Some(Node::Expr(expr)),
        Expr::Binary { left, right, .. } => first_signal(left).or_else(|| first_signal(right)),
        _ => None,
    }
}

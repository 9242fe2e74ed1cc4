//! `Display` for conditions: prints the text form, which parses back to the
//! same tree. Parentheses appear only where the tree needs them, including
//! around a nested `and`/`or` of the same kind, so nesting survives a round trip.

use std::fmt::{self, Display, Formatter, Write};

use crate::condition::{ArithOp, CompareOp, Condition, Expr};

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Bool(b) => write!(f, "{b}"),
            Condition::Compare {
                left: Expr::Signal(name),
                op: CompareOp::Eq,
                right: Expr::Bool(true),
            } => f.write_str(name),
            Condition::Compare { left, op, right } => {
                write!(f, "{left} {} {right}", op.symbol())
            }
            Condition::In { value, list } => {
                write!(f, "{value} in [")?;
                write_list(f, list)?;
                f.write_char(']')
            }
            Condition::Between { value, low, high } => {
                write!(f, "{value} between {low} and {high}")
            }
            Condition::Present(name) => write!(f, "present({name})"),
            Condition::Missing(name) => write!(f, "missing({name})"),
            Condition::Not(inner) => {
                f.write_str("not ")?;
                write_operand(f, inner, is_infix(inner))
            }
            Condition::All(items) | Condition::Any(items) if items.len() < 2 => {
                f.write_str(if matches!(self, Condition::All(_)) {
                    "all("
                } else {
                    "any("
                })?;
                write_list(f, items)?;
                f.write_char(')')
            }
            Condition::All(items) => write_infix(f, items, " and ", is_infix),
            Condition::Any(items) => write_infix(
                f,
                items,
                " or ",
                |item| matches!(item, Condition::Any(inner) if inner.len() >= 2),
            ),
            Condition::AtLeast { k, of } => {
                write!(f, "at_least({k}")?;
                for item in of {
                    write!(f, ", {item}")?;
                }
                f.write_char(')')
            }
        }
    }
}

/// Whether the condition prints as an infix `and`/`or` chain.
fn is_infix(condition: &Condition) -> bool {
    matches!(condition, Condition::All(items) | Condition::Any(items) if items.len() >= 2)
}

fn write_infix(
    f: &mut Formatter<'_>,
    items: &[Condition],
    separator: &str,
    needs_parens: fn(&Condition) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_operand(f, item, needs_parens(item))?;
    }
    Ok(())
}

fn write_operand(f: &mut Formatter<'_>, item: &Condition, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({item})")
    } else {
        write!(f, "{item}")
    }
}

fn write_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

fn precedence(op: ArithOp) -> u8 {
    match op {
        ArithOp::Add | ArithOp::Sub => 1,
        ArithOp::Mul | ArithOp::Div => 2,
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Signal(name) => f.write_str(name),
            // Shortest round-trip form; exponents for very large or small
            // magnitudes, so `1e300` does not print as 301 digits.
            Expr::Number(n) if *n != 0.0 && !(1e-6..1e16).contains(&n.abs()) => write!(f, "{n:e}"),
            Expr::Number(n) => write!(f, "{n}"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Text(text) => {
                f.write_char('"')?;
                for c in text.chars() {
                    if matches!(c, '"' | '\\') {
                        f.write_char('\\')?;
                    }
                    f.write_char(c)?;
                }
                f.write_char('"')
            }
            Expr::Binary { op, left, right } => {
                let binds = precedence(*op);
                // Operators are left-associative: a right operand of the same
                // precedence needs parentheses, a left one does not.
                let left_parens =
                    matches!(**left, Expr::Binary { op, .. } if precedence(op) < binds);
                let right_parens =
                    matches!(**right, Expr::Binary { op, .. } if precedence(op) <= binds);
                write_expr(f, left, left_parens)?;
                write!(f, " {} ", op.symbol())?;
                write_expr(f, right, right_parens)
            }
        }
    }
}

fn write_expr(f: &mut Formatter<'_>, expr: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl Display for ArithOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

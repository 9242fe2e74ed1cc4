//! `Display` for conditions: prints the text form, which parses back to the
//! same tree. Parentheses appear only where the tree needs them, including
//! around a nested `and`/`or` of the same kind, so nesting survives a round trip.
//!
//! The printer does not recurse, so no tree, however deep, exhausts the
//! stack: a node writes what comes before its first child, leaves the rest
//! (text, later children) on a work stack, and the printer moves on to the
//! first child. Reading a decision's explanation prints conditions on the
//! allocation-free path, so the work stack lives in a fixed array big enough
//! for any tree within the default [`Limits`](crate::Limits), and spills
//! onto the heap only past that. `Debug` shows the same text, because the
//! derived `Debug` recurses.

use std::fmt::{self, Debug, Display, Formatter, Write};

use crate::condition::{ArithOp, CompareOp, Condition, Expr};

/// Work for the printer.
#[derive(Clone, Copy)]
enum Part<'a> {
    Cond(&'a Condition),
    Expr(&'a Expr),
    /// Text written as it is.
    Text(&'a str),
    /// `word` with a space either side, then `value`, in parentheses when
    /// `parens`: the right-hand side of an operator or of `between`/`and`.
    Then {
        word: &'static str,
        value: &'a Expr,
        parens: bool,
    },
    /// The items of a list not printed yet, each after the separator.
    Conds(&'a [Condition], Join),
    /// ` in [` (or ` not in [`) and the items of the list, then `]`.
    InList(&'static str, &'a [Expr]),
    /// The items of an `in` list not printed yet, each after `, `.
    Exprs(&'a [Expr]),
}

/// How the items of a list of conditions are joined.
#[derive(Clone, Copy)]
enum Join {
    And,
    Or,
    /// Arguments of `all(...)`, `any(...)` and `at_least(...)`.
    Args,
}

impl Join {
    fn separator(self) -> &'static str {
        match self {
            Join::And => " and ",
            Join::Or => " or ",
            Join::Args => ", ",
        }
    }

    fn needs_parens(self, item: &Condition) -> bool {
        match self {
            Join::And => is_infix(item),
            Join::Or => matches!(item, Condition::Any(inner) if inner.len() >= 2),
            Join::Args => false,
        }
    }
}

/// Whether the condition prints as an infix `and`/`or` chain.
fn is_infix(condition: &Condition) -> bool {
    matches!(condition, Condition::All(items) | Condition::Any(items) if items.len() >= 2)
}

/// Parts kept in the printer's frame before it allocates. A node leaves at
/// most two parts on the stack while its children print, and a leaf none, so
/// this covers every tree up to 33 levels deep: everything the default
/// `max_depth` of 32 accepts.
const INLINE: usize = 64;

/// The printer's work stack: a fixed array, then the heap.
struct Stack<'a> {
    inline: [Part<'a>; INLINE],
    len: usize,
    spilled: Vec<Part<'a>>,
}

impl<'a> Stack<'a> {
    fn new() -> Self {
        Stack {
            inline: [Part::Text(""); INLINE],
            len: 0,
            spilled: Vec::new(),
        }
    }

    fn push(&mut self, part: Part<'a>) {
        match self.inline.get_mut(self.len) {
            // Once spilled, pushes go on the heap until it is empty again,
            // so the two together stay one stack.
            Some(slot) if self.spilled.is_empty() => {
                *slot = part;
                self.len += 1;
            }
            _ => self.spilled.push(part),
        }
    }

    fn pop(&mut self) -> Option<Part<'a>> {
        self.spilled.pop().or_else(|| {
            self.len = self.len.checked_sub(1)?;
            self.inline.get(self.len).copied()
        })
    }

    /// Writes `(` and leaves the `)` to come, when `parens`.
    fn open(&mut self, f: &mut Formatter<'_>, parens: bool) -> fmt::Result {
        if parens {
            f.write_char('(')?;
            self.push(Part::Text(")"));
        }
        Ok(())
    }

    /// Starts the list `items`: leaves all but the first for later and
    /// returns the first, after writing `(` if it needs it.
    fn first_of(
        &mut self,
        f: &mut Formatter<'_>,
        items: &'a [Condition],
        join: Join,
    ) -> Result<Option<Part<'a>>, fmt::Error> {
        let Some((first, rest)) = items.split_first() else {
            return Ok(None);
        };
        if !rest.is_empty() {
            self.push(Part::Conds(rest, join));
        }
        self.open(f, join.needs_parens(first))?;
        Ok(Some(Part::Cond(first)))
    }

    /// As [`first_of`](Stack::first_of), for the items of an `in` list.
    fn first_expr(&mut self, items: &'a [Expr]) -> Option<Part<'a>> {
        let (first, rest) = items.split_first()?;
        if !rest.is_empty() {
            self.push(Part::Exprs(rest));
        }
        Some(Part::Expr(first))
    }
}

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        print(f, Part::Cond(self))
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        print(f, Part::Expr(self))
    }
}

/// The text form inside `Condition(...)`, so that `{:?}` is as safe for
/// deep trees as `{}`, and reads as the condition does.
impl Debug for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "Condition({self})")
    }
}

/// As for [`Condition`]: the text form inside `Expr(...)`.
impl Debug for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({self})")
    }
}

fn print(f: &mut Formatter<'_>, root: Part<'_>) -> fmt::Result {
    let mut stack = Stack::new();
    let mut next = Some(root);
    while let Some(part) = next.take().or_else(|| stack.pop()) {
        next = step(f, part, &mut stack)?;
    }
    Ok(())
}

/// Writes what `part` begins with and leaves the rest on `stack`; returns
/// the part to print next, if it is not on the stack.
fn step<'a>(
    f: &mut Formatter<'_>,
    part: Part<'a>,
    stack: &mut Stack<'a>,
) -> Result<Option<Part<'a>>, fmt::Error> {
    match part {
        Part::Cond(condition) => print_condition(f, condition, stack),
        Part::Expr(expr) => print_expr(f, expr, stack),
        Part::Text(text) => f.write_str(text).map(|()| None),
        Part::Then {
            word,
            value,
            parens,
        } => {
            f.write_char(' ')?;
            f.write_str(word)?;
            f.write_char(' ')?;
            stack.open(f, parens)?;
            Ok(Some(Part::Expr(value)))
        }
        Part::Conds(items, join) => {
            f.write_str(join.separator())?;
            stack.first_of(f, items, join)
        }
        Part::InList(opening, items) => {
            f.write_str(opening)?;
            stack.push(Part::Text("]"));
            Ok(stack.first_expr(items))
        }
        Part::Exprs(items) => {
            f.write_str(", ")?;
            Ok(stack.first_expr(items))
        }
    }
}

fn print_condition<'a>(
    f: &mut Formatter<'_>,
    condition: &'a Condition,
    stack: &mut Stack<'a>,
) -> Result<Option<Part<'a>>, fmt::Error> {
    match condition {
        Condition::Bool(b) => write!(f, "{b}")?,
        Condition::Compare {
            left: Expr::Signal(name),
            op: CompareOp::Eq,
            right: Expr::Bool(true),
        } => f.write_str(name)?,
        Condition::Compare { left, op, right } => {
            stack.push(Part::Then {
                word: op.symbol(),
                value: right,
                parens: false,
            });
            return Ok(Some(Part::Expr(left)));
        }
        Condition::In { value, list } => {
            stack.push(Part::InList(" in [", list));
            return Ok(Some(Part::Expr(value)));
        }
        Condition::NotIn { value, list } => {
            stack.push(Part::InList(" not in [", list));
            return Ok(Some(Part::Expr(value)));
        }
        Condition::Between { value, low, high } => {
            for (word, value) in [("and", high), ("between", low)] {
                stack.push(Part::Then {
                    word,
                    value,
                    parens: false,
                });
            }
            return Ok(Some(Part::Expr(value)));
        }
        Condition::Present(name) => write!(f, "present({name})")?,
        Condition::Missing(name) => write!(f, "missing({name})")?,
        Condition::Not(inner) => {
            f.write_str("not ")?;
            stack.open(f, is_infix(inner))?;
            return Ok(Some(Part::Cond(inner)));
        }
        Condition::All(items) | Condition::Any(items) if items.len() < 2 => {
            f.write_str(if matches!(condition, Condition::All(_)) {
                "all("
            } else {
                "any("
            })?;
            stack.push(Part::Text(")"));
            return stack.first_of(f, items, Join::Args);
        }
        Condition::All(items) => return stack.first_of(f, items, Join::And),
        Condition::Any(items) => return stack.first_of(f, items, Join::Or),
        Condition::AtLeast { k, of } => {
            write!(f, "at_least({k}")?;
            stack.push(Part::Text(")"));
            if !of.is_empty() {
                stack.push(Part::Conds(of, Join::Args));
            }
        }
    }
    Ok(None)
}

fn precedence(op: ArithOp) -> u8 {
    match op {
        ArithOp::Add | ArithOp::Sub => 1,
        ArithOp::Mul | ArithOp::Div => 2,
    }
}

fn print_expr<'a>(
    f: &mut Formatter<'_>,
    expr: &'a Expr,
    stack: &mut Stack<'a>,
) -> Result<Option<Part<'a>>, fmt::Error> {
    match expr {
        Expr::Signal(name) => f.write_str(name)?,
        // Shortest round-trip form; exponents for very large or small
        // magnitudes, so `1e300` does not print as 301 digits.
        Expr::Number(n) if *n != 0.0 && !(1e-6..1e16).contains(&n.abs()) => write!(f, "{n:e}")?,
        Expr::Number(n) => write!(f, "{n}")?,
        Expr::Bool(b) => write!(f, "{b}")?,
        Expr::Duration(duration) => write!(f, "{duration}")?,
        Expr::Text(text) => {
            f.write_char('"')?;
            for c in text.chars() {
                if matches!(c, '"' | '\\') {
                    f.write_char('\\')?;
                }
                f.write_char(c)?;
            }
            f.write_char('"')?;
        }
        Expr::Binary { op, left, right } => {
            let binds = precedence(*op);
            // Operators are left-associative: a right operand of the same
            // precedence needs parentheses, a left one does not.
            let left_parens = matches!(**left, Expr::Binary { op, .. } if precedence(op) < binds);
            let right_parens =
                matches!(**right, Expr::Binary { op, .. } if precedence(op) <= binds);
            stack.push(Part::Then {
                word: op.symbol(),
                value: right,
                parens: right_parens,
            });
            stack.open(f, left_parens)?;
            return Ok(Some(Part::Expr(left)));
        }
    }
    Ok(None)
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

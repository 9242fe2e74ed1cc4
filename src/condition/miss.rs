//! Why a condition does not hold: the comparisons that failed it, each with
//! the customer's value, what the comparison needs, and the numeric gap.
//!
//! The finder walks the tree with the reference interpreter and asks it
//! whether each node holds, so a miss is reported exactly where the
//! interpreter says the condition fails. Recursive, as the interpreter is:
//! the conditions it walks were checked against the depth limit first.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::condition::interp::{Interpreter, Val};
use crate::condition::{CompareOp, Condition, Expr};
use crate::signal::Schema;
use crate::time::TimeUnit;

/// One comparison that kept a condition from holding: the customer's value
/// of what it compares, what it needs, and by how much it missed. Prints as
/// `reviews_read is 2, needs >= 3`.
///
/// Under `all` the comparisons that failed are named; under `any` each
/// one (all failed), the nearest first; under `not` a comparison that held
/// (`needs not >= 3`); `at_least(k, …)` names how many held, then those
/// that failed. Made by [`Condition::near_misses`] and
/// [`Engine::explain`](crate::Engine::explain).
///
/// ```
/// use buyer_journey::{models, Condition, Observed};
///
/// let schema = models::buying_process().schema()?;
/// let mut customer = schema.record();
/// customer.set("reviews_read", 2)?;
/// let misses = Condition::parse("reviews_read >= 3")?.near_misses(&schema, &customer)?;
/// assert_eq!(misses[0].to_string(), "reviews_read is 2, needs >= 3");
/// assert_eq!(misses[0].value, Observed::Number(2.0));
/// assert_eq!(misses[0].gap, Some(1.0));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NearMiss {
    /// The comparison that failed, as condition text: `reviews_read >= 3`.
    /// It parses back and, for the customer, does not hold (holds when
    /// `negated`).
    pub comparison: String,
    /// What the comparison tests, as condition text: the side that reads
    /// signals (`cart_adds + checkout_starts`), or the whole comparison
    /// for a constant or an `at_least` count.
    pub subject: String,
    /// The customer's value of the subject.
    pub value: Observed,
    /// The unit of time of the subject, when it is a signal that has one:
    /// its value and gap are in that unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<TimeUnit>,
    /// What the comparison needs of the subject, as text for people:
    /// `>= 3`, `in ['desktop', 'tablet']`, `between 1 and 4`, `present`,
    /// `not >= 3`.
    pub needs: String,
    /// The threshold minus the value, when both are numbers (for `in`, the
    /// nearest item; for `between`, the nearest bound; for `at_least`, how
    /// many more must hold): the value plus the gap reaches the threshold.
    /// None for labels, flags, missing values and `!=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
    /// Whether the comparison held and a `not` around it needed it not to.
    #[serde(default, skip_serializing_if = "is_false")]
    pub negated: bool,
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(x: &bool) -> bool {
    !*x
}

/// A customer's value as a [`NearMiss`] shows it. Serde: `"missing"`,
/// `{"number": 2.0}`, `{"flag": true}`, `{"label": "mobile"}`,
/// `{"held": {"held": 1, "of": 3}}`.
///
/// ```
/// use buyer_journey::Observed;
///
/// assert_eq!(Observed::Number(2.0).to_string(), "2");
/// assert_eq!(Observed::Label("mobile".into()).to_string(), "'mobile'");
/// assert_eq!(Observed::Missing.to_string(), "missing");
/// assert_eq!(Observed::Held { held: 1, of: 3 }.to_string(), "1 of 3 holding");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Observed {
    /// The value is missing (or arithmetic on it is).
    Missing,
    /// A number.
    Number(f64),
    /// A flag, or a constant condition.
    Flag(bool),
    /// A label of a category.
    Label(String),
    /// How many conditions of an `at_least` held.
    Held {
        /// How many held.
        held: usize,
        /// Of how many.
        of: usize,
    },
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observed::Missing => f.write_str("missing"),
            Observed::Number(n) => write!(f, "{n}"),
            Observed::Flag(b) => write!(f, "{b}"),
            Observed::Label(label) => write!(f, "'{label}'"),
            Observed::Held { held, of } => write!(f, "{held} of {of} holding"),
        }
    }
}

impl fmt::Display for NearMiss {
    /// `subject is value, needs …`, the value with its unit of time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}", self.subject, self.value)?;
        if let (Some(unit), Observed::Number(_)) = (self.unit, &self.value) {
            write!(f, " {unit}")?;
        }
        write!(f, ", needs {}", self.needs)
    }
}

/// The near misses of `condition`, checked against `schema`, for dense
/// `values`: empty exactly when the interpreter says it holds.
pub(crate) fn near_misses(condition: &Condition, schema: &Schema, values: &[f64]) -> Vec<NearMiss> {
    let finder = Finder {
        interp: Interpreter::new(schema, values),
        schema,
    };
    let mut misses = Vec::new();
    finder.misses(condition, true, &mut misses);
    misses
}

struct Finder<'a> {
    interp: Interpreter<'a>,
    schema: &'a Schema,
}

impl<'a> Finder<'a> {
    /// Adds the misses that keep `condition` from being `want`; none when
    /// it is.
    fn misses(&self, condition: &'a Condition, want: bool, out: &mut Vec<NearMiss>) {
        if self.interp.condition(condition) == want {
            return;
        }
        let negated = !want;
        match condition {
            Condition::Bool(_) => out.push(constant(condition, want)),
            Condition::Compare { left, op, right } => {
                out.push(self.compare(condition, left, *op, right, negated));
            }
            Condition::In { value, list } => {
                out.push(self.list(condition, value, list, "in", negated));
            }
            Condition::NotIn { value, list } => {
                out.push(self.list(condition, value, list, "not in", negated));
            }
            Condition::Between { value, low, high } => {
                out.push(self.between(condition, value, low, high, negated));
            }
            Condition::Present(name) => {
                out.push(self.presence(condition, name, "present", negated));
            }
            Condition::Missing(name) => {
                out.push(self.presence(condition, name, "missing", negated));
            }
            Condition::Not(inner) => self.misses(inner, !want, out),
            // Each item that fails `want` is a way to fix it: all of them
            // are needed for `all` (`any` under `not`), any one of them
            // for `any` (`all` under `not`), nearest first.
            Condition::All(items) | Condition::Any(items) => {
                let every_one = matches!(condition, Condition::All(_)) == want;
                if items.is_empty() {
                    out.push(constant(condition, want));
                } else if every_one {
                    for item in items {
                        self.misses(item, want, out);
                    }
                } else {
                    self.nearest_first(items, want, out);
                }
            }
            Condition::AtLeast { k, of } => {
                let held = of.iter().filter(|item| self.interp.condition(item)).count();
                out.push(count(condition, *k, held, of.len(), negated));
                self.nearest_first(of, want, out);
            }
        }
    }

    /// The misses of each item, the items whose nearest miss is nearest
    /// first; misses without a gap after those with one.
    fn nearest_first(&self, items: &'a [Condition], want: bool, out: &mut Vec<NearMiss>) {
        let mut groups: Vec<Vec<NearMiss>> = items
            .iter()
            .map(|item| {
                let mut misses = Vec::new();
                self.misses(item, want, &mut misses);
                misses
            })
            .filter(|misses| !misses.is_empty())
            .collect();
        let distance = |misses: &Vec<NearMiss>| {
            misses
                .iter()
                .filter_map(|miss| miss.gap)
                .map(f64::abs)
                .fold(f64::INFINITY, f64::min)
        };
        groups.sort_by(|a, b| distance(a).total_cmp(&distance(b)));
        out.extend(groups.into_iter().flatten());
    }

    fn compare(
        &self,
        condition: &Condition,
        left: &'a Expr,
        op: CompareOp,
        right: &'a Expr,
        negated: bool,
    ) -> NearMiss {
        // Read from the side of the signals: `3 <= x` is `x >= 3`.
        let (subject, op, other) = if !reads_signals(left) && reads_signals(right) {
            (right, op.mirror(), left)
        } else {
            (left, op, right)
        };
        let value = self.interp.operand(subject, other);
        let threshold = self.interp.operand(other, subject);
        let gap = match (value, threshold, op) {
            (_, _, CompareOp::Ne) => None,
            (Val::Number(value), Val::Number(threshold), _) => finite(threshold - value),
            _ => None,
        };
        let needs = format!("{op} {}", shown(other, threshold));
        self.miss(condition, subject, value, needs, gap, negated)
    }

    fn list(
        &self,
        condition: &Condition,
        subject: &'a Expr,
        list: &'a [Expr],
        word: &str,
        negated: bool,
    ) -> NearMiss {
        let value = self.interp.operand(subject, subject);
        let items: Vec<String> = list
            .iter()
            .map(|item| shown(item, self.interp.operand(item, subject)))
            .collect();
        let gap = match value {
            Val::Number(value) if word == "in" => list
                .iter()
                .filter_map(|item| match self.interp.operand(item, subject) {
                    Val::Number(n) => finite(n - value),
                    _ => None,
                })
                .min_by(|a, b| a.abs().total_cmp(&b.abs())),
            _ => None,
        };
        let needs = format!("{word} [{}]", items.join(", "));
        self.miss(condition, subject, value, needs, gap, negated)
    }

    fn between(
        &self,
        condition: &Condition,
        subject: &'a Expr,
        low: &'a Expr,
        high: &'a Expr,
        negated: bool,
    ) -> NearMiss {
        let value = self.interp.operand(subject, subject);
        let low_value = self.interp.operand(low, subject);
        let high_value = self.interp.operand(high, subject);
        let gap = match (value, low_value, high_value) {
            (Val::Number(v), Val::Number(low), Val::Number(high)) => {
                // The bound to cross: the one the value is beyond, or under
                // `not` the nearer one.
                let bound = if v < low || (v <= high && low - v >= v - high) {
                    low
                } else {
                    high
                };
                finite(bound - v)
            }
            _ => None,
        };
        let needs = format!(
            "between {} and {}",
            shown(low, low_value),
            shown(high, high_value)
        );
        self.miss(condition, subject, value, needs, gap, negated)
    }

    fn presence(&self, condition: &Condition, name: &str, word: &str, negated: bool) -> NearMiss {
        NearMiss {
            comparison: condition.to_string(),
            subject: name.to_owned(),
            value: observed(self.interp.signal(name)),
            unit: self.schema.find(name).and_then(|signal| signal.unit()),
            needs: needs(word.to_owned(), negated),
            gap: None,
            negated,
        }
    }

    fn miss(
        &self,
        condition: &Condition,
        subject: &Expr,
        value: Val<'_>,
        what: String,
        gap: Option<f64>,
        negated: bool,
    ) -> NearMiss {
        let unit = match subject {
            Expr::Signal(name) => self.schema.find(name).and_then(|signal| signal.unit()),
            _ => None,
        };
        NearMiss {
            comparison: condition.to_string(),
            subject: subject.to_string(),
            value: observed(value),
            unit,
            needs: needs(what, negated),
            gap,
            negated,
        }
    }
}

/// An operand as people read it: labels in single quotes, constants as
/// written, and anything reading signals with its value after it.
fn shown(expr: &Expr, value: Val<'_>) -> String {
    match expr {
        Expr::Text(text) => format!("'{text}'"),
        Expr::Number(_) | Expr::Bool(_) | Expr::Duration(_) => expr.to_string(),
        _ => format!("{expr} ({})", observed(value)),
    }
}

fn needs(what: String, negated: bool) -> String {
    if negated {
        format!("not {what}")
    } else {
        what
    }
}

/// A condition that is `!want` whatever the signals: a constant, or an
/// empty `all()`/`any()`.
fn constant(condition: &Condition, want: bool) -> NearMiss {
    let text = condition.to_string();
    NearMiss {
        comparison: text.clone(),
        subject: text,
        value: Observed::Flag(!want),
        unit: None,
        needs: want.to_string(),
        gap: None,
        negated: !want,
    }
}

/// How many items of an `at_least` held, against the `k` it needs.
#[allow(clippy::cast_precision_loss)] // counts are bounded by `Limits`
fn count(condition: &Condition, k: usize, held: usize, of: usize, negated: bool) -> NearMiss {
    let text = condition.to_string();
    NearMiss {
        comparison: text.clone(),
        subject: text,
        value: Observed::Held { held, of },
        unit: None,
        needs: if negated {
            format!("fewer than {k}")
        } else {
            format!("at least {k}")
        },
        gap: Some(k as f64 - held as f64),
        negated,
    }
}

fn observed(value: Val<'_>) -> Observed {
    match value {
        Val::Missing => Observed::Missing,
        Val::Number(n) => Observed::Number(n),
        Val::Flag(b) => Observed::Flag(b),
        Val::Label(label, _) => Observed::Label(label.to_owned()),
    }
}

fn finite(gap: f64) -> Option<f64> {
    gap.is_finite().then_some(gap)
}

/// Whether the value reads a signal, so that it is what a comparison tests.
fn reads_signals(expr: &Expr) -> bool {
    match expr {
        Expr::Signal(_) => true,
        Expr::Binary { left, right, .. } => reads_signals(left) || reads_signals(right),
        _ => false,
    }
}

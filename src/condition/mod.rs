//! Part of step 0 of the pipeline: the condition language, a small typed
//! language over signals, which every rule, tag, action and transition of a
//! ruleset is written in.
//!
//! This module is the language alone: its tree ([`Condition`], [`Expr`]),
//! the text form ([`Condition::parse`] and `Display`), the ruleset's way of
//! writing either ([`When`]), the check against a [`Schema`] and the
//! reference interpreter. The validation step of the pipeline checks each
//! condition of a ruleset with it; the compile step turns the checked trees
//! into bit formulas.
//!
//! A condition has two equivalent forms: readable text, parsed by
//! [`Condition::parse`] and printed back by `Display`, and the structured
//! [`Condition`] tree, which is also its serde form.
//!
//! # The text form
//!
//! | construct | example |
//! | --- | --- |
//! | comparison | `cart_adds >= 1`, `satisfaction < 5`, `plan == "pro"`, `is_member != true` |
//! | arithmetic with `+ - * /` | `reviews_read + info_page_views >= 3` |
//! | list | `plan in ["pro", "team"]`, `open_tickets in [1, 2]` |
//! | list, negated | `plan not in ["free", "trial"]` |
//! | range (inclusive) | `satisfaction between 0 and 4`, `month between "mar" and "may"` |
//! | duration | `days_since_visit < 2h`, `days_in_stage >= 7d`, `hours_idle between 20m and 1d12h` |
//! | flag alone | `is_member` (means `is_member == true`) |
//! | missing values | `present(days_since_purchase)`, `missing(satisfaction)` |
//! | connectives | `not`, `and`, `or`, binding in that order: `not a or b and c` is `(not a) or (b and c)` |
//! | groups | `(a or b) and c`, `all(a, b)`, `any(a, b)`, `at_least(2, a, b, c)` |
//! | constants | `true`, `false` |
//!
//! Numbers are decimal (`3`, `-0.5`, `1e3`); text is in double quotes with `\"`
//! and `\\` as escapes. A duration is a whole number with a unit, `d`, `h`,
//! `m` or `s`, or several, largest first (`1d12h`), written without spaces;
//! a number with letters straight after it is always read as a duration.
//!
//! The functions are `present()`, `missing()`, `all()`, `any()`,
//! `at_least()` and `not()` (the keyword before a group); any other name
//! before `(` is an error that lists them: conditions compare signals, and
//! arithmetic on signals, with constants.
//!
//! # Missing values
//!
//! A comparison that reads a missing signal is false; see [the signal
//! module](crate::Signals) for the full rules on missing values. That holds
//! for `not in` too, which makes it differ from `not` before `in`:
//!
//! | `x` | `x in [1, 2]` | `x not in [1, 2]` | `not (x in [1, 2])` |
//! | --- | --- | --- | --- |
//! | 1 | true | false | false |
//! | 3 | false | true | true |
//! | missing | false | **false** | **true** |
//!
//! # Types
//!
//! [`Condition::check`] checks a condition against a [`Schema`] before any
//! evaluation: numbers and counts compare with numbers and take arithmetic,
//! flags compare with `true`/`false` by `==`/`!=`, category signals compare
//! with their declared labels by `==`, `!=`, `in` and `not in`.
//!
//! A category declared `"ordered": true` (see
//! [`SignalSpec::ordered`](crate::SignalSpec::ordered)) also compares with
//! its labels by `<`, `<=`, `>`, `>=` and `between`, by their position in
//! the declared order; on any other category these are a type error.
//!
//! A duration compares (by any operator, in a list, as a bound of
//! `between`) only with a signal that has a unit of time
//! ([`SignalSpec::unit`](crate::SignalSpec::unit)), and is converted into
//! that unit exactly: against a signal in days, `2h` is `2/24`. Signals
//! derived with `days_since` and a transition's `days_in_stage` are in days
//! without declaring it. A plain number still compares with such a signal,
//! in its unit. A duration takes no part in arithmetic.
//!
//! ```
//! use buyer_journey::{Condition, Schema, SignalSpec, TimeUnit};
//!
//! let schema = Schema::new(&[
//!     SignalSpec::number("days_since_visit").unit(TimeUnit::Days),
//!     SignalSpec::category("tier", ["bronze", "silver", "gold"]).ordered(),
//!     SignalSpec::category("plan", ["free", "pro"]),
//! ])?;
//! let mut customer = schema.record();
//! customer.set("days_since_visit", 0.05)?; // 72 minutes
//! customer.set("tier", "silver")?;
//! let holds = |text: &str| Condition::parse(text)?.evaluate(&schema, &customer);
//! assert!(holds(r#"days_since_visit < 2h and tier >= "silver""#)?);
//! assert!(!holds("plan not in [\"free\"]")?); // `plan` is missing
//! assert!(holds("not (plan in [\"free\"])")?);
//!
//! let err = Condition::parse(r#"plan < "pro""#)?.check(&schema).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "category 'plan' is not ordered: declare \"ordered\": true on it to compare its labels with '<'",
//! );
//! # Ok::<(), buyer_journey::Error>(())
//! ```

mod alias;
mod check;
mod duration;
mod interp;
mod miss;
mod parse;
mod print;
mod span;
mod tree;
mod when;

use serde::{Deserialize, Serialize};

use tree::Node;

use crate::error::Error;
use crate::limits::{Bound, Limits};
use crate::signal::{Schema, Signals};

pub use duration::Duration;
pub(crate) use interp::evaluate_dense;
pub(crate) use miss::near_misses;
pub use miss::{NearMiss, Observed};
pub use when::When;

/// A condition: the structured form of the condition language.
///
/// Its serde form is externally tagged with `snake_case` names:
///
/// ```
/// use buyer_journey::Condition;
///
/// let text = Condition::parse("cart_adds >= 1 or checkout_starts >= 1")?;
/// let tree: Condition = serde_json::from_str(r#"{"any": [
///     {"compare": {"left": {"signal": "cart_adds"}, "op": ">=", "right": {"number": 1}}},
///     {"compare": {"left": {"signal": "checkout_starts"}, "op": ">=", "right": {"number": 1}}}
/// ]}"#).unwrap();
/// assert_eq!(text, tree);
/// assert_eq!(tree.to_string(), "cart_adds >= 1 or checkout_starts >= 1");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
///
/// # Printing and parsing back
///
/// `Display` prints the text form, which parses back to the same tree. The
/// print puts a space around every operator, so it can be longer than the
/// text the condition was parsed from: text near
/// [`Limits::max_expression_len`] may print past it, and then parses back
/// only under limits that admit the printed length.
///
/// ```
/// use buyer_journey::{Condition, Limits};
///
/// let text = ["cart_adds/purchases>=1"; 4].join(" or ");
/// let limits = Limits::default().max_expression_len(text.len());
/// let printed = Condition::parse_with(&text, &limits)?.to_string();
/// assert!(printed.len() > text.len());
/// assert!(Condition::parse_with(&printed, &limits).unwrap_err().is_limit());
/// let wider = Limits::default().max_expression_len(printed.len());
/// assert_eq!(Condition::parse_with(&printed, &wider)?, Condition::parse(&text)?);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
///
/// # Trees of any depth
///
/// [`Limits`] bound what the library accepts, not the trees a program can
/// build, so dropping, cloning, comparing and printing a condition never
/// recurse and are safe at any depth. `Debug` shows the text form, as
/// `Condition(a >= 1)`. Serialization nests a serializer call per level, so
/// it is an error for a tree deeper than 128 levels, counted as
/// [`Limits::max_depth`] counts them; deserialization relies on the format's
/// own bound (`serde_json` stops at 128 levels of nesting).
///
/// ```
/// use buyer_journey::Condition;
///
/// let deep = (0..100_000).fold(Condition::Present("a".into()), |inner, _| {
///     Condition::Not(Box::new(inner))
/// });
/// assert!(deep.clone() == deep);
/// assert!(deep.to_string().ends_with("not not present(a)"));
/// let err = serde_json::to_string(&deep).unwrap_err();
/// assert_eq!(err.to_string(), "cannot serialize a condition nested deeper than 128 levels");
/// ```
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Condition {
    /// A constant: `true` or `false`.
    Bool(bool),
    /// `left op right`; false when either side is missing.
    Compare {
        /// The left-hand value.
        left: Expr,
        /// The comparison.
        op: CompareOp,
        /// The right-hand value.
        right: Expr,
    },
    /// `value in [list]`: true when the value equals an item of the list.
    In {
        /// The value looked up.
        value: Expr,
        /// Constants of the value's type.
        list: Vec<Expr>,
    },
    /// `value between low and high`: `low <= value <= high`.
    Between {
        /// The value tested.
        value: Expr,
        /// The inclusive lower bound.
        low: Expr,
        /// The inclusive upper bound.
        high: Expr,
    },
    /// `present(signal)`: the signal has a value.
    Present(String),
    /// `missing(signal)`: the signal has no value.
    Missing(String),
    /// `not condition`.
    Not(Box<Condition>),
    /// `a and b and ...`; true when empty.
    All(Vec<Condition>),
    /// `a or b or ...`; false when empty.
    Any(Vec<Condition>),
    /// `at_least(k, a, b, ...)`: at least `k` of the conditions hold.
    AtLeast {
        /// How many must hold, at most the number of conditions.
        k: usize,
        /// The conditions counted.
        of: Vec<Condition>,
    },
    /// `value not in [list]`: the value is present and equals no item of
    /// the list. Like every comparison it is false on a missing value, so
    /// it is not `not (value in [list])`, which is true there.
    NotIn {
        /// The value looked up.
        value: Expr,
        /// Constants of the value's type.
        list: Vec<Expr>,
    },
}

/// A value inside a condition: a signal, a constant, or arithmetic.
///
/// ```
/// use buyer_journey::{ArithOp, Condition, CompareOp, Expr};
///
/// let sum = Expr::Binary {
///     op: ArithOp::Add,
///     left: Box::new(Expr::Signal("reviews_read".into())),
///     right: Box::new(Expr::Signal("info_page_views".into())),
/// };
/// let condition = Condition::Compare { left: sum, op: CompareOp::Ge, right: Expr::Number(3.0) };
/// assert_eq!(condition.to_string(), "reviews_read + info_page_views >= 3");
/// ```
///
/// Like a [`Condition`], a value of any depth drops, clones, compares and
/// prints without recursion, and serializes up to 128 levels deep.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Expr {
    /// The value of a signal.
    Signal(String),
    /// A finite number.
    Number(f64),
    /// A label of a category signal.
    Text(String),
    /// `true` or `false`, compared with a flag.
    Bool(bool),
    /// `left op right`; missing when either side is missing or the result is
    /// not finite.
    Binary {
        /// The operation.
        op: ArithOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// A length of time, `2h`, compared with a signal that has a unit of
    /// time and converted into it.
    Duration(Duration),
}

/// The comparison operators, listed once. Each entry is the variant, its
/// symbol, the operator with its sides swapped (`a < b` is `b > a`), and
/// when `a op b` holds for a value `a` that may be missing (NaN) and a
/// present number `b`: NaN compares false with everything, except that
/// `NaN != b` would hold, so `!=` tests for it.
///
/// [`CompareOp`] and its methods, and the compiled program's loops over
/// `signal op constant` comparisons, are all generated from this list.
macro_rules! compare_ops {
    ($callback:ident) => {
        $callback! {
            Lt "<" Gt |a, b| a < b;
            Le "<=" Ge |a, b| a <= b;
            Gt ">" Lt |a, b| a > b;
            Ge ">=" Le |a, b| a >= b;
            Eq "==" Eq |a, b| a == b;
            Ne "!=" Ne |a, b| !a.is_nan() && a != b;
        }
    };
}
pub(crate) use compare_ops;

macro_rules! define_compare_op {
    ($($variant:ident $symbol:literal $mirror:ident |$a:ident, $b:ident| $holds:expr;)*) => {
        /// A comparison operator. Serde uses the symbols (`"<="`).
        ///
        /// ```
        /// use buyer_journey::CompareOp;
        ///
        /// assert_eq!(CompareOp::Ge.to_string(), ">=");
        /// assert_eq!(serde_json::to_string(&CompareOp::Ne).unwrap(), "\"!=\"");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum CompareOp {
            $(
                #[doc = concat!("`", $symbol, "`")]
                #[serde(rename = $symbol)]
                $variant,
            )*
        }

        impl CompareOp {
            /// Every operator, in the order of the list.
            pub(crate) const ALL: &'static [CompareOp] = &[$(CompareOp::$variant),*];

            /// The operator's symbol.
            ///
            /// ```
            /// use buyer_journey::CompareOp;
            ///
            /// assert_eq!(CompareOp::Ge.symbol(), ">=");
            /// ```
            #[must_use]
            pub fn symbol(self) -> &'static str {
                match self {
                    $(CompareOp::$variant => $symbol,)*
                }
            }

            /// The operator with its sides swapped: `a < b` is `b > a`.
            pub(crate) fn mirror(self) -> CompareOp {
                match self {
                    $(CompareOp::$variant => CompareOp::$mirror,)*
                }
            }

            /// Whether `a op b` holds, for a value `a` that may be missing
            /// (NaN, then false) and a present `b`.
            #[inline]
            pub(crate) fn holds(self, a: f64, b: f64) -> bool {
                match self {
                    $(CompareOp::$variant => {
                        let ($a, $b) = (a, b);
                        $holds
                    })*
                }
            }
        }
    };
}
compare_ops!(define_compare_op);

/// An arithmetic operator. Serde uses the symbols (`"+"`).
///
/// ```
/// use buyer_journey::ArithOp;
///
/// assert_eq!(ArithOp::Div.to_string(), "/");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ArithOp {
    /// `+`
    #[serde(rename = "+")]
    Add,
    /// `-`
    #[serde(rename = "-")]
    Sub,
    /// `*`
    #[serde(rename = "*")]
    Mul,
    /// `/`
    #[serde(rename = "/")]
    Div,
}

impl ArithOp {
    /// The operator's symbol.
    ///
    /// ```
    /// use buyer_journey::ArithOp;
    ///
    /// assert_eq!(ArithOp::Add.symbol(), "+");
    /// ```
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }

    /// Applies the operation; a result that is not finite is missing (NaN).
    pub(crate) fn apply(self, left: f64, right: f64) -> f64 {
        let result = match self {
            ArithOp::Add => left + right,
            ArithOp::Sub => left - right,
            ArithOp::Mul => left * right,
            ArithOp::Div => left / right,
        };
        if result.is_finite() {
            result
        } else {
            f64::NAN
        }
    }
}

impl Condition {
    /// Parses the text form under the default [`Limits`].
    ///
    /// Parsing checks the grammar only; [`check`](Condition::check) checks
    /// names and types against a schema.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Syntax`](crate::ErrorKind::Syntax) with the column where
    /// the text breaks the grammar, and
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) for text longer than
    /// [`Limits::max_expression_len`], nested deeper than
    /// [`Limits::max_depth`] or larger than [`Limits::max_condition_size`].
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::Condition;
    ///
    /// let condition = Condition::parse("not (reviews_read >= 1 or info_page_views >= 1)")?;
    /// assert!(matches!(condition, Condition::Not(_)));
    ///
    /// let err = Condition::parse("reviews_read >= 1 and and").unwrap_err();
    /// assert_eq!(err.to_string(), "column 23: expected a condition, found 'and'");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Condition, Error> {
        Self::parse_with(text, &Limits::default())
    }

    /// Parses the text form under `limits`.
    ///
    /// # Errors
    ///
    /// As [`Condition::parse`].
    ///
    /// ```
    /// use buyer_journey::{Condition, Limits};
    ///
    /// let limits = Limits::default().max_depth(4);
    /// assert!(Condition::parse_with("a > 1", &limits).is_ok());
    /// assert!(Condition::parse_with("((((not not not not a))))", &limits).is_err());
    /// ```
    pub fn parse_with(text: &str, limits: &Limits) -> Result<Condition, Error> {
        parse::parse(text, limits)
    }

    /// Checks names and types against `schema`, under the default [`Limits`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) for an undeclared
    /// signal (with the nearest id as a suggestion),
    /// [`ErrorKind::UnknownLabel`](crate::ErrorKind::UnknownLabel) for a
    /// label the category does not declare,
    /// [`ErrorKind::Type`](crate::ErrorKind::Type) for values that cannot be
    /// compared or computed with, and
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) for a condition deeper or larger
    /// than the limits allow.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Condition};
    ///
    /// let schema = models::buying_process().schema()?;
    /// Condition::parse("cart_adds >= 1")?.check(&schema)?;
    ///
    /// let err = Condition::parse("cart_add >= 1")?.check(&schema).unwrap_err();
    /// assert_eq!(err.to_string(), "unknown signal 'cart_add', did you mean 'cart_adds'?");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn check(&self, schema: &Schema) -> Result<(), Error> {
        self.check_with(schema, &Limits::default())
    }

    /// Checks names and types against `schema`, under `limits`.
    ///
    /// ```
    /// use buyer_journey::{models, Condition, Limits};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let condition = Condition::parse("cart_adds >= 1")?;
    /// assert!(condition.check_with(&schema, &Limits::default()).is_ok());
    /// let tight = Limits::default().max_condition_size(2);
    /// assert!(condition.check_with(&schema, &tight).unwrap_err().is_limit());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Condition::check`].
    pub fn check_with(&self, schema: &Schema, limits: &Limits) -> Result<(), Error> {
        check::check_with_focus(self, schema, limits).map_err(|failed| failed.error)
    }

    /// Evaluates the condition for one customer with the reference
    /// tree-walking interpreter, the executable specification of the
    /// language. The compiled [`Engine`](crate::Engine) is tested against it.
    ///
    /// Checks the condition first, so a condition that does not fit the
    /// schema is an error, never a wrong answer. Allocates; the engine is the
    /// fast way to evaluate many customers.
    ///
    /// # Errors
    ///
    /// As [`Condition::check`].
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Condition};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let mut customer = schema.record();
    /// customer.set("reviews_read", 2)?;
    ///
    /// let condition = Condition::parse("reviews_read + info_page_views >= 2")?;
    /// // `info_page_views` is missing, so the sum is missing and the comparison false.
    /// assert!(!condition.evaluate(&schema, &customer)?);
    /// assert!(Condition::parse("missing(info_page_views)")?.evaluate(&schema, &customer)?);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn evaluate<S: Signals + ?Sized>(
        &self,
        schema: &Schema,
        signals: &S,
    ) -> Result<bool, Error> {
        self.evaluate_with(schema, signals, &Limits::default())
    }

    /// Evaluates the condition as [`evaluate`](Condition::evaluate) does,
    /// checking it under `limits`: a condition parsed with raised limits is
    /// evaluated with the same limits.
    ///
    /// # Errors
    ///
    /// As [`Condition::check_with`].
    ///
    /// ```
    /// use buyer_journey::{models, Condition, Limits};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let limits = Limits::default().max_depth(100);
    /// let deep = format!("{}cart_adds >= 1", "not ".repeat(61));
    /// let condition = Condition::parse_with(&deep, &limits)?;
    /// assert!(condition.evaluate(&schema, &schema.record()).unwrap_err().is_limit());
    /// assert!(condition.evaluate_with(&schema, &schema.record(), &limits)?);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn evaluate_with<S: Signals + ?Sized>(
        &self,
        schema: &Schema,
        signals: &S,
        limits: &Limits,
    ) -> Result<bool, Error> {
        self.check_with(schema, limits)?;
        let mut values = vec![f64::NAN; schema.len()];
        crate::signal::gather(schema, signals, &mut values);
        if schema.has_aliases() {
            let mut labelled = self.clone();
            alias::to_labels(&mut labelled, schema);
            return Ok(evaluate_dense(&labelled, schema, &values));
        }
        Ok(evaluate_dense(self, schema, &values))
    }

    /// Why the condition does not hold for one customer: the comparisons
    /// that failed it, with the customer's values, what each needs and by
    /// how much it missed (see [`NearMiss`]). Empty exactly when
    /// [`evaluate`](Condition::evaluate) is true, since both walk the tree
    /// with the same interpreter.
    ///
    /// Checks the condition first, as `evaluate` does. Allocates.
    ///
    /// # Errors
    ///
    /// As [`Condition::check`].
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Condition};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let mut customer = schema.record();
    /// customer.set("reviews_read", 2)?;
    /// let condition = Condition::parse("reviews_read >= 3 or cart_adds + checkout_starts >= 2")?;
    /// let misses: Vec<String> = condition
    ///     .near_misses(&schema, &customer)?
    ///     .iter()
    ///     .map(ToString::to_string)
    ///     .collect();
    /// assert_eq!(misses, [
    ///     "reviews_read is 2, needs >= 3",
    ///     "cart_adds + checkout_starts is missing, needs >= 2",
    /// ]);
    /// customer.set("reviews_read", 3)?;
    /// assert!(condition.near_misses(&schema, &customer)?.is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn near_misses<S: Signals + ?Sized>(
        &self,
        schema: &Schema,
        signals: &S,
    ) -> Result<Vec<NearMiss>, Error> {
        self.check(schema)?;
        let mut values = vec![f64::NAN; schema.len()];
        crate::signal::gather(schema, signals, &mut values);
        if schema.has_aliases() {
            let mut labelled = self.clone();
            alias::to_labels(&mut labelled, schema);
            return Ok(near_misses(&labelled, schema, &values));
        }
        Ok(near_misses(self, schema, &values))
    }

    /// The nesting depth and the number of nodes, measured without recursion
    /// so that even a tree built by hand far past the limits is safe to measure.
    pub(crate) fn measure(&self) -> (usize, usize) {
        tree::walk(Node::Cond(self)).fold((0, 0), |(depth, size), (_, level)| {
            (depth.max(level), size + 1)
        })
    }

    /// `Err(Error::Limit)` when the condition is deeper or larger than `limits`.
    pub(crate) fn check_size(&self, limits: &Limits) -> Result<(), Error> {
        let (depth, size) = self.measure();
        limits.check(Bound::Depth, depth, Default::default)?;
        limits.check(Bound::ConditionSize, size, Default::default)
    }
}

impl std::str::FromStr for Condition {
    type Err = Error;

    /// As [`Condition::parse`].
    fn from_str(text: &str) -> Result<Self, Error> {
        Condition::parse(text)
    }
}

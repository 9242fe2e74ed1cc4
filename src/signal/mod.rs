//! Step 0 of the pipeline, the input: what the host tells the engine about a
//! customer. A [`Schema`] declares the typed signals a ruleset reads; the
//! host fills a checked [`SignalRecord`] or implements [`Signals`] on its
//! own type; each evaluation gathers the values once into the engine's dense
//! layout.
//!
//! # Missing values
//!
//! Every signal may be missing: not set in a [`SignalRecord`], or `None` from
//! [`Signals::value`]. In conditions:
//!
//! - a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`, `in`, `between`) that
//!   reads a missing signal is **false**, so `not (x > 3)` is true when `x` is
//!   missing;
//! - arithmetic on a missing signal gives a missing value, and so does
//!   arithmetic whose result is not finite (division by zero);
//! - `present(x)` and `missing(x)` test for it explicitly.
//!
//! Values read through [`Signals`] are gathered once per evaluation. A value
//! that does not fit its signal (the wrong kind, a negative or fractional
//! count, an unknown label, NaN or an infinity) counts as missing there; the
//! checked [`SignalRecord::set`] rejects the same values with an error instead.

mod binding;
mod column;
mod record;
mod schema;
mod source;

use std::fmt;

use indexmap::IndexSet;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::event::Derivation;
use crate::index::SignalIndex;
use crate::names::suggest;

pub(crate) use binding::Fit;
pub use binding::{Binding, SignalFields};
pub use column::{Column, Columns};
pub use record::SignalRecord;
pub use schema::Schema;
pub(crate) use schema::SchemaBuilder;
pub(crate) use source::gather;
pub use source::Signals;

/// The kind of a signal, which decides the values it takes and the comparisons
/// it allows.
///
/// | kind | values | compared with |
/// | --- | --- | --- |
/// | `number` | any finite number | numbers, arithmetic |
/// | `count` | whole numbers >= 0 | numbers, arithmetic |
/// | `flag` | `true` / `false` | `true`, `false`, or alone: `is_member` |
/// | `category` | one of its declared labels | labels with `==`, `!=`, `in` |
///
/// ```
/// use buyer_journey::SignalKind;
///
/// let kind: SignalKind = serde_json::from_str("\"count\"").unwrap();
/// assert_eq!(kind, SignalKind::Count);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignalKind {
    /// Any finite number.
    Number,
    /// A whole number >= 0.
    Count,
    /// `true` or `false`.
    Flag,
    /// One of the signal's declared labels.
    Category,
}

impl SignalKind {
    /// Whether values of this kind are numbers (numbers and counts).
    ///
    /// ```
    /// use buyer_journey::SignalKind;
    ///
    /// assert!(SignalKind::Count.is_numeric());
    /// assert!(!SignalKind::Flag.is_numeric());
    /// ```
    pub fn is_numeric(self) -> bool {
        matches!(self, SignalKind::Number | SignalKind::Count)
    }

    pub(crate) fn with_article(self) -> &'static str {
        match self {
            SignalKind::Number => "a number",
            SignalKind::Count => "a count",
            SignalKind::Flag => "a flag",
            SignalKind::Category => "a category",
        }
    }
}

impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignalKind::Number => "number",
            SignalKind::Count => "count",
            SignalKind::Flag => "flag",
            SignalKind::Category => "category",
        })
    }
}

/// The declaration of one signal: the serde form used in a ruleset's `signals`.
///
/// ```
/// use buyer_journey::SignalSpec;
///
/// let spec: SignalSpec = serde_json::from_str(
///     r#"{"id": "plan", "kind": "category", "labels": ["free", "pro"]}"#,
/// ).unwrap();
/// assert_eq!(spec, SignalSpec::category("plan", ["free", "pro"]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SignalSpec {
    /// A `snake_case` id, unique in the schema and not a keyword of the
    /// condition language.
    pub id: String,
    /// The kind of values the signal takes.
    pub kind: SignalKind,
    /// The labels of a `category` signal; empty for the other kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// What the signal means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the signal is derived from the customer's events; `None` for a
    /// signal the host supplies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Derivation>,
}

impl SignalSpec {
    fn new(id: &str, kind: SignalKind) -> Self {
        SignalSpec {
            id: id.to_owned(),
            kind,
            labels: Vec::new(),
            description: None,
            from: None,
        }
    }

    /// A `number` signal.
    ///
    /// ```
    /// # use buyer_journey::{SignalKind, SignalSpec};
    /// assert_eq!(SignalSpec::number("satisfaction").kind, SignalKind::Number);
    /// ```
    #[must_use]
    pub fn number(id: &str) -> Self {
        Self::new(id, SignalKind::Number)
    }

    /// A `count` signal.
    ///
    /// ```
    /// # use buyer_journey::{SignalKind, SignalSpec};
    /// assert_eq!(SignalSpec::count("cart_adds").kind, SignalKind::Count);
    /// ```
    #[must_use]
    pub fn count(id: &str) -> Self {
        Self::new(id, SignalKind::Count)
    }

    /// A `flag` signal.
    ///
    /// ```
    /// # use buyer_journey::{SignalKind, SignalSpec};
    /// assert_eq!(SignalSpec::flag("is_member").kind, SignalKind::Flag);
    /// ```
    #[must_use]
    pub fn flag(id: &str) -> Self {
        Self::new(id, SignalKind::Flag)
    }

    /// A `category` signal with its labels.
    ///
    /// ```
    /// # use buyer_journey::SignalSpec;
    /// let plan = SignalSpec::category("plan", ["free", "pro"]);
    /// assert_eq!(plan.labels, ["free", "pro"]);
    /// ```
    #[must_use]
    pub fn category<I, L>(id: &str, labels: I) -> Self
    where
        I: IntoIterator<Item = L>,
        L: Into<String>,
    {
        SignalSpec {
            labels: labels.into_iter().map(Into::into).collect(),
            ..Self::new(id, SignalKind::Category)
        }
    }

    /// The same spec with a description.
    ///
    /// ```
    /// # use buyer_journey::SignalSpec;
    /// let spec = SignalSpec::count("cart_adds").describe("items added to a cart");
    /// assert_eq!(spec.description.as_deref(), Some("items added to a cart"));
    /// ```
    #[must_use]
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }

    /// The same spec, derived from the customer's events by `derivation`
    /// instead of supplied by the host.
    ///
    /// ```
    /// # use buyer_journey::{Derivation, SignalSpec, Tally};
    /// let spec = SignalSpec::count("purchases").from(Derivation::Count(Tally::of(&["purchase"])));
    /// assert!(spec.from.is_some());
    /// ```
    #[must_use]
    pub fn from(mut self, derivation: Derivation) -> Self {
        self.from = Some(derivation);
        self
    }
}

/// One declared signal of a [`Schema`].
///
/// ```
/// use buyer_journey::{models, SignalKind};
///
/// let schema = models::buying_process().schema()?;
/// let signal = schema.find("cart_adds").unwrap();
/// assert_eq!(signal.kind(), SignalKind::Count);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    index: SignalIndex,
    id: String,
    kind: SignalKind,
    labels: IndexSet<String>,
    description: Option<String>,
}

impl Signal {
    /// The signal's index in its schema.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let schema = models::buying_process().schema()?;
    /// let signal = schema.find("reviews_read").unwrap();
    /// assert_eq!(schema.signal(signal.index()), Some(signal));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> SignalIndex {
        self.index
    }

    /// The signal's id, as the ruleset names it.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let schema = models::buying_process().schema()?;
    /// let first = schema.iter().next().unwrap();
    /// assert_eq!(first.id(), "need_searches");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The signal's kind.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalKind, SignalSpec};
    ///
    /// let schema = Schema::new(&[SignalSpec::flag("member")])?;
    /// assert_eq!(schema.find("member").unwrap().kind(), SignalKind::Flag);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> SignalKind {
        self.kind
    }

    /// The labels of a category signal, in declaration order; empty otherwise.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let schema = Schema::new(&[SignalSpec::category("plan", ["free", "pro"]), SignalSpec::count("visits")])?;
    /// assert!(schema.find("plan").unwrap().labels().eq(["free", "pro"]));
    /// assert_eq!(schema.find("visits").unwrap().labels().len(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn labels(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.labels.iter().map(String::as_str)
    }

    /// What the signal means, if the schema says.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let schema = Schema::new(&[SignalSpec::count("visits").describe("site visits")])?;
    /// assert_eq!(schema.find("visits").unwrap().description(), Some("site visits"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub(crate) fn label_index(&self, label: &str) -> Option<usize> {
        self.labels.get_index_of(label)
    }

    /// The dense encoding of `value`: numbers as themselves, flags as 0 or 1,
    /// labels as their index. Allocation-free, so the gathering on the hot
    /// path can call it.
    pub(crate) fn encode(&self, value: Value<'_>) -> Result<f64, Misfit> {
        match (self.kind, value) {
            (SignalKind::Number | SignalKind::Count, Value::Number(v)) if !v.is_finite() => {
                Err(Misfit::NotFinite(v))
            }
            (SignalKind::Number, Value::Number(v)) => Ok(v),
            (SignalKind::Count, Value::Number(v)) if v < 0.0 || v.fract() != 0.0 => {
                Err(Misfit::BadCount(v))
            }
            // `+ 0.0` turns a `-0.0` count into `0.0`.
            (SignalKind::Count, Value::Number(v)) => Ok(v + 0.0),
            (SignalKind::Flag, Value::Flag(b)) => Ok(f64::from(u8::from(b))),
            (SignalKind::Category, Value::Label(label)) => {
                #[allow(clippy::cast_precision_loss)] // labels are bounded by `Limits`
                self.label_index(label)
                    .map(|i| i as f64)
                    .ok_or(Misfit::UnknownLabel)
            }
            (_, value) => Err(Misfit::WrongKind(value.kind_with_article())),
        }
    }

    /// The inverse of [`Signal::encode`]; `None` for a missing value.
    pub(crate) fn decode(&self, encoded: f64) -> Option<Value<'_>> {
        if encoded.is_nan() {
            return None;
        }
        Some(match self.kind {
            SignalKind::Number | SignalKind::Count => Value::Number(encoded),
            SignalKind::Flag => Value::Flag(encoded != 0.0),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            SignalKind::Category => Value::Label(self.labels.get_index(encoded as usize)?),
        })
    }

    /// As [`Signal::encode`], with a full error for the checked record.
    pub(crate) fn encode_checked(&self, value: Value<'_>) -> Result<f64, Error> {
        self.encode(value)
            .map_err(|misfit| self.misfit_error(misfit, value))
    }

    #[cold]
    fn misfit_error(&self, misfit: Misfit, value: Value<'_>) -> Error {
        match misfit {
            Misfit::NotFinite(value) => ErrorKind::NotFinite {
                signal: self.id.clone(),
                value,
            }
            .into(),
            Misfit::BadCount(value) => ErrorKind::InvalidCount {
                signal: self.id.clone(),
                value,
            }
            .into(),
            Misfit::UnknownLabel => {
                let label = match value {
                    Value::Label(label) => label,
                    _ => "",
                };
                ErrorKind::UnknownLabel {
                    signal: self.id.clone(),
                    label: label.to_owned(),
                    suggestion: suggest(label, self.labels()),
                }
                .into()
            }
            Misfit::WrongKind(found) => ErrorKind::WrongKind {
                signal: self.id.clone(),
                expected: self.kind.with_article(),
                found,
            }
            .into(),
        }
    }
}

/// Why a value does not fit its signal; a cheap stand-in for [`Error`] on the
/// hot path, where a misfit only means "missing".
#[derive(Debug, Clone, Copy)]
pub(crate) enum Misfit {
    NotFinite(f64),
    BadCount(f64),
    UnknownLabel,
    WrongKind(&'static str),
}

/// One signal's value, as the host gives it.
///
/// Built with `From` from numbers, `bool` and `&str`:
///
/// ```
/// use buyer_journey::Value;
///
/// assert_eq!(Value::from(3), Value::Number(3.0));
/// assert_eq!(Value::from(true), Value::Flag(true));
/// assert_eq!(Value::from("pro"), Value::Label("pro"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value<'a> {
    /// A value for a `number` or `count` signal.
    Number(f64),
    /// A value for a `flag` signal.
    Flag(bool),
    /// A value for a `category` signal: one of its labels.
    Label(&'a str),
}

impl Value<'_> {
    fn kind_with_article(self) -> &'static str {
        match self {
            Value::Number(_) => "a number",
            Value::Flag(_) => "a flag",
            Value::Label(_) => "a label",
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(v) => write!(f, "{v}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Label(label) => write!(f, "{label:?}"),
        }
    }
}

macro_rules! value_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<'_> {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn from(v: $t) -> Self {
                Value::Number(v as f64)
            }
        }
    )*};
}
value_from_number!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Flag(b)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(label: &'a str) -> Self {
        Value::Label(label)
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(label: &'a String) -> Self {
        Value::Label(label)
    }
}

//! What the host tells the engine about a customer: a schema of typed signals,
//! a checked dense record, and the [`Signals`] trait for the host's own types.
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

use std::fmt;
use std::sync::Arc;

use indexmap::{IndexMap, IndexSet};
use serde::{Deserialize, Serialize};

use crate::error::{suggest, Error, Location};
use crate::id::SignalId;
use crate::limits::{Bound, Limits};

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
///     r#"{"name": "plan", "kind": "category", "labels": ["free", "pro"]}"#,
/// ).unwrap();
/// assert_eq!(spec, SignalSpec::category("plan", ["free", "pro"]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalSpec {
    /// A snake_case name, unique in the schema and not a keyword of the
    /// condition language.
    pub name: String,
    /// The kind of values the signal takes.
    pub kind: SignalKind,
    /// The labels of a `category` signal; empty for the other kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// What the signal means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl SignalSpec {
    fn new(name: &str, kind: SignalKind) -> Self {
        SignalSpec {
            name: name.to_owned(),
            kind,
            labels: Vec::new(),
            description: None,
        }
    }

    /// A `number` signal.
    ///
    /// ```
    /// # use buyer_journey::{SignalKind, SignalSpec};
    /// assert_eq!(SignalSpec::number("satisfaction").kind, SignalKind::Number);
    /// ```
    pub fn number(name: &str) -> Self {
        Self::new(name, SignalKind::Number)
    }

    /// A `count` signal.
    ///
    /// ```
    /// # use buyer_journey::{SignalKind, SignalSpec};
    /// assert_eq!(SignalSpec::count("cart_adds").kind, SignalKind::Count);
    /// ```
    pub fn count(name: &str) -> Self {
        Self::new(name, SignalKind::Count)
    }

    /// A `flag` signal.
    ///
    /// ```
    /// # use buyer_journey::{SignalKind, SignalSpec};
    /// assert_eq!(SignalSpec::flag("is_member").kind, SignalKind::Flag);
    /// ```
    pub fn flag(name: &str) -> Self {
        Self::new(name, SignalKind::Flag)
    }

    /// A `category` signal with its labels.
    ///
    /// ```
    /// # use buyer_journey::SignalSpec;
    /// let plan = SignalSpec::category("plan", ["free", "pro"]);
    /// assert_eq!(plan.labels, ["free", "pro"]);
    /// ```
    pub fn category<I, L>(name: &str, labels: I) -> Self
    where
        I: IntoIterator<Item = L>,
        L: Into<String>,
    {
        SignalSpec {
            labels: labels.into_iter().map(Into::into).collect(),
            ..Self::new(name, SignalKind::Category)
        }
    }

    /// The same spec with a description.
    ///
    /// ```
    /// # use buyer_journey::SignalSpec;
    /// let spec = SignalSpec::count("cart_adds").describe("items added to a cart");
    /// assert_eq!(spec.description.as_deref(), Some("items added to a cart"));
    /// ```
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// One declared signal of a [`Schema`].
///
/// ```
/// use buyer_journey::{models, SignalKind};
///
/// let schema = models::buying_process().schema()?;
/// let signal = schema.get("cart_adds").unwrap();
/// assert_eq!(signal.kind(), SignalKind::Count);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    id: SignalId,
    name: String,
    kind: SignalKind,
    labels: IndexSet<String>,
    description: Option<String>,
}

impl Signal {
    /// The signal's dense id in its schema.
    pub fn id(&self) -> SignalId {
        self.id
    }

    /// The signal's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signal's kind.
    pub fn kind(&self) -> SignalKind {
        self.kind
    }

    /// The labels of a category signal, in declaration order; empty otherwise.
    pub fn labels(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.labels.iter().map(String::as_str)
    }

    /// What the signal means, if the schema says.
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
    fn encode_checked(&self, value: Value<'_>) -> Result<f64, Error> {
        self.encode(value)
            .map_err(|misfit| self.misfit_error(misfit, value))
    }

    #[cold]
    fn misfit_error(&self, misfit: Misfit, value: Value<'_>) -> Error {
        match misfit {
            Misfit::NotFinite(value) => Error::NotFinite {
                signal: self.name.clone(),
                value,
            },
            Misfit::BadCount(value) => Error::InvalidCount {
                signal: self.name.clone(),
                value,
            },
            Misfit::UnknownLabel => {
                let label = match value {
                    Value::Label(label) => label,
                    _ => "",
                };
                Error::UnknownLabel {
                    location: Location::default(),
                    signal: self.name.clone(),
                    label: label.to_owned(),
                    suggestion: suggest(label, self.labels()),
                }
            }
            Misfit::WrongKind(found) => Error::WrongKind {
                signal: self.name.clone(),
                expected: self.kind.with_article(),
                found,
            },
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

/// Words the condition language reserves; no signal may be named after one.
pub(crate) const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "between", "true", "false", "present", "missing", "all", "any",
    "at_least",
];

/// The validated, ordered set of signals a ruleset reads.
///
/// Cheap to clone: clones share one allocation.
///
/// # Example
///
/// ```
/// use buyer_journey::{Schema, SignalSpec};
///
/// let schema = Schema::new(&[SignalSpec::count("cart_adds"), SignalSpec::flag("is_member")])?;
/// assert_eq!(schema.len(), 2);
/// assert_eq!(schema.id("is_member").unwrap().index(), 1);
///
/// let err = Schema::new(&[SignalSpec::count("Cart Adds")]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "signals[0].name: 'Cart Adds' is not a snake_case name (a lowercase letter, then \
///      lowercase letters, digits or '_')",
/// );
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    signals: Arc<IndexMap<String, Signal>>,
}

impl Schema {
    /// Validates `specs` under the default [`Limits`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a name that is not snake_case, is a keyword or is
    /// declared twice, for a category without labels or with a repeated or
    /// empty label, and for labels on a signal that is not a category;
    /// [`Error::Limit`] for too many signals or labels.
    pub fn new(specs: &[SignalSpec]) -> Result<Self, Error> {
        Self::with_limits(specs, &Limits::default())
    }

    /// Validates `specs` under `limits`.
    ///
    /// # Errors
    ///
    /// As [`Schema::new`].
    pub fn with_limits(specs: &[SignalSpec], limits: &Limits) -> Result<Self, Error> {
        limits.check(Bound::Signals, specs.len(), || Location::new("signals"))?;
        let mut signals = IndexMap::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let at = |field: &str| Location::new(format!("signals[{i}]{field}"));
            check_name(&spec.name, "signal").map_err(|e| e.at(&format!("signals[{i}].name")))?;
            if signals.contains_key(&spec.name) {
                return Err(invalid(
                    at(".name"),
                    format!("signal '{}' is declared twice", spec.name),
                ));
            }
            let labels = check_labels(spec, limits, || at(".labels"))?;
            let signal = Signal {
                id: SignalId::new(i),
                name: spec.name.clone(),
                kind: spec.kind,
                labels,
                description: spec.description.clone(),
            };
            signals.insert(spec.name.clone(), signal);
        }
        Ok(Schema {
            signals: Arc::new(signals),
        })
    }

    /// The id of the signal called `name`.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// assert!(schema.id("cart_adds").is_some());
    /// assert!(schema.id("cart_add").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn id(&self, name: &str) -> Option<SignalId> {
        self.signals.get_index_of(name).map(SignalId::new)
    }

    /// The signal called `name`.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// assert_eq!(schema.get("purchases").unwrap().name(), "purchases");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<&Signal> {
        self.signals.get(name)
    }

    /// The signal with id `id`, if this schema issued it.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// let id = schema.id("satisfaction").unwrap();
    /// assert_eq!(schema.signal(id).unwrap().name(), "satisfaction");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn signal(&self, id: SignalId) -> Option<&Signal> {
        self.signals.get_index(id.index()).map(|(_, signal)| signal)
    }

    /// The signals in declaration order.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// assert_eq!(schema.iter().next().unwrap().name(), "need_searches");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Signal> + '_ {
        self.signals.values()
    }

    /// The number of signals.
    pub fn len(&self) -> usize {
        self.signals.len()
    }

    /// Whether the schema declares no signal.
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }

    /// An empty record for this schema: every signal missing.
    ///
    /// Allocates once; reuse the record with [`SignalRecord::clear`].
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// let record = schema.record();
    /// assert!(record.get("cart_adds").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn record(&self) -> SignalRecord {
        SignalRecord {
            schema: self.clone(),
            values: vec![f64::NAN; self.len()],
        }
    }

    /// The signal called `name`, or an [`Error::Unknown`] with a suggestion.
    pub(crate) fn resolve(&self, name: &str) -> Result<&Signal, Error> {
        self.get(name).ok_or_else(|| Error::Unknown {
            location: Location::default(),
            what: "signal",
            name: name.to_owned(),
            suggestion: suggest(name, self.signals.keys().map(String::as_str)),
        })
    }
}

fn invalid(location: Location, message: String) -> Error {
    Error::Invalid { location, message }
}

/// Checks that `name` is snake_case and not a keyword; `what` says what it
/// names (`"signal"`, `"stage"`, ...) in the message.
pub(crate) fn check_name(name: &str, what: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let snake = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        return Err(invalid(
            Location::default(),
            format!(
                "'{name}' is not a snake_case name (a lowercase letter, then lowercase letters, \
                 digits or '_')"
            ),
        ));
    }
    if KEYWORDS.contains(&name) {
        return Err(invalid(
            Location::default(),
            format!("'{name}' is a keyword of the condition language and cannot name a {what}"),
        ));
    }
    Ok(())
}

fn check_labels(
    spec: &SignalSpec,
    limits: &Limits,
    at: impl Fn() -> Location,
) -> Result<IndexSet<String>, Error> {
    if spec.kind != SignalKind::Category {
        if !spec.labels.is_empty() {
            return Err(invalid(
                at(),
                format!(
                    "signal '{}' is {} and cannot have labels",
                    spec.name,
                    spec.kind.with_article()
                ),
            ));
        }
        return Ok(IndexSet::new());
    }
    limits.check(Bound::Labels, spec.labels.len(), &at)?;
    if spec.labels.is_empty() {
        return Err(invalid(
            at(),
            format!("category signal '{}' needs at least one label", spec.name),
        ));
    }
    let mut labels = IndexSet::with_capacity(spec.labels.len());
    for label in &spec.labels {
        if label.is_empty() {
            return Err(invalid(
                at(),
                format!("signal '{}' has an empty label", spec.name),
            ));
        }
        if !labels.insert(label.clone()) {
            return Err(invalid(
                at(),
                format!("signal '{}' declares label '{label}' twice", spec.name),
            ));
        }
    }
    Ok(labels)
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

/// Where the engine reads a customer's signals: implement it on the host's own
/// type, or fill the library's [`SignalRecord`].
///
/// The engine calls [`value`](Signals::value) once per signal of the schema at
/// the start of each evaluation. A value that does not fit the signal (the
/// wrong kind, a negative or fractional count, an unknown label, NaN or an
/// infinity) counts as missing.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, Signal, Signals, Value};
///
/// struct Visitor {
///     reviews: u32,
///     guides: u32,
/// }
///
/// impl Signals for Visitor {
///     fn value(&self, signal: &Signal) -> Option<Value<'_>> {
///         match signal.name() {
///             "reviews_read" => Some(self.reviews.into()),
///             "info_page_views" => Some(self.guides.into()),
///             _ => None,
///         }
///     }
/// }
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let decision = engine.classify(&Visitor { reviews: 3, guides: 5 }, &mut scratch);
/// assert_eq!(decision.stage().id(), "information_search");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub trait Signals {
    /// The value of `signal` for this customer, or `None` when it is missing.
    fn value(&self, signal: &Signal) -> Option<Value<'_>>;

    /// Reads every signal at once. The default asks [`value`](Signals::value)
    /// for each; [`SignalRecord`], already in the engine's layout, copies.
    /// There is nothing to gain from overriding it outside this crate.
    #[doc(hidden)]
    fn gather_into(&self, gather: &mut Gather<'_>) {
        gather.each(self);
    }
}

/// Where [`Signals::gather_into`] writes: the dense values of one evaluation.
#[doc(hidden)]
#[derive(Debug)]
pub struct Gather<'a> {
    schema: &'a Schema,
    out: &'a mut [f64],
}

impl Gather<'_> {
    fn each<S: Signals + ?Sized>(&mut self, signals: &S) {
        for (slot, signal) in self.out.iter_mut().zip(self.schema.iter()) {
            *slot = signals
                .value(signal)
                .and_then(|value| signal.encode(value).ok())
                .unwrap_or(f64::NAN);
        }
    }
}

impl<S: Signals + ?Sized> Signals for &S {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        (**self).value(signal)
    }

    fn gather_into(&self, gather: &mut Gather<'_>) {
        (**self).gather_into(gather);
    }
}

impl<S: Signals + ?Sized> Signals for Box<S> {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        (**self).value(signal)
    }

    fn gather_into(&self, gather: &mut Gather<'_>) {
        (**self).gather_into(gather);
    }
}

/// Reads every signal of `schema` from `signals` into `out` (NaN = missing).
/// Allocation-free.
pub(crate) fn gather<S: Signals + ?Sized>(schema: &Schema, signals: &S, out: &mut [f64]) {
    signals.gather_into(&mut Gather { schema, out });
}

/// A customer's signals in the library's dense layout, filled by name and
/// checked against the [`Schema`].
///
/// Every signal starts missing. [`set`](SignalRecord::set) rejects a value that
/// does not fit its signal and leaves the record unchanged.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, Value};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut record = engine.record();
/// record.set("cart_adds", 2)?;
/// assert_eq!(record.get("cart_adds"), Some(Value::Number(2.0)));
///
/// let err = record.set("cart_adds", -1).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "signal 'cart_adds' is a count, so -1 is not allowed: counts are whole numbers >= 0",
/// );
/// assert_eq!(record.get("cart_adds"), Some(Value::Number(2.0)));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRecord {
    schema: Schema,
    values: Vec<f64>,
}

impl SignalRecord {
    /// Sets signal `name` to `value`.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a name the schema does not declare (with the
    /// nearest name as a suggestion), [`Error::WrongKind`],
    /// [`Error::InvalidCount`] for a negative or fractional count,
    /// [`Error::UnknownLabel`] and [`Error::NotFinite`]. The record is
    /// unchanged on error.
    pub fn set<'v>(&mut self, name: &str, value: impl Into<Value<'v>>) -> Result<(), Error> {
        let signal = self.schema.resolve(name)?;
        self.values[signal.id().index()] = signal.encode_checked(value.into())?;
        Ok(())
    }

    /// Sets the signal with id `id`, as [`set`](SignalRecord::set) does by name.
    ///
    /// # Errors
    ///
    /// As [`set`](SignalRecord::set); an id from another schema that is out of
    /// range is an [`Error::Unknown`].
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let schema = models::buying_process().schema()?;
    /// let mut record = schema.record();
    /// record.set_id(schema.id("reviews_read").unwrap(), 4)?;
    /// assert_eq!(record.get("reviews_read"), Some(Value::Number(4.0)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn set_id<'v>(&mut self, id: SignalId, value: impl Into<Value<'v>>) -> Result<(), Error> {
        let signal = self.schema.signal(id).ok_or_else(|| Error::Unknown {
            location: Location::default(),
            what: "signal id",
            name: id.index().to_string(),
            suggestion: None,
        })?;
        self.values[id.index()] = signal.encode_checked(value.into())?;
        Ok(())
    }

    /// Makes signal `name` missing again.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a name the schema does not declare.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("purchases", 1)?;
    /// record.unset("purchases")?;
    /// assert!(record.get("purchases").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn unset(&mut self, name: &str) -> Result<(), Error> {
        let id = self.schema.resolve(name)?.id();
        self.values[id.index()] = f64::NAN;
        Ok(())
    }

    /// Makes every signal missing, keeping the allocation for reuse.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("purchases", 1)?;
    /// record.clear();
    /// assert!(record.get("purchases").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn clear(&mut self) {
        self.values.fill(f64::NAN);
    }

    /// The value of signal `name`; `None` when it is missing or unknown.
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("satisfaction", 7.5)?;
    /// assert_eq!(record.get("satisfaction"), Some(Value::Number(7.5)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn get(&self, name: &str) -> Option<Value<'_>> {
        let signal = self.schema.get(name)?;
        signal.decode(self.values[signal.id().index()])
    }

    /// The schema the record follows.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The set signals and their values, in schema order.
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("cart_adds", 1)?;
    /// let set: Vec<_> = record.iter().map(|(signal, value)| (signal.name(), value)).collect();
    /// assert_eq!(set, [("cart_adds", Value::Number(1.0))]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&Signal, Value<'_>)> + '_ {
        self.schema
            .iter()
            .zip(&self.values)
            .filter_map(|(signal, &encoded)| Some((signal, signal.decode(encoded)?)))
    }
}

impl Signals for SignalRecord {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        // The engine asks with the signals of its own schema: when that is the
        // record's schema, read by position; otherwise match by name.
        match self.schema.signal(signal.id()) {
            Some(own) if std::ptr::eq(own, signal) => own.decode(self.values[signal.id().index()]),
            _ => self.get(signal.name()),
        }
    }

    fn gather_into(&self, gather: &mut Gather<'_>) {
        if Arc::ptr_eq(&self.schema.signals, &gather.schema.signals)
            && gather.out.len() == self.values.len()
        {
            gather.out.copy_from_slice(&self.values);
        } else {
            gather.each(self);
        }
    }
}

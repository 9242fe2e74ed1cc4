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
//! - a comparison (`<`, `<=`, `>`, `>=`, `==`, `!=`, `in`, `not in`,
//!   `between`) that reads a missing signal is **false**, so `not (x > 3)` is
//!   true when `x` is missing, and `x not in [1]` is false while
//!   `not (x in [1])` is true;
//! - arithmetic on a missing signal gives a missing value, and so does
//!   arithmetic whose result is not finite (division by zero);
//! - `present(x)` and `missing(x)` test for it explicitly.
//!
//! Values read through [`Signals`] are gathered once per evaluation. A value
//! that does not fit its signal (the wrong kind, a negative or fractional
//! count, an unknown label, NaN or an infinity, a number outside the
//! signal's [range](SignalSpec::range)) counts as missing there, and so it
//! does from a [`Binding`] and from [`Columns`]; the checked
//! [`SignalRecord::set`] and [`SignalRecord::set_text`] reject the same
//! values with an error instead.

mod binding;
mod column;
mod record;
mod schema;
mod source;

use std::fmt;

use indexmap::{IndexMap, IndexSet};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::event::{Derivation, ValueRange};
use crate::index::SignalIndex;
use crate::names::suggest;
use crate::time::TimeUnit;

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
/// | `category` | one of its declared labels | labels with `==`, `!=`, `in`; also `<`, `between` when ordered |
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
    /// The unit of a `number` or `count` signal that measures time, so
    /// conditions can compare it with durations (`hours_idle < 90m`).
    /// Signals derived with `days_since` are in days without declaring it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<TimeUnit>,
    /// Whether a `category` signal's labels are in order, as declared, so
    /// conditions can compare them with `<`, `<=`, `>`, `>=` and `between`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ordered: bool,
    /// The values a `number` or `count` signal may take (bounds included);
    /// `None` for any. A value outside it is an error for
    /// [`SignalRecord::set`] and counts as missing where values come
    /// without a way to fail ([`Signals`], [`Binding`], [`Columns`]). The
    /// bounds are finite, `min <= max`; a signal derived from events has
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<ValueRange>,
    /// Other names for the labels of a `category` signal, from alias to
    /// label (`{"March": "Mar", "3": "Mar"}`): accepted wherever a label is,
    /// in values and in conditions, and read as the label. Each alias names
    /// a declared label and is neither a label nor given twice; aliases
    /// count against [`Limits::max_labels`](crate::Limits::max_labels).
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "aliases::deserialize"
    )]
    pub aliases: IndexMap<String, String>,
}

impl SignalSpec {
    fn new(id: &str, kind: SignalKind) -> Self {
        SignalSpec {
            id: id.to_owned(),
            kind,
            labels: Vec::new(),
            description: None,
            from: None,
            unit: None,
            ordered: false,
            range: None,
            aliases: IndexMap::new(),
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

    /// The same spec, its values limited to `range`.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec, ValueRange};
    ///
    /// let schema = Schema::new(&[SignalSpec::number("age").within(ValueRange::between(0.0, 120.0))])?;
    /// let mut record = schema.record();
    /// let err = record.set("age", -1).unwrap_err();
    /// assert_eq!(err.to_string(), "signal 'age' must be within 0..=120, got -1");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn within(mut self, range: ValueRange) -> Self {
        self.range = Some(range);
        self
    }

    /// The same spec, with `alias` as another name for `label`.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec, Value};
    ///
    /// let month = SignalSpec::category("month", ["Jan", "Feb", "Mar"])
    ///     .alias("March", "Mar")
    ///     .alias("3", "Mar");
    /// let mut record = Schema::new(&[month])?.record();
    /// record.set("month", "March")?;
    /// assert_eq!(record.get("month"), Some(Value::Label("Mar")));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn alias(mut self, alias: &str, label: &str) -> Self {
        self.aliases.insert(alias.to_owned(), label.to_owned());
        self
    }

    /// The same spec, measuring time in `unit`: conditions compare it with
    /// durations, converted into `unit`.
    ///
    /// ```
    /// # use buyer_journey::{Condition, Schema, SignalSpec, TimeUnit};
    /// let schema = Schema::new(&[SignalSpec::number("hours_idle").unit(TimeUnit::Hours)])?;
    /// let mut customer = schema.record();
    /// customer.set("hours_idle", 1.0)?;
    /// assert!(Condition::parse("hours_idle < 90m")?.evaluate(&schema, &customer)?);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.unit = Some(unit);
        self
    }

    /// The same spec with its labels in order, as declared: conditions
    /// compare them by position.
    ///
    /// ```
    /// # use buyer_journey::{Condition, Schema, SignalSpec};
    /// let size = SignalSpec::category("size", ["small", "medium", "large"]).ordered();
    /// let schema = Schema::new(&[size])?;
    /// let mut customer = schema.record();
    /// customer.set("size", "medium")?;
    /// assert!(Condition::parse(r#"size >= "medium""#)?.evaluate(&schema, &customer)?);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn ordered(mut self) -> Self {
        self.ordered = true;
        self
    }
}

/// The serde form of [`SignalSpec::aliases`]: a map that rejects an alias
/// given twice, which a plain map would let the last one win.
mod aliases {
    use std::fmt;

    use indexmap::IndexMap;
    use serde::de::{self, MapAccess, Visitor};
    use serde::Deserializer;

    use crate::error::Excerpt;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<IndexMap<String, String>, D::Error> {
        struct Aliases;

        impl<'de> Visitor<'de> for Aliases {
            type Value = IndexMap<String, String>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from alias to label")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // No capacity from the size hint: it is untrusted.
                let mut aliases = IndexMap::new();
                while let Some((alias, label)) = map.next_entry::<String, String>()? {
                    if aliases.contains_key(&alias) {
                        return Err(de::Error::custom(format_args!(
                            "alias '{}' is given twice",
                            Excerpt(&alias)
                        )));
                    }
                    aliases.insert(alias, label);
                }
                Ok(aliases)
            }
        }

        deserializer.deserialize_map(Aliases)
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
    unit: Option<TimeUnit>,
    ordered: bool,
    range: Option<ValueRange>,
    /// The smallest and largest value allowed, finite: the range's bounds,
    /// or `±f64::MAX` without them, so one pair of comparisons rejects
    /// values out of range, infinities and NaN alike.
    low: f64,
    high: f64,
    /// Each alias and the index of the label it names.
    aliases: IndexMap<String, usize>,
}

impl Signal {
    /// The signal declared by `spec`, checked already, at `index`.
    fn new(
        index: SignalIndex,
        spec: &SignalSpec,
        labels: IndexSet<String>,
        aliases: IndexMap<String, usize>,
        unit: Option<TimeUnit>,
    ) -> Self {
        let range = spec.range.filter(|_| spec.kind.is_numeric());
        Signal {
            index,
            id: spec.id.clone(),
            kind: spec.kind,
            labels,
            description: spec.description.clone(),
            unit,
            ordered: spec.ordered,
            range,
            low: range.and_then(|r| r.min).unwrap_or(-f64::MAX),
            high: range.and_then(|r| r.max).unwrap_or(f64::MAX),
            aliases,
        }
    }

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

    /// The unit of a signal that measures time: declared, or days for a
    /// signal derived with `days_since`.
    ///
    /// ```
    /// use buyer_journey::{models, TimeUnit};
    ///
    /// let schema = models::buying_process().schema()?;
    /// assert_eq!(schema.find("days_since_purchase").unwrap().unit(), Some(TimeUnit::Days));
    /// assert_eq!(schema.find("cart_adds").unwrap().unit(), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// Whether the labels of a category signal are in order.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let schema = Schema::new(&[SignalSpec::category("size", ["s", "m", "l"]).ordered()])?;
    /// assert!(schema.find("size").unwrap().is_ordered());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    /// The range of values a `number` or `count` signal allows, if it has
    /// one.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec, ValueRange};
    ///
    /// let schema = Schema::new(&[SignalSpec::count("seats").within(ValueRange::between(1.0, 500.0))])?;
    /// assert_eq!(schema.find("seats").unwrap().range(), Some(ValueRange::between(1.0, 500.0)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn range(&self) -> Option<ValueRange> {
        self.range
    }

    /// The aliases of a category signal's labels, each with the label it
    /// names, in declaration order; empty otherwise.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let month = SignalSpec::category("month", ["Feb", "Mar"]).alias("March", "Mar");
    /// let schema = Schema::new(&[month])?;
    /// assert!(schema.find("month").unwrap().aliases().eq([("March", "Mar")]));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn aliases(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.aliases.iter().map(|(alias, &index)| {
            let label = self.labels.get_index(index).map_or("", String::as_str);
            (alias.as_str(), label)
        })
    }

    /// The declared label `text` names: the label itself, or the label an
    /// alias stands for; `None` for anything else. Labels are matched
    /// exactly, case and spaces included.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let month = SignalSpec::category("month", ["Feb", "Mar"]).alias("March", "Mar");
    /// let schema = Schema::new(&[month])?;
    /// let month = schema.find("month").unwrap();
    /// assert_eq!(month.label("March"), Some("Mar"));
    /// assert_eq!(month.label("Mar"), Some("Mar"));
    /// assert_eq!(month.label("march"), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn label(&self, text: &str) -> Option<&str> {
        let index = self.label_index(text)?;
        self.labels.get_index(index).map(String::as_str)
    }

    /// Reads a value of this signal from text, as a form, a CSV file or a
    /// command line gives it, and checks it as [`SignalRecord::set`] does:
    ///
    /// | kind | text |
    /// | --- | --- |
    /// | `number` | a decimal number as Rust's `f64` parser reads it (`42`, `-0.5`, `1e3`), finite |
    /// | `count` | the same, a whole number >= 0 (`3`, `3.0`, `1e3`) |
    /// | `flag` | `true`/`false`, `yes`/`no` or `1`/`0`, in any case |
    /// | `category` | one of its labels or their aliases, exactly (`"3"` is a label like any other) |
    ///
    /// Spaces around the text are ignored (a category tries the text as
    /// given first). Empty text, or only spaces, is a missing value: `None`.
    /// Allocates only for an error.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec, Value};
    ///
    /// let schema = Schema::new(&[SignalSpec::flag("member"), SignalSpec::count("visits")])?;
    /// let member = schema.find("member").unwrap();
    /// assert_eq!(member.parse_text(" Yes ")?, Some(Value::Flag(true)));
    /// assert_eq!(member.parse_text("")?, None);
    /// let err = member.parse_text("maybe").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "signal 'member' is a flag, so 'maybe' is not allowed: use true/false, yes/no or 1/0",
    /// );
    /// assert_eq!(schema.find("visits").unwrap().parse_text("1e3")?, Some(Value::Number(1000.0)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidText`](crate::ErrorKind::InvalidText) for text
    /// that is not a value of the signal's kind (a count that is not a
    /// whole number >= 0 included, and `inf` or `NaN` for numbers),
    /// [`ErrorKind::UnknownLabel`](crate::ErrorKind::UnknownLabel) for a
    /// category, and [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange).
    pub fn parse_text(&self, text: &str) -> Result<Option<Value<'_>>, Error> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let value = match self.kind {
            SignalKind::Number | SignalKind::Count => {
                let number = trimmed
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .filter(|&n| self.kind == SignalKind::Number || (n >= 0.0 && n.fract() == 0.0))
                    .ok_or_else(|| self.text_error(text))?;
                // `+ 0.0`: a count of `-0` is 0, as the record stores it.
                Value::Number(if self.kind == SignalKind::Count {
                    number + 0.0
                } else {
                    number
                })
            }
            SignalKind::Flag => {
                Value::Flag(parse_flag(trimmed).ok_or_else(|| self.text_error(text))?)
            }
            SignalKind::Category => {
                let label = self
                    .label(text)
                    .or_else(|| self.label(trimmed))
                    .ok_or_else(|| {
                        self.misfit_error(Misfit::UnknownLabel, Value::Label(trimmed))
                    })?;
                Value::Label(label)
            }
        };
        self.encode_checked(value)?;
        Ok(Some(value))
    }

    #[cold]
    fn text_error(&self, text: &str) -> Error {
        ErrorKind::InvalidText {
            signal: self.id.clone(),
            kind: self.kind,
            text: text.trim().to_owned(),
        }
        .into()
    }

    /// The index of the label `text` names, itself or through an alias.
    pub(crate) fn label_index(&self, text: &str) -> Option<usize> {
        self.labels
            .get_index_of(text)
            .or_else(|| self.aliases.get(text).copied())
    }

    /// The smallest and largest value allowed, both finite; with the kind's
    /// own bound for counts (>= 0).
    pub(crate) fn bounds(&self) -> (f64, f64) {
        match self.kind {
            SignalKind::Count => (self.low.max(0.0), self.high),
            _ => (self.low, self.high),
        }
    }

    /// The dense encoding of `value`: numbers as themselves, flags as 0 or 1,
    /// labels as their index. Allocation-free, so the gathering on the hot
    /// path can call it.
    pub(crate) fn encode(&self, value: Value<'_>) -> Result<f64, Misfit> {
        match (self.kind, value) {
            (SignalKind::Number | SignalKind::Count, Value::Number(v)) if !v.is_finite() => {
                Err(Misfit::NotFinite(v))
            }
            (SignalKind::Count, Value::Number(v)) if v < 0.0 || v.fract() != 0.0 => {
                Err(Misfit::BadCount(v))
            }
            (SignalKind::Number | SignalKind::Count, Value::Number(v))
                if v < self.low || v > self.high =>
            {
                Err(Misfit::OutOfRange(v))
            }
            (SignalKind::Number, Value::Number(v)) => Ok(v),
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
                    suggestion: suggest(
                        label,
                        self.labels().chain(self.aliases.keys().map(String::as_str)),
                    ),
                }
                .into()
            }
            Misfit::OutOfRange(value) => ErrorKind::OutOfRange {
                signal: self.id.clone(),
                range: self.range.unwrap_or_default(),
                value,
            }
            .into(),
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
    OutOfRange(f64),
    UnknownLabel,
    WrongKind(&'static str),
}

/// A flag's value from text: `true`/`false`, `yes`/`no`, `1`/`0`, in any case.
fn parse_flag(text: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "yes", "1"];
    const FALSE: [&str; 3] = ["false", "no", "0"];
    if TRUE.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if FALSE.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        None
    }
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

//! A customer's signals in the engine's dense layout, filled by id and
//! checked against the schema.

use super::{Schema, Signal, Signals, Value};
use crate::error::Error;
use crate::index::SignalIndex;

/// A customer's signals in the library's dense layout, filled by id and
/// checked against the [`Schema`].
///
/// Every signal starts missing. [`set`](SignalRecord::set) rejects a value that
/// does not fit its signal and leaves the record unchanged. Two records are
/// equal when their schemas are and every signal has the same value or is
/// missing in both.
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
#[derive(Debug, Clone)]
pub struct SignalRecord {
    schema: Schema,
    /// One encoded value per signal, in schema order; NaN is missing.
    values: Vec<f64>,
}

impl SignalRecord {
    pub(crate) fn new(schema: Schema) -> Self {
        SignalRecord {
            values: vec![f64::NAN; schema.len()],
            schema,
        }
    }

    /// A record of `schema` without room for values, to hold a record's
    /// place while it is lent out; allocates nothing.
    pub(crate) fn placeholder(schema: Schema) -> Self {
        SignalRecord {
            schema,
            values: Vec::new(),
        }
    }

    /// Sets the signal with id `id` to `value`.
    ///
    /// ```
    /// use buyer_journey::{ErrorKind, Schema, SignalSpec, Value};
    ///
    /// let schema = Schema::new(&[SignalSpec::count("visits"), SignalSpec::category("plan", ["free", "pro"])])?;
    /// let mut record = schema.record();
    /// record.set("visits", 3)?;
    /// record.set("plan", "pro")?;
    /// assert_eq!(record.get("plan"), Some(Value::Label("pro")));
    /// let err = record.set("visits", 2.5).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::InvalidCount { .. }));
    /// assert_eq!(record.get("visits"), Some(Value::Number(3.0))); // unchanged
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) for an id the schema
    /// does not declare (with the nearest id as a suggestion),
    /// [`ErrorKind::WrongKind`](crate::ErrorKind::WrongKind),
    /// [`ErrorKind::InvalidCount`](crate::ErrorKind::InvalidCount) for a
    /// negative or fractional count,
    /// [`ErrorKind::UnknownLabel`](crate::ErrorKind::UnknownLabel) (a label
    /// may be given by one of its [aliases](crate::SignalSpec::aliases)),
    /// [`ErrorKind::NotFinite`](crate::ErrorKind::NotFinite) and
    /// [`ErrorKind::OutOfRange`](crate::ErrorKind::OutOfRange) for a number
    /// outside the signal's [range](crate::SignalSpec::range). The record is
    /// unchanged on error.
    pub fn set<'v>(&mut self, id: &str, value: impl Into<Value<'v>>) -> Result<(), Error> {
        let signal = self.schema.resolve(id)?;
        self.values[signal.index().as_usize()] = signal.encode_checked(value.into())?;
        Ok(())
    }

    /// Sets the signal at `index`, as [`set`](SignalRecord::set) does by id:
    /// the fast way to fill a record, with the indices looked up once.
    ///
    /// # Errors
    ///
    /// As [`set`](SignalRecord::set); an index from another schema that is
    /// out of range is an [`ErrorKind::Unknown`](crate::ErrorKind::Unknown).
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let schema = models::buying_process().schema()?;
    /// let reviews = schema.find("reviews_read").unwrap().index();
    /// let mut record = schema.record();
    /// record.set_at(reviews, 4)?;
    /// assert_eq!(record.get("reviews_read"), Some(Value::Number(4.0)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn set_at<'v>(
        &mut self,
        index: SignalIndex,
        value: impl Into<Value<'v>>,
    ) -> Result<(), Error> {
        let signal = self
            .schema
            .signal(index)
            .ok_or_else(|| Error::unknown("signal index", &index.as_usize().to_string(), None))?;
        self.values[index.as_usize()] = signal.encode_checked(value.into())?;
        Ok(())
    }

    /// Sets the signal with id `id` from its text form, as
    /// [`Signal::parse_text`] reads it: `"3"`, `"yes"`, `"pro"`. Empty text
    /// (or only spaces) makes the signal missing.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec, Value, ValueRange};
    ///
    /// let schema = Schema::new(&[
    ///     SignalSpec::number("age").within(ValueRange::between(0.0, 120.0)),
    ///     SignalSpec::flag("member"),
    ///     SignalSpec::category("month", ["Feb", "Mar"]).alias("March", "Mar"),
    /// ])?;
    /// let mut record = schema.record();
    /// record.set_text("age", " 42 ")?;
    /// record.set_text("member", "YES")?;
    /// record.set_text("month", "March")?;
    /// assert_eq!(record.get("age"), Some(Value::Number(42.0)));
    /// assert_eq!(record.get("member"), Some(Value::Flag(true)));
    /// assert_eq!(record.get("month"), Some(Value::Label("Mar")));
    ///
    /// let err = record.set_text("age", "-1").unwrap_err();
    /// assert_eq!(err.to_string(), "signal 'age' must be within 0..=120, got -1");
    /// record.set_text("age", "")?;
    /// assert_eq!(record.get("age"), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) for an id the schema
    /// does not declare, and the errors of [`Signal::parse_text`]. The
    /// record is unchanged on error.
    pub fn set_text(&mut self, id: &str, text: &str) -> Result<(), Error> {
        let index = self.schema.resolve(id)?.index();
        self.set_text_at(index, text)
    }

    /// Sets the signal at `index` from its text form, as
    /// [`set_text`](SignalRecord::set_text) does by id.
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let schema = models::buying_process().schema()?;
    /// let purchases = schema.find("purchases").unwrap().index();
    /// let mut record = schema.record();
    /// record.set_text_at(purchases, "2")?;
    /// assert_eq!(record.get("purchases"), Some(Value::Number(2.0)));
    /// assert!(record.set_text_at(purchases, "2.5").is_err());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`set_text`](SignalRecord::set_text); an index from another schema
    /// that is out of range is an [`ErrorKind::Unknown`](crate::ErrorKind::Unknown).
    pub fn set_text_at(&mut self, index: SignalIndex, text: &str) -> Result<(), Error> {
        let signal = self
            .schema
            .signal(index)
            .ok_or_else(|| Error::unknown("signal index", &index.as_usize().to_string(), None))?;
        let encoded = match signal.parse_text(text)? {
            Some(value) => signal.encode_checked(value)?,
            None => f64::NAN,
        };
        self.values[index.as_usize()] = encoded;
        Ok(())
    }

    /// Makes the signal with id `id` missing again.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) for an id the schema
    /// does not declare.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("purchases", 1)?;
    /// record.unset("purchases")?;
    /// assert!(record.get("purchases").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn unset(&mut self, id: &str) -> Result<(), Error> {
        let index = self.schema.resolve(id)?.index();
        self.values[index.as_usize()] = f64::NAN;
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

    /// The value of the signal with id `id`; `None` when it is missing or
    /// unknown.
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("satisfaction", 7.5)?;
    /// assert_eq!(record.get("satisfaction"), Some(Value::Number(7.5)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, id: &str) -> Option<Value<'_>> {
        let signal = self.schema.find(id)?;
        signal.decode(self.values[signal.index().as_usize()])
    }

    /// The schema the record follows.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let schema = Schema::new(&[SignalSpec::count("visits")])?;
    /// assert_eq!(schema.record().schema(), &schema);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The set signals and their values, in schema order.
    ///
    /// ```
    /// # use buyer_journey::{models, Value};
    /// let mut record = models::buying_process().schema()?.record();
    /// record.set("cart_adds", 1)?;
    /// let set: Vec<_> = record.iter().map(|(signal, value)| (signal.id(), value)).collect();
    /// assert_eq!(set, [("cart_adds", Value::Number(1.0))]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&Signal, Value<'_>)> + '_ {
        self.schema
            .iter()
            .zip(&self.values)
            .filter_map(|(signal, &encoded)| Some((signal, signal.decode(encoded)?)))
    }

    /// The encoded values, to overwrite in place: the engine writes the
    /// signals it derives from events here.
    pub(crate) fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// The encoded values, when `schema` is the record's own: then they are
    /// already in its layout.
    pub(crate) fn values_in(&self, schema: &Schema) -> Option<&[f64]> {
        self.schema.same_layout(schema).then_some(&self.values[..])
    }
}

impl PartialEq for SignalRecord {
    /// Missing (NaN inside) equals missing; `-0.0` equals `0.0`.
    fn eq(&self, other: &Self) -> bool {
        self.schema == other.schema
            && self.values.len() == other.values.len()
            && self
                .values
                .iter()
                .zip(&other.values)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()))
    }
}

impl Signals for SignalRecord {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        // The engine asks with the signals of its own schema: when that is the
        // record's schema, read by position; otherwise match by id.
        match self.schema.signal(signal.index()) {
            Some(own) if std::ptr::eq(own, signal) => {
                own.decode(self.values[signal.index().as_usize()])
            }
            _ => self.get(signal.id()),
        }
    }

    fn as_record(&self) -> Option<&SignalRecord> {
        Some(self)
    }
}

//! A host's own struct bound to a schema once, and read in one call per
//! customer instead of one call per signal.

use std::fmt;
use std::marker::PhantomData;

use super::{Schema, Signal, SignalKind, SignalRecord};
use crate::error::Error;
use crate::names::suggest;

/// A host type that holds a customer's signals in its fields, read through a
/// [`Binding`] with one call per customer.
///
/// [`SIGNALS`](SignalFields::SIGNALS) names the signal of each value
/// [`write_fields`](SignalFields::write_fields) writes, in order. Values are
/// numbers in the engine's encoding:
///
/// | kind | value |
/// | --- | --- |
/// | `number` | the number |
/// | `count` | the count (a whole number >= 0) |
/// | `flag` | `0.0` or `1.0` (`f64::from(flag)`) |
/// | `category` | the position of the label among the signal's declared labels |
/// | missing | `f64::NAN` |
///
/// As with [`Signals`](crate::Signals), a value that does not fit its signal
/// (a negative or fractional count, a flag other than 0 or 1, a label
/// position out of range, NaN or an infinity, a number outside the signal's
/// [range](crate::SignalSpec::range)) counts as missing.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, SignalFields};
///
/// struct Visitor {
///     reviews: u32,
///     guides: u32,
///     satisfaction: Option<f64>,
/// }
///
/// impl SignalFields for Visitor {
///     const SIGNALS: &'static [&'static str] = &["reviews_read", "info_page_views", "satisfaction"];
///
///     fn write_fields(&self, values: &mut [f64]) {
///         values[0] = f64::from(self.reviews);
///         values[1] = f64::from(self.guides);
///         values[2] = self.satisfaction.unwrap_or(f64::NAN);
///     }
/// }
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// // Once, at start-up: field → signal.
/// let mut binding = engine.schema().bind::<Visitor>()?;
/// let mut scratch = engine.scratch();
///
/// let visitor = Visitor { reviews: 3, guides: 5, satisfaction: None };
/// let decision = engine.classify(binding.read(&visitor), &mut scratch);
/// assert_eq!(decision.stage().id(), "information_search");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub trait SignalFields {
    /// The id of the signal of each value, in the order
    /// [`write_fields`](SignalFields::write_fields) writes them. Each id at
    /// most once; signals of the schema not named here are missing.
    const SIGNALS: &'static [&'static str];

    /// Writes this customer's values into `values`, one per entry of
    /// [`SIGNALS`](SignalFields::SIGNALS) and in that order. `values` has
    /// exactly that many slots, each `f64::NAN` (missing) on entry.
    fn write_fields(&self, values: &mut [f64]);
}

/// A [`SignalFields`] type bound to a schema: which signal each field is,
/// resolved once by [`Schema::bind`], and a record that
/// [`read`](Binding::read) fills from one value of the type in one call.
///
/// The record is of the schema the binding was made from, so an engine of
/// that schema (or of an equal one) copies it in one go. Reading allocates
/// nothing; keep one binding per thread (it is `Clone`).
///
/// [`SignalFields`] has the example.
pub struct Binding<T: ?Sized> {
    record: SignalRecord,
    /// Where each field goes: the signal's position in the schema, and how
    /// its value is checked.
    fields: Vec<(usize, Fit)>,
    /// Whether the fields are the schema's signals in schema order, so they
    /// are written straight into the record.
    in_order: bool,
    /// Where the fields are written when they are not in schema order.
    staging: Vec<f64>,
    host: PhantomData<fn(&T)>,
}

impl<T: ?Sized> Clone for Binding<T> {
    fn clone(&self) -> Self {
        Binding {
            record: self.record.clone(),
            fields: self.fields.clone(),
            in_order: self.in_order,
            staging: self.staging.clone(),
            host: PhantomData,
        }
    }
}

impl<T: ?Sized> fmt::Debug for Binding<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Binding")
            .field("host", &std::any::type_name::<T>())
            .field("fields", &self.fields.len())
            .field("in_order", &self.in_order)
            .finish_non_exhaustive()
    }
}

impl<T: SignalFields + ?Sized> Binding<T> {
    /// Fills the binding's record from `row`: one call of
    /// [`write_fields`](SignalFields::write_fields), then each value checked
    /// against its signal (a value that does not fit is missing). Every
    /// signal `T` does not name is missing.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalFields, SignalSpec, Value};
    ///
    /// struct Account {
    ///     plan: usize,
    ///     seats: i64,
    /// }
    ///
    /// impl SignalFields for Account {
    ///     // Not in schema order: the binding places each value.
    ///     const SIGNALS: &'static [&'static str] = &["seats", "plan"];
    ///
    ///     fn write_fields(&self, values: &mut [f64]) {
    ///         values[0] = self.seats as f64;
    ///         values[1] = self.plan as f64;
    ///     }
    /// }
    ///
    /// let schema = Schema::new(&[
    ///     SignalSpec::category("plan", ["free", "pro"]),
    ///     SignalSpec::count("seats"),
    ///     SignalSpec::flag("trial"),
    /// ])?;
    /// let mut binding = schema.bind::<Account>()?;
    /// let record = binding.read(&Account { plan: 1, seats: 12 });
    /// assert_eq!(record.get("plan"), Some(Value::Label("pro")));
    /// assert_eq!(record.get("seats"), Some(Value::Number(12.0)));
    /// assert_eq!(record.get("trial"), None);
    ///
    /// // Values that do not fit are missing: no such label, a negative count.
    /// let record = binding.read(&Account { plan: 2, seats: -1 });
    /// assert_eq!(record.get("plan"), None);
    /// assert_eq!(record.get("seats"), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn read(&mut self, row: &T) -> &SignalRecord {
        let values = self.record.values_mut();
        if self.in_order {
            values.fill(f64::NAN);
            row.write_fields(values);
            for (value, (_, fit)) in values.iter_mut().zip(&self.fields) {
                *value = fit.apply(*value);
            }
        } else {
            self.staging.fill(f64::NAN);
            row.write_fields(&mut self.staging);
            values.fill(f64::NAN);
            for (&value, &(slot, fit)) in self.staging.iter().zip(&self.fields) {
                if let Some(slot) = values.get_mut(slot) {
                    *slot = fit.apply(value);
                }
            }
        }
        &self.record
    }
}

impl Schema {
    /// Binds the host type `T` to this schema: looks up the signal of each
    /// of its [`SIGNALS`](SignalFields::SIGNALS) once, so that
    /// [`Binding::read`] fills a record in one call per customer.
    /// [`SignalFields`] has an example.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) for an id the schema
    /// does not declare (with the nearest id as a suggestion), and
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for an id named
    /// twice; located at `SIGNALS[i]`.
    ///
    /// ```
    /// use buyer_journey::{models, SignalFields};
    ///
    /// struct Typo;
    ///
    /// impl SignalFields for Typo {
    ///     const SIGNALS: &'static [&'static str] = &["cart_adds", "review_read"];
    ///     fn write_fields(&self, _: &mut [f64]) {}
    /// }
    ///
    /// let schema = models::buying_process().schema()?;
    /// let err = schema.bind::<Typo>().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "SIGNALS[1]: unknown signal 'review_read', did you mean 'reviews_read'?",
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn bind<T: SignalFields + ?Sized>(&self) -> Result<Binding<T>, Error> {
        let mut fields: Vec<(usize, Fit)> = Vec::with_capacity(T::SIGNALS.len());
        for (i, id) in T::SIGNALS.iter().enumerate() {
            let at = format!("SIGNALS[{i}]");
            let signal = self.find(id).ok_or_else(|| {
                Error::unknown("signal", id, suggest(id, self.iter().map(|s| s.id()))).at(&at)
            })?;
            let slot = signal.index().as_usize();
            if fields.iter().any(|&(seen, _)| seen == slot) {
                return Err(Error::invalid(
                    crate::error::Location::new(at),
                    format!("signal '{id}' is named twice"),
                ));
            }
            fields.push((slot, Fit::of(signal)));
        }
        let in_order = fields.len() == self.len()
            && fields.iter().enumerate().all(|(i, &(slot, _))| slot == i);
        Ok(Binding {
            record: self.record(),
            staging: if in_order {
                Vec::new()
            } else {
                vec![f64::NAN; fields.len()]
            },
            fields,
            in_order,
            host: PhantomData,
        })
    }
}

/// How a value in the engine's encoding is checked against its signal's
/// kind and range, for values that come as plain numbers (bound fields,
/// columns).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fit {
    /// A number from `low` to `high`, both finite (`±f64::MAX` without a
    /// range): the same two comparisons reject values out of range, the
    /// infinities and NaN, so a range costs nothing.
    Number {
        low: f64,
        high: f64,
    },
    /// A count from `low` (>= 0) to `high`, as [`Fit::Number`].
    Count {
        low: f64,
        high: f64,
    },
    Flag,
    /// A category with this many labels.
    Category(f64),
}

impl Fit {
    pub(crate) fn of(signal: &Signal) -> Fit {
        let (low, high) = signal.bounds();
        match signal.kind() {
            SignalKind::Number => Fit::Number { low, high },
            SignalKind::Count => Fit::Count { low, high },
            SignalKind::Flag => Fit::Flag,
            // Bounded by `Limits::max_labels`.
            #[allow(clippy::cast_precision_loss)]
            SignalKind::Category => Fit::Category(signal.labels().len() as f64),
        }
    }

    /// The value as the engine encodes it, or NaN when it does not fit.
    #[inline(always)]
    pub(crate) fn apply(self, value: f64) -> f64 {
        // Comparisons only, combined with `&` rather than the short-circuit
        // of `Range::contains`, so the loops over a column vectorise. NaN
        // fails every comparison.
        #[allow(clippy::manual_range_contains)]
        let fits = match self {
            Fit::Number { low, high } => {
                return if (value >= low) & (value <= high) {
                    value
                } else {
                    f64::NAN
                }
            }
            Fit::Count { low, high } => (value >= low) & (value <= high) & is_whole(value),
            Fit::Flag => (value == 0.0) | (value == 1.0),
            Fit::Category(labels) => (value >= 0.0) & (value < labels) & is_whole(value),
        };
        // `+ 0.0` turns `-0.0` into `0.0`, as `SignalRecord::set` does.
        if fits {
            value + 0.0
        } else {
            f64::NAN
        }
    }
}

/// Whether `value`, a number >= 0 or NaN, is a whole number: as
/// `value.fract() == 0.0`, without the call to `trunc` that `fract` makes
/// on targets without SSE 4.1.
#[inline(always)]
fn is_whole(value: f64) -> bool {
    // 2^52: from there up every `f64` is whole. Below it, adding 2^52 rounds
    // to a whole number (the spacing of `f64`s there is 1), so subtracting
    // it again gives the value back only when the value was whole.
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;
    (value >= WHOLE_FROM) | ((value + WHOLE_FROM) - WHOLE_FROM == value)
}

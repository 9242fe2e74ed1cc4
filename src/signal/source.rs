//! Where an evaluation reads a customer's signals from, and the one place
//! that gathers them into the engine's dense layout.

use super::{Schema, Signal, SignalRecord, Value};

/// Where the engine reads a customer's signals: implement it on the host's own
/// type, or fill the library's [`SignalRecord`].
///
/// The engine calls [`value`](Signals::value) once per signal of the schema at
/// the start of each evaluation. A value that does not fit the signal (the
/// wrong kind, a negative or fractional count, an unknown label, NaN or an
/// infinity, a number outside the signal's [range](crate::SignalSpec::range))
/// counts as missing. A label may be given by one of its
/// [aliases](crate::SignalSpec::aliases).
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
///         match signal.id() {
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

    /// These signals as a [`SignalRecord`], if they are held in one.
    ///
    /// A record of the engine's own schema is already in the engine's dense
    /// layout, so the engine copies it in one go instead of asking
    /// [`value`](Signals::value) signal by signal. The default is `None`;
    /// [`SignalRecord`] returns itself, and a host type that wraps a record
    /// can return it too.
    ///
    /// ```
    /// use buyer_journey::{models, Signal, SignalRecord, Signals, Value};
    ///
    /// struct Customer {
    ///     id: u64,
    ///     signals: SignalRecord,
    /// }
    ///
    /// impl Signals for Customer {
    ///     fn value(&self, signal: &Signal) -> Option<Value<'_>> {
    ///         self.signals.value(signal)
    ///     }
    ///     fn as_record(&self) -> Option<&SignalRecord> {
    ///         Some(&self.signals)
    ///     }
    /// }
    ///
    /// let schema = models::buying_process().schema()?;
    /// let customer = Customer { id: 7, signals: schema.record() };
    /// assert!(customer.as_record().is_some());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    fn as_record(&self) -> Option<&SignalRecord> {
        None
    }
}

impl<S: Signals + ?Sized> Signals for &S {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        (**self).value(signal)
    }

    fn as_record(&self) -> Option<&SignalRecord> {
        (**self).as_record()
    }
}

impl<S: Signals + ?Sized> Signals for Box<S> {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        (**self).value(signal)
    }

    fn as_record(&self) -> Option<&SignalRecord> {
        (**self).as_record()
    }
}

/// Reads every signal of `schema` from `signals` into `out` (NaN = missing).
/// Allocation-free.
pub(crate) fn gather<S: Signals + ?Sized>(schema: &Schema, signals: &S, out: &mut [f64]) {
    if let Some(values) = signals
        .as_record()
        .and_then(|record| record.values_in(schema))
    {
        if values.len() == out.len() {
            out.copy_from_slice(values);
            return;
        }
    }
    for (slot, signal) in out.iter_mut().zip(schema.iter()) {
        *slot = signals
            .value(signal)
            .and_then(|value| signal.encode(value).ok())
            .unwrap_or(f64::NAN);
    }
}

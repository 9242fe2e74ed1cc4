//! Many customers' signals as columns, one per signal, laid out as Arrow
//! lays out its arrays, so an Arrow array maps onto a [`Column`] without a
//! copy.

use std::fmt;

use super::{Fit, Schema, SignalKind};
use crate::compile::Lanes;
use crate::error::{Error, Location};
use crate::index::SignalIndex;

/// One signal's values for the customers of a batch: a slice of numbers, or
/// of bits for flags, and optionally a validity bitmap.
///
/// Values are in the engine's encoding, as [`SignalFields`](crate::SignalFields)
/// writes them: numbers and counts as they are, flags as bits (or 0 and 1),
/// a category as the position of its label among the signal's declared
/// labels. A value that does not fit its signal (a negative or fractional
/// count, a position out of range, NaN, an infinity, a number outside the
/// signal's [range](crate::SignalSpec::range)) is missing, as with
/// [`Signals`](crate::Signals).
///
/// **Arrow.** A `Float64Array`'s `values()` is a `&[f64]`, an
/// `Int64Array`'s a `&[i64]`, a `UInt32Array`'s (or a dictionary's keys) a
/// `&[u32]`, a `BooleanArray`'s values a bitmap with an offset; an array's
/// null buffer is the validity bitmap (bit `i`, least significant first,
/// set when value `i` is valid) with its offset. None of them is copied.
///
/// # Example
///
/// ```
/// use buyer_journey::Column;
///
/// let visits = [3.0, 0.0, 7.0];
/// // The second value is null (Arrow's validity: bit i set = valid).
/// let column = Column::f64(&visits).with_validity(&[0b101], 0)?;
/// assert_eq!(column.len(), 3);
/// assert!(Column::f64(&visits).with_validity(&[], 0).is_err());
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Column<'a> {
    values: Values<'a>,
    validity: Option<(&'a [u8], usize)>,
}

#[derive(Clone, Copy)]
enum Values<'a> {
    F64(&'a [f64]),
    I64(&'a [i64]),
    U32(&'a [u32]),
    /// Bits, least significant first, from a bit offset; and how many.
    Bits(&'a [u8], usize, usize),
}

impl fmt::Debug for Column<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.values {
            Values::F64(_) => "f64",
            Values::I64(_) => "i64",
            Values::U32(_) => "u32",
            Values::Bits(..) => "bits",
        };
        f.debug_struct("Column")
            .field("values", &kind)
            .field("len", &self.len())
            .field("validity", &self.validity.is_some())
            .finish()
    }
}

impl<'a> Column<'a> {
    /// A column of numbers (any kind of signal); NaN is missing.
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// assert_eq!(Column::f64(&[1.5, f64::NAN]).len(), 2);
    /// ```
    #[must_use]
    pub fn f64(values: &'a [f64]) -> Self {
        Column {
            values: Values::F64(values),
            validity: None,
        }
    }

    /// A column of whole numbers: counts, or category label positions.
    /// Values beyond ±2^53 are rounded to the nearest `f64`.
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// assert_eq!(Column::i64(&[0, 2, -1]).len(), 3);
    /// ```
    #[must_use]
    pub fn i64(values: &'a [i64]) -> Self {
        Column {
            values: Values::I64(values),
            validity: None,
        }
    }

    /// A column of unsigned whole numbers: counts, or category label
    /// positions (for example an Arrow dictionary's keys, when the
    /// dictionary lists the signal's labels in declared order).
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// assert_eq!(Column::u32(&[0, 1, 1]).len(), 3);
    /// ```
    #[must_use]
    pub fn u32(values: &'a [u32]) -> Self {
        Column {
            values: Values::U32(values),
            validity: None,
        }
    }

    /// A column of `len` flags packed as bits from bit `offset` of `bits`,
    /// least significant first (an Arrow `BooleanArray`'s values).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) when `bits` holds
    /// fewer than `offset + len` bits.
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// let members = Column::bits(&[0b0110], 0, 4)?;
    /// assert_eq!(members.len(), 4);
    /// assert!(Column::bits(&[0], 4, 5).is_err());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn bits(bits: &'a [u8], offset: usize, len: usize) -> Result<Self, Error> {
        check_bitmap(bits, offset, len, "bits")?;
        Ok(Column {
            values: Values::Bits(bits, offset, len),
            validity: None,
        })
    }

    /// The same column with a validity bitmap: value `i` is valid when bit
    /// `offset + i` of `validity` is set (least significant first), and
    /// missing otherwise, whatever it holds.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) when the bitmap
    /// holds fewer bits than the column has values.
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// let column = Column::u32(&[1, 2, 3]).with_validity(&[0b011], 0)?;
    /// assert_eq!(column.len(), 3);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn with_validity(self, validity: &'a [u8], offset: usize) -> Result<Self, Error> {
        check_bitmap(validity, offset, self.len(), "validity")?;
        Ok(Column {
            validity: Some((validity, offset)),
            ..self
        })
    }

    /// The number of values.
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// assert_eq!(Column::i64(&[]).len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        match self.values {
            Values::F64(values) => values.len(),
            Values::I64(values) => values.len(),
            Values::U32(values) => values.len(),
            Values::Bits(_, _, len) => len,
        }
    }

    /// Whether the column has no value.
    ///
    /// ```
    /// use buyer_journey::Column;
    ///
    /// assert!(Column::f64(&[]).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values `start..start + out.len()` (within the column), each checked by
    /// `fit`, into `out`.
    fn load(&self, start: usize, fit: Fit, out: &mut [f64]) {
        // One loop per kind, each with its check inlined.
        match fit {
            Fit::Number { low, high } => {
                self.load_as(start, out, move |v| Fit::Number { low, high }.apply(v));
            }
            Fit::Count { low, high } => {
                self.load_as(start, out, move |v| Fit::Count { low, high }.apply(v));
            }
            Fit::Flag => self.load_as(start, out, |v| Fit::Flag.apply(v)),
            Fit::Category(labels) => {
                self.load_as(start, out, move |v| Fit::Category(labels).apply(v));
            }
        }
    }

    #[inline(always)]
    fn load_as(&self, start: usize, out: &mut [f64], fit: impl Fn(f64) -> f64) {
        let count = out.len();
        match self.values {
            Values::F64(values) => {
                for (slot, &value) in out.iter_mut().zip(&values[start..start + count]) {
                    *slot = fit(value);
                }
            }
            Values::I64(values) => {
                for (slot, &value) in out.iter_mut().zip(&values[start..start + count]) {
                    // Rounded beyond 2^53, as documented.
                    #[allow(clippy::cast_precision_loss)]
                    let value = value as f64;
                    *slot = fit(value);
                }
            }
            Values::U32(values) => {
                for (slot, &value) in out.iter_mut().zip(&values[start..start + count]) {
                    *slot = fit(f64::from(value));
                }
            }
            Values::Bits(bits, offset, _) => {
                for (i, slot) in out.iter_mut().enumerate() {
                    *slot = fit(f64::from(u8::from(bit(bits, offset + start + i))));
                }
            }
        }
        if let Some((validity, offset)) = self.validity {
            for (i, slot) in out.iter_mut().enumerate() {
                if !bit(validity, offset + start + i) {
                    *slot = f64::NAN;
                }
            }
        }
    }
}

/// Bit `i` of `bits`, least significant first; false beyond them.
#[inline]
fn bit(bits: &[u8], i: usize) -> bool {
    bits.get(i / 8).is_some_and(|byte| byte >> (i % 8) & 1 == 1)
}

fn check_bitmap(bits: &[u8], offset: usize, len: usize, what: &str) -> Result<(), Error> {
    let needed = offset.checked_add(len).map(|bits| bits.div_ceil(8));
    if needed.is_some_and(|bytes| bytes <= bits.len()) {
        return Ok(());
    }
    Err(Error::invalid(
        Location::new(what),
        format!(
            "the bitmap has {} bits, fewer than offset {offset} + {len} values",
            bits.len().saturating_mul(8)
        ),
    ))
}

/// The signals of a batch of customers: one [`Column`] per signal of a
/// schema, all of one length. A signal without a column is missing for
/// every customer.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Column, Columns, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let reviews = [0.0, 3.0, 1.0];
/// let carts = [0, 0, 2];
/// let mut columns = Columns::new(engine.schema(), 3);
/// columns.set("reviews_read", Column::f64(&reviews))?;
/// columns.set("cart_adds", Column::i64(&carts))?;
///
/// let mut scratch = engine.batch_scratch();
/// let batch = engine.classify_batch(&columns, &mut scratch)?;
/// let stages: Vec<&str> = batch.iter().map(|d| d.stage().id()).collect();
/// assert_eq!(stages, ["need_recognition", "information_search", "purchase_decision"]);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Columns<'a> {
    schema: Schema,
    len: usize,
    /// Each signal's column and how its values are checked, by signal
    /// index.
    by_signal: Vec<Option<(Column<'a>, Fit)>>,
}

impl<'a> Columns<'a> {
    /// Columns for `len` customers of `schema`, every signal missing until
    /// [`set`](Columns::set).
    ///
    /// ```
    /// use buyer_journey::{models, Columns};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let columns = Columns::new(&schema, 1_000);
    /// assert_eq!(columns.len(), 1_000);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn new(schema: &Schema, len: usize) -> Self {
        Columns {
            schema: schema.clone(),
            len,
            by_signal: vec![None; schema.len()],
        }
    }

    /// Sets the column of the signal with id `id`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) for an id the schema
    /// does not declare (with a suggestion), and
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for a column of
    /// another length than the batch's, or of bits for a signal that is not
    /// a flag. The columns are unchanged on error.
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let mut columns = Columns::new(&schema, 2);
    /// columns.set("cart_adds", Column::u32(&[1, 0]))?;
    /// let err = columns.set("cart_adds", Column::u32(&[1])).unwrap_err();
    /// assert_eq!(err.to_string(), "columns.cart_adds: the column has 1 values, the batch 2");
    /// assert!(columns.set("cart_add", Column::u32(&[1, 0])).is_err());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn set(&mut self, id: &str, column: Column<'a>) -> Result<&mut Self, Error> {
        let index = self
            .schema
            .resolve(id)
            .map_err(|e| e.at("columns"))?
            .index();
        self.set_at(index, column)
    }

    /// Sets the column of the signal at `index`, as [`set`](Columns::set)
    /// does by id.
    ///
    /// # Errors
    ///
    /// As [`set`](Columns::set); an index out of the schema's range is an
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown).
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns};
    ///
    /// let schema = models::buying_process().schema()?;
    /// let carts = schema.find("cart_adds").unwrap().index();
    /// let mut columns = Columns::new(&schema, 2);
    /// columns.set_at(carts, Column::i64(&[1, 0]))?;
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn set_at(&mut self, index: SignalIndex, column: Column<'a>) -> Result<&mut Self, Error> {
        let signal = self.schema.signal(index).ok_or_else(|| {
            Error::unknown("signal index", &index.as_usize().to_string(), None).at("columns")
        })?;
        let at = || Location::new(format!("columns.{}", signal.id()));
        if column.len() != self.len {
            return Err(Error::invalid(
                at(),
                format!(
                    "the column has {} values, the batch {}",
                    column.len(),
                    self.len
                ),
            ));
        }
        if matches!(column.values, Values::Bits(..)) && signal.kind() != SignalKind::Flag {
            return Err(Error::invalid(
                at(),
                format!(
                    "a column of bits holds flags, and '{}' is {}",
                    signal.id(),
                    signal.kind().with_article()
                ),
            ));
        }
        let fit = Fit::of(signal);
        if let Some(slot) = self.by_signal.get_mut(index.as_usize()) {
            *slot = Some((column, fit));
        }
        Ok(self)
    }

    /// The number of customers.
    ///
    /// ```
    /// use buyer_journey::{models, Columns};
    ///
    /// let schema = models::buying_process().schema()?;
    /// assert!(Columns::new(&schema, 0).is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch has no customer.
    ///
    /// ```
    /// use buyer_journey::{models, Columns};
    ///
    /// let schema = models::buying_process().schema()?;
    /// assert!(!Columns::new(&schema, 3).is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The values of customers `start..start + count` (at most 64), lane by
    /// lane, into `lanes`, one per signal; lanes beyond `count` are missing.
    pub(crate) fn load(&self, start: usize, count: usize, lanes: &mut [Lanes]) {
        for (signal, out) in self.by_signal.iter().zip(lanes.iter_mut()) {
            out.fill(f64::NAN);
            if let Some((column, fit)) = signal {
                column.load(start, *fit, &mut out[..count]);
            }
        }
    }
}

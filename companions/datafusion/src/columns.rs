//! Arrow arrays as the engine's [`Columns`]: borrowed as they are where the
//! engine reads the type (`Float64`, `Int64`, `UInt32`, `Boolean`, with
//! their null buffers), converted once per batch otherwise.

use buyer_journey::{Column, Columns, Engine, Signal};
use datafusion::arrow::array::{
    make_array, Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, StructArray,
    UInt32Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_datafusion_err, internal_err, Result};

use crate::bind::{Binding, Read};

/// One input's values, held for as long as the batch's [`Columns`] borrow
/// them.
pub(crate) enum Held {
    /// The array itself, read in place.
    Array(ArrayRef),
    /// Values converted to numbers in the engine's encoding; NaN is
    /// missing.
    Numbers(Vec<f64>),
    /// Nothing: the signal is missing for every customer.
    Missing,
}

/// The arrays of a call's inputs: its arguments, or the fields of its one
/// struct argument (a null struct makes every signal of its row missing).
pub(crate) fn input_arrays(args: Vec<ArrayRef>) -> Result<Vec<ArrayRef>> {
    if let [only] = args.as_slice() {
        if let Some(strukt) = only.as_struct_opt() {
            return fields_of(strukt);
        }
    }
    Ok(args)
}

fn fields_of(strukt: &StructArray) -> Result<Vec<ArrayRef>> {
    let Some(outer) = strukt.logical_nulls() else {
        return Ok(strukt.columns().to_vec());
    };
    strukt
        .columns()
        .iter()
        .map(|field| {
            // The same buffers; only the null buffer changes.
            let nulls = NullBuffer::union(Some(&outer), field.logical_nulls().as_ref());
            let data = field.to_data().into_builder().nulls(nulls).build()?;
            Ok(make_array(data))
        })
        .collect()
}

/// Reads each input as its binding says.
pub(crate) fn hold(
    engine: &Engine,
    bindings: &[Binding],
    arrays: &[ArrayRef],
) -> Result<Vec<Held>> {
    if bindings.len() != arrays.len() {
        return internal_err!(
            "{} inputs bound for {} arrays",
            bindings.len(),
            arrays.len()
        );
    }
    bindings
        .iter()
        .zip(arrays)
        .map(|(binding, array)| {
            let signal = engine
                .schema()
                .signal(binding.signal)
                .ok_or_else(|| exec_datafusion_err!("the binding names no signal of the engine"))?;
            hold_one(signal, binding.read, array)
        })
        .collect()
}

fn hold_one(signal: &Signal, read: Read, array: &ArrayRef) -> Result<Held> {
    Ok(match read {
        Read::Missing => Held::Missing,
        Read::F64 | Read::I64 | Read::U32 | Read::Bits => Held::Array(array.clone()),
        Read::CastF64 => Held::Array(cast(array, &DataType::Float64)?),
        Read::Label => Held::Numbers(labels(signal, array)?),
    })
}

/// Each value's position among the signal's labels (as the engine encodes
/// a category); NaN, so missing, for a null or a text that is neither a
/// label nor an alias.
fn labels(signal: &Signal, array: &ArrayRef) -> Result<Vec<f64>> {
    let position = |text: &str| -> f64 {
        signal
            .label(text)
            .and_then(|label| signal.labels().position(|l| l == label))
            .map_or(f64::NAN, |i| i as f64)
    };
    let text = match array.data_type() {
        DataType::Dictionary(_, _) => cast(array, &DataType::Utf8View)?,
        _ => array.clone(),
    };
    let positions = match text.data_type() {
        DataType::Utf8 => text
            .as_string::<i32>()
            .iter()
            .map(|t| t.map_or(f64::NAN, position))
            .collect(),
        DataType::LargeUtf8 => text
            .as_string::<i64>()
            .iter()
            .map(|t| t.map_or(f64::NAN, position))
            .collect(),
        DataType::Utf8View => text
            .as_string_view()
            .iter()
            .map(|t| t.map_or(f64::NAN, position))
            .collect(),
        other => return internal_err!("a category read from {other}"),
    };
    Ok(positions)
}

/// The batch's columns, borrowing what `held` holds.
pub(crate) fn columns<'a>(
    engine: &Engine,
    bindings: &[Binding],
    held: &'a [Held],
    rows: usize,
) -> Result<Columns<'a>> {
    let mut columns = Columns::new(engine.schema(), rows);
    for (binding, held) in bindings.iter().zip(held) {
        let column = match held {
            Held::Missing => continue,
            Held::Numbers(values) => Column::f64(values),
            Held::Array(array) => column_of(array)?,
        };
        columns
            .set_at(binding.signal, column)
            .map_err(|err| exec_datafusion_err!("{err}"))?;
    }
    Ok(columns)
}

fn column_of(array: &ArrayRef) -> Result<Column<'_>> {
    let any = array.as_any();
    let column = if let Some(values) = any.downcast_ref::<Float64Array>() {
        Column::f64(values.values())
    } else if let Some(values) = any.downcast_ref::<Int64Array>() {
        Column::i64(values.values())
    } else if let Some(values) = any.downcast_ref::<UInt32Array>() {
        Column::u32(values.values())
    } else if let Some(flags) = any.downcast_ref::<BooleanArray>() {
        let bits = flags.values();
        Column::bits(bits.values(), bits.offset(), bits.len())
            .map_err(|err| exec_datafusion_err!("{err}"))?
    } else {
        return internal_err!("an input of type {} read in place", array.data_type());
    };
    match array.nulls() {
        None => Ok(column),
        Some(nulls) => {
            let valid = nulls.inner();
            column
                .with_validity(valid.values(), valid.offset())
                .map_err(|err| exec_datafusion_err!("{err}"))
        }
    }
}

//! Which signal each argument of a call feeds, and how its Arrow type is
//! read: checked when the query is planned, so a wrong column is a planning
//! error that names the signal and the types it takes.

use buyer_journey::{Column, Columns, Schema, SignalIndex, SignalKind};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{plan_datafusion_err, plan_err, Result};

/// How the values of one input reach the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// As they are: `Float64`, `Int64` and `UInt32` values, `Boolean` bits.
    F64,
    I64,
    U32,
    Bits,
    /// Cast to `Float64` first (other numbers; integers for flags).
    CastF64,
    /// Text looked up among the signal's labels and aliases (dictionaries
    /// of text are cast to text first).
    Label,
    /// A column of nulls: the signal is missing for every customer.
    Missing,
}

/// One input bound to its signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Binding {
    pub(crate) signal: SignalIndex,
    pub(crate) read: Read,
}

/// Where the call's inputs are: the arguments themselves, or the fields of
/// its one struct argument.
pub(crate) fn inputs(function: &str, args: &[FieldRef]) -> Result<Vec<FieldRef>> {
    match args {
        [] => plan_err!(
            "{function}: no arguments: pass the ruleset's signals as columns named after them, \
             or one struct whose fields are named after them"
        ),
        [only] => match only.data_type() {
            DataType::Struct(fields) => Ok(fields.iter().cloned().collect()),
            _ => Ok(args.to_vec()),
        },
        _ => {
            if let Some(field) = args
                .iter()
                .find(|f| matches!(f.data_type(), DataType::Struct(_)))
            {
                return plan_err!(
                    "{function}: '{}' is a struct among other arguments: pass either one struct \
                     whose fields are named after signals, or the signals' columns",
                    field.name()
                );
            }
            Ok(args.to_vec())
        }
    }
}

/// Binds each input to the signal it is named after, checking its type.
pub(crate) fn bind(function: &str, schema: &Schema, inputs: &[FieldRef]) -> Result<Vec<Binding>> {
    let mut bindings: Vec<Binding> = Vec::with_capacity(inputs.len());
    for field in inputs {
        let name = field.name();
        let Some(signal) = schema.find(name) else {
            // The core's own message, with its suggestion of a close name.
            let reason = Columns::new(schema, 0)
                .set(name, Column::f64(&[]))
                .err()
                .map_or_else(|| format!("unknown signal '{name}'"), |err| err.to_string());
            return plan_err!(
                "{function}: {reason}; each column (or struct field) must be named after a signal \
                 of the ruleset"
            );
        };
        if bindings.iter().any(|b| b.signal == signal.index()) {
            return plan_err!("{function}: signal '{name}' is given twice");
        }
        let read = read(signal.kind(), field.data_type()).ok_or_else(|| {
            plan_datafusion_err!(
                "{function}: signal '{name}' is {}, so its column must be {}, got {}",
                with_article(signal.kind()),
                expected(signal.kind()),
                field.data_type()
            )
        })?;
        bindings.push(Binding {
            signal: signal.index(),
            read,
        });
    }
    Ok(bindings)
}

fn read(kind: SignalKind, data_type: &DataType) -> Option<Read> {
    if *data_type == DataType::Null {
        return Some(Read::Missing);
    }
    match kind {
        SignalKind::Number | SignalKind::Count => match data_type {
            DataType::Float64 => Some(Read::F64),
            DataType::Int64 => Some(Read::I64),
            DataType::UInt32 => Some(Read::U32),
            other if other.is_numeric() => Some(Read::CastF64),
            _ => None,
        },
        SignalKind::Flag => match data_type {
            DataType::Boolean => Some(Read::Bits),
            other if other.is_integer() => Some(Read::CastF64),
            _ => None,
        },
        SignalKind::Category => is_text(data_type).then_some(Read::Label),
        // A kind added to the core later is read as nothing here until this
        // crate learns it: a planning error rather than a wrong answer.
        _ => None,
    }
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => {
            matches!(
                **values,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
        }
        _ => false,
    }
}

fn with_article(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Number => "a number",
        SignalKind::Count => "a count",
        SignalKind::Flag => "a flag",
        SignalKind::Category => "a category",
        _ => "a signal",
    }
}

fn expected(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Number | SignalKind::Count => "numeric (an integer, float or decimal type)",
        SignalKind::Flag => "Boolean (or an integer type holding 0 and 1)",
        SignalKind::Category => {
            "text holding its labels (Utf8, LargeUtf8, Utf8View or a dictionary of them)"
        }
        _ => "of a type this crate reads",
    }
}

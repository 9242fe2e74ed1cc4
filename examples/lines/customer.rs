//! The customer lines the `classify` and `what_if` examples read, one JSON
//! object a line: `{"id": "c1", "signals": {"reviews_read": 3}}`. `id` is a
//! string and required; `signals` maps signal ids to JSON numbers (for
//! `number` and `count` signals), `true`/`false` (flags), strings (labels of
//! `category` signals) or `null` (missing), and may be absent.

use buyer_journey::{Error, ErrorKind, SignalRecord, Value};
use serde_json::{Map, Value as Json};

use super::lines::{json_error, kind};

/// One customer line, its shape checked, its signals not yet.
pub(crate) struct CustomerLine {
    pub(crate) id: String,
    pub(crate) signals: Map<String, Json>,
}

impl CustomerLine {
    /// Parses `line`, or says why it is not a customer.
    pub(crate) fn parse(line: &[u8]) -> Result<Self, String> {
        let json: Json = serde_json::from_slice(line).map_err(|err| json_error(&err))?;
        let Json::Object(mut customer) = json else {
            return Err(format!("expected a JSON object, got {}", kind(&json)));
        };
        let id = match customer.remove("id") {
            Some(Json::String(id)) => id,
            Some(other) => return Err(format!("\"id\" must be a string, got {}", kind(&other))),
            None => return Err("missing \"id\"".to_owned()),
        };
        let signals = match customer.remove("signals") {
            Some(Json::Object(signals)) => signals,
            Some(other) => {
                return Err(format!(
                    "\"signals\" must be an object, got {}",
                    kind(&other)
                ))
            }
            None => Map::new(),
        };
        if let Some(field) = customer.keys().next() {
            return Err(format!(
                "unknown field '{field}', expected \"id\" or \"signals\""
            ));
        }
        Ok(CustomerLine { id, signals })
    }

    /// Sets every signal into `records` (which start empty), each into
    /// the records whose schema knows it; a signal no record knows, or a
    /// value one of them rejects, is the reason the line is bad.
    pub(crate) fn set_into(&self, records: &mut [&mut SignalRecord]) -> Result<(), String> {
        for (name, value) in &self.signals {
            let mut known = false;
            let mut unknown = None;
            for record in records.iter_mut() {
                match set(record, name, value) {
                    Ok(()) => known = true,
                    Err(Rejected::Unknown(reason)) => {
                        unknown.get_or_insert(reason);
                    }
                    Err(Rejected::Value(reason)) => return Err(reason),
                }
            }
            if let (false, Some(reason)) = (known, unknown) {
                return Err(reason);
            }
        }
        Ok(())
    }
}

/// Why a record did not take a signal.
enum Rejected {
    /// Its schema has no signal of that name.
    Unknown(String),
    /// The value does not fit the signal.
    Value(String),
}

/// Sets signal `name` of `record` to the JSON `value`.
fn set(record: &mut SignalRecord, name: &str, value: &Json) -> Result<(), Rejected> {
    let rejected = |err: Error| match err.kind() {
        ErrorKind::Unknown { .. } => Rejected::Unknown(err.to_string()),
        _ => Rejected::Value(err.to_string()),
    };
    match value {
        Json::Null => record.unset(name).map_err(rejected),
        Json::Bool(flag) => record.set(name, *flag).map_err(rejected),
        Json::String(label) => record.set(name, Value::Label(label)).map_err(rejected),
        Json::Number(number) => match number.as_f64() {
            Some(number) => record.set(name, number).map_err(rejected),
            None => Err(Rejected::Value(format!(
                "signal '{name}': {number} is not a usable number"
            ))),
        },
        Json::Array(_) | Json::Object(_) => {
            // Still report an unknown name before the shape of its value.
            record.unset(name).map_err(rejected)?;
            Err(Rejected::Value(format!(
                "signal '{name}' must be a number, true, false, a label or null, got {}",
                kind(value)
            )))
        }
    }
}

//! The customer lines the `classify` and `what_if` examples read, one JSON
//! object a line: `{"id": "c1", "signals": {"reviews_read": 3}}`. `id` is a
//! string and required; `signals` maps signal ids to JSON numbers (for
//! `number` and `count` signals), `true`/`false` (flags), strings (labels of
//! `category` signals) or `null` (missing), and may be absent.

use std::borrow::Cow;
use std::fmt;

use buyer_journey::{Error, ErrorKind, SignalRecord, Value};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lines::json_error;

/// One customer line, its shape checked, its signals not yet. Borrowed
/// from the line where the JSON has no escapes: parsing allocates little.
pub(crate) struct CustomerLine<'a> {
    pub(crate) id: Cow<'a, str>,
    /// The signals in the order of their names, each name once (the last
    /// value given wins), as a JSON object's keys are read elsewhere.
    signals: Vec<(Cow<'a, str>, Scalar<'a>)>,
}

impl<'a> CustomerLine<'a> {
    /// Parses `line`, or says why it is not a customer.
    pub(crate) fn parse(line: &'a [u8]) -> Result<Self, String> {
        let raw: Raw<'a> = serde_json::from_slice(line).map_err(|err| json_error(&err))?;
        let (id, signals, unknown) = match raw {
            Raw::Object {
                id,
                signals,
                unknown,
            } => (id, signals, unknown),
            Raw::Other(kind) => return Err(format!("expected a JSON object, got {kind}")),
        };
        let id = match id {
            Some(Scalar::Text(id)) => id,
            Some(other) => return Err(format!("\"id\" must be a string, got {}", other.kind())),
            None => return Err("missing \"id\"".to_owned()),
        };
        let signals = match signals {
            Some(Signals::Object(signals)) => signals,
            Some(Signals::Other(kind)) => {
                return Err(format!("\"signals\" must be an object, got {kind}"))
            }
            None => Vec::new(),
        };
        if let Some(field) = unknown {
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

/// A line as read, before its shape is judged.
enum Raw<'a> {
    Object {
        id: Option<Scalar<'a>>,
        signals: Option<Signals<'a>>,
        /// The first unknown field in the order of names.
        unknown: Option<Cow<'a, str>>,
    },
    /// Not an object: what it is, for the message.
    Other(&'static str),
}

/// The value of `signals`, as read.
enum Signals<'a> {
    Object(Vec<(Cow<'a, str>, Scalar<'a>)>),
    Other(&'static str),
}

/// A JSON value as a signal reads it; arrays and objects only by kind.
enum Scalar<'a> {
    Null,
    Flag(bool),
    Number(f64),
    Text(Cow<'a, str>),
    /// An array or an object (skipped): what it is, for the message.
    Other(&'static str),
}

impl Scalar<'_> {
    /// What the value is, for messages, as `lines::kind` names it.
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Flag(_) => "a boolean",
            Scalar::Number(_) => "a number",
            Scalar::Text(_) => "a string",
            Scalar::Other(kind) => kind,
        }
    }
}

/// A key or a string, borrowed when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Reads any JSON value, handing each kind to the caller's `scalar` or
/// skipping arrays and objects by default.
macro_rules! scalar_visits {
    () => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Null))
        }
        fn visit_bool<E: de::Error>(self, flag: bool) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Flag(flag)))
        }
        // The conversions of `serde_json::Number::as_f64`.
        #[allow(clippy::cast_precision_loss)]
        fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Number(number as f64)))
        }
        #[allow(clippy::cast_precision_loss)]
        fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Number(number as f64)))
        }
        fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Number(number)))
        }
        fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Text(Cow::Borrowed(text))))
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Text(Cow::Owned(text.to_owned()))))
        }
        fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
            Ok(self.scalar(Scalar::Text(Cow::Owned(text))))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(self.scalar(Scalar::Other("an array")))
        }
    };
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl ScalarVisitor {
            // Called by `scalar_visits!`.
            #[allow(clippy::unused_self)]
            fn scalar<'a>(&self, scalar: Scalar<'a>) -> Scalar<'a> {
                scalar
            }
        }
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            scalar_visits!();
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object"))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

impl<'de> Deserialize<'de> for Signals<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SignalsVisitor;
        impl SignalsVisitor {
            // Called by `scalar_visits!` for what is not an object.
            #[allow(clippy::unused_self, clippy::needless_pass_by_value)]
            fn scalar<'a>(&self, scalar: Scalar<'a>) -> Signals<'a> {
                Signals::Other(scalar.kind())
            }
        }
        impl<'de> Visitor<'de> for SignalsVisitor {
            type Value = Signals<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            scalar_visits!();
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut signals = Vec::new();
                while let Some((Text(name), value)) = map.next_entry::<Text<'de>, Scalar<'de>>()? {
                    signals.push((name, value));
                }
                // As a JSON object's keys are read elsewhere: in the order of
                // names, and of a name given twice the last value.
                signals.sort_by(|(a, _), (b, _)| a.cmp(b));
                let mut unique: Vec<(Cow<'de, str>, Scalar<'de>)> =
                    Vec::with_capacity(signals.len());
                for (name, value) in signals {
                    match unique.last_mut() {
                        Some(last) if last.0 == name => last.1 = value,
                        _ => unique.push((name, value)),
                    }
                }
                Ok(Signals::Object(unique))
            }
        }
        deserializer.deserialize_any(SignalsVisitor)
    }
}

impl<'de> Deserialize<'de> for Raw<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl RawVisitor {
            // Called by `scalar_visits!` for what is not an object.
            #[allow(clippy::unused_self, clippy::needless_pass_by_value)]
            fn scalar<'a>(&self, scalar: Scalar<'a>) -> Raw<'a> {
                Raw::Other(scalar.kind())
            }
        }
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            scalar_visits!();
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut id, mut signals, mut unknown) = (None, None, None::<Cow<'de, str>>);
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    match &*key {
                        "id" => id = Some(map.next_value::<Scalar<'de>>()?),
                        "signals" => signals = Some(map.next_value::<Signals<'de>>()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            if unknown.as_ref().is_none_or(|first| key < *first) {
                                unknown = Some(key);
                            }
                        }
                    }
                }
                Ok(Raw::Object {
                    id,
                    signals,
                    unknown,
                })
            }
        }
        deserializer.deserialize_any(RawVisitor)
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
fn set(record: &mut SignalRecord, name: &str, value: &Scalar<'_>) -> Result<(), Rejected> {
    let rejected = |err: Error| match err.kind() {
        ErrorKind::Unknown { .. } => Rejected::Unknown(err.to_string()),
        _ => Rejected::Value(err.to_string()),
    };
    // A plain scan of a few ids costs less than hashing the name; an alias
    // or an unknown name goes the long way, by `set`.
    let index = record
        .schema()
        .iter()
        .find(|signal| signal.id() == name)
        .map(|signal| signal.index());
    let value = match value {
        Scalar::Null => return record.unset(name).map_err(rejected),
        Scalar::Flag(flag) => Value::Flag(*flag),
        Scalar::Text(label) => Value::Label(label),
        Scalar::Number(number) => Value::Number(*number),
        Scalar::Other(kind) => {
            // Still report an unknown name before the shape of its value.
            record.unset(name).map_err(rejected)?;
            return Err(Rejected::Value(format!(
                "signal '{name}' must be a number, true, false, a label or null, got {kind}"
            )));
        }
    };
    match index {
        Some(index) => record.set_at(index, value),
        None => record.set(name, value),
    }
    .map_err(rejected)
}

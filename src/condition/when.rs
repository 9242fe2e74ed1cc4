//! A condition as a ruleset writes it: text or a structured tree, and the one
//! way both become a checked [`Condition`].

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::condition::alias;
use crate::condition::check::check_with_focus;
use crate::condition::parse::parse_spanned;
use crate::condition::Condition;
use crate::error::Error;
use crate::limits::Limits;
use crate::signal::Schema;

/// A rule's condition as written: text to be parsed, or a structured tree.
///
/// In serde a string is text and an object is a [`Condition`]:
///
/// ```
/// use buyer_journey::{Condition, When};
///
/// let text: When = serde_json::from_str(r#""cart_adds >= 1""#).unwrap();
/// let tree: When = serde_json::from_str(r#"{"present": "cart_adds"}"#).unwrap();
/// assert_eq!(text, When::Text("cart_adds >= 1".into()));
/// assert_eq!(tree, When::Tree(Condition::Present("cart_adds".into())));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// Condition text, parsed when the engine is built.
    Text(String),
    /// A structured condition.
    Tree(Condition),
}

impl From<&str> for When {
    fn from(text: &str) -> Self {
        When::Text(text.to_owned())
    }
}

impl From<String> for When {
    fn from(text: String) -> Self {
        When::Text(text)
    }
}

impl From<Condition> for When {
    fn from(condition: Condition) -> Self {
        When::Tree(condition)
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            When::Text(text) => serializer.serialize_str(text),
            When::Tree(condition) => condition.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WhenVisitor;

        impl<'de> Visitor<'de> for WhenVisitor {
            type Value = When;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("condition text or a structured condition")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<When, E> {
                Ok(When::Text(text.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<When, A::Error> {
                Condition::deserialize(de::value::MapAccessDeserializer::new(map)).map(When::Tree)
            }
        }

        deserializer.deserialize_any(WhenVisitor)
    }
}

impl When {
    /// The condition, parsed and checked against `schema`, with aliases of
    /// labels read as the labels. Errors in text point at the column of the
    /// node they are about.
    pub(crate) fn compile(&self, schema: &Schema, limits: &Limits) -> Result<Condition, Error> {
        let mut condition = self.checked(schema, limits)?;
        alias::to_labels(&mut condition, schema);
        Ok(condition)
    }

    fn checked(&self, schema: &Schema, limits: &Limits) -> Result<Condition, Error> {
        match self {
            When::Text(text) => {
                let (condition, spans) = parse_spanned(text, limits)?;
                if let Err(failed) = check_with_focus(&condition, schema, limits) {
                    let column = failed
                        .focus
                        .and_then(|node| spans.column_of(&condition, node));
                    return Err(match column {
                        Some(column) => failed.error.at_column(column),
                        None => failed.error,
                    });
                }
                Ok(condition)
            }
            When::Tree(condition) => {
                check_with_focus(condition, schema, limits).map_err(|failed| failed.error)?;
                Ok(condition.clone())
            }
        }
    }
}

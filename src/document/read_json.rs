//! Reading a ruleset from JSON text.

use crate::error::{Error, Location};
use crate::spec::RulesetSpec;

use super::json_scan::scan;
use super::places::Lines;
use super::{path_of, Document};

/// The ruleset in `text`, with the places of its values.
pub(super) fn read(text: &str) -> Result<Document, Error> {
    // serde reads a struct from an array too, field by field in order, so
    // an array would be reported as a wrong `name`.
    let body = text.trim_start_matches([' ', '\t', '\n', '\r']);
    if body.starts_with('[') {
        let at = Lines::new(text).position(text.len() - body.len());
        return Err(Error::document(
            Location::default(),
            "a ruleset is a JSON object, not an array".into(),
        )
        .at_position(at));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let spec =
        serde_path_to_error::deserialize::<_, RulesetSpec>(&mut deserializer).map_err(|error| {
            let path = path_of(error.path());
            misread(text, &path, &error.into_inner())
        })?;
    deserializer
        .end()
        .map_err(|error| misread(text, "", &error))?;
    Ok(Document {
        spec,
        places: scan(text),
    })
}

/// The error for `text` not reading as a ruleset: `serde_json`'s message
/// without its own "at line 3 column 7", placed at the value at `path`
/// when the value is the problem and where `serde_json` stopped when the
/// text is.
#[cold]
fn misread(text: &str, path: &str, error: &serde_json::Error) -> Error {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    let location = Location::new(path);
    let at_value = if error.is_data() {
        scan(text).position(&location)
    } else {
        None
    };
    let position = at_value.or_else(|| {
        (error.line() > 0).then(|| {
            let lines = Lines::new(text);
            lines.position(lines.offset(error.line(), error.column()))
        })
    });
    let error = Error::document(location, message);
    match position {
        Some(position) => error.at_position(position),
        None => error,
    }
}

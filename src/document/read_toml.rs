//! Reading a ruleset from TOML text, with the spans the `toml` crate
//! keeps for every key and value.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::{Error, Location};
use crate::spec::RulesetSpec;

use super::places::{push_index, push_key, Escapes, Lines, Place, Places, Verbatim};
use super::{path_of, Document};

/// How deep the walk over the parsed text goes; the `toml` crate stops
/// parsing nesting well before this.
const MAX_DEPTH: usize = 128;

/// The ruleset in `text`, with the places of its values.
pub(super) fn read(text: &str) -> Result<Document, Error> {
    let lines = Lines::new(text);
    let table = DeTable::parse(text).map_err(|error| misread(&lines, "", &error))?;
    let mut places = Places::default();
    let mut walk = Walk {
        text,
        lines: &lines,
        places: &mut places,
        path: String::new(),
    };
    walk.table(table.get_ref(), table.span(), 0);
    let deserializer = toml::de::Deserializer::from(table);
    let spec =
        serde_path_to_error::deserialize::<_, RulesetSpec>(deserializer).map_err(|error| {
            let path = path_of(error.path());
            let error = error.into_inner();
            let error = misread(&lines, &path, &error);
            match error.location().and_then(|l| l.position()) {
                Some(_) => error,
                None => match places.position(&Location::new(&path)) {
                    Some(position) => error.at_position(position),
                    None => error,
                },
            }
        })?;
    Ok(Document { spec, places })
}

/// The error for `text` not reading as a ruleset, at the span the `toml`
/// crate gives, if any.
#[cold]
fn misread(lines: &Lines<'_>, path: &str, error: &toml::de::Error) -> Error {
    let message = error.message().trim_end().replace('\n', ": ");
    let misread = Error::document(Location::new(path), message);
    match error.span() {
        Some(span) => misread.at_position(lines.position(span.start)),
        None => misread,
    }
}

/// The places of a parsed text's values, recorded as the walk goes down.
struct Walk<'w, 't> {
    text: &'t str,
    lines: &'w Lines<'t>,
    places: &'w mut Places,
    path: String,
}

impl Walk<'_, '_> {
    fn table(&mut self, table: &DeTable<'_>, span: std::ops::Range<usize>, depth: usize) {
        self.record(span, None);
        if depth > MAX_DEPTH {
            return;
        }
        for (key, value) in table {
            let len = self.path.len();
            push_key(&mut self.path, key.get_ref());
            self.value(value, depth + 1);
            self.path.truncate(len);
        }
    }

    fn value(&mut self, value: &Spanned<DeValue<'_>>, depth: usize) {
        match value.get_ref() {
            DeValue::Table(table) => self.table(table, value.span(), depth),
            DeValue::Array(items) => {
                self.record(value.span(), None);
                if depth > MAX_DEPTH {
                    return;
                }
                for (i, item) in items.iter().enumerate() {
                    let len = self.path.len();
                    push_index(&mut self.path, i);
                    self.value(item, depth + 1);
                    self.path.truncate(len);
                }
            }
            DeValue::String(_) => {
                let span = value.span();
                let verbatim = self
                    .text
                    .get(span.clone())
                    .and_then(|raw| verbatim(raw, span.start));
                let text = verbatim.map(|(start, chars, whole, escapes)| Verbatim {
                    content: self.lines.position(start),
                    chars,
                    whole,
                    escapes,
                });
                self.record(span, text);
            }
            _ => self.record(value.span(), None),
        }
    }

    fn record(&mut self, span: std::ops::Range<usize>, text: Option<Verbatim>) {
        let start = self.lines.position(span.start);
        self.places.record(&self.path, Place { start, text });
    }
}

/// For the raw text of a string value at byte `offset`: where its content
/// starts, how many of its characters can be placed before the first line
/// break, whether all can, and the escapes among them with their widths.
/// In a multi-line string, the first escape ends the characters placed: a
/// backslash at the end of a line swallows the line break.
fn verbatim(raw: &str, offset: usize) -> Option<(usize, usize, bool, Escapes)> {
    let delimiter = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|delimiter| raw.starts_with(delimiter))?;
    let content = raw.get(delimiter.len()..raw.len().checked_sub(delimiter.len())?)?;
    let mut rest = content.chars();
    let mut chars = 0;
    let mut escapes = Vec::new();
    let whole = loop {
        let Some(c) = rest.next() else {
            break true;
        };
        match c {
            '\n' | '\r' => break false,
            '\\' if delimiter == "\"" => {
                // The width of the escape in the text; all are ASCII.
                let width = match rest.next() {
                    Some('b' | 't' | 'n' | 'f' | 'r' | 'e' | '"' | '\\') => 2,
                    Some('x') => 4,
                    Some('u') => 6,
                    Some('U') => 10,
                    _ => break false,
                };
                for _ in 2..width {
                    rest.next();
                }
                escapes.push((chars, width));
            }
            '\\' if delimiter == "\"\"\"" => break false,
            _ => {}
        }
        chars += 1;
    };
    Some((offset + delimiter.len(), chars, whole, escapes))
}

//! Where each value of a document is in its text: a map from the path of a
//! value (`actions[4].contact.cooldown`) to its line and column, which both
//! readers fill and which places errors and problems.

use std::collections::HashMap;

use crate::error::{Location, Position};

/// Where one value starts in the text and, for a string, how much of its
/// content can be read off the text character for character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    /// The first character of the value: a string's opening quote.
    pub(crate) start: Position,
    /// For a string: where its content starts and how it maps to the text.
    pub(crate) text: Option<Verbatim>,
}

/// The start of a string's content, and how many of its characters can be
/// placed in the text: those before the first line break (or escape the
/// reader does not follow), after which characters and columns part ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verbatim {
    pub(crate) content: Position,
    pub(crate) chars: usize,
    /// Whether the whole content can be placed, so that the column just
    /// past its end (where "found the end of the text" points) is in place
    /// too.
    pub(crate) whole: bool,
    /// The characters written as escapes among the first `chars`.
    pub(crate) escapes: Escapes,
}

/// The characters of a string written as escapes: each one's index in the
/// content and its width in the text (`\"` is 2).
pub(crate) type Escapes = Vec<(usize, usize)>;

impl Verbatim {
    /// The column in the text of the character `offset` characters into
    /// the content, counting each escape before it at its width.
    fn column(&self, offset: usize) -> usize {
        let wider: usize = self
            .escapes
            .iter()
            .take_while(|&&(at, _)| at < offset)
            .map(|&(_, width)| width.saturating_sub(1))
            .sum();
        self.content.column + offset + wider
    }
}

/// The places of a document's values, by path.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Places(HashMap<String, Place>);

impl Places {
    /// Records `place` for `path`; the first record of a path stays, as a
    /// duplicate key is an error at its first value's neighbour anyway.
    pub(crate) fn record(&mut self, path: &str, place: Place) {
        self.0.entry(path.to_owned()).or_insert(place);
    }

    /// The place of the value at `path`, or of the nearest value that
    /// encloses it, with whether it is the value itself.
    fn nearest(&self, mut path: &str) -> Option<(&Place, bool)> {
        let mut exact = true;
        loop {
            if let Some(place) = self.0.get(path) {
                return Some((place, exact));
            }
            if path.is_empty() {
                return None;
            }
            path = parent(path);
            exact = false;
        }
    }

    /// Where in the text `location` is: for a column in a string's
    /// content, that character (the start of its escape, if written as
    /// one) when it is before any line break in the string; else the
    /// start of the value at the location's path or of the nearest value
    /// enclosing it.
    pub(crate) fn position(&self, location: &Location) -> Option<Position> {
        let (place, exact) = self.nearest(location.path())?;
        let in_text = match (exact, location.column(), &place.text) {
            (true, Some(column), Some(text)) => {
                let offset = column.saturating_sub(1);
                (offset < text.chars || (text.whole && offset == text.chars))
                    .then(|| Position::new(text.content.line, text.column(offset)))
            }
            _ => None,
        };
        Some(in_text.unwrap_or(place.start))
    }
}

/// The path of the value that encloses the one at `path`: `actions[4]` for
/// `actions[4].contact`, `actions` for `actions[4]`, the root for `actions`.
fn parent(path: &str) -> &str {
    match path.rfind(['.', '[']) {
        Some(at) => &path[..at],
        None => "",
    }
}

/// `path` with `key` appended: `actions[4].contact`.
pub(crate) fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// `path` with the index `i` appended: `actions[4]`.
pub(crate) fn push_index(path: &mut String, i: usize) {
    use std::fmt::Write as _;
    let _ = write!(path, "[{i}]");
}

/// Lines and columns of a text, by byte offset: what the `toml` crate's
/// spans and `serde_json`'s byte columns are turned into.
#[derive(Debug)]
pub(crate) struct Lines<'t> {
    text: &'t str,
    /// The byte offset at which each line starts.
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Lines { text, starts }
    }

    /// The position of the character at byte `offset` (or of the one it is
    /// inside); past the end, the position just after the text.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        // Characters that end by `offset`: one it falls inside is its own.
        let column = self.text[start..]
            .char_indices()
            .take_while(|&(at, c)| start + at + c.len_utf8() <= offset)
            .count();
        Position::new(line, column + 1)
    }

    /// The byte offset of `column` (1-based, in bytes) on `line` (1-based):
    /// how `serde_json` counts.
    #[cfg(feature = "json")]
    pub(crate) fn offset(&self, line: usize, column: usize) -> usize {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        (start + column.saturating_sub(1)).min(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_go_up_one_step_at_a_time() {
        assert_eq!(parent("actions[4].contact.cooldown"), "actions[4].contact");
        assert_eq!(parent("actions[4].contact"), "actions[4]");
        assert_eq!(parent("actions[4]"), "actions");
        assert_eq!(parent("actions"), "");
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let lines = Lines::new("ab\nçd\n\nx");
        assert_eq!(lines.position(0), Position::new(1, 1));
        assert_eq!(lines.position(3), Position::new(2, 1));
        // 'd' is after the two bytes of 'ç'.
        assert_eq!(lines.position(5), Position::new(2, 2));
        assert_eq!(lines.position(7), Position::new(3, 1));
        assert_eq!(lines.position(8), Position::new(4, 1));
        assert_eq!(lines.position(99), Position::new(4, 2));
        assert_eq!(lines.offset(2, 3), 5);
        // Inside 'ç': 'ç'.
        assert_eq!(lines.position(4), Position::new(2, 1));
    }
}

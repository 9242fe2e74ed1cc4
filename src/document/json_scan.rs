//! A scanner that finds where each value of a JSON text starts, by path:
//! `serde_json` reads values but keeps no positions.
//!
//! It reads as far as the text is well formed and records what it passed,
//! so a text with a mistake late in it still has the places before it. It
//! goes no deeper than `serde_json` does (128 levels), so no text makes it
//! recurse without bound.

use crate::error::Position;

use super::places::{push_index, push_key, Escapes, Place, Places, Verbatim};

/// How deep the scanner follows nesting: `serde_json`'s own limit, past
/// which no text reads as a ruleset anyway.
const MAX_DEPTH: usize = 128;

/// The places of every value in `text` that the scanner reaches.
pub(crate) fn scan(text: &str) -> Places {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        column: 1,
        path: String::new(),
        places: Places::default(),
    };
    // A text that is not well formed ends the scan where it goes wrong.
    let _ = scanner.value(0);
    scanner.places
}

/// Why the scan stopped early: the text is not well formed there, or is
/// nested too deep. Either way, what was recorded stays.
struct Stop;

struct Scanner<'t> {
    bytes: &'t [u8],
    at: usize,
    /// The line and column (in characters) of `bytes[at]`.
    line: usize,
    column: usize,
    path: String,
    places: Places,
}

impl Scanner<'_> {
    fn position(&self) -> Position {
        Position::new(self.line, self.column)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        if byte == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if !is_continuation(self.peek()) {
            // A column per character: only once its last byte is passed.
            self.column += 1;
        }
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Result<(), Stop> {
        if self.bump() == Some(byte) {
            Ok(())
        } else {
            Err(Stop)
        }
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop);
        }
        self.whitespace();
        let start = self.position();
        match self.peek().ok_or(Stop)? {
            b'{' => {
                self.places.record(&self.path, Place { start, text: None });
                self.object(depth)
            }
            b'[' => {
                self.places.record(&self.path, Place { start, text: None });
                self.array(depth)
            }
            b'"' => {
                self.bump();
                let content = self.position();
                let (_, chars, escapes) = self.string()?;
                let text = Verbatim {
                    content,
                    chars,
                    whole: true,
                    escapes,
                };
                let place = Place {
                    start,
                    text: Some(text),
                };
                self.places.record(&self.path, place);
                Ok(())
            }
            _ => {
                self.places.record(&self.path, Place { start, text: None });
                let before = self.at;
                while self.peek().is_some_and(|b| {
                    !matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.bump();
                }
                if self.at == before {
                    return Err(Stop);
                }
                Ok(())
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), Stop> {
        self.expect(b'{')?;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(());
        }
        loop {
            self.whitespace();
            self.expect(b'"')?;
            let (key, _, _) = self.string()?;
            self.whitespace();
            self.expect(b':')?;
            let len = self.path.len();
            push_key(&mut self.path, &key);
            self.value(depth + 1)?;
            self.path.truncate(len);
            self.whitespace();
            match self.bump() {
                Some(b',') => {}
                Some(b'}') => return Ok(()),
                _ => return Err(Stop),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Stop> {
        self.expect(b'[')?;
        self.whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(());
        }
        for i in 0.. {
            let len = self.path.len();
            push_index(&mut self.path, i);
            self.value(depth + 1)?;
            self.path.truncate(len);
            self.whitespace();
            match self.bump() {
                Some(b',') => {}
                Some(b']') => return Ok(()),
                _ => return Err(Stop),
            }
        }
        Ok(())
    }

    /// The rest of a string whose opening quote was read: its content
    /// decoded, how many characters it has, and which are escapes, with
    /// their widths. A JSON string has no line break, so each character
    /// is on the line it starts on.
    fn string(&mut self) -> Result<(String, usize, Escapes), Stop> {
        let mut content = Vec::new();
        let mut chars = 0;
        let mut escapes = Vec::new();
        loop {
            let before = self.at;
            let byte = self.bump().ok_or(Stop)?;
            match byte {
                b'"' => break,
                b'\\' => {
                    self.escape(&mut content)?;
                    // Escapes are ASCII: a byte is a column.
                    escapes.push((chars, self.at - before));
                    chars += 1;
                }
                _ => {
                    if !is_continuation(Some(byte)) {
                        chars += 1;
                    }
                    content.push(byte);
                }
            }
        }
        let content = String::from_utf8(content).map_err(|_| Stop)?;
        Ok((content, chars, escapes))
    }

    /// One escape after its backslash, decoded onto `content`.
    fn escape(&mut self, content: &mut Vec<u8>) -> Result<(), Stop> {
        let decoded = match self.bump().ok_or(Stop)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let units = if (0xD800..0xDC00).contains(&first) {
                    self.expect(b'\\')?;
                    self.expect(b'u')?;
                    vec![first, self.hex4()?]
                } else {
                    vec![first]
                };
                char::decode_utf16(units)
                    .next()
                    .and_then(Result::ok)
                    .ok_or(Stop)?
            }
            _ => return Err(Stop),
        };
        let mut buffer = [0; 4];
        content.extend_from_slice(decoded.encode_utf8(&mut buffer).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, Stop> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let digit = char::from(self.bump().ok_or(Stop)?)
                .to_digit(16)
                .ok_or(Stop)?;
            unit = unit * 16 + u16::try_from(digit).map_err(|_| Stop)?;
        }
        Ok(unit)
    }
}

/// Whether `byte` continues a UTF-8 character rather than starting one.
fn is_continuation(byte: Option<u8>) -> bool {
    byte.is_some_and(|b| b & 0xC0 == 0x80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Location};

    fn at(places: &Places, path: &str) -> Option<Position> {
        places.position(&Location::new(path))
    }

    #[test]
    fn every_value_is_found_by_its_path() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"é\": \"y\"\n}";
        let places = scan(text);
        assert_eq!(at(&places, ""), Some(Position::new(1, 1)));
        assert_eq!(at(&places, "a"), Some(Position::new(2, 8)));
        assert_eq!(at(&places, "a[0]"), Some(Position::new(2, 9)));
        assert_eq!(at(&places, "a[1]"), Some(Position::new(2, 12)));
        assert_eq!(at(&places, "a[1].b"), Some(Position::new(2, 18)));
        assert_eq!(at(&places, "é"), Some(Position::new(3, 8)));
        // Not in the text: the nearest enclosing value.
        assert_eq!(at(&places, "a[1].c"), Some(Position::new(2, 12)));
    }

    #[test]
    fn columns_in_a_string_count_escapes_at_their_width() {
        let places = scan(r#"{"w": "ab\ncd", "v": "é ab"}"#);
        let column = |path: &str, column| {
            let error = Error::syntax(column, String::new()).at(path);
            places.position(error.location().unwrap())
        };
        assert_eq!(column("w", 2), Some(Position::new(1, 9)));
        // After the escape: two columns of the text for its one character.
        assert_eq!(column("w", 3), Some(Position::new(1, 10)));
        assert_eq!(column("w", 4), Some(Position::new(1, 12)));
        // Just past the end of a string with escapes: its closing quote.
        assert_eq!(column("w", 6), Some(Position::new(1, 14)));
        assert_eq!(column("v", 3), Some(Position::new(1, 25)));
        // Just past the end of an escape-free string: its closing quote.
        assert_eq!(column("v", 5), Some(Position::new(1, 27)));
    }

    #[test]
    fn a_broken_text_keeps_what_came_before() {
        let places = scan(r#"{"a": 1, "b": [tru"#);
        assert_eq!(at(&places, "a"), Some(Position::new(1, 7)));
        assert_eq!(at(&places, "b[0]"), Some(Position::new(1, 16)));
        let deep = "[".repeat(100_000);
        assert_eq!(at(&scan(&deep), "[0][0]"), Some(Position::new(1, 3)));
    }
}

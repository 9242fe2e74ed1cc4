//! The crate's one error type, what went wrong in it, and the place in the
//! input it points at. Every step of the pipeline reports through it.

use std::fmt;

use crate::event::ValueRange;
use crate::signal::SignalKind;

/// Everything that can go wrong in `buyer-journey`, each with a clear message.
///
/// Messages are lowercase, name the offending item in quotes and, where the
/// input came from a ruleset, start with its [`Location`]
/// (`stage_rules[3].when, column 17: ...`). Unknown ids come with the
/// nearest known id as a suggestion.
///
/// The error is one pointer wide, so every `Result` of the crate stays small;
/// [`kind`](Error::kind) says what went wrong, with the details.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, ErrorKind};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut record = engine.record();
/// let err = record.set("cart_add", 1).unwrap_err();
/// assert_eq!(err.to_string(), "unknown signal 'cart_add', did you mean 'cart_adds'?");
/// assert!(matches!(err.kind(), ErrorKind::Unknown { what: "signal", .. }));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Error(Box<Inner>);

/// What went wrong, and where.
#[derive(Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    location: Location,
}

/// What went wrong: the details of an [`Error`]. Where it went wrong is the
/// error's [`location`](Error::location).
///
/// The enum is `#[non_exhaustive]`: match on the variants you handle and keep
/// a catch-all arm.
///
/// ```
/// use buyer_journey::{Condition, ErrorKind};
///
/// let err = Condition::parse("cart_adds >=").unwrap_err();
/// let ErrorKind::Syntax { message } = err.kind() else { panic!("a syntax error") };
/// assert_eq!(message, "expected a value, found the end of the text");
/// assert_eq!(err.location().unwrap().column(), Some(13));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text of a condition does not follow the grammar.
    #[error("{message}")]
    Syntax {
        /// What was expected there.
        message: String,
    },
    /// An id (of a signal, stage, rule, tag, ...) that nothing declares.
    #[error("unknown {what} '{}'{}", Excerpt(.id), did_you_mean(.suggestion.as_deref()))]
    Unknown {
        /// What the id names: `"signal"`, `"stage"`, ...
        what: &'static str,
        /// The id as written.
        id: String,
        /// The nearest declared id, if one is close.
        suggestion: Option<String>,
    },
    /// A label that the category signal does not declare.
    #[error(
        "unknown label '{}' for signal '{signal}'{}",
        Excerpt(.label),
        did_you_mean(.suggestion.as_deref())
    )]
    UnknownLabel {
        /// The category signal's id.
        signal: String,
        /// The label as written.
        label: String,
        /// The nearest declared label, if one is close.
        suggestion: Option<String>,
    },
    /// A condition mixes kinds of values that cannot be compared.
    #[error("{message}")]
    Type {
        /// What does not fit.
        message: String,
    },
    /// A ruleset, schema or stage model breaks a structural rule
    /// (duplicate ids, an empty model, a malformed id, ...).
    #[error("{message}")]
    Invalid {
        /// Why.
        message: String,
    },
    /// An input exceeds one of the [`Limits`](crate::Limits).
    #[error("{what} is {found}, over the limit of {limit} (see `Limits::{setter}`)")]
    Limit {
        /// What was measured.
        what: &'static str,
        /// The [`Limits`](crate::Limits) setter that raises the bound.
        setter: &'static str,
        /// The bound in force.
        limit: usize,
        /// The size found.
        found: usize,
    },
    /// A value of the wrong kind for its signal (a flag given to a count, ...).
    #[error("signal '{signal}' is {expected}, got {found}")]
    WrongKind {
        /// The signal's id.
        signal: String,
        /// The signal's kind, with its article: `"a count"`.
        expected: &'static str,
        /// The kind of value given: `"a flag"`.
        found: &'static str,
    },
    /// A count that is negative or not a whole number.
    #[error(
        "signal '{signal}' is a count, so {value} is not allowed: counts are whole numbers >= 0"
    )]
    InvalidCount {
        /// The signal's id.
        signal: String,
        /// The value given.
        value: f64,
    },
    /// An event older than the events already folded into the customer's
    /// profile: it arrived later than the ruleset's `event_tolerance` allows.
    /// Nothing was changed; the host decides what to do with the event.
    #[error(
        "event '{}' at @{at} arrived too late: this customer's events are folded up to \
         @{folded}, and events may be late by at most {tolerance} seconds (the ruleset's \
         event_tolerance)",
        Excerpt(.event)
    )]
    TooLate {
        /// The event's type.
        event: String,
        /// When the event happened, in Unix seconds.
        at: i64,
        /// The time of the newest event folded, in Unix seconds: nothing
        /// older can be.
        folded: i64,
        /// The ruleset's tolerance for late events, in seconds.
        tolerance: u64,
    },
    /// A document that does not read as a ruleset: it is not well-formed
    /// JSON or TOML, or a value in it does not fit its place (a string where
    /// a list belongs, an unknown field, a span of time that does not
    /// parse). The error's [`location`](Error::location) has the path and
    /// the line and column.
    #[error("{message}")]
    Document {
        /// What is wrong, without the place.
        message: String,
    },
    /// NaN or an infinity given for a signal.
    #[error("signal '{signal}' got {value}, but values must be finite numbers")]
    NotFinite {
        /// The signal's id.
        signal: String,
        /// The value given.
        value: f64,
    },
    /// Text that is not a value of its signal's kind, given to
    /// [`SignalRecord::set_text`](crate::SignalRecord::set_text).
    #[error(
        "signal '{signal}' is {}, so '{}' is not allowed: {}",
        .kind.with_article(),
        Excerpt(.text),
        text_hint(*.kind)
    )]
    InvalidText {
        /// The signal's id.
        signal: String,
        /// The signal's kind.
        kind: SignalKind,
        /// The text given, without the spaces around it.
        text: String,
    },
    /// A number outside the range its signal declares.
    #[error("signal '{signal}' must be {}, got {value}", Within(.range))]
    OutOfRange {
        /// The signal's id.
        signal: String,
        /// The signal's range.
        range: ValueRange,
        /// The value given.
        value: f64,
    },
}

impl fmt::Display for Error {
    /// The location as a prefix, then what went wrong:
    /// `stage_rules[3].when, column 17: unknown signal 'cart_add', ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.0.location, self.0.kind)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("location", &self.0.location)
            .finish()
    }
}

impl std::error::Error for Error {}

impl From<ErrorKind> for Error {
    #[cold]
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(Inner {
            kind,
            location: Location::default(),
        }))
    }
}

impl Error {
    /// What went wrong, with the details.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, ErrorKind};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[0].stage = "need".into();
    /// let err = Engine::builder(spec).build().unwrap_err();
    /// let ErrorKind::Unknown { what, suggestion, .. } = err.kind() else { panic!() };
    /// assert_eq!((*what, suggestion.as_deref()), ("stage", Some("need_recognition")));
    /// ```
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Where in a ruleset or condition text the error is, if it came from
    /// one.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[0].when = "cart_adds >=".into();
    /// let err = Engine::builder(spec).build().unwrap_err();
    /// let location = err.location().unwrap();
    /// assert_eq!(location.path(), "stage_rules[0].when");
    /// assert_eq!(location.column(), Some(13));
    /// ```
    #[must_use]
    pub fn location(&self) -> Option<&Location> {
        let location = &self.0.location;
        (!location.path.is_empty() || location.column.is_some() || location.position.is_some())
            .then_some(location)
    }

    /// Whether the error is a [`Limits`](crate::Limits) bound being exceeded.
    ///
    /// ```
    /// use buyer_journey::{Condition, Limits};
    ///
    /// let err = Condition::parse_with("a > 1 and b > 2", &Limits::default().max_expression_len(5))
    ///     .unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn is_limit(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Limit { .. })
    }

    /// An error of `kind` at `location`.
    #[cold]
    pub(crate) fn new(kind: ErrorKind, location: Location) -> Self {
        Error(Box::new(Inner { kind, location }))
    }

    /// A structural error at `location`.
    #[cold]
    pub(crate) fn invalid(location: Location, message: String) -> Self {
        Error::new(ErrorKind::Invalid { message }, location)
    }

    /// An unknown id of `what` (`"signal"`, ...), with the nearest known one.
    #[cold]
    pub(crate) fn unknown(what: &'static str, id: &str, suggestion: Option<String>) -> Self {
        ErrorKind::Unknown {
            what,
            id: id.to_owned(),
            suggestion,
        }
        .into()
    }

    /// A document that does not read as a ruleset, at `location`.
    #[cold]
    #[cfg(any(feature = "json", feature = "toml"))]
    pub(crate) fn document(location: Location, message: String) -> Self {
        Error::new(ErrorKind::Document { message }, location)
    }

    /// A syntax error at `column` of condition text.
    #[cold]
    pub(crate) fn syntax(column: usize, message: String) -> Self {
        Error::new(ErrorKind::Syntax { message }, Location::column_only(column))
    }

    /// A type error in a condition.
    #[cold]
    pub(crate) fn type_error(message: String) -> Self {
        ErrorKind::Type { message }.into()
    }

    /// The same error, placed under `path` (prefixed to any path it has).
    #[cold]
    #[must_use]
    pub(crate) fn at(mut self, path: &str) -> Self {
        let location = &mut self.0.location;
        location.path = if location.path.is_empty() {
            path.to_owned()
        } else if location.path.starts_with('[') || location.path.starts_with('.') {
            format!("{path}{}", location.path)
        } else {
            format!("{path}.{}", location.path)
        };
        self
    }

    /// The same error, placed at `position` in the text of the document
    /// the ruleset was read from.
    #[cold]
    #[must_use]
    #[cfg(any(feature = "json", feature = "toml"))]
    pub(crate) fn at_position(mut self, position: Position) -> Self {
        self.0.location.position = Some(position);
        self
    }

    /// The same error, pointing at `column` (1-based, in characters).
    #[cold]
    #[must_use]
    pub(crate) fn at_column(mut self, column: usize) -> Self {
        self.0.location.column = Some(column);
        self
    }
}

/// Where an error is: a path into the ruleset such as `stage_rules[3].when`,
/// and for condition text the 1-based column, counted in characters.
///
/// Displays as `stage_rules[3].when, column 17: ` (with the trailing colon, as
/// the prefix of a message), or as nothing when it is empty.
///
/// ```
/// use buyer_journey::Condition;
///
/// let err = Condition::parse("cart_adds >= 1 or").unwrap_err();
/// assert_eq!(err.location().unwrap().column(), Some(18));
/// assert_eq!(err.to_string(), "column 18: expected a condition, found the end of the text");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    path: String,
    column: Option<usize>,
    position: Option<Position>,
}

/// A place in the text of a document: 1-based line and column, the column
/// counted in characters.
///
/// ```
/// use buyer_journey::Position;
///
/// let position = Position::new(12, 30);
/// assert_eq!((position.line, position.column), (12, 30));
/// assert_eq!(position.to_string(), "line 12, column 30");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, in characters.
    pub column: usize,
}

impl Position {
    /// The place at `line` and `column`, both 1-based.
    ///
    /// ```
    /// use buyer_journey::Position;
    ///
    /// assert_eq!(Position::new(1, 1).line, 1);
    /// ```
    #[must_use]
    pub fn new(line: usize, column: usize) -> Self {
        Position { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

impl Location {
    /// The path into the ruleset, such as `stage_rules[3].when`; empty for a
    /// condition parsed on its own.
    ///
    /// ```
    /// use buyer_journey::{models, Condition, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[3].when = "cart_add >= 1".into();
    /// let err = Engine::builder(spec).build().unwrap_err();
    /// assert_eq!(err.location().unwrap().path(), "stage_rules[3].when");
    /// let parsed = Condition::parse("a >=").unwrap_err();
    /// assert_eq!(parsed.location().unwrap().path(), "");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The 1-based column in the condition text, counted in characters.
    ///
    /// ```
    /// use buyer_journey::Condition;
    ///
    /// let err = Condition::parse("größe >= 1 and (").unwrap_err();
    /// assert_eq!(err.location().unwrap().column(), Some(3));
    /// ```
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// Where in the document's text the ruleset has it, for a ruleset read
    /// from a document; `None` otherwise.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[0].stage = "need".into();
    /// let problems = Engine::builder(spec).check();
    /// assert_eq!(problems.iter().next().unwrap().location().position(), None);
    /// ```
    #[must_use]
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    pub(crate) fn new(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            column: None,
            position: None,
        }
    }

    pub(crate) fn column_only(column: usize) -> Self {
        Location {
            path: String::new(),
            column: Some(column),
            position: None,
        }
    }

    /// The same location, placed at `position` in the document's text.
    #[must_use]
    #[cfg(any(feature = "json", feature = "toml"))]
    pub(crate) fn at_position(mut self, position: Position) -> Self {
        self.position = Some(position);
        self
    }
}

impl fmt::Display for Location {
    /// `line 12, column 30: stage_rules[3].when, column 17: `: the place in
    /// the document first, when known, then the path and the column in the
    /// condition's text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(position) = self.position {
            write!(f, "{position}: ")?;
        }
        match (self.path.is_empty(), self.column) {
            (true, None) => Ok(()),
            (false, None) => write!(f, "{}: ", self.path),
            (true, Some(column)) => write!(f, "column {column}: "),
            (false, Some(column)) => write!(f, "{}, column {column}: ", self.path),
        }
    }
}

/// Text from the input as an error message quotes it: whole when short,
/// else its start and its length, so a megabyte of input makes a line of
/// message, not a megabyte. The error's fields keep the whole text.
pub(crate) struct Excerpt<'a>(pub(crate) &'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 64;
        match self.0.char_indices().nth(SHOWN) {
            None => f.write_str(self.0),
            Some((end, _)) => write!(f, "{}... ({} bytes)", &self.0[..end], self.0.len()),
        }
    }
}

/// What text a signal of `kind` takes, after "is not allowed: ".
fn text_hint(kind: SignalKind) -> &'static str {
    match kind {
        SignalKind::Flag => "use true/false, yes/no or 1/0",
        SignalKind::Count => "counts are whole numbers >= 0",
        SignalKind::Category => "use one of its labels",
        SignalKind::Number => "use a finite decimal number such as 42, -0.5 or 1e3",
    }
}

/// A range as a rule: `within 0..=120`, `>= 0`, `<= 120`.
struct Within<'a>(&'a ValueRange);

impl fmt::Display for Within<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.min, self.0.max) {
            (Some(min), Some(max)) => write!(f, "within {min}..={max}"),
            (Some(min), None) => write!(f, ">= {min}"),
            (None, Some(max)) => write!(f, "<= {max}"),
            (None, None) => f.write_str("a finite number"),
        }
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(id) => format!(", did you mean '{id}'?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), Error>>(),
            std::mem::size_of::<usize>()
        );
    }
}

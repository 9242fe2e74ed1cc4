//! The crate's one error type and the place in the input it points at.

use std::fmt;

/// Everything that can go wrong in `buyer-journey`, each with a clear message.
///
/// Messages are lowercase, name the offending item in quotes and, where the
/// input came from a ruleset, start with its [`Location`]
/// (`stage_rules[3].when, column 17: ...`). Unknown names come with the
/// nearest known name as a suggestion.
///
/// The enum is `#[non_exhaustive]`: match on the variants you handle and keep
/// a catch-all arm.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut record = engine.record();
/// let err = record.set("cart_add", 1).unwrap_err();
/// assert_eq!(err.to_string(), "unknown signal 'cart_add', did you mean 'cart_adds'?");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text of a condition does not follow the grammar.
    #[error("{location}{message}")]
    Syntax {
        /// Where the text breaks the grammar.
        location: Location,
        /// What was expected there.
        message: String,
    },
    /// A name (signal, stage, rule) that nothing declares.
    #[error("{location}unknown {what} '{name}'{}", did_you_mean(.suggestion))]
    Unknown {
        /// Where the name was used.
        location: Location,
        /// What kind of name: `"signal"`, `"stage"`, ...
        what: &'static str,
        /// The name as written.
        name: String,
        /// The nearest declared name, if one is close.
        suggestion: Option<String>,
    },
    /// A label that the category signal does not declare.
    #[error("{location}unknown label '{label}' for signal '{signal}'{}", did_you_mean(.suggestion))]
    UnknownLabel {
        /// Where the label was used; empty when it came from a record.
        location: Location,
        /// The category signal.
        signal: String,
        /// The label as written.
        label: String,
        /// The nearest declared label, if one is close.
        suggestion: Option<String>,
    },
    /// A condition mixes kinds of values that cannot be compared.
    #[error("{location}{message}")]
    Type {
        /// Where the mismatch is.
        location: Location,
        /// What does not fit.
        message: String,
    },
    /// A ruleset, schema or stage model breaks a structural rule
    /// (duplicate ids, an empty model, a bad name, ...).
    #[error("{location}{message}")]
    Invalid {
        /// Which item is invalid.
        location: Location,
        /// Why.
        message: String,
    },
    /// An input exceeds one of the [`Limits`](crate::Limits).
    #[error("{location}{what} is {found}, over the limit of {limit} (see `Limits::{setter}`)")]
    Limit {
        /// Where the limit was exceeded.
        location: Location,
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
        /// The signal.
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
        /// The signal.
        signal: String,
        /// The value given.
        value: f64,
    },
    /// NaN or an infinity given for a signal.
    #[error("signal '{signal}' got {value}, but values must be finite numbers")]
    NotFinite {
        /// The signal.
        signal: String,
        /// The value given.
        value: f64,
    },
}

impl Error {
    /// Where in a ruleset the error is, if it came from one.
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
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Syntax { location, .. }
            | Error::Unknown { location, .. }
            | Error::UnknownLabel { location, .. }
            | Error::Type { location, .. }
            | Error::Invalid { location, .. }
            | Error::Limit { location, .. } => {
                (!location.path.is_empty() || location.column.is_some()).then_some(location)
            }
            Error::WrongKind { .. } | Error::InvalidCount { .. } | Error::NotFinite { .. } => None,
        }
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
    pub fn is_limit(&self) -> bool {
        matches!(self, Error::Limit { .. })
    }

    /// The same error, placed under `path` (prefixed to any path it has).
    #[cold]
    pub(crate) fn at(mut self, path: &str) -> Self {
        let location = match &mut self {
            Error::Syntax { location, .. }
            | Error::Unknown { location, .. }
            | Error::UnknownLabel { location, .. }
            | Error::Type { location, .. }
            | Error::Invalid { location, .. }
            | Error::Limit { location, .. } => location,
            Error::WrongKind { .. } | Error::InvalidCount { .. } | Error::NotFinite { .. } => {
                return self
            }
        };
        location.path = if location.path.is_empty() {
            path.to_owned()
        } else if location.path.starts_with('[') || location.path.starts_with('.') {
            format!("{path}{}", location.path)
        } else {
            format!("{path}.{}", location.path)
        };
        self
    }

    /// The same error, pointing at `column` (1-based, in characters).
    #[cold]
    pub(crate) fn at_column(mut self, column: usize) -> Self {
        match &mut self {
            Error::Syntax { location, .. }
            | Error::Unknown { location, .. }
            | Error::UnknownLabel { location, .. }
            | Error::Type { location, .. }
            | Error::Invalid { location, .. }
            | Error::Limit { location, .. } => location.column = Some(column),
            Error::WrongKind { .. } | Error::InvalidCount { .. } | Error::NotFinite { .. } => {}
        }
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
}

impl Location {
    /// The path into the ruleset, such as `stage_rules[3].when`; empty for a
    /// condition parsed on its own.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The 1-based column in the condition text, counted in characters.
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    pub(crate) fn new(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            column: None,
        }
    }

    pub(crate) fn column_only(column: usize) -> Self {
        Location {
            path: String::new(),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.column) {
            (true, None) => Ok(()),
            (false, None) => write!(f, "{}: ", self.path),
            (true, Some(column)) => write!(f, "column {column}: "),
            (false, Some(column)) => write!(f, "{}, column {column}: ", self.path),
        }
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!(", did you mean '{name}'?"),
        None => String::new(),
    }
}

/// The known name nearest to `name`, if it is close enough to be a likely typo.
/// A typo within a few edits, or else a known name that the given one starts
/// (`reviews` for `reviews_read`).
pub(crate) fn suggest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let budget = (name.chars().count() / 3).max(2);
    let known: Vec<&str> = known.into_iter().collect();
    let typo = known
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance);
    let prefix = || {
        known
            .iter()
            .filter(|candidate| name.len() >= 3 && candidate.starts_with(name))
            .min_by_key(|candidate| candidate.len())
            .map(|candidate| (0, *candidate))
    };
    typo.or_else(prefix)
        .map(|(_, candidate)| candidate.to_owned())
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_name_within_budget() {
        let known = ["cart_adds", "checkout_starts", "comparisons"];
        assert_eq!(suggest("cart_add", known).as_deref(), Some("cart_adds"));
        assert_eq!(suggest("comparsons", known).as_deref(), Some("comparisons"));
        assert_eq!(suggest("zzz", known), None);
        assert_eq!(
            suggest("checkout", known).as_deref(),
            Some("checkout_starts")
        );
        assert_eq!(suggest("ca", known), None);
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("é", "e"), 1);
    }
}

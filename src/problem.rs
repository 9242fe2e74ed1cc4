//! Everything wrong with a ruleset at once: the errors that stop it being
//! built and the warnings about what cannot work as written, each located
//! at its place in the ruleset and, for a document read from text, at its
//! line and column there.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location};

/// How serious a [`Problem`] is: errors stop a ruleset being built,
/// warnings do not.
///
/// ```
/// use buyer_journey::Severity;
///
/// assert_eq!(Severity::Warning.to_string(), "warning");
/// assert!(Severity::Error > Severity::Warning);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The ruleset works, but part of it cannot do what it says: a stage
    /// nothing reaches, a condition that never holds, ...
    Warning,
    /// The ruleset cannot be built.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem with a ruleset: how serious it is, where it is and what it
/// is.
///
/// Displays as `error: stage_rules[3].when, column 17: unknown signal ...`,
/// with `line 12, column 30: ` before the path when the ruleset was read
/// from a document.
///
/// ```
/// use buyer_journey::{Condition, Problem, Severity};
///
/// let problem = Problem::from(Condition::parse("cart_adds >=").unwrap_err());
/// assert_eq!(problem.severity(), Severity::Error);
/// assert_eq!(
///     problem.to_string(),
///     "error: column 13: expected a value, found the end of the text"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    severity: Severity,
    location: Location,
    message: String,
}

impl Problem {
    /// A warning at `location`.
    pub(crate) fn warning(location: Location, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            location,
            message: message.into(),
        }
    }

    /// How serious the problem is.
    ///
    /// ```
    /// use buyer_journey::{Condition, Problem, Severity};
    ///
    /// let problem = Problem::from(Condition::parse("(").unwrap_err());
    /// assert_eq!(problem.severity(), Severity::Error);
    /// ```
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Where the problem is: the path into the ruleset, the column in a
    /// condition's text and the position in the document.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stage_rules[2].when = "reviews_red >= 3".into();
    /// let problems = Engine::builder(spec).check();
    /// let problem = problems.errors().next().unwrap();
    /// assert_eq!(problem.location().path(), "stage_rules[2].when");
    /// assert_eq!(problem.location().column(), Some(1));
    /// ```
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// What is wrong, without the location.
    ///
    /// ```
    /// use buyer_journey::{Condition, Problem};
    ///
    /// let problem = Problem::from(Condition::parse("a >").unwrap_err());
    /// assert_eq!(problem.message(), "expected a value, found the end of the text");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same problem at `location`'s place in the document.
    pub(crate) fn with_location(mut self, location: Location) -> Self {
        self.location = location;
        self
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        Problem {
            severity: Severity::Error,
            location: error.location().cloned().unwrap_or_default(),
            message: error.kind().to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}{}", self.severity, self.location, self.message)
    }
}

/// Every problem found in a ruleset, in the order of the ruleset: what
/// [`EngineBuilder::check`](crate::EngineBuilder::check) returns.
///
/// Displays one problem per line.
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let mut spec = models::buying_process();
/// spec.stage_rules[0].when = "need_serches >= 1".into();
/// spec.stage_rules[1].stage = "evaluaton".into();
/// let problems = Engine::builder(spec).check();
/// assert!(problems.has_errors());
/// assert_eq!(problems.errors().count(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// Whether any problem is an error: a ruleset with errors cannot be
    /// built.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// assert!(!Engine::builder(models::buying_process()).check().has_errors());
    /// ```
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|p| p.severity == Severity::Error)
    }

    /// Whether there is no problem at all, not even a warning.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// assert!(Engine::builder(models::buying_process()).check().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many problems there are.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// assert_eq!(Engine::builder(models::buying_process()).check().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every problem, in the order of the ruleset.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let mut spec = models::buying_process();
    /// spec.tags[0].when = "orders >".into();
    /// assert_eq!(Engine::builder(spec).check().iter().count(), 1);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// The errors only.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// assert_eq!(Engine::builder(models::buying_process()).check().errors().count(), 0);
    /// ```
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Error)
    }

    /// The warnings only.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// assert_eq!(Engine::builder(models::buying_process()).check().warnings().count(), 0);
    /// ```
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Warning)
    }

    pub(crate) fn push(&mut self, problem: impl Into<Problem>) {
        self.0.push(problem.into());
    }

    /// Each problem, changed by `f`: how a document places them at their
    /// line and column.
    pub(crate) fn map(self, f: impl FnMut(Problem) -> Problem) -> Self {
        Problems(self.0.into_iter().map(f).collect())
    }
}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Problems {
    type Item = Problem;
    type IntoIter = std::vec::IntoIter<Problem>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.0 {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}

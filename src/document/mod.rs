//! Rulesets as documents people write and maintain: JSON or TOML text read
//! into a [`RulesetSpec`], with every mistake placed at its line and column.
//!
//! Behind the `json` and `toml` features, so that the library itself stays
//! independent of any format: a host that stores rulesets another way
//! deserializes [`RulesetSpec`] with any serde format.

#[cfg(feature = "json")]
mod json_scan;
mod places;
#[cfg(feature = "json")]
mod read_json;
#[cfg(feature = "toml")]
mod read_toml;
mod write;

use crate::error::{Error, Position};
use crate::limits::Limits;
use crate::problem::Problems;
use crate::spec::RulesetSpec;
use crate::Engine;

use places::Places;

/// A ruleset read from a document, with where each of its values is in the
/// document's text: errors and [`Problems`] found in the ruleset are placed
/// at their line and column there.
///
/// A document that does not read as a ruleset is an [`Error`] of kind
/// [`ErrorKind::Document`](crate::ErrorKind::Document), with the path of the
/// value and its line and column:
/// `line 57, column 21: actions[4].contact.cooldown: '2x' is not a span of time ...`.
/// A document that reads is checked like any ruleset, and
/// [`check`](Document::check) places each problem in the text:
/// `error: line 12, column 30: stage_rules[3].when, column 17: unknown signal ...`.
///
/// Reading JSON needs the `json` feature, TOML the `toml` feature; the
/// writers are [`RulesetSpec::to_json`] and [`RulesetSpec::to_toml`].
///
/// # Example
///
/// ```
/// use buyer_journey::{Document, Limits};
///
/// let document = Document::from_json(r#"{
///   "signals": [{"id": "orders", "kind": "count"}],
///   "stages": [{"id": "prospect", "name": "Prospect"}, {"id": "customer", "name": "Customer"}],
///   "stage_rules": [{"id": "ordered", "stage": "customer", "when": "order >= 1"}]
/// }"#)?;
/// assert_eq!(
///     document.check(&Limits::default()).to_string(),
///     "error: line 4, column 67: stage_rules[0].when, column 1: unknown signal 'order', \
///      did you mean 'orders'?\n",
/// );
///
/// let err = Document::from_json(r#"{"signals": [{"id": "orders", "kind": "counter"}]}"#)
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "line 1, column 39: signals[0].kind: unknown variant `counter`, \
///      expected one of `number`, `count`, `flag`, `category`",
/// );
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    spec: RulesetSpec,
    places: Places,
}

impl Document {
    /// Reads a ruleset from JSON text. Requires the `json` feature.
    ///
    /// # Errors
    ///
    /// Text that is not JSON, or JSON that is not a ruleset (a missing or
    /// unknown field, a value of the wrong type, a span of time that does
    /// not parse), as an [`ErrorKind::Document`](crate::ErrorKind::Document)
    /// with the path of the value and its line and column in the text. The
    /// ruleset itself is not checked yet: see [`check`](Document::check).
    ///
    /// ```
    /// use buyer_journey::Document;
    ///
    /// let err = Document::from_json("{\n  \"signals\": [],\n  \"stages\": 5\n}").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "line 3, column 13: stages: invalid type: integer `5`, expected a sequence",
    /// );
    /// let position = err.location().unwrap().position().unwrap();
    /// assert_eq!((position.line, position.column), (3, 13));
    /// ```
    #[cfg(feature = "json")]
    pub fn from_json(text: &str) -> Result<Document, Error> {
        read_json::read(text)
    }

    /// Reads a ruleset from TOML text. Requires the `toml` feature.
    ///
    /// # Errors
    ///
    /// As [`from_json`](Document::from_json), for TOML.
    ///
    /// ```
    /// use buyer_journey::Document;
    ///
    /// let document = Document::from_toml(r#"
    /// signals = [{ id = "orders", kind = "count" }]
    ///
    /// [[stages]]
    /// id = "prospect"
    /// name = "Prospect"
    ///
    /// [[actions]]
    /// id = "welcome"
    /// kind = "email"
    /// stages = ["prospect"]
    /// value = 1.0
    /// contact = { cooldown = "2x" }
    /// "#);
    /// assert_eq!(
    ///     document.unwrap_err().to_string(),
    ///     "line 13, column 24: actions[0].contact.cooldown: '2x' is not a span of time: \
    ///      write numbers with the units d, h, m, s in that order, such as \"7d\" or \"1d12h\"",
    /// );
    /// ```
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Document, Error> {
        read_toml::read(text)
    }

    /// The ruleset the document holds.
    ///
    /// ```
    /// use buyer_journey::Document;
    ///
    /// let document = Document::from_json(r#"{"name": "tiny", "signals": [], "stages": []}"#)?;
    /// assert_eq!(document.spec().name, "tiny");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn spec(&self) -> &RulesetSpec {
        &self.spec
    }

    /// The ruleset, without the places of its values.
    ///
    /// ```
    /// use buyer_journey::{models, Document, Engine};
    ///
    /// let document = Document::from_json(&models::buying_process().to_json()?)?;
    /// let engine = Engine::builder(document.into_spec()).build()?;
    /// assert_eq!(engine.name(), "buying_process");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn into_spec(self) -> RulesetSpec {
        self.spec
    }

    /// Where the value at `path` starts in the text (a string at its
    /// opening quote), or if the text has no such value, the value that
    /// encloses it most closely: a field left at its default is placed at
    /// the object it belongs to.
    ///
    /// ```
    /// use buyer_journey::{Document, Position};
    ///
    /// let document = Document::from_json("{\n  \"signals\": [],\n  \"stages\": []\n}")?;
    /// assert_eq!(document.position("stages"), Some(Position::new(3, 13)));
    /// // No `stage_rules`: the whole document.
    /// assert_eq!(document.position("stage_rules[0]"), Some(Position::new(1, 1)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn position(&self, path: &str) -> Option<Position> {
        self.places.position(&crate::error::Location::new(path))
    }

    /// Every problem of the ruleset under `limits`, each placed at its line
    /// and column in the document: [`EngineBuilder::check`] and
    /// [`locate`](Document::locate) together.
    ///
    /// [`EngineBuilder::check`]: crate::EngineBuilder::check
    ///
    /// ```
    /// use buyer_journey::{Document, Limits, Position};
    ///
    /// let document = Document::from_toml(r#"
    /// signals = [{ id = "orders", kind = "count" }]
    /// stages = [{ id = "prospect", name = "Prospect" }]
    /// stage_rules = [{ id = "big", stage = "prospect", when = "orders >= 1 and order > 9" }]
    /// "#)?;
    /// let problems = document.check(&Limits::default());
    /// let problem = problems.iter().next().unwrap();
    /// assert_eq!(problem.location().path(), "stage_rules[0].when");
    /// assert_eq!(problem.location().column(), Some(17));
    /// // The column in the condition, in the document's text.
    /// assert_eq!(problem.location().position(), Some(Position::new(4, 74)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn check(&self, limits: &Limits) -> Problems {
        self.locate(Engine::builder(self.spec.clone()).limits(*limits).check())
    }

    /// The same problems, each placed at its line and column in the
    /// document: the start of the value at its path, or of the value
    /// enclosing it most closely; for a column in condition text, the
    /// character it points at (the start of its escape, if the document
    /// writes it as one), when no line break comes before it in the
    /// document's string (else the string's start).
    ///
    /// ```
    /// use buyer_journey::{Document, Engine, Position};
    ///
    /// let document = Document::from_json(
    ///     r#"{"signals": [], "stages": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}"#,
    /// )?;
    /// let problems = Engine::builder(document.spec().clone()).check();
    /// let located = document.locate(problems);
    /// let problem = located.iter().next().unwrap();
    /// assert_eq!(problem.location().path(), "stages[1].id");
    /// assert_eq!(problem.location().position(), Some(Position::new(1, 61)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn locate(&self, problems: Problems) -> Problems {
        problems.map(|problem| match self.places.position(problem.location()) {
            Some(position) => {
                let location = problem.location().clone().at_position(position);
                problem.with_location(location)
            }
            None => problem,
        })
    }

    /// The same error, placed at its line and column in the document, as
    /// [`locate`](Document::locate) places problems: for the error of
    /// [`EngineBuilder::build`](crate::EngineBuilder::build).
    ///
    /// ```
    /// use buyer_journey::{Document, Engine};
    ///
    /// let document = Document::from_json(
    ///     "{\"signals\": [],\n \"stages\": [{\"id\": \"Bad Id\", \"name\": \"B\"}]}",
    /// )?;
    /// let err = Engine::builder(document.spec().clone()).build().unwrap_err();
    /// let err = document.locate_error(err);
    /// assert!(err.to_string().starts_with("line 2, column 20: stages[0].id: "));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn locate_error(&self, error: Error) -> Error {
        let position = error
            .location()
            .and_then(|location| self.places.position(location));
        match position {
            Some(position) => error.at_position(position),
            None => error,
        }
    }
}

/// A path as `serde_path_to_error` tracks it, written as the validation's
/// paths are: `actions[4].contact.cooldown`. A step it could not follow
/// ends the path there, at the value that encloses the error.
#[cfg(any(feature = "json", feature = "toml"))]
fn path_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;

    let mut written = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => places::push_index(&mut written, *index),
            Segment::Map { key } => places::push_key(&mut written, key),
            Segment::Enum { variant } => places::push_key(&mut written, variant),
            Segment::Unknown => break,
        }
    }
    written
}

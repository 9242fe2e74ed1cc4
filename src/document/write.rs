//! Writing a ruleset as a document: the text that reads back as the same
//! ruleset.

use crate::error::{Error, Location};
use crate::spec::RulesetSpec;

use super::path_of;

impl RulesetSpec {
    /// The ruleset as pretty-printed JSON, which
    /// [`Document::from_json`](super::Document::from_json) reads back as the
    /// same ruleset. Requires the `json` feature.
    ///
    /// # Errors
    ///
    /// A condition tree nested deeper than 128 levels, which no reader
    /// accepts back, located at its path. JSON has no NaN or infinities:
    /// `serde_json` writes them as `null`, which reading back rejects (and
    /// validation rejects them anyway).
    ///
    /// ```
    /// use buyer_journey::{models, Document};
    ///
    /// let spec = models::buying_process();
    /// let json = spec.to_json()?;
    /// assert!(json.starts_with("{\n  \"name\": \"buying_process\","));
    /// assert_eq!(Document::from_json(&json)?.spec(), &spec);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> Result<String, Error> {
        let mut text = Vec::new();
        let mut serializer = serde_json::Serializer::pretty(&mut text);
        serde_path_to_error::serialize(self, &mut serializer).map_err(|error| {
            let path = path_of(error.path());
            Error::document(Location::new(path), error.into_inner().to_string())
        })?;
        text.push(b'\n');
        // `serde_json` writes only UTF-8.
        String::from_utf8(text)
            .map_err(|error| Error::document(Location::default(), error.to_string()))
    }

    /// The ruleset as TOML, which
    /// [`Document::from_toml`](super::Document::from_toml) reads back as the
    /// same ruleset. Requires the `toml` feature.
    ///
    /// A count above 2^63 - 1, the largest integer of the TOML
    /// specification (`usize::MAX` as `arbitration.max_suggestions`), is
    /// written as the `toml` crate writes it: this crate reads it back, a
    /// strict TOML reader does not.
    ///
    /// # Errors
    ///
    /// A condition tree nested deeper than 128 levels, which no reader
    /// accepts back, located at its path.
    ///
    /// ```
    /// use buyer_journey::{models, Document};
    ///
    /// let spec = models::buying_process();
    /// let toml = spec.to_toml()?;
    /// assert!(toml.starts_with("name = \"buying_process\"\n"));
    /// assert_eq!(Document::from_toml(&toml)?.spec(), &spec);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[cfg(feature = "toml")]
    pub fn to_toml(&self) -> Result<String, Error> {
        let mut buffer = toml::ser::Buffer::new();
        let serializer = toml::Serializer::pretty(&mut buffer);
        serde_path_to_error::serialize(self, serializer).map_err(|error| {
            let path = path_of(error.path());
            Error::document(Location::new(path), error.into_inner().to_string())
        })?;
        Ok(buffer.to_string())
    }
}

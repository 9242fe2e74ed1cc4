//! The `learning` section of a ruleset, validated.

use crate::index::TagIndex;
use crate::spec::{LearningSpec, Success};
use crate::time::Span;

/// A valid [`LearningSpec`], its tags resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) prior_strength: f64,
    pub(crate) half_life: Span,
    pub(crate) maturity: f64,
    /// In order of preference.
    pub(crate) by_tags: Vec<TagIndex>,
    pub(crate) success: Success,
}

impl Default for Settings {
    fn default() -> Self {
        let spec = LearningSpec::default();
        Settings {
            prior_strength: spec.prior_strength,
            half_life: spec.half_life,
            maturity: spec.maturity,
            by_tags: Vec::new(),
            success: spec.success,
        }
    }
}

//! The `learning` section: numbers in range and tags that exist.

use std::collections::HashMap;

use crate::error::{Error, Location};
use crate::index::TagIndex;
use crate::learn::Settings;
use crate::names::suggest;
use crate::spec::LearningSpec;

use super::collector::{Collector, Declared};
use super::Tag;

/// The validated settings of `spec` (the defaults when there is none), or
/// `None` after keeping every error, located under `learning`.
pub(super) fn validate(
    spec: Option<&LearningSpec>,
    tags: &[Tag],
    declared_tags: &Declared<'_>,
    c: &mut Collector<'_>,
) -> Option<Settings> {
    let default = LearningSpec::default();
    let spec = spec.unwrap_or(&default);
    let before = c.count();
    if !(spec.prior_strength.is_finite() && spec.prior_strength > 0.0) {
        c.push(invalid(
            "learning.prior_strength",
            format!(
                "a prior strength must be a finite number > 0, found {}",
                spec.prior_strength
            ),
        ));
    }
    if spec.half_life.as_seconds() == 0 {
        c.push(invalid(
            "learning.half_life",
            "a half-life must be longer than 0s".to_owned(),
        ));
    }
    if !(spec.maturity.is_finite() && spec.maturity >= 0.0) {
        c.push(invalid(
            "learning.maturity",
            format!(
                "a maturity must be a finite number >= 0, found {}",
                spec.maturity
            ),
        ));
    }
    let known: HashMap<&str, TagIndex> = tags.iter().map(|tag| (tag.id(), tag.index())).collect();
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    let mut by_tags = Vec::with_capacity(spec.by_tags.len());
    for (i, id) in spec.by_tags.iter().enumerate() {
        let path = format!("learning.by_tags[{i}]");
        if let Some(first) = first_at.insert(id, i) {
            c.push(invalid(
                &path,
                format!("tag '{id}' is listed twice, first at learning.by_tags[{first}]"),
            ));
            first_at.insert(id, first);
        } else if let Some(&index) = known.get(id.as_str()) {
            by_tags.push(index);
        } else if !declared_tags.contains(id) {
            c.push(Error::unknown("tag", id, suggest(id, tags.iter().map(Tag::id))).at(&path));
        }
    }
    (c.count() == before).then_some(Settings {
        prior_strength: spec.prior_strength,
        half_life: spec.half_life,
        maturity: spec.maturity,
        by_tags,
        success: spec.success,
    })
}

fn invalid(path: &str, message: String) -> Error {
    Error::invalid(Location::new(path), message)
}

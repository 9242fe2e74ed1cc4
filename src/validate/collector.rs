//! The errors of a ruleset, gathered in the order of the ruleset, and what
//! keeps one mistake from being reported again by every part that reads the
//! broken item.

use std::collections::HashSet;

use crate::condition::{Condition, When};
use crate::error::{Error, ErrorKind};
use crate::index::StageIndex;
use crate::limits::Limits;
use crate::signal::Schema;
use crate::stage::StageModel;

use super::transition::STAGE_SIGNAL;

/// The ids a part of a ruleset declares, of broken items too. A reference
/// to a declared but broken item is not reported as unknown: the item's own
/// error says what is wrong with it.
#[derive(Debug)]
pub(super) enum Declared<'a> {
    /// The part is unusable as a whole (over its count bound, or a model
    /// with no stage): every id counts as declared.
    Every,
    Ids(HashSet<&'a str>),
}

impl<'a> Declared<'a> {
    pub(super) fn ids(ids: impl IntoIterator<Item = &'a String>) -> Self {
        Declared::Ids(ids.into_iter().map(String::as_str).collect())
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        match self {
            Declared::Every => true,
            Declared::Ids(ids) => ids.contains(id),
        }
    }
}

/// Every error of a ruleset so far, and what later parts resolve ids
/// against besides the valid items.
#[derive(Debug)]
pub(super) struct Collector<'a> {
    pub(super) errors: Vec<Error>,
    pub(super) limits: &'a Limits,
    pub(super) signals: Declared<'a>,
    pub(super) stages: Declared<'a>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(limits: &'a Limits) -> Self {
        Collector {
            errors: Vec::new(),
            limits,
            signals: Declared::Every,
            stages: Declared::Every,
        }
    }

    pub(super) fn push(&mut self, error: Error) {
        self.errors.push(error);
    }

    /// The value of a check that passed, or `None` after keeping the error
    /// of one that failed.
    pub(super) fn keep<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// How many errors there are so far: an item is valid when checking it
    /// added none.
    pub(super) fn count(&self) -> usize {
        self.errors.len()
    }

    /// `when` parsed and checked against `schema`, or `None` after keeping
    /// its error at `path` (`stage_rules[3].when`).
    pub(super) fn condition(
        &mut self,
        when: &When,
        schema: &Schema,
        path: &str,
    ) -> Option<Condition> {
        self.compile(when, schema, path, false)
    }

    /// As [`condition`](Self::condition), for a transition condition, which
    /// also reads `stage` and `days_in_stage`.
    pub(super) fn journey_condition(
        &mut self,
        when: &When,
        schema: &Schema,
        path: &str,
    ) -> Option<Condition> {
        self.compile(when, schema, path, true)
    }

    fn compile(
        &mut self,
        when: &When,
        schema: &Schema,
        path: &str,
        journey: bool,
    ) -> Option<Condition> {
        match when.compile(schema, self.limits) {
            Ok(condition) => Some(condition),
            Err(error) => {
                if !self.follows_from_broken(&error, journey) {
                    self.push(error.at(path));
                }
                None
            }
        }
    }

    /// Whether `error`, from a condition, only repeats that a declared
    /// signal or stage is broken.
    fn follows_from_broken(&self, error: &Error, journey: bool) -> bool {
        match error.kind() {
            ErrorKind::Unknown {
                what: "signal", id, ..
            } => {
                self.signals.contains(id)
                    || (journey && id == STAGE_SIGNAL && matches!(self.stages, Declared::Every))
            }
            ErrorKind::UnknownLabel { signal, label, .. } => {
                journey && signal == STAGE_SIGNAL && self.stages.contains(label)
            }
            _ => false,
        }
    }

    /// The index of stage `id` in `model`, or `None`, after keeping an
    /// unknown-stage error at `path` unless the stage is declared but
    /// broken.
    pub(super) fn stage(
        &mut self,
        model: Option<&StageModel>,
        id: &str,
        path: &str,
    ) -> Option<StageIndex> {
        match model?.resolve(id) {
            Ok(stage) => Some(stage.index()),
            Err(error) => {
                if !self.stages.contains(id) {
                    self.push(error.at(path));
                }
                None
            }
        }
    }
}

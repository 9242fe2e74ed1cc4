//! A store's counts as serde data, by ids: to persist them and to move
//! them to another machine or another engine.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{Error, Location};
use crate::names::suggest;
use crate::time::Timestamp;

use super::store::LearnedStore;

/// The counts of a [`LearnedStore`] as data: each cell with responses, by
/// the ids of its action, stage and tag, its counts weighed as of `as_of`.
/// Made by [`LearnedStore::snapshot`], read by [`LearnedStore::restore`].
///
/// ```
/// use buyer_journey::{models, Engine, LearnedSnapshot, LearnedStore, Response, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
/// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
/// store.record_in(cell, Response::Accepted, Timestamp::EPOCH);
/// let json = serde_json::to_string(&store.snapshot()).unwrap();
/// assert_eq!(json, r#"{"as_of":0,"cells":[{"action":"evaluation.advisor_call","stage":"evaluation","successes":1.0,"responses":1.0}]}"#);
/// let back: LearnedSnapshot = serde_json::from_str(&json).unwrap();
/// let restored = LearnedStore::restore(&engine, &back)?;
/// assert_eq!(restored.snapshot(), store.snapshot());
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LearnedSnapshot {
    /// The time the counts are weighed at: a response then counts 1.
    pub as_of: Timestamp,
    /// The cells with responses.
    #[serde(default)]
    pub cells: Vec<LearnedCount>,
}

/// One cell of a [`LearnedSnapshot`].
///
/// ```
/// use buyer_journey::LearnedCount;
///
/// let count: LearnedCount = serde_json::from_str(
///     r#"{"action": "a", "stage": "s", "tag": "loyal", "successes": 2, "responses": 5}"#,
/// ).unwrap();
/// assert_eq!(count.tag.as_deref(), Some("loyal"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LearnedCount {
    /// The action's id.
    pub action: String,
    /// The id of the stage it was shown in.
    pub stage: String,
    /// The learned tag the customers had; none for customers with none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The successes, weighed as of the snapshot's `as_of`.
    pub successes: f64,
    /// The responses, weighed as of the snapshot's `as_of`; at least the
    /// successes.
    pub responses: f64,
}

impl LearnedStore {
    /// The counts as data, by ids, weighed as of the store's
    /// [`landmark`](LearnedStore::landmark); cells without responses are
    /// left out. Allocates.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// assert!(store.snapshot().cells.is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn snapshot(&self) -> LearnedSnapshot {
        let (actions, stages, tags) = self.layout_ids();
        let cells = self
            .sums()
            .filter(|&(_, _, responses)| responses > 0.0)
            .map(
                |((action, stage, slot), successes, responses)| LearnedCount {
                    action: actions[action].clone(),
                    stage: stages[stage].clone(),
                    tag: slot.checked_sub(1).map(|tag| tags[tag].clone()),
                    successes: successes.min(responses),
                    responses,
                },
            )
            .collect();
        LearnedSnapshot {
            as_of: self.landmark(),
            cells,
        }
    }

    /// A store for `engine` with the counts of `snapshot`, its landmark
    /// the snapshot's `as_of`. Actions and stages are found by id or by
    /// alias (ids before a rename), so a snapshot taken under an older
    /// version of the ruleset restores into a newer one.
    ///
    /// # Errors
    ///
    /// The first cell that does not fit, located at
    /// `cells[i].action`, `cells[i].stage`, `cells[i].tag` (a tag the
    /// ruleset does not learn by) or `cells[i].successes` /
    /// `cells[i].responses` (counts that are not finite numbers with
    /// 0 <= successes <= responses).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedSnapshot, LearnedStore};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let snapshot: LearnedSnapshot = serde_json::from_str(r#"{"as_of": 0, "cells": [
    ///     {"action": "evaluation.advisor_call", "stage": "evaluation", "successes": 1, "responses": 2},
    ///     {"action": "evaluation.advisor_cal", "stage": "evaluation", "successes": 1, "responses": 2}
    /// ]}"#).unwrap();
    /// let err = LearnedStore::restore(&engine, &snapshot).unwrap_err();
    /// assert_eq!(err.to_string(), "cells[1].action: unknown action 'evaluation.advisor_cal', \
    ///     did you mean 'evaluation.advisor_call'?");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn restore(engine: &Engine, snapshot: &LearnedSnapshot) -> Result<LearnedStore, Error> {
        let store = LearnedStore::new(engine, snapshot.as_of);
        let cells = store.resolve(engine, snapshot)?;
        for (cell, count) in cells.into_iter().zip(&snapshot.cells) {
            store.add_at(cell, count.successes, count.responses, snapshot.as_of);
        }
        Ok(store)
    }

    /// The (action, stage, slot) of each cell of `snapshot` in this store,
    /// or the first that has none.
    fn resolve(
        &self,
        engine: &Engine,
        snapshot: &LearnedSnapshot,
    ) -> Result<Vec<(usize, usize, usize)>, Error> {
        let (actions, stages, tags) = self.layout_ids();
        let position = |ids: &[String]| -> HashMap<String, usize> {
            ids.iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect()
        };
        let (action_at, stage_at) = (position(actions), position(stages));
        snapshot
            .cells
            .iter()
            .enumerate()
            .map(|(i, count)| {
                let at = |field: &str| format!("cells[{i}].{field}");
                let action = engine
                    .find_action(&count.action)
                    .and_then(|action| action_at.get(action.id()))
                    .ok_or_else(|| {
                        let known = actions.iter().map(String::as_str);
                        Error::unknown("action", &count.action, suggest(&count.action, known))
                            .at(&at("action"))
                    })?;
                let stage = engine
                    .model()
                    .find(&count.stage)
                    .and_then(|stage| stage_at.get(stage.id()))
                    .ok_or_else(|| {
                        let known = stages.iter().map(String::as_str);
                        Error::unknown("stage", &count.stage, suggest(&count.stage, known))
                            .at(&at("stage"))
                    })?;
                let slot = match &count.tag {
                    None => 0,
                    Some(tag) => tags
                        .iter()
                        .position(|t| t == tag)
                        .map(|p| p + 1)
                        .ok_or_else(|| {
                            Error::invalid(
                                Location::new(at("tag")),
                                format!("tag '{tag}' is not one the ruleset learns by"),
                            )
                        })?,
                };
                check_counts(count.successes, count.responses, &at)?;
                Ok((*action, *stage, slot))
            })
            .collect()
    }
}

fn check_counts(successes: f64, responses: f64, at: &dyn Fn(&str) -> String) -> Result<(), Error> {
    let fits = |count: f64| count.is_finite() && count >= 0.0;
    if !fits(responses) {
        return Err(Error::invalid(
            Location::new(at("responses")),
            format!("responses must be a finite number >= 0, found {responses}"),
        ));
    }
    // Sums of the same weights, added in another order, may differ in the
    // last bits.
    if !fits(successes) || successes > responses * (1.0 + 1e-9) {
        return Err(Error::invalid(
            Location::new(at("successes")),
            format!("successes must be a finite number from 0 to the responses ({responses}), found {successes}"),
        ));
    }
    Ok(())
}

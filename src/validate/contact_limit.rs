//! The customer-level contact limits, validated against the catalog's
//! groups.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::error::{Error, Location};
use crate::names::{check_plain, suggest};
use crate::spec::{ActionSpec, ContactLimitSpec};
use crate::time::Span;

use super::collector::Collector;
use super::{Action, Ids};

/// A validated contact limit: at most `times` showings of the actions in
/// scope within `window`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContactLimit {
    pub(crate) id: String,
    pub(crate) times: u32,
    pub(crate) window: Span,
    /// The dense index of the group the limit is over; every action when
    /// `None`.
    pub(crate) group: Option<usize>,
}

impl ContactLimit {
    /// Whether the limit counts and holds back `action`.
    pub(crate) fn covers(&self, action: &Action) -> bool {
        self.group.is_none_or(|group| group == action.group_index)
    }
}

/// The limits without errors. `actions` are the valid actions, `specs`
/// all of them: a group only a broken action has is not reported unknown,
/// and a limit over it holds nothing back.
pub(super) fn validate(
    limits: &[ContactLimitSpec],
    specs: &[ActionSpec],
    actions: &mut [Action],
    c: &mut Collector<'_>,
) -> Vec<ContactLimit> {
    let groups: IndexMap<&str, usize> = actions
        .iter()
        .map(|action| (action.group(), action.group_index))
        .collect();
    let declared: HashSet<&str> = specs
        .iter()
        .map(|spec| spec.group.as_deref().unwrap_or(&spec.kind))
        .collect();
    let mut ids = Ids::new("contact limit");
    let mut valid = Vec::with_capacity(limits.len());
    for (i, spec) in limits.iter().enumerate() {
        let path = format!("contact_limits[{i}]");
        let at = |field: &str| format!("{path}.{field}");
        let before = c.count();
        if c.keep(check_plain(&spec.id, "contact limit", c.limits).map_err(|e| e.at(&at("id"))))
            .is_some()
        {
            c.keep(ids.insert(&spec.id, &path));
        }
        if spec.times == 0 {
            c.push(invalid(
                at("times"),
                format!(
                    "contact limit '{}' allows 0 contacts, so no action in its scope is ever \
                     shown: give it at least 1",
                    spec.id
                ),
            ));
        }
        if spec.window == Span::ZERO {
            c.push(invalid(
                at("window"),
                format!(
                    "the window of contact limit '{}' must be more than zero",
                    spec.id
                ),
            ));
        }
        let group = match spec.group.as_deref() {
            None => Some(None),
            Some(group) => match groups.get(group) {
                Some(&index) => Some(Some(index)),
                None if declared.contains(group) => None,
                None => {
                    c.push(
                        Error::unknown("group", group, suggest(group, declared.iter().copied()))
                            .at(&at("group")),
                    );
                    None
                }
            },
        };
        if c.count() > before {
            continue;
        }
        let Some(group) = group else { continue };
        valid.push(ContactLimit {
            id: spec.id.clone(),
            times: spec.times,
            window: spec.window,
            group,
        });
    }
    for action in actions.iter_mut() {
        action.limit_reach = valid
            .iter()
            .filter(|limit| limit.covers(action))
            .map(|limit| (limit.window, limit.times))
            .reduce(|(w1, t1), (w2, t2)| (w1.max(w2), t1.max(t2)));
    }
    valid
}

fn invalid(path: String, message: String) -> Error {
    Error::invalid(Location::new(path), message)
}

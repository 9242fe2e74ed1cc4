//! The catalog compiled for ranking, and the hot path that ranks it for one
//! customer: filter, score, keep the best few. Allocation-free with fitted
//! buffers.

use crate::compile::{FormulaIndex, FormulaRange, Layout, Program};
use crate::index::{ActionIndex, TagIndex};
use crate::score::ScoreInput;
use crate::spec::Arbitration;
use crate::stage::Stage;
use crate::time::Timestamp;
use crate::validate::{Action, ContactLimit, Tag};

use super::contact::{contact_blocks, contacts};
use super::scorer::priority;
use super::{ActionInput, ActionScorer, ContactHistory};

/// A ranked action as the hot path keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pick {
    pub(crate) action: ActionIndex,
    pub(crate) priority: f64,
    pub(crate) propensity: f64,
    /// The propensity rule that held, if the built-in propensity came from one.
    pub(crate) rule: Option<u32>,
}

/// Where ranking takes each action's propensity from, given the one the
/// ruleset or the host's scorer gives (`prior`): [`Fixed`] keeps it, a
/// learned store replaces it. Generic, so that [`Fixed`] costs nothing.
pub(crate) trait Propensity {
    fn propensity(&self, action: ActionIndex, prior: f64) -> f64;
}

/// The propensities of the ruleset and the host's scorer, unchanged.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fixed;

impl Propensity for Fixed {
    #[inline(always)]
    fn propensity(&self, _: ActionIndex, prior: f64) -> f64 {
        prior
    }
}

/// One action as ranking reads it: the action, and the formulas of its
/// eligibility condition and propensity rules.
#[derive(Debug)]
struct Entry {
    action: Action,
    condition: FormulaIndex,
    propensity_rules: FormulaRange,
}

/// The actions of one stage, in catalog order: the regular ones, and the
/// fallbacks ranked only when no regular one is suggested.
#[derive(Debug, Clone, Default)]
struct StageActions {
    regular: Vec<ActionIndex>,
    fallback: Vec<ActionIndex>,
}

/// The compiled catalog.
#[derive(Debug)]
pub(crate) struct Catalog {
    entries: Vec<Entry>,
    /// The actions of each stage.
    by_stage: Vec<StageActions>,
    /// The most actions one ranking pass reads: the longest list of regular
    /// or of fallback actions of any stage.
    widest_stage: usize,
    groups: usize,
    arbitration: Arbitration,
    /// The customer-level contact limits.
    limits: Vec<ContactLimit>,
}

impl Catalog {
    /// The catalog of `actions` over a model of `stages` stages, whose
    /// actions fall in `groups` groups; `layout` has their formulas.
    pub(crate) fn new(
        actions: Vec<Action>,
        stages: usize,
        groups: usize,
        arbitration: Arbitration,
        limits: Vec<ContactLimit>,
        layout: &Layout,
    ) -> Catalog {
        let mut by_stage = vec![StageActions::default(); stages];
        for action in &actions {
            for stage in action.stages() {
                if let Some(lists) = by_stage.get_mut(stage.as_usize()) {
                    let list = if action.is_fallback() {
                        &mut lists.fallback
                    } else {
                        &mut lists.regular
                    };
                    list.push(action.index());
                }
            }
        }
        let widest_stage = by_stage
            .iter()
            .map(|lists| lists.regular.len().max(lists.fallback.len()))
            .max()
            .unwrap_or(0);
        let entries = actions
            .into_iter()
            .filter_map(|action| {
                Some(Entry {
                    condition: layout.action(action.index())?,
                    propensity_rules: layout.propensity_rules(action.index()),
                    action,
                })
            })
            .collect();
        Catalog {
            entries,
            by_stage,
            widest_stage,
            groups,
            arbitration,
            limits,
        }
    }

    /// The actions, in catalog order.
    pub(crate) fn actions(&self) -> impl ExactSizeIterator<Item = &Action> + '_ {
        self.entries.iter().map(|entry| &entry.action)
    }

    /// The action at `index`.
    pub(crate) fn action(&self, index: ActionIndex) -> Option<&Action> {
        self.entries
            .get(index.as_usize())
            .map(|entry| &entry.action)
    }

    /// The action of a pick this catalog made.
    pub(crate) fn picked(&self, pick: &Pick) -> &Action {
        &self.entries[pick.action.as_usize()].action
    }

    pub(crate) fn arbitration(&self) -> Arbitration {
        self.arbitration
    }

    /// The customer-level contact limits, in ruleset order.
    pub(crate) fn limits(&self) -> &[ContactLimit] {
        &self.limits
    }

    /// Marks in `buffers` the contact limits the customer has reached at
    /// `now`: once per ranking, not per action, and only when the ruleset
    /// declares limits.
    fn check_limits<H: ContactHistory + ?Sized>(
        &self,
        history: &H,
        now: Timestamp,
        buffers: &mut RankBuffers,
    ) {
        buffers.any_limit_reached = false;
        if self.limits.is_empty() {
            return;
        }
        for (limit, reached) in self.limits.iter().zip(&mut buffers.limits_reached) {
            *reached = contacts(limit, self.actions(), history, now) >= limit.times;
            buffers.any_limit_reached |= *reached;
        }
    }

    /// Ranks the actions of the customer's stage into `buffers.picks`, best
    /// first: the regular actions, or, when none of them is suggested, the
    /// fallbacks.
    #[allow(clippy::too_many_arguments)] // the inputs of one decision, each of a different kind
    pub(crate) fn rank<H: ContactHistory + ?Sized, P: Propensity>(
        &self,
        scorer: Option<&dyn ActionScorer>,
        learned: &P,
        customer: &Customer<'_>,
        history: &H,
        now: Timestamp,
        stack: &mut Vec<bool>,
        buffers: &mut RankBuffers,
    ) {
        let Some(lists) = self.by_stage.get(customer.stage.index().as_usize()) else {
            buffers.candidates.clear();
            buffers.picks.clear();
            return;
        };
        self.check_limits(history, now, buffers);
        self.rank_among(
            &lists.regular,
            scorer,
            learned,
            customer,
            history,
            now,
            stack,
            buffers,
        );
        // Fallbacks are only asked about (conditions, contact history,
        // scorer) when they can be offered.
        if buffers.picks.is_empty() && !lists.fallback.is_empty() {
            self.rank_among(
                &lists.fallback,
                scorer,
                learned,
                customer,
                history,
                now,
                stack,
                buffers,
            );
        }
    }

    /// Ranks `actions` (all of the customer's stage) into `buffers.picks`,
    /// best first: filter, score, keep the best within the arbitration.
    #[allow(clippy::too_many_arguments)] // as `rank`, and the actions to rank
    fn rank_among<H: ContactHistory + ?Sized, P: Propensity>(
        &self,
        actions: &[ActionIndex],
        scorer: Option<&dyn ActionScorer>,
        learned: &P,
        customer: &Customer<'_>,
        history: &H,
        now: Timestamp,
        stack: &mut Vec<bool>,
        buffers: &mut RankBuffers,
    ) {
        buffers.candidates.clear();
        buffers.picks.clear();
        for &index in actions {
            let entry = &self.entries[index.as_usize()];
            let action = &entry.action;
            let tags_fit = action.requires().iter().all(|tag| has(customer.tags, *tag))
                && !action.excludes().iter().any(|tag| has(customer.tags, *tag));
            if !tags_fit
                || !customer.program.eval(entry.condition, customer.bits, stack)
                || (buffers.any_limit_reached
                    && self
                        .limits
                        .iter()
                        .zip(&buffers.limits_reached)
                        .any(|(limit, &reached)| reached && limit.covers(action)))
                || contact_blocks(action, history, now)
                    .iter()
                    .any(Option::is_some)
            {
                continue;
            }
            let rule = entry
                .propensity_rules
                .iter()
                .position(|formula| customer.program.eval(formula, customer.bits, stack));
            let input = ActionInput {
                signals: customer.signals,
                stage: customer.stage,
                tags: customer.tags,
                all_tags: customer.all_tags,
                action,
                rule,
            };
            let propensity = learned.propensity(index, input.propensity(scorer));
            let priority = priority(propensity, action);
            if priority > 0.0 {
                // Within the capacity fitted to the widest stage.
                buffers.candidates.push(Pick {
                    action: index,
                    priority,
                    propensity,
                    // Bounded by `Limits::max_rules`.
                    #[allow(clippy::cast_possible_truncation)]
                    rule: rule.map(|rule| rule as u32),
                });
            }
        }
        // Unstable sorting does not allocate; indices are unique, so the
        // order is total.
        buffers.candidates.sort_unstable_by(|a, b| {
            b.priority
                .total_cmp(&a.priority)
                .then(a.action.cmp(&b.action))
        });
        buffers.group_counts.fill(0);
        let arbitration = self.arbitration;
        for pick in &buffers.candidates {
            if buffers.picks.len() == arbitration.max_suggestions {
                break;
            }
            let group = self.entries[pick.action.as_usize()].action.group_index;
            if let Some(count) = buffers.group_counts.get_mut(group) {
                if *count < arbitration.max_per_group {
                    *count += 1;
                    buffers.picks.push(*pick);
                }
            }
        }
    }
}

/// One customer's classification, as the ranking reads it.
pub(crate) struct Customer<'a> {
    pub(crate) signals: &'a ScoreInput<'a>,
    pub(crate) stage: &'a Stage,
    pub(crate) tags: &'a [TagIndex],
    pub(crate) all_tags: &'a [Tag],
    pub(crate) program: &'a Program,
    pub(crate) bits: &'a [u64],
}

/// Buffers of the ranking, fitted to the catalog.
#[derive(Debug, Clone, Default)]
pub(crate) struct RankBuffers {
    candidates: Vec<Pick>,
    pub(crate) picks: Vec<Pick>,
    group_counts: Vec<usize>,
    /// Whether the customer reached each contact limit, in ruleset order.
    limits_reached: Vec<bool>,
    any_limit_reached: bool,
}

impl RankBuffers {
    /// Makes room for ranking `catalog`; allocates only when there is too
    /// little.
    pub(crate) fn fit(&mut self, catalog: &Catalog) {
        let picks = catalog
            .arbitration
            .max_suggestions
            .min(catalog.widest_stage);
        self.candidates
            .reserve(catalog.widest_stage.saturating_sub(self.candidates.len()));
        self.picks.reserve(picks.saturating_sub(self.picks.len()));
        self.group_counts.resize(catalog.groups, 0);
        self.limits_reached.resize(catalog.limits.len(), false);
    }
}

/// Whether sorted `tags` holds `tag`.
fn has(tags: &[TagIndex], tag: TagIndex) -> bool {
    tags.binary_search(&tag).is_ok()
}

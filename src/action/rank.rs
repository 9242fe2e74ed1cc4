//! The hot path of the actions: filter the catalog for one customer, score
//! what passes, keep the best few. Allocation-free with fitted buffers.

use crate::action::scorer::clamp_propensity;
use crate::action::{Action, ActionInput, ActionScorer, Arbitration, ContactHistory};
use crate::compile::Program;
use crate::id::{ActionId, StageId, TagId};
use crate::score::ScoreInput;
use crate::stage::Stage;
use crate::tag::Tag;
use crate::time::{Span, Timestamp};

/// A ranked action as the hot path keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pick {
    pub(crate) action: ActionId,
    pub(crate) priority: f64,
    pub(crate) propensity: f64,
    /// The propensity rule that held, if the built-in propensity came from one.
    pub(crate) rule: Option<u32>,
}

/// The compiled catalog.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub(crate) actions: Vec<Action>,
    /// The actions of each stage, in catalog order.
    by_stage: Vec<Vec<ActionId>>,
    /// The formula of each action's eligibility condition; its propensity
    /// rules' formulas follow it.
    formulas: Vec<usize>,
    /// The most actions any one stage has.
    pub(crate) widest_stage: usize,
    pub(crate) groups: usize,
    pub(crate) arbitration: Arbitration,
}

impl Catalog {
    /// `first_formula` is the program's formula of the first action's
    /// condition; each action's condition and propensity rules follow in
    /// order.
    pub(crate) fn new(
        actions: Vec<Action>,
        stages: usize,
        groups: usize,
        arbitration: Arbitration,
        first_formula: usize,
    ) -> Catalog {
        let mut by_stage = vec![Vec::new(); stages];
        let mut formulas = Vec::with_capacity(actions.len());
        let mut next = first_formula;
        for action in &actions {
            for stage in action.stages() {
                if let Some(list) = by_stage.get_mut(stage.index()) {
                    list.push(action.action_id());
                }
            }
            formulas.push(next);
            next += 1 + action.propensity_rules().len();
        }
        let widest_stage = by_stage.iter().map(Vec::len).max().unwrap_or(0);
        Catalog {
            actions,
            by_stage,
            formulas,
            widest_stage,
            groups,
            arbitration,
        }
    }
}

/// One customer's classification, as the ranking reads it.
pub(crate) struct Customer<'a> {
    pub(crate) signals: &'a ScoreInput<'a>,
    pub(crate) stage: &'a Stage,
    pub(crate) tags: &'a [TagId],
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
}

impl RankBuffers {
    pub(crate) fn fit(&mut self, catalog: &Catalog) {
        reserve(&mut self.candidates, catalog.widest_stage);
        reserve(
            &mut self.picks,
            catalog
                .arbitration
                .max_suggestions
                .min(catalog.widest_stage),
        );
        self.group_counts.resize(catalog.groups, 0);
    }
}

/// Makes room for `capacity` items in `buffer`; allocates only when it has
/// less.
pub(crate) fn reserve<T>(buffer: &mut Vec<T>, capacity: usize) {
    if buffer.capacity() < capacity {
        buffer.reserve(capacity - buffer.len());
    }
}

/// Ranks the catalog for `customer` into `buffers.picks`, best first.
pub(crate) fn rank<H: ContactHistory + ?Sized>(
    catalog: &Catalog,
    scorer: Option<&dyn ActionScorer>,
    customer: &Customer<'_>,
    history: &H,
    now: Timestamp,
    stack: &mut Vec<bool>,
    buffers: &mut RankBuffers,
) {
    buffers.candidates.clear();
    buffers.picks.clear();
    let stage_actions = catalog
        .by_stage
        .get(customer.stage.stage_id().index())
        .map_or(&[][..], Vec::as_slice);
    for &id in stage_actions {
        let action = &catalog.actions[id.index()];
        let formula = catalog.formulas[id.index()];
        let tags_fit = action.requires.iter().all(|tag| has(customer.tags, *tag))
            && !action.excludes.iter().any(|tag| has(customer.tags, *tag));
        if !tags_fit
            || !customer.program.eval_formula(formula, customer.bits, stack)
            || contact_blocks(action, history, now)
                .iter()
                .any(Option::is_some)
        {
            continue;
        }
        let rule = (0..action.propensity_rules().len()).find(|&rule| {
            customer
                .program
                .eval_formula(formula + 1 + rule, customer.bits, stack)
        });
        let input = ActionInput {
            signals: customer.signals,
            stage: customer.stage,
            tags: customer.tags,
            all_tags: customer.all_tags,
            action,
            rule,
        };
        let propensity = clamp_propensity(match scorer {
            Some(scorer) => scorer.propensity(&input),
            None => input.built_in(),
        });
        let priority = priority(propensity, action);
        if priority > 0.0 {
            // Within the capacity fitted to the widest stage.
            buffers.candidates.push(Pick {
                action: id,
                priority,
                propensity,
                // Bounded by `Limits::max_rules`.
                #[allow(clippy::cast_possible_truncation)]
                rule: rule.map(|rule| rule as u32),
            });
        }
    }
    // Unstable sorting does not allocate; ids are unique, so the order is total.
    buffers.candidates.sort_unstable_by(|a, b| {
        b.priority
            .total_cmp(&a.priority)
            .then(a.action.cmp(&b.action))
    });
    buffers.group_counts.fill(0);
    let arbitration = catalog.arbitration;
    for pick in &buffers.candidates {
        if buffers.picks.len() == arbitration.max_suggestions {
            break;
        }
        let group = catalog.actions[pick.action.index()].group_index;
        if let Some(count) = buffers.group_counts.get_mut(group) {
            if *count < arbitration.max_per_group {
                *count += 1;
                buffers.picks.push(*pick);
            }
        }
    }
}

/// Whether sorted `tags` holds `tag`.
fn has(tags: &[TagId], tag: TagId) -> bool {
    tags.binary_search(&tag).is_ok()
}

/// propensity × value × weight, saturating at `f64::MAX`.
pub(crate) fn priority(propensity: f64, action: &Action) -> f64 {
    (propensity * action.value() * action.weight()).min(f64::MAX)
}

/// Why the contact policy holds an action back right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContactBlock {
    /// Shown at `last_shown`; the cooldown lasts until `until`.
    Cooldown {
        last_shown: Timestamp,
        until: Timestamp,
    },
    /// Shown `shown` times within the last `window`, the cap being `times`.
    Cap {
        shown: u32,
        times: u32,
        window: Span,
    },
    /// Dismissed `dismissals` times, the limit being `max`.
    Dismissed { dismissals: u32, max: u32 },
}

/// Each limit of the action's contact policy that holds it back at `now`.
/// Asks the history only about the limits the policy sets.
pub(crate) fn contact_blocks<H: ContactHistory + ?Sized>(
    action: &Action,
    history: &H,
    now: Timestamp,
) -> [Option<ContactBlock>; 3] {
    let policy = action.contact();
    let cooldown = policy.cooldown.and_then(|cooldown| {
        let last_shown = history.last_shown(action)?;
        let until = last_shown + cooldown;
        (now < until).then_some(ContactBlock::Cooldown { last_shown, until })
    });
    let cap = policy.cap.and_then(|cap| {
        let shown = history.times_shown_after(action, now.before(cap.window));
        (shown >= cap.times).then_some(ContactBlock::Cap {
            shown,
            times: cap.times,
            window: cap.window,
        })
    });
    let dismissed = policy.max_dismissals.and_then(|max| {
        let dismissals = history.dismissals(action);
        (dismissals >= max).then_some(ContactBlock::Dismissed { dismissals, max })
    });
    [cooldown, cap, dismissed]
}

/// Whether an action applies in `stage`.
pub(crate) fn applies_in(action: &Action, stage: StageId) -> bool {
    action.stages().contains(&stage)
}

//! The transition rules compiled: which rule, if any, moves a customer.

use std::sync::Arc;

use crate::compile::{FormulaIndex, Layout, Program};
use crate::index::StageIndex;
use crate::signal::Schema;
use crate::stage::StageModel;
use crate::time::Span;
use crate::validate::TransitionRule;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// The transition rules of an engine, compiled for
/// [`Engine::advance`](crate::Engine::advance).
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    /// The host's signals, then `stage` and `days_in_stage` (when there are
    /// rules).
    schema: Schema,
    /// How many of the schema's signals are the host's.
    host_signals: usize,
    rules: Vec<TransitionRule>,
    /// The rules' conditions, over `schema`.
    program: Program,
    /// For each stage, the rules that may fire from it, best first, with
    /// their formulas: `candidates[starts[s]..starts[s + 1]]`.
    candidates: Vec<(u32, FormulaIndex)>,
    starts: Vec<usize>,
    /// Each stage's id, shared into the states that name it.
    stage_ids: Vec<Arc<str>>,
}

impl Machine {
    /// The machine of `rules`, whose conditions read `schema` (the host's
    /// `host_signals` signals, then the stage and the days in it) and are
    /// compiled into `program` as `layout` says.
    pub(crate) fn new(
        schema: Schema,
        host_signals: usize,
        rules: Vec<TransitionRule>,
        program: Program,
        layout: &Layout,
        model: &StageModel,
    ) -> Self {
        // Highest priority first, then declaration order.
        let mut order: Vec<usize> = (0..rules.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(rules[i].priority()));
        let mut candidates = Vec::new();
        let mut starts = Vec::with_capacity(model.len() + 1);
        for stage in model.iter() {
            starts.push(candidates.len());
            for &i in &order {
                let rule = &rules[i];
                if let (true, Some(formula)) = (
                    rule.from().contains(&stage.index()),
                    layout.transition(rule.index()),
                ) {
                    // Bounded by `Limits::max_rules`.
                    #[allow(clippy::cast_possible_truncation)]
                    candidates.push((i as u32, formula));
                }
            }
        }
        starts.push(candidates.len());
        Machine {
            schema,
            host_signals,
            rules,
            program,
            candidates,
            starts,
            stage_ids: model.iter().map(|stage| Arc::from(stage.id())).collect(),
        }
    }

    /// The extended schema the conditions were checked against.
    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn rules(&self) -> &[TransitionRule] {
        &self.rules
    }

    pub(crate) fn program(&self) -> &Program {
        &self.program
    }

    /// How many of the schema's signals are the host's.
    pub(crate) fn host_signals(&self) -> usize {
        self.host_signals
    }

    /// The shared id of stage `stage`.
    pub(crate) fn shared_stage_id(&self, stage: StageIndex) -> &Arc<str> {
        &self.stage_ids[stage.as_usize()]
    }

    /// The stage with id `id`. A scan, not the model's hash map: models are
    /// small, a state from this engine shares the name (one pointer
    /// comparison), and a stored one mostly differs in length.
    pub(crate) fn find_stage(&self, id: &Arc<str>) -> Option<StageIndex> {
        self.stage_ids
            .iter()
            .position(|stage| Arc::ptr_eq(stage, id) || **stage == **id)
            .map(StageIndex::new)
    }

    /// Whether any rule may fire from `stage`.
    pub(crate) fn has_candidates(&self, stage: StageIndex) -> bool {
        self.starts[stage.as_usize()] < self.starts[stage.as_usize() + 1]
    }

    /// Fills the two values after the host's signals: the stage and the
    /// days in it.
    pub(crate) fn set_journey_values(&self, values: &mut [f64], stage: StageIndex, in_stage: Span) {
        #[allow(clippy::cast_precision_loss)] // a stage index is small
        let stage = stage.as_usize() as f64;
        // Exact for any realistic span: 2^53 seconds is 285 million years.
        #[allow(clippy::cast_precision_loss)]
        let days = in_stage.as_seconds() as f64 / SECONDS_PER_DAY;
        if let Some([stage_slot, days_slot]) = values.get_mut(self.host_signals..) {
            *stage_slot = stage;
            *days_slot = days;
        }
    }

    /// The first rule, best first, that may fire from `stage` after
    /// `in_stage` there, and whose condition holds over `values` (filled by
    /// [`set_journey_values`](Machine::set_journey_values)). `bits` and
    /// `stack` are sized for the program; nothing allocates.
    pub(crate) fn fire(
        &self,
        stage: StageIndex,
        in_stage: Span,
        values: &[f64],
        bits: &mut [u64],
        stack: &mut Vec<bool>,
    ) -> Option<&TransitionRule> {
        let range = self.starts[stage.as_usize()]..self.starts[stage.as_usize() + 1];
        let candidates = &self.candidates[range];
        let dwelt = |rule: &TransitionRule| rule.min_dwell().is_none_or(|dwell| in_stage >= dwell);
        // When every rule is still within its minimum dwell, as the
        // built-in model's new cycles are for a week after a purchase and
        // every rule with a dwell is right after a move in the same call,
        // none can fire: skip evaluating the atoms.
        if !candidates
            .iter()
            .any(|&(i, _)| dwelt(&self.rules[i as usize]))
        {
            return None;
        }
        self.program.eval_atoms(values, bits);
        candidates.iter().find_map(|&(i, formula)| {
            let rule = &self.rules[i as usize];
            (dwelt(rule) && self.program.eval(formula, bits, stack)).then_some(rule)
        })
    }
}

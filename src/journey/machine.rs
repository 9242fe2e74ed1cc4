//! The compiled transition rules: which rule, if any, moves a customer.

use std::sync::Arc;

use crate::compile::Program;
use crate::condition::Condition;
use crate::id::StageId;
use crate::signal::Schema;
use crate::stage::StageModel;
use crate::time::Span;

use super::rule::TransitionRule;

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
    /// One formula per rule, in rule order.
    program: Program,
    /// For each stage, the rules that may fire from it, best first:
    /// `candidates[starts[s]..starts[s + 1]]`.
    candidates: Vec<u32>,
    starts: Vec<usize>,
    /// Each stage's id, shared into the states that name it.
    stage_names: Vec<Arc<str>>,
}

impl Machine {
    pub(crate) fn new(
        schema: Schema,
        host_signals: usize,
        rules: Vec<TransitionRule>,
        model: &StageModel,
    ) -> Self {
        let conditions: Vec<&Condition> = rules.iter().map(TransitionRule::condition).collect();
        let program = Program::compile(&schema, &conditions);
        drop(conditions);
        // Highest priority first, then declaration order.
        let mut order: Vec<usize> = (0..rules.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(rules[i].priority()));
        let mut candidates = Vec::new();
        let mut starts = Vec::with_capacity(model.len() + 1);
        for stage in model.iter() {
            starts.push(candidates.len());
            for &i in &order {
                if rules[i].from().contains(&stage.stage_id()) {
                    // Bounded by `Limits::max_rules`.
                    #[allow(clippy::cast_possible_truncation)]
                    candidates.push(i as u32);
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
            stage_names: model.iter().map(|stage| Arc::from(stage.id())).collect(),
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

    /// The shared id of stage `stage`.
    pub(crate) fn stage_name(&self, stage: StageId) -> &Arc<str> {
        &self.stage_names[stage.index()]
    }

    /// The stage named `name`. A scan, not the model's hash map: models are
    /// small, a state from this engine shares the name (one pointer
    /// comparison), and a stored one mostly differs in length.
    pub(crate) fn stage_id(&self, name: &Arc<str>) -> Option<StageId> {
        self.stage_names
            .iter()
            .position(|stage| Arc::ptr_eq(stage, name) || **stage == **name)
            .map(StageId::new)
    }

    /// Whether any rule may fire from `stage`.
    pub(crate) fn has_candidates(&self, stage: StageId) -> bool {
        self.starts[stage.index()] < self.starts[stage.index() + 1]
    }

    /// Fills the two values after the host's signals: the stage and the
    /// days in it.
    pub(crate) fn set_journey_values(&self, values: &mut [f64], stage: StageId, in_stage: Span) {
        #[allow(clippy::cast_precision_loss)] // a stage index is small
        let stage = stage.index() as f64;
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
        stage: StageId,
        in_stage: Span,
        values: &[f64],
        bits: &mut [u64],
        stack: &mut Vec<bool>,
    ) -> Option<&TransitionRule> {
        self.program.eval_atoms(values, bits);
        let range = self.starts[stage.index()]..self.starts[stage.index() + 1];
        self.candidates[range].iter().find_map(|&i| {
            let rule = &self.rules[i as usize];
            let dwelt = rule.min_dwell().is_none_or(|dwell| in_stage >= dwell);
            (dwelt && self.program.eval_formula(i as usize, bits, stack)).then_some(rule)
        })
    }
}

#[cfg(test)]
mod tests {
    //! `Machine::fire` against a plain reference: the candidate rules in
    //! priority-then-declaration order, the dwell check, and the reference
    //! interpreter on each condition.

    use std::cmp::Reverse;

    use proptest::prelude::*;

    use super::*;
    use crate::condition::evaluate_dense;
    use crate::journey::{FromStages, TransitionSpec};
    use crate::limits::Limits;
    use crate::models;
    use crate::signal::SignalSpec;
    use crate::spec::RulesetSpec;
    use crate::stage::StageSpec;

    /// The machine `Engine::builder(spec).build()` would compile.
    fn machine(spec: &RulesetSpec) -> Machine {
        let validated = spec.validate(&Limits::default()).unwrap();
        Machine::new(
            validated.transition_schema,
            validated.schema.len(),
            validated.transitions,
            &validated.model,
        )
    }

    /// The documented winner: of the rules that list `stage`, highest
    /// priority first and then declaration order, the first whose dwell has
    /// passed and whose condition the interpreter says holds.
    fn reference<'m>(
        machine: &'m Machine,
        stage: StageId,
        in_stage: Span,
        values: &[f64],
    ) -> Option<&'m TransitionRule> {
        let rules = machine.rules();
        let mut order: Vec<usize> = (0..rules.len()).collect();
        order.sort_by_key(|&i| (Reverse(rules[i].priority()), i));
        order.into_iter().map(|i| &rules[i]).find(|rule| {
            rule.from().contains(&stage)
                && rule.min_dwell().is_none_or(|dwell| in_stage >= dwell)
                && evaluate_dense(rule.condition(), machine.schema(), values)
        })
    }

    /// Compares `fire` with the reference for one customer; `values` holds
    /// the host's values and room for the two journey values. Returns the
    /// winner's index, if any.
    fn agree(
        machine: &Machine,
        stage: StageId,
        in_stage: Span,
        values: &mut [f64],
    ) -> Option<usize> {
        machine.set_journey_values(values, stage, in_stage);
        let host = machine.host_signals;
        if machine.schema().len() > host {
            assert_eq!(values[host], stage.index() as f64);
            assert_eq!(
                values[host + 1],
                in_stage.as_seconds() as f64 / SECONDS_PER_DAY
            );
        }
        let mut bits = vec![0; machine.program().atom_count().div_ceil(64)];
        let mut stack = Vec::new();
        let fired = machine.fire(stage, in_stage, values, &mut bits, &mut stack);
        let expected = reference(machine, stage, in_stage, values);
        assert_eq!(
            fired.map(TransitionRule::id),
            expected.map(TransitionRule::id),
            "stage {stage:?} after {in_stage} with {values:?}"
        );
        assert_eq!(
            machine.has_candidates(stage),
            machine
                .rules()
                .iter()
                .any(|rule| rule.from().contains(&stage))
        );
        let rules = machine.rules();
        fired.map(|rule| rules.iter().position(|r| std::ptr::eq(r, rule)).unwrap())
    }

    /// A small deterministic generator.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn built_in_fire_agrees_with_the_reference() {
        let spec = models::buying_process();
        let machine = machine(&spec);
        let host = machine.host_signals;
        assert_eq!(host, spec.signals.len());
        assert_eq!(machine.schema().len(), host + 2);
        let stages = spec.stages.len();
        let spans = [
            Span::ZERO,
            Span::hours(1),
            Span::seconds(Span::days(7).as_seconds() - 1),
            Span::days(7),
            Span::days(400),
        ];
        let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut fired = vec![0usize; machine.rules().len()];
        let mut values = vec![f64::NAN; host + 2];
        for _ in 0..3_000 {
            for value in &mut values[..host] {
                let roll = random.next() % 10;
                *value = if roll < 3 {
                    f64::NAN
                } else if roll < 7 {
                    0.0
                } else {
                    (roll - 6) as f64
                };
            }
            for stage in 0..stages {
                for &span in &spans {
                    if let Some(i) = agree(&machine, StageId::new(stage), span, &mut values) {
                        fired[i] += 1;
                    }
                }
            }
        }
        // Every rule of the built-in model won somewhere.
        assert!(fired.iter().all(|&n| n > 0), "{fired:?}");
    }

    /// One atom of a random condition: a comparison of a host signal, the
    /// stage or the days in it. Stage indices are taken modulo the stages.
    fn atom(kind: u8, stage: usize, k: u8, stages: usize) -> String {
        let s = |i: usize| format!("\"s{}\"", i % stages);
        match kind % 14 {
            0 => format!("a >= {k}"),
            1 => format!("a == {k}"),
            2 => format!("x < {}", f64::from(k) - 0.5),
            3 => "f".to_owned(),
            4 => "f == false".to_owned(),
            5 => "plan in [\"free\", \"team\"]".to_owned(),
            6 => "missing(a)".to_owned(),
            7 => format!("stage == {}", s(stage)),
            8 => format!("stage != {}", s(stage)),
            9 => format!("stage in [{}, {}]", s(stage), s(stage + usize::from(k))),
            10 => format!("days_in_stage >= {}", f64::from(k) / 2.0),
            11 => format!("days_in_stage < {}", f64::from(k) / 2.0),
            12 => format!("days_in_stage between {} and {}", f64::from(k) / 4.0, k),
            _ => format!("a * 2 + x >= days_in_stage + {k}"),
        }
    }

    #[derive(Debug, Clone)]
    enum Text {
        Atom(u8, usize, u8),
        Not(Box<Text>),
        And(Box<Text>, Box<Text>),
        Or(Box<Text>, Box<Text>),
        AtLeast(Vec<Text>),
    }

    impl Text {
        fn render(&self, stages: usize) -> String {
            match self {
                Text::Atom(kind, stage, k) => atom(*kind, *stage, *k, stages),
                Text::Not(t) => format!("not ({})", t.render(stages)),
                Text::And(a, b) => format!("({}) and ({})", a.render(stages), b.render(stages)),
                Text::Or(a, b) => format!("({}) or ({})", a.render(stages), b.render(stages)),
                Text::AtLeast(items) => format!(
                    "at_least(2, {})",
                    items
                        .iter()
                        .map(|t| t.render(stages))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    }

    fn text() -> impl Strategy<Value = Text> {
        let leaf = (any::<u8>(), 0..8usize, 0..4u8).prop_map(|(kind, s, k)| Text::Atom(kind, s, k));
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                1 => inner.clone().prop_map(|t| Text::Not(Box::new(t))),
                2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Text::And(Box::new(a), Box::new(b))),
                2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| Text::Or(Box::new(a), Box::new(b))),
                1 => proptest::collection::vec(inner, 2..4).prop_map(Text::AtLeast),
            ]
        })
    }

    /// A transition as drawn: from (`None` = any), to, back, new_cycle,
    /// dwell in hours, priority, condition.
    type Drawn = (
        Option<Vec<usize>>,
        usize,
        bool,
        bool,
        Option<u64>,
        i32,
        Text,
    );

    fn drawn() -> impl Strategy<Value = Drawn> {
        (
            proptest::option::weighted(0.6, proptest::collection::vec(0..8usize, 1..5)),
            0..8usize,
            proptest::bool::weighted(0.3),
            proptest::bool::weighted(0.15),
            proptest::option::weighted(0.4, 0u64..60),
            -2i32..=2,
            text(),
        )
    }

    /// A valid ruleset over `stages` stages s0.. with the drawn transitions,
    /// each `from` list cut to what validation accepts (`any` when nothing
    /// is left).
    fn ruleset(stages: usize, drawn: &[Drawn]) -> RulesetSpec {
        let transitions = drawn
            .iter()
            .enumerate()
            // `any` with no stage to move from is an error: skip those.
            .filter(|(_, (from, to, back, new_cycle, ..))| {
                let (to, may_go_back) = (to % stages, *back || *new_cycle);
                let listed = from
                    .iter()
                    .flatten()
                    .any(|s| s % stages != to && (may_go_back || s % stages < to));
                listed || (stages > 1 && (may_go_back || to > 0))
            })
            .map(|(i, (from, to, back, new_cycle, dwell, priority, when))| {
                let to = to % stages;
                let mut spec =
                    TransitionSpec::new(&format!("t{i}"), &format!("s{to}"), when.render(stages))
                        .priority(*priority);
                let mut kept: Vec<String> = Vec::new();
                for stage in from.iter().flatten().map(|s| s % stages) {
                    let id = format!("s{stage}");
                    if stage != to && !kept.contains(&id) && (*back || *new_cycle || stage < to) {
                        kept.push(id);
                    }
                }
                if !kept.is_empty() {
                    spec.from = FromStages::Stages(kept);
                }
                spec.back = *back;
                spec.new_cycle = *new_cycle;
                spec.min_dwell = dwell.map(Span::hours);
                spec
            })
            .collect();
        RulesetSpec {
            signals: vec![
                SignalSpec::count("a"),
                SignalSpec::number("x"),
                SignalSpec::flag("f"),
                SignalSpec::category("plan", ["free", "pro", "team"]),
            ],
            stages: (0..stages)
                .map(|i| StageSpec::new(&format!("s{i}"), &format!("S{i}"), ""))
                .collect(),
            transitions,
            ..RulesetSpec::default()
        }
    }

    fn host_values() -> impl Strategy<Value = [f64; 4]> {
        let maybe = |values: &'static [f64]| prop_oneof![1 => Just(f64::NAN), 4 => proptest::sample::select(values)];
        [
            maybe(&[0.0, 1.0, 2.0, 3.0]),
            maybe(&[-1.0, 0.0, 0.5, 1.5, 2.5, 4.0]),
            maybe(&[0.0, 1.0]),
            maybe(&[0.0, 1.0, 2.0]),
        ]
    }

    /// Seconds in the stage: near whole and half days and dwell hours.
    fn in_stage() -> impl Strategy<Value = Span> {
        prop_oneof![
            (0u64..24 * 5, 0u64..=2)
                .prop_map(|(h, s)| Span::seconds((h * 3600 + s).saturating_sub(1))),
            (0u64..100 * 86_400).prop_map(Span::seconds),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_fire_agrees_with_the_reference(
            stages in 1..=8usize,
            drawn in proptest::collection::vec(drawn(), 0..12),
            customers in proptest::collection::vec((host_values(), 0..8usize, in_stage()), 1..8),
        ) {
            let spec = ruleset(stages, &drawn);
            let machine = machine(&spec);
            prop_assert_eq!(machine.rules().len(), spec.transitions.len());
            for (host, stage, span) in customers {
                let mut values = host.to_vec();
                values.extend([f64::NAN; 2]);
                agree(&machine, StageId::new(stage % stages), span, &mut values);
            }
        }
    }

    #[test]
    fn without_transitions_no_stage_has_candidates() {
        let mut spec = models::buying_process();
        spec.transitions.clear();
        let machine = machine(&spec);
        assert_eq!(machine.schema().len(), spec.signals.len());
        for stage in 0..spec.stages.len() {
            assert!(!machine.has_candidates(StageId::new(stage)));
        }
    }
}

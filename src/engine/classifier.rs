//! Step 4 of the pipeline, classification: the stage rules, score rules,
//! scorers and hit policy that place a customer in a stage, and the tags
//! that say what type of customer they are. It is the compiled stage of
//! classification, beside the action catalog and the journey machine; the
//! engine runs it first.
//!
//! It has two ways to run, with one answer: over the compiled program
//! ([`Classifier::classify`], the hot path) and with the reference
//! interpreter ([`Classifier::interpret`], the specification).

use crate::compile::{FormulaIndex, Layout, Program};
use crate::condition::evaluate_dense;
use crate::index::{RuleIndex, StageIndex, TagIndex};
use crate::score::{Evidence, ScoreInput, StageScorer};
use crate::signal::Schema;
use crate::spec::HitPolicy;
use crate::stage::StageModel;
use crate::validate::{Rule, RuleKind, Tag};

/// What classifying one customer produces, in buffers the caller owns.
#[derive(Debug, Clone)]
pub(crate) struct Classified {
    /// The rules that fired, in rule order.
    pub(crate) fired: Vec<RuleIndex>,
    /// The evidence per stage, in model order.
    pub(crate) evidence: Vec<f64>,
    pub(crate) stage: StageIndex,
    pub(crate) confidence: f64,
    /// The customer's tags, in order.
    pub(crate) tags: Vec<TagIndex>,
}

impl Classified {
    /// Empty buffers; the stage is the entry stage until a classification.
    pub(crate) fn new() -> Self {
        Classified {
            fired: Vec::new(),
            evidence: Vec::new(),
            stage: StageIndex::new(0),
            confidence: 0.0,
            tags: Vec::new(),
        }
    }
}

/// The compiled classification of an engine.
pub(crate) struct Classifier {
    schema: Schema,
    model: StageModel,
    hit_policy: HitPolicy,
    /// Stage rules, then score rules, by [`RuleIndex`].
    rules: Vec<Rule>,
    /// Each rule's formula, by [`RuleIndex`].
    rule_formulas: Vec<FormulaIndex>,
    /// How many of the rules are stage rules.
    stage_rules: usize,
    /// The stage rules in the order the `first` hit policy tries them: by
    /// priority, higher first, then as written.
    first_order: Vec<(RuleIndex, FormulaIndex)>,
    /// The built-in rule scorer, then the host's.
    scorers: Vec<Box<dyn StageScorer>>,
    tags: Vec<Tag>,
    /// Each tag's formula, by [`TagIndex`].
    tag_formulas: Vec<FormulaIndex>,
}

impl Classifier {
    pub(crate) fn new(
        schema: Schema,
        model: StageModel,
        hit_policy: HitPolicy,
        rules: Vec<Rule>,
        tags: Vec<Tag>,
        host_scorers: Vec<Box<dyn StageScorer>>,
        layout: &Layout,
    ) -> Self {
        let stage_rules = rules
            .iter()
            .take_while(|rule| matches!(rule.kind(), RuleKind::Stage { .. }))
            .count();
        let rule_formulas: Vec<FormulaIndex> = rules
            .iter()
            .filter_map(|rule| layout.rule(rule.index()))
            .collect();
        let mut first_order: Vec<(RuleIndex, FormulaIndex)> = rules[..stage_rules]
            .iter()
            .map(|rule| rule.index())
            .zip(rule_formulas.iter().copied())
            .collect();
        // A stable sort keeps the written order among equal priorities.
        first_order.sort_by_key(|(rule, _)| first_rank(&rules[rule.as_usize()]));
        let mut scorers: Vec<Box<dyn StageScorer>> = Vec::with_capacity(host_scorers.len() + 1);
        scorers.push(Box::new(RuleScorer::new(&rules)));
        scorers.extend(host_scorers);
        let tag_formulas = tags
            .iter()
            .filter_map(|tag| layout.tag(tag.index()))
            .collect();
        Classifier {
            schema,
            model,
            hit_policy,
            rules,
            rule_formulas,
            stage_rules,
            first_order,
            scorers,
            tags,
            tag_formulas,
        }
    }

    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn model(&self) -> &StageModel {
        &self.model
    }

    pub(crate) fn hit_policy(&self) -> HitPolicy {
        self.hit_policy
    }

    /// Stage rules, then score rules, by [`RuleIndex`].
    pub(crate) fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The tags, by [`TagIndex`].
    pub(crate) fn tags(&self) -> &[Tag] {
        &self.tags
    }

    /// How many scorers run, the built-in one included.
    pub(crate) fn scorer_count(&self) -> usize {
        self.scorers.len()
    }

    /// Makes room in `out` for any classification; allocates only when
    /// there is too little.
    pub(crate) fn fit(&self, out: &mut Classified) {
        out.fired
            .reserve(self.rules.len().saturating_sub(out.fired.len()));
        out.tags
            .reserve(self.tags.len().saturating_sub(out.tags.len()));
        out.evidence.resize(self.model.len(), 0.0);
    }

    /// Classifies the customer with signal `values`, whose atoms `program`
    /// evaluated into `bits`, into `out` (fitted with
    /// [`fit`](Classifier::fit), so nothing allocates).
    pub(crate) fn classify(
        &self,
        program: &Program,
        values: &[f64],
        bits: &[u64],
        stack: &mut Vec<bool>,
        out: &mut Classified,
    ) {
        // Whether a rule fires is unpredictable: write every index and
        // advance past the ones that fired, without a branch. Within
        // capacity, so no allocation.
        let fired = &mut out.fired;
        fired.resize(self.rules.len(), RuleIndex::new(0));
        let mut count = 0;
        let mut record = |rule: usize, holds: bool| {
            fired[count] = RuleIndex::new(rule);
            count += usize::from(holds);
        };
        let score_rules = match self.hit_policy {
            HitPolicy::First => {
                // Only the first stage rule that holds fires; the rest are
                // not even evaluated.
                if let Some(&(rule, _)) = self
                    .first_order
                    .iter()
                    .find(|(_, formula)| program.eval(*formula, bits, stack))
                {
                    record(rule.as_usize(), true);
                }
                self.stage_rules..self.rules.len()
            }
            HitPolicy::Furthest | HitPolicy::HighestScore => 0..self.rules.len(),
        };
        for rule in score_rules {
            record(rule, program.eval(self.rule_formulas[rule], bits, stack));
        }
        fired.truncate(count);
        // Under `first` the one stage rule comes before the score rules, so
        // the fired list is in rule order under every policy.
        self.decide(values, out);
        let tags = &mut out.tags;
        tags.resize(self.tags.len(), TagIndex::new(0));
        let mut tagged = 0;
        for (tag, &formula) in self.tag_formulas.iter().enumerate() {
            tags[tagged] = TagIndex::new(tag);
            tagged += usize::from(program.eval(formula, bits, stack));
        }
        tags.truncate(tagged);
    }

    /// Classifies with the reference interpreter: the specification that
    /// [`classify`](Classifier::classify) is tested against.
    pub(crate) fn interpret(&self, values: &[f64], out: &mut Classified) {
        let schema = &self.schema;
        let holds = |rule: &Rule| evaluate_dense(rule.condition(), schema, values);
        let (stage_rules, score_rules) = self.rules.split_at(self.stage_rules);
        out.fired.clear();
        match self.hit_policy {
            HitPolicy::First => {
                let mut by_priority: Vec<&Rule> = stage_rules.iter().collect();
                by_priority.sort_by_key(|rule| first_rank(rule));
                out.fired.extend(
                    by_priority
                        .into_iter()
                        .find(|rule| holds(rule))
                        .map(Rule::index),
                );
            }
            HitPolicy::Furthest | HitPolicy::HighestScore => {
                out.fired.extend(
                    stage_rules
                        .iter()
                        .filter(|rule| holds(rule))
                        .map(Rule::index),
                );
            }
        }
        out.fired.extend(
            score_rules
                .iter()
                .filter(|rule| holds(rule))
                .map(Rule::index),
        );
        self.decide(values, out);
        out.tags.clear();
        out.tags.extend(
            self.tags
                .iter()
                .filter(|tag| evaluate_dense(tag.condition(), schema, values))
                .map(Tag::index),
        );
    }

    /// From the fired rules in `out`: the evidence, then the stage and the
    /// confidence.
    fn decide(&self, values: &[f64], out: &mut Classified) {
        out.evidence.fill(0.0);
        let input = self.score_input(values, &out.fired);
        let mut evidence = Evidence {
            points: &mut out.evidence,
        };
        for scorer in &self.scorers {
            scorer.score(&input, &mut evidence);
        }
        (out.stage, out.confidence) = match self.choose(&out.fired, &out.evidence) {
            Some(stage) => (stage, confidence(&out.evidence, stage)),
            None => (self.model.entry().index(), 0.0),
        };
    }

    /// What scorers (and action scorers) see of a customer.
    pub(crate) fn score_input<'a>(
        &'a self,
        values: &'a [f64],
        fired: &'a [RuleIndex],
    ) -> ScoreInput<'a> {
        ScoreInput {
            schema: &self.schema,
            model: &self.model,
            values,
            fired,
        }
    }

    /// The stage the hit policy picks, or `None` without evidence.
    fn choose(&self, fired: &[RuleIndex], evidence: &[f64]) -> Option<StageIndex> {
        let mut fired_stage_rules = fired
            .iter()
            .take_while(|rule| rule.as_usize() < self.stage_rules)
            .map(|rule| self.rules[rule.as_usize()].stage());
        match self.hit_policy {
            // Only the first stage rule that held has fired.
            HitPolicy::First => fired_stage_rules.next(),
            HitPolicy::Furthest => fired_stage_rules.max(),
            HitPolicy::HighestScore => {
                let mut best: Option<(usize, f64)> = None;
                for (stage, &points) in evidence.iter().enumerate() {
                    // Strictly greater: ties go to the earlier stage.
                    if points > 0.0 && best.is_none_or(|(_, most)| points > most) {
                        best = Some((stage, points));
                    }
                }
                best.map(|(stage, _)| StageIndex::new(stage))
            }
        }
    }
}

/// Where a stage rule comes under the `first` hit policy: higher priorities
/// first; a stable sort keeps the written order among equal ones.
fn first_rank(rule: &Rule) -> std::cmp::Reverse<i32> {
    match rule.kind() {
        RuleKind::Stage { priority } => std::cmp::Reverse(priority),
        RuleKind::Score { .. } => std::cmp::Reverse(i32::MIN),
    }
}

/// The share of the positive evidence that supports `chosen`: 1 when all of
/// it points at the chosen stage, 0 when none does.
pub(super) fn confidence(evidence: &[f64], chosen: StageIndex) -> f64 {
    let own = evidence
        .get(chosen.as_usize())
        .copied()
        .unwrap_or(0.0)
        .max(0.0);
    let total: f64 = evidence.iter().map(|&e| e.max(0.0)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    if total.is_finite() {
        return own / total;
    }
    // Evidence near `f64::MAX` overflows the sum: scale by the largest first.
    let most = evidence.iter().fold(0.0_f64, |most, &e| most.max(e));
    let total: f64 = evidence.iter().map(|&e| e.max(0.0) / most).sum();
    (own / most / total).clamp(0.0, 1.0)
}

/// The built-in scorer: one point per stage rule that fired, and the points of
/// each score rule that fired. It runs before the host's scorers.
#[derive(Debug)]
struct RuleScorer {
    /// The stage and points of each rule, by [`RuleIndex`].
    points: Vec<(StageIndex, f64)>,
}

impl RuleScorer {
    fn new(rules: &[Rule]) -> Self {
        RuleScorer {
            points: rules
                .iter()
                .map(|rule| (rule.stage(), rule.points()))
                .collect(),
        }
    }
}

impl StageScorer for RuleScorer {
    fn score(&self, input: &ScoreInput<'_>, evidence: &mut Evidence<'_>) {
        for rule in input.fired_indices() {
            if let Some(&(stage, points)) = self.points.get(rule.as_usize()) {
                evidence.add(stage, points);
            }
        }
    }
}

//! Step 4 of the pipeline, classification: the stage rules, score rules,
//! scorers and hit policy that place a customer in a stage, and the tags
//! that say what type of customer they are. It is the compiled stage of
//! classification, beside the action catalog and the journey machine; the
//! engine runs it first.
//!
//! It has two ways to run, with one answer: over the compiled program
//! ([`Classifier::classify`], the hot path) and with the reference
//! interpreter ([`Classifier::interpret`], the specification).

use crate::bits::{self, Ones};
use crate::compile::{Block, Compiled, FormulaIndex, Program};
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
    /// Whether each rule fired: bit `i % 64` of word `i / 64` for the rule
    /// with index `i`.
    pub(crate) fired: Vec<u64>,
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

    /// The classification, as a decision reads it.
    pub(crate) fn view(&self) -> Classification<'_> {
        Classification {
            fired: &self.fired,
            evidence: &self.evidence,
            tags: &self.tags,
            stage: self.stage,
            confidence: self.confidence,
        }
    }

    /// Whether the rule at `rule` fired.
    pub(crate) fn has_fired(&self, rule: RuleIndex) -> bool {
        bits::has(&self.fired, rule.as_usize())
    }
}

/// A classification as a [`Decision`](super::Decision) reads it: borrowed
/// from a scratch's [`Classified`], or from a batch's results.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Classification<'a> {
    /// Whether each rule fired, a bit per rule.
    pub(crate) fired: &'a [u64],
    /// The evidence per stage, in model order.
    pub(crate) evidence: &'a [f64],
    /// The customer's tags, in order.
    pub(crate) tags: &'a [TagIndex],
    pub(crate) stage: StageIndex,
    pub(crate) confidence: f64,
}

/// The compiled classification of an engine.
pub(crate) struct Classifier {
    schema: Schema,
    model: StageModel,
    hit_policy: HitPolicy,
    /// Stage rules, then score rules, by [`RuleIndex`].
    rules: Vec<Rule>,
    /// How many of the rules are stage rules.
    stage_rules: usize,
    /// The formulas of the stage rules, in rule order.
    stage_block: Block,
    /// The formulas of the score rules, in rule order.
    score_block: Block,
    /// The stage rules in the order the `first` hit policy tries them: by
    /// priority, higher first, then as written; and their formulas.
    first_order: Vec<RuleIndex>,
    first_block: Block,
    /// How the points of the rules that fired become evidence.
    points: Points,
    /// The stage rules of each stage as masks over the fired bits,
    /// `(stage, word, bits)`, the furthest stage first: what the `furthest`
    /// hit policy looks at.
    stage_masks: Vec<(StageIndex, usize, u64)>,
    /// The host's scorers, after the rules' points.
    host_scorers: Vec<Box<dyn StageScorer>>,
    tags: Vec<Tag>,
    /// The formulas of the tags, by [`TagIndex`].
    tag_block: Block,
}

impl Classifier {
    pub(crate) fn new(
        schema: Schema,
        model: StageModel,
        hit_policy: HitPolicy,
        rules: Vec<Rule>,
        tags: Vec<Tag>,
        host_scorers: Vec<Box<dyn StageScorer>>,
        compiled: &Compiled,
    ) -> Self {
        let (program, layout) = (&compiled.program, &compiled.layout);
        let stage_rules = rules
            .iter()
            .take_while(|rule| matches!(rule.kind(), RuleKind::Stage { .. }))
            .count();
        let rule_formulas: Vec<FormulaIndex> = rules
            .iter()
            .filter_map(|rule| layout.rule(rule.index()))
            .collect();
        let mut first_order: Vec<RuleIndex> = rules[..stage_rules]
            .iter()
            .map(|rule| rule.index())
            .collect();
        // A stable sort keeps the written order among equal priorities.
        first_order.sort_by_key(|rule| first_rank(&rules[rule.as_usize()]));
        let first_block = Block::new(
            program,
            first_order
                .iter()
                .map(|rule| rule_formulas[rule.as_usize()]),
        );
        let stage_block = Block::new(program, rule_formulas[..stage_rules].iter().copied());
        let score_block = Block::new(program, rule_formulas[stage_rules..].iter().copied());
        // Under `first` one stage rule fires at most: adding the points of
        // the few rules that fired beats counting every group, unless there
        // are many score rules.
        let few_fire = hit_policy == HitPolicy::First && rules.len() - stage_rules < model.len();
        let points = Points::new(&rules, model.len(), !few_fire);
        let stage_masks = (0..model.len())
            .rev()
            .flat_map(|stage| {
                let rules = rules[..stage_rules]
                    .iter()
                    .filter(move |rule| rule.stage().as_usize() == stage)
                    .map(|rule| rule.index().as_usize());
                masks(rules)
                    .into_iter()
                    .map(move |(word, bits)| (StageIndex::new(stage), word, bits))
            })
            .collect();
        let tag_block = Block::new(
            program,
            tags.iter().filter_map(|tag| layout.tag(tag.index())),
        );
        Classifier {
            schema,
            model,
            hit_policy,
            rules,
            stage_rules,
            stage_block,
            score_block,
            first_order,
            first_block,
            points,
            stage_masks,
            host_scorers,
            tags,
            tag_block,
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
        self.host_scorers.len() + 1
    }

    /// Makes room in `out` for any classification; allocates only when
    /// there is too little.
    pub(crate) fn fit(&self, out: &mut Classified) {
        out.fired.resize(self.rules.len().div_ceil(64), 0);
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
        let fired = &mut out.fired;
        fired.fill(0);
        if self.hit_policy == HitPolicy::First {
            // Only the first stage rule that holds fires; the rest are not
            // even evaluated.
            if let Some(position) = (0..self.first_block.len())
                .find(|&position| self.first_block.holds(position, program, bits, stack))
            {
                bits::set(fired, self.first_order[position].as_usize());
            }
        } else {
            self.stage_block.eval_into(program, bits, stack, fired, 0);
        }
        self.score_block
            .eval_into(program, bits, stack, fired, self.stage_rules);
        self.decide(values, out, true);
        // Whether a tag holds is unpredictable: write every index and advance
        // past the ones that hold, without a branch. Within capacity, so no
        // allocation.
        let tags = &mut out.tags;
        tags.resize(self.tags.len(), TagIndex::new(0));
        let mut tagged = 0;
        for tag in 0..self.tag_block.len() {
            tags[tagged] = TagIndex::new(tag);
            tagged += usize::from(self.tag_block.holds(tag, program, bits, stack));
        }
        tags.truncate(tagged);
    }

    /// Classifies with the reference interpreter: the specification that
    /// [`classify`](Classifier::classify) is tested against.
    pub(crate) fn interpret(&self, values: &[f64], out: &mut Classified) {
        let schema = &self.schema;
        let holds = |rule: &Rule| evaluate_dense(rule.condition(), schema, values);
        let (stage_rules, score_rules) = self.rules.split_at(self.stage_rules);
        let mut fired: Vec<&Rule> = match self.hit_policy {
            HitPolicy::First => {
                let mut by_priority: Vec<&Rule> = stage_rules.iter().collect();
                by_priority.sort_by_key(|rule| first_rank(rule));
                by_priority
                    .into_iter()
                    .find(|rule| holds(rule))
                    .into_iter()
                    .collect()
            }
            HitPolicy::Furthest | HitPolicy::HighestScore => {
                stage_rules.iter().filter(|rule| holds(rule)).collect()
            }
        };
        fired.extend(score_rules.iter().filter(|rule| holds(rule)));
        out.fired.clear();
        out.fired.resize(self.rules.len().div_ceil(64), 0);
        for rule in fired {
            bits::set(&mut out.fired, rule.index().as_usize());
        }
        self.decide(values, out, false);
        out.tags.clear();
        out.tags.extend(
            self.tags
                .iter()
                .filter(|tag| evaluate_dense(tag.condition(), schema, values))
                .map(Tag::index),
        );
    }

    /// From the fired rules in `out`: the evidence, then the stage and the
    /// confidence. `grouped` lets the points be summed by group, when that
    /// gives the sum in rule order exactly; the interpreter, the
    /// specification, always adds them rule by rule.
    fn decide(&self, values: &[f64], out: &mut Classified, grouped: bool) {
        (out.stage, out.confidence) =
            self.decide_parts(values, &out.fired, &mut out.evidence, grouped);
    }

    /// From the `fired` rules of a customer with signal `values`: the
    /// evidence per stage into `evidence`, then the stage and the
    /// confidence. `grouped` as for [`decide`](Classifier::decide).
    pub(crate) fn decide_parts(
        &self,
        values: &[f64],
        fired: &[u64],
        evidence: &mut [f64],
        grouped: bool,
    ) -> (StageIndex, f64) {
        let mut points = Evidence { points: evidence };
        self.points.score(fired, &mut points, grouped);
        if !self.host_scorers.is_empty() {
            let input = self.score_input(values, fired);
            for scorer in &self.host_scorers {
                scorer.score(&input, &mut points);
            }
        }
        self.decide_from(fired, evidence)
    }

    /// The stage and the confidence, from the `fired` rules and the
    /// `evidence` they (and the scorers) gave.
    pub(crate) fn decide_from(&self, fired: &[u64], evidence: &[f64]) -> (StageIndex, f64) {
        match self.choose(fired, evidence) {
            Some(stage) => (stage, confidence(evidence, stage)),
            None => (self.model.entry().index(), 0.0),
        }
    }

    /// The rules whose points make the evidence, as sums of equal points:
    /// `(stage, points, rules)`, each stage's evidence being the sum of
    /// `points × how many of rules fired` over its sums, in any order, the
    /// same to the bit. `None` when that does not hold (points that do not
    /// sum exactly) or host scorers add evidence.
    pub(crate) fn point_sums(&self) -> Option<&[PointSum]> {
        match &self.points.groups {
            Some(grouped) if self.host_scorers.is_empty() => Some(&grouped.sums),
            _ => None,
        }
    }

    /// Whether host scorers are registered: they read each customer's
    /// signal values.
    pub(crate) fn has_host_scorers(&self) -> bool {
        !self.host_scorers.is_empty()
    }

    /// Classifies 64 customers (lanes) at once up to their fired rules and
    /// tags: `rules[i]` gets the lanes where rule `i` fired, `tags[i]` the
    /// lanes that have tag `i`, given each atom's lanes; only lanes in
    /// `live` are set.
    pub(crate) fn classify_lanes(
        &self,
        program: &Program,
        atoms: &[u64],
        live: u64,
        stack: &mut Vec<u64>,
        rules: &mut [u64],
        tags: &mut [u64],
    ) {
        let (stage_rules, score_rules) = rules.split_at_mut(self.stage_rules.min(rules.len()));
        if self.hit_policy == HitPolicy::First {
            stage_rules.fill(0);
            // Each lane fires the first stage rule that holds for it.
            let mut open = live;
            for (position, rule) in self.first_order.iter().enumerate() {
                if open == 0 {
                    break;
                }
                let fired = self.first_block.lanes(position, program, atoms, stack) & open;
                if let Some(lanes) = stage_rules.get_mut(rule.as_usize()) {
                    *lanes = fired;
                }
                open &= !fired;
            }
        } else {
            self.stage_block
                .eval_lanes(program, atoms, live, stack, stage_rules);
        }
        self.score_block
            .eval_lanes(program, atoms, live, stack, score_rules);
        self.tag_block.eval_lanes(program, atoms, live, stack, tags);
    }

    /// What scorers (and action scorers) see of a customer.
    pub(crate) fn score_input<'a>(&'a self, values: &'a [f64], fired: &'a [u64]) -> ScoreInput<'a> {
        ScoreInput {
            schema: &self.schema,
            model: &self.model,
            values,
            fired,
        }
    }

    /// The stage the hit policy picks, or `None` without evidence.
    fn choose(&self, fired: &[u64], evidence: &[f64]) -> Option<StageIndex> {
        match self.hit_policy {
            // Only the first stage rule that held has fired.
            HitPolicy::First => Ones::new(fired)
                .next()
                .filter(|&rule| rule < self.stage_rules)
                .map(|rule| self.rules[rule].stage()),
            HitPolicy::Furthest => self
                .stage_masks
                .iter()
                .find(|&&(_, word, mask)| fired.get(word).is_some_and(|w| w & mask != 0))
                .map(|&(stage, _, _)| stage),
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

/// The points of the rules: one per stage rule, and each score rule's own.
#[derive(Debug)]
struct Points {
    /// The stage and points of each rule, by [`RuleIndex`].
    each: Vec<(StageIndex, f64)>,
    /// The rules grouped by stage and points, as masks over the fired bits,
    /// when summing a group as `points × count` gives the sum in rule order
    /// exactly; with each stage's range of groups.
    groups: Option<Grouped>,
    /// Whether one customer's evidence is counted by group (when there are
    /// groups) rather than added rule by rule: the cheaper way for this
    /// ruleset. Either gives the same evidence.
    count_groups: bool,
}

/// The groups of the rules, and each stage's range of them; and the same
/// rules as one sum per stage and points.
#[derive(Debug)]
struct Grouped {
    groups: Vec<Group>,
    by_stage: Vec<(usize, usize)>,
    sums: Vec<PointSum>,
}

/// Rules of one stage with equal points.
#[derive(Debug)]
pub(crate) struct PointSum {
    pub(crate) stage: usize,
    pub(crate) points: f64,
    pub(crate) rules: Vec<usize>,
}

impl Points {
    /// The points of `rules` over `stages` stages, grouped when the sums
    /// allow it; `count_groups` as the field says.
    fn new(rules: &[Rule], stages: usize, count_groups: bool) -> Self {
        let each: Vec<(StageIndex, f64)> = rules
            .iter()
            .map(|rule| (rule.stage(), rule.points()))
            .collect();
        // Multiples of 2^-10 whose absolute values sum to at most 2^42: every
        // partial sum, in any order, is then an exact multiple of 2^-10 below
        // 2^42 (52 bits), so no rounding happens and no total saturates.
        let exact = each
            .iter()
            .all(|&(_, points)| (points * 1024.0).fract() == 0.0)
            && each.iter().map(|&(_, points)| points.abs()).sum::<f64>() <= 4_398_046_511_104.0;
        let mut groups = Vec::new();
        let mut by_stage = Vec::with_capacity(stages);
        let mut sums = Vec::new();
        if exact {
            for stage in 0..stages {
                let first = groups.len();
                let mut values: Vec<f64> = Vec::new();
                for &(rule_stage, points) in &each {
                    if rule_stage.as_usize() == stage && points != 0.0 && !values.contains(&points)
                    {
                        values.push(points);
                    }
                }
                for points in values {
                    let rules = each.iter().enumerate().filter(|(_, &(rule_stage, p))| {
                        rule_stage.as_usize() == stage && p == points
                    });
                    sums.push(PointSum {
                        stage,
                        points,
                        rules: rules.clone().map(|(rule, _)| rule).collect(),
                    });
                    groups.extend(
                        masks(rules.map(|(rule, _)| rule))
                            .into_iter()
                            .map(|(word, bits)| Group { word, bits, points }),
                    );
                }
                by_stage.push((first, groups.len()));
            }
        }
        Points {
            each,
            groups: exact.then_some(Grouped {
                groups,
                by_stage,
                sums,
            }),
            count_groups,
        }
    }

    /// The evidence the points of the `fired` rules give, into `evidence`
    /// (every stage written): by group when `grouped` and the groups are
    /// exact, otherwise rule by rule in rule order, as [`Evidence::add`]
    /// does.
    #[inline]
    fn score(&self, fired: &[u64], evidence: &mut Evidence<'_>, grouped: bool) {
        if let (
            true,
            Some(Grouped {
                groups, by_stage, ..
            }),
        ) = (grouped && self.count_groups, &self.groups)
        {
            for (total, &(first, end)) in evidence.points.iter_mut().zip(by_stage) {
                *total = groups[first..end].iter().fold(0.0, |sum, group| {
                    let count = fired
                        .get(group.word)
                        .map_or(0, |w| (w & group.bits).count_ones());
                    sum + group.points * f64::from(count)
                });
            }
            return;
        }
        evidence.points.fill(0.0);
        for rule in Ones::new(fired) {
            if let Some(&(stage, points)) = self.each.get(rule) {
                evidence.add(stage, points);
            }
        }
    }
}

/// Rules of one stage with equal points within one word of the fired bits.
#[derive(Debug)]
struct Group {
    word: usize,
    bits: u64,
    points: f64,
}

/// The rules with the given indices, as `(word, bits)` masks over the fired
/// bits, one per word they touch.
fn masks(rules: impl Iterator<Item = usize>) -> Vec<(usize, u64)> {
    let mut masks: Vec<(usize, u64)> = Vec::new();
    for rule in rules {
        let (word, bit) = (rule / 64, 1u64 << (rule % 64));
        match masks.last_mut() {
            Some((last, bits)) if *last == word => *bits |= bit,
            _ => masks.push((word, bit)),
        }
    }
    masks
}

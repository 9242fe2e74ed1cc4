//! Warnings about a valid ruleset that cannot work as written: a stage no
//! rule reaches, an action that is never suggested, a condition that never
//! or always holds, a stage rule that never fires under the `first` hit
//! policy because an earlier one always wins, a signal nothing reads.
//!
//! Whether a condition can hold is decided exactly (see [`space`]) for
//! conditions whose atoms compare one signal with constants and whose
//! signals' regions make at most [`space::MAX_POINTS`] combinations; beyond
//! that, and for arithmetic or comparisons of two signals, the lint says
//! nothing rather than guess.

mod space;

use std::collections::HashSet;

use crate::condition::Condition;
use crate::error::Location;
use crate::index::StageIndex;
use crate::problem::Problem;
use crate::spec::{HitPolicy, RulesetSpec};

use space::{Budget, Decider, Domain, Verdict, Witness};

use super::transition::{DAYS_SIGNAL, STAGE_SIGNAL};
use super::{Action, Rule, RuleKind, Ruleset};

/// The warnings about `ruleset`, validated from `spec`, in the order of the
/// ruleset.
pub(crate) fn lint(ruleset: &Ruleset, spec: &RulesetSpec) -> Vec<Problem> {
    let mut lint = Lint::new(ruleset, spec);
    lint.unused_signals();
    lint.unreachable_stages();
    lint.rules();
    lint.tags();
    lint.actions();
    lint.transitions();
    lint.problems
}

/// What the lint knows of a ruleset, worked out before any warning is
/// written, so that the warnings come in the order of the ruleset.
struct Lint<'a> {
    ruleset: &'a Ruleset,
    spec: &'a RulesetSpec,
    /// Each rule's verdict, by rule index, and a point where it holds.
    rules: Vec<(Verdict, Option<Witness>)>,
    /// For each stage rule under `first`, the rule tried before it that
    /// holds whenever it does.
    shadowed_by: Vec<Option<usize>>,
    tags: Vec<Verdict>,
    /// Each action's eligibility condition's verdict.
    actions: Vec<Verdict>,
    transitions: Vec<Verdict>,
    reached: Vec<bool>,
    budget: Budget,
    problems: Vec<Problem>,
}

impl<'a> Lint<'a> {
    fn new(ruleset: &'a Ruleset, spec: &'a RulesetSpec) -> Self {
        let mut budget = Budget::new();
        let decider = Decider::new(&ruleset.schema);
        let rules: Vec<(Verdict, Option<Witness>)> = ruleset
            .rules
            .iter()
            .map(|rule| decider.decide(rule.condition(), &mut budget))
            .collect();
        let tags = ruleset
            .tags
            .iter()
            .map(|tag| decider.decide(tag.condition(), &mut budget).0)
            .collect();
        let actions = ruleset
            .actions
            .iter()
            .map(|action| decider.decide(action.condition(), &mut budget).0)
            .collect();
        let transitions = ruleset
            .transitions
            .iter()
            .map(|rule| {
                // A transition is tried only from its own stages, and after
                // some time in them.
                let from = rule.from().iter().map(|stage| stage.as_usize()).collect();
                Decider::new(&ruleset.journey_schema)
                    .narrow(STAGE_SIGNAL, Domain::Labels(from))
                    .narrow(DAYS_SIGNAL, Domain::NonNegative)
                    .decide(rule.condition(), &mut budget)
                    .0
            })
            .collect();
        let mut lint = Lint {
            ruleset,
            spec,
            rules,
            shadowed_by: vec![None; ruleset.rules.len()],
            tags,
            actions,
            transitions,
            reached: Vec::new(),
            budget,
            problems: Vec::new(),
        };
        if ruleset.hit_policy == HitPolicy::First {
            lint.find_shadowed(&decider);
        }
        lint.reached = lint.reach();
        lint
    }

    /// Under `first`: each stage rule that can hold only where a rule tried
    /// before it holds too.
    fn find_shadowed(&mut self, decider: &Decider<'_>) {
        let mut order: Vec<&Rule> = self
            .ruleset
            .rules
            .iter()
            .filter(|rule| matches!(rule.kind(), RuleKind::Stage { .. }))
            .collect();
        // As the classifier tries them: higher priority first, then in the
        // written order (a stable sort).
        order.sort_by_key(|rule| match rule.kind() {
            RuleKind::Stage { priority } => std::cmp::Reverse(priority),
            RuleKind::Score { .. } => std::cmp::Reverse(i32::MIN),
        });
        // A rule can only be beaten by one that always holds or one that
        // shares a signal with it: over signals apart, the later rule
        // implies the earlier exactly when the earlier always holds.
        let schema = &self.ruleset.schema;
        let signals: Vec<Vec<usize>> = order
            .iter()
            .map(|rule| {
                let mut read: Vec<usize> = space::signals_of(rule.condition())
                    .into_iter()
                    .filter_map(|id| schema.find(id).map(|s| s.index().as_usize()))
                    .collect();
                read.sort_unstable();
                read.dedup();
                read
            })
            .collect();
        let mut by_signal: Vec<Vec<usize>> = vec![Vec::new(); schema.len()];
        for (position, read) in signals.iter().enumerate() {
            for &signal in read {
                by_signal[signal].push(position);
            }
        }
        let always: Vec<usize> = (0..order.len())
            .filter(|&p| self.rules[order[p].index().as_usize()].0 == Verdict::Always)
            .collect();
        let mut values = Vec::new();
        for (position, later) in order.iter().enumerate() {
            let Some(witness) = &self.rules[later.index().as_usize()].1 else {
                continue;
            };
            let mut candidates: Vec<usize> = signals[position]
                .iter()
                .flat_map(|&signal| &by_signal[signal])
                .chain(&always)
                .copied()
                .filter(|&p| p < position)
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            for earlier in candidates.into_iter().map(|p| order[p]) {
                if self.rules[earlier.index().as_usize()].0 == Verdict::Never {
                    continue;
                }
                // One point where the later rule holds and the earlier does
                // not settles most pairs without enumerating.
                match decider.holds_at(earlier.condition(), witness, &mut values, &mut self.budget)
                {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return,
                }
                if decider.implies(later.condition(), earlier.condition(), &mut self.budget)
                    == Some(true)
                {
                    self.shadowed_by[later.index().as_usize()] = Some(earlier.index().as_usize());
                    break;
                }
            }
        }
    }

    /// Whether a rule can fire: it can hold, and no earlier rule always wins.
    fn can_fire(&self, rule: &Rule) -> bool {
        let index = rule.index().as_usize();
        self.rules[index].0 != Verdict::Never && self.shadowed_by[index].is_none()
    }

    /// The stages a customer can be in: the entry stage, those the hit
    /// policy can choose by a rule that can fire, and those a transition
    /// that can hold leads to from a stage already reached.
    fn reach(&self) -> Vec<bool> {
        let ruleset = self.ruleset;
        let mut reached = vec![false; ruleset.model.len()];
        reached[ruleset.model.entry().index().as_usize()] = true;
        for rule in &ruleset.rules {
            let chooses = match rule.kind() {
                RuleKind::Stage { .. } => true,
                // Under `first` and `furthest` only stage rules choose.
                RuleKind::Score { points } => {
                    ruleset.hit_policy == HitPolicy::HighestScore && points > 0.0
                }
            };
            if chooses && self.can_fire(rule) {
                reached[rule.stage().as_usize()] = true;
            }
        }
        loop {
            let mut grew = false;
            for (rule, &verdict) in ruleset.transitions.iter().zip(&self.transitions) {
                let to = rule.to().as_usize();
                if !reached[to]
                    && verdict != Verdict::Never
                    && rule.from().iter().any(|from| reached[from.as_usize()])
                {
                    reached[to] = true;
                    grew = true;
                }
            }
            if !grew {
                return reached;
            }
        }
    }

    fn warn(&mut self, path: String, message: String) {
        self.problems
            .push(Problem::warning(Location::new(path), message));
    }

    fn unused_signals(&mut self) {
        let ruleset = self.ruleset;
        let conditions = ruleset
            .rules
            .iter()
            .map(Rule::condition)
            .chain(ruleset.tags.iter().map(|tag| tag.condition()))
            .chain(ruleset.actions.iter().flat_map(|action| {
                std::iter::once(action.condition()).chain(
                    action
                        .propensity_rules()
                        .iter()
                        .map(|rule| rule.condition()),
                )
            }))
            .chain(ruleset.transitions.iter().map(|rule| rule.condition()));
        let read: HashSet<&str> = conditions.flat_map(space::signals_of).collect();
        for (i, signal) in ruleset.schema.iter().enumerate() {
            if !read.contains(signal.id()) {
                self.warn(
                    format!("signals[{i}]"),
                    format!(
                        "signal '{}' is read by no rule, tag, action or transition; remove it, \
                         unless a host scorer reads it",
                        signal.id()
                    ),
                );
            }
        }
    }

    fn unreachable_stages(&mut self) {
        let ruleset = self.ruleset;
        for stage in ruleset.model.iter() {
            let index = stage.index().as_usize();
            if self.reached[index] {
                continue;
            }
            let has_rules = ruleset
                .rules
                .iter()
                .any(|rule| rule.stage() == stage.index())
                || ruleset
                    .transitions
                    .iter()
                    .any(|rule| rule.to() == stage.index());
            let why = if has_rules {
                "none of the rules and transitions for it can fire"
            } else {
                "it is not the entry stage, and no rule or transition leads to it"
            };
            let scorer = if ruleset.hit_policy == HitPolicy::HighestScore {
                " (a host stage scorer still could)"
            } else {
                ""
            };
            self.warn(
                format!("stages[{index}]"),
                format!(
                    "no rule reaches stage '{}'{scorer}: {why}; add a stage rule for it or \
                     remove the stage",
                    stage.id()
                ),
            );
        }
    }

    fn rules(&mut self) {
        let ruleset = self.ruleset;
        let stage_rules = self.spec.stage_rules.len();
        for rule in &ruleset.rules {
            let index = rule.index().as_usize();
            let path = if index < stage_rules {
                format!("stage_rules[{index}].when")
            } else {
                format!("score_rules[{}].when", index - stage_rules)
            };
            let id = rule.id();
            let verdict = self.rules[index].0;
            self.condition(
                &path,
                rule.condition(),
                verdict,
                &format!("rule '{id}' never fires; fix the condition or remove the rule"),
                &format!("rule '{id}' fires for every customer"),
            );
            if let Some(earlier) = self.shadowed_by[index] {
                let earlier = ruleset.rules[earlier].id();
                self.warn(
                    path,
                    format!(
                        "rule '{id}' never fires: rule '{earlier}' is tried before it and holds \
                         whenever it does; give '{id}' a higher priority or remove it"
                    ),
                );
            }
        }
    }

    fn tags(&mut self) {
        for (i, tag) in self.ruleset.tags.iter().enumerate() {
            let id = tag.id();
            self.condition(
                &format!("tags[{i}].when"),
                tag.condition(),
                self.tags[i],
                &format!("no customer has tag '{id}'; fix the condition or remove the tag"),
                &format!("every customer has tag '{id}'"),
            );
        }
    }

    fn actions(&mut self) {
        for (i, action) in self.ruleset.actions.iter().enumerate() {
            self.action(i, action);
        }
    }

    fn action(&mut self, i: usize, action: &Action) {
        let ruleset = self.ruleset;
        // The tags as written, for their places in the ruleset.
        let (requires, excludes): (&[String], &[String]) =
            self.spec.actions.get(i).map_or((&[], &[]), |spec| {
                (&spec.requires_tags, &spec.excludes_tags)
            });
        let id = action.id();
        let path = |field: &str| format!("actions[{i}].{field}");
        let mut never = false;
        if action.stages().iter().all(|s| !self.reached[s.as_usize()]) {
            never = true;
            let stages = quoted(action.stages().iter().map(|&s| self.stage_id(s)));
            self.warn(
                path("stages"),
                format!(
                    "action '{id}' is never suggested: no rule reaches {} {stages}; add a stage \
                     a customer can be in",
                    if action.stages().len() == 1 {
                        "stage"
                    } else {
                        "stages"
                    },
                ),
            );
        }
        let verdict = self.actions[i];
        never |= verdict == Verdict::Never;
        self.condition(
            &path("when"),
            action.condition(),
            verdict,
            &format!("action '{id}' is never suggested; fix the condition or remove the action"),
            &format!("action '{id}' is eligible for every customer"),
        );
        for (j, tag) in requires.iter().enumerate() {
            if self.tag_verdict(tag) == Verdict::Never {
                never = true;
                self.warn(
                    path(&format!("requires_tags[{j}]")),
                    format!(
                        "action '{id}' is never suggested: it requires tag '{tag}', which no \
                         customer has; remove the tag from requires_tags or fix its condition"
                    ),
                );
            }
        }
        for (j, tag) in excludes.iter().enumerate() {
            if self.tag_verdict(tag) == Verdict::Always {
                never = true;
                self.warn(
                    path(&format!("excludes_tags[{j}]")),
                    format!(
                        "action '{id}' is never suggested: it excludes tag '{tag}', which every \
                         customer has; remove the tag from excludes_tags or fix its condition"
                    ),
                );
            }
        }
        if !never {
            self.eligibility_with_tags(i, action);
        }
        for (j, rule) in action.propensity_rules().iter().enumerate() {
            let verdict = Decider::new(&ruleset.schema).decide(rule.condition(), &mut self.budget);
            self.condition(
                &path(&format!("propensity_rules[{j}].when")),
                rule.condition(),
                verdict.0,
                &format!(
                    "this propensity rule of action '{id}' never applies; fix the condition or \
                     remove the rule"
                ),
                &format!(
                    "this propensity rule of action '{id}' applies to every customer it reaches, \
                     so the rules after it and the action's own propensity never do"
                ),
            );
        }
    }

    /// Whether the action's condition and its required and excluded tags
    /// can hold together, when each can on its own.
    fn eligibility_with_tags(&mut self, i: usize, action: &Action) {
        if action.requires().is_empty() && action.excludes().is_empty() {
            return;
        }
        let tag = |t: &crate::index::TagIndex| self.ruleset.tags[t.as_usize()].condition().clone();
        let mut parts = vec![action.condition().clone()];
        parts.extend(action.requires().iter().map(tag));
        parts.extend(
            action
                .excludes()
                .iter()
                .map(|t| Condition::Not(Box::new(tag(t)))),
        );
        let together = Condition::All(parts);
        let decider = Decider::new(&self.ruleset.schema);
        if decider.decide(&together, &mut self.budget).0 == Verdict::Never {
            self.warn(
                format!("actions[{i}]"),
                format!(
                    "action '{}' is never suggested: its condition, the tags it requires and \
                     the tags it excludes never hold together; loosen one of them",
                    action.id()
                ),
            );
        }
    }

    fn transitions(&mut self) {
        for (i, rule) in self.ruleset.transitions.iter().enumerate() {
            let id = rule.id();
            self.condition(
                &format!("transitions[{i}].when"),
                rule.condition(),
                self.transitions[i],
                &format!(
                    "transition '{id}' never fires from its stages; fix the condition or remove \
                     the transition"
                ),
                &format!("transition '{id}' fires from its stages whatever the signals"),
            );
        }
    }

    /// A warning at `path` when `condition` never or always holds, saying
    /// what follows: `never` and `always`. A written `true` or `false` is
    /// meant, and gets none.
    fn condition(
        &mut self,
        path: &str,
        condition: &Condition,
        verdict: Verdict,
        never: &str,
        always: &str,
    ) {
        if matches!(condition, Condition::Bool(_)) {
            return;
        }
        match verdict {
            Verdict::Never => self.warn(
                path.to_owned(),
                format!("the condition can never hold, so {never}"),
            ),
            Verdict::Always => self.warn(
                path.to_owned(),
                format!(
                    "the condition always holds, so {always}; write `true` if that is meant, \
                     or fix the condition"
                ),
            ),
            Verdict::Sometimes | Verdict::Unknown => {}
        }
    }

    fn tag_verdict(&self, id: &str) -> Verdict {
        self.ruleset
            .tags
            .iter()
            .position(|tag| tag.id() == id)
            .map_or(Verdict::Unknown, |t| self.tags[t])
    }

    fn stage_id(&self, stage: StageIndex) -> &str {
        self.ruleset
            .model
            .stage(stage)
            .map_or("", |stage| stage.id())
    }
}

/// `'a', 'b' or 'c'`.
fn quoted<'s>(ids: impl Iterator<Item = &'s str>) -> String {
    let ids: Vec<String> = ids.map(|id| format!("'{id}'")).collect();
    match ids.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

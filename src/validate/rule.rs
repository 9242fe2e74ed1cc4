//! Stage rules and score rules: the evidence for a customer's stage.

use crate::condition::{Condition, When};
use crate::error::{Error, Location};
use crate::index::{RuleIndex, StageIndex};
use crate::names::check_plain;
use crate::signal::Schema;
use crate::spec::{ScoreRuleSpec, StageRuleSpec};
use crate::stage::StageModel;

use super::collector::Collector;
use super::Ids;

/// What a rule does when it holds.
///
/// ```
/// use buyer_journey::{models, Engine, RuleKind};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let rule = engine.find_rule("purchase_decision.cart").unwrap();
/// assert_eq!(rule.kind(), RuleKind::Stage { priority: 0 });
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RuleKind {
    /// A stage rule: one point of evidence, and a candidate under the `first`
    /// and `furthest` hit policies.
    Stage {
        /// Its priority under the `first` hit policy.
        priority: i32,
    },
    /// A score rule: its points go to its stage.
    Score {
        /// The points, possibly negative.
        points: f64,
    },
}

/// A validated stage rule or score rule of an [`Engine`](crate::Engine).
///
/// ```
/// use buyer_journey::{models, Engine, RuleKind};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let rule = engine.find_rule("purchase_decision.cart").unwrap();
/// assert_eq!(rule.condition().to_string(), "cart_adds >= 1");
/// assert!(matches!(rule.kind(), RuleKind::Stage { .. }));
/// assert_eq!(engine.model().stage(rule.stage()).unwrap().id(), "purchase_decision");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    index: RuleIndex,
    id: String,
    stage: StageIndex,
    kind: RuleKind,
    condition: Condition,
    description: Option<String>,
}

impl Rule {
    /// The rule's index in its engine.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let rule = engine.find_rule("evaluation.comparisons").unwrap();
    /// assert_eq!(engine.rule(rule.index()), Some(rule));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn index(&self) -> RuleIndex {
        self.index
    }

    /// The rule's id, as the ruleset names it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let reviews = engine.find_rule("information_search.reviews").unwrap();
    /// assert_eq!(reviews.id(), "information_search.reviews");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stage the rule gives evidence for.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let reviews = engine.find_rule("information_search.reviews").unwrap();
    /// assert_eq!(engine.model().stage(reviews.stage()).unwrap().id(), "information_search");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stage(&self) -> StageIndex {
        self.stage
    }

    /// Whether it is a stage rule or a score rule.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, RuleKind};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let reviews = engine.find_rule("information_search.reviews").unwrap();
    /// assert_eq!(reviews.kind(), RuleKind::Stage { priority: 0 });
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> RuleKind {
        self.kind
    }

    /// The rule's condition, checked against the schema.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let reviews = engine.find_rule("information_search.reviews").unwrap();
    /// assert_eq!(reviews.condition().to_string(), "reviews_read >= 1");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// What the rule means, if the ruleset says.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let reviews = engine.find_rule("information_search.reviews").unwrap();
    /// assert_eq!(reviews.description(), Some("reads reviews or testimonials"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The evidence the rule gives its stage when it fires.
    pub(crate) fn points(&self) -> f64 {
        match self.kind {
            RuleKind::Stage { .. } => 1.0,
            RuleKind::Score { points } => points,
        }
    }
}

/// A stage rule or a score rule as written, with its place in the ruleset.
struct Written<'a> {
    path: String,
    id: &'a str,
    stage: &'a str,
    when: &'a When,
    description: &'a Option<String>,
    kind: RuleKind,
}

/// The stage rules, then the score rules, validated into one list: a rule's
/// index is its position there.
pub(super) struct Rules<'a> {
    rules: Vec<Rule>,
    ids: Ids<'a>,
}

impl<'a> Rules<'a> {
    pub(super) fn new() -> Self {
        Rules {
            rules: Vec::new(),
            ids: Ids::new("rule"),
        }
    }

    pub(super) fn stage_rules(
        &mut self,
        specs: &'a [StageRuleSpec],
        schema: &Schema,
        model: Option<&StageModel>,
        c: &mut Collector<'_>,
    ) {
        self.rules.reserve(specs.len());
        for (i, rule) in specs.iter().enumerate() {
            let written = Written {
                path: format!("stage_rules[{i}]"),
                id: &rule.id,
                stage: &rule.stage,
                when: &rule.when,
                description: &rule.description,
                kind: RuleKind::Stage {
                    priority: rule.priority,
                },
            };
            self.add(&written, schema, model, c);
        }
    }

    pub(super) fn score_rules(
        &mut self,
        specs: &'a [ScoreRuleSpec],
        schema: &Schema,
        model: Option<&StageModel>,
        c: &mut Collector<'_>,
    ) {
        self.rules.reserve(specs.len());
        for (i, rule) in specs.iter().enumerate() {
            let written = Written {
                path: format!("score_rules[{i}]"),
                id: &rule.id,
                stage: &rule.stage,
                when: &rule.when,
                description: &rule.description,
                kind: RuleKind::Score {
                    points: rule.points,
                },
            };
            self.add(&written, schema, model, c);
        }
    }

    /// Checks every field of `written`, in the order a ruleset writes them,
    /// and keeps the rule if none is wrong.
    fn add(
        &mut self,
        written: &Written<'a>,
        schema: &Schema,
        model: Option<&StageModel>,
        c: &mut Collector<'_>,
    ) {
        let path = &written.path;
        let before = c.count();
        if c.keep(
            check_plain(written.id, "rule", c.limits).map_err(|e| e.at(&format!("{path}.id"))),
        )
        .is_some()
        {
            c.keep(self.ids.insert(written.id, path));
        }
        let stage = c.stage(model, written.stage, &format!("{path}.stage"));
        let condition = c.condition(written.when, schema, &format!("{path}.when"));
        if let RuleKind::Score { points } = written.kind {
            if !points.is_finite() {
                c.push(Error::invalid(
                    Location::new(format!("{path}.points")),
                    format!("points must be a finite number, found {points}"),
                ));
            }
        }
        let (Some(stage), Some(condition)) = (stage, condition) else {
            return;
        };
        if c.count() > before {
            return;
        }
        self.rules.push(Rule {
            index: RuleIndex::new(self.rules.len()),
            id: written.id.to_owned(),
            stage,
            kind: written.kind,
            condition,
            description: written.description.clone(),
        });
    }

    pub(super) fn finish(self) -> Vec<Rule> {
        self.rules
    }
}

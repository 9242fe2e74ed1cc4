//! Stage rules and score rules: the evidence for a customer's stage.

use crate::condition::{Condition, When};
use crate::error::{Error, Location};
use crate::index::{RuleIndex, StageIndex};
use crate::limits::Limits;
use crate::names::check_plain;
use crate::signal::Schema;
use crate::spec::RulesetSpec;
use crate::stage::StageModel;

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

/// The stage rules, then the score rules, each indexed by its position.
pub(super) fn validate(
    spec: &RulesetSpec,
    schema: &Schema,
    model: &StageModel,
    limits: &Limits,
) -> Result<Vec<Rule>, Error> {
    let stage_rules = spec
        .stage_rules
        .iter()
        .enumerate()
        .map(|(i, rule)| Written {
            path: format!("stage_rules[{i}]"),
            id: &rule.id,
            stage: &rule.stage,
            when: &rule.when,
            description: &rule.description,
            kind: RuleKind::Stage {
                priority: rule.priority,
            },
        });
    let score_rules = spec
        .score_rules
        .iter()
        .enumerate()
        .map(|(i, rule)| Written {
            path: format!("score_rules[{i}]"),
            id: &rule.id,
            stage: &rule.stage,
            when: &rule.when,
            description: &rule.description,
            kind: RuleKind::Score {
                points: rule.points,
            },
        });
    let mut rules = Vec::with_capacity(spec.stage_rules.len() + spec.score_rules.len());
    let mut ids = Ids::new("rule");
    for written in stage_rules.chain(score_rules) {
        let path = &written.path;
        check_plain(written.id, "rule", limits).map_err(|e| e.at(&format!("{path}.id")))?;
        ids.insert(written.id, path)?;
        if let RuleKind::Score { points } = written.kind {
            if !points.is_finite() {
                return Err(Error::invalid(
                    Location::new(format!("{path}.points")),
                    format!("points must be a finite number, found {points}"),
                ));
            }
        }
        let stage = model
            .resolve(written.stage)
            .map_err(|e| e.at(&format!("{path}.stage")))?
            .index();
        let condition = written
            .when
            .compile(schema, limits)
            .map_err(|e| e.at(&format!("{path}.when")))?;
        rules.push(Rule {
            index: RuleIndex::new(rules.len()),
            id: written.id.to_owned(),
            stage,
            kind: written.kind,
            condition,
            description: written.description.clone(),
        });
    }
    Ok(rules)
}

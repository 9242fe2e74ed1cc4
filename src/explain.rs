//! A report for people, off the hot path: why a customer got their stage,
//! tags and actions. It re-runs the decision with the reference interpreter
//! and a plainly written arbitration, so it is also the specification that
//! [`Engine::decide`] and [`Engine::decide_in`] are tested against.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::action::{
    contact_blocks, contacts, priority, ActionInput, ContactBlock, ContactHistory,
};
use crate::condition::{evaluate_dense, near_misses, Condition, NearMiss};
use crate::engine::{Engine, Scratch};
use crate::error::Error;
use crate::index::{StageIndex, TagIndex};
use crate::learn::{LearnedPropensity, Learning};
use crate::signal::Signals;
use crate::stage::Stage;
use crate::time::{Span, Timestamp};
use crate::validate::ContactLimit;

/// Everything behind one decision: every rule with whether it held, every
/// tag, and for every action of the catalog whether it was suggested and
/// why or why not. Made by [`Engine::explain`]; prints as text for a person
/// and serializes for tools.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("need_searches", 2)?;
/// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
/// assert_eq!(explanation.stage, "need_recognition");
/// // The seed texts: no sales pitch while the customer only recognises a need.
/// let pitch = explanation.actions.iter().find(|a| a.kind == "sales_pitch").unwrap();
/// assert!(pitch.rank().is_none());
/// println!("{explanation}");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The id of the stage the decision is for, as
    /// [`Decision::stage`](crate::Decision::stage): the classified stage
    /// for [`Engine::explain`], the given one for [`Engine::explain_in`].
    pub stage: String,
    /// The id of the stage the classification gives, as
    /// [`Decision::classified_stage`](crate::Decision::classified_stage).
    pub classified_stage: String,
    /// The confidence in the stage, as [`Decision::confidence`](crate::Decision::confidence).
    pub confidence: f64,
    /// Every stage and score rule, in rule order.
    pub rules: Vec<RuleTrace>,
    /// Every tag, in declaration order.
    pub tags: Vec<TagTrace>,
    /// Every action of the catalog, in catalog order.
    pub actions: Vec<ActionTrace>,
}

/// One rule: whether its condition held, and whether it fired (counted in
/// the decision; under the `first` hit policy only the first stage rule
/// that holds fires).
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("cart_adds", 1)?;
/// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
/// let held: Vec<&str> = explanation.rules.iter().filter(|r| r.held).map(|r| r.id.as_str()).collect();
/// assert_eq!(held, ["purchase_decision.cart"]);
/// assert_eq!(explanation.rules.len(), engine.rules().len());
/// // A rule that did not hold says why.
/// let checkout = explanation.rules.iter().find(|r| r.id == "purchase_decision.checkout").unwrap();
/// assert_eq!(checkout.misses[0].to_string(), "checkout_starts is missing, needs >= 1");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleTrace {
    /// The rule's id.
    pub id: String,
    /// The stage it gives evidence for.
    pub stage: String,
    /// Its condition, as text.
    pub condition: String,
    /// Whether its condition held for the customer.
    pub held: bool,
    /// Whether it fired: it held and counts in the decision.
    #[serde(default)]
    pub fired: bool,
    /// When it did not hold, the comparisons that failed it and by how
    /// much; empty when it held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<NearMiss>,
}

/// One tag and whether the customer has it.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("purchases", 6)?;
/// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
/// let loyal = explanation.tags.iter().find(|t| t.id == "loyal").unwrap();
/// assert!(loyal.held);
/// assert_eq!(loyal.condition, "purchases >= 5 or purchases >= 3 and satisfaction >= 8");
/// assert!(loyal.misses.is_empty());
/// let new = explanation.tags.iter().find(|t| t.id == "new").unwrap();
/// assert_eq!(new.misses[0].to_string(), "purchases is 6, needs == 1");
/// assert_eq!(new.misses[0].gap, Some(-5.0));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TagTrace {
    /// The tag's id.
    pub id: String,
    /// Its condition, as text.
    pub condition: String,
    /// Whether the customer has the tag.
    pub held: bool,
    /// When the customer does not have it, the comparisons that failed
    /// its condition and by how much.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<NearMiss>,
}

/// One action: its priority if it was eligible, and whether it was
/// suggested.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Outcome, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("checkout_starts", 1)?;
/// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
/// let help = explanation.actions.iter().find(|a| a.id == "purchase_decision.checkout_help").unwrap();
/// assert_eq!(help.outcome, Outcome::Suggested { rank: 1 });
/// assert_eq!(help.rank(), Some(1));
/// let priority = help.priority.as_ref().unwrap();
/// assert_eq!(priority.priority, priority.propensity * priority.value * priority.weight);
/// assert_eq!(priority.propensity_rule.as_deref(), Some("checkout_starts >= 1"));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionTrace {
    /// The action's id.
    pub id: String,
    /// The action's kind.
    pub kind: String,
    /// The action's group.
    pub group: String,
    /// Whether the action is a fallback (see
    /// [`ActionSpec::fallback`](crate::ActionSpec::fallback)). A fallback
    /// that was suggested was offered because no regular action of the
    /// stage could be; one that was not gives
    /// [`Reason::RegularActionsSuggested`] when regular actions were.
    /// Written only when true.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fallback: bool,
    /// Its priority and the factors of it, when the action passed the
    /// stage, tags, condition and contact policy.
    pub priority: Option<Priority>,
    /// Whether it was suggested, and why or why not.
    pub outcome: Outcome,
}

// Serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(x: &bool) -> bool {
    !*x
}

impl ActionTrace {
    /// The action's place among the suggestions (1 is the best), if it was
    /// suggested.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("reviews_read", 1)?;
    /// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
    /// let ranks: Vec<usize> = explanation.suggested().filter_map(|action| action.rank()).collect();
    /// assert_eq!(ranks.first(), Some(&1));
    /// assert!(explanation.actions.iter().any(|action| action.rank().is_none()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn rank(&self) -> Option<usize> {
        match self.outcome {
            Outcome::Suggested { rank } => Some(rank),
            Outcome::NotSuggested { .. } => None,
        }
    }
}

/// An action's priority and its factors; prints as `priority 27 =
/// propensity 0.9 × value 30 × weight 1`.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("checkout_starts", 1)?;
/// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
/// let help = explanation.suggested().next().unwrap();
/// let priority = help.priority.as_ref().unwrap();
/// assert_eq!(
///     priority.to_string(),
///     "priority 64 = propensity 0.8 × value 80 × weight 1 \
///      (propensity because checkout_starts >= 1)",
/// );
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Priority {
    /// propensity × value × weight.
    pub priority: f64,
    /// How likely the customer is to respond, in [0, 1].
    pub propensity: f64,
    /// The action's business value.
    pub value: f64,
    /// The action's weight.
    pub weight: f64,
    /// The condition of the propensity rule that gave the built-in
    /// propensity, if one held.
    pub propensity_rule: Option<String>,
    /// How the propensity was learned, under
    /// [`Engine::explain_learning`]; then `propensity` is the learned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned: Option<LearnedPropensity>,
}

/// Whether an action was suggested. See [`ActionTrace`] for an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Suggested at `rank` (1 is the best).
    Suggested {
        /// The place among the suggestions.
        rank: usize,
    },
    /// Not suggested, for every one of these reasons.
    NotSuggested {
        /// Why not; never empty.
        reasons: Vec<Reason>,
    },
}

/// Why an action was not suggested; prints as a short phrase for people.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Outcome, Reason, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("comparisons", 1)?;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let mut history = ContactLog::new();
/// history.record_shown("evaluation.advisor_call", now.before(Span::days(1)));
///
/// let explanation = engine.explain(&customer, &history, now);
/// let call = explanation.actions.iter().find(|a| a.id == "evaluation.advisor_call").unwrap();
/// let Outcome::NotSuggested { reasons } = &call.outcome else { panic!("still suggested") };
/// assert_eq!(reasons[0], Reason::Cooldown {
///     last_shown: now.before(Span::days(1)),
///     until: now + Span::days(1),
/// });
/// assert_eq!(reasons[0].to_string(), "shown at @1699913600, cooling down until @1700086400");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The action is for other stages.
    OtherStage {
        /// The stages it applies to.
        stages: Vec<String>,
    },
    /// The customer lacks a tag the action requires.
    MissingTag {
        /// The tag.
        tag: String,
    },
    /// The customer has a tag the action excludes.
    ExcludedTag {
        /// The tag.
        tag: String,
    },
    /// The action's condition does not hold.
    ConditionFalse {
        /// The condition, as text.
        condition: String,
        /// The comparisons that failed it and by how much.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        misses: Vec<NearMiss>,
    },
    /// Shown too recently.
    Cooldown {
        /// When it was last shown.
        last_shown: Timestamp,
        /// When the cooldown ends.
        until: Timestamp,
    },
    /// Shown as often as the cap allows within its window.
    Capped {
        /// How often it was shown within the window.
        shown: u32,
        /// How often the cap allows.
        times: u32,
        /// The window.
        window: Span,
    },
    /// Dismissed as often as the policy allows.
    Dismissed {
        /// How often the customer dismissed it: the dismissals not expired
        /// (see [`ContactPolicy::dismissals_expire`](crate::ContactPolicy::dismissals_expire)).
        dismissals: u32,
        /// The most dismissals the policy allows.
        max: u32,
    },
    /// The customer had as many contacts as a contact limit of the ruleset
    /// allows, over the actions in its scope (see
    /// [`ContactLimitSpec`](crate::ContactLimitSpec)).
    ContactLimit {
        /// The limit's id.
        limit: String,
        /// How many contacts in scope the customer had within the window.
        contacts: u32,
        /// How many the limit allows.
        times: u32,
        /// The window.
        window: Span,
    },
    /// Hidden after repeated rejections (see
    /// [`Suppression`](crate::Suppression)).
    Suppressed {
        /// How many rejections there were within the suppression's window
        /// ending at `since`.
        rejections: u32,
        /// The rejection that started the suppression.
        since: Timestamp,
        /// When the action is shown again.
        until: Timestamp,
    },
    /// Its priority is 0 (a propensity, value or weight of 0).
    ZeroPriority,
    /// Eligible, but its group already has its share of suggestions.
    GroupFull {
        /// The group.
        group: String,
        /// How many of one group are suggested at most.
        max_per_group: usize,
        /// The suggested actions of the group that took its place.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        by: Vec<Outranker>,
    },
    /// Eligible, but the suggestions were full with higher priorities.
    Outranked {
        /// How many actions are suggested at most.
        max_suggestions: usize,
        /// The suggested actions that ranked above it.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        by: Vec<Outranker>,
    },
    /// A fallback of the customer's stage, not needed: regular actions were
    /// suggested. Given besides any other reason the fallback has.
    RegularActionsSuggested,
}

/// A suggested action that beat an eligible one to a place: its priority,
/// and how many times the beaten action's priority that is. Prints as
/// `evaluation.demo (priority 40, 3.3× this one)`.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, Outcome, Reason, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("comparisons", 1)?;
/// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
/// let testimonials = explanation.actions.iter().find(|a| a.id == "evaluation.testimonials").unwrap();
/// assert_eq!(testimonials.priority.as_ref().unwrap().priority, 10.0);
/// let Outcome::NotSuggested { reasons } = &testimonials.outcome else { panic!("suggested") };
/// let Reason::Outranked { by, .. } = &reasons[0] else { panic!("{reasons:?}") };
/// assert_eq!(by.len(), 3);
/// assert_eq!((by[0].id.as_str(), by[0].priority, by[0].factor),
///     ("evaluation.advisor_call", 30.0, Some(3.0)));
/// assert_eq!(by[0].to_string(), "evaluation.advisor_call (priority 30, 3.0× this one)");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Outranker {
    /// The suggested action's id.
    pub id: String,
    /// Its priority.
    pub priority: f64,
    /// Its priority divided by the beaten action's, at least 1; none when
    /// the quotient is too large for an `f64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
}

impl From<ContactBlock> for Reason {
    fn from(block: ContactBlock) -> Reason {
        match block {
            ContactBlock::Cooldown { last_shown, until } => Reason::Cooldown { last_shown, until },
            ContactBlock::Cap {
                shown,
                times,
                window,
            } => Reason::Capped {
                shown,
                times,
                window,
            },
            ContactBlock::Dismissed { dismissals, max } => Reason::Dismissed { dismissals, max },
            ContactBlock::Suppressed {
                rejections,
                since,
                until,
            } => Reason::Suppressed {
                rejections,
                since,
                until,
            },
        }
    }
}

impl Engine {
    /// Explains the decision [`decide`](Engine::decide) makes for this
    /// customer at `now`: every rule, every tag, and for every action of the
    /// catalog its priority and why it was or was not suggested. The actions
    /// are ranked for the classified stage, as `decide` ranks them;
    /// [`explain_in`](Engine::explain_in) explains
    /// [`decide_in`](Engine::decide_in), for a given stage.
    ///
    /// Uses the reference interpreter, not the compiled program, so it also
    /// serves as the specification `decide` is tested against: both suggest
    /// the same actions in the same order. Off the hot path: it allocates.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Outcome, Reason, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
    /// let onboarding = explanation.actions.iter().find(|a| a.kind == "onboarding").unwrap();
    /// let Outcome::NotSuggested { reasons } = &onboarding.outcome else { panic!() };
    /// assert!(matches!(reasons[0], Reason::OtherStage { .. }));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn explain<S, H>(&self, signals: &S, history: &H, now: Timestamp) -> Explanation
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        let scratch = self.interpret(signals);
        let stage = scratch.classified.stage;
        self.explain_view(&scratch, stage, history, now, None)
    }

    /// Explains the decision [`decide_learning`](Engine::decide_learning)
    /// makes with `learning`, as [`explain`](Engine::explain) explains
    /// [`decide`](Engine::decide): each eligible action's
    /// [`Priority`] has the learned propensity and says how it was learned
    /// ([`Priority::learned`]), for example `learned 0.31 from 412
    /// responses; prior 0.5`. Under exploration the draws are the
    /// decision's own: the same seed gives the same draws.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// let store = LearnedStore::new(&engine, now);
    /// let call = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// for i in 0..412 {
    ///     let response = if i % 10 < 3 { Response::Accepted } else { Response::Ignored };
    ///     store.record_in(call, response, now);
    /// }
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 2)?;
    /// let history = ContactLog::new();
    /// let explanation = engine.explain_learning(&customer, &history, now, store.exploit());
    /// let trace = explanation.actions.iter().find(|a| a.id == "evaluation.advisor_call").unwrap();
    /// let priority = trace.priority.as_ref().unwrap();
    /// assert_eq!(priority.learned.unwrap().to_string(), "learned 0.31 from 412 responses; prior 0.5");
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide_learning(&customer, &history, now, store.exploit(), &mut scratch);
    /// let fast: Vec<&str> = decision.actions().map(|a| a.id()).collect();
    /// let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
    /// assert_eq!(fast, explained);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn explain_learning<S, H>(
        &self,
        signals: &S,
        history: &H,
        now: Timestamp,
        learning: Learning<'_>,
    ) -> Explanation
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        let scratch = self.interpret(signals);
        let stage = scratch.classified.stage;
        self.explain_view(&scratch, stage, history, now, Some(learning))
    }

    /// Explains the decision [`decide_in`](Engine::decide_in) makes for this
    /// customer in `stage` at `now`, as [`explain`](Engine::explain) does
    /// for [`decide`](Engine::decide): the rules and tags of the
    /// classification, and every action as ranked for `stage`. The
    /// explanation's `stage` is `stage`, its `classified_stage` the
    /// classification's.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Outcome, Reason, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("purchases", 1)?;
    /// customer.set("reviews_read", 2)?;
    /// let journey = engine.model().find("post_purchase").unwrap();
    /// let explanation = engine.explain_in(journey, &customer, &ContactLog::new(), Timestamp::EPOCH)?;
    /// assert_eq!((explanation.stage.as_str(), explanation.classified_stage.as_str()),
    ///     ("post_purchase", "information_search"));
    /// assert!(explanation.to_string().starts_with(
    ///     "stage post_purchase (confidence 0.00; the signals alone say information_search)"));
    /// let reviews = explanation.actions.iter().find(|a| a.id == "information_search.reviews").unwrap();
    /// let Outcome::NotSuggested { reasons } = &reviews.outcome else { panic!() };
    /// assert!(matches!(reasons[0], Reason::OtherStage { .. }));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`decide_in`](Engine::decide_in): an unknown stage.
    pub fn explain_in<S, H>(
        &self,
        stage: &Stage,
        signals: &S,
        history: &H,
        now: Timestamp,
    ) -> Result<Explanation, Error>
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        let stage = self.own_stage(stage)?;
        let scratch = self.interpret(signals);
        Ok(self.explain_view(&scratch, stage, history, now, None))
    }

    /// The explanation of the customer classified into `scratch` (by the
    /// interpreter), with the actions ranked for `stage`, with propensities
    /// from `learning` when given.
    fn explain_view<H: ContactHistory + ?Sized>(
        &self,
        scratch: &Scratch,
        stage: StageIndex,
        history: &H,
        now: Timestamp,
        learning: Option<Learning<'_>>,
    ) -> Explanation {
        let decision = scratch.view(self, stage);
        let stage = decision.stage();
        let values = &scratch.values;
        let holds = |condition: &Condition| evaluate_dense(condition, self.schema(), values);
        let misses = |condition: &Condition| near_misses(condition, self.schema(), values);

        let rules = self
            .rules()
            .map(|rule| RuleTrace {
                id: rule.id().to_owned(),
                stage: self.stage_at(rule.stage()).id().to_owned(),
                condition: rule.condition().to_string(),
                held: holds(rule.condition()),
                fired: scratch.classified.has_fired(rule.index()),
                misses: misses(rule.condition()),
            })
            .collect();
        let tags = self
            .tags()
            .map(|tag| TagTrace {
                id: tag.id().to_owned(),
                condition: tag.condition().to_string(),
                held: decision.has_tag(tag.id()),
                misses: misses(tag.condition()),
            })
            .collect();

        let signals = self.score_input(values, &scratch.classified.fired);
        let customer_tags = &scratch.classified.tags[..];
        let all_tags = self.tag_table();
        let learning =
            learning.map(|learning| learning.for_customer(self, stage.index(), customer_tags, now));
        let has = |tag: &TagIndex| customer_tags.contains(tag);
        // Each limit is counted once for the whole catalog, as the ranking
        // does.
        let reached: Vec<(&ContactLimit, u32)> = self
            .contact_limits()
            .iter()
            .map(|limit| (limit, contacts(limit, self.actions(), history, now)))
            .filter(|(limit, contacts)| *contacts >= limit.times)
            .collect();
        let tag_id = |tag: &TagIndex| all_tags[tag.as_usize()].id().to_owned();
        let mut actions: Vec<ActionTrace> = Vec::with_capacity(self.actions().len());
        for action in self.actions() {
            let mut reasons = Vec::new();
            if action.stages().contains(&stage.index()) {
                for tag in action.requires().iter().filter(|tag| !has(tag)) {
                    reasons.push(Reason::MissingTag { tag: tag_id(tag) });
                }
                for tag in action.excludes().iter().filter(|tag| has(tag)) {
                    reasons.push(Reason::ExcludedTag { tag: tag_id(tag) });
                }
                if !holds(action.condition()) {
                    reasons.push(Reason::ConditionFalse {
                        condition: action.condition().to_string(),
                        misses: misses(action.condition()),
                    });
                }
                for (limit, contacts) in reached.iter().filter(|(limit, _)| limit.covers(action)) {
                    reasons.push(Reason::ContactLimit {
                        limit: limit.id.clone(),
                        contacts: *contacts,
                        times: limit.times,
                        window: limit.window,
                    });
                }
                reasons.extend(
                    contact_blocks(action, history, now)
                        .into_iter()
                        .flatten()
                        .map(Reason::from),
                );
            } else {
                reasons.push(Reason::OtherStage {
                    stages: action
                        .stages()
                        .iter()
                        .map(|index| self.stage_at(*index).id().to_owned())
                        .collect(),
                });
            }
            let priority = reasons.is_empty().then(|| {
                let rule = action
                    .propensity_rules()
                    .iter()
                    .position(|rule| holds(rule.condition()));
                let input = ActionInput {
                    signals: &signals,
                    stage,
                    tags: customer_tags,
                    all_tags,
                    action,
                    rule,
                };
                let prior = input.propensity(self.action_scorer());
                let learned = learning.and_then(|l| l.learned(action.index(), prior));
                let propensity = learned.map_or(prior, |learned| learned.propensity);
                Priority {
                    priority: priority(propensity, action),
                    propensity,
                    value: action.value(),
                    weight: action.weight(),
                    propensity_rule: input
                        .propensity_rule()
                        .map(|rule| rule.condition().to_string()),
                    learned,
                }
            });
            if priority.as_ref().is_some_and(|p| p.priority <= 0.0) {
                reasons.push(Reason::ZeroPriority);
            }
            actions.push(ActionTrace {
                id: action.id().to_owned(),
                kind: action.kind().to_owned(),
                group: action.group().to_owned(),
                fallback: action.is_fallback(),
                priority,
                outcome: Outcome::NotSuggested { reasons },
            });
        }
        // The regular actions first; the fallbacks only if none of them
        // was suggested.
        if self.arbitrate(&mut actions, false) == 0 {
            self.arbitrate(&mut actions, true);
        } else {
            for (trace, action) in actions.iter_mut().zip(self.actions()) {
                if let Outcome::NotSuggested { reasons } = &mut trace.outcome {
                    if action.is_fallback() && action.stages().contains(&stage.index()) {
                        reasons.push(Reason::RegularActionsSuggested);
                    }
                }
            }
        }
        Explanation {
            stage: stage.id().to_owned(),
            classified_stage: decision.classified_stage().id().to_owned(),
            confidence: decision.confidence(),
            rules,
            tags,
            actions,
        }
    }

    /// The arbitration among the regular actions (`fallback` false) or the
    /// fallbacks, written plainly: their eligible actions by priority (a
    /// stable sort keeps catalog order among equals), then the first
    /// `max_suggestions` whose group has room. Returns how many it
    /// suggested.
    fn arbitrate(&self, actions: &mut [ActionTrace], fallback: bool) -> usize {
        let arbitration = self.arbitration();
        let mut eligible: Vec<usize> = (0..actions.len())
            .filter(|&i| {
                actions[i].fallback == fallback
                    && actions[i].outcome
                        == Outcome::NotSuggested {
                            reasons: Vec::new(),
                        }
            })
            .collect();
        let priorities: Vec<f64> = actions
            .iter()
            .map(|trace| trace.priority.as_ref().map_or(0.0, |p| p.priority))
            .collect();
        let priority = |i: usize| priorities[i];
        eligible.sort_by(|&a, &b| priority(b).total_cmp(&priority(a)));
        let mut per_group: HashMap<String, usize> = HashMap::new();
        // The suggested so far, best first: every one ranked above the
        // actions still to come.
        let mut winners: Vec<usize> = Vec::new();
        for i in eligible {
            let own = priority(i);
            let group = actions[i].group.clone();
            let beaten_by = |actions: &[ActionTrace], same_group: bool| -> Vec<Outranker> {
                winners
                    .iter()
                    .filter(|&&w| !same_group || actions[w].group == group)
                    .map(|&w| Outranker {
                        id: actions[w].id.clone(),
                        priority: priority(w),
                        factor: Some(priority(w) / own).filter(|f| f.is_finite()),
                    })
                    .collect()
            };
            let in_group = per_group.entry(group.clone()).or_default();
            let outcome = if winners.len() == arbitration.max_suggestions {
                Outcome::NotSuggested {
                    reasons: vec![Reason::Outranked {
                        max_suggestions: arbitration.max_suggestions,
                        by: beaten_by(actions, false),
                    }],
                }
            } else if *in_group == arbitration.max_per_group {
                Outcome::NotSuggested {
                    reasons: vec![Reason::GroupFull {
                        group: group.clone(),
                        max_per_group: arbitration.max_per_group,
                        by: beaten_by(actions, true),
                    }],
                }
            } else {
                *in_group += 1;
                winners.push(i);
                Outcome::Suggested {
                    rank: winners.len(),
                }
            };
            actions[i].outcome = outcome;
        }
        winners.len()
    }
}

impl Explanation {
    /// The suggested actions, best first.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = engine.record();
    /// customer.set("checkout_starts", 1)?;
    /// let explanation = engine.explain(&customer, &ContactLog::new(), Timestamp::EPOCH);
    /// let mut scratch = engine.scratch();
    /// let decision = engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let fast: Vec<&str> = decision.actions().map(|a| a.id()).collect();
    /// let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
    /// assert_eq!(fast, explained);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn suggested(&self) -> impl Iterator<Item = &ActionTrace> + '_ {
        let mut ranked: Vec<&ActionTrace> =
            self.actions.iter().filter(|a| a.rank().is_some()).collect();
        ranked.sort_by_key(|a| a.rank());
        ranked.into_iter()
    }
}

impl fmt::Display for Explanation {
    /// Several lines: the stage, the rules that held, those that did not
    /// with the comparisons that failed them, the tags (and those the
    /// customer lacks, with why), the suggested actions with their
    /// priorities, and every other action of the customer's stage with the
    /// reasons it was not suggested, then the actions of other stages on
    /// one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "stage {} (confidence {:.2}", self.stage, self.confidence)?;
        if self.classified_stage != self.stage {
            write!(f, "; the signals alone say {}", self.classified_stage)?;
        }
        writeln!(f, ")")?;
        writeln!(f, "rules that held:")?;
        let mut any = false;
        for rule in self.rules.iter().filter(|rule| rule.held) {
            write!(f, "  {} → {}: {}", rule.id, rule.stage, rule.condition)?;
            if !rule.fired {
                // Under the `first` hit policy: an earlier rule decided.
                f.write_str(" (did not fire: a rule before it decided)")?;
            }
            writeln!(f)?;
            any = true;
        }
        if !any {
            writeln!(f, "  none")?;
        }
        let mut missed = self.rules.iter().filter(|rule| !rule.held).peekable();
        if missed.peek().is_some() {
            writeln!(f, "rules that did not hold:")?;
        }
        for rule in missed {
            write!(f, "  {} → {}: ", rule.id, rule.stage)?;
            write_why_not(f, &rule.condition, &rule.misses)?;
        }
        let tags: Vec<&str> = self
            .tags
            .iter()
            .filter(|tag| tag.held)
            .map(|tag| tag.id.as_str())
            .collect();
        if tags.is_empty() {
            writeln!(f, "tags: none")?;
        } else {
            writeln!(f, "tags: {}", tags.join(", "))?;
        }
        for tag in self.tags.iter().filter(|tag| !tag.held) {
            write!(f, "  not {}: ", tag.id)?;
            write_why_not(f, &tag.condition, &tag.misses)?;
        }
        writeln!(f, "suggested:")?;
        let mut any = false;
        for action in self.suggested() {
            write!(
                f,
                "  {}. {} ({})",
                action.rank().unwrap_or(0),
                action.id,
                action.kind
            )?;
            if let Some(p) = &action.priority {
                write!(f, ": {p}")?;
            }
            if action.fallback {
                f.write_str(" (fallback: no regular action could be suggested)")?;
            }
            writeln!(f)?;
            any = true;
        }
        if !any {
            writeln!(f, "  none")?;
        }
        writeln!(f, "not suggested:")?;
        let mut other_stages: Vec<&str> = Vec::new();
        for action in &self.actions {
            let Outcome::NotSuggested { reasons } = &action.outcome else {
                continue;
            };
            // Actions of other stages are many and say little: one line.
            if let [Reason::OtherStage { .. }] = reasons.as_slice() {
                other_stages.push(&action.id);
                continue;
            }
            write!(f, "  {} ({}): ", action.id, action.kind)?;
            for (i, reason) in reasons.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{reason}")?;
            }
            if let Some(p) = &action.priority {
                write!(f, " ({p})")?;
            }
            writeln!(f)?;
        }
        if !other_stages.is_empty() {
            writeln!(f, "  for other stages: {}", other_stages.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Display for Priority {
    /// `priority 27 = propensity 0.9 × value 30 × weight 1`, and the
    /// propensity rule when one gave the propensity.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "priority {} = propensity {} × value {} × weight {}",
            self.priority, self.propensity, self.value, self.weight
        )?;
        if let Some(rule) = &self.propensity_rule {
            write!(f, " (propensity because {rule})")?;
        }
        if let Some(learned) = &self.learned {
            write!(f, " ({learned})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::OtherStage { stages } => {
                write!(f, "only for stage {}", stages.join(", "))
            }
            Reason::MissingTag { tag } => write!(f, "needs tag {tag}"),
            Reason::ExcludedTag { tag } => write!(f, "not for tag {tag}"),
            Reason::ConditionFalse { condition, misses } => {
                write!(f, "{condition} does not hold")?;
                write_misses(f, misses)
            }
            Reason::Cooldown { last_shown, until } => {
                write!(f, "shown at {last_shown}, cooling down until {until}")
            }
            Reason::Capped {
                shown,
                times,
                window,
            } => write!(
                f,
                "shown {shown} times in the last {window}, the cap is {times}"
            ),
            Reason::Dismissed { dismissals, max } => {
                write!(f, "dismissed {dismissals} times, the limit is {max}")
            }
            Reason::ContactLimit {
                limit,
                contacts,
                times,
                window,
            } => write!(
                f,
                "contact limit '{limit}' reached: {contacts} contacts in the last {window}, \
                 the limit is {times}"
            ),
            Reason::Suppressed {
                rejections,
                since,
                until,
            } => write!(
                f,
                "rejected {rejections} times by {since}, hidden until {until}"
            ),
            Reason::ZeroPriority => f.write_str("priority 0"),
            Reason::GroupFull {
                group,
                max_per_group,
                by,
            } => {
                write!(f, "group {group} already has {max_per_group} suggested")?;
                write_outrankers(f, by)
            }
            Reason::Outranked {
                max_suggestions,
                by,
            } => {
                write!(
                    f,
                    "outranked: the {max_suggestions} suggestions went to actions ranked higher"
                )?;
                write_outrankers(f, by)
            }
            Reason::RegularActionsSuggested => {
                f.write_str("a fallback, not needed: regular actions were suggested")
            }
        }
    }
}

/// The line of a rule or tag that did not hold: its misses, which name
/// the comparisons; its condition only when it has none (an explanation
/// read from older JSON).
fn write_why_not(f: &mut fmt::Formatter<'_>, condition: &str, misses: &[NearMiss]) -> fmt::Result {
    if misses.is_empty() {
        return writeln!(f, "{condition} does not hold");
    }
    for (i, miss) in misses.iter().enumerate() {
        if i > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{miss}")?;
    }
    writeln!(f)
}

/// ` (a is 2, needs >= 3; b is missing, needs present)`, nothing when
/// there are none.
fn write_misses(f: &mut fmt::Formatter<'_>, misses: &[NearMiss]) -> fmt::Result {
    for (i, miss) in misses.iter().enumerate() {
        f.write_str(if i == 0 { " (" } else { "; " })?;
        write!(f, "{miss}")?;
    }
    if !misses.is_empty() {
        f.write_str(")")?;
    }
    Ok(())
}

/// `: a (priority 40, 3.3× this one), b (…)`, nothing when there are none.
fn write_outrankers(f: &mut fmt::Formatter<'_>, by: &[Outranker]) -> fmt::Result {
    for (i, winner) in by.iter().enumerate() {
        f.write_str(if i == 0 { ": " } else { ", " })?;
        write!(f, "{winner}")?;
    }
    Ok(())
}

impl fmt::Display for Outranker {
    /// `evaluation.demo (priority 40, 3.3× this one)`: the factor to one
    /// decimal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (priority {}", self.id, self.priority)?;
        if let Some(factor) = self.factor {
            write!(f, ", {factor:.1}× this one")?;
        }
        f.write_str(")")
    }
}

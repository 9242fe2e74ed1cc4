//! `buyer-journey` classifies customers into the stages of the customer buying
//! process and explains why, fast enough to run on every event.
//!
//! The host application owns the data (signals about a customer) and the side
//! effects; the library owns the decision. A ruleset is data: a schema of
//! typed signals, an ordered stage model, stage rules and score rules written
//! in a small condition language, and a hit policy. It is validated and
//! compiled once into an [`Engine`], which then classifies each customer
//! without allocating.
//!
//! The built-in model, [`models::buying_process`], follows the five stages
//! every buying-process model shares: need recognition, information search,
//! evaluation of options, purchase decision and post-purchase, with the
//! types of customer (tags) and the catalog of actions the seed texts
//! describe for each stage.
//!
//! # The pipeline
//!
//! Data flows one way, one module a step, each reading only the steps
//! before it:
//!
//! 0. **Input**: a [`Schema`] of typed signals and the host's values
//!    ([`SignalRecord`], its own [`Signals`] or a [`Binding`] of its own
//!    struct, or [`Columns`] for a batch of customers), or the customer's
//!    [`Event`]s and how signals [derive](Derivation) from them; the
//!    [`StageModel`]; the [`condition`] language every rule is written in.
//! 1. **Spec**: the whole ruleset as plain serde data, [`RulesetSpec`].
//! 2. **Validation**: every id resolved, every condition parsed and checked,
//!    every bound respected, or one error located at its place; the
//!    validated parts are what the engine shows: [`Rule`], [`Tag`],
//!    [`Action`], [`TransitionRule`].
//! 3. **Compilation**: each distinct comparison once, each condition a
//!    formula over their bits.
//! 4. **Compiled stages**: the derivations (an event folded into the
//!    customer's [`Profile`], the signals read out of it), the classifier
//!    (rules, hit policy, scorers, tags), the action catalog and the
//!    journey machine.
//! 5. **Engine**: [`Engine`] composes them and answers for one customer at a
//!    time without allocating: [`Engine::observe`] for an event of a
//!    [`Customer`], or, for hosts that keep their own signals,
//!    [`Engine::classify`], [`Engine::decide`], [`Engine::decide_in`] and
//!    [`Engine::advance`]; and for many customers at once, from columns,
//!    [`Engine::classify_batch`] and [`Engine::decide_batch`], each comparison
//!    evaluated for 64 customers in one 64-bit mask, with each customer's
//!    [`Decision`] the one-at-a-time path's.
//!
//! Then the reports for people, off the hot path: [`Engine::explain`],
//! [`Funnel`], [`Engine::to_mermaid`], and [`WhatIf`], a ruleset tried on a
//! population before it ships.
//!
//! A decision's confidence is the share of the evidence for its stage, not
//! a probability. A [`Calibration`], fitted from customers whose outcome is
//! known and kept as a JSON document beside the ruleset, maps it per stage
//! to the outcome rate observed at that confidence:
//! [`Decision::calibrated_confidence`].
//!
//! # Ids and indices
//!
//! Every entity a ruleset declares (signal, stage, rule, tag, action,
//! transition) has an **id**, the string the ruleset names it by and output
//! reports: `"cart_adds"`, `"evaluation"`, `"purchase_decision.cart"`. An
//! engine also gives each an **index**, its dense position
//! ([`SignalIndex`], [`StageIndex`], ...), the fast handle for plug-ins on
//! the hot path. Stages and actions also have a **name** for people. So
//! `stage.id()` is `"evaluation"`, `stage.index()` its position in the model
//! and `stage.name()` `"Evaluation of options"`; lookups by id are `find`
//! ([`StageModel::find`], [`Engine::find_rule`]), lookups by index are named
//! after the entity ([`StageModel::stage`], [`Engine::rule`]). Store ids:
//! indices are only meaningful for the engine that issued them.
//!
//! # Quickstart
//!
//! ```
//! use buyer_journey::{models, ContactLog, Engine, Timestamp};
//!
//! // Validate and compile once; share the engine between threads.
//! let engine = Engine::builder(models::buying_process()).build()?;
//!
//! // Per thread: reusable buffers. Per customer: a record of signals.
//! let mut scratch = engine.scratch();
//! let mut customer = engine.record();
//! customer.set("reviews_read", 3)?;
//! customer.set("info_page_views", 5)?;
//!
//! let decision = engine.classify(&customer, &mut scratch);
//! assert_eq!(decision.stage().id(), "information_search");
//! assert_eq!(decision.confidence(), 1.0);
//! for rule in decision.fired() {
//!     println!("{}: {}", rule.id(), rule.condition());
//! }
//!
//! // Next-best-actions need the customer's contact history and the time,
//! // which the host supplies: the library reads no clock.
//! let history = ContactLog::new();
//! let now = Timestamp::from_unix_seconds(1_700_000_000);
//! let decision = engine.decide(&customer, &history, now, &mut scratch);
//! for action in decision.actions() {
//!     println!("{}. {} ({}): priority {}", action.rank(), action.id(), action.kind(), action.priority());
//! }
//! assert_eq!(decision.actions().next().unwrap().kind(), "social_proof");
//!
//! // Bad input is an error that names the problem, never a panic.
//! let err = customer.set("reviews_read", "many").unwrap_err();
//! assert_eq!(err.to_string(), "signal 'reviews_read' is a count, got a label");
//! # Ok::<(), buyer_journey::Error>(())
//! ```
//!
//! # A customer over time
//!
//! Hosts that live in a stream of events send each one to
//! [`Engine::observe`] with the customer's [`Customer`] (the [`Profile`] of
//! derived signals, the [`JourneyState`] and the [`ContactLog`], one serde
//! document the host stores). The engine folds the event into the profile,
//! moves the journey as far as the transition rules lead and ranks the
//! actions for the journey's stage; [`Engine::refresh`] does the same when
//! only time has passed.
//!
//! ```
//! use buyer_journey::{models, Customer, Engine, Event, Span, Timestamp};
//!
//! let engine = Engine::builder(models::buying_process()).build()?;
//! let mut scratch = engine.scratch();
//! let mut customer = Customer::new();
//! let day = |n| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
//!
//! for (n, event) in [(0, "review_read"), (2, "comparison"), (3, "cart_add"), (3, "purchase")] {
//!     engine.observe(&mut customer, Event::new(event, day(n)), day(n), &mut scratch)?;
//! }
//! // Two days after the purchase a guide read is part of owning the
//! // product: the journey stays, and so do its actions.
//! let seen = engine.observe(&mut customer, Event::new("info_page_view", day(5)), day(5), &mut scratch)?;
//! assert_eq!(seen.decision.stage().id(), "post_purchase");
//! for action in seen.decision.actions() {
//!     customer.record_shown(action.action(), day(5));
//! }
//! let stored = serde_json::to_string(&customer).unwrap();
//! assert_eq!(serde_json::from_str::<Customer>(&stored).unwrap(), customer);
//! # Ok::<(), buyer_journey::Error>(())
//! ```
//!
//! # Writing a ruleset
//!
//! A [`RulesetSpec`] is plain serde data, so rulesets can live in JSON files
//! and be edited without recompiling the host. Conditions are written as text
//! (`cart_adds >= 1 or checkout_starts >= 1`) or as a structured
//! [`Condition`]; the [`condition`] module documents the language and
//! [`Signals`] the rules for missing values. Errors point at the place:
//! `stage_rules[3].when, column 17: unknown signal 'cart_add', did you mean
//! 'cart_adds'?`.
//!
//! A ruleset can carry its own tests, [scenarios](ScenarioSpec): customers
//! and the stage, tags and actions they must get. [`Engine::run_scenarios`]
//! runs them and reports what differed, so whoever edits the rules learns
//! which promises they broke; the built-in model's pass.
//!
//! When reading rulesets with `serde_json`, enable its `float_roundtrip`
//! feature: without it a constant can be read back one unit in the last
//! place off, and a threshold such as `0.1` may then compare differently.
//!
//! With the `json` or `toml` feature (none is on by default), `Document`
//! reads a ruleset from JSON or TOML text and places every error at its line
//! and column there as well (`line 12, column 30: stage_rules[3].when,
//! column 17: ...`); `RulesetSpec::to_json` and `to_toml` write one. The
//! built-in model is in `examples/models/buying_process.json`; the seed
//! texts say every industry has its own model, and
//! `examples/models/b2b_saas.toml` is a second, a business-to-business
//! software funnel written as a document alone. The `check` example checks
//! documents from the command line; [`EngineBuilder::check`] lists every
//! problem, errors and warnings, without a document.
//!
//! # Next-best-actions
//!
//! A ruleset may declare [tags](TagSpec) (types of customer: `new`,
//! `loyal`, `complaining`, ...) and a catalog of [actions](ActionSpec).
//! [`Engine::decide`] classifies the customer and then ranks the actions of
//! a stage:
//!
//! 1. **Filter.** An action is a candidate when it applies in the stage,
//!    the customer has every tag it requires and none it excludes, its
//!    condition holds, and its [`ContactPolicy`] (cooldown, cap per window,
//!    dismissals that may expire, suppression after rejections) and the
//!    ruleset's [contact limits](ContactLimitSpec) allow it at `now` given
//!    the customer's [`ContactHistory`].
//! 2. **Score.** priority = propensity × value × weight. The propensity is
//!    the action's built-in one (the first of its propensity rules that
//!    holds, else its base propensity) or the host's [`ActionScorer`].
//! 3. **Arbitrate.** The highest priorities win, at most
//!    [`Arbitration::max_suggestions`] of them and at most
//!    [`Arbitration::max_per_group`] of one group; equal priorities go to the
//!    action declared first.
//! 4. **Fall back.** Actions marked as [fallbacks](ActionSpec::fallback)
//!    take no part in 1 to 3. Only when those suggest nothing (say every
//!    regular action of the stage is cooling down) are the stage's
//!    fallbacks filtered, scored and arbitrated the same way. A fallback's
//!    own contact policy applies, so the ruleset decides whether an empty
//!    answer is possible; one without a contact policy guarantees an answer
//!    wherever its stage, tags and condition allow.
//!
//! Each [`Suggestion`] carries its priority, the three factors, why it
//! was eligible and whether it is a fallback; [`Engine::explain`] says for
//! every action why it was or was not suggested.
//!
//! **Which stage.** [`Engine::classify`] and [`Engine::decide`] use the
//! stage the classification gives for the signals alone, and `decide` ranks
//! that stage's actions. [`Engine::decide_in`] classifies the same way but
//! ranks the actions of a stage the host gives, typically the stage of the
//! customer's journey (below): a customer held in `post_purchase` by the
//! journey's minimum dwell gets post-purchase actions even while the
//! signals alone say `information_search`. [`Decision::stage`] is the
//! stage the actions are for, [`Decision::classified_stage`] the
//! classification's; [`Engine::explain_in`] explains `decide_in`.
//!
//! # Journeys
//!
//! A host that keeps each customer's stage between evaluations stores a
//! [`JourneyState`] (serde: the stage id, when it was entered, the previous
//! stage, the completed buying cycles) and passes it back to
//! [`Engine::advance`] with fresh signals and the time. A new customer is
//! placed by the classification; after that only the ruleset's
//! [transition rules](TransitionSpec) move them: `from` stages, `to`, a
//! condition that may also read `stage` and `days_in_stage`, a priority, a
//! minimum dwell against flapping, and explicit permission to go back
//! (`back`, or `new_cycle`, which also counts a finished cycle). When a
//! transition rule and the classification disagree, the rule wins; when no
//! rule fires, the customer stays. One call settles: it applies the rules
//! again from each stage it moves to, until none fires or one would enter a
//! stage the call has already been in, and reports every move in
//! [`Step::moves`], at most one per stage of the model.
//! The actions for the journey's stage come from [`Engine::decide_in`],
//! or from [`Engine::observe`], which does all of it for an event.
//!
//! ```
//! use buyer_journey::{models, EdgeLabels, Engine, Funnel, JourneyState, Span, Timestamp};
//!
//! let engine = Engine::builder(models::buying_process()).build()?;
//! let mut scratch = engine.scratch();
//! let monday = Timestamp::from_unix_seconds(1_700_000_000);
//!
//! let mut customer = engine.record();
//! customer.set("reviews_read", 2)?;
//! let placed = engine.advance(&JourneyState::new(), &customer, monday, &mut scratch)?;
//! assert_eq!(placed.state.stage(), Some("information_search"));
//!
//! customer.set("cart_adds", 1)?;
//! let step = engine.advance(&placed.state, &customer, monday + Span::days(3), &mut scratch)?;
//! let moved = &step.moves[0];
//! assert_eq!((moved.to(), moved.rule()), ("purchase_decision", Some("forward.purchase_decision")));
//!
//! // Count a population: customers per stage, moves, median time per stage.
//! let mut funnel = Funnel::new(engine.model());
//! for transition in &step.moves {
//!     funnel.add_transition(transition)?;
//! }
//! funnel.add_state(&step.state)?;
//! let stats = funnel.stats();
//! assert_eq!(stats.stage("information_search").unwrap().median_time, Some(Span::days(3)));
//! print!("{}", stats.bar_chart(30));
//!
//! // And draw the rules: Mermaid or Graphviz text.
//! assert!(engine.to_mermaid(EdgeLabels::Ids).starts_with("stateDiagram-v2"));
//! # Ok::<(), buyer_journey::Error>(())
//! ```
//!
//! # Plugging in
//!
//! - **Signals.** Fill a [`SignalRecord`] by id (checked), implement
//!   [`Signals`] on the host's own customer type (read once per evaluation),
//!   or implement [`SignalFields`] on it and bind it once
//!   ([`Schema::bind`]): one call per customer writes all its fields.
//! - **Evidence.** Implement [`StageScorer`] (or pass a closure) to add the
//!   host's own evidence per stage: an ML propensity, a CRM score. The
//!   built-in score rules are one such scorer; under
//!   [`HitPolicy::HighestScore`] the evidence decides the stage.
//! - **Propensity.** Implement [`ActionScorer`] (or pass a closure) to give
//!   each action the host's own propensity for the customer.
//! - **Contact history.** Implement [`ContactHistory`] on the host's store
//!   of what each customer was shown and dismissed, or keep a [`ContactLog`]
//!   (serde) per customer.
//!
//! Both scorer traits take a closure, a scorer shared in an `Arc` (one model
//! for several engines) or a `Box<dyn …>` chosen at run time.
//!
//! # Reloading and renaming
//!
//! A host that changes its ruleset while running builds the new engine
//! (a bad ruleset stops there), then stores it in the [`SharedEngine`] its
//! threads [`load`](SharedEngine::load) from: each evaluation runs on the
//! one whole engine it loaded. A ruleset that renames a stage or an action
//! keeps the old id as an alias ([`StageSpec::aliases`],
//! [`ActionSpec::aliases`]), so journey states and contact logs stored
//! under it keep resolving; [`Engine::check_states`],
//! [`Engine::check_histories`] and [`Engine::check_customers`] report the
//! stored ids a new engine would no longer know, before it is swapped in.
//!
//! # Trying a change: champion and challenger
//!
//! A ruleset may name a [challenger](ChallengerSpec): another ruleset, by
//! its name, tried on a share of the customers before it ships. An
//! [`Experiment`] of the two engines sends each customer to one [`Arm`] by
//! a [stable hash](StableHasher) of a salt and the customer's id, the same
//! arm on every machine and after every restart, and every
//! [`ArmDecision`] says which arm made it. The host counts what it showed
//! and how customers [responded](Response) in the experiment's
//! [`ExperimentStats`] (no lock; serde; merged across machines), and
//! [`ExperimentReport`] compares the arms' response rates, with confidence
//! intervals, and says whether the difference is significant. The
//! `experiment` example runs one on a simulated market. [`daily_seed`] is
//! the seed for anything random for a customer on a day.
//!
//! # Limits and untrusted input
//!
//! Rulesets and condition text may come from people other than the host's
//! developers, so every input is bounded by [`Limits`]: the number of
//! signals, labels, stages, rules, tags and actions, the length of ids and
//! labels and of condition text, the nesting depth and the size of a
//! condition. Exceeding one is an [`ErrorKind::Limit`]. The work done for
//! bad input is bounded too: a "did you mean" suggestion compares at most
//! 64 characters within a band, whatever the length of the unknown id, and
//! the required and excluded tags of an action are checked in linear time.
//! The parser and every walk over a condition are bounded by the depth
//! limit, so no input can exhaust the stack, and no input (ruleset,
//! condition text, signal value) makes the library panic: bad input gets an
//! [`Error`] and leaves what it was applied to unchanged. Deserializing a
//! structured condition relies on the serde format's own recursion limit
//! (`serde_json` stops at 128 levels); the depth limit is then enforced when
//! the engine is built. A [`Condition`] built in Rust may be deeper than any
//! limit: dropping, cloning, comparing and printing it never recurse, and
//! serializing it is an error past 128 levels. The crate has no `unsafe` code.
//!
//! # Determinism
//!
//! The same engine, signals, contact history (or journey state) and `now`
//! always give the same decision: under the `first` hit policy stage rules
//! are tried by priority, then in the order written; stage ties break by
//! model order (see [`HitPolicy`]), action ties by catalog order, transition
//! rules by priority then declaration order, the fired rules are reported in
//! rule order, and the library reads no clock, no randomness and no global
//! state. Time comes from the host as a [`Timestamp`].

#![forbid(unsafe_code)]

// The pipeline, one module a step, each reading only the steps before it:
// signals and the condition language, the ruleset as data (`spec`), its
// validation, its compilation, the engine and its compiled parts (the
// classifier, the action catalog, the journey machine), then the reports
// for people (`explain`, `funnel`, `picture`).
mod bits;
mod error;
mod hash;
mod index;
mod limits;
mod names;
mod problem;
mod time;

pub mod condition;
mod event;
mod signal;
mod stage;

mod compile;
#[cfg(any(feature = "json", feature = "toml"))]
#[cfg(any(feature = "json", feature = "toml"))]
mod document;
mod spec;
mod validate;

mod action;
mod calibration;
mod customer;
mod engine;
mod journey;
mod learn;
mod profile;
mod score;

mod experiment;
mod explain;
mod funnel;
mod picture;
mod reload;
mod scenario;
mod what_if;

pub mod models;

pub use action::{
    ActionInput, ActionScorer, ContactHistory, ContactLog, IgnoredShowing, Response, Suggestion,
    SuggestionRecord, Why,
};
pub use calibration::{Calibration, CalibrationBlock, OutcomeSample, StageCalibration};
pub use condition::{ArithOp, CompareOp, Condition, Expr, When};
pub use condition::{NearMiss, Observed};
pub use customer::Customer;
#[cfg(any(feature = "json", feature = "toml"))]
#[cfg(any(feature = "json", feature = "toml"))]
pub use document::Document;
pub use engine::{
    Batch, BatchScratch, Decision, DecisionRecord, Engine, EngineBuilder, Observation, Scratch,
};
pub use error::{Error, ErrorKind, Location, Position};
pub use event::{Derivation, Event, EventSpec, Tally, ValueRange};
pub use experiment::{
    Arm, ArmCounts, ArmDecision, ArmDecisionRecord, ArmReport, Experiment, ExperimentCounts,
    ExperimentReport, ExperimentScratch, ExperimentStats, Interval, Split, Verdict, MIN_OUTCOMES,
};
pub use explain::Outranker;
pub use explain::{ActionTrace, Explanation, Outcome, Priority, Reason, RuleTrace, TagTrace};
pub use funnel::{Funnel, FunnelStats, StageStats};
pub use hash::{daily_seed, stable_hash, StableHasher};
pub use index::{ActionIndex, RuleIndex, SignalIndex, StageIndex, TagIndex, TransitionIndex};
pub use journey::{JourneyState, Moves, Step, Transition};
pub use learn::{
    Estimate, LearnedCell, LearnedCount, LearnedPropensity, LearnedSnapshot, LearnedStore, Learning,
};
pub use limits::Limits;
pub use picture::EdgeLabels;
pub use problem::{Problem, Problems, Severity};
pub use profile::Profile;
pub use reload::SharedEngine;
pub use scenario::{Difference, ScenarioReport, ScenarioResult};
pub use score::{Evidence, FiredRules, ScoreInput, StageScorer};
pub use signal::{
    Binding, Column, Columns, Schema, Signal, SignalFields, SignalKind, SignalRecord, SignalSpec,
    Signals, Value,
};
pub use spec::{
    ActionSpec, Arbitration, ChallengerSpec, ContactPolicy, FrequencyCap, FromStages, HitPolicy,
    PropensityRuleSpec, RulesetSpec, ScoreRuleSpec, StageRuleSpec, TagSpec, TransitionSpec,
};
pub use spec::{ContactLimitSpec, Suppression};
pub use spec::{Expectation, ScenarioEvent, ScenarioSpec, SignalValue};
pub use spec::{LearningSpec, Success};
pub use stage::{Stage, StageModel, StageSpec};
pub use time::{Span, TimeUnit, Timestamp};
pub use validate::{Action, PropensityRule, Rule, RuleKind, Tag, TransitionRule};
pub use what_if::{ChangedCustomer, NoActionCounts, WhatIf, WhatIfReport, WhatIfSide};

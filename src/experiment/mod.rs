//! Champion and challenger: a ruleset in force and one being tried on a
//! share of the customers, each customer always decided by the same one,
//! and the responses counted per arm to compare them.
//!
//! [`Split`] assigns customers to arms, [`ExperimentStats`] counts what
//! each arm did, [`ExperimentReport`] compares them; [`Experiment`] puts
//! the two engines, the split and the counts together.

mod normal;
mod report;
mod split;
mod stats;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::action::ContactHistory;
use crate::engine::{Decision, DecisionRecord, Engine, Scratch};
use crate::error::{Error, Excerpt, Location};
use crate::signal::Signals;
use crate::time::Timestamp;

pub use report::{ArmReport, ExperimentReport, Interval, Verdict, MIN_OUTCOMES};
pub use split::{Arm, Split};
pub use stats::{ArmCounts, ExperimentCounts, ExperimentStats};

/// A champion engine and a challenger engine, the [`Split`] of the
/// customers between them, and the [statistics](ExperimentStats) of each
/// arm.
///
/// Each customer is decided by the engine of their [arm](Experiment::arm),
/// which depends only on their id and the split, so it is the same on
/// every machine and after every restart, and every decision says which
/// arm made it. The host counts what it showed and how customers
/// responded ([`stats`](Experiment::stats)); [`report`](Experiment::report)
/// compares the arms.
///
/// An experiment is `Send + Sync`: share one between threads (in an
/// `Arc`), each thread with its own [`ExperimentScratch`].
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Arm, ChallengerSpec, ContactLog, Engine, Experiment, Response, Timestamp};
///
/// // The champion names its challenger, a copy that values demos more.
/// let mut champion = models::buying_process();
/// champion.challenger = Some(ChallengerSpec::new("demo_first", 0.5, "spring-2026"));
/// let mut challenger = models::buying_process();
/// challenger.name = "demo_first".into();
/// challenger.actions[0].weight = 3.0;
/// let experiment = Experiment::new(
///     Engine::builder(champion).build()?,
///     Engine::builder(challenger).build()?,
/// )?;
///
/// let mut scratch = experiment.scratch();
/// let mut signals = experiment.champion().record();
/// signals.set("comparisons", 2)?;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let decided = experiment.decide("c-42", &signals, &ContactLog::new(), now, &mut scratch);
/// assert_eq!(decided.arm, experiment.arm("c-42"));
/// assert_eq!(decided.decision.stage().id(), "evaluation");
///
/// // The host shows the actions and reports the response.
/// experiment.stats().record_shown(decided.arm);
/// experiment.stats().record_response(decided.arm, Response::Accepted);
/// assert_eq!(experiment.stats().counts().arm(decided.arm).accepted, 1);
/// println!("{}", experiment.report());
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug)]
pub struct Experiment {
    champion: Arc<Engine>,
    challenger: Arc<Engine>,
    split: Split,
    stats: ExperimentStats,
}

impl Experiment {
    /// The experiment the champion's ruleset declares in its
    /// [`challenger`](crate::RulesetSpec::challenger): its share and salt,
    /// tried against `challenger`, which must be the ruleset it names.
    ///
    /// Takes engines or engines in an `Arc` (shared with other users).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `challenger`
    /// when the champion names no challenger, and at
    /// `challenger.ruleset` when `challenger`'s
    /// [name](Engine::name) is not the one the champion names.
    ///
    /// ```
    /// use buyer_journey::{models, ChallengerSpec, Engine, Experiment};
    ///
    /// let mut champion = models::buying_process();
    /// champion.challenger = Some(ChallengerSpec::new("demo_first", 0.1, "spring"));
    /// let champion = Engine::builder(champion).build()?;
    /// let other = Engine::builder(models::buying_process()).build()?;
    /// let err = Experiment::new(champion, other).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "challenger.ruleset: ruleset 'buying_process' names the challenger 'demo_first', \
    ///      but was given ruleset 'buying_process'"
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn new(
        champion: impl Into<Arc<Engine>>,
        challenger: impl Into<Arc<Engine>>,
    ) -> Result<Experiment, Error> {
        let (champion, challenger) = (champion.into(), challenger.into());
        let Some(declared) = champion.challenger() else {
            return Err(Error::invalid(
                Location::new("challenger"),
                format!(
                    "ruleset '{}' names no challenger: declare one in its `challenger`, \
                     or give the split with `Experiment::with_split`",
                    Excerpt(champion.name())
                ),
            ));
        };
        if declared.ruleset != challenger.name() {
            return Err(Error::invalid(
                Location::new("challenger.ruleset"),
                format!(
                    "ruleset '{}' names the challenger '{}', but was given ruleset '{}'",
                    Excerpt(champion.name()),
                    Excerpt(&declared.ruleset),
                    Excerpt(challenger.name())
                ),
            ));
        }
        let split = Split::of(declared)?;
        Ok(Experiment::with_split(champion, challenger, split))
    }

    /// The experiment of `champion` and `challenger` under the host's
    /// `split`, whatever the rulesets declare.
    ///
    /// ```
    /// use buyer_journey::{models, Arm, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(1.0, "all-in")?);
    /// assert_eq!(experiment.arm("anyone"), Arm::Challenger);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn with_split(
        champion: impl Into<Arc<Engine>>,
        challenger: impl Into<Arc<Engine>>,
        split: Split,
    ) -> Experiment {
        Experiment {
            champion: champion.into(),
            challenger: challenger.into(),
            split,
            stats: ExperimentStats::new(),
        }
    }

    /// The same experiment, its statistics starting from `stats` (stored
    /// ones, say) instead of nothing.
    ///
    /// ```
    /// use buyer_journey::{models, Arm, Engine, Experiment, ExperimentStats, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let stored = ExperimentStats::new();
    /// stored.record_shown(Arm::Champion);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.1, "a")?)
    ///     .with_stats(stored);
    /// assert_eq!(experiment.stats().counts().champion.shown, 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn with_stats(mut self, stats: ExperimentStats) -> Experiment {
        self.stats = stats;
        self
    }

    /// The ruleset in force.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.1, "a")?);
    /// assert_eq!(experiment.champion().name(), "buying_process");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn champion(&self) -> &Engine {
        &self.champion
    }

    /// The ruleset being tried.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.1, "a")?);
    /// assert_eq!(experiment.challenger().name(), "buying_process");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn challenger(&self) -> &Engine {
        &self.challenger
    }

    /// The engine of `arm`.
    ///
    /// ```
    /// use buyer_journey::{models, Arm, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.1, "a")?);
    /// assert!(std::ptr::eq(experiment.engine(Arm::Champion), experiment.champion()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn engine(&self, arm: Arm) -> &Engine {
        match arm {
            Arm::Champion => &self.champion,
            Arm::Challenger => &self.challenger,
        }
    }

    /// How the customers are split between the arms.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.1, "a")?);
    /// assert_eq!(experiment.split().share(), 0.1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// The counts of each arm, for the host to record showings and
    /// responses in.
    ///
    /// ```
    /// use buyer_journey::{models, Arm, Engine, Experiment, Response, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.1, "a")?);
    /// experiment.stats().record_response(Arm::Champion, Response::Ignored);
    /// assert_eq!(experiment.stats().counts().champion.ignored, 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn stats(&self) -> &ExperimentStats {
        &self.stats
    }

    /// The arm of the customer with `customer_id`: see [`Split::arm`].
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.3, "a")?);
    /// assert_eq!(experiment.arm("c-42"), Split::new(0.3, "a")?.arm("c-42"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn arm(&self, customer_id: &str) -> Arm {
        self.split.arm(customer_id)
    }

    /// Buffers for [`decide`](Experiment::decide): one [`Scratch`] per
    /// engine. Make one per thread and reuse it.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Experiment, Split};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.3, "a")?);
    /// let scratch = experiment.scratch();
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn scratch(&self) -> ExperimentScratch {
        ExperimentScratch {
            champion: self.champion.scratch(),
            challenger: self.challenger.scratch(),
        }
    }

    /// Decides for the customer with `customer_id` with the engine of
    /// their arm, as [`Engine::decide`] does, and counts the decision for
    /// the arm.
    ///
    /// Allocates nothing when `scratch` came from this experiment's
    /// [`scratch`](Experiment::scratch) and `decide` would allocate
    /// nothing; on top of `decide` it costs the hash of the id and one
    /// atomic increment.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Experiment, Split, Timestamp};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.3, "a")?);
    /// let mut scratch = experiment.scratch();
    /// let signals = experiment.champion().record();
    /// let decided = experiment.decide("c-1", &signals, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// assert_eq!(experiment.stats().counts().arm(decided.arm).decisions, 1);
    /// let record = decided.to_record();
    /// assert_eq!(record.arm, decided.arm);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn decide<'a, S, H>(
        &'a self,
        customer_id: &str,
        signals: &S,
        history: &H,
        now: Timestamp,
        scratch: &'a mut ExperimentScratch,
    ) -> ArmDecision<'a>
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        let arm = self.arm(customer_id);
        self.stats.record_decision(arm);
        let scratch = match arm {
            Arm::Champion => &mut scratch.champion,
            Arm::Challenger => &mut scratch.challenger,
        };
        ArmDecision {
            arm,
            decision: self.engine(arm).decide(signals, history, now, scratch),
        }
    }

    /// The comparison of the arms so far, at the 5 % level: see
    /// [`ExperimentReport`].
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Experiment, Split, Verdict};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.3, "a")?);
    /// assert_eq!(experiment.report().verdict, Verdict::TooLittleData);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn report(&self) -> ExperimentReport {
        self.stats.report()
    }
}

/// Caller-owned buffers for [`Experiment::decide`]: a [`Scratch`] for each
/// engine, so deciding in either arm allocates nothing. Make one per thread
/// with [`Experiment::scratch`].
///
/// ```
/// use buyer_journey::{models, Engine, Experiment, Split};
///
/// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
/// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.3, "a")?);
/// let mut scratch = experiment.scratch();
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExperimentScratch {
    champion: Scratch,
    challenger: Scratch,
}

/// A decision of an [`Experiment`]: the arm whose engine made it, and the
/// [`Decision`].
///
/// ```
/// use buyer_journey::{models, Arm, ContactLog, Engine, Experiment, Split, Timestamp};
///
/// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
/// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(0.0, "a")?);
/// let mut scratch = experiment.scratch();
/// let signals = experiment.champion().record();
/// let decided = experiment.decide("c-1", &signals, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
/// assert_eq!(decided.arm, Arm::Champion);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ArmDecision<'a> {
    /// The arm that decided.
    pub arm: Arm,
    /// What it decided.
    pub decision: Decision<'a>,
}

impl ArmDecision<'_> {
    /// An owned copy with ids, for output. Allocates.
    ///
    /// ```
    /// use buyer_journey::{models, Arm, ContactLog, Engine, Experiment, Split, Timestamp};
    ///
    /// let engine = std::sync::Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let experiment = Experiment::with_split(engine.clone(), engine, Split::new(1.0, "a")?);
    /// let mut scratch = experiment.scratch();
    /// let signals = experiment.champion().record();
    /// let decided = experiment.decide("c-1", &signals, &ContactLog::new(), Timestamp::EPOCH, &mut scratch);
    /// let json = serde_json::to_string(&decided.to_record()).unwrap();
    /// assert!(json.starts_with(r#"{"arm":"challenger","decision":{"stage":"need_recognition""#));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn to_record(&self) -> ArmDecisionRecord {
        ArmDecisionRecord {
            arm: self.arm,
            decision: self.decision.to_record(),
        }
    }
}

/// A decision of an [`Experiment`], owned and with ids: the arm that made
/// it and its [`DecisionRecord`], ready for serde.
///
/// ```
/// use buyer_journey::{Arm, ArmDecisionRecord};
///
/// let json = r#"{"arm": "champion", "decision": {"stage": "evaluation", "confidence": 1.0,
///                "evidence": {"evaluation": 1.0}, "fired": []}}"#;
/// let record: ArmDecisionRecord = serde_json::from_str(json).unwrap();
/// assert_eq!((record.arm, record.decision.stage.as_str()), (Arm::Champion, "evaluation"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ArmDecisionRecord {
    /// The arm that decided.
    pub arm: Arm,
    /// What it decided.
    pub decision: DecisionRecord,
}

//! The store of learned response rates: counts per (action, stage, tag)
//! cell that many threads add to and read without a lock.
//!
//! Evidence decays by forward decay: a response at time t is added with
//! weight 2^((t − landmark) / half-life), and a read at `now` multiplies
//! the sums by 2^(−(now − landmark) / half-life). Every update is then a
//! pure addition, so updates commute, need no lock (an atomic add per
//! sum), and two stores merge by adding their sums.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::action::{Propensity, Response};
use crate::engine::Engine;
use crate::error::{Error, Location};
use crate::index::{ActionIndex, StageIndex, TagIndex};
use crate::names::suggest;
use crate::spec::Success;
use crate::stage::Stage;
use crate::time::{Span, Timestamp};
use crate::validate::{Action, Tag};

use super::estimate::{Estimate, LearnedPropensity};
use super::random::mix;
use super::settings::Settings;

/// How many half-lives from the landmark a weight may be, either way:
/// 2^512 leaves room for 2^511 responses in a sum before `f64` overflows.
/// Further out a response counts as if 512 half-lives away; see
/// [`LearnedStore::rebase`].
const MAX_HALF_LIVES: f64 = 512.0;

/// What a store learns for one engine: the ids of its cells and the
/// ruleset's learning settings. Shared between clones of a store.
#[derive(Debug, PartialEq)]
struct Layout {
    /// The engine whose indices the cells follow.
    engine: u64,
    actions: Vec<String>,
    stages: Vec<String>,
    /// The ids of the tags learned by, in order of preference.
    tags: Vec<String>,
    by_tags: Vec<TagIndex>,
    prior_strength: f64,
    half_life: Span,
    maturity: f64,
    success: Success,
}

impl Layout {
    /// Cells per (action, stage): one without a tag, one per tag.
    #[inline]
    fn slots(&self) -> usize {
        self.tags.len() + 1
    }

    fn cell(&self, action: usize, stage: usize, slot: usize) -> usize {
        (action * self.stages.len() + stage) * self.slots() + slot
    }

    /// How many half-lives `at` is after the landmark, within
    /// ±[`MAX_HALF_LIVES`].
    #[inline]
    fn half_lives(&self, landmark: Timestamp, at: Timestamp) -> f64 {
        let seconds = at.unix_seconds() as f64 - landmark.unix_seconds() as f64;
        (seconds / self.half_life.as_seconds() as f64).clamp(-MAX_HALF_LIVES, MAX_HALF_LIVES)
    }

    /// Whether two stores count the same cells.
    fn same_cells(&self, other: &Layout) -> bool {
        (&self.actions, &self.stages, &self.tags) == (&other.actions, &other.stages, &other.tags)
    }
}

/// One cell's sums of weights: successes and all responses. Each is an
/// `f64` kept in the bits of an atomic.
#[derive(Debug, Default)]
struct Counts {
    successes: AtomicU64,
    responses: AtomicU64,
}

impl Counts {
    #[inline]
    fn load(&self) -> (f64, f64) {
        (load(&self.successes), load(&self.responses))
    }

    fn add(&self, successes: f64, responses: f64) {
        if responses != 0.0 {
            add(&self.responses, responses);
        }
        if successes != 0.0 {
            add(&self.successes, successes);
        }
    }
}

#[inline]
fn load(sum: &AtomicU64) -> f64 {
    f64::from_bits(sum.load(Ordering::Relaxed))
}

/// Adds to an `f64` kept in an atomic; retries only while another thread
/// adds to the same sum.
fn add(sum: &AtomicU64, amount: f64) {
    let mut current = sum.load(Ordering::Relaxed);
    loop {
        let next = (f64::from_bits(current) + amount).to_bits();
        match sum.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}

/// Where a response is learned: one action, in one stage, for customers
/// with one of the ruleset's learned tags or none. Made by
/// [`LearnedStore::cell`] or [`LearnedStore::cell_for`]; a small `Copy`
/// value to keep between showing an action and recording the response.
///
/// ```
/// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
/// let a = store.cell_for("evaluation.advisor_call", "evaluation", &["returning"])?;
/// let b = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
/// assert_eq!(a, b); // the built-in model learns by no tag
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LearnedCell(usize);

/// Learned response rates, per action and stage (and per tag when the
/// ruleset's [`LearningSpec::by_tags`](crate::LearningSpec::by_tags) names
/// tags): the state that makes propensities adapt, kept outside the
/// immutable [`Engine`].
///
/// - **Record** what customers did after being shown an action with
///   [`record`](LearnedStore::record) (or [`record_in`](LearnedStore::record_in)
///   with a [`LearnedCell`]): `&self`, lock-free, any number of threads at
///   once. Every response is a trial; the ruleset's
///   [`Success`](crate::Success) says which are successes.
/// - **Decide** with [`Engine::decide_learning`] and
///   [`exploit`](LearnedStore::exploit) (the learned rate once mature, else
///   the ruleset's propensity) or [`explore`](LearnedStore::explore)
///   (Thompson sampling, deterministic for a seed).
/// - **Persist and share** with [`snapshot`](LearnedStore::snapshot) (serde,
///   by ids) and [`restore`](LearnedStore::restore); add another store's
///   counts with [`merge`](LearnedStore::merge).
///
/// The counts are kept relative to a landmark time. A response more than
/// 512 half-lives from it counts as if 512 away: a host that runs longer
/// than that (512 × 30 days is 42 years, 512 hours 21 days)
/// [`rebase`](LearnedStore::rebase)s now and then, or snapshots and
/// restores.
///
/// A store follows the indices of the engine it was made for: with another
/// engine (after a reload) decisions ignore it and use the ruleset's
/// propensities, until its snapshot is restored for the new engine. One
/// store per arm of a champion/challenger test is one value per arm.
///
/// ```
/// use buyer_journey::{models, ContactLog, Engine, LearnedStore, Response, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let store = LearnedStore::new(&engine, now);
/// let mut customer = engine.record();
/// customer.set("comparisons", 2)?;
/// let mut scratch = engine.scratch();
///
/// // The consultation is the top action; customers keep ignoring it.
/// let decision = engine.decide_learning(&customer, &ContactLog::new(), now, store.exploit(), &mut scratch);
/// let top = decision.actions().next().unwrap();
/// assert_eq!(top.id(), "evaluation.advisor_call");
/// for _ in 0..200 {
///     store.record(top.action(), decision.stage(), decision.tags(), Response::Ignored, now)?;
/// }
///
/// let decision = engine.decide_learning(&customer, &ContactLog::new(), now, store.exploit(), &mut scratch);
/// assert_ne!(decision.actions().next().unwrap().id(), "evaluation.advisor_call");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub struct LearnedStore {
    layout: Arc<Layout>,
    landmark: Timestamp,
    cells: Box<[Counts]>,
}

impl LearnedStore {
    /// An empty store for `engine`, under its ruleset's
    /// [`learning`](crate::RulesetSpec::learning) settings (the defaults
    /// when it has none), keeping counts relative to `landmark`: any time
    /// near the responses it will record, such as now.
    ///
    /// Allocates two `f64` sums per action, stage and learned tag (plus
    /// one): 16 bytes × actions × stages × (tags + 1).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// assert_eq!(store.responses(), 0.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn new(engine: &Engine, landmark: Timestamp) -> Self {
        let Settings {
            prior_strength,
            half_life,
            maturity,
            by_tags,
            success,
        } = engine.learning_settings().clone();
        let layout = Layout {
            engine: engine.unique_id(),
            actions: engine.actions().map(|a| a.id().to_owned()).collect(),
            stages: engine.model().iter().map(|s| s.id().to_owned()).collect(),
            tags: by_tags
                .iter()
                .filter_map(|&tag| engine.tag(tag))
                .map(|tag| tag.id().to_owned())
                .collect(),
            by_tags,
            prior_strength,
            half_life,
            maturity,
            success,
        };
        let cells = layout.actions.len() * layout.stages.len() * layout.slots();
        LearnedStore {
            layout: Arc::new(layout),
            landmark,
            cells: (0..cells).map(|_| Counts::default()).collect(),
        }
    }

    /// The time the counts are kept relative to.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// assert_eq!(LearnedStore::new(&engine, now).landmark(), now);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn landmark(&self) -> Timestamp {
        self.landmark
    }

    /// The ruleset's half-life of evidence.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(LearnedStore::new(&engine, Timestamp::EPOCH).half_life(), Span::days(30));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn half_life(&self) -> Span {
        self.layout.half_life
    }

    /// The cell where a response to `action`, shown in `stage` to a
    /// customer with `tags`, is learned: the first of the ruleset's learned
    /// tags the customer has, or none. Allocates only for the error.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) at `action` or
    /// `stage` when the store's engine has no such action or stage at its
    /// index (it is another engine's).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let action = engine.find_action("evaluation.advisor_call").unwrap();
    /// let stage = engine.model().find("evaluation").unwrap();
    /// let cell = store.cell(action, stage, engine.tags())?;
    /// assert_eq!(cell, store.cell_for("evaluation.advisor_call", "evaluation", &[])?);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn cell<'t>(
        &self,
        action: &Action,
        stage: &Stage,
        tags: impl IntoIterator<Item = &'t Tag>,
    ) -> Result<LearnedCell, Error> {
        let layout = &*self.layout;
        let action_at = action.index().as_usize();
        if layout.actions.get(action_at).map(String::as_str) != Some(action.id()) {
            return Err(self.unknown_action(action.id()));
        }
        let stage_at = stage.index().as_usize();
        if layout.stages.get(stage_at).map(String::as_str) != Some(stage.id()) {
            return Err(self.unknown_stage(stage.id()));
        }
        let slot = tags
            .into_iter()
            .filter_map(|tag| {
                let position = layout.by_tags.iter().position(|&t| t == tag.index())?;
                (layout.tags[position] == tag.id()).then_some(position + 1)
            })
            .min()
            .unwrap_or(0);
        Ok(LearnedCell(layout.cell(action_at, stage_at, slot)))
    }

    /// The cell of the action with id `action` shown in the stage with id
    /// `stage` to a customer with the tags of ids `tags` (tags the ruleset
    /// does not learn by are passed over), as a host that stored ids finds
    /// it. Allocates only for the error.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) at `action` or
    /// `stage`, with the nearest id.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let err = store.cell_for("evaluation.advisor_cal", "evaluation", &[]).unwrap_err();
    /// assert_eq!(err.to_string(),
    ///     "action: unknown action 'evaluation.advisor_cal', did you mean 'evaluation.advisor_call'?");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn cell_for(&self, action: &str, stage: &str, tags: &[&str]) -> Result<LearnedCell, Error> {
        let layout = &*self.layout;
        let action_at = layout
            .actions
            .iter()
            .position(|id| id == action)
            .ok_or_else(|| self.unknown_action(action))?;
        let stage_at = layout
            .stages
            .iter()
            .position(|id| id == stage)
            .ok_or_else(|| self.unknown_stage(stage))?;
        let slot = layout
            .tags
            .iter()
            .position(|tag| tags.contains(&tag.as_str()))
            .map_or(0, |position| position + 1);
        Ok(LearnedCell(layout.cell(action_at, stage_at, slot)))
    }

    #[cold]
    fn unknown_action(&self, id: &str) -> Error {
        let known = self.layout.actions.iter().map(String::as_str);
        Error::unknown("action", id, suggest(id, known)).at("action")
    }

    #[cold]
    fn unknown_stage(&self, id: &str) -> Error {
        let known = self.layout.stages.iter().map(String::as_str);
        Error::unknown("stage", id, suggest(id, known)).at("stage")
    }

    /// Learns that a customer with `tags`, shown `action` in `stage`,
    /// responded with `response` at `at`: [`cell`](LearnedStore::cell),
    /// then [`record_in`](LearnedStore::record_in).
    ///
    /// # Errors
    ///
    /// As [`cell`](LearnedStore::cell); nothing is recorded then.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let action = engine.find_action("evaluation.advisor_call").unwrap();
    /// let stage = engine.model().find("evaluation").unwrap();
    /// store.record(action, stage, [], Response::Accepted, Timestamp::EPOCH)?;
    /// assert_eq!(store.responses(), 1.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn record<'t>(
        &self,
        action: &Action,
        stage: &Stage,
        tags: impl IntoIterator<Item = &'t Tag>,
        response: Response,
        at: Timestamp,
    ) -> Result<(), Error> {
        let cell = self.cell(action, stage, tags)?;
        self.record_in(cell, response, at);
        Ok(())
    }

    /// Learns `response` at `at` in `cell`: adds its weight to the cell's
    /// responses, and to its successes when the response is one. Lock-free
    /// (an atomic add per sum), allocation-free, for any number of threads
    /// at once; the order of updates does not matter. A cell of another
    /// store with more cells is ignored.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// std::thread::scope(|threads| {
    ///     for _ in 0..4 {
    ///         threads.spawn(|| store.record_in(cell, Response::Converted, Timestamp::EPOCH));
    ///     }
    /// });
    /// assert_eq!(store.estimate(cell, 0.5, Timestamp::EPOCH).successes(), 4.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn record_in(&self, cell: LearnedCell, response: Response, at: Timestamp) {
        let Some(counts) = self.cells.get(cell.0) else {
            return;
        };
        let weight = self.layout.half_lives(self.landmark, at).exp2();
        let success = if self.layout.success.counts(response) {
            weight
        } else {
            0.0
        };
        counts.add(success, weight);
    }

    /// What the store knows of `cell` at `now`, with `prior` (clamped into
    /// [0, 1]) as the prior propensity. Allocation-free.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let store = LearnedStore::new(&engine, start);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// store.record_in(cell, Response::Accepted, start);
    /// store.record_in(cell, Response::Dismissed, start + Span::days(30));
    /// let estimate = store.estimate(cell, 0.5, start + Span::days(60));
    /// assert_eq!((estimate.successes(), estimate.responses()), (0.25, 0.75));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn estimate(&self, cell: LearnedCell, prior: f64, now: Timestamp) -> Estimate {
        self.estimate_at(cell.0, prior, self.decay(now))
    }

    /// What one response recorded at the landmark weighs at `now`.
    #[inline]
    fn decay(&self, now: Timestamp) -> f64 {
        (-self.layout.half_lives(self.landmark, now)).exp2()
    }

    #[inline]
    fn estimate_at(&self, cell: usize, prior: f64, decay: f64) -> Estimate {
        let (successes, responses) = self.cells.get(cell).map_or((0.0, 0.0), Counts::load);
        let responses = responses * decay;
        Estimate {
            prior: if prior.is_nan() {
                0.0
            } else {
                prior.clamp(0.0, 1.0)
            },
            prior_strength: self.layout.prior_strength,
            // Read while another thread adds, the successes may include a
            // response the responses do not yet.
            successes: (successes * decay).min(responses),
            responses,
            maturity: self.layout.maturity,
        }
    }

    /// Every response recorded, each weighing 1 at the landmark: the total
    /// as of [`landmark`](LearnedStore::landmark).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// store.record_in(cell, Response::Ignored, Timestamp::EPOCH + Span::days(30));
    /// assert_eq!(store.responses(), 2.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn responses(&self) -> f64 {
        self.cells.iter().map(|counts| counts.load().1).sum()
    }

    /// Propensities for [`Engine::decide_learning`] that exploit what was
    /// learned: for each action, the posterior mean once its responses
    /// reach the ruleset's maturity, else the prior.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 2)?;
    /// let mut scratch = engine.scratch();
    /// let learned = engine.decide_learning(&customer, &ContactLog::new(), Timestamp::EPOCH, store.exploit(), &mut scratch).to_record();
    /// // Nothing learned yet: the ruleset's propensities.
    /// assert_eq!(learned, engine.decide(&customer, &ContactLog::new(), Timestamp::EPOCH, &mut scratch).to_record());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn exploit(&self) -> Learning<'_> {
        Learning {
            store: self,
            seed: None,
        }
    }

    /// Propensities for [`Engine::decide_learning`] that explore by
    /// Thompson sampling: for each action a draw from its posterior, so an
    /// action with little evidence is tried now and then and one with much
    /// is ranked by what it earns. The draws depend only on `seed` and the
    /// counts: the host picks the seed (for example a hash of the customer
    /// id and the day) so that the same inputs give the same decision.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 2)?;
    /// let (mut a, mut b) = (engine.scratch(), engine.scratch());
    /// let history = ContactLog::new();
    /// let first = engine.decide_learning(&customer, &history, Timestamp::EPOCH, store.explore(42), &mut a);
    /// let again = engine.decide_learning(&customer, &history, Timestamp::EPOCH, store.explore(42), &mut b);
    /// assert_eq!(first.to_record(), again.to_record());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn explore(&self, seed: u64) -> Learning<'_> {
        Learning {
            store: self,
            seed: Some(seed),
        }
    }

    /// Adds `other`'s counts to this store's, as if this store had recorded
    /// `other`'s responses too (within float rounding). Lock-free, like
    /// [`record_in`](LearnedStore::record_in).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) when `other`
    /// learns other cells (another ruleset's actions, stages or learned
    /// tags); nothing is added then. Restore its
    /// [`snapshot`](LearnedStore::snapshot) for this engine first.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let (here, there) = (LearnedStore::new(&engine, Timestamp::EPOCH), LearnedStore::new(&engine, Timestamp::EPOCH));
    /// let cell = here.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// here.record_in(cell, Response::Accepted, Timestamp::EPOCH);
    /// there.record_in(cell, Response::Ignored, Timestamp::EPOCH);
    /// here.merge(&there)?;
    /// assert_eq!(here.estimate(cell, 0.5, Timestamp::EPOCH).responses(), 2.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn merge(&self, other: &LearnedStore) -> Result<(), Error> {
        if !self.layout.same_cells(&other.layout) {
            return Err(Error::invalid(
                Location::new("other"),
                "the stores learn different actions, stages or tags: restore the other's \
                 snapshot for this engine and merge that"
                    .to_owned(),
            ));
        }
        let scale = self.layout.half_lives(self.landmark, other.landmark).exp2();
        for (mine, theirs) in self.cells.iter().zip(other.cells.iter()) {
            let (successes, responses) = theirs.load();
            mine.add(successes * scale, responses * scale);
        }
        Ok(())
    }

    /// Moves the landmark to `landmark`, rescaling every count, so that
    /// responses near `landmark` keep their full weight (see the type's
    /// docs). Needs the store to itself: no thread records meanwhile.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// store.record_in(cell, Response::Accepted, Timestamp::EPOCH);
    /// let later = Timestamp::EPOCH + Span::days(60);
    /// store.rebase(later);
    /// assert_eq!(store.landmark(), later);
    /// assert_eq!(store.responses(), 0.25);
    /// assert_eq!(store.estimate(cell, 0.5, later).responses(), 0.25);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn rebase(&mut self, landmark: Timestamp) {
        let scale = (-self.layout.half_lives(self.landmark, landmark)).exp2();
        for counts in &mut *self.cells {
            let (successes, responses) = counts.load();
            *counts.successes.get_mut() = (successes * scale).to_bits();
            *counts.responses.get_mut() = (responses * scale).to_bits();
        }
        self.landmark = landmark;
    }

    pub(super) fn layout_ids(&self) -> (&[String], &[String], &[String]) {
        let layout = &*self.layout;
        (&layout.actions, &layout.stages, &layout.tags)
    }

    /// The cells with their sums, in layout order: (action, stage, slot),
    /// successes, responses.
    pub(super) fn sums(&self) -> impl Iterator<Item = ((usize, usize, usize), f64, f64)> + '_ {
        let slots = self.layout.slots();
        let stages = self.layout.stages.len().max(1);
        self.cells.iter().enumerate().map(move |(i, counts)| {
            let (successes, responses) = counts.load();
            let slot = i % slots;
            let pair = i / slots;
            ((pair / stages, pair % stages, slot), successes, responses)
        })
    }

    /// Adds `successes` and `responses`, weighed at `as_of`, to the cell.
    pub(super) fn add_at(
        &self,
        (action, stage, slot): (usize, usize, usize),
        successes: f64,
        responses: f64,
        as_of: Timestamp,
    ) {
        let scale = self.layout.half_lives(self.landmark, as_of).exp2();
        if let Some(counts) = self.cells.get(self.layout.cell(action, stage, slot)) {
            counts.add(successes * scale, responses * scale);
        }
    }
}

impl Clone for LearnedStore {
    fn clone(&self) -> Self {
        LearnedStore {
            layout: Arc::clone(&self.layout),
            landmark: self.landmark,
            cells: self
                .cells
                .iter()
                .map(|counts| {
                    let (successes, responses) = counts.load();
                    Counts {
                        successes: AtomicU64::new(successes.to_bits()),
                        responses: AtomicU64::new(responses.to_bits()),
                    }
                })
                .collect(),
        }
    }
}

impl fmt::Debug for LearnedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LearnedStore")
            .field("landmark", &self.landmark)
            .field("half_life", &self.layout.half_life)
            .field("cells", &self.cells.len())
            .field("responses", &self.responses())
            .finish_non_exhaustive()
    }
}

/// How [`Engine::decide_learning`] takes its propensities from a
/// [`LearnedStore`]: made by [`LearnedStore::exploit`] or
/// [`LearnedStore::explore`]. A borrow and a seed: cheap to copy.
///
/// ```
/// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
/// assert_eq!(store.exploit().seed(), None);
/// assert_eq!(store.explore(9).seed(), Some(9));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Learning<'a> {
    store: &'a LearnedStore,
    seed: Option<u64>,
}

impl<'a> Learning<'a> {
    /// The seed of Thompson sampling; `None` when exploiting.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// assert_eq!(store.explore(3).seed(), Some(3));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The store the propensities come from.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// assert_eq!(store.exploit().store().responses(), 0.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn store(&self) -> &'a LearnedStore {
        self.store
    }

    /// The propensities of one customer of `engine` in `stage` with sorted
    /// `tags` at `now`: everything per customer worked out once, so that
    /// each action costs one read of its cell.
    pub(crate) fn for_customer(
        &self,
        engine: &Engine,
        stage: StageIndex,
        tags: &[TagIndex],
        now: Timestamp,
    ) -> CustomerLearning<'a> {
        let store = self.store;
        let layout = &*store.layout;
        let slot = layout
            .by_tags
            .iter()
            .position(|tag| tags.binary_search(tag).is_ok())
            .map_or(0, |position| position + 1);
        CustomerLearning {
            store,
            active: layout.engine == engine.unique_id(),
            first: stage.as_usize() * layout.slots() + slot,
            stride: layout.stages.len() * layout.slots(),
            decay: store.decay(now),
            seed: self.seed,
        }
    }
}

/// The learned propensities of one customer, as ranking reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CustomerLearning<'a> {
    store: &'a LearnedStore,
    /// Whether the store follows the deciding engine's indices.
    active: bool,
    /// The cell of the first action for this customer.
    first: usize,
    /// Cells from one action to the next.
    stride: usize,
    decay: f64,
    seed: Option<u64>,
}

impl CustomerLearning<'_> {
    /// How `action`, with propensity `prior` from the ruleset or the
    /// host's scorer, is learned; `None` when the store is another
    /// engine's.
    pub(crate) fn learned(&self, action: ActionIndex, prior: f64) -> Option<LearnedPropensity> {
        let (estimate, cell) = self.estimate(action, prior)?;
        let propensity = self.choose(&estimate, cell);
        Some(LearnedPropensity::new(
            &estimate,
            propensity,
            self.seed.is_some(),
        ))
    }

    #[inline]
    fn estimate(&self, action: ActionIndex, prior: f64) -> Option<(Estimate, usize)> {
        if !self.active {
            return None;
        }
        let cell = action.as_usize() * self.stride + self.first;
        Some((self.store.estimate_at(cell, prior, self.decay), cell))
    }

    #[inline]
    fn choose(&self, estimate: &Estimate, cell: usize) -> f64 {
        match self.seed {
            // One stream per cell, so a draw does not depend on which other
            // actions were drawn for before it.
            Some(seed) => estimate.sample(mix(seed ^ mix(cell as u64))),
            None => estimate.exploit(),
        }
    }
}

impl Propensity for CustomerLearning<'_> {
    #[inline]
    fn propensity(&self, action: ActionIndex, prior: f64) -> f64 {
        match self.estimate(action, prior) {
            Some((estimate, cell)) => self.choose(&estimate, cell),
            None => prior,
        }
    }
}

// Many threads record into one store.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LearnedStore>();
    assert_send_sync::<Learning<'static>>();
};

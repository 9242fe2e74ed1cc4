//! What a host stores per customer between evaluations, and what a move
//! reports.

use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::time::{Span, Timestamp};

/// A customer's place in the buying process, kept by the host between
/// evaluations (a database row, a cache entry) and passed back to
/// [`Engine::advance`](crate::Engine::advance).
///
/// Stages are stored by id, not by [`StageIndex`](crate::StageIndex), so a state
/// stays meaningful when the host adds a stage to its model. A new customer
/// starts from [`JourneyState::new`], which has no stage yet.
///
/// Cloning is cheap: the stage ids are shared, not copied.
///
/// # Example
///
/// ```
/// use buyer_journey::{JourneyState, Timestamp};
///
/// let state = JourneyState::in_stage("evaluation", Timestamp::from_unix_seconds(1_700_000_000))
///     .with_previous("information_search")
///     .with_cycles(1);
/// let json = serde_json::to_string(&state).unwrap();
/// assert_eq!(
///     json,
///     r#"{"stage":"evaluation","entered":1700000000,"previous":"information_search","cycles":1}"#,
/// );
/// assert_eq!(serde_json::from_str::<JourneyState>(&json).unwrap(), state);
///
/// // A new customer: every field may be left out.
/// let new: JourneyState = serde_json::from_str("{}").unwrap();
/// assert_eq!(new, JourneyState::new());
/// assert_eq!(new.stage(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JourneyState {
    stage: Option<Arc<str>>,
    entered: Timestamp,
    previous: Option<Arc<str>>,
    cycles: u32,
}

impl JourneyState {
    /// A customer the host has not placed yet: no stage, no cycles.
    ///
    /// ```
    /// use buyer_journey::JourneyState;
    ///
    /// let state = JourneyState::new();
    /// assert_eq!((state.stage(), state.previous(), state.cycles()), (None, None, 0));
    /// assert_eq!(serde_json::to_string(&state).unwrap(),
    ///     r#"{"stage":null,"entered":0,"previous":null,"cycles":0}"#);
    /// ```
    pub fn new() -> Self {
        JourneyState::default()
    }

    /// A customer in stage `stage` since `entered`, as a host that tracked
    /// stages before adopting the library would restore them.
    ///
    /// ```
    /// use buyer_journey::{JourneyState, Timestamp};
    ///
    /// let since = Timestamp::from_unix_seconds(1_700_000_000);
    /// let state = JourneyState::in_stage("evaluation", since);
    /// assert_eq!(state.stage(), Some("evaluation"));
    /// assert_eq!(state.entered(), since);
    /// ```
    pub fn in_stage(stage: &str, entered: Timestamp) -> Self {
        JourneyState {
            stage: Some(Arc::from(stage)),
            entered,
            previous: None,
            cycles: 0,
        }
    }

    /// The same state with `previous` as the stage before this one.
    ///
    /// ```
    /// use buyer_journey::{JourneyState, Timestamp};
    ///
    /// let state = JourneyState::in_stage("evaluation", Timestamp::EPOCH)
    ///     .with_previous("information_search");
    /// assert_eq!(state.previous(), Some("information_search"));
    /// ```
    #[must_use]
    pub fn with_previous(mut self, previous: &str) -> Self {
        self.previous = Some(Arc::from(previous));
        self
    }

    /// The same state with `cycles` completed buying cycles.
    ///
    /// ```
    /// use buyer_journey::{JourneyState, Timestamp};
    ///
    /// let returning = JourneyState::in_stage("need_recognition", Timestamp::EPOCH).with_cycles(2);
    /// assert_eq!(returning.cycles(), 2);
    /// ```
    #[must_use]
    pub fn with_cycles(mut self, cycles: u32) -> Self {
        self.cycles = cycles;
        self
    }

    /// The id of the customer's stage; `None` before the first
    /// [`advance`](crate::Engine::advance).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let new = JourneyState::new();
    /// assert_eq!(new.stage(), None);
    /// let step = engine.advance(&new, &engine.record(), Timestamp::EPOCH, &mut engine.scratch())?;
    /// assert_eq!(step.state.stage(), Some("need_recognition"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stage(&self) -> Option<&str> {
        self.stage.as_deref()
    }

    /// When the customer entered the stage: the `now` of the move.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// let step = engine.advance(&JourneyState::new(), &engine.record(), now, &mut engine.scratch())?;
    /// assert_eq!(step.state.entered(), now);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn entered(&self) -> Timestamp {
        self.entered
    }

    /// The id of the stage before this one, if the customer has moved.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let state = JourneyState::in_stage("information_search", Timestamp::EPOCH);
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let later = Timestamp::EPOCH + Span::days(1);
    /// let step = engine.advance(&state, &customer, later, &mut engine.scratch())?;
    /// assert_eq!(step.state.previous(), Some("information_search"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn previous(&self) -> Option<&str> {
        self.previous.as_deref()
    }

    /// How many buying cycles the customer has completed: how often a
    /// `new_cycle` transition has moved them.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let bought = JourneyState::in_stage("post_purchase", Timestamp::EPOCH);
    /// let mut customer = engine.record();
    /// customer.set("need_searches", 1)?;
    /// let weeks_later = Timestamp::EPOCH + Span::days(14);
    /// let step = engine.advance(&bought, &customer, weeks_later, &mut engine.scratch())?;
    /// assert_eq!(step.state.stage(), Some("need_recognition"));
    /// assert_eq!(step.state.cycles(), 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn cycles(&self) -> u32 {
        self.cycles
    }

    /// The time the customer has spent in the stage at `now`; zero when
    /// `now` is before [`entered`](JourneyState::entered).
    ///
    /// ```
    /// use buyer_journey::{JourneyState, Span, Timestamp};
    ///
    /// let state = JourneyState::in_stage("evaluation", Timestamp::EPOCH);
    /// assert_eq!(state.time_in_stage(Timestamp::EPOCH + Span::days(3)), Span::days(3));
    /// ```
    pub fn time_in_stage(&self, now: Timestamp) -> Span {
        now.since(self.entered)
    }

    /// The state after a move to `to` at `now`.
    pub(crate) fn moved(&self, to: &Arc<str>, now: Timestamp, new_cycle: bool) -> Self {
        JourneyState {
            stage: Some(Arc::clone(to)),
            entered: now,
            previous: self.stage.clone(),
            cycles: self.cycles.saturating_add(u32::from(new_cycle)),
        }
    }

    /// The id of the customer's stage, shared.
    pub(crate) fn shared_stage(&self) -> Option<&Arc<str>> {
        self.stage.as_ref()
    }

    /// The id of the stage before, shared.
    pub(crate) fn shared_previous(&self) -> Option<&Arc<str>> {
        self.previous.as_ref()
    }

    /// The same state with its stage and previous stage named `stage` and
    /// `previous` (ids of the same stages, after a rename).
    pub(crate) fn renamed(&self, stage: &Arc<str>, previous: Option<&Arc<str>>) -> Self {
        JourneyState {
            stage: Some(Arc::clone(stage)),
            previous: previous.cloned(),
            ..self.clone()
        }
    }
}

/// A change of stage, one of the [`Moves`] that
/// [`Engine::advance`](crate::Engine::advance) reports: from where, to
/// where, by which rule, after how long.
///
/// A host can store these as an event log; [`Funnel`](crate::Funnel) counts
/// them, each one move. Cloning is cheap.
///
/// ```
/// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let monday = Timestamp::from_unix_seconds(1_700_000_000);
/// let state = JourneyState::in_stage("information_search", monday);
///
/// let mut customer = engine.record();
/// customer.set("comparisons", 2)?;
/// let step = engine.advance(&state, &customer, monday + Span::days(2), &mut scratch)?;
/// let moved = &step.moves[0];
/// assert_eq!(moved.from(), Some("information_search"));
/// assert_eq!(moved.to(), "evaluation");
/// assert_eq!(moved.rule(), Some("forward.evaluation"));
/// assert_eq!(moved.time_in_previous(), Span::days(2));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    from: Option<Arc<str>>,
    to: Arc<str>,
    rule: Option<Arc<str>>,
    at: Timestamp,
    time_in_previous: Span,
}

impl Transition {
    /// A move by transition rule `rule`.
    pub(crate) fn by_rule(
        from: &JourneyState,
        to: &Arc<str>,
        rule: &Arc<str>,
        now: Timestamp,
    ) -> Self {
        Transition {
            from: from.stage.clone(),
            to: Arc::clone(to),
            rule: Some(Arc::clone(rule)),
            at: now,
            time_in_previous: now.since(from.entered),
        }
    }

    /// The first placement of a customer, by the stage rules.
    pub(crate) fn placed(to: &Arc<str>, at: Timestamp) -> Self {
        Transition {
            from: None,
            to: Arc::clone(to),
            rule: None,
            at,
            time_in_previous: Span::ZERO,
        }
    }

    /// The stage the customer left; `None` for the first placement.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let placed = engine.advance(&JourneyState::new(), &engine.record(), start, &mut scratch)?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let later = start + Span::days(3);
    /// let step = engine.advance(&placed.state, &customer, later, &mut scratch)?;
    /// let moved = &step.moves[0];
    /// assert_eq!(moved.from(), Some("need_recognition"));
    /// assert_eq!(placed.moves[0].from(), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn from(&self) -> Option<&str> {
        self.from.as_deref()
    }

    /// The stage the customer entered.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let placed = engine.advance(&JourneyState::new(), &engine.record(), start, &mut scratch)?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let later = start + Span::days(3);
    /// let step = engine.advance(&placed.state, &customer, later, &mut scratch)?;
    /// let moved = &step.moves[0];
    /// assert_eq!(moved.to(), "evaluation");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn to(&self) -> &str {
        &self.to
    }

    /// The id of the transition rule that fired; `None` when the stage rules
    /// placed a customer for the first time.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let placed = engine.advance(&JourneyState::new(), &engine.record(), start, &mut scratch)?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let later = start + Span::days(3);
    /// let step = engine.advance(&placed.state, &customer, later, &mut scratch)?;
    /// let moved = &step.moves[0];
    /// assert_eq!(moved.rule(), Some("forward.evaluation"));
    /// assert_eq!(placed.moves[0].rule(), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }

    /// When the move happened: the `now` of the call.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let placed = engine.advance(&JourneyState::new(), &engine.record(), start, &mut scratch)?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let later = start + Span::days(3);
    /// let step = engine.advance(&placed.state, &customer, later, &mut scratch)?;
    /// let moved = &step.moves[0];
    /// assert_eq!(moved.at(), later);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// How long the customer was in the stage they left; zero for the first
    /// placement, and for a move right after another in the same call (the
    /// customer entered the stage they leave at the same `now`).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let placed = engine.advance(&JourneyState::new(), &engine.record(), start, &mut scratch)?;
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 1)?;
    /// let later = start + Span::days(3);
    /// let step = engine.advance(&placed.state, &customer, later, &mut scratch)?;
    /// let moved = &step.moves[0];
    /// assert_eq!(moved.time_in_previous(), Span::days(3));
    /// assert_eq!(placed.moves[0].time_in_previous(), Span::ZERO);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn time_in_previous(&self) -> Span {
        self.time_in_previous
    }
}

/// What [`Engine::advance`](crate::Engine::advance) returns: the customer's
/// new state, and every move the call made to reach it.
///
/// ```
/// use buyer_journey::{models, Engine, JourneyState, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let nobody = engine.record();
///
/// let first = engine.advance(&JourneyState::new(), &nobody, Timestamp::EPOCH, &mut scratch)?;
/// assert_eq!(first.state.stage(), Some("need_recognition"));
/// assert!(first.moved());
///
/// let again = engine.advance(&first.state, &nobody, Timestamp::EPOCH, &mut scratch)?;
/// assert_eq!(again.state, first.state);
/// assert!(!again.moved());
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Step {
    /// The state to store for the customer.
    pub state: JourneyState,
    /// Every move of the call, in the order made: the placement of a new
    /// customer, then each transition rule that fired; empty when the
    /// customer stayed where they were.
    pub moves: Moves,
}

impl Step {
    /// Whether the customer changed stage (or was placed for the first time):
    /// whether [`moves`](Step::moves) has any.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let nobody = engine.record();
    /// let placed = engine.advance(&JourneyState::new(), &nobody, Timestamp::EPOCH, &mut scratch)?;
    /// assert!(placed.moved());
    /// assert!(!engine.advance(&placed.state, &nobody, Timestamp::EPOCH, &mut scratch)?.moved());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn moved(&self) -> bool {
        !self.moves.is_empty()
    }
}

/// How many moves [`Moves`] holds without allocating: the stages of the
/// built-in model, which bound the moves of one call on it.
const INLINE_MOVES: usize = 5;

/// The moves of one [`Engine::advance`](crate::Engine::advance) call, in
/// the order made; each one's [`from`](Transition::from) is the
/// [`to`](Transition::to) of the one before.
///
/// A slice of [`Transition`]s to read (`len`, `iter`, `first`, `last`,
/// indexing), serialized as a list. A call makes at most as many moves as
/// the model has stages; up to 5 are kept inline, so a call on a model of
/// up to 5 stages never allocates for them.
///
/// ```
/// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let bought = JourneyState::in_stage("post_purchase", Timestamp::EPOCH);
///
/// // Two weeks after a purchase: a search for a need starts a new cycle,
/// // and the review read since then moves the customer on at once.
/// let mut customer = engine.record();
/// customer.set("purchases", 1)?;
/// customer.set("need_searches", 1)?;
/// customer.set("reviews_read", 1)?;
/// let step = engine.advance(&bought, &customer, Timestamp::EPOCH + Span::days(14), &mut scratch)?;
/// let path: Vec<(Option<&str>, &str)> = step.moves.iter().map(|t| (t.from(), t.to())).collect();
/// assert_eq!(
///     path,
///     [
///         (Some("post_purchase"), "need_recognition"),
///         (Some("need_recognition"), "information_search"),
///     ]
/// );
/// assert_eq!(step.moves.last().unwrap().to(), step.state.stage().unwrap());
/// let json = serde_json::to_value(&step.moves).unwrap();
/// assert_eq!(json[1]["rule"], "forward.information_search");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Moves(SmallVec<[Transition; INLINE_MOVES]>);

impl Moves {
    /// No moves.
    pub(crate) fn new() -> Self {
        Moves(SmallVec::new())
    }

    /// Records `transition` after the moves so far.
    pub(crate) fn push(&mut self, transition: Transition) {
        self.0.push(transition);
    }
}

impl Deref for Moves {
    type Target = [Transition];

    fn deref(&self) -> &[Transition] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Moves {
    type Item = &'a Transition;
    type IntoIter = std::slice::Iter<'a, Transition>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

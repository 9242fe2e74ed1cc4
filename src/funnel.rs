//! A report for people, off the hot path: funnel statistics over a
//! population, how many customers are in each stage, how they moved between
//! stages, and how long they stayed.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::engine::Decision;
use crate::error::Error;
use crate::journey::{JourneyState, Transition};
use crate::stage::StageModel;
use crate::time::Span;

/// Counts a population against a stage model: customers per stage (from
/// their [`JourneyState`]s or [`Decision`]s), moves between stages and the
/// time spent in a stage before leaving it (from [`Transition`]s).
/// [`Funnel::stats`] turns the counts into [`FunnelStats`].
///
/// Stages are matched by id, so states, decisions and transitions from
/// another engine count as long as their stage ids are in this funnel's
/// model. A stage id the model lacks is an error that records nothing.
/// Counts saturate at `u64::MAX` instead of overflowing.
///
/// The funnel keeps the length of every completed stay (8 bytes each) so
/// that [`StageStats::median_time`] is exact; the rest is a fixed `n × n`
/// table for `n` stages.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, Funnel, JourneyState, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut funnel = Funnel::new(engine.model());
///
/// // A customer who starts reading reviews two days after being placed.
/// let monday = Timestamp::from_unix_seconds(1_700_000_000);
/// let mut customer = engine.record();
/// let placed = engine.advance(&JourneyState::new(), &customer, monday, &mut scratch)?;
/// customer.set("reviews_read", 2)?;
/// let moved = engine.advance(&placed.state, &customer, monday + Span::days(2), &mut scratch)?;
///
/// for step in [&placed, &moved] {
///     for transition in &step.moves {
///         funnel.add_transition(transition)?;
///     }
/// }
/// funnel.add_state(&moved.state)?;
/// funnel.add_state(&JourneyState::new())?; // not placed yet
///
/// let stats = funnel.stats();
/// assert_eq!((stats.customers, stats.not_placed), (1, 1));
/// let search = stats.stage("information_search").unwrap();
/// assert_eq!((search.customers, search.share), (1, 1.0));
/// let need = stats.stage("need_recognition").unwrap();
/// assert_eq!((need.stays, need.median_time), (1, Some(Span::days(2))));
/// assert_eq!(stats.transitions_between("need_recognition", "information_search"), Some(1));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    model: StageModel,
    /// Customers per stage, model order.
    customers: Vec<u64>,
    not_placed: u64,
    /// Moves, row-major: `[from * n + to]`.
    transitions: Vec<u64>,
    /// The completed stays per stage, model order, in the order recorded.
    stays: Vec<Vec<Span>>,
}

impl Funnel {
    /// An empty funnel over the stages of `model`.
    ///
    /// ```
    /// use buyer_journey::{models, Funnel};
    ///
    /// let model = models::buying_process().stage_model()?;
    /// let stats = Funnel::new(&model).stats();
    /// assert_eq!(stats.customers, 0);
    /// assert_eq!(stats.stages.len(), 5);
    /// assert!(stats.stages.iter().all(|stage| stage.share == 0.0 && stage.median_time.is_none()));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn new(model: &StageModel) -> Self {
        let n = model.len();
        Funnel {
            model: model.clone(),
            customers: vec![0; n],
            not_placed: 0,
            transitions: vec![0; n.saturating_mul(n)],
            stays: vec![Vec::new(); n],
        }
    }

    /// Counts a customer in the stage of `state`; a state without a stage
    /// (a customer never [advanced](crate::Engine::advance)) is counted as
    /// not placed.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) at `state.stage` when the model has no stage with
    /// the state's id; nothing is counted then.
    ///
    /// ```
    /// use buyer_journey::{models, Funnel, JourneyState, Timestamp};
    ///
    /// let mut funnel = Funnel::new(&models::buying_process().stage_model()?);
    /// funnel.add_state(&JourneyState::in_stage("evaluation", Timestamp::EPOCH))?;
    /// let err = funnel.add_state(&JourneyState::in_stage("evaluaton", Timestamp::EPOCH)).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "state.stage: unknown stage 'evaluaton', did you mean 'evaluation'?"
    /// );
    /// assert_eq!(funnel.stats().customers, 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add_state(&mut self, state: &JourneyState) -> Result<(), Error> {
        match state.stage() {
            None => self.not_placed = self.not_placed.saturating_add(1),
            Some(stage) => {
                let index = self.index(stage, "state.stage")?;
                bump(&mut self.customers, index);
            }
        }
        Ok(())
    }

    /// Counts a customer in the stage of a [`Decision`] of
    /// [`Engine::classify`](crate::Engine::classify) or
    /// [`Engine::decide`](crate::Engine::decide), for hosts that keep no
    /// journey state.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) at `decision.stage` when the decision comes from an
    /// engine whose model has a stage this funnel's model lacks; nothing is
    /// counted then.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Funnel};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut funnel = Funnel::new(engine.model());
    /// for sample in models::sample_customers() {
    ///     let record = sample.record(engine.schema())?;
    ///     funnel.add_decision(&engine.classify(&record, &mut scratch))?;
    /// }
    /// let stats = funnel.stats();
    /// assert_eq!(stats.customers, 12);
    /// assert_eq!(stats.stage("evaluation").unwrap().customers, 3);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add_decision(&mut self, decision: &Decision<'_>) -> Result<(), Error> {
        let index = self.index(decision.stage().id(), "decision.stage")?;
        bump(&mut self.customers, index);
        Ok(())
    }

    /// Counts a move: one entry of the `from × to` table, and
    /// [`time_in_previous`](Transition::time_in_previous) as one completed
    /// stay in the stage left.
    ///
    /// A first placement (no [`from`](Transition::from)) has no stage to
    /// come from: it is checked but adds nothing. Count where customers are
    /// with [`add_state`](Funnel::add_state).
    ///
    /// One call of [`Engine::advance`](crate::Engine::advance) may make
    /// several moves: add each of its [`Step::moves`](crate::Step::moves).
    /// A move right after another in the same call leaves a stage the
    /// customer passed through at once, so it counts a stay of zero there.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) at `transition.from` or `transition.to` when the
    /// model has no stage with that id; nothing is counted then.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Funnel, JourneyState, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut funnel = Funnel::new(engine.model());
    /// let state = JourneyState::in_stage("evaluation", Timestamp::EPOCH);
    /// let mut customer = engine.record();
    /// customer.set("cart_adds", 1)?;
    /// let step = engine.advance(&state, &customer, Timestamp::EPOCH + Span::hours(30), &mut scratch)?;
    /// funnel.add_transition(&step.moves[0])?;
    ///
    /// let stats = funnel.stats();
    /// assert_eq!(stats.transitions_between("evaluation", "purchase_decision"), Some(1));
    /// assert_eq!(stats.stage("evaluation").unwrap().median_time, Some(Span::hours(30)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add_transition(&mut self, transition: &Transition) -> Result<(), Error> {
        let to = self.index(transition.to(), "transition.to")?;
        let Some(from) = transition.from() else {
            return Ok(());
        };
        let from = self.index(from, "transition.from")?;
        let n = self.model.len();
        bump(&mut self.transitions, from * n + to);
        if let Some(stays) = self.stays.get_mut(from) {
            stays.push(transition.time_in_previous());
        }
        Ok(())
    }

    /// The statistics of everything counted so far.
    ///
    /// ```
    /// use buyer_journey::{models, Funnel, JourneyState, Timestamp};
    ///
    /// let mut funnel = Funnel::new(&models::buying_process().stage_model()?);
    /// funnel.add_state(&JourneyState::in_stage("evaluation", Timestamp::EPOCH))?;
    /// let stats = funnel.stats();
    /// assert_eq!(stats.stages[2].stage, "evaluation");
    /// assert_eq!(stats.stages[2].share, 1.0);
    /// assert_eq!(stats.transitions, vec![vec![0; 5]; 5]);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stats(&self) -> FunnelStats {
        let customers = self
            .customers
            .iter()
            .fold(0_u64, |sum, &count| sum.saturating_add(count));
        let stages = self
            .model
            .iter()
            .zip(&self.customers)
            .zip(&self.stays)
            .map(|((stage, &count), stays)| StageStats {
                stage: stage.id().to_owned(),
                customers: count,
                share: if customers == 0 {
                    0.0
                } else {
                    count as f64 / customers as f64
                },
                stays: stays.len() as u64,
                median_time: median(stays),
            })
            .collect();
        let n = self.model.len().max(1);
        FunnelStats {
            customers,
            not_placed: self.not_placed,
            stages,
            transitions: self.transitions.chunks(n).map(<[u64]>::to_vec).collect(),
        }
    }

    /// The position of stage `id` in the model, or the error at `location`.
    fn index(&self, id: &str, location: &str) -> Result<usize, Error> {
        self.model
            .resolve_stored(id)
            .map(|stage| stage.index().as_usize())
            .map_err(|e| e.at(location))
    }
}

/// Adds one to `counts[index]`, saturating.
fn bump(counts: &mut [u64], index: usize) {
    if let Some(count) = counts.get_mut(index) {
        *count = count.saturating_add(1);
    }
}

/// The median of `stays`; of an even number, the mean of the two middle
/// ones rounded down to whole seconds. `None` when there are none.
fn median(stays: &[Span]) -> Option<Span> {
    let mut sorted = stays.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    let upper = *sorted.get(middle)?;
    if sorted.len() % 2 == 1 {
        return Some(upper);
    }
    let lower = sorted.get(middle.wrapping_sub(1)).copied().unwrap_or(upper);
    // lower <= upper: no overflow, and the division rounds down.
    let half_gap = (upper.as_seconds() - lower.as_seconds()) / 2;
    Some(Span::seconds(lower.as_seconds() + half_gap))
}

/// The statistics of a [`Funnel`]: customers per stage and their share,
/// the moves between stages, and the median time in each stage before
/// leaving it. Serde data, so a host can store or publish it.
///
/// ```
/// use buyer_journey::{models, Funnel, JourneyState, Timestamp};
///
/// let mut funnel = Funnel::new(&models::buying_process().stage_model()?);
/// funnel.add_state(&JourneyState::in_stage("evaluation", Timestamp::EPOCH))?;
/// let stats = funnel.stats();
/// let json = serde_json::to_string(&stats).unwrap();
/// assert!(json.starts_with(r#"{"customers":1,"not_placed":0,"stages":[{"stage":"need_recognition","customers":0,"share":0.0,"stays":0,"median_time":null}"#));
/// assert_eq!(serde_json::from_str::<buyer_journey::FunnelStats>(&json).unwrap(), stats);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStats {
    /// The customers counted in a stage: states with a stage, and decisions.
    pub customers: u64,
    /// The states counted that had no stage yet.
    pub not_placed: u64,
    /// One entry per stage, in model order.
    pub stages: Vec<StageStats>,
    /// The moves counted: `transitions[from][to]`, stages in model order, a
    /// full `n × n` table for `n` stages. First placements are not in it.
    pub transitions: Vec<Vec<u64>>,
}

/// One stage of [`FunnelStats`].
///
/// ```
/// use buyer_journey::{Span, StageStats};
///
/// let stage = StageStats {
///     stage: "evaluation".to_owned(),
///     customers: 3,
///     share: 0.25,
///     stays: 2,
///     median_time: Some(Span::hours(36)),
/// };
/// let json = serde_json::to_string(&stage).unwrap();
/// assert_eq!(
///     json,
///     r#"{"stage":"evaluation","customers":3,"share":0.25,"stays":2,"median_time":"1d12h"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// The stage's id.
    pub stage: String,
    /// The customers counted in this stage.
    pub customers: u64,
    /// `customers` over [`FunnelStats::customers`]; 0 when no customer was
    /// counted anywhere.
    pub share: f64,
    /// The completed stays in this stage: the moves out of it counted.
    pub stays: u64,
    /// The median length of those stays; of an even number of stays, the
    /// mean of the two middle ones rounded down to whole seconds. `None`
    /// when there are none. Customers still in the stage are not included:
    /// their stay is not over.
    pub median_time: Option<Span>,
}

impl FunnelStats {
    /// The widest bar [`bar_chart`](FunnelStats::bar_chart) draws, in
    /// characters; a wider request is drawn this wide.
    ///
    /// ```
    /// use buyer_journey::{models, Funnel, FunnelStats};
    ///
    /// let stats = Funnel::new(&models::buying_process().stage_model()?).stats();
    /// assert_eq!(stats.bar_chart(usize::MAX), stats.bar_chart(FunnelStats::MAX_BAR_WIDTH));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub const MAX_BAR_WIDTH: usize = 200;

    /// The statistics of stage `id`, if the model has it.
    ///
    /// ```
    /// use buyer_journey::{models, Funnel};
    ///
    /// let stats = Funnel::new(&models::buying_process().stage_model()?).stats();
    /// assert_eq!(stats.stage("post_purchase").unwrap().customers, 0);
    /// assert!(stats.stage("checkout").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stage(&self, id: &str) -> Option<&StageStats> {
        self.stages.iter().find(|stage| stage.stage == id)
    }

    /// The number of moves from stage `from` to stage `to`; `None` when
    /// either is not a stage of these statistics.
    ///
    /// ```
    /// use buyer_journey::{models, Funnel};
    ///
    /// let stats = Funnel::new(&models::buying_process().stage_model()?).stats();
    /// assert_eq!(stats.transitions_between("evaluation", "purchase_decision"), Some(0));
    /// assert_eq!(stats.transitions_between("evaluation", "checkout"), None);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn transitions_between(&self, from: &str, to: &str) -> Option<u64> {
        let position = |id: &str| self.stages.iter().position(|stage| stage.stage == id);
        let (from, to) = (position(from)?, position(to)?);
        self.transitions.get(from)?.get(to).copied()
    }

    /// A plain-text bar chart of the funnel, one line per stage in model
    /// order, each ending in a newline:
    ///
    /// - the stage id, padded to the longest id;
    /// - a bar of `#` as long as the share × `width` (rounded to the nearest,
    ///   halves up), padded to `width` inside `|...|`;
    /// - the number of customers, right-aligned;
    /// - the share as a percentage with one decimal;
    /// - the median time in the stage before leaving it, or `-` when no
    ///   stay is over.
    ///
    /// `width` is capped at [`MAX_BAR_WIDTH`](FunnelStats::MAX_BAR_WIDTH);
    /// with 0 the bars are empty (`||`). A share outside `[0, 1]` (possible
    /// only in statistics made by hand) is drawn and printed clamped to it,
    /// a share that is not a number as 0. No line has trailing spaces.
    ///
    /// ```
    /// use buyer_journey::{Funnel, JourneyState, StageModel, StageSpec, Timestamp, Transition};
    ///
    /// let model = StageModel::new(&[
    ///     StageSpec::new("aware", "Aware", ""),
    ///     StageSpec::new("interested", "Interested", ""),
    ///     StageSpec::new("bought", "Bought", ""),
    /// ])?;
    /// let mut funnel = Funnel::new(&model);
    /// for stage in ["aware", "interested", "interested", "bought", "bought"] {
    ///     funnel.add_state(&JourneyState::in_stage(stage, Timestamp::EPOCH))?;
    /// }
    /// // Moves as a host might have stored them.
    /// let moves = [
    ///     ("aware", "interested", "12h"),
    ///     ("aware", "interested", "1d"),
    ///     ("aware", "interested", "2d"),
    ///     ("aware", "interested", "3d8h"),
    ///     ("interested", "bought", "1d"),
    ///     ("interested", "bought", "1d12h"),
    /// ];
    /// for (from, to, after) in moves {
    ///     let json = format!(
    ///         r#"{{"from":"{from}","to":"{to}","rule":"r","at":0,"time_in_previous":"{after}"}}"#
    ///     );
    ///     funnel.add_transition(&serde_json::from_str::<Transition>(&json).unwrap())?;
    /// }
    /// let stats = funnel.stats();
    /// assert_eq!(
    ///     stats.bar_chart(10),
    ///     "aware      |##        | 1  20.0%  1d12h\n\
    ///      interested |####      | 2  40.0%  1d6h\n\
    ///      bought     |####      | 2  40.0%  -\n"
    /// );
    /// assert_eq!(stats.bar_chart(0).lines().next(), Some("aware      || 1  20.0%  1d12h"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn bar_chart(&self, width: usize) -> String {
        let width = width.min(Self::MAX_BAR_WIDTH);
        let id_width = self
            .stages
            .iter()
            .map(|stage| stage.stage.chars().count())
            .max()
            .unwrap_or(0);
        let count_width = self
            .stages
            .iter()
            .map(|stage| stage.customers.to_string().len())
            .max()
            .unwrap_or(1);
        let mut chart = String::new();
        for stage in &self.stages {
            let share = if stage.share.is_nan() {
                0.0
            } else {
                stage.share.clamp(0.0, 1.0)
            };
            // share is in [0, 1] and width at most 200: the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let bar = ((share * width as f64).round() as usize).min(width);
            let median = match stage.median_time {
                Some(span) => span.to_string(),
                None => "-".to_owned(),
            };
            // Writing to a String cannot fail.
            let _ = writeln!(
                chart,
                "{id:<id_width$} |{bar:<width$}| {count:>count_width$} {percent:>5.1}%  {median}",
                id = stage.stage,
                bar = "#".repeat(bar),
                count = stage.customers,
                percent = share * 100.0,
            );
        }
        chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(seconds: &[u64]) -> Vec<Span> {
        seconds.iter().copied().map(Span::seconds).collect()
    }

    #[test]
    fn median_of_none_is_none() {
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn median_of_an_odd_number_is_the_middle_one() {
        assert_eq!(median(&spans(&[9])), Some(Span::seconds(9)));
        assert_eq!(median(&spans(&[30, 10, 20])), Some(Span::seconds(20)));
        assert_eq!(median(&spans(&[5, 1, 100, 7, 2])), Some(Span::seconds(5)));
    }

    #[test]
    fn median_of_an_even_number_is_the_mean_of_the_middle_two_rounded_down() {
        assert_eq!(median(&spans(&[10, 20])), Some(Span::seconds(15)));
        assert_eq!(median(&spans(&[4, 1, 2, 100])), Some(Span::seconds(3)));
        assert_eq!(median(&spans(&[3, 3])), Some(Span::seconds(3)));
        // Near the top of the range: no overflow.
        assert_eq!(
            median(&spans(&[u64::MAX, u64::MAX - 3])),
            Some(Span::seconds(u64::MAX - 2))
        );
    }
}

//! Deciding with propensities learned from responses.

use crate::action::ContactHistory;
use crate::learn::Learning;
use crate::signal::Signals;
use crate::time::Timestamp;

use super::{Decision, Engine, Scratch};

impl Engine {
    /// Decides for one customer as [`decide`](Engine::decide) does, with
    /// each action's propensity taken from `learning`, a
    /// [`LearnedStore`](crate::LearnedStore) of this engine:
    /// [`exploit`](crate::LearnedStore::exploit) (the learned response rate
    /// once mature, else the ruleset's propensity) or
    /// [`explore`](crate::LearnedStore::explore) (a draw from the
    /// posterior, the same for the same seed). The ruleset's propensity
    /// (its propensity rules, or the host's
    /// [`ActionScorer`](crate::ActionScorer)) is the prior of each
    /// estimate.
    ///
    /// The suggestions' [`propensity`](crate::Suggestion::propensity) and
    /// [`priority`](crate::Suggestion::priority) are the learned ones; the
    /// ranking is otherwise `decide`'s (stage, tags, conditions, contact
    /// policy, arbitration, fallbacks). With a store of another engine the
    /// decision is `decide`'s. [`explain_learning`](Engine::explain_learning)
    /// explains it.
    ///
    /// Does not allocate under the same conditions as `decide`; each
    /// eligible action costs one read of its cell, and under exploration a
    /// Beta draw.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// let store = LearnedStore::new(&engine, now);
    /// let mut customer = engine.record();
    /// customer.set("comparisons", 2)?;
    /// let mut scratch = engine.scratch();
    ///
    /// // Every customer shown the demo books it.
    /// let demo = store.cell_for("evaluation.demo", "evaluation", &[])?;
    /// for _ in 0..50 {
    ///     store.record_in(demo, Response::Accepted, now);
    /// }
    /// let decision = engine.decide_learning(&customer, &ContactLog::new(), now, store.exploit(), &mut scratch);
    /// let top = decision.actions().next().unwrap();
    /// assert_eq!(top.id(), "evaluation.demo");
    /// // Its propensity rule `comparisons >= 1` gives the prior, 0.6.
    /// assert_eq!(top.propensity(), store.estimate(demo, 0.6, now).mean());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn decide_learning<'a, S, H>(
        &'a self,
        signals: &S,
        history: &H,
        now: Timestamp,
        learning: Learning<'_>,
        scratch: &'a mut Scratch,
    ) -> Decision<'a>
    where
        S: Signals + ?Sized,
        H: ContactHistory + ?Sized,
    {
        self.classify_into(signals, scratch);
        let stage = scratch.classified.stage;
        let learned = learning.for_customer(self, stage, &scratch.classified.tags, now);
        self.rank_into(stage, history, now, &learned, scratch);
        scratch.view(self, stage)
    }
}

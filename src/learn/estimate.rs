//! One cell's Beta-Bernoulli estimate of a response rate, and how a
//! decision used it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::random::SplitMix;

/// What a [`LearnedStore`](crate::LearnedStore) knows of one action's
/// response rate for a customer at a time: the prior (the propensity the
/// ruleset or the host's scorer gives, worth the prior strength in
/// responses) and the responses recorded, each weighed by its age.
///
/// The posterior is Beta(α, β) with α = p·s + successes and
/// β = (1 − p)·s + (responses − successes), for prior p and strength s.
/// Every method is allocation-free.
///
/// ```
/// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
/// let store = LearnedStore::new(&engine, now);
/// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
/// for response in [Response::Accepted, Response::Ignored, Response::Ignored, Response::Dismissed] {
///     store.record_in(cell, response, now);
/// }
/// let estimate = store.estimate(cell, 0.5, now);
/// assert_eq!((estimate.successes(), estimate.responses()), (1.0, 4.0));
/// // Prior strength 10: Beta(0.5·10 + 1, 0.5·10 + 3).
/// assert_eq!((estimate.alpha(), estimate.beta()), (6.0, 8.0));
/// assert_eq!(estimate.mean(), 6.0 / 14.0);
/// assert!(!estimate.is_mature()); // maturity 30
/// assert_eq!(estimate.exploit(), 0.5);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub(crate) prior: f64,
    pub(crate) prior_strength: f64,
    pub(crate) successes: f64,
    pub(crate) responses: f64,
    pub(crate) maturity: f64,
}

impl Estimate {
    /// The prior propensity, in [0, 1].
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// assert_eq!(store.estimate(cell, 0.3, Timestamp::EPOCH).prior(), 0.3);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// The successes recorded, each weighed by its age: 1 when recorded
    /// now, 1/2 one half-life ago.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let store = LearnedStore::new(&engine, start);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// store.record_in(cell, Response::Converted, start);
    /// // The default half-life is 30 days.
    /// assert_eq!(store.estimate(cell, 0.5, start + Span::days(30)).successes(), 0.5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn successes(&self) -> f64 {
        self.successes
    }

    /// The responses recorded (successes or not), each weighed by its age.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// store.record_in(cell, Response::Dismissed, Timestamp::EPOCH);
    /// assert_eq!(store.estimate(cell, 0.5, Timestamp::EPOCH).responses(), 1.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn responses(&self) -> f64 {
        self.responses
    }

    /// α of the posterior: prior × prior strength + successes.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// assert_eq!(store.estimate(cell, 0.2, Timestamp::EPOCH).alpha(), 2.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn alpha(&self) -> f64 {
        self.prior * self.prior_strength + self.successes
    }

    /// β of the posterior: (1 − prior) × prior strength + failures.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// assert_eq!(store.estimate(cell, 0.2, Timestamp::EPOCH).beta(), 8.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn beta(&self) -> f64 {
        (1.0 - self.prior) * self.prior_strength + (self.responses - self.successes).max(0.0)
    }

    /// The posterior mean α / (α + β): the learned response rate.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// store.record_in(cell, Response::Accepted, Timestamp::EPOCH);
    /// assert_eq!(store.estimate(cell, 0.0, Timestamp::EPOCH).mean(), 1.0 / 11.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn mean(&self) -> f64 {
        let (alpha, beta) = (self.alpha(), self.beta());
        let total = alpha + beta;
        if total > 0.0 && total.is_finite() {
            (alpha / total).clamp(0.0, 1.0)
        } else {
            self.prior
        }
    }

    /// Whether the responses reach the maturity, so exploitation uses the
    /// learned mean instead of the prior.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// for _ in 0..30 {
    ///     store.record_in(cell, Response::Ignored, Timestamp::EPOCH);
    /// }
    /// assert!(store.estimate(cell, 0.5, Timestamp::EPOCH).is_mature());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn is_mature(&self) -> bool {
        self.responses >= self.maturity
    }

    /// The propensity exploitation uses: the posterior mean once mature,
    /// else the prior.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Response, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// for _ in 0..40 {
    ///     store.record_in(cell, Response::Ignored, Timestamp::EPOCH);
    /// }
    /// assert_eq!(store.estimate(cell, 0.5, Timestamp::EPOCH).exploit(), 5.0 / 50.0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn exploit(&self) -> f64 {
        if self.is_mature() {
            self.mean()
        } else {
            self.prior
        }
    }

    /// A draw from the posterior, as Thompson sampling makes it: the same
    /// `seed` always gives the same draw; over many seeds the draws average
    /// to [`mean`](Estimate::mean).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, LearnedStore, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let store = LearnedStore::new(&engine, Timestamp::EPOCH);
    /// let cell = store.cell_for("evaluation.advisor_call", "evaluation", &[])?;
    /// let estimate = store.estimate(cell, 0.4, Timestamp::EPOCH);
    /// assert_eq!(estimate.sample(7), estimate.sample(7));
    /// assert!((0.0..=1.0).contains(&estimate.sample(8)));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn sample(&self, seed: u64) -> f64 {
        SplitMix::new(seed).beta(self.alpha(), self.beta())
    }
}

/// How a learned propensity was chosen for an action: part of an
/// explained [`Priority`](crate::Priority) under
/// [`Engine::explain_learning`](crate::Engine::explain_learning). Prints
/// as `learned 0.31 from 412 responses; prior 0.5`.
///
/// ```
/// use buyer_journey::LearnedPropensity;
///
/// let learned = LearnedPropensity {
///     propensity: 0.31, mean: 0.31, responses: 412.0, prior: 0.5, mature: true, sampled: false,
/// };
/// assert_eq!(learned.to_string(), "learned 0.31 from 412 responses; prior 0.5");
/// let json = serde_json::to_string(&learned).unwrap();
/// assert_eq!(serde_json::from_str::<LearnedPropensity>(&json).unwrap(), learned);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LearnedPropensity {
    /// The propensity the ranking used: the draw when sampled, else the
    /// posterior mean when mature, else the prior.
    pub propensity: f64,
    /// The posterior mean.
    pub mean: f64,
    /// The responses learned from, each weighed by its age.
    pub responses: f64,
    /// The prior: the propensity of the ruleset or the host's scorer.
    pub prior: f64,
    /// Whether the responses reached the ruleset's maturity.
    pub mature: bool,
    /// Whether the propensity was drawn from the posterior (exploration).
    pub sampled: bool,
}

impl LearnedPropensity {
    pub(crate) fn new(estimate: &Estimate, propensity: f64, sampled: bool) -> Self {
        LearnedPropensity {
            propensity,
            mean: estimate.mean(),
            responses: estimate.responses(),
            prior: estimate.prior(),
            mature: estimate.is_mature(),
            sampled,
        }
    }
}

impl fmt::Display for LearnedPropensity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mean, responses, prior) = (self.mean, self.responses, self.prior);
        if self.sampled {
            write!(f, "drawn {:.2} from ", self.propensity)?;
        } else if !self.mature {
            write!(f, "prior {prior} kept, not yet mature: ")?;
        }
        write!(f, "learned {mean:.2} from {responses:.0} responses")?;
        if self.sampled || self.mature {
            write!(f, "; prior {prior}")?;
        }
        Ok(())
    }
}

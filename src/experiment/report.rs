//! The comparison of the arms for people and for tools: each arm's
//! response rate with a Wilson interval, the difference, and a
//! two-proportion z test of it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location};

use super::normal::{critical_z, two_sided_p};
use super::split::Arm;
use super::stats::{ArmCounts, ExperimentCounts, ExperimentStats};

/// How many positive showings, and how many others, each arm needs before
/// the arms are compared: the usual condition (n·p ≥ 5 and n·(1 − p) ≥ 5)
/// for the normal approximation the z test rests on.
///
/// ```
/// use buyer_journey::{Arm, ExperimentStats, Response, Verdict, MIN_OUTCOMES};
///
/// let stats = ExperimentStats::new();
/// for arm in [Arm::Champion, Arm::Challenger] {
///     for i in 0..2 * MIN_OUTCOMES {
///         stats.record_shown(arm);
///         let response = if i < MIN_OUTCOMES { Response::Accepted } else { Response::Ignored };
///         stats.record_response(arm, response);
///     }
/// }
/// assert_ne!(stats.report().verdict, Verdict::TooLittleData);
/// ```
pub const MIN_OUTCOMES: u64 = 5;

/// The comparison of the two arms of an experiment: each arm's **response
/// rate**, the share of its showings that got a positive response
/// (accepted or converted, see [`Response::is_positive`](crate::Response::is_positive)),
/// with its Wilson score interval; the difference (challenger − champion);
/// and whether the difference is significant by a two-sided
/// two-proportion z test with a pooled variance.
///
/// The arms are compared only once each has at least [`MIN_OUTCOMES`]
/// positive showings and as many others; before that the
/// [verdict](ExperimentReport::verdict) is [`Verdict::TooLittleData`] and
/// there is no p-value. p-values come from the library's own normal
/// distribution, accurate to 1e-14 (absolute).
///
/// Serde data; its `Display` is for people: the
/// [summary](ExperimentReport::summary), then a line per arm and what the
/// figures mean.
///
/// # Example
///
/// ```
/// use buyer_journey::{ArmCounts, ExperimentCounts, Verdict};
///
/// let counts = ExperimentCounts {
///     champion: ArmCounts { shown: 4000, accepted: 400, ..ArmCounts::default() },
///     challenger: ArmCounts { shown: 4000, accepted: 484, ..ArmCounts::default() },
/// };
/// let report = counts.report();
/// assert_eq!(report.verdict, Verdict::ChallengerBetter);
/// assert_eq!(
///     report.summary(),
///     "challenger responds at 12.1 % [11.1, 13.1] vs 10.0 % [9.1, 11.0]: +2.1 points, \
///      significant (p = 0.003)"
/// );
/// println!("{report}");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExperimentReport {
    /// The champion's figures.
    pub champion: ArmReport,
    /// The challenger's figures.
    pub challenger: ArmReport,
    /// The challenger's rate minus the champion's, as a fraction (0.021 is
    /// 2.1 points); `None` until both arms have showings.
    pub difference: Option<f64>,
    /// The z score of the difference; `None` with too little data.
    pub z: Option<f64>,
    /// The two-sided p-value of the difference; `None` with too little
    /// data.
    pub p_value: Option<f64>,
    /// The significance level: a difference with a p-value below it is
    /// significant, and the intervals hold the rates with confidence
    /// 1 − `alpha`.
    pub alpha: f64,
    /// What the figures say.
    pub verdict: Verdict,
}

/// The figures of one arm in an [`ExperimentReport`].
///
/// ```
/// use buyer_journey::{Arm, ArmCounts, ExperimentCounts};
///
/// let counts = ExperimentCounts {
///     champion: ArmCounts { shown: 10, converted: 0, ..ArmCounts::default() },
///     ..ExperimentCounts::default()
/// };
/// let champion = counts.report().champion;
/// assert_eq!((champion.arm, champion.rate), (Arm::Champion, Some(0.0)));
/// assert_eq!(champion.interval.unwrap().low, 0.0);
/// assert!(counts.report().challenger.rate.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArmReport {
    /// Which arm.
    pub arm: Arm,
    /// What was recorded for it.
    pub counts: ArmCounts,
    /// The showings with a positive response: the positive responses, but
    /// no more than the showings.
    pub successes: u64,
    /// `successes / shown`; `None` before the first showing.
    pub rate: Option<f64>,
    /// The Wilson score interval of the rate; `None` before the first
    /// showing.
    pub interval: Option<Interval>,
}

/// A confidence interval of a rate, within [0, 1].
///
/// ```
/// use buyer_journey::Interval;
///
/// let interval = Interval { low: 0.1, high: 0.3 };
/// assert!(interval.contains(0.2) && !interval.contains(0.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

impl Interval {
    /// Whether `rate` is within the bounds.
    ///
    /// ```
    /// use buyer_journey::Interval;
    ///
    /// assert!(Interval { low: 0.0, high: 0.1 }.contains(0.1));
    /// ```
    #[must_use]
    pub fn contains(&self, rate: f64) -> bool {
        (self.low..=self.high).contains(&rate)
    }
}

/// What an [`ExperimentReport`] says about the arms.
///
/// ```
/// use buyer_journey::Verdict;
///
/// assert_eq!(serde_json::to_string(&Verdict::TooLittleData).unwrap(), r#""too_little_data""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// An arm has fewer than [`MIN_OUTCOMES`] positive showings, or fewer
    /// other showings: too early to compare.
    TooLittleData,
    /// The difference could be chance: its p-value is not below the level.
    NotSignificant,
    /// The challenger responds better, significantly.
    ChallengerBetter,
    /// The champion responds better, significantly.
    ChampionBetter,
}

impl ExperimentReport {
    /// The significance level of [`ExperimentCounts::report`].
    ///
    /// ```
    /// use buyer_journey::{ExperimentCounts, ExperimentReport};
    ///
    /// assert_eq!(ExperimentCounts::default().report().alpha, ExperimentReport::ALPHA);
    /// ```
    pub const ALPHA: f64 = 0.05;

    /// An error unless `alpha` is strictly between 0 and 1.
    pub(super) fn check_alpha(alpha: f64) -> Result<(), Error> {
        if alpha > 0.0 && alpha < 1.0 {
            return Ok(());
        }
        Err(Error::invalid(
            Location::new("alpha"),
            format!("a significance level must be between 0 and 1, exclusive, found {alpha}"),
        ))
    }

    /// The report of `counts` at the level `alpha`, which is in (0, 1).
    pub(super) fn new(counts: &ExperimentCounts, alpha: f64) -> Self {
        let z = critical_z(alpha);
        let champion = ArmReport::new(Arm::Champion, counts.champion, z);
        let challenger = ArmReport::new(Arm::Challenger, counts.challenger, z);
        let difference = champion
            .rate
            .zip(challenger.rate)
            .map(|(champion, challenger)| challenger - champion);
        let test =
            (champion.enough() && challenger.enough()).then(|| z_test(&champion, &challenger));
        let verdict = match (test, difference) {
            (Some((_, p)), Some(difference)) if p < alpha => {
                if difference > 0.0 {
                    Verdict::ChallengerBetter
                } else {
                    Verdict::ChampionBetter
                }
            }
            (Some(_), _) => Verdict::NotSignificant,
            (None, _) => Verdict::TooLittleData,
        };
        ExperimentReport {
            champion,
            challenger,
            difference,
            z: test.map(|(z, _)| z),
            p_value: test.map(|(_, p)| p),
            alpha,
            verdict,
        }
    }

    /// The figures of `arm`.
    ///
    /// ```
    /// use buyer_journey::{Arm, ExperimentCounts};
    ///
    /// assert_eq!(ExperimentCounts::default().report().arm(Arm::Challenger).arm, Arm::Challenger);
    /// ```
    #[must_use]
    pub fn arm(&self, arm: Arm) -> &ArmReport {
        match arm {
            Arm::Champion => &self.champion,
            Arm::Challenger => &self.challenger,
        }
    }

    /// The report in one plain sentence:
    /// `challenger responds at 12.1 % [11.1, 13.1] vs 10.0 % [9.1, 11.0]:
    /// +2.1 points, significant (p = 0.003)`, or why there is too little
    /// data to say.
    ///
    /// ```
    /// use buyer_journey::ExperimentCounts;
    ///
    /// assert_eq!(ExperimentCounts::default().report().summary(),
    ///     "too little data: neither arm has shown an action yet");
    /// ```
    #[must_use]
    pub fn summary(&self) -> String {
        let (Some(challenger), Some(champion)) = (self.challenger.rated(), self.champion.rated())
        else {
            let which = match (self.challenger.rate, self.champion.rate) {
                (None, None) => "neither arm has",
                (None, Some(_)) => "the challenger has not",
                _ => "the champion has not",
            };
            return format!("too little data: {which} shown an action yet");
        };
        let compared = format!("challenger responds at {challenger} vs {champion}");
        let points = self.difference.unwrap_or(0.0) * 100.0;
        match self.p_value {
            None => format!(
                "too little data: {compared}; a comparison needs at least {MIN_OUTCOMES} \
                 positive and {MIN_OUTCOMES} other showings in each arm"
            ),
            Some(p) => {
                let significant = if self.verdict == Verdict::NotSignificant {
                    "not significant"
                } else {
                    "significant"
                };
                format!("{compared}: {points:+.1} points, {significant} ({})", P(p))
            }
        }
    }
}

impl fmt::Display for ExperimentReport {
    /// The summary, a line per arm with its counts, and what the figures
    /// mean.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary())?;
        for arm in [&self.champion, &self.challenger] {
            let counts = &arm.counts;
            writeln!(
                f,
                "{:<11} {} decisions, {} shown: {} accepted, {} converted, {} dismissed, {} ignored",
                format!("{}:", arm.arm),
                counts.decisions,
                counts.shown,
                counts.accepted,
                counts.converted,
                counts.dismissed,
                counts.ignored,
            )?;
        }
        write!(
            f,
            "response rate: showings accepted or converted / showings; {} % Wilson intervals; \
             two-sided two-proportion z test at {}",
            Trimmed((1.0 - self.alpha) * 100.0),
            Trimmed(self.alpha),
        )
    }
}

impl ArmReport {
    fn new(arm: Arm, counts: ArmCounts, z: f64) -> Self {
        let successes = counts.positive().min(counts.shown);
        let (rate, interval) = if counts.shown == 0 {
            (None, None)
        } else {
            let n = counts.shown as f64;
            let rate = successes as f64 / n;
            (Some(rate), Some(wilson(rate, n, z)))
        };
        ArmReport {
            arm,
            counts,
            successes,
            rate,
            interval,
        }
    }

    /// Whether the arm has enough of both outcomes to be compared.
    fn enough(&self) -> bool {
        self.successes >= MIN_OUTCOMES && self.counts.shown - self.successes >= MIN_OUTCOMES
    }

    /// The rate and interval for people: `12.1 % [11.1, 13.1]`.
    fn rated(&self) -> Option<String> {
        let (rate, interval) = self.rate.zip(self.interval)?;
        Some(format!(
            "{:.1} % [{:.1}, {:.1}]",
            rate * 100.0,
            interval.low * 100.0,
            interval.high * 100.0
        ))
    }
}

/// The Wilson score interval of a rate `p` observed over `n` > 0 trials, at
/// the critical value `z`:
/// (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n).
fn wilson(p: f64, n: f64, z: f64) -> Interval {
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At p = 0 the lower bound is 0 exactly, at p = 1 the upper bound is 1,
    // though rounding may miss them by an ulp.
    Interval {
        low: if p == 0.0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        high: if p == 1.0 {
            1.0
        } else {
            (centre + half).min(1.0)
        },
    }
}

/// The z score of the challenger's rate minus the champion's, with the
/// pooled variance, and its two-sided p-value. Both arms have
/// [enough](ArmReport::enough) outcomes, so the pooled rate is strictly
/// between 0 and 1.
fn z_test(champion: &ArmReport, challenger: &ArmReport) -> (f64, f64) {
    let (x1, n1) = (champion.successes as f64, champion.counts.shown as f64);
    let (x2, n2) = (challenger.successes as f64, challenger.counts.shown as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let error = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let z = (x2 / n2 - x1 / n1) / error;
    (z, two_sided_p(z))
}

/// A p-value for people: three decimals, or `p < 0.001`.
struct P(f64);

impl fmt::Display for P {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 0.001 {
            f.write_str("p < 0.001")
        } else {
            write!(f, "p = {:.3}", self.0)
        }
    }
}

/// A number with at most four decimals and no trailing zeros: `95`,
/// `0.05`.
struct Trimmed(f64);

impl fmt::Display for Trimmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.4}", self.0);
        f.write_str(text.trim_end_matches('0').trim_end_matches('.'))
    }
}

// The reports of the counts live with the report, so that the counts know
// nothing of how they are compared.
impl ExperimentCounts {
    /// The comparison of the arms at the 5 % level: see
    /// [`ExperimentReport`].
    ///
    /// ```
    /// use buyer_journey::ExperimentCounts;
    ///
    /// let report = ExperimentCounts::default().report();
    /// assert_eq!(report.alpha, 0.05);
    /// ```
    #[must_use]
    pub fn report(&self) -> ExperimentReport {
        ExperimentReport::new(self, ExperimentReport::ALPHA)
    }

    /// The comparison of the arms at the level `alpha`: a difference is
    /// significant when its p-value is below `alpha`, and the intervals
    /// hold the rate with confidence 1 − `alpha`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `alpha` when it
    /// is not strictly between 0 and 1.
    ///
    /// ```
    /// use buyer_journey::ExperimentCounts;
    ///
    /// assert_eq!(ExperimentCounts::default().report_at(0.01)?.alpha, 0.01);
    /// assert_eq!(ExperimentCounts::default().report_at(1.0).unwrap_err().to_string(),
    ///     "alpha: a significance level must be between 0 and 1, exclusive, found 1");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn report_at(&self, alpha: f64) -> Result<ExperimentReport, Error> {
        ExperimentReport::check_alpha(alpha)?;
        Ok(ExperimentReport::new(self, alpha))
    }
}

impl ExperimentStats {
    /// The comparison of the arms so far, at the 5 % level: see
    /// [`ExperimentCounts::report`].
    ///
    /// ```
    /// use buyer_journey::{ExperimentStats, Verdict};
    ///
    /// assert_eq!(ExperimentStats::new().report().verdict, Verdict::TooLittleData);
    /// ```
    #[must_use]
    pub fn report(&self) -> ExperimentReport {
        self.counts().report()
    }
}

//! Time as the host gives it: the library never reads a clock.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Excerpt, Location};

/// A point in time: whole seconds since the Unix epoch (UTC).
///
/// Every call that needs the time takes it from the host as a `Timestamp`,
/// so decisions are reproducible: the same input at the same `now` gives the
/// same answer. Its serde form is the integer number of seconds. The
/// default is the [epoch](Timestamp::EPOCH).
///
/// ```
/// use buyer_journey::{Span, Timestamp};
///
/// let shown = Timestamp::from_unix_seconds(1_700_000_000);
/// let now = shown + Span::days(2);
/// assert_eq!(now.since(shown), Span::hours(48));
/// // Time does not run backwards: an earlier `now` is no time at all.
/// assert_eq!(shown.since(now), Span::ZERO);
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// use buyer_journey::Timestamp;
    ///
    /// assert_eq!(Timestamp::EPOCH, Timestamp::default());
    /// assert_eq!(Timestamp::EPOCH.unix_seconds(), 0);
    /// ```
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The time `seconds` after the Unix epoch (before it when negative).
    ///
    /// ```
    /// use buyer_journey::Timestamp;
    ///
    /// let before = Timestamp::from_unix_seconds(-86_400);
    /// assert!(before < Timestamp::EPOCH);
    /// assert_eq!(before.to_string(), "@-86400");
    /// ```
    pub fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    ///
    /// ```
    /// use buyer_journey::Timestamp;
    ///
    /// assert_eq!(Timestamp::from_unix_seconds(1_700_000_000).unix_seconds(), 1_700_000_000);
    /// ```
    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// The time that passed from `earlier` to `self`; zero when `earlier`
    /// is not earlier.
    ///
    /// ```
    /// use buyer_journey::{Span, Timestamp};
    ///
    /// let (start, end) = (Timestamp::from_unix_seconds(-60), Timestamp::from_unix_seconds(60));
    /// assert_eq!(end.since(start), Span::minutes(2));
    /// assert_eq!(start.since(end), Span::ZERO);
    /// ```
    pub fn since(self, earlier: Timestamp) -> Span {
        Span(self.0.saturating_sub(earlier.0).max(0).unsigned_abs())
    }

    /// `self` minus `span`, saturating at the earliest representable time.
    ///
    /// ```
    /// use buyer_journey::{Span, Timestamp};
    ///
    /// let now = Timestamp::from_unix_seconds(100);
    /// assert_eq!(now.before(Span::seconds(30)), Timestamp::from_unix_seconds(70));
    /// ```
    #[must_use]
    pub fn before(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_sub_unsigned(span.0))
    }
}

impl std::ops::Add<Span> for Timestamp {
    type Output = Timestamp;

    /// Saturates at the latest representable time.
    fn add(self, span: Span) -> Timestamp {
        Timestamp(self.0.saturating_add_unsigned(span.0))
    }
}

impl fmt::Display for Timestamp {
    /// `@<seconds since the epoch>`: the library has no calendar.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

/// A length of time in whole seconds, never negative.
///
/// Its serde form is readable text: a number with a unit, or several
/// (`"90s"`, `"15m"`, `"12h"`, `"7d"`, `"1d12h"`); a bare integer is
/// seconds. It is printed in the largest units that are exact.
///
/// ```
/// use buyer_journey::Span;
///
/// let cooldown: Span = serde_json::from_str("\"1d12h\"").unwrap();
/// assert_eq!(cooldown, Span::hours(36));
/// assert_eq!(cooldown.to_string(), "1d12h");
/// assert_eq!(serde_json::from_str::<Span>("90").unwrap(), Span::seconds(90));
/// assert!("3 weeks".parse::<Span>().is_err());
/// assert!("12h1d".parse::<Span>().is_err()); // largest unit first, each once
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(u64);

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

impl Span {
    /// No time.
    ///
    /// ```
    /// use buyer_journey::Span;
    ///
    /// assert_eq!(Span::ZERO, Span::default());
    /// assert_eq!(Span::ZERO.to_string(), "0s");
    /// ```
    pub const ZERO: Span = Span(0);

    /// `n` seconds.
    ///
    /// ```
    /// use buyer_journey::Span;
    ///
    /// assert_eq!(Span::seconds(90).to_string(), "1m30s");
    /// ```
    pub const fn seconds(n: u64) -> Span {
        Span(n)
    }

    /// `n` minutes, saturating.
    ///
    /// ```
    /// use buyer_journey::Span;
    ///
    /// assert_eq!(Span::minutes(90), Span::seconds(5_400));
    /// assert_eq!(Span::minutes(u64::MAX).as_seconds(), u64::MAX);
    /// ```
    pub const fn minutes(n: u64) -> Span {
        Span(n.saturating_mul(MINUTE))
    }

    /// `n` hours, saturating.
    ///
    /// ```
    /// use buyer_journey::Span;
    ///
    /// assert_eq!(Span::hours(48), Span::days(2));
    /// ```
    pub const fn hours(n: u64) -> Span {
        Span(n.saturating_mul(HOUR))
    }

    /// `n` days of 24 hours, saturating.
    ///
    /// ```
    /// use buyer_journey::Span;
    ///
    /// assert_eq!(Span::days(7).to_string(), "7d");
    /// ```
    pub const fn days(n: u64) -> Span {
        Span(n.saturating_mul(DAY))
    }

    /// The length in seconds.
    ///
    /// ```
    /// use buyer_journey::Span;
    ///
    /// assert_eq!(Span::days(1).as_seconds(), 86_400);
    /// ```
    pub const fn as_seconds(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, symbol) in [(DAY, 'd'), (HOUR, 'h'), (MINUTE, 'm'), (1, 's')] {
            if rest >= unit {
                write!(f, "{}{symbol}", rest / unit)?;
                rest %= unit;
            }
        }
        Ok(())
    }
}

impl FromStr for Span {
    type Err = Error;

    /// Parses `"7d"`, `"1d12h"`, `"90s"`, or a bare number of seconds.
    fn from_str(text: &str) -> Result<Span, Error> {
        let invalid = || {
            Error::invalid(
                Location::default(),
                format!(
                    "'{}' is not a span of time: write numbers with the units d, h, m, s \
                     in that order, such as \"7d\" or \"1d12h\"",
                    Excerpt(text)
                ),
            )
        };
        if let Ok(seconds) = text.parse::<u64>() {
            return Ok(Span(seconds));
        }
        let mut total: u64 = 0;
        let mut number: Option<u64> = None;
        // Units from the largest down, each once: "1d12h", not "12h1d" or "1d1d".
        let mut smallest_so_far = u64::MAX;
        for c in text.chars() {
            if let Some(digit) = c.to_digit(10) {
                let n = number.unwrap_or(0);
                number = Some(
                    n.checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(digit)))
                        .ok_or_else(invalid)?,
                );
                continue;
            }
            let unit = match c {
                'd' => DAY,
                'h' => HOUR,
                'm' => MINUTE,
                's' => 1,
                _ => return Err(invalid()),
            };
            if unit >= smallest_so_far {
                return Err(invalid());
            }
            smallest_so_far = unit;
            let n = number.take().ok_or_else(invalid)?;
            total = n
                .checked_mul(unit)
                .and_then(|part| total.checked_add(part))
                .ok_or_else(invalid)?;
        }
        if number.is_some() || text.is_empty() {
            return Err(invalid());
        }
        Ok(Span(total))
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpanVisitor;

        impl Visitor<'_> for SpanVisitor {
            type Value = Span;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span of time such as \"7d\", or a whole number of seconds")
            }

            fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Span, E> {
                Ok(Span(seconds))
            }

            fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Span, E> {
                u64::try_from(seconds)
                    .map(Span)
                    .map_err(|_| E::custom(format!("a span cannot be negative, found {seconds}")))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Span, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_any(SpanVisitor)
    }
}

/// The unit of a signal that measures time, declared as the `unit` of its
/// [`SignalSpec`](crate::SignalSpec): a duration in a condition
/// (`days_since_visit < 2h`) is converted into it.
///
/// Its serde form is `snake_case`: `"seconds"`, `"minutes"`, `"hours"`,
/// `"days"`.
///
/// ```
/// use buyer_journey::{Span, TimeUnit};
///
/// let unit: TimeUnit = serde_json::from_str("\"hours\"").unwrap();
/// assert_eq!(unit, TimeUnit::Hours);
/// assert_eq!(unit.of(Span::minutes(90)), 1.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Minutes of 60 seconds.
    Minutes,
    /// Hours of 60 minutes.
    Hours,
    /// Days of 24 hours.
    Days,
}

impl TimeUnit {
    /// The length of one unit.
    ///
    /// ```
    /// use buyer_journey::{Span, TimeUnit};
    ///
    /// assert_eq!(TimeUnit::Days.span(), Span::hours(24));
    /// ```
    #[must_use]
    pub const fn span(self) -> Span {
        Span(match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => MINUTE,
            TimeUnit::Hours => HOUR,
            TimeUnit::Days => DAY,
        })
    }

    /// How many of this unit `span` is, fractions included: `2h` is `2/24`
    /// days. One division of two whole numbers of seconds, so the result
    /// is the nearest `f64` to the exact ratio for any span up to 2^53
    /// seconds.
    ///
    /// ```
    /// use buyer_journey::{Span, TimeUnit};
    ///
    /// assert_eq!(TimeUnit::Days.of(Span::hours(2)), 2.0 / 24.0);
    /// assert_eq!(TimeUnit::Seconds.of(Span::minutes(20)), 1200.0);
    /// ```
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // exact below 2^53 seconds, nearest above
    pub fn of(self, span: Span) -> f64 {
        span.0 as f64 / self.span().0 as f64
    }

    /// The unit's name as a signal declares it: `"days"`.
    ///
    /// ```
    /// use buyer_journey::TimeUnit;
    ///
    /// assert_eq!(TimeUnit::Minutes.name(), "minutes");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! Durations as conditions write them: `2h`, `7d`, `1d12h`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Excerpt, Location};
use crate::time::{Span, TimeUnit};

/// The units a duration is written in, largest first, with their symbols.
const UNITS: [(TimeUnit, char); 4] = [
    (TimeUnit::Days, 'd'),
    (TimeUnit::Hours, 'h'),
    (TimeUnit::Minutes, 'm'),
    (TimeUnit::Seconds, 's'),
];

/// A length of time in a condition, kept as written: `2h`, `90s`, `7d`,
/// `1d12h` (whole numbers with the units `d`, `h`, `m`, `s`, largest first,
/// each once, as [`Span`] reads them, but never a bare number).
///
/// It compares only with a signal that has a [`TimeUnit`], and is converted
/// into that unit: against a signal in days, `2h` is `2/24`. It prints as
/// written, so `90s` stays `90s` (a [`Span`] would print `1m30s`), and two
/// durations are equal when written alike. Its serde form is the text.
///
/// ```
/// use buyer_journey::condition::Duration;
/// use buyer_journey::{Span, TimeUnit};
///
/// let two_hours: Duration = "2h".parse()?;
/// assert_eq!(two_hours.span(), Span::hours(2));
/// assert_eq!(two_hours.to_string(), "2h");
/// assert_eq!("90s".parse::<Duration>()?.to_string(), "90s");
/// assert_eq!(TimeUnit::Days.of(two_hours.span()), 2.0 / 24.0);
///
/// let err = "7days".parse::<Duration>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "'7days' is not a duration: write whole numbers with the units d, h, m, s, \
///      largest first, such as 2h, 7d or 1d12h",
/// );
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Duration {
    /// The number written before each unit of [`UNITS`], if any.
    parts: [Option<u64>; 4],
    span: Span,
}

impl Duration {
    /// The length of time.
    ///
    /// ```
    /// use buyer_journey::condition::Duration;
    /// use buyer_journey::Span;
    ///
    /// assert_eq!("1d12h".parse::<Duration>()?.span(), Span::hours(36));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn span(self) -> Span {
        self.span
    }

    /// The duration in `unit`, fractions included.
    pub(crate) fn in_unit(self, unit: TimeUnit) -> f64 {
        unit.of(self.span)
    }
}

/// Written in the largest units that are exact, as [`Span`] prints.
///
/// ```
/// use buyer_journey::condition::Duration;
/// use buyer_journey::Span;
///
/// assert_eq!(Duration::from(Span::minutes(90)).to_string(), "1h30m");
/// assert_eq!(Duration::from(Span::ZERO).to_string(), "0s");
/// ```
impl From<Span> for Duration {
    fn from(span: Span) -> Self {
        let mut parts = [None; 4];
        let mut rest = span.as_seconds();
        for (part, (unit, _)) in parts.iter_mut().zip(UNITS) {
            let size = unit.span().as_seconds();
            if rest >= size {
                *part = Some(rest / size);
                rest %= size;
            }
        }
        if span == Span::ZERO {
            parts[3] = Some(0);
        }
        Duration { parts, span }
    }
}

impl Duration {
    /// Reads the text form; `None` when it is not a duration.
    pub(crate) fn read(text: &str) -> Option<Duration> {
        let mut parts = [None; 4];
        let mut seconds: u64 = 0;
        let mut number: Option<u64> = None;
        // The next unit allowed: units come largest first, each once.
        let mut next_unit = 0;
        for c in text.chars() {
            if let Some(digit) = c.to_digit(10) {
                let n = number.unwrap_or(0);
                number = Some(n.checked_mul(10)?.checked_add(u64::from(digit))?);
                continue;
            }
            let position = UNITS
                .iter()
                .position(|&(_, symbol)| symbol == c)
                .filter(|&position| position >= next_unit)?;
            let n = number.take()?;
            let (unit, _) = UNITS[position];
            seconds = seconds.checked_add(n.checked_mul(unit.span().as_seconds())?)?;
            parts[position] = Some(n);
            next_unit = position + 1;
        }
        if number.is_some() || parts.iter().all(Option::is_none) {
            return None;
        }
        Some(Duration {
            parts,
            span: Span::seconds(seconds),
        })
    }

    /// Why `text` is not a duration.
    #[cold]
    pub(crate) fn not_a_duration(text: &str) -> String {
        format!(
            "'{}' is not a duration: write whole numbers with the units d, h, m, s, \
             largest first, such as 2h, 7d or 1d12h",
            Excerpt(text)
        )
    }
}

impl FromStr for Duration {
    type Err = Error;

    fn from_str(text: &str) -> Result<Duration, Error> {
        Duration::read(text)
            .ok_or_else(|| Error::invalid(Location::default(), Duration::not_a_duration(text)))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (part, (_, symbol)) in self.parts.iter().zip(UNITS) {
            if let Some(n) = part {
                write!(f, "{n}{symbol}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Duration({self})")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"2h\" or \"7d\"")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(DurationVisitor)
    }
}

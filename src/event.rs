//! Events: what happened to a customer and when, the declarations of the
//! event types a ruleset knows, and how a signal is derived from them.

use serde::{Deserialize, Serialize};

use crate::time::{Span, Timestamp};

/// Something a customer did, or that happened to them, at a moment: the
/// input of [`Engine::observe`](crate::Engine::observe).
///
/// Every event carries its own time; the library reads no clock. Events of
/// a type that carries a number ([`EventSpec::value`]) come with one.
///
/// ```
/// use buyer_journey::{Event, Timestamp};
///
/// let at = Timestamp::from_unix_seconds(1_700_000_000);
/// let read = Event::new("review_read", at);
/// assert_eq!((read.id(), read.at(), read.value()), ("review_read", at, None));
///
/// let rated = Event::new("satisfaction", at).with_value(9.0);
/// assert_eq!(rated.value(), Some(9.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<'a> {
    id: &'a str,
    at: Timestamp,
    value: Option<f64>,
}

impl<'a> Event<'a> {
    /// An event of type `id` at `at`, carrying no number.
    ///
    /// ```
    /// use buyer_journey::{Event, Timestamp};
    ///
    /// let event = Event::new("purchase", Timestamp::EPOCH);
    /// assert_eq!(event.id(), "purchase");
    /// ```
    pub fn new(id: &'a str, at: Timestamp) -> Self {
        Event {
            id,
            at,
            value: None,
        }
    }

    /// The same event carrying `value`: a rating, an amount.
    ///
    /// ```
    /// use buyer_journey::{Event, Timestamp};
    ///
    /// let event = Event::new("satisfaction", Timestamp::EPOCH).with_value(7.5);
    /// assert_eq!(event.value(), Some(7.5));
    /// ```
    #[must_use]
    pub fn with_value(mut self, value: f64) -> Self {
        self.value = Some(value);
        self
    }

    /// The id of the event's type, as the ruleset declares it.
    ///
    /// ```
    /// use buyer_journey::{Event, Timestamp};
    ///
    /// assert_eq!(Event::new("cart_add", Timestamp::EPOCH).id(), "cart_add");
    /// ```
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// When the event happened.
    ///
    /// ```
    /// use buyer_journey::{Event, Timestamp};
    ///
    /// let at = Timestamp::from_unix_seconds(60);
    /// assert_eq!(Event::new("cart_add", at).at(), at);
    /// ```
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// The number the event carries, if any.
    ///
    /// ```
    /// use buyer_journey::{Event, Timestamp};
    ///
    /// assert_eq!(Event::new("cart_add", Timestamp::EPOCH).value(), None);
    /// ```
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

/// The declaration of one event type: the serde form used in a ruleset's
/// `events`.
///
/// ```
/// use buyer_journey::{EventSpec, ValueRange};
///
/// let spec: EventSpec = serde_json::from_str(
///     r#"{"id": "satisfaction", "value": {"min": 0, "max": 10}}"#,
/// ).unwrap();
/// assert_eq!(spec, EventSpec::new("satisfaction").carrying(ValueRange::between(0.0, 10.0)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EventSpec {
    /// A `snake_case` id, unique among the events.
    pub id: String,
    /// The number each event of this type carries, and its range; `None`
    /// for events that carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<ValueRange>,
    /// What the event means, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl EventSpec {
    /// An event type that carries no number.
    ///
    /// ```
    /// use buyer_journey::EventSpec;
    ///
    /// assert_eq!(EventSpec::new("purchase").value, None);
    /// ```
    #[must_use]
    pub fn new(id: &str) -> Self {
        EventSpec {
            id: id.to_owned(),
            value: None,
            description: None,
        }
    }

    /// The same spec for events that carry a number in `range`.
    ///
    /// ```
    /// use buyer_journey::{EventSpec, ValueRange};
    ///
    /// let spec = EventSpec::new("order_value").carrying(ValueRange::any());
    /// assert_eq!(spec.value, Some(ValueRange::any()));
    /// ```
    #[must_use]
    pub fn carrying(mut self, range: ValueRange) -> Self {
        self.value = Some(range);
        self
    }

    /// The same spec with a description.
    ///
    /// ```
    /// use buyer_journey::EventSpec;
    ///
    /// let spec = EventSpec::new("purchase").describe("an order was paid");
    /// assert_eq!(spec.description.as_deref(), Some("an order was paid"));
    /// ```
    #[must_use]
    pub fn describe(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// The numbers an event type's events may carry: finite, and within the
/// bounds given (inclusive).
///
/// ```
/// use buyer_journey::ValueRange;
///
/// let rating = ValueRange::between(0.0, 10.0);
/// assert!(rating.contains(10.0));
/// assert!(!rating.contains(11.0));
/// assert!(!ValueRange::any().contains(f64::NAN));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ValueRange {
    /// The smallest value allowed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The largest value allowed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl ValueRange {
    /// Any finite number.
    ///
    /// ```
    /// use buyer_journey::ValueRange;
    ///
    /// assert!(ValueRange::any().contains(-1e300));
    /// ```
    #[must_use]
    pub fn any() -> Self {
        ValueRange::default()
    }

    /// The numbers from `min` to `max`, both included.
    ///
    /// ```
    /// use buyer_journey::ValueRange;
    ///
    /// assert!(ValueRange::between(1.0, 5.0).contains(1.0));
    /// ```
    #[must_use]
    pub fn between(min: f64, max: f64) -> Self {
        ValueRange {
            min: Some(min),
            max: Some(max),
        }
    }

    /// Whether `value` is finite and within the bounds.
    ///
    /// ```
    /// use buyer_journey::ValueRange;
    ///
    /// assert!(!ValueRange::between(0.0, 10.0).contains(-0.5));
    /// ```
    pub fn contains(&self, value: f64) -> bool {
        value.is_finite()
            && self.min.is_none_or(|min| value >= min)
            && self.max.is_none_or(|max| value <= max)
    }
}

/// How a signal is derived from a customer's events: the `from` of a
/// [`SignalSpec`](crate::SignalSpec). A signal without one is supplied by
/// the host, as always.
///
/// Every derivation is kept per customer in a
/// [`Profile`](crate::Profile) of bounded size, whatever the number of
/// events, and folding one event into it costs the same however many came
/// before.
///
/// | derivation | signal kind | value |
/// | --- | --- | --- |
/// | `count` | count | how many of the events happened, within the window and since the reset |
/// | `sum` | number | the sum of the numbers they carried, likewise |
/// | `days_since` | number | days (fractional) since the last of the events; missing before the first |
/// | `balance` | count or number | events that `add` minus events that `subtract`; a count never goes below 0 |
/// | `latest` | number | the number the last of the events carried; missing before the first |
/// | `decayed` | number | each event's number (1 for events that carry none), halved every `half_life` |
///
/// ```
/// use buyer_journey::{Derivation, Span, Tally};
///
/// let cart_adds: Derivation = serde_json::from_str(
///     r#"{"count": {"events": ["cart_add"], "since": "purchase", "within": "90d"}}"#,
/// ).unwrap();
/// assert_eq!(
///     cart_adds,
///     Derivation::Count(Tally::of(&["cart_add"]).since("purchase").within(Span::days(90))),
/// );
///
/// let open: Derivation = serde_json::from_str(
///     r#"{"balance": {"add": ["ticket_opened"], "subtract": ["ticket_closed"]}}"#,
/// ).unwrap();
/// assert!(matches!(open, Derivation::Balance { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Derivation {
    /// How many of the events happened.
    Count(Tally),
    /// The sum of the numbers the events carried.
    Sum(Tally),
    /// Days since the last of the events.
    DaysSince {
        /// The events whose last occurrence counts.
        events: Vec<String>,
    },
    /// Events that add minus events that subtract: open tickets, open
    /// complaints.
    Balance {
        /// The events that add one.
        add: Vec<String>,
        /// The events that subtract one.
        subtract: Vec<String>,
    },
    /// The number the last of the events carried: the latest rating.
    Latest {
        /// The events whose number counts; each must carry one.
        events: Vec<String>,
    },
    /// A score that fades: each event adds its number (or 1), and the score
    /// halves every `half_life`, as lead scores with score decay do.
    Decayed {
        /// The events that add to the score.
        events: Vec<String>,
        /// The time after which an event's contribution has halved.
        half_life: Span,
    },
}

/// Which events a `count` or `sum` adds up, and over what time: the events
/// within the last `within` (a window kept in buckets, see
/// [`Profile`](crate::Profile)), since the last `since` event (a buying cycle
/// since the last purchase), or both.
///
/// ```
/// use buyer_journey::{Span, Tally};
///
/// let tally = Tally::of(&["review_read"]).within(Span::days(30));
/// assert_eq!(tally.events, ["review_read"]);
/// assert_eq!(tally.within, Some(Span::days(30)));
/// assert_eq!(tally.since, None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Tally {
    /// The events counted (or whose numbers are summed).
    pub events: Vec<String>,
    /// Only events within this span before the time of evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Span>,
    /// Only events after the last event of this type: it starts the tally
    /// again from zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

impl Tally {
    /// A tally of `events` over all time.
    ///
    /// ```
    /// use buyer_journey::Tally;
    ///
    /// let purchases = Tally::of(&["purchase"]);
    /// assert_eq!((purchases.within, purchases.since), (None, None));
    /// ```
    #[must_use]
    pub fn of(events: &[&str]) -> Self {
        Tally {
            events: events.iter().map(|&id| id.to_owned()).collect(),
            within: None,
            since: None,
        }
    }

    /// The same tally, only over the last `span`.
    ///
    /// ```
    /// use buyer_journey::{Span, Tally};
    ///
    /// assert_eq!(Tally::of(&["visit"]).within(Span::days(7)).within, Some(Span::days(7)));
    /// ```
    #[must_use]
    pub fn within(mut self, span: Span) -> Self {
        self.within = Some(span);
        self
    }

    /// The same tally, restarted at every `event`.
    ///
    /// ```
    /// use buyer_journey::Tally;
    ///
    /// let cycle = Tally::of(&["cart_add"]).since("purchase");
    /// assert_eq!(cycle.since.as_deref(), Some("purchase"));
    /// ```
    #[must_use]
    pub fn since(mut self, event: &str) -> Self {
        self.since = Some(event.to_owned());
        self
    }
}

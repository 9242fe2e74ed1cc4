//! Sample journeys through the buying process: customers' events day by
//! day, for examples and tests of [`Engine::observe`](crate::Engine::observe).

use crate::event::Event;
use crate::time::{Span, Timestamp};

/// One event of a [`SampleJourney`]: the day it happened on, counted from
/// the start of the journey, its type and the number it carries, if any.
///
/// ```
/// use buyer_journey::models;
///
/// let journeys = models::sample_journeys();
/// let second = &journeys[0].events[1];
/// assert_eq!((second.day, second.event, second.value), (2, "review_read", None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SampleEvent {
    /// The day, counted from day 0 of the journey.
    pub day: u32,
    /// The event type's id, one the [model](fn@super::buying_process)
    /// declares.
    pub event: &'static str,
    /// The number the event carries: a satisfaction rating.
    pub value: Option<f64>,
}

impl SampleEvent {
    /// When the event happened, for a journey that starts at `start`: the
    /// events of a day all happen at the same time of day.
    ///
    /// ```
    /// use buyer_journey::{models, Span, Timestamp};
    ///
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// let event = models::sample_journeys()[0].events[1];
    /// assert_eq!(event.at(start), start + Span::days(2));
    /// ```
    pub fn at(&self, start: Timestamp) -> Timestamp {
        start + Span::days(u64::from(self.day))
    }

    /// The event as [`Engine::observe`](crate::Engine::observe) takes it.
    ///
    /// ```
    /// use buyer_journey::{models, Timestamp};
    ///
    /// let sample = models::sample_journeys()[0].events[0];
    /// let event = sample.to_event(Timestamp::EPOCH);
    /// assert_eq!((event.id(), event.at()), ("need_search", Timestamp::EPOCH));
    /// ```
    pub fn to_event(&self, start: Timestamp) -> Event<'static> {
        let event = Event::new(self.event, self.at(start));
        match self.value {
            Some(value) => event.with_value(value),
            None => event,
        }
    }
}

/// A built-in example customer of the buying-process model, followed over
/// a few weeks by the events a shop records: searches and page views,
/// comparisons, conversations, carts, purchases, complaints, ratings.
///
/// ```
/// use buyer_journey::models;
///
/// let journeys = models::sample_journeys();
/// let first = &journeys[0];
/// assert_eq!(first.events[0].day, 0);
/// assert_eq!(first.last_day(), 25);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SampleJourney {
    /// A short id, such as `"j01"`.
    pub id: &'static str,
    /// What the customer does, in one line.
    pub description: &'static str,
    /// The events in time order, the first on day 0.
    pub events: Vec<SampleEvent>,
}

impl SampleJourney {
    /// The day of the last event.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// for journey in models::sample_journeys() {
    ///     assert!(journey.last_day() <= 30);
    /// }
    /// ```
    pub fn last_day(&self) -> u32 {
        self.events.last().map_or(0, |event| event.day)
    }
}

/// Six customers followed for up to 30 days through the buying process:
/// moves forward (one skipping evaluation), purchases, a single page view
/// after a purchase that starts no new cycle, new buying cycles, a
/// complaint that keeps a customer in `post_purchase`, and a customer who
/// never moves on.
///
/// The `journey` example replays their events through
/// [`Engine::observe`](crate::Engine::observe), lets two months pass
/// ([`Engine::refresh`](crate::Engine::refresh)) and prints the moves and
/// the [`Funnel`](crate::Funnel).
///
/// ```
/// use buyer_journey::{models, Customer, Engine, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let start = Timestamp::from_unix_seconds(1_700_000_000);
/// for journey in models::sample_journeys() {
///     let mut customer = Customer::new();
///     for event in &journey.events {
///         engine.observe(&mut customer, event.to_event(start), event.at(start), &mut scratch)?;
///     }
///     assert!(customer.journey.stage().is_some());
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub fn sample_journeys() -> Vec<SampleJourney> {
    let on = |day: u32, events: &[&'static str]| -> Vec<SampleEvent> {
        events
            .iter()
            .map(|&event| SampleEvent {
                day,
                event,
                value: None,
            })
            .collect()
    };
    let rated = |day: u32, rating: f64| {
        vec![SampleEvent {
            day,
            event: "satisfaction",
            value: Some(rating),
        }]
    };
    let journey = |id, description, days: Vec<Vec<SampleEvent>>| SampleJourney {
        id,
        description,
        events: days.into_iter().flatten().collect(),
    };
    vec![
        journey(
            "j01",
            "reads reviews, buys without comparing, comes back for more weeks later",
            vec![
                on(0, &["need_search"]),
                on(2, &["review_read", "review_read"]),
                on(5, &["cart_add"]),
                on(6, &["purchase"]),
                on(24, &["cart_add"]),
                on(25, &["purchase"]),
            ],
        ),
        journey(
            "j02",
            "buys within days; one guide read after it starts no new cycle, more reading two weeks later does",
            vec![
                on(0, &["review_read"]),
                on(3, &["comparison"]),
                on(4, &["checkout_start"]),
                on(5, &["purchase"]),
                on(7, &["info_page_view"]),
                on(20, &["info_page_view", "info_page_view"]),
            ],
        ),
        journey(
            "j03",
            "buys, then complains: stays in post-purchase while browsing again",
            vec![
                on(0, &["comparison", "sales_contact"]),
                on(2, &["cart_add"]),
                on(3, &["purchase"]),
                on(6, &["complaint_opened"]),
                on(12, &["review_read", "review_read", "comparison"]),
                rated(28, 3.0),
            ],
        ),
        journey(
            "j04",
            "browses categories for a month and never moves on",
            vec![
                on(0, &["category_view"]),
                on(15, &["category_view", "category_view", "category_view"]),
                on(
                    30,
                    &["category_view", "category_view", "need_search", "need_search"],
                ),
            ],
        ),
        journey(
            "j05",
            "asks friends, requests a quote, buys after a week of thinking",
            vec![
                on(0, &["recommendation_sought"]),
                on(4, &["quote_request"]),
                on(11, &["cart_add", "cart_add"]),
                on(12, &["purchase"]),
                rated(26, 9.0),
            ],
        ),
        journey(
            "j06",
            "downloads a brochure, talks to sales, still deciding",
            vec![
                on(0, &["category_view"]),
                on(1, &["brochure_download"]),
                on(9, &["sales_contact"]),
                on(21, &["quote_request", "comparison", "comparison"]),
            ],
        ),
    ]
}

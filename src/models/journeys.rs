//! Sample journeys through the buying process: customers' signals day by
//! day, for examples and tests of [`Engine::advance`](crate::Engine::advance).

use crate::error::Error;
use crate::signal::{Schema, SignalRecord, Value};

/// The signals of one day of a [`SampleJourney`]: the day, counted from the
/// start of the journey, and the signals present on it.
///
/// ```
/// use buyer_journey::{models, Value};
///
/// let journeys = models::sample_journeys();
/// let (day, signals) = &journeys[0].days[1];
/// assert_eq!(*day, 2);
/// assert!(signals.contains(&("reviews_read", Value::Number(2.0))));
/// ```
pub type SampleDay = (u32, Vec<(&'static str, Value<'static>)>);

/// A built-in example customer of the buying-process model, followed over
/// a few weeks.
///
/// Each listed day gives the customer's signals as of that day, as the
/// [model](fn@super::buying_process) reads them: counts are for the current
/// buying cycle, so they only grow, until a purchase, when `purchases` goes
/// up and the host resets the cycle's counts (they are missing again).
/// Between listed days the signals stay as on the last listed day.
/// `days_since_purchase` changes every day and no stage or transition rule
/// reads it, so the samples leave it out.
///
/// ```
/// use buyer_journey::models;
///
/// let journeys = models::sample_journeys();
/// let first = &journeys[0];
/// assert_eq!(first.days[0].0, 0);
/// // Day 3 is not listed: the signals of day 2 still hold.
/// assert_eq!(first.signals_on(3), first.signals_on(2));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SampleJourney {
    /// A short id, such as `"j01"`.
    pub id: &'static str,
    /// What the customer does, in one line.
    pub description: &'static str,
    /// The listed days in ascending order, the first one day 0, each with
    /// the signals present that day; all others are missing.
    pub days: Vec<SampleDay>,
}

impl SampleJourney {
    /// The last listed day: the journey is over after it.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// for journey in models::sample_journeys() {
    ///     assert!(journey.last_day() <= 30);
    /// }
    /// ```
    pub fn last_day(&self) -> u32 {
        self.days.last().map_or(0, |&(day, _)| day)
    }

    /// The signals on `day`: those of the last listed day up to `day`; none
    /// before the first.
    ///
    /// ```
    /// use buyer_journey::{models, Value};
    ///
    /// let journeys = models::sample_journeys();
    /// let buyer = journeys.iter().find(|journey| journey.id == "j01").unwrap();
    /// assert_eq!(buyer.signals_on(0), [("need_searches", Value::Number(1.0))]);
    /// ```
    pub fn signals_on(&self, day: u32) -> &[(&'static str, Value<'static>)] {
        self.days
            .iter()
            .rev()
            .find(|&&(listed, _)| listed <= day)
            .map_or(&[], |(_, signals)| signals.as_slice())
    }

    /// The customer's signals on `day` as a record of `schema`.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let journeys = models::sample_journeys();
    /// let record = journeys[0].record(engine.schema(), 2)?;
    /// assert_eq!(engine.classify(&record, &mut scratch).stage().id(), "information_search");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The error of [`SignalRecord::set`] when `schema` does not fit the
    /// customer's signals (it is not the buying-process schema).
    pub fn record(&self, schema: &Schema, day: u32) -> Result<SignalRecord, Error> {
        let mut record = schema.record();
        for (name, value) in self.signals_on(day) {
            record.set(name, *value)?;
        }
        Ok(record)
    }
}

/// Six customers followed for up to 30 days through the buying process:
/// moves forward (one skipping evaluation), purchases, a single page view
/// after a purchase that starts no new cycle, new buying cycles, a complaint that keeps a customer in `post_purchase`, and a
/// customer who never moves on.
///
/// The `journey` example replays them through
/// [`Engine::advance`](crate::Engine::advance) and prints the moves and the
/// [`Funnel`](crate::Funnel).
///
/// ```
/// use buyer_journey::{models, Engine, JourneyState, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let start = Timestamp::from_unix_seconds(1_700_000_000);
/// for journey in models::sample_journeys() {
///     let mut state = JourneyState::new();
///     let mut moves = Vec::new();
///     for day in 0..=journey.last_day() {
///         let signals = journey.record(engine.schema(), day)?;
///         let now = start + Span::days(u64::from(day));
///         let step = engine.advance(&state, &signals, now, &mut scratch)?;
///         moves.extend(step.moves.iter().cloned());
///         state = step.state;
///     }
///     // Placed on day 0, and each later move starts where the last one ended.
///     assert_eq!(moves[0].from(), None);
///     assert!(moves.windows(2).all(|pair| pair[1].from() == Some(pair[0].to())));
///     assert_eq!(state.stage(), Some(moves.last().unwrap().to()));
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub fn sample_journeys() -> Vec<SampleJourney> {
    let day = |day: u32, signals: &[(&'static str, f64)]| -> SampleDay {
        let signals = signals
            .iter()
            .map(|&(name, value)| (name, Value::Number(value)))
            .collect();
        (day, signals)
    };
    let journey = |id, description, days| SampleJourney {
        id,
        description,
        days,
    };
    vec![
        journey(
            "j01",
            "reads reviews, buys without comparing, comes back for more weeks later",
            vec![
                day(0, &[("need_searches", 1.0)]),
                day(2, &[("need_searches", 1.0), ("reviews_read", 2.0)]),
                day(
                    5,
                    &[
                        ("need_searches", 1.0),
                        ("reviews_read", 2.0),
                        ("cart_adds", 1.0),
                    ],
                ),
                day(6, &[("purchases", 1.0)]),
                day(24, &[("purchases", 1.0), ("cart_adds", 1.0)]),
                day(25, &[("purchases", 2.0)]),
            ],
        ),
        journey(
            "j02",
            "buys within days; one guide read after it starts no new cycle, more reading two weeks later does",
            vec![
                day(0, &[("reviews_read", 1.0)]),
                day(3, &[("reviews_read", 1.0), ("comparisons", 1.0)]),
                day(
                    4,
                    &[
                        ("reviews_read", 1.0),
                        ("comparisons", 1.0),
                        ("checkout_starts", 1.0),
                    ],
                ),
                day(5, &[("purchases", 1.0)]),
                day(7, &[("purchases", 1.0), ("info_page_views", 1.0)]),
                day(20, &[("purchases", 1.0), ("info_page_views", 3.0)]),
            ],
        ),
        journey(
            "j03",
            "buys, then complains: stays in post-purchase while browsing again",
            vec![
                day(0, &[("comparisons", 1.0), ("sales_contacts", 1.0)]),
                day(
                    2,
                    &[
                        ("comparisons", 1.0),
                        ("sales_contacts", 1.0),
                        ("cart_adds", 1.0),
                    ],
                ),
                day(3, &[("purchases", 1.0)]),
                day(6, &[("purchases", 1.0), ("open_complaints", 1.0)]),
                day(
                    12,
                    &[
                        ("purchases", 1.0),
                        ("open_complaints", 1.0),
                        ("reviews_read", 2.0),
                        ("comparisons", 1.0),
                    ],
                ),
                day(
                    28,
                    &[
                        ("purchases", 1.0),
                        ("open_complaints", 1.0),
                        ("reviews_read", 2.0),
                        ("comparisons", 1.0),
                        ("satisfaction", 3.0),
                    ],
                ),
            ],
        ),
        journey(
            "j04",
            "browses categories for a month and never moves on",
            vec![
                day(0, &[("category_views", 1.0)]),
                day(15, &[("category_views", 4.0)]),
                day(30, &[("category_views", 6.0), ("need_searches", 2.0)]),
            ],
        ),
        journey(
            "j05",
            "asks friends, requests a quote, buys after a week of thinking",
            vec![
                day(0, &[("recommendations_sought", 1.0)]),
                day(
                    4,
                    &[("recommendations_sought", 1.0), ("quote_requests", 1.0)],
                ),
                day(
                    11,
                    &[
                        ("recommendations_sought", 1.0),
                        ("quote_requests", 1.0),
                        ("cart_adds", 2.0),
                    ],
                ),
                day(12, &[("purchases", 1.0)]),
                day(26, &[("purchases", 1.0), ("satisfaction", 9.0)]),
            ],
        ),
        journey(
            "j06",
            "downloads a brochure, talks to sales, still deciding",
            vec![
                day(0, &[("category_views", 1.0)]),
                day(1, &[("category_views", 1.0), ("brochures_downloaded", 1.0)]),
                day(
                    9,
                    &[
                        ("category_views", 1.0),
                        ("brochures_downloaded", 1.0),
                        ("sales_contacts", 1.0),
                    ],
                ),
                day(
                    21,
                    &[
                        ("category_views", 1.0),
                        ("brochures_downloaded", 1.0),
                        ("sales_contacts", 1.0),
                        ("quote_requests", 1.0),
                        ("comparisons", 2.0),
                    ],
                ),
            ],
        ),
    ]
}

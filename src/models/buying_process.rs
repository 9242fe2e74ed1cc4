//! The five-stage customer buying process of the seed texts.

use crate::error::Error;
use crate::signal::{Schema, SignalRecord, SignalSpec, Value};
use crate::spec::{HitPolicy, RulesetSpec, StageRuleSpec};
use crate::stage::StageSpec;

/// Every count of the current buying cycle: activity since the last purchase.
const CYCLE_ACTIVITY: [&str; 11] = [
    "need_searches",
    "category_views",
    "info_page_views",
    "reviews_read",
    "recommendations_sought",
    "brochures_downloaded",
    "comparisons",
    "sales_contacts",
    "quote_requests",
    "cart_adds",
    "checkout_starts",
];

/// The customer buying process: need recognition, information search,
/// evaluation of options, purchase decision and post-purchase, with the
/// signals and rules that place a customer in one of them.
///
/// The hit policy is `furthest`: a customer is in the furthest stage that
/// has evidence, since passing through the earlier stages is expected. Counts
/// are for the current buying cycle (since the last purchase, or over the
/// host's look-back window if there was none), except `purchases`, which is
/// lifetime. So:
///
/// - no signals at all: `need_recognition`, confidence 0;
/// - need searches or category views only: `need_recognition`;
/// - reviews, guides, recommendations or brochures: `information_search`;
/// - comparisons, sales conversations, quote or demo requests:
///   `evaluation`;
/// - cart or checkout activity: `purchase_decision`;
/// - a past purchase and no activity since, or a past purchase with an open
///   complaint or ticket: `post_purchase`;
/// - any activity since the last purchase starts a new cycle, placed by the
///   rules above (unless a complaint or ticket is open).
///
/// | signal | kind | meaning |
/// | --- | --- | --- |
/// | `need_searches` | count | searches phrased as a need or problem rather than a product |
/// | `category_views` | count | views of category or overview pages: what products exist |
/// | `info_page_views` | count | guides, articles, specification pages read |
/// | `reviews_read` | count | reviews or testimonials read |
/// | `recommendations_sought` | count | opinions or recommendations asked of others, referral links followed |
/// | `brochures_downloaded` | count | promotional material downloaded or requested |
/// | `comparisons` | count | side-by-side comparisons made, or options shortlisted |
/// | `sales_contacts` | count | conversations with sales or service staff |
/// | `quote_requests` | count | demos, quotes, trials or samples requested |
/// | `cart_adds` | count | items added to a cart |
/// | `checkout_starts` | count | checkouts started |
/// | `purchases` | count | completed purchases, lifetime |
/// | `days_since_purchase` | number | days since the last completed purchase; missing if none |
/// | `open_tickets` | count | open support questions |
/// | `open_complaints` | count | open complaints |
/// | `satisfaction` | number | latest satisfaction rating, 0 to 10 |
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut customer = engine.record();
/// customer.set("purchases", 2)?;
/// customer.set("comparisons", 1)?; // comparing options again: a new cycle
/// let mut scratch = engine.scratch();
/// assert_eq!(engine.classify(&customer, &mut scratch).stage().id(), "evaluation");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub fn buying_process() -> RulesetSpec {
    let count = |name: &str, meaning: &str| SignalSpec::count(name).describe(meaning);
    let number = |name: &str, meaning: &str| SignalSpec::number(name).describe(meaning);
    let rule = |id: &str, stage: &str, when: &str, meaning: &str| {
        StageRuleSpec::new(id, stage, when).describe(meaning)
    };
    let no_cycle_activity = CYCLE_ACTIVITY
        .iter()
        .map(|name| format!("{name} >= 1"))
        .collect::<Vec<_>>()
        .join(" or ");

    RulesetSpec {
        signals: vec![
            count(
                "need_searches",
                "searches phrased as a need or problem rather than a product",
            ),
            count(
                "category_views",
                "views of category or overview pages: what products exist",
            ),
            count(
                "info_page_views",
                "guides, articles, specification pages read",
            ),
            count("reviews_read", "reviews or testimonials read"),
            count(
                "recommendations_sought",
                "opinions or recommendations asked of others, referral links followed",
            ),
            count(
                "brochures_downloaded",
                "promotional material downloaded or requested",
            ),
            count(
                "comparisons",
                "side-by-side comparisons made, or options shortlisted",
            ),
            count(
                "sales_contacts",
                "conversations with sales or service staff",
            ),
            count(
                "quote_requests",
                "demos, quotes, trials or samples requested",
            ),
            count("cart_adds", "items added to a cart"),
            count("checkout_starts", "checkouts started"),
            count("purchases", "completed purchases, lifetime"),
            number(
                "days_since_purchase",
                "days since the last completed purchase; missing if none",
            ),
            count("open_tickets", "open support questions"),
            count("open_complaints", "open complaints"),
            number("satisfaction", "latest satisfaction rating, 0 to 10"),
        ],
        stages: vec![
            StageSpec::new(
                "need_recognition",
                "Need recognition",
                "The customer notices a need or want and may only vaguely know what kind of \
                 product would meet it. Show what products exist and how they meet the need; \
                 no sales pitch, the customer is not interested in one yet.",
            ),
            StageSpec::new(
                "information_search",
                "Information search",
                "The customer gathers data on ways to meet the need: opinions and \
                 recommendations from their social network, their own research on the \
                 internet, promotional material, books, magazines and newspapers. Be found: \
                 reviews, recommendations, guides, brochures.",
            ),
            StageSpec::new(
                "evaluation",
                "Evaluation of options",
                "The customer weighs the options found. Sales and service staff matter now: \
                 listen to the voice of the customer, ask clarifying questions, show the value \
                 of the offer and build a positive connection.",
            ),
            StageSpec::new(
                "purchase_decision",
                "Purchase decision",
                "The customer decides to buy one or more of the products. Customer-service \
                 support becomes extremely important: help them complete.",
            ),
            StageSpec::new(
                "post_purchase",
                "Post-purchase",
                "The customer owns the product and may come back for more. Build the \
                 relationship or repeat purchases become unlikely: know the type of customer, \
                 handle complaints and questions, give support that is hard to find at a \
                 competitor.",
            ),
        ],
        hit_policy: HitPolicy::Furthest,
        stage_rules: vec![
            rule(
                "need_recognition.need_search",
                "need_recognition",
                "need_searches >= 1",
                "searches for a need or problem, not yet for a product",
            ),
            rule(
                "need_recognition.category_browsing",
                "need_recognition",
                "category_views >= 1",
                "looks at what kinds of products exist",
            ),
            rule(
                "information_search.reviews",
                "information_search",
                "reviews_read >= 1",
                "reads reviews or testimonials",
            ),
            rule(
                "information_search.guides",
                "information_search",
                "info_page_views >= 1",
                "does own research: guides, articles, specifications",
            ),
            rule(
                "information_search.recommendations",
                "information_search",
                "recommendations_sought >= 1",
                "asks others for opinions and recommendations",
            ),
            rule(
                "information_search.brochures",
                "information_search",
                "brochures_downloaded >= 1",
                "gathers promotional material",
            ),
            rule(
                "evaluation.comparisons",
                "evaluation",
                "comparisons >= 1",
                "weighs options side by side",
            ),
            rule(
                "evaluation.sales_contact",
                "evaluation",
                "sales_contacts >= 1",
                "talks to sales or service staff",
            ),
            rule(
                "evaluation.quote_request",
                "evaluation",
                "quote_requests >= 1",
                "asks for a demo, quote, trial or sample",
            ),
            rule(
                "purchase_decision.cart",
                "purchase_decision",
                "cart_adds >= 1",
                "has put products in a cart",
            ),
            rule(
                "purchase_decision.checkout",
                "purchase_decision",
                "checkout_starts >= 1",
                "has started a checkout",
            ),
            rule(
                "post_purchase.settled",
                "post_purchase",
                &format!("purchases >= 1 and not ({no_cycle_activity})"),
                "has bought and shown no activity since",
            ),
            rule(
                "post_purchase.open_complaint",
                "post_purchase",
                "purchases >= 1 and open_complaints >= 1",
                "has bought and has a complaint open: handle it first",
            ),
            rule(
                "post_purchase.open_ticket",
                "post_purchase",
                "purchases >= 1 and open_tickets >= 1",
                "has bought and has a question open: support comes first",
            ),
        ],
        score_rules: Vec::new(),
    }
}

/// A built-in example customer of the buying-process model.
///
/// ```
/// use buyer_journey::models;
///
/// let schema = models::buying_process().schema()?;
/// for sample in models::sample_customers() {
///     let record = sample.record(&schema)?;
///     assert!(record.iter().count() <= schema.len());
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SampleCustomer {
    /// A short id, such as `"c01"`.
    pub id: &'static str,
    /// Who the customer is, in a few words.
    pub description: &'static str,
    /// The signals that are present; all others are missing.
    pub signals: Vec<(&'static str, Value<'static>)>,
    /// The stage the seed texts place this customer in.
    pub expected_stage: &'static str,
}

impl SampleCustomer {
    /// The customer's signals as a record of `schema`.
    ///
    /// # Errors
    ///
    /// The error of [`SignalRecord::set`] when `schema` does not fit the
    /// customer's signals (it is not the buying-process schema).
    pub fn record(&self, schema: &Schema) -> Result<SignalRecord, Error> {
        let mut record = schema.record();
        for (name, value) in &self.signals {
            record.set(name, *value)?;
        }
        Ok(record)
    }
}

/// A dozen customers across the buying process, for examples and tests.
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// for sample in models::sample_customers() {
///     let record = sample.record(engine.schema())?;
///     assert_eq!(engine.classify(&record, &mut scratch).stage().id(), sample.expected_stage);
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub fn sample_customers() -> Vec<SampleCustomer> {
    let sample =
        |id, description, signals: &[(&'static str, f64)], expected_stage| SampleCustomer {
            id,
            description,
            signals: signals
                .iter()
                .map(|&(name, value)| (name, Value::Number(value)))
                .collect(),
            expected_stage,
        };
    vec![
        sample(
            "c01",
            "a first visit, nothing known yet",
            &[],
            "need_recognition",
        ),
        sample(
            "c02",
            "searched for a problem, browsed categories",
            &[("need_searches", 2.0), ("category_views", 3.0)],
            "need_recognition",
        ),
        sample(
            "c03",
            "reads reviews and guides",
            &[("reviews_read", 3.0), ("info_page_views", 5.0)],
            "information_search",
        ),
        sample(
            "c04",
            "asked friends, downloaded a brochure",
            &[
                ("category_views", 1.0),
                ("recommendations_sought", 2.0),
                ("brochures_downloaded", 1.0),
            ],
            "information_search",
        ),
        sample(
            "c05",
            "compares three options",
            &[("reviews_read", 4.0), ("comparisons", 3.0)],
            "evaluation",
        ),
        sample(
            "c06",
            "talked to sales, asked for a demo",
            &[("sales_contacts", 1.0), ("quote_requests", 1.0)],
            "evaluation",
        ),
        sample(
            "c07",
            "filled a cart",
            &[("comparisons", 1.0), ("cart_adds", 2.0)],
            "purchase_decision",
        ),
        sample(
            "c08",
            "started a checkout",
            &[("cart_adds", 1.0), ("checkout_starts", 1.0)],
            "purchase_decision",
        ),
        sample(
            "c09",
            "bought last week, quiet since",
            &[
                ("purchases", 1.0),
                ("days_since_purchase", 7.0),
                ("satisfaction", 9.0),
            ],
            "post_purchase",
        ),
        sample(
            "c10",
            "bought, complained, browsing again",
            &[
                ("purchases", 3.0),
                ("days_since_purchase", 12.0),
                ("open_complaints", 1.0),
                ("reviews_read", 1.0),
            ],
            "post_purchase",
        ),
        sample(
            "c11",
            "bought before, now comparing again",
            &[
                ("purchases", 2.0),
                ("days_since_purchase", 120.0),
                ("comparisons", 2.0),
            ],
            "evaluation",
        ),
        sample(
            "c12",
            "bought before, cart filled again",
            &[
                ("purchases", 5.0),
                ("days_since_purchase", 30.0),
                ("cart_adds", 1.0),
            ],
            "purchase_decision",
        ),
    ]
}

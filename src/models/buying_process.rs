//! The five-stage customer buying process of the seed texts.

use crate::action::ContactLog;
use crate::condition::When;
use crate::error::Error;
use crate::event::{Derivation, EventSpec, Tally, ValueRange};
use crate::journey::JourneyState;
use crate::signal::{Schema, SignalRecord, SignalSpec, Value};
use crate::spec::{
    ActionSpec, Arbitration, HitPolicy, RulesetSpec, ScenarioSpec, StageRuleSpec, TagSpec,
    TransitionSpec,
};
use crate::stage::StageSpec;
use crate::time::{Span, Timestamp};

/// Every count of the current buying cycle, with the event it counts:
/// activity since the last purchase, within the look-back window.
const CYCLE_ACTIVITY: [(&str, &str, &str); 11] = [
    (
        "need_searches",
        "need_search",
        "searches phrased as a need or problem rather than a product",
    ),
    (
        "category_views",
        "category_view",
        "views of category or overview pages: what products exist",
    ),
    (
        "info_page_views",
        "info_page_view",
        "guides, articles, specification pages read",
    ),
    (
        "reviews_read",
        "review_read",
        "reviews or testimonials read",
    ),
    (
        "recommendations_sought",
        "recommendation_sought",
        "opinions or recommendations asked of others, referral links followed",
    ),
    (
        "brochures_downloaded",
        "brochure_download",
        "promotional material downloaded or requested",
    ),
    (
        "comparisons",
        "comparison",
        "side-by-side comparisons made, or options shortlisted",
    ),
    (
        "sales_contacts",
        "sales_contact",
        "conversations with sales or service staff",
    ),
    (
        "quote_requests",
        "quote_request",
        "demos, quotes, trials or samples requested",
    ),
    ("cart_adds", "cart_add", "items added to a cart"),
    ("checkout_starts", "checkout_start", "checkouts started"),
];

/// How far back the activity of a buying cycle counts: a cart added four
/// months ago, and nothing since, is no purchase decision today. Kept in
/// ten buckets of 3 days, an event counts for 30 to 33 days.
const LOOK_BACK: Span = Span::days(30);

/// The customer buying process: need recognition, information search,
/// evaluation of options, purchase decision and post-purchase, with the
/// events a shop or a sales team records, the signals derived from them and
/// the rules that place a customer in a stage.
///
/// # Events and the signals derived from them
///
/// The seed texts describe a loop: a need, a search, an evaluation, a
/// decision, a purchase, and after the purchase a relationship from which a
/// new need may start the loop again. The signals follow that loop, so a
/// host sends events ([`Engine::observe`](crate::Engine::observe)) and keeps
/// no counts of its own:
///
/// | signal | kind | derived from |
/// | --- | --- | --- |
/// | `need_searches` | count | `need_search` events of the current buying cycle: searches phrased as a need or problem rather than a product |
/// | `category_views` | count | `category_view`: views of category or overview pages, what products exist |
/// | `info_page_views` | count | `info_page_view`: guides, articles, specification pages read |
/// | `reviews_read` | count | `review_read`: reviews or testimonials read |
/// | `recommendations_sought` | count | `recommendation_sought`: opinions or recommendations asked of others, referral links followed |
/// | `brochures_downloaded` | count | `brochure_download`: promotional material downloaded or requested |
/// | `comparisons` | count | `comparison`: side-by-side comparisons made, or options shortlisted |
/// | `sales_contacts` | count | `sales_contact`: conversations with sales or service staff |
/// | `quote_requests` | count | `quote_request`: demos, quotes, trials or samples requested |
/// | `cart_adds` | count | `cart_add`: items added to a cart |
/// | `checkout_starts` | count | `checkout_start`: checkouts started |
/// | `purchases` | count | every `purchase`, lifetime |
/// | `days_since_purchase` | number | days since the last `purchase`; missing before the first |
/// | `open_tickets` | count | `ticket_opened` minus `ticket_closed`: support questions still open |
/// | `open_complaints` | count | `complaint_opened` minus `complaint_closed`: complaints still open |
/// | `satisfaction` | number | the rating the latest `satisfaction` event carried, 0 to 10 |
///
/// The eleven activity counts are the **current buying cycle**: they start
/// from zero at every purchase, since the customer who has bought is in the
/// post-purchase stage and what they did before the purchase belongs to a
/// finished loop. And they look back 30 days at most, since a need the
/// customer stopped acting on fades: a cart added four months ago, and
/// nothing since, is no purchase decision today. (The window is kept in
/// buckets of 3 days, so an event counts for 30 to 33 days; see
/// [`Profile`](crate::Profile).)
///
/// # Stages
///
/// The hit policy is `furthest`: a customer is in the furthest stage that
/// has evidence, since passing through the earlier stages is expected. So:
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
/// # Journeys
///
/// Its transition rules ([`Engine::advance`](crate::Engine::advance)) move
/// a customer forward as the classification above does. Back only where
/// the evidence has expired: when nothing in the look-back window supports
/// the customer's stage any more, they return to the furthest earlier stage
/// that still has evidence, or to `need_recognition` (a customer who has
/// bought before returns to `post_purchase`). Out of `post_purchase` a new
/// cycle starts only after 7 days, with no complaint or question open, and
/// on more than one stray page view (two category, guide or review views,
/// or a search for a need, a request for recommendations, a brochure, a
/// comparison, a sales conversation, a quote or a cart): a customer who
/// bought two days ago and reads a guide is getting to know the product.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Customer, Engine, Event, Span, Timestamp};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut customer = Customer::new();
/// let day = |n| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
/// for (n, event) in [(0, "review_read"), (1, "comparison"), (2, "cart_add"), (2, "purchase")] {
///     engine.observe(&mut customer, Event::new(event, day(n)), day(n), &mut scratch)?;
/// }
/// assert_eq!(customer.journey.stage(), Some("post_purchase"));
///
/// // The same rules classify a host's own signals.
/// let mut signals = engine.record();
/// signals.set("purchases", 2)?;
/// signals.set("comparisons", 1)?; // comparing options again: a new cycle
/// assert_eq!(engine.classify(&signals, &mut scratch).stage().id(), "evaluation");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub fn buying_process() -> RulesetSpec {
    let stage_rules = stage_rules();
    RulesetSpec {
        name: "buying_process".to_owned(),
        version: "1.0.0".to_owned(),
        description: "The customer buying process: the steps a consumer goes through to \
                      decide on a purchase and make it. Every model of it shares the same \
                      fundamentals, in this order: need recognition, information search, \
                      evaluation of options, purchase decision and post-purchase, where the \
                      relationship built decides whether the customer comes back."
            .to_owned(),
        signals: signals(),
        events: events(),
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
        transitions: transitions(&stage_rules),
        stage_rules,
        score_rules: Vec::new(),
        tags: tags(),
        actions: catalog(),
        arbitration: Arbitration::default(),
        scenarios: scenarios(),
        ..RulesetSpec::default()
    }
}

/// The events a host sends, as the seed texts name what customers do.
fn events() -> Vec<EventSpec> {
    let event = |id: &str, meaning: &str| EventSpec::new(id).describe(meaning);
    let mut events = vec![
        event(
            "need_search",
            "searched for a need or a problem, not for a product",
        ),
        event("category_view", "viewed a category or overview page"),
        event(
            "info_page_view",
            "read a guide, an article or a specification page",
        ),
        event("review_read", "read a review or a testimonial"),
        event(
            "recommendation_sought",
            "asked others for an opinion, or followed a referral link",
        ),
        event(
            "brochure_download",
            "downloaded or requested promotional material",
        ),
        event(
            "comparison",
            "compared options side by side, or shortlisted one",
        ),
        event("sales_contact", "talked to sales or service staff"),
        event(
            "quote_request",
            "requested a demo, a quote, a trial or a sample",
        ),
        event("cart_add", "added an item to a cart"),
        event("checkout_start", "started a checkout"),
        event("purchase", "completed a purchase"),
        event("ticket_opened", "asked a support question"),
        event("ticket_closed", "had a support question answered"),
        event("complaint_opened", "complained"),
        event("complaint_closed", "had a complaint resolved"),
    ];
    events.push(
        EventSpec::new("satisfaction")
            .carrying(ValueRange::between(0.0, 10.0))
            .describe("rated their satisfaction, 0 to 10"),
    );
    events
}

/// The 16 signals, each derived from the events: the cycle's activity,
/// then what the customer's purchases and service contacts leave.
fn signals() -> Vec<SignalSpec> {
    let mut signals: Vec<SignalSpec> = CYCLE_ACTIVITY
        .iter()
        .map(|&(signal, event, meaning)| {
            SignalSpec::count(signal)
                .describe(meaning)
                .from(Derivation::Count(
                    Tally::of(&[event]).since("purchase").within(LOOK_BACK),
                ))
        })
        .collect();
    let balance = |add: &str, subtract: &str| Derivation::Balance {
        add: vec![add.to_owned()],
        subtract: vec![subtract.to_owned()],
    };
    signals.extend([
        SignalSpec::count("purchases")
            .describe("completed purchases, lifetime")
            .from(Derivation::Count(Tally::of(&["purchase"]))),
        SignalSpec::number("days_since_purchase")
            .describe("days since the last completed purchase; missing if none")
            .from(Derivation::DaysSince {
                events: vec!["purchase".to_owned()],
            }),
        SignalSpec::count("open_tickets")
            .describe("open support questions")
            .from(balance("ticket_opened", "ticket_closed")),
        SignalSpec::count("open_complaints")
            .describe("open complaints")
            .from(balance("complaint_opened", "complaint_closed")),
        SignalSpec::number("satisfaction")
            .describe("latest satisfaction rating, 0 to 10")
            .from(Derivation::Latest {
                events: vec!["satisfaction".to_owned()],
            }),
    ]);
    signals
}

/// The evidence for each stage: the rules of the `furthest` hit policy.
fn stage_rules() -> Vec<StageRuleSpec> {
    let rule = |id: &str, stage: &str, when: &str, meaning: &str| {
        StageRuleSpec::new(id, stage, when).describe(meaning)
    };
    let no_cycle_activity = CYCLE_ACTIVITY
        .iter()
        .map(|(name, _, _)| format!("{name} >= 1"))
        .collect::<Vec<_>>()
        .join(" or ");
    vec![
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
    ]
}

/// The journey: forward as evidence for a later stage appears, and from
/// `post_purchase` a new cycle when the customer shows a new need or starts
/// researching again.
///
/// A forward rule to a stage holds when one of that stage's stage rules
/// does, and later stages have higher priority, so a journey moves as the
/// `furthest` classification does, never back.
///
/// After a purchase the customer looks at the product they bought, reads
/// its guides and reviews: a page view is weak evidence of a new need. So
/// one category, guide or review page view starts no new cycle, two do, and
/// so does a deliberate act: a search phrased as a need, asking others for
/// recommendations, a brochure, a comparison, a sales conversation, a quote
/// or a cart. No new cycle starts in the first 7 days after the purchase
/// (the minimum dwell) or while a complaint or question is open: support
/// comes first. The counts are for the cycle, so activity during the dwell
/// still counts once it is over.
fn transitions(stage_rules: &[StageRuleSpec]) -> Vec<TransitionSpec> {
    let stages = [
        "need_recognition",
        "information_search",
        "evaluation",
        "purchase_decision",
        "post_purchase",
    ];
    let evidence = |stage: &str| {
        stage_rules
            .iter()
            .filter(|rule| rule.stage == stage)
            .map(|rule| match &rule.when {
                When::Text(text) => format!("({text})"),
                When::Tree(condition) => format!("({condition})"),
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let mut transitions = Vec::new();
    for (priority, stage) in (1..).zip(&stages[1..]) {
        transitions.push(
            TransitionSpec::new(&format!("forward.{stage}"), stage, evidence(stage))
                .priority(priority)
                .describe("evidence for a later stage"),
        );
    }
    // Back where the evidence has expired: to the furthest earlier stage
    // that still has some, or to the start when none has. Below every
    // forward rule, so a returning customer whose new cycle went quiet
    // settles in post_purchase again.
    let cycle = &stages[..4];
    for (i, stage) in cycle.iter().enumerate() {
        let later: Vec<String> = cycle[i + 1..].iter().map(|s| evidence(s)).collect();
        if later.is_empty() {
            continue;
        }
        let gone = format!("not ({})", later.join(" or "));
        let when = if i == 0 {
            gone
        } else {
            format!("({}) and {gone}", evidence(stage))
        };
        transitions.push(
            TransitionSpec::new(&format!("back.{stage}"), stage, when)
                .from(&cycle[i + 1..])
                .back()
                .describe("the evidence for the later stage has expired"),
        );
    }
    let new_cycle_evidence = [
        "need_searches >= 1 or category_views >= 2".to_owned(),
        "reviews_read >= 2 or info_page_views >= 2 or recommendations_sought >= 1 \
         or brochures_downloaded >= 1"
            .to_owned(),
        evidence("evaluation"),
        evidence("purchase_decision"),
    ];
    for (priority, (stage, evidence)) in (0..).zip(stages.iter().zip(&new_cycle_evidence)) {
        transitions.push(
            TransitionSpec::new(
                &format!("new_cycle.{stage}"),
                stage,
                format!("({evidence}) and not (open_complaints >= 1 or open_tickets >= 1)"),
            )
            .from(&["post_purchase"])
            .min_dwell(POST_PURCHASE_DWELL)
            .new_cycle()
            .priority(priority)
            .describe("activity since the purchase: a new buying cycle"),
        );
    }
    transitions
}

/// The time after a purchase before activity starts a new buying cycle.
const POST_PURCHASE_DWELL: Span = Span::days(7);

/// The types of customer the seed texts ask service staff to tell apart.
fn tags() -> Vec<TagSpec> {
    let tag = |id: &str, when: &str, meaning: &str| TagSpec::new(id, when).describe(meaning);
    vec![
        tag("prospect", "not (purchases >= 1)", "has not bought yet"),
        tag("new", "purchases == 1", "has bought once"),
        tag("returning", "purchases >= 2", "has bought more than once"),
        tag(
            "loyal",
            "purchases >= 5 or (purchases >= 3 and satisfaction >= 8)",
            "buys again and again, or often and gladly",
        ),
        tag(
            "at_risk",
            "purchases >= 1 and (satisfaction <= 4 or days_since_purchase >= 180)",
            "has bought but is unhappy or has been away long",
        ),
        tag(
            "complaining",
            "open_complaints >= 1",
            "has a complaint open",
        ),
        tag(
            "has_question",
            "open_tickets >= 1",
            "has a support question open",
        ),
        tag(
            "satisfied",
            "satisfaction >= 8",
            "rates the seller 8 or more",
        ),
    ]
}

/// The next-best-actions of each stage, as the seed texts describe them.
///
/// Priorities are set so that the seed texts' rules hold for every customer
/// with an empty contact history: no sales pitch while a need is only being
/// recognised, a consultation leads in evaluation, checkout help leads in
/// the purchase decision, an open complaint is handled first, and after a
/// purchase the relationship actions follow the customer's tags.
///
/// Each stage also has one fallback, in the same spirit, for when every
/// regular action is held back (cooling down, capped, dismissed). They
/// have no contact policy, tags or condition, so every customer gets at
/// least one suggestion in every stage.
fn catalog() -> Vec<ActionSpec> {
    let action = |id: &str, kind: &str, stage: &str, value: f64, name: &str, meaning: &str| {
        ActionSpec::new(id, kind, &[stage], value)
            .name(name)
            .describe(meaning)
    };
    vec![
        // Need recognition: what products exist and how they meet the need;
        // no sales pitch.
        action(
            "need_recognition.product_overview",
            "education",
            "need_recognition",
            20.0,
            "What products exist",
            "Show the kinds of products that meet the need and how each meets it.",
        )
        .propensity(0.6)
        .propensity_rule("category_views >= 3", 0.75)
        .cooldown(Span::days(1)),
        action(
            "need_recognition.needs_guide",
            "content",
            "need_recognition",
            15.0,
            "Working out what you need",
            "A guide that helps to name the need before choosing a product.",
        )
        .propensity(0.5)
        .propensity_rule("need_searches >= 1", 0.7)
        .cooldown(Span::days(2)),
        action(
            "need_recognition.customer_stories",
            "social_proof",
            "need_recognition",
            10.0,
            "People with the same need",
            "Stories of customers who had the same need and how they met it; not a pitch.",
        )
        .propensity(0.4)
        .cooldown(Span::days(3)),
        // Information search: be found with reviews, recommendations,
        // guides, brochures and comparisons.
        action(
            "information_search.reviews",
            "social_proof",
            "information_search",
            25.0,
            "Reviews and testimonials",
            "Reviews and testimonials of other customers.",
        )
        .propensity(0.6)
        .propensity_rule("reviews_read >= 3", 0.8)
        .cooldown(Span::days(1)),
        action(
            "information_search.recommend_a_friend",
            "social_proof",
            "information_search",
            25.0,
            "Ask someone who bought",
            "Put the customer in touch with a customer who can recommend.",
        )
        .propensity(0.3)
        .propensity_rule("recommendations_sought >= 1", 0.85)
        .cooldown(Span::days(7)),
        action(
            "information_search.buying_guide",
            "content",
            "information_search",
            20.0,
            "Buying guide",
            "An independent guide to the options and what to look for.",
        )
        .propensity(0.6)
        .propensity_rule("info_page_views >= 3", 0.75)
        .cooldown(Span::days(2)),
        action(
            "information_search.brochure",
            "content",
            "information_search",
            15.0,
            "Brochure",
            "The product brochure, for customers who have not got it yet.",
        )
        .when("not (brochures_downloaded >= 1)")
        .propensity(0.5)
        .cooldown(Span::days(7)),
        action(
            "information_search.comparison_chart",
            "value_proposition",
            "information_search",
            20.0,
            "Comparison chart",
            "How the offer compares with the alternatives the customer is reading about.",
        )
        .propensity(0.4)
        .cooldown(Span::days(3)),
        // Evaluation: sales and service staff listen, ask clarifying
        // questions, show the value of the offer, build a connection.
        action(
            "evaluation.advisor_call",
            "consultation",
            "evaluation",
            60.0,
            "Talk to an advisor",
            "A sales or service person who listens to the customer and asks clarifying \
             questions.",
        )
        .propensity(0.5)
        .propensity_rule("sales_contacts >= 1 or quote_requests >= 1", 0.7)
        .cooldown(Span::days(2))
        .max_dismissals(2),
        action(
            "evaluation.value_comparison",
            "value_proposition",
            "evaluation",
            40.0,
            "Why this offer",
            "Show the value of the offer against the alternatives the customer weighs.",
        )
        .propensity(0.5)
        .propensity_rule("comparisons >= 2", 0.7)
        .cooldown(Span::days(2)),
        action(
            "evaluation.demo",
            "demo",
            "evaluation",
            45.0,
            "Demo, trial or sample",
            "Let the customer try the product: a demo, a trial, a sample or a quote.",
        )
        .propensity(0.4)
        .propensity_rule("comparisons >= 1", 0.6)
        .cooldown(Span::days(3))
        .max_dismissals(2),
        action(
            "evaluation.testimonials",
            "social_proof",
            "evaluation",
            20.0,
            "Customers like you",
            "Testimonials of customers who chose among the same options.",
        )
        .propensity(0.5)
        .cooldown(Span::days(3)),
        action(
            "evaluation.offer",
            "sales_pitch",
            "evaluation",
            50.0,
            "Limited offer",
            "A time-limited offer for customers ready to be convinced.",
        )
        .excludes(&["complaining"])
        .propensity(0.2)
        .cooldown(Span::days(7))
        .max_dismissals(1),
        // Purchase decision: customer-service support helps them complete.
        action(
            "purchase_decision.checkout_help",
            "checkout_assist",
            "purchase_decision",
            80.0,
            "Help with checkout",
            "Offer help to complete the purchase: payment, delivery, questions at checkout.",
        )
        .propensity(0.6)
        .propensity_rule("checkout_starts >= 1", 0.8)
        .cap(2, Span::days(1)),
        action(
            "purchase_decision.cart_reminder",
            "checkout_assist",
            "purchase_decision",
            30.0,
            "Your cart is waiting",
            "Remind the customer of the products in the cart.",
        )
        .when("cart_adds >= 1 and not (checkout_starts >= 1)")
        .propensity(0.5)
        .cooldown(Span::days(1))
        .cap(3, Span::days(14)),
        action(
            "purchase_decision.live_support",
            "support",
            "purchase_decision",
            40.0,
            "Questions before buying",
            "A service person answers the last questions before the purchase.",
        )
        .propensity(0.5),
        action(
            "purchase_decision.guarantee",
            "value_proposition",
            "purchase_decision",
            30.0,
            "Guarantee and returns",
            "Show the guarantee and the return policy that make the decision safe.",
        )
        .propensity(0.5)
        .cooldown(Span::days(2)),
        action(
            "purchase_decision.bundle",
            "sales_pitch",
            "purchase_decision",
            35.0,
            "Complete the set",
            "Suggest products that go with the ones in the cart.",
        )
        .excludes(&["complaining"])
        .propensity(0.3)
        .cooldown(Span::days(3))
        .max_dismissals(1),
        // Post-purchase: know the type of customer, handle complaints and
        // questions, give support that is hard to find at a competitor.
        action(
            "post_purchase.resolve_complaint",
            "complaint_resolution",
            "post_purchase",
            100.0,
            "Resolve the complaint",
            "A service person takes up the open complaint and resolves it.",
        )
        .requires(&["complaining"])
        .propensity(0.9),
        action(
            "post_purchase.answer_question",
            "support",
            "post_purchase",
            70.0,
            "Answer the question",
            "Answer the open support question.",
        )
        .requires(&["has_question"])
        .propensity(0.9),
        action(
            "post_purchase.check_in",
            "support",
            "post_purchase",
            55.0,
            "Check in",
            "A service call to ask how the product serves the customer.",
        )
        .requires(&["at_risk"])
        .excludes(&["complaining"])
        .propensity(0.5)
        .cooldown(Span::days(14)),
        action(
            "post_purchase.onboarding",
            "onboarding",
            "post_purchase",
            50.0,
            "Getting started",
            "Help a first-time buyer get started with the product.",
        )
        .requires(&["new"])
        .excludes(&["complaining"])
        .propensity(0.7)
        .cooldown(Span::days(7))
        .cap(3, Span::days(30))
        .max_dismissals(2),
        action(
            "post_purchase.loyalty_program",
            "loyalty",
            "post_purchase",
            60.0,
            "Loyalty programme",
            "Invite a loyal customer to the loyalty programme and its benefits.",
        )
        .requires(&["loyal"])
        .excludes(&["complaining"])
        .propensity(0.6)
        .cooldown(Span::days(14))
        .max_dismissals(2),
        action(
            "post_purchase.cross_sell",
            "cross_sell",
            "post_purchase",
            45.0,
            "More for returning customers",
            "Products that go with what a returning customer bought before.",
        )
        .requires(&["returning"])
        .excludes(&["complaining", "at_risk"])
        .propensity(0.4)
        .propensity_rule("satisfaction >= 8", 0.6)
        .cooldown(Span::days(7))
        .max_dismissals(2),
        action(
            "post_purchase.accessories",
            "cross_sell",
            "post_purchase",
            30.0,
            "Accessories",
            "Accessories for the product a first-time buyer bought.",
        )
        .requires(&["new"])
        .excludes(&["complaining", "at_risk"])
        .propensity(0.3)
        .cooldown(Span::days(7))
        .max_dismissals(2),
        action(
            "post_purchase.review_request",
            "social_proof",
            "post_purchase",
            20.0,
            "Share your experience",
            "Ask a satisfied customer for a review or a recommendation.",
        )
        .requires(&["satisfied"])
        .excludes(&["complaining"])
        .propensity(0.5)
        .cooldown(Span::days(30))
        .max_dismissals(1),
        action(
            "post_purchase.care_tips",
            "content",
            "post_purchase",
            15.0,
            "Getting the most out of it",
            "Tips on using and caring for the product.",
        )
        .propensity(0.5)
        .cooldown(Span::days(7)),
        // Fallbacks, one per stage: offered only when no regular action of
        // the stage can be, without a contact policy so that there always
        // is an answer, and each as low-key as its stage allows.
        action(
            "need_recognition.browse_products",
            "education",
            "need_recognition",
            10.0,
            "See what there is",
            "Let the customer browse the kinds of products there are; no pitch.",
        )
        .propensity(0.5)
        .fallback(),
        action(
            "information_search.guides",
            "content",
            "information_search",
            10.0,
            "Guides and answers",
            "Be found: the guides and answers the customer's research turns up.",
        )
        .propensity(0.5)
        .fallback(),
        action(
            "evaluation.ask_our_staff",
            "consultation",
            "evaluation",
            10.0,
            "Ask our staff",
            "An open invitation to ask sales or service staff, who listen and answer.",
        )
        .propensity(0.5)
        .fallback(),
        action(
            "purchase_decision.help_to_complete",
            "checkout_assist",
            "purchase_decision",
            10.0,
            "Help to complete",
            "Where to get help completing the purchase: payment, delivery, questions.",
        )
        .propensity(0.5)
        .fallback(),
        action(
            "post_purchase.support",
            "support",
            "post_purchase",
            10.0,
            "Support and care",
            "Where to get support and care for the product, whenever it is needed.",
        )
        .propensity(0.5)
        .fallback(),
    ]
}

/// What the seed texts say of each stage, as scenarios the model must pass
/// ([`Engine::run_scenarios`](crate::Engine::run_scenarios)): where a
/// customer is, which type of customer they are and what to offer them. The
/// customers are those of [`sample_customers`], and a few whose events,
/// journey or contact history matter.
fn scenarios() -> Vec<ScenarioSpec> {
    let day = |n: u64| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
    let hours = |n: u64| day(0) + Span::hours(n);
    let mut advisor_shown = ContactLog::new();
    advisor_shown.record_shown("evaluation.advisor_call", day(0));
    vec![
        // Need recognition: the customer knows of a need, perhaps only
        // vaguely of the product; show what products exist and how they
        // meet it, and no sales pitch.
        ScenarioSpec::new(
            "a customer of whom nothing is known yet starts at need recognition",
            "need_recognition",
        )
        .expect_tags(&["prospect"])
        .expect_confidence(0.0),
        ScenarioSpec::new(
            "a customer who only searched for a need is in need recognition: shown what \
             products exist and how they meet it, no sales pitch",
            "need_recognition",
        )
        .given("need_searches", 2)
        .given("category_views", 3)
        .expect_tags(&["prospect"])
        .expect_actions(&[
            "need_recognition.product_overview",
            "need_recognition.needs_guide",
            "need_recognition.customer_stories",
        ])
        .expect_confidence(1.0),
        // Information search: opinions from the social network, own
        // research, promotional material; be found there.
        ScenarioSpec::new(
            "a customer doing own research in reviews and guides is in information search: \
             reviews and a buying guide lead",
            "information_search",
        )
        .given("reviews_read", 3)
        .given("info_page_views", 5)
        .expect_tags(&["prospect"])
        .expect_actions(&[
            "information_search.reviews",
            "information_search.buying_guide",
            "information_search.comparison_chart",
        ]),
        ScenarioSpec::new(
            "a customer asking others for recommendations is in information search: put in \
             touch with someone who bought",
            "information_search",
        )
        .given("recommendations_sought", 2)
        .given("brochures_downloaded", 1)
        .given("category_views", 1)
        .expect_tags(&["prospect"])
        .expect_actions(&["information_search.recommend_a_friend"]),
        // Evaluation: sales and service staff matter now; listen, ask
        // clarifying questions, show the value of the offer.
        ScenarioSpec::new(
            "a customer comparing the options found is in evaluation: an advisor listens, \
             then the value of the offer",
            "evaluation",
        )
        .given("reviews_read", 4)
        .given("comparisons", 3)
        .expect_tags(&["prospect"])
        .expect_actions(&["evaluation.advisor_call", "evaluation.value_comparison"]),
        ScenarioSpec::new(
            "a customer who talked to sales and asked for a demo is in evaluation",
            "evaluation",
        )
        .given("sales_contacts", 1)
        .given("quote_requests", 1)
        .expect_actions(&["evaluation.advisor_call"])
        .expect_confidence(1.0),
        ScenarioSpec::new(
            "an evaluating customer just offered an advisor is next shown the value of the \
             offer, not the advisor again",
            "evaluation",
        )
        .given("comparisons", 2)
        .with_history(advisor_shown)
        .at(hours(4))
        .expect_actions(&["evaluation.value_comparison"]),
        // Purchase decision: customer-service support becomes extremely
        // important; help them complete.
        ScenarioSpec::new(
            "a customer who filled a cart has decided to buy: help to complete comes first",
            "purchase_decision",
        )
        .given("comparisons", 1)
        .given("cart_adds", 2)
        .expect_tags(&["prospect"])
        .expect_actions(&["purchase_decision.checkout_help"]),
        ScenarioSpec::new(
            "a returning customer who buys again and again fills a cart: a loyal customer \
             deciding to buy",
            "purchase_decision",
        )
        .given("purchases", 5)
        .given("days_since_purchase", 30)
        .given("cart_adds", 1)
        .expect_tags(&["returning", "loyal"])
        .expect_actions(&["purchase_decision.checkout_help"]),
        // Post-purchase: build the relationship, know the type of
        // customer, handle complaints and questions.
        ScenarioSpec::new(
            "a first purchase, quiet since: a new customer in post-purchase, helped to get \
             started",
            "post_purchase",
        )
        .given("purchases", 1)
        .given("days_since_purchase", 7)
        .given("satisfaction", 9)
        .expect_tags(&["new", "satisfied"])
        .expect_actions(&["post_purchase.onboarding"]),
        ScenarioSpec::new(
            "a returning customer with a complaint open is in post-purchase: the complaint \
             is handled first",
            "post_purchase",
        )
        .given("purchases", 3)
        .given("days_since_purchase", 12)
        .given("open_complaints", 1)
        .given("reviews_read", 1)
        .expect_tags(&["returning", "complaining"])
        .expect_actions(&["post_purchase.resolve_complaint", "post_purchase.care_tips"]),
        ScenarioSpec::new(
            "a returning customer with a question open gets it answered first",
            "post_purchase",
        )
        .given("purchases", 2)
        .given("days_since_purchase", 20)
        .given("open_tickets", 1)
        .expect_tags(&["returning", "has_question"])
        .expect_actions(&["post_purchase.answer_question"]),
        ScenarioSpec::new(
            "an unhappy returning customer is at risk: a service call checks in first",
            "post_purchase",
        )
        .given("purchases", 3)
        .given("days_since_purchase", 40)
        .given("satisfaction", 3)
        .expect_tags(&["returning", "at_risk"])
        .expect_actions(&["post_purchase.check_in"]),
        ScenarioSpec::new(
            "a customer who buys again and again, and gladly, is invited to the loyalty \
             programme",
            "post_purchase",
        )
        .given("purchases", 6)
        .given("days_since_purchase", 40)
        .given("satisfaction", 9)
        .expect_tags(&["returning", "loyal", "satisfied"])
        .expect_actions(&["post_purchase.loyalty_program"]),
        ScenarioSpec::new(
            "a returning customer comparing options again starts a new cycle in evaluation",
            "evaluation",
        )
        .given("purchases", 2)
        .given("days_since_purchase", 120)
        .given("comparisons", 2)
        .expect_tags(&["returning"])
        .expect_actions(&["evaluation.advisor_call"]),
        // The loop over time: events and stored journeys.
        ScenarioSpec::new(
            "a customer who read reviews, compared, filled a cart and bought is a new \
             customer in post-purchase",
            "post_purchase",
        )
        .event("review_read", day(0))
        .event("comparison", day(1))
        .event("cart_add", day(2))
        .event("purchase", day(2))
        .expect_tags(&["new"])
        .expect_actions(&["post_purchase.onboarding"]),
        ScenarioSpec::new(
            "reading a guide two days after the first purchase is getting to know the \
             product, not a new need",
            "post_purchase",
        )
        .event("purchase", day(0))
        .event("info_page_view", day(2))
        .expect_tags(&["new"])
        .expect_actions(&["post_purchase.onboarding"]),
        ScenarioSpec::new(
            "two weeks after a purchase, asking for recommendations starts a new cycle in \
             information search",
            "information_search",
        )
        .in_state(JourneyState::in_stage("post_purchase", day(0)))
        .given("purchases", 1)
        .given("days_since_purchase", 14)
        .given("recommendations_sought", 1)
        .at(day(14))
        .expect_tags(&["new"])
        .expect_actions(&["information_search.recommend_a_friend"]),
    ]
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
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// for sample in models::sample_customers() {
    ///     let customer = sample.record(engine.schema())?;
    ///     let mut scratch = engine.scratch();
    ///     assert_eq!(engine.classify(&customer, &mut scratch).stage().id(), sample.expected_stage);
    /// }
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
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

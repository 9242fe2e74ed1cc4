//! A customer over time with the built-in model: the seed texts' loop of
//! need, search, evaluation, decision, purchase and a new need, driven by
//! events through `Engine::observe`, and the customer as one bounded
//! document.

use buyer_journey::{
    models, ContactLog, Customer, Engine, Event, Response, Scratch, Span, Timestamp, Value,
};
use proptest::prelude::*;

use crate::support::{built_in, XorShift};

const START: i64 = 1_700_000_000;

fn day(n: u64) -> Timestamp {
    Timestamp::from_unix_seconds(START) + Span::days(n)
}

/// Observes `event` at `at` (also the time of the call) and returns the
/// journey's stage and the kinds of the actions, best first.
fn observe(
    engine: &Engine,
    customer: &mut Customer,
    event: &str,
    at: Timestamp,
    scratch: &mut Scratch,
) -> (String, Vec<String>) {
    let seen = engine
        .observe(customer, Event::new(event, at), at, scratch)
        .unwrap_or_else(|e| panic!("{event} at {at}: {e}"));
    let stage = seen.step.state.stage().unwrap().to_owned();
    assert_eq!(
        seen.decision.stage().id(),
        stage,
        "ranked for the journey's stage"
    );
    let kinds = seen
        .decision
        .actions()
        .map(|a| a.kind().to_owned())
        .collect();
    (stage, kinds)
}

fn count(customer: &Customer, engine: &Engine, signal: &str, now: Timestamp) -> Option<f64> {
    let mut customer = customer.clone();
    let mut scratch = engine.scratch();
    let seen = engine.refresh(&mut customer, now, &mut scratch).unwrap();
    match seen.signals.get(signal) {
        Some(Value::Number(value)) => Some(value),
        None => None,
        Some(other) => panic!("{signal} is {other:?}"),
    }
}

/// A customer who bought two days ago and reads a guide is getting to know
/// the product: still post-purchase, and offered post-purchase help, not
/// buying guides.
#[test]
fn a_buyer_reading_a_guide_two_days_later_stays_in_post_purchase() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    for (n, event) in [
        (0, "review_read"),
        (1, "comparison"),
        (1, "cart_add"),
        (1, "purchase"),
    ] {
        observe(&engine, &mut customer, event, day(n), &mut scratch);
    }
    let (stage, kinds) = observe(
        &engine,
        &mut customer,
        "info_page_view",
        day(3),
        &mut scratch,
    );
    assert_eq!(stage, "post_purchase");
    assert!(kinds.contains(&"onboarding".to_owned()), "{kinds:?}");
    assert!(
        !kinds.contains(&"content".to_owned()) || kinds[0] != "content",
        "{kinds:?}"
    );
    // The stateless classification sees the guide and says otherwise.
    let mut signals = engine.record();
    signals.set("purchases", 1).unwrap();
    signals.set("info_page_views", 1).unwrap();
    assert_eq!(
        engine.classify(&signals, &mut scratch).stage().id(),
        "information_search"
    );
}

/// A cart added four months ago, and nothing since, is no purchase
/// decision today.
#[test]
fn a_cart_added_120_days_ago_no_longer_counts() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    let (stage, _) = observe(&engine, &mut customer, "cart_add", day(0), &mut scratch);
    assert_eq!(stage, "purchase_decision");
    assert_eq!(count(&customer, &engine, "cart_adds", day(29)), Some(1.0));
    assert_eq!(count(&customer, &engine, "cart_adds", day(120)), Some(0.0));
    let seen = engine
        .refresh(&mut customer, day(120), &mut scratch)
        .unwrap();
    assert_eq!(seen.step.state.stage(), Some("need_recognition"));
    assert_eq!(
        seen.step.moves.last().unwrap().rule(),
        Some("back.need_recognition")
    );
    // A stale stage left for the furthest evidence still in the window.
    let mut researcher = Customer::new();
    observe(
        &engine,
        &mut researcher,
        "review_read",
        day(0),
        &mut scratch,
    );
    observe(&engine, &mut researcher, "cart_add", day(20), &mut scratch);
    let seen = engine
        .refresh(&mut researcher, day(40), &mut scratch)
        .unwrap();
    assert_eq!(
        seen.step.state.stage(),
        Some("purchase_decision"),
        "the cart still counts"
    );
    let seen = engine
        .refresh(&mut researcher, day(60), &mut scratch)
        .unwrap();
    assert_eq!(seen.step.state.stage(), Some("need_recognition"));
}

/// A purchase ends the buying cycle: the cycle's counts start again from
/// zero, the lifetime purchases go up.
#[test]
fn after_a_purchase_the_cycle_counts_restart() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    for event in [
        "review_read",
        "review_read",
        "review_read",
        "comparison",
        "cart_add",
    ] {
        observe(&engine, &mut customer, event, day(1), &mut scratch);
    }
    assert_eq!(count(&customer, &engine, "reviews_read", day(1)), Some(3.0));
    let (stage, _) = observe(&engine, &mut customer, "purchase", day(2), &mut scratch);
    assert_eq!(stage, "post_purchase");
    for signal in ["reviews_read", "comparisons", "cart_adds"] {
        assert_eq!(
            count(&customer, &engine, signal, day(2)),
            Some(0.0),
            "{signal}"
        );
    }
    assert_eq!(count(&customer, &engine, "purchases", day(2)), Some(1.0));
    assert_eq!(
        count(&customer, &engine, "days_since_purchase", day(5)),
        Some(3.0)
    );
    // And a new need after the 7-day dwell starts the next cycle.
    let (stage, _) = observe(&engine, &mut customer, "need_search", day(12), &mut scratch);
    assert_eq!(stage, "need_recognition");
    assert_eq!(customer.journey.cycles(), 1);
    assert_eq!(
        count(&customer, &engine, "need_searches", day(12)),
        Some(1.0)
    );
}

/// Complaints are handled first: the resolution leads while the complaint
/// is open, and gives way once it is closed.
#[test]
fn an_open_complaint_keeps_its_resolution_first_until_closed() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    observe(&engine, &mut customer, "purchase", day(0), &mut scratch);
    let (_, kinds) = observe(
        &engine,
        &mut customer,
        "complaint_opened",
        day(3),
        &mut scratch,
    );
    assert_eq!(kinds[0], "complaint_resolution");
    for n in [4, 10, 20] {
        // Browsing while the complaint is open starts no new cycle.
        let (stage, kinds) = observe(
            &engine,
            &mut customer,
            "category_view",
            day(n),
            &mut scratch,
        );
        assert_eq!(
            (stage.as_str(), kinds[0].as_str()),
            ("post_purchase", "complaint_resolution")
        );
    }
    let (_, kinds) = observe(
        &engine,
        &mut customer,
        "complaint_closed",
        day(21),
        &mut scratch,
    );
    assert!(
        !kinds.contains(&"complaint_resolution".to_owned()),
        "{kinds:?}"
    );
    assert_eq!(
        count(&customer, &engine, "open_complaints", day(21)),
        Some(0.0)
    );
}

/// A satisfaction rating carries its value; the latest one counts.
#[test]
fn the_latest_satisfaction_counts() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    assert_eq!(count(&customer, &engine, "satisfaction", day(0)), None);
    for (n, rating) in [(1, 9.0), (5, 3.0)] {
        let event = Event::new("satisfaction", day(n)).with_value(rating);
        engine
            .observe(&mut customer, event, day(n), &mut scratch)
            .unwrap();
    }
    assert_eq!(count(&customer, &engine, "satisfaction", day(6)), Some(3.0));
    let err = engine
        .observe(
            &mut customer,
            Event::new("satisfaction", day(7)),
            day(7),
            &mut scratch,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "event.value: event 'satisfaction' needs a value"
    );
}

/// A typical shop customer: a few weeks of research, a purchase, a
/// question, and a new need after a month.
fn typical_log() -> Vec<(u64, &'static str)> {
    vec![
        (0, "need_search"),
        (0, "category_view"),
        (1, "category_view"),
        (2, "review_read"),
        (2, "info_page_view"),
        (3, "review_read"),
        (5, "comparison"),
        (5, "comparison"),
        (6, "sales_contact"),
        (8, "cart_add"),
        (8, "checkout_start"),
        (8, "purchase"),
        (10, "ticket_opened"),
        (11, "ticket_closed"),
        (15, "info_page_view"),
        (30, "need_search"),
        (31, "category_view"),
        (33, "review_read"),
    ]
}

/// Replays `log` (days and events, several a day an hour apart), showing
/// the actions suggested and recording them.
fn replay(engine: &Engine, log: &[(u64, &'static str)]) -> Customer {
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    for (i, &(n, event)) in log.iter().enumerate() {
        let at = day(n) + Span::minutes(10 * i as u64);
        let event = if event == "satisfaction" {
            Event::new(event, at).with_value(8.0)
        } else {
            Event::new(event, at)
        };
        let seen = engine
            .observe(&mut customer, event, at, &mut scratch)
            .unwrap();
        for suggestion in seen.decision.actions() {
            customer.record_shown(suggestion.action(), at);
        }
    }
    customer
}

/// A population of shop customers over 60 days: most browse and research,
/// some compare, fewer buy, and buyers ask questions, rate and come back.
fn population(size: usize) -> Vec<Vec<(u64, &'static str)>> {
    const FUNNEL: [&[&str]; 5] = [
        &["need_search", "category_view", "category_view"],
        &[
            "info_page_view",
            "review_read",
            "review_read",
            "recommendation_sought",
            "brochure_download",
        ],
        &["comparison", "comparison", "sales_contact", "quote_request"],
        &["cart_add", "checkout_start"],
        &["purchase"],
    ];
    const AFTER: [&str; 6] = [
        "ticket_opened",
        "ticket_closed",
        "satisfaction",
        "info_page_view",
        "category_view",
        "review_read",
    ];
    let mut random = XorShift::new();
    (0..size)
        .map(|_| {
            let mut log = Vec::new();
            let mut day = random.below(30);
            let mut stage = 0;
            let events = random.between(3, 40);
            for _ in 0..events {
                day += random.below(3);
                let event = if stage < FUNNEL.len() {
                    let choices = FUNNEL[stage];
                    let event = random.pick(choices);
                    if random.chance(1, 3) {
                        stage += 1;
                    }
                    event
                } else if random.chance(1, 10) {
                    stage = 0;
                    "need_search"
                } else {
                    random.pick(&AFTER)
                };
                log.push((day.min(60), event));
            }
            log
        })
        .collect()
}

/// The customer as one document: small for a typical customer, bounded for
/// a busy one, and restored to the same decisions.
#[test]
fn a_customer_is_one_small_document() {
    let engine = built_in();
    // The median of a population, as JSON and as CBOR (a compact binary
    // format that, unlike bincode, reads the profile's untagged forms).
    let customers: Vec<Customer> = population(400)
        .iter()
        .map(|log| replay(&engine, log))
        .collect();
    let median = |size: &dyn Fn(&Customer) -> usize| {
        let mut sizes: Vec<usize> = customers.iter().map(size).collect();
        sizes.sort_unstable();
        sizes[sizes.len() / 2]
    };
    let json = median(&|customer| serde_json::to_string(customer).unwrap().len());
    let cbor = median(&|customer| {
        let mut bytes = Vec::new();
        ciborium::into_writer(customer, &mut bytes).unwrap();
        bytes.len()
    });
    assert!(json < 640, "the median customer takes {json} bytes of JSON");
    assert!(cbor < 512, "the median customer takes {cbor} bytes of CBOR");
    for customer in &customers {
        let mut bytes = Vec::new();
        ciborium::into_writer(customer, &mut bytes).unwrap();
        let back: Customer = ciborium::from_reader(&bytes[..]).unwrap();
        assert_eq!(&back, customer);
    }

    let typical = replay(&engine, &typical_log());
    let json = serde_json::to_string(&typical).unwrap();
    assert!(json.len() < 640, "{} bytes: {json}", json.len());

    // A hundred events over 90 days, of every type.
    let mut random = XorShift::new();
    let events: Vec<&'static str> = models::buying_process()
        .events
        .into_iter()
        .map(|event| &*Box::leak(event.id.into_boxed_str()))
        .collect();
    let mut log: Vec<(u64, &'static str)> = (0..100)
        .map(|_| (random.below(90), random.pick(&events)))
        .collect();
    log.sort_by_key(|&(n, _)| n);
    let busy = replay(&engine, &log);
    let json = serde_json::to_string(&busy).unwrap();
    assert!(json.len() < 1_024, "{} bytes: {json}", json.len());

    let mut restored: Customer = serde_json::from_str(&json).unwrap();
    let mut original = busy.clone();
    let mut scratch = engine.scratch();
    let mut other = engine.scratch();
    for n in [90, 91, 120] {
        let a = engine.refresh(&mut original, day(n), &mut scratch).unwrap();
        let b = engine.refresh(&mut restored, day(n), &mut other).unwrap();
        assert_eq!(a.step, b.step);
        assert_eq!(a.decision.to_record(), b.decision.to_record());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Recording through `Customer::record_shown` forgets only what no
    /// contact policy sees: every decision is the one a full log gives.
    #[test]
    fn a_bounded_history_decides_as_the_full_one(
        steps in prop::collection::vec((0_usize..12, 0_u64..40, any::<bool>()), 1..80),
    ) {
        let engine = built_in();
        let customers = models::sample_customers();
        let mut scratch = engine.scratch();
        let mut full = ContactLog::new();
        let mut bounded = Customer::new();
        let mut now = Timestamp::from_unix_seconds(START);
        for (sample, hours, dismiss) in steps {
            now = now + Span::hours(hours);
            let record = customers[sample].record(engine.schema()).unwrap();
            let expected = engine.decide(&record, &full, now, &mut scratch).to_record();
            let found = engine.decide(&record, &bounded.history, now, &mut scratch);
            prop_assert_eq!(&found.to_record(), &expected);
            for suggestion in found.actions() {
                let action = suggestion.action();
                full.record_shown(action.id(), now);
                bounded.record_shown(action, now);
                if dismiss {
                    full.record_dismissed(action.id(), now);
                    bounded.record_response(action, Response::Dismissed, now);
                }
            }
        }
    }
}

/// The built-in model's signals from its definition, over every event so
/// far (in time order) read at `now`: each activity count is of its event
/// after the last purchase and in the last ten 3-day buckets before the
/// one `now` is in, or that one.
fn built_in_reference(events: &[(i64, &str, Option<f64>)], now: i64) -> Vec<Option<f64>> {
    const WIDTH: i64 = 3 * 86_400;
    let activity = [
        "need_search",
        "category_view",
        "info_page_view",
        "review_read",
        "recommendation_sought",
        "brochure_download",
        "comparison",
        "sales_contact",
        "quote_request",
        "cart_add",
        "checkout_start",
    ];
    let now = events
        .iter()
        .map(|e| e.0)
        .max()
        .map_or(now, |newest| newest.max(now));
    let last_purchase = events.iter().rposition(|e| e.1 == "purchase");
    let count = |id: &str| events.iter().filter(|e| e.1 == id).count() as f64;
    let mut signals: Vec<Option<f64>> = activity
        .iter()
        .map(|&id| {
            let since = last_purchase.map_or(0, |p| p + 1);
            let n = events[since..]
                .iter()
                .filter(|e| e.1 == id && e.0.div_euclid(WIDTH) >= now.div_euclid(WIDTH) - 10)
                .count();
            Some(n as f64)
        })
        .collect();
    signals.push(Some(count("purchase")));
    signals.push(last_purchase.map(|p| (now - events[p].0).max(0) as f64 / 86_400.0));
    signals.push(Some(
        (count("ticket_opened") - count("ticket_closed")).max(0.0),
    ));
    signals.push(Some(
        (count("complaint_opened") - count("complaint_closed")).max(0.0),
    ));
    signals.push(
        events
            .iter()
            .rev()
            .find(|e| e.1 == "satisfaction")
            .and_then(|e| e.2),
    );
    signals
}

/// Built-in events a few minutes to days apart, in time order.
fn built_in_events() -> impl Strategy<Value = Vec<(i64, &'static str, Option<f64>)>> {
    const EVENTS: [&str; 17] = [
        "need_search",
        "category_view",
        "info_page_view",
        "review_read",
        "recommendation_sought",
        "brochure_download",
        "comparison",
        "sales_contact",
        "quote_request",
        "cart_add",
        "checkout_start",
        "purchase",
        "ticket_opened",
        "ticket_closed",
        "complaint_opened",
        "complaint_closed",
        "satisfaction",
    ];
    prop::collection::vec((0..EVENTS.len(), 60_i64..20 * 86_400, 0_u8..=10), 1..40).prop_map(
        |raw| {
            let mut at = START;
            raw.into_iter()
                .map(|(event, gap, rating)| {
                    at += gap;
                    let id = EVENTS[event];
                    (at, id, (id == "satisfaction").then_some(f64::from(rating)))
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `observe` is folding the event, settling the journey from the stored
    /// state and deciding for the journey's stage: its signals are the
    /// model's definitions over the events so far, its step is `advance`'s
    /// and its decision `decide_in`'s, with the history before the event.
    #[test]
    fn observe_is_fold_then_advance_then_decide_in(events in built_in_events()) {
        let engine = built_in();
        let mut scratch = engine.scratch();
        let mut other = engine.scratch();
        let mut customer = Customer::new();
        for (i, &(at, id, value)) in events.iter().enumerate() {
            let now = Timestamp::from_unix_seconds(at);
            let event = value.map_or(Event::new(id, now), |v| Event::new(id, now).with_value(v));
            let before = customer.clone();
            let seen = engine.observe(&mut customer, event, now, &mut scratch).unwrap();
            let signals: Vec<Option<f64>> = engine
                .schema()
                .iter()
                .map(|signal| match seen.signals.get(signal.id()) {
                    Some(Value::Number(value)) => Some(value),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(&signals, &built_in_reference(&events[..=i], at));

            let step = engine.advance(&before.journey, seen.signals, now, &mut other).unwrap();
            prop_assert_eq!(&seen.step, &step);
            prop_assert_eq!(&customer.journey, &step.state);
            let stage = engine.model().find(step.state.stage().unwrap()).unwrap();
            let decided = engine
                .decide_in(stage, seen.signals, &before.history, now, &mut other)
                .unwrap()
                .to_record();
            prop_assert_eq!(seen.decision.to_record(), decided);

            for suggestion in seen.decision.actions() {
                customer.record_shown(suggestion.action(), now);
            }
        }
    }
}

/// A stored journey state in a stage the model lacks is an error before
/// anything changes: the event is not folded.
#[test]
fn a_stored_stage_the_model_lacks_changes_nothing() {
    let engine = built_in();
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    observe(&engine, &mut customer, "review_read", day(0), &mut scratch);
    customer.journey = buyer_journey::JourneyState::in_stage("checkout", day(0));
    let before = customer.clone();
    let err = engine
        .observe(
            &mut customer,
            Event::new("cart_add", day(1)),
            day(1),
            &mut scratch,
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "state.stage: unknown stage 'checkout'");
    assert_eq!(customer, before);
    let err = engine
        .refresh(&mut customer, day(2), &mut scratch)
        .unwrap_err();
    assert_eq!(err.to_string(), "state.stage: unknown stage 'checkout'");
    assert_eq!(customer, before);
}

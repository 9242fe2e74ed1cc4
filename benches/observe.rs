//! `Engine::observe` on the built-in model: one event of a customer folded
//! into their profile, the journey settled and the actions ranked for the
//! journey's stage, beside `advance` + `decide` alone on the signals the
//! event leads to (what a host that keeps its own signals calls). The ratio
//! is the cost of the profile: folding the event and deriving the signals.
//!
//! Each of 2,048 customers has a history of 30 events (shown actions
//! recorded as the `replay` example does, so contact policies apply).
//! `observe` then takes each customer's next event, round after round, so
//! that the customers live on as a host keeps them; `advance` + `decide_in`
//! go round after round through the states and signals of the next eight
//! events, as `observe` derives them, checked to decide alike.
//!
//! Run with `cargo bench --bench observe`.

use std::hint::black_box;

use buyer_journey::{models, Customer, Engine, Event, JourneyState, SignalRecord, Span, Timestamp};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CUSTOMERS: usize = 2_048;
const HISTORY: usize = 30;
/// How many rounds of signals `advance` + `decide_in` go through.
const ROUNDS: usize = 8;

/// A small deterministic generator, so every run sees the same customers.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        // `n` is small; the remainder's bias does not matter here.
        #[allow(clippy::cast_possible_truncation)]
        let pick = (self.next() % n as u64) as usize;
        pick
    }
}

/// Events in a loose funnel order, with after-purchase events and a
/// satisfaction rating now and then.
fn event_log(
    random: &mut XorShift,
    start: Timestamp,
) -> Vec<(Timestamp, &'static str, Option<f64>)> {
    const FUNNEL: [&str; 12] = [
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
    ];
    const AFTER: [&str; 5] = [
        "ticket_opened",
        "ticket_closed",
        "complaint_opened",
        "complaint_closed",
        "satisfaction",
    ];
    let mut at = start;
    let mut step = 0;
    (0..=HISTORY)
        .map(|_| {
            at = at + Span::minutes(10 + 60 * random.below(48) as u64);
            let event = if step < FUNNEL.len() && random.below(5) > 0 {
                let event = FUNNEL[step.min(FUNNEL.len() - 1)];
                step += random.below(3);
                event
            } else {
                step = random.below(4);
                AFTER[random.below(AFTER.len())]
            };
            let value = (event == "satisfaction").then(|| random.below(11) as f64);
            (at, event, value)
        })
        .collect()
}

/// The event of `round` in a stream that repeats `log` again and again,
/// each time later than the last.
fn in_stream(
    log: &[(Timestamp, &'static str, Option<f64>)],
    round: usize,
) -> (Timestamp, &'static str, Option<f64>) {
    let (at, id, value) = log[round % log.len()];
    let period = log[log.len() - 1].0.since(log[0].0).as_seconds() + 86_400;
    (
        at + Span::seconds(period * (round / log.len()) as u64),
        id,
        value,
    )
}

fn as_event(&(at, id, value): &(Timestamp, &'static str, Option<f64>)) -> Event<'static> {
    let event = Event::new(id, at);
    value.map_or(event, |value| event.with_value(value))
}

fn bench_observe(c: &mut Criterion) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let mut scratch = engine.scratch();
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let start = Timestamp::from_unix_seconds(1_700_000_000);

    // Each customer after their history, and the event to measure.
    let mut customers = Vec::with_capacity(CUSTOMERS);
    let mut logs = Vec::with_capacity(CUSTOMERS);
    for _ in 0..CUSTOMERS {
        let log = event_log(&mut random, start);
        logs.push(log.clone());
        let mut customer = Customer::new();
        for event in &log[..HISTORY] {
            let seen = engine
                .observe(&mut customer, as_event(event), event.0, &mut scratch)
                .expect("generated events are valid");
            for suggestion in seen.decision.actions() {
                customer.record_shown(suggestion.action(), event.0);
            }
        }
        customers.push(customer);
    }

    // What `advance` + `decide` alone are given, for the next rounds of
    // each customer's stream: the state before the event and the signals
    // after it, as `observe` derives them. They must decide exactly as
    // `observe` does.
    let mut inputs: Vec<Vec<(JourneyState, SignalRecord, Timestamp)>> =
        Vec::with_capacity(CUSTOMERS);
    for (customer, log) in customers.iter().zip(&logs) {
        let mut after = customer.clone();
        let mut rounds = Vec::with_capacity(ROUNDS);
        for round in HISTORY..HISTORY + ROUNDS {
            let (at, id, value) = in_stream(log, round);
            let before = after.clone();
            let seen = engine
                .observe(&mut after, as_event(&(at, id, value)), at, &mut scratch)
                .expect("generated events are valid");
            let (step, decision, signals) =
                (seen.step, seen.decision.to_record(), seen.signals.clone());
            let alone = engine
                .advance(&before.journey, &signals, at, &mut scratch)
                .expect("every stage is in the model");
            assert_eq!(alone, step);
            let stage = engine
                .model()
                .find(step.state.stage().expect("placed"))
                .expect("in the model");
            let ranked = engine
                .decide_in(stage, &signals, &before.history, at, &mut scratch)
                .expect("the engine's own stage");
            assert_eq!(ranked.to_record(), decision);
            rounds.push((before.journey, signals, at));
        }
        inputs.push(rounds);
    }

    let mut group = c.benchmark_group("observe/default_model");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    // Each customer's log again and again, every round later than the one
    // before, so that the profiles, journeys and histories live on as a
    // host's do.
    group.bench_function("observe", |b| {
        let mut live = customers.clone();
        let mut round = HISTORY - 1;
        b.iter(|| {
            round += 1;
            let mut stages = 0;
            for (customer, log) in live.iter_mut().zip(&logs) {
                let (at, id, value) = in_stream(log, round);
                let event = as_event(&(at, id, value));
                let seen = engine
                    .observe(customer, black_box(event), at, &mut scratch)
                    .expect("generated events are valid");
                stages += seen.decision.stage().index().as_usize() + seen.decision.actions().len();
            }
            stages
        });
    });
    // Each customer as a host that keeps its own signals has them, round
    // after round: the stored state, the signals after the event and the
    // contact history.
    group.bench_function("advance+decide", |b| {
        let mut round = 0;
        b.iter(|| {
            round += 1;
            let mut stages = 0;
            for (rounds, customer) in inputs.iter().zip(&customers) {
                let (state, signals, at) = &rounds[round % ROUNDS];
                let step = engine
                    .advance(black_box(state), black_box(signals), *at, &mut scratch)
                    .expect("every stage is in the model");
                let stage = engine
                    .model()
                    .find(step.state.stage().expect("placed"))
                    .expect("in the model");
                let decision = engine
                    .decide_in(stage, signals, &customer.history, *at, &mut scratch)
                    .expect("the engine's own stage");
                stages += decision.stage().index().as_usize() + decision.actions().len();
            }
            stages
        });
    });
    group.finish();
}

criterion_group!(benches, bench_observe);
criterion_main!(benches);

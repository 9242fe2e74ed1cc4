//! `Engine::observe` on the built-in model: one event of a customer folded
//! into their profile, the journey settled and the actions ranked for the
//! journey's stage, beside `advance` + `decide` alone on the signals the
//! event leads to (what a host that keeps its own signals calls). The ratio
//! is the cost of the profile: folding the event and deriving the signals.
//!
//! Beside both, `baseline`: `observe` written by hand for the built-in
//! model. The event (an enum, as a host's own code would have it) is folded
//! into plain counters the way the model derives its signals (the cycle's
//! activity counted since the last purchase in ten 3-day buckets, lifetime
//! purchases, the time of the last, open tickets and complaints, the latest
//! rating), the 16 signals are read at the event's time, then the built-in
//! transitions and the stage's actions are the hand-written ones of
//! `benches/hand_written/mod.rs`. It keeps no contact history (it ranks as
//! if nothing had been shown), so it does less than `observe`, which asks
//! the customer's history about each action with a contact policy: a bound,
//! not an equal. Before timing, every customer's derived signals after
//! every event, and their journey (stage, entry time, previous stage,
//! cycles) after every measured round, must be the engine's.
//!
//! Two populations, as in the classify bench: varied customers (group
//! `observe/default_model`), whose events come hours to days apart in a
//! loose funnel order, about five of the eleven activity signals set after
//! an event; and dense ones (`observe/default_model_dense`), whose events
//! come minutes apart, nearly all activity of any kind before a purchase,
//! about seven set.
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

use buyer_journey::{
    models, Customer, Engine, Event, JourneyState, SignalRecord, Span, Timestamp, Value,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

// The observe bench uses the hand-written transitions and actions, not the
// record filling or the generator of the classify bench.
#[allow(dead_code)]
mod hand_written;

use hand_written::{baseline, baseline_advance, baseline_decide_in, PlainState, SIGNALS};

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

/// The funnel's events, in order: the first eleven are counted by the
/// built-in model's eleven activity signals, in the same order.
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

/// The events after a purchase.
const AFTER: [&str; 5] = [
    "ticket_opened",
    "ticket_closed",
    "complaint_opened",
    "complaint_closed",
    "satisfaction",
];

/// Events in a loose funnel order, with after-purchase events and a
/// satisfaction rating now and then, hours to two days apart; or, `dense`,
/// minutes to an hour apart, nearly all of them activity of any kind before
/// a purchase (none ends the cycle), so that most of the cycle's activity
/// signals are set at once.
fn event_log(
    random: &mut XorShift,
    start: Timestamp,
    dense: bool,
) -> Vec<(Timestamp, &'static str, Option<f64>)> {
    let mut at = start;
    let mut step = 0;
    let hours = if dense { 1 } else { 48 };
    (0..=HISTORY)
        .map(|_| {
            at = at + Span::minutes(10 + 60 * random.below(hours) as u64);
            let event = if dense {
                if random.below(12) > 0 {
                    FUNNEL[random.below(FUNNEL.len() - 1)]
                } else {
                    AFTER[random.below(AFTER.len())]
                }
            } else if step < FUNNEL.len() && random.below(5) > 0 {
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

/// An event of the built-in model as a host's own code has it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PlainEvent {
    /// One of the eleven activities of a buying cycle, by its signal's
    /// position.
    Activity(usize),
    Purchase,
    TicketOpened,
    TicketClosed,
    ComplaintOpened,
    ComplaintClosed,
    Satisfaction(f64),
}

impl PlainEvent {
    fn new(id: &str, value: Option<f64>) -> Self {
        match (id, FUNNEL.iter().position(|&event| event == id)) {
            ("purchase", _) => PlainEvent::Purchase,
            (_, Some(activity)) => PlainEvent::Activity(activity),
            ("ticket_opened", _) => PlainEvent::TicketOpened,
            ("ticket_closed", _) => PlainEvent::TicketClosed,
            ("complaint_opened", _) => PlainEvent::ComplaintOpened,
            ("complaint_closed", _) => PlainEvent::ComplaintClosed,
            ("satisfaction", _) => PlainEvent::Satisfaction(value.expect("a rating")),
            _ => panic!("not an event of the built-in model: {id}"),
        }
    }
}

/// The built-in model's 30-day look-back is kept in ten buckets of 3 days,
/// aligned to the epoch.
const BUCKET: i64 = 3 * 86_400;
/// The buckets a window keeps: its ten, and the newest event's.
const SLOTS: i64 = 11;

/// What the built-in model's derived signals keep of a customer's events,
/// as plain counters.
#[derive(Debug, Clone)]
struct PlainProfile {
    /// The activity since the last purchase: bucket `b` (its number since
    /// the epoch) in `slots[b % 11]`, one count per activity, for the
    /// buckets `newest - 10 ..= newest`.
    slots: [[u32; 11]; 11],
    newest: i64,
    purchases: u32,
    /// Unix seconds.
    last_purchase: Option<i64>,
    open_tickets: i64,
    open_complaints: i64,
    satisfaction: Option<f64>,
}

impl PlainProfile {
    fn new() -> Self {
        PlainProfile {
            slots: [[0; 11]; 11],
            newest: i64::MIN,
            purchases: 0,
            last_purchase: None,
            open_tickets: 0,
            open_complaints: 0,
            satisfaction: None,
        }
    }

    /// Folds an event at `at` (Unix seconds; events come in time order).
    fn fold(&mut self, event: PlainEvent, at: i64) {
        match event {
            PlainEvent::Activity(activity) => {
                let bucket = at.div_euclid(BUCKET);
                if bucket > self.newest {
                    // The buckets between are empty, and those the ring
                    // reuses are cleared; a gap of a whole ring clears it.
                    let gap = bucket.saturating_sub(self.newest);
                    if gap >= SLOTS {
                        self.slots = [[0; 11]; 11];
                    } else {
                        for b in self.newest + 1..=bucket {
                            self.slots[slot(b)] = [0; 11];
                        }
                    }
                    self.newest = bucket;
                }
                self.slots[slot(bucket)][activity] += 1;
            }
            PlainEvent::Purchase => {
                // A new buying cycle starts from zero.
                self.slots = [[0; 11]; 11];
                self.newest = i64::MIN;
                self.purchases += 1;
                self.last_purchase = Some(self.last_purchase.map_or(at, |last| last.max(at)));
            }
            PlainEvent::TicketOpened => self.open_tickets += 1,
            PlainEvent::TicketClosed => self.open_tickets -= 1,
            PlainEvent::ComplaintOpened => self.open_complaints += 1,
            PlainEvent::ComplaintClosed => self.open_complaints -= 1,
            PlainEvent::Satisfaction(rating) => self.satisfaction = Some(rating),
        }
    }

    /// The 16 signals at `now` (Unix seconds), in the built-in schema's
    /// order; NaN is missing. An activity counts from its event until its
    /// bucket leaves the window: the buckets from ten before the one `now`
    /// is in.
    fn read(&self, now: i64) -> [f64; 16] {
        let mut values = [0.0; 16];
        if self.newest != i64::MIN {
            let oldest = (now.div_euclid(BUCKET) - 10).max(self.newest - 10);
            for bucket in oldest..=self.newest {
                for (value, &count) in values.iter_mut().zip(&self.slots[slot(bucket)]) {
                    *value += f64::from(count);
                }
            }
        }
        values[11] = f64::from(self.purchases);
        values[12] = self.last_purchase.map_or(f64::NAN, |last| {
            // Unix seconds are exact in an `f64`.
            #[allow(clippy::cast_precision_loss)]
            let days = (now as f64 - last as f64) / 86_400.0;
            days.max(0.0)
        });
        #[allow(clippy::cast_precision_loss)] // small counts
        {
            values[13] = self.open_tickets.max(0) as f64;
            values[14] = self.open_complaints.max(0) as f64;
        }
        values[15] = self.satisfaction.unwrap_or(f64::NAN);
        values
    }
}

/// The slot of `bucket` in a ring of [`SLOTS`].
fn slot(bucket: i64) -> usize {
    // `rem_euclid` of a positive modulus is in `0..SLOTS`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let slot = bucket.rem_euclid(SLOTS) as usize;
    slot
}

/// `observe` written by hand: folds `event` at `at` into `profile`, moves
/// `state` by the built-in transitions and ranks the actions of its stage
/// with an empty contact history. Returns the signals, and the actions'
/// count.
fn plain_observe(
    profile: &mut PlainProfile,
    state: &mut PlainState,
    event: PlainEvent,
    at: i64,
) -> ([f64; 16], usize) {
    profile.fold(event, at);
    let signals = profile.read(at);
    (*state, _) = baseline_advance(state, &signals, at);
    let (_, _, tags) = baseline(&signals);
    let (_, count) = baseline_decide_in(usize::from(state.stage), tags, &signals);
    (signals, count)
}

/// `signals` as plain values in the built-in schema's order; NaN is
/// missing.
fn plain_values(signals: &SignalRecord) -> [f64; 16] {
    SIGNALS.map(|id| match signals.get(id) {
        Some(Value::Number(value)) => value,
        _ => f64::NAN,
    })
}

/// Whether two sets of signals are the same, missing where the other is.
fn same_signals(a: &[f64; 16], b: &[f64; 16]) -> bool {
    a.iter()
        .zip(b)
        .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
}

fn bench_observe(c: &mut Criterion) {
    for (name, dense) in [("default_model", false), ("default_model_dense", true)] {
        bench_population(c, name, dense);
    }
}

/// The three benches on one population of customers: `dense` or varied.
fn bench_population(c: &mut Criterion, name: &str, dense: bool) {
    let engine = Engine::builder(models::buying_process())
        .build()
        .expect("the built-in model is valid");
    let mut scratch = engine.scratch();
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let start = Timestamp::from_unix_seconds(1_700_000_000);

    // Each customer after their history, and the event to measure; and the
    // same customers as the hand-written `observe` keeps them, which must
    // derive the same signals from every event.
    let mut customers = Vec::with_capacity(CUSTOMERS);
    let mut logs = Vec::with_capacity(CUSTOMERS);
    let mut plain_profiles = Vec::with_capacity(CUSTOMERS);
    let mut plain_logs: Vec<Vec<PlainEvent>> = Vec::with_capacity(CUSTOMERS);
    // How many activity signals are set after each event of the histories.
    let mut active = 0;
    for _ in 0..CUSTOMERS {
        let log = event_log(&mut random, start, dense);
        logs.push(log.clone());
        plain_logs.push(
            log.iter()
                .map(|&(_, id, value)| PlainEvent::new(id, value))
                .collect(),
        );
        let mut customer = Customer::new();
        let mut plain = PlainProfile::new();
        for (event, &plain_event) in log[..HISTORY].iter().zip(&plain_logs[plain_logs.len() - 1]) {
            let seen = engine
                .observe(&mut customer, as_event(event), event.0, &mut scratch)
                .expect("generated events are valid");
            plain.fold(plain_event, event.0.unix_seconds());
            let signals = plain.read(event.0.unix_seconds());
            assert!(
                same_signals(&plain_values(seen.signals), &signals),
                "{event:?}: {:?} by hand, {:?} observed",
                signals,
                seen.signals
            );
            for suggestion in seen.decision.actions() {
                customer.record_shown(suggestion.action(), event.0);
            }
            active += signals[..11].iter().filter(|&&n| n >= 1.0).count();
        }
        customers.push(customer);
        plain_profiles.push(plain);
    }
    // Of the eleven activity signals, a varied customer has about five set
    // after an event, a dense one about seven.
    let per_event = active as f64 / (CUSTOMERS * HISTORY) as f64;
    if dense {
        assert!(per_event >= 6.5, "{per_event} activity signals set");
    } else {
        assert!(per_event < 6.0, "{per_event} activity signals set");
    }
    // The hand-written journeys start where the engine's are after the
    // history, as a host's stored states would.
    let stage_index = |id: Option<&str>| -> u8 {
        let stage = engine
            .model()
            .find(id.expect("placed"))
            .expect("in the model");
        u8::try_from(stage.index().as_usize()).expect("five stages")
    };
    let plain_state = |state: &JourneyState| PlainState {
        stage: stage_index(state.stage()),
        entered: state.entered().unix_seconds(),
        previous: state.previous().map(|id| stage_index(Some(id))),
        cycles: state.cycles(),
    };
    let plain_customers: Vec<(PlainProfile, PlainState)> = plain_profiles
        .into_iter()
        .zip(&customers)
        .map(|(profile, customer)| (profile, plain_state(&customer.journey)))
        .collect();

    // What `advance` + `decide` alone are given, for the next rounds of
    // each customer's stream: the state before the event and the signals
    // after it, as `observe` derives them. They must decide exactly as
    // `observe` does. The hand-written `observe` must derive the same
    // signals and move the journey the same way, round after round.
    let mut inputs: Vec<Vec<(JourneyState, SignalRecord, Timestamp)>> =
        Vec::with_capacity(CUSTOMERS);
    let mut moved = 0;
    for ((customer, log), (plain_log, plain)) in customers
        .iter()
        .zip(&logs)
        .zip(plain_logs.iter().zip(&plain_customers))
    {
        let mut after = customer.clone();
        let (mut plain_profile, mut plain_journey) = plain.clone();
        let mut rounds = Vec::with_capacity(ROUNDS);
        for round in HISTORY..HISTORY + ROUNDS {
            let (at, id, value) = in_stream(log, round);
            let before = after.clone();
            let seen = engine
                .observe(&mut after, as_event(&(at, id, value)), at, &mut scratch)
                .expect("generated events are valid");
            let (signals, _) = plain_observe(
                &mut plain_profile,
                &mut plain_journey,
                plain_log[round % plain_log.len()],
                at.unix_seconds(),
            );
            assert!(
                same_signals(&plain_values(seen.signals), &signals),
                "{id} at {at:?}: {signals:?} by hand, {:?} observed",
                seen.signals
            );
            assert_eq!(
                plain_state(&seen.step.state),
                plain_journey,
                "{id} at {at:?}"
            );
            moved += usize::from(seen.step.moved());
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
    // The rounds move some journeys, not only keep them: about one in forty
    // events does for varied customers; dense ones, who reach their
    // furthest activity within their history and buy nothing, move rarely.
    if dense {
        assert!(moved > 0, "no moves");
    } else {
        assert!(moved * 100 > CUSTOMERS * ROUNDS, "{moved} moves");
    }

    let mut group = c.benchmark_group(format!("observe/{name}"));
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
    // The same customers, events and rounds as `observe`, by hand.
    group.bench_function("baseline", |b| {
        let mut live = plain_customers.clone();
        let mut round = HISTORY - 1;
        b.iter(|| {
            round += 1;
            let mut stages = 0;
            for ((profile, state), (log, plain_log)) in
                live.iter_mut().zip(logs.iter().zip(&plain_logs))
            {
                let (at, _, _) = in_stream(log, round);
                let event = plain_log[round % plain_log.len()];
                let (_, actions) =
                    plain_observe(profile, state, black_box(event), at.unix_seconds());
                stages += usize::from(state.stage) + actions;
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

//! Signals derived from events: every derivation against a closed-form
//! reference over generated event sequences, and the same signals whatever
//! the order the events arrive in within the tolerance.

use buyer_journey::{
    Customer, Derivation, Engine, ErrorKind, Event, EventSpec, RulesetSpec, Scratch, SignalSpec,
    Span, StageSpec, Tally, Timestamp, Value, ValueRange,
};
use proptest::prelude::*;

use crate::support::build;

/// The tolerance of the test ruleset, in seconds.
const TOLERANCE: i64 = 60;
/// Windows of 100 seconds: ten buckets of 10 seconds.
const WINDOW: u64 = 100;
const HALF_LIFE: u64 = 50;

/// The event types, in declaration order (which orders events at the same
/// second).
const EVENTS: [&str; 5] = ["a", "b", "reset", "v", "w"];

/// A ruleset with every derivation over five event types.
fn every_derivation() -> RulesetSpec {
    let count = |id: &str, tally: Tally| SignalSpec::count(id).from(Derivation::Count(tally));
    let number = |id: &str, derivation: Derivation| SignalSpec::number(id).from(derivation);
    let window = Span::seconds(WINDOW);
    let names = |ids: &[&str]| ids.iter().map(|&id| id.to_owned()).collect::<Vec<_>>();
    let mut spec = RulesetSpec::new(
        vec![
            count("a_total", Tally::of(&["a"])),
            count("a_window", Tally::of(&["a"]).within(window)),
            count("ab_cycle", Tally::of(&["a", "b"]).since("reset")),
            count("a_both", Tally::of(&["a"]).since("reset").within(window)),
            number("v_sum", Derivation::Sum(Tally::of(&["v"]))),
            number(
                "v_recent_cycle",
                Derivation::Sum(
                    Tally::of(&["v"])
                        .since("reset")
                        .within(Span::seconds(1_000)),
                ),
            ),
            number(
                "days_since_a",
                Derivation::DaysSince {
                    events: names(&["a"]),
                },
            ),
            SignalSpec::count("open").from(Derivation::Balance {
                add: names(&["a"]),
                subtract: names(&["b"]),
            }),
            number(
                "net",
                Derivation::Balance {
                    add: names(&["a"]),
                    subtract: names(&["b"]),
                },
            ),
            number(
                "last_w",
                Derivation::Latest {
                    events: names(&["w"]),
                },
            ),
            number(
                "score",
                Derivation::Decayed {
                    events: names(&["a", "v"]),
                    half_life: Span::seconds(HALF_LIFE),
                },
            ),
            SignalSpec::count("host_supplied"),
        ],
        vec![StageSpec::new("only", "Only", "")],
    );
    spec.events = vec![
        EventSpec::new("a"),
        EventSpec::new("b"),
        EventSpec::new("reset"),
        EventSpec::new("v").carrying(ValueRange::any()),
        EventSpec::new("w").carrying(ValueRange::between(0.0, 10.0)),
    ];
    spec.event_tolerance = Span::seconds(TOLERANCE.unsigned_abs());
    spec
}

/// One generated event: its type (an index into [`EVENTS`]), time and value.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Generated {
    event: usize,
    at: i64,
    value: Option<f64>,
}

impl Generated {
    fn as_event(&self) -> Event<'static> {
        let event = Event::new(EVENTS[self.event], Timestamp::from_unix_seconds(self.at));
        match self.value {
            Some(value) => event.with_value(value),
            None => event,
        }
    }
}

/// Events at distinct times 5 to 40 seconds apart, so that fewer than the
/// 16 that may wait fit in the tolerance, each with the value its type
/// needs.
fn events() -> impl Strategy<Value = Vec<Generated>> {
    prop::collection::vec((0..EVENTS.len(), 5_i64..40, -50.0..50.0_f64), 1..60).prop_map(|raw| {
        let mut at = 1_700_000_000;
        raw.into_iter()
            .map(|(event, gap, value)| {
                at += gap;
                let value = match EVENTS[event] {
                    "v" => Some((value * 4.0).round() / 4.0),
                    "w" => Some((value.abs() / 5.0).floor()),
                    _ => None,
                };
                Generated { event, at, value }
            })
            .collect()
    })
}

/// The signals the closed-form definitions give for `events` (in time
/// order) at `now`, by signal id; `None` is missing.
fn reference(events: &[Generated], now: i64) -> Vec<(&'static str, Option<f64>)> {
    let now = events
        .iter()
        .map(|e| e.at)
        .max()
        .map_or(now, |newest| now.max(newest));
    let of = |ids: &[&str]| -> Vec<Generated> {
        events
            .iter()
            .filter(|e| ids.contains(&EVENTS[e.event]))
            .copied()
            .collect()
    };
    let last_reset = events.iter().rposition(|e| EVENTS[e.event] == "reset");
    let in_cycle = |e: &Generated| {
        let position = events.iter().position(|other| other == e).unwrap();
        last_reset.is_none_or(|reset| position > reset)
    };
    // An event counts in a window of ten 10-second buckets while its
    // bucket is one of the last ten before the bucket of `now`, or that one.
    let in_window =
        |e: &Generated, width: i64| e.at.div_euclid(width) >= now.div_euclid(width) - 10;
    let count = |list: Vec<Generated>| list.len() as f64;
    let sum = |list: Vec<Generated>| list.iter().map(|e| e.value.unwrap()).sum::<f64>();
    let a = of(&["a"]);
    let b = of(&["b"]);
    let last_a = a.iter().map(|e| e.at).max();
    let score: f64 = of(&["a", "v"])
        .iter()
        .map(|e| {
            let elapsed = (now - e.at).max(0) as f64;
            e.value.unwrap_or(1.0) * (-elapsed / HALF_LIFE as f64).exp2()
        })
        .sum();
    let net = a.len() as f64 - b.len() as f64;
    vec![
        ("a_total", Some(count(a.clone()))),
        (
            "a_window",
            Some(count(
                a.iter().filter(|e| in_window(e, 10)).copied().collect(),
            )),
        ),
        (
            "ab_cycle",
            Some(count(
                of(&["a", "b"]).into_iter().filter(in_cycle).collect(),
            )),
        ),
        (
            "a_both",
            Some(count(
                a.iter()
                    .filter(|e| in_cycle(e) && in_window(e, 10))
                    .copied()
                    .collect(),
            )),
        ),
        ("v_sum", Some(sum(of(&["v"])))),
        (
            "v_recent_cycle",
            Some(sum(of(&["v"])
                .into_iter()
                .filter(|e| in_cycle(e) && in_window(e, 100))
                .collect())),
        ),
        (
            "days_since_a",
            last_a.map(|at| (now - at).max(0) as f64 / 86_400.0),
        ),
        ("open", Some(net.max(0.0))),
        ("net", Some(net)),
        ("last_w", of(&["w"]).last().and_then(|e| e.value)),
        ("score", Some(score)),
        ("host_supplied", None),
    ]
}

/// Observes `events` in the order given, then reads every signal at `now`.
fn replay(engine: &Engine, events: &[Generated], now: i64) -> Vec<(String, Option<f64>)> {
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    for event in events {
        engine
            .observe(
                &mut customer,
                event.as_event(),
                Timestamp::from_unix_seconds(event.at),
                &mut scratch,
            )
            .unwrap_or_else(|e| panic!("{event:?} is folded: {e}"));
    }
    read(engine, &mut customer, now, &mut scratch)
}

fn read(
    engine: &Engine,
    customer: &mut Customer,
    now: i64,
    scratch: &mut Scratch,
) -> Vec<(String, Option<f64>)> {
    let seen = engine
        .refresh(customer, Timestamp::from_unix_seconds(now), scratch)
        .unwrap();
    engine
        .schema()
        .iter()
        .map(|signal| {
            let value = match seen.signals.get(signal.id()) {
                Some(Value::Number(value)) => Some(value),
                None => None,
                Some(other) => panic!("{} is {other:?}", signal.id()),
            };
            (signal.id().to_owned(), value)
        })
        .collect()
}

fn assert_matches_reference(found: &[(String, Option<f64>)], expected: &[(&str, Option<f64>)]) {
    assert_eq!(found.len(), expected.len());
    for ((id, found), (expected_id, expected)) in found.iter().zip(expected) {
        assert_eq!(id, expected_id);
        match (found, expected) {
            (Some(found), Some(expected)) if *id == "score" => assert!(
                (found - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                "score {found} against {expected}"
            ),
            _ => assert_eq!(found, expected, "{id}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// In time order, every derivation is its closed-form definition, read
    /// right after the last event and at times later on, across the edges
    /// of the windows.
    #[test]
    fn each_derivation_matches_its_definition(events in events(), later in 0_i64..400) {
        let engine = build(every_derivation());
        let newest = events.last().unwrap().at;
        for now in [newest, newest + later, newest + 95, newest + 100, newest + 110] {
            assert_matches_reference(&replay(&engine, &events, now), &reference(&events, now));
        }
    }

    /// Events arriving late by less than the tolerance give exactly the
    /// signals they give in order: each arrives after any event more than
    /// the tolerance newer than itself.
    #[test]
    fn the_order_within_the_tolerance_does_not_matter(
        events in events(),
        jitter in prop::collection::vec(0..TOLERANCE, 60),
        later in 0_i64..400,
    ) {
        let engine = build(every_derivation());
        let mut shuffled: Vec<(i64, Generated)> =
            events.iter().zip(&jitter).map(|(e, j)| (e.at + j, *e)).collect();
        shuffled.sort_by_key(|(arrival, _)| *arrival);
        let shuffled: Vec<Generated> = shuffled.into_iter().map(|(_, e)| e).collect();
        let now = events.last().unwrap().at + later;
        prop_assert_eq!(replay(&engine, &shuffled, now), replay(&engine, &events, now));
    }

    /// A profile stored and restored at any point goes on exactly as the
    /// one kept in memory.
    #[test]
    fn a_restored_profile_goes_on_as_the_original(events in events(), cut in 0_usize..60) {
        let engine = build(every_derivation());
        let cut = cut.min(events.len());
        let mut scratch = engine.scratch();
        let mut kept = Customer::new();
        for event in &events[..cut] {
            let at = Timestamp::from_unix_seconds(event.at);
            engine.observe(&mut kept, event.as_event(), at, &mut scratch).unwrap();
        }
        let stored = serde_json::to_string(&kept).unwrap();
        let mut restored: Customer = serde_json::from_str(&stored).unwrap();
        prop_assert_eq!(&restored, &kept);
        for event in &events[cut..] {
            let at = Timestamp::from_unix_seconds(event.at);
            engine.observe(&mut kept, event.as_event(), at, &mut scratch).unwrap();
            engine.observe(&mut restored, event.as_event(), at, &mut scratch).unwrap();
        }
        let now = events.last().unwrap().at + 30;
        let restored_signals = read(&engine, &mut restored, now, &mut scratch);
        prop_assert_eq!(restored_signals, read(&engine, &mut kept, now, &mut scratch));
    }
}

#[test]
fn an_event_older_than_the_folded_ones_is_refused_and_changes_nothing() {
    let engine = build(every_derivation());
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    let at = Timestamp::from_unix_seconds;
    for seconds in [1_000, 1_010, 1_200] {
        engine
            .observe(
                &mut customer,
                Event::new("a", at(seconds)),
                at(seconds),
                &mut scratch,
            )
            .unwrap();
    }
    // The first two are now past the tolerance behind 1,200 and folded.
    let before = customer.clone();
    let err = engine
        .observe(
            &mut customer,
            Event::new("a", at(1_005)),
            at(1_200),
            &mut scratch,
        )
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::TooLate { .. }));
    assert_eq!(
        err.to_string(),
        "event.at: event 'a' at @1005 arrived too late: this customer's events are folded up to \
         @1010, and events may be late by at most 60 seconds (the ruleset's event_tolerance)"
    );
    assert_eq!(customer, before);
    // Later than the folded ones, though behind the newest: folded in place.
    engine
        .observe(
            &mut customer,
            Event::new("a", at(1_150)),
            at(1_200),
            &mut scratch,
        )
        .unwrap();
    let signals = read(&engine, &mut customer, 1_200, &mut scratch);
    assert_eq!(signals[0], ("a_total".to_owned(), Some(4.0)));
}

#[test]
fn bad_events_are_clear_errors_that_change_nothing() {
    let engine = build(every_derivation());
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    let at = Timestamp::from_unix_seconds(1_000);
    engine
        .observe(&mut customer, Event::new("a", at), at, &mut scratch)
        .unwrap();
    let before = customer.clone();
    for (event, message) in [
        (
            Event::new("aa", at),
            "event: unknown event 'aa', did you mean 'a'?",
        ),
        (
            Event::new("a", at).with_value(1.0),
            "event.value: event 'a' carries no value",
        ),
        (Event::new("v", at), "event.value: event 'v' needs a value"),
        (
            Event::new("v", at).with_value(f64::NAN),
            "event.value: event 'v' got NaN, but values must be finite numbers",
        ),
        (
            Event::new("w", at).with_value(11.0),
            "event.value: event 'w' got 11, outside 0 to 10",
        ),
    ] {
        let err = engine
            .observe(&mut customer, event, at, &mut scratch)
            .unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(customer, before);
    }
}

#[test]
fn a_profile_of_other_derivations_is_refused() {
    let engine = build(every_derivation());
    let mut scratch = engine.scratch();
    let mut customer = Customer::new();
    let at = Timestamp::from_unix_seconds(1_000);
    engine
        .observe(&mut customer, Event::new("a", at), at, &mut scratch)
        .unwrap();

    let mut changed = every_derivation();
    changed.event_tolerance = Span::seconds(61);
    let other = build(changed);
    let before = customer.clone();
    let err = other
        .observe(&mut customer, Event::new("a", at), at, &mut other.scratch())
        .unwrap_err();
    assert!(err
        .to_string()
        .starts_with("profile: the profile was built by other event derivations"));
    assert_eq!(customer, before);

    // Rules, actions and host-supplied signals may change.
    let mut renamed = every_derivation();
    renamed.stages[0].name = "The only one".to_owned();
    renamed.signals.push(SignalSpec::flag("vip"));
    let same = build(renamed);
    assert!(same
        .observe(&mut customer, Event::new("a", at), at, &mut same.scratch())
        .is_ok());
}

#[test]
fn derivations_are_validated_where_they_are_written() {
    type Change = Box<dyn Fn(&mut RulesetSpec)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|spec| spec.signals[0].from = Some(Derivation::Count(Tally::of(&["c"])))),
            "signals[0].from.count.events[0]: unknown event 'c', did you mean 'a'?",
        ),
        (
            Box::new(|spec| spec.signals[0].from = Some(Derivation::Count(Tally::of(&[])))),
            "signals[0].from.count.events: name at least one event",
        ),
        (
            Box::new(|spec| spec.signals[0].from = Some(Derivation::Count(Tally::of(&["a", "a"])))),
            "signals[0].from.count.events[1]: event 'a' is listed twice",
        ),
        (
            Box::new(|spec| {
                spec.signals[0].from = Some(Derivation::Count(Tally::of(&["a"]).since("rest")));
            }),
            "signals[0].from.count.since: unknown event 'rest', did you mean 'reset'?",
        ),
        (
            Box::new(|spec| {
                spec.signals[1].from = Some(Derivation::Count(
                    Tally::of(&["a"]).within(Span::seconds(15)),
                ));
            }),
            "signals[1].from.count.within: a window is kept in ten buckets of whole seconds, so \
             it must be a multiple of 10 seconds, got 15s",
        ),
        (
            Box::new(|spec| spec.signals[4].from = Some(Derivation::Sum(Tally::of(&["a"])))),
            "signals[4].from.sum.events[0]: event 'a' carries no value: declare one (\"value\": \
             {}) or use another derivation",
        ),
        (
            Box::new(|spec| spec.signals[0].from = Some(Derivation::Sum(Tally::of(&["v"])))),
            "signals[0].from.sum: signal 'a_total' is a count, but a sum derivation gives a \
             number",
        ),
        (
            Box::new(|spec| {
                spec.signals[7].from = Some(Derivation::Balance {
                    add: vec!["a".into()],
                    subtract: vec!["a".into()],
                });
            }),
            "signals[7].from.balance.subtract: event 'a' both adds and subtracts",
        ),
        (
            Box::new(|spec| {
                spec.signals[10].from = Some(Derivation::Decayed {
                    events: vec!["a".into()],
                    half_life: Span::ZERO,
                });
            }),
            "signals[10].from.decayed.half_life: a half-life must be longer than zero",
        ),
        (
            // A new event, so no signal loses the one it counts and is
            // listed first, at its place in the ruleset.
            Box::new(|spec| spec.events.push(EventSpec::new("a"))),
            "events[5].id: event 'a' is declared twice",
        ),
        (
            Box::new(|spec| spec.events.push(EventSpec::new("A"))),
            "events[5].id: 'A' is not a snake_case id (a lowercase letter, then lowercase \
             letters, digits or '_')",
        ),
        (
            Box::new(|spec| spec.events[4].value = Some(ValueRange::between(10.0, 0.0))),
            "events[4].value: min 10 is above max 0",
        ),
    ];
    for (change, message) in cases {
        let mut spec = every_derivation();
        change(&mut spec);
        let err = Engine::builder(spec).build().unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn rulesets_with_events_are_plain_documents() {
    let spec = every_derivation();
    let json = serde_json::to_string(&spec).unwrap();
    assert!(
        json.contains(r#""from":{"count":{"events":["a"],"within":"1m40s"}}"#),
        "{json}"
    );
    let back: RulesetSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
}

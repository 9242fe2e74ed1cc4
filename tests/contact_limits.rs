//! Contact policy across actions and over time: customer-level contact
//! limits, suppression after rejections, dismissals that expire and showings
//! ignored for a response window, each at every boundary, with `decide` and
//! `explain` agreeing on each; the stored forms of the contact log, old and
//! new; and the bound on a customer's history under many responses.

use buyer_journey::{
    ActionSpec, Arbitration, ContactHistory, ContactLimitSpec, ContactLog, Customer, Engine,
    Outcome, Reason, Response, RulesetSpec, SignalSpec, Span, StageSpec, Timestamp,
};

use crate::support::{build, build_fails, XorShift};

/// A Tuesday in November 2023: the time the tests start from.
const T: i64 = 1_700_000_000;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

/// One stage, `browse`, with `actions` and `limits`; up to ten
/// suggestions, any number of one group, so only contact decides.
fn ruleset(actions: Vec<ActionSpec>, limits: Vec<ContactLimitSpec>) -> RulesetSpec {
    let mut spec = RulesetSpec::new(
        vec![SignalSpec::count("visits")],
        vec![StageSpec::new("browse", "Browse", "")],
    );
    spec.actions = actions;
    spec.contact_limits = limits;
    spec.arbitration = Arbitration::new(10, 10);
    spec
}

fn action(id: &str, group: &str) -> ActionSpec {
    ActionSpec::new(id, "mail", &["browse"], 10.0).group(group)
}

/// The ids `decide` suggests at `now`, after checking that `explain`
/// suggests the same.
fn suggested(engine: &Engine, history: &dyn ContactHistory, now: Timestamp) -> Vec<String> {
    let customer = engine.record();
    let mut scratch = engine.scratch();
    let fast: Vec<String> = engine
        .decide(&customer, history, now, &mut scratch)
        .actions()
        .map(|suggestion| suggestion.id().to_owned())
        .collect();
    let explained: Vec<String> = engine
        .explain(&customer, history, now)
        .suggested()
        .map(|trace| trace.id.clone())
        .collect();
    assert_eq!(fast, explained, "decide and explain disagree at {now}");
    fast
}

/// Why `explain` did not suggest action `id` at `now`; empty if it did.
fn reasons(engine: &Engine, history: &dyn ContactHistory, now: Timestamp, id: &str) -> Vec<Reason> {
    let explanation = engine.explain(&engine.record(), history, now);
    let trace = explanation
        .actions
        .iter()
        .find(|trace| trace.id == id)
        .unwrap();
    match &trace.outcome {
        Outcome::Suggested { .. } => Vec::new(),
        Outcome::NotSuggested { reasons } => reasons.clone(),
        other => panic!("unexpected outcome {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Customer-level contact limits
// ---------------------------------------------------------------------------

fn weekly_limit_engine() -> Engine {
    build(ruleset(
        vec![action("a", "mail"), action("b", "web")],
        vec![ContactLimitSpec::new("weekly", 3, Span::days(7))],
    ))
}

#[test]
fn a_contact_limit_holds_back_every_action_at_exactly_its_times() {
    let engine = weekly_limit_engine();
    let now = at(T);
    let mut log = ContactLog::new();
    let expect = |log: &ContactLog, contacts: u32| {
        let ids = suggested(&engine, log, now);
        if contacts < 3 {
            assert_eq!(ids, ["a", "b"], "after {contacts} contacts");
            assert!(reasons(&engine, log, now, "a").is_empty());
        } else {
            assert!(ids.is_empty(), "after {contacts} contacts");
            let limit = Reason::ContactLimit {
                limit: "weekly".into(),
                contacts,
                times: 3,
                window: Span::days(7),
            };
            assert_eq!(
                reasons(&engine, log, now, "a"),
                std::slice::from_ref(&limit)
            );
            assert_eq!(reasons(&engine, log, now, "b"), [limit]);
        }
    };
    expect(&log, 0);
    // Contacts of either action count: times - 1, times, times + 1.
    let shows = [("a", 1), ("b", 2), ("a", 3), ("b", 4)];
    for (n, (id, hours)) in shows.into_iter().enumerate() {
        log.record_shown(id, now.before(Span::hours(hours)));
        expect(&log, u32::try_from(n + 1).unwrap());
    }
}

#[test]
fn a_contact_exactly_one_window_ago_no_longer_counts() {
    let engine = weekly_limit_engine();
    let now = at(T);
    let mut log = ContactLog::new();
    log.record_shown("a", now.before(Span::days(1)));
    log.record_shown("b", now.before(Span::days(2)));
    log.record_shown("a", now.before(Span::days(7)));
    assert_eq!(suggested(&engine, &log, now), ["a", "b"]);

    let mut inside = ContactLog::new();
    inside.record_shown("a", now.before(Span::days(1)));
    inside.record_shown("b", now.before(Span::days(2)));
    inside.record_shown("a", now.before(Span::days(7)) + Span::seconds(1));
    assert!(suggested(&engine, &inside, now).is_empty());
    // One second later that contact has left the window too.
    assert_eq!(
        suggested(&engine, &inside, now + Span::seconds(1)),
        ["a", "b"]
    );
}

#[test]
fn a_contact_limit_over_a_group_counts_and_holds_back_that_group_only() {
    let engine = build(ruleset(
        vec![
            action("news", "email"),
            action("offer", "email"),
            action("banner", "web"),
        ],
        vec![ContactLimitSpec::new("one_email_a_day", 1, Span::days(1)).group("email")],
    ));
    let now = at(T);
    let mut log = ContactLog::new();
    // Web contacts do not count towards the email limit.
    for hours in 1..5 {
        log.record_shown("banner", now.before(Span::hours(hours)));
    }
    assert_eq!(suggested(&engine, &log, now), ["news", "offer", "banner"]);
    log.record_shown("news", now.before(Span::hours(23)));
    assert_eq!(suggested(&engine, &log, now), ["banner"]);
    assert_eq!(
        reasons(&engine, &log, now, "offer"),
        [Reason::ContactLimit {
            limit: "one_email_a_day".into(),
            contacts: 1,
            times: 1,
            window: Span::days(1),
        }]
    );
    assert_eq!(
        suggested(&engine, &log, now + Span::hours(1)),
        ["news", "offer", "banner"]
    );
}

#[test]
fn every_limit_reached_is_named_and_showings_outside_the_catalog_do_not_count() {
    let engine = build(ruleset(
        vec![action("a", "email")],
        vec![
            ContactLimitSpec::new("daily", 1, Span::days(1)),
            ContactLimitSpec::new("emails", 2, Span::days(30)).group("email"),
        ],
    ));
    let now = at(T);
    let mut log = ContactLog::new();
    log.record_shown("retired", now.before(Span::hours(1)));
    assert_eq!(suggested(&engine, &log, now), ["a"]);
    log.record_shown("a", now.before(Span::days(3)));
    log.record_shown("a", now.before(Span::hours(2)));
    let found = reasons(&engine, &log, now, "a");
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0].to_string(),
        "contact limit 'daily' reached: 1 contacts in the last 1d, the limit is 1"
    );
    assert_eq!(
        found[1].to_string(),
        "contact limit 'emails' reached: 2 contacts in the last 30d, the limit is 2"
    );
}

// ---------------------------------------------------------------------------
// Suppression after rejections
// ---------------------------------------------------------------------------

fn suppressing_engine() -> Engine {
    build(ruleset(
        vec![
            action("pitch", "sales").suppress(3, Span::days(30), Span::days(14)),
            action("help", "care"),
        ],
        Vec::new(),
    ))
}

#[test]
fn a_suppression_starts_at_the_rejection_that_reaches_its_count() {
    let engine = suppressing_engine();
    let third = at(T);
    let mut log = ContactLog::new();
    log.record_dismissed("pitch", third.before(Span::days(20)));
    log.record_dismissed("pitch", third.before(Span::days(10)));
    // Two rejections, one short: still shown, up to the third.
    assert_eq!(suggested(&engine, &log, third), ["pitch", "help"]);
    log.record_dismissed("pitch", third);
    assert_eq!(
        suggested(&engine, &log, third.before(Span::seconds(1))),
        ["pitch", "help"]
    );
    assert_eq!(suggested(&engine, &log, third), ["help"]);
    let until = third + Span::days(14);
    assert_eq!(
        reasons(&engine, &log, third, "pitch"),
        [Reason::Suppressed {
            rejections: 3,
            since: third,
            until,
        }]
    );
    assert_eq!(
        Reason::Suppressed {
            rejections: 3,
            since: third,
            until,
        }
        .to_string(),
        format!("rejected 3 times by {third}, hidden until {until}")
    );
    // The hide span ends exactly at `until`.
    assert_eq!(
        suggested(&engine, &log, until.before(Span::seconds(1))),
        ["help"]
    );
    assert_eq!(suggested(&engine, &log, until), ["pitch", "help"]);
}

#[test]
fn a_rejection_exactly_one_window_before_does_not_count() {
    let engine = suppressing_engine();
    let third = at(T);
    let window = Span::days(30);
    let mut out = ContactLog::new();
    let mut inside = ContactLog::new();
    for log in [&mut out, &mut inside] {
        log.record_dismissed("pitch", third.before(Span::days(5)));
        log.record_dismissed("pitch", third);
    }
    out.record_dismissed("pitch", third.before(window));
    inside.record_dismissed("pitch", third.before(window) + Span::seconds(1));
    let now = third + Span::days(1);
    assert_eq!(suggested(&engine, &out, now), ["pitch", "help"]);
    assert_eq!(suggested(&engine, &inside, now), ["help"]);
}

#[test]
fn a_later_rejection_extends_a_suppression_and_an_old_one_does_not_revive_it() {
    let engine = suppressing_engine();
    let mut log = ContactLog::new();
    for day in [0, 1, 2, 3] {
        log.record_dismissed("pitch", at(T) + Span::days(day));
    }
    // The fourth rejection also has three within its window: it runs from
    // day 3.
    let until = at(T) + Span::days(17);
    assert_eq!(
        reasons(&engine, &log, at(T) + Span::days(16), "pitch"),
        [Reason::Suppressed {
            rejections: 4,
            since: at(T) + Span::days(3),
            until,
        }]
    );
    assert_eq!(suggested(&engine, &log, until), ["pitch", "help"]);
    // A single rejection later is not enough for a new one.
    log.record_dismissed("pitch", at(T) + Span::days(40));
    assert_eq!(
        suggested(&engine, &log, at(T) + Span::days(40)),
        ["pitch", "help"]
    );
}

// ---------------------------------------------------------------------------
// Dismissals that expire
// ---------------------------------------------------------------------------

#[test]
fn a_dismissal_stops_counting_exactly_when_it_expires() {
    let engine = build(ruleset(
        vec![
            action("x", "mail")
                .max_dismissals(2)
                .dismissals_expire(Span::days(10)),
            action("y", "web"),
        ],
        Vec::new(),
    ));
    let first = at(T);
    let mut log = ContactLog::new();
    log.record_dismissed("x", first);
    log.record_dismissed("x", first + Span::days(3));
    let expires = first + Span::days(10);
    let before = expires.before(Span::seconds(1));
    assert_eq!(suggested(&engine, &log, before), ["y"]);
    assert_eq!(
        reasons(&engine, &log, before, "x"),
        [Reason::Dismissed {
            dismissals: 2,
            max: 2,
        }]
    );
    assert_eq!(suggested(&engine, &log, expires), ["x", "y"]);
    // An explanation counts the unexpired dismissals only.
    let mut three = log.clone();
    three.record_dismissed("x", first + Span::days(4));
    assert_eq!(
        reasons(&engine, &three, expires, "x"),
        [Reason::Dismissed {
            dismissals: 2,
            max: 2,
        }]
    );
}

#[test]
fn a_dismissal_stored_without_a_time_never_expires() {
    let engine = build(ruleset(
        vec![action("x", "mail")
            .max_dismissals(1)
            .dismissals_expire(Span::days(1))],
        Vec::new(),
    ));
    let old: ContactLog =
        serde_json::from_str(r#"{"x": {"shown": [1600000000], "dismissals": 1}}"#).unwrap();
    assert!(suggested(&engine, &old, at(T)).is_empty());
    assert_eq!(
        old.dismissals_after(engine.find_action("x").unwrap(), at(T)),
        1
    );
    // Without a time limit, old and new dismissals count the same.
    let forever = build(ruleset(
        vec![action("x", "mail").max_dismissals(2)],
        Vec::new(),
    ));
    let mut both = old.clone();
    assert_eq!(suggested(&forever, &both, at(T)), ["x"]);
    both.record_dismissed("x", at(T - 1_000_000));
    assert!(suggested(&forever, &both, at(T)).is_empty());
}

// ---------------------------------------------------------------------------
// Ignored showings
// ---------------------------------------------------------------------------

fn ignoring_engine() -> Engine {
    build(ruleset(
        vec![
            action("mail", "mail")
                .response_window(Span::days(2))
                .suppress(1, Span::days(30), Span::days(7)),
            action("other", "web"),
        ],
        Vec::new(),
    ))
}

#[test]
fn a_showing_is_ignored_exactly_when_its_response_window_has_passed() {
    let engine = ignoring_engine();
    let shown = at(T);
    let ends = shown + Span::days(2);
    let mut customer = Customer::new();
    customer.record_shown(engine.find_action("mail").unwrap(), shown);
    let log = &customer.history;
    assert_eq!(
        suggested(&engine, log, ends.before(Span::seconds(1))),
        ["mail", "other"]
    );
    assert_eq!(suggested(&engine, log, ends), ["other"]);
    assert_eq!(
        reasons(&engine, log, ends, "mail"),
        [Reason::Suppressed {
            rejections: 1,
            since: ends,
            until: ends + Span::days(7),
        }]
    );
    assert_eq!(
        suggested(&engine, log, ends + Span::days(7)),
        ["mail", "other"]
    );

    assert!(customer
        .settle(&engine, ends.before(Span::seconds(1)))
        .is_empty());
    let ignored = customer.settle(&engine, ends);
    assert_eq!(ignored.len(), 1);
    assert_eq!(
        (
            ignored[0].action.as_str(),
            ignored[0].shown_at,
            ignored[0].ignored_at
        ),
        ("mail", shown, ends)
    );
    assert!(customer.settle(&engine, ends + Span::days(9)).is_empty());
    // Settling changes no decision.
    assert_eq!(suggested(&engine, &customer.history, ends), ["other"]);
}

#[test]
fn a_response_within_the_window_answers_a_showing_and_one_at_its_end_does_not() {
    let engine = ignoring_engine();
    let shown = at(T);
    let ends = shown + Span::days(2);
    for (response, when, answered) in [
        (Response::Accepted, shown, true),
        (Response::Converted, ends.before(Span::seconds(1)), true),
        (Response::Accepted, ends, false),
        (Response::Accepted, shown.before(Span::seconds(1)), false),
    ] {
        let mut log = ContactLog::new();
        log.record_shown("mail", shown);
        log.record_response("mail", response, when);
        let ids = suggested(&engine, &log, ends + Span::days(1));
        assert_eq!(
            ids.contains(&"mail".to_owned()),
            answered,
            "{response} at {when}"
        );
        let settled = log.settle(&engine, ends + Span::days(1));
        assert_eq!(settled.is_empty(), answered, "{response} at {when}");
    }
    // A dismissal answers the showing, and is itself the one rejection.
    let mut log = ContactLog::new();
    log.record_shown("mail", shown);
    log.record_dismissed("mail", shown + Span::hours(1));
    assert_eq!(
        reasons(&engine, &log, ends + Span::days(1), "mail"),
        [Reason::Suppressed {
            rejections: 1,
            since: shown + Span::hours(1),
            until: shown + Span::hours(1) + Span::days(7),
        }]
    );
    assert!(log.settle(&engine, ends + Span::days(1)).is_empty());
}

#[test]
fn settling_reports_each_ignored_showing_once_in_order() {
    let engine = ignoring_engine();
    let mut log = ContactLog::new();
    for day in [0, 1, 1, 5] {
        log.record_shown("mail", at(T) + Span::days(day));
    }
    log.record_shown("other", at(T));
    let first = log.settle(&engine, at(T) + Span::days(3));
    let shown: Vec<Timestamp> = first.iter().map(|ignored| ignored.shown_at).collect();
    assert_eq!(shown, [at(T), at(T) + Span::days(1), at(T) + Span::days(1)]);
    let second = log.settle(&engine, at(T) + Span::days(10));
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].ignored_at, at(T) + Span::days(7));
    // The watermark is stored with the log.
    let json = serde_json::to_string(&log).unwrap();
    let mut restored: ContactLog = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, log);
    assert!(restored.settle(&engine, at(T) + Span::days(20)).is_empty());
}

// ---------------------------------------------------------------------------
// Stored forms
// ---------------------------------------------------------------------------

#[test]
fn a_log_with_responses_round_trips_through_json() {
    let mut log = ContactLog::new();
    log.record_shown("x", at(T));
    for (i, response) in Response::ALL.into_iter().enumerate() {
        log.record_response("x", response, at(T + 10 * i64::try_from(i).unwrap()));
    }
    log.record_response("y", Response::Accepted, at(T + 5));
    log.record_response("y", Response::Accepted, at(T + 5));
    let json = serde_json::to_string(&log).unwrap();
    assert_eq!(
        json,
        r#"{"x":{"shown":[1700000000],"dismissed":[1700000000],"ignored":[1700000010],"accepted":[1700000020],"converted":[1700000030]},"y":{"accepted":[1700000005,1700000005]}}"#
    );
    assert_eq!(serde_json::from_str::<ContactLog>(&json).unwrap(), log);
    let cbor = {
        let mut bytes = Vec::new();
        ciborium::into_writer(&log, &mut bytes).unwrap();
        bytes
    };
    assert_eq!(
        ciborium::from_reader::<ContactLog, _>(&cbor[..]).unwrap(),
        log
    );
}

#[test]
fn logs_stored_by_version_0_1_read_and_write_back_unchanged() {
    for old in [
        r#"{"x":[1700000000,1700000100]}"#,
        r#"{"x":{"shown":[1700000000],"dismissals":2}}"#,
        r#"{"x":{"dismissals":1}}"#,
    ] {
        let log: ContactLog = serde_json::from_str(old).unwrap();
        assert_eq!(serde_json::to_string(&log).unwrap(), old);
    }
    let log: ContactLog =
        serde_json::from_str(r#"{"x":{"shown":[1700000000],"dismissals":2}}"#).unwrap();
    let engine = build(ruleset(
        vec![action("x", "mail").max_dismissals(3)],
        Vec::new(),
    ));
    let x = engine.find_action("x").unwrap();
    assert_eq!(log.dismissals(x), 2);
    assert_eq!(log.responses("x", Response::Dismissed).count(), 0);
    let error = serde_json::from_str::<ContactLog>(r#"{"x":{"dismised":[1]}}"#).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "unknown field `dismised`, expected one of `shown`, `dismissals`, `dismissed`"
        ),
        "{error}"
    );
}

// ---------------------------------------------------------------------------
// The bound on a customer's history
// ---------------------------------------------------------------------------

/// A catalog with every kind of look-back: a cap, a contact limit, a
/// suppression counting ignored showings, dismissals that expire, and an
/// action no policy limits.
fn busy_engine() -> Engine {
    build(ruleset(
        vec![
            action("capped", "mail").cap(2, Span::days(3)),
            action("watched", "mail")
                .response_window(Span::hours(12))
                .suppress(4, Span::days(2), Span::days(1)),
            action("forgiving", "web")
                .max_dismissals(3)
                .dismissals_expire(Span::days(4)),
            action("free", "web"),
        ],
        vec![ContactLimitSpec::new("daily", 6, Span::days(1))],
    ))
}

#[test]
fn a_customer_keeps_a_bounded_history_and_decides_as_with_a_full_one() {
    let engine = busy_engine();
    let mut rng = XorShift(14);
    let mut full = ContactLog::new();
    let mut customer = Customer::new();
    let mut now = at(T);
    let mut scratch = engine.scratch();
    let record = engine.record();
    for step in 0..3000 {
        now = now + Span::minutes(rng.below(240));
        let expected = engine.decide(&record, &full, now, &mut scratch).to_record();
        let found = engine
            .decide(&record, &customer.history, now, &mut scratch)
            .to_record();
        assert_eq!(found, expected, "step {step} at {now}");
        let explained: Vec<String> = engine
            .explain(&record, &customer.history, now)
            .suggested()
            .map(|trace| trace.id.clone())
            .collect();
        assert_eq!(
            explained,
            expected
                .actions
                .iter()
                .map(|a| a.id.clone())
                .collect::<Vec<_>>()
        );
        for action in engine.actions() {
            match rng.below(6) {
                0 => {
                    full.record_shown(action.id(), now);
                    customer.record_shown(action, now);
                }
                1 if action.id() != "watched" || rng.below(2) == 0 => {
                    let response = Response::ALL[usize::try_from(rng.below(4)).unwrap()];
                    // The log finds the ignored showings of `watched` itself.
                    let response = if action.id() == "watched" && response == Response::Ignored {
                        Response::Accepted
                    } else {
                        response
                    };
                    full.record_response(action.id(), response, now);
                    customer.record_response(action, response, now);
                }
                _ => {}
            }
        }
    }
    // However many records, each kind is bounded per action.
    for action in engine.actions() {
        let shown = customer.history.shown(action.id()).count();
        assert!(shown <= 64, "{} keeps {shown} showings", action.id());
        for response in Response::ALL {
            let kept = customer.history.responses(action.id(), response).count();
            assert!(kept <= 64, "{} keeps {kept} {response}", action.id());
        }
    }
    assert!(full.shown("free").count() > 400);
    // Nothing limits `free`: nothing of it is kept.
    assert_eq!(customer.history.shown("free").count(), 0);
    assert_eq!(
        customer
            .history
            .responses("free", Response::Accepted)
            .count(),
        0
    );
    let json = serde_json::to_string(&customer.history).unwrap();
    assert!(json.len() < 4096, "{} bytes: {json}", json.len());
}

#[test]
fn many_responses_to_one_action_keep_at_most_the_bound() {
    let engine = build(ruleset(
        vec![action("x", "mail").max_dismissals(100)],
        Vec::new(),
    ));
    let x = engine.find_action("x").unwrap();
    let mut customer = Customer::new();
    for i in 0..10_000 {
        customer.record_response(x, Response::Dismissed, at(T + i));
    }
    let kept: Vec<Timestamp> = customer
        .history
        .responses("x", Response::Dismissed)
        .collect();
    assert_eq!(kept.len(), usize::try_from(ContactLog::KEPT).unwrap());
    // The latest are kept.
    assert_eq!(kept.last(), Some(&at(T + 9_999)));
    assert_eq!(
        kept.first(),
        Some(&at(T + 10_000 - i64::from(ContactLog::KEPT)))
    );
}

#[test]
fn a_restored_history_keeps_what_policies_still_read_and_forgets_the_rest() {
    let engine = build(ruleset(
        vec![
            action("x", "mail").max_dismissals(1),
            action("y", "web").cooldown(Span::hours(1)),
            action("z", "web").cap(1, Span::days(2)),
        ],
        Vec::new(),
    ));
    let find = |id: &str| engine.find_action(id).unwrap();
    let mut customer = Customer::new();
    customer.record_response(find("x"), Response::Dismissed, at(T));
    customer.record_shown(find("z"), at(T));
    let json = serde_json::to_string(&customer).unwrap();
    let mut restored: Customer = serde_json::from_str(&json).unwrap();
    let later = at(T) + Span::days(400);
    restored.record_shown(find("y"), later);
    // The dismissal never expires; the cap's showing is long out of sight.
    assert!(restored
        .history
        .responses("x", Response::Dismissed)
        .eq([at(T)]));
    assert_eq!(restored.history.shown("z").count(), 0);
    assert_eq!(suggested(&engine, &restored.history, later), ["z"]);
    assert_eq!(
        reasons(&engine, &restored.history, later, "x"),
        [Reason::Dismissed {
            dismissals: 1,
            max: 1,
        }]
    );
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

#[test]
fn wrong_limits_and_policies_are_located_errors() {
    let mut spec = ruleset(
        vec![
            action("x", "mail")
                .response_window(Span::ZERO)
                .dismissals_expire(Span::ZERO)
                .suppress(0, Span::ZERO, Span::ZERO),
            action("y", "web"),
        ],
        vec![
            ContactLimitSpec::new("weekly", 0, Span::ZERO),
            ContactLimitSpec::new("weekly", 1, Span::days(1)).group("emial"),
            ContactLimitSpec::new("bad id!", 1, Span::days(1)),
        ],
    );
    let problems = Engine::builder(spec.clone()).check();
    let messages: Vec<String> = problems.errors().map(ToString::to_string).collect();
    let expected = [
        "actions[0].contact.dismissals_expire: the time dismissals expire after of action 'x' must be more than zero",
        "actions[0].contact.suppress.rejections: a suppression of action 'x' needs at least 1 rejection",
        "actions[0].contact.suppress.window: the suppression window of action 'x' must be more than zero",
        "actions[0].contact.suppress.hide: the time a suppression hides of action 'x' must be more than zero",
        "actions[0].response_window: the response window of action 'x' must be more than zero",
        "contact_limits[0].times: contact limit 'weekly' allows 0 contacts, so no action in its scope is ever shown: give it at least 1",
        "contact_limits[0].window: the window of contact limit 'weekly' must be more than zero",
        "contact_limits[1].id: contact limit id 'weekly' is already used by contact_limits[0]",
    ];
    for message in expected {
        assert!(
            messages.iter().any(|m| m.ends_with(message)),
            "missing {message} in {messages:#?}"
        );
    }
    assert!(
        messages
            .iter()
            .any(|m| m.contains("contact_limits[1].group: unknown group 'emial'")),
        "{messages:#?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("contact_limits[2].id:")),
        "{messages:#?}"
    );
    assert_eq!(messages.len(), expected.len() + 2, "{messages:#?}");
    spec.actions.truncate(1);
    spec.actions[0] = action("x", "mail");
    spec.contact_limits = vec![ContactLimitSpec::new("weekly", 1, Span::days(1)).group("mail")];
    build(spec.clone());
    spec.contact_limits[0].times = 0;
    assert!(build_fails(spec)
        .to_string()
        .contains("contact_limits[0].times"));
}

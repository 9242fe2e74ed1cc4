//! The contact policy at work: cooldowns, frequency caps and dismissals over
//! several simulated days, with the built-in buying-process model.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example contact_policy
//! ```
//!
//! Two customers visit once a day at the same hour; their signals do not
//! change, only their [`ContactLog`] grows. Each day the host asks
//! [`Engine::decide`] for the next-best-actions, shows the best one
//! ([`ContactLog::record_shown`]), and the customer dismisses it if it is
//! one the script says they do not want ([`ContactLog::record_dismissed`]).
//! Each day prints the suggestions (best first, with their priorities; the
//! ids are printed without their stage prefix), what was shown and
//! dismissed, which actions came back, and for each action that was
//! suggested the day before but not today the reasons [`Engine::explain`]
//! gives (`gone`), and again whenever the reasons that keep an action
//! hidden change (`still hidden`).
//!
//! - **Someone weighing options** (evaluation) who turns down the call from
//!   an advisor every time. `advisor_call` has a cooldown of 2 days and stops
//!   after 2 dismissals: shown and dismissed on day 0, hidden by its
//!   cooldown on day 1, back on day 2, dismissed again, and never suggested
//!   after that.
//! - **A first-time buyer** (post-purchase) who does not want to write a
//!   review or buy accessories. `onboarding` has a cooldown of 7 days and a
//!   cap of 3 showings in any 30 days: shown on days 0, 7 and 14, then
//!   capped from day 21 although its cooldown is over, and back on day 30
//!   when the showing of day 0 leaves the window. `review_request` stops
//!   after its one allowed dismissal, `accessories` after its two. On the
//!   days every one of them is held back, the stage's fallback `support`
//!   (no contact policy) answers, and steps aside when one is back.
//!
//! The example checks these claims with `assert!` as it runs, and checks
//! every day that `decide` suggests exactly what `explain` (the reference)
//! does, so running it verifies them: it panics if the engine changes its
//! behaviour.

use std::error::Error;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

mod stdout;

use buyer_journey::{
    models, ContactHistory, ContactLog, Engine, Explanation, Outcome, Reason, Span, Timestamp,
};

/// Day 0 at the hour of the daily visit: 2023-11-14T22:13:20Z.
const START: i64 = 1_700_000_000;

/// One simulated customer.
struct Script {
    /// Who the customer is.
    who: &'static str,
    /// The customer's signals, the same every day.
    signals: &'static [(&'static str, f64)],
    /// The actions the customer dismisses whenever they are shown.
    dismisses: &'static [&'static str],
    /// How many days to simulate: days 0 to `days - 1`.
    days: u64,
}

/// What one day looked like.
struct Day {
    /// The suggested action ids, best first.
    suggested: Vec<String>,
    /// What `explain` said about every action that day.
    explanation: Explanation,
}

fn main() -> ExitCode {
    stdout::write_with("contact_policy", run)
}

/// Simulates both customers, writing their days to `out`, and checks the
/// claims.
fn run(out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    let engine = Engine::builder(models::buying_process()).build()?;

    let weighing = Script {
        who: "compares options, never wants a call",
        signals: &[("comparisons", 2.0)],
        dismisses: &["evaluation.advisor_call"],
        days: 8,
    };
    let days = simulate(&engine, &weighing, out)?;
    let advisor = "evaluation.advisor_call";
    let policy = engine
        .find_action(advisor)
        .ok_or("no advisor_call")?
        .contact();
    assert_eq!(policy.cooldown, Some(Span::days(2)));
    assert_eq!(policy.max_dismissals, Some(2));
    // Shown and dismissed on day 0; hidden by the cooldown on day 1.
    assert_eq!(days[0].suggested[0], advisor);
    assert!(!suggested_in(&days[1], advisor));
    assert!(reasons(&days[1], advisor)
        .iter()
        .any(|r| matches!(r, Reason::Cooldown { .. })));
    // The cooldown is over on day 2: it is back, and dismissed again.
    assert_eq!(days[2].suggested[0], advisor);
    // Two dismissals: it never comes back.
    for day in &days[3..] {
        assert!(!suggested_in(day, advisor));
        assert!(reasons(day, advisor).contains(&Reason::Dismissed {
            dismissals: 2,
            max: 2
        }));
    }

    let buyer = Script {
        who: "bought once, happy, wants no review request or accessories",
        signals: &[
            ("purchases", 1.0),
            ("days_since_purchase", 7.0),
            ("satisfaction", 9.0),
        ],
        dismisses: &["post_purchase.review_request", "post_purchase.accessories"],
        days: 31,
    };
    let days = simulate(&engine, &buyer, out)?;
    let onboarding = "post_purchase.onboarding";
    // Shown every 7 days, as soon as the cooldown allows ...
    for day in [0, 7, 14] {
        assert_eq!(days[day].suggested[0], onboarding, "day {day}");
        assert!(!suggested_in(&days[day + 1], onboarding), "day {}", day + 1);
    }
    // ... until the cap of 3 in 30 days holds it back, cooldown or not ...
    for day in &days[21..30] {
        assert_eq!(
            reasons(day, onboarding),
            [Reason::Capped {
                shown: 3,
                times: 3,
                window: Span::days(30)
            }]
        );
    }
    // ... and the showing of day 0 leaves the window on day 30.
    assert_eq!(days[30].suggested[0], onboarding);
    // Dismissed as often as allowed, these two never come back.
    for (id, max, dismissed_on) in [
        ("post_purchase.review_request", 1, 1),
        ("post_purchase.accessories", 2, 9),
    ] {
        assert!(
            suggested_in(&days[dismissed_on], id),
            "{id} on {dismissed_on}"
        );
        for day in &days[dismissed_on + 1..] {
            assert!(!suggested_in(day, id), "{id}");
            assert!(reasons(day, id).contains(&Reason::Dismissed {
                dismissals: max,
                max
            }));
        }
    }
    writeln!(out, "\nEvery claim above was checked.")?;
    Ok(())
}

/// Runs `script` day by day, writing what happens to `out`, and returns the
/// days.
fn simulate(
    engine: &Engine,
    script: &Script,
    out: &mut impl Write,
) -> Result<Vec<Day>, Box<dyn Error>> {
    let mut customer = engine.record();
    for &(name, value) in script.signals {
        customer.set(name, value)?;
    }
    let mut scratch = engine.scratch();
    let mut log = ContactLog::new();
    let start = Timestamp::from_unix_seconds(START);
    let day_of = |t: Timestamp| t.since(start).as_seconds() / Span::days(1).as_seconds();

    let mut days: Vec<Day> = Vec::new();
    for day in 0..script.days {
        let now = start + Span::days(day);
        let decision = engine.decide(&customer, &log, now, &mut scratch);
        if day == 0 {
            let tags: Vec<&str> = decision.tags().map(|tag| tag.id()).collect();
            writeln!(
                out,
                "\n{} ({}; tags: {})",
                script.who,
                decision.stage().id(),
                tags.join(", ")
            )?;
        }
        let stage = decision.stage().id();
        let short = |id: &str| -> String {
            id.strip_prefix(stage)
                .and_then(|rest| rest.strip_prefix('.'))
                .unwrap_or(id)
                .to_owned()
        };
        let shown: Vec<String> = decision
            .actions()
            .map(|a| format!("{} {:.1}", short(a.id()), a.priority()))
            .collect();
        writeln!(
            out,
            "day {day:>2}  {}",
            if shown.is_empty() {
                "nothing to suggest".to_owned()
            } else {
                shown.join(", ")
            }
        )?;
        let suggested: Vec<String> = decision.actions().map(|a| a.id().to_owned()).collect();

        // `explain` is the specification `decide` must agree with.
        let explanation = engine.explain(&customer, &log, now);
        let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
        assert_eq!(
            suggested, explained,
            "decide and explain agree on day {day}"
        );

        if let Some(yesterday) = days.last() {
            for id in &yesterday.suggested {
                if !suggested.contains(id) {
                    let why: Vec<String> = reasons_in(&explanation, id)
                        .iter()
                        .map(|reason| describe(reason, &day_of))
                        .collect();
                    assert!(!why.is_empty(), "a reason for {id} on day {day}");
                    writeln!(out, "          gone {}: {}", short(id), why.join("; "))?;
                }
            }
            // Hidden yesterday and today, for other reasons: say so.
            let kinds = |explanation: &Explanation, id: &str| -> Vec<_> {
                reasons_in(explanation, id)
                    .iter()
                    .map(std::mem::discriminant)
                    .collect()
            };
            for action in engine.actions() {
                let id = action.id();
                let seen = days.iter().any(|d| suggested_in(d, id));
                if seen
                    && !suggested_in(yesterday, id)
                    && !suggested.iter().any(|s| s == id)
                    && kinds(&yesterday.explanation, id) != kinds(&explanation, id)
                {
                    let why: Vec<String> = reasons_in(&explanation, id)
                        .iter()
                        .map(|reason| describe(reason, &day_of))
                        .collect();
                    writeln!(
                        out,
                        "          still hidden {}: {}",
                        short(id),
                        why.join("; ")
                    )?;
                }
            }
            for id in suggested
                .iter()
                .filter(|id| !yesterday.suggested.contains(id))
            {
                if days.iter().any(|d| d.suggested.contains(id)) {
                    writeln!(out, "          back {}", short(id))?;
                }
            }
        }

        if let Some(top) = suggested.first() {
            log.record_shown(top, now);
            let mut happened = format!("shown {}", short(top));
            if script.dismisses.contains(&top.as_str()) {
                log.record_dismissed(top, now);
                let action = engine.find_action(top).ok_or("no such action")?;
                let count = log.dismissals(action);
                match action.contact().max_dismissals {
                    Some(max) => {
                        let _ = write!(happened, ", dismissed ({count} of {max} allowed)");
                    }
                    None => happened += ", dismissed",
                }
            }
            writeln!(out, "          {happened}")?;
        }
        days.push(Day {
            suggested,
            explanation,
        });
    }
    Ok(days)
}

/// Whether `id` was suggested on `day`.
fn suggested_in(day: &Day, id: &str) -> bool {
    day.suggested.iter().any(|s| s == id)
}

/// Why `id` was not suggested on `day` (empty when it was).
fn reasons<'a>(day: &'a Day, id: &str) -> &'a [Reason] {
    reasons_in(&day.explanation, id)
}

fn reasons_in<'a>(explanation: &'a Explanation, id: &str) -> &'a [Reason] {
    match explanation.actions.iter().find(|a| a.id == id) {
        Some(trace) => match &trace.outcome {
            Outcome::NotSuggested { reasons } => reasons,
            _ => &[],
        },
        None => &[],
    }
}

/// A reason for people, with times as simulated days.
fn describe(reason: &Reason, day_of: &impl Fn(Timestamp) -> u64) -> String {
    match reason {
        Reason::Cooldown { last_shown, until } => format!(
            "cooldown (shown on day {}, hidden until day {})",
            day_of(*last_shown),
            day_of(*until)
        ),
        Reason::Capped {
            shown,
            times,
            window,
        } => format!("capped (shown {shown} times in the last {window}, at most {times})"),
        Reason::Dismissed { dismissals, max } => format!(
            "dismissed {dismissals} time{}, the most allowed is {max}",
            if *dismissals == 1 { "" } else { "s" }
        ),
        other => other.to_string(),
    }
}

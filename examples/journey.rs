//! Follow customers through the buying process day by day and count the
//! funnel.
//!
//! ```text
//! cargo run --example journey
//! ```
//!
//! The built-in [sample journeys](buyer_journey::models::sample_journeys)
//! give each customer's signals day by day. Each customer starts with no
//! stage ([`JourneyState::new`]); every day the host passes the day's
//! signals and the time to [`Engine::advance`], stores the new state and
//! logs the moves, one line each: a call applies transition rules until
//! the customer settles, so one day may move a customer more than once.
//! The first call places the customer by the stage rules ("classified");
//! after that only transition rules move them.
//! Finally a [`Funnel`] counts the final states and all the moves: customers
//! and share per stage, the median time spent in a stage before leaving it,
//! and the table of moves from one stage to another.

use std::io::Write;
use std::process::ExitCode;

use buyer_journey::{models, Engine, Error, Funnel, JourneyState, Span, Timestamp, Transition};

mod stdout;

/// Day 0 of every journey (2023-11-14, 22:13:20 UTC); the library reads no
/// clock, so the host says what time it is.
const START: i64 = 1_700_000_000;

/// One customer at the end of the replay.
pub(crate) struct Customer {
    pub(crate) id: &'static str,
    pub(crate) description: &'static str,
    /// The state the host would store after the last day.
    pub(crate) state: JourneyState,
    /// The moves, in order, each with its day.
    pub(crate) moves: Vec<(u32, Transition)>,
}

/// Replays every sample journey with `engine`, one `advance` per day.
pub(crate) fn replay(engine: &Engine) -> Result<Vec<Customer>, Error> {
    let start = Timestamp::from_unix_seconds(START);
    let mut scratch = engine.scratch();
    let mut customers = Vec::new();
    for journey in models::sample_journeys() {
        let mut state = JourneyState::new();
        let mut moves = Vec::new();
        for day in 0..=journey.last_day() {
            let signals = journey.record(engine.schema(), day)?;
            let now = start + Span::days(u64::from(day));
            let step = engine.advance(&state, &signals, now, &mut scratch)?;
            moves.extend(
                step.moves
                    .iter()
                    .map(|transition| (day, transition.clone())),
            );
            state = step.state;
        }
        customers.push(Customer {
            id: journey.id,
            description: journey.description,
            state,
            moves,
        });
    }
    Ok(customers)
}

/// Counts the customers' final states and all their moves.
pub(crate) fn funnel(engine: &Engine, customers: &[Customer]) -> Result<Funnel, Error> {
    let mut funnel = Funnel::new(engine.model());
    for customer in customers {
        funnel.add_state(&customer.state)?;
        for (_, transition) in &customer.moves {
            funnel.add_transition(transition)?;
        }
    }
    Ok(funnel)
}

fn main() -> ExitCode {
    stdout::write_with("journey", run)
}

/// Replays the sample journeys and writes the moves and the funnel to `out`.
fn run(out: &mut impl Write) -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder(models::buying_process()).build()?;
    let customers = replay(&engine)?;

    for customer in &customers {
        writeln!(out, "{}: {}", customer.id, customer.description)?;
        for (day, moved) in &customer.moves {
            let rule = moved.rule().unwrap_or("classified");
            match moved.from() {
                None => writeln!(out, "  day {day:>2}: placed in {} ({rule})", moved.to())?,
                Some(from) => writeln!(
                    out,
                    "  day {day:>2}: {from} -> {} by {rule}, after {}",
                    moved.to(),
                    moved.time_in_previous(),
                )?,
            }
        }
    }

    let stats = funnel(&engine, &customers)?.stats();
    writeln!(
        out,
        "\n{} customers, {} not placed",
        stats.customers, stats.not_placed
    )?;
    writeln!(
        out,
        "stage               customers  share  stays  median stay"
    )?;
    for stage in &stats.stages {
        let median = stage
            .median_time
            .map_or("-".to_owned(), |span| span.to_string());
        writeln!(
            out,
            "{:<19} {:>9} {:>5.1}% {:>6}  {median}",
            stage.stage,
            stage.customers,
            stage.share * 100.0,
            stage.stays,
        )?;
    }

    writeln!(out, "\nmoves, from (row) to (column):")?;
    write!(out, "{:<22}", "")?;
    for to in 1..=stats.stages.len() {
        write!(out, "{to:>3}")?;
    }
    writeln!(out)?;
    for ((number, from), row) in (1..).zip(&stats.stages).zip(&stats.transitions) {
        write!(out, "{number} {:<20}", from.stage)?;
        for count in row {
            write!(out, "{count:>3}")?;
        }
        writeln!(out)?;
    }

    write!(out, "\n{}", stats.bar_chart(30))?;
    Ok(())
}

//! Follow customers through the buying process event by event and count
//! the funnel.
//!
//! ```text
//! cargo run --example journey
//! ```
//!
//! The built-in [sample journeys](buyer_journey::models::sample_journeys)
//! give each customer's events day by day. Each customer starts as a new
//! [`Customer`]; the host passes every event to [`Engine::observe`], which
//! derives the signals from the customer's events, moves the journey and
//! ranks the actions; the host stores the customer and logs the moves. The
//! first event places the customer by the stage rules ("classified"); after
//! that only transition rules move them. Then two months pass: on day
//! [`LATER`] the host calls [`Engine::refresh`] for every customer, and
//! stages whose evidence has left the model's 30-day look-back are left.
//! Finally a [`Funnel`] counts the final states and all the moves:
//! customers and share per stage, the median time spent in a stage before
//! leaving it, and the table of moves from one stage to another.

use std::io::Write;
use std::process::ExitCode;

use buyer_journey::{
    models, Customer, Engine, Error, Funnel, JourneyState, Span, Timestamp, Transition,
};

mod stdout;

/// Day 0 of every journey (2023-11-14, 22:13:20 UTC); the library reads no
/// clock, so the host says what time it is.
const START: i64 = 1_700_000_000;

/// The day every customer is looked at again, without an event.
pub(crate) const LATER: u32 = 60;

/// One customer at the end of the replay.
pub(crate) struct Followed {
    pub(crate) id: &'static str,
    pub(crate) description: &'static str,
    /// The state the host would store at the end.
    pub(crate) state: JourneyState,
    /// The moves, each with its day.
    pub(crate) moves: Vec<(u32, Transition)>,
}

/// Replays every sample journey with `engine`, one `observe` per event,
/// then one `refresh` on day [`LATER`].
pub(crate) fn replay(engine: &Engine) -> Result<Vec<Followed>, Error> {
    let start = Timestamp::from_unix_seconds(START);
    let mut scratch = engine.scratch();
    let mut followed = Vec::new();
    for journey in models::sample_journeys() {
        let mut customer = Customer::new();
        let mut moves = Vec::new();
        for event in &journey.events {
            let at = event.at(start);
            let seen = engine.observe(&mut customer, event.to_event(start), at, &mut scratch)?;
            moves.extend(
                seen.step
                    .moves
                    .iter()
                    .map(|moved| (event.day, moved.clone())),
            );
        }
        let later = start + Span::days(u64::from(LATER));
        let seen = engine.refresh(&mut customer, later, &mut scratch)?;
        moves.extend(seen.step.moves.iter().map(|moved| (LATER, moved.clone())));
        followed.push(Followed {
            id: journey.id,
            description: journey.description,
            state: customer.journey,
            moves,
        });
    }
    Ok(followed)
}

/// Counts the customers' final states and all their moves.
pub(crate) fn funnel(engine: &Engine, customers: &[Followed]) -> Result<Funnel, Error> {
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

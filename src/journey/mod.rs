//! Step 4 of the pipeline, for hosts that keep state: journeys. A
//! customer's stage kept between evaluations ([`JourneyState`]), the moves a
//! call reports ([`Transition`], [`Moves`], [`Step`]), and the transition
//! rules compiled into the [`Machine`] that decides which rule, if any,
//! moves a customer.

mod machine;
mod state;

pub(crate) use machine::Machine;
pub use state::{JourneyState, Moves, Step, Transition};

//! Step 4 of the pipeline, for hosts that keep state: journeys. A
//! customer's stage kept between evaluations ([`JourneyState`]), the move a
//! call reports ([`Transition`], [`Step`]), and the transition rules
//! compiled into the [`Machine`] that decides which rule, if any, moves a
//! customer.

mod machine;
mod state;

pub(crate) use machine::Machine;
pub use state::{JourneyState, Step, Transition};

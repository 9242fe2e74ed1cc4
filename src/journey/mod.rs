//! Journeys: a customer's stage kept between evaluations, the transition
//! rules that move it, and statistics and pictures of the movement.

mod funnel;
mod machine;
mod picture;
mod rule;
mod state;

pub use funnel::{Funnel, FunnelStats, StageStats};
pub(crate) use machine::Machine;
pub(crate) use rule::{transition_schema, validate};
pub use rule::{FromStages, TransitionRule, TransitionSpec};
pub use state::{JourneyState, Step, Transition};

//! Built-in models, as plain [`RulesetSpec`](crate::RulesetSpec) data that a
//! host can use as they are, serialize, or change.

mod buying_process;
mod journeys;

pub use buying_process::{buying_process, sample_customers, SampleCustomer};
pub use journeys::{sample_journeys, SampleEvent, SampleJourney};

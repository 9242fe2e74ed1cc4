//! Built-in models, as plain [`RulesetSpec`](crate::RulesetSpec) data that a
//! host can use as they are, serialize, or change.

mod buying_process;

pub use buying_process::{buying_process, sample_customers, SampleCustomer};

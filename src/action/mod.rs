//! Step 4 of the pipeline, next-best-actions: the action catalog compiled
//! for ranking, and what ranking reads and produces. For one classified
//! customer the [`Catalog`] filters the actions of the customer's stage by
//! tags, eligibility and contact policy, scores what passes (propensity ×
//! value × weight) and keeps the best few, at most a few per group.
//!
//! The host plugs in here twice: its [`ContactHistory`] (what it has shown
//! the customer) and, optionally, its [`ActionScorer`] (propensities).

mod catalog;
mod contact;
mod history;
mod response;
mod scorer;
mod suggestion;

pub(crate) use catalog::{Catalog, Customer, Fixed, Pick, Propensity, RankBuffers};
pub(crate) use contact::{contact_blocks, contacts, ContactBlock};
pub use history::{ContactHistory, ContactLog, IgnoredShowing};
pub use response::Response;
pub(crate) use scorer::priority;
pub use scorer::{ActionInput, ActionScorer};
pub use suggestion::{Suggestion, SuggestionRecord, Why};

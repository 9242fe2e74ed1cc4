//! Propensities that learn from how customers respond, outside the
//! immutable engine: the [`LearnedStore`] the host records responses in,
//! and the [`Learning`] views that [`Engine::decide_learning`] ranks with,
//! exploiting what was learned or exploring by Thompson sampling.
//!
//! [`Engine::decide_learning`]: crate::Engine::decide_learning

mod estimate;
mod random;
mod settings;
mod snapshot;
mod store;

pub use estimate::{Estimate, LearnedPropensity};
pub(crate) use settings::Settings;
pub use snapshot::{LearnedCount, LearnedSnapshot};
pub use store::{LearnedCell, LearnedStore, Learning};

//! The integration tests, in one binary (`cargo test --test integration`).

mod agreement;
mod classify_example;
mod errors;
mod limits;
mod policies;
mod principles;

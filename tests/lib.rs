//! The integration tests, in one binary (`cargo test --test integration`).

mod action_properties;
mod actions;
mod agreement;
mod at_scale;
mod binding;
mod classify_example;
mod customers;
mod decide_in;
mod derivations;
mod errors;
mod examples_pipe;
mod hostile;
mod journey_example;
mod journey_properties;
mod journeys;
mod limits;
mod pictures;
mod policies;
mod principles;
mod regressions;
mod replay_example;
mod scenarios;
mod seed_actions;
mod suite;
mod support;
mod throughput_example;

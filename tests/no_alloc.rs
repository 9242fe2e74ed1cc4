//! Allocation test.
fn main() {}

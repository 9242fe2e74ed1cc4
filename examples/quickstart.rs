//! Quickstart: classify the built-in sample customers with the built-in
//! five-stage buying-process model and print one line per customer.
//!
//! Run it with:
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! The engine is compiled once from [`models::buying_process`]; one
//! [`Scratch`](buyer_journey::Scratch) is reused for every customer, so each
//! classification allocates nothing.

use buyer_journey::{models, Engine};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Validate and compile once.
    let engine = Engine::builder(models::buying_process()).build()?;
    let mut scratch = engine.scratch();

    let customers = models::sample_customers();
    let who = customers
        .iter()
        .map(|c| c.description.len())
        .max()
        .unwrap_or(0);
    let stage = engine
        .model()
        .iter()
        .map(|s| s.id().len())
        .max()
        .unwrap_or(0);

    println!(
        "{:<4} {:<who$} {:<stage$} {:>10}  fired rules",
        "id", "customer", "stage", "confidence"
    );
    for sample in &customers {
        let customer = sample.record(engine.schema())?;
        let decision = engine.classify(&customer, &mut scratch);
        let fired: Vec<&str> = decision.fired().map(|rule| rule.id()).collect();
        println!(
            "{:<4} {:<who$} {:<stage$} {:>10.2}  {}",
            sample.id,
            sample.description,
            decision.stage().id(),
            decision.confidence(),
            if fired.is_empty() {
                "-".to_owned()
            } else {
                fired.join(", ")
            },
        );
    }
    Ok(())
}

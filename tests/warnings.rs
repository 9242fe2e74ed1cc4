//! Warnings: what a valid ruleset cannot do as written.

use std::path::Path;

use buyer_journey::{models, Engine, RulesetSpec};

#[test]
fn report_data_files() {
    println!("built-in:\n{}", Engine::builder(models::buying_process()).check());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if json["ruleset"].is_string() { println!("{}: built-in", path.display()); continue; }
        let spec: RulesetSpec = serde_json::from_value(json["ruleset"].clone()).unwrap();
        println!("{}:\n{}", path.display(), Engine::builder(spec).check());
    }
}

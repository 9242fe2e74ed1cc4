//! Tests of the `classify` example (`examples/classify.rs`), which turns
//! NDJSON customers into NDJSON decisions (stage, evidence, fired rules, tags
//! and suggested actions): the example's code is included here as a module
//! and its `run` function driven with in-memory input.
//!
//! Run with `cargo test --test integration classify_example`.

// `main` is only for the example binary; the examples share `lines`, each
// binary with its own copy, and so does this one.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/classify.rs"]
mod classify;

use std::collections::HashSet;

use crate::support::built_in;
use buyer_journey::{
    models, ContactLog, DecisionRecord, Engine, HitPolicy, RulesetSpec, SignalSpec, StageRuleSpec,
    StageSpec, Timestamp,
};

/// What `run` made of `input`: whether every line was good, the output lines
/// and the error lines.
struct Run {
    all_good: bool,
    output: Vec<String>,
    errors: Vec<String>,
}

fn run(engine: &Engine, input: &str) -> Run {
    run_bytes(engine, input.as_bytes())
}

fn run_bytes(engine: &Engine, input: &[u8]) -> Run {
    let mut output = Vec::new();
    let mut errors = Vec::new();
    let all_good = classify::run(engine, input, &mut output, &mut errors)
        .expect("in-memory I/O does not fail");
    let lines = |bytes: Vec<u8>| -> Vec<String> {
        let text = String::from_utf8(bytes).expect("output is UTF-8");
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "every line ends with a newline: {text:?}"
        );
        text.lines().map(str::to_owned).collect()
    };
    Run {
        all_good,
        output: lines(output),
        errors: lines(errors),
    }
}

/// An output line as JSON, checking that `id` is its first field.
fn parse(line: &str) -> (String, DecisionRecord) {
    assert!(line.starts_with(r#"{"id":"#), "id comes first: {line}");
    let json: serde_json::Value = serde_json::from_str(line).expect("an output line is JSON");
    let id = json["id"].as_str().expect("id is a string").to_owned();
    let classification = serde_json::from_str(line).expect("an output line is a classification");
    (id, classification)
}

fn ids(output: &[String]) -> Vec<String> {
    output.iter().map(|line| parse(line).0).collect()
}

/// The sample customers as NDJSON input lines, in order.
fn sample_input() -> String {
    let mut input = String::new();
    for sample in models::sample_customers() {
        let signals: serde_json::Map<String, serde_json::Value> = sample
            .signals
            .iter()
            .map(|&(name, value)| (name.to_owned(), serde_json::to_value(value).unwrap()))
            .collect();
        let line = serde_json::json!({"id": sample.id, "signals": signals});
        input.push_str(&line.to_string());
        input.push('\n');
    }
    input
}

#[test]
fn good_input_is_classified_line_by_line() {
    let engine = built_in();
    let input = concat!(
        r#"{"id": "c1", "signals": {"reviews_read": 3, "info_page_views": 5}}"#,
        "\n",
        r#"{"id": "c2", "signals": {"reviews_read": 4, "comparisons": 3}}"#,
        "\n",
        r#"{"id": "c3", "signals": {}}"#,
        "\n",
        r#"{"signals": {"purchases": 1, "satisfaction": 9.5, "open_tickets": null}, "id": "c4"}"#,
        "\n",
    );
    let run = run(&engine, input);
    assert!(run.all_good);
    assert_eq!(run.errors, Vec::<String>::new());
    assert_eq!(run.output.len(), 4);

    let model_order: Vec<&str> = engine.model().iter().map(|stage| stage.id()).collect();
    // id, stage, confidence, evidence in model order, fired rules, tags.
    let expected = [
        (
            "c1",
            "information_search",
            1.0,
            [0.0, 2.0, 0.0, 0.0, 0.0],
            &["information_search.reviews", "information_search.guides"][..],
            &["prospect"][..],
        ),
        (
            "c2",
            "evaluation",
            0.5,
            [0.0, 1.0, 1.0, 0.0, 0.0],
            &["information_search.reviews", "evaluation.comparisons"][..],
            &["prospect"][..],
        ),
        (
            "c3",
            "need_recognition",
            0.0,
            [0.0; 5],
            &[][..],
            &["prospect"][..],
        ),
        (
            "c4",
            "post_purchase",
            1.0,
            [0.0, 0.0, 0.0, 0.0, 1.0],
            &["post_purchase.settled"][..],
            // One purchase and a rating of 9.5.
            &["new", "satisfied"][..],
        ),
    ];
    for (line, (id, stage, confidence, evidence, fired, tags)) in run.output.iter().zip(expected) {
        let (got_id, classification) = parse(line);
        assert_eq!(got_id, id);
        assert_eq!(classification.stage, stage, "{line}");
        assert_eq!(classification.confidence, confidence, "{line}");
        let stages: Vec<&str> = classification.evidence.keys().map(String::as_str).collect();
        assert_eq!(stages, model_order, "evidence in model order: {line}");
        let points: Vec<f64> = classification.evidence.values().copied().collect();
        assert_eq!(points, evidence, "{line}");
        assert_eq!(classification.fired, fired, "{line}");
        assert_eq!(classification.tags, tags, "{line}");
    }

    // The actions, best first: (id, kind, propensity, value) from the
    // built-in catalog, the propensity from the first propensity rule that
    // holds (or the base propensity); every weight is 1.
    let expected_actions: [&[(&str, &str, f64, f64)]; 4] = [
        &[
            // reviews_read >= 3
            ("information_search.reviews", "social_proof", 0.8, 25.0),
            // info_page_views >= 3
            ("information_search.buying_guide", "content", 0.75, 20.0),
            (
                "information_search.comparison_chart",
                "value_proposition",
                0.4,
                20.0,
            ),
        ],
        &[
            ("evaluation.advisor_call", "consultation", 0.5, 60.0),
            // comparisons >= 2
            (
                "evaluation.value_comparison",
                "value_proposition",
                0.7,
                40.0,
            ),
            // comparisons >= 1
            ("evaluation.demo", "demo", 0.6, 45.0),
        ],
        &[
            ("need_recognition.product_overview", "education", 0.6, 20.0),
            ("need_recognition.needs_guide", "content", 0.5, 15.0),
            (
                "need_recognition.customer_stories",
                "social_proof",
                0.4,
                10.0,
            ),
        ],
        &[
            ("post_purchase.onboarding", "onboarding", 0.7, 50.0),
            ("post_purchase.review_request", "social_proof", 0.5, 20.0),
            ("post_purchase.accessories", "cross_sell", 0.3, 30.0),
        ],
    ];
    for (line, expected) in run.output.iter().zip(expected_actions) {
        let (_, classification) = parse(line);
        let ids: Vec<&str> = classification
            .actions
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        let expected_ids: Vec<&str> = expected.iter().map(|a| a.0).collect();
        assert_eq!(ids, expected_ids, "{line}");
        for (action, &(_, kind, propensity, value)) in classification.actions.iter().zip(expected) {
            assert_eq!(action.kind, kind, "{line}");
            assert_eq!(action.propensity, propensity, "{line}");
            assert_eq!(action.value, value, "{line}");
            assert_eq!(action.weight, 1.0, "{line}");
            assert!(
                (action.priority - propensity * value).abs() < 1e-9,
                "priority = propensity × value × weight: {line}"
            );
        }
    }
}

#[test]
fn output_agrees_with_the_engine_called_directly() {
    let engine = built_in();
    let run = run(&engine, &sample_input());
    assert!(run.all_good, "{:?}", run.errors);
    let samples = models::sample_customers();
    assert_eq!(run.output.len(), samples.len());

    let mut scratch = engine.scratch();
    let history = ContactLog::new();
    for (line, sample) in run.output.iter().zip(&samples) {
        let record = sample.record(engine.schema()).unwrap();
        let direct = engine
            .decide(&record, &history, Timestamp::EPOCH, &mut scratch)
            .to_record();
        assert_eq!(direct.stage, sample.expected_stage);
        assert!(
            !direct.actions.is_empty(),
            "every sample customer gets a suggestion: {line}"
        );

        // Byte for byte: the id, then the engine's own classification.
        let direct_json = serde_json::to_string(&direct).unwrap();
        let expected = format!(
            r#"{{"id":{},{}"#,
            serde_json::to_string(sample.id).unwrap(),
            &direct_json[1..]
        );
        assert_eq!(*line, expected);

        let (id, parsed) = parse(line);
        assert_eq!(id, sample.id);
        assert_eq!(parsed.stage, direct.stage);
        assert_eq!(parsed.fired, direct.fired);
        assert!((parsed.confidence - direct.confidence).abs() < 1e-12);
        assert_eq!(parsed.tags, direct.tags);
        assert_eq!(parsed.actions, direct.actions);

        // The reference explanation suggests the same actions in the same
        // order, and gives the same tags.
        let explanation = engine.explain(&record, &history, Timestamp::EPOCH);
        let explained: Vec<&str> = explanation.suggested().map(|a| a.id.as_str()).collect();
        let ids: Vec<&str> = parsed.actions.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, explained, "{line}");
        let held: Vec<&str> = explanation
            .tags
            .iter()
            .filter(|tag| tag.held)
            .map(|tag| tag.id.as_str())
            .collect();
        assert_eq!(parsed.tags, held, "{line}");
    }
}

#[test]
fn actions_are_ranked_and_arbitrated() {
    let engine = built_in();
    let run = run(&engine, &sample_input());
    assert!(run.all_good, "{:?}", run.errors);
    for line in &run.output {
        let (_, classification) = parse(line);
        let actions = &classification.actions;
        assert!(
            !actions.is_empty(),
            "every sample gets a suggestion: {line}"
        );
        let stage = engine
            .model()
            .iter()
            .find(|stage| stage.id() == classification.stage)
            .expect("a stage of the model")
            .index();
        assert!(actions.len() <= 3, "at most three suggestions: {line}");
        let mut groups = HashSet::new();
        for action in actions {
            let spec = engine.find_action(&action.id).expect("a catalog action");
            assert_eq!(action.kind, spec.kind(), "{line}");
            assert_eq!(action.value, spec.value(), "{line}");
            assert_eq!(action.weight, spec.weight(), "{line}");
            assert!(
                spec.stages().contains(&stage),
                "{} applies in {}: {line}",
                action.id,
                classification.stage
            );
            assert!(action.priority > 0.0, "{line}");
            assert_eq!(
                action.priority,
                action.propensity * action.value * action.weight,
                "{line}"
            );
            assert!(
                groups.insert(spec.group()),
                "at most one action of group {}: {line}",
                spec.group()
            );
        }
        assert!(
            actions.windows(2).all(|w| w[0].priority >= w[1].priority),
            "best first: {line}"
        );
    }
}

#[test]
fn actions_follow_the_stage_and_the_type_of_customer() {
    let engine = built_in();
    let input = [
        // Evaluation: a consultation leads, no matter the tags.
        r#"{"id": "weighs", "signals": {"comparisons": 1}}"#,
        r#"{"id": "weighs_again", "signals": {"purchases": 2, "comparisons": 2}}"#,
        // Only recognising a need: no sales pitch.
        r#"{"id": "needs", "signals": {"need_searches": 2}}"#,
        // A buyer with a complaint open: the complaint first, no cross-sell.
        r#"{"id": "complains", "signals": {"purchases": 3, "open_complaints": 1}}"#,
        // A loyal, happy buyer: invited to the loyalty programme.
        r#"{"id": "loyal", "signals": {"purchases": 4, "satisfaction": 9}}"#,
    ]
    .join("\n");
    let run = run(&engine, &input);
    assert!(run.all_good, "{:?}", run.errors);
    let decided: Vec<DecisionRecord> = run.output.iter().map(|line| parse(line).1).collect();
    let kinds =
        |c: &DecisionRecord| -> Vec<String> { c.actions.iter().map(|a| a.kind.clone()).collect() };
    let [weighs, weighs_again, needs, complains, loyal] = &decided[..] else {
        panic!("five lines: {:?}", run.output);
    };

    assert_eq!(weighs.stage, "evaluation");
    assert_eq!(weighs.tags, ["prospect"]);
    assert_eq!(weighs.actions[0].kind, "consultation", "{weighs:?}");
    assert_eq!(weighs.actions[0].id, "evaluation.advisor_call");

    assert_eq!(weighs_again.stage, "evaluation");
    assert_eq!(weighs_again.tags, ["returning"]);
    assert!(kinds(weighs_again).contains(&"consultation".to_owned()));

    assert_eq!(needs.stage, "need_recognition");
    assert!(!needs.actions.is_empty());
    assert!(
        !kinds(needs).contains(&"sales_pitch".to_owned()),
        "{needs:?}"
    );

    assert_eq!(complains.stage, "post_purchase");
    assert_eq!(complains.tags, ["returning", "complaining"]);
    assert_eq!(complains.actions[0].id, "post_purchase.resolve_complaint");
    assert!(
        !kinds(complains).contains(&"cross_sell".to_owned()),
        "{complains:?}"
    );

    assert_eq!(loyal.stage, "post_purchase");
    assert_eq!(loyal.tags, ["returning", "loyal", "satisfied"]);
    assert!(
        loyal
            .actions
            .iter()
            .any(|a| a.id == "post_purchase.loyalty_program"),
        "{loyal:?}"
    );
}

#[test]
fn bad_lines_are_reported_with_their_number_and_skipped() {
    let engine = built_in();
    let input = [
        r#"{"id": "good1", "signals": {"cart_adds": 1}}"#,
        r#"{"id": "broken", "signals": {"#,
        "",
        r#"{"id": "typo", "signals": {"cart_add": 1}}"#,
        r#"{"id": "good2", "signals": {"comparisons": 2}}"#,
        r#"{"id": "kind", "signals": {"reviews_read": true}}"#,
        r#"{"id": "negative", "signals": {"cart_adds": -2}}"#,
        r#"{"id": "good3"}"#,
    ]
    .join("\n");
    let run = run(&engine, &input);

    assert!(!run.all_good);
    assert_eq!(
        run.errors,
        [
            "line 2: invalid JSON at column 29: EOF while parsing an object",
            "line 4: unknown signal 'cart_add', did you mean 'cart_adds'?",
            "line 6: signal 'reviews_read' is a count, got a flag",
            "line 7: signal 'cart_adds' is a count, so -2 is not allowed: counts are whole \
             numbers >= 0",
        ]
    );
    assert_eq!(ids(&run.output), ["good1", "good2", "good3"]);
    let stages: Vec<String> = run.output.iter().map(|l| parse(l).1.stage).collect();
    assert_eq!(
        stages,
        ["purchase_decision", "evaluation", "need_recognition"]
    );
}

#[test]
fn every_kind_of_bad_line_has_a_clear_reason() {
    let engine = built_in();
    let cases = [
        ("not json", "invalid JSON at column 2: expected ident"),
        (
            r#"{"id": "a"} {"id": "b"}"#,
            "invalid JSON at column 13: trailing characters",
        ),
        (r#"["a"]"#, "expected a JSON object, got an array"),
        (r#"{"signals": {}}"#, r#"missing "id""#),
        (r#"{"id": 7}"#, r#""id" must be a string, got a number"#),
        (r#"{"id": null}"#, r#""id" must be a string, got null"#),
        (
            r#"{"id": "a", "signals": [1]}"#,
            r#""signals" must be an object, got an array"#,
        ),
        (
            r#"{"id": "a", "signals": null}"#,
            r#""signals" must be an object, got null"#,
        ),
        (
            r#"{"id": "a", "signal": {"cart_adds": 1}}"#,
            r#"unknown field 'signal', expected "id" or "signals""#,
        ),
        (
            r#"{"id": "a", "signals": {"cart_adds": 1.5}}"#,
            "signal 'cart_adds' is a count, so 1.5 is not allowed: counts are whole numbers >= 0",
        ),
        (
            r#"{"id": "a", "signals": {"satisfaction": "high"}}"#,
            "signal 'satisfaction' is a number, got a label",
        ),
        (
            r#"{"id": "a", "signals": {"satisfaction": [9]}}"#,
            "signal 'satisfaction' must be a number, true, false, a label or null, got an array",
        ),
        (
            r#"{"id": "a", "signals": {"satisfactoin": {}}}"#,
            "unknown signal 'satisfactoin', did you mean 'satisfaction'?",
        ),
        (
            r#"{"id": "a", "signals": {"purchaces": null}}"#,
            "unknown signal 'purchaces', did you mean 'purchases'?",
        ),
        (
            r#"{"id": "a", "signals": {"cart_adds": 1e400}}"#,
            "invalid JSON at column 42: number out of range",
        ),
    ];
    for (line, reason) in cases {
        let run = run(&engine, line);
        assert!(!run.all_good, "{line}");
        assert_eq!(run.output, Vec::<String>::new(), "{line}");
        assert_eq!(run.errors, [format!("line 1: {reason}")], "{line}");
    }
}

#[test]
fn invalid_utf8_is_a_bad_line_not_an_io_error() {
    let run = run_bytes(
        &built_in(),
        b"{\"id\": \"a\"}\n{\"id\": \"\xff\"}\n{\"id\": \"b\"}\n",
    );
    assert!(!run.all_good);
    assert_eq!(
        run.errors,
        ["line 2: invalid JSON at column 9: invalid unicode code point"]
    );
    assert_eq!(ids(&run.output), ["a", "b"]);
}

#[test]
fn blank_lines_are_ignored_but_counted() {
    let engine = built_in();
    let only_blank = run(&engine, "\n \n\r\n\t\n");
    assert!(only_blank.all_good);
    assert!(only_blank.output.is_empty());
    assert!(only_blank.errors.is_empty());

    let input =
        "\n   \n\t\r\n{\"id\": \"a\", \"signals\": {\"reviews_read\": 1}}\r\n\n{\"id\": 1}\n  \n";
    let mixed = run(&engine, input);
    assert!(!mixed.all_good);
    assert_eq!(ids(&mixed.output), ["a"]);
    assert_eq!(
        mixed.errors,
        [r#"line 6: "id" must be a string, got a number"#]
    );
}

#[test]
fn empty_input_is_all_good_and_writes_nothing() {
    let run = run(&built_in(), "");
    assert!(run.all_good);
    assert!(run.output.is_empty());
    assert!(run.errors.is_empty());
}

#[test]
fn the_last_line_needs_no_newline() {
    let run = run(&built_in(), "{\"id\": \"a\"}\n{\"id\": \"b\"}");
    assert!(run.all_good);
    assert_eq!(ids(&run.output), ["a", "b"]);
}

#[test]
fn signals_do_not_leak_from_one_line_to_the_next() {
    let engine = built_in();
    let input = concat!(
        r#"{"id": "a", "signals": {"cart_adds": 3, "purchases": 1}}"#,
        "\n",
        r#"{"id": "b", "signals": {"cart_adds": -1}}"#,
        "\n",
        r#"{"id": "c", "signals": {"purchases": 1}}"#,
    );
    let run = run(&engine, input);
    let stages: Vec<String> = run.output.iter().map(|l| parse(l).1.stage).collect();
    assert_eq!(stages, ["purchase_decision", "post_purchase"]);
    assert_eq!(ids(&run.output), ["a", "c"]);
}

#[test]
fn flags_and_labels_map_to_their_signal_kinds() {
    let spec = {
        let mut spec = RulesetSpec::new(
            vec![
                SignalSpec::count("visits"),
                SignalSpec::flag("is_member"),
                SignalSpec::category("plan", ["free", "pro"]),
            ],
            vec![
                StageSpec::new("visitor", "Visitor", "has visited"),
                StageSpec::new("member", "Member", "has signed up"),
                StageSpec::new("paying", "Paying", "pays"),
            ],
        );
        spec.hit_policy = HitPolicy::Furthest;
        spec.stage_rules = vec![
            StageRuleSpec::new("visited", "visitor", "visits >= 1"),
            StageRuleSpec::new("joined", "member", "is_member"),
            StageRuleSpec::new("pays", "paying", r#"plan == "pro""#),
        ];
        spec.score_rules = Vec::new();
        spec
    };
    let engine = Engine::builder(spec).build().unwrap();
    let input = [
        r#"{"id": "a", "signals": {"visits": 2, "is_member": false, "plan": "free"}}"#,
        r#"{"id": "b", "signals": {"is_member": true, "plan": null}}"#,
        r#"{"id": "c", "signals": {"plan": "pro"}}"#,
        r#"{"id": "d", "signals": {"plan": "por"}}"#,
        r#"{"id": "e", "signals": {"is_member": 1}}"#,
    ]
    .join("\n");
    let run = run(&engine, &input);
    for line in &run.output {
        // A ruleset without tags or actions suggests nothing.
        assert!(line.ends_with(r#","tags":[],"actions":[]}"#), "{line}");
    }
    let decided: Vec<(String, String)> = run
        .output
        .iter()
        .map(|line| {
            let (id, classification) = parse(line);
            (id, classification.stage)
        })
        .collect();
    assert_eq!(
        decided,
        [
            ("a".to_owned(), "visitor".to_owned()),
            ("b".to_owned(), "member".to_owned()),
            ("c".to_owned(), "paying".to_owned()),
        ]
    );
    assert_eq!(
        run.errors,
        [
            "line 4: unknown label 'por' for signal 'plan', did you mean 'pro'?",
            "line 5: signal 'is_member' is a flag, got a number",
        ]
    );
}

/// Runs the built `classify` example with `args`, `input` on standard input.
fn classify_binary(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new(crate::examples_pipe::example("classify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the classify example runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(input.as_bytes()).expect("the input");
    drop(stdin);
    child.wait_with_output().expect("the classify example ran")
}

#[test]
fn the_built_in_model_as_a_ruleset_document_decides_as_the_built_in_model() {
    let input = sample_input();
    let built_in = classify_binary(&[], &input);
    let document = classify_binary(
        &["--ruleset", "examples/models/buying_process.json"],
        &input,
    );
    assert_eq!(built_in.status.code(), Some(0));
    assert_eq!(document.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&document.stderr), "");
    assert_eq!(built_in.stdout.len(), document.stdout.len());
    assert_eq!(
        String::from_utf8_lossy(&document.stdout),
        String::from_utf8_lossy(&built_in.stdout)
    );
}

#[test]
fn another_ruleset_document_is_the_one_deciding() {
    let path = "examples/models/b2b_saas.toml";
    let text = std::fs::read_to_string(path).unwrap();
    let spec = buyer_journey::Document::from_toml(&text)
        .unwrap()
        .into_spec();
    let engine = Engine::builder(spec).build().unwrap();
    // Accounts with the B2B model's signals, read by the example from a file.
    let mut input = String::new();
    for (n, signal) in engine.schema().iter().enumerate() {
        let value = match signal.kind() {
            buyer_journey::SignalKind::Flag => "true".to_owned(),
            buyer_journey::SignalKind::Category => {
                format!("\"{}\"", signal.labels().next().unwrap())
            }
            _ => "1".to_owned(),
        };
        input += &serde_json::json!({"id": format!("a{n}"), "signals": {signal.id(): serde_json::from_str::<serde_json::Value>(&value).unwrap()}}).to_string();
        input.push('\n');
    }
    let file = std::env::temp_dir().join(format!("classify_{}_b2b.ndjson", std::process::id()));
    std::fs::write(&file, &input).unwrap();
    let output = classify_binary(&["--ruleset", path, file.to_str().unwrap()], "");
    std::fs::remove_file(&file).ok();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
    let expected = run(&engine, &input);
    assert!(expected.all_good, "{:?}", expected.errors);
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines, expected.output);
    let stages: HashSet<String> = lines.iter().map(|line| parse(line).1.stage).collect();
    assert!(stages
        .iter()
        .all(|stage| engine.model().find(stage).is_some()));
    assert!(
        stages
            .iter()
            .any(|stage| built_in().model().find(stage).is_none()),
        "{stages:?}"
    );

    // With the built-in model the same accounts are bad lines.
    let built_in = classify_binary(&[], &input);
    assert_eq!(built_in.status.code(), Some(2));
}

#[test]
fn a_ruleset_that_cannot_be_used_is_status_1() {
    let output = classify_binary(&["--ruleset", "no/such/rules.json"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr)
        .starts_with("classify: no/such/rules.json: cannot read the file: "));
    let output = classify_binary(&["--ruleset", "Cargo.toml"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(!output.stderr.is_empty());
    let output = classify_binary(&["--ruleset"], "");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "usage: classify [--ruleset RULESET] [CUSTOMERS]\n"
    );
}

//! Pictures of the stage model and its transition rules: the exact Mermaid
//! and DOT text, its escaping, and the README's diagram.

use crate::support::built_in;
use buyer_journey::{EdgeLabels, Engine, RulesetSpec, SignalSpec, Span, StageSpec, TransitionSpec};

/// An engine over `stages` (id and name) with the signals and transitions
/// given and no stage rules.
fn engine(
    signals: Vec<SignalSpec>,
    stages: &[(&str, &str)],
    transitions: Vec<TransitionSpec>,
) -> Engine {
    let spec = {
        let mut spec = RulesetSpec::new(
            signals,
            stages
                .iter()
                .map(|&(id, name)| StageSpec::new(id, name, ""))
                .collect(),
        );
        spec.transitions = transitions;
        spec
    };
    Engine::builder(spec).build().unwrap()
}

/// Four stages `a` to `d` and a count signal `n`.
fn abcd(transitions: Vec<TransitionSpec>) -> Engine {
    engine(
        vec![SignalSpec::count("n")],
        &[("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")],
        transitions,
    )
}

/// The Mermaid header and the declarations of [`abcd`]'s stages.
const ABCD_MERMAID: &str = "\
stateDiagram-v2
    direction LR
    a: A
    b: B
    c: C
    d: D
    [*] --> a
";

#[test]
fn readme_mermaid_block_is_the_code_s_output() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let expected = built_in().to_mermaid(EdgeLabels::Ids);
    let block = readme
        .split_once("```mermaid\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block);
    // `assert!`, not `assert_eq!`: the message shows the block to paste,
    // once, without Debug escapes.
    assert!(
        block == Some(expected.as_str()),
        "README.md's ```mermaid block is not the built-in model's picture; replace it with \
         the output of `Engine::builder(models::buying_process()).build()?.to_mermaid(EdgeLabels::Ids)`:\n\n\
         ```mermaid\n{expected}```\n"
    );
}

#[test]
fn ids_only_labels_stop_after_the_rule_and_its_marker() {
    let engine = built_in();
    let full = engine.to_mermaid(EdgeLabels::Full);
    let ids = engine.to_mermaid(EdgeLabels::Ids);
    // The same edges, in the same order, each cut after the rule id and its
    // marker: no dwell, no condition.
    let edges = |picture: &str| -> Vec<String> {
        picture
            .lines()
            .filter(|line| line.contains(" --> ") && !line.contains("[*]"))
            .map(str::to_owned)
            .collect()
    };
    let (full_edges, id_edges) = (edges(&full), edges(&ids));
    assert_eq!(full_edges.len(), id_edges.len());
    assert!(!id_edges.is_empty());
    for (full, id) in full_edges.iter().zip(&id_edges) {
        assert!(full.starts_with(id.as_str()), "{full}\n{id}");
        assert!(!id.contains(" when "), "{id}");
        assert!(!id.contains(" after "), "{id}");
    }
    assert!(id_edges.contains(
        &"    post_purchase --> information_search: new_cycle.information_search (new cycle)"
            .to_owned()
    ));
    let dot = engine.to_dot(EdgeLabels::Ids);
    assert!(dot.contains(
        "\"need_recognition\" -> \"information_search\" [label=\"forward.information_search\"];"
    ));
    assert!(!dot.contains("\\n"));
}

#[test]
fn every_built_in_move_is_one_edge() {
    let engine = built_in();
    let mermaid = engine.to_mermaid(EdgeLabels::Full);
    let dot = engine.to_dot(EdgeLabels::Full);
    let model = engine.model();
    let id = |stage| model.stage(stage).unwrap().id();
    let mut moves = 0;
    for rule in engine.transitions() {
        assert!(!rule.from().is_empty(), "{} moves no one", rule.id());
        for &from in rule.from() {
            let (from, to) = (id(from), id(rule.to()));
            let prefix = format!("    {from} --> {to}: {} ", rule.id());
            assert_eq!(
                mermaid.lines().filter(|l| l.starts_with(&prefix)).count(),
                1,
                "{prefix}"
            );
            let prefix = format!("    \"{from}\" -> \"{to}\" [label=\"{}", rule.id());
            assert_eq!(
                dot.lines().filter(|l| l.starts_with(&prefix)).count(),
                1,
                "{prefix}"
            );
            moves += 1;
        }
    }
    // Forward rules from every earlier stage (1 + 2 + 3 + 4), back rules
    // from every later stage of the cycle (3 + 2 + 1) and four new cycles
    // out of post_purchase.
    assert_eq!(moves, 20);
    assert_eq!(
        mermaid.lines().filter(|l| l.contains(" --> ")).count(),
        moves + 1
    );
    assert_eq!(
        dot.lines().filter(|l| l.contains(" -> ")).count(),
        moves + 1
    );
}

#[test]
fn built_in_new_cycles_show_their_dwell_and_condition() {
    let mermaid = built_in().to_mermaid(EdgeLabels::Full);
    assert!(mermaid.contains(
        "    post_purchase --> purchase_decision: new_cycle.purchase_decision (new cycle) after 7d \
         when (cart_adds >= 1 or checkout_starts >= 1) and not (open_complaints >= 1 or \
         open_tickets >= 1)\n"
    ));
    assert!(mermaid.contains(
        "    evaluation --> purchase_decision: forward.purchase_decision when cart_adds >= 1 or \
         checkout_starts >= 1\n"
    ));
}

#[test]
fn a_model_without_transitions_still_shows_its_stages() {
    let engine = engine(
        vec![SignalSpec::count("n")],
        &[("prospect", "Prospect"), ("customer", "Customer")],
        vec![],
    );
    assert_eq!(
        engine.to_mermaid(EdgeLabels::Full),
        "\
stateDiagram-v2
    direction LR
    prospect: Prospect
    customer: Customer
    [*] --> prospect
"
    );
    assert_eq!(
        engine.to_dot(EdgeLabels::Full),
        r#"digraph journey {
    rankdir=LR;
    node [shape=box, style=rounded];
    "prospect" [label="Prospect"];
    "customer" [label="Customer"];
    "_entry" [shape=point];
    "_entry" -> "prospect";
}
"#
    );
}

#[test]
fn from_any_draws_every_stage_the_rule_can_move_out_of() {
    let engine = abcd(vec![
        // Forward only: from the stages before `c`.
        TransitionSpec::new("to_c", "c", "n >= 1"),
        // May go back: from every stage but `b`; only the moves back are
        // marked.
        TransitionSpec::new("to_b", "b", "n == 0").back(),
    ]);
    assert_eq!(
        engine.to_mermaid(EdgeLabels::Full),
        format!(
            "{ABCD_MERMAID}    \
    a --> c: to_c when n >= 1
    b --> c: to_c when n >= 1
    a --> b: to_b when n == 0
    c --> b: to_b (back) when n == 0
    d --> b: to_b (back) when n == 0
"
        )
    );
}

#[test]
fn listed_stages_are_drawn_in_model_order() {
    let engine = abcd(vec![TransitionSpec::new("to_d", "d", "n >= 2")
        .from(&["c", "a"])
        .priority(5)]);
    let mermaid = engine.to_mermaid(EdgeLabels::Full);
    assert!(mermaid.ends_with(
        "    [*] --> a
    a --> d: to_d when n >= 2
    c --> d: to_d when n >= 2
"
    ));
}

#[test]
fn dwell_and_markers() {
    let engine = abcd(vec![
        TransitionSpec::new("again", "a", "n >= 1")
            .from(&["d"])
            .min_dwell(Span::hours(36))
            .new_cycle(),
        TransitionSpec::new("retreat", "b", "n == 0")
            .from(&["c"])
            .min_dwell(Span::seconds(90))
            .back(),
        // A new-cycle rule that moves forward is still a new cycle.
        TransitionSpec::new("renew", "d", "n >= 3")
            .from(&["c"])
            .new_cycle(),
    ]);
    assert_eq!(
        engine.to_mermaid(EdgeLabels::Full),
        format!(
            "{ABCD_MERMAID}    \
    d --> a: again (new cycle) after 1d12h when n >= 1
    c --> b: retreat (back) after 1m30s when n == 0
    c --> d: renew (new cycle) when n >= 3
"
        )
    );
    assert!(engine.to_dot(EdgeLabels::Full).ends_with(
        r#"    "_entry" -> "a";
    "d" -> "a" [label="again (new cycle)\nafter 1d12h when n >= 1"];
    "c" -> "b" [label="retreat (back)\nafter 1m30s when n == 0"];
    "c" -> "d" [label="renew (new cycle)\nwhen n >= 3"];
}
"#
    ));
}

/// A model whose names, labels and rule ids hold what Mermaid and DOT read
/// as syntax.
fn awkward() -> Engine {
    engine(
        vec![SignalSpec::category(
            "plan",
            ["say \"hi\"; now", "a\\b", "#lt; 50% & <b>"],
        )],
        &[
            ("lead", "Lead: #1 \"hot\"; 100% <b>sure</b> & `ok`"),
            ("client", "Client\nsince \\N"),
        ],
        vec![
            TransitionSpec::new("upgrade:pro", "client", r#"plan == "say \"hi\"; now""#),
            TransitionSpec::new(
                "to:client/b",
                "client",
                r##"plan in ["a\\b", "#lt; 50% & <b>"]"##,
            ),
        ],
    )
}

#[test]
fn mermaid_escapes_what_it_would_read_as_syntax() {
    assert_eq!(
        awkward().to_mermaid(EdgeLabels::Full),
        "\
stateDiagram-v2
    direction LR
    lead: Lead#58; #35;1 #quot;hot#quot;#59; 100#37; #lt;b>sure#lt;/b> #amp; #96;ok#96;
    client: Client since \\N
    [*] --> lead
    lead --> client: upgrade#58;pro when plan == #quot;say \\#quot;hi\\#quot;#59; now#quot;
    lead --> client: to#58;client/b when plan in [#quot;a\\\\b#quot;, #quot;#35;lt#59; 50#37; #amp; #lt;b>#quot;]
"
    );
}

#[test]
fn dot_escapes_quotes_and_backslashes() {
    assert_eq!(
        awkward().to_dot(EdgeLabels::Full),
        r##"digraph journey {
    rankdir=LR;
    node [shape=box, style=rounded];
    "lead" [label="Lead: #1 \"hot\"; 100% <b>sure</b> & `ok`"];
    "client" [label="Client\nsince \\N"];
    "_entry" [shape=point];
    "_entry" -> "lead";
    "lead" -> "client" [label="upgrade:pro\nwhen plan == \"say \\\"hi\\\"; now\""];
    "lead" -> "client" [label="to:client/b\nwhen plan in [\"a\\\\b\", \"#lt; 50% & <b>\"]"];
}
"##
    );
}

#[test]
fn mermaid_never_sees_a_direction_statement_in_text() {
    // Mermaid reads any line with `direction`, a space and `LR` (in any
    // case) as a layout statement; the space after the word is escaped.
    let engine = engine(
        vec![SignalSpec::category("heading", ["Direction\tlr"])],
        &[("north", "Change direction TB"), ("south", "directions rl")],
        vec![TransitionSpec::new(
            "turn",
            "south",
            r#"heading == "Direction	lr""#,
        )],
    );
    assert_eq!(
        engine.to_mermaid(EdgeLabels::Full),
        "\
stateDiagram-v2
    direction LR
    north: Change direction#32;TB
    south: directions rl
    [*] --> north
    north --> south: turn when heading == #quot;Direction#32;lr#quot;
"
    );
}

#[test]
fn stage_ids_mermaid_reads_as_keywords_get_a_prefix() {
    let engine = engine(
        vec![SignalSpec::count("n")],
        &[
            ("state", "State"),
            ("default_plan", "Default plan"),
            ("note", "Note"),
            ("node", "Node"),
            ("end", "End"),
            ("states", "States"),
        ],
        vec![TransitionSpec::new("finish", "end", "n >= 1").from(&["state", "default_plan"])],
    );
    assert_eq!(
        engine.to_mermaid(EdgeLabels::Full),
        "\
stateDiagram-v2
    direction LR
    _state: State
    _default_plan: Default plan
    _note: Note
    node: Node
    _end: End
    states: States
    [*] --> _state
    _state --> _end: finish when n >= 1
    _default_plan --> _end: finish when n >= 1
"
    );
    // DOT ids are quoted, so its keywords (`node`) need nothing more.
    let dot = engine.to_dot(EdgeLabels::Full);
    assert!(dot.contains("    \"node\" [label=\"Node\"];\n"));
    assert!(dot.contains("    \"state\" -> \"end\" [label=\"finish\\nwhen n >= 1\"];\n"));
}

#[test]
fn pictures_are_deterministic() {
    let (one, two) = (built_in(), built_in());
    assert_eq!(
        one.to_mermaid(EdgeLabels::Full),
        two.to_mermaid(EdgeLabels::Full)
    );
    assert_eq!(one.to_dot(EdgeLabels::Full), two.to_dot(EdgeLabels::Full));
}

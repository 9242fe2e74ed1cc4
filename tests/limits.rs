//! Hostile input: every limit gives its error at the bound and not before,
//! and no input (condition text, structured condition, ruleset, signal
//! value) makes the library panic or exhaust the stack.

use buyer_journey::{
    models, ArithOp, CompareOp, Condition, Engine, Error, ErrorKind, Expr, HitPolicy, Limits,
    RulesetSpec, Schema, ScoreRuleSpec, Signal, SignalKind, SignalRecord, SignalSpec, Signals,
    StageRuleSpec, StageSpec, Value, When,
};
use proptest::prelude::*;

/// Asserts that `result` is a limit error that names `setter`.
#[track_caller]
fn assert_limit<T: std::fmt::Debug>(result: Result<T, Error>, setter: &str) {
    let err = result.expect_err("expected a limit error");
    assert!(err.is_limit(), "not a limit error: {err}");
    let message = err.to_string();
    assert!(
        message.contains(&format!("`Limits::{setter}`")),
        "the message does not name `{setter}`: {message}"
    );
}

fn build(spec: RulesetSpec, limits: Limits) -> Result<Engine, Error> {
    Engine::builder(spec).limits(limits).build()
}

/// The built-in model with one more signal, a category with three labels.
fn spec_with_category() -> RulesetSpec {
    let mut spec = models::buying_process();
    spec.signals
        .push(SignalSpec::category("plan", ["free", "pro", "team"]));
    spec
}

/// A small schema with every kind of signal.
fn small_signals() -> Vec<SignalSpec> {
    vec![
        SignalSpec::count("visits"),
        SignalSpec::count("orders"),
        SignalSpec::number("score"),
        SignalSpec::flag("member"),
        SignalSpec::category("plan", ["free", "pro"]),
    ]
}

/// A two-stage ruleset over [`small_signals`] with one rule per condition.
fn small_spec(conditions: impl IntoIterator<Item = When>) -> RulesetSpec {
    {
        let mut spec = RulesetSpec::new(
            small_signals(),
            vec![
                StageSpec::new("early", "Early", ""),
                StageSpec::new("late", "Late", ""),
            ],
        );
        spec.hit_policy = HitPolicy::Furthest;
        spec.stage_rules = conditions
            .into_iter()
            .enumerate()
            .map(|(i, when)| StageRuleSpec::new(&format!("r{i}"), "late", when))
            .collect();
        spec.score_rules = Vec::new();
        spec
    }
}

// ---------------------------------------------------------------------------
// Each bound: just over it is an error naming its setter, at it is accepted.
// ---------------------------------------------------------------------------

#[test]
fn max_signals_is_enforced_at_its_bound() {
    let spec = models::buying_process();
    let n = spec.signals.len();
    assert!(build(spec.clone(), Limits::default().max_signals(n)).is_ok());
    assert_limit(
        build(spec.clone(), Limits::default().max_signals(n - 1)),
        "max_signals",
    );
    assert!(Schema::with_limits(&spec.signals, &Limits::default().max_signals(n)).is_ok());
    assert_limit(
        Schema::with_limits(&spec.signals, &Limits::default().max_signals(n - 1)),
        "max_signals",
    );
    // Over the default.
    let many: Vec<SignalSpec> = (0..1_025)
        .map(|i| SignalSpec::count(&format!("s{i}")))
        .collect();
    assert!(Schema::new(&many[..1_024]).is_ok());
    assert_limit(Schema::new(&many), "max_signals");
}

#[test]
fn max_labels_is_enforced_at_its_bound() {
    let spec = spec_with_category();
    assert!(build(spec.clone(), Limits::default().max_labels(3)).is_ok());
    let err = build(spec, Limits::default().max_labels(2)).unwrap_err();
    assert_eq!(err.location().unwrap().path(), "signals[16].labels");
    assert_limit(Err::<(), _>(err), "max_labels");
    // Over the default.
    let labels: Vec<String> = (0..1_025).map(|i| format!("l{i}")).collect();
    let at = [SignalSpec::category("plan", &labels[..1_024])];
    let over = [SignalSpec::category("plan", &labels)];
    assert!(Schema::new(&at).is_ok());
    assert_limit(Schema::new(&over), "max_labels");
}

#[test]
fn max_stages_is_enforced_at_its_bound() {
    let spec = models::buying_process();
    let n = spec.stages.len();
    assert!(build(spec.clone(), Limits::default().max_stages(n)).is_ok());
    assert_limit(
        build(spec, Limits::default().max_stages(n - 1)),
        "max_stages",
    );
    // Over the default.
    let stages: Vec<StageSpec> = (0..65)
        .map(|i| StageSpec::new(&format!("s{i}"), "Stage", ""))
        .collect();
    assert!(buyer_journey::StageModel::new(&stages[..64]).is_ok());
    assert_limit(buyer_journey::StageModel::new(&stages), "max_stages");
}

#[test]
fn max_rules_is_enforced_at_its_bound() {
    let spec = models::buying_process();
    // Stage rules, score rules, the actions' propensity rules and the
    // transition rules count.
    let propensity_rules: usize = spec.actions.iter().map(|a| a.propensity_rules.len()).sum();
    assert!(propensity_rules > 0 && !spec.transitions.is_empty());
    let n = spec.stage_rules.len() + propensity_rules + spec.transitions.len();
    assert!(spec.score_rules.is_empty());
    assert!(build(spec.clone(), Limits::default().max_rules(n)).is_ok());
    assert_limit(
        build(spec.clone(), Limits::default().max_rules(n - 1)),
        "max_rules",
    );

    // With score rules too: a bound that covers every rule is accepted, and
    // one below the rules without them is not.
    let mut scored = spec;
    scored.score_rules = vec![
        ScoreRuleSpec::new("score.cart", "purchase_decision", "cart_adds >= 2", 1.5),
        ScoreRuleSpec::new("score.unhappy", "post_purchase", "satisfaction <= 3", -2.0),
    ];
    let all = n + 2;
    assert!(build(scored.clone(), Limits::default().max_rules(all)).is_ok());
    assert_limit(
        build(scored, Limits::default().max_rules(n - 1)),
        "max_rules",
    );
}

#[test]
fn max_expression_len_is_enforced_at_its_bound() {
    let text = "cart_adds >= 1";
    let n = text.len();
    assert!(Condition::parse_with(text, &Limits::default().max_expression_len(n)).is_ok());
    assert_limit(
        Condition::parse_with(text, &Limits::default().max_expression_len(n - 1)),
        "max_expression_len",
    );
    // In bytes, not characters.
    let text = "plan == \"é\"";
    assert_eq!(text.len(), text.chars().count() + 1);
    assert!(Condition::parse_with(text, &Limits::default().max_expression_len(text.len())).is_ok());
    assert_limit(
        Condition::parse_with(text, &Limits::default().max_expression_len(text.len() - 1)),
        "max_expression_len",
    );

    // Through the engine: the longest condition text of the built-in model,
    // a transition's.
    let spec = models::buying_process();
    let text_len = |when: &When| match when {
        When::Text(text) => text.len(),
        When::Tree(_) => 0,
    };
    let rules = spec.stage_rules.iter().map(|rule| text_len(&rule.when));
    let (longest, at) = spec
        .transitions
        .iter()
        .enumerate()
        .map(|(i, rule)| (text_len(&rule.when), i))
        .max()
        .unwrap();
    assert!(rules.max().unwrap() < longest);
    assert!(build(spec.clone(), Limits::default().max_expression_len(longest)).is_ok());
    let err = build(spec, Limits::default().max_expression_len(longest - 1)).unwrap_err();
    assert_eq!(
        err.location().unwrap().path(),
        format!("transitions[{at}].when")
    );
    assert_limit(Err::<(), _>(err), "max_expression_len");

    // Over the default.
    let long = format!("visits >= 1{}", " ".repeat(4_096 - 11));
    assert_eq!(long.len(), 4_096);
    assert!(Condition::parse(&long).is_ok());
    assert_limit(Condition::parse(&format!("{long}0")), "max_expression_len");
}

#[test]
fn max_depth_is_enforced_at_its_bound() {
    // Three `not`s, the comparison, and its values: depth 5.
    let text = "not not not visits >= 1";
    let tree = Condition::parse(text).unwrap();
    let schema = Schema::new(&small_signals()).unwrap();
    let at = Limits::default().max_depth(5);
    let over = Limits::default().max_depth(4);
    assert!(Condition::parse_with(text, &at).is_ok());
    assert_limit(Condition::parse_with(text, &over), "max_depth");
    assert!(tree.check_with(&schema, &at).is_ok());
    assert_limit(tree.check_with(&schema, &over), "max_depth");
    assert!(build(small_spec([When::Text(text.into())]), at).is_ok());
    assert_limit(
        build(small_spec([When::Text(text.into())]), over),
        "max_depth",
    );
    assert!(build(small_spec([When::Tree(tree.clone())]), at).is_ok());
    assert_limit(build(small_spec([When::Tree(tree)]), over), "max_depth");

    // Arithmetic and groups count too: `(visits + 1) * 2 >= 3` is depth 4.
    let text = "(visits + 1) * 2 >= 3";
    assert!(Condition::parse_with(text, &Limits::default().max_depth(4)).is_ok());
    assert_limit(
        Condition::parse_with(text, &Limits::default().max_depth(3)),
        "max_depth",
    );

    // Over the default of 32: a condition of depth 32 is accepted, 33 is not.
    let nested = |nots: usize| format!("{}visits >= 1", "not ".repeat(nots));
    assert!(Condition::parse(&nested(30)).is_ok());
    assert_limit(Condition::parse(&nested(31)), "max_depth");
}

#[test]
fn max_condition_size_is_enforced_at_its_bound() {
    // The `in`, its value and five items: seven nodes.
    let text = "visits in [1, 2, 3, 4, 5]";
    let tree = Condition::parse(text).unwrap();
    let schema = Schema::new(&small_signals()).unwrap();
    let at = Limits::default().max_condition_size(7);
    let over = Limits::default().max_condition_size(6);
    assert!(Condition::parse_with(text, &at).is_ok());
    assert_limit(Condition::parse_with(text, &over), "max_condition_size");
    assert!(tree.check_with(&schema, &at).is_ok());
    assert_limit(tree.check_with(&schema, &over), "max_condition_size");
    assert!(build(small_spec([When::Text(text.into())]), at).is_ok());
    assert_limit(
        build(small_spec([When::Text(text.into())]), over),
        "max_condition_size",
    );
    assert!(build(small_spec([When::Tree(tree.clone())]), at).is_ok());
    assert_limit(
        build(small_spec([When::Tree(tree)]), over),
        "max_condition_size",
    );

    // Over the default of 1,024: an `in` list with 1,022 items is accepted,
    // one more item is not.
    let list = |n: usize| format!("visits in [{}]", vec!["1"; n].join(", "));
    assert!(Condition::parse(&list(1_022)).is_ok());
    assert_limit(Condition::parse(&list(1_023)), "max_condition_size");
}

/// Regression: the parser counted parentheses, the name in `present(x)` and
/// the `k` of `at_least(k, ...)` as nodes and levels, so the printed text of
/// a tree at a bound failed to parse under the same bound.
#[test]
fn text_at_a_bound_parses_like_the_tree() {
    let cases: [(&str, usize, usize); 5] = [
        ("present(visits)", 1, 1),
        ("missing(visits)", 1, 1),
        ("at_least(0)", 1, 1),
        ("at_least(1, member, present(orders))", 3, 5),
        ("all((visits + visits) * visits in [])", 5, 7),
    ];
    let schema = Schema::new(&small_signals()).unwrap();
    let tight =
        |depth: usize, size: usize| Limits::default().max_depth(depth).max_condition_size(size);
    for (text, depth, size) in cases {
        let tree = Condition::parse(text).unwrap();
        assert_eq!(tree.to_string(), text);
        assert!(
            tree.check_with(&schema, &tight(depth, size)).is_ok(),
            "{text}"
        );
        assert_eq!(
            Condition::parse_with(text, &tight(depth, size)).as_ref(),
            Ok(&tree),
            "{text}"
        );
        assert_limit(
            Condition::parse_with(text, &tight(depth - 1, size)),
            "max_depth",
        );
        assert_limit(
            Condition::parse_with(text, &tight(depth, size - 1)),
            "max_condition_size",
        );
    }
}

// ---------------------------------------------------------------------------
// Deep and long input: errors, never a panic or a stack overflow.
// ---------------------------------------------------------------------------

/// No bound on the text length, so the other bounds are what stops the input.
fn long_text() -> Limits {
    Limits::default().max_expression_len(usize::MAX)
}

#[test]
fn a_hundred_thousand_open_parentheses() {
    let text = "(".repeat(100_000);
    assert_limit(Condition::parse(&text), "max_expression_len");
    assert_limit(Condition::parse_with(&text, &long_text()), "max_depth");
    let text = format!("{}visits > 1{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_limit(Condition::parse_with(&text, &long_text()), "max_depth");
    // A raised bound lets deeper text through: the bound is what limits the
    // parser's recursion.
    let text = format!("{}visits > 1{}", "(".repeat(40), ")".repeat(40));
    assert_limit(Condition::parse_with(&text, &long_text()), "max_depth");
    assert!(Condition::parse_with(&text, &long_text().max_depth(41)).is_ok());
}

#[test]
fn a_hundred_thousand_nots() {
    let text = format!("{}visits > 1", "not ".repeat(100_000));
    assert_limit(Condition::parse(&text), "max_expression_len");
    assert_limit(Condition::parse_with(&text, &long_text()), "max_depth");
    // Without a condition after them.
    let text = "not ".repeat(100_000);
    assert!(Condition::parse_with(&text, &long_text()).is_err());
}

#[test]
fn deep_nesting_of_every_kind_of_bracket_and_call() {
    let n = 100_000;
    let texts = [
        format!("{}member{}", "all(".repeat(n), ")".repeat(n)),
        format!("{}member{}", "any(".repeat(n), ")".repeat(n)),
        format!("{}member{}", "at_least(1, ".repeat(n), ")".repeat(n)),
        format!("{}1{} > 0", "(visits + ".repeat(n), ")".repeat(n)),
        format!("{}1{} > 0", "(visits * ".repeat(n), ")".repeat(n)),
        format!("{}visits > 1{}", "(not ".repeat(n), ")".repeat(n)),
        format!("visits in {}", "[".repeat(n)),
        format!("{}visits", "present(".repeat(n)),
        "-".repeat(n),
        format!("visits > {}1", "- ".repeat(n)),
        "\"".repeat(n),
        format!("visits{}", " and visits".repeat(n)),
        format!("visits{}", " or not visits".repeat(n)),
        format!("visits > 1{}", " > 1".repeat(n)),
        format!("visits between {}", "visits between 1 and ".repeat(n)),
    ];
    for text in &texts {
        // Stopped by a limit or a syntax error; either way, an error.
        assert!(
            Condition::parse_with(text, &long_text()).is_err(),
            "{}...",
            &text[..40]
        );
        assert!(Condition::parse(text).unwrap_err().is_limit());
    }
}

#[test]
fn a_megabyte_expression() {
    let clause = "visits > 1 or ";
    let text = format!("{}visits > 1", clause.repeat(1_000_000 / clause.len()));
    assert!(text.len() > 999_000);
    assert_limit(Condition::parse(&text), "max_expression_len");
    assert_limit(
        Condition::parse_with(&text, &long_text()),
        "max_condition_size",
    );
    // With every bound raised, it parses: the work is linear, not recursive.
    let limits = long_text().max_condition_size(usize::MAX);
    let condition = Condition::parse_with(&text, &limits).unwrap();
    assert!(
        matches!(&condition, Condition::Any(items) if items.len() == text.len() / clause.len() + 1)
    );
    // And it is rejected by the engine under its default bounds.
    assert_limit(
        build(small_spec([When::Tree(condition)]), Limits::default()),
        "max_condition_size",
    );
    // A megabyte of one token.
    for token in ["(", "[", "a ", "1", " ", "é", "\"", ",", "not "] {
        let text = token.repeat(1_000_000 / token.len());
        assert!(Condition::parse_with(&text, &long_text()).is_err());
    }
}

#[test]
fn thousands_of_terms_in_a_sum() {
    for terms in [33, 1_000, 10_000] {
        let text = format!("{} > 1", vec!["visits"; terms].join(" + "));
        assert_limit(Condition::parse_with(&text, &long_text()), "max_depth");
        let text = format!("{} > 1", vec!["visits"; terms].join(" * "));
        assert_limit(Condition::parse_with(&text, &long_text()), "max_depth");
    }
    // Left-associative: a sum of 30 terms is a chain 29 deep, within the default.
    let text = format!("{} > 1", vec!["visits"; 30].join(" + "));
    assert!(Condition::parse(&text).is_ok());
}

/// `depth` levels of `not` around `leaf`, built without recursion.
fn nested_not_around(depth: usize, leaf: Condition) -> Condition {
    let mut condition = leaf;
    for _ in 0..depth {
        condition = Condition::Not(Box::new(condition));
    }
    condition
}

/// `depth` levels of `not` around `present(visits)`.
fn nested_not(depth: usize) -> Condition {
    nested_not_around(depth, Condition::Present("visits".into()))
}

/// Nested arithmetic, `((signal + 1) + 1) + ...` with `depth` additions,
/// built without recursion.
fn nested_sum_of(depth: usize, signal: &str) -> Expr {
    let mut expr = Expr::Signal(signal.into());
    for _ in 0..depth {
        expr = Expr::Binary {
            op: ArithOp::Add,
            left: Box::new(expr),
            right: Box::new(Expr::Number(1.0)),
        };
    }
    expr
}

/// `visits + 1 + 1 + ...` with `depth` additions.
fn nested_sum(depth: usize) -> Expr {
    nested_sum_of(depth, "visits")
}

#[test]
fn deep_structured_conditions_are_errors() {
    // Far past any limit, on the 2 MiB stack of a test thread: the library
    // measures, drops and clones a tree without recursion.
    const DEPTH: usize = 100_000;
    let schema = Schema::new(&small_signals()).unwrap();

    let deep = nested_not(DEPTH);
    assert_limit(deep.check(&schema), "max_depth");
    assert_limit(deep.evaluate(&schema, &schema.record()), "max_depth");
    drop(deep);

    assert_limit(
        build(
            small_spec([When::Tree(nested_not(DEPTH))]),
            Limits::default(),
        ),
        "max_depth",
    );
    let deep_sum = Condition::Compare {
        left: nested_sum(DEPTH),
        op: CompareOp::Gt,
        right: Expr::Number(0.0),
    };
    assert_limit(
        build(small_spec([When::Tree(deep_sum)]), Limits::default()),
        "max_depth",
    );
    let wide = Condition::Any(vec![Condition::Present("visits".into()); 100_000]);
    assert_limit(
        build(small_spec([When::Tree(wide)]), Limits::default()),
        "max_condition_size",
    );
    let long_list = Condition::In {
        value: Expr::Signal("visits".into()),
        list: vec![Expr::Number(1.0); 100_000],
    };
    assert_limit(
        build(small_spec([When::Tree(long_list)]), Limits::default()),
        "max_condition_size",
    );
}

#[test]
fn deeply_nested_json_is_a_serde_error() {
    let n = 100_000;
    let json = format!(
        "{}{{\"present\": \"visits\"}}{}",
        "{\"not\": ".repeat(n),
        "}".repeat(n)
    );
    assert!(serde_json::from_str::<Condition>(&json).is_err());
    let rule = format!(r#"{{"id": "deep", "stage": "late", "when": {json}}}"#);
    assert!(serde_json::from_str::<StageRuleSpec>(&rule).is_err());
    // Within serde_json's recursion limit it deserializes, and the engine
    // applies the depth bound.
    let json = format!(
        "{}{{\"present\": \"visits\"}}{}",
        "{\"not\": ".repeat(40),
        "}".repeat(40)
    );
    let condition: Condition = serde_json::from_str(&json).unwrap();
    assert_limit(
        build(small_spec([When::Tree(condition)]), Limits::default()),
        "max_depth",
    );
}

// ---------------------------------------------------------------------------
// Trees of any depth, built in Rust past every limit: dropping, cloning,
// comparing and printing never recurse, and serializing stops at its bound
// with an error. All on the 2 MiB stack of a test thread.
// ---------------------------------------------------------------------------

/// Levels in the trees below: far more than any stack takes by recursion.
const DEEP: usize = 100_000;

/// The deepest tree that serializes, as documented on `Condition`.
const SERIALIZE_DEPTH: usize = 128;

/// `not`, `all` and `any` in turn, `depth` levels around `leaf` (whose text
/// is `leaf_text`), each `all` and `any` with a second item; and the text the
/// tree prints as, built alongside it.
fn nested_mix(depth: usize, leaf: Condition, leaf_text: &str) -> (Condition, String) {
    #[derive(Clone, Copy)]
    enum Kind {
        Leaf,
        Not,
        All,
        Any,
    }
    let mut condition = leaf;
    let mut inner = Kind::Leaf;
    // Each level prints as its `before`, the level inside it, its `after`.
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for level in 0..depth {
        // An `and`/`or` chain needs parentheses inside `not`, an `and` or
        // `or` chain inside `and`, and an `or` chain inside `or`.
        let (kind, open, close) = match level % 3 {
            0 => {
                condition = Condition::Not(Box::new(condition));
                match inner {
                    Kind::All | Kind::Any => (Kind::Not, "not (", ")"),
                    _ => (Kind::Not, "not ", ""),
                }
            }
            1 => {
                condition = Condition::All(vec![condition, Condition::Present("orders".into())]);
                match inner {
                    Kind::All | Kind::Any => (Kind::All, "(", ") and present(orders)"),
                    _ => (Kind::All, "", " and present(orders)"),
                }
            }
            _ => {
                condition = Condition::Any(vec![Condition::Bool(false), condition]);
                match inner {
                    Kind::Any => (Kind::Any, "false or (", ")"),
                    _ => (Kind::Any, "false or ", ""),
                }
            }
        };
        before.push(open);
        after.push(close);
        inner = kind;
    }
    let mut text: String = before.into_iter().rev().collect();
    text.push_str(leaf_text);
    text.extend(after);
    (condition, text)
}

/// The first characters of a long text, for a failure message.
fn start(text: &str) -> &str {
    &text[..text.len().min(60)]
}

#[test]
fn a_hundred_thousand_nots_drop_clone_compare_and_print() {
    let deep = nested_not(DEEP);
    let copy = deep.clone();
    assert!(copy == deep);
    // Different only at the bottom, or one level shorter.
    let other = nested_not_around(DEEP, Condition::Present("orders".into()));
    assert!(other != deep);
    assert!(nested_not(DEEP - 1) != deep);

    let text = deep.to_string();
    let expected = format!("{}present(visits)", "not ".repeat(DEEP));
    assert!(text == expected, "{}", start(&text));
    let debug = format!("{deep:?}");
    assert_eq!(debug.len(), "Condition()".len() + expected.len());
    assert!(debug.starts_with("Condition(not not "), "{}", start(&debug));

    drop(deep);
    drop(copy);
    drop(other);
}

#[test]
fn a_hundred_thousand_additions_drop_clone_compare_and_print() {
    let compare = |left| Condition::Compare {
        left,
        op: CompareOp::Gt,
        right: Expr::Number(0.0),
    };
    let deep = compare(nested_sum(DEEP));
    let copy = deep.clone();
    assert!(copy == deep);
    assert!(compare(nested_sum_of(DEEP, "orders")) != deep);
    assert!(compare(nested_sum(DEEP - 1)) != deep);
    let text = deep.to_string();
    assert!(
        text == format!("visits{} > 0", " + 1".repeat(DEEP)),
        "{}",
        start(&text)
    );

    // A value on its own, nested to the right, where every level takes
    // parentheses: `1 - (1 - (... - (1 - visits)))`.
    let mut right = Expr::Signal("visits".into());
    for _ in 0..DEEP {
        right = Expr::Binary {
            op: ArithOp::Sub,
            left: Box::new(Expr::Number(1.0)),
            right: Box::new(right),
        };
    }
    assert!(right.clone() == right);
    let text = right.to_string();
    let expected = format!(
        "{}1 - visits{}",
        "1 - (".repeat(DEEP - 1),
        ")".repeat(DEEP - 1)
    );
    assert!(text == expected, "{}", start(&text));
    assert!(format!("{right:?}").starts_with("Expr(1 - (1 - ("));

    drop(deep);
    drop(copy);
    drop(right);
}

#[test]
fn a_hundred_thousand_levels_of_all_any_and_not() {
    // The expected text is right: shallow, it parses back to the tree.
    for depth in 0..12 {
        let (tree, text) = nested_mix(
            depth,
            Condition::Present("visits".into()),
            "present(visits)",
        );
        assert_eq!(Condition::parse(&text), Ok(tree), "{text}");
    }

    let (deep, expected) = nested_mix(DEEP, Condition::Present("visits".into()), "present(visits)");
    assert!(expected.starts_with("not (false or not (false or not ("));
    let copy = deep.clone();
    assert!(copy == deep);
    let (other, _) = nested_mix(DEEP, Condition::Present("orders".into()), "present(orders)");
    assert!(other != deep);
    let text = deep.to_string();
    assert!(text == expected, "{}", start(&text));
    assert!(format!("{deep:?}").starts_with("Condition(not (false or "));

    drop(deep);
    drop(copy);
    drop(other);
}

/// Serializes with `serde_json` in each of its ways: to text, to pretty text
/// and to a `Value`.
fn serialize_every_way<T: serde::Serialize>(value: &T) -> Vec<Result<(), serde_json::Error>> {
    vec![
        serde_json::to_string(value).map(drop),
        serde_json::to_string_pretty(value).map(drop),
        serde_json::to_value(value).map(drop),
    ]
}

#[track_caller]
fn assert_too_deep_to_serialize<T: serde::Serialize>(value: &T) {
    for result in serialize_every_way(value) {
        let message = result
            .expect_err("expected a serialization error")
            .to_string();
        assert_eq!(
            message,
            format!("cannot serialize a condition nested deeper than {SERIALIZE_DEPTH} levels")
        );
    }
}

#[test]
fn serializing_stops_at_its_depth_bound() {
    let deep_sum = Condition::Compare {
        left: nested_sum(DEEP),
        op: CompareOp::Gt,
        right: Expr::Number(0.0),
    };
    let (mix, _) = nested_mix(DEEP, Condition::Bool(true), "true");
    assert_too_deep_to_serialize(&nested_not(DEEP));
    assert_too_deep_to_serialize(&deep_sum);
    assert_too_deep_to_serialize(&mix);
    assert_too_deep_to_serialize(&nested_sum(DEEP));
    assert_too_deep_to_serialize(&small_spec([When::Tree(mix)]));

    // Levels count as `Limits::max_depth` counts them, the leaf included.
    let schema = Schema::new(&small_signals()).unwrap();
    let limits = Limits::default().max_depth(SERIALIZE_DEPTH);
    let at_bound = nested_not(SERIALIZE_DEPTH - 1);
    assert!(at_bound.check_with(&schema, &limits).is_ok());
    for result in serialize_every_way(&at_bound) {
        assert!(result.is_ok());
    }
    let over = nested_not(SERIALIZE_DEPTH);
    assert_limit(over.check_with(&schema, &limits), "max_depth");
    assert_too_deep_to_serialize(&over);
    // A comparison is a level, its values the ones below.
    let sum_levels = |levels: usize| Condition::Compare {
        left: nested_sum(levels - 2),
        op: CompareOp::Gt,
        right: Expr::Number(0.0),
    };
    assert!(serde_json::to_string(&sum_levels(SERIALIZE_DEPTH)).is_ok());
    assert_too_deep_to_serialize(&sum_levels(SERIALIZE_DEPTH + 1));
    assert!(serde_json::to_string(&nested_sum(SERIALIZE_DEPTH - 1)).is_ok());
    assert_too_deep_to_serialize(&nested_sum(SERIALIZE_DEPTH));
    let (mix_at_bound, _) = nested_mix(SERIALIZE_DEPTH - 1, Condition::Bool(true), "true");
    assert!(serde_json::to_string(&mix_at_bound).is_ok());
    let (mix_over, _) = nested_mix(SERIALIZE_DEPTH, Condition::Bool(true), "true");
    assert_too_deep_to_serialize(&mix_over);

    // serde_json reads at most 127 nested objects and arrays, so the chain
    // at the bound does not read back; one level below it does, and so does
    // a comparison of sums (two objects a level) half as deep.
    let below = nested_not(SERIALIZE_DEPTH - 2);
    let json = serde_json::to_string(&below).unwrap();
    let back: Condition = serde_json::from_str(&json).unwrap();
    assert_eq!(back, below);
    let sum = sum_levels(SERIALIZE_DEPTH / 2);
    let back: Condition = serde_json::from_str(&serde_json::to_string(&sum).unwrap()).unwrap();
    assert_eq!(back, sum);
}

// ---------------------------------------------------------------------------
// Arbitrary condition text never panics.
// ---------------------------------------------------------------------------

const TOKENS: &[&str] = &[
    "visits",
    "orders",
    "score",
    "member",
    "plan",
    "unknown",
    "Visits",
    "_x",
    "and",
    "or",
    "not",
    "in",
    "between",
    "true",
    "false",
    "present",
    "missing",
    "all",
    "any",
    "at_least",
    "0",
    "1",
    "-1",
    "2.5",
    "-0",
    "1e3",
    "1e400",
    "1e-400",
    ".",
    "1.2.3",
    "1e",
    "0.5e+2",
    "99999999999999999999999",
    "\"free\"",
    "\"pro\"",
    "\"\"",
    "\"unterminated",
    "\"\\q\"",
    "\"a\\\"b\"",
    "(",
    ")",
    "[",
    "]",
    ",",
    "+",
    "-",
    "*",
    "/",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "=",
    "!",
    "&&",
    "||",
    "&",
    "|",
    "'",
    "é",
    "\u{0}",
    "\t",
    "\n",
    "💥",
    "\u{feff}",
    " ",
];

fn token_soup() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(TOKENS), 0..40),
        any::<bool>(),
    )
        .prop_map(|(tokens, spaced)| tokens.join(if spaced { " " } else { "" }))
}

/// Text from the grammar of the language, with names, labels and values of
/// every kind in every place, so much of it parses and some of it checks.
fn grammar_text() -> impl Strategy<Value = String> {
    let name = proptest::sample::select(vec![
        "visits", "orders", "score", "member", "plan", "unknown", "true", "false",
    ]);
    let value = prop_oneof![
        name.clone().prop_map(str::to_owned),
        proptest::sample::select(vec![
            "0", "1", "-1", "2.5", "1e300", "\"free\"", "\"pro\"", "\"gold\""
        ])
        .prop_map(str::to_owned),
    ];
    let expr = value.prop_recursive(3, 8, 2, |inner| {
        (
            inner.clone(),
            proptest::sample::select(vec!["+", "-", "*", "/"]),
            inner,
            any::<bool>(),
        )
            .prop_map(|(a, op, b, parens)| {
                if parens {
                    format!("({a} {op} {b})")
                } else {
                    format!("{a} {op} {b}")
                }
            })
    });
    let compare = proptest::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]);
    let atom = prop_oneof![
        4 => (expr.clone(), compare, expr.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        1 => (expr.clone(), proptest::collection::vec(expr.clone(), 0..3))
            .prop_map(|(a, list)| format!("{a} in [{}]", list.join(", "))),
        1 => (expr.clone(), expr.clone(), expr)
            .prop_map(|(a, low, high)| format!("{a} between {low} and {high}")),
        1 => (proptest::sample::select(vec!["present", "missing"]), name.clone())
            .prop_map(|(f, n)| format!("{f}({n})")),
        1 => name.prop_map(str::to_owned),
    ];
    atom.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not {c}")),
            inner.clone().prop_map(|c| format!("({c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            (
                proptest::sample::select(vec!["all", "any"]),
                proptest::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(f, items)| format!("{f}({})", items.join(", "))),
            (0usize..4, proptest::collection::vec(inner, 0..3)).prop_map(|(k, items)| {
                let mut args = vec![k.to_string()];
                args.extend(items);
                format!("at_least({})", args.join(", "))
            }),
        ]
    })
}

/// Grammar text with a few tokens deleted, inserted or replaced.
fn mutated_text() -> impl Strategy<Value = String> {
    let edit = (0usize..3, any::<usize>(), proptest::sample::select(TOKENS));
    (
        grammar_text(),
        proptest::collection::vec(edit, 1..4),
        any::<bool>(),
    )
        .prop_map(|(text, edits, spaced)| {
            let mut tokens: Vec<&str> = text.split(' ').collect();
            for (kind, at, token) in edits {
                let at = at % (tokens.len() + 1);
                match kind {
                    0 if at < tokens.len() => {
                        tokens.remove(at);
                    }
                    1 if at < tokens.len() => tokens[at] = token,
                    _ => tokens.insert(at, token),
                }
            }
            tokens.join(if spaced { " " } else { "" })
        })
}

/// Whatever the text, parsing returns; when it parses, the tree prints back
/// to text that parses to the same tree, and checking, building an engine and
/// classifying return too, with the engine agreeing with the interpreter.
fn exercise(text: &str) -> Result<(), TestCaseError> {
    let Ok(condition) = Condition::parse(text) else {
        return Ok(());
    };
    let printed = condition.to_string();
    let reparsed = Condition::parse_with(&printed, &long_text());
    prop_assert_eq!(reparsed.as_ref(), Ok(&condition), "printed as {}", printed);
    let schema = Schema::new(&small_signals()).unwrap();
    let checked = condition.check(&schema);
    let engine = build(small_spec([When::Text(text.into())]), Limits::default());
    prop_assert_eq!(checked.is_ok(), engine.is_ok(), "{:?}", engine.err());
    if let Ok(engine) = engine {
        let mut scratch = engine.scratch();
        for record in sample_records(&schema) {
            let holds = condition.evaluate(&schema, &record).unwrap();
            let decision = engine.classify(&record, &mut scratch).to_record();
            prop_assert_eq!(holds, decision.fired == ["r0"]);
            prop_assert_eq!(decision, engine.classify_interpreted(&record));
        }
    }
    Ok(())
}

/// A few customers of the small schema: nobody, zeros, and everything set.
fn sample_records(schema: &Schema) -> Vec<SignalRecord> {
    let empty = schema.record();
    let mut zeros = schema.record();
    zeros.set("visits", 0).unwrap();
    zeros.set("orders", 0).unwrap();
    zeros.set("score", 0.0).unwrap();
    zeros.set("member", false).unwrap();
    zeros.set("plan", "free").unwrap();
    let mut full = schema.record();
    full.set("visits", 3).unwrap();
    full.set("orders", 1).unwrap();
    full.set("score", -2.5).unwrap();
    full.set("member", true).unwrap();
    full.set("plan", "pro").unwrap();
    vec![empty, zeros, full]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        exercise(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,80}") {
        exercise(&text)?;
    }

    #[test]
    fn shuffled_tokens_never_panic(text in token_soup()) {
        exercise(&text)?;
    }

    #[test]
    fn grammatical_text_never_panics(text in grammar_text()) {
        exercise(&text)?;
    }

    #[test]
    fn mutated_grammatical_text_never_panics(text in mutated_text()) {
        exercise(&text)?;
    }
}

// ---------------------------------------------------------------------------
// Arbitrary rulesets never panic.
// ---------------------------------------------------------------------------

/// What to do to the JSON value found at a random path.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove a field of an object or an item of an array.
    Remove(usize),
    /// Replace the value with another, often of the wrong type.
    Replace(serde_json::Value),
    /// Copy an item of an array onto its end (duplicate ids, stages, ...).
    Duplicate(usize),
    /// Swap two items of an array.
    Swap(usize, usize),
    /// Empty an array, object or string.
    Clear,
    /// Add a field nobody declares.
    AddField(String),
    /// Cut a string short or insert a character into it.
    Edit(usize, Option<char>),
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value as Json};
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        proptest::sample::select(vec![
            json!(0),
            json!(-1),
            json!(1.5),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e308),
            json!(-1e308),
        ]),
        proptest::sample::select(vec![
            "",
            "x",
            "evaluation",
            "post_purchase",
            "nowhere",
            "cart_adds >= 1",
            "cart_adds >=",
            "first",
            "highest_score",
            "count",
            "category",
            "reviews_read",
            "Not Snake",
        ])
        .prop_map(|s| Json::String(s.into())),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"not": {"present": "cart_adds"}})),
        Just(
            json!({"compare": {"left": {"signal": "cart_adds"}, "op": "<", "right": {"text": "x"}}})
        ),
        Just(json!({"at_least": {"k": 9, "of": []}})),
        Just(json!({"id": "plan", "kind": "category", "labels": []})),
        Just(json!({"id": "plan", "kind": "category", "labels": ["a", "a"]})),
        Just(json!({"id": "x", "stage": "evaluation", "when": "true"})),
        Just(Json::String("x".repeat(5_000))),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Remove),
        json_value().prop_map(Mutation::Replace),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        Just(Mutation::Clear),
        "[a-z_]{1,8}".prop_map(Mutation::AddField),
        (any::<usize>(), proptest::option::of(any::<char>()))
            .prop_map(|(at, c)| Mutation::Edit(at, c)),
    ]
}

/// The value at `path`, each step an index taken modulo the children there.
fn walk<'v>(value: &'v mut serde_json::Value, path: &[usize]) -> &'v mut serde_json::Value {
    use serde_json::Value as Json;
    let Some((&step, rest)) = path.split_first() else {
        return value;
    };
    let has_children = match &*value {
        Json::Array(items) => !items.is_empty(),
        Json::Object(fields) => !fields.is_empty(),
        _ => false,
    };
    if !has_children {
        return value;
    }
    let child = match value {
        Json::Array(items) => {
            let len = items.len();
            &mut items[step % len]
        }
        Json::Object(fields) => {
            let len = fields.len();
            fields.values_mut().nth(step % len).unwrap()
        }
        _ => unreachable!(),
    };
    walk(child, rest)
}

fn mutate(value: &mut serde_json::Value, mutation: &Mutation) {
    use serde_json::Value as Json;
    match (mutation, value) {
        (Mutation::Remove(i), Json::Array(items)) if !items.is_empty() => {
            let len = items.len();
            items.remove(i % len);
        }
        (Mutation::Remove(i), Json::Object(fields)) if !fields.is_empty() => {
            let key = fields.keys().nth(i % fields.len()).unwrap().clone();
            fields.remove(&key);
        }
        (Mutation::Duplicate(i), Json::Array(items)) if !items.is_empty() => {
            let item = items[i % items.len()].clone();
            items.push(item);
        }
        (Mutation::Swap(a, b), Json::Array(items)) if !items.is_empty() => {
            let len = items.len();
            items.swap(a % len, b % len);
        }
        (Mutation::Clear, Json::Array(items)) => items.clear(),
        (Mutation::Clear, Json::Object(fields)) => fields.clear(),
        (Mutation::Clear, Json::String(text)) => text.clear(),
        (Mutation::AddField(name), Json::Object(fields)) => {
            fields.insert(name.clone(), Json::Bool(true));
        }
        (Mutation::Edit(at, c), Json::String(text)) => {
            let chars: Vec<char> = text.chars().collect();
            let at = at % (chars.len() + 1);
            *text = match c {
                Some(c) => {
                    let mut edited: String = chars[..at].iter().collect();
                    edited.push(*c);
                    edited.extend(&chars[at..]);
                    edited
                }
                None => chars[..at].iter().collect(),
            };
        }
        (Mutation::Replace(new), value) => *value = new.clone(),
        _ => {}
    }
}

/// The built-in model with a score rule and a category, so that mutations
/// reach every part of a ruleset.
fn rich_spec() -> RulesetSpec {
    let mut spec = spec_with_category();
    spec.hit_policy = HitPolicy::HighestScore;
    spec.score_rules.push(ScoreRuleSpec::new(
        "score.pro",
        "evaluation",
        "plan in [\"pro\", \"team\"] and comparisons * 2 > reviews_read",
        1.5,
    ));
    spec.stage_rules.push(StageRuleSpec::new(
        "tree.rule",
        "evaluation",
        Condition::AtLeast {
            k: 1,
            of: vec![
                Condition::Present("plan".into()),
                Condition::Between {
                    value: Expr::Signal("satisfaction".into()),
                    low: Expr::Number(0.0),
                    high: Expr::Number(4.0),
                },
            ],
        },
    ));
    spec
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_rulesets_never_panic(
        mutations in proptest::collection::vec(
            (proptest::collection::vec(any::<usize>(), 0..6), mutation()),
            1..5,
        ),
    ) {
        let mut json = serde_json::to_value(rich_spec()).unwrap();
        for (path, mutation) in &mutations {
            mutate(walk(&mut json, path), mutation);
        }
        let text = serde_json::to_string(&json).unwrap();
        let Ok(spec) = serde_json::from_str::<RulesetSpec>(&text) else {
            return Ok(());
        };
        let Ok(engine) = Engine::builder(spec).build() else {
            return Ok(());
        };
        let mut scratch = engine.scratch();
        for sample in models::sample_customers() {
            // The schema may have changed under the sample: read it through
            // the trait, where what does not fit is missing.
            let customer = Sample(&sample.signals);
            let decision = engine.classify(&customer, &mut scratch).to_record();
            prop_assert!((0.0..=1.0).contains(&decision.confidence));
            prop_assert_eq!(decision, engine.classify_interpreted(&customer));
        }
    }
}

/// A sample customer's signals read by name through [`Signals`].
struct Sample<'a>(&'a [(&'static str, Value<'static>)]);

impl Signals for Sample<'_> {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        self.0
            .iter()
            .find(|(name, _)| *name == signal.id())
            .map(|(_, value)| *value)
    }
}

#[test]
fn broken_rulesets_are_errors() {
    type Breakage = Box<dyn Fn(&mut RulesetSpec)>;
    let cases: Vec<(&str, Breakage)> = vec![
        (
            "stage_rules[0].stage",
            Box::new(|s| s.stage_rules[0].stage = "nowhere".into()),
        ),
        (
            "stage_rules[1].id",
            Box::new(|s| s.stage_rules[1].id = s.stage_rules[0].id.clone()),
        ),
        (
            "score_rules[0].id",
            Box::new(|s| s.score_rules[0].id = s.stage_rules[3].id.clone()),
        ),
        (
            "stage_rules[0].id",
            Box::new(|s| s.stage_rules[0].id.clear()),
        ),
        (
            "stage_rules[0].id",
            Box::new(|s| s.stage_rules[0].id = "x".repeat(129)),
        ),
        (
            "stage_rules[0].id",
            Box::new(|s| s.stage_rules[0].id = "a b".into()),
        ),
        ("stages", Box::new(|s| s.stages.clear())),
        (
            "stages[1].id",
            Box::new(|s| s.stages[1].id = s.stages[0].id.clone()),
        ),
        (
            "stages[2].name",
            Box::new(|s| s.stages[2].name = " ".into()),
        ),
        (
            "signals[1].id",
            Box::new(|s| s.signals[1].id = s.signals[0].id.clone()),
        ),
        (
            "signals[0].id",
            Box::new(|s| s.signals[0].id = "and".into()),
        ),
        (
            "signals[16].labels",
            Box::new(|s| s.signals[16].labels.clear()),
        ),
        (
            "signals[0].labels",
            Box::new(|s| s.signals[0].labels = vec!["x".into()]),
        ),
        (
            "stage_rules[2].when",
            Box::new(|s| s.stage_rules[2].when = "plan == \"gold\"".into()),
        ),
        (
            "stage_rules[2].when",
            Box::new(|s| s.stage_rules[2].when = "plan > 1".into()),
        ),
        (
            "stage_rules[2].when",
            Box::new(|s| {
                s.stage_rules[2].when = When::Tree(Condition::Compare {
                    left: Expr::Signal("cart_adds".into()),
                    op: CompareOp::Ge,
                    right: Expr::Number(f64::NAN),
                });
            }),
        ),
        (
            "stage_rules[2].when",
            Box::new(|s| {
                s.stage_rules[2].when = When::Tree(Condition::AtLeast { k: 3, of: vec![] });
            }),
        ),
    ];
    for (path, break_it) in cases {
        let mut spec = rich_spec();
        break_it(&mut spec);
        let err = Engine::builder(spec).build().unwrap_err();
        assert_eq!(err.location().map(|l| l.path()), Some(path), "{err}");
    }
}

#[test]
fn non_finite_points_are_errors() {
    for points in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut spec = rich_spec();
        spec.score_rules[0].points = points;
        let err = Engine::builder(spec).build().unwrap_err();
        assert!(!err.is_limit());
        assert_eq!(err.location().unwrap().path(), "score_rules[0].points");
    }
    // Finite but huge points are fine, and the confidence stays in [0, 1].
    let mut spec = rich_spec();
    spec.score_rules[0].points = f64::MAX;
    spec.score_rules.push(ScoreRuleSpec::new(
        "score.more",
        "evaluation",
        "present(plan)",
        f64::MAX,
    ));
    let engine = Engine::builder(spec).build().unwrap();
    let mut customer = engine.record();
    customer.set("plan", "pro").unwrap();
    customer.set("comparisons", 1).unwrap();
    customer.set("reviews_read", 1).unwrap();
    let mut scratch = engine.scratch();
    let decision = engine.classify(&customer, &mut scratch);
    assert_eq!(decision.stage().id(), "evaluation");
    assert!((0.0..=1.0).contains(&decision.confidence()));
}

// ---------------------------------------------------------------------------
// Signal values: the checked record rejects them, the trait reads them as
// missing, nothing panics.
// ---------------------------------------------------------------------------

fn value_engine() -> Engine {
    let spec = small_spec([
        When::Text("visits >= 0".into()),
        When::Text("missing(visits)".into()),
        When::Text("visits * visits > 0".into()),
        When::Text("score != 0".into()),
        When::Text("missing(score)".into()),
        When::Text("score / 0 == 0 or score / 0 != 0".into()),
        When::Text("member".into()),
        When::Text("missing(member)".into()),
        When::Text("plan in [\"free\", \"pro\"]".into()),
        When::Text("missing(plan)".into()),
    ]);
    Engine::builder(spec).build().unwrap()
}

/// One value for every signal, read through the trait.
struct Everything<'a>(Value<'a>);

impl Signals for Everything<'_> {
    fn value(&self, _: &Signal) -> Option<Value<'_>> {
        Some(self.0)
    }
}

#[test]
fn hostile_numbers_through_the_record_are_errors() {
    let engine = value_engine();
    let mut record = engine.record();
    record.set("visits", 2).unwrap();
    record.set("score", 1.5).unwrap();
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN] {
        assert!(matches!(
            record.set("visits", value).map_err(|e| e.kind().clone()),
            Err(ErrorKind::NotFinite { .. })
        ));
        assert!(matches!(
            record.set("score", value).map_err(|e| e.kind().clone()),
            Err(ErrorKind::NotFinite { .. })
        ));
    }
    for value in [-1.0, 0.5, -0.5, 1e-300, f64::MIN, f64::EPSILON] {
        assert!(matches!(
            record.set("visits", value).map_err(|e| e.kind().clone()),
            Err(ErrorKind::InvalidCount { .. })
        ));
    }
    assert!(matches!(
        record.set("visits", true).map_err(|e| e.kind().clone()),
        Err(ErrorKind::WrongKind { .. })
    ));
    assert!(matches!(
        record.set("member", 1).map_err(|e| e.kind().clone()),
        Err(ErrorKind::WrongKind { .. })
    ));
    assert!(matches!(
        record.set("plan", "gold").map_err(|e| e.kind().clone()),
        Err(ErrorKind::UnknownLabel { .. })
    ));
    assert!(matches!(
        record.set("plan", "").map_err(|e| e.kind().clone()),
        Err(ErrorKind::UnknownLabel { .. })
    ));
    assert!(matches!(
        record.set("nothing", 1).map_err(|e| e.kind().clone()),
        Err(ErrorKind::Unknown { .. })
    ));
    // Unchanged by every error.
    assert_eq!(record.get("visits"), Some(Value::Number(2.0)));
    assert_eq!(record.get("score"), Some(Value::Number(1.5)));

    // Negative zero is zero; huge whole numbers are counts.
    record.set("visits", -0.0).unwrap();
    assert_eq!(record.get("visits"), Some(Value::Number(0.0)));
    record.set("score", -0.0).unwrap();
    for value in [1e300, f64::MAX, 9_007_199_254_740_993.0] {
        record.set("visits", value).unwrap();
        assert_eq!(record.get("visits"), Some(Value::Number(value)));
    }
    record.set("visits", 1e300).unwrap();
    record.set("score", f64::MIN).unwrap();
    let mut scratch = engine.scratch();
    let decision = engine.classify(&record, &mut scratch).to_record();
    assert_eq!(decision, engine.classify_interpreted(&record));
    // `visits * visits` overflows to a missing value: the rule does not fire.
    assert!(decision.fired.contains(&"r0".to_owned()));
    assert!(!decision.fired.contains(&"r2".to_owned()));
    assert!(decision.fired.contains(&"r3".to_owned()));
    // Division by zero is missing: neither `==` nor `!=` holds.
    assert!(!decision.fired.contains(&"r5".to_owned()));
}

#[test]
fn hostile_values_through_the_trait_are_missing() {
    let engine = value_engine();
    let schema = engine.schema().clone();
    let mut scratch = engine.scratch();
    let missing_rules = |decision: &buyer_journey::DecisionRecord| {
        ["r1", "r4", "r7", "r9"]
            .into_iter()
            .filter(|id| decision.fired.iter().any(|f| f == id))
            .count()
    };
    for value in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.5,
        -1.0,
        -1e300,
    ] {
        let customer = Everything(Value::Number(value));
        let decision = engine.classify(&customer, &mut scratch).to_record();
        assert_eq!(decision, engine.classify_interpreted(&customer));
        // Every signal is missing except `score` for a finite value.
        let missing = missing_rules(&decision);
        assert_eq!(missing, if value.is_finite() { 3 } else { 4 }, "{value}");
        let visits_missing = Condition::parse("missing(visits)").unwrap();
        assert!(visits_missing.evaluate(&schema, &customer).unwrap());
    }
    for value in [-0.0, 0.0, 1e300, f64::MAX] {
        let customer = Everything(Value::Number(value));
        let decision = engine.classify(&customer, &mut scratch).to_record();
        assert_eq!(decision, engine.classify_interpreted(&customer));
        assert!(decision.fired.contains(&"r0".to_owned()), "{value}");
        assert_eq!(missing_rules(&decision), 2);
    }
    for value in [Value::Flag(true), Value::Label("pro"), Value::Label("gold")] {
        let customer = Everything(value);
        let decision = engine.classify(&customer, &mut scratch).to_record();
        assert_eq!(decision, engine.classify_interpreted(&customer));
    }
    // A label that is not declared is missing.
    let customer = Everything(Value::Label("gold"));
    let decision = engine.classify(&customer, &mut scratch).to_record();
    assert_eq!(missing_rules(&decision), 4);
}

fn any_value() -> impl Strategy<Value = OwnedValue> {
    prop_oneof![
        4 => proptest::num::f64::ANY.prop_map(OwnedValue::Number),
        2 => proptest::sample::select(vec![
            0.0, -0.0, 1.0, 0.5, -1.0, 1e300, -1e300, f64::MAX, f64::MIN, f64::MIN_POSITIVE,
            f64::NAN, f64::INFINITY, f64::NEG_INFINITY,
        ])
        .prop_map(OwnedValue::Number),
        1 => any::<bool>().prop_map(OwnedValue::Flag),
        1 => "free|pro|gold|\\PC{0,5}".prop_map(OwnedValue::Label),
    ]
}

#[derive(Debug, Clone)]
enum OwnedValue {
    Number(f64),
    Flag(bool),
    Label(String),
}

impl OwnedValue {
    fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Number(n) => Value::Number(*n),
            OwnedValue::Flag(b) => Value::Flag(*b),
            OwnedValue::Label(label) => Value::Label(label),
        }
    }
}

/// A customer with an arbitrary value (or none) for each signal, by position.
struct Arbitrary(Vec<Option<OwnedValue>>);

impl Signals for Arbitrary {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        self.0
            .get(signal.index().as_usize())?
            .as_ref()
            .map(OwnedValue::as_value)
    }
}

/// Whether `value` fits `kind`, as the documentation states.
fn fits(kind: SignalKind, value: &OwnedValue, labels: &[&str]) -> bool {
    match (kind, value) {
        (SignalKind::Number, OwnedValue::Number(n)) => n.is_finite(),
        (SignalKind::Count, OwnedValue::Number(n)) => {
            n.is_finite() && *n >= 0.0 && n.fract() == 0.0
        }
        (SignalKind::Flag, OwnedValue::Flag(_)) => true,
        (SignalKind::Category, OwnedValue::Label(label)) => labels.contains(&label.as_str()),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_values_never_panic(
        values in proptest::collection::vec(proptest::option::of(any_value()), 5),
    ) {
        let engine = value_engine();
        let schema = engine.schema().clone();
        let customer = Arbitrary(values.clone());
        let mut record = engine.record();
        for (signal, value) in schema.iter().zip(&values) {
            let Some(value) = value else { continue };
            let labels: Vec<&str> = signal.labels().collect();
            let fits = fits(signal.kind(), value, &labels);
            let set = record.set(signal.id(), value.as_value());
            prop_assert_eq!(set.is_ok(), fits, "{} = {:?}: {:?}", signal.id(), value, set);
            // Read through the trait, a value is present exactly when it fits.
            let present = Condition::Present(signal.id().into());
            prop_assert_eq!(present.evaluate(&schema, &customer).unwrap(), fits);
        }
        let mut scratch = engine.scratch();
        let through_trait = engine.classify(&customer, &mut scratch).to_record();
        prop_assert_eq!(&through_trait, &engine.classify_interpreted(&customer));
        // The record holds exactly the values that fit, so it decides alike.
        let through_record = engine.classify(&record, &mut scratch).to_record();
        prop_assert_eq!(through_trait, through_record);
    }
}

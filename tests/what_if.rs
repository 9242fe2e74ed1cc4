//! [`WhatIf`] against the single path: for random populations fed in
//! random batches, the report is what deciding each customer one by one
//! with [`Engine::decide`] under both rulesets gives, count for count: the
//! stages, the movement matrix (which sums to the population), the top
//! actions, the suggestions, the tags, the customers left without an action
//! and those whose top action changed.
//!
//! Run with `cargo test --test integration what_if::`.

use indexmap::IndexMap;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use buyer_journey::{
    models, ChangedCustomer, Column, Columns, ContactLog, Document, Engine, NoActionCounts,
    SignalSpec, StageRuleSpec, Timestamp, WhatIf, WhatIfReport, WhatIfSide,
};

use crate::support::built_in;

/// The changed copy of the built-in model the `what_if` example is tested
/// with: a renamed stage, a stricter rule, another top action, a stage
/// whose customers may get no action.
fn changed() -> Engine {
    let text = std::fs::read_to_string("tests/data/what_if/changed.json").expect("the test data");
    let spec = Document::from_json(&text).expect("a document").into_spec();
    Engine::builder(spec).build().expect("a valid ruleset")
}

/// The built-in model reading one more signal, for a comparison whose
/// schemas differ: a coupon used puts the customer in the purchase
/// decision.
fn with_coupons() -> Engine {
    let mut spec = models::buying_process();
    spec.signals.push(SignalSpec::count("coupons_used"));
    spec.stage_rules.push(StageRuleSpec::new(
        "purchase_decision.coupon",
        "purchase_decision",
        "coupons_used >= 1",
    ));
    Engine::builder(spec).build().expect("a valid ruleset")
}

/// A customer: a value for each signal id, or none.
type Customer = IndexMap<String, f64>;

/// Customers over the built-in signals and `coupons_used`, each signal
/// missing half the time, counts and numbers small.
fn customers() -> impl Strategy<Value = Vec<Customer>> {
    let mut ids = crate::support::built_in_signal_ids();
    ids.push("coupons_used".to_owned());
    let signals = ids.len();
    prop::collection::vec(
        prop::collection::vec(prop::option::of(0_u8..6), signals),
        0..300,
    )
    .prop_map(move |rows| {
        rows.into_iter()
            .map(|row| {
                ids.iter()
                    .zip(row)
                    .filter_map(|(id, value)| Some((id.clone(), f64::from(value?))))
                    .collect()
            })
            .collect()
    })
}

/// Each customer's values as `engine`'s columns: one per signal, NaN where
/// missing.
fn columns_data(engine: &Engine, customers: &[Customer]) -> Vec<Vec<f64>> {
    engine
        .schema()
        .iter()
        .map(|signal| {
            customers
                .iter()
                .map(|customer| customer.get(signal.id()).copied().unwrap_or(f64::NAN))
                .collect()
        })
        .collect()
}

fn columns<'a>(
    engine: &Engine,
    data: &'a [Vec<f64>],
    range: std::ops::Range<usize>,
) -> Columns<'a> {
    let mut columns = Columns::new(engine.schema(), range.len());
    for (signal, values) in engine.schema().iter().zip(data) {
        columns
            .set_at(signal.index(), Column::f64(&values[range.clone()]))
            .expect("a column of the batch's length");
    }
    columns
}

/// The report, computed customer by customer with the single path.
pub(crate) fn expected(
    a: &Engine,
    b: &Engine,
    customers: &[Customer],
    now: Timestamp,
) -> WhatIfReport {
    let zeros = |ids: Vec<&str>| -> IndexMap<String, u64> {
        ids.into_iter().map(|id| (id.to_owned(), 0)).collect()
    };
    let side = |engine: &Engine| WhatIfSide {
        stages: zeros(engine.model().iter().map(|s| s.id()).collect()),
        top_action: zeros(engine.actions().map(|x| x.id()).collect()),
        top_kind: zeros(engine.actions().map(|x| x.kind()).collect()),
        suggested: zeros(engine.actions().map(|x| x.id()).collect()),
        suggested_kind: zeros(engine.actions().map(|x| x.kind()).collect()),
        tags: zeros(engine.tags().map(|t| t.id()).collect()),
    };
    let mut report = WhatIfReport {
        population: customers.len() as u64,
        now,
        a: side(a),
        b: side(b),
        moves: a
            .model()
            .iter()
            .map(|from| {
                (
                    from.id().to_owned(),
                    zeros(b.model().iter().map(|s| s.id()).collect()),
                )
            })
            .collect(),
        top_action_changed: 0,
        changed: Vec::new(),
        no_action: NoActionCounts {
            a: zeros(a.model().iter().map(|s| s.id()).collect()),
            b: zeros(b.model().iter().map(|s| s.id()).collect()),
        },
    };
    let (mut scratch_a, mut scratch_b) = (a.scratch(), b.scratch());
    let history = ContactLog::new();
    for (position, customer) in customers.iter().enumerate() {
        let record = |engine: &Engine| {
            let mut record = engine.record();
            for signal in engine.schema().iter() {
                if let Some(&value) = customer.get(signal.id()) {
                    record.set(signal.id(), value).expect("a small value fits");
                }
            }
            record
        };
        let (record_a, record_b) = (record(a), record(b));
        let decision_a = a.decide(&record_a, &history, now, &mut scratch_a);
        let decision_b = b.decide(&record_b, &history, now, &mut scratch_b);
        let mut tops = Vec::new();
        for (decision, side, no_action) in [
            (&decision_a, &mut report.a, &mut report.no_action.a),
            (&decision_b, &mut report.b, &mut report.no_action.b),
        ] {
            let stage = decision.stage().id();
            side.stages[stage] += 1;
            let top = decision.actions().next();
            match top {
                Some(top) => {
                    side.top_action[top.id()] += 1;
                    side.top_kind[top.kind()] += 1;
                }
                None => no_action[stage] += 1,
            }
            for suggestion in decision.actions() {
                side.suggested[suggestion.id()] += 1;
                side.suggested_kind[suggestion.kind()] += 1;
            }
            for tag in decision.tags() {
                side.tags[tag.id()] += 1;
            }
            tops.push(top.map(|top| top.id().to_owned()));
        }
        report.moves[decision_a.stage().id()][decision_b.stage().id()] += 1;
        if tops[0] != tops[1] {
            report.top_action_changed += 1;
            if report.changed.len() < WhatIf::EXAMPLES {
                report.changed.push(ChangedCustomer {
                    position: position as u64,
                    id: None,
                    from_stage: decision_a.stage().id().to_owned(),
                    to_stage: decision_b.stage().id().to_owned(),
                    from_action: tops[0].clone(),
                    to_action: tops[1].clone(),
                });
            }
        }
    }
    report
}

/// The report of `what_if` fed `customers` in batches of `batch`
/// customers, each engine its own columns.
fn fed(
    a: &Engine,
    b: &Engine,
    customers: &[Customer],
    batch: usize,
    now: Timestamp,
) -> WhatIfReport {
    let (data_a, data_b) = (columns_data(a, customers), columns_data(b, customers));
    let mut what_if = WhatIf::new(a, b, now);
    let mut start = 0;
    while start < customers.len() {
        let end = (start + batch).min(customers.len());
        what_if
            .add_each(
                &columns(a, &data_a, start..end),
                &columns(b, &data_b, start..end),
            )
            .expect("columns of each engine's schema");
        start = end;
    }
    what_if.report()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_report_is_the_single_path_customer_by_customer(
        customers in customers(),
        batch in 1_usize..150,
        changed_b in any::<bool>(),
    ) {
        let a = built_in();
        let b = if changed_b { changed() } else { with_coupons() };
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let report = fed(&a, &b, &customers, batch, now);
        let moved: u64 = report.moves.values().flat_map(|row| row.values()).sum();
        prop_assert_eq!(moved, customers.len() as u64);
        prop_assert_eq!(report, expected(&a, &b, &customers, now));
    }
}

#[test]
fn one_set_of_columns_serves_two_engines_of_one_schema() {
    let (a, b) = (built_in(), changed());
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let customers = customers()
        .new_tree(&mut runner)
        .expect("customers")
        .current();
    let data = columns_data(&a, &customers);
    let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
    what_if
        .add(&columns(&a, &data, 0..customers.len()))
        .expect("one schema");
    assert_eq!(
        what_if.report(),
        fed(&a, &b, &customers, 64, Timestamp::EPOCH)
    );
}

#[test]
fn columns_of_another_schema_are_refused_and_nothing_is_counted() {
    let (a, b) = (built_in(), with_coupons());
    let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
    let err = what_if.add(&Columns::new(a.schema(), 3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "columns: the columns were made for another schema: make them with the engine's"
    );
    let err = what_if
        .add_named(
            &Columns::new(a.schema(), 2),
            &Columns::new(b.schema(), 2),
            &["c1"],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ids: 1 ids for 2 customers: one per customer"
    );
    let report = what_if.report();
    assert_eq!(report.population, 0);
    assert!(report
        .moves
        .values()
        .flat_map(|row| row.values())
        .all(|&n| n == 0));
}

#[test]
fn a_stage_only_one_ruleset_has_is_its_own_row_or_column() {
    let (a, b) = (built_in(), changed());
    let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
    let mut columns = Columns::new(a.schema(), 2);
    columns.set("purchases", Column::u32(&[1, 0])).unwrap();
    what_if.add(&columns).unwrap();
    let report = what_if.report();
    assert_eq!(report.moves["post_purchase"]["loyalty"], 1);
    assert!(!report.moves.contains_key("loyalty"));
    assert!(!report.moves["post_purchase"].contains_key("post_purchase"));
    assert_eq!(report.stayed(), 1);
    let text = report.to_string();
    assert!(text.contains("\npost_purchase       |"), "{text}");
    assert!(text.contains("\nloyalty             -"), "{text}");
}

#[test]
fn the_examples_are_bounded_and_name_the_customers() {
    let (a, b) = (built_in(), changed());
    // Every customer evaluating with one comparison: B moves them all.
    let comparisons = vec![1.0; 40];
    let mut columns = Columns::new(a.schema(), 40);
    columns
        .set("comparisons", Column::f64(&comparisons))
        .unwrap();
    let ids: Vec<String> = (0..40).map(|n| format!("c{n}")).collect();
    let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH).with_examples(3);
    what_if.add_named(&columns, &columns, &ids).unwrap();
    what_if.add_named(&columns, &columns, &ids).unwrap();
    let report = what_if.report();
    assert_eq!(report.top_action_changed, 80);
    let named: Vec<(u64, Option<&str>)> = report
        .changed
        .iter()
        .map(|c| (c.position, c.id.as_deref()))
        .collect();
    assert_eq!(named, [(0, Some("c0")), (1, Some("c1")), (2, Some("c2"))]);
    assert_eq!(report.moves["evaluation"]["need_recognition"], 80);
}

#[test]
fn the_text_has_a_section_per_figure_and_no_trailing_spaces() {
    let (a, b) = (built_in(), changed());
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let customers = customers()
        .new_tree(&mut runner)
        .expect("customers")
        .current();
    let report = fed(&a, &b, &customers, 100, Timestamp::EPOCH);
    let text = report.to_string();
    assert!(text.starts_with(&format!(
        "what if: {} customers, each decided by a and by b at @0 with an empty contact history\n",
        customers.len()
    )));
    for heading in [
        "\n\nstages ",
        "\n\nmoves (rows: stage under a, columns: stage under b; ",
        "\n\ntop action changed: ",
        "\n\ntop action per kind ",
        "\n\ntop action ",
        "\n\nsuggested at any rank ",
        "\n\nno action, per stage ",
    ] {
        assert!(text.contains(heading), "{heading:?} in\n{text}");
    }
    assert!(text.lines().all(|line| line == line.trim_end()), "{text}");
    // A bar per stage and engine, as long as its share of 20 characters.
    for (stage, &count) in &report.a.stages {
        let line = text
            .lines()
            .find(|line| line.starts_with(&format!("{stage} ")))
            .expect("a line per stage");
        let bar = line.split('|').nth(1).expect("a bar");
        assert_eq!(bar.len(), 20);
        // Whole shares of 20 characters, in integers: rounded half up.
        let population = customers.len().max(1) as u64;
        let expected = usize::try_from((count * 40 + population) / (2 * population)).unwrap();
        assert_eq!(bar.trim_end().len(), expected, "{line}");
    }
}

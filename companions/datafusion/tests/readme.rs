//! The SQL the README's "Past one machine" section shows runs as shown,
//! and answers what the section says it does.

use std::sync::Arc;

use buyer_journey::{models, Engine};
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Int64Type, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;

/// The statements of the section's `sql` blocks.
fn readme_statements() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("Past one machine"))
        .expect("the README has a section \"Past one machine\"");
    let mut statements = Vec::new();
    for block in section.split("```sql\n").skip(1) {
        let sql = block.split("```").next().unwrap();
        statements.extend(
            sql.split(';')
                .map(str::trim)
                .filter(|statement| !statement.is_empty())
                .map(str::to_owned),
        );
    }
    statements
}

/// Four customers, one per stage up to the purchase decision, with their
/// signals as columns and again as one struct column.
fn customers() -> RecordBatch {
    let ids = ["need", "searching", "evaluating", "buying"];
    let signals = [
        ("reviews_read", [0, 3, 2, 0]),
        ("comparisons", [0, 0, 2, 0]),
        ("cart_adds", [0, 0, 0, 1]),
        ("purchases", [0, 0, 0, 0]),
    ];
    let fields: Vec<Field> = signals
        .iter()
        .map(|(name, _)| Field::new(*name, DataType::Int64, true))
        .collect();
    let columns: Vec<ArrayRef> = signals
        .iter()
        .map(|(_, values)| Arc::new(Int64Array::from(values.to_vec())) as ArrayRef)
        .collect();
    let strukt = StructArray::new(Fields::from(fields.clone()), columns.clone(), None);
    let mut all_fields = vec![Field::new("customer_id", DataType::Utf8, false)];
    all_fields.extend(fields);
    all_fields.push(Field::new("signals", strukt.data_type().clone(), false));
    let mut all_columns: Vec<ArrayRef> = vec![Arc::new(StringArray::from(ids.to_vec()))];
    all_columns.extend(columns);
    all_columns.push(Arc::new(strukt));
    RecordBatch::try_new(Arc::new(Schema::new(all_fields)), all_columns).unwrap()
}

#[tokio::test]
async fn the_readme_sql_runs_and_answers_as_the_readme_says() {
    let statements = readme_statements();
    assert_eq!(statements.len(), 3, "{statements:#?}");
    let ctx = SessionContext::new();
    JourneyFunctions::new(Engine::builder(models::buying_process()).build().unwrap())
        .register(&ctx);
    ctx.register_batch("customers", customers()).unwrap();

    let mut answers = Vec::new();
    for statement in &statements {
        let frame = ctx
            .sql(statement)
            .await
            .unwrap_or_else(|err| panic!("{statement}\n{err}"));
        answers.push(
            frame
                .collect()
                .await
                .unwrap_or_else(|err| panic!("{statement}\n{err}")),
        );
    }

    let by_columns = pretty_format_batches(&answers[0]).unwrap().to_string();
    for (customer, stage) in [
        ("need", "need_recognition"),
        ("searching", "information_search"),
        ("evaluating", "evaluation"),
        ("buying", "purchase_decision"),
    ] {
        assert!(
            by_columns
                .lines()
                .any(|line| line.contains(&format!("| {customer} ")) && line.contains(stage)),
            "{customer} in {stage}:\n{by_columns}"
        );
    }

    let counts = &answers[1];
    let total: i64 = counts
        .iter()
        .map(|batch| {
            batch
                .column(1)
                .as_primitive::<Int64Type>()
                .iter()
                .flatten()
                .sum::<i64>()
        })
        .sum();
    assert_eq!(total, 4, "{}", pretty_format_batches(counts).unwrap());

    let evaluating = pretty_format_batches(&answers[2]).unwrap().to_string();
    let rows: Vec<&str> = evaluating
        .lines()
        .filter(|line| line.starts_with("| "))
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "a header and the one evaluating customer:\n{evaluating}"
    );
    assert!(rows[1].contains("| evaluating "), "{evaluating}");
    let next_action = answers[2][0].column(2).as_string::<i32>();
    assert!(!next_action.is_null(0), "{evaluating}");
    assert!(!next_action.value(0).is_empty(), "{evaluating}");
}

//! The SQL functions give, row by row, what the library's single path
//! gives for the same customer, on generated tables full of nulls, extreme
//! and invalid values, for the built-in model and a second ruleset (flags,
//! categories with aliases, ranges), with every Arrow type each signal
//! kind is read from, as columns and as one struct, on one partition and
//! on two.

// The generators cast on purpose: each value is made to fit its column's
// type, and the library is given what that type holds.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::many_single_char_names
)]

mod support;

use std::sync::Arc;

use buyer_journey::{models, ContactLog, Decision, Engine, Signal, SignalKind, Timestamp, Value};
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, DictionaryArray, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, Int8Array, LargeStringArray, RecordBatch, StringArray,
    StringViewArray, StructArray, UInt32Array, UInt64Array, UInt8Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int32Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

use support::Rng;

/// One customer's answer, as the library's single path gives it.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    stage: String,
    confidence: f64,
    tags: Vec<String>,
    actions: Vec<(String, String, f64, f64, f64)>,
}

fn answer(decision: &Decision<'_>) -> Answer {
    Answer {
        stage: decision.stage().id().to_owned(),
        confidence: decision.confidence(),
        tags: decision.tags().map(|t| t.id().to_owned()).collect(),
        actions: decision
            .actions()
            .map(|a| {
                (
                    a.id().to_owned(),
                    a.kind().to_owned(),
                    a.priority(),
                    a.propensity(),
                    a.value(),
                )
            })
            .collect(),
    }
}

/// A cell of a generated table: what the column holds, and the value the
/// library is given for it (`None`: the signal is missing).
struct Cell {
    arrow: Raw,
    value: Option<Given>,
}

#[derive(Clone)]
enum Raw {
    Null,
    F(f64),
    I(i64),
    U(u64),
    B(bool),
    T(String),
}

enum Given {
    Number(f64),
    Flag(bool),
    Label(String),
}

/// The Arrow types a signal of each kind is read from.
fn types(kind: SignalKind) -> Vec<DataType> {
    match kind {
        SignalKind::Flag => vec![DataType::Boolean, DataType::Int64, DataType::Int8],
        SignalKind::Category => vec![
            DataType::Utf8,
            DataType::Utf8View,
            DataType::LargeUtf8,
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        ],
        _ => vec![
            DataType::Float64,
            DataType::Int64,
            DataType::UInt32,
            DataType::Int32,
            DataType::Float32,
            DataType::UInt8,
            DataType::Int16,
            DataType::UInt64,
        ],
    }
}

fn cell(rng: &mut Rng, signal: &Signal, data_type: &DataType) -> Cell {
    if rng.below(6) == 0 {
        return Cell {
            arrow: Raw::Null,
            value: None,
        };
    }
    let range = signal.range();
    let number = |x: f64| Some(Given::Number(x));
    match data_type {
        DataType::Float64 | DataType::Float32 => {
            let edges = [
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                -f64::MAX,
                f64::MIN_POSITIVE,
                -0.0,
                -1.0,
                2.5,
                1e300,
                range.and_then(|r| r.min).unwrap_or(0.0),
                range.and_then(|r| r.max).unwrap_or(1e9),
                range.and_then(|r| r.max).map_or(7.0, |m| m + 1e-9),
            ];
            let x = if rng.below(3) == 0 {
                edges[rng.below(edges.len() as u64) as usize]
            } else {
                rng.below(12) as f64
            };
            let x = if *data_type == DataType::Float32 {
                f64::from(x as f32)
            } else {
                x
            };
            Cell {
                arrow: Raw::F(x),
                value: number(x),
            }
        }
        DataType::Int64 | DataType::Int32 | DataType::Int16 | DataType::Int8 => {
            let (min, max) = match data_type {
                DataType::Int64 => (i64::MIN, i64::MAX),
                DataType::Int32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
                DataType::Int16 => (i64::from(i16::MIN), i64::from(i16::MAX)),
                _ => (i64::from(i8::MIN), i64::from(i8::MAX)),
            };
            let edges = [min, max, -1, 0, 1, 2, (1 << 53) + 1];
            let x = if rng.below(3) == 0 {
                edges[rng.below(edges.len() as u64) as usize].clamp(min, max)
            } else {
                rng.below(12) as i64
            };
            let value = if signal.kind() == SignalKind::Flag {
                match x {
                    0 => Some(Given::Flag(false)),
                    1 => Some(Given::Flag(true)),
                    _ => None,
                }
            } else {
                number(x as f64)
            };
            Cell {
                arrow: Raw::I(x),
                value,
            }
        }
        DataType::UInt64 | DataType::UInt32 | DataType::UInt8 => {
            let max = match data_type {
                DataType::UInt64 => u64::MAX,
                DataType::UInt32 => u64::from(u32::MAX),
                _ => u64::from(u8::MAX),
            };
            let x = if rng.below(4) == 0 {
                max
            } else {
                rng.below(12)
            };
            Cell {
                arrow: Raw::U(x),
                value: number(x as f64),
            }
        }
        DataType::Boolean => {
            let b = rng.below(2) == 1;
            Cell {
                arrow: Raw::B(b),
                value: Some(Given::Flag(b)),
            }
        }
        _ => {
            let labels: Vec<&str> = signal.labels().collect();
            let aliases: Vec<&str> = signal.aliases().map(|(alias, _)| alias).collect();
            let text = match rng.below(8) {
                0 => "no such label".to_owned(),
                1 => String::new(),
                2 => format!(" {}", labels[0]),
                3 if !aliases.is_empty() => {
                    aliases[rng.below(aliases.len() as u64) as usize].to_owned()
                }
                _ => labels[rng.below(labels.len() as u64) as usize].to_owned(),
            };
            let value = signal.label(&text).map(|l| Given::Label(l.to_owned()));
            Cell {
                arrow: Raw::T(text),
                value,
            }
        }
    }
}

fn array(data_type: &DataType, cells: &[Raw]) -> ArrayRef {
    let f = |c: &Raw| match c {
        Raw::F(x) => Some(*x),
        _ => None,
    };
    let i = |c: &Raw| match c {
        Raw::I(x) => Some(*x),
        _ => None,
    };
    let u = |c: &Raw| match c {
        Raw::U(x) => Some(*x),
        _ => None,
    };
    let t = |c: &Raw| match c {
        Raw::T(x) => Some(x.clone()),
        _ => None,
    };
    match data_type {
        DataType::Float64 => Arc::new(cells.iter().map(f).collect::<Float64Array>()),
        DataType::Float32 => Arc::new(
            cells
                .iter()
                .map(|c| f(c).map(|x| x as f32))
                .collect::<Float32Array>(),
        ),
        DataType::Int64 => Arc::new(cells.iter().map(i).collect::<Int64Array>()),
        DataType::Int32 => Arc::new(
            cells
                .iter()
                .map(|c| i(c).map(|x| x as i32))
                .collect::<Int32Array>(),
        ),
        DataType::Int16 => Arc::new(
            cells
                .iter()
                .map(|c| i(c).map(|x| x as i16))
                .collect::<Int16Array>(),
        ),
        DataType::Int8 => Arc::new(
            cells
                .iter()
                .map(|c| i(c).map(|x| x as i8))
                .collect::<Int8Array>(),
        ),
        DataType::UInt64 => Arc::new(cells.iter().map(u).collect::<UInt64Array>()),
        DataType::UInt32 => Arc::new(
            cells
                .iter()
                .map(|c| u(c).map(|x| x as u32))
                .collect::<UInt32Array>(),
        ),
        DataType::UInt8 => Arc::new(
            cells
                .iter()
                .map(|c| u(c).map(|x| x as u8))
                .collect::<UInt8Array>(),
        ),
        DataType::Boolean => Arc::new(
            cells
                .iter()
                .map(|c| match c {
                    Raw::B(b) => Some(*b),
                    _ => None,
                })
                .collect::<BooleanArray>(),
        ),
        DataType::Utf8 => Arc::new(cells.iter().map(t).collect::<StringArray>()),
        DataType::Utf8View => Arc::new(cells.iter().map(t).collect::<StringViewArray>()),
        DataType::LargeUtf8 => Arc::new(cells.iter().map(t).collect::<LargeStringArray>()),
        DataType::Dictionary(_, _) => {
            let texts: Vec<Option<String>> = cells.iter().map(t).collect();
            Arc::new(
                texts
                    .iter()
                    .map(Option::as_deref)
                    .collect::<DictionaryArray<Int32Type>>(),
            )
        }
        other => panic!("no generator for {other}"),
    }
}

/// A generated table: `row_id` and one column per signal, the type of
/// signal `s` being the `(s + variant)`-th its kind is read from; and each
/// row's answer from the library's single path.
fn table(engine: &Engine, rows: usize, variant: usize, seed: u64) -> (RecordBatch, Vec<Answer>) {
    let mut rng = Rng::new(seed);
    let signals: Vec<&Signal> = engine.schema().iter().collect();
    let data_types: Vec<DataType> = signals
        .iter()
        .enumerate()
        .map(|(s, signal)| {
            let types = types(signal.kind());
            types[(s + variant) % types.len()].clone()
        })
        .collect();
    let mut columns: Vec<Vec<Raw>> = vec![Vec::with_capacity(rows); signals.len()];
    let mut answers = Vec::with_capacity(rows);
    let mut scratch = engine.scratch();
    for _ in 0..rows {
        let mut record = engine.record();
        for (s, signal) in signals.iter().enumerate() {
            let cell = cell(&mut rng, signal, &data_types[s]);
            columns[s].push(cell.arrow);
            // A value the signal does not take is missing, as on every path.
            let _ = match cell.value {
                None => Ok(()),
                Some(Given::Number(x)) => record.set(signal.id(), x),
                Some(Given::Flag(b)) => record.set(signal.id(), b),
                Some(Given::Label(l)) => record.set(signal.id(), Value::Label(&l)),
            };
        }
        answers.push(answer(&engine.decide(
            &record,
            &ContactLog::new(),
            Timestamp::EPOCH,
            &mut scratch,
        )));
    }
    let mut fields = vec![Field::new("row_id", DataType::Int64, false)];
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(0..rows as i64))];
    for (s, signal) in signals.iter().enumerate() {
        fields.push(Field::new(signal.id(), data_types[s].clone(), true));
        arrays.push(array(&data_types[s], &columns[s]));
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
    (batch, answers)
}

/// Runs the four functions over `input` (an SQL argument list) on table
/// `t`, ordered by `row_id`.
async fn sql_answers(ctx: &SessionContext, input: &str) -> Vec<Answer> {
    let query = format!(
        "SELECT classify_stage({input}), stage_confidence({input}), customer_tags({input}), \
         top_actions({input}) FROM t ORDER BY row_id"
    );
    let batches = ctx.sql(&query).await.unwrap().collect().await.unwrap();
    let mut answers = Vec::new();
    for batch in batches {
        let stages = batch.column(0).as_string::<i32>();
        let confidences = batch.column(1).as_primitive::<Float64Type>();
        let tags = batch.column(2).as_list::<i32>();
        let actions = batch.column(3).as_list::<i32>();
        for row in 0..batch.num_rows() {
            let row_tags = tags.value(row);
            let row_actions = actions.value(row);
            let row_actions = row_actions.as_struct();
            let text =
                |c: usize, i: usize| row_actions.column(c).as_string::<i32>().value(i).to_owned();
            let number =
                |c: usize, i: usize| row_actions.column(c).as_primitive::<Float64Type>().value(i);
            answers.push(Answer {
                stage: stages.value(row).to_owned(),
                confidence: confidences.value(row),
                tags: row_tags
                    .as_string::<i32>()
                    .iter()
                    .map(|t| t.unwrap().to_owned())
                    .collect(),
                actions: (0..row_actions.len())
                    .map(|i| {
                        (
                            text(0, i),
                            text(1, i),
                            number(2, i),
                            number(3, i),
                            number(4, i),
                        )
                    })
                    .collect(),
            });
        }
    }
    answers
}

fn session(functions: &JourneyFunctions, batch: &RecordBatch, partitions: usize) -> SessionContext {
    let ctx =
        SessionContext::new_with_config(SessionConfig::new().with_target_partitions(partitions));
    functions.register(&ctx);
    let rows = batch.num_rows();
    let chunk = rows.div_ceil(partitions);
    let parts: Vec<Vec<RecordBatch>> = (0..partitions)
        .map(|p| {
            let start = (p * chunk).min(rows);
            vec![batch.slice(start, chunk.min(rows - start))]
        })
        .collect();
    let table = MemTable::try_new(batch.schema(), parts).unwrap();
    ctx.register_table("t", Arc::new(table)).unwrap();
    ctx
}

fn assert_same(sql: &[Answer], library: &[Answer], what: &str) {
    assert_eq!(sql.len(), library.len(), "{what}: rows");
    for (row, (sql, library)) in sql.iter().zip(library).enumerate() {
        // Confidences and priorities are compared exactly: the batch path
        // runs the single path's arithmetic.
        assert_eq!(sql, library, "{what}: row {row}");
    }
}

fn signal_list(engine: &Engine) -> String {
    engine
        .schema()
        .iter()
        .map(Signal::id)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn check_ruleset(functions: JourneyFunctions, seed: u64) {
    let engine = functions.engine().clone();
    let list = signal_list(&engine);
    for variant in 0..8 {
        let (batch, library) = table(&engine, 700, variant, seed + variant as u64);
        for partitions in [1, 2] {
            let ctx = session(&functions, &batch, partitions);
            let sql = sql_answers(&ctx, &list).await;
            assert_same(
                &sql,
                &library,
                &format!("variant {variant}, {partitions} partitions"),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_in_model_agrees_row_by_row() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    check_ruleset(JourneyFunctions::new(engine), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_document_with_flags_and_categories_agrees_row_by_row() {
    check_ruleset(
        JourneyFunctions::from_file(support::b2b_saas()).unwrap(),
        100,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_in_any_order_and_some_left_out_agree() {
    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let functions = JourneyFunctions::new(engine);
    let engine = functions.engine().clone();
    let (full, _) = table(&engine, 500, 0, 7);
    // Every other signal, in reverse order: the others are missing.
    let kept: Vec<&Signal> = engine.schema().iter().step_by(2).collect();
    let list = kept
        .iter()
        .rev()
        .map(|s| s.id())
        .collect::<Vec<_>>()
        .join(", ");

    let mut scratch = engine.scratch();
    let library: Vec<Answer> = (0..full.num_rows())
        .map(|row| {
            let mut record = engine.record();
            for signal in &kept {
                let column = full.column_by_name(signal.id()).unwrap();
                let column = datafusion::arrow::compute::cast(column, &DataType::Float64).unwrap();
                let column = column.as_primitive::<Float64Type>();
                if column.is_valid(row) {
                    let _ = record.set(signal.id(), column.value(row));
                }
            }
            answer(&engine.decide(&record, &ContactLog::new(), Timestamp::EPOCH, &mut scratch))
        })
        .collect();
    let ctx = session(&functions, &full, 1);
    assert_same(
        &sql_answers(&ctx, &list).await,
        &library,
        "every other signal",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_struct_column_agrees_and_a_null_struct_is_all_missing() {
    let functions = JourneyFunctions::from_file(support::b2b_saas()).unwrap();
    let engine = functions.engine().clone();
    let (batch, mut library) = table(&engine, 600, 3, 42);

    // The signals as one struct column, every fifth row a null struct.
    let signal_fields: Fields = batch.schema().fields()[1..].iter().cloned().collect();
    let nulls = (0..batch.num_rows())
        .map(|row| row % 5 != 0)
        .collect::<NullBuffer>();
    let customer = StructArray::new(
        signal_fields.clone(),
        batch.columns()[1..].to_vec(),
        Some(nulls),
    );
    let with_struct = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("row_id", DataType::Int64, false),
            Field::new("customer", DataType::Struct(signal_fields), true),
        ])),
        vec![batch.column(0).clone(), Arc::new(customer)],
    )
    .unwrap();
    let mut scratch = engine.scratch();
    let nobody = answer(&engine.decide(
        &engine.record(),
        &ContactLog::new(),
        Timestamp::EPOCH,
        &mut scratch,
    ));
    for row in (0..library.len()).step_by(5) {
        library[row] = nobody.clone();
    }
    for partitions in [1, 2] {
        let ctx = session(&functions, &with_struct, partitions);
        assert_same(
            &sql_answers(&ctx, "customer").await,
            &library,
            "struct column",
        );
    }
}

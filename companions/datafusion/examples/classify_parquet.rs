//! Classify a customer base kept in Parquet with SQL: write a generated
//! Parquet file of customers, run
//!
//! ```sql
//! SELECT classify_stage(need_searches, ..., satisfaction) AS stage, count(*) AS customers
//! FROM customers GROUP BY 1 ORDER BY 1
//! ```
//!
//! on DataFusion with one partition and with two, and print the stage
//! counts and the rows per second of each, beside the library's own batch
//! path over the same customers already in memory.
//!
//! ```text
//! cargo run --release -p buyer-journey-datafusion --example classify_parquet -- \
//!     [--customers N] [--ruleset FILE] [--file PATH] [--runs K] [--seed S]
//! ```
//!
//! `--customers` (default 1,000,000) customers of the ruleset's schema (the
//! built-in model by default; `--ruleset` takes a `.json` or `.toml`
//! document) are written to `--file` (default: a file in the temporary
//! directory), each signal null one time in twenty: counts as `Int64`,
//! numbers as `Float64`, flags as `Boolean`, categories as text. The paths
//! take turns, each once a round, for `--runs` rounds (default 5), and
//! each one's median is shown, and its best run (on a machine shared with
//! others, the run least slowed by them):
//!
//! ```text
//! stage                  customers
//! evaluation                 ...
//! ...
//! path                   ns/row      rows/s  vs library     best  vs library
//! library batch path      ...
//! SQL, 1 partition        ...
//! SQL, 2 partitions       ...
//! two partitions: 1.85× the rows per second of one (best runs: 1.90×)
//! ```
//!
//! The library's figure is `Engine::classify_batch` over the columns
//! decoded from the file beforehand; the SQL figures include reading the
//! Parquet file and the `GROUP BY`. The exit status is 1 when the paths
//! disagree on a stage count or an argument or file is bad (the reason on
//! standard error), 0 otherwise; when the reader closes standard output
//! early the example stops quietly.

// Generated values and counts are cast on purpose, within their types.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use buyer_journey::{Column, Columns, Engine, Signal, SignalIndex, SignalKind};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

mod customers;

struct Options {
    customers: usize,
    ruleset: Option<PathBuf>,
    file: Option<PathBuf>,
    runs: usize,
    seed: u64,
}

const USAGE: &str =
    "usage: classify_parquet [--customers N] [--ruleset FILE] [--file PATH] [--runs K] [--seed S]";

fn options() -> Result<Options, String> {
    let mut options = Options {
        customers: 1_000_000,
        ruleset: None,
        file: None,
        runs: 5,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value\n{USAGE}"));
        let number = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{flag}: '{text}' is not a whole number >= 0\n{USAGE}"))
        };
        match flag.as_str() {
            "--customers" => {
                options.customers =
                    usize::try_from(number(value()?)?).map_err(|e| e.to_string())?;
            }
            "--runs" => {
                options.runs = usize::try_from(number(value()?)?).map_err(|e| e.to_string())?;
            }
            "--seed" => options.seed = number(value()?)?,
            "--ruleset" => options.ruleset = Some(PathBuf::from(value()?)),
            "--file" => options.file = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument '{flag}'\n{USAGE}")),
        }
    }
    if options.customers == 0 || options.runs == 0 {
        return Err(format!(
            "--customers and --runs must be at least 1\n{USAGE}"
        ));
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("classify_parquet: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let functions = customers::functions(options.ruleset.as_deref())?;
    let engine = Arc::clone(functions.engine());
    let path = options
        .file
        .clone()
        .unwrap_or_else(|| customers::default_file(engine.name(), options.customers));
    let started = Instant::now();
    customers::write_customers(&engine, options.customers, options.seed, &path)?;
    let written = started.elapsed();
    let bytes = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();

    // The library's own batch path, over the columns decoded beforehand.
    let decoded = SessionContext::new()
        .read_parquet(
            path.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())?
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    let encoded: Vec<Encoded> = decoded
        .iter()
        .map(|batch| encode(&engine, batch))
        .collect::<Result<_, _>>()?;
    // The same in SQL, on one partition and on two.
    let signals: Vec<&str> = engine.schema().iter().map(Signal::id).collect();
    let query = format!(
        "SELECT classify_stage({}) AS stage, count(*) AS customers FROM customers GROUP BY 1 ORDER BY 1",
        signals.join(", ")
    );
    let mut sessions = Vec::new();
    for partitions in [1, 2] {
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        functions.register(&ctx);
        ctx.register_parquet(
            "customers",
            path.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
        sessions.push(ctx);
    }

    // Round by round, each path once, so that a machine busier in one
    // moment than the next weighs on every path alike.
    let mut library_counts = BTreeMap::new();
    let mut sql_counts = vec![BTreeMap::new(); sessions.len()];
    let mut times = vec![Vec::new(); 1 + sessions.len()];
    for _ in 0..options.runs {
        let started = Instant::now();
        library_counts = library_path(&engine, &encoded)?;
        times[0].push(started.elapsed().as_secs_f64());
        for (n, ctx) in sessions.iter().enumerate() {
            let started = Instant::now();
            let batches = ctx
                .sql(&query)
                .await
                .map_err(|e| e.to_string())?
                .collect()
                .await
                .map_err(|e| e.to_string())?;
            times[1 + n].push(started.elapsed().as_secs_f64());
            sql_counts[n] = customers::stage_counts(&batches);
        }
    }
    // The median, and the best run: on a shared machine the best is the
    // path's own cost with the least of the neighbours' in it.
    let medians: Vec<(f64, f64)> = times.into_iter().map(median_and_best).collect();
    let (library, sql) = (medians[0], &medians[1..]);

    let mut out = String::new();
    let rows = options.customers as f64;
    let _ = writeln!(
        out,
        "{} customers of '{}' in {} ({:.1} MB), written in {:.1} s\n",
        options.customers,
        engine.name(),
        path.display(),
        bytes as f64 / 1e6,
        written.as_secs_f64()
    );
    let _ = writeln!(out, "{:<22} {:>10}", "stage", "customers");
    for (stage, count) in &sql_counts[0] {
        let _ = writeln!(out, "{stage:<22} {count:>10}");
    }
    let _ = writeln!(
        out,
        "\n{:<20} {:>8} {:>11} {:>11} {:>8} {:>11}",
        "path", "ns/row", "rows/s", "vs library", "best", "vs library"
    );
    for (name, (median, best)) in [
        ("library batch path", library),
        ("SQL, 1 partition", sql[0]),
        ("SQL, 2 partitions", sql[1]),
    ] {
        let _ = writeln!(
            out,
            "{name:<20} {:>8.1} {:>9.2} M {:>10.2}× {:>8.1} {:>10.2}×",
            median / rows * 1e9,
            rows / median / 1e6,
            median / library.0,
            best / rows * 1e9,
            best / library.1
        );
    }
    let _ = writeln!(
        out,
        "two partitions: {:.2}× the rows per second of one (best runs: {:.2}×)",
        sql[0].0 / sql[1].0,
        sql[0].1 / sql[1].1
    );
    let agree = sql_counts.iter().all(|counts| *counts == library_counts);
    if !agree {
        out.push_str("the paths disagree on the stage counts\n");
    }
    match io::stdout().lock().write_all(out.as_bytes()) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
        other => other.map_err(|e| e.to_string())?,
    }
    if agree {
        Ok(())
    } else {
        Err(format!("library {library_counts:?}, SQL {sql_counts:?}"))
    }
}

/// The median and the least of `times`.
fn median_and_best(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[0])
}

/// One decoded batch in the engine's encoding: numbers, counts and flags
/// as Arrow holds them, categories as their labels' positions.
struct Encoded {
    rows: usize,
    columns: Vec<(SignalIndex, ArrayRef, Option<Vec<f64>>)>,
}

fn encode(engine: &Engine, batch: &RecordBatch) -> Result<Encoded, String> {
    let mut columns = Vec::new();
    for signal in engine.schema().iter() {
        let Some(array) = batch.column_by_name(signal.id()) else {
            continue;
        };
        let positions = if signal.kind() == SignalKind::Category {
            let text = cast(array, &DataType::Utf8).map_err(|e| e.to_string())?;
            let positions = text
                .as_string::<i32>()
                .iter()
                .map(|t| {
                    t.and_then(|t| signal.label(t))
                        .and_then(|l| signal.labels().position(|x| x == l))
                        .map_or(f64::NAN, |i| i as f64)
                })
                .collect();
            Some(positions)
        } else {
            None
        };
        columns.push((signal.index(), array.clone(), positions));
    }
    Ok(Encoded {
        rows: batch.num_rows(),
        columns,
    })
}

fn library_path(engine: &Engine, batches: &[Encoded]) -> Result<BTreeMap<String, u64>, String> {
    let mut scratch = engine.batch_scratch();
    let mut counts = vec![0_u64; engine.model().len()];
    for batch in batches {
        let mut columns = Columns::new(engine.schema(), batch.rows);
        for (signal, array, positions) in &batch.columns {
            let column = match (positions, array.data_type()) {
                (Some(positions), _) => Column::f64(positions),
                (None, DataType::Int64) => Column::i64(array.as_primitive::<Int64Type>().values()),
                (None, DataType::Float64) => {
                    Column::f64(array.as_primitive::<Float64Type>().values())
                }
                (None, DataType::Boolean) => {
                    let bits = array.as_boolean().values();
                    Column::bits(bits.values(), bits.offset(), bits.len())
                        .map_err(|e| e.to_string())?
                }
                (None, other) => return Err(format!("a column of {other} in the generated file")),
            };
            let column = match array.nulls() {
                Some(nulls) => column
                    .with_validity(nulls.inner().values(), nulls.inner().offset())
                    .map_err(|e| e.to_string())?,
                None => column,
            };
            columns.set_at(*signal, column).map_err(|e| e.to_string())?;
        }
        let batch = engine
            .classify_batch(&columns, &mut scratch)
            .map_err(|e| e.to_string())?;
        for decision in batch.iter() {
            counts[decision.stage().index().as_usize()] += 1;
        }
    }
    Ok(engine
        .model()
        .iter()
        .zip(counts)
        .filter(|(_, count)| *count > 0)
        .map(|(stage, count)| (stage.id().to_owned(), count))
        .collect())
}

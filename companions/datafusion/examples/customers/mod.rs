//! Generated customers in a Parquet file, and the stage counts a
//! `GROUP BY` query returns, for the examples of both companions (the
//! Ballista example includes this file by its path).

// Generated values are cast on purpose, within their types.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use buyer_journey::{models, Engine, Signal, SignalKind};
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::arrow::array::{
    ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;

/// The functions of the ruleset document at `ruleset`, or of the built-in
/// model.
pub(crate) fn functions(ruleset: Option<&Path>) -> Result<JourneyFunctions, String> {
    match ruleset {
        Some(path) => JourneyFunctions::from_file(path).map_err(|e| e.to_string()),
        None => Engine::builder(models::buying_process())
            .build()
            .map(JourneyFunctions::new)
            .map_err(|e| e.to_string()),
    }
}

/// Where the examples write `customers` customers of `ruleset` unless
/// told otherwise: a file in the temporary directory.
pub(crate) fn default_file(ruleset: &str, customers: usize) -> PathBuf {
    std::env::temp_dir().join(format!("buyer-journey-{ruleset}-{customers}.parquet"))
}

/// Stage and count of each row of `SELECT stage, count(*) ... GROUP BY 1`.
pub(crate) fn stage_counts(batches: &[RecordBatch]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for batch in batches {
        let stages = batch.column(0).as_string::<i32>();
        let customers = batch.column(1).as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            counts.insert(stages.value(row).to_owned(), customers.value(row) as u64);
        }
    }
    counts
}

/// `SplitMix64`, so the same seed writes the same file.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// Writes `customers` customers of `engine`'s schema to `path`: counts as
/// `Int64`, numbers as `Float64`, flags as `Boolean`, categories as text,
/// in sixteen row groups of one size, so that up to sixteen partitions
/// split the file evenly (a partition reads whole row groups).
pub(crate) fn write_customers(
    engine: &Engine,
    customers: usize,
    seed: u64,
    path: &Path,
) -> Result<(), String> {
    let signals: Vec<&Signal> = engine.schema().iter().collect();
    let fields: Vec<Field> = signals
        .iter()
        .map(|s| {
            let data_type = match s.kind() {
                SignalKind::Flag => DataType::Boolean,
                SignalKind::Category => DataType::Utf8,
                SignalKind::Count => DataType::Int64,
                _ => DataType::Float64,
            };
            Field::new(s.id(), data_type, true)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(customers.div_ceil(16).max(1)))
        .build();
    let mut writer =
        ArrowWriter::try_new(file, schema.clone(), Some(properties)).map_err(|e| e.to_string())?;
    let mut rng = Rng(seed);
    let mut left = customers;
    while left > 0 {
        let rows = left.min(65_536);
        left -= rows;
        let columns: Vec<ArrayRef> = signals
            .iter()
            .map(|signal| column(signal, rows, &mut rng))
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
    }
    writer.close().map_err(|e| e.to_string())?;
    Ok(())
}

/// One signal's values for `rows` customers: one in twenty null, most
/// counts small and many zero, numbers within the signal's range.
fn column(signal: &Signal, rows: usize, rng: &mut Rng) -> ArrayRef {
    let null = |rng: &mut Rng| rng.below(20) == 0;
    match signal.kind() {
        SignalKind::Flag => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| rng.below(3) == 0))
                .collect::<BooleanArray>(),
        ),
        SignalKind::Category => {
            let labels: Vec<&str> = signal.labels().collect();
            Arc::new(
                (0..rows)
                    .map(|_| (!null(rng)).then(|| labels[rng.below(labels.len() as u64) as usize]))
                    .collect::<StringArray>(),
            )
        }
        SignalKind::Count => Arc::new(
            (0..rows)
                .map(|_| {
                    (!null(rng)).then(|| {
                        if rng.below(3) == 0 {
                            rng.below(8) as i64
                        } else {
                            0
                        }
                    })
                })
                .collect::<Int64Array>(),
        ),
        _ => {
            let (low, high) = signal.range().map_or((0.0, 100.0), |r| {
                (r.min.unwrap_or(0.0), r.max.unwrap_or(100.0))
            });
            Arc::new(
                (0..rows)
                    .map(|_| {
                        (!null(rng)).then(|| low + (high - low) * rng.below(1000) as f64 / 1000.0)
                    })
                    .collect::<Float64Array>(),
            )
        }
    }
}

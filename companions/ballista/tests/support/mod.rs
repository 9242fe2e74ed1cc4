//! What the Ballista companion's tests share: Parquet files of customers
//! full of nulls, extreme and invalid values, the queries asked of them,
//! and their answers as text.

// The generator casts on purpose: each value is made to fit its column.
#![allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use buyer_journey::{Engine, Signal, SignalKind};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::SessionContext;

/// `SplitMix64`: the same files for the same seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

fn column(signal: &Signal, rows: usize, rng: &mut Rng) -> ArrayRef {
    let null = |rng: &mut Rng| rng.below(6) == 0;
    match signal.kind() {
        SignalKind::Flag => Arc::new(
            (0..rows)
                .map(|_| (!null(rng)).then(|| rng.below(2) == 0))
                .collect::<BooleanArray>(),
        ),
        SignalKind::Category => {
            let mut texts: Vec<&str> = signal.labels().collect();
            texts.extend(signal.aliases().map(|(alias, _)| alias));
            texts.extend(["no such label", ""]);
            Arc::new(
                (0..rows)
                    .map(|_| (!null(rng)).then(|| rng.pick(&texts)))
                    .collect::<StringArray>(),
            )
        }
        SignalKind::Count => Arc::new(
            (0..rows)
                .map(|_| {
                    (!null(rng)).then(|| {
                        if rng.below(4) == 0 {
                            rng.pick(&[-1, i64::MAX, i64::MIN, 100_001, (1 << 53) + 1])
                        } else {
                            rng.below(8) as i64
                        }
                    })
                })
                .collect::<Int64Array>(),
        ),
        _ => Arc::new(
            (0..rows)
                .map(|_| {
                    (!null(rng)).then(|| {
                        if rng.below(4) == 0 {
                            rng.pick(&[
                                f64::NAN,
                                f64::INFINITY,
                                -f64::MAX,
                                -0.5,
                                1e300,
                                10.5,
                                3651.0,
                            ])
                        } else {
                            rng.below(12) as f64
                        }
                    })
                })
                .collect::<Float64Array>(),
        ),
    }
}

/// Writes `files` Parquet files of `rows` customers each into `dir`, with
/// a `row_id` column numbering them all.
pub(crate) fn write_customers(engine: &Engine, dir: &Path, files: usize, rows: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let signals: Vec<&Signal> = engine.schema().iter().collect();
    let mut fields = vec![Field::new("row_id", DataType::Int64, false)];
    for signal in &signals {
        let data_type = match signal.kind() {
            SignalKind::Flag => DataType::Boolean,
            SignalKind::Category => DataType::Utf8,
            SignalKind::Count => DataType::Int64,
            _ => DataType::Float64,
        };
        fields.push(Field::new(signal.id(), data_type, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut rng = Rng(7);
    for file in 0..files {
        let start = (file * rows) as i64;
        let mut columns: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(
            start..start + rows as i64,
        ))];
        columns.extend(signals.iter().map(|signal| column(signal, rows, &mut rng)));
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let out = std::fs::File::create(dir.join(format!("part-{file}.parquet"))).unwrap();
        let mut writer = ArrowWriter::try_new(out, schema.clone(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }
}

async fn answers(ctx: &SessionContext, query: &str) -> String {
    let batches = ctx.sql(query).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

/// All four functions on every row, the stage counts, and a filter on
/// the stage with the signals given as one struct.
fn queries(engine: &Engine) -> [String; 3] {
    let signals: Vec<&str> = engine.schema().iter().map(Signal::id).collect();
    let list = signals.join(", ");
    let pairs: Vec<String> = signals.iter().map(|s| format!("'{s}', {s}")).collect();
    [
        format!(
            "SELECT row_id, classify_stage({list}) AS stage, stage_confidence({list}) AS confidence, \
             customer_tags({list}) AS tags, top_actions({list}) AS actions \
             FROM customers ORDER BY row_id"
        ),
        format!(
            "SELECT classify_stage({list}) AS stage, count(*) AS customers \
             FROM customers GROUP BY 1 ORDER BY 1"
        ),
        format!(
            "SELECT row_id, top_actions(named_struct({})) AS actions FROM customers \
             WHERE classify_stage({list}) <> 'need_recognition' ORDER BY row_id",
            pairs.join(", ")
        ),
    ]
}

/// The sum of the counts column of the stage counts' table.
fn total(counts: &str) -> u64 {
    counts
        .lines()
        .filter_map(|line| line.split('|').nth(2)?.trim().parse::<u64>().ok())
        .sum()
}

/// Asks both sessions [`queries`] over their table `customers` of
/// `customers` rows and checks that the answers are the same, text for
/// text, and count every customer once.
pub(crate) async fn same_answers(
    engine: &Engine,
    on_one_machine: &SessionContext,
    on_the_cluster: &SessionContext,
    customers: u64,
) {
    let queries = queries(engine);
    for query in &queries {
        let expected = answers(on_one_machine, query).await;
        let answered = answers(on_the_cluster, query).await;
        assert!(expected.lines().count() > 3, "{expected}");
        assert_eq!(answered, expected, "{query}");
    }
    let counts = answers(on_the_cluster, &queries[1]).await;
    assert_eq!(
        total(&counts),
        customers,
        "every customer counted once: {counts}"
    );
}

/// A directory of this test process's own under the temporary directory.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("bj-ballista-{name}-{}", std::process::id()))
}

/// A ruleset document of the repository's examples.
pub(crate) fn ruleset(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/models")
        .join(file)
}

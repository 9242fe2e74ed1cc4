//! Classify a customer base kept in Parquet on a Ballista cluster: write a
//! generated Parquet file of customers, run
//!
//! ```sql
//! SELECT classify_stage(need_searches, ..., satisfaction) AS stage, count(*) AS customers
//! FROM customers GROUP BY 1 ORDER BY 1
//! ```
//!
//! on the cluster and on DataFusion in this process, and print the stage
//! counts and the time and rows per second of each.
//!
//! ```text
//! cargo run --release -p buyer-journey-ballista --example classify_on_cluster -- \
//!     [--customers N] [--ruleset FILE] [--file PATH] [--executors E] \
//!     [--scheduler df://HOST:PORT] [--runs K] [--seed S]
//! ```
//!
//! Without `--scheduler` the example starts a cluster in this process: a
//! scheduler and `--executors` executors (default 2) on loopback, each
//! running one task at a time. With `--scheduler` it uses a running
//! cluster (see the README's "Past one machine"), whose processes were
//! started with the same `--ruleset`, and `--file` must be a path every
//! executor reads the same file at. `--customers` (default 200,000)
//! customers are written to `--file` (default: a file in the temporary
//! directory), each signal null one time in twenty. Each query runs
//! `--runs` times (default 3) and the median is shown:
//!
//! ```text
//! stage                  customers
//! evaluation                 ...
//! ...
//! where                      ms/query      rows/s
//! DataFusion, this process      ...
//! Ballista, 2 executors         ...
//! ```
//!
//! A Ballista job has a fixed cost of its own (planning on the scheduler,
//! handing out tasks, shuffling), so on one machine and small files the
//! cluster is slower than DataFusion alone; it pays where the data is
//! larger than one machine. The exit status is 1 when the cluster and
//! DataFusion disagree on a stage count, or an argument or file is bad
//! (the reason on standard error), 0 otherwise; when the reader closes
//! standard output early the example stops quietly.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use buyer_journey::Signal;
use buyer_journey_ballista::{connect, LocalCluster};
use datafusion::prelude::{ParquetReadOptions, SessionContext};

#[path = "../../datafusion/examples/customers/mod.rs"]
mod customers;

struct Options {
    customers: usize,
    ruleset: Option<PathBuf>,
    file: Option<PathBuf>,
    executors: usize,
    scheduler: Option<String>,
    runs: usize,
    seed: u64,
}

const USAGE: &str = "usage: classify_on_cluster [--customers N] [--ruleset FILE] [--file PATH] \
[--executors E] [--scheduler df://HOST:PORT] [--runs K] [--seed S]";

fn options() -> Result<Options, String> {
    let mut options = Options {
        customers: 200_000,
        ruleset: None,
        file: None,
        executors: 2,
        scheduler: None,
        runs: 3,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or(format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: '{value}' is not a whole number >= 0\n{USAGE}"))
        };
        match flag.as_str() {
            "--customers" => options.customers = number()?,
            "--executors" => options.executors = number()?,
            "--runs" => options.runs = number()?,
            "--seed" => options.seed = number()? as u64,
            "--ruleset" => options.ruleset = Some(PathBuf::from(value)),
            "--file" => options.file = Some(PathBuf::from(value)),
            "--scheduler" => options.scheduler = Some(value),
            _ => return Err(format!("unknown argument '{flag}'\n{USAGE}")),
        }
    }
    if options.customers == 0 || options.runs == 0 || options.executors == 0 {
        return Err(format!(
            "--customers, --executors and --runs must be at least 1\n{USAGE}"
        ));
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("classify_on_cluster: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let functions = customers::functions(options.ruleset.as_deref())?;
    let engine = functions.engine();
    let path = options
        .file
        .clone()
        .unwrap_or_else(|| customers::default_file(engine.name(), options.customers));
    customers::write_customers(engine, options.customers, options.seed, &path)?;
    let path = std::path::absolute(&path).map_err(|e| format!("{}: {e}", path.display()))?;

    // Kept until the end: dropping it stops the cluster.
    let (local_cluster, url) = if let Some(url) = &options.scheduler {
        (None, url.clone())
    } else {
        let cluster = LocalCluster::start(&functions, options.executors)
            .await
            .map_err(|e| e.to_string())?;
        let url = cluster.url();
        (Some(cluster), url)
    };
    let where_ = if local_cluster.is_some() {
        format!("Ballista, {} executors", options.executors)
    } else {
        format!("Ballista at {url}")
    };
    let cluster = connect(&url, &functions).await.map_err(|e| e.to_string())?;
    let local = SessionContext::new();
    functions.register(&local);

    let signals: Vec<&str> = engine.schema().iter().map(Signal::id).collect();
    let query = format!(
        "SELECT classify_stage({}) AS stage, count(*) AS customers FROM customers GROUP BY 1 ORDER BY 1",
        signals.join(", ")
    );
    let mut results = Vec::new();
    for (name, ctx) in [
        ("DataFusion, this process".to_owned(), &local),
        (where_, &cluster),
    ] {
        ctx.register_parquet(
            "customers",
            path.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await
        .map_err(|e| format!("{name}: {e}"))?;
        let mut times = Vec::new();
        let mut counts = BTreeMap::new();
        for _ in 0..options.runs {
            let started = Instant::now();
            let batches = ctx
                .sql(&query)
                .await
                .map_err(|e| format!("{name}: {e}"))?
                .collect()
                .await
                .map_err(|e| format!("{name}: {e}"))?;
            times.push(started.elapsed().as_secs_f64());
            counts = customers::stage_counts(&batches);
        }
        times.sort_by(f64::total_cmp);
        results.push((name, times[times.len() / 2], counts));
    }
    drop(local_cluster);

    let mut out = String::new();
    let rows = options.customers as f64;
    let _ = writeln!(
        out,
        "{} customers of '{}' in {}\n",
        options.customers,
        engine.name(),
        path.display()
    );
    let _ = writeln!(out, "{:<22} {:>10}", "stage", "customers");
    for (stage, count) in &results[1].2 {
        let _ = writeln!(out, "{stage:<22} {count:>10}");
    }
    let _ = writeln!(out, "\n{:<28} {:>9} {:>11}", "where", "ms/query", "rows/s");
    for (name, seconds, _) in &results {
        let _ = writeln!(
            out,
            "{name:<28} {:>9.1} {:>9.2} M",
            seconds * 1e3,
            rows / seconds / 1e6
        );
    }
    let agree = results[0].2 == results[1].2;
    if !agree {
        out.push_str("the cluster and DataFusion disagree on the stage counts\n");
    }
    match io::stdout().lock().write_all(out.as_bytes()) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
        other => other.map_err(|e| e.to_string())?,
    }
    if agree {
        Ok(())
    } else {
        Err(format!(
            "DataFusion {:?}, cluster {:?}",
            results[0].2, results[1].2
        ))
    }
}

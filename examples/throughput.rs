//! How many customers per second the engine classifies on this machine, on
//! the built-in model, a generated ruleset or your own:
//!
//! ```text
//! cargo run --release --example throughput
//! cargo run --release --example throughput -- --rules 10000
//! cargo run --release --example throughput -- --ruleset rules.json --customers 1000000 --threads 4
//! ```
//!
//! Options (each also as `--name=value`; numbers may be written `10_000` or
//! `10,000`):
//!
//! - `--ruleset FILE`: a ruleset as JSON (a
//!   [`RulesetSpec`](buyer_journey::RulesetSpec), as `Engine::builder`
//!   takes it);
//! - `--rules N`: a generated ruleset of N stage rules (1 to 1,000,000)
//!   over 64 `count` and `number` signals, whose comparisons are shared as
//!   in real rulesets (see `examples/generated/mod.rs`); without either
//!   option, the built-in buying-process model;
//! - `--customers N`: how many customers to generate (1 to 10,000,000;
//!   default 100,000), from the ruleset's schema: each signal missing one
//!   time in ten, counts small whole numbers, numbers 0 to 100, flags and
//!   labels any of theirs; the same customers on every run;
//! - `--threads N`: how many threads the last path runs (1 to 1,024;
//!   default the machine's available parallelism);
//! - `--seconds S`: how long to measure each path (0 to 3,600, default
//!   1): each thread classifies its customers in chunks of 256, again
//!   from the first after the last, until that much time has passed (at
//!   least one chunk, so `--seconds 0` classifies up to 256 customers a
//!   thread);
//! - `--help`: this usage.
//!
//! It measures, after an untimed warm-up (a tenth of the measuring time, at
//! most a quarter of a second):
//!
//! - `single`: `Engine::classify` on one thread, one customer at a time, on
//!   records filled beforehand, with one reused `Scratch`;
//! - `threads`: the same on N threads (`std::thread::scope`) sharing the
//!   engine by reference, each with its own `Scratch` and its own share of
//!   the customers (so fewer threads when there are fewer customers than
//!   N). The clock runs from the first thread's start to the last one's
//!   end;
//! - `batch`: `Engine::classify_batch` on one thread, on the same
//!   customers as one `f64` column per signal, 256 customers a batch, with
//!   one reused `BatchScratch`.
//!
//! On a machine shared with other work the numbers move from run to run;
//! measure longer (`--seconds 10`) and more than once.
//!
//! # Output
//!
//! Standard output is a comment line that says what was measured, then one
//! line per path, fields separated by spaces:
//!
//! ```text
//! # built-in model: 16 signals, 14 rules, 25 distinct comparisons, hit policy furthest; 100,000 customers
//! single      1 thread       4,310,345 customers/s      232.0 ns/customer    1.00x
//! threads     2 threads      8,403,361 customers/s      119.0 ns/customer    1.95x
//! batch       1 thread      11,627,907 customers/s       86.0 ns/customer    2.70x
//! ```
//!
//! The fields of a path's line: the path; the number of threads and the
//! word `thread` or `threads`; customers classified per second of wall-clock
//! time (digits grouped by commas) and `customers/s`; nanoseconds of
//! wall-clock time per customer (one decimal) and `ns/customer`: for N
//! threads, the machine's time per customer, not one thread's; and the
//! rate as a multiple of the single path's, with an `x`. Lines starting
//! with `#` are comments.
//!
//! While it runs, a progress line on standard error says what it is doing,
//! overwritten in place and cleared at the end; only when standard error is
//! a terminal, so logs stay clean.
//!
//! The exit status is 0 on success, also when the reader closes standard
//! output early (as `| head -1` does: it stops quietly at its next line);
//! 2 for bad arguments or a ruleset that is not valid JSON or not a valid
//! ruleset, with the reason on standard error; 1 when the ruleset file
//! cannot be read or the output cannot be written.

use std::error::Error;
use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use buyer_journey::{
    BatchScratch, Column, Columns, Engine, Limits, RulesetSpec, Scratch, Signal, SignalRecord,
    Value,
};

// The plain-Rust form of the rules is the `scaling` bench's.
#[allow(dead_code)]
mod generated;
mod stdout;

use generated::XorShift;

const USAGE: &str = "\
usage: throughput [--ruleset FILE | --rules N] [--customers N] [--threads N] [--seconds S]

Classifies generated customers and prints customers per second and ns per
customer for one thread and for N threads.

  --ruleset FILE  a ruleset as JSON (default: the built-in model)
  --rules N       a generated ruleset of N stage rules over 64 signals
  --customers N   how many customers to generate (default 100,000)
  --threads N     threads of the last path (default: available parallelism)
  --seconds S     measure each path at least this long (default 1)
  --help          this usage
";

/// Bounds of the options.
const MAX_RULES: usize = 1_000_000;
const MAX_CUSTOMERS: usize = 10_000_000;
const MAX_THREADS: usize = 1_024;
const MAX_SECONDS: usize = 3_600;

/// Customers between two looks at the clock and updates of the progress
/// counter.
const CHUNK: usize = 256;
/// How long each thread classifies, untimed, before a path is measured: a
/// tenth of the measuring time, at most this, and at least one chunk.
const MAX_WARM_UP: Duration = Duration::from_millis(250);

fn main() -> ExitCode {
    let options = match parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => return stdout::write_with("throughput", help),
        Ok(Command::Run(options)) => options,
        Err(message) => {
            eprintln!("throughput: {message}\ntry 'throughput --help'");
            return ExitCode::from(2);
        }
    };
    let progress = Progress::new(io::stderr().is_terminal());
    progress.show(format_args!("building the engine"));
    let (engine, what) = match load(&options.ruleset) {
        Ok(loaded) => loaded,
        Err(failure) => {
            progress.clear();
            eprintln!("throughput: {}", failure.message);
            return ExitCode::from(failure.status);
        }
    };
    stdout::write_with("throughput", |out| {
        let result = measure_all(&engine, &what, &options, &progress, out);
        progress.clear();
        result
    })
}

fn help(out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    out.write_all(USAGE.as_bytes())?;
    Ok(())
}

/// What the arguments ask for.
#[derive(Debug, PartialEq)]
pub(crate) enum Command {
    Help,
    Run(Options),
}

#[derive(Debug, PartialEq)]
pub(crate) struct Options {
    pub(crate) ruleset: Ruleset,
    pub(crate) customers: usize,
    pub(crate) threads: usize,
    pub(crate) seconds: usize,
}

/// Where the ruleset comes from.
#[derive(Debug, PartialEq)]
pub(crate) enum Ruleset {
    BuiltIn,
    Generated(usize),
    File(PathBuf),
}

/// Reads the arguments (after the program's name).
pub(crate) fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut file = None;
    let mut rules = None;
    let mut customers = 100_000;
    let mut threads = None;
    let mut seconds = 1;
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|arg| format!("not an option: {}", arg.to_string_lossy()))?;
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        if name == "--help" || name == "-h" {
            return Ok(Command::Help);
        }
        if !matches!(
            name.as_str(),
            "--ruleset" | "--rules" | "--customers" | "--threads" | "--seconds"
        ) {
            return Err(format!("unknown option '{name}'"));
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{name} needs a value"))?;
        if name == "--ruleset" {
            file = Some(PathBuf::from(value));
            continue;
        }
        let value = value.to_string_lossy();
        match name.as_str() {
            "--rules" => rules = Some(number(&name, &value, 1, MAX_RULES)?),
            "--customers" => customers = number(&name, &value, 1, MAX_CUSTOMERS)?,
            "--threads" => threads = Some(number(&name, &value, 1, MAX_THREADS)?),
            _ => seconds = number(&name, &value, 0, MAX_SECONDS)?,
        }
    }
    let ruleset = match (file, rules) {
        (Some(_), Some(_)) => return Err("--ruleset and --rules cannot be used together".into()),
        (Some(file), None) => Ruleset::File(file),
        (None, Some(rules)) => Ruleset::Generated(rules),
        (None, None) => Ruleset::BuiltIn,
    };
    let threads =
        threads.unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get));
    Ok(Command::Run(Options {
        ruleset,
        customers,
        threads,
        seconds,
    }))
}

/// `value` of option `name` as a whole number from `min` to `max`, with
/// `_` or `,` between digits allowed.
fn number(name: &str, value: &str, min: usize, max: usize) -> Result<usize, String> {
    let digits: String = value.chars().filter(|&c| c != '_' && c != ',').collect();
    let bad = || {
        format!(
            "{name} takes a whole number from {} to {}, got '{value}'",
            grouped(min as f64),
            grouped(max as f64)
        )
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match digits.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(bad()),
    }
}

/// Why the ruleset could not be loaded, and the exit status for it.
struct Failure {
    message: String,
    status: u8,
}

/// The engine of `ruleset`, and what it is, for the output's first line.
fn load(ruleset: &Ruleset) -> Result<(Engine, String), Failure> {
    let bad = |message: String| Failure { message, status: 2 };
    let (spec, limits, what) = match ruleset {
        Ruleset::BuiltIn => (
            buyer_journey::models::buying_process(),
            Limits::default(),
            "built-in model".to_owned(),
        ),
        Ruleset::Generated(rules) => {
            let limits = Limits::default();
            let limits = if *rules > limits.get_max_rules() {
                limits.max_rules(*rules)
            } else {
                limits
            };
            (
                generated::ruleset(*rules).spec,
                limits,
                format!("generated ruleset of {} rules", grouped(*rules as f64)),
            )
        }
        Ruleset::File(path) => {
            let shown = path.display();
            let text = std::fs::read_to_string(path).map_err(|err| Failure {
                message: format!("cannot read {shown}: {err}"),
                status: 1,
            })?;
            let spec: RulesetSpec = serde_json::from_str(&text).map_err(|err| {
                let what = if err.is_data() {
                    "not a ruleset"
                } else {
                    "invalid JSON"
                };
                bad(format!("{shown}: {what}: {err}"))
            })?;
            (spec, Limits::default(), shown.to_string())
        }
    };
    let engine = Engine::builder(spec)
        .limits(limits)
        .build()
        .map_err(|err| bad(format!("{what}: {err}")))?;
    Ok((engine, what))
}

/// The customers of `engine`'s schema, the same on every run.
fn customers(
    engine: &Engine,
    count: usize,
    progress: &Progress,
) -> Result<Vec<SignalRecord>, Box<dyn Error>> {
    let mut random = XorShift::new(0x7E57_ED0C_C0FF_EE11);
    let schema = engine.schema();
    let mut records = Vec::with_capacity(count);
    for n in 0..count {
        if n % 65_536 == 0 {
            progress.show(format_args!(
                "generating customers: {} of {}",
                grouped(n as f64),
                grouped(count as f64)
            ));
        }
        let values = generated::values(schema, &mut random);
        records.push(generated::record(schema, &values)?);
    }
    Ok(records)
}

/// One path measured.
struct Measured {
    threads: usize,
    customers: u64,
    elapsed: Duration,
}

impl Measured {
    fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.customers as f64 / seconds
        } else {
            0.0
        }
    }
}

/// Generates the customers, measures every path and writes a line for
/// each to `out` as soon as it is measured.
fn measure_all(
    engine: &Engine,
    what: &str,
    options: &Options,
    progress: &Progress,
    out: &mut impl Write,
) -> Result<(), Box<dyn Error>> {
    let records = customers(engine, options.customers, progress)?;
    let policy = serde_json::to_value(engine.hit_policy())?;
    writeln!(
        out,
        "# {what}: {} signals, {} rules, {} distinct comparisons, hit policy {}; {} {}",
        engine.schema().len(),
        grouped(engine.rules().len() as f64),
        engine.atom_count(),
        policy.as_str().unwrap_or("?"),
        grouped(records.len() as f64),
        if records.len() == 1 {
            "customer"
        } else {
            "customers"
        },
    )?;
    out.flush()?;
    let time = Duration::from_secs(u64::try_from(options.seconds)?);
    let scratch = || engine.scratch();
    let classify =
        |chunk: &[SignalRecord], scratch: &mut Scratch| one_at_a_time(engine, chunk, scratch);
    let single = measure(&records, 1, time, "single", progress, scratch, classify);
    line(out, "single", &single, single.per_second())?;
    let threads = measure(
        &records,
        options.threads,
        time,
        "threads",
        progress,
        scratch,
        classify,
    );
    line(out, "threads", &threads, single.per_second())?;
    // The batch path reads the same customers as one column per signal,
    // each chunk of them a batch; its items are the customers' positions.
    let columns: Vec<Vec<f64>> = engine
        .schema()
        .iter()
        .map(|signal| {
            records
                .iter()
                .map(|record| encoded(record, signal))
                .collect()
        })
        .collect();
    let positions: Vec<usize> = (0..records.len()).collect();
    let batch = measure(
        &positions,
        1,
        time,
        "batch",
        progress,
        || engine.batch_scratch(),
        |chunk: &[usize], scratch: &mut BatchScratch| {
            let start = chunk.first().copied().unwrap_or(0);
            in_columns(engine, &columns, start..start + chunk.len(), scratch)
        },
    );
    line(out, "batch", &batch, single.per_second())?;
    Ok(())
}

/// The value of `signal` in `record` as the engine encodes it (flags 0 or 1,
/// a label its position); NaN when missing.
fn encoded(record: &SignalRecord, signal: &Signal) -> f64 {
    match record.get(signal.id()) {
        Some(Value::Number(n)) => n,
        Some(Value::Flag(flag)) => f64::from(u8::from(flag)),
        Some(Value::Label(label)) => signal
            .labels()
            .position(|l| l == label)
            .map_or(f64::NAN, |position| position as f64),
        _ => f64::NAN,
    }
}

/// The batch path: `Engine::classify_batch` on the customers at
/// `positions` of `columns`, one `f64` column per signal.
fn in_columns(
    engine: &Engine,
    columns: &[Vec<f64>],
    positions: std::ops::Range<usize>,
    scratch: &mut BatchScratch,
) -> usize {
    let mut batch = Columns::new(engine.schema(), positions.len());
    for (signal, values) in engine.schema().iter().zip(columns) {
        if let Some(values) = values.get(positions.clone()) {
            // Each column has one value per customer: it fits the batch.
            let _ = batch.set_at(signal.index(), Column::f64(std::hint::black_box(values)));
        }
    }
    engine
        .classify_batch(&batch, scratch)
        .map_or(0, |decisions| {
            decisions
                .iter()
                .map(|decision| decision.stage().index().as_usize())
                .sum()
        })
}

/// Writes the line of a path measured (the module documentation's format).
fn line(
    out: &mut impl Write,
    path: &str,
    measured: &Measured,
    single: f64,
) -> Result<(), Box<dyn Error>> {
    let rate = measured.per_second();
    let ns = if measured.customers > 0 {
        measured.elapsed.as_secs_f64() * 1e9 / measured.customers as f64
    } else {
        0.0
    };
    let speedup = if single > 0.0 { rate / single } else { 0.0 };
    let unit = if measured.threads == 1 {
        "thread"
    } else {
        "threads"
    };
    writeln!(
        out,
        "{path:<8} {:>4} {unit:<7} {:>14} customers/s {ns:>10.1} ns/customer {speedup:>7.2}x",
        measured.threads,
        grouped(rate),
    )?;
    out.flush()?;
    Ok(())
}

/// Classifies `records` on `threads` threads, each its own share, a chunk
/// at a time, until `time` has passed (at least one chunk each).
/// Each thread makes its own state with `state` (its `Scratch`, say), warms
/// up, and then hands `classify` a chunk of its share at a time (at most
/// [`CHUNK`] customers), which returns the sum of their stages' indices (so
/// the work cannot be left out). A new path is a new pair of these.
fn measure<T: Sync, S>(
    records: &[T],
    threads: usize,
    time: Duration,
    path: &str,
    progress: &Progress,
    state: impl Fn() -> S + Sync,
    classify: impl Fn(&[T], &mut S) -> usize + Sync,
) -> Measured {
    let shares: Vec<&[T]> = records.chunks(records.len().div_ceil(threads)).collect();
    let done = AtomicU64::new(0);
    // Every thread and this one: the clock starts when all are warm.
    let ready = Barrier::new(shares.len() + 1);
    let (state, classify) = (&state, &classify);
    thread::scope(|scope| {
        let workers: Vec<_> = shares
            .iter()
            .map(|&share| {
                let (done, ready) = (&done, &ready);
                scope.spawn(move || {
                    let mut state = state();
                    let warm_until = Instant::now() + (time / 10).min(MAX_WARM_UP);
                    for chunk in share.chunks(CHUNK).cycle() {
                        std::hint::black_box(classify(chunk, &mut state));
                        if Instant::now() >= warm_until {
                            break;
                        }
                    }
                    ready.wait();
                    let start = Instant::now();
                    let deadline = start + time;
                    let mut classified = 0;
                    // The share's chunks in turn, again from the first
                    // after the last, until the time is up (`chunks` makes
                    // no empty share, and no empty chunk).
                    loop {
                        for chunk in share.chunks(CHUNK) {
                            std::hint::black_box(classify(chunk, &mut state));
                            done.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                            classified += chunk.len() as u64;
                            let now = Instant::now();
                            if now >= deadline {
                                return (classified, start, now);
                            }
                        }
                    }
                })
            })
            .collect();
        progress.show(format_args!("{path}: warming up"));
        ready.wait();
        let start = Instant::now();
        let unit = if workers.len() == 1 {
            "thread"
        } else {
            "threads"
        };
        while !workers.iter().all(|worker| worker.is_finished()) {
            progress.show(format_args!(
                "{path}: {} customers classified on {} {unit} ({:.1} s)",
                grouped(done.load(Ordering::Relaxed) as f64),
                workers.len(),
                start.elapsed().as_secs_f64()
            ));
            thread::sleep(Duration::from_millis(if progress.on { 100 } else { 10 }));
        }
        let threads = workers.len();
        // From the first thread's start to the last one's end, as the
        // threads saw them: this thread only watches.
        let (mut customers, mut first, mut last) = (0, None::<Instant>, None::<Instant>);
        for worker in workers {
            let (classified, start, end) = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            customers += classified;
            first = Some(first.map_or(start, |first| first.min(start)));
            last = Some(last.map_or(end, |last| last.max(end)));
        }
        let elapsed = first
            .zip(last)
            .map_or(Duration::ZERO, |(first, last)| last - first);
        Measured {
            threads,
            customers,
            elapsed,
        }
    })
}

/// The `single` and `threads` paths: `Engine::classify` on each record, one
/// at a time, with the thread's own `Scratch`.
fn one_at_a_time(engine: &Engine, records: &[SignalRecord], scratch: &mut Scratch) -> usize {
    let mut stages = 0;
    for record in records {
        stages += engine
            .classify(std::hint::black_box(record), scratch)
            .stage()
            .index()
            .as_usize();
    }
    stages
}

/// `n` rounded to a whole number, with its digits grouped by commas.
pub(crate) fn grouped(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The progress line on standard error: only when it is a terminal.
struct Progress {
    on: bool,
    /// The width of the line shown, to clear it.
    width: std::sync::atomic::AtomicUsize,
}

impl Progress {
    fn new(on: bool) -> Self {
        Progress {
            on,
            width: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Shows `text` in place of the line before.
    fn show(&self, text: fmt::Arguments<'_>) {
        if !self.on {
            return;
        }
        let text = format!("throughput: {text}");
        let width = self.width.swap(text.len(), Ordering::Relaxed);
        // Spaces over the rest of a longer line before; one write, so the
        // line does not flicker.
        let pad = width.saturating_sub(text.len());
        let line = format!("\r{text}{:pad$}", "");
        // A progress line that cannot be written changes nothing.
        let _ = io::stderr().write_all(line.as_bytes());
    }

    /// Clears the line.
    fn clear(&self) {
        if !self.on {
            return;
        }
        let width = self.width.swap(0, Ordering::Relaxed);
        let _ = io::stderr().write_all(format!("\r{:width$}\r", "").as_bytes());
    }
}

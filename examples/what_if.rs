//! Try a ruleset on a population before it ships: decide for every customer
//! under ruleset A (the one live) and ruleset B (the one tried) and report
//! what changes, with [`WhatIf`].
//!
//! ```text
//! cargo run --release --example what_if -- --population FILE --a RULESET --b RULESET [--json]
//! cargo run --release --example what_if -- --generate N [--a RULESET] [--seed S] > population.ndjson
//! ```
//!
//! The population is what the `classify` example reads, one customer a
//! line: `{"id": "c1", "signals": {"reviews_read": 3}}`. Each `RULESET` is
//! a `.json` or `.toml` ruleset document
//! ([`Document`](buyer_journey::Document));
//! `examples/models/buying_process.json` is the built-in model. When the
//! two rulesets read different signals, each reads the signals of the line
//! its schema declares; a signal neither declares makes the line bad.
//!
//! Every customer is decided with an empty contact history at
//! [`Timestamp::EPOCH`], as `classify` decides: the report compares the
//! rulesets, not what the customers were shown before. It gives the stage
//! distribution under each, the movement matrix (every customer counted,
//! those who stay too), the customers whose top action changed (their
//! number, and the first ten as examples), the share of each kind and each
//! action as the top action, the actions suggested at any rank, and the
//! customers left without an action per stage; see [`WhatIfReport`] for the
//! exact meaning of each figure. By default it is text with bar charts;
//! with `--json` it is one JSON object, the [`WhatIfReport`]:
//!
//! ```text
//! {"population":3,"now":0,"a":{"stages":{"need_recognition":1,...},"top_action":{...},...},
//!  "b":{"stages":{...},...},"moves":{"need_recognition":{"need_recognition":1,...},...},
//!  "top_action_changed":1,"changed":[{"position":2,"id":"c3",...}],
//!  "no_action":{"a":{"need_recognition":0,...},"b":{...}}}
//! ```
//!
//! The customers stream through in chunks of 4,096 on the batch path
//! ([`Engine::decide_batch`](buyer_journey::Engine::decide_batch)), so a
//! file of any size runs in fixed memory; a second thread parses the next
//! chunk while the first is decided.
//!
//! `--generate N` writes a population instead: N customers with random
//! signals of ruleset A's schema (the built-in model by default), the same
//! for the same `--seed`, each signal missing half of the time.
//!
//! A bad line (as `classify` has them) is reported on standard error as
//! `line N: <reason>` and skipped. The exit status is 0 when every line was
//! good, 2 when some line was bad (the report covers the good ones), and 1
//! when the population or a ruleset cannot be opened or read, a ruleset has
//! errors (printed as the `check` example prints them), or the output
//! cannot be written. When the reader closes standard output early (as
//! `| head -1` does), the example stops quietly.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

use buyer_journey::{
    models, Column, Columns, Engine, Schema, SignalKind, SignalRecord, Timestamp, Value, WhatIf,
    WhatIfReport,
};

#[path = "lines/customer.rs"]
mod customer;
mod lines;
#[path = "lines/ruleset.rs"]
mod ruleset;

use customer::CustomerLine;
use lines::{Lines, Reported};

const USAGE: &str = "usage: what_if --population FILE --a RULESET --b RULESET [--json]\n       \
                     what_if --generate N [--a RULESET] [--seed S]";

/// Customers decided at once: large enough that the batch path runs at
/// full speed, small enough that memory stays a few megabytes.
const CHUNK: usize = 4096;

fn main() -> ExitCode {
    let Some(args) = Args::parse(std::env::args_os().skip(1)) else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let load = |path: &Option<String>| match path {
        Some(path) => ruleset::load("what_if", path),
        None => Engine::builder(models::buying_process())
            .build()
            .map_err(|err| format!("what_if: {err}")),
    };
    let a = match load(&args.a) {
        Ok(engine) => engine,
        Err(reason) => {
            eprintln!("{reason}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(customers) = args.generate {
        let mut out = BufWriter::new(io::stdout().lock());
        let result =
            generate(a.schema(), customers, args.seed, &mut out).and_then(|()| out.flush());
        return lines::exit("what_if", result.map(|()| true), false);
    }
    let b = match load(&args.b) {
        Ok(engine) => engine,
        Err(reason) => {
            eprintln!("{reason}");
            return ExitCode::FAILURE;
        }
    };
    let Some(path) = args.population else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let input = match File::open(&path) {
        Ok(file) => BufReader::with_capacity(1 << 20, file),
        Err(err) => {
            eprintln!("what_if: cannot open {}: {err}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    };
    let mut errors = Reported::stderr();
    let result = run(&a, &b, input, &mut errors).and_then(|(report, all_good)| {
        let mut out = BufWriter::new(io::stdout().lock());
        if args.json {
            serde_json::to_writer(&mut out, &report)?;
            writeln!(out)?;
        } else {
            write!(out, "{report}")?;
        }
        out.flush()?;
        Ok(all_good)
    });
    lines::exit("what_if", result, errors.any)
}

/// The command line.
struct Args {
    population: Option<OsString>,
    a: Option<String>,
    b: Option<String>,
    json: bool,
    generate: Option<u64>,
    seed: u64,
}

impl Args {
    /// The arguments, or `None` when they do not follow [`USAGE`].
    fn parse(mut args: impl Iterator<Item = OsString>) -> Option<Self> {
        let mut parsed = Args {
            population: None,
            a: None,
            b: None,
            json: false,
            generate: None,
            seed: 1,
        };
        while let Some(arg) = args.next() {
            let mut value = || args.next().and_then(|value| value.into_string().ok());
            match arg.to_str()? {
                "--population" => parsed.population = Some(args.next()?),
                "--a" => parsed.a = Some(value()?),
                "--b" => parsed.b = Some(value()?),
                "--json" => parsed.json = true,
                "--generate" => parsed.generate = Some(value()?.parse().ok()?),
                "--seed" => parsed.seed = value()?.parse().ok()?,
                _ => return None,
            }
        }
        let complete = match parsed.generate {
            Some(_) => parsed.population.is_none() && parsed.b.is_none() && !parsed.json,
            None => parsed.population.is_some() && parsed.a.is_some() && parsed.b.is_some(),
        };
        complete.then_some(parsed)
    }
}

/// A chunk of good lines, parsed: the ids, and each engine's columns.
struct Chunk {
    ids: Vec<String>,
    a: Encoded,
    /// `None` when both engines read the same signals: `a` serves both.
    b: Option<Encoded>,
}

/// Reads the population from `input`, reporting bad lines to `errors`, and
/// returns the report and whether every line was good.
///
/// One thread reads and parses lines into chunks while this one decides
/// the chunk before: parsing costs more than deciding.
fn run(
    a: &Engine,
    b: &Engine,
    input: impl BufRead + Send,
    errors: &mut (impl Write + Send),
) -> io::Result<(WhatIfReport, bool)> {
    let shared = a.schema() == b.schema();
    let mut what_if = WhatIf::new(a, b, Timestamp::EPOCH);
    let (full, chunks) = mpsc::sync_channel::<Chunk>(2);
    // Used chunks go back to the reader, so their buffers are reused.
    let (empty, recycled) = mpsc::channel::<Chunk>();
    let read = thread::scope(|scope| {
        let reader = scope.spawn(move || read(a, b, shared, input, errors, &full, &recycled));
        for chunk in chunks {
            let columns_a = chunk.a.columns(a.schema())?;
            let columns_b = match &chunk.b {
                Some(encoded) => encoded.columns(b.schema())?,
                None => columns_a.clone(),
            };
            what_if
                .add_named(&columns_a, &columns_b, &chunk.ids)
                .map_err(io::Error::other)?;
            drop((columns_a, columns_b));
            // The reader may be done: then the chunk is not needed.
            let _ = empty.send(chunk);
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the reader failed")))
    })?;
    Ok((what_if.report(), read))
}

/// The reading thread: parses `input` into chunks sent on `full`, taking
/// used chunks back from `recycled`; returns whether every line was good.
fn read(
    a: &Engine,
    b: &Engine,
    shared: bool,
    input: impl BufRead,
    errors: &mut impl Write,
    full: &mpsc::SyncSender<Chunk>,
    recycled: &mpsc::Receiver<Chunk>,
) -> io::Result<bool> {
    let new_chunk = || Chunk {
        ids: Vec::with_capacity(CHUNK),
        a: Encoded::new(a.schema()),
        b: (!shared).then(|| Encoded::new(b.schema())),
    };
    let mut chunk = new_chunk();
    let mut record_a = a.record();
    let mut record_b = b.record();
    let mut all_good = true;
    let mut lines = Lines::new(input);
    while let Some((number, text)) = lines.next()? {
        record_a.clear();
        record_b.clear();
        let parsed = CustomerLine::parse(text).and_then(|customer| {
            if shared {
                customer.set_into(&mut [&mut record_a])?;
            } else {
                customer.set_into(&mut [&mut record_a, &mut record_b])?;
            }
            Ok(customer.id.into_owned())
        });
        match parsed {
            Ok(id) => {
                chunk.ids.push(id);
                chunk.a.push(&record_a);
                if let Some(encoded) = &mut chunk.b {
                    encoded.push(&record_b);
                }
            }
            Err(reason) => {
                all_good = false;
                writeln!(errors, "line {number}: {reason}")?;
            }
        }
        if chunk.ids.len() == CHUNK {
            let mut next = recycled.try_recv().unwrap_or_else(|_| new_chunk());
            next.clear();
            if full.send(std::mem::replace(&mut chunk, next)).is_err() {
                // The decider stopped on an error of its own, which it reports.
                return Ok(all_good);
            }
        }
    }
    if !chunk.ids.is_empty() {
        let _ = full.send(chunk);
    }
    Ok(all_good)
}

impl Chunk {
    fn clear(&mut self) {
        self.ids.clear();
        self.a.clear();
        if let Some(encoded) = &mut self.b {
            encoded.clear();
        }
    }
}

/// One engine's signals for a chunk of customers, a column of values in
/// the engine's encoding per signal (NaN for missing), as
/// [`Column::f64`] reads them.
struct Encoded {
    values: Vec<Vec<f64>>,
}

impl Encoded {
    fn new(schema: &Schema) -> Self {
        Encoded {
            values: vec![Vec::with_capacity(CHUNK); schema.len()],
        }
    }

    fn clear(&mut self) {
        self.values.iter_mut().for_each(Vec::clear);
    }

    /// Adds a customer, from its record.
    fn push(&mut self, record: &SignalRecord) {
        let position = self.values.first().map_or(0, Vec::len);
        for column in &mut self.values {
            column.push(f64::NAN);
        }
        for (signal, value) in record.iter() {
            let encoded = match value {
                Value::Number(number) => number,
                Value::Flag(flag) => f64::from(u8::from(flag)),
                Value::Label(label) => signal
                    .labels()
                    .position(|known| known == label)
                    .map_or(f64::NAN, |at| at as f64),
            };
            if let Some(slot) = self
                .values
                .get_mut(signal.index().as_usize())
                .and_then(|column| column.get_mut(position))
            {
                *slot = encoded;
            }
        }
    }

    /// The columns, for `schema` (the one the values were encoded for).
    fn columns<'a>(&'a self, schema: &Schema) -> io::Result<Columns<'a>> {
        let len = self.values.first().map_or(0, Vec::len);
        let mut columns = Columns::new(schema, len);
        for (signal, values) in schema.iter().zip(&self.values) {
            columns
                .set_at(signal.index(), Column::f64(values))
                .map_err(io::Error::other)?;
        }
        Ok(columns)
    }
}

/// Writes `customers` random customers of `schema`, one JSON line each,
/// the same for the same `seed`.
fn generate(schema: &Schema, customers: u64, seed: u64, out: &mut impl Write) -> io::Result<()> {
    const COUNTS: [u64; 12] = [0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 6, 10];
    // xorshift: a fixed sequence per seed, never zero.
    let mut state = seed | 1;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n.max(1)
    };
    for n in 0..customers {
        let mut signals = serde_json::Map::new();
        for signal in schema.iter() {
            if next(2) == 0 {
                continue;
            }
            let value = match signal.kind() {
                SignalKind::Count => {
                    serde_json::json!(COUNTS[usize::try_from(next(12)).unwrap_or(0)])
                }
                SignalKind::Flag => serde_json::json!(next(2) == 1),
                SignalKind::Category => {
                    let labels = signal.labels().len() as u64;
                    let at = usize::try_from(next(labels)).unwrap_or(0);
                    serde_json::json!(signal.labels().nth(at))
                }
                // Numbers, and any kind added later: 0 to 10 in halves.
                _ => serde_json::json!(next(21) as f64 * 0.5),
            };
            signals.insert(signal.id().to_owned(), value);
        }
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({"id": format!("c{n}"), "signals": signals}),
        )?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

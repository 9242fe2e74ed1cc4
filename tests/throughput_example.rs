//! Tests of the `throughput` example (`examples/throughput.rs`), which
//! classifies generated customers and prints customers per second and ns
//! per customer for one thread and for N threads. The timings depend on the
//! machine, so these tests check what does not: the output's shape (the
//! comment line, one line per path in the documented format, numbers that
//! agree with each other), the exit status and the messages for bad
//! arguments and bad rulesets, on small inputs with `--seconds 0` (every
//! customer classified once per path). The example's code is also included
//! as a module, for its argument parsing and number formatting.
//!
//! The built example binary is run as `examples_pipe` runs the others, so
//! `cargo test` (which builds the examples) must come first.
//!
//! Run with `cargo test --test integration throughput`.

// `main` is only for the example binary; the examples share `generated`
// and `stdout`, each binary with its own copy, and so does this one.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../examples/throughput.rs"]
mod throughput;

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::examples_pipe::example;

/// How long a run may take: the runs here take well under a second, even
/// in a debug build; one that takes this long is stuck.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs the example with `args`, standard error not a terminal; fails the
/// test if it has not ended within [`TIMEOUT`].
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(example("throughput"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let read = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).expect("the example's output");
            bytes
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the example's status") {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("throughput {args:?} did not end within {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().expect("the reader of standard output"),
        stderr: stderr.join().expect("the reader of standard error"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// A path's line, read by the documented format.
#[derive(Debug)]
struct PathLine {
    path: String,
    threads: usize,
    per_second: f64,
    ns: f64,
    speedup: f64,
}

fn parse_line(line: &str) -> PathLine {
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields.len(), 8, "{line}");
    let threads: usize = fields[1].parse().expect("a thread count");
    assert_eq!(
        fields[2],
        if threads == 1 { "thread" } else { "threads" },
        "{line}"
    );
    let rate = fields[3];
    // Digits grouped by commas, three to a group.
    let groups: Vec<&str> = rate.split(',').collect();
    assert!(
        groups[0].len() <= 3
            && groups[1..].iter().all(|group| group.len() == 3)
            && groups
                .iter()
                .all(|group| { !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()) }),
        "{line}"
    );
    assert_eq!(fields[4], "customers/s", "{line}");
    let ns_field = fields[5];
    assert!(
        ns_field
            .split_once('.')
            .is_some_and(|(_, decimals)| decimals.len() == 1),
        "one decimal: {line}"
    );
    assert_eq!(fields[6], "ns/customer", "{line}");
    let speedup = fields[7].strip_suffix('x').expect("a multiple with an x");
    PathLine {
        path: fields[0].to_owned(),
        threads,
        per_second: rate.replace(',', "").parse().expect("a rate"),
        ns: ns_field.parse().expect("ns per customer"),
        speedup: speedup.parse().expect("a multiple"),
    }
}

/// Checks a successful run's output: the comment line (returned), then
/// `single` on one thread, `threads` on `threads` and `batch` on one
/// thread, whose numbers agree.
fn check_output(output: &Output, threads: usize) -> String {
    assert!(
        output.status.success(),
        "{}: {}",
        output.status,
        text(&output.stderr)
    );
    // Standard error is not a terminal here: no progress line.
    assert_eq!(text(&output.stderr), "");
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(stdout.ends_with('\n'));
    assert!(lines[0].starts_with("# "), "{stdout}");
    let single = parse_line(lines[1]);
    let many = parse_line(lines[2]);
    let batch = parse_line(lines[3]);
    assert_eq!((single.path.as_str(), single.threads), ("single", 1));
    assert_eq!((many.path.as_str(), many.threads), ("threads", threads));
    assert_eq!((batch.path.as_str(), batch.threads), ("batch", 1));
    assert_eq!(single.speedup, 1.0);
    for line in [&single, &many, &batch] {
        // Customers per second and ns per customer are one measurement.
        assert!(line.per_second > 0.0 && line.ns > 0.0, "{line:?}");
        let product = line.per_second * line.ns / 1e9;
        assert!((product - 1.0).abs() < 0.01, "{line:?}");
    }
    for line in [&many, &batch] {
        let ratio = line.per_second / single.per_second;
        assert!((line.speedup - ratio).abs() < 0.01, "{line:?} / {single:?}");
    }
    lines[0].to_owned()
}

#[test]
fn a_generated_ruleset_of_100_rules() {
    let output = run(&[
        "--customers",
        "2000",
        "--rules",
        "100",
        "--threads",
        "2",
        "--seconds",
        "0",
    ]);
    let comment = check_output(&output, 2);
    let prefix = "# generated ruleset of 100 rules: 64 signals, 100 rules, ";
    let suffix = " distinct comparisons, hit policy furthest; 2,000 customers";
    let atoms = comment
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or_else(|| panic!("{comment}"));
    // Shared comparisons: three at most per signal.
    let atoms: usize = atoms.parse().expect("a count");
    assert!((1..=192).contains(&atoms), "{comment}");
}

#[test]
fn the_built_in_model_by_default() {
    let output = run(&["--customers=1,500", "--threads=3", "--seconds=0"]);
    let comment = check_output(&output, 3);
    assert!(
        comment.starts_with("# built-in model: 16 signals, 14 rules, ")
            && comment.ends_with(", hit policy furthest; 1,500 customers"),
        "{comment}"
    );
}

#[test]
fn fewer_customers_than_threads_run_on_fewer_threads() {
    // One customer cannot be shared: one thread classifies it.
    let output = run(&["--customers", "1", "--threads", "4", "--seconds", "0"]);
    let comment = check_output(&output, 1);
    assert!(comment.ends_with("; 1 customer"), "{comment}");
    // Three customers on two threads: two and one.
    let output = run(&["--customers", "3", "--threads", "2", "--seconds", "0"]);
    check_output(&output, 2);
}

/// A path in the temporary directory, unique to this process and `name`.
fn temporary(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("throughput-example-{}-{name}", std::process::id()))
}

/// Writes `contents` to a temporary file, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let path = temporary(name);
        std::fs::write(&path, contents).expect("the temporary directory is writable");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const RULESET: &str = r#"{
    "signals": [
        {"id": "visits", "kind": "count"},
        {"id": "member", "kind": "flag"},
        {"id": "plan", "kind": "category", "labels": ["free", "pro"]}
    ],
    "stages": [{"id": "prospect", "name": "Prospect"}, {"id": "customer", "name": "Customer"}],
    "hit_policy": "first",
    "stage_rules": [
        {"id": "paying", "stage": "customer", "when": "plan == \"pro\" or member"},
        {"id": "visiting", "stage": "prospect", "when": "visits >= 2"}
    ]
}"#;

#[test]
fn a_ruleset_file() {
    let file = TempFile::new("ruleset.json", RULESET);
    let output = run(&[
        "--ruleset",
        file.path(),
        "--customers",
        "500",
        "--threads",
        "2",
        "--seconds",
        "0",
    ]);
    let comment = check_output(&output, 2);
    assert_eq!(
        comment,
        format!(
            "# {}: 3 signals, 2 rules, 3 distinct comparisons, hit policy first; 500 customers",
            file.path()
        )
    );
}

/// Runs the example with `args`, which must fail with `status` and nothing
/// on standard output; returns standard error.
fn fails(args: &[&str], status: i32) -> String {
    let output = run(args);
    assert_eq!(output.status.code(), Some(status), "{args:?}");
    assert_eq!(text(&output.stdout), "", "{args:?}");
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("throughput: "), "{stderr}");
    stderr
}

#[test]
fn bad_arguments_exit_with_status_2_and_say_why() {
    for (args, message) in [
        (
            &["--rules", "0"][..],
            "throughput: --rules takes a whole number from 1 to 1,000,000, got '0'\n",
        ),
        (
            &["--customers", "many"],
            "throughput: --customers takes a whole number from 1 to 10,000,000, got 'many'\n",
        ),
        (
            &["--threads", "-1"],
            "throughput: --threads takes a whole number from 1 to 1,024, got '-1'\n",
        ),
        (&["--threads"], "throughput: --threads needs a value\n"),
        (&["--fast"], "throughput: unknown option '--fast'\n"),
        (&["10000"], "throughput: unknown option '10000'\n"),
        (
            &["--rules", "10", "--ruleset", "rules.json"],
            "throughput: --ruleset and --rules cannot be used together\n",
        ),
    ] {
        let stderr = fails(args, 2);
        assert_eq!(
            stderr,
            format!("{message}try 'throughput --help'\n"),
            "{args:?}"
        );
    }
}

#[test]
fn bad_rulesets_exit_with_status_2_and_say_where() {
    let broken = TempFile::new("broken.json", r#"{"signals": ["#);
    let stderr = fails(&["--ruleset", broken.path()], 2);
    assert!(
        stderr.starts_with(&format!("throughput: {}: invalid JSON: ", broken.path())),
        "{stderr}"
    );
    let not_a_ruleset = TempFile::new("not_a_ruleset.json", r#"{"signals": []}"#);
    let stderr = fails(&["--ruleset", not_a_ruleset.path()], 2);
    assert!(
        stderr.starts_with(&format!(
            "throughput: {}: not a ruleset: missing field `stages`",
            not_a_ruleset.path()
        )),
        "{stderr}"
    );
    let invalid = TempFile::new(
        "invalid.json",
        &RULESET.replace("visits >= 2", "vists >= 2"),
    );
    let stderr = fails(&["--ruleset", invalid.path()], 2);
    assert_eq!(
        stderr,
        format!(
            "throughput: {}: stage_rules[1].when, column 1: unknown signal 'vists', did you \
             mean 'visits'?\n",
            invalid.path()
        )
    );
}

#[test]
fn a_ruleset_file_that_cannot_be_read_exits_with_status_1() {
    let missing = temporary("missing.json");
    let missing = missing.to_str().expect("a UTF-8 temporary path");
    let stderr = fails(&["--ruleset", missing], 1);
    assert!(
        stderr.starts_with(&format!("throughput: cannot read {missing}: ")),
        "{stderr}"
    );
}

#[test]
fn help_prints_the_usage() {
    for flag in ["--help", "-h"] {
        let output = run(&["--rules", "5", flag]);
        assert!(output.status.success());
        assert_eq!(text(&output.stderr), "");
        let usage = text(&output.stdout);
        assert!(usage.starts_with("usage: throughput [--ruleset FILE | --rules N]"));
        for option in [
            "--ruleset",
            "--rules",
            "--customers",
            "--threads",
            "--seconds",
        ] {
            assert!(
                usage.contains(&format!("\n  {option} ")),
                "{option}: {usage}"
            );
        }
    }
}

fn args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

#[test]
fn arguments_are_parsed_with_defaults() {
    let parsed = throughput::parse(args(&[])).expect("no arguments are fine");
    let throughput::Command::Run(options) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(options.ruleset, throughput::Ruleset::BuiltIn);
    assert_eq!(options.customers, 100_000);
    assert_eq!(options.seconds, 1);
    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(options.threads, parallelism);

    let parsed = throughput::parse(args(&[
        "--rules=10_000",
        "--customers",
        "1,000,000",
        "--threads",
        "4",
        "--seconds",
        "0",
    ]))
    .expect("good arguments");
    assert_eq!(
        parsed,
        throughput::Command::Run(throughput::Options {
            ruleset: throughput::Ruleset::Generated(10_000),
            customers: 1_000_000,
            threads: 4,
            seconds: 0,
        })
    );
    let parsed = throughput::parse(args(&["--ruleset", "a=b.json"])).expect("a file");
    let throughput::Command::Run(options) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(
        options.ruleset,
        throughput::Ruleset::File(Path::new("a=b.json").to_path_buf())
    );
    for bad in [
        &["--rules", "1000001"][..],
        &["--customers", "0"],
        &["--customers", "10000001"],
        &["--threads", "1025"],
        &["--seconds", "3601"],
        &["--seconds", "1.5"],
        &["--rules", ","],
        &["--rules", ""],
        &["--ruleset"],
    ] {
        assert!(throughput::parse(args(bad)).is_err(), "{bad:?}");
    }
}

#[test]
fn numbers_are_grouped_by_thousands() {
    for (n, grouped) in [
        (0.0, "0"),
        (7.4, "7"),
        (999.0, "999"),
        (1_000.0, "1,000"),
        (12_345.6, "12,346"),
        (1_234_567.0, "1,234,567"),
        (-5.0, "0"),
    ] {
        assert_eq!(throughput::grouped(n), grouped, "{n}");
    }
}

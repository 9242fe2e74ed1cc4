//! The examples end quietly when the reader closes their standard output
//! early, as `cargo run --example quickstart | head -1` does: they stop
//! writing and exit with status 0, printing nothing on standard error.
//!
//! Each built example binary is run three ways:
//!
//! - to the end, for the whole output (status 0, nothing on standard error
//!   but `replay`'s summary line);
//! - like `| head -1`: the test reads the first line, which must be the
//!   first line of the whole output, and closes the pipe. `classify` gets
//!   20,000 customers and `replay` 20,000 events, about 12 MB of output
//!   each, so they are still writing long after the close; the other
//!   examples write only a few kilobytes, which may all fit in the pipe
//!   before the close, so this alone does not show that they survive a
//!   write to a closed pipe (`throughput` writes its first line before it
//!   measures, and the next ones after, so it meets the closed pipe
//!   then);
//! - with a standard output whose reader is gone before the example starts
//!   (a pipe whose reading process has exited), so that its first write
//!   meets a closed pipe, whatever the timing.
//!
//! `cargo test` builds the examples next to the test binaries; this test
//! fails, rather than skips, when they are missing.
//!
//! Run with `cargo test --test integration examples_pipe` after `cargo test`
//! (or `cargo build --examples`) built the examples.

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;

/// How many customers `classify` reads, and events `replay` reads: enough
/// that their output, about 600 bytes a line, is far larger than a pipe's
/// buffer.
const CUSTOMERS: usize = 20_000;

/// The built binary of example `name`: the test binary is
/// `target/<profile>/deps/integration-<hash>`, the examples are in
/// `target/<profile>/examples/`.
pub(crate) fn example(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let profile = test_binary
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps/");
    let path = profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "the example binary {} is missing: run `cargo test` (which builds the \
         examples), not only `cargo test --test integration`",
        path.display()
    );
    path
}

/// What example `name` reads on standard input: customers for `classify`,
/// events for `replay` (a hundred customers, a minute apart), nothing for
/// the others.
fn input(name: &str) -> Vec<u8> {
    let mut input = String::new();
    if name == "classify" {
        for n in 0..CUSTOMERS {
            writeln!(input, r#"{{"id":"c{n}","signals":{{"cart_adds":1}}}}"#).unwrap();
        }
    }
    if name == "replay" {
        for n in 0..CUSTOMERS {
            let at = 1_772_323_200 + 60 * n;
            let customer = n % 100;
            writeln!(
                input,
                r#"{{"customer":"c{customer}","at":{at},"event":"review_read"}}"#
            )
            .unwrap();
        }
    }
    input.into_bytes()
}

/// The arguments example `name` is run with: `throughput` measures a few
/// customers once per path rather than 100,000 for a second, `check`
/// checks the built-in model's document, `what_if` compares it with a
/// changed copy over a small population, and `learn` runs 1,000 rounds.
fn args(name: &str) -> &'static [&'static str] {
    match name {
        "throughput" => &["--customers", "2000", "--seconds", "0"],
        "check" => &["examples/models/buying_process.json"],
        "what_if" => &[
            "--population",
            "tests/data/what_if/population.ndjson",
            "--a",
            "examples/models/buying_process.json",
            "--b",
            "tests/data/what_if/changed.json",
        ],
        "learn" => &["--rounds", "1000"],
        _ => &[],
    }
}

/// Starts example `name` with `stdout`, feeding it its input on a thread
/// that stops quietly when the example stops reading.
fn start(name: &str, stdout: Stdio) -> (Child, thread::JoinHandle<()>) {
    let mut child = Command::new(example(name))
        .args(args(name))
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run example {name}: {err}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input(name);
    let feeder = thread::spawn(move || match stdin.write_all(&input) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        Err(err) => panic!("cannot write the input: {err}"),
    });
    (child, feeder)
}

/// Waits for the example and its feeder; returns its status and standard
/// error (and standard output, if the test did not take it).
fn finish(child: Child, feeder: thread::JoinHandle<()>) -> Output {
    let output = child.wait_with_output().expect("the example ran");
    feeder.join().expect("the feeder thread");
    output
}

/// Asserts that example `name` ended with status 0 and nothing on standard
/// error.
fn assert_quiet_success(name: &str, how: &str, output: &Output) {
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "example {name} {how}: {}, standard error:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A pipe whose reading end is already closed: the writing end of the
/// standard input of a process that has exited without reading it. The
/// test binary listing its tests is such a process.
fn pipe_without_reader() -> Stdio {
    let mut reader = Command::new(std::env::current_exe().expect("the test binary's path"))
        .arg("--list")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the test binary runs");
    let writer = reader.stdin.take().expect("stdin is piped");
    reader.wait().expect("the test binary ran");
    Stdio::from(writer)
}

/// Runs example `name` the three ways of the module documentation.
fn ends_quietly_on_a_closed_pipe(name: &str) {
    // To the end.
    let (child, feeder) = start(name, Stdio::piped());
    let mut whole = finish(child, feeder);
    if name == "replay" {
        // Its one line on standard error when it ran to the end.
        let stderr = String::from_utf8_lossy(&whole.stderr);
        let summary = format!("replay: {CUSTOMERS} events, 100 customers, ");
        assert!(
            stderr.starts_with(&summary)
                && stderr.ends_with(" events/s\n")
                && stderr.lines().count() == 1,
            "example replay run to the end: {stderr}"
        );
        whole.stderr.clear();
    }
    assert_quiet_success(name, "run to the end", &whole);
    let expected = whole
        .stdout
        .split_inclusive(|&b| b == b'\n')
        .next()
        .expect("the example writes something");

    // Like `| head -1`.
    let (mut child, feeder) = start(name, Stdio::piped());
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first = Vec::new();
    stdout
        .read_until(b'\n', &mut first)
        .expect("the first line");
    drop(stdout);
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(expected),
        "example {name}: the first line"
    );
    assert_quiet_success(name, "read up to its first line", &finish(child, feeder));

    // Into a pipe closed before it starts.
    let (child, feeder) = start(name, pipe_without_reader());
    assert_quiet_success(name, "writing to a closed pipe", &finish(child, feeder));
}

#[test]
fn check_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("check");
}

#[test]
fn classify_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("classify");
}

#[test]
fn contact_policy_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("contact_policy");
}

#[test]
fn custom_model_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("custom_model");
}

#[test]
fn custom_scorer_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("custom_scorer");
}

#[test]
fn experiment_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("experiment");
}

#[test]
fn journey_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("journey");
}

#[test]
fn learn_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("learn");
}

#[test]
fn replay_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("replay");
}

#[test]
fn quickstart_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("quickstart");
}

#[test]
fn throughput_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("throughput");
}

#[test]
fn what_if_ends_quietly_on_a_closed_pipe() {
    ends_quietly_on_a_closed_pipe("what_if");
}

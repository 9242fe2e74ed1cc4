//! The binaries as a real cluster runs them: a scheduler process and two
//! executor processes, started from the same ruleset document, answer the
//! same SQL as DataFusion on one machine; bad arguments and documents are
//! refused with exit status 2 and the reason.

mod support;

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use buyer_journey_ballista::connect;
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use support::{ruleset, same_answers, scratch_dir, write_customers};

const SCHEDULER: &str = env!("CARGO_BIN_EXE_buyer-journey-scheduler");
const EXECUTOR: &str = env!("CARGO_BIN_EXE_buyer-journey-executor");

/// The cluster's processes, killed when the test ends however it ends.
struct Processes {
    running: Vec<(Child, std::path::PathBuf)>,
}

impl Processes {
    /// Starts `program` with `args`, its standard error into a file of
    /// `dir`, and waits until it accepts connections on `port`.
    fn start(&mut self, program: &str, args: &[&str], port: u16, dir: &Path) {
        let log = dir.join(format!("process-{}.log", self.running.len()));
        let child = Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        self.running.push((child, log));
        let (child, log) = self.running.last_mut().unwrap();
        for _ in 0..600 {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "{program} {args:?} stopped with {status}: {}",
                    std::fs::read_to_string(log).unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{program} did not serve on port {port} within 30 s");
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for (child, _) in &mut self.running {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scheduler_and_two_executor_processes_answer_as_datafusion_does() {
    let document = ruleset("buying_process.json");
    let document = document.to_str().unwrap();
    let dir = scratch_dir("binaries");
    let functions = JourneyFunctions::from_file(document).unwrap();
    let engine = Arc::clone(functions.engine());
    write_customers(&engine, &dir.join("customers"), 3, 500);
    let table = dir.join("customers").to_string_lossy().into_owned();

    let mut cluster = Processes {
        running: Vec::new(),
    };
    let scheduler = free_port().to_string();
    cluster.start(
        SCHEDULER,
        &[
            "--ruleset",
            document,
            "--bind",
            "127.0.0.1",
            "--port",
            &scheduler,
            "--external-host",
            "127.0.0.1",
        ],
        scheduler.parse().unwrap(),
        &dir,
    );
    for n in 0..2 {
        let (port, grpc_port) = (free_port().to_string(), free_port().to_string());
        let work_dir = dir.join(format!("executor-{n}"));
        std::fs::create_dir_all(&work_dir).unwrap();
        cluster.start(
            EXECUTOR,
            &[
                "--ruleset",
                document,
                "--scheduler",
                &format!("127.0.0.1:{scheduler}"),
                "--bind",
                "127.0.0.1",
                "--external-host",
                "127.0.0.1",
                "--port",
                &port,
                "--grpc-port",
                &grpc_port,
                "--concurrent-tasks",
                "1",
                "--work-dir",
                work_dir.to_str().unwrap(),
            ],
            port.parse().unwrap(),
            &dir,
        );
    }

    let local = SessionContext::new();
    functions.register(&local);
    local
        .register_parquet("customers", &table, ParquetReadOptions::default())
        .await
        .unwrap();
    let remote = connect(&format!("df://127.0.0.1:{scheduler}"), &functions)
        .await
        .unwrap();
    remote
        .register_parquet("customers", &table, ParquetReadOptions::default())
        .await
        .unwrap();

    same_answers(&engine, &local, &remote, 1500).await;
    drop(cluster);
    std::fs::remove_dir_all(dir).unwrap();
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

fn refused(output: &Output, reason: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(reason), "{reason:?} not in {stderr:?}");
}

#[test]
fn the_binaries_refuse_bad_arguments_with_the_reason() {
    for program in [SCHEDULER, EXECUTOR] {
        let output = run(program, &[]);
        refused(&output, "--ruleset is required");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: "));
        refused(&run(program, &["--ruleset"]), "--ruleset needs a value");
        refused(
            &run(program, &["--ruleset", "rules.json", "--speed", "11"]),
            "unknown argument '--speed'",
        );
        refused(
            &run(program, &["--ruleset", "rules.json", "--port", "70000"]),
            "--port: '70000'",
        );
    }
    refused(
        &run(
            EXECUTOR,
            &["--ruleset", "rules.json", "--scheduler", "just-a-host"],
        ),
        "--scheduler: 'just-a-host' is not HOST:PORT",
    );
}

#[test]
fn the_binaries_refuse_a_ruleset_they_cannot_read_and_name_it() {
    let dir = scratch_dir("bad-ruleset");
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, r#"{"name": "broken", "signals": 3}"#).unwrap();
    let broken = broken.to_str().unwrap();
    for program in [SCHEDULER, EXECUTOR] {
        refused(
            &run(program, &["--ruleset", "no/such/rules.json"]),
            "no/such/rules.json",
        );
        refused(&run(program, &["--ruleset", broken]), broken);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

//! A Ballista executor that knows the buyer-journey SQL functions.
//!
//! ```text
//! buyer-journey-executor --ruleset FILE [--scheduler HOST:PORT] [--bind HOST]
//!     [--external-host HOST] [--port PORT] [--grpc-port PORT]
//!     [--concurrent-tasks N] [--work-dir DIR]
//! ```
//!
//! `--ruleset` is the same document the scheduler was started with. The
//! executor registers with the scheduler at `--scheduler` (default
//! `localhost:50050`), serves its results to the other executors on
//! `--port` (default 50051) at `--external-host` (default: the host name
//! the scheduler sees), and runs `--concurrent-tasks` tasks at once
//! (default: one per core). A bad argument or ruleset is reported on
//! standard error with exit status 2.

use std::process::ExitCode;

use ballista_executor::executor_process::ExecutorProcessConfig;
use buyer_journey_datafusion::JourneyFunctions;

const USAGE: &str =
    "usage: buyer-journey-executor --ruleset FILE [--scheduler HOST:PORT] [--bind HOST] \
[--external-host HOST] [--port PORT] [--grpc-port PORT] [--concurrent-tasks N] [--work-dir DIR]";

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: '{value}' is not a whole number in range"))
}

fn options() -> Result<(String, ExecutorProcessConfig), String> {
    let mut config = ExecutorProcessConfig {
        bind_host: "0.0.0.0".to_owned(),
        vcores: 0,
        special_mod_log_level: "WARN".to_owned(),
        ..ExecutorProcessConfig::default()
    };
    let mut ruleset = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--ruleset" => ruleset = Some(value),
            "--scheduler" => {
                let (host, port) = value
                    .rsplit_once(':')
                    .ok_or(format!("--scheduler: '{value}' is not HOST:PORT"))?;
                host.clone_into(&mut config.scheduler_host);
                config.scheduler_port = number("--scheduler", port)?;
            }
            "--bind" => config.bind_host = value,
            "--external-host" => config.external_host = Some(value),
            "--port" => config.port = number(&flag, &value)?,
            "--grpc-port" => config.grpc_port = number(&flag, &value)?,
            "--concurrent-tasks" => config.vcores = number(&flag, &value)?,
            "--work-dir" => config.work_dir = Some(value),
            _ => return Err(format!("unknown argument '{flag}'")),
        }
    }
    Ok((ruleset.ok_or("--ruleset is required")?, config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (ruleset, config) = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("buyer-journey-executor: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let functions = match JourneyFunctions::from_file(&ruleset) {
        Ok(functions) => functions,
        Err(err) => {
            eprintln!("buyer-journey-executor: {err}");
            return ExitCode::from(2);
        }
    };
    eprintln!(
        "buyer-journey-executor: ruleset '{}' from {ruleset}, serving on {}:{}, scheduler {}:{}",
        functions.engine().name(),
        config.bind_host,
        config.port,
        config.scheduler_host,
        config.scheduler_port
    );
    match buyer_journey_ballista::run_executor(&functions, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("buyer-journey-executor: {err}");
            ExitCode::FAILURE
        }
    }
}

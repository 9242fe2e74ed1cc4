//! A Ballista scheduler that knows the buyer-journey SQL functions.
//!
//! ```text
//! buyer-journey-scheduler --ruleset FILE [--bind HOST] [--port PORT] [--external-host HOST]
//! ```
//!
//! `--ruleset` is the `.json` or `.toml` ruleset document every process of
//! the cluster is started with. It listens on `--bind` (default `0.0.0.0`)
//! and `--port` (default 50050), and tells executors and clients to reach
//! it at `--external-host` (default `localhost`). A bad argument or ruleset
//! is reported on standard error with exit status 2.

use std::process::ExitCode;

use ballista_scheduler::config::SchedulerConfig;
use buyer_journey_datafusion::JourneyFunctions;

const USAGE: &str =
    "usage: buyer-journey-scheduler --ruleset FILE [--bind HOST] [--port PORT] [--external-host HOST]";

struct Options {
    ruleset: String,
    bind: String,
    port: u16,
    external_host: String,
}

fn options() -> Result<Options, String> {
    let (mut ruleset, mut bind, mut port, mut external_host) =
        (None, "0.0.0.0".to_owned(), 50050, "localhost".to_owned());
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--ruleset" => ruleset = Some(value),
            "--bind" => bind = value,
            "--external-host" => external_host = value,
            "--port" => {
                port = value
                    .parse()
                    .map_err(|_| format!("--port: '{value}' is not a port number"))?;
            }
            _ => return Err(format!("unknown argument '{flag}'")),
        }
    }
    Ok(Options {
        ruleset: ruleset.ok_or("--ruleset is required")?,
        bind,
        port,
        external_host,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("buyer-journey-scheduler: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let functions = match JourneyFunctions::from_file(&options.ruleset) {
        Ok(functions) => functions,
        Err(err) => {
            eprintln!("buyer-journey-scheduler: {err}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind((options.bind.as_str(), options.port)).await
    {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "buyer-journey-scheduler: {}:{}: {err}",
                options.bind, options.port
            );
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "buyer-journey-scheduler: ruleset '{}' from {}, listening on {}:{}, reached at {}:{}",
        functions.engine().name(),
        options.ruleset,
        options.bind,
        options.port,
        options.external_host,
        options.port
    );
    let config = SchedulerConfig::default()
        .with_hostname(options.external_host)
        .with_port(options.port);
    match buyer_journey_ballista::run_scheduler(&functions, listener, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("buyer-journey-scheduler: {err}");
            ExitCode::FAILURE
        }
    }
}

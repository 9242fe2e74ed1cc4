//! A scheduler and executors in this process, on loopback: the binaries'
//! code, for tests, examples and trying a query before a real cluster.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ballista_executor::executor_process::ExecutorProcessConfig;
use ballista_scheduler::config::SchedulerConfig;
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::common::{exec_datafusion_err, Result};
use datafusion::prelude::SessionContext;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::{connect, run_executor, run_scheduler};

/// A Ballista cluster inside this process: one scheduler and some
/// executors, each on its own loopback ports, all knowing the functions.
/// Dropping it stops them.
///
/// The executors' ports are found free by binding port 0 and letting go
/// of it just before the executor binds it again, so on a busy machine
/// another program may take one in between: [`LocalCluster::start`] then
/// fails with the port's error.
///
/// ```no_run
/// # use buyer_journey::{models, Engine};
/// # use buyer_journey_ballista::LocalCluster;
/// # use buyer_journey_datafusion::JourneyFunctions;
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
/// let cluster = LocalCluster::start(&functions, 2).await?;
/// let ctx = cluster.connect().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct LocalCluster {
    scheduler: SocketAddr,
    functions: JourneyFunctions,
    tasks: Vec<JoinHandle<()>>,
    work: PathBuf,
}

impl LocalCluster {
    /// Starts a scheduler and `executors` executors (each running one task
    /// at a time), and waits until each executor serves.
    ///
    /// # Errors
    ///
    /// When a port cannot be bound, or a process of the cluster stops
    /// before it serves.
    pub async fn start(functions: &JourneyFunctions, executors: usize) -> Result<LocalCluster> {
        static CLUSTERS: AtomicU64 = AtomicU64::new(0);
        let work = std::env::temp_dir().join(format!(
            "buyer-journey-ballista-{}-{}",
            std::process::id(),
            CLUSTERS.fetch_add(1, Ordering::Relaxed)
        ));

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let scheduler = listener.local_addr()?;
        let config = SchedulerConfig::default()
            .with_hostname(Ipv4Addr::LOCALHOST.to_string())
            .with_port(scheduler.port());
        let mut tasks = Vec::with_capacity(executors + 1);
        let run = functions.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(err) = run_scheduler(&run, listener, config).await {
                eprintln!("buyer-journey local cluster: the scheduler stopped: {err}");
            }
        }));
        let mut cluster = LocalCluster {
            scheduler,
            functions: functions.clone(),
            tasks,
            work,
        };

        for n in 0..executors {
            let work_dir = cluster.work.join(format!("executor-{n}"));
            std::fs::create_dir_all(&work_dir)?;
            let port = free_port().await?;
            let config = ExecutorProcessConfig {
                bind_host: Ipv4Addr::LOCALHOST.to_string(),
                external_host: Some(Ipv4Addr::LOCALHOST.to_string()),
                port,
                grpc_port: free_port().await?,
                scheduler_host: Ipv4Addr::LOCALHOST.to_string(),
                scheduler_port: scheduler.port(),
                vcores: 1,
                work_dir: Some(work_dir.to_string_lossy().into_owned()),
                special_mod_log_level: "WARN".to_owned(),
                ..ExecutorProcessConfig::default()
            };
            let run = functions.clone();
            cluster.tasks.push(tokio::spawn(async move {
                if let Err(err) = run_executor(&run, config).await {
                    eprintln!("buyer-journey local cluster: an executor stopped: {err}");
                }
            }));
            serving(port).await?;
        }
        Ok(cluster)
    }

    /// The scheduler's address for clients: `df://127.0.0.1:PORT`.
    ///
    /// ```no_run
    /// # use buyer_journey::{models, Engine};
    /// # use buyer_journey_ballista::LocalCluster;
    /// # use buyer_journey_datafusion::JourneyFunctions;
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
    /// let cluster = LocalCluster::start(&functions, 1).await?;
    /// assert!(cluster.url().starts_with("df://127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn url(&self) -> String {
        format!("df://{}", self.scheduler)
    }

    /// A client session on the cluster, with the functions registered.
    ///
    /// # Errors
    ///
    /// As [`connect`].
    pub async fn connect(&self) -> Result<SessionContext> {
        connect(&self.url(), &self.functions).await
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

async fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    Ok(listener.local_addr()?.port())
}

/// Waits (up to ten seconds) until something accepts connections on
/// `port`.
async fn serving(port: u16) -> Result<()> {
    for _ in 0..200 {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(exec_datafusion_err!(
        "the executor on port {port} did not start within ten seconds"
    ))
}

//! The buyer-journey SQL functions on a [Ballista](https://datafusion.apache.org/ballista/)
//! cluster: a scheduler and executors that know them, and a client session
//! that plans with them.
//!
//! Every process of the cluster builds the same engine from the same
//! ruleset document, and registers the functions of
//! [`buyer_journey_datafusion`] under the same names: the client plans the
//! query with them, the scheduler plans its stages with them, and each
//! executor looks them up by name when it decodes its tasks. The binaries
//! `buyer-journey-scheduler` and `buyer-journey-executor` do this from
//! `--ruleset FILE` (see the README's "Past one machine" section for a
//! cluster of several hosts); [`LocalCluster`] starts the same scheduler
//! and executors inside one process, on loopback.
//!
//! # Example
//!
//! ```no_run
//! use buyer_journey_ballista::connect;
//! use buyer_journey_datafusion::JourneyFunctions;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The same document the scheduler and the executors were started with.
//! let functions = JourneyFunctions::from_file("rules.json")?;
//! let ctx = connect("df://scheduler-host:50050", &functions).await?;
//! ctx.register_parquet("customers", "/data/customers.parquet", Default::default())
//!     .await?;
//! ctx.sql("SELECT classify_stage(customers) AS stage, count(*) FROM customers GROUP BY 1")
//!     .await?
//!     .show()
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod cluster;

use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use ballista_scheduler::scheduler_server::SessionBuilder;
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::common::Result;
use datafusion::execution::{FunctionRegistry, SessionState, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use tokio::net::TcpListener;

pub use cluster::LocalCluster;

/// A client session on the cluster whose scheduler is at `url`
/// (`df://host:port`), with the functions registered for planning.
///
/// # Errors
///
/// When `url` is not a scheduler's address.
///
/// ```no_run
/// # use buyer_journey::{models, Engine};
/// # use buyer_journey_datafusion::JourneyFunctions;
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
/// let ctx = buyer_journey_ballista::connect("df://localhost:50050", &functions).await?;
/// # Ok(())
/// # }
/// ```
pub async fn connect(url: &str, functions: &JourneyFunctions) -> Result<SessionContext> {
    let mut state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(SessionConfig::new_with_ballista())
        .build();
    register(&mut state, functions)?;
    let ctx = SessionContext::remote_with_state(url, state).await?;
    // Ballista rebuilds the session state for the remote planner: the
    // functions go on the context it returns as well.
    functions.register(&ctx);
    Ok(ctx)
}

/// The session every job gets on the scheduler: Ballista's own, with the
/// functions.
///
/// ```
/// # use buyer_journey::{models, Engine};
/// # use buyer_journey_datafusion::JourneyFunctions;
/// use ballista::prelude::SessionConfigExt;
/// use datafusion::prelude::SessionConfig;
///
/// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
/// let build = buyer_journey_ballista::session_builder(functions);
/// let state = build(SessionConfig::new_with_ballista())?;
/// assert!(state.scalar_functions().contains_key("classify_stage"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn session_builder(functions: JourneyFunctions) -> SessionBuilder {
    Arc::new(move |config: SessionConfig| {
        let mut state = default_session_builder(config)?;
        register(&mut state, &functions)?;
        Ok(state)
    })
}

/// The functions an executor looks tasks' functions up in: DataFusion's
/// and Ballista's, with these.
///
/// # Errors
///
/// When Ballista's default session cannot be built.
///
/// ```
/// # use buyer_journey::{models, Engine};
/// # use buyer_journey_datafusion::JourneyFunctions;
/// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
/// let registry = buyer_journey_ballista::function_registry(&functions)?;
/// assert!(registry.scalar_functions.contains_key("top_actions"));
/// assert!(registry.scalar_functions.contains_key("abs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn function_registry(functions: &JourneyFunctions) -> Result<BallistaFunctionRegistry> {
    let state = session_builder(functions.clone())(SessionConfig::new_with_ballista())?;
    Ok(BallistaFunctionRegistry::from(&state))
}

/// Runs a scheduler that knows the functions, serving on `listener` until
/// the process ends. `config`'s host and port are those the executors and
/// clients are told to reach it at.
///
/// # Errors
///
/// When the scheduler cannot start or its server fails.
pub async fn run_scheduler(
    functions: &JourneyFunctions,
    listener: TcpListener,
    config: SchedulerConfig,
) -> ballista_core::error::Result<()> {
    let config = config.with_override_session_builder(session_builder(functions.clone()));
    let cluster = BallistaCluster::new_from_config(&config).await?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config)).await?;
    start_grpc_service_with_listener(listener, scheduler).await
}

/// Runs an executor that knows the functions until the process ends (or
/// it is told to stop), registered with the scheduler `config` names.
///
/// # Errors
///
/// When the executor cannot start: a bad address, a port in use, no
/// scheduler to register with.
pub async fn run_executor(
    functions: &JourneyFunctions,
    mut config: ExecutorProcessConfig,
) -> ballista_core::error::Result<()> {
    config.override_function_registry = Some(Arc::new(function_registry(functions)?));
    start_executor_process(Arc::new(config)).await
}

fn register(state: &mut SessionState, functions: &JourneyFunctions) -> Result<()> {
    for udf in functions.udfs() {
        state.register_udf(Arc::new(udf))?;
    }
    Ok(())
}

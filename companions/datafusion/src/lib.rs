//! SQL functions for [DataFusion](https://datafusion.apache.org) that
//! classify customers with a [`buyer_journey`] engine, built from any
//! ruleset document.
//!
//! [`JourneyFunctions::register`] adds four scalar functions to a session:
//!
//! | function | returns |
//! | --- | --- |
//! | `classify_stage(...)` | the stage's id, `Utf8` |
//! | `stage_confidence(...)` | the confidence in the stage, `Float64` in `[0, 1]` |
//! | `customer_tags(...)` | the tags' ids, `List(Utf8)` in the ruleset's order |
//! | `top_actions(...)` | the ranked actions, `List(Struct {id, kind, priority, propensity, value})`, best first |
//!
//! Each takes the ruleset's signals as columns named after them, in any
//! order (`classify_stage(reviews_read, cart_adds)`), or as one struct
//! whose fields are named after them
//! (`classify_stage(named_struct('reviews_read', r, 'cart_adds', c))`). A
//! signal not given is missing for every row. The values follow the
//! library's missing-value rules: a null, a NaN or an infinity, a negative
//! or fractional count, a number outside the signal's range, a text that is
//! neither a label nor an alias of a category: each is a missing value,
//! never an error. A column whose type the signal cannot be read from is an
//! error when the query is planned, naming the signal and the types it
//! takes:
//!
//! | signal | column types |
//! | --- | --- |
//! | number, count | any integer, float or decimal type (`Float64`, `Int64` and `UInt32` are read in place) |
//! | flag | `Boolean` (read in place), or an integer type holding 0 and 1 |
//! | category | `Utf8`, `LargeUtf8`, `Utf8View`, or a dictionary of them, holding labels or aliases |
//! | any | `Null` (the signal is missing) |
//!
//! Rows are decided a batch at a time on the engine's batch path
//! ([`Engine::classify_batch`], [`Engine::decide_batch`]), 64 customers
//! per step, with the Arrow buffers (values and null bitmaps) of the types
//! read in place handed to the engine without a copy. Every partition
//! shares one engine. `top_actions` ranks actions as for a customer never
//! contacted (SQL rows carry no contact history) at
//! [`Timestamp::EPOCH`](buyer_journey::Timestamp::EPOCH).
//!
//! # Example
//!
//! ```
//! use buyer_journey::{models, Engine};
//! use buyer_journey_datafusion::JourneyFunctions;
//! use datafusion::prelude::SessionContext;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::builder(models::buying_process()).build()?;
//! let ctx = SessionContext::new();
//! JourneyFunctions::new(engine).register(&ctx);
//!
//! let frame = ctx
//!     .sql(
//!         "SELECT classify_stage(reviews_read, cart_adds) AS stage
//!          FROM (VALUES (0, 0), (3, 0), (1, 2)) AS t(reviews_read, cart_adds)",
//!     )
//!     .await?;
//! let batches = frame.collect().await?;
//! let stages = datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string();
//! assert!(stages.contains("information_search"));
//! assert!(stages.contains("purchase_decision"));
//! # Ok(())
//! # }
//! ```
//!
//! # Trying a ruleset in SQL
//!
//! Register a second engine under a prefix and compare the two per row:
//! the movement between stages is one `GROUP BY`.
//!
//! ```
//! # use buyer_journey::{models, Engine};
//! # use buyer_journey_datafusion::JourneyFunctions;
//! # use datafusion::prelude::SessionContext;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = SessionContext::new();
//! JourneyFunctions::new(Engine::builder(models::buying_process()).build()?).register(&ctx);
//! JourneyFunctions::new(Engine::builder(models::buying_process()).build()?)
//!     .with_prefix("tried_")
//!     .register(&ctx);
//! let moves = ctx
//!     .sql(
//!         "SELECT classify_stage(reviews_read) AS live, tried_classify_stage(reviews_read) AS tried,
//!                 count(*) AS customers
//!          FROM (VALUES (0), (3)) AS t(reviews_read) GROUP BY 1, 2",
//!     )
//!     .await?
//!     .count()
//!     .await?;
//! assert_eq!(moves, 2);
//! # Ok(())
//! # }
//! ```

mod bind;
mod columns;
mod output;
mod udf;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use buyer_journey::{Document, Engine};
use datafusion::common::{config_datafusion_err, Result};
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;

use output::Output;
use udf::{JourneyUdf, Scratches};

/// The SQL functions over one engine: `classify_stage`, `stage_confidence`,
/// `customer_tags` and `top_actions` (see the [crate] documentation for
/// their arguments and results).
///
/// Cheap to clone: the engine is shared.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine};
/// use buyer_journey_datafusion::JourneyFunctions;
///
/// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
/// let names: Vec<String> = functions.udfs().iter().map(|f| f.name().to_owned()).collect();
/// assert_eq!(names, ["classify_stage", "stage_confidence", "customer_tags", "top_actions"]);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct JourneyFunctions {
    engine: Arc<Engine>,
    prefix: String,
}

impl JourneyFunctions {
    /// The functions over `engine`, under their plain names.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use buyer_journey::{models, Engine};
    /// use buyer_journey_datafusion::JourneyFunctions;
    ///
    /// let engine = Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let functions = JourneyFunctions::new(Arc::clone(&engine));
    /// assert!(Arc::ptr_eq(functions.engine(), &engine));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn new(engine: impl Into<Arc<Engine>>) -> Self {
        JourneyFunctions {
            engine: engine.into(),
            prefix: String::new(),
        }
    }

    /// The functions over the engine a ruleset document describes: a
    /// `.json` or `.toml` file, as [`Document`] reads it.
    ///
    /// # Errors
    ///
    /// [`DataFusionError::Configuration`](datafusion::error::DataFusionError::Configuration)
    /// naming the file, when it cannot be read, has another extension, is
    /// not a ruleset document, or describes a ruleset with errors (the first
    /// is given, with its line and column).
    ///
    /// ```
    /// use buyer_journey_datafusion::JourneyFunctions;
    ///
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/models/b2b_saas.toml");
    /// let functions = JourneyFunctions::from_file(path)?;
    /// assert_eq!(functions.engine().name(), "b2b_saas");
    ///
    /// let err = JourneyFunctions::from_file("no/such/rules.json").unwrap_err();
    /// assert!(err.to_string().contains("no/such/rules.json"));
    /// # Ok::<(), datafusion::error::DataFusionError>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let shown = path.display();
        let text =
            fs::read_to_string(path).map_err(|err| config_datafusion_err!("{shown}: {err}"))?;
        let document = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Document::from_json(&text),
            Some("toml") => Document::from_toml(&text),
            _ => {
                return Err(config_datafusion_err!(
                    "{shown}: cannot tell the format: name the file .json or .toml"
                ))
            }
        }
        .map_err(|err| config_datafusion_err!("{shown}: {err}"))?;
        let engine = Engine::builder(document.spec().clone())
            .build()
            .map_err(|err| config_datafusion_err!("{shown}: {}", document.locate_error(err)))?;
        Ok(JourneyFunctions::new(engine))
    }

    /// The same functions registered as `prefix` + their names
    /// (`tried_classify_stage`, ...): to have two engines in one session.
    ///
    /// ```
    /// # use buyer_journey::{models, Engine};
    /// # use buyer_journey_datafusion::JourneyFunctions;
    /// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?)
    ///     .with_prefix("tried_");
    /// assert_eq!(functions.udfs()[0].name(), "tried_classify_stage");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// The engine the functions run.
    ///
    /// ```
    /// # use buyer_journey::{models, Engine};
    /// # use buyer_journey_datafusion::JourneyFunctions;
    /// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
    /// assert_eq!(functions.engine().schema().len(), 16);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The four functions, to register where a [`SessionContext`] is not at
    /// hand (a `SessionStateBuilder`, a Ballista executor's registry). All
    /// four share one set of batch buffers.
    ///
    /// ```
    /// # use buyer_journey::{models, Engine};
    /// # use buyer_journey_datafusion::JourneyFunctions;
    /// use datafusion::execution::SessionStateBuilder;
    ///
    /// let functions = JourneyFunctions::new(Engine::builder(models::buying_process()).build()?);
    /// let state = SessionStateBuilder::new()
    ///     .with_default_features()
    ///     .with_scalar_functions(functions.udfs().into_iter().map(std::sync::Arc::new).collect())
    ///     .build();
    /// assert!(state.scalar_functions().contains_key("top_actions"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn udfs(&self) -> Vec<ScalarUDF> {
        let scratches = Arc::new(Scratches::new(Arc::clone(&self.engine)));
        [
            Output::Stage,
            Output::Confidence,
            Output::Tags,
            Output::Actions,
        ]
        .into_iter()
        .map(|output| {
            ScalarUDF::new_from_impl(JourneyUdf::new(
                format!("{}{}", self.prefix, output.name()),
                output,
                Arc::clone(&self.engine),
                Arc::clone(&scratches),
            ))
        })
        .collect()
    }

    /// Registers the four functions on `ctx`, replacing any of the same
    /// names.
    ///
    /// ```
    /// # use buyer_journey::{models, Engine};
    /// # use buyer_journey_datafusion::JourneyFunctions;
    /// use datafusion::prelude::SessionContext;
    ///
    /// let ctx = SessionContext::new();
    /// JourneyFunctions::new(Engine::builder(models::buying_process()).build()?).register(&ctx);
    /// assert!(ctx.state().scalar_functions().contains_key("classify_stage"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn register(&self, ctx: &SessionContext) {
        for udf in self.udfs() {
            ctx.register_udf(udf);
        }
    }
}

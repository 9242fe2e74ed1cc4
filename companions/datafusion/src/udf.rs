//! One scalar function over an engine: binds its arguments to signals when
//! the query is planned, and runs each batch of rows through the engine's
//! batch path.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use buyer_journey::{Action, BatchScratch, ContactHistory, Engine, Timestamp};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_datafusion_err, Result};
use datafusion::functions::core::named_struct;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    lit, ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};

use crate::bind;
use crate::columns;
use crate::output::Output;

#[derive(Clone)]
pub(crate) struct JourneyUdf {
    name: String,
    output: Output,
    engine: Arc<Engine>,
    scratches: Arc<Scratches>,
    signature: Signature,
}

impl JourneyUdf {
    pub(crate) fn new(
        name: String,
        output: Output,
        engine: Arc<Engine>,
        scratches: Arc<Scratches>,
    ) -> Self {
        JourneyUdf {
            name,
            output,
            engine,
            scratches,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    fn run(&self, rows: usize, fields: &[FieldRef], args: &[ColumnarValue]) -> Result<ArrayRef> {
        let inputs = bind::inputs(&self.name, fields)?;
        let bindings = bind::bind(&self.name, self.engine.schema(), &inputs)?;
        let arrays = args
            .iter()
            .map(|arg| arg.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let arrays = columns::input_arrays(arrays)?;
        let held = columns::hold(&self.engine, &bindings, &arrays)?;
        let columns = columns::columns(&self.engine, &bindings, &held, rows)?;

        let mut scratch = self.scratches.take();
        let result = if self.output.decides() {
            // A zero-size history per row: no allocation.
            let histories = vec![NeverContacted; rows];
            self.engine
                .decide_batch(&columns, &histories, Timestamp::EPOCH, &mut scratch)
                .map(|batch| self.output.array(&batch))
        } else {
            self.engine
                .classify_batch(&columns, &mut scratch)
                .map(|batch| self.output.array(&batch))
        };
        self.scratches.give_back(scratch);
        result.map_err(|err| exec_datafusion_err!("{}: {err}", self.name))
    }
}

impl ScalarUDFImpl for JourneyUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.output.data_type())
    }

    /// Checked here, when the query is planned: every input is named after
    /// a signal and of a type that signal is read from.
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let inputs = bind::inputs(&self.name, args.arg_fields)?;
        bind::bind(&self.name, self.engine.schema(), &inputs)?;
        Ok(Arc::new(Field::new(
            &self.name,
            self.output.data_type(),
            false,
        )))
    }

    /// Columns passed by name become one struct of them, named as they
    /// are now: the optimizer later merges projections, and a column of an
    /// inner query (`SELECT x AS reviews_read ...`) would reach the
    /// function under its inner name (`x`), while a struct's field names
    /// are part of its type and stay.
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        if let [only] = args.as_slice() {
            if matches!(info.get_data_type(only)?, DataType::Struct(_)) {
                return Ok(ExprSimplifyResult::Original(args));
            }
        }
        let names: Option<Vec<String>> = args
            .iter()
            .map(|arg| match arg {
                Expr::Column(column) => Some(column.name.clone()),
                _ => None,
            })
            .collect();
        let Some(names) = names else {
            return Ok(ExprSimplifyResult::Original(args));
        };
        let fields = names
            .into_iter()
            .zip(args)
            .flat_map(|(name, arg)| [lit(name), arg])
            .collect();
        let strukt = named_struct().call(fields);
        Ok(ExprSimplifyResult::Simplified(
            ScalarUDF::new_from_impl(self.clone()).call(vec![strukt]),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.run(args.number_rows, &args.arg_fields, &args.args)
            .map(ColumnarValue::Array)
    }
}

impl fmt::Debug for JourneyUdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JourneyUdf")
            .field("name", &self.name)
            .field("ruleset", &self.engine.name())
            .finish_non_exhaustive()
    }
}

/// Two functions are the same when they have the same name and output over
/// the same engine (the same one in memory, not an equal one).
impl PartialEq for JourneyUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.output == other.output
            && Arc::ptr_eq(&self.engine, &other.engine)
    }
}

impl Eq for JourneyUdf {}

impl Hash for JourneyUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.output.hash(state);
        Arc::as_ptr(&self.engine).hash(state);
    }
}

/// The batch buffers of the functions over one engine, reused by whichever
/// partition runs next: a partition takes one for a batch and gives it
/// back, so there are never more than partitions running at once.
pub(crate) struct Scratches {
    engine: Arc<Engine>,
    free: Mutex<Vec<BatchScratch>>,
}

impl Scratches {
    pub(crate) fn new(engine: Arc<Engine>) -> Self {
        Scratches {
            engine,
            free: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> BatchScratch {
        let free = self
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        free.unwrap_or_else(|| self.engine.batch_scratch())
    }

    fn give_back(&self, scratch: BatchScratch) {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(scratch);
    }
}

/// The history of a customer never contacted: SQL rows carry no contact
/// history, so actions are ranked as for a first contact.
#[derive(Debug, Clone, Copy)]
struct NeverContacted;

impl ContactHistory for NeverContacted {
    fn last_shown(&self, _: &Action) -> Option<Timestamp> {
        None
    }

    fn times_shown_after(&self, _: &Action, _: Timestamp) -> u32 {
        0
    }

    fn dismissals(&self, _: &Action) -> u32 {
        0
    }
}

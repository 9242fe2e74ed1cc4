//! What each function returns, as Arrow arrays built from a batch's
//! decisions.

use std::sync::Arc;

use buyer_journey::Batch;
use datafusion::arrow::array::{ArrayRef, Float64Array, ListArray, StringBuilder, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};

/// The four functions' results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Output {
    /// The stage's id.
    Stage,
    /// The confidence in the stage, in `[0, 1]`.
    Confidence,
    /// The ids of the customer's tags, in the ruleset's order.
    Tags,
    /// The ranked actions, best first.
    Actions,
}

impl Output {
    /// The name it is registered under (before any prefix).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Output::Stage => "classify_stage",
            Output::Confidence => "stage_confidence",
            Output::Tags => "customer_tags",
            Output::Actions => "top_actions",
        }
    }

    pub(crate) fn data_type(self) -> DataType {
        match self {
            Output::Stage => DataType::Utf8,
            Output::Confidence => DataType::Float64,
            Output::Tags => DataType::List(tag_field()),
            Output::Actions => DataType::List(action_field()),
        }
    }

    /// Whether the engine must rank actions, not only classify.
    pub(crate) fn decides(self) -> bool {
        self == Output::Actions
    }

    pub(crate) fn array(self, batch: &Batch<'_>) -> ArrayRef {
        match self {
            Output::Stage => stages(batch),
            Output::Confidence => Arc::new(Float64Array::from_iter_values(
                batch.iter().map(|d| d.confidence()),
            )),
            Output::Tags => tags(batch),
            Output::Actions => actions(batch),
        }
    }
}

fn tag_field() -> FieldRef {
    Arc::new(Field::new_list_field(DataType::Utf8, false))
}

fn action_fields() -> Fields {
    Fields::from(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("priority", DataType::Float64, false),
        Field::new("propensity", DataType::Float64, false),
        Field::new("value", DataType::Float64, false),
    ])
}

fn action_field() -> FieldRef {
    Arc::new(Field::new_list_field(
        DataType::Struct(action_fields()),
        false,
    ))
}

fn stages(batch: &Batch<'_>) -> ArrayRef {
    // Sized for ids of up to 24 bytes, so that most batches never grow it.
    let mut ids = StringBuilder::with_capacity(batch.len(), batch.len() * 24);
    for decision in batch.iter() {
        ids.append_value(decision.stage().id());
    }
    Arc::new(ids.finish())
}

fn tags(batch: &Batch<'_>) -> ArrayRef {
    let mut ids = StringBuilder::new();
    let mut lengths = Vec::with_capacity(batch.len());
    for decision in batch.iter() {
        let tags = decision.tags();
        lengths.push(tags.len());
        for tag in tags {
            ids.append_value(tag.id());
        }
    }
    Arc::new(ListArray::new(
        tag_field(),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(ids.finish()),
        None,
    ))
}

fn actions(batch: &Batch<'_>) -> ArrayRef {
    let mut ids = StringBuilder::new();
    let mut kinds = StringBuilder::new();
    let (mut priority, mut propensity, mut value) = (Vec::new(), Vec::new(), Vec::new());
    let mut lengths = Vec::with_capacity(batch.len());
    for decision in batch.iter() {
        let actions = decision.actions();
        lengths.push(actions.len());
        for action in actions {
            ids.append_value(action.id());
            kinds.append_value(action.kind());
            priority.push(action.priority());
            propensity.push(action.propensity());
            value.push(action.value());
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(kinds.finish()),
        Arc::new(Float64Array::from(priority)),
        Arc::new(Float64Array::from(propensity)),
        Arc::new(Float64Array::from(value)),
    ];
    Arc::new(ListArray::new(
        action_field(),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(StructArray::new(action_fields(), columns, None)),
        None,
    ))
}

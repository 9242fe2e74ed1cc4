//! Aliases of category labels rewritten to the labels they name, once,
//! after checking: what comes after (the interpreter, the compiler, the
//! text a ruleset's conditions print as) meets declared labels only.

use crate::condition::{Condition, Expr};
use crate::signal::{Schema, SignalKind};

/// Rewrites every alias that `condition`, checked against `schema`,
/// compares a category signal with into the label it names.
pub(crate) fn to_labels(condition: &mut Condition, schema: &Schema) {
    if !schema.has_aliases() {
        return;
    }
    rewrite(condition, schema);
}

/// Recursive, as checking is: checking bounded the depth first.
fn rewrite(condition: &mut Condition, schema: &Schema) {
    match condition {
        Condition::Compare { left, right, .. } => {
            label_of(left, right, schema);
            label_of(right, left, schema);
        }
        Condition::In { value, list } | Condition::NotIn { value, list } => {
            for item in list {
                label_of(item, value, schema);
            }
        }
        Condition::Not(inner) => rewrite(inner, schema),
        Condition::All(items) | Condition::Any(items) | Condition::AtLeast { of: items, .. } => {
            for item in items {
                rewrite(item, schema);
            }
        }
        Condition::Between { value, low, high } => {
            label_of(low, value, schema);
            label_of(high, value, schema);
        }
        Condition::Bool(_) | Condition::Present(_) | Condition::Missing(_) => {}
    }
}

/// Text compared with a category signal, `partner`, becomes the label it
/// names.
fn label_of(text: &mut Expr, partner: &Expr, schema: &Schema) {
    let (Expr::Text(text), Expr::Signal(id)) = (text, partner) else {
        return;
    };
    let Some(signal) = schema
        .find(id)
        .filter(|signal| signal.kind() == SignalKind::Category)
    else {
        return;
    };
    if let Some(label) = signal.label(text).filter(|label| label != text) {
        label.clone_into(text);
    }
}

//! Where each node of a parsed condition was written, so that a problem
//! found on the tree (an unknown signal, a type mismatch) points at the
//! occurrence in the text it is about, not at the first one of its name.
//!
//! The tree stays free of positions (a condition built in Rust or read from
//! serde has none, and two conditions are equal whatever their spacing);
//! the parser returns the columns beside it instead, one per node in
//! pre-order, and [`Spans::column_of`] finds a node's column by walking the
//! tree in that same order.

use crate::condition::tree::{walk, Node};
use crate::condition::Condition;

/// Whether `a` and `b` are the very same node of one tree.
fn same(a: Node<'_>, b: Node<'_>) -> bool {
    match (a, b) {
        (Node::Cond(a), Node::Cond(b)) => std::ptr::eq(a, b),
        (Node::Expr(a), Node::Expr(b)) => std::ptr::eq(a, b),
        _ => false,
    }
}

/// The column (1-based, in characters) of each node of a parsed condition,
/// in the pre-order of [`walk`]: a node, then its children in the order they
/// are written (`left` before `right`, `value` before the list, `low` before
/// `high`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Spans(Vec<usize>);

impl Spans {
    pub(crate) fn new(columns: Vec<usize>) -> Self {
        Spans(columns)
    }

    /// The column where `node`, a node of `condition` (the tree these spans
    /// were parsed with), was written.
    pub(crate) fn column_of(&self, condition: &Condition, node: Node<'_>) -> Option<usize> {
        let position = walk(Node::Cond(condition)).position(|(visited, _)| same(visited, node))?;
        self.0.get(position).copied()
    }
}

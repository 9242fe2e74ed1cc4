//! Where each node of a parsed condition was written, so that a problem
//! found on the tree (an unknown signal, a type mismatch) points at the
//! occurrence in the text it is about, not at the first one of its name.
//!
//! The tree stays free of positions (a condition built in Rust or read from
//! serde has none, and two conditions are equal whatever their spacing);
//! the parser returns the columns beside it instead, one per node in
//! pre-order, and [`Spans::column_of`] finds a node's column by walking the
//! tree in that same order.

use crate::condition::{Condition, Expr};

/// A node of a condition tree: a condition or a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeRef<'a> {
    Condition(&'a Condition),
    Expr(&'a Expr),
}

impl NodeRef<'_> {
    /// Whether both refer to the very same node of one tree.
    fn is(self, other: NodeRef<'_>) -> bool {
        match (self, other) {
            (NodeRef::Condition(a), NodeRef::Condition(b)) => std::ptr::eq(a, b),
            (NodeRef::Expr(a), NodeRef::Expr(b)) => std::ptr::eq(a, b),
            _ => false,
        }
    }
}

/// The column (1-based, in characters) of each node of a parsed condition,
/// in pre-order: a node, then its children in the order they are written
/// (`left` before `right`, `value` before the list, `low` before `high`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Spans(Vec<usize>);

impl Spans {
    pub(crate) fn new(columns: Vec<usize>) -> Self {
        Spans(columns)
    }

    /// The column where `node`, a node of `condition` (the tree these spans
    /// were parsed with), was written.
    pub(crate) fn column_of(&self, condition: &Condition, node: NodeRef<'_>) -> Option<usize> {
        let position = preorder(condition).position(|visited| visited.is(node))?;
        self.0.get(position).copied()
    }
}

/// The nodes of `condition` in pre-order, walked with a stack on the heap so
/// that no depth exhausts the call stack.
pub(crate) fn preorder(condition: &Condition) -> impl Iterator<Item = NodeRef<'_>> {
    let mut stack = vec![NodeRef::Condition(condition)];
    std::iter::from_fn(move || {
        let node = stack.pop()?;
        // Children go on the stack last first, so the first comes off next.
        let before = stack.len();
        match node {
            NodeRef::Condition(condition) => match condition {
                Condition::Bool(_) | Condition::Present(_) | Condition::Missing(_) => {}
                Condition::Compare { left, right, .. } => {
                    stack.extend([NodeRef::Expr(left), NodeRef::Expr(right)]);
                }
                Condition::In { value, list } => {
                    stack.push(NodeRef::Expr(value));
                    stack.extend(list.iter().map(NodeRef::Expr));
                }
                Condition::Between { value, low, high } => {
                    stack.extend([value, low, high].map(NodeRef::Expr));
                }
                Condition::Not(inner) => stack.push(NodeRef::Condition(inner)),
                Condition::All(items)
                | Condition::Any(items)
                | Condition::AtLeast { of: items, .. } => {
                    stack.extend(items.iter().map(NodeRef::Condition));
                }
            },
            NodeRef::Expr(Expr::Binary { left, right, .. }) => {
                stack.extend([NodeRef::Expr(left), NodeRef::Expr(right)]);
            }
            NodeRef::Expr(_) => {}
        }
        stack[before..].reverse();
        Some(node)
    })
}

//! `Drop`, `Clone`, `PartialEq` and `Serialize` for [`Condition`] and
//! [`Expr`], written by hand so that no tree, however deep, exhausts the
//! stack.
//!
//! The derived impls recurse once per level of the tree, and a tree built in
//! Rust has no depth limit: [`Limits`](crate::Limits) bounds what the library
//! accepts, not what a caller can construct and then drop, clone or compare.
//! So these impls keep their work on the heap instead: `Drop` takes deep
//! children out and dismantles them from a stack, `Clone` fills in a copy
//! from a stack of pending pairs, and `PartialEq` walks both trees in step.
//!
//! Serialization cannot avoid recursion, since serde's API nests a call per
//! level, so it carries the depth down and fails beyond
//! [`MAX_SERIALIZE_DEPTH`] instead. Deserialization stays derived: the
//! deserializer bounds its own nesting (`serde_json` stops at 128 levels).

use std::mem;

use serde::ser::SerializeStructVariant;
use serde::{Serialize, Serializer};

use crate::condition::{Condition, Expr};

/// The deepest tree that serializes, counted like
/// [`Limits::max_depth`](crate::Limits::max_depth): each condition and each
/// value is a level.
///
/// Four times the default `max_depth`, so every tree the default limits
/// accept serializes with room to spare; and about as deep as `serde_json`'s
/// default reader takes back. That reader stops at 128 nested objects and
/// arrays, so it reads a chain of up to 127 `not`; the other connectives and
/// arithmetic nest two or three JSON containers a level, so their chains
/// read back to a half or a third of that. The public docs of `Condition`
/// name this number.
///
/// The bound is for the stack: `serde_json` takes 0.9 to 3.6 KiB per level in
/// a debug build (measured as the smallest thread stack that serializes
/// chains of `not`, `all`, `at_least` and `+` 2 and 128 levels deep, with
/// `to_string`, `to_string_pretty` and `to_value`), so under 0.5 MiB at the
/// bound, well within the 2 MiB of a spawned thread.
pub(crate) const MAX_SERIALIZE_DEPTH: usize = 128;

/// A borrowed node of either kind, so one walk covers conditions and values.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node<'a> {
    Cond(&'a Condition),
    Expr(&'a Expr),
}

impl<'a> Node<'a> {
    /// The children in field order, list items in list order.
    fn children(self) -> impl DoubleEndedIterator<Item = Node<'a>> {
        type Parts<'a> = ([Option<&'a Expr>; 3], &'a [Expr], &'a [Condition]);
        let (operands, list, conditions): Parts<'a> = match self {
            Node::Cond(condition) => match condition {
                Condition::Bool(_) | Condition::Present(_) | Condition::Missing(_) => {
                    ([None; 3], &[], &[])
                }
                Condition::Compare { left, right, .. } => {
                    ([Some(left), Some(right), None], &[], &[])
                }
                Condition::In { value, list } | Condition::NotIn { value, list } => {
                    ([Some(value), None, None], list, &[])
                }
                Condition::Between { value, low, high } => {
                    ([Some(value), Some(low), Some(high)], &[], &[])
                }
                Condition::Not(inner) => ([None; 3], &[], std::slice::from_ref(&**inner)),
                Condition::All(items)
                | Condition::Any(items)
                | Condition::AtLeast { of: items, .. } => ([None; 3], &[], items),
            },
            Node::Expr(Expr::Binary { left, right, .. }) => {
                ([Some(&**left), Some(&**right), None], &[], &[])
            }
            Node::Expr(_) => ([None; 3], &[], &[]),
        };
        operands
            .into_iter()
            .flatten()
            .chain(list)
            .map(Node::Expr)
            .chain(conditions.iter().map(Node::Cond))
    }

    fn is_leaf(self) -> bool {
        self.children().next().is_none()
    }

    /// Whether every child is a leaf: such a node drops in constant stack.
    fn is_shallow(self) -> bool {
        self.children().all(Node::is_leaf)
    }
}

/// Pre-order walk with the level of each node, the root at level 1.
pub(crate) fn walk(root: Node<'_>) -> Walk<'_> {
    Walk {
        last: None,
        next: Some((root, 1)),
        rest: Vec::new(),
    }
}

/// See [`walk`]. A node's children are looked at only when the walk goes
/// on past it, and the first child goes to `next` rather than onto `rest`:
/// so leaves and chains of single children walk without allocating, and
/// neither does a comparison that differs at the root, such as the
/// `condition != Condition::Bool(true)` on the allocation-free path.
pub(crate) struct Walk<'a> {
    /// The node returned last, whose children come next.
    last: Option<(Node<'a>, usize)>,
    next: Option<(Node<'a>, usize)>,
    rest: Vec<(Node<'a>, usize)>,
}

impl<'a> Iterator for Walk<'a> {
    type Item = (Node<'a>, usize);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((node, level)) = self.last.take() {
            let mut children = node.children().map(|child| (child, level + 1));
            self.next = children.next();
            self.rest.extend(children.rev());
        }
        let item = self.next.take().or_else(|| self.rest.pop())?;
        self.last = Some(item);
        Some(item)
    }
}

/// A mutably borrowed node of either kind.
enum NodeMut<'a> {
    Cond(&'a mut Condition),
    Expr(&'a mut Expr),
}

impl<'a> NodeMut<'a> {
    fn as_node(&self) -> Node<'_> {
        match self {
            NodeMut::Cond(condition) => Node::Cond(condition),
            NodeMut::Expr(expr) => Node::Expr(expr),
        }
    }

    /// The children in the order of [`Node::children`].
    fn children(self) -> impl Iterator<Item = NodeMut<'a>> {
        type Parts<'a> = (
            [Option<&'a mut Expr>; 3],
            &'a mut [Expr],
            &'a mut [Condition],
        );
        let (operands, list, conditions): Parts<'a> = match self {
            NodeMut::Cond(condition) => match condition {
                Condition::Bool(_) | Condition::Present(_) | Condition::Missing(_) => {
                    ([None, None, None], &mut [], &mut [])
                }
                Condition::Compare { left, right, .. } => {
                    ([Some(left), Some(right), None], &mut [], &mut [])
                }
                Condition::In { value, list } | Condition::NotIn { value, list } => {
                    ([Some(value), None, None], list, &mut [])
                }
                Condition::Between { value, low, high } => {
                    ([Some(value), Some(low), Some(high)], &mut [], &mut [])
                }
                Condition::Not(inner) => (
                    [None, None, None],
                    &mut [],
                    std::slice::from_mut(&mut **inner),
                ),
                Condition::All(items)
                | Condition::Any(items)
                | Condition::AtLeast { of: items, .. } => ([None, None, None], &mut [], items),
            },
            NodeMut::Expr(Expr::Binary { left, right, .. }) => (
                [Some(&mut **left), Some(&mut **right), None],
                &mut [],
                &mut [],
            ),
            NodeMut::Expr(_) => ([None, None, None], &mut [], &mut []),
        };
        operands
            .into_iter()
            .flatten()
            .chain(list)
            .map(NodeMut::Expr)
            .chain(conditions.iter_mut().map(NodeMut::Cond))
    }

    /// Moves the node out, leaving a leaf that owns no memory.
    fn take(self) -> Owned {
        match self {
            NodeMut::Cond(condition) => {
                Owned::Cond(mem::replace(condition, Condition::Bool(false)))
            }
            NodeMut::Expr(expr) => Owned::Expr(mem::replace(expr, Expr::Bool(false))),
        }
    }
}

/// An owned node of either kind, waiting on the stack of [`dismantle`].
enum Owned {
    Cond(Condition),
    Expr(Expr),
}

impl Owned {
    fn as_mut(&mut self) -> NodeMut<'_> {
        match self {
            Owned::Cond(condition) => NodeMut::Cond(condition),
            Owned::Expr(expr) => NodeMut::Expr(expr),
        }
    }
}

impl Drop for Condition {
    fn drop(&mut self) {
        dismantle(NodeMut::Cond(self));
    }
}

impl Drop for Expr {
    fn drop(&mut self) {
        dismantle(NodeMut::Expr(self));
    }
}

/// Takes the tree under `root` apart without recursion, leaving `root` with
/// shallow children only, which drop in constant stack.
///
/// When every child is shallow already, as in most conditions, this returns
/// at once without allocating: dropping the node recurses two levels at most.
/// Otherwise each child that is not shallow moves onto a heap stack, a leaf
/// left in its place; each node popped is emptied the same way, so that its
/// own drop then takes the fast path.
fn dismantle(root: NodeMut<'_>) {
    if root.as_node().children().all(Node::is_shallow) {
        return;
    }
    let mut stack = Vec::new();
    detach_deep_children(root, &mut stack);
    while let Some(mut node) = stack.pop() {
        detach_deep_children(node.as_mut(), &mut stack);
    }
}

fn detach_deep_children(node: NodeMut<'_>, stack: &mut Vec<Owned>) {
    for child in node.children() {
        if !child.as_node().is_shallow() {
            stack.push(child.take());
        }
    }
}

impl Clone for Condition {
    fn clone(&self) -> Self {
        let mut copy = copy_condition(self);
        fill_in(Node::Cond(self), NodeMut::Cond(&mut copy));
        copy
    }
}

impl Clone for Expr {
    fn clone(&self) -> Self {
        let mut copy = copy_expr(self);
        fill_in(Node::Expr(self), NodeMut::Expr(&mut copy));
        copy
    }
}

/// Completes `copy`, a [`copy_condition`] or [`copy_expr`] of `original`:
/// top down, each placeholder is replaced by a copy of the node it stands
/// for, whose own placeholders are then pending.
fn fill_in(original: Node<'_>, copy: NodeMut<'_>) {
    // One pair waits here rather than on the stack, so that a chain of
    // single children copies without allocating.
    let mut pending = Some((original, copy));
    let mut stack = Vec::new();
    while let Some((original, copy)) = pending.take().or_else(|| stack.pop()) {
        for (from, to) in original.children().zip(copy.children()) {
            if from.is_leaf() {
                // Copied along with its parent.
                continue;
            }
            let to = match (from, to) {
                (Node::Cond(from), NodeMut::Cond(to)) => {
                    *to = copy_condition(from);
                    NodeMut::Cond(to)
                }
                (Node::Expr(from), NodeMut::Expr(to)) => {
                    *to = copy_expr(from);
                    NodeMut::Expr(to)
                }
                // A copy has the shape of its original, so kinds always match.
                _ => continue,
            };
            if pending.is_none() {
                pending = Some((from, to));
            } else {
                stack.push((from, to));
            }
        }
    }
}

/// A copy of `condition` with its leaf children copied and a placeholder for
/// each child that has children of its own, for [`fill_in`] to complete.
fn copy_condition(condition: &Condition) -> Condition {
    let expr = copy_child_expr;
    let child = copy_child_condition;
    match condition {
        Condition::Bool(b) => Condition::Bool(*b),
        Condition::Compare { left, op, right } => Condition::Compare {
            left: expr(left),
            op: *op,
            right: expr(right),
        },
        Condition::In { value, list } => Condition::In {
            value: expr(value),
            list: list.iter().map(expr).collect(),
        },
        Condition::NotIn { value, list } => Condition::NotIn {
            value: expr(value),
            list: list.iter().map(expr).collect(),
        },
        Condition::Between { value, low, high } => Condition::Between {
            value: expr(value),
            low: expr(low),
            high: expr(high),
        },
        Condition::Present(name) => Condition::Present(name.clone()),
        Condition::Missing(name) => Condition::Missing(name.clone()),
        Condition::Not(inner) => Condition::Not(Box::new(child(inner))),
        Condition::All(items) => Condition::All(items.iter().map(child).collect()),
        Condition::Any(items) => Condition::Any(items.iter().map(child).collect()),
        Condition::AtLeast { k, of } => Condition::AtLeast {
            k: *k,
            of: of.iter().map(child).collect(),
        },
    }
}

/// As [`copy_condition`].
fn copy_expr(expr: &Expr) -> Expr {
    match expr {
        Expr::Signal(name) => Expr::Signal(name.clone()),
        Expr::Number(n) => Expr::Number(*n),
        Expr::Text(text) => Expr::Text(text.clone()),
        Expr::Bool(b) => Expr::Bool(*b),
        Expr::Duration(duration) => Expr::Duration(*duration),
        Expr::Binary { op, left, right } => Expr::Binary {
            op: *op,
            left: Box::new(copy_child_expr(left)),
            right: Box::new(copy_child_expr(right)),
        },
    }
}

/// The copy of a child in its parent's copy: whole for a leaf, which has no
/// children to recurse into, and a placeholder otherwise. [`fill_in`] skips
/// exactly the children copied whole here.
fn copy_child_condition(condition: &Condition) -> Condition {
    if Node::Cond(condition).is_leaf() {
        copy_condition(condition)
    } else {
        Condition::Bool(false)
    }
}

/// As [`copy_child_condition`].
fn copy_child_expr(expr: &Expr) -> Expr {
    if Node::Expr(expr).is_leaf() {
        copy_expr(expr)
    } else {
        Expr::Bool(false)
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        same_tree(Node::Cond(self), Node::Cond(other))
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        same_tree(Node::Expr(self), Node::Expr(other))
    }
}

/// Equality as derived, walking both trees in step. Nodes match only with
/// as many children, and a pre-order walk with the number of children at
/// each node determines the tree, so the walks end together exactly when
/// every pair matched.
fn same_tree(a: Node<'_>, b: Node<'_>) -> bool {
    walk(a).zip(walk(b)).all(|((a, _), (b, _))| same_node(a, b))
}

/// The variant, the fields that are not children, and the number of children.
fn same_node(a: Node<'_>, b: Node<'_>) -> bool {
    match (a, b) {
        (Node::Cond(a), Node::Cond(b)) => match (a, b) {
            (Condition::Bool(a), Condition::Bool(b)) => a == b,
            (Condition::Compare { op: a, .. }, Condition::Compare { op: b, .. }) => a == b,
            (Condition::In { list: a, .. }, Condition::In { list: b, .. })
            | (Condition::NotIn { list: a, .. }, Condition::NotIn { list: b, .. }) => {
                a.len() == b.len()
            }
            (Condition::Between { .. }, Condition::Between { .. })
            | (Condition::Not(_), Condition::Not(_)) => true,
            (Condition::Present(a), Condition::Present(b))
            | (Condition::Missing(a), Condition::Missing(b)) => a == b,
            (Condition::All(a), Condition::All(b)) | (Condition::Any(a), Condition::Any(b)) => {
                a.len() == b.len()
            }
            (Condition::AtLeast { k: a, of: x }, Condition::AtLeast { k: b, of: y }) => {
                a == b && x.len() == y.len()
            }
            _ => false,
        },
        (Node::Expr(a), Node::Expr(b)) => match (a, b) {
            (Expr::Signal(a), Expr::Signal(b)) | (Expr::Text(a), Expr::Text(b)) => a == b,
            // `==` on f64, as derived: NaN differs from itself.
            (Expr::Number(a), Expr::Number(b)) => a == b,
            (Expr::Bool(a), Expr::Bool(b)) => a == b,
            (Expr::Duration(a), Expr::Duration(b)) => a == b,
            (Expr::Binary { op: a, .. }, Expr::Binary { op: b, .. }) => a == b,
            _ => false,
        },
        _ => false,
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        At::new(self, 1).serialize(serializer)
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        At::new(self, 1).serialize(serializer)
    }
}

/// A node, or a list of them, at its level in the tree being serialized.
struct At<'a, T: ?Sized> {
    value: &'a T,
    level: usize,
}

impl<'a, T: ?Sized> At<'a, T> {
    fn new(value: &'a T, level: usize) -> Self {
        At { value, level }
    }

    /// The level of this node's children.
    fn below(&self) -> usize {
        self.level + 1
    }

    fn check<E: serde::ser::Error>(&self) -> Result<(), E> {
        if self.level > MAX_SERIALIZE_DEPTH {
            return Err(E::custom(format_args!(
                "cannot serialize a condition nested deeper than {MAX_SERIALIZE_DEPTH} levels"
            )));
        }
        Ok(())
    }
}

// The calls below are those `#[derive(Serialize)]` with
// `rename_all = "snake_case"` makes, so every format sees the same output.

impl Serialize for At<'_, Condition> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const NAME: &str = "Condition";
        self.check()?;
        let below = self.below();
        let s = serializer;
        match self.value {
            Condition::Bool(b) => s.serialize_newtype_variant(NAME, 0, "bool", b),
            Condition::Compare { left, op, right } => {
                let mut fields = s.serialize_struct_variant(NAME, 1, "compare", 3)?;
                fields.serialize_field("left", &At::new(left, below))?;
                fields.serialize_field("op", op)?;
                fields.serialize_field("right", &At::new(right, below))?;
                fields.end()
            }
            Condition::In { value, list } => {
                let mut fields = s.serialize_struct_variant(NAME, 2, "in", 2)?;
                fields.serialize_field("value", &At::new(value, below))?;
                fields.serialize_field("list", &At::new(list.as_slice(), below))?;
                fields.end()
            }
            Condition::Between { value, low, high } => {
                let mut fields = s.serialize_struct_variant(NAME, 3, "between", 3)?;
                fields.serialize_field("value", &At::new(value, below))?;
                fields.serialize_field("low", &At::new(low, below))?;
                fields.serialize_field("high", &At::new(high, below))?;
                fields.end()
            }
            Condition::Present(name) => s.serialize_newtype_variant(NAME, 4, "present", name),
            Condition::Missing(name) => s.serialize_newtype_variant(NAME, 5, "missing", name),
            Condition::Not(inner) => {
                s.serialize_newtype_variant(NAME, 6, "not", &At::new(&**inner, below))
            }
            Condition::All(items) => {
                s.serialize_newtype_variant(NAME, 7, "all", &At::new(items.as_slice(), below))
            }
            Condition::Any(items) => {
                s.serialize_newtype_variant(NAME, 8, "any", &At::new(items.as_slice(), below))
            }
            Condition::AtLeast { k, of } => {
                let mut fields = s.serialize_struct_variant(NAME, 9, "at_least", 2)?;
                fields.serialize_field("k", k)?;
                fields.serialize_field("of", &At::new(of.as_slice(), below))?;
                fields.end()
            }
            Condition::NotIn { value, list } => {
                let mut fields = s.serialize_struct_variant(NAME, 10, "not_in", 2)?;
                fields.serialize_field("value", &At::new(value, below))?;
                fields.serialize_field("list", &At::new(list.as_slice(), below))?;
                fields.end()
            }
        }
    }
}

impl Serialize for At<'_, Expr> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const NAME: &str = "Expr";
        self.check()?;
        let s = serializer;
        match self.value {
            Expr::Signal(name) => s.serialize_newtype_variant(NAME, 0, "signal", name),
            Expr::Number(n) => s.serialize_newtype_variant(NAME, 1, "number", n),
            Expr::Text(text) => s.serialize_newtype_variant(NAME, 2, "text", text),
            Expr::Bool(b) => s.serialize_newtype_variant(NAME, 3, "bool", b),
            Expr::Binary { op, left, right } => {
                let mut fields = s.serialize_struct_variant(NAME, 4, "binary", 3)?;
                fields.serialize_field("op", op)?;
                fields.serialize_field("left", &At::new(&**left, self.below()))?;
                fields.serialize_field("right", &At::new(&**right, self.below()))?;
                fields.end()
            }
            Expr::Duration(duration) => s.serialize_newtype_variant(NAME, 5, "duration", duration),
        }
    }
}

/// A list of children: its items are at the list's level, which is already
/// one below their parent.
impl<'a, T> Serialize for At<'a, [T]>
where
    At<'a, T>: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.value.iter().map(|item| At::new(item, self.level)))
    }
}

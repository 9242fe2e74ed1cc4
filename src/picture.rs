//! A report for people, off the hot path: pictures of the stage model and
//! its transition rules, as Mermaid and Graphviz text, for a README, a
//! review of a ruleset, or a dashboard.
//!
//! Both pictures draw one edge per transition rule and stage it moves
//! customers out of, so a rule written with `from: any` shows every move it
//! can make. An edge says the rule's id, `(new cycle)` when the rule ends a
//! buying cycle or `(back)` when the edge goes back to an earlier stage and,
//! unless the picture asks for [`EdgeLabels::Ids`], the minimum dwell if any
//! and the condition.

use std::borrow::Cow;

use crate::engine::Engine;
use crate::stage::Stage;
use crate::validate::TransitionRule;

/// What the edges of a picture say.
///
/// ```
/// use buyer_journey::{models, EdgeLabels, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let full = engine.to_mermaid(EdgeLabels::Full);
/// let ids = engine.to_mermaid(EdgeLabels::Ids);
/// assert!(full.contains("forward.evaluation when comparisons >= 1"));
/// assert!(ids.contains("information_search --> evaluation: forward.evaluation\n"));
/// assert!(ids.len() < full.len() / 2);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EdgeLabels {
    /// The rule's id and marker, its minimum dwell and its condition.
    #[default]
    Full,
    /// The rule's id and marker only: a picture that stays narrow when
    /// conditions are long or rules move from many stages.
    Ids,
}

impl Engine {
    /// The stage model and its transition rules as a Mermaid
    /// `stateDiagram-v2`, for Markdown that renders Mermaid (GitHub,
    /// GitLab, many documentation tools).
    ///
    /// One line declares each stage with its name, `[*]` points at the entry
    /// stage (where a customer with no evidence is placed), and one edge
    /// follows for each rule and stage it moves customers out of: rules in
    /// declaration order, from-stages in model order. An edge's label reads
    /// `id (new cycle) after 7d when condition`, with the marker and the
    /// dwell only where they apply; `(back)` marks an edge that goes back to
    /// an earlier stage without starting a new cycle. With
    /// [`EdgeLabels::Ids`] the label stops after the marker.
    ///
    /// Text that Mermaid would read as syntax is written as Mermaid entity
    /// codes, which the rendered picture shows as the characters: `#` as
    /// `#35;`, `;` as `#59;`, `:` as `#58;`, `%` as `#37;`, `&` as `#amp;`,
    /// `<` as `#lt;`, `"` as `#quot;` and a backtick as `#96;`; `>` stays as
    /// it is, since it breaks neither Mermaid nor HTML text and conditions
    /// are full of `>=`. Line breaks and other control characters become
    /// spaces, and a space after the word `direction` becomes `#32;`:
    /// Mermaid reads a line with `direction`, a space and `LR` as a layout
    /// statement. A stage id Mermaid reads as a keyword (`state`,
    /// `note`, `class`, `end`, ids starting with `default`, ...) is drawn
    /// with a leading `_`, which no stage id has.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{EdgeLabels, Engine, RulesetSpec};
    ///
    /// let spec: RulesetSpec = serde_json::from_str(r#"{
    ///     "signals": [{"id": "orders", "kind": "count"}],
    ///     "stages": [{"id": "prospect", "name": "Prospect"}, {"id": "customer", "name": "Customer"}],
    ///     "stage_rules": [{"id": "ordered", "stage": "customer", "when": "orders >= 1"}],
    ///     "transitions": [
    ///         {"id": "first_order", "to": "customer", "when": "orders >= 1", "min_dwell": "1d"},
    ///         {"id": "lapsed", "from": "customer", "to": "prospect", "when": "orders == 0", "back": true}
    ///     ]
    /// }"#).unwrap();
    /// let engine = Engine::builder(spec).build()?;
    /// assert_eq!(
    ///     engine.to_mermaid(EdgeLabels::Full),
    ///     "\
    /// stateDiagram-v2
    ///     direction LR
    ///     prospect: Prospect
    ///     customer: Customer
    ///     [*] --> prospect
    ///     prospect --> customer: first_order after 1d when orders >= 1
    ///     customer --> prospect: lapsed (back) when orders == 0
    /// ",
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn to_mermaid(&self, labels: EdgeLabels) -> String {
        let mut out = String::from("stateDiagram-v2\n    direction LR\n");
        for stage in self.model().iter() {
            out.push_str("    ");
            out.push_str(&mermaid_id(stage.id()));
            out.push_str(": ");
            push_mermaid_text(&mut out, stage.name());
            out.push('\n');
        }
        out.push_str("    [*] --> ");
        out.push_str(&mermaid_id(self.model().entry().id()));
        out.push('\n');
        for edge in self.edges() {
            out.push_str("    ");
            out.push_str(&mermaid_id(edge.from.id()));
            out.push_str(" --> ");
            out.push_str(&mermaid_id(edge.to.id()));
            out.push_str(": ");
            // The whole label goes through the escape at once, so a space
            // the format adds after a word `direction` is caught too.
            let label = match labels {
                EdgeLabels::Full => format!("{} {}", edge.head(), edge.tail()),
                EdgeLabels::Ids => edge.head(),
            };
            push_mermaid_text(&mut out, &label);
            out.push('\n');
        }
        out
    }

    /// The stage model and its transition rules as a Graphviz `digraph`, for
    /// `dot -Tsvg` and the tools that read DOT.
    ///
    /// The same picture as [`Engine::to_mermaid`]: a box per stage labelled
    /// with its name, a point marking the entry stage, and one edge per rule
    /// and stage it moves customers out of, labelled with the rule's id and
    /// marker on one line and its dwell and condition on the next (with
    /// [`EdgeLabels::Full`]). Node ids
    /// are the stage ids, quoted (the entry point is `"_entry"`, which no
    /// stage id can be); in labels `"` and `\` are escaped and a line break
    /// is written `\n`.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{EdgeLabels, Engine, RulesetSpec, SignalSpec, StageSpec, TransitionSpec};
    ///
    /// let mut spec = RulesetSpec::new(
    ///     vec![SignalSpec::category("plan", ["free", "pro"])],
    ///     vec![
    ///         StageSpec::new("trial", "Trial", ""),
    ///         StageSpec::new("paying", "Paying \"pro\"", ""),
    ///     ],
    /// );
    /// spec.transitions.push(TransitionSpec::new("upgrade", "paying", r#"plan == "pro""#));
    /// let engine = Engine::builder(spec).build()?;
    /// assert_eq!(
    ///     engine.to_dot(EdgeLabels::Full),
    ///     r#"digraph journey {
    ///     rankdir=LR;
    ///     node [shape=box, style=rounded];
    ///     "trial" [label="Trial"];
    ///     "paying" [label="Paying \"pro\""];
    ///     "_entry" [shape=point];
    ///     "_entry" -> "trial";
    ///     "trial" -> "paying" [label="upgrade\nwhen plan == \"pro\""];
    /// }
    /// "#,
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn to_dot(&self, labels: EdgeLabels) -> String {
        let mut out = String::from(
            "digraph journey {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n",
        );
        for stage in self.model().iter() {
            out.push_str("    ");
            push_dot_id(&mut out, stage.id());
            out.push_str(" [label=\"");
            push_dot_text(&mut out, stage.name());
            out.push_str("\"];\n");
        }
        out.push_str("    \"_entry\" [shape=point];\n    \"_entry\" -> ");
        push_dot_id(&mut out, self.model().entry().id());
        out.push_str(";\n");
        for edge in self.edges() {
            out.push_str("    ");
            push_dot_id(&mut out, edge.from.id());
            out.push_str(" -> ");
            push_dot_id(&mut out, edge.to.id());
            out.push_str(" [label=\"");
            push_dot_text(&mut out, &edge.head());
            if labels == EdgeLabels::Full {
                out.push_str("\\n");
                push_dot_text(&mut out, &edge.tail());
            }
            out.push_str("\"];\n");
        }
        out.push_str("}\n");
        out
    }

    /// The edges of the pictures: one per rule and stage it moves customers
    /// out of, rules in declaration order, from-stages in model order.
    fn edges(&self) -> impl Iterator<Item = Edge<'_>> + '_ {
        let model = self.model();
        self.transitions().flat_map(move |rule| {
            let to = model.stage(rule.to());
            rule.from().iter().filter_map(move |&from| {
                Some(Edge {
                    rule,
                    from: model.stage(from)?,
                    to: to?,
                })
            })
        })
    }
}

/// One move a transition rule can make.
struct Edge<'a> {
    rule: &'a TransitionRule,
    from: &'a Stage,
    to: &'a Stage,
}

impl Edge<'_> {
    /// Which rule, and what kind of move: a new cycle, or a step back.
    fn head(&self) -> String {
        let marker = if self.rule.new_cycle() {
            " (new cycle)"
        } else if self.from.index() > self.to.index() {
            // Marked per edge, not per rule: a `back` rule written with
            // `from: any` also moves forward, and those edges are ordinary.
            " (back)"
        } else {
            ""
        };
        format!("{}{marker}", self.rule.id())
    }

    /// When the rule fires.
    fn tail(&self) -> String {
        match self.rule.min_dwell() {
            Some(dwell) => format!("after {dwell} when {}", self.rule.condition()),
            None => format!("when {}", self.rule.condition()),
        }
    }
}

/// Stage ids Mermaid's state diagram lexer reads as keywords when one starts
/// a line or stands before a space: statements (`state`, `note`, `class`,
/// `classDef`, `style`, `click`, `scale`, `direction`, `stateDiagram`),
/// accessibility fields (`accTitle:`, `accDescr:`), `end` (a keyword in
/// other Mermaid diagrams), and `constructor`, which older Mermaid versions
/// look up on a plain object. The lexer ignores case; stage ids are
/// lowercase.
const MERMAID_KEYWORDS: &[&str] = &[
    "accdescr",
    "acctitle",
    "class",
    "classdef",
    "click",
    "constructor",
    "direction",
    "end",
    "note",
    "scale",
    "state",
    "statediagram",
    "style",
];

/// A stage id as a Mermaid state id: as it is, or with a leading `_` when
/// Mermaid would read it as a keyword. Stage ids start with a letter, so the
/// prefixed id never names another stage.
fn mermaid_id(id: &str) -> Cow<'_, str> {
    // The lexer's `default` rule has no word boundary: it matches the start
    // of `defaults` or `default_plan` too.
    if id.starts_with("default") || MERMAID_KEYWORDS.contains(&id) {
        Cow::Owned(format!("_{id}"))
    } else {
        Cow::Borrowed(id)
    }
}

/// Appends `text` as a Mermaid description or label: one line, with the
/// characters that Mermaid reads as syntax, or HTML as markup, written as
/// Mermaid entity codes.
fn push_mermaid_text(out: &mut String, text: &str) {
    for c in text.chars() {
        let code = match c {
            // Starts an entity code, so a literal `#lt;` must not read as one.
            '#' => "#35;",
            // Ends a statement.
            ';' => "#59;",
            // Starts a description; a second one ends the label.
            ':' => "#58;",
            // `%%` starts a comment, `%%{` a directive.
            '%' => "#37;",
            // HTML: `&lt;` would show as `<`, `<b>` as markup.
            '&' => "#amp;",
            '<' => "#lt;",
            // Delimit strings and Markdown strings elsewhere in Mermaid.
            '"' => "#quot;",
            '`' => "#96;",
            // The lexer reads a line containing `direction`, spaces and a
            // direction (`TB`, `LR`, ...) as a layout statement, whatever
            // comes before it on the line; without a space after the word it
            // cannot. JavaScript's `\s` also counts U+FEFF.
            c if c.is_whitespace() || c.is_control() || c == '\u{feff}' => {
                if ends_with_direction(out) {
                    "#32;"
                } else {
                    " "
                }
            }
            c => {
                out.push(c);
                continue;
            }
        };
        out.push_str(code);
    }
}

/// Whether `out` ends with the word `direction`, in any case (the lexer
/// ignores case).
fn ends_with_direction(out: &str) -> bool {
    const WORD: &[u8] = b"direction";
    let bytes = out.as_bytes();
    bytes.len() >= WORD.len() && bytes[bytes.len() - WORD.len()..].eq_ignore_ascii_case(WORD)
}

/// Appends a stage id as a quoted DOT id; quoting keeps ids such as `node`
/// or `graph`, DOT keywords, from reading as syntax.
fn push_dot_id(out: &mut String, id: &str) {
    out.push('"');
    push_dot_text(out, id);
    out.push('"');
}

/// Appends `text` for a quoted DOT string: `"` and `\` escaped (a backslash
/// would otherwise start an escape such as `\N` or `\l`), a line break as
/// `\n`, other control characters as spaces.
fn push_dot_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

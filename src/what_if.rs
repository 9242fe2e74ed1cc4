//! A report for people, off the hot path: what a change of ruleset would do
//! to a population before it ships. Two engines (A, the one live, and B,
//! the candidate) decide for the same customers on the batch path, and the
//! report counts where the customers land under each, how they move, which
//! actions they are offered and who is left with none.

use std::fmt::{self, Write as _};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::action::ContactLog;
use crate::engine::{BatchScratch, Decision, Engine};
use crate::error::{Error, Location};
use crate::signal::Columns;
use crate::time::Timestamp;

/// Counts what two engines decide for the same population, batch by batch,
/// so that a million customers can stream through in chunks without being
/// held at once; [`report`](WhatIf::report) turns the counts into a
/// [`WhatIfReport`].
///
/// Every customer is decided with [`Engine::decide_batch`] by both engines
/// with an **empty contact history** at one `now`: as if nothing had been
/// shown to anyone, so no cooldown, cap or dismissal limit holds an action
/// back. The report compares the rulesets, not the customers' pasts.
///
/// Stages, actions, kinds and tags are matched between the two engines by
/// id: a stage only one engine has is its own row or column of the
/// [moves](WhatIfReport::moves).
///
/// Memory is fixed by the two rulesets (a table of stages × stages, a count
/// per stage, action, kind and tag, a few examples) plus the batch buffers
/// of each engine, sized by the largest batch.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Column, Columns, Engine, Timestamp, WhatIf};
///
/// let a = Engine::builder(models::buying_process()).build()?;
/// // B: evaluating takes two comparisons.
/// let mut spec = models::buying_process();
/// let rule = spec.stage_rules.iter_mut().find(|r| r.id == "evaluation.comparisons").unwrap();
/// rule.when = "comparisons >= 2".into();
/// let b = Engine::builder(spec).build()?;
///
/// let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
/// let mut columns = Columns::new(a.schema(), 3);
/// columns.set("comparisons", Column::f64(&[0.0, 1.0, 2.0]))?;
/// what_if.add(&columns)?;
///
/// let report = what_if.report();
/// assert_eq!(report.population, 3);
/// assert_eq!(report.a.stages["evaluation"], 2);
/// assert_eq!(report.b.stages["evaluation"], 1);
/// assert_eq!(report.moves["evaluation"]["need_recognition"], 1);
/// assert_eq!(report.moves["evaluation"]["evaluation"], 1);
/// assert_eq!(report.moves["need_recognition"]["need_recognition"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct WhatIf<'e> {
    a: Side<'e>,
    b: Side<'e>,
    now: Timestamp,
    /// Empty histories, one per customer of the largest batch so far.
    histories: Vec<ContactLog>,
    population: u64,
    /// Moves, row-major: `[a_stage * b_stages + b_stage]`.
    moves: Vec<u64>,
    /// For each of A's actions, B's action of the same id.
    same_action: Vec<Option<usize>>,
    top_action_changed: u64,
    examples: Vec<ChangedCustomer>,
    example_limit: usize,
}

/// One engine of a [`WhatIf`], its buffers and its counts.
#[derive(Debug)]
struct Side<'e> {
    engine: &'e Engine,
    scratch: BatchScratch,
    counts: Counts,
}

/// Customers counted per stage, action and tag of one engine, by index.
#[derive(Debug, Clone)]
struct Counts {
    stages: Vec<u64>,
    no_action: Vec<u64>,
    top_action: Vec<u64>,
    suggested: Vec<u64>,
    tags: Vec<u64>,
}

impl Counts {
    fn new(engine: &Engine) -> Self {
        Counts {
            stages: vec![0; engine.model().len()],
            no_action: vec![0; engine.model().len()],
            top_action: vec![0; engine.actions().len()],
            suggested: vec![0; engine.actions().len()],
            tags: vec![0; engine.tags().len()],
        }
    }

    /// Counts one decision; returns its stage and top action, by index.
    fn count(&mut self, decision: &Decision<'_>) -> (usize, Option<usize>) {
        let stage = decision.stage().index().as_usize();
        bump(&mut self.stages, stage);
        let mut top = None;
        for suggestion in decision.actions() {
            let action = suggestion.action().index().as_usize();
            top.get_or_insert(action);
            bump(&mut self.suggested, action);
        }
        match top {
            Some(action) => bump(&mut self.top_action, action),
            None => bump(&mut self.no_action, stage),
        }
        for tag in decision.tags() {
            bump(&mut self.tags, tag.index().as_usize());
        }
        (stage, top)
    }
}

/// Adds one to `counts[index]`, saturating.
fn bump(counts: &mut [u64], index: usize) {
    if let Some(count) = counts.get_mut(index) {
        *count = count.saturating_add(1);
    }
}

impl<'e> WhatIf<'e> {
    /// How many customers whose top action changed the report lists by
    /// default, as examples.
    ///
    /// ```
    /// use buyer_journey::WhatIf;
    ///
    /// assert_eq!(WhatIf::EXAMPLES, 10);
    /// ```
    pub const EXAMPLES: usize = 10;

    /// An empty comparison of engine `a` (the ruleset live) with engine `b`
    /// (the one tried), deciding every customer at `now` with an empty
    /// contact history.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Timestamp, WhatIf};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let report = WhatIf::new(&engine, &engine, Timestamp::EPOCH).report();
    /// assert_eq!(report.population, 0);
    /// assert_eq!(report.a.stages.len(), 5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn new(a: &'e Engine, b: &'e Engine, now: Timestamp) -> Self {
        let side = |engine: &'e Engine| Side {
            engine,
            scratch: engine.batch_scratch(),
            counts: Counts::new(engine),
        };
        let same_action = a
            .actions()
            .map(|action| b.actions().position(|other| other.id() == action.id()))
            .collect();
        WhatIf {
            moves: vec![0; a.model().len().saturating_mul(b.model().len())],
            a: side(a),
            b: side(b),
            now,
            histories: Vec::new(),
            population: 0,
            same_action,
            top_action_changed: 0,
            examples: Vec::new(),
            example_limit: Self::EXAMPLES,
        }
    }

    /// Lists at most `limit` customers whose top action changed in the
    /// report (the first ones met), instead of [`EXAMPLES`](WhatIf::EXAMPLES);
    /// all of them are counted either way.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Timestamp, WhatIf};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let what_if = WhatIf::new(&engine, &engine, Timestamp::EPOCH).with_examples(3);
    /// assert!(what_if.report().changed.is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn with_examples(mut self, limit: usize) -> Self {
        self.example_limit = limit;
        self.examples.truncate(limit);
        self
    }

    /// Adds a batch of customers given as one set of columns for both
    /// engines, which must then read signals laid out alike (the same
    /// schema, or two versions of a ruleset that kept it).
    ///
    /// Allocates only while the batch is larger than any before it.
    ///
    /// # Errors
    ///
    /// As [`Engine::decide_batch`]:
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `columns` when
    /// either engine's schema is laid out otherwise than the columns' (use
    /// [`add_each`](WhatIf::add_each) then). Nothing is counted on error.
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, Engine, Timestamp, WhatIf};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut what_if = WhatIf::new(&engine, &engine, Timestamp::EPOCH);
    /// let mut columns = Columns::new(engine.schema(), 2);
    /// columns.set("cart_adds", Column::u32(&[0, 1]))?;
    /// what_if.add(&columns)?;
    /// what_if.add(&columns)?;
    /// let report = what_if.report();
    /// assert_eq!(report.population, 4);
    /// assert_eq!(report.moves["purchase_decision"]["purchase_decision"], 2);
    /// assert_eq!(report.top_action_changed, 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add(&mut self, columns: &Columns<'_>) -> Result<(), Error> {
        self.add_batch(columns, columns, None)
    }

    /// Adds a batch of customers given as columns for each engine: `a` laid
    /// out for engine A's schema, `b` for B's, customer `i` of one being
    /// customer `i` of the other. For rulesets whose schemas differ.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `columns` when
    /// the two sets of columns hold different numbers of customers, and as
    /// [`add`](WhatIf::add) otherwise. Nothing is counted on error.
    ///
    /// ```
    /// use buyer_journey::{models, Columns, Engine, SignalSpec, Timestamp, WhatIf};
    ///
    /// let a = Engine::builder(models::buying_process()).build()?;
    /// // B reads one more signal, so its columns are laid out otherwise.
    /// let mut spec = models::buying_process();
    /// spec.signals.push(SignalSpec::count("coupons_used"));
    /// let b = Engine::builder(spec).build()?;
    /// let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
    /// let (columns_a, columns_b) = (Columns::new(a.schema(), 2), Columns::new(b.schema(), 2));
    /// what_if.add_each(&columns_a, &columns_b)?;
    /// assert!(what_if.add(&columns_a).is_err());
    /// let err = what_if.add_each(&columns_a, &Columns::new(b.schema(), 1)).unwrap_err();
    /// assert_eq!(err.to_string(), "columns: 2 customers for a, 1 for b: give both the same customers");
    /// assert_eq!(what_if.report().population, 2);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add_each(&mut self, a: &Columns<'_>, b: &Columns<'_>) -> Result<(), Error> {
        self.add_batch(a, b, None)
    }

    /// As [`add_each`](WhatIf::add_each), with the customers' ids
    /// (`ids[i]` for customer `i`), so that the examples in the report name
    /// them. Pass the same columns twice when the schemas agree.
    ///
    /// # Errors
    ///
    /// As [`add_each`](WhatIf::add_each), and
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `ids` when there
    /// are not as many ids as customers.
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, Engine, Timestamp, WhatIf};
    ///
    /// let a = Engine::builder(models::buying_process()).build()?;
    /// let mut spec = models::buying_process();
    /// spec.actions.retain(|action| action.kind != "social_proof");
    /// spec.scenarios.clear(); // they expect the actions removed
    /// let b = Engine::builder(spec).build()?;
    ///
    /// let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
    /// let mut columns = Columns::new(a.schema(), 2);
    /// columns.set("reviews_read", Column::f64(&[0.0, 3.0]))?;
    /// what_if.add_named(&columns, &columns, &["c1", "c2"])?;
    ///
    /// let report = what_if.report();
    /// assert_eq!(report.top_action_changed, 1);
    /// assert_eq!(report.changed[0].id.as_deref(), Some("c2"));
    /// assert_eq!(report.changed[0].position, 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn add_named<S: AsRef<str>>(
        &mut self,
        a: &Columns<'_>,
        b: &Columns<'_>,
        ids: &[S],
    ) -> Result<(), Error> {
        if ids.len() != a.len() {
            return Err(Error::invalid(
                Location::new("ids"),
                format!(
                    "{} ids for {} customers: one per customer",
                    ids.len(),
                    a.len()
                ),
            ));
        }
        self.add_batch(a, b, Some(&|i| ids[i].as_ref().to_owned()))
    }

    fn add_batch(
        &mut self,
        columns_a: &Columns<'_>,
        columns_b: &Columns<'_>,
        id: Option<&dyn Fn(usize) -> String>,
    ) -> Result<(), Error> {
        let len = columns_a.len();
        if columns_b.len() != len {
            return Err(Error::invalid(
                Location::new("columns"),
                format!(
                    "{len} customers for a, {} for b: give both the same customers",
                    columns_b.len()
                ),
            ));
        }
        if self.histories.len() < len {
            self.histories.resize(len, ContactLog::new());
        }
        let WhatIf {
            a,
            b,
            now,
            histories,
            population,
            moves,
            same_action,
            top_action_changed,
            examples,
            example_limit,
        } = self;
        let histories = &histories[..len];
        // Both batches first: an error in either leaves the counts as they
        // were.
        let batch_a = a
            .engine
            .decide_batch(columns_a, histories, *now, &mut a.scratch)?;
        let batch_b = b
            .engine
            .decide_batch(columns_b, histories, *now, &mut b.scratch)?;
        let b_stages = b.counts.stages.len();
        for (i, (decision_a, decision_b)) in batch_a.iter().zip(batch_b.iter()).enumerate() {
            let (stage_a, top_a) = a.counts.count(&decision_a);
            let (stage_b, top_b) = b.counts.count(&decision_b);
            bump(moves, stage_a * b_stages + stage_b);
            let changed = match (top_a, top_b) {
                (None, None) => false,
                (Some(top_a), Some(top_b)) => same_action.get(top_a) != Some(&Some(top_b)),
                _ => true,
            };
            if changed {
                *top_action_changed = top_action_changed.saturating_add(1);
                if examples.len() < *example_limit {
                    let top_id = |decision: &Decision<'_>| {
                        decision.actions().next().map(|s| s.id().to_owned())
                    };
                    examples.push(ChangedCustomer {
                        position: population.saturating_add(i as u64),
                        id: id.map(|id| id(i)),
                        from_stage: decision_a.stage().id().to_owned(),
                        to_stage: decision_b.stage().id().to_owned(),
                        from_action: top_id(&decision_a),
                        to_action: top_id(&decision_b),
                    });
                }
            }
        }
        *population = population.saturating_add(len as u64);
        Ok(())
    }

    /// The report of everything added so far.
    ///
    /// ```
    /// use buyer_journey::{models, Columns, Engine, Timestamp, WhatIf};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut what_if = WhatIf::new(&engine, &engine, Timestamp::EPOCH);
    /// what_if.add(&Columns::new(engine.schema(), 4))?;
    /// let report = what_if.report();
    /// // Nothing known: everyone is in the entry stage under both.
    /// assert_eq!(report.moves["need_recognition"]["need_recognition"], 4);
    /// assert_eq!(report.stayed(), 4);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn report(&self) -> WhatIfReport {
        let (a, b) = (self.a.engine, self.b.engine);
        let b_stages = b.model().len().max(1);
        let moves = a
            .model()
            .iter()
            .zip(self.moves.chunks(b_stages))
            .map(|(from, row)| {
                let row = b
                    .model()
                    .iter()
                    .zip(row)
                    .map(|(to, &count)| (to.id().to_owned(), count))
                    .collect();
                (from.id().to_owned(), row)
            })
            .collect();
        let (outcomes_a, no_action_a) = outcomes(a, &self.a.counts);
        let (outcomes_b, no_action_b) = outcomes(b, &self.b.counts);
        WhatIfReport {
            population: self.population,
            now: self.now,
            a: outcomes_a,
            b: outcomes_b,
            moves,
            top_action_changed: self.top_action_changed,
            changed: self.examples.clone(),
            no_action: NoActionCounts {
                a: no_action_a,
                b: no_action_b,
            },
        }
    }
}

/// One engine's counts by id, and its customers without an action per
/// stage.
fn outcomes(engine: &Engine, counts: &Counts) -> (WhatIfSide, IndexMap<String, u64>) {
    let by_stage = |values: &[u64]| -> IndexMap<String, u64> {
        engine
            .model()
            .iter()
            .zip(values)
            .map(|(stage, &count)| (stage.id().to_owned(), count))
            .collect()
    };
    let by_action = |values: &[u64]| -> IndexMap<String, u64> {
        engine
            .actions()
            .zip(values)
            .map(|(action, &count)| (action.id().to_owned(), count))
            .collect()
    };
    let by_kind = |values: &[u64]| -> IndexMap<String, u64> {
        let mut kinds = IndexMap::new();
        for (action, &count) in engine.actions().zip(values) {
            let total: &mut u64 = kinds.entry(action.kind().to_owned()).or_default();
            *total = total.saturating_add(count);
        }
        kinds
    };
    let outcomes = WhatIfSide {
        stages: by_stage(&counts.stages),
        top_action: by_action(&counts.top_action),
        top_kind: by_kind(&counts.top_action),
        suggested: by_action(&counts.suggested),
        suggested_kind: by_kind(&counts.suggested),
        tags: engine
            .tags()
            .zip(&counts.tags)
            .map(|(tag, &count)| (tag.id().to_owned(), count))
            .collect(),
    };
    (outcomes, by_stage(&counts.no_action))
}

/// What two rulesets decide for one population, from a [`WhatIf`]: serde
/// data (a host can store or publish it), and readable text with bar charts
/// through `Display`.
///
/// Every map lists every stage, action, kind or tag of its engine, in the
/// ruleset's order, zeros included. Counts saturate at `u64::MAX`.
///
/// ```
/// use buyer_journey::{models, Columns, Engine, Timestamp, WhatIf, WhatIfReport};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut what_if = WhatIf::new(&engine, &engine, Timestamp::EPOCH);
/// what_if.add(&Columns::new(engine.schema(), 2))?;
/// let report = what_if.report();
/// let json = serde_json::to_string(&report).unwrap();
/// assert!(json.starts_with(r#"{"population":2,"now":0,"a":{"stages":{"need_recognition":2,"#));
/// assert_eq!(serde_json::from_str::<WhatIfReport>(&json).unwrap(), report);
/// assert!(report.to_string().starts_with("what if: 2 customers"));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfReport {
    /// The customers decided, under each engine.
    pub population: u64,
    /// When every customer was decided, with an empty contact history.
    pub now: Timestamp,
    /// What engine A decided.
    pub a: WhatIfSide,
    /// What engine B decided.
    pub b: WhatIfSide,
    /// The stage-to-stage movement matrix: `moves[from][to]` customers were
    /// in stage `from` under A and in stage `to` under B. Every customer is
    /// counted, those who stay in a stage too (`moves[s][s]`), so the counts
    /// sum to the population. The rows are A's stages, the columns B's.
    pub moves: IndexMap<String, IndexMap<String, u64>>,
    /// The customers whose top (first suggested) action differs between A
    /// and B, actions matched by id; a customer with an action under one
    /// and none under the other counts.
    pub top_action_changed: u64,
    /// The first of those customers, as examples (at most
    /// [`WhatIf::EXAMPLES`] unless [`WhatIf::with_examples`] said otherwise).
    pub changed: Vec<ChangedCustomer>,
    /// The customers left with no action, per stage, under each engine.
    pub no_action: NoActionCounts,
}

/// What one engine of a [`WhatIfReport`] decided, in customers.
///
/// ```
/// use buyer_journey::{models, Columns, Engine, Timestamp, WhatIf};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut what_if = WhatIf::new(&engine, &engine, Timestamp::EPOCH);
/// what_if.add(&Columns::new(engine.schema(), 3))?;
/// let a = what_if.report().a;
/// let suggested: u64 = a.suggested.values().sum();
/// assert_eq!(a.top_action.values().sum::<u64>(), 3);
/// assert!(suggested >= 3);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfSide {
    /// Customers per stage.
    pub stages: IndexMap<String, u64>,
    /// Customers whose top (first suggested) action is this one, per action
    /// id.
    pub top_action: IndexMap<String, u64>,
    /// Customers whose top action is of this kind, per kind.
    pub top_kind: IndexMap<String, u64>,
    /// Customers to whom this action is suggested at any rank, per action
    /// id.
    pub suggested: IndexMap<String, u64>,
    /// Suggestions of this kind at any rank, per kind: a customer offered
    /// two actions of a kind counts twice.
    pub suggested_kind: IndexMap<String, u64>,
    /// Customers with this tag, per tag id.
    pub tags: IndexMap<String, u64>,
}

/// The customers left with no action, per stage, under each engine of a
/// [`WhatIfReport`].
///
/// ```
/// use buyer_journey::{models, Columns, Engine, Timestamp, WhatIf};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut what_if = WhatIf::new(&engine, &engine, Timestamp::EPOCH);
/// what_if.add(&Columns::new(engine.schema(), 3))?;
/// let no_action = what_if.report().no_action;
/// assert_eq!(no_action.a, no_action.b);
/// assert_eq!(no_action.a["need_recognition"], 0);
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoActionCounts {
    /// Under engine A, per stage of A.
    pub a: IndexMap<String, u64>,
    /// Under engine B, per stage of B.
    pub b: IndexMap<String, u64>,
}

/// A customer whose top action changed, from A's decision to B's.
///
/// ```
/// use buyer_journey::ChangedCustomer;
///
/// let changed = ChangedCustomer {
///     position: 41,
///     id: Some("c42".to_owned()),
///     from_stage: "evaluation".to_owned(),
///     to_stage: "evaluation".to_owned(),
///     from_action: Some("evaluation.comparison_guide".to_owned()),
///     to_action: None,
/// };
/// assert_eq!(changed.to_string(), "c42: evaluation.comparison_guide (evaluation) -> none (evaluation)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangedCustomer {
    /// The customer's position in the population, from 0, in the order the
    /// batches were added.
    pub position: u64,
    /// The customer's id, when the batch was added with
    /// [`WhatIf::add_named`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The customer's stage under A.
    pub from_stage: String,
    /// The customer's stage under B.
    pub to_stage: String,
    /// The top action under A, if any.
    pub from_action: Option<String>,
    /// The top action under B, if any.
    pub to_action: Option<String>,
}

impl fmt::Display for ChangedCustomer {
    /// `ID: FROM_ACTION (FROM_STAGE) -> TO_ACTION (TO_STAGE)`, with
    /// `#POSITION` for an unnamed customer and `none` for no action.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{id}: ")?,
            None => write!(f, "#{}: ", self.position)?,
        }
        let action = |action: &Option<String>| action.clone().unwrap_or_else(|| "none".to_owned());
        write!(
            f,
            "{} ({}) -> {} ({})",
            action(&self.from_action),
            self.from_stage,
            action(&self.to_action),
            self.to_stage
        )
    }
}

impl WhatIfReport {
    /// The customers in the same stage under both engines (stages matched
    /// by id): the diagonal of [`moves`](WhatIfReport::moves).
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, Engine, Timestamp, WhatIf};
    ///
    /// let a = Engine::builder(models::buying_process()).build()?;
    /// // B: a customer who added to the cart is only evaluating.
    /// let mut spec = models::buying_process();
    /// spec.stage_rules.retain(|rule| rule.stage != "purchase_decision");
    /// let b = Engine::builder(spec).build()?;
    /// let mut what_if = WhatIf::new(&a, &b, Timestamp::EPOCH);
    /// let mut columns = Columns::new(a.schema(), 2);
    /// columns.set("cart_adds", Column::u32(&[0, 1]))?;
    /// what_if.add(&columns)?;
    /// assert_eq!(what_if.report().stayed(), 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn stayed(&self) -> u64 {
        self.moves
            .iter()
            .filter_map(|(from, row)| row.get(from))
            .fold(0, |sum, &count| sum.saturating_add(count))
    }

    /// `count` as a share of the population, 0 for an empty one.
    fn share(&self, count: u64) -> f64 {
        if self.population == 0 {
            0.0
        } else {
            count as f64 / self.population as f64
        }
    }
}

/// The width of the bars of the text report, in characters.
const BAR: usize = 20;

impl fmt::Display for WhatIfReport {
    /// The report as text: a heading, then sections of bar charts, A beside
    /// B (each bar the share of the population, `-` for an item the engine
    /// does not have): stages, the moves as a table, the customers whose
    /// top action changed with examples, the top action per kind and per
    /// action, the actions suggested at any rank (these three list only
    /// what either engine counted), and the customers left without an
    /// action per stage. No line has trailing spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "what if: {} customers, each decided by a and by b at {} with an empty contact history",
            self.population, self.now
        )?;
        section(f, self, "stages", false, &self.a.stages, &self.b.stages)?;
        self.moves_table(f)?;
        writeln!(
            f,
            "\ntop action changed: {} of {} customers ({:.1}%)",
            self.top_action_changed,
            self.population,
            self.share(self.top_action_changed) * 100.0
        )?;
        for changed in &self.changed {
            writeln!(f, "  {changed}")?;
        }
        section(
            f,
            self,
            "top action per kind",
            true,
            &self.a.top_kind,
            &self.b.top_kind,
        )?;
        section(
            f,
            self,
            "top action",
            true,
            &self.a.top_action,
            &self.b.top_action,
        )?;
        section(
            f,
            self,
            "suggested at any rank",
            true,
            &self.a.suggested,
            &self.b.suggested,
        )?;
        section(
            f,
            self,
            "no action, per stage",
            false,
            &self.no_action.a,
            &self.no_action.b,
        )
    }
}

impl WhatIfReport {
    /// The moves as a table: a row per stage of A, a column per stage of B.
    fn moves_table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "\nmoves (rows: stage under a, columns: stage under b; {} stayed, {} moved)",
            self.stayed(),
            self.population.saturating_sub(self.stayed())
        )?;
        let columns: Vec<&str> = self
            .moves
            .values()
            .next()
            .map(|row| row.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let label_width = self
            .moves
            .keys()
            .map(|id| id.chars().count())
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = columns
            .iter()
            .map(|id| {
                let counts = self.moves.values().filter_map(|row| row.get(*id));
                counts
                    .map(|count| count.to_string().len())
                    .chain([id.chars().count()])
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        let mut line = format!("{:label_width$}", "");
        for (id, width) in columns.iter().zip(&widths) {
            let _ = write!(line, "  {id:>width$}");
        }
        writeln!(f, "{}", line.trim_end())?;
        for (from, row) in &self.moves {
            let mut line = format!("{from:<label_width$}");
            for (id, width) in columns.iter().zip(&widths) {
                let count = row.get(*id).copied().unwrap_or(0);
                let _ = write!(line, "  {count:>width$}");
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// One section of the text report: a row per item of `a` then of `b` not
/// in `a` (with `skip_zeros`, only those counted under either), with A's
/// bar and count beside B's and the difference.
fn section(
    f: &mut fmt::Formatter<'_>,
    report: &WhatIfReport,
    title: &str,
    skip_zeros: bool,
    a: &IndexMap<String, u64>,
    b: &IndexMap<String, u64>,
) -> fmt::Result {
    let items: Vec<&str> = a
        .keys()
        .chain(b.keys().filter(|id| !a.contains_key(*id)))
        .map(String::as_str)
        .filter(|id| {
            !skip_zeros || a.get(*id).is_some_and(|&n| n > 0) || b.get(*id).is_some_and(|&n| n > 0)
        })
        .collect();
    let label_width = items
        .iter()
        .map(|id| id.chars().count())
        .chain([title.chars().count()])
        .max()
        .unwrap_or(0);
    let count_width = a
        .values()
        .chain(b.values())
        .map(|count| count.to_string().len())
        .max()
        .unwrap_or(1);
    writeln!(
        f,
        "\n{title:<label_width$}  {:<w$}  b",
        "a",
        w = BAR + count_width + 10
    )?;
    for id in items {
        let mut line = format!("{id:<label_width$}");
        let (count_a, count_b) = (a.get(id).copied(), b.get(id).copied());
        for count in [count_a, count_b] {
            match count {
                Some(count) => {
                    let share = report.share(count).clamp(0.0, 1.0);
                    // share is in [0, 1] and BAR small: the cast is exact.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let bar = ((share * BAR as f64).round() as usize).min(BAR);
                    let _ = write!(
                        line,
                        "  |{:<BAR$}| {count:>count_width$} {:>5.1}%",
                        "#".repeat(bar),
                        share * 100.0
                    );
                }
                None => {
                    let _ = write!(line, "  {:<w$}", "-", w = BAR + count_width + 9);
                }
            }
        }
        let difference = i128::from(count_b.unwrap_or(0)) - i128::from(count_a.unwrap_or(0));
        if difference != 0 {
            let _ = write!(line, "  {difference:+}");
        }
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}

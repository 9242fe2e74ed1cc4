//! The report of a ruleset's scenarios, for people and as data: which
//! passed, and for each that failed, what differed.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::DecisionRecord;

/// What [`Engine::run_scenarios`](crate::Engine::run_scenarios) found: one
/// [`ScenarioResult`] per scenario, in the ruleset's order.
///
/// Displays one line per scenario, `ok   <name>` or `FAIL <name>: <what
/// differed>`, then a count.
///
/// ```
/// use buyer_journey::{models, Engine, ScenarioSpec};
///
/// let mut spec = models::buying_process();
/// spec.scenarios = vec![
///     ScenarioSpec::new("c03: reads reviews and guides", "information_search")
///         .given("reviews_read", 3)
///         .given("info_page_views", 5),
///     ScenarioSpec::new("c07: filled a cart", "evaluation")
///         .given("comparisons", 1)
///         .given("cart_adds", 2),
/// ];
/// let report = Engine::builder(spec).build()?.run_scenarios();
/// assert!(!report.passed());
/// assert_eq!(report.to_string(), "\
/// ok   c03: reads reviews and guides
/// FAIL c07: filled a cart: expected stage 'evaluation', got 'purchase_decision' \
/// (fired: evaluation.comparisons, purchase_decision.cart)
/// 2 scenarios: 1 passed, 1 failed
/// ");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScenarioReport {
    /// Each scenario's result, in the ruleset's order.
    pub results: Vec<ScenarioResult>,
}

impl ScenarioReport {
    /// Whether every scenario passed (also when there are none).
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert!(engine.run_scenarios().passed());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn passed(&self) -> bool {
        self.results.iter().all(|result| result.passed)
    }

    /// The scenarios that failed.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// assert_eq!(engine.run_scenarios().failures().count(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn failures(&self) -> impl Iterator<Item = &ScenarioResult> + '_ {
        self.results.iter().filter(|result| !result.passed)
    }
}

impl fmt::Display for ScenarioReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for result in &self.results {
            writeln!(f, "{result}")?;
        }
        let failed = self.failures().count();
        let total = self.results.len();
        writeln!(
            f,
            "{total} scenario{}: {} passed, {failed} failed",
            if total == 1 { "" } else { "s" },
            total - failed
        )
    }
}

/// One scenario's result: whether it passed, what differed, and the
/// decision the engine made.
///
/// Displays as `ok   <name>`, or as `FAIL <name>: ` and the differences,
/// separated by `; `.
///
/// ```
/// use buyer_journey::{models, Difference, Engine, ScenarioSpec};
///
/// let mut spec = models::buying_process();
/// spec.scenarios = vec![ScenarioSpec::new("a first visit", "need_recognition").expect_tags(&["new"])];
/// let report = Engine::builder(spec).build()?.run_scenarios();
/// let result = &report.results[0];
/// assert!(!result.passed);
/// assert_eq!(
///     result.differences,
///     [Difference::Tags { expected: vec!["new".into()], got: vec!["prospect".into()] }]
/// );
/// assert_eq!(result.decision.as_ref().unwrap().stage, "need_recognition");
/// assert_eq!(result.to_string(), "FAIL a first visit: expected tags [new], got [prospect]");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Whether the decision was as expected: no differences.
    pub passed: bool,
    /// What differed from the expectation, in the order stage, tags,
    /// actions, confidence.
    pub differences: Vec<Difference>,
    /// The decision the engine made; left out when the scenario could not
    /// run ([`Difference::Failed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRecord>,
}

impl fmt::Display for ScenarioResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed {
            return write!(f, "ok   {}", self.name);
        }
        write!(f, "FAIL {}", self.name)?;
        for (i, difference) in self.differences.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "{difference}")?;
        }
        Ok(())
    }
}

/// One way a decision differed from what its scenario expected.
///
/// Its serde form is tagged by `what`: `{"what": "stage", "expected":
/// "evaluation", "got": "purchase_decision", "classified": "purchase_decision",
/// "fired": [...]}`.
///
/// ```
/// use buyer_journey::Difference;
///
/// let difference = Difference::Actions {
///     expected: vec!["evaluation.demo".into()],
///     got: vec!["evaluation.advisor_call".into(), "evaluation.demo".into()],
/// };
/// assert_eq!(
///     difference.to_string(),
///     "expected actions to start with [evaluation.demo], got [evaluation.advisor_call, evaluation.demo]"
/// );
/// let json = serde_json::to_value(&difference).unwrap();
/// assert_eq!(json["what"], "actions");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Difference {
    /// Another stage than expected.
    Stage {
        /// The stage expected.
        expected: String,
        /// The stage of the decision.
        got: String,
        /// The stage the signals alone classify the customer in; another
        /// than `got` when a journey holds the customer elsewhere.
        classified: String,
        /// The rules that fired, in rule order: why the classification is
        /// what it is.
        fired: Vec<String>,
    },
    /// Other tags than expected; both in declaration order.
    Tags {
        /// The tags expected.
        expected: Vec<String>,
        /// The customer's tags.
        got: Vec<String>,
    },
    /// The suggestions do not start with the actions expected.
    Actions {
        /// The first actions expected, best first.
        expected: Vec<String>,
        /// Every suggestion, best first.
        got: Vec<String>,
    },
    /// Another confidence than expected, by more than 1e-9.
    Confidence {
        /// The confidence expected.
        expected: f64,
        /// The confidence of the decision.
        got: f64,
    },
    /// The scenario could not run: the engine returned an error.
    Failed {
        /// The error's message, with its location.
        error: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Stage {
                expected,
                got,
                classified,
                fired,
            } => {
                write!(f, "expected stage '{expected}', got '{got}' (")?;
                if classified != got {
                    write!(f, "the journey's stage; classified '{classified}'; ")?;
                }
                f.write_str("fired: ")?;
                if fired.is_empty() {
                    f.write_str("none")?;
                }
                write_list(f, fired)?;
                f.write_str(")")
            }
            Difference::Tags { expected, got } => {
                f.write_str("expected tags [")?;
                write_list(f, expected)?;
                f.write_str("], got [")?;
                write_list(f, got)?;
                f.write_str("]")
            }
            Difference::Actions { expected, got } => {
                f.write_str("expected actions to start with [")?;
                write_list(f, expected)?;
                f.write_str("], got [")?;
                write_list(f, got)?;
                f.write_str("]")
            }
            Difference::Confidence { expected, got } => {
                write!(f, "expected confidence {expected}, got {got}")
            }
            Difference::Failed { error } => write!(f, "could not run: {error}"),
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, items: &[String]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(item)?;
    }
    Ok(())
}

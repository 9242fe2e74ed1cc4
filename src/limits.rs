//! Every bound the library enforces on its input, with documented defaults.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Location};

/// Bounds on the size of a ruleset and of its conditions.
///
/// Every input the library accepts is bounded by one of these, so a hostile
/// ruleset or expression string gets an [`ErrorKind::Limit`] instead of exhausting
/// memory or the stack. Each setter takes and returns `self`, so they chain.
///
/// | bound | default |
/// | --- | --- |
/// | [`max_signals`](Limits::max_signals) | 1,024 |
/// | [`max_labels`](Limits::max_labels) | 1,024 |
/// | [`max_events`](Limits::max_events) | 1,024 |
/// | [`max_stages`](Limits::max_stages) | 64 |
/// | [`max_rules`](Limits::max_rules) | 100,000 |
/// | [`max_tags`](Limits::max_tags) | 1,024 |
/// | [`max_actions`](Limits::max_actions) | 10,000 |
/// | [`max_expression_len`](Limits::max_expression_len) | 4,096 bytes |
/// | [`max_depth`](Limits::max_depth) | 32 |
/// | [`max_condition_size`](Limits::max_condition_size) | 1,024 nodes |
/// | [`max_id_len`](Limits::max_id_len) | 128 bytes |
///
/// Each bound has a getter named after its setter with `get_` in front.
///
/// # Example
///
/// ```
/// use buyer_journey::{models, Engine, Limits};
///
/// let limits = Limits::default().max_rules(5);
/// let err = Engine::builder(models::buying_process()).limits(limits).build().unwrap_err();
/// assert!(err.is_limit());
/// assert_eq!(
///     err.to_string(),
///     "stage_rules: the number of rules is 14, over the limit of 5 (see `Limits::max_rules`)",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    signals: usize,
    labels: usize,
    events: usize,
    stages: usize,
    rules: usize,
    tags: usize,
    actions: usize,
    expression_len: usize,
    depth: usize,
    condition_size: usize,
    id_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            signals: 1_024,
            labels: 1_024,
            events: 1_024,
            stages: 64,
            rules: 100_000,
            tags: 1_024,
            actions: 10_000,
            expression_len: 4_096,
            depth: 32,
            condition_size: 1_024,
            id_len: 128,
        }
    }
}

impl Limits {
    /// The most signals a schema may declare. Default 1,024.
    ///
    /// ```
    /// use buyer_journey::{Limits, Schema, SignalSpec};
    ///
    /// let specs = [SignalSpec::count("a"), SignalSpec::count("b")];
    /// let err = Schema::with_limits(&specs, &Limits::default().max_signals(1)).unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn max_signals(mut self, max: usize) -> Self {
        self.signals = max;
        self
    }

    /// The most labels one category signal may declare. Default 1,024.
    ///
    /// ```
    /// use buyer_journey::{Limits, Schema, SignalSpec};
    ///
    /// let specs = [SignalSpec::category("plan", ["free", "pro", "team"])];
    /// let err = Schema::with_limits(&specs, &Limits::default().max_labels(2)).unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn max_labels(mut self, max: usize) -> Self {
        self.labels = max;
        self
    }

    /// The most event types a ruleset may declare. Default 1,024.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Limits};
    ///
    /// let limits = Limits::default().max_events(3);
    /// let err = Engine::builder(models::buying_process()).limits(limits).build().unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn max_events(mut self, max: usize) -> Self {
        self.events = max;
        self
    }

    /// The most stages a stage model may have. Default 64.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Limits};
    ///
    /// let limits = Limits::default().max_stages(3);
    /// let err = Engine::builder(models::buying_process()).limits(limits).build().unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn max_stages(mut self, max: usize) -> Self {
        self.stages = max;
        self
    }

    /// The most rules a ruleset may have: stage rules, score rules and the
    /// actions' propensity rules together. Default 100,000.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Limits};
    ///
    /// let limits = Limits::default().max_rules(3);
    /// assert!(Engine::builder(models::buying_process()).limits(limits).build().is_err());
    /// ```
    #[must_use]
    pub fn max_rules(mut self, max: usize) -> Self {
        self.rules = max;
        self
    }

    /// The most tags a ruleset may declare. Default 1,024.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Limits};
    ///
    /// let limits = Limits::default().max_tags(2);
    /// let err = Engine::builder(models::buying_process()).limits(limits).build().unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn max_tags(mut self, max: usize) -> Self {
        self.tags = max;
        self
    }

    /// The most actions a catalog may have. Default 10,000.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, Limits};
    ///
    /// let limits = Limits::default().max_actions(2);
    /// let err = Engine::builder(models::buying_process()).limits(limits).build().unwrap_err();
    /// assert!(err.is_limit());
    /// ```
    #[must_use]
    pub fn max_actions(mut self, max: usize) -> Self {
        self.actions = max;
        self
    }

    /// The longest condition text, in bytes. Default 4,096.
    ///
    /// ```
    /// use buyer_journey::{Condition, Limits};
    ///
    /// let limits = Limits::default().max_expression_len(10);
    /// assert!(Condition::parse_with("cart_adds >= 1", &limits).unwrap_err().is_limit());
    /// ```
    #[must_use]
    pub fn max_expression_len(mut self, max: usize) -> Self {
        self.expression_len = max;
        self
    }

    /// The deepest nesting of a condition: parentheses, `not`, `all`/`any`/
    /// `at_least` and arithmetic each add a level. Default 32.
    ///
    /// Parsing takes a few KiB of stack per level (more in debug builds), so
    /// raise this only as far as the threads that build engines can take:
    /// a few hundred levels fit a 2 MiB thread stack in release builds.
    ///
    /// ```
    /// use buyer_journey::{Condition, Limits};
    ///
    /// let limits = Limits::default().max_depth(3);
    /// assert!(Condition::parse_with("not not not not a", &limits).unwrap_err().is_limit());
    /// ```
    #[must_use]
    pub fn max_depth(mut self, max: usize) -> Self {
        self.depth = max;
        self
    }

    /// The most nodes (comparisons, connectives, values, list items) one
    /// condition may have. Default 1,024.
    ///
    /// ```
    /// use buyer_journey::{Condition, Limits};
    ///
    /// let limits = Limits::default().max_condition_size(4);
    /// assert!(Condition::parse_with("a in [1, 2, 3, 4, 5]", &limits).unwrap_err().is_limit());
    /// ```
    #[must_use]
    pub fn max_condition_size(mut self, max: usize) -> Self {
        self.condition_size = max;
        self
    }

    /// The longest id, in bytes: of a signal, stage, rule, tag, action,
    /// transition, kind or group, of a category label, and of a signal id
    /// or a text written in a condition. Default 128.
    ///
    /// Ids are compared and suggested ("did you mean ...?") when a name is
    /// unknown, so their length bounds that work too.
    ///
    /// ```
    /// use buyer_journey::{Condition, Limits, Schema, SignalSpec};
    ///
    /// let long = "a".repeat(20);
    /// let err = Schema::with_limits(&[SignalSpec::count(&long)], &Limits::default().max_id_len(16))
    ///     .unwrap_err();
    /// assert!(err.is_limit());
    ///
    /// // No declared id can be that long, so a condition cannot mention one.
    /// let text = format!("{long} >= 1");
    /// let err = Condition::parse_with(&text, &Limits::default().max_id_len(16)).unwrap_err();
    /// assert!(err.is_limit());
    /// assert_eq!(err.location().unwrap().column(), Some(1));
    /// ```
    #[must_use]
    pub fn max_id_len(mut self, max: usize) -> Self {
        self.id_len = max;
        self
    }

    /// The bound set by [`max_signals`](Limits::max_signals).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_signals(), 1_024);
    /// assert_eq!(Limits::default().max_signals(8).get_max_signals(), 8);
    /// ```
    #[must_use]
    pub fn get_max_signals(&self) -> usize {
        self.signals
    }

    /// The bound set by [`max_labels`](Limits::max_labels).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_labels(), 1_024);
    /// assert_eq!(Limits::default().max_labels(7).get_max_labels(), 7);
    /// ```
    #[must_use]
    pub fn get_max_labels(&self) -> usize {
        self.labels
    }

    /// The bound set by [`max_events`](Limits::max_events).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_events(), 1_024);
    /// assert_eq!(Limits::default().max_events(7).get_max_events(), 7);
    /// ```
    #[must_use]
    pub fn get_max_events(&self) -> usize {
        self.events
    }

    /// The bound set by [`max_stages`](Limits::max_stages).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_stages(), 64);
    /// assert_eq!(Limits::default().max_stages(7).get_max_stages(), 7);
    /// ```
    #[must_use]
    pub fn get_max_stages(&self) -> usize {
        self.stages
    }

    /// The bound set by [`max_rules`](Limits::max_rules).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_rules(), 100_000);
    /// assert_eq!(Limits::default().max_rules(7).get_max_rules(), 7);
    /// ```
    #[must_use]
    pub fn get_max_rules(&self) -> usize {
        self.rules
    }

    /// The bound set by [`max_tags`](Limits::max_tags).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_tags(), 1_024);
    /// assert_eq!(Limits::default().max_tags(7).get_max_tags(), 7);
    /// ```
    #[must_use]
    pub fn get_max_tags(&self) -> usize {
        self.tags
    }

    /// The bound set by [`max_actions`](Limits::max_actions).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_actions(), 10_000);
    /// assert_eq!(Limits::default().max_actions(7).get_max_actions(), 7);
    /// ```
    #[must_use]
    pub fn get_max_actions(&self) -> usize {
        self.actions
    }

    /// The bound set by [`max_expression_len`](Limits::max_expression_len).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_expression_len(), 4_096);
    /// assert_eq!(Limits::default().max_expression_len(7).get_max_expression_len(), 7);
    /// ```
    #[must_use]
    pub fn get_max_expression_len(&self) -> usize {
        self.expression_len
    }

    /// The bound set by [`max_depth`](Limits::max_depth).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_depth(), 32);
    /// assert_eq!(Limits::default().max_depth(7).get_max_depth(), 7);
    /// ```
    #[must_use]
    pub fn get_max_depth(&self) -> usize {
        self.depth
    }

    /// The bound set by [`max_condition_size`](Limits::max_condition_size).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_condition_size(), 1_024);
    /// assert_eq!(Limits::default().max_condition_size(7).get_max_condition_size(), 7);
    /// ```
    #[must_use]
    pub fn get_max_condition_size(&self) -> usize {
        self.condition_size
    }

    /// The bound set by [`max_id_len`](Limits::max_id_len).
    ///
    /// ```
    /// use buyer_journey::Limits;
    ///
    /// assert_eq!(Limits::default().get_max_id_len(), 128);
    /// assert_eq!(Limits::default().max_id_len(7).get_max_id_len(), 7);
    /// ```
    #[must_use]
    pub fn get_max_id_len(&self) -> usize {
        self.id_len
    }

    /// `Err(Error::Limit)` when `found` exceeds `bound`.
    pub(crate) fn check(
        &self,
        bound: Bound,
        found: usize,
        location: impl FnOnce() -> Location,
    ) -> Result<(), Error> {
        let (limit, what, setter) = match bound {
            Bound::Signals => (self.signals, "the number of signals", "max_signals"),
            Bound::Labels => (self.labels, "the number of labels", "max_labels"),
            Bound::Events => (self.events, "the number of event types", "max_events"),
            Bound::Stages => (self.stages, "the number of stages", "max_stages"),
            Bound::Rules => (self.rules, "the number of rules", "max_rules"),
            Bound::Tags => (self.tags, "the number of tags", "max_tags"),
            Bound::Actions => (self.actions, "the number of actions", "max_actions"),
            Bound::ExpressionLen => (
                self.expression_len,
                "the length of the condition in bytes",
                "max_expression_len",
            ),
            Bound::Depth => (self.depth, "the nesting depth", "max_depth"),
            Bound::ConditionSize => (
                self.condition_size,
                "the number of nodes in the condition",
                "max_condition_size",
            ),
            Bound::IdLen => (self.id_len, "the length of the id in bytes", "max_id_len"),
        };
        if found > limit {
            return Err(Error::new(
                ErrorKind::Limit {
                    what,
                    setter,
                    limit,
                    found,
                },
                location(),
            ));
        }
        Ok(())
    }
}

/// One of the bounds of [`Limits`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bound {
    Signals,
    Labels,
    Events,
    Stages,
    Rules,
    Tags,
    Actions,
    ExpressionLen,
    Depth,
    ConditionSize,
    IdLen,
}

//! Scenarios: tests that live inside a ruleset, so whoever edits the rules
//! learns at once which promises about customers they broke.

use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::action::ContactLog;
use crate::journey::JourneyState;
use crate::signal::Value;
use crate::time::Timestamp;

/// A test inside a ruleset: a customer, given as signals or as the events
/// that derive them, and the decision the ruleset must make for them.
///
/// [`Engine::run_scenarios`](crate::Engine::run_scenarios) runs every
/// scenario through the engine's ordinary calls and reports what differed.
/// A scenario is validated with the rest of the ruleset: an unknown signal,
/// stage, tag, action or event, a value of the wrong kind or a name used
/// twice stops the ruleset being built, located at its place
/// (`scenarios[2].given.reviews_read`).
///
/// **How it runs.** With no `events`, the `given` signals are decided at
/// `now` with the contact `history`: by [`Engine::decide`](crate::Engine::decide)
/// when there is no `state`, and with a `state` by
/// [`Engine::advance`](crate::Engine::advance) from it, then
/// [`Engine::decide_in`](crate::Engine::decide_in) the stage the journey
/// settles in. With `events`, a new [`Customer`](crate::Customer) (with the
/// `state` and `history`, if given) takes each event in order through
/// [`Engine::observe_with`](crate::Engine::observe_with) at the event's own
/// time, `given` supplying the signals the ruleset does not derive; when
/// `now` is after the last event, [`Engine::refresh_with`](crate::Engine::refresh_with)
/// brings the customer to `now`. The actions suggested along the way are
/// not recorded as shown. `now` defaults to the time of the last event, or
/// else when the `state` was entered, or else the epoch.
///
/// The [`Decision`](crate::Decision) must then match [`expect`](ScenarioSpec::expect).
///
/// # Example
///
/// In JSON (or any serde format without nulls, such as TOML):
///
/// ```
/// use buyer_journey::{models, Engine, ScenarioSpec};
///
/// let scenario: ScenarioSpec = serde_json::from_str(r#"{
///     "name": "reads reviews and guides",
///     "given": {"reviews_read": 3, "info_page_views": 5},
///     "expect": {
///         "stage": "information_search",
///         "tags": ["prospect"],
///         "actions": ["information_search.reviews"]
///     }
/// }"#).unwrap();
/// let mut spec = models::buying_process();
/// spec.scenarios = vec![scenario];
/// let engine = Engine::builder(spec).build()?;
/// assert_eq!(engine.run_scenarios().to_string(), "\
/// ok   reads reviews and guides
/// 1 scenario: 1 passed, 0 failed
/// ");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
///
/// In Rust:
///
/// ```
/// use buyer_journey::{ScenarioSpec, Span, Timestamp};
///
/// let day = |n| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
/// let scenario = ScenarioSpec::new("bought after comparing", "post_purchase")
///     .event("comparison", day(0))
///     .event("purchase", day(1))
///     .expect_tags(&["new"]);
/// assert_eq!(scenario.events.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScenarioSpec {
    /// What the scenario shows, unique among the ruleset's scenarios: the
    /// report names it.
    pub name: String,
    /// The customer's signals by id: numbers for `number` and `count`
    /// signals, `true`/`false` for flags, label strings for categories.
    /// Signals left out are missing. With `events`, only the signals the
    /// ruleset does not derive from events.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub given: IndexMap<String, SignalValue>,
    /// The customer's events, in time order, folded into a new customer's
    /// profile one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<ScenarioEvent>,
    /// When the decision is made; see above for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Timestamp>,
    /// The journey state the host stored for the customer; without one the
    /// scenario tests the classification alone (unless it has events, which
    /// always move a journey). Like a stored state, it may name a stage by
    /// an [alias](crate::StageSpec::aliases), its id before a rename.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_state"
    )]
    pub state: Option<JourneyState>,
    /// What the customer was shown and dismissed before `now`.
    #[serde(default, skip_serializing_if = "is_empty_log")]
    pub history: ContactLog,
    /// The decision the ruleset must make.
    pub expect: Expectation,
}

impl ScenarioSpec {
    /// A scenario named `name` of a customer with no signals, events, state
    /// or history, expected in `stage`.
    ///
    /// ```
    /// use buyer_journey::ScenarioSpec;
    ///
    /// let scenario = ScenarioSpec::new("a first visit", "need_recognition");
    /// assert_eq!(scenario.expect.stage, "need_recognition");
    /// assert!(scenario.given.is_empty() && scenario.expect.tags.is_none());
    /// ```
    #[must_use]
    pub fn new(name: &str, stage: &str) -> Self {
        ScenarioSpec {
            name: name.to_owned(),
            given: IndexMap::new(),
            events: Vec::new(),
            now: None,
            state: None,
            history: ContactLog::new(),
            expect: Expectation {
                stage: stage.to_owned(),
                tags: None,
                actions: None,
                confidence: None,
            },
        }
    }

    /// The same scenario with signal `id` given `value`.
    ///
    /// ```
    /// use buyer_journey::{ScenarioSpec, SignalValue};
    ///
    /// let scenario = ScenarioSpec::new("compares", "evaluation").given("comparisons", 2);
    /// assert_eq!(scenario.given["comparisons"], SignalValue::Number(2.0));
    /// ```
    #[must_use]
    pub fn given(mut self, id: &str, value: impl Into<SignalValue>) -> Self {
        self.given.insert(id.to_owned(), value.into());
        self
    }

    /// The same scenario with one more event, of type `event`, at `at`.
    ///
    /// ```
    /// use buyer_journey::{ScenarioSpec, Timestamp};
    ///
    /// let scenario = ScenarioSpec::new("bought", "post_purchase").event("purchase", Timestamp::EPOCH);
    /// assert_eq!(scenario.events[0].event, "purchase");
    /// ```
    #[must_use]
    pub fn event(mut self, event: &str, at: Timestamp) -> Self {
        self.events.push(ScenarioEvent {
            event: event.to_owned(),
            at,
            value: None,
        });
        self
    }

    /// The same scenario with one more event that carries `value` (a
    /// rating, an amount).
    ///
    /// ```
    /// use buyer_journey::{ScenarioSpec, Timestamp};
    ///
    /// let scenario = ScenarioSpec::new("rated", "post_purchase")
    ///     .event_with_value("satisfaction", Timestamp::EPOCH, 9.0);
    /// assert_eq!(scenario.events[0].value, Some(9.0));
    /// ```
    #[must_use]
    pub fn event_with_value(mut self, event: &str, at: Timestamp, value: f64) -> Self {
        self.events.push(ScenarioEvent {
            event: event.to_owned(),
            at,
            value: Some(value),
        });
        self
    }

    /// The same scenario decided at `now`.
    ///
    /// ```
    /// use buyer_journey::{ScenarioSpec, Timestamp};
    ///
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// assert_eq!(ScenarioSpec::new("later", "need_recognition").at(now).now, Some(now));
    /// ```
    #[must_use]
    pub fn at(mut self, now: Timestamp) -> Self {
        self.now = Some(now);
        self
    }

    /// The same scenario for a customer whose stored journey state is
    /// `state`.
    ///
    /// ```
    /// use buyer_journey::{JourneyState, ScenarioSpec, Timestamp};
    ///
    /// let state = JourneyState::in_stage("post_purchase", Timestamp::EPOCH);
    /// let scenario = ScenarioSpec::new("stays", "post_purchase").in_state(state);
    /// assert_eq!(scenario.state.unwrap().stage(), Some("post_purchase"));
    /// ```
    #[must_use]
    pub fn in_state(mut self, state: JourneyState) -> Self {
        self.state = Some(state);
        self
    }

    /// The same scenario for a customer with the contact history `history`.
    ///
    /// ```
    /// use buyer_journey::{ContactLog, ScenarioSpec, Timestamp};
    ///
    /// let mut history = ContactLog::new();
    /// history.record_shown("evaluation.advisor_call", Timestamp::EPOCH);
    /// let scenario = ScenarioSpec::new("called", "evaluation").with_history(history);
    /// assert_eq!(scenario.history.shown("evaluation.advisor_call").count(), 1);
    /// ```
    #[must_use]
    pub fn with_history(mut self, history: ContactLog) -> Self {
        self.history = history;
        self
    }

    /// The same scenario expecting exactly the tags `tags`.
    ///
    /// ```
    /// use buyer_journey::ScenarioSpec;
    ///
    /// let scenario = ScenarioSpec::new("first visit", "need_recognition").expect_tags(&["prospect"]);
    /// assert_eq!(scenario.expect.tags.unwrap(), ["prospect"]);
    /// ```
    #[must_use]
    pub fn expect_tags(mut self, tags: &[&str]) -> Self {
        self.expect.tags = Some(tags.iter().map(|&tag| tag.to_owned()).collect());
        self
    }

    /// The same scenario expecting the suggestions to start with `actions`.
    ///
    /// ```
    /// use buyer_journey::ScenarioSpec;
    ///
    /// let scenario = ScenarioSpec::new("compares", "evaluation")
    ///     .expect_actions(&["evaluation.advisor_call"]);
    /// assert_eq!(scenario.expect.actions.unwrap(), ["evaluation.advisor_call"]);
    /// ```
    #[must_use]
    pub fn expect_actions(mut self, actions: &[&str]) -> Self {
        self.expect.actions = Some(actions.iter().map(|&id| id.to_owned()).collect());
        self
    }

    /// The same scenario expecting the confidence `confidence`.
    ///
    /// ```
    /// use buyer_journey::ScenarioSpec;
    ///
    /// let scenario = ScenarioSpec::new("nothing known", "need_recognition").expect_confidence(0.0);
    /// assert_eq!(scenario.expect.confidence, Some(0.0));
    /// ```
    #[must_use]
    pub fn expect_confidence(mut self, confidence: f64) -> Self {
        self.expect.confidence = Some(confidence);
        self
    }
}

/// What a [`ScenarioSpec`] expects of the decision. Only the stage is
/// required; what is left out is not checked.
///
/// ```
/// use buyer_journey::Expectation;
///
/// let expect: Expectation = serde_json::from_str(r#"{"stage": "evaluation", "confidence": 1}"#).unwrap();
/// assert_eq!((expect.stage.as_str(), expect.confidence), ("evaluation", Some(1.0)));
/// assert_eq!(expect.actions, None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Expectation {
    /// The id of the stage of the decision ([`Decision::stage`](crate::Decision::stage)):
    /// the classification's, or the journey's when the scenario has a state
    /// or events.
    pub stage: String,
    /// Exactly the customer's tags, in any order (an empty list: no tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The first suggestions, best first: the suggestions must start with
    /// these, so a scenario can pin only the top one. Not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    /// The confidence, within 1e-9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// One event of a [`ScenarioSpec`]: its type, when it happened and the
/// number it carries, if its type carries one. The same fields as a line
/// of the `replay` example's input, with `at` in Unix seconds.
///
/// ```
/// use buyer_journey::ScenarioEvent;
///
/// let event: ScenarioEvent =
///     serde_json::from_str(r#"{"event": "satisfaction", "at": 1700000000, "value": 9}"#).unwrap();
/// assert_eq!((event.event.as_str(), event.value), ("satisfaction", Some(9.0)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScenarioEvent {
    /// The id of the event's type.
    pub event: String,
    /// When it happened.
    pub at: Timestamp,
    /// The number it carries, for the types that carry one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

/// One signal's value as a document writes it: a number, `true` or
/// `false`, or a label. The owned form of [`Value`].
///
/// ```
/// use buyer_journey::{SignalValue, Value};
///
/// let values: Vec<SignalValue> = serde_json::from_str(r#"[3, true, "pro"]"#).unwrap();
/// assert_eq!(values, [SignalValue::Number(3.0), SignalValue::Flag(true), SignalValue::from("pro")]);
/// assert_eq!(values[2].as_value(), Value::Label("pro"));
/// assert_eq!(serde_json::to_string(&values).unwrap(), r#"[3.0,true,"pro"]"#);
///
/// let err = serde_json::from_str::<SignalValue>("null").unwrap_err();
/// assert!(err.to_string().starts_with("invalid type: null, expected a number, true or false, or a label"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum SignalValue {
    /// A value for a `number` or `count` signal.
    Number(f64),
    /// A value for a `flag` signal.
    Flag(bool),
    /// A value for a `category` signal: one of its labels.
    Label(String),
}

impl SignalValue {
    /// The value, borrowed, as [`SignalRecord::set`](crate::SignalRecord::set)
    /// takes it.
    ///
    /// ```
    /// use buyer_journey::{SignalValue, Value};
    ///
    /// assert_eq!(SignalValue::Flag(true).as_value(), Value::Flag(true));
    /// ```
    pub fn as_value(&self) -> Value<'_> {
        match self {
            SignalValue::Number(number) => Value::Number(*number),
            SignalValue::Flag(flag) => Value::Flag(*flag),
            SignalValue::Label(label) => Value::Label(label),
        }
    }
}

impl From<f64> for SignalValue {
    fn from(number: f64) -> Self {
        SignalValue::Number(number)
    }
}

impl From<i32> for SignalValue {
    fn from(number: i32) -> Self {
        SignalValue::Number(f64::from(number))
    }
}

impl From<u32> for SignalValue {
    fn from(number: u32) -> Self {
        SignalValue::Number(f64::from(number))
    }
}

impl From<bool> for SignalValue {
    fn from(flag: bool) -> Self {
        SignalValue::Flag(flag)
    }
}

impl From<&str> for SignalValue {
    fn from(label: &str) -> Self {
        SignalValue::Label(label.to_owned())
    }
}

impl From<String> for SignalValue {
    fn from(label: String) -> Self {
        SignalValue::Label(label)
    }
}

impl From<Value<'_>> for SignalValue {
    fn from(value: Value<'_>) -> Self {
        match value {
            Value::Number(number) => SignalValue::Number(number),
            Value::Flag(flag) => SignalValue::Flag(flag),
            Value::Label(label) => SignalValue::Label(label.to_owned()),
        }
    }
}

impl Serialize for SignalValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SignalValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SignalValueVisitor)
    }
}

/// Reads a [`SignalValue`] by what the document holds, with a message that
/// names the three forms (an untagged enum would only say that nothing
/// matched).
struct SignalValueVisitor;

impl Visitor<'_> for SignalValueVisitor {
    type Value = SignalValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, true or false, or a label")
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<SignalValue, E> {
        Ok(SignalValue::Flag(flag))
    }

    // Counts beyond 2^53 lose precision, as they would in any JSON reader;
    // the schema's checks then judge the number read.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<SignalValue, E> {
        Ok(SignalValue::Number(number as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<SignalValue, E> {
        Ok(SignalValue::Number(number as f64))
    }

    fn visit_f64<E: de::Error>(self, number: f64) -> Result<SignalValue, E> {
        Ok(SignalValue::Number(number))
    }

    fn visit_str<E: de::Error>(self, label: &str) -> Result<SignalValue, E> {
        Ok(SignalValue::Label(label.to_owned()))
    }

    fn visit_string<E: de::Error>(self, label: String) -> Result<SignalValue, E> {
        Ok(SignalValue::Label(label))
    }
}

fn is_empty_log(log: &ContactLog) -> bool {
    *log == ContactLog::new()
}

/// A stored state without the nulls of [`JourneyState`]'s own form, which
/// formats such as TOML cannot hold; it reads back the same, since a state
/// defaults every field left out.
// serde's `serialize_with` hands over the field as declared.
#[allow(clippy::ref_option)]
fn serialize_state<S: Serializer>(
    state: &Option<JourneyState>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Stored<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        stage: Option<&'a str>,
        entered: Timestamp,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous: Option<&'a str>,
        #[serde(skip_serializing_if = "is_zero")]
        cycles: u32,
    }
    // serde's `skip_serializing_if` passes the field by reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn is_zero(cycles: &u32) -> bool {
        *cycles == 0
    }
    let new = JourneyState::new();
    let state = state.as_ref().unwrap_or(&new);
    Stored {
        stage: state.stage(),
        entered: state.entered(),
        previous: state.previous(),
        cycles: state.cycles(),
    }
    .serialize(serializer)
}

//! Running scenarios: each through the calls a host makes, its decision
//! compared with what the scenario expects.

use crate::customer::Customer;
use crate::error::{Error, ErrorKind, Location};
use crate::event::Event;
use crate::scenario::{Difference, ScenarioReport, ScenarioResult};
use crate::spec::{ScenarioEvent, ScenarioSpec};
use crate::validate::{validate_scenarios, Scenario, ScenarioContext};

use super::{Decision, Engine, Scratch};

/// How far a confidence may be from the one expected: the arithmetic is
/// exact, but a document writes `2/3` as a rounded decimal.
const CONFIDENCE_TOLERANCE: f64 = 1e-9;

impl Engine {
    /// Runs the ruleset's own [scenarios](crate::ScenarioSpec) (validated
    /// when the engine was built) and reports, for each, whether the
    /// decision was as expected and what differed.
    ///
    /// Each scenario runs through the engine's ordinary calls (`decide`,
    /// `advance` and `decide_in`, `observe_with` and `refresh_with`, as
    /// [`ScenarioSpec`] describes), so it tests what hosts run, host
    /// scorers included. Off the hot path: allocates a scratch and the
    /// report.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let report = engine.run_scenarios();
    /// assert!(report.passed(), "{report}");
    /// assert!(report.results.len() >= 5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn run_scenarios(&self) -> ScenarioReport {
        self.run(&self.scenarios)
    }

    /// Runs scenarios kept apart from the ruleset (a host's own test
    /// suite) against this engine, as [`run_scenarios`](Engine::run_scenarios)
    /// runs the ruleset's.
    ///
    /// # Errors
    ///
    /// The first invalid scenario, as the ruleset's would be reported when
    /// building, located under `scenarios` (`scenarios[1].given.reviews_read`).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, ScenarioSpec};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let suite: Vec<ScenarioSpec> = serde_json::from_str(r#"[
    ///     {"name": "compares", "given": {"comparisons": 2}, "expect": {"stage": "evaluation"}}
    /// ]"#).unwrap();
    /// assert!(engine.run_scenarios_from(&suite)?.passed());
    ///
    /// let typo: Vec<ScenarioSpec> = serde_json::from_str(r#"[
    ///     {"name": "compares", "given": {"comparison": 2}, "expect": {"stage": "evaluation"}}
    /// ]"#).unwrap();
    /// assert_eq!(
    ///     engine.run_scenarios_from(&typo).unwrap_err().to_string(),
    ///     "scenarios[0].given.comparison: unknown signal 'comparison', did you mean 'comparisons'?"
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn run_scenarios_from(&self, scenarios: &[ScenarioSpec]) -> Result<ScenarioReport, Error> {
        let context = ScenarioContext {
            schema: self.schema(),
            model: self.model(),
            tags: self.tags().map(|tag| (tag.id(), tag)).collect(),
            actions: self.actions().map(|action| (action.id(), action)).collect(),
            events: &self.deriver,
            arbitration: self.arbitration(),
        };
        let mut errors = Vec::new();
        let scenarios = validate_scenarios(scenarios, &context, &mut errors);
        match errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(self.run(&scenarios)),
        }
    }

    fn run(&self, scenarios: &[Scenario]) -> ScenarioReport {
        let mut scratch = self.scratch();
        ScenarioReport {
            results: scenarios
                .iter()
                .map(
                    |scenario| match self.decide_scenario(scenario, &mut scratch) {
                        Ok(decision) => compare(scenario, &decision),
                        Err(error) => ScenarioResult {
                            name: scenario.name.clone(),
                            passed: false,
                            differences: vec![Difference::Failed {
                                error: error.to_string(),
                            }],
                            decision: None,
                        },
                    },
                )
                .collect(),
        }
    }

    /// The decision a host would get for the scenario's customer.
    fn decide_scenario<'a>(
        &'a self,
        scenario: &Scenario,
        scratch: &'a mut Scratch,
    ) -> Result<Decision<'a>, Error> {
        let signals = &scenario.signals;
        let Some((last, earlier)) = scenario.events.split_last() else {
            let Some(state) = &scenario.state else {
                return Ok(self.decide(signals, &scenario.history, scenario.now, scratch));
            };
            let step = self.advance(state, signals, scenario.now, scratch)?;
            let stage = step
                .state
                .stage()
                .and_then(|id| self.model().find(id))
                .ok_or_else(|| {
                    // `advance` always places a customer in a stage of the model.
                    Error::new(
                        ErrorKind::Invalid {
                            message: "the journey has no stage".to_owned(),
                        },
                        Location::new("state"),
                    )
                })?;
            return self.decide_in(stage, signals, &scenario.history, scenario.now, scratch);
        };
        let mut customer = Customer::new();
        customer.journey = scenario.state.clone().unwrap_or_default();
        customer.history = scenario.history.clone();
        for earlier in earlier {
            self.observe_with(&mut customer, signals, event(earlier), earlier.at, scratch)?;
        }
        if scenario.now == last.at {
            return Ok(self
                .observe_with(&mut customer, signals, event(last), last.at, scratch)?
                .decision);
        }
        self.observe_with(&mut customer, signals, event(last), last.at, scratch)?;
        Ok(self
            .refresh_with(&mut customer, signals, scenario.now, scratch)?
            .decision)
    }
}

/// A scenario's event as the engine takes it.
fn event(event: &ScenarioEvent) -> Event<'_> {
    let folded = Event::new(&event.event, event.at);
    match event.value {
        Some(value) => folded.with_value(value),
        None => folded,
    }
}

/// The result of `scenario` given the engine's `decision`.
fn compare(scenario: &Scenario, decision: &Decision<'_>) -> ScenarioResult {
    let expect = &scenario.expect;
    let mut differences = Vec::new();
    let stage = decision.stage().id();
    if stage != expect.stage {
        differences.push(Difference::Stage {
            expected: expect.stage.clone(),
            got: stage.to_owned(),
            classified: decision.classified_stage().id().to_owned(),
            fired: decision.fired().map(|rule| rule.id().to_owned()).collect(),
        });
    }
    if let Some(expected) = &expect.tags {
        let got: Vec<String> = decision.tags().map(|tag| tag.id().to_owned()).collect();
        if got != *expected {
            differences.push(Difference::Tags {
                expected: expected.clone(),
                got,
            });
        }
    }
    if let Some(expected) = &expect.actions {
        let got: Vec<String> = decision
            .actions()
            .map(|action| action.id().to_owned())
            .collect();
        if !got.starts_with(expected) {
            differences.push(Difference::Actions {
                expected: expected.clone(),
                got,
            });
        }
    }
    if let Some(expected) = expect.confidence {
        let got = decision.confidence();
        if (got - expected).abs() > CONFIDENCE_TOLERANCE {
            differences.push(Difference::Confidence { expected, got });
        }
    }
    ScenarioResult {
        name: scenario.name.clone(),
        passed: differences.is_empty(),
        differences,
        decision: Some(decision.to_record()),
    }
}

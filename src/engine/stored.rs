//! What hosts stored under an earlier ruleset, read against this engine:
//! journey states and contact logs brought to the current ids, and a check
//! of a sample of them that reports what no longer resolves.
//!
//! Stored data names stages and actions by id. A ruleset that renames one
//! declares the old id as an alias ([`StageSpec::aliases`](crate::StageSpec::aliases),
//! [`ActionSpec::aliases`](crate::ActionSpec::aliases)), and the engine reads
//! stored data through the aliases wherever it reads it; these functions
//! rewrite it, or say before a reload which stored ids the new ruleset
//! would no longer know.

use crate::action::ContactLog;
use crate::customer::Customer;
use crate::error::{Error, Location};
use crate::journey::JourneyState;
use crate::names::suggest;
use crate::problem::{Problem, Problems};

use super::Engine;

impl Engine {
    /// `state` with its stage and previous stage named by their current
    /// ids: an id the model knows as an [alias](crate::StageSpec::aliases)
    /// becomes the id of its stage. [`advance`](Engine::advance) does the
    /// same to the state it returns; this is for migrating stored states
    /// without advancing them. A previous stage the model does not know at
    /// all is kept as stored (no decision reads it); a state without a
    /// stage is returned as it is.
    ///
    /// Allocates only to rename.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Unknown`](crate::ErrorKind::Unknown) at `state.stage`,
    /// with the nearest id as a suggestion, when the state's stage is
    /// neither an id nor an alias of the model: the state
    /// [`advance`](Engine::advance) would reject.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Timestamp};
    ///
    /// // `evaluation` was called `opportunity` when the state was stored.
    /// let mut spec = models::buying_process();
    /// spec.stages[2].aliases = vec!["opportunity".into()];
    /// let engine = Engine::builder(spec).build()?;
    ///
    /// let stored = JourneyState::in_stage("opportunity", Timestamp::EPOCH).with_previous("information_search");
    /// let state = engine.resolve_state(&stored)?;
    /// assert_eq!(state.stage(), Some("evaluation"));
    /// assert_eq!((state.previous(), state.entered()), (Some("information_search"), Timestamp::EPOCH));
    ///
    /// let gone = JourneyState::in_stage("evaluaton", Timestamp::EPOCH);
    /// assert_eq!(
    ///     engine.resolve_state(&gone).unwrap_err().to_string(),
    ///     "state.stage: unknown stage 'evaluaton', did you mean 'evaluation'?"
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn resolve_state(&self, state: &JourneyState) -> Result<JourneyState, Error> {
        let Some(id) = state.shared_stage() else {
            return Ok(state.clone());
        };
        let stage = self.stored_stage(id)?;
        Ok(self.in_current_ids(state, stage).into_owned())
    }

    /// `log` keyed by the actions' current ids: what it holds under an
    /// [alias](crate::ActionSpec::aliases) of an action moves to the
    /// action's id, merged with what is there. Ids of no action of the
    /// catalog are kept as stored.
    ///
    /// Decisions do not need this: a [`ContactLog`] counts what it holds
    /// under an action's aliases for the action, and
    /// [`Customer::record_shown`](crate::Customer::record_shown) moves an
    /// action's old entries to its id as it records. Migrate stored logs
    /// before removing an alias from the ruleset.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let mut spec = models::buying_process();
    /// let demo = spec.actions.iter_mut().find(|a| a.id == "evaluation.demo").unwrap();
    /// demo.id = "evaluation.live_demo".into();
    /// demo.aliases = vec!["evaluation.demo".into()];
    /// let engine = Engine::builder(spec).build()?;
    ///
    /// let at = Timestamp::from_unix_seconds;
    /// let mut stored = ContactLog::new();
    /// stored.record_shown("evaluation.demo", at(100));
    /// stored.record_shown("evaluation.live_demo", at(200));
    /// stored.record_dismissed("retired.action", at(150));
    /// let log = engine.resolve_history(&stored);
    /// assert_eq!(log.shown("evaluation.live_demo").collect::<Vec<_>>(), [at(100), at(200)]);
    /// assert_eq!(log.shown("evaluation.demo").count(), 0);
    /// assert_eq!(
    ///     serde_json::to_string(&log).unwrap(),
    ///     r#"{"evaluation.live_demo":[100,200],"retired.action":{"dismissed":[150]}}"#
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn resolve_history(&self, log: &ContactLog) -> ContactLog {
        log.renamed(|id| self.find_action(id).map(|action| action.id()))
    }

    /// Every problem reading the stored `states` with this engine: each
    /// state whose stage the model knows neither as an id nor as an alias
    /// (an error at `states[i].stage`: [`advance`](Engine::advance) rejects
    /// it), and each previous stage it does not know (a warning at
    /// `states[i].previous`: kept as stored). Each names the nearest id.
    ///
    /// Run it over a sample of stored states before reloading a ruleset
    /// that renames or removes stages.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, JourneyState, Timestamp};
    ///
    /// let mut spec = models::buying_process();
    /// spec.stages[2].aliases = vec!["opportunity".into()];
    /// let engine = Engine::builder(spec).build()?;
    ///
    /// let states = [
    ///     JourneyState::in_stage("opportunity", Timestamp::EPOCH),
    ///     JourneyState::new(),
    ///     JourneyState::in_stage("purchase", Timestamp::EPOCH).with_previous("lead"),
    /// ];
    /// let problems = engine.check_states(&states);
    /// assert_eq!(
    ///     problems.to_string(),
    ///     "error: states[2].stage: unknown stage 'purchase', did you mean 'purchase_decision'?\n\
    ///      warning: states[2].previous: unknown stage 'lead', kept as stored\n"
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn check_states<'s>(&self, states: impl IntoIterator<Item = &'s JourneyState>) -> Problems {
        let mut problems = Problems::default();
        for (i, state) in states.into_iter().enumerate() {
            self.check_state_at(state, &format!("states[{i}]"), &mut problems);
        }
        problems
    }

    /// Every problem reading the stored contact `logs` with this engine:
    /// each action id a log holds that is neither the id nor an alias of an
    /// action of the catalog, a warning at `histories[i]` naming the nearest
    /// id. Decisions ignore such an entry: what it holds counts for no
    /// action, so a renamed action without its old id as an alias would be
    /// shown again as if never shown.
    ///
    /// ```
    /// use buyer_journey::{models, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut log = ContactLog::new();
    /// log.record_shown("evaluation.demo", Timestamp::EPOCH);
    /// log.record_shown("evaluation.demos", Timestamp::EPOCH);
    /// let problems = engine.check_histories([&ContactLog::new(), &log]);
    /// assert_eq!(
    ///     problems.to_string(),
    ///     "warning: histories[1]: unknown action 'evaluation.demos': what the log holds for \
    ///      it counts for no action; did you mean 'evaluation.demo'?\n"
    /// );
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn check_histories<'s>(&self, logs: impl IntoIterator<Item = &'s ContactLog>) -> Problems {
        let mut problems = Problems::default();
        for (i, log) in logs.into_iter().enumerate() {
            self.check_history_at(log, &format!("histories[{i}]"), &mut problems);
        }
        problems
    }

    /// [`check_states`](Engine::check_states) and
    /// [`check_histories`](Engine::check_histories) over stored
    /// [`Customer`]s: the problems of each one's journey at
    /// `customers[i].journey` and of its history at `customers[i].history`;
    /// and, as errors at `customers[i].profile`, each profile this engine's
    /// event derivations cannot take on (one built by other derivations:
    /// [`observe`](Engine::observe) rejects it).
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, JourneyState, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut customer = Customer::new();
    /// customer.journey = JourneyState::in_stage("checkout", Timestamp::EPOCH);
    /// let problems = engine.check_customers([&Customer::new(), &customer]);
    /// assert_eq!(problems.errors().next().unwrap().location().path(), "customers[1].journey.stage");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn check_customers<'s>(
        &self,
        customers: impl IntoIterator<Item = &'s Customer>,
    ) -> Problems {
        let mut problems = Problems::default();
        for (i, customer) in customers.into_iter().enumerate() {
            let at = format!("customers[{i}]");
            self.check_state_at(&customer.journey, &format!("{at}.journey"), &mut problems);
            self.check_history_at(&customer.history, &format!("{at}.history"), &mut problems);
            // Binding puts a restored profile in order; a copy is bound so
            // the check changes nothing.
            if let Err(error) = self.deriver.bind(&mut customer.profile.clone()) {
                problems.push(error.at(&at));
            }
        }
        problems
    }

    /// The problems of one stored state, at `path`.
    fn check_state_at(&self, state: &JourneyState, path: &str, problems: &mut Problems) {
        if let Some(stage) = state.stage() {
            if let Err(error) = self.model().resolve_stored(stage) {
                problems.push(error.at(&format!("{path}.stage")));
            }
        }
        if let Some(previous) = state.previous() {
            if self.model().find(previous).is_none() {
                let known = suggest(previous, self.model().iter().map(|stage| stage.id()));
                problems.push(Problem::warning(
                    Location::new(format!("{path}.previous")),
                    format!(
                        "unknown stage '{previous}', kept as stored{}",
                        did_you_mean(known)
                    ),
                ));
            }
        }
    }

    /// The problems of one stored contact log, at `path`.
    fn check_history_at(&self, log: &ContactLog, path: &str, problems: &mut Problems) {
        for id in log.ids() {
            if self.find_action(id).is_none() {
                let known = suggest(id, self.actions().map(|action| action.id()));
                problems.push(Problem::warning(
                    Location::new(path),
                    format!(
                        "unknown action '{id}': what the log holds for it counts for no \
                         action{}",
                        did_you_mean(known)
                    ),
                ));
            }
        }
    }
}

/// `; did you mean 'x'?` for a suggestion, nothing without one.
fn did_you_mean(suggestion: Option<String>) -> String {
    suggestion.map_or_else(String::new, |id| format!("; did you mean '{id}'?"))
}

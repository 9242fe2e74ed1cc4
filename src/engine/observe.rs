//! A customer over time: one call per event folds it into the customer's
//! profile, settles the journey and ranks the actions for the journey's
//! stage.

use crate::action::Fixed;
use crate::customer::Customer;
use crate::error::Error;
use crate::event::Event;
use crate::journey::{JourneyState, Step};
use crate::signal::{gather, SignalRecord, Signals};
use crate::time::Timestamp;

use super::{Decision, Engine, Scratch};

/// What [`Engine::observe`] and [`Engine::refresh`] return: the journey's
/// step, the decision for the journey's stage, and the signals both were
/// made from.
///
/// ```
/// use buyer_journey::{models, Customer, Engine, Event, Timestamp, Value};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// let mut customer = Customer::new();
/// let at = Timestamp::from_unix_seconds(1_700_000_000);
/// let seen = engine.observe(&mut customer, Event::new("cart_add", at), at, &mut scratch)?;
/// assert_eq!(seen.step.state.stage(), Some("purchase_decision"));
/// assert_eq!(seen.decision.stage().id(), "purchase_decision");
/// assert_eq!(seen.signals.get("cart_adds"), Some(Value::Number(1.0)));
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Observation<'a> {
    /// The customer's journey after the event: the state (also stored in
    /// the [`Customer`]) and every move.
    pub step: Step,
    /// The classification and the actions ranked for the journey's stage.
    pub decision: Decision<'a>,
    /// Every signal's value the decision was made from: derived from the
    /// profile, or supplied by the host.
    pub signals: &'a SignalRecord,
}

impl Engine {
    /// Takes one event of a customer: folds it into the customer's profile,
    /// moves the journey as far as the transition rules lead (see
    /// [`advance`](Engine::advance)), and ranks the actions **for the
    /// journey's stage**, at `now`, given the customer's contact history.
    /// The customer's profile and journey state are updated; record the
    /// actions the host shows with
    /// [`Customer::record_shown`](crate::Customer::record_shown).
    ///
    /// Signals the ruleset derives from events come from the profile; the
    /// others are missing (use [`observe_with`](Engine::observe_with) to
    /// supply them). This is the same as folding the event, then
    /// [`advance`](Engine::advance) from the stored state and
    /// [`decide_in`](Engine::decide_in) the new state's stage, with the
    /// derived signals.
    ///
    /// Does not allocate for a customer the host keeps in memory once its
    /// profile holds the tracks its events touch and room for the events
    /// that wait (a few events in); the profile of a new or restored
    /// customer grows as its events come. Folding an event costs the same
    /// however many came before.
    ///
    /// # Errors
    ///
    /// Nothing is changed in the customer when the event's type is not
    /// declared ([`ErrorKind::Unknown`](crate::ErrorKind::Unknown)), when
    /// its value does not fit its declaration
    /// ([`ErrorKind::Invalid`](crate::ErrorKind::Invalid)), when it is
    /// older than the events already folded
    /// ([`ErrorKind::TooLate`](crate::ErrorKind::TooLate), see
    /// [`Profile`](crate::Profile)), when the profile was built by other
    /// derivations, or when the journey state names a stage the model does
    /// not have.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, Event, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = Customer::new();
    /// let day = |n| Timestamp::from_unix_seconds(1_700_000_000) + Span::days(n);
    ///
    /// engine.observe(&mut customer, Event::new("purchase", day(0)), day(0), &mut scratch)?;
    /// // Two days after the purchase, reading a guide is part of owning the
    /// // product: the journey stays in post_purchase, and so do the actions.
    /// let seen = engine.observe(&mut customer, Event::new("info_page_view", day(2)), day(2), &mut scratch)?;
    /// assert_eq!(seen.step.state.stage(), Some("post_purchase"));
    /// assert_eq!(seen.decision.stage().id(), "post_purchase");
    /// assert!(seen.decision.actions().any(|action| action.kind() == "onboarding"));
    ///
    /// let err = engine.observe(&mut customer, Event::new("visit", day(3)), day(3), &mut scratch);
    /// assert_eq!(err.unwrap_err().to_string(), "event: unknown event 'visit'");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn observe<'a>(
        &'a self,
        customer: &mut Customer,
        event: Event<'_>,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Result<Observation<'a>, Error> {
        self.observe_inner(customer, None::<&SignalRecord>, Some(event), now, scratch)
    }

    /// [`observe`](Engine::observe), with the signals the ruleset does not
    /// derive supplied by the host in `signals` (derived signals are taken
    /// from the profile even if `signals` has them).
    ///
    /// # Errors
    ///
    /// As [`observe`](Engine::observe).
    ///
    /// ```
    /// use buyer_journey::{Customer, Derivation, Engine, Event, EventSpec, RulesetSpec, SignalSpec};
    /// use buyer_journey::{StageRuleSpec, StageSpec, Tally, Timestamp};
    ///
    /// // `visits` comes from events, `vip` from the host's CRM.
    /// let mut spec = RulesetSpec::new(
    ///     vec![
    ///         SignalSpec::count("visits").from(Derivation::Count(Tally::of(&["visit"]))),
    ///         SignalSpec::flag("vip"),
    ///     ],
    ///     vec![StageSpec::new("cold", "Cold", ""), StageSpec::new("warm", "Warm", "")],
    /// );
    /// spec.events.push(EventSpec::new("visit"));
    /// spec.stage_rules.push(StageRuleSpec::new("warm", "warm", "visits >= 3 or vip"));
    /// let engine = Engine::builder(spec).build()?;
    ///
    /// let mut crm = engine.record();
    /// crm.set("vip", true)?;
    /// let mut customer = Customer::new();
    /// let at = Timestamp::from_unix_seconds(1_700_000_000);
    /// let mut scratch = engine.scratch();
    /// let seen = engine.observe_with(&mut customer, &crm, Event::new("visit", at), at, &mut scratch)?;
    /// assert_eq!(seen.decision.stage().id(), "warm");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn observe_with<'a, S: Signals + ?Sized>(
        &'a self,
        customer: &mut Customer,
        signals: &S,
        event: Event<'_>,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Result<Observation<'a>, Error> {
        self.observe_inner(customer, Some(signals), Some(event), now, scratch)
    }

    /// Re-evaluates a customer at `now` without a new event: time has
    /// passed, windows have moved on and days since grown, so the journey
    /// may move (a stale stage left by a `back` rule) and the actions
    /// change. Otherwise as [`observe`](Engine::observe).
    ///
    /// # Errors
    ///
    /// As [`observe`](Engine::observe), without the event's errors.
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, Event, Span, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = Customer::new();
    /// let start = Timestamp::from_unix_seconds(1_700_000_000);
    /// engine.observe(&mut customer, Event::new("cart_add", start), start, &mut scratch)?;
    /// assert_eq!(customer.journey.stage(), Some("purchase_decision"));
    ///
    /// // Four months without a word: the cart no longer counts.
    /// let later = start + Span::days(120);
    /// let seen = engine.refresh(&mut customer, later, &mut scratch)?;
    /// assert_ne!(seen.step.state.stage(), Some("purchase_decision"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn refresh<'a>(
        &'a self,
        customer: &mut Customer,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Result<Observation<'a>, Error> {
        self.observe_inner(customer, None::<&SignalRecord>, None, now, scratch)
    }

    /// [`refresh`](Engine::refresh), with the signals the ruleset does not
    /// derive supplied by the host, as in
    /// [`observe_with`](Engine::observe_with).
    ///
    /// # Errors
    ///
    /// As [`refresh`](Engine::refresh).
    ///
    /// ```
    /// use buyer_journey::{models, Customer, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.scratch();
    /// let mut customer = Customer::new();
    /// let host = engine.record();
    /// let seen = engine.refresh_with(&mut customer, &host, Timestamp::EPOCH, &mut scratch)?;
    /// assert_eq!(seen.step.state.stage(), Some("need_recognition"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn refresh_with<'a, S: Signals + ?Sized>(
        &'a self,
        customer: &mut Customer,
        signals: &S,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Result<Observation<'a>, Error> {
        self.observe_inner(customer, Some(signals), None, now, scratch)
    }

    fn observe_inner<'a, S: Signals + ?Sized>(
        &'a self,
        customer: &mut Customer,
        host: Option<&S>,
        event: Option<Event<'_>>,
        now: Timestamp,
        scratch: &'a mut Scratch,
    ) -> Result<Observation<'a>, Error> {
        // Everything that can fail is checked before the customer changes.
        self.check_state(&customer.journey)?;
        let event = event
            .map(|event| self.deriver.check(&event).map(|index| (index, event)))
            .transpose()?;
        self.deriver.bind(&mut customer.profile)?;
        if let Some((index, event)) = event {
            self.deriver.take(&mut customer.profile, index, &event)?;
        }
        self.deriver.settle(&mut customer.profile, now);
        scratch.fit(self);
        // Only observations use the record: engines that share a scratch
        // for anything else never pay for it.
        if !self.schema().same_layout(scratch.record.schema()) {
            scratch.record = self.record();
        }
        // Lent out of the scratch, which `advance` and `decide` borrow.
        let placeholder = SignalRecord::placeholder(self.schema().clone());
        let mut record = std::mem::replace(&mut scratch.record, placeholder);
        match host {
            Some(host) => gather(self.schema(), host, record.values_mut()),
            None => record.values_mut().fill(f64::NAN),
        }
        self.deriver.read(
            &customer.profile,
            now,
            &mut scratch.overlay,
            record.values_mut(),
        );
        let step = self.advance(&customer.journey, &record, now, scratch);
        let step = match step {
            Ok(step) => step,
            Err(err) => {
                scratch.record = record;
                return Err(err);
            }
        };
        customer.journey.clone_from(&step.state);
        // `advance` has placed the customer: the stage is one of the model's.
        let stage = customer
            .journey
            .shared_stage()
            .and_then(|id| self.machine.find_stage(id))
            .unwrap_or_else(|| self.model().entry().index());
        self.classify_into(&record, scratch);
        self.rank_into(stage, &customer.history, now, &Fixed, scratch);
        scratch.record = record;
        let scratch: &'a Scratch = scratch;
        Ok(Observation {
            step,
            decision: scratch.view(self, stage),
            signals: &scratch.record,
        })
    }

    /// Whether `state`'s stage, if any, is in the model.
    fn check_state(&self, state: &JourneyState) -> Result<(), Error> {
        match state.shared_stage() {
            Some(id) => self.stored_stage(id).map(|_| ()),
            None => Ok(()),
        }
    }
}

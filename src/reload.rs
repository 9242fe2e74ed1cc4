//! Swapping in a new engine while other threads keep evaluating: a shared
//! slot that hands out the current engine and takes a new one.
//!
//! Std only: an `Arc<Engine>` behind a `RwLock`. A reader holds the lock
//! only while it clones the `Arc`, a writer only while it swaps one pointer,
//! and every evaluation runs on the `Arc` it loaded, outside the lock. An
//! epoch or hazard-pointer scheme would save the lock's atomic operation on
//! each load, but needs `unsafe` code or a dependency; the lock costs tens
//! of nanoseconds next to a decision's microsecond (see `benches/reload.rs`).

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use crate::engine::Engine;

/// The engine a host's threads evaluate with, which a reload thread may
/// replace at any time: each evaluation runs on one whole engine, the one
/// it [loaded](SharedEngine::load), however many swaps happen meanwhile.
///
/// `Send + Sync`: share it by reference (scoped threads), in an `Arc` or in
/// a `static`.
///
/// # How to use it
///
/// Load once per unit of work (a request, an event, a batch) and make every
/// call of that unit on the loaded engine: two loads may return two
/// different engines, and a stage or action of one engine is not one of the
/// other. The old engine lives on until the last evaluation holding it
/// finishes, then it is dropped by whichever thread drops the last `Arc`.
/// A [`Scratch`](crate::Scratch) may be kept per thread across swaps: it
/// refits itself (allocating once) the first time it meets the new engine.
///
/// Build the new engine before storing it, so a bad ruleset is an error for
/// the reload thread and never reaches the evaluating threads.
///
/// # Cost
///
/// [`load`](SharedEngine::load) takes the read lock, clones the `Arc` and
/// releases the lock: three atomic operations on memory every thread
/// shares, and one more when the `Arc` is dropped. It does not allocate.
/// Measured on the built-in model (`cargo bench --bench reload`, one
/// thread), a load and its drop take tens of nanoseconds, under a tenth of a
/// decision; under contention from many cores the shared counters cost
/// more, so load per unit of work rather than per customer in a tight loop. [`store`](SharedEngine::store) and
/// [`replace`](SharedEngine::replace) wait for loads in progress (each
/// holds the lock only for its clone), never for evaluations. The old
/// engine is dropped outside the lock.
///
/// # Poisoning
///
/// The lock is held only to clone or swap an `Arc`, which cannot leave the
/// slot half-written, so a lock poisoned by a panicking thread still holds a
/// whole engine: every method goes on using it, none panics.
///
/// # Example
///
/// A pool of workers deciding while a reload thread swaps the ruleset:
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::thread;
///
/// use buyer_journey::{models, ContactLog, Engine, SharedEngine, Timestamp};
///
/// let shared = SharedEngine::new(Engine::builder(models::buying_process()).build()?);
/// let done = AtomicBool::new(false);
/// let now = Timestamp::from_unix_seconds(1_700_000_000);
///
/// thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             let mut scratch = shared.load().scratch();
///             while !done.load(Ordering::Relaxed) {
///                 // One load per unit of work: every call below uses it.
///                 let engine = shared.load();
///                 let mut customer = engine.record();
///                 customer.set("comparisons", 2).unwrap();
///                 let decision = engine.decide(&customer, &ContactLog::new(), now, &mut scratch);
///                 assert_eq!(decision.stage().id(), "evaluation");
///             }
///         });
///     }
///     // The reload thread: build first (a bad ruleset stops here), then swap.
///     s.spawn(|| {
///         for _ in 0..10 {
///             let engine = Engine::builder(models::buying_process()).build().unwrap();
///             let old = shared.replace(engine);
///             drop(old); // or keep it, to roll back
///         }
///         done.store(true, Ordering::Relaxed);
///     });
/// });
/// # Ok::<(), buyer_journey::Error>(())
/// ```
pub struct SharedEngine {
    current: RwLock<Arc<Engine>>,
}

impl SharedEngine {
    /// A slot holding `engine`: an [`Engine`] or an `Arc<Engine>` already
    /// shared elsewhere.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use buyer_journey::{models, Engine, SharedEngine};
    ///
    /// let engine = Arc::new(Engine::builder(models::buying_process()).build()?);
    /// let shared = SharedEngine::new(Arc::clone(&engine));
    /// assert!(Arc::ptr_eq(&shared.load(), &engine));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn new(engine: impl Into<Arc<Engine>>) -> Self {
        SharedEngine {
            current: RwLock::new(engine.into()),
        }
    }

    /// The current engine, to evaluate with: it stays whole and unchanged
    /// for as long as the caller holds it, whatever is stored meanwhile.
    /// A read lock and an `Arc` clone; does not allocate.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, RulesetSpec, SharedEngine, StageSpec};
    ///
    /// let aida = RulesetSpec::new(Vec::new(), vec![StageSpec::new("attention", "Attention", "")]);
    /// let shared = SharedEngine::new(Engine::builder(models::buying_process()).build()?);
    /// let engine = shared.load();
    /// shared.store(Engine::builder(aida).build()?);
    /// // The loaded engine is the one loaded; the next load gets the new one.
    /// assert_eq!(engine.model().entry().id(), "need_recognition");
    /// assert_eq!(shared.load().model().entry().id(), "attention");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn load(&self) -> Arc<Engine> {
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&current)
    }

    /// Makes `engine` the current one for every later
    /// [`load`](SharedEngine::load). Evaluations running on the old engine
    /// finish on it; it is dropped when the last of them lets it go (here,
    /// outside the lock, if none holds it).
    ///
    /// ```
    /// use buyer_journey::{models, Engine, RulesetSpec, SharedEngine, StageSpec};
    ///
    /// let aida = RulesetSpec::new(Vec::new(), vec![StageSpec::new("attention", "Attention", "")]);
    /// let shared = SharedEngine::new(Engine::builder(models::buying_process()).build()?);
    /// shared.store(Engine::builder(aida).build()?);
    /// assert_eq!(shared.load().model().entry().id(), "attention");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn store(&self, engine: impl Into<Arc<Engine>>) {
        drop(self.replace(engine));
    }

    /// Makes `engine` the current one, as [`store`](SharedEngine::store),
    /// and returns the one it replaces: keep it to roll back.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, RulesetSpec, SharedEngine, StageSpec};
    ///
    /// let aida = RulesetSpec::new(Vec::new(), vec![StageSpec::new("attention", "Attention", "")]);
    /// let shared = SharedEngine::new(Engine::builder(models::buying_process()).build()?);
    /// let old = shared.replace(Engine::builder(aida).build()?);
    /// assert_eq!(old.model().entry().id(), "need_recognition");
    /// shared.store(old); // roll back
    /// assert_eq!(shared.load().model().entry().id(), "need_recognition");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use = "the old engine is returned to keep; use `store` to drop it"]
    pub fn replace(&self, engine: impl Into<Arc<Engine>>) -> Arc<Engine> {
        // Converted before the lock is taken: building the `Arc` allocates.
        let engine = engine.into();
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        std::mem::replace(&mut *current, engine)
        // The guard is released here, and the caller drops the old engine
        // outside the lock: dropping a host's scorers may take time.
    }

    /// The engine, taken out of the slot.
    ///
    /// ```
    /// use buyer_journey::{models, Engine, SharedEngine};
    ///
    /// let shared = SharedEngine::new(Engine::builder(models::buying_process()).build()?);
    /// let engine = shared.into_inner();
    /// assert_eq!(engine.model().len(), 5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn into_inner(self) -> Arc<Engine> {
        self.current
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl From<Engine> for SharedEngine {
    fn from(engine: Engine) -> Self {
        SharedEngine::new(engine)
    }
}

impl From<Arc<Engine>> for SharedEngine {
    fn from(engine: Arc<Engine>) -> Self {
        SharedEngine::new(engine)
    }
}

impl fmt::Debug for SharedEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedEngine").field(&self.load()).finish()
    }
}

// Shared between the evaluating threads and the reload thread.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SharedEngine>();
};

#[cfg(test)]
mod tests {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use super::*;
    use crate::models;

    #[test]
    fn a_poisoned_slot_still_holds_a_whole_engine() {
        let shared = SharedEngine::new(Engine::builder(models::buying_process()).build().unwrap());
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            let _guard = shared.current.write().unwrap();
            panic!("a host thread panics while holding the lock");
        }));
        assert!(panicked.is_err());
        assert!(shared.current.is_poisoned());

        assert_eq!(shared.load().model().len(), 5);
        let aida = crate::RulesetSpec::new(
            Vec::new(),
            vec![crate::StageSpec::new("attention", "Attention", "")],
        );
        let old = shared.replace(Engine::builder(aida).build().unwrap());
        assert_eq!(old.model().entry().id(), "need_recognition");
        assert_eq!(shared.load().model().entry().id(), "attention");
        assert!(format!("{shared:?}").starts_with("SharedEngine(Engine {"));
        assert_eq!(shared.into_inner().model().entry().id(), "attention");
    }
}

//! Caller-owned buffers, so that observing, classifying, deciding and
//! advancing allocate nothing.

use crate::action::RankBuffers;
use crate::profile::Track;
use crate::signal::{Schema, SignalRecord};

use super::classifier::Classified;
use super::Engine;

/// Caller-owned buffers for [`Engine::observe`], [`Engine::refresh`],
/// [`Engine::classify`], [`Engine::decide`], [`Engine::decide_in`] and
/// [`Engine::advance`], so they do not allocate. Make one per thread with
/// [`Engine::scratch`] and reuse it.
///
/// ```
/// use buyer_journey::{models, Engine};
///
/// let engine = Engine::builder(models::buying_process()).build()?;
/// let mut scratch = engine.scratch();
/// for reviews in 0..3 {
///     let mut customer = engine.record();
///     customer.set("reviews_read", reviews)?;
///     engine.classify(&customer, &mut scratch);
/// }
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Scratch {
    /// The gathered signal values.
    pub(crate) values: Vec<f64>,
    /// The atom bits of the engine's program.
    pub(crate) bits: Vec<u64>,
    /// The stack of the postfix formulas.
    pub(crate) stack: Vec<bool>,
    pub(crate) classified: Classified,
    pub(crate) ranking: RankBuffers,
    /// The signals, then the stage and the days in it: what transition
    /// conditions read.
    pub(crate) journey_values: Vec<f64>,
    /// The atom bits of the journey program.
    pub(crate) journey_bits: Vec<u64>,
    /// The signals an observation reads: derived from the profile, or the
    /// host's.
    pub(crate) record: SignalRecord,
    /// The profile's tracks with the events still waiting applied.
    pub(crate) overlay: Vec<(u32, Track)>,
    /// Per stage, whether the journey has been in it during the current
    /// call of `advance`.
    pub(crate) visited: Vec<bool>,
    /// The [`Engine::id`] of the engine the buffers were last fitted to: an
    /// engine never changes, so they fit it still.
    fitted: u64,
}

impl Scratch {
    /// Empty buffers, to be fitted to an engine.
    pub(crate) fn new(schema: &Schema) -> Self {
        Scratch {
            record: schema.record(),
            overlay: Vec::new(),
            values: Vec::new(),
            bits: Vec::new(),
            stack: Vec::new(),
            classified: Classified::new(),
            ranking: RankBuffers::default(),
            journey_values: Vec::new(),
            journey_bits: Vec::new(),
            visited: Vec::new(),
            fitted: 0,
        }
    }

    /// Sizes the buffers for `engine`; allocates only when they do not fit.
    #[inline]
    pub(crate) fn fit(&mut self, engine: &Engine) {
        if self.fitted != engine.id {
            self.fit_anew(engine);
        }
    }

    #[cold]
    fn fit_anew(&mut self, engine: &Engine) {
        self.fitted = engine.id;
        let program = &engine.program;
        let machine = engine.machine.program();
        self.values.resize(engine.schema().len(), f64::NAN);
        self.bits.resize(program.words(), 0);
        let depth = program.stack_depth().max(machine.stack_depth());
        self.stack.reserve(depth.saturating_sub(self.stack.len()));
        engine.classifier.fit(&mut self.classified);
        self.ranking.fit(&engine.catalog);
        self.journey_values
            .resize(engine.machine.schema().len(), f64::NAN);
        self.journey_bits.resize(machine.words(), 0);
        self.overlay
            .reserve(engine.deriver.len().saturating_sub(self.overlay.len()));
        self.visited.resize(engine.model().len(), false);
    }
}

//! The columnar path: many customers at once, from one [`Column`] per
//! signal, 64 customers (lanes) at a time.
//!
//! Each atom is evaluated over 64 lanes into one 64-bit mask, each rule and
//! tag over those masks (the `first` hit policy keeps a mask of the lanes
//! still open), so the work per rule is shared by 64 customers. The masks
//! are then turned around (a 64 × 64 bit transpose) into each customer's
//! fired rules and atom bits, from which the evidence, the stage, the
//! confidence and, for [`Engine::decide_batch`], the actions follow as on
//! the single path, by the same code: the answers are the single path's,
//! field for field.
//!
//! [`Column`]: crate::Column

use std::fmt;

use crate::action::{ContactHistory, ContactLog, Customer, Fixed, Pick, RankBuffers};
use crate::bits::Ones;
use crate::compile::Lanes;
use crate::error::{Error, Location};
use crate::index::{StageIndex, TagIndex};
use crate::signal::Columns;
use crate::time::Timestamp;

use super::classifier::{Classification, PointSum};
use super::{Decision, Engine};

/// Caller-owned buffers for [`Engine::classify_batch`] and
/// [`Engine::decide_batch`], holding the batch's results until the next
/// call. Make one per thread with [`Engine::batch_scratch`] and reuse it:
/// after the first batch of a size, batches of that size or smaller
/// allocate nothing.
///
/// [`Engine::classify_batch`] has an example.
#[derive(Clone, Default)]
pub struct BatchScratch {
    /// The engine the buffers are fitted to ([`Engine::id`]).
    fitted: u64,
    /// Per signal, the values of the 64 customers being evaluated.
    lanes: Vec<Lanes>,
    /// Per atom, the lanes where it holds.
    atoms: Vec<u64>,
    /// Per rule, the lanes where it fired.
    rules: Vec<u64>,
    /// Per tag, the lanes that have it.
    tags: Vec<u64>,
    /// The stack of the postfix formulas over lanes.
    lane_stack: Vec<u64>,
    /// Per lane, its atom bits (the transpose of `atoms`).
    atom_bits: Vec<u64>,
    /// Per lane, its tags as bits (the transpose of `tags`).
    tag_bits: Vec<u64>,
    /// One customer's signal values, for host scorers and actions.
    row: Vec<f64>,
    /// The stack of the postfix formulas over one customer's atom bits.
    stack: Vec<bool>,
    ranking: RankBuffers,
    results: Results,
}

impl fmt::Debug for BatchScratch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchScratch")
            .field("customers", &self.results.len)
            .finish_non_exhaustive()
    }
}

/// The answers for every customer of a batch, in flat arrays.
#[derive(Debug, Clone, Default)]
struct Results {
    len: usize,
    /// Words of fired-rule bits per customer.
    rule_words: usize,
    fired: Vec<u64>,
    /// Stages per customer.
    stages: usize,
    evidence: Vec<f64>,
    /// Tags per customer at most.
    tag_slots: usize,
    tags: Vec<TagIndex>,
    tag_counts: Vec<usize>,
    stage: Vec<StageIndex>,
    confidence: Vec<f64>,
    /// Suggestions per customer at most.
    pick_slots: usize,
    picks: Vec<Pick>,
    pick_counts: Vec<usize>,
}

/// The decisions of a batch, one per customer in column order: each the
/// [`Decision`] the single path gives for that customer. Borrowed from the
/// [`BatchScratch`].
///
/// [`Engine::classify_batch`] has an example.
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    engine: &'a Engine,
    results: &'a Results,
}

impl fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> Batch<'a> {
    /// The number of customers.
    ///
    /// ```
    /// use buyer_journey::{models, Columns, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.batch_scratch();
    /// let batch = engine.classify_batch(&Columns::new(engine.schema(), 5), &mut scratch)?;
    /// assert_eq!(batch.len(), 5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.results.len
    }

    /// Whether the batch has no customer.
    ///
    /// ```
    /// use buyer_journey::{models, Columns, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut scratch = engine.batch_scratch();
    /// assert!(engine.classify_batch(&Columns::new(engine.schema(), 0), &mut scratch)?.is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.results.len == 0
    }

    /// The decision for customer `i` (in column order), if the batch has
    /// one.
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut columns = Columns::new(engine.schema(), 2);
    /// columns.set("comparisons", Column::f64(&[f64::NAN, 2.0]))?;
    /// let mut scratch = engine.batch_scratch();
    /// let batch = engine.classify_batch(&columns, &mut scratch)?;
    /// assert_eq!(batch.get(1).unwrap().stage().id(), "evaluation");
    /// assert!(batch.get(2).is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn get(&self, i: usize) -> Option<Decision<'a>> {
        (i < self.len()).then(|| self.at(i))
    }

    /// The decision for customer `i`, which the batch has.
    fn at(&self, i: usize) -> Decision<'a> {
        let r = self.results;
        let stage = r.stage[i];
        Decision {
            engine: self.engine,
            classified: Classification {
                fired: &r.fired[i * r.rule_words..(i + 1) * r.rule_words],
                evidence: &r.evidence[i * r.stages..(i + 1) * r.stages],
                tags: &r.tags[i * r.tag_slots..i * r.tag_slots + r.tag_counts[i]],
                stage,
                confidence: r.confidence[i],
            },
            picks: &r.picks[i * r.pick_slots..i * r.pick_slots + r.pick_counts[i]],
            stage,
        }
    }

    /// The decisions, in column order.
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let mut columns = Columns::new(engine.schema(), 3);
    /// columns.set("purchases", Column::u32(&[0, 1, 2]))?;
    /// let mut scratch = engine.batch_scratch();
    /// let batch = engine.classify_batch(&columns, &mut scratch)?;
    /// let returning = batch.iter().filter(|d| d.has_tag("returning")).count();
    /// assert_eq!(returning, 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Decision<'a>> + 'a {
        let batch = *self;
        (0..self.len()).map(move |i| batch.at(i))
    }
}

impl Engine {
    /// Buffers for [`classify_batch`](Engine::classify_batch) and
    /// [`decide_batch`](Engine::decide_batch), sized for this engine.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let scratch = engine.batch_scratch();
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn batch_scratch(&self) -> BatchScratch {
        let mut scratch = BatchScratch::default();
        self.fit_batch(&mut scratch);
        scratch
    }

    /// Classifies a batch of customers, given as columns: for each, what
    /// [`classify`](Engine::classify) gives, field for field, computed 64
    /// customers at a time: each comparison over 64 customers in one 64-bit
    /// mask, each rule and tag over the masks, then each customer's evidence,
    /// stage and confidence. The decisions rank no actions.
    ///
    /// Allocates nothing once `scratch` has held a batch this large.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) when the columns
    /// were made for a schema laid out otherwise than the engine's (other
    /// signals, or in another order), located at `columns`.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// // Four customers; the third's comparisons are null (validity bit 2
    /// // clear), so only the fourth is comparing offers.
    /// let reviews = [0.0, 3.0, 1.0, 0.0];
    /// let comparisons = [0.0, 0.0, 5.0, 2.0];
    /// let mut columns = Columns::new(engine.schema(), 4);
    /// columns.set("reviews_read", Column::f64(&reviews))?;
    /// columns.set("comparisons", Column::f64(&comparisons).with_validity(&[0b1011], 0)?)?;
    ///
    /// let mut scratch = engine.batch_scratch();
    /// let batch = engine.classify_batch(&columns, &mut scratch)?;
    /// let stages: Vec<&str> = batch.iter().map(|d| d.stage().id()).collect();
    /// assert_eq!(stages, ["need_recognition", "information_search", "information_search", "evaluation"]);
    ///
    /// // Each is the single path's decision.
    /// let mut single = engine.scratch();
    /// let mut third = engine.record();
    /// third.set("reviews_read", 1)?;
    /// assert_eq!(batch.get(2).unwrap().to_record(), engine.classify(&third, &mut single).to_record());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn classify_batch<'a>(
        &'a self,
        columns: &Columns<'_>,
        scratch: &'a mut BatchScratch,
    ) -> Result<Batch<'a>, Error> {
        self.run_batch(columns, None::<(&[ContactLog], Timestamp)>, scratch)
    }

    /// Decides for a batch of customers, given as columns, each with its
    /// contact history (`histories[i]` for customer `i`): for each, what
    /// [`decide`](Engine::decide) gives, field for field. The classification
    /// runs 64 customers at a time; the actions are ranked customer by
    /// customer, as `decide` ranks them.
    ///
    /// Allocates nothing once `scratch` has held a batch this large, provided
    /// the histories and the action scorer do not allocate.
    ///
    /// # Errors
    ///
    /// As [`classify_batch`](Engine::classify_batch), and
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) when there are not
    /// as many histories as customers, located at `histories`.
    ///
    /// # Example
    ///
    /// ```
    /// use buyer_journey::{models, Column, Columns, ContactLog, Engine, Timestamp};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let now = Timestamp::from_unix_seconds(1_700_000_000);
    /// let mut columns = Columns::new(engine.schema(), 2);
    /// columns.set("purchases", Column::u32(&[1, 1]))?;
    /// columns.set("open_complaints", Column::u32(&[0, 1]))?;
    /// let histories = vec![ContactLog::new(); 2];
    ///
    /// let mut scratch = engine.batch_scratch();
    /// let batch = engine.decide_batch(&columns, &histories, now, &mut scratch)?;
    /// let first = batch.get(1).unwrap().actions().next().unwrap();
    /// assert_eq!(first.kind(), "complaint_resolution");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn decide_batch<'a, H: ContactHistory>(
        &'a self,
        columns: &Columns<'_>,
        histories: &[H],
        now: Timestamp,
        scratch: &'a mut BatchScratch,
    ) -> Result<Batch<'a>, Error> {
        if histories.len() != columns.len() {
            return Err(Error::invalid(
                Location::new("histories"),
                format!(
                    "{} histories for {} customers: one per customer",
                    histories.len(),
                    columns.len()
                ),
            ));
        }
        self.run_batch(columns, Some((histories, now)), scratch)
    }

    fn run_batch<'a, H: ContactHistory>(
        &'a self,
        columns: &Columns<'_>,
        decide: Option<(&[H], Timestamp)>,
        scratch: &'a mut BatchScratch,
    ) -> Result<Batch<'a>, Error> {
        if !self.schema().same_layout(columns.schema()) {
            return Err(Error::invalid(
                Location::new("columns"),
                "the columns were made for another schema: make them with the engine's".to_owned(),
            ));
        }
        self.fit_batch(scratch);
        if !scratch.results.fits(columns.len()) {
            return Err(Error::invalid(
                Location::new("columns"),
                format!(
                    "a batch of {} customers is more than this machine can address the results of: \
                     split it",
                    columns.len()
                ),
            ));
        }
        scratch.results.resize(columns.len());
        let mut start = 0;
        while start < columns.len() {
            let count = (columns.len() - start).min(64);
            self.run_lanes(columns, start, count, decide, scratch);
            start += count;
        }
        Ok(Batch {
            engine: self,
            results: &scratch.results,
        })
    }

    /// Customers `start..start + count` (at most 64), into the results.
    fn run_lanes<H: ContactHistory>(
        &self,
        columns: &Columns<'_>,
        start: usize,
        count: usize,
        decide: Option<(&[H], Timestamp)>,
        scratch: &mut BatchScratch,
    ) {
        let live = if count == 64 { !0 } else { (1u64 << count) - 1 };
        columns.load(start, count, &mut scratch.lanes);
        self.program
            .eval_atoms_lanes(&scratch.lanes, &mut scratch.atoms);
        self.classifier.classify_lanes(
            &self.program,
            &scratch.atoms,
            live,
            &mut scratch.lane_stack,
            &mut scratch.rules,
            &mut scratch.tags,
        );
        let BatchScratch {
            lanes,
            atoms,
            rules,
            tags,
            atom_bits,
            tag_bits,
            row,
            stack,
            ranking,
            results,
            ..
        } = scratch;
        let rule_words = results.rule_words;
        // Each customer's fired rules go straight into the results.
        let fired_bits = &mut results.fired[start * rule_words..(start + count) * rule_words];
        transpose(rules, fired_bits, rule_words);
        let tag_words = tags.len().div_ceil(64);
        transpose(tags, tag_bits, tag_words);
        let atom_words = atoms.len().div_ceil(64);
        if decide.is_some() {
            transpose(atoms, atom_bits, atom_words);
        }
        let reads_values = decide.is_some() || self.classifier.has_host_scorers();
        // The evidence of all 64 lanes at once, where the points allow it.
        let counted = match self.classifier.point_sums() {
            Some(sums) => {
                let stages = results.stages;
                let evidence = &mut results.evidence[start * stages..(start + count) * stages];
                evidence_lanes(sums, rules, stages, evidence);
                true
            }
            None => false,
        };
        for lane in 0..count {
            let i = start + lane;
            if reads_values {
                for (value, signal) in row.iter_mut().zip(lanes.iter()) {
                    *value = signal[lane];
                }
            }
            let fired = &results.fired[i * rule_words..(i + 1) * rule_words];
            let evidence = &mut results.evidence[i * results.stages..(i + 1) * results.stages];
            let (stage, confidence) = if counted {
                self.classifier.decide_from(fired, evidence)
            } else {
                self.classifier.decide_parts(row, fired, evidence, true)
            };
            results.stage[i] = stage;
            results.confidence[i] = confidence;
            let own_tags = &mut results.tags[i * results.tag_slots..(i + 1) * results.tag_slots];
            let mut tagged = 0;
            for tag in Ones::new(&tag_bits[lane * tag_words..(lane + 1) * tag_words]) {
                own_tags[tagged] = TagIndex::new(tag);
                tagged += 1;
            }
            results.tag_counts[i] = tagged;
            results.pick_counts[i] = 0;
            if let Some((histories, now)) = decide {
                let signals = self.classifier.score_input(row, fired);
                let customer = Customer {
                    signals: &signals,
                    stage: self.stage_at(stage),
                    tags: &own_tags[..tagged],
                    all_tags: self.classifier.tags(),
                    program: &self.program,
                    bits: &atom_bits[lane * atom_words..(lane + 1) * atom_words],
                };
                self.catalog.rank(
                    self.action_scorer.as_deref(),
                    &Fixed,
                    &customer,
                    &histories[i],
                    now,
                    stack,
                    ranking,
                );
                let picks = &ranking.picks[..ranking.picks.len().min(results.pick_slots)];
                results.picks[i * results.pick_slots..][..picks.len()].copy_from_slice(picks);
                results.pick_counts[i] = picks.len();
            }
        }
    }

    /// Sizes `scratch` for this engine; allocates only when it was fitted to
    /// another.
    fn fit_batch(&self, scratch: &mut BatchScratch) {
        if scratch.fitted == self.id {
            return;
        }
        scratch.fitted = self.id;
        let rules = self.classifier.rules().len();
        let tags = self.classifier.tags().len();
        // A mask per bit of the atom words, unused bits included.
        let atoms = 64 * self.program.words();
        scratch.lanes.resize(self.schema().len(), [f64::NAN; 64]);
        scratch.atoms.resize(atoms, 0);
        scratch.rules.resize(rules, 0);
        scratch.tags.resize(tags, 0);
        scratch.lane_stack = Vec::with_capacity(self.program.stack_depth());
        scratch.stack = Vec::with_capacity(self.program.stack_depth());
        scratch.atom_bits.resize(64 * atoms.div_ceil(64), 0);
        scratch.tag_bits.resize(64 * tags.div_ceil(64), 0);
        scratch.row.resize(self.schema().len(), f64::NAN);
        scratch.ranking.fit(&self.catalog);
        let results = &mut scratch.results;
        *results = Results {
            rule_words: rules.div_ceil(64),
            stages: self.model().len(),
            tag_slots: tags,
            pick_slots: self.arbitration().max_suggestions,
            ..Results::default()
        };
    }
}

impl Results {
    /// Whether the results of `len` customers fit in memory's address space.
    fn fits(&self, len: usize) -> bool {
        use std::mem::size_of;
        let per_customer = size_of::<u64>() * self.rule_words
            + size_of::<f64>() * (self.stages + 1)
            + size_of::<TagIndex>() * self.tag_slots
            + size_of::<Pick>() * self.pick_slots
            + size_of::<usize>() * 2
            + size_of::<StageIndex>();
        len.checked_mul(per_customer)
            .is_some_and(|bytes| isize::try_from(bytes).is_ok())
    }

    /// Room for `len` customers (that [`fits`](Results::fits)); allocates
    /// only to grow.
    fn resize(&mut self, len: usize) {
        self.len = len;
        self.fired.resize(len * self.rule_words, 0);
        self.evidence.resize(len * self.stages, 0.0);
        self.tags.resize(len * self.tag_slots, TagIndex::new(0));
        self.tag_counts.resize(len, 0);
        self.stage.resize(len, StageIndex::new(0));
        self.confidence.resize(len, 0.0);
        self.picks.resize(
            len * self.pick_slots,
            Pick {
                action: crate::index::ActionIndex::new(0),
                priority: 0.0,
                propensity: 0.0,
                rule: None,
            },
        );
        self.pick_counts.resize(len, 0);
    }
}

/// The evidence of each lane (`evidence[lane * stages + stage]`, for the
/// lanes `evidence` holds) from the lanes where each rule fired (`rules`):
/// for each sum of equal points, a bit-sliced counter of the rules that
/// fired per lane (plane `b` holds bit `b` of every lane's count), turned
/// around into each lane's count, times the points.
fn evidence_lanes(sums: &[PointSum], rules: &[u64], stages: usize, evidence: &mut [f64]) {
    evidence.fill(0.0);
    let mut planes = [0u64; 64];
    for sum in sums {
        planes.fill(0);
        for &rule in &sum.rules {
            let mut carry = rules.get(rule).copied().unwrap_or(0);
            for plane in &mut planes {
                if carry == 0 {
                    break;
                }
                (*plane, carry) = (*plane ^ carry, *plane & carry);
            }
        }
        transpose_block(&mut planes);
        for (lane, evidence) in evidence.chunks_exact_mut(stages).enumerate() {
            // Counts of rules are far below 2^53: exact as `f64`.
            #[allow(clippy::cast_precision_loss)]
            let count = planes[lane] as f64;
            if let Some(total) = evidence.get_mut(sum.stage) {
                *total += sum.points * count;
            }
        }
    }
}

/// Turns per-item lane masks around: `masks[r]` has bit `j` for lane `j`;
/// afterwards word `w` of lane `j` (`out[j * words + w]`) has bit `b` for
/// item `64 * w + b`.
fn transpose(masks: &[u64], out: &mut [u64], words: usize) {
    let mut block = [0u64; 64];
    for w in 0..words {
        block.fill(0);
        for (slot, &mask) in block.iter_mut().zip(masks.iter().skip(w * 64)) {
            *slot = mask;
        }
        transpose_block(&mut block);
        for (lane, &bits) in block.iter().enumerate() {
            if let Some(slot) = out.get_mut(lane * words + w) {
                *slot = bits;
            }
        }
    }
}

/// Transposes a 64 × 64 bit matrix in place: afterwards bit `c` of row `r`
/// is what bit `r` of row `c` was. Six rounds of swapping ever smaller
/// blocks.
fn transpose_block(rows: &mut [u64; 64]) {
    let mut width = 32;
    let mut mask: u64 = 0x0000_0000_FFFF_FFFF;
    while width != 0 {
        let mut r = 0;
        while r < 64 {
            for k in r..r + width {
                // Swap the high `width` bits of each lower row's blocks with
                // the low bits of the row `width` further on.
                let t = ((rows[k] >> width) ^ rows[k + width]) & mask;
                rows[k] ^= t << width;
                rows[k + width] ^= t;
            }
            r += 2 * width;
        }
        width /= 2;
        mask ^= mask << width;
    }
}

#[cfg(test)]
mod tests {
    use super::transpose_block;

    #[test]
    fn transposing_a_block_swaps_rows_and_columns() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut rows = [0u64; 64];
        for row in &mut rows {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *row = state;
        }
        let before = rows;
        transpose_block(&mut rows);
        for (r, row) in rows.iter().enumerate() {
            for (c, column) in before.iter().enumerate() {
                assert_eq!(row >> c & 1, column >> r & 1, "row {r}, column {c}");
            }
        }
    }
}

//! The built-in buying-process model written by hand, as plain Rust over
//! dense values (NaN = missing): its stage rules and tags, its actions with
//! an empty contact history, and its transitions. The baselines the
//! `classify` and `observe` benches measure the engine against, and check
//! it with, customer by customer; each includes this module.
//!
//! The signals are the built-in schema's, in declaration order
//! ([`SIGNALS`]); every function takes them as `[f64; 16]`.

use buyer_journey::{Engine, SignalRecord};

/// The built-in schema's signals, in declaration order.
pub(crate) const SIGNALS: [&str; 16] = [
    "need_searches",
    "category_views",
    "info_page_views",
    "reviews_read",
    "recommendations_sought",
    "brochures_downloaded",
    "comparisons",
    "sales_contacts",
    "quote_requests",
    "cart_adds",
    "checkout_starts",
    "purchases",
    "days_since_purchase",
    "open_tickets",
    "open_complaints",
    "satisfaction",
];

/// A small deterministic generator, so every run sees the same customers.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A record of `engine`'s schema holding `values`.
pub(crate) fn record(engine: &Engine, values: &[f64; 16]) -> SignalRecord {
    let mut record = engine.record();
    for (name, value) in SIGNALS.iter().zip(values) {
        if !value.is_nan() {
            record
                .set(name, *value)
                .expect("generated values fit the schema");
        }
    }
    record
}

/// The built-in model's rules and tags written by hand: evidence per stage
/// (one point per rule that holds), the furthest stage with evidence, the
/// share of evidence that supports it, and the tags as bits in declaration
/// order. A comparison with a missing value (NaN) is false, as in the engine.
pub(crate) fn baseline(c: &[f64; 16]) -> (usize, f64, u8) {
    let at_least_one = |i: usize| u8::from(c[i] >= 1.0);
    let need = at_least_one(0) + at_least_one(1);
    let research = at_least_one(2) + at_least_one(3) + at_least_one(4) + at_least_one(5);
    let weighing = at_least_one(6) + at_least_one(7) + at_least_one(8);
    let buying = at_least_one(9) + at_least_one(10);
    let active = need + research + weighing + buying > 0;
    let bought = c[11] >= 1.0;
    let owning = u8::from(bought && !active)
        + u8::from(bought && c[14] >= 1.0)
        + u8::from(bought && c[13] >= 1.0);
    let (purchases, days, satisfaction) = (c[11], c[12], c[15]);
    let tags = [
        !bought,
        purchases == 1.0,
        purchases >= 2.0,
        purchases >= 5.0 || (purchases >= 3.0 && satisfaction >= 8.0),
        bought && (satisfaction <= 4.0 || days >= 180.0),
        c[14] >= 1.0,
        c[13] >= 1.0,
        satisfaction >= 8.0,
    ]
    .iter()
    .enumerate()
    .fold(0u8, |bits, (i, &has)| bits | (u8::from(has) << i));
    let evidence = [need, research, weighing, buying, owning];
    let total: u8 = evidence.iter().sum();
    match evidence.iter().rposition(|&points| points > 0) {
        Some(stage) => (stage, f64::from(evidence[stage]) / f64::from(total), tags),
        None => (0, 0.0, tags),
    }
}

// The tags of [`baseline`] as bits, in declaration order (bit 0,
// `prospect`, is not used by the catalog).
const NEW: u8 = 1 << 1;
const RETURNING: u8 = 1 << 2;
const LOYAL: u8 = 1 << 3;
const AT_RISK: u8 = 1 << 4;
const COMPLAINING: u8 = 1 << 5;
const HAS_QUESTION: u8 = 1 << 6;
const SATISFIED: u8 = 1 << 7;

// The groups of the built-in catalog (each action's kind, as none sets a
// group), numbered so that a set of them fits in a `u16`.
const EDUCATION: u8 = 0;
const CONTENT: u8 = 1;
const SOCIAL_PROOF: u8 = 2;
const VALUE_PROPOSITION: u8 = 3;
const CONSULTATION: u8 = 4;
const DEMO: u8 = 5;
const SALES_PITCH: u8 = 6;
const CHECKOUT_ASSIST: u8 = 7;
const SUPPORT: u8 = 8;
const COMPLAINT_RESOLUTION: u8 = 9;
const ONBOARDING: u8 = 10;
const LOYALTY: u8 = 11;
const CROSS_SELL: u8 = 12;

/// The eligible actions of one customer's stage, kept sorted by priority
/// (highest first, ties in catalog order) as they are offered: an insertion
/// sort into a fixed array as wide as the widest stage (post-purchase, nine
/// actions).
struct Candidates {
    /// Catalog index, group, priority.
    ranked: [(u8, u8, f64); 9],
    len: usize,
}

impl Candidates {
    fn new() -> Self {
        Candidates {
            ranked: [(0, 0, 0.0); 9],
            len: 0,
        }
    }

    /// Offers the action at catalog `index` (offered in catalog order) with
    /// priority propensity × value × weight; priority 0 is never suggested.
    fn offer(&mut self, index: u8, group: u8, propensity: f64, value: f64, weight: f64) {
        let priority = propensity * value * weight;
        if priority <= 0.0 {
            return;
        }
        let mut at = self.len;
        while at > 0 && self.ranked[at - 1].2 < priority {
            self.ranked[at] = self.ranked[at - 1];
            at -= 1;
        }
        self.ranked[at] = (index, group, priority);
        self.len += 1;
    }

    /// The best three, at most one per group: catalog index and priority,
    /// and how many there are.
    fn top(&self) -> ([(u8, f64); 3], usize) {
        let mut top = [(0, 0.0); 3];
        let mut count = 0;
        let mut groups = 0u16;
        for &(index, group, priority) in &self.ranked[..self.len] {
            if groups & (1 << group) == 0 {
                groups |= 1 << group;
                top[count] = (index, priority);
                count += 1;
                if count == top.len() {
                    break;
                }
            }
        }
        (top, count)
    }
}

/// `decide` on the built-in model with an empty contact history, written by
/// hand: the stage of [`baseline`], then its actions, as
/// [`baseline_decide_in`] ranks them.
pub(crate) fn baseline_decide(c: &[f64; 16]) -> (usize, [(u8, f64); 3], usize) {
    let (stage, _, tags) = baseline(c);
    let (top, count) = baseline_decide_in(stage, tags, c);
    (stage, top, count)
}

/// `decide_in` on the built-in model with an empty contact history, written
/// by hand: the catalog's actions of `stage` (an index in model order) in
/// catalog order, each with its required and excluded tags (`tags` as
/// [`baseline`] gives them), its condition, its propensity rules (the first
/// that holds, else the base propensity), its value and weight; the best
/// three of different groups, as catalog indices with their priorities, and
/// how many there are. Every contact policy allows every action when
/// nothing was shown or dismissed, and every stage has a regular action
/// without conditions, so no fallback is ever needed. As in the engine, a
/// comparison with a missing value (NaN) is false, so `not (x >= 1)` holds
/// when `x` is missing.
// `!(x >= 1.0)` is meant: it holds when `x` is missing, as `not (x >= 1)` does.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub(crate) fn baseline_decide_in(stage: usize, tags: u8, c: &[f64; 16]) -> ([(u8, f64); 3], usize) {
    let has = |tag: u8| tags & tag != 0;
    let mut candidates = Candidates::new();
    match stage {
        0 => {
            let overview = if c[1] >= 3.0 { 0.75 } else { 0.6 };
            candidates.offer(0, EDUCATION, overview, 20.0, 1.0);
            let guide = if c[0] >= 1.0 { 0.7 } else { 0.5 };
            candidates.offer(1, CONTENT, guide, 15.0, 1.0);
            candidates.offer(2, SOCIAL_PROOF, 0.4, 10.0, 1.0);
        }
        1 => {
            let reviews = if c[3] >= 3.0 { 0.8 } else { 0.6 };
            candidates.offer(3, SOCIAL_PROOF, reviews, 25.0, 1.0);
            let friend = if c[4] >= 1.0 { 0.85 } else { 0.3 };
            candidates.offer(4, SOCIAL_PROOF, friend, 25.0, 1.0);
            let guide = if c[2] >= 3.0 { 0.75 } else { 0.6 };
            candidates.offer(5, CONTENT, guide, 20.0, 1.0);
            if !(c[5] >= 1.0) {
                candidates.offer(6, CONTENT, 0.5, 15.0, 1.0);
            }
            candidates.offer(7, VALUE_PROPOSITION, 0.4, 20.0, 1.0);
        }
        2 => {
            let advisor = if c[7] >= 1.0 || c[8] >= 1.0 { 0.7 } else { 0.5 };
            candidates.offer(8, CONSULTATION, advisor, 60.0, 1.0);
            let value = if c[6] >= 2.0 { 0.7 } else { 0.5 };
            candidates.offer(9, VALUE_PROPOSITION, value, 40.0, 1.0);
            let demo = if c[6] >= 1.0 { 0.6 } else { 0.4 };
            candidates.offer(10, DEMO, demo, 45.0, 1.0);
            candidates.offer(11, SOCIAL_PROOF, 0.5, 20.0, 1.0);
            if !has(COMPLAINING) {
                candidates.offer(12, SALES_PITCH, 0.2, 50.0, 1.0);
            }
        }
        3 => {
            let checkout = if c[10] >= 1.0 { 0.8 } else { 0.6 };
            candidates.offer(13, CHECKOUT_ASSIST, checkout, 80.0, 1.0);
            if c[9] >= 1.0 && !(c[10] >= 1.0) {
                candidates.offer(14, CHECKOUT_ASSIST, 0.5, 30.0, 1.0);
            }
            candidates.offer(15, SUPPORT, 0.5, 40.0, 1.0);
            candidates.offer(16, VALUE_PROPOSITION, 0.5, 30.0, 1.0);
            if !has(COMPLAINING) {
                candidates.offer(17, SALES_PITCH, 0.3, 35.0, 1.0);
            }
        }
        _ => {
            if has(COMPLAINING) {
                candidates.offer(18, COMPLAINT_RESOLUTION, 0.9, 100.0, 1.0);
            }
            if has(HAS_QUESTION) {
                candidates.offer(19, SUPPORT, 0.9, 70.0, 1.0);
            }
            if has(AT_RISK) && !has(COMPLAINING) {
                candidates.offer(20, SUPPORT, 0.5, 55.0, 1.0);
            }
            if has(NEW) && !has(COMPLAINING) {
                candidates.offer(21, ONBOARDING, 0.7, 50.0, 1.0);
            }
            if has(LOYAL) && !has(COMPLAINING) {
                candidates.offer(22, LOYALTY, 0.6, 60.0, 1.0);
            }
            if has(RETURNING) && !has(COMPLAINING | AT_RISK) {
                let cross_sell = if c[15] >= 8.0 { 0.6 } else { 0.4 };
                candidates.offer(23, CROSS_SELL, cross_sell, 45.0, 1.0);
            }
            if has(NEW) && !has(COMPLAINING | AT_RISK) {
                candidates.offer(24, CROSS_SELL, 0.3, 30.0, 1.0);
            }
            if has(SATISFIED) && !has(COMPLAINING) {
                candidates.offer(25, SOCIAL_PROOF, 0.5, 20.0, 1.0);
            }
            candidates.offer(26, CONTENT, 0.5, 15.0, 1.0);
        }
    }
    candidates.top()
}

/// A stored journey state as a hand-written program would keep it: stage
/// indices instead of ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlainState {
    pub(crate) stage: u8,
    pub(crate) entered: i64,
    pub(crate) previous: Option<u8>,
    pub(crate) cycles: u32,
}

/// The built-in transitions written by hand, settled as `advance` settles:
/// the new state, and the indices (in declaration order) of the rules that
/// moved the customer, in order. Out of every stage but `post_purchase`, to
/// the furthest later stage with evidence (the stage rules of
/// [`baseline`]), where no forward rule fires any more, or, where the
/// stage's own evidence has expired and no later stage has any, back to
/// the furthest earlier stage with evidence (or the first); out of
/// `post_purchase` after 7 days, with no complaint or ticket open, to the
/// furthest earlier stage with evidence of more than one page view, as a new
/// cycle, and from `need_recognition` on to `information_search` at once if
/// there is evidence of research (a single page view is enough there). No
/// call makes more than these two moves: a new cycle goes to the furthest
/// stage with evidence but for research.
// `!(x >= 1.0)` is meant: it holds when `x` is missing, as `not (x >= 1)` does.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub(crate) fn baseline_advance(
    state: &PlainState,
    c: &[f64; 16],
    now: i64,
) -> (PlainState, [Option<u8>; 2]) {
    let any = |from: usize, to: usize| c[from..to].iter().any(|&v| v >= 1.0);
    let need = any(0, 2);
    let research = any(2, 6);
    let weighing = any(6, 9);
    let buying = any(9, 11);
    let bought = c[11] >= 1.0;
    let open = c[14] >= 1.0 || c[13] >= 1.0;
    let owning = bought && (!(need || research || weighing || buying) || open);
    let evidence = [need, research, weighing, buying, owning];
    #[allow(clippy::cast_possible_truncation)] // five stages, nine rules
    let moved = |from: &PlainState, to: usize, new_cycle: bool| PlainState {
        stage: to as u8,
        entered: now,
        previous: Some(from.stage),
        cycles: from.cycles.saturating_add(u32::from(new_cycle)),
    };
    let stage = usize::from(state.stage);
    if stage < 4 {
        if let Some(i) = evidence[stage + 1..].iter().rposition(|&has| has) {
            // forward.<stage> is rule stage - 1.
            #[allow(clippy::cast_possible_truncation)]
            return (
                moved(state, stage + 1 + i, false),
                [Some((stage + i) as u8), None],
            );
        }
        if stage == 0 || evidence[stage] {
            return (*state, [None, None]);
        }
        // The stage's evidence has expired: back to the furthest earlier
        // stage with evidence, or the first. back.<stage> is rule 4 + stage.
        let to = evidence[..stage].iter().rposition(|&has| has).unwrap_or(0);
        #[allow(clippy::cast_possible_truncation)]
        return (moved(state, to, false), [Some((4 + to) as u8), None]);
    }
    let in_stage = now.saturating_sub(state.entered).max(0);
    if in_stage < 7 * 86_400 || open {
        return (*state, [None, None]);
    }
    // One page view is not evidence of a new need after a purchase.
    let renewed = [
        c[0] >= 1.0 || c[1] >= 2.0,
        c[2] >= 2.0 || c[3] >= 2.0 || c[4] >= 1.0 || c[5] >= 1.0,
        weighing,
        buying,
    ];
    match renewed.iter().rposition(|&has| has) {
        // new_cycle.need_recognition (rule 7), then
        // forward.information_search (rule 0).
        Some(0) if research => (moved(&moved(state, 0, true), 1, false), [Some(7), Some(0)]),
        // new_cycle.<stage> is rule 7 + stage.
        #[allow(clippy::cast_possible_truncation)]
        Some(i) => (moved(state, i, true), [Some((7 + i) as u8), None]),
        None => (*state, [None, None]),
    }
}

//! A small decision table, the most common ruleset there is: five rows
//! under the `first` hit policy (the first row that holds decides, as in a
//! DMN decision table) over ten `number` signals, one row per stage of the
//! buying process. It measures what a host pays per customer on each way
//! into the engine, beside the table written by hand as an if-chain (the
//! thing to beat), on 100,000 generated customers, one thread, in one group
//! `table/five_rows`:
//!
//! - `baseline`: the five rows as a hand-written `if`/`else if` chain over
//!   plain values (NaN = missing, so a comparison with a missing value is
//!   false, as in the engine), returning the stage's index;
//! - `prefilled`: `Engine::classify` on `SignalRecord`s filled beforehand;
//! - `set_at`: one record reused for every customer, cleared and filled
//!   with `SignalRecord::set_at` (indices looked up once), then `classify`:
//!   the cost of filling a record is in the measurement;
//! - `host_struct`: `classify` on the host's own struct, which implements
//!   the `Signals` trait by matching signal ids, as its documentation shows;
//! - `equal_schema`: `classify` on records of a schema equal to the
//!   engine's but built separately (`spec.schema()?.record()`), which the
//!   engine copies in one go as it does its own records;
//! - `bound`: the host's struct bound to the schema once
//!   (`SignalFields`, `Schema::bind`): one call per customer writes its
//!   fields, then `classify`;
//! - `batch`: `Engine::classify_batch` on the customers as ten `f64`
//!   columns, in batches of 4,096, reading each customer's stage.
//!
//! Before timing, every way must give the baseline's stage for every
//! customer; `cargo bench -- --test` runs that check. A new way into the
//! engine is a new [`Variant`]: the check and the group pick it up.
//!
//! Run with `cargo bench --bench table`.

use std::hint::black_box;

use buyer_journey::{
    BatchScratch, Binding, Column, Columns, Engine, HitPolicy, RulesetSpec, Scratch, Signal,
    SignalFields, SignalIndex, SignalRecord, SignalSpec, Signals, StageRuleSpec, StageSpec, Value,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CUSTOMERS: usize = 100_000;

/// The table's signals, in schema order.
const SIGNALS: [&str; 10] = [
    "visits",
    "page_views",
    "minutes_on_site",
    "email_opens",
    "reviews_read",
    "comparisons",
    "cart_value",
    "days_since_visit",
    "orders",
    "days_since_order",
];

// The position of each signal in [`SIGNALS`].
const VISITS: usize = 0;
const PAGE_VIEWS: usize = 1;
const MINUTES_ON_SITE: usize = 2;
const EMAIL_OPENS: usize = 3;
const REVIEWS_READ: usize = 4;
const COMPARISONS: usize = 5;
const CART_VALUE: usize = 6;
const DAYS_SINCE_VISIT: usize = 7;
const ORDERS: usize = 8;
const DAYS_SINCE_ORDER: usize = 9;

/// The stages, in model order; the first is the entry stage.
const STAGES: [&str; 5] = [
    "need_recognition",
    "information_search",
    "evaluation",
    "purchase_decision",
    "post_purchase",
];

/// The table: the rows in the order they are tried, each with its stage.
const ROWS: [(&str, &str); 5] = [
    ("post_purchase", "orders >= 1 and days_since_order <= 90"),
    (
        "purchase_decision",
        "cart_value > 0 and days_since_visit <= 14",
    ),
    (
        "evaluation",
        "comparisons >= 1 or (page_views >= 20 and minutes_on_site >= 30)",
    ),
    (
        "information_search",
        "reviews_read >= 1 or email_opens >= 3",
    ),
    ("need_recognition", "visits >= 1"),
];

fn spec() -> RulesetSpec {
    let signals = SIGNALS.iter().map(|id| SignalSpec::number(id)).collect();
    let stages = STAGES.iter().map(|id| StageSpec::new(id, id, "")).collect();
    let mut spec = RulesetSpec::new(signals, stages);
    spec.hit_policy = HitPolicy::First;
    spec.stage_rules = ROWS
        .iter()
        .enumerate()
        .map(|(row, (stage, when))| StageRuleSpec::new(&format!("row_{}", row + 1), stage, *when))
        .collect();
    spec
}

/// A customer as plain values, in [`SIGNALS`] order; NaN is missing.
type Plain = [f64; 10];

/// The table written by hand: the stage's index in [`STAGES`]. A customer
/// no row holds for is in the entry stage, as the last row's are.
// The last row is written out, though its stage is the entry stage's: it is
// the table's.
#[allow(clippy::if_same_then_else)]
fn if_chain(c: &Plain) -> usize {
    if c[ORDERS] >= 1.0 && c[DAYS_SINCE_ORDER] <= 90.0 {
        4
    } else if c[CART_VALUE] > 0.0 && c[DAYS_SINCE_VISIT] <= 14.0 {
        3
    } else if c[COMPARISONS] >= 1.0 || (c[PAGE_VIEWS] >= 20.0 && c[MINUTES_ON_SITE] >= 30.0) {
        2
    } else if c[REVIEWS_READ] >= 1.0 || c[EMAIL_OPENS] >= 3.0 {
        1
    } else if c[VISITS] >= 1.0 {
        0
    } else {
        0
    }
}

/// A small deterministic generator, so every run sees the same customers.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }

    /// A whole number in `0..=max`, for a small `max`.
    fn upto(&mut self, max: u64) -> f64 {
        (self.next() % (max + 1)) as f64
    }
}

/// Customers of every stage: each signal missing about one time in twelve,
/// activity often zero, a cart and an order now and then.
fn customers() -> Vec<Plain> {
    let mut random = XorShift(0x2545_F491_4F6C_DD1D);
    (0..CUSTOMERS)
        .map(|_| {
            let mut c: Plain = [0.0; 10];
            if random.one_in(6) {
                c[COMPARISONS] = 1.0 + random.upto(2);
            }
            if random.one_in(4) {
                c[CART_VALUE] = 10.0 + random.upto(400) * 0.5;
            }
            if random.one_in(5) {
                c[ORDERS] = 1.0 + random.upto(3);
            }
            c[VISITS] = random.upto(12);
            c[PAGE_VIEWS] = random.upto(40);
            c[MINUTES_ON_SITE] = random.upto(60);
            c[EMAIL_OPENS] = random.upto(5);
            c[REVIEWS_READ] = random.upto(3);
            c[DAYS_SINCE_VISIT] = random.upto(30);
            c[DAYS_SINCE_ORDER] = random.upto(180);
            for value in &mut c {
                if random.one_in(12) {
                    *value = f64::NAN;
                }
            }
            c
        })
        .collect()
}

/// A host's own customer type, its signals as plain fields.
#[derive(Debug, Clone, Copy)]
struct HostCustomer {
    visits: Option<f64>,
    page_views: Option<f64>,
    minutes_on_site: Option<f64>,
    email_opens: Option<f64>,
    reviews_read: Option<f64>,
    comparisons: Option<f64>,
    cart_value: Option<f64>,
    days_since_visit: Option<f64>,
    orders: Option<f64>,
    days_since_order: Option<f64>,
}

impl HostCustomer {
    fn new(c: &Plain) -> Self {
        let get = |signal: usize| (!c[signal].is_nan()).then_some(c[signal]);
        HostCustomer {
            visits: get(VISITS),
            page_views: get(PAGE_VIEWS),
            minutes_on_site: get(MINUTES_ON_SITE),
            email_opens: get(EMAIL_OPENS),
            reviews_read: get(REVIEWS_READ),
            comparisons: get(COMPARISONS),
            cart_value: get(CART_VALUE),
            days_since_visit: get(DAYS_SINCE_VISIT),
            orders: get(ORDERS),
            days_since_order: get(DAYS_SINCE_ORDER),
        }
    }
}

impl Signals for HostCustomer {
    fn value(&self, signal: &Signal) -> Option<Value<'_>> {
        let value = match signal.id() {
            "visits" => self.visits,
            "page_views" => self.page_views,
            "minutes_on_site" => self.minutes_on_site,
            "email_opens" => self.email_opens,
            "reviews_read" => self.reviews_read,
            "comparisons" => self.comparisons,
            "cart_value" => self.cart_value,
            "days_since_visit" => self.days_since_visit,
            "orders" => self.orders,
            "days_since_order" => self.days_since_order,
            _ => None,
        };
        value.map(Value::Number)
    }
}

impl SignalFields for HostCustomer {
    const SIGNALS: &'static [&'static str] = &SIGNALS;

    fn write_fields(&self, values: &mut [f64]) {
        let fields = [
            self.visits,
            self.page_views,
            self.minutes_on_site,
            self.email_opens,
            self.reviews_read,
            self.comparisons,
            self.cart_value,
            self.days_since_visit,
            self.orders,
            self.days_since_order,
        ];
        for (value, field) in values.iter_mut().zip(fields) {
            *value = field.unwrap_or(f64::NAN);
        }
    }
}

/// How many customers the batch path takes at a time.
const BATCH: usize = 4_096;

/// Everything the ways into the engine read, made before timing.
struct Fixture {
    engine: Engine,
    /// The engine's index of each of [`SIGNALS`].
    indices: [SignalIndex; 10],
    plain: Vec<Plain>,
    /// Records of the engine's own schema.
    records: Vec<SignalRecord>,
    hosts: Vec<HostCustomer>,
    /// Records of an equal schema built apart from the engine's.
    foreign: Vec<SignalRecord>,
    /// The customers as one column per signal, in [`SIGNALS`] order.
    columns: Vec<Vec<f64>>,
}

/// A thread's buffers: the scratch, the record `set_at` reuses, the
/// binding of the host struct and the batch's scratch.
struct Buffers {
    scratch: Scratch,
    record: SignalRecord,
    binding: Binding<HostCustomer>,
    batch: BatchScratch,
}

fn filled(mut record: SignalRecord, indices: &[SignalIndex; 10], c: &Plain) -> SignalRecord {
    fill(&mut record, indices, c);
    record
}

/// Clears `record` and sets the present values of `c`.
#[inline]
fn fill(record: &mut SignalRecord, indices: &[SignalIndex; 10], c: &Plain) {
    record.clear();
    for (&index, &value) in indices.iter().zip(c) {
        if !value.is_nan() {
            record
                .set_at(index, value)
                .expect("generated values fit the schema");
        }
    }
}

impl Fixture {
    fn new() -> Self {
        let engine = Engine::builder(spec())
            .build()
            .expect("the table is a valid ruleset");
        let indices = SIGNALS.map(|id| engine.schema().find(id).expect("declared").index());
        let plain = customers();
        let records = plain
            .iter()
            .map(|c| filled(engine.record(), &indices, c))
            .collect();
        let hosts = plain.iter().map(HostCustomer::new).collect();
        let apart = spec().schema().expect("a valid schema");
        assert_eq!(&apart, engine.schema(), "equal, though built apart");
        let apart_indices = SIGNALS.map(|id| apart.find(id).expect("declared").index());
        let foreign = plain
            .iter()
            .map(|c| filled(apart.record(), &apart_indices, c))
            .collect();
        let columns = (0..SIGNALS.len())
            .map(|signal| plain.iter().map(|c| c[signal]).collect())
            .collect();
        Fixture {
            engine,
            indices,
            plain,
            records,
            hosts,
            foreign,
            columns,
        }
    }

    fn buffers(&self) -> Buffers {
        Buffers {
            scratch: self.engine.scratch(),
            record: self.engine.record(),
            binding: self.engine.schema().bind().expect("the fields are signals"),
            batch: self.engine.batch_scratch(),
        }
    }
}

/// A way into the engine: each classifies every customer of the fixture.
#[derive(Debug, Clone, Copy)]
enum Variant {
    Prefilled,
    SetAt,
    HostStruct,
    EqualSchema,
    Bound,
    Batch,
}

impl Variant {
    const ALL: [Variant; 6] = [
        Variant::Prefilled,
        Variant::SetAt,
        Variant::HostStruct,
        Variant::EqualSchema,
        Variant::Bound,
        Variant::Batch,
    ];

    fn name(self) -> &'static str {
        match self {
            Variant::Prefilled => "prefilled",
            Variant::SetAt => "set_at",
            Variant::HostStruct => "host_struct",
            Variant::EqualSchema => "equal_schema",
            Variant::Bound => "bound",
            Variant::Batch => "batch",
        }
    }

    /// Classifies every customer, in order, giving each stage's index to
    /// `each`.
    #[inline]
    fn run(self, fixture: &Fixture, buffers: &mut Buffers, mut each: impl FnMut(usize)) {
        let engine = &fixture.engine;
        let scratch = &mut buffers.scratch;
        let stage = |decision: buyer_journey::Decision<'_>| decision.stage().index().as_usize();
        match self {
            Variant::Prefilled => {
                for record in &fixture.records {
                    each(stage(engine.classify(black_box(record), scratch)));
                }
            }
            Variant::SetAt => {
                let record = &mut buffers.record;
                for c in &fixture.plain {
                    fill(record, &fixture.indices, black_box(c));
                    each(stage(engine.classify(record, scratch)));
                }
            }
            Variant::HostStruct => {
                for host in &fixture.hosts {
                    each(stage(engine.classify(black_box(host), scratch)));
                }
            }
            Variant::EqualSchema => {
                for record in &fixture.foreign {
                    each(stage(engine.classify(black_box(record), scratch)));
                }
            }
            Variant::Bound => {
                let binding = &mut buffers.binding;
                for host in &fixture.hosts {
                    each(stage(
                        engine.classify(binding.read(black_box(host)), scratch),
                    ));
                }
            }
            Variant::Batch => {
                let mut start = 0;
                while start < CUSTOMERS {
                    let end = (start + BATCH).min(CUSTOMERS);
                    let mut columns = Columns::new(engine.schema(), end - start);
                    for (index, values) in fixture.indices.iter().zip(&fixture.columns) {
                        columns
                            .set_at(*index, Column::f64(black_box(&values[start..end])))
                            .expect("a column per signal");
                    }
                    let batch = engine
                        .classify_batch(&columns, &mut buffers.batch)
                        .expect("columns of the engine's schema");
                    for decision in batch.iter() {
                        each(stage(decision));
                    }
                    start = end;
                }
            }
        }
    }
}

fn bench_table(c: &mut Criterion) {
    let fixture = Fixture::new();
    let mut buffers = fixture.buffers();

    // The benchmark is only meaningful if every way gives the hand-written
    // table's stage, for every customer.
    let expected: Vec<usize> = fixture.plain.iter().map(if_chain).collect();
    let mut per_stage = [0; 5];
    for &stage in &expected {
        per_stage[stage] += 1;
    }
    // Every row decides for a good share of the customers.
    assert!(
        per_stage.iter().all(|&count| count * 20 > CUSTOMERS),
        "{per_stage:?}"
    );
    for variant in Variant::ALL {
        let mut stages = Vec::with_capacity(CUSTOMERS);
        variant.run(&fixture, &mut buffers, |stage| stages.push(stage));
        assert_eq!(stages.len(), CUSTOMERS, "{variant:?}");
        if let Some(i) = (0..CUSTOMERS).find(|&i| stages[i] != expected[i]) {
            panic!(
                "{}: customer {i} {:?} is in stage {}, the if-chain says {}",
                variant.name(),
                fixture.plain[i],
                stages[i],
                expected[i]
            );
        }
    }

    let mut group = c.benchmark_group("table/five_rows");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    // An iteration is every customer: milliseconds, not nanoseconds.
    group.sample_size(20);
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let mut stages = 0;
            for c in &fixture.plain {
                stages += if_chain(black_box(c));
            }
            stages
        });
    });
    for variant in Variant::ALL {
        group.bench_function(variant.name(), |b| {
            b.iter(|| {
                let mut stages = 0;
                variant.run(&fixture, &mut buffers, |stage| stages += stage);
                stages
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_table);
criterion_main!(benches);

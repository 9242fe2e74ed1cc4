//! Host structs bound to a schema ([`SignalFields`], [`Binding`]) and records
//! of equal schemas built apart: both reach the engine's dense layout in one
//! copy, and give the decisions a record filled signal by signal gives.

use buyer_journey::{models, Engine, Schema, SignalFields, SignalRecord, SignalSpec, Value};
use proptest::prelude::*;

/// Every kind, declared out of the schema's order.
struct Row {
    seats: f64,
    plan: f64,
    trial: f64,
    score: f64,
}

impl SignalFields for Row {
    const SIGNALS: &'static [&'static str] = &["seats", "plan", "trial", "score"];

    fn write_fields(&self, values: &mut [f64]) {
        values.copy_from_slice(&[self.seats, self.plan, self.trial, self.score]);
    }
}

fn schema() -> Schema {
    Schema::new(&[
        SignalSpec::number("score"),
        SignalSpec::flag("trial"),
        SignalSpec::category("plan", ["free", "pro", "team"]),
        SignalSpec::count("seats"),
        SignalSpec::count("unbound"),
    ])
    .unwrap()
}

/// What `SignalRecord::set` makes of the same values: a value it rejects is
/// missing.
fn expected(schema: &Schema, row: &Row) -> SignalRecord {
    let mut record = schema.record();
    let _ = record.set("score", row.score);
    if row.trial == 0.0 || row.trial == 1.0 {
        record.set("trial", row.trial == 1.0).unwrap();
    }
    for (position, label) in ["free", "pro", "team"].into_iter().enumerate() {
        if row.plan == position as f64 {
            record.set("plan", label).unwrap();
        }
    }
    let _ = record.set("seats", row.seats);
    record
}

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u8..5).prop_map(f64::from),
        Just(-0.0),
        Just(-1.0),
        Just(0.5),
        Just(2.5),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        any::<f64>(),
    ]
}

proptest! {
    #[test]
    fn a_bound_row_reads_as_the_checked_record_would_hold_it(
        seats in value(), plan in value(), trial in value(), score in value(),
    ) {
        let schema = schema();
        let mut binding = schema.bind::<Row>().unwrap();
        let row = Row { seats, plan, trial, score };
        let read = binding.read(&row).clone();
        prop_assert_eq!(&read, &expected(&schema, &row));
        prop_assert_eq!(read.get("unbound"), None);
    }
}

#[test]
fn reading_a_row_forgets_the_row_before() {
    let schema = schema();
    let mut binding = schema.bind::<Row>().unwrap();
    let full = Row {
        seats: 3.0,
        plan: 1.0,
        trial: 1.0,
        score: 0.5,
    };
    assert_eq!(binding.read(&full).get("plan"), Some(Value::Label("pro")));
    let empty = Row {
        seats: f64::NAN,
        plan: f64::NAN,
        trial: f64::NAN,
        score: f64::NAN,
    };
    assert!(binding.read(&empty).iter().next().is_none());
}

#[test]
fn binding_names_each_field_once() {
    struct Twice;
    impl SignalFields for Twice {
        const SIGNALS: &'static [&'static str] = &["seats", "plan", "seats"];
        fn write_fields(&self, _: &mut [f64]) {}
    }
    let err = schema().bind::<Twice>().unwrap_err();
    assert_eq!(err.to_string(), "SIGNALS[2]: signal 'seats' is named twice");
}

/// The built-in schema's signals in schema order: written straight into the
/// record.
struct Dense([f64; 16]);

impl SignalFields for Dense {
    const SIGNALS: &'static [&'static str] = &[
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

    fn write_fields(&self, values: &mut [f64]) {
        values.copy_from_slice(&self.0);
    }
}

proptest! {
    #[test]
    fn bound_rows_and_equal_schemas_decide_as_records_do(
        values in proptest::collection::vec(prop_oneof![Just(f64::NAN), (0u8..12).prop_map(f64::from)], 16),
    ) {
        let spec = models::buying_process();
        let engine = Engine::builder(spec.clone()).build().unwrap();
        let mut scratch = engine.scratch();
        let dense = Dense(values.clone().try_into().unwrap());

        let mut own = engine.record();
        for (id, value) in Dense::SIGNALS.iter().zip(&values) {
            if !value.is_nan() {
                own.set(id, *value).unwrap();
            }
        }
        let expected = engine.classify(&own, &mut scratch).to_record();

        let mut binding = engine.schema().bind::<Dense>().unwrap();
        prop_assert_eq!(&engine.classify(binding.read(&dense), &mut scratch).to_record(), &expected);

        // A record of an equal schema built apart, and a binding to it.
        let apart = spec.schema().unwrap();
        let mut other = apart.record();
        for (id, value) in Dense::SIGNALS.iter().zip(&values) {
            if !value.is_nan() {
                other.set(id, *value).unwrap();
            }
        }
        prop_assert_eq!(&engine.classify(&other, &mut scratch).to_record(), &expected);
        let mut binding = apart.bind::<Dense>().unwrap();
        prop_assert_eq!(&engine.classify(binding.read(&dense), &mut scratch).to_record(), &expected);
    }
}

/// A schema with the same ids in another order, or other labels, is not laid
/// out alike: its records are read signal by signal, by id, and still decide
/// alike.
#[test]
fn records_of_a_schema_laid_out_otherwise_are_read_by_id() {
    let mut spec = models::buying_process();
    let engine = Engine::builder(spec.clone()).build().unwrap();
    spec.signals.reverse();
    let reversed = spec.schema().unwrap();
    let mut scratch = engine.scratch();
    let mut theirs = reversed.record();
    let mut ours = engine.record();
    for record in [&mut theirs, &mut ours] {
        record.set("comparisons", 2).unwrap();
        record.set("purchases", 1).unwrap();
        record.set("open_complaints", 1).unwrap();
    }
    assert_eq!(
        engine.classify(&theirs, &mut scratch).to_record(),
        engine.classify(&ours, &mut scratch).to_record(),
    );
}

/// A record of an equal schema built apart takes the one-copy path: the
/// engine never asks for a value signal by signal.
#[test]
fn records_of_an_equal_schema_are_copied_in_one_go() {
    use buyer_journey::{Signal, Signals};
    use std::cell::Cell;

    struct Counted {
        record: SignalRecord,
        asked: Cell<usize>,
    }
    impl Signals for Counted {
        fn value(&self, signal: &Signal) -> Option<Value<'_>> {
            self.asked.set(self.asked.get() + 1);
            self.record.value(signal)
        }
        fn as_record(&self) -> Option<&SignalRecord> {
            Some(&self.record)
        }
    }

    let spec = models::buying_process();
    let engine = Engine::builder(spec.clone()).build().unwrap();
    let mut scratch = engine.scratch();
    let mut record = spec.schema().unwrap().record();
    record.set("comparisons", 2).unwrap();
    let equal = Counted {
        record,
        asked: Cell::new(0),
    };
    assert_eq!(
        engine.classify(&equal, &mut scratch).stage().id(),
        "evaluation"
    );
    assert_eq!(equal.asked.get(), 0);

    let mut reversed = spec.clone();
    reversed.signals.reverse();
    let mut record = reversed.schema().unwrap().record();
    record.set("comparisons", 2).unwrap();
    let other = Counted {
        record,
        asked: Cell::new(0),
    };
    assert_eq!(
        engine.classify(&other, &mut scratch).stage().id(),
        "evaluation"
    );
    assert_eq!(other.asked.get(), engine.schema().len());
}

/// Bad columns are clear errors that leave the columns as they were, and a
/// batch too large to address is an error, not a panic.
#[test]
fn bad_columns_and_batches_are_clear_errors() {
    use buyer_journey::{Column, Columns};

    let engine = Engine::builder(models::buying_process()).build().unwrap();
    let mut columns = Columns::new(engine.schema(), 3);
    let err = columns
        .set("purchases", Column::bits(&[0b101], 0, 3).unwrap())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "columns.purchases: a column of bits holds flags, and 'purchases' is a count"
    );
    let err = columns
        .set("purchase", Column::u32(&[1, 2, 3]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "columns: unknown signal 'purchase', did you mean 'purchases'?"
    );
    let err = Column::u32(&[1, 2, 3])
        .with_validity(&[0xff], 6)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "validity: the bitmap has 8 bits, fewer than offset 6 + 3 values"
    );
    // The failed sets changed nothing: every customer is still a newcomer.
    let mut scratch = engine.batch_scratch();
    let batch = engine.classify_batch(&columns, &mut scratch).unwrap();
    assert!(batch.iter().all(|d| d.stage().id() == "need_recognition"));

    let huge = Columns::new(engine.schema(), usize::MAX / 2);
    let err = engine.classify_batch(&huge, &mut scratch).unwrap_err();
    assert!(err.to_string().starts_with("columns: a batch of "), "{err}");
    let err = engine
        .decide_batch(
            &columns,
            &[buyer_journey::ContactLog::new()],
            buyer_journey::Timestamp::EPOCH,
            &mut scratch,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "histories: 1 histories for 3 customers: one per customer"
    );
}

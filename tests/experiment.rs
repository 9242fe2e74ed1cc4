//! Champion and challenger: the stable hash, the split of customers between
//! the arms, the experiment's decisions, the per-arm counts and the report
//! that compares the arms, checked against closed forms and against values
//! computed independently (Python's `math.erfc` and a Python rewrite of
//! the hash).

use std::sync::Arc;

use proptest::prelude::*;

use crate::support::{build, build_fails, record};
use buyer_journey::{
    daily_seed, models, stable_hash, Arm, ArmCounts, ArmDecisionRecord, ChallengerSpec, ContactLog,
    Document, Engine, ErrorKind, Experiment, ExperimentCounts, ExperimentReport, ExperimentStats,
    Position, Response, RulesetSpec, Split, StableHasher, Timestamp, Verdict, MIN_OUTCOMES,
};

// ---------------------------------------------------------------------------
// The hash
// ---------------------------------------------------------------------------

/// Values from an independent Python implementation of the documented
/// algorithm: if the algorithm changes, customers change arms, and this
/// test fails.
#[test]
fn known_hash_values_are_pinned() {
    assert_eq!(StableHasher::new().finish(), 0xf52a_15e9_a9b5_e89b);
    assert_eq!(stable_hash(&[""]), 0x813f_0174_a236_7c13);
    assert_eq!(stable_hash(&["a"]), 0xb2a8_1edc_870f_611d);
    assert_eq!(stable_hash(&["c-42"]), 0x0945_20fd_2b5b_5810);
    assert_eq!(stable_hash(&["spring-sale", "c-42"]), 0x4365_ff27_c607_b6c8);
    assert_eq!(
        StableHasher::new().str("c-42").i64(19_675).finish(),
        0x6719_5557_9239_33a5
    );
    assert_eq!(StableHasher::new().i64(-1).finish(), 0xd27a_7cc3_339b_bb50);
    assert_eq!(
        daily_seed("c-42", Timestamp::from_unix_seconds(1_700_000_000)),
        0x6719_5557_9239_33a5
    );
    // The bucket is the top 53 bits of the hash of the salt and the id.
    let split = Split::new(0.5, "spring-2026").unwrap();
    assert_eq!(split.bucket("c-42"), 0.385_973_716_536_676_45);
    assert_eq!(split.bucket("c-1"), 0.537_175_707_573_641_9);
    assert_eq!(
        (split.arm("c-42"), split.arm("c-1")),
        (Arm::Challenger, Arm::Champion)
    );
}

#[test]
fn days_before_the_epoch_count_down() {
    let just_before = Timestamp::from_unix_seconds(-1);
    assert_eq!(
        daily_seed("c", just_before),
        StableHasher::new().str("c").i64(-1).finish()
    );
    assert_ne!(
        daily_seed("c", just_before),
        daily_seed("c", Timestamp::EPOCH)
    );
}

// ---------------------------------------------------------------------------
// The split
// ---------------------------------------------------------------------------

fn ids(n: usize) -> impl Iterator<Item = String> {
    (0..n).map(|i| format!("customer-{i}"))
}

/// How many of `n` customers the split sends to the challenger.
fn challengers(split: &Split, n: usize) -> usize {
    ids(n).filter(|id| split.arm(id) == Arm::Challenger).count()
}

#[test]
fn traffic_splits_within_a_binomial_tolerance() {
    const N: usize = 20_000;
    for share in [0.01, 0.1, 0.25, 0.5, 0.9, 0.99] {
        for salt in ["spring-2026", "b"] {
            let split = Split::new(share, salt).unwrap();
            let expected = N as f64 * share;
            let sd = (N as f64 * share * (1.0 - share)).sqrt();
            let got = challengers(&split, N) as f64;
            assert!(
                (got - expected).abs() <= 4.5 * sd,
                "share {share}, salt {salt}: {got} challengers, expected {expected} ± {sd}"
            );
        }
    }
}

#[test]
fn shares_of_zero_and_one_send_everyone_to_one_arm() {
    let none = Split::new(0.0, "s").unwrap();
    let all = Split::new(1.0, "s").unwrap();
    for id in ids(2_000).chain([String::new(), "🚀".to_owned()]) {
        assert_eq!(none.arm(&id), Arm::Champion);
        assert_eq!(all.arm(&id), Arm::Challenger);
    }
}

/// Two salts at 50 %: each of the four combinations of arms holds about a
/// quarter of the customers, as if the salts drew the arms independently.
#[test]
fn assignments_under_different_salts_are_independent() {
    const N: usize = 20_000;
    for (a, b) in [("spring", "summer"), ("a", "b"), ("x1", "x2")] {
        let (a, b) = (Split::new(0.5, a).unwrap(), Split::new(0.3, b).unwrap());
        let mut cells = [[0_usize; 2]; 2];
        for id in ids(N) {
            let cell = |arm| usize::from(arm == Arm::Challenger);
            cells[cell(a.arm(&id))][cell(b.arm(&id))] += 1;
        }
        for (i, row) in cells.iter().enumerate() {
            for (j, &count) in row.iter().enumerate() {
                let p = [0.5, 0.5][i] * [0.7, 0.3][j];
                let expected = N as f64 * p;
                let sd = (N as f64 * p * (1.0 - p)).sqrt();
                assert!(
                    (count as f64 - expected).abs() <= 4.5 * sd,
                    "cell ({i}, {j}): {count}, expected {expected} ± {sd}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The same id and salt give the same arm from any split with them.
    #[test]
    fn assignment_is_stable(id in ".{0,24}", salt in ".{1,12}", share in 0.0..=1.0_f64) {
        let first = Split::new(share, &salt).unwrap();
        let again = Split::new(share, &salt.clone()).unwrap();
        prop_assert_eq!(first.arm(&id), again.arm(&id));
        prop_assert_eq!(first.bucket(&id), again.bucket(&id));
        prop_assert_eq!(first.arm(&id) == Arm::Challenger, first.bucket(&id) < share);
    }

    /// Raising the share moves customers to the challenger, never back.
    #[test]
    fn assignment_is_monotone_in_the_share(
        id in ".{0,24}",
        salt in ".{1,12}",
        a in 0.0..=1.0_f64,
        b in 0.0..=1.0_f64,
    ) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        let low = Split::new(low, &salt).unwrap().arm(&id);
        let high = Split::new(high, &salt).unwrap().arm(&id);
        prop_assert!(low == Arm::Champion || high == Arm::Challenger);
    }
}

#[test]
fn bad_shares_and_salts_are_errors() {
    for share in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        let err = Split::new(share, "s").unwrap_err();
        assert_eq!(err.location().unwrap().path(), "share");
        assert_eq!(
            err.to_string(),
            format!("share: a share must be between 0 and 1, found {share}")
        );
    }
    assert_eq!(
        Split::new(0.5, "").unwrap_err().to_string(),
        "salt: a salt must not be empty: it is what the customers' ids are hashed with"
    );
}

// ---------------------------------------------------------------------------
// The challenger in a ruleset
// ---------------------------------------------------------------------------

fn with_challenger(challenger: ChallengerSpec) -> RulesetSpec {
    let mut spec = models::buying_process();
    spec.challenger = Some(challenger);
    spec
}

#[test]
fn a_ruleset_challenger_is_validated_at_its_place() {
    let cases = [
        (
            ChallengerSpec::new("v2", 1.5, "s"),
            vec!["challenger.share: a share must be between 0 and 1, found 1.5"],
        ),
        (
            ChallengerSpec::new("v2", -0.25, "s"),
            vec!["challenger.share: a share must be between 0 and 1, found -0.25"],
        ),
        (
            ChallengerSpec::new("v2", f64::NAN, "s"),
            vec!["challenger.share: a share must be between 0 and 1, found NaN"],
        ),
        (
            ChallengerSpec::new("", 0.5, ""),
            vec![
                "challenger.ruleset: a challenger needs the name of its ruleset",
                "challenger.salt: a salt must not be empty: it is what the customers' ids are \
                 hashed with",
            ],
        ),
        (
            ChallengerSpec::new("buying_process", 0.5, "s"),
            vec!["challenger.ruleset: ruleset 'buying_process' cannot be its own challenger"],
        ),
    ];
    for (challenger, expected) in cases {
        let spec = with_challenger(challenger);
        let err = build_fails(spec.clone());
        assert_eq!(err.to_string(), expected[0]);
        assert!(matches!(err.kind(), ErrorKind::Invalid { .. }));
        let problems: Vec<String> = Engine::builder(spec)
            .check()
            .iter()
            .map(ToString::to_string)
            .collect();
        let expected: Vec<String> = expected.iter().map(|e| format!("error: {e}")).collect();
        assert_eq!(problems, expected);
    }
    for share in [0.0, 0.5, 1.0] {
        let engine = build(with_challenger(ChallengerSpec::new("v2", share, "s")));
        assert_eq!(engine.challenger().unwrap().share, share);
    }
}

#[test]
fn a_bad_challenger_in_a_document_is_placed_at_its_line() {
    let text = "signals = []\nstages = [{ id = \"p\", name = \"P\" }]\n\n[challenger]\n\
                ruleset = \"v2\"\nshare = 2.0\nsalt = \"may\"\n";
    let document = Document::from_toml(text).unwrap();
    let err = Engine::builder(document.spec().clone())
        .build()
        .unwrap_err();
    let err = document.locate_error(err);
    assert_eq!(err.location().unwrap().path(), "challenger.share");
    assert_eq!(
        err.location().unwrap().position(),
        Some(Position::new(6, 9))
    );
    let unknown = Document::from_json(
        r#"{"signals": [], "stages": [], "challenger": {"ruleset": "v2", "share": 0.5, "salt": "s", "traffic": 1}}"#,
    )
    .unwrap_err();
    assert!(
        unknown.to_string().contains("unknown field `traffic`"),
        "{unknown}"
    );
}

// ---------------------------------------------------------------------------
// Experiments
// ---------------------------------------------------------------------------

/// The built-in model as champion naming `challenger` at `share`, and a
/// challenger called `name` that weights the first action of each stage
/// far above the rest, so its decisions differ.
fn engines(share: f64, name: &str) -> (Engine, Engine) {
    let champion = build(with_challenger(ChallengerSpec::new(
        "demo_first",
        share,
        "spring-2026",
    )));
    let mut challenger = models::buying_process();
    name.clone_into(&mut challenger.name);
    for action in &mut challenger.actions {
        action.weight = if action.value > 0.0 {
            1.0 / action.value
        } else {
            1.0
        };
    }
    (champion, build(challenger))
}

#[test]
fn an_experiment_takes_its_split_from_the_champion() {
    let (champion, challenger) = engines(0.3, "demo_first");
    let experiment = Experiment::new(champion, challenger).unwrap();
    assert_eq!(experiment.split(), &Split::new(0.3, "spring-2026").unwrap());
    assert_eq!(experiment.challenger().name(), "demo_first");
}

#[test]
fn a_challenger_whose_name_does_not_match_is_an_error() {
    let (champion, challenger) = engines(0.3, "demo_frist");
    let err = Experiment::new(champion, challenger).unwrap_err();
    assert_eq!(err.location().unwrap().path(), "challenger.ruleset");
    assert_eq!(
        err.to_string(),
        "challenger.ruleset: ruleset 'buying_process' names the challenger 'demo_first', but \
         was given ruleset 'demo_frist'"
    );
    let plain = Arc::new(build(models::buying_process()));
    let err = Experiment::new(plain.clone(), plain).unwrap_err();
    assert_eq!(
        err.to_string(),
        "challenger: ruleset 'buying_process' names no challenger: declare one in its \
         `challenger`, or give the split with `Experiment::with_split`"
    );
}

/// One experiment serves every thread, each recording into its counts.
#[test]
fn experiments_are_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Experiment>();
    shared::<ExperimentStats>();
    let (champion, challenger) = engines(0.5, "demo_first");
    let experiment = Experiment::new(champion, challenger).unwrap();
    let signals = record(experiment.champion(), &[("comparisons", 2.0)]);
    std::thread::scope(|scope| {
        for t in 0..2 {
            let (experiment, signals) = (&experiment, &signals);
            scope.spawn(move || {
                let mut scratch = experiment.scratch();
                for id in ids(500).skip(t * 250).take(250) {
                    let decided = experiment.decide(
                        &id,
                        signals,
                        &ContactLog::new(),
                        Timestamp::EPOCH,
                        &mut scratch,
                    );
                    experiment.stats().record_shown(decided.arm);
                }
            });
        }
    });
    let counts = experiment.stats().counts();
    assert_eq!(counts.champion.decisions + counts.challenger.decisions, 500);
    assert_eq!(
        (counts.champion.shown, counts.challenger.shown),
        (counts.champion.decisions, counts.challenger.decisions)
    );
}

/// Every decision is the decision of the arm's engine, and says which arm
/// made it; the decisions are counted per arm.
#[test]
fn each_customer_is_decided_by_the_engine_of_their_arm() {
    let (champion, challenger) = engines(0.5, "demo_first");
    let experiment = Experiment::new(champion, challenger).unwrap();
    let mut scratch = experiment.scratch();
    let mut direct = [
        experiment.champion().scratch(),
        experiment.challenger().scratch(),
    ];
    let history = ContactLog::new();
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let signal_sets: [&[(&str, f64)]; 4] = [
        &[("comparisons", 2.0)],
        &[("reviews_read", 3.0), ("info_page_views", 5.0)],
        &[("cart_adds", 1.0)],
        &[("purchases", 1.0)],
    ];
    let mut per_arm = [0_u64; 2];
    let mut differ = 0;
    for (i, id) in ids(400).enumerate() {
        let signals = record(experiment.champion(), signal_sets[i % signal_sets.len()]);
        let decided = experiment.decide(&id, &signals, &history, now, &mut scratch);
        assert_eq!(decided.arm, experiment.arm(&id));
        let slot = usize::from(decided.arm == Arm::Challenger);
        per_arm[slot] += 1;
        let expected = experiment
            .engine(decided.arm)
            .decide(&signals, &history, now, &mut direct[slot])
            .to_record();
        let record = decided.to_record();
        assert_eq!(record.arm, decided.arm);
        assert_eq!(record.decision, expected);
        let other = experiment
            .engine(if slot == 0 {
                Arm::Challenger
            } else {
                Arm::Champion
            })
            .decide(&signals, &history, now, &mut direct[1 - slot])
            .to_record();
        differ += usize::from(other != expected);
    }
    assert!(differ > 0, "the arms' engines decide differently");
    let counts = experiment.stats().counts();
    assert_eq!(
        [counts.champion.decisions, counts.challenger.decisions],
        per_arm
    );
    assert!(per_arm.iter().all(|&n| n > 100), "{per_arm:?}");
}

#[test]
fn arm_decisions_round_trip_through_serde() {
    let (champion, challenger) = engines(1.0, "demo_first");
    let experiment = Experiment::new(champion, challenger).unwrap();
    let mut scratch = experiment.scratch();
    let signals = record(experiment.champion(), &[("comparisons", 2.0)]);
    let decided = experiment.decide(
        "c-9",
        &signals,
        &ContactLog::new(),
        Timestamp::EPOCH,
        &mut scratch,
    );
    let record = decided.to_record();
    assert_eq!(record.arm, Arm::Challenger);
    let json = serde_json::to_string(&record).unwrap();
    assert_eq!(
        serde_json::from_str::<ArmDecisionRecord>(&json).unwrap(),
        record
    );
}

// ---------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------

/// One thing a host records.
#[derive(Debug, Clone, Copy)]
enum Record {
    Decision(Arm),
    Shown(Arm),
    Response(Arm, Response),
}

fn arm() -> impl Strategy<Value = Arm> {
    prop_oneof![Just(Arm::Champion), Just(Arm::Challenger)]
}

fn a_record() -> impl Strategy<Value = Record> {
    prop_oneof![
        arm().prop_map(Record::Decision),
        arm().prop_map(Record::Shown),
        (arm(), proptest::sample::select(Response::ALL.to_vec()))
            .prop_map(|(arm, response)| Record::Response(arm, response)),
    ]
}

fn apply(stats: &ExperimentStats, record: Record) {
    match record {
        Record::Decision(arm) => stats.record_decision(arm),
        Record::Shown(arm) => stats.record_shown(arm),
        Record::Response(arm, response) => stats.record_response(arm, response),
    }
}

/// The counts of `records`, counted by hand.
fn tally(records: &[Record]) -> ExperimentCounts {
    let mut counts = ExperimentCounts::default();
    for &record in records {
        match record {
            Record::Decision(arm) => counts.arm_mut(arm).decisions += 1,
            Record::Shown(arm) => counts.arm_mut(arm).shown += 1,
            Record::Response(arm, response) => {
                let arm = counts.arm_mut(arm);
                match response {
                    Response::Dismissed => arm.dismissed += 1,
                    Response::Ignored => arm.ignored += 1,
                    Response::Accepted => arm.accepted += 1,
                    Response::Converted => arm.converted += 1,
                }
            }
        }
    }
    counts
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Two machines recording parts of the records, then merged, count
    /// what one machine recording all of them counts.
    #[test]
    fn merging_equals_recording_the_union(
        records in proptest::collection::vec(a_record(), 0..200),
        cut in any::<proptest::sample::Index>(),
    ) {
        let cut = cut.index(records.len() + 1);
        let (here, there) = (ExperimentStats::new(), ExperimentStats::new());
        for (i, &r) in records.iter().enumerate() {
            apply(if i < cut { &here } else { &there }, r);
        }
        let union = ExperimentStats::new();
        for &r in &records {
            apply(&union, r);
        }
        prop_assert_eq!(union.counts(), tally(&records));

        let mut merged = here.counts();
        merged.merge(&there.counts());
        prop_assert_eq!(merged, union.counts());
        here.add(&there.counts());
        prop_assert_eq!(here.counts(), union.counts());

        let json = serde_json::to_string(&union).unwrap();
        let back: ExperimentStats = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.counts(), union.counts());
    }
}

#[test]
fn threads_recording_at_once_give_exact_totals() {
    const THREADS: usize = 4;
    const EACH: usize = 5_000;
    let stats = ExperimentStats::new();
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let stats = &stats;
            scope.spawn(move || {
                for i in 0..EACH {
                    let arm = Arm::BOTH[(i + t) % 2];
                    stats.record_decision(arm);
                    stats.record_shown(arm);
                    stats.record_response(arm, Response::ALL[i % 4]);
                }
            });
        }
    });
    let counts = stats.counts();
    let total = (THREADS * EACH) as u64;
    for arm in Arm::BOTH {
        let arm = counts.arm(arm);
        assert_eq!((arm.decisions, arm.shown), (total / 2, total / 2));
        let responses: u64 = Response::ALL.iter().map(|&r| arm.responses(r)).sum();
        assert_eq!(responses, total / 2);
    }
    assert_eq!(
        Response::ALL.map(|r| counts.champion.responses(r) + counts.challenger.responses(r)),
        [total / 4; 4]
    );
}

#[test]
fn merging_saturates_instead_of_wrapping() {
    let stats = ExperimentStats::new();
    stats.record_shown(Arm::Champion);
    let mut huge = ExperimentCounts::default();
    huge.champion.shown = u64::MAX;
    stats.add(&huge);
    assert_eq!(stats.counts().champion.shown, u64::MAX);
    let mut counts = huge;
    counts.merge(&huge);
    assert_eq!(counts.champion.shown, u64::MAX);
}

#[test]
fn stored_counts_read_with_missing_fields_as_zero() {
    let counts: ExperimentCounts =
        serde_json::from_str(r#"{"challenger": {"shown": 3, "accepted": 1}}"#).unwrap();
    assert_eq!(counts.champion, ArmCounts::default());
    assert_eq!(
        (counts.challenger.shown, counts.challenger.accepted),
        (3, 1)
    );
    assert!(serde_json::from_str::<ExperimentCounts>(r#"{"champion": {"clicks": 1}}"#).is_err());
}

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------

/// The critical value of a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

fn counts(champion: (u64, u64), challenger: (u64, u64)) -> ExperimentCounts {
    // Positives split between accepted and converted: the rate counts both.
    let arm = |(positive, shown): (u64, u64)| ArmCounts {
        shown,
        accepted: positive / 2,
        converted: positive - positive / 2,
        ignored: shown - positive,
        ..ArmCounts::default()
    };
    ExperimentCounts {
        champion: arm(champion),
        challenger: arm(challenger),
    }
}

fn close(got: f64, expected: f64, tolerance: f64) -> bool {
    (got - expected).abs() <= tolerance
}

/// With no successes the Wilson interval is [0, z²/(n + z²)], with all of
/// them [n/(n + z²), 1].
#[test]
fn wilson_intervals_match_their_closed_form_at_the_edges() {
    for n in [1_u64, 7, 40, 1_000] {
        let report = counts((0, n), (n, n)).report();
        let nf = n as f64;
        let none = report.champion.interval.unwrap();
        assert_eq!(none.low, 0.0);
        assert!(
            close(none.high, Z95 * Z95 / (nf + Z95 * Z95), 1e-12),
            "{n}: {none:?}"
        );
        let all = report.challenger.interval.unwrap();
        assert!(close(all.low, nf / (nf + Z95 * Z95), 1e-12), "{n}: {all:?}");
        assert_eq!(all.high, 1.0);
    }
}

/// Reports of known inputs: the intervals, z and p-values computed in
/// Python with `math.erfc`, to 1e-9 (the library's normal distribution
/// is accurate to 1e-14).
#[test]
fn reports_match_independently_computed_figures() {
    struct Case {
        champion: (u64, u64),
        challenger: (u64, u64),
        champion_interval: (f64, f64),
        challenger_interval: (f64, f64),
        z: f64,
        p: f64,
        verdict: Verdict,
    }
    let cases = [
        Case {
            champion: (400, 4000),
            challenger: (484, 4000),
            champion_interval: (0.091_083_391_243_178_13, 0.109_684_163_388_583_08),
            challenger_interval: (0.111_255_332_666_466_09, 0.131_471_925_347_127_65),
            z: 2.995_574_861_238_596,
            p: 0.002_739_280_529_691_837_5,
            verdict: Verdict::ChallengerBetter,
        },
        Case {
            champion: (100, 1000),
            challenger: (121, 1000),
            champion_interval: (0.082_909_443_593_095_71, 0.120_151_963_195_348_4),
            challenger_interval: (0.102_223_782_289_209_63, 0.142_676_900_642_841_16),
            z: 1.497_787_430_619_298,
            p: 0.134_188_487_527_769,
            verdict: Verdict::NotSignificant,
        },
        Case {
            champion: (10, 100),
            challenger: (20, 100),
            champion_interval: (0.055_229_137_060_675_1, 0.174_365_661_504_913_45),
            challenger_interval: (0.133_366_933_331_032_53, 0.288_829_165_593_158_15),
            z: 1.980_295_085_953_348_8,
            p: 0.047_670_380_656_161_44,
            verdict: Verdict::ChallengerBetter,
        },
        Case {
            champion: (7, 40),
            challenger: (5, 100),
            champion_interval: (0.087_454_137_460_359_2, 0.319_499_903_317_877_14),
            challenger_interval: (0.021_543_679_154_367_96, 0.111_750_469_231_919_13),
            z: -2.386_758_174_456_167,
            p: 0.016_997_667_955_511_785,
            verdict: Verdict::ChampionBetter,
        },
        Case {
            champion: (30, 200),
            challenger: (30, 200),
            champion_interval: (0.107_135_935_622_419_94, 0.206_055_792_841_666),
            challenger_interval: (0.107_135_935_622_419_94, 0.206_055_792_841_666),
            z: 0.0,
            p: 1.0,
            verdict: Verdict::NotSignificant,
        },
    ];
    for case in cases {
        let report = counts(case.champion, case.challenger).report();
        let what = format!("{:?} vs {:?}", case.champion, case.challenger);
        for (arm, (low, high)) in [
            (&report.champion, case.champion_interval),
            (&report.challenger, case.challenger_interval),
        ] {
            let interval = arm.interval.unwrap();
            assert!(close(interval.low, low, 1e-12), "{what}: {interval:?}");
            assert!(close(interval.high, high, 1e-12), "{what}: {interval:?}");
            assert!(interval.contains(arm.rate.unwrap()));
        }
        let rates = (
            case.champion.0 as f64 / case.champion.1 as f64,
            case.challenger.0 as f64 / case.challenger.1 as f64,
        );
        assert!(
            close(report.difference.unwrap(), rates.1 - rates.0, 1e-15),
            "{what}"
        );
        assert!(
            close(report.z.unwrap(), case.z, 1e-9),
            "{what}: z {:?}",
            report.z
        );
        assert!(
            close(report.p_value.unwrap(), case.p, 1e-9),
            "{what}: p {:?}",
            report.p_value
        );
        assert_eq!(report.verdict, case.verdict, "{what}");
    }
}

#[test]
fn the_level_decides_significance_and_widens_the_intervals() {
    // p = 0.0477: significant at 5 %, not at 1 %.
    let counts = counts((10, 100), (20, 100));
    let strict = counts.report_at(0.01).unwrap();
    assert_eq!(strict.verdict, Verdict::NotSignificant);
    assert_eq!(strict.p_value, counts.report().p_value);
    let loose = counts.report();
    let (wide, narrow) = (
        strict.champion.interval.unwrap(),
        loose.champion.interval.unwrap(),
    );
    assert!(wide.low < narrow.low && wide.high > narrow.high);
    for alpha in [0.0, 1.0, -0.5, f64::NAN] {
        let err = counts.report_at(alpha).unwrap_err();
        assert_eq!(err.location().unwrap().path(), "alpha");
    }
}

#[test]
fn the_summary_says_what_the_figures_say() {
    assert_eq!(
        counts((400, 4000), (484, 4000)).report().summary(),
        "challenger responds at 12.1 % [11.1, 13.1] vs 10.0 % [9.1, 11.0]: +2.1 points, \
         significant (p = 0.003)"
    );
    assert_eq!(
        counts((100, 1000), (121, 1000)).report().summary(),
        "challenger responds at 12.1 % [10.2, 14.3] vs 10.0 % [8.3, 12.0]: +2.1 points, \
         not significant (p = 0.134)"
    );
    assert_eq!(
        counts((1000, 10_000), (700, 10_000)).report().summary(),
        "challenger responds at 7.0 % [6.5, 7.5] vs 10.0 % [9.4, 10.6]: -3.0 points, \
         significant (p < 0.001)"
    );
    assert_eq!(
        counts((0, 0), (3, 10)).report().summary(),
        "too little data: the champion has not shown an action yet"
    );
}

/// Below five positive or five other showings in an arm there is no test,
/// and the report says so.
#[test]
fn too_little_data_is_said_and_not_tested() {
    let few = MIN_OUTCOMES - 1;
    for (champion, challenger) in [
        ((few, 100), (50, 100)),
        ((50, 100), (few, 100)),
        ((50, 100), (100 - few, 100)),
        ((MIN_OUTCOMES, MIN_OUTCOMES * 2 - 1), (50, 100)),
    ] {
        let report = counts(champion, challenger).report();
        assert_eq!(
            report.verdict,
            Verdict::TooLittleData,
            "{champion:?} {challenger:?}"
        );
        assert_eq!((report.p_value, report.z), (None, None));
        assert!(report
            .summary()
            .starts_with("too little data: challenger responds at"));
        assert!(report
            .summary()
            .ends_with("a comparison needs at least 5 positive and 5 other showings in each arm"));
    }
    let enough = counts((MIN_OUTCOMES, MIN_OUTCOMES * 2), (50, 100)).report();
    assert_ne!(enough.verdict, Verdict::TooLittleData);
    for (champion, challenger, which) in [
        ((0, 0), (0, 0), "neither arm has"),
        ((0, 0), (3, 10), "the champion has not"),
        ((3, 10), (0, 0), "the challenger has not"),
    ] {
        let report = counts(champion, challenger).report();
        assert_eq!(
            report.summary(),
            format!("too little data: {which} shown an action yet")
        );
        assert_eq!(report.difference, None);
    }
}

/// More positive responses than showings (a host that records both the
/// click and the purchase) count once per showing: the rate stays a rate.
#[test]
fn positive_responses_beyond_the_showings_count_once_each() {
    let counts = ExperimentCounts {
        champion: ArmCounts {
            shown: 10,
            accepted: 10,
            converted: 10,
            ..ArmCounts::default()
        },
        challenger: ArmCounts {
            shown: 10,
            ..ArmCounts::default()
        },
    };
    let report = counts.report();
    assert_eq!(
        (report.champion.successes, report.champion.rate),
        (10, Some(1.0))
    );
    assert_eq!(report.champion.interval.unwrap().high, 1.0);
}

#[test]
fn reports_are_serde_data_and_text_for_people() {
    let mut counts = counts((400, 4000), (484, 4000));
    counts.champion.decisions = 5000;
    counts.challenger.decisions = 5000;
    counts.challenger.dismissed = 16;
    counts.challenger.ignored -= 16;
    let report = counts.report();
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<ExperimentReport>(&json).unwrap(),
        report
    );
    assert_eq!(
        report.to_string(),
        "challenger responds at 12.1 % [11.1, 13.1] vs 10.0 % [9.1, 11.0]: +2.1 points, \
         significant (p = 0.003)\n\
         champion:   5000 decisions, 4000 shown: 200 accepted, 200 converted, 0 dismissed, 3600 ignored\n\
         challenger: 5000 decisions, 4000 shown: 242 accepted, 242 converted, 16 dismissed, 3500 ignored\n\
         response rate: showings accepted or converted / showings; 95 % Wilson intervals; \
         two-sided two-proportion z test at 0.05"
    );
    assert!(counts
        .report_at(0.01)
        .unwrap()
        .to_string()
        .ends_with("99 % Wilson intervals; two-sided two-proportion z test at 0.01"));
}

// ---------------------------------------------------------------------------
// The example
// ---------------------------------------------------------------------------

/// The `experiment` example runs, and what it prints is a report of all
/// its customers, as text and as the same report in JSON. Its market
/// favours social proof, which the challenger weights up, so the
/// challenger wins. Needs the built examples (`cargo build --examples`).
#[test]
fn the_example_reports_its_simulated_market() {
    let output = std::process::Command::new(crate::examples_pipe::example("experiment"))
        .output()
        .expect("the example runs");
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert_eq!(
        lines[0],
        "# champion 'buying_process' vs challenger 'social_proof_first' on 50 % of 20000 \
         simulated customers (salt 'example')"
    );
    let report: ExperimentReport = serde_json::from_str(lines[5]).unwrap();
    assert_eq!(lines[1..5].join("\n"), report.to_string());
    assert_eq!(report.verdict, Verdict::ChallengerBetter);
    let (champion, challenger) = (&report.champion.counts, &report.challenger.counts);
    assert_eq!(champion.decisions + challenger.decisions, 20_000);
    // Counted by the Python rewrite of the hash: by chance exactly half.
    assert_eq!(challenger.decisions, 10_000);
}

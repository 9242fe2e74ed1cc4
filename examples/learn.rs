//! Learning which action works, in a simulated market:
//!
//! ```text
//! cargo run --release --example learn
//! cargo run --release --example learn -- --seed 7 --rounds 50000
//! ```
//!
//! The customers are the built-in model's sample customers (one of the
//! twelve, at random, each round), across its five stages. Each action has
//! a true response rate in each stage, drawn once from the seed and unknown
//! to the engine; the ruleset's propensities are only a guess, so in some
//! stages the ruleset's first choice is not the best one.
//!
//! Each round the engine decides with `Engine::decide_learning` and
//! Thompson sampling (`LearnedStore::explore`, seeded by the round), the
//! market responds to the top action (accepted with its true rate, else
//! ignored), and the response is recorded in the store. Beside it, two
//! policies that do not learn: the **oracle**, which shows the action with
//! the best true expected reward among those the engine could suggest to
//! the customer, and **fixed**, which shows `Engine::decide`'s top action
//! (the ruleset's propensities). A round's reward is the shown action's
//! expected reward, true rate × value × weight, so the figures measure the
//! choices, not the luck of the draws.
//!
//! It prints, per block of rounds, the reward of each policy and the
//! adaptive policy's cumulative regret (the oracle's reward minus its own)
//! as a text chart, then one line of figures:
//! `responses=10000 adaptive=… oracle=… fixed=… ratio=…`, where `ratio`
//! is adaptive / oracle. Regret that grows ever more slowly (sublinearly)
//! is learning.
//!
//! Options: `--seed N` (default 1), `--rounds N` (1 to 10,000,000; default
//! 10,000: one response a round), `--help`. Deterministic for a seed.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use buyer_journey::{
    models, ContactLog, Engine, LearnedStore, Response, SignalRecord, Span, Timestamp,
};

#[path = "stdout/mod.rs"]
mod stdout;

const USAGE: &str = "\
usage: learn [--seed N] [--rounds N]

Simulates a market where each action has a true response rate per stage,
unknown to the engine, and learns it from the responses to the actions the
engine shows: reward per block of rounds against the oracle (the true best
action) and the fixed propensities, a chart of cumulative regret, and a
final line of figures.

  --seed N    the market and the draws (default 1)
  --rounds N  rounds, one response each (default 10,000)
  --help      this usage
";

const MAX_ROUNDS: u64 = 10_000_000;
/// How many blocks the report has.
const BLOCKS: u64 = 10;
/// The width of the chart's longest bar.
const BAR: f64 = 40.0;

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => return stdout::write_with("learn", |out| Ok(out.write_all(USAGE.as_bytes())?)),
        Err(message) => {
            eprintln!("learn: {message}\ntry 'learn --help'");
            return ExitCode::from(2);
        }
    };
    stdout::write_with("learn", |out| {
        let report = simulate(&options)?;
        write_report(&report, out)
    })
}

/// What the arguments ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) seed: u64,
    pub(crate) rounds: u64,
}

/// The options, or `None` for `--help`.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        seed: 1,
        rounds: 10_000,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        match name.as_str() {
            "--help" | "-h" => return Ok(None),
            "--seed" | "--rounds" => {
                let value = inline
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))?;
                let digits: String = value.chars().filter(|&c| c != '_' && c != ',').collect();
                let number: u64 = digits
                    .parse()
                    .map_err(|_| format!("{name} takes a whole number, got '{value}'"))?;
                if name == "--seed" {
                    options.seed = number;
                } else if (1..=MAX_ROUNDS).contains(&number) {
                    options.rounds = number;
                } else {
                    return Err(format!(
                        "--rounds takes a number from 1 to {MAX_ROUNDS}, got '{value}'"
                    ));
                }
            }
            _ => return Err(format!("unknown option '{name}'")),
        }
    }
    Ok(Some(options))
}

/// The expected rewards of one block of rounds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Block {
    pub(crate) rounds: u64,
    pub(crate) adaptive: f64,
    pub(crate) oracle: f64,
    pub(crate) fixed: f64,
    /// The adaptive policy's regret from the first round to the block's end.
    pub(crate) regret: f64,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Report {
    pub(crate) options: Options,
    pub(crate) blocks: Vec<Block>,
    /// Customers for whom the ruleset's first choice is the true best.
    pub(crate) fixed_best: usize,
    pub(crate) customers: usize,
    /// Responses recorded: one per round in which the engine suggested an
    /// action.
    pub(crate) responses: u64,
}

impl Report {
    pub(crate) fn total(&self) -> Block {
        self.blocks
            .iter()
            .fold(Block::default(), |sum, block| Block {
                rounds: sum.rounds + block.rounds,
                adaptive: sum.adaptive + block.adaptive,
                oracle: sum.oracle + block.oracle,
                fixed: sum.fixed + block.fixed,
                regret: block.regret,
            })
    }
}

/// A customer of the market: their signals, their stage, and the actions
/// the engine could suggest them, each with its expected reward.
struct Customer {
    signals: SignalRecord,
    /// Expected reward (true rate × value × weight) by action index.
    rewards: Vec<f64>,
    best: f64,
    fixed: f64,
}

/// Runs the market.
pub(crate) fn simulate(options: &Options) -> Result<Report, Box<dyn Error>> {
    let engine = Engine::builder(models::buying_process()).build()?;
    let start = Timestamp::from_unix_seconds(1_772_323_200);
    let mut random = Random(options.seed);
    // The truth, per action and stage: a response rate from 2 % to 60 %,
    // unrelated to the ruleset's propensity.
    let stages = engine.model().len();
    let truth: Vec<f64> = (0..engine.actions().len() * stages)
        .map(|_| 0.02 + 0.58 * random.uniform())
        .collect();
    let history = ContactLog::new();
    let mut scratch = engine.scratch();
    let customers = models::sample_customers()
        .iter()
        .map(|sample| {
            let signals = sample.record(engine.schema())?;
            let explanation = engine.explain(&signals, &history, start);
            let stage = engine
                .model()
                .find(&explanation.stage)
                .map_or(0, |s| s.index().as_usize());
            // What the engine could show: the eligible regular actions, or
            // the fallbacks when there are none.
            let eligible = |fallback: bool| -> Vec<usize> {
                explanation
                    .actions
                    .iter()
                    .zip(engine.actions())
                    .filter(|(trace, _)| {
                        trace.fallback == fallback
                            && trace.priority.as_ref().is_some_and(|p| p.priority > 0.0)
                    })
                    .map(|(_, action)| action.index().as_usize())
                    .collect()
            };
            let mut candidates = eligible(false);
            if candidates.is_empty() {
                candidates = eligible(true);
            }
            let mut rewards = vec![0.0; engine.actions().len()];
            for &index in &candidates {
                let action = engine.actions().nth(index).ok_or("an action's index")?;
                rewards[index] = truth[index * stages + stage] * action.value() * action.weight();
            }
            let best = rewards.iter().copied().fold(0.0, f64::max);
            let decision = engine.decide(&signals, &history, start, &mut scratch);
            let fixed = decision
                .actions()
                .next()
                .map_or(0.0, |top| rewards[top.action().index().as_usize()]);
            Ok(Customer {
                signals,
                rewards,
                best,
                fixed,
            })
        })
        .collect::<Result<Vec<Customer>, Box<dyn Error>>>()?;
    let fixed_best = customers.iter().filter(|c| c.fixed >= c.best).count();

    let store = LearnedStore::new(&engine, start);
    let block_rounds = options.rounds.div_ceil(BLOCKS);
    let mut blocks = Vec::new();
    let mut block = Block::default();
    let mut regret = 0.0;
    let mut responses = 0;
    for round in 0..options.rounds {
        let customer = &customers[random.below(customers.len())];
        let now = start + Span::seconds(60 * round);
        let learning = store.explore(mix(options.seed ^ mix(round)));
        let decision =
            engine.decide_learning(&customer.signals, &history, now, learning, &mut scratch);
        let mut reward = 0.0;
        if let Some(top) = decision.actions().next() {
            let index = top.action().index().as_usize();
            reward = customer.rewards[index];
            let rate = truth[index * stages + decision.stage().index().as_usize()];
            let response = if random.uniform() < rate {
                Response::Accepted
            } else {
                Response::Ignored
            };
            store.record(
                top.action(),
                decision.stage(),
                decision.tags(),
                response,
                now,
            )?;
            responses += 1;
        }
        regret += customer.best - reward;
        block.rounds += 1;
        block.adaptive += reward;
        block.oracle += customer.best;
        block.fixed += customer.fixed;
        if block.rounds == block_rounds || round + 1 == options.rounds {
            block.regret = regret;
            blocks.push(std::mem::take(&mut block));
        }
    }
    Ok(Report {
        options: *options,
        blocks,
        fixed_best,
        customers: customers.len(),
        responses,
    })
}

/// The report: a table of the blocks, the regret chart, the figures.
pub(crate) fn write_report(report: &Report, out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    let Options { seed, rounds } = report.options;
    writeln!(
        out,
        "learn: {rounds} rounds, seed {seed}; the ruleset's first choice is the true best for {} of {} customers",
        report.fixed_best, report.customers
    )?;
    writeln!(out, "expected reward per round, by block of rounds:")?;
    writeln!(
        out,
        "{:>19} {:>9} {:>9} {:>9} {:>6}",
        "rounds", "adaptive", "oracle", "fixed", "ratio"
    )?;
    let mut first = 1;
    for block in &report.blocks {
        let per = |total: f64| total / block.rounds as f64;
        writeln!(
            out,
            "{:>19} {:>9.2} {:>9.2} {:>9.2} {:>6.3}",
            format!("{first}-{}", first + block.rounds - 1),
            per(block.adaptive),
            per(block.oracle),
            per(block.fixed),
            block.adaptive / block.oracle
        )?;
        first += block.rounds;
    }
    writeln!(out, "cumulative regret (oracle - adaptive):")?;
    let most = report.blocks.iter().map(|b| b.regret).fold(0.0, f64::max);
    let mut end = 0;
    for block in &report.blocks {
        end += block.rounds;
        let width = if most > 0.0 {
            (block.regret / most * BAR).round()
        } else {
            0.0
        };
        // At most `BAR` wide.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bar = "#".repeat(width as usize);
        writeln!(out, "{end:>10} |{bar:<40}| {:.0}", block.regret)?;
    }
    let total = report.total();
    writeln!(
        out,
        "responses={} adaptive={:.0} oracle={:.0} fixed={:.0} ratio={:.3}",
        report.responses,
        total.adaptive,
        total.oracle,
        total.fixed,
        total.adaptive / total.oracle
    )?;
    Ok(())
}

/// `SplitMix64`: the market's draws, the same for the same seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `0..n`, for a small `n`.
    fn below(&mut self, n: usize) -> usize {
        // Below `n`, so it fits.
        #[allow(clippy::cast_possible_truncation)]
        let pick = (self.next() % n as u64) as usize;
        pick
    }
}

/// Spreads every bit of `z` over the result: the seed of a round.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

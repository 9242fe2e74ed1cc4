//! The structure-aware target's generator: fuzzer bytes become a ruleset
//! document that looks valid (signals, stages, rules, tags, actions and
//! transitions that mostly refer to each other, conditions that mostly
//! type-check), so most inputs get past validation to the engine. Now and
//! then it picks a hostile id, an unknown reference or a broken condition,
//! so the paths that reject them stay covered too.

use arbitrary::{Result, Unstructured};
use buyer_journey::Condition;
use serde_json::{json, Map, Value as Json};

/// The ruleset document `u` describes, as JSON.
///
/// # Errors
///
/// Only when `u` itself fails, which it does not for short input: missing
/// bytes read as zeros.
pub fn ruleset(u: &mut Unstructured<'_>) -> Result<Json> {
    let signals = signals(u)?;
    let stages = if rarely(u, 16)? {
        1
    } else {
        u.int_in_range(2..=5)?
    };
    let stages: Vec<String> = (0..stages)
        .map(|i| id(u, "stage", i))
        .collect::<Result<_>>()?;
    let tag_ids: Vec<String> = (0..u.int_in_range(0..=3)?)
        .map(|i| id(u, "tag", i))
        .collect::<Result<_>>()?;
    let mut doc = Map::new();
    doc.insert(
        "signals".into(),
        signals.iter().map(Signal::to_json).collect(),
    );
    doc.insert(
        "stages".into(),
        stages
            .iter()
            .map(|id| json!({"id": id, "name": id, "description": "generated"}))
            .collect(),
    );
    let policy = u.choose(&["first", "furthest", "highest_score"])?;
    doc.insert("hit_policy".into(), json!(policy));

    let host = Conditions {
        signals: &signals,
        stages: &[],
    };
    let mut rules = Vec::new();
    for i in 0..u.int_in_range(0..=8)? {
        rules.push(json!({
            "id": id(u, "rule", i)?,
            "stage": reference(u, &stages)?,
            "when": host.condition(u)?,
            "priority": u.int_in_range(-2..=2)?,
        }));
    }
    doc.insert("stage_rules".into(), rules.into());
    let mut scores = Vec::new();
    for i in 0..u.int_in_range(0..=4)? {
        scores.push(json!({
            "id": id(u, "score", i)?,
            "stage": reference(u, &stages)?,
            "when": host.condition(u)?,
            "points": number(u, &[1.0, 2.5, -1.0, 0.0, 1e300], 1000)?,
        }));
    }
    doc.insert("score_rules".into(), scores.into());
    let mut tags = Vec::new();
    for id in &tag_ids {
        tags.push(json!({"id": id, "when": host.condition(u)?}));
    }
    doc.insert("tags".into(), tags.into());
    doc.insert(
        "actions".into(),
        actions(u, &host, &stages, &tag_ids)?.into(),
    );
    doc.insert(
        "arbitration".into(),
        json!({
            "max_suggestions": u.int_in_range(1..=5)?,
            "max_per_group": u.int_in_range(1..=3)?,
        }),
    );
    let journey = Conditions {
        signals: &signals,
        stages: &stages,
    };
    let mut transitions = Vec::new();
    for i in 0..u.int_in_range(0..=6)? {
        transitions.push(transition(u, &journey, &stages, i)?);
    }
    doc.insert("transitions".into(), transitions.into());
    events(u, &signals, &mut doc)?;
    Ok(Json::Object(doc))
}

/// Now and then event types, and for some numeric signals a derivation
/// from them: one that fits the signal's kind, or rarely one that does not.
fn events(u: &mut Unstructured<'_>, signals: &[Signal], doc: &mut Map<String, Json>) -> Result<()> {
    let events: Vec<String> = (0..u.int_in_range(0..=4)?)
        .map(|i| id(u, "event", i))
        .collect::<Result<_>>()?;
    if events.is_empty() {
        return Ok(());
    }
    let mut declared = Vec::new();
    for event in &events {
        declared.push(match u.int_in_range(0..=3)? {
            0 => json!({"id": event, "value": {}}),
            1 => json!({"id": event, "value": {"min": 0, "max": 10}}),
            _ => json!({"id": event}),
        });
    }
    doc.insert("events".into(), declared.into());
    if u.arbitrary()? {
        doc.insert("event_tolerance".into(), json!(span(u)?));
    }
    let Some(Json::Array(specs)) = doc.get_mut("signals") else {
        return Ok(());
    };
    for (spec, signal) in specs.iter_mut().zip(signals) {
        if !signal.is_numeric() || !u.arbitrary()? {
            continue;
        }
        let count = matches!(signal.kind, Kind::Count) != rarely(u, 16)?;
        let derivation = derivation(u, count, &events)?;
        if let Json::Object(spec) = spec {
            spec.insert("from".into(), derivation);
        }
    }
    Ok(())
}

/// A derivation for a `count` signal (`count` true) or a `number` one.
fn derivation(u: &mut Unstructured<'_>, count: bool, events: &[String]) -> Result<Json> {
    let mut tally = Map::new();
    tally.insert("events".into(), json!(subset(u, events)?));
    if u.arbitrary()? {
        let window = u.choose(&["10s", "1h", "7d", "30d", "15s", "0s", "100000d"])?;
        tally.insert("within".into(), json!(window));
    }
    if u.arbitrary()? {
        tally.insert("since".into(), json!(reference(u, events)?));
    }
    let some = |u: &mut Unstructured<'_>| subset(u, events);
    Ok(match (count, u.int_in_range(0..=4)?) {
        (true, 0..=2) => json!({"count": tally}),
        (true, _) => json!({"balance": {"add": some(u)?, "subtract": some(u)?}}),
        (false, 0) => json!({"sum": tally}),
        (false, 1) => json!({"days_since": {"events": some(u)?}}),
        (false, 2) => json!({"latest": {"events": some(u)?}}),
        (false, 3) => json!({"decayed": {"events": some(u)?, "half_life": span(u)?}}),
        (false, _) => json!({"balance": {"add": some(u)?, "subtract": some(u)?}}),
    })
}

/// A move to one stage from others; it may go back exactly when it has to,
/// and starts a new cycle now and then.
fn transition(
    u: &mut Unstructured<'_>,
    conditions: &Conditions<'_>,
    stages: &[String],
    i: usize,
) -> Result<Json> {
    let to = u.choose_index(stages.len())?;
    let others: Vec<String> = stages
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != to)
        .map(|(_, id)| id.clone())
        .collect();
    let (from, goes_back) = if rarely(u, 3)? {
        (json!("any"), to + 1 < stages.len())
    } else {
        let from = subset(u, &others)?;
        let back = from
            .iter()
            .any(|id| stages.iter().position(|s| s == id) > Some(to));
        (from.into(), back)
    };
    let mut transition = Map::new();
    transition.insert("id".into(), id(u, "move", i)?.into());
    transition.insert("from".into(), from);
    let to = if rarely(u, 200)? {
        "missing_stage".to_string()
    } else {
        stages[to].clone()
    };
    transition.insert("to".into(), to.into());
    transition.insert("when".into(), conditions.condition(u)?);
    transition.insert("priority".into(), u.int_in_range(-2..=3)?.into());
    if rarely(u, 3)? {
        transition.insert("min_dwell".into(), span(u)?.into());
    }
    let new_cycle = goes_back && rarely(u, 3)?;
    transition.insert("back".into(), (goes_back != rarely(u, 200)?).into());
    transition.insert("new_cycle".into(), new_cycle.into());
    Ok(Json::Object(transition))
}

#[derive(Debug)]
enum Kind {
    Number,
    Count,
    Flag,
    Category(Vec<&'static str>),
}

#[derive(Debug)]
struct Signal {
    id: String,
    kind: Kind,
}

impl Signal {
    fn to_json(&self) -> Json {
        match &self.kind {
            Kind::Number => json!({"id": self.id, "kind": "number"}),
            Kind::Count => json!({"id": self.id, "kind": "count"}),
            Kind::Flag => json!({"id": self.id, "kind": "flag"}),
            Kind::Category(labels) => json!({"id": self.id, "kind": "category", "labels": labels}),
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self.kind, Kind::Number | Kind::Count)
    }
}

const LABELS: [&str; 5] = ["free", "pro", "team", "two words", "x"];

fn signals(u: &mut Unstructured<'_>) -> Result<Vec<Signal>> {
    (0..u.int_in_range(1..=6)?)
        .map(|i| {
            let kind = match u.int_in_range(0..=3)? {
                0 => Kind::Number,
                1 => Kind::Count,
                2 => Kind::Flag,
                _ => {
                    let n = u.int_in_range(1..=LABELS.len())?;
                    Kind::Category(LABELS[..n].to_vec())
                }
            };
            Ok(Signal {
                id: id(u, "signal", i)?,
                kind,
            })
        })
        .collect()
}

/// `prefix_i`, or now and then an id validation must reject or that
/// collides with another.
fn id(u: &mut Unstructured<'_>, prefix: &str, i: usize) -> Result<String> {
    if rarely(u, 200)? {
        let hostile = u.choose(&[
            "",
            "and",
            "Not_Snake",
            "stage",
            "days_in_stage",
            "a.b",
            "sp ace",
            "signal_0",
            "stage_0",
        ])?;
        return Ok((*hostile).to_string());
    }
    Ok(format!("{prefix}_{i}"))
}

/// One of `ids`, or now and then one that is not there.
fn reference(u: &mut Unstructured<'_>, ids: &[String]) -> Result<String> {
    if ids.is_empty() || rarely(u, 200)? {
        return Ok("missing_stage".into());
    }
    Ok(u.choose(ids)?.clone())
}

fn subset(u: &mut Unstructured<'_>, ids: &[String]) -> Result<Vec<String>> {
    let mut picked = Vec::new();
    for id in ids {
        if u.arbitrary()? {
            picked.push(id.clone());
        }
    }
    if picked.is_empty() && !ids.is_empty() && u.ratio(7, 8)? {
        picked.push(u.choose(ids)?.clone());
    }
    Ok(picked)
}

/// True about once in `n`, and false once the bytes run out (where
/// `Unstructured::ratio` would say true), so a short input stays ordinary.
fn rarely(u: &mut Unstructured<'_>, n: u8) -> Result<bool> {
    Ok(!u.ratio(n - 1, n)?)
}

/// One of the `usual` numbers, or now and then eighths up to `high`.
fn number(u: &mut Unstructured<'_>, usual: &[f64], high: i32) -> Result<f64> {
    if rarely(u, 8)? {
        return Ok(f64::from(u.int_in_range(-high..=high)?) / 8.0);
    }
    Ok(*u.choose(usual)?)
}

fn span(u: &mut Unstructured<'_>) -> Result<String> {
    Ok((*u.choose(&["0s", "1s", "1h", "1d", "7d", "30d", "100000d"])?).to_string())
}

fn actions(
    u: &mut Unstructured<'_>,
    host: &Conditions<'_>,
    stages: &[String],
    tags: &[String],
) -> Result<Vec<Json>> {
    let mut actions = Vec::new();
    for i in 0..u.int_in_range(0..=6)? {
        let mut action = Map::new();
        action.insert("id".into(), id(u, "action", i)?.into());
        action.insert(
            "kind".into(),
            (*u.choose(&["content", "offer", "call"])?).into(),
        );
        action.insert("stages".into(), subset(u, stages)?.into());
        action.insert(
            "value".into(),
            number(u, &[10.0, 20.0, 0.0, 1e12], 1000)?.abs().into(),
        );
        if u.arbitrary()? {
            action.insert(
                "weight".into(),
                number(u, &[0.5, 2.0, 0.0], 32)?.abs().into(),
            );
        }
        if u.arbitrary()? {
            action.insert(
                "propensity".into(),
                number(u, &[0.1, 0.5, 0.9, 1.0, 0.0], 8)?.abs().into(),
            );
        }
        if rarely(u, 3)? {
            action.insert("when".into(), host.condition(u)?);
        }
        let mut rules = Vec::new();
        for _ in 0..u.int_in_range(0..=2)? {
            rules.push(json!({
                "when": host.condition(u)?,
                "propensity": number(u, &[0.2, 0.7, 1.0], 8)?.abs(),
            }));
        }
        action.insert("propensity_rules".into(), rules.into());
        if !tags.is_empty() {
            let requires = subset(u, tags)?;
            let others: Vec<String> = tags
                .iter()
                .filter(|t| !requires.contains(t))
                .cloned()
                .collect();
            action.insert("requires_tags".into(), requires.into());
            if u.arbitrary()? {
                action.insert("excludes_tags".into(), subset(u, &others)?.into());
            }
        }
        if u.arbitrary()? {
            action.insert("group".into(), (*u.choose(&["g0", "g1"])?).into());
        }
        let mut contact = Map::new();
        if u.arbitrary()? {
            contact.insert("cooldown".into(), span(u)?.into());
        }
        if u.arbitrary()? {
            contact.insert(
                "cap".into(),
                json!({"times": u.int_in_range(1..=3)?, "window": span(u)?}),
            );
        }
        if rarely(u, 3)? {
            contact.insert("max_dismissals".into(), u.int_in_range(1..=2)?.into());
        }
        action.insert("contact".into(), contact.into());
        if rarely(u, 3)? {
            action.insert("fallback".into(), true.into());
        }
        actions.push(Json::Object(action));
    }
    Ok(actions)
}

/// Conditions over a ruleset's signals; with `stages`, also over the
/// journey's `stage` and `days_in_stage`, as transitions may be.
struct Conditions<'a> {
    signals: &'a [Signal],
    stages: &'a [String],
}

impl Conditions<'_> {
    /// Condition text, mostly well typed; now and then broken.
    /// A condition as a ruleset writes it: text, mostly well typed and now
    /// and then broken; or, one time in four, the tree of that text.
    fn condition(&self, u: &mut Unstructured<'_>) -> Result<Json> {
        let mut text = self.boolean(u, 4)?;
        if rarely(u, 200)? {
            let broken = u.choose(&[" and", "(", " >= \"x\"", " or no_signal", "!"])?;
            text.push_str(broken);
        }
        if rarely(u, 4)? {
            if let Ok(tree) = Condition::parse(&text) {
                return Ok(serde_json::to_value(tree).unwrap_or(Json::Null));
            }
        }
        Ok(text.into())
    }

    fn boolean(&self, u: &mut Unstructured<'_>, depth: u32) -> Result<String> {
        let leaf = depth == 0 || u.ratio(1, 2)?;
        if leaf {
            return self.comparison(u);
        }
        let a = self.boolean(u, depth - 1)?;
        let b = self.boolean(u, depth - 1)?;
        Ok(match u.int_in_range(0..=5)? {
            0 => format!("{a} and {b}"),
            1 => format!("({a}) or ({b})"),
            2 => format!("not ({a})"),
            3 => format!("all({a}, {b})"),
            4 => format!("any({a}, {b})"),
            _ => {
                let c = self.boolean(u, depth - 1)?;
                format!("at_least({}, {a}, {b}, {c})", u.int_in_range(0..=3)?)
            }
        })
    }

    fn comparison(&self, u: &mut Unstructured<'_>) -> Result<String> {
        if !self.stages.is_empty() && rarely(u, 3)? {
            return Ok(if u.arbitrary()? {
                format!("stage == \"{}\"", u.choose(self.stages)?)
            } else {
                format!("days_in_stage >= {}", u.int_in_range(0..=30)?)
            });
        }
        let Ok(signal) = u.choose(self.signals) else {
            return Ok("true".into());
        };
        let id = &signal.id;
        Ok(match &signal.kind {
            _ if rarely(u, 8)? => {
                let f = if u.arbitrary()? { "present" } else { "missing" };
                format!("{f}({id})")
            }
            Kind::Number | Kind::Count => {
                let op = u.choose(&["==", "!=", "<", "<=", ">", ">="])?;
                match u.int_in_range(0..=3)? {
                    0 => format!("{} {op} {}", self.arithmetic(u, 2)?, self.arithmetic(u, 1)?),
                    1 => format!("{id} between {} and {}", literal(u)?, literal(u)?),
                    2 => format!("{id} in [{}, {}]", literal(u)?, literal(u)?),
                    _ => format!("{id} {op} {}", literal(u)?),
                }
            }
            Kind::Flag => match u.int_in_range(0..=2)? {
                0 => id.clone(),
                1 => format!("{id} == {}", u.arbitrary::<bool>()?),
                _ => format!("{id} != {}", u.arbitrary::<bool>()?),
            },
            Kind::Category(labels) => {
                let label = u.choose(labels)?;
                match u.int_in_range(0..=2)? {
                    0 => format!("{id} == \"{label}\""),
                    1 => format!("{id} != \"{label}\""),
                    _ => format!("{id} in [\"{label}\", \"{}\"]", u.choose(labels)?),
                }
            }
        })
    }

    fn arithmetic(&self, u: &mut Unstructured<'_>, depth: u32) -> Result<String> {
        let numeric: Vec<&Signal> = self.signals.iter().filter(|s| s.is_numeric()).collect();
        if depth == 0 || u.ratio(1, 2)? {
            return match u.choose(&numeric) {
                Ok(signal) if u.ratio(3, 4)? => Ok(signal.id.clone()),
                _ => literal(u),
            };
        }
        let op = u.choose(&["+", "-", "*", "/"])?;
        Ok(format!(
            "({} {op} {})",
            self.arithmetic(u, depth - 1)?,
            self.arithmetic(u, depth - 1)?
        ))
    }
}

fn literal(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0 => "0".into(),
        1 => "1".into(),
        2 => "-0.5".into(),
        3 => "1e300".into(),
        4 => "3".into(),
        _ => u.int_in_range(-100..=100)?.to_string(),
    })
}

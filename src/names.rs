//! Ids: what the ids of a ruleset may look like, the words the condition
//! language reserves, and the "did you mean" suggestion for an unknown id.
//!
//! Every step that reads an id from a ruleset or from the host checks it
//! here, so the rules are written once. Suggestions run on untrusted input,
//! so their cost is bounded whatever the input: see [`suggest`].

use crate::error::{Error, Location};
use crate::limits::{Bound, Limits};

/// Words the condition language reserves: no signal, stage, tag or kind may
/// be named after one, and `any` also means "every stage" in a transition's
/// `from`.
pub(crate) const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "between", "true", "false", "present", "missing", "all", "any",
    "at_least",
];

/// Checks a `snake_case` id (of a signal, stage, tag or kind): a lowercase
/// letter, then lowercase letters, digits or `_`, not a keyword, and no
/// longer than [`Limits::max_id_len`]. `what` names the entity in the message.
pub(crate) fn check_snake_case(id: &str, what: &str, limits: &Limits) -> Result<(), Error> {
    limits.check(Bound::IdLen, id.len(), Location::default)?;
    let mut chars = id.chars();
    let snake = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        return Err(Error::invalid(
            Location::default(),
            format!(
                "'{id}' is not a snake_case id (a lowercase letter, then lowercase letters, \
                 digits or '_')"
            ),
        ));
    }
    if KEYWORDS.contains(&id) {
        return Err(Error::invalid(
            Location::default(),
            format!("'{id}' is a keyword of the condition language and cannot name a {what}"),
        ));
    }
    Ok(())
}

/// Checks a plain id (of a rule, action, group or transition), which output
/// and logs report: 1 to [`Limits::max_id_len`] bytes of ASCII letters,
/// digits and `_ . - : /`. `what` names the entity in the message.
pub(crate) fn check_plain(id: &str, what: &str, limits: &Limits) -> Result<(), Error> {
    limits.check(Bound::IdLen, id.len(), Location::default)?;
    let plain = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':' | '/'));
    if plain {
        return Ok(());
    }
    Err(Error::invalid(
        Location::default(),
        format!("{what} id '{id}' must be letters, digits and '_', '.', '-', ':', '/'"),
    ))
}

/// Ids longer than this (in characters) get no suggestion: a typo of a real
/// id is about as long as the id, and ids people type are short.
const SUGGEST_MAX_CHARS: usize = 64;

/// The known id nearest to `id`, if it is close enough to be a likely typo:
/// within a few edits, or else a known id that the given one starts
/// (`reviews` for `reviews_read`).
///
/// The work is bounded whatever the input: nothing is compared for an `id`
/// longer than [`SUGGEST_MAX_CHARS`], known ids whose length differs by more
/// than the edit budget are skipped at once, and the distance is computed
/// only within a band as wide as the budget, so each candidate costs at most
/// `64 × (2 × budget + 1)` steps.
pub(crate) fn suggest<'a>(id: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    suggest_counting(id, known, &mut 0)
}

/// [`suggest`], adding the steps it takes to `steps`, so tests can check
/// that the work is bounded.
fn suggest_counting<'a>(
    id: &str,
    known: impl IntoIterator<Item = &'a str>,
    steps: &mut u64,
) -> Option<String> {
    if id.len() > SUGGEST_MAX_CHARS * 4 {
        return None;
    }
    let typed: Vec<char> = id.chars().collect();
    if typed.len() > SUGGEST_MAX_CHARS {
        return None;
    }
    let budget = (typed.len() / 3).max(2);
    let mut typo: Option<(usize, &str)> = None;
    let mut prefix: Option<&str> = None;
    let mut candidate_chars = Vec::with_capacity(SUGGEST_MAX_CHARS + budget);
    for candidate in known {
        *steps += 1;
        if typed.len() >= 3
            && candidate.starts_with(id)
            && prefix.is_none_or(|best| candidate.len() < best.len())
        {
            prefix = Some(candidate);
        }
        // A cheap length test before looking at the characters.
        if candidate.len() > (typed.len() + budget) * 4 {
            continue;
        }
        candidate_chars.clear();
        candidate_chars.extend(candidate.chars());
        if let Some(distance) = distance_within(&typed, &candidate_chars, budget, steps) {
            if typo.is_none_or(|(best, _)| distance < best) {
                typo = Some((distance, candidate));
            }
        }
    }
    typo.map(|(_, candidate)| candidate)
        .or(prefix)
        .map(str::to_owned)
}

/// The Levenshtein distance of `a` and `b` in characters if it is at most
/// `budget`, computed in a band of `2 × budget + 1` cells per row.
fn distance_within(a: &[char], b: &[char], budget: usize, steps: &mut u64) -> Option<usize> {
    if a.len().abs_diff(b.len()) > budget {
        return None;
    }
    let too_far = budget + 1;
    // previous[j] is the distance of a[..i] and b[..j], capped at `too_far`.
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j.min(too_far)).collect();
    let mut current = vec![too_far; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let low = (i + 1).saturating_sub(budget);
        let high = (i + 1 + budget).min(b.len());
        current.fill(too_far);
        if low == 0 {
            current[0] = (i + 1).min(too_far);
        }
        let mut row_min = current[0];
        for j in low.max(1)..=high {
            *steps += 1;
            let substitution = previous[j - 1] + usize::from(*ca != b[j - 1]);
            let cell = substitution
                .min(previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(too_far);
            current[j] = cell;
            row_min = row_min.min(cell);
        }
        if row_min > budget {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= budget).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_id_within_the_budget() {
        let known = ["cart_adds", "checkout_starts", "comparisons"];
        assert_eq!(suggest("cart_add", known).as_deref(), Some("cart_adds"));
        assert_eq!(suggest("comparsons", known).as_deref(), Some("comparisons"));
        assert_eq!(suggest("zzz", known), None);
        assert_eq!(
            suggest("checkout", known).as_deref(),
            Some("checkout_starts")
        );
        assert_eq!(suggest("ca", known), None);
    }

    #[test]
    fn the_banded_distance_is_the_levenshtein_distance_within_the_budget() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        let distance =
            |a: &str, b: &str, budget| distance_within(&chars(a), &chars(b), budget, &mut 0);
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("", "abc", 3), Some(3));
        assert_eq!(distance("é", "e", 2), Some(1));
        assert_eq!(distance("abcdef", "abcdef", 2), Some(0));
        assert_eq!(distance("abcdef", "bcdefa", 2), Some(2));
        assert_eq!(distance("flaw", "lawn", 2), Some(2));
        // Far apart in the middle, equal lengths: the band gives up early.
        assert_eq!(distance("aaaaaaaaaa", "bbbbbbbbbb", 3), None);
    }

    #[test]
    fn the_banded_distance_agrees_with_the_full_one() {
        fn full(a: &[char], b: &[char]) -> usize {
            let mut previous: Vec<usize> = (0..=b.len()).collect();
            for (i, ca) in a.iter().enumerate() {
                let mut current = vec![i + 1; b.len() + 1];
                for (j, cb) in b.iter().enumerate() {
                    current[j + 1] = (previous[j] + usize::from(ca != cb))
                        .min(previous[j + 1] + 1)
                        .min(current[j] + 1);
                }
                previous = current;
            }
            previous[b.len()]
        }
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "cab",
            "reviews",
            "review",
            "reveiws",
            "cart_adds",
            "card_adds",
            "carts",
            "x_y_z",
            "xyz",
            "aaaa",
            "aaab",
            "baaa",
        ];
        for a in words {
            for b in words {
                let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                for budget in 0..5 {
                    let expected = Some(full(&a, &b)).filter(|&d| d <= budget);
                    assert_eq!(
                        distance_within(&a, &b, budget, &mut 0),
                        expected,
                        "{a:?} {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn suggestions_for_huge_input_take_bounded_work() {
        // 1,024 known ids as long as the longest id compared, and 1,024 as
        // long as `Limits` allows by default.
        let known: Vec<String> = (0..1_024)
            .map(|i| format!("{i:04}{}", "s".repeat(SUGGEST_MAX_CHARS - 4)))
            .chain((0..1_024).map(|i| format!("{i:04}{}", "s".repeat(124))))
            .collect();
        let known = || known.iter().map(String::as_str);

        // A million characters: not even compared.
        let mut steps = 0;
        assert_eq!(
            suggest_counting(&"x".repeat(1_000_000), known(), &mut steps),
            None
        );
        assert_eq!(steps, 0);

        // The longest id that is compared, against ids just as long: each
        // candidate costs at most a band of 64 rows.
        let mut steps = 0;
        let typed = "s".repeat(SUGGEST_MAX_CHARS);
        suggest_counting(&typed, known(), &mut steps);
        let budget = (SUGGEST_MAX_CHARS / 3) as u64;
        let per_candidate = 1 + SUGGEST_MAX_CHARS as u64 * (2 * budget + 1);
        assert!(steps <= 2_048 * per_candidate, "{steps} steps");

        // And the typical case is cheap.
        let mut steps = 0;
        suggest_counting("cart_add", ["cart_adds", "checkout_starts"], &mut steps);
        assert!(steps < 100, "{steps} steps");
    }
}

/// A hasher for the short ids the hot path looks up (an event's type):
/// FNV-1a, several times faster than the default `SipHash` on a dozen bytes.
/// Ids come from rulesets, which are bounded, not from anyone who could
/// aim collisions at a table of a fixed few entries.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let start = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        self.0 = bytes.iter().fold(start, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    }
}

/// Builds [`IdHasher`]s.
pub(crate) type BuildIdHasher = std::hash::BuildHasherDefault<IdHasher>;

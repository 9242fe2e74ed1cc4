//! A ruleset's challenger as data: which ruleset is tried against it, on
//! what share of the customers.

use serde::{Deserialize, Serialize};

/// The challenger a ruleset (the champion) is tried against: the serde form
/// of a ruleset's `challenger`. An [`Experiment`](crate::Experiment) of the
/// two engines sends each customer to one of them by a
/// [stable hash](crate::StableHasher) of `salt` and the customer's id.
///
/// ```
/// use buyer_journey::{models, ChallengerSpec, Engine};
///
/// let mut spec = models::buying_process();
/// spec.challenger = Some(ChallengerSpec::new("buying_process_v2", 0.1, "spring-2026"));
/// let engine = Engine::builder(spec).build()?;
/// assert_eq!(engine.challenger().unwrap().share, 0.1);
///
/// let json = r#"{"ruleset": "buying_process_v2", "share": 0.1, "salt": "spring-2026"}"#;
/// let challenger: ChallengerSpec = serde_json::from_str(json).unwrap();
/// assert_eq!(&challenger, engine.challenger().unwrap());
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ChallengerSpec {
    /// The challenger ruleset's [`name`](crate::RulesetSpec::name): the
    /// experiment checks that the engine it is given as the challenger has
    /// it. Not empty, and not the champion's own name.
    pub ruleset: String,
    /// The share of the customers the challenger decides for, in [0, 1]:
    /// 0 sends everyone to the champion, 1 everyone to the challenger.
    /// Raising it only moves customers from the champion to the challenger.
    pub share: f64,
    /// What the customers' ids are hashed with: the same salt keeps every
    /// customer in their arm across restarts and machines, a new salt
    /// draws the arms afresh, independently of the old. Not empty.
    pub salt: String,
}

impl ChallengerSpec {
    /// The challenger named `ruleset`, on `share` of the customers, split
    /// by `salt`.
    ///
    /// ```
    /// use buyer_journey::ChallengerSpec;
    ///
    /// let challenger = ChallengerSpec::new("v2", 0.25, "first-try");
    /// assert_eq!((challenger.ruleset.as_str(), challenger.share), ("v2", 0.25));
    /// ```
    #[must_use]
    pub fn new(ruleset: &str, share: f64, salt: &str) -> Self {
        ChallengerSpec {
            ruleset: ruleset.to_owned(),
            share,
            salt: salt.to_owned(),
        }
    }
}

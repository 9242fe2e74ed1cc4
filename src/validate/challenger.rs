//! The challenger a ruleset names: a name to check the challenger engine
//! against, a share of the customers and a salt.

use crate::error::{Error, Excerpt, Location};
use crate::spec::ChallengerSpec;

/// Every error of `challenger`, the challenger of the ruleset called
/// `champion`, pushed onto `errors` in the order of its fields.
pub(super) fn validate(challenger: &ChallengerSpec, champion: &str, errors: &mut Vec<Error>) {
    let invalid = |field: &str, message: String| {
        Error::invalid(Location::new(format!("challenger.{field}")), message)
    };
    if challenger.ruleset.is_empty() {
        errors.push(invalid(
            "ruleset",
            "a challenger needs the name of its ruleset".into(),
        ));
    } else if challenger.ruleset == champion {
        errors.push(invalid(
            "ruleset",
            format!(
                "ruleset '{}' cannot be its own challenger",
                Excerpt(champion)
            ),
        ));
    }
    if let Err(message) = check_share(challenger.share) {
        errors.push(invalid("share", message));
    }
    if let Err(message) = check_salt(&challenger.salt) {
        errors.push(invalid("salt", message));
    }
}

/// Whether `share` is a share of the customers: in [0, 1].
pub(crate) fn check_share(share: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&share) {
        Ok(())
    } else {
        Err(format!("a share must be between 0 and 1, found {share}"))
    }
}

/// Whether `salt` can split customers: it is not empty.
pub(crate) fn check_salt(salt: &str) -> Result<(), String> {
    if salt.is_empty() {
        Err("a salt must not be empty: it is what the customers' ids are hashed with".into())
    } else {
        Ok(())
    }
}

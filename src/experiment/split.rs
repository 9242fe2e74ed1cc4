//! Which arm a customer is in: a stable hash of the salt and the
//! customer's id, read as a number in [0, 1) and compared with the share.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location};
use crate::hash::StableHasher;
use crate::spec::ChallengerSpec;
use crate::validate::{check_salt, check_share};

/// One side of an [`Experiment`](crate::Experiment): the ruleset in force
/// (the champion) or the one being tried (the challenger).
///
/// ```
/// use buyer_journey::Arm;
///
/// assert_eq!(serde_json::to_string(&Arm::Challenger).unwrap(), r#""challenger""#);
/// assert_eq!(Arm::Champion.to_string(), "champion");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// The ruleset in force.
    Champion,
    /// The ruleset being tried on a share of the customers.
    Challenger,
}

impl Arm {
    /// Both arms, the champion first.
    ///
    /// ```
    /// use buyer_journey::Arm;
    ///
    /// assert_eq!(Arm::BOTH, [Arm::Champion, Arm::Challenger]);
    /// ```
    pub const BOTH: [Arm; 2] = [Arm::Champion, Arm::Challenger];

    /// The arm's name, as serde writes it.
    ///
    /// ```
    /// use buyer_journey::Arm;
    ///
    /// assert_eq!(Arm::Challenger.as_str(), "challenger");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Arm::Champion => "champion",
            Arm::Challenger => "challenger",
        }
    }
}

impl fmt::Display for Arm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How customers are split between the arms: a share for the challenger
/// and a salt.
///
/// A customer's **bucket** is the [`StableHasher`] hash of the salt, then
/// the customer's id, its top 53 bits read as a number in [0, 1). The
/// customer is in the challenger's arm when the bucket is below the share.
/// So:
///
/// - the same salt and id give the same arm on every machine and after
///   every restart;
/// - a share of 0 sends everyone to the champion, 1 everyone to the
///   challenger, and a share of `s` about `s` of the customers to the
///   challenger;
/// - raising the share only moves customers from the champion to the
///   challenger, never back;
/// - another salt gives an assignment independent of this one's.
///
/// # Example
///
/// ```
/// use buyer_journey::{Arm, Split};
///
/// let split = Split::new(0.2, "spring-2026")?;
/// let arm = split.arm("c-42");
/// assert_eq!(arm, Split::new(0.2, "spring-2026")?.arm("c-42"));
/// if arm == Arm::Challenger {
///     assert_eq!(Split::new(0.3, "spring-2026")?.arm("c-42"), Arm::Challenger);
/// }
///
/// let err = Split::new(1.5, "spring-2026").unwrap_err();
/// assert_eq!(err.to_string(), "share: a share must be between 0 and 1, found 1.5");
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    share: f64,
    salt: String,
}

impl Split {
    /// The split sending `share` of the customers to the challenger, by
    /// their ids hashed with `salt`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) at `share` for a
    /// share outside [0, 1] (or NaN), at `salt` for an empty salt.
    ///
    /// ```
    /// use buyer_journey::Split;
    ///
    /// assert!(Split::new(0.5, "a").is_ok());
    /// assert_eq!(Split::new(0.5, "").unwrap_err().to_string(),
    ///     "salt: a salt must not be empty: it is what the customers' ids are hashed with");
    /// ```
    pub fn new(share: f64, salt: &str) -> Result<Split, Error> {
        check_share(share).map_err(|message| Error::invalid(Location::new("share"), message))?;
        check_salt(salt).map_err(|message| Error::invalid(Location::new("salt"), message))?;
        Ok(Split {
            share,
            salt: salt.to_owned(),
        })
    }

    /// The split a ruleset's challenger declares.
    ///
    /// # Errors
    ///
    /// As [`Split::new`], located under `challenger`. A challenger from a
    /// ruleset an engine was built from has been checked already.
    ///
    /// ```
    /// use buyer_journey::{ChallengerSpec, Split};
    ///
    /// let split = Split::of(&ChallengerSpec::new("v2", 0.1, "may"))?;
    /// assert_eq!((split.share(), split.salt()), (0.1, "may"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn of(challenger: &ChallengerSpec) -> Result<Split, Error> {
        Split::new(challenger.share, &challenger.salt).map_err(|e| e.at("challenger"))
    }

    /// The challenger's share of the customers, in [0, 1].
    ///
    /// ```
    /// use buyer_journey::Split;
    ///
    /// assert_eq!(Split::new(0.25, "a")?.share(), 0.25);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn share(&self) -> f64 {
        self.share
    }

    /// What the customers' ids are hashed with.
    ///
    /// ```
    /// use buyer_journey::Split;
    ///
    /// assert_eq!(Split::new(0.25, "may")?.salt(), "may");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The customer's bucket, in [0, 1): the customer is in the
    /// challenger's arm under every share above it. Allocates nothing.
    ///
    /// ```
    /// use buyer_journey::{Arm, Split};
    ///
    /// let split = Split::new(0.5, "may")?;
    /// let bucket = split.bucket("c-42");
    /// assert!((0.0..1.0).contains(&bucket));
    /// assert_eq!(split.arm("c-42") == Arm::Challenger, bucket < 0.5);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn bucket(&self, customer_id: &str) -> f64 {
        let hash = StableHasher::new()
            .str(&self.salt)
            .str(customer_id)
            .finish();
        // The top 53 bits fill an f64's mantissa exactly: every bucket is a
        // multiple of 2^-53 below 1.
        #[allow(clippy::cast_precision_loss)]
        let top = (hash >> 11) as f64;
        top * (1.0 / (1_u64 << 53) as f64)
    }

    /// The arm of the customer with `customer_id`. Allocates nothing; the
    /// cost is linear in the length of the id and the salt.
    ///
    /// ```
    /// use buyer_journey::{Arm, Split};
    ///
    /// assert_eq!(Split::new(0.0, "may")?.arm("c-42"), Arm::Champion);
    /// assert_eq!(Split::new(1.0, "may")?.arm("c-42"), Arm::Challenger);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn arm(&self, customer_id: &str) -> Arm {
        if self.bucket(customer_id) < self.share {
            Arm::Challenger
        } else {
            Arm::Champion
        }
    }
}

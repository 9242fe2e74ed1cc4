//! What a customer did after the host showed them an action.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a customer responded to an action the host showed them.
///
/// Showing an action is not a response: it is what the responses answer.
/// [`Accepted`](Response::Accepted) and [`Converted`](Response::Converted)
/// are positive; [`Dismissed`](Response::Dismissed) and
/// [`Ignored`](Response::Ignored) are rejections.
///
/// ```
/// use buyer_journey::Response;
///
/// let response: Response = serde_json::from_str(r#""converted""#).unwrap();
/// assert_eq!(response, Response::Converted);
/// assert!(response.is_positive() && !Response::Ignored.is_positive());
/// assert_eq!(Response::Dismissed.to_string(), "dismissed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    /// The customer turned the action down (closed it, said no).
    Dismissed,
    /// No response within the window the action declares.
    Ignored,
    /// The customer took the action up: clicked, opened, booked.
    Accepted,
    /// The customer went on to buy (or whatever the action aims at).
    Converted,
}

impl Response {
    /// Every response, from the weakest to the strongest.
    ///
    /// ```
    /// use buyer_journey::Response;
    ///
    /// assert_eq!(Response::ALL.len(), 4);
    /// assert!(Response::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    /// ```
    pub const ALL: [Response; 4] = [
        Response::Dismissed,
        Response::Ignored,
        Response::Accepted,
        Response::Converted,
    ];

    /// Whether the customer took the action up: accepted or converted.
    ///
    /// ```
    /// use buyer_journey::Response;
    ///
    /// assert!(Response::Accepted.is_positive());
    /// assert!(!Response::Dismissed.is_positive());
    /// ```
    #[must_use]
    pub fn is_positive(self) -> bool {
        matches!(self, Response::Accepted | Response::Converted)
    }

    /// The response's name, as serde writes it.
    ///
    /// ```
    /// use buyer_journey::Response;
    ///
    /// assert_eq!(Response::Ignored.as_str(), "ignored");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Dismissed => "dismissed",
            Response::Ignored => "ignored",
            Response::Accepted => "accepted",
            Response::Converted => "converted",
        }
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

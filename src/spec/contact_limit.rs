//! Limits on how often one customer is contacted, over many actions.

use serde::{Deserialize, Serialize};

use crate::time::Span;

/// At most `times` contacts per sliding `window` for one customer, over
/// every action of the catalog or over the actions of one
/// [`group`](ContactLimitSpec::group): the serde form used in a ruleset's
/// `contact_limits`.
///
/// A contact is a showing of an action in scope, as the
/// [`ContactHistory`](crate::ContactHistory) reports it
/// ([`times_shown_after`](crate::ContactHistory::times_shown_after)): one
/// at `t` counts while `now - t < window`. Once the customer has had
/// `times` contacts in scope within the window, every action in scope is
/// held back, and [`Engine::explain`](crate::Engine::explain) names the
/// limit ([`Reason::ContactLimit`](crate::Reason::ContactLimit)).
///
/// ```
/// use buyer_journey::{ContactLimitSpec, Span};
///
/// let limit: ContactLimitSpec = serde_json::from_str(
///     r#"{"id": "weekly_email", "times": 2, "window": "7d", "group": "email"}"#,
/// ).unwrap();
/// assert_eq!(limit, ContactLimitSpec::new("weekly_email", 2, Span::days(7)).group("email"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ContactLimitSpec {
    /// A unique id among the limits, written as an action id is.
    pub id: String,
    /// How many contacts the window allows; at least 1.
    pub times: u32,
    /// The length of the sliding window; more than zero.
    pub window: Span,
    /// The group of actions the limit counts and holds back (an
    /// [`ActionSpec::group`](crate::ActionSpec::group), by default an
    /// action's kind); every action when none. A group such as `email`
    /// makes it a limit per channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl ContactLimitSpec {
    /// At most `times` contacts within any `window`, over every action.
    ///
    /// ```
    /// use buyer_journey::{ContactLimitSpec, Span};
    ///
    /// let limit = ContactLimitSpec::new("weekly", 3, Span::days(7));
    /// assert_eq!(serde_json::to_string(&limit).unwrap(), r#"{"id":"weekly","times":3,"window":"7d"}"#);
    /// ```
    #[must_use]
    pub fn new(id: &str, times: u32, window: Span) -> Self {
        ContactLimitSpec {
            id: id.to_owned(),
            times,
            window,
            group: None,
        }
    }

    /// The same limit, over the actions of `group` only.
    ///
    /// ```
    /// use buyer_journey::{ContactLimitSpec, Span};
    ///
    /// let limit = ContactLimitSpec::new("calls", 1, Span::days(7)).group("consultation");
    /// assert_eq!(limit.group.as_deref(), Some("consultation"));
    /// ```
    #[must_use]
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }
}

//! The contact policy applied: which of an action's limits hold it back now,
//! given what the host has shown the customer.

use crate::time::{Span, Timestamp};
use crate::validate::Action;

use super::ContactHistory;

/// Why the contact policy holds an action back right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContactBlock {
    /// Shown at `last_shown`; the cooldown lasts until `until`.
    Cooldown {
        last_shown: Timestamp,
        until: Timestamp,
    },
    /// Shown `shown` times within the last `window`, the cap being `times`.
    Cap {
        shown: u32,
        times: u32,
        window: Span,
    },
    /// Dismissed `dismissals` times, the limit being `max`.
    Dismissed { dismissals: u32, max: u32 },
}

/// Each limit of the action's contact policy that holds it back at `now`.
/// Asks the history only about the limits the policy sets.
pub(crate) fn contact_blocks<H: ContactHistory + ?Sized>(
    action: &Action,
    history: &H,
    now: Timestamp,
) -> [Option<ContactBlock>; 3] {
    let policy = action.contact();
    let cooldown = policy.cooldown.and_then(|cooldown| {
        let last_shown = history.last_shown(action)?;
        let until = last_shown + cooldown;
        (now < until).then_some(ContactBlock::Cooldown { last_shown, until })
    });
    let cap = policy.cap.and_then(|cap| {
        let shown = history.times_shown_after(action, now.before(cap.window));
        (shown >= cap.times).then_some(ContactBlock::Cap {
            shown,
            times: cap.times,
            window: cap.window,
        })
    });
    let dismissed = policy.max_dismissals.and_then(|max| {
        let dismissals = history.dismissals(action);
        (dismissals >= max).then_some(ContactBlock::Dismissed { dismissals, max })
    });
    [cooldown, cap, dismissed]
}

//! The contact policy applied: which of an action's limits hold it back now,
//! given what the host has shown the customer, and which of the ruleset's
//! customer-level contact limits are reached.

use crate::time::{Span, Timestamp};
use crate::validate::{Action, ContactLimit};

use super::ContactHistory;
use crate::spec::Suppression;

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
    /// Dismissed `dismissals` times (those not expired), the limit being
    /// `max`.
    Dismissed { dismissals: u32, max: u32 },
    /// Rejected `rejections` times within the suppression's window ending
    /// at `since`; hidden until `until`.
    Suppressed {
        rejections: u32,
        since: Timestamp,
        until: Timestamp,
    },
}

/// Each limit of the action's contact policy that holds it back at `now`.
/// Asks the history only about the limits the policy sets.
pub(crate) fn contact_blocks<H: ContactHistory + ?Sized>(
    action: &Action,
    history: &H,
    now: Timestamp,
) -> [Option<ContactBlock>; 4] {
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
        let dismissals = match policy.dismissals_expire {
            Some(expire) => history.dismissals_after(action, now.before(expire)),
            None => history.dismissals(action),
        };
        (dismissals >= max).then_some(ContactBlock::Dismissed { dismissals, max })
    });
    let suppressed = policy
        .suppress
        .and_then(|suppression| suppressed(action, history, now, suppression));
    [cooldown, cap, dismissed, suppressed]
}

/// The latest suppression still running at `now`: from the latest
/// rejection `t` with `now - hide < t <= now` that has at least
/// `rejections` rejections within the window ending at it.
fn suppressed<H: ContactHistory + ?Sized>(
    action: &Action,
    history: &H,
    now: Timestamp,
    suppression: Suppression,
) -> Option<ContactBlock> {
    let mut upto = now;
    loop {
        let since = history.last_rejection(action, upto)?.min(upto);
        let until = since + suppression.hide;
        if until <= now {
            return None;
        }
        let rejections =
            history.rejections_between(action, since.before(suppression.window), since);
        if rejections >= suppression.rejections {
            return Some(ContactBlock::Suppressed {
                rejections,
                since,
                until,
            });
        }
        let earlier = since.before(Span::seconds(1));
        if earlier >= upto {
            return None;
        }
        upto = earlier;
    }
}

/// How many contacts the customer had within `limit`'s window at `now`:
/// the showings of every action of `actions` in its scope.
pub(crate) fn contacts<'a, H: ContactHistory + ?Sized>(
    limit: &ContactLimit,
    actions: impl Iterator<Item = &'a Action>,
    history: &H,
    now: Timestamp,
) -> u32 {
    let after = now.before(limit.window);
    actions
        .filter(|action| limit.covers(action))
        .fold(0_u32, |total, action| {
            total.saturating_add(history.times_shown_after(action, after))
        })
}

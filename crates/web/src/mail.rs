//! Mail sent at once: a form or API call that queues a message (an acknowledgement, a
//! verification code) asks for a delivery pass now rather than at the server's next
//! 10-second pass. At most one delivery task runs per site; a burst of asks makes one
//! more pass, not one task each (each pass is a store transaction).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::Site;

/// Sends what the change queued (the acknowledgement, the code) now rather than at the
/// server's next mail pass; a failure is left to that pass, which retries and reports it.
pub(crate) fn deliver_soon(site: &Site) {
    if site.mail.start() {
        let app = site.app.clone();
        let kick = site.mail.clone();
        tokio::spawn(async move {
            loop {
                let _ = app.deliver_pending().await;
                if kick.done() {
                    break;
                }
            }
        });
    }
}

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const AGAIN: u8 = 2;

/// At most one delivery task per site: a burst of submissions makes one more pass, not
/// one task each (each pass is a store transaction).
#[derive(Clone, Default)]
pub(crate) struct MailKick {
    state: Arc<AtomicU8>,
}

impl MailKick {
    /// Asks for a pass; `true` when the caller must start the task (none is running).
    /// A running task is told to go again: the message was queued before this call, so
    /// the next pass sees it.
    fn start(&self) -> bool {
        let before = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                Some(if s == IDLE { RUNNING } else { AGAIN })
            })
            .unwrap_or(AGAIN);
        before == IDLE
    }

    /// After a pass: `true` when the task may end, `false` when it was asked again.
    fn done(&self) -> bool {
        if self.state.compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            return true;
        }
        self.state.store(RUNNING, Ordering::Release);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_asks_makes_one_task_that_goes_again_once() {
        let kick = MailKick::default();
        assert!(kick.start(), "the first ask starts the task");
        assert!(!kick.start() && !kick.start(), "later asks only ask again");
        assert!(!kick.done(), "asked again while running: one more pass");
        assert!(kick.done(), "nothing new: the task ends");
        assert!(kick.start(), "idle again: the next ask starts a task");
    }
}

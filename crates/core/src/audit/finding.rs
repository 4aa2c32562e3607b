//! What the verifier found wrong with an audit chain, one plain sentence each.
//!
//! Findings name events by seq. A finding about rows as they are stored (edited,
//! inserted, moved, duplicate) names the seq stored in the row, which is what the
//! operator can look up; a finding about the chain (deleted, the head) names the seqs
//! the events were written with. The two only differ when seqs were changed, and then a
//! [`Finding::Moved`] says how. Display text is lowercase without a final period, like
//! every error text in ombud (STYLE.md §4.5), so it reads well after a prefix.

use std::fmt;

use super::{Head, to_hex};

/// One problem the verifier found. Findings come in chain order.
///
/// An event whose hash verifies is authentic (see the [module documentation](super)), so
/// every finding rests on which stored rows are authentic and where they stand.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// Consecutive rows whose content no longer matches their hash, and which stand where
    /// the chain continues through them: an event's content (or its hash) was edited, or
    /// an event was replaced by a made-up one.
    Edited {
        /// The stored seq of the first row.
        first: u64,
        /// The stored seq of the last row.
        last: u64,
        /// How many rows (more than `last - first + 1` only if stored seqs repeat).
        count: u64,
    },
    /// Consecutive rows that do not verify and that the chain skips: the event after them
    /// links to the event before them.
    Inserted {
        /// The stored seq of the first row.
        first: u64,
        /// The stored seq of the last row.
        last: u64,
        /// How many rows.
        count: u64,
        /// The stored seq of the event before them; `None` at the start of the chain.
        previous: Option<u64>,
        /// The stored seq of the event after them; `None` when they end the log and the
        /// head records the event before them.
        next: Option<u64>,
    },
    /// Events missing from the chain: the written seqs `first..=last` are absent.
    Deleted {
        /// The first missing seq.
        first: u64,
        /// The last missing seq.
        last: u64,
        /// The seq of the event before the gap (0 at the start of the chain).
        before: u64,
        /// The seq of the event after the gap.
        after: u64,
    },
    /// Authentic rows whose stored seq is not the seq they were written with, because
    /// events were swapped, renumbered or had their seq edited. Consecutive rows shifted
    /// by the same amount make one finding.
    Moved {
        /// The stored seq of the first row.
        first: u64,
        /// The stored seq of the last row; the run's stored seqs are consecutive.
        last: u64,
        /// The seq the first row was written with; the others follow on.
        written_first: u64,
    },
    /// An authentic event whose `prev_hash` is not the hash of the event before it,
    /// although nothing is missing in between: the chain forked (two events were written
    /// on the same predecessor, which serialized appends must prevent) or was spliced
    /// from another chain written with the same key.
    Unlinked {
        /// The stored seq of the event.
        seq: u64,
        /// The stored seq of the event before it; 0 when it is the first.
        previous: u64,
    },
    /// An authentic event stored again with the same seq: a copied row.
    Duplicate {
        /// The seq.
        seq: u64,
    },
    /// An event read after an event with a higher stored seq: the reader did not return
    /// events in seq order, which [`super::ChainVerifier::push`] requires.
    OutOfOrder {
        /// The stored seq of the event.
        seq: u64,
        /// The stored seq of the event read before it.
        after: u64,
    },
    /// The head records a later event than the chain's last: events were deleted from
    /// the end.
    TailDeleted {
        /// The seq the head records.
        head: u64,
        /// The seq of the last event in the chain (0 when there is none).
        last: u64,
    },
    /// The log has events but the head row is missing.
    HeadMissing,
    /// The head row does not record the chain's last event (its seq or hash differ).
    HeadMismatch {
        /// The seq of the last event in the chain (0 when there is none).
        last: u64,
    },
    /// The checkpoint the auditor expected is not an authentic event of the chain.
    CheckpointMissing {
        /// The checkpoint.
        checkpoint: Head,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Finding::Edited { first, last, count } => {
                let rows = Rows { first, last, count };
                if rows.is_one() {
                    write!(f, "{rows} was edited: its content no longer matches its hash")
                } else {
                    write!(f, "{rows} were edited: their content no longer matches their hashes")
                }
            }
            Finding::Inserted { first, last, count, previous, next } => {
                let rows = Rows { first, last, count };
                if rows.is_one() {
                    write!(f, "{rows} was inserted: it is not part of the chain")?;
                } else {
                    write!(f, "{rows} were inserted: they are not part of the chain")?;
                }
                match (previous, next) {
                    (Some(previous), Some(next)) => {
                        write!(f, " (event {next} follows event {previous})")
                    }
                    (None, Some(next)) => write!(f, " (the chain starts at event {next})"),
                    (Some(previous), None) => write!(f, " (the chain ends at event {previous})"),
                    (None, None) => write!(f, " (the chain is empty)"),
                }
            }
            Finding::Deleted { first, last, before, after } => {
                let rows =
                    Rows { first, last, count: last.saturating_sub(first).saturating_add(1) };
                let verb = if rows.is_one() { "was" } else { "were" };
                if before == 0 {
                    write!(f, "{rows} {verb} deleted: the chain starts at {after}")
                } else {
                    write!(f, "{rows} {verb} deleted: the chain jumps from {before} to {after}")
                }
            }
            Finding::Moved { first, last, written_first } => {
                if first == last {
                    write!(f, "event {first} was moved: it was written as event {written_first}")
                } else {
                    let written_last = written_first.saturating_add(last.saturating_sub(first));
                    write!(
                        f,
                        "events {first}–{last} were moved: \
                         they were written as events {written_first}–{written_last}"
                    )
                }
            }
            Finding::Unlinked { seq, previous: 0 } => {
                write!(f, "event {seq} does not start the chain: its prev_hash is not all zeros")
            }
            Finding::Unlinked { seq, previous } => write!(
                f,
                "event {seq} does not link to event {previous}: \
                 its prev_hash is not the hash of event {previous}"
            ),
            Finding::Duplicate { seq } => {
                write!(f, "event {seq} appears more than once: the copy is not part of the chain")
            }
            Finding::OutOfOrder { seq, after } => {
                write!(f, "event {seq} is out of order: it was read after event {after}")
            }
            Finding::TailDeleted { head, last } => {
                let deleted = head.saturating_sub(last);
                if last == 0 {
                    write!(
                        f,
                        "all {deleted} events were deleted: \
                         the head records event {head} but the chain is empty"
                    )
                } else if deleted == 1 {
                    write!(
                        f,
                        "the last event was deleted: \
                         the head records event {head} but the chain ends at {last}"
                    )
                } else {
                    write!(
                        f,
                        "the last {deleted} events were deleted: \
                         the head records event {head} but the chain ends at {last}"
                    )
                }
            }
            Finding::HeadMissing => f.write_str("the head row is missing"),
            Finding::HeadMismatch { last: 0 } => {
                f.write_str("the head row does not match the empty chain")
            }
            Finding::HeadMismatch { last } => {
                write!(f, "the head row does not match event {last}")
            }
            Finding::CheckpointMissing { checkpoint } => {
                // Eight digits identify the checkpoint to whoever holds it; all 64 would
                // drown the sentence.
                let hex = to_hex(&checkpoint.hash);
                write!(f, "the checkpoint {}:{}… is not in the chain", checkpoint.seq, &hex[..8])
            }
        }
    }
}

/// A run of rows, worded for a sentence: "event 7", "events 7–9", or "3 events from 7 to
/// 12" when the stored seqs of the run are not consecutive.
struct Rows {
    first: u64,
    last: u64,
    count: u64,
}

impl Rows {
    fn is_one(&self) -> bool {
        self.count == 1
    }
}

impl fmt::Display for Rows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rows { first, last, count } = *self;
        if count == 1 {
            write!(f, "event {first}")
        } else if last.checked_sub(first).and_then(|span| span.checked_add(1)) == Some(count) {
            write!(f, "events {first}–{last}")
        } else {
            write!(f, "{count} events from {first} to {last}")
        }
    }
}

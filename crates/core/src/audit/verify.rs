//! The streaming verifier: walks stored events in seq order and reports every way the
//! chain differs from what was written.
//!
//! It works in two steps. On arrival, each row is *identified*: its hash is recomputed
//! with its stored seq and, if that fails, with the few other seqs it could have been
//! written with. A row that verifies is authentic and its written seq is then known for
//! certain (see the module documentation of [`super`]); one that never verifies is
//! forged. Then, [`LOOKAHEAD_ROWS`] rows later, each row is *classified* against the
//! chain so far, with the rows after it in view: a missing seq that turns up among them
//! was moved, not deleted; a forged row the next row skips was inserted, one it builds
//! on was edited.
//!
//! **Invariants.** Memory is fixed: the window of rows (without their text), a small ring
//! of recent hashes, one pending run of each kind and at most [`FINDINGS_MAX`] findings,
//! however long the log. An intact event costs one HMAC; only a row that fails costs
//! more, and the search for its written seq draws on a budget that grows by
//! [`SEARCH_HASHES_PER_EVENT`] per event, so no tampering makes the walk cost more than
//! twice an intact one (plus a constant). Every tampering gives at least one
//! finding: a row that does not verify always does, and an authentic row is only left
//! unreported when an earlier finding already explains where it stands.

use std::collections::VecDeque;

use super::{ChainKey, EventBody, EventRef, Finding, GENESIS, Hash, Head, StoredEvent};

/// How many findings a [`Report`] lists; [`Report::findings_total`] counts the rest.
/// An operator needs the first screenful to act on, and a renumbered log must not turn
/// into a million lines.
pub const FINDINGS_MAX: usize = 100;

/// How many identified rows wait before they are classified. A seq missing from the
/// chain that appears among them was moved (swapped) rather than deleted; farther
/// moves are reported as a deletion and a forged row.
const LOOKAHEAD_ROWS: usize = 8;

/// How far from its stored seq a failing row's written seq is searched when nothing
/// else suggests one: enough to recognize a swap or a renumbering that closes a small
/// gap, without making an edited row cost more than a handful of HMACs.
const SEARCH_DISTANCE_SEQS: usize = 8;

/// The search budget for written seqs: it starts at this many HMACs and every event adds
/// [`SEARCH_HASHES_PER_EVENT`]. Real tampering stays far within it: an edit or a swap
/// costs up to two dozen HMACs once, and a renumbering nothing after its first row. A
/// log crafted to make every row search widely exhausts it; from then on its rows are
/// classified more coarsely (as edits) but no less surely.
const SEARCH_HASHES_INITIAL: u64 = 1_024;

/// What each event adds to the search budget: with its own HMAC (and the predicted seq
/// after a moved row, tried instead of the stored one), a walk costs at most two per
/// event.
const SEARCH_HASHES_PER_EVENT: u64 = 1;

/// How many authentic events are remembered by hash. A failing row whose `prev_hash`
/// names one of them is tried as the event written right after it.
const RECENT_EVENTS: usize = 8;

/// Walks the events in `seq` order as they are read and reports every problem.
///
/// ```
/// use ombud_core::audit::{ChainKey, ChainVerifier, GENESIS, Head, StoredEvent, EventBody};
///
/// let key = ChainKey::new([7; 32]);
/// let body = EventBody {
///     seq: 1, at_ms: 0, actor: "cli", action: "audit.started", request_id: "", payload: "{}",
/// };
/// let hash = key.hash(&GENESIS, &body);
/// let event = StoredEvent {
///     seq: 1, at_ms: 0, actor: "cli".into(), action: "audit.started".into(),
///     request_id: String::new(), payload: "{}".into(), prev_hash: GENESIS, hash,
/// };
/// let mut verifier = ChainVerifier::new(key, None);
/// verifier.push(event);
/// let report = verifier.finish(Some(Head { seq: 1, hash }));
/// assert!(report.is_intact());
/// assert_eq!(report.last_good, Some(Head { seq: 1, hash }));
/// ```
pub struct ChainVerifier {
    identifier: Identifier,
    /// Rows identified but not yet classified, oldest first.
    window: VecDeque<Row>,
    classifier: Classifier,
    checkpoint: Option<Head>,
    checkpoint_found: bool,
    events_checked: u64,
}

impl ChainVerifier {
    /// Starts a walk. `expected` is an optional checkpoint an auditor kept from earlier
    /// (`ombud audit verify --expect-head SEQ:HEX`): the chain must contain that event
    /// with that hash.
    ///
    /// The checkpoint is given here rather than to [`ChainVerifier::finish`] because
    /// it must be compared while its event streams past: the verifier does not keep the
    /// hashes of a long chain.
    pub fn new(key: ChainKey, expected: Option<Head>) -> ChainVerifier {
        ChainVerifier {
            identifier: Identifier {
                key,
                // The genesis entry makes a row whose `prev_hash` is zero a candidate
                // for seq 1, like any row after a remembered event.
                recent: [(GENESIS, 0); RECENT_EVENTS],
                recent_next: 0,
                offset: None,
                previous_forged: false,
                search_budget: SEARCH_HASHES_INITIAL,
            },
            window: VecDeque::with_capacity(LOOKAHEAD_ROWS + 1),
            classifier: Classifier {
                tip: Tip::GENESIS,
                last_good: None,
                last_stored: None,
                forged_run: None,
                moved_run: None,
                findings: Vec::new(),
                findings_total: 0,
            },
            checkpoint: expected,
            // The start of the chain is in every chain.
            checkpoint_found: expected == Some(Head { seq: 0, hash: GENESIS }),
            events_checked: 0,
        }
    }

    /// Feeds the next event in ascending stored-seq order.
    ///
    /// Costs one HMAC for an intact event and keeps none of its text.
    pub fn push(&mut self, event: StoredEvent) {
        self.push_ref(event.as_ref());
    }

    /// [`ChainVerifier::push`] for an event whose text is borrowed (straight from a
    /// database row): nothing is copied, which is what lets a walk over millions of
    /// events run at the speed of the HMAC.
    pub fn push_ref(&mut self, event: EventRef<'_>) {
        self.events_checked = self.events_checked.saturating_add(1);
        let written = self.identifier.identify(&event);
        if let Some(checkpoint) = self.checkpoint
            && written == Some(checkpoint.seq)
            && event.hash == checkpoint.hash
        {
            self.checkpoint_found = true;
        }
        self.window.push_back(Row {
            stored: event.body.seq,
            written,
            prev: event.prev_hash,
            hash: event.hash,
        });
        if self.window.len() > LOOKAHEAD_ROWS
            && let Some(row) = self.window.pop_front()
        {
            self.classifier.classify(row, &self.window);
        }
    }

    /// Ends the walk. `head` is what the head table says (`None` if the row is missing).
    ///
    /// An empty log without a head row is a fresh installation and intact.
    pub fn finish(mut self, head: Option<Head>) -> Report {
        while let Some(row) = self.window.pop_front() {
            self.classifier.classify(row, &self.window);
        }
        let classifier = &mut self.classifier;
        classifier.resolve_forged(None, head);
        classifier.flush_moved();
        classifier.check_head(head, self.events_checked);
        if let Some(checkpoint) = self.checkpoint
            && !self.checkpoint_found
        {
            classifier.report(Finding::CheckpointMissing { checkpoint });
        }
        Report {
            events_checked: self.events_checked,
            findings: self.classifier.findings,
            findings_total: self.classifier.findings_total,
            last_good: self.classifier.last_good,
        }
    }
}

/// The outcome of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// How many events were read.
    pub events_checked: u64,
    /// The first [`FINDINGS_MAX`] findings, in chain order.
    pub findings: Vec<Finding>,
    /// How many findings there were in all (`findings` may be truncated).
    pub findings_total: u64,
    /// The last event that verified, if any: the authentic event with the highest seq the
    /// walk reached, named by the seq it was written with. For an intact chain it is
    /// the head.
    pub last_good: Option<Head>,
}

impl Report {
    /// Whether the chain is exactly as written: no finding at all.
    pub fn is_intact(&self) -> bool {
        self.findings_total == 0
    }
}

/// A row as the classifier needs it: without its text, which is only needed for the HMAC.
#[derive(Clone, Copy)]
struct Row {
    stored: u64,
    /// The seq the row was written with, if it verified with one; `None` if forged.
    written: Option<u64>,
    prev: Hash,
    hash: Hash,
}

/// The last event of the chain as classified so far.
#[derive(Clone, Copy)]
struct Tip {
    /// The seq it was written with (for an edited row, the seq its position implies).
    written: u64,
    /// Its stored seq; `None` for the start of the chain.
    stored: Option<u64>,
    hash: Hash,
    /// Whether it is an edited row, whose hash proves nothing: links to it are not
    /// checked, since its finding already says the chain is broken there.
    forged: bool,
}

impl Tip {
    const GENESIS: Tip = Tip { written: 0, stored: None, hash: GENESIS, forged: false };
}

/// The step that runs on arrival: which seq, if any, a row was written with.
struct Identifier {
    key: ChainKey,
    /// A ring of recent authentic events: (hash, written seq).
    recent: [(Hash, u64); RECENT_EVENTS],
    recent_next: usize,
    /// `written - stored` (wrapping) of the last authentic row, if it was moved: the
    /// rows after a renumbered one are usually shifted by the same amount.
    offset: Option<u64>,
    /// Whether the last row was forged, so a run of them searches widely only once.
    previous_forged: bool,
    /// How many more HMACs the search may spend.
    search_budget: u64,
}

impl Identifier {
    fn identify(&mut self, event: &EventRef<'_>) -> Option<u64> {
        self.search_budget = self.search_budget.saturating_add(SEARCH_HASHES_PER_EVENT);
        let body = event.body;
        // After a moved row the next one is most likely shifted the same way (a
        // renumbering), so that seq is tried first: a renumbered log then costs one HMAC
        // per row, like an intact one. A row cannot verify with two seqs, so the order
        // does not change the answer. A wrong guess is charged to the search budget.
        let predicted =
            self.offset.map(|offset| event.body.seq.wrapping_add(offset)).filter(|&seq| seq != 0);
        let mut written = None;
        if let Some(seq) = predicted
            && let Some(budget) = self.search_budget.checked_sub(1)
        {
            if self.verifies(event, body, seq) {
                written = Some(seq);
            } else {
                self.search_budget = budget;
            }
        }
        if written.is_none() {
            written = if self.verifies(event, body, event.body.seq) {
                Some(event.body.seq)
            } else {
                self.search(event, body, predicted)
            };
        }
        match written {
            Some(written) => {
                if let Some(slot) = self.recent.get_mut(self.recent_next) {
                    *slot = (event.hash, written);
                }
                self.recent_next = (self.recent_next + 1) % RECENT_EVENTS;
                self.offset =
                    (written != event.body.seq).then(|| written.wrapping_sub(event.body.seq));
                self.previous_forged = false;
            }
            None => self.previous_forged = true,
        }
        written
    }

    /// The seq other than the stored one with which the row verifies, if any. Only the
    /// seqs the surroundings suggest are tried: trying every seq is impossible, and an
    /// attacker cannot make a row verify with any seq anyway.
    fn search(
        &mut self,
        event: &EventRef<'_>,
        body: EventBody<'_>,
        predicted: Option<u64>,
    ) -> Option<u64> {
        let mut candidates = Candidates::new(event.body.seq, predicted);
        for &(hash, written) in &self.recent {
            if hash == event.prev_hash {
                candidates.add(written.checked_add(1));
            }
        }
        if !self.previous_forged {
            for distance in 1..=SEARCH_DISTANCE_SEQS as u64 {
                candidates.add(event.body.seq.checked_add(distance));
                candidates.add(event.body.seq.checked_sub(distance));
            }
        }
        for &seq in candidates.seqs() {
            let budget = self.search_budget.checked_sub(1)?;
            self.search_budget = budget;
            if self.verifies(event, body, seq) {
                return Some(seq);
            }
        }
        None
    }

    /// Whether `event` was written with `seq`.
    fn verifies(&self, event: &EventRef<'_>, body: EventBody<'_>, seq: u64) -> bool {
        self.key.hash(&event.prev_hash, &EventBody { seq, ..body }) == event.hash
    }
}

/// The seqs to try for one row, without repeats, in the order added.
struct Candidates {
    /// The seqs tried already: the stored one and the predicted one.
    tried: [Option<u64>; 2],
    seqs: [u64; CANDIDATES_MAX],
    len: usize,
}

const CANDIDATES_MAX: usize = RECENT_EVENTS + 2 * SEARCH_DISTANCE_SEQS;

impl Candidates {
    fn new(stored: u64, predicted: Option<u64>) -> Candidates {
        Candidates { tried: [Some(stored), predicted], seqs: [0; CANDIDATES_MAX], len: 0 }
    }

    fn add(&mut self, seq: Option<u64>) {
        // Seqs start at 1.
        let Some(seq) = seq.filter(|&seq| seq != 0 && !self.tried.contains(&Some(seq))) else {
            return;
        };
        if self.seqs().contains(&seq) {
            return;
        }
        if let Some(slot) = self.seqs.get_mut(self.len) {
            *slot = seq;
            self.len += 1;
        }
    }

    fn seqs(&self) -> &[u64] {
        &self.seqs[..self.len]
    }
}

/// Consecutive forged rows, waiting for the row after them to say whether the chain
/// skips them (inserted) or runs through them (edited).
struct ForgedRun {
    first: u64,
    last: u64,
    count: u64,
    last_hash: Hash,
    /// The chain's tip before the run.
    before: Tip,
}

/// Consecutive authentic rows shifted by the same amount, reported as one finding.
struct MovedRun {
    first: u64,
    last: u64,
    written_first: u64,
    written_last: u64,
}

/// The step that runs [`LOOKAHEAD_ROWS`] rows after arrival: what each row means for
/// the chain.
struct Classifier {
    tip: Tip,
    last_good: Option<Head>,
    last_stored: Option<u64>,
    forged_run: Option<ForgedRun>,
    moved_run: Option<MovedRun>,
    findings: Vec<Finding>,
    findings_total: u64,
}

impl Classifier {
    fn report(&mut self, finding: Finding) {
        self.findings_total = self.findings_total.saturating_add(1);
        if self.findings.len() < FINDINGS_MAX {
            self.findings.push(finding);
        }
    }

    /// Classifies `row`; `ahead` holds the rows after it, in order.
    fn classify(&mut self, row: Row, ahead: &VecDeque<Row>) {
        let previous_stored = self.last_stored.replace(row.stored);
        let Some(written) = row.written else {
            self.flush_moved();
            match &mut self.forged_run {
                Some(run) => {
                    run.last = row.stored;
                    run.count = run.count.saturating_add(1);
                    run.last_hash = row.hash;
                }
                None => {
                    self.forged_run = Some(ForgedRun {
                        first: row.stored,
                        last: row.stored,
                        count: 1,
                        last_hash: row.hash,
                        before: self.tip,
                    });
                }
            }
            return;
        };
        self.resolve_forged(Some(&row), None);

        let moved = written != row.stored;
        let continues_run = moved
            && self.moved_run.as_ref().is_some_and(|run| {
                run.last.checked_add(1) == Some(row.stored)
                    && run.written_last.checked_add(1) == Some(written)
            });
        if !continues_run {
            self.flush_moved();
        }

        let tip = self.tip;
        if written > tip.written || (tip.forged && written == tip.written) {
            if written.checked_sub(tip.written).is_some_and(|step| step > 1) {
                self.report_deleted(tip.written, written, ahead);
            } else if !tip.forged && row.prev != tip.hash {
                // The MAC covers `prev_hash`, so an authentic event that follows an
                // authentic one and does not link to it was written on another
                // predecessor: a fork or a splice, not an edit.
                self.report(Finding::Unlinked {
                    seq: row.stored,
                    previous: tip.stored.unwrap_or(0),
                });
            }
            self.tip = Tip { written, stored: Some(row.stored), hash: row.hash, forged: false };
            self.last_good = Some(Head { seq: written, hash: row.hash });
        } else if !moved {
            match previous_stored {
                Some(previous) if row.stored == previous => {
                    self.report(Finding::Duplicate { seq: row.stored });
                }
                Some(previous) if row.stored < previous => {
                    self.report(Finding::OutOfOrder { seq: row.stored, after: previous });
                }
                // An authentic row in its own place but behind the tip: an earlier row
                // was moved ahead of it, and that row's finding covers both.
                _ => {}
            }
        }

        if moved {
            match &mut self.moved_run {
                Some(run) if continues_run => {
                    run.last = row.stored;
                    run.written_last = written;
                }
                _ => {
                    self.moved_run = Some(MovedRun {
                        first: row.stored,
                        last: row.stored,
                        written_first: written,
                        written_last: written,
                    });
                }
            }
        }
    }

    /// Reports the seqs strictly between `before` and `after` as deleted, except those
    /// written by a row just ahead, which were moved and are reported as such.
    fn report_deleted(&mut self, before: u64, after: u64, ahead: &VecDeque<Row>) {
        let mut present = [0u64; LOOKAHEAD_ROWS];
        let mut present_len = 0;
        let in_gap =
            ahead.iter().filter_map(|row| row.written).filter(|&w| w > before && w < after);
        for (slot, written) in present.iter_mut().zip(in_gap) {
            *slot = written;
            present_len += 1;
        }
        let present = &mut present[..present_len];
        present.sort_unstable();
        // `before < after - 1`, so these cannot overflow.
        let mut first = before + 1;
        for &written in present.iter() {
            if written > first {
                self.report(Finding::Deleted { first, last: written - 1, before, after });
            }
            first = first.max(written + 1);
        }
        if first < after {
            self.report(Finding::Deleted { first, last: after - 1, before, after });
        }
    }

    /// Decides what the pending forged run was, now that the row after it (`next`) is
    /// known, or at the end of the log with the `head` row.
    fn resolve_forged(&mut self, next: Option<&Row>, head: Option<Head>) {
        let Some(run) = self.forged_run.take() else { return };
        let skipped = match next {
            Some(next) => next.prev == run.before.hash,
            None => head
                .is_some_and(|head| head.seq == run.before.written && head.hash == run.before.hash),
        };
        if skipped {
            self.report(Finding::Inserted {
                first: run.first,
                last: run.last,
                count: run.count,
                previous: run.before.stored,
                next: next.map(|next| next.stored),
            });
        } else {
            self.report(Finding::Edited { first: run.first, last: run.last, count: run.count });
            // The run stands where the chain continues; its hash proves nothing, so the
            // position is all there is to go on.
            self.tip = Tip {
                written: run.before.written.saturating_add(run.count),
                stored: Some(run.last),
                hash: run.last_hash,
                forged: true,
            };
        }
    }

    fn flush_moved(&mut self) {
        if let Some(run) = self.moved_run.take() {
            self.report(Finding::Moved {
                first: run.first,
                last: run.last,
                written_first: run.written_first,
            });
        }
    }

    fn check_head(&mut self, head: Option<Head>, events_checked: u64) {
        let tip = self.tip;
        let finding = match head {
            None if events_checked == 0 => None,
            None => Some(Finding::HeadMissing),
            // An edited last event was reported already; its hash proves nothing.
            Some(head) if head.seq == tip.written && (head.hash == tip.hash || tip.forged) => None,
            // Had only the head's seq been edited, its hash would still be the tip's.
            Some(head) if head.seq > tip.written && head.hash != tip.hash => {
                Some(Finding::TailDeleted { head: head.seq, last: tip.written })
            }
            Some(_) => Some(Finding::HeadMismatch { last: tip.written }),
        };
        if let Some(finding) = finding {
            self.report(finding);
        }
    }
}

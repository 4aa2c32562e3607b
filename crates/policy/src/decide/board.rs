//! Every subject's consent state next to the program, as one immutable value the app
//! swaps whole (`Arc<Board>`): readers decide against the board they hold, writers make
//! a new board that shares all but the few parts a change touched (issue 5 items 3
//! and 9: a million subjects, a verdict in a few hundred nanoseconds, a change in
//! microseconds).
//!
//! Layout: a radix of `Arc`s over the first two bytes of the subject's key, 256 inner
//! nodes of 256 leaves; each leaf is one sorted `Arc<[Entry]>`, an entry being the
//! key's next 16 bytes and the state, 64 bytes aligned to a cache line. Keys are the
//! store's HMAC-SHA256 of the subject: uniform, and not choosable by anyone without the
//! store's key, so a million subjects spread some 15 to a leaf, and a lookup reads the
//! root (hot), one inner-node slot (1 MiB of them in all, often cached) and, most of
//! the time, the one line of the entry it guesses from the key (see [`find`]): on a
//! board larger than the caches, one or two trips to memory. A change copies one leaf,
//! one inner node (4 KiB) and the root (2 KiB), never the million states.
//!
//! **Keys are compared on their first 18 bytes** (2 in the radix, 16 in the entry):
//! 144 bits of an HMAC output. Two of a billion subjects share them with a probability
//! below 10^-25, and nobody without the store's key can aim at a given prefix, so the
//! board treats them as the subject's identity. Keeping all 32 bytes would make an
//! entry 80 bytes, straddling two cache lines, and cost a second trip to memory per
//! lookup and 16 MB more per million subjects.

use std::cmp::{Ordering, Reverse};
use std::fmt;
use std::mem;
use std::sync::Arc;

use super::snapshot::Prepared;
use super::state::ConsentState;
use super::{Decision, Query, Snapshot, Verdict};

/// A subject as the board knows them: the store's keyed hash (HMAC-SHA256) of the
/// subject's identity, never the identity itself.
pub type SubjectKey = [u8; 32];

/// Children per radix node: one per value of a key byte.
const FANOUT: usize = 256;

/// One subject and their state, in one cache line: the lookup's one trip to memory
/// brings both the key it compares and the state it reads.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
struct Entry {
    /// The key's bytes 2 to 17, big-endian: the order of the bytes, compared as one
    /// integer.
    rest: u128,
    state: ConsentState,
}

/// The subjects whose keys start with the same two bytes, sorted by key.
type Leaf = Arc<[Entry]>;

/// The leaves under one first byte, by the second byte.
type Inner = [Option<Leaf>; FANOUT];

/// The inner nodes, by the key's first byte.
type Root = [Option<Arc<Inner>>; FANOUT];

/// Subjects a batch looks up before deciding for any of them: enough to keep the
/// processor's misses in flight (16 to 64 measured alike on the build VM; 8 was
/// slower).
const IN_FLIGHT: usize = 32;

/// The state of a subject the board does not know: no choices, age unknown.
static NOBODY: ConsentState = ConsentState::EMPTY;

/// The program's snapshot and every subject's consent state, immutable. Cloning is
/// two `Arc` counts; [`Board::with_states`] and [`Board::with_program`] make new
/// boards that share what did not change.
#[derive(Clone)]
pub struct Board {
    snapshot: Arc<Snapshot>,
    root: Arc<Root>,
    len: usize,
}

impl Board {
    /// A board with the program and no subjects.
    pub fn new(snapshot: Arc<Snapshot>) -> Board {
        Board { snapshot, root: Arc::new(empty()), len: 0 }
    }

    /// A board with the program and these subjects' states; when a key comes more
    /// than once, the later state wins.
    ///
    /// Every leaf is allocated once, at its final size, one after the other: the
    /// scratch space (the entries as given, their order) is a few large buffers the
    /// allocator hands back to the system, so the process keeps no holes between the
    /// leaves, and a million subjects cost about their own size in resident memory.
    pub fn build(
        snapshot: Arc<Snapshot>,
        states: impl IntoIterator<Item = (SubjectKey, ConsentState)>,
    ) -> Board {
        let mut buckets: Vec<u16> = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        for (key, state) in states {
            let (bucket, rest) = split(&key);
            buckets.push(bucket);
            entries.push(Entry { rest, state });
        }
        // A counting sort of the entries' indices by leaf, stable: the first index of
        // leaf b is starts[b].
        let mut starts = vec![0usize; FANOUT * FANOUT + 1];
        for &bucket in &buckets {
            if let Some(count) = starts.get_mut(usize::from(bucket) + 1) {
                *count += 1;
            }
        }
        let mut total = 0;
        for start in &mut starts {
            total += *start;
            *start = total;
        }
        let mut next = starts.clone();
        let mut order = vec![0usize; entries.len()];
        for (index, &bucket) in buckets.iter().enumerate() {
            if let Some(slot) = next.get_mut(usize::from(bucket))
                && let Some(place) = order.get_mut(*slot)
            {
                *place = index;
                *slot += 1;
            }
        }
        drop(buckets);

        let mut root: Root = empty();
        let mut len = 0;
        let mut bounds = starts.windows(2);
        for node in &mut root {
            let mut inner: Inner = empty();
            for slot in &mut inner {
                let Some(&[start, end]) = bounds.next() else { continue };
                let Some(indices) = order.get_mut(start..end) else { continue };
                let rest = |index: usize| entries.get(index).map_or(0, |entry| entry.rest);
                // By key; of equal keys the one given last first, to be kept.
                indices.sort_unstable_by_key(|&index| (rest(index), Reverse(index)));
                let kept = dedup(indices, rest);
                let Some(indices) = indices.get(..kept).filter(|kept| !kept.is_empty()) else {
                    continue;
                };
                len += indices.len();
                // One allocation of the final size: the iterator knows its length.
                let leaf: Leaf = indices
                    .iter()
                    .map(|&index| match entries.get_mut(index) {
                        Some(entry) => {
                            Entry { rest: entry.rest, state: mem::take(&mut entry.state) }
                        }
                        None => Entry { rest: 0, state: ConsentState::default() },
                    })
                    .collect();
                *slot = Some(leaf);
            }
            if inner.iter().any(Option::is_some) {
                *node = Some(Arc::new(inner));
            }
        }
        Board { snapshot, root: Arc::new(root), len }
    }

    /// The same subjects under another program (a new version of the manifest).
    pub fn with_program(&self, snapshot: Arc<Snapshot>) -> Board {
        Board { snapshot, root: Arc::clone(&self.root), len: self.len }
    }

    /// A new board with these subjects' states set (added, or replaced; the later of
    /// two for the same key wins). Copy-on-write: only the leaves the changes fall in,
    /// their inner nodes and the root are copied, so one change costs microseconds
    /// whatever the number of subjects; this board is left as it was.
    pub fn with_states(
        &self,
        changes: impl IntoIterator<Item = (SubjectKey, ConsentState)>,
    ) -> Board {
        let mut changes: Vec<(usize, Entry)> = changes
            .into_iter()
            .map(|(key, state)| {
                let (bucket, rest) = split(&key);
                (usize::from(bucket), Entry { rest, state })
            })
            .collect();
        // By leaf then key; of two changes to one subject, the later first, to be kept.
        changes.reverse();
        changes.sort_by_key(|(bucket, entry)| (*bucket, entry.rest));
        changes.dedup_by(|later, kept| later.0 == kept.0 && later.1.rest == kept.1.rest);
        let mut root: Root = (*self.root).clone();
        let mut len = self.len;
        // The inner node being changed, with its first byte: consecutive changes under
        // the same first byte copy it once.
        let mut open: Option<(usize, Inner)> = None;
        let mut changes = changes.into_iter().peekable();
        while let Some(bucket) = changes.peek().map(|(bucket, _)| *bucket) {
            let mut run = Vec::new();
            while let Some((_, entry)) = changes.next_if(|(other, _)| *other == bucket) {
                run.push(entry);
            }
            let (byte0, byte1) = (bucket >> 8, bucket & 0xff);
            if open.as_ref().is_none_or(|(at, _)| *at != byte0) {
                if let Some((at, inner)) = open.take()
                    && let Some(node) = root.get_mut(at)
                {
                    *node = Some(Arc::new(inner));
                }
                let copy = root.get(byte0).and_then(Option::as_deref).cloned();
                open = Some((byte0, copy.unwrap_or_else(empty)));
            }
            if let Some((_, inner)) = open.as_mut()
                && let Some(slot) = inner.get_mut(byte1)
            {
                let old: &[Entry] = slot.as_deref().unwrap_or(&[]);
                let before = old.len();
                // Never shorter than before: a merge only adds or replaces.
                let merged = merge(old, run);
                len += merged.len() - before;
                *slot = seal(merged);
            }
        }
        if let Some((at, inner)) = open
            && let Some(node) = root.get_mut(at)
        {
            *node = Some(Arc::new(inner));
        }
        Board { snapshot: Arc::clone(&self.snapshot), root: Arc::new(root), len }
    }

    /// The program this board decides with.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// A subject's state, if the board has one.
    pub fn state(&self, key: &SubjectKey) -> Option<&ConsentState> {
        let (bucket, rest) = split(key);
        let leaf = self.leaf(usize::from(bucket));
        find(leaf, rest).and_then(|at| leaf.get(at)).map(|entry| &entry.state)
    }

    /// How many subjects the board holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the board holds no subject.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Decides a query for a subject, without wording it and without allocating
    /// ([`Snapshot::verdict`]). A subject the board does not know, or none (an
    /// anonymous visitor), has made no choice: [`ConsentState::default`]. The subject
    /// is not even looked up when the program alone decides (an unknown id, say).
    pub fn verdict(&self, subject: Option<&SubjectKey>, query: &Query<'_>) -> Verdict {
        match self.snapshot.prepare(query) {
            Prepared::Decided(verdict) => verdict,
            Prepared::Open(open) => self.snapshot.apply(&open, self.state_or_nobody(subject)),
        }
    }

    /// Decides and words the answer ([`Snapshot::decide`]).
    pub fn decide(&self, subject: Option<&SubjectKey>, query: &Query<'_>) -> Decision {
        let verdict = self.verdict(subject, query);
        Decision {
            allowed: verdict.allowed,
            rule: verdict.rule,
            explanation: self.snapshot.explain(query, &verdict),
        }
    }

    /// Decides a batch: `out` is cleared and then holds one verdict per query, in
    /// order. Allocates nothing per item (only `out`'s growth, once); a query equal to
    /// the one before it is resolved against the program once, as when a system asks
    /// the same question for many subjects. Subjects are looked up 32 at a time before
    /// any is decided, so their trips to memory overlap: on a board of a million, about
    /// three times the throughput of one [`Board::verdict`] after another.
    pub fn verdicts(&self, batch: &[(Option<SubjectKey>, Query<'_>)], out: &mut Vec<Verdict>) {
        out.clear();
        out.reserve(batch.len());
        let mut last: Option<(&Query<'_>, Prepared<'_>)> = None;
        for chunk in batch.chunks(IN_FLIGHT) {
            // First every subject of the chunk, then every verdict: the lookups do not
            // depend on one another, so the processor has them all in flight at once
            // instead of waiting for memory once per subject.
            let mut states = [&NOBODY; IN_FLIGHT];
            for (state, (subject, _)) in states.iter_mut().zip(chunk) {
                *state = self.state_or_nobody(subject.as_ref());
            }
            for ((_, query), state) in chunk.iter().zip(states) {
                let prepared = match last {
                    Some((previous, prepared)) if previous == query => prepared,
                    _ => {
                        let prepared = self.snapshot.prepare(query);
                        last = Some((query, prepared));
                        prepared
                    }
                };
                out.push(match prepared {
                    Prepared::Decided(verdict) => verdict,
                    Prepared::Open(open) => self.snapshot.apply(&open, state),
                });
            }
        }
    }

    /// An estimate of the heap the subjects take, from the sizes of what the board
    /// holds: radix nodes, leaves (with their `Arc` counts) and what states own beyond
    /// their size. Allocator overhead (a few bytes per allocation) and the snapshot are
    /// not counted; parts shared with other boards are counted as if this one alone
    /// held them.
    pub fn heap_bytes(&self) -> usize {
        let counts = 2 * size_of::<usize>();
        // An Arc's counts are padded to the alignment of what follows them.
        let leaf_counts = counts.max(align_of::<Entry>());
        let mut bytes = counts + size_of::<Root>();
        for inner in self.root.iter().flatten() {
            bytes += counts + size_of::<Inner>();
            for leaf in inner.iter().flatten() {
                bytes += leaf_counts + size_of_val::<[Entry]>(leaf);
                bytes += leaf.iter().map(|entry| entry.state.heap_bytes()).sum::<usize>();
            }
        }
        bytes
    }

    fn state_or_nobody(&self, subject: Option<&SubjectKey>) -> &ConsentState {
        subject.and_then(|key| self.state(key)).unwrap_or(&NOBODY)
    }

    /// A leaf by its index (empty when there is none).
    fn leaf(&self, bucket: usize) -> &[Entry] {
        let inner = self.root.get(bucket >> 8).and_then(Option::as_deref);
        let leaf = inner.and_then(|inner| inner.get(bucket & 0xff)).and_then(Option::as_deref);
        leaf.unwrap_or(&[])
    }
}

impl fmt::Debug for Board {
    // A million states are not debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Board").field("subjects", &self.len).finish_non_exhaustive()
    }
}

/// Where a key is in a leaf, if it is there. Keys are uniform, so the key's own bits
/// say roughly where among the leaf's entries it falls: the search reads that entry
/// first (the inner node's pointer and length locate it without reading the leaf),
/// then walks a few entries either way (the next lines in memory), then falls back to
/// a binary search, so keys that are not uniform cost a logarithm, never a scan. On a
/// board of a million each line read is a trip to memory; a binary search of 15 entries
/// made four of them.
fn find(leaf: &[Entry], rest: u128) -> Option<usize> {
    /// Entries walked either way before the binary search: for a leaf of 15 the guess
    /// is off by more than this about once in 50.
    const WALK: usize = 4;
    // The top 64 bits of `rest` as a fraction of the leaf: an index in 0..len.
    let guess = ((rest >> 64) * leaf.len() as u128) >> 64;
    let guess = usize::try_from(guess).unwrap_or(0);
    let first = leaf.get(guess)?;
    match first.rest.cmp(&rest) {
        Ordering::Equal => Some(guess),
        Ordering::Less => {
            let after = leaf.get(guess + 1..)?;
            for (step, entry) in after.iter().take(WALK).enumerate() {
                match entry.rest.cmp(&rest) {
                    Ordering::Less => {}
                    Ordering::Equal => return Some(guess + 1 + step),
                    Ordering::Greater => return None,
                }
            }
            let tail = after.get(WALK..)?;
            let at = tail.binary_search_by(|entry| entry.rest.cmp(&rest)).ok()?;
            Some(guess + 1 + WALK + at)
        }
        Ordering::Greater => {
            let before = leaf.get(..guess)?;
            for (step, entry) in before.iter().rev().take(WALK).enumerate() {
                match entry.rest.cmp(&rest) {
                    Ordering::Greater => {}
                    Ordering::Equal => return Some(guess - 1 - step),
                    Ordering::Less => return None,
                }
            }
            let head = before.get(..before.len().saturating_sub(WALK))?;
            head.binary_search_by(|entry| entry.rest.cmp(&rest)).ok()
        }
    }
}

/// A key as the board files it: the leaf's index (its first two bytes) and the next
/// sixteen (see the module's note on keys).
fn split(key: &SubjectKey) -> (u16, u128) {
    let mut rest = [0u8; 16];
    rest.copy_from_slice(&key[2..18]);
    (u16::from_be_bytes([key[0], key[1]]), u128::from_be_bytes(rest))
}

/// Keeps the first of each run of equal keys at the front of `indices` and says how
/// many: `Vec::dedup` for a slice, which cannot shrink.
fn dedup(indices: &mut [usize], rest: impl Fn(usize) -> u128) -> usize {
    let mut kept = 0;
    let mut last = None;
    for at in 0..indices.len() {
        let Some(&index) = indices.get(at) else { break };
        if last != Some(rest(index)) {
            last = Some(rest(index));
            indices.swap(kept, at);
            kept += 1;
        }
    }
    kept
}

fn empty<T, const N: usize>() -> [Option<T>; N] {
    std::array::from_fn(|_| None)
}

/// A leaf from its entries, sorted by key, or none when there are none.
fn seal(entries: Vec<Entry>) -> Option<Leaf> {
    (!entries.is_empty()).then(|| Arc::from(entries))
}

/// A leaf's entries with the changes applied: both sorted by key, the changes win.
fn merge(old: &[Entry], changes: Vec<Entry>) -> Vec<Entry> {
    let mut merged = Vec::with_capacity(old.len() + changes.len());
    let mut old = old.iter().peekable();
    for change in changes {
        while let Some(entry) = old.next_if(|entry| entry.rest < change.rest) {
            merged.push(entry.clone());
        }
        old.next_if(|entry| entry.rest == change.rest);
        merged.push(change);
    }
    merged.extend(old.cloned());
    merged
}

#[cfg(test)]
mod tests {
    use super::super::AgeBand;
    use super::*;

    fn key(i: u32) -> SubjectKey {
        // Spread over every leaf, like HMAC outputs.
        let mut key = [0u8; 32];
        let spread = i.wrapping_mul(0x9E37_79B9).to_be_bytes();
        key[..4].copy_from_slice(&spread);
        key[4..8].copy_from_slice(&i.to_be_bytes());
        key
    }

    fn board(n: u32) -> Board {
        let yaml = include_str!("../../../../examples/events.yaml");
        let options = ombud_program::CheckOptions::default();
        let program = ombud_program::load(yaml.as_bytes(), &options).unwrap().0;
        let snapshot = Arc::new(Snapshot::compile(&program));
        Board::build(snapshot, (0..n).map(|i| (key(i), ConsentState::default())))
    }

    fn node(board: &Board, byte0: usize) -> &Arc<Inner> {
        board.root.get(byte0).and_then(Option::as_ref).unwrap()
    }

    #[test]
    fn a_change_copies_one_leaf_one_inner_node_and_the_root_and_shares_the_rest() {
        let old = board(100_000);
        let changed = key(42);
        let new = old.with_states([(changed, ConsentState::default().with_age(AgeBand::Adult))]);
        let (byte0, byte1) = (usize::from(changed[0]), usize::from(changed[1]));
        for at in 0..FANOUT {
            let same = Arc::ptr_eq(node(&old, at), node(&new, at));
            assert_eq!(same, at != byte0, "inner node {at}");
        }
        for (at, (before, after)) in
            node(&old, byte0).iter().zip(node(&new, byte0).iter()).enumerate()
        {
            let same = match (before, after) {
                (Some(before), Some(after)) => Arc::ptr_eq(before, after),
                (None, None) => true,
                _ => false,
            };
            assert_eq!(same, at != byte1, "leaf {at}");
        }
        assert_eq!(old.state(&changed), Some(&ConsentState::default()));
        assert_eq!(new.state(&changed).map(ConsentState::age), Some(AgeBand::Adult));
    }

    #[test]
    fn a_board_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Board>();
        shared::<Arc<Board>>();
    }

    #[test]
    fn a_key_is_its_first_18_bytes() {
        let one = key(7);
        let mut same = one;
        same[18..].fill(0xAB);
        let mut other = one;
        other[17] ^= 1;
        let adult = ConsentState::default().with_age(AgeBand::Adult);
        let board = board(1_000).with_states([(one, adult.clone())]);
        assert_eq!(board.state(&same), Some(&adult), "documented: 144 bits are the identity");
        assert_eq!(board.state(&other), None);
    }

    #[test]
    fn a_subject_with_no_rare_choice_costs_its_key_and_state_and_little_more() {
        assert_eq!((size_of::<Entry>(), align_of::<Entry>()), (64, 64), "one cache line");
        // The radix nodes and the counts of up to 65,536 leaves (padded to a line):
        // some 5.2 MB, whatever the number of subjects.
        let fixed =
            16 + size_of::<Root>() + FANOUT * (16 + size_of::<Inner>()) + FANOUT * FANOUT * 64;
        assert_eq!(fixed, 5_249_040);
        let board = board(100_000);
        assert!(board.heap_bytes() <= 100_000 * 64 + fixed, "{}", board.heap_bytes());
        assert!(board.heap_bytes() >= 100_000 * 64);
    }
}

//! The decision engine as the app runs it: the current [`Board`] (the program compiled
//! with every subject's consent state) behind an `Arc` that readers clone and writers
//! swap, so a decision never waits for a refresh and never sees half of one
//! (issue 5 item 3).
//!
//! A change is folded from the ledger after its transaction commits and swapped in
//! copy-on-write: only the touched subjects are rebuilt. On PostgreSQL every process
//! also follows the ledger through `LISTEN ombud_consent` ([`Engine::follow`]), so a
//! choice recorded by one instance is obeyed by the others' decisions within
//! milliseconds; a lost connection reloads everything, since announcements made
//! meanwhile are gone.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use ombud_policy::decide::{AgeBand, Board, ConsentState, Snapshot, SubjectKey};
use ombud_program::Program;
use ombud_store::consent::{FeedEvent, ScannedChoice};
use ombud_store::{Store, StoreError};

use super::ledger::{LedgerChoice, parse_source};
use crate::AppError;

/// The program and the board decisions are read from.
pub struct Engine {
    program: Arc<Program>,
    board: RwLock<Arc<Board>>,
    /// One refresh at a time, from its read of the ledger to its swap: two refreshes
    /// of one subject that overlapped could otherwise swap in the older read last.
    refreshing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("subjects", &self.current().len()).finish_non_exhaustive()
    }
}

/// One subject's records, as the fold reads them.
#[derive(Default)]
struct Pending {
    records: Vec<ombud_policy::decide::ChoiceRecord>,
    age: AgeBand,
}

impl Engine {
    /// An engine for `program` with every subject of the store's ledger loaded.
    pub async fn load(program: Arc<Program>, store: &Store) -> Result<Engine, AppError> {
        let engine = Engine {
            board: RwLock::new(Arc::new(Board::new(Arc::new(Snapshot::compile(&program))))),
            program,
            refreshing: tokio::sync::Mutex::new(()),
        };
        engine.reload(store).await?;
        Ok(engine)
    }

    /// The program decisions are made under.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    /// The board as it stands: a consistent snapshot to make any number of decisions
    /// from (it does not change under the caller).
    pub fn current(&self) -> Arc<Board> {
        // A poisoned lock only means a writer panicked between two whole boards; the
        // board inside is still a whole one.
        match self.board.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the board with `change(current)`, one writer at a time so that no
    /// refresh is lost to another.
    fn swap(&self, change: impl FnOnce(&Board) -> Board) {
        let mut guard = match self.board.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let next = change(&guard);
        *guard = Arc::new(next);
    }

    /// Rebuilds the whole board from the ledger (at start, and after a lost feed).
    pub async fn reload(&self, store: &Store) -> Result<usize, AppError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let mut by_subject: HashMap<SubjectKey, Pending> = HashMap::new();
        let mut bad = 0u64;
        store
            .scan_choices(|batch| {
                for scanned in batch {
                    let Some(key) = key_of(&scanned.subject_mac) else {
                        bad += 1;
                        continue;
                    };
                    let pending = by_subject.entry(key).or_default();
                    if !add(pending, scanned) {
                        bad += 1;
                    }
                }
            })
            .await?;
        if bad > 0 {
            return Err(AppError::from(StoreError::Corrupt(format!(
                "{bad} consent records do not parse; `ombud consent history` names them"
            ))));
        }
        let links = store.all_links().await?;
        let groups = groups(&links);
        let mut states = Vec::with_capacity(by_subject.len());
        for (key, members) in &groups {
            // A linked subject's state is the fold of its whole group.
            let mut merged = Pending::default();
            for member in members {
                if let Some(pending) = by_subject.get(member) {
                    merged.records.extend(pending.records.iter().cloned());
                    if pending.age != AgeBand::Unknown {
                        merged.age = pending.age;
                    }
                }
            }
            states.push((*key, ConsentState::fold(&merged.records, merged.age)));
        }
        for (key, pending) in &by_subject {
            if !groups.contains_key(key) {
                states.push((*key, ConsentState::fold(&pending.records, pending.age)));
            }
        }
        let count = states.len();
        let snapshot = Arc::new(Snapshot::compile(&self.program));
        self.swap(|_| Board::build(snapshot, states));
        Ok(count)
    }

    /// Re-reads these subjects (and every subject linked to them) from the ledger and
    /// swaps in their new states.
    pub async fn refresh(&self, store: &Store, subjects: &[Vec<u8>]) -> Result<(), AppError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let mut tx = store.read().await?;
        let mut group: Vec<Vec<u8>> = Vec::new();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut queue: Vec<Vec<u8>> = subjects.to_vec();
        // The linked group, breadth first (a person's devices, a device's people), with
        // a bound so that a pathological web of links cannot stall a refresh.
        while let Some(mac) = queue.pop() {
            if !seen.insert(mac.clone()) || seen.len() > LINKED_GROUP_MAX {
                continue;
            }
            for other in tx.linked_to(&mac).await? {
                queue.push(other);
            }
            group.push(mac);
        }
        let records = tx.choices_of(&group).await?;
        drop(tx);
        let mut pending = Pending::default();
        for record in &records {
            let scanned = ScannedChoice {
                subject_kind: record.subject_kind,
                subject_mac: record.subject_mac.clone(),
                choice: record.choice.clone(),
                target: record.target.clone(),
                source: record.source.clone(),
                at_ms: record.at_ms,
            };
            if !add(&mut pending, &scanned) {
                return Err(AppError::from(StoreError::Corrupt(format!(
                    "consent record {} does not parse",
                    record.id
                ))));
            }
        }
        let state = ConsentState::fold(&pending.records, pending.age);
        let changes: Vec<(SubjectKey, ConsentState)> =
            group.iter().filter_map(|mac| key_of(mac)).map(|key| (key, state.clone())).collect();
        self.swap(|board| board.with_states(changes));
        Ok(())
    }

    /// Follows the other processes' changes until the store's feed ends (PostgreSQL;
    /// on SQLite there is no other process and this returns at once). Errors are
    /// retried after a pause; a resync reloads the whole board.
    pub async fn follow(self: Arc<Self>, store: Store) {
        loop {
            let feed = match store.consent_feed().await {
                Ok(Some(feed)) => feed,
                Ok(None) => return,
                Err(_) => {
                    tokio::time::sleep(FOLLOW_RETRY).await;
                    continue;
                }
            };
            // Whatever was announced before the feed started is read now.
            if self.reload(&store).await.is_err() {
                tokio::time::sleep(FOLLOW_RETRY).await;
                continue;
            }
            let mut feed = feed;
            loop {
                let outcome = match feed.next().await {
                    Ok(FeedEvent::Changed(mac)) => self.refresh(&store, &[mac]).await.map(|_| ()),
                    Ok(FeedEvent::Resync) => self.reload(&store).await.map(|_| ()),
                    Err(e) => Err(AppError::from(e)),
                };
                if outcome.is_err() {
                    tokio::time::sleep(FOLLOW_RETRY).await;
                    break;
                }
            }
        }
    }
}

/// The most subjects one refresh follows links through.
const LINKED_GROUP_MAX: usize = 1_024;

/// How long the follower waits before trying again after an error.
const FOLLOW_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// The board key of a subject hash (HMAC-SHA256: 32 bytes).
pub(crate) fn key_of(mac: &[u8]) -> Option<SubjectKey> {
    mac.try_into().ok()
}

/// Adds one record to a subject's fold input; `false` when it does not parse.
fn add(pending: &mut Pending, scanned: &ScannedChoice) -> bool {
    let (Some(choice), Some(source), Ok(at_ms)) = (
        LedgerChoice::parse(&scanned.choice, scanned.target.as_deref()).ok(),
        parse_source(&scanned.source),
        u64::try_from(scanned.at_ms),
    ) else {
        return false;
    };
    match choice {
        LedgerChoice::Decision(choice) => {
            pending.records.push(ombud_policy::decide::ChoiceRecord { at_ms, choice, source });
        }
        LedgerChoice::Age(age) => pending.age = age,
        LedgerChoice::Subscribe(_) | LedgerChoice::Unsubscribe(_) => {}
    }
    true
}

/// Each linked subject with every member of its group (connected through links).
fn groups(links: &[(Vec<u8>, Vec<u8>)]) -> HashMap<SubjectKey, Vec<SubjectKey>> {
    let mut parent: HashMap<SubjectKey, SubjectKey> = HashMap::new();
    fn find(parent: &mut HashMap<SubjectKey, SubjectKey>, key: SubjectKey) -> SubjectKey {
        let mut root = key;
        while let Some(&up) = parent.get(&root) {
            if up == root {
                break;
            }
            root = up;
        }
        parent.insert(key, root);
        root
    }
    for (device, person) in links {
        let (Some(device), Some(person)) = (key_of(device), key_of(person)) else { continue };
        parent.entry(device).or_insert(device);
        parent.entry(person).or_insert(person);
        let (a, b) = (find(&mut parent, device), find(&mut parent, person));
        if a != b {
            parent.insert(a, b);
        }
    }
    let keys: Vec<SubjectKey> = parent.keys().copied().collect();
    let mut members: HashMap<SubjectKey, Vec<SubjectKey>> = HashMap::new();
    for key in &keys {
        let root = find(&mut parent, *key);
        members.entry(root).or_default().push(*key);
    }
    let mut out = HashMap::new();
    for group in members.into_values() {
        for key in &group {
            out.insert(*key, group.clone());
        }
    }
    out
}

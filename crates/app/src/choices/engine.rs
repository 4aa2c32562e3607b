//! The decision engine as the app runs it: the current [`Board`] (the program compiled
//! with every subject's consent state) behind an `Arc` that readers clone and writers
//! swap, so a decision never waits for a refresh and never sees half of one
//! (issue 5 item 3).
//!
//! A change is folded from the ledger after its transaction commits and swapped in
//! copy-on-write: only the touched subjects are rebuilt. A subject's state is its own
//! records plus what its directly linked subjects chose to take away (see `combine`). On PostgreSQL every process
//! also follows the ledger through `LISTEN ombud_consent` ([`Engine::follow`]), so a
//! choice recorded by one instance is obeyed by the others' decisions within
//! milliseconds; a lost connection reloads everything, since announcements made
//! meanwhile are gone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// A refresh failed after its choice was committed: the next one reloads all.
    stale: AtomicBool,
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
    /// The age band of the subject's latest `age` record.
    age: AgeBand,
}

impl Engine {
    /// An engine for `program` with every subject of the store's ledger loaded.
    pub async fn load(program: Arc<Program>, store: &Store) -> Result<Engine, AppError> {
        let engine = Engine {
            board: RwLock::new(Arc::new(Board::new(Arc::new(Snapshot::compile(&program))))),
            program,
            refreshing: tokio::sync::Mutex::new(()),
            stale: AtomicBool::new(false),
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
    /// refresh is lost to another. `change` must be cheap (a copy-on-write change):
    /// decisions wait for the lock while it runs.
    fn swap(&self, change: impl FnOnce(&Board) -> Board) {
        let mut guard = match self.board.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let next = change(&guard);
        *guard = Arc::new(next);
    }

    /// Rebuilds the whole board from the ledger (at start, after a lost feed, and after
    /// a refresh that failed).
    pub async fn reload(&self, store: &Store) -> Result<usize, AppError> {
        let _one_at_a_time = self.refreshing.lock().await;
        self.reload_locked(store).await
    }

    async fn reload_locked(&self, store: &Store) -> Result<usize, AppError> {
        // The links first: only linked subjects need their records kept until the end
        // (their state reads their neighbours' records); everyone else's records are
        // folded into a state as soon as the ledger, read grouped by subject, moves on.
        // So memory holds one state per subject, not every record (issue 6: the
        // server's resident memory with a million subjects).
        let mut neighbours: HashMap<SubjectKey, Vec<SubjectKey>> = HashMap::new();
        for (device, person) in store.all_links().await? {
            if let (Some(device), Some(person)) = (key_of(&device), key_of(&person)) {
                neighbours.entry(device).or_default().push(person);
                neighbours.entry(person).or_default().push(device);
            }
        }
        let mut states: Vec<(SubjectKey, ConsentState)> = Vec::new();
        let mut kept: HashMap<SubjectKey, Pending> = HashMap::new();
        let mut current: Option<(SubjectKey, Pending)> = None;
        let mut bad = 0u64;
        let settle = |(key, pending): (SubjectKey, Pending),
                      states: &mut Vec<(SubjectKey, ConsentState)>,
                      kept: &mut HashMap<SubjectKey, Pending>| {
            if neighbours.contains_key(&key) {
                kept.insert(key, pending);
            } else {
                states.push((key, combine(&pending, &[])));
            }
        };
        store
            .scan_choices(|batch| {
                for scanned in batch {
                    let Some(key) = key_of(&scanned.subject_mac) else {
                        bad += 1;
                        continue;
                    };
                    if current.as_ref().is_none_or(|(k, _)| *k != key)
                        && let Some(done) = current.replace((key, Pending::default()))
                    {
                        settle(done, &mut states, &mut kept);
                    }
                    if let Some((_, pending)) = current.as_mut()
                        && !add(pending, scanned)
                    {
                        bad += 1;
                    }
                }
            })
            .await?;
        if let Some(done) = current.take() {
            settle(done, &mut states, &mut kept);
        }
        if bad > 0 {
            return Err(AppError::from(StoreError::Corrupt(format!(
                "{bad} consent records do not parse; `ombud consent history` names them"
            ))));
        }
        let empty = Pending::default();
        for (key, linked_keys) in &neighbours {
            let own = kept.get(key).unwrap_or(&empty);
            let linked: Vec<&Pending> = linked_keys.iter().filter_map(|n| kept.get(n)).collect();
            states.push((*key, combine(own, &linked)));
        }
        let count = states.len();
        // Built outside the lock: decisions go on reading the old board meanwhile.
        let board = Board::build(Arc::new(Snapshot::compile(&self.program)), states);
        self.swap(|_| board);
        self.stale.store(false, Ordering::SeqCst);
        Ok(count)
    }

    /// Re-reads these subjects and the subjects linked to them from the ledger and swaps
    /// in their new states. If it fails, the board is marked stale and the next refresh
    /// reloads everything, so a committed choice is never left unobeyed for long.
    pub async fn refresh(&self, store: &Store, subjects: &[Vec<u8>]) -> Result<(), AppError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let result = if self.stale.load(Ordering::SeqCst) {
            self.reload_locked(store).await.map(|_| ())
        } else {
            self.refresh_locked(store, subjects).await
        };
        if result.is_err() {
            self.stale.store(true, Ordering::SeqCst);
        }
        result
    }

    async fn refresh_locked(&self, store: &Store, subjects: &[Vec<u8>]) -> Result<(), AppError> {
        let mut tx = store.read().await?;
        // A change to a subject changes it and its direct neighbours (what they carry
        // from it); links are not followed further, so one shared device never joins
        // two people's choices.
        let mut affected: Vec<Vec<u8>> = Vec::new();
        let mut neighbours: HashMap<Vec<u8>, Vec<Vec<u8>>> = HashMap::new();
        for mac in subjects {
            let linked = tx.linked_to(mac).await?;
            affected.push(mac.clone());
            affected.extend(linked.iter().cloned());
            neighbours.insert(mac.clone(), linked);
        }
        affected.sort();
        affected.dedup();
        let mut pending: HashMap<Vec<u8>, Pending> = HashMap::new();
        let mut changes = Vec::with_capacity(affected.len());
        for mac in &affected {
            if !neighbours.contains_key(mac) {
                let linked = tx.linked_to(mac).await?;
                neighbours.insert(mac.clone(), linked);
            }
            let mut needed = vec![mac.clone()];
            needed.extend(neighbours.get(mac).cloned().unwrap_or_default());
            for subject in needed {
                if pending.contains_key(&subject) {
                    continue;
                }
                let mut read = Pending::default();
                for record in tx.choices_of(std::slice::from_ref(&subject)).await? {
                    let scanned = ScannedChoice {
                        subject_kind: record.subject_kind,
                        subject_mac: record.subject_mac,
                        choice: record.choice,
                        target: record.target,
                        source: record.source,
                        at_ms: record.at_ms,
                    };
                    if !add(&mut read, &scanned) {
                        return Err(AppError::from(StoreError::Corrupt(format!(
                            "consent record {} does not parse",
                            record.id
                        ))));
                    }
                }
                pending.insert(subject, read);
            }
            let empty = Pending::default();
            let own = pending.get(mac).unwrap_or(&empty);
            let linked: Vec<&Pending> = neighbours
                .get(mac)
                .map(|ns| ns.iter().filter_map(|n| pending.get(n)).collect())
                .unwrap_or_default();
            if let Some(key) = key_of(mac) {
                changes.push((key, combine(own, &linked)));
            }
        }
        drop(tx);
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

/// A subject's state: its own records, and from each subject linked to it only the
/// choices that take something away (R-120: a device's opt-outs count for the person).
/// Consents and opt-ins never cross a link — one person's opt-in must not undo
/// another's opt-out on a shared device — and the age is the subject's own, or when it
/// has none the youngest a linked subject declares (the protective reading, R-170).
fn combine(own: &Pending, linked: &[&Pending]) -> ConsentState {
    let mut records = own.records.clone();
    for other in linked {
        records.extend(other.records.iter().filter(|r| r.choice.restricts()).cloned());
    }
    let age = if own.age == AgeBand::Unknown {
        linked
            .iter()
            .map(|p| p.age)
            .filter(|a| *a != AgeBand::Unknown)
            .min_by_key(|a| youth(*a))
            .unwrap_or(AgeBand::Unknown)
    } else {
        own.age
    };
    ConsentState::fold(&records, age)
}

/// Younger first.
fn youth(age: AgeBand) -> u8 {
    match age {
        AgeBand::Under13 => 0,
        AgeBand::From13To15 => 1,
        AgeBand::Adult => 2,
        AgeBand::Unknown => 3,
    }
}

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
        LedgerChoice::Subscribe(_) | LedgerChoice::Unsubscribe(_) | LedgerChoice::Link(_) => {}
    }
    true
}

//! The consent ledger: every choice, appended with its proof, never edited (a trigger
//! refuses UPDATE and DELETE of a record); the current state is derived by reading a
//! subject's records in order (REGULATIONS.md B9, B19; GDPR Art 7(1) asks the business
//! to be able to show the consent it relies on).
//!
//! A subject is a keyed hash of its identifier under a key that never rotates
//! (`Keyring::secret_mac`), so rotating the request blind index leaves the ledger
//! joined; the identifier itself is kept encrypted beside it, for the suppression lists
//! of recipients that need it in plain.

use ombud_core::id::Id;
use ombud_core::sensitive::Sensitive;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx, on_conn};

/// Whose choice: a person (by email or account) or a browser/device (by its id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// A person.
    Person,
    /// A browser or device, pseudonymous.
    Device,
}

impl SubjectKind {
    fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Person => "person",
            SubjectKind::Device => "device",
        }
    }

    fn parse(text: &str) -> Option<SubjectKind> {
        match text {
            "person" => Some(SubjectKind::Person),
            "device" => Some(SubjectKind::Device),
            _ => None,
        }
    }
}

/// One record of the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceRecord {
    /// Id (time-ordered).
    pub id: Id,
    /// Whose.
    pub subject_kind: SubjectKind,
    /// The subject's keyed hash ([`Tx::subject_mac`]).
    pub subject_mac: Vec<u8>,
    /// The choice (`opt_out_sale`, `consent`, `withdraw`, `unsubscribe`, …).
    pub choice: String,
    /// What it is about: a purpose id, a list id; none for opt-outs.
    pub target: Option<String>,
    /// Where it came from: `form`, `gpc`, `email_link`, `staff`, `api`.
    pub source: String,
    /// The notice version shown when it was made.
    pub notice_version: Option<String>,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// The PostgreSQL channel a consent change is announced on (payload: the subject's
/// hash in hex).
pub const CONSENT_CHANNEL: &str = "ombud_consent";

/// The most records one page of a read returns.
pub const CHOICES_PER_READ_MAX: u32 = 10_000;

/// The most records one subject may have before reading its history is refused.
pub const CHOICES_PER_SUBJECT_MAX: usize = 1_000_000;

/// The keyed hash a subject is recorded under: its kind and canonical identifier, under
/// the key that never rotates.
pub fn subject_mac(keys: &crate::Keyring, kind: SubjectKind, canonical: &str) -> Vec<u8> {
    // The labels are spelled out rather than formatted: this runs once per question of a
    // decision batch, and the label is part of every subject's stored hash.
    let label = match kind {
        SubjectKind::Person => "consent_subject/person",
        SubjectKind::Device => "consent_subject/device",
    };
    keys.secret_mac(label, canonical.as_bytes())
}

fn context(id: Id) -> String {
    format!("consent_records.subject_ct/{id}")
}

impl Tx {
    /// The keyed hash a subject is recorded under ([`subject_mac`]).
    pub fn subject_mac(&self, kind: SubjectKind, canonical: &str) -> Vec<u8> {
        subject_mac(self.keys(), kind, canonical)
    }

    /// Appends a record (the identifier is kept encrypted beside its hash).
    pub async fn append_choice(
        &mut self,
        record: &ChoiceRecord,
        identifier: &Sensitive<String>,
    ) -> Result<(), StoreError> {
        let ct = self.keys().encrypt(identifier.expose().as_bytes(), &context(record.id))?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO consent_records (id, subject_kind, subject_mac, subject_ct, choice, target, source, notice_version, at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(record.id.to_string())
            .bind(record.subject_kind.as_str())
            .bind(&record.subject_mac)
            .bind(&ct)
            .bind(&record.choice)
            .bind(record.target.as_deref())
            .bind(&record.source)
            .bind(record.notice_version.as_deref())
            .bind(record.at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "append a consent record"))?;
        });
        self.notify_consent(&record.subject_mac).await
    }

    /// On PostgreSQL, tells every other ombud process that this subject's choices
    /// changed: `NOTIFY` is delivered when (and only if) the transaction commits, so a
    /// listener that reloads the subject sees the new record (issue 5 item 3).
    async fn notify_consent(&mut self, subject_mac: &[u8]) -> Result<(), StoreError> {
        if let crate::Conn::Postgres(c) = self.conn() {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CONSENT_CHANNEL)
                .bind(ombud_core::audit::to_hex(subject_mac))
                .execute(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "notify a consent change"))?;
        }
        Ok(())
    }

    /// The identifier a record was made for, decrypted (for the suppression lists of
    /// recipients that need it in plain, and for sending to a list's subscribers).
    pub async fn identifier_of(&mut self, record_id: Id) -> Result<Sensitive<String>, StoreError> {
        let ct: Option<Vec<u8>> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT subject_ct FROM consent_records WHERE id = $1")
                .bind(record_id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read a consent subject"))?
                .map(|row| row.try_get::<Option<Vec<u8>>, _>("subject_ct"))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read a consent subject"))?
                .flatten()
        });
        let ct = ct.ok_or_else(|| StoreError::NotFound {
            what: "consent identifier",
            id: record_id.to_string(),
        })?;
        let plain = self.keys().decrypt(&ct, &context(record_id))?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| {
            StoreError::Corrupt(format!("consent record {record_id} has a malformed identifier"))
        })?;
        Ok(Sensitive::new(text))
    }

    /// Every record of these subjects, oldest first, read in pages of
    /// [`CHOICES_PER_READ_MAX`]. A subject with more than [`CHOICES_PER_SUBJECT_MAX`]
    /// records is an error, never a silently shortened history: a fold over part of a
    /// history could miss the opt-out that still stands.
    pub async fn choices_of(
        &mut self,
        subjects: &[Vec<u8>],
    ) -> Result<Vec<ChoiceRecord>, StoreError> {
        let mut out = Vec::new();
        for mac in subjects {
            let mut after: (i64, String) = (i64::MIN, String::new());
            let mut read = 0usize;
            loop {
                let rows = on_conn!(self.conn(), c => {
                    sqlx::query(
                        "SELECT id, subject_kind, subject_mac, choice, target, source, notice_version, at_ms \
                         FROM consent_records WHERE subject_mac = $1 AND (at_ms > $2 OR (at_ms = $2 AND id > $3)) \
                         ORDER BY at_ms, id LIMIT $4",
                    )
                    .bind(mac)
                    .bind(after.0)
                    .bind(&after.1)
                    .bind(i64::from(CHOICES_PER_READ_MAX))
                    .fetch_all(c)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "read consent records"))?
                    .iter()
                    .map(|row| {
                        Ok::<_, sqlx::Error>((
                            row.try_get::<String, _>("id")?,
                            row.try_get::<String, _>("subject_kind")?,
                            row.try_get::<Vec<u8>, _>("subject_mac")?,
                            row.try_get::<String, _>("choice")?,
                            row.try_get::<Option<String>, _>("target")?,
                            row.try_get::<String, _>("source")?,
                            row.try_get::<Option<String>, _>("notice_version")?,
                            row.try_get::<i64, _>("at_ms")?,
                        ))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| StoreError::from_sqlx(e, "read consent records"))?
                });
                let page = rows.len();
                for (id, kind, subject_mac, choice, target, source, notice_version, at_ms) in rows {
                    let corrupt =
                        || StoreError::Corrupt(format!("consent record {id} has a malformed row"));
                    let parsed = Id::parse(&id).ok_or_else(corrupt)?;
                    out.push(ChoiceRecord {
                        id: parsed,
                        subject_kind: SubjectKind::parse(&kind).ok_or_else(corrupt)?,
                        subject_mac,
                        choice,
                        target,
                        source,
                        notice_version,
                        at_ms,
                    });
                    after = (at_ms, id);
                }
                read += page;
                if read > CHOICES_PER_SUBJECT_MAX {
                    return Err(StoreError::Corrupt(format!(
                        "a consent subject has more than {CHOICES_PER_SUBJECT_MAX} records; archive its history before reading it"
                    )));
                }
                if page < usize::try_from(CHOICES_PER_READ_MAX).unwrap_or(usize::MAX) {
                    break;
                }
            }
        }
        out.sort_by_key(|r| (r.at_ms, r.id));
        Ok(out)
    }

    /// How many devices are linked to a person.
    pub async fn device_count(&mut self, person_mac: &[u8]) -> Result<u64, StoreError> {
        let count: i64 = on_conn!(self.conn(), c => {
            sqlx::query_scalar("SELECT COUNT(*) FROM consent_links WHERE person_mac = $1")
                .bind(person_mac)
                .fetch_one(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "count linked devices"))?
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Links a device to a person (once); its opt-outs then count for the person.
    pub async fn link_device(
        &mut self,
        device_mac: &[u8],
        person_mac: &[u8],
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let inserted = on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO consent_links (device_mac, person_mac, at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (device_mac, person_mac) DO NOTHING",
            )
            .bind(device_mac)
            .bind(person_mac)
            .bind(at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "link a device"))?
            .rows_affected()
        });
        if inserted == 1 {
            // Both sides' decisions change: every process re-reads them.
            self.notify_consent(device_mac).await?;
            self.notify_consent(person_mac).await?;
        }
        Ok(inserted == 1)
    }

    /// Every subject linked to this one: a person's devices, or a device's people.
    pub async fn linked_to(&mut self, mac: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows: Vec<Vec<u8>> = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT device_mac AS other FROM consent_links WHERE person_mac = $1 \
                 UNION SELECT person_mac AS other FROM consent_links WHERE device_mac = $1",
            )
            .bind(mac)
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read linked subjects"))?
            .iter()
            .map(|row| row.try_get::<Vec<u8>, _>("other"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::from_sqlx(e, "read linked subjects"))?
        });
        Ok(rows)
    }

    /// The subscribe and unsubscribe records of one list, grouped by subject and oldest
    /// first within a subject: `(record id, subject hash, choice)`, at most `limit`.
    pub async fn list_choices(
        &mut self,
        list: &str,
        limit: u32,
    ) -> Result<Vec<(Id, Vec<u8>, String)>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT id, subject_mac, choice FROM consent_records \
                 WHERE target = $1 AND choice IN ('subscribe', 'unsubscribe') \
                 ORDER BY subject_mac, at_ms, id LIMIT $2",
            )
            .bind(list)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read a list"))?
            .iter()
            .map(|row| Ok((row.try_get::<String, _>("id")?, row.try_get("subject_mac")?, row.try_get("choice")?)))
            .collect::<Result<Vec<(String, Vec<u8>, String)>, sqlx::Error>>()
            .map_err(|e| StoreError::from_sqlx(e, "read a list"))?
        });
        rows.into_iter()
            .map(|(id, mac, choice)| {
                let parsed = Id::parse(&id).ok_or_else(|| {
                    StoreError::Corrupt(format!("consent record {id} has a malformed id"))
                })?;
                Ok((parsed, mac, choice))
            })
            .collect()
    }

    /// Every subject of the ledger with its kind and its latest record (whose stored
    /// identifier a suppression list decrypts), at most `limit`.
    pub async fn consent_subjects(
        &mut self,
        limit: u32,
    ) -> Result<Vec<(Vec<u8>, SubjectKind, Id)>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT subject_mac, subject_kind, MAX(id) AS last_id FROM consent_records \
                 GROUP BY subject_mac, subject_kind ORDER BY subject_mac LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read consent subjects"))?
            .iter()
            .map(|row| Ok((row.try_get("subject_mac")?, row.try_get::<String, _>("subject_kind")?, row.try_get::<String, _>("last_id")?)))
            .collect::<Result<Vec<(Vec<u8>, String, String)>, sqlx::Error>>()
            .map_err(|e| StoreError::from_sqlx(e, "read consent subjects"))?
        });
        rows.into_iter()
            .map(|(mac, kind, id)| {
                let corrupt =
                    || StoreError::Corrupt(format!("consent record {id} has a malformed row"));
                Ok((
                    mac,
                    SubjectKind::parse(&kind).ok_or_else(corrupt)?,
                    Id::parse(&id).ok_or_else(corrupt)?,
                ))
            })
            .collect()
    }

    /// The devices linked to a person.
    pub async fn devices_of(&mut self, person_mac: &[u8]) -> Result<Vec<Vec<u8>>, StoreError> {
        let rows: Vec<Vec<u8>> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT device_mac FROM consent_links WHERE person_mac = $1 ORDER BY at_ms")
                .bind(person_mac)
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read linked devices"))?
                .iter()
                .map(|row| row.try_get::<Vec<u8>, _>("device_mac"))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "read linked devices"))?
        });
        Ok(rows)
    }
}

/// One record as a full scan reads it: enough to fold every subject's state, without
/// the identifier (which stays encrypted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedChoice {
    /// Whose.
    pub subject_kind: SubjectKind,
    /// The subject's keyed hash.
    pub subject_mac: Vec<u8>,
    /// The choice.
    pub choice: String,
    /// Its purpose or list.
    pub target: Option<String>,
    /// Where it came from.
    pub source: String,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// How many records a scan hands over at a time.
const SCAN_BATCH: usize = 4_096;

impl Store {
    /// Every record of the ledger, grouped by subject and oldest first within a subject,
    /// handed to `each` in batches: what building the decision engine's snapshot reads.
    /// Streams, so memory stays at one batch whatever the ledger's size.
    pub async fn scan_choices(
        &self,
        mut each: impl FnMut(&[ScannedChoice]),
    ) -> Result<u64, StoreError> {
        use futures_util::TryStreamExt as _;
        const SQL: &str = "SELECT subject_kind, subject_mac, choice, target, source, at_ms \
                           FROM consent_records ORDER BY subject_mac, at_ms, id";
        let mut tx = self.read().await?;
        let mut batch = Vec::with_capacity(SCAN_BATCH);
        let mut total = 0u64;
        on_conn!(tx.conn(), c => {
            let mut rows = sqlx::query(SQL).fetch(c);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?
            {
                let kind: String = row
                    .try_get("subject_kind")
                    .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?;
                let scanned = ScannedChoice {
                    subject_kind: SubjectKind::parse(&kind).ok_or_else(|| {
                        StoreError::Corrupt("a consent record has an unknown subject kind".into())
                    })?,
                    subject_mac: row
                        .try_get("subject_mac")
                        .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?,
                    choice: row
                        .try_get("choice")
                        .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?,
                    target: row
                        .try_get("target")
                        .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?,
                    source: row
                        .try_get("source")
                        .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?,
                    at_ms: row
                        .try_get("at_ms")
                        .map_err(|e| StoreError::from_sqlx(e, "scan the consent ledger"))?,
                };
                batch.push(scanned);
                total += 1;
                if batch.len() == SCAN_BATCH {
                    each(&batch);
                    batch.clear();
                }
            }
        });
        if !batch.is_empty() {
            each(&batch);
        }
        Ok(total)
    }

    /// Every device-to-person link: `(device, person)` hashes.
    pub async fn all_links(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let mut tx = self.read().await?;
        let rows = on_conn!(tx.conn(), c => {
            sqlx::query("SELECT device_mac, person_mac FROM consent_links ORDER BY at_ms")
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read device links"))?
                .iter()
                .map(|row| Ok((row.try_get("device_mac")?, row.try_get("person_mac")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(|e| StoreError::from_sqlx(e, "read device links"))?
        });
        Ok(rows)
    }

    /// On PostgreSQL, a feed of the subjects whose choices another process changed
    /// (through [`CONSENT_CHANNEL`]); `None` on SQLite, whose single process learns of
    /// its own changes directly.
    pub async fn consent_feed(&self) -> Result<Option<ConsentFeed>, StoreError> {
        match &self.pools {
            crate::Pools::Sqlite { .. } => Ok(None),
            crate::Pools::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "listen for consent changes"))?;
                listener
                    .listen(CONSENT_CHANNEL)
                    .await
                    .map_err(|e| StoreError::from_sqlx(e, "listen for consent changes"))?;
                Ok(Some(ConsentFeed { listener }))
            }
        }
    }
}

/// Subjects whose choices changed, as PostgreSQL announces them.
pub struct ConsentFeed {
    listener: sqlx::postgres::PgListener,
}

/// What the feed says next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedEvent {
    /// This subject's records changed.
    Changed(Vec<u8>),
    /// The connection was lost and is back: announcements may have been missed, so the
    /// reader reloads everything.
    Resync,
}

impl ConsentFeed {
    /// Waits for the next change. A dropped connection is reconnected by sqlx and
    /// reported as [`FeedEvent::Resync`].
    pub async fn next(&mut self) -> Result<FeedEvent, StoreError> {
        loop {
            let notice = self
                .listener
                .try_recv()
                .await
                .map_err(|e| StoreError::from_sqlx(e, "receive a consent change"))?;
            match notice {
                None => return Ok(FeedEvent::Resync),
                Some(notice) => {
                    if let Some(mac) = ombud_core::audit::from_hex(notice.payload()) {
                        return Ok(FeedEvent::Changed(mac.to_vec()));
                    }
                    // A payload that is not ours is ignored; the channel is ombud's.
                }
            }
        }
    }
}

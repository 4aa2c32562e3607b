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

use crate::{StoreError, Tx, on_conn};

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

/// The most records one read returns: a subject with more is paged by the caller.
pub const CHOICES_PER_READ_MAX: u32 = 10_000;

fn context(id: Id) -> String {
    format!("consent_records.subject_ct/{id}")
}

impl Tx {
    /// The keyed hash a subject is recorded under: its kind and canonical identifier.
    pub fn subject_mac(&self, kind: SubjectKind, canonical: &str) -> Vec<u8> {
        self.keys().secret_mac(&format!("consent_subject/{}", kind.as_str()), canonical.as_bytes())
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
        Ok(())
    }

    /// The records of these subjects (a person and the devices linked to them), oldest
    /// first, at most [`CHOICES_PER_READ_MAX`].
    pub async fn choices_of(
        &mut self,
        subjects: &[Vec<u8>],
    ) -> Result<Vec<ChoiceRecord>, StoreError> {
        let mut out = Vec::new();
        for mac in subjects {
            let rows = on_conn!(self.conn(), c => {
                sqlx::query(
                    "SELECT id, subject_kind, subject_mac, choice, target, source, notice_version, at_ms \
                     FROM consent_records WHERE subject_mac = $1 ORDER BY at_ms, id LIMIT $2",
                )
                .bind(mac)
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
            for (id, kind, subject_mac, choice, target, source, notice_version, at_ms) in rows {
                let corrupt =
                    || StoreError::Corrupt(format!("consent record {id} has a malformed row"));
                out.push(ChoiceRecord {
                    id: Id::parse(&id).ok_or_else(corrupt)?,
                    subject_kind: SubjectKind::parse(&kind).ok_or_else(corrupt)?,
                    subject_mac,
                    choice,
                    target,
                    source,
                    notice_version,
                    at_ms,
                });
            }
        }
        out.sort_by_key(|r| (r.at_ms, r.id));
        out.truncate(usize::try_from(CHOICES_PER_READ_MAX).unwrap_or(usize::MAX));
        Ok(out)
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
        Ok(inserted == 1)
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

//! The archive of the notices people were shown: one row per law and text (its SHA-256),
//! written the first time that text is served and never changed (a trigger refuses
//! UPDATE and DELETE), so the proof of a consent — its notice version and time —
//! leads back to the exact words.

use sqlx::Row as _;

use crate::{Store, StoreError, Tx, on_conn};

/// One archived notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchivedNotice {
    /// `ccpa`, `gdpr`.
    pub law: String,
    /// The manifest's `notice.version`.
    pub version: String,
    /// The manifest's `notice.effective` date (YYYY-MM-DD).
    pub effective: String,
    /// SHA-256 of the HTML, hex.
    pub sha256_hex: String,
    /// First served (Unix ms).
    pub first_served_at_ms: i64,
}

/// The most versions a listing returns (a notice changes a few times a year; the
/// query's `LIMIT` says the same).
pub const NOTICE_VERSIONS_MAX: u32 = 1_000;

type Columns = (String, String, String, String, i64);

fn notice((law, version, effective, sha256_hex, first_served_at_ms): Columns) -> ArchivedNotice {
    ArchivedNotice { law, version, effective, sha256_hex, first_served_at_ms }
}

impl Tx {
    /// The archived notice of `law` with this text hash, without its text.
    pub async fn archived_notice(
        &mut self,
        law: &str,
        sha256_hex: &str,
    ) -> Result<Option<ArchivedNotice>, StoreError> {
        let row: Option<Columns> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT law, version, effective, sha256_hex, first_served_at_ms FROM notices WHERE law = $1 AND sha256_hex = $2")
                .bind(law)
                .bind(sha256_hex)
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read an archived notice"))?
                .map(|row| Ok::<_, sqlx::Error>((row.try_get("law")?, row.try_get("version")?, row.try_get("effective")?, row.try_get("sha256_hex")?, row.try_get("first_served_at_ms")?)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read an archived notice"))?
        });
        Ok(row.map(notice))
    }

    /// Archives a notice text; `false` when that text was archived already (by another
    /// view or process at the same moment: the first one's time stands).
    pub async fn archive_notice(
        &mut self,
        notice: &ArchivedNotice,
        html: &str,
    ) -> Result<bool, StoreError> {
        let added = on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO notices (law, version, effective, sha256_hex, html, first_served_at_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            )
            .bind(&notice.law)
            .bind(&notice.version)
            .bind(&notice.effective)
            .bind(&notice.sha256_hex)
            .bind(html)
            .bind(notice.first_served_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "archive a notice"))?
            .rows_affected()
        });
        Ok(added == 1)
    }

    /// Every archived version of `law`'s notice, newest first.
    pub async fn notice_versions(&mut self, law: &str) -> Result<Vec<ArchivedNotice>, StoreError> {
        let rows: Vec<Columns> = on_conn!(self.conn(), c => {
            sqlx::query("SELECT law, version, effective, sha256_hex, first_served_at_ms FROM notices WHERE law = $1 ORDER BY first_served_at_ms DESC, version DESC LIMIT 1000")
                .bind(law)
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "list notice versions"))?
                .iter()
                .map(|row| Ok::<_, sqlx::Error>((row.try_get("law")?, row.try_get("version")?, row.try_get("effective")?, row.try_get("sha256_hex")?, row.try_get("first_served_at_ms")?)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "list notice versions"))?
        });
        Ok(rows.into_iter().map(notice).collect())
    }

    /// The HTML of an archived text.
    pub async fn notice_html(
        &mut self,
        law: &str,
        sha256_hex: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(on_conn!(self.conn(), c => {
            sqlx::query("SELECT html FROM notices WHERE law = $1 AND sha256_hex = $2")
                .bind(law)
                .bind(sha256_hex)
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read an archived notice"))?
                .map(|row| row.try_get::<String, _>("html"))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read an archived notice"))?
        }))
    }
}

impl Store {
    /// [`Tx::notice_versions`] in a read transaction.
    pub async fn notice_versions(&self, law: &str) -> Result<Vec<ArchivedNotice>, StoreError> {
        let mut tx = self.read().await?;
        tx.notice_versions(law).await
    }
}

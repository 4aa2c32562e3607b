//! Fulfilment evidence: erasure receipts, tombstones, access packages and their links.
//!
//! A receipt says what an erasure touched (tables, row counts, keyed hashes of primary
//! keys) and never the values. It is written `pending` before the company
//! database commits and `committed` after, so a crash between the two is settled on
//! retry. Tombstones keep the identity an erasure ran on, encrypted, so the erasure can
//! be applied again after a restore from backup. Access packages are stored
//! encrypted and purged after their time; links to them are kept as keyed hashes.

use ombud_core::id::Id;
use ombud_core::sensitive::Sensitive;
use sqlx::Row as _;
use zeroize::Zeroizing;

use crate::{Store, StoreError, Tx, on_conn};

/// An erasure receipt as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The request.
    pub request_id: Id,
    /// The system.
    pub system_id: String,
    /// Whether the company database has committed the erasure.
    pub committed: bool,
    /// The receipt document (JSON written by the app layer; no values).
    pub receipt_json: String,
    /// Rows touched.
    pub rows_touched: u64,
    /// Written at.
    pub created_at_ms: i64,
    /// Committed at.
    pub committed_at_ms: Option<i64>,
}

/// A tombstone: what to erase again after a restore.
#[derive(Clone, Debug)]
pub struct Tombstone {
    /// Id.
    pub id: Id,
    /// The request.
    pub request_id: Id,
    /// The identity kind (`email`, `phone`, …).
    pub identity_kind: String,
    /// The identity value.
    pub identity: Sensitive<String>,
    /// The systems the erasure covered, comma-separated ids.
    pub systems: String,
    /// Written at.
    pub created_at_ms: i64,
}

/// An access package's description (never its content).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageInfo {
    /// Id.
    pub id: Id,
    /// The request.
    pub request_id: Id,
    /// `access` or `categories`.
    pub kind: String,
    /// Size of the zip.
    pub size_bytes: u64,
    /// SHA-256 of the zip, hex.
    pub sha256_hex: String,
    /// Rows it holds.
    pub rows_included: u64,
    /// Made at.
    pub created_at_ms: i64,
    /// When its content is purged.
    pub purge_at_ms: i64,
    /// When it was purged, if it was.
    pub purged_at_ms: Option<i64>,
}

fn tombstone_context(request_id: Id, id: Id) -> String {
    format!("erasure_tombstones.identity_ct/{request_id}/{id}")
}

fn package_context(request_id: Id, id: Id) -> String {
    format!("access_packages.content_ct/{request_id}/{id}")
}

fn to_i64(value: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range")))
}

fn to_u64(value: i64, what: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} out of range")))
}

fn parse_id(text: &str, what: &'static str) -> Result<Id, StoreError> {
    Id::parse(text).ok_or_else(|| StoreError::Corrupt(format!("{what} has a malformed id")))
}

/// The columns of a package's description, as a literal so queries stay `&'static str`.
macro_rules! package_columns {
    () => {
        "id, request_id, kind, size_bytes, sha256_hex, rows_included, created_at_ms, purge_at_ms, purged_at_ms"
    };
}

type PackageRow = (String, String, String, i64, String, i64, i64, i64, Option<i64>);

fn package_info(row: PackageRow) -> Result<PackageInfo, StoreError> {
    let (id, request_id, kind, size, sha, rows, created, purge, purged) = row;
    Ok(PackageInfo {
        id: parse_id(&id, "access package")?,
        request_id: parse_id(&request_id, "access package")?,
        kind,
        size_bytes: to_u64(size, "package size")?,
        sha256_hex: sha,
        rows_included: to_u64(rows, "package rows")?,
        created_at_ms: created,
        purge_at_ms: purge,
        purged_at_ms: purged,
    })
}

macro_rules! package_row {
    ($row:expr) => {
        Ok::<PackageRow, sqlx::Error>((
            $row.try_get("id")?,
            $row.try_get("request_id")?,
            $row.try_get("kind")?,
            $row.try_get("size_bytes")?,
            $row.try_get("sha256_hex")?,
            $row.try_get("rows_included")?,
            $row.try_get("created_at_ms")?,
            $row.try_get("purge_at_ms")?,
            $row.try_get("purged_at_ms")?,
        ))
    };
}

impl Tx {
    /// Writes (or, while still pending, replaces) the receipt of an erasure about to be
    /// committed in the company database. A committed receipt is never replaced.
    pub async fn write_pending_receipt(
        &mut self,
        request_id: Id,
        system_id: &str,
        receipt_json: &str,
        rows_touched: u64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let rows = to_i64(rows_touched, "rows touched")?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO erasure_receipts (request_id, system_id, state, receipt_json, rows_touched, created_at_ms) \
                 VALUES ($1, $2, 'pending', $3, $4, $5) \
                 ON CONFLICT (request_id, system_id) DO UPDATE SET receipt_json = excluded.receipt_json, \
                 rows_touched = excluded.rows_touched, created_at_ms = excluded.created_at_ms \
                 WHERE erasure_receipts.state = 'pending'",
            )
            .bind(request_id.to_string())
            .bind(system_id)
            .bind(receipt_json)
            .bind(rows)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "write an erasure receipt"))?;
        });
        Ok(())
    }

    /// Marks a receipt committed; returns false when it was not pending.
    pub async fn commit_receipt(
        &mut self,
        request_id: Id,
        system_id: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE erasure_receipts SET state = 'committed', committed_at_ms = $3 \
                 WHERE request_id = $1 AND system_id = $2 AND state = 'pending'",
            )
            .bind(request_id.to_string())
            .bind(system_id)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "commit an erasure receipt"))?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// The receipts of a request, by system id.
    pub async fn receipts(&mut self, request_id: Id) -> Result<Vec<Receipt>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT system_id, state, receipt_json, rows_touched, created_at_ms, committed_at_ms \
                 FROM erasure_receipts WHERE request_id = $1 ORDER BY system_id",
            )
            .bind(request_id.to_string())
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read erasure receipts"))?
            .iter()
            .map(|row| {
                Ok::<_, sqlx::Error>((
                    row.try_get::<String, _>("system_id")?,
                    row.try_get::<String, _>("state")?,
                    row.try_get::<String, _>("receipt_json")?,
                    row.try_get::<i64, _>("rows_touched")?,
                    row.try_get::<i64, _>("created_at_ms")?,
                    row.try_get::<Option<i64>, _>("committed_at_ms")?,
                ))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::from_sqlx(e, "read erasure receipts"))?
        });
        rows.into_iter()
            .map(|(system_id, state, receipt_json, rows, created_at_ms, committed_at_ms)| {
                Ok(Receipt {
                    request_id,
                    system_id,
                    committed: state == "committed",
                    receipt_json,
                    rows_touched: to_u64(rows, "rows touched")?,
                    created_at_ms,
                    committed_at_ms,
                })
            })
            .collect()
    }

    /// Records a tombstone (once per request and identity kind).
    pub async fn add_tombstone(
        &mut self,
        id: Id,
        request_id: Id,
        identity_kind: &str,
        identity: &Sensitive<String>,
        systems: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let ct = self
            .keys()
            .encrypt(identity.expose().as_bytes(), &tombstone_context(request_id, id))?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO erasure_tombstones (id, request_id, identity_kind, identity_ct, systems, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (request_id, identity_kind) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(request_id.to_string())
            .bind(identity_kind)
            .bind(ct)
            .bind(systems)
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "record a tombstone"))?;
        });
        Ok(())
    }

    /// Tombstones after `after` (by id), at most `limit`, decrypted: the replay pages
    /// through them.
    pub async fn tombstones_after(
        &mut self,
        after: Option<Id>,
        limit: u32,
    ) -> Result<Vec<Tombstone>, StoreError> {
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(
                "SELECT id, request_id, identity_kind, identity_ct, systems, created_at_ms \
                 FROM erasure_tombstones WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "read tombstones"))?
            .iter()
            .map(|row| {
                Ok::<_, sqlx::Error>((
                    row.try_get::<String, _>("id")?,
                    row.try_get::<String, _>("request_id")?,
                    row.try_get::<String, _>("identity_kind")?,
                    row.try_get::<Vec<u8>, _>("identity_ct")?,
                    row.try_get::<String, _>("systems")?,
                    row.try_get::<i64, _>("created_at_ms")?,
                ))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::from_sqlx(e, "read tombstones"))?
        });
        let mut out = Vec::with_capacity(rows.len());
        for (id, request_id, identity_kind, ct, systems, created_at_ms) in rows {
            let id = parse_id(&id, "tombstone")?;
            let request_id = parse_id(&request_id, "tombstone")?;
            let plain = self.keys().decrypt(&ct, &tombstone_context(request_id, id))?;
            let identity = String::from_utf8(plain.to_vec())
                .map_err(|_| StoreError::Corrupt(format!("tombstone {id} is not text")))?;
            out.push(Tombstone {
                id,
                request_id,
                identity_kind,
                identity: Sensitive::new(identity),
                systems,
                created_at_ms,
            });
        }
        Ok(out)
    }

    /// Stores an access package, encrypted.
    pub async fn add_package(&mut self, info: &PackageInfo, zip: &[u8]) -> Result<(), StoreError> {
        let ct = self.keys().encrypt(zip, &package_context(info.request_id, info.id))?;
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO access_packages (id, request_id, kind, content_ct, size_bytes, sha256_hex, rows_included, created_at_ms, purge_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(info.id.to_string())
            .bind(info.request_id.to_string())
            .bind(&info.kind)
            .bind(ct)
            .bind(to_i64(info.size_bytes, "package size")?)
            .bind(&info.sha256_hex)
            .bind(to_i64(info.rows_included, "package rows")?)
            .bind(info.created_at_ms)
            .bind(info.purge_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "store an access package"))?;
        });
        Ok(())
    }

    /// The packages of a request, newest first.
    pub async fn packages(&mut self, request_id: Id) -> Result<Vec<PackageInfo>, StoreError> {
        let rows = on_conn!(self.conn(), c => {
            sqlx::query(concat!("SELECT ", package_columns!(), " FROM access_packages WHERE request_id = $1 ORDER BY created_at_ms DESC, id DESC"))
                .bind(request_id.to_string())
                .fetch_all(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "list access packages"))?
                .iter()
                .map(|row| package_row!(row))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::from_sqlx(e, "list access packages"))?
        });
        rows.into_iter().map(package_info).collect()
    }

    /// A package's description and content, decrypted; `None` content once purged.
    pub async fn package_content(
        &mut self,
        id: Id,
    ) -> Result<(PackageInfo, Option<Zeroizing<Vec<u8>>>), StoreError> {
        let row = on_conn!(self.conn(), c => {
            sqlx::query(concat!("SELECT ", package_columns!(), ", content_ct FROM access_packages WHERE id = $1"))
                .bind(id.to_string())
                .fetch_optional(c)
                .await
                .map_err(|e| StoreError::from_sqlx(e, "read an access package"))?
                .map(|row| Ok::<_, sqlx::Error>((package_row!(row)?, row.try_get::<Option<Vec<u8>>, _>("content_ct")?)))
                .transpose()
                .map_err(|e| StoreError::from_sqlx(e, "read an access package"))?
        });
        let (row, ct) =
            row.ok_or_else(|| StoreError::NotFound { what: "access package", id: id.to_string() })?;
        let info = package_info(row)?;
        let content = match ct {
            Some(ct) => Some(self.keys().decrypt(&ct, &package_context(info.request_id, info.id))?),
            None => None,
        };
        Ok((info, content))
    }

    /// Purges the content of every package whose time has come; returns how many.
    pub async fn purge_packages(&mut self, now_ms: i64) -> Result<u64, StoreError> {
        let purged = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE access_packages SET content_ct = NULL, purged_at_ms = $1 \
                 WHERE content_ct IS NOT NULL AND purge_at_ms <= $1",
            )
            .bind(now_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "purge access packages"))?
            .rows_affected()
        });
        Ok(purged)
    }

    /// Records a download link; only the keyed hash of its token is kept.
    pub async fn add_package_link(
        &mut self,
        token: &[u8],
        package_id: Id,
        request_id: Id,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        let mac = self.keys().secret_mac("package_link", token);
        on_conn!(self.conn(), c => {
            sqlx::query(
                "INSERT INTO package_links (token_mac, package_id, request_id, created_at_ms, expires_at_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(mac)
            .bind(package_id.to_string())
            .bind(request_id.to_string())
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "record a download link"))?;
        });
        Ok(())
    }

    /// Uses a download link: the package and request it opens when it exists and has
    /// not expired (the download is counted), `None` otherwise — an unknown and an
    /// expired token look the same to the caller.
    pub async fn use_package_link(
        &mut self,
        token: &[u8],
        now_ms: i64,
    ) -> Result<Option<(Id, Id)>, StoreError> {
        let mac = self.keys().secret_mac("package_link", token);
        let row: Option<(String, String)> = on_conn!(self.conn(), c => {
            sqlx::query(
                "UPDATE package_links SET downloads = downloads + 1, last_download_ms = $2 \
                 WHERE token_mac = $1 AND expires_at_ms > $2 RETURNING package_id, request_id",
            )
            .bind(mac)
            .bind(now_ms)
            .fetch_optional(c)
            .await
            .map_err(|e| StoreError::from_sqlx(e, "use a download link"))?
            .map(|row| Ok::<_, sqlx::Error>((row.try_get("package_id")?, row.try_get("request_id")?)))
            .transpose()
            .map_err(|e| StoreError::from_sqlx(e, "use a download link"))?
        });
        row.map(|(p, r)| Ok((parse_id(&p, "download link")?, parse_id(&r, "download link")?)))
            .transpose()
    }
}

impl Store {
    /// Purges due packages in its own transaction.
    pub async fn purge_packages(&self, now_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let purged = tx.purge_packages(now_ms).await?;
        tx.commit().await?;
        Ok(purged)
    }
}

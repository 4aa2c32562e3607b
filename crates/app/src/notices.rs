//! The notices' version history (issue 6 item 2; R-251): every text of every law's
//! notice that the privacy center served, archived the first time it is served, listed
//! newest first and readable again, so a consent's notice version and time lead back
//! to the words the person read.

use ombud_core::audit::to_hex;
use ombud_store::notices::ArchivedNotice;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::{Actor, App, AppError};

/// The largest notice text archived (a rendered notice is tens of KiB).
pub const NOTICE_BYTES_MAX: usize = 2 * 1024 * 1024;

impl App {
    /// Archives `html` as the notice of `law` at `version` (effective `effective`)
    /// unless that very text is archived already; `true` when it was new. A text that
    /// changed while the version number did not is archived too, beside the earlier one,
    /// and the audit event says so, so the operator can give it a version of its own.
    pub async fn archive_notice(
        &self,
        law: &str,
        version: &str,
        effective: &str,
        html: &str,
    ) -> Result<bool, AppError> {
        if html.len() > NOTICE_BYTES_MAX {
            return Err(AppError::Invalid(format!(
                "the {law} notice is over {NOTICE_BYTES_MAX} bytes; shorten the manifest's texts"
            )));
        }
        let sha256_hex = to_hex(&Sha256::digest(html.as_bytes()));
        let now = self.now();
        let now_ms = now.as_millisecond();
        let mut tx = self.store().begin().await?;
        if tx.archived_notice(law, &sha256_hex).await?.is_some() {
            return Ok(false);
        }
        let same_version = tx.notice_versions(law).await?.iter().any(|n| n.version == version);
        let notice = ArchivedNotice {
            law: law.to_owned(),
            version: version.to_owned(),
            effective: effective.to_owned(),
            sha256_hex: sha256_hex.clone(),
            first_served_at_ms: now_ms,
        };
        if !tx.archive_notice(&notice, html).await? {
            return Ok(false);
        }
        self.audit(
            &mut tx,
            now,
            &Actor::System,
            "notice.archived",
            None,
            &json!({
                "law": law,
                "version": version,
                "sha256": sha256_hex,
                "text_changed_without_a_new_version": same_version,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every archived text of `law`'s notice, newest first.
    pub async fn notice_versions(&self, law: &str) -> Result<Vec<ArchivedNotice>, AppError> {
        Ok(self.store().notice_versions(law).await?)
    }

    /// An archived text of `law`'s notice by its SHA-256 (hex).
    pub async fn archived_notice_html(
        &self,
        law: &str,
        sha256_hex: &str,
    ) -> Result<Option<(ArchivedNotice, String)>, AppError> {
        let mut tx = self.store().read().await?;
        let Some(notice) = tx.archived_notice(law, sha256_hex).await? else { return Ok(None) };
        let html = tx.notice_html(law, sha256_hex).await?;
        Ok(html.map(|h| (notice, h)))
    }
}

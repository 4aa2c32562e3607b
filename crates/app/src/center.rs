//! The privacy center's owner capability (issue 6 item 2): what lets the person who
//! submitted a request — and nobody else — see where it stands and download their
//! package, without an account.
//!
//! The capability is the **owner key**: a keyed MAC of the request id under the
//! store's secret key (`Keyring::secret_mac`, the key that also makes unsubscribe
//! tokens and never rotates, so a link given once keeps working). It is given to the
//! submitter once, when the request is stored, and never stored itself: it is computed
//! again to check, and compared in constant time. Without the installation's key it
//! cannot be made from the id; an unknown id, a wrong key, and another person's key
//! all fail the same way ([`AppError::NotFound`], one message), so a caller learns
//! nothing about which requests exist.
//!
//! A download link for the owner's package is minted fresh on each ask and lives
//! [`OWNER_LINK_LIFETIME_MS`] only: the link the fulfilment job made was never shown to
//! anyone (the job has no one to show it to), and a short-lived link leaked from a
//! browser's history is soon worthless. The link is stored the way
//! [`App::open_package_link`] reads it (only its keyed hash), so the download itself
//! is audited there.
//!
//! One click on the privacy center may stand for several ledger records (the opt-out
//! of sale and sharing is three): [`App::record_choices`] writes them in one
//! transaction, so a failure leaves none rather than a half state.

use base64::Engine as _;
use jiff::civil::Date;
use ombud_core::audit::to_hex;
use ombud_core::id::Id;
use ombud_core::request::Status;
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::Level;
use ombud_core::{Law, RequestType};
use serde_json::json;

use crate::choices::{NewChoice, Recorded};
use crate::{Actor, App, AppError};

/// How long a download link minted for the owner works: long enough to start the
/// download, short enough that a copy left in a history or a log is soon useless.
pub const OWNER_LINK_LIFETIME_MS: i64 = 15 * 60 * 1000;

/// The characters of an owner key (32 bytes, unpadded base64url).
pub const OWNER_KEY_CHARS: usize = 43;

/// The most records one [`App::record_choices`] call writes (a click stands for a
/// few; the slice comes from a page's handler).
pub const CHOICES_PER_CALL_MAX: usize = 16;

/// The MAC label of owner keys (a distinct label per use of the secret key).
const OWNER_KEY_LABEL: &str = "request_owner_key";

/// What the owner of a request sees of it: no name, no address, no value of theirs —
/// only what the request is and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerView {
    /// The reference.
    pub id: Id,
    /// What was asked for.
    pub request_type: RequestType,
    /// What is being answered (categories, when specific pieces could not be verified,
    ///
    pub effective_type: RequestType,
    /// Under which law.
    pub law: Law,
    /// Where it stands.
    pub status: Status,
    /// The day it was received.
    pub received_on: Date,
    /// The response deadline in force.
    pub due: Date,
    /// The one extension was taken.
    pub extended: bool,
    /// The level of verification it needs.
    pub verification_required: Level,
    /// An agent submitted it.
    pub via_agent: bool,
    /// How many verification codes were sent.
    pub code_sends: u32,
    /// A package is ready to download (stored and not purged).
    pub package_ready: bool,
}

impl App {
    /// The owner key of a request: given to the person who submitted it, once.
    pub fn owner_key(&self, id: Id) -> String {
        let mac = self.store().keys().secret_mac(OWNER_KEY_LABEL, id.to_string().as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
    }

    /// Whether `key` is the owner key of `id`, compared in constant time.
    pub fn is_owner(&self, id: Id, key: &str) -> bool {
        use subtle::ConstantTimeEq as _;
        let expected = self.owner_key(id);
        // The length is public (every key has it); only the content is compared.
        key.len() == expected.len() && bool::from(key.as_bytes().ct_eq(expected.as_bytes()))
    }

    /// Refuses anyone but the owner, with the same error as an unknown request.
    pub fn check_owner(&self, id: Id, key: &str) -> Result<(), AppError> {
        if self.is_owner(id, key) { Ok(()) } else { Err(not_found()) }
    }

    /// Where the owner's request stands.
    pub async fn owner_view(&self, id: Id, key: &str) -> Result<OwnerView, AppError> {
        self.check_owner(id, key)?;
        let mut tx = self.store().read().await?;
        let record = tx.request(id).await.map_err(|e| match e {
            ombud_store::StoreError::NotFound { .. } => not_found(),
            other => other.into(),
        })?;
        let packages = tx.packages(id).await?;
        tx.commit().await?;
        let now_ms = self.now().as_millisecond();
        let request = &record.request;
        Ok(OwnerView {
            id,
            request_type: request.request_type,
            effective_type: request.effective_type,
            law: request.law,
            status: request.status,
            received_on: request.deadlines.received_on,
            due: request.due(),
            extended: request.extended,
            verification_required: request.verification.required,
            via_agent: request.agent.is_some(),
            code_sends: record.code_sends,
            package_ready: packages
                .first()
                .is_some_and(|p| p.purged_at_ms.is_none() && p.purge_at_ms > now_ms),
        })
    }

    /// Mints a fresh download link to the newest package of the owner's request; the
    /// token is returned once and kept only as a keyed hash. Audited (which package,
    /// never the token).
    pub async fn owner_package_link(
        &self,
        id: Id,
        key: &str,
    ) -> Result<Sensitive<String>, AppError> {
        self.check_owner(id, key)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let newest = tx.packages(id).await?.into_iter().next();
        let Some(package) =
            newest.filter(|p| p.purged_at_ms.is_none() && p.purge_at_ms > now.as_millisecond())
        else {
            return Err(AppError::NotFound(
                "there is no package to download for this request (it is not ready yet, or it was deleted after its time)"
                    .to_owned(),
            ));
        };
        let mut token_bytes = [0u8; 32];
        getrandom::fill(&mut token_bytes).map_err(|_| {
            AppError::Unavailable("no secure randomness for the download link".to_owned())
        })?;
        let token = to_hex(&token_bytes);
        let expires_at_ms = now.as_millisecond().saturating_add(OWNER_LINK_LIFETIME_MS);
        tx.add_package_link(token.as_bytes(), package.id, id, now.as_millisecond(), expires_at_ms)
            .await?;
        self.audit(
            &mut tx,
            now,
            &Actor::Subject,
            "fulfil.package_link_made",
            Some(id),
            &json!({ "package": package.id.to_string(), "expires_at_ms": expires_at_ms }),
        )
        .await?;
        tx.commit().await?;
        Ok(Sensitive::new(token))
    }
}

impl App {
    /// Records several choices together, all or none: each checked as
    /// [`App::record_choice`] checks it and appended by the same path, in one
    /// transaction, and every decision obeys them before this returns.
    ///
    /// The checks read the subject's standing state (its age band) as it was before the
    /// call, which is what separate calls would read too unless the call itself records
    /// an age; so an age is recorded on its own, not in a batch.
    pub async fn record_choices(
        &self,
        news: &[NewChoice],
        actor: &Actor,
    ) -> Result<Vec<Recorded>, AppError> {
        self.choices()?;
        if news.len() > CHOICES_PER_CALL_MAX {
            return Err(AppError::Invalid(format!(
                "at most {CHOICES_PER_CALL_MAX} choices are recorded together"
            )));
        }
        if news.len() > 1
            && news.iter().any(|n| matches!(n.choice, crate::choices::LedgerChoice::Age(_)))
        {
            return Err(AppError::Invalid(
                "an age band is recorded on its own (the choices after it are checked against it)"
                    .to_owned(),
            ));
        }
        for new in news {
            self.check_choice(new)?;
        }
        if news.is_empty() {
            return Ok(Vec::new());
        }
        let now_ms = self.now().as_millisecond();
        let mut tx = self.store().begin().await?;
        let mut recorded = Vec::with_capacity(news.len());
        let mut macs: Vec<Vec<u8>> = Vec::new();
        for new in news {
            let mac = self.subject_key(&new.subject);
            recorded.push(self.append(&mut tx, new, &mac, now_ms, actor, None).await?);
            if !macs.contains(&mac) {
                macs.push(mac);
            }
        }
        tx.commit().await?;
        self.obey(&macs).await;
        Ok(recorded)
    }
}

/// The one answer to every caller who is not the owner, and to unknown requests.
fn not_found() -> AppError {
    AppError::NotFound(
        "no request matches this address; use the link you were given when you made it".to_owned(),
    )
}

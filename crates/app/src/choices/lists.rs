//! Lists (the manifest's `subscriptions`): subscribing and unsubscribing through the
//! ledger, messages to a list's subscribers queued with the RFC 8058 one-click
//! `List-Unsubscribe` headers, and the unsubscribe their link performs (REGULATIONS.md
//! B21: honored at once, never more than 10 business days; the link works for at least
//! 30 days, R-300 — ombud's tokens for 400).
//!
//! The token names the list and the subscriber by the subject's keyed hash, never by an
//! address; it is signed with a key derived from the store's secret key, so only this
//! store's ombud can make one, and an altered one fails the check.

use ombud_core::id::Id;
use ombud_core::sensitive::Sensitive;
use ombud_policy::decide::Source;
use ombud_policy::unsubscribe::{self, TokenError, UnsubscribeKey};
use ombud_program::notice::escape_html as escape;
use zeroize::Zeroizing;

use super::ledger::{ChoiceSubject, LedgerChoice};
use super::{HistoryEntry, NewChoice};
use crate::notify::StoredEmail;
use crate::{Actor, App, AppError};

/// The most subscribers one list message goes to (a larger list is sent in parts by a
/// mailer built for it; ombud's outbox is for a company's own lists).
pub const LIST_RECIPIENTS_MAX: u32 = 100_000;

/// The largest body of a list message, in bytes.
pub const LIST_BODY_BYTES_MAX: usize = 256 * 1024;

/// A message to a list.
#[derive(Clone, Debug)]
pub struct ListMessage {
    /// The list's id.
    pub list: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (the text, escaped, when `None`).
    pub html: Option<String>,
}

/// What sending to a list did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListSend {
    /// Messages queued in the outbox.
    pub queued: usize,
    /// Subscribers without an email address (a device or an account id).
    pub skipped: usize,
}

/// What a one-click unsubscribe did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribed {
    /// The list.
    pub list: String,
    /// The subscriber was already off the list (a second click changes nothing).
    pub already: bool,
}

/// Whether a history ends subscribed to `list` (its last subscribe or unsubscribe).
pub(crate) fn on_list(history: &[HistoryEntry], list: &str) -> bool {
    history
        .iter()
        .rev()
        .find(|entry| {
            entry.target.as_deref() == Some(list)
                && matches!(entry.choice.as_str(), "subscribe" | "unsubscribe")
        })
        .is_some_and(|entry| entry.choice == "subscribe")
}

impl App {
    /// The key of unsubscribe tokens: derived from the store's secret key, which never
    /// rotates, so links in old messages keep working.
    fn unsubscribe_key(&self) -> Result<UnsubscribeKey, AppError> {
        let bytes: [u8; 32] =
            self.store().keys().secret_mac("unsubscribe_token_key", b"v1").try_into().map_err(
                |_| AppError::Internal("the unsubscribe key has the wrong length".to_owned()),
            )?;
        Ok(UnsubscribeKey::from_bytes(bytes))
    }

    /// The one-click unsubscribe token of one subscriber of one list.
    pub fn unsubscribe_token(
        &self,
        subject: &ChoiceSubject,
        list: &str,
    ) -> Result<String, AppError> {
        let subscriber = ombud_core::audit::to_hex(&self.subject_key(subject));
        unsubscribe::token(&self.unsubscribe_key()?, list, &subscriber, self.now().as_second())
            .map_err(|e| AppError::Invalid(e.to_string()))
    }

    /// Performs the unsubscribe a one-click link asks for (RFC 8058: the POST to the
    /// link, with no login). A forged, altered or expired token is refused; so is a
    /// token for another list than `expected_list`, when the caller names one. A second
    /// click is harmless.
    pub async fn unsubscribe_one_click(
        &self,
        token: &str,
        expected_list: Option<&str>,
    ) -> Result<Unsubscribed, AppError> {
        self.choices()?;
        let claim = unsubscribe::verify(&self.unsubscribe_key()?, token, self.now().as_second())
            .map_err(|e| match e {
                TokenError::Expired => AppError::Forbidden(format!(
                    "{e}; unsubscribe on the privacy center's preferences page instead"
                )),
                _ => AppError::Forbidden(format!("this unsubscribe link is not valid: {e}")),
            })?;
        if let Some(list) = expected_list
            && list != claim.list_id
        {
            return Err(AppError::Forbidden(
                "this unsubscribe link is for another list".to_owned(),
            ));
        }
        // A list later removed from the program is still honored: the link must keep
        // working, and the person stays off the list if it comes back.
        let mac = ombud_core::audit::from_hex(&claim.subscriber_id)
            .map(|h| h.to_vec())
            .ok_or_else(|| AppError::Forbidden("this unsubscribe link is not valid".to_owned()))?;
        let mut tx = self.store().begin().await?;
        let records = tx.choices_of(std::slice::from_ref(&mac)).await?;
        let last = records
            .iter()
            .rev()
            .find(|r| {
                r.target.as_deref() == Some(claim.list_id.as_str())
                    && matches!(r.choice.as_str(), "subscribe" | "unsubscribe")
            })
            .ok_or_else(|| AppError::NotFound("no subscription for this link".to_owned()))?;
        if last.choice == "unsubscribe" {
            return Ok(Unsubscribed { list: claim.list_id, already: true });
        }
        let identifier = tx.identifier_of(last.id).await?;
        let subject = ChoiceSubject::parse(identifier.expose())?;
        let new = NewChoice {
            subject,
            choice: LedgerChoice::Unsubscribe(claim.list_id.clone()),
            source: Source::EmailLink,
            notice_version: None,
        };
        self.append(&mut tx, &new, &mac, self.now().as_millisecond(), &Actor::Subject, None)
            .await?;
        tx.commit().await?;
        self.obey(&[mac]).await;
        Ok(Unsubscribed { list: claim.list_id, already: false })
    }

    /// Queues a message to every current subscriber of a list who has an email address,
    /// each with its own `List-Unsubscribe` link and `List-Unsubscribe-Post` (RFC 8058;
    /// Delivery is [`App::deliver_pending`]'s, like every message.
    pub async fn send_to_list(&self, message: ListMessage) -> Result<ListSend, AppError> {
        let engine = self.choices()?;
        if !engine.program().subscriptions.iter().any(|s| s.id == message.list) {
            return Err(AppError::Invalid(format!(
                "the program declares no list {:?}",
                message.list.chars().take(40).collect::<String>()
            )));
        }
        if message.text.len() + message.html.as_ref().map_or(0, String::len) > LIST_BODY_BYTES_MAX
            || message.subject.len() > 998
        {
            return Err(AppError::Invalid(format!(
                "a list message is at most {} KiB with a one-line subject",
                LIST_BODY_BYTES_MAX / 1024
            )));
        }
        let base = self.settings().privacy_center.clone().ok_or_else(|| {
            AppError::Invalid(
                "list messages carry an unsubscribe link to the privacy center: set requests.privacy_center in the manifest to its https address"
                    .to_owned(),
            )
        })?;
        let mailto = self.settings().organization.contact_email.clone();
        let key = self.unsubscribe_key()?;
        let now = self.now();
        let program = engine.program().clone();
        let purpose = program
            .subscriptions
            .iter()
            .find(|s| s.id == message.list)
            .and_then(|s| s.purpose)
            .and_then(|at| program.purposes.get(at))
            .map(|p| p.id.clone());
        let postal = program.organization.postal_address.clone();
        // Read in a read transaction: SQLite's one writer stays free for opt-outs.
        let mut tx = self.store().read().await?;
        let rows = tx.list_choices(&message.list, LIST_RECIPIENTS_MAX + 1).await?;
        if rows.len() > usize::try_from(LIST_RECIPIENTS_MAX).unwrap_or(usize::MAX) {
            return Err(AppError::Invalid(format!(
                "the list has more records than one send takes ({LIST_RECIPIENTS_MAX}); use a bulk mailer with the suppression export"
            )));
        }
        // The last record of each subject decides (rows are grouped by subject).
        let mut current: Vec<(Id, Vec<u8>)> = Vec::new();
        let mut at = 0;
        while at < rows.len() {
            let mac = &rows[at].1;
            let mut end = at;
            while end + 1 < rows.len() && &rows[end + 1].1 == mac {
                end += 1;
            }
            if rows[end].2 == "subscribe" {
                current.push((rows[end].0, mac.clone()));
            }
            at = end + 1;
        }
        let board = engine.current();
        let mut report = ListSend::default();
        let domain =
            self.settings().email_from.rsplit('@').next().unwrap_or("ombud.invalid").to_owned();
        let mut queue: Vec<(Id, Zeroizing<Vec<u8>>)> = Vec::new();
        for (record, mac) in current {
            // A withdrawn consent to the list's purpose stops the mail too.
            if let Some(purpose) = &purpose
                && super::engine::key_of(&mac)
                    .and_then(|k| board.state(&k).and_then(|s| s.consent(purpose)))
                    .is_some_and(|c| {
                        matches!(c, ombud_policy::decide::PurposeConsent::Withdrawn(_))
                    })
            {
                report.skipped += 1;
                continue;
            }
            let identifier: Sensitive<String> = tx.identifier_of(record).await?;
            let Ok(ChoiceSubject::Email(address)) = ChoiceSubject::parse(identifier.expose())
            else {
                report.skipped += 1;
                continue;
            };
            let token = unsubscribe::token(
                &key,
                &message.list,
                &ombud_core::audit::to_hex(&mac),
                now.as_second(),
            )
            .map_err(|e| AppError::Internal(format!("make an unsubscribe token: {e}")))?;
            let headers =
                unsubscribe::list_unsubscribe_headers(&base, &token, mailto.as_deref())
                    .map_err(|e| AppError::Invalid(format!("the privacy center address: {e}")))?;
            // The visible way out and the sender's postal address.
            let link = format!("{}/unsubscribe/{token}", base.trim_end_matches('/'));
            let footer = match &postal {
                Some(address) => format!("\n\n--\nUnsubscribe: {link}\n{address}"),
                None => format!("\n\n--\nUnsubscribe: {link}"),
            };
            let text = format!("{}{footer}", message.text);
            let html = format!(
                "{}<hr><p><a href=\"{}\">Unsubscribe</a>{}</p>",
                message.html.clone().unwrap_or_else(|| text_as_html(&message.text)),
                escape(&link),
                postal.as_deref().map(|a| format!("<br>{}", escape(a))).unwrap_or_default()
            );
            let id = self.ids.id(now);
            let stored = StoredEmail {
                to: address,
                from: self.settings().email_from.clone(),
                reply_to: self.settings().organization.contact_email.clone(),
                subject: message.subject.clone(),
                text,
                html,
                message_id: format!("<{id}@{domain}>"),
                date_ms: now.as_millisecond(),
                headers: headers.to_vec(),
            };
            let bytes = Zeroizing::new(
                serde_json::to_vec(&stored)
                    .map_err(|_| AppError::Internal("serialize a list message".to_owned()))?,
            );
            queue.push((id, bytes));
        }
        drop(tx);
        // Written in short transactions, so opt-outs are not kept waiting behind a send.
        for chunk in queue.chunks(LIST_ENQUEUE_BATCH) {
            let mut tx = self.store().begin().await?;
            for (id, bytes) in chunk {
                tx.enqueue_email(*id, None, "list", bytes, now.as_millisecond()).await?;
            }
            tx.commit().await?;
            report.queued += chunk.len();
        }
        Ok(report)
    }
}

/// Messages queued per transaction.
const LIST_ENQUEUE_BATCH: usize = 500;

/// Plain text as a minimal HTML part: escaped, paragraphs kept.
fn text_as_html(text: &str) -> String {
    format!(
        "<!doctype html><html><body><p>{}</p></body></html>",
        escape(text).replace('\n', "<br>")
    )
}

//! Suppression lists: for one recipient, everyone whose own choices now stop some
//! disclosure the program makes to it (an opt-out of sale or sharing, of targeted
//! advertising, a limit on sensitive PI, a withdrawn consent), with the identifier in
//! the form the recipient is configured for (`suppression: sha256 | plain`). This is how
//! an opt-out reaches the parties the data went to (R-113, R-114: the business tells
//! the third parties it sold or shared to).
//!
//! "Stopped by their choices" is decided by the engine itself: a subject is listed when
//! a disclosure to the recipient is denied for them but allowed for a person who has
//! chosen nothing, so the list follows every rule of the engine and no other.

use ombud_policy::decide::{ConsentState, Query};
use ombud_program::manifest::SuppressionIdentifiers;
use sha2::{Digest as _, Sha256};

use super::engine::key_of;
use super::ledger::ChoiceSubject;
use crate::{Actor, App, AppError};

/// The most subjects an export reads.
pub const SUPPRESSION_SUBJECTS_MAX: u32 = 5_000_000;

/// One line of a suppression list.
#[derive(Clone, PartialEq, Eq)]
pub struct Suppressed {
    /// `email`, `phone`, `account` or `device`.
    pub kind: &'static str,
    /// The identifier (plain, normalized: an email trimmed and lower-cased) or the hex
    /// SHA-256 of that normalized form, without the `email:` kind prefix.
    pub identifier: String,
    /// The rules that stop the disclosures (`opted_out_of_sale`, …).
    pub rules: Vec<&'static str>,
    /// Since when (Unix ms): the latest choice among those that stop them.
    pub since_ms: u64,
}

impl std::fmt::Debug for Suppressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suppressed")
            .field("kind", &self.kind)
            .field("identifier", &"[redacted]")
            .field("rules", &self.rules)
            .finish()
    }
}

/// A recipient's suppression list.
#[derive(Clone, Debug)]
pub struct SuppressionList {
    /// The recipient's id.
    pub recipient: String,
    /// The form of the identifiers.
    pub form: SuppressionIdentifiers,
    /// Who, in the ledger's order of subjects.
    pub entries: Vec<Suppressed>,
}

impl App {
    /// The suppression list of one recipient. Reading identifiers in plain is a read of
    /// personal data, so it is audited.
    pub async fn suppression_list(
        &self,
        recipient: &str,
        actor: &Actor,
    ) -> Result<SuppressionList, AppError> {
        let engine = self.choices()?;
        let program = engine.program();
        let Some(index) = program.recipients.iter().position(|r| r.id == recipient) else {
            return Err(AppError::Invalid(format!(
                "the program declares no recipient {:?}; its recipients are {}",
                recipient.chars().take(40).collect::<String>(),
                program.recipients.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
            )));
        };
        let form = program.recipients[index].suppression;
        // Every (category, purpose) the program sends to the recipient.
        let mut flows: Vec<(&str, Option<&str>)> = Vec::new();
        for disclosure in program.disclosures.iter().filter(|d| d.recipients.contains(&index)) {
            for &category in &disclosure.categories {
                let Some(category) = program.categories.get(category) else { continue };
                if disclosure.purposes.is_empty() {
                    flows.push((&category.id, None));
                }
                for &purpose in &disclosure.purposes {
                    if let Some(purpose) = program.purposes.get(purpose) {
                        flows.push((&category.id, Some(&purpose.id)));
                    }
                }
            }
        }
        let board = engine.current();
        let blank = ConsentState::default();
        // Read in a read transaction: SQLite's one writer stays free for opt-outs.
        let mut tx = self.store().read().await?;
        let subjects = tx.consent_subjects(SUPPRESSION_SUBJECTS_MAX + 1).await?;
        if subjects.len() > usize::try_from(SUPPRESSION_SUBJECTS_MAX).unwrap_or(usize::MAX) {
            return Err(AppError::Invalid(format!(
                "the ledger has more than {SUPPRESSION_SUBJECTS_MAX} subjects, more than one export reads; a partial suppression list would be wrong"
            )));
        }
        let mut entries = Vec::new();
        for (mac, _kind, last) in subjects {
            let Some(state) = key_of(&mac).and_then(|key| board.state(&key)) else { continue };
            let mut rules: Vec<&'static str> = Vec::new();
            for &law in &program.jurisdictions {
                for &(category, purpose) in &flows {
                    let query = Query { purpose, recipient: Some(recipient), category, law };
                    let theirs = board.snapshot().decide(&query, state);
                    if !theirs.allowed
                        && board.snapshot().decide(&query, &blank).allowed
                        && !rules.contains(&theirs.rule.id())
                    {
                        rules.push(theirs.rule.id());
                    }
                }
            }
            if rules.is_empty() {
                continue;
            }
            let since_ms = [
                state.opted_out_of_sale(),
                state.opted_out_of_sharing(),
                state.opted_out_of_targeted_ads(),
                state.limited_sensitive(),
            ]
            .into_iter()
            .flatten()
            .map(|mark| mark.at_ms)
            .max()
            .unwrap_or(0);
            let identifier = tx.identifier_of(last).await?;
            let subject = ChoiceSubject::parse(identifier.expose())?;
            let identifier = match form {
                SuppressionIdentifiers::Plain => subject.value().to_owned(),
                SuppressionIdentifiers::Sha256 => {
                    ombud_core::audit::to_hex(&Sha256::digest(subject.value().as_bytes()))
                }
            };
            entries.push(Suppressed { kind: subject.kind_name(), identifier, rules, since_ms });
        }
        drop(tx);
        if form == SuppressionIdentifiers::Plain {
            let payload = serde_json::json!({"recipient": recipient, "entries": entries.len()});
            let mut tx = self.store().begin().await?;
            self.audit(&mut tx, self.now(), actor, "consent.suppression_exported", None, &payload)
                .await?;
            tx.commit().await?;
        }
        Ok(SuppressionList { recipient: recipient.to_owned(), form, entries })
    }
}

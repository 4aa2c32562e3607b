//! Choices: the consent ledger's use cases — recording a choice with its proof, the
//! Global Privacy Control signal, linking a browser to a person, a person's history
//! and current state, opt-out requests applied at once, lists and their one-click
//! unsubscribe, suppression lists for recipients — and the decision engine they feed
//! (issue 5; REGULATIONS.md B9, B10, B12, B19, B21).
//!
//! **Invariants:** the ledger is only appended to (the store refuses anything else);
//! a choice is obeyed by this process's decisions as soon as its transaction commits,
//! and by every other process on the same PostgreSQL store as soon as the
//! notification arrives ([`engine`]); identifiers are kept only as keyed hashes and
//! ciphertexts, and never appear in errors or logs.

pub mod engine;
mod export;
pub mod ledger;
mod lists;

use std::sync::Arc;

use ombud_core::Law;
use ombud_core::id::Id;
use ombud_core::limits;
use ombud_core::sensitive::Sensitive;
use ombud_policy::decide::{AgeBand, Board, Choice, ConsentState, Decision, Query, Source};
use ombud_policy::gpc::{self, GpcEffect, SignalEffect};
use ombud_store::Tx;
use ombud_store::consent::ChoiceRecord;
use serde_json::json;

pub use self::engine::Engine;
pub use self::export::{SUPPRESSION_SUBJECTS_MAX, Suppressed, SuppressionList};
pub use self::ledger::{ChoiceSubject, LedgerChoice, parse_source, source_code};
pub use self::lists::{
    LIST_BODY_BYTES_MAX, LIST_RECIPIENTS_MAX, ListMessage, ListSend, Unsubscribed,
};
use crate::{Actor, App, AppError};

/// A choice to record.
#[derive(Clone, Debug)]
pub struct NewChoice {
    /// Whose.
    pub subject: ChoiceSubject,
    /// What.
    pub choice: LedgerChoice,
    /// Where it came from.
    pub source: Source,
    /// The notice version the person was shown; the program's current one when `None`.
    pub notice_version: Option<String>,
}

/// A choice recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The ledger record's id.
    pub id: Id,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// One line of a subject's history, as staff and the person see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The record.
    pub id: Id,
    /// When (Unix ms).
    pub at_ms: i64,
    /// Person or device (a linked device's records are part of a person's history).
    pub subject_kind: &'static str,
    /// The choice code.
    pub choice: String,
    /// Its purpose or list.
    pub target: Option<String>,
    /// Its source code.
    pub source: String,
    /// The notice version shown.
    pub notice_version: Option<String>,
}

/// What a subject's choices add up to now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceView {
    /// The state the decision engine reads.
    pub state: ConsentState,
    /// Each list of the program and whether the subject is on it.
    pub lists: Vec<(String, bool)>,
    /// Records in the subject's history (their own and their linked subjects').
    pub records: usize,
}

/// The strings ad tech reads a person's choices from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdStrings {
    /// The IAB GPP string.
    pub gpp: String,
    /// The IAB US Privacy string.
    pub usp: String,
}

/// What a request's privacy signals did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalOutcome {
    /// What the signals mean under the program.
    pub effect: SignalEffect,
    /// New ledger records written (none when the signal was already honored: a replay
    /// of the same signal changes nothing).
    pub recorded: usize,
    /// What the page says about sale and sharing (R-117, R-124): "Opt-Out Request
    /// Honored", or nothing.
    pub status: Option<&'static str>,
}

impl App {
    /// Gives the app its decision engine (loaded with [`Engine::load`]).
    pub fn with_choices(mut self, engine: Arc<Engine>) -> App {
        self.choices = Some(engine);
        self
    }

    /// The decision engine, or an error saying how to configure it.
    pub fn choices(&self) -> Result<&Arc<Engine>, AppError> {
        self.choices.as_ref().ok_or_else(|| {
            AppError::Invalid(
                "choices need the privacy program: pass --program FILE (or OMBUD_PROGRAM)"
                    .to_owned(),
            )
        })
    }

    /// The keyed hash a subject is recorded under.
    pub fn subject_key(&self, subject: &ChoiceSubject) -> Vec<u8> {
        ombud_store::consent::subject_mac(self.store().keys(), subject.kind(), &subject.canonical())
    }

    /// Records one choice, checked against the program and the law, and makes every
    /// decision obey it before returning.
    pub async fn record_choice(&self, new: NewChoice, actor: &Actor) -> Result<Recorded, AppError> {
        self.choices()?;
        self.check_choice(&new)?;
        let now = self.now();
        let mac = self.subject_key(&new.subject);
        let mut tx = self.store().begin().await?;
        let recorded = self.append(&mut tx, &new, &mac, now.as_millisecond(), actor, None).await?;
        tx.commit().await?;
        self.obey(&[mac]).await;
        Ok(recorded)
    }

    /// Makes the decisions obey committed records of these subjects. The records are
    /// durable whatever happens here, so a failure does not fail the caller (who would
    /// record them twice): the engine is then marked stale and reloads everything on
    /// its next refresh, and one reload is tried at once.
    pub(crate) async fn obey(&self, subjects: &[Vec<u8>]) {
        let Some(engine) = self.choices.as_ref() else { return };
        if engine.refresh(self.store(), subjects).await.is_err() {
            let _ = engine.reload(self.store()).await;
        }
    }

    /// Checks a choice against the program (its purpose or list exists) and the law
    /// (what a signal, or a child, can choose).
    pub(crate) fn check_choice(&self, new: &NewChoice) -> Result<(), AppError> {
        let program = self.choices()?.program();
        if let Some(version) = &new.notice_version
            && (version.is_empty() || version.len() > limits::ID_BYTES_MAX)
        {
            return Err(AppError::Invalid("the notice version must be a short label".to_owned()));
        }
        let gives = matches!(
            new.choice,
            LedgerChoice::Decision(
                Choice::Consent { .. }
                    | Choice::OptInRequest { .. }
                    | Choice::OptInConfirm
                    | Choice::ParentOptIn
            )
        );
        // Proof of consent names the notice the person actually saw (Art 7(1), R-251):
        // a form or the API must say which; ombud does not assume the current one.
        if gives && matches!(new.source, Source::Form | Source::Api) && new.notice_version.is_none()
        {
            return Err(AppError::Invalid(
                "a consent or opt-in needs the notice version the person was shown (--notice-version); it is the proof of what they agreed to (R-251)".to_owned(),
            ));
        }
        // A parent's consent is given after the business verifies the parent (R-171,
        // staff record it, with the verification in their own records.
        if matches!(
            new.choice,
            LedgerChoice::Decision(Choice::Consent { by_parent: true, .. } | Choice::ParentOptIn)
        ) && new.source != Source::Staff
        {
            return Err(AppError::Forbidden(
                "a parent's consent is recorded by staff after verifying the parent (source staff; R-171, R-254)".to_owned(),
            ));
        }
        if matches!(new.choice, LedgerChoice::Link(_)) {
            return Err(AppError::Invalid(
                "links are made with `ombud consent link`, not recorded by hand".to_owned(),
            ));
        }
        match &new.choice {
            LedgerChoice::Decision(Choice::Consent { purpose, .. })
            | LedgerChoice::Decision(Choice::Withdraw { purpose }) => {
                if !program.purposes.iter().any(|p| &p.id == purpose) {
                    return Err(AppError::Invalid(format!(
                        "the program declares no purpose {:?}; its purposes are {}",
                        short(purpose),
                        program
                            .purposes
                            .iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            LedgerChoice::Subscribe(list) | LedgerChoice::Unsubscribe(list) => {
                if !program.subscriptions.iter().any(|s| &s.id == list) {
                    return Err(AppError::Invalid(format!(
                        "the program declares no list {:?}; its lists are {}",
                        short(list),
                        list_ids(program)
                    )));
                }
                if matches!(new.choice, LedgerChoice::Subscribe(_)) && new.source == Source::Gpc {
                    return Err(AppError::Invalid(
                        "a Global Privacy Control signal can only opt out (R-123)".to_owned(),
                    ));
                }
            }
            LedgerChoice::Decision(choice) => {
                if new.source == Source::Gpc && !choice.restricts() {
                    // a signal never opts a person in; the fold would ignore it,
                    // and the ledger should not even hold the claim.
                    return Err(AppError::Invalid(
                        "a Global Privacy Control signal can only opt out, never in (R-123)"
                            .to_owned(),
                    ));
                }
            }
            LedgerChoice::Age(age) => {
                if new.source == Source::Gpc {
                    return Err(AppError::Invalid(
                        "a Global Privacy Control signal says nothing about age".to_owned(),
                    ));
                }
                // Once the business knows a person is younger, only staff may record an
                // older band (a child cannot lift their own protection by a click).
                let known = self.age_of(&self.subject_key(&new.subject));
                if new.source != Source::Staff
                    && known != AgeBand::Unknown
                    && age_rank(*age) > age_rank(known)
                {
                    return Err(AppError::Forbidden(
                        "the business already knows this person is younger; only staff may record an older age band (R-170)".to_owned(),
                    ));
                }
            }
            LedgerChoice::Link(_) => {}
        }
        Ok(())
    }

    /// Appends one record (and its audit event) in `tx`, after the checks that need the
    /// subject's standing state: a child under 13 cannot consent or opt in for
    /// themself.
    pub(crate) async fn append(
        &self,
        tx: &mut Tx,
        new: &NewChoice,
        mac: &[u8],
        at_ms: i64,
        actor: &Actor,
        request_id: Option<Id>,
    ) -> Result<Recorded, AppError> {
        let own_choice = matches!(
            new.choice,
            LedgerChoice::Decision(
                Choice::Consent { by_parent: false, .. }
                    | Choice::OptInRequest { .. }
                    | Choice::OptInConfirm
            )
        );
        if own_choice && self.age_of(mac) == AgeBand::Under13 {
            return Err(AppError::Forbidden(
                "this person is under 13: a parent or guardian gives consent for them (record it as parent_consent or parent_opt_in, after verifying the parent; R-171, R-254)"
                    .to_owned(),
            ));
        }
        let id = self.ids.id(self.now());
        let record = ChoiceRecord {
            id,
            subject_kind: new.subject.kind(),
            subject_mac: mac.to_vec(),
            choice: new.choice.code().to_owned(),
            target: new.choice.target().map(str::to_owned),
            source: source_code(new.source).to_owned(),
            notice_version: new.notice_version.clone(),
            at_ms,
        };
        tx.append_choice(&record, &Sensitive::new(new.subject.canonical())).await?;
        let payload = json!({
            "record": id.to_string(),
            "subject_kind": new.subject.kind_name(),
            "choice": record.choice,
            "target": record.target,
            "source": record.source,
            "notice_version": record.notice_version,
        });
        let now = jiff::Timestamp::from_millisecond(at_ms).unwrap_or_else(|_| self.now());
        self.audit(tx, now, actor, "consent.recorded", request_id, &payload).await?;
        Ok(Recorded { id, at_ms })
    }

    /// The age band the board holds for a subject.
    fn age_of(&self, mac: &[u8]) -> AgeBand {
        let Some(engine) = self.choices.as_ref() else { return AgeBand::Unknown };
        engine::key_of(mac)
            .and_then(|key| engine.current().state(&key).map(ConsentState::age))
            .unwrap_or(AgeBand::Unknown)
    }

    /// Acts on a request's privacy signals (ECOSYSTEM.md §1.1): `Sec-GPC: 1` is an
    /// opt-out of sale, sharing and targeted advertising for this browser and, when
    /// known, the person, with no further question, recorded with source GPC;
    /// it wins over an earlier opt-in; a signal already honored is not recorded
    /// again (a replay changes nothing); its absence never opts anyone in. Do
    /// Not Track does what the manifest declares (the effect says; it is not a legal
    /// opt-out and writes nothing to the ledger).
    pub async fn honor_signals(
        &self,
        device: &ChoiceSubject,
        person: Option<&ChoiceSubject>,
        gpc_on: bool,
        dnt_on: bool,
    ) -> Result<SignalOutcome, AppError> {
        let engine = self.choices()?;
        if device.kind() != ombud_store::consent::SubjectKind::Device {
            return Err(AppError::Invalid(
                "signals come from a browser: give a device id".to_owned(),
            ));
        }
        let effect = gpc::interpret(&engine.program().signals, gpc_on, dnt_on);
        let mut recorded = 0;
        let device_mac = self.subject_key(device);
        let person_mac = person.map(|p| self.subject_key(p));
        let standing = |board: &Board, mac: &[u8]| {
            engine::key_of(mac).and_then(|key| board.state(&key)).is_some_and(|s| {
                s.opted_out_of_sale().is_some()
                    && s.opted_out_of_sharing().is_some()
                    && s.opted_out_of_targeted_ads().is_some()
            })
        };
        if effect.gpc == GpcEffect::OptOut {
            let board = engine.current();
            // The signal comes with every page: once it is honored (and the browser
            // linked to the known person), a page view writes nothing.
            let mut done = standing(&board, &device_mac)
                && person_mac.as_ref().is_none_or(|mac| standing(&board, mac));
            if done && let Some(person_mac) = &person_mac {
                let mut tx = self.store().read().await?;
                done = tx.linked_to(&device_mac).await?.contains(person_mac);
            }
            if !done {
                let now = self.now().as_millisecond();
                let mut tx = self.store().begin().await?;
                if let (Some(person), Some(person_mac)) = (person, &person_mac) {
                    self.link_in(
                        &mut tx,
                        (device, &device_mac),
                        (person, person_mac),
                        now,
                        Source::Gpc,
                    )
                    .await?;
                }
                let subjects =
                    std::iter::once((device, &device_mac)).chain(person.zip(person_mac.as_ref()));
                for (subject, mac) in subjects {
                    if standing(&board, mac) {
                        continue;
                    }
                    for choice in
                        [Choice::OptOutOfSale, Choice::OptOutOfSharing, Choice::OptOutOfTargetedAds]
                    {
                        let new = NewChoice {
                            subject: subject.clone(),
                            choice: LedgerChoice::Decision(choice),
                            source: Source::Gpc,
                            notice_version: None,
                        };
                        self.append(&mut tx, &new, mac, now, &Actor::Subject, None).await?;
                        recorded += 1;
                    }
                }
                tx.commit().await?;
                let mut touched = vec![device_mac.clone()];
                touched.extend(person_mac.clone());
                self.obey(&touched).await;
            }
        }
        let board = engine.current();
        let opted_out = [Some(&device_mac), person_mac.as_ref()].into_iter().flatten().any(|mac| {
            engine::key_of(mac).and_then(|key| board.state(&key)).is_some_and(|s| {
                s.opted_out_of_sale().is_some() && s.opted_out_of_sharing().is_some()
            })
        });
        Ok(SignalOutcome { effect, recorded, status: gpc::opt_out_status(&effect, opted_out) })
    }

    /// Links a browser or device to a person (when they sign in or verify): from then on
    /// what either takes away counts for the other, so the device's opt-outs count for
    /// the person; consents and opt-ins never cross a link.
    pub async fn link_device(
        &self,
        device: &ChoiceSubject,
        person: &ChoiceSubject,
        source: Source,
    ) -> Result<bool, AppError> {
        self.choices()?;
        let (device_mac, person_mac) = (self.subject_key(device), self.subject_key(person));
        let mut tx = self.store().begin().await?;
        let linked = self
            .link_in(
                &mut tx,
                (device, &device_mac),
                (person, &person_mac),
                self.now().as_millisecond(),
                source,
            )
            .await?;
        tx.commit().await?;
        if linked {
            self.obey(&[device_mac, person_mac]).await;
        }
        Ok(linked)
    }

    /// Links in `tx`, within the limits, and records the link in the person's ledger
    /// (the evidence, and what puts a person with no choices of their own on a
    /// suppression list when their device opted out).
    async fn link_in(
        &self,
        tx: &mut Tx,
        (device, device_mac): (&ChoiceSubject, &Vec<u8>),
        (person, person_mac): (&ChoiceSubject, &Vec<u8>),
        now_ms: i64,
        source: Source,
    ) -> Result<bool, AppError> {
        if device.kind() != ombud_store::consent::SubjectKind::Device
            || person.kind() != ombud_store::consent::SubjectKind::Person
        {
            return Err(AppError::Invalid(
                "a link joins a device (device:ID) to a person (email:, phone: or account:)"
                    .to_owned(),
            ));
        }
        let devices = tx.linked_to(person_mac).await?;
        if devices.contains(device_mac) {
            return Ok(false);
        }
        if devices.len() >= LINKS_PER_SUBJECT_MAX
            || tx.linked_to(device_mac).await?.len() >= LINKS_PER_SUBJECT_MAX
        {
            return Err(AppError::Forbidden(format!(
                "a person may be linked to at most {LINKS_PER_SUBJECT_MAX} devices, and a device to as many people"
            )));
        }
        let linked = tx.link_device(device_mac, person_mac, now_ms).await?;
        if linked {
            let new = NewChoice {
                subject: person.clone(),
                choice: LedgerChoice::Link(ombud_core::audit::to_hex(device_mac)),
                source,
                notice_version: None,
            };
            self.append(tx, &new, person_mac, now_ms, &Actor::Subject, None).await?;
        }
        Ok(linked)
    }

    /// A subject's records and those of the subjects linked to it, oldest first
    /// (staff reads are audited by the caller's actor).
    pub async fn consent_history(
        &self,
        subject: &ChoiceSubject,
        actor: &Actor,
    ) -> Result<Vec<HistoryEntry>, AppError> {
        let mac = self.subject_key(subject);
        // A read of someone's choices by staff or another system is audited.
        let staff = matches!(actor, Actor::Staff(_) | Actor::Api(_));
        let mut tx = if staff { self.store().begin().await? } else { self.store().read().await? };
        let mut subjects = vec![mac.clone()];
        subjects.extend(tx.linked_to(&mac).await?);
        // A linked subject's records count only where they take something away (what
        // the engine carries across a link); the rest is theirs, not this subject's.
        let records: Vec<ChoiceRecord> = tx
            .choices_of(&subjects)
            .await?
            .into_iter()
            .filter(|r| {
                r.subject_mac == mac
                    || LedgerChoice::parse(&r.choice, r.target.as_deref())
                        .is_ok_and(|c| matches!(c, LedgerChoice::Decision(ch) if ch.restricts()))
            })
            .collect();
        if staff {
            // Whose history was read, by the subject's keyed hash (never the identifier).
            let payload = json!({
                "subject_kind": subject.kind_name(),
                "subject_mac": ombud_core::audit::to_hex(&mac),
                "records": records.len(),
            });
            self.audit(&mut tx, self.now(), actor, "consent.history_read", None, &payload).await?;
        }
        tx.commit().await?;
        Ok(records
            .into_iter()
            .map(|r| HistoryEntry {
                id: r.id,
                at_ms: r.at_ms,
                subject_kind: match r.subject_kind {
                    ombud_store::consent::SubjectKind::Person => "person",
                    ombud_store::consent::SubjectKind::Device => "device",
                },
                choice: r.choice,
                target: r.target,
                source: r.source,
                notice_version: r.notice_version,
            })
            .collect())
    }

    /// What a subject's choices add up to now.
    pub async fn consent_view(
        &self,
        subject: &ChoiceSubject,
        actor: &Actor,
    ) -> Result<ChoiceView, AppError> {
        let engine = self.choices()?;
        let history = self.consent_history(subject, actor).await?;
        let mac = self.subject_key(subject);
        let state = engine::key_of(&mac)
            .and_then(|key| engine.current().state(&key).cloned())
            .unwrap_or_default();
        let lists = engine
            .program()
            .subscriptions
            .iter()
            .map(|list| (list.id.clone(), lists::on_list(&history, &list.id)))
            .collect();
        Ok(ChoiceView { state, lists, records: history.len() })
    }

    /// The strings ad tech reads a person's choices from (ECOSYSTEM.md §1.2): the GPP
    /// string with the California section for a Californian and the US National section
    /// otherwise, and the US Privacy string. `gpc` is whether this request carries the
    /// signal.
    pub async fn ad_strings(
        &self,
        subject: &ChoiceSubject,
        california: bool,
        gpc: bool,
    ) -> Result<AdStrings, AppError> {
        let engine = self.choices()?;
        let mac = self.subject_key(subject);
        let state = engine::key_of(&mac)
            .and_then(|key| engine.current().state(&key).cloned())
            .unwrap_or_default();
        let choices = ombud_policy::gpp::Choices {
            sale: state.opted_out_of_sale().is_some(),
            sharing: state.opted_out_of_sharing().is_some(),
            targeted_advertising: state.opted_out_of_targeted_ads().is_some(),
            limit_sensitive: state.limited_sensitive().is_some(),
            gpc,
        };
        let ccpa = california && engine.program().jurisdictions.contains(&Law::Ccpa);
        Ok(AdStrings {
            gpp: ombud_policy::gpp::gpp_for(&choices, california),
            usp: ombud_policy::usp::usp_string(
                ccpa,
                true,
                choices.sale || choices.sharing || gpc,
                gpc,
                None,
            ),
        })
    }

    /// Decides one question for one subject (or for nobody in particular: `None`) from
    /// the board as it stands.
    pub fn decide(
        &self,
        subject: Option<&ChoiceSubject>,
        query: &Query<'_>,
    ) -> Result<Decision, AppError> {
        let board: Arc<Board> = self.choices()?.current();
        let key = subject.map(|s| self.subject_key(s)).and_then(|mac| engine::key_of(&mac));
        Ok(board.decide(key.as_ref(), query))
    }

    /// Decides a batch of questions from one board (what the batch API calls): the
    /// verdicts only, in order — the rule and whether it allows, without the words.
    pub fn decide_batch(
        &self,
        items: &[(Option<ChoiceSubject>, Query<'_>)],
    ) -> Result<Vec<ombud_policy::decide::Verdict>, AppError> {
        let board: Arc<Board> = self.choices()?.current();
        let keyed: Vec<(Option<ombud_policy::decide::SubjectKey>, Query<'_>)> = items
            .iter()
            .map(|(subject, query)| {
                (subject.as_ref().and_then(|s| engine::key_of(&self.subject_key(s))), *query)
            })
            .collect();
        let mut out = Vec::with_capacity(keyed.len());
        board.verdicts(&keyed, &mut out);
        Ok(out)
    }

    /// An opt-out request (of sale and sharing, or to limit sensitive PI) through the
    /// request workflow: its choices are recorded first, so every decision obeys them
    /// at once, whatever happens next (R-113: as soon as feasibly possible, 15 business
    /// days at most); then the request is stored (it needs no verification, R-112) and
    /// completed.
    pub async fn submit_opt_out(
        &self,
        new: crate::requests::NewRequest,
        actor: &Actor,
    ) -> Result<(crate::requests::Submitted, Vec<Recorded>), AppError> {
        use ombud_core::RequestType;
        let choices: &[Choice] = match new.request_type {
            RequestType::OptOutSaleShare => {
                &[Choice::OptOutOfSale, Choice::OptOutOfSharing, Choice::OptOutOfTargetedAds]
            }
            RequestType::LimitSensitive => &[Choice::LimitSensitive],
            other => {
                return Err(AppError::Invalid(format!(
                    "{} is not an opt-out; submit it as a request",
                    other.id()
                )));
            }
        };
        crate::requests::check_subject(&new.subject)?;
        // Every identifier the request gives: a system that asks by account id must
        // stop as surely as one that asks by email.
        let subjects = persons_of(&new.subject)?;
        let source = match actor {
            Actor::Subject => Source::Form,
            Actor::Staff(_) | Actor::Cli => Source::Staff,
            Actor::System | Actor::Api(_) => Source::Api,
        };
        let engine = self.choices()?;
        // The privacy center shows the program's current notice beside its forms.
        let shown = (source == Source::Form).then(|| engine.program().notice.version.clone());
        let now = self.now().as_millisecond();
        let mut recorded = Vec::new();
        let mut macs = Vec::new();
        let mut tx = self.store().begin().await?;
        for subject in &subjects {
            let mac = self.subject_key(subject);
            for choice in choices {
                let new_choice = NewChoice {
                    subject: subject.clone(),
                    choice: LedgerChoice::Decision(choice.clone()),
                    source,
                    notice_version: shown.clone(),
                };
                recorded.push(self.append(&mut tx, &new_choice, &mac, now, actor, None).await?);
            }
            macs.push(mac);
        }
        tx.commit().await?;
        self.obey(&macs).await;
        let submitted = self.submit(new, actor).await?;
        self.complete(submitted.id, Vec::new(), actor).await?;
        Ok((submitted, recorded))
    }
}

use ombud_core::Reference as _;

/// Every identifier an opt-out request gives for the person: email, account, phone.
fn persons_of(subject: &ombud_store::requests::Subject) -> Result<Vec<ChoiceSubject>, AppError> {
    let mut out = Vec::new();
    if let Some(email) = &subject.email {
        out.push(ChoiceSubject::email(email)?);
    }
    if let Some(account) = &subject.account_id {
        out.push(ChoiceSubject::parse(&format!("account:{account}"))?);
    }
    if let Some(phone) = &subject.phone {
        out.push(ChoiceSubject::parse(&format!("phone:{phone}"))?);
    }
    if out.is_empty() {
        return Err(AppError::Invalid(
            "an opt-out needs an email, account id or phone number to apply it to".to_owned(),
        ));
    }
    Ok(out)
}

/// Age bands from youngest to oldest.
fn age_rank(age: AgeBand) -> u8 {
    match age {
        AgeBand::Under13 => 0,
        AgeBand::From13To15 => 1,
        AgeBand::Adult | AgeBand::Unknown => 2,
    }
}

/// The most devices one person may be linked to, and people one device: beyond that
/// a link is refused (a client choosing device ids could otherwise grow one subject's
/// refresh without bound).
pub const LINKS_PER_SUBJECT_MAX: usize = 1_000;

/// An id from outside, quoted only by its start.
fn short(id: &str) -> String {
    id.chars().take(40).collect()
}

fn list_ids(program: &ombud_program::Program) -> String {
    let ids: Vec<&str> = program.subscriptions.iter().map(|s| s.id.as_str()).collect();
    if ids.is_empty() { "none".to_owned() } else { ids.join(", ") }
}

/// The law a decision asks under when the caller names none: the program's first.
pub fn default_law(program: &ombud_program::Program) -> Option<Law> {
    program.jurisdictions.first().copied()
}

//! The ledger's vocabulary: how each choice, its target and its source are written in
//! the store (`consent_records.choice`, `.target`, `.source`), and who a choice is
//! about. One table of names, read both ways, so a record written today parses the same
//! way forever (the ledger is never rewritten).

use std::fmt;

use ombud_core::IdentityKind;
use ombud_core::limits;
use ombud_core::sensitive::normalize_identity;
use ombud_policy::decide::{AgeBand, Choice, Source};
use ombud_store::consent::SubjectKind;

use crate::AppError;

/// Who a choice is about: a person, by an identifier the company knows them by, or a
/// browser or device, by the pseudonymous id the company's site gives it. `Debug` and
/// `Display` never print the identifier.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum ChoiceSubject {
    /// A person by email (kept canonical: trimmed, lower case).
    Email(String),
    /// A person by phone (kept canonical: digits with the country code).
    Phone(String),
    /// A person by the company's account id.
    Account(String),
    /// A browser or device by its id (a first-party cookie or an app instance id).
    Device(String),
}

/// The longest device or account id: ids are opaque tokens, not documents.
pub const SUBJECT_ID_BYTES_MAX: usize = 128;

impl ChoiceSubject {
    /// Parses `email:…`, `phone:…`, `account:…` or `device:…` (what the CLI and the API
    /// take), checking and canonicalizing the identifier.
    pub fn parse(text: &str) -> Result<ChoiceSubject, AppError> {
        let Some((kind, value)) = text.split_once(':') else {
            return Err(AppError::Invalid(
                "name the subject as email:ADDRESS, phone:NUMBER, account:ID or device:ID"
                    .to_owned(),
            ));
        };
        match kind.trim() {
            "email" => ChoiceSubject::email(value),
            "phone" => normalize_identity(IdentityKind::Phone, value)
                .map(ChoiceSubject::Phone)
                .map_err(|e| AppError::Invalid(e.to_string())),
            "account" => opaque(value, "account id").map(ChoiceSubject::Account),
            "device" => opaque(value, "device id").map(ChoiceSubject::Device),
            _ => Err(AppError::Invalid(
                "the subject's kind is email, phone, account or device (as in email:ADDRESS)"
                    .to_owned(),
            )),
        }
    }

    /// A person by email.
    pub fn email(value: &str) -> Result<ChoiceSubject, AppError> {
        normalize_identity(IdentityKind::Email, value)
            .map(ChoiceSubject::Email)
            .map_err(|e| AppError::Invalid(e.to_string()))
    }

    /// A browser or device.
    pub fn device(value: &str) -> Result<ChoiceSubject, AppError> {
        opaque(value, "device id").map(ChoiceSubject::Device)
    }

    /// Person or device, as the store keeps it.
    pub fn kind(&self) -> SubjectKind {
        match self {
            ChoiceSubject::Device(_) => SubjectKind::Device,
            _ => SubjectKind::Person,
        }
    }

    /// What the store hashes and encrypts: the kind and the canonical value, so that an
    /// account id and an email that happen to be the same text stay two subjects.
    pub fn canonical(&self) -> String {
        match self {
            ChoiceSubject::Email(v) => format!("email:{v}"),
            ChoiceSubject::Phone(v) => format!("phone:{v}"),
            ChoiceSubject::Account(v) => format!("account:{v}"),
            ChoiceSubject::Device(v) => format!("device:{v}"),
        }
    }

    /// The kind's name, for messages (`email`, `device`, …): never the value.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ChoiceSubject::Email(_) => "email",
            ChoiceSubject::Phone(_) => "phone",
            ChoiceSubject::Account(_) => "account",
            ChoiceSubject::Device(_) => "device",
        }
    }

    /// The identifier itself (for a suppression list or a list message).
    pub fn value(&self) -> &str {
        match self {
            ChoiceSubject::Email(v)
            | ChoiceSubject::Phone(v)
            | ChoiceSubject::Account(v)
            | ChoiceSubject::Device(v) => v,
        }
    }
}

impl fmt::Debug for ChoiceSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChoiceSubject({}:[redacted])", self.kind_name())
    }
}

impl fmt::Display for ChoiceSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:[redacted]", self.kind_name())
    }
}

fn opaque(value: &str, what: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() || value.len() > SUBJECT_ID_BYTES_MAX {
        return Err(AppError::Invalid(format!(
            "the {what} must be 1 to {SUBJECT_ID_BYTES_MAX} bytes"
        )));
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:@+=/".contains(&b)) {
        return Err(AppError::Invalid(format!(
            "the {what} may hold letters, digits and - _ . : @ + = / only"
        )));
    }
    Ok(value.to_owned())
}

/// A choice as the ledger records it: the choices the decision engine folds, and the
/// ones it does not (list subscriptions; what the business learned of a person's age).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerChoice {
    /// A choice about sale, sharing, sensitive PI or a purpose.
    Decision(Choice),
    /// Subscribe to a list from the manifest's `subscriptions`.
    Subscribe(String),
    /// Unsubscribe from a list (REGULATIONS.md B21).
    Unsubscribe(String),
    /// The person's age band, as the business learned it.
    Age(AgeBand),
    /// The person was linked to a device (its keyed hash, in hex): the evidence that
    /// the device's opt-outs now count for them, and what puts a person with no
    /// choices of their own on a suppression list.
    Link(String),
}

/// Every choice code, for help texts and errors.
pub const CHOICE_CODES: &[&str] = &[
    "opt_out_sale",
    "opt_out_sharing",
    "opt_out_targeted_ads",
    "limit_sensitive",
    "consent",
    "parent_consent",
    "withdraw",
    "opt_in_request",
    "opt_in_request_prompted",
    "opt_in_confirm",
    "parent_opt_in",
    "decline_opt_in",
    "subscribe",
    "unsubscribe",
    "age",
    "link",
];

impl LedgerChoice {
    /// Parses a code and its target (a purpose for consents, a list for subscriptions,
    /// `under_13`, `13_15` or `adult` for an age).
    pub fn parse(code: &str, target: Option<&str>) -> Result<LedgerChoice, AppError> {
        let needs = |what: &str| {
            target
                .map(str::to_owned)
                .filter(|t| !t.is_empty() && t.len() <= limits::ID_BYTES_MAX)
                .ok_or_else(|| {
                    AppError::Invalid(format!("the choice `{code}` needs {what} (--target)"))
                })
        };
        let none = |choice: LedgerChoice| match target {
            None => Ok(choice),
            Some(_) => Err(AppError::Invalid(format!("the choice `{code}` takes no target"))),
        };
        match code {
            "opt_out_sale" => none(LedgerChoice::Decision(Choice::OptOutOfSale)),
            "opt_out_sharing" => none(LedgerChoice::Decision(Choice::OptOutOfSharing)),
            "opt_out_targeted_ads" => none(LedgerChoice::Decision(Choice::OptOutOfTargetedAds)),
            "limit_sensitive" => none(LedgerChoice::Decision(Choice::LimitSensitive)),
            "consent" => Ok(LedgerChoice::Decision(Choice::Consent {
                purpose: needs("a purpose id")?,
                by_parent: false,
            })),
            "parent_consent" => Ok(LedgerChoice::Decision(Choice::Consent {
                purpose: needs("a purpose id")?,
                by_parent: true,
            })),
            "withdraw" => {
                Ok(LedgerChoice::Decision(Choice::Withdraw { purpose: needs("a purpose id")? }))
            }
            "opt_in_request" => {
                none(LedgerChoice::Decision(Choice::OptInRequest { prompted: false }))
            }
            "opt_in_request_prompted" => {
                none(LedgerChoice::Decision(Choice::OptInRequest { prompted: true }))
            }
            "opt_in_confirm" => none(LedgerChoice::Decision(Choice::OptInConfirm)),
            "parent_opt_in" => none(LedgerChoice::Decision(Choice::ParentOptIn)),
            "decline_opt_in" => none(LedgerChoice::Decision(Choice::DeclineOptIn)),
            "subscribe" => Ok(LedgerChoice::Subscribe(needs("a list id")?)),
            "unsubscribe" => Ok(LedgerChoice::Unsubscribe(needs("a list id")?)),
            "link" => Ok(LedgerChoice::Link(needs("the linked device's hash")?)),
            "age" => match target {
                Some("under_13") => Ok(LedgerChoice::Age(AgeBand::Under13)),
                Some("13_15") => Ok(LedgerChoice::Age(AgeBand::From13To15)),
                Some("adult") => Ok(LedgerChoice::Age(AgeBand::Adult)),
                _ => Err(AppError::Invalid(
                    "the choice `age` needs --target under_13, 13_15 or adult".to_owned(),
                )),
            },
            _ => Err(AppError::Invalid(format!(
                "unknown choice {:?}; the choices are {}",
                code.chars().take(40).collect::<String>(),
                CHOICE_CODES.join(", ")
            ))),
        }
    }

    /// The code the ledger writes.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerChoice::Decision(choice) => match choice {
                Choice::OptOutOfSale => "opt_out_sale",
                Choice::OptOutOfSharing => "opt_out_sharing",
                Choice::OptOutOfTargetedAds => "opt_out_targeted_ads",
                Choice::LimitSensitive => "limit_sensitive",
                Choice::Consent { by_parent: false, .. } => "consent",
                Choice::Consent { by_parent: true, .. } => "parent_consent",
                Choice::Withdraw { .. } => "withdraw",
                Choice::OptInRequest { prompted: false } => "opt_in_request",
                Choice::OptInRequest { prompted: true } => "opt_in_request_prompted",
                Choice::OptInConfirm => "opt_in_confirm",
                Choice::ParentOptIn => "parent_opt_in",
                Choice::DeclineOptIn => "decline_opt_in",
            },
            LedgerChoice::Subscribe(_) => "subscribe",
            LedgerChoice::Unsubscribe(_) => "unsubscribe",
            LedgerChoice::Age(_) => "age",
            LedgerChoice::Link(_) => "link",
        }
    }

    /// The target the ledger writes.
    pub fn target(&self) -> Option<&str> {
        match self {
            LedgerChoice::Decision(Choice::Consent { purpose, .. })
            | LedgerChoice::Decision(Choice::Withdraw { purpose }) => Some(purpose),
            LedgerChoice::Decision(_) => None,
            LedgerChoice::Subscribe(list)
            | LedgerChoice::Unsubscribe(list)
            | LedgerChoice::Link(list) => Some(list),
            LedgerChoice::Age(age) => Some(match age {
                AgeBand::Under13 => "under_13",
                AgeBand::From13To15 => "13_15",
                AgeBand::Adult | AgeBand::Unknown => "adult",
            }),
        }
    }
}

/// The ledger's name of a source.
pub fn source_code(source: Source) -> &'static str {
    match source {
        Source::Form => "form",
        Source::Gpc => "gpc",
        Source::EmailLink => "email_link",
        Source::Staff => "staff",
        Source::Api => "api",
    }
}

/// A source from its ledger name.
pub fn parse_source(code: &str) -> Option<Source> {
    Some(match code {
        "form" => Source::Form,
        "gpc" => Source::Gpc,
        "email_link" => Source::EmailLink,
        "staff" => Source::Staff,
        "api" => Source::Api,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_as_itself() {
        for code in CHOICE_CODES {
            let target = match *code {
                "consent" | "parent_consent" | "withdraw" => Some("analytics"),
                "subscribe" | "unsubscribe" => Some("newsletter"),
                "link" => Some("ab12"),
                "age" => Some("13_15"),
                _ => None,
            };
            let choice = LedgerChoice::parse(code, target).unwrap();
            assert_eq!(choice.code(), *code);
            assert_eq!(choice.target(), target);
        }
        for source in [Source::Form, Source::Gpc, Source::EmailLink, Source::Staff, Source::Api] {
            assert_eq!(parse_source(source_code(source)), Some(source));
        }
    }

    #[test]
    fn subjects_never_print_their_identifier() {
        let subject = ChoiceSubject::parse("email: Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(subject.canonical(), "email:ada.lovelace@example.com");
        assert!(!format!("{subject:?} {subject}").contains("ada"));
        assert!(ChoiceSubject::parse("device:abc def").is_err());
        assert!(ChoiceSubject::parse("device:").is_err());
        assert!(ChoiceSubject::parse("nobody").is_err());
    }
}

//! `MailContext`: everything a template may use, as plain text built by the app layer.
//!
//! Invariants: the structs are data only, with every field always serialized, so a strict
//! template sees `none` rather than a missing key and a typo in a field name is an error.
//! Dates arrive already formatted: templates never compute deadlines (the app owns the
//! calendar, R-031). The `Debug` of the person's name and of the verification code prints
//! `[redacted]`, because both end up in logs when a caller prints a context.

use std::fmt;

use serde::Serialize;

/// Everything a template may use. Built by the app layer; dates are already formatted text.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MailContext {
    /// Who sends the message.
    pub organization: OrganizationView,
    /// The rights request the message is about.
    pub request: RequestView,
    /// The person the message is addressed to.
    pub person: PersonView,
    /// How the person proves who they are, when verification applies.
    pub verification: Option<VerificationView>,
    /// The decision, for completion and denial messages.
    pub outcome: Option<OutcomeView>,
    /// How to appeal, under US state laws.
    pub appeal: Option<AppealView>,
    /// Where to complain, under the GDPR (Art 12(4), R-255).
    pub complaint: Option<ComplaintView>,
}

/// The organization that handles the request.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrganizationView {
    /// The name people know it by.
    pub name: String,
    /// Where people can write about their request.
    pub contact_email: Option<String>,
    /// A phone number for requests (some laws require a toll-free one).
    pub contact_phone: Option<String>,
    /// The public website.
    pub website: Option<String>,
    /// The privacy policy, which unverified requesters are directed to.
    pub privacy_policy_url: Option<String>,
}

/// The rights request, as the person should see it.
#[derive(Clone, Default, Serialize)]
pub struct RequestView {
    /// The reference the person quotes when writing back.
    pub id: String,
    /// The request type's id, such as `access`, `delete` or `opt_out_sale_share`.
    pub type_id: String,
    /// The request type in words, such as "Right to delete your personal information".
    pub type_label: String,
    /// The law's id, such as `ccpa`, `gdpr` or `virginia`.
    pub law_id: String,
    /// The law in words.
    pub law_label: String,
    /// The day the request was received, formatted.
    pub received_on: String,
    /// The day the response is due, formatted (before any extension).
    pub respond_by: String,
    /// The extended due day, formatted, once an extension was taken.
    pub extended_to: Option<String>,
    /// Why the extension was needed; the law requires telling the person (R-032, GDPR Art 12(3)).
    pub extension_reason: Option<String>,
    /// An opt-out of sale or sharing, or a request to limit, which needs no verification.
    pub is_opt_out: bool,
    /// Whether an authorized agent submitted the request for the person.
    pub via_agent: bool,
}

/// The person the message is addressed to.
#[derive(Clone, Default, Serialize)]
pub struct PersonView {
    /// The name to greet them by. It may contain anything the requester typed, including
    /// markup and line breaks: rendering collapses it to one short line, and HTML escapes it.
    pub name: Option<String>,
}

/// How the person proves who they are.
#[derive(Clone, Default, Serialize)]
pub struct VerificationView {
    /// What the person must do, one step per item, in order.
    pub steps: Vec<String>,
    /// A one-time code, for the verification-code message.
    pub code: Option<String>,
    /// How long the code stays valid.
    pub code_expires_minutes: Option<u32>,
}

/// The decision on the request.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OutcomeView {
    /// `completed`, `partially_completed` or `denied`.
    pub status: String,
    /// What was done, in a few sentences.
    pub summary: Option<String>,
    /// Each legal basis for refusing all or part of the request.
    pub reasons: Vec<ReasonView>,
    /// A request for specific pieces could not be verified, so it was treated as a request
    /// for categories.
    pub downgraded_to_categories: bool,
    /// The request could not be verified, so it was not acted on.
    pub unverified: bool,
}

/// One legal basis for a refusal.
#[derive(Clone, Default, Serialize)]
pub struct ReasonView {
    /// The exception code, such as `D8` or `G-e`.
    pub code: String,
    /// The exception in plain words.
    pub label: String,
    /// Where the law says so, such as "Civ. Code §1798.105(d)(8)".
    pub citation: String,
    /// How the exception applies to this request (R-095: a detailed explanation).
    pub explanation: Option<String>,
}

/// How to appeal a refusal under a US state law.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AppealView {
    /// How to appeal, in a sentence or two (a link, an address).
    pub how: String,
    /// Days the organization has to decide on an appeal (R-282: 45 or 60 by state).
    pub deadline_days: u32,
    /// How to contact the Attorney General if an appeal is denied.
    pub attorney_general: Option<String>,
}

/// Where to complain under the GDPR.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ComplaintView {
    /// The supervisory authority's name.
    pub authority: Option<String>,
    /// Its complaint page.
    pub url: Option<String>,
}

const REDACTED: &str = "[redacted]";

impl fmt::Debug for PersonView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonView").field("name", &self.name.as_ref().map(|_| REDACTED)).finish()
    }
}

// Staff-written text (an extension's reason, a refusal's explanation) may name the
// person, so it is redacted like the name.
impl fmt::Debug for RequestView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestView")
            .field("id", &self.id)
            .field("type_id", &self.type_id)
            .field("law_id", &self.law_id)
            .field("received_on", &self.received_on)
            .field("respond_by", &self.respond_by)
            .field("extended_to", &self.extended_to)
            .field("extension_reason", &self.extension_reason.as_ref().map(|_| REDACTED))
            .field("is_opt_out", &self.is_opt_out)
            .field("via_agent", &self.via_agent)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ReasonView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReasonView")
            .field("code", &self.code)
            .field("citation", &self.citation)
            .field("explanation", &self.explanation.as_ref().map(|_| REDACTED))
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for VerificationView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationView")
            .field("steps", &self.steps)
            .field("code", &self.code.as_ref().map(|_| REDACTED))
            .field("code_expires_minutes", &self.code_expires_minutes)
            .finish()
    }
}

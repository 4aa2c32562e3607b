//! Email: the messages a privacy team must send about a rights request, and their delivery.
//!
//! The law requires these messages: an acknowledgement that describes verification and
//! when to expect a response, a one-time verification code, an extension notice
//! with its reason (R-032, GDPR Art 12(3)), a completion, and a denial that cites its
//! exceptions, points to a supervisory authority and the courts under
//! the GDPR (Art 12(4), R-255), explains how to appeal under US state laws,
//! and says what happened when the person could not be verified.
//!
//! The pipeline is `MailContext` → [`Templates::render`] → [`Rendered`] → the app fills in
//! an [`OutgoingEmail`] (addresses, Message-ID, date) → [`MailTransport::send`].
//!
//! Invariants kept across the module:
//! - nothing reads the clock or invents ids: the date and Message-ID come from the caller;
//! - personal data (recipient, name, bodies, codes) never reaches `Debug` or an error
//!   message, and a password never leaves the transport;
//! - header injection is impossible whatever the requester typed (see `message`);
//! - every input has a limit: [`TEMPLATE_BYTES_MAX`] per template file and
//!   [`EMAIL_BYTES_MAX`] per message.

mod context;
mod error;
mod message;
mod templates;
mod transport;

pub use context::{
    AppealView, ComplaintView, MailContext, OrganizationView, OutcomeView, PersonView, ReasonView,
    RequestView, VerificationView,
};
pub use error::{MailError, SmtpFailure};
pub use message::OutgoingEmail;
pub use templates::{Rendered, Templates};
pub use transport::{
    Delivery, MailTransport, SMTP_COMMAND_TIMEOUT, SMTP_SEND_TIMEOUT, SmtpRelay, SmtpSecurity,
};

/// The largest template file an operator may supply. The built-ins are a few kilobytes;
/// a template larger than this is a mistake or an attack on memory.
pub const TEMPLATE_BYTES_MAX: usize = 64 << 10;

/// The largest message: subject, text and HTML together, plus extra headers. A rights
/// notice is a page of text; this leaves room for long reason lists without letting a
/// runaway template produce megabytes.
pub const EMAIL_BYTES_MAX: usize = 256 << 10;

/// The kinds of message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// Receipt of a request, how verification works and when to expect a response.
    Acknowledgement,
    /// A one-time code that proves the person controls the address.
    VerificationCode,
    /// More time is needed, with the reason and the new date (R-032, GDPR Art 12(3)).
    ExtensionNotice,
    /// The request was completed, or completed in part.
    Completion,
    /// The request was refused, with its reasons and the person's remedies
    ///
    Denial,
}

impl EmailKind {
    /// Every kind, in the order a request meets them.
    pub fn all() -> &'static [EmailKind] {
        &[
            EmailKind::Acknowledgement,
            EmailKind::VerificationCode,
            EmailKind::ExtensionNotice,
            EmailKind::Completion,
            EmailKind::Denial,
        ]
    }

    /// The stable id, which is also the stem of the template file names.
    pub fn id(self) -> &'static str {
        match self {
            EmailKind::Acknowledgement => "acknowledgement",
            EmailKind::VerificationCode => "verification_code",
            EmailKind::ExtensionNotice => "extension_notice",
            EmailKind::Completion => "completion",
            EmailKind::Denial => "denial",
        }
    }

    /// The kind with this id.
    pub fn from_id(id: &str) -> Option<EmailKind> {
        EmailKind::all().iter().copied().find(|kind| kind.id() == id)
    }
}

impl std::fmt::Display for EmailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

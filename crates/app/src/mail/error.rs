//! `MailError`: everything that can go wrong while rendering, assembling or delivering an email.
//!
//! Invariant: no message names a recipient, quotes a body or echoes a password.
//! Error text travels into logs and operator screens, which must carry ids, never values
//! (STYLE.md §4.7), so variants hold template names, field names, hosts and SMTP codes only.
//! `Display` is lowercase with no trailing period (STYLE.md §4.5).

use std::fmt;
use std::path::PathBuf;

use super::EmailKind;

/// Why an email could not be rendered, assembled or delivered.
#[derive(Debug)]
#[non_exhaustive]
pub enum MailError {
    /// A template failed to compile or render; `template` is its file name.
    Template {
        /// The template's file name, such as `denial.html`.
        template: String,
        /// The line in that template, when the engine knows it.
        line: Option<usize>,
        /// What went wrong, in the template engine's words.
        detail: String,
    },
    /// A file in the override directory is not one of the names ombud reads.
    UnknownTemplateFile {
        /// The file name as found in the directory (lossily converted to UTF-8).
        file: String,
    },
    /// A template file is larger than [`TEMPLATE_BYTES_MAX`](super::TEMPLATE_BYTES_MAX).
    TemplateTooLarge {
        /// The template's file name.
        file: String,
        /// Its size in bytes.
        bytes: u64,
    },
    /// A template file is not valid UTF-8.
    TemplateNotUtf8 {
        /// The template's file name.
        file: String,
    },
    /// The context lacks something the law requires this kind of message to say.
    Incomplete {
        /// The message being rendered.
        kind: EmailKind,
        /// The `MailContext` field that is missing or wrong, such as `outcome.reasons`.
        field: &'static str,
        /// Why it is needed, citing the rule.
        why: &'static str,
    },
    /// A rendered or assembled message exceeds [`EMAIL_BYTES_MAX`](super::EMAIL_BYTES_MAX).
    TooLarge {
        /// What was too large: "rendered email" or "email".
        what: &'static str,
    },
    /// An address field is not a valid mailbox. The value is not kept: it is personal data.
    InvalidAddress {
        /// `to`, `from` or `reply_to`.
        field: &'static str,
    },
    /// The Message-ID is not of the form `<left@right>` with RFC 5322 atom characters.
    InvalidMessageId,
    /// An extra header is malformed or would replace one ombud sets itself.
    InvalidHeader {
        /// The position of the header in `OutgoingEmail::headers`, from 0.
        position: usize,
        /// What is wrong with it (never the value).
        problem: String,
    },
    /// lettre refused to assemble the message after ombud's own checks passed.
    Assemble,
    /// A delivery URL is malformed or unsafe. The text never contains the password.
    InvalidUrl {
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// A file or directory operation failed.
    Io {
        /// What ombud was doing, such as "create the outbox directory".
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The SMTP server could not be reached or refused the message.
    Smtp {
        /// `host:port` of the relay.
        server: String,
        /// What kind of failure it was.
        failure: SmtpFailure,
        /// The server's reply code, when there was one.
        code: Option<u16>,
    },
}

/// The kinds of SMTP failure, grouped by what the operator or a retry can do about them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SmtpFailure {
    /// A permanent (5xx) reply: retrying the same message will fail again.
    Rejected,
    /// A transient (4xx) reply: the server asks to try again later.
    Deferred,
    /// The TLS handshake or the STARTTLS upgrade failed.
    Tls,
    /// The server lacks something the delivery needs: STARTTLS on an `smtp://` relay, an
    /// authentication method in common, or SMTPUTF8 for a non-ASCII address.
    Unsupported,
    /// The server did not answer in time.
    Timeout,
    /// The connection could not be opened or broke, or the server spoke nonsense.
    Connection,
}

impl MailError {
    /// Whether sending the same message again later may succeed, so a job runner
    /// should retry rather than give up.
    pub fn is_transient(&self) -> bool {
        match self {
            MailError::Smtp { failure, .. } => matches!(
                failure,
                SmtpFailure::Deferred | SmtpFailure::Timeout | SmtpFailure::Connection
            ),
            MailError::Io { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MailError::Template { template, line: Some(line), detail } => {
                write!(f, "template `{template}` line {line}: {detail}")
            }
            MailError::Template { template, line: None, detail } => {
                write!(f, "template `{template}`: {detail}")
            }
            MailError::UnknownTemplateFile { file } => write!(
                f,
                "unknown template file `{}` in the template directory: expected \
                 `<kind>.subject.txt`, `<kind>.txt` or `<kind>.html` where kind is one of {}, \
                 or `_layout.txt` or `_layout.html`; move other files elsewhere",
                file.escape_debug(),
                EmailKind::all().iter().map(|kind| kind.id()).collect::<Vec<_>>().join(", ")
            ),
            MailError::TemplateTooLarge { file, bytes } => write!(
                f,
                "template file `{file}` is {bytes} bytes, more than the limit of {} bytes",
                super::TEMPLATE_BYTES_MAX
            ),
            MailError::TemplateNotUtf8 { file } => {
                write!(f, "template file `{file}` is not valid UTF-8: save it as UTF-8")
            }
            MailError::Incomplete { kind, field, why } => {
                write!(f, "cannot write the {} email without `{field}`: {why}", kind.id())
            }
            MailError::TooLarge { what } => {
                write!(f, "the {what} is larger than the limit of {} bytes", super::EMAIL_BYTES_MAX)
            }
            MailError::InvalidAddress { field } => {
                write!(f, "the `{field}` address is not a valid email address")
            }
            MailError::InvalidMessageId => f.write_str(
                "the message id must look like `<unique@domain>`, using only letters, digits \
                 and RFC 5322 atom characters",
            ),
            MailError::InvalidHeader { position, problem } => {
                write!(f, "extra header #{position}: {problem}")
            }
            MailError::Assemble => f.write_str("the email could not be assembled"),
            MailError::InvalidUrl { problem } => write!(f, "invalid mail delivery url: {problem}"),
            MailError::Io { action, path, source } => {
                write!(f, "{action} `{}`: {source}", path.display())
            }
            MailError::Smtp { server, failure, code } => {
                write!(f, "smtp {server}: ")?;
                match (failure, code) {
                    (_, Some(535)) => f.write_str(
                        "authentication failed (code 535); check the user in the url and \
                         the password in OMBUD_SMTP_PASSWORD",
                    ),
                    (SmtpFailure::Rejected, Some(code)) => write!(
                        f,
                        "the server refused the message (code {code}); sending it again \
                         unchanged will fail again"
                    ),
                    (SmtpFailure::Rejected, None) => f.write_str("the server refused the message"),
                    (SmtpFailure::Deferred, Some(code)) => {
                        write!(f, "the server deferred the message (code {code}); try again later")
                    }
                    (SmtpFailure::Deferred, None) => {
                        f.write_str("the server deferred the message; try again later")
                    }
                    (SmtpFailure::Tls, _) => f.write_str(
                        "the TLS handshake failed; check that the host name matches the \
                         server's certificate, and use smtps:// for port 465 or smtp:// \
                         (STARTTLS) for port 587",
                    ),
                    (SmtpFailure::Unsupported, _) => f.write_str(
                        "the server lacks something this delivery needs (STARTTLS, a login \
                         method in common, or SMTPUTF8 for a non-ASCII address); use smtps:// \
                         if the server expects TLS from the start (port 465)",
                    ),
                    (SmtpFailure::Timeout, _) => f.write_str("the server did not answer in time"),
                    (SmtpFailure::Connection, _) => f.write_str(
                        "could not talk to the server; check the host and port, and that the \
                         server is running",
                    ),
                }
            }
        }
    }
}

impl std::error::Error for MailError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MailError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

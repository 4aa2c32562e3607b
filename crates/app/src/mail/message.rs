//! `OutgoingEmail`: a message ready to send, and its assembly into RFC 5322 with lettre.
//!
//! Invariants:
//! - header injection is impossible: addresses are parsed as mailboxes, the subject is
//!   collapsed to one line, the Message-ID is checked against a strict grammar, extra header
//!   names come from `[A-Za-z0-9-]` and may not replace a header ombud sets, and extra header
//!   values may hold no control characters; lettre then RFC 2047-encodes what is left;
//! - the `Date` comes from the caller, never the clock (STYLE.md §4.7), and the MIME boundary
//!   is derived from the content, so the same email always assembles to the same bytes;
//! - `Debug` never prints the recipient, the subject or the bodies: they are personal data;
//! - an email larger than [`EMAIL_BYTES_MAX`] is refused before it is assembled.

use std::fmt;
use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use super::templates::{SUBJECT_CHARS_MAX, one_line};
use super::{EMAIL_BYTES_MAX, MailError};

/// How many extra headers one email may carry. List-Unsubscribe and its companions need
/// three; the rest is headroom.
const EXTRA_HEADERS_MAX: usize = 16;

/// The longest extra header value, in bytes (RFC 5322 §2.1.1 caps a line at 998).
const HEADER_VALUE_BYTES_MAX: usize = 998;

/// The longest Message-ID, in bytes. RFC 5322 sets no limit; this keeps the outbox file
/// name short and rejects nonsense.
const MESSAGE_ID_BYTES_MAX: usize = 250;

/// Headers ombud sets itself or that steer delivery; an extra header may not replace them.
const RESERVED_HEADERS: &[&str] = &[
    "bcc",
    "cc",
    "content-disposition",
    "content-transfer-encoding",
    "content-type",
    "date",
    "dkim-signature",
    "from",
    "in-reply-to",
    "message-id",
    "mime-version",
    "received",
    "references",
    "reply-to",
    "return-path",
    "sender",
    "subject",
    "to",
];

/// A message ready to send. `Debug` prints `[redacted]` for the recipient, the subject, the
/// bodies and header values, which hold personal data.
#[derive(Clone)]
pub struct OutgoingEmail {
    /// The recipient's address, optionally with a display name.
    pub to: String,
    /// The sender, such as `Example Privacy Team <privacy@example.com>`.
    pub from: String,
    /// Where replies go, when not to `from`.
    pub reply_to: Option<String>,
    /// One line; line breaks are collapsed again here whatever the caller passed.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
    /// For example `<01JD…@ombud.example>`, given by the caller (ids are injected).
    pub message_id: String,
    /// The `Date` header, given by the caller (time is injected; the clock is never read).
    pub date: jiff::Timestamp,
    /// Extra headers, such as `List-Unsubscribe`. Names and values are validated.
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for OutgoingEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "[redacted]";
        let header_names: Vec<(&str, &str)> =
            self.headers.iter().map(|(name, _)| (name.as_str(), REDACTED)).collect();
        f.debug_struct("OutgoingEmail")
            .field("to", &REDACTED)
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("subject", &REDACTED)
            .field("text", &REDACTED)
            .field("html", &REDACTED)
            .field("message_id", &self.message_id)
            .field("date", &self.date)
            .field("headers", &header_names)
            .finish()
    }
}

impl OutgoingEmail {
    /// The full RFC 5322 message, exactly as the outbox stores it and SMTP sends it.
    pub fn formatted(&self) -> Result<Vec<u8>, MailError> {
        Ok(self.to_message()?.formatted())
    }

    /// Assembles the message with lettre after checking every field.
    pub(super) fn to_message(&self) -> Result<Message, MailError> {
        let size_bytes = self.subject.len()
            + self.text.len()
            + self.html.len()
            + self.headers.iter().map(|(name, value)| name.len() + value.len()).sum::<usize>();
        if size_bytes > EMAIL_BYTES_MAX {
            return Err(MailError::TooLarge { what: "email" });
        }
        let mailbox = |text: &str, field| {
            text.parse::<Mailbox>().map_err(|_| MailError::InvalidAddress { field })
        };
        let to = mailbox(&self.to, "to")?;
        let from = mailbox(&self.from, "from")?;
        let reply_to =
            self.reply_to.as_deref().map(|text| mailbox(text, "reply_to")).transpose()?;
        check_message_id(&self.message_id)?;
        let extra_headers = self.extra_headers()?;

        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(one_line(&self.subject, SUBJECT_CHARS_MAX))
            .date(SystemTime::from(self.date))
            .message_id(Some(self.message_id.clone()));
        if let Some(reply_to) = reply_to {
            builder = builder.reply_to(reply_to);
        }
        for header in extra_headers {
            builder = builder.raw_header(header);
        }
        let body = MultiPart::alternative()
            .boundary(self.boundary())
            .singlepart(SinglePart::plain(self.text.clone()))
            .singlepart(SinglePart::html(self.html.clone()));
        builder.multipart(body).map_err(|_| MailError::Assemble)
    }

    fn extra_headers(&self) -> Result<Vec<HeaderValue>, MailError> {
        if self.headers.len() > EXTRA_HEADERS_MAX {
            return Err(MailError::InvalidHeader {
                position: EXTRA_HEADERS_MAX,
                problem: format!("at most {EXTRA_HEADERS_MAX} extra headers are allowed"),
            });
        }
        let mut seen: Vec<String> = Vec::with_capacity(self.headers.len());
        let mut values = Vec::with_capacity(self.headers.len());
        for (position, (name, value)) in self.headers.iter().enumerate() {
            let invalid = |problem: String| MailError::InvalidHeader { position, problem };
            let name_ok = name.len() <= 76
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !name_ok {
                return Err(invalid(
                    "the name must start with a letter and use only ASCII letters, digits and \
                     `-`, at most 76 characters"
                        .to_owned(),
                ));
            }
            // The name passed the charset check, so it is safe to echo.
            let lower = name.to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(invalid(format!("`{name}` is set by ombud and cannot be replaced")));
            }
            if seen.contains(&lower) {
                return Err(invalid(format!("`{name}` appears twice")));
            }
            if value.chars().any(char::is_control) {
                return Err(invalid(format!(
                    "the value of `{name}` contains a line break or another control character"
                )));
            }
            if value.len() > HEADER_VALUE_BYTES_MAX {
                return Err(invalid(format!(
                    "the value of `{name}` is longer than {HEADER_VALUE_BYTES_MAX} bytes"
                )));
            }
            let header_name = HeaderName::new_from_ascii(name.clone())
                .map_err(|_| invalid(format!("`{name}` is not a valid header name")))?;
            values.push(HeaderValue::new(header_name, value.clone()));
            seen.push(lower);
        }
        Ok(values)
    }

    /// A MIME boundary derived from the content: stable for the same email, and impossible
    /// for the content to contain, since that would need a SHA-256 fixed point.
    fn boundary(&self) -> String {
        let digest = Sha256::new()
            .chain_update(self.message_id.as_bytes())
            .chain_update([0])
            .chain_update(self.text.as_bytes())
            .chain_update([0])
            .chain_update(self.html.as_bytes())
            .finalize();
        let mut boundary = String::from("ombud-");
        for byte in digest.iter().take(16) {
            boundary.push_str(&format!("{byte:02x}"));
        }
        boundary
    }
}

/// `<left@right>` where both sides use RFC 5322 dot-atom characters only.
fn check_message_id(message_id: &str) -> Result<(), MailError> {
    let atom = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && !part.ends_with('.')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
    };
    let valid = message_id.len() <= MESSAGE_ID_BYTES_MAX
        && message_id
            .strip_prefix('<')
            .and_then(|rest| rest.strip_suffix('>'))
            .and_then(|inner| inner.split_once('@'))
            .is_some_and(|(left, right)| atom(left) && atom(right));
    if valid { Ok(()) } else { Err(MailError::InvalidMessageId) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids() {
        assert!(check_message_id("<01JD0000@ombud.example>").is_ok());
        assert!(check_message_id("<a.b+c@x>").is_ok());
        for bad in ["01JD@x", "<@x>", "<a@>", "<a@b@c>", "<a b@c>", "<a@b>\r\nBcc: x", "<.a@b>"] {
            assert!(check_message_id(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("<{}@example.com>", "a".repeat(MESSAGE_ID_BYTES_MAX));
        assert!(check_message_id(&long).is_err());
    }
}

//! One-click unsubscribe (RFC 8058): signed tokens that name a list and a subscriber,
//! the `List-Unsubscribe` / `List-Unsubscribe-Post` headers for outgoing mail, and the
//! check of the body a mail receiver POSTs.
//!
//! The one-click POST carries no cookie and no login (ECOSYSTEM.md §1.4), so the URL is
//! the only proof of who is unsubscribing from what: it must be unforgeable, it must
//! not reveal an email address, and it must keep working for at least 30 days after
//! the message is sent (CAN-SPAM, R-300). A token is
//!
//! ```text
//! base64url( 0x01 | u16 len | list id | u16 len | subscriber id | i64 issued_at | tag )
//! tag = HMAC-SHA256(key, "ombud-unsubscribe\0" | everything before the tag)
//! ```
//!
//! with big-endian integers. The leading version byte lets the format change without
//! breaking tokens already in inboxes; the lengths make the encoding unambiguous (no
//! two (list, subscriber) pairs share bytes); the label keeps a tag made for this
//! purpose from ever being valid for another use of the same key. The subscriber id is
//! the store's opaque id, never an address.
//!
//! Pure: keys and the time are passed in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use zeroize::Zeroize as _;

/// How long a token stays valid after it is issued: 400 days.
///
/// CAN-SPAM asks for at least 30 days after sending (R-300); people unsubscribe from
/// messages months old, and refusing an unsubscribe is the harm the law is about, so
/// the window covers a full year of a yearly mailing plus a month of slack. It is still
/// finite so that a key can be retired (rotate yearly, drop the old key after 400
/// days) and a leaked token stops working eventually. An expired link should lead to
/// the page where a person unsubscribes by hand, never to a dead end.
pub const TOKEN_VALIDITY_S: i64 = 400 * 24 * 60 * 60;

/// The longest list id or subscriber id a token can carry, in bytes.
pub const MAX_ID_BYTES: usize = 128;

/// The longest token [`verify`] reads, in characters: the base64url form of the
/// largest token [`token`] can make (1 + 2 + 128 + 2 + 128 + 8 + 32 = 301 bytes, 402
/// characters), rounded up. A longer string is refused before it is decoded.
pub const MAX_TOKEN_CHARS: usize = 512;

/// The largest one-click POST body [`is_one_click_body`] looks at, in bytes. The real
/// body is 26 bytes (a multipart one a few hundred); a larger one is refused unread.
pub const MAX_ONE_CLICK_BODY_BYTES: usize = 4096;

/// The exact value of `List-Unsubscribe-Post`, and the form field the receiver POSTs
/// (RFC 8058 §3.1; R-305, R-307).
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

const VERSION: u8 = 1;
const LABEL: &[u8] = b"ombud-unsubscribe\0";
const TAG_BYTES: usize = 32;
// Version, two lengths, the issue time: the token bytes that are not ids or the tag.
const FIXED_BYTES: usize = 1 + 2 + 2 + 8;

/// The secret that signs unsubscribe tokens: 32 random bytes, kept like any other key
/// (never logged; zeroed when dropped).
#[derive(Clone)]
pub struct UnsubscribeKey([u8; 32]);

impl Drop for UnsubscribeKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl UnsubscribeKey {
    /// Wraps 32 key bytes. The caller draws them from a CSPRNG and keeps them secret.
    pub fn from_bytes(mut bytes: [u8; 32]) -> UnsubscribeKey {
        let key = UnsubscribeKey(bytes);
        bytes.zeroize();
        key
    }

    fn tag(&self, signed: &[u8]) -> Hmac<Sha256> {
        // HMAC pads a key shorter than the hash's 64-byte block with zeros (RFC 2104
        // §2), so padding it here gives the same MAC through the infallible
        // fixed-size constructor.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let mut mac = <Hmac<Sha256>>::new(&block.into());
        block.zeroize();
        mac.update(LABEL);
        mac.update(signed);
        mac
    }
}

impl std::fmt::Debug for UnsubscribeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsubscribeKey([redacted])")
    }
}

/// What a valid token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The list (a `subscriptions:` id of the manifest).
    pub list_id: String,
    /// The store's opaque subscriber id.
    pub subscriber_id: String,
    /// When the token was issued, in seconds since the Unix epoch.
    pub issued_at_s: i64,
}

/// Why a token could not be made. Names the field, never its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueError {
    /// The list id or the subscriber id is empty.
    Empty {
        /// `"list id"` or `"subscriber id"`.
        field: &'static str,
    },
    /// The list id or the subscriber id is longer than [`MAX_ID_BYTES`].
    TooLong {
        /// `"list id"` or `"subscriber id"`.
        field: &'static str,
    },
}

impl std::fmt::Display for IssueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IssueError::Empty { field } => {
                write!(f, "cannot make an unsubscribe token: the {field} is empty")
            }
            IssueError::TooLong { field } => write!(
                f,
                "cannot make an unsubscribe token: the {field} is longer than {MAX_ID_BYTES} bytes; use a shorter opaque id"
            ),
        }
    }
}

impl std::error::Error for IssueError {}

/// Why a token was refused. The messages never repeat the token or what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token this program makes: empty, too long, not base64url, truncated, or an
    /// unknown version.
    Malformed {
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// Well formed but not signed with this key: altered, made up, or from another
    /// deployment.
    Forged,
    /// Genuine, but issued more than [`TOKEN_VALIDITY_S`] ago.
    Expired,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Malformed { reason } => {
                write!(f, "the unsubscribe link is not valid ({reason}); check that the whole link was copied")
            }
            TokenError::Forged => f.write_str(
                "the unsubscribe link was not issued by this service or was altered; use the link from the message, or unsubscribe on the preferences page",
            ),
            TokenError::Expired => f.write_str(
                "the unsubscribe link has expired (links work for 400 days); unsubscribe on the preferences page instead",
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// Makes the token for one subscriber of one list, issued at `issued_at_s` (seconds
/// since the Unix epoch). URL-safe: base64url without padding.
pub fn token(
    key: &UnsubscribeKey,
    list_id: &str,
    subscriber_id: &str,
    issued_at_s: i64,
) -> Result<String, IssueError> {
    let list_len = id_len(list_id, "list id")?;
    let subscriber_len = id_len(subscriber_id, "subscriber id")?;
    let mut bytes =
        Vec::with_capacity(FIXED_BYTES + list_id.len() + subscriber_id.len() + TAG_BYTES);
    bytes.push(VERSION);
    bytes.extend_from_slice(&list_len.to_be_bytes());
    bytes.extend_from_slice(list_id.as_bytes());
    bytes.extend_from_slice(&subscriber_len.to_be_bytes());
    bytes.extend_from_slice(subscriber_id.as_bytes());
    bytes.extend_from_slice(&issued_at_s.to_be_bytes());
    let tag = key.tag(&bytes).finalize().into_bytes();
    bytes.extend_from_slice(&tag);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn id_len(id: &str, field: &'static str) -> Result<u16, IssueError> {
    if id.is_empty() {
        return Err(IssueError::Empty { field });
    }
    match u16::try_from(id.len()) {
        Ok(len) if id.len() <= MAX_ID_BYTES => Ok(len),
        _ => Err(IssueError::TooLong { field }),
    }
}

/// Checks a token at `now_s` (seconds since the Unix epoch) and says whom it
/// unsubscribes from what.
///
/// The tag is compared in constant time (`hmac`'s `verify_slice`, built on `subtle`)
/// before any field is read. A token is valid up to and including `issued_at_s +`
/// [`TOKEN_VALIDITY_S`]. A genuine token dated in the future (a server clock set
/// ahead when it was issued) is accepted: only this key could have made it, and
/// refusing a real unsubscribe is worse than honoring it early.
pub fn verify(key: &UnsubscribeKey, token: &str, now_s: i64) -> Result<Unsubscribe, TokenError> {
    let malformed = |reason| Err(TokenError::Malformed { reason });
    if token.is_empty() {
        return malformed("it is empty");
    }
    if token.len() > MAX_TOKEN_CHARS {
        return malformed("it is too long");
    }
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
        return malformed("it is not base64url");
    };
    let Some(signed_len) = bytes.len().checked_sub(TAG_BYTES) else {
        return malformed("it is truncated");
    };
    let (signed, tag) = bytes.split_at(signed_len);
    if signed.len() < FIXED_BYTES + 2 {
        return malformed("it is truncated");
    }
    if signed.first() != Some(&VERSION) {
        return malformed("its version is unknown");
    }
    if key.tag(signed).verify_slice(tag).is_err() {
        return Err(TokenError::Forged);
    }
    // Authentic from here on: any inconsistency is a bug of ours, still not a panic.
    let Some(parsed) = parse(signed) else {
        return malformed("its fields do not add up");
    };
    if now_s.saturating_sub(parsed.issued_at_s) > TOKEN_VALIDITY_S {
        return Err(TokenError::Expired);
    }
    Ok(parsed)
}

fn parse(signed: &[u8]) -> Option<Unsubscribe> {
    let rest = signed.get(1..)?;
    let (list_id, rest) = take_id(rest)?;
    let (subscriber_id, rest) = take_id(rest)?;
    let issued_at_s = i64::from_be_bytes(rest.try_into().ok()?);
    Some(Unsubscribe { list_id, subscriber_id, issued_at_s })
}

fn take_id(bytes: &[u8]) -> Option<(String, &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<2>()?;
    let len = usize::from(u16::from_be_bytes(*len));
    let (id, rest) = rest.split_at_checked(len)?;
    Some((String::from_utf8(id.to_vec()).ok()?, rest))
}

/// Why the unsubscribe headers could not be made. Names the input, never its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The base URL is not `https://…` (RFC 8058 §3.1 requires an HTTPS URI).
    NotHttps,
    /// The base URL holds characters a header URI cannot carry, a query or fragment, or
    /// is longer than 512 bytes.
    BadBaseUrl,
    /// The mailto address is not a plain `local@domain`.
    BadMailto,
    /// The token contains characters a token never has.
    BadToken,
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HeaderError::NotHttps => {
                "the unsubscribe base URL must start with https:// (RFC 8058 requires an HTTPS link for one-click)"
            }
            HeaderError::BadBaseUrl => {
                "the unsubscribe base URL must be at most 512 visible ASCII characters without spaces, <, >, comma, quote, ? or #"
            }
            HeaderError::BadMailto => {
                "the unsubscribe mail address must be a plain local@domain of visible ASCII characters without <, >, comma, quote, ?, & or %"
            }
            HeaderError::BadToken => "the unsubscribe token must be one made by `token`",
        })
    }
}

impl std::error::Error for HeaderError {}

/// The two headers for an outgoing list message (RFC 2369, RFC 8058; R-304, R-305):
///
/// ```text
/// List-Unsubscribe: <https://BASE/unsubscribe/TOKEN>, <mailto:ADDRESS?subject=unsubscribe%20TOKEN>
/// List-Unsubscribe-Post: List-Unsubscribe=One-Click
/// ```
///
/// The HTTPS link comes first (RFC 2369 lists in order of preference; RFC 8058 needs
/// it). The mailto subject carries the token so a reply identifies the list as well as
/// the sender. `base_url` is the privacy center's origin and optional path prefix
/// (`https://privacy.example.com` or `https://example.com/privacy/`). The message must
/// also be DKIM-signed over both headers (R-306) — that is the mailer's job.
pub fn list_unsubscribe_headers(
    base_url: &str,
    token: &str,
    mailto: Option<&str>,
) -> Result<[(String, String); 2], HeaderError> {
    if !base_url.starts_with("https://") {
        return Err(HeaderError::NotHttps);
    }
    let header_safe =
        |b: u8| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b',' | b'"' | b'\\');
    if base_url.len() > 512
        || base_url.len() <= "https://".len()
        || !base_url.bytes().all(|b| header_safe(b) && !matches!(b, b'?' | b'#'))
    {
        return Err(HeaderError::BadBaseUrl);
    }
    if token.is_empty()
        || token.len() > MAX_TOKEN_CHARS
        || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(HeaderError::BadToken);
    }
    let mut value = format!("<{}/unsubscribe/{token}>", base_url.trim_end_matches('/'));
    if let Some(address) = mailto {
        let plain = address.len() <= 254
            && address.bytes().all(|b| header_safe(b) && !matches!(b, b'?' | b'&' | b'%'))
            && address.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            });
        if !plain {
            return Err(HeaderError::BadMailto);
        }
        value.push_str(&format!(", <mailto:{address}?subject=unsubscribe%20{token}>"));
    }
    Ok([
        ("List-Unsubscribe".to_owned(), value),
        ("List-Unsubscribe-Post".to_owned(), ONE_CLICK.to_owned()),
    ])
}

/// Whether an `application/x-www-form-urlencoded` POST body is a one-click unsubscribe
/// (RFC 8058 §3.2; R-307).
///
/// The receiver "MUST encode the POST data with the key/value pair" of
/// `List-Unsubscribe-Post`; the RFC does not forbid other fields, so the body is
/// accepted when one `&`-separated field is exactly `List-Unsubscribe=One-Click`
/// (Gmail sends nothing else). Whitespace at the ends (a trailing CRLF) is ignored; the
/// name and value are compared exactly, as the RFC gives them. An empty or different
/// body — a link scanner, a person's browser — is not a one-click request: show the
/// confirmation page instead. Bodies over [`MAX_ONE_CLICK_BODY_BYTES`] are refused.
pub fn is_one_click_body(body: &[u8]) -> bool {
    if body.len() > MAX_ONE_CLICK_BODY_BYTES {
        return false;
    }
    body.trim_ascii().split(|&b| b == b'&').any(|field| field == ONE_CLICK.as_bytes())
}

/// Whether a `multipart/form-data` POST body (the form RFC 8058 §3.2 says receivers
/// SHOULD use) is a one-click unsubscribe: some part named `List-Unsubscribe` whose
/// content is `One-Click`. `content_type` is the request's `Content-Type` value, which
/// holds the boundary.
pub fn is_one_click_multipart(content_type: &str, body: &[u8]) -> bool {
    if body.len() > MAX_ONE_CLICK_BODY_BYTES {
        return false;
    }
    let Some(boundary) = multipart_boundary(content_type) else {
        return false;
    };
    let delimiter = [b"--", boundary.as_bytes()].concat();
    split_on(body, &delimiter).skip(1).any(|part| {
        let part = part.strip_prefix(b"\r\n").or_else(|| part.strip_prefix(b"\n")).unwrap_or(part);
        let Some((headers, content)) =
            split_once(part, b"\r\n\r\n").or_else(|| split_once(part, b"\n\n"))
        else {
            return false;
        };
        let named = headers.split(|&b| b == b'\n').any(|line| {
            let Ok(line) = std::str::from_utf8(line) else { return false };
            let Some((name, value)) = line.split_once(':') else { return false };
            name.trim().eq_ignore_ascii_case("content-disposition")
                && value.split(';').any(|param| {
                    let param = param.trim();
                    param.eq_ignore_ascii_case("name=\"List-Unsubscribe\"")
                        || param.eq_ignore_ascii_case("name=List-Unsubscribe")
                })
        });
        named && content.trim_ascii() == b"One-Click"
    })
}

/// Whether a POST to the unsubscribe URL is a one-click unsubscribe, whichever of the
/// two encodings RFC 8058 allows it uses (ECOSYSTEM.md §1.4: accept both).
pub fn is_one_click_request(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type {
        Some(value) if media_type(value).eq_ignore_ascii_case("multipart/form-data") => {
            is_one_click_multipart(value, body)
        }
        // Urlencoded, or a receiver that sent no type: the body speaks for itself.
        _ => is_one_click_body(body),
    }
}

fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

fn multipart_boundary(content_type: &str) -> Option<&str> {
    if !media_type(content_type).eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.trim().split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim();
        let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
        // RFC 2046 §5.1.1: 1 to 70 characters.
        (1..=70).contains(&value.len()).then_some(value)
    })
}

fn split_once<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let at = haystack.windows(needle.len()).position(|window| window == needle)?;
    Some((&haystack[..at], &haystack[at + needle.len()..]))
}

fn split_on<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(haystack);
    std::iter::from_fn(move || {
        let current = rest?;
        match split_once(current, needle) {
            Some((before, after)) => {
                rest = Some(after);
                Some(before)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

//! Email addresses: `local@domain.tld`, ASCII only.
//!
//! Catches the addresses people and systems actually write: a dot-atom local part of
//! letters, digits and `._%+-` (at most 64 bytes, no leading, trailing or doubled dot)
//! and a domain of at least two labels ending in an alphabetic top-level label of 2–63
//! letters; also after `mailto:`.
//!
//! Precision trade-offs, on purpose:
//! - Not caught: quoted local parts (`"a b"@example.com`), IP-literal domains
//!   (`a@[192.0.2.1]`), internationalized addresses (non-ASCII), single-label domains
//!   (`root@localhost`) and addresses glued to a following letter, digit or `-`. They
//!   are rare in data and their shapes match too much that is not an address.
//! - Not reported: the userinfo of a URL (`https://jane@example.com/`,
//!   `ftp://user:secret@example.com`) — that is a login, and the rest of the URL is a
//!   host, not a mailbox. `mailto:jane@example.com` is an address, and so is one in a
//!   URL's path or query (`/?email=jane@example.com`).
//! - At most ten labels in the domain (the pattern's bound, which keeps the scan
//!   linear); deeper domains are not reported.
//! - The top-level label is not checked against the IANA list, so `a@b.invalidtld` is
//!   reported; a list would go stale and the shape alone is already specific.

use crate::{Finding, Kind, before};

/// The candidate: as wide as the validated shape, so validation only checks limits.
///
/// Both sides are bounded (64 bytes of local part, ten labels), and that matters for
/// speed, not only for validity: the automaton keeps an email candidate alive as long as
/// it could still match, so an unbounded local part would make every search inside a
/// long run of `1.1.1.1…` read to the end of the run, and the scan quadratic.
pub(crate) const PATTERN: &str = r"[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,63}";

const LOCAL_BYTES_MAX: usize = 64;
const ADDRESS_BYTES_MAX: usize = 254;

/// Validates the candidate `text[start..end]`; returns where the search resumes.
pub(crate) fn detect(text: &[u8], start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
    if let Some(start) = validate(text, start, end) {
        out.push(Finding { kind: Kind::Email, start, end, confidence: 95 });
    }
    end
}

/// The validated start (leading dots trimmed), or `None`.
fn validate(text: &[u8], mut start: usize, end: usize) -> Option<usize> {
    // The pattern takes at most 64 bytes of local part. If more local-part bytes come
    // before the candidate, the address is too long, unless the search merely resumed
    // there after another candidate (`4111…1111abc@example.com`).
    let head = text[..start].iter().rev().take(LOCAL_BYTES_MAX + 1).take_while(|&&b| is_local(b));
    let at = text[start..end].iter().position(|&b| b == b'@').unwrap_or(0);
    if head.count() + at > LOCAL_BYTES_MAX {
        return None;
    }
    while text.get(start) == Some(&b'.') {
        start += 1;
    }
    let candidate = text.get(start..end)?;
    let at = candidate.iter().position(|&b| b == b'@')?;
    let local = &candidate[..at];
    if local.is_empty()
        || local.len() > LOCAL_BYTES_MAX
        || candidate.len() > ADDRESS_BYTES_MAX
        || local.ends_with(b".")
        || local.windows(2).any(|w| w == b"..")
    {
        return None;
    }
    // Glued to more of a word: `jane@example.com2` or `jane@example.com-x` is something else.
    // So is one whose domain goes on past the pattern's ten labels.
    let continues =
        text.get(end) == Some(&b'.') && text.get(end + 1).is_some_and(u8::is_ascii_alphanumeric);
    if continues || text.get(end).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    if is_url_userinfo(text, start) {
        return None;
    }
    Some(start)
}

/// A byte the pattern accepts in a local part.
fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Whether the local part starting at `start` is a URL's user or password: it follows
/// `//` (`scheme://user@host`) or a `:` that is not `mailto:` (`user:password@host`).
fn is_url_userinfo(text: &[u8], start: usize) -> bool {
    match before(text, start) {
        Some(b'/') => start >= 2 && text.get(start - 2) == Some(&b'/'),
        Some(b':') => {
            let head = &text[..start - 1];
            !(head.len() >= 6 && head[head.len() - 6..].eq_ignore_ascii_case(b"mailto"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::{Kind, scan};

    fn emails(text: &str) -> Vec<&str> {
        scan(text.as_bytes())
            .into_iter()
            .filter(|f| f.kind == Kind::Email)
            .map(|f| &text[f.range()])
            .collect()
    }

    #[test]
    fn finds_ordinary_addresses() {
        assert_eq!(
            emails("write to jane.doe+news@example.com today"),
            ["jane.doe+news@example.com"]
        );
        assert_eq!(
            emails("<A_B%c@mail.example.co.uk>, x-y@sub-domain.example.org."),
            ["A_B%c@mail.example.co.uk", "x-y@sub-domain.example.org"]
        );
        assert_eq!(emails("mailto:jane@example.com"), ["jane@example.com"]);
        assert_eq!(emails("MAILTO:jane@example.com"), ["jane@example.com"]);
        assert_eq!(emails("...jane@example.com"), ["jane@example.com"]);
    }

    #[test]
    fn the_userinfo_of_a_url_is_not_an_address() {
        assert!(emails("https://jane@example.com/path").is_empty());
        assert!(emails("ftp://user:secret@example.com/").is_empty());
        assert!(emails("postgres://app:pw@db.example.com:5432/x").is_empty());
        // An address in a URL's path or query is still an address.
        assert_eq!(emails("https://example.com/?email=jane@example.com&x=1"), ["jane@example.com"]);
        assert_eq!(emails("https://example.com/u/jane@example.com"), ["jane@example.com"]);
    }

    #[test]
    fn near_misses_are_not_addresses() {
        for text in [
            "jane@localhost",
            "jane..doe@example.com",
            "jane.@example.com",
            "@example.com",
            "jane@example.c",
            "jane@example.com2",
            "jane@-example.com",
            "version 1.2@3.4",
            "user@host",
        ] {
            assert!(emails(text).is_empty(), "{text}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(emails(&long_local).is_empty());
        let longest_local = format!("{}@example.com", "a".repeat(64));
        assert_eq!(emails(&longest_local), [longest_local.as_str()]);
        let many_labels = format!("jane@{}example.com", "a.".repeat(10));
        assert!(emails(&many_labels).is_empty());
    }
}

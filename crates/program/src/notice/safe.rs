//! Which link targets a notice may contain, and how they are written.
//!
//! **Invariant:** a notice links only to `http://`/`https://` pages, `mailto:` addresses
//! and `tel:` numbers. Anything else (a `javascript:` URL, a malformed address) is shown
//! as text and never linked, whatever the manifest says. Every target returned here uses
//! only characters that are safe unescaped in a Markdown link destination and, after
//! HTML attribute escaping, in an `href`.

/// The `href` for a web address, or `None` when it is not `http(s)`.
pub(super) fn web_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        url.get(8..)
    } else if lower.starts_with("http://") {
        url.get(7..)
    } else {
        None
    }?;
    if rest.is_empty() || rest.starts_with('/') {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for ch in url.chars() {
        if ch.is_ascii_alphanumeric() || "-._~:/?#@!$&*+,;=%[]".contains(ch) {
            out.push(ch);
        } else {
            // Spaces, quotes, angle brackets, parentheses, `|`, `\` and non-ASCII are
            // percent-encoded (RFC 3986 §2.1), which browsers treat the same.
            let mut buffer = [0u8; 4];
            for byte in ch.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    Some(out)
}

/// The `mailto:` target for an email address, or `None` when the address uses
/// characters beyond the plain ones every mail client and Markdown autolink accept.
pub(super) fn email(address: &str) -> Option<String> {
    let (local, domain) = address.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let domain_ok = domain.contains('.')
        && domain.len() <= 253
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    (local_ok && domain_ok).then(|| format!("mailto:{address}"))
}

/// The `tel:` target for a telephone number written with digits, spaces, `+`, `-`,
/// `.` and parentheses; `None` otherwise. The same 7–15 digits rule as the manifest's
/// channel check.
pub(super) fn tel(number: &str) -> Option<String> {
    let number = number.trim();
    let allowed = number.chars().all(|c| c.is_ascii_digit() || " -.()".contains(c) || c == '+');
    let plus_only_first = !number.get(1..).unwrap_or("").contains('+');
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if !allowed || !plus_only_first || !(7..=15).contains(&digits.len()) {
        return None;
    }
    let plus = if number.starts_with('+') { "+" } else { "" };
    Some(format!("tel:{plus}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_linked() {
        assert_eq!(
            web_url("https://example.com/a b").as_deref(),
            Some("https://example.com/a%20b")
        );
        assert_eq!(web_url("HTTP://example.com").as_deref(), Some("HTTP://example.com"));
        assert_eq!(
            web_url("https://example.com/\"><x>").as_deref(),
            Some("https://example.com/%22%3E%3Cx%3E")
        );
        assert_eq!(web_url("javascript:alert(1)"), None);
        assert_eq!(web_url("https://"), None);
        assert_eq!(web_url("https:///path"), None);
        assert_eq!(web_url("ftp://example.com"), None);
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(email("privacy@example.com").as_deref(), Some("mailto:privacy@example.com"));
        assert_eq!(email("a\"b@example.com"), None);
        assert_eq!(email("nobody"), None);
        assert_eq!(tel("+1 (800) 555-0100").as_deref(), Some("tel:+18005550100"));
        assert_eq!(tel("1-800-555-0100").as_deref(), Some("tel:18005550100"));
        assert_eq!(tel("call 555"), None);
        assert_eq!(tel("1+2345678"), None);
    }
}

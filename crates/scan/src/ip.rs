//! IP addresses: dotted-quad IPv4 and IPv6, each with an optional prefix length.
//!
//! **IPv4**: four decimal octets of at most 255 without leading zeros, optionally
//! followed by `/0`–`/32`. Not reported when part of a longer dotted sequence
//! (`1.2.3.4.5`, OIDs, `999.1.1.1` — an octet past 255), when an octet has a leading zero
//! (`010.0.0.1` is read as octal by some parsers and is usually a zero-padded
//! identifier), or when glued to letters. Trade-off: a four-part version number
//! (`1.2.3.4`) is reported; telling it apart needs context.
//!
//! **IPv6**: anything `std::net::Ipv6Addr` parses (full, `::`-compressed, and the
//! IPv4-mapped or -embedded forms like `::ffff:192.0.2.1`), optionally followed by
//! `/0`–`/128`. Trade-offs: it needs at least two non-empty groups, so `::` and `::1`
//! are not reported (`::` occurs in code, and the loopback address identifies nobody);
//! it is not reported when glued to a word character, a dot or a colon before it, which
//! keeps `std::io` and `Foo::bar` out; a short valid address written alone (`a::b`) is
//! reported. Zone ids (`fe80::1%eth0`) end the address before the `%`.
//!
//! Colon-separated candidates that are not IPv6 are offered to [`crate::mac`], since
//! `00:1a:2b:3c:4d:5e` has the same shape.

use std::net::Ipv6Addr;

use crate::{Finding, Kind, before, is_word, mac};

/// IPv4 candidates: four dotted groups of 1–3 digits, then an optional `/nn`.
pub(crate) const V4_PATTERN: &str = r"(?-u:\b)[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:/[0-9]{1,2})?";

/// IPv6 (and colon-MAC) candidates: hex groups joined by `:`, an optional dotted tail
/// and an optional `/nnn`.
pub(crate) const V6_PATTERN: &str =
    r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?:\.[0-9]{1,3}){3})?(?:/[0-9]{1,3})?";

/// Validates an IPv4 candidate `text[start..end]`; returns where the search resumes.
pub(crate) fn detect_v4(text: &[u8], start: usize, end: usize, out: &mut Vec<Finding>) -> usize {
    if let Some(confidence) = validate_v4(text, start, end) {
        out.push(Finding { kind: Kind::Ipv4, start, end, confidence });
    }
    end
}

fn validate_v4(text: &[u8], start: usize, end: usize) -> Option<u8> {
    // Part of a longer dotted sequence or glued to a word on either side.
    if before(text, start) == Some(b'.') {
        return None;
    }
    match text.get(end) {
        Some(&b) if is_word(b) || b == b'/' => return None,
        Some(b'.') if text.get(end + 1).is_some_and(u8::is_ascii_digit) => return None,
        _ => {}
    }
    let candidate = text.get(start..end)?;
    let (address, prefix) = match candidate.iter().position(|&b| b == b'/') {
        Some(slash) => (&candidate[..slash], Some(&candidate[slash + 1..])),
        None => (candidate, None),
    };
    for octet in address.split(|&b| b == b'.') {
        if octet.len() > 1 && octet[0] == b'0' {
            return None;
        }
        if decimal(octet)? > 255 {
            return None;
        }
    }
    match prefix {
        Some(p) if decimal(p)? > 32 => None,
        Some(_) => Some(90),
        None => Some(85),
    }
}

/// Validates a colon-separated candidate as IPv6, else as a MAC; returns where the
/// search resumes.
pub(crate) fn detect_colon_candidate(
    text: &[u8],
    start: usize,
    mut end: usize,
    out: &mut Vec<Finding>,
) -> usize {
    let resume = end;
    // A sentence may end the address with a colon: `from 2001:db8::1: denied`.
    if text.get(start..end).is_some_and(|c| c.ends_with(b":") && !c.ends_with(b"::")) {
        end -= 1;
    }
    let glued_before = before(text, start).is_some_and(|b| is_word(b) || b == b':' || b == b'.');
    // A colon and a hex digit right after a full candidate would continue it (a ninth
    // group); otherwise the colon is punctuation.
    let open_ended = end == resume && !text[start..end].contains(&b'/');
    let ninth_group = open_ended
        && text.get(end) == Some(&b':')
        && text.get(end + 1).is_some_and(u8::is_ascii_hexdigit);
    let glued_after = text.get(end).copied().is_some_and(is_word) || ninth_group;
    if glued_before || glued_after {
        return resume;
    }
    if let Some(confidence) = validate_v6(text.get(start..end).unwrap_or_default()) {
        out.push(Finding { kind: Kind::Ipv6, start, end, confidence });
    } else if mac::is_mac(text.get(start..end).unwrap_or_default(), b':') {
        out.push(Finding { kind: Kind::Mac, start, end, confidence: mac::CONFIDENCE });
    }
    resume
}

fn validate_v6(candidate: &[u8]) -> Option<u8> {
    let (address, prefix) = match candidate.iter().position(|&b| b == b'/') {
        Some(slash) => (&candidate[..slash], Some(&candidate[slash + 1..])),
        None => (candidate, None),
    };
    std::str::from_utf8(address).ok()?.parse::<Ipv6Addr>().ok()?;
    let groups = address.split(|&b| b == b':').filter(|g| !g.is_empty()).count();
    if groups < 2 {
        return None;
    }
    match prefix {
        Some(p) if decimal(p)? > 128 => None,
        _ => Some(90),
    }
}

/// A short run of ASCII digits as a number; `None` if empty or not all digits.
fn decimal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use crate::{Finding, Kind, scan};

    fn of(kind: Kind, text: &str) -> Vec<&str> {
        scan(text.as_bytes())
            .into_iter()
            .filter(|f: &Finding| f.kind == kind)
            .map(|f| &text[f.range()])
            .collect()
    }

    #[test]
    fn finds_ipv4_addresses_and_blocks() {
        assert_eq!(
            of(Kind::Ipv4, "from 192.0.2.7, then 198.51.100.0/24."),
            ["192.0.2.7", "198.51.100.0/24"]
        );
        assert_eq!(
            of(Kind::Ipv4, "0.0.0.0 255.255.255.255 10.0.0.1:8080"),
            ["0.0.0.0", "255.255.255.255", "10.0.0.1"]
        );
    }

    #[test]
    fn ipv4_near_misses_are_not_addresses() {
        for text in [
            "999.1.1.1",
            "1.1.1.256",
            "1.2.3.4.5",
            "v1.2.3.4",
            "1.2.3",
            "010.0.0.1",
            "10.0.0.1/33",
            "10.0.0.1abc",
            "1.2.3.4/",
            "1.2.3.4/8/9",
        ] {
            assert!(of(Kind::Ipv4, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn finds_ipv6_addresses_in_their_written_forms() {
        for address in [
            "2001:db8::1",
            "2001:0db8:0000:0000:0000:ff00:0042:8329",
            "fe80::1ff:fe23:4567:890a",
            "::ffff:192.0.2.1",
            "2001:db8::/32",
            "2001:DB8:0:0:8:800:200C:417A",
        ] {
            assert_eq!(of(Kind::Ipv6, &format!("peer {address}: refused")), [address]);
        }
        assert_eq!(of(Kind::Ipv6, "via fe80::1ff:fe23%eth0"), ["fe80::1ff:fe23"]);
        // A four-part version number is an address as far as the shape can tell.
        assert_eq!(of(Kind::Ipv4, "release 1.2.3.4 is out"), ["1.2.3.4"]);
    }

    #[test]
    fn ipv6_near_misses_are_not_addresses() {
        for text in [
            "::",
            "::1",
            "std::io::Result",
            "ab:cd",
            "12:30:45",
            "2001:db8::1::2",
            "2001:db8:0:0:0:0:0:0:1",
            "2001:db8::/129",
            "x2001:db8::1",
            "12345::1",
        ] {
            assert!(of(Kind::Ipv6, text).is_empty(), "{text}");
        }
    }
}

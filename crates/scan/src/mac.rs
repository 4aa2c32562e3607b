//! 48-bit MAC addresses written as six hex pairs joined by `:` or `-`.
//!
//! A device's MAC address identifies it (and so its owner) across networks. Colon forms
//! arrive through the IPv6 candidate in [`crate::ip`]; dash forms have their own
//! pattern. Both must use one separator throughout and stand alone: not part of a
//! longer run of pairs (which is a hash, a key fingerprint or an EUI-64).
//!
//! Precision trade-offs, on purpose:
//! - The all-zero and broadcast addresses are not reported: they identify no device.
//! - Not caught: Cisco's dotted form (`001a.2b3c.4d5e`), which is indistinguishable
//!   from version and part numbers without context, bare 12-hex-digit strings, and
//!   EUI-64 identifiers.
//! - A colon-pair run that is also a valid time or ratio never reaches six pairs, so
//!   timestamps do not match; six two-digit decimal pairs (`10-12-14-16-18-20`) are
//!   reported, being a valid address.

use crate::{Finding, Kind, before, is_word};

/// How sure a well-formed, standalone MAC address is.
pub(crate) const CONFIDENCE: u8 = 80;

/// Dash-separated candidates; colon-separated ones come through the IPv6 pattern.
pub(crate) const DASH_PATTERN: &str = r"(?-u:\b)[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}";

/// Validates a dashed candidate `text[start..end]`; returns where the search resumes.
pub(crate) fn detect_dashed(
    text: &[u8],
    start: usize,
    end: usize,
    out: &mut Vec<Finding>,
) -> usize {
    let continued_before = before(text, start) == Some(b'-');
    let continued_after = match text.get(end) {
        Some(&b) if is_word(b) => true,
        Some(b'-') => text.get(end + 1).is_some_and(u8::is_ascii_hexdigit),
        _ => false,
    };
    let candidate = text.get(start..end).unwrap_or_default();
    if !continued_before && !continued_after && is_mac(candidate, b'-') {
        out.push(Finding { kind: Kind::Mac, start, end, confidence: CONFIDENCE });
    }
    end
}

/// Whether `candidate` is exactly six hex pairs joined by `sep`, and a device's address.
pub(crate) fn is_mac(candidate: &[u8], sep: u8) -> bool {
    if candidate.len() != 17 {
        return false;
    }
    let shaped = candidate
        .iter()
        .enumerate()
        .all(|(i, &b)| if i % 3 == 2 { b == sep } else { b.is_ascii_hexdigit() });
    let hex: Vec<u8> =
        candidate.iter().copied().filter(|b| *b != sep).map(|b| b.to_ascii_lowercase()).collect();
    let special = hex.iter().all(|&b| b == b'0') || hex.iter().all(|&b| b == b'f');
    shaped && !special
}

#[cfg(test)]
mod tests {
    use crate::{Kind, scan};

    fn macs(text: &str) -> Vec<&str> {
        scan(text.as_bytes())
            .into_iter()
            .filter(|f| f.kind == Kind::Mac)
            .map(|f| &text[f.range()])
            .collect()
    }

    #[test]
    fn finds_colon_and_dash_forms() {
        assert_eq!(macs("wlan0 00:1a:2B:3c:4D:5e up"), ["00:1a:2B:3c:4D:5e"]);
        assert_eq!(macs("hw=00-1A-2B-3C-4D-5E."), ["00-1A-2B-3C-4D-5E"]);
    }

    #[test]
    fn near_misses_are_not_macs() {
        for text in [
            "00:00:00:00:00:00",
            "ff:ff:ff:ff:ff:ff",
            "00:1a:2b:3c:4d",
            "00:1a:2b:3c:4d:5e:6f",
            "00-1a-2b-3c-4d-5e-6f",
            "00:1a-2b:3c-4d:5e",
            "001a.2b3c.4d5e",
            "00:1a:2b:3c:4d:5g",
            "x00-1a-2b-3c-4d-5e",
            "0a:1a:2b:3c:4d:5e7",
        ] {
            assert!(macs(text).is_empty(), "{text}");
        }
    }
}

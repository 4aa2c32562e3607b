//! Identifiers: 128-bit, time-ordered, written as 26 characters of Crockford base32
//! (the ULID layout: 48 bits of Unix milliseconds, then 80 random bits).
//!
//! The parts are parameters: the app's id generator reads the clock and the random
//! source, so tests make ids that are stable from run to run. Sorting the text sorts
//! by creation time, which keeps store indexes append-mostly.

use std::fmt;

/// Crockford's base32 alphabet: no I, L, O or U, so ids read aloud over the phone
/// are not misheard.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The length of an id's text.
pub const ID_TEXT_LEN: usize = 26;

/// A 128-bit identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(u128);

impl Id {
    /// Builds an id from a time in Unix milliseconds (only the low 48 bits are kept,
    /// enough until the year 10889) and 80 random bits (the low 80 bits of `random`).
    pub fn from_parts(unix_ms: u64, random: u128) -> Id {
        let time = u128::from(unix_ms & 0xFFFF_FFFF_FFFF);
        let random = random & ((1u128 << 80) - 1);
        Id((time << 80) | random)
    }

    /// The id's 16 bytes, big-endian.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// The Unix milliseconds the id was made at.
    pub fn unix_ms(self) -> u64 {
        u64::try_from(self.0 >> 80).unwrap_or(u64::MAX)
    }

    /// Parses the 26-character text, case-insensitively; Crockford's look-alikes
    /// (`I`, `L` for 1 and `O` for 0) are accepted because people retype these ids.
    pub fn parse(text: &str) -> Option<Id> {
        let bytes = text.as_bytes();
        if bytes.len() != ID_TEXT_LEN {
            return None;
        }
        let mut value: u128 = 0;
        for (index, byte) in bytes.iter().enumerate() {
            let digit = match byte.to_ascii_uppercase() {
                b'O' => 0,
                b'I' | b'L' => 1,
                upper => u128::try_from(ALPHABET.iter().position(|&c| c == upper)?).ok()?,
            };
            // The first character carries only 3 bits (26 × 5 = 130 > 128).
            if index == 0 && digit > 7 {
                return None;
            }
            value = (value << 5) | digit;
        }
        Some(Id(value))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; ID_TEXT_LEN];
        for (index, slot) in text.iter_mut().enumerate() {
            let shift = 5 * (ID_TEXT_LEN - 1 - index);
            let digit = usize::try_from((self.0 >> shift) & 0x1F).unwrap_or(0);
            *slot = ALPHABET[digit];
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_print_as_26_crockford_characters_and_sort_by_time() {
        let early = Id::from_parts(1_700_000_000_000, 42);
        let late = Id::from_parts(1_700_000_000_001, 1);
        assert_eq!(early.to_string(), "01HF7YAT00000000000000001A");
        assert!(early.to_string() < late.to_string());
        assert_eq!(early.unix_ms(), 1_700_000_000_000);
    }

    #[test]
    fn parse_accepts_lowercase_and_look_alikes_and_refuses_garbage() {
        let id = Id::from_parts(1_700_000_000_000, 42);
        assert_eq!(Id::parse(&id.to_string().to_lowercase()), Some(id));
        assert_eq!(Id::parse("O1HF7YAT00000000000000001A"), Some(id));
        assert_eq!(Id::parse("01HF7YAT0000000000000001A"), None);
        assert_eq!(Id::parse("01HF7YAT00000000000000001U"), None);
        assert_eq!(Id::parse("81HF7YAT00000000000000001A"), None);
        assert_eq!(Id::parse("01HF7YAT000000000000000éA"), None);
    }

    proptest! {
        #[test]
        fn text_round_trips(ms in 0u64..(1 << 48), random in any::<u128>()) {
            let id = Id::from_parts(ms, random);
            prop_assert_eq!(Id::parse(&id.to_string()), Some(id));
            prop_assert_eq!(id.unix_ms(), ms);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}") {
            let _ = Id::parse(&text);
        }
    }
}

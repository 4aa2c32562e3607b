//! The pure part of ombud's tamper-evident audit chain: the canonical encoding of an
//! event, its keyed hash, and a streaming verifier that says precisely what is wrong.
//!
//! Every state change of a rights request, every staff action and every staff read of a
//! person's data appends one event to an append-only log (DESIGN.md Security: "the audit
//! log is append-only and hash-chained, verifiable by a command; staff reads of personal
//! data are audited too"; REGULATIONS.md R-190 keeps the request records for 24 months).
//! The storage lives in `ombud-store`; this module only computes and checks.
//!
//! **Invariants.**
//! - An event's hash covers the previous event's hash, so editing, deleting, inserting
//!   or reordering events breaks the chain where it happened.
//! - The hash is an HMAC keyed with a secret the database does not hold (ECOSYSTEM.md
//!   §2.8: "HMAC the chain with a server key to stop a DB-only attacker from recomputing
//!   it"). Whoever can only write to the database cannot forge an event, so an event
//!   whose hash verifies is exactly the event ombud wrote, with the seq it was written
//!   with; [`ChainVerifier`] builds its whole diagnosis on that fact.
//! - Pure: no I/O, no clock, no panics. [`ChainVerifier`] keeps a fixed, small amount of
//!   memory however long the log is.
//!
//! # The canonical encoding (version 1)
//!
//! `hash = HMAC-SHA256(key, message)`, where `message` is the concatenation of
//!
//! | bytes | what |
//! |---|---|
//! | 15 | the tag `ombud-audit-v1` followed by one zero byte |
//! | 32 | `prev_hash`: the previous event's hash; 32 zero bytes ([`GENESIS`]) for the first |
//! | 8 | `seq`, unsigned, big-endian |
//! | 8 | `at_ms`, Unix milliseconds, signed two's complement, big-endian |
//! | 8 + n | `actor`: its length n in bytes (unsigned, big-endian), then its UTF-8 bytes |
//! | 8 + n | `action`, the same way |
//! | 8 + n | `request_id`, the same way (`""` when the event concerns no request) |
//! | 8 + n | `payload`, the same way |
//!
//! The tag separates this use of the key from any other and names the version, so a
//! later encoding can never produce the same message. Every variable-length field is
//! length-prefixed, so no two different events have the same message (with separators,
//! an actor `a|b` and an action `c` would collide with `a` and `b|c`). The lengths are
//! 64-bit so that no length is out of range: the encoding is total.
//!
//! An auditor can recompute one hash with stock tools. For the key `00 01 … 1f` and the
//! first event of a chain (`seq` 1, `at_ms` 1767225600000, `system`,
//! `request.submitted`, `req_01`, `{"channel":"web"}`):
//!
//! ```text
//! $ export LC_ALL=C  # so that ${#s} counts bytes, not characters
//! $ field() { printf '%016x' "${#1}" | xxd -r -p; printf '%s' "$1"; }
//! $ prev=0000000000000000000000000000000000000000000000000000000000000000  # GENESIS
//! $ { printf 'ombud-audit-v1\0'
//!     printf '%s' "$prev" | xxd -r -p
//!     printf '%016x' 1 | xxd -r -p              # seq
//!     printf '%016x' 1767225600000 | xxd -r -p  # at_ms
//!     field system; field request.submitted; field req_01; field '{"channel":"web"}'
//!   } | openssl dgst -sha256 -mac HMAC \
//!         -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
//! SHA2-256(stdin)= 81a3f05716e2fd294b8795294ce0099c556260da8e34df86c906fa913ec4abbc
//! ```
//!
//! `printf '%016x' -5` prints the two's complement of a negative `at_ms`. In Python:
//! `hmac.new(key, message, hashlib.sha256)`, with `struct.pack('>Q', n)` for the seq and
//! the lengths and `struct.pack('>q', at_ms)` for the time. The test
//! `known_answer` pins the same hash.
//!
//! # What the verifier detects, and what it cannot
//!
//! Someone with write access to the database but not the key can edit any column of an
//! event, delete rows, insert rows with made-up hashes, change seq numbers, and edit or
//! delete the head row. [`ChainVerifier`] reports every such change as a [`Finding`],
//! classified as well as a window of a few events allows; see [`Finding`] for the cases.
//!
//! Two limits are inherent, and the operator should know them:
//! - Deleting the last events *and* rewriting the head row to the new last event leaves
//!   a shorter chain that is valid in itself. Only a checkpoint kept outside the
//!   database catches it: `ombud audit verify --expect-head SEQ:HEX` with a head an
//!   auditor recorded earlier (export or sign checkpoints regularly, ECOSYSTEM.md §2.8).
//!   The same holds for an empty log whose head row was deleted too: it looks like a
//!   fresh installation.
//! - Whoever holds the key can rewrite the whole chain. The key is wrapped by the master
//!   key and never stored in the database in the clear.
//!
//! Classification, unlike detection, has a horizon. The verifier keeps only a few events
//! in memory (the input can be 10^8 events), so a row moved farther than that from its
//! place cannot be recognized: it shows as a deletion where it was and an insertion or
//! an edit where it is. Every finding still names the right seqs.

mod finding;
mod verify;

#[cfg(test)]
mod tests;

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub use finding::Finding;
pub use verify::{ChainVerifier, FINDINGS_MAX, Report};

/// The hash of an event: an HMAC-SHA256 tag.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first event.
pub const GENESIS: Hash = [0; 32];

/// The tag that starts every message: it names the purpose and the encoding's version.
const ENCODING_TAG: &[u8] = b"ombud-audit-v1\0";

/// The HMAC key of the chain, prepared once: the keyed inner and outer SHA-256 states
/// are computed here, so each event costs only the hashing of its own message.
///
/// `Debug` prints `ChainKey([redacted])`, so the key cannot leak into a log.
#[derive(Clone)]
pub struct ChainKey {
    mac: Hmac<Sha256>,
}

impl ChainKey {
    /// Prepares the chain key.
    pub fn new(key: [u8; 32]) -> ChainKey {
        // HMAC pads a key shorter than the hash's 64-byte block with zeros (RFC 2104 §2),
        // so the padded block is the same key. Passing the full block uses the infallible
        // constructor instead of the slice one, whose error cannot happen but would need
        // handling.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&key);
        // The prepared states are as secret as the key. They are not zeroized on drop:
        // `ombud-core` has no `zeroize` dependency, and the key lives for the process.
        ChainKey { mac: Hmac::<Sha256>::new(&block.into()) }
    }

    /// The hash of an event: `HMAC-SHA256(key, canonical(prev, body))`, with the
    /// encoding described in the [module documentation](self).
    pub fn hash(&self, prev: &Hash, body: &EventBody<'_>) -> Hash {
        let mut mac = self.mac.clone();
        // Pieces go straight to the MAC: gathering them in a buffer first measured no
        // faster, since the compression of five or six blocks dominates.
        encode(prev, body, |piece| mac.update(piece));
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainKey([redacted])")
    }
}

/// Feeds the canonical encoding of an event to `sink`, piece by piece, so hashing needs
/// no buffer. The one definition of the encoding: the hash and the tests both use it.
fn encode(prev: &Hash, body: &EventBody<'_>, mut sink: impl FnMut(&[u8])) {
    sink(ENCODING_TAG);
    sink(prev);
    sink(&body.seq.to_be_bytes());
    sink(&body.at_ms.to_be_bytes());
    for field in [body.actor, body.action, body.request_id, body.payload] {
        // A `usize` always fits in a `u64` on the targets Rust supports.
        sink(&(field.len() as u64).to_be_bytes());
        sink(field.as_bytes());
    }
}

/// What an event says: everything its hash covers besides the previous hash.
///
/// The text fields hold ids, codes and JSON without personal data; the caller
/// guarantees that, because the audit log is kept for years and shown to auditors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventBody<'a> {
    /// The position in the chain: 1, 2, 3, … without gaps.
    pub seq: u64,
    /// When the event happened, in Unix milliseconds.
    pub at_ms: i64,
    /// Who acted: `system`, `staff:<id>`, `subject` or `cli`.
    pub actor: &'a str,
    /// What happened: `request.submitted`, `request.verified`, …
    pub action: &'a str,
    /// The rights request the event concerns, or `""` when none.
    pub request_id: &'a str,
    /// Details, as canonical JSON text.
    pub payload: &'a str,
}

/// An event as read back from storage: its body and both hashes, none of them trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// See [`EventBody::seq`].
    pub seq: u64,
    /// See [`EventBody::at_ms`].
    pub at_ms: i64,
    /// See [`EventBody::actor`].
    pub actor: String,
    /// See [`EventBody::action`].
    pub action: String,
    /// See [`EventBody::request_id`].
    pub request_id: String,
    /// See [`EventBody::payload`].
    pub payload: String,
    /// The hash of the event before it ([`GENESIS`] for the first).
    pub prev_hash: Hash,
    /// This event's hash, as written.
    pub hash: Hash,
}

/// An event as read back from storage, with its text borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// What the event says, with its stored `seq`.
    pub body: EventBody<'a>,
    /// The hash of the event before it ([`GENESIS`] for the first).
    pub prev_hash: Hash,
    /// This event's hash, as written.
    pub hash: Hash,
}

impl StoredEvent {
    /// The event, borrowed.
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef { body: self.body(), prev_hash: self.prev_hash, hash: self.hash }
    }

    /// The body, borrowed, as [`ChainKey::hash`] takes it.
    pub fn body(&self) -> EventBody<'_> {
        EventBody {
            seq: self.seq,
            at_ms: self.at_ms,
            actor: &self.actor,
            action: &self.action,
            request_id: &self.request_id,
            payload: &self.payload,
        }
    }
}

/// An event named by its seq and hash: what the store's one-row head table records
/// about the last event, or a checkpoint an auditor kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The event's seq.
    pub seq: u64,
    /// The event's hash.
    pub hash: Hash,
}

/// Bytes (a hash: 64 digits) as lowercase hexadecimal digits.
pub fn to_hex(hash: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(hash.len() * 2);
    for byte in hash {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// Parses 64 hexadecimal digits, in either case, into a hash; `None` for anything else.
pub fn from_hex(text: &str) -> Option<Hash> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut hash = GENESIS;
    for (byte, pair) in hash.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some(hash)
}

fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

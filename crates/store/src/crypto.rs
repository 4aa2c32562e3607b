//! Encryption at rest: a master key outside the database wraps data keys inside it.
//!
//! - The **master key** (32 bytes) comes from a key file or `OMBUD_MASTER_KEY`; it is
//!   never stored. It wraps (encrypts) the data keys and a check value, so a wrong
//!   master key is reported as such instead of as corrupt data.
//! - **Data keys** (purpose `data`) encrypt personal data: XChaCha20-Poly1305 with a
//!   random 24-byte nonce (large enough that random nonces never repeat in practice).
//!   Every ciphertext names its key, so keys rotate without a flag day.
//! - The **blind-index key** makes a keyed hash (HMAC-SHA256) of an identifier's
//!   canonical form, so a request can be found by email without storing the email in
//!   the clear. The **audit-chain key** keys the hash chain of the audit log.
//!
//! Ciphertext layout (version 1): `0x01 | key id (u32 BE) | nonce (24) | ciphertext+tag`.
//! The associated data binds the ciphertext to where it lives (`table.column/row id`)
//! and to its key id, so a ciphertext copied to another row or column fails to decrypt.
//!
//! **Invariant:** keys never appear in `Debug` output, and are zeroed when dropped.

use std::collections::BTreeMap;
use std::fmt;

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::StoreError;

/// The byte that starts every ciphertext of this format.
const FORMAT_V1: u8 = 1;
const NONCE_BYTES: usize = 24;
const HEADER_BYTES: usize = 1 + 4 + NONCE_BYTES;
/// What the master key encrypts to prove it is the right one.
const MASTER_CHECK_PLAINTEXT: &[u8] = b"ombud master key check v1";
const MASTER_CHECK_AAD: &[u8] = b"ombud/v1/keyring.master_check";

/// The 32-byte key-encryption key.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    /// Parses the text of a key file or of `OMBUD_MASTER_KEY`: 32 bytes as base64 (44
    /// characters) or hex (64 characters), surrounding whitespace ignored.
    pub fn parse(text: &str) -> Result<MasterKey, StoreError> {
        use base64::Engine as _;
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()
        } else {
            base64::engine::general_purpose::STANDARD.decode(text).ok()
        };
        let bytes = Zeroizing::new(bytes.unwrap_or_default());
        let array: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            StoreError::Key(
                "the master key must be 32 bytes written as base64 (44 characters) or hex (64 characters); make one with `ombud keys generate`".to_owned(),
            )
        })?;
        Ok(MasterKey::from_bytes(array))
    }

    /// A new random key.
    pub fn generate() -> Result<MasterKey, StoreError> {
        Ok(MasterKey::from_bytes(random_array()?))
    }

    /// The key as base64 text, for writing a key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        use base64::Engine as _;
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(self.0.as_slice()))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.0).into())
    }

    /// Encrypts the check value (stored in the `keyring` row).
    pub(crate) fn make_check(&self) -> Result<Vec<u8>, StoreError> {
        seal(&self.cipher(), 0, MASTER_CHECK_PLAINTEXT, MASTER_CHECK_AAD)
    }

    /// Whether this is the key that made `check`.
    pub(crate) fn matches_check(&self, check: &[u8]) -> bool {
        open(&self.cipher(), check, MASTER_CHECK_AAD)
            .is_ok_and(|plain| plain.as_slice() == MASTER_CHECK_PLAINTEXT)
    }

    /// Wraps a data key for storage.
    pub(crate) fn wrap(&self, key_id: u32, key: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        seal(&self.cipher(), key_id, key, &wrap_aad(key_id))
    }

    /// Unwraps a stored data key.
    pub(crate) fn unwrap_key(
        &self,
        key_id: u32,
        wrapped: &[u8],
    ) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        let plain =
            Zeroizing::new(open(&self.cipher(), wrapped, &wrap_aad(key_id)).map_err(|_| {
                StoreError::Key(format!("data key {key_id} does not decrypt with this master key"))
            })?);
        let array: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Key(format!("data key {key_id} is not 32 bytes")))?;
        Ok(Zeroizing::new(array))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

fn wrap_aad(key_id: u32) -> Vec<u8> {
    let mut aad = b"ombud/v1/data_keys.wrapped/".to_vec();
    aad.extend_from_slice(&key_id.to_be_bytes());
    aad
}

/// What a data key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPurpose {
    /// Encrypting personal data.
    Data,
    /// The blind index of identifiers.
    BlindIndex,
    /// The audit chain's HMAC.
    AuditChain,
}

impl KeyPurpose {
    /// The id stored in `data_keys.purpose`.
    pub fn id(self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::BlindIndex => "blind_index",
            KeyPurpose::AuditChain => "audit_chain",
        }
    }

    /// Looks a purpose up by its id.
    pub fn from_id(id: &str) -> Option<KeyPurpose> {
        [KeyPurpose::Data, KeyPurpose::BlindIndex, KeyPurpose::AuditChain]
            .into_iter()
            .find(|p| p.id() == id)
    }
}

/// The unwrapped data keys, in memory only.
#[derive(Clone)]
pub struct Keyring {
    /// Data keys by id; the highest live id encrypts.
    data: BTreeMap<u32, Zeroizing<[u8; 32]>>,
    current_data: u32,
    blind_index: Hmac<Sha256>,
    /// Keys the hashes of verification codes: derived from the audit-chain key, which
    /// never rotates, so rotating the blind index does not void the codes in flight.
    secrets: Hmac<Sha256>,
    audit_chain: ombud_core::audit::ChainKey,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("data_key_ids", &self.data.keys().collect::<Vec<_>>())
            .field("current_data", &self.current_data)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Builds a keyring from unwrapped keys: `(id, purpose, key, retired)`.
    pub(crate) fn new(
        keys: Vec<(u32, KeyPurpose, Zeroizing<[u8; 32]>, bool)>,
    ) -> Result<Keyring, StoreError> {
        let mut data = BTreeMap::new();
        let mut current_data = None;
        let mut blind_index = None;
        let mut audit_chain = None;
        for (id, purpose, key, retired) in keys {
            match purpose {
                KeyPurpose::Data => {
                    if !retired {
                        current_data = current_data.max(Some(id));
                    }
                    data.insert(id, key);
                }
                KeyPurpose::BlindIndex if !retired => blind_index = Some(key),
                KeyPurpose::AuditChain if !retired => audit_chain = Some(key),
                _ => {}
            }
        }
        let missing = |what: &str| {
            StoreError::Key(format!(
                "the store has no live {what} key; run `ombud migrate` to create the keys"
            ))
        };
        let current_data = current_data.ok_or_else(|| missing("data"))?;
        let blind_index = blind_index.ok_or_else(|| missing("blind-index"))?;
        let audit_chain = audit_chain.ok_or_else(|| missing("audit-chain"))?;
        let blind_index = <Hmac<Sha256>>::new_from_slice(blind_index.as_slice())
            .map_err(|_| StoreError::Key("the blind-index key has the wrong length".to_owned()))?;
        // Domain separation: the chain hashes events under the same key with another
        // prefix, so no value of one can be passed off as the other.
        let mut secrets = <Hmac<Sha256>>::new_from_slice(audit_chain.as_slice())
            .map_err(|_| StoreError::Key("the audit-chain key has the wrong length".to_owned()))?;
        secrets.update(b"ombud-secret-v1\0");
        Ok(Keyring {
            data,
            current_data,
            blind_index,
            secrets,
            audit_chain: ombud_core::audit::ChainKey::new(*audit_chain),
        })
    }

    /// A keyring with no keys, for the transaction that loads them: it cannot encrypt.
    pub(crate) fn locked() -> Keyring {
        Keyring {
            data: BTreeMap::new(),
            current_data: 0,
            blind_index: <Hmac<Sha256>>::new(&Default::default()),
            secrets: <Hmac<Sha256>>::new(&Default::default()),
            audit_chain: ombud_core::audit::ChainKey::new([0; 32]),
        }
    }

    /// The key of the audit chain.
    pub fn audit_chain(&self) -> &ombud_core::audit::ChainKey {
        &self.audit_chain
    }

    /// The id of the data key new ciphertexts use.
    pub fn current_data_key(&self) -> u32 {
        self.current_data
    }

    /// Encrypts `plaintext` for the place `context` (`"requests.subject_ct/<id>"`).
    pub fn encrypt(&self, plaintext: &[u8], context: &str) -> Result<Vec<u8>, StoreError> {
        let key = self
            .data
            .get(&self.current_data)
            .ok_or_else(|| StoreError::Key("the current data key is missing".to_owned()))?;
        let cipher = XChaCha20Poly1305::new(&(**key).into());
        seal(&cipher, self.current_data, plaintext, &data_aad(self.current_data, context))
    }

    /// Decrypts a ciphertext made by [`Keyring::encrypt`] for the same `context`.
    pub fn decrypt(
        &self,
        ciphertext: &[u8],
        context: &str,
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let key_id = key_id_of(ciphertext).ok_or_else(|| corrupt(context))?;
        let key = self.data.get(&key_id).ok_or_else(|| {
            StoreError::Key(format!(
                "{} was encrypted with data key {key_id}, which this store no longer has",
                place(context)
            ))
        })?;
        let cipher = XChaCha20Poly1305::new(&(**key).into());
        open(&cipher, ciphertext, &data_aad(key_id, context))
            .map(Zeroizing::new)
            .map_err(|_| corrupt(context))
    }

    /// The blind index of an identifier: HMAC-SHA256 of its kind and canonical form.
    pub fn blind_index(&self, kind: &str, canonical_value: &str) -> Vec<u8> {
        let mut mac = self.blind_index.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(canonical_value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A keyed hash for secrets ombud checks but never stores (verification codes).
    pub fn secret_mac(&self, label: &str, secret: &[u8]) -> Vec<u8> {
        let mut mac = self.secrets.clone();
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(secret);
        mac.finalize().into_bytes().to_vec()
    }
}

/// The key id a ciphertext names, if it has the format's header.
pub fn key_id_of(ciphertext: &[u8]) -> Option<u32> {
    if ciphertext.len() < HEADER_BYTES + 16 || ciphertext[0] != FORMAT_V1 {
        return None;
    }
    Some(u32::from_be_bytes([ciphertext[1], ciphertext[2], ciphertext[3], ciphertext[4]]))
}

fn place(context: &str) -> &str {
    // The context's table and column, without the row id (ids are not secret, but the
    // message is about where, not which).
    context.split('/').next().unwrap_or(context)
}

fn corrupt(context: &str) -> StoreError {
    StoreError::Key(format!(
        "{} does not decrypt: it was changed, moved from another row, or made with another master key",
        place(context)
    ))
}

fn data_aad(key_id: u32, context: &str) -> Vec<u8> {
    let mut aad = b"ombud/v1/".to_vec();
    aad.extend_from_slice(&key_id.to_be_bytes());
    aad.push(b'/');
    aad.extend_from_slice(context.as_bytes());
    aad
}

fn seal(
    cipher: &XChaCha20Poly1305,
    key_id: u32,
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let nonce: [u8; NONCE_BYTES] = random_array()?;
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad })
        .map_err(|_| StoreError::Key("encryption failed".to_owned()))?;
    let mut out = Vec::with_capacity(HEADER_BYTES + sealed.len());
    out.push(FORMAT_V1);
    out.extend_from_slice(&key_id.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open(cipher: &XChaCha20Poly1305, ciphertext: &[u8], aad: &[u8]) -> Result<Vec<u8>, ()> {
    if key_id_of(ciphertext).is_none() {
        return Err(());
    }
    let nonce: [u8; NONCE_BYTES] = ciphertext[5..HEADER_BYTES].try_into().map_err(|_| ())?;
    cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: &ciphertext[HEADER_BYTES..], aad })
        .map_err(|_| ())
}

/// Random bytes from the operating system.
pub fn random_array<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|_| StoreError::Key("the operating system gave no random bytes".to_owned()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring() -> Keyring {
        Keyring::new(vec![
            (1, KeyPurpose::Data, Zeroizing::new([1; 32]), false),
            (2, KeyPurpose::BlindIndex, Zeroizing::new([2; 32]), false),
            (3, KeyPurpose::AuditChain, Zeroizing::new([3; 32]), false),
        ])
        .unwrap()
    }

    #[test]
    fn ciphertexts_round_trip_and_are_bound_to_their_place() {
        let keys = keyring();
        let sealed = keys.encrypt(b"ada@example.com", "requests.subject_ct/A").unwrap();
        assert_eq!(key_id_of(&sealed), Some(1));
        assert_eq!(
            keys.decrypt(&sealed, "requests.subject_ct/A").unwrap().as_slice(),
            b"ada@example.com"
        );
        let moved = keys.decrypt(&sealed, "requests.subject_ct/B").unwrap_err().to_string();
        assert!(moved.contains("requests.subject_ct does not decrypt"), "{moved}");
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(keys.decrypt(&flipped, "requests.subject_ct/A").is_err());
        assert!(keys.decrypt(b"short", "requests.subject_ct/A").is_err());
    }

    #[test]
    fn the_same_plaintext_encrypts_differently_each_time() {
        let keys = keyring();
        assert_ne!(keys.encrypt(b"x", "t.c/1").unwrap(), keys.encrypt(b"x", "t.c/1").unwrap());
    }

    #[test]
    fn master_keys_parse_from_base64_or_hex_and_say_how_to_make_one() {
        let key = MasterKey::generate().unwrap();
        let text = key.to_base64();
        let again = MasterKey::parse(&format!("  {}\n", text.as_str())).unwrap();
        assert!(again.matches_check(&key.make_check().unwrap()));
        let hex = "00".repeat(32);
        assert!(MasterKey::parse(&hex).is_ok());
        let error = MasterKey::parse("not a key").unwrap_err().to_string();
        assert!(error.contains("ombud keys generate"), "{error}");
        assert_eq!(format!("{key:?}"), "MasterKey([redacted])");
        let other = MasterKey::generate().unwrap();
        assert!(!other.matches_check(&key.make_check().unwrap()));
    }

    #[test]
    fn wrapped_keys_unwrap_only_with_their_master_and_id() {
        let master = MasterKey::generate().unwrap();
        let wrapped = master.wrap(7, &[9; 32]).unwrap();
        assert_eq!(*master.unwrap_key(7, &wrapped).unwrap(), [9; 32]);
        assert!(master.unwrap_key(8, &wrapped).is_err());
        assert!(MasterKey::generate().unwrap().unwrap_key(7, &wrapped).is_err());
    }

    #[test]
    fn blind_indexes_are_stable_keyed_and_separate_by_kind() {
        let keys = keyring();
        let a = keys.blind_index("email", "ada@example.com");
        assert_eq!(a, keys.blind_index("email", "ada@example.com"));
        assert_ne!(a, keys.blind_index("phone", "ada@example.com"));
        assert_eq!(a.len(), 32);
        assert!(!format!("{keys:?}").contains("2, 2, 2"));
    }
}

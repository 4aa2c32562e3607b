//! Account re-authentication by a signed assertion from the company's own login
//! (R-048, 11 CCR §7061): the person signs in on the company's site, which hands ombud
//! a short-lived token saying "this account, this email, just now".
//!
//! The token (documented with an example in `docs/verification.md`):
//!
//! ```text
//! ombud1.<base64url(payload)>.<base64url(signature)>
//! payload   = {"aud":"ombud","sub":"<account id>","email":"<email>","iat":<unix s>,"exp":<unix s>,"jti":"<unique id>"}
//! signature = HMAC-SHA256(shared secret, "ombud1." + base64url(payload))      -- key "hmac-sha256:<base64 secret>"
//!           | Ed25519(company's private key, "ombud1." + base64url(payload))  -- key "ed25519:<base64 public key>"
//! ```
//!
//! A token is accepted only if the signature verifies, `aud` is `ombud`, it is not
//! expired, it was issued at most `ASSERTION_AGE_MS_MAX` ago ("immediately before"), it
//! lives at most ten minutes, and its `jti` was never used before (the caller records it).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, VerifyingKey};
use hmac::{Hmac, KeyInit as _, Mac as _};
use jiff::Timestamp;
use ombud_core::limits;
use serde::Deserialize;
use sha2::Sha256;

use crate::AppError;

const PREFIX: &str = "ombud1.";
/// The longest life a token may claim: it proves a sign-in that just happened.
const ASSERTION_LIFETIME_MS_MAX: i64 = 10 * 60 * 1000;
/// How far ahead of ombud's clock a token's `iat` may be (clock skew between servers).
const CLOCK_SKEW_MS_MAX: i64 = 60 * 1000;

/// The key that checks tokens.
#[derive(Clone)]
pub enum AccountKey {
    /// A secret shared with the company's login.
    Hmac(Vec<u8>),
    /// The company login's Ed25519 public key.
    Ed25519(VerifyingKey),
}

impl fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountKey::Hmac(_) => f.write_str("AccountKey::Hmac([redacted])"),
            AccountKey::Ed25519(_) => f.write_str("AccountKey::Ed25519"),
        }
    }
}

impl AccountKey {
    /// Parses `hmac-sha256:<base64 secret of 32+ bytes>` or `ed25519:<base64 public key>`.
    pub fn parse(text: &str) -> Result<AccountKey, AppError> {
        let text = text.trim();
        if let Some(secret) = text.strip_prefix("hmac-sha256:") {
            let bytes = STANDARD.decode(secret).map_err(|_| {
                AppError::Invalid("the account key's secret is not base64".to_owned())
            })?;
            if bytes.len() < 32 {
                return Err(AppError::Invalid(
                    "an hmac-sha256 account key needs at least 32 bytes of secret".to_owned(),
                ));
            }
            return Ok(AccountKey::Hmac(bytes));
        }
        if let Some(public) = text.strip_prefix("ed25519:") {
            let bytes = STANDARD.decode(public).map_err(|_| {
                AppError::Invalid("the account key's public key is not base64".to_owned())
            })?;
            let array: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| AppError::Invalid("an ed25519 public key is 32 bytes".to_owned()))?;
            let key = VerifyingKey::from_bytes(&array).map_err(|_| {
                AppError::Invalid("the ed25519 public key is not a valid curve point".to_owned())
            })?;
            return Ok(AccountKey::Ed25519(key));
        }
        Err(AppError::Invalid(
            "an account key is `hmac-sha256:<base64 secret>` or `ed25519:<base64 public key>`"
                .to_owned(),
        ))
    }
}

/// What a valid token says.
#[derive(Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The account id.
    pub account_id: String,
    /// The account's email address.
    pub email: Option<String>,
    /// The token's unique id (recorded so it cannot be used twice).
    pub token_id: String,
}

impl fmt::Debug for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Assertion {{ token_id: {:?}, .. }}", self.token_id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    aud: String,
    sub: String,
    #[serde(default)]
    email: Option<String>,
    iat: i64,
    exp: i64,
    jti: String,
}

fn refuse(message: &str) -> AppError {
    AppError::Forbidden(format!("the account assertion is not accepted: {message}"))
}

/// Checks a token at `now`.
pub fn verify(token: &str, key: &AccountKey, now: Timestamp) -> Result<Assertion, AppError> {
    if token.len() > limits::ASSERTION_BYTES_MAX {
        return Err(refuse(&format!("it is longer than {} bytes", limits::ASSERTION_BYTES_MAX)));
    }
    let rest = token
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| refuse("it does not start with `ombud1.`"))?;
    let (payload_b64, signature_b64) =
        rest.split_once('.').ok_or_else(|| refuse("it has no signature part"))?;
    let signed = &token.trim()[..PREFIX.len() + payload_b64.len()];
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| refuse("the signature is not base64url"))?;
    let valid = match key {
        AccountKey::Hmac(secret) => {
            let mut mac = <Hmac<Sha256>>::new_from_slice(secret)
                .map_err(|_| refuse("the key is unusable"))?;
            mac.update(signed.as_bytes());
            mac.verify_slice(&signature).is_ok()
        }
        AccountKey::Ed25519(public) => {
            let array: [u8; 64] = signature
                .as_slice()
                .try_into()
                .map_err(|_| refuse("an Ed25519 signature is 64 bytes"))?;
            public.verify_strict(signed.as_bytes(), &Signature::from_bytes(&array)).is_ok()
        }
    };
    if !valid {
        return Err(refuse("the signature does not verify with the configured key"));
    }
    let payload =
        URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| refuse("the payload is not base64url"))?;
    let payload: Payload = serde_json::from_slice(&payload)
        .map_err(|_| refuse("the payload is not the expected JSON"))?;
    if payload.aud != "ombud" {
        return Err(refuse("its audience is not `ombud`"));
    }
    let now_ms = now.as_millisecond();
    let (iat_ms, exp_ms) = (payload.iat.saturating_mul(1000), payload.exp.saturating_mul(1000));
    if exp_ms <= now_ms {
        return Err(refuse("it has expired; sign in again"));
    }
    if iat_ms > now_ms.saturating_add(CLOCK_SKEW_MS_MAX) {
        return Err(refuse("it was issued in the future; check the clocks of both servers"));
    }
    if now_ms.saturating_sub(iat_ms) > limits::ASSERTION_AGE_MS_MAX {
        return Err(refuse(
            "the sign-in is too old; the law asks for re-authentication immediately before (11 CCR §7061)",
        ));
    }
    if exp_ms.saturating_sub(iat_ms) > ASSERTION_LIFETIME_MS_MAX {
        return Err(refuse("it claims a lifetime longer than ten minutes"));
    }
    if payload.jti.is_empty()
        || payload.jti.len() > 128
        || payload.sub.is_empty()
        || payload.sub.len() > limits::IDENTITY_VALUE_BYTES_MAX
    {
        return Err(refuse("its `jti` or `sub` is empty or too long"));
    }
    Ok(Assertion { account_id: payload.sub, email: payload.email, token_id: payload.jti })
}

/// Makes a token (for tests, examples and companies that want a reference).
pub fn sign_hmac(secret: &[u8], payload_json: &str) -> String {
    let signed = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(payload_json));
    let mut mac = match <Hmac<Sha256>>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return signed,
    };
    mac.update(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> Timestamp {
        Timestamp::from_second(1_795_626_000).unwrap()
    }

    fn payload(iat: i64, exp: i64) -> String {
        format!(
            r#"{{"aud":"ombud","sub":"acct-42","email":"ada@example.com","iat":{iat},"exp":{exp},"jti":"t-1"}}"#
        )
    }

    #[test]
    fn a_fresh_hmac_token_verifies() {
        let key = AccountKey::Hmac(SECRET.to_vec());
        let token = sign_hmac(SECRET, &payload(1_795_625_990, 1_795_626_100));
        let assertion = verify(&token, &key, now()).unwrap();
        assert_eq!(assertion.account_id, "acct-42");
        assert_eq!(assertion.token_id, "t-1");
        assert!(!format!("{assertion:?}").contains("ada@"));
    }

    #[test]
    fn an_ed25519_token_verifies_and_a_forged_one_does_not() {
        use ed25519_dalek::{Signer as _, SigningKey};
        let signing = SigningKey::from_bytes(&[7; 32]);
        let key = AccountKey::parse(&format!(
            "ed25519:{}",
            STANDARD.encode(signing.verifying_key().to_bytes())
        ))
        .unwrap();
        let signed =
            format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(payload(1_795_625_990, 1_795_626_100)));
        let signature = signing.sign(signed.as_bytes());
        let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        assert!(verify(&token, &key, now()).is_ok());
        let forged = format!("{}.{}", &token[..token.len() - 3], "AAA");
        assert!(verify(&forged, &key, now()).is_err());
    }

    #[test]
    fn stale_expired_foreign_or_tampered_tokens_are_refused() {
        let key = AccountKey::Hmac(SECRET.to_vec());
        let check = |token: String| verify(&token, &key, now()).unwrap_err().to_string();
        assert!(
            check(sign_hmac(SECRET, &payload(1_795_625_000, 1_795_625_500))).contains("expired")
        );
        assert!(
            check(sign_hmac(SECRET, &payload(1_795_625_000, 1_795_626_100))).contains("too old")
        );
        assert!(
            check(sign_hmac(SECRET, &payload(1_795_626_500, 1_795_626_600))).contains("future")
        );
        assert!(
            check(sign_hmac(SECRET, &payload(1_795_625_990, 1_795_629_000)))
                .contains("ten minutes")
        );
        assert!(
            check(sign_hmac(
                b"another secret of thirty-two byte",
                &payload(1_795_625_990, 1_795_626_100)
            ))
            .contains("does not verify")
        );
        let other_audience = payload(1_795_625_990, 1_795_626_100).replace("\"ombud\"", "\"shop\"");
        assert!(check(sign_hmac(SECRET, &other_audience)).contains("audience"));
        assert!(check("x".repeat(limits::ASSERTION_BYTES_MAX + 1)).contains("longer"));
        assert!(check("ombud1.only".to_owned()).contains("no signature"));
    }

    #[test]
    fn keys_parse_with_clear_errors() {
        assert!(AccountKey::parse(&format!("hmac-sha256:{}", STANDARD.encode(SECRET))).is_ok());
        assert!(
            AccountKey::parse("hmac-sha256:c2hvcnQ=").unwrap_err().to_string().contains("32 bytes")
        );
        assert!(AccountKey::parse("rsa:abc").unwrap_err().to_string().contains("hmac-sha256"));
        assert_eq!(
            format!("{:?}", AccountKey::Hmac(SECRET.to_vec())),
            "AccountKey::Hmac([redacted])"
        );
    }
}

//! Fuzz target: what strangers send to the privacy center's signal and unsubscribe
//! endpoints — `Sec-GPC` and `DNT` header values, one-click POST bodies, unsubscribe
//! tokens. None may panic; only a token this key made verifies, and it says exactly
//! what it was made for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ombud_policy::gpc::{do_not_track, gpc_signal};
use ombud_policy::unsubscribe::{UnsubscribeKey, is_one_click_request, token, verify};

fuzz_target!(|bytes: &[u8]| {
    let key = UnsubscribeKey::from_bytes([7; 32]);
    let text = String::from_utf8_lossy(bytes);
    let _ = gpc_signal([("Sec-GPC", text.as_ref())]);
    let _ = do_not_track([("DNT", text.as_ref())]);
    let _ = is_one_click_request(Some("application/x-www-form-urlencoded"), bytes);
    let _ = is_one_click_request(Some(text.as_ref()), bytes);
    // An arbitrary string is not a token of this key, unless it is one (then it says
    // what it says, and re-issuing that gives a token that verifies the same way).
    if let Ok(claim) = verify(&key, &text, 1_800_000_000) {
        let again = token(&key, &claim.list_id, &claim.subscriber_id, claim.issued_at_s).unwrap();
        assert_eq!(verify(&key, &again, 1_800_000_000).unwrap(), claim);
    }
    // A token made for arbitrary ids verifies to exactly them.
    let middle = (0..=text.len() / 2).rev().find(|&at| text.is_char_boundary(at)).unwrap_or(0);
    let (list, subscriber) = text.split_at(middle);
    if let Ok(made) = token(&key, list, subscriber, 1_800_000_000) {
        let claim = verify(&key, &made, 1_800_000_000).unwrap();
        assert_eq!((claim.list_id.as_str(), claim.subscriber_id.as_str()), (list, subscriber));
        let other = UnsubscribeKey::from_bytes([8; 32]);
        assert!(verify(&other, &made, 1_800_000_000).is_err());
    }
});

//! Keys: a wrong master key is refused clearly; rotations keep every value readable and
//! every request findable.

use ombud_core::sensitive::Sensitive;
use ombud_core::{IdentityKind, Law, RequestType};
use ombud_store::crypto::KeyPurpose;
use ombud_store::{MasterKey, Store, keys};
use ombud_testkit::store_test;

use crate::fixtures::{record, subject};

store_test!(a_wrong_master_key_is_named_as_such, |t| async move {
    let wrong = MasterKey::generate().unwrap();
    let error = Store::open(&t.url, &wrong).await.unwrap_err().to_string();
    assert!(error.contains("not the one the store was created with"), "{error}");
    let error = Store::migrate(&t.url, &wrong, 1).await.unwrap_err().to_string();
    assert!(error.contains("not the one the store was created with"), "{error}");
    // Migrating again with the right key changes nothing.
    assert_eq!(Store::migrate(&t.url, &t.master, 1).await.unwrap(), Vec::<String>::new());
    assert_eq!(keys::list(&t.store).await.unwrap().len(), 3);
});

store_test!(rotations_keep_every_value_readable_and_findable, |t| async move {
    let first = record(1, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&first, &subject("ada@example.com"), 1).await.unwrap();
    tx.enqueue_email(
        ombud_core::id::Id::from_parts(5, 5),
        Some(first.request.id),
        "acknowledgement",
        b"message body",
        1,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // A new master key: the store opens with it, not with the old one.
    let new_master = MasterKey::generate().unwrap();
    assert_eq!(keys::rotate_master(&t.store, &t.master, &new_master).await.unwrap(), 3);
    assert!(Store::open(&t.url, &t.master).await.is_err());
    let store = Store::open(&t.url, &new_master).await.unwrap();

    // A new data key: everything is re-encrypted and the old key retired.
    let rotation = keys::rotate_data_key(&store, &new_master, 2, false).await.unwrap();
    assert_eq!(rotation.reencrypted, 2);
    assert_eq!(rotation.retired.len(), 1);
    let store = Store::open(&t.url, &new_master).await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.subject(first.request.id).await.unwrap(), subject("ada@example.com"));
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let pending = tx.claim_emails(10, 60_000, 10).await.unwrap();
    assert_eq!(pending[0].1.as_slice(), b"message body");
    drop(tx);
    let listed = keys::list(&store).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .filter(|k| k.purpose == KeyPurpose::Data && k.retired_at_ms.is_none())
            .count(),
        1
    );

    // A second rotation that destroys the retired keys.
    let rotation = keys::rotate_data_key(&store, &new_master, 3, true).await.unwrap();
    assert_eq!(rotation.destroyed.len(), 2);
    let store = Store::open(&t.url, &new_master).await.unwrap();
    assert_eq!(
        keys::list(&store).await.unwrap().iter().filter(|k| k.purpose == KeyPurpose::Data).count(),
        1
    );

    // A new blind-index key: requests are still found by email.
    assert_eq!(keys::rotate_blind_index(&store, &new_master, 4).await.unwrap(), 1);
    let store = Store::open(&t.url, &new_master).await.unwrap();
    let mut tx = store.read().await.unwrap();
    let found = tx
        .find_requests(IdentityKind::Email, &Sensitive::new("ada@example.com".to_owned()))
        .await
        .unwrap();
    assert_eq!(found, vec![first.request.id]);
});

//! Fulfilment evidence: erasure receipts (pending, then committed), tombstones,
//! encrypted access packages with their purge, and download links.

use ombud_core::id::Id;
use ombud_core::sensitive::Sensitive;
use ombud_core::{Law, RequestType};
use ombud_store::fulfilment::PackageInfo;
use ombud_testkit::store_test;

use crate::fixtures::{record, subject};

store_test!(a_receipt_is_pending_until_committed_and_then_never_replaced, |t| async move {
    let request = record(1, Law::Ccpa, RequestType::Delete, "2026-11-25T17:00:00Z");
    let id = request.request.id;
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    tx.write_pending_receipt(id, "shop", r#"{"tables":[]}"#, 3, 10).await.unwrap();
    // A retry before the commit replaces the pending receipt.
    tx.write_pending_receipt(id, "shop", r#"{"tables":[1]}"#, 4, 11).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.store.begin().await.unwrap();
    let receipts = tx.receipts(id).await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert!(!receipts[0].committed);
    assert_eq!(receipts[0].rows_touched, 4);
    assert!(tx.commit_receipt(id, "shop", 20).await.unwrap());
    assert!(!tx.commit_receipt(id, "shop", 21).await.unwrap(), "committed once");
    // A committed receipt is evidence: a later pending write does not touch it.
    tx.write_pending_receipt(id, "shop", r#"{"tables":[2]}"#, 0, 30).await.unwrap();
    let receipts = tx.receipts(id).await.unwrap();
    assert!(receipts[0].committed);
    assert_eq!(receipts[0].committed_at_ms, Some(20));
    assert_eq!(receipts[0].rows_touched, 4);
    assert_eq!(receipts[0].receipt_json, r#"{"tables":[1]}"#);
    tx.commit().await.unwrap();
});

store_test!(tombstones_are_encrypted_and_paged_in_id_order, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    for n in 0..5u64 {
        let request =
            record(u128::from(n) + 1, Law::Ccpa, RequestType::Delete, "2026-11-25T17:00:00Z");
        tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
        let identity = Sensitive::new(format!("person{n}@example.com"));
        let tomb = Id::from_parts(100 + n, u128::from(n));
        tx.add_tombstone(tomb, request.request.id, "email", &identity, "shop", 5).await.unwrap();
        // Once per request and kind.
        tx.add_tombstone(
            Id::from_parts(200 + n, u128::from(n)),
            request.request.id,
            "email",
            &identity,
            "shop",
            6,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.store.read().await.unwrap();
    let first = tx.tombstones_after(None, 3).await.unwrap();
    assert_eq!(first.len(), 3);
    let rest = tx.tombstones_after(Some(first[2].id), 3).await.unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(rest[1].identity.expose(), "person4@example.com");
    assert_eq!(rest[1].systems, "shop");
});

store_test!(packages_are_encrypted_purged_on_time_and_opened_only_by_live_links, |t| async move {
    let request = record(1, Law::Ccpa, RequestType::Access, "2026-11-25T17:00:00Z");
    let info = PackageInfo {
        id: Id::from_parts(50, 1),
        request_id: request.request.id,
        kind: "access".into(),
        size_bytes: 11,
        sha256_hex: "00".repeat(32),
        rows_included: 2,
        created_at_ms: 100,
        purge_at_ms: 1_000,
        purged_at_ms: None,
    };
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    tx.add_package(&info, b"zip content").await.unwrap();
    tx.add_package_link(b"token-1", info.id, info.request_id, 100, 500).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.store.begin().await.unwrap();
    assert_eq!(tx.packages(request.request.id).await.unwrap(), vec![info.clone()]);
    assert_eq!(
        tx.use_package_link(b"token-1", 499).await.unwrap(),
        Some((info.id, info.request_id))
    );
    assert_eq!(tx.use_package_link(b"token-2", 499).await.unwrap(), None, "unknown token");
    assert_eq!(tx.use_package_link(b"token-1", 500).await.unwrap(), None, "expired");
    let (_, content) = tx.package_content(info.id).await.unwrap();
    assert_eq!(content.unwrap().as_slice(), b"zip content");
    assert_eq!(tx.purge_packages(999).await.unwrap(), 0);
    assert_eq!(tx.purge_packages(1_000).await.unwrap(), 1);
    let (purged, content) = tx.package_content(info.id).await.unwrap();
    assert!(content.is_none());
    assert_eq!(purged.purged_at_ms, Some(1_000));
    tx.commit().await.unwrap();
});

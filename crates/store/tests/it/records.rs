//! Emails queued in the transactional outbox, verification codes, used assertions and
//! documents.

use ombud_core::id::Id;
use ombud_core::{Law, RequestType};
use ombud_store::StoreError;
use ombud_store::documents::DocumentInfo;
use ombud_store::emails::EMAIL_ATTEMPTS_MAX;
use ombud_store::verification::CodeActivity;
use ombud_testkit::store_test;

use crate::fixtures::{record, subject};

store_test!(queued_emails_are_claimed_once_and_fail_after_their_attempts, |t| async move {
    let request = record(1, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
    let (first, second) = (Id::from_parts(10, 1), Id::from_parts(11, 2));
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    tx.enqueue_email(first, Some(request.request.id), "acknowledgement", b"to ada", 10)
        .await
        .unwrap();
    tx.enqueue_email(second, Some(request.request.id), "verification_code", b"code 123456", 11)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.store.begin().await.unwrap();
    let claimed = tx.claim_emails(100, 60_000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|(e, _)| e.id).collect::<Vec<_>>(), vec![first, second]);
    assert_eq!(claimed[1].1.as_slice(), b"code 123456");
    assert!(claimed.iter().all(|(e, _)| e.status == "sending"));
    // A second claimer within the lease gets nothing: no message is sent twice.
    assert!(tx.claim_emails(200, 60_000, 10).await.unwrap().is_empty());
    tx.mark_email_sent(first, 20).await.unwrap();
    tx.mark_email_attempt_failed(second, "connection refused by the relay").await.unwrap();
    tx.commit().await.unwrap();
    // The failed one is pending again; after its attempts run out it is failed.
    let mut tried_at = 100;
    for attempt in 1..EMAIL_ATTEMPTS_MAX {
        let mut tx = t.store.begin().await.unwrap();
        // A failed message waits out the lease (60 s here) before it is tried again.
        assert!(tx.claim_emails(tried_at + 59_000, 60_000, 10).await.unwrap().is_empty());
        tried_at += 61_000;
        let claimed = tx.claim_emails(tried_at, 60_000, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        tx.mark_email_attempt_failed(second, "connection refused by the relay").await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = t.store.begin().await.unwrap();
    assert!(tx.claim_emails(60_000_000, 60_000, 10).await.unwrap().is_empty(), "failed for good");
    let all = tx.emails_for_request(request.request.id).await.unwrap();
    assert_eq!(all[0].status, "sent");
    assert_eq!(all[0].sent_at_ms, Some(20));
    assert_eq!(all[1].status, "failed");
    assert_eq!(all[1].attempts, EMAIL_ATTEMPTS_MAX);
    assert_eq!(all[1].last_error.as_deref(), Some("connection refused by the relay"));
});

store_test!(a_claim_abandoned_by_a_dead_process_is_taken_again_after_the_lease, |t| async move {
    let request = record(5, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
    let email = Id::from_parts(12, 3);
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    tx.enqueue_email(email, Some(request.request.id), "acknowledgement", b"to ada", 10)
        .await
        .unwrap();
    assert_eq!(tx.claim_emails(100, 60_000, 10).await.unwrap().len(), 1);
    assert!(tx.claim_emails(100 + 59_999, 60_000, 10).await.unwrap().is_empty());
    assert_eq!(tx.claim_emails(100 + 60_001, 60_000, 10).await.unwrap().len(), 1);
    tx.commit().await.unwrap();
});

store_test!(concurrent_deliverers_never_claim_the_same_message, |t| async move {
    let request = record(6, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    for n in 0..60u128 {
        tx.enqueue_email(
            Id::from_parts(20, n),
            Some(request.request.id),
            "acknowledgement",
            b"to ada",
            10,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let store = t.reopen().await;
        tasks.push(tokio::spawn(async move {
            let mut claimed = Vec::new();
            loop {
                let mut tx = store.begin().await.unwrap();
                let batch = tx.claim_emails(100 + worker, 60_000, 7).await.unwrap();
                tx.commit().await.unwrap();
                if batch.is_empty() {
                    break claimed;
                }
                claimed.extend(batch.into_iter().map(|(e, _)| e.id));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    let claimed = all.len();
    all.dedup();
    assert_eq!((claimed, all.len()), (60, 60), "every message claimed exactly once");
});

store_test!(codes_are_counted_per_address_across_requests_r045, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    let (ada, grace) = (b"bidx-ada".to_vec(), b"bidx-grace".to_vec());
    for at in [100, 200, 300] {
        tx.record_code_activity(&ada, CodeActivity::Sent, at).await.unwrap();
    }
    tx.record_code_activity(&ada, CodeActivity::Failed, 250).await.unwrap();
    tx.record_code_activity(&grace, CodeActivity::Sent, 250).await.unwrap();
    assert_eq!(tx.code_activity(&ada, CodeActivity::Sent, 150).await.unwrap(), 2);
    assert_eq!(tx.code_activity(&ada, CodeActivity::Failed, 0).await.unwrap(), 1);
    assert_eq!(tx.code_activity(&grace, CodeActivity::Sent, 0).await.unwrap(), 1);
    tx.commit().await.unwrap();
});

store_test!(a_new_code_voids_the_old_one_and_counts_its_own_attempts, |t| async move {
    let request = record(2, Law::Gdpr, RequestType::Access, "2026-11-25T17:00:00Z");
    let id = request.request.id;
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    assert_eq!(tx.code(id).await.unwrap(), None);
    tx.store_code(id, b"mac-one", 100, 200).await.unwrap();
    tx.record_code_failure(id).await.unwrap();
    tx.record_code_failure(id).await.unwrap();
    assert_eq!(tx.code(id).await.unwrap().unwrap().attempts, 2);
    tx.store_code(id, b"mac-two", 300, 400).await.unwrap();
    let code = tx.code(id).await.unwrap().unwrap();
    assert_eq!(
        (code.code_mac.as_slice(), code.attempts, code.expires_at_ms, code.consumed_at_ms),
        (&b"mac-two"[..], 0, 400, None)
    );
    tx.consume_code(id, 350).await.unwrap();
    assert_eq!(tx.code(id).await.unwrap().unwrap().consumed_at_ms, Some(350));
    tx.commit().await.unwrap();
});

store_test!(an_account_assertion_cannot_be_used_twice, |t| async move {
    let request = record(3, Law::Ccpa, RequestType::Access, "2026-11-25T17:00:00Z");
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    tx.use_assertion("jti-1", request.request.id, 5).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.store.begin().await.unwrap();
    let error = tx.use_assertion("jti-1", request.request.id, 6).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert!(error.to_string().contains("already used"));
});

store_test!(documents_are_stored_encrypted_and_listed_without_content, |t| async move {
    let request = record(4, Law::Ccpa, RequestType::Delete, "2026-11-25T17:00:00Z");
    let document = DocumentInfo {
        id: Id::from_parts(20, 4),
        request_id: request.request.id,
        kind: "signed_permission".to_owned(),
        content_type: "application/pdf".to_owned(),
        size_bytes: 9,
        created_at_ms: 20,
    };
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&request, &subject("ada@example.com"), 1).await.unwrap();
    tx.add_document(&document, b"%PDF-ada!").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.store.read().await.unwrap();
    assert_eq!(tx.documents(request.request.id).await.unwrap(), vec![document.clone()]);
    assert_eq!(tx.document_content(document.id).await.unwrap().as_slice(), b"%PDF-ada!");
    assert!(matches!(
        tx.document_content(Id::from_parts(1, 1)).await,
        Err(StoreError::NotFound { .. })
    ));
});

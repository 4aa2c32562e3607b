//! Emails queued in the transactional outbox, verification codes, used assertions and
//! documents.

use ombud_core::id::Id;
use ombud_core::{Law, RequestType};
use ombud_store::StoreError;
use ombud_store::documents::DocumentInfo;
use ombud_store::emails::EMAIL_ATTEMPTS_MAX;
use ombud_testkit::store_test;

use crate::fixtures::{record, subject};

store_test!(queued_emails_are_delivered_once_and_fail_after_their_attempts, |t| async move {
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
    let pending = tx.pending_emails(10).await.unwrap();
    assert_eq!(pending.iter().map(|(e, _)| e.id).collect::<Vec<_>>(), vec![first, second]);
    assert_eq!(pending[1].1.as_slice(), b"code 123456");
    tx.mark_email_sent(first, 20).await.unwrap();
    for _ in 0..EMAIL_ATTEMPTS_MAX {
        tx.mark_email_attempt_failed(second, "connection refused by the relay").await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.store.read().await.unwrap();
    assert!(tx.pending_emails(10).await.unwrap().is_empty());
    let all = tx.emails_for_request(request.request.id).await.unwrap();
    assert_eq!(all[0].status, "sent");
    assert_eq!(all[0].sent_at_ms, Some(20));
    assert_eq!(all[1].status, "failed");
    assert_eq!(all[1].attempts, EMAIL_ATTEMPTS_MAX);
    assert_eq!(all[1].last_error.as_deref(), Some("connection refused by the relay"));
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

//! Requests in the store: round trips, optimistic versions, listing in deadline order,
//! finding by email through the blind index, encryption at rest.

use ombud_core::id::Id;
use ombud_core::request::{DenialBasis, DenialReason, Event, Status, transition};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::Level;
use ombud_core::{
    CcpaDeletionException, IdentityKind, Law, RequestType, RetentionReason, VerificationMethod,
};
use ombud_store::StoreError;
use ombud_store::requests::Filter;
use ombud_testkit::store_test;

use crate::fixtures::{at, calendars, record, subject};

store_test!(a_request_round_trips_with_every_field, |t| async move {
    let mut original = record(1, Law::Ccpa, RequestType::Delete, "2026-11-25T17:00:00Z");
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&original, &subject("ada@example.com"), 1).await.unwrap();
    tx.commit().await.unwrap();

    // Move it through verification, an extension and a partial completion, so every
    // mutable column is written.
    let now = at("2026-11-30T17:00:00Z");
    for event in [
        Event::Verified { level: Level::Reasonable, directly: true },
        Event::Acknowledged,
        Event::Started,
        Event::Extended {
            reason: Sensitive::new("The archives of the Example City store".to_owned()),
        },
        Event::Completed {
            reasons: vec![DenialReason {
                basis: DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D8)),
                explanation: Some(Sensitive::new("Tax records of Ada's orders".to_owned())),
            }],
        },
    ] {
        let (next, _) = transition(&original.request, event, now, &calendars()).unwrap();
        original.request = next;
        original.evidence.email_confirmed = true;
        original.evidence.data_points_matched = 1;
        original.verification_method = Some(VerificationMethod::EmailCode);
        original.code_sends = 2;
        let mut tx = t.store.begin().await.unwrap();
        original.version = tx.update_request(&original, 2).await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = t.store.read().await.unwrap();
    let read = tx.request(original.request.id).await.unwrap();
    let mut expected = original.clone();
    expected.updated_at_ms = 2;
    expected.created_at_ms = 1;
    assert_eq!(read, expected);
    assert_eq!(read.request.status, Status::PartiallyCompleted);
    assert_eq!(read.version, 6);
    assert_eq!(tx.subject(original.request.id).await.unwrap(), subject("ada@example.com"));
});

store_test!(a_stale_version_is_a_conflict_not_an_overwrite, |t| async move {
    let original = record(2, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
    let mut tx = t.store.begin().await.unwrap();
    tx.insert_request(&original, &subject("ada@example.com"), 1).await.unwrap();
    tx.commit().await.unwrap();
    let mut first = original.clone();
    first.request.status = Status::Verifying;
    let mut tx = t.store.begin().await.unwrap();
    tx.update_request(&first, 2).await.unwrap();
    tx.commit().await.unwrap();
    // A second writer that read version 1 too.
    let mut tx = t.store.begin().await.unwrap();
    let error = tx.update_request(&original, 3).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert!(error.to_string().contains("changed since it was read"));
});

store_test!(a_missing_request_is_not_found, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    let error = tx.request_for_update(Id::from_parts(1, 1)).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound { what: "request", .. }), "{error}");
});

store_test!(the_queue_lists_nearest_deadline_first_and_filters, |t| async move {
    // An opt-out (15 business days), a CCPA delete owed an acknowledgement in 10
    // business days, and a GDPR access request (one month), all received the same day.
    let opt_out = record(3, Law::Ccpa, RequestType::OptOutSaleShare, "2026-11-25T17:00:00Z");
    let delete = record(4, Law::Ccpa, RequestType::Delete, "2026-11-25T17:00:00Z");
    let access = record(5, Law::Gdpr, RequestType::Access, "2026-11-25T17:00:00Z");
    let mut closed = record(6, Law::Ccpa, RequestType::Know, "2026-11-20T17:00:00Z");
    closed.request.status = Status::Cancelled;
    closed.request.closed_at = Some(at("2026-11-21T17:00:00Z"));
    let mut tx = t.store.begin().await.unwrap();
    for (r, email) in [
        (&opt_out, "a@example.com"),
        (&delete, "b@example.com"),
        (&access, "c@example.com"),
        (&closed, "d@example.com"),
    ] {
        tx.insert_request(r, &subject(email), 1).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.store.read().await.unwrap();
    let open = tx.list_requests(&Filter { open: Some(true), ..Filter::default() }).await.unwrap();
    let ids: Vec<Id> = open.iter().map(|r| r.request.id).collect();
    // 11 Dec (the delete's acknowledgement) < 18 Dec (the opt-out) < 25 Dec (the GDPR
    // month; the fixture's EU calendar has weekends only, and the 25th is a Friday).
    assert_eq!(ids, vec![delete.request.id, opt_out.request.id, access.request.id]);
    let all = tx.list_requests(&Filter::default()).await.unwrap();
    assert_eq!(all.len(), 4);
    let closed_only =
        tx.list_requests(&Filter { open: Some(false), ..Filter::default() }).await.unwrap();
    assert_eq!(
        closed_only.iter().map(|r| r.request.id).collect::<Vec<_>>(),
        vec![closed.request.id]
    );
    let gdpr =
        tx.list_requests(&Filter { law: Some(Law::Gdpr), ..Filter::default() }).await.unwrap();
    assert_eq!(gdpr.len(), 1);
    let due = tx
        .list_requests(&Filter {
            due_on_or_before: Some("2026-12-11".parse().unwrap()),
            open: Some(true),
            ..Filter::default()
        })
        .await
        .unwrap();
    assert_eq!(due.iter().map(|r| r.request.id).collect::<Vec<_>>(), vec![delete.request.id]);
    let by_type = tx
        .list_requests(&Filter {
            request_type: Some(RequestType::OptOutSaleShare),
            status: Some(Status::Verified),
            ..Filter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_type.len(), 1);
    let limited = tx.list_requests(&Filter { limit: Some(1), ..Filter::default() }).await.unwrap();
    assert_eq!(limited.len(), 1);
    let received = tx
        .requests_received(
            at("2026-11-22T00:00:00Z").as_millisecond(),
            at("2026-11-26T00:00:00Z").as_millisecond(),
            None,
            2,
        )
        .await
        .unwrap();
    assert_eq!(received.len(), 2);
    let last = received.last().unwrap();
    let rest = tx
        .requests_received(
            at("2026-11-22T00:00:00Z").as_millisecond(),
            at("2026-11-26T00:00:00Z").as_millisecond(),
            Some((last.request.received_at.as_millisecond(), last.request.id)),
            2,
        )
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
});

store_test!(
    requests_are_found_by_email_or_phone_without_storing_them_in_the_clear,
    |t| async move {
        let first = record(7, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
        let second = record(8, Law::Ccpa, RequestType::Delete, "2026-11-26T17:00:00Z");
        let other = record(9, Law::Ccpa, RequestType::Delete, "2026-11-26T17:00:00Z");
        let mut tx = t.store.begin().await.unwrap();
        tx.insert_request(&first, &subject("Ada.Example@Example.com"), 1).await.unwrap();
        tx.insert_request(&second, &subject("ada.example@example.com "), 1).await.unwrap();
        tx.insert_request(&other, &subject("grace@example.com"), 1).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = t.store.read().await.unwrap();
        let found = tx
            .find_requests(
                IdentityKind::Email,
                &Sensitive::new("ADA.EXAMPLE@example.com".to_owned()),
            )
            .await
            .unwrap();
        assert_eq!(found, vec![second.request.id, first.request.id]);
        let by_phone = tx
            .find_requests(IdentityKind::Phone, &Sensitive::new("+1 877 555 0142".to_owned()))
            .await
            .unwrap();
        assert_eq!(by_phone.len(), 3);
        drop(tx);
        // At rest: no column of the row holds the email, the name or the phone.
        let raw = raw_request_bytes(&t, first.request.id).await;
        for needle in ["ada.example", "Ada Example", "555-0142", "Sample Street", "Tax records"] {
            assert!(
                !raw.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes())),
                "{needle} stored in the clear"
            );
        }
    }
);

async fn raw_request_bytes(t: &ombud_testkit::TestStore, id: Id) -> Vec<u8> {
    use sqlx::Row as _;
    let sql = "SELECT subject_ct, email_bidx, phone_bidx, id, status FROM requests WHERE id = $1";
    match &t.url {
        ombud_store::StoreUrl::Sqlite { path } => {
            let pool =
                sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            let row = sqlx::query(sql).bind(id.to_string()).fetch_one(&pool).await.unwrap();
            let mut bytes: Vec<u8> = row.get::<Vec<u8>, _>(0);
            bytes.extend(row.get::<Vec<u8>, _>(1));
            bytes
        }
        ombud_store::StoreUrl::Postgres { url } => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let row = sqlx::query(sql).bind(id.to_string()).fetch_one(&pool).await.unwrap();
            let mut bytes: Vec<u8> = row.get::<Vec<u8>, _>(0);
            bytes.extend(row.get::<Vec<u8>, _>(1));
            bytes
        }
    }
}

store_test!(a_transaction_dropped_without_commit_writes_nothing, |t| async move {
    let original = record(10, Law::Ccpa, RequestType::Know, "2026-11-25T17:00:00Z");
    {
        let mut tx = t.store.begin().await.unwrap();
        tx.insert_request(&original, &subject("ada@example.com"), 1).await.unwrap();
    }
    let mut tx = t.store.read().await.unwrap();
    assert!(tx.request(original.request.id).await.is_err());
});

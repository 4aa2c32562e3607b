//! The audit chain in the store: appended in the transaction of the change, gone with a
//! rollback, and every tampering done through SQL around ombud detected by the walk.

use ombud_core::id::Id;
use ombud_store::audit::AuditDraft;
use ombud_testkit::{TestStore, store_test};

async fn append(t: &TestStore, count: u64) {
    let mut tx = t.store.begin().await.unwrap();
    for n in 0..count {
        let payload = format!(r#"{{"n":{n}}}"#);
        tx.append_audit(AuditDraft {
            at_ms: 1_795_626_000_000 + i64::try_from(n).unwrap(),
            actor: "cli",
            action: "request.submitted",
            request_id: Some(Id::from_parts(1, u128::from(n % 3))),
            payload: &payload,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Runs SQL as someone with write access to the database, but without ombud's keys:
/// the append-only triggers are the first thing such a person removes.
async fn tamper(t: &TestStore, statements: &[&str]) {
    match &t.url {
        ombud_store::StoreUrl::Sqlite { path } => {
            let pool =
                sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            sqlx::query("DROP TRIGGER audit_events_no_update").execute(&pool).await.unwrap();
            sqlx::query("DROP TRIGGER audit_events_no_delete").execute(&pool).await.unwrap();
            for statement in statements {
                sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
        ombud_store::StoreUrl::Postgres { url } => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query("DROP TRIGGER audit_events_no_update ON audit_events")
                .execute(&pool)
                .await
                .unwrap();
            for statement in statements {
                sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
    }
}

async fn findings(t: &TestStore) -> Vec<String> {
    let report = t.store.verify_audit(None).await.unwrap();
    report.findings.iter().map(ToString::to_string).collect()
}

store_test!(events_chain_in_order_and_a_rollback_leaves_no_trace, |t| async move {
    append(&t, 5).await;
    {
        let mut tx = t.store.begin().await.unwrap();
        tx.append_audit(AuditDraft {
            at_ms: 1,
            actor: "cli",
            action: "request.denied",
            request_id: None,
            payload: "{}",
        })
        .await
        .unwrap();
        // Dropped: rolled back.
    }
    let report = t.store.verify_audit(None).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.events_checked, 5);
    let mut tx = t.store.read().await.unwrap();
    let head = tx.audit_head().await.unwrap().unwrap();
    assert_eq!(head.seq, 5);
    assert_eq!(report.last_good, Some(head));
    let timeline = tx.timeline(Id::from_parts(1, 1)).await.unwrap();
    assert_eq!(timeline.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 5]);
    // An empty chain is intact too.
    let empty = ombud_testkit::sqlite().await;
    assert!(empty.store.verify_audit(None).await.unwrap().is_intact());
});

store_test!(the_database_refuses_edits_and_deletions_of_events, |t| async move {
    append(&t, 2).await;
    let statement = "UPDATE audit_events SET actor = 'staff:mallory' WHERE seq = 1";
    let refused = match &t.url {
        ombud_store::StoreUrl::Sqlite { path } => {
            let pool =
                sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            sqlx::query(statement).execute(&pool).await.is_err()
                && sqlx::query("DELETE FROM audit_events").execute(&pool).await.is_err()
        }
        ombud_store::StoreUrl::Postgres { url } => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query(statement).execute(&pool).await.is_err()
                && sqlx::query("DELETE FROM audit_events").execute(&pool).await.is_err()
        }
    };
    assert!(refused);
    assert!(t.store.verify_audit(None).await.unwrap().is_intact());
});

store_test!(an_edited_event_is_found, |t| async move {
    append(&t, 6).await;
    tamper(&t, &["UPDATE audit_events SET actor = 'staff:mallory' WHERE seq = 3"]).await;
    let found = findings(&t).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("event 3") && found[0].contains("edited"), "{found:?}");
});

store_test!(a_deleted_event_is_found, |t| async move {
    append(&t, 6).await;
    tamper(&t, &["DELETE FROM audit_events WHERE seq = 4"]).await;
    let found = findings(&t).await;
    assert!(
        !found.is_empty() && found[0].contains('4') && found[0].contains("deleted"),
        "{found:?}"
    );
});

store_test!(deleting_the_last_events_is_found_through_the_head, |t| async move {
    append(&t, 6).await;
    tamper(&t, &["DELETE FROM audit_events WHERE seq >= 5"]).await;
    let found = findings(&t).await;
    assert!(found.iter().any(|f| f.contains("deleted") || f.contains("head")), "{found:?}");
});

store_test!(an_inserted_event_is_found, |t| async move {
    append(&t, 4).await;
    // Renumber to make room after event 2, then insert a forged event 3.
    tamper(&t, &[
        "UPDATE audit_events SET seq = seq + 100 WHERE seq >= 3",
        "UPDATE audit_events SET seq = seq - 99 WHERE seq >= 103",
        "INSERT INTO audit_events (seq, at_ms, actor, action, request_id, payload, prev_hash, hash) \
         SELECT 3, at_ms, 'staff:mallory', 'request.completed', request_id, payload, hash, hash FROM audit_events WHERE seq = 2",
        "UPDATE audit_head SET seq = 5 WHERE id = 1",
    ])
    .await;
    let found = findings(&t).await;
    assert!(!found.is_empty(), "an inserted event went unnoticed");
    assert!(found.iter().any(|f| f.contains("event 3")), "{found:?}");
});

store_test!(reordered_events_are_found, |t| async move {
    append(&t, 5).await;
    tamper(
        &t,
        &[
            "UPDATE audit_events SET seq = 100 WHERE seq = 2",
            "UPDATE audit_events SET seq = 2 WHERE seq = 4",
            "UPDATE audit_events SET seq = 4 WHERE seq = 100",
        ],
    )
    .await;
    let found = findings(&t).await;
    assert!(!found.is_empty(), "swapped events went unnoticed");
    assert!(found.iter().any(|f| f.contains("event 2") || f.contains("event 4")), "{found:?}");
});

store_test!(a_checkpoint_kept_elsewhere_catches_a_rewritten_head, |t| async move {
    append(&t, 6).await;
    let checkpoint = {
        let mut tx = t.store.read().await.unwrap();
        tx.audit_head().await.unwrap().unwrap()
    };
    // Truncate the log and make the head agree with what is left.
    tamper(&t, &[
        "DELETE FROM audit_events WHERE seq >= 5",
        "UPDATE audit_head SET seq = 4, hash = (SELECT hash FROM audit_events WHERE seq = 4) WHERE id = 1",
    ])
    .await;
    assert!(
        t.store.verify_audit(None).await.unwrap().is_intact(),
        "without a checkpoint the truncation is consistent"
    );
    let report = t.store.verify_audit(Some(checkpoint)).await.unwrap();
    assert!(!report.is_intact());
    assert!(report.findings[0].to_string().contains("checkpoint"), "{:?}", report.findings);
});

store_test!(columns_tampered_into_other_types_are_reported_not_fatal, |t| async move {
    append(&t, 5).await;
    let statements: &[&str] = match &t.url {
        // SQLite lets a column hold any type: a blob where text was, a short hash.
        ombud_store::StoreUrl::Sqlite { .. } => &[
            "UPDATE audit_events SET actor = x'ff00fe' WHERE seq = 2",
            "UPDATE audit_events SET hash = x'0102' WHERE seq = 4",
        ],
        ombud_store::StoreUrl::Postgres { .. } => &[
            "UPDATE audit_events SET hash = '\\x0102'::bytea WHERE seq = 4",
            "UPDATE audit_events SET seq = -2 WHERE seq = 2",
        ],
    };
    tamper(&t, statements).await;
    let report = t.store.verify_audit(None).await.unwrap();
    assert!(!report.is_intact());
    let found: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
    assert!(found.iter().any(|f| f.contains('2')), "{found:?}");
    assert!(found.iter().any(|f| f.contains('4')), "{found:?}");
});

store_test!(a_long_chain_is_walked_in_batches, |t| async move {
    // More events than one hand-over batch between the reader and the verifier.
    append(&t, 5_000).await;
    let report = t.store.verify_audit(None).await.unwrap();
    assert!(report.is_intact(), "{:?}", report.findings);
    assert_eq!(report.events_checked, 5_000);
    tamper(&t, &["UPDATE audit_events SET payload = '{\"n\":0}' WHERE seq = 4500"]).await;
    let found = findings(&t).await;
    assert_eq!(
        found,
        vec!["event 4500 was edited: its content no longer matches its hash".to_owned()]
    );
});

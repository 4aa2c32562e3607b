//! The consent ledger: records are appended and read back in order for a person and
//! the devices linked to them; the database itself refuses to edit or delete one.

use ombud_core::id::Id;
use ombud_core::sensitive::Sensitive;
use ombud_store::consent::{ChoiceRecord, SubjectKind};
use ombud_testkit::store_test;

fn record(n: u64, kind: SubjectKind, mac: &[u8], choice: &str, at_ms: i64) -> ChoiceRecord {
    ChoiceRecord {
        id: Id::from_parts(at_ms.unsigned_abs(), u128::from(n)),
        subject_kind: kind,
        subject_mac: mac.to_vec(),
        choice: choice.to_owned(),
        target: None,
        source: "form".to_owned(),
        notice_version: Some("2026-11-01".to_owned()),
        at_ms,
    }
}

store_test!(a_persons_choices_and_their_devices_are_read_in_order, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    let person = tx.subject_mac(SubjectKind::Person, "avery@example.com");
    let device = tx.subject_mac(SubjectKind::Device, "browser-7f3a");
    // The same identifier as another kind is another subject.
    assert_ne!(person, tx.subject_mac(SubjectKind::Device, "avery@example.com"));
    let email = Sensitive::new("avery@example.com".to_owned());
    let browser = Sensitive::new("browser-7f3a".to_owned());
    tx.append_choice(&record(1, SubjectKind::Device, &device, "opt_out_sale", 100), &browser)
        .await
        .unwrap();
    tx.append_choice(&record(2, SubjectKind::Person, &person, "consent", 50), &email)
        .await
        .unwrap();
    tx.append_choice(&record(3, SubjectKind::Person, &person, "withdraw", 200), &email)
        .await
        .unwrap();
    assert!(tx.link_device(&device, &person, 150).await.unwrap());
    assert!(!tx.link_device(&device, &person, 160).await.unwrap(), "linked once");
    tx.commit().await.unwrap();

    let mut tx = t.store.read().await.unwrap();
    let mut subjects = vec![person.clone()];
    subjects.extend(tx.devices_of(&person).await.unwrap());
    let choices: Vec<String> =
        tx.choices_of(&subjects).await.unwrap().into_iter().map(|r| r.choice).collect();
    assert_eq!(choices, ["consent", "opt_out_sale", "withdraw"]);
});

store_test!(the_ledger_refuses_edits_and_deletions, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    let person = tx.subject_mac(SubjectKind::Person, "avery@example.com");
    let email = Sensitive::new("avery@example.com".to_owned());
    tx.append_choice(&record(1, SubjectKind::Person, &person, "opt_out_sale", 100), &email)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Straight SQL, as a careless script would try: the trigger refuses both.
    let url = t.url.clone();
    let refused = match url {
        ombud_store::StoreUrl::Sqlite { path } => {
            let pool =
                sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            let update =
                sqlx::query("UPDATE consent_records SET choice = 'opt_in'").execute(&pool).await;
            let delete = sqlx::query("DELETE FROM consent_records").execute(&pool).await;
            pool.close().await;
            (update.is_err(), delete.is_err())
        }
        ombud_store::StoreUrl::Postgres { url } => {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            let update =
                sqlx::query("UPDATE consent_records SET choice = 'opt_in'").execute(&pool).await;
            let delete = sqlx::query("DELETE FROM consent_records").execute(&pool).await;
            pool.close().await;
            (update.is_err(), delete.is_err())
        }
    };
    assert_eq!(refused, (true, true));
    // A data-key rotation still re-encrypts the identifier: the one column it may rewrite.
    let rotation =
        ombud_store::keys::rotate_data_key(&t.store, &t.master, 1_000, false).await.unwrap();
    assert!(rotation.reencrypted >= 1);
    let mut tx = t.store.read().await.unwrap();
    assert_eq!(tx.choices_of(&[person]).await.unwrap()[0].choice, "opt_out_sale");
});

store_test!(scans_lists_subjects_and_identifiers_read_what_was_appended, |t| async move {
    let mut tx = t.store.begin().await.unwrap();
    let ada = tx.subject_mac(SubjectKind::Person, "email:ada@example.com");
    let bob = tx.subject_mac(SubjectKind::Person, "email:bob@example.com");
    let device = tx.subject_mac(SubjectKind::Device, "device:b-1");
    let (ada_id, bob_id) = (
        Sensitive::new("email:ada@example.com".to_owned()),
        Sensitive::new("email:bob@example.com".to_owned()),
    );
    let mut sub = record(1, SubjectKind::Person, &ada, "subscribe", 10);
    sub.target = Some("news".into());
    tx.append_choice(&sub, &ada_id).await.unwrap();
    let mut unsub = record(2, SubjectKind::Person, &ada, "unsubscribe", 20);
    unsub.target = Some("news".into());
    tx.append_choice(&unsub, &ada_id).await.unwrap();
    let mut bob_sub = record(3, SubjectKind::Person, &bob, "subscribe", 15);
    bob_sub.target = Some("news".into());
    tx.append_choice(&bob_sub, &bob_id).await.unwrap();
    tx.append_choice(
        &record(4, SubjectKind::Device, &device, "opt_out_sale", 30),
        &Sensitive::new("device:b-1".to_owned()),
    )
    .await
    .unwrap();
    tx.link_device(&device, &ada, 40).await.unwrap();
    tx.commit().await.unwrap();

    let mut seen = Vec::new();
    let total = t
        .store
        .scan_choices(|batch| seen.extend(batch.iter().map(|c| (c.subject_mac.clone(), c.at_ms))))
        .await
        .unwrap();
    assert_eq!(total, 4);
    // Grouped by subject, oldest first within one.
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    let mut tx = t.store.read().await.unwrap();
    let list = tx.list_choices("news", 100).await.unwrap();
    assert_eq!(list.len(), 3);
    assert!(tx.list_choices("other", 100).await.unwrap().is_empty());
    let subjects = tx.consent_subjects(100).await.unwrap();
    assert_eq!(subjects.len(), 3);
    let (_, kind, last) = subjects.iter().find(|(mac, _, _)| mac == &ada).unwrap();
    assert_eq!(*kind, SubjectKind::Person);
    assert_eq!(tx.identifier_of(*last).await.unwrap().expose(), "email:ada@example.com");
    let mut linked = tx.linked_to(&ada).await.unwrap();
    assert_eq!(linked, vec![device.clone()]);
    linked = tx.linked_to(&device).await.unwrap();
    assert_eq!(linked, vec![ada.clone()]);
    assert_eq!(t.store.all_links().await.unwrap(), vec![(device, ada)]);
});

store_test!(
    a_committed_choice_is_announced_on_postgres_and_a_rolled_back_one_is_not,
    |t| async move {
        let Some(mut feed) = t.store.consent_feed().await.unwrap() else {
            return; // SQLite: one process, nothing to announce.
        };
        let mut tx = t.store.begin().await.unwrap();
        let gone = tx.subject_mac(SubjectKind::Person, "email:gone@example.com");
        tx.append_choice(
            &record(1, SubjectKind::Person, &gone, "opt_out_sale", 10),
            &Sensitive::new("email:gone@example.com".to_owned()),
        )
        .await
        .unwrap();
        drop(tx); // rolled back
        let mut tx = t.store.begin().await.unwrap();
        let kept = tx.subject_mac(SubjectKind::Person, "email:kept@example.com");
        tx.append_choice(
            &record(2, SubjectKind::Person, &kept, "opt_out_sale", 20),
            &Sensitive::new("email:kept@example.com".to_owned()),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), feed.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(event, ombud_store::consent::FeedEvent::Changed(kept));
    }
);

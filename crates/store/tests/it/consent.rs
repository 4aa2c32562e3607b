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

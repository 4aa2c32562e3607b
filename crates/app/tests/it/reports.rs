//! The §7101 record and the §7102 metrics, from requests with known outcomes.

use ombud_app::Actor;
use ombud_app::reports::MetricBucket;
use ombud_core::request::{DenialBasis, DenialReason};
use ombud_core::verification::Level;
use ombud_core::{CcpaDeletionException, Law, RequestType, RetentionReason, VerificationMethod};
use ombud_testkit::store_test;

use crate::harness::{NOW, harness, new_request};

async fn closed(
    h: &crate::harness::Harness,
    request_type: RequestType,
    law: Law,
    after_days: i64,
    deny: Option<DenialBasis>,
) {
    let id = h.app.submit(new_request(request_type, law), &Actor::Cli).await.unwrap().id;
    let required =
        h.app.show(id, false, &Actor::Cli).await.unwrap().record.request.verification.required;
    if required > Level::None {
        h.app
            .attest_verification(id, required, VerificationMethod::DataPoints, &Actor::Cli)
            .await
            .unwrap();
    }
    let start = h.clock.now_for_tests();
    h.clock.advance(jiff::SignedDuration::from_hours(24 * after_days));
    match deny {
        Some(basis) => {
            h.app
                .deny(id, vec![DenialReason { basis, explanation: None }], &Actor::Cli)
                .await
                .unwrap();
        }
        None => {
            h.app.complete(id, vec![], &Actor::Cli).await.unwrap();
        }
    }
    h.clock.set(start);
}

trait NowForTests {
    fn now_for_tests(&self) -> jiff::Timestamp;
}

impl NowForTests for ombud_app::ManualClock {
    fn now_for_tests(&self) -> jiff::Timestamp {
        ombud_app::Clock::now(self)
    }
}

store_test!(metrics_count_received_complied_denied_and_days_per_type_7102, |t| async move {
    let h = harness(&t, NOW).await;
    let d2 = DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D2));
    // Deletes: answered after 10 and 30 days, one denied after 20 days under D2.
    closed(&h, RequestType::Delete, Law::Ccpa, 10, None).await;
    closed(&h, RequestType::Delete, Law::Ccpa, 30, None).await;
    closed(&h, RequestType::Delete, Law::Ccpa, 20, Some(d2)).await;
    // Know (categories and specific pieces count together): 5 and 6 days; one still open.
    closed(&h, RequestType::Know, Law::Ccpa, 5, None).await;
    closed(&h, RequestType::Access, Law::Ccpa, 6, None).await;
    h.app.submit(new_request(RequestType::Know, Law::Ccpa), &Actor::Cli).await.unwrap();
    // Opt-outs: applied the next day; a GDPR request does not count.
    closed(&h, RequestType::OptOutSaleShare, Law::Ccpa, 1, None).await;
    closed(&h, RequestType::Delete, Law::Gdpr, 3, None).await;

    let metrics = h.app.metrics(2026).await.unwrap();
    let line =
        |bucket: MetricBucket| metrics.buckets.iter().find(|l| l.bucket == bucket).unwrap().clone();
    let delete = line(MetricBucket::Delete);
    assert_eq!(
        (delete.received, delete.complied, delete.denied, delete.denied_exempt),
        (3, 2, 1, 1)
    );
    assert_eq!((delete.median_days, delete.mean_days), (Some(20.0), Some(20.0)));
    let know = line(MetricBucket::Know);
    assert_eq!((know.received, know.complied, know.denied, know.responded), (3, 2, 0, 2));
    assert_eq!((know.median_days, know.mean_days), (Some(5.5), Some(5.5)));
    let opt_out = line(MetricBucket::OptOut);
    assert_eq!((opt_out.received, opt_out.complied, opt_out.median_days), (1, 1, Some(1.0)));
    assert_eq!(line(MetricBucket::Correct).received, 0);
    assert_eq!(
        h.app.metrics(2025).await.unwrap().buckets.iter().map(|l| l.received).sum::<u32>(),
        0
    );
    let mut csv = Vec::new();
    metrics.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("2026,Requests to delete,3,2,1,0,0,1,0,20.0,20.0"), "{csv}");
    assert!(metrics.to_text().contains("Requests to know"));
});

store_test!(the_7101_record_has_a_row_per_request_with_its_response, |t| async move {
    let h = harness(&t, NOW).await;
    closed(&h, RequestType::Delete, Law::Ccpa, 10, None).await;
    let d2 = DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D2));
    closed(&h, RequestType::Delete, Law::Ccpa, 12, Some(d2)).await;
    h.app.submit(new_request(RequestType::OptOutSaleShare, Law::Ccpa), &Actor::Cli).await.unwrap();
    let rows = h
        .app
        .request_records("2026-11-01".parse().unwrap(), "2026-12-01".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let mut csv = Vec::new();
    h.app.write_records_csv(&rows, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("request_id,law,date_of_request,received_at,request_type,nature_of_request,answered_as,manner_of_request"));
    assert!(
        lines[1].contains(",delete,delete,,webform,completed,2026-12-05,granted_full,,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(",denied,D2,"), "{}", lines[2]);
    assert!(
        lines[3].contains(",opt_out_sale_share,opt_out_sale_share,,webform,verified,,,"),
        "{}",
        lines[3]
    );
    assert!(lines[1].ends_with(",10"), "days to respond: {}", lines[1]);
});

//! The requests and reports API over HTTP, through the router (`oneshot`), on a real
//! store: a company system submits a request, reads its status, has a code sent and
//! checks the code the person read from their email (the outbox); scopes are enforced
//! and a revoked token stops at once; an unknown request is 404; every error has the
//! stable shape and never repeats what was sent, whatever the field, route or position;
//! every refused token gets the same 403; the §7101 records and §7102 metrics come back
//! (R-190), a week at a time; answers match the OpenAPI document, and the committed copy of the
//! document (docs/openapi.json) is the one the code generates.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ombud_app::tokens::Scope;
use ombud_app::{Actor, App};
use ombud_testkit::store_test;
use serde_json::Value;

// The shared set-up's helpers are `pub` for every test file; each uses some.
mod common;
use common::{get, send, site};

/// A call with a bearer token and a JSON body (GET when the body is `None`).
fn call(uri: &str, bearer: &str, body: Option<&str>) -> Request<Body> {
    let builder = match body {
        Some(_) => Request::post(uri).header("content-type", "application/json"),
        None => Request::get(uri),
    };
    builder
        .header("authorization", format!("Bearer {bearer}"))
        .body(Body::from(body.unwrap_or_default().to_owned()))
        .unwrap()
}

async fn token(app: &App, scopes: &[Scope]) -> (ombud_core::id::Id, String) {
    let (id, token) = app.create_api_token("crm", scopes, &Actor::Cli).await.unwrap();
    (id, token.expose().clone())
}

/// The six-digit code in the newest verification message of the outbox.
fn last_code(outbox: &std::path::Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(outbox)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| e.path())
        .collect();
    files.sort();
    let text = files
        .iter()
        .rev()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|text| text.contains("verification code"))
        .expect("a code message in the outbox");
    let decoded = text.replace("=\r\n", "").replace("=\n", "");
    decoded
        .lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .expect("a line with the code")
        .to_owned()
}

/// `value` has the fields the OpenAPI document's `schema` names: every required one,
/// and none it does not describe.
fn conforms(value: &Value, schema: &str) {
    let document: Value = serde_json::from_str(&ombud_web::api::openapi_json()).unwrap();
    let schema = &document["components"]["schemas"][schema];
    let properties = schema["properties"].as_object().unwrap();
    let object = value.as_object().unwrap();
    for key in object.keys() {
        assert!(properties.contains_key(key), "{key} is not in the document's {schema}");
    }
    for key in schema["required"].as_array().into_iter().flatten() {
        assert!(object.contains_key(key.as_str().unwrap()), "{key} missing from {value}");
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

/// The error shape every route keeps.
fn assert_error(status: StatusCode, body: &str, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    let error = json(body);
    assert_eq!(error["error"]["code"], code, "{body}");
    assert!(error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

store_test!(
    a_company_system_submits_a_request_reads_its_status_and_verifies_it_by_code_r045,
    |t| async move {
        let (app, router, outbox) = site(&t, "saas.yaml").await;
        let (writer_id, writer) = token(&app, &[Scope::RequestsWrite]).await;
        let (_, reader) = token(&app, &[Scope::RequestsRead]).await;

        let submission = r#"{"type":"access","law":"gdpr","name":"Ada Example","email":"ada@example.com","channel":"account"}"#;
        let (status, _, body) =
            send(&router, call("/v1/requests", &writer, Some(submission))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let submitted = json(&body);
        conforms(&submitted, "SubmittedBody");
        assert_eq!(submitted["status"], "received");
        assert_eq!(submitted["verification_required"], "basic");
        // GDPR: a month from receipt (R-250), received 2026-11-25; the 25th of December
        // is a holiday and a Friday, so the period ends on Monday the 28th.
        assert_eq!(submitted["deadlines"]["received_on"], "2026-11-25");
        assert_eq!(submitted["deadlines"]["respond_by"], "2026-12-28");
        let id = submitted["id"].as_str().unwrap().to_owned();

        // The status: what, where, by when — and nothing about who.
        let (status, _, body) =
            send(&router, call(&format!("/v1/requests/{id}"), &reader, None)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let read = json(&body);
        conforms(&read, "StatusBody");
        assert_eq!(read["type"], "access");
        assert_eq!(read["channel"], "account");
        assert_eq!(read["status"], "received");
        assert_eq!(read["due"], "2026-12-28");
        assert!(!body.contains("ada@") && !body.contains("Ada"), "{body}");

        // A code, sent to the person's address.
        let (status, _, body) =
            send(&router, call(&format!("/v1/requests/{id}/code"), &writer, Some(""))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        conforms(&json(&body), "CodeSent");
        app.deliver_pending().await.unwrap();
        let code = last_code(outbox.path());

        // A wrong code: 400, the attempts left named, the code not repeated.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, _, body) = send(
            &router,
            call(
                &format!("/v1/requests/{id}/verify"),
                &writer,
                Some(&format!(r#"{{"code":"{wrong}"}}"#)),
            ),
        )
        .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
        assert!(body.contains("4 attempts left") && !body.contains(wrong), "{body}");

        // The right code confirms the address. The test's company holds no records
        // (no lookup), so the address proves nothing about whose data it is: not yet
        // verified, and the answer says why.
        let (status, _, body) = send(
            &router,
            call(
                &format!("/v1/requests/{id}/verify"),
                &writer,
                Some(&format!(r#"{{"code":"{code}"}}"#)),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let outcome = json(&body);
        conforms(&outcome, "VerifyBody");
        assert_eq!(outcome["outcome"], "not_yet");
        assert_eq!(outcome["required"], "basic");
        assert!(outcome["reason"].as_str().unwrap().contains("records hold no one"), "{body}");
        // Used once.
        let (status, _, body) = send(
            &router,
            call(
                &format!("/v1/requests/{id}/verify"),
                &writer,
                Some(&format!(r#"{{"code":"{code}"}}"#)),
            ),
        )
        .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");

        let (_, _, body) = send(&router, call(&format!("/v1/requests/{id}"), &reader, None)).await;
        assert_eq!(json(&body)["status"], "verifying");

        // Every change is the token's in the audit chain, and no event names the person.
        let details =
            app.show(ombud_core::id::Id::parse(&id).unwrap(), false, &Actor::Cli).await.unwrap();
        let actor = format!("api:{writer_id}");
        for action in [
            "request.submitted",
            "request.code_sent",
            "request.code_failed",
            "request.code_confirmed",
        ] {
            assert!(
                details.timeline.iter().any(|e| e.action == action && e.actor == actor),
                "{action} by {actor}"
            );
        }
        assert!(details.timeline.iter().all(|e| !e.payload.contains("ada@")));
    }
);

store_test!(scopes_are_enforced_and_a_revoked_token_stops_at_once, |t| async move {
    let (app, router, _outbox) = site(&t, "saas.yaml").await;
    let (_, decide) = token(&app, &[Scope::Decide]).await;
    let (_, reader) = token(&app, &[Scope::RequestsRead]).await;
    let (writer_id, writer) = token(&app, &[Scope::RequestsWrite]).await;
    let submission = r#"{"type":"delete","law":"gdpr","email":"ada@example.com"}"#;

    // A decisions token cannot submit; a reader cannot submit, send codes or verify; a
    // writer cannot read statuses or reports.
    for bearer in [decide.as_str(), reader.as_str(), "", "ombud_nope"] {
        let (status, _, body) = send(&router, call("/v1/requests", bearer, Some(submission))).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, _, body) = send(&router, call("/v1/requests", &writer, Some(submission))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_owned();
    for (uri, bearer, body) in [
        (format!("/v1/requests/{id}/code"), reader.as_str(), Some("")),
        (format!("/v1/requests/{id}/verify"), reader.as_str(), Some(r#"{"code":"123456"}"#)),
        (format!("/v1/requests/{id}"), writer.as_str(), None),
        ("/v1/reports/metrics?year=2026".to_owned(), writer.as_str(), None),
        ("/v1/reports/records?from=2026-11-01".to_owned(), reader.as_str(), None),
    ] {
        let (status, _, answer) = send(&router, call(&uri, bearer, body)).await;
        assert_error(status, &answer, StatusCode::FORBIDDEN, "forbidden");
    }

    // Revoked: the next call is refused.
    assert!(app.revoke_api_token(writer_id, &Actor::Cli).await.unwrap());
    let (status, _, revoked) = send(&router, call("/v1/requests", &writer, Some(submission))).await;
    assert_error(status, &revoked, StatusCode::FORBIDDEN, "forbidden");

    // Missing, malformed, unknown, revoked, or valid without the scope: one answer, word
    // for word, so a caller learns nothing about which tokens exist (docs/api.md). It
    // names the scope the route needs, which the document publishes anyway.
    let unknown = format!("ombud_{}", "A".repeat(43));
    for bearer in ["", "nope", unknown.as_str(), decide.as_str(), reader.as_str()] {
        let (status, _, body) = send(&router, call("/v1/requests", bearer, Some(submission))).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body, revoked, "the same refusal for {bearer:?}");
    }
    assert!(revoked.contains("requests:write"), "{revoked}");
});

store_test!(
    unknown_requests_are_404_and_bad_input_is_400_without_repeating_personal_data,
    |t| async move {
        let (app, router, _outbox) = site(&t, "saas.yaml").await;
        let (_, reader) = token(&app, &[Scope::RequestsRead]).await;
        let (_, writer) = token(&app, &[Scope::RequestsWrite]).await;

        // A well-formed id nobody was given: 404; not an id at all: 400.
        let nobody = ombud_core::id::Id::from_parts(1_700_000_000_000, 42);
        let (status, _, body) =
            send(&router, call(&format!("/v1/requests/{nobody}"), &reader, None)).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, _, body) =
            send(&router, call(&format!("/v1/requests/{nobody}/code"), &writer, Some(""))).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, _, body) =
            send(&router, call("/v1/requests/ada@example.com", &reader, None)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
        assert!(!body.contains("ada@"), "{body}");
        // An unknown /v1 route: JSON, not the privacy center's page.
        let (status, _, body) = send(&router, call("/v1/nowhere", &reader, None)).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

        let long_name = format!(
            r#"{{"type":"delete","law":"gdpr","email":"ada@example.com","name":"{}"}}"#,
            "a".repeat(321)
        );
        let huge = format!(
            r#"{{"type":"delete","law":"gdpr","email":"ada@example.com","details":"{}"}}"#,
            "a".repeat(70 << 10)
        );
        for bad in [
            "{",
            r#"{"type":"delete","law":"gdpr","email":"ada@example.com","colour":"red"}"#,
            r#"{"type":"delete","law":"gdpr","email":["ada@example.com"]}"#,
            r#"{"type":"delete","law":"gdpr","email":"ada@example"}"#,
            r#"{"type":"delete","law":"mars","email":"ada@example.com"}"#,
            r#"{"type":"launder","law":"gdpr","email":"ada@example.com"}"#,
            r#"{"type":"delete","law":"gdpr","email":"ada@example.com","channel":"pigeon"}"#,
            r#"{"type":"delete","law":"gdpr","name":"Ada"}"#,
            long_name.as_str(),
            huge.as_str(),
        ] {
            let (status, _, body) = send(&router, call("/v1/requests", &writer, Some(bad))).await;
            assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
            assert!(!body.contains("ada@") && !body.contains("aaaa"), "{body}");
        }
        // Past the API's body limit: 413, in the same shape.
        let flood =
            format!(r#"{{"details":"{}"}}"#, "a".repeat(ombud_web::api::API_BODY_BYTES_MAX));
        let (status, _, body) = send(&router, call("/v1/requests", &writer, Some(&flood))).await;
        assert_error(status, &body, StatusCode::PAYLOAD_TOO_LARGE, "too_large");

        // A code longer than any ombud sends is refused before it is checked.
        let (_, _, body) = send(
            &router,
            call(
                "/v1/requests",
                &writer,
                Some(r#"{"type":"delete","law":"gdpr","email":"ada@example.com"}"#),
            ),
        )
        .await;
        let id = json(&body)["id"].as_str().unwrap().to_owned();
        let (status, _, body) = send(
            &router,
            call(
                &format!("/v1/requests/{id}/verify"),
                &writer,
                Some(&format!(r#"{{"code":"{}"}}"#, "1".repeat(17))),
            ),
        )
        .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
        // An opt-out needs no verification (R-112): no code to send.
        let (_, _, body) = send(
            &router,
            call(
                "/v1/requests",
                &writer,
                Some(r#"{"type":"opt_out_sale_share","law":"ccpa","email":"ada@example.com"}"#),
            ),
        )
        .await;
        let optout = json(&body);
        assert_eq!(optout["status"], "verified", "{body}");
        let id = optout["id"].as_str().unwrap();
        let (status, _, body) =
            send(&router, call(&format!("/v1/requests/{id}/code"), &writer, Some(""))).await;
        assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    }
);

/// Values that look like personal data: an email address, a name with escaped quotes
/// (serde's Debug quoting once cut such a value short), a phone number.
const SECRETS: [&str; 3] = ["jane.roe@example.com", "Jane \"Q\" Roe", "+1 202 555 0100"];

/// `body` repeats none of [`SECRETS`], in part or in any quoting.
fn repeats_nothing(route: &str, sent: &str, body: &str) {
    for part in ["jane.roe", "Roe", "0100"] {
        assert!(!body.contains(part), "{route} repeated {part:?} of {sent}: {body}");
    }
}

/// `base` with each field in turn set to each secret, to a list holding it, and with the
/// secret as the name of an extra field; then broken JSON around it.
fn bodies_with_secrets(base: &Value) -> Vec<String> {
    let mut bodies = Vec::new();
    for secret in SECRETS {
        for field in base.as_object().unwrap().keys() {
            let mut object = serde_json::Map::new();
            object.insert(secret.to_owned(), Value::from(1));
            for value in [Value::from(secret), serde_json::json!([secret]), Value::Object(object)] {
                let mut body = base.clone();
                body[field] = value;
                bodies.push(body.to_string());
            }
        }
        let mut body = base.clone();
        body[secret] = Value::from(1);
        bodies.push(body.to_string());
        // A name made to look like the end of serde's message.
        body[format!("a`{secret}`, expected `law`")] = Value::from(1);
        bodies.push(body.to_string());
        let quoted = Value::from(secret).to_string();
        bodies.push(format!("{{{quoted}"));
        bodies.push(format!("{{{quoted}:"));
        bodies.push(format!("{base} {quoted}"));
        bodies.push(format!("[{quoted}]"));
    }
    bodies
}

/// `text` as one URL path segment or query value.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(
            |b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            },
        )
        .collect()
}

store_test!(no_v1_route_repeats_what_was_sent_in_any_field_or_position, |t| async move {
    let (app, router, _outbox) = site(&t, "saas.yaml").await;
    let (_, bearer) = token(&app, &Scope::ALL).await;
    let submission = r#"{"type":"delete","law":"gdpr","email":"ada@example.com"}"#;
    let (status, _, body) = send(&router, call("/v1/requests", &bearer, Some(submission))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_owned();

    let question = serde_json::json!({
        "subject": "email:ada@example.com", "purpose": "service", "recipient": "hosting",
        "category": "contact_details", "law": "gdpr"
    });
    let posts: Vec<(String, Value)> = vec![
        ("/v1/decisions".to_owned(), question.clone()),
        ("/v1/decisions/batch".to_owned(), serde_json::json!({ "questions": [question.clone()] })),
        (
            "/v1/consents".to_owned(),
            serde_json::json!({
                "subject": "email:ada@example.com", "choice": "consent",
                "target": "newsletter", "notice_version": "2026-01"
            }),
        ),
        (
            "/v1/consents".to_owned(),
            serde_json::json!({ "subject": "email:ada@example.com", "choice": "subscribe", "target": "newsletter" }),
        ),
        (
            "/v1/consents/query".to_owned(),
            serde_json::json!({ "subject": "email:ada@example.com" }),
        ),
        (
            "/v1/requests".to_owned(),
            serde_json::json!({
                "type": "correct", "law": "gdpr", "channel": "email", "name": "Ada Example",
                "email": "ada@example.com", "phone": "+1 202 555 0199", "account_id": "ada-1",
                "postal_address": "1 Example Street", "details": "my address",
                "correcting": ["postal_address"]
            }),
        ),
        (format!("/v1/requests/{id}/verify"), serde_json::json!({ "code": "123456" })),
    ];
    // A question inside a batch, in every position too.
    let mut posts_with_secrets: Vec<(String, String)> = Vec::new();
    for (route, base) in &posts {
        for body in bodies_with_secrets(base) {
            posts_with_secrets.push((route.clone(), body));
        }
    }
    for body in bodies_with_secrets(&question) {
        posts_with_secrets
            .push(("/v1/decisions/batch".to_owned(), format!(r#"{{"questions":[{body}]}}"#)));
    }
    for secret in SECRETS {
        // Subjects of each kind, and the secret as a subject's value.
        for subject in ["email", "phone", "account", "device", "nobody"] {
            let subject = Value::from(format!("{subject}:{secret}"));
            for route in ["/v1/consents/query", "/v1/decisions"] {
                let body = serde_json::json!({ "subject": subject, "category": "contact_details" });
                let body = if route == "/v1/consents/query" {
                    serde_json::json!({ "subject": subject })
                } else {
                    body
                };
                posts_with_secrets.push((route.to_owned(), body.to_string()));
            }
        }
    }
    let mut answered = std::collections::BTreeSet::new();
    for (route, body) in &posts_with_secrets {
        let (status, _, answer) = send(&router, call(route, &bearer, Some(body))).await;
        repeats_nothing(route, body, &answer);
        if !status.is_success() {
            assert!(json(&answer)["error"]["code"].is_string(), "{route} {body}: {answer}");
        }
        answered.insert(route.clone());
    }
    assert_eq!(answered.len(), 6, "every POST route was asked: {answered:?}");

    // In the path and the query string.
    for secret in SECRETS {
        let s = encoded(secret);
        for (uri, post) in [
            (format!("/v1/requests/{s}"), false),
            (format!("/v1/requests/{s}/code"), true),
            (format!("/v1/requests/{s}/verify"), true),
            (format!("/v1/reports/metrics?year={s}"), false),
            (format!("/v1/reports/metrics?{s}=2026"), false),
            (format!("/v1/reports/metrics?year=2026&year={s}"), false),
            (format!("/v1/reports/records?from={s}"), false),
            (format!("/v1/reports/records?from=2026-11-01&to={s}"), false),
            (format!("/v1/reports/records?from=2026-11-01&{s}=1"), false),
            (format!("/v1/{s}"), false),
        ] {
            let (status, _, answer) =
                send(&router, call(&uri, &bearer, post.then_some(r#"{"code":"123456"}"#))).await;
            assert!(status.is_client_error(), "{uri}: {answer}");
            repeats_nothing(&uri, secret, &answer);
        }
    }
});

store_test!(reports_give_the_s7102_metrics_and_the_s7101_records_r190, |t| async move {
    let (app, router, _outbox) = site(&t, "events.yaml").await;
    let (_, writer) = token(&app, &[Scope::RequestsWrite]).await;
    let (_, reports) = token(&app, &[Scope::ReportsRead]).await;
    let submission =
        r#"{"type":"access","law":"ccpa","name":"Ada Example","email":"ada@example.com"}"#;
    let (status, _, body) = send(&router, call("/v1/requests", &writer, Some(submission))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_owned();

    let (status, _, body) =
        send(&router, call("/v1/reports/metrics?year=2026", &reports, None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let metrics = json(&body);
    conforms(&metrics, "MetricsBody");
    let buckets = metrics["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 5);
    let know = buckets.iter().find(|b| b["request_type"] == "know").unwrap();
    conforms(know, "MetricLineBody");
    assert_eq!(know["received"], 1, "an access request is a request to know (§7102)");
    assert_eq!(know["complied"], 0);
    assert!(buckets.iter().filter(|b| b["request_type"] != "know").all(|b| b["received"] == 0));
    let (_, _, body) = send(&router, call("/v1/reports/metrics?year=2025", &reports, None)).await;
    assert!(json(&body)["buckets"].as_array().unwrap().iter().all(|b| b["received"] == 0));

    let head = |app: App| async move {
        app.store().read().await.unwrap().audit_head().await.unwrap().unwrap().seq
    };
    // The acknowledgement goes out first (its delivery is audited too), so that the
    // only event the export call adds is its own.
    app.deliver_pending().await.unwrap();
    let before = head(app.clone()).await;
    let (status, _, body) =
        send(&router, call("/v1/reports/records?from=2026-11-01&to=2026-12-01", &reports, None))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let records = json(&body);
    conforms(&records, "RecordsBody");
    let rows = records["records"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    conforms(&rows[0], "RecordLine");
    assert_eq!(rows[0]["request_id"], id.as_str());
    assert_eq!(rows[0]["nature_of_request"], "know_specific");
    assert_eq!(rows[0]["manner_of_request"], "webform");
    assert_eq!(rows[0]["date_of_response"], Value::Null, "open: no response yet");
    assert!(!body.contains("ada@") && !body.contains("Ada"), "no identifier: {body}");
    // The export is recorded in the audit chain, as `ombud report requests` does.
    assert_eq!(head(app.clone()).await, before + 1);
    // Two years, read a week at a time: the one request, once.
    let (status, _, body) =
        send(&router, call("/v1/reports/records?from=2025-01-01&to=2026-12-31", &reports, None))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = json(&body)["records"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{body}");
    assert_eq!(rows[0]["request_id"], id.as_str());

    // Bad queries: the stable error.
    for uri in [
        "/v1/reports/metrics",
        "/v1/reports/metrics?year=twenty",
        "/v1/reports/metrics?year=2026&colour=red",
        "/v1/reports/records?from=2026-13-01",
        "/v1/reports/records?from=2026-12-01&to=2026-11-01",
        "/v1/reports/records?from=2020-01-01&to=2026-01-01",
        "/v1/reports/records",
        "/v1/reports/records?from=2026-11-01&from=2026-11-02",
    ] {
        let (status, _, body) = send(&router, call(uri, &reports, None)).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid");
    }
});

store_test!(the_openapi_document_is_served_and_the_committed_copy_is_current, |t| async move {
    let (_app, router, _outbox) = site(&t, "events.yaml").await;
    let generated = ombud_web::api::openapi_json();
    let committed =
        std::fs::read_to_string(format!("{}/../../docs/openapi.json", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is not the document the code generates; refresh it with \
         `cargo run -q -- openapi > docs/openapi.json` and commit it"
    );

    let (status, headers, body) =
        send(&router, get("/openapi.json").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    assert!(headers.get("content-security-policy").is_some());
    assert_eq!(body, generated);

    // Every /v1 route the document names is served, behind a token: none answers 404
    // (a route the router lacks) or 405 (a method it lacks).
    let document = json(&generated);
    let paths = document["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 10);
    for (path, operations) in paths {
        let uri =
            path.replace("{id}", &ombud_core::id::Id::from_parts(1_700_000_000_000, 7).to_string());
        for method in operations.as_object().unwrap().keys() {
            assert!(
                operations[method]["security"][0].get("bearer").is_some(),
                "{method} {path} names the bearer scheme"
            );
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let (status, _, body) = send(&router, request).await;
            assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        }
    }
});

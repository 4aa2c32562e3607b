//! The privacy center's request flow over HTTP, through the router, on a real store
//! (SQLite, and PostgreSQL when configured): a request made on the form, verified by
//! the code read from the outbox, followed on its owner-only status page, and its
//! access package downloaded — built from a real company database (the reference shop
//! on SQLite). Also: wrong and expired codes, uploads of the wrong type and too large,
//! forms posted from another site, one person trying every route with another's id and
//! key (always the same 404, nothing leaked), escaping of what a person types, the GPC
//! banner on every new page, and this browser's preferences (R-118,
//!

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt as _;
use ombud_app::choices::Engine;
use ombud_app::fulfil::lookup::DatabaseLookup;
use ombud_app::fulfil::{Fulfilment, LINK_LIFETIME_MS_DEFAULT, PACKAGE_LIFETIME_MS_DEFAULT};
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::{Actor, App, AppParts, ManualClock, SequentialIds, Settings};
use ombud_program::CheckOptions;
use ombud_store::requests::Filter;
use ombud_testkit::{CompanyDb, TestStore, store_test};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;

mod common;
use common::{get, send, site};

const XSS: &str = "<script>alert(1)</script>";
const BOUNDARY: &str = "ombud-test-boundary";

/// The shop site with its company database connected (the reference shop, generated on
/// SQLite), so codes check against the addresses it holds and packages can be built.
struct Shop {
    app: App,
    router: axum::Router,
    clock: Arc<ManualClock>,
    outbox: tempfile::TempDir,
    _company: CompanyDb,
}

async fn shop(t: &TestStore) -> Shop {
    let path = format!("{}/../../examples/shop.yaml", env!("CARGO_MANIFEST_DIR"));
    let (program, _) =
        ombud_program::load(&std::fs::read(&path).unwrap(), &CheckOptions::default()).unwrap();
    let program = Arc::new(program);
    let calendars = std::path::Path::new(&path).parent().unwrap().join("calendars");
    let settings = Settings::from_program(&program, Some(&calendars), None).unwrap();
    let company = ombud_testkit::company_db("sqlite", "center").await.unwrap();
    ombud_workload::generate(
        &company.url,
        &ombud_workload::Workload { customers: 3, seed: 7, replace: false },
    )
    .await
    .unwrap();
    let connector = ombud_connect::Connector::connect(
        "shop",
        &company.url,
        ombud_app::fulfil::connector_options(),
    )
    .await
    .unwrap();
    let fulfilment = Arc::new(Fulfilment {
        program: program.clone(),
        connectors: [("shop".to_owned(), connector)].into_iter().collect(),
        unavailable: Default::default(),
        package_lifetime_ms: PACKAGE_LIFETIME_MS_DEFAULT,
        link_lifetime_ms: LINK_LIFETIME_MS_DEFAULT,
    });
    let outbox = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new("2026-11-25T17:00:00Z".parse().unwrap()));
    let app = App::new(AppParts {
        store: t.store.clone(),
        settings,
        clock: clock.clone(),
        ids: Arc::new(SequentialIds::new()),
        lookup: Arc::new(DatabaseLookup::new(fulfilment.clone())),
        templates: Templates::builtin(),
        transport: MailTransport::from_url(&format!("outbox:{}", outbox.path().display())).unwrap(),
    })
    .with_fulfilment(fulfilment);
    let engine = Engine::load(program, &t.store).await.unwrap();
    let app = app.with_choices(Arc::new(engine));
    let router = ombud_web::router(Arc::new(ombud_web::Site::new(app.clone()).unwrap()));
    Shop { app, router, clock, outbox, _company: company }
}

/// A multipart body of text fields and, optionally, a document.
fn multipart(fields: &[(&str, &str)], document: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(document) = document {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"proof.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(document);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The form of `/request/{type}` as a browser on the privacy center posts it.
fn post_request(type_id: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/request/{type_id}"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap()
}

/// A form post of the status page.
fn post_form(uri: &str, body: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

/// A person's request as the form leaves it: its id, its owner key, and the owner
/// cookie (`name=value`).
struct Made {
    id: String,
    key: String,
    cookie: String,
}

fn made(headers: &HeaderMap) -> Made {
    let location = headers.get("location").unwrap().to_str().unwrap();
    let rest = location.strip_prefix("/status/").unwrap();
    let (id, query) = rest.split_once('?').unwrap();
    let key = query.split('&').find_map(|pair| pair.strip_prefix("key=")).unwrap().to_owned();
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("ombud_owner="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("Secure")
            && cookie.contains("SameSite=Strict")
            && cookie.contains(&format!("Path=/status/{id};")),
        "{cookie}"
    );
    Made { id: id.to_owned(), key, cookie: cookie.split(';').next().unwrap().to_owned() }
}

/// Submits an access request under `law` for `email`; the request as made.
async fn submit(router: &axum::Router, law: &str, name: &str, email: &str) -> Made {
    let body = multipart(&[("law", law), ("name", name), ("email", email)], None);
    let (status, headers, page) = send(router, post_request("access", body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    made(&headers)
}

/// The owner cookie a response sets (`name=value`), if it sets one.
fn owner_cookie_set(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("ombud_owner="))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// The code in the newest verification message of the outbox.
fn last_code(dir: &std::path::Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| (e.file_name(), std::fs::read_to_string(e.path()).unwrap()))
        .collect();
    files.sort();
    let (_, text) =
        files.iter().rev().find(|(_, text)| text.contains("verification code")).unwrap();
    let decoded = text.replace("=\r\n", "").replace("=\n", "");
    decoded
        .lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_owned()
}

/// A small PDF (by its first bytes) of `size` bytes.
fn pdf(size: usize) -> Vec<u8> {
    let mut content = b"%PDF-1.7\n".to_vec();
    content.resize(size, b'x');
    content
}

store_test!(
    a_person_requests_verifies_by_code_follows_the_status_and_downloads_their_package,
    |t| async move {
        let shop = shop(&t).await;
        let router = &shop.router;
        let email = ombud_workload::customer_email(1);
        let mut pages = Vec::new();

        // The start page offers the laws the manifest declares, and the rights of each.
        let (status, _, page) = send(router, get("/request").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("I live in California") && page.contains("I live in the EU"));
        assert!(
            page.contains("/request/access?law=gdpr") && page.contains("/request/know?law=ccpa")
        );
        assert!(!page.contains("/request/know?law=gdpr"), "know is offered under the CCPA only");
        let (status, _, page) =
            send(router, get("/request/access?law=gdpr").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        for field in ["name", "email", "agent_name", "agent_email", "document"] {
            assert!(page.contains(&format!("<label for=\"{field}\"")), "{field} has a label");
        }
        assert!(page.contains("enctype=\"multipart/form-data\""));
        pages.push(page);

        let mine = submit(router, "gdpr", XSS, &email).await;
        let status_uri = format!("/status/{}", mine.id);
        shop.app.deliver_pending().await.unwrap();
        let first = last_code(shop.outbox.path());

        // The page the form leads to, by its address (the key given once).
        let (status, headers, page) = send(
            router,
            get(&format!("{status_uri}?key={}&new=1", mine.key)).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
        assert!(page.contains(&mine.id) && page.contains("waiting for you to confirm"), "{page}");
        assert!(page.contains("Right to access"), "{page}");
        assert!(!page.contains(&email), "the status page shows no personal data");
        pages.push(page);

        // A wrong code is refused and says how many tries are left.
        let wrong = if first == "000000" { "111111" } else { "000000" };
        let (status, _, page) = send(
            router,
            post_form(&format!("{status_uri}/code"), &format!("code={wrong}"), Some(&mine.cookie)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("not right") && page.contains("4 attempts left"), "{page}");
        // An expired code is refused with what to do; a new one works.
        shop.clock.advance(jiff::SignedDuration::from_mins(31));
        let (status, _, page) = send(
            router,
            post_form(&format!("{status_uri}/code"), &format!("code={first}"), Some(&mine.cookie)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("expired") && page.contains("new one"), "{page}");
        let (status, _, page) =
            send(router, post_form(&format!("{status_uri}/resend"), "", Some(&mine.cookie))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("A new code is on its way"), "{page}");
        shop.app.deliver_pending().await.unwrap();
        let second = last_code(shop.outbox.path());
        assert_ne!(first, second);
        // The key in the form works as well as the cookie for the code; a right code
        // entered here gives this browser the owner cookie (the code came to the
        // address on the request).
        let (status, headers, page) = send(
            router,
            post_form(
                &format!("{status_uri}/code"),
                &format!("key={}&code={second}", mine.key),
                None,
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("it is confirmed that it is you"), "{page}");
        assert!(page.contains("We have confirmed it is you"), "{page}");
        assert!(!page.contains("Download your data"), "no package yet");
        assert_eq!(owner_cookie_set(&headers), Some(mine.cookie.clone()));
        pages.push(page);

        // The fulfilment job builds the package (and discards its own link).
        shop.app
            .queue_fulfilment(ombud_core::id::Id::parse(&mine.id).unwrap(), &Actor::System)
            .await
            .unwrap();
        let built = shop
            .app
            .build_package(ombud_core::id::Id::parse(&mine.id).unwrap(), &Actor::System)
            .await
            .unwrap();
        let (status, _, page) = send(
            router,
            get(&status_uri).header("cookie", &mine.cookie).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Your request is complete") && page.contains("Download your data"));
        assert!(!page.contains(&mine.key), "a key from the cookie is never written into a page");
        pages.push(page);

        // The address alone (history, bookmarks, proxy logs) shows where the request
        // stands, says plainly that the download works only in the browser that made
        // the request, gives no cookie, and mints no link: not from curl with the key
        // in the address and the form, not from a browser on this site.
        let address = format!("{status_uri}?key={}", mine.key);
        let (status, headers, page) = send(
            router,
            get(&address).header("sec-fetch-site", "none").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Your request is complete"), "{page}");
        assert!(page.contains("only in the browser you made the request from"), "{page}");
        assert!(!page.contains("Download your data"), "{page}");
        assert!(!page.contains(&format!("{status_uri}/download")), "{page}");
        assert_eq!(owner_cookie_set(&headers), None, "the address never sets the owner cookie");
        let curl = |uri: &str, body: String, cookie: Option<&str>| {
            let mut builder =
                Request::post(uri).header("content-type", "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                builder = builder.header("cookie", cookie);
            }
            builder.body(Body::from(body)).unwrap()
        };
        let key_in_form = format!("key={}", mine.key);
        for (what, request) in [
            (
                "curl, the key in the address and the form",
                curl(&format!("{status_uri}/download?key={}", mine.key), key_in_form.clone(), None),
            ),
            (
                "a browser on this site, the key in the form",
                post_form(&format!("{status_uri}/download?key={}", mine.key), &key_in_form, None),
            ),
            (
                "curl with the cookie but no sign of where the post comes from",
                curl(&format!("{status_uri}/download"), String::new(), Some(&mine.cookie)),
            ),
        ] {
            let (status, headers, page) = send(router, request).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {page}");
            assert!(headers.get("location").is_none(), "{what}: no link");
            assert!(!page.contains("/package/"), "{what}");
            assert_eq!(owner_cookie_set(&headers), None, "{what}");
        }
        let details = shop
            .app
            .show(ombud_core::id::Id::parse(&mine.id).unwrap(), false, &Actor::Cli)
            .await
            .unwrap();
        assert!(
            !details.timeline.iter().any(|e| e.action == "fulfil.package_link_made"),
            "the address alone minted no download link"
        );

        // In the browser that holds the cookie, the download works.
        let (status, headers, _) =
            send(router, post_form(&format!("{status_uri}/download"), "", Some(&mine.cookie)))
                .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let link = headers.get("location").unwrap().to_str().unwrap().to_owned();
        assert!(link.starts_with("/package/"));
        assert_ne!(link, format!("/package/{}", built.link_token.expose()), "a fresh link");
        let response =
            router.clone().oneshot(get(&link).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers.get("content-type").unwrap(), "application/zip");
        assert!(
            headers.get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment")
        );
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
        let zip = response.into_body().collect().await.unwrap().to_bytes();
        assert!(zip.starts_with(b"PK"));
        assert_eq!(ombud_core::audit::to_hex(&Sha256::digest(&zip)), built.info.sha256_hex);
        let details = shop
            .app
            .show(ombud_core::id::Id::parse(&mine.id).unwrap(), false, &Actor::Cli)
            .await
            .unwrap();
        assert!(details.timeline.iter().any(|e| e.action == "fulfil.package_downloaded"));
        assert!(details.timeline.iter().any(|e| e.action == "fulfil.package_link_made"));
        // The link lives minutes, not days.
        shop.clock.advance(jiff::SignedDuration::from_mins(16));
        assert_eq!(
            send(router, get(&link).body(Body::empty()).unwrap()).await.0,
            StatusCode::NOT_FOUND
        );

        // What the person typed as their name is never markup on any page.
        for page in &pages {
            assert!(!page.contains(XSS));
        }
    }
);

store_test!(
    another_persons_key_or_cookie_opens_nothing_and_every_route_answers_the_same_404,
    |t| async move {
        let shop = shop(&t).await;
        let router = &shop.router;
        let ada = submit(router, "gdpr", "Ada Example", &ombud_workload::customer_email(1)).await;
        let bo = submit(router, "gdpr", "Bo Example", &ombud_workload::customer_email(2)).await;
        shop.app.deliver_pending().await.unwrap();
        // Ada's request gets a package, so there is something to steal.
        let ada_id = ombud_core::id::Id::parse(&ada.id).unwrap();
        shop.app
            .attest_verification(
                ada_id,
                ombud_core::verification::Level::ReasonablyHigh,
                ombud_core::VerificationMethod::DataPoints,
                &Actor::Cli,
            )
            .await
            .unwrap();
        shop.app.build_package(ada_id, &Actor::System).await.unwrap();

        let (_, _, nowhere) =
            send(router, get("/status/not-an-id").body(Body::empty()).unwrap()).await;
        let a = format!("/status/{}", ada.id);
        let attempts: Vec<(String, Request<Body>)> = vec![
            ("no key".into(), get(&a).body(Body::empty()).unwrap()),
            ("bo's key".into(), get(&format!("{a}?key={}", bo.key)).body(Body::empty()).unwrap()),
            (
                "bo's cookie".into(),
                get(&a).header("cookie", &bo.cookie).body(Body::empty()).unwrap(),
            ),
            (
                "a forged key".into(),
                get(&format!("{a}?key={}", "A".repeat(43))).body(Body::empty()).unwrap(),
            ),
            (
                "bo's key on an id that does not exist".into(),
                get(&format!("/status/{}?key={}", "0".repeat(ada.id.len()), bo.key))
                    .body(Body::empty())
                    .unwrap(),
            ),
            (
                "code, bo's key".into(),
                post_form(&format!("{a}/code"), &format!("key={}&code=123456", bo.key), None),
            ),
            (
                "code, bo's cookie".into(),
                post_form(&format!("{a}/code"), "code=123456", Some(&bo.cookie)),
            ),
            (
                "resend, bo's key".into(),
                post_form(&format!("{a}/resend"), &format!("key={}", bo.key), None),
            ),
            ("resend, bo's cookie".into(), post_form(&format!("{a}/resend"), "", Some(&bo.cookie))),
            (
                "a made-up package link".into(),
                get(&format!("/package/{}", "ab".repeat(32))).body(Body::empty()).unwrap(),
            ),
            (
                "ada's key on bo's id".into(),
                get(&format!("/status/{}?key={}", bo.id, ada.key)).body(Body::empty()).unwrap(),
            ),
        ];
        for (what, request) in attempts {
            let (status, headers, page) = send(router, request).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
            assert_eq!(page, nowhere, "{what}: the same page as for no request at all");
            assert!(headers.get("location").is_none(), "{what}");
            assert!(
                headers
                    .get_all("set-cookie")
                    .iter()
                    .all(|c| !c.to_str().unwrap().contains("ombud_owner")),
                "{what}"
            );
        }
        // The download looks at the owner cookie only, and answers every browser
        // without it the same refusal, whether the request exists or not (and whatever
        // key the address or the form carries, Ada's own included).
        let downloads: Vec<(&str, Request<Body>)> = vec![
            ("bo's key", post_form(&format!("{a}/download"), &format!("key={}", bo.key), None)),
            ("bo's cookie", post_form(&format!("{a}/download"), "", Some(&bo.cookie))),
            ("no key", post_form(&format!("{a}/download"), "", None)),
            (
                "ada's own key, in the address and the form",
                post_form(
                    &format!("{a}/download?key={}", ada.key),
                    &format!("key={}", ada.key),
                    None,
                ),
            ),
            (
                "an id that does not exist",
                post_form(&format!("/status/{}/download", "0".repeat(ada.id.len())), "", None),
            ),
            ("not an id", post_form("/status/not-an-id/download", "", None)),
        ];
        let mut refusal = None;
        for (what, request) in downloads {
            let (status, headers, page) = send(router, request).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
            assert!(page.contains("only in the browser the request was made from"), "{what}");
            assert_eq!(refusal.get_or_insert_with(|| page.clone()), &page, "{what}: one refusal");
            assert!(headers.get("location").is_none(), "{what}");
            assert_eq!(owner_cookie_set(&headers), None, "{what}");
        }
        // Nothing was done to Ada's request by those attempts: no download link made,
        // no code sent.
        let details = shop.app.show(ada_id, false, &Actor::Cli).await.unwrap();
        assert!(!details.timeline.iter().any(|e| e.action == "fulfil.package_link_made"));
        assert_eq!(details.timeline.iter().filter(|e| e.action == "request.code_sent").count(), 1);
        // Each still opens their own.
        for (mine, other) in [(&ada, &bo), (&bo, &ada)] {
            let (status, _, page) = send(
                router,
                get(&format!("/status/{}", mine.id))
                    .header("cookie", &mine.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains(&mine.id) && !page.contains(&other.id));
        }
        // With both cookies (one browser, two requests), each page opens with its own.
        let both = format!("{}; {}", bo.cookie, ada.cookie);
        let (status, _, page) =
            send(router, get(&a).header("cookie", &both).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Download your data"));
    }
);

store_test!(uploads_must_be_pdf_png_or_jpeg_and_at_most_5_mib, |t| async move {
    let (app, router, _dir) = site(&t, "shop.yaml").await;
    let agent = |document: Option<&[u8]>| {
        multipart(
            &[
                ("law", "ccpa"),
                ("name", "Ada Example"),
                ("email", "ada@example.com"),
                ("agent", "yes"),
                ("agent_name", "Agency Example"),
                ("agent_email", "agent@example.com"),
                ("agent_proof", "signed_permission"),
            ],
            document,
        )
    };
    // A page that calls itself a PDF but is HTML.
    let (status, _, page) =
        send(&router, post_request("delete", agent(Some(b"<html><script>x</script>")))).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{page}");
    assert!(page.contains("PDF, PNG or JPEG"));
    assert!(page.contains("value=\"Agency Example\""), "the form keeps what was typed");
    // One byte over 5 MiB.
    let (status, _, page) =
        send(&router, post_request("delete", agent(Some(&pdf((5 << 20) + 1))))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(page.contains("5 MiB"));
    // A body far past the route's limit is cut off, not read.
    let (status, _, _) = send(&router, post_request("delete", agent(Some(&pdf(7 << 20))))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // An agent without the document.
    let (status, _, page) = send(&router, post_request("delete", agent(None))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("R-060"), "{page}");
    assert!(app.list(&Filter::default()).await.unwrap().is_empty(), "nothing was stored");

    // A real PDF of 200 KiB (far past the pages' 4 KiB limit) goes through and is kept
    // with the request as the agent's proof.
    let (status, headers, page) =
        send(&router, post_request("delete", agent(Some(&pdf(200 << 10))))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let made = made(&headers);
    let details =
        app.show(ombud_core::id::Id::parse(&made.id).unwrap(), false, &Actor::Cli).await.unwrap();
    assert_eq!(details.documents.len(), 1);
    assert_eq!(details.documents[0].kind, "signed_permission");
    assert_eq!(details.documents[0].content_type, "application/pdf");
    assert_eq!(details.documents[0].size_bytes, 200 << 10);
    assert!(details.record.request.agent.is_some());
    // Other pages keep their small limit.
    let big = format!("action={}", "x".repeat(8 << 10));
    assert_eq!(
        send(&router, post_form("/preferences", &big, None)).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
});

store_test!(forms_posted_from_another_site_are_refused_before_anything_happens, |t| async move {
    let (app, router, _dir) = site(&t, "shop.yaml").await;
    let body = multipart(&[("law", "gdpr"), ("email", "ada@example.com")], None);
    let forged = |uri: &str, content_type: &str, body: Vec<u8>| {
        Request::post(uri)
            .header("content-type", content_type)
            .header("sec-fetch-site", "cross-site")
            .body(Body::from(body))
            .unwrap()
    };
    let multipart_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let (status, _, _) =
        send(&router, forged("/request/access", &multipart_type, body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.list(&Filter::default()).await.unwrap().is_empty());
    // An Origin of another site, without Sec-Fetch-Site.
    let (status, _, _) = send(
        &router,
        Request::post("/request/access")
            .header("content-type", &multipart_type)
            .header("origin", "https://evil.example")
            .header("host", "privacy.example")
            .body(Body::from(body.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.list(&Filter::default()).await.unwrap().is_empty());

    let made = submit(&router, "gdpr", "Ada Example", "ada@example.com").await;
    let a = format!("/status/{}", made.id);
    let form = "application/x-www-form-urlencoded";
    for (uri, body) in [
        (format!("{a}/code"), format!("key={}&code=123456", made.key)),
        (format!("{a}/resend"), format!("key={}", made.key)),
        (format!("{a}/download"), format!("key={}", made.key)),
        ("/preferences".to_owned(), "action=opt_out".to_owned()),
    ] {
        let (status, _, _) = send(&router, forged(&uri, form, body.into_bytes())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    let id = ombud_core::id::Id::parse(&made.id).unwrap();
    let details = app.show(id, false, &Actor::Cli).await.unwrap();
    assert!(!details.timeline.iter().any(|e| e.action == "request.code_failed"));
    assert_eq!(details.timeline.iter().filter(|e| e.action == "request.code_sent").count(), 1);
});

store_test!(what_a_person_types_is_escaped_on_every_page, |t| async move {
    let (_app, router, _dir) = site(&t, "shop.yaml").await;
    // A refused form shows what was typed again: escaped.
    let body = multipart(
        &[("law", "ccpa"), ("name", XSS), ("email", "not an address"), ("details", XSS)],
        None,
    );
    let (status, _, page) = send(&router, post_request("correct", body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(!page.contains(XSS), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let made = submit(&router, "ccpa", XSS, "ada@example.com").await;
    // A key that is markup goes nowhere and is not echoed.
    for uri in [
        format!("/status/{}?key={}", made.id, made.key),
        format!("/status/{}?key=%3Cscript%3E", made.id),
        "/request/%3Cscript%3E".to_owned(),
        "/request/access?law=%3Cscript%3E".to_owned(),
        "/preferences".to_owned(),
    ] {
        let (_, _, page) = send(&router, get(&uri).body(Body::empty()).unwrap()).await;
        assert!(!page.contains("<script>"), "{uri}: {page}");
    }
});

store_test!(
    every_new_page_says_opt_out_request_honored_while_gpc_is_on_r117_r124,
    |t| async move {
        let (_app, router, _dir) = site(&t, "shop.yaml").await;
        let made = submit(&router, "gdpr", "Ada Example", "ada@example.com").await;
        for uri in [
            "/".to_owned(),
            "/request".to_owned(),
            "/request/access?law=gdpr".to_owned(),
            "/preferences".to_owned(),
            format!("/status/{}?key={}", made.id, made.key),
        ] {
            let (status, _, page) = send(&router, get(&uri).body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert!(!page.contains("Opt-Out Request Honored"), "{uri}: no signal, no claim");
            let (status, _, page) =
                send(&router, get(&uri).header("sec-gpc", "1").body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert!(page.contains("Opt-Out Request Honored"), "{uri}: {page}");
        }
        // The home page links the new pages.
        let (_, _, home) = send(&router, get("/").body(Body::empty()).unwrap()).await;
        assert!(home.contains("href=\"/request\"") && home.contains("href=\"/preferences\""));
    }
);

store_test!(
    preferences_record_this_browsers_choices_and_a_gpc_opt_out_cannot_be_undone_r118_r121,
    |t| async move {
        // The shop's own clock, moved on between clicks as a person's would be: choices
        // made in the same millisecond are ordered by the law's rule, not by the clicks.
        let shop = shop(&t).await;
        let (app, router) = (&shop.app, &shop.router);
        let (status, headers, page) =
            send(router, get("/preferences").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Not opted out") && page.contains("Not limited"), "{page}");
        assert!(page.contains("Send the newsletters you asked for"), "purposes needing consent");
        assert!(page.contains("Weekly newsletter") && page.contains("unsubscribe link"));
        let device = headers.get("set-cookie").unwrap().to_str().unwrap();
        let device = device.split(';').next().unwrap().to_owned();
        let subject =
            ombud_app::choices::ChoiceSubject::device(device.split('=').nth(1).unwrap()).unwrap();
        let post = |action: &str, gpc: bool| {
            let mut builder = Request::post("/preferences")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .header("cookie", &device);
            if gpc {
                builder = builder.header("sec-gpc", "1");
            }
            shop.clock.advance(jiff::SignedDuration::from_secs(2));
            builder.body(Body::from(format!("action={action}"))).unwrap()
        };

        let (status, _, page) = send(router, post("consent%3Anewsletter", false)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("You consented."));
        let (status, _, page) = send(router, post("opt_out", false)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Opted out") && page.contains("Opt-Out Request Honored"));
        // Opting back in takes a request and a confirmation.
        let (_, _, page) = send(router, post("opt_in_request", false)).await;
        assert!(page.contains("Confirm: allow sale and sharing again"), "{page}");
        assert!(page.contains("Opted out"), "the opt-out stands until confirmed");
        let (_, _, page) = send(router, post("opt_in_confirm", false)).await;
        assert!(page.contains("Not opted out"), "{page}");
        // With the signal on, the browser is opted out and cannot opt back in here
        //
        let (status, _, page) = send(router, post("opt_in_request", true)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            page.contains("Global Privacy Control") && page.contains("Opt-Out Request Honored")
        );
        let (_, _, page) = send(
            router,
            get("/preferences")
                .header("cookie", &device)
                .header("sec-gpc", "1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(!page.contains("Opt back in"), "{page}");
        let (status, _, _) = send(router, post("limit", false)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = send(router, post("consent%3Anot-a-purpose", false)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let history = app.consent_history(&subject, &Actor::Cli).await.unwrap();
        let codes: Vec<(&str, &str)> =
            history.iter().map(|e| (e.choice.as_str(), e.source.as_str())).collect();
        assert!(codes.contains(&("consent", "form")), "{codes:?}");
        assert!(codes.contains(&("limit_sensitive", "form")), "{codes:?}");
        assert!(codes.iter().any(|(_, source)| *source == "gpc"), "{codes:?}");
        assert!(
            history.iter().filter(|e| e.source == "form").all(|e| e.notice_version.is_some()),
            "the notice version shown is recorded with each choice"
        );
    }
);

store_test!(
    refused_codes_answer_what_went_wrong_too_many_is_429_a_settled_request_409_r045,
    |t| async move {
        let shop = shop(&t).await;
        let router = &shop.router;
        let mine = submit(router, "gdpr", "Ada Example", &ombud_workload::customer_email(1)).await;
        shop.app.deliver_pending().await.unwrap();
        let right = last_code(shop.outbox.path());
        let wrong = if right == "000000" { "111111" } else { "000000" };
        let code = |code: &str| {
            post_form(
                &format!("/status/{}/code", mine.id),
                &format!("code={code}"),
                Some(&mine.cookie),
            )
        };
        for _ in 0..5 {
            assert_eq!(send(router, code(wrong)).await.0, StatusCode::BAD_REQUEST);
        }
        // Past the tries a code allows, even the right one is refused: too many.
        let (status, _, page) = send(router, code(&right)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
        assert!(page.contains("Too many wrong codes"), "{page}");
        let resend = || post_form(&format!("/status/{}/resend", mine.id), "", Some(&mine.cookie));
        assert_eq!(send(router, resend()).await.0, StatusCode::OK);
        shop.app.deliver_pending().await.unwrap();
        let (status, _, page) = send(router, code(&last_code(shop.outbox.path()))).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("We have confirmed it is you"), "{page}");
        // A code for a request past verification is a conflict with where it stands,
        // not a malformed form.
        let (status, _, page) = send(router, resend()).await;
        assert_eq!(status, StatusCode::CONFLICT, "{page}");
        assert!(page.contains("needs no code"), "{page}");
    }
);

store_test!(one_click_on_the_preferences_page_records_all_its_choices_or_none, |t| async move {
    let (app, router, _dir) = site(&t, "shop.yaml").await;
    // The page's opt-out: the three records, written together.
    let (_, headers, _) = send(&router, get("/preferences").body(Body::empty()).unwrap()).await;
    let device = headers.get("set-cookie").unwrap().to_str().unwrap();
    let device = device.split(';').next().unwrap().to_owned();
    let browser =
        ombud_app::choices::ChoiceSubject::device(device.split('=').nth(1).unwrap()).unwrap();
    let (status, _, page) = send(
        &router,
        Request::post("/preferences")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("cookie", &device)
            .body(Body::from("action=opt_out"))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Opted out"), "{page}");
    let history = app.consent_history(&browser, &Actor::Cli).await.unwrap();
    let opt_outs: Vec<_> = history.iter().filter(|e| e.choice.starts_with("opt_out")).collect();
    assert_eq!(opt_outs.len(), 3, "{history:?}");
    assert!(opt_outs.iter().all(|e| e.at_ms == opt_outs[0].at_ms), "one transaction");

    // A batch whose second record is refused keeps none of them: a child under 13
    // cannot consent for themself, and the opt-out before it in the
    // same batch is not kept either.
    use ombud_app::choices::{LedgerChoice, NewChoice};
    use ombud_policy::decide::{AgeBand, Choice, Source};
    let child = ombud_app::choices::ChoiceSubject::device("child-browser").unwrap();
    let choice = |choice: LedgerChoice, source: Source| NewChoice {
        subject: child.clone(),
        choice,
        source,
        notice_version: Some("2026-01".to_owned()),
    };
    app.record_choice(
        choice(LedgerChoice::Age(AgeBand::Under13), Source::Staff),
        &Actor::Staff("s1".into()),
    )
    .await
    .unwrap();
    let refused = app
        .record_choices(
            &[
                choice(LedgerChoice::Decision(Choice::LimitSensitive), Source::Form),
                choice(
                    LedgerChoice::Decision(Choice::Consent {
                        purpose: "newsletter".to_owned(),
                        by_parent: false,
                    }),
                    Source::Form,
                ),
            ],
            &Actor::Subject,
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, ombud_app::AppError::Forbidden(_)), "{refused}");
    let history = app.consent_history(&child, &Actor::Cli).await.unwrap();
    let codes: Vec<&str> = history.iter().map(|e| e.choice.as_str()).collect();
    assert_eq!(codes, ["age"], "nothing of the refused batch was kept");
    // An age goes on its own: the choices after it would be checked without it.
    let mixed = app
        .record_choices(
            &[
                choice(LedgerChoice::Age(AgeBand::Adult), Source::Staff),
                choice(LedgerChoice::Decision(Choice::LimitSensitive), Source::Staff),
            ],
            &Actor::Staff("s1".into()),
        )
        .await
        .unwrap_err();
    assert!(matches!(mixed, ombud_app::AppError::Invalid(_)), "{mixed}");
});

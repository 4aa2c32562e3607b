//! The privacy center over HTTP, through the router (`oneshot`), on a real store:
//! GPC honored without a click and said on every page (R-117, R-120, R-124), the
//! well-known file (R-323), RFC 8058 one-click unsubscribe (a GET never unsubscribes;
//! forged tokens, wrong bodies and oversized bodies refused), strict security headers,
//! health and readiness.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ombud_app::Actor;
use ombud_app::choices::{ChoiceSubject, LedgerChoice, NewChoice};
use ombud_policy::decide::Source;
use ombud_testkit::store_test;

mod common;
use common::{get, send, site};

store_test!(
    a_browser_sending_gpc_is_opted_out_without_a_click_and_every_page_says_so_r117_r124,
    |t| async move {
        let (app, router, _dir) = site(&t, "events.yaml").await;
        let (status, headers, body) = send(&router, get("/").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("Opt-Out Request Honored"), "no signal, no claim");
        let cookie = headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("Secure")
                && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let id = cookie.split(';').next().unwrap().to_owned();

        // "Sec-GPC: yes" is not the signal.
        let (_, _, body) = send(
            &router,
            get("/").header("cookie", &id).header("sec-gpc", "yes").body(Body::empty()).unwrap(),
        )
        .await;
        assert!(!body.contains("Opt-Out Request Honored"));

        let (status, _, body) = send(
            &router,
            get("/").header("cookie", &id).header("sec-gpc", "1").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Opt-Out Request Honored"), "{body}");
        let device = ChoiceSubject::device(id.split('=').nth(1).unwrap()).unwrap();
        let history = app.consent_history(&device, &Actor::Cli).await.unwrap();
        assert_eq!(history.len(), 3, "sale, sharing, targeted ads, once");
        assert!(history.iter().all(|e| e.source == "gpc"));

        // Every page of the privacy center says it, and replays record nothing.
        let (status, _, body) = send(
            &router,
            get("/notice/ccpa")
                .header("cookie", &id)
                .header("sec-gpc", "1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Opt-Out Request Honored"));
        assert_eq!(app.consent_history(&device, &Actor::Cli).await.unwrap().len(), 3);
        // A later visit without the signal is not an opt-in (R-123); the opt-out stands.
        let (_, _, body) =
            send(&router, get("/").header("cookie", &id).body(Body::empty()).unwrap()).await;
        assert!(body.contains("Opt-Out Request Honored"));
    }
);

store_test!(every_response_carries_a_strict_policy_and_the_well_known_file_r323, |t| async move {
    let (_app, router, _dir) = site(&t, "events.yaml").await;
    for uri in ["/", "/notice/ccpa", "/.well-known/gpc.json", "/nowhere", "/healthz", "/readyz"] {
        let (status, headers, _) = send(&router, get(uri).body(Body::empty()).unwrap()).await;
        let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.starts_with("default-src 'none'")
                && !csp.contains("unsafe-inline")
                && !csp.contains("script-src"),
            "{csp}"
        );
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(
            status,
            if uri == "/nowhere" { StatusCode::NOT_FOUND } else { StatusCode::OK },
            "{uri}"
        );
    }
    let (_, headers, body) =
        send(&router, get("/.well-known/gpc.json").body(Body::empty()).unwrap()).await;
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["gpc"], true);
    assert_eq!(json["lastUpdate"], "2026-10-15");
    // The events program is not under the GDPR: no such notice.
    assert_eq!(
        send(&router, get("/notice/gdpr").body(Body::empty()).unwrap()).await.0,
        StatusCode::NOT_FOUND
    );
});

store_test!(
    one_click_unsubscribe_works_by_post_only_and_refuses_forgeries_rfc8058,
    |t| async move {
        let (app, router, _dir) = site(&t, "saas.yaml").await;
        let ada = ChoiceSubject::email("ada@example.com").unwrap();
        app.record_choice(
            NewChoice {
                subject: ada.clone(),
                choice: LedgerChoice::Subscribe("newsletter".into()),
                source: Source::Form,
                notice_version: Some("2026.1".into()),
            },
            &Actor::Subject,
        )
        .await
        .unwrap();
        let token = app.unsubscribe_token(&ada, "newsletter").unwrap();
        let uri = format!("/unsubscribe/{token}");
        // A GET (a mail scanner opening the link) shows a button and changes nothing.
        let (status, _, body) = send(&router, get(&uri).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("name=\"List-Unsubscribe\" value=\"One-Click\""));
        assert!(app.consent_view(&ada, &Actor::Cli).await.unwrap().lists[0].1);

        let post = |uri: &str, body: &'static [u8]| {
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap()
        };
        assert_eq!(send(&router, post(&uri, b"unsubscribe=yes")).await.0, StatusCode::BAD_REQUEST);
        let mut forged = token.clone();
        forged.replace_range(10..11, if &forged[10..11] == "A" { "B" } else { "A" });
        assert_eq!(
            send(&router, post(&format!("/unsubscribe/{forged}"), b"List-Unsubscribe=One-Click"))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let huge = Request::post(&uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(vec![b'a'; 10_000]))
            .unwrap();
        assert_eq!(send(&router, huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(
            app.consent_view(&ada, &Actor::Cli).await.unwrap().lists[0].1,
            "nothing refused changed anything"
        );

        let (status, _, body) = send(&router, post(&uri, b"List-Unsubscribe=One-Click")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("You are unsubscribed"));
        assert!(!app.consent_view(&ada, &Actor::Cli).await.unwrap().lists[0].1);
        assert_eq!(
            send(&router, post(&uri, b"List-Unsubscribe=One-Click")).await.0,
            StatusCode::OK,
            "a second click is harmless"
        );
    }
);

store_test!(
    do_not_sell_opts_out_the_browser_and_the_person_with_no_account_or_verification_r110_r112,
    |t| async move {
        let (app, router, _dir) = site(&t, "events.yaml").await;
        let (_, _, home) = send(&router, get("/").body(Body::empty()).unwrap()).await;
        assert!(home.contains(
            "href=\"/do-not-sell-or-share\">Do Not Sell or Share My Personal Information</a>"
        ));
        assert!(home.contains("Limit the Use of My Sensitive Personal Information"));
        let (status, headers, page) =
            send(&router, get("/do-not-sell-or-share").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("<h1>Do Not Sell or Share My Personal Information</h1>"));
        assert!(page.contains("<label for=\"email\">"), "labelled fields");
        let cookie = headers
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();

        let sale = ombud_policy::decide::Query {
            purpose: Some("sponsor_offers"),
            recipient: Some("sponsors"),
            category: "contact_details",
            law: ombud_core::Law::Ccpa,
        };
        let ada = ChoiceSubject::email("ada@example.com").unwrap();
        let post = |site_header: &'static str, body: &'static str| {
            Request::post("/do-not-sell-or-share")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &cookie)
                .header("host", "privacy.example.com")
                .header("sec-fetch-site", site_header)
                .body(Body::from(body))
                .unwrap()
        };
        // Another site cannot opt a visitor out (or in) behind their back.
        assert_eq!(
            send(&router, post("cross-site", "email=ada%40example.com")).await.0,
            StatusCode::FORBIDDEN
        );
        assert!(app.decide(Some(&ada), &sale).unwrap().allowed, "nothing recorded");
        assert_eq!(
            send(&router, post("same-origin", "email=not-an-address")).await.0,
            StatusCode::BAD_REQUEST
        );

        let (status, _, body) = send(&router, post("same-origin", "email=Ada%40Example.com")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("Opt-Out Request Honored") && body.contains("reference"), "{body}");
        assert!(!app.decide(Some(&ada), &sale).unwrap().allowed);
        let browser = ChoiceSubject::device(cookie.split('=').nth(1).unwrap()).unwrap();
        assert!(!app.decide(Some(&browser), &sale).unwrap().allowed);
        // The request went through the workflow and is closed (§7101 record).
        let requests = app.list(&ombud_store::requests::Filter::default()).await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].request.status.id(), "completed");

        // An Origin from elsewhere is refused too, when the browser sends no Sec-Fetch-Site.
        let foreign = Request::post("/limit-sensitive")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "privacy.example.com")
            .header("origin", "https://attacker.example")
            .body(Body::from("email="))
            .unwrap();
        assert_eq!(send(&router, foreign).await.0, StatusCode::FORBIDDEN);
    }
);

store_test!(a_program_that_does_not_sell_has_no_do_not_sell_page, |t| async move {
    let (_app, router, _dir) = site(&t, "saas.yaml").await;
    assert_eq!(
        send(&router, get("/do-not-sell-or-share").body(Body::empty()).unwrap()).await.0,
        StatusCode::NOT_FOUND
    );
});

store_test!(
    the_decisions_api_answers_single_and_batch_questions_for_a_scoped_token_only,
    |t| async move {
        let (app, router, _dir) = site(&t, "events.yaml").await;
        use ombud_app::tokens::Scope;
        let (_, token) =
            app.create_api_token("ad server", &[Scope::Decide], &Actor::Cli).await.unwrap();
        let (reader_id, reader) =
            app.create_api_token("crm", &[Scope::ConsentRead], &Actor::Cli).await.unwrap();
        let call = |uri: &str, bearer: &str, body: String| {
            Request::post(uri)
                .header("authorization", format!("Bearer {bearer}"))
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        let question = r#"{"subject":"email:ada@example.com","purpose":"sponsor_offers","recipient":"sponsors","category":"contact_details"}"#;
        let (status, _, body) =
            send(&router, call("/v1/decisions", token.expose(), question.to_owned())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["allowed"], true);
        assert_eq!(answer["rule"], "allowed_sale_or_share");

        app.record_choice(
            NewChoice {
                subject: ChoiceSubject::email("ada@example.com").unwrap(),
                choice: LedgerChoice::Decision(ombud_policy::decide::Choice::OptOutOfSale),
                source: Source::Api,
                notice_version: None,
            },
            &Actor::System,
        )
        .await
        .unwrap();
        let (_, _, body) =
            send(&router, call("/v1/decisions", token.expose(), question.to_owned())).await;
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["allowed"], false);
        assert!(answer["explanation"].as_str().unwrap().contains("opted out"));

        // A batch: ada (opted out), grace (not), an unknown recipient (named, denied).
        let batch = r#"{"questions":[
        {"subject":"email:ada@example.com","purpose":"sponsor_offers","recipient":"sponsors","category":"contact_details"},
        {"subject":"email:grace@example.com","purpose":"sponsor_offers","recipient":"sponsors","category":"contact_details"},
        {"purpose":"sponsor_offers","recipient":"spnosors","category":"contact_details","law":"ccpa"}]}"#;
        let (status, _, body) =
            send(&router, call("/v1/decisions/batch", token.expose(), batch.to_owned())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        let rules: Vec<&str> = answer["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["opted_out_of_sale", "allowed_sale_or_share", "unknown_id"]);

        // No token, a wrong one, one without the scope, a revoked one: 403 with a stable code.
        for bearer in ["", "ombud_nope", reader.expose()] {
            let (status, _, body) =
                send(&router, call("/v1/decisions", bearer, question.to_owned())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{bearer}");
            assert!(body.contains("\"code\":\"forbidden\""), "{body}");
        }
        assert!(app.revoke_api_token(reader_id, &Actor::Cli).await.unwrap());
        let (short_id, short_lived) =
            app.create_api_token("trial", &[Scope::Decide], &Actor::Cli).await.unwrap();
        assert_eq!(
            send(&router, call("/v1/decisions", short_lived.expose(), question.to_owned())).await.0,
            StatusCode::OK
        );
        assert!(app.revoke_api_token(short_id, &Actor::Cli).await.unwrap());
        assert_eq!(
            send(&router, call("/v1/decisions", short_lived.expose(), question.to_owned())).await.0,
            StatusCode::FORBIDDEN,
            "revoked: stops at once"
        );
        // Bad input: not JSON, unknown fields, a bad subject, too many questions.
        for bad in [
            "{",
            r#"{"category":"contact_details","colour":"red"}"#,
            r#"{"subject":"ada","category":"contact_details"}"#,
        ] {
            let (status, _, body) =
                send(&router, call("/v1/decisions", token.expose(), bad.to_owned())).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
            assert!(body.contains("\"code\":\"invalid\"") && !body.contains("ada@"), "{body}");
        }
        let many = format!(
            "{{\"questions\":[{}]}}",
            vec![r#"{"category":"contact_details"}"#; 10_001].join(",")
        );
        assert_eq!(
            send(&router, call("/v1/decisions/batch", token.expose(), many)).await.0,
            StatusCode::BAD_REQUEST
        );
    }
);

store_test!(public_forms_are_rate_limited_per_address_and_the_api_is_not, |t| async move {
    let (_app, router, _dir) = site(&t, "events.yaml").await;
    let post = || Request::post("/unsubscribe/whatever").body(Body::from("nope")).unwrap();
    for _ in 0..ombud_web::limit::WRITES_PER_MINUTE {
        assert_eq!(send(&router, post()).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, headers, _) = send(&router, post()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers.get("retry-after").unwrap(), "60");
    // Reading pages has its own budget; the API answers to tokens, not addresses.
    assert_eq!(send(&router, get("/").body(Body::empty()).unwrap()).await.0, StatusCode::OK);
    for _ in 0..25 {
        let call = Request::post("/v1/decisions").body(Body::from("{}")).unwrap();
        assert_eq!(send(&router, call).await.0, StatusCode::FORBIDDEN);
    }
});

store_test!(the_consents_api_records_and_reads_choices_with_their_own_scopes, |t| async move {
    let (app, router, _dir) = site(&t, "saas.yaml").await;
    use ombud_app::tokens::Scope;
    let (_, writer) =
        app.create_api_token("crm", &[Scope::ConsentWrite], &Actor::Cli).await.unwrap();
    let (_, reader) =
        app.create_api_token("ads", &[Scope::ConsentRead], &Actor::Cli).await.unwrap();
    let call = |uri: &str, bearer: &str, body: &str| {
        Request::post(uri)
            .header("authorization", format!("Bearer {bearer}"))
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let subscribe =
        r#"{"subject":"email:ada@example.com","choice":"subscribe","target":"newsletter"}"#;
    let (status, _, body) = send(&router, call("/v1/consents", writer.expose(), subscribe)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A consent without the notice shown is refused: it is the proof (R-251).
    let consent = r#"{"subject":"email:ada@example.com","choice":"consent","target":"analytics"}"#;
    let (status, _, body) = send(&router, call("/v1/consents", writer.expose(), consent)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Scopes are kept apart.
    assert_eq!(
        send(&router, call("/v1/consents", reader.expose(), subscribe)).await.0,
        StatusCode::FORBIDDEN
    );
    let query = r#"{"subject":"email:ada@example.com"}"#;
    assert_eq!(
        send(&router, call("/v1/consents/query", writer.expose(), query)).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _, body) = send(&router, call("/v1/consents/query", reader.expose(), query)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let view: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(view["lists"][0]["subscribed"], true);
    assert!(!body.contains("ada@"), "the answer does not repeat the identifier");
});

store_test!(
    the_access_log_names_route_templates_never_tokens_queries_or_addresses,
    |t| async move {
        let (app, _, _dir) = site(&t, "events.yaml").await;
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let router = ombud_web::router(std::sync::Arc::new(
            ombud_web::Site::new(app).unwrap().with_access_log(std::sync::Arc::new(move |r| {
                sink.lock().unwrap().push(r.clone())
            })),
        ));
        let secret = "0123456789abcdef0123456789abcdef";
        for uri in [format!("/unsubscribe/{secret}"), "/nowhere?email=ada%40example.com".to_owned()]
        {
            send(&router, get(&uri).body(Body::empty()).unwrap()).await;
        }
        let lines: Vec<String> =
            seen.lock().unwrap().iter().map(|r| serde_json::to_string(r).unwrap()).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains(r#""route":"/unsubscribe/{token}""#), "{}", lines[0]);
        assert!(lines[1].contains(r#""route":"-","status":404"#), "{}", lines[1]);
        for line in &lines {
            assert!(!line.contains(secret) && !line.contains("example.com"), "{line}");
            assert!(!line.contains("127.0.0.1") && !line.contains("192.0.2"), "{line}");
        }
    }
);

store_test!(each_notice_text_served_is_archived_once_and_readable_again_r251, |t| async move {
    let (app, router, _dir) = site(&t, "events.yaml").await;
    let (status, _, served) = send(&router, get("/notice/ccpa").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(served.contains("href=\"/notice/ccpa/versions\""), "the notice links its history");
    // A second view archives nothing new.
    send(&router, get("/notice/ccpa").body(Body::empty()).unwrap()).await;
    let versions = app.notice_versions("ccpa").await.unwrap();
    assert_eq!(versions.len(), 1, "{versions:?}");
    let sha = versions[0].sha256_hex.clone();

    let (status, _, list) =
        send(&router, get("/notice/ccpa/versions").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("/notice/ccpa/versions/{sha}")), "{list}");
    assert!(list.contains(&versions[0].version), "{list}");
    let (status, headers, old) =
        send(&router, get(&format!("/notice/ccpa/versions/{sha}")).body(Body::empty()).unwrap())
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old, served, "the archived text is the text served");
    let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
    let style = ombud_web::html::style_block(&old).unwrap();
    assert!(csp.contains(&ombud_web::html::csp_hash(style)), "{csp}");

    // A text changed under the same version number is kept beside the first.
    assert!(
        app.archive_notice("ccpa", &versions[0].version, "2026-01-01", "<html>edited</html>")
            .await
            .unwrap()
    );
    assert!(
        !app.archive_notice("ccpa", &versions[0].version, "2026-01-01", "<html>edited</html>")
            .await
            .unwrap()
    );
    assert_eq!(app.notice_versions("ccpa").await.unwrap().len(), 2);

    for bad in ["/notice/ccpa/versions/abc", "/notice/xx/versions", "/notice/gdpr/versions/../../x"]
    {
        let (status, _, _) = send(&router, get(bad).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    let missing = format!("/notice/ccpa/versions/{}", "0".repeat(64));
    let (status, _, _) = send(&router, get(&missing).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

store_test!(
    a_token_revoked_by_another_process_stops_here_within_the_token_cache_time,
    |t| async move {
        use ombud_app::tokens::{Scope, TOKEN_CACHE_MS};
        // Two apps on one store: this server, and another process (the CLI) revoking.
        let (app, router, _dir, clock) = common::site_with_clock(&t, "events.yaml").await;
        let (other, _, _other_dir, _) = common::site_with_clock(&t, "events.yaml").await;
        let (id, token) = app.create_api_token("ads", &[Scope::Decide], &Actor::Cli).await.unwrap();
        let ask = || {
            Request::post("/v1/decisions")
                .header("authorization", format!("Bearer {}", token.expose()))
                .header("content-type", "application/json")
                .body(Body::from(r#"{"category":"contact_details"}"#))
                .unwrap()
        };
        assert_eq!(send(&router, ask()).await.0, StatusCode::OK);
        assert!(other.revoke_api_token(id, &Actor::Cli).await.unwrap());
        // Still trusted from this server's cache for at most TOKEN_CACHE_MS …
        assert_eq!(send(&router, ask()).await.0, StatusCode::OK);
        clock.advance(jiff::SignedDuration::from_millis(TOKEN_CACHE_MS));
        // … and refused once it has passed.
        assert_eq!(send(&router, ask()).await.0, StatusCode::FORBIDDEN);
    }
);

//! The staff pages over HTTP, through the router (`oneshot`), on a real store (SQLite,
//! and PostgreSQL when configured): login and its cookie, throttling, sessions that
//! expire by the clock (idle and absolute), logout and session rotation, roles, forms
//! from other sites refused, the queue's order and marks, escaping, the timeline of
//! what staff did, and staff reads of personal data in the audit chain.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use jiff::SignedDuration;
use ombud_app::requests::NewRequest;
use ombud_app::staff::StaffRole;
use ombud_app::{Actor, App};
use ombud_core::{ChannelKind, Law, RequestType};
use ombud_store::requests::Subject;
use ombud_store::staff::AuditLine;
use ombud_testkit::store_test;

mod common;
use common::{get, send, site_with_clock};

const PASSWORD: &str = "correct horse battery staple";

/// Makes a staff user with [`PASSWORD`].
async fn user(app: &App, name: &str, role: StaffRole) -> String {
    let (account, generated) =
        app.create_staff(name, role, Some(PASSWORD), &Actor::Cli).await.unwrap();
    assert!(generated.is_none(), "a given password is not shown back");
    account.id.to_string()
}

/// A form post from the staff pages themselves (as a browser sends it).
fn post(uri: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut builder = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin");
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

/// The same, from a client address.
fn post_from(uri: &str, body: &str, ip: [u8; 4]) -> Request<Body> {
    let mut request = post(uri, None, body);
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    request
}

fn login_body(username: &str, password: &str) -> String {
    format!("username={}&password={}", encode(username), encode(password))
}

/// Form-encodes a value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let set = headers.get("set-cookie")?.to_str().ok()?;
    let pair = set.split(';').next()?.to_owned();
    (pair.starts_with("__Host-ombud_staff=") && pair.len() > "__Host-ombud_staff=".len())
        .then_some(pair)
}

/// Logs in; the session cookie.
async fn login(router: &axum::Router, username: &str) -> String {
    let (status, headers, body) =
        send(router, post("/staff/login", None, &login_body(username, PASSWORD))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    session_cookie(&headers).unwrap()
}

/// A GET with a cookie.
async fn view(router: &axum::Router, uri: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
    send(router, get(uri).header("cookie", cookie).body(Body::empty()).unwrap()).await
}

fn location(headers: &HeaderMap) -> &str {
    headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A CCPA request about `name`, received `days_ago` days before the test's now.
async fn request(app: &App, request_type: RequestType, name: &str, days_ago: i64) -> String {
    let received = app.now().checked_sub(SignedDuration::from_hours(24 * days_ago)).unwrap();
    let submitted = app
        .submit(
            NewRequest {
                request_type,
                law: Law::Ccpa,
                channel: ChannelKind::WebForm,
                received_at: Some(received),
                subject: Subject {
                    name: Some(name.to_owned()),
                    email: Some("pat.example@example.com".to_owned()),
                    ..Subject::default()
                },
                agent: None,
                appeal_of: None,
            },
            &Actor::Subject,
        )
        .await
        .unwrap();
    submitted.id.to_string()
}

async fn events(app: &App, prefix: &str) -> Vec<AuditLine> {
    let mut tx = app.store().read().await.unwrap();
    tx.recent_audit_events(prefix, 1000).await.unwrap()
}

async fn status_of(app: &App, id: &str) -> String {
    let id = ombud_core::id::Id::parse(id).unwrap();
    app.show(id, false, &Actor::Cli).await.unwrap().record.request.status.id().to_owned()
}

store_test!(
    a_login_sets_a_strict_host_cookie_and_wrong_or_unknown_logins_are_refused_alike,
    |t| async move {
        let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
        let alice = user(&app, "alice", StaffRole::Agent).await;

        // Not logged in: the pages send the browser to the login form.
        let (status, headers, _) = send(&router, get("/staff").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location(&headers), "/staff/login");
        let (status, headers, body) =
            send(&router, get("/staff/login").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("<label for=\"username\">") && body.contains("<label for=\"password\">")
        );
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");

        let (status, headers, wrong) = send(
            &router,
            post("/staff/login", None, &login_body("alice", "not the password at all")),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(session_cookie(&headers).is_none());
        let (status, _, unknown) =
            send(&router, post("/staff/login", None, &login_body("mallory.example", PASSWORD)))
                .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let message = "The username or the password is wrong, or the account is disabled.";
        assert!(wrong.contains(message) && unknown.contains(message), "the same answer for both");
        assert!(!wrong.contains("not the password"), "a password is never shown back");

        let (status, headers, _) =
            send(&router, post("/staff/login", None, &login_body(" Alice ", PASSWORD))).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location(&headers), "/staff");
        let set = headers.get("set-cookie").unwrap().to_str().unwrap();
        for part in ["__Host-ombud_staff=", "Path=/", "HttpOnly", "Secure", "SameSite=Strict"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!set.contains("Domain"), "a __Host- cookie names no domain");
        let cookie = session_cookie(&headers).unwrap();
        let (status, _, body) = view(&router, "/staff", &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("Request queue") && body.contains("alice (agent)"), "{body}");

        // The audit chain has the attempts: no password, and the unknown name only hashed.
        let staff = events(&app, "staff.").await;
        let failed: Vec<&AuditLine> =
            staff.iter().filter(|e| e.action == "staff.login_failed").collect();
        assert_eq!(failed.len(), 2);
        assert!(
            failed
                .iter()
                .any(|e| e.payload.contains(&alice) && e.payload.contains("wrong_password"))
        );
        assert!(
            failed
                .iter()
                .any(|e| e.payload.contains("username_mac")
                    && e.payload.contains("unknown_username"))
        );
        assert!(
            staff.iter().any(|e| e.action == "staff.login" && e.actor == format!("staff:{alice}"))
        );
        for event in &staff {
            assert!(!event.payload.contains("mallory"), "{}", event.payload);
            assert!(
                !event.payload.contains("horse") && !event.payload.contains("not the password")
            );
        }
    }
);

store_test!(failed_logins_are_throttled_per_username_and_per_address, |t| async move {
    let (app, router, _dir, clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "alice", StaffRole::Agent).await;
    user(&app, "bob", StaffRole::Agent).await;
    let office = [192, 0, 2, 10];
    for _ in 0..5 {
        let (status, _, _) = send(
            &router,
            post_from("/staff/login", &login_body("alice", "wrong password 1"), office),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, for this username only.
    let (status, headers, body) =
        send(&router, post_from("/staff/login", &login_body("alice", PASSWORD), office)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("Too many failed logins") && session_cookie(&headers).is_none());
    let (status, _, _) =
        send(&router, post_from("/staff/login", &login_body("bob", PASSWORD), office)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "another username is not affected");
    // The window passes.
    clock.advance(SignedDuration::from_mins(16));
    let (status, _, _) =
        send(&router, post_from("/staff/login", &login_body("alice", PASSWORD), office)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // A password sprayed over many usernames from one address: 20 failures, spread
    // over minutes so the per-minute rate limit is not what stops it.
    let sprayer = [198, 51, 100, 7];
    for minute in 0..4 {
        for n in 0..5 {
            let name = format!("guess{minute}{n}");
            let (status, _, _) = send(
                &router,
                post_from("/staff/login", &login_body(&name, "Winter2026!!!"), sprayer),
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        clock.advance(SignedDuration::from_mins(1));
    }
    let (status, _, body) =
        send(&router, post_from("/staff/login", &login_body("bob", PASSWORD), sprayer)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("Too many failed logins"), "{body}");
    let (status, _, _) =
        send(&router, post_from("/staff/login", &login_body("bob", PASSWORD), office)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "another address is not affected");
});

store_test!(sessions_expire_after_30_minutes_idle_and_12_hours_in_all, |t| async move {
    let (app, router, _dir, clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "alice", StaffRole::Agent).await;

    // Idle: used every 29 minutes it lives on; left 31 minutes it is gone.
    let cookie = login(&router, "alice").await;
    for _ in 0..3 {
        clock.advance(SignedDuration::from_mins(29));
        let (status, _, _) = view(&router, "/staff", &cookie).await;
        assert_eq!(status, StatusCode::OK);
    }
    clock.advance(SignedDuration::from_mins(31));
    let (status, headers, _) = view(&router, "/staff", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/staff/login");

    // Absolute: used every 25 minutes, it still ends 12 hours after login.
    let cookie = login(&router, "alice").await;
    let mut minutes = 0;
    loop {
        clock.advance(SignedDuration::from_mins(25));
        minutes += 25;
        let (status, _, _) = view(&router, "/staff", &cookie).await;
        if minutes < 12 * 60 {
            assert_eq!(status, StatusCode::OK, "alive at {minutes} minutes");
        } else {
            assert_eq!(status, StatusCode::SEE_OTHER, "over at {minutes} minutes");
            break;
        }
    }
});

store_test!(logout_ends_the_session_and_every_login_gets_a_new_one, |t| async move {
    let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "alice", StaffRole::Agent).await;
    let first = login(&router, "alice").await;
    // Logging in again from the same browser: a new session, and the old one ends.
    let (status, headers, _) =
        send(&router, post("/staff/login", Some(&first), &login_body("alice", PASSWORD))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let second = session_cookie(&headers).unwrap();
    assert_ne!(first, second);
    assert_eq!(view(&router, "/staff", &first).await.0, StatusCode::SEE_OTHER);
    assert_eq!(view(&router, "/staff", &second).await.0, StatusCode::OK);

    let (status, headers, _) = send(&router, post("/staff/logout", Some(&second), "")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/staff/login");
    assert!(headers.get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(view(&router, "/staff", &second).await.0, StatusCode::SEE_OTHER);
    assert!(
        events(&app, "staff.logout").await.len() == 2,
        "the rotated and the logged-out session"
    );

    // A disabled account's sessions end at once.
    let third = login(&router, "alice").await;
    assert!(app.disable_staff("alice", &Actor::Cli).await.unwrap());
    assert_eq!(view(&router, "/staff", &third).await.0, StatusCode::SEE_OTHER);
    let (status, _, _) =
        send(&router, post("/staff/login", None, &login_body("alice", PASSWORD))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
});

store_test!(an_auditor_reads_but_cannot_act_and_strangers_are_sent_to_login, |t| async move {
    let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "audrey", StaffRole::Auditor).await;
    let id = request(&app, RequestType::Access, "Pat Example", 1).await;
    let cookie = login(&router, "audrey").await;
    let (status, _, body) = view(&router, &format!("/staff/requests/{id}"), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Pat Example") && body.contains("Your role reads only"));
    assert!(!body.contains("action=\"/staff/requests/"), "no action forms for an auditor");
    for (action, form) in [
        ("verify", "level=reasonably_high&method=data_points"),
        ("deny", "code=unverifiable"),
        ("cancel", "note=withdrawn"),
        ("extend", "reason=more+time"),
    ] {
        let (status, _, _) =
            send(&router, post(&format!("/staff/requests/{id}/{action}"), Some(&cookie), form))
                .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
    }
    let (status, _, _) =
        send(&router, post("/staff/requests/new", Some(&cookie), "request_type=access")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &id).await, "received");
    for uri in ["/staff/metrics", "/staff/audit", "/staff/consent"] {
        assert_eq!(view(&router, uri, &cookie).await.0, StatusCode::OK, "{uri}");
    }

    // No session: pages redirect, and forms change nothing.
    for uri in [
        "/staff",
        &format!("/staff/requests/{id}"),
        "/staff/metrics",
        "/staff/audit",
        "/staff/consent",
    ] {
        let (status, headers, _) = send(&router, get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!((status, location(&headers)), (StatusCode::SEE_OTHER, "/staff/login"), "{uri}");
    }
    let (status, _, _) =
        send(&router, post(&format!("/staff/requests/{id}/cancel"), None, "note=withdrawn")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &id).await, "received");
});

store_test!(forms_posted_from_another_site_are_refused_before_anything_happens, |t| async move {
    let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "alice", StaffRole::Agent).await;
    let id = request(&app, RequestType::Access, "Pat Example", 1).await;
    let cookie = login(&router, "alice").await;
    let forged = |uri: &str, body: &str, cookie: Option<&str>| {
        let mut builder = Request::builder()
            .method("POST")
            .uri(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site");
        if let Some(cookie) = cookie {
            builder = builder.header("cookie", cookie);
        }
        builder.body(Body::from(body.to_owned())).unwrap()
    };
    let (status, _, _) = send(
        &router,
        forged(&format!("/staff/requests/{id}/cancel"), "note=withdrawn", Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &id).await, "received");
    // Login CSRF: a login posted from another site sets no session.
    let (status, headers, _) =
        send(&router, forged("/staff/login", &login_body("alice", PASSWORD), None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(session_cookie(&headers).is_none());
    // Origin naming another host (a browser without Sec-Fetch-Site).
    let request = Request::builder()
        .method("POST")
        .uri("/staff/logout")
        .header("host", "privacy.example.com")
        .header("origin", "https://attacker.example")
        .header("cookie", &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&router, request).await.0, StatusCode::FORBIDDEN);
    assert_eq!(view(&router, "/staff", &cookie).await.0, StatusCode::OK, "still logged in");
});

store_test!(
    the_queue_is_sorted_by_nearest_deadline_with_overdue_and_due_soon_said,
    |t| async move {
        let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
        user(&app, "alice", StaffRole::Agent).await;
        let cookie = login(&router, "alice").await;
        let later = request(&app, RequestType::Delete, "Later Example", 0).await;
        let soon = request(&app, RequestType::Delete, "Soon Example", 40).await;
        // Entered by staff: received by phone 60 days ago, in the law's local time.
        let received = app
            .now()
            .checked_sub(SignedDuration::from_hours(24 * 60))
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("America/Los_Angeles").unwrap())
            .datetime()
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        let form = format!(
            "request_type=delete&law=ccpa&channel=phone&received_at={}&name=Late+Example&phone=%2B1+415+555+0100",
            encode(&received)
        );
        let (status, headers, body) =
            send(&router, post("/staff/requests/new", Some(&cookie), &form)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let late = location(&headers).trim_start_matches("/staff/requests/").to_owned();
        // Receipt confirmed (on the call, and by email for the others): the response
        // deadline is the one that counts.
        for id in [&later, &soon, &late] {
            app.acknowledge(ombud_core::id::Id::parse(id).unwrap(), "phone", &Actor::Cli)
                .await
                .unwrap();
        }

        let (status, _, body) = view(&router, "/staff", &cookie).await;
        assert_eq!(status, StatusCode::OK);
        let at = |id: &str| body.find(id).unwrap();
        assert!(at(&late) < at(&soon) && at(&soon) < at(&later), "nearest deadline first");
        let row = |id: &str| {
            let start = body[..at(id)].rfind("<tr").unwrap();
            let end = start + body[start..].find("</tr>").unwrap();
            body[start..end].to_owned()
        };
        let late_row = row(&late);
        assert!(
            late_row.contains("class=\"overdue\"") && late_row.contains("Overdue by"),
            "{late_row}"
        );
        let soon_row = row(&soon);
        assert!(soon_row.contains("Due soon") && !soon_row.contains("Overdue"), "{soon_row}");
        let later_row = row(&later);
        assert!(!later_row.contains("Due soon") && !later_row.contains("Overdue"), "{later_row}");

        // The entered request kept its channel and time of receipt.
        let (_, _, page) = view(&router, &format!("/staff/requests/{late}"), &cookie).await;
        assert!(page.contains("Telephone") && page.contains("Late Example"), "{page}");
        assert!(page.contains("request.submitted") && page.contains("staff: alice"));
    }
);

store_test!(
    a_name_that_is_markup_is_shown_escaped_on_the_queue_and_the_request_page,
    |t| async move {
        let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
        user(&app, "alice", StaffRole::Agent).await;
        let cookie = login(&router, "alice").await;
        let id = request(&app, RequestType::Access, "<script>alert(1)</script>", 1).await;
        for uri in ["/staff".to_owned(), format!("/staff/requests/{id}")] {
            let (status, headers, body) = view(&router, &uri, &cookie).await;
            assert_eq!(status, StatusCode::OK);
            assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{uri}: {body}");
            assert!(!body.contains("<script"), "{uri}: no script element at all");
            // The page's only inline style is the one the policy allows by hash.
            let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
            let style = ombud_web::html::style_block(&body).unwrap();
            assert!(csp.contains(&ombud_web::html::csp_hash(style)), "{csp}");
            assert!(!csp.contains("unsafe-inline") && csp.contains("default-src 'none'"));
        }
    }
);

store_test!(
    the_timeline_shows_what_staff_did_and_deny_offers_only_lawful_codes_r096,
    |t| async move {
        let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
        let alice = user(&app, "alice", StaffRole::Agent).await;
        let cookie = login(&router, "alice").await;
        let id = request(&app, RequestType::Access, "Pat Example", 1).await;
        let act = |action: &str, form: &str| {
            post(&format!("/staff/requests/{id}/{action}"), Some(&cookie), form)
        };

        // An access request cannot be denied on a deletion exception (R-096 is for deletes).
        let (_, _, page) = view(&router, &format!("/staff/requests/{id}"), &cookie).await;
        assert!(
            page.contains("value=\"unverifiable\"") && !page.contains("value=\"D1\""),
            "{page}"
        );
        let (status, _, body) = send(&router, act("deny", "code=D1")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

        let (status, headers, body) =
            send(&router, act("verify", "level=reasonably_high&method=data_points")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location(&headers), format!("/staff/requests/{id}"));
        let (status, _, _) = send(&router, act("approve", "")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(&app, &id).await, "in_progress");
        let (status, _, _) =
            send(&router, act("extend", "reason=The+records+span+three+systems")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, body) = send(&router, act("extend", "reason=again")).await;
        assert_eq!(status, StatusCode::CONFLICT, "one extension only: {body}");

        let (_, _, page) = view(&router, &format!("/staff/requests/{id}"), &cookie).await;
        for action in
            ["request.submitted", "request.verified", "request.started", "request.extended"]
        {
            assert!(page.contains(action), "{action} in the timeline");
        }
        assert!(page.contains("staff: alice") && page.contains("The records span three systems"));
        let timeline = app
            .show(ombud_core::id::Id::parse(&id).unwrap(), false, &Actor::Cli)
            .await
            .unwrap()
            .timeline;
        let verified = timeline.iter().find(|e| e.action == "request.verified").unwrap();
        assert_eq!(verified.actor, format!("staff:{alice}"));
        assert!(verified.payload.contains("\"attested\":true"));

        // Deny another with a plain code, and cancel a third.
        let other = request(&app, RequestType::Delete, "Sam Example", 1).await;
        let (status, _, body) = send(
            &router,
            post(&format!("/staff/requests/{other}/deny"), Some(&cookie), "code=D3&explanation="),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(status_of(&app, &other).await, "denied");
        let third = request(&app, RequestType::Delete, "Lee Example", 1).await;
        let (status, _, _) = send(
            &router,
            post(&format!("/staff/requests/{third}/cancel"), Some(&cookie), "note=duplicate"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(&app, &third).await, "cancelled");
    }
);

store_test!(staff_reads_of_personal_data_are_audited, |t| async move {
    let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
    let alice = user(&app, "alice", StaffRole::Agent).await;
    let cookie = login(&router, "alice").await;
    let id = request(&app, RequestType::Access, "Pat Example", 1).await;
    let actor = format!("staff:{alice}");

    view(&router, "/staff", &cookie).await;
    let queue = events(&app, "request.queue_viewed").await;
    assert_eq!(queue.len(), 1);
    assert!(queue[0].actor == actor && queue[0].payload.contains(&id));

    view(&router, &format!("/staff/requests/{id}"), &cookie).await;
    let viewed = events(&app, "request.subject_viewed").await;
    assert!(viewed.len() == 1 && viewed[0].actor == actor && viewed[0].request_id == id);

    // A consent history: the identifier goes in the body, and the read is recorded.
    let subject = ombud_app::choices::ChoiceSubject::email("pat.example@example.com").unwrap();
    app.record_choice(
        ombud_app::choices::NewChoice {
            subject,
            choice: ombud_app::choices::LedgerChoice::Decision(
                ombud_policy::decide::Choice::OptOutOfSale,
            ),
            source: ombud_policy::decide::Source::Form,
            notice_version: Some("2026.3".to_owned()),
        },
        &Actor::Subject,
    )
    .await
    .unwrap();
    let (status, _, body) = send(
        &router,
        post("/staff/consent", Some(&cookie), "kind=email&identifier=pat.example%40example.com"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("1 record") && body.contains("2026.3"), "{body}");
    let read = events(&app, "consent.history_read").await;
    assert!(read.len() == 1 && read[0].actor == actor);
    assert!(!read[0].payload.contains("pat.example"), "the identifier is not in the chain");
    // Whose history it was: the subject's keyed hash, as the consent ledger keeps it.
    let subject = ombud_app::choices::ChoiceSubject::email("pat.example@example.com").unwrap();
    let mac = ombud_core::audit::to_hex(&app.subject_key(&subject));
    assert!(read[0].payload.contains(&format!("\"subject_mac\":\"{mac}\"")), "{:?}", read[0]);

    // Metrics and the chain's status.
    let (status, _, body) = view(&router, "/staff/metrics?year=2026", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("<svg") && body.contains("role=\"img\"") && body.contains("Requests to know")
    );
    let (status, _, body) = view(&router, "/staff/audit", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("The audit chain is intact") && body.contains("staff.login"), "{body}");
});

store_test!(the_audit_page_walks_the_chain_at_most_once_a_minute_and_says_when, |t| async move {
    let (app, router, _dir, clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "alice", StaffRole::Auditor).await;
    let cookie = login(&router, "alice").await;
    let checked = |body: &str| {
        let start = body.find("The audit chain is intact: ").unwrap();
        let end = start + body[start..].find("</p>").unwrap();
        body[start..end].to_owned()
    };
    let (status, _, body) = view(&router, "/staff/audit", &cookie).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = checked(&body);
    assert!(first.ends_with("checked at 2026-11-25 17:00 UTC."), "{first}");

    // More events within the minute: the page shows the walk it has.
    user(&app, "bob", StaffRole::Agent).await;
    clock.advance(SignedDuration::from_secs(59));
    let (_, _, body) = view(&router, "/staff/audit", &cookie).await;
    assert_eq!(checked(&body), first, "not walked again within the minute");
    // A minute on, a view walks again and counts the new events.
    clock.advance(SignedDuration::from_secs(2));
    let (_, _, body) = view(&router, "/staff/audit", &cookie).await;
    let second = checked(&body);
    assert!(second.ends_with("checked at 2026-11-25 17:01 UTC."), "{second}");
    let count = |line: &str| -> u64 {
        line.trim_start_matches("The audit chain is intact: ")
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(count(&second) > count(&first), "{first} / {second}");
});

store_test!(
    a_request_entered_with_the_longest_address_and_details_fits_the_form_limit,
    |t| async move {
        let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
        user(&app, "alice", StaffRole::Agent).await;
        let cookie = login(&router, "alice").await;
        // 8 KiB each of a two-byte character: six bytes a character form-encoded, so
        // the body is about 49 KiB.
        let long = "é".repeat(ombud_core::limits::REQUEST_TEXT_BYTES_MAX / 2);
        let form = format!(
            "request_type=access&law=ccpa&channel=postal_mail&name=Long+Example&postal_address={}&details={}",
            encode(&long),
            encode(&long)
        );
        assert!(form.len() > 48 << 10, "{}", form.len());
        let (status, headers, body) =
            send(&router, post("/staff/requests/new", Some(&cookie), &form)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let id = location(&headers).trim_start_matches("/staff/requests/").to_owned();
        let (_, _, page) = view(&router, &format!("/staff/requests/{id}"), &cookie).await;
        assert!(page.contains(&long), "both fields were kept whole");
    }
);

store_test!(a_queue_longer_than_the_page_says_how_many_are_open_in_all, |t| async move {
    let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
    user(&app, "alice", StaffRole::Agent).await;
    let cookie = login(&router, "alice").await;
    let rows = ombud_app::staff::QUEUE_ROWS_MAX;
    for n in 0..=rows {
        request(&app, RequestType::Access, &format!("Queue Example {n}"), 0).await;
    }
    let (status, _, body) = view(&router, "/staff", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let total = rows + 1;
    assert!(
        body.contains(&format!(
            "{total} open requests; the {rows} with the nearest deadlines are shown."
        )),
        "{}",
        &body[..body.len().min(2000)]
    );
    assert_eq!(body.matches("Queue Example").count(), usize::try_from(rows).unwrap());
});

store_test!(a_logout_with_an_unknown_cookie_records_nothing, |t| async move {
    let (app, router, _dir, _clock) = site_with_clock(&t, "events.yaml").await;
    let made_up = format!("__Host-ombud_staff={}", "A".repeat(43));
    let (status, headers, _) = send(&router, post("/staff/logout", Some(&made_up), "")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/staff/login");
    assert!(events(&app, "staff.").await.is_empty());
});

//! `ombud serve` as a process: it listens, honors Global Privacy Control on the first
//! page a browser gets (R-120, R-124), answers the API with a token `ombud token create`
//! made, and stops cleanly on SIGTERM (graceful shutdown).

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::Stdio;

use common::{Place, text};

/// One HTTP/1.1 exchange over a fresh connection; the whole response as text.
fn http(address: &str, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

type Lines = std::io::Lines<BufReader<std::process::ChildStdout>>;

/// Starts a serving command; its address (from its first line) and the rest of its output.
fn start(mut command: std::process::Command) -> (std::process::Child, String, Lines) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address =
        first.strip_prefix("privacy center: http://").unwrap().trim_end_matches('/').to_owned();
    (child, address, lines)
}

/// A GET of the home page with `Sec-GPC: 1`, and a decision asked with `token`.
fn gpc_page_and_decision(address: &str, token: &str, body: &str) -> (String, String) {
    let page =
        http(address, "GET / HTTP/1.1\r\nHost: x\r\nSec-GPC: 1\r\nConnection: close\r\n\r\n");
    let answer = http(
        address,
        &format!(
            "POST /v1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    (page, answer)
}

/// SIGTERM, then a clean exit.
fn stop(child: std::process::Child) -> String {
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    text(&output.stderr)
}

#[test]
fn serve_honors_gpc_answers_the_api_and_stops_on_sigterm() {
    for place in Place::both("cli_serve", "examples/events.yaml") {
        let token = place.ok(&["token", "create", "--name", "test", "--scope", "decide"]);
        let (child, address, _) =
            start(place.command(&["serve", "--listen", "127.0.0.1:0", "--access-log"]));
        let body =
            r#"{"purpose":"sponsor_offers","recipient":"sponsors","category":"contact_details"}"#;
        let (page, answer) = gpc_page_and_decision(&address, token.trim(), body);
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("Opt-Out Request Honored"), "{page}");
        assert!(answer.contains("\"rule\":\"allowed_sale_or_share\""), "{answer}");
        http(
            &address,
            "GET /status/01ABC?key=secretkey&email=ada%40example.com HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        let stderr = stop(child);
        assert!(stderr.contains("stopped"), "{stderr}");
        // The access log: route templates and statuses, no key, query or address.
        assert!(stderr.contains(r#""method":"GET","route":"/","status":200"#), "{stderr}");
        assert!(stderr.contains(r#""route":"/v1/decisions","status":200"#), "{stderr}");
        assert!(stderr.contains(r#""route":"/status/{id}","status":404"#), "{stderr}");
        for secret in ["secretkey", "example.com", "01ABC", "127.0.0.1"] {
            assert!(!stderr.contains(secret), "{secret} in the log: {stderr}");
        }
    }
}

#[test]
fn demo_makes_its_directory_serves_the_shop_and_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut passwords = Vec::new();
    for run in 0..2 {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ombud"));
        command
            .args(["demo", "--customers", "40", "--listen", "127.0.0.1:0"])
            // The second run logs its requests, as `ombud serve --access-log` does.
            .args(if run == 1 { &["--access-log"][..] } else { &[][..] })
            .current_dir(dir.path())
            .env_remove("OMBUD_STORE")
            .env_remove("OMBUD_PROGRAM")
            .env_remove("OMBUD_MASTER_KEY")
            .env_remove("OMBUD_MASTER_KEY_FILE");
        let (child, address, mut lines) = start(command);
        let token_line = lines.next().unwrap().unwrap();
        let token = token_line.rsplit(' ').next().unwrap().to_owned();
        assert!(token.starts_with("ombud_"), "{token_line}");
        let body = r#"{"subject":"email:customer1@example.com","purpose":"newsletter","category":"contact_details"}"#;
        let (page, answer) = gpc_page_and_decision(&address, &token, body);
        assert!(page.contains("Opt-Out Request Honored"), "run {run}: {page}");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // The staff login it prints works, and is the same on every run.
        let staff = lines.find_map(|l| l.ok().filter(|l| l.starts_with("staff pages:"))).unwrap();
        let password = staff.split("password ").nth(1).unwrap().split(' ').next().unwrap();
        passwords.push(password.to_owned());
        let form = format!("username=admin&password={password}");
        let login = http(
            &address,
            &format!(
                "POST /staff/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
                form.len()
            ),
        );
        assert!(
            login.starts_with("HTTP/1.1 303") && login.contains("__Host-ombud_staff="),
            "{login}"
        );
        let stderr = stop(child);
        assert_eq!(
            stderr.contains(r#""method":"POST","route":"/staff/login","status":303"#),
            run == 1,
            "{stderr}"
        );
        assert!(!stderr.contains(password), "the log never holds the form");
    }
    assert_eq!(passwords[0], passwords[1]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("ombud-demo/staff-login.txt"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the demo's staff login is its owner's only");
    }
    for made in [
        "ombud-demo/ombud.db",
        "ombud-demo/ombud.db.key",
        "ombud-demo/shop.db",
        "ombud-demo/shop.yaml",
        "ombud-demo/calendars/ie.cal",
    ] {
        assert!(dir.path().join(made).exists(), "{made}");
    }
}

/// Posts JSON to `path` with `token`; the whole response.
fn post_json(address: &str, token: &str, path: &str, body: &str) -> String {
    http(
        address,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The number in a server's last line, "stopped (N jobs done)".
fn jobs_done(stderr: &str) -> u32 {
    let line = stderr.lines().rfind(|l| l.starts_with("stopped")).unwrap();
    line.trim_start_matches("stopped (").split(' ').next().unwrap().parse().unwrap()
}

/// Issue 6's multi-instance promise: two `ombud serve` processes on one PostgreSQL store
/// share the job queue (each job claimed once, `FOR UPDATE SKIP LOCKED`, and run once),
/// and a consent recorded through one is obeyed by the other's decisions within a
/// second (LISTEN/NOTIFY). PostgreSQL only: SQLite is the one-process store.
#[test]
fn two_servers_on_one_postgres_split_the_jobs_and_obey_each_others_choices() {
    let Some(mut place) = Place::postgres("cli_two_servers", "examples/shop.yaml") else {
        eprintln!("skipped: OMBUD_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = format!("sqlite://{}?mode=rwc", place.path("shop.db").display());
    place.ok(&["demo-data", "--url", &url, "--customers", "40"]);
    place.connect = vec![format!("shop={url}")];
    let token = place.ok(&[
        "token",
        "create",
        "--name",
        "test",
        "--scope",
        "decide",
        "--scope",
        "consent:write",
    ]);
    let token = token.trim();
    let ids: Vec<String> =
        (1..=16).map(|n| place.verified("access", &format!("customer{n}@example.com"))).collect();

    let (a, address_a, _) = start(place.command(&["serve", "--listen", "127.0.0.1:0"]));
    let (b, address_b, _) = start(place.command(&["serve", "--listen", "127.0.0.1:0"]));

    // A consent through A, obeyed by B (GDPR: the newsletter needs consent, R-250).
    let question = r#"{"subject":"email:customer1@example.com","purpose":"newsletter","category":"contact_details","law":"gdpr"}"#;
    let before = post_json(&address_b, token, "/v1/decisions", question);
    assert!(before.contains("\"allowed\":false"), "{before}");
    let consent = r#"{"subject":"email:customer1@example.com","choice":"consent","target":"newsletter","notice_version":"2026.2"}"#;
    let recorded = post_json(&address_a, token, "/v1/consents", consent);
    assert!(recorded.starts_with("HTTP/1.1 201"), "{recorded}");
    let since = std::time::Instant::now();
    loop {
        let answer = post_json(&address_b, token, "/v1/decisions", question);
        if answer.contains("\"allowed\":true") {
            break;
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(1),
            "B still answers {answer} a second after A recorded the consent"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }

    // The jobs arrive while both servers poll, as they would in production.
    for id in &ids {
        place.ok(&["jobs", "queue", id]);
    }
    let since = std::time::Instant::now();
    while ids.iter().any(|id| place.status(id) != "completed") {
        assert!(since.elapsed() < std::time::Duration::from_secs(120), "jobs did not finish");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (done_a, done_b) = (jobs_done(&stop(a)), jobs_done(&stop(b)));
    let mut jobs = 0;
    for id in &ids {
        for line in place.ok(&["jobs", "list", "--request", id]).lines() {
            assert!(line.contains(" done attempts 1"), "{line}");
            jobs += 1;
        }
    }
    assert_eq!(done_a + done_b, jobs, "every job ran exactly once across the two servers");
    // Which server claims which job is a race of their poll timers (one may take them
    // all); what must hold is that none ran twice, above.
    eprintln!("jobs done: {done_a} by one server, {done_b} by the other");
}

#[test]
fn serve_names_a_missing_or_unreadable_tls_file_and_does_not_start() {
    let place = Place::sqlite("examples/events.yaml");
    let listen = ["serve", "--listen", "127.0.0.1:0"];
    let missing =
        place.fails(&[&listen[..], &["--tls-cert", "nope.pem", "--tls-key", "nope.key"]].concat());
    assert!(missing.contains("cannot read the TLS certificate nope.pem"), "{missing}");
    std::fs::write(place.path("cert.pem"), "not a certificate").unwrap();
    std::fs::write(place.path("key.pem"), "not a key").unwrap();
    let bad =
        place.fails(&[&listen[..], &["--tls-cert", "cert.pem", "--tls-key", "key.pem"]].concat());
    assert!(bad.contains("cert.pem holds no certificate"), "{bad}");
    assert!(!bad.contains("not a certificate"), "the file's contents stay out: {bad}");
    let half = place.fails(&[&listen[..], &["--tls-cert", "cert.pem"]].concat());
    assert!(half.contains("--tls-key"), "{half}");
}

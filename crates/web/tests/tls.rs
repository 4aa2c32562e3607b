//! TLS (issue 6 items 1 and 5) on a real socket: a rustls client that trusts only a
//! certificate made here (rcgen) fetches `/healthz` over HTTPS and gets
//! `Strict-Transport-Security`; a plain-HTTP request to the TLS port gets no HTTP answer
//! and the server keeps serving; a client that never finishes its handshake is dropped
//! after the time limit without holding up anyone else; many silent sockets past the
//! handshake caps lock no one out (the listener keeps accepting and drops the oldest);
//! graceful shutdown ends the server; bad certificate and key files are refused with a
//! message naming the file.

// Helpers outside #[test] functions unwrap too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use ombud_testkit::store_test;
use ombud_web::tls::{HandshakeLimits, TlsListener, server_config};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

// The shared set-up's helpers are `pub` for every test file; each uses some.
mod common;
use common::{get, send, site};

/// A self-signed certificate for `localhost`, its PEM files in `dir`.
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf, CertificateDer<'static>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.der().clone())
}

/// GET `path` over TLS, trusting only `trusted`; the whole response.
async fn fetch(
    address: std::net::SocketAddr,
    trusted: &CertificateDer<'static>,
    path: &str,
) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(address).await.unwrap();
    let mut tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut response = String::new();
    // A server may end a TLS stream without close_notify; what arrived is what counts.
    let _ = tls.read_to_string(&mut response).await;
    response
}

store_test!(a_rustls_client_fetches_health_over_tls_and_plain_http_is_refused, |t| async move {
    let (_app, router, dir) = site(&t, "events.yaml").await;
    let (cert, key, der) = certificate(dir.path(), "server");
    let config = server_config(&cert, &key).unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = tcp.local_addr().unwrap();
    let listener = TlsListener::new(tcp, config, Duration::from_millis(500));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ombud_web::tls::serve(listener, router.clone(), async move {
        let _ = stopped.await;
    }));

    let response = fetch(address, &der, "/healthz").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok\n"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("strict-transport-security: max-age=31536000"),
        "{response}"
    );

    // Plain HTTP to the TLS port: no HTTP answer, the connection ends.
    let mut plain = TcpStream::connect(address).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server ends the connection");
    assert!(!answer.starts_with(b"HTTP/"), "{:?}", String::from_utf8_lossy(&answer));

    // A client that connects and says nothing holds up no one, and is dropped after
    // the handshake time limit.
    let mut silent = TcpStream::connect(address).await.unwrap();
    let response = fetch(address, &der, "/healthz").await;
    assert!(response.starts_with("HTTP/1.1 200"), "the server still serves: {response}");
    let mut nothing = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut nothing)).await;
    assert!(read.is_ok(), "a silent client is dropped after the handshake limit");
    assert!(nothing.is_empty());

    // Graceful shutdown ends the server.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();

    // Over plain HTTP there is no HSTS: it would tell browsers to insist on HTTPS.
    let (_, headers, _) = send(&router, get("/healthz").body(Body::empty()).unwrap()).await;
    assert!(headers.get("strict-transport-security").is_none());
});

/// A silent socket's state a moment later: `true` when the server has closed it.
async fn closed(socket: &mut TcpStream, wait: Duration) -> bool {
    let mut byte = [0u8; 1];
    // End of stream or a reset: closed. Still waiting after `wait`: open.
    matches!(tokio::time::timeout(wait, socket.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

#[tokio::test]
async fn silent_sockets_past_the_handshake_caps_lock_no_one_out() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = certificate(dir.path(), "server");
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = tcp.local_addr().unwrap();
    // Small caps and a time limit far off: only the caps can close a silent socket here.
    let limits =
        HandshakeLimits { timeout: Duration::from_secs(120), total_max: 6, per_client_max: 3 };
    let listener = TlsListener::with_limits(tcp, server_config(&cert, &key).unwrap(), limits);
    let router = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok\n" }));
    let server = tokio::spawn(ombud_web::tls::serve(listener, router, std::future::pending()));

    // Twenty sockets from 127.0.0.1 that connect and never speak: far past both caps.
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(address).await.unwrap());
    }
    // A real client from the same address is still served, and at once.
    let response = tokio::time::timeout(Duration::from_secs(10), fetch(address, &der, "/healthz"))
        .await
        .expect("served long before the handshake time limit");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    // Each connection past the client's cap dropped the client's oldest handshake: the
    // first seventeen went as the later silent ones came, the eighteenth when the real
    // client came; the newest two are still waiting (the time limit is minutes away).
    for (at, socket) in silent.iter_mut().enumerate().take(18) {
        assert!(closed(socket, Duration::from_secs(5)).await, "silent socket {at} is dropped");
    }
    for (at, socket) in silent.iter_mut().enumerate().skip(18) {
        assert!(!closed(socket, Duration::from_millis(300)).await, "socket {at} is kept");
    }
    // And again: the listener keeps serving.
    let response = fetch(address, &der, "/healthz").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    server.abort();
}

#[test]
fn bad_certificate_and_key_files_are_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = certificate(dir.path(), "server");
    let (_, other_key, _) = certificate(dir.path(), "other");
    let missing = dir.path().join("missing.pem");
    let not_pem = dir.path().join("notes.txt");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let message = |cert: &Path, key: &Path| match server_config(cert, key) {
        Ok(_) => panic!("{} and {} were accepted", cert.display(), key.display()),
        Err(e) => e.to_string(),
    };

    let m = message(&missing, &key);
    assert!(m.contains("cannot read the TLS certificate") && m.contains("missing.pem"), "{m}");
    let m = message(&cert, &missing);
    assert!(m.contains("cannot read the TLS private key") && m.contains("missing.pem"), "{m}");
    let m = message(&not_pem, &key);
    assert!(m.contains("holds no certificate") && m.contains("notes.txt"), "{m}");
    let m = message(&cert, &not_pem);
    assert!(m.contains("holds no private key") && m.contains("notes.txt"), "{m}");
    // A certificate as the key: PEM, but no key in it.
    let m = message(&cert, &cert);
    assert!(m.contains("holds no private key"), "{m}");
    let m = message(&cert, &other_key);
    assert!(m.contains("does not match the certificate") && m.contains("other.key"), "{m}");
    // The key's contents never reach the message.
    let pem = std::fs::read_to_string(&other_key).unwrap();
    let body_line = pem.lines().nth(1).unwrap();
    assert!(!m.contains(body_line), "{m}");

    assert!(server_config(&cert, &key).is_ok());
}

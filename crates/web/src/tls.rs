//! TLS for `ombud serve --tls-cert F --tls-key F` (issue 6 items 1 and 5): rustls with
//! the ring provider (ECOSYSTEM.md §2.6), HTTP/1.1 only, for when ombud terminates TLS
//! itself rather than behind a proxy.
//!
//! [`TlsListener`] wraps a `TcpListener`: each connection's handshake runs in its own
//! task with a time limit, so a slow or broken client (or a plain-HTTP one) costs only
//! its own connection and never stalls the accept loop; at most [`HANDSHAKES_MAX`] run
//! at once. [`serve`] adds `Strict-Transport-Security` to every response — only here,
//! since a browser must not be told to insist on HTTPS by a server that does not speak it.
//!
//! The certificate and key are checked at start ([`server_config`]): a missing file, a
//! file without PEM, a key that does not match the certificate are each a clear error
//! naming the file, never its contents.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::STRICT_TRANSPORT_SECURITY;
use axum::response::Response;
use axum::serve::{Listener, ListenerExt as _};
pub use rustls::ServerConfig;
use rustls::pki_types::pem::{self, PemObject as _};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes in progress at once; past that, new connections wait in the kernel's queue.
pub const HANDSHAKES_MAX: usize = 1_024;

/// The HSTS policy: a year. No `includeSubDomains`: ombud does not know the company's
/// other hosts.
pub const HSTS: &str = "max-age=31536000";

/// The largest certificate chain or key file read (a chain is a few KiB).
const PEM_FILE_BYTES_MAX: u64 = 1 << 20;

/// A certificate or key that cannot be used; the message names the file and the fix.
#[derive(Debug)]
pub struct TlsError(String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, TlsError> {
    let cannot =
        |e: io::Error| TlsError(format!("cannot read the TLS {what} {}: {e}", path.display()));
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > PEM_FILE_BYTES_MAX {
        return Err(TlsError(format!(
            "the TLS {what} {} is over 1 MiB; give the PEM file itself",
            path.display()
        )));
    }
    std::fs::read(path).map_err(cannot)
}

/// The server's TLS configuration from a PEM certificate chain (the server's own
/// certificate first) and its PEM private key (PKCS#8, PKCS#1 or SEC1).
pub fn server_config(cert_path: &Path, key_path: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_pem = read_pem(cert_path, "certificate")?;
    let certs =
        CertificateDer::pem_slice_iter(&cert_pem).collect::<Result<Vec<_>, _>>().map_err(|e| {
            TlsError(format!("the TLS certificate {} is not valid PEM: {e}", cert_path.display()))
        })?;
    if certs.is_empty() {
        return Err(TlsError(format!(
            "the TLS certificate {} holds no certificate; give a PEM file with -----BEGIN CERTIFICATE-----",
            cert_path.display()
        )));
    }
    let key_pem = read_pem(key_path, "private key")?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError(format!(
            "the TLS key {} holds no private key; give a PEM file with -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY)",
            key_path.display()
        )),
        // pki-types' messages name sections and positions, never key bytes.
        other => TlsError(format!(
            "the TLS key {} is not a valid PEM private key: {other}",
            key_path.display()
        )),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("the TLS provider cannot be set up: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => TlsError(format!(
                "the TLS key {} does not match the certificate {}; give the key the certificate was issued for",
                key_path.display(),
                cert_path.display()
            )),
            other => TlsError(format!(
                "the TLS certificate {} and key {} cannot be used: {other}",
                cert_path.display(),
                key_path.display()
            )),
        })?;
    // axum is built for HTTP/1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts TLS connections: TCP accepts, handshakes in their own tasks, with a time limit.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    /// Listens for TLS on `tcp` with `config`; a handshake not done within
    /// `handshake_timeout` ([`HANDSHAKE_TIMEOUT`] in `ombud serve`) drops its connection.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>, handshake_timeout: Duration) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshake_timeout,
            handshakes: JoinSet::new(),
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // Both branches are cancel-safe: what is in flight lives in `self`.
        loop {
            tokio::select! {
                accepted = self.tcp.accept(), if self.handshakes.len() < HANDSHAKES_MAX => {
                    match accepted {
                        Ok((stream, address)) => {
                            let acceptor = self.acceptor.clone();
                            let limit = self.handshake_timeout;
                            self.handshakes.spawn(async move {
                                // A failed or slow handshake (a plain-HTTP client, a
                                // scanner) ends its own connection, nothing else.
                                match tokio::time::timeout(limit, acceptor.accept(stream)).await {
                                    Ok(Ok(tls)) => Some((tls, address)),
                                    _ => None,
                                }
                            });
                        }
                        Err(e) => accept_failed(&e).await,
                    }
                }
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(connection)) = done {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// What axum's own listener does: a connection that went away is no matter; anything
/// else (out of file descriptors) waits a second rather than spinning.
async fn accept_failed(e: &io::Error) {
    if !matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn hsts(mut response: Response) -> Response {
    response.headers_mut().insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    response
}

/// Serves `router` over TLS on `listener` until `shutdown` resolves, then lets requests
/// in flight finish (graceful shutdown), like [`crate::serve`] does over plain HTTP.
pub async fn serve(
    listener: TlsListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let router = router.layer(axum::middleware::map_response(hsts));
    // The tap turns Nagle off (small responses go out at once); `TapIo` also gives the
    // client's address to the rate limits through `ConnectInfo`.
    let listener = listener.tap_io(|tls: &mut TlsStream<TcpStream>| {
        let _ = tls.get_ref().0.set_nodelay(true);
    });
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

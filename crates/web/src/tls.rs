//! TLS for `ombud serve --tls-cert F --tls-key F` (issue 6 items 1 and 5): rustls with
//! the ring provider (ECOSYSTEM.md §2.6), HTTP/1.1 only, for when ombud terminates TLS
//! itself rather than behind a proxy.
//!
//! [`TlsListener`] wraps a `TcpListener`: each connection's handshake runs in its own
//! task with a time limit ([`HANDSHAKE_TIMEOUT`]), and the listener never stops
//! accepting. Handshakes in flight are capped per client ([`HANDSHAKES_PER_CLIENT_MAX`],
//! by IPv4 address or IPv6 /64) and in all ([`HANDSHAKES_MAX`]); a new connection past a
//! cap makes room by dropping the oldest handshake in flight — the client's own when it
//! is the client that is over, else the oldest of all. Sockets that connect and say
//! nothing therefore cannot lock new clients out: one address can hold at most its own
//! few slots, and a real handshake (a few milliseconds) finishes long before it becomes
//! the oldest. What remains is a flood from many addresses fast enough to turn over all
//! the slots within one handshake; that is for a proxy or firewall in front.
//!
//! [`serve`] adds `Strict-Transport-Security` to every response — only here, since a
//! browser must not be told to insist on HTTPS by a server that does not speak it.
//!
//! The certificate and key are checked at start ([`server_config`]): a missing file, a
//! file without PEM, a key that does not match the certificate are each a clear error
//! naming the file, never its contents.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
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
use tokio::task::{AbortHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its handshake: a real one takes a few round trips.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Handshakes in flight at once; a new connection past that drops the oldest.
pub const HANDSHAKES_MAX: usize = 1_024;

/// Handshakes in flight from one client (an IPv4 address, an IPv6 /64); a new
/// connection past that drops that client's oldest. A browser opens a few at once.
pub const HANDSHAKES_PER_CLIENT_MAX: usize = 16;

/// How a [`TlsListener`] bounds the handshakes in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeLimits {
    /// A handshake not done in this time drops its connection.
    pub timeout: Duration,
    /// Handshakes in flight at once (at least one).
    pub total_max: usize,
    /// Handshakes in flight from one client (at least one).
    pub per_client_max: usize,
}

impl Default for HandshakeLimits {
    fn default() -> Self {
        HandshakeLimits {
            timeout: HANDSHAKE_TIMEOUT,
            total_max: HANDSHAKES_MAX,
            per_client_max: HANDSHAKES_PER_CLIENT_MAX,
        }
    }
}

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

/// Who a connection is for the per-client cap: an IPv4 address, or the /64 an IPv6
/// address is in (one host or home network is usually given a whole /64, so counting
/// single IPv6 addresses would let it take every slot). An IPv4 address written as IPv6
/// (`::ffff:a.b.c.d`, from a dual-stack socket) counts as the IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ClientKey(IpAddr);

impl ClientKey {
    fn of(ip: IpAddr) -> ClientKey {
        match ip.to_canonical() {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                ClientKey(IpAddr::V6(Ipv6Addr::from(prefix)))
            }
        }
    }
}

/// The handshakes in flight, oldest first and by client, with the handles that end them.
struct InFlight {
    limits: HandshakeLimits,
    /// Counts up: the order handshakes started in.
    next: u64,
    oldest_first: BTreeMap<u64, (ClientKey, AbortHandle)>,
    by_task: HashMap<tokio::task::Id, u64>,
    by_client: HashMap<ClientKey, Vec<u64>>,
}

impl InFlight {
    fn new(limits: HandshakeLimits) -> InFlight {
        InFlight {
            limits: HandshakeLimits {
                total_max: limits.total_max.max(1),
                per_client_max: limits.per_client_max.max(1),
                ..limits
            },
            next: 0,
            oldest_first: BTreeMap::new(),
            by_task: HashMap::new(),
            by_client: HashMap::new(),
        }
    }

    fn len(&self) -> usize {
        self.oldest_first.len()
    }

    /// Makes room for one more handshake from `client`: past the client's cap its own
    /// oldest handshake is dropped (so a client over its share costs no one else),
    /// else past the total cap the oldest of all.
    fn make_room(&mut self, client: ClientKey) {
        let own = self.by_client.get(&client).map_or(0, Vec::len);
        let oldest = if own >= self.limits.per_client_max {
            self.by_client.get(&client).and_then(|tickets| tickets.first().copied())
        } else if self.len() >= self.limits.total_max {
            self.oldest_first.keys().next().copied()
        } else {
            None
        };
        if let Some((_, handle)) = oldest.and_then(|ticket| self.forget(ticket)) {
            // Aborting drops the task's socket: the connection closes now.
            handle.abort();
        }
    }

    /// Counts a handshake just started for `client`.
    fn insert(&mut self, client: ClientKey, handle: AbortHandle) {
        let ticket = self.next;
        self.next += 1;
        self.by_task.insert(handle.id(), ticket);
        self.by_client.entry(client).or_default().push(ticket);
        self.oldest_first.insert(ticket, (client, handle));
    }

    /// A handshake task ended (done, failed, timed out or dropped).
    fn remove(&mut self, task: tokio::task::Id) {
        if let Some(&ticket) = self.by_task.get(&task) {
            self.forget(ticket);
        }
    }

    fn forget(&mut self, ticket: u64) -> Option<(ClientKey, AbortHandle)> {
        let (client, handle) = self.oldest_first.remove(&ticket)?;
        self.by_task.remove(&handle.id());
        if let Some(tickets) = self.by_client.get_mut(&client) {
            // Tickets are pushed in order: the oldest first.
            tickets.retain(|&t| t != ticket);
            if tickets.is_empty() {
                self.by_client.remove(&client);
            }
        }
        Some((client, handle))
    }
}

/// Accepts TLS connections: TCP accepts, handshakes in their own tasks, with a time limit
/// and caps per client and in all (see the module's header).
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
    in_flight: InFlight,
}

impl TlsListener {
    /// Listens for TLS on `tcp` with `config`; a handshake not done within
    /// `handshake_timeout` ([`HANDSHAKE_TIMEOUT`] in `ombud serve`) drops its connection.
    /// The caps are [`HANDSHAKES_MAX`] and [`HANDSHAKES_PER_CLIENT_MAX`].
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>, handshake_timeout: Duration) -> Self {
        let limits = HandshakeLimits { timeout: handshake_timeout, ..HandshakeLimits::default() };
        TlsListener::with_limits(tcp, config, limits)
    }

    /// Like [`TlsListener::new`], with every limit given (tests set small caps).
    pub fn with_limits(
        tcp: TcpListener,
        config: Arc<ServerConfig>,
        limits: HandshakeLimits,
    ) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
            in_flight: InFlight::new(limits),
        }
    }

    fn start_handshake(&mut self, stream: TcpStream, address: SocketAddr) {
        let client = ClientKey::of(address.ip());
        self.in_flight.make_room(client);
        let acceptor = self.acceptor.clone();
        let limit = self.in_flight.limits.timeout;
        let handle = self.handshakes.spawn(async move {
            // A failed or slow handshake (a plain-HTTP client, a scanner) ends its own
            // connection, nothing else.
            match tokio::time::timeout(limit, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Some((tls, address)),
                _ => None,
            }
        });
        self.in_flight.insert(client, handle);
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // Both branches are cancel-safe: what is in flight lives in `self`. Accepting
        // never waits on the handshakes: a full table drops its oldest instead.
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, address)) => self.start_handshake(stream, address),
                    Err(e) => accept_failed(&e).await,
                },
                Some(done) = self.handshakes.join_next_with_id() => match done {
                    Ok((task, connection)) => {
                        self.in_flight.remove(task);
                        if let Some(connection) = connection {
                            return connection;
                        }
                    }
                    // Dropped to make room (already forgotten), or a panic.
                    Err(e) => self.in_flight.remove(e.id()),
                },
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::task::JoinHandle;

    fn key(text: &str) -> ClientKey {
        ClientKey::of(text.parse().unwrap())
    }

    /// A handshake that never ends (a silent socket), counted for `client`.
    fn silent(in_flight: &mut InFlight, client: &str) -> JoinHandle<()> {
        in_flight.make_room(key(client));
        let task = tokio::spawn(std::future::pending::<()>());
        in_flight.insert(key(client), task.abort_handle());
        task
    }

    async fn dropped(task: JoinHandle<()>) -> bool {
        let ended = tokio::time::timeout(Duration::from_secs(5), task).await;
        matches!(ended, Ok(Err(e)) if e.is_cancelled())
    }

    fn limits(total_max: usize, per_client_max: usize) -> HandshakeLimits {
        HandshakeLimits { timeout: HANDSHAKE_TIMEOUT, total_max, per_client_max }
    }

    #[test]
    fn a_client_is_an_ipv4_address_or_an_ipv6_slash_64() {
        assert_ne!(key("127.0.0.1"), key("127.0.0.2"));
        assert_eq!(key("::ffff:127.0.0.1"), key("127.0.0.1"), "IPv4 over a dual-stack socket");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb:cccc:dddd:9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[tokio::test]
    async fn a_client_at_its_cap_drops_its_own_oldest_handshake_and_no_one_elses() {
        let mut in_flight = InFlight::new(limits(100, 3));
        let other = silent(&mut in_flight, "192.0.2.7");
        let mine: Vec<_> = (0..3).map(|_| silent(&mut in_flight, "127.0.0.1")).collect();
        assert_eq!(in_flight.len(), 4);
        // A fourth from 127.0.0.1: its first silent socket goes, it gets the slot.
        let newest = silent(&mut in_flight, "127.0.0.1");
        assert_eq!(in_flight.len(), 4);
        let mut mine = mine.into_iter();
        assert!(dropped(mine.next().unwrap()).await, "the client's oldest is dropped");
        for task in mine.chain([newest, other]) {
            assert!(!task.is_finished(), "the rest keep their handshakes");
            task.abort();
        }
        // The same /64 is the same client over IPv6.
        let mut in_flight = InFlight::new(limits(100, 1));
        let first = silent(&mut in_flight, "2001:db8::1");
        let second = silent(&mut in_flight, "2001:db8::2");
        assert!(dropped(first).await);
        assert!(!second.is_finished());
        second.abort();
    }

    #[tokio::test]
    async fn past_the_total_cap_the_oldest_handshake_of_all_is_dropped() {
        let mut in_flight = InFlight::new(limits(3, 16));
        let tasks: Vec<_> =
            ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map(|c| silent(&mut in_flight, c)).into();
        let newest = silent(&mut in_flight, "192.0.2.4");
        assert_eq!(in_flight.len(), 3);
        let mut tasks = tasks.into_iter();
        assert!(dropped(tasks.next().unwrap()).await);
        for task in tasks.chain([newest]) {
            assert!(!task.is_finished());
            task.abort();
        }
    }

    #[tokio::test]
    async fn a_finished_handshake_frees_its_slot() {
        let mut in_flight = InFlight::new(limits(2, 1));
        let first = silent(&mut in_flight, "127.0.0.1");
        in_flight.remove(first.abort_handle().id());
        assert_eq!(in_flight.len(), 0);
        assert!(in_flight.by_client.is_empty() && in_flight.by_task.is_empty());
        let second = silent(&mut in_flight, "127.0.0.1");
        assert!(!first.is_finished(), "a freed slot is not dropped again");
        assert_eq!(in_flight.len(), 1);
        first.abort();
        second.abort();
    }
}

//! `MailTransport`: where mail goes, an outbox directory or an SMTP relay, chosen by a URL.
//!
//! Invariants:
//! - a password never appears in an error, in `describe()` or in `Debug`;
//! - SMTP is encrypted (STARTTLS required, or implicit TLS) unless the relay is on the
//!   loopback interface, because the messages carry personal data and verification codes;
//! - an outbox file appears whole or not at all (temporary file, fsync, rename), and is
//!   readable by its owner only, because it holds personal data;
//! - SMTP errors carry the reply code and a kind, never the server's text, which often
//!   quotes the recipient's address.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, Error as SmtpError};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::AsyncWriteExt;

use super::{MailError, OutgoingEmail, SmtpFailure};

/// How long lettre waits for each SMTP step (connect, each command, the data).
pub const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long one whole SMTP delivery may take, so a server that answers slowly but never
/// finishes cannot hold a job forever.
pub const SMTP_SEND_TIMEOUT: Duration = Duration::from_secs(120);

/// The longest delivery URL accepted, in bytes.
const URL_BYTES_MAX: usize = 2048;

/// Where mail goes.
pub enum MailTransport {
    /// Each message becomes an `.eml` file in `dir`: for a machine with no mail server.
    Outbox {
        /// The directory, created on first use.
        dir: PathBuf,
    },
    /// Each message goes to an SMTP relay.
    Smtp(SmtpRelay),
}

/// An SMTP relay: where it is, how the connection is protected, and lettre's pooled
/// `AsyncSmtpTransport`, built on first use so that `from_url` works outside a runtime.
pub struct SmtpRelay {
    host: String,
    port: u16,
    security: SmtpSecurity,
    authenticated: bool,
    // Boxed: the builder holds TLS settings and is far larger than the outbox variant.
    builder: Box<AsyncSmtpTransportBuilder>,
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
}

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: plain connection upgraded with STARTTLS, which is required.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
    /// `smtp+plain://`: no encryption, allowed only to a relay on the loopback interface.
    Plain,
}

/// What a successful delivery left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The `.eml` path, or the SMTP server's reply code and address.
    pub detail: String,
}

impl fmt::Debug for MailTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailTransport({})", self.describe())
    }
}

impl fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpRelay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("authenticated", &self.authenticated)
            .finish_non_exhaustive()
    }
}

impl MailTransport {
    /// Parses a delivery URL:
    /// - `outbox:DIR`, or a plain path: write `.eml` files to `DIR`;
    /// - `smtp://[user[:password]@]host[:port]`: STARTTLS required, port 587 by default;
    /// - `smtps://[user[:password]@]host[:port]`: implicit TLS, port 465 by default;
    /// - `smtp+plain://host[:port]`: no TLS, only to a relay on the loopback interface
    ///   (a local MTA, a test server), port 25 by default.
    ///
    /// The user and password may be percent-encoded (`%40` for `@`). Errors say what is
    /// wrong and how to fix it; they never echo the password.
    pub fn from_url(url: &str) -> Result<MailTransport, MailError> {
        MailTransport::from_url_with_password(url, None)
    }

    /// Like [`from_url`](Self::from_url), with the password given separately, as the app
    /// does with `OMBUD_SMTP_PASSWORD`, so it need not be written into the URL. A password
    /// in the URL wins over this one.
    pub fn from_url_with_password(
        url: &str,
        password: Option<String>,
    ) -> Result<MailTransport, MailError> {
        let invalid = |problem: &str| MailError::InvalidUrl { problem: problem.to_owned() };
        let url = url.trim();
        if url.is_empty() {
            return Err(invalid(
                "it is empty; use `outbox:DIR`, `smtp://host`, `smtps://host` or \
                 `smtp+plain://127.0.0.1:PORT`",
            ));
        }
        if url.len() > URL_BYTES_MAX {
            return Err(invalid("it is longer than 2048 bytes"));
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return outbox_from(url, password.is_some());
        };
        let security = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => SmtpSecurity::StartTls,
            "smtps" => SmtpSecurity::ImplicitTls,
            "smtp+plain" => SmtpSecurity::Plain,
            _ => {
                return Err(invalid(
                    "unknown scheme; use `smtp://` (STARTTLS), `smtps://` (implicit TLS), \
                     `smtp+plain://` (loopback only) or `outbox:DIR`",
                ));
            }
        };
        SmtpRelay::from_parts(security, rest, password).map(MailTransport::Smtp)
    }

    /// Sends one email.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<Delivery, MailError> {
        let message = email.to_message()?;
        match self {
            MailTransport::Outbox { dir } => write_outbox(dir, email, &message.formatted()).await,
            MailTransport::Smtp(relay) => relay.send(message).await,
        }
    }

    /// A description without secrets, such as `outbox ./outbox` or
    /// `smtp relay.example.com:587 (STARTTLS)`.
    pub fn describe(&self) -> String {
        match self {
            MailTransport::Outbox { dir } => format!("outbox {}", dir.display()),
            MailTransport::Smtp(relay) => relay.describe(),
        }
    }
}

fn outbox_from(url: &str, password_given: bool) -> Result<MailTransport, MailError> {
    let invalid = |problem: String| MailError::InvalidUrl { problem };
    let lower = url.to_ascii_lowercase();
    // `smtp:host` without the slashes is a typo, not a directory someone meant to create.
    for scheme in ["smtp:", "smtps:", "smtp+plain:"] {
        if lower.starts_with(scheme) {
            return Err(invalid(format!("write `{scheme}//host`, with two slashes")));
        }
    }
    if password_given {
        return Err(invalid(
            "a password was given, but the outbox does not use one; unset \
             OMBUD_SMTP_PASSWORD or use an smtp:// url"
                .to_owned(),
        ));
    }
    let dir = if lower.starts_with("outbox:") { &url["outbox:".len()..] } else { url };
    if dir.is_empty() {
        return Err(invalid("`outbox:` needs a directory, as in `outbox:./outbox`".to_owned()));
    }
    Ok(MailTransport::Outbox { dir: PathBuf::from(dir) })
}

impl SmtpRelay {
    fn from_parts(
        security: SmtpSecurity,
        rest: &str,
        password: Option<String>,
    ) -> Result<SmtpRelay, MailError> {
        let invalid = |problem: String| MailError::InvalidUrl { problem };
        // The authority ends at the first `/`, `?` or `#`; there should be nothing after it.
        // The userinfo is split off at the last `@`, so a password may contain `/` only
        // percent-encoded, as RFC 3986 requires.
        let (userinfo, host_port) = match rest.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, rest),
        };
        let host_port = host_port.strip_suffix('/').unwrap_or(host_port);
        if host_port.contains(['/', '?', '#']) {
            return Err(invalid(
                "nothing may follow the host and port (no path, query or fragment)".to_owned(),
            ));
        }
        let (host, port) = split_host_port(host_port)?;
        let default_port = match security {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::ImplicitTls => 465,
            SmtpSecurity::Plain => 25,
        };
        let port = port.unwrap_or(default_port);

        let (user, url_password) = match userinfo {
            None => (None, None),
            Some(userinfo) => {
                let (user, url_password) = match userinfo.split_once(':') {
                    Some((user, url_password)) => (user, Some(url_password)),
                    None => (userinfo, None),
                };
                let user = percent_decode(user).ok_or_else(|| {
                    invalid("the user has a bad percent-escape (use `%40` for `@`)".to_owned())
                })?;
                let url_password = url_password
                    .map(|text| {
                        percent_decode(text).ok_or_else(|| {
                            invalid("the password in the url has a bad percent-escape".to_owned())
                        })
                    })
                    .transpose()?;
                if user.is_empty() {
                    return Err(invalid("the user before `@` is empty".to_owned()));
                }
                (Some(user), url_password)
            }
        };
        let password = url_password.or(password);
        let credentials = match (user, password) {
            (Some(user), Some(password)) => Some(Credentials::new(user, password)),
            (Some(_), None) => {
                return Err(invalid(
                    "the url names a user but no password; set OMBUD_SMTP_PASSWORD rather \
                     than writing the password into the url"
                        .to_owned(),
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "a password was given but the url names no user; write \
                     `smtp://USER@host` or unset OMBUD_SMTP_PASSWORD"
                        .to_owned(),
                ));
            }
            (None, None) => None,
        };

        let builder = match security {
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host),
            SmtpSecurity::ImplicitTls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host),
            SmtpSecurity::Plain => {
                if !is_loopback(&host) {
                    return Err(invalid(format!(
                        "`smtp+plain://` sends personal data unencrypted, so it is allowed only \
                         to a relay on this machine (localhost, 127.0.0.1, ::1), not `{host}`; \
                         use `smtp://{host}` (STARTTLS) or `smtps://{host}` (implicit TLS)"
                    )));
                }
                if credentials.is_some() {
                    return Err(invalid(
                        "`smtp+plain://` would send the password unencrypted; drop the user \
                         and password, or use `smtp://` or `smtps://`"
                            .to_owned(),
                    ));
                }
                Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone()))
            }
        }
        .map_err(|_| invalid(format!("`{host}` is not a valid TLS server name")))?;
        let authenticated = credentials.is_some();
        let mut builder = builder.port(port).timeout(Some(SMTP_COMMAND_TIMEOUT));
        if let Some(credentials) = credentials {
            builder = builder.credentials(credentials);
        }
        Ok(SmtpRelay {
            host,
            port,
            security,
            authenticated,
            builder: Box::new(builder),
            transport: OnceLock::new(),
        })
    }

    /// The relay's host name or address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The relay's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the connection is protected.
    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn describe(&self) -> String {
        let security = match self.security {
            SmtpSecurity::StartTls => "STARTTLS",
            SmtpSecurity::ImplicitTls => "implicit TLS",
            SmtpSecurity::Plain => "no TLS, loopback only",
        };
        let authenticated = if self.authenticated { ", authenticated" } else { "" };
        format!("smtp {} ({security}{authenticated})", self.server())
    }

    async fn send(&self, message: Message) -> Result<Delivery, MailError> {
        // Built here, inside the runtime, because lettre's pool spawns a cleanup task.
        let transport = self.transport.get_or_init(|| (*self.builder).clone().build());
        let server = self.server();
        match tokio::time::timeout(SMTP_SEND_TIMEOUT, transport.send(message)).await {
            Err(_elapsed) => {
                Err(MailError::Smtp { server, failure: SmtpFailure::Timeout, code: None })
            }
            Ok(Err(error)) => Err(smtp_error(server, &error)),
            Ok(Ok(response)) => {
                Ok(Delivery { detail: format!("{} from {server}", u16::from(response.code())) })
            }
        }
    }
}

fn smtp_error(server: String, error: &SmtpError) -> MailError {
    let failure = if error.is_timeout() {
        SmtpFailure::Timeout
    } else if error.is_tls() {
        SmtpFailure::Tls
    } else if error.is_permanent() {
        SmtpFailure::Rejected
    } else if error.is_transient() {
        SmtpFailure::Deferred
    } else if error.is_client() {
        // lettre's "client" errors are refusals to go on: no STARTTLS where it is required,
        // no authentication mechanism in common, no SMTPUTF8 for a non-ASCII address.
        SmtpFailure::Unsupported
    } else {
        SmtpFailure::Connection
    };
    MailError::Smtp { server, failure, code: error.status().map(u16::from) }
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port(host_port: &str) -> Result<(String, Option<u16>), MailError> {
    let invalid = |problem: String| MailError::InvalidUrl { problem };
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| invalid("an IPv6 address needs a closing `]`".to_owned()))?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(invalid(format!("`[{host}]` is not an IPv6 address")));
        }
        let port =
            match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or_else(|| {
                    invalid("only `:port` may follow an IPv6 address".to_owned())
                })?),
            };
        (host, port)
    } else {
        let (host, port) = match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        let host_ok = !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
        if !host_ok {
            return Err(invalid(
                "the host is missing or has characters a host name cannot have (write an \
                 IPv6 address in brackets, as in `[::1]:25`)"
                    .to_owned(),
            ));
        }
        (host, port)
    };
    let port = port
        .map(|port| match port.parse::<u16>() {
            Ok(port) if port > 0 => Ok(port),
            _ => Err(invalid("the port must be a number from 1 to 65535".to_owned())),
        })
        .transpose()?;
    Ok((host.to_owned(), port))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// `<dir>/<UTC date and time>-<message id, sanitized>.eml`. The same email always maps to
/// the same name, so sending it again replaces the file instead of duplicating it.
fn outbox_file_name(email: &OutgoingEmail) -> String {
    let timestamp = email.date.strftime("%Y%m%dT%H%M%SZ");
    let id: String =
        email
            .message_id
            .trim_start_matches('<')
            .trim_end_matches('>')
            .chars()
            .take(120)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
    format!("{timestamp}-{id}.eml")
}

async fn write_outbox(
    dir: &Path,
    email: &OutgoingEmail,
    raw: &[u8],
) -> Result<Delivery, MailError> {
    let io_error = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| MailError::Io { action, path, source }
    };
    let mut dir_builder = tokio::fs::DirBuilder::new();
    dir_builder.recursive(true);
    #[cfg(unix)]
    dir_builder.mode(0o700);
    dir_builder.create(dir).await.map_err(io_error("create the outbox directory", dir))?;

    let name = outbox_file_name(email);
    let path = dir.join(&name);
    let mut random = [0_u8; 8];
    getrandom::fill(&mut random).map_err(|error| MailError::Io {
        action: "pick a temporary file name in",
        path: dir.to_path_buf(),
        source: std::io::Error::other(error.to_string()),
    })?;
    let suffix: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let temporary = dir.join(format!(".{name}.{suffix}.tmp"));

    let written = write_new_file(&temporary, raw).await;
    let renamed = match written {
        Ok(()) => tokio::fs::rename(&temporary, &path)
            .await
            .map_err(io_error("move the email into place at", &path)),
        Err(error) => Err(error),
    };
    if let Err(error) = renamed {
        // Best effort: a leftover temporary file is harmless, hidden, and never read.
        let _removed = tokio::fs::remove_file(&temporary).await;
        return Err(error);
    }
    // The rename is durable only once the directory itself is synced.
    let directory = tokio::fs::File::open(dir).await.map_err(io_error("open the outbox", dir))?;
    directory.sync_all().await.map_err(io_error("sync the outbox", dir))?;
    Ok(Delivery { detail: path.display().to_string() })
}

async fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), MailError> {
    let io_error = |action| {
        let path = path.to_path_buf();
        move |source| MailError::Io { action, path, source }
    };
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    // The file holds a person's name, address and request: only the owner may read it.
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await.map_err(io_error("create the email file"))?;
    file.write_all(bytes).await.map_err(io_error("write the email file"))?;
    file.sync_all().await.map_err(io_error("sync the email file"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b.example").as_deref(), Some("a@b.example"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%4"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn host_and_port() {
        let split = |text: &str| split_host_port(text).map_err(|error| error.to_string());
        assert_eq!(split("relay.example.com").unwrap(), ("relay.example.com".to_owned(), None));
        assert_eq!(split("relay.example.com:2525").unwrap().1, Some(2525));
        assert_eq!(split("[::1]:25").unwrap(), ("::1".to_owned(), Some(25)));
        assert!(split("[::1").is_err());
        assert!(split("host:0").is_err());
        assert!(split("host:99999").is_err());
        assert!(split(":25").is_err());
        assert!(split("ho st").is_err());
    }
}

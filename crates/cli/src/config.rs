//! Configuration from flags and the environment: where the store is, the master key,
//! the program, mail delivery. The environment is read here and nowhere else.
//!
//! The master key is taken, in order, from `OMBUD_MASTER_KEY` (the key itself, for
//! containers and CI), `--master-key-file` / `OMBUD_MASTER_KEY_FILE`, or — for a SQLite
//! store only — the file `<database>.key` beside it, which `ombud migrate` creates on
//! first use so the embedded setup needs nothing installed. Production keeps the key
//! away from the database (a secrets manager, a file on another volume).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Args;
use ombud_app::mail::{MailTransport, Templates};
use ombud_app::{App, AppParts, NoLookup, Settings, SystemClock, SystemIds};
use ombud_store::{MasterKey, Store, StoreUrl};

use crate::output::err_line;

/// The largest key file ombud reads.
const KEY_FILE_BYTES_MAX: u64 = 4 << 10;

/// Where the store is and how to unlock it.
#[derive(Clone, Debug, Args)]
pub(crate) struct StoreArgs {
    /// Where ombud keeps its records: sqlite://PATH (embedded) or postgres://USER@HOST/DB.
    #[arg(long, env = "OMBUD_STORE", default_value = "sqlite://ombud.db", global = true)]
    pub(crate) store: String,
    /// A file holding the 32-byte master key as base64 or hex (see `ombud keys generate`).
    /// OMBUD_MASTER_KEY may hold the key itself instead.
    #[arg(long, env = "OMBUD_MASTER_KEY_FILE", value_name = "FILE", global = true)]
    pub(crate) master_key_file: Option<PathBuf>,
}

/// What the request workflow needs besides the store.
#[derive(Clone, Debug, Args)]
pub(crate) struct AppArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// The privacy program (manifest) whose requests these are.
    #[arg(long, env = "OMBUD_PROGRAM", value_name = "PROGRAM", global = true)]
    pub(crate) program: Option<PathBuf>,
    /// Where messages go: outbox:DIR (.eml files; the default), smtp://HOST[:PORT]
    /// (STARTTLS), smtps://HOST[:PORT], or smtp+plain://127.0.0.1:PORT for a local relay.
    #[arg(long, env = "OMBUD_MAIL", default_value = "outbox:outbox", global = true)]
    pub(crate) mail: String,
    /// A directory of message templates that replace the built-in ones (docs/email.md).
    #[arg(long, env = "OMBUD_MAIL_TEMPLATES", value_name = "DIR", global = true)]
    pub(crate) mail_templates: Option<PathBuf>,
    /// A directory of holiday calendars (`<id>.cal`) besides the built-in ones; defaults
    /// to `calendars/` beside the program.
    #[arg(long, env = "OMBUD_CALENDARS", value_name = "DIR", global = true)]
    pub(crate) calendars: Option<PathBuf>,
    /// The connection URL of one of the program's databases, as SYSTEM=URL, instead of
    /// the environment variable its manifest names (repeatable).
    #[arg(long = "connect", value_name = "SYSTEM=URL", global = true)]
    pub(crate) connect: Vec<String>,
}

#[allow(clippy::disallowed_methods)] // The cli is where configuration is read.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The value of an environment variable a manifest names (a connection URL).
pub(crate) fn env_value(name: &str) -> Option<String> {
    env(name)
}

/// The store URL, parsed.
pub(crate) fn store_url(args: &StoreArgs) -> anyhow::Result<StoreUrl> {
    Ok(StoreUrl::parse(&args.store)?)
}

fn default_key_path(url: &StoreUrl) -> Option<PathBuf> {
    match url {
        StoreUrl::Sqlite { path } => {
            let mut name = path.file_name()?.to_os_string();
            name.push(".key");
            Some(path.with_file_name(name))
        }
        StoreUrl::Postgres { .. } => None,
    }
}

fn read_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("cannot read the master key file {}", path.display()))?;
    if metadata.len() > KEY_FILE_BYTES_MAX {
        bail!("{} is too large to be a key file", path.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if metadata.permissions().mode() & 0o077 != 0 {
            err_line(&format!(
                "warning: {} can be read by other users; run `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the master key file {}", path.display()))?;
    MasterKey::parse(&text).with_context(|| format!("in {}", path.display()))
}

/// The master key from the environment, the flag, or the file beside a SQLite store.
/// With `create`, a missing `<database>.key` is generated (for `ombud migrate`).
pub(crate) fn master_key(
    args: &StoreArgs,
    url: &StoreUrl,
    create: bool,
) -> anyhow::Result<MasterKey> {
    if let Some(text) = env("OMBUD_MASTER_KEY") {
        return MasterKey::parse(&text).context("in OMBUD_MASTER_KEY");
    }
    if let Some(path) = &args.master_key_file {
        return read_key_file(path);
    }
    let Some(path) = default_key_path(url) else {
        bail!(
            "no master key: a PostgreSQL store needs OMBUD_MASTER_KEY or --master-key-file (make a key with `ombud keys generate --out FILE`)"
        );
    };
    if path.exists() {
        return read_key_file(&path);
    }
    if !create {
        bail!(
            "no master key: {} does not exist; run `ombud migrate` first, or give OMBUD_MASTER_KEY or --master-key-file",
            path.display()
        );
    }
    let key = MasterKey::generate()?;
    write_key_file(&path, &key)?;
    err_line(&format!(
        "created the master key {}: keep it safe and away from backups of the database; without it the store cannot be read",
        path.display()
    ));
    Ok(key)
}

/// Writes a key file readable by its owner only, refusing to overwrite one.
pub(crate) fn write_key_file(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))?;
    file.write_all(format!("{}\n", key.to_base64().as_str()).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Opens the store.
pub(crate) async fn open_store(args: &StoreArgs) -> anyhow::Result<(Store, MasterKey)> {
    let url = store_url(args)?;
    let master = master_key(args, &url, false)?;
    let store = Store::open(&url, &master).await?;
    Ok((store, master))
}

/// The account key for assertions, from `OMBUD_ACCOUNT_KEY`.
fn account_key() -> anyhow::Result<Option<ombud_app::assertion::AccountKey>> {
    env("OMBUD_ACCOUNT_KEY")
        .map(|text| ombud_app::assertion::AccountKey::parse(&text).context("in OMBUD_ACCOUNT_KEY"))
        .transpose()
}

/// Builds the app: the store, the program's settings, mail delivery.
pub(crate) async fn open_app(args: &AppArgs) -> anyhow::Result<App> {
    let (app, _) = open_app_inner(args, false, false).await?;
    Ok(app)
}

/// Builds the app with its decision engine loaded from the consent ledger.
pub(crate) async fn open_app_with_choices(args: &AppArgs) -> anyhow::Result<App> {
    let (app, _) = open_app_inner(args, false, true).await?;
    Ok(app)
}

/// Builds the whole app: the program's databases and the decision engine (`ombud serve`).
pub(crate) async fn open_app_full(args: &AppArgs) -> anyhow::Result<App> {
    let (app, _) = open_app_inner(args, true, true).await?;
    Ok(app)
}

/// Builds the app connected to the program's databases, for fulfilment and for
/// verification by data points.
pub(crate) async fn open_app_with_systems(args: &AppArgs) -> anyhow::Result<App> {
    let (app, _) = open_app_inner(args, true, false).await?;
    Ok(app)
}

/// The connection URL of each planned database: `--connect` first, then the variable
/// the manifest names. Systems with neither are listed with the reason.
/// `(system, url)` pairs, then `(system, why not)` pairs.
type SystemUrls = (Vec<(String, String)>, Vec<(String, String)>);

fn system_urls(
    program: &ombud_program::Program,
    overrides: &[String],
) -> anyhow::Result<SystemUrls> {
    let mut given: Vec<(String, String)> = Vec::new();
    for item in overrides {
        let Some((system, url)) = item.split_once('=') else {
            bail!(
                "--connect takes SYSTEM=URL, for example --connect shop=postgres://127.0.0.1/shop"
            );
        };
        given.push((system.trim().to_owned(), url.trim().to_owned()));
    }
    let (planned, _) = ombud_program::plan::database_systems(program);
    for (system, _) in &given {
        if !planned.contains(&system.as_str()) {
            bail!(
                "--connect names `{system}`, which is not a database the program fulfils requests in (planned: {})",
                planned.join(", ")
            );
        }
    }
    let mut urls = Vec::new();
    let mut missing = Vec::new();
    for system in planned {
        if let Some((_, url)) = given.iter().find(|(s, _)| s == system) {
            urls.push((system.to_owned(), url.clone()));
            continue;
        }
        let variable =
            program.systems.iter().find(|s| s.id == system).and_then(|s| match &s.kind {
                ombud_program::model::SystemKind::Database { connection_env, .. } => {
                    connection_env.clone()
                }
                ombud_program::model::SystemKind::ServiceProvider { .. } => None,
            });
        match variable.as_deref().and_then(env) {
            Some(url) => urls.push((system.to_owned(), url)),
            None => missing.push((
                system.to_owned(),
                match variable {
                    Some(name) => {
                        format!("set {name} to its connection URL, or pass --connect {system}=URL")
                    }
                    None => {
                        format!("the manifest names no connection; pass --connect {system}=URL")
                    }
                },
            )),
        }
    }
    Ok((urls, missing))
}

/// Connects the program's databases; a system that cannot be reached is recorded as
/// unavailable (the error names it) rather than stopping commands that do not need it.
pub(crate) async fn connect_systems(
    program: Arc<ombud_program::Program>,
    overrides: &[String],
) -> anyhow::Result<Arc<ombud_app::fulfil::Fulfilment>> {
    let (urls, missing) = system_urls(&program, overrides)?;
    let mut connectors = std::collections::BTreeMap::new();
    let mut unavailable: std::collections::BTreeMap<String, String> = missing.into_iter().collect();
    let options = ombud_app::fulfil::connector_options();
    for (system, url) in urls {
        match ombud_connect::Connector::connect(&system, &url, options).await {
            Ok(connector) => {
                connectors.insert(system, connector);
            }
            Err(error) => {
                unavailable.insert(system, error.to_string());
            }
        }
    }
    Ok(Arc::new(ombud_app::fulfil::Fulfilment {
        program,
        connectors,
        unavailable,
        package_lifetime_ms: ombud_app::fulfil::PACKAGE_LIFETIME_MS_DEFAULT,
        link_lifetime_ms: ombud_app::fulfil::LINK_LIFETIME_MS_DEFAULT,
    }))
}

/// Reads and checks the program at `path`.
pub(crate) fn load_program(program_path: &Path) -> anyhow::Result<ombud_program::Program> {
    let bytes = crate::input::read_manifest(program_path)?;
    match ombud_program::load(&bytes, &ombud_program::CheckOptions::default()) {
        Ok((program, _warnings)) => Ok(program),
        Err(ombud_program::LoadError::Unreadable(e)) => {
            bail!("cannot read {}: {e}", program_path.display())
        }
        Err(ombud_program::LoadError::Invalid(diagnostics)) => {
            let file = program_path.display().to_string();
            for diagnostic in
                diagnostics.iter().filter(|d| d.severity == ombud_program::Severity::Error).take(20)
            {
                err_line(&diagnostic.render(&file));
            }
            bail!("{file} has errors; run `ombud check {file}` and fix them first");
        }
    }
}

async fn open_app_inner(
    args: &AppArgs,
    with_systems: bool,
    with_choices: bool,
) -> anyhow::Result<(App, ())> {
    let Some(program_path) = &args.program else {
        bail!("give the privacy program with --program FILE (or OMBUD_PROGRAM)");
    };
    let program = Arc::new(load_program(program_path)?);
    let calendar_dir =
        args.calendars.clone().or_else(|| program_path.parent().map(|p| p.join("calendars")));
    let settings = Settings::from_program(&program, calendar_dir.as_deref(), account_key()?)?;
    let templates = match &args.mail_templates {
        Some(dir) => Templates::with_overrides(dir)?,
        None => Templates::builtin(),
    };
    // The SMTP password comes from OMBUD_SMTP_PASSWORD, never from a flag that would sit
    // in a shell history or a process list.
    let transport = MailTransport::from_url_with_password(&args.mail, env("OMBUD_SMTP_PASSWORD"))?;
    let (store, _master) = open_store(&args.store).await?;
    let fulfilment = if with_systems {
        Some(connect_systems(program.clone(), &args.connect).await?)
    } else {
        None
    };
    let lookup: Arc<dyn ombud_app::SubjectLookup> = match &fulfilment {
        Some(f) => Arc::new(ombud_app::fulfil::lookup::DatabaseLookup::new(f.clone())),
        None => Arc::new(NoLookup),
    };
    let app = App::new(AppParts {
        store,
        settings,
        clock: Arc::new(SystemClock),
        ids: Arc::new(SystemIds),
        lookup,
        templates,
        transport,
    });
    let app = match fulfilment {
        Some(f) => app.with_fulfilment(f),
        None => app,
    };
    let app = if with_choices {
        let engine = ombud_app::choices::Engine::load(program, app.store()).await?;
        app.with_choices(Arc::new(engine))
    } else {
        app
    };
    Ok((app, ()))
}

//! `ombud demo`: the whole product on the embedded default, with nothing installed — a
//! working directory with the SQLite store and its key, the reference shop database
//! (`ombud demo-data`), its program (`examples/shop.yaml`, built in) and an outbox for
//! messages; then the server: the privacy center, the staff pages and the API. The first
//! run makes a staff admin with a generated password and keeps the login in
//! `staff-login.txt` (owner-only), a demo convenience: a real installation makes its
//! admin with `ombud staff add` and keeps the password in a password manager. Running
//! it again reuses the directory; if the admin's password was changed since (`ombud
//! staff password`), the kept one no longer works and the demo says so instead of
//! printing it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use ombud_app::Actor;
use ombud_app::tokens::Scope;
use ombud_store::Store;

use crate::config::{AppArgs, StoreArgs, master_key, open_app, store_url};
use crate::output::{err_line, out_line};
use ombud_app::staff::StaffRole;

/// The reference program, built into the binary so the demo needs no checkout.
const SHOP_YAML: &str = include_str!("../../../../examples/shop.yaml");

/// The example holiday calendars the program names (`calendars/` beside it).
const CALENDARS: &[(&str, &str)] = &[
    ("de.cal", include_str!("../../../../examples/calendars/de.cal")),
    ("fr.cal", include_str!("../../../../examples/calendars/fr.cal")),
    ("ie.cal", include_str!("../../../../examples/calendars/ie.cal")),
];

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The working directory (made if missing, reused if present).
    #[arg(long, default_value = "ombud-demo")]
    dir: PathBuf,
    /// Customers in the demo shop (when it is made).
    #[arg(long, default_value_t = 1_000)]
    customers: u64,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    options: super::serve::ServeOptions,
}

pub(crate) async fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if args.customers == 0 || args.customers > 10_000_000 {
        anyhow::bail!("--customers is 1 to 10,000,000");
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let dir =
        args.dir.canonicalize().with_context(|| format!("cannot read {}", args.dir.display()))?;
    let program = dir.join("shop.yaml");
    if !program.exists() {
        std::fs::write(&program, SHOP_YAML)
            .with_context(|| format!("cannot write {}", program.display()))?;
    }
    let calendars = dir.join("calendars");
    std::fs::create_dir_all(&calendars)
        .with_context(|| format!("cannot create {}", calendars.display()))?;
    for (name, text) in CALENDARS {
        let path = calendars.join(name);
        if !path.exists() {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    let store = StoreArgs {
        store: format!("sqlite://{}", dir.join("ombud.db").display()),
        master_key_file: None,
    };
    let url = store_url(&store)?;
    let master = master_key(&store, &url, true)?;
    Store::migrate(&url, &master, crate::clock::now_ms()).await?;
    let shop = dir.join("shop.db");
    let shop_url = format!("sqlite://{}?mode=rwc", shop.display());
    if !shop.exists() {
        err_line(&format!("making the demo shop ({} customers)…", args.customers));
        let workload =
            ombud_workload::Workload { customers: args.customers, seed: 1, replace: false };
        ombud_workload::generate(&shop_url, &workload).await?;
    }
    let outbox = dir.join("outbox");
    let app_args = AppArgs {
        store,
        program: Some(program),
        mail: format!("outbox:{}", outbox.display()),
        mail_templates: None,
        calendars: None,
        connect: vec![format!("shop={shop_url}")],
    };
    let app = open_app(&app_args).await?;
    let login_file = dir.join("staff-login.txt");
    let login = staff_login(&app, &login_file).await?;
    let reset_command = format!(
        "ombud staff password {DEMO_ADMIN} --store {} --program {}",
        app_args.store.store,
        dir.join("shop.yaml").display()
    );
    // A fresh token each run: tokens are shown once.
    let (_, token) = app.create_api_token("demo", &Scope::ALL, &Actor::Cli).await?;
    let token = token.expose().to_owned();
    let customer = ombud_workload::customer_email(1);
    super::serve::run(&app_args, &args.listen, &args.options, move |address| {
        out_line(&format!("API token (decide, consent): {token}"))?;
        out_line(&format!("  try: curl -H 'Authorization: Bearer {token}' http://{address}/v1/decisions -d '{{\"subject\":\"email:{customer}\",\"purpose\":\"newsletter\",\"category\":\"contact_details\"}}'"))?;
        out_line(&format!("messages (verification codes, confirmations): {}", outbox.display()))?;
        out_line(&format!("data: {} (the store), {} (the shop)", dir.join("ombud.db").display(), shop.display()))?;
        out_line(&match &login {
            Some(password) => format!(
                "staff pages: http://{address}/staff/login — username {DEMO_ADMIN}, password {password} (kept in {})",
                login_file.display()
            ),
            None => format!(
                "staff pages: http://{address}/staff/login — the login kept in {file} no longer works (the {DEMO_ADMIN} password was changed or the account disabled); set a new one with `{reset_command}`, or delete {file} to have the demo make one",
                file = login_file.display(),
            ),
        })?;
        out_line("stop with Ctrl-C")?;
        Ok(())
    })
    .await
}

/// The demo's staff admin.
const DEMO_ADMIN: &str = "admin";

/// The demo admin's password: read from `path`, or (first run, or the file was
/// removed) set to a new generated one and written there, readable by its owner only.
/// `None` when the kept password no longer logs in (it was reset or the account
/// disabled with `ombud staff`): a wrong password is never printed.
async fn staff_login(
    app: &ombud_app::App,
    path: &std::path::Path,
) -> anyhow::Result<Option<String>> {
    if let Ok(text) = std::fs::read_to_string(path)
        && let Some(password) = text.lines().find_map(|l| l.strip_prefix("password: "))
    {
        let password = password.trim().to_owned();
        owner_only(path)?;
        let works = app.staff_password_matches(DEMO_ADMIN, &password).await?;
        return Ok(works.then_some(password));
    }
    let password = match app.create_staff(DEMO_ADMIN, StaffRole::Admin, None, &Actor::Cli).await {
        Ok((_, generated)) => generated,
        // The admin exists but its file is gone: a new password, said the same way.
        Err(ombud_app::AppError::Conflict(_)) => {
            app.reset_staff_password(DEMO_ADMIN, None, &Actor::Cli).await?
        }
        Err(e) => return Err(e.into()),
    }
    .context("no password was generated for the demo admin")?;
    let text = format!(
        "# The demo's staff login (a convenience of `ombud demo`; keep real passwords in a password manager).\nusername: {DEMO_ADMIN}\npassword: {}\n",
        password.expose()
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    use std::io::Write as _;
    options
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))?;
    // The mode above applies only to a file it creates: one that existed keeps its
    // own, so it is set on every write.
    owner_only(path)?;
    Ok(Some(password.expose().to_owned()))
}

/// Makes the login file readable and writable by its owner only.
fn owner_only(path: &std::path::Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} its owner's only", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

//! `ombud demo`: the whole product on the embedded default, with nothing installed — a
//! working directory with the SQLite store and its key, the reference shop database
//! (`ombud demo-data`), its program (`examples/shop.yaml`, built in) and an outbox for
//! messages; then the server (issue 6, begun: the privacy center and the API; the staff
//! pages come later). Running it again reuses the directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use ombud_app::Actor;
use ombud_app::tokens::Scope;
use ombud_store::Store;

use crate::config::{AppArgs, StoreArgs, master_key, open_app, store_url};
use crate::output::{err_line, out_line};

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
    // A fresh token each run: tokens are shown once.
    let (_, token) =
        open_app(&app_args).await?.create_api_token("demo", &Scope::ALL, &Actor::Cli).await?;
    let token = token.expose().to_owned();
    let customer = ombud_workload::customer_email(1);
    super::serve::run(&app_args, &args.listen, move |address| {
        out_line(&format!("API token (decide, consent): {token}"))?;
        out_line(&format!("  try: curl -H 'Authorization: Bearer {token}' http://{address}/v1/decisions -d '{{\"subject\":\"email:{customer}\",\"purpose\":\"newsletter\",\"category\":\"contact_details\"}}'"))?;
        out_line(&format!("messages (verification codes, confirmations): {}", outbox.display()))?;
        out_line(&format!("data: {} (the store), {} (the shop)", dir.join("ombud.db").display(), shop.display()))?;
        out_line("staff pages: not built yet (issue 6); use `ombud request …` with the same --store")?;
        out_line("stop with Ctrl-C")?;
        Ok(())
    })
    .await
}

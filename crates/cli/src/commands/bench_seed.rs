//! `ombud bench seed-ledger`: fills a store's consent ledger with N synthetic people so
//! the web benchmark (`scripts/bench-web.sh`) can measure `ombud serve` with a
//! decision snapshot of a million subjects (issue 6 item 8: resident memory ≤ 150 MB).
//!
//! People are `personN@example.com`; a third opted out of sale (GPC), a third consented
//! to the program's first consent purpose (if it has one), the rest opted out of
//! targeted advertising. Records go in through the store's own append (encrypted
//! identifier, keyed hash) in transactions of 10,000, without an audit event each:
//! benchmark data, never a real person's choice.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use ombud_core::id::Id;
use ombud_core::sensitive::Sensitive;
use ombud_store::consent::{ChoiceRecord, SubjectKind};

use super::EXIT_OK;
use crate::config::{AppArgs, open_app_with_choices};
use crate::output::out_line;

#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    #[command(flatten)]
    app: AppArgs,
    /// People to add.
    #[arg(long, default_value_t = 1_000_000)]
    subjects: u32,
}

/// The most people one run adds.
const SUBJECTS_MAX: u32 = 20_000_000;

/// Records per transaction.
const BATCH: u32 = 10_000;

pub(crate) async fn run(args: SeedArgs) -> anyhow::Result<ExitCode> {
    if args.subjects == 0 || args.subjects > SUBJECTS_MAX {
        bail!("--subjects must be 1 to {SUBJECTS_MAX}");
    }
    let app = open_app_with_choices(&args.app).await?;
    let program = app.choices()?.program().clone();
    let consent_purpose = program
        .purposes
        .iter()
        .find(|p| p.gdpr_basis == Some(ombud_core::GdprLawfulBasis::Consent))
        .map(|p| p.id.clone());
    let notice = program.notice.version.clone();
    let started = Instant::now();
    let base_ms = app.now().as_millisecond();
    let mut n = 0u32;
    while n < args.subjects {
        let mut tx = app.store().begin().await?;
        let end = n.saturating_add(BATCH).min(args.subjects);
        for k in n..end {
            let canonical = format!("email:person{k}@example.com");
            let (choice, target, source) = match (k % 3, &consent_purpose) {
                (0, _) => ("opt_out_sale", None, "gpc"),
                (1, Some(purpose)) => ("consent", Some(purpose.clone()), "form"),
                _ => ("opt_out_targeted_ads", None, "form"),
            };
            let record = ChoiceRecord {
                id: Id::from_parts(
                    u64::try_from(base_ms).unwrap_or(0),
                    u128::from(k) | (u128::from(super::jobs::random_u64()) << 64),
                ),
                subject_kind: SubjectKind::Person,
                subject_mac: tx.subject_mac(SubjectKind::Person, &canonical),
                choice: choice.to_owned(),
                target,
                source: source.to_owned(),
                notice_version: Some(notice.clone()),
                at_ms: base_ms,
            };
            tx.append_choice(&record, &Sensitive::new(canonical)).await?;
        }
        tx.commit().await?;
        n = end;
    }
    out_line(&format!(
        "added {} people to the consent ledger in {:.1} s",
        args.subjects,
        started.elapsed().as_secs_f64()
    ))?;
    app.store().close().await;
    Ok(ExitCode::from(EXIT_OK))
}

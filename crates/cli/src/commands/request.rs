//! `ombud request …`: the rights-request workflow from the command line — what staff
//! do when a request arrives by phone or email, and what scripts do in bulk.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use jiff::Timestamp;
use ombud_app::requests::{NewRequest, RequestDetails, VerificationOutcome};
use ombud_app::{Actor, App};
use ombud_core::id::Id;
use ombud_core::request::{DenialBasis, DenialReason, Status};
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::{Claim, Level};
use ombud_core::{
    AgentProof, ChannelKind, IdentityKind, Law, Reference, VerificationMethod, limits,
};
use ombud_store::requests::{AgentContact, Filter, RequestRecord, Subject};
use serde_json::json;

use super::EXIT_OK;
use crate::config::{AppArgs, open_app, open_app_with_systems};
use crate::output::{err_line, out_line};

#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: RequestCommand,
}

#[derive(Debug, Subcommand)]
enum RequestCommand {
    /// Record a new request (from the web, an email, a phone call, a letter); prints its id.
    Submit(SubmitArgs),
    /// Record many requests from a JSON Lines file (one request per line); prints each
    /// id as soon as it is stored.
    Import(ImportArgs),
    /// List requests, nearest deadline first; overdue ones are marked.
    List(ListArgs),
    /// Show a request: status, every due date, verification, messages, its timeline.
    Show(ShowArgs),
    /// Find the requests of a person by email or phone (the search is audited).
    Find(FindArgs),
    /// Verify the requester: send or check an email code, match data points, check an
    /// account assertion, or attest a verification done by staff.
    Verify(VerifyArgs),
    /// Record that receipt was confirmed by phone, letter or in person.
    Acknowledge(AcknowledgeArgs),
    /// Record that the person confirmed their authorized agent.
    ConfirmAgent(IdArg),
    /// Record reasonable doubts about identity (GDPR Art 12(6)); raises the level needed.
    Doubt(IdArg),
    /// Begin work on a verified request.
    Start(IdArg),
    /// Take the one extension, with the reason the person will read.
    Extend(ExtendArgs),
    /// Complete a request; with --partial, say why part of it was refused.
    Complete(CompleteArgs),
    /// Deny a request with the legal basis (exception codes D1–D8, G-a–G-e, or a reason code).
    Deny(DenyArgs),
    /// Cancel a request (withdrawn by the person, a duplicate).
    Cancel(CancelArgs),
    /// Attach a document (an agent's signed permission, a power of attorney, evidence for a correction).
    Attach(AttachArgs),
}

#[derive(Debug, Args)]
struct IdArg {
    /// The request id.
    id: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people.
    Text,
    /// For machines.
    Json,
}

#[derive(Debug, Args)]
struct SubmitArgs {
    /// What is asked for: know, access, delete, correct, opt_out_sale_share, limit_sensitive,
    /// restrict, object, withdraw_consent, portability, shine_the_light, appeal.
    #[arg(long = "type", value_name = "TYPE")]
    request_type: String,
    /// The law it is made under: ccpa, gdpr, virginia, colorado, connecticut, texas, oregon, utah.
    #[arg(long, alias = "jurisdiction")]
    law: String,
    /// How it arrived: web_form, email, toll_free_phone, phone, postal_mail, in_person, account, …
    #[arg(long, default_value = "web_form")]
    channel: String,
    /// When it arrived, if not now: 2026-11-25T10:30:00-08:00, or a date (noon in the program's time zone).
    #[arg(long, value_name = "TIME")]
    received_at: Option<String>,
    /// The person's email address.
    #[arg(long)]
    email: Option<String>,
    /// The person's name.
    #[arg(long)]
    name: Option<String>,
    /// The person's phone number.
    #[arg(long)]
    phone: Option<String>,
    /// The person's postal address.
    #[arg(long)]
    address: Option<String>,
    /// The person's account id with the business.
    #[arg(long)]
    account_id: Option<String>,
    /// What the person wrote (which data, what to correct and how).
    #[arg(long)]
    details: Option<String>,
    /// For a correction: a kind of data being corrected (repeat); it cannot be used to verify.
    #[arg(long, value_name = "KIND")]
    correcting: Vec<String>,
    /// An authorized agent submits it: the agent's proof (signed_permission or power_of_attorney).
    #[arg(long, value_name = "PROOF")]
    agent_proof: Option<String>,
    /// The agent's name.
    #[arg(long)]
    agent_name: Option<String>,
    /// The agent's email address.
    #[arg(long)]
    agent_email: Option<String>,
    /// For an appeal: the request appealed.
    #[arg(long, value_name = "ID")]
    appeal_of: Option<String>,
    /// Send the email verification code right away.
    #[arg(long)]
    send_code: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// A JSON Lines file: {"type":"delete","law":"ccpa","channel":"email","received_at":"…","email":"…","name":"…"} per line.
    file: PathBuf,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Closed requests too.
    #[arg(long, conflicts_with = "closed")]
    all: bool,
    /// Only closed requests.
    #[arg(long)]
    closed: bool,
    /// Only this status.
    #[arg(long)]
    status: Option<String>,
    /// Only this law.
    #[arg(long)]
    law: Option<String>,
    /// Only this type.
    #[arg(long = "type", value_name = "TYPE")]
    request_type: Option<String>,
    /// Only requests whose next deadline has passed.
    #[arg(long)]
    overdue: bool,
    /// At most this many.
    #[arg(long, default_value_t = 200)]
    limit: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The request id.
    id: String,
    /// Also show the person's details (the read is recorded in the audit chain).
    #[arg(long)]
    reveal: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Args)]
struct FindArgs {
    /// The email address to look for.
    #[arg(long, conflicts_with = "phone", required_unless_present = "phone")]
    email: Option<String>,
    /// The phone number to look for.
    #[arg(long)]
    phone: Option<String>,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The request id.
    id: String,
    /// Send a new one-time code to the person's email.
    #[arg(long, group = "how")]
    send_code: bool,
    /// Check the code the person received.
    #[arg(long, group = "how", value_name = "CODE")]
    code: Option<String>,
    /// A data point the person gave, as KIND=VALUE (repeat); KIND is one of the program's requests.data_points.
    #[arg(long = "point", group = "how", value_name = "KIND=VALUE")]
    points: Vec<String>,
    /// With --point: the full name the person signed the declaration under penalty of perjury with.
    #[arg(long, requires = "points", value_name = "NAME")]
    declaration_name: Option<String>,
    /// An assertion from the company's own login (docs/verification.md); needs OMBUD_ACCOUNT_KEY.
    #[arg(long, group = "how", value_name = "TOKEN")]
    assertion: Option<String>,
    /// Staff verified the person another way; the level reached: basic, reasonable, reasonably_high.
    #[arg(long, group = "how", value_name = "LEVEL")]
    attest: Option<String>,
    /// With --attest: the method used (account_login, email_code, data_points, signed_declaration).
    #[arg(long, requires = "attest", default_value = "data_points")]
    method: String,
    /// Answer a request for specific pieces that reached only the categories level as a
    /// request for categories, without waiting for the attempts to run out.
    #[arg(long, group = "how")]
    as_categories: bool,
}

#[derive(Debug, Args)]
struct AcknowledgeArgs {
    /// The request id.
    id: String,
    /// How receipt was confirmed: phone, letter, in_person, email, other.
    #[arg(long)]
    how: String,
}

#[derive(Debug, Args)]
struct ExtendArgs {
    /// The request id.
    id: String,
    /// Why more time is needed, in words the person will read.
    #[arg(long)]
    reason: String,
}

#[derive(Debug, Args)]
struct CompleteArgs {
    /// The request id.
    id: String,
    /// Part of the request was refused on this basis (repeat); see `deny --help` for codes.
    #[arg(long = "partial", value_name = "CODE")]
    partial: Vec<String>,
    /// The explanation of each --partial code, in order.
    #[arg(long = "explanation", value_name = "TEXT")]
    explanations: Vec<String>,
}

#[derive(Debug, Args)]
struct DenyArgs {
    /// The request id.
    id: String,
    /// The legal basis (repeat): a deletion exception (D1–D8 under US laws, G-a–G-e under
    /// the GDPR) or unverifiable, not_identifiable, fraud, manifestly_unfounded,
    /// request_limit, accurate_as_held, impossible, conflicts_with_law, held_as_processor.
    #[arg(long = "exception", alias = "reason", value_name = "CODE", required = true)]
    exceptions: Vec<String>,
    /// The explanation of each code, in order (required for fraud, manifestly_unfounded,
    /// impossible, conflicts_with_law).
    #[arg(long = "explanation", value_name = "TEXT")]
    explanations: Vec<String>,
}

#[derive(Debug, Args)]
struct CancelArgs {
    /// The request id.
    id: String,
    /// Why: withdrawn, duplicate or other.
    #[arg(long, default_value = "withdrawn")]
    note: String,
}

#[derive(Debug, Args)]
struct AttachArgs {
    /// The request id.
    id: String,
    /// What it is: signed_permission, power_of_attorney, declaration, correction_evidence, other.
    #[arg(long)]
    kind: String,
    /// Its media type.
    #[arg(long, default_value = "application/octet-stream")]
    content_type: String,
    /// The file.
    file: PathBuf,
}

fn parse_reference<R: Reference>(what: &str, value: &str) -> anyhow::Result<R> {
    R::from_id(value).ok_or_else(|| {
        anyhow::anyhow!("`{value}` is not a {what}; use one of: {}", R::ids().join(", "))
    })
}

pub(crate) fn parse_id(text: &str) -> anyhow::Result<Id> {
    Id::parse(text.trim()).ok_or_else(|| {
        anyhow::anyhow!(
            "`{text}` is not a request id (26 characters, as printed by `ombud request submit`)"
        )
    })
}

fn parse_received_at(app: &App, law: Law, text: &str) -> anyhow::Result<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        let zone = app.settings().calendars.for_law(law).timezone.clone();
        return Ok(date.at(12, 0, 0, 0).to_zoned(zone)?.timestamp());
    }
    bail!(
        "`{text}` is not a time; write 2026-11-25T10:30:00-08:00 (with its offset) or a date 2026-11-25"
    )
}

fn reasons(codes: &[String], explanations: &[String]) -> anyhow::Result<Vec<DenialReason>> {
    if explanations.len() > codes.len() {
        bail!("there are more --explanation texts than codes");
    }
    codes
        .iter()
        .enumerate()
        .map(|(index, code)| {
            let basis = DenialBasis::from_code(code).ok_or_else(|| {
                anyhow::anyhow!(
                    "`{code}` is not a denial code; use one of: {}",
                    DenialBasis::codes().join(", ")
                )
            })?;
            Ok(DenialReason {
                basis,
                explanation: explanations.get(index).map(|t| Sensitive::new(t.clone())),
            })
        })
        .collect()
}

pub(crate) async fn run(args: RequestArgs) -> anyhow::Result<ExitCode> {
    // Data points are matched against the company's databases: only then connect them.
    let needs_systems =
        matches!(&args.command, RequestCommand::Verify(verify) if !verify.points.is_empty());
    let app = if needs_systems {
        open_app_with_systems(&args.app).await?
    } else {
        open_app(&args.app).await?
    };
    let actor = Actor::Cli;
    let result = dispatch(&app, args.command, &actor).await;
    // Whatever the command did, deliver what it queued; a failed delivery stays queued.
    match app.deliver_pending().await {
        Ok(report) => {
            for error in report.errors {
                err_line(&format!("warning: {error} (it stays queued; `ombud mail send` retries)"));
            }
        }
        Err(error) => err_line(&format!("warning: messages not delivered: {error}")),
    }
    app.store().close().await;
    result
}

async fn dispatch(app: &App, command: RequestCommand, actor: &Actor) -> anyhow::Result<ExitCode> {
    match command {
        RequestCommand::Submit(args) => submit(app, args, actor).await,
        RequestCommand::Import(args) => import(app, args, actor).await,
        RequestCommand::List(args) => list(app, args).await,
        RequestCommand::Show(args) => show(app, args, actor).await,
        RequestCommand::Find(args) => {
            let (kind, value) = match (&args.email, &args.phone) {
                (Some(email), _) => (IdentityKind::Email, email),
                (None, Some(phone)) => (IdentityKind::Phone, phone),
                (None, None) => bail!("give --email or --phone"),
            };
            for id in app.find(kind, value, actor).await? {
                out_line(&id.to_string())?;
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        RequestCommand::Verify(args) => verify(app, args, actor).await,
        RequestCommand::Acknowledge(args) => {
            let record = app.acknowledge(parse_id(&args.id)?, &args.how, actor).await?;
            done(&record)
        }
        RequestCommand::ConfirmAgent(args) => {
            let outcome = app.confirm_agent(parse_id(&args.id)?, actor).await?;
            print_outcome(&outcome)
        }
        RequestCommand::Doubt(args) => done(&app.doubt_identity(parse_id(&args.id)?, actor).await?),
        RequestCommand::Start(args) => done(&app.start(parse_id(&args.id)?, actor).await?),
        RequestCommand::Extend(args) => {
            done(&app.extend(parse_id(&args.id)?, &args.reason, actor).await?)
        }
        RequestCommand::Complete(args) => {
            let reasons = reasons(&args.partial, &args.explanations)?;
            done(&app.complete(parse_id(&args.id)?, reasons, actor).await?)
        }
        RequestCommand::Deny(args) => {
            let reasons = reasons(&args.exceptions, &args.explanations)?;
            done(&app.deny(parse_id(&args.id)?, reasons, actor).await?)
        }
        RequestCommand::Cancel(args) => {
            done(&app.cancel(parse_id(&args.id)?, &args.note, actor).await?)
        }
        RequestCommand::Attach(args) => {
            let limit = u64::try_from(limits::DOCUMENT_BYTES_MAX).unwrap_or(u64::MAX);
            let size = std::fs::metadata(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?
                .len();
            if size > limit {
                bail!("{} is larger than {} bytes", args.file.display(), limit);
            }
            let content = std::fs::read(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            let document = app
                .add_document(parse_id(&args.id)?, &args.kind, &args.content_type, &content, actor)
                .await?;
            out_line(&document.to_string())?;
            Ok(ExitCode::from(EXIT_OK))
        }
    }
}

fn done(record: &RequestRecord) -> anyhow::Result<ExitCode> {
    let request = &record.request;
    out_line(&format!("{} is {}; respond by {}", request.id, request.status, request.due()))?;
    Ok(ExitCode::from(EXIT_OK))
}

fn print_outcome(outcome: &VerificationOutcome) -> anyhow::Result<ExitCode> {
    match outcome {
        VerificationOutcome::Verified { level } => out_line(&format!("verified ({level})"))?,
        VerificationOutcome::AnsweredAsCategories { level } => out_line(&format!(
            "verified ({level}) for categories only: the request for specific pieces will be answered as a request to know categories, and the person told (R-053)"
        ))?,
        VerificationOutcome::NotYet { reason, .. } => {
            out_line(&format!("not verified yet: {reason}"))?
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn subject_of(args: &SubmitArgs) -> Subject {
    Subject {
        name: args.name.clone(),
        email: args.email.clone(),
        phone: args.phone.clone(),
        postal_address: args.address.clone(),
        account_id: args.account_id.clone(),
        details: args.details.clone(),
        correcting: args.correcting.clone(),
        agent: (args.agent_name.is_some() || args.agent_email.is_some()).then(|| AgentContact {
            name: args.agent_name.clone(),
            email: args.agent_email.clone(),
        }),
    }
}

async fn submit(app: &App, args: SubmitArgs, actor: &Actor) -> anyhow::Result<ExitCode> {
    let law: Law = parse_reference("law", &args.law)?;
    let new = NewRequest {
        request_type: parse_reference("request type", &args.request_type)?,
        law,
        channel: parse_reference::<ChannelKind>("channel", &args.channel)?,
        received_at: args
            .received_at
            .as_deref()
            .map(|t| parse_received_at(app, law, t))
            .transpose()?,
        subject: subject_of(&args),
        agent: args
            .agent_proof
            .as_deref()
            .map(|p| parse_reference::<AgentProof>("agent proof", p))
            .transpose()?,
        appeal_of: args.appeal_of.as_deref().map(parse_id).transpose()?,
    };
    let submitted = app.submit(new, actor).await?;
    if args.send_code {
        app.send_code(submitted.id, actor).await?;
    }
    match args.format {
        Format::Text => out_line(&submitted.id.to_string())?,
        Format::Json => out_line(&serde_json::to_string_pretty(&json!({
            "id": submitted.id.to_string(),
            "status": submitted.status.id(),
            "verification_required": submitted.verification_required.id(),
            "received_on": submitted.deadlines.received_on.to_string(),
            "acknowledge_by": submitted.deadlines.acknowledge_by.map(|d| d.to_string()),
            "respond_by": submitted.deadlines.respond_by.to_string(),
            "extension_notice_by": submitted.deadlines.extension_notice_by.map(|d| d.to_string()),
            "extended_respond_by": submitted.deadlines.extended_respond_by.map(|d| d.to_string()),
        }))?)?,
    }
    Ok(ExitCode::from(EXIT_OK))
}

/// One line of an import file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportLine {
    #[serde(rename = "type")]
    request_type: String,
    law: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    received_at: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

/// Why a line is not a request, without quoting it: serde's messages can repeat the
/// value they refused (a phone number, a name).
fn import_error(error: serde_json::Error) -> anyhow::Error {
    use serde_json::error::Category;
    let message = error.to_string();
    let fields =
        "type, law, channel, received_at, email, name, phone, address, account_id, details";
    match error.classify() {
        Category::Syntax | Category::Eof => {
            anyhow::anyhow!("not a request: the line is not one JSON object")
        }
        Category::Data if message.starts_with("missing field") => {
            anyhow::anyhow!(
                "not a request: {}",
                message.split(" at line").next().unwrap_or("a field is missing")
            )
        }
        Category::Data if message.starts_with("unknown field") => {
            anyhow::anyhow!("not a request: it has a field other than {fields}")
        }
        Category::Data => {
            anyhow::anyhow!("not a request: a field has the wrong type (every field is a string)")
        }
        Category::Io => anyhow::anyhow!("not a request: the line could not be read"),
    }
}

async fn import(app: &App, args: ImportArgs, actor: &Actor) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    let mut number = 0usize;
    let (mut stored, mut refused) = (0usize, 0usize);
    loop {
        line.clear();
        let cap = u64::try_from(limits::IMPORT_LINE_BYTES_MAX).unwrap_or(u64::MAX) + 1;
        let read = std::io::Read::take(&mut reader, cap).read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.len() > limits::IMPORT_LINE_BYTES_MAX {
            // Skip the rest of the overlong line, then report it.
            if !line.ends_with(b"\n") {
                let mut rest = Vec::new();
                reader.read_until(b'\n', &mut rest)?;
            }
            err_line(&format!(
                "{}:{number}: the line is longer than {} bytes; skipped",
                args.file.display(),
                limits::IMPORT_LINE_BYTES_MAX
            ));
            refused += 1;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let result = async {
            let entry: ImportLine = serde_json::from_str(&text).map_err(import_error)?;
            let law: Law = parse_reference("law", &entry.law)?;
            let new = NewRequest {
                request_type: parse_reference("request type", &entry.request_type)?,
                law,
                channel: parse_reference::<ChannelKind>(
                    "channel",
                    entry.channel.as_deref().unwrap_or("email"),
                )?,
                received_at: entry
                    .received_at
                    .as_deref()
                    .map(|t| parse_received_at(app, law, t))
                    .transpose()?,
                subject: Subject {
                    name: entry.name,
                    email: entry.email,
                    phone: entry.phone,
                    postal_address: entry.address,
                    account_id: entry.account_id,
                    details: entry.details,
                    ..Subject::default()
                },
                agent: None,
                appeal_of: None,
            };
            Ok::<_, anyhow::Error>(app.submit(new, actor).await?)
        }
        .await;
        match result {
            // Printed only after the commit: a printed id is a stored request.
            Ok(submitted) => {
                out_line(&submitted.id.to_string())?;
                stored += 1;
            }
            Err(error) => {
                err_line(&format!("{}:{number}: {error:#}", args.file.display()));
                refused += 1;
            }
        }
    }
    err_line(&format!(
        "imported {stored} request{}, refused {refused}",
        if stored == 1 { "" } else { "s" }
    ));
    Ok(ExitCode::from(if refused > 0 { super::EXIT_ERRORS } else { EXIT_OK }))
}

async fn list(app: &App, args: ListArgs) -> anyhow::Result<ExitCode> {
    let today = |law: Law| app.settings().calendars.local_date(law, app.now());
    let us_today = today(Law::Ccpa);
    let filter = Filter {
        open: if args.all { None } else { Some(!args.closed) },
        status: args
            .status
            .as_deref()
            .map(|s| {
                Status::from_id(s).ok_or_else(|| {
                    anyhow::anyhow!(
                        "`{s}` is not a status; use one of: {}",
                        Status::ALL.map(|s| s.id()).join(", ")
                    )
                })
            })
            .transpose()?,
        law: args.law.as_deref().map(|l| parse_reference("law", l)).transpose()?,
        request_type: args
            .request_type
            .as_deref()
            .map(|t| parse_reference("request type", t))
            .transpose()?,
        // A wide first cut (up to tomorrow in the US calendar, since an EU time zone can
        // be a day ahead); each request is then judged below in its own law's calendar.
        due_on_or_before: args.overdue.then(|| us_today.tomorrow().unwrap_or(us_today)),
        limit: Some(args.limit),
        ..Filter::default()
    };
    let records = app.list(&filter).await?;
    let mut rows = Vec::new();
    for record in &records {
        let request = &record.request;
        let next = ombud_store::requests::next_due(request);
        let standing = ombud_core::clock::standing(next, today(request.law));
        if args.overdue && !matches!(standing, ombud_core::clock::Standing::Overdue(_)) {
            continue;
        }
        rows.push((record, next, standing));
    }
    match args.format {
        Format::Json => {
            let items: Vec<_> = rows
                .iter()
                .map(|(record, next, standing)| {
                    let r = &record.request;
                    json!({
                        "id": r.id.to_string(), "type": r.request_type.id(), "law": r.law.id(), "status": r.status.id(),
                        "received_on": r.deadlines.received_on.to_string(), "next_due": next.to_string(),
                        "next_due_is": if r.deadlines.acknowledge_by == Some(*next) && r.acknowledged_at.is_none() { "acknowledgement" } else { "response" },
                        "overdue": matches!(standing, ombud_core::clock::Standing::Overdue(_)),
                    })
                })
                .collect();
            out_line(&serde_json::to_string_pretty(&items)?)?;
        }
        Format::Text => {
            out_line(&format!(
                "{:<26}  {:<18}  {:<11}  {:<19}  {:<10}  {}",
                "id", "type", "law", "status", "due", "standing"
            ))?;
            for (record, next, standing) in &rows {
                let r = &record.request;
                let what =
                    if r.deadlines.acknowledge_by == Some(*next) && r.acknowledged_at.is_none() {
                        " (acknowledge)"
                    } else {
                        ""
                    };
                let standing = match standing {
                    ombud_core::clock::Standing::Overdue(days) => {
                        format!("OVERDUE by {days} day{}{what}", if *days == 1 { "" } else { "s" })
                    }
                    ombud_core::clock::Standing::DueSoon(0) => format!("due today{what}"),
                    ombud_core::clock::Standing::DueSoon(days) => {
                        format!("due soon: {days} day{}{what}", if *days == 1 { "" } else { "s" })
                    }
                    ombud_core::clock::Standing::OnTime(days) => format!("{days} days{what}"),
                };
                out_line(&format!(
                    "{:<26}  {:<18}  {:<11}  {:<19}  {:<10}  {standing}",
                    r.id.to_string(),
                    r.request_type.id(),
                    r.law.id(),
                    r.status.id(),
                    next.to_string()
                ))?;
            }
            err_line(&format!("{} request{}", rows.len(), if rows.len() == 1 { "" } else { "s" }));
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn details_json(details: &RequestDetails) -> serde_json::Value {
    let r = &details.record.request;
    // Staff-written text may name the person: it is shown with the person's details,
    // only with --reveal, whose read is audited.
    let revealed = details.subject.is_some();
    let d = &r.deadlines;
    json!({
        "id": r.id.to_string(),
        "type": r.request_type.id(),
        "answered_as": r.effective_type.id(),
        "law": r.law.id(),
        "channel": r.channel.id(),
        "designated_channel": r.designated_channel,
        "status": r.status.id(),
        "received_at": r.received_at.to_string(),
        "due": {
            "received_on": d.received_on.to_string(),
            "acknowledge_by": d.acknowledge_by.map(|x| x.to_string()),
            "respond_by": d.respond_by.to_string(),
            "extension_notice_by": d.extension_notice_by.map(|x| x.to_string()),
            "extended_respond_by": d.extended_respond_by.map(|x| x.to_string()),
            "current": r.due().to_string(),
        },
        "acknowledged_at": r.acknowledged_at.map(|t| t.to_string()),
        "extended": r.extended,
        "extension_reason": r.extension_reason.as_ref().map(|t| if revealed { json!(t.expose()) } else { json!("[shown with --reveal]") }),
        "verification": {
            "required": r.verification.required.id(),
            "achieved": r.verification.achieved.map(Level::id),
            "method": details.record.verification_method.map(|m| m.id()),
            "doubts": r.verification.doubts,
            "evidence": {
                "email_confirmed": details.record.evidence.email_confirmed,
                "data_points_matched": details.record.evidence.data_points_matched,
                "declaration_signed": details.record.evidence.declaration_signed,
                "account_reauthenticated": details.record.evidence.account_reauthenticated,
            },
        },
        "agent": r.agent.map(|a| json!({ "proof": a.proof.id(), "consumer_confirmed": a.consumer_confirmed })),
        "appeal_of": r.appeal_of.map(|x| x.to_string()),
        "closed_at": r.closed_at.map(|t| t.to_string()),
        "reasons": r.reasons.iter().map(|reason| json!({
            "code": reason.basis.code(), "label": reason.basis.label(), "citation": reason.basis.citation(),
            "explanation": reason.explanation.as_ref().map(|e| if revealed { json!(e.expose()) } else { json!("[shown with --reveal]") }),
        })).collect::<Vec<_>>(),
        "subject": details.subject.as_ref().map(|s| json!({
            "name": s.name, "email": s.email, "phone": s.phone, "postal_address": s.postal_address,
            "account_id": s.account_id, "details": s.details, "correcting": s.correcting,
            "agent": s.agent.as_ref().map(|a| json!({ "name": a.name, "email": a.email })),
        })),
        "emails": details.emails.iter().map(|e| json!({
            "id": e.id.to_string(), "kind": e.kind, "status": e.status, "attempts": e.attempts, "last_error": e.last_error,
            "queued_at": Timestamp::from_millisecond(e.created_at_ms).map(|t| t.to_string()).ok(),
            "sent_at": e.sent_at_ms.and_then(|ms| Timestamp::from_millisecond(ms).ok()).map(|t| t.to_string()),
        })).collect::<Vec<_>>(),
        "documents": details.documents.iter().map(|d| json!({ "id": d.id.to_string(), "kind": d.kind, "content_type": d.content_type, "bytes": d.size_bytes })).collect::<Vec<_>>(),
        "timeline": details.timeline.iter().map(|e| json!({
            "seq": e.seq,
            "at": Timestamp::from_millisecond(e.at_ms).map(|t| t.to_string()).ok(),
            "actor": e.actor, "action": e.action,
            "details": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or(serde_json::Value::Null),
        })).collect::<Vec<_>>(),
    })
}

async fn show(app: &App, args: ShowArgs, actor: &Actor) -> anyhow::Result<ExitCode> {
    let details = app.show(parse_id(&args.id)?, args.reveal, actor).await?;
    let value = details_json(&details);
    match args.format {
        Format::Json => out_line(&serde_json::to_string_pretty(&value)?)?,
        Format::Text => {
            let r = &details.record.request;
            let d = &r.deadlines;
            let today = app.settings().calendars.local_date(r.law, app.now());
            out_line(&format!("request {}", r.id))?;
            out_line(&format!(
                "  {} under the {} ({}), via {}",
                r.request_type.label(),
                r.law.label(),
                r.request_type.id(),
                r.channel.label()
            ))?;
            if r.effective_type != r.request_type {
                out_line(&format!("  answered as: {} (R-053)", r.effective_type.id()))?;
            }
            out_line(&format!("  status: {}", r.status))?;
            out_line(&format!("  received: {} (day of receipt {})", r.received_at, d.received_on))?;
            if let Some(ack) = d.acknowledge_by {
                let done = r
                    .acknowledged_at
                    .map(|t| format!("done {t}"))
                    .unwrap_or_else(|| format!("{:?}", ombud_core::clock::standing(ack, today)));
                out_line(&format!("  acknowledge by: {ack} ({done})"))?;
            }
            out_line(&format!(
                "  respond by: {}{}",
                d.respond_by,
                if r.extended { " (extended)" } else { "" }
            ))?;
            if let (Some(notice), Some(extended)) = (d.extension_notice_by, d.extended_respond_by) {
                if r.extended {
                    out_line(&format!("  extended to: {extended}"))?;
                } else {
                    out_line(&format!(
                        "  extension: notice by {notice}, then respond by {extended}"
                    ))?;
                }
            }
            out_line(&format!(
                "  verification: needs {}, reached {}",
                r.verification.required,
                r.verification.achieved.map(|l| l.id()).unwrap_or("nothing yet")
            ))?;
            for reason in &r.reasons {
                out_line(&format!(
                    "  reason: {} — {} ({})",
                    reason.basis.code(),
                    reason.basis.label(),
                    reason.basis.citation()
                ))?;
            }
            if let Some(subject) = &details.subject {
                out_line(&format!("  person: {}", serde_json::to_string(&value["subject"])?))?;
                let _ = subject;
            }
            for email in &details.emails {
                out_line(&format!("  message {}: {} ({})", email.kind, email.status, email.id))?;
            }
            out_line("  timeline:")?;
            for event in &details.timeline {
                let at = Timestamp::from_millisecond(event.at_ms)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                out_line(&format!(
                    "    {at}  {:<32} {}  {}",
                    event.action, event.actor, event.payload
                ))?;
            }
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

async fn verify(app: &App, args: VerifyArgs, actor: &Actor) -> anyhow::Result<ExitCode> {
    let id = parse_id(&args.id)?;
    if args.send_code {
        let expires = app.send_code(id, actor).await?;
        out_line(&format!("code sent; it expires at {expires}"))?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    let outcome = if let Some(code) = &args.code {
        app.check_code(id, code, actor).await?
    } else if !args.points.is_empty() {
        let claims = args
            .points
            .iter()
            .map(|point| {
                let (kind, value) = point
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("write each --point as KIND=VALUE"))?;
                Ok(Claim { kind: kind.trim().to_owned(), value: Sensitive::new(value.to_owned()) })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        app.verify_data_points(id, claims, args.declaration_name.as_deref(), actor).await?
    } else if let Some(token) = &args.assertion {
        app.verify_account(id, token, actor).await?
    } else if args.as_categories {
        app.answer_as_categories(id, actor).await?
    } else if let Some(level) = &args.attest {
        let level = Level::from_id(level).ok_or_else(|| {
            anyhow::anyhow!("`{level}` is not a level; use basic, reasonable or reasonably_high")
        })?;
        let method: VerificationMethod = parse_reference("verification method", &args.method)?;
        app.attest_verification(id, level, method, actor).await?
    } else {
        bail!(
            "say how: --send-code, --code CODE, --point KIND=VALUE, --assertion TOKEN or --attest LEVEL"
        );
    };
    print_outcome(&outcome)
}

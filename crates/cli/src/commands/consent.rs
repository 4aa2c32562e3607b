//! `ombud consent …` (the consent ledger: record a choice, show a subject's state and
//! history, export a recipient's suppression list, link a device, act on privacy
//! signals, one-click unsubscribe, send to a list) and `ombud decide` (one question to
//! the decision engine, with the rule that decided and why).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand, ValueEnum};
use ombud_app::Actor;
use ombud_app::choices::{ChoiceSubject, LedgerChoice, ListMessage, NewChoice, parse_source};
use ombud_core::Reference as _;
use ombud_core::{Law, limits};
use ombud_policy::decide::{Query, date};
use ombud_policy::gpc::{do_not_track, gpc_signal};
use ombud_program::manifest::SuppressionIdentifiers;
use serde_json::json;

use super::{EXIT_ERRORS, EXIT_OK};
use crate::config::{AppArgs, open_app_with_choices};
use crate::output::{out, out_line};

#[derive(Debug, Args)]
pub(crate) struct ConsentArgs {
    #[command(flatten)]
    app: AppArgs,
    #[command(subcommand)]
    command: ConsentCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Lines for people.
    Text,
    /// JSON.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// CSV with a header row.
    Csv,
    /// A JSON document.
    Json,
}

#[derive(Debug, Subcommand)]
enum ConsentCommand {
    /// Record one choice (appended to the ledger; obeyed by decisions at once).
    Record {
        /// Whose: email:ADDRESS, phone:NUMBER, account:ID or device:ID.
        #[arg(long)]
        subject: String,
        /// opt_out_sale, opt_out_sharing, opt_out_targeted_ads, limit_sensitive, consent,
        /// parent_consent, withdraw, opt_in_request, opt_in_request_prompted,
        /// opt_in_confirm, parent_opt_in, decline_opt_in, subscribe, unsubscribe, age.
        #[arg(long)]
        choice: String,
        /// The purpose (consent, withdraw), the list (subscribe, unsubscribe), or the age
        /// band (under_13, 13_15, adult).
        #[arg(long)]
        target: Option<String>,
        /// Where it came from: form, gpc, email_link, staff, api.
        #[arg(long, default_value = "staff")]
        source: String,
        /// The notice version the person was shown (default: the program's).
        #[arg(long)]
        notice_version: Option<String>,
    },
    /// A subject's current state: opt-outs, consents, lists, when they may be asked again.
    Show {
        /// Whose.
        #[arg(long)]
        subject: String,
        /// The person's US state (two letters), for the GPP section and the US Privacy
        /// string: `CA` gives the California section.
        #[arg(long, default_value = "CA")]
        us_state: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Every record of a subject and of the devices or people linked to it, oldest first.
    History {
        /// Whose.
        #[arg(long)]
        subject: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The suppression list of one recipient: everyone whose choices stop a disclosure
    /// to it, with identifiers hashed or plain as the manifest configures the recipient.
    Export {
        /// The recipient's id in the program.
        #[arg(long)]
        recipient: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Link a browser or device to a person: each then carries the other's choices.
    Link {
        /// device:ID.
        #[arg(long)]
        device: String,
        /// email:, phone: or account:.
        #[arg(long)]
        person: String,
    },
    /// Act on a request's privacy signals as the privacy center does (`Sec-GPC`, `DNT`).
    Signal {
        /// The browser: device:ID.
        #[arg(long)]
        device: String,
        /// The person, when known.
        #[arg(long)]
        person: Option<String>,
        /// The `Sec-GPC` header's value as received (only `1` is the signal).
        #[arg(long)]
        gpc: Option<String>,
        /// The `DNT` header's value as received.
        #[arg(long)]
        dnt: Option<String>,
    },
    /// Perform a one-click unsubscribe from its token (what the link's POST does).
    Unsubscribe {
        /// The token (the last part of the link).
        #[arg(long)]
        token: String,
        /// The list the link should be for.
        #[arg(long)]
        list: Option<String>,
    },
    /// Queue a message to a list's subscribers, each with its one-click unsubscribe.
    Send {
        /// The list's id.
        #[arg(long)]
        list: String,
        /// The subject line.
        #[arg(long)]
        title: String,
        /// A file with the plain-text body.
        #[arg(long, value_name = "FILE")]
        text_file: PathBuf,
    },
}

fn subject(text: &str) -> anyhow::Result<ChoiceSubject> {
    Ok(ChoiceSubject::parse(text)?)
}

fn when(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(|_| at_ms.to_string(), |t| t.to_string())
}

pub(crate) async fn consent(args: ConsentArgs) -> anyhow::Result<ExitCode> {
    let app = open_app_with_choices(&args.app).await?;
    match args.command {
        ConsentCommand::Record { subject: who, choice, target, source, notice_version } => {
            let Some(source) = parse_source(&source) else {
                bail!("--source is one of form, gpc, email_link, staff, api");
            };
            let new = NewChoice {
                subject: subject(&who)?,
                choice: LedgerChoice::parse(&choice, target.as_deref())?,
                source,
                notice_version,
            };
            let recorded = app.record_choice(new, &Actor::Cli).await?;
            out_line(&format!("recorded {} at {}", recorded.id, when(recorded.at_ms)))?;
        }
        ConsentCommand::Show { subject: who, us_state, format } => {
            let who = subject(&who)?;
            let view = app.consent_view(&who, &Actor::Cli).await?;
            let strings = app.ad_strings(&who, us_state.eq_ignore_ascii_case("CA"), false).await?;
            let engine = app.choices()?;
            let mark = |m: Option<ombud_policy::decide::Mark>| m.map(|m| m.to_string());
            let consents: Vec<(String, String)> = engine
                .program()
                .purposes
                .iter()
                .filter_map(|p| {
                    view.state.consent(&p.id).map(|c| {
                        let text = match c {
                            ombud_policy::decide::PurposeConsent::Given { mark, by_parent } => {
                                format!(
                                    "given {mark}{}",
                                    if by_parent { " (by a parent)" } else { "" }
                                )
                            }
                            ombud_policy::decide::PurposeConsent::Withdrawn(mark) => {
                                format!("withdrawn {mark}")
                            }
                        };
                        (p.id.clone(), text)
                    })
                })
                .collect();
            let ask_again = view.state.ask_again_from_ms().map(date);
            match format {
                Format::Json => out_line(&serde_json::to_string_pretty(&json!({
                    "subject_kind": who.kind_name(),
                    "records": view.records,
                    "opted_out_of_sale": mark(view.state.opted_out_of_sale()),
                    "opted_out_of_sharing": mark(view.state.opted_out_of_sharing()),
                    "opted_out_of_targeted_ads": mark(view.state.opted_out_of_targeted_ads()),
                    "limited_sensitive": mark(view.state.limited_sensitive()),
                    "opted_in": mark(view.state.opted_in()),
                    "consents": consents.iter().map(|(p, t)| json!({"purpose": p, "state": t})).collect::<Vec<_>>(),
                    "lists": view.lists.iter().map(|(l, on)| json!({"list": l, "subscribed": on})).collect::<Vec<_>>(),
                    "may_ask_again_from": ask_again,
                    "gpp": strings.gpp,
                    "usp": strings.usp,
                }))?)?,
                Format::Text => {
                    let line = |label: &str, m: Option<ombud_policy::decide::Mark>| {
                        format!(
                            "{label:<28}{}\n",
                            m.map_or("no".to_owned(), |m| format!("yes, {m}"))
                        )
                    };
                    let mut text = format!("{} records\n", view.records);
                    text.push_str(&line("opted out of sale", view.state.opted_out_of_sale()));
                    text.push_str(&line("opted out of sharing", view.state.opted_out_of_sharing()));
                    text.push_str(&line(
                        "opted out of targeted ads",
                        view.state.opted_out_of_targeted_ads(),
                    ));
                    text.push_str(&line("limited sensitive PI", view.state.limited_sensitive()));
                    text.push_str(&line("opted in (two steps)", view.state.opted_in()));
                    for (purpose, state) in &consents {
                        text.push_str(&format!("consent to {purpose:<17}{state}\n"));
                    }
                    for (list, on) in &view.lists {
                        text.push_str(&format!(
                            "list {list:<23}{}\n",
                            if *on { "subscribed" } else { "not subscribed" }
                        ));
                    }
                    text.push_str(&format!(
                        "GPP string                  {}\nUS Privacy string           {}\n",
                        strings.gpp, strings.usp
                    ));
                    if let Some(from) = ask_again {
                        text.push_str(&format!(
                            "may be asked to opt in again from {from} (R-118, R-173)\n"
                        ));
                    }
                    out(&text)?;
                }
            }
        }
        ConsentCommand::History { subject: who, format } => {
            let history = app.consent_history(&subject(&who)?, &Actor::Cli).await?;
            match format {
                Format::Json => {
                    let rows: Vec<_> = history
                        .iter()
                        .map(|e| json!({
                            "id": e.id.to_string(), "at": when(e.at_ms), "subject_kind": e.subject_kind,
                            "choice": e.choice, "target": e.target, "source": e.source,
                            "notice_version": e.notice_version,
                        }))
                        .collect();
                    out_line(&serde_json::to_string_pretty(&rows)?)?;
                }
                Format::Text => {
                    let mut text = String::new();
                    for e in &history {
                        text.push_str(&format!(
                            "{}  {:<6} {:<24} {:<14} {:<10} notice {}\n",
                            when(e.at_ms),
                            e.subject_kind,
                            e.choice,
                            e.target.as_deref().unwrap_or("-"),
                            e.source,
                            e.notice_version.as_deref().unwrap_or("-")
                        ));
                    }
                    if history.is_empty() {
                        text.push_str("no records\n");
                    }
                    out(&text)?;
                }
            }
        }
        ConsentCommand::Export { recipient, format, out: path } => {
            let list = app.suppression_list(&recipient, &Actor::Cli).await?;
            let form = match list.form {
                SuppressionIdentifiers::Sha256 => "sha256",
                SuppressionIdentifiers::Plain => "plain",
            };
            let body = match format {
                ExportFormat::Json => {
                    let rows: Vec<_> = list
                        .entries
                        .iter()
                        .map(|e| json!({"kind": e.kind, "identifier": e.identifier, "since": u64_date(e.since_ms), "rules": e.rules}))
                        .collect();
                    let doc =
                        json!({"recipient": list.recipient, "identifiers": form, "entries": rows});
                    format!("{}\n", serde_json::to_string_pretty(&doc)?)
                }
                ExportFormat::Csv => {
                    let mut writer = csv::Writer::from_writer(Vec::new());
                    writer.write_record(["kind", "identifier", "form", "since", "rules"])?;
                    for e in &list.entries {
                        writer.write_record([
                            e.kind,
                            &e.identifier,
                            form,
                            &u64_date(e.since_ms),
                            &e.rules.join(" "),
                        ])?;
                    }
                    String::from_utf8(writer.into_inner().context("write the CSV")?)?
                }
            };
            match path {
                Some(path) => {
                    // A new file readable by its owner only: it may hold identifiers in
                    // plain, and an existing file (or a link planted there) is refused.
                    use std::io::Write as _;
                    use std::os::unix::fs::OpenOptionsExt as _;
                    let mut file = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .open(&path)
                        .with_context(|| {
                            format!("cannot create {} (it must not exist yet)", path.display())
                        })?;
                    file.write_all(body.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    out_line(&format!(
                        "{} entries written to {}",
                        list.entries.len(),
                        path.display()
                    ))?;
                }
                None => out(&body)?,
            }
        }
        ConsentCommand::Link { device, person } => {
            let linked = app
                .link_device(
                    &subject(&device)?,
                    &subject(&person)?,
                    ombud_policy::decide::Source::Staff,
                )
                .await?;
            out_line(if linked { "linked" } else { "already linked" })?;
        }
        ConsentCommand::Signal { device, person, gpc, dnt } => {
            let person = person.as_deref().map(subject).transpose()?;
            let gpc_on = gpc.as_deref().is_some_and(|v| gpc_signal([("Sec-GPC", v)]).is_opt_out());
            let dnt_on = dnt.as_deref().is_some_and(|v| do_not_track([("DNT", v)]));
            let outcome =
                app.honor_signals(&subject(&device)?, person.as_ref(), gpc_on, dnt_on).await?;
            out_line(&format!("gpc: {:?}; dnt: {:?}", outcome.effect.gpc, outcome.effect.dnt))?;
            out_line(&format!("records written: {}", outcome.recorded))?;
            out_line(&format!("page says: {}", outcome.status.unwrap_or("(nothing)")))?;
        }
        ConsentCommand::Unsubscribe { token, list } => {
            let done = app.unsubscribe_one_click(&token, list.as_deref()).await?;
            out_line(&if done.already {
                format!("already unsubscribed from {}", done.list)
            } else {
                format!("unsubscribed from {}", done.list)
            })?;
        }
        ConsentCommand::Send { list, title, text_file } => {
            let text = crate::input::read_limited(&text_file, limits_body())?;
            let sent =
                app.send_to_list(ListMessage { list, subject: title, text, html: None }).await?;
            out_line(&format!(
                "queued {} messages ({} subscribers without an email skipped); deliver with `ombud mail send`",
                sent.queued, sent.skipped
            ))?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn limits_body() -> usize {
    ombud_app::choices::LIST_BODY_BYTES_MAX
}

fn u64_date(at_ms: u64) -> String {
    if at_ms == 0 { String::new() } else { date(at_ms) }
}

#[derive(Debug, Args)]
pub(crate) struct DecideArgs {
    #[command(flatten)]
    app: AppArgs,
    /// Whose data: email:ADDRESS, phone:NUMBER, account:ID or device:ID (none: a person
    /// who has chosen nothing).
    #[arg(long)]
    subject: Option<String>,
    /// The purpose's id in the program.
    #[arg(long)]
    purpose: Option<String>,
    /// The recipient's id, when the data leaves the business.
    #[arg(long)]
    recipient: Option<String>,
    /// The category's id.
    #[arg(long)]
    category: String,
    /// The law that protects the person (default: the program's first).
    #[arg(long)]
    law: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// `ombud decide`: exit 0 when allowed, 1 when denied (so a script can branch on it).
pub(crate) async fn decide(args: DecideArgs) -> anyhow::Result<ExitCode> {
    for (what, value) in [("--purpose", &args.purpose), ("--recipient", &args.recipient)] {
        if value.as_ref().is_some_and(|v| v.len() > limits::ID_BYTES_MAX) {
            bail!("{what} is an id of at most {} bytes", limits::ID_BYTES_MAX);
        }
    }
    let app = open_app_with_choices(&args.app).await?;
    let program = app.choices()?.program().clone();
    let law = match &args.law {
        Some(id) => Law::from_id(id).with_context(|| {
            format!(
                "unknown law {id:?}; the program's laws are {}",
                program.jurisdictions.iter().map(|l| l.id()).collect::<Vec<_>>().join(", ")
            )
        })?,
        None => ombud_app::choices::default_law(&program).context("the program declares no law")?,
    };
    let who = args.subject.as_deref().map(subject).transpose()?;
    let query = Query {
        purpose: args.purpose.as_deref(),
        recipient: args.recipient.as_deref(),
        category: &args.category,
        law,
    };
    let decision = app.decide(who.as_ref(), &query)?;
    match args.format {
        Format::Json => out_line(&serde_json::to_string_pretty(&json!({
            "allowed": decision.allowed,
            "rule": decision.rule.id(),
            "citation": decision.rule.citation(),
            "explanation": decision.explanation,
        }))?)?,
        Format::Text => {
            out_line(&format!(
                "{} ({})",
                if decision.allowed { "ALLOW" } else { "DENY" },
                decision.rule.id()
            ))?;
            out_line(&decision.explanation)?;
        }
    }
    Ok(ExitCode::from(if decision.allowed { EXIT_OK } else { EXIT_ERRORS }))
}

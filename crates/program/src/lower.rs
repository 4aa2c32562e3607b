//! Lowering: from the manifest as written to the typed [`Program`], checking meaning.
//!
//! Parsing already guaranteed the shape (fields, types). Lowering resolves every id and
//! reference-data value, and reports — all of them, not only the first — unknown ids
//! with a "did you mean", duplicates, malformed values, inline secrets and limits.
//! Codes: `V001` unknown id, `V002` duplicate id, `V003` unknown reference value,
//! `V004` malformed value, `V005` secret written inline, `V006` over a limit,
//! `V007` inconsistent system, `V008` right declared twice. Two lints are found here
//! because they are failed references: `L010` and `L014` (see [`crate::lint`]).
//!
//! Time-zone names are resolved in the IANA database bundled into the binary, never the
//! host's, so a manifest means the same on every machine.

use std::collections::{BTreeMap, HashMap};

use ombud_core::{
    AgentProof, BusinessPurpose, CcpaCategory, ChannelKind, Engine, ErasureStrategy,
    GdprLawfulBasis, GdprSpecialCategory, IdentityKind, Law, RecipientRole, Reference, RequestType,
    RetentionReason, SensitiveKind, SignalStance, SystemRole, VerificationMethod, limits,
};

use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::lint;
use crate::manifest as raw;
use crate::model::*;
use crate::span::{Sp, Span};
use crate::suggest;

/// Resolves a parsed manifest. The program is returned even when there are errors, with
/// the unresolvable parts left out, so callers can still show partial results.
pub fn lower(manifest: &raw::Manifest) -> (Program, Vec<Diagnostic>) {
    let mut lowerer = Lowerer::default();
    let program = lowerer.program(manifest);
    lowerer.finish();
    (program, lowerer.diagnostics)
}

/// Ids declared in one namespace, with where each was declared.
#[derive(Default)]
struct Namespace {
    /// What one id names ("category"), for messages.
    what: &'static str,
    /// The manifest key that declares them ("categories"), for help.
    key: &'static str,
    index_by_id: HashMap<String, usize>,
    ids: Vec<String>,
}

impl Namespace {
    fn new(what: &'static str, key: &'static str) -> Self {
        Namespace { what, key, ..Namespace::default() }
    }
}

struct Lowerer {
    diagnostics: Vec<Diagnostic>,
    /// Diagnostics past `DIAGNOSTICS_PER_FILE_MAX`, counted and summarized at the end.
    diagnostics_dropped: usize,
    /// Shared bound on "did you mean" work for the whole file.
    suggestions: suggest::Budget,
}

impl Default for Lowerer {
    fn default() -> Self {
        Lowerer {
            diagnostics: Vec::new(),
            diagnostics_dropped: 0,
            suggestions: suggest::Budget::new(limits::SUGGESTION_CELLS_PER_FILE_MAX),
        }
    }
}

impl Lowerer {
    fn push(&mut self, diagnostic: Diagnostic) {
        if self.diagnostics.len() < limits::DIAGNOSTICS_PER_FILE_MAX {
            self.diagnostics.push(diagnostic);
        } else {
            self.diagnostics_dropped += 1;
        }
    }

    /// One closing diagnostic for what the cap left out.
    fn finish(&mut self) {
        if self.diagnostics_dropped > 0 {
            let last = self.diagnostics.last().map(|d| d.span).unwrap_or_default();
            self.diagnostics.push(
                Diagnostic::error(
                    "V006",
                    last,
                    format!("{} more problems are not shown", self.diagnostics_dropped),
                )
                .with_help(format!(
                    "fix the first {} and check again",
                    limits::DIAGNOSTICS_PER_FILE_MAX
                )),
            );
        }
    }

    fn program(&mut self, m: &raw::Manifest) -> Program {
        if m.ombud.value != 1 {
            self.push(
                Diagnostic::error(
                    "V004",
                    m.ombud.span,
                    format!("unsupported format version {}", m.ombud.value),
                )
                .with_help("this ombud reads format version 1: write `ombud: 1`"),
            );
        }

        let categories_ns =
            self.declare(("category", "categories"), m.categories.iter().map(|c| &c.value.id));
        let sources_ns = self.declare(("source", "sources"), m.sources.iter().map(|s| &s.value.id));
        let purposes_ns =
            self.declare(("purpose", "purposes"), m.purposes.iter().map(|p| &p.value.id));
        let recipients_ns =
            self.declare(("recipient", "recipients"), m.recipients.iter().map(|r| &r.value.id));
        let channels_ns =
            self.declare(("channel", "channels"), m.channels.iter().map(|c| &c.value.id));
        self.declare(
            ("subscription", "subscriptions"),
            m.subscriptions.iter().map(|s| &s.value.id),
        );
        self.declare(("system", "systems"), m.systems.iter().map(|s| &s.value.id));
        for (what, count, span) in [
            ("disclosures", m.disclosures.len(), m.disclosures.first().map(|d| d.span)),
            ("retention rules", m.retention.len(), m.retention.first().map(|r| r.span)),
            ("rights", m.rights.len(), m.rights.first().map(|r| r.span)),
        ] {
            self.limit_count(what, count, span.unwrap_or_default());
        }

        let jurisdictions = self.jurisdictions(&m.jurisdictions);
        let jurisdictions_span = m.jurisdictions.first().map(|j| j.span).unwrap_or(m.ombud.span);

        let organization = self.organization(&m.organization);
        let notice = self.notice(&m.notice);

        let categories =
            m.categories.iter().map(|c| self.category(c, &sources_ns, &purposes_ns)).collect();
        let sources = m
            .sources
            .iter()
            .map(|s| {
                self.text(&s.value.name, s.span);
                self.optional_texts(s.span, [s.value.description.as_deref()]);
                Source {
                    id: s.value.id.value.clone(),
                    name: s.value.name.clone(),
                    description: s.value.description.clone(),
                    span: s.span,
                }
            })
            .collect();
        let purposes = m.purposes.iter().map(|p| self.purpose(p)).collect();
        let recipients = m.recipients.iter().map(|r| self.recipient(r)).collect();
        let disclosures = m
            .disclosures
            .iter()
            .map(|d| self.disclosure(d, &categories_ns, &recipients_ns, &purposes_ns))
            .collect();
        let retention = m
            .retention
            .iter()
            .map(|r| {
                let categories = self.resolve_all(&r.value.categories, &categories_ns);
                self.text(&r.value.period.value, r.value.period.span);
                if r.value.categories.is_empty() {
                    self.push(
                        Diagnostic::error("V004", r.span, "a retention rule names no category")
                            .with_help("list the category ids it applies to under `categories:`"),
                    );
                }
                Retention { categories, period: r.value.period.value.clone(), span: r.span }
            })
            .collect();
        let channels = m.channels.iter().map(|c| self.channel(c)).collect();
        let rights = self.rights(&m.rights, &jurisdictions, &channels_ns);
        let requests = self.requests(m.requests.as_ref(), &organization);
        let authorized_agents = m.authorized_agents.as_ref().map(|a| AuthorizedAgents {
            accepted: a.value.accepted,
            proof: a.value.proof.iter().filter_map(|p| self.reference::<AgentProof>(p)).collect(),
            consumer_confirms: a.value.consumer_confirms,
            span: a.span,
        });
        let minors = self.minors(&m.minors);
        let signals = Signals {
            gpc: self
                .reference::<SignalStance>(&m.signals.value.gpc)
                .unwrap_or(SignalStance::Honor),
            do_not_track: self
                .reference::<SignalStance>(&m.signals.value.do_not_track)
                .unwrap_or(SignalStance::Ignore),
            third_party_tracking: m.signals.value.third_party_tracking,
            span: m.signals.span,
        };
        let gdpr = m.gdpr.as_ref().map(|g| self.gdpr(g));
        for subscription in &m.subscriptions {
            self.text(&subscription.value.name, subscription.span);
        }
        let subscriptions = m
            .subscriptions
            .iter()
            .map(|s| Subscription {
                id: s.value.id.value.clone(),
                name: s.value.name.clone(),
                purpose: self.resolve(&s.value.purpose, &purposes_ns),
                unsubscribe: self.resolve_all(&s.value.unsubscribe, &channels_ns),
                span: s.span,
            })
            .collect();
        let systems =
            m.systems.iter().map(|s| self.system(s, &categories_ns, &recipients_ns)).collect();

        Program {
            organization,
            jurisdictions,
            jurisdictions_span,
            exclusively_online: m.exclusively_online,
            notice,
            categories,
            sources,
            purposes,
            recipients,
            disclosures,
            retention,
            channels,
            rights,
            authorized_agents,
            requests,
            minors,
            signals,
            gdpr,
            subscriptions,
            systems,
        }
    }

    /// The GDPR statements (Art 13(2)(e)-(f)). Automated decisions declared without the
    /// information Art 13(2)(f) requires about them is malformed (`V004`), like a channel
    /// without its address: the notice cannot state a fact it has not been told. Logic
    /// text without `automated_decisions: true` is too, since it would be dropped silently.
    fn gdpr(&mut self, g: &Sp<raw::GdprInfo>) -> GdprInfo {
        let v = &g.value;
        for text in [&v.automated_decisions_logic, &v.provision].into_iter().flatten() {
            self.text(&text.value, text.span);
        }
        let automated = v.automated_decisions.as_ref().map(|a| a.value);
        let logic = v.automated_decisions_logic.as_ref().filter(|l| !l.value.trim().is_empty());
        match (&v.automated_decisions, logic) {
            (Some(declared), None) if declared.value => self.push(
                Diagnostic::error(
                    "V004",
                    declared.span,
                    "automated decisions are declared without the information the notice must give about them",
                )
                .with_help("add `automated_decisions_logic:` with meaningful information about the logic involved and the significance and consequences for people (GDPR Art 13(2)(f))")
                .with_citation(lint::citation("L033")),
            ),
            (_, Some(logic)) if automated != Some(true) => self.push(
                Diagnostic::error(
                    "V004",
                    logic.span,
                    "`automated_decisions_logic` is given, but `automated_decisions` is not `true`",
                )
                .with_help("set `automated_decisions: true` if such decisions are made, or remove `automated_decisions_logic`"),
            ),
            _ => {}
        }
        GdprInfo {
            automated_decisions: automated,
            automated_decisions_logic: v
                .automated_decisions_logic
                .as_ref()
                .map(|l| l.value.clone()),
            provision: v.provision.as_ref().map(|p| p.value.clone()),
            span: g.span,
        }
    }

    /// The `requests:` block. Every field has a default, so a program without the block
    /// runs its requests as a business in California would (REGULATIONS.md §0.3).
    fn requests(
        &mut self,
        block: Option<&Sp<raw::Requests>>,
        organization: &Organization,
    ) -> RequestSettings {
        let mut settings = RequestSettings {
            email_from: organization.contact.email.clone(),
            ..RequestSettings::default()
        };
        let Some(block) = block else { return settings };
        let v = &block.value;
        settings.span = block.span;
        settings.timezone_span = v.timezone.as_ref().map_or(block.span, |zone| zone.span);
        if let Some(zone) = v.timezone.as_ref().and_then(|zone| self.time_zone(zone)) {
            settings.timezone = zone;
        }
        if let Some(zone) = v.gdpr_timezone.as_ref().and_then(|zone| self.time_zone(zone)) {
            settings.gdpr_timezone = zone;
        }
        if let Some(ids) = &v.holidays {
            settings.holidays = self.calendars(ids, block.span);
        }
        if let Some(ids) = &v.gdpr_holidays {
            settings.gdpr_holidays = self.calendars(ids, block.span);
        }
        let declared = self.declare(
            ("data point", "requests.data_points"),
            v.data_points.iter().map(|point| &point.value.id),
        );
        for (index, point) in v.data_points.iter().enumerate() {
            self.text(&point.value.name, point.span);
            if point.value.name.trim().is_empty() {
                self.push(
                    Diagnostic::error(
                        "V004",
                        point.value.id.span,
                        format!("data point `{}` has no name", short(&point.value.id.value)),
                    )
                    .with_help("write what people read on the request form, such as `The postal code on your account`"),
                );
            }
            // A duplicate was reported by `declare`; the first declaration is the one kept.
            if declared.index_by_id.get(&point.value.id.value) == Some(&index) {
                settings.data_points.push(DataPoint {
                    id: point.value.id.value.clone(),
                    name: point.value.name.clone(),
                    span: point.value.id.span,
                });
            }
        }
        for value in &v.high_risk {
            self.high_risk(value, &mut settings.high_risk);
        }
        if let Some(url) = &v.privacy_center {
            // People sign in there and read about their requests: plain http would
            // expose both.
            if self.url(url) && !url.value.starts_with("https://") {
                self.push(
                    Diagnostic::error("V004", url.span, "the privacy center must use https")
                        .with_help("people sign in and read about their requests there; write an `https://` address"),
                );
            }
            settings.privacy_center = Some(url.value.clone());
        }
        if let Some(from) = &v.email_from {
            self.email(from);
            settings.email_from = Some(from.value.clone());
        }
        settings
    }

    /// Resolves an IANA time-zone name to the spelling of the database (the lookup
    /// ignores ASCII case). `Etc/Unknown` is the database's name for "no zone", so it is
    /// refused like a misspelling.
    fn time_zone(&mut self, name: &Sp<String>) -> Option<String> {
        let text = name.value.as_str();
        let database = jiff::tz::TimeZoneDatabase::bundled();
        let found = (text.len() <= limits::ID_BYTES_MAX
            && !text.eq_ignore_ascii_case("Etc/Unknown"))
        .then(|| database.get(text).ok())
        .flatten()
        .and_then(|zone| zone.iana_name().map(str::to_owned));
        if found.is_some() {
            return found;
        }
        let names: Vec<String> = database.available().map(|zone| zone.to_string()).collect();
        let help = self
            .suggestions
            .closest(text, names.iter().map(String::as_str).filter(|zone| *zone != "Etc/Unknown"))
            .map(|best| format!("did you mean `{best}`?"))
            .unwrap_or_else(|| {
                "write an IANA name such as `America/Los_Angeles` or `Europe/Dublin`".into()
            });
        self.push(
            Diagnostic::error(
                "V004",
                name.span,
                format!("`{}` is not a time zone of the IANA database", short(text)),
            )
            .with_help(help),
        );
        None
    }

    /// Holiday calendar ids, in the order written and without duplicates. Any id but the
    /// built-in ones names a file `<id>.cal` that the app reads, so the syntax is strict:
    /// no `/`, `.` or `_` can ever reach a path.
    fn calendars(&mut self, ids: &[Sp<String>], block: Span) -> Vec<String> {
        self.limit_count("holiday calendars", ids.len(), ids.first().map_or(block, |id| id.span));
        let well_formed = |text: &str| {
            !text.is_empty()
                && text.len() <= limits::ID_BYTES_MAX
                && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && text.as_bytes()[0].is_ascii_alphanumeric()
        };
        let mut calendars: Vec<String> = Vec::new();
        for id in ids {
            let text = id.value.as_str();
            if !well_formed(text) {
                let rule = format!(
                    "calendar ids are 1–{} lowercase letters, digits or `-`, starting with a letter or digit: `us-federal`, `us-ca`, or the name of a `<id>.cal` file",
                    limits::ID_BYTES_MAX
                );
                // The likely slips are capitals and `_` for `-`; suggest the id they meant.
                let mended = text.to_ascii_lowercase().replace('_', "-");
                let help = if well_formed(&mended) {
                    format!("did you mean `{mended}`? {rule}")
                } else {
                    rule
                };
                self.push(
                    Diagnostic::error(
                        "V004",
                        id.span,
                        format!("`{}` is not a holiday calendar id", short(text)),
                    )
                    .with_help(help),
                );
            } else if calendars.iter().any(|known| known == text) {
                self.push(Diagnostic::warning(
                    "V002",
                    id.span,
                    format!("holiday calendar `{text}` is listed twice"),
                ));
            } else {
                calendars.push(text.to_owned());
            }
        }
        calendars
    }

    /// One entry of `high_risk`: R-051 leaves the level of verification to the business
    /// only for deletion and correction; the other requests have theirs fixed by law.
    fn high_risk(&mut self, value: &Sp<String>, high_risk: &mut Vec<RequestType>) {
        match RequestType::from_id(&value.value) {
            Some(request_type @ (RequestType::Delete | RequestType::Correct)) => {
                if high_risk.contains(&request_type) {
                    self.push(Diagnostic::warning(
                        "V002",
                        value.span,
                        format!("`{request_type}` is listed twice"),
                    ));
                } else {
                    high_risk.push(request_type);
                }
            }
            Some(other) => {
                let why = match other {
                    RequestType::Access => {
                        "access to specific pieces always needs the reasonably high degree (11 CCR §7062(c), R-050)"
                    }
                    RequestType::Know => {
                        "a request to know categories needs the reasonable degree (11 CCR §7062(b), R-049)"
                    }
                    RequestType::OptOutSaleShare | RequestType::LimitSensitive => {
                        "opt-outs and requests to limit are never verified (11 CCR §7060(b), R-041)"
                    }
                    _ => "the law does not let the business choose how it is verified",
                };
                self.push(
                    Diagnostic::error(
                        "V003",
                        value.span,
                        format!("`{other}` cannot be a high-risk request type"),
                    )
                    .with_help(format!(
                        "{why}; only `delete` and `correct` can be listed here (R-051)"
                    )),
                );
            }
            None => {
                let help = self
                    .suggestions
                    .help_for(&value.value, &["delete", "correct"])
                    .unwrap_or_default();
                self.push(
                    Diagnostic::error(
                        "V003",
                        value.span,
                        format!("unknown high-risk request type `{}`", short(&value.value)),
                    )
                    .with_help(help),
                );
            }
        }
    }

    /// Records the ids of one namespace, reporting malformed and duplicate ones.
    fn declare<'a>(
        &mut self,
        (what, key): (&'static str, &'static str),
        ids: impl Iterator<Item = &'a Sp<String>>,
    ) -> Namespace {
        let mut namespace = Namespace::new(what, key);
        let mut first_span: HashMap<String, Span> = HashMap::new();
        for (index, id) in ids.enumerate() {
            if index == limits::MANIFEST_LIST_ITEMS_MAX {
                self.push(Diagnostic::error(
                    "V006",
                    id.span,
                    format!("more than {} {what} entries", limits::MANIFEST_LIST_ITEMS_MAX),
                ));
            }
            self.id_syntax(what, id);
            if let Some(first) = first_span.get(&id.value) {
                self.push(
                    Diagnostic::error(
                        "V002",
                        id.span,
                        format!("duplicate {what} id `{}`", id.value),
                    )
                    .with_help(format!(
                        "it is already declared at line {}, column {}; rename one of them",
                        first.line, first.column
                    )),
                );
                continue;
            }
            first_span.insert(id.value.clone(), id.span);
            namespace.index_by_id.insert(id.value.clone(), index);
            namespace.ids.push(id.value.clone());
        }
        namespace
    }

    fn id_syntax(&mut self, what: &str, id: &Sp<String>) {
        let text = &id.value;
        let well_formed = !text.is_empty()
            && text.len() <= limits::ID_BYTES_MAX
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
            && text.as_bytes()[0].is_ascii_alphanumeric();
        if !well_formed {
            self.push(
                Diagnostic::error("V004", id.span, format!("`{}` is not a valid {what} id", short(text)))
                    .with_help(format!(
                        "ids are 1–{} lowercase letters, digits, `_` or `-`, starting with a letter or digit",
                        limits::ID_BYTES_MAX
                    )),
            );
        }
    }

    fn limit_count(&mut self, what: &str, count: usize, span: Span) {
        if count > limits::MANIFEST_LIST_ITEMS_MAX {
            self.push(Diagnostic::error(
                "V006",
                span,
                format!(
                    "{count} {what}, more than the {} a manifest may hold",
                    limits::MANIFEST_LIST_ITEMS_MAX
                ),
            ));
        }
    }

    fn phone(&mut self, text: &str, span: Span) {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let allowed = text.chars().all(|ch| ch.is_ascii_digit() || " +-().".contains(ch));
        if !(7..=15).contains(&digits) || !allowed {
            self.push(
                Diagnostic::error(
                    "V004",
                    span,
                    format!("`{}` is not a telephone number", short(text)),
                )
                .with_help(
                    "write 7–15 digits, optionally with `+`, spaces, dashes and parentheses",
                ),
            );
        }
    }

    /// Applies the text limit to every optional free text of one item.
    fn optional_texts<'t>(&mut self, span: Span, texts: impl IntoIterator<Item = Option<&'t str>>) {
        for text in texts.into_iter().flatten() {
            self.text(text, span);
        }
    }

    fn text(&mut self, text: &str, span: Span) {
        if text.len() > limits::TEXT_BYTES_MAX {
            self.push(
                Diagnostic::error(
                    "V006",
                    span,
                    format!(
                        "text of {} bytes is longer than {}",
                        text.len(),
                        limits::TEXT_BYTES_MAX
                    ),
                )
                .with_help("shorten it; a notice is read by people"),
            );
        }
    }

    fn resolve(&mut self, reference: &Sp<String>, namespace: &Namespace) -> Option<usize> {
        let what = namespace.what;
        self.resolve_as(reference, namespace, "V001", |id| format!("unknown {what} `{id}`"))
    }

    /// Resolves a reference; a miss is reported under `code` (with that lint's citation,
    /// if it is one) and the message `describe` writes around the shortened id.
    fn resolve_as(
        &mut self,
        reference: &Sp<String>,
        namespace: &Namespace,
        code: &'static str,
        describe: impl FnOnce(&str) -> String,
    ) -> Option<usize> {
        if let Some(&index) = namespace.index_by_id.get(&reference.value) {
            return Some(index);
        }
        let help = self
            .suggestions
            .closest(&reference.value, namespace.ids.iter().map(String::as_str))
            .map(|best| format!("did you mean `{best}`?"))
            .unwrap_or_else(|| format!("declare it under `{}:` or fix the id", namespace.key));
        let mut diagnostic =
            Diagnostic::error(code, reference.span, describe(&short(&reference.value)))
                .with_help(help);
        diagnostic.citation = Some(lint::citation(code)).filter(|citation| !citation.is_empty());
        self.push(diagnostic);
        None
    }

    fn resolve_all(&mut self, references: &[Sp<String>], namespace: &Namespace) -> Vec<usize> {
        let mut indices = Vec::with_capacity(references.len());
        for reference in references {
            if let Some(index) = self.resolve(reference, namespace)
                && !indices.contains(&index)
            {
                indices.push(index);
            }
        }
        indices
    }

    /// Resolves a reference-data value such as a CCPA category or a right.
    fn reference<R: Reference>(&mut self, value: &Sp<String>) -> Option<R> {
        if let Some(found) = R::from_id(&value.value) {
            return Some(found);
        }
        let help = self
            .suggestions
            .help_for(&value.value, &R::ids())
            .unwrap_or_else(|| "`ombud schema` lists the valid values".into());
        self.push(
            Diagnostic::error(
                "V003",
                value.span,
                format!("unknown {} `{}`", R::KIND, short(&value.value)),
            )
            .with_help(help),
        );
        None
    }

    fn jurisdictions(&mut self, values: &[Sp<String>]) -> Vec<Law> {
        let mut laws = Vec::new();
        for value in values {
            if let Some(law) = self.reference::<Law>(value) {
                if laws.contains(&law) {
                    self.push(Diagnostic::warning(
                        "V002",
                        value.span,
                        format!("`{law}` is listed twice"),
                    ));
                } else {
                    laws.push(law);
                }
            }
        }
        laws
    }

    fn organization(&mut self, o: &raw::Organization) -> Organization {
        self.text(&o.name.value, o.name.span);
        self.optional_texts(o.name.span, [o.legal_name.as_deref(), o.postal_address.as_deref()]);
        let website = o.website.as_ref().map(|w| {
            self.url(w);
            w.value.clone()
        });
        Organization {
            name: o.name.value.clone(),
            legal_name: o.legal_name.clone(),
            website,
            postal_address: o.postal_address.clone(),
            contact: self.contact(&o.contact),
            contact_span: o.contact.span,
            dpo: o.dpo.as_ref().map(|c| self.contact(c)),
            eu_representative: o.eu_representative.as_ref().map(|c| self.contact(c)),
            supervisory_authority: o.supervisory_authority.as_ref().map(|a| Authority {
                name: a.value.name.clone(),
                url: a.value.url.as_ref().map(|u| {
                    self.url(u);
                    u.value.clone()
                }),
            }),
            span: o.name.span,
        }
    }

    fn contact(&mut self, c: &Sp<raw::Contact>) -> Contact {
        if let Some(email) = &c.value.email {
            self.email(email);
        }
        if let Some(phone) = &c.value.phone {
            self.phone(phone, c.span);
        }
        self.optional_texts(c.span, [c.value.name.as_deref(), c.value.postal_address.as_deref()]);
        Contact {
            name: c.value.name.clone(),
            email: c.value.email.as_ref().map(|e| e.value.clone()),
            phone: c.value.phone.clone(),
            postal_address: c.value.postal_address.clone(),
        }
    }

    /// Credentials belong in `secret: env:NAME`, never in the address, which is shown in
    /// logs and to staff. The value is not echoed.
    fn webhook_url_secrets(&mut self, url: &Sp<String>) {
        let after_scheme = url.value.split_once("://").map(|(_, rest)| rest).unwrap_or(&url.value);
        let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            self.push(
                Diagnostic::error("V005", url.span, "the webhook address carries a user name or password")
                    .with_help("remove the credentials from the address and put the signing secret in `secret: env:NAME`; if they were committed, rotate them"),
            );
        }
        let query = after_scheme
            .split_once('?')
            .map(|(_, query)| query.to_ascii_lowercase())
            .unwrap_or_default();
        if ["token=", "secret=", "key=", "password=", "signature="]
            .iter()
            .any(|name| query.contains(name))
        {
            self.push(
                Diagnostic::warning("V005", url.span, "the webhook address seems to carry a secret in its query")
                    .with_help("send the secret through `secret: env:NAME` (ombud signs each instruction with it) instead of the address"),
            );
        }
    }

    /// Checks a web address; `true` when it is one.
    fn url(&mut self, url: &Sp<String>) -> bool {
        let text = url.value.as_str();
        let ok = (text.starts_with("https://") || text.starts_with("http://"))
            && text.len() > "https://".len()
            && text.len() <= 2048
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            self.push(
                Diagnostic::error(
                    "V004",
                    url.span,
                    format!("`{}` is not a web address", short(text)),
                )
                .with_help("write a full address starting with `https://`"),
            );
        }
        ok
    }

    /// Checks an email address; `true` when it is one. Whitespace and control characters
    /// are refused, so an address can never carry a line break into an email header.
    fn email(&mut self, email: &Sp<String>) -> bool {
        let text = email.value.as_str();
        let ok = text.len() <= 254
            && text.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if !ok {
            self.push(
                Diagnostic::error(
                    "V004",
                    email.span,
                    format!("`{}` is not an email address", short(text)),
                )
                .with_help("write it as `name@example.com`"),
            );
        }
        ok
    }

    fn notice(&mut self, n: &raw::NoticeMeta) -> NoticeMeta {
        self.optional_texts(n.version.span, [n.changes_notified_by.as_deref()]);
        if n.version.value.trim().is_empty() || n.version.value.len() > limits::ID_BYTES_MAX {
            self.push(
                Diagnostic::error(
                    "V004",
                    n.version.span,
                    "the notice version is empty or too long",
                )
                .with_help("write a short label such as `2024.1`"),
            );
        }
        let effective = Date::parse(&n.effective.value).unwrap_or_else(|| {
            self.push(
                Diagnostic::error(
                    "V004",
                    n.effective.span,
                    format!("`{}` is not a date", short(&n.effective.value)),
                )
                .with_help(
                    "write the effective date as `YYYY-MM-DD`, for example `2024-08-24`, in quotes",
                ),
            );
            Date { year: 1970, month: 1, day: 1 }
        });
        NoticeMeta {
            version: n.version.value.clone(),
            effective,
            effective_span: n.effective.span,
            changes_notified_by: n.changes_notified_by.clone(),
        }
    }

    fn category(
        &mut self,
        c: &Sp<raw::Category>,
        sources: &Namespace,
        purposes: &Namespace,
    ) -> Category {
        let v = &c.value;
        self.text(&v.name, c.span);
        self.optional_texts(c.span, v.examples.iter().map(|e| Some(e.as_str())));
        if let Some(description) = &v.description {
            self.text(description, c.span);
        }
        let ccpa = self.reference::<CcpaCategory>(&v.ccpa).unwrap_or(CcpaCategory::Identifiers);
        let sensitive = v.sensitive.as_ref().and_then(|s| self.reference::<SensitiveKind>(s));
        if ccpa == CcpaCategory::Sensitive && sensitive.is_none() && v.sensitive.is_none() {
            self.push(
                Diagnostic::error("V004", v.ccpa.span, "a category in CCPA category `sensitive` must say which kind")
                    .with_help("add `sensitive:` with a kind such as `precise_geolocation`, or map it to categories A–K"),
            );
        }
        Category {
            id: v.id.value.clone(),
            name: v.name.clone(),
            description: v.description.clone(),
            examples: v.examples.clone(),
            ccpa,
            sensitive,
            infers_characteristics: v.infers_characteristics,
            gdpr_special: v
                .gdpr_special
                .as_ref()
                .and_then(|s| self.reference::<GdprSpecialCategory>(s)),
            sources: self.resolve_all(&v.sources, sources),
            purposes: self.resolve_all(&v.purposes, purposes),
            provided_by_subject: v.provided_by_subject,
            span: v.id.span,
        }
    }

    fn purpose(&mut self, p: &Sp<raw::Purpose>) -> Purpose {
        let v = &p.value;
        self.text(&v.name, p.span);
        self.optional_texts(p.span, [v.description.as_deref(), v.legitimate_interest.as_deref()]);
        Purpose {
            id: v.id.value.clone(),
            name: v.name.clone(),
            description: v.description.clone(),
            gdpr_basis: v.gdpr_basis.as_ref().and_then(|b| self.reference::<GdprLawfulBasis>(b)),
            legitimate_interest: v.legitimate_interest.clone(),
            business_purpose: v
                .business_purpose
                .as_ref()
                .and_then(|b| self.reference::<BusinessPurpose>(b)),
            span: v.id.span,
        }
    }

    fn recipient(&mut self, r: &Sp<raw::Recipient>) -> Recipient {
        let v = &r.value;
        self.text(&v.name, r.span);
        self.optional_texts(r.span, [v.description.as_deref(), v.transfer_safeguard.as_deref()]);
        self.optional_texts(r.span, v.transfers.iter().map(|t| Some(t.as_str())));
        Recipient {
            id: v.id.value.clone(),
            name: v.name.clone(),
            description: v.description.clone(),
            role: self.reference::<RecipientRole>(&v.role).unwrap_or(RecipientRole::ThirdParty),
            contract: v.contract,
            transfers: v.transfers.clone(),
            transfer_safeguard: v.transfer_safeguard.clone(),
            suppression: v.suppression,
            span: v.id.span,
        }
    }

    fn disclosure(
        &mut self,
        d: &Sp<raw::Disclosure>,
        categories: &Namespace,
        recipients: &Namespace,
        purposes: &Namespace,
    ) -> Disclosure {
        let v = &d.value;
        if v.categories.is_empty() || v.recipients.is_empty() {
            self.push(
                Diagnostic::error(
                    "V004",
                    d.span,
                    "a disclosure needs at least one category and one recipient",
                )
                .with_help("list ids under `categories:` and `recipients:`"),
            );
        }
        let mut category_indices = Vec::new();
        for reference in &v.categories {
            if let Some(index) = self.resolve_as(reference, categories, "L010", |id| {
                format!("discloses category `{id}`, which the program never collects")
            }) && !category_indices.contains(&index)
            {
                category_indices.push(index);
            }
        }
        Disclosure {
            categories: category_indices,
            recipients: self.resolve_all(&v.recipients, recipients),
            purposes: self.resolve_all(&v.purposes, purposes),
            sold: v.sold,
            shared: v.shared,
            span: d.span,
        }
    }

    fn channel(&mut self, c: &Sp<raw::Channel>) -> Channel {
        let v = &c.value;
        let kind = self.reference::<ChannelKind>(&v.kind).unwrap_or(ChannelKind::WebForm);
        let needs = match kind {
            ChannelKind::WebForm
            | ChannelKind::DoNotSellLink
            | ChannelKind::LimitLink
            | ChannelKind::PrivacyChoicesLink => Some(("url", v.url.is_some())),
            ChannelKind::Email => Some(("email", v.email.is_some())),
            ChannelKind::TollFreePhone | ChannelKind::Phone => Some(("phone", v.phone.is_some())),
            ChannelKind::PostalMail => Some(("address", v.address.is_some())),
            ChannelKind::InPerson | ChannelKind::Account | ChannelKind::UnsubscribeLink => None,
        };
        if let Some((field, false)) = needs {
            self.push(
                Diagnostic::error(
                    "V004",
                    v.id.span,
                    format!("channel `{}` of kind `{kind}` has no `{field}`", v.id.value),
                )
                .with_help(format!("add `{field}:` so the notice can tell people where to go")),
            );
        }
        if let (
            Some(label),
            ChannelKind::DoNotSellLink | ChannelKind::LimitLink | ChannelKind::PrivacyChoicesLink,
        ) = (&v.label, kind)
        {
            let allowed = kind == ChannelKind::PrivacyChoicesLink
                && matches!(
                    label.trim_matches('"'),
                    "Your Privacy Choices" | "Your California Privacy Choices"
                );
            if !allowed {
                self.push(
                    Diagnostic::warning("V004", v.id.span, format!("the law fixes the title of a `{kind}`; its `label` is not used"))
                        .with_help("remove `label:`; the notice uses the statutory title (Civ. Code §1798.135(a), 11 CCR §7015)"),
                );
            }
        }
        if let Some(url) = &v.url {
            self.url(url);
        }
        if let Some(email) = &v.email {
            self.email(email);
        }
        if let Some(phone) = &v.phone {
            self.phone(&phone.value, phone.span);
        }
        self.optional_texts(c.span, [v.address.as_deref(), v.label.as_deref()]);
        Channel {
            id: v.id.value.clone(),
            kind,
            url: v.url.as_ref().map(|u| u.value.clone()),
            email: v.email.as_ref().map(|e| e.value.clone()),
            phone: v.phone.as_ref().map(|p| p.value.clone()),
            address: v.address.clone(),
            label: v.label.clone(),
            span: v.id.span,
        }
    }

    fn rights(
        &mut self,
        rights: &[Sp<raw::Right>],
        jurisdictions: &[Law],
        channels: &Namespace,
    ) -> Vec<Right> {
        let mut lowered: Vec<Right> = Vec::new();
        for r in rights {
            let v = &r.value;
            self.optional_texts(r.span, [v.note.as_deref()]);
            let Some(right) = self.reference::<RequestType>(&v.right) else { continue };
            let mut laws = Vec::new();
            for value in &v.laws {
                if let Some(law) = self.reference::<Law>(value) {
                    if !jurisdictions.contains(&law) {
                        self.push(
                            Diagnostic::error(
                                "V004",
                                value.span,
                                format!("`{law}` is not among the program's jurisdictions"),
                            )
                            .with_help(format!(
                                "add `{law}` to `jurisdictions:` or remove it here"
                            )),
                        );
                    } else if !laws.contains(&law) {
                        laws.push(law);
                    }
                }
            }
            if v.laws.is_empty() {
                laws = jurisdictions.to_vec();
            }
            for earlier in &lowered {
                if earlier.right == right && earlier.laws.iter().any(|law| laws.contains(law)) {
                    self.push(
                        Diagnostic::error(
                            "V008",
                            v.right.span,
                            format!("right `{right}` is declared twice for the same law"),
                        )
                        .with_help(format!(
                            "merge it with the one at line {}, or split them with `laws:`",
                            earlier.span.line
                        )),
                    );
                    break;
                }
            }
            let verification = v
                .verification
                .iter()
                .filter_map(|m| self.reference::<VerificationMethod>(m))
                .collect();
            lowered.push(Right {
                right,
                laws,
                channels: self.resolve_all(&v.channels, channels),
                verification,
                verification_span: v.verification.first().map(|m| m.span).unwrap_or(v.right.span),
                note: v.note.clone(),
                span: v.right.span,
            });
        }
        lowered
    }

    fn minors(&mut self, m: &Sp<raw::Minors>) -> Minors {
        let v = &m.value;
        let sale_under_16 = match v.sale_under_16.value.as_str() {
            "opt_in_required" => MinorsSale::OptInRequired,
            "never" => MinorsSale::Never,
            other => {
                let help = self
                    .suggestions
                    .help_for(other, &["opt_in_required", "never"])
                    .unwrap_or_default();
                self.push(
                    Diagnostic::error(
                        "V003",
                        v.sale_under_16.span,
                        format!("unknown minors policy `{}`", short(other)),
                    )
                    .with_help(help),
                );
                MinorsSale::Never
            }
        };
        if let Some(age) = &v.gdpr_consent_age
            && !(13..=16).contains(&age.value)
        {
            self.push(
                Diagnostic::error(
                    "V004",
                    age.span,
                    format!("GDPR consent age {} is outside 13–16", age.value),
                )
                .with_help("GDPR Art 8(1) lets Member States set an age from 13 to 16"),
            );
        }
        Minors {
            sells_or_shares_under_16: v.sells_or_shares_under_16,
            sale_under_16,
            collects_under_13: v.collects_under_13,
            gdpr_consent_age: v.gdpr_consent_age.as_ref().map(|a| a.value),
            span: m.span,
        }
    }

    fn env_reference(&mut self, value: &Sp<String>, what: &str) -> Option<String> {
        let name = value.value.strip_prefix("env:");
        let valid = name.is_some_and(|n| {
            !n.is_empty()
                && n.len() <= limits::ID_BYTES_MAX
                && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !n.as_bytes()[0].is_ascii_digit()
        });
        if valid {
            return name.map(str::to_owned);
        }
        // Never echo the value: it may be the very secret that must not be in the file.
        self.push(
            Diagnostic::error("V005", value.span, format!("the {what} must be a reference to an environment variable"))
                .with_help("write `env:NAME` (uppercase letters, digits, `_`) and put the secret in that variable; \
                            if a secret was committed, rotate it"),
        );
        None
    }

    fn system(
        &mut self,
        s: &Sp<raw::System>,
        categories: &Namespace,
        recipients: &Namespace,
    ) -> System {
        let v = &s.value;
        let role = v
            .role
            .as_ref()
            .and_then(|r| self.reference::<SystemRole>(r))
            .unwrap_or(SystemRole::Controller);
        let kind_text = v.kind.as_ref().map(|k| k.value.as_str()).unwrap_or("database");
        let kind = match kind_text {
            "service_provider" => {
                for (present, field) in [
                    (!v.tables.is_empty(), "tables"),
                    (v.engine.is_some(), "engine"),
                    (v.connection.is_some(), "connection"),
                ] {
                    if present {
                        self.push(Diagnostic::error("V007", v.id.span, format!("service provider `{}` has `{field}`", v.id.value))
                            .with_help("tables, engines and connections belong to `kind: database` systems"));
                    }
                }
                let recipient = match &v.recipient {
                    Some(r) => self.resolve(r, recipients),
                    None => {
                        self.push(
                            Diagnostic::error(
                                "V007",
                                v.id.span,
                                format!("service provider `{}` names no recipient", v.id.value),
                            )
                            .with_help("add `recipient:` with the id of the recipient it is"),
                        );
                        None
                    }
                };
                let webhook = v.webhook.as_ref().map(|w| {
                    self.url(&w.value.url);
                    self.webhook_url_secrets(&w.value.url);
                    if !w.value.url.value.starts_with("https://") {
                        self.push(
                            Diagnostic::error("V004", w.value.url.span, "webhooks must use https")
                                .with_help(
                                    "instructions carry personal data; use an `https://` address",
                                ),
                        );
                    }
                    Webhook {
                        url: w.value.url.value.clone(),
                        secret_env: self
                            .env_reference(&w.value.secret, "webhook secret")
                            .unwrap_or_default(),
                    }
                });
                SystemKind::ServiceProvider {
                    recipient,
                    categories: self.resolve_all(&v.categories, categories),
                    webhook,
                }
            }
            other => {
                if other != "database" {
                    let span = v.kind.as_ref().map(|k| k.span).unwrap_or(v.id.span);
                    let help = self
                        .suggestions
                        .help_for(other, &["database", "service_provider"])
                        .unwrap_or_default();
                    self.push(
                        Diagnostic::error(
                            "V003",
                            span,
                            format!("unknown system kind `{}`", short(other)),
                        )
                        .with_help(help),
                    );
                }
                for (present, field) in [
                    (v.recipient.is_some(), "recipient"),
                    (!v.categories.is_empty(), "categories"),
                    (v.webhook.is_some(), "webhook"),
                ] {
                    if present {
                        self.push(Diagnostic::error("V007", v.id.span, format!("database `{}` has `{field}`", v.id.value))
                            .with_help("for a database, annotate table columns instead; recipients and webhooks belong to `kind: service_provider`"));
                    }
                }
                let engine = match &v.engine {
                    Some(e) => self.reference::<Engine>(e).unwrap_or(Engine::Postgres),
                    None => {
                        self.push(
                            Diagnostic::error(
                                "V007",
                                v.id.span,
                                format!("database `{}` has no `engine`", v.id.value),
                            )
                            .with_help("add `engine: postgres`, `mysql` or `sqlite`"),
                        );
                        Engine::Postgres
                    }
                };
                let connection_env =
                    v.connection.as_ref().and_then(|c| self.env_reference(c, "connection"));
                let tables = self.tables(&v.tables, categories);
                SystemKind::Database { engine, connection_env, tables }
            }
        };
        self.optional_texts(v.id.span, [v.name.as_deref()]);
        System { id: v.id.value.clone(), name: v.name.clone(), role, kind, span: v.id.span }
    }

    fn tables(&mut self, tables: &[Sp<raw::Table>], categories: &Namespace) -> Vec<Table> {
        self.limit_count(
            "tables",
            tables.len(),
            tables.first().map(|t| t.span).unwrap_or_default(),
        );
        // Ordered, so "did you mean" picks the same table on every run.
        let mut names: BTreeMap<&str, Span> = BTreeMap::new();
        for table in tables {
            let name = &table.value.name;
            self.db_identifier(name.as_str(), name.span, "table");
            if let Some(first) = names.insert(name.as_str(), name.span) {
                self.push(
                    Diagnostic::error(
                        "V002",
                        name.span,
                        format!("table `{}` is declared twice", short(name.as_str())),
                    )
                    .with_help(format!("merge it with the one at line {}", first.line)),
                );
            }
        }
        tables.iter().map(|t| self.table(t, &names, categories)).collect()
    }

    fn db_identifier(&mut self, name: &str, span: Span, what: &str) {
        if name.is_empty()
            || name.len() > limits::ID_BYTES_MAX
            || name.chars().any(char::is_control)
        {
            self.push(
                Diagnostic::error(
                    "V004",
                    span,
                    format!("`{}` is not a usable {what} name", short(name)),
                )
                .with_help(format!(
                    "{what} names are 1–{} bytes with no control characters",
                    limits::ID_BYTES_MAX
                )),
            );
        }
    }

    fn table(
        &mut self,
        t: &Sp<raw::Table>,
        tables: &BTreeMap<&str, Span>,
        categories: &Namespace,
    ) -> Table {
        let v = &t.value;
        let mut identity = Vec::new();
        for (column, kind) in &v.identity {
            self.db_identifier(column, kind.span, "column");
            if let Some(kind) = self.reference::<IdentityKind>(kind) {
                identity.push((column.clone(), kind));
            }
        }
        let mut columns = Vec::new();
        for (column, category) in &v.columns {
            self.db_identifier(column, category.span, "column");
            if let Some(index) = self.resolve_as(category, categories, "L014", |id| {
                format!("column annotated with unknown category `{id}`")
            }) {
                columns.push(Column { name: column.clone(), category: index, span: category.span });
            }
        }
        let mut references = Vec::new();
        for (column, target) in &v.references {
            self.db_identifier(column, target.span, "column");
            match target.value.split_once('.') {
                Some((table, target_column)) if !table.is_empty() && !target_column.is_empty() => {
                    if tables.contains_key(table) {
                        references.push(crate::model::Reference {
                            column: column.clone(),
                            table: table.to_owned(),
                            target_column: target_column.to_owned(),
                            span: target.span,
                        });
                    } else {
                        let help = self
                            .suggestions
                            .closest(table, tables.keys().copied())
                            .map(|best| format!("did you mean `{best}`?"))
                            .unwrap_or_else(|| {
                                "declare that table in this system, or fix the name".into()
                            });
                        self.push(
                            Diagnostic::error(
                                "V001",
                                target.span,
                                format!("unknown table `{}`", short(table)),
                            )
                            .with_help(help),
                        );
                    }
                }
                _ => self.push(
                    Diagnostic::error(
                        "V004",
                        target.span,
                        format!("`{}` is not a `table.column` reference", short(&target.value)),
                    )
                    .with_help(
                        "write the referenced column as `table.column`, for example `customer.id`",
                    ),
                ),
            }
        }
        let erase =
            v.erase.as_ref().and_then(|e| self.reference::<ErasureStrategy>(&e.value.strategy));
        let mut erase_columns = Vec::new();
        if let Some(e) = &v.erase {
            for (column, strategy) in &e.value.columns {
                if let Some(strategy) = self.reference::<ErasureStrategy>(strategy) {
                    if strategy == ErasureStrategy::Delete {
                        self.push(Diagnostic::error("V004", e.span, format!("column `{}` cannot be erased by `delete`", short(column)))
                            .with_help("`delete` removes whole rows: set it as the table's `strategy`, or use `null`, `mask`, `hash` or `random` for a column"));
                    } else {
                        erase_columns.push((column.clone(), strategy));
                    }
                }
            }
        }
        if let Some(retain) = &v.retain {
            self.optional_texts(
                retain.span,
                [retain.value.period.as_deref(), retain.value.note.as_deref()],
            );
        }
        let mut lower_reason = |reason: &Sp<String>| -> Option<RetentionReason> {
            let found = RetentionReason::from_id(&reason.value);
            if found.is_none() {
                let help = self
                    .suggestions
                    .help_for(&reason.value, &RetentionReason::ids())
                    .unwrap_or_default();
                self.push(
                    Diagnostic::error(
                        "V003",
                        reason.span,
                        format!("unknown retention exception `{}`", short(&reason.value)),
                    )
                    .with_help(help)
                    .with_citation(lint::citation("L015")),
                );
            }
            found
        };
        let retain = v.retain.as_ref().map(|r| Retain {
            reason: r.value.reason.as_ref().and_then(&mut lower_reason),
            also: r.value.also.iter().filter_map(&mut lower_reason).collect(),
            period: r.value.period.clone(),
            note: r.value.note.clone(),
            span: r.span,
        });
        Table {
            name: v.name.value.clone(),
            primary_key: v.primary_key.as_ref().map(|p| p.value.clone()),
            identity,
            columns,
            references,
            erase,
            erase_columns,
            retain,
            span: v.name.span,
        }
    }
}

/// Keeps echoed input short in messages.
fn short(text: &str) -> String {
    const CHARS_MAX: usize = 80;
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(CHARS_MAX).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

//! The records the law asks a business to keep and publish.
//!
//! - [`App::request_records`]: the record of every request and its response (11 CCR
//!   §7101; REGULATIONS.md §e E1, kept ≥ 24 months, R-190), with Colorado's fields too
//!   (Rule 6.11, E2: appeals), written as CSV by [`write_records_csv`].
//! - [`App::metrics`]: the yearly figures of 11 CCR §7102 (REGULATIONS.md §f): per type,
//!   requests received, complied with in whole or in part, denied, and the median and
//!   mean days to respond.

use std::io::Write;

use jiff::civil::Date;
use ombud_core::id::Id;
use ombud_core::request::{DenialBasis, Status};
use ombud_core::{ChannelKind, Law, Reference as _, RequestType, RetentionReason};
use ombud_store::requests::RequestRecord;

use crate::{App, AppError};

/// Rows read per page while walking the records.
const PAGE_ROWS: u32 = 1_000;

/// One line of the §7101 record.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordRow {
    /// The request.
    pub record: RequestRecord,
    /// The extension's reason, decrypted (it is part of the record, E1).
    pub extension_reason: Option<String>,
    /// When the extension notice was delivered (E1 `extension_notice_sent_at`).
    pub extension_notice_sent_at: Option<jiff::Timestamp>,
    /// The signed declaration kept with the request, by document id.
    pub declaration: Option<Id>,
}

impl std::fmt::Debug for RecordRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordRow")
            .field("record", &self.record)
            .field("extension_reason", &self.extension_reason.as_ref().map(|_| "[redacted]"))
            .field("extension_notice_sent_at", &self.extension_notice_sent_at)
            .field("declaration", &self.declaration)
            .finish()
    }
}

/// The §7101 "nature of request" (REGULATIONS.md §e E1, §h H5).
pub fn nature_of_request(request_type: RequestType) -> &'static str {
    match request_type {
        RequestType::Know => "know_categories",
        RequestType::Access => "know_specific",
        RequestType::Delete => "delete",
        RequestType::Correct => "correct",
        RequestType::OptOutSaleShare => "opt_out_sale_share",
        RequestType::LimitSensitive => "limit_spi",
        _ => "other",
    }
}

/// The §7101 "manner of request".
pub fn manner_of_request(channel: ChannelKind, via_agent: bool) -> &'static str {
    if via_agent {
        return "authorized_agent";
    }
    match channel {
        ChannelKind::WebForm
        | ChannelKind::DoNotSellLink
        | ChannelKind::LimitLink
        | ChannelKind::PrivacyChoicesLink => "webform",
        ChannelKind::Email => "email",
        ChannelKind::TollFreePhone => "toll_free_phone",
        ChannelKind::InPerson => "in_person",
        ChannelKind::PostalMail => "mail",
        ChannelKind::Account => "app",
        ChannelKind::Phone | ChannelKind::UnsubscribeLink => "other",
    }
}

/// The §7101 "nature of response", empty while the request is open.
pub fn nature_of_response(status: Status) -> &'static str {
    match status {
        Status::Completed => "granted_full",
        Status::PartiallyCompleted => "granted_partial",
        Status::Denied => "denied",
        Status::Cancelled => "withdrawn",
        _ => "",
    }
}

/// The day a request was answered, in the law's calendar.
fn response_date(app: &App, record: &RequestRecord) -> Option<Date> {
    record.request.closed_at.map(|at| app.settings().calendars.local_date(record.request.law, at))
}

/// Calendar days from receipt to the answer, for closed requests answered on the merits.
pub fn days_to_respond(app: &App, record: &RequestRecord) -> Option<i32> {
    if !matches!(
        record.request.status,
        Status::Completed | Status::PartiallyCompleted | Status::Denied
    ) {
        return None;
    }
    let answered = response_date(app, record)?;
    record.request.deadlines.received_on.until(answered).ok().map(|span| span.get_days())
}

impl App {
    /// The records of the requests received from `since` (inclusive) to `until`
    /// (exclusive), in order of receipt. Reading them decrypts extension reasons: the
    /// caller audits the export.
    pub async fn request_records(
        &self,
        since: Date,
        until: Date,
    ) -> Result<Vec<RecordRow>, AppError> {
        let zone = self.settings().calendars.us.timezone.clone();
        let start = since
            .to_zoned(zone.clone())
            .map_err(|_| AppError::Invalid("the start date is out of range".to_owned()))?
            .timestamp();
        let end = until
            .to_zoned(zone)
            .map_err(|_| AppError::Invalid("the end date is out of range".to_owned()))?
            .timestamp();
        let mut tx = self.store().read().await?;
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let page = tx
                .requests_received(start.as_millisecond(), end.as_millisecond(), after, PAGE_ROWS)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some((last.request.received_at.as_millisecond(), last.request.id));
            let full = page.len() == usize::try_from(PAGE_ROWS).unwrap_or(usize::MAX);
            for record in page {
                let declaration = if record.evidence.declaration_signed {
                    tx.documents(record.request.id)
                        .await?
                        .into_iter()
                        .find(|d| d.kind == "declaration")
                        .map(|d| d.id)
                } else {
                    None
                };
                let extension_reason =
                    record.request.extension_reason.as_ref().map(|r| r.expose().clone());
                let extension_notice_sent_at = if record.request.extended {
                    tx.emails_for_request(record.request.id)
                        .await?
                        .iter()
                        .filter(|e| e.kind == crate::mail::EmailKind::ExtensionNotice.id())
                        .find_map(|e| e.sent_at_ms)
                        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
                } else {
                    None
                };
                rows.push(RecordRow {
                    record,
                    extension_reason,
                    extension_notice_sent_at,
                    declaration,
                });
            }
            if !full {
                break;
            }
        }
        Ok(rows)
    }

    /// Writes the §7101 record as CSV.
    pub fn write_records_csv(&self, rows: &[RecordRow], out: impl Write) -> Result<(), AppError> {
        let mut writer = csv::Writer::from_writer(out);
        let fail = |e: csv::Error| AppError::Unavailable(format!("cannot write the report: {e}"));
        writer
            .write_record([
                "request_id",
                "law",
                "date_of_request",
                "received_at",
                "request_type",
                "nature_of_request",
                "answered_as",
                "manner_of_request",
                "status",
                "date_of_response",
                "nature_of_response",
                "denial_basis",
                "receipt_confirmation_sent_at",
                "respond_by",
                "extension_notice_sent_at",
                "extension_reason",
                "extended_respond_by",
                "deadline_met",
                "verification_required",
                "verification_level",
                "verification_method",
                "signed_declaration_ref",
                "agent_authority_type",
                "appeal_of",
                "days_to_substantive_response",
            ])
            .map_err(fail)?;
        for row in rows {
            let request = &row.record.request;
            let answered = response_date(self, &row.record);
            let due = request.due();
            let met = match answered {
                Some(day) if request.status != Status::Cancelled => {
                    if day <= due {
                        "yes"
                    } else {
                        "no"
                    }
                }
                _ => "",
            };
            let reasons: Vec<&str> = request.reasons.iter().map(|r| r.basis.code()).collect();
            writer
                .write_record([
                    request.id.to_string(),
                    request.law.id().to_owned(),
                    request.deadlines.received_on.to_string(),
                    request.received_at.to_string(),
                    request.request_type.id().to_owned(),
                    nature_of_request(request.request_type).to_owned(),
                    if request.effective_type == request.request_type {
                        String::new()
                    } else {
                        nature_of_request(request.effective_type).to_owned()
                    },
                    manner_of_request(request.channel, request.agent.is_some()).to_owned(),
                    request.status.id().to_owned(),
                    answered.map(|d| d.to_string()).unwrap_or_default(),
                    nature_of_response(request.status).to_owned(),
                    reasons.join(";"),
                    request.acknowledged_at.map(|t| t.to_string()).unwrap_or_default(),
                    request.deadlines.respond_by.to_string(),
                    row.extension_notice_sent_at.map(|t| t.to_string()).unwrap_or_default(),
                    row.extension_reason.clone().unwrap_or_default(),
                    if request.extended { due.to_string() } else { String::new() },
                    met.to_owned(),
                    request.verification.required.id().to_owned(),
                    request.verification.achieved.map(|l| l.id().to_owned()).unwrap_or_default(),
                    row.record.verification_method.map(|m| m.id().to_owned()).unwrap_or_default(),
                    row.declaration.map(|d| d.to_string()).unwrap_or_default(),
                    request.agent.map(|a| a.proof.id().to_owned()).unwrap_or_default(),
                    request.appeal_of.map(|a| a.to_string()).unwrap_or_default(),
                    days_to_respond(self, &row.record).map(|d| d.to_string()).unwrap_or_default(),
                ])
                .map_err(fail)?;
        }
        writer.flush().map_err(|e| AppError::Unavailable(format!("cannot write the report: {e}")))
    }

    /// The §7102 figures of CCPA requests received in `year`.
    pub async fn metrics(&self, year: i16) -> Result<Metrics, AppError> {
        let since = Date::new(year, 1, 1)
            .map_err(|_| AppError::Invalid(format!("{year} is not a year ombud can report")))?;
        let until = Date::new(year.saturating_add(1), 1, 1)
            .map_err(|_| AppError::Invalid(format!("{year} is not a year ombud can report")))?;
        let rows = self.request_records(since, until).await?;
        let mut metrics = Metrics { year, buckets: Vec::new() };
        for bucket in MetricBucket::ALL {
            let mut line = MetricLine { bucket, ..MetricLine::default() };
            let mut days = Vec::new();
            for row in rows.iter().filter(|r| {
                r.record.request.law == Law::Ccpa && bucket.covers(r.record.request.request_type)
            }) {
                let request = &row.record.request;
                line.received += 1;
                match request.status {
                    Status::Completed | Status::PartiallyCompleted => line.complied += 1,
                    Status::Denied => {
                        line.denied += 1;
                        let bases: Vec<DenialBasis> =
                            request.reasons.iter().map(|r| r.basis).collect();
                        if bases.contains(&DenialBasis::Unverifiable) {
                            line.denied_unverifiable += 1;
                        } else if bases.contains(&DenialBasis::NotIdentifiable) {
                            line.denied_not_a_consumer += 1;
                        } else if bases
                            .iter()
                            .any(|b| matches!(b, DenialBasis::Exception(RetentionReason::Ccpa(_))))
                        {
                            line.denied_exempt += 1;
                        } else {
                            line.denied_other += 1;
                        }
                    }
                    _ => {}
                }
                if let Some(d) = days_to_respond(self, &row.record) {
                    days.push(d);
                }
            }
            days.sort_unstable();
            line.responded = u32::try_from(days.len()).unwrap_or(u32::MAX);
            if !days.is_empty() {
                let sum: i64 = days.iter().map(|d| i64::from(*d)).sum();
                #[allow(clippy::cast_precision_loss)] // Counts of requests are far below 2^52.
                {
                    line.mean_days = Some(sum as f64 / days.len() as f64);
                    let mid = days.len() / 2;
                    line.median_days = Some(if days.len() % 2 == 0 {
                        (f64::from(days[mid - 1]) + f64::from(days[mid])) / 2.0
                    } else {
                        f64::from(days[mid])
                    });
                }
            }
            metrics.buckets.push(line);
        }
        Ok(metrics)
    }
}

/// The five request kinds §7102 reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetricBucket {
    /// Requests to delete.
    #[default]
    Delete,
    /// Requests to correct.
    Correct,
    /// Requests to know (categories and specific pieces together, §7102).
    Know,
    /// Requests to opt out of sale or sharing.
    OptOut,
    /// Requests to limit.
    Limit,
}

impl MetricBucket {
    /// In the order §7102 lists them.
    pub const ALL: [MetricBucket; 5] = [
        MetricBucket::Delete,
        MetricBucket::Correct,
        MetricBucket::Know,
        MetricBucket::OptOut,
        MetricBucket::Limit,
    ];

    /// The bucket's name in the report.
    pub fn label(self) -> &'static str {
        match self {
            MetricBucket::Delete => "Requests to delete",
            MetricBucket::Correct => "Requests to correct",
            MetricBucket::Know => "Requests to know",
            MetricBucket::OptOut => "Requests to opt out of sale/sharing",
            MetricBucket::Limit => "Requests to limit",
        }
    }

    fn covers(self, request_type: RequestType) -> bool {
        match self {
            MetricBucket::Delete => request_type == RequestType::Delete,
            MetricBucket::Correct => request_type == RequestType::Correct,
            MetricBucket::Know => matches!(request_type, RequestType::Know | RequestType::Access),
            MetricBucket::OptOut => request_type == RequestType::OptOutSaleShare,
            MetricBucket::Limit => request_type == RequestType::LimitSensitive,
        }
    }
}

/// One line of the §7102 table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricLine {
    /// Which requests.
    pub bucket: MetricBucket,
    /// Received in the year.
    pub received: u32,
    /// Complied with in whole or in part.
    pub complied: u32,
    /// Denied.
    pub denied: u32,
    /// Denied because the request could not be verified (optional breakdown, §7102).
    pub denied_unverifiable: u32,
    /// Denied because not made by a consumer.
    pub denied_not_a_consumer: u32,
    /// Denied because the information is exempt.
    pub denied_exempt: u32,
    /// Denied on other grounds.
    pub denied_other: u32,
    /// Answered on the merits (the days below are over these).
    pub responded: u32,
    /// Median calendar days to respond substantively.
    pub median_days: Option<f64>,
    /// Mean calendar days to respond substantively.
    pub mean_days: Option<f64>,
}

/// The §7102 report of one year.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    /// The calendar year.
    pub year: i16,
    /// One line per kind of request.
    pub buckets: Vec<MetricLine>,
}

impl Metrics {
    /// Writes the figures as CSV.
    pub fn write_csv(&self, out: impl Write) -> Result<(), AppError> {
        let mut writer = csv::Writer::from_writer(out);
        let fail = |e: csv::Error| AppError::Unavailable(format!("cannot write the report: {e}"));
        writer
            .write_record([
                "year",
                "request_type",
                "received",
                "complied_in_whole_or_part",
                "denied",
                "denied_unverifiable",
                "denied_not_a_consumer",
                "denied_exempt",
                "denied_other",
                "median_days_to_respond",
                "mean_days_to_respond",
            ])
            .map_err(fail)?;
        for line in &self.buckets {
            writer
                .write_record([
                    self.year.to_string(),
                    line.bucket.label().to_owned(),
                    line.received.to_string(),
                    line.complied.to_string(),
                    line.denied.to_string(),
                    line.denied_unverifiable.to_string(),
                    line.denied_not_a_consumer.to_string(),
                    line.denied_exempt.to_string(),
                    line.denied_other.to_string(),
                    line.median_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                    line.mean_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                ])
                .map_err(fail)?;
        }
        writer.flush().map_err(|e| AppError::Unavailable(format!("cannot write the report: {e}")))
    }

    /// The figures as a table people read.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "CCPA request metrics for {} (11 CCR §7102)\n\n{:<38} {:>9} {:>9} {:>7} {:>12} {:>10}\n",
            self.year, "", "received", "complied", "denied", "median days", "mean days"
        );
        for line in &self.buckets {
            let days =
                |d: Option<f64>| d.map(|d| format!("{d:.1}")).unwrap_or_else(|| "-".to_owned());
            out.push_str(&format!(
                "{:<38} {:>9} {:>9} {:>7} {:>12} {:>10}\n",
                line.bucket.label(),
                line.received,
                line.complied,
                line.denied,
                days(line.median_days),
                days(line.mean_days)
            ));
        }
        out.push_str("\nComplied counts requests answered in whole or in part. Days are calendar days from receipt to the substantive response.\n");
        out
    }
}

impl App {
    /// Records in the audit chain that a report holding personal data was exported.
    pub async fn record_export(
        &self,
        action: &str,
        payload: &serde_json::Value,
        actor: &crate::Actor,
    ) -> Result<(), AppError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        self.audit(&mut tx, now, actor, action, None, payload).await?;
        tx.commit().await?;
        Ok(())
    }
}

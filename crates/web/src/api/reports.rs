//! The records the law asks for, over the API (`reports:read`): the yearly CCPA figures
//! of 11 CCR §7102 (REGULATIONS.md §f) and the record of every request of §7101 (§e E1).
//!
//! The records are `ombud report requests`' CSV, row for row and column for column (it
//! is made by the same writer and read back here), so the two can never disagree. Like
//! that command they hold no identifier of the person, but they do hold the extension
//! reasons staff wrote, so each export is recorded in the audit chain.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use jiff::civil::Date;
use ombud_app::reports::MetricBucket;
use ombud_app::tokens::Scope;
use ombud_app::{Actor, AppError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, answer, principal, unknown_parameter};
use crate::Site;

/// The widest span of receipt one records call covers: the 24 months the law asks to
/// keep, plus a day.
const RECORD_SPAN_DAYS_MAX: i32 = 731;

/// The most records one call returns: the answer is held whole in memory, as records
/// and then as JSON.
const RECORD_ROWS_MAX: usize = 100_000;

/// The days of receipt read at a time: only this many days' rows are held at once
/// besides the answer, and a span over [`RECORD_ROWS_MAX`] stops within one of these.
const RECORD_CHUNK_DAYS: i64 = 7;

/// Which year. (Read by hand from the query, so that no refusal repeats a value.)
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MetricsQuery {
    /// The calendar year (YYYY).
    year: i16,
}

/// Which days of receipt.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RecordsQuery {
    /// The first day of receipt to include (YYYY-MM-DD).
    from: String,
    /// The day after the last to include (YYYY-MM-DD); tomorrow when absent. At most
    /// 731 days after `from`.
    to: Option<String>,
}

/// One line of the §7102 table.
#[derive(Serialize, ToSchema)]
pub(crate) struct MetricLineBody {
    /// `delete`, `correct`, `know` (categories and specific pieces), `opt_out`, `limit`.
    request_type: &'static str,
    /// The line's name in the published report.
    label: &'static str,
    /// Received in the year.
    received: u32,
    /// Complied with in whole or in part.
    complied: u32,
    /// Denied.
    denied: u32,
    /// Denied because the request could not be verified.
    denied_unverifiable: u32,
    /// Denied because not made by a consumer.
    denied_not_a_consumer: u32,
    /// Denied because the information is exempt.
    denied_exempt: u32,
    /// Denied on other grounds.
    denied_other: u32,
    /// Answered on the merits (the days are over these).
    responded: u32,
    /// Median calendar days to a substantive response.
    median_days: Option<f64>,
    /// Mean calendar days to a substantive response.
    mean_days: Option<f64>,
}

/// The §7102 figures of CCPA requests received in one year.
#[derive(Serialize, ToSchema)]
pub(crate) struct MetricsBody {
    year: i16,
    /// One line per kind of request, in the order §7102 lists them.
    buckets: Vec<MetricLineBody>,
}

/// One request's §7101 record: the columns of `ombud report requests`
/// (docs/requests.md). Dates are YYYY-MM-DD, times RFC 3339; an empty column is null.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordLine {
    request_id: String,
    law: String,
    date_of_request: String,
    received_at: String,
    request_type: String,
    nature_of_request: String,
    answered_as: Option<String>,
    manner_of_request: String,
    status: String,
    date_of_response: Option<String>,
    nature_of_response: Option<String>,
    /// Codes, `;`-separated.
    denial_basis: Option<String>,
    receipt_confirmation_sent_at: Option<String>,
    respond_by: String,
    extension_notice_sent_at: Option<String>,
    /// What staff wrote to the person.
    extension_reason: Option<String>,
    extended_respond_by: Option<String>,
    /// `yes` or `no` once answered.
    deadline_met: Option<String>,
    verification_required: String,
    verification_level: Option<String>,
    verification_method: Option<String>,
    signed_declaration_ref: Option<String>,
    agent_authority_type: Option<String>,
    appeal_of: Option<String>,
    days_to_substantive_response: Option<String>,
}

/// The §7101 records of a span of receipt.
#[derive(Serialize, ToSchema)]
pub(crate) struct RecordsBody {
    from: String,
    to: String,
    /// In order of receipt.
    records: Vec<RecordLine>,
}

/// The query string's parameters, each at most once and each one of `known`; a refusal
/// names a parameter only when it is one of the API's own, and never a value.
fn parameters(uri: &Uri, known: &[&'static str]) -> Result<Vec<(&'static str, String)>, AppError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|_| {
        AppError::Invalid(
            "the query could not be read; write it as name=value pairs joined by &".to_owned(),
        )
    })?;
    let mut found: Vec<(&'static str, String)> = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        let Some(&name) = known.iter().find(|k| **k == name) else {
            return Err(unknown_parameter(&name, known));
        };
        if found.iter().any(|(n, _)| *n == name) {
            return Err(AppError::Invalid(format!("`{name}` is given twice; give it once")));
        }
        found.push((name, value));
    }
    Ok(found)
}

fn parameter(found: &mut Vec<(&'static str, String)>, name: &str) -> Option<String> {
    let at = found.iter().position(|(n, _)| *n == name)?;
    Some(found.swap_remove(at).1)
}

fn bucket_id(bucket: MetricBucket) -> &'static str {
    match bucket {
        MetricBucket::Delete => "delete",
        MetricBucket::Correct => "correct",
        MetricBucket::Know => "know",
        MetricBucket::OptOut => "opt_out",
        MetricBucket::Limit => "limit",
    }
}

fn date(what: &str, text: &str) -> Result<Date, AppError> {
    text.parse().map_err(|_| AppError::Invalid(format!("`{what}` is not a date; write YYYY-MM-DD")))
}

async fn do_metrics(site: &Site, headers: &HeaderMap, uri: &Uri) -> Result<MetricsBody, AppError> {
    principal(site, headers, Scope::ReportsRead).await?;
    let mut found = parameters(uri, &["year"])?;
    let year = parameter(&mut found, "year")
        .ok_or_else(|| AppError::Invalid("give `year` (YYYY)".to_owned()))?;
    let q = MetricsQuery {
        year: year
            .trim()
            .parse()
            .map_err(|_| AppError::Invalid("`year` is not a year; write YYYY".to_owned()))?,
    };
    let metrics = site.app.metrics(q.year).await?;
    Ok(MetricsBody {
        year: metrics.year,
        buckets: metrics
            .buckets
            .iter()
            .map(|line| MetricLineBody {
                request_type: bucket_id(line.bucket),
                label: line.bucket.label(),
                received: line.received,
                complied: line.complied,
                denied: line.denied,
                denied_unverifiable: line.denied_unverifiable,
                denied_not_a_consumer: line.denied_not_a_consumer,
                denied_exempt: line.denied_exempt,
                denied_other: line.denied_other,
                responded: line.responded,
                median_days: line.median_days,
                mean_days: line.mean_days,
            })
            .collect(),
    })
}

async fn do_records(site: &Site, headers: &HeaderMap, uri: &Uri) -> Result<RecordsBody, AppError> {
    let who = principal(site, headers, Scope::ReportsRead).await?;
    let mut found = parameters(uri, &["from", "to"])?;
    let q = RecordsQuery {
        from: parameter(&mut found, "from")
            .ok_or_else(|| AppError::Invalid("give `from` (YYYY-MM-DD)".to_owned()))?,
        to: parameter(&mut found, "to"),
    };
    let from = date("from", &q.from)?;
    let to = match q.to.as_deref() {
        Some(text) => date("to", text)?,
        None => {
            let today =
                site.app.settings().calendars.local_date(ombud_core::Law::Ccpa, site.app.now());
            today.tomorrow().unwrap_or(today)
        }
    };
    let span = from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX);
    if span <= 0 || span > RECORD_SPAN_DAYS_MAX {
        return Err(AppError::Invalid(format!(
            "`to` must be after `from`, by at most {RECORD_SPAN_DAYS_MAX} days; ask for longer spans in parts"
        )));
    }
    // A week at a time: each week's rows become records and are let go before the next
    // is read, and a span with too many stops early.
    let mut records = Records::new(RECORD_ROWS_MAX);
    let mut since = from;
    while since < to {
        let until = since
            .checked_add(jiff::Span::new().days(RECORD_CHUNK_DAYS))
            .map_or(to, |day| day.min(to));
        let rows = site.app.request_records(since, until).await?;
        records.room_for(rows.len())?;
        let mut csv_bytes = Vec::new();
        site.app.write_records_csv(&rows, &mut csv_bytes)?;
        drop(rows);
        records.add_csv(&csv_bytes)?;
        since = until;
    }
    let records = records.lines;
    // The export holds extension reasons staff wrote: record who took it, as the CLI does.
    site.app
        .record_export(
            "report.requests",
            &json!({ "since": from.to_string(), "until": to.to_string(), "rows": records.len() }),
            &Actor::Api(who.id.to_string()),
        )
        .await?;
    Ok(RecordsBody { from: from.to_string(), to: to.to_string(), records })
}

/// The records of a span as they are read, a chunk at a time, up to a number of rows.
struct Records {
    rows_max: usize,
    lines: Vec<RecordLine>,
}

impl Records {
    fn new(rows_max: usize) -> Records {
        Records { rows_max, lines: Vec::new() }
    }

    /// Refuses a span with more rows than one answer holds.
    fn room_for(&self, more: usize) -> Result<(), AppError> {
        if self.lines.len().saturating_add(more) > self.rows_max {
            return Err(AppError::Invalid(format!(
                "more than {} requests were received in that span; ask for a shorter span (`from`, `to`) in parts",
                self.rows_max
            )));
        }
        Ok(())
    }

    /// The rows of one chunk, as `ombud report requests` writes them (with its header).
    fn add_csv(&mut self, csv_bytes: &[u8]) -> Result<(), AppError> {
        for line in csv::Reader::from_reader(csv_bytes).deserialize::<RecordLine>() {
            self.room_for(1)?;
            // A column the writer gained and this route does not know is a bug here,
            // said without the row's values.
            self.lines.push(line.map_err(|_| {
                AppError::Internal(
                    "the request records have a column the API does not know; update api/reports.rs"
                        .to_owned(),
                )
            })?);
        }
        Ok(())
    }
}

/// The §7102 figures of CCPA requests received in a year.
#[utoipa::path(
    get,
    path = "/v1/reports/metrics",
    tag = "reports",
    params(MetricsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One line per kind of request.", body = MetricsBody),
        (status = 400, description = "No year, or not one ombud can report.", body = ApiError),
        (status = 403, description = "No token with the `reports:read` scope.", body = ApiError),
    )
)]
pub(crate) async fn metrics(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer(&site, StatusCode::OK, do_metrics(&site, &headers, &uri).await)
}

/// The §7101 record of every request received in a span of days (the export is audited).
#[utoipa::path(
    get,
    path = "/v1/reports/records",
    tag = "reports",
    params(RecordsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The records, in order of receipt.", body = RecordsBody),
        (status = 400, description = "Bad dates, a span over 731 days, or one with more than 100,000 requests (ask for shorter spans).", body = ApiError),
        (status = 403, description = "No token with the `reports:read` scope.", body = ApiError),
    )
)]
pub(crate) async fn records(
    State(site): State<Arc<Site>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer(&site, StatusCode::OK, do_records(&site, &headers, &uri).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` records as the CSV writer lays them out, header first.
    fn csv_of(n: usize) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for at in 0..n {
            let day = || Some("2026-11-25".to_owned());
            writer
                .serialize(RecordLine {
                    request_id: format!("01KB{at:022}"),
                    law: "ccpa".to_owned(),
                    date_of_request: "2026-11-25".to_owned(),
                    received_at: "2026-11-25T17:00:00Z".to_owned(),
                    request_type: "access".to_owned(),
                    nature_of_request: "know_specific".to_owned(),
                    answered_as: None,
                    manner_of_request: "webform".to_owned(),
                    status: "received".to_owned(),
                    date_of_response: None,
                    nature_of_response: None,
                    denial_basis: None,
                    receipt_confirmation_sent_at: day(),
                    respond_by: "2027-01-11".to_owned(),
                    extension_notice_sent_at: None,
                    extension_reason: None,
                    extended_respond_by: None,
                    deadline_met: None,
                    verification_required: "reasonably_high".to_owned(),
                    verification_level: None,
                    verification_method: None,
                    signed_declaration_ref: None,
                    agent_authority_type: None,
                    appeal_of: None,
                    days_to_substantive_response: None,
                })
                .unwrap();
        }
        writer.into_inner().unwrap()
    }

    #[test]
    fn records_past_the_row_cap_are_refused_with_how_to_narrow_the_span() {
        let mut records = Records::new(5);
        records.add_csv(&csv_of(3)).unwrap();
        records.add_csv(&csv_of(2)).unwrap();
        assert_eq!(records.lines.len(), 5, "up to the cap, chunk after chunk");
        let Err(e) = records.add_csv(&csv_of(1)) else { panic!("a sixth row was taken") };
        assert!(e.to_string().contains("ask for a shorter span"), "{e}");
        // A chunk is refused before it is converted when its count alone is too many.
        let records = Records::new(5);
        assert!(records.room_for(6).is_err() && records.room_for(5).is_ok());
    }
}

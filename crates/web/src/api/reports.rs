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

use super::{ApiError, answer, principal, safe_message};
use crate::Site;

/// The widest span of receipt one records call covers: the 24 months the law asks to
/// keep, plus a day.
const RECORD_SPAN_DAYS_MAX: i32 = 731;

/// Which year.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct MetricsQuery {
    /// The calendar year (YYYY).
    year: i16,
}

/// Which days of receipt.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct RecordsQuery {
    /// The first day of receipt to include (YYYY-MM-DD).
    from: String,
    /// The day after the last to include (YYYY-MM-DD); tomorrow when absent. At most
    /// 731 days after `from`.
    #[serde(default)]
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

fn query<T: serde::de::DeserializeOwned>(uri: &Uri) -> Result<T, AppError> {
    Query::try_from_uri(uri).map(|Query(q)| q).map_err(|e| {
        AppError::Invalid(format!("the query is not what this call takes: {}", safe_message(&e)))
    })
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
    let q: MetricsQuery = query(uri)?;
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
    let q: RecordsQuery = query(uri)?;
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
    let rows = site.app.request_records(from, to).await?;
    let mut csv_bytes = Vec::new();
    site.app.write_records_csv(&rows, &mut csv_bytes)?;
    let mut records = Vec::with_capacity(rows.len());
    for line in csv::Reader::from_reader(csv_bytes.as_slice()).deserialize::<RecordLine>() {
        // A column the writer gained and this route does not know is a bug here, said
        // without the row's values.
        records.push(line.map_err(|_| {
            AppError::Internal(
                "the request records have a column the API does not know; update api/reports.rs"
                    .to_owned(),
            )
        })?);
    }
    // The export holds extension reasons staff wrote: record who took it, as the CLI does.
    site.app
        .record_export(
            "report.requests",
            &json!({ "since": from.to_string(), "until": to.to_string(), "rows": rows.len() }),
            &Actor::Api(who.id.to_string()),
        )
        .await?;
    Ok(RecordsBody { from: from.to_string(), to: to.to_string(), records })
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
        (status = 400, description = "Bad dates, or a span over 731 days.", body = ApiError),
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

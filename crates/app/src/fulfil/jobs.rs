//! Fulfilment as durable jobs: a verified request is queued as one job per side effect
//! — the access package, or the erasure of each system — so a crash, a restart or a
//! database that is down for an hour delays the work and never loses or repeats it
//! (issue 4 item 7; docs/jobs.md).
//!
//! Delivery is at least once; each handler is idempotent for its side effect: the
//! package job does nothing once the request is closed, and the erasure job settles an
//! earlier attempt through its receipt ([`App::erase_system`]).

use std::sync::Arc;

use ombud_core::RequestType;
use ombud_core::id::Id;
use ombud_core::request::{Event, Status};
use ombud_jobs::{BoxFuture, Handler, JobError};
use ombud_store::jobs::{ClaimedJob, NewJob};
use serde_json::json;

use crate::{Actor, App, AppError};

/// The job that builds a request's access package.
pub const PACKAGE_JOB: &str = "fulfil.package";
/// The job that erases a request's person in one system.
pub const ERASE_JOB: &str = "fulfil.erase";

fn payload_id(job: &ClaimedJob) -> Result<Id, JobError> {
    job.request_id.ok_or_else(|| JobError::permanent("job without a request"))
}

fn payload_system(job: &ClaimedJob) -> Result<String, JobError> {
    serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v.get("system").and_then(|s| s.as_str()).map(str::to_owned))
        .ok_or_else(|| JobError::permanent("erase job without a system"))
}

/// Maps a use-case error to a job outcome: unreachable systems and conflicts are worth
/// retrying; invalid input is not. The code is the error's text, which names systems
/// and tables, never values.
fn job_error(error: AppError) -> JobError {
    match error {
        AppError::Unavailable(m) | AppError::Conflict(m) => JobError::retryable(m),
        other => JobError::permanent(other.to_string()),
    }
}

impl App {
    /// Starts the fulfilment of a verified request: marks it in progress and queues its
    /// jobs, in one transaction (so a request is never in progress without its jobs).
    /// Returns how many jobs were queued (0 when they were queued before).
    pub async fn queue_fulfilment(&self, id: Id, actor: &Actor) -> Result<u32, AppError> {
        let systems = self.planned_systems()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut record = tx.request_for_update(id).await?;
        let jobs: Vec<NewJob> = match record.request.effective_type {
            RequestType::Access | RequestType::Know | RequestType::Portability => {
                vec![
                    NewJob::new(self.ids.id(now), PACKAGE_JOB, &format!("package/{id}"), "{}")
                        .map_err(|e| AppError::Internal(e.to_string()))?
                        .for_request(id),
                ]
            }
            RequestType::Delete => systems
                .iter()
                .map(|system| {
                    NewJob::new(
                        self.ids.id(now),
                        ERASE_JOB,
                        &format!("erase/{id}/{system}"),
                        &json!({ "system": system }).to_string(),
                    )
                    .map(|job| job.for_request(id))
                    .map_err(|e| AppError::Internal(e.to_string()))
                })
                .collect::<Result<_, _>>()?,
            other => {
                use ombud_core::Reference as _;
                return Err(AppError::Invalid(format!(
                    "a `{}` request is not fulfilled by jobs; corrections name their fields (`ombud fulfil --request ID --set …`)",
                    other.id()
                )));
            }
        };
        match record.request.status {
            Status::Verified => {
                self.apply(&mut tx, &mut record, Event::Started, actor, json!({}), now).await?;
            }
            Status::InProgress => {}
            Status::Received | Status::Verifying => {
                return Err(AppError::Invalid(format!(
                    "request {id} is not verified yet; verify it first"
                )));
            }
            _ => return Err(AppError::Conflict(format!("request {id} is closed"))),
        }
        let mut queued = 0;
        for job in &jobs {
            if tx.enqueue_job(job, now.as_millisecond()).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }
}

/// The handlers of the fulfilment jobs, over one app.
#[derive(Clone, Debug)]
pub struct FulfilmentJobs {
    app: App,
}

impl FulfilmentJobs {
    /// The handlers.
    pub fn handlers(app: &App) -> Vec<Arc<dyn Handler>> {
        vec![
            Arc::new(PackageHandler(FulfilmentJobs { app: app.clone() })),
            Arc::new(EraseHandler(FulfilmentJobs { app: app.clone() })),
        ]
    }
}

struct PackageHandler(FulfilmentJobs);
struct EraseHandler(FulfilmentJobs);

impl Handler for PackageHandler {
    fn kind(&self) -> &'static str {
        PACKAGE_JOB
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let id = payload_id(job)?;
            let app = &self.0.app;
            let status = {
                let mut tx = app.store().read().await.map_err(|e| job_error(e.into()))?;
                tx.request(id).await.map_err(|e| job_error(e.into()))?.request.status
            };
            // Built and completed by an earlier attempt: nothing to do.
            if !matches!(status, Status::Verified | Status::InProgress) {
                return Ok(());
            }
            app.build_package(id, &Actor::System).await.map(|_| ()).map_err(job_error)
        })
    }
}

impl Handler for EraseHandler {
    fn kind(&self) -> &'static str {
        ERASE_JOB
    }

    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let id = payload_id(job)?;
            let system = payload_system(job)?;
            let app = &self.0.app;
            app.erase_system(id, &system, &Actor::System).await.map_err(job_error)?;
            // The last system to finish completes the request; the others find it not
            // ready, and a repeat finds it completed.
            app.finish_erasure(id, &Actor::System).await.map_err(job_error)?;
            Ok(())
        })
    }
}

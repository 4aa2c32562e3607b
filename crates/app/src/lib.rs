//! ombud-app: the use cases of ombud — submitting a rights request, verifying the
//! person, extending, completing, denying, reporting — around the pure rules of
//! `ombud-core` and the store of `ombud-store`.
//!
//! **Invariants:** the time comes from the injected [`Clock`], ids and codes from the
//! injected [`IdSource`]; every change to a request goes through
//! `ombud_core::request::transition` and is written with its audit event and the
//! messages it causes in one transaction; a request is reported as received only after
//! that transaction commits; staff reads of personal data are audited.

pub mod assertion;
pub mod center;
pub mod choices;
pub mod clock;
mod error;
pub mod fulfil;
pub mod ids;
pub mod lookup;
pub mod mail;
pub mod notices;
pub mod notify;
pub mod reports;
pub mod requests;
pub mod settings;
pub mod staff;
pub mod tokens;

use std::sync::Arc;

use ombud_store::Store;

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::error::AppError;
pub use crate::ids::{IdSource, SequentialIds, SystemIds};
pub use crate::lookup::{LookupQuery, NoLookup, SubjectLookup};
pub use crate::settings::Settings;

/// Who acts: recorded on every audit event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// ombud itself (deliveries, scheduled work).
    System,
    /// The command line, run by an operator.
    Cli,
    /// A staff member, by id.
    Staff(String),
    /// The person the request is about (or their agent), through the privacy center.
    Subject,
    /// Another system of the company, through the API, by its token's id.
    Api(String),
}

impl Actor {
    /// The actor as the audit log writes it.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::System => "system".to_owned(),
            Actor::Api(token) => format!("api:{token}"),
            Actor::Cli => "cli".to_owned(),
            Actor::Staff(id) => format!("staff:{id}"),
            Actor::Subject => "subject".to_owned(),
        }
    }
}

/// The application: the store, the settings, and the injected clock, ids, lookup and
/// mail delivery.
#[derive(Clone)]
pub struct App {
    store: Store,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    lookup: Arc<dyn SubjectLookup>,
    templates: Arc<mail::Templates>,
    transport: Arc<mail::MailTransport>,
    /// One delivery pass at a time per process, so no message goes out twice.
    delivery: Arc<tokio::sync::Mutex<()>>,
    /// The company's databases, when fulfilment is configured.
    fulfilment: Option<Arc<fulfil::Fulfilment>>,
    /// The decision engine, when the program is loaded.
    choices: Option<Arc<choices::Engine>>,
    /// API tokens recently found in the store (`tokens.rs`).
    token_cache: Arc<tokens::TokenCache>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", self.store.url())
            .field("mail", &self.transport.describe())
            .finish_non_exhaustive()
    }
}

/// What an [`App`] is made of.
pub struct AppParts {
    /// The store.
    pub store: Store,
    /// The resolved settings.
    pub settings: Settings,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Ids and codes.
    pub ids: Arc<dyn IdSource>,
    /// The company's records, for data points.
    pub lookup: Arc<dyn SubjectLookup>,
    /// Message templates.
    pub templates: mail::Templates,
    /// Where messages go.
    pub transport: mail::MailTransport,
}

impl App {
    /// Assembles an app.
    pub fn new(parts: AppParts) -> App {
        App {
            store: parts.store,
            settings: Arc::new(parts.settings),
            clock: parts.clock,
            ids: parts.ids,
            lookup: parts.lookup,
            templates: Arc::new(parts.templates),
            transport: Arc::new(parts.transport),
            delivery: Arc::new(tokio::sync::Mutex::new(())),
            fulfilment: None,
            choices: None,
            token_cache: Arc::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}

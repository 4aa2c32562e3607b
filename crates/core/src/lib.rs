//! ombud-core: the domain vocabulary every other crate shares.
//!
//! It holds the reference data that comes from the law (REGULATIONS.md §h) as plain
//! Rust data — CCPA statutory categories, sensitive-PI kinds, deletion and erasure
//! exceptions, GDPR lawful bases, request types — the limits that every boundary
//! enforces ([`limits`]), and the pure rules of rights requests: the lifecycle
//! ([`request`]), statutory clocks over business-day calendars ([`clock`],
//! [`calendar`]), verification levels ([`verification`]) and the audit chain
//! ([`audit`]).
//!
//! **Invariant:** this crate does no I/O and never reads the clock: time is always a
//! parameter, so the same input always gives the same output.
#![warn(missing_docs)]

pub mod audit;
pub mod calendar;
pub mod clock;
pub mod id;
pub mod limits;
pub mod reference;
pub mod request;
pub mod schema;
pub mod sensitive;
pub mod verification;

pub use reference::{
    AgentProof, BusinessPurpose, CcpaCategory, CcpaDeletionException, ChannelKind, Engine,
    ErasureStrategy, GdprErasureException, GdprLawfulBasis, GdprSpecialCategory, IdentityKind, Law,
    RecipientRole, Reference, RequestType, RetentionReason, SensitiveKind, SignalStance,
    SystemRole, VerificationMethod,
};

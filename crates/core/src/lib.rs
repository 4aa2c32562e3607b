//! ombud-core: the domain vocabulary every other crate shares.
//!
//! It holds the reference data that comes from the law (REGULATIONS.md §h) as plain
//! Rust data — CCPA statutory categories, sensitive-PI kinds, deletion and erasure
//! exceptions, GDPR lawful bases, request types — and the limits that every boundary
//! enforces ([`limits`]).
//!
//! **Invariant:** this crate does no I/O, never reads the clock and has no dependencies,
//! so the same input always gives the same output.
#![warn(missing_docs)]

pub mod limits;
pub mod reference;

pub use reference::{
    AgentProof, BusinessPurpose, CcpaCategory, CcpaDeletionException, ChannelKind, Engine,
    ErasureStrategy, GdprErasureException, GdprLawfulBasis, GdprSpecialCategory, IdentityKind, Law,
    RecipientRole, Reference, RequestType, RetentionReason, SensitiveKind, SignalStance,
    SystemRole, VerificationMethod,
};

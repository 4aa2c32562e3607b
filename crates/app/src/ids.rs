//! Identifiers and secrets, injected: [`SystemIds`] draws from the operating system's
//! random source; [`SequentialIds`] makes the same ids and codes on every run, for tests
//! and snapshots.

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use ombud_core::id::Id;

/// Where ids and verification codes come from.
pub trait IdSource: Send + Sync {
    /// A new id, made at `now`.
    fn id(&self, now: Timestamp) -> Id;
    /// A new six-digit verification code, or `None` when no secure randomness is
    /// available (a predictable code is worse than none).
    fn code(&self) -> Option<String>;
}

/// Ids and codes from the operating system's random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemIds;

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // getrandom fails only when the OS has no entropy source at all; a zero draw then
    // still yields a unique id from the time part plus the process-wide counter below.
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

impl IdSource for SystemIds {
    fn id(&self, now: Timestamp) -> Id {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let random = (u128::from(random_u64()) << 64)
            | u128::from(random_u64() ^ COUNTER.fetch_add(1, Ordering::Relaxed));
        Id::from_parts(u64::try_from(now.as_millisecond()).unwrap_or(0), random)
    }

    fn code(&self) -> Option<String> {
        // Rejection sampling keeps all million codes equally likely.
        const RANGE: u64 = 1_000_000;
        let zone = u64::MAX - (u64::MAX % RANGE);
        loop {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).ok()?;
            let draw = u64::from_le_bytes(bytes);
            if draw < zone {
                return Some(format!("{:06}", draw % RANGE));
            }
        }
    }
}

/// Ids whose random part is a counter, and codes derived from it: stable across runs.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    /// Starts at 1.
    pub fn new() -> SequentialIds {
        SequentialIds { next: AtomicU64::new(1) }
    }
}

impl IdSource for SequentialIds {
    fn id(&self, now: Timestamp) -> Id {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Id::from_parts(u64::try_from(now.as_millisecond()).unwrap_or(0), u128::from(n))
    }

    fn code(&self) -> Option<String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Some(format!("{:06}", (n * 271_829) % 1_000_000))
    }
}

//! Rate limits on the public endpoints (everything but the token-authenticated API):
//! per client address, per minute, a budget for page views and a smaller one for form
//! posts (opt-outs, unsubscribes). The time is the app's injected clock.
//!
//! The table of addresses is bounded: past `ADDRESSES_MAX` it drops every address of
//! an earlier minute, and if that is not enough it refuses new addresses for the rest
//! of the minute (a flood of spoofed sources must not grow memory without bound).
//! Behind a reverse proxy every request comes from the proxy's address; the limits are
//! then per proxy, and the proxy should enforce its own.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Site;

/// Page views per address per minute.
pub const READS_PER_MINUTE: u32 = 300;
/// Form posts per address per minute.
pub const WRITES_PER_MINUTE: u32 = 20;
/// Addresses remembered at once.
const ADDRESSES_MAX: usize = 100_000;

/// The counters of the current minute.
pub struct Limits {
    counts: Mutex<HashMap<(IpAddr, bool), (i64, u32)>>,
    reads_per_minute: u32,
    writes_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new(READS_PER_MINUTE, WRITES_PER_MINUTE)
    }
}

impl Limits {
    /// Budgets per address and minute; 0 turns that budget off (for a load benchmark on
    /// loopback, or behind a proxy that enforces its own limits).
    pub fn new(reads_per_minute: u32, writes_per_minute: u32) -> Limits {
        Limits { counts: Mutex::default(), reads_per_minute, writes_per_minute }
    }

    /// Counts one request; `false` when it is over its budget.
    pub fn allow(&self, ip: IpAddr, write: bool, now_s: i64) -> bool {
        let minute = now_s.div_euclid(60);
        let budget = if write { self.writes_per_minute } else { self.reads_per_minute };
        if budget == 0 {
            return true;
        }
        let mut counts = match self.counts.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if counts.len() >= ADDRESSES_MAX && !counts.contains_key(&(ip, write)) {
            counts.retain(|_, (at, _)| *at == minute);
            if counts.len() >= ADDRESSES_MAX {
                return false;
            }
        }
        let entry = counts.entry((ip, write)).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= budget
    }
}

/// The middleware: 429 with `Retry-After` when the client is over its budget.
pub(crate) async fn limit(State(site): State<Arc<Site>>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip());
    let write = request.method() != Method::GET && request.method() != Method::HEAD;
    if site.limits.allow(ip, write, site.app.now().as_second()) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests from this address; try again in a minute.\n",
    )
        .into_response();
    response.headers_mut().insert("retry-after", HeaderValue::from_static("60"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_budget_per_minute() {
        let limits = Limits::default();
        let (a, b) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        for _ in 0..WRITES_PER_MINUTE {
            assert!(limits.allow(a, true, 120));
        }
        assert!(!limits.allow(a, true, 179), "over budget in the same minute");
        assert!(limits.allow(a, false, 179), "reads have their own budget");
        assert!(limits.allow(b, true, 179), "another address is not affected");
        assert!(limits.allow(a, true, 180), "a new minute, a new budget");
    }

    #[test]
    fn a_budget_of_zero_is_off_and_the_other_stays() {
        let limits = Limits::new(0, 1);
        let a = IpAddr::from([192, 0, 2, 1]);
        for _ in 0..10 * READS_PER_MINUTE {
            assert!(limits.allow(a, false, 60));
        }
        assert!(limits.allow(a, true, 60));
        assert!(!limits.allow(a, true, 61));
    }
}

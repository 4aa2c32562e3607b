//! Matching data points against what the company holds goes through [`SubjectLookup`]:
//! the fulfilment work implements it over the company's own databases (following the
//! manifest's identity columns); tests implement it over a fixture table.
//!
//! The interface returns the values held, and the pure `ombud_core::verification::
//! match_points` compares them, so normalization and constant-time comparison are the
//! same whatever system answers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use ombud_core::sensitive::Sensitive;
use ombud_core::verification::HeldPoint;

/// How the person is identified when their records are looked up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LookupQuery {
    /// Their email address.
    pub email: Option<Sensitive<String>>,
    /// Their phone number.
    pub phone: Option<Sensitive<String>>,
    /// Their account id.
    pub account_id: Option<Sensitive<String>>,
}

/// Why a lookup failed (a system unreachable, a query refused). Never a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupError(pub String);

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LookupError {}

/// A boxed future, so lookups can be trait objects.
pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<HeldPoint>, LookupError>> + Send + 'a>>;

/// The company's records, as verification sees them.
pub trait SubjectLookup: Send + Sync {
    /// The values held for the person `query` identifies, for each of `kinds` the
    /// company holds anything of (the kind `email` returns the addresses on file);
    /// nothing when the person is not found.
    fn held<'a>(&'a self, query: &'a LookupQuery, kinds: &'a [String]) -> LookupFuture<'a>;

    /// Whether a system is connected at all. Without one, nothing can be matched and
    /// ombud says so instead of recording mismatches.
    fn connected(&self) -> bool {
        true
    }
}

impl LookupQuery {
    /// How the person is looked up: by the one identifier the answer goes to — the
    /// email address when there is one — and never by several at once, so that giving
    /// one's own address and someone else's phone number cannot match the other
    /// person's records.
    pub fn for_subject(
        email: Option<&str>,
        phone: Option<&str>,
        account_id: Option<&str>,
    ) -> LookupQuery {
        let own = |value: Option<&str>| value.map(|v| Sensitive::new(v.to_owned()));
        match (email, phone, account_id) {
            (Some(email), _, _) => {
                LookupQuery { email: own(Some(email)), ..LookupQuery::default() }
            }
            (None, Some(phone), _) => {
                LookupQuery { phone: own(Some(phone)), ..LookupQuery::default() }
            }
            (None, None, account) => {
                LookupQuery { account_id: own(account), ..LookupQuery::default() }
            }
        }
    }
}

/// No system connected: nothing is held, so data points never match and staff attest
/// verification by other means (`ombud request verify --attest`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLookup;

impl SubjectLookup for NoLookup {
    fn held<'a>(&'a self, _query: &'a LookupQuery, _kinds: &'a [String]) -> LookupFuture<'a> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn connected(&self) -> bool {
        false
    }
}

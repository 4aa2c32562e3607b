//! Requests to store: built through the real lifecycle (`ombud_core::request::submit`),
//! with fictional people at example.com.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ombud_core::calendar::{BusinessCalendar, HolidayCalendar};
use ombud_core::clock::{Calendars, LawCalendar};
use ombud_core::id::Id;
use ombud_core::request::{self, Submission};
use ombud_core::verification::Evidence;
use ombud_core::{ChannelKind, Law, RequestType};
use ombud_store::requests::{AgentContact, RequestRecord, Subject};

pub(crate) fn calendars() -> Calendars {
    let us = ["us-federal", "us-ca"].iter().filter_map(|id| HolidayCalendar::builtin(id)).collect();
    Calendars {
        us: LawCalendar {
            timezone: TimeZone::get("America/Los_Angeles").unwrap(),
            business: BusinessCalendar::new(us),
        },
        eu: LawCalendar { timezone: TimeZone::UTC, business: BusinessCalendar::weekends_only() },
    }
}

pub(crate) fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

pub(crate) fn record(
    n: u128,
    law: Law,
    request_type: RequestType,
    received: &str,
) -> RequestRecord {
    let (request, _) = request::submit(
        Submission {
            id: Id::from_parts(u64::try_from(at(received).as_millisecond()).unwrap(), n),
            request_type,
            law,
            channel: ChannelKind::WebForm,
            designated_channel: true,
            high_risk: false,
            received_at: at(received),
            agent: None,
            appeal_of: None,
        },
        &calendars(),
    )
    .unwrap();
    RequestRecord {
        request,
        evidence: Evidence::default(),
        verification_method: None,
        code_sends: 0,
        point_attempts: 0,
        version: 1,
        created_at_ms: at(received).as_millisecond(),
        updated_at_ms: at(received).as_millisecond(),
    }
}

pub(crate) fn subject(email: &str) -> Subject {
    Subject {
        name: Some("Ada Example".to_owned()),
        email: Some(email.to_owned()),
        phone: Some("+1 (877) 555-0142".to_owned()),
        postal_address: Some("1 Sample Street, Example City".to_owned()),
        account_id: Some("acct-42".to_owned()),
        details: Some("Everything you hold about me".to_owned()),
        correcting: vec![],
        agent: Some(AgentContact {
            name: Some("Agent Example LLC".to_owned()),
            email: Some("agent@example.com".to_owned()),
        }),
    }
}

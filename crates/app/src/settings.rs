//! What the request workflow needs to know about the program, resolved once: the
//! organization as emails name it, the calendars of each law, the data points a person
//! may verify with, which requests carry a high risk, where the privacy center is.

use std::path::Path;

use jiff::tz::TimeZone;
use ombud_core::calendar::{BusinessCalendar, HolidayCalendar};
use ombud_core::clock::{Calendars, LawCalendar};
use ombud_core::{ChannelKind, RequestType, VerificationMethod};
use ombud_program::Program;

use crate::AppError;
use crate::assertion::AccountKey;

/// The organization, as messages name it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Organization {
    /// Name.
    pub name: String,
    /// Privacy contact email.
    pub contact_email: Option<String>,
    /// Privacy contact phone.
    pub contact_phone: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// The supervisory authority (GDPR Art 12(4)): name and website.
    pub supervisory_authority: Option<(String, Option<String>)>,
}

/// Resolved settings of the request workflow.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The organization.
    pub organization: Organization,
    /// The calendars of each law.
    pub calendars: Calendars,
    /// Data points a person may verify with: `(id, what the person is asked)`.
    pub data_points: Vec<(String, String)>,
    /// Request types that need the reasonably-high level.
    pub high_risk: Vec<RequestType>,
    /// Channel kinds the program designates for requests.
    pub designated_channels: Vec<ChannelKind>,
    /// Verification methods the program offers per right.
    pub verification: Vec<(RequestType, Vec<VerificationMethod>)>,
    /// The privacy center's address, for links in messages.
    pub privacy_center: Option<String>,
    /// The From address of messages.
    pub email_from: String,
    /// The key that checks account assertions, if the company's login issues them.
    pub account_key: Option<AccountKey>,
}

impl Settings {
    /// Resolves the settings of `program`. Holiday calendars that are not built in are
    /// read from `<calendar_dir>/<id>.cal`.
    pub fn from_program(
        program: &Program,
        calendar_dir: Option<&Path>,
        account_key: Option<AccountKey>,
    ) -> Result<Settings, AppError> {
        let requests = &program.requests;
        let organization = Organization {
            name: program.organization.name.clone(),
            contact_email: program.organization.contact.email.clone(),
            contact_phone: program.organization.contact.phone.clone(),
            website: program.organization.website.clone(),
            supervisory_authority: program
                .organization
                .supervisory_authority
                .as_ref()
                .map(|a| (a.name.clone(), a.url.clone())),
        };
        let calendars = Calendars {
            us: law_calendar(&requests.timezone, &requests.holidays, calendar_dir)?,
            eu: law_calendar(&requests.gdpr_timezone, &requests.gdpr_holidays, calendar_dir)?,
        };
        let email_from = requests
            .email_from
            .clone()
            .or_else(|| organization.contact_email.clone())
            .ok_or_else(|| AppError::Invalid("the program names no sender for request emails; set requests.email_from or organization.contact.email".to_owned()))?;
        Ok(Settings {
            organization,
            calendars,
            data_points: requests
                .data_points
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect(),
            high_risk: requests.high_risk.clone(),
            designated_channels: program.channels.iter().map(|c| c.kind).collect(),
            verification: program
                .rights
                .iter()
                .map(|r| (r.right, r.verification.clone()))
                .collect(),
            privacy_center: requests.privacy_center.clone(),
            email_from,
            account_key,
        })
    }

    /// Settings for tests and benchmarks: US and EU calendars with built-in holidays
    /// only, two data points, an example organization.
    pub fn example() -> Settings {
        let us_holidays =
            ["us-federal", "us-ca"].iter().filter_map(|id| HolidayCalendar::builtin(id)).collect();
        Settings {
            organization: Organization {
                name: "Example Instruments Inc.".to_owned(),
                contact_email: Some("privacy@instruments.example".to_owned()),
                contact_phone: Some("+1-800-555-0100".to_owned()),
                website: Some("https://instruments.example".to_owned()),
                supervisory_authority: Some((
                    "Data Protection Commission".to_owned(),
                    Some("https://dpc.example".to_owned()),
                )),
            },
            calendars: Calendars {
                us: LawCalendar {
                    timezone: TimeZone::get("America/Los_Angeles").unwrap_or(TimeZone::UTC),
                    business: BusinessCalendar::new(us_holidays),
                },
                eu: LawCalendar {
                    timezone: TimeZone::UTC,
                    business: BusinessCalendar::weekends_only(),
                },
            },
            data_points: vec![
                ("postal_code".to_owned(), "The postal code on your account".to_owned()),
                ("last_order_total".to_owned(), "The amount of your most recent order".to_owned()),
                ("phone".to_owned(), "Your phone number".to_owned()),
            ],
            high_risk: Vec::new(),
            designated_channels: vec![
                ChannelKind::WebForm,
                ChannelKind::Email,
                ChannelKind::TollFreePhone,
            ],
            verification: Vec::new(),
            privacy_center: Some("https://instruments.example/privacy".to_owned()),
            email_from: "privacy@instruments.example".to_owned(),
            account_key: None,
        }
    }

    /// Whether the program offers `method` for `request_type` (when it says nothing
    /// about the right, every method is available).
    pub fn offers(&self, request_type: RequestType, method: VerificationMethod) -> bool {
        let mut declared = self.verification.iter().filter(|(t, _)| *t == request_type).peekable();
        if declared.peek().is_none() {
            return true;
        }
        declared.any(|(_, methods)| methods.is_empty() || methods.contains(&method))
    }
}

fn law_calendar(
    timezone: &str,
    holidays: &[String],
    calendar_dir: Option<&Path>,
) -> Result<LawCalendar, AppError> {
    let timezone = TimeZone::get(timezone).map_err(|_| {
        AppError::Invalid(format!("`{timezone}` is not a time zone of the IANA database; write a name such as America/Los_Angeles"))
    })?;
    let mut calendars = Vec::with_capacity(holidays.len());
    for id in holidays {
        calendars.push(holiday_calendar(id, calendar_dir)?);
    }
    Ok(LawCalendar { timezone, business: BusinessCalendar::new(calendars) })
}

/// A built-in calendar, or the file `<dir>/<id>.cal`.
pub fn holiday_calendar(
    id: &str,
    calendar_dir: Option<&Path>,
) -> Result<HolidayCalendar, AppError> {
    if let Some(calendar) = HolidayCalendar::builtin(id) {
        return Ok(calendar);
    }
    let builtins = HolidayCalendar::builtin_ids().join(", ");
    let Some(dir) = calendar_dir else {
        return Err(AppError::Invalid(format!(
            "holiday calendar `{id}` is not built in ({builtins}) and no calendar directory was given (--calendars DIR)"
        )));
    };
    if !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || id.is_empty()
    {
        return Err(AppError::Invalid(format!(
            "holiday calendar ids are lowercase letters, digits and `-`; `{id}` is not"
        )));
    }
    let path = dir.join(format!("{id}.cal"));
    let limit = u64::try_from(ombud_core::calendar::CALENDAR_BYTES_MAX).unwrap_or(u64::MAX);
    let text = match std::fs::metadata(&path) {
        Ok(meta) if meta.len() > limit => {
            return Err(AppError::Invalid(format!(
                "{} is larger than {limit} bytes",
                path.display()
            )));
        }
        Ok(_) => std::fs::read_to_string(&path)
            .map_err(|e| AppError::Invalid(format!("cannot read {}: {e}", path.display())))?,
        Err(_) => {
            return Err(AppError::Invalid(format!(
                "holiday calendar `{id}` is not built in ({builtins}) and {} does not exist",
                path.display()
            )));
        }
    };
    let calendar = HolidayCalendar::parse(&text)
        .map_err(|e| AppError::Invalid(format!("{}: {e}", path.display())))?;
    if calendar.id() != id {
        return Err(AppError::Invalid(format!(
            "{} declares the id `{}`; rename the file or the id so they agree",
            path.display(),
            calendar.id()
        )));
    }
    Ok(calendar)
}

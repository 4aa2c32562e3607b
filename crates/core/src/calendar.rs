//! Holiday calendars and business-day arithmetic (being written).

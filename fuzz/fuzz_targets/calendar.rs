//! Fuzz target: hostile text where ombud reads it outside the manifest — holiday
//! calendar files a company adds, request ids people retype, identifiers and data
//! points people type. None may panic; a parsed calendar must give sorted holidays in
//! their year, and counting business days must land on a business day after the start.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ombud_core::IdentityKind;
use ombud_core::Reference as _;
use ombud_core::calendar::{BusinessCalendar, Date, HolidayCalendar};
use ombud_core::id::Id;
use ombud_core::sensitive::{normalize_data_point, normalize_identity};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let _ = Id::parse(text);
    for kind in IdentityKind::all() {
        if let Ok(canonical) = normalize_identity(*kind, text) {
            // Normalizing is idempotent: the canonical form is its own canonical form.
            assert_eq!(normalize_identity(*kind, &canonical).as_deref(), Ok(canonical.as_str()));
        }
    }
    let _ = normalize_data_point(text);
    let Ok(calendar) = HolidayCalendar::parse(text) else { return };
    for year in [1900, 2024, 2026, 2030, 2199] {
        let holidays = calendar.holidays(year);
        assert!(holidays.windows(2).all(|pair| pair[0].date <= pair[1].date));
        assert!(holidays.iter().all(|holiday| holiday.date.year() == year));
    }
    let business = BusinessCalendar::new(vec![calendar]);
    let start = Date::constant(2026, 11, 25);
    let due = business.add_business_days(start, 15);
    assert!(due > start && business.is_business_day(due));
});

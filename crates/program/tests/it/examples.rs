//! Tests: the example programs in `examples/` pass `ombud check`, their notices keep
//! every promise of the seed notice they are modelled on, and the notices are snapshot.
//!
//! The phrase lists below were written by hand from the seeds in `shared/seeds/`: each
//! is what a reader of the seed would look for in our notice (a category, a kind of
//! recipient, a right, a channel). They are matched case-insensitively against the
//! rendered notice with its Markdown markup removed.

use expect_test::{ExpectFile, expect_file};
use ombud_program::notice::{Format, NoticeLaw, render};
use ombud_program::{CheckOptions, Date, Program, check_text};

const INSTRUMENTS: &str = include_str!("../../../../examples/instruments.yaml");
const EVENTS: &str = include_str!("../../../../examples/events.yaml");
const SAAS: &str = include_str!("../../../../examples/saas.yaml");
const SHOP: &str = include_str!("../../../../examples/shop.yaml");

const EXAMPLES: &[(&str, &str)] = &[
    ("examples/instruments.yaml", INSTRUMENTS),
    ("examples/events.yaml", EVENTS),
    ("examples/saas.yaml", SAAS),
    ("examples/shop.yaml", SHOP),
];

fn options() -> CheckOptions {
    CheckOptions { today: Date::parse("2026-11-22") }
}

/// The program of an example, which must have no errors.
fn program(text: &str) -> Program {
    let checked = check_text(text, &options());
    let rendered: Vec<String> = checked.diagnostics.iter().map(|d| d.render("example")).collect();
    assert!(!checked.has_errors(), "{}", rendered.join("\n"));
    checked.program.expect("a program without errors")
}

/// The notice as a reader sees it: Markdown escapes and emphasis removed, whitespace
/// collapsed, lowercase.
fn readable(program: &Program, law: NoticeLaw) -> String {
    let markdown = render(program, law, Format::Markdown);
    markdown
        .replace(['\\', '*'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Asserts that the notice contains every phrase, listing all that are missing.
fn assert_names(notice: &str, what: &str, phrases: &[&str]) {
    let missing: Vec<&str> =
        phrases.iter().copied().filter(|p| !notice.contains(&p.to_lowercase())).collect();
    assert!(missing.is_empty(), "the notice does not name these {what} of the seed: {missing:?}");
}

#[test]
fn every_example_passes_check_without_errors() {
    let mut failures = Vec::new();
    for (file, text) in EXAMPLES {
        let checked = check_text(text, &options());
        for diagnostic in &checked.diagnostics {
            println!("{}", diagnostic.render(file));
        }
        if checked.has_errors() || checked.program.is_none() {
            failures.push(*file);
        }
    }
    assert!(failures.is_empty(), "examples with errors (diagnostics above): {failures:?}");
}

// ---------------------------------------------------------------------------------
// Seed 000: an instruments maker's CCPA supplement.
// ---------------------------------------------------------------------------------

#[test]
fn instruments_notice_names_what_seed_000_names() {
    let notice = readable(&program(INSTRUMENTS), NoticeLaw::Ccpa);
    assert_names(&notice, "categories", SEED_000_CATEGORIES);
    assert_names(&notice, "recipients", SEED_000_RECIPIENTS);
    assert_names(&notice, "rights and promises", SEED_000_RIGHTS);
}

/// Seed 000 lists identifiers (contact, professional and online), professional data,
/// commercial information (product experience, procurement, support, interests,
/// training and certification results, forum and event registrations), audio and
/// video, financial and investor data, network and device activity, geolocation,
/// account login credentials, other linked information and inferences.
const SEED_000_CATEGORIES: &[&str] = &[
    "(A) Identifiers",
    "name, email address, postal address, telephone number",
    "IP address",
    "account number",
    "(I) Professional or employment-related information",
    "job title",
    "(D) Commercial information",
    "purchase orders and point-of-sale records",
    "service and support cases",
    "product interests",
    "training and certification records",
    "exam scores",
    "forum and event registrations",
    "(H) Audio, electronic, visual",
    "recordings of meetings and calls",
    "photograph",
    "payment",
    "shareholder",
    "(F) Internet or other electronic network activity information",
    "cookie data",
    "device type",
    "browsing information and metadata",
    "(G) Geolocation data",
    "account login credentials",
    "other information linked to you",
    "(K) Inferences",
];

/// Seed 000's table of recipients.
const SEED_000_RECIPIENTS: &[&str] = &[
    "our affiliates",
    "our customers",
    "resellers",
    "event providers",
    "payment processors",
    "marketing and advertising providers",
    "testing providers",
    "analytics providers",
    "data storage, backup and crm providers",
    "subcontractors",
    "joint marketing partners",
    "security researchers",
    "computer emergency response teams",
    "employers and others verifying a certification",
    "dispute resolution",
    "arbitrators",
    "opposing parties",
    "corporate transaction",
    "government",
];

/// Seed 000's sale and sharing, rights, verification, minors and sensitive-data
/// statements, and how to reach the business.
const SEED_000_RIGHTS: &[&str] = &[
    "we sell and share some personal information",
    "(sold and shared)",
    "right to know",
    "the categories, where we got it, why we collected, sold or shared it",
    "copy of the specific pieces",
    "right to delete",
    "right to correct",
    "right to opt out of the sale or sharing",
    "do not sell or share my personal information",
    "we will not discriminate",
    "under 16",
    "signing in to your account",
    "matching information you give with what we hold",
    "answering a message we send to your email address",
    "privacy@instruments.example",
    "without offering a right to limit",
    // Requests about data processed for a customer go to that customer.
    "on behalf of our business customers",
];

// ---------------------------------------------------------------------------------
// Seed 001: an events organizer's California notice.
// ---------------------------------------------------------------------------------

#[test]
fn events_notice_names_what_seed_001_names() {
    let notice = readable(&program(EVENTS), NoticeLaw::Ccpa);
    assert_names(&notice, "categories", SEED_001_CATEGORIES);
    assert_names(&notice, "sources", SEED_001_SOURCES);
    assert_names(&notice, "recipients", SEED_001_RECIPIENTS);
    assert_names(&notice, "rights and promises", SEED_001_RIGHTS);
}

/// Seed 001 lists identifiers, commercial information (including the card used to
/// pay), internet activity in detail, and geolocation (location history or movement);
/// the job title and company it sells are professional information.
const SEED_001_CATEGORIES: &[&str] = &[
    "(A) Identifiers",
    "name, alias, postal address",
    "account name",
    "IP address",
    "(D) Commercial information",
    "passes and tickets bought",
    "enquiries",
    "card type",
    "(F) Internet or other electronic network activity information",
    "browser type and version",
    "plug-ins",
    "time zone",
    "operating system and platform",
    "download errors",
    "scroll, click and hover",
    "how you leave a page",
    "(G) Geolocation data",
    "location history",
    "(I) Professional or employment-related information",
    "job title",
];

/// Seed 001's sources: the person (browsing, forms, phone), public sources, registered
/// data brokers and research contractors.
const SEED_001_SOURCES: &[&str] = &[
    "directly from you",
    "registration or content-download form",
    "by phone",
    "publicly available sources",
    "data brokers registered with the california data broker registry",
    "research contractors",
    "telephone and internet research",
];

/// Seed 001's recipients: service providers and contractors, sponsors (a sale), and
/// other attendees (speakers' details).
const SEED_001_RECIPIENTS: &[&str] = &[
    "service providers",
    "contractor",
    "event and content sponsors (sold)",
    "other attendees",
    "speakers",
];

/// Seed 001's rights, deletion behaviour, channels, verification and agents.
const SEED_001_RIGHTS: &[&str] = &[
    "we sell some personal information",
    "right to know",
    "copy of the specific pieces",
    "right to delete",
    "tell our service providers",
    "backups",
    "right to correct",
    "right to limit the use of your sensitive personal information",
    "right to opt out of the sale or sharing",
    "do not sell or share my personal information",
    "we will not discriminate",
    "shine the light",
    "toll-free telephone",
    "+1-877-555-0142",
    "privacy request portal",
    "dpo@events.example",
    "matching information you give with what we hold",
    "answering a message we send to your email address",
    "authorized agent",
    "your signed permission",
    "power of attorney",
    "under 16",
];

// ---------------------------------------------------------------------------------
// Seed 002: a project-management SaaS under GDPR and CalOPPA.
// ---------------------------------------------------------------------------------

// The program declares `gdpr` and `caloppa`, not `ccpa` (the seed is a GDPR and CalOPPA
// policy), so its notice is the GDPR one, which must also carry the CalOPPA items.
#[test]
fn saas_gdpr_notice_names_what_seed_002_names() {
    let notice = readable(&program(SAAS), NoticeLaw::Gdpr);
    assert_names(&notice, "categories", SEED_002_CATEGORIES);
    assert_names(&notice, "recipients", SEED_002_RECIPIENTS);
    assert_names(&notice, "rights and promises", SEED_002_RIGHTS);
    assert_names(&notice, "CalOPPA items", SEED_002_CALOPPA);
}

/// Seed 002 collects contact information, visit details (traffic data, geolocation,
/// logs, referring site, search engine and keywords), computer and connection details
/// (IP address, operating system, browser type), activity across other sites, and
/// preferences.
const SEED_002_CATEGORIES: &[&str] = &[
    "contact details",
    "name, email address, mailing address, telephone number",
    "traffic data and logs",
    "the website you came from",
    "search engine and keywords",
    "location",
    "IP address, operating system, browser type",
    "on other websites",
    "preferences",
    "cookies",
];

/// Seed 002's recipients: hosting and other providers that help run the service,
/// analytics providers (which may use the data for themselves), providers that help
/// debug errors, those the law requires, and parties to a merger or bankruptcy.
const SEED_002_RECIPIENTS: &[&str] = &[
    "hosting",
    "analytics providers",
    "separate controller",
    "errors",
    "law enforcement",
    "merger, acquisition, liquidation or bankruptcy",
];

/// Seed 002's lawful bases, GDPR rights, newsletter, minors and signals statements, and
/// its statement that contact information must be given to use certain services and to
/// receive the newsletter (GDPR Art 13(2)(e), R-268).
const SEED_002_RIGHTS: &[&str] = &[
    "you must give us your contact information to use certain of our services",
    "to receive our newsletter",
    "your consent",
    "our legitimate interests",
    "performance of a contract",
    "compliance with a legal obligation",
    "right to access",
    "right to correct",
    "right to restrict processing",
    "right to complain",
    "supervisory authority",
    "withdraw your consent",
    "right to delete",
    "backups",
    "newsletter",
    "unsubscribe",
    "under 13",
    "do not track",
];

/// The seed's CalOPPA and Shine the Light statements, which the
/// GDPR notice must carry because this program declares `caloppa` and not `ccpa`: that
/// this is the CalOPPA policy, its effective date, how changes are announced, how to
/// review and change information, the response to Do Not Track, whether other parties
/// track people across sites over time, and the Shine the Light alternative.
const SEED_002_CALOPPA: &[&str] = &[
    "california online privacy protection act",
    "effective and last updated",
    "material change",
    "right to correct",
    "do not track",
    "over time and across different websites",
    "shine the light",
    "we do not give personal information to other companies or affiliates for their own direct marketing",
];

// ---------------------------------------------------------------------------------
// Snapshots: each example, for each notice law it declares, in each format.
// Regenerate with `UPDATE_EXPECT=1 cargo test -p ombud-program --test it examples`,
// then read the diff as the company's customer would.
// ---------------------------------------------------------------------------------

fn snapshot(text: &str, law: NoticeLaw, format: Format, expected: ExpectFile) {
    expected.assert_eq(&render(&program(text), law, format));
}

#[test]
fn instruments_notice_snapshots() {
    use Format::*;
    snapshot(
        INSTRUMENTS,
        NoticeLaw::Ccpa,
        Markdown,
        expect_file!["snapshots/example_instruments_ccpa.md"],
    );
    snapshot(
        INSTRUMENTS,
        NoticeLaw::Ccpa,
        Html,
        expect_file!["snapshots/example_instruments_ccpa.html"],
    );
}

#[test]
fn events_notice_snapshots() {
    use Format::*;
    snapshot(EVENTS, NoticeLaw::Ccpa, Markdown, expect_file!["snapshots/example_events_ccpa.md"]);
    snapshot(EVENTS, NoticeLaw::Ccpa, Html, expect_file!["snapshots/example_events_ccpa.html"]);
}

#[test]
fn saas_notice_snapshots() {
    use Format::*;
    snapshot(SAAS, NoticeLaw::Gdpr, Markdown, expect_file!["snapshots/example_saas_gdpr.md"]);
    snapshot(SAAS, NoticeLaw::Gdpr, Html, expect_file!["snapshots/example_saas_gdpr.html"]);
}

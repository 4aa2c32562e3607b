//! The `requests:` block: what a program without it gets, and how a full one is lowered.
//! Its validation errors are snapshot-tested in `diagnostics`, its lint (L036) in `lints`.

use expect_test::expect;
use ombud_core::RequestType;
use ombud_program::model::{DataPoint, RequestSettings};
use ombud_program::{CheckOptions, Program, Span, check_text};

const MINIMAL: &str = include_str!("fixtures/minimal.yaml");

/// Lowers a manifest that must parse and validate (the minimal program's lints speak).
#[track_caller]
fn lowered(text: &str) -> Program {
    let checked = check_text(text, &CheckOptions::default());
    let invalid: Vec<_> = checked.diagnostics.iter().filter(|d| !d.code.starts_with('L')).collect();
    assert!(invalid.is_empty(), "{invalid:?}");
    checked.program.expect("a program")
}

#[test]
fn a_program_without_the_block_gets_the_defaults() {
    let program = lowered(MINIMAL);
    assert_eq!(
        program.requests,
        RequestSettings {
            timezone: "America/Los_Angeles".into(),
            timezone_span: Span::new(1, 1),
            holidays: vec!["us-federal".into(), "us-ca".into()],
            gdpr_timezone: "UTC".into(),
            gdpr_holidays: vec![],
            data_points: vec![],
            high_risk: vec![],
            privacy_center: None,
            // The organization's contact email, when the block does not name one.
            email_from: Some("privacy@widgets.example".into()),
            span: Span::new(1, 1),
        }
    );
}

#[test]
fn an_empty_block_gets_the_defaults_at_its_place() {
    let program = lowered(&format!("{MINIMAL}requests: {{}}\n"));
    let defaults = RequestSettings {
        email_from: Some("privacy@widgets.example".into()),
        ..RequestSettings::default()
    };
    assert_eq!(program.requests.holidays, defaults.holidays);
    assert_eq!(program.requests.timezone, defaults.timezone);
    assert_eq!(program.requests.email_from, defaults.email_from);
    assert_eq!(program.requests.span, Span::new(26, 11));
    assert_eq!(program.requests.timezone_span, Span::new(26, 11));
}

#[test]
fn a_full_block_is_lowered() {
    let text = format!(
        "{MINIMAL}requests:
  timezone: america/new_york
  holidays: [us-federal, company-2027]
  gdpr_timezone: Europe/Dublin
  gdpr_holidays: [ie]
  data_points:
    - {{ id: postal_code, name: The postal code on your account }}
    - {{ id: last_order_total, name: The amount of your most recent order }}
  high_risk: [correct, delete]
  privacy_center: https://widgets.example/privacy
  email_from: requests@widgets.example
"
    );
    let requests = lowered(&text).requests;
    assert_eq!(
        requests,
        RequestSettings {
            // Written in any case, kept as the database spells it.
            timezone: "America/New_York".into(),
            timezone_span: Span::new(27, 13),
            holidays: vec!["us-federal".into(), "company-2027".into()],
            gdpr_timezone: "Europe/Dublin".into(),
            gdpr_holidays: vec!["ie".into()],
            data_points: vec![
                DataPoint {
                    id: "postal_code".into(),
                    name: "The postal code on your account".into(),
                    span: Span::new(32, 13),
                },
                DataPoint {
                    id: "last_order_total".into(),
                    name: "The amount of your most recent order".into(),
                    span: Span::new(33, 13),
                },
            ],
            high_risk: vec![RequestType::Correct, RequestType::Delete],
            privacy_center: Some("https://widgets.example/privacy".into()),
            email_from: Some("requests@widgets.example".into()),
            span: Span::new(27, 3),
        }
    );
}

#[test]
fn an_empty_holiday_list_means_weekends_only() {
    let program = lowered(&format!("{MINIMAL}requests: {{ holidays: [] }}\n"));
    assert_eq!(program.requests.holidays, Vec::<String>::new());
}

#[test]
fn old_manifests_verified_by_data_points_still_load_with_a_warning() {
    // Backward compatibility: the block is optional, so a manifest written before it
    // existed loads; L036 warns that its data-points verification has nothing to match.
    let text = MINIMAL.replacen(
        "{ right: know, channels: [form] }",
        "{ right: know, channels: [form], verification: [data_points] }",
        1,
    );
    let checked = check_text(&text, &CheckOptions::default());
    let l036: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == "L036")
        .map(|d| d.render("t.yaml"))
        .collect();
    expect![[r#"
        t.yaml:23:53: warning[L036]: `know` is verified by matching data points, but `requests.data_points` declares 0, fewer than the 2 that a match needs
          = help: declare under `requests.data_points` what people without an account can give that you hold reliably, such as `{ id: postal_code, name: The postal code on your account }`: two verify a request about categories, three and a signed declaration one for specific pieces; or stop offering `data_points` verification
          = law: R-049, R-050; 11 CCR §7062(b)-(c)"#]].assert_eq(&l036.join("\n"));
    assert!(checked.program.is_some());
}

#[test]
fn the_notice_does_not_render_the_block() {
    use ombud_program::notice::{Format, NoticeLaw, render};
    let with_block = format!(
        "{MINIMAL}requests: {{ privacy_center: https://widgets.example/requests-center, email_from: requests@widgets.example }}\n"
    );
    for format in [Format::Markdown, Format::Html] {
        let before = render(&lowered(MINIMAL), NoticeLaw::Ccpa, format);
        let after = render(&lowered(&with_block), NoticeLaw::Ccpa, format);
        assert_eq!(before, after);
    }
}

//! Tests: notice rendering. Whole notices are snapshots (read them like code when they
//! change); small properties — escaping, self-contained HTML, determinism — are asserted.

use expect_test::{expect, expect_file};
use ombud_program::notice::{Format, NoticeLaw, render};
use ombud_program::{CheckOptions, Program};

pub(crate) const V1: &str = include_str!("fixtures/notice_v1.yaml");
pub(crate) const V2: &str = include_str!("fixtures/notice_v2.yaml");
const MINIMAL: &str = include_str!("fixtures/notice_minimal.yaml");

/// Loads a fixture that must have no errors (warnings are checked separately).
#[track_caller]
pub(crate) fn load(text: &str) -> Program {
    match ombud_program::load(text.as_bytes(), &CheckOptions::default()) {
        Ok((program, _warnings)) => program,
        Err(ombud_program::LoadError::Invalid(diagnostics)) => {
            let rendered: Vec<String> =
                diagnostics.iter().map(|d| d.render("fixture.yaml")).collect();
            panic!("fixture has errors:\n{}", rendered.join("\n"));
        }
        Err(error) => panic!("fixture unreadable: {error:?}"),
    }
}

#[test]
fn both_versions_of_the_fixture_are_free_of_warnings() {
    for (name, text) in [("notice_v1.yaml", V1), ("notice_v2.yaml", V2)] {
        let (_, warnings) = ombud_program::load(text.as_bytes(), &CheckOptions::default())
            .unwrap_or_else(|_| panic!("{name} has errors"));
        let rendered: Vec<String> = warnings.iter().map(|w| w.render(name)).collect();
        assert!(rendered.is_empty(), "{}", rendered.join("\n"));
    }
}

#[test]
fn ccpa_markdown() {
    expect_file!["snapshots/notice_ccpa.md"].assert_eq(&render(
        &load(V1),
        NoticeLaw::Ccpa,
        Format::Markdown,
    ));
}

#[test]
fn ccpa_html() {
    expect_file!["snapshots/notice_ccpa.html"].assert_eq(&render(
        &load(V1),
        NoticeLaw::Ccpa,
        Format::Html,
    ));
}

#[test]
fn gdpr_markdown() {
    expect_file!["snapshots/notice_gdpr.md"].assert_eq(&render(
        &load(V1),
        NoticeLaw::Gdpr,
        Format::Markdown,
    ));
}

#[test]
fn gdpr_html() {
    expect_file!["snapshots/notice_gdpr.html"].assert_eq(&render(
        &load(V1),
        NoticeLaw::Gdpr,
        Format::Html,
    ));
}

#[test]
fn ccpa_markdown_of_a_program_that_sells_and_uses_sensitive_data_beyond_permitted_purposes() {
    expect_file!["snapshots/notice_ccpa_v2.md"].assert_eq(&render(
        &load(V2),
        NoticeLaw::Ccpa,
        Format::Markdown,
    ));
}

#[test]
fn minimal_program_says_nothing_is_sold_shared_or_disclosed() {
    let program = load(MINIMAL);
    expect_file!["snapshots/notice_minimal_ccpa.md"].assert_eq(&render(
        &program,
        NoticeLaw::Ccpa,
        Format::Markdown,
    ));
    expect_file!["snapshots/notice_minimal_gdpr.md"].assert_eq(&render(
        &program,
        NoticeLaw::Gdpr,
        Format::Markdown,
    ));
}

/// The notice rendered after replacing text in the fixture.
fn render_edited(from: &str, to: &str, law: NoticeLaw, format: Format) -> String {
    assert!(V1.contains(from), "fixture does not contain {from:?}");
    render(&load(&V1.replacen(from, to, 1)), law, format)
}

/// The lines of `text` that contain `needle`, for small snapshots of a long document.
fn lines_with(text: &str, needle: &str) -> String {
    text.lines().filter(|line| line.contains(needle)).collect::<Vec<_>>().join("\n")
}

#[test]
fn manifest_text_is_escaped_in_html() {
    // Security regression: a category name is shown, never executed (STYLE.md §4.6).
    let html = render_edited(
        "name: Browsing activity",
        r#"name: "<script>alert(1)</script> & \"quotes\" 'too'""#,
        NoticeLaw::Ccpa,
        Format::Html,
    );
    assert!(!html.contains("<script"), "unescaped script tag");
    expect![[r#"
        <tr><th scope="row"><strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;</strong></th><td>(F) Internet or other electronic network activity information</td><td>What your browser does on our website, read through cookies and similar technologies. Examples: pages viewed, links clicked, device and browser type, IP address.</td><td>Your browser or device</td><td>Understanding how our website is used; Personalized advertising; Keeping our services secure</td><td>13 months from collection.</td></tr>
        <li><strong>Your browser or device.</strong> Cookies and similar technologies on our website and in our app. What we get: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;; Approximate location.</li>
        <li><strong>Keeping our services secure.</strong> Information used: Account sign-in details; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;. Business purpose under the CCPA: helping to ensure security and integrity.</li>
        <li><strong>Understanding how our website is used.</strong> Information used: Purchase history; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;. Business purpose under the CCPA: internal research for technological development.</li>
        <li><strong>Personalized advertising.</strong> Showing you ads for our products on other websites, based on your browsing. Information used: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;.</li>
        <tr><th scope="row"><strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;</strong></th><td>Yes: Advertising partners (shared)</td><td>Yes: Cloud hosting providers</td></tr>
        <li><strong>Cloud hosting providers</strong> (service provider). What they receive: Contact details; Account sign-in details; Purchase history; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;; Approximate location; Ride and fitness data. Why: Processing orders and accounts; Ride tracking in our app. Our contract with them limits how they may use it.</li>
        <li><strong>Advertising partners</strong> (third party). Ad networks that show our ads on other websites. What they receive: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;. Why: Personalized advertising. Our contract with them limits how they may use it.</li>
        <li><strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;:</strong> 13 months from collection.</li>"#]]
    .assert_eq(&lines_with(&html, "alert(1)"));
}

#[test]
fn manifest_text_is_escaped_in_markdown() {
    // Markup in a name stays text, and a `|` cannot split a table row.
    let markdown = render_edited(
        "name: Browsing activity",
        r#"name: "<b>Bold</b> | *starred* [link](https://example.com) # not a heading""#,
        NoticeLaw::Ccpa,
        Format::Markdown,
    );
    expect![[r#"
        | **\<b\>Bold\</b\> \| \*starred\* \[link\](https://example.com) # not a heading** | (F) Internet or other electronic network activity information | What your browser does on our website, read through cookies and similar technologies. Examples: pages viewed, links clicked, device and browser type, IP address. | Your browser or device | Understanding how our website is used; Personalized advertising; Keeping our services secure | 13 months from collection. |
        | **\<b\>Bold\</b\> \| \*starred\* \[link\](https://example.com) # not a heading** | Yes: Advertising partners (shared) | Yes: Cloud hosting providers |"#]]
    .assert_eq(&lines_with(&markdown, "| **\\<b\\>Bold"));
}

#[test]
fn only_web_mail_and_phone_links_are_made() {
    // The manifest validates URLs, but the renderer does not rely on it.
    let mut program = load(V1);
    program.channels[0].url = Some("javascript:alert(1)".into());
    let html = render(&program, NoticeLaw::Ccpa, Format::Html);
    assert!(!html.contains("href=\"javascript"), "script URL linked");
    expect![[r#"
        <li><strong>Online form:</strong> javascript:alert(1)</li>"#]]
    .assert_eq(lines_with(&html, "javascript").lines().next().unwrap_or_default());
}

#[test]
fn html_is_one_self_contained_accessible_page() {
    for law in [NoticeLaw::Ccpa, NoticeLaw::Gdpr] {
        let html = render(&load(V1), law, Format::Html);
        for required in [
            "<!doctype html>\n<html lang=\"en\">",
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\"",
            "<title>",
            "<style>",
            "<header>",
            "<nav aria-labelledby=\"contents\">",
            "<main id=\"main\">",
            "<footer>",
            "<th scope=\"col\">",
        ] {
            assert!(html.contains(required), "{law:?}: missing {required}");
        }
        // Nothing is loaded from elsewhere.
        for forbidden in ["<script", "<link", "<img", "<iframe", " src=", "@import", "url("] {
            assert!(!html.contains(forbidden), "{law:?}: contains {forbidden}");
        }
        // Every link is in-page, web, mail or phone, and every in-page link has a target.
        for href in html.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            match href.strip_prefix('#') {
                Some(id) => {
                    assert!(html.contains(&format!("id=\"{id}\"")), "{law:?}: #{id} has no target")
                }
                None => assert!(
                    ["https://", "http://", "mailto:", "tel:"].iter().any(|p| href.starts_with(p)),
                    "{law:?}: unexpected link {href}"
                ),
            }
        }
        // Every table has a caption.
        assert_eq!(html.matches("<table>").count(), html.matches("<caption").count());
        // Headings never skip a level.
        let mut previous = 1;
        for level in html.split("<h").skip(1).filter_map(|rest| rest.chars().next()?.to_digit(10)) {
            assert!(level <= previous + 1, "{law:?}: h{previous} followed by h{level}");
            previous = level;
        }
    }
}

#[test]
fn markdown_contents_links_match_the_html_ids() {
    // The Markdown contents use GitHub's heading slugs; the HTML uses the same ids.
    let program = load(V1);
    for law in [NoticeLaw::Ccpa, NoticeLaw::Gdpr] {
        let markdown = render(&program, law, Format::Markdown);
        let html = render(&program, law, Format::Html);
        let anchors: Vec<&str> =
            markdown.split("](#").skip(1).filter_map(|rest| rest.split(')').next()).collect();
        assert!(anchors.len() > 10);
        for anchor in anchors {
            assert!(
                html.contains(&format!("<h2 id=\"{anchor}\">")),
                "{law:?}: no heading #{anchor}"
            );
        }
    }
}

#[test]
fn each_notice_lists_the_rights_offered_under_its_law() {
    let program = load(V1);
    let headings = |law| lines_with(&render(&program, law, Format::Markdown), "### ");
    expect![[r#"
        ### Right to know what we collect and why
        ### Right to access and get a copy of your personal information
        ### Right to delete your personal information
        ### Right to correct inaccurate personal information
        ### Right to opt out of the sale or sharing of your personal information
        ### Right to limit the use of your sensitive personal information"#]]
    .assert_eq(&headings(NoticeLaw::Ccpa));
    expect![[r#"
        ### Data protection officer
        ### Our representative in the EU
        ### Right to know what we collect and why
        ### Right to access and get a copy of your personal information
        ### Right to delete your personal information
        ### Right to correct inaccurate personal information
        ### Right to data portability
        ### Right to restrict processing
        ### Right to object to processing"#]]
    .assert_eq(&headings(NoticeLaw::Gdpr));
}

#[test]
fn a_gdpr_notice_under_caloppa_without_the_ccpa_carries_the_caloppa_items() {
    // R-221: a program under CalOPPA but not the CCPA publishes only this notice.
    let mut program = load(V1);
    program.jurisdictions.retain(|law| *law != ombud_core::Law::Ccpa);
    let markdown = render(&program, NoticeLaw::Gdpr, Format::Markdown);
    let section = markdown.split("## California residents").nth(1).unwrap_or_default();
    let section = section.split("\n## ").next().unwrap_or_default();
    expect![[r#"


        This notice is also our privacy policy under the California Online Privacy Protection Act (CalOPPA) (Cal. Bus. & Prof. Code §§22575–22579). It describes the categories of personal information we collect and the categories of recipients we share it with, how we respond to Do Not Track signals (under “Browser privacy signals”), how we tell you about changes, and its effective date.

        Other companies may collect information about your online activities over time and across different websites when you use our services.

        You can review the personal information we hold about you and ask us to change it using the rights described under “Your rights”.

        ### Your California Privacy Rights (Shine the Light)

        California’s “Shine the Light” law (Civil Code §1798.83) lets customers who live in California ask us, once a year and free of charge, for the categories of personal information we disclosed to other companies for their own direct marketing in the previous calendar year, and the names and addresses of those companies.

        We answer within 30 days of receiving your request through one of the ways below.

        **How to ask:** use any of these.

        - **Email:** <privacy@example.com>
        - **Mail:** Example Outfitters, Attn. Privacy Team, 100 Example Way, Springfield, CA 95000, USA

        **Checking it is you:** we do not ask you to prove who you are for this request. We ask only for what we need to act on it.
    "#]]
    .assert_eq(section);
}

#[test]
fn data_held_for_business_customers_is_referred_to_them() {
    // R-200: a service provider does not answer requests about its customers' data.
    let mut program = load(V1);
    program.systems.push(ombud_program::model::System {
        id: "customer_workspaces".into(),
        name: None,
        role: ombud_core::SystemRole::Processor,
        kind: ombud_program::model::SystemKind::Database {
            engine: ombud_core::Engine::Postgres,
            connection_env: None,
            tables: Vec::new(),
        },
        span: ombud_program::Span::default(),
    });
    expect![[r#"
        Some personal information we hold on behalf of our business customers, as their service provider. For that information the customer decides how it is used, so please send your request to the customer; we help them answer it."#]]
    .assert_eq(&lines_with(&render(&program, NoticeLaw::Ccpa, Format::Markdown), "on behalf of"));
    expect![[r#"
        We also process some personal data on behalf of our business customers, as their processor. For that data the customer is the controller: please send requests about it to the customer, and we will help them answer."#]]
    .assert_eq(&lines_with(&render(&program, NoticeLaw::Gdpr, Format::Markdown), "on behalf of"));
}

#[test]
fn a_program_with_broken_indices_still_renders_and_diffs() {
    // Only a program with errors can hold an index out of range; rendering must not
    // panic on one (the functions are total).
    let mut program = load(V1);
    program.disclosures[0].categories.push(999);
    program.disclosures[0].recipients.push(999);
    program.categories[0].sources.push(999);
    program.categories[0].purposes.push(999);
    program.rights[0].channels.push(999);
    program.retention[0].categories.push(999);
    program.subscriptions[0].unsubscribe.push(999);
    program.subscriptions[0].purpose = Some(999);
    for law in [NoticeLaw::Ccpa, NoticeLaw::Gdpr] {
        for format in [Format::Markdown, Format::Html] {
            let first = render(&program, law, format);
            assert_eq!(first, render(&program, law, format), "not deterministic");
        }
    }
    let original = load(V1);
    let changes = ombud_program::diff::diff(&original, &program);
    let _ = ombud_program::diff::render_changes(&original, &program, &changes);
}

#[test]
fn a_custom_label_never_replaces_the_statutory_opt_out_title_r150_r151() {
    // Civ. Code §1798.135(a)(1): the link is titled "Do Not Sell or Share My Personal
    // Information", whatever the manifest's `label` says (lowering warns about it).
    let dns = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/privacy/do-not-sell" }"#;
    let labelled = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/privacy/do-not-sell", label: Click here to win }"#;
    for format in [Format::Markdown, Format::Html] {
        let notice = render_edited(dns, labelled, NoticeLaw::Ccpa, format);
        assert!(!notice.contains("Click here"), "{format:?}: the custom label is shown");
        assert!(
            notice.contains("Do Not Sell or Share My Personal Information"),
            "{format:?}: the statutory title is missing"
        );
    }
    let markdown = render_edited(dns, labelled, NoticeLaw::Ccpa, Format::Markdown);
    expect![[r#"
        **We share some personal information. You can tell us to stop at any time: [Do Not Sell or Share My Personal Information](https://www.example.com/privacy/do-not-sell).**
        - **"Do Not Sell or Share My Personal Information" link:** <https://www.example.com/privacy/do-not-sell>
        - [Do Not Sell or Share My Personal Information](https://www.example.com/privacy/do-not-sell): opt out of the sale and sharing of your personal information."#]]
    .assert_eq(&lines_with(&markdown, "privacy/do-not-sell"));
}

#[test]
fn the_alternative_opt_out_link_keeps_one_of_its_two_titles_r151() {
    // 11 CCR §7015: "Your Privacy Choices" or "Your California Privacy Choices", nothing else.
    let dns = r#"{ id: dns, kind: do_not_sell_link, url: "https://www.example.com/privacy/do-not-sell" }"#;
    let titles = |label: &str| {
        let choices = format!(
            r#"{{ id: dns, kind: privacy_choices_link, url: "https://www.example.com/privacy/choices", label: "{label}" }}"#
        );
        lines_with(
            &render_edited(dns, &choices, NoticeLaw::Ccpa, Format::Markdown),
            "privacy/choices",
        )
    };
    let california = titles("Your California Privacy Choices");
    assert!(california.contains("[Your California Privacy Choices]"), "{california}");
    let custom = titles("Click here to win");
    assert!(
        !custom.contains("Click here") && custom.contains("[Your Privacy Choices]"),
        "{custom}"
    );
}

#[test]
fn a_gdpr_notice_claims_a_processor_contract_only_when_one_is_declared_art28_3() {
    let hosting = "  - id: hosting\n    name: Cloud hosting providers\n    role: service_provider\n    contract: true\n";
    let without = hosting.replace("    contract: true\n", "");
    let row = |text: &str| lines_with(text, "Cloud hosting providers");
    let with_contract = render(&load(V1), NoticeLaw::Gdpr, Format::Markdown);
    expect![[r#"
        | **Cloud hosting providers** | Processor: uses the data only on our instructions, under a contract | Contact details; Account sign-in details; Purchase history; Browsing activity; Approximate location; Ride and fitness data | Processing orders and accounts; Ride tracking in our app |"#]]
    .assert_eq(&row(&with_contract));
    let without_contract = render_edited(hosting, &without, NoticeLaw::Gdpr, Format::Markdown);
    expect![[r#"
        | **Cloud hosting providers** | Processor: processes the data on our behalf | Contact details; Account sign-in details; Purchase history; Browsing activity; Approximate location; Ride and fitness data | Processing orders and accounts; Ride tracking in our app |"#]]
    .assert_eq(&row(&without_contract));
}

#[test]
fn automated_decisions_are_stated_only_as_declared_art13_2_f_art22() {
    let section = |markdown: &str| {
        markdown
            .split("## Automated decisions")
            .nth(1)
            .map(|rest| rest.split("\n## ").next().unwrap_or_default().to_owned())
    };
    let declared_false = render(&load(V1), NoticeLaw::Gdpr, Format::Markdown);
    expect![[r#"


        We do not make decisions about you based solely on automated processing, including profiling, that have legal effects on you or affect you in a similarly significant way.
    "#]]
    .assert_eq(&section(&declared_false).unwrap_or_default());
    let declared_true = render_edited(
        "  automated_decisions: false\n",
        "  automated_decisions: true\n  automated_decisions_logic: >-\n    Orders are screened for fraud by a score from the order's value, address and payment history; an order with a high score is cancelled and you are told why.\n",
        NoticeLaw::Gdpr,
        Format::Markdown,
    );
    expect![[r#"


        We make some decisions about you based solely on automated processing, including profiling, that have legal effects on you or affect you in a similarly significant way (Article 22).

        **How these decisions are made and what they mean for you:** Orders are screened for fraud by a score from the order's value, address and payment history; an order with a high score is cancelled and you are told why.

        Where such a decision is necessary for a contract with you or based on your explicit consent, you have the right to have a person review it, to express your point of view and to contest the decision (Article 22(3)). You can use it through the contact details in “Who we are”.
    "#]]
    .assert_eq(&section(&declared_true).unwrap_or_default());
    // Silence asserts nothing: no section at all (lint L033 asks for the declaration).
    let silent =
        render_edited("  automated_decisions: false\n", "", NoticeLaw::Gdpr, Format::Markdown);
    assert_eq!(section(&silent), None);
}

#[test]
fn whether_data_must_be_provided_is_stated_only_as_declared_art13_2_e() {
    let markdown = render(&load(V1), NoticeLaw::Gdpr, Format::Markdown);
    assert!(markdown.contains("## Do you have to give us your data?"));
    let start = "  provision: >-\n";
    let at = V1.find(start).expect("v1 declares a provision");
    let end = V1[at..].find("\n\n").map_or(V1.len(), |e| at + e + 1);
    let silent =
        render(&load(&format!("{}{}", &V1[..at], &V1[end..])), NoticeLaw::Gdpr, Format::Markdown);
    assert!(!silent.contains("give us your data"), "an undeclared provision is asserted");
}

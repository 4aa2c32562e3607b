//! `README.html`: the package as a person reads it (R-073: "easily understandable to
//! the average consumer").
//!
//! **Invariants:**
//! - Every string from the program, the request or a database is escaped, so a value
//!   `<script>` is text. Control characters other than line breaks and tabs print as
//!   U+FFFD.
//! - The page loads nothing: one inline `<style>`, no script, no link to anything.
//! - Accessible: `lang`, one `h1`, headings in order, tables with a `<caption>` and
//!   header cells with `scope`.

use std::io::{self, Write};

use ombud_core::{Law, Reference as _};

use crate::PackageKind;
use crate::model::{Model, TableModel};
use crate::value::{View, binary_note, cut_note, float_text, grouped, view};

/// Plain, printable, high-contrast; `pre-wrap` keeps line breaks inside values.
const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0 auto; max-width: 64rem; padding: 1.5rem 1.25rem 3rem; background: #ffffff; color: #1a1a1a; font: 1rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.45rem; margin: 2.5rem 0 0.75rem; padding-top: 0.5rem; border-top: 1px solid #d0d0d0; }
h3 { font-size: 1.2rem; margin: 1.75rem 0 0.5rem; }
h4 { font-size: 1.05rem; margin: 1.25rem 0 0.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
.callout { border-left: 0.35rem solid #8a5a00; background: #fff6e0; padding: 0.75rem 1rem; font-weight: 600; }
.mark { font-style: italic; color: #5a3a00; }
.table-wrap { overflow-x: auto; margin: 0 0 1.25rem; }
table { border-collapse: collapse; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 0.5rem; }
th, td { border: 1px solid #b5b5b5; padding: 0.4rem 0.55rem; text-align: left; vertical-align: top; white-space: pre-wrap; overflow-wrap: anywhere; }
thead th { background: #ececec; }
tbody th { font-weight: normal; background: #f7f7f7; }
@media print { .table-wrap { overflow: visible; } tr { break-inside: avoid; } }
"#;

/// Writes the page.
pub(crate) fn write(model: &Model<'_>, out: &mut impl Write) -> io::Result<()> {
    let mut page = Page { out, tables: 0 };
    page.document(model)
}

struct Page<'w, W: Write> {
    out: &'w mut W,
    /// Tables printed so far, for unique caption ids.
    tables: usize,
}

impl<W: Write> Page<'_, W> {
    fn text(&mut self, text: &str) -> io::Result<()> {
        escape(self.out, text)
    }

    fn raw(&mut self, html: &str) -> io::Result<()> {
        self.out.write_all(html.as_bytes())
    }

    /// `<p>text</p>`, escaped.
    fn para(&mut self, text: &str) -> io::Result<()> {
        self.raw("<p>")?;
        self.text(text)?;
        self.raw("</p>\n")
    }

    fn callout(&mut self, text: &str) -> io::Result<()> {
        self.raw("<p class=\"callout\">")?;
        self.text(text)?;
        self.raw("</p>\n")
    }

    fn heading(&mut self, level: u8, id: &str, text: &str) -> io::Result<()> {
        write!(self.out, "<h{level} id=\"{id}\">")?;
        self.text(text)?;
        writeln!(self.out, "</h{level}>")
    }

    fn list(&mut self, items: &[String]) -> io::Result<()> {
        self.raw("<ul>\n")?;
        for item in items {
            self.raw("<li>")?;
            self.text(item)?;
            self.raw("</li>\n")?;
        }
        self.raw("</ul>\n")
    }

    /// A two-column description list; each value is escaped.
    fn facts(&mut self, pairs: &[(&str, String)]) -> io::Result<()> {
        self.raw("<dl>\n")?;
        for (term, value) in pairs {
            self.raw("<dt>")?;
            self.text(term)?;
            self.raw("</dt><dd>")?;
            self.text(value)?;
            self.raw("</dd>\n")?;
        }
        self.raw("</dl>\n")
    }

    /// Opens a table with its caption and header row.
    fn table_start(&mut self, caption: &str, columns: &[&str]) -> io::Result<()> {
        self.tables += 1;
        let id = format!("table-{}", self.tables);
        write!(
            self.out,
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{id}\" tabindex=\"0\">\n<table>\n<caption id=\"{id}\">"
        )?;
        self.text(caption)?;
        self.raw("</caption>\n<thead>\n<tr>")?;
        for column in columns {
            self.raw("<th scope=\"col\">")?;
            self.text(column)?;
            self.raw("</th>")?;
        }
        self.raw("</tr>\n</thead>\n<tbody>\n")
    }

    fn table_end(&mut self) -> io::Result<()> {
        self.raw("</tbody>\n</table>\n</div>\n")
    }

    /// A summary row: the first cell is the row's header.
    fn summary_row(&mut self, cells: &[String]) -> io::Result<()> {
        self.raw("<tr>")?;
        for (index, cell) in cells.iter().enumerate() {
            self.raw(if index == 0 { "<th scope=\"row\">" } else { "<td>" })?;
            self.text(cell)?;
            self.raw(if index == 0 { "</th>" } else { "</td>" })?;
        }
        self.raw("</tr>\n")
    }

    fn document(&mut self, model: &Model<'_>) -> io::Result<()> {
        let organization = model.program.organization.name.trim();
        let title = match model.kind {
            PackageKind::Access => format!("Your personal information at {organization}"),
            PackageKind::Categories => {
                format!("What personal information {organization} holds about you")
            }
        };
        self.raw("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")?;
        self.text(&title)?;
        write!(self.out, "</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>")?;
        self.text(&title)?;
        self.raw("</h1>\n")?;
        self.para(&intro(model))?;
        if !model.complete() {
            self.callout(
                "This package is incomplete: some tables had more rows than we could include. The tables concerned are marked below.",
            )?;
        }
        self.raw("</header>\n<main>\n")?;
        self.request(model)?;
        self.business(model)?;
        self.categories(model)?;
        self.recipients(model)?;
        self.withheld(model)?;
        self.not_searched(model)?;
        if model.kind == PackageKind::Access {
            self.data(model)?;
        }
        self.raw("</main>\n</body>\n</html>\n")
    }

    fn request(&mut self, model: &Model<'_>) -> io::Result<()> {
        let facts = model.facts;
        self.raw("<section aria-labelledby=\"request\">\n")?;
        self.heading(2, "request", "Your request")?;
        self.facts(&[
            ("Reference", facts.reference.clone()),
            ("Request", facts.request_type.label().to_owned()),
            ("Law", facts.law.label().to_owned()),
            ("Received", facts.received_on.clone()),
            ("This answer was prepared", facts.generated_at.clone()),
        ])?;
        if model.kind == PackageKind::Access {
            self.para(&format!(
                "This file is a summary you can read. The folder “data” holds the same information as spreadsheets (CSV) and as JSON, one file per table of our databases, and “package.json” holds all of it in one machine-readable file (format {}), which you can give to another service.",
                crate::FORMAT
            ))?;
        } else {
            self.para("You asked which categories of personal information we hold about you, where it comes from, why we use it and who receives it. This answer does not include the information itself; you can ask for a copy separately.")?;
        }
        self.raw("</section>\n")
    }

    fn business(&mut self, model: &Model<'_>) -> io::Result<()> {
        let organization = &model.program.organization;
        let mut pairs = vec![("Name", organization.name.clone())];
        if let Some(legal) = &organization.legal_name {
            pairs.push(("Legal name", legal.clone()));
        }
        if let Some(website) = &organization.website {
            pairs.push(("Website", website.clone()));
        }
        if let Some(address) = &organization.postal_address {
            pairs.push(("Address", address.clone()));
        }
        let contact = &organization.contact;
        if let Some(email) = &contact.email {
            pairs.push(("Privacy contact", email.clone()));
        }
        if let Some(phone) = &contact.phone {
            pairs.push(("Telephone", phone.clone()));
        }
        if let Some(dpo) = organization.dpo.as_ref().and_then(|dpo| dpo.email.clone()) {
            pairs.push(("Data protection officer", dpo));
        }
        self.raw("<section aria-labelledby=\"business\">\n")?;
        self.heading(2, "business", "Who we are")?;
        self.facts(&pairs)?;
        if model.facts.law == Law::Gdpr {
            let authority = organization.supervisory_authority.as_ref().map_or_else(
                || "the data protection authority where you live or work, or where you think the law was broken".to_owned(),
                |authority| authority.name.clone(),
            );
            self.para(&format!("You can also ask us to correct or delete your personal information, to restrict or object to how we use it, and you can complain to {authority} (GDPR Art 15(1)(e)–(f))."))?;
        }
        self.raw("</section>\n")
    }

    fn categories(&mut self, model: &Model<'_>) -> io::Result<()> {
        self.raw("<section aria-labelledby=\"categories\">\n")?;
        self.heading(2, "categories", "What we hold about you")?;
        if model.found.is_empty() {
            self.callout(&model.nothing_found())?;
        } else {
            self.para("For each category of personal information we hold about you: where it comes from, why we use it, who receives it and how long we keep it.")?;
        }
        for &index in &model.found {
            let Some(category) = model.category(index) else { continue };
            self.raw(&format!("<section aria-labelledby=\"category-{index}\">\n"))?;
            self.heading(3, &format!("category-{index}"), &category.name)?;
            if let Some(description) = &category.description {
                self.para(description)?;
            }
            let mut pairs = Vec::new();
            if model.facts.law == Law::Ccpa {
                pairs.push(("Category under the CCPA", category.ccpa.label().to_owned()));
            }
            pairs.push((
                "Where it comes from",
                names(&category.sources, |i| model.program.sources.get(i).map(|s| s.name.as_str())),
            ));
            pairs.push((
                "Why we use it",
                names(&category.purposes, |i| {
                    model.program.purposes.get(i).map(|p| p.name.as_str())
                }),
            ));
            let flows = model.flows(index);
            let mut recipients: Vec<String> = Vec::new();
            for flow in flows.sold_or_shared.iter().chain(&flows.business) {
                if let Some(recipient) = model.program.recipients.get(flow.recipient)
                    && !recipients.contains(&recipient.name)
                {
                    recipients.push(recipient.name.clone());
                }
            }
            pairs.push((
                "Who receives it",
                if recipients.is_empty() {
                    "Nobody outside our business".to_owned()
                } else {
                    recipients.join("; ")
                },
            ));
            let retention = model.program.retention_of(index);
            pairs.push((
                "How long we keep it",
                if retention.is_empty() {
                    "As stated in our privacy notice".to_owned()
                } else {
                    retention.join("; ")
                },
            ));
            self.facts(&pairs)?;
            if category.sensitive.is_some_and(|kind| kind.never_disclosed()) {
                self.para("We hold this information, but the law does not allow us to send it to you, to protect you if this package reaches someone else.")?;
            }
            self.raw("</section>\n")?;
        }
        if !model.found.is_empty() && !model.not_found.is_empty() {
            self.para(
                "We found none of these other categories of personal information about you:",
            )?;
            let names: Vec<String> = model
                .not_found
                .iter()
                .filter_map(|&i| model.category(i).map(|c| c.name.clone()))
                .collect();
            self.list(&names)?;
        }
        self.raw("</section>\n")
    }

    /// The two separate lists of R-071.
    fn recipients(&mut self, model: &Model<'_>) -> io::Result<()> {
        let mut sold = Vec::new();
        let mut business = Vec::new();
        for &index in &model.found {
            let Some(category) = model.category(index) else { continue };
            let flows = model.flows(index);
            if !flows.sold_or_shared.is_empty() {
                let parties: Vec<String> = flows
                    .sold_or_shared
                    .iter()
                    .filter_map(|flow| {
                        let recipient = model.program.recipients.get(flow.recipient)?;
                        let how = match (flow.sold, flow.shared) {
                            (true, true) => "sold and shared",
                            (true, false) => "sold",
                            _ => "shared",
                        };
                        Some(format!("{} ({how})", recipient.name.trim()))
                    })
                    .collect();
                sold.push(vec![category.name.clone(), parties.join("; ")]);
            }
            if !flows.business.is_empty() {
                let recipients: Vec<String> = flows
                    .business
                    .iter()
                    .filter_map(|flow| model.program.recipients.get(flow.recipient))
                    .map(|recipient| {
                        format!(
                            "{} ({})",
                            recipient.name.trim(),
                            recipient.role.label().to_lowercase()
                        )
                    })
                    .collect();
                business.push(vec![category.name.clone(), recipients.join("; ")]);
            }
        }
        self.raw("<section aria-labelledby=\"sold\">\n")?;
        self.heading(2, "sold", "Personal information we sold or shared")?;
        if sold.is_empty() {
            self.para(
                "We do not sell or share any of the personal information we hold about you.",
            )?;
        } else {
            self.para("“Selling” means giving personal information to another business for money or anything else of value; “sharing” means giving it for advertising based on your activity on other companies’ websites and apps.")?;
            self.table_start(
                "Categories sold or shared, and the categories of third parties that received them",
                &["Category", "Third parties"],
            )?;
            for row in &sold {
                self.summary_row(row)?;
            }
            self.table_end()?;
        }
        self.raw("</section>\n<section aria-labelledby=\"business-purpose\">\n")?;
        self.heading(
            2,
            "business-purpose",
            "Personal information we disclosed for a business purpose",
        )?;
        if business.is_empty() {
            self.para("We do not disclose any of the personal information we hold about you for a business purpose.")?;
        } else {
            self.table_start(
                "Categories disclosed for a business purpose, and the categories of recipients",
                &["Category", "Recipients"],
            )?;
            for row in &business {
                self.summary_row(row)?;
            }
            self.table_end()?;
        }
        self.raw("</section>\n")
    }

    fn withheld(&mut self, model: &Model<'_>) -> io::Result<()> {
        if model.kind == PackageKind::Categories {
            return Ok(());
        }
        let mut rows = Vec::new();
        for table in &model.tables {
            for column in table.withheld() {
                let (Some(data), Some(Some(statement))) =
                    (table.data.columns.get(column), table.statements.get(column))
                else {
                    continue;
                };
                rows.push(vec![
                    format!("{}: {}, {}", table.system_name, table.data.table, data.name),
                    statement.clone(),
                ]);
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        self.raw("<section aria-labelledby=\"withheld\">\n")?;
        self.heading(2, "withheld", "Information we hold but do not send")?;
        self.para("The law does not allow us to send some kinds of information, such as identification numbers, passwords and biometric data, because they could be misused if this package reached someone else. Where the data below would show them, it shows this statement instead (11 CCR §7024(d)).")?;
        self.table_start(
            "Information we hold but do not send",
            &["Where we hold it", "What we hold"],
        )?;
        for row in &rows {
            self.summary_row(row)?;
        }
        self.table_end()?;
        self.raw("</section>\n")
    }

    fn not_searched(&mut self, model: &Model<'_>) -> io::Result<()> {
        if model.facts.not_searched.is_empty() {
            return Ok(());
        }
        self.raw("<section aria-labelledby=\"not-searched\">\n")?;
        self.heading(2, "not-searched", "Where we did not look")?;
        self.para("This answer does not include information held in these systems:")?;
        let items: Vec<String> = model
            .facts
            .not_searched
            .iter()
            .map(|(system, reason)| format!("{}: {}", model.system_name(system), reason.trim()))
            .collect();
        self.list(&items)?;
        self.raw("</section>\n")
    }

    fn data(&mut self, model: &Model<'_>) -> io::Result<()> {
        self.raw("<section aria-labelledby=\"data\">\n")?;
        self.heading(2, "data", "Your information")?;
        if model.rows == 0 && model.complete() {
            self.callout(&model.nothing_found())?;
        }
        for &index in &model.found {
            let Some(category) = model.category(index) else { continue };
            self.raw(&format!("<section aria-labelledby=\"data-{index}\">\n"))?;
            self.heading(3, &format!("data-{index}"), &category.name)?;
            for (number, table) in model.tables.iter().enumerate() {
                let columns = table.columns_of(index);
                if columns.is_empty() || table.stem.is_none() {
                    continue;
                }
                self.table_data(model, table, &columns, &format!("data-{index}-{number}"))?;
            }
            self.raw("</section>\n")?;
        }
        // Tables cut short before any row: nothing to show, but the gap is said.
        for table in model.tables.iter().filter(|t| t.data.rows.is_empty() && !t.complete()) {
            self.callout(&format!(
                "{}: {} is incomplete: we could not include its rows in this package.",
                table.system_name, table.data.table
            ))?;
        }
        self.raw("</section>\n")
    }

    fn table_data(
        &mut self,
        model: &Model<'_>,
        table: &TableModel<'_>,
        columns: &[usize],
        id: &str,
    ) -> io::Result<()> {
        let data = table.data;
        self.heading(4, id, &format!("{}: {}", table.system_name, data.table))?;
        if !table.complete() {
            self.callout(&format!(
                "Incomplete: this table had more rows than we could include; these are the first {}.",
                grouped(data.rows.len())
            ))?;
        }
        let names: Vec<&str> =
            columns.iter().filter_map(|&c| data.columns.get(c)).map(|c| c.name.as_str()).collect();
        let rows = data.rows.len();
        let caption = format!(
            "{} ({} {})",
            data.table,
            grouped(rows),
            if rows == 1 { "row" } else { "rows" }
        );
        self.table_start(&caption, &names)?;
        let max = model.limits.value_bytes_max;
        for row in &data.rows {
            self.raw("<tr>")?;
            for &column in columns {
                let Some(cell) = row.get(column) else { continue };
                let statement = table.statements.get(column).and_then(Option::as_deref);
                self.raw("<td>")?;
                self.value(view(cell, statement, max))?;
                self.raw("</td>")?;
            }
            self.raw("</tr>\n")?;
        }
        self.table_end()
    }

    fn value(&mut self, value: View<'_>) -> io::Result<()> {
        match value {
            View::Null => self.raw("<span class=\"mark\">(empty)</span>"),
            View::Bool(value) => self.raw(if value { "yes" } else { "no" }),
            View::Int(value) => write!(self.out, "{value}"),
            View::Float(value) => self.text(&float_text(value)),
            View::Text { shown, total } => {
                self.text(shown)?;
                if shown.len() < total {
                    self.raw(" <span class=\"mark\">")?;
                    self.text(&cut_note(shown.len(), total))?;
                    self.raw("</span>")?;
                }
                Ok(())
            }
            View::Binary { total, .. } => {
                self.raw("<span class=\"mark\">")?;
                self.text(&binary_note(total))?;
                self.raw("</span>")
            }
            View::Withheld(statement) => {
                self.raw("<span class=\"mark\">")?;
                self.text(statement)?;
                self.raw("</span>")
            }
        }
    }
}

/// The opening paragraph.
fn intro(model: &Model<'_>) -> String {
    let organization = model.program.organization.name.trim();
    match model.kind {
        PackageKind::Access => format!(
            "You asked {organization} for a copy of the personal information we hold about you. This package has it, with where it comes from, why we use it and who receives it."
        ),
        PackageKind::Categories => format!(
            "You asked {organization} which categories of personal information we hold about you. This page lists them, with where each comes from, why we use it and who receives it."
        ),
    }
}

/// Names looked up by index, separated by semicolons (names may contain "and").
fn names<'p>(indices: &[usize], lookup: impl Fn(usize) -> Option<&'p str>) -> String {
    let names: Vec<&str> = indices.iter().filter_map(|&i| lookup(i)).map(str::trim).collect();
    if names.is_empty() { "Not stated".to_owned() } else { names.join("; ") }
}

/// Writes text escaped for element content and quoted attributes. Control characters
/// other than tab, CR and LF are not valid in HTML text, so they print as U+FFFD.
pub(crate) fn escape(out: &mut impl Write, text: &str) -> io::Result<()> {
    let mut start = 0;
    for (index, ch) in text.char_indices() {
        let replacement = match ch {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\t' | '\n' | '\r' => continue,
            ch if ch.is_control() => "\u{fffd}",
            _ => continue,
        };
        out.write_all(text.get(start..index).unwrap_or_default().as_bytes())?;
        out.write_all(replacement.as_bytes())?;
        start = index + ch.len_utf8();
    }
    out.write_all(text.get(start..).unwrap_or_default().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        escape(&mut out, text).unwrap_or_default();
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escaped("<script>alert('x' & \"y\")</script>"),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(escaped("a\0b\u{1b}c\td\r\ne\u{7f}"), "a\u{fffd}b\u{fffd}c\td\r\ne\u{fffd}");
        assert_eq!(escaped("héllo"), "héllo");
    }
}

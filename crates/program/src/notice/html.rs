//! The HTML backend: prints a [`Document`] as one self-contained, accessible page.
//!
//! **Invariants:**
//! - Every string is escaped (`& < > " '`), so manifest text is always text.
//! - The page loads nothing: no stylesheet, script, font or image links, only an inline
//!   `<style>`. Links go to in-page anchors, `http(s)` pages, `mailto:` and `tel:`.
//! - It is printable and meets the basics of WCAG (R-155, 11 CCR §7003): `lang`, landmarks
//!   (`header`, `nav`, `main`, `footer`), headings in order, tables with a `<caption>`
//!   and header cells with `scope`, a skip link, visible focus and dark-on-light text
//!   with contrast above 7:1.

use std::fmt::Write as _;

use super::doc::{Block, Document, Inline, Link, Section, Table, Text, collapse_whitespace};
use super::safe;

/// The stylesheet. Kept small and readable; print rules drop the navigation and show
/// where each link goes, because a printed notice cannot be clicked (R-155: printable).
const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #1a1a1a; font: 1.0625rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, nav, main, footer { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 2rem; padding-bottom: 0.5rem; border-bottom: 1px solid #c8c8c8; }
h1 { font-size: 2rem; line-height: 1.25; margin: 0 0 0.5rem; }
h2 { font-size: 1.5rem; line-height: 1.3; margin: 2.5rem 0 0.75rem; padding-top: 0.5rem; border-top: 1px solid #e0e0e0; }
h3 { font-size: 1.2rem; line-height: 1.35; margin: 1.75rem 0 0.5rem; }
p, ul { margin: 0 0 1rem; }
ul { padding-left: 1.5rem; }
li { margin-bottom: 0.35rem; }
a { color: #0b4f9c; text-decoration: underline; text-underline-offset: 0.15em; overflow-wrap: anywhere; }
a:hover { color: #062f5e; }
a:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
.meta { color: #3d3d3d; margin-bottom: 1.25rem; }
.skip { position: absolute; left: -9999px; top: 0; background: #ffffff; padding: 0.5rem 1rem; }
.skip:focus { left: 1rem; top: 1rem; z-index: 1; }
nav { margin-top: 1.5rem; }
nav h2 { border-top: 0; margin-top: 0; font-size: 1.1rem; }
nav ol { margin: 0 0 1rem; padding-left: 1.5rem; columns: 2 18rem; }
.callout { border-left: 0.35rem solid #8a5a00; background: #fff6e0; padding: 0.75rem 1rem; font-weight: 600; }
.table-wrap { overflow-x: auto; margin: 0 0 1.25rem; }
.table-wrap:focus-visible { outline: 3px solid #1a1a1a; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 0.5rem; }
th, td { border: 1px solid #b5b5b5; padding: 0.5rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: #ececec; }
tbody th { font-weight: normal; background: #f7f7f7; }
footer { margin-top: 3rem; padding-top: 1rem; padding-bottom: 2rem; border-top: 1px solid #c8c8c8; color: #3d3d3d; font-size: 0.95rem; }
@media print {
  body { font-size: 11pt; }
  .skip, nav { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  tr, li, .callout { break-inside: avoid; }
  .callout { border: 1px solid #1a1a1a; background: none; }
  a { color: #1a1a1a; }
  a[href^="http"]:not(.bare)::after, a[href^="mailto:"]:not(.bare)::after { content: " (" attr(href) ")"; font-size: 0.9em; }
}
"#;

/// Prints the document.
pub(super) fn render(document: &Document) -> String {
    let mut page = Page { out: String::new(), tables: 0 };
    page.document(document);
    page.out
}

struct Page {
    out: String,
    /// Tables printed so far, for unique caption ids.
    tables: usize,
}

impl Page {
    fn document(&mut self, document: &Document) {
        let title = escape(collapse_whitespace(&document.title).trim());
        let _ = write!(
            self.out,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
             <a class=\"skip\" href=\"#main\">Skip to the notice</a>\n<header>\n<h1>{title}</h1>\n"
        );
        for line in &document.meta {
            let _ = writeln!(self.out, "<p class=\"meta\">{}</p>", inline(line, true));
        }
        // The introduction (and the prominent sale statement, R-156) comes before the
        // table of contents, as in the Markdown.
        for block in &document.intro {
            self.block(block);
        }
        self.out.push_str("</header>\n");
        if !document.sections.is_empty() {
            self.out.push_str(
                "<nav aria-labelledby=\"contents\">\n<h2 id=\"contents\">Contents</h2>\n<ol>\n",
            );
            for section in &document.sections {
                let _ = writeln!(
                    self.out,
                    "<li><a href=\"#{}\">{}</a></li>",
                    escape(&section.id),
                    escape(collapse_whitespace(&section.title).trim())
                );
            }
            self.out.push_str("</ol>\n</nav>\n");
        }
        self.out.push_str("<main id=\"main\">\n");
        for section in &document.sections {
            self.section(section, 2);
        }
        self.out.push_str("</main>\n");
        if !document.footer.is_empty() {
            self.out.push_str("<footer>\n");
            for line in &document.footer {
                let _ = writeln!(self.out, "<p>{}</p>", inline(line, true));
            }
            self.out.push_str("</footer>\n");
        }
        self.out.push_str("</body>\n</html>\n");
    }

    fn section(&mut self, section: &Section, level: usize) {
        let level = level.clamp(2, 6);
        let id = escape(&section.id);
        let _ = write!(
            self.out,
            "<section aria-labelledby=\"{id}\">\n<h{level} id=\"{id}\">{}</h{level}>\n",
            escape(collapse_whitespace(&section.title).trim())
        );
        for block in &section.blocks {
            self.block(block);
        }
        for subsection in &section.subsections {
            self.section(subsection, level + 1);
        }
        self.out.push_str("</section>\n");
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Paragraph(text) => {
                let _ = writeln!(self.out, "<p>{}</p>", inline(text, true).trim());
            }
            Block::Callout(text) => {
                // The class carries the emphasis, so inner strong spans stay plain.
                let _ =
                    writeln!(self.out, "<p class=\"callout\">{}</p>", inline(text, false).trim());
            }
            Block::List(items) => {
                self.out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(self.out, "<li>{}</li>", inline(item, true).trim());
                }
                self.out.push_str("</ul>\n");
            }
            Block::Table(table) => self.table(table),
        }
    }

    fn table(&mut self, table: &Table) {
        self.tables += 1;
        let caption_id = format!("table-{}", self.tables);
        // The wrapper scrolls on narrow screens; as a focusable, labelled region a
        // keyboard user can scroll it too.
        let _ = write!(
            self.out,
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{caption_id}\" tabindex=\"0\">\n\
             <table>\n<caption id=\"{caption_id}\">{}</caption>\n<thead>\n<tr>",
            escape(collapse_whitespace(&table.caption).trim())
        );
        for column in &table.columns {
            let _ = write!(
                self.out,
                "<th scope=\"col\">{}</th>",
                escape(collapse_whitespace(column).trim())
            );
        }
        self.out.push_str("</tr>\n</thead>\n<tbody>\n");
        for row in &table.rows {
            self.out.push_str("<tr>");
            for (index, cell) in row.iter().enumerate() {
                let content = inline(cell, true);
                let content = content.trim();
                if index == 0 {
                    let _ = write!(self.out, "<th scope=\"row\">{content}</th>");
                } else {
                    let _ = write!(self.out, "<td>{content}</td>");
                }
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</tbody>\n</table>\n</div>\n");
    }
}

fn inline(text: &Text, allow_strong: bool) -> String {
    let mut out = String::new();
    for piece in &text.0 {
        match piece {
            Inline::Plain(plain) => out.push_str(&escape(&collapse_whitespace(plain))),
            Inline::Strong(strong) => {
                let strong = collapse_whitespace(strong);
                let strong = escape(strong.trim());
                if allow_strong && !strong.is_empty() {
                    let _ = write!(out, "<strong>{strong}</strong>");
                } else {
                    out.push_str(&strong);
                }
            }
            Inline::Link(link) => out.push_str(&link_html(link)),
        }
    }
    out
}

fn link_html(link: &Link) -> String {
    match link {
        Link::Web { text, url } => {
            let text = collapse_whitespace(text);
            let text = text.trim();
            match safe::web_url(url) {
                // A link whose text is its address needs no address repeated in print.
                Some(href) if text == url.trim() => {
                    format!("<a class=\"bare\" href=\"{}\">{}</a>", escape(&href), escape(text))
                }
                Some(href) => format!("<a href=\"{}\">{}</a>", escape(&href), escape(text)),
                None => escape(text),
            }
        }
        Link::Email(address) => {
            let address = address.trim();
            match safe::email(address) {
                Some(href) => {
                    format!("<a class=\"bare\" href=\"{}\">{}</a>", escape(&href), escape(address))
                }
                None => escape(address),
            }
        }
        Link::Phone(number) => {
            let shown = collapse_whitespace(number);
            let shown = shown.trim();
            match safe::tel(shown) {
                Some(href) => format!("<a href=\"{}\">{}</a>", escape(&href), escape(shown)),
                None => escape(shown),
            }
        }
    }
}

/// Escapes text for element content and double- or single-quoted attributes: the one
/// HTML escape of the pages and messages ombud writes as strings (re-exported as
/// `notice::escape_html`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape(r#"<script>alert('x' & "y")</script>"#),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
    }

    #[test]
    fn unsafe_links_become_text() {
        let link = Link::Web { text: "click".into(), url: "javascript:alert(1)".into() };
        assert_eq!(link_html(&link), "click");
        let link =
            Link::Web { text: "form".into(), url: "https://example.com/?a=1&b=\"2\"".into() };
        assert_eq!(link_html(&link), "<a href=\"https://example.com/?a=1&amp;b=%222%22\">form</a>");
        assert_eq!(link_html(&Link::Phone("+1 555 0100 ext".into())), "+1 555 0100 ext");
    }
}

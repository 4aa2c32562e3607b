//! The Markdown backend: prints a [`Document`] as CommonMark with pipe tables.
//!
//! **Invariant:** every string from the document is escaped, so text from a manifest is
//! always read as text: it cannot open emphasis, a link, raw HTML, a heading or a list,
//! and a `|` cannot break a table row. Links are printed only for `http(s)` addresses,
//! email addresses and telephone numbers (see [`super::safe`]).

use std::fmt::Write as _;

use super::doc::{Block, Document, Inline, Link, Section, Table, Text, collapse_whitespace};
use super::safe;

/// Prints the document.
pub(super) fn render(document: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape_block(&document.title));
    for line in &document.meta {
        let _ = writeln!(out, "{}\n", block_text(line));
    }
    for block in &document.intro {
        write_block(&mut out, block);
    }
    if !document.sections.is_empty() {
        out.push_str("## Contents\n\n");
        for section in &document.sections {
            // Ids are slugs (ASCII letters, digits, `-`, `_` and other letters), which
            // need no escaping inside a link destination.
            let _ = writeln!(out, "- [{}](#{})", escape_inline(&section.title), section.id);
        }
        out.push('\n');
    }
    for section in &document.sections {
        write_section(&mut out, section, 2);
    }
    if !document.footer.is_empty() {
        out.push_str("---\n\n");
        for line in &document.footer {
            let _ = writeln!(out, "{}\n", block_text(line));
        }
    }
    // One trailing newline, as editors and `git diff` expect.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn write_section(out: &mut String, section: &Section, level: usize) {
    let hashes = "#".repeat(level.clamp(1, 6));
    let _ = writeln!(out, "{hashes} {}\n", escape_block(&section.title));
    for block in &section.blocks {
        write_block(out, block);
    }
    for subsection in &section.subsections {
        write_section(out, subsection, level + 1);
    }
}

fn write_block(out: &mut String, block: &Block) {
    match block {
        Block::Paragraph(text) => {
            let _ = writeln!(out, "{}\n", block_text(text));
        }
        Block::Callout(text) => {
            // Bold the whole statement; inner strong spans are printed plain so the
            // emphasis delimiters never nest.
            let _ = writeln!(out, "**{}**\n", inline_text(text, false).trim());
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", block_text(item));
            }
            out.push('\n');
        }
        Block::Table(table) => write_table(out, table),
    }
}

fn write_table(out: &mut String, table: &Table) {
    let _ = writeln!(out, "*{}*\n", escape_inline(collapse_whitespace(&table.caption).trim()));
    let head: Vec<String> = table.columns.iter().map(|c| escape_inline(c.trim())).collect();
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let rule: Vec<&str> = table.columns.iter().map(|_| "---").collect();
    let _ = writeln!(out, "| {} |", rule.join(" | "));
    for row in &table.rows {
        let mut cells: Vec<String> =
            row.iter().map(|cell| inline_text(cell, true).trim().to_owned()).collect();
        // A row with fewer cells than columns still renders as a complete row.
        cells.resize(table.columns.len().max(cells.len()), String::new());
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

/// Inline text that starts a block: its first characters are escaped so they cannot
/// be read as a heading, list marker, block quote or thematic break.
fn block_text(text: &Text) -> String {
    let inline = inline_text(text, true);
    escape_line_start(inline.trim_start())
}

fn inline_text(text: &Text, allow_strong: bool) -> String {
    let mut out = String::new();
    for inline in &text.0 {
        match inline {
            Inline::Plain(plain) => out.push_str(&escape_inline(&collapse_whitespace(plain))),
            Inline::Strong(strong) => {
                let strong = collapse_whitespace(strong);
                let strong = strong.trim();
                if strong.is_empty() {
                    continue;
                }
                if allow_strong {
                    let _ = write!(out, "**{}**", escape_inline(strong));
                } else {
                    out.push_str(&escape_inline(strong));
                }
            }
            Inline::Link(link) => out.push_str(&link_text(link)),
        }
    }
    out
}

fn link_text(link: &Link) -> String {
    match link {
        Link::Web { text, url } => {
            let text = collapse_whitespace(text);
            let text = text.trim();
            match safe::web_url(url) {
                Some(href) if text == url.trim() => format!("<{href}>"),
                Some(href) => format!("[{}]({href})", escape_inline(text)),
                None => escape_inline(text),
            }
        }
        Link::Email(address) => {
            let address = address.trim();
            match safe::email(address) {
                // A CommonMark email autolink; `safe::email` only accepts characters
                // the autolink grammar accepts.
                Some(_) => format!("<{address}>"),
                None => escape_inline(address),
            }
        }
        Link::Phone(number) => {
            let shown = collapse_whitespace(number);
            let shown = shown.trim();
            match safe::tel(shown) {
                Some(href) => format!("[{}]({href})", escape_inline(shown)),
                None => escape_inline(shown),
            }
        }
    }
}

/// Escapes the characters that CommonMark (and GitHub's table and strikethrough
/// extensions) give a meaning to inside a line.
fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            // `&name;` and `&#123;` are character references; escape `&` only there.
            '&' if chars
                .peek()
                .is_some_and(|next| next.is_ascii_alphanumeric() || *next == '#') =>
            {
                out.push_str("\\&");
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Escapes a heading's or a list item's text.
fn escape_block(text: &str) -> String {
    escape_line_start(&escape_inline(collapse_whitespace(text).trim()))
}

/// Escapes what would start a block at the beginning of a line: `#`, `-`, `+`, `=`
/// and `1.` / `1)` list markers. (`>` and `*` are already escaped everywhere.)
fn escape_line_start(line: &str) -> String {
    if line.starts_with(['#', '-', '+', '=']) {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        // Digits are ASCII, so the byte index equals the character count.
        let (number, rest) = line.split_at(digits);
        if rest.starts_with(['.', ')']) {
            return format!("{number}\\{rest}");
        }
    }
    line.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_text_cannot_make_markup() {
        assert_eq!(
            escape_inline("<b>*x*</b> [a](b) | c_d & e &amp;"),
            r"\<b\>\*x\*\</b\> \[a\](b) \| c\_d & e \&amp;"
        );
        assert_eq!(escape_block("# not a heading"), r"\# not a heading");
        assert_eq!(escape_block("1. not a list"), r"1\. not a list");
        assert_eq!(escape_block("2024 was good"), "2024 was good");
        assert_eq!(escape_block("- dash\nnext"), r"\- dash next");
    }

    #[test]
    fn links_only_for_safe_targets() {
        let web = |url: &str| link_text(&Link::Web { text: url.into(), url: url.into() });
        assert_eq!(web("https://example.com/a"), "<https://example.com/a>");
        assert_eq!(web("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(link_text(&Link::Email("privacy@example.com".into())), "<privacy@example.com>");
        assert_eq!(link_text(&Link::Email("a<b>@example.com".into())), r"a\<b\>@example.com");
        assert_eq!(
            link_text(&Link::Phone("1-800-555-0100".into())),
            "[1-800-555-0100](tel:18005550100)"
        );
    }
}

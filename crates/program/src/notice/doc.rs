//! The notice as a small document: sections of paragraphs, lists and tables, written once
//! by the law-specific builders and printed by the Markdown and HTML backends.
//!
//! **Invariant:** nothing in a [`Document`] is markup. Every string is plain text (our own
//! wording or text from the manifest), and links carry their target separately, so each
//! backend escapes everything it prints and manifest text can never inject markup or
//! script (STYLE.md §4.6 security regressions; R-155 accessibility).

/// A whole notice.
#[derive(Clone, Debug, Default)]
pub(super) struct Document {
    /// The page title (also the HTML `<title>`).
    pub(super) title: String,
    /// Lines under the title: effective date, version.
    pub(super) meta: Vec<Text>,
    /// Blocks before the first section.
    pub(super) intro: Vec<Block>,
    /// Top-level sections, in reading order.
    pub(super) sections: Vec<Section>,
    /// The footer line.
    pub(super) footer: Vec<Text>,
}

/// A section with a heading. Top-level sections are level 2, subsections level 3.
#[derive(Clone, Debug, Default)]
pub(super) struct Section {
    /// Heading text.
    pub(super) title: String,
    /// Anchor id; filled in by [`assign_ids`].
    pub(super) id: String,
    /// Content before any subsection.
    pub(super) blocks: Vec<Block>,
    /// Subsections.
    pub(super) subsections: Vec<Section>,
}

impl Section {
    pub(super) fn new(title: impl Into<String>) -> Section {
        Section { title: title.into(), ..Section::default() }
    }

    pub(super) fn para(&mut self, text: impl Into<Text>) {
        self.blocks.push(Block::Paragraph(text.into()));
    }

    pub(super) fn callout(&mut self, text: impl Into<Text>) {
        self.blocks.push(Block::Callout(text.into()));
    }

    /// Adds a list; an empty one is left out so no backend prints an empty `<ul>`.
    pub(super) fn list(&mut self, items: Vec<Text>) {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
    }

    pub(super) fn table(&mut self, table: Table) {
        self.blocks.push(Block::Table(table));
    }
}

/// A block of content.
#[derive(Clone, Debug)]
pub(super) enum Block {
    /// A paragraph.
    Paragraph(Text),
    /// A paragraph that must stand out (R-156: "say so prominently").
    Callout(Text),
    /// A bulleted list.
    List(Vec<Text>),
    /// A table.
    Table(Table),
}

/// A table. The first column names the row (a row header).
#[derive(Clone, Debug)]
pub(super) struct Table {
    /// What the table shows, as a short phrase.
    pub(super) caption: String,
    /// Column headings.
    pub(super) columns: Vec<String>,
    /// Rows of cells; each row has one cell per column.
    pub(super) rows: Vec<Vec<Text>>,
}

/// A run of inline text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Text(pub(super) Vec<Inline>);

/// A piece of inline text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Inline {
    /// Ordinary text.
    Plain(String),
    /// Text that is important (a name at the start of a list item, a key statement).
    Strong(String),
    /// A link; the backend decides whether the target is safe to link.
    Link(Link),
}

/// Where a link points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Link {
    /// A web address; linked only when it is `http://` or `https://`.
    Web {
        /// What the reader sees.
        text: String,
        /// The address.
        url: String,
    },
    /// An email address, linked with `mailto:`.
    Email(String),
    /// A telephone number, linked with `tel:` when it is a plausible number.
    Phone(String),
}

impl Text {
    pub(super) fn new() -> Text {
        Text(Vec::new())
    }

    pub(super) fn plain(mut self, text: impl Into<String>) -> Text {
        self.0.push(Inline::Plain(text.into()));
        self
    }

    pub(super) fn strong(mut self, text: impl Into<String>) -> Text {
        self.0.push(Inline::Strong(text.into()));
        self
    }

    pub(super) fn link(mut self, link: Link) -> Text {
        self.0.push(Inline::Link(link));
        self
    }

    pub(super) fn append(mut self, other: Text) -> Text {
        self.0.extend(other.0);
        self
    }

    /// The text without any markup, for headings and tests.
    #[cfg(test)]
    pub(super) fn to_plain(&self) -> String {
        self.0
            .iter()
            .map(|inline| match inline {
                Inline::Plain(text) | Inline::Strong(text) => text.as_str(),
                Inline::Link(Link::Web { text, .. }) => text.as_str(),
                Inline::Link(Link::Email(text) | Link::Phone(text)) => text.as_str(),
            })
            .collect()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::new().plain(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::new().plain(text)
    }
}

/// Collapses every run of whitespace (newlines of folded YAML included) into one space,
/// so manifest text can never start a new Markdown block or break a table row.
pub(super) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_whitespace() || ch.is_control() {
            // One space per run; a leading or trailing space is kept, because it
            // separates this piece from the next one in the same line.
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// Gives every section an anchor id the way GitHub slugs headings, so the Markdown
/// table of contents works where Markdown is rendered and the HTML uses the same ids.
/// `reserved` are headings printed before the sections (the title, "Contents").
pub(super) fn assign_ids(document: &mut Document, reserved: &[&str]) {
    let mut seen: Vec<String> = Vec::new();
    for heading in reserved {
        unique_slug(heading, &mut seen);
    }
    for section in &mut document.sections {
        section.id = unique_slug(&section.title, &mut seen);
        for subsection in &mut section.subsections {
            subsection.id = unique_slug(&subsection.title, &mut seen);
        }
    }
}

fn unique_slug(heading: &str, seen: &mut Vec<String>) -> String {
    let base = slug(heading);
    let mut candidate = base.clone();
    let mut counter = 0usize;
    while seen.contains(&candidate) {
        counter += 1;
        candidate = format!("{base}-{counter}");
    }
    seen.push(candidate.clone());
    candidate
}

/// GitHub's heading slug: lowercase letters and digits kept, spaces to hyphens, other
/// punctuation dropped. An empty result becomes `section` so an id is never empty.
pub(super) fn slug(heading: &str) -> String {
    let mut out = String::new();
    for ch in heading.trim().chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '-' {
            out.extend(ch.to_lowercase());
        } else if ch == ' ' {
            out.push('-');
        }
    }
    if out.is_empty() { "section".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slug("How we use it"), "how-we-use-it");
        assert_eq!(slug("Children and teenagers (under 16)"), "children-and-teenagers-under-16");
        assert_eq!(slug("“Shine the Light”"), "shine-the-light");
        assert_eq!(slug("!!!"), "section");
    }

    #[test]
    fn duplicate_headings_get_numbered_ids() {
        let mut document = Document {
            sections: vec![Section::new("Contact"), Section::new("Contact")],
            ..Document::default()
        };
        assign_ids(&mut document, &["Contents"]);
        let ids: Vec<&str> = document.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["contact", "contact-1"]);
    }

    #[test]
    fn whitespace_collapses_to_single_spaces() {
        assert_eq!(collapse_whitespace("a\n\n  b\tc "), "a b c ");
        assert_eq!(collapse_whitespace(" after a link"), " after a link");
        assert_eq!(collapse_whitespace("\n"), " ");
        assert_eq!(collapse_whitespace(""), "");
        assert_eq!(Text::from("x").strong("y").to_plain(), "xy");
    }
}

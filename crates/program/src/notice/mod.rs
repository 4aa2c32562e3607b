//! Notice rendering: the privacy notice people read, generated from the program.
//!
//! [`render`] builds a small document model (`doc`) for one law — the CCPA privacy
//! policy with its CalOPPA items (`ccpa`, R-155–R-158, B12, B13, R-221, R-326) or the
//! GDPR Art 13/14 information (`gdpr`, R-268, R-269) — and prints it as Markdown or as
//! one self-contained HTML page. The content is written once; the backends only format.
//!
//! **Invariants:** pure (no I/O, no clock: the dates printed are the manifest's),
//! deterministic (lists follow the manifest's order), total (never panics, even on a
//! program with errors: every index is looked up with `.get()`), and every piece of
//! manifest text is escaped by the backend that prints it.

mod ccpa;
mod common;
mod doc;
mod gdpr;
mod html;
mod markdown;
mod safe;

pub use self::html::escape as escape_html;

use crate::model::Program;

/// Which law's notice to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLaw {
    /// The California privacy policy: CCPA/CPRA, with the CalOPPA items when `caloppa`
    /// is among the jurisdictions.
    Ccpa,
    /// The GDPR notice: the information of Art 13 and Art 14.
    Gdpr,
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// CommonMark with pipe tables.
    Markdown,
    /// One self-contained, accessible HTML page.
    Html,
}

/// Renders the notice of `program` for `law` in `format`.
///
/// The rights listed are those whose `laws` contain `law`. Rendering a law the program
/// does not declare still works (the notice says what the program says), but only a
/// program loaded without errors gives a complete, accurate notice.
pub fn render(program: &Program, law: NoticeLaw, format: Format) -> String {
    let mut document = match law {
        NoticeLaw::Ccpa => ccpa::build(program),
        NoticeLaw::Gdpr => gdpr::build(program),
    };
    // The title and the "Contents" heading come before the sections in both formats,
    // so their slugs are taken first, as a Markdown renderer would take them.
    let title = document.title.clone();
    doc::assign_ids(&mut document, &[title.as_str(), "Contents", "main"]);
    match format {
        Format::Markdown => markdown::render(&document),
        Format::Html => html::render(&document),
    }
}

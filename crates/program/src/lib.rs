//! ombud-program: the privacy program as code.
//!
//! A manifest (YAML, format v1) declares what a company collects, why, who receives it,
//! how long it is kept, which rights it offers and which systems hold the data. This
//! crate turns the text into a typed [`Program`] with line-precise [`Diagnostic`]s,
//! lints it against the law ([`lint`]), renders notices ([`notice`]), compares two
//! versions ([`diff`]) and describes the format as JSON Schema ([`schema`]).
//!
//! **Invariant:** pure. It takes and returns strings, never touches files, the network or
//! the clock; "today" is a parameter ([`CheckOptions::today`]).
#![warn(missing_docs)]

pub mod date;
pub mod diagnostic;
pub mod diff;
pub mod fides;
pub mod lint;
pub mod live;
pub mod lower;
pub mod manifest;
pub mod model;
pub mod notice;
pub mod parse;
pub mod plan;
pub mod schema;
pub mod span;
pub mod suggest;

pub use date::Date;
pub use diagnostic::{Diagnostic, Severity};
pub use model::Program;
pub use parse::Unreadable;
pub use span::{Sp, Span};

/// Options for [`check`].
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Today's date, for lints about the age of the notice. `None` skips them.
    pub today: Option<Date>,
}

/// The outcome of checking one manifest.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The program, when the file could be parsed (possibly partial if there are errors).
    pub program: Option<Program>,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Parses, validates and lints manifest bytes.
///
/// Returns `Err` only when the bytes are not text at all (too large, not UTF-8); every
/// other problem is a diagnostic. Lints run only on a program without validation
/// errors, so their findings are about the law and never echoes of a typo.
pub fn check(bytes: &[u8], options: &CheckOptions) -> Result<Checked, Unreadable> {
    let text = parse::decode(bytes)?;
    Ok(check_text(text, options))
}

/// [`check`] on text that is already decoded.
pub fn check_text(text: &str, options: &CheckOptions) -> Checked {
    let manifest = match parse::parse(text) {
        Ok(manifest) => manifest,
        Err(diagnostic) => return Checked { program: None, diagnostics: vec![diagnostic] },
    };
    let (program, mut diagnostics) = lower::lower(&manifest);
    if !diagnostics.iter().any(|d| d.severity == Severity::Error) {
        diagnostics.extend(lint::run(&program, options));
    }
    diagnostic::sort(&mut diagnostics);
    Checked { program: Some(program), diagnostics }
}

/// Loads a program that must be free of errors (for rendering a notice or a diff).
/// Warnings are returned alongside; errors make it fail with every diagnostic.
pub fn load(bytes: &[u8], options: &CheckOptions) -> Result<(Program, Vec<Diagnostic>), LoadError> {
    let checked = check(bytes, options).map_err(LoadError::Unreadable)?;
    match checked.program {
        Some(program) if !checked.has_errors() => Ok((program, checked.diagnostics)),
        _ => Err(LoadError::Invalid(checked.diagnostics)),
    }
}

/// Why [`load`] failed.
#[derive(Clone, Debug)]
pub enum LoadError {
    /// Not text.
    Unreadable(Unreadable),
    /// Has errors.
    Invalid(Vec<Diagnostic>),
}

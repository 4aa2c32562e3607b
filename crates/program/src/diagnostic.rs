//! Diagnostics: what is wrong, where, how to mend it, and which law says so.
//!
//! Every diagnostic carries a stable code (`P…` parse, `V…` validation, `L…` lint),
//! a severity, a span, a message that names the problem, an optional help line
//! that says how to fix it, and for lints the R-number or article it comes from.

use std::fmt::Write as _;

use crate::span::Span;

/// How serious a diagnostic is. `ombud check` exits 1 when any is an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// Probably wrong, or a gap a regulator may ask about.
    Warning,
    /// The program is invalid or breaks a rule of the law.
    Error,
}

impl Severity {
    /// The lowercase word.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding about a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, such as `P003` or `L012`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// Where in the file.
    pub span: Span,
    /// What is wrong, in one sentence (lowercase, no trailing period).
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The R-number of REGULATIONS.md and the article or section it comes from.
    pub citation: Option<&'static str>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            span,
            message: message.into(),
            help: None,
            citation: None,
        }
    }

    /// A warning.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, span, message) }
    }

    /// Adds a help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds the legal source.
    #[must_use]
    pub fn with_citation(mut self, citation: &'static str) -> Self {
        self.citation = Some(citation);
        self
    }

    /// Renders the diagnostic for a terminal: `file:line:column: severity[code]: message`.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!(
            "{file}:{}:{}: {}[{}]: {}",
            self.span.line,
            self.span.column,
            self.severity.as_str(),
            self.code,
            self.message
        );
        if let Some(help) = &self.help {
            let _ = write!(out, "\n  = help: {help}");
        }
        if let Some(citation) = self.citation {
            let _ = write!(out, "\n  = law: {citation}");
        }
        out
    }

    /// The diagnostic as a JSON object for `--format json`.
    pub fn to_json(&self, file: &str) -> serde_json::Value {
        serde_json::json!({
            "file": file,
            "line": self.span.line,
            "column": self.span.column,
            "severity": self.severity.as_str(),
            "code": self.code,
            "message": self.message,
            "help": self.help,
            "citation": self.citation,
        })
    }
}

/// Sorts diagnostics by position, then code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (a.span, a.code, &a.message).cmp(&(b.span, b.code, &b.message)));
}

//! From bytes to a [`Manifest`]: encoding, size and shape, with every limit enforced.
//!
//! Manifests are untrusted input (a team may check in a file from a vendor, a Fides
//! export, a pasted snippet), so this is a trust boundary: the size is capped before
//! anything is parsed, nesting, node counts and alias expansion are budgeted, and every
//! failure becomes a [`Diagnostic`] with a line and column — never a panic.

use ombud_core::limits;
use serde_saphyr::{Error as YamlError, budget::Budget, options::AliasLimits};

use crate::diagnostic::Diagnostic;
use crate::manifest::Manifest;
use crate::span::Span;
use crate::suggest;

/// Why a file could not be read as text at all (`ombud check` exits 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Larger than [`limits::MANIFEST_BYTES_MAX`].
    TooLarge {
        /// The file's size.
        size_bytes: usize,
    },
    /// Not UTF-8.
    NotUtf8 {
        /// What the bytes look like instead.
        detail: String,
    },
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::TooLarge { size_bytes } => write!(
                f,
                "file is {size_bytes} bytes, more than the {} bytes a manifest may have; split \
                 the systems inventory out or remove generated content",
                limits::MANIFEST_BYTES_MAX
            ),
            Unreadable::NotUtf8 { detail } => {
                write!(
                    f,
                    "file is not UTF-8 text ({detail}); save it as UTF-8 without a byte-order mark"
                )
            }
        }
    }
}

/// Checks size and encoding and returns the text.
pub fn decode(bytes: &[u8]) -> Result<&str, Unreadable> {
    if bytes.len() > limits::MANIFEST_BYTES_MAX {
        return Err(Unreadable::TooLarge { size_bytes: bytes.len() });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Unreadable::NotUtf8 {
            detail: "it starts with a UTF-16 byte-order mark".into(),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        Unreadable::NotUtf8 { detail: format!("invalid byte at offset {offset}, line {line}") }
    })?;
    // A UTF-8 byte-order mark is harmless; YAML allows it.
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The YAML guards every file ombud parses gets (the manifest, Fides datasets):
/// nesting, nodes, aliases, alias expansion, one document, and `scalar_bytes_max`.
pub(crate) fn guards(scalar_bytes_max: usize) -> (Budget, AliasLimits) {
    // Both structs are `#[non_exhaustive]`: start from the defaults and tighten.
    let mut budget = Budget::default();
    budget.max_depth = limits::MANIFEST_DEPTH_MAX;
    budget.max_aliases = limits::MANIFEST_ALIASES_MAX;
    budget.max_nodes = limits::MANIFEST_NODES_MAX;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = scalar_bytes_max;
    let mut alias_limits = AliasLimits::default();
    alias_limits.max_total_replayed_events = limits::MANIFEST_ALIAS_REPLAYED_EVENTS_MAX;
    alias_limits.max_replay_stack_depth = 8;
    alias_limits.max_alias_expansions_per_anchor = 64;
    (budget, alias_limits)
}

/// Parses manifest text. On failure, returns the one structural diagnostic serde found.
pub fn parse(text: &str) -> Result<Manifest, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error("P001", Span::new(1, 1), "the file is empty")
            .with_help("start with `ombud: 1`; `ombud schema` prints the full format"));
    }
    let (budget, alias_limits) = guards(limits::MANIFEST_BYTES_MAX);
    let options = serde_saphyr::options! {
        budget: Some(budget),
        alias_limits: alias_limits,
        with_snippet: false,
        strict_booleans: true,
        reject_unsupported_tags: true,
    };
    serde_saphyr::from_str_with_options::<Manifest>(text, options)
        .map_err(|error| to_diagnostic(&error))
}

fn to_diagnostic(error: &YamlError) -> Diagnostic {
    let span = error.location().map(Span::from_location).unwrap_or_default();
    let inner = innermost(error);
    match inner {
        YamlError::SerdeUnknownField { field, expected, .. } => {
            let help = suggest::help_for(field, expected)
                .unwrap_or_else(|| "remove it; `ombud schema` lists the fields".into());
            Diagnostic::error("P004", span, format!("unknown field `{}`", truncate(field)))
                .with_help(help)
        }
        YamlError::SerdeUnknownVariant { variant, expected, .. } => {
            let help = suggest::help_for(variant, expected).unwrap_or_default();
            Diagnostic::error("P004", span, format!("unknown value `{}`", truncate(variant)))
                .with_help(help)
        }
        YamlError::SerdeMissingField { field, .. } => {
            // serde notices a missing field at the end of the mapping, so the span is
            // the mapping's last key: say "this mapping", not "here".
            Diagnostic::error("P003", span, format!("missing field `{field}` in this mapping"))
                .with_help(format!(
                    "add `{field}:` to the mapping; `ombud schema` says what it takes"
                ))
        }
        YamlError::DuplicateMappingKey { key, .. } => {
            let what = key.as_deref().map(truncate).unwrap_or_else(|| "a key".into());
            Diagnostic::error("P005", span, format!("`{what}` appears twice in the same mapping"))
                .with_help("keep one of them; YAML would silently keep only the last")
        }
        YamlError::SerdeInvalidType { unexpected, expected, .. }
        | YamlError::SerdeInvalidValue { unexpected, expected, .. } => Diagnostic::error(
            "P002",
            span,
            format!("wrong type: found {}, expected {expected}", truncate(unexpected)),
        )
        .with_help(type_help(expected)),
        YamlError::Budget { breach, .. } => Diagnostic::error(
            "P006",
            span,
            format!("the manifest exceeds a safety limit: {}", breach_in_words(breach)),
        )
        .with_help(format!(
            "a manifest may nest at most {} levels, hold {} nodes and use {} aliases; \
             write lists out instead of expanding anchors",
            limits::MANIFEST_DEPTH_MAX,
            limits::MANIFEST_NODES_MAX,
            limits::MANIFEST_ALIASES_MAX
        )),
        YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => {
            Diagnostic::error("P006", span, "YAML aliases expand to more than a manifest may hold")
                .with_help("write the repeated lists out, or use fewer nested anchors")
        }
        _ => classify_other(inner, span),
    }
}

/// What a budget breach means, for a person: the library's own names, worded.
fn breach_in_words(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as Breach;
    match breach {
        Breach::Depth { .. } => {
            format!("nested more than {} levels deep", limits::MANIFEST_DEPTH_MAX)
        }
        Breach::Nodes { .. } => format!("more than {} YAML nodes", limits::MANIFEST_NODES_MAX),
        Breach::Aliases { .. } => format!("more than {} aliases", limits::MANIFEST_ALIASES_MAX),
        Breach::Documents { .. } => "more than one YAML document (`---`)".to_owned(),
        Breach::ScalarBytes { .. } => "more text than the file size limit".to_owned(),
        Breach::Anchors { .. } | Breach::Events { .. } => {
            "too many YAML anchors or events".to_owned()
        }
        _ => "a YAML structure too large to read safely".to_owned(),
    }
}

fn classify_other(error: &YamlError, span: Span) -> Diagnostic {
    let text = error.without_snippet().to_string();
    let message = strip_location_prefix(&text);
    let wrong_type = message.starts_with("expected") || message.starts_with("invalid");
    let code = if wrong_type { "P002" } else { "P001" };
    let help = if wrong_type {
        type_help(message)
    } else {
        "fix the YAML syntax here (indentation, a missing `:` or closing bracket)".into()
    };
    Diagnostic::error(code, span, truncate(message)).with_help(help)
}

fn innermost(mut error: &YamlError) -> &YamlError {
    loop {
        match error {
            YamlError::WithSnippet { error: inner, .. }
            | YamlError::AliasError { error: inner, .. } => {
                error = inner;
            }
            other => return other,
        }
    }
}

fn type_help(expected: &str) -> String {
    if expected.contains("sequence") || expected.contains("Vec") {
        "write a list, such as `[a, b]` or one `- item` per line".into()
    } else if expected.contains("bool") {
        "write `true` or `false`".into()
    } else if expected.contains("mapping") || expected.contains("struct") {
        "write a mapping of `key: value` lines".into()
    } else if expected.contains("string") {
        "write a single value, quoted if it contains `:` or `#`".into()
    } else {
        "`ombud schema` says what this field takes".into()
    }
}

/// The library's messages carry their own "line N column M" wording; the diagnostic
/// already has the span, so keep only the sentence.
pub(crate) fn strip_location_prefix(text: &str) -> &str {
    let mut text = text.strip_prefix("error: ").unwrap_or(text);
    if let Some(rest) = text.strip_prefix("line ")
        && let Some((_, message)) = rest.split_once(": ")
    {
        text = message;
    }
    if let Some(position) = text.rfind(" at line ")
        && text[position..].contains(", column ")
    {
        text = &text[..position];
    }
    text
}

/// Error messages echo parts of the input; keep them short so a hostile file cannot
/// turn a diagnostic into a copy of itself.
pub(crate) fn truncate(text: &str) -> String {
    const CHARS_MAX: usize = 120;
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(CHARS_MAX).collect();
    if chars.next().is_some() { format!("{short}…") } else { short }
}

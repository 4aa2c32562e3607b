//! Personal data in memory: a wrapper that never prints its value, and the one
//! normalization of identifiers that both matching and the store's blind index use.
//!
//! **Invariant:** `Debug` and `Display` of a [`Sensitive`] print `[redacted]`, so a value
//! that reaches a log line, an error message or a panic leaks nothing (STYLE.md §4.7).
//! Reading the value takes a call to [`Sensitive::expose`], which is easy to grep for.

use std::fmt;

use crate::{IdentityKind, Reference as _};

/// A value that is personal data.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }
    /// The value itself. Every call is a place where personal data leaves the wrapper.
    pub fn expose(&self) -> &T {
        &self.0
    }
    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for Sensitive<String> {
    fn from(value: &str) -> Self {
        Sensitive(value.to_owned())
    }
}

impl From<String> for Sensitive<String> {
    fn from(value: String) -> Self {
        Sensitive(value)
    }
}

/// Why an identifier was refused. The message names the kind, never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityError {
    /// What was wrong, as a sentence fragment that can follow "the email address".
    pub message: String,
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for IdentityError {}

/// The canonical form of an identifier of `kind`: what two spellings of the same
/// person's identifier have in common. The store indexes this form (a keyed hash of
/// it), and data-point matching compares it.
///
/// - email: trimmed and lowercased (the local part is case-sensitive in theory; no
///   mailbox provider treats it so, and a request must not fail on capitals);
/// - phone: the digits, with a leading `+` kept;
/// - everything else: trimmed, inner whitespace collapsed, lowercased.
pub fn normalize_identity(kind: IdentityKind, value: &str) -> Result<String, IdentityError> {
    let trimmed = value.trim();
    let what = kind.label().to_lowercase();
    if trimmed.is_empty() {
        return Err(IdentityError { message: format!("the {what} is empty") });
    }
    if trimmed.len() > crate::limits::IDENTITY_VALUE_BYTES_MAX {
        return Err(IdentityError {
            message: format!(
                "the {what} is longer than {} bytes",
                crate::limits::IDENTITY_VALUE_BYTES_MAX
            ),
        });
    }
    if trimmed.chars().any(char::is_control) {
        return Err(IdentityError { message: format!("the {what} contains a control character") });
    }
    match kind {
        IdentityKind::Email => {
            let lower = trimmed.to_lowercase();
            let mut parts = lower.split('@');
            let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(IdentityError {
                    message: "the email address must have exactly one `@`, as in name@example.com"
                        .to_owned(),
                });
            };
            if local.is_empty()
                || domain.is_empty()
                || !domain.contains('.')
                || lower.chars().any(char::is_whitespace)
            {
                return Err(IdentityError {
                    message: "the email address is not of the form name@example.com".to_owned(),
                });
            }
            Ok(lower)
        }
        IdentityKind::Phone => {
            let plus = trimmed.starts_with('+');
            let mut digits = String::with_capacity(trimmed.len());
            for c in trimmed.chars() {
                match c {
                    '0'..='9' => digits.push(c),
                    ' ' | '-' | '.' | '(' | ')' | '/' => {}
                    '+' if digits.is_empty() => {}
                    _ => {
                        return Err(IdentityError {
                            message: "the phone number may hold only digits, spaces, `+`, `-`, `.`, `/` and parentheses".to_owned(),
                        });
                    }
                }
            }
            if !(4..=15).contains(&digits.len()) {
                return Err(IdentityError {
                    message: "the phone number must have 4 to 15 digits (E.164)".to_owned(),
                });
            }
            Ok(if plus { format!("+{digits}") } else { digits })
        }
        _ => Ok(collapse(trimmed).to_lowercase()),
    }
}

/// The canonical form of a free-text data point (a postal code, a name, the amount
/// of the last order) for matching: trimmed, case-folded, runs of whitespace made one
/// space, and for values that are only digits and separators, the digits alone.
pub fn normalize_data_point(value: &str) -> String {
    let collapsed = collapse(value.trim()).to_lowercase();
    let digit_like = !collapsed.is_empty()
        && collapsed.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | ',' | '(' | ')' | '+' | '/' | '$')
        })
        && collapsed.chars().any(|c| c.is_ascii_digit());
    if digit_like {
        // "$1,234.50" and "1234.5" name the same amount; "94 105" and "94105" the same
        // postal code. Keep the digits and one decimal point, then drop trailing zeros
        // after it.
        let mut out = String::new();
        let mut seen_point = false;
        for c in collapsed.chars() {
            match c {
                '0'..='9' => out.push(c),
                '.' if !seen_point => {
                    seen_point = true;
                    out.push('.');
                }
                _ => {}
            }
        }
        if seen_point {
            while out.ends_with('0') {
                out.pop();
            }
            if out.ends_with('.') {
                out.pop();
            }
        }
        return out;
    }
    collapsed
}

fn collapse(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_never_print() {
        let secret = Sensitive::new("ada@example.com".to_owned());
        assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
        assert_eq!(secret.expose(), "ada@example.com");
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_identity(IdentityKind::Email, "  Ada.Example@Example.COM ").as_deref(),
            Ok("ada.example@example.com")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a@b@example.com",
            "ada @example.com",
            "ada@localhost",
        ] {
            let error = normalize_identity(IdentityKind::Email, bad).unwrap_err();
            // Messages describe the problem, never echo the value.
            assert!(!error.message.contains("ada"), "{error}");
        }
    }

    #[test]
    fn phones_keep_digits_and_a_leading_plus() {
        assert_eq!(
            normalize_identity(IdentityKind::Phone, "+1 (877) 555-0142").as_deref(),
            Ok("+18775550142")
        );
        assert_eq!(
            normalize_identity(IdentityKind::Phone, "877.555.0142").as_deref(),
            Ok("8775550142")
        );
        assert!(normalize_identity(IdentityKind::Phone, "call me").is_err());
        assert!(normalize_identity(IdentityKind::Phone, "12").is_err());
        assert!(normalize_identity(IdentityKind::Phone, "1+2345").is_err());
    }

    #[test]
    fn identities_have_a_size_limit() {
        let at_limit =
            format!("{}@example.com", "a".repeat(crate::limits::IDENTITY_VALUE_BYTES_MAX - 12));
        assert!(normalize_identity(IdentityKind::Email, &at_limit).is_ok());
        let past = format!("a{at_limit}");
        assert!(normalize_identity(IdentityKind::Email, &past).is_err());
    }

    #[test]
    fn data_points_compare_amounts_and_codes_by_their_digits() {
        assert_eq!(normalize_data_point("$1,234.50"), "1234.5");
        assert_eq!(normalize_data_point("1234.5"), "1234.5");
        assert_eq!(normalize_data_point("94 105"), "94105");
        assert_eq!(normalize_data_point("  Blue   Widget "), "blue widget");
        assert_eq!(normalize_data_point("100.00"), "100");
    }
}

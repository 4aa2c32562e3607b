//! One value read from or written to a company database.
//!
//! The connector reduces every engine's types to six shapes: the access package and
//! the erasure steps only need to copy, hash or replace values, never to compute with
//! them. Types with no shape of their own (numeric, dates, uuid, json, enums, arrays)
//! arrive as the engine's canonical text form.

use std::fmt;

/// A database value. `Debug` never prints the contents of text or bytes: they are
/// personal data more often than not.
#[derive(Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer of any width that fits in 64 bits.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text (and every type read as its text form).
    Text(String),
    /// Bytes (bytea, blob, binary).
    Bytes(Vec<u8>),
}

impl Value {
    /// The value as text for keying (hashing, matching keys between tables): ints,
    /// text and booleans; `None` for null, floats and bytes, which do not make keys.
    pub fn as_key_text(&self) -> Option<String> {
        match self {
            Self::Int(int) => Some(int.to_string()),
            Self::Text(text) => Some(text.clone()),
            Self::Bool(flag) => Some(flag.to_string()),
            Self::Null | Self::Float(_) | Self::Bytes(_) => None,
        }
    }

    /// Whether this is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("Null"),
            // Numbers and flags alone are rarely personal, but an id next to a table
            // name can be; print their shape only, like text.
            Self::Bool(_) => f.write_str("Bool(<hidden>)"),
            Self::Int(_) => f.write_str("Int(<hidden>)"),
            Self::Float(_) => f.write_str("Float(<hidden>)"),
            Self::Text(text) => write!(f, "Text(<{} bytes>)", text.len()),
            Self::Bytes(bytes) => write!(f, "Bytes(<{} bytes>)", bytes.len()),
        }
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_shape_and_never_the_contents() {
        let text = format!("{:?}", Value::Text("jane.doe@example.com".into()));
        assert_eq!(text, "Text(<20 bytes>)");
        assert!(!format!("{:?}", Value::Bytes(b"secret".to_vec())).contains("secret"));
        assert!(!format!("{:?}", Value::Int(4_111_111_111)).contains("4111"));
    }

    #[test]
    fn keys_are_text_for_ints_text_and_bools_only() {
        assert_eq!(Value::Int(-7).as_key_text().as_deref(), Some("-7"));
        assert_eq!(Value::from("a@example.com").as_key_text().as_deref(), Some("a@example.com"));
        assert_eq!(Value::Bool(true).as_key_text().as_deref(), Some("true"));
        assert_eq!(Value::Null.as_key_text(), None);
        assert_eq!(Value::Float(1.5).as_key_text(), None);
        assert_eq!(Value::Bytes(vec![1]).as_key_text(), None);
    }
}

//! How one database value appears in the package: the decision is made once here, so
//! the HTML, the CSV and the JSON can never disagree about what is withheld or cut.
//!
//! - A value of a column the law says never to send is replaced by a
//!   statement; a NULL there stays NULL, since the business holds nothing to withhold.
//! - Text longer than the value limit is cut at a character boundary and marked.
//! - Binary data is base64 in JSON and a description elsewhere.

use crate::Cell;

/// A value ready to print.
#[derive(Clone, Copy, Debug)]
pub(crate) enum View<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text, possibly only its first bytes.
    Text {
        /// What is shown.
        shown: &'a str,
        /// The full length in bytes; more than `shown.len()` when cut.
        total: usize,
    },
    /// Binary data, possibly only its first bytes.
    Binary {
        /// What is shown (in JSON only).
        shown: &'a [u8],
        /// The full length in bytes.
        total: usize,
    },
    /// Withheld under R-074: the statement that replaces it.
    Withheld(&'a str),
}

impl View<'_> {
    /// Whether the value was cut.
    pub(crate) fn is_cut(&self) -> bool {
        match self {
            View::Text { shown, total } => shown.len() < *total,
            View::Binary { shown, total } => shown.len() < *total,
            _ => false,
        }
    }
}

/// The view of a cell. `withheld` is the column's statement when its category is one
/// the law says never to disclose.
pub(crate) fn view<'a>(cell: &'a Cell, withheld: Option<&'a str>, max: usize) -> View<'a> {
    if let Some(statement) = withheld
        && *cell != Cell::Null
    {
        return View::Withheld(statement);
    }
    match cell {
        Cell::Null => View::Null,
        Cell::Bool(value) => View::Bool(*value),
        Cell::Int(value) => View::Int(*value),
        Cell::Float(value) => View::Float(*value),
        Cell::Text(text) => View::Text { shown: cut_text(text, max), total: text.len() },
        Cell::Bytes(bytes) => {
            View::Binary { shown: bytes.get(..max).unwrap_or(bytes), total: bytes.len() }
        }
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut_text(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// A number with thousands separators, as a person reads it: 1,048,576.
pub(crate) fn grouped(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The words that mark a cut value, after what is shown.
pub(crate) fn cut_note(shown: usize, total: usize) -> String {
    format!(
        "[cut: this value is {} bytes long; only the first {} are included]",
        grouped(total),
        grouped(shown)
    )
}

/// How binary data is described where it cannot be shown.
pub(crate) fn binary_note(total: usize) -> String {
    format!("[binary data, {} bytes]", grouped(total))
}

/// A float as text: the shortest form that reads back to the same number.
pub(crate) fn float_text(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(cut_text("héllo", 2), "h");
        assert_eq!(cut_text("héllo", 3), "hé");
        assert_eq!(cut_text("héllo", 100), "héllo");
        let cell = Cell::Text("€€€".into());
        let View::Text { shown, total } = view(&cell, None, 4) else { panic!("not text") };
        assert_eq!((shown, total), ("€", 9));
    }

    #[test]
    fn withholds_values_but_not_nulls() {
        assert!(matches!(view(&Cell::Int(7), Some("held"), 10), View::Withheld("held")));
        assert!(matches!(view(&Cell::Null, Some("held"), 10), View::Null));
    }

    #[test]
    fn groups_digits() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_048_576), "1,048,576");
    }
}

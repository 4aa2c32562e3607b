//! `data/<system>/<table>.csv`: one table for a spreadsheet. A header row of column
//! names, then one row per database row (RFC 4180 quoting, by the `csv` crate).
//!
//! A spreadsheet reads CSV, so two things differ from the exact values in the JSON:
//! - Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//!   tab or CR) gets a leading `'`, so opening one's own data never runs a formula a
//!   third party planted in it (CSV injection).
//! - NULL is an empty cell; binary data, cut values and withheld values are
//!   words in the cell.
//!
//! A table cut short by a row cap ends with one more row that says so: CSV has nowhere
//! else to carry it, and a package never pretends to be complete.

use std::io::{self, Write};

use crate::model::{Model, TableModel};
use crate::value::{View, binary_note, cut_note, float_text, grouped, view};

/// Writes one table's CSV.
pub(crate) fn write_table(
    model: &Model<'_>,
    table: &TableModel<'_>,
    out: &mut impl Write,
) -> io::Result<()> {
    let data = table.data;
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    writer.write_record(data.columns.iter().map(|column| column.name.as_str()))?;
    let max = model.limits.value_bytes_max;
    let mut record: Vec<String> = Vec::with_capacity(data.columns.len());
    for row in &data.rows {
        record.clear();
        for (column, cell) in row.iter().enumerate() {
            let statement = table.statements.get(column).and_then(Option::as_deref);
            record.push(cell_text(view(cell, statement, max)));
        }
        writer.write_record(&record)?;
    }
    if !table.complete() {
        let mut marker = vec![String::new(); data.columns.len().max(1)];
        if let Some(first) = marker.first_mut() {
            *first = format!(
                "[INCOMPLETE: this table had more rows than we could include; the {} rows above are the first ones]",
                grouped(data.rows.len())
            );
        }
        writer.write_record(&marker)?;
    }
    writer.flush()?;
    Ok(())
}

/// The text of a cell in a spreadsheet.
fn cell_text(value: View<'_>) -> String {
    match value {
        View::Null => String::new(),
        View::Bool(value) => value.to_string(),
        View::Int(value) => value.to_string(),
        View::Float(value) => float_text(value),
        View::Text { shown, total } => {
            let mut text = String::with_capacity(shown.len() + 1);
            if shown.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                text.push('\'');
            }
            text.push_str(shown);
            if shown.len() < total {
                text.push(' ');
                text.push_str(&cut_note(shown.len(), total));
            }
            text
        }
        View::Binary { total, .. } => binary_note(total),
        View::Withheld(statement) => statement.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_plain_text_is_not() {
        let text = |shown| cell_text(View::Text { shown, total: shown.len() });
        assert_eq!(
            text("=HYPERLINK(\"https://attacker.example\")"),
            "'=HYPERLINK(\"https://attacker.example\")"
        );
        assert_eq!(text("+1-650-555-0100"), "'+1-650-555-0100");
        assert_eq!(text("@sum"), "'@sum");
        assert_eq!(text("Avery"), "Avery");
        assert_eq!(text("a=b"), "a=b");
        // Numbers are numbers, not text: a negative one is left alone.
        assert_eq!(cell_text(View::Int(-5)), "-5");
    }
}

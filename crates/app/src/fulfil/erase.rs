//! Erasure strategies as values, and applying a plan's erasure in one transaction.
//!
//! R-090 allows erasure, deidentification or aggregation; the manifest declares per
//! table or column which one: delete the row, set NULL, a fixed mask, a keyed hash, a
//! random value. Overwritten values are recognizable (`*` masks, `h$`/`r$` prefixes),
//! so a repeated erasure leaves an already-erased row as it is: erasure is idempotent.

use ombud_connect::{Value, WriteTx};
use ombud_core::ErasureStrategy;
use ombud_core::Reference as _;
use ombud_program::plan::{Action, SystemPlan};
use serde::Serialize;

use super::FulfilError;
use super::collect::{StepRows, key_text};

/// The longest replacement text: hashes and random values are cut to the original
/// value's length (so they fit its column) and to this.
const REPLACEMENT_CHARS_MAX: usize = 64;

/// What erasure did (or found kept) in one table; goes into the receipt.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TableOutcome {
    /// The table.
    pub table: String,
    /// `delete`, `overwrite`, `retain`, `undeclared` or `path`.
    pub action: &'static str,
    /// Rows deleted or changed.
    pub rows_touched: u64,
    /// Rows found but left: kept under an exception, already erased, or undeclared.
    pub rows_left: u64,
    /// Rows found that should have been erased and were not (a key the database no
    /// longer matched, a row without a key): the request is not done while any remain.
    #[serde(default)]
    pub rows_missed: u64,
    /// The exception codes, for kept rows, one per law.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// Columns overwritten, with their strategy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<(String, &'static str)>,
    /// Keyed hashes of the primary keys of the rows touched (never the keys themselves).
    pub key_hashes: Vec<String>,
}

/// Keyed hashing and randomness, injected so tests and replays are reproducible.
pub trait Scrambler: Send + Sync {
    /// A keyed hash of a value (HMAC-SHA256 under an installation key), hex.
    fn keyed_hash_hex(&self, label: &str, value: &[u8]) -> String;
    /// Random bytes.
    fn random_bytes(&self, n: usize) -> Vec<u8>;
}

/// The fixed mask for a value.
fn mask(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::Bool(_) => Value::Bool(false),
        Value::Int(_) => Value::Int(0),
        Value::Float(_) => Value::Float(0.0),
        Value::Text(text) => Value::Text("*".repeat(text.chars().count().clamp(1, 8))),
        Value::Bytes(_) => Value::Bytes(Vec::new()),
    }
}

fn is_erased_text(text: &str) -> bool {
    (!text.is_empty() && text.chars().all(|c| c == '*'))
        || ((text.starts_with("h$") || text.starts_with("r$"))
            && text[2..].chars().all(|c| c.is_ascii_hexdigit()))
}

/// The replacement for one value, or `None` when it is already erased.
pub fn replacement(
    strategy: ErasureStrategy,
    value: &Value,
    scrambler: &dyn Scrambler,
) -> Option<Value> {
    if matches!(value, Value::Null) {
        return None;
    }
    if let Value::Text(text) = value
        && is_erased_text(text)
    {
        return None;
    }
    let width = match value {
        Value::Text(text) => text.chars().count().clamp(3, REPLACEMENT_CHARS_MAX),
        _ => REPLACEMENT_CHARS_MAX,
    };
    let marked = |prefix: &str, hex: String| {
        let mut out = format!("{prefix}{hex}");
        out.truncate(width.max(prefix.len() + 1));
        Value::Text(out)
    };
    // Numbers, booleans and bytes cannot carry a mark that says "erased", so a keyed
    // hash or a random value there would change again on every repeat and a repeated
    // erasure could not tell done from not done: they get the fixed mask instead (0,
    // false, empty), which is recognized. Text shorter than a mark gets the mask too,
    // so the replacement always fits the column the value came from.
    let short = matches!(value, Value::Text(t) if t.chars().count() < 3);
    match strategy {
        ErasureStrategy::Delete => None,
        ErasureStrategy::Null => Some(Value::Null),
        ErasureStrategy::Mask => {
            let masked = mask(value);
            (masked != *value).then_some(masked)
        }
        ErasureStrategy::Hash | ErasureStrategy::Random
            if short || !matches!(value, Value::Text(_)) =>
        {
            let masked = mask(value);
            (masked != *value).then_some(masked)
        }
        ErasureStrategy::Hash => {
            let input = key_text(value);
            Some(marked("h$", scrambler.keyed_hash_hex("erasure_hash", input.as_bytes())))
        }
        ErasureStrategy::Random => {
            Some(marked("r$", ombud_core::audit::to_hex(&scrambler.random_bytes(32))))
        }
    }
}

/// Applies the plan's erasure to the rows read, in the plan's erase order, inside `tx`.
pub async fn apply(
    tx: &mut WriteTx,
    plan: &SystemPlan,
    read: &[StepRows],
    scrambler: &dyn Scrambler,
) -> Result<Vec<TableOutcome>, FulfilError> {
    let connect = |e| FulfilError::Connect { system: plan.system.clone(), error: e };
    let mut outcomes = Vec::with_capacity(plan.erase_order.len());
    for &s in &plan.erase_order {
        let step = &plan.steps[s];
        let rows = &read[s];
        let found = u64::try_from(rows.rows.len()).unwrap_or(u64::MAX);
        let mut outcome = TableOutcome {
            table: step.table.clone(),
            action: "path",
            rows_touched: 0,
            rows_left: 0,
            rows_missed: 0,
            exceptions: Vec::new(),
            columns: Vec::new(),
            key_hashes: Vec::new(),
        };
        let key_of = |row: &Vec<Value>| -> Option<Value> {
            let key = step.primary_key.as_deref()?;
            rows.column(key).map(|at| row[at].clone())
        };
        let hash_key = |key: &Value| {
            scrambler.keyed_hash_hex(
                "erasure_receipt_key",
                format!("{}/{}/{}", plan.system, step.table, key_text(key)).as_bytes(),
            )
        };
        match &step.action {
            Action::Retain(reasons) => {
                outcome.action = "retain";
                outcome.rows_left = found;
                outcome.exceptions = reasons.iter().map(|r| r.id().to_owned()).collect();
            }
            Action::Undeclared => {
                outcome.action = "undeclared";
                outcome.rows_left = found;
            }
            Action::PathOnly => outcome.action = "path",
            Action::Delete => {
                outcome.action = "delete";
                if !rows.rows.is_empty() {
                    let key_column =
                        step.primary_key.as_deref().ok_or_else(|| FulfilError::NoPrimaryKey {
                            system: plan.system.clone(),
                            table: step.table.clone(),
                        })?;
                    let keys: Vec<Value> = rows
                        .rows
                        .iter()
                        .filter_map(key_of)
                        .filter(|k| !matches!(k, Value::Null))
                        .collect();
                    outcome.rows_touched =
                        tx.delete(&step.table, key_column, &keys).await.map_err(connect)?;
                    outcome.rows_missed = found.saturating_sub(outcome.rows_touched);
                    outcome.key_hashes = keys.iter().map(hash_key).collect();
                }
            }
            Action::Overwrite(columns) => {
                outcome.action = "overwrite";
                outcome.columns = columns.iter().map(|(c, s)| (c.clone(), s.id())).collect();
                if rows.rows.is_empty() {
                    outcomes.push(outcome);
                    continue;
                }
                let key_column =
                    step.primary_key.as_deref().ok_or_else(|| FulfilError::NoPrimaryKey {
                        system: plan.system.clone(),
                        table: step.table.clone(),
                    })?;
                for row in &rows.rows {
                    let Some(key) = key_of(row).filter(|k| !matches!(k, Value::Null)) else {
                        outcome.rows_missed += 1;
                        continue;
                    };
                    let mut set: Vec<(String, Value)> = Vec::new();
                    for (column, strategy) in columns {
                        let Some(at) = rows.column(column) else { continue };
                        if let Some(new) = replacement(*strategy, &row[at], scrambler) {
                            set.push((column.clone(), new));
                        }
                    }
                    if set.is_empty() {
                        outcome.rows_left += 1;
                        continue;
                    }
                    let changed = tx
                        .update_row(&step.table, &set, key_column, &key)
                        .await
                        .map_err(connect)?;
                    if changed == 0 {
                        outcome.rows_missed += 1;
                    } else {
                        outcome.rows_touched += changed;
                        outcome.key_hashes.push(hash_key(&key));
                    }
                }
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl Scrambler for Fixed {
        fn keyed_hash_hex(&self, _label: &str, value: &[u8]) -> String {
            format!("{:064x}", value.iter().map(|b| u64::from(*b)).sum::<u64>())
        }
        fn random_bytes(&self, n: usize) -> Vec<u8> {
            vec![7; n]
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    #[test]
    fn every_overwrite_is_recognized_as_erased_the_second_time() {
        // A repeated erasure changes nothing (issue 4: "a second erasure changes nothing").
        for strategy in [
            ErasureStrategy::Null,
            ErasureStrategy::Mask,
            ErasureStrategy::Hash,
            ErasureStrategy::Random,
        ] {
            for value in [text("avery@example.com"), text("AB"), text("Avery Testperson")] {
                let once = replacement(strategy, &value, &Fixed).unwrap();
                assert_ne!(once, value);
                assert_eq!(replacement(strategy, &once, &Fixed), None, "{strategy:?}");
            }
        }
    }

    #[test]
    fn replacements_fit_the_original_column_width() {
        let value = text("4242");
        for strategy in [ErasureStrategy::Mask, ErasureStrategy::Hash, ErasureStrategy::Random] {
            let Some(Value::Text(new)) = replacement(strategy, &value, &Fixed) else { panic!() };
            assert!(new.chars().count() <= 4, "{strategy:?}: {new}");
        }
    }

    #[test]
    fn numbers_are_masked_and_recognized_the_second_time() {
        // A keyed hash or random number could not be told from a real one on a repeat.
        for strategy in [ErasureStrategy::Mask, ErasureStrategy::Hash, ErasureStrategy::Random] {
            assert_eq!(replacement(strategy, &Value::Int(42), &Fixed), Some(Value::Int(0)));
            assert_eq!(replacement(strategy, &Value::Int(0), &Fixed), None, "{strategy:?}");
        }
        for strategy in [ErasureStrategy::Hash, ErasureStrategy::Random] {
            assert_eq!(
                replacement(strategy, &text("AB"), &Fixed),
                Some(text("**")),
                "{strategy:?}"
            );
        }
        assert_eq!(replacement(ErasureStrategy::Null, &Value::Null, &Fixed), None);
    }
}

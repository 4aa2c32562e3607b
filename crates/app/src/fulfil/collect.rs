//! Running a traversal plan: reading one person's rows, table by table, in plan order.
//!
//! Each step reads the union of its sources (identity values, or key values read by an
//! earlier step), deduplicated by primary key. Nothing is guessed: a table that would
//! return more rows than a request may touch is an error naming the table, never a
//! silently short answer (issue 4, "nothing half-done is reported as done").

use std::collections::HashSet;

use ombud_connect::{ConnectError, Connector, Rows, Select, Value, WriteTx};
use ombud_core::IdentityKind;
use ombud_core::audit::to_hex;
use ombud_core::limits::FULFIL_ROWS_PER_TABLE_MAX;
use ombud_core::sensitive::Sensitive;
use ombud_program::plan::{Source, SystemPlan};

use super::FulfilError;

/// One identity of the person: a kind and its value.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The kind.
    pub kind: IdentityKind,
    /// The value, as the request gives it.
    pub value: Sensitive<String>,
}

/// The rows one step read.
#[derive(Clone, Debug)]
pub struct StepRows {
    /// Index of the step in the plan.
    pub step: usize,
    /// Columns, as in the step's `read_columns`.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

impl StepRows {
    /// The position of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Distinct non-null values of a column.
    pub fn values_of(&self, name: &str) -> Vec<Value> {
        let Some(at) = self.column(name) else { return Vec::new() };
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for row in &self.rows {
            let value = &row[at];
            if matches!(value, Value::Null) {
                continue;
            }
            if seen.insert(key_text(value)) {
                out.push(value.clone());
            }
        }
        out
    }
}

/// Where rows are read from: the pool (access, dry runs) or the erasure's transaction
/// (so the rows erased are exactly the rows read, locked where the engine can).
pub enum Reader<'a> {
    /// Read-only pool.
    Pool(&'a Connector),
    /// A write transaction.
    Tx(&'a mut WriteTx),
}

impl Reader<'_> {
    async fn select(&mut self, select: &Select<'_>) -> Result<Rows, ConnectError> {
        match self {
            Reader::Pool(connector) => connector.select(select).await,
            Reader::Tx(tx) => tx.select(select).await,
        }
    }
}

/// A stable text for a value, to deduplicate rows and keys across sources.
pub(crate) fn key_text(value: &Value) -> String {
    match value {
        Value::Null => "\u{0}null".to_owned(),
        Value::Bool(b) => format!("b:{b}"),
        Value::Int(i) => format!("i:{i}"),
        Value::Float(f) => format!("f:{f}"),
        Value::Text(t) => format!("t:{t}"),
        Value::Bytes(b) => format!("x:{}", to_hex(b)),
    }
}

/// The identity values to look for: the value as given and, when it differs, its
/// normalized form (an address typed with capitals is still the person's).
fn identity_keys(identities: &[Identity], kind: IdentityKind) -> Vec<Value> {
    let mut keys: Vec<Value> = Vec::new();
    for identity in identities.iter().filter(|i| i.kind == kind) {
        let given = identity.value.expose().trim().to_owned();
        let normalized = match kind {
            IdentityKind::Email => given.to_lowercase(),
            _ => given.clone(),
        };
        for key in [given, normalized] {
            if !key.is_empty() && !keys.iter().any(|k| matches!(k, Value::Text(t) if *t == key)) {
                keys.push(Value::Text(key));
            }
        }
    }
    keys
}

/// Reads every step of `plan` for the person.
pub async fn collect(
    reader: &mut Reader<'_>,
    plan: &SystemPlan,
    identities: &[Identity],
) -> Result<Vec<StepRows>, FulfilError> {
    let mut read: Vec<StepRows> = Vec::with_capacity(plan.steps.len());
    for (s, step) in plan.steps.iter().enumerate() {
        let mut rows: Vec<Vec<Value>> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let key_at = step
            .primary_key
            .as_ref()
            .and_then(|key| step.read_columns.iter().position(|c| c == key));
        for source in &step.sources {
            let (column, keys) = match source {
                Source::Identity { column, kind } => (column, identity_keys(identities, *kind)),
                Source::Reference { from_step, from_column, column, .. } => {
                    (column, read[*from_step].values_of(from_column))
                }
            };
            if keys.is_empty() {
                continue;
            }
            let select = Select {
                table: &step.table,
                columns: &step.read_columns,
                filter_column: column,
                keys: &keys,
                row_cap: FULFIL_ROWS_PER_TABLE_MAX,
            };
            let found = reader
                .select(&select)
                .await
                .map_err(|e| FulfilError::Connect { system: plan.system.clone(), error: e })?;
            if found.truncated {
                return Err(FulfilError::TooManyRows {
                    system: plan.system.clone(),
                    table: step.table.clone(),
                    cap: FULFIL_ROWS_PER_TABLE_MAX,
                });
            }
            for row in found.rows {
                let identity = match key_at {
                    Some(at) => key_text(&row[at]),
                    None => row.iter().map(key_text).collect::<Vec<_>>().join("\u{1}"),
                };
                if seen.insert(identity) {
                    rows.push(row);
                }
            }
            let cap = usize::try_from(FULFIL_ROWS_PER_TABLE_MAX).unwrap_or(usize::MAX);
            if rows.len() > cap {
                return Err(FulfilError::TooManyRows {
                    system: plan.system.clone(),
                    table: step.table.clone(),
                    cap: FULFIL_ROWS_PER_TABLE_MAX,
                });
            }
        }
        read.push(StepRows { step: s, columns: step.read_columns.clone(), rows });
    }
    Ok(read)
}

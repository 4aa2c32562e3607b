//! Verification's view of the company's databases: the values held for a person, for
//! the data points a request may be verified with.
//!
//! A data point's id names the columns it is checked against (`postal_code` matches
//! every planned `postal_code` column); the identity kinds (`email`, `phone`) match the
//! identity columns of that kind. The person is found by one identifier only, as
//! [`crate::lookup::LookupQuery::for_subject`] builds it.

use std::collections::BTreeMap;
use std::sync::Arc;

use ombud_core::IdentityKind;
use ombud_core::Reference as _;
use ombud_core::sensitive::Sensitive;
use ombud_core::verification::HeldPoint;
use ombud_program::plan;

use super::Fulfilment;
use super::collect::{Reader, collect};
use crate::lookup::{LookupError, LookupFuture, LookupQuery, SubjectLookup};

/// [`SubjectLookup`] over the program's databases.
#[derive(Debug)]
pub struct DatabaseLookup {
    fulfilment: Arc<Fulfilment>,
}

impl DatabaseLookup {
    /// A lookup over these databases.
    pub fn new(fulfilment: Arc<Fulfilment>) -> DatabaseLookup {
        DatabaseLookup { fulfilment }
    }
}

impl SubjectLookup for DatabaseLookup {
    fn held<'a>(&'a self, query: &'a LookupQuery, kinds: &'a [String]) -> LookupFuture<'a> {
        Box::pin(async move {
            let identities = super::identities_for(&self.fulfilment.program, query);
            if identities.is_empty() {
                return Ok(Vec::new());
            }
            let identity_kinds: Vec<IdentityKind> = identities.iter().map(|i| i.kind).collect();
            let (systems, _) = plan::database_systems(&self.fulfilment.program);
            let mut held: BTreeMap<String, Vec<Sensitive<String>>> = BTreeMap::new();
            for system in systems {
                let plan = plan::compile(&self.fulfilment.program, system, &identity_kinds)
                    .map_err(|e| LookupError(e.to_string()))?;
                if plan.steps.is_empty() {
                    continue;
                }
                let connector =
                    self.fulfilment.connectors.get(system).ok_or_else(|| {
                        LookupError(format!("system `{system}` is not connected"))
                    })?;
                let read = collect(&mut Reader::Pool(connector), &plan, &identities)
                    .await
                    .map_err(|e| LookupError(e.to_string()))?;
                let tables = self.fulfilment.program.systems.iter().find(|s| s.id == system);
                for (step, rows) in plan.steps.iter().zip(&read) {
                    let table = tables.and_then(|s| match &s.kind {
                        ombud_program::model::SystemKind::Database { tables, .. } => {
                            tables.get(step.table_index)
                        }
                        ombud_program::model::SystemKind::ServiceProvider { .. } => None,
                    });
                    for kind in kinds {
                        let mut columns: Vec<&str> = step
                            .personal
                            .iter()
                            .map(|(c, _)| c.as_str())
                            .filter(|c| c == kind)
                            .collect();
                        if let Some(table) = table {
                            columns.extend(
                                table
                                    .identity
                                    .iter()
                                    .filter(|(_, k)| k.id() == kind)
                                    .map(|(c, _)| c.as_str()),
                            );
                        }
                        for column in columns {
                            for value in rows.values_of(column) {
                                let text = match value {
                                    ombud_connect::Value::Text(t) => t,
                                    ombud_connect::Value::Int(i) => i.to_string(),
                                    ombud_connect::Value::Float(f) => f.to_string(),
                                    _ => continue,
                                };
                                let list = held.entry(kind.clone()).or_default();
                                if !list.iter().any(|v| v.expose() == &text) {
                                    list.push(Sensitive::new(text));
                                }
                            }
                        }
                    }
                }
            }
            Ok(held.into_iter().map(|(kind, values)| HeldPoint { kind, values }).collect())
        })
    }
}

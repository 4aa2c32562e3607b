//! `package.json` and `data/<system>/<table>.json`: the package for machines (R-073
//! "structured, commonly used, machine-readable"; GDPR Art 20), format [`crate::FORMAT`]
//! (docs/packages.md describes every field).
//!
//! The summary is small and built as a `serde_json` value; the rows are serialized
//! straight from the input, so a large package is never held twice as JSON values.
//!
//! A value is JSON `null`, a boolean, a number or a string when it is exactly the
//! database's value; anything else is an object with a `"type"`: `"binary"` (base64),
//! `"cut"` (text longer than the limit), `"withheld"` or `"number"` (a float
//! JSON cannot write, such as NaN).

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ombud_core::Reference;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use crate::model::{Model, TableModel};
use crate::value::{View, float_text, view};
use crate::{Cell, FORMAT, PackageKind};

/// Writes `package.json`.
pub(crate) fn write_package(model: &Model<'_>, out: &mut impl Write) -> io::Result<()> {
    let document = PackageDocument { head: head(model), model };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

/// Writes one table's JSON file.
pub(crate) fn write_table(
    model: &Model<'_>,
    table: &TableModel<'_>,
    out: &mut impl Write,
) -> io::Result<()> {
    let columns: Vec<usize> = (0..table.data.columns.len()).collect();
    let document = TableDocument { model, table, columns: &columns };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    out.write_all(b"\n")
}

fn reference<R: Reference>(value: R) -> Value {
    json!({ "id": value.id(), "label": value.label() })
}

fn system(model: &Model<'_>, id: &str) -> Value {
    json!({ "id": id, "name": model.system_name(id) })
}

/// Everything in `package.json` before the data.
fn head(model: &Model<'_>) -> Map<String, Value> {
    let program = model.program;
    let facts = model.facts;
    let organization = &program.organization;
    let mut head = Map::new();
    head.insert("format".into(), FORMAT.into());
    head.insert(
        "kind".into(),
        match model.kind {
            PackageKind::Access => "access",
            PackageKind::Categories => "categories",
        }
        .into(),
    );
    head.insert("complete".into(), model.complete().into());
    head.insert(
        "business".into(),
        json!({
            "name": organization.name,
            "legal_name": organization.legal_name,
            "website": organization.website,
            "postal_address": organization.postal_address,
            "contact": {
                "email": organization.contact.email,
                "phone": organization.contact.phone,
                "postal_address": organization.contact.postal_address,
            },
        }),
    );
    head.insert(
        "request".into(),
        json!({
            "reference": facts.reference,
            "type": reference(facts.request_type),
            "law": reference(facts.law),
            "received_on": facts.received_on,
            "generated_at": facts.generated_at,
        }),
    );
    head.insert(
        "searched_systems".into(),
        facts.searched_systems.iter().map(|id| system(model, id)).collect(),
    );
    head.insert(
        "not_searched".into(),
        facts
            .not_searched
            .iter()
            .map(|(id, reason)| json!({ "system": system(model, id), "reason": reason }))
            .collect(),
    );
    if model.found.is_empty() {
        head.insert("nothing_found".into(), model.nothing_found().into());
    }
    let categories: Vec<Value> =
        model.found.iter().filter_map(|&index| category(model, index)).collect();
    head.insert("categories".into(), categories.into());
    head.insert(
        "categories_not_found".into(),
        model
            .not_found
            .iter()
            .filter_map(|&i| model.category(i))
            .map(|c| json!({ "id": c.id, "name": c.name }))
            .collect(),
    );
    // two separate lists.
    let mut sold = Vec::new();
    let mut business = Vec::new();
    for &index in &model.found {
        let Some(category) = model.category(index) else { continue };
        let flows = model.flows(index);
        if !flows.sold_or_shared.is_empty() {
            let parties: Vec<Value> = flows
                .sold_or_shared
                .iter()
                .filter_map(|flow| {
                    let recipient = program.recipients.get(flow.recipient)?;
                    Some(json!({ "id": recipient.id, "name": recipient.name, "sold": flow.sold, "shared": flow.shared }))
                })
                .collect();
            sold.push(json!({ "category": category.id, "third_parties": parties }));
        }
        if !flows.business.is_empty() {
            let recipients: Vec<Value> = flows
                .business
                .iter()
                .filter_map(|flow| {
                    let recipient = program.recipients.get(flow.recipient)?;
                    Some(json!({ "id": recipient.id, "name": recipient.name, "role": reference(recipient.role) }))
                })
                .collect();
            business.push(json!({ "category": category.id, "recipients": recipients }));
        }
    }
    head.insert("sold_or_shared".into(), sold.into());
    head.insert("disclosed_for_business_purpose".into(), business.into());
    if model.kind == PackageKind::Access {
        let mut withheld = Vec::new();
        let mut tables = Vec::new();
        for table in &model.tables {
            for column in table.withheld() {
                let (Some(data), Some(Some(statement))) =
                    (table.data.columns.get(column), table.statements.get(column))
                else {
                    continue;
                };
                let category = model.category(data.category).map(|c| c.id.as_str());
                withheld.push(json!({
                    "system": table.data.system,
                    "table": table.data.table,
                    "column": data.name,
                    "category": category,
                    "statement": statement,
                }));
            }
            tables.push(json!({
                "system": system(model, &table.data.system),
                "table": table.data.table,
                "row_count": table.data.rows.len(),
                "complete": table.complete(),
                "files": table.stem.as_ref().map(|stem| json!({ "csv": format!("{stem}.csv"), "json": format!("{stem}.json") })),
            }));
        }
        head.insert("withheld".into(), withheld.into());
        head.insert("tables".into(), tables.into());
    }
    head
}

/// One found category with its sources, purposes, recipients and retention.
fn category(model: &Model<'_>, index: usize) -> Option<Value> {
    let program = model.program;
    let category = model.category(index)?;
    let flows = model.flows(index);
    // One entry per recipient, whichever of R-071's lists it is in.
    let mut recipients: Vec<(usize, bool, bool, bool, Vec<usize>)> = Vec::new();
    for (flow, business) in flows
        .sold_or_shared
        .iter()
        .map(|f| (f, false))
        .chain(flows.business.iter().map(|f| (f, true)))
    {
        match recipients.iter_mut().find(|entry| entry.0 == flow.recipient) {
            Some(entry) => {
                entry.1 |= flow.sold;
                entry.2 |= flow.shared;
                entry.3 |= business;
                for &purpose in &flow.purposes {
                    if !entry.4.contains(&purpose) {
                        entry.4.push(purpose);
                    }
                }
            }
            None => recipients.push((
                flow.recipient,
                flow.sold,
                flow.shared,
                business,
                flow.purposes.clone(),
            )),
        }
    }
    let recipients: Vec<Value> = recipients
        .iter()
        .filter_map(|(recipient, sold, shared, business, purposes)| {
            let recipient = program.recipients.get(*recipient)?;
            Some(json!({
                "id": recipient.id,
                "name": recipient.name,
                "role": reference(recipient.role),
                "sold": sold,
                "shared": shared,
                "business_purpose": business,
                "purposes": ids(purposes, |i| program.purposes.get(i).map(|p| p.id.as_str())),
                "transfers": recipient.transfers,
                "transfer_safeguard": recipient.transfer_safeguard,
            }))
        })
        .collect();
    Some(json!({
        "id": category.id,
        "name": category.name,
        "description": category.description,
        "ccpa_category": reference(category.ccpa),
        "sensitive": category.sensitive.map(reference),
        "withheld": category.sensitive.is_some_and(|kind| kind.never_disclosed()),
        "sources": category.sources.iter().filter_map(|&i| program.sources.get(i)).map(|s| json!({ "id": s.id, "name": s.name })).collect::<Vec<_>>(),
        "purposes": category.purposes.iter().filter_map(|&i| program.purposes.get(i)).map(|p| json!({ "id": p.id, "name": p.name })).collect::<Vec<_>>(),
        "recipients": recipients,
        "retention": program.retention_of(index),
    }))
}

fn ids<'p>(indices: &[usize], lookup: impl Fn(usize) -> Option<&'p str>) -> Vec<&'p str> {
    indices.iter().filter_map(|&i| lookup(i)).collect()
}

struct PackageDocument<'m, 'a> {
    head: Map<String, Value>,
    model: &'m Model<'a>,
}

impl Serialize for PackageDocument<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in &self.head {
            map.serialize_entry(key, value)?;
        }
        if self.model.kind == PackageKind::Access {
            map.serialize_entry("data", &ByCategory(self.model))?;
        }
        map.end()
    }
}

/// A table and the indices of its columns of one category.
type TableColumns<'m, 'a> = (&'m TableModel<'a>, Vec<usize>);

/// `data`: category → system → table → rows, only the category's columns.
struct ByCategory<'m, 'a>(&'m Model<'a>);

impl Serialize for ByCategory<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let model = self.0;
        let mut seq = serializer.serialize_seq(None)?;
        for &index in &model.found {
            let Some(category) = model.category(index) else { continue };
            // Tables are sorted by system, so each system's tables are consecutive.
            let mut systems: Vec<(&str, Vec<TableColumns<'_, '_>>)> = Vec::new();
            for table in &model.tables {
                let columns = table.columns_of(index);
                if columns.is_empty() || table.stem.is_none() {
                    continue;
                }
                match systems.last_mut() {
                    Some((id, tables)) if *id == table.data.system => tables.push((table, columns)),
                    _ => systems.push((&table.data.system, vec![(table, columns)])),
                }
            }
            let systems: Vec<SystemData<'_, '_, '_>> =
                systems.into_iter().map(|(id, tables)| SystemData { model, id, tables }).collect();
            seq.serialize_element(&CategoryData {
                category: CategoryRef { id: &category.id, name: &category.name },
                systems,
            })?;
        }
        seq.end()
    }
}

/// A category's entry in `data`.
#[derive(serde::Serialize)]
struct CategoryData<'m, 'a, 't> {
    category: CategoryRef<'t>,
    systems: Vec<SystemData<'m, 'a, 't>>,
}

#[derive(serde::Serialize)]
struct CategoryRef<'x> {
    id: &'x str,
    name: &'x str,
}

struct SystemData<'m, 'a, 't> {
    model: &'m Model<'a>,
    id: &'t str,
    tables: Vec<TableColumns<'t, 'a>>,
}

impl Serialize for SystemData<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(
            "system",
            &json!({ "id": self.id, "name": self.model.system_name(self.id) }),
        )?;
        let tables: Vec<TableRows<'_, '_>> = self
            .tables
            .iter()
            .map(|(table, columns)| TableRows { model: self.model, table, columns })
            .collect();
        map.serialize_entry("tables", &tables)?;
        map.end()
    }
}

/// A table's rows under one category.
struct TableRows<'m, 'a> {
    model: &'m Model<'a>,
    table: &'m TableModel<'a>,
    columns: &'m [usize],
}

impl Serialize for TableRows<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let data = self.table.data;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("table", &data.table)?;
        map.serialize_entry("complete", &self.table.complete())?;
        map.serialize_entry("row_count", &data.rows.len())?;
        let names: Vec<&str> = self
            .columns
            .iter()
            .filter_map(|&c| data.columns.get(c))
            .map(|c| c.name.as_str())
            .collect();
        map.serialize_entry("columns", &names)?;
        map.serialize_entry(
            "rows",
            &Rows { model: self.model, table: self.table, columns: self.columns },
        )?;
        map.end()
    }
}

/// A table's own JSON file.
struct TableDocument<'m, 'a> {
    model: &'m Model<'a>,
    table: &'m TableModel<'a>,
    columns: &'m [usize],
}

impl Serialize for TableDocument<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let model = self.model;
        let data = self.table.data;
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("format", FORMAT)?;
        map.serialize_entry("system", &system(model, &data.system))?;
        map.serialize_entry("table", &data.table)?;
        map.serialize_entry("complete", &self.table.complete())?;
        map.serialize_entry("row_count", &data.rows.len())?;
        let columns: Vec<Value> = data
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| {
                let category = model.category(column.category);
                json!({
                    "name": column.name,
                    "category": category.map(|c| c.id.as_str()),
                    "category_name": category.map(|c| c.name.as_str()),
                    "withheld": self.table.statements.get(index).is_some_and(Option::is_some),
                })
            })
            .collect();
        map.serialize_entry("columns", &columns)?;
        map.serialize_entry("rows", &Rows { model, table: self.table, columns: self.columns })?;
        map.end()
    }
}

struct Rows<'m, 'a> {
    model: &'m Model<'a>,
    table: &'m TableModel<'a>,
    columns: &'m [usize],
}

impl Serialize for Rows<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let data = self.table.data;
        let mut seq = serializer.serialize_seq(Some(data.rows.len()))?;
        for row in &data.rows {
            seq.serialize_element(&Row {
                model: self.model,
                table: self.table,
                columns: self.columns,
                row,
            })?;
        }
        seq.end()
    }
}

struct Row<'m, 'a> {
    model: &'m Model<'a>,
    table: &'m TableModel<'a>,
    columns: &'m [usize],
    row: &'m [Cell],
}

impl Serialize for Row<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let max = self.model.limits.value_bytes_max;
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for &column in self.columns {
            let (Some(name), Some(cell)) =
                (self.table.data.columns.get(column), self.row.get(column))
            else {
                continue;
            };
            let statement = self.table.statements.get(column).and_then(Option::as_deref);
            map.serialize_entry(&name.name, &CellJson(view(cell, statement, max)))?;
        }
        map.end()
    }
}

struct CellJson<'a>(View<'a>);

impl Serialize for CellJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            View::Null => serializer.serialize_unit(),
            View::Bool(value) => serializer.serialize_bool(value),
            View::Int(value) => serializer.serialize_i64(value),
            View::Float(value) if value.is_finite() => serializer.serialize_f64(value),
            View::Float(value) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "number")?;
                map.serialize_entry("text", &float_text(value))?;
                map.end()
            }
            View::Text { shown, total } if shown.len() == total => serializer.serialize_str(shown),
            View::Text { shown, total } => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("type", "cut")?;
                map.serialize_entry("text", shown)?;
                map.serialize_entry("bytes", &total)?;
                map.end()
            }
            view @ View::Binary { shown, total } => {
                let mut map = serializer.serialize_map(Some(4))?;
                map.serialize_entry("type", "binary")?;
                map.serialize_entry("base64", &BASE64.encode(shown))?;
                map.serialize_entry("bytes", &total)?;
                if view.is_cut() {
                    map.serialize_entry("cut", &true)?;
                }
                map.end()
            }
            View::Withheld(statement) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "withheld")?;
                map.serialize_entry("statement", statement)?;
                map.end()
            }
        }
    }
}

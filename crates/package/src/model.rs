//! What a package says, worked out once from the program, the request and the rows:
//! which categories were found, who receives each, which columns are withheld, and where
//! each table's files go. The HTML, CSV and JSON writers only print this.
//!
//! **Invariant:** total. Every category index in the input is checked here, so the
//! writers may index `program.categories` by a column's category without a panic path;
//! indices that come from the program itself are looked up with `.get()`.

use ombud_core::{Reference as _, SensitiveKind};
use ombud_program::Program;
use ombud_program::model::Category;

use crate::names::Unique;
use crate::{Cell, Limits, PackageError, PackageKind, RequestFacts, TableData};

/// The package, worked out.
pub(crate) struct Model<'a> {
    pub(crate) program: &'a Program,
    pub(crate) facts: &'a RequestFacts,
    pub(crate) kind: PackageKind,
    pub(crate) limits: Limits,
    /// The tables, ordered by system id then table name, so the caller's order does not
    /// change the bytes.
    pub(crate) tables: Vec<TableModel<'a>>,
    /// Categories with at least one row, ascending.
    pub(crate) found: Vec<usize>,
    /// Declared categories with no row.
    pub(crate) not_found: Vec<usize>,
    /// Rows over every table.
    pub(crate) rows: u64,
}

/// One table, worked out.
pub(crate) struct TableModel<'a> {
    pub(crate) data: &'a TableData,
    /// The system's name, or its id when it has none or is not in the program.
    pub(crate) system_name: &'a str,
    /// `data/<system>/<table>` when the package has files for this table.
    pub(crate) stem: Option<String>,
    /// For each column, the statement that replaces its values when the law says never
    /// to send them.
    pub(crate) statements: Vec<Option<String>>,
}

impl TableModel<'_> {
    /// Whether the table is complete (no row cap cut it).
    pub(crate) fn complete(&self) -> bool {
        !self.data.truncated
    }

    /// Indices of the columns of one category, in the table's order.
    pub(crate) fn columns_of(&self, category: usize) -> Vec<usize> {
        self.data
            .columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.category == category)
            .map(|(index, _)| index)
            .collect()
    }

    /// The columns whose values are replaced by a statement: withheld columns with at
    /// least one value (a column that is NULL everywhere holds nothing to withhold).
    pub(crate) fn withheld(&self) -> Vec<usize> {
        (0..self.data.columns.len())
            .filter(|&column| {
                self.statements.get(column).is_some_and(Option::is_some)
                    && self
                        .data
                        .rows
                        .iter()
                        .any(|row| row.get(column).is_some_and(|cell| *cell != Cell::Null))
            })
            .collect()
    }
}

/// A file of the package.
pub(crate) struct File {
    pub(crate) path: String,
    pub(crate) content: Content,
}

/// What a file holds.
#[derive(Clone, Copy)]
pub(crate) enum Content {
    Readme,
    PackageJson,
    TableCsv(usize),
    TableJson(usize),
}

/// One recipient of a category, with how it receives it.
pub(crate) struct Flow {
    pub(crate) recipient: usize,
    pub(crate) sold: bool,
    pub(crate) shared: bool,
    /// The disclosures' purposes, in first-seen order.
    pub(crate) purposes: Vec<usize>,
}

/// The recipients of a category, in R-071's two separate lists.
pub(crate) struct Flows {
    /// Third parties it is sold to or shared with.
    pub(crate) sold_or_shared: Vec<Flow>,
    /// Recipients it is disclosed to for a business purpose.
    pub(crate) business: Vec<Flow>,
}

impl<'a> Model<'a> {
    pub(crate) fn new(
        program: &'a Program,
        facts: &'a RequestFacts,
        kind: PackageKind,
        data: &'a [TableData],
        limits: Limits,
    ) -> Result<Model<'a>, PackageError> {
        for table in data {
            validate(program, table)?;
        }
        let mut order: Vec<&TableData> = data.iter().collect();
        // Stable, so two entries for the same table keep the caller's order.
        order.sort_by(|a, b| (&a.system, &a.table).cmp(&(&b.system, &b.table)));
        let mut unique = Unique::default();
        let mut tables = Vec::with_capacity(order.len());
        let mut held = vec![false; program.categories.len()];
        let mut rows = 0_u64;
        for table in order {
            let has_rows = !table.rows.is_empty();
            if has_rows {
                for column in &table.columns {
                    if let Some(flag) = held.get_mut(column.category) {
                        *flag = true;
                    }
                }
            }
            rows = rows.saturating_add(u64::try_from(table.rows.len()).unwrap_or(u64::MAX));
            // A table that was searched but had nothing gets no file; one cut short gets
            // files even when empty, so the mark that it is incomplete is not lost.
            let stem = (kind == PackageKind::Access && (has_rows || table.truncated))
                .then(|| unique.stem(&table.system, &table.table));
            let statements = table
                .columns
                .iter()
                .map(|column| {
                    let category = program.categories.get(column.category)?;
                    let sensitive = category.sensitive.filter(|kind| kind.never_disclosed())?;
                    Some(statement(sensitive, category))
                })
                .collect();
            let system_name = program
                .systems
                .iter()
                .find(|system| system.id == table.system)
                .and_then(|system| system.name.as_deref())
                .unwrap_or(&table.system);
            tables.push(TableModel { data: table, system_name, stem, statements });
        }
        let found = (0..program.categories.len()).filter(|&i| held[i]).collect();
        let not_found = (0..program.categories.len()).filter(|&i| !held[i]).collect();
        Ok(Model { program, facts, kind, limits, tables, found, not_found, rows })
    }

    /// Every file, sorted by path (the order they are stored in).
    pub(crate) fn files(&self) -> Vec<File> {
        let mut files = vec![
            File { path: "README.html".into(), content: Content::Readme },
            File { path: "package.json".into(), content: Content::PackageJson },
        ];
        for (index, table) in self.tables.iter().enumerate() {
            if let Some(stem) = &table.stem {
                files.push(File { path: format!("{stem}.csv"), content: Content::TableCsv(index) });
                files.push(File {
                    path: format!("{stem}.json"),
                    content: Content::TableJson(index),
                });
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// Whether every table is complete.
    pub(crate) fn complete(&self) -> bool {
        self.tables.iter().all(TableModel::complete)
    }

    /// The withheld columns, as [`crate::Package::withheld_columns`] reports them.
    pub(crate) fn withheld_columns(&self) -> Vec<(String, String, String)> {
        if self.kind == PackageKind::Categories {
            return Vec::new();
        }
        self.tables
            .iter()
            .flat_map(|table| {
                table.withheld().into_iter().filter_map(|column| {
                    let name = &table.data.columns.get(column)?.name;
                    Some((table.data.system.clone(), table.data.table.clone(), name.clone()))
                })
            })
            .collect()
    }

    /// A category by index; every index in the model was checked in [`Model::new`].
    pub(crate) fn category(&self, index: usize) -> Option<&'a Category> {
        self.program.categories.get(index)
    }

    /// The name of a system by id: its name in the program, else the id.
    pub(crate) fn system_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.program
            .systems
            .iter()
            .find(|system| system.id == id)
            .and_then(|system| system.name.as_deref())
            .unwrap_or(id)
    }

    /// The day the search was made: the date part of `generated_at`.
    pub(crate) fn searched_on(&self) -> &str {
        let at = self.facts.generated_at.as_str();
        at.get(..10).filter(|date| looks_like_date(date)).unwrap_or(at)
    }

    /// The sentence that says nothing was found (used by every format).
    pub(crate) fn nothing_found(&self) -> String {
        let systems: Vec<&str> =
            self.facts.searched_systems.iter().map(|id| self.system_name(id)).collect();
        let place =
            if systems.is_empty() { "any of our systems".to_owned() } else { systems.join("; ") };
        format!(
            "We found no personal information about you in {place}, searched on {}.",
            self.searched_on()
        )
    }

    /// Who receives a category, in R-071's two lists, in first-seen order. A recipient
    /// that receives it both ways appears in both lists.
    pub(crate) fn flows(&self, category: usize) -> Flows {
        let mut flows = Flows { sold_or_shared: Vec::new(), business: Vec::new() };
        for disclosure in
            self.program.disclosures.iter().filter(|d| d.categories.contains(&category))
        {
            let sale = disclosure.sold || disclosure.shared;
            let list = if sale { &mut flows.sold_or_shared } else { &mut flows.business };
            for &recipient in &disclosure.recipients {
                if self.program.recipients.get(recipient).is_none() {
                    continue;
                }
                let flow = match list.iter_mut().position(|flow| flow.recipient == recipient) {
                    Some(at) => &mut list[at],
                    None => {
                        list.push(Flow { recipient, sold: false, shared: false, purposes: vec![] });
                        let last = list.len() - 1;
                        &mut list[last]
                    }
                };
                flow.sold |= disclosure.sold;
                flow.shared |= disclosure.shared;
                for &purpose in &disclosure.purposes {
                    if !flow.purposes.contains(&purpose) {
                        flow.purposes.push(purpose);
                    }
                }
            }
        }
        flows
    }
}

/// Whether a string is `YYYY-MM-DD` in shape.
fn looks_like_date(text: &str) -> bool {
    text.len() == 10
        && text
            .char_indices()
            .all(|(i, ch)| if i == 4 || i == 7 { ch == '-' } else { ch.is_ascii_digit() })
}

/// Checks one table against the program before anything is written.
fn validate(program: &Program, table: &TableData) -> Result<(), PackageError> {
    let mut names: Vec<&str> = Vec::with_capacity(table.columns.len());
    for column in &table.columns {
        if column.category >= program.categories.len() {
            return Err(PackageError::UnknownCategory {
                system: table.system.clone(),
                table: table.table.clone(),
                column: column.name.clone(),
                category: column.category,
            });
        }
        names.push(&column.name);
    }
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(PackageError::DuplicateColumn {
            system: table.system.clone(),
            table: table.table.clone(),
            column: pair[0].to_owned(),
        });
    }
    for (index, row) in table.rows.iter().enumerate() {
        if row.len() != table.columns.len() {
            return Err(PackageError::RowWidth {
                system: table.system.clone(),
                table: table.table.clone(),
                row: index,
                expected: table.columns.len(),
                found: row.len(),
            });
        }
    }
    Ok(())
}

/// What replaces a value the law says never to send: that the business holds this
/// type of data, with sufficient particularity (R-074, 11 CCR §7024(d)).
fn statement(kind: SensitiveKind, category: &Category) -> String {
    let what = match kind {
        SensitiveKind::GovernmentId => {
            "your government identification number (such as a Social Security, driver's license, state ID or passport number)"
        }
        SensitiveKind::AccountLogin => {
            "your account login or financial account credentials (such as a password, security questions and answers, or an account or card number)"
        }
        SensitiveKind::BiometricIdentification => "biometric data that can uniquely identify you",
        // Only the three kinds above are withheld (SensitiveKind::never_disclosed);
        // a fourth would still get a statement rather than its value.
        other => {
            return format!(
                "We hold {}: {}; the law does not allow us to send it.",
                other.label(),
                category.name.trim()
            );
        }
    };
    format!(
        "We hold {what}, recorded as \u{201c}{}\u{201d}; the law does not allow us to send it to you (11 CCR \u{a7}7024(d)).",
        category.name.trim()
    )
}

//! ombud-package: the access package a person receives for a request to know.
//!
//! One zip per request (REGULATIONS.md B6, R-070–; GDPR Art 15 and 20):
//!
//! - `README.html`, a self-contained page that an average consumer can read:
//!   who the business is, the request, the categories held about the person with their
//!   sources, purposes, recipients and retention, the two separate lists of
//!   R-071, and then the data itself, grouped by category, table by table;
//! - `data/<system>/<table>.csv` and `.json`, one row per database row, only the
//!   columns the manifest marks as personal data;
//! - `package.json`, the whole in one structured, machine-readable file (R-073, GDPR
//!   Art 20), format [`FORMAT`].
//!
//! Values the law says never to send (R-074: government ID numbers, account
//! credentials, biometric identifiers) are replaced everywhere by a statement that the
//! business holds them. A request for the categories only ([`PackageKind::Categories`])
//! gets the summary without any data file.
//!
//! **Invariants:** pure (no I/O, no clock, no randomness: the time comes in
//! [`RequestFacts`]); deterministic (the same input gives the same bytes, so a package can
//! be hashed and snapshot-tested); total (bad input is a [`PackageError`], never a
//! panic); and no personal data in an error, only system, table and column names.
#![warn(missing_docs)]

mod csv_out;
mod html;
mod json;
mod model;
mod names;
mod value;
mod zip_out;

use std::fmt;

use ombud_core::limits;
use ombud_core::{Law, RequestType};
use ombud_program::Program;

/// The version of `package.json` and of the per-table JSON files. A reader checks it
/// before anything else; a change that is not purely additive gets a new number.
pub const FORMAT: &str = "ombud.access-package/1";

/// What the person asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackageKind {
    /// The specific pieces of personal information (a copy of the data), with the
    /// categories, sources, purposes and recipients.
    Access,
    /// The categories, sources, purposes and recipients only: no data file at all
    /// (R-070 without the specific pieces).
    Categories,
}

/// One value read from a database.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// SQL NULL: the database holds nothing here.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text (dates and times come as text, as the database prints them).
    Text(String),
    /// Binary data.
    Bytes(Vec<u8>),
}

/// The rows found about the person in one table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableData {
    /// The system's id in the manifest.
    pub system: String,
    /// The table's name.
    pub table: String,
    /// The personal columns, as the manifest annotates them.
    pub columns: Vec<ColumnData>,
    /// The rows; each has one cell per column, in the order of `columns`.
    pub rows: Vec<Vec<Cell>>,
    /// Whether a row cap cut the rows short: the package then says, in every format,
    /// that this table is incomplete.
    pub truncated: bool,
}

/// A personal column of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnData {
    /// The column's name in the database.
    pub name: String,
    /// Index into `Program::categories`.
    pub category: usize,
}

/// The facts of the request the package answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFacts {
    /// The request's reference, as the person knows it.
    pub reference: String,
    /// The type of request.
    pub request_type: RequestType,
    /// The law it is made under.
    pub law: Law,
    /// The day it was received, `YYYY-MM-DD`.
    pub received_on: String,
    /// When the package was generated, RFC 3339.
    pub generated_at: String,
    /// The same instant in seconds since the Unix epoch: the zip entries' timestamp.
    pub generated_at_unix_s: i64,
    /// Ids of the systems searched.
    pub searched_systems: Vec<String>,
    /// Systems not searched, with the reason (system id, reason in plain words).
    pub not_searched: Vec<(String, String)>,
}

/// A built package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// The zip file.
    pub zip: Vec<u8>,
    /// The paths of the files in the zip, in the order they are stored (sorted).
    pub files: Vec<String>,
    /// Rows found over every table.
    pub rows: u64,
    /// The columns whose values were withheld: (system, table, column).
    pub withheld_columns: Vec<(String, String, String)>,
    /// Indices into `Program::categories` of the categories found, ascending.
    pub categories_found: Vec<usize>,
}

/// Bounds on what a package may hold. [`Limits::default`] is the one ombud uses; tests
/// and callers with tighter budgets may pass smaller ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one value copied into the package; longer values are cut and marked.
    pub value_bytes_max: usize,
    /// Bytes of the zip.
    pub package_bytes_max: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            value_bytes_max: limits::PACKAGE_VALUE_BYTES_MAX,
            package_bytes_max: limits::PACKAGE_BYTES_MAX,
        }
    }
}

/// Why a package could not be built. Messages name systems, tables and columns, never
/// a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackageError {
    /// The zip would be larger than [`Limits::package_bytes_max`]; writing stops as
    /// soon as it passes the limit, so `bytes` is a lower bound of its full size.
    TooLarge {
        /// Bytes the zip had reached when it was stopped.
        bytes: usize,
    },
    /// A column names a category the program does not have.
    UnknownCategory {
        /// System id.
        system: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// The index given.
        category: usize,
    },
    /// A table lists the same column twice.
    DuplicateColumn {
        /// System id.
        system: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// A row does not have one cell per column.
    RowWidth {
        /// System id.
        system: String,
        /// Table.
        table: String,
        /// Index of the row (0-based).
        row: usize,
        /// Cells expected (the number of columns).
        expected: usize,
        /// Cells found.
        found: usize,
    },
    /// Writing the zip failed for a reason other than its size (a bug: the zip is
    /// written to memory).
    Write {
        /// What the zip writer said.
        message: String,
    },
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackageError::TooLarge { bytes } => write!(
                f,
                "the access package reached {bytes} bytes, more than a package may have \
                 ({} bytes); deliver the data in parts, for example one system at a time",
                limits::PACKAGE_BYTES_MAX
            ),
            PackageError::UnknownCategory { system, table, column, category } => write!(
                f,
                "column {column:?} of table {table:?} in system {system:?} names category \
                 #{category}, which the program does not have; pass an index into \
                 Program::categories"
            ),
            PackageError::DuplicateColumn { system, table, column } => write!(
                f,
                "table {table:?} in system {system:?} lists column {column:?} twice; list \
                 each column once"
            ),
            PackageError::RowWidth { system, table, row, expected, found } => write!(
                f,
                "row {row} of table {table:?} in system {system:?} has {found} cells for \
                 {expected} columns; give one cell per column"
            ),
            PackageError::Write { message } => {
                write!(f, "writing the access package failed: {message}")
            }
        }
    }
}

impl std::error::Error for PackageError {}

/// Builds the access package of one request, with the default [`Limits`].
pub fn build(
    program: &Program,
    facts: &RequestFacts,
    kind: PackageKind,
    data: &[TableData],
) -> Result<Package, PackageError> {
    build_with_limits(program, facts, kind, data, Limits::default())
}

/// [`build`] with explicit limits.
pub fn build_with_limits(
    program: &Program,
    facts: &RequestFacts,
    kind: PackageKind,
    data: &[TableData],
    limits: Limits,
) -> Result<Package, PackageError> {
    let model = model::Model::new(program, facts, kind, data, limits)?;
    let files = model.files();
    let zip = zip_out::write(&model, &files, facts.generated_at_unix_s, limits.package_bytes_max)?;
    Ok(Package {
        zip,
        files: files.into_iter().map(|file| file.path).collect(),
        rows: model.rows,
        withheld_columns: model.withheld_columns(),
        categories_found: model.found.clone(),
    })
}

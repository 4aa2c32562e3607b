//! The machinery every engine's loader shares: a generator thread per table that turns
//! rows into chunks (COPY text for PostgreSQL, batches of values for the others) while
//! the database is busy with the previous chunk, behind a bounded channel so memory
//! stays at a few chunks whatever the number of customers.

use std::future::Future;
use std::io::Write as _;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::data::{self, Val};
use crate::schema::{Ddl, Table};
use crate::{Progress, Workload, WorkloadError};

/// What a generator thread sends: chunks, then `Done` (a closed channel without
/// `Done` means the thread stopped early).
pub(crate) enum Msg<C> {
    Chunk(C, u64),
    Done,
}

/// Turns rows into chunks.
pub(crate) trait Chunker: Send + 'static {
    type Chunk: Send + 'static;
    fn push(&mut self, row: &[Val<'_>]);
    fn full(&self) -> bool;
    /// The chunk so far, leaving the chunker empty.
    fn take(&mut self) -> Self::Chunk;
}

/// The receiving end of a generator thread.
pub(crate) struct Chunks<C> {
    table: Table,
    rx: mpsc::Receiver<Msg<C>>,
}

impl<C> Chunks<C> {
    /// The next chunk and its row count, `None` at the end, or an error when the
    /// generator stopped early.
    pub(crate) async fn next(&mut self) -> Result<Option<(C, u64)>, WorkloadError> {
        match self.rx.recv().await {
            Some(Msg::Chunk(chunk, rows)) => Ok(Some((chunk, rows))),
            Some(Msg::Done) => Ok(None),
            None => Err(WorkloadError::Generator { table: self.table.name() }),
        }
    }
}

/// Starts a thread that generates every row of `table` for the workload. It stops by
/// itself when the receiver is dropped.
pub(crate) fn spawn<K: Chunker>(
    table: Table,
    workload: &Workload,
    mut chunker: K,
) -> Chunks<K::Chunk> {
    let (tx, rx) = mpsc::channel(2);
    let Workload { customers, seed, .. } = *workload;
    std::thread::spawn(move || {
        let mut rows = 0u64;
        let mut stopped = false;
        for i in 1..=customers {
            data::rows(table, seed, i, &mut |row| {
                chunker.push(row);
                rows += 1;
                // Full after exactly this row, so batches have a fixed size and their
                // statements are prepared once.
                if chunker.full() && !stopped {
                    stopped = tx.blocking_send(Msg::Chunk(chunker.take(), rows)).is_err();
                    rows = 0;
                }
            });
            if stopped {
                return;
            }
        }
        if rows > 0 && tx.blocking_send(Msg::Chunk(chunker.take(), rows)).is_err() {
            return;
        }
        let _ = tx.blocking_send(Msg::Done);
    });
    Chunks { table, rx }
}

/// PostgreSQL `COPY … FROM STDIN` text: tab-separated, `\N` for NULL, backslash escapes.
pub(crate) struct CopyText {
    buf: Vec<u8>,
}

/// About 4 MiB per COPY message: large enough that the per-message cost vanishes,
/// small enough that two in flight per table are nothing.
const COPY_CHUNK_BYTES: usize = 4 << 20;

impl CopyText {
    pub(crate) fn new() -> Self {
        Self { buf: Vec::with_capacity(COPY_CHUNK_BYTES + (64 << 10)) }
    }
}

impl Chunker for CopyText {
    type Chunk = Vec<u8>;

    fn push(&mut self, row: &[Val<'_>]) {
        for (n, value) in row.iter().enumerate() {
            if n > 0 {
                self.buf.push(b'\t');
            }
            match value {
                // Writing to a Vec cannot fail.
                Val::Int(v) => {
                    let _ = write!(self.buf, "{v}");
                }
                Val::Null => self.buf.extend_from_slice(b"\\N"),
                Val::Str(s) => copy_escape(&mut self.buf, s),
            }
        }
        self.buf.push(b'\n');
    }

    fn full(&self) -> bool {
        self.buf.len() >= COPY_CHUNK_BYTES
    }

    fn take(&mut self) -> Vec<u8> {
        std::mem::replace(&mut self.buf, Vec::with_capacity(COPY_CHUNK_BYTES + (64 << 10)))
    }
}

/// Escapes text for COPY's text format, where backslash, tab, newline and carriage
/// return are special.
pub(crate) fn copy_escape(buf: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// An owned value, to be bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owned {
    Int(i64),
    Str(String),
    Null,
}

/// Rows as flat lists of values, `rows_per_batch` rows to a batch.
pub(crate) struct Batches {
    values: Vec<Owned>,
    rows: usize,
    rows_per_batch: usize,
    width: usize,
}

impl Batches {
    pub(crate) fn new(table: Table, rows_per_batch: usize) -> Self {
        let width = table.columns().len();
        Self { values: Vec::with_capacity(rows_per_batch * width), rows: 0, rows_per_batch, width }
    }
}

/// A batch: its values, row after row.
pub(crate) struct Batch {
    pub(crate) values: Vec<Owned>,
}

impl Chunker for Batches {
    type Chunk = Batch;

    fn push(&mut self, row: &[Val<'_>]) {
        self.values.extend(row.iter().map(|v| match v {
            Val::Int(n) => Owned::Int(*n),
            Val::Str(s) => Owned::Str((*s).to_owned()),
            Val::Null => Owned::Null,
        }));
        self.rows += 1;
    }

    fn full(&self) -> bool {
        self.rows >= self.rows_per_batch
    }

    fn take(&mut self) -> Batch {
        self.rows = 0;
        Batch {
            values: std::mem::replace(
                &mut self.values,
                Vec::with_capacity(self.rows_per_batch * self.width),
            ),
        }
    }
}

/// `INSERT INTO t (…) VALUES (?, …), …` for `rows` rows; the placeholders are `?`
/// on MariaDB and SQLite alike. Names come from the schema's constants.
pub(crate) fn insert_sql(table: Table, rows: usize) -> String {
    let width = table.columns().len();
    let tuple = format!("({})", vec!["?"; width].join(", "));
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name(), table.column_list());
    for n in 0..rows {
        if n > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&tuple);
    }
    sql
}

/// Rows per multi-row INSERT: about 4,000 placeholders, far under SQLite's 32,766 and
/// MariaDB's 65,535, and a statement of a few hundred kilobytes.
pub(crate) fn rows_per_insert(table: Table) -> usize {
    4000 / table.columns().len()
}

/// The order tables are loaded in when several load at once: the largest first, so the
/// last to finish is a small one.
pub(crate) const LARGEST_FIRST: [Table; 8] = [
    Table::OrderItem,
    Table::LoginSession,
    Table::Address,
    Table::Orders,
    Table::Customer,
    Table::SupportTicket,
    Table::PaymentCard,
    Table::MarketingSubscription,
];

/// Loads (and indexes) every table, `at_once` at a time, largest first, each through
/// `load(table, its index statements, progress)` on a connection of its own; passes
/// progress on as it comes. Returns the rows per table, indexed by `Table as usize`.
pub(crate) async fn load_all<F, Fut>(
    ddl: &Ddl,
    at_once: usize,
    progress: &mut (dyn FnMut(Progress) + Send),
    load: F,
) -> Result<[u64; 8], WorkloadError>
where
    F: Fn(Table, Vec<String>, mpsc::UnboundedSender<Progress>) -> Fut,
    Fut: Future<Output = Result<u64, WorkloadError>> + Send + 'static,
{
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(at_once));
    let mut loads = JoinSet::new();
    for table in LARGEST_FIRST {
        let indexes: Vec<String> =
            ddl.indexes.iter().filter(|(t, _)| *t == table).map(|(_, s)| s.clone()).collect();
        let (permits, progress_tx) = (permits.clone(), progress_tx.clone());
        let future = load(table, indexes, progress_tx.clone());
        loads.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let rows = future.await?;
            let _ = progress_tx.send(Progress::Loaded { table: table.name(), rows });
            Ok::<_, WorkloadError>((table, rows))
        });
    }
    drop(progress_tx);
    while let Some(event) = progress_rx.recv().await {
        progress(event);
    }
    let mut rows = [0u64; 8];
    while let Some(joined) = loads.join_next().await {
        let (table, count) = joined.map_err(|_| WorkloadError::Task { step: "load a table" })??;
        rows[table as usize] = count;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        let mut text = CopyText::new();
        text.push(&[Val::Int(-3), Val::Str("a\tb\\c\nd\re"), Val::Null]);
        assert_eq!(text.take(), b"-3\ta\\tb\\\\c\\nd\\re\t\\N\n");
    }

    #[test]
    fn insert_sql_has_a_tuple_per_row() {
        let sql = insert_sql(Table::SupportTicket, 2);
        assert_eq!(
            sql,
            "INSERT INTO support_ticket (id, customer_id, opened_at, subject, body) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)"
        );
        for table in Table::ALL {
            assert!(rows_per_insert(table) * table.columns().len() <= 4000);
        }
    }

    #[tokio::test]
    async fn a_generator_sends_every_row_then_done() {
        let workload = Workload { customers: 1000, seed: 7, replace: false };
        let mut chunks = spawn(Table::Address, &workload, Batches::new(Table::Address, 100));
        let mut rows = 0;
        while let Some((batch, n)) = chunks.next().await.unwrap() {
            assert_eq!(batch.values.len() as u64, n * 8);
            rows += n;
        }
        assert_eq!(rows, crate::expected_rows(1000)[1].1);
    }
}

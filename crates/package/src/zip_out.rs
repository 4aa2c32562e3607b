//! Writes the files into one zip, in memory, deterministically and within the size
//! limit.
//!
//! Determinism: entries are written in the sorted order [`Model::files`] gives, every
//! entry has the same timestamp (the request's `generated_at`, in UTC), the same Unix
//! permissions and creator system, and the same compression; nothing else varies.
//!
//! The limit: the zip is written into a [`Sink`] that refuses the first write past
//! the limit, so an oversized package stops early instead of growing in memory.

use std::cell::Cell as Shared;
use std::io::{self, BufWriter, Cursor, Seek, SeekFrom, Write};
use std::rc::Rc;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::model::{Content, File, Model};
use crate::{PackageError, csv_out, html, json};

/// The zip in memory; fails the first write that would take it past `max` bytes and
/// records how far it got, so the error can say so. After that it discards what it is
/// given: the zip writer finishes the archive when it is dropped and reports a failure
/// on stderr, which a pure library must not do.
struct Sink {
    buffer: Cursor<Vec<u8>>,
    max: usize,
    refused_at: Rc<Shared<Option<usize>>>,
    /// Set on any failure: from then on writes are discarded (see above).
    failed: Rc<Shared<bool>>,
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let position = usize::try_from(self.buffer.position()).unwrap_or(usize::MAX);
        if self.failed.get() {
            return Ok(bytes.len());
        }
        let end = position.saturating_add(bytes.len());
        if end > self.max {
            self.refused_at.set(Some(end));
            self.failed.set(true);
            return Err(io::Error::other("the access package is larger than its limit"));
        }
        self.buffer.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Sink {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.buffer.seek(position)
    }
}

/// Writes every file and returns the zip's bytes.
pub(crate) fn write(
    model: &Model<'_>,
    files: &[File],
    unix_s: i64,
    max: usize,
) -> Result<Vec<u8>, PackageError> {
    let refused_at = Rc::new(Shared::new(None));
    let failed = Rc::new(Shared::new(false));
    let fail = |message: String| {
        failed.set(true);
        match refused_at.get() {
            Some(bytes) => PackageError::TooLarge { bytes },
            None => PackageError::Write { message },
        }
    };
    let sink = Sink {
        buffer: Cursor::new(Vec::new()),
        max,
        refused_at: Rc::clone(&refused_at),
        failed: Rc::clone(&failed),
    };
    let mut zip = ZipWriter::new(sink);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(timestamp(unix_s))
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    for file in files {
        zip.start_file(file.path.as_str(), options).map_err(|e| fail(e.to_string()))?;
        // Many small writes (a cell at a time) go through one buffer to the compressor.
        let mut out = BufWriter::with_capacity(64 << 10, &mut zip);
        let written = match file.content {
            Content::Readme => html::write(model, &mut out),
            Content::PackageJson => json::write_package(model, &mut out),
            Content::TableCsv(index) => match model.tables.get(index) {
                Some(table) => csv_out::write_table(model, table, &mut out),
                None => Ok(()),
            },
            Content::TableJson(index) => match model.tables.get(index) {
                Some(table) => json::write_table(model, table, &mut out),
                None => Ok(()),
            },
        };
        written.and_then(|()| out.flush()).map_err(|e| fail(e.to_string()))?;
    }
    let sink = zip.finish().map_err(|e| fail(e.to_string()))?;
    // Belt and braces: had the writer swallowed the refusal, the zip would be cut.
    if let Some(bytes) = refused_at.get() {
        return Err(PackageError::TooLarge { bytes });
    }
    Ok(sink.buffer.into_inner())
}

/// The zip timestamp of a Unix time, in UTC. Zip dates run from 1980 to 2107; a time
/// outside is clamped to the nearest end rather than failing the package.
fn timestamp(unix_s: i64) -> DateTime {
    let civil = jiff::Timestamp::from_second(unix_s)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).datetime())
        .unwrap_or_default();
    let (year, month, day, hour, minute, second) = match u16::try_from(civil.year()) {
        Ok(year) if (1980..=2107).contains(&year) => (
            year,
            civil.month().unsigned_abs(),
            civil.day().unsigned_abs(),
            civil.hour().unsigned_abs(),
            civil.minute().unsigned_abs(),
            civil.second().unsigned_abs(),
        ),
        Ok(year) if year > 2107 => (2107, 12, 31, 23, 59, 58),
        _ => (1980, 1, 1, 0, 0, 0),
    };
    DateTime::from_date_and_time(year, month, day, hour, minute, second).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_and_clamped() {
        let at = timestamp(1_780_000_000); // 2026-05-28T20:26:40Z
        assert_eq!(
            (at.year(), at.month(), at.day(), at.hour(), at.minute(), at.second()),
            (2026, 5, 28, 20, 26, 40)
        );
        let early = timestamp(0);
        assert_eq!((early.year(), early.month(), early.day()), (1980, 1, 1));
        let late = timestamp(i64::MAX);
        assert_eq!(late.year(), 1980, "out of jiff's range falls back to the earliest date");
        let far = timestamp(5_000_000_000); // 2128
        assert_eq!((far.year(), far.month(), far.day()), (2107, 12, 31));
    }
}

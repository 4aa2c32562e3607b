//! Reading manifest files with a size limit, so a huge or endless file (a FIFO,
//! `/dev/zero`) is refused without being read into memory.

use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use ombud_core::limits;

/// Reads at most one byte more than the manifest limit; the parser reports the excess.
pub(crate) fn read_manifest(path: &Path) -> anyhow::Result<Vec<u8>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let metadata = file.metadata().with_context(|| format!("cannot read {}", path.display()))?;
    if metadata.is_dir() {
        anyhow::bail!(
            "{} is a directory; pass manifest files, such as `examples/*.yaml`",
            path.display()
        );
    }
    let mut bytes = Vec::new();
    let cap = u64::try_from(limits::MANIFEST_BYTES_MAX).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(bytes)
}

/// Reads a UTF-8 text file of at most `max_bytes` (a list message's body), refusing a
/// larger one with its limit.
pub(crate) fn read_limited(path: &Path, max_bytes: usize) -> anyhow::Result<String> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut bytes = Vec::new();
    let cap = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > max_bytes {
        anyhow::bail!("{} is larger than {max_bytes} bytes", path.display());
    }
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

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

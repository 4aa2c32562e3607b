//! Limits on everything that crosses a trust boundary, in one place.
//!
//! Units and qualifiers go last in each name (`_bytes_max`, `_count_max`).
//! Each limit is enforced where input enters and tested at the limit and one past it.

/// The largest manifest file `ombud check` or `ombud notice` will read.
/// Real programs are tens of kilobytes; four mebibytes leaves room for large
/// system inventories while keeping a hostile file from exhausting memory.
pub const MANIFEST_BYTES_MAX: usize = 4 << 20;

/// The deepest nesting of YAML collections a manifest may use. The format itself
/// needs about eight levels; the rest is headroom, not an invitation.
pub const MANIFEST_DEPTH_MAX: usize = 32;

/// How many YAML aliases (`*name`) a manifest may use. Aliases are legitimate for
/// sharing a list of columns, but "billion laughs" files use them to blow up size.
pub const MANIFEST_ALIASES_MAX: usize = 256;

/// How many events an alias may replay in total across one manifest.
pub const MANIFEST_ALIAS_REPLAYED_EVENTS_MAX: usize = 100_000;

/// How many YAML nodes (scalars, sequences, mappings) one manifest may hold.
pub const MANIFEST_NODES_MAX: usize = 200_000;

/// How many items one list of the manifest (categories, recipients, tables, …) may hold.
pub const MANIFEST_LIST_ITEMS_MAX: usize = 10_000;

/// The longest id (category, purpose, recipient, system, table, column name).
pub const ID_BYTES_MAX: usize = 128;

/// The longest free text (a name, a description, an example) in a manifest.
pub const TEXT_BYTES_MAX: usize = 16 << 10;

/// How many files one `ombud check` invocation accepts.
pub const CHECK_FILES_MAX: usize = 1_000;

/// How many diagnostics one manifest reports; past this, one more says how many were
/// left out. A file with ten thousand broken references needs its first screenful fixed,
/// not ten thousand lines.
pub const DIAGNOSTICS_PER_FILE_MAX: usize = 1_000;

/// Edit-distance work (table cells) spent on "did you mean" suggestions per manifest.
/// Each suggestion compares an unknown id with every declared one; without a budget a
/// hostile file of long, unknown ids makes that quadratic. About 30 ms of work.
pub const SUGGESTION_CELLS_PER_FILE_MAX: u64 = 50_000_000;

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

/// The longest identifier value (email, phone, account id) a request may carry.
/// RFC 5321 caps an address path at 256 octets; the rest is headroom for names.
pub const IDENTITY_VALUE_BYTES_MAX: usize = 320;

/// The longest free text attached to a request: what to correct, an extension's
/// reason, a denial's explanation, a staff note.
pub const REQUEST_TEXT_BYTES_MAX: usize = 8 << 10;

/// How many data points a person may offer for matching in one attempt (R-049/R-050
/// ask for two or three; ten leaves room for a company that asks for more).
pub const DATA_POINTS_PER_ATTEMPT_MAX: usize = 10;

/// How many data-point matching attempts one request gets before it must go to staff
/// fraud controls on verification).
pub const DATA_POINT_ATTEMPTS_MAX: u32 = 3;

/// How many wrong guesses one verification code allows before it is void
/// . Six digits and five guesses give an attacker 1 chance in 200,000.
pub const VERIFICATION_CODE_ATTEMPTS_MAX: u32 = 5;

/// How long a verification code stays valid.
pub const VERIFICATION_CODE_LIFETIME_MS: i64 = 30 * 60 * 1000;

/// How many codes one request may be sent (each send voids the previous code), so
/// the code form cannot be used to flood someone's mailbox.
pub const VERIFICATION_CODES_PER_REQUEST_MAX: u32 = 5;

/// How many codes one email address may be sent in a day, across all requests naming
/// it, so opening request after request neither floods a mailbox nor multiplies the
/// guesses at its codes.
pub const VERIFICATION_CODES_PER_ADDRESS_PER_DAY_MAX: u32 = 10;

/// How many wrong codes may be entered for one email address in a day, across all its
/// requests.
pub const VERIFICATION_FAILURES_PER_ADDRESS_PER_DAY_MAX: u32 = 10;

/// The largest account assertion (a signed token from the company's own login).
pub const ASSERTION_BYTES_MAX: usize = 4 << 10;

/// How old an account assertion may be: R-048 asks the person to re-authenticate
/// immediately before data is disclosed, deleted or corrected.
pub const ASSERTION_AGE_MS_MAX: i64 = 5 * 60 * 1000;

/// The largest document an agent or a person may upload (a signed permission, a
/// power of attorney, a declaration, documentation for a correction).
pub const DOCUMENT_BYTES_MAX: usize = 10 << 20;

/// How many documents one request may hold.
pub const DOCUMENTS_PER_REQUEST_MAX: usize = 20;

/// How many reasons one denial may cite.
pub const DENIAL_REASONS_MAX: usize = 16;

/// The longest line of a bulk import file of requests (JSON Lines).
pub const IMPORT_LINE_BYTES_MAX: usize = 64 << 10;

/// The most requests one listing returns; a queue longer than this is paged by filters.
pub const LIST_ROWS_MAX: u32 = 10_000;

/// The most audit events one request's timeline shows.
pub const TIMELINE_EVENTS_MAX: u32 = 1_000;

// Fulfilment: the work ombud does on the company's own databases (DESIGN.md Scale:
// "ombud never harms the systems it reads").

/// Rows one query against a company database may return; a query that would return
/// more is reported as truncated, never silently cut.
pub const CONNECTOR_ROWS_PER_QUERY_MAX: u32 = 10_000;

/// Rows a single request may touch in one table (access or erasure); past it the
/// step fails with an error naming the table instead of holding the rows in memory.
pub const FULFIL_ROWS_PER_TABLE_MAX: u32 = 200_000;

/// Key values sent in one `IN (...)` list; longer lists are split into batches.
pub const CONNECTOR_KEYS_PER_QUERY_MAX: usize = 1_000;

/// How long one statement on a company database may run.
pub const CONNECTOR_STATEMENT_TIMEOUT_MS: u32 = 30_000;

/// How long ombud waits for a connection to a company database.
pub const CONNECTOR_CONNECT_TIMEOUT_MS: u32 = 10_000;

/// Connections ombud opens to one company database at most.
pub const CONNECTOR_CONNECTIONS_MAX: u32 = 8;

/// Tables one system may declare for fulfilment (the planner's work is bounded by it).
pub const PLAN_TABLES_PER_SYSTEM_MAX: usize = 2_000;

/// Bytes of one value copied into an access package; longer values are cut and
/// marked as cut.
pub const PACKAGE_VALUE_BYTES_MAX: usize = 1 << 20;

/// Bytes of one access package (the zip).
pub const PACKAGE_BYTES_MAX: usize = 256 << 20;

/// Attempts a job gets before it is marked failed for a person to look at.
pub const JOB_ATTEMPTS_MAX: u32 = 8;

/// How long a claimed job is leased to its worker before another may take it.
pub const JOB_LEASE_MS: i64 = 60_000;

/// Bytes of a Fides dataset file ombud imports.
pub const FIDES_DATASET_BYTES_MAX: usize = 4 << 20;

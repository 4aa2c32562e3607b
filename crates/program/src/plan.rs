//! The traversal plan: how one person's rows are found, read and erased in one database
//! system, compiled from the manifest alone (no database is touched).
//!
//! Fulfilment starts at the identity columns of the kinds the request was verified by
//! (REGULATIONS.md R-070: the specific pieces; R-090: deletion), follows the declared
//! references and visits each table once. The rules that keep it from reaching other
//! people's rows:
//!
//! - **Down** (a table whose column references a visited table's column) is always
//!   followed: the rows of `orders` whose `customer_id` is the person's id are theirs.
//!   A declared reference therefore says "this row belongs to the person of the row
//!   it points to"; a column that merely mentions someone (the customer who referred
//!   this one) must not be declared under `references`.
//! - **Up** (from a table to the table its column references) is followed only from a
//!   table where the identity itself was found, and only through a reference column
//!   the manifest also declares as an identity of that table (`identity: { user_id:
//!   user_id }`): the column says whose row it is, so the parent row is the person's
//!   record. Any other upward reference may name another person (the account manager
//!   of a customer), and following it and then down again would reach everyone that
//!   person touched; it is not followed and the plan says so.
//! - Tables are read parents first (a table after every planned table it references),
//!   so a table reached by several references reads the union of all of them; each
//!   table is still read once. Only a reference cycle leaves an edge unfollowed.
//! - Self-references (`customer.referred_by → customer.id`) are never followed.
//!
//! Erasure runs after every read, children before parents so foreign keys hold. A
//! table that is deleted while a table referencing it keeps its rows (an exception,
//! a column strategy, or no strategy) would either fail on the foreign key or, with
//! `ON DELETE CASCADE`, destroy rows the law lets the business keep; the plan refuses
//! it and says how to declare it instead.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use ombud_core::Reference as _;
use ombud_core::limits::PLAN_TABLES_PER_SYSTEM_MAX;
use ombud_core::{Engine, ErasureStrategy, IdentityKind, RetentionReason, SystemRole};

use crate::Program;
use crate::model::{SystemKind, Table};

const UPWARD_ONLY_FROM_IDENTITY: &str = "followed upward only from a table where the identity was found, through a column also declared as its identity; otherwise it may name another person";
const IN_A_CYCLE: &str = "part of a reference cycle; the other direction is followed";

/// The plan for one database system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemPlan {
    /// The system's id.
    pub system: String,
    /// Its engine.
    pub engine: Engine,
    /// The environment variable naming its connection string, when declared.
    pub connection_env: Option<String>,
    /// Tables in the order they are read: every source of a step comes before it.
    pub steps: Vec<Step>,
    /// Indices into `steps`, in the order erasure visits them (children first).
    pub erase_order: Vec<usize>,
    /// References between planned tables that are not followed, and why.
    pub not_followed: Vec<NotFollowed>,
    /// Reference cycles among the planned tables (each a list of table names).
    pub cycles: Vec<Vec<String>>,
    /// Problems that make erasure unsafe in this system; access still works.
    pub erasure_problems: Vec<String>,
}

/// Reading one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Index of the table in the system's declaration.
    pub table_index: usize,
    /// The table's name.
    pub table: String,
    /// Where its rows come from: the union of all sources.
    pub sources: Vec<Source>,
    /// Columns to read, without duplicates: the primary key first when declared, then
    /// the personal columns, then the columns later steps need as keys.
    pub read_columns: Vec<String>,
    /// The personal columns (what an access package shows) with category indices.
    pub personal: Vec<(String, usize)>,
    /// The primary key, when declared (needed to erase by row and for receipts).
    pub primary_key: Option<String>,
    /// What erasure does here.
    pub action: Action,
}

/// Where a step's rows come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Rows whose `column` equals the person's identity of this kind.
    Identity {
        /// The column.
        column: String,
        /// The kind of identity.
        kind: IdentityKind,
    },
    /// Rows whose `column` equals a value of `from_column` in the rows of step `from_step`.
    Reference {
        /// The earlier step.
        from_step: usize,
        /// The column of the earlier step's table whose values are used.
        from_column: String,
        /// This table's column compared with them.
        column: String,
        /// Whether the reference is followed upward (this table is the referenced one).
        upward: bool,
    },
}

/// What erasure does to a table's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Delete the rows.
    Delete,
    /// Overwrite columns, each with its strategy (never `Delete`).
    Overwrite(Vec<(String, ErasureStrategy)>),
    /// Keep the rows under declared exceptions, one per law (named in the response,
    ///
    Retain(Vec<RetentionReason>),
    /// The manifest declares no erasure for a table with personal columns: nothing is
    /// done, and the request cannot be reported as fully erased.
    Undeclared,
    /// The table holds no personal column and declares nothing: it is only a path.
    PathOnly,
}

/// A reference between planned tables that the plan does not follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotFollowed {
    /// The referencing table and column.
    pub table: String,
    /// The column.
    pub column: String,
    /// The referenced table.
    pub target_table: String,
    /// Why.
    pub reason: &'static str,
}

/// Why no plan can be made for a system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// No system of this id.
    UnknownSystem(String),
    /// The system is not a database (service providers receive instructions instead).
    NotADatabase(String),
    /// The system processes data for the business's customers; requests go to them.
    Processor(String),
    /// More tables than the planner handles.
    TooManyTables {
        /// The system.
        system: String,
        /// How many it declares.
        tables: usize,
    },
    /// A reference names a table the system does not declare.
    UnknownTable {
        /// The system.
        system: String,
        /// The table holding the reference.
        table: String,
        /// The missing table.
        target: String,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::UnknownSystem(id) => write!(f, "the program declares no system `{id}`"),
            PlanError::NotADatabase(id) => write!(
                f,
                "system `{id}` is a service provider, not a database: it receives instructions instead of being searched"
            ),
            PlanError::Processor(id) => write!(
                f,
                "system `{id}` holds data for the business's customers (role: processor); requests about it go to the customer (R-200)"
            ),
            PlanError::TooManyTables { system, tables } => write!(
                f,
                "system `{system}` declares {tables} tables; the planner handles at most {PLAN_TABLES_PER_SYSTEM_MAX}"
            ),
            PlanError::UnknownTable { system, table, target } => write!(
                f,
                "table `{table}` of system `{system}` references table `{target}`, which the system does not declare; declare it or fix the reference"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// Compiles the plan of system `system_id` for a person known by identities of `kinds`.
///
/// A system with no identity column of these kinds gets a plan with no steps: nothing
/// in it can be found by what the request was verified with.
pub fn compile(
    program: &Program,
    system_id: &str,
    kinds: &[IdentityKind],
) -> Result<SystemPlan, PlanError> {
    let system = program
        .systems
        .iter()
        .find(|s| s.id == system_id)
        .ok_or_else(|| PlanError::UnknownSystem(system_id.to_owned()))?;
    let SystemKind::Database { engine, connection_env, tables } = &system.kind else {
        return Err(PlanError::NotADatabase(system_id.to_owned()));
    };
    if system.role == SystemRole::Processor {
        return Err(PlanError::Processor(system_id.to_owned()));
    }
    if tables.len() > PLAN_TABLES_PER_SYSTEM_MAX {
        return Err(PlanError::TooManyTables {
            system: system_id.to_owned(),
            tables: tables.len(),
        });
    }
    let index_of = |name: &str| tables.iter().position(|t| t.name == name);
    // Every reference as (from table, column, to table, to column), checked once.
    let mut edges: Vec<(usize, String, usize, String)> = Vec::new();
    for (t, table) in tables.iter().enumerate() {
        for reference in &table.references {
            let target = index_of(&reference.table).ok_or_else(|| PlanError::UnknownTable {
                system: system_id.to_owned(),
                table: table.name.clone(),
                target: reference.table.clone(),
            })?;
            edges.push((t, reference.column.clone(), target, reference.target_column.clone()));
        }
    }

    // Breadth first from the identity tables, in declaration order.
    let mut step_of: Vec<Option<usize>> = vec![None; tables.len()];
    let mut order: Vec<usize> = Vec::new();
    let mut roots: Vec<bool> = vec![false; tables.len()];
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (t, table) in tables.iter().enumerate() {
        if table.identity.iter().any(|(_, kind)| kinds.contains(kind)) {
            roots[t] = true;
            step_of[t] = Some(order.len());
            order.push(t);
            queue.push_back(t);
        }
    }
    // Up only from an identity table, through a column it declares as an identity.
    let up_allowed = |from: usize, column: &str| {
        roots[from] && tables[from].identity.iter().any(|(c, _)| c == column)
    };
    let mut reached_up: Vec<Option<usize>> = vec![None; tables.len()];
    while let Some(t) = queue.pop_front() {
        for (from, column, to, _) in &edges {
            // Down: a table referencing `t`.
            let next = if *to == t && *from != t {
                Some(*from)
            } else if *from == t && *to != t && up_allowed(t, column) {
                // Up, from a table where the identity itself was found.
                if step_of[*to].is_none() {
                    reached_up[*to] = Some(t);
                }
                Some(*to)
            } else {
                None
            };
            if let Some(next) = next
                && step_of[next].is_none()
            {
                step_of[next] = Some(order.len());
                order.push(next);
                queue.push_back(next);
            }
        }
    }

    let order = read_order(&order, &edges, &reached_up);
    for (s, &t) in order.iter().enumerate() {
        step_of[t] = Some(s);
    }
    let mut steps: Vec<Step> = order
        .iter()
        .map(|&t| {
            let table = &tables[t];
            let sources = table
                .identity
                .iter()
                .filter(|(_, kind)| kinds.contains(kind))
                .map(|(column, kind)| Source::Identity { column: column.clone(), kind: *kind })
                .collect();
            Step {
                table_index: t,
                table: table.name.clone(),
                sources,
                read_columns: Vec::new(),
                personal: table.columns.iter().map(|c| (c.name.clone(), c.category)).collect(),
                primary_key: table.primary_key.clone(),
                action: action_of(table),
            }
        })
        .collect();

    // Sources by reference: every followable edge whose source step comes first.
    let mut not_followed = Vec::new();
    for (from, column, to, target_column) in &edges {
        let Some(from_step) = step_of[*from] else { continue };
        let Some(to_step) = step_of[*to] else {
            not_followed.push(NotFollowed {
                table: tables[*from].name.clone(),
                column: column.clone(),
                target_table: tables[*to].name.clone(),
                reason: UPWARD_ONLY_FROM_IDENTITY,
            });
            continue;
        };
        if from == to {
            not_followed.push(NotFollowed {
                table: tables[*from].name.clone(),
                column: column.clone(),
                target_table: tables[*to].name.clone(),
                reason: "a table's reference to itself leads to other people's rows",
            });
            continue;
        }
        if to_step < from_step {
            // Down: rows of `from` whose `column` is one of the values read from `to`.
            steps[from_step].sources.push(Source::Reference {
                from_step: to_step,
                from_column: target_column.clone(),
                column: column.clone(),
                upward: false,
            });
        } else if up_allowed(*from, column) {
            // Up from an identity table to the record it belongs to.
            steps[to_step].sources.push(Source::Reference {
                from_step,
                from_column: column.clone(),
                column: target_column.clone(),
                upward: true,
            });
        } else {
            not_followed.push(NotFollowed {
                table: tables[*from].name.clone(),
                column: column.clone(),
                target_table: tables[*to].name.clone(),
                reason: if reached_up[*to] == Some(*from) || !up_allowed(*from, column) {
                    UPWARD_ONLY_FROM_IDENTITY
                } else {
                    IN_A_CYCLE
                },
            });
        }
    }

    // Columns each step reads: key first, the personal columns, the identity columns it
    // is filtered by (so a row can be shown as found), and the keys later steps use.
    let mut needed: Vec<BTreeSet<String>> = vec![BTreeSet::new(); steps.len()];
    for step in &steps {
        for source in &step.sources {
            if let Source::Reference { from_step, from_column, .. } = source {
                needed[*from_step].insert(from_column.clone());
            }
        }
    }
    for (s, step) in steps.iter_mut().enumerate() {
        let mut columns: Vec<String> = Vec::new();
        let mut push = |name: &str| {
            if !columns.iter().any(|c| c == name) {
                columns.push(name.to_owned());
            }
        };
        if let Some(key) = &step.primary_key {
            push(key);
        }
        for (name, _) in &step.personal {
            push(name);
        }
        if let Action::Overwrite(overwrites) = &step.action {
            for (name, _) in overwrites {
                push(name);
            }
        }
        for name in &needed[s] {
            push(name);
        }
        step.read_columns = columns;
    }

    let (erase_order, cycles) = erase_order(&steps, &edges, &step_of, tables);
    let erasure_problems = erasure_problems(system_id, &steps, &edges, &step_of, tables);
    Ok(SystemPlan {
        system: system_id.to_owned(),
        engine: *engine,
        connection_env: connection_env.clone(),
        steps,
        erase_order,
        not_followed,
        cycles,
        erasure_problems,
    })
}

/// The order tables are read in: each after every planned table it references (so
/// its downward sources are all read first), except that a table reached upward comes
/// after the identity table it was reached from. Ties keep breadth-first order; a
/// cycle is broken in breadth-first order too.
fn read_order(
    bfs: &[usize],
    edges: &[(usize, String, usize, String)],
    reached_up: &[Option<usize>],
) -> Vec<usize> {
    let planned: BTreeSet<usize> = bfs.iter().copied().collect();
    // before[t]: the tables that must be read before t.
    let mut before: BTreeMap<usize, BTreeSet<usize>> =
        bfs.iter().map(|&t| (t, BTreeSet::new())).collect();
    for (from, _, to, _) in edges {
        if from == to || !planned.contains(from) || !planned.contains(to) {
            continue;
        }
        if reached_up[*to] == Some(*from) {
            before.entry(*to).or_default().insert(*from);
        } else {
            before.entry(*from).or_default().insert(*to);
        }
    }
    let mut done: BTreeSet<usize> = BTreeSet::new();
    let mut order = Vec::with_capacity(bfs.len());
    while order.len() < bfs.len() {
        let ready = bfs.iter().copied().find(|t| {
            !done.contains(t) && before.get(t).is_none_or(|b| b.iter().all(|p| done.contains(p)))
        });
        // In a cycle nothing is ready: take the first remaining in breadth-first order.
        let Some(next) = ready.or_else(|| bfs.iter().copied().find(|t| !done.contains(t))) else {
            break;
        };
        done.insert(next);
        order.push(next);
    }
    order
}

/// The database systems a request is planned over, in declaration order, and the
/// systems left out with the reason (processors, service providers).
pub fn database_systems(program: &Program) -> (Vec<&str>, Vec<(&str, &'static str)>) {
    let mut planned = Vec::new();
    let mut left_out = Vec::new();
    for system in &program.systems {
        match (&system.kind, system.role) {
            (SystemKind::Database { .. }, SystemRole::Controller) => planned.push(system.id.as_str()),
            (SystemKind::Database { .. }, SystemRole::Processor) => left_out.push((
                system.id.as_str(),
                "held for the business's customers as their processor; the request is referred to them (R-200)",
            )),
            (SystemKind::ServiceProvider { .. }, _) => left_out.push((
                system.id.as_str(),
                "a service provider; it is instructed to act on the request rather than searched (R-091, R-200)",
            )),
        }
    }
    (planned, left_out)
}

fn action_of(table: &Table) -> Action {
    if let Some(retain) = &table.retain {
        let reasons: Vec<RetentionReason> = retain.reasons().collect();
        if !reasons.is_empty() {
            return Action::Retain(reasons);
        }
    }
    match table.erase {
        Some(ErasureStrategy::Delete) => Action::Delete,
        Some(strategy) => {
            // The table's strategy for every personal column, unless a column has its
            // own; the primary key and reference columns are never overwritten (they
            // carry no personal data of their own and other rows depend on them).
            let keep = |name: &str| {
                table.primary_key.as_deref() == Some(name)
                    || table.references.iter().any(|r| r.column == name)
            };
            let mut overwrites: Vec<(String, ErasureStrategy)> = Vec::new();
            for column in &table.columns {
                if keep(&column.name) {
                    continue;
                }
                let own = table.erase_columns.iter().find(|(c, _)| *c == column.name);
                overwrites.push((column.name.clone(), own.map_or(strategy, |(_, s)| *s)));
            }
            for (name, own) in &table.erase_columns {
                if !keep(name) && !overwrites.iter().any(|(c, _)| c == name) {
                    overwrites.push((name.clone(), *own));
                }
            }
            overwrites.retain(|(_, s)| *s != ErasureStrategy::Delete);
            Action::Overwrite(overwrites)
        }
        None if table.columns.is_empty() => Action::PathOnly,
        None => Action::Undeclared,
    }
}

/// Children before parents: a step comes before every planned table it references.
/// Cycles are broken where they close and reported.
fn erase_order(
    steps: &[Step],
    edges: &[(usize, String, usize, String)],
    step_of: &[Option<usize>],
    tables: &[Table],
) -> (Vec<usize>, Vec<Vec<String>>) {
    // Depth-first post-order over "references" edges gives parents first; reversed, children first.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let n = steps.len();
    let mut marks = vec![Mark::New; n];
    let mut post: Vec<usize> = Vec::with_capacity(n);
    let mut cycles: Vec<Vec<String>> = Vec::new();
    let parents = |s: usize| -> Vec<usize> {
        let t = steps[s].table_index;
        let mut out: Vec<usize> = edges
            .iter()
            .filter(|(from, _, to, _)| *from == t && *to != t)
            .filter_map(|(_, _, to, _)| step_of[*to])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    };
    for start in 0..n {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative DFS with an explicit stack of (step, next parent index).
        let mut stack: Vec<(usize, Vec<usize>, usize)> = vec![(start, parents(start), 0)];
        marks[start] = Mark::Active;
        while let Some((s, ps, i)) = stack.last_mut() {
            if let Some(&p) = ps.get(*i) {
                *i += 1;
                match marks[p] {
                    Mark::New => {
                        marks[p] = Mark::Active;
                        let grand = parents(p);
                        stack.push((p, grand, 0));
                    }
                    Mark::Active => {
                        let at = stack.iter().position(|(q, _, _)| *q == p).unwrap_or(0);
                        let mut cycle: Vec<String> = stack[at..]
                            .iter()
                            .map(|(q, _, _)| tables[steps[*q].table_index].name.clone())
                            .collect();
                        cycle.push(tables[steps[p].table_index].name.clone());
                        cycles.push(cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                let s = *s;
                marks[s] = Mark::Done;
                post.push(s);
                stack.pop();
            }
        }
    }
    post.reverse();
    (post, cycles)
}

fn erasure_problems(
    system_id: &str,
    steps: &[Step],
    edges: &[(usize, String, usize, String)],
    step_of: &[Option<usize>],
    tables: &[Table],
) -> Vec<String> {
    let mut problems = Vec::new();
    for step in steps {
        let Action::Overwrite(_) = &step.action else { continue };
        let table = &tables[step.table_index];
        for (column, _) in &step.personal {
            let key = table.primary_key.as_deref() == Some(column.as_str())
                || table.references.iter().any(|r| r.column == *column);
            if key {
                problems.push(format!(
                    "system `{system_id}`: `{}.{column}` holds personal data but is a key, which overwriting leaves as it is; erase `{}` with strategy delete",
                    step.table, step.table
                ));
            }
        }
    }
    for (from, column, to, _) in edges {
        if from == to {
            continue;
        }
        let Some(parent) = step_of[*to] else { continue };
        if steps[parent].action != Action::Delete {
            continue;
        }
        let child_deleted = step_of[*from].is_some_and(|c| steps[c].action == Action::Delete);
        if !child_deleted {
            problems.push(format!(
                "system `{system_id}`: deleting rows of `{}` would break `{}.{}`, whose rows are kept; \
                 erase `{}` by overwriting its columns (strategy hash, mask, null or random) or delete `{}` too",
                tables[*to].name, tables[*from].name, column, tables[*to].name, tables[*from].name
            ));
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

impl Action {
    /// What erasure does, in words (`delete rows`, `keep (exception D8, G-b)`).
    pub fn describe(&self) -> String {
        match self {
            Action::Delete => "delete rows".to_owned(),
            Action::Overwrite(columns) => {
                let list: Vec<String> =
                    columns.iter().map(|(c, s)| format!("{c}: {}", s.id())).collect();
                format!("overwrite {}", list.join(", "))
            }
            Action::Retain(reasons) => {
                let codes: Vec<&str> = reasons.iter().map(|r| r.id()).collect();
                format!("keep (exception {})", codes.join(", "))
            }
            Action::Undeclared => "nothing declared (add erase: or retain:)".to_owned(),
            Action::PathOnly => "nothing (no personal columns)".to_owned(),
        }
    }
}

impl SystemPlan {
    /// A readable description of the plan, for `ombud fulfil --dry-run`.
    pub fn describe(&self) -> String {
        let mut out = format!("system {} ({})\n", self.system, self.engine.label());
        if self.steps.is_empty() {
            out.push_str(
                "  no table has an identity column of the kinds given; nothing to search\n",
            );
        }
        for (s, step) in self.steps.iter().enumerate() {
            out.push_str(&format!("  {}. {}", s + 1, step.table));
            let via: Vec<String> = step
                .sources
                .iter()
                .map(|source| match source {
                    Source::Identity { column, kind } => format!("{column} = {}", kind.id()),
                    Source::Reference { from_step, from_column, column, upward } => format!(
                        "{column} in {}.{from_column}{}",
                        self.steps[*from_step].table,
                        if *upward { " (up)" } else { "" }
                    ),
                })
                .collect();
            out.push_str(&format!(" where {}\n", via.join(" or ")));
        }
        if !self.steps.is_empty() {
            out.push_str("  erasure, in order:\n");
            for &s in &self.erase_order {
                let step = &self.steps[s];
                let what = step.action.describe();
                out.push_str(&format!("    {}: {what}\n", step.table));
            }
        }
        for skipped in &self.not_followed {
            out.push_str(&format!(
                "  not followed: {}.{} -> {} ({})\n",
                skipped.table, skipped.column, skipped.target_table, skipped.reason
            ));
        }
        for cycle in &self.cycles {
            out.push_str(&format!("  reference cycle: {}\n", cycle.join(" -> ")));
        }
        for problem in &self.erasure_problems {
            out.push_str(&format!("  erasure refused: {problem}\n"));
        }
        out
    }
}

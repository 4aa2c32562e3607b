//! How long compiling a traversal plan takes: the SaaS example's main database, the
//! reference shop, and a worst case of 2,000 tables (`PLAN_TABLES_PER_SYSTEM_MAX`) in
//! one chain of references. The plan is compiled for every request, so it must cost
//! microseconds next to the milliseconds of the queries it plans.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use ombud_core::IdentityKind;
use ombud_core::limits::PLAN_TABLES_PER_SYSTEM_MAX;
use ombud_program::plan::compile;
use ombud_program::{CheckOptions, Program};

fn load(text: &str) -> Program {
    match ombud_program::load(text.as_bytes(), &CheckOptions::default()) {
        Ok((program, _)) => program,
        Err(_) => panic!("the example has errors"),
    }
}

/// The shop's manifest with its one system replaced by a chain of `n` tables, each
/// referencing the one before.
fn chain(n: usize) -> Program {
    let shop = include_str!("../../../examples/shop.yaml");
    let head = &shop[..shop.find("\nsystems:").unwrap()];
    let mut text = format!("{head}\nsystems:\n  - id: chain\n    engine: postgres\n    tables:\n");
    text.push_str("      - name: t0\n        primary_key: id\n        identity: { email: email }\n        columns: { email: contact_details }\n        erase: { strategy: delete }\n");
    for i in 1..n {
        text.push_str(&format!(
            "      - name: t{i}\n        primary_key: id\n        references: {{ parent_id: t{}.id }}\n        columns: {{ note: contact_details }}\n        erase: {{ strategy: delete }}\n",
            i - 1
        ));
    }
    load(&text)
}

fn plans(c: &mut Criterion) {
    let saas = load(include_str!("../../../examples/saas.yaml"));
    let shop = load(include_str!("../../../examples/shop.yaml"));
    let long = chain(PLAN_TABLES_PER_SYSTEM_MAX);
    let email = [IdentityKind::Email];
    c.bench_function("plan/saas app (11 tables)", |b| {
        b.iter(|| compile(&saas, "app", &email).unwrap())
    });
    c.bench_function("plan/shop (8 tables)", |b| {
        b.iter(|| compile(&shop, "shop", &email).unwrap())
    });
    c.bench_function("plan/chain of 2,000 tables", |b| {
        b.iter(|| compile(&long, "chain", &email).unwrap())
    });
}

criterion_group!(benches, plans);
criterion_main!(benches);

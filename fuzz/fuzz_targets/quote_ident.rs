//! Fuzz target: identifier quoting, the one door through which names reach SQL in
//! ombud-connect. For arbitrary bytes as a name, on each engine, quoting must either
//! refuse or give a string that a small reference parser (below) reads back as one
//! quoted identifier: delimited at both ends, every inner delimiter doubled, and
//! unquoting to exactly the name. A lone delimiter inside would end the identifier
//! early and let the rest of the name become SQL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ombud_connect::quote_ident;
use ombud_core::Engine;

/// Reads one quoted identifier that must span the whole input; `None` if it does not.
fn unquote(quoted: &str, delimiter: char) -> Option<String> {
    let mut chars = quoted.chars();
    if chars.next()? != delimiter {
        return None;
    }
    let mut name = String::new();
    loop {
        let c = chars.next()?;
        if c == delimiter {
            match chars.next() {
                // A doubled delimiter stands for one.
                Some(next) if next == delimiter => name.push(delimiter),
                // The closing delimiter must be the last character.
                None => return Some(name),
                Some(_) => return None,
            }
        } else {
            name.push(c);
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(name) = std::str::from_utf8(bytes) else { return };
    for (engine, delimiter) in
        [(Engine::Postgres, '"'), (Engine::Mysql, '`'), (Engine::Sqlite, '"')]
    {
        let Ok(quoted) = quote_ident(engine, name) else {
            continue;
        };
        assert!(!name.is_empty() && !name.contains('\0'));
        assert_eq!(unquote(&quoted, delimiter).as_deref(), Some(name), "{engine:?}");
    }
});

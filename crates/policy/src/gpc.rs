//! Browser privacy signals: Global Privacy Control (`Sec-GPC`) and Do Not Track (`DNT`)
//! read from request headers, what they mean under the program's declared stance, the
//! "Opt-Out Request Honored" text the page shows, and `/.well-known/gpc.json`.
//!
//! Pure: the web layer hands in header pairs and gets back what to record and show. The
//! rules come from ECOSYSTEM.md §1.1 and REGULATIONS.md B9 and B22
//! . What is *recorded* (one opt-out per browser and known account,
//! R-325) and how a later visit without the signal is read belong to the
//! consent ledger and the decision engine; this module only says what one request
//! carries.

use ombud_core::SignalStance;
use ombud_program::Date;
use ombud_program::Program;
use ombud_program::model::Signals;

/// What the page shows after an opt-out was processed, including one sent as a GPC
/// signal (R-117, R-124: a must from 1 January 2026).
pub const OPT_OUT_HONORED: &str = "Opt-Out Request Honored";

/// What the `Sec-GPC` headers of one request say.
///
/// Only [`GpcSignal::Present`] is an opt-out. [`GpcSignal::Invalid`] (a `Sec-GPC`
/// header whose value is not `1`, such as `0` or `yes`) is, by the specification,
/// exactly as if no header had been sent; it is kept apart only so the web layer
/// can count misbehaving clients. Neither `Absent` nor `Invalid` is ever an opt-in
///
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpcSignal {
    /// No `Sec-GPC` header.
    Absent,
    /// One or more `Sec-GPC` headers, none of them `1`: ignored.
    Invalid,
    /// At least one `Sec-GPC` value is exactly `1`: an opt-out of sale and sharing.
    Present,
}

impl GpcSignal {
    /// Whether the request carries a valid opt-out preference signal.
    pub fn is_opt_out(self) -> bool {
        self == GpcSignal::Present
    }
}

/// Reads the GPC signal from a request's headers (name, value), in any order.
///
/// The rule (W3C GPC, "The Sec-GPC Header Field"; R-320): the header name is compared
/// without regard to case, as HTTP requires; the value, with the optional whitespace
/// HTTP allows around it removed (RFC 9110 §5.5, spaces and tabs), must be exactly `1`
/// — `true`, `yes`, `01` and `0` are not. If several `Sec-GPC` headers arrive, the
/// request carries the signal when at least one of them is `1`.
///
/// A single value such as `1, 1` or `1, 0` is what an intermediary produces when it
/// joins repeated header lines with commas (RFC 9110 §5.3); it is read as those lines,
/// so it counts as the signal when one element is `1`. Reading it as "not exactly `1`"
/// would let a proxy silently drop a person's opt-out, which the specification forbids
/// intermediaries to do and which is the failure regulators fine.
pub fn gpc_signal<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> GpcSignal {
    let mut seen = false;
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("sec-gpc") {
            continue;
        }
        seen = true;
        if value.split(',').any(|element| trim_ows(element) == "1") {
            return GpcSignal::Present;
        }
    }
    if seen { GpcSignal::Invalid } else { GpcSignal::Absent }
}

/// Whether the request carries Do Not Track (`DNT: 1`).
///
/// The W3C Tracking Preference Expression grammar: the value is `1` or `0` followed by
/// optional extension characters (visible ASCII except space, `"`, `,` and `\`). Only
/// a value starting with `1` expresses the preference; a malformed value expresses
/// none. As for GPC, any `DNT` header that says `1` is enough.
pub fn do_not_track<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    headers.into_iter().any(|(name, value)| {
        if !name.eq_ignore_ascii_case("dnt") {
            return false;
        }
        let value = trim_ows(value);
        value.strip_prefix('1').is_some_and(|extension| {
            extension.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x5B | 0x5D..=0x7E))
        })
    })
}

/// Removes HTTP optional whitespace (spaces and horizontal tabs) at both ends.
fn trim_ows(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// What a request's GPC signal does under the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpcEffect {
    /// No valid signal: nothing to record, and not an opt-in either.
    NotSent,
    /// Record an opt-out of sale and sharing (and cross-context targeted advertising)
    /// with source GPC, for this browser or device and its profiles and, if known, the
    /// person's account, with no further question. It wins over an earlier
    /// opt-in. It is not a deletion request.
    OptOut,
    /// The manifest declares that GPC is not acted on; the page may say so with
    /// `statement`, the same words as the notice. Lint L002 makes this an error
    /// for a program that sells or shares under a law that requires the signal.
    NotHonored {
        /// What the notice says about it.
        statement: &'static str,
    },
}

/// What a request's Do Not Track signal does under the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DntEffect {
    /// No `DNT: 1`.
    NotSent,
    /// The program honors DNT: do not collect information about this browser's
    /// activities over time and across other websites (CalOPPA §22575(b)(5)).
    StopCrossSiteTracking,
    /// The program declares it does not act on DNT; the page may say so with
    /// `statement`, the notice's words.
    NotHonored {
        /// What the notice says about it.
        statement: &'static str,
    },
}

/// What both signals of one request do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignalEffect {
    /// Global Privacy Control.
    pub gpc: GpcEffect,
    /// Do Not Track.
    pub dnt: DntEffect,
}

/// The notice's sentence for a program that does not act on GPC (crates/program
/// notice, "choices and signals"; R-326). Kept word for word; a test renders the notice.
pub const GPC_NOT_HONORED: &str =
    "We do not currently act on Global Privacy Control (GPC) signals.";

/// The notice's sentence for a program that does not act on DNT (CalOPPA
/// §22575(b)(5), R-221(5)). Kept word for word; a test renders the notice.
pub const DNT_NOT_HONORED: &str = "Our websites and apps do not change what they collect when a browser sends a Do Not Track (DNT) signal.";

/// What the signals of one request mean under the manifest's `signals:` block.
///
/// `gpc` is [`GpcSignal::is_opt_out`] of [`gpc_signal`]; `dnt` is [`do_not_track`].
/// A GPC signal is an opt-out even when the program sells and shares nothing today, so
/// it already applies if that changes (the notice promises this).
pub fn interpret(signals: &Signals, gpc: bool, dnt: bool) -> SignalEffect {
    let gpc = match (gpc, signals.gpc) {
        (false, _) => GpcEffect::NotSent,
        (true, SignalStance::Honor) => GpcEffect::OptOut,
        (true, SignalStance::Ignore) => GpcEffect::NotHonored { statement: GPC_NOT_HONORED },
    };
    let dnt = match (dnt, signals.do_not_track) {
        (false, _) => DntEffect::NotSent,
        (true, SignalStance::Honor) => DntEffect::StopCrossSiteTracking,
        (true, SignalStance::Ignore) => DntEffect::NotHonored { statement: DNT_NOT_HONORED },
    };
    SignalEffect { gpc, dnt }
}

/// The status the page shows about sale and sharing: [`OPT_OUT_HONORED`] when this
/// request's GPC signal was honored, or when the browser or person has already opted
/// out by any method (`opted_out`, from the consent state; ); otherwise
/// nothing.
pub fn opt_out_status(effect: &SignalEffect, opted_out: bool) -> Option<&'static str> {
    (effect.gpc == GpcEffect::OptOut || opted_out).then_some(OPT_OUT_HONORED)
}

/// The body of `/.well-known/gpc.json` (served as `application/json`; R-323):
/// `{"gpc": true, "lastUpdate": "YYYY-MM-DD"}`.
///
/// `gpc` is `true` when the manifest honors the signal, `false` when it does not.
/// `last_update` is when that statement last changed; the notice's effective date
/// (`program.notice.effective`) is a safe choice, since a change of stance changes the
/// notice. The obsolete `version` member is not emitted.
pub fn well_known_gpc_json(program: &Program, last_update: Date) -> String {
    let gpc = program.signals.gpc == SignalStance::Honor;
    // Both values are typed (a bool and a validated date), so nothing needs escaping.
    format!("{{\"gpc\": {gpc}, \"lastUpdate\": \"{last_update}\"}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_only_http_whitespace() {
        assert_eq!(gpc_signal([("Sec-GPC", "\t1 ")]), GpcSignal::Present);
        // A line break or a no-break space is not HTTP optional whitespace.
        assert_eq!(gpc_signal([("Sec-GPC", "1\n")]), GpcSignal::Invalid);
        assert_eq!(gpc_signal([("Sec-GPC", "\u{a0}1")]), GpcSignal::Invalid);
    }

    #[test]
    fn dnt_grammar() {
        assert!(do_not_track([("DNT", "1")]));
        assert!(do_not_track([("dnt", " 1xyz ")]));
        assert!(!do_not_track([("DNT", "0")]));
        assert!(!do_not_track([("DNT", "1 x")]));
        assert!(!do_not_track([("DNT", "")]));
        assert!(!do_not_track([("Sec-GPC", "1")]));
    }
}

//! The IAB Global Privacy Platform (GPP) string, encoded: a header naming the sections,
//! then each section, joined with `~` (ECOSYSTEM.md §1.2).
//!
//! Each part is a bit string written most significant bit first, padded with zeros to
//! a whole byte and then to a multiple of six bits, and written in the URL-safe base64
//! alphabet without `=`. That is what the IAB reference library (`@iabgpp/cmpapi` 3.x)
//! and the published usnat/usca test vectors do; some older examples in the
//! specification pad the header to six bits only (`DBABM` where the library writes
//! `DBABMA`), and decoders read both.
//!
//! ombud emits the US National section (7) and the California section (8): a person
//! who opted out of sale or sharing — by a form, or by Global Privacy Control, which
//! also adds the GPC sub-section — is written as opted out.

use std::fmt;

/// The URL-safe base64 alphabet GPP uses.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The header's section id.
const HEADER_ID: u64 = 3;
/// The US National section's id.
pub const USNAT_ID: u64 = 7;
/// The California section's id.
pub const USCA_ID: u64 = 8;

/// Notice given (the 2-bit enum of the US sections).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Not applicable (0).
    NotApplicable,
    /// Provided (1).
    Provided,
    /// Not provided (2).
    NotProvided,
}

/// An opt-out's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptOut {
    /// Not applicable (0).
    NotApplicable,
    /// Opted out (1).
    OptedOut,
    /// Did not opt out (2).
    DidNotOptOut,
}

/// A consent's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consent {
    /// Not applicable (0).
    NotApplicable,
    /// No consent (1).
    NoConsent,
    /// Consent (2).
    Consent,
}

/// A Multi-State Privacy Agreement answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mspa {
    /// Not applicable (0).
    NotApplicable,
    /// Yes (1).
    Yes,
    /// No (2).
    No,
}

impl Notice {
    fn bits(self) -> u64 {
        match self {
            Notice::NotApplicable => 0,
            Notice::Provided => 1,
            Notice::NotProvided => 2,
        }
    }
}

impl OptOut {
    fn bits(self) -> u64 {
        match self {
            OptOut::NotApplicable => 0,
            OptOut::OptedOut => 1,
            OptOut::DidNotOptOut => 2,
        }
    }
}

impl Consent {
    fn bits(self) -> u64 {
        match self {
            Consent::NotApplicable => 0,
            Consent::NoConsent => 1,
            Consent::Consent => 2,
        }
    }
}

impl Mspa {
    fn bits(self) -> u64 {
        match self {
            Mspa::NotApplicable => 0,
            Mspa::Yes => 1,
            Mspa::No => 2,
        }
    }
}

/// The US National section (id 7), version 1 (12 sensitive categories, 2 child age
/// bands) or version 2 (16 and 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsNat {
    /// Notice of sharing.
    pub sharing_notice: Notice,
    /// Notice of the right to opt out of sale.
    pub sale_opt_out_notice: Notice,
    /// Notice of the right to opt out of sharing.
    pub sharing_opt_out_notice: Notice,
    /// Notice of the right to opt out of targeted advertising.
    pub targeted_advertising_opt_out_notice: Notice,
    /// Notice of the right to opt out of sensitive data processing.
    pub sensitive_data_processing_opt_out_notice: Notice,
    /// Notice of the right to limit the use of sensitive data.
    pub sensitive_data_limit_use_notice: Notice,
    /// Sale.
    pub sale_opt_out: OptOut,
    /// Sharing.
    pub sharing_opt_out: OptOut,
    /// Targeted advertising.
    pub targeted_advertising_opt_out: OptOut,
    /// Consent per sensitive category: 12 entries (version 1) or 16 (version 2).
    pub sensitive_data_processing: Vec<Consent>,
    /// Consent for known children: 2 entries (version 1) or 3 (version 2).
    pub known_child_sensitive_data_consents: Vec<Consent>,
    /// Consent to personal data processing.
    pub personal_data_consents: Consent,
    /// Covered by the MSPA.
    pub mspa_covered_transaction: Mspa,
    /// MSPA opt-out option mode.
    pub mspa_opt_out_option_mode: Mspa,
    /// MSPA service provider mode.
    pub mspa_service_provider_mode: Mspa,
    /// The Global Privacy Control sub-section: `Some(true)` when the signal was seen.
    pub gpc: Option<bool>,
}

/// The California section (id 8), version 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsCa {
    /// Notice of the right to opt out of sale.
    pub sale_opt_out_notice: Notice,
    /// Notice of the right to opt out of sharing.
    pub sharing_opt_out_notice: Notice,
    /// Notice of the right to limit the use of sensitive data.
    pub sensitive_data_limit_use_notice: Notice,
    /// Sale.
    pub sale_opt_out: OptOut,
    /// Sharing.
    pub sharing_opt_out: OptOut,
    /// Opt-outs of the use or disclosure of each of 9 sensitive categories.
    pub sensitive_data_processing: [OptOut; 9],
    /// Consent to sell and to share for known children under 16.
    pub known_child_sensitive_data_consents: [Consent; 2],
    /// Consent to personal data processing.
    pub personal_data_consents: Consent,
    /// Covered by the MSPA.
    pub mspa_covered_transaction: Mspa,
    /// MSPA opt-out option mode.
    pub mspa_opt_out_option_mode: Mspa,
    /// MSPA service provider mode.
    pub mspa_service_provider_mode: Mspa,
    /// The Global Privacy Control sub-section.
    pub gpc: Option<bool>,
}

/// One section of a GPP string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// US National.
    UsNat(UsNat),
    /// California.
    UsCa(UsCa),
}

impl Section {
    /// The section's id.
    pub fn id(&self) -> u64 {
        match self {
            Section::UsNat(_) => USNAT_ID,
            Section::UsCa(_) => USCA_ID,
        }
    }
}

/// Why a GPP string cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GppError {
    /// No section, or the same section twice.
    Sections,
    /// A US National section whose lists fit neither version 1 nor version 2.
    UsNatShape {
        /// Entries in `sensitive_data_processing`.
        sensitive: usize,
        /// Entries in `known_child_sensitive_data_consents`.
        children: usize,
    },
}

impl fmt::Display for GppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GppError::Sections => {
                f.write_str("a GPP string needs at least one section, each at most once")
            }
            GppError::UsNatShape { sensitive, children } => write!(
                f,
                "a usnat section has 12 sensitive categories and 2 child consents (version 1) or 16 and 3 (version 2), not {sensitive} and {children}"
            ),
        }
    }
}

impl std::error::Error for GppError {}

/// Bits, most significant first.
#[derive(Default)]
struct Bits(Vec<bool>);

impl Bits {
    fn int(&mut self, value: u64, width: u32) {
        for shift in (0..width).rev() {
            self.0.push((value >> shift) & 1 == 1);
        }
    }

    fn fibonacci(&mut self, value: u64) {
        self.0.extend(fibonacci_code(value));
    }

    /// Pads to a whole byte, then to six bits, and writes base64url without `=`.
    fn encode(mut self) -> String {
        while !self.0.len().is_multiple_of(8) {
            self.0.push(false);
        }
        while !self.0.len().is_multiple_of(6) {
            self.0.push(false);
        }
        self.0
            .chunks(6)
            .map(|group| {
                let index = group.iter().fold(0usize, |acc, bit| (acc << 1) | usize::from(*bit));
                char::from(ALPHABET[index])
            })
            .collect()
    }
}

/// The Fibonacci code of `value` (≥ 1): Zeckendorf bits from the smallest Fibonacci
/// number (1, 2, 3, 5, …) up, then a final `1`, so every code ends in `11`.
pub fn fibonacci_code(value: u64) -> Vec<bool> {
    let value = value.max(1);
    let mut fibs: Vec<u64> = vec![1, 2];
    while let Some(next) = fibs[fibs.len() - 1].checked_add(fibs[fibs.len() - 2]) {
        if next > value {
            break;
        }
        fibs.push(next);
    }
    while fibs.last().is_some_and(|&f| f > value) {
        fibs.pop();
    }
    let mut bits = vec![false; fibs.len()];
    let mut rest = value;
    for (i, &f) in fibs.iter().enumerate().rev() {
        if f <= rest {
            bits[i] = true;
            rest -= f;
        }
    }
    bits.push(true);
    bits
}

fn header(ids: &[u64]) -> String {
    let mut bits = Bits::default();
    bits.int(HEADER_ID, 6);
    bits.int(1, 6);
    // Range(Fibonacci): the count, then each id as an offset from the one before.
    bits.int(u64::try_from(ids.len()).unwrap_or(0), 12);
    let mut previous = 0;
    for &id in ids {
        bits.0.push(false); // not a group
        bits.fibonacci(id - previous);
        previous = id;
    }
    bits.encode()
}

fn gpc(value: Option<bool>) -> String {
    match value {
        Some(seen) => {
            let mut bits = Bits::default();
            bits.int(1, 2); // SubsectionType 1: GPC
            bits.0.push(seen);
            format!(".{}", bits.encode())
        }
        None => String::new(),
    }
}

fn usnat(section: &UsNat) -> Result<String, GppError> {
    let version = match (
        section.sensitive_data_processing.len(),
        section.known_child_sensitive_data_consents.len(),
    ) {
        (12, 2) => 1,
        (16, 3) => 2,
        (sensitive, children) => return Err(GppError::UsNatShape { sensitive, children }),
    };
    let mut bits = Bits::default();
    bits.int(version, 6);
    for notice in [
        section.sharing_notice,
        section.sale_opt_out_notice,
        section.sharing_opt_out_notice,
        section.targeted_advertising_opt_out_notice,
        section.sensitive_data_processing_opt_out_notice,
        section.sensitive_data_limit_use_notice,
    ] {
        bits.int(notice.bits(), 2);
    }
    for opt_out in
        [section.sale_opt_out, section.sharing_opt_out, section.targeted_advertising_opt_out]
    {
        bits.int(opt_out.bits(), 2);
    }
    for consent in
        section.sensitive_data_processing.iter().chain(&section.known_child_sensitive_data_consents)
    {
        bits.int(consent.bits(), 2);
    }
    bits.int(section.personal_data_consents.bits(), 2);
    for mspa in [
        section.mspa_covered_transaction,
        section.mspa_opt_out_option_mode,
        section.mspa_service_provider_mode,
    ] {
        bits.int(mspa.bits(), 2);
    }
    Ok(format!("{}{}", bits.encode(), gpc(section.gpc)))
}

fn usca(section: &UsCa) -> String {
    let mut bits = Bits::default();
    bits.int(1, 6);
    for notice in [
        section.sale_opt_out_notice,
        section.sharing_opt_out_notice,
        section.sensitive_data_limit_use_notice,
    ] {
        bits.int(notice.bits(), 2);
    }
    for opt_out in [section.sale_opt_out, section.sharing_opt_out]
        .iter()
        .chain(&section.sensitive_data_processing)
    {
        bits.int(opt_out.bits(), 2);
    }
    for consent in section
        .known_child_sensitive_data_consents
        .iter()
        .chain(std::iter::once(&section.personal_data_consents))
    {
        bits.int(consent.bits(), 2);
    }
    for mspa in [
        section.mspa_covered_transaction,
        section.mspa_opt_out_option_mode,
        section.mspa_service_provider_mode,
    ] {
        bits.int(mspa.bits(), 2);
    }
    format!("{}{}", bits.encode(), gpc(section.gpc))
}

/// Encodes a GPP string: the header, then the sections in ascending id order.
pub fn encode(sections: &[Section]) -> Result<String, GppError> {
    let mut sorted: Vec<&Section> = sections.iter().collect();
    sorted.sort_by_key(|s| s.id());
    let ids: Vec<u64> = sorted.iter().map(|s| s.id()).collect();
    if ids.is_empty() || ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(GppError::Sections);
    }
    let mut out = header(&ids);
    for section in sorted {
        out.push('~');
        match section {
            Section::UsNat(s) => out.push_str(&usnat(s)?),
            Section::UsCa(s) => out.push_str(&usca(s)),
        }
    }
    Ok(out)
}

/// What a person chose, as far as ad tech needs to know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Choices {
    /// Opted out of the sale of their personal information.
    pub sale: bool,
    /// Opted out of its sharing for cross-context behavioral advertising.
    pub sharing: bool,
    /// Opted out of targeted advertising (the other states' term).
    pub targeted_advertising: bool,
    /// Limited the use of their sensitive personal information.
    pub limit_sensitive: bool,
    /// The browser sent Global Privacy Control: an opt-out of sale and sharing.
    pub gpc: bool,
}

fn opt_out(chosen: bool) -> OptOut {
    if chosen { OptOut::OptedOut } else { OptOut::DidNotOptOut }
}

/// The US National section for a person's choices: every notice given (the privacy
/// center gives them), GPC read as an opt-out of sale, sharing and targeted
/// advertising, and the GPC sub-section when the signal was seen.
pub fn usnat_for(choices: &Choices) -> UsNat {
    let out = |chosen: bool| opt_out(chosen || choices.gpc);
    let sensitive =
        if choices.limit_sensitive { Consent::NoConsent } else { Consent::NotApplicable };
    UsNat {
        sharing_notice: Notice::Provided,
        sale_opt_out_notice: Notice::Provided,
        sharing_opt_out_notice: Notice::Provided,
        targeted_advertising_opt_out_notice: Notice::Provided,
        sensitive_data_processing_opt_out_notice: Notice::Provided,
        sensitive_data_limit_use_notice: Notice::Provided,
        sale_opt_out: out(choices.sale),
        sharing_opt_out: out(choices.sharing),
        targeted_advertising_opt_out: out(choices.targeted_advertising || choices.sharing),
        sensitive_data_processing: vec![sensitive; 16],
        known_child_sensitive_data_consents: vec![Consent::NotApplicable; 3],
        personal_data_consents: Consent::NotApplicable,
        mspa_covered_transaction: Mspa::No,
        mspa_opt_out_option_mode: Mspa::NotApplicable,
        mspa_service_provider_mode: Mspa::NotApplicable,
        gpc: choices.gpc.then_some(true),
    }
}

/// The California section for a person's choices.
pub fn usca_for(choices: &Choices) -> UsCa {
    let out = |chosen: bool| opt_out(chosen || choices.gpc);
    let limit = opt_out(choices.limit_sensitive);
    UsCa {
        sale_opt_out_notice: Notice::Provided,
        sharing_opt_out_notice: Notice::Provided,
        sensitive_data_limit_use_notice: Notice::Provided,
        sale_opt_out: out(choices.sale),
        sharing_opt_out: out(choices.sharing),
        sensitive_data_processing: [limit; 9],
        known_child_sensitive_data_consents: [Consent::NotApplicable; 2],
        personal_data_consents: Consent::NotApplicable,
        mspa_covered_transaction: Mspa::No,
        mspa_opt_out_option_mode: Mspa::NotApplicable,
        mspa_service_provider_mode: Mspa::NotApplicable,
        gpc: choices.gpc.then_some(true),
    }
}

/// The GPP string for a person: the California section for Californians, the US
/// National section otherwise.
pub fn gpp_for(choices: &Choices, california: bool) -> String {
    let section = if california {
        Section::UsCa(usca_for(choices))
    } else {
        Section::UsNat(usnat_for(choices))
    };
    // One well-formed section always encodes.
    encode(&[section]).unwrap_or_default()
}

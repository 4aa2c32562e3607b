//! Identity verification, as pure rules (REGULATIONS.md §d, B4, B5).
//!
//! A request needs a [`Level`] of certainty that the requester is the person the data
//! is about; [`required`] says which, from the law, the request type and the risk
//! tier. What the requester has shown is [`Evidence`]; [`achieved`] turns it into a
//! level. Data points are compared by [`match_points`] against what the company holds
//! (the values come from a lookup the app owns). Agents add their own conditions
//! ([`agent_authorized`]).
//!
//! **Invariant:** the functions here are total and deterministic; nothing reads the
//! clock, and comparisons of personal values take time independent of where they differ.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::sensitive::{Sensitive, normalize_data_point};
use crate::{AgentProof, Law, RequestType};

/// How sure ombud must be that the requester is the person the data is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No verification (opt-outs and requests to limit: ).
    None,
    /// Control of an identifier the company holds, or its account: the GDPR default,
    /// which allows extra checks only on reasonable doubts (Art 12(6), R-258).
    Basic,
    /// A reasonable degree of certainty: two data points matched (R-049, 11 CCR §7062(b)).
    Reasonable,
    /// A reasonably high degree of certainty: three data points and a declaration signed
    /// under penalty of perjury (R-050, 11 CCR §7062(c)), or re-authentication to the
    /// person's own account (R-048, 11 CCR §7061).
    ReasonablyHigh,
}

impl Level {
    /// Every level, weakest first.
    pub const ALL: [Level; 4] =
        [Level::None, Level::Basic, Level::Reasonable, Level::ReasonablyHigh];

    /// The stable id stored with a request.
    pub fn id(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Basic => "basic",
            Level::Reasonable => "reasonable",
            Level::ReasonablyHigh => "reasonably_high",
        }
    }

    /// Looks a level up by its id.
    pub fn from_id(id: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|level| level.id() == id)
    }

    /// What the level means, for people.
    pub fn label(self) -> &'static str {
        match self {
            Level::None => "no verification",
            Level::Basic => "confirmation of an email address or account we hold",
            Level::Reasonable => "two pieces of information that match what we hold",
            Level::ReasonablyHigh => {
                "three pieces of information that match what we hold and a signed declaration, or signing in to your account"
            }
        }
    }

    /// Where the law asks for it.
    pub fn citation(self) -> &'static str {
        match self {
            Level::None => "11 CCR §7060(b); §7027(e); ORS 646A.576(5)(e)",
            Level::Basic => "GDPR Art 12(6)",
            Level::Reasonable => "11 CCR §7062(b)",
            Level::ReasonablyHigh => "11 CCR §7062(c); §7061",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The level a request needs.
///
/// - Opt-outs and requests to limit need none, under every law.
/// - CCPA: categories need a reasonable degree, specific pieces a reasonably
///   high one; deletion and correction need either, by the sensitivity of the
///   data and the risk of harm, which the company decides and the request records
///   (`high_risk`, R-051). Shine the Light answers describe disclosures to third
///   parties, not the person's data, so they need none.
/// - GDPR: control of an identifier the company holds; more only on reasonable doubts
///   (`doubts`, Art 12(6)).
/// - Virginia, Colorado, Connecticut, Texas, Oregon, Utah: "commercially reasonable
///   efforts" (REGULATIONS.md §d D3) — read here as the CCPA's reasonable degree,
///   raised like the CCPA's for high-risk deletions and corrections. An appeal is about
///   a request already verified, so it needs the basic level.
pub fn required(law: Law, request_type: RequestType, high_risk: bool, doubts: bool) -> Level {
    use RequestType as T;
    if request_type.verification_forbidden() {
        return Level::None;
    }
    match law {
        Law::Gdpr => {
            if doubts {
                Level::Reasonable
            } else {
                Level::Basic
            }
        }
        Law::Ccpa | Law::Caloppa => match request_type {
            T::Know => Level::Reasonable,
            T::Access | T::Portability => Level::ReasonablyHigh,
            T::Delete | T::Correct if high_risk => Level::ReasonablyHigh,
            T::ShineTheLight => Level::None,
            _ => Level::Reasonable,
        },
        _ => match request_type {
            T::Appeal => Level::Basic,
            T::Delete | T::Correct if high_risk => Level::ReasonablyHigh,
            _ => Level::Reasonable,
        },
    }
}

/// What a requester has shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Re-authenticated to their account with the company immediately before.
    pub account_reauthenticated: bool,
    /// Entered the code sent to an email address the company holds for them.
    pub email_confirmed: bool,
    /// Distinct data points that matched what the company holds.
    pub data_points_matched: u32,
    /// Signed the declaration under penalty of perjury.
    pub declaration_signed: bool,
}

/// The level the evidence reaches.
///
/// An email address the company holds, confirmed by a code, counts as one matched data
/// point: it shows control of an identifier on file. Re-authentication to the account
/// reaches the highest level (11 CCR §7061 lets account holders verify that way for
/// every request).
pub fn achieved(evidence: &Evidence) -> Level {
    if evidence.account_reauthenticated {
        return Level::ReasonablyHigh;
    }
    let points = evidence.data_points_matched.saturating_add(u32::from(evidence.email_confirmed));
    if points >= 3 && evidence.declaration_signed {
        Level::ReasonablyHigh
    } else if points >= 2 {
        Level::Reasonable
    } else if points >= 1 {
        Level::Basic
    } else {
        Level::None
    }
}

/// What an authorized agent has brought.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentEvidence {
    /// The proof of authority on file.
    pub proof: AgentProof,
    /// The person confirmed directly that they authorized the agent (R-060(c)).
    pub consumer_confirmed: bool,
    /// The person verified their own identity directly (R-060(b)).
    pub consumer_verified: bool,
}

/// Why an agent may not act yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentShortfall {
    /// Signed permission is on file, but the person has neither confirmed the agent nor
    /// verified themselves.
    ConsumerMustConfirm,
}

impl fmt::Display for AgentShortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AgentShortfall::ConsumerMustConfirm => f.write_str(
                "the agent's signed permission is on file, but the person must also confirm the agent or verify their own identity (11 CCR §7063(a))",
            ),
        }
    }
}

/// Whether an agent may act on a request.
///
/// A power of attorney under Probate Code §§4121–4130 suffices alone. Signed
/// permission needs the person's own confirmation or verification as well,
/// except for opt-outs and requests to limit, where signed permission is all the law
/// asks.
pub fn agent_authorized(
    agent: &AgentEvidence,
    request_type: RequestType,
) -> Result<(), AgentShortfall> {
    match agent.proof {
        AgentProof::PowerOfAttorney => Ok(()),
        AgentProof::SignedPermission if request_type.verification_forbidden() => Ok(()),
        AgentProof::SignedPermission if agent.consumer_confirmed || agent.consumer_verified => {
            Ok(())
        }
        AgentProof::SignedPermission => Err(AgentShortfall::ConsumerMustConfirm),
    }
}

/// A data point the requester offers: a kind the program declares ("postal_code",
/// "last_order_total") and the value they typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The kind, as the program declares it.
    pub kind: String,
    /// What the requester typed.
    pub value: Sensitive<String>,
}

/// What the company holds for one kind of data point (several values are possible:
/// addresses past and present).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldPoint {
    /// The kind.
    pub kind: String,
    /// The values on file.
    pub values: Vec<Sensitive<String>>,
}

/// How one claim fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointOutcome {
    /// It matches a value on file.
    Matched,
    /// The company holds this kind, and the claim matches none of its values.
    Mismatched,
    /// The company holds nothing of this kind for the person.
    NotHeld,
    /// This kind may not be used for this request: for a correction, the data being
    /// corrected (R-047, 11 CCR §7060(h)).
    Excluded,
    /// The same kind was already offered in this attempt.
    Duplicate,
}

/// The result of matching one attempt's claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchReport {
    /// Per claim, in the order given: its kind and outcome (never the value).
    pub outcomes: Vec<(String, PointOutcome)>,
    /// Distinct kinds that matched.
    pub matched: u32,
    /// Claims that contradicted what is on file: a sign of a wrong guess.
    pub mismatched: u32,
}

/// Compares the claims with what is held. Values are normalized
/// ([`normalize_data_point`]) and compared through their SHA-256 digests, so the time
/// taken does not depend on how long a common prefix is.
pub fn match_points(claims: &[Claim], held: &[HeldPoint], excluded_kinds: &[&str]) -> MatchReport {
    let mut outcomes = Vec::with_capacity(claims.len());
    let mut seen: Vec<&str> = Vec::with_capacity(claims.len());
    let (mut matched, mut mismatched) = (0u32, 0u32);
    for claim in claims {
        let kind = claim.kind.as_str();
        let outcome = if seen.contains(&kind) {
            PointOutcome::Duplicate
        } else if excluded_kinds.contains(&kind) {
            PointOutcome::Excluded
        } else {
            let values: Vec<&Sensitive<String>> =
                held.iter().filter(|point| point.kind == kind).flat_map(|p| &p.values).collect();
            if values.is_empty() {
                PointOutcome::NotHeld
            } else {
                let wanted = digest(claim.value.expose());
                let mut found = false;
                for value in values {
                    // Every value is compared, found or not: no early exit.
                    found |= equal_digests(&wanted, &digest(value.expose()));
                }
                if found { PointOutcome::Matched } else { PointOutcome::Mismatched }
            }
        };
        seen.push(kind);
        match outcome {
            PointOutcome::Matched => matched += 1,
            PointOutcome::Mismatched => mismatched += 1,
            _ => {}
        }
        outcomes.push((claim.kind.clone(), outcome));
    }
    MatchReport { outcomes, matched, mismatched }
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(normalize_data_point(value).as_bytes()).into()
}

fn equal_digests(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reference as _;

    #[test]
    fn opt_outs_and_limits_need_no_verification_under_any_law_r041_r283() {
        for law in Law::all() {
            assert_eq!(required(*law, RequestType::OptOutSaleShare, true, true), Level::None);
            assert_eq!(required(*law, RequestType::LimitSensitive, true, true), Level::None);
        }
    }

    #[test]
    fn ccpa_levels_follow_7062() {
        // categories, two points; R-050: specific pieces, three and a declaration;
        // deletion by risk tier.
        assert_eq!(required(Law::Ccpa, RequestType::Know, false, false), Level::Reasonable);
        assert_eq!(required(Law::Ccpa, RequestType::Access, false, false), Level::ReasonablyHigh);
        assert_eq!(required(Law::Ccpa, RequestType::Delete, false, false), Level::Reasonable);
        assert_eq!(required(Law::Ccpa, RequestType::Delete, true, false), Level::ReasonablyHigh);
        assert_eq!(required(Law::Ccpa, RequestType::ShineTheLight, false, false), Level::None);
    }

    #[test]
    fn gdpr_asks_for_more_only_on_reasonable_doubts_art_12_6() {
        assert_eq!(required(Law::Gdpr, RequestType::Access, true, false), Level::Basic);
        assert_eq!(required(Law::Gdpr, RequestType::Access, false, true), Level::Reasonable);
    }

    #[test]
    fn evidence_reaches_levels() {
        let mut evidence = Evidence::default();
        assert_eq!(achieved(&evidence), Level::None);
        evidence.email_confirmed = true;
        assert_eq!(achieved(&evidence), Level::Basic);
        evidence.data_points_matched = 1;
        assert_eq!(achieved(&evidence), Level::Reasonable);
        evidence.data_points_matched = 2;
        assert_eq!(achieved(&evidence), Level::Reasonable, "three points need a declaration too");
        evidence.declaration_signed = true;
        assert_eq!(achieved(&evidence), Level::ReasonablyHigh);
        let account = Evidence { account_reauthenticated: true, ..Evidence::default() };
        assert_eq!(achieved(&account), Level::ReasonablyHigh);
    }

    #[test]
    fn agents_need_permission_and_confirmation_or_a_power_of_attorney_r060_r061_r062() {
        let permission = AgentEvidence {
            proof: AgentProof::SignedPermission,
            consumer_confirmed: false,
            consumer_verified: false,
        };
        assert_eq!(
            agent_authorized(&permission, RequestType::Delete),
            Err(AgentShortfall::ConsumerMustConfirm)
        );
        assert_eq!(agent_authorized(&permission, RequestType::OptOutSaleShare), Ok(()));
        let confirmed = AgentEvidence { consumer_confirmed: true, ..permission };
        assert_eq!(agent_authorized(&confirmed, RequestType::Delete), Ok(()));
        let attorney = AgentEvidence { proof: AgentProof::PowerOfAttorney, ..permission };
        assert_eq!(agent_authorized(&attorney, RequestType::Access), Ok(()));
    }

    #[test]
    fn data_points_match_after_normalization_and_exclude_the_corrected_field_r047() {
        let held = vec![
            HeldPoint { kind: "postal_code".into(), values: vec!["94105".into(), "10001".into()] },
            HeldPoint { kind: "last_order_total".into(), values: vec!["$1,234.50".into()] },
            HeldPoint { kind: "phone".into(), values: vec!["+1 877 555 0142".into()] },
        ];
        let claims = vec![
            Claim { kind: "postal_code".into(), value: "10 001".into() },
            Claim { kind: "last_order_total".into(), value: "1234.5".into() },
            Claim { kind: "phone".into(), value: "+1 877 555 0199".into() },
            Claim { kind: "birth_date".into(), value: "2000-01-01".into() },
            Claim { kind: "postal_code".into(), value: "94105".into() },
        ];
        let report = match_points(&claims, &held, &[]);
        assert_eq!(report.matched, 2);
        assert_eq!(report.mismatched, 1);
        assert_eq!(
            report.outcomes.iter().map(|(_, o)| *o).collect::<Vec<_>>(),
            vec![
                PointOutcome::Matched,
                PointOutcome::Matched,
                PointOutcome::Mismatched,
                PointOutcome::NotHeld,
                PointOutcome::Duplicate
            ]
        );
        let excluded = match_points(&claims[..1], &held, &["postal_code"]);
        assert_eq!(excluded.outcomes[0].1, PointOutcome::Excluded);
        assert_eq!(excluded.matched, 0);
    }

    #[test]
    fn reports_never_hold_values() {
        let held = vec![HeldPoint { kind: "postal_code".into(), values: vec!["94105".into()] }];
        let claims = vec![Claim { kind: "postal_code".into(), value: "94105".into() }];
        let text = format!("{:?}", match_points(&claims, &held, &[]));
        assert!(!text.contains("94105"), "{text}");
        let levels: Vec<&str> = Level::ALL.iter().map(|l| l.id()).collect();
        assert_eq!(levels, ["none", "basic", "reasonable", "reasonably_high"]);
        assert!(Law::all().iter().all(|law| !law.id().is_empty()));
    }
}

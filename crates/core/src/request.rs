//! The lifecycle of a rights request: its states, the events that move it, and the one
//! function that applies them ([`transition`]).
//!
//! ```text
//!  received ──► verifying ──► verified ──► in progress ──► completed
//!     │             │            │              │      └──► partially completed
//!     └─────────────┴────────────┴──────────────┴────────► denied | cancelled
//! ```
//!
//! An extension is not a state: it moves the response deadline of a request that is
//! still open (once, noticed before the first deadline). Opt-outs and requests to limit
//! need no verification, so they start out verified (R-041).
//!
//! **Invariants:** every state change goes through [`transition`] (creation through
//! [`submit`]); an event that does not apply is a [`TransitionError`], never a panic;
//! a [`RightsRequest`] holds no personal data in the clear — free text a person or a
//! staff member wrote is [`Sensitive`].

use std::fmt;

use jiff::Timestamp;

use crate::clock::{self, Calendars, Deadlines};
use crate::id::Id;
use crate::limits;
use crate::sensitive::Sensitive;
use crate::verification::{self, AgentEvidence, Level};
use crate::{AgentProof, ChannelKind, Law, Reference, RequestType, RetentionReason};

/// Where a request is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Received; nothing done yet.
    Received,
    /// Waiting for the requester to verify.
    Verifying,
    /// Verified to the level it needs (or needing none).
    Verified,
    /// Being fulfilled.
    InProgress,
    /// Done in full.
    Completed,
    /// Done in part; the rest was refused with reasons (R-078, R-095).
    PartiallyCompleted,
    /// Refused, with reasons.
    Denied,
    /// Withdrawn by the requester or closed by staff without an answer on the merits.
    Cancelled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Received,
        Status::Verifying,
        Status::Verified,
        Status::InProgress,
        Status::Completed,
        Status::PartiallyCompleted,
        Status::Denied,
        Status::Cancelled,
    ];

    /// The stable id stored and shown.
    pub fn id(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Verifying => "verifying",
            Status::Verified => "verified",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::PartiallyCompleted => "partially_completed",
            Status::Denied => "denied",
            Status::Cancelled => "cancelled",
        }
    }

    /// Looks a status up by id.
    pub fn from_id(id: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.id() == id)
    }

    /// Closed: nothing further happens to it.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Completed | Status::PartiallyCompleted | Status::Denied | Status::Cancelled
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Whether `law` gives a right of `request_type`, with a message that says what to
/// ask for instead when it does not.
pub fn offered(law: Law, request_type: RequestType) -> Result<(), String> {
    if clock::rule(law, request_type).is_some() {
        return Ok(());
    }
    let alternative = match (law, request_type) {
        (Law::Caloppa, _) => {
            return Err(
                "CalOPPA requires a privacy policy but gives no request rights; file the request under `ccpa`".to_owned(),
            );
        }
        (Law::Gdpr, RequestType::OptOutSaleShare) => {
            " (the GDPR has no sale opt-out; an objection to direct marketing, `object`, is absolute under Art 21(2)-(3))"
        }
        (Law::Gdpr, RequestType::LimitSensitive) => {
            " (under the GDPR, ask to `withdraw_consent` or `restrict` processing)"
        }
        (_, RequestType::Portability) => {
            " (ask for `access`: the copy comes in a portable, machine-readable format)"
        }
        (_, RequestType::Appeal) if law == Law::Ccpa => " (the CCPA has no statutory appeal)",
        _ => "",
    };
    let offered: Vec<&str> = RequestType::all()
        .iter()
        .filter(|t| clock::rule(law, **t).is_some())
        .map(|t| t.id())
        .collect();
    Err(format!(
        "the {} gives no `{}` right{alternative}; it gives: {}",
        law.label(),
        request_type.id(),
        offered.join(", ")
    ))
}

/// A legal basis for refusing a request, in whole or in part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DenialBasis {
    /// A deletion exception (R-096: CCPA §1798.105(d); R-262: GDPR Art 17(3)).
    Exception(RetentionReason),
    /// The requester's identity could not be verified (R-033, R-054; VA, CT, TX
    /// "cannot authenticate with commercially reasonable efforts").
    Unverifiable,
    /// The requester is not a consumer of the business, or the controller cannot
    /// identify them in its data (GDPR Art 11(2), 12(2)).
    NotIdentifiable,
    /// A documented, good-faith belief that the request is fraudulent (R-119, R-142, R-283).
    Fraud,
    /// Manifestly unfounded or excessive (GDPR Art 12(5), R-257); the controller bears
    /// the burden of proof.
    ManifestlyUnfounded,
    /// Beyond the number of requests the law obliges an answer to (CCPA §1798.130(b):
    /// two requests to know in 12 months; Shine the Light: one a year, R-213).
    RequestLimit,
    /// The information is more likely than not accurate (R-100, 11 CCR §7023(b)).
    AccurateAsHeld,
    /// Impossible or a disproportionate effort (R-072, R-104), explained in detail.
    Impossible,
    /// Complying would conflict with a law (R-104).
    ConflictsWithLaw,
    /// The data is held as a service provider or processor for another business, to
    /// which the person is referred (R-092, R-200; DESIGN.md "processor" systems).
    HeldAsProcessor,
}

impl DenialBasis {
    /// The basis without an exception code attached.
    pub const PLAIN: [DenialBasis; 9] = [
        DenialBasis::Unverifiable,
        DenialBasis::NotIdentifiable,
        DenialBasis::Fraud,
        DenialBasis::ManifestlyUnfounded,
        DenialBasis::RequestLimit,
        DenialBasis::AccurateAsHeld,
        DenialBasis::Impossible,
        DenialBasis::ConflictsWithLaw,
        DenialBasis::HeldAsProcessor,
    ];

    /// The stable code: the exception's (`D3`, `G-e`) or a word (`unverifiable`).
    pub fn code(self) -> &'static str {
        match self {
            DenialBasis::Exception(reason) => reason.id(),
            DenialBasis::Unverifiable => "unverifiable",
            DenialBasis::NotIdentifiable => "not_identifiable",
            DenialBasis::Fraud => "fraud",
            DenialBasis::ManifestlyUnfounded => "manifestly_unfounded",
            DenialBasis::RequestLimit => "request_limit",
            DenialBasis::AccurateAsHeld => "accurate_as_held",
            DenialBasis::Impossible => "impossible",
            DenialBasis::ConflictsWithLaw => "conflicts_with_law",
            DenialBasis::HeldAsProcessor => "held_as_processor",
        }
    }

    /// Looks a basis up by its code.
    pub fn from_code(code: &str) -> Option<DenialBasis> {
        RetentionReason::from_id(code)
            .map(DenialBasis::Exception)
            .or_else(|| DenialBasis::PLAIN.into_iter().find(|basis| basis.code() == code))
    }

    /// Every code, for help texts.
    pub fn codes() -> Vec<&'static str> {
        let mut codes = RetentionReason::ids();
        codes.extend(DenialBasis::PLAIN.iter().map(|basis| basis.code()));
        codes
    }

    /// What it means, for the person told about it.
    pub fn label(self) -> &'static str {
        match self {
            DenialBasis::Exception(reason) => reason.label(),
            DenialBasis::Unverifiable => {
                "We could not verify your identity to the degree the law requires"
            }
            DenialBasis::NotIdentifiable => {
                "We could not find you among the people whose information we hold"
            }
            DenialBasis::Fraud => {
                "We have a documented, good-faith belief that the request is fraudulent"
            }
            DenialBasis::ManifestlyUnfounded => "The request is manifestly unfounded or excessive",
            DenialBasis::RequestLimit => {
                "You have already made the number of such requests the law requires us to answer in this period"
            }
            DenialBasis::AccurateAsHeld => {
                "The information we hold is more likely than not accurate"
            }
            DenialBasis::Impossible => {
                "Complying is impossible or would involve a disproportionate effort"
            }
            DenialBasis::ConflictsWithLaw => "Complying would conflict with a law",
            DenialBasis::HeldAsProcessor => {
                "We hold this information on behalf of another business, which decides on such requests"
            }
        }
    }

    /// Where the law allows it.
    pub fn citation(self) -> &'static str {
        match self {
            DenialBasis::Exception(reason) => reason.citation(),
            DenialBasis::Unverifiable => "11 CCR §7021(b), §7024(b); Va. Code §59.1-577(B)(4)",
            DenialBasis::NotIdentifiable => "GDPR Art 11(2), 12(2)",
            DenialBasis::Fraud => "11 CCR §7026, §7027(f); ORS 646A.576(5)(e)",
            DenialBasis::ManifestlyUnfounded => "GDPR Art 12(5)",
            DenialBasis::RequestLimit => "Civ. Code §1798.130(b); §1798.83",
            DenialBasis::AccurateAsHeld => "11 CCR §7023(b)",
            DenialBasis::Impossible => "11 CCR §7023(f), §7024(h)",
            DenialBasis::ConflictsWithLaw => "11 CCR §7023(f)(1)",
            DenialBasis::HeldAsProcessor => "Civ. Code §1798.105(c)(3), §1798.130(a)(3)(A)",
        }
    }

    /// Whether a written explanation must accompany it: the burden of proof is on the
    /// business (R-119, R-257), or the law asks for a detailed, fact-based one (R-072, R-104).
    pub fn needs_explanation(self) -> bool {
        matches!(
            self,
            DenialBasis::Fraud
                | DenialBasis::ManifestlyUnfounded
                | DenialBasis::Impossible
                | DenialBasis::ConflictsWithLaw
        )
    }
}

/// One reason of a denial or a partial completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenialReason {
    /// The legal basis.
    pub basis: DenialBasis,
    /// The explanation the person reads; may name them, so it is sensitive.
    pub explanation: Option<Sensitive<String>>,
}

/// An authorized agent acting for the person (R-060–R-064). Who the agent is lives in
/// the store, encrypted; the lifecycle needs only what authorizes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Agent {
    /// The proof of authority on file.
    pub proof: AgentProof,
    /// The person confirmed the agent directly.
    pub consumer_confirmed: bool,
}

/// Where verification stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerificationState {
    /// The level the request needs (the tier decision of R-051 is recorded here).
    pub required: Level,
    /// The level reached, once verified.
    pub achieved: Option<Level>,
    /// Staff recorded reasonable doubts about identity (GDPR Art 12(6)).
    pub doubts: bool,
}

/// A rights request, as the lifecycle sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsRequest {
    /// Id.
    pub id: Id,
    /// What was asked for.
    pub request_type: RequestType,
    /// What is being answered: an access request that could not be verified to the
    /// level of specific pieces is answered as a request for categories (R-053).
    pub effective_type: RequestType,
    /// The law it is made under.
    pub law: Law,
    /// How it arrived (the "manner of request" of the §7101 record).
    pub channel: ChannelKind,
    /// It arrived through a contact point the business designated (R-014, R-212).
    pub designated_channel: bool,
    /// The deletion or correction touches sensitive data or carries a high risk of
    /// harm, so it needs the higher verification level (R-051).
    pub high_risk: bool,
    /// When it was received.
    pub received_at: Timestamp,
    /// Status.
    pub status: Status,
    /// Due dates, fixed at receipt.
    pub deadlines: Deadlines,
    /// The one extension was taken.
    pub extended: bool,
    /// Why (told to the person, R-032).
    pub extension_reason: Option<Sensitive<String>>,
    /// When the extension was taken.
    pub extended_at: Option<Timestamp>,
    /// When receipt was confirmed (R-030).
    pub acknowledged_at: Option<Timestamp>,
    /// Verification.
    pub verification: VerificationState,
    /// The agent, if one acts.
    pub agent: Option<Agent>,
    /// The request an appeal is about.
    pub appeal_of: Option<Id>,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// The reasons of a denial or partial completion.
    pub reasons: Vec<DenialReason>,
}

impl RightsRequest {
    /// The response deadline in force.
    pub fn due(&self) -> jiff::civil::Date {
        self.deadlines.due(self.extended)
    }
}

/// What the world must do after a change: the app turns these into emails and records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Confirm receipt, describe verification and when to expect a response (R-030).
    SendAcknowledgement,
    /// Tell the person of the extension and its reason (R-032, R-255).
    SendExtensionNotice,
    /// Tell the person the request is done (in whole or in part, R-078).
    SendCompletion,
    /// Tell the person it was refused and why (R-095, R-096, R-104, R-255, R-281).
    SendDenial,
}

/// What a request is when it arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// Id (injected).
    pub id: Id,
    /// What is asked for.
    pub request_type: RequestType,
    /// Under which law.
    pub law: Law,
    /// How it arrived.
    pub channel: ChannelKind,
    /// Through a designated contact point.
    pub designated_channel: bool,
    /// High risk of harm (R-051).
    pub high_risk: bool,
    /// When it arrived (for phone and mail, when it was received, not when it was typed in).
    pub received_at: Timestamp,
    /// The agent, if one submits it.
    pub agent: Option<AgentProof>,
    /// For an appeal: the request appealed, with its law and status.
    pub appeal_of: Option<(Id, Law, Status)>,
}

/// Creates a request: checks the law gives the right, works out its deadlines and the
/// verification it needs.
pub fn submit(
    submission: Submission,
    calendars: &Calendars,
) -> Result<(RightsRequest, Vec<Effect>), TransitionError> {
    offered(submission.law, submission.request_type).map_err(TransitionError::NotOffered)?;
    let rule = clock::rule(submission.law, submission.request_type)
        .ok_or_else(|| TransitionError::NotOffered(String::new()))?;
    let appeal_of = match (submission.request_type, submission.appeal_of) {
        (RequestType::Appeal, None) => return Err(TransitionError::AppealNeedsRequest),
        (RequestType::Appeal, Some((id, law, status))) => {
            if law != submission.law {
                return Err(TransitionError::AppealLawMismatch);
            }
            if !matches!(status, Status::Denied | Status::PartiallyCompleted) {
                return Err(TransitionError::AppealNotRefused(status));
            }
            Some(id)
        }
        (_, Some(_)) => return Err(TransitionError::NotAnAppeal),
        (_, None) => None,
    };
    let deadlines = clock::deadlines(
        rule,
        submission.received_at,
        submission.designated_channel,
        calendars.for_law(submission.law),
    );
    let required = verification::required(
        submission.law,
        submission.request_type,
        submission.high_risk,
        false,
    );
    let status = if required == Level::None { Status::Verified } else { Status::Received };
    let request = RightsRequest {
        id: submission.id,
        request_type: submission.request_type,
        effective_type: submission.request_type,
        law: submission.law,
        channel: submission.channel,
        designated_channel: submission.designated_channel,
        high_risk: submission.high_risk,
        received_at: submission.received_at,
        status,
        deadlines,
        extended: false,
        extension_reason: None,
        extended_at: None,
        acknowledged_at: None,
        verification: VerificationState {
            required,
            achieved: (required == Level::None).then_some(Level::None),
            doubts: false,
        },
        agent: submission.agent.map(|proof| Agent { proof, consumer_confirmed: false }),
        appeal_of,
        closed_at: None,
        reasons: Vec::new(),
    };
    Ok((request, vec![Effect::SendAcknowledgement]))
}

/// Something that happens to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Receipt was confirmed to the person (by email, or orally on a call: R-030).
    Acknowledged,
    /// The person was asked to verify (a code sent, data points requested).
    VerificationStarted,
    /// Staff recorded reasonable doubts about identity, which raises the level a GDPR
    /// request needs (Art 12(6)).
    IdentityDoubted,
    /// The person confirmed directly that they authorized the agent (R-060(c)).
    AgentConfirmed,
    /// The person showed evidence reaching `level`.
    Verified {
        /// The level reached.
        level: Level,
        /// The person did it themselves (a code sent to their own address, their own
        /// account), which satisfies R-060(b) when an agent acts.
        directly: bool,
    },
    /// The request for specific pieces could not be verified to that level (the
    /// attempts ran out, or staff decided), and is answered as a request for categories
    /// with the level its evidence reached (R-053).
    AnsweredAsCategories {
        /// The level reached.
        level: Level,
    },
    /// Work began.
    Started,
    /// The one extension, with its reason (R-032).
    Extended {
        /// Why more time is needed.
        reason: Sensitive<String>,
    },
    /// Done: in whole when `reasons` is empty, in part otherwise.
    Completed {
        /// Why some of it was refused.
        reasons: Vec<DenialReason>,
    },
    /// Refused.
    Denied {
        /// Why.
        reasons: Vec<DenialReason>,
    },
    /// Withdrawn or closed.
    Cancelled,
}

impl Event {
    /// The audit action this event is recorded as.
    pub fn action(&self) -> &'static str {
        match self {
            Event::Acknowledged => "request.acknowledged",
            Event::VerificationStarted => "request.verification_started",
            Event::IdentityDoubted => "request.identity_doubted",
            Event::AgentConfirmed => "request.agent_confirmed",
            Event::Verified { .. } => "request.verified",
            Event::AnsweredAsCategories { .. } => "request.answered_as_categories",
            Event::Started => "request.started",
            Event::Extended { .. } => "request.extended",
            Event::Completed { .. } => "request.completed",
            Event::Denied { .. } => "request.denied",
            Event::Cancelled => "request.cancelled",
        }
    }
}

/// Why an event cannot apply. The messages name ids and codes, never personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransitionError {
    /// The law gives no such right.
    NotOffered(String),
    /// An appeal must name the request it appeals.
    AppealNeedsRequest,
    /// Only an appeal names another request.
    NotAnAppeal,
    /// An appeal is made under the law of the request it appeals.
    AppealLawMismatch,
    /// Only a refusal can be appealed.
    AppealNotRefused(Status),
    /// The event does not apply in this status.
    InvalidInStatus {
        /// The event's action.
        action: &'static str,
        /// The status.
        status: Status,
    },
    /// Receipt was already confirmed.
    AlreadyAcknowledged,
    /// The evidence falls short of the level needed.
    InsufficientVerification {
        /// Needed.
        required: Level,
        /// Reached.
        achieved: Level,
    },
    /// The agent may not act yet.
    Agent(verification::AgentShortfall),
    /// There is no agent to confirm.
    NoAgent,
    /// Only a CCPA or US-state request for specific pieces can be answered as categories.
    NoCategoriesFallback,
    /// Doubts about identity change nothing outside the GDPR or after verification.
    DoubtsNotApplicable,
    /// The law allows no extension of this request.
    NoExtension,
    /// The one extension was already taken (R-032).
    AlreadyExtended,
    /// The extension notice is late: it must go out by `notice_by` (R-032, R-255).
    ExtensionTooLate {
        /// The last day.
        notice_by: jiff::civil::Date,
    },
    /// A reason or explanation is missing, too long or not allowed here.
    Reasons(String),
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::NotOffered(message) => f.write_str(message),
            TransitionError::AppealNeedsRequest => {
                f.write_str("an appeal must name the request it appeals (--appeal-of ID)")
            }
            TransitionError::NotAnAppeal => {
                f.write_str("only an appeal names another request; drop --appeal-of or use --type appeal")
            }
            TransitionError::AppealLawMismatch => {
                f.write_str("an appeal is made under the same law as the request it appeals")
            }
            TransitionError::AppealNotRefused(status) => write!(
                f,
                "only a denied or partially completed request can be appealed; this one is {status}"
            ),
            TransitionError::InvalidInStatus { action, status } => {
                write!(f, "`{action}` does not apply to a request that is {status}")
            }
            TransitionError::AlreadyAcknowledged => f.write_str("receipt was already confirmed"),
            TransitionError::InsufficientVerification { required, achieved } => write!(
                f,
                "verification reached `{achieved}` but the request needs `{required}` ({})",
                required.label()
            ),
            TransitionError::Agent(shortfall) => write!(f, "{shortfall}"),
            TransitionError::NoAgent => f.write_str("no authorized agent acts on this request"),
            TransitionError::NoCategoriesFallback => f.write_str(
                "only a request for specific pieces under a US law can be answered as a request for categories (11 CCR §7024(a))",
            ),
            TransitionError::DoubtsNotApplicable => f.write_str(
                "recording doubts about identity raises the level of an unverified GDPR request only (Art 12(6))",
            ),
            TransitionError::NoExtension => f.write_str("the law allows no extension of this request"),
            TransitionError::AlreadyExtended => {
                f.write_str("the request was already extended; the law allows one extension")
            }
            TransitionError::ExtensionTooLate { notice_by } => write!(
                f,
                "an extension must be noticed by {notice_by}, inside the first response period; it is too late to extend"
            ),
            TransitionError::Reasons(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for TransitionError {}

/// Applies `event` to `request` at `now`. Returns the new request and what the world
/// must do, or why the event does not apply; `request` itself is never changed.
pub fn transition(
    request: &RightsRequest,
    event: Event,
    now: Timestamp,
    calendars: &Calendars,
) -> Result<(RightsRequest, Vec<Effect>), TransitionError> {
    let invalid = |event: &Event| TransitionError::InvalidInStatus {
        action: event.action(),
        status: request.status,
    };
    if request.status.is_closed() {
        return Err(invalid(&event));
    }
    let mut next = request.clone();
    let mut effects = Vec::new();
    match event {
        Event::Acknowledged => {
            if request.acknowledged_at.is_some() {
                return Err(TransitionError::AlreadyAcknowledged);
            }
            next.acknowledged_at = Some(now);
        }
        Event::VerificationStarted => {
            if request.status != Status::Received {
                return Err(invalid(&event));
            }
            next.status = Status::Verifying;
        }
        Event::IdentityDoubted => {
            if request.law != Law::Gdpr
                || !matches!(request.status, Status::Received | Status::Verifying)
            {
                return Err(TransitionError::DoubtsNotApplicable);
            }
            next.verification.doubts = true;
            next.verification.required =
                verification::required(request.law, request.request_type, request.high_risk, true);
        }
        Event::AgentConfirmed => {
            let Some(agent) = request.agent else { return Err(TransitionError::NoAgent) };
            next.agent = Some(Agent { consumer_confirmed: true, ..agent });
        }
        Event::Verified { level, directly } => {
            if !matches!(request.status, Status::Received | Status::Verifying) {
                return Err(invalid(&event));
            }
            if let Some(agent) = request.agent {
                let evidence = AgentEvidence {
                    proof: agent.proof,
                    consumer_confirmed: agent.consumer_confirmed,
                    consumer_verified: directly,
                };
                verification::agent_authorized(&evidence, request.request_type)
                    .map_err(TransitionError::Agent)?;
            }
            let required = request.verification.required;
            if level < required {
                return Err(TransitionError::InsufficientVerification {
                    required,
                    achieved: level,
                });
            }
            next.verification.achieved = Some(level);
            next.status = Status::Verified;
        }
        Event::AnsweredAsCategories { level } => {
            // R-053: a request for specific pieces that cannot be verified to that level
            // is re-evaluated as a request for categories, if its evidence reaches the
            // categories level. The GDPR has no such split (Art 15 is one right).
            if !matches!(request.status, Status::Received | Status::Verifying) {
                return Err(invalid(&Event::AnsweredAsCategories { level }));
            }
            let categories = verification::required(
                request.law,
                RequestType::Know,
                request.high_risk,
                request.verification.doubts,
            );
            if request.effective_type != RequestType::Access || request.law == Law::Gdpr {
                return Err(TransitionError::NoCategoriesFallback);
            }
            if level < categories {
                return Err(TransitionError::InsufficientVerification {
                    required: categories,
                    achieved: level,
                });
            }
            if let Some(agent) = request.agent {
                let evidence = AgentEvidence {
                    proof: agent.proof,
                    consumer_confirmed: agent.consumer_confirmed,
                    consumer_verified: false,
                };
                verification::agent_authorized(&evidence, RequestType::Know)
                    .map_err(TransitionError::Agent)?;
            }
            next.effective_type = RequestType::Know;
            next.verification.achieved = Some(level);
            next.status = Status::Verified;
        }
        Event::Started => {
            if request.status != Status::Verified {
                return Err(invalid(&event));
            }
            next.status = Status::InProgress;
        }
        Event::Extended { reason } => {
            let rule = clock::rule(request.law, request.request_type);
            let (Some(notice_by), true) = (
                request.deadlines.extension_notice_by,
                rule.is_some_and(|r| r.extension.is_some()),
            ) else {
                return Err(TransitionError::NoExtension);
            };
            if request.extended {
                return Err(TransitionError::AlreadyExtended);
            }
            if calendars.local_date(request.law, now) > notice_by {
                return Err(TransitionError::ExtensionTooLate { notice_by });
            }
            check_text("the extension's reason", reason.expose(), true)?;
            next.extended = true;
            next.extension_reason = Some(reason);
            next.extended_at = Some(now);
            effects.push(Effect::SendExtensionNotice);
        }
        Event::Completed { reasons } => {
            if !matches!(request.status, Status::Verified | Status::InProgress) {
                return Err(invalid(&Event::Completed { reasons }));
            }
            if reasons.is_empty() {
                next.status = Status::Completed;
            } else {
                check_reasons(request, &reasons)?;
                next.status = Status::PartiallyCompleted;
                next.reasons = reasons;
            }
            next.closed_at = Some(now);
            effects.push(Effect::SendCompletion);
        }
        Event::Denied { reasons } => {
            check_reasons(request, &reasons)?;
            next.status = Status::Denied;
            next.reasons = reasons;
            next.closed_at = Some(now);
            effects.push(Effect::SendDenial);
        }
        Event::Cancelled => {
            next.status = Status::Cancelled;
            next.closed_at = Some(now);
        }
    }
    Ok((next, effects))
}

fn check_text(what: &str, text: &str, required: bool) -> Result<(), TransitionError> {
    if required && text.trim().is_empty() {
        return Err(TransitionError::Reasons(format!(
            "{what} is empty; say why in a sentence the person will read"
        )));
    }
    if text.len() > limits::REQUEST_TEXT_BYTES_MAX {
        return Err(TransitionError::Reasons(format!(
            "{what} is longer than {} bytes; shorten it",
            limits::REQUEST_TEXT_BYTES_MAX
        )));
    }
    Ok(())
}

/// The rules on reasons: at least one, no repeats, each allowed for this law and
/// request type, with the explanation the law asks for.
fn check_reasons(request: &RightsRequest, reasons: &[DenialReason]) -> Result<(), TransitionError> {
    let fail = |message: String| Err(TransitionError::Reasons(message));
    if reasons.is_empty() {
        return fail(format!(
            "give at least one reason; the codes are: {}",
            DenialBasis::codes().join(", ")
        ));
    }
    if reasons.len() > limits::DENIAL_REASONS_MAX {
        return fail(format!("give at most {} reasons", limits::DENIAL_REASONS_MAX));
    }
    for (index, reason) in reasons.iter().enumerate() {
        if reasons[..index].iter().any(|earlier| earlier.basis == reason.basis) {
            return fail(format!("reason `{}` is given twice", reason.basis.code()));
        }
        let code = reason.basis.code();
        if let Some(explanation) = &reason.explanation {
            check_text(&format!("the explanation of `{code}`"), explanation.expose(), false)?;
        }
        if reason.basis.needs_explanation()
            && reason.explanation.as_ref().is_none_or(|text| text.expose().trim().is_empty())
        {
            return fail(format!(
                "reason `{code}` needs an explanation: the law puts the burden of showing it on the business ({})",
                reason.basis.citation()
            ));
        }
        let kind = request.effective_type;
        let allowed = match reason.basis {
            // R-119, R-142, R-283: an opt-out or a request to limit may be refused only
            // for documented fraud.
            _ if kind.verification_forbidden() => reason.basis == DenialBasis::Fraud,
            DenialBasis::Exception(RetentionReason::Ccpa(_)) => {
                kind == RequestType::Delete && request.law != Law::Gdpr
            }
            DenialBasis::Exception(RetentionReason::Gdpr(_)) => {
                kind == RequestType::Delete && request.law == Law::Gdpr
            }
            DenialBasis::ManifestlyUnfounded => request.law == Law::Gdpr,
            DenialBasis::AccurateAsHeld => kind == RequestType::Correct,
            DenialBasis::RequestLimit => {
                matches!(
                    kind,
                    RequestType::Know
                        | RequestType::Access
                        | RequestType::ShineTheLight
                        | RequestType::Portability
                ) && request.law != Law::Gdpr
            }
            DenialBasis::Unverifiable => request.verification.required != Level::None,
            _ => true,
        };
        if !allowed {
            let hint = match reason.basis {
                _ if kind.verification_forbidden() => {
                    " (an opt-out or a request to limit may be refused only for documented fraud: 11 CCR §7026, §7027(f))"
                }
                DenialBasis::Exception(RetentionReason::Ccpa(_)) if request.law == Law::Gdpr => {
                    " (under the GDPR, cite an Art 17(3) code: G-a to G-e)"
                }
                DenialBasis::Exception(RetentionReason::Gdpr(_)) if request.law != Law::Gdpr => {
                    " (outside the GDPR, cite a §1798.105(d) code: D1 to D8)"
                }
                DenialBasis::Exception(_) => " (deletion exceptions apply to requests to delete)",
                _ => "",
            };
            return fail(format!(
                "reason `{code}` does not apply to a `{}` request under the {}{hint}",
                kind.id(),
                request.law.label()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{BusinessCalendar, HolidayCalendar};
    use crate::clock::LawCalendar;
    use crate::{CcpaDeletionException, GdprErasureException};
    use jiff::tz::TimeZone;
    use proptest::prelude::*;

    fn calendars() -> Calendars {
        let us =
            ["us-federal", "us-ca"].iter().filter_map(|id| HolidayCalendar::builtin(id)).collect();
        Calendars {
            us: LawCalendar {
                timezone: TimeZone::get("America/Los_Angeles").unwrap(),
                business: BusinessCalendar::new(us),
            },
            eu: LawCalendar {
                timezone: TimeZone::UTC,
                business: BusinessCalendar::weekends_only(),
            },
        }
    }

    fn received() -> Timestamp {
        "2026-11-25T17:00:00Z".parse().unwrap()
    }

    fn new(law: Law, request_type: RequestType) -> RightsRequest {
        submission(law, request_type, None).unwrap().0
    }

    fn submission(
        law: Law,
        request_type: RequestType,
        agent: Option<AgentProof>,
    ) -> Result<(RightsRequest, Vec<Effect>), TransitionError> {
        submit(
            Submission {
                id: Id::from_parts(1, 1),
                request_type,
                law,
                channel: ChannelKind::WebForm,
                designated_channel: true,
                high_risk: false,
                received_at: received(),
                agent,
                appeal_of: None,
            },
            &calendars(),
        )
    }

    fn apply(request: &RightsRequest, event: Event) -> Result<RightsRequest, TransitionError> {
        transition(request, event, received(), &calendars()).map(|(next, _)| next)
    }

    fn reason(basis: DenialBasis) -> DenialReason {
        DenialReason { basis, explanation: Some(Sensitive::new("explained".to_owned())) }
    }

    #[test]
    fn opt_outs_start_verified_and_others_wait_for_verification_r041() {
        let opt_out = new(Law::Ccpa, RequestType::OptOutSaleShare);
        assert_eq!(opt_out.status, Status::Verified);
        assert_eq!(opt_out.verification.achieved, Some(Level::None));
        let know = new(Law::Ccpa, RequestType::Know);
        assert_eq!(know.status, Status::Received);
        assert_eq!(know.verification.required, Level::Reasonable);
    }

    #[test]
    fn laws_offer_only_their_rights() {
        assert!(offered(Law::Gdpr, RequestType::Restrict).is_ok());
        expect_test::expect![[
            "the California Consumer Privacy Act (CCPA/CPRA) gives no `restrict` right; it gives: know, access, delete, correct, opt_out_sale_share, limit_sensitive, shine_the_light"
        ]]
        .assert_eq(&offered(Law::Ccpa, RequestType::Restrict).unwrap_err());
        expect_test::expect![[
            "the General Data Protection Regulation (GDPR) gives no `opt_out_sale_share` right (the GDPR has no sale opt-out; an objection to direct marketing, `object`, is absolute under Art 21(2)-(3)); it gives: know, access, delete, correct, restrict, object, withdraw_consent, portability"
        ]]
        .assert_eq(&offered(Law::Gdpr, RequestType::OptOutSaleShare).unwrap_err());
        assert!(
            offered(Law::Ccpa, RequestType::Portability).unwrap_err().contains("ask for `access`")
        );
        assert!(offered(Law::Caloppa, RequestType::Know).unwrap_err().contains("CalOPPA"));
        assert!(offered(Law::Utah, RequestType::Correct).is_err());
    }

    #[test]
    fn an_unverifiable_access_request_is_answered_as_categories_r053() {
        let access = new(Law::Ccpa, RequestType::Access);
        // Two points are not enough for specific pieces; the request keeps waiting for
        // a third point and the declaration.
        let error = apply(&access, Event::Verified { level: Level::Reasonable, directly: true })
            .unwrap_err();
        assert_eq!(
            error,
            TransitionError::InsufficientVerification {
                required: Level::ReasonablyHigh,
                achieved: Level::Reasonable
            }
        );
        // When it cannot be verified further, it is answered as a request for categories.
        let categories =
            apply(&access, Event::AnsweredAsCategories { level: Level::Reasonable }).unwrap();
        assert_eq!(categories.status, Status::Verified);
        assert_eq!(categories.effective_type, RequestType::Know);
        assert_eq!(categories.request_type, RequestType::Access);
        let error =
            apply(&access, Event::AnsweredAsCategories { level: Level::Basic }).unwrap_err();
        assert_eq!(
            error,
            TransitionError::InsufficientVerification {
                required: Level::Reasonable,
                achieved: Level::Basic
            }
        );
        let delete = new(Law::Ccpa, RequestType::Delete);
        assert_eq!(
            apply(&delete, Event::AnsweredAsCategories { level: Level::Reasonable }),
            Err(TransitionError::NoCategoriesFallback)
        );
        let gdpr = new(Law::Gdpr, RequestType::Access);
        assert_eq!(
            apply(&gdpr, Event::AnsweredAsCategories { level: Level::Basic }),
            Err(TransitionError::NoCategoriesFallback)
        );
    }

    #[test]
    fn gdpr_doubts_raise_the_level_art_12_6() {
        let access = new(Law::Gdpr, RequestType::Access);
        assert_eq!(access.verification.required, Level::Basic);
        let doubted = apply(&access, Event::IdentityDoubted).unwrap();
        assert_eq!(doubted.verification.required, Level::Reasonable);
        assert!(apply(&doubted, Event::Verified { level: Level::Basic, directly: true }).is_err());
        assert_eq!(
            apply(&new(Law::Ccpa, RequestType::Know), Event::IdentityDoubted),
            Err(TransitionError::DoubtsNotApplicable)
        );
    }

    #[test]
    fn an_agent_with_signed_permission_needs_the_person_r060() {
        let (request, _) =
            submission(Law::Ccpa, RequestType::Delete, Some(AgentProof::SignedPermission)).unwrap();
        let error = apply(&request, Event::Verified { level: Level::Reasonable, directly: false })
            .unwrap_err();
        assert!(error.to_string().contains("must also confirm the agent"), "{error}");
        assert!(
            apply(&request, Event::Verified { level: Level::Reasonable, directly: true }).is_ok()
        );
        let confirmed = apply(&request, Event::AgentConfirmed).unwrap();
        assert!(
            apply(&confirmed, Event::Verified { level: Level::Reasonable, directly: false })
                .is_ok()
        );
        let (attorney, _) =
            submission(Law::Ccpa, RequestType::Delete, Some(AgentProof::PowerOfAttorney)).unwrap();
        assert!(
            apply(&attorney, Event::Verified { level: Level::Reasonable, directly: false }).is_ok()
        );
    }

    #[test]
    fn one_extension_noticed_inside_the_first_period_r032() {
        let request = apply(
            &new(Law::Ccpa, RequestType::Delete),
            Event::Verified { level: Level::Reasonable, directly: true },
        )
        .unwrap();
        let (extended, effects) = transition(
            &request,
            Event::Extended { reason: "archives".into() },
            received(),
            &calendars(),
        )
        .unwrap();
        assert_eq!(effects, vec![Effect::SendExtensionNotice]);
        assert!(extended.extended);
        assert_eq!(extended.due().to_string(), "2027-02-23");
        assert_eq!(
            apply(&extended, Event::Extended { reason: "again".into() }),
            Err(TransitionError::AlreadyExtended)
        );
        let late: Timestamp = "2027-01-10T17:00:00Z".parse().unwrap();
        let error =
            transition(&request, Event::Extended { reason: "late".into() }, late, &calendars())
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "an extension must be noticed by 2027-01-09, inside the first response period; it is too late to extend"
        );
        assert_eq!(
            apply(&request, Event::Extended { reason: " ".into() }).map(|_| ()),
            Err(TransitionError::Reasons(
                "the extension's reason is empty; say why in a sentence the person will read"
                    .to_owned()
            ))
        );
        let opt_out = new(Law::Ccpa, RequestType::OptOutSaleShare);
        assert_eq!(
            apply(&opt_out, Event::Extended { reason: "x".into() }),
            Err(TransitionError::NoExtension)
        );
    }

    #[test]
    fn denials_cite_the_law_of_the_request_r096_r262() {
        let delete = new(Law::Ccpa, RequestType::Delete);
        let ccpa_code = DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D8));
        let gdpr_code = DenialBasis::Exception(RetentionReason::Gdpr(GdprErasureException::E));
        assert_eq!(
            apply(&delete, Event::Denied { reasons: vec![reason(ccpa_code)] }).unwrap().status,
            Status::Denied
        );
        let error = apply(&delete, Event::Denied { reasons: vec![reason(gdpr_code)] })
            .unwrap_err()
            .to_string();
        assert!(error.contains("outside the GDPR, cite a §1798.105(d) code"), "{error}");
        let gdpr_delete = new(Law::Gdpr, RequestType::Delete);
        assert!(apply(&gdpr_delete, Event::Denied { reasons: vec![reason(gdpr_code)] }).is_ok());
        let error = apply(&delete, Event::Denied { reasons: vec![] }).unwrap_err().to_string();
        assert!(error.starts_with("give at least one reason; the codes are: D1, D2"), "{error}");
        let twice = vec![reason(ccpa_code), reason(ccpa_code)];
        assert!(
            apply(&delete, Event::Denied { reasons: twice })
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let know = new(Law::Ccpa, RequestType::Know);
        assert!(
            apply(&know, Event::Denied { reasons: vec![reason(ccpa_code)] })
                .unwrap_err()
                .to_string()
                .contains("apply to requests to delete")
        );
    }

    #[test]
    fn opt_outs_are_refused_only_for_documented_fraud_r119_r142() {
        let opt_out = new(Law::Ccpa, RequestType::OptOutSaleShare);
        let error =
            apply(&opt_out, Event::Denied { reasons: vec![reason(DenialBasis::Unverifiable)] })
                .unwrap_err()
                .to_string();
        assert!(error.contains("only for documented fraud"), "{error}");
        let undocumented = DenialReason { basis: DenialBasis::Fraud, explanation: None };
        let error =
            apply(&opt_out, Event::Denied { reasons: vec![undocumented] }).unwrap_err().to_string();
        assert!(error.contains("needs an explanation"), "{error}");
        assert!(
            apply(&opt_out, Event::Denied { reasons: vec![reason(DenialBasis::Fraud)] }).is_ok()
        );
    }

    #[test]
    fn manifestly_unfounded_is_a_gdpr_basis_and_needs_a_justification_r257() {
        let gdpr = new(Law::Gdpr, RequestType::Access);
        assert!(
            apply(&gdpr, Event::Denied { reasons: vec![reason(DenialBasis::ManifestlyUnfounded)] })
                .is_ok()
        );
        let ccpa = new(Law::Ccpa, RequestType::Access);
        assert!(
            apply(&ccpa, Event::Denied { reasons: vec![reason(DenialBasis::ManifestlyUnfounded)] })
                .is_err()
        );
    }

    #[test]
    fn partial_completion_keeps_its_reasons_r078() {
        let delete = apply(
            &new(Law::Ccpa, RequestType::Delete),
            Event::Verified { level: Level::Reasonable, directly: true },
        )
        .unwrap();
        let working = apply(&delete, Event::Started).unwrap();
        let code = DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D1));
        let (done, effects) = transition(
            &working,
            Event::Completed { reasons: vec![reason(code)] },
            received(),
            &calendars(),
        )
        .unwrap();
        assert_eq!(done.status, Status::PartiallyCompleted);
        assert_eq!(effects, vec![Effect::SendCompletion]);
        assert_eq!(done.closed_at, Some(received()));
    }

    #[test]
    fn appeals_name_a_refused_request_of_the_same_law_r282() {
        let base = Submission {
            id: Id::from_parts(2, 2),
            request_type: RequestType::Appeal,
            law: Law::Virginia,
            channel: ChannelKind::Email,
            designated_channel: true,
            high_risk: false,
            received_at: received(),
            agent: None,
            appeal_of: Some((Id::from_parts(1, 1), Law::Virginia, Status::Denied)),
        };
        let (appeal, _) = submit(base.clone(), &calendars()).unwrap();
        assert_eq!(appeal.due().to_string(), "2027-01-24");
        let open = Submission {
            appeal_of: Some((Id::from_parts(1, 1), Law::Virginia, Status::InProgress)),
            ..base.clone()
        };
        assert_eq!(
            submit(open, &calendars()).unwrap_err(),
            TransitionError::AppealNotRefused(Status::InProgress)
        );
        let other_law = Submission {
            appeal_of: Some((Id::from_parts(1, 1), Law::Texas, Status::Denied)),
            ..base.clone()
        };
        assert_eq!(
            submit(other_law, &calendars()).unwrap_err(),
            TransitionError::AppealLawMismatch
        );
        assert_eq!(
            submit(Submission { appeal_of: None, ..base.clone() }, &calendars()).unwrap_err(),
            TransitionError::AppealNeedsRequest
        );
        let ccpa = Submission {
            law: Law::Ccpa,
            appeal_of: Some((Id::from_parts(1, 1), Law::Ccpa, Status::Denied)),
            ..base
        };
        assert!(matches!(submit(ccpa, &calendars()), Err(TransitionError::NotOffered(_))));
    }

    fn any_event() -> impl Strategy<Value = Event> {
        let level = prop_oneof![
            Just(Level::None),
            Just(Level::Basic),
            Just(Level::Reasonable),
            Just(Level::ReasonablyHigh)
        ];
        let basis = prop_oneof![
            Just(DenialBasis::Unverifiable),
            Just(DenialBasis::Fraud),
            Just(DenialBasis::ManifestlyUnfounded),
            Just(DenialBasis::Exception(RetentionReason::Ccpa(CcpaDeletionException::D2))),
            Just(DenialBasis::Exception(RetentionReason::Gdpr(GdprErasureException::B))),
        ];
        let reasons = proptest::collection::vec(
            (basis, proptest::option::of("[a-z ]{0,20}"))
                .prop_map(|(basis, e)| DenialReason { basis, explanation: e.map(Sensitive::new) }),
            0..3,
        );
        prop_oneof![
            Just(Event::Acknowledged),
            Just(Event::VerificationStarted),
            Just(Event::IdentityDoubted),
            Just(Event::AgentConfirmed),
            (level, any::<bool>())
                .prop_map(|(level, directly)| Event::Verified { level, directly }),
            Just(Event::Started),
            "[a-z ]{0,10}".prop_map(|r| Event::Extended { reason: Sensitive::new(r) }),
            reasons.clone().prop_map(|reasons| Event::Completed { reasons }),
            reasons.prop_map(|reasons| Event::Denied { reasons }),
            Just(Event::Cancelled),
        ]
    }

    fn any_request() -> impl Strategy<Value = RightsRequest> {
        let laws = prop_oneof![
            Just(Law::Ccpa),
            Just(Law::Gdpr),
            Just(Law::Virginia),
            Just(Law::Texas),
            Just(Law::Utah)
        ];
        let types = (0..RequestType::all().len()).prop_map(|i| RequestType::all()[i]);
        let agents = proptest::option::of(prop_oneof![
            Just(AgentProof::SignedPermission),
            Just(AgentProof::PowerOfAttorney)
        ]);
        (laws, types, agents).prop_filter_map("offered", |(law, request_type, agent)| {
            let request_type =
                if request_type == RequestType::Appeal { RequestType::Know } else { request_type };
            submission(law, request_type, agent).ok().map(|(request, _)| request)
        })
    }

    proptest! {
        #[test]
        fn any_sequence_of_events_is_handled_without_panic_and_closed_requests_stay_closed(
            request in any_request(),
            events in proptest::collection::vec(any_event(), 0..12),
        ) {
            let mut current = request;
            for event in events {
                let before = current.clone();
                match transition(&current, event, received(), &calendars()) {
                    Ok((next, _)) => {
                        prop_assert!(!before.status.is_closed(), "a closed request changed");
                        prop_assert_eq!(next.id, before.id);
                        prop_assert!(next.due() >= before.due(), "a transition shortened the deadline");
                        prop_assert!(!before.extended || next.extended, "an extension was undone");
                        if next.status == Status::Verified && before.status != Status::Verified {
                            prop_assert!(next.verification.achieved.is_some());
                        }
                        current = next;
                    }
                    Err(error) => {
                        prop_assert!(!error.to_string().is_empty());
                    }
                }
            }
        }
    }
}

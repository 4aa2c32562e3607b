//! Differences between two versions of a program, in plain words: the basis for telling
//! people about a change to the notice before it applies (CalOPPA §22575(b)(3), R-221(3);
//! no new, incompatible use without a new notice; GDPR Art 13(3)).
//!
//! Items are matched by id (rights by right and law; disclosures by category and
//! recipient; deletion exceptions by legal reason), so reordering a manifest changes
//! nothing. What the notices state is compared in the words they use (an opt-out link by
//! its statutory title), down to the deletion exceptions, whether data is held for
//! customers and the statements of the `gdpr:` block. Each [`Change`] says whether it
//! is *material*: something a person should be told before it applies, such as a new sale
//! or sharing, a right taken away, a new category, recipient or use. Changes that only
//! add protection (a new right, data no longer collected) are reported but not material.
//! The `requests:` block (time zones, calendars, data points, emails) says how requests
//! are run, not what the notice states, so it is not compared.
//!
//! **Invariants:** pure, deterministic (the order is fixed by [`ChangeKind`] and then by
//! the manifest's order or ids, never by hashing) and total: indices are looked up with
//! `.get()`, and work is bounded even for hostile manifests (see [`PAIRS_MAX`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use ombud_core::{GdprLawfulBasis, Law, Reference, RequestType, SignalStance, VerificationMethod};

use crate::model::{Category, Channel, Contact, GdprInfo, MinorsSale, Program, Recipient, Right};

/// What kind of change, from the most to the least important. The derived order is the
/// order of the report (material changes first, then by kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// A category is now sold to or shared with a recipient.
    SaleOrSharingStarted,
    /// A right is no longer offered under a law.
    RightRemoved,
    /// The program is no longer written for a law.
    JurisdictionRemoved,
    /// A new category of personal information is collected.
    CategoryAdded,
    /// A category became (or stopped being) sensitive, changed its sensitive kind or
    /// GDPR special category, or is now used to infer characteristics.
    CategorySensitivityChanged,
    /// A new recipient.
    RecipientAdded,
    /// A category is now disclosed to a recipient, or for a new purpose.
    DisclosureAdded,
    /// A new purpose.
    PurposeAdded,
    /// An existing category is now used for another purpose.
    CategoryUseAdded,
    /// A purpose's GDPR lawful basis or stated legitimate interest changed.
    LawfulBasisChanged,
    /// Whether decisions are made solely by automated means, or what the notice says
    /// about their logic and consequences, changed (GDPR Art 13(2)(f), Art 22; R-267).
    AutomatedDecisionsChanged,
    /// What the notice says about whether people must provide their data, and what
    /// happens if they do not, changed (GDPR Art 13(2)(e); R-268).
    ProvisionChanged,
    /// A recipient's countries outside the EEA or transfer safeguard changed.
    TransfersChanged,
    /// A recipient's role changed.
    RecipientRoleChanged,
    /// A category maps to another CCPA statutory category.
    CategoryMappingChanged,
    /// A new source.
    SourceAdded,
    /// An existing category now comes from another source.
    CategorySourceAdded,
    /// The retention period of a category changed.
    RetentionChanged,
    /// Data is now kept after a deletion request under a new legal exception (R-095,
    ///
    DeletionExceptionAdded,
    /// A deletion exception now keeps other categories, or for another period.
    DeletionExceptionChanged,
    /// Whether some data is held on behalf of business customers changed, so requests
    /// about it are (or are no longer) referred to them (R-200; GDPR Art 28).
    ProcessingForCustomersChanged,
    /// Treatment of Global Privacy Control, Do Not Track or third-party tracking changed.
    SignalsChanged,
    /// The minors policy changed (B12).
    MinorsChanged,
    /// A request channel was removed.
    ChannelRemoved,
    /// A request channel's address or kind changed.
    ChannelChanged,
    /// A right can be exercised through fewer or more channels.
    RightChannelsChanged,
    /// How requesters are verified for a right changed.
    VerificationChanged,
    /// The authorized-agent policy changed.
    AuthorizedAgentsChanged,
    /// The organization's name or contact details changed.
    OrganizationChanged,
    /// An email list was added, removed or changed.
    SubscriptionChanged,
    /// A right is newly offered under a law.
    RightAdded,
    /// The program is now also written for a law.
    JurisdictionAdded,
    /// A new request channel.
    ChannelAdded,
    /// A category is no longer sold to or shared with a recipient.
    SaleOrSharingStopped,
    /// A category is no longer disclosed to a recipient (or for a purpose).
    DisclosureRemoved,
    /// A category is no longer collected.
    CategoryRemoved,
    /// An existing category is no longer used for a purpose.
    CategoryUseRemoved,
    /// An existing category no longer comes from a source.
    CategorySourceRemoved,
    /// A purpose is no longer pursued.
    PurposeRemoved,
    /// A source is no longer used.
    SourceRemoved,
    /// A recipient no longer receives anything.
    RecipientRemoved,
    /// A deletion exception is no longer relied on: more is deleted on request.
    DeletionExceptionRemoved,
    /// A name, description, example or other wording changed.
    WordingChanged,
    /// How changes are announced changed.
    NoticeChanged,
    /// The effective date changed.
    EffectiveDateChanged,
    /// The version label changed.
    VersionChanged,
}

/// One change between two versions of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Whether people should be told before it applies.
    pub material: bool,
    /// What it is about, as `kind:id` (`category:email`, `right:delete`), for tools.
    pub subject: String,
    /// One plain-English sentence.
    pub summary: String,
}

/// The most (category, recipient) pairs a program's disclosures may expand to before the
/// diff compares disclosures as a whole, so a hostile manifest cannot make it do
/// unbounded work (STYLE.md §4.7).
pub const PAIRS_MAX: usize = 100_000;

/// Compares two programs. An identical program gives no changes.
pub fn diff(old: &Program, new: &Program) -> Vec<Change> {
    let mut differ = Differ { old, new, changes: Vec::new() };
    differ.jurisdictions();
    differ.categories();
    differ.sources();
    differ.purposes();
    differ.recipients();
    differ.disclosures();
    differ.retention();
    differ.deletion_exceptions();
    differ.processing_for_customers();
    differ.channels();
    differ.rights();
    differ.agents();
    differ.signals();
    differ.minors();
    differ.gdpr();
    differ.subscriptions();
    differ.organization();
    differ.notice();
    // Stable: within a kind, changes keep the order they were found in.
    differ.changes.sort_by_key(|change| (!change.material, change.kind));
    differ.changes
}

/// Renders changes as a plain-text report; says "no changes" when there are none.
pub fn render_changes(old: &Program, new: &Program, changes: &[Change]) -> String {
    let mut out = String::new();
    let version = |program: &Program| {
        format!(
            "version {} (effective {})",
            program.notice.version,
            program.notice.effective.long()
        )
    };
    if changes.is_empty() {
        let _ = writeln!(
            out,
            "There are no changes between {} and {} of the privacy program of {}.",
            version(old),
            version(new),
            new.organization.name
        );
        return out;
    }
    let _ = writeln!(out, "Changes to the privacy program of {}", new.organization.name);
    let _ = writeln!(out, "from {} to {}.", version(old), version(new));
    let material: Vec<&Change> = changes.iter().filter(|c| c.material).collect();
    let other: Vec<&Change> = changes.iter().filter(|c| !c.material).collect();
    if !material.is_empty() {
        let _ = writeln!(
            out,
            "\nMaterial changes, to tell people about before they apply ({}):",
            material.len()
        );
        for (number, change) in material.iter().enumerate() {
            let _ = writeln!(out, "  {:>2}. {}", number + 1, change.summary);
        }
    }
    if !other.is_empty() {
        let _ = writeln!(out, "\nOther changes ({}):", other.len());
        for change in &other {
            let _ = writeln!(out, "   - {}", change.summary);
        }
    }
    if !material.is_empty() {
        // CalOPPA §22575(b)(3): the notice says how material changes are announced.
        match &new.notice.changes_notified_by {
            Some(how) => {
                let _ = writeln!(
                    out,
                    "\nThe new notice says people are told about material changes this way: {}",
                    how.trim()
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "\nThe new notice does not say how people are told about material changes (`notice.changes_notified_by`)."
                );
            }
        }
    }
    out
}

struct Differ<'a> {
    old: &'a Program,
    new: &'a Program,
    changes: Vec<Change>,
}

/// Quotes a name from the manifest in a summary.
fn q(name: &str) -> String {
    format!("“{}”", name.trim())
}

/// Indices of a list by id, for matching old and new items in logarithmic time.
fn by_id<'a, T>(items: &'a [T], id: impl Fn(&T) -> &str) -> BTreeMap<&'a str, usize>
where
    T: 'a,
{
    let mut map = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        map.entry(id(item)).or_insert(index);
    }
    map
}

fn ids_of<T>(indices: &[usize], items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    indices.iter().filter_map(|&i| items.get(i)).map(|item| id(item).to_owned()).collect()
}

/// Short name of a law for a sentence: "the CCPA", "the GDPR", "Virginia law".
fn law_name(law: Law) -> &'static str {
    match law {
        Law::Ccpa => "the CCPA",
        Law::Caloppa => "CalOPPA",
        Law::Gdpr => "the GDPR",
        Law::Virginia => "Virginia law",
        Law::Colorado => "Colorado law",
        Law::Connecticut => "Connecticut law",
        Law::Texas => "Texas law",
        Law::Oregon => "Oregon law",
        Law::Utah => "Utah law",
    }
}

fn laws_phrase(laws: &[Law]) -> String {
    let names: Vec<String> = laws.iter().map(|&l| law_name(l).to_owned()).collect();
    join(&names)
}

fn join(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn basis_name(basis: Option<GdprLawfulBasis>) -> String {
    match basis {
        Some(basis) => format!("{} ({})", basis.id().replace('_', " "), basis.citation()),
        None => "none stated".to_owned(),
    }
}

fn ccpa_name(category: &Category) -> String {
    format!("({}) {}", category.ccpa.letter(), category.ccpa.label())
}

/// A channel as people read it: "Email (privacy@example.com)".
fn channel_name(channel: &Channel) -> String {
    match detail(channel) {
        Some(detail) => format!("{} ({detail})", label(channel)),
        None => label(channel),
    }
}

/// What people read for a channel: the statutory title of an opt-out link (R-150,
/// R-151), its own label, or its kind's. The same words as the notice.
fn label(channel: &Channel) -> String {
    channel.title()
}

/// Where a channel goes: its web address, email, number or postal address.
fn detail(channel: &Channel) -> Option<String> {
    let detail = channel
        .url
        .as_ref()
        .or(channel.email.as_ref())
        .or(channel.phone.as_ref())
        .or(channel.address.as_ref());
    detail.map(|d| d.trim().to_owned())
}

fn verification_names(methods: &[VerificationMethod]) -> String {
    if methods.is_empty() {
        return "none".to_owned();
    }
    let names: Vec<String> = methods.iter().map(|m| m.label().to_lowercase()).collect();
    join(&names)
}

impl<'a> Differ<'a> {
    fn push(&mut self, kind: ChangeKind, material: bool, subject: String, summary: String) {
        self.changes.push(Change { kind, material, subject, summary });
    }

    fn jurisdictions(&mut self) {
        for &law in &self.old.jurisdictions {
            if !self.new.jurisdictions.contains(&law) {
                self.push(
                    ChangeKind::JurisdictionRemoved,
                    true,
                    format!("jurisdiction:{law}"),
                    format!("The program is no longer written for {}.", law.label()),
                );
            }
        }
        for &law in &self.new.jurisdictions {
            if !self.old.jurisdictions.contains(&law) {
                self.push(
                    ChangeKind::JurisdictionAdded,
                    false,
                    format!("jurisdiction:{law}"),
                    format!("The program is now also written for {}.", law.label()),
                );
            }
        }
    }

    fn categories(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.categories, |c| c.id.as_str());
        let new_ids = by_id(&new.categories, |c| c.id.as_str());
        for category in &new.categories {
            let subject = format!("category:{}", category.id);
            let Some(before) =
                old_ids.get(category.id.as_str()).and_then(|&i| old.categories.get(i))
            else {
                let mut summary = format!(
                    "New category of personal information: {} (CCPA category {}",
                    q(&category.name),
                    ccpa_name(category)
                );
                if let Some(kind) = category.sensitive {
                    let _ = write!(summary, "; sensitive: {}", kind.label().to_lowercase());
                }
                summary.push(')');
                let purposes = ids_to_names(&category.purposes, &new.purposes, |p| p.name.as_str());
                if !purposes.is_empty() {
                    let _ = write!(summary, ", used for {}", join(&purposes));
                }
                summary.push('.');
                self.push(ChangeKind::CategoryAdded, true, subject, summary);
                continue;
            };
            let name = q(&category.name);
            if before.name.trim() != category.name.trim() {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.clone(),
                    format!("Category {} is now called {}.", q(&before.name), name),
                );
            }
            if before.ccpa != category.ccpa {
                self.push(
                    ChangeKind::CategoryMappingChanged,
                    true,
                    subject.clone(),
                    format!(
                        "{name} now belongs to CCPA category {} instead of {}.",
                        ccpa_name(category),
                        ccpa_name(before)
                    ),
                );
            }
            if before.sensitive != category.sensitive {
                let summary = match (before.sensitive, category.sensitive) {
                    (None, Some(kind)) => format!(
                        "{name} is now sensitive personal information ({}).",
                        kind.label().to_lowercase()
                    ),
                    (Some(_), None) => {
                        format!("{name} is no longer treated as sensitive personal information.")
                    }
                    (_, Some(kind)) => {
                        format!(
                            "{name} is now a different kind of sensitive personal information ({}).",
                            kind.label().to_lowercase()
                        )
                    }
                    (None, None) => String::new(),
                };
                // Less protection either way: becoming sensitive changes what people may
                // limit; ceasing to be sensitive removes the right to limit it.
                self.push(ChangeKind::CategorySensitivityChanged, true, subject.clone(), summary);
            }
            if before.gdpr_special != category.gdpr_special {
                let summary = match category.gdpr_special {
                    Some(kind) => format!(
                        "{name} now contains special-category data under the GDPR ({}).",
                        kind.label().to_lowercase()
                    ),
                    None => {
                        format!("{name} no longer contains special-category data under the GDPR.")
                    }
                };
                self.push(
                    ChangeKind::CategorySensitivityChanged,
                    category.gdpr_special.is_some(),
                    subject.clone(),
                    summary,
                );
            }
            if category.sensitive.is_some()
                && before.infers_characteristics != category.infers_characteristics
            {
                // inferring characteristics brings the data under the right to limit.
                let summary = if category.infers_characteristics {
                    format!("{name} is now used to infer characteristics about people.")
                } else {
                    format!("{name} is no longer used to infer characteristics about people.")
                };
                self.push(
                    ChangeKind::CategorySensitivityChanged,
                    category.infers_characteristics,
                    subject.clone(),
                    summary,
                );
            }
            if before.description != category.description || before.examples != category.examples {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.clone(),
                    format!("The description or examples of {name} changed."),
                );
            }
            let (added, removed) = added_and_removed(
                &items_at(&before.sources, &old.sources, |s| s.id.as_str()),
                &items_at(&category.sources, &new.sources, |s| s.id.as_str()),
            );
            for source in added {
                self.push(
                    ChangeKind::CategorySourceAdded,
                    true,
                    subject.clone(),
                    format!("{name} is now also collected from {}.", q(&source.name)),
                );
            }
            for source in removed {
                self.push(
                    ChangeKind::CategorySourceRemoved,
                    false,
                    subject.clone(),
                    format!("{name} is no longer collected from {}.", q(&source.name)),
                );
            }
            let (added, removed) = added_and_removed(
                &items_at(&before.purposes, &old.purposes, |p| p.id.as_str()),
                &items_at(&category.purposes, &new.purposes, |p| p.id.as_str()),
            );
            for purpose in added {
                // a new use of data already collected needs a new notice first.
                self.push(
                    ChangeKind::CategoryUseAdded,
                    true,
                    subject.clone(),
                    format!("{name} is now also used for {}.", q(&purpose.name)),
                );
            }
            for purpose in removed {
                self.push(
                    ChangeKind::CategoryUseRemoved,
                    false,
                    subject.clone(),
                    format!("{name} is no longer used for {}.", q(&purpose.name)),
                );
            }
        }
        for category in &old.categories {
            if !new_ids.contains_key(category.id.as_str()) {
                self.push(
                    ChangeKind::CategoryRemoved,
                    false,
                    format!("category:{}", category.id),
                    format!("Category {} is no longer collected.", q(&category.name)),
                );
            }
        }
    }

    fn sources(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.sources, |s| s.id.as_str());
        let new_ids = by_id(&new.sources, |s| s.id.as_str());
        for source in &new.sources {
            let subject = format!("source:{}", source.id);
            match old_ids.get(source.id.as_str()).and_then(|&i| old.sources.get(i)) {
                None => self.push(
                    ChangeKind::SourceAdded,
                    true,
                    subject,
                    format!("New source of personal information: {}.", q(&source.name)),
                ),
                Some(before) => {
                    if before.name.trim() != source.name.trim() {
                        self.push(
                            ChangeKind::WordingChanged,
                            false,
                            subject.clone(),
                            format!(
                                "Source {} is now called {}.",
                                q(&before.name),
                                q(&source.name)
                            ),
                        );
                    }
                    if before.description != source.description {
                        self.push(
                            ChangeKind::WordingChanged,
                            false,
                            subject,
                            format!("The description of source {} changed.", q(&source.name)),
                        );
                    }
                }
            }
        }
        for source in &old.sources {
            if !new_ids.contains_key(source.id.as_str()) {
                self.push(
                    ChangeKind::SourceRemoved,
                    false,
                    format!("source:{}", source.id),
                    format!(
                        "Personal information is no longer collected from {}.",
                        q(&source.name)
                    ),
                );
            }
        }
    }

    fn purposes(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.purposes, |p| p.id.as_str());
        let new_ids = by_id(&new.purposes, |p| p.id.as_str());
        for purpose in &new.purposes {
            let subject = format!("purpose:{}", purpose.id);
            let name = q(&purpose.name);
            let Some(before) = old_ids.get(purpose.id.as_str()).and_then(|&i| old.purposes.get(i))
            else {
                let mut summary = format!("New purpose: {name}");
                if new.covers(Law::Gdpr) && purpose.gdpr_basis.is_some() {
                    let _ = write!(
                        summary,
                        ", on the legal basis of {}",
                        basis_name(purpose.gdpr_basis)
                    );
                }
                summary.push('.');
                self.push(ChangeKind::PurposeAdded, true, subject, summary);
                continue;
            };
            if before.name.trim() != purpose.name.trim() {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.clone(),
                    format!("Purpose {} is now called {name}.", q(&before.name)),
                );
            }
            if before.gdpr_basis != purpose.gdpr_basis {
                self.push(
                    ChangeKind::LawfulBasisChanged,
                    true,
                    subject.clone(),
                    format!(
                        "The GDPR legal basis for {name} changes from {} to {}.",
                        basis_name(before.gdpr_basis),
                        basis_name(purpose.gdpr_basis)
                    ),
                );
            }
            if before.legitimate_interest != purpose.legitimate_interest
                && purpose.gdpr_basis == Some(GdprLawfulBasis::LegitimateInterests)
            {
                let summary = match &purpose.legitimate_interest {
                    Some(interest) => format!(
                        "The legitimate interest stated for {name} now reads: {}",
                        q(interest)
                    ),
                    None => format!("No legitimate interest is stated for {name} any more."),
                };
                self.push(ChangeKind::LawfulBasisChanged, true, subject.clone(), summary);
            }
            if before.business_purpose != purpose.business_purpose {
                let describe = |b: Option<ombud_core::BusinessPurpose>| {
                    b.map(|b| q(b.label())).unwrap_or_else(|| "none".to_owned())
                };
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.clone(),
                    format!(
                        "The CCPA business purpose of {name} changes from {} to {}.",
                        describe(before.business_purpose),
                        describe(purpose.business_purpose)
                    ),
                );
            }
            if before.description != purpose.description {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject,
                    format!("The description of purpose {name} changed."),
                );
            }
        }
        for purpose in &old.purposes {
            if !new_ids.contains_key(purpose.id.as_str()) {
                self.push(
                    ChangeKind::PurposeRemoved,
                    false,
                    format!("purpose:{}", purpose.id),
                    format!("Personal information is no longer used for {}.", q(&purpose.name)),
                );
            }
        }
    }

    fn recipients(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.recipients, |r| r.id.as_str());
        let new_ids = by_id(&new.recipients, |r| r.id.as_str());
        for recipient in &new.recipients {
            let subject = format!("recipient:{}", recipient.id);
            let name = q(&recipient.name);
            let Some(before) =
                old_ids.get(recipient.id.as_str()).and_then(|&i| old.recipients.get(i))
            else {
                let mut summary =
                    format!("New recipient: {name} ({})", recipient.role.label().to_lowercase());
                if !recipient.transfers.is_empty() {
                    let _ = write!(summary, ", receiving data in {}", join(&recipient.transfers));
                }
                summary.push('.');
                self.push(ChangeKind::RecipientAdded, true, subject, summary);
                continue;
            };
            if before.name.trim() != recipient.name.trim() {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.clone(),
                    format!("Recipient {} is now called {name}.", q(&before.name)),
                );
            }
            if before.role != recipient.role {
                // Leaving a contract role makes disclosures to it count as third-party
                // disclosures (R-005; §1798.140(ag), (ai)).
                let material =
                    before.role.is_under_contract() && !recipient.role.is_under_contract();
                self.push(
                    ChangeKind::RecipientRoleChanged,
                    material,
                    subject.clone(),
                    format!(
                        "{name} changes from {} to {}.",
                        before.role.label().to_lowercase(),
                        recipient.role.label().to_lowercase()
                    ),
                );
            }
            self.transfers(before, recipient, &subject);
            if before.contract != recipient.contract {
                let summary = if recipient.contract {
                    format!("A contract with {name} is now in place.")
                } else {
                    format!("The contract with {name} is no longer in place.")
                };
                self.push(
                    ChangeKind::WordingChanged,
                    !recipient.contract,
                    subject.clone(),
                    summary,
                );
            }
            if before.description != recipient.description {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject,
                    format!("The description of recipient {name} changed."),
                );
            }
        }
        for recipient in &old.recipients {
            if !new_ids.contains_key(recipient.id.as_str()) {
                self.push(
                    ChangeKind::RecipientRemoved,
                    false,
                    format!("recipient:{}", recipient.id),
                    format!("{} no longer receives personal information.", q(&recipient.name)),
                );
            }
        }
    }

    fn transfers(&mut self, before: &'a Recipient, after: &'a Recipient, subject: &str) {
        let name = q(&after.name);
        let countries = |r: &'a Recipient| r.transfers.iter().map(String::as_str);
        let (was, now): (BTreeSet<&str>, BTreeSet<&str>) =
            (countries(before).collect(), countries(after).collect());
        let added: Vec<String> =
            countries(after).filter(|c| !was.contains(c)).map(str::to_owned).collect();
        let removed: Vec<String> =
            countries(before).filter(|c| !now.contains(c)).map(str::to_owned).collect();
        if !added.is_empty() {
            self.push(
                ChangeKind::TransfersChanged,
                true,
                subject.to_owned(),
                format!("{name} now receives personal data in {}, outside the EEA.", join(&added)),
            );
        }
        if !removed.is_empty() {
            self.push(
                ChangeKind::TransfersChanged,
                false,
                subject.to_owned(),
                format!("{name} no longer receives personal data in {}.", join(&removed)),
            );
        }
        if before.transfer_safeguard != after.transfer_safeguard {
            let describe = |s: &Option<String>| {
                s.as_deref().map(q).unwrap_or_else(|| "none stated".to_owned())
            };
            self.push(
                ChangeKind::TransfersChanged,
                true,
                subject.to_owned(),
                format!(
                    "The safeguard for transfers to {name} changes from {} to {}.",
                    describe(&before.transfer_safeguard),
                    describe(&after.transfer_safeguard)
                ),
            );
        }
    }

    fn disclosures(&mut self) {
        let (old, new) = (self.old, self.new);
        let (Some(before), Some(after)) = (flows(old), flows(new)) else {
            if old.disclosures.len() != new.disclosures.len()
                || old.disclosures.iter().zip(&new.disclosures).any(|(a, b)| {
                    (a.sold, a.shared, &a.categories, &a.recipients, &a.purposes)
                        != (b.sold, b.shared, &b.categories, &b.recipients, &b.purposes)
                })
            {
                self.push(
                    ChangeKind::DisclosureAdded,
                    true,
                    "disclosures".to_owned(),
                    "The disclosures changed; they are too many to compare one by one.".to_owned(),
                );
            }
            return;
        };
        let old_categories = by_id(&old.categories, |c| c.id.as_str());
        let old_recipients = by_id(&old.recipients, |r| r.id.as_str());
        let new_categories = by_id(&new.categories, |c| c.id.as_str());
        let new_recipients = by_id(&new.recipients, |r| r.id.as_str());
        let category_name = |id: &str| {
            new_categories
                .get(id)
                .and_then(|&i| new.categories.get(i))
                .or_else(|| old_categories.get(id).and_then(|&i| old.categories.get(i)))
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        // Grouped by (kind, recipient, wording) so one sentence names every category
        // that changed the same way for the same recipient.
        let mut groups: BTreeMap<(ChangeKind, &str, &'static str), Vec<String>> = BTreeMap::new();
        let mut add = |kind: ChangeKind, recipient: &'a str, how: &'static str, category: &str| {
            groups.entry((kind, recipient, how)).or_default().push(category_name(category));
        };
        for ((category, recipient), flow) in &after {
            match before.get(&(*category, *recipient)) {
                None => {
                    if let Some(how) = sale_words(flow.sold, flow.shared) {
                        add(ChangeKind::SaleOrSharingStarted, recipient, how, category);
                    } else {
                        add(ChangeKind::DisclosureAdded, recipient, "disclosed to", category);
                    }
                }
                Some(was) => {
                    if let Some(how) =
                        sale_words(flow.sold && !was.sold, flow.shared && !was.shared)
                    {
                        // Already sold or shared before: this is an additional kind.
                        let how = if was.sold || was.shared { also(how) } else { how };
                        add(ChangeKind::SaleOrSharingStarted, recipient, how, category);
                    }
                    if let Some(how) =
                        sale_words(was.sold && !flow.sold, was.shared && !flow.shared)
                    {
                        add(ChangeKind::SaleOrSharingStopped, recipient, how, category);
                    }
                }
            }
        }
        for (category, recipient) in before.keys() {
            // A removed category or recipient is reported once, by itself.
            let still_exists =
                new_categories.contains_key(category) && new_recipients.contains_key(recipient);
            if !after.contains_key(&(*category, *recipient)) && still_exists {
                let was = before.get(&(*category, *recipient));
                match was.and_then(|w| sale_words(w.sold, w.shared)) {
                    Some(how) => add(ChangeKind::SaleOrSharingStopped, recipient, how, category),
                    None => add(ChangeKind::DisclosureRemoved, recipient, "disclosed to", category),
                }
            }
        }
        let recipient_name = |id: &str| {
            new_recipients
                .get(id)
                .and_then(|&i| new.recipients.get(i))
                .or_else(|| old_recipients.get(id).and_then(|&i| old.recipients.get(i)))
                .map(|r| r.name.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        for ((kind, recipient, how), categories) in groups {
            let verb = if categories.len() == 1 { "is" } else { "are" };
            let quoted: Vec<String> = categories.iter().map(|c| q(c)).collect();
            let (summary, material) = match kind {
                ChangeKind::SaleOrSharingStarted => (
                    format!(
                        "{} {verb} now {how} {}.",
                        join(&quoted),
                        q(&recipient_name(recipient))
                    ),
                    true,
                ),
                ChangeKind::SaleOrSharingStopped => (
                    format!(
                        "{} {verb} no longer {how} {}.",
                        join(&quoted),
                        q(&recipient_name(recipient))
                    ),
                    false,
                ),
                ChangeKind::DisclosureAdded => (
                    format!(
                        "{} {verb} now disclosed to {} for a business purpose.",
                        join(&quoted),
                        q(&recipient_name(recipient))
                    ),
                    true,
                ),
                _ => (
                    format!(
                        "{} {verb} no longer disclosed to {}.",
                        join(&quoted),
                        q(&recipient_name(recipient))
                    ),
                    false,
                ),
            };
            self.push(kind, material, format!("recipient:{recipient}"), summary);
        }
        // New purposes of an existing flow are a new use.
        let mut purpose_names: BTreeMap<&str, &str> = BTreeMap::new();
        for purpose in old.purposes.iter().chain(&new.purposes) {
            // The new name wins: it is what people will read.
            purpose_names.insert(purpose.id.as_str(), purpose.name.as_str());
        }
        let purpose_name =
            |id: &str| purpose_names.get(id).map_or_else(|| id.to_owned(), |n| (*n).to_owned());
        for ((category, recipient), flow) in &after {
            let Some(was) = before.get(&(*category, *recipient)) else { continue };
            let added: Vec<String> =
                flow.purposes.difference(&was.purposes).map(|p| q(&purpose_name(p))).collect();
            if !added.is_empty() {
                self.push(
                    ChangeKind::DisclosureAdded,
                    true,
                    format!("recipient:{recipient}"),
                    format!(
                        "{} is now also disclosed to {} for {}.",
                        q(&category_name(category)),
                        q(&recipient_name(recipient)),
                        join(&added)
                    ),
                );
            }
            let removed: Vec<String> =
                was.purposes.difference(&flow.purposes).map(|p| q(&purpose_name(p))).collect();
            if !removed.is_empty() {
                self.push(
                    ChangeKind::DisclosureRemoved,
                    false,
                    format!("recipient:{recipient}"),
                    format!(
                        "{} is no longer disclosed to {} for {}.",
                        q(&category_name(category)),
                        q(&recipient_name(recipient)),
                        join(&removed)
                    ),
                );
            }
        }
    }

    fn retention(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.categories, |c| c.id.as_str());
        // Grouped by (before, after) so categories that changed together read as one.
        let mut groups: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
        for (index, category) in new.categories.iter().enumerate() {
            let Some(&old_index) = old_ids.get(category.id.as_str()) else { continue };
            let before = periods(old, old_index);
            let after = periods(new, index);
            if before != after {
                groups
                    .entry((before, after))
                    .or_default()
                    .push((category.id.clone(), q(&category.name)));
            }
        }
        for ((before, after), categories) in groups {
            let names: Vec<String> = categories.iter().map(|(_, name)| name.clone()).collect();
            let subject =
                categories.first().map(|(id, _)| format!("category:{id}")).unwrap_or_default();
            self.push(
                ChangeKind::RetentionChanged,
                true,
                subject,
                format!(
                    "How long {} {} kept changes from {} to {}.",
                    join(&names),
                    if names.len() == 1 { "is" } else { "are" },
                    q(&before),
                    q(&after)
                ),
            );
        }
    }

    /// The deletion exceptions the notices list, matched by legal
    /// reason. A new exception, or one that keeps more categories or for another period,
    /// is material: a deletion request now removes less, or the notice says something
    /// else about what it keeps. An exception dropped, or narrowed to fewer categories,
    /// only adds protection, so it is reported but not material.
    fn deletion_exceptions(&mut self) {
        let (old, new) = (self.old, self.new);
        let (before, after) = (old.deletion_exceptions(), new.deletion_exceptions());
        let category_ids = |program: &'_ Program, indices: &[usize]| -> BTreeSet<String> {
            ids_of(indices, &program.categories, |c| c.id.as_str()).into_iter().collect()
        };
        let names = |program: &Program, ids: &BTreeSet<String>| -> String {
            let by = by_id(&program.categories, |c| c.id.as_str());
            let names: Vec<String> = ids
                .iter()
                .map(|id| {
                    by.get(id.as_str())
                        .and_then(|&i| program.categories.get(i))
                        .map_or_else(|| q(id), |c| q(&c.name))
                })
                .collect();
            join(&names)
        };
        // Sorted, so moving tables around in the manifest is not a change.
        let periods = |periods: &[String]| -> String {
            let mut trimmed: Vec<&str> =
                periods.iter().map(|p| p.trim().trim_end_matches('.')).collect();
            trimmed.sort_unstable();
            trimmed.dedup();
            trimmed.join("; ")
        };
        for exception in &after {
            let reason = exception.reason;
            let subject = format!("deletion_exception:{}", reason.id());
            let title = format!("{} ({})", q(reason.label()), reason.citation());
            let categories = category_ids(new, &exception.categories);
            let Some(was) = before.iter().find(|b| b.reason == reason) else {
                let mut summary = format!(
                    "After a request to delete, data is now kept under the exception {title}"
                );
                if !categories.is_empty() {
                    let _ = write!(summary, ": {}", names(new, &categories));
                }
                if !exception.periods.is_empty() {
                    let _ = write!(summary, ", for {}", q(&periods(&exception.periods)));
                }
                summary.push('.');
                self.push(ChangeKind::DeletionExceptionAdded, true, subject, summary);
                continue;
            };
            let categories_before = category_ids(old, &was.categories);
            let added: BTreeSet<String> =
                categories.difference(&categories_before).cloned().collect();
            let removed: BTreeSet<String> =
                categories_before.difference(&categories).cloned().collect();
            if !added.is_empty() {
                self.push(
                    ChangeKind::DeletionExceptionChanged,
                    true,
                    subject.clone(),
                    format!(
                        "After a request to delete, the exception {title} now also keeps {}.",
                        names(new, &added)
                    ),
                );
            }
            if !removed.is_empty() {
                self.push(
                    ChangeKind::DeletionExceptionChanged,
                    false,
                    subject.clone(),
                    format!(
                        "After a request to delete, the exception {title} no longer keeps {}.",
                        names(old, &removed)
                    ),
                );
            }
            // Periods are free text: any change may be longer, so it is material, as a
            // change of retention is.
            let (was_kept, now_kept) = (periods(&was.periods), periods(&exception.periods));
            if was_kept != now_kept {
                let describe = |p: &str| if p.is_empty() { "not stated".to_owned() } else { q(p) };
                self.push(
                    ChangeKind::DeletionExceptionChanged,
                    true,
                    subject,
                    format!(
                        "How long data is kept under the exception {title} changes from {} to {}.",
                        describe(&was_kept),
                        describe(&now_kept)
                    ),
                );
            }
        }
        for exception in &before {
            let reason = exception.reason;
            if after.iter().all(|a| a.reason != reason) {
                self.push(
                    ChangeKind::DeletionExceptionRemoved,
                    false,
                    format!("deletion_exception:{}", reason.id()),
                    format!(
                        "After a request to delete, no data is kept under the exception {} ({}) any more.",
                        q(reason.label()),
                        reason.citation()
                    ),
                );
            }
        }
    }

    /// Whether the notices say that some data is held for business customers and that
    /// requests about it go to them (R-200; GDPR Art 28). Either way it is material:
    /// people are sent somewhere else for their requests, or data the business held only
    /// for its customers may now be its own.
    fn processing_for_customers(&mut self) {
        let (before, after) =
            (self.old.processes_for_customers(), self.new.processes_for_customers());
        if before == after {
            return;
        }
        let summary = if after {
            "Some personal information is now held on behalf of business customers, as their service provider or processor; requests about it are referred to the customer."
        } else {
            "No personal information is held on behalf of business customers any more; requests are no longer referred to a customer."
        };
        self.push(
            ChangeKind::ProcessingForCustomersChanged,
            true,
            "systems:processor".into(),
            summary.into(),
        );
    }

    fn channels(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.channels, |c| c.id.as_str());
        let new_ids = by_id(&new.channels, |c| c.id.as_str());
        for channel in &new.channels {
            let subject = format!("channel:{}", channel.id);
            let Some(before) = old_ids.get(channel.id.as_str()).and_then(|&i| old.channels.get(i))
            else {
                self.push(
                    ChangeKind::ChannelAdded,
                    false,
                    subject,
                    format!("New way to reach us: {}.", channel_name(channel)),
                );
                continue;
            };
            let address = |c: &Channel| {
                (c.kind, c.url.clone(), c.email.clone(), c.phone.clone(), c.address.clone())
            };
            // Labels are compared as people read them: the label of an opt-out link is never
            // shown (its title is the law's), so changing it changes nothing.
            if address(before) != address(channel) {
                let same_kind = before.kind == channel.kind && label(before) == label(channel);
                let summary = match (same_kind, detail(before), detail(channel)) {
                    (true, Some(was), Some(now)) => {
                        format!("{} changes from {was} to {now}.", label(channel))
                    }
                    _ => format!("{} changes to {}.", channel_name(before), channel_name(channel)),
                };
                self.push(ChangeKind::ChannelChanged, true, subject, summary);
            } else if label(before) != label(channel) {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject,
                    format!(
                        "{} is now labelled {}.",
                        channel_name(before),
                        q(&channel_name(channel))
                    ),
                );
            }
        }
        for channel in &old.channels {
            if !new_ids.contains_key(channel.id.as_str()) {
                self.push(
                    ChangeKind::ChannelRemoved,
                    true,
                    format!("channel:{}", channel.id),
                    format!("{} is no longer a way to reach us.", channel_name(channel)),
                );
            }
        }
    }

    fn rights(&mut self) {
        let (old, new) = (self.old, self.new);
        for &right in RequestType::all() {
            let subject = format!("right:{right}");
            // (kind, material, sentence) → laws, so a change made for every law is one line.
            let mut groups: Vec<((ChangeKind, bool, String), Vec<Law>)> = Vec::new();
            let mut note = |key: (ChangeKind, bool, String), law: Law| match groups
                .iter_mut()
                .find(|(k, _)| *k == key)
            {
                Some((_, laws)) => laws.push(law),
                None => groups.push((key, vec![law])),
            };
            for &law in Law::all() {
                match (old.right_for(right, law), new.right_for(right, law)) {
                    (Some(_), None) => note(
                        (
                            ChangeKind::RightRemoved,
                            true,
                            format!("{} is no longer offered", q(right.label())),
                        ),
                        law,
                    ),
                    (None, Some(_)) => note(
                        (
                            ChangeKind::RightAdded,
                            false,
                            format!("{} is now offered", q(right.label())),
                        ),
                        law,
                    ),
                    (Some(before), Some(after)) => {
                        for key in right_changes(old, new, before, after) {
                            note(key, law);
                        }
                    }
                    (None, None) => {}
                }
            }
            for ((kind, material, sentence), laws) in groups {
                self.push(
                    kind,
                    material,
                    subject.clone(),
                    format!("{sentence} under {}.", laws_phrase(&laws)),
                );
            }
        }
    }

    fn agents(&mut self) {
        let describe = |p: &Program| {
            p.authorized_agents.as_ref().map(|a| (a.accepted, a.proof.clone(), a.consumer_confirms))
        };
        let (before, after) = (describe(self.old), describe(self.new));
        if before == after {
            return;
        }
        let subject = "authorized_agents".to_owned();
        let accepted_before = before.as_ref().is_some_and(|a| a.0);
        let accepted_after = after.as_ref().is_some_and(|a| a.0);
        if accepted_before && !accepted_after {
            self.push(
                ChangeKind::AuthorizedAgentsChanged,
                true,
                subject,
                "Requests through authorized agents are no longer accepted.".into(),
            );
            return;
        }
        if !accepted_before && accepted_after {
            self.push(
                ChangeKind::AuthorizedAgentsChanged,
                false,
                subject.clone(),
                "Requests through authorized agents are now accepted.".into(),
            );
        }
        let (Some(before), Some(after)) = (before, after) else { return };
        let added: Vec<String> = after
            .1
            .iter()
            .filter(|p| !before.1.contains(p))
            .map(|p| p.label().to_lowercase())
            .collect();
        if accepted_before && !added.is_empty() {
            self.push(
                ChangeKind::AuthorizedAgentsChanged,
                true,
                subject.clone(),
                format!("Authorized agents may now be asked for {}.", join(&added)),
            );
        }
        if !before.2 && after.2 {
            self.push(
                ChangeKind::AuthorizedAgentsChanged,
                true,
                subject,
                "People who use an authorized agent may now be asked to confirm their identity or the agent's permission themselves.".into(),
            );
        }
    }

    fn signals(&mut self) {
        let (before, after) = (&self.old.signals, &self.new.signals);
        if before.gpc != after.gpc {
            let (material, summary) = match after.gpc {
                SignalStance::Ignore => (
                    true,
                    "Global Privacy Control signals will no longer be honored as an opt-out.",
                ),
                SignalStance::Honor => {
                    (false, "Global Privacy Control signals are now honored as an opt-out.")
                }
            };
            self.push(ChangeKind::SignalsChanged, material, "signals:gpc".into(), summary.into());
        }
        if before.do_not_track != after.do_not_track {
            let (material, summary) = match after.do_not_track {
                SignalStance::Ignore => (true, "Do Not Track signals will no longer be honored."),
                SignalStance::Honor => (false, "Do Not Track signals are now honored."),
            };
            self.push(
                ChangeKind::SignalsChanged,
                material,
                "signals:do_not_track".into(),
                summary.into(),
            );
        }
        if before.third_party_tracking != after.third_party_tracking {
            let (material, summary) = if after.third_party_tracking {
                (
                    true,
                    "Other companies may now collect information about people's activity over time and across websites when they use the services.",
                )
            } else {
                (
                    false,
                    "Other companies may no longer collect information about people's activity across websites when they use the services.",
                )
            };
            self.push(
                ChangeKind::SignalsChanged,
                material,
                "signals:third_party_tracking".into(),
                summary.into(),
            );
        }
    }

    fn minors(&mut self) {
        let (before, after) = (&self.old.minors, &self.new.minors);
        let subject = || "minors".to_owned();
        if before.sells_or_shares_under_16 != after.sells_or_shares_under_16 {
            let (material, summary) = if after.sells_or_shares_under_16 {
                (
                    true,
                    "The business now knows it sells or shares personal information of consumers under 16.",
                )
            } else {
                (
                    false,
                    "The business no longer has actual knowledge of selling or sharing personal information of consumers under 16.",
                )
            };
            self.push(ChangeKind::MinorsChanged, material, subject(), summary.into());
        }
        if before.sale_under_16 != after.sale_under_16 {
            let (material, summary) = match after.sale_under_16 {
                MinorsSale::OptInRequired => (
                    true,
                    "Personal information of consumers under 16 may now be sold or shared, with their opt-in (or a parent's, under 13).",
                ),
                MinorsSale::Never => (
                    false,
                    "Personal information of consumers under 16 is no longer sold or shared at all.",
                ),
            };
            self.push(ChangeKind::MinorsChanged, material, subject(), summary.into());
        }
        if before.collects_under_13 != after.collects_under_13 {
            let (material, summary) = if after.collects_under_13 {
                (
                    true,
                    "The services now knowingly collect personal information from children under 13.",
                )
            } else {
                (
                    false,
                    "The services no longer knowingly collect personal information from children under 13.",
                )
            };
            self.push(ChangeKind::MinorsChanged, material, subject(), summary.into());
        }
        if before.gdpr_consent_age != after.gdpr_consent_age {
            let age =
                |a: Option<u8>| a.map(|a| a.to_string()).unwrap_or_else(|| "not stated".to_owned());
            // A lower age means fewer children are protected by a parent's consent.
            let material = match (before.gdpr_consent_age, after.gdpr_consent_age) {
                (Some(b), Some(a)) => a < b,
                _ => true,
            };
            self.push(
                ChangeKind::MinorsChanged,
                material,
                subject(),
                format!(
                    "The age below which a parent must consent under the GDPR changes from {} to {}.",
                    age(before.gdpr_consent_age),
                    age(after.gdpr_consent_age)
                ),
            );
        }
    }

    /// The GDPR statements (Art 13(2)(e)-(f)). Automated decisions that start, or whose
    /// logic or consequences change, are material; so is a statement the notice
    /// drops or rewords. Stating for the first time what was always so is not.
    fn gdpr(&mut self) {
        let (before, after) = (self.old.gdpr.as_ref(), self.new.gdpr.as_ref());
        let automated = |g: Option<&GdprInfo>| g.and_then(|g| g.automated_decisions);
        let logic = |g: Option<&'a GdprInfo>| -> Option<&'a str> {
            g.and_then(|g| g.automated_decisions_logic.as_deref()).map(str::trim)
        };
        let subject = || "gdpr.automated_decisions".to_owned();
        match (automated(before), automated(after)) {
            (was, Some(true)) if was != Some(true) => self.push(
                ChangeKind::AutomatedDecisionsChanged,
                true,
                subject(),
                "Decisions with legal or similarly significant effects are now made about people by automated means alone (GDPR Art 22).".into(),
            ),
            (Some(true), now) if now != Some(true) => self.push(
                ChangeKind::AutomatedDecisionsChanged,
                now.is_none(),
                subject(),
                match now {
                    Some(_) => "Decisions are no longer made about people by automated means alone.",
                    None => "The notice no longer says whether decisions are made about people by automated means alone.",
                }
                .into(),
            ),
            (Some(true), Some(true)) if logic(before) != logic(after) => self.push(
                ChangeKind::AutomatedDecisionsChanged,
                true,
                subject(),
                "What the notice says about the logic of automated decisions and their consequences for people changes.".into(),
            ),
            (Some(false), None) => self.push(
                ChangeKind::AutomatedDecisionsChanged,
                true,
                subject(),
                "The notice no longer says that no decisions are made about people by automated means alone.".into(),
            ),
            (None, Some(false)) => self.push(
                ChangeKind::AutomatedDecisionsChanged,
                false,
                subject(),
                "The notice now says that no decisions are made about people by automated means alone.".into(),
            ),
            _ => {}
        }
        let provision = |g: Option<&'a GdprInfo>| -> Option<&'a str> {
            g.and_then(|g| g.provision.as_deref()).map(str::trim).filter(|p| !p.is_empty())
        };
        let (was, now) = (provision(before), provision(after));
        if was != now {
            let summary = match now {
                Some(text) => format!(
                    "What the notice says about whether people must provide their data now reads: {}",
                    q(text)
                ),
                None => "The notice no longer says whether people must provide their data.".into(),
            };
            self.push(
                ChangeKind::ProvisionChanged,
                was.is_some(),
                "gdpr.provision".into(),
                summary,
            );
        }
    }

    fn subscriptions(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_ids = by_id(&old.subscriptions, |s| s.id.as_str());
        let new_ids = by_id(&new.subscriptions, |s| s.id.as_str());
        for subscription in &new.subscriptions {
            let subject = format!("subscription:{}", subscription.id);
            let name = q(&subscription.name);
            let Some(before) =
                old_ids.get(subscription.id.as_str()).and_then(|&i| old.subscriptions.get(i))
            else {
                self.push(
                    ChangeKind::SubscriptionChanged,
                    false,
                    subject,
                    format!("New email list: {name}."),
                );
                continue;
            };
            if before.name.trim() != subscription.name.trim() {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.clone(),
                    format!("Email list {} is now called {name}.", q(&before.name)),
                );
            }
            let (_, removed) = added_and_removed(
                &items_at(&before.unsubscribe, &old.channels, |c| c.id.as_str()),
                &items_at(&subscription.unsubscribe, &new.channels, |c| c.id.as_str()),
            );
            let removed: Vec<String> = removed.iter().map(|c| c.kind.label().to_owned()).collect();
            if !removed.is_empty() {
                self.push(
                    ChangeKind::SubscriptionChanged,
                    true,
                    subject,
                    format!(
                        "People can no longer leave {name} through {}.",
                        join(&removed).to_lowercase()
                    ),
                );
            }
        }
        for subscription in &old.subscriptions {
            if !new_ids.contains_key(subscription.id.as_str()) {
                self.push(
                    ChangeKind::SubscriptionChanged,
                    false,
                    format!("subscription:{}", subscription.id),
                    format!("Email list {} is discontinued.", q(&subscription.name)),
                );
            }
        }
    }

    fn organization(&mut self) {
        let (before, after) = (&self.old.organization, &self.new.organization);
        if before.name.trim() != after.name.trim() {
            self.push(
                ChangeKind::OrganizationChanged,
                true,
                "organization".into(),
                format!(
                    "The organization's name changes from {} to {}.",
                    q(&before.name),
                    q(&after.name)
                ),
            );
        }
        if before.legal_name != after.legal_name {
            let describe = |n: &Option<String>| {
                n.as_deref().map(q).unwrap_or_else(|| "none stated".to_owned())
            };
            self.push(
                ChangeKind::OrganizationChanged,
                true,
                "organization".into(),
                format!(
                    "The organization's legal name changes from {} to {}.",
                    describe(&before.legal_name),
                    describe(&after.legal_name)
                ),
            );
        }
        let contacts: [(&str, &str, Option<&Contact>, Option<&Contact>); 3] = [
            (
                "organization.contact",
                "privacy contact",
                Some(&before.contact),
                Some(&after.contact),
            ),
            (
                "organization.dpo",
                "data protection officer",
                before.dpo.as_ref(),
                after.dpo.as_ref(),
            ),
            (
                "organization.eu_representative",
                "EU representative",
                before.eu_representative.as_ref(),
                after.eu_representative.as_ref(),
            ),
        ];
        for (subject, what, was, now) in contacts {
            if was != now {
                self.push(
                    ChangeKind::WordingChanged,
                    false,
                    subject.into(),
                    contact_change(what, was, now),
                );
            }
        }
        if before.postal_address != after.postal_address || before.website != after.website {
            self.push(
                ChangeKind::WordingChanged,
                false,
                "organization".into(),
                "The organization's postal address or website changes.".into(),
            );
        }
        if before.supervisory_authority != after.supervisory_authority {
            let summary = match &after.supervisory_authority {
                Some(authority) => format!(
                    "The supervisory authority named in the notice is now {}.",
                    q(&authority.name)
                ),
                None => "The notice no longer names a supervisory authority.".to_owned(),
            };
            self.push(
                ChangeKind::WordingChanged,
                false,
                "organization.supervisory_authority".into(),
                summary,
            );
        }
    }

    fn notice(&mut self) {
        let (before, after) = (&self.old.notice, &self.new.notice);
        if before.effective != after.effective {
            self.push(
                ChangeKind::EffectiveDateChanged,
                false,
                "notice.effective".into(),
                format!(
                    "The effective date changes from {} to {}.",
                    before.effective.long(),
                    after.effective.long()
                ),
            );
        }
        if before.version != after.version {
            self.push(
                ChangeKind::VersionChanged,
                false,
                "notice.version".into(),
                format!(
                    "The version changes from {} to {}.",
                    q(&before.version),
                    q(&after.version)
                ),
            );
        }
        if before.changes_notified_by != after.changes_notified_by {
            self.push(
                ChangeKind::NoticeChanged,
                false,
                "notice.changes_notified_by".into(),
                "How people are told about material changes is described differently.".into(),
            );
        }
    }
}

/// Sentence fragments for a sale or sharing: "sold to", "shared with", "sold to and
/// shared with"; `None` when neither.
fn sale_words(sold: bool, shared: bool) -> Option<&'static str> {
    match (sold, shared) {
        (true, true) => Some("sold to and shared with"),
        (true, false) => Some("sold to"),
        (false, true) => Some("shared with"),
        (false, false) => None,
    }
}

/// The same fragments, for a flow that was already a sale or a sharing.
fn also(how: &'static str) -> &'static str {
    match how {
        "sold to and shared with" => "also sold to and shared with",
        "sold to" => "also sold to",
        _ => "also shared with",
    }
}

/// One (category, recipient) pair of the disclosures, merged over every disclosure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Flow<'p> {
    sold: bool,
    shared: bool,
    /// Purpose ids, borrowed from the program.
    purposes: BTreeSet<&'p str>,
}

/// The disclosures as (category id, recipient id) → flow; `None` past [`PAIRS_MAX`].
///
/// Keys borrow the program's ids, so a pair costs a few pointers rather than two new
/// strings, and a disclosure's purpose ids are looked up once, not once per pair.
fn flows(program: &Program) -> Option<BTreeMap<(&str, &str), Flow<'_>>> {
    let pairs = program.disclosures.iter().fold(0usize, |sum, d| {
        sum.saturating_add(d.categories.len().saturating_mul(d.recipients.len()))
    });
    if pairs > PAIRS_MAX {
        return None;
    }
    let mut flows: BTreeMap<(&str, &str), Flow<'_>> = BTreeMap::new();
    for disclosure in &program.disclosures {
        let purposes: Vec<&str> = disclosure
            .purposes
            .iter()
            .filter_map(|&i| program.purposes.get(i))
            .map(|p| p.id.as_str())
            .collect();
        let recipients: Vec<&str> = disclosure
            .recipients
            .iter()
            .filter_map(|&i| program.recipients.get(i))
            .map(|r| r.id.as_str())
            .collect();
        for category in disclosure.categories.iter().filter_map(|&i| program.categories.get(i)) {
            for &recipient in &recipients {
                let flow = flows.entry((category.id.as_str(), recipient)).or_default();
                flow.sold |= disclosure.sold;
                flow.shared |= disclosure.shared;
                flow.purposes.extend(purposes.iter().copied());
            }
        }
    }
    Some(flows)
}

/// The retention periods of a category, joined, for comparison and display.
fn periods(program: &Program, category: usize) -> String {
    let mut periods: Vec<String> = program
        .retention_of(category)
        .iter()
        .map(|p| p.trim().trim_end_matches('.').to_owned())
        .collect();
    periods.sort();
    if periods.is_empty() { "not stated".to_owned() } else { periods.join("; ") }
}

/// Names of the items at these indices.
fn ids_to_names<T>(indices: &[usize], items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    indices.iter().filter_map(|&i| items.get(i)).map(|item| q(name(item))).collect()
}

/// The items at these indices with their ids, in the manifest's order.
fn items_at<'p, T>(
    indices: &[usize],
    items: &'p [T],
    id: impl Fn(&'p T) -> &'p str,
) -> Vec<(&'p str, &'p T)> {
    indices.iter().filter_map(|&i| items.get(i)).map(|item| (id(item), item)).collect()
}

/// The items of `after` whose id is not in `before`, and the items of `before` whose id
/// is not in `after`, each in its list's order. Sets of ids keep it O(n log n), where
/// `Vec::contains` made it quadratic in lists of up to 10,000 items.
fn added_and_removed<'p, T>(
    before: &[(&'p str, &'p T)],
    after: &[(&'p str, &'p T)],
) -> (Vec<&'p T>, Vec<&'p T>) {
    let before_ids: BTreeSet<&str> = before.iter().map(|&(id, _)| id).collect();
    let after_ids: BTreeSet<&str> = after.iter().map(|&(id, _)| id).collect();
    let added = after.iter().filter(|(id, _)| !before_ids.contains(id)).map(|&(_, t)| t).collect();
    let removed =
        before.iter().filter(|(id, _)| !after_ids.contains(id)).map(|&(_, t)| t).collect();
    (added, removed)
}

/// What changed in one right offered under one law: channels, verification, note.
fn right_changes(
    old: &Program,
    new: &Program,
    before: &Right,
    after: &Right,
) -> Vec<(ChangeKind, bool, String)> {
    let label = q(after.right.label());
    let mut out = Vec::new();
    let (added, removed) = added_and_removed(
        &items_at(&before.channels, &old.channels, |c| c.id.as_str()),
        &items_at(&after.channels, &new.channels, |c| c.id.as_str()),
    );
    let added: Vec<String> = added.into_iter().map(channel_name).collect();
    let removed: Vec<String> = removed.into_iter().map(channel_name).collect();
    if !removed.is_empty() {
        out.push((
            ChangeKind::RightChannelsChanged,
            true,
            format!("{label} can no longer be exercised through {},", join(&removed)),
        ));
    }
    if !added.is_empty() {
        out.push((
            ChangeKind::RightChannelsChanged,
            false,
            format!("{label} can now also be exercised through {},", join(&added)),
        ));
    }
    // Asking for more proof is a burden people should know about; asking for less is not.
    let added: Vec<VerificationMethod> =
        after.verification.iter().copied().filter(|m| !before.verification.contains(m)).collect();
    let removed: Vec<VerificationMethod> =
        before.verification.iter().copied().filter(|m| !after.verification.contains(m)).collect();
    if !added.is_empty() {
        out.push((
            ChangeKind::VerificationChanged,
            true,
            format!(
                "To check who is asking, {label} now also uses {},",
                verification_names(&added)
            ),
        ));
    }
    if !removed.is_empty() {
        out.push((
            ChangeKind::VerificationChanged,
            false,
            format!(
                "To check who is asking, {label} no longer uses {},",
                verification_names(&removed)
            ),
        ));
    }
    if before.note != after.note {
        out.push((ChangeKind::WordingChanged, false, format!("The note on {label} changes,")));
    }
    out
}

fn contact_change(what: &str, was: Option<&Contact>, now: Option<&Contact>) -> String {
    match (was, now) {
        (None, Some(_)) => format!("A {what} is now named."),
        (Some(_), None) => format!("The {what} is no longer named."),
        (Some(was), Some(now)) => {
            let mut fields = Vec::new();
            if was.name != now.name {
                fields.push("name".to_owned());
            }
            if was.email != now.email {
                let describe = |e: &Option<String>| e.clone().unwrap_or_else(|| "none".to_owned());
                fields.push(format!("email ({} → {})", describe(&was.email), describe(&now.email)));
            }
            if was.phone != now.phone {
                fields.push("telephone".to_owned());
            }
            if was.postal_address != now.postal_address {
                fields.push("postal address".to_owned());
            }
            format!("The {what}'s {} changes.", join(&fields))
        }
        (None, None) => format!("The {what} is unchanged."),
    }
}

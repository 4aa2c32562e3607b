//! The California privacy policy: what the CCPA asks a privacy policy to say (R-155–R-158,
//! 11 CCR §7011), the minors and non-discrimination statements (B12, R-180), Global
//! Privacy Control treatment and the CalOPPA items.
//!
//! **Invariant:** every statement is derived from the program; where the program is
//! silent the notice says what the law guarantees anyway, never a promise the program
//! does not make. All wording is our own.

use ombud_core::{CcpaCategory, ChannelKind, Law, Reference, RequestType, SignalStance};

use super::common::{
    self, category_names, exercise_blocks, join, join_or, list, lowercase_first, purpose_names,
    recipient_names, source_names,
};
use super::doc::{Block, Document, Link, Section, Table, Text};
use crate::model::{Category, Channel, MinorsSale, Program};

/// The name of the notice, for the title and the footer.
const NAME: &str = "Privacy Notice for California Residents";

/// Builds the CCPA notice.
pub(super) fn build(program: &Program) -> Document {
    let mut sections = vec![
        collected(program),
        sources(program),
        uses(program),
        recipients(program),
        sensitive(program),
        retention(program),
        rights(program),
    ];
    sections.extend(agents(program));
    sections.push(non_discrimination());
    sections.push(choices_and_signals(program));
    sections.push(tracking(program));
    sections.push(minors(program));
    sections.extend(common::shine_the_light(program));
    sections.extend(common::subscriptions_section(program));
    sections.push(common::changes_section(program));
    sections.push(contact(program));
    Document {
        title: format!("{} {NAME}", program.organization.name),
        meta: common::meta(program),
        intro: intro(program),
        sections,
        footer: common::footer(program, NAME),
    }
}

fn intro(program: &Program) -> Vec<Block> {
    let mut laws = vec![format!("the {}", Law::Ccpa.label())];
    if program.covers(Law::Caloppa) {
        laws.push(format!("the {}", Law::Caloppa.label()));
    }
    vec![
        Block::Paragraph(Text::from(format!(
            "This notice explains how {} (“we”, “us”) collects, uses and discloses personal information about California residents, and the rights California law gives you. It describes what we did in the 12 months before the date above and what we do now.",
            program.organization.name
        ))),
        Block::Paragraph(Text::from(format!("It is our privacy policy under {}.", join(&laws)))),
        // if nothing is sold or shared, say so prominently; if it is, point to the
        // opt-out right away.
        Block::Callout(sale_statement(program)),
    ]
}

/// The prominent statement on selling and sharing.
fn sale_statement(program: &Program) -> Text {
    let (sells, shares) = (program.sells(), program.shares());
    if !sells && !shares {
        return if program.disclosures.is_empty() {
            Text::from(
                "We do not sell or share your personal information, and we do not disclose it to anyone else.",
            )
        } else {
            Text::from("We do not sell or share your personal information.")
        };
    }
    let verb = match (sells, shares) {
        (true, true) => "sell and share",
        (true, false) => "sell",
        _ => "share",
    };
    let text = Text::from(format!(
        "We {verb} some personal information. You can tell us to stop at any time"
    ));
    let link = program.channels.iter().find(|c| {
        matches!(c.kind, ChannelKind::DoNotSellLink | ChannelKind::PrivacyChoicesLink)
            && c.url.is_some()
    });
    match link {
        Some(channel) => text.plain(": ").append(opt_out_link(channel)).plain("."),
        None => text.plain(", as described under “Your rights”."),
    }
}

/// The link of an opt-out channel, titled as the law names it: the
/// statutory title, never the channel's own `label` (lowering warns about one).
fn opt_out_link(channel: &Channel) -> Text {
    let title = match channel.statutory_title() {
        Some(title) => title.to_owned(),
        // Only opt-out links are passed here; any other channel reads as it always does.
        None => channel.title(),
    };
    match &channel.url {
        Some(url) => Text::new().link(Link::Web { text: title, url: url.clone() }),
        None => Text::from(title),
    }
}

/// The CCPA category of a category, by statutory letter and name, and its
/// sensitive kind (§1798.140(ae)).
fn statutory_name(category: &Category) -> String {
    let mut name = format!("({}) {}", category.ccpa.letter(), category.ccpa.label());
    if let Some(kind) = category.sensitive {
        if category.ccpa == CcpaCategory::Sensitive {
            name.push_str(&format!(": {}", kind.label()));
        } else {
            name.push_str(&format!(". Also sensitive personal information: {}", kind.label()));
        }
    }
    name
}

/// What a category includes: its description and examples, or the statute's examples.
fn includes(category: &Category) -> String {
    let mut parts = Vec::new();
    if let Some(description) = &category.description {
        parts.push(description.trim().to_owned());
    }
    if !category.examples.is_empty() {
        parts.push(format!("Examples: {}.", category.examples.join(", ")));
    }
    if parts.is_empty() {
        parts.push(format!("Information such as {}.", category.ccpa.statutory_examples()));
    }
    parts.join(" ")
}

fn collected(program: &Program) -> Section {
    let mut section = Section::new("Personal information we collect");
    if program.categories.is_empty() {
        section.para("We do not collect personal information.");
        return section;
    }
    section.para(
        "In the last 12 months we collected the categories of personal information below. For each one, the table gives the category it belongs to under the CCPA, what it includes, where we get it, why we use it and how long we keep it.",
    );
    let rows = program
        .categories
        .iter()
        .enumerate()
        .map(|(index, category)| {
            vec![
                Text::new().strong(category.name.clone()),
                Text::from(statutory_name(category)),
                Text::from(includes(category)),
                Text::from(or_none(list(&source_names(program, &category.sources)))),
                Text::from(or_none(list(&purpose_names(program, &category.purposes)))),
                Text::from(common::retention_cell(program, index)),
            ]
        })
        .collect();
    section.table(Table {
        caption: "Categories of personal information we collect".into(),
        columns: [
            "Category",
            "CCPA category",
            "What it includes",
            "Sources",
            "Purposes",
            "How long we keep it",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    section
}

fn or_none(text: String) -> String {
    if text.is_empty() { "None".to_owned() } else { text }
}

fn sources(program: &Program) -> Section {
    let mut section = Section::new("Where we get personal information");
    if program.sources.is_empty() {
        section.para("We do not collect personal information from any source.");
        return section;
    }
    section.para("We collect personal information from these categories of sources:");
    let items = program
        .sources
        .iter()
        .enumerate()
        .map(|(index, source)| {
            let mut item = Text::new().strong(common::heading_of_item(&source.name));
            if let Some(description) = &source.description {
                item = item.plain(format!(" {}", description.trim()));
            }
            let categories =
                category_names(program, &common::categories_from_source(program, index));
            if !categories.is_empty() {
                item = item.plain(format!(" What we get: {}.", list(&categories)));
            }
            item
        })
        .collect();
    section.list(items);
    section
}

fn uses(program: &Program) -> Section {
    let mut section = Section::new("How we use personal information");
    if program.purposes.is_empty() {
        section.para("We do not use personal information for any purpose.");
        return section;
    }
    section.para("We use personal information for these business and commercial purposes:");
    let items = program
        .purposes
        .iter()
        .enumerate()
        .map(|(index, purpose)| {
            let mut item = Text::new().strong(common::heading_of_item(&purpose.name));
            if let Some(description) = &purpose.description {
                item = item.plain(format!(" {}", description.trim()));
            }
            let categories =
                category_names(program, &common::categories_for_purpose(program, index));
            if !categories.is_empty() {
                item = item.plain(format!(" Information used: {}.", list(&categories)));
            }
            if let Some(business) = purpose.business_purpose {
                item = item.plain(format!(
                    " Business purpose under the CCPA: {}.",
                    lowercase_first(business.label())
                ));
            }
            item
        })
        .collect();
    section.list(items);
    section
}

/// For one category: who it is sold to or shared with, and who receives it for a
/// business purpose, with the purposes (R-156 per category; R-071 two separate lists).
struct Flows {
    /// (recipient, sold, shared), in first-seen order.
    sold_or_shared: Vec<(usize, bool, bool)>,
    /// Recipients for a business purpose.
    business: Vec<usize>,
}

/// Collects the flows of one category. Seen-sets keep it linear in the size of the
/// disclosures, whatever the manifest.
fn flows(program: &Program, category: usize) -> Flows {
    let mut flows = Flows { sold_or_shared: Vec::new(), business: Vec::new() };
    let mut sold_at: Vec<Option<usize>> = vec![None; program.recipients.len()];
    let mut business_seen = vec![false; program.recipients.len()];
    for disclosure in program.disclosures.iter().filter(|d| d.categories.contains(&category)) {
        for &recipient in &disclosure.recipients {
            if disclosure.sold || disclosure.shared {
                match sold_at.get(recipient).copied().flatten() {
                    Some(at) => {
                        if let Some(entry) = flows.sold_or_shared.get_mut(at) {
                            entry.1 |= disclosure.sold;
                            entry.2 |= disclosure.shared;
                        }
                    }
                    None => {
                        if let Some(slot) = sold_at.get_mut(recipient) {
                            *slot = Some(flows.sold_or_shared.len());
                        }
                        flows.sold_or_shared.push((recipient, disclosure.sold, disclosure.shared));
                    }
                }
            } else if let Some(seen) = business_seen.get_mut(recipient)
                && !*seen
            {
                *seen = true;
                flows.business.push(recipient);
            }
        }
    }
    flows
}

fn recipients(program: &Program) -> Section {
    let mut section = Section::new("Who receives personal information");
    section.para(
        "Under the CCPA, “selling” personal information means giving it to another business for money or anything else of value, and “sharing” means giving it for cross-context behavioral advertising: ads chosen from your activity on other companies’ websites and apps. Giving it to a service provider or contractor that uses it only for us, under a contract, is neither.",
    );
    if !program.sells() && !program.shares() {
        section.callout("We do not sell or share your personal information.");
    }
    if program.disclosures.is_empty() {
        section.callout("We do not disclose personal information to anyone else.");
        return section;
    }
    section.para(
        "The table lists, for each category, the categories of third parties we sell it to or share it with, and the categories of recipients we disclose it to for a business purpose.",
    );
    let rows = program
        .categories
        .iter()
        .enumerate()
        .map(|(index, category)| {
            let flows = flows(program, index);
            let sold: Vec<String> = flows
                .sold_or_shared
                .iter()
                .filter_map(|&(recipient, sold, shared)| {
                    let name = &program.recipients.get(recipient)?.name;
                    let how = match (sold, shared) {
                        (true, true) => "sold and shared",
                        (true, false) => "sold",
                        _ => "shared",
                    };
                    Some(format!("{name} ({how})"))
                })
                .collect();
            let business = recipient_names(program, &flows.business);
            vec![
                Text::new().strong(category.name.clone()),
                Text::from(if sold.is_empty() {
                    "No".to_owned()
                } else {
                    format!("Yes: {}", sold.join("; "))
                }),
                Text::from(if business.is_empty() {
                    "No".to_owned()
                } else {
                    format!("Yes: {}", list(&business))
                }),
            ]
        })
        .collect();
    section.table(Table {
        caption: "Who receives each category of personal information".into(),
        columns: [
            "Category",
            "Sold or shared, and to whom",
            "Disclosed for a business purpose, and to whom",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    let mut items = Vec::new();
    for (index, recipient) in program.recipients.iter().enumerate() {
        let (categories, purposes) = common::received_by(program, index);
        if categories.is_empty() {
            continue;
        }
        let mut item = Text::new()
            .strong(recipient.name.clone())
            .plain(format!(" ({}).", recipient.role.label().to_lowercase()));
        if let Some(description) = &recipient.description {
            item = item.plain(format!(" {}", description.trim()));
        }
        item = item
            .plain(format!(" What they receive: {}.", list(&category_names(program, &categories))));
        let purposes = purpose_names(program, &purposes);
        if !purposes.is_empty() {
            item = item.plain(format!(" Why: {}.", list(&purposes)));
        }
        if recipient.contract {
            // the contract with the §1798.100(d) terms limits what they may do.
            item = item.plain(" Our contract with them limits how they may use it.");
        }
        items.push(item);
    }
    if !items.is_empty() {
        section.para("The categories of recipients, what they receive and why:");
        section.list(items);
    }
    section
}

/// Purposes of a sensitive category that go beyond what 11 CCR §7027(m) permits
/// without a right to limit (same reading as lint L006; ).
fn beyond_permitted(program: &Program) -> Vec<usize> {
    let mut beyond = Vec::new();
    let mut seen = vec![false; program.purposes.len()];
    for category in
        program.categories.iter().filter(|c| c.sensitive.is_some() && c.infers_characteristics)
    {
        for &purpose in &category.purposes {
            let permitted = program
                .purposes
                .get(purpose)
                .is_some_and(|p| p.business_purpose.is_some_and(|b| b.permits_sensitive_use()));
            if let Some(seen) = seen.get_mut(purpose)
                && !permitted
                && !*seen
            {
                *seen = true;
                beyond.push(purpose);
            }
        }
    }
    beyond
}

fn sensitive(program: &Program) -> Section {
    let mut section = Section::new("Sensitive personal information");
    let sensitive: Vec<usize> = (0..program.categories.len())
        .filter(|&i| program.categories.get(i).is_some_and(|c| c.sensitive.is_some()))
        .collect();
    if sensitive.is_empty() {
        section.para("We do not collect sensitive personal information.");
        return section;
    }
    section.para(format!(
        "Some of the information we collect is sensitive personal information under the CCPA: {}.",
        list(&category_names(program, &sensitive))
    ));
    // a statement of whether sensitive PI is used beyond §7027(m).
    let beyond = beyond_permitted(program);
    let limit = program.right_for(RequestType::LimitSensitive, Law::Ccpa).is_some();
    if beyond.is_empty() {
        section.para(
            "We use and disclose it only for purposes the CCPA allows without offering a right to limit, such as providing the goods and services you ask for and keeping our services secure.",
        );
    } else {
        section.para(format!(
            "We use sensitive personal information for some purposes beyond those the CCPA allows without offering you a choice: {}.",
            list(&purpose_names(program, &beyond))
        ));
    }
    let no_inference: Vec<usize> = sensitive
        .iter()
        .copied()
        .filter(|&i| program.categories.get(i).is_some_and(|c| !c.infers_characteristics))
        .collect();
    if !no_inference.is_empty() {
        // these are outside the right to limit, which the notice should explain.
        section.para(format!(
            "We do not use the following to infer characteristics about you: {}.",
            list(&category_names(program, &no_inference))
        ));
    }
    if limit {
        section.para(format!(
            "You can tell us to limit our use of your sensitive personal information to what is needed to provide the goods and services you ask for: see “{}” under “Your rights”.",
            RequestType::LimitSensitive.label()
        ));
    } else if !beyond.is_empty() {
        section.para("We do not currently offer a way to limit this use.");
    }
    section
}

fn retention(program: &Program) -> Section {
    let mut section = Section::new("How long we keep personal information");
    let items = common::retention_items(program);
    if items.is_empty() {
        section.para("We have not set retention periods for personal information.");
        return section;
    }
    section.para("We keep each category of personal information for the period below, or decide how long using the criteria given:");
    section.list(items);
    section
}

/// What a right means, in plain words, under the CCPA.
fn meaning(right: RequestType, program: &Program) -> String {
    match right {
        RequestType::Know => "You can ask us what personal information we have collected about you: the categories, where we got it, why we collected, sold or shared it, and the categories of third parties we disclosed it to. We cover the 12 months before your request and, if you ask, information collected since 1 January 2022 unless that is impossible or would take disproportionate effort.".into(),
        RequestType::Access => "You can ask for a copy of the specific pieces of personal information we hold about you, in a format that is easy to use and, where we can, that you can move to another service. For your security we never send numbers such as a Social Security number, account passwords or biometric data; we tell you that we hold them instead.".into(),
        RequestType::Delete => "You can ask us to delete personal information we collected from you. We also tell our service providers and contractors, and the third parties we sold or shared it with, to delete it. The law lets us keep some information, for example to complete a transaction or meet a legal obligation; if we keep any, we tell you why.".into(),
        RequestType::Correct => "You can ask us to correct personal information about you that is inaccurate. We consider what you tell us and the information we hold, correct our records and tell our service providers and contractors to do the same.".into(),
        RequestType::OptOutSaleShare => {
            let mut text = "You can tell us not to sell or share your personal information. You do not need to prove who you are, and we act on it as soon as we can and within 15 business days. After you opt out we wait at least 12 months before asking you to change your mind.".to_owned();
            if !program.sells() && !program.shares() {
                text.push_str(" We do not sell or share personal information today, but we will keep your choice if that changes.");
            }
            text
        }
        RequestType::LimitSensitive => "You can tell us to use and disclose your sensitive personal information only as needed to provide the goods and services you ask for, and for the few other purposes the law allows. You do not need to prove who you are, and we act on it within 15 business days.".into(),
        RequestType::Portability => "You can ask us to give you your personal information in a structured, commonly used, machine-readable format, or to send it to another business where that is technically possible.".into(),
        RequestType::Restrict => "You can ask us to limit how we use your personal information while a question about it is resolved.".into(),
        RequestType::Object => "You can object to how we use your personal information.".into(),
        RequestType::WithdrawConsent => "Where we use personal information because you agreed to it, you can withdraw that agreement at any time.".into(),
        RequestType::ShineTheLight => "You can ask which personal information we disclosed to other companies for their own direct marketing.".into(),
        RequestType::Appeal => "If we decline a request, you can ask us to reconsider.".into(),
    }
}

fn rights(program: &Program) -> Section {
    let mut section = Section::new("Your rights");
    // Shine the Light has its own section (R-214: its own heading).
    let rights: Vec<_> = common::rights_under(program, Law::Ccpa)
        .into_iter()
        .filter(|r| r.right != RequestType::ShineTheLight)
        .collect();
    if rights.is_empty() {
        section.para("This program does not currently offer rights requests under the CCPA. Contact us with any question about your personal information.");
        return section;
    }
    section.para(
        "As a California resident you have the rights below. You do not need an account with us to use them, and using them is free.",
    );
    let verifiable = rights.iter().any(|r| r.right.is_ccpa_verifiable());
    if verifiable {
        // acknowledgement in 10 business days, answer in 45 calendar days,
        // one extension of 45 with notice inside the first 45.
        section.para(
            "We confirm that we received a request to know, access, delete or correct within 10 business days and answer it within 45 calendar days. If we need more time, we tell you why within those 45 days and take at most 45 more.",
        );
        // verification data is used only for verification.
        section.para(
            "We use the information you give us to confirm your identity only for that purpose.",
        );
    }
    if program.processes_for_customers() {
        // as a service provider we do not act on requests about a customer's
        // data ourselves; the customer (the business) does.
        section.para(
            "Some personal information we hold on behalf of our business customers, as their service provider. For that information the customer decides how it is used, so please send your request to the customer; we help them answer it.",
        );
    }
    for right in rights {
        let mut subsection = Section::new(right.right.label());
        subsection.para(meaning(right.right, program));
        if right.right == RequestType::Delete {
            let exceptions = common::declared_exceptions(program, false);
            if !exceptions.is_empty() {
                subsection
                    .para("These are the exceptions we rely on today, and what they let us keep:");
                subsection.list(exceptions);
            }
        }
        exercise_blocks(program, right, &mut subsection);
        section.subsections.push(subsection);
    }
    section
}

fn agents(program: &Program) -> Option<Section> {
    let agents = program.authorized_agents.as_ref()?;
    let mut section = Section::new("Authorized agents");
    if !agents.accepted {
        section.para("We do not accept requests made through an authorized agent. Please contact us directly.");
        return Some(section);
    }
    // a natural person or a business registered with the Secretary of State.
    section.para(
        "You can ask someone else to make a request for you. This authorized agent can be a person or a business registered with the California Secretary of State.",
    );
    if !agents.proof.is_empty() {
        let proofs: Vec<String> = agents.proof.iter().map(|p| lowercase_first(p.label())).collect();
        section.para(format!("The agent must show us {}.", join_or(&proofs)));
    }
    if agents.consumer_confirms {
        // R-060(b)-(c), R-061: not when the agent holds a power of attorney.
        section.para(
            "Unless the agent holds a power of attorney, we may also ask you to confirm your identity with us directly, or to confirm that you gave the agent permission.",
        );
    }
    if program.signals.gpc == SignalStance::Honor {
        // an opt-out sent as a preference signal needs no signed permission.
        section.para("An agent can also opt you out of sale and sharing by sending a Global Privacy Control signal for you.");
    }
    Some(section)
}

fn non_discrimination() -> Section {
    // Civ. Code §1798.125(a)(1), always stated.
    let mut section = Section::new("We will not discriminate against you");
    section.para(
        "We will not treat you differently because you used a right described in this notice. We will not deny you goods or services, charge you a different price or rate, give you a different level or quality of goods or services, or suggest that any of these might happen. We will not retaliate against an employee, job applicant or contractor for using these rights.",
    );
    section
}

fn choices_and_signals(program: &Program) -> Section {
    let mut section = Section::new("Opt-out links and Global Privacy Control");
    let links: Vec<Text> = program
        .channels
        .iter()
        .filter_map(|channel| {
            let what = match channel.kind {
                ChannelKind::DoNotSellLink => "opt out of the sale and sharing of your personal information.",
                ChannelKind::LimitLink => "limit the use of your sensitive personal information.",
                ChannelKind::PrivacyChoicesLink => {
                    "opt out of the sale and sharing of your personal information and limit the use of your sensitive personal information, in one place."
                }
                _ => return None,
            };
            Some(opt_out_link(channel).plain(format!(": {what}")))
        })
        .collect();
    if links.is_empty() {
        if program.sells() || program.shares() {
            section.para(format!(
                "To opt out of the sale or sharing of your personal information, use the ways listed under “{}”.",
                RequestType::OptOutSaleShare.label()
            ));
        } else {
            section.para(
                "We do not sell or share personal information, so our website has no “Do Not Sell or Share My Personal Information” link.",
            );
        }
    } else {
        // the links people use to opt out and to limit.
        section.para("You can make these choices on our website at any time:");
        section.list(links);
    }
    // how the signal is treated, and how conflicts with earlier choices are resolved.
    match program.signals.gpc {
        SignalStance::Honor => {
            // browser or device, linked profiles and, if known, the account.
            section.para(
                "We treat a Global Privacy Control (GPC) signal from your browser as a valid request to opt out of the sale and sharing of your personal information. It applies to the browser or device that sends it and any profile linked to it, and, if we know who you are (for example because you are signed in), to your account as well. You do not need to give us anything else.",
            );
            // the signal wins over an earlier opt-in; its absence later is
            // not an opt-in. R-324: it is not a deletion request.
            section.para(
                "If the signal conflicts with an earlier choice you made to allow sale or sharing, we follow the signal, and we may ask whether you want to make an exception for us. A later visit without the signal does not undo your opt-out. The signal is not a request to delete your information.",
            );
        }
        SignalStance::Ignore => {
            if program.sells() || program.shares() {
                section.para("We do not currently act on Global Privacy Control (GPC) signals.");
            } else {
                section.para(
                    "We do not sell or share personal information, so a Global Privacy Control (GPC) signal has nothing to opt you out of, and we do not act on it.",
                );
            }
        }
    }
    section
}

fn tracking(program: &Program) -> Section {
    let mut section = Section::new("Do Not Track and tracking by other companies");
    let mut dnt = Text::from(common::do_not_track(program));
    if program.signals.do_not_track == SignalStance::Ignore {
        dnt = dnt.plain(" Global Privacy Control is treated as described above.");
    }
    section.para(dnt);
    section.para(common::tracking_by_others(program));
    if program.covers(Law::Caloppa) {
        section.para(common::review_and_change(program));
    }
    section
}

fn minors(program: &Program) -> Section {
    let mut section = Section::new("Children and teenagers");
    let minors = &program.minors;
    // a statement on actual knowledge of selling or sharing under-16s' data.
    if minors.sells_or_shares_under_16 {
        section.para("We know that some of the personal information we sell or share belongs to consumers under 16.");
    } else {
        section.para("We do not have actual knowledge that we sell or share the personal information of consumers under 16.");
    }
    match minors.sale_under_16 {
        MinorsSale::Never => {
            section.para("We do not sell or share the personal information of consumers we know are under 16.");
        }
        MinorsSale::OptInRequired => {
            // opt-in by the teenager (13–15, in two steps) or a verified
            // parent (under 13); a refusal is respected for at least 12 months.
            section.para(
                "We sell or share the personal information of a consumer we know is under 16 only if they opt in: consumers aged 13 to 15 opt in themselves, and for a child under 13 a parent or guardian must opt in.",
            );
            section.list(vec![
                Text::from("A teenager opts in in two steps: they ask, then confirm their choice separately."),
                Text::from("For a child under 13, we use a reasonable method to check that the person opting in is the child’s parent or guardian."),
                Text::from("If the consumer or parent does not opt in, we wait at least 12 months, or until the consumer turns 16, before asking again."),
                Text::from("An opt-in can be withdrawn at any time by opting out as described in this notice."),
            ]);
        }
    }
    if minors.collects_under_13 {
        section.para(
            "Some of our services collect personal information from children under 13. A parent or guardian can use the rights in this notice on their child’s behalf.",
        );
    } else {
        section.para("We do not knowingly collect personal information from children under 13.");
    }
    section
}

fn contact(program: &Program) -> Section {
    let mut section = Section::new("Contact us");
    section.para("If you have questions about this notice or how we handle personal information, contact us:");
    section.list(common::organization_contact_items(program));
    // the policy must be accessible (11 CCR §7003).
    section.para("If you need this notice in another format, for example because of a disability, contact us and we will provide it.");
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_opt_out_links_follow_the_statute() {
        let channel = |kind| Channel {
            id: "x".into(),
            kind,
            url: Some("https://example.com/x".into()),
            email: None,
            phone: None,
            address: None,
            label: None,
            span: crate::span::Span::default(),
        };
        assert_eq!(
            opt_out_link(&channel(ChannelKind::DoNotSellLink)).to_plain(),
            "Do Not Sell or Share My Personal Information"
        );
        assert_eq!(
            opt_out_link(&channel(ChannelKind::PrivacyChoicesLink)).to_plain(),
            "Your Privacy Choices"
        );
        assert_eq!(channel(ChannelKind::LimitLink).title(), ChannelKind::LimitLink.label());
        // a custom label never becomes the link's text or its name in a list.
        let labelled = Channel {
            label: Some("Click here to win".into()),
            ..channel(ChannelKind::DoNotSellLink)
        };
        assert_eq!(
            opt_out_link(&labelled).to_plain(),
            "Do Not Sell or Share My Personal Information"
        );
        assert_eq!(labelled.title(), ChannelKind::DoNotSellLink.label());
        // of the two titles §7015 allows, the manifest may choose the other one.
        let california = Channel {
            label: Some("Your California Privacy Choices".into()),
            ..channel(ChannelKind::PrivacyChoicesLink)
        };
        assert_eq!(opt_out_link(&california).to_plain(), "Your California Privacy Choices");
    }
}

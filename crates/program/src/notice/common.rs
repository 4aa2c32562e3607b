//! Pieces both notices share: names looked up by index, channels and how to use them,
//! verification, contact details, retention, email lists and how changes are announced.
//!
//! **Invariant:** total. Indices come from a [`Program`] and are looked up with `.get()`;
//! an index out of range (possible only in a program with errors) is skipped, never a
//! panic.

use ombud_core::{
    ChannelKind, Law, Reference, RequestType, RetentionReason, SignalStance, VerificationMethod,
};

use super::doc::{Link, Section, Text};
use crate::model::{Channel, Contact, Program, Right};

/// Names of the categories at these indices, in the given order.
pub(super) fn category_names(program: &Program, indices: &[usize]) -> Vec<String> {
    indices.iter().filter_map(|&i| program.categories.get(i)).map(|c| c.name.clone()).collect()
}

/// Names of the sources at these indices.
pub(super) fn source_names(program: &Program, indices: &[usize]) -> Vec<String> {
    indices.iter().filter_map(|&i| program.sources.get(i)).map(|s| s.name.clone()).collect()
}

/// Names of the purposes at these indices.
pub(super) fn purpose_names(program: &Program, indices: &[usize]) -> Vec<String> {
    indices.iter().filter_map(|&i| program.purposes.get(i)).map(|p| p.name.clone()).collect()
}

/// Names of the recipients at these indices.
pub(super) fn recipient_names(program: &Program, indices: &[usize]) -> Vec<String> {
    indices.iter().filter_map(|&i| program.recipients.get(i)).map(|r| r.name.clone()).collect()
}

/// Joins names the way a sentence lists them: "a", "a and b", "a, b and c".
pub(super) fn join(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Lists names from the manifest, separated by semicolons: names such as "Ride and
/// fitness data" contain "and" themselves, so joining them with "and" would be ambiguous.
pub(super) fn list(names: &[String]) -> String {
    names.iter().map(|name| name.trim()).collect::<Vec<_>>().join("; ")
}

/// Joins names with "or" instead of "and".
pub(super) fn join_or(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The indices of the purposes that use a category, in the program's order.
pub(super) fn categories_for_purpose(program: &Program, purpose: usize) -> Vec<usize> {
    (0..program.categories.len())
        .filter(|&i| program.categories.get(i).is_some_and(|c| c.purposes.contains(&purpose)))
        .collect()
}

/// The indices of the categories that come from a source.
pub(super) fn categories_from_source(program: &Program, source: usize) -> Vec<usize> {
    (0..program.categories.len())
        .filter(|&i| program.categories.get(i).is_some_and(|c| c.sources.contains(&source)))
        .collect()
}

/// One channel as a list item: "**Online form:** https://…".
pub(super) fn channel_item(channel: &Channel) -> Text {
    let mut text = Text::new().strong(format!("{}:", channel.title()));
    let mut details: Vec<Text> = Vec::new();
    if let Some(url) = &channel.url {
        details.push(Text::new().link(Link::Web { text: url.clone(), url: url.clone() }));
    }
    if let Some(email) = &channel.email {
        details.push(Text::new().link(Link::Email(email.clone())));
    }
    if let Some(phone) = &channel.phone {
        details.push(Text::new().link(Link::Phone(phone.clone())));
    }
    if let Some(address) = &channel.address {
        details.push(Text::from(address.clone()));
    }
    if details.is_empty() {
        // Kinds that need no address still tell people where to look.
        let hint = match channel.kind {
            ChannelKind::Account => "sign in and open your account settings.",
            ChannelKind::UnsubscribeLink => "at the end of every marketing email we send you.",
            ChannelKind::InPerson => "ask any member of our staff.",
            _ => "contact us using the details at the end of this notice.",
        };
        return text.plain(format!(" {hint}"));
    }
    for (index, detail) in details.into_iter().enumerate() {
        text = text.plain(if index == 0 { " " } else { "; " }).append(detail);
    }
    text
}

/// The channels at these indices as list items.
pub(super) fn channel_items(program: &Program, indices: &[usize]) -> Vec<Text> {
    indices.iter().filter_map(|&i| program.channels.get(i)).map(channel_item).collect()
}

/// The "how to ask" and "how we check it is you" paragraphs of one right.
pub(super) fn exercise_blocks(program: &Program, right: &Right, section: &mut Section) {
    let items = channel_items(program, &right.channels);
    match items.len() {
        0 => section
            .para("To use this right, contact us using the details at the end of this notice."),
        1 => {
            section.para(Text::new().strong("How to ask:"));
            section.list(items);
        }
        _ => {
            section.para(Text::new().strong("How to ask:").plain(" use any of these."));
            section.list(items);
        }
    }
    let methods: Vec<VerificationMethod> =
        right.verification.iter().copied().filter(|m| *m != VerificationMethod::None).collect();
    let checking = Text::new().strong("Checking it is you:");
    match methods.as_slice() {
        // opt-outs and requests to limit never require verification; for other
        // rights the program declares none.
        [] => section.para(checking.plain(
            " we do not ask you to prove who you are for this request. We ask only for what we need to act on it.",
        )),
        [only] => section.para(checking.plain(format!(
            " to protect your information, we confirm the request comes from you this way: {}.",
            lowercase_first(only.label())
        ))),
        _ => {
            section.para(checking.plain(
                " to protect your information, we confirm the request comes from you, using one or more of these methods depending on what you ask for and whether you have an account with us:",
            ));
            section.list(methods.iter().map(|m| Text::from(m.label())).collect());
        }
    }
    if let Some(note) = &right.note {
        section.para(Text::new().strong("Please note:").plain(format!(" {note}")));
    }
}

/// The bold start of a list item naming something from the manifest: "Name." (a colon
/// after a name that ends in punctuation would read badly).
pub(super) fn heading_of_item(name: &str) -> String {
    let name = name.trim();
    if name.ends_with(['.', '!', '?', ':']) { name.to_owned() } else { format!("{name}.") }
}

/// The rights offered under a law, in the manifest's order.
pub(super) fn rights_under(program: &Program, law: Law) -> Vec<&Right> {
    program.rights.iter().filter(|r| r.laws.contains(&law)).collect()
}

/// Contact details as list items: name, email, phone, postal address.
pub(super) fn contact_items(contact: &Contact) -> Vec<Text> {
    let mut items = Vec::new();
    if let Some(name) = &contact.name {
        items.push(Text::new().strong("Name:").plain(format!(" {name}")));
    }
    if let Some(email) = &contact.email {
        items.push(Text::new().strong("Email:").plain(" ").link(Link::Email(email.clone())));
    }
    if let Some(phone) = &contact.phone {
        items.push(Text::new().strong("Telephone:").plain(" ").link(Link::Phone(phone.clone())));
    }
    if let Some(address) = &contact.postal_address {
        items.push(Text::new().strong("Post:").plain(format!(" {address}")));
    }
    items
}

/// The organization's privacy contact, with its postal address and website.
pub(super) fn organization_contact_items(program: &Program) -> Vec<Text> {
    let organization = &program.organization;
    let mut items = Vec::new();
    let name = match &organization.legal_name {
        Some(legal) if legal != &organization.name => format!(" {} ({legal})", organization.name),
        _ => format!(" {}", organization.name),
    };
    items.push(Text::new().strong("Organization:").plain(name));
    let mut contact = organization.contact.clone();
    if contact.postal_address.is_none() {
        contact.postal_address.clone_from(&organization.postal_address);
    }
    items.extend(contact_items(&contact));
    if let Some(website) = &organization.website {
        items.push(
            Text::new()
                .strong("Website:")
                .plain(" ")
                .link(Link::Web { text: website.clone(), url: website.clone() }),
        );
    }
    items
}

/// "How long we keep it": one item per retention rule (R-153, Art 13(2)(a)).
pub(super) fn retention_items(program: &Program) -> Vec<Text> {
    program
        .retention
        .iter()
        .map(|rule| {
            let names = category_names(program, &rule.categories);
            Text::new().strong(format!("{}:", list(&names))).plain(format!(" {}", rule.period))
        })
        .collect()
}

/// The deletion exceptions the program's systems declare, for one family of law: what
/// is kept, under which exception and for how long. A notice that lists them tells
/// people in advance what a deletion request will not remove.
/// The same list is what `diff` compares, from [`Program::deletion_exceptions`].
pub(super) fn declared_exceptions(program: &Program, gdpr: bool) -> Vec<Text> {
    program
        .deletion_exceptions()
        .into_iter()
        .filter(|exception| matches!(exception.reason, RetentionReason::Gdpr(_)) == gdpr)
        .map(|exception| {
            let reason = exception.reason;
            let mut text =
                Text::new().strong(reason.label()).plain(format!(" ({})", reason.citation()));
            let names = category_names(program, &exception.categories);
            if !names.is_empty() {
                text = text.plain(format!(": {}", list(&names)));
            }
            if !exception.periods.is_empty() {
                text = text.plain(format!(", kept for {}", exception.periods.join("; ")));
            }
            text.plain(".")
        })
        .collect()
}

/// The retention periods of one category, joined for a table cell.
pub(super) fn retention_cell(program: &Program, category: usize) -> String {
    let periods = program.retention_of(category);
    if periods.is_empty() { "Not stated".to_owned() } else { periods.join("; ") }
}

/// "Email lists", when there are any: how to leave each one. Leaving is free and needs
/// nothing beyond the address and a single step (CAN-SPAM, R-300–R-302).
pub(super) fn subscriptions_section(program: &Program) -> Option<Section> {
    if program.subscriptions.is_empty() {
        return None;
    }
    let mut section = Section::new("Email lists");
    section.para(
        "You can leave any of our email lists at any time, free of charge, and we act on it within 10 business days. Leaving a list does not stop messages we must send you about an order or your account.",
    );
    for subscription in &program.subscriptions {
        let mut item =
            Text::new().strong(format!("{}.", subscription.name.trim().trim_end_matches('.')));
        if let Some(purpose) = subscription.purpose.and_then(|p| program.purposes.get(p)) {
            item = item.plain(format!(" Purpose: {}.", purpose.name.trim().trim_end_matches('.')));
        }
        let ways = channel_items(program, &subscription.unsubscribe);
        if ways.is_empty() {
            section.para(item.plain(" To leave it, contact us."));
        } else {
            section.para(item.plain(" To leave it, use any of these:"));
            section.list(ways);
        }
    }
    Some(section)
}

/// "Changes to this notice" (CalOPPA §22575(b)(3), R-221(3); R-155 yearly review).
pub(super) fn changes_section(program: &Program) -> Section {
    let mut section = Section::new("Changes to this notice");
    section.para(format!(
        "We review this notice at least once every 12 months. This version ({}) took effect on {}.",
        program.notice.version,
        program.notice.effective.long()
    ));
    match &program.notice.changes_notified_by {
        Some(how) => section.para(Text::new().strong("How we tell you about a material change:").plain(format!(" {how}"))),
        None => section.para(
            "When we make a material change, we publish the new notice here with its new effective date before the change applies.",
        ),
    }
    section
}

/// How Do Not Track is answered (CalOPPA §22575(b)(5), R-221(5)).
pub(super) fn do_not_track(program: &Program) -> &'static str {
    match program.signals.do_not_track {
        SignalStance::Honor => {
            "We honor Do Not Track (DNT) signals: when your browser sends one, we do not collect information about your online activities over time and across other websites through that browser."
        }
        SignalStance::Ignore => {
            "Our websites and apps do not change what they collect when a browser sends a Do Not Track (DNT) signal."
        }
    }
}

/// The categories a recipient receives and the purposes, over every disclosure, in
/// first-seen order. Seen-sets keep it linear in the size of the disclosures.
pub(super) fn received_by(program: &Program, recipient: usize) -> (Vec<usize>, Vec<usize>) {
    let mut categories = Vec::new();
    let mut purposes = Vec::new();
    let mut category_seen = vec![false; program.categories.len()];
    let mut purpose_seen = vec![false; program.purposes.len()];
    for disclosure in program.disclosures.iter().filter(|d| d.recipients.contains(&recipient)) {
        for &category in &disclosure.categories {
            if let Some(seen) = category_seen.get_mut(category)
                && !*seen
            {
                *seen = true;
                categories.push(category);
            }
        }
        for &purpose in &disclosure.purposes {
            if let Some(seen) = purpose_seen.get_mut(purpose)
                && !*seen
            {
                *seen = true;
                purposes.push(purpose);
            }
        }
    }
    (categories, purposes)
}

/// Whether other parties may track people across sites (CalOPPA §22575(b)(6), R-221(6)).
pub(super) fn tracking_by_others(program: &Program) -> &'static str {
    if program.signals.third_party_tracking {
        "Other companies may collect information about your online activities over time and across different websites when you use our services."
    } else {
        "We do not allow other companies to collect information about your online activities over time and across different websites when you use our services."
    }
}

/// How to review and ask to change personal information (CalOPPA §22575(b)(2), R-221(2)).
pub(super) fn review_and_change(program: &Program) -> &'static str {
    let can_review = program.rights.iter().any(|right| {
        matches!(right.right, RequestType::Know | RequestType::Access | RequestType::Correct)
    });
    if can_review {
        "You can review the personal information we hold about you and ask us to change it using the rights described under “Your rights”."
    } else {
        "To review or change the personal information we hold about you, contact us."
    }
}

/// The Shine the Light section (Civ. Code §1798.83; ), when the right is
/// offered under any law: it is a California right whichever law the manifest files it
/// under, and R-214 asks for its own heading.
pub(super) fn shine_the_light(program: &Program) -> Option<Section> {
    let right = program.rights.iter().find(|r| r.right == RequestType::ShineTheLight)?;
    let mut section = Section::new("Your California Privacy Rights (Shine the Light)");
    section.para(
        "California’s “Shine the Light” law (Civil Code §1798.83) lets customers who live in California ask us, once a year and free of charge, for the categories of personal information we disclosed to other companies for their own direct marketing in the previous calendar year, and the names and addresses of those companies.",
    );
    // 30 days from receipt at the designated contact.
    section
        .para("We answer within 30 days of receiving your request through one of the ways below.");
    exercise_blocks(program, right, &mut section);
    Some(section)
}

/// The lines under the title: effective date and version (R-155, R-221(4)).
pub(super) fn meta(program: &Program) -> Vec<Text> {
    vec![
        Text::new()
            .strong("Effective and last updated:")
            .plain(format!(" {}", program.notice.effective.long()))
            .plain(" · ")
            .strong("Version:")
            .plain(format!(" {}", program.notice.version)),
    ]
}

/// The footer: who publishes the notice and which version it is.
pub(super) fn footer(program: &Program, what: &str) -> Vec<Text> {
    vec![Text::from(format!(
        "{} · {what} · Version {} · Effective {}",
        program.organization.name,
        program.notice.version,
        program.notice.effective.long()
    ))]
}

/// "Online form" → "online form", but "Do Not Sell…" labels in quotes stay as written.
pub(super) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // Keep acronyms and proper names ("GPC", "EU") as they are.
        Some(first) if first.is_uppercase() && !chars.next().is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_a_sentence() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(join(&names(&[])), "");
        assert_eq!(join(&names(&["a"])), "a");
        assert_eq!(join(&names(&["a", "b"])), "a and b");
        assert_eq!(join_or(&names(&["a", "b", "c"])), "a, b or c");
        assert_eq!(lowercase_first("Online form"), "online form");
        assert_eq!(lowercase_first("GPC signal"), "GPC signal");
    }
}

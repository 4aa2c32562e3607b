//! The GDPR notice: the information Art 13 and Art 14 require, the rights
//! of Art 15–21 with how to use them, consent withdrawal (Art 7(3), R-253),
//! the right to complain (Art 77) and children's consent (Art 8, R-254).
//!
//! **Invariant:** every statement is derived from the program; where the program is
//! silent the notice says what the GDPR guarantees anyway, and never a fact about us it
//! was not told: the statements on automated decisions (Art 13(2)(f)) and on whether data
//! must be provided (Art 13(2)(e)) appear only when the manifest's `gdpr:` block declares
//! them, and a processor's contract only when `contract: true`. The right to complain is
//! always present. All wording is our own.

use ombud_core::{GdprLawfulBasis, Law, RecipientRole, Reference, RequestType, SignalStance};

use super::common::{
    self, category_names, exercise_blocks, join, list, lowercase_first, purpose_names, source_names,
};
use super::doc::{Block, Document, Link, Section, Table, Text};
use crate::model::{Program, Recipient};

/// The name of the notice, for the title and the footer.
const NAME: &str = "Privacy Notice (GDPR)";

/// Builds the GDPR notice.
pub(super) fn build(program: &Program) -> Document {
    let mut sections = vec![who_we_are(program), data(program), purposes(program)];
    sections.extend(provision(program));
    sections.push(recipients(program));
    sections.push(transfers(program));
    sections.push(retention(program));
    sections.push(rights(program));
    sections.extend(consent(program));
    sections.push(complaints(program));
    sections.extend(automated_decisions(program));
    sections.push(children(program));
    sections.push(signals(program));
    sections.extend(california(program));
    sections.extend(common::subscriptions_section(program));
    sections.push(common::changes_section(program));
    Document {
        title: format!("{} {NAME}", program.organization.name),
        meta: common::meta(program),
        intro: intro(program),
        sections,
        footer: common::footer(program, NAME),
    }
}

fn intro(program: &Program) -> Vec<Block> {
    vec![Block::Paragraph(Text::from(format!(
        "This notice explains how {} (“we”, “us”) uses personal data about you and the rights you have under the EU General Data Protection Regulation (GDPR). It covers data we collect from you and data we receive about you from others (GDPR Articles 13 and 14).",
        program.organization.name
    )))]
}

/// Purposes whose lawful basis is consent, in the manifest's order.
fn consent_purposes(program: &Program) -> Vec<usize> {
    (0..program.purposes.len())
        .filter(|&i| {
            program.purposes.get(i).is_some_and(|p| p.gdpr_basis == Some(GdprLawfulBasis::Consent))
        })
        .collect()
}

fn who_we_are(program: &Program) -> Section {
    let organization = &program.organization;
    let mut section = Section::new("Who we are");
    // Art 13(1)(a): identity and contact details of the controller.
    let controller = organization.legal_name.as_deref().unwrap_or(&organization.name);
    section.para(format!(
        "{controller} is the controller of your personal data: we decide why and how it is used. You can reach us about anything in this notice here:"
    ));
    section.list(common::organization_contact_items(program));
    if program.processes_for_customers() {
        // Art 28: for data we process for a customer, the customer is the controller
        // and answers requests; we assist it (Art 28(3)(e)).
        section.para(
            "We also process some personal data on behalf of our business customers, as their processor. For that data the customer is the controller: please send requests about it to the customer, and we will help them answer.",
        );
    }
    // Art 13(1)(b): the data protection officer, where there is one.
    let mut dpo = Section::new("Data protection officer");
    match &organization.dpo {
        Some(contact) => {
            dpo.para("You can contact our data protection officer directly:");
            dpo.list(common::contact_items(contact));
        }
        None => dpo.para(
            "We have not appointed a data protection officer. For any question about your personal data, use the contact details above.",
        ),
    }
    section.subsections.push(dpo);
    // Art 13(1)(a), Art 27: the representative in the Union, where one is required.
    if let Some(representative) = &organization.eu_representative {
        let mut rep = Section::new("Our representative in the EU");
        rep.para("Our representative in the European Union, whom you can also contact about your personal data:");
        rep.list(common::contact_items(representative));
        section.subsections.push(rep);
    }
    section
}

fn data(program: &Program) -> Section {
    let mut section = Section::new("The personal data we use");
    if program.categories.is_empty() {
        section.para("We do not use personal data about you.");
        return section;
    }
    // Art 14(1)(d), 14(2)(f): categories of data and their source.
    section.para("We use these categories of personal data, from the sources shown:");
    let rows = program
        .categories
        .iter()
        .map(|category| {
            let mut includes = Vec::new();
            if let Some(description) = &category.description {
                includes.push(description.trim().to_owned());
            }
            if !category.examples.is_empty() {
                includes.push(format!("Examples: {}.", category.examples.join(", ")));
            }
            let special = match category.gdpr_special {
                Some(kind) => {
                    format!("Yes: {} ({})", lowercase_first(kind.label()), kind.citation())
                }
                None => "No".to_owned(),
            };
            let sources = list(&source_names(program, &category.sources));
            vec![
                Text::new().strong(category.name.clone()),
                Text::from(if includes.is_empty() { "—".to_owned() } else { includes.join(" ") }),
                Text::from(special),
                Text::from(if sources.is_empty() { "Not stated".to_owned() } else { sources }),
            ]
        })
        .collect();
    section.table(Table {
        caption: "Categories of personal data".into(),
        columns: ["Category", "What it includes", "Special category", "Where it comes from"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    if program.categories.iter().any(|c| c.gdpr_special.is_some()) {
        section.para(
            "Special categories of personal data (GDPR Articles 9 and 10) get extra protection. We use them only for the purposes and on the legal basis shown below.",
        );
    }
    let items: Vec<Text> = program
        .sources
        .iter()
        .filter_map(|source| {
            // The table names every source; the list adds the descriptions.
            let description = source.description.as_ref()?;
            Some(
                Text::new()
                    .strong(common::heading_of_item(&source.name))
                    .plain(format!(" {}", description.trim())),
            )
        })
        .collect();
    if !items.is_empty() {
        section.para("Our sources:");
        section.list(items);
    }
    section
}

fn purposes(program: &Program) -> Section {
    let mut section = Section::new("Why we use it and our legal basis");
    if program.purposes.is_empty() {
        section.para("We do not use personal data for any purpose.");
        return section;
    }
    // Art 13(1)(c)-(d): purposes with their legal basis and the legitimate interests.
    section.para("For each purpose, the table gives the legal basis the GDPR allows us to rely on, and the data we use:");
    let rows = program
        .purposes
        .iter()
        .enumerate()
        .map(|(index, purpose)| {
            let mut name = Text::new().strong(purpose.name.clone());
            if let Some(description) = &purpose.description {
                name = Text::new()
                    .strong(common::heading_of_item(&purpose.name))
                    .plain(format!(" {}", description.trim()));
            }
            let basis = match purpose.gdpr_basis {
                Some(basis) => {
                    let mut text = format!("{} ({})", basis.label(), basis.citation());
                    if basis == GdprLawfulBasis::LegitimateInterests
                        && let Some(interest) = &purpose.legitimate_interest
                    {
                        text.push_str(&format!(". Our interest: {}", interest.trim()));
                    }
                    text
                }
                None => "Not stated".to_owned(),
            };
            let data =
                list(&category_names(program, &common::categories_for_purpose(program, index)));
            vec![
                name,
                Text::from(basis),
                Text::from(if data.is_empty() { "None".to_owned() } else { data }),
            ]
        })
        .collect();
    section.table(Table {
        caption: "Purposes and legal bases".into(),
        columns: ["Purpose", "Legal basis", "Personal data used"].map(String::from).to_vec(),
        rows,
    });
    if program.purposes.iter().any(|p| p.gdpr_basis == Some(GdprLawfulBasis::LegitimateInterests)) {
        // Art 21(1): the right to object is tied to legitimate interests.
        section.para(
            "Where we rely on our legitimate interests, you can object at any time on grounds relating to your situation: see “Your rights”.",
        );
    }
    section
}

/// How a recipient stands towards the data, in GDPR terms (Art 4(7)-(8), Art 28).
/// Only a declared contract is claimed: Art 28(3) makes the contract the place where a
/// processor is bound to our instructions, so without one (lint L018) the notice says
/// only that it processes the data for us.
fn role(recipient: &Recipient) -> &'static str {
    match recipient.role {
        RecipientRole::ServiceProvider | RecipientRole::Contractor if recipient.contract => {
            "Processor: uses the data only on our instructions, under a contract"
        }
        RecipientRole::ServiceProvider | RecipientRole::Contractor => {
            "Processor: processes the data on our behalf"
        }
        RecipientRole::ThirdParty => "Separate controller: decides for itself how to use the data",
        RecipientRole::Affiliate => "A company in our group, as a separate controller",
        RecipientRole::Government => {
            "Public authority: receives data where the law requires us to disclose it"
        }
    }
}

fn recipients(program: &Program) -> Section {
    let mut section = Section::new("Who receives it");
    // Art 13(1)(e): recipients or categories of recipients.
    let mut rows = Vec::new();
    for (index, recipient) in program.recipients.iter().enumerate() {
        let (categories, purposes) = common::received_by(program, index);
        if categories.is_empty() {
            continue;
        }
        let mut name = Text::new().strong(recipient.name.clone());
        if let Some(description) = &recipient.description {
            name = Text::new()
                .strong(common::heading_of_item(&recipient.name))
                .plain(format!(" {}", description.trim()));
        }
        let purposes = purpose_names(program, &purposes);
        rows.push(vec![
            name,
            Text::from(role(recipient)),
            Text::from(list(&category_names(program, &categories))),
            Text::from(if purposes.is_empty() {
                "As described above".to_owned()
            } else {
                list(&purposes)
            }),
        ]);
    }
    if rows.is_empty() {
        section.para("We do not disclose your personal data to anyone outside our organization.");
        return section;
    }
    section.para("We disclose personal data to these categories of recipients:");
    section.table(Table {
        caption: "Recipients of personal data".into(),
        columns: ["Recipient", "Their role", "Personal data they receive", "Why"]
            .map(String::from)
            .to_vec(),
        rows,
    });
    section
}

fn transfers(program: &Program) -> Section {
    let mut section = Section::new("Transfers outside the EEA");
    // Art 13(1)(f): transfers to third countries, the safeguards and how to get a copy.
    let items: Vec<Text> = program
        .recipients
        .iter()
        .enumerate()
        .filter(|(index, r)| {
            !r.transfers.is_empty()
                && program.disclosures.iter().any(|d| d.recipients.contains(index))
        })
        .map(|(_, recipient)| {
            let mut item = Text::new()
                .strong(format!("{}:", recipient.name))
                .plain(format!(" {}.", join(&recipient.transfers)));
            match &recipient.transfer_safeguard {
                Some(safeguard) => {
                    item = item
                        .plain(format!(" Safeguard: {}.", safeguard.trim().trim_end_matches('.')))
                }
                None => item = item.plain(" Ask us which safeguard applies."),
            }
            item
        })
        .collect();
    if items.is_empty() {
        section.para("We do not transfer your personal data to countries outside the European Economic Area (EEA).");
        return section;
    }
    section.para("Some recipients receive personal data in countries outside the European Economic Area (EEA):");
    section.list(items);
    section.para(
        "You can ask us for a copy of these safeguards using the contact details in “Who we are”.",
    );
    section
}

fn retention(program: &Program) -> Section {
    let mut section = Section::new("How long we keep it");
    // Art 13(2)(a): the period, or the criteria used to decide it.
    let items = common::retention_items(program);
    if items.is_empty() {
        section.para(
            "We have not set retention periods for personal data. Ask us how long we keep yours.",
        );
        return section;
    }
    section.para("We keep each category of personal data for the period below, or decide how long using the criteria given:");
    section.list(items);
    section
}

/// What a right means, in plain words, under the GDPR.
fn meaning(right: RequestType) -> Vec<Text> {
    let text = match right {
        RequestType::Know => {
            "You can ask us to confirm whether we use personal data about you and, if we do, what data, why, where it came from, who receives it and how long we keep it (Article 15)."
        }
        RequestType::Access => {
            "You can ask for a copy of the personal data we hold about you (Article 15). The first copy is free; if you ask electronically, we reply in a commonly used electronic format."
        }
        RequestType::Delete => {
            "You can ask us to erase your personal data, for example when we no longer need it, when you withdraw your consent and we have no other legal basis, or when you object and we have no overriding reason to continue (Article 17). We may keep data the law requires us to keep, or that we need to establish, exercise or defend legal claims; if so, we tell you why. We tell everyone we disclosed the data to, unless that is impossible or would take disproportionate effort."
        }
        RequestType::Correct => {
            "You can ask us to correct inaccurate personal data about you, and to complete data that is incomplete, including by giving us a supplementary statement (Article 16). We tell everyone we disclosed the data to, unless that is impossible or would take disproportionate effort."
        }
        RequestType::Restrict => {
            "You can ask us to stop using your data, except to store it, while we check whether it is accurate or whether your objection succeeds; when our use is unlawful but you prefer us to keep the data; or when we no longer need it but you need it for a legal claim (Article 18). We tell you before we lift a restriction."
        }
        RequestType::Object => {
            "You can object to our use of your data based on our legitimate interests or on a task in the public interest, on grounds relating to your situation. We then stop, unless we have compelling legitimate grounds that override your interests, or need the data for legal claims (Article 21)."
        }
        RequestType::Portability => {
            "Where we use data you gave us on the basis of your consent or a contract, and by automated means, you can ask to receive it in a structured, commonly used, machine-readable format, or ask us to send it directly to another organization where that is technically possible (Article 20)."
        }
        RequestType::WithdrawConsent => {
            "Where we rely on your consent, you can withdraw it at any time, as easily as you gave it. Withdrawing does not affect what we did with your consent before you withdrew it (Article 7(3))."
        }
        RequestType::OptOutSaleShare => {
            "You can tell us not to sell your personal data or share it for advertising based on your activity on other websites and apps."
        }
        RequestType::LimitSensitive => {
            "You can tell us to use sensitive personal data only as needed to provide the services you ask for."
        }
        RequestType::ShineTheLight => {
            "You can ask which personal data we disclosed to other companies for their own direct marketing."
        }
        RequestType::Appeal => {
            "If we decline a request, you can ask us to review our decision. You can also complain to a supervisory authority at any time."
        }
    };
    let mut texts = vec![Text::from(text)];
    if right == RequestType::Object {
        // Art 21(2)-(4), R-266: the objection to direct marketing is absolute and must be
        // presented clearly and separately.
        texts.push(Text::new().strong(
            "You can object at any time to our use of your data for direct marketing, including profiling for it. We then stop, and you do not need to give a reason.",
        ));
    }
    texts
}

fn rights(program: &Program) -> Section {
    let mut section = Section::new("Your rights");
    let has_consent_section = !consent_purposes(program).is_empty();
    let rights: Vec<_> = common::rights_under(program, Law::Gdpr)
        .into_iter()
        // Withdrawal has its own section when consent is relied on (Art 7(3)).
        .filter(|r| !(has_consent_section && r.right == RequestType::WithdrawConsent))
        .collect();
    // free, one month, extendable by two with reasons in the first month.
    section.para(
        "You have the rights below over your personal data. Using them is free. We answer without undue delay and within one month of receiving your request. If a request is complex or we receive many, we may take up to two more months; if so, we tell you why within the first month. If we decide not to act on a request, we tell you why within one month, and you can complain to a supervisory authority or go to court.",
    );
    // more information only where there are reasonable doubts about identity.
    section.para("We ask for more information to confirm your identity only when we have reasonable doubts about who is making the request.");
    if rights.is_empty() {
        section.para("To use any of these rights, contact us using the details in “Who we are”.");
        return section;
    }
    for right in rights {
        let mut subsection = Section::new(right.right.label());
        for text in meaning(right.right) {
            subsection.para(text);
        }
        if right.right == RequestType::Delete {
            let exceptions = common::declared_exceptions(program, true);
            if !exceptions.is_empty() {
                subsection.para("These are the grounds on which we keep some data after a request to erase it (Article 17(3)):");
                subsection.list(exceptions);
            }
        }
        exercise_blocks(program, right, &mut subsection);
        section.subsections.push(subsection);
    }
    section
}

fn consent(program: &Program) -> Option<Section> {
    let purposes = consent_purposes(program);
    if purposes.is_empty() {
        return None;
    }
    // Art 7(3), Art 13(2)(c), R-253: withdrawal at any time, as easy as giving consent,
    // and not retroactive.
    let mut section = Section::new("Withdrawing your consent");
    section.para("We rely on your consent for these purposes:");
    section.list(purpose_names(program, &purposes).into_iter().map(Text::from).collect());
    section.para(
        "You can withdraw your consent at any time, as easily as you gave it. Withdrawing does not make what we did before unlawful, and it does not affect data we use on another legal basis.",
    );
    match program.right_for(RequestType::WithdrawConsent, Law::Gdpr) {
        Some(right) => exercise_blocks(program, right, &mut section),
        None => {
            section.para("To withdraw your consent, contact us using the details in “Who we are”.")
        }
    }
    Some(section)
}

fn complaints(program: &Program) -> Section {
    let mut section = Section::new("Your right to complain");
    // Art 13(2)(d), Art 77: always stated, whether or not an authority is named.
    section.para(
        "You have the right to complain to a data protection supervisory authority, in particular in the EU or EEA country where you live, where you work or where you think your rights were infringed. You do not have to contact us first.",
    );
    match &program.organization.supervisory_authority {
        Some(authority) => {
            let mut text = Text::new().plain("The supervisory authority responsible for us is ").strong(authority.name.clone());
            if let Some(url) = &authority.url {
                text = text.plain(": ").link(Link::Web { text: url.clone(), url: url.clone() });
            }
            section.para(text.plain("."));
        }
        None => section.para(
            "Every EU and EEA country has a supervisory authority; the European Data Protection Board publishes the list of them.",
        ),
    }
    section
}

/// Art 13(2)(f), Art 22, R-267: the existence of automated decision-making and, where
/// there is some, the logic involved and its significance and consequences. Only what
/// the manifest declares: with nothing declared there is no section (lint L033).
fn automated_decisions(program: &Program) -> Option<Section> {
    let info = program.gdpr.as_ref()?;
    let mut section = Section::new("Automated decisions");
    match info.automated_decisions? {
        false => section.para(
            "We do not make decisions about you based solely on automated processing, including profiling, that have legal effects on you or affect you in a similarly significant way.",
        ),
        true => {
            section.para(
                "We make some decisions about you based solely on automated processing, including profiling, that have legal effects on you or affect you in a similarly significant way (Article 22).",
            );
            if let Some(logic) = info.automated_decisions_logic.as_deref() {
                section.para(
                    Text::new()
                        .strong("How these decisions are made and what they mean for you:")
                        .plain(format!(" {}", logic.trim())),
                );
            }
            // Art 22(3): what the GDPR itself guarantees when such a decision rests on a
            // contract or on explicit consent; stated as the law's, not as our promise.
            section.para(
                "Where such a decision is necessary for a contract with you or based on your explicit consent, you have the right to have a person review it, to express your point of view and to contest the decision (Article 22(3)). You can use it through the contact details in “Who we are”.",
            );
        }
    }
    Some(section)
}

/// Art 13(2)(e): whether providing the data is required by law or by contract or to
/// enter into a contract, whether people must provide it, and the consequences of not
/// providing it. Only what the manifest declares (lint L034 asks for it).
fn provision(program: &Program) -> Option<Section> {
    let text = program.gdpr.as_ref()?.provision.as_deref()?.trim();
    if text.is_empty() {
        return None;
    }
    let mut section = Section::new("Do you have to give us your data?");
    section.para(text.to_owned());
    Some(section)
}

fn children(program: &Program) -> Section {
    let mut section = Section::new("Children");
    // Art 8(1)-(2), R-254: parental consent below the consent age, reasonably verified.
    let age = match program.minors.gdpr_consent_age {
        Some(age) => format!("under {age}"),
        None => "under 16, or under the lower age set by the law of their country (never below 13)"
            .to_owned(),
    };
    section.para(format!(
        "Where we rely on consent to offer an online service directly to a child, we ask for the consent of a parent or guardian if the child is {age}, and we make reasonable efforts to check it."
    ));
    if program.minors.collects_under_13 {
        section.para("Some of our services collect personal data from children under 13. A parent or guardian can use the rights in this notice on their child’s behalf.");
    } else {
        section.para("We do not knowingly collect personal data from children under 13.");
    }
    section
}

fn signals(program: &Program) -> Section {
    let mut section = Section::new("Browser privacy signals");
    // how Global Privacy Control is treated, per jurisdiction.
    match program.signals.gpc {
        SignalStance::Honor => {
            section.para(
                "If your browser sends a Global Privacy Control (GPC) signal, we treat it as a request not to sell your personal data or share it for advertising based on your activity on other websites. It applies to that browser or device and, if we know who you are, to your account. It does not withdraw consents you gave us for other purposes, and it is not a request to erase your data.",
            );
            if !program.sells() && !program.shares() {
                section.para("We do not sell personal data or share it for that kind of advertising today; if that changes, the signal will already apply.");
            }
        }
        SignalStance::Ignore => {
            section.para("We do not currently act on Global Privacy Control (GPC) signals.")
        }
    }
    section.para(common::do_not_track(program));
    if !consent_purposes(program).is_empty() {
        section.para(
            "To withdraw a consent, use the ways described under “Withdrawing your consent”.",
        );
    }
    section
}

/// CalOPPA items and Shine the Light for a program under CalOPPA but not
/// the CCPA: its GDPR notice is the only policy it publishes, so it carries them. (Under
/// the CCPA they are in the California notice.)
fn california(program: &Program) -> Option<Section> {
    if !program.covers(Law::Caloppa) || program.covers(Law::Ccpa) {
        return None;
    }
    let mut section = Section::new("California residents");
    section.para(format!(
        "This notice is also our privacy policy under the {} ({}). It describes the categories of personal information we collect and the categories of recipients we share it with, how we respond to Do Not Track signals (under “Browser privacy signals”), how we tell you about changes, and its effective date.",
        Law::Caloppa.label(),
        Law::Caloppa.citation()
    ));
    section.para(common::tracking_by_others(program));
    section.para(common::review_and_change(program));
    section.subsections.extend(common::shine_the_light(program));
    Some(section)
}

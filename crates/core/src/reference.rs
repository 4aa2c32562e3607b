//! Reference data from the law, kept as data (REGULATIONS.md §h).
//!
//! Every table here is a closed enum with a stable `id` (how a manifest spells it),
//! a `label` (how a person reads it; for CCPA categories the statutory name, R-002)
//! and a `citation` (where the law says so). Manifests refer to these by id, and
//! `ombud schema` lists the ids, so the vocabulary lives in exactly one place.

/// A closed table of reference data: every value has an id, a label and a citation.
pub trait Reference: Copy + Sized + 'static {
    /// What kind of thing this is, in words ("CCPA category").
    const KIND: &'static str;
    /// Every value, in the order the law lists them.
    fn all() -> &'static [Self];
    /// The stable id a manifest uses.
    fn id(self) -> &'static str;
    /// The name a person reads.
    fn label(self) -> &'static str;
    /// Where the law defines it.
    fn citation(self) -> &'static str;
    /// Looks a value up by its id (exact match).
    fn from_id(id: &str) -> Option<Self> {
        Self::all().iter().copied().find(|value| value.id() == id)
    }
    /// All ids, for suggestions and schemas.
    fn ids() -> Vec<&'static str> {
        Self::all().iter().map(|value| value.id()).collect()
    }
}

macro_rules! reference {
    (
        $(#[$meta:meta])*
        $name:ident, kind = $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = ($id:literal, $label:literal, $cite:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl Reference for $name {
            const KIND: &'static str = $kind;
            fn all() -> &'static [Self] {
                &[$($name::$variant),+]
            }
            fn id(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }
            fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            fn citation(self) -> &'static str {
                match self { $($name::$variant => $cite),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }
    };
}

reference! {
    /// A law a program declares itself subject to.
    Law, kind = "jurisdiction" {
        /// California Consumer Privacy Act as amended by the CPRA.
        Ccpa = ("ccpa", "California Consumer Privacy Act (CCPA/CPRA)", "Cal. Civ. Code §1798.100 et seq."),
        /// California Online Privacy Protection Act.
        Caloppa = ("caloppa", "California Online Privacy Protection Act (CalOPPA)", "Cal. Bus. & Prof. Code §§22575–22579"),
        /// EU General Data Protection Regulation.
        Gdpr = ("gdpr", "General Data Protection Regulation (GDPR)", "Regulation (EU) 2016/679"),
        /// Virginia Consumer Data Protection Act.
        Virginia = ("virginia", "Virginia Consumer Data Protection Act", "Va. Code §59.1-575 et seq."),
        /// Colorado Privacy Act.
        Colorado = ("colorado", "Colorado Privacy Act", "C.R.S. §6-1-1301 et seq."),
        /// Connecticut Data Privacy Act.
        Connecticut = ("connecticut", "Connecticut Data Privacy Act", "Conn. Gen. Stat. §42-515 et seq."),
        /// Texas Data Privacy and Security Act.
        Texas = ("texas", "Texas Data Privacy and Security Act", "Tex. Bus. & Com. Code §541.001 et seq."),
        /// Oregon Consumer Privacy Act.
        Oregon = ("oregon", "Oregon Consumer Privacy Act", "ORS 646A.570 et seq."),
        /// Utah Consumer Privacy Act.
        Utah = ("utah", "Utah Consumer Privacy Act", "Utah Code §13-61-101 et seq."),
    }
}

impl Law {
    /// US state comprehensive privacy laws other than California's (REGULATIONS.md B20).
    pub fn is_us_state_law(self) -> bool {
        matches!(
            self,
            Law::Virginia | Law::Colorado | Law::Connecticut | Law::Texas | Law::Oregon | Law::Utah
        )
    }
}

reference! {
    /// The CCPA statutory categories of personal information (Civ. Code §1798.140(v)(1)(A)–(L)).
    /// Notices must use these names, not free-text labels.
    CcpaCategory, kind = "CCPA category" {
        /// (A) Identifiers.
        Identifiers = ("identifiers", "Identifiers", "Civ. Code §1798.140(v)(1)(A)"),
        /// (B) Customer records information, §1798.80(e).
        CustomerRecords = ("customer_records", "Personal information described in Civil Code §1798.80(e)", "Civ. Code §1798.140(v)(1)(B)"),
        /// (C) Characteristics of protected classifications.
        ProtectedClassifications = ("protected_classifications", "Characteristics of protected classifications under California or federal law", "Civ. Code §1798.140(v)(1)(C)"),
        /// (D) Commercial information.
        Commercial = ("commercial", "Commercial information", "Civ. Code §1798.140(v)(1)(D)"),
        /// (E) Biometric information.
        Biometric = ("biometric", "Biometric information", "Civ. Code §1798.140(v)(1)(E)"),
        /// (F) Internet or other electronic network activity information.
        InternetActivity = ("internet_activity", "Internet or other electronic network activity information", "Civ. Code §1798.140(v)(1)(F)"),
        /// (G) Geolocation data.
        Geolocation = ("geolocation", "Geolocation data", "Civ. Code §1798.140(v)(1)(G)"),
        /// (H) Audio, electronic, visual, thermal, olfactory or similar information.
        Sensory = ("sensory", "Audio, electronic, visual, thermal, olfactory, or similar information", "Civ. Code §1798.140(v)(1)(H)"),
        /// (I) Professional or employment-related information.
        Professional = ("professional", "Professional or employment-related information", "Civ. Code §1798.140(v)(1)(I)"),
        /// (J) Education information (non-public, FERPA).
        Education = ("education", "Education information", "Civ. Code §1798.140(v)(1)(J)"),
        /// (K) Inferences drawn to create a profile.
        Inferences = ("inferences", "Inferences drawn from any of the information identified in this subdivision to create a profile about a consumer", "Civ. Code §1798.140(v)(1)(K)"),
        /// (L) Sensitive personal information (see [`SensitiveKind`]).
        Sensitive = ("sensitive", "Sensitive personal information", "Civ. Code §1798.140(v)(1)(L)"),
    }
}

impl CcpaCategory {
    /// The statute's letter for the category, (A) to (L).
    pub fn letter(self) -> char {
        match self {
            CcpaCategory::Identifiers => 'A',
            CcpaCategory::CustomerRecords => 'B',
            CcpaCategory::ProtectedClassifications => 'C',
            CcpaCategory::Commercial => 'D',
            CcpaCategory::Biometric => 'E',
            CcpaCategory::InternetActivity => 'F',
            CcpaCategory::Geolocation => 'G',
            CcpaCategory::Sensory => 'H',
            CcpaCategory::Professional => 'I',
            CcpaCategory::Education => 'J',
            CcpaCategory::Inferences => 'K',
            CcpaCategory::Sensitive => 'L',
        }
    }

    /// A short list of what the statute gives as examples, in our own words.
    pub fn statutory_examples(self) -> &'static str {
        match self {
            CcpaCategory::Identifiers => {
                "name, alias, postal or email address, account name, IP address, online or other unique identifiers, government ID numbers"
            }
            CcpaCategory::CustomerRecords => {
                "name, signature, address, phone number, financial, insurance, medical or employment details kept in customer records"
            }
            CcpaCategory::ProtectedClassifications => {
                "age, sex, race, religion, national origin, disability, veteran status and other protected characteristics"
            }
            CcpaCategory::Commercial => {
                "products or services bought, obtained or considered, and purchasing or consuming histories"
            }
            CcpaCategory::Biometric => {
                "physiological, biological or behavioral characteristics used to establish identity"
            }
            CcpaCategory::InternetActivity => {
                "browsing and search history, and interactions with a website, application or advertisement"
            }
            CcpaCategory::Geolocation => "physical location or movements",
            CcpaCategory::Sensory => {
                "audio, electronic, visual, thermal, olfactory or similar information, such as recordings and photographs"
            }
            CcpaCategory::Professional => "current or past job history and professional details",
            CcpaCategory::Education => "education records that are not publicly available",
            CcpaCategory::Inferences => {
                "a profile reflecting preferences, characteristics, predispositions, behavior or aptitudes"
            }
            CcpaCategory::Sensitive => {
                "the kinds of sensitive personal information listed in §1798.140(ae)"
            }
        }
    }
}

reference! {
    /// Kinds of sensitive personal information (Civ. Code §1798.140(ae); REGULATIONS.md H2).
    SensitiveKind, kind = "sensitive-PI kind" {
        /// SPI-1A: SSN, driver's license, state ID or passport number.
        GovernmentId = ("government_id", "Social security, driver's license, state identification card, or passport number", "Civ. Code §1798.140(ae)(1)(A)"),
        /// SPI-1B: account log-in or card number with its access credentials.
        AccountLogin = ("account_login", "Account log-in, financial account, debit card, or credit card number in combination with any required security or access code, password, or credentials allowing access to an account", "Civ. Code §1798.140(ae)(1)(B)"),
        /// SPI-1C: precise geolocation (within 1,850 feet).
        PreciseGeolocation = ("precise_geolocation", "Precise geolocation", "Civ. Code §1798.140(ae)(1)(C)"),
        /// SPI-1D: racial or ethnic origin, citizenship or immigration status, beliefs, union membership.
        OriginBeliefsUnion = ("origin_beliefs_union", "Racial or ethnic origin, citizenship or immigration status, religious or philosophical beliefs, or union membership", "Civ. Code §1798.140(ae)(1)(D)"),
        /// SPI-1E: contents of mail, email and text messages not addressed to the business.
        CommunicationsContent = ("communications_content", "Contents of mail, email, and text messages, unless the business is the intended recipient of the communication", "Civ. Code §1798.140(ae)(1)(E)"),
        /// SPI-1F: genetic data.
        Genetic = ("genetic", "Genetic data", "Civ. Code §1798.140(ae)(1)(F)"),
        /// SPI-1G: neural data (SB 1223).
        Neural = ("neural", "Neural data", "Civ. Code §1798.140(ae)(1)(G)"),
        /// SPI-2A: biometric information processed to identify a consumer.
        BiometricIdentification = ("biometric_identification", "Biometric information processed for the purpose of uniquely identifying a consumer", "Civ. Code §1798.140(ae)(2)(A)"),
        /// SPI-2B: health information.
        Health = ("health", "Personal information collected and analyzed concerning a consumer's health", "Civ. Code §1798.140(ae)(2)(B)"),
        /// SPI-2C: sex life or sexual orientation.
        SexLifeOrientation = ("sex_life_orientation", "Personal information collected and analyzed concerning a consumer's sex life or sexual orientation", "Civ. Code §1798.140(ae)(2)(C)"),
    }
}

impl SensitiveKind {
    /// Values a response to a request to know must never disclose; it says that the
    /// business holds them instead (R-074, 11 CCR §7024(d)).
    pub fn never_disclosed(self) -> bool {
        matches!(
            self,
            SensitiveKind::GovernmentId
                | SensitiveKind::AccountLogin
                | SensitiveKind::BiometricIdentification
        )
    }
}

reference! {
    /// GDPR special categories of personal data (Art 9(1)) and criminal-offence data (Art 10).
    GdprSpecialCategory, kind = "GDPR special category" {
        /// Racial or ethnic origin.
        RacialEthnicOrigin = ("racial_ethnic_origin", "Racial or ethnic origin", "GDPR Art 9(1)"),
        /// Political opinions.
        PoliticalOpinions = ("political_opinions", "Political opinions", "GDPR Art 9(1)"),
        /// Religious or philosophical beliefs.
        ReligiousBeliefs = ("religious_beliefs", "Religious or philosophical beliefs", "GDPR Art 9(1)"),
        /// Trade union membership.
        TradeUnion = ("trade_union", "Trade union membership", "GDPR Art 9(1)"),
        /// Genetic data.
        Genetic = ("genetic", "Genetic data", "GDPR Art 9(1)"),
        /// Biometric data for unique identification.
        Biometric = ("biometric", "Biometric data processed to uniquely identify a person", "GDPR Art 9(1)"),
        /// Data concerning health.
        Health = ("health", "Data concerning health", "GDPR Art 9(1)"),
        /// Sex life or sexual orientation.
        SexLifeOrientation = ("sex_life_orientation", "Data concerning sex life or sexual orientation", "GDPR Art 9(1)"),
        /// Criminal convictions and offences.
        CriminalOffences = ("criminal_offences", "Personal data relating to criminal convictions and offences", "GDPR Art 10"),
    }
}

reference! {
    /// GDPR lawful bases for processing (Art 6(1); R-250).
    GdprLawfulBasis, kind = "GDPR lawful basis" {
        /// (a) Consent.
        Consent = ("consent", "Your consent", "GDPR Art 6(1)(a)"),
        /// (b) Contract or pre-contract steps.
        Contract = ("contract", "Performance of a contract with you, or steps you asked for before one", "GDPR Art 6(1)(b)"),
        /// (c) Legal obligation.
        LegalObligation = ("legal_obligation", "Compliance with a legal obligation", "GDPR Art 6(1)(c)"),
        /// (d) Vital interests.
        VitalInterests = ("vital_interests", "Protection of vital interests", "GDPR Art 6(1)(d)"),
        /// (e) Public task.
        PublicTask = ("public_task", "A task in the public interest or in the exercise of official authority", "GDPR Art 6(1)(e)"),
        /// (f) Legitimate interests.
        LegitimateInterests = ("legitimate_interests", "Our legitimate interests", "GDPR Art 6(1)(f)"),
    }
}

reference! {
    /// CCPA deletion exceptions (Civ. Code §1798.105(d); REGULATIONS.md H3). Denials cite one.
    CcpaDeletionException, kind = "CCPA deletion exception" {
        /// D1: complete the transaction, warranty, recall, ongoing relationship, contract.
        D1 = ("D1", "To complete a transaction, provide a good or service you asked for, honor a warranty or recall, or otherwise perform a contract with you", "Civ. Code §1798.105(d)(1)"),
        /// D2: security and integrity.
        D2 = ("D2", "To help ensure security and integrity, as far as reasonably necessary and proportionate", "Civ. Code §1798.105(d)(2)"),
        /// D3: debugging.
        D3 = ("D3", "To find and repair errors that impair intended functionality", "Civ. Code §1798.105(d)(3)"),
        /// D4: free speech or another legal right.
        D4 = ("D4", "To exercise free speech, protect another person's free speech, or exercise another right provided by law", "Civ. Code §1798.105(d)(4)"),
        /// D5: California Electronic Communications Privacy Act.
        D5 = ("D5", "To comply with the California Electronic Communications Privacy Act", "Civ. Code §1798.105(d)(5)"),
        /// D6: research with informed consent.
        D6 = ("D6", "For public-interest research you consented to, where deletion would make it impossible or seriously impair it", "Civ. Code §1798.105(d)(6)"),
        /// D7: solely internal uses aligned with expectations.
        D7 = ("D7", "For solely internal uses that match what you would expect from your relationship with us", "Civ. Code §1798.105(d)(7)"),
        /// D8: legal obligation.
        D8 = ("D8", "To comply with a legal obligation", "Civ. Code §1798.105(d)(8)"),
    }
}

reference! {
    /// GDPR grounds to refuse erasure (Art 17(3); REGULATIONS.md H4; R-262).
    GdprErasureException, kind = "GDPR erasure exception" {
        /// (a) Freedom of expression and information.
        A = ("G-a", "To exercise the right of freedom of expression and information", "GDPR Art 17(3)(a)"),
        /// (b) Legal obligation or public task.
        B = ("G-b", "To comply with a legal obligation, or for a task in the public interest or official authority", "GDPR Art 17(3)(b)"),
        /// (c) Public health.
        C = ("G-c", "For reasons of public interest in public health", "GDPR Art 17(3)(c)"),
        /// (d) Archiving, research or statistics.
        D = ("G-d", "For archiving in the public interest, research or statistics, where erasure would seriously impair it", "GDPR Art 17(3)(d)"),
        /// (e) Legal claims.
        E = ("G-e", "To establish, exercise or defend legal claims", "GDPR Art 17(3)(e)"),
    }
}

/// A legal reason to keep data after a deletion request: a CCPA or a GDPR exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetentionReason {
    /// A §1798.105(d) exception.
    Ccpa(CcpaDeletionException),
    /// An Art 17(3) exception.
    Gdpr(GdprErasureException),
}

impl RetentionReason {
    /// Looks a reason up by its code (`D1`–`D8`, `G-a`–`G-e`).
    pub fn from_id(id: &str) -> Option<Self> {
        CcpaDeletionException::from_id(id)
            .map(RetentionReason::Ccpa)
            .or_else(|| GdprErasureException::from_id(id).map(RetentionReason::Gdpr))
    }
    /// Every code, CCPA first.
    pub fn ids() -> Vec<&'static str> {
        let mut ids = CcpaDeletionException::ids();
        ids.extend(GdprErasureException::ids());
        ids
    }
    /// The code.
    pub fn id(self) -> &'static str {
        match self {
            RetentionReason::Ccpa(code) => code.id(),
            RetentionReason::Gdpr(code) => code.id(),
        }
    }
    /// What the exception allows, in words.
    pub fn label(self) -> &'static str {
        match self {
            RetentionReason::Ccpa(code) => code.label(),
            RetentionReason::Gdpr(code) => code.label(),
        }
    }
    /// Where the law says so.
    pub fn citation(self) -> &'static str {
        match self {
            RetentionReason::Ccpa(code) => code.citation(),
            RetentionReason::Gdpr(code) => code.citation(),
        }
    }
}

reference! {
    /// Types of rights request (DESIGN.md; REGULATIONS.md H5 for the CCPA codes).
    RequestType, kind = "right" {
        /// Know the categories collected, sources, purposes and recipients.
        Know = ("know", "Right to know what we collect and why", "Civ. Code §1798.110; GDPR Art 15(1)"),
        /// Access the specific pieces, get a copy.
        Access = ("access", "Right to access and get a copy of your personal information", "Civ. Code §1798.110(a)(5), §1798.130(a)(2)(B); GDPR Art 15(3)"),
        /// Delete.
        Delete = ("delete", "Right to delete your personal information", "Civ. Code §1798.105; GDPR Art 17"),
        /// Correct.
        Correct = ("correct", "Right to correct inaccurate personal information", "Civ. Code §1798.106; GDPR Art 16"),
        /// Opt out of sale or sharing (or targeted advertising under state laws).
        OptOutSaleShare = ("opt_out_sale_share", "Right to opt out of the sale or sharing of your personal information", "Civ. Code §1798.120; 11 CCR §7026"),
        /// Limit the use of sensitive personal information.
        LimitSensitive = ("limit_sensitive", "Right to limit the use of your sensitive personal information", "Civ. Code §1798.121; 11 CCR §7027"),
        /// GDPR restriction of processing.
        Restrict = ("restrict", "Right to restrict processing", "GDPR Art 18"),
        /// GDPR objection.
        Object = ("object", "Right to object to processing", "GDPR Art 21"),
        /// Withdraw consent.
        WithdrawConsent = ("withdraw_consent", "Right to withdraw consent", "GDPR Art 7(3)"),
        /// Data portability.
        Portability = ("portability", "Right to data portability", "GDPR Art 20; Civ. Code §1798.130(a)(3)(B)(iii)"),
        /// California Shine the Light.
        ShineTheLight = ("shine_the_light", "Right to know about disclosures for direct marketing (Shine the Light)", "Civ. Code §1798.83"),
        /// Appeal a refusal (US state laws).
        Appeal = ("appeal", "Right to appeal our decision", "Va. Code §59.1-577(C); ORS 646A.576(6); Conn. Gen. Stat. §42-518(d)"),
    }
}

impl RequestType {
    /// Requests that never require identity verification.
    pub fn verification_forbidden(self) -> bool {
        matches!(self, RequestType::OptOutSaleShare | RequestType::LimitSensitive)
    }
    /// CCPA requests to know, delete and correct, which carry the intake rules of R-010.
    pub fn is_ccpa_verifiable(self) -> bool {
        matches!(
            self,
            RequestType::Know | RequestType::Access | RequestType::Delete | RequestType::Correct
        )
    }
}

reference! {
    /// The role of a recipient under the CCPA; GDPR processor/controller follows from it.
    RecipientRole, kind = "recipient role" {
        /// Processes on the business's behalf under a contract (§1798.140(ag)).
        ServiceProvider = ("service_provider", "Service provider", "Civ. Code §1798.140(ag)"),
        /// Receives PI for a business purpose under a contract (§1798.140(j)).
        Contractor = ("contractor", "Contractor", "Civ. Code §1798.140(j)"),
        /// Anyone else (§1798.140(ai)).
        ThirdParty = ("third_party", "Third party", "Civ. Code §1798.140(ai)"),
        /// A company under common control or branding.
        Affiliate = ("affiliate", "Affiliate", "Civ. Code §1798.140(d)(2)"),
        /// A government body receiving data by law.
        Government = ("government", "Government entity", "Civ. Code §1798.145(a)"),
    }
}

impl RecipientRole {
    /// Whether disclosures to this role are for a business purpose under contract,
    /// which the CCPA does not count as a sale or sharing (§1798.140(ad)(2), (ah)(2)).
    pub fn is_under_contract(self) -> bool {
        matches!(self, RecipientRole::ServiceProvider | RecipientRole::Contractor)
    }
}

reference! {
    /// The business purposes the CCPA enumerates (Civ. Code §1798.140(e)(1)–(8)).
    BusinessPurpose, kind = "business purpose" {
        /// (1) Auditing interactions with the consumer.
        Auditing = ("auditing", "Auditing related to our interactions with you", "Civ. Code §1798.140(e)(1)"),
        /// (2) Security and integrity.
        SecurityIntegrity = ("security_integrity", "Helping to ensure security and integrity", "Civ. Code §1798.140(e)(2)"),
        /// (3) Debugging.
        Debugging = ("debugging", "Debugging to find and repair errors", "Civ. Code §1798.140(e)(3)"),
        /// (4) Short-term, transient use.
        ShortTermTransient = ("short_term_transient", "Short-term, transient use", "Civ. Code §1798.140(e)(4)"),
        /// (5) Performing services on behalf of the business.
        PerformingServices = ("performing_services", "Performing services such as accounts, orders, payments and customer service", "Civ. Code §1798.140(e)(5)"),
        /// (6) Advertising and marketing other than cross-context behavioral advertising.
        AdvertisingMarketing = ("advertising_marketing", "Advertising and marketing, other than cross-context behavioral advertising", "Civ. Code §1798.140(e)(6)"),
        /// (7) Internal research for technological development.
        InternalResearch = ("internal_research", "Internal research for technological development", "Civ. Code §1798.140(e)(7)"),
        /// (8) Quality and safety of services and devices.
        QualitySafety = ("quality_safety", "Keeping our services and devices safe and of good quality", "Civ. Code §1798.140(e)(8)"),
    }
}

impl BusinessPurpose {
    /// Purposes for which sensitive PI may be used without offering the right to limit.
    /// This is our reading of the overlap between §1798.140(e) and 11 CCR §7027(m),
    /// whose full list is not reproduced in REGULATIONS.md; counsel should confirm it.
    pub fn permits_sensitive_use(self) -> bool {
        matches!(
            self,
            BusinessPurpose::SecurityIntegrity
                | BusinessPurpose::ShortTermTransient
                | BusinessPurpose::PerformingServices
                | BusinessPurpose::QualitySafety
        )
    }
}

reference! {
    /// Ways a person can reach the business to make a request.
    ChannelKind, kind = "channel kind" {
        /// An interactive web form.
        WebForm = ("web_form", "Online form", "11 CCR §7020(b)"),
        /// An email address.
        Email = ("email", "Email", "11 CCR §7020(a)"),
        /// A toll-free telephone number.
        TollFreePhone = ("toll_free_phone", "Toll-free telephone", "Civ. Code §1798.130(a)(1)(A)"),
        /// An ordinary telephone number.
        Phone = ("phone", "Telephone", "11 CCR §7020(c)"),
        /// Post.
        PostalMail = ("postal_mail", "Mail", "11 CCR §7020(c)"),
        /// In person.
        InPerson = ("in_person", "In person", "11 CCR §7020(c)"),
        /// The person's own account settings.
        Account = ("account", "Your account settings", "11 CCR §7024(g)"),
        /// The "Do Not Sell or Share My Personal Information" link.
        DoNotSellLink = ("do_not_sell_link", "\"Do Not Sell or Share My Personal Information\" link", "Civ. Code §1798.135(a)(1)"),
        /// The "Limit the Use of My Sensitive Personal Information" link.
        LimitLink = ("limit_link", "\"Limit the Use of My Sensitive Personal Information\" link", "Civ. Code §1798.135(a)(2)"),
        /// The "Your Privacy Choices" alternative opt-out link.
        PrivacyChoicesLink = ("privacy_choices_link", "\"Your Privacy Choices\" link", "11 CCR §7015"),
        /// An unsubscribe link or instructions in each email.
        UnsubscribeLink = ("unsubscribe_link", "Unsubscribe link in our emails", "15 U.S.C. §7704(a)(3); RFC 8058"),
    }
}

impl ChannelKind {
    /// Channels that are a web page of the business.
    pub fn is_online(self) -> bool {
        matches!(
            self,
            ChannelKind::WebForm
                | ChannelKind::Account
                | ChannelKind::DoNotSellLink
                | ChannelKind::LimitLink
                | ChannelKind::PrivacyChoicesLink
        )
    }
}

reference! {
    /// How a requester proves who they are (REGULATIONS.md §d).
    VerificationMethod, kind = "verification method" {
        /// No verification (opt-outs, R-041).
        None = ("none", "No verification", "11 CCR §7060(b)"),
        /// Re-authentication with an existing account.
        AccountLogin = ("account_login", "Signing in to your account", "11 CCR §7061"),
        /// A one-time code sent by email.
        EmailCode = ("email_code", "Answering a message we send to your email address", "11 CCR §7060(c)"),
        /// Matching data points against what is held.
        DataPoints = ("data_points", "Matching information you give with what we hold", "11 CCR §7062(b)-(c)"),
        /// A declaration signed under penalty of perjury.
        SignedDeclaration = ("signed_declaration", "A declaration signed under penalty of perjury", "11 CCR §7062(c)"),
    }
}

reference! {
    /// What an authorized agent brings.
    AgentProof, kind = "agent proof" {
        /// The consumer's signed permission.
        SignedPermission = ("signed_permission", "Your signed permission", "11 CCR §7063(a)"),
        /// A power of attorney under Probate Code §§4121–4130.
        PowerOfAttorney = ("power_of_attorney", "A power of attorney", "11 CCR §7063(b)"),
    }
}

reference! {
    /// How the business treats a browser privacy signal.
    SignalStance, kind = "signal stance" {
        /// The signal is honored as an opt-out.
        Honor = ("honor", "Honored", "11 CCR §7025"),
        /// The signal is not acted on.
        Ignore = ("ignore", "Not acted on", "Bus. & Prof. Code §22575(b)(5)"),
    }
}

reference! {
    /// The kinds of identity a person can be found by in a system.
    IdentityKind, kind = "identity kind" {
        /// An email address.
        Email = ("email", "Email address", "DESIGN.md Fulfilment"),
        /// A phone number.
        Phone = ("phone", "Phone number", "DESIGN.md Fulfilment"),
        /// The business's customer number.
        CustomerId = ("customer_id", "Customer number", "DESIGN.md Fulfilment"),
        /// A login or user id.
        UserId = ("user_id", "User id", "DESIGN.md Fulfilment"),
        /// A device or advertising id.
        DeviceId = ("device_id", "Device id", "DESIGN.md Fulfilment"),
        /// A browser cookie id.
        CookieId = ("cookie_id", "Cookie id", "DESIGN.md Fulfilment"),
    }
}

reference! {
    /// How a table's personal data is erased.
    ErasureStrategy, kind = "erasure strategy" {
        /// Delete the row.
        Delete = ("delete", "Delete the row", "11 CCR §7022(b)(1)"),
        /// Set the personal columns to NULL.
        Null = ("null", "Set personal columns to NULL", "11 CCR §7022(b)(1)"),
        /// Replace with a fixed mask.
        Mask = ("mask", "Replace personal columns with a fixed mask", "11 CCR §7022(b)(1)"),
        /// Replace with a keyed hash (deidentification).
        Hash = ("hash", "Replace personal columns with a keyed hash", "11 CCR §7022(b)(1)"),
        /// Replace with random values.
        Random = ("random", "Replace personal columns with random values", "11 CCR §7022(b)(1)"),
    }
}

reference! {
    /// Database engines ombud connects to.
    Engine, kind = "database engine" {
        /// PostgreSQL.
        Postgres = ("postgres", "PostgreSQL", "DESIGN.md Fulfilment"),
        /// MySQL or MariaDB.
        Mysql = ("mysql", "MySQL or MariaDB", "DESIGN.md Fulfilment"),
        /// SQLite.
        Sqlite = ("sqlite", "SQLite", "DESIGN.md Fulfilment"),
    }
}

reference! {
    /// Whether the business decides what happens to a system's data, or processes it for a customer.
    SystemRole, kind = "system role" {
        /// The business decides (controller / business).
        Controller = ("controller", "Controller", "GDPR Art 4(7); Civ. Code §1798.140(d)"),
        /// The business processes for its customer; requests are referred to that customer.
        Processor = ("processor", "Processor", "GDPR Art 4(8); Civ. Code §1798.140(ag)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_are_unique<R: Reference>() {
        let ids = R::ids();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids.len(), sorted.len(), "duplicate id in {}", R::KIND);
        for value in R::all() {
            assert_eq!(R::from_id(value.id()).map(|v| v.id()), Some(value.id()));
            assert!(!value.label().is_empty());
            assert!(!value.citation().is_empty());
        }
    }

    #[test]
    fn every_reference_table_has_unique_ids_that_round_trip() {
        ids_are_unique::<Law>();
        ids_are_unique::<CcpaCategory>();
        ids_are_unique::<SensitiveKind>();
        ids_are_unique::<GdprSpecialCategory>();
        ids_are_unique::<GdprLawfulBasis>();
        ids_are_unique::<CcpaDeletionException>();
        ids_are_unique::<GdprErasureException>();
        ids_are_unique::<RequestType>();
        ids_are_unique::<RecipientRole>();
        ids_are_unique::<BusinessPurpose>();
        ids_are_unique::<ChannelKind>();
        ids_are_unique::<VerificationMethod>();
        ids_are_unique::<AgentProof>();
        ids_are_unique::<SignalStance>();
        ids_are_unique::<IdentityKind>();
        ids_are_unique::<ErasureStrategy>();
        ids_are_unique::<Engine>();
        ids_are_unique::<SystemRole>();
    }

    #[test]
    fn ccpa_categories_are_the_twelve_statutory_letters_in_order() {
        // Civ. Code §1798.140(v)(1)(A)–(L), REGULATIONS.md H1.
        let letters: String = CcpaCategory::all().iter().map(|c| c.letter()).collect();
        assert_eq!(letters, "ABCDEFGHIJKL");
    }

    #[test]
    fn there_are_eight_ccpa_deletion_exceptions_and_five_gdpr_ones() {
        // §1798.105(d)(1)-(8) and Art 17(3)(a)-(e), REGULATIONS.md H3-H4.
        assert_eq!(CcpaDeletionException::all().len(), 8);
        assert_eq!(GdprErasureException::all().len(), 5);
        assert_eq!(
            RetentionReason::from_id("D8").map(|r| r.citation()),
            Some("Civ. Code §1798.105(d)(8)")
        );
        assert_eq!(
            RetentionReason::from_id("G-e").map(|r| r.citation()),
            Some("GDPR Art 17(3)(e)")
        );
        assert_eq!(RetentionReason::from_id("d8"), None);
    }

    #[test]
    fn opt_outs_never_need_verification_r041() {
        assert!(RequestType::OptOutSaleShare.verification_forbidden());
        assert!(RequestType::LimitSensitive.verification_forbidden());
        assert!(!RequestType::Access.verification_forbidden());
    }

    #[test]
    fn values_never_disclosed_in_a_know_response_r074() {
        assert!(SensitiveKind::GovernmentId.never_disclosed());
        assert!(SensitiveKind::AccountLogin.never_disclosed());
        assert!(!SensitiveKind::PreciseGeolocation.never_disclosed());
    }
}

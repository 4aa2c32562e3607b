//! `Templates`: the built-in email templates, an operator's overrides, and rendering.
//!
//! Invariants:
//! - undefined variables are errors (strict mode), so a typo in a template fails loudly with
//!   the template's name and line instead of sending a message with a hole in it;
//! - `.html` templates are HTML-escaped, `.txt` templates are not, so a requester's name
//!   containing markup cannot inject HTML;
//! - a subject is always one line: control characters and line breaks in anything
//!   interpolated become spaces, so a subject can never carry a second header;
//! - the person's name, which holds whatever the requester typed, is collapsed to one short
//!   line before any template sees it, so it cannot forge paragraphs in our message;
//! - the rendered output of one message never exceeds [`EMAIL_BYTES_MAX`], enforced while
//!   rendering rather than after, so a runaway loop in an override cannot exhaust memory;
//! - a message the law requires to say something (the extension's reason, a denial's
//!   exceptions) cannot be rendered without it.

use std::io::{self, Read};
use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::context::{
    AppealView, ComplaintView, MailContext, OrganizationView, OutcomeView, PersonView, ReasonView,
    RequestView, VerificationView,
};
use super::{EMAIL_BYTES_MAX, EmailKind, MailError, TEMPLATE_BYTES_MAX};

/// The longest greeting name kept, in characters. Longer names are cut with an ellipsis:
/// a name is a greeting, not a place for the requester to write us a letter.
const PERSON_NAME_CHARS_MAX: usize = 100;

/// The longest subject kept, in characters. Mail clients show about 60; this is generous.
pub(super) const SUBJECT_CHARS_MAX: usize = 200;

/// The shared layouts, which operators may also replace.
const LAYOUT_FILES: [&str; 2] = ["_layout.txt", "_layout.html"];

/// The built-in templates, by file name. Each is also in `crates/app/templates/email/`.
const BUILTIN: &[(&str, &str)] = &[
    ("_layout.txt", include_str!("../../templates/email/_layout.txt")),
    ("_layout.html", include_str!("../../templates/email/_layout.html")),
    (
        "acknowledgement.subject.txt",
        include_str!("../../templates/email/acknowledgement.subject.txt"),
    ),
    ("acknowledgement.txt", include_str!("../../templates/email/acknowledgement.txt")),
    ("acknowledgement.html", include_str!("../../templates/email/acknowledgement.html")),
    (
        "verification_code.subject.txt",
        include_str!("../../templates/email/verification_code.subject.txt"),
    ),
    ("verification_code.txt", include_str!("../../templates/email/verification_code.txt")),
    ("verification_code.html", include_str!("../../templates/email/verification_code.html")),
    (
        "extension_notice.subject.txt",
        include_str!("../../templates/email/extension_notice.subject.txt"),
    ),
    ("extension_notice.txt", include_str!("../../templates/email/extension_notice.txt")),
    ("extension_notice.html", include_str!("../../templates/email/extension_notice.html")),
    ("completion.subject.txt", include_str!("../../templates/email/completion.subject.txt")),
    ("completion.txt", include_str!("../../templates/email/completion.txt")),
    ("completion.html", include_str!("../../templates/email/completion.html")),
    ("denial.subject.txt", include_str!("../../templates/email/denial.subject.txt")),
    ("denial.txt", include_str!("../../templates/email/denial.txt")),
    ("denial.html", include_str!("../../templates/email/denial.html")),
];

/// A rendered message: one-line subject, plain text and HTML.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, no control characters.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
}

impl std::fmt::Debug for Rendered {
    // The bodies greet the person by name and may hold a verification code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendered")
            .field("subject", &"[redacted]")
            .field("text", &"[redacted]")
            .field("html", &"[redacted]")
            .finish()
    }
}

/// Built-in templates, optionally overridden by an operator's directory.
pub struct Templates {
    env: Environment<'static>,
    overridden: Vec<String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").field("overridden", &self.overridden).finish()
    }
}

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Block tags on their own line leave no blank line behind, which keeps the plain
        // text templates readable. The default delimiters always build; the fallback keeps
        // this function total.
        if let Ok(syntax) = SyntaxConfig::builder().trim_blocks(true).lstrip_blocks(true).build() {
            env.set_syntax(syntax);
        }
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None }
        });
        env.set_formatter(html_formatter);
        for (name, source) in BUILTIN {
            // Every test run compiles the built-ins (`builtin_templates_compile`), so this
            // cannot fail in a release. If it ever did, `render` would name the missing
            // template rather than the process panicking at startup.
            let _compiled = env.add_template(name, source);
        }
        Templates { env, overridden: Vec::new() }
    }

    /// The built-ins, with files named `<kind>.subject.txt`, `<kind>.txt`, `<kind>.html`,
    /// `_layout.txt` or `_layout.html` in `dir` replacing them.
    ///
    /// Any other file name is an error naming it, a syntax error names the file and line,
    /// and each file may hold at most [`TEMPLATE_BYTES_MAX`] bytes. Every message is then
    /// rendered once with sample data, so a misspelt variable is reported now, at startup,
    /// rather than when a request's deadline depends on the message. This reads files
    /// synchronously: call it while starting up, not from a request handler.
    pub fn with_overrides(dir: &Path) -> Result<Templates, MailError> {
        let mut templates = Templates::builtin();
        let read_dir_error = |source| MailError::Io {
            action: "read the template directory",
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_dir_error)? {
            let entry = entry.map_err(read_dir_error)?;
            let file = entry.file_name().to_string_lossy().into_owned();
            if !is_template_file_name(&file) {
                return Err(MailError::UnknownTemplateFile { file });
            }
            files.push((file, entry.path()));
        }
        // Sorted so that, with several broken files, the same one is reported every time.
        files.sort();
        for (file, path) in files {
            let source = read_template_file(&file, &path)?;
            templates
                .env
                .add_template_owned(file.clone(), source)
                .map_err(|error| template_error(&file, &error))?;
            templates.overridden.push(file);
        }
        for &kind in EmailKind::all() {
            templates.render(kind, &sample_full())?;
            templates.render(kind, &sample_minimal(kind))?;
        }
        Ok(templates)
    }

    /// The file names an operator's directory replaced, sorted.
    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }

    /// The built-in template files as `(file name, source)`, for an operator who wants a
    /// copy to start editing from.
    pub fn builtin_files() -> impl Iterator<Item = (&'static str, &'static str)> {
        BUILTIN.iter().copied()
    }

    /// Renders the subject, text and HTML of one message.
    pub fn render(&self, kind: EmailKind, context: &MailContext) -> Result<Rendered, MailError> {
        check_complete(kind, context)?;
        let mut context = context.clone();
        context.person.name =
            context.person.name.as_deref().map(|name| one_line(name, PERSON_NAME_CHARS_MAX));
        if context.person.name.as_deref() == Some("") {
            context.person.name = None;
        }
        let value = Value::from(Serde(&context));
        let mut budget_bytes = EMAIL_BYTES_MAX;
        let id = kind.id();
        let subject_file = format!("{id}.subject.txt");
        let subject = one_line(
            &self.render_file(&subject_file, &value, &mut budget_bytes)?,
            SUBJECT_CHARS_MAX,
        );
        if subject.is_empty() {
            return Err(MailError::Template {
                template: subject_file,
                line: None,
                detail: "the subject is empty".to_owned(),
            });
        }
        let text = tidy_text(&self.render_file(&format!("{id}.txt"), &value, &mut budget_bytes)?);
        let html = self.render_file(&format!("{id}.html"), &value, &mut budget_bytes)?;
        Ok(Rendered { subject, text, html })
    }

    fn render_file(
        &self,
        file: &str,
        value: &Value,
        budget_bytes: &mut usize,
    ) -> Result<String, MailError> {
        let template = self.env.get_template(file).map_err(|error| template_error(file, &error))?;
        let mut output =
            BoundedBuffer { bytes: Vec::new(), bytes_max: *budget_bytes, exceeded: false };
        if let Err(error) = template.render_captured_to(value, &mut output) {
            if output.exceeded {
                return Err(MailError::TooLarge { what: "rendered email" });
            }
            return Err(template_error(file, &error));
        }
        *budget_bytes -= output.bytes.len();
        String::from_utf8(output.bytes).map_err(|_| MailError::Template {
            template: file.to_owned(),
            line: None,
            detail: "the output is not valid UTF-8".to_owned(),
        })
    }
}

/// minijinja's HTML escaping also turns `/` into `&#x2f;`. Inside text and quoted
/// attributes that adds no safety, and it makes every URL in a message look obfuscated,
/// to readers of the source and to spam filters alike. This escapes `& < > " '` only, and
/// leaves everything else (numbers, `|safe` values, undefined values in strict mode) to
/// the default formatter.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &mut minijinja::State<'_, '_>,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if let (AutoEscape::Html, false, Some(text)) =
        (state.auto_escape(), value.is_safe(), value.as_str())
    {
        let mut escaped = String::with_capacity(text.len());
        for character in text.chars() {
            match character {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#x27;"),
                other => escaped.push(other),
            }
        }
        return out.write_str(&escaped).map_err(|_| {
            minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "could not write output")
        });
    }
    minijinja::escape_formatter(out, state, value)
}

fn is_template_file_name(file: &str) -> bool {
    LAYOUT_FILES.contains(&file)
        || EmailKind::all().iter().any(|kind| {
            file.strip_prefix(kind.id())
                .is_some_and(|suffix| matches!(suffix, ".subject.txt" | ".txt" | ".html"))
        })
}

fn read_template_file(file: &str, path: &Path) -> Result<String, MailError> {
    let io_error =
        |source| MailError::Io { action: "read the template", path: path.into(), source };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(io_error(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")));
    }
    let too_large = |bytes| MailError::TemplateTooLarge { file: file.to_owned(), bytes };
    if metadata.len() > TEMPLATE_BYTES_MAX as u64 {
        return Err(too_large(metadata.len()));
    }
    // Read at most one byte past the limit: the file may grow between the two calls.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|handle| handle.take(TEMPLATE_BYTES_MAX as u64 + 1).read_to_end(&mut bytes))
        .map_err(io_error)?;
    if bytes.len() > TEMPLATE_BYTES_MAX {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| MailError::TemplateNotUtf8 { file: file.to_owned() })
}

fn template_error(file: &str, error: &minijinja::Error) -> MailError {
    let detail = match (error.detail(), error.kind()) {
        (Some(detail), kind) => format!("{kind}: {detail}"),
        // Strict mode reports a misspelt name without saying which; point at the list.
        (None, minijinja::ErrorKind::UndefinedError) => "undefined value: a variable or \
            attribute that does not exist (docs/email.md lists them)"
            .to_owned(),
        (None, kind) => kind.to_string(),
    };
    MailError::Template {
        template: error.name().unwrap_or(file).to_owned(),
        line: error.line(),
        detail,
    }
}

/// Refuses to render a message that would leave out what the law requires it to say.
fn check_complete(kind: EmailKind, context: &MailContext) -> Result<(), MailError> {
    let incomplete = |field, why| Err(MailError::Incomplete { kind, field, why });
    let filled =
        |text: &Option<String>| text.as_deref().is_some_and(|text| !text.trim().is_empty());
    match kind {
        EmailKind::Acknowledgement => Ok(()),
        EmailKind::VerificationCode => {
            if context.verification.as_ref().is_some_and(|verification| filled(&verification.code))
            {
                Ok(())
            } else {
                incomplete("verification.code", "the message exists to carry the code")
            }
        }
        EmailKind::ExtensionNotice => {
            if !filled(&context.request.extended_to) {
                incomplete("request.extended_to", "the notice must give the new due date (R-032)")
            } else if !filled(&context.request.extension_reason) {
                incomplete(
                    "request.extension_reason",
                    "the notice must give the reason for the delay (R-032, GDPR Art 12(3))",
                )
            } else {
                Ok(())
            }
        }
        EmailKind::Completion => match &context.outcome {
            None => Ok(()),
            Some(outcome) => match outcome.status.as_str() {
                "completed" => Ok(()),
                "partially_completed" => {
                    check_reasons(outcome, incomplete)?;
                    check_complaint(context, incomplete)
                }
                _ => incomplete(
                    "outcome.status",
                    "a completion is `completed` or `partially_completed`",
                ),
            },
        },
        EmailKind::Denial => match &context.outcome {
            None => incomplete("outcome", "a denial must give its reasons (R-095, R-096)"),
            Some(outcome) => match outcome.status.as_str() {
                "denied" | "partially_completed" => {
                    check_reasons(outcome, incomplete)?;
                    check_complaint(context, incomplete)
                }
                _ => incomplete("outcome.status", "a denial is `denied` or `partially_completed`"),
            },
        },
    }
}

/// A refusal cites at least one exception, unless it is a refusal because the
/// person could not be verified, which the template explains itself.
fn check_reasons(
    outcome: &OutcomeView,
    incomplete: impl Fn(&'static str, &'static str) -> Result<(), MailError>,
) -> Result<(), MailError> {
    if outcome.reasons.is_empty() && !outcome.unverified && !outcome.downgraded_to_categories {
        incomplete(
            "outcome.reasons",
            "a refusal must cite at least one exception (R-095, R-096), unless the person \
             could not be verified",
        )
    } else {
        Ok(())
    }
}

/// Under the GDPR, a refusal of all or part of a request must mention the right to
/// complain to a supervisory authority and to seek a judicial remedy (Art 12(4), R-255).
/// An empty `ComplaintView` is enough: the templates then use general wording.
fn check_complaint(
    context: &MailContext,
    incomplete: impl Fn(&'static str, &'static str) -> Result<(), MailError>,
) -> Result<(), MailError> {
    if context.request.law_id == "gdpr" && context.complaint.is_none() {
        incomplete(
            "complaint",
            "under the GDPR a refusal must mention the right to complain to a supervisory \
             authority and to a judicial remedy (Art 12(4), R-255); an empty ComplaintView \
             gives the general wording",
        )
    } else {
        Ok(())
    }
}

/// Collapses `text` onto one line: line breaks, tabs and other control characters become
/// single spaces, bidirectional-override characters are dropped (they can make a name
/// display as something else), and the result is cut to `chars_max` with an ellipsis.
pub(super) fn one_line(text: &str, chars_max: usize) -> String {
    let mut line = String::with_capacity(text.len());
    let mut space_pending = false;
    for character in text.chars() {
        if is_bidi_control(character) {
            continue;
        }
        if character.is_whitespace() || character.is_control() {
            space_pending = !line.is_empty();
            continue;
        }
        if space_pending {
            line.push(' ');
            space_pending = false;
        }
        line.push(character);
    }
    if line.chars().count() > chars_max {
        let mut cut: String = line.chars().take(chars_max.saturating_sub(1)).collect();
        cut.truncate(cut.trim_end().len());
        cut.push('…');
        return cut;
    }
    line
}

fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Trims trailing spaces, collapses runs of blank lines into one and ends with one newline,
/// so that optional paragraphs in a template leave no gaps behind.
fn tidy_text(text: &str) -> String {
    let mut tidy = String::with_capacity(text.len());
    let mut blank_pending = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_pending = !tidy.is_empty();
            continue;
        }
        if blank_pending {
            tidy.push('\n');
            blank_pending = false;
        }
        tidy.push_str(line);
        tidy.push('\n');
    }
    tidy
}

/// An output buffer that refuses to grow past `bytes_max`, which stops the template engine
/// mid-render.
struct BoundedBuffer {
    bytes: Vec<u8>,
    bytes_max: usize,
    exceeded: bool,
}

impl io::Write for BoundedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > self.bytes_max {
            self.exceeded = true;
            return Err(io::Error::other("email size limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A context with every optional part present and every flag set, used to try an
/// operator's templates at startup. The names are obviously fictional.
fn sample_full() -> MailContext {
    MailContext {
        organization: OrganizationView {
            name: "Example Organization".to_owned(),
            contact_email: Some("privacy@example.com".to_owned()),
            contact_phone: Some("+1 555 0100".to_owned()),
            website: Some("https://www.example.com".to_owned()),
            privacy_policy_url: Some("https://www.example.com/privacy".to_owned()),
        },
        request: RequestView {
            id: "REQ-SAMPLE".to_owned(),
            type_id: "delete".to_owned(),
            type_label: "Right to delete your personal information".to_owned(),
            law_id: "ccpa".to_owned(),
            law_label: "California Consumer Privacy Act (CCPA/CPRA)".to_owned(),
            received_on: "1 January 2030".to_owned(),
            respond_by: "15 February 2030".to_owned(),
            extended_to: Some("1 April 2030".to_owned()),
            extension_reason: Some("Sample reason.".to_owned()),
            is_opt_out: true,
            via_agent: true,
        },
        person: PersonView { name: Some("Sample Person".to_owned()) },
        verification: Some(VerificationView {
            steps: vec!["Sample step.".to_owned()],
            code: Some("000000".to_owned()),
            code_expires_minutes: Some(15),
        }),
        outcome: Some(OutcomeView {
            status: "partially_completed".to_owned(),
            summary: Some("Sample summary.".to_owned()),
            reasons: vec![ReasonView {
                code: "D8".to_owned(),
                label: "To comply with a legal obligation".to_owned(),
                citation: "Civ. Code §1798.105(d)(8)".to_owned(),
                explanation: Some("Sample explanation.".to_owned()),
            }],
            downgraded_to_categories: true,
            unverified: true,
        }),
        appeal: Some(AppealView {
            how: "Sample appeal instructions.".to_owned(),
            deadline_days: 60,
            attorney_general: Some("https://ag.example.gov/complaint".to_owned()),
        }),
        complaint: Some(ComplaintView {
            authority: Some("Sample Authority".to_owned()),
            url: Some("https://authority.example.org".to_owned()),
        }),
    }
}

/// The least context each kind of message accepts.
fn sample_minimal(kind: EmailKind) -> MailContext {
    let mut context = MailContext {
        organization: OrganizationView {
            name: "Example Organization".to_owned(),
            ..Default::default()
        },
        request: RequestView {
            id: "REQ-SAMPLE".to_owned(),
            type_id: "access".to_owned(),
            type_label: "Right to access and get a copy of your personal information".to_owned(),
            law_id: "gdpr".to_owned(),
            law_label: "General Data Protection Regulation (GDPR)".to_owned(),
            received_on: "1 January 2030".to_owned(),
            respond_by: "1 February 2030".to_owned(),
            ..Default::default()
        },
        ..Default::default()
    };
    match kind {
        EmailKind::Acknowledgement | EmailKind::Completion => {}
        EmailKind::VerificationCode => {
            context.verification =
                Some(VerificationView { code: Some("000000".to_owned()), ..Default::default() });
        }
        EmailKind::ExtensionNotice => {
            context.request.extended_to = Some("1 April 2030".to_owned());
            context.request.extension_reason = Some("Sample reason.".to_owned());
        }
        EmailKind::Denial => {
            context.outcome = Some(OutcomeView {
                status: "denied".to_owned(),
                unverified: true,
                ..Default::default()
            });
            context.complaint = Some(ComplaintView::default());
        }
    }
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_templates_compile() {
        let mut env = Environment::new();
        for (name, source) in BUILTIN {
            assert!(env.add_template(name, source).is_ok(), "{name} does not compile");
        }
    }

    #[test]
    fn builtin_templates_render_the_samples() {
        let templates = Templates::builtin();
        for &kind in EmailKind::all() {
            templates.render(kind, &sample_full()).unwrap();
            templates.render(kind, &sample_minimal(kind)).unwrap();
        }
    }

    #[test]
    fn one_line_collapses_breaks_and_controls() {
        assert_eq!(one_line("  Ann\r\nBcc: x\t\u{0}y  ", 100), "Ann Bcc: x y");
        assert_eq!(one_line("\u{202E}nnA", 100), "nnA");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("ab  cdef", 4), "ab…");
        assert_eq!(one_line("abcd", 4), "abcd");
        assert_eq!(one_line("", 4), "");
    }

    #[test]
    fn tidy_text_collapses_blank_lines() {
        assert_eq!(tidy_text("\n\na  \n\n\n\nb\n\n"), "a\n\nb\n");
    }

    #[test]
    fn template_file_names() {
        assert!(is_template_file_name("denial.html"));
        assert!(is_template_file_name("verification_code.subject.txt"));
        assert!(is_template_file_name("_layout.txt"));
        assert!(!is_template_file_name("denial.htm"));
        assert!(!is_template_file_name("denial.subject.html"));
        assert!(!is_template_file_name("denialx.txt"));
        assert!(!is_template_file_name(".denial.txt.swp"));
    }
}

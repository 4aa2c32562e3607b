//! Escaping (the notice renderer's, shared) and the Content-Security-Policy hashes of
//! inline styles.

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// Text for HTML element content or a quoted attribute value (the notice renderer's).
pub use ombud_program::notice::escape_html as escape;

/// The text of a page's first `<style>` block, if it has one.
pub fn style_block(page: &str) -> Option<&str> {
    let start = page.find("<style>")? + "<style>".len();
    let end = start + page.get(start..)?.find("</style>")?;
    page.get(start..end)
}

/// `'sha256-…'` for a CSP source list: the hash of an inline block's exact text.
pub fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_styles_are_found() {
        assert_eq!(
            escape(r#"<script>alert("1")</script> & 'x'"#),
            "&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;"
        );
        assert_eq!(style_block("<head><style>a{}</style></head>"), Some("a{}"));
        assert_eq!(style_block("<p>none</p>"), None);
        // The CSP hash of the empty string, as browsers compute it.
        assert_eq!(csp_hash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    }
}

//! "Did you mean …?" suggestions for misspelled ids.

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let candidate_lower = candidate.to_ascii_lowercase();
        if candidate_lower == word_lower {
            return Some(candidate);
        }
        let distance = edit_distance(&word_lower, &candidate_lower);
        // A third of the length, at least one edit: catches typos and plural forms
        // without proposing unrelated ids.
        let allowed = (word_lower.chars().count().max(candidate_lower.chars().count()) / 3).max(1);
        let is_prefix = candidate_lower.starts_with(&word_lower) && word_lower.len() >= 3;
        if distance <= allowed || is_prefix {
            let score = if is_prefix { distance.min(allowed) } else { distance };
            if best.is_none_or(|(best_score, _)| score < best_score) {
                best = Some((score, candidate));
            }
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// A help sentence: "did you mean `x`?" or the list of valid values when short.
pub fn help_for(word: &str, candidates: &[&str]) -> Option<String> {
    if let Some(best) = closest(word, candidates.iter().copied()) {
        return Some(format!("did you mean `{best}`?"));
    }
    if candidates.is_empty() {
        return None;
    }
    if candidates.len() <= 14 {
        let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
        return Some(format!("expected one of {}", list.join(", ")));
    }
    None
}

/// Edit distance over characters where a swap of two neighbours counts as one edit
/// (optimal string alignment), so `from` is one step from `form`. Inputs are bounded
/// so a hostile id cannot make suggestions quadratic in a large file.
fn edit_distance(a: &str, b: &str) -> usize {
    const CHARS_MAX: usize = 128;
    let a: Vec<char> = a.chars().take(CHARS_MAX).collect();
    let b: Vec<char> = b.chars().take(CHARS_MAX).collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        table[i * width] = i;
    }
    for (j, cell) in table.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[(i - 1) * width + j] + 1)
                .min(table[i * width + j - 1] + 1)
                .min(table[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[(i - 2) * width + j - 2] + 1);
            }
            table[i * width + j] = best;
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_and_prefixes_but_not_strangers() {
        let ids = ["identifiers", "commercial", "geolocation", "sensitive"];
        assert_eq!(closest("identifier", ids), Some("identifiers"));
        assert_eq!(closest("comercial", ids), Some("commercial"));
        assert_eq!(closest("GEOLOCATION", ids), Some("geolocation"));
        assert_eq!(closest("geo", ids), Some("geolocation"));
        assert_eq!(closest("biometric", ids), None);
        assert_eq!(closest("from", ["form", "email"]), Some("form"));
    }

    #[test]
    fn lists_short_vocabularies_when_nothing_is_close() {
        assert_eq!(help_for("zzz", &["a", "b"]).as_deref(), Some("expected one of `a`, `b`"));
    }
}

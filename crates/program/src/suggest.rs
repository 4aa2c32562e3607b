//! "Did you mean …?" suggestions for misspelled ids.

/// The closest candidate to `word`, if it is close enough to be a likely typo.
/// Ties go to the earliest candidate, so the answer depends only on the input's order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    Budget::unlimited().closest(word, candidates)
}

/// A bound on the work suggestions may do, shared by every suggestion about one file.
#[derive(Clone, Debug)]
pub struct Budget {
    cells_left: u64,
}

impl Budget {
    /// A budget of `cells` edit-distance table cells.
    pub fn new(cells: u64) -> Self {
        Budget { cells_left: cells }
    }

    /// No bound: for the short, fixed vocabularies of reference data.
    pub fn unlimited() -> Self {
        Budget { cells_left: u64::MAX }
    }

    /// Whether any work is left.
    pub fn is_spent(&self) -> bool {
        self.cells_left == 0
    }

    /// [`closest`], spending this budget; `None` once it is spent.
    pub fn closest<'a>(
        &mut self,
        word: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        const CHARS_MAX: usize = 128;
        let word: Vec<char> =
            word.chars().take(CHARS_MAX).map(|c| c.to_ascii_lowercase()).collect();
        let mut best: Option<(usize, &'a str)> = None;
        let mut candidate_chars: Vec<char> = Vec::with_capacity(CHARS_MAX);
        for candidate in candidates {
            candidate_chars.clear();
            candidate_chars
                .extend(candidate.chars().take(CHARS_MAX).map(|c| c.to_ascii_lowercase()));
            if candidate_chars == word {
                return Some(candidate);
            }
            // A third of the length, at least one edit: catches typos and plural forms
            // without proposing unrelated ids.
            let allowed = (word.len().max(candidate_chars.len()) / 3).max(1);
            let is_prefix = word.len() >= 3 && candidate_chars.starts_with(&word);
            // The length difference is a lower bound on the distance: skip the table.
            if !is_prefix && word.len().abs_diff(candidate_chars.len()) > allowed {
                continue;
            }
            let cells =
                u64::try_from((word.len() + 1) * (candidate_chars.len() + 1)).unwrap_or(u64::MAX);
            if cells > self.cells_left {
                self.cells_left = 0;
                break;
            }
            self.cells_left -= cells;
            let distance = edit_distance(&word, &candidate_chars);
            if distance <= allowed || is_prefix {
                let score = if is_prefix { distance.min(allowed) } else { distance };
                if best.is_none_or(|(best_score, _)| score < best_score) {
                    best = Some((score, candidate));
                }
            }
        }
        best.map(|(_, candidate)| candidate)
    }
}

/// A help sentence: "did you mean `x`?" or the list of valid values when short.
pub fn help_for(word: &str, candidates: &[&str]) -> Option<String> {
    Budget::unlimited().help_for(word, candidates)
}

impl Budget {
    /// [`help_for`], spending this budget.
    pub fn help_for(&mut self, word: &str, candidates: &[&str]) -> Option<String> {
        if let Some(best) = self.closest(word, candidates.iter().copied()) {
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
}

/// Edit distance over characters where a swap of two neighbours counts as one edit
/// (optimal string alignment), so `from` is one step from `form`. Callers bound the
/// inputs' length and pay for the table from a [`Budget`].
fn edit_distance(a: &[char], b: &[char]) -> usize {
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
    fn a_spent_budget_stops_suggesting() {
        let mut budget = Budget::new(10);
        assert_eq!(budget.closest("identifier", ["identifiers"]), None);
        assert!(budget.is_spent());
        let mut budget = Budget::new(1_000);
        assert_eq!(budget.closest("identifier", ["identifiers"]), Some("identifiers"));
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(closest("ax", ["ab", "ac", "ad"]), Some("ab"));
    }

    #[test]
    fn lists_short_vocabularies_when_nothing_is_close() {
        assert_eq!(help_for("zzz", &["a", "b"]).as_deref(), Some("expected one of `a`, `b`"));
    }
}

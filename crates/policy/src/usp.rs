//! The US Privacy string (IAB "USP" v1, CCPA): four characters — version `1`, notice
//! given, opted out of sale, covered by the LSPA — each `Y`, `N` or `-` for not
//! applicable (ECOSYSTEM.md §1.2). Deprecated by IAB in 2024 in favour of GPP, but
//! still read by many vendors.

/// The US Privacy string. When the CCPA does not apply, `1---`. GPC counts as an
/// opt-out of sale.
pub fn usp_string(
    ccpa_applies: bool,
    notice_given: bool,
    opted_out: bool,
    gpc: bool,
    lspa_covered: Option<bool>,
) -> String {
    if !ccpa_applies {
        return "1---".to_owned();
    }
    let yes_no = |value: bool| if value { 'Y' } else { 'N' };
    let lspa = lspa_covered.map_or('-', yes_no);
    format!("1{}{}{lspa}", yes_no(notice_given), yes_no(opted_out || gpc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_examples() {
        assert_eq!(usp_string(true, true, false, false, Some(false)), "1YNN");
        assert_eq!(usp_string(true, false, true, false, Some(false)), "1NYN");
        assert_eq!(usp_string(false, true, true, true, None), "1---");
    }

    #[test]
    fn gpc_is_an_opt_out_of_sale() {
        // the signal is a valid request to opt out, with no further question.
        assert_eq!(usp_string(true, true, false, true, None), "1YY-");
    }
}

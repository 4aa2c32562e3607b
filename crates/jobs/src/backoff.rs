//! How long a failed job waits before its next attempt: exponential in the attempt,
//! capped, with "equal jitter" (half the delay fixed, half random) so that many jobs
//! failing together — a system down for everyone — do not all come back at once, yet
//! none comes back much sooner than its backoff promises.
//!
//! Pure: the random part is a parameter, so the policy is tested without a runtime.

/// The delay before jitter: `base_ms × 2^(attempt − 1)`, at most `cap_ms`. Attempt 0
/// counts as 1; negative inputs count as 0. Never overflows: the doubling saturates.
pub fn backoff_ceiling_ms(attempt: u32, base_ms: i64, cap_ms: i64) -> i64 {
    let base = base_ms.max(0);
    let cap = cap_ms.max(0);
    // 2^62 is the largest power of two an i64 holds; past it the product saturates.
    let doublings = attempt.saturating_sub(1).min(62);
    base.saturating_mul(1_i64 << doublings).min(cap)
}

/// The delay before the next attempt after `attempt` attempts (1 after the first
/// failure): the ceiling of [`backoff_ceiling_ms`] less a random part of up to half of
/// it taken from `jitter` (any random `u64`), so the result lies in
/// `[ceiling − ceiling / 2, ceiling]`: never negative, never above `cap_ms`.
pub fn backoff_ms(attempt: u32, base_ms: i64, cap_ms: i64, jitter: u64) -> i64 {
    let ceiling = backoff_ceiling_ms(attempt, base_ms, cap_ms);
    // `ceiling` is not negative, so the conversion cannot fail; 0 is the safe fallback.
    let half = u64::try_from(ceiling / 2).unwrap_or(0);
    let off = jitter % (half + 1);
    ceiling - i64::try_from(off).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn delays_double_from_the_base_up_to_the_cap() {
        let delays: Vec<i64> = (0..=8).map(|a| backoff_ms(a, 1_000, 30_000, 0)).collect();
        assert_eq!(delays, [1_000, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    }

    #[test]
    fn jitter_takes_off_at_most_half() {
        assert_eq!(backoff_ms(3, 1_000, 60_000, 0), 4_000);
        assert_eq!(backoff_ms(3, 1_000, 60_000, 2_000), 2_000);
        // 2_001 mod 2_001 wraps to 0.
        assert_eq!(backoff_ms(3, 1_000, 60_000, 2_001), 4_000);
        assert_eq!(backoff_ms(3, 1_000, 60_000, 1_999), 2_001);
    }

    #[test]
    fn extremes_neither_overflow_nor_go_negative() {
        assert_eq!(backoff_ms(u32::MAX, i64::MAX, i64::MAX, 0), i64::MAX);
        assert!(backoff_ms(u32::MAX, i64::MAX, i64::MAX, u64::MAX) >= i64::MAX / 2);
        assert_eq!(backoff_ms(64, 1, i64::MAX, 0), 1 << 62);
        assert_eq!(backoff_ms(5, -10, 100, 7), 0);
        assert_eq!(backoff_ms(5, 10, -100, 7), 0);
        assert_eq!(backoff_ms(1, 500, 100, 0), 100);
    }

    proptest! {
        #[test]
        fn the_ceiling_never_decreases_with_the_attempt(
            attempt in any::<u32>(), base in any::<i64>(), cap in any::<i64>()
        ) {
            let next = attempt.saturating_add(1);
            prop_assert!(backoff_ceiling_ms(attempt, base, cap) <= backoff_ceiling_ms(next, base, cap));
        }

        #[test]
        fn a_delay_is_between_half_its_ceiling_and_the_ceiling_and_never_above_the_cap(
            attempt in any::<u32>(), base in any::<i64>(), cap in any::<i64>(), jitter in any::<u64>()
        ) {
            let ceiling = backoff_ceiling_ms(attempt, base, cap);
            let delay = backoff_ms(attempt, base, cap, jitter);
            prop_assert!(delay >= 0);
            prop_assert!(delay <= cap.max(0));
            prop_assert!(delay <= ceiling);
            prop_assert!(delay >= ceiling - ceiling / 2);
        }
    }
}

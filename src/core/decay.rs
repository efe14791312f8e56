//! Half-life decay of behaviour points: `points · 0.5^(age_days / halfLifeDays)`.
//!
//! `libm::pow` rather than `f64::powf`: the platform's pow may differ in the last bit
//! between the native build and wasm, and the browser must equal the CLI exactly.

use crate::rules::DAY_MS;

/// The weight of an occurrence at `ts` seen from `now`; 1 without a half-life.
pub fn factor(now: f64, ts: f64, half_life_days: Option<f64>) -> f64 {
    match half_life_days {
        None => 1.0,
        Some(h) => libm::pow(0.5, ((now - ts) / DAY_MS) / h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_per_half_life_and_never_grows() {
        assert_eq!(factor(30.0 * DAY_MS, 0.0, Some(30.0)), 0.5);
        assert_eq!(factor(60.0 * DAY_MS, 0.0, Some(30.0)), 0.25);
        assert_eq!(factor(5.0, 0.0, None), 1.0);
        let mut last = f64::INFINITY;
        for d in 0..400 {
            let f = factor(d as f64 * DAY_MS / 3.0, 0.0, Some(7.0));
            assert!(f <= last);
            last = f;
        }
    }
}

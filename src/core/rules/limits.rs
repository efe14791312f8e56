//! The documented range of every number in a rules document (README, "Decisions where the
//! contract is silent"). With them no sum, decay or clamp can reach infinity or NaN: the
//! largest total is about 1e9 points × 2^53 occurrences × the number of rules, far below
//! the largest double, and every duration stays an exact, finite number of milliseconds.

/// A number field's rule (`ok`, else `invalid_value` with `rule`) and its range
/// (`lo..=hi`, else `out_of_range` with `range`).
pub struct Limit {
    pub ok: fn(f64) -> bool,
    pub rule: &'static str,
    pub lo: f64,
    pub hi: f64,
    pub range: &'static str,
}

/// Points, category `min`/`max` and band `min`: a billion either way.
pub const MAX_POINTS: f64 = 1e9;
/// `halfLifeDays`, `withinDays`, `maxSpanDays`: a million days (about 2,700 years).
pub const MAX_DAYS: f64 = 1e6;
/// `cooldownMinutes` and `minDwellSeconds`: a billion.
pub const MAX_UNITS: f64 = 1e9;

fn any(_: f64) -> bool {
    true
}
fn positive(x: f64) -> bool {
    x > 0.0
}
fn non_negative(x: f64) -> bool {
    x >= 0.0
}
/// Beyond `u32::MAX` the range check speaks instead (a fractional part is then gone).
fn whole_ge1(x: f64) -> bool {
    x >= 1.0 && (x > u32::MAX as f64 || x == (x as u32) as f64)
}

pub const POINTS: Limit = Limit {
    ok: any,
    rule: "",
    lo: -MAX_POINTS,
    hi: MAX_POINTS,
    range: "must be between -1e9 and 1e9",
};
pub const HALF_LIFE: Limit = Limit {
    ok: positive,
    rule: "must be a number > 0",
    lo: 0.0,
    hi: MAX_DAYS,
    range: "must be at most 1e6 days",
};
pub const RULE_HALF_LIFE: Limit = Limit {
    rule: "must be a number > 0, or null",
    ..HALF_LIFE
};
pub const WITHIN_DAYS: Limit = HALF_LIFE;
pub const SPAN_DAYS: Limit = Limit {
    ok: non_negative,
    rule: "must be a number >= 0",
    ..HALF_LIFE
};
pub const COOLDOWN: Limit = Limit {
    ok: non_negative,
    rule: "must be a number >= 0",
    lo: 0.0,
    hi: MAX_UNITS,
    range: "must be at most 1e9",
};
pub const DWELL: Limit = COOLDOWN;
pub const MAX_COUNT: Limit = Limit {
    ok: whole_ge1,
    rule: "must be a whole number >= 1",
    lo: 1.0,
    hi: u32::MAX as f64,
    range: "must be at most 4294967295",
};

/// Event numbers (see `events`): `ts` within JavaScript's `Date` range, ±8.64e15 ms, so
/// every difference of two times is exact and finite; `dwellMs` the same at most.
pub const MAX_TS: f64 = 8.64e15;

//! Synthetic visitor journeys with a planted ground truth, for tests, benchmarks and docs.
//!
//! Every visitor has a hidden intent in [0, 1]. It drives which pages of the demo site
//! they read (pricing, security, integrations and the demo form more often, careers less),
//! how long they stay, what they tell a form, and whether they convert. A backtest of
//! sensible rules must therefore find a real signal, and rules that reward the wrong pages
//! must not. Converters keep browsing after their outcome, so a backtest that let those
//! events leak would look better than it is. Deterministic: the same seed gives the same
//! bytes. Everything is labelled synthetic (visitor ids, and the outcomes' `latent_intent`
//! column, which the backtest ignores).

use crate::prelude::*;
use core::fmt::Write;

const DAY: f64 = 86_400_000.0;

#[derive(Debug, Clone)]
pub struct Options {
    pub visitors: usize,
    pub seed: u64,
    /// First day of the data, ms since the epoch.
    pub start: f64,
    /// Days the journeys spread over.
    pub days: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            visitors: 1000,
            seed: 1,
            // 2026-06-01T00:00:00Z
            start: 1_780_272_000_000.0,
            days: 180.0,
        }
    }
}

/// One visitor: their event lines (JSONL, with `visitor`) in time order, and their
/// outcome rows (CSV, matching [`OUTCOMES_HEADER`]).
pub struct Journey {
    pub events: Vec<String>,
    pub outcomes: Vec<String>,
    /// The planted intent, for tests that check what a backtest recovers.
    pub intent: f64,
    pub converted: bool,
}

pub const OUTCOMES_HEADER: &str = "visitor,outcome,at,account,latent_intent";

/// SplitMix64: small, fast, and the same numbers on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
    fn below(&mut self, n: usize) -> usize {
        (self.f() * n as f64) as usize
    }
}

/// Pages of the demo site with a weight that depends on intent `u`.
const PAGES: &[(&str, f64, f64)] = &[
    // (path, weight at intent 0, weight at intent 1)
    ("/", 3.0, 2.0),
    ("/blog/what-is-lead-scoring", 3.0, 1.0),
    ("/blog/five-workflow-tips", 2.0, 1.0),
    ("/docs", 0.8, 1.5),
    ("/docs/getting-started", 0.4, 1.5),
    ("/pricing", 0.4, 4.0),
    ("/security", 0.2, 1.5),
    ("/security/compliance", 0.1, 1.0),
    ("/integrations", 0.4, 1.5),
    ("/integrations/hubspot", 0.2, 1.0),
    ("/careers", 1.5, 0.1),
    ("/careers/backend-engineer", 0.8, 0.05),
    ("/demo", 0.1, 1.5),
];

fn pick_page(rng: &mut Rng, u: f64) -> &'static str {
    let w = |p: &(&str, f64, f64)| p.1 + (p.2 - p.1) * u;
    let total: f64 = PAGES.iter().map(w).sum();
    let mut x = rng.f() * total;
    for p in PAGES {
        x -= w(p);
        if x < 0.0 {
            return p.0;
        }
    }
    "/"
}

/// The journey of visitor number `i`.
pub fn journey(o: &Options, i: usize) -> Journey {
    let mut rng = Rng(o.seed ^ (i as u64).wrapping_mul(0xd134_2543_de82_ef95));
    // About three contacts per account, which share half of their intent: a buying
    // committee researches together.
    let account_no = (i * 7919) % (o.visitors / 3 + 1);
    let account_intent = Rng(o.seed ^ 0xa5a5 ^ (account_no as u64).wrapping_mul(0x9e37_79b9)).f();
    // Skewed towards low intent, as real traffic is.
    let u = (rng.f() * rng.f().sqrt() + account_intent * account_intent) / 2.0;
    let visitor = format!("synthetic-{i:07}");
    let account = format!("synthetic-account-{account_no:05}");
    let converted = rng.chance(1.0 / (1.0 + (4.5 - 6.5 * u).exp()));
    let mut ev = Events {
        lines: Vec::new(),
        visitor: &visitor,
    };
    let first = o.start + rng.f() * o.days * 0.8 * DAY;
    let sessions = 1 + (rng.f() * (1.0 + 6.0 * u)) as usize;
    let mut t = first;
    for s in 0..sessions {
        if s > 0 {
            t += (0.2 + rng.f() * 12.0 * (1.2 - u)) * DAY;
        }
        t = session(&mut rng, &mut ev, t, u);
        if s == 0 && rng.chance(0.5) {
            identify(&mut rng, &mut ev, t, u, &account);
        }
    }
    let mut outcomes = Vec::new();
    let row = |what: &str, at: f64| format!("{visitor},{what},{},{account},{u:.4}", at as i64);
    if converted {
        let at = t + (0.1 + rng.f() * 5.0) * DAY;
        outcomes.push(row("meeting", at));
        if rng.chance(0.4) {
            outcomes.push(row("won", at + (10.0 + rng.f() * 40.0) * DAY));
        }
        // After the meeting, customers-to-be read the docs and pricing: events that must
        // not leak into the score judged before the meeting.
        let mut t2 = at + DAY;
        for _ in 0..1 + rng.below(3) {
            t2 = session(&mut rng, &mut ev, t2, 1.0) + 2.0 * DAY;
        }
    } else if rng.chance(0.3) {
        outcomes.push(row("lost", t + (1.0 + rng.f() * 20.0) * DAY));
    }
    Journey {
        events: ev.lines,
        outcomes,
        intent: u,
        converted,
    }
}

struct Events<'v> {
    lines: Vec<String>,
    visitor: &'v str,
}

impl Events<'_> {
    fn push(&mut self, ty: &str, t: f64, rest: &str) {
        let mut s = String::with_capacity(120);
        let _ = write!(
            s,
            "{{\"visitor\":\"{}\",\"type\":\"{ty}\",\"ts\":{}{rest}}}",
            self.visitor, t as i64
        );
        self.lines.push(s);
    }
}

/// One visit of a few pages; returns the time it ends.
fn session(rng: &mut Rng, ev: &mut Events<'_>, mut t: f64, u: f64) -> f64 {
    let pages = 1 + (rng.f() * (2.0 + 5.0 * u)) as usize;
    for _ in 0..pages {
        let path = pick_page(rng, u);
        let dwell = ((2.0 + rng.f() * (10.0 + 50.0 * u)) * 1000.0).round();
        let url = format!(",\"url\":\"https://acme.example{path}\"");
        ev.push("page_view", t, &format!("{url},\"dwellMs\":{dwell}"));
        if path == "/demo" && rng.chance(0.2 + 0.6 * u) {
            let form = format!("{url},\"form\":\"demo-request\"");
            ev.push("form_start", t + 3000.0, &form);
            let done = if rng.chance(0.2 + 0.7 * u) {
                "form_submit"
            } else {
                "form_abandon"
            };
            ev.push(done, t + dwell, &form);
        } else if path.starts_with("/blog/") && rng.chance(0.05) {
            ev.push(
                "form_submit",
                t + dwell,
                &format!("{url},\"form\":\"newsletter\""),
            );
        }
        t += dwell + 1000.0 + rng.f() * 20_000.0;
    }
    t
}

fn identify(rng: &mut Rng, ev: &mut Events<'_>, t: f64, u: f64, account: &str) {
    let seniority = if rng.chance(0.1 + 0.5 * u) {
        ["vp", "c_level", "director"][rng.below(3)]
    } else {
        ["manager", "individual", "student"][rng.below(3)]
    };
    let size = if rng.chance(0.2 + 0.6 * u) {
        ["51-200", "201-1000", "1000+"][rng.below(3)]
    } else {
        ["1-10", "11-50"][rng.below(2)]
    };
    let email = if rng.chance(0.01) {
        "competitor"
    } else if rng.chance(0.5 * (1.0 - u)) {
        "free"
    } else {
        "corporate"
    };
    let traits = format!(
        ",\"traits\":{{\"seniority\":\"{seniority}\",\"company_size\":\"{size}\",\"email_type\":\"{email}\",\"account\":\"{account}\"}}"
    );
    ev.push("identify", t, &traits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_ordered() {
        let o = Options::default();
        let a = journey(&o, 42);
        let b = journey(&o, 42);
        assert_eq!(a.events, b.events);
        assert_eq!(a.outcomes, b.outcomes);
        assert!(!a.events.is_empty());
        let ts = |l: &String| -> i64 {
            let at = l.find("\"ts\":").unwrap() + 5;
            l[at..].split([',', '}']).next().unwrap().parse().unwrap()
        };
        assert!(a.events.windows(2).all(|w| ts(&w[0]) <= ts(&w[1])));
    }
}

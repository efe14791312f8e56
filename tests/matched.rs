//! Matches kept across scores (src/matched): scoring a visitor whose events change (added
//! in and out of order, pruned from the middle, cut from the front, a page view read for
//! longer, events after `now`) through a `Matched` gives the plain score's bits after
//! every change, for the demo site's and the contract's rules.

use leadscore::matched::Matched;
use leadscore::synth::{journey, Options};
use leadscore::{Event, Outcome, RuleSet};
use proptest::prelude::*;

const DEMO: &str = include_str!("../www/site/leadscore/rules.json");
const CONTRACT: &str = include_str!("fixtures/contract-rules.json");

fn same_bits(a: &Outcome, b: &Outcome) -> Result<(), TestCaseError> {
    prop_assert_eq!(a, b);
    prop_assert_eq!(a.score.to_bits(), b.score.to_bits());
    for (x, y) in a.categories.iter().zip(&b.categories) {
        prop_assert_eq!(x.1.to_bits(), y.1.to_bits());
    }
    for (x, y) in a.explain.iter().zip(&b.explain) {
        prop_assert_eq!(x.points.to_bits(), y.points.to_bits());
    }
    Ok(())
}

/// A synthetic visitor's events (several journeys, so there are enough of them).
fn pool(set: &RuleSet, seed: usize) -> Vec<Event> {
    let o = Options::default();
    let mut out: Vec<Event> = (0..4)
        .flat_map(|k| journey(&o, seed * 4 + k).events)
        .filter_map(|l| set.event_from_text(&l).ok())
        .collect();
    out.sort_by(|a, b| a.ts.total_cmp(&b.ts));
    out
}

#[derive(Debug, Clone)]
enum Step {
    /// The next event of the pool, in time order (what the tag does).
    Append,
    /// An event of the pool put at its place among the kept ones (another tab's).
    Insert(usize),
    /// Events pruned from the middle (compaction).
    Remove(usize, usize),
    /// The oldest dropped (storage full).
    KeepNewest(usize),
    /// A kept event read for longer: the same event, another dwell.
    Dwell(usize, u32),
    /// Scored before the newest event (`now` earlier than it).
    Early,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Append),
        2 => any::<usize>().prop_map(Step::Insert),
        1 => (any::<usize>(), 1usize..6).prop_map(|(a, n)| Step::Remove(a, n)),
        1 => (1usize..40).prop_map(Step::KeepNewest),
        2 => (any::<usize>(), 0u32..120_000).prop_map(|(a, d)| Step::Dwell(a, d)),
        1 => Just(Step::Early),
    ]
}

fn run(set: &RuleSet, seed: usize, steps: &[Step]) -> Result<(), TestCaseError> {
    let pool = pool(set, seed);
    prop_assume!(!pool.is_empty());
    let mut next = 0;
    let mut kept: Vec<Event> = Vec::new();
    let mut m = Matched::default();
    for s in steps {
        let mut now = kept.last().map_or(0.0, |e| e.ts);
        match *s {
            Step::Append => {
                // At the end when in time order; kept in reading order either way.
                let e = pool[next % pool.len()].clone();
                let at = kept.partition_point(|x| x.ts <= e.ts);
                kept.insert(at, e);
                next += 1;
            }
            Step::Insert(i) => {
                let e = pool[i % pool.len()].clone();
                let at = kept.partition_point(|x| x.ts <= e.ts);
                kept.insert(at, e);
            }
            Step::Remove(a, n) if !kept.is_empty() => {
                let a = a % kept.len();
                kept.drain(a..(a + n).min(kept.len()));
            }
            Step::KeepNewest(n) => {
                let cut = kept.len().saturating_sub(n);
                kept.drain(..cut);
            }
            Step::Dwell(i, d) if !kept.is_empty() => {
                let i = i % kept.len();
                kept[i].dwell_ms = d as f64;
            }
            Step::Early => now -= 3_600_000.0,
            _ => {}
        }
        now = now.max(kept.last().map_or(0.0, |e| e.ts) * (!matches!(s, Step::Early)) as u8 as f64);
        for at in [now, now + 40.0 * 86_400_000.0] {
            same_bits(&m.score(set, &kept, at), &leadscore::score(set, &kept, at))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn kept_matches_score_the_plain_bits_demo(seed in 0usize..500, steps in prop::collection::vec(step(), 1..120)) {
        run(&RuleSet::from_text(DEMO).unwrap(), seed, &steps)?;
    }

    #[test]
    fn kept_matches_score_the_plain_bits_contract(seed in 0usize..500, steps in prop::collection::vec(step(), 1..120)) {
        run(&RuleSet::from_text(CONTRACT).unwrap(), seed, &steps)?;
    }
}

/// A long journey appended one event at a time, as the tag records: every score the same.
#[test]
fn a_journey_recorded_event_by_event() {
    let set = RuleSet::from_text(DEMO).unwrap();
    let pool = pool(&set, 3);
    assert!(pool.len() > 20, "{}", pool.len());
    let mut m = Matched::default();
    let mut scored = 0;
    for n in 1..=pool.len() {
        let now = pool[n - 1].ts;
        let a = m.score(&set, &pool[..n], now);
        let b = leadscore::score(&set, &pool[..n], now);
        assert_eq!(a, b);
        assert_eq!(a.score.to_bits(), b.score.to_bits());
        scored += (a.score != 0.0) as usize;
    }
    assert!(scored > 0);
}

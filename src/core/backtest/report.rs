//! A backtest as data (one JSON object, written with the engine's JSON writer) and as the
//! text tables `leadscore backtest` prints; and a live rule set compared with a challenger.

use crate::prelude::*;
use core::fmt::Write;

use super::metrics::{Group, Report};
use super::Judged;
use crate::json::{write_num, write_str};

/// The same visitors judged by the live rules and by a challenger.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub live: Report,
    pub challenger: Report,
    /// Visitors whose band differs: (visitor, live band, challenger band, converted).
    pub band_changes: Vec<(String, String, String, bool)>,
}

/// At most this many band changes are listed (all are counted).
const CHANGES_LISTED: usize = 1000;

impl Comparison {
    pub fn new(live: Report, challenger: Report, a: &[Judged], b: &[Judged]) -> Comparison {
        let band = |j: &Judged| {
            j.result
                .band
                .clone()
                .unwrap_or_else(|| "(no band)".to_string())
        };
        let band_changes = a
            .iter()
            .zip(b)
            .filter(|(x, y)| x.result.band != y.result.band)
            .map(|(x, y)| (x.visitor.clone(), band(x), band(y), x.converted))
            .collect();
        Comparison {
            live,
            challenger,
            band_changes,
        }
    }

    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"live\":");
        o.push_str(&self.live.to_json());
        o.push_str(",\"challenger\":");
        o.push_str(&self.challenger.to_json());
        o.push_str(",\"bandChanges\":{\"count\":");
        o.push_str(&self.band_changes.len().to_string());
        o.push_str(",\"visitors\":[");
        for (i, (v, from, to, conv)) in self.band_changes.iter().take(CHANGES_LISTED).enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"visitor\":");
            write_str(&mut o, v);
            o.push_str(",\"from\":");
            write_str(&mut o, from);
            o.push_str(",\"to\":");
            write_str(&mut o, to);
            o.push_str(",\"converted\":");
            o.push_str(if *conv { "true" } else { "false" });
            o.push('}');
        }
        o.push_str("]}}");
        o
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "== live: {} ==", self.live.rules_version);
        t.push_str(&self.live.to_text());
        let _ = writeln!(t, "\n== challenger: {} ==", self.challenger.rules_version);
        t.push_str(&self.challenger.to_text());
        let (up, down): (Vec<_>, Vec<_>) = self
            .band_changes
            .iter()
            .partition(|c| rank(&self.live, &c.2) < rank(&self.live, &c.1));
        let conv = |v: &[&(String, String, String, bool)]| v.iter().filter(|c| c.3).count();
        let _ = writeln!(
            t,
            "\nband changes: {} visitors ({} to a higher band, {} of them converted; {} to a lower band, {} of them converted)",
            self.band_changes.len(),
            up.len(),
            conv(&up),
            down.len(),
            conv(&down)
        );
        for (v, from, to, c) in self.band_changes.iter().take(20) {
            let _ = writeln!(
                t,
                "  {v}: {from} -> {to}{}",
                if *c { " (converted)" } else { "" }
            );
        }
        if self.band_changes.len() > 20 {
            let _ = writeln!(t, "  … (all of them with --json)");
        }
        t
    }
}

/// Position of a band in the live report's table (higher bands first); unknown names last.
fn rank(r: &Report, band: &str) -> usize {
    r.bands
        .iter()
        .position(|g| g.name == band)
        .unwrap_or(usize::MAX)
}

fn opt_num(o: &mut String, n: Option<f64>) {
    match n {
        Some(n) => write_num(o, n),
        None => o.push_str("null"),
    }
}

fn group_json(o: &mut String, g: &Group, name_key: &str) {
    o.push_str("{\"");
    o.push_str(name_key);
    o.push_str("\":");
    write_str(o, &g.name);
    let _ = write!(
        o,
        ",\"visitors\":{},\"conversions\":{},\"rate\":",
        g.visitors, g.conversions
    );
    opt_num(o, g.rate);
    o.push_str(",\"lift\":");
    opt_num(o, g.lift);
}

impl Report {
    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"rulesVersion\":");
        write_str(&mut o, &self.rules_version);
        let _ = write!(
            o,
            ",\"visitors\":{},\"conversions\":{},\"baseRate\":",
            self.visitors, self.conversions
        );
        opt_num(&mut o, self.base_rate);
        o.push_str(",\"months\":");
        write_num(&mut o, self.months);
        o.push_str(",\"auc\":");
        opt_num(&mut o, self.auc);
        o.push_str(",\"categoryAuc\":{");
        for (i, (name, a)) in self.category_auc.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_str(&mut o, name);
            o.push(':');
            opt_num(&mut o, *a);
        }
        o.push_str("},\"bands\":[");
        for (i, g) in self.bands.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            group_json(&mut o, g, "band");
            o.push('}');
        }
        o.push_str("],\"deciles\":[");
        for (i, d) in self.deciles.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            group_json(&mut o, &d.group, "decile");
            o.push_str(",\"minScore\":");
            write_num(&mut o, d.min_score);
            o.push_str(",\"maxScore\":");
            write_num(&mut o, d.max_score);
            o.push('}');
        }
        o.push_str("],\"thresholds\":[");
        for (i, t) in self.thresholds.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"band\":");
            write_str(&mut o, &t.band);
            o.push_str(",\"min\":");
            write_num(&mut o, t.min);
            let _ = write!(o, ",\"leads\":{},\"precision\":", t.leads);
            opt_num(&mut o, t.precision);
            o.push_str(",\"recall\":");
            opt_num(&mut o, t.recall);
            o.push_str(",\"leadsPerMonth\":");
            write_num(&mut o, t.leads_per_month);
            o.push('}');
        }
        o.push_str("],\"rules\":[");
        for (i, r) in self.rules.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"rule\":");
            write_str(&mut o, &r.rule);
            o.push_str(",\"category\":");
            write_str(&mut o, &r.category);
            let _ = write!(
                o,
                ",\"firedConverters\":{},\"firedOthers\":{},\"rateConverters\":",
                r.fired_converters, r.fired_others
            );
            opt_num(&mut o, r.rate_converters);
            o.push_str(",\"rateOthers\":");
            opt_num(&mut o, r.rate_others);
            o.push_str(",\"lift\":");
            opt_num(&mut o, r.lift);
            o.push('}');
        }
        o.push_str("],\"neverFired\":[");
        for (i, r) in self.never_fired.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_str(&mut o, r);
        }
        o.push_str("],\"roc\":[");
        for (i, (x, y)) in self.roc.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            write_num(&mut o, *x);
            o.push(',');
            write_num(&mut o, *y);
            o.push(']');
        }
        o.push_str("],\"distribution\":[");
        for (i, (from, c, n)) in self.distribution.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"from\":");
            write_num(&mut o, *from);
            let _ = write!(o, ",\"converters\":{c},\"others\":{n}}}");
        }
        o.push_str("]}");
        o
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0));
        let num = |x: Option<f64>, p: usize| x.map_or("-".to_string(), |v| format!("{v:.p$}"));
        let _ = writeln!(
            t,
            "{} visitors, {} converted (base rate {}), {:.1} months of data; ROC AUC of the score {}",
            self.visitors,
            self.conversions,
            pct(self.base_rate),
            self.months,
            num(self.auc, 3)
        );
        let cats: Vec<String> = self
            .category_auc
            .iter()
            .map(|(c, a)| format!("{c} {}", num(*a, 3)))
            .collect();
        if !cats.is_empty() {
            let _ = writeln!(t, "AUC by category: {}", cats.join(", "));
        }
        let _ = writeln!(
            t,
            "\n{:<16} {:>9} {:>11} {:>8} {:>6}",
            "band", "visitors", "conversions", "rate", "lift"
        );
        for g in &self.bands {
            let _ = writeln!(
                t,
                "{:<16} {:>9} {:>11} {:>8} {:>6}",
                g.name,
                g.visitors,
                g.conversions,
                pct(g.rate),
                num(g.lift, 2)
            );
        }
        let _ = writeln!(
            t,
            "\n{:<7} {:>17} {:>9} {:>11} {:>8} {:>6}",
            "decile", "scores", "visitors", "conversions", "rate", "lift"
        );
        for d in &self.deciles {
            let g = &d.group;
            let range = format!("{:.1}..{:.1}", d.min_score, d.max_score);
            let _ = writeln!(
                t,
                "{:<7} {:>17} {:>9} {:>11} {:>8} {:>6}",
                g.name,
                range,
                g.visitors,
                g.conversions,
                pct(g.rate),
                num(g.lift, 2)
            );
        }
        let _ = writeln!(
            t,
            "\n{:<16} {:>7} {:>7} {:>10} {:>8} {:>12}",
            "threshold", "min", "leads", "precision", "recall", "leads/month"
        );
        for x in &self.thresholds {
            let _ = writeln!(
                t,
                "{:<16} {:>7} {:>7} {:>10} {:>8} {:>12.1}",
                x.band,
                x.min,
                x.leads,
                pct(x.precision),
                pct(x.recall),
                x.leads_per_month
            );
        }
        if !self.rules.is_empty() {
            let _ = writeln!(
                t,
                "\n{:<28} {:<12} {:>11} {:>8} {:>6}",
                "rule", "category", "converters", "others", "lift"
            );
        }
        for r in &self.rules {
            let _ = writeln!(
                t,
                "{:<28} {:<12} {:>11} {:>8} {:>6}",
                r.rule,
                r.category,
                pct(r.rate_converters),
                pct(r.rate_others),
                num(r.lift, 2)
            );
        }
        if !self.never_fired.is_empty() {
            let _ = writeln!(t, "\nnever fired: {}", self.never_fired.join(", "));
        }
        t
    }
}

//! Suggested points and thresholds: fit a regularised logistic regression of conversion on
//! each visitor's per-rule counts (as of their outcome) on the earlier visitors, turn the
//! weights into whole points on the scale of the current scores, and judge current and
//! suggested points on the later, held-out visitors with the real engine (decay, caps and
//! clamps included). The rules text is edited in place (points, band minimums, version),
//! so the suggestion reads as a small diff; the original file is never written.

use std::collections::HashMap;

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2, ShapeBuilder};

use super::{judge, metrics::auc, Judged, Options};
use crate::events::Event;
use crate::json::{self, Node, Value};
use crate::outcomes::OutcomeRow;
use crate::RuleSet;

/// How the first band's threshold is chosen; the other bands keep the share of visitors
/// they hold today.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// Every band keeps the share of visitors it holds under the current rules.
    KeepVolumes,
    /// The top band sends about this many leads a month.
    LeadsPerMonth(f64),
    /// The top band's lowest threshold with at least this precision.
    Precision(f64),
}

#[derive(Debug, Clone)]
pub struct SuggestOptions {
    /// Share of visitors, the latest to arrive, held out to judge the suggestion.
    pub holdout: f64,
    /// L2 regularisation weight.
    pub alpha: f64,
    pub target: Target,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            holdout: 0.3,
            alpha: 1.0,
            target: Target::KeepVolumes,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    /// (rule id, current points, suggested points)
    pub points: Vec<(String, f64, f64)>,
    /// Rules that fired in the training part but carry no weight.
    pub no_signal: Vec<String>,
    /// Rules that never fired in the training part: left as they are.
    pub no_data: Vec<String>,
    /// (band, current min, suggested min)
    pub thresholds: Vec<(String, f64, f64)>,
    pub train: usize,
    pub holdout: usize,
    pub auc_current: Option<f64>,
    pub auc_suggested: Option<f64>,
    /// The suggested rules file.
    pub rules_text: String,
}

/// Fits and judges a suggestion for the rules `text` (already read into `set`).
pub fn suggest(
    text: &str,
    set: &RuleSet,
    journeys: &[(String, Vec<Event>)],
    outcomes: &[OutcomeRow],
    options: &Options,
    so: &SuggestOptions,
) -> Result<Suggestion, String> {
    let judged = judge(set, journeys, outcomes, options);
    let order = arrival_order(journeys, outcomes, &judged);
    let cut = ((order.len() as f64) * (1.0 - so.holdout)).round() as usize;
    let (train, held) = order.split_at(cut.min(order.len()));
    let fitted: Vec<usize> = (0..set.rules.len())
        .filter(|&i| !set.rules[i].disqualify)
        .collect();
    let counts = Counts::new(&judged, &fitted, set.rules.len());
    let weights = fit(&judged, train, &counts, so.alpha)?;

    // Logits onto the scale of today's scores: the same spread over the training visitors.
    let logit = |i: usize| {
        counts
            .row(i)
            .iter()
            .zip(&weights)
            .map(|(c, w)| w * c)
            .sum::<f64>()
    };
    let spread = |xs: &mut dyn Iterator<Item = f64>| sd(&xs.collect::<Vec<_>>());
    let scale = spread(&mut train.iter().map(|&i| judged[i].result.score))
        / spread(&mut train.iter().map(|&i| logit(i)));
    if !scale.is_finite() || scale <= 0.0 {
        return Err("the rules' counts carry no signal on the earlier visitors".to_string());
    }
    let fired_in_train = |col: usize| train.iter().any(|&i| counts.row(i)[col] > 0.0);
    let mut points = Vec::new();
    let (mut no_signal, mut no_data) = (Vec::new(), Vec::new());
    for (col, (&r, w)) in fitted.iter().zip(&weights).enumerate() {
        let rule = &set.rules[r];
        let new = if fired_in_train(col) {
            (w * scale).round() + 0.0
        } else {
            rule.points
        };
        if !fired_in_train(col) {
            no_data.push(rule.id.clone());
        } else if new == 0.0 {
            no_signal.push(rule.id.clone());
        }
        points.push((rule.id.clone(), rule.points, new));
    }
    let with_points = edit_points(text, &points)?;
    let new_set =
        RuleSet::from_text(&with_points).map_err(|e| format!("suggested rules: {:?}", e[0]))?;
    let rejudged = judge(&new_set, journeys, outcomes, options);
    let thresholds = thresholds(
        set,
        &judged,
        &rejudged,
        so.target,
        super::months_spanned(journeys),
    );
    let rules_text = edit_bands(
        &with_points,
        &thresholds,
        &format!("{}-suggested", set.version),
    )?;
    RuleSet::from_text(&rules_text).map_err(|e| format!("suggested rules: {:?}", e[0]))?;
    let held_auc = |js: &[Judged]| {
        auc(&held
            .iter()
            .map(|&i| (super::metrics::rank(&js[i]), js[i].converted))
            .collect::<Vec<_>>())
    };
    Ok(Suggestion {
        points,
        no_signal,
        no_data,
        thresholds,
        train: train.len(),
        holdout: held.len(),
        auc_current: held_auc(&judged),
        auc_suggested: held_auc(&rejudged),
        rules_text,
    })
}

/// Visitors by the time they first appeared (first event, else first outcome), ties by id:
/// the split trains on the past and judges on the future, as the rules will be used.
fn arrival_order(
    journeys: &[(String, Vec<Event>)],
    outcomes: &[OutcomeRow],
    judged: &[Judged],
) -> Vec<usize> {
    let first_event: HashMap<&str, f64> = journeys
        .iter()
        .filter_map(|(v, e)| Some((v.as_str(), e.first()?.ts)))
        .collect();
    let mut first_outcome: HashMap<&str, f64> = HashMap::new();
    for r in outcomes {
        if let Some(t) = r.at {
            let slot = first_outcome.entry(r.visitor.as_str()).or_insert(t);
            *slot = slot.min(t);
        }
    }
    // Looked up once per visitor, not inside the sort's comparisons.
    let arrival: Vec<f64> = judged
        .iter()
        .map(|j| {
            let v = j.visitor.as_str();
            first_event
                .get(v)
                .or(first_outcome.get(v))
                .copied()
                .unwrap_or(j.at)
        })
        .collect();
    let mut order: Vec<usize> = (0..judged.len()).collect();
    order.sort_by(|&a, &b| {
        arrival[a]
            .total_cmp(&arrival[b])
            .then_with(|| judged[a].visitor.cmp(&judged[b].visitor))
    });
    order
}

/// Logistic regression weights (one per fitted rule) for P(converted).
fn fit(
    judged: &[Judged],
    train: &[usize],
    counts: &Counts,
    alpha: f64,
) -> Result<Vec<f64>, String> {
    let mut x = Array2::<f64>::zeros((train.len(), counts.width).f());
    for (row, &i) in train.iter().enumerate() {
        for (col, c) in counts.row(i).iter().enumerate() {
            x[[row, col]] = *c;
        }
    }
    let y: Array1<bool> = train.iter().map(|&i| judged[i].converted).collect();
    if !y.iter().any(|c| *c) || y.iter().all(|c| *c) {
        return Err("the earlier visitors must include converters and others".to_string());
    }
    let model = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(300)
        .fit(&Dataset::new(x, y))
        .map_err(|e| format!("fitting failed: {e}"))?;
    // linfa calls the more frequent class positive: make the weights favour converting.
    let sign = if model.labels().pos.class { 1.0 } else { -1.0 };
    Ok(model.params().iter().map(|w| sign * w).collect())
}

/// Each judged visitor's count of each fitted rule, read from its explanation once (a
/// lookup per visitor and rule would scan the explanation every time).
struct Counts {
    width: usize,
    cells: Vec<f64>,
}

impl Counts {
    fn new(judged: &[Judged], fitted: &[usize], rules: usize) -> Counts {
        let mut column = vec![usize::MAX; rules];
        for (col, &r) in fitted.iter().enumerate() {
            column[r] = col;
        }
        let width = fitted.len();
        let mut cells = vec![0.0; judged.len() * width];
        for (i, j) in judged.iter().enumerate() {
            // Back to front, so a rule's first line in the explanation is the one kept.
            for x in j.result.explain.iter().rev() {
                if let Some(&col) = column.get(x.index).filter(|&&c| c != usize::MAX) {
                    cells[i * width + col] = x.count as f64;
                }
            }
        }
        Counts { width, cells }
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.cells[i * self.width..(i + 1) * self.width]
    }
}

fn sd(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// New band minimums: each band keeps the share of visitors at or above its minimum
/// (the first band may aim at a volume or a precision instead), rounded to whole points
/// and kept strictly decreasing.
fn thresholds(
    set: &RuleSet,
    old: &[Judged],
    new: &[Judged],
    target: Target,
    months: f64,
) -> Vec<(String, f64, f64)> {
    let mut scores: Vec<(f64, bool)> = new
        .iter()
        .filter(|j| !j.result.disqualified)
        .map(|j| (j.result.score, j.converted))
        .collect();
    scores.sort_by(|a, b| b.0.total_cmp(&a.0));
    let at_rank = |k: usize| {
        scores
            .get(k.clamp(1, scores.len().max(1)) - 1)
            .map_or(0.0, |s| s.0.floor())
    };
    let share = |min: f64| {
        let n = old
            .iter()
            .filter(|j| !j.result.disqualified && j.result.score >= min)
            .count();
        n as f64 / old.iter().filter(|j| !j.result.disqualified).count().max(1) as f64
    };
    let mut out: Vec<(String, f64, f64)> = Vec::new();
    for (i, band) in set.bands.iter().enumerate() {
        let Some(min) = band.min else { continue };
        let by_share = at_rank((share(min) * scores.len() as f64).round() as usize);
        let mut t = match (i, target) {
            (0, Target::LeadsPerMonth(n)) => at_rank((n * months).round() as usize),
            (0, Target::Precision(p)) => precise(&scores, p).unwrap_or(by_share),
            _ => by_share,
        };
        if let Some(prev) = out.last() {
            t = t.min(prev.2 - 1.0);
        }
        out.push((band.name.clone(), min, t));
    }
    out
}

/// The lowest whole-point threshold whose leads convert with at least precision `p`.
fn precise(sorted: &[(f64, bool)], p: f64) -> Option<f64> {
    let (mut hits, mut best) = (0usize, None);
    for (k, s) in sorted.iter().enumerate() {
        hits += s.1 as usize;
        let last_of_tie = sorted.get(k + 1).is_none_or(|n| n.0.floor() < s.0.floor());
        if last_of_tie && hits as f64 / (k + 1) as f64 >= p {
            best = Some(s.0.floor());
        }
    }
    best
}

/// Text edits (byte range → replacement) applied back to front.
fn apply(text: &str, mut edits: Vec<(u32, u32, String)>) -> String {
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (at, end, with) in edits {
        out.replace_range(at as usize..end as usize, &with);
    }
    out
}

fn array<'n, 'a>(doc: &'n Node<'a>, key: &str) -> &'n [Node<'a>] {
    match doc.get(key).map(|n| &n.value) {
        Some(Value::Arr(items)) => items,
        _ => &[],
    }
}

fn edit_points(text: &str, points: &[(String, f64, f64)]) -> Result<String, String> {
    let doc = json::read(text).map_err(|e| e.message())?;
    let mut edits = Vec::new();
    for rule in array(&doc, "rules") {
        let id = rule.get("id").and_then(Node::as_str);
        let new = points.iter().find(|p| Some(p.0.as_str()) == id);
        if let (Some((_, old, new)), Some(node)) = (new, rule.get("points")) {
            if old != new {
                edits.push((node.at, node.end, number(*new)));
            }
        }
    }
    Ok(apply(text, edits))
}

fn edit_bands(
    text: &str,
    thresholds: &[(String, f64, f64)],
    version: &str,
) -> Result<String, String> {
    let doc = json::read(text).map_err(|e| e.message())?;
    let mut edits = Vec::new();
    for band in array(&doc, "bands") {
        let name = band.get("name").and_then(Node::as_str);
        let t = thresholds.iter().find(|t| Some(t.0.as_str()) == name);
        if let (Some((_, _, new)), Some(node)) = (t, band.get("min")) {
            edits.push((node.at, node.end, number(*new)));
        }
    }
    if let Some(node) = doc.get("version") {
        let mut quoted = String::new();
        json::write_str(&mut quoted, version);
        edits.push((node.at, node.end, quoted));
    }
    Ok(apply(text, edits))
}

fn number(n: f64) -> String {
    let mut s = String::new();
    json::write_num(&mut s, n);
    s
}

impl Suggestion {
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut t = String::new();
        let num = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
        let _ = writeln!(
            t,
            "fitted on the first {} visitors to arrive, judged on the last {}:\nROC AUC on the held-out visitors: current {}, suggested {}",
            self.train,
            self.holdout,
            num(self.auc_current),
            num(self.auc_suggested)
        );
        let _ = writeln!(t, "\n{:<28} {:>8} {:>10}", "rule", "points", "suggested");
        for (id, old, new) in &self.points {
            let mark = if old != new { "" } else { "  (same)" };
            let _ = writeln!(t, "{id:<28} {old:>8} {new:>10}{mark}");
        }
        if !self.no_signal.is_empty() {
            let _ = writeln!(
                t,
                "\nno signal (suggested 0): {}",
                self.no_signal.join(", ")
            );
        }
        if !self.no_data.is_empty() {
            let _ = writeln!(
                t,
                "never fired among the earlier visitors (left as they are): {}",
                self.no_data.join(", ")
            );
        }
        let _ = writeln!(t, "\n{:<16} {:>8} {:>10}", "band", "min", "suggested");
        for (band, old, new) in &self.thresholds {
            let _ = writeln!(t, "{band:<16} {old:>8} {new:>10}");
        }
        t
    }

    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"train\":");
        o.push_str(&self.train.to_string());
        o.push_str(",\"holdout\":");
        o.push_str(&self.holdout.to_string());
        let opt = |o: &mut String, v: Option<f64>| match v {
            Some(v) => json::write_num(o, v),
            None => o.push_str("null"),
        };
        o.push_str(",\"aucCurrent\":");
        opt(&mut o, self.auc_current);
        o.push_str(",\"aucSuggested\":");
        opt(&mut o, self.auc_suggested);
        o.push_str(",\"points\":[");
        for (i, (id, old, new)) in self.points.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"rule\":");
            json::write_str(&mut o, id);
            o.push_str(",\"current\":");
            json::write_num(&mut o, *old);
            o.push_str(",\"suggested\":");
            json::write_num(&mut o, *new);
            o.push('}');
        }
        let list = |o: &mut String, key: &str, items: &[String]| {
            o.push_str(",\"");
            o.push_str(key);
            o.push_str("\":[");
            for (i, s) in items.iter().enumerate() {
                if i > 0 {
                    o.push(',');
                }
                json::write_str(o, s);
            }
            o.push(']');
        };
        o.push(']');
        list(&mut o, "noSignal", &self.no_signal);
        list(&mut o, "noData", &self.no_data);
        o.push_str(",\"thresholds\":[");
        for (i, (band, old, new)) in self.thresholds.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"band\":");
            json::write_str(&mut o, band);
            o.push_str(",\"current\":");
            json::write_num(&mut o, *old);
            o.push_str(",\"suggested\":");
            json::write_num(&mut o, *new);
            o.push('}');
        }
        o.push_str("],\"rules\":");
        json::write_str(&mut o, &self.rules_text);
        o.push('}');
        o
    }
}

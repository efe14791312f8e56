//! Accounts scored together with their contacts (account-based marketing): each contact's
//! result rolls up into an account score (the sum of the best N contacts' scores, plus fit
//! points for a target account), with the number of engaged contacts and the roles they
//! hold; a disqualified account disqualifies every contact. Pure, and batch or server
//! side only: it needs many visitors' results, which a browser never has.

use crate::prelude::*;

use crate::events::Event;
use crate::explain::Outcome;
use crate::json::Value;
use crate::rules::Accounts;

/// One contact as the roll-up sees them.
pub struct Contact<'a> {
    pub visitor: &'a str,
    pub result: &'a Outcome,
    /// The contact's role (the `roleTrait`'s value), when known.
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountResult {
    pub account: String,
    pub score: f64,
    pub contacts: usize,
    pub engaged: usize,
    /// Distinct roles of the engaged contacts, sorted.
    pub roles: Vec<String>,
    pub target: bool,
    pub disqualified: bool,
    pub band: Option<String>,
    pub action: Option<String>,
    /// The contacts whose scores make up the account score, best first.
    pub top: Vec<(String, f64)>,
}

/// A trait's final string (or whole-number) value as of `now`.
pub fn trait_value(events: &[Event], name: &str, now: f64) -> Option<String> {
    match crate::engine::final_trait(events, now, name)? {
        Value::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some((*n as i64).to_string()),
        _ => None,
    }
}

fn listed(list: &[String], account: &str) -> bool {
    let a = account.to_ascii_lowercase();
    list.contains(&a)
}

/// Whether the account's contacts are all disqualified.
pub fn is_disqualified(cfg: &Accounts, account: &str) -> bool {
    listed(&cfg.disqualified, account)
}

/// A contact's result once their account is known: a disqualified account disqualifies it.
pub fn apply_to_contact(cfg: &Accounts, account: &str, result: &mut Outcome) {
    if is_disqualified(cfg, account) {
        result.disqualified = true;
        result.band = Some("disqualified".to_string());
        result.action = None;
        result.band_index = None;
    }
}

/// The account's result from its contacts' results.
pub fn roll_up(cfg: &Accounts, account: &str, contacts: &[Contact<'_>]) -> AccountResult {
    let mut ranked: Vec<(&str, f64)> = contacts
        .iter()
        .filter(|c| !c.result.disqualified)
        .map(|c| (c.visitor, c.result.score))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked.truncate(cfg.top);
    let target = listed(&cfg.targets, account);
    let disqualified = is_disqualified(cfg, account);
    let score =
        ranked.iter().map(|x| x.1).sum::<f64>() + if target { cfg.target_points } else { 0.0 };
    let engaged: Vec<&Contact> = contacts
        .iter()
        .filter(|c| !c.result.disqualified && c.result.score >= cfg.engaged_min)
        .collect();
    let mut roles: Vec<String> = engaged.iter().filter_map(|c| c.role.clone()).collect();
    roles.sort();
    roles.dedup();
    let band = (!disqualified)
        .then(|| cfg.bands.iter().find(|b| b.min.is_none_or(|m| m <= score)))
        .flatten();
    AccountResult {
        account: account.to_string(),
        score,
        contacts: contacts.len(),
        engaged: engaged.len(),
        roles,
        target,
        disqualified,
        band: if disqualified {
            Some("disqualified".to_string())
        } else {
            band.map(|b| b.name.clone())
        },
        action: band.and_then(|b| b.action.clone()),
        top: ranked
            .into_iter()
            .map(|(v, s)| (v.to_string(), s))
            .collect(),
    }
}

impl AccountResult {
    /// One line of JSON, as `leadscore score --accounts` prints it.
    pub fn to_json(&self) -> String {
        use crate::json::{write_num, write_str};
        let mut o = String::from("{\"account\":");
        write_str(&mut o, &self.account);
        o.push_str(",\"score\":");
        write_num(&mut o, self.score);
        o.push_str(",\"band\":");
        match &self.band {
            Some(b) => write_str(&mut o, b),
            None => o.push_str("null"),
        }
        o.push_str(",\"action\":");
        match &self.action {
            Some(a) => write_str(&mut o, a),
            None => o.push_str("null"),
        }
        o.push_str(",\"disqualified\":");
        o.push_str(if self.disqualified { "true" } else { "false" });
        o.push_str(",\"target\":");
        o.push_str(if self.target { "true" } else { "false" });
        o.push_str(",\"contacts\":");
        o.push_str(&self.contacts.to_string());
        o.push_str(",\"engaged\":");
        o.push_str(&self.engaged.to_string());
        o.push_str(",\"roles\":[");
        for (i, r) in self.roles.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_str(&mut o, r);
        }
        o.push_str("],\"top\":[");
        for (i, (v, s)) in self.top.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"visitor\":");
            write_str(&mut o, v);
            o.push_str(",\"score\":");
            write_num(&mut o, *s);
            o.push('}');
        }
        o.push_str("]}");
        o
    }
}

/// Every account of a batch, as of `now`: contacts grouped by their account trait, each
/// account rolled up; contacts without an account are not in any. Sorted by account.
pub fn score_accounts<V: AsRef<str>>(
    set: &crate::RuleSet,
    cfg: &Accounts,
    journeys: &[(V, Vec<Event>)],
    now: f64,
) -> Vec<AccountResult> {
    let mut members: Vec<(String, usize, Outcome, Option<String>)> = Vec::new();
    for (i, (_, events)) in journeys.iter().enumerate() {
        if let Some(account) = trait_value(events, &cfg.trait_name, now) {
            let role = cfg
                .role_trait
                .as_deref()
                .and_then(|t| trait_value(events, t, now));
            members.push((account, i, crate::engine::score(set, events, now), role));
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for group in members.chunk_by(|a, b| a.0 == b.0) {
        let contacts: Vec<Contact> = group
            .iter()
            .map(|(_, i, result, role)| Contact {
                visitor: journeys[*i].0.as_ref(),
                result,
                role: role.clone(),
            })
            .collect();
        out.push(roll_up(cfg, &group[0].0, &contacts));
    }
    out
}

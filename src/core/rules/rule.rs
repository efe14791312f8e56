//! One scoring rule: its fields, its `when` (event, sequence or traits), and the checks
//! that tie it to the rest of the document (categories, page categories, tracking plan).

use crate::prelude::*;

use super::conditions::compile as read_cond;
use super::*;
use crate::conditions;

/// Reads `when` of an event or a sequence step.
pub(crate) fn event_cond(
    r: &mut Reader,
    set: &RuleSet,
    node: &Node,
    path: &str,
    allowed: &'static [&'static str],
) -> Option<EventCond> {
    let obj = r.object(node, path, allowed)?;
    let ty = r.req_str(obj, "event", path)?;
    let Some(event) = set.event_id(ty) else {
        r.fail(
            ErrorKind::UnknownEvent(ty.to_string()),
            &join(path, "event"),
            obj.get("event"),
        );
        return None;
    };
    let mut ok = true;
    let page = match obj.get("page") {
        None => None,
        Some(n) => match r.str_of(n, &join(path, "page")) {
            Some(name) => match set.page_id(name) {
                Some(id) => Some(id),
                None => {
                    r.fail(
                        ErrorKind::UnknownPageCategory(name.into()),
                        &join(path, "page"),
                        Some(n),
                    );
                    ok = false;
                    None
                }
            },
            None => {
                ok = false;
                None
            }
        },
    };
    let form = match obj.get("form") {
        None => None,
        Some(n) => match r
            .any_str(n, &join(path, "form"))
            .map(|s| Glob::compile(s, Flavor::Text))
        {
            Some(Ok(g)) => Some(g),
            Some(Err(m)) => {
                r.fail(ErrorKind::BadGlob(m), &join(path, "form"), Some(n));
                ok = false;
                None
            }
            None => {
                ok = false;
                None
            }
        },
    };
    let dwell = r.num(obj, "minDwellSeconds", path, &limits::DWELL);
    let mut conds = Vec::new();
    if let Some(list) = obj.get("where") {
        let wpath = join(path, "where");
        let (name, props) = &set.event_types[event as usize];
        for (i, c) in r
            .array(list, &wpath, "where")
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            match read_cond(r, c, &at_index(&wpath, i), Some((name, props))) {
                Some(c) => conds.push(c),
                None => ok = false,
            }
        }
    }
    let min_dwell_ms = dwell.ok()?.unwrap_or(0.0) * 1000.0;
    let page_names = conds
        .iter()
        .any(|c| c.field == conditions::Field::Page)
        .then(|| set.page_names.clone());
    ok.then_some(EventCond {
        event,
        page,
        form,
        min_dwell_ms,
        conds,
        page_names,
    })
}

pub(super) fn rule(
    r: &mut Reader,
    set: &RuleSet,
    node: &Node,
    path: &str,
    doc_half_life: Option<f64>,
) -> Option<Rule> {
    let obj = r.object(node, path, RULE_FIELDS)?;
    let id = r.req_str(obj, "id", path);
    let category = match r.req_str(obj, "category", path) {
        Some(name) => match set.category_id(name) {
            Some(i) => Some(i),
            None => {
                let p = join(path, "category");
                r.fail(
                    ErrorKind::UnknownCategory(name.into()),
                    &p,
                    obj.get("category"),
                );
                None
            }
        },
        None => None,
    };
    let points = match obj.get("points") {
        None => {
            r.missing("points", path, obj);
            None
        }
        Some(_) => r.num(obj, "points", path, &limits::POINTS).ok().flatten(),
    };
    let disqualify = match obj.get("disqualify") {
        None => Some(false),
        Some(Node {
            value: Value::Bool(b),
            ..
        }) => Some(*b),
        Some(n) => {
            r.wrong("true or false", &join(path, "disqualify"), n);
            None
        }
    };
    let max_count = r.num(obj, "maxCount", path, &limits::MAX_COUNT);
    // skipFirst (a leadscore extension) counts occurrences like maxCount.
    let skip_first = r.num(obj, "skipFirst", path, &limits::MAX_COUNT);
    let cooldown = r.num(obj, "cooldownMinutes", path, &limits::COOLDOWN);
    let within = r.num(obj, "withinDays", path, &limits::WITHIN_DAYS);
    let half_life = match obj.get("halfLifeDays") {
        None => Ok(doc_half_life),
        Some(Node {
            value: Value::Null, ..
        }) => Ok(None),
        Some(_) => r.num(obj, "halfLifeDays", path, &limits::RULE_HALF_LIFE),
    };

    let wpath = join(path, "when");
    let when = match obj.get("when") {
        None => {
            r.missing("when", path, obj);
            None
        }
        Some(w) => when(r, set, w, &wpath),
    };
    if let Some(When::Traits(_)) = when {
        for key in [
            "maxCount",
            "skipFirst",
            "cooldownMinutes",
            "withinDays",
            "halfLifeDays",
        ] {
            if let Some(n) = obj.get(key) {
                r.fail_key(ErrorKind::NotForTraits(key), &join(path, key), n);
            }
        }
    }
    Some(Rule {
        id: id?.to_string(),
        category: category?,
        points: points?,
        max_count: max_count.ok()?.map(|x| x as usize),
        skip_first: skip_first.ok()?.map_or(0, |x| x as usize),
        cooldown_minutes: cooldown.ok()?.unwrap_or(0.0),
        within_days: within.ok()?,
        half_life_days: half_life.ok()?,
        disqualify: disqualify?,
        when: when?,
    })
}

fn when(r: &mut Reader, set: &RuleSet, w: &Node, path: &str) -> Option<When> {
    let Value::Obj(fields) = &w.value else {
        r.wrong("an object", path, w);
        return None;
    };
    let has = |k: &str| fields.iter().any(|(f, _)| f == k);
    match (has("event"), has("sequence"), has("traits")) {
        (true, false, false) => event_cond(r, set, w, path, EVENT_COND_FIELDS).map(When::Event),
        (false, true, false) => {
            r.object(w, path, SEQUENCE_FIELDS)?;
            let seq = w.get("sequence")?;
            let spath = join(path, "sequence");
            let steps_nodes = match &seq.value {
                Value::Arr(items) => items,
                _ => {
                    r.wrong("an array", &spath, seq);
                    return None;
                }
            };
            if steps_nodes.len() < 2 {
                r.fail(ErrorKind::SequenceTooShort, &spath, Some(seq));
            } else if steps_nodes.len() > MAX_STEPS {
                r.fail(
                    ErrorKind::InvalidValue("a sequence has at most 8 steps"),
                    &spath,
                    Some(seq),
                );
            }
            let mut steps = Vec::new();
            let mut ok = (2..=MAX_STEPS).contains(&steps_nodes.len());
            for (i, s) in steps_nodes.iter().enumerate() {
                match event_cond(r, set, s, &at_index(&spath, i), EVENT_COND_FIELDS) {
                    Some(c) => steps.push(c),
                    None => ok = false,
                }
            }
            let span = match w.get("maxSpanDays") {
                None => {
                    r.missing("maxSpanDays", path, w);
                    None
                }
                Some(_) => r
                    .num(w, "maxSpanDays", path, &limits::SPAN_DAYS)
                    .ok()
                    .flatten(),
            };
            let max_span_days = span?;
            ok.then_some(When::Sequence {
                steps,
                max_span_days,
            })
        }
        (false, false, true) => {
            r.object(w, path, TRAITS_FIELDS)?;
            let tpath = join(path, "traits");
            let list = r.array(w.get("traits")?, &tpath, "traits")?;
            let mut conds = Vec::new();
            let mut ok = true;
            for (i, c) in list.iter().enumerate() {
                match read_cond(r, c, &at_index(&tpath, i), None) {
                    Some(c) => conds.push(c),
                    None => ok = false,
                }
            }
            ok.then_some(When::Traits(conds))
        }
        _ => {
            r.fail(ErrorKind::AmbiguousWhen, path, Some(w));
            None
        }
    }
}

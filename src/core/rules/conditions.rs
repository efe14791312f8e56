//! Reading a `COND` (`{ field, op, value }`) from the rules text into a [`Cond`]: which
//! fields an event or a traits condition may name, and each operator's value type. The
//! evaluation lives in `crate::conditions`, which knows nothing of reading.

use crate::prelude::*;

use super::Reader;
use crate::conditions::{Cond, Field, Op};
use crate::error::ErrorKind;
use crate::json::{Node, Value};
use crate::pages::{Flavor, Glob};

pub const COND_FIELDS: &[&str] = &["field", "op", "value"];

/// Reads one COND. `event_props` is `Some(allowed props)` for an event condition and
/// `None` for a traits condition (any key is a trait).
pub fn compile(
    r: &mut Reader,
    node: &Node,
    path: &str,
    event_props: Option<(&str, &[String])>,
) -> Option<Cond> {
    let obj = r.object(node, path, COND_FIELDS)?;
    let field_path = [path, ".field"].concat();
    let name = r.req_str(obj, "field", path)?;
    let field = match event_props {
        None => Field::Trait(name.to_string()),
        Some((event, props)) => match name {
            "url" => Field::Url,
            "form" => Field::Form,
            "page" => Field::Page,
            _ => match name.strip_prefix("props.") {
                // The plan's props are sorted (see `rules::compile`).
                Some(p) if props.binary_search_by(|q| q.as_str().cmp(p)).is_ok() => {
                    Field::Prop(p.to_string())
                }
                Some(p) => {
                    r.fail(
                        ErrorKind::UnknownProp {
                            event: event.to_string(),
                            prop: p.to_string(),
                        },
                        &field_path,
                        obj.get("field"),
                    );
                    return None;
                }
                None => {
                    r.fail(
                        ErrorKind::UnknownConditionField(name.to_string()),
                        &field_path,
                        obj.get("field"),
                    );
                    return None;
                }
            },
        },
    };
    let op_name = r.req_str(obj, "op", path)?;
    let value_path = [path, ".value"].concat();
    let Some(value) = obj.get("value") else {
        r.missing("value", path, node);
        return None;
    };
    let v = &value.value;
    let wrong = |r: &mut Reader, expected: &'static str| {
        r.fail(
            ErrorKind::WrongType {
                expected,
                found: v.kind(),
            },
            &value_path,
            Some(value),
        );
        None
    };
    let list = |v: &Value<'_>| match v {
        Value::Arr(items) => Some(
            items
                .iter()
                .map(|n| n.value.to_owned_value())
                .collect::<Vec<_>>(),
        ),
        _ => None,
    };
    let scalar = |v: &Value<'_>| matches!(v, Value::Num(_) | Value::Str(_));
    let op = match op_name {
        "eq" => Op::Eq(v.to_owned_value()),
        "ne" => Op::Ne(v.to_owned_value()),
        "in" => match list(v) {
            Some(l) => Op::In(l),
            None => return wrong(r, "an array"),
        },
        "notIn" => match list(v) {
            Some(l) => Op::NotIn(l),
            None => return wrong(r, "an array"),
        },
        "gt" | "gte" | "lt" | "lte" if !scalar(v) => return wrong(r, "a number or a string"),
        "gt" => Op::Gt(v.to_owned_value()),
        "gte" => Op::Gte(v.to_owned_value()),
        "lt" => Op::Lt(v.to_owned_value()),
        "lte" => Op::Lte(v.to_owned_value()),
        "contains" => Op::Contains(v.to_owned_value()),
        "matches" => match v {
            Value::Str(s) => match Glob::compile(s, Flavor::Text) {
                Ok(g) => Op::Matches(g),
                Err(m) => {
                    r.fail(ErrorKind::BadGlob(m), &value_path, Some(value));
                    return None;
                }
            },
            _ => return wrong(r, "a string"),
        },
        "exists" => match v {
            Value::Bool(b) => Op::Exists(*b),
            _ => return wrong(r, "true or false"),
        },
        other => {
            r.fail(
                ErrorKind::UnknownOp(other.to_string()),
                &[path, ".op"].concat(),
                obj.get("op"),
            );
            return None;
        }
    };
    Some(Cond { field, op })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::Val;
    use crate::json::{parse, Owned};

    fn cond(text: &str) -> Cond {
        let n = parse(text).unwrap();
        let mut r = Reader::new(Some(text));
        let c = compile(&mut r, &n, "c", None).unwrap();
        assert!(r.errors.is_empty());
        c
    }
    fn num(n: f64) -> Owned {
        Value::Num(n)
    }
    fn s(x: &str) -> Owned {
        Value::Str(x.to_string().into())
    }
    fn holds(c: &Cond, v: &Value<'_>) -> bool {
        c.holds(Some(Val::Json(v)))
    }

    #[test]
    fn equality_is_typed() {
        let c = cond(r#"{"field":"size","op":"eq","value":250}"#);
        assert!(holds(&c, &num(250.0)));
        assert!(!holds(&c, &s("250")));
        let c = cond(r#"{"field":"size","op":"ne","value":250}"#);
        assert!(holds(&c, &s("250")));
        assert!(!c.holds(None), "missing field makes ne false too");
        let c = cond(r#"{"field":"x","op":"in","value":["vp","c_level"]}"#);
        assert!(holds(&c, &s("vp")) && !holds(&c, &s("VP")));
        let c = cond(r#"{"field":"x","op":"notIn","value":["vp"]}"#);
        assert!(holds(&c, &num(1.0)) && !c.holds(None));
    }

    #[test]
    fn ordering_only_within_a_type() {
        let c = cond(r#"{"field":"x","op":"gte","value":200}"#);
        assert!(holds(&c, &num(200.0)) && !holds(&c, &s("300")));
        let c = cond(r#"{"field":"x","op":"lt","value":"b"}"#);
        assert!(holds(&c, &s("a")) && !holds(&c, &s("b")) && !holds(&c, &num(1.0)));
    }

    #[test]
    fn contains_matches_exists() {
        let c = cond(r#"{"field":"x","op":"contains","value":"Ops"}"#);
        assert!(holds(&c, &s("RevOps lead")) && !holds(&c, &s("revops")));
        let list = parse(r#"["a","Ops"]"#).unwrap().value;
        assert!(holds(&c, &list));
        let c = cond(r#"{"field":"x","op":"matches","value":"*@ACME.*"}"#);
        assert!(holds(&c, &s("jo@acme.io")) && !holds(&c, &num(1.0)));
        let c = cond(r#"{"field":"x","op":"exists","value":false}"#);
        assert!(c.holds(None) && !holds(&c, &Value::Null));
    }

    #[test]
    fn reports_bad_ops_and_values() {
        for (text, code) in [
            (r#"{"field":"x","op":"like","value":1}"#, "unknown_op"),
            (r#"{"field":"x","op":"in","value":1}"#, "wrong_type"),
            (r#"{"field":"x","op":"exists","value":1}"#, "wrong_type"),
            (r#"{"field":"x","op":"gt","value":[1]}"#, "wrong_type"),
            (r#"{"field":"x","op":"eq"}"#, "missing_field"),
            (
                r#"{"field":"x","op":"eq","value":1,"vlaue":2}"#,
                "unknown_field",
            ),
        ] {
            let n = parse(text).unwrap();
            let mut r = Reader::new(Some(text));
            compile(&mut r, &n, "c", None);
            assert_eq!(r.errors.first().map(|e| e.code()), Some(code), "{text}");
        }
    }
}

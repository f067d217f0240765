//! json and jsonb operators (`->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&`, `||`, `-`,
//! `#-`) and functions (jsonb_build_object, to_jsonb, jsonb_set, ...), with PostgreSQL 15's
//! results and errors.

use crate::error::{PgError, PgResult};
use crate::sql::cast::parse_text_as;
use crate::types::jsonb::{json_parts, JsonParts};
use crate::types::{format_float8, format_timestamp, Jsonb, SqlType, Value};
use sqlparser::ast::BinaryOperator;

fn text_array() -> SqlType {
    SqlType::Array(Box::new(SqlType::Text))
}

/// A jsonb argument: a jsonb value, json, or an untyped literal read as jsonb.
pub fn jsonb_arg(v: &Value) -> PgResult<Option<Jsonb>> {
    Ok(match v {
        Value::Null => None,
        Value::Jsonb(j) => Some(j.clone()),
        Value::Json(t) | Value::Text(t) => Some(Jsonb::parse(t)?),
        other => return Err(wrong_type(&other.natural_type(), "jsonb")),
    })
}

fn wrong_type(actual: &SqlType, wanted: &str) -> PgError {
    PgError::new(
        "42804",
        format!("argument of type {} is not {wanted}", actual.pg_name()),
    )
}

/// A text[] operand (`'{a,b}'` or `ARRAY['a','b']`): its elements, NULLs as `None`.
fn text_list(v: &Value) -> PgResult<Vec<Option<String>>> {
    let items = match v {
        Value::Array(items) => items.clone(),
        Value::Text(s) => match parse_text_as(s, &text_array())? {
            Value::Array(items) => items,
            _ => Vec::new(),
        },
        other => {
            return Err(no_operator_value(other));
        }
    };
    Ok(items.iter().map(Value::to_pg_text).collect())
}

fn no_operator_value(v: &Value) -> PgError {
    PgError::new(
        "42883",
        format!(
            "operator does not exist: jsonb #> {}",
            v.natural_type().pg_name()
        ),
    )
}

fn no_operator(l: &Value, op: &str, r: &Value, r_literal: bool) -> PgError {
    let right = if r_literal {
        "unknown".to_string()
    } else {
        r.natural_type().pg_name()
    };
    PgError::new(
        "42883",
        format!(
            "operator does not exist: {} {op} {right}",
            l.natural_type().pg_name()
        ),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// Whether `op` is one of the json operators this module evaluates.
pub fn is_json_operator(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Arrow
            | BinaryOperator::LongArrow
            | BinaryOperator::HashArrow
            | BinaryOperator::HashLongArrow
            | BinaryOperator::AtArrow
            | BinaryOperator::ArrowAt
            | BinaryOperator::Question
            | BinaryOperator::QuestionAnd
            | BinaryOperator::QuestionPipe
            | BinaryOperator::HashMinus
    )
}

/// The result type of a json operator, or of `||`/`-` with a jsonb operand; `None` when the
/// operator is not a json one for these operand types.
pub fn operator_type(l: &SqlType, op: &BinaryOperator, r: &SqlType) -> Option<SqlType> {
    let json_like = |t: &SqlType| matches!(t, SqlType::Json | SqlType::Jsonb);
    match op {
        BinaryOperator::Arrow | BinaryOperator::HashArrow if json_like(l) => Some(l.clone()),
        BinaryOperator::LongArrow | BinaryOperator::HashLongArrow => Some(SqlType::Text),
        BinaryOperator::AtArrow
        | BinaryOperator::ArrowAt
        | BinaryOperator::Question
        | BinaryOperator::QuestionAnd
        | BinaryOperator::QuestionPipe => Some(SqlType::Bool),
        BinaryOperator::HashMinus => Some(SqlType::Jsonb),
        BinaryOperator::StringConcat
            if matches!(
                (l, r),
                (SqlType::Jsonb, SqlType::Jsonb | SqlType::Unknown)
                    | (SqlType::Unknown, SqlType::Jsonb)
            ) =>
        {
            Some(SqlType::Jsonb)
        }
        BinaryOperator::Minus if matches!(l, SqlType::Jsonb) => Some(SqlType::Jsonb),
        _ => None,
    }
}

/// The type an untyped literal on the right of `op` takes when the left is json or jsonb.
pub fn right_operand_type(op: &BinaryOperator) -> Option<SqlType> {
    match op {
        BinaryOperator::Arrow
        | BinaryOperator::LongArrow
        | BinaryOperator::Question
        | BinaryOperator::Minus => Some(SqlType::Text),
        BinaryOperator::HashArrow
        | BinaryOperator::HashLongArrow
        | BinaryOperator::QuestionAnd
        | BinaryOperator::QuestionPipe
        | BinaryOperator::HashMinus => Some(text_array()),
        BinaryOperator::AtArrow | BinaryOperator::ArrowAt | BinaryOperator::StringConcat => {
            Some(SqlType::Jsonb)
        }
        _ => None,
    }
}

/// Evaluates a json operator; `None` when the operands are not json ones for `op` (the
/// caller's own operators apply).
pub fn operator(
    l: &Value,
    op: &BinaryOperator,
    r: &Value,
    l_literal: bool,
    r_literal: bool,
) -> Option<PgResult<Value>> {
    let is_json = |v: &Value| matches!(v, Value::Jsonb(_) | Value::Json(_));
    let applies = match op {
        BinaryOperator::StringConcat => {
            matches!(
                (l, r),
                (Value::Jsonb(_), Value::Jsonb(_) | Value::Null) | (Value::Null, Value::Jsonb(_))
            ) || (matches!(l, Value::Jsonb(_)) && r_literal)
                || (matches!(r, Value::Jsonb(_)) && l_literal)
        }
        BinaryOperator::Minus => matches!(l, Value::Jsonb(_)),
        BinaryOperator::ArrowAt if l_literal => is_json(r) || r.is_null(),
        other if is_json_operator(other) => true,
        _ => false,
    };
    if !applies {
        return None;
    }
    if l.is_null() || r.is_null() {
        return Some(Ok(Value::Null));
    }
    Some(eval_operator(l, op, r, l_literal, r_literal))
}

fn eval_operator(
    l: &Value,
    op: &BinaryOperator,
    r: &Value,
    l_literal: bool,
    r_literal: bool,
) -> PgResult<Value> {
    let op_name = op.to_string();
    if let Value::Json(text) = l {
        return json_operator(text, op, r)
            .unwrap_or_else(|| Err(no_operator(l, &op_name, r, r_literal)));
    }
    let left = match l {
        Value::Jsonb(j) => j.clone(),
        Value::Text(s) if l_literal => Jsonb::parse(s)?,
        _ => return Err(no_operator(l, &op_name, r, r_literal)),
    };
    let as_jsonb = |v: &Value| -> PgResult<Jsonb> {
        match v {
            Value::Jsonb(j) => Ok(j.clone()),
            Value::Text(s) if r_literal => Jsonb::parse(s),
            _ => Err(no_operator(l, &op_name, r, r_literal)),
        }
    };
    let out = match op {
        BinaryOperator::Arrow | BinaryOperator::LongArrow => {
            let found = match r {
                Value::Text(key) => left.get(key),
                v => match v.as_i64() {
                    Some(i) => left.element(i),
                    None => return Err(no_operator(l, &op_name, r, r_literal)),
                },
            };
            match (found, op) {
                (None, _) => Value::Null,
                (Some(v), BinaryOperator::Arrow) => Value::Jsonb(v.clone()),
                (Some(v), _) => v.as_text().map(Value::Text).unwrap_or(Value::Null),
            }
        }
        BinaryOperator::HashArrow | BinaryOperator::HashLongArrow => {
            let path = text_list(r)?;
            match follow_path(&left, &path) {
                None => Value::Null,
                Some(v) if matches!(op, BinaryOperator::HashArrow) => Value::Jsonb(v.clone()),
                Some(v) => v.as_text().map(Value::Text).unwrap_or(Value::Null),
            }
        }
        BinaryOperator::AtArrow => Value::Bool(left.contains(&as_jsonb(r)?)),
        BinaryOperator::ArrowAt => Value::Bool(as_jsonb(r)?.contains(&left)),
        BinaryOperator::Question => match r {
            Value::Text(key) => Value::Bool(left.has_key(key)),
            _ => return Err(no_operator(l, &op_name, r, r_literal)),
        },
        BinaryOperator::QuestionPipe | BinaryOperator::QuestionAnd => {
            let keys = text_list(r)?;
            let mut hits = keys.iter().flatten().map(|k| left.has_key(k));
            Value::Bool(if matches!(op, BinaryOperator::QuestionPipe) {
                hits.any(|h| h)
            } else {
                hits.all(|h| h)
            })
        }
        BinaryOperator::StringConcat => Value::Jsonb(concat(left, as_jsonb(r)?)?),
        BinaryOperator::Minus => Value::Jsonb(match r {
            Value::Text(key) => delete_keys(left, std::slice::from_ref(key))?,
            Value::Array(_) => {
                let keys: Vec<String> = text_list(r)?.into_iter().flatten().collect();
                delete_keys(left, &keys)?
            }
            v => match v.as_i64() {
                Some(i) => delete_index(left, i)?,
                None => return Err(no_operator(l, &op_name, r, r_literal)),
            },
        }),
        BinaryOperator::HashMinus => {
            let path = text_list(r)?;
            Value::Jsonb(delete_path(left, &path, 0)?)
        }
        _ => return Err(no_operator(l, &op_name, r, r_literal)),
    };
    Ok(out)
}

/// `->`, `->>`, `#>`, `#>>` on json: the member's text as written.
fn json_operator(text: &str, op: &BinaryOperator, r: &Value) -> Option<PgResult<Value>> {
    let path: Vec<Option<String>> = match op {
        BinaryOperator::Arrow | BinaryOperator::LongArrow => match r {
            Value::Text(k) => vec![Some(k.clone())],
            v => vec![Some(v.as_i64()?.to_string())],
        },
        BinaryOperator::HashArrow | BinaryOperator::HashLongArrow => match text_list(r) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        },
        _ => return None,
    };
    let by_key = matches!(op, BinaryOperator::Arrow | BinaryOperator::LongArrow)
        && matches!(r, Value::Text(_));
    let mut current = text;
    for step in &path {
        let Some(step) = step else {
            return Some(Ok(Value::Null));
        };
        let next = match json_parts(current) {
            Err(e) => return Some(Err(e)),
            Ok(JsonParts::Object(pairs)) if by_key || path.len() > 1 || !is_index(r) => pairs
                .into_iter()
                .rev()
                .find(|(k, _)| k == step)
                .map(|(_, v)| v),
            Ok(JsonParts::Array(items)) if !by_key => step
                .parse::<i64>()
                .ok()
                .and_then(|i| {
                    let i = if i < 0 { items.len() as i64 + i } else { i };
                    usize::try_from(i).ok()
                })
                .and_then(|i| items.get(i).copied()),
            _ => None,
        };
        match next {
            Some(n) => current = n,
            None => return Some(Ok(Value::Null)),
        }
    }
    let as_text = matches!(
        op,
        BinaryOperator::LongArrow | BinaryOperator::HashLongArrow
    );
    Some(Ok(if as_text {
        match Jsonb::parse(current) {
            Ok(Jsonb::Null) => Value::Null,
            Ok(Jsonb::String(s)) => Value::Text(s),
            _ => Value::Text(current.to_string()),
        }
    } else {
        Value::Json(current.to_string())
    }))
}

fn is_index(v: &Value) -> bool {
    v.as_i64().is_some()
}

/// `#>`'s walk: keys into objects, integer texts into arrays.
fn follow_path<'j>(root: &'j Jsonb, path: &[Option<String>]) -> Option<&'j Jsonb> {
    let mut cur = root;
    for step in path {
        let step = step.as_deref()?;
        cur = match cur {
            Jsonb::Object(_) => cur.get(step)?,
            Jsonb::Array(_) => cur.element(step.trim().parse::<i64>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `||`: arrays concatenate, objects merge (the right side wins), a scalar or an object
/// joins an array as an element, and anything else makes a two-element array.
pub fn concat(l: Jsonb, r: Jsonb) -> PgResult<Jsonb> {
    Ok(match (l, r) {
        (Jsonb::Object(a), Jsonb::Object(b)) => {
            let mut pairs = a;
            pairs.extend(b);
            Jsonb::object(pairs)
        }
        (Jsonb::Array(mut a), Jsonb::Array(b)) => {
            a.extend(b);
            Jsonb::Array(a)
        }
        (Jsonb::Array(mut a), o @ Jsonb::Object(_)) => {
            a.push(o);
            Jsonb::Array(a)
        }
        (o @ Jsonb::Object(_), Jsonb::Array(b)) => {
            let mut items = vec![o];
            items.extend(b);
            Jsonb::Array(items)
        }
        (Jsonb::Array(mut a), s) => {
            a.push(s);
            Jsonb::Array(a)
        }
        (s, Jsonb::Array(b)) => {
            let mut items = vec![s];
            items.extend(b);
            Jsonb::Array(items)
        }
        (a, b) => Jsonb::Array(vec![a, b]),
    })
}

fn delete_from_scalar() -> PgError {
    PgError::new("22023", "cannot delete from scalar")
}

fn delete_keys(j: Jsonb, keys: &[String]) -> PgResult<Jsonb> {
    Ok(match j {
        Jsonb::Object(pairs) => Jsonb::Object(
            pairs
                .into_iter()
                .filter(|(k, _)| !keys.contains(k))
                .collect(),
        ),
        Jsonb::Array(items) => Jsonb::Array(
            items
                .into_iter()
                .filter(|v| !matches!(v, Jsonb::String(s) if keys.contains(s)))
                .collect(),
        ),
        _ => return Err(delete_from_scalar()),
    })
}

fn delete_index(j: Jsonb, index: i64) -> PgResult<Jsonb> {
    match j {
        Jsonb::Array(mut items) => {
            let i = if index < 0 {
                items.len() as i64 + index
            } else {
                index
            };
            if let Ok(i) = usize::try_from(i) {
                if i < items.len() {
                    items.remove(i);
                }
            }
            Ok(Jsonb::Array(items))
        }
        Jsonb::Object(_) => Err(PgError::new(
            "22023",
            "cannot delete from object using integer index",
        )),
        _ => Err(delete_from_scalar()),
    }
}

fn path_index(step: &str, level: usize) -> PgResult<i64> {
    step.parse::<i32>().map(i64::from).map_err(|_| {
        PgError::new(
            "22P02",
            format!(
                "path element at position {} is not an integer: \"{step}\"",
                level + 1
            ),
        )
    })
}

fn null_path(level: usize) -> PgError {
    PgError::new(
        "22004",
        format!("path element at position {} is null", level + 1),
    )
}

/// `#-`: deletes the member the path names.
fn delete_path(j: Jsonb, path: &[Option<String>], level: usize) -> PgResult<Jsonb> {
    if j.is_scalar() && level == 0 {
        return Err(PgError::new("22023", "cannot delete path in scalar"));
    }
    let Some(step) = path.get(level) else {
        return Ok(j);
    };
    let step = step.as_deref().ok_or_else(|| null_path(level))?;
    let last = level + 1 == path.len();
    Ok(match j {
        Jsonb::Object(pairs) => Jsonb::Object(
            pairs
                .into_iter()
                .filter_map(|(k, v)| match (k == step, last) {
                    (true, true) => None,
                    (true, false) => Some(delete_path(v, path, level + 1).map(|v| (k, v))),
                    _ => Some(Ok((k, v))),
                })
                .collect::<PgResult<_>>()?,
        ),
        Jsonb::Array(items) => {
            let n = items.len() as i64;
            let idx = path_index(step, level)?;
            let idx = if idx < 0 { n + idx } else { idx };
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                if i as i64 == idx {
                    if !last {
                        out.push(delete_path(v, path, level + 1)?);
                    }
                } else {
                    out.push(v);
                }
            }
            Jsonb::Array(out)
        }
        scalar => scalar,
    })
}

/// jsonb_set's walk (setPath with create or replace).
fn set_path(
    j: Jsonb,
    path: &[Option<String>],
    level: usize,
    new: &Jsonb,
    create: bool,
) -> PgResult<Jsonb> {
    let Some(step) = path.get(level) else {
        return Ok(j);
    };
    let step = step.as_deref().ok_or_else(|| null_path(level))?;
    let last = level + 1 == path.len();
    Ok(match j {
        Jsonb::Object(pairs) => {
            let mut found = false;
            let mut out = Vec::with_capacity(pairs.len() + 1);
            for (k, v) in pairs {
                if k == step {
                    found = true;
                    let v = if last {
                        new.clone()
                    } else {
                        set_path(v, path, level + 1, new, create)?
                    };
                    out.push((k, v));
                } else {
                    out.push((k, v));
                }
            }
            if !found && last && create {
                out.push((step.to_string(), new.clone()));
            }
            Jsonb::object(out)
        }
        Jsonb::Array(items) => {
            let n = items.len() as i64;
            let idx = path_index(step, level)?;
            // Before the start: prepend; past the end: append (when creating).
            let idx = if idx < 0 {
                if -idx > n {
                    i64::MIN
                } else {
                    n + idx
                }
            } else {
                idx.min(n)
            };
            let mut out = Vec::with_capacity(items.len() + 1);
            if last && create && (idx == i64::MIN || n == 0) {
                out.push(new.clone());
            }
            let mut done = false;
            for (i, v) in items.into_iter().enumerate() {
                if i as i64 == idx {
                    done = true;
                    out.push(if last {
                        new.clone()
                    } else {
                        set_path(v, path, level + 1, new, create)?
                    });
                } else {
                    out.push(v);
                }
            }
            if last && create && !done && idx == n && n > 0 {
                out.push(new.clone());
            }
            Jsonb::Array(out)
        }
        scalar => scalar,
    })
}

fn strip_nulls(j: Jsonb) -> Jsonb {
    match j {
        Jsonb::Object(pairs) => Jsonb::Object(
            pairs
                .into_iter()
                .filter(|(_, v)| !matches!(v, Jsonb::Null))
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Jsonb::Array(items) => Jsonb::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// to_jsonb: a SQL value as jsonb (numbers as numbers, timestamps in ISO form, arrays as
/// arrays, json parsed).
pub fn to_jsonb(v: &Value) -> PgResult<Jsonb> {
    Ok(match v {
        Value::Null => Jsonb::Null,
        Value::Bool(b) => Jsonb::Bool(*b),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Numeric(_) => {
            Jsonb::number(&v.to_pg_text().unwrap_or_default())
        }
        Value::Float8(f) if f.is_finite() => Jsonb::number(&format_float8(*f)),
        Value::Float8(f) => Jsonb::String(format_float8(*f)),
        Value::Timestamp(ts) => Jsonb::String(format_timestamp(ts).replacen(' ', "T", 1)),
        Value::Array(items) => Jsonb::Array(items.iter().map(to_jsonb).collect::<PgResult<_>>()?),
        Value::Json(text) => Jsonb::parse(text)?,
        Value::Jsonb(j) => j.clone(),
        other => Jsonb::String(other.to_pg_text().unwrap_or_default()),
    })
}

/// An object key from a SQL value (jsonb_build_object, jsonb_object_agg).
pub fn key_text(v: &Value) -> PgResult<String> {
    match v {
        Value::Array(_) | Value::Json(_) | Value::Jsonb(_) => Err(PgError::new(
            "22023",
            "key value must be scalar, not array, composite, or json",
        )),
        other => Ok(other.to_pg_text().unwrap_or_default()),
    }
}

fn container_error(func: &str, j: &Jsonb, wanted: &str) -> PgError {
    let what = if j.is_scalar() { "a scalar" } else { wanted };
    PgError::new("22023", format!("cannot {func} {what}"))
}

/// Calls a jsonb function by name; `None` when `name` is not one.
pub fn call(name: &str, args: &[Value]) -> Option<PgResult<Value>> {
    let r = match name {
        "jsonb_build_object" => build_object(args),
        "jsonb_build_array" => args
            .iter()
            .map(to_jsonb)
            .collect::<PgResult<Vec<_>>>()
            .map(|items| Value::Jsonb(Jsonb::Array(items))),
        "to_jsonb" => match args {
            [Value::Null] => Ok(Value::Null),
            [v] => to_jsonb(v).map(Value::Jsonb),
            _ => return None,
        },
        "jsonb_typeof" | "jsonb_array_length" | "jsonb_strip_nulls" | "jsonb_pretty"
        | "jsonb_set" => {
            if args.iter().any(Value::is_null) {
                return Some(Ok(Value::Null));
            }
            let j = match args.first().map(jsonb_arg) {
                Some(Ok(Some(j))) => j,
                Some(Err(e)) => return Some(Err(e)),
                _ => return None,
            };
            unary(name, j, args)
        }
        _ => return None,
    };
    Some(r)
}

fn unary(name: &str, j: Jsonb, args: &[Value]) -> PgResult<Value> {
    Ok(match name {
        "jsonb_typeof" => Value::Text(j.type_name().into()),
        "jsonb_array_length" => match &j {
            Jsonb::Array(items) => Value::Int4(items.len() as i32),
            other => return Err(container_error("get array length of", other, "a non-array")),
        },
        "jsonb_strip_nulls" => Value::Jsonb(strip_nulls(j)),
        "jsonb_pretty" => Value::Text(j.pretty()),
        _ => {
            let path = text_list(args.get(1).unwrap_or(&Value::Null))?;
            let new = jsonb_arg(args.get(2).unwrap_or(&Value::Null))?.unwrap_or(Jsonb::Null);
            let create = !matches!(args.get(3), Some(Value::Bool(false)));
            if j.is_scalar() {
                return Err(PgError::new("22023", "cannot set path in scalar"));
            }
            Value::Jsonb(set_path(j, &path, 0, &new, create)?)
        }
    })
}

fn build_object(args: &[Value]) -> PgResult<Value> {
    if !args.len().is_multiple_of(2) {
        return Err(
            PgError::new("22023", "argument list must have even number of elements").with_hint(
                "The arguments of jsonb_build_object() must consist of alternating keys and values.",
            ),
        );
    }
    let mut pairs = Vec::with_capacity(args.len() / 2);
    for (i, pair) in args.chunks(2).enumerate() {
        let [k, v] = pair else { continue };
        if k.is_null() {
            return Err(PgError::new(
                "22023",
                format!("argument {}: key must not be null", 2 * i + 1),
            ));
        }
        pairs.push((key_text(k)?, to_jsonb(v)?));
    }
    Ok(Value::Jsonb(Jsonb::object(pairs)))
}

/// A set-returning function's output columns and rows.
pub type SetResult = (Vec<(&'static str, SqlType)>, Vec<Vec<Value>>);

pub fn is_set_returning(name: &str) -> bool {
    matches!(
        name,
        "jsonb_object_keys"
            | "jsonb_array_elements"
            | "jsonb_array_elements_text"
            | "jsonb_each"
            | "jsonb_each_text"
    )
}

/// The set-returning jsonb functions: their output columns and rows; `None` when `name` is
/// not one.
pub fn set_returning(name: &str, args: &[Value]) -> Option<PgResult<SetResult>> {
    let columns: Vec<(&'static str, SqlType)> = match name {
        "jsonb_object_keys" => vec![("jsonb_object_keys", SqlType::Text)],
        "jsonb_array_elements" => vec![("value", SqlType::Jsonb)],
        "jsonb_array_elements_text" => vec![("value", SqlType::Text)],
        "jsonb_each" => vec![("key", SqlType::Text), ("value", SqlType::Jsonb)],
        "jsonb_each_text" => vec![("key", SqlType::Text), ("value", SqlType::Text)],
        _ => return None,
    };
    let j = match args.first().map(jsonb_arg) {
        Some(Ok(Some(j))) => j,
        Some(Ok(None)) => return Some(Ok((columns, Vec::new()))),
        Some(Err(e)) => return Some(Err(e)),
        None => return None,
    };
    let text = |v: &Jsonb| v.as_text().map(Value::Text).unwrap_or(Value::Null);
    let rows = match (name, &j) {
        ("jsonb_object_keys", Jsonb::Object(pairs)) => pairs
            .iter()
            .map(|(k, _)| vec![Value::Text(k.clone())])
            .collect(),
        ("jsonb_object_keys", other) => {
            let what = if other.is_scalar() {
                "a scalar"
            } else {
                "an array"
            };
            return Some(Err(PgError::new(
                "22023",
                format!("cannot call jsonb_object_keys on {what}"),
            )));
        }
        ("jsonb_array_elements", Jsonb::Array(items)) => items
            .iter()
            .map(|v| vec![Value::Jsonb(v.clone())])
            .collect(),
        ("jsonb_array_elements_text", Jsonb::Array(items)) => {
            items.iter().map(|v| vec![text(v)]).collect()
        }
        ("jsonb_array_elements" | "jsonb_array_elements_text", other) => {
            let what = if other.is_scalar() {
                "a scalar"
            } else {
                "an object"
            };
            return Some(Err(PgError::new(
                "22023",
                format!("cannot extract elements from {what}"),
            )));
        }
        ("jsonb_each", Jsonb::Object(pairs)) => pairs
            .iter()
            .map(|(k, v)| vec![Value::Text(k.clone()), Value::Jsonb(v.clone())])
            .collect(),
        ("jsonb_each_text", Jsonb::Object(pairs)) => pairs
            .iter()
            .map(|(k, v)| vec![Value::Text(k.clone()), text(v)])
            .collect(),
        (_, _) => {
            return Some(Err(PgError::new(
                "22023",
                format!("cannot call {name} on a non-object"),
            )))
        }
    };
    Some(Ok((columns, rows)))
}

#[cfg(test)]
mod tests;

//! String functions. All are strict: a NULL argument gives NULL (except concat/concat_ws).

use crate::error::{PgError, PgResult};
use crate::types::Value;

fn s(v: &Value) -> String {
    v.to_pg_text().unwrap_or_default()
}

fn int(v: &Value, name: &str) -> PgResult<i64> {
    v.as_i64().ok_or_else(|| {
        PgError::undefined_function(&format!("{name}(text, {})", v.natural_type().pg_name()))
    })
}

fn chars_from(text: &str, start: i64, len: Option<i64>) -> PgResult<String> {
    // substr counts from 1; characters before position 1 are consumed by the length.
    if let Some(l) = len {
        if l < 0 {
            return Err(PgError::new(
                "22011",
                "negative substring length not allowed",
            ));
        }
    }
    let end = len.map(|l| start.saturating_add(l));
    let from = start.max(1);
    Ok(text
        .chars()
        .enumerate()
        .filter(|(i, _)| {
            let pos = *i as i64 + 1;
            pos >= from && end.is_none_or(|e| pos < e)
        })
        .map(|(_, c)| c)
        .collect())
}

fn pad(text: &str, len: i64, fill: &str, left: bool) -> String {
    let len = len.max(0) as usize;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() >= len {
        return chars[..len].iter().collect();
    }
    let fill: Vec<char> = fill.chars().collect();
    if fill.is_empty() {
        return text.to_string();
    }
    let padding: String = fill.iter().cycle().take(len - chars.len()).collect();
    if left {
        format!("{padding}{text}")
    } else {
        format!("{text}{padding}")
    }
}

fn initcap(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_alnum = false;
    for c in text.chars() {
        if prev_alnum {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_alnum = c.is_alphanumeric();
    }
    out
}

pub fn call(name: &str, args: &[Value]) -> Option<PgResult<Value>> {
    let text = |r: String| Ok(Value::Text(r));
    match (name, args) {
        ("concat", _) => {
            return Some(text(args.iter().filter_map(Value::to_pg_text).collect()));
        }
        ("concat_ws", [sep, rest @ ..]) => {
            if sep.is_null() {
                return Some(Ok(Value::Null));
            }
            let parts: Vec<String> = rest.iter().filter_map(Value::to_pg_text).collect();
            return Some(text(parts.join(&s(sep))));
        }
        _ => {}
    }
    let known = matches!(
        name,
        "lower"
            | "upper"
            | "length"
            | "char_length"
            | "character_length"
            | "octet_length"
            | "substr"
            | "substring"
            | "btrim"
            | "ltrim"
            | "rtrim"
            | "replace"
            | "left"
            | "right"
            | "lpad"
            | "rpad"
            | "strpos"
            | "repeat"
            | "reverse"
            | "initcap"
            | "split_part"
            | "ascii"
            | "chr"
            | "starts_with"
            | "quote_ident"
            | "quote_literal"
    );
    if !known {
        return None;
    }
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match (name, args) {
        ("lower", [a]) => text(s(a).to_lowercase()),
        ("upper", [a]) => text(s(a).to_uppercase()),
        ("length" | "char_length" | "character_length", [a]) => {
            // char(n) ignores trailing blanks; the value text already carries them.
            Ok(Value::Int4(s(a).chars().count() as i32))
        }
        ("octet_length", [a]) => Ok(Value::Int4(s(a).len() as i32)),
        ("substr" | "substring", [a, from]) => int(from, name)
            .and_then(|f| chars_from(&s(a), f, None))
            .map(Value::Text),
        ("substr" | "substring", [a, from, len]) => int(from, name)
            .and_then(|f| Ok((f, int(len, name)?)))
            .and_then(|(f, l)| chars_from(&s(a), f, Some(l)))
            .map(Value::Text),
        ("btrim" | "ltrim" | "rtrim", [a]) => {
            call(name, &[a.clone(), Value::Text(" ".into())]).unwrap_or(Ok(Value::Null))
        }
        ("btrim" | "ltrim" | "rtrim", [a, set]) => {
            let set: Vec<char> = s(set).chars().collect();
            let v = s(a);
            let t = match name {
                "ltrim" => v.trim_start_matches(|c| set.contains(&c)),
                "rtrim" => v.trim_end_matches(|c| set.contains(&c)),
                _ => v.trim_matches(|c| set.contains(&c)),
            };
            text(t.to_string())
        }
        ("replace", [a, from, to]) => {
            let from = s(from);
            if from.is_empty() {
                text(s(a))
            } else {
                text(s(a).replace(&from, &s(to)))
            }
        }
        ("left" | "right", [a, n]) => int(n, name).map(|n| {
            let chars: Vec<char> = s(a).chars().collect();
            let len = chars.len() as i64;
            let k = if n >= 0 { n.min(len) } else { (len + n).max(0) } as usize;
            Value::Text(if name == "left" {
                chars[..k].iter().collect()
            } else {
                chars[chars.len() - k..].iter().collect()
            })
        }),
        ("lpad" | "rpad", [a, n]) => {
            int(n, name).map(|n| Value::Text(pad(&s(a), n, " ", name == "lpad")))
        }
        ("lpad" | "rpad", [a, n, f]) => {
            int(n, name).map(|n| Value::Text(pad(&s(a), n, &s(f), name == "lpad")))
        }
        ("strpos", [hay, needle]) => {
            let hay = s(hay);
            let needle = s(needle);
            Ok(Value::Int4(match hay.find(&needle) {
                Some(b) => hay[..b].chars().count() as i32 + 1,
                None => 0,
            }))
        }
        ("repeat", [a, n]) => int(n, name).and_then(|n| {
            let unit = s(a);
            let total = unit.len().saturating_mul(n.max(0) as usize);
            if total > 100_000_000 {
                return Err(PgError::new("54000", "requested length too large"));
            }
            Ok(Value::Text(unit.repeat(n.max(0) as usize)))
        }),
        ("reverse", [a]) => text(s(a).chars().rev().collect()),
        ("initcap", [a]) => text(initcap(&s(a))),
        ("split_part", [a, delim, n]) => int(n, name).and_then(|n| {
            let v = s(a);
            let d = s(delim);
            if n == 0 {
                return Err(PgError::new("22023", "field position must not be zero"));
            }
            let parts: Vec<&str> = if d.is_empty() {
                vec![v.as_str()]
            } else {
                v.split(d.as_str()).collect()
            };
            let idx = if n > 0 { n - 1 } else { parts.len() as i64 + n };
            Ok(Value::Text(
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| parts.get(i))
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ))
        }),
        ("ascii", [a]) => Ok(Value::Int4(
            s(a).chars().next().map(|c| c as i32).unwrap_or(0),
        )),
        ("chr", [n]) => int(n, name).and_then(|n| {
            u32::try_from(n)
                .ok()
                .and_then(char::from_u32)
                .filter(|c| *c != '\0')
                .map(|c| Value::Text(c.to_string()))
                .ok_or_else(|| {
                    PgError::new(
                        "54000",
                        format!("requested character too large for encoding: {n}"),
                    )
                })
        }),
        ("starts_with", [a, p]) => Ok(Value::Bool(s(a).starts_with(&s(p)))),
        ("quote_ident", [a]) => {
            let v = s(a);
            let plain = !v.is_empty()
                && v.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && v.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            text(if plain {
                v
            } else {
                format!("\"{}\"", v.replace('"', "\"\""))
            })
        }
        ("quote_literal", [a]) => text(format!("'{}'", s(a).replace('\'', "''"))),
        _ => return None,
    })
}

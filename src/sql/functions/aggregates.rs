//! Aggregates beyond the executor's core ones: the statistics family (stddev, variance and
//! their _samp/_pop forms), json_agg, and the Citus aggregates distributed plans run
//! (`worker_partial_agg`/`coord_combine_agg` for transition states, `array_cat_agg`,
//! `json_cat_agg`), and jsonb_agg/jsonb_object_agg with Citus's `jsonb_cat_agg`, which joins
//! the workers' results with jsonb `||`.

use crate::error::{PgError, PgResult};
use crate::sql::eval::numeric_div;
use crate::sql::functions::jsonb::{concat, key_text, to_jsonb};
use crate::types::{format_float8, format_timestamp, Jsonb, Value};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Running state of one such aggregate in one group.
#[derive(Clone, Debug)]
pub enum State {
    Stat(Stat, Moments),
    /// `worker_partial_agg(aggregate, x)`: the transition state, sent on as an array.
    Partial(Moments),
    /// `coord_combine_agg(aggregate, state, NULL::result)`: states combined, then finished.
    Combine(Option<Stat>, Moments),
    Json(Vec<String>),
    JsonCat(Vec<String>),
    ArrayCat(Option<Vec<Value>>),
    /// jsonb_agg: the elements; `None` before the first row (no rows give NULL).
    JsonbAgg(Option<Vec<Jsonb>>),
    /// jsonb_object_agg: the pairs in input order (a later key wins).
    JsonbObjectAgg(Option<Vec<(String, Jsonb)>>),
    /// jsonb_cat_agg: the workers' results joined with `||`.
    JsonbCat(Option<Jsonb>),
}

/// Which statistic: sample or population, variance or its square root.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stat {
    pub sample: bool,
    pub root: bool,
}

impl Stat {
    pub fn named(name: &str) -> Option<Stat> {
        let (sample, root) = match name {
            "stddev" | "stddev_samp" => (true, true),
            "stddev_pop" => (false, true),
            "variance" | "var_samp" => (true, false),
            "var_pop" => (false, false),
            _ => return None,
        };
        Some(Stat { sample, root })
    }
}

/// The transition state of the statistics aggregates: exact sums for integer and numeric
/// input (PostgreSQL's numeric accumulators), Youngs-Cramer sums for float input.
#[derive(Clone, Debug, Default)]
pub enum Moments {
    #[default]
    Empty,
    Exact {
        n: i64,
        sum: Decimal,
        sum_sq: Decimal,
    },
    Float {
        n: f64,
        sx: f64,
        sxx: f64,
    },
}

fn overflow() -> PgError {
    PgError::new("22003", "value overflows numeric format")
}

impl Moments {
    fn add(&mut self, v: &Value) -> PgResult<()> {
        match v {
            Value::Null => {}
            Value::Float8(x) => {
                let (mut n, mut sx, mut sxx) = match *self {
                    Moments::Float { n, sx, sxx } => (n, sx, sxx),
                    _ => (0.0, 0.0, 0.0),
                };
                n += 1.0;
                sx += x;
                if n > 1.0 {
                    let tmp = x * n - sx;
                    sxx += tmp * tmp / (n * (n - 1.0));
                }
                *self = Moments::Float { n, sx, sxx };
            }
            other => {
                let x = other.as_decimal().ok_or_else(|| {
                    PgError::new(
                        "42883",
                        format!("cannot aggregate {}", other.natural_type().pg_name()),
                    )
                })?;
                let (n, sum, sum_sq) = match *self {
                    Moments::Exact { n, sum, sum_sq } => (n, sum, sum_sq),
                    _ => (0, Decimal::ZERO, Decimal::ZERO),
                };
                let sq = x.checked_mul(x).ok_or_else(overflow)?;
                *self = Moments::Exact {
                    n: n + 1,
                    sum: sum.checked_add(x).ok_or_else(overflow)?,
                    sum_sq: sum_sq.checked_add(sq).ok_or_else(overflow)?,
                };
            }
        }
        Ok(())
    }

    /// Merges another state in (the combine function).
    fn combine(&mut self, other: Moments) -> PgResult<()> {
        *self = match (std::mem::take(self), other) {
            (Moments::Empty, o) | (o, Moments::Empty) => o,
            (
                Moments::Exact { n, sum, sum_sq },
                Moments::Exact {
                    n: n2,
                    sum: s2,
                    sum_sq: q2,
                },
            ) => Moments::Exact {
                n: n + n2,
                sum: sum.checked_add(s2).ok_or_else(overflow)?,
                sum_sq: sum_sq.checked_add(q2).ok_or_else(overflow)?,
            },
            (
                Moments::Float { n, sx, sxx },
                Moments::Float {
                    n: n2,
                    sx: sx2,
                    sxx: sxx2,
                },
            ) => {
                let total = n + n2;
                let tmp = sx / n - sx2 / n2;
                Moments::Float {
                    n: total,
                    sx: sx + sx2,
                    sxx: sxx + sxx2 + n * n2 * tmp * tmp / total,
                }
            }
            _ => return Err(PgError::internal("mixed aggregate states")),
        };
        Ok(())
    }

    /// The state as the workers send it: `{n, sum, sum of squares}`.
    fn to_value(&self) -> Value {
        match *self {
            Moments::Empty => Value::Null,
            Moments::Exact { n, sum, sum_sq } => Value::Array(vec![
                Value::Numeric(Decimal::from(n)),
                Value::Numeric(sum),
                Value::Numeric(sum_sq),
            ]),
            Moments::Float { n, sx, sxx } => Value::Array(vec![
                Value::Float8(n),
                Value::Float8(sx),
                Value::Float8(sxx),
            ]),
        }
    }

    fn from_value(v: &Value) -> PgResult<Moments> {
        let bad = || PgError::new("22P02", "invalid aggregate transition state");
        let Value::Array(items) = v else {
            return match v {
                Value::Null => Ok(Moments::Empty),
                _ => Err(bad()),
            };
        };
        match items.as_slice() {
            [Value::Float8(n), Value::Float8(sx), Value::Float8(sxx)] => Ok(Moments::Float {
                n: *n,
                sx: *sx,
                sxx: *sxx,
            }),
            [n, sum, sum_sq] => Ok(Moments::Exact {
                n: n.as_decimal().and_then(|d| d.to_i64()).ok_or_else(bad)?,
                sum: sum.as_decimal().ok_or_else(bad)?,
                sum_sq: sum_sq.as_decimal().ok_or_else(bad)?,
            }),
            _ => Err(bad()),
        }
    }

    /// The final function: PostgreSQL's numeric_stddev_internal / float8_var_samp and kin.
    fn finish(&self, stat: Stat) -> PgResult<Value> {
        match *self {
            Moments::Empty => Ok(Value::Null),
            Moments::Float { n, sxx, .. } => {
                if n == 0.0 || (stat.sample && n <= 1.0) {
                    return Ok(Value::Null);
                }
                let var = sxx / if stat.sample { n - 1.0 } else { n };
                Ok(Value::Float8(if stat.root { var.sqrt() } else { var }))
            }
            Moments::Exact { n, sum, sum_sq } => {
                if n == 0 || (stat.sample && n <= 1) {
                    return Ok(Value::Null);
                }
                let count = Decimal::from(n);
                let numerator = count
                    .checked_mul(sum_sq)
                    .and_then(|a| sum.checked_mul(sum).and_then(|b| a.checked_sub(b)))
                    .ok_or_else(overflow)?;
                if numerator <= Decimal::ZERO {
                    // Round-off can make it negative; PostgreSQL answers a plain zero.
                    return Ok(Value::Numeric(Decimal::ZERO));
                }
                let denominator = count
                    .checked_mul(if stat.sample {
                        count - Decimal::ONE
                    } else {
                        count
                    })
                    .ok_or_else(overflow)?;
                let var = numeric_div(numerator, denominator)?;
                Ok(Value::Numeric(if stat.root {
                    sqrt_at_scale(var, var.scale())
                } else {
                    var
                }))
            }
        }
    }
}

/// The square root of a non-negative decimal, rounded to `scale` digits (Newton's method from
/// the float estimate; each step doubles the correct digits).
fn sqrt_at_scale(x: Decimal, scale: u32) -> Decimal {
    let Some(mut r) = x.to_f64().and_then(|f| Decimal::from_f64_retain(f.sqrt())) else {
        return x;
    };
    let two = Decimal::TWO;
    for _ in 0..6 {
        match x.checked_div(r) {
            Some(q) if !r.is_zero() => r = (r + q) / two,
            _ => break,
        }
    }
    let mut out = r.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    out.rescale(scale);
    out
}

/// A value as json text (PostgreSQL's to_json).
pub fn to_json(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Float8(f) if !f.is_finite() => crate::types::jsonb::quote(&format_float8(*f)),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Numeric(_) | Value::Float8(_) => {
            v.to_pg_text().unwrap_or_default()
        }
        Value::Timestamp(ts) => {
            crate::types::jsonb::quote(&format_timestamp(ts).replacen(' ', "T", 1))
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(to_json).collect();
            format!("[{}]", parts.join(","))
        }
        other => crate::types::jsonb::quote(&other.to_pg_text().unwrap_or_default()),
    }
}

/// The top-level elements of a json array's text, each as written.
fn json_elements(text: &str) -> Vec<String> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or("");
    let mut out = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0i32, false, false, 0);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '[' | '{' if !in_string => depth += 1,
            ']' | '}' if !in_string => depth -= 1,
            ',' if !in_string && depth == 0 => {
                out.push(inner[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() {
        out.push(last.to_string());
    }
    out
}

impl State {
    /// The state for aggregate `name`, when this module computes it.
    pub fn new(name: &str) -> Option<State> {
        Some(match name {
            "json_agg" => State::Json(Vec::new()),
            "json_cat_agg" => State::JsonCat(Vec::new()),
            "array_cat_agg" => State::ArrayCat(None),
            "jsonb_agg" => State::JsonbAgg(None),
            "jsonb_object_agg" => State::JsonbObjectAgg(None),
            "jsonb_cat_agg" => State::JsonbCat(None),
            "worker_partial_agg" => State::Partial(Moments::Empty),
            "coord_combine_agg" => State::Combine(None, Moments::Empty),
            _ => State::Stat(Stat::named(name)?, Moments::Empty),
        })
    }

    pub fn feed(&mut self, args: &[Value]) -> PgResult<()> {
        let first = args.first().unwrap_or(&Value::Null);
        match self {
            State::Stat(_, m) => m.add(first)?,
            State::Partial(m) => m.add(args.get(1).unwrap_or(&Value::Null))?,
            State::Combine(stat, m) => {
                if stat.is_none() {
                    let name = first.to_pg_text().unwrap_or_default();
                    *stat = Some(Stat::named(&name).ok_or_else(|| {
                        PgError::new("42883", format!("function {name} does not exist"))
                    })?);
                }
                m.combine(Moments::from_value(args.get(1).unwrap_or(&Value::Null))?)?;
            }
            State::Json(items) => items.push(match first {
                // Arrays start on a new line, as PostgreSQL's json_agg writes them.
                Value::Array(_) if !items.is_empty() => format!("\n {}", to_json(first)),
                _ => to_json(first),
            }),
            State::JsonCat(items) => {
                if let Some(text) = first.to_pg_text() {
                    items.push(text);
                }
            }
            State::JsonbAgg(items) => items.get_or_insert_with(Vec::new).push(to_jsonb(first)?),
            State::JsonbObjectAgg(pairs) => {
                if first.is_null() {
                    return Err(PgError::new("22023", "field name must not be null"));
                }
                let value = to_jsonb(args.get(1).unwrap_or(&Value::Null))?;
                pairs
                    .get_or_insert_with(Vec::new)
                    .push((key_text(first)?, value));
            }
            State::JsonbCat(acc) => {
                if let Some(more) = crate::sql::functions::jsonb::jsonb_arg(first)? {
                    *acc = Some(match acc.take() {
                        None => more,
                        Some(sofar) => concat(sofar, more)?,
                    });
                }
            }
            State::ArrayCat(acc) => {
                if let Value::Array(more) = first {
                    acc.get_or_insert_with(Vec::new)
                        .extend(more.iter().cloned());
                }
            }
        }
        Ok(())
    }

    pub fn finish(self) -> PgResult<Value> {
        Ok(match self {
            State::Stat(stat, m) => m.finish(stat)?,
            State::Partial(m) => m.to_value(),
            State::Combine(stat, m) => match stat {
                Some(stat) => m.finish(stat)?,
                None => Value::Null,
            },
            State::Json(items) if items.is_empty() => Value::Null,
            State::Json(items) => Value::Json(format!("[{}]", items.join(", "))),
            State::JsonCat(mut items) => match items.len() {
                0 => Value::Null,
                // One worker's array is kept as it came.
                1 => Value::Json(items.remove(0)),
                _ => {
                    let all: Vec<String> = items.iter().flat_map(|t| json_elements(t)).collect();
                    Value::Json(format!("[{}]", all.join(", ")))
                }
            },
            State::ArrayCat(acc) => acc.map(Value::Array).unwrap_or(Value::Null),
            State::JsonbAgg(items) => items
                .map(|i| Value::Jsonb(Jsonb::Array(i)))
                .unwrap_or(Value::Null),
            State::JsonbObjectAgg(pairs) => pairs
                .map(|p| Value::Jsonb(Jsonb::object(p)))
                .unwrap_or(Value::Null),
            State::JsonbCat(acc) => acc.map(Value::Jsonb).unwrap_or(Value::Null),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, values: &[Value]) -> Value {
        let mut s = State::new(name).expect("known");
        for v in values {
            s.feed(std::slice::from_ref(v)).expect("feeds");
        }
        s.finish().expect("finishes")
    }

    fn ints(v: &[i32]) -> Vec<Value> {
        v.iter().map(|i| Value::Int4(*i)).collect()
    }

    #[test]
    fn numeric_statistics_have_postgres_scale() {
        let v = ints(&[1, 2, 3, 4]);
        assert_eq!(
            run("stddev", &v).to_pg_text().as_deref(),
            Some("1.2909944487358056")
        );
        assert_eq!(
            run("variance", &v).to_pg_text().as_deref(),
            Some("1.6666666666666667")
        );
        assert_eq!(
            run("var_pop", &v).to_pg_text().as_deref(),
            Some("1.2500000000000000")
        );
        assert_eq!(
            run("stddev_pop", &v).to_pg_text().as_deref(),
            Some("1.1180339887498948")
        );
        assert_eq!(run("stddev", &ints(&[5])), Value::Null);
        assert_eq!(
            run("var_pop", &ints(&[5])).to_pg_text().as_deref(),
            Some("0")
        );
    }

    #[test]
    fn float_statistics_and_combined_states() {
        let v: Vec<Value> = [1.5, 2.5, 4.0].iter().map(|f| Value::Float8(*f)).collect();
        let whole = run("stddev", &v);
        let mut left = State::new("worker_partial_agg").expect("known");
        let mut right = State::new("worker_partial_agg").expect("known");
        left.feed(&[Value::Text("stddev".into()), v[0].clone()])
            .expect("feeds");
        for x in &v[1..] {
            right
                .feed(&[Value::Text("stddev".into()), x.clone()])
                .expect("feeds");
        }
        let mut coord = State::new("coord_combine_agg").expect("known");
        for part in [left, right] {
            let state = part.finish().expect("state");
            coord
                .feed(&[Value::Text("stddev".into()), state])
                .expect("combines");
        }
        let Value::Float8(combined) = coord.finish().expect("finishes") else {
            panic!("float")
        };
        let Value::Float8(single) = whole else {
            panic!("float")
        };
        assert!((combined - single).abs() < 1e-12);
    }

    #[test]
    fn jsonb_cat_agg_joins_worker_results() {
        let parts = |texts: &[&str]| -> Vec<Value> {
            texts
                .iter()
                .map(|t| Value::Jsonb(Jsonb::parse(t).unwrap_or(Jsonb::Null)))
                .collect()
        };
        let arrays = run("jsonb_cat_agg", &parts(&["[1, 2]", "[3]"]));
        assert_eq!(arrays.to_pg_text().as_deref(), Some("[1, 2, 3]"));
        let objects = run("jsonb_cat_agg", &parts(&[r#"{"b": 1}"#, r#"{"a": 2}"#]));
        assert_eq!(objects.to_pg_text().as_deref(), Some(r#"{"a": 2, "b": 1}"#));
        assert_eq!(run("jsonb_agg", &[]), Value::Null);
    }

    #[test]
    fn json_agg_writes_postgres_json() {
        let v = vec![Value::Int4(1), Value::Null, Value::Text("a\"b".into())];
        assert_eq!(
            run("json_agg", &v),
            Value::Json("[1, null, \"a\\\"b\"]".into())
        );
        let cat = vec![
            Value::Text("[1, 2]".into()),
            Value::Text("[\"x,y\"]".into()),
        ];
        assert_eq!(
            run("json_cat_agg", &cat),
            Value::Json("[1, 2, \"x,y\"]".into())
        );
    }
}

//! Math functions with PostgreSQL's result types.

use crate::error::{PgError, PgResult};
use crate::sql::cast::out_of_range;
use crate::types::{SqlType, Value};
use rust_decimal::{Decimal, RoundingStrategy};

fn float(v: &Value) -> Option<f64> {
    v.as_f64()
}

pub fn call(name: &str, args: &[Value]) -> Option<PgResult<Value>> {
    let known = matches!(
        name,
        "abs"
            | "round"
            | "ceil"
            | "ceiling"
            | "floor"
            | "trunc"
            | "mod"
            | "power"
            | "pow"
            | "sqrt"
            | "sign"
            | "exp"
            | "ln"
            | "log"
            | "pi"
            | "div"
    );
    if !known {
        return None;
    }
    if args.iter().any(Value::is_null) {
        return Some(Ok(Value::Null));
    }
    Some(match (name, args) {
        ("pi", []) => Ok(Value::Float8(std::f64::consts::PI)),
        ("abs", [v]) => match v {
            Value::Int2(i) => i
                .checked_abs()
                .map(Value::Int2)
                .ok_or_else(|| out_of_range(&SqlType::Int2)),
            Value::Int4(i) => i
                .checked_abs()
                .map(Value::Int4)
                .ok_or_else(|| out_of_range(&SqlType::Int4)),
            Value::Int8(i) => i
                .checked_abs()
                .map(Value::Int8)
                .ok_or_else(|| out_of_range(&SqlType::Int8)),
            Value::Numeric(d) => Ok(Value::Numeric(d.abs())),
            Value::Float8(f) => Ok(Value::Float8(f.abs())),
            _ => return None,
        },
        ("round", [Value::Numeric(d)]) => Ok(Value::Numeric(
            d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
        )),
        ("round", [v]) => float(v).map(|f| Ok(Value::Float8(f.round_ties_even())))?,
        ("round" | "trunc", [v, n]) => {
            let d = v
                .as_decimal()
                .or_else(|| float(v).and_then(|f| Decimal::try_from(f).ok()))?;
            let n = n.as_i64()?;
            let strategy = if name == "round" {
                RoundingStrategy::MidpointAwayFromZero
            } else {
                RoundingStrategy::ToZero
            };
            let mut r = if n >= 0 {
                d.round_dp_with_strategy(n.min(28) as u32, strategy)
            } else {
                let p = Decimal::from(10i64.checked_pow((-n).min(18) as u32).unwrap_or(1));
                (d / p).round_dp_with_strategy(0, strategy) * p
            };
            if n >= 0 {
                r.rescale(n.min(28) as u32);
            }
            Ok(Value::Numeric(r))
        }
        ("trunc", [Value::Numeric(d)]) => Ok(Value::Numeric(d.trunc())),
        ("trunc", [v]) => float(v).map(|f| Ok(Value::Float8(f.trunc())))?,
        ("ceil" | "ceiling", [Value::Numeric(d)]) => Ok(Value::Numeric(d.ceil())),
        ("ceil" | "ceiling", [v]) => float(v).map(|f| Ok(Value::Float8(f.ceil())))?,
        ("floor", [Value::Numeric(d)]) => Ok(Value::Numeric(d.floor())),
        ("floor", [v]) => float(v).map(|f| Ok(Value::Float8(f.floor())))?,
        ("mod" | "div", [a, b]) => {
            let op = if name == "mod" {
                sqlparser::ast::BinaryOperator::Modulo
            } else {
                sqlparser::ast::BinaryOperator::Divide
            };
            let r = crate::sql::eval::arith(a, &op, b);
            if name == "div" {
                r.map(|v| match v {
                    Value::Numeric(d) => Value::Numeric(d.trunc()),
                    other => other,
                })
            } else {
                r
            }
        }
        ("power" | "pow", [a, b]) => {
            let (x, y) = (float(a)?, float(b)?);
            if x == 0.0 && y < 0.0 {
                Err(PgError::new(
                    "2201F",
                    "zero raised to a negative power is undefined",
                ))
            } else if matches!((a, b), (Value::Numeric(_), _) | (_, Value::Numeric(_))) {
                Decimal::try_from(x.powf(y))
                    .map(|d| Value::Numeric(d.normalize()))
                    .map_err(|_| PgError::new("22003", "value overflows numeric format"))
            } else {
                Ok(Value::Float8(x.powf(y)))
            }
        }
        ("sqrt", [v]) => {
            let f = float(v)?;
            if f < 0.0 {
                Err(PgError::new(
                    "2201F",
                    "cannot take square root of a negative number",
                ))
            } else if matches!(v, Value::Numeric(_)) {
                Decimal::try_from(f.sqrt())
                    .map(|d| Value::Numeric(d.round_dp(16)))
                    .map_err(|_| PgError::new("22003", "value overflows numeric format"))
            } else {
                Ok(Value::Float8(f.sqrt()))
            }
        }
        ("sign", [Value::Numeric(d)]) => Ok(Value::Numeric(if d.is_zero() {
            Decimal::ZERO
        } else if d.is_sign_negative() {
            Decimal::NEGATIVE_ONE
        } else {
            Decimal::ONE
        })),
        ("sign", [v]) => float(v).map(|f| {
            Ok(Value::Float8(if f > 0.0 {
                1.0
            } else if f < 0.0 {
                -1.0
            } else {
                0.0
            }))
        })?,
        ("exp", [v]) => float(v).map(|f| Ok(Value::Float8(f.exp())))?,
        ("ln" | "log", [v]) => {
            let f = float(v)?;
            if f == 0.0 {
                Err(PgError::new("2201E", "cannot take logarithm of zero"))
            } else if f < 0.0 {
                Err(PgError::new(
                    "2201E",
                    "cannot take logarithm of a negative number",
                ))
            } else {
                Ok(Value::Float8(if name == "ln" { f.ln() } else { f.log10() }))
            }
        }
        _ => return None,
    })
}

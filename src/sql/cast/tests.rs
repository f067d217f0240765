use super::*;
use crate::types::Interval;

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn msg<T: std::fmt::Debug>(r: PgResult<T>) -> String {
    r.unwrap_err().into_fields().message
}

#[test]
fn integers() {
    assert_eq!(cast(text(" 42 "), &SqlType::Int4), Ok(Value::Int4(42)));
    assert_eq!(
        msg(cast(text("abc"), &SqlType::Int4)),
        "invalid input syntax for type integer: \"abc\""
    );
    assert_eq!(
        msg(cast(Value::Int8(1 << 40), &SqlType::Int4)),
        "integer out of range"
    );
    assert_eq!(
        msg(cast(Value::Int4(40000), &SqlType::Int2)),
        "smallint out of range"
    );
    assert_eq!(
        cast(Value::Numeric(Decimal::new(25, 1)), &SqlType::Int4),
        Ok(Value::Int4(3))
    );
    assert_eq!(cast(Value::Float8(2.5), &SqlType::Int4), Ok(Value::Int4(2)));
}

#[test]
fn numerics_round_and_overflow() {
    let ty = SqlType::Numeric {
        precision: Some(5),
        scale: Some(2),
    };
    let v = cast(text("3.14159"), &ty).unwrap();
    assert_eq!(v.to_pg_text().unwrap(), "3.14");
    assert_eq!(
        cast(Value::Int4(5), &ty).unwrap().to_pg_text().unwrap(),
        "5.00"
    );
    let e = cast(Value::Int4(1000), &ty).unwrap_err();
    assert_eq!(e.message, "numeric field overflow");
    assert_eq!(
        e.detail.as_deref(),
        Some("A field with precision 5, scale 2 must round to an absolute value less than 10^3.")
    );
}

#[test]
fn booleans_dates_and_intervals() {
    for t in ["t", "true", "YES", "on", "1"] {
        assert_eq!(cast(text(t), &SqlType::Bool), Ok(Value::Bool(true)), "{t}");
    }
    assert_eq!(cast(text("off"), &SqlType::Bool), Ok(Value::Bool(false)));
    let ts = cast(text("2026-01-23 22:42:50.523619"), &SqlType::Timestamp).unwrap();
    assert_eq!(ts.to_pg_text().unwrap(), "2026-01-23 22:42:50.523619");
    let d = cast(text("2026-01-23"), &SqlType::Date).unwrap();
    assert_eq!(d.to_pg_text().unwrap(), "2026-01-23");
    assert_eq!(
        parse_interval("2 hours"),
        Some(Interval {
            months: 0,
            days: 0,
            micros: 7_200_000_000
        })
    );
    assert_eq!(
        cast(text("1 day"), &SqlType::Interval)
            .unwrap()
            .to_pg_text()
            .unwrap(),
        "1 day"
    );
}

#[test]
fn assignment_checks_length_and_pads_char() {
    assert_eq!(
        msg(coerce_for_column(
            text("abcdef"),
            &SqlType::Varchar(Some(5))
        )),
        "value too long for type character varying(5)"
    );
    assert_eq!(
        msg(coerce_for_column(text("abc"), &SqlType::Char(2))),
        "value too long for type character(2)"
    );
    assert_eq!(
        coerce_for_column(text("a"), &SqlType::Char(3)),
        Ok(text("a  "))
    );
    assert_eq!(
        cast(text("abcdef"), &SqlType::Varchar(Some(3))),
        Ok(text("abc"))
    );
    assert_eq!(
        coerce_for_column(text("7"), &SqlType::Int8),
        Ok(Value::Int8(7))
    );
}

#[test]
fn arrays_and_text() {
    let ty = SqlType::Array(Box::new(SqlType::Int4));
    assert_eq!(
        cast(text("{1,2}"), &ty),
        Ok(Value::Array(vec![Value::Int4(1), Value::Int4(2)]))
    );
    assert_eq!(cast(Value::Int4(7), &SqlType::Text), Ok(text("7")));
    assert_eq!(
        cast(text("Citus_Demo"), &SqlType::Regclass),
        Ok(text("citus_demo"))
    );
}

#[test]
fn type_names() {
    let parse = |s: &str| {
        let sql = format!("SELECT CAST(1 AS {s})");
        let stmts = crate::sql::parse_sql(&sql).unwrap();
        let sqlparser::ast::Statement::Query(q) = &stmts[0] else {
            panic!()
        };
        let sqlparser::ast::SetExpr::Select(sel) = q.body.as_ref() else {
            panic!()
        };
        let sqlparser::ast::SelectItem::UnnamedExpr(sqlparser::ast::Expr::Cast {
            data_type, ..
        }) = &sel.projection[0]
        else {
            panic!()
        };
        sqltype_from_ast(data_type)
    };
    assert_eq!(parse("int"), Ok(SqlType::Int4));
    assert_eq!(parse("serial"), Ok(SqlType::Int4));
    assert_eq!(parse("bigserial"), Ok(SqlType::Int8));
    assert_eq!(parse("varchar(20)"), Ok(SqlType::Varchar(Some(20))));
    assert_eq!(parse("char"), Ok(SqlType::Char(1)));
    assert_eq!(parse("timestamptz"), Ok(SqlType::TimestampTz));
    assert_eq!(parse("timestamp without time zone"), Ok(SqlType::Timestamp));
    assert_eq!(parse("double precision"), Ok(SqlType::Float8));
    assert_eq!(parse("int[]"), Ok(SqlType::Array(Box::new(SqlType::Int4))));
    assert_eq!(
        parse("foo").unwrap_err().message,
        "type \"foo\" does not exist"
    );
}

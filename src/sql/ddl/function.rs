//! CREATE [OR REPLACE] FUNCTION (LANGUAGE sql, and PL/pgSQL's `BEGIN RETURN expr; END`),
//! CREATE AGGREGATE, DROP FUNCTION and DROP AGGREGATE on one node. The rows go into the node's
//! part of the function catalog (`catalog::user`).

use super::names::object_name;
use crate::error::{Notice, PgError, PgResult};
use crate::sql::cast::sqltype_from_ast;
use crate::sql::catalog::user::{self, Body, UserDef};
use crate::sql::catalog::{self, Kind, Proc, Volatility};
use crate::sql::eval::ScopeColumn;
use crate::sql::{Database, ExecOutput, Host};
use crate::types::SqlType;
use sqlparser::ast::{
    ArgMode, CreateFunctionBody, DataType, Expr, FunctionBehavior, FunctionCalledOnNull,
    FunctionDesc, Ident, ObjectName, OperateFunctionArg, Query, Statement, Value as AstValue,
    VisitorMut,
};
use std::ops::ControlFlow;

/// The language a `CREATE AGGREGATE` arrives as (see `aggregate_syntax`).
pub const AGGREGATE_LANGUAGE: &str = "shardscope_aggregate";
/// The schema a `DROP AGGREGATE` names arrive under.
pub const AGGREGATE_SCHEMA: &str = "shardscope_aggregate";

fn definition_error(message: impl Into<String>) -> PgError {
    PgError::new("42P13", message)
}

/// A parameter as the statement declares it.
struct Param {
    name: Option<String>,
    ty: SqlType,
    default: Option<Expr>,
}

fn params(args: Option<&Vec<OperateFunctionArg>>) -> PgResult<Vec<Param>> {
    let mut out: Vec<Param> = Vec::new();
    for a in args.into_iter().flatten() {
        if matches!(a.mode, Some(ArgMode::Out | ArgMode::InOut)) {
            return Err(PgError::unsupported(
                "functions with OUT parameters are not supported",
            ));
        }
        if a.default_expr.is_none() && out.iter().any(|p| p.default.is_some()) {
            return Err(definition_error(
                "input parameters after one with a default value must also have defaults",
            ));
        }
        out.push(Param {
            name: a.name.as_ref().map(super::names::ident),
            ty: sqltype_from_ast(&a.data_type)?,
            default: a.default_expr.clone(),
        });
    }
    Ok(out)
}

/// `pg_get_function_arguments`'s text for the parameters.
fn args_text(params: &[Param]) -> Vec<String> {
    params
        .iter()
        .map(|p| {
            let mut s = match &p.name {
                Some(n) => format!("{n} {}", p.ty.pg_name()),
                None => p.ty.pg_name(),
            };
            if let Some(d) = &p.default {
                s.push_str(&format!(" DEFAULT {d}"));
            }
            s
        })
        .collect()
}

/// `name(integer,text)` as PostgreSQL's hints name a function.
pub fn signature(name: &str, types: &[SqlType]) -> String {
    let types: Vec<String> = types.iter().map(SqlType::pg_name).collect();
    format!("{name}({})", types.join(","))
}

fn volatility(b: Option<&FunctionBehavior>) -> Volatility {
    match b {
        Some(FunctionBehavior::Immutable) => Volatility::Immutable,
        Some(FunctionBehavior::Stable) => Volatility::Stable,
        _ => Volatility::Volatile,
    }
}

fn volatility_word(v: Volatility) -> &'static str {
    match v {
        Volatility::Immutable => "IMMUTABLE",
        Volatility::Stable => "STABLE",
        Volatility::Volatile => "VOLATILE",
    }
}

/// The created function with these argument types, if any.
fn existing(db: &Database, name: &str, types: &[SqlType]) -> Option<&'static Proc> {
    db.functions
        .all()
        .into_iter()
        .find(|p| p.name == name && p.user.is_some_and(|u| u.arg_types.as_slice() == types))
}

/// Can a value of `from` be stored as `to` (PostgreSQL's assignment casts)?
fn assignable(from: &SqlType, to: &SqlType) -> bool {
    let temporal =
        |t: &SqlType| matches!(t, SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz);
    from.pg_name() == to.pg_name()
        || matches!(from, SqlType::Unknown)
        || to.is_textual()
        || (from.is_numeric() && to.is_numeric())
        || (temporal(from) && temporal(to))
        || matches!(
            (from, to),
            (SqlType::Json, SqlType::Jsonb) | (SqlType::Jsonb, SqlType::Json)
        )
}

/// `$n` in a body becomes a reference to the column `$n` of the parameters' scope.
struct Placeholders {
    count: usize,
    error: Option<PgError>,
}

impl VisitorMut for Placeholders {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(AstValue::Placeholder(p)) = expr {
            let n: usize = p.trim_start_matches('$').parse().unwrap_or(0);
            if n == 0 || n > self.count {
                self.error = Some(PgError::new("42P02", format!("there is no parameter ${n}")));
                return ControlFlow::Break(());
            }
            *expr = Expr::Identifier(Ident::with_quote('"', p.clone()));
        }
        ControlFlow::Continue(())
    }
}

/// The scope a body runs in: each parameter as `$n`, and by name (also as `fname.name`).
pub fn param_columns(
    name: &str,
    def_names: &[Option<String>],
    types: &[SqlType],
) -> Vec<ScopeColumn> {
    let mut cols = Vec::new();
    for (i, ty) in types.iter().enumerate() {
        cols.push(ScopeColumn {
            qualifier: None,
            name: format!("${}", i + 1),
            ty: ty.clone(),
        });
    }
    for (n, ty) in def_names.iter().zip(types) {
        if let Some(n) = n {
            cols.push(ScopeColumn {
                qualifier: Some(name.to_string()),
                name: n.clone(),
                ty: ty.clone(),
            });
        }
    }
    cols
}

/// The body's query: `$$ SELECT ... $$`, `RETURN expr`, or PL/pgSQL's `BEGIN RETURN expr; END`.
fn body_query(
    language: &str,
    text: Option<&str>,
    ret: Option<&Expr>,
    result: &SqlType,
) -> PgResult<(Query, String)> {
    if let Some(e) = ret {
        let q = super::super::parse_sql(&format!("SELECT {e}"))?;
        if let [Statement::Query(q)] = q.as_slice() {
            return Ok(((**q).clone(), format!("RETURN {e}")));
        }
    }
    let Some(text) = text else {
        return Err(definition_error("no function body specified"));
    };
    let sql = match language {
        "sql" => text.to_string(),
        "plpgsql" => plpgsql_return(text).ok_or_else(|| {
            PgError::unsupported(
                "PL/pgSQL functions other than BEGIN RETURN expression; END are not supported",
            )
        })?,
        other => {
            return Err(PgError::new(
                "42704",
                format!("language \"{other}\" does not exist"),
            ))
        }
    };
    let statements = super::super::parse_sql(&sql)?;
    let final_select = || {
        definition_error(format!(
            "return type mismatch in function declared to return {}",
            result.pg_name()
        ))
        .with_detail("Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING.")
    };
    let modifies = |s: &Statement| match s {
        Statement::Query(q) => crate::sql::dml::with::is_modifying(q),
        _ => true,
    };
    if statements.iter().any(modifies) {
        if statements
            .last()
            .is_some_and(|s| matches!(s, Statement::Query(_)))
        {
            return Err(PgError::unsupported(
                "SQL functions that modify data are not supported",
            ));
        }
        return Err(final_select());
    }
    match statements.last() {
        Some(Statement::Query(q)) => Ok(((**q).clone(), text.to_string())),
        _ => Err(final_select()),
    }
}

/// `BEGIN RETURN expr; END` → `SELECT expr`.
fn plpgsql_return(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches(';').trim_end();
    let lower = t.to_ascii_lowercase();
    let inner = lower
        .strip_prefix("begin")?
        .strip_suffix("end")
        .map(|_| &t[5..t.len() - 3])?;
    let inner = inner.trim().trim_end_matches(';').trim();
    let expr = inner
        .get(..6)
        .filter(|w| w.eq_ignore_ascii_case("return"))
        .map(|_| &inner[6..])?;
    if expr.contains(';') || !expr.starts_with(char::is_whitespace) {
        return None;
    }
    Some(format!("SELECT {expr}"))
}

/// The type of the body's result column, found by running it once on NULL parameters (as
/// PostgreSQL validates a body when the function is created).
fn body_type(
    db: &Database,
    host: &dyn Host,
    name: &str,
    query: &Query,
    columns: &[ScopeColumn],
) -> PgResult<Vec<SqlType>> {
    // Parameters become typed NULLs, so the result column has the type the body gives it
    // (a name a FROM item's column shadows stays that column).
    let mut typed = query.clone();
    let shadowed = from_columns(db, query);
    let _ = crate::sql::visit::visit_mut(
        &mut typed,
        &mut TypedNulls {
            function: name,
            columns,
            shadowed: &shadowed,
        },
    );
    let ctx = crate::sql::eval::EvalCtx {
        host,
        db,
        subqueries: None,
    };
    crate::sql::select::query_column_types(&typed, columns, &ctx).map_err(|e| in_function(e, name))
}

/// The column names of the tables a body's outermost FROM reads.
fn from_columns(db: &Database, query: &Query) -> Vec<String> {
    let sqlparser::ast::SetExpr::Select(select) = query.body.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in &select.from {
        for f in std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)) {
            if let sqlparser::ast::TableFactor::Table { name, .. } = f {
                if let Some(def) = db.table(&object_name(name)) {
                    out.extend(def.columns.iter().map(|c| c.name.clone()));
                }
            }
        }
    }
    out
}

struct TypedNulls<'a> {
    function: &'a str,
    columns: &'a [ScopeColumn],
    shadowed: &'a [String],
}

impl VisitorMut for TypedNulls<'_> {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let found = match &*expr {
            Expr::Identifier(id) => {
                let n = super::names::ident(id);
                let is_placeholder = id.value.starts_with('$');
                self.columns
                    .iter()
                    .find(|c| c.name == n && (is_placeholder || !self.shadowed.contains(&n)))
            }
            Expr::CompoundIdentifier(ids) => match ids.as_slice() {
                [f, p] if super::names::ident(f) == self.function => {
                    let n = super::names::ident(p);
                    self.columns
                        .iter()
                        .find(|c| c.qualifier.is_some() && c.name == n)
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(c) = found {
            if let Ok(e) = super::parse_expr(&format!("CAST(NULL AS {})", c.ty.display_name())) {
                *expr = Expr::Nested(Box::new(e));
            }
        }
        ControlFlow::Continue(())
    }
}

/// An error from a body, as PostgreSQL reports it: in the function's context.
pub fn in_function(mut e: PgError, name: &str) -> PgError {
    e.position = None;
    let context = format!("SQL function \"{name}\"");
    match e.context.take() {
        Some(c) => e.with_context(format!("{context}\n{c}")),
        None => e.with_context(context),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn create_function(
    db: &mut Database,
    host: &dyn Host,
    or_replace: bool,
    name: &ObjectName,
    args: Option<&Vec<OperateFunctionArg>>,
    return_type: Option<&DataType>,
    body: Option<&CreateFunctionBody>,
    behavior: Option<&FunctionBehavior>,
    called_on_null: Option<&FunctionCalledOnNull>,
    language: Option<&Ident>,
) -> PgResult<ExecOutput> {
    let name = object_name(name);
    let language = language.map(|l| l.value.to_ascii_lowercase());
    let text = match body {
        Some(CreateFunctionBody::AsBeforeOptions(e) | CreateFunctionBody::AsAfterOptions(e)) => {
            match e {
                Expr::Value(AstValue::SingleQuotedString(s)) => Some(s.clone()),
                Expr::Value(AstValue::DollarQuotedString(d)) => Some(d.value.clone()),
                _ => None,
            }
        }
        _ => None,
    };
    let ret = match body {
        Some(CreateFunctionBody::Return(e)) => Some(e),
        _ => None,
    };
    if language.as_deref() == Some(AGGREGATE_LANGUAGE) {
        return create_aggregate(db, or_replace, &name, args, text.as_deref().unwrap_or(""));
    }
    let params = params(args)?;
    let Some(return_type) = return_type else {
        return Err(definition_error("function result type must be specified"));
    };
    let result = sqltype_from_ast(return_type)?;
    let language = match (language, ret) {
        (Some(l), _) => l,
        (None, Some(_)) => "sql".to_string(),
        (None, None) => return Err(definition_error("no language specified")),
    };
    let (mut query, body_text) = body_query(&language, text.as_deref(), ret, &result)?;
    let types: Vec<SqlType> = params.iter().map(|p| p.ty.clone()).collect();
    let names: Vec<Option<String>> = params.iter().map(|p| p.name.clone()).collect();
    let mut placeholders = Placeholders {
        count: types.len(),
        error: None,
    };
    let _ = crate::sql::visit::visit_mut(&mut query, &mut placeholders);
    if let Some(e) = placeholders.error {
        return Err(in_function(e, &name));
    }
    let columns = param_columns(&name, &names, &types);
    // A worker receives a definition that reads Citus tables it holds only as shards: Citus
    // sends it with check_function_bodies off, so the body is not validated there.
    let mut unchecked = false;
    let _ = crate::sql::visit::relations(&query, |r| {
        let t = object_name(r);
        unchecked |= host.is_citus_table(&t) && db.table(&t).is_none();
        ControlFlow::<()>::Continue(())
    });
    let actual = if unchecked {
        vec![result.clone()]
    } else {
        body_type(db, host, &name, &query, &columns)?
    };
    let mismatch = |detail: String| {
        in_function(
            definition_error(format!(
                "return type mismatch in function declared to return {}",
                result.pg_name()
            ))
            .with_detail(detail),
            &name,
        )
    };
    match actual.as_slice() {
        [t] if assignable(t, &result) => {}
        [t] => return Err(mismatch(format!("Actual return type is {}.", t.pg_name()))),
        _ => {
            return Err(mismatch(
                "Final statement must return exactly one column.".into(),
            ))
        }
    }
    let vol = volatility(behavior);
    let strict = matches!(
        called_on_null,
        Some(FunctionCalledOnNull::Strict | FunctionCalledOnNull::ReturnsNullOnNullInput)
    );
    if let Some(old) = existing(db, &name, &types) {
        check_replace(old, or_replace, &name, &types, &result, false, &names)?;
    }
    let args = args_text(&params);
    let ddl = format!(
        "CREATE OR REPLACE FUNCTION public.{name}({})\n RETURNS {}\n LANGUAGE {language}\n {}{}\n{}",
        args.join(", "),
        result.pg_name(),
        volatility_word(vol),
        if strict { " STRICT" } else { "" },
        match ret {
            Some(_) => body_text,
            None => format!("AS $function${body_text}$function$"),
        }
    );
    let def = UserDef {
        arg_names: names,
        arg_types: types,
        defaults: params.into_iter().map(|p| p.default).collect(),
        result,
        returns_set: false,
        strict,
        body: Body::Sql(Box::new(query)),
        ddl,
    };
    db.functions.put(user::intern(&name, args, vol, false, def));
    Ok(ExecOutput::command("CREATE FUNCTION"))
}

/// PostgreSQL's checks before `OR REPLACE` (or a plain CREATE) meets an existing function.
fn check_replace(
    old: &Proc,
    or_replace: bool,
    name: &str,
    types: &[SqlType],
    result: &SqlType,
    aggregate: bool,
    names: &[Option<String>],
) -> PgResult<()> {
    if !or_replace {
        return Err(PgError::new(
            "42723",
            format!("function \"{name}\" already exists with same argument types"),
        ));
    }
    let old_aggregate = matches!(old.kind, Kind::Aggregate(_));
    if old_aggregate != aggregate {
        let what = if old_aggregate {
            "an aggregate function"
        } else {
            "a function"
        };
        return Err(PgError::new("42809", "cannot change routine kind")
            .with_detail(format!("\"{name}\" is {what}.")));
    }
    let drop_hint = format!(
        "Use {} {} first.",
        if aggregate {
            "DROP AGGREGATE"
        } else {
            "DROP FUNCTION"
        },
        signature(name, types)
    );
    if old.user.is_some_and(|u| &u.result != result) {
        return Err(
            definition_error("cannot change return type of existing function").with_hint(drop_hint),
        );
    }
    if let Some(u) = old.user {
        for (old_name, new_name) in u.arg_names.iter().zip(names) {
            if let Some(o) = old_name {
                if Some(o) != new_name.as_ref() {
                    return Err(definition_error(format!(
                        "cannot change name of input parameter \"{o}\""
                    ))
                    .with_hint(drop_hint));
                }
            }
        }
    }
    Ok(())
}

/// One `KEY = value` of CREATE AGGREGATE's option list.
fn aggregate_options(text: &str) -> PgResult<Vec<(String, String)>> {
    let tokens = crate::sql::pg_tokens(text).map_err(|e| PgError::new("42601", e.to_string()))?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut key: Option<String> = None;
    let mut value = String::new();
    let mut depth = 0usize;
    let mut finish = |key: &mut Option<String>, value: &mut String| -> PgResult<()> {
        match key.take() {
            Some(k) => out.push((k, value.trim().to_string())),
            None if value.trim().is_empty() => {}
            None => {
                return Err(PgError::new(
                    "42601",
                    format!("syntax error at or near \"{}\"", value.trim()),
                ))
            }
        }
        value.clear();
        Ok(())
    };
    use sqlparser::tokenizer::Token;
    for t in tokens {
        match &t.token {
            Token::Comma if depth == 0 => finish(&mut key, &mut value)?,
            Token::Eq if depth == 0 && key.is_none() => {
                key = Some(value.trim().to_ascii_lowercase());
                value.clear();
            }
            Token::SingleQuotedString(s) if key.is_some() => value.push_str(s),
            other => {
                match other {
                    Token::LParen | Token::LBracket => depth += 1,
                    Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
                    _ => {}
                }
                value.push_str(&other.to_string());
            }
        }
    }
    finish(&mut key, &mut value)?;
    Ok(out)
}

fn create_aggregate(
    db: &mut Database,
    or_replace: bool,
    name: &str,
    args: Option<&Vec<OperateFunctionArg>>,
    options: &str,
) -> PgResult<ExecOutput> {
    let params = params(args)?;
    let types: Vec<SqlType> = params.iter().map(|p| p.ty.clone()).collect();
    let mut sfunc = None;
    let mut stype = None;
    let mut finalfunc = None;
    let mut initcond = None;
    let mut combinefunc = None;
    for (key, value) in aggregate_options(options)? {
        match key.as_str() {
            "sfunc" => sfunc = Some(value.to_ascii_lowercase()),
            "stype" => {
                let dt = sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
                    .try_with_sql(&value)
                    .and_then(|mut p| p.parse_data_type())
                    .map_err(|e| PgError::new("42601", e.to_string()))?;
                stype = Some(sqltype_from_ast(&dt)?);
            }
            "finalfunc" => finalfunc = Some(value.to_ascii_lowercase()),
            "initcond" => initcond = Some(value),
            "combinefunc" => combinefunc = Some(value.to_ascii_lowercase()),
            "parallel" | "finalfunc_modify" => {}
            other => {
                return Err(PgError::new(
                    "42601",
                    format!("aggregate attribute \"{other}\" not recognized"),
                ))
            }
        }
    }
    let Some(stype) = stype else {
        return Err(definition_error("aggregate stype must be specified"));
    };
    let Some(sfunc) = sfunc else {
        return Err(definition_error("aggregate sfunc must be specified"));
    };
    // The transition function takes the state and the inputs, and returns the state.
    let mut step_args = vec![stype.clone()];
    step_args.extend(types.iter().cloned());
    let step = catalog::resolve(&sfunc, &step_args).ok_or_else(|| {
        let shown: Vec<String> = step_args.iter().map(SqlType::pg_name).collect();
        PgError::undefined_function(&format!("{sfunc}({})", shown.join(", ")))
    })?;
    let step_result = step.result_type(&step_args);
    if step_result.pg_name() != stype.pg_name() {
        return Err(PgError::new(
            "42804",
            format!(
                "return type of transition function {sfunc} is not {}",
                stype.pg_name()
            ),
        ));
    }
    let result = match &finalfunc {
        Some(f) => catalog::resolve(f, std::slice::from_ref(&stype))
            .ok_or_else(|| PgError::undefined_function(&format!("{f}({})", stype.pg_name())))?
            .result_type(std::slice::from_ref(&stype)),
        None => stype.clone(),
    };
    if let Some(c) = &combinefunc {
        let pair = [stype.clone(), stype.clone()];
        if catalog::resolve(c, &pair).is_none() {
            return Err(PgError::undefined_function(&format!(
                "{c}({}, {})",
                stype.pg_name(),
                stype.pg_name()
            )));
        }
    }
    if let Some(init) = &initcond {
        crate::sql::cast::parse_text_as(init, &stype)?;
    }
    if let Some(old) = existing(db, name, &types) {
        let names: Vec<Option<String>> = params.iter().map(|p| p.name.clone()).collect();
        check_replace(old, or_replace, name, &types, &result, true, &names)?;
    }
    let args = args_text(&params);
    let mut opts = vec![
        format!("SFUNC = {sfunc}"),
        format!("STYPE = {}", stype.pg_name()),
    ];
    if let Some(f) = &finalfunc {
        opts.push(format!("FINALFUNC = {f}"));
    }
    if let Some(i) = &initcond {
        opts.push(format!("INITCOND = '{}'", i.replace('\'', "''")));
    }
    if let Some(c) = &combinefunc {
        opts.push(format!("COMBINEFUNC = {c}"));
    }
    let ddl = format!(
        "CREATE OR REPLACE AGGREGATE public.{name}({}) ({})",
        args.join(", "),
        opts.join(", ")
    );
    let def = UserDef {
        arg_names: params.iter().map(|p| p.name.clone()).collect(),
        arg_types: types,
        defaults: Vec::new(),
        result,
        returns_set: false,
        strict: false,
        body: Body::Aggregate {
            sfunc,
            stype,
            finalfunc,
            initcond,
            combinefunc,
        },
        ddl,
    };
    db.functions
        .put(user::intern(name, args, Volatility::Immutable, true, def));
    Ok(ExecOutput::command("CREATE AGGREGATE"))
}

/// How DROP names a type that was not found (`TypeNameToString`: `int` is `pg_catalog.int4`).
fn type_name_text(t: &SqlType) -> String {
    match t {
        SqlType::Int2 => "pg_catalog.int2".into(),
        SqlType::Int4 => "pg_catalog.int4".into(),
        SqlType::Int8 => "pg_catalog.int8".into(),
        SqlType::Bool => "pg_catalog.bool".into(),
        SqlType::Float4 => "pg_catalog.float4".into(),
        SqlType::Float8 => "pg_catalog.float8".into(),
        SqlType::Numeric { .. } => "pg_catalog.numeric".into(),
        SqlType::Varchar(_) => "pg_catalog.varchar".into(),
        SqlType::Char(_) => "pg_catalog.bpchar".into(),
        SqlType::Timestamp => "pg_catalog.timestamp".into(),
        SqlType::TimestampTz => "pg_catalog.timestamptz".into(),
        SqlType::Array(inner) => format!("{}[]", type_name_text(inner)),
        other => other.pg_name(),
    }
}

pub fn drop_functions(
    db: &mut Database,
    if_exists: bool,
    descs: &[FunctionDesc],
) -> PgResult<ExecOutput> {
    let aggregate = descs.first().is_some_and(|d| {
        d.name.0.len() > 1
            && d.name
                .0
                .first()
                .is_some_and(|s| s.value == AGGREGATE_SCHEMA)
    });
    let (what, tag) = if aggregate {
        ("aggregate", "DROP AGGREGATE")
    } else {
        ("function", "DROP FUNCTION")
    };
    let mut out = ExecOutput::command(tag);
    let mut doomed = Vec::new();
    for d in descs {
        let name = d.name.0.last().map(super::names::ident).unwrap_or_default();
        let candidates: Vec<&'static Proc> = db
            .functions
            .all()
            .into_iter()
            .filter(|p| p.name == name)
            .collect();
        let found = match &d.args {
            Some(args) => {
                let types = args
                    .iter()
                    .filter(|a| !matches!(a.mode, Some(ArgMode::Out)))
                    .map(|a| sqltype_from_ast(&a.data_type))
                    .collect::<PgResult<Vec<_>>>()?;
                match candidates
                    .iter()
                    .find(|p| p.user.is_some_and(|u| u.arg_types == types))
                {
                    Some(p) => Some(*p),
                    None if if_exists => {
                        let shown: Vec<String> = types.iter().map(type_name_text).collect();
                        out.notices.push(Notice::new(format!(
                            "{what} {name}({}) does not exist, skipping",
                            shown.join(",")
                        )));
                        None
                    }
                    None => {
                        let shown: Vec<String> = types.iter().map(SqlType::pg_name).collect();
                        return Err(PgError::new(
                            "42883",
                            format!("{what} {name}({}) does not exist", shown.join(", ")),
                        ));
                    }
                }
            }
            None => match candidates.as_slice() {
                [p] => Some(*p),
                [] if if_exists => {
                    out.notices.push(Notice::new(format!(
                        "{what} {name}() does not exist, skipping"
                    )));
                    None
                }
                [] => {
                    return Err(PgError::new(
                        "42883",
                        format!("could not find a {what} named \"{name}\""),
                    ))
                }
                _ => {
                    return Err(PgError::new(
                        "42725",
                        format!("{what} name \"{name}\" is not unique"),
                    )
                    .with_hint(format!(
                        "Specify the argument list to select the {what} unambiguously."
                    )))
                }
            },
        };
        let Some(p) = found else { continue };
        let types = p.user.map(|u| u.arg_types.clone()).unwrap_or_default();
        let is_aggregate = matches!(p.kind, Kind::Aggregate(_));
        if is_aggregate && !aggregate {
            return Err(PgError::new(
                "42809",
                format!("{} is an aggregate function", signature(&name, &types)),
            )
            .with_hint("Use DROP AGGREGATE to drop aggregate functions."));
        }
        if !is_aggregate && aggregate {
            return Err(PgError::new(
                "42809",
                format!("function {} is not an aggregate", signature(&name, &types)),
            ));
        }
        // An aggregate built on the function depends on it.
        let users = db
            .functions
            .all()
            .into_iter()
            .find(|a| match a.user.map(|u| &u.body) {
                Some(Body::Aggregate {
                    sfunc,
                    finalfunc,
                    combinefunc,
                    ..
                }) => [Some(sfunc), finalfunc.as_ref(), combinefunc.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|f| f == &name),
                _ => false,
            });
        if let Some(a) = users.filter(|_| !is_aggregate) {
            let a_types = a.user.map(|u| u.arg_types.clone()).unwrap_or_default();
            return Err(PgError::new(
                "2BP01",
                format!(
                    "cannot drop function {} because other objects depend on it",
                    signature(&name, &types)
                ),
            )
            .with_detail(format!(
                "function {} depends on function {}",
                signature(a.name, &a_types),
                signature(&name, &types)
            ))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        doomed.push(p);
    }
    for p in doomed {
        db.functions.remove(p);
    }
    Ok(out)
}

//! CREATE/DROP/ALTER TABLE, CREATE INDEX, CREATE SEQUENCE on one node, and the DDL text a
//! table definition is sent to workers as.

pub(crate) mod aggregate_syntax;
mod alter;
mod create;
mod drop;
pub mod function;
mod index;
pub(crate) mod like;
pub mod names;
pub mod schemas;
mod to_sql;
mod view;

pub use create::{build_table_def, parse_expr, table_def_from_create, SerialSeq};
pub use to_sql::{ident, index_defs_to_sql, quote_ident, table_def_to_sql};

use super::{Database, ExecOutput, Host, Sequence};
use crate::error::{Notice, PgError, PgResult};
use names::{object_name, relation_exists};
use sqlparser::ast::{
    CreateTable, Expr, ObjectType, SequenceOptions, Statement, Value as AstValue,
};

pub fn execute(db: &mut Database, stmt: &Statement, host: &dyn Host) -> PgResult<ExecOutput> {
    match stmt {
        Statement::CreateTable(ct) => create_table(db, ct),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => match object_type {
            ObjectType::Table => drop::drop_tables(db, names, *if_exists, *cascade),
            ObjectType::Index => drop::drop_indexes(db, names, *if_exists),
            ObjectType::Sequence => drop::drop_sequences(db, names, *if_exists),
            ObjectType::View => view::drop_views(db, names, *if_exists),
            ObjectType::Schema => schemas::drop_schemas(db, names, *if_exists, *cascade),
            other => Err(PgError::unsupported(format!(
                "DROP {other} is not supported"
            ))),
        },
        Statement::CreateIndex(ci) => index::create_index(db, ci),
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
        } => schemas::create_schema(db, &schemas::schema_name(schema_name), *if_not_exists),
        Statement::CreateView {
            or_replace,
            materialized: false,
            name,
            columns,
            query,
            ..
        } => view::create_view(db, name, *or_replace, columns, query, host),
        Statement::AlterTable {
            name,
            if_exists,
            operations,
            ..
        } => alter::alter_table(db, &object_name(name), *if_exists, operations, host),
        Statement::CreateFunction {
            or_replace,
            name,
            args,
            return_type,
            function_body,
            behavior,
            called_on_null,
            language,
            ..
        } => function::create_function(
            db,
            host,
            *or_replace,
            name,
            args.as_ref(),
            return_type.as_ref(),
            function_body.as_ref(),
            behavior.as_ref(),
            called_on_null.as_ref(),
            language.as_ref(),
        ),
        Statement::DropFunction {
            if_exists,
            func_desc,
            ..
        } => function::drop_functions(db, *if_exists, func_desc),
        Statement::CreateSequence {
            if_not_exists,
            name,
            sequence_options,
            ..
        } => create_sequence(db, &object_name(name), *if_not_exists, sequence_options),
        other => Err(PgError::unsupported(format!(
            "statement not supported: {}",
            first_words(&other.to_string())
        ))),
    }
}

fn first_words(sql: &str) -> String {
    sql.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn create_table(db: &mut Database, ct: &CreateTable) -> PgResult<ExecOutput> {
    let name = object_name(&ct.name);
    crate::sql::namespace::check_schema_exists(db, &name)?;
    if relation_exists(db, &name) {
        if ct.if_not_exists {
            let mut out = ExecOutput::command("CREATE TABLE");
            out.notices.push(Notice::new(format!(
                "relation \"{name}\" already exists, skipping"
            )));
            return Ok(out);
        }
        return Err(PgError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let (def, serials) = build_table_def(db, ct)?;
    db.storage.create_table(def)?;
    for s in serials {
        db.put_sequence(&s.sequence, Some(Sequence::default()));
    }
    Ok(ExecOutput::command("CREATE TABLE"))
}

/// The sequence a `nextval('name'::regclass)` default draws from.
pub fn nextval_sequence(expr: &Expr) -> Option<String> {
    let text = expr.to_string();
    let rest = text.strip_prefix("nextval('")?;
    Some(rest.split('\'').next()?.to_string())
}

fn option_int(e: &Expr) -> PgResult<i64> {
    let text = e.to_string().replace(' ', "");
    match e {
        Expr::Value(AstValue::Number(..)) | Expr::UnaryOp { .. } => text
            .parse()
            .map_err(|_| PgError::invalid_text("bigint", &text)),
        _ => Err(PgError::syntax(format!(
            "syntax error at or near \"{text}\""
        ))),
    }
}

fn create_sequence(
    db: &mut Database,
    name: &str,
    if_not_exists: bool,
    options: &[SequenceOptions],
) -> PgResult<ExecOutput> {
    crate::sql::namespace::check_schema_exists(db, name)?;
    if relation_exists(db, name) {
        if if_not_exists {
            let mut out = ExecOutput::command("CREATE SEQUENCE");
            out.notices.push(Notice::new(format!(
                "relation \"{name}\" already exists, skipping"
            )));
            return Ok(out);
        }
        return Err(PgError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut seq = Sequence::default();
    let mut start = None;
    for opt in options {
        match opt {
            SequenceOptions::IncrementBy(e, _) => seq.increment = option_int(e)?,
            SequenceOptions::StartWith(e, _) => start = Some(option_int(e)?),
            _ => {}
        }
    }
    if seq.increment == 0 {
        return Err(PgError::new("22023", "INCREMENT must not be zero"));
    }
    // A descending sequence starts at -1 by default, as in PostgreSQL.
    seq.last_value = start.unwrap_or(if seq.increment < 0 { -1 } else { 1 });
    db.put_sequence(name, Some(seq));
    Ok(ExecOutput::command("CREATE SEQUENCE"))
}

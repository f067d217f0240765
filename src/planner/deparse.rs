//! Expressions as EXPLAIN prints them (PostgreSQL's ruleutils): every operator in parentheses,
//! constants with the type they were coerced to (`'x'::text`, `'3'::numeric`), `IN` lists as
//! `= ANY (array)`, LIKE as `~~`, varchar columns relabeled to text for text operators.

use super::estimate::{between_bounds, like_match, Rels};
use super::relations::normalize_ident;
use crate::sql::cast::{cast, sqltype_from_ast};
use crate::types::{SqlType, Value};
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, UnaryOperator,
    Value as AstValue,
};

/// Text standing for a sub-expression, when it has some.
pub type Substitute<'a> = &'a dyn Fn(&Expr) -> Option<String>;

/// Prints expressions over `rels`; `prefix` qualifies columns with their relation.
pub struct Deparser<'a> {
    pub rels: &'a Rels,
    pub prefix: bool,
    /// The type of an expression over `rels`.
    pub type_of: &'a dyn Fn(&Expr) -> SqlType,
    /// As the query text Citus sends a worker: operators schema-qualified
    /// (`OPERATOR(pg_catalog.=)`), IN lists as arrays of their items, nothing simplified.
    pub query_text: bool,
    /// Text that stands for a sub-expression instead of its own (Citus's combine aggregates).
    pub substitute: Option<Substitute<'a>>,
    /// The text of a subquery inside an expression, in `query_text` mode.
    pub nested: Option<&'a dyn Fn(&sqlparser::ast::Query) -> String>,
}

/// An identifier spelled as PostgreSQL prints it: quoted only when it must be.
pub fn plain_ident(id: &Ident) -> String {
    crate::sql::ddl::quote_ident(&normalize_ident(id))
}

fn operator(op: &BinaryOperator) -> String {
    match op {
        BinaryOperator::NotEq => "<>".into(),
        BinaryOperator::PGLikeMatch => "~~".into(),
        BinaryOperator::PGILikeMatch => "~~*".into(),
        BinaryOperator::PGNotLikeMatch => "!~~".into(),
        BinaryOperator::PGNotILikeMatch => "!~~*".into(),
        other => other.to_string(),
    }
}

fn textual(t: &SqlType) -> bool {
    matches!(t, SqlType::Text | SqlType::Varchar(_) | SqlType::Unknown)
}

/// `'value'` with quotes doubled.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An array element as array_out writes it.
fn array_element(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.eq_ignore_ascii_case("null")
        && !s
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | '{' | '}' | ','));
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

impl<'a> Deparser<'a> {
    pub fn new(rels: &'a Rels, prefix: bool, type_of: &'a dyn Fn(&Expr) -> SqlType) -> Self {
        Deparser {
            rels,
            prefix,
            type_of,
            query_text: false,
            substitute: None,
            nested: None,
        }
    }

    /// The spelling of an operator.
    fn op_text(&self, op: &BinaryOperator) -> String {
        let name = operator(op);
        let logical = matches!(op, BinaryOperator::And | BinaryOperator::Or);
        if self.query_text && !logical {
            format!("OPERATOR(pg_catalog.{name})")
        } else {
            name
        }
    }

    /// A qual list as EXPLAIN prints it: one condition alone, several AND-ed.
    pub fn quals(&self, quals: &[Expr]) -> String {
        match quals {
            [one] => self.expr(one),
            many => format!(
                "({})",
                many.iter()
                    .map(|q| self.expr(q))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            ),
        }
    }

    fn column(&self, e: &Expr) -> Option<String> {
        let v = self.rels.var(e)?;
        let rel = self.rels.rel(v)?;
        let col = self.rels.column(v)?;
        let name = crate::sql::ddl::quote_ident(&col.name);
        Some(if self.prefix {
            format!("{}.{name}", crate::sql::ddl::quote_ident(&rel.reference))
        } else {
            name
        })
    }

    fn type_of(&self, e: &Expr) -> SqlType {
        (self.type_of)(e)
    }

    /// A literal as a constant of type `ty` (the type the other operand gives it).
    fn constant(&self, v: &AstValue, ty: &SqlType) -> String {
        match v {
            AstValue::Null => "NULL".into(),
            AstValue::Boolean(b) => b.to_string(),
            AstValue::Number(n, _) => self.number(&n.to_string(), ty),
            AstValue::SingleQuotedString(s) => self.typed_string(s, ty),
            other => other.to_string(),
        }
    }

    /// A numeric literal (its text) as a constant of type `ty`: integers and decimals bare,
    /// labeled when negative or coerced to another numeric type.
    fn number(&self, text: &str, ty: &SqlType) -> String {
        let integer = !text.contains(['.', 'e', 'E']);
        match ty {
            // Query text keeps the integer constant and casts it; EXPLAIN shows the folded value.
            SqlType::Numeric { .. } if integer && self.query_text => format!("({text})::numeric"),
            SqlType::Numeric { .. } if integer => format!("'{text}'::numeric"),
            SqlType::Float8 => format!("'{text}'::double precision"),
            SqlType::Float4 => format!("'{text}'::real"),
            _ if text.starts_with('-') => {
                let name = if integer { "integer" } else { "numeric" };
                format!("'{text}'::{name}")
            }
            _ => text.to_string(),
        }
    }

    /// A string literal coerced to `ty`, printed through the type's output function.
    fn typed_string(&self, s: &str, ty: &SqlType) -> String {
        match ty {
            SqlType::Text | SqlType::Varchar(_) | SqlType::Unknown => {
                format!("{}::text", quoted(s))
            }
            SqlType::Char(_) => format!("{}::bpchar", quoted(s)),
            SqlType::Bool => match cast(Value::Text(s.to_string()), ty) {
                Ok(Value::Bool(b)) => b.to_string(),
                _ => format!("{}::boolean", quoted(s)),
            },
            SqlType::Int4 => match cast(Value::Text(s.to_string()), ty)
                .ok()
                .and_then(|v| v.to_pg_text())
            {
                Some(t) if !t.starts_with('-') => t,
                Some(t) => format!("'{t}'::integer"),
                None => format!("{}::integer", quoted(s)),
            },
            other => {
                let text = cast(Value::Text(s.to_string()), other)
                    .ok()
                    .and_then(|v| v.to_pg_text())
                    .unwrap_or_else(|| s.to_string());
                format!("{}::{}", quoted(&text), other.pg_name())
            }
        }
    }

    /// `e` as an operand of an operator whose other operand has type `other`.
    fn operand(&self, e: &Expr, other: &SqlType) -> String {
        match e {
            Expr::Value(v) => self.constant(v, other),
            Expr::Nested(inner) => self.operand(inner, other),
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } if matches!(expr.as_ref(), Expr::Value(AstValue::Number(..))) => {
                self.number(&format!("-{expr}"), other)
            }
            _ => {
                let text = self.expr(e);
                // varchar has no operators of its own: it is read as text.
                let relabel = self.rels.var(e).is_some()
                    && matches!(self.type_of(e), SqlType::Varchar(_))
                    && textual(other);
                if relabel {
                    format!("({text})::text")
                } else {
                    text
                }
            }
        }
    }

    /// The type an operand gives a literal on the other side of its operator.
    fn context(&self, e: &Expr) -> SqlType {
        match e {
            Expr::Value(AstValue::SingleQuotedString(_)) => SqlType::Text,
            Expr::Value(_) => SqlType::Unknown,
            _ => match self.type_of(e) {
                SqlType::Varchar(_) => SqlType::Text,
                t => t,
            },
        }
    }

    fn binary(&self, left: &Expr, op: &BinaryOperator, right: &Expr) -> String {
        let (mut lt, rt) = (self.context(left), self.context(right));
        // json operators take a key, an index or a path on the right, not another json.
        if matches!(lt, SqlType::Json | SqlType::Jsonb) {
            if let Some(t) = crate::sql::functions::jsonb::right_operand_type(op) {
                lt = t;
            }
        }
        format!(
            "({} {} {})",
            self.operand(left, &rt),
            self.op_text(op),
            self.operand(right, &lt)
        )
    }

    /// `a AND b AND c` flattened into one list, as PostgreSQL keeps it.
    fn bool_list<'e>(e: &'e Expr, op: &BinaryOperator, out: &mut Vec<&'e Expr>) {
        match e {
            Expr::BinaryOp { left, op: o, right } if o == op => {
                Self::bool_list(left, op, out);
                Self::bool_list(right, op, out);
            }
            Expr::Nested(inner) if matches!(inner.as_ref(), Expr::BinaryOp { op: o, .. } if o == op) => {
                Self::bool_list(inner, op, out)
            }
            other => out.push(other),
        }
    }

    fn in_list(&self, expr: &Expr, list: &[Expr], negated: bool) -> String {
        if let [one] = list {
            let op = if negated {
                BinaryOperator::NotEq
            } else {
                BinaryOperator::Eq
            };
            return self.binary(expr, &op, one);
        }
        let ty = self.context(expr);
        let element_type = match &ty {
            SqlType::Unknown => SqlType::Text,
            t => t.clone(),
        };
        let constants: Option<Vec<String>> = list
            .iter()
            .map(|item| match item {
                Expr::Value(AstValue::Number(n, _)) => Some(n.to_string()),
                Expr::Value(AstValue::SingleQuotedString(s)) => Some(
                    cast(Value::Text(s.clone()), &element_type)
                        .ok()
                        .and_then(|v| v.to_pg_text())
                        .unwrap_or_else(|| s.clone()),
                ),
                _ => None,
            })
            .collect();
        let (op, quantifier) = if negated {
            (BinaryOperator::NotEq, "ALL")
        } else {
            (BinaryOperator::Eq, "ANY")
        };
        let op = self.op_text(&op);
        let left = self.operand(expr, &element_type);
        match constants {
            Some(items) if !self.query_text => {
                let body: Vec<String> = items.iter().map(|s| array_element(s)).collect();
                let array_type = match &element_type {
                    SqlType::Char(_) => "bpchar".to_string(),
                    t => t.pg_name(),
                };
                format!(
                    "({left} {op} {quantifier} ({}::{array_type}[]))",
                    quoted(&format!("{{{}}}", body.join(",")))
                )
            }
            _ => {
                let items: Vec<String> = list.iter().map(|i| self.operand(i, &ty)).collect();
                format!("({left} {op} {quantifier} (ARRAY[{}]))", items.join(", "))
            }
        }
    }

    /// `e` as ruleutils prints it.
    /// `worker_partial_agg('stddev', x)`, which names its aggregate, as Citus prints it: with
    /// the oid of the overload the argument's type picks.
    fn partial_aggregate(&self, name: &str, args: &[&Expr]) -> Option<String> {
        let [aggregate, arg] = args else {
            return None;
        };
        let aggregate = crate::sql::eval::literal_text(aggregate)?;
        if name != "worker_partial_agg" {
            return None;
        }
        let (proc, _) = crate::sql::catalog::resolve_aggregate(aggregate, &[self.type_of(arg)])?;
        Some(format!("{name}('{}'::oid, {})", proc.oid, self.expr(arg)))
    }

    pub fn expr(&self, e: &Expr) -> String {
        if let Some(text) = self.substitute.and_then(|f| f(e)) {
            return text;
        }
        if let Some(c) = self.column(e) {
            return c;
        }
        match e {
            Expr::Identifier(id) => plain_ident(id),
            Expr::CompoundIdentifier(ids) => {
                let parts: Vec<&Ident> = if self.prefix {
                    ids.iter().collect()
                } else {
                    ids.last().into_iter().collect()
                };
                parts
                    .into_iter()
                    .map(plain_ident)
                    .collect::<Vec<_>>()
                    .join(".")
            }
            Expr::Value(v) => self.constant(v, &SqlType::Unknown),
            Expr::Nested(inner) => self.expr(inner),
            Expr::InSubquery {
                expr,
                subquery,
                negated,
            } if self.nested.is_some() => {
                let text = format!(
                    "({} {} ANY ({}))",
                    self.expr(expr),
                    self.op_text(&BinaryOperator::Eq),
                    self.nested.map(|f| f(subquery)).unwrap_or_default()
                );
                if *negated {
                    format!("(NOT {text})")
                } else {
                    text
                }
            }
            Expr::Exists { subquery, negated } if self.nested.is_some() => {
                let text = format!(
                    "(EXISTS ({}))",
                    self.nested.map(|f| f(subquery)).unwrap_or_default()
                );
                if *negated {
                    format!("(NOT {text})")
                } else {
                    text
                }
            }
            Expr::Subquery(q) if self.nested.is_some() => {
                format!("({})", self.nested.map(|f| f(q)).unwrap_or_default())
            }
            Expr::BinaryOp {
                op: op @ (BinaryOperator::And | BinaryOperator::Or),
                ..
            } => {
                let mut parts = Vec::new();
                Self::bool_list(e, op, &mut parts);
                let word = if *op == BinaryOperator::And {
                    " AND "
                } else {
                    " OR "
                };
                format!(
                    "({})",
                    parts
                        .iter()
                        .map(|p| self.expr(p))
                        .collect::<Vec<_>>()
                        .join(word)
                )
            }
            // `flag = true` is simplified to `flag`, `flag = false` to `NOT flag`.
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } if !self.query_text
                && matches!(right.as_ref(), Expr::Value(AstValue::Boolean(_)))
                && matches!(self.type_of(left), SqlType::Bool) =>
            {
                match right.as_ref() {
                    Expr::Value(AstValue::Boolean(true)) => self.expr(left),
                    _ => format!("(NOT {})", self.expr(left)),
                }
            }
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => format!("(NOT {})", self.expr(expr)),
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                Expr::Value(AstValue::Number(..)) => self.operand(e, &SqlType::Int4),
                other => format!("(- {})", self.expr(other)),
            },
            Expr::IsNull(x) => format!("({} IS NULL)", self.expr(x)),
            Expr::IsNotNull(x) => format!("({} IS NOT NULL)", self.expr(x)),
            Expr::IsTrue(x) => format!("({} IS TRUE)", self.expr(x)),
            Expr::IsFalse(x) => format!("({} IS FALSE)", self.expr(x)),
            Expr::InList {
                expr,
                list,
                negated,
            } => self.in_list(expr, list, *negated),
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                if *negated {
                    format!(
                        "({} OR {})",
                        self.binary(expr, &BinaryOperator::Lt, low),
                        self.binary(expr, &BinaryOperator::Gt, high)
                    )
                } else {
                    let bounds = between_bounds(expr, low, high);
                    format!("({} AND {})", self.expr(&bounds[0]), self.expr(&bounds[1]))
                }
            }
            Expr::Like { .. } | Expr::ILike { .. } => match like_match(e) {
                Some(m) => {
                    let op = match (m.insensitive, m.negated) {
                        (false, false) => BinaryOperator::PGLikeMatch,
                        (false, true) => BinaryOperator::PGNotLikeMatch,
                        (true, false) => BinaryOperator::PGILikeMatch,
                        (true, true) => BinaryOperator::PGNotILikeMatch,
                    };
                    self.binary(m.expr, &op, m.pattern)
                }
                None => e.to_string(),
            },
            Expr::Cast {
                expr, data_type, ..
            } => {
                let ty = sqltype_from_ast(data_type).unwrap_or(SqlType::Unknown);
                match expr.as_ref() {
                    Expr::Value(v) => self.constant(v, &ty),
                    inner => format!("({})::{}", self.expr(inner), ty.display_name()),
                }
            }
            Expr::Function(f) => {
                let args = crate::sql::eval::function_args(&f.args);
                let name = f
                    .name
                    .0
                    .iter()
                    .map(plain_ident)
                    .collect::<Vec<_>>()
                    .join(".");
                let star = matches!(&f.args, FunctionArguments::List(l)
                    if l.args.iter().any(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Wildcard))));
                if star {
                    return format!("{name}(*)");
                }
                if let Some(text) = self.partial_aggregate(&name, &args) {
                    return text;
                }
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("{name}({})", args.join(", "))
            }
            Expr::Case {
                operand,
                conditions,
                results,
                else_result,
            } => {
                let mut out = "CASE".to_string();
                if let Some(o) = operand {
                    out.push_str(&format!(" {}", self.expr(o)));
                }
                for (c, r) in conditions.iter().zip(results) {
                    out.push_str(&format!(" WHEN {} THEN {}", self.expr(c), self.expr(r)));
                }
                if let Some(e) = else_result {
                    out.push_str(&format!(" ELSE {}", self.expr(e)));
                }
                out.push_str(" END");
                out
            }
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::estimate::{Column, Rel};

    fn rels() -> Rels {
        let mut t = Rel::opaque("t", 1000.0);
        t.columns = [
            ("id", SqlType::Int4),
            ("name", SqlType::Text),
            ("tag", SqlType::Varchar(Some(20))),
            ("code", SqlType::Char(2)),
            (
                "price",
                SqlType::Numeric {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
            ("day", SqlType::Date),
            ("active", SqlType::Bool),
        ]
        .into_iter()
        .map(|(n, ty)| Column { name: n.into(), ty })
        .collect();
        Rels { list: vec![t] }
    }

    fn shown(sql: &str, prefix: bool) -> String {
        let r = rels();
        let type_of = |e: &Expr| match r.var(e).and_then(|v| r.column(v)) {
            Some(c) => c.ty.clone(),
            None => match e {
                Expr::Value(v) => crate::sql::eval::literal_type(v),
                _ => SqlType::Unknown,
            },
        };
        let d = Deparser::new(&r, prefix, &type_of);
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        let e = sqlparser::parser::Parser::new(&dialect)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .expect("an expression");
        d.expr(&e)
    }

    #[test]
    fn constants_carry_the_type_they_were_coerced_to() {
        assert_eq!(shown("id = 3", false), "(id = 3)");
        assert_eq!(shown("id > -1", false), "(id > '-1'::integer)");
        assert_eq!(shown("name = 'x'", false), "(name = 'x'::text)");
        assert_eq!(shown("tag = 'x'", false), "((tag)::text = 'x'::text)");
        assert_eq!(shown("code = 'US'", false), "(code = 'US'::bpchar)");
        assert_eq!(shown("price > 1", false), "(price > '1'::numeric)");
        assert_eq!(shown("price > 1.5", false), "(price > 1.5)");
        assert_eq!(
            shown("day = '2024-01-01'", false),
            "(day = '2024-01-01'::date)"
        );
        assert_eq!(shown("t.id = 3", true), "(t.id = 3)");
    }

    #[test]
    fn in_lists_are_any_of_an_array_and_like_is_its_operator() {
        assert_eq!(
            shown("id IN (1, 2)", false),
            "(id = ANY ('{1,2}'::integer[]))"
        );
        assert_eq!(
            shown("name NOT IN ('a b', 'c')", false),
            "(name <> ALL ('{\"a b\",c}'::text[]))"
        );
        assert_eq!(shown("id IN (5)", false), "(id = 5)");
        assert_eq!(shown("name LIKE 'A%'", false), "(name ~~ 'A%'::text)");
        assert_eq!(
            shown("name NOT ILIKE 'a%'", false),
            "(name !~~* 'a%'::text)"
        );
    }

    #[test]
    fn boolean_logic_nests_in_parentheses() {
        assert_eq!(shown("active", false), "active");
        assert_eq!(shown("active = true", false), "active");
        assert_eq!(shown("active = false", false), "(NOT active)");
        assert_eq!(
            shown("id = 1 OR id = 2 OR name IS NULL", false),
            "((id = 1) OR (id = 2) OR (name IS NULL))"
        );
        assert_eq!(
            shown("id BETWEEN 1 AND 5", false),
            "((id >= 1) AND (id <= 5))"
        );
        assert_eq!(shown("count(*) > 1", false), "(count(*) > 1)");
    }
}

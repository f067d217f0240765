//! Where things are in a statement's text. sqlparser's syntax trees carry no positions, so an
//! error found in a tree is placed by parsing the text once more with every word and string
//! token marked with its offset: the marked tree has the same shape as the plain one, and the
//! node at the same place in both holds the offset of its first token. Only done for errors.

use sqlparser::ast::{
    Expr, Ident, ObjectName, Query, SelectItem, SetExpr, Statement, TableFactor, Value as AstValue,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithLocation, Tokenizer};
use std::ops::ControlFlow;

/// Separates a token's text from its offset in a marked tree (a private-use character, which
/// the marked text is never shown with).
const MARK: char = '\u{F8FF}';

/// The node of a statement an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// An expression, by address: a column reference, function call or literal.
    Expr(usize),
    /// A relation in FROM (or the target of UPDATE/DELETE), by address.
    Table(usize),
    /// The table an INSERT writes to.
    InsertTable,
    /// The `i`th column of an INSERT's column list.
    InsertColumn(usize),
    /// The target column of the `i`th assignment of an UPDATE.
    Assignment(usize),
    /// A `t.*` select-list item, by address.
    Wildcard(usize),
}

impl Site {
    pub fn expr(e: &Expr) -> Self {
        Site::Expr(e as *const Expr as usize)
    }

    pub fn table(t: &TableFactor) -> Self {
        Site::Table(t as *const TableFactor as usize)
    }

    pub fn wildcard(item: &SelectItem) -> Self {
        Site::Wildcard(item as *const SelectItem as usize)
    }
}

/// Maps the tokenizer's line/column locations to character offsets in the text.
pub struct Lines {
    /// Character offset where each line starts.
    starts: Vec<usize>,
    chars: usize,
}

impl Lines {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        let mut chars = 0;
        for c in text.chars() {
            chars += 1;
            // the tokenizer counts lines at `\n` only
            if c == '\n' {
                starts.push(chars);
            }
        }
        Lines { starts, chars }
    }

    /// The 0-based character offset of a 1-based line and column.
    pub fn offset(&self, at: Location) -> Option<usize> {
        let line = usize::try_from(at.line).ok()?.checked_sub(1)?;
        let column = usize::try_from(at.column).ok()?.checked_sub(1)?;
        let offset = self.starts.get(line)? + column;
        (offset <= self.chars).then_some(offset)
    }

    /// Characters in the text.
    pub fn len(&self) -> usize {
        self.chars
    }

    pub fn is_empty(&self) -> bool {
        self.chars == 0
    }
}

/// The text's tokens with their 0-based character offsets.
pub fn tokens(text: &str) -> Option<Vec<(Token, usize)>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .with_unescape(true)
        .tokenize_with_location()
        .ok()?;
    let lines = Lines::new(text);
    tokens
        .into_iter()
        .map(|t| Some((t.token, lines.offset(t.location)?)))
        .collect()
}

/// The text parsed with each word and string token marked with its offset.
fn parse_marked(text: &str) -> Option<Vec<Statement>> {
    let dialect = PostgreSqlDialect {};
    let lines = Lines::new(text);
    let mut tokens = super::pg_tokens(text).ok()?;
    for TokenWithLocation { token, location } in &mut tokens {
        let at = lines.offset(*location)?;
        match token {
            // keywords keep their keyword, so the parser takes the same decisions
            Token::Word(w) => w.value.push_str(&format!("{MARK}{at}")),
            Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s) => {
                s.push_str(&format!("{MARK}{at}"))
            }
            _ => {}
        }
    }
    Parser::new(&dialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .ok()
}

/// A marked token text's plain text and offset.
fn unmark(s: &str) -> Option<(&str, usize)> {
    let (text, at) = s.rsplit_once(MARK)?;
    Some((text, at.parse().ok()?))
}

/// The offset of an identifier in a marked tree, if its text is `plain`'s.
fn ident_at(marked: &Ident, plain: &Ident) -> Option<usize> {
    let (text, at) = unmark(&marked.value)?;
    (text == plain.value && marked.quote_style == plain.quote_style).then_some(at)
}

fn name_at(marked: &ObjectName, plain: &ObjectName) -> Option<usize> {
    if marked.0.len() != plain.0.len() {
        return None;
    }
    let mut first = None;
    for (m, p) in marked.0.iter().zip(&plain.0) {
        let at = ident_at(m, p)?;
        first.get_or_insert(at);
    }
    first
}

/// Where an expression starts, for the kinds errors are placed on.
fn expr_at(marked: &Expr, plain: &Expr) -> Option<usize> {
    match (marked, plain) {
        (Expr::Identifier(m), Expr::Identifier(p)) => ident_at(m, p),
        (Expr::CompoundIdentifier(m), Expr::CompoundIdentifier(p)) => {
            name_at(&ObjectName(m.clone()), &ObjectName(p.clone()))
        }
        (Expr::Function(m), Expr::Function(p)) => name_at(&m.name, &p.name),
        (
            Expr::Value(AstValue::SingleQuotedString(m) | AstValue::EscapedStringLiteral(m)),
            Expr::Value(AstValue::SingleQuotedString(p) | AstValue::EscapedStringLiteral(p)),
        ) => {
            let (text, at) = unmark(m)?;
            (text == p).then_some(at)
        }
        _ => None,
    }
}

/// A node of a kind a site can name.
enum Node<'n> {
    Expr(&'n Expr),
    Table(&'n TableFactor),
    Item(&'n SelectItem),
}

/// The select-list items of a query's body, in order (nested queries are visited on their own).
fn select_items<'q>(body: &'q SetExpr, out: &mut Vec<&'q SelectItem>) {
    match body {
        SetExpr::Select(s) => out.extend(s.projection.iter()),
        SetExpr::SetOperation { left, right, .. } => {
            select_items(left, out);
            select_items(right, out);
        }
        _ => {}
    }
}

/// Walks the nodes of `site`'s kind in visiting order, handing each with its index to `f`
/// until it returns a result, which is kept in `found`.
struct Walk<'f, T> {
    site: Site,
    seen: usize,
    f: &'f mut dyn FnMut(usize, Node) -> Option<T>,
    found: Option<T>,
}

impl<T> Walk<'_, T> {
    fn node(&mut self, node: Node) -> ControlFlow<()> {
        let index = self.seen;
        self.seen += 1;
        match (self.f)(index, node) {
            Some(found) => {
                self.found = Some(found);
                ControlFlow::Break(())
            }
            None => ControlFlow::Continue(()),
        }
    }
}

impl<T> sqlparser::ast::Visitor for Walk<'_, T> {
    type Break = ();

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        match self.site {
            Site::Expr(_) => self.node(Node::Expr(e)),
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        match self.site {
            Site::Table(_) => self.node(Node::Table(t)),
            _ => ControlFlow::Continue(()),
        }
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Site::Wildcard(_) = self.site {
            let mut items = Vec::new();
            select_items(&q.body, &mut items);
            for item in items {
                self.node(Node::Item(item))?;
            }
        }
        ControlFlow::Continue(())
    }
}

fn walk<T>(stmt: &Statement, site: Site, f: &mut dyn FnMut(usize, Node) -> Option<T>) -> Option<T> {
    let mut walk = Walk {
        site,
        seen: 0,
        f,
        found: None,
    };
    let _ = crate::sql::visit::visit(stmt, &mut walk);
    walk.found
}

/// Where the node a site names by address starts in the marked tree.
fn node_offset(marked: &Statement, plain: &Statement, site: Site) -> Option<usize> {
    let (Site::Expr(addr) | Site::Table(addr) | Site::Wildcard(addr)) = site else {
        return None;
    };
    let address = |node: &Node| match node {
        Node::Expr(e) => *e as *const Expr as usize,
        Node::Table(t) => *t as *const TableFactor as usize,
        Node::Item(i) => *i as *const SelectItem as usize,
    };
    let index = walk(plain, site, &mut |i, node| {
        (address(&node) == addr).then_some(i)
    })?;
    // the plain node, taken again by index to compare it with the marked one
    let plain_node = walk(plain, site, &mut |i, node| {
        (i == index).then(|| match node {
            Node::Expr(e) => PlainNode::Expr(e.clone()),
            Node::Table(t) => PlainNode::Table(t.clone()),
            Node::Item(item) => PlainNode::Item(item.clone()),
        })
    })?;
    walk(marked, site, &mut |i, node| {
        if i != index {
            return None;
        }
        Some(match (node, &plain_node) {
            (Node::Expr(m), PlainNode::Expr(p)) => expr_at(m, p),
            (
                Node::Table(TableFactor::Table { name: m, .. }),
                PlainNode::Table(TableFactor::Table { name: p, .. }),
            ) => name_at(m, p),
            (
                Node::Item(SelectItem::QualifiedWildcard(m, _)),
                PlainNode::Item(SelectItem::QualifiedWildcard(p, _)),
            ) => name_at(m, p),
            _ => None,
        })
    })
    .flatten()
}

enum PlainNode {
    Expr(Expr),
    Table(TableFactor),
    Item(SelectItem),
}

/// The 1-based character position in `text` (PostgreSQL's cursor position) of `site` in
/// `stmt`, the `index`th statement parsed from `text`; `None` when it cannot be told for sure.
pub fn position(text: &str, index: usize, stmt: &Statement, site: Site) -> Option<usize> {
    let marked = parse_marked(text)?.into_iter().nth(index)?;
    offset_in(&marked, stmt, site).map(|at| at + 1)
}

fn offset_in(marked: &Statement, plain: &Statement, site: Site) -> Option<usize> {
    match (site, marked, plain) {
        (Site::InsertTable, Statement::Insert(m), Statement::Insert(p)) => {
            name_at(&m.table_name, &p.table_name)
        }
        (Site::InsertColumn(i), Statement::Insert(m), Statement::Insert(p)) => {
            ident_at(m.columns.get(i)?, p.columns.get(i)?)
        }
        (
            Site::Assignment(i),
            Statement::Update { assignments: m, .. },
            Statement::Update { assignments: p, .. },
        ) => match (&m.get(i)?.target, &p.get(i)?.target) {
            (
                sqlparser::ast::AssignmentTarget::ColumnName(m),
                sqlparser::ast::AssignmentTarget::ColumnName(p),
            ) => name_at(m, p),
            _ => None,
        },
        (_, Statement::Explain { statement: m, .. }, Statement::Explain { statement: p, .. }) => {
            offset_in(m, p, site)
        }
        (Site::Expr(_) | Site::Table(_) | Site::Wildcard(_), _, _) => {
            node_offset(marked, plain, site)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_sql;
    use sqlparser::ast::{SelectItem, SetExpr};

    fn first_item(stmt: &Statement) -> Option<&Expr> {
        let Statement::Query(q) = stmt else {
            return None;
        };
        let SetExpr::Select(s) = q.body.as_ref() else {
            return None;
        };
        match s.projection.first()? {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
            _ => None,
        }
    }

    #[test]
    fn positions_of_expressions_by_identity() {
        // the second `nam` is found, not the first occurrence of the text
        let text = "SELECT 1; SELECT\n  nam, nam FROM users;";
        let stmts = parse_sql(text).unwrap();
        let Statement::Query(q) = &stmts[1] else {
            panic!()
        };
        let SetExpr::Select(s) = q.body.as_ref() else {
            panic!()
        };
        let SelectItem::UnnamedExpr(second) = &s.projection[1] else {
            panic!()
        };
        assert_eq!(position(text, 1, &stmts[1], Site::expr(second)), Some(25));
        let first = first_item(&stmts[1]).unwrap();
        assert_eq!(position(text, 1, &stmts[1], Site::expr(first)), Some(20));
        // a node of another tree is not found
        let other = parse_sql("SELECT nam").unwrap();
        let e = first_item(&other[0]).unwrap();
        assert_eq!(position(text, 1, &stmts[1], Site::expr(e)), None);
    }

    #[test]
    fn positions_of_names_and_literals() {
        let text = "SELECT 'é', u.x, f(1) FROM public.users u";
        let stmts = parse_sql(text).unwrap();
        let Statement::Query(q) = &stmts[0] else {
            panic!()
        };
        let SetExpr::Select(s) = q.body.as_ref() else {
            panic!()
        };
        let at = |i: usize| match &s.projection[i] {
            SelectItem::UnnamedExpr(e) => position(text, 0, &stmts[0], Site::expr(e)),
            _ => None,
        };
        assert_eq!((at(0), at(1), at(2)), (Some(8), Some(13), Some(18)));
        let table = &s.from[0].relation;
        assert_eq!(position(text, 0, &stmts[0], Site::table(table)), Some(28));
    }

    #[test]
    fn insert_and_update_parts() {
        let text = "INSERT INTO t (a, \"B\") VALUES (1, 2)";
        let stmts = parse_sql(text).unwrap();
        assert_eq!(position(text, 0, &stmts[0], Site::InsertTable), Some(13));
        assert_eq!(
            position(text, 0, &stmts[0], Site::InsertColumn(1)),
            Some(19)
        );
        let text = "UPDATE t SET a = 1, bb = 2";
        let stmts = parse_sql(text).unwrap();
        assert_eq!(position(text, 0, &stmts[0], Site::Assignment(1)), Some(21));
    }

    #[test]
    fn token_offsets_count_characters() {
        let toks = tokens("SELECT 'é東',\n  x").unwrap();
        let words: Vec<usize> = toks
            .iter()
            .filter(|(t, _)| !matches!(t, Token::Whitespace(_)))
            .map(|(_, at)| *at)
            .collect();
        assert_eq!(words, vec![0, 7, 11, 15]);
    }
}

//! PostgreSQL's partitioning syntax, which the SQL parser does not know, rewritten at the token
//! level into statements it parses, carrying the same information:
//!
//! - `CREATE TABLE c PARTITION OF p <bound>` becomes
//!   `CREATE TABLE c (LIKE p INCLUDING ALL) PARTITION BY <bound marker>`;
//! - `ALTER TABLE p ATTACH PARTITION c <bound>` becomes
//!   `ALTER TABLE p ADD CONSTRAINT <attach> CHECK (<attach>(c, <bound marker>))`;
//! - `ALTER TABLE p DETACH PARTITION c` becomes `... CHECK (<detach>(c))`.
//!
//! A bound marker is a call of a function no SQL can name: `FOR VALUES FROM (a) TO (b)` is
//! `<range>((a), (b))`, `FOR VALUES IN (x, y)` is `<list>(x, y)`, `FOR VALUES WITH (MODULUS 4,
//! REMAINDER 1)` is `<hash>(modulus => 4, remainder => 1)` and `DEFAULT` is `<default>()`.
//! `PARTITION BY RANGE (col)` itself parses as is (a call of `RANGE`).

use super::bound::{DEFAULT_MARKER, HASH_MARKER, LIST_MARKER, RANGE_MARKER};
use crate::sql::eval::resolve::ident_name;
use sqlparser::ast::{AlterTableOperation, Expr, FunctionArguments, Ident, TableConstraint};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithLocation, Word};

pub const ATTACH_MARKER: &str = "\u{1}attach";
pub const DETACH_MARKER: &str = "\u{1}detach";

fn is_word(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

fn marker_word(name: &str) -> Token {
    Token::Word(Word {
        value: name.to_string(),
        quote_style: Some('"'),
        keyword: Keyword::NoKeyword,
    })
}

fn plain_word(name: &str) -> Token {
    Token::make_keyword(name)
}

/// The tokens with their positions, skipping whitespace, for pattern matching.
struct Sig<'a> {
    tokens: &'a [TokenWithLocation],
    idx: Vec<usize>,
}

impl<'a> Sig<'a> {
    fn get(&self, k: usize) -> Option<&'a Token> {
        self.idx.get(k).map(|&i| &self.tokens[i].token)
    }

    fn word(&self, k: usize, kw: &str) -> bool {
        self.get(k).is_some_and(|t| is_word(t, kw))
    }

    /// A possibly qualified name starting at `k`: its tokens and the position after it.
    fn name(&self, k: usize) -> Option<(Vec<Token>, usize)> {
        let mut out = Vec::new();
        let mut k = k;
        loop {
            match self.get(k)? {
                t @ Token::Word(_) => out.push(t.clone()),
                _ => return None,
            }
            k += 1;
            if matches!(self.get(k), Some(Token::Period)) {
                out.push(Token::Period);
                k += 1;
            } else {
                return Some((out, k));
            }
        }
    }

    /// A balanced parenthesised group starting at `k`: its significant tokens (parentheses
    /// included) and the position after it.
    fn group(&self, k: usize) -> Option<(Vec<Token>, usize)> {
        if !matches!(self.get(k)?, Token::LParen) {
            return None;
        }
        let mut depth = 0usize;
        let mut out = Vec::new();
        let mut k = k;
        loop {
            let t = self.get(k)?;
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            out.push(t.clone());
            k += 1;
            if depth == 0 {
                return Some((out, k));
            }
        }
    }

    /// A partition bound (`FOR VALUES ...` or `DEFAULT`) at `k` as marker-call tokens.
    fn bound(&self, k: usize) -> Option<(Vec<Token>, usize)> {
        if self.word(k, "default") {
            return Some((
                vec![marker_word(DEFAULT_MARKER), Token::LParen, Token::RParen],
                k + 1,
            ));
        }
        if !(self.word(k, "for") && self.word(k + 1, "values")) {
            return None;
        }
        let kind = k + 2;
        if self.word(kind, "in") {
            let (group, next) = self.group(kind + 1)?;
            let mut out = vec![marker_word(LIST_MARKER)];
            out.extend(group);
            return Some((out, next));
        }
        if self.word(kind, "from") {
            let (from, next) = self.group(kind + 1)?;
            if !self.word(next, "to") {
                return None;
            }
            let (to, next) = self.group(next + 1)?;
            let mut out = vec![marker_word(RANGE_MARKER), Token::LParen];
            out.extend(from);
            out.push(Token::Comma);
            out.extend(to);
            out.push(Token::RParen);
            return Some((out, next));
        }
        if self.word(kind, "with") {
            let (group, next) = self.group(kind + 1)?;
            let mut out = vec![marker_word(HASH_MARKER)];
            for t in group {
                let named = is_word(&t, "modulus") || is_word(&t, "remainder");
                out.push(t);
                if named {
                    out.push(Token::RArrow);
                }
            }
            return Some((out, next));
        }
        None
    }
}

/// Rewrites every partitioning clause in `tokens` (see the module comment). Clauses that do
/// not match the grammar are left alone for the parser to report.
pub fn rewrite_partition_tokens(tokens: Vec<TokenWithLocation>) -> Vec<TokenWithLocation> {
    if !tokens.iter().any(|t| is_word(&t.token, "partition")) {
        return tokens;
    }
    let sig = Sig {
        tokens: &tokens,
        idx: (0..tokens.len())
            .filter(|i| !matches!(tokens[*i].token, Token::Whitespace(_)))
            .collect(),
    };
    // (first significant position replaced, position after it, replacement)
    let mut edits: Vec<(usize, usize, Vec<Token>)> = Vec::new();
    let mut start = 0;
    let mut k = 0;
    let mut depth = 0usize;
    while let Some(t) = sig.get(k) {
        match t {
            Token::SemiColon => {
                start = k + 1;
                depth = 0;
            }
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 {
            if let Some((edit, next)) = rewrite_at(&sig, start, k) {
                edits.push((k, next, edit));
                k = next;
                continue;
            }
        }
        k += 1;
    }
    if edits.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len() + 16);
    let mut copied = 0; // next original token index to copy
    for (from, to, replacement) in edits {
        let first = sig.idx[from];
        let location: Location = tokens[first].location;
        out.extend(tokens[copied..first].iter().cloned());
        out.extend(
            replacement
                .into_iter()
                .map(|token| TokenWithLocation { token, location }),
        );
        copied = sig.idx.get(to).copied().unwrap_or(tokens.len());
        // Keep the whitespace before the next token.
        while copied > 0 && matches!(tokens[copied - 1].token, Token::Whitespace(_)) {
            copied -= 1;
        }
    }
    out.extend(tokens[copied..].iter().cloned());
    out
}

/// The statement starting at `start` is CREATE [TEMP ...] TABLE, or ALTER TABLE.
fn statement_is(sig: &Sig, start: usize, create: bool) -> bool {
    if create {
        if !sig.word(start, "create") {
            return false;
        }
        (start + 1..start + 4).any(|k| sig.word(k, "table"))
    } else {
        sig.word(start, "alter") && sig.word(start + 1, "table")
    }
}

fn rewrite_at(sig: &Sig, start: usize, k: usize) -> Option<(Vec<Token>, usize)> {
    if sig.word(k, "partition") && sig.word(k + 1, "of") && statement_is(sig, start, true) {
        let (parent, next) = sig.name(k + 2)?;
        let (bound, next) = sig.bound(next)?;
        let mut out = vec![Token::LParen, plain_word("LIKE")];
        out.extend(parent);
        out.extend([
            plain_word("INCLUDING"),
            plain_word("ALL"),
            Token::RParen,
            plain_word("PARTITION"),
            plain_word("BY"),
        ]);
        out.extend(bound);
        return Some((out, next));
    }
    let attach = sig.word(k, "attach");
    if (attach || sig.word(k, "detach"))
        && sig.word(k + 1, "partition")
        && statement_is(sig, start, false)
    {
        let (child, mut next) = sig.name(k + 2)?;
        let marker = if attach { ATTACH_MARKER } else { DETACH_MARKER };
        let mut call = vec![marker_word(marker), Token::LParen];
        call.extend(child);
        if attach {
            let (bound, after) = sig.bound(next)?;
            call.push(Token::Comma);
            call.extend(bound);
            next = after;
        } else if sig.word(next, "concurrently") || sig.word(next, "finalize") {
            next += 1;
        }
        call.push(Token::RParen);
        let mut out = vec![
            plain_word("ADD"),
            plain_word("CONSTRAINT"),
            marker_word(marker),
            plain_word("CHECK"),
            Token::LParen,
        ];
        out.extend(call);
        out.push(Token::RParen);
        return Some((out, next));
    }
    None
}

/// ATTACH / DETACH PARTITION as an ALTER TABLE operation.
pub enum PartitionCommand<'a> {
    Attach { child: String, bound: &'a Expr },
    Detach { child: String },
}

/// The child an ATTACH or DETACH PARTITION operation names, as identifiers to qualify: a
/// plain name becomes a one-part list.
pub fn partition_child_mut(op: &mut AlterTableOperation) -> Option<&mut Vec<Ident>> {
    let AlterTableOperation::AddConstraint(TableConstraint::Check {
        name: Some(name),
        expr,
    }) = op
    else {
        return None;
    };
    if name.value != ATTACH_MARKER && name.value != DETACH_MARKER {
        return None;
    }
    let Expr::Function(f) = expr.as_mut() else {
        return None;
    };
    let FunctionArguments::List(list) = &mut f.args else {
        return None;
    };
    let first = list.args.first_mut()?;
    let sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(e)) = first
    else {
        return None;
    };
    if let Expr::Identifier(id) = e {
        *e = Expr::CompoundIdentifier(vec![id.clone()]);
    }
    match e {
        Expr::CompoundIdentifier(ids) => Some(ids),
        _ => None,
    }
}

/// The partition command an ALTER TABLE operation was rewritten from, if any.
pub fn partition_command(op: &AlterTableOperation) -> Option<PartitionCommand<'_>> {
    let AlterTableOperation::AddConstraint(TableConstraint::Check {
        name: Some(name),
        expr,
    }) = op
    else {
        return None;
    };
    if name.value != ATTACH_MARKER && name.value != DETACH_MARKER {
        return None;
    }
    let Expr::Function(f) = expr.as_ref() else {
        return None;
    };
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let args = crate::sql::eval::arg_exprs(&list.args);
    let child = match args.first()? {
        Expr::Identifier(id) => ident_name(id),
        Expr::CompoundIdentifier(ids) => {
            crate::sql::namespace::stored(&sqlparser::ast::ObjectName(ids.clone()))
        }
        _ => return None,
    };
    if name.value == ATTACH_MARKER {
        Some(PartitionCommand::Attach {
            child,
            bound: args.get(1)?,
        })
    } else {
        Some(PartitionCommand::Detach { child })
    }
}

/// Whether a statement's operations include a partition command.
pub fn has_partition_command(ops: &[AlterTableOperation]) -> bool {
    ops.iter().any(|op| partition_command(op).is_some())
}

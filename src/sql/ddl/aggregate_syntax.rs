//! The SQL parser knows neither CREATE AGGREGATE nor DROP AGGREGATE. Their tokens become
//! the function statements that carry them:
//! - `CREATE [OR REPLACE] AGGREGATE n(args) (options)` →
//!   `CREATE [OR REPLACE] FUNCTION n(args) LANGUAGE <marker> AS '<options>'`
//! - `DROP AGGREGATE [IF EXISTS] n(args)` → `DROP FUNCTION [IF EXISTS] <marker>.n(args)`

use super::function::{AGGREGATE_LANGUAGE, AGGREGATE_SCHEMA};
use crate::sql::modify_syntax::closing;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithLocation, Word};

fn word(t: &TokenWithLocation) -> Option<&Word> {
    match &t.token {
        Token::Word(w) => Some(w),
        _ => None,
    }
}

fn is_kw(t: &TokenWithLocation, kw: Keyword) -> bool {
    word(t).is_some_and(|w| w.keyword == kw && w.quote_style.is_none())
}

fn is_named(t: &TokenWithLocation, name: &str) -> bool {
    word(t).is_some_and(|w| w.quote_style.is_none() && w.value.eq_ignore_ascii_case(name))
}

/// The indexes of the tokens that are not whitespace.
fn solid(tokens: &[TokenWithLocation]) -> Vec<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(i, _)| i)
        .collect()
}

fn make_word(value: &str, like: &TokenWithLocation) -> TokenWithLocation {
    TokenWithLocation {
        token: Token::make_word(value, None),
        location: like.location,
    }
}

pub fn rewrite(tokens: &mut Vec<TokenWithLocation>) {
    let mut at = 0;
    loop {
        let idx = solid(tokens);
        let Some(pos) = idx.iter().enumerate().skip(at).find_map(|(k, &i)| {
            let t = tokens.get(i)?;
            (is_kw(t, Keyword::CREATE) || is_kw(t, Keyword::DROP)).then_some(k)
        }) else {
            return;
        };
        at = pos + 1;
        let get = |k: usize| idx.get(k).and_then(|&i| tokens.get(i));
        let Some(&first) = idx.get(pos) else { return };
        if tokens.get(first).is_some_and(|t| is_kw(t, Keyword::DROP)) {
            let Some(&agg) = idx.get(pos + 1) else { return };
            if !get(pos + 1).is_some_and(|t| is_named(t, "aggregate")) {
                continue;
            }
            let mut name_at = pos + 2;
            if get(name_at).is_some_and(|t| is_kw(t, Keyword::IF))
                && get(name_at + 1).is_some_and(|t| is_kw(t, Keyword::EXISTS))
            {
                name_at += 2;
            }
            let (Some(&name_i), Some(like)) = (idx.get(name_at), tokens.get(agg).cloned()) else {
                return;
            };
            // A schema-qualified name keeps only its last part behind the marker.
            tokens.splice(
                name_i..name_i,
                [
                    make_word(AGGREGATE_SCHEMA, &like),
                    TokenWithLocation {
                        token: Token::Period,
                        location: like.location,
                    },
                ],
            );
            tokens[agg] = make_word("FUNCTION", &like);
            continue;
        }
        let mut k = pos + 1;
        if get(k).is_some_and(|t| is_kw(t, Keyword::OR))
            && get(k + 1).is_some_and(|t| is_kw(t, Keyword::REPLACE))
        {
            k += 2;
        }
        if !get(k).is_some_and(|t| is_named(t, "aggregate")) {
            continue;
        }
        let Some(&agg) = idx.get(k) else { return };
        // The name, then the argument list, then the option list.
        let Some(args_open) = idx
            .iter()
            .skip(k + 1)
            .copied()
            .find(|&i| matches!(tokens.get(i).map(|t| &t.token), Some(Token::LParen)))
        else {
            return;
        };
        let Some(args_close) = closing(tokens, args_open) else {
            return;
        };
        let Some(&opts_open) = idx.iter().find(|&&i| i > args_close) else {
            return;
        };
        if !matches!(tokens.get(opts_open).map(|t| &t.token), Some(Token::LParen)) {
            continue;
        }
        let Some(opts_close) = closing(tokens, opts_open) else {
            return;
        };
        let options: String = tokens
            .get(opts_open + 1..opts_close)
            .unwrap_or_default()
            .iter()
            .map(|t| t.token.to_string())
            .collect();
        let like = tokens[opts_open].clone();
        let replacement = vec![
            make_word("LANGUAGE", &like),
            TokenWithLocation {
                token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                location: like.location,
            },
            make_word(AGGREGATE_LANGUAGE, &like),
            TokenWithLocation {
                token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                location: like.location,
            },
            make_word("AS", &like),
            TokenWithLocation {
                token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space),
                location: like.location,
            },
            TokenWithLocation {
                token: Token::SingleQuotedString(options),
                location: like.location,
            },
        ];
        tokens.splice(opts_open..=opts_close, replacement);
        let like = tokens[agg].clone();
        tokens[agg] = make_word("FUNCTION", &like);
    }
}

//! The integer lane: expressions made only of integer columns, integer literals, arithmetic
//! and comparisons are evaluated straight on the stored values, with no `Value` built, cloned
//! or dropped per row. This is what a shard scan over integer keys spends its time on.
//!
//! The lane answers exactly what `eval` answers, or declines: a row whose stored value is not
//! of the column's declared type, or whose arithmetic would overflow or divide by zero, is
//! left to the general evaluation (which raises the error), so results and errors are the same.

use super::compiled::Compiled;
use super::ScopeColumn;
use crate::types::{SqlType, Value};
use gluesql::core::data::Value as GValue;
use sqlparser::ast::{BinaryOperator, OrderByExpr};
use std::cmp::Ordering;

/// The integer type of a lane expression, as PostgreSQL types integer arithmetic: the wider
/// operand's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Width {
    Int2,
    Int4,
    Int8,
}

impl Width {
    fn of(ty: &SqlType) -> Option<Width> {
        match ty {
            SqlType::Int2 => Some(Width::Int2),
            SqlType::Int4 => Some(Width::Int4),
            SqlType::Int8 => Some(Width::Int8),
            _ => None,
        }
    }

    fn fits(self, x: i64) -> bool {
        match self {
            Width::Int2 => i16::try_from(x).is_ok(),
            Width::Int4 => i32::try_from(x).is_ok(),
            Width::Int8 => true,
        }
    }

    /// The SQL value of `x` at this width (`None` is NULL).
    pub fn value(self, x: Option<i64>) -> Value {
        match (x, self) {
            (None, _) => Value::Null,
            (Some(x), Width::Int2) => Value::Int2(x as i16),
            (Some(x), Width::Int4) => Value::Int4(x as i32),
            (Some(x), Width::Int8) => Value::Int8(x),
        }
    }
}

#[derive(Clone, Copy)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

enum Node {
    Column(usize, Width),
    Const(i64),
    /// The operation, its operands and the width its result must fit.
    Arith(Arith, Box<Node>, Box<Node>, Width),
}

/// An integer expression of the lane.
pub struct IntExpr {
    node: Node,
    /// The shapes nearly every key takes, evaluated without walking `node`.
    shape: Shape,
    pub width: Width,
}

#[derive(Clone, Copy)]
enum Shape {
    /// A column.
    Column(usize, Width),
    /// A column and a constant (`k % 100`): the operation and the result's width.
    ColumnConst(usize, Width, Arith, i64, Width),
    Other,
}

/// One row's answer: `None` declines the row (evaluate it the general way); `Some(None)` is
/// SQL NULL.
pub type Lane<T> = Option<Option<T>>;

impl IntExpr {
    /// The lane form of `c` over rows shaped like `columns`, when it has one.
    pub fn new(c: &Compiled, columns: &[ScopeColumn]) -> Option<IntExpr> {
        let (node, width) = int_node(c, columns)?;
        let shape = match &node {
            Node::Column(i, w) => Shape::Column(*i, *w),
            Node::Arith(op, l, r, w) => match (l.as_ref(), r.as_ref()) {
                (Node::Column(i, cw), Node::Const(k)) => Shape::ColumnConst(*i, *cw, *op, *k, *w),
                _ => Shape::Other,
            },
            Node::Const(_) => Shape::Other,
        };
        Some(IntExpr { node, shape, width })
    }

    /// The value for one stored row.
    #[inline]
    pub fn eval(&self, row: &[GValue]) -> Lane<i64> {
        match self.shape {
            Shape::Column(i, width) => read(row, i, width),
            Shape::ColumnConst(i, column_width, op, k, width) => {
                match read(row, i, column_width)? {
                    Some(x) => arith(op, x, k, width),
                    None => Some(None),
                }
            }
            Shape::Other => eval_node(&self.node, row),
        }
    }
}

fn int_node(c: &Compiled, columns: &[ScopeColumn]) -> Option<(Node, Width)> {
    match c {
        Compiled::Column(i) => {
            let width = Width::of(&columns.get(*i)?.ty)?;
            Some((Node::Column(*i, width), width))
        }
        Compiled::Const(Value::Int2(x)) => Some((Node::Const(*x as i64), Width::Int2)),
        Compiled::Const(Value::Int4(x)) => Some((Node::Const(*x as i64), Width::Int4)),
        Compiled::Const(Value::Int8(x)) => Some((Node::Const(*x), Width::Int8)),
        Compiled::Binary {
            op,
            left,
            right,
            direct: true,
            ..
        } => {
            let arith = match op {
                BinaryOperator::Plus => Arith::Add,
                BinaryOperator::Minus => Arith::Sub,
                BinaryOperator::Multiply => Arith::Mul,
                BinaryOperator::Divide => Arith::Div,
                BinaryOperator::Modulo => Arith::Rem,
                _ => return None,
            };
            let (l, lw) = int_node(left, columns)?;
            let (r, rw) = int_node(right, columns)?;
            let width = lw.max(rw);
            Some((Node::Arith(arith, Box::new(l), Box::new(r), width), width))
        }
        _ => None,
    }
}

#[inline]
fn read(row: &[GValue], i: usize, width: Width) -> Lane<i64> {
    match (row.get(i)?, width) {
        (GValue::Null, _) => Some(None),
        (GValue::I16(x), Width::Int2) => Some(Some(*x as i64)),
        (GValue::I32(x), Width::Int4) => Some(Some(*x as i64)),
        (GValue::I64(x), Width::Int8) => Some(Some(*x)),
        _ => None,
    }
}

fn eval_node(node: &Node, row: &[GValue]) -> Lane<i64> {
    match node {
        Node::Column(i, width) => read(row, *i, *width),
        Node::Const(x) => Some(Some(*x)),
        Node::Arith(op, l, r, width) => {
            let (Some(x), Some(y)) = (eval_node(l, row)?, eval_node(r, row)?) else {
                return Some(None);
            };
            arith(*op, x, y, *width)
        }
    }
}

/// `x op y` at `width`; declined on overflow and division by zero.
#[inline]
fn arith(op: Arith, x: i64, y: i64, width: Width) -> Lane<i64> {
    let res = match op {
        Arith::Add => x.checked_add(y),
        Arith::Sub => x.checked_sub(y),
        Arith::Mul => x.checked_mul(y),
        Arith::Div if y == 0 => None,
        Arith::Div => x.checked_div(y),
        Arith::Rem if y == 0 => None,
        Arith::Rem => Some(x.checked_rem(y).unwrap_or(0)),
    }?;
    width.fits(res).then_some(Some(res))
}

/// A WHERE (or FILTER) condition of the lane: comparisons of integer expressions joined by
/// AND and OR.
pub enum IntPred {
    Cmp(Ordering, bool, IntExpr, IntExpr),
    /// AND (`and`) or OR of two conditions.
    Junction {
        and: bool,
        left: Box<IntPred>,
        right: Box<IntPred>,
    },
}

impl IntPred {
    pub fn new(c: &Compiled, columns: &[ScopeColumn]) -> Option<IntPred> {
        let Compiled::Binary {
            op, left, right, ..
        } = c
        else {
            return None;
        };
        let junction = |and| {
            Some(IntPred::Junction {
                and,
                left: Box::new(IntPred::new(left, columns)?),
                right: Box::new(IntPred::new(right, columns)?),
            })
        };
        // (ordering that satisfies, whether it is negated): `a <= b` is "not Greater".
        let (ord, negated) = match op {
            BinaryOperator::And => return junction(true),
            BinaryOperator::Or => return junction(false),
            BinaryOperator::Eq => (Ordering::Equal, false),
            BinaryOperator::NotEq => (Ordering::Equal, true),
            BinaryOperator::Lt => (Ordering::Less, false),
            BinaryOperator::GtEq => (Ordering::Less, true),
            BinaryOperator::Gt => (Ordering::Greater, false),
            BinaryOperator::LtEq => (Ordering::Greater, true),
            _ => return None,
        };
        if !matches!(c, Compiled::Binary { direct: true, .. }) {
            return None;
        }
        Some(IntPred::Cmp(
            ord,
            negated,
            IntExpr::new(left, columns)?,
            IntExpr::new(right, columns)?,
        ))
    }

    /// The condition for one stored row, with SQL's three-valued AND and OR.
    pub fn eval(&self, row: &[GValue]) -> Lane<bool> {
        match self {
            IntPred::Cmp(ord, negated, l, r) => {
                let (Some(x), Some(y)) = (l.eval(row)?, r.eval(row)?) else {
                    return Some(None);
                };
                Some(Some((x.cmp(&y) == *ord) != *negated))
            }
            // False decides an AND, true an OR. As `eval` does, a decided left side leaves
            // the right side unevaluated; two undecided known sides give the other value.
            IntPred::Junction { and, left, right } => {
                let decides = !and;
                match left.eval(row)? {
                    Some(l) if l == decides => Some(Some(decides)),
                    l => Some(match (l, right.eval(row)?) {
                        (_, Some(r)) if r == decides => Some(decides),
                        (Some(_), Some(_)) => Some(!decides),
                        _ => None,
                    }),
                }
            }
        }
    }
}

/// ORDER BY's comparison of two integer keys (NULLS LAST for ASC, NULLS FIRST for DESC unless
/// the item says otherwise), as `order::cmp_keys` compares their values.
pub fn cmp_int_keys(a: &[Option<i64>], b: &[Option<i64>], order: &[OrderByExpr]) -> Ordering {
    for ((x, y), o) in a.iter().zip(b).zip(order) {
        let desc = o.asc == Some(false);
        let nulls_first = o.nulls_first.unwrap_or(desc);
        let c = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) if nulls_first => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) if nulls_first => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) if desc => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

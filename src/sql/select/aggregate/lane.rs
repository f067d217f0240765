//! GROUP BY in the integer lane: when every grouping key and every aggregate argument is an
//! integer expression of the lane and the aggregates are plain `count`, `sum`, `avg`, `min`
//! or `max`, a stored row is folded into its group without being converted. Keys hash and
//! compare as `hash_key` and `same_group` do on their values, so a row the lane declines,
//! folded the general way, lands in the same group.

use super::{feed, Acc, AggSpec, GroupState, Groups};
use crate::error::PgResult;
use crate::sql::eval::compiled::Compiled;
use crate::sql::eval::lane::IntExpr;
use crate::sql::eval::ScopeColumn;
use crate::sql::select::keys::hash_int_key;
use crate::sql::storage::FxBuild;
use crate::types::Value;
use gluesql::core::data::Value as GValue;
use std::collections::HashMap;

pub(super) struct LaneGroup {
    keys: Vec<IntExpr>,
    /// Each aggregate's argument; `None` for `count(*)`.
    args: Vec<Option<IntExpr>>,
    /// One row's key and arguments, reused.
    key_buf: Vec<Option<i64>>,
    arg_buf: Vec<Option<i64>>,
    /// With one grouping key, each key's group once found: a row then finds its group without
    /// comparing values.
    found: HashMap<Option<i64>, usize, FxBuild>,
    dense: Vec<Option<usize>>,
    /// Every aggregate is `count(*)`: a row only adds one to each.
    counts_only: bool,
}

impl LaneGroup {
    pub fn new(
        keys: &[Compiled],
        specs: &[AggSpec],
        compiled: &[(Option<Compiled>, Vec<Compiled>)],
        columns: &[ScopeColumn],
    ) -> Option<LaneGroup> {
        let keys = keys
            .iter()
            .map(|k| IntExpr::new(k, columns))
            .collect::<Option<Vec<_>>>()?;
        let args = specs
            .iter()
            .zip(compiled)
            .map(|(spec, (filter, args))| {
                let plain = filter.is_none() && !spec.distinct && spec.order.is_empty();
                let known = matches!(spec.name.as_str(), "count" | "sum" | "avg" | "min" | "max");
                if !plain || !known {
                    return None;
                }
                match (spec.star, args.as_slice()) {
                    (true, []) => Some(None),
                    (false, [arg]) => IntExpr::new(arg, columns).map(Some),
                    _ => None,
                }
            })
            .collect::<Option<Vec<_>>>()?;
        Some(LaneGroup {
            key_buf: Vec::with_capacity(keys.len()),
            arg_buf: Vec::with_capacity(args.len()),
            found: HashMap::default(),
            dense: Vec::new(),
            counts_only: args.iter().all(Option::is_none),
            keys,
            args,
        })
    }

    /// Folds one stored row into its group; `false`, with nothing changed, when the lane
    /// declines the row.
    pub fn fold(
        &mut self,
        stored: &[GValue],
        groups: &mut Groups,
        new_state: &dyn Fn(Vec<Value>) -> GroupState,
    ) -> PgResult<bool> {
        // The common shapes (one key; only `count(*)`) skip the buffers' general loops.
        let single = match self.keys.as_slice() {
            [key] => match key.eval(stored) {
                Some(k) => Some(k),
                None => return Ok(false),
            },
            _ => None,
        };
        if single.is_none() {
            self.key_buf.clear();
            self.key_buf
                .extend(self.keys.iter().map_while(|k| k.eval(stored)));
            if self.key_buf.len() < self.keys.len() {
                return Ok(false);
            }
        }
        self.arg_buf.clear();
        if !self.counts_only {
            self.arg_buf.extend(
                self.args
                    .iter()
                    .map_while(|a| a.as_ref().map_or(Some(None), |a| a.eval(stored))),
            );
            if self.arg_buf.len() < self.args.len() {
                return Ok(false);
            }
        }
        let at = if self.keys.is_empty() {
            0
        } else if let Some(at) = single.and_then(|key| self.found_group(key)) {
            at
        } else {
            if let Some(key) = single {
                self.key_buf.clear();
                self.key_buf.push(key);
            }
            let hash = hash_int_key(&self.key_buf);
            let found = groups.index.candidates(hash).find(|&i| {
                groups.states[i]
                    .key_values
                    .iter()
                    .zip(&self.key_buf)
                    .all(|(v, k)| same_int(v, *k))
            });
            let at = match found {
                Some(at) => at,
                None => {
                    let key = self.keys.iter().zip(&self.key_buf);
                    let key = key.map(|(k, v)| k.width.value(*v)).collect();
                    groups.add(hash, new_state(key))
                }
            };
            if let Some(key) = single {
                self.remember_group(key, at);
            }
            at
        };
        let Some(state) = groups.states.get_mut(at) else {
            return Ok(false);
        };
        if self.counts_only {
            for acc in state.accs.iter_mut() {
                if let Acc::Count(n) = acc {
                    *n += 1;
                }
            }
            return Ok(true);
        }
        for ((acc, arg), value) in state.accs.iter_mut().zip(&self.args).zip(&self.arg_buf) {
            match (acc, arg) {
                (Acc::Count(n), None) => *n += 1,
                (Acc::Count(n), Some(_)) => *n += i64::from(value.is_some()),
                (acc, Some(arg)) => feed(acc, false, &mut [arg.width.value(*value)])?,
                (acc, None) => feed(acc, true, &mut [])?,
            }
        }
        Ok(true)
    }
}

impl LaneGroup {
    fn found_group(&self, key: Option<i64>) -> Option<usize> {
        match dense_slot(key) {
            Some(slot) => self.dense.get(slot).copied().flatten(),
            None => self.found.get(&key).copied(),
        }
    }

    fn remember_group(&mut self, key: Option<i64>, at: usize) {
        match dense_slot(key) {
            Some(slot) => {
                if self.dense.len() <= slot {
                    self.dense.resize(slot + 1, None);
                }
                if let Some(entry) = self.dense.get_mut(slot) {
                    *entry = Some(at);
                }
            }
            None => {
                self.found.insert(key, at);
            }
        }
    }
}

/// Small non-negative keys (`k % 100`, a status code) index a table instead of being hashed.
const DENSE_KEYS: i64 = 4096;

fn dense_slot(key: Option<i64>) -> Option<usize> {
    key.filter(|k| (0..DENSE_KEYS).contains(k))
        .and_then(|k| usize::try_from(k).ok())
}

/// Whether a group's key value is the lane's integer (or NULL), as `same_group` decides.
fn same_int(v: &Value, k: Option<i64>) -> bool {
    match (v, k) {
        (Value::Null, None) => true,
        (Value::Int2(_) | Value::Int4(_) | Value::Int8(_), Some(k)) => v.as_i64() == Some(k),
        _ => false,
    }
}

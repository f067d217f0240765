//! The routing animation: the last statement's trace as a sequence of arrows on the cluster
//! map. Frame `k` shows the first `k` messages; the geometry comes from the map layout, so the
//! SVG component only draws what this module hands it. Nothing here decides routing: every
//! arrow is one trace message.

use crate::cluster::COORDINATOR;
use crate::trace::{MessageKind, TraceEvent};
use crate::viz::layout::{MapLayout, CHAR_W, TILE};
use std::collections::{BTreeMap, BTreeSet};

/// Milliseconds between two messages at speed 1×.
pub const BASE_DELAY_MS: u32 = 80;
/// The speeds the speed button cycles through (multipliers).
pub const SPEEDS: [f64; 4] = [1.0, 2.0, 4.0, 0.5];

/// What an arrow shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// Coordinator → a shard tile.
    Task,
    /// A shard tile → coordinator.
    Result,
    /// A shard tile → coordinator, failed.
    Error,
    /// The combine step: a badge on the coordinator.
    Combine,
    /// Node → node: DDL, copies, metadata, recovery's queries.
    Control,
    /// Coordinator → worker: BEGIN of a remote transaction block.
    Begin,
    /// Coordinator → worker: PREPARE TRANSACTION (the first round of two-phase commit).
    Prepare,
    /// Coordinator → worker: COMMIT PREPARED or COMMIT.
    Commit,
    /// Coordinator → worker: ROLLBACK PREPARED or ROLLBACK.
    Rollback,
    /// The coordinator's own commit or rollback: the decision, a badge on the coordinator.
    Decision,
    /// Primary → standby: WAL records streamed.
    Wal,
}

impl ArrowKind {
    /// The CSS class of the arrow.
    pub fn class(self) -> &'static str {
        match self {
            ArrowKind::Task => "task-arrow",
            ArrowKind::Result => "result-arrow",
            ArrowKind::Error => "error-arrow",
            ArrowKind::Combine => "combine-badge",
            ArrowKind::Control => "control-arrow",
            ArrowKind::Begin => "begin-arrow",
            ArrowKind::Prepare => "prepare-arrow",
            ArrowKind::Commit => "commit-arrow",
            ArrowKind::Rollback => "rollback-arrow",
            ArrowKind::Decision => "decision-badge",
            ArrowKind::Wal => "wal-arrow",
        }
    }

    /// Messages of the commit protocol, labelled on the map.
    pub fn is_transaction(self) -> bool {
        matches!(
            self,
            ArrowKind::Begin | ArrowKind::Prepare | ArrowKind::Commit | ArrowKind::Rollback
        )
    }
}

/// One message of the statement as drawn on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    /// Position in the sequence (0-based).
    pub index: usize,
    pub kind: ArrowKind,
    pub from: String,
    pub to: String,
    pub shard: Option<i64>,
    /// Every shard the message's task touches (a join reads several).
    pub shards: Vec<i64>,
    /// The SQL the message carried (for a task: what the worker ran).
    pub sql: String,
    /// The trace label of the message kind (`task`, `result`, `ddl`, ...), with the phase it
    /// answers (`prepare result`).
    pub label: String,
    /// The prepared transaction's gid, for two-phase commit messages.
    pub gid: Option<String>,
}

impl Arrow {
    /// The hover text: what the message is and the SQL it carried.
    pub fn title(&self) -> String {
        let mut what = match self.shard {
            Some(id) => format!("{} {} → {} (shard {id})", self.label, self.from, self.to),
            None => format!("{} {} → {}", self.label, self.from, self.to),
        };
        if let Some(g) = &self.gid {
            what.push_str(&format!("\ngid {g}"));
        }
        if self.sql.is_empty() {
            what
        } else {
            format!("{what}\n{}", self.sql)
        }
    }

    /// The word drawn on a commit-protocol arrow.
    pub fn tag(&self) -> Option<&'static str> {
        match self.kind {
            ArrowKind::Begin => Some("BEGIN"),
            ArrowKind::Prepare => Some("PREPARE"),
            ArrowKind::Commit if self.gid.is_some() => Some("COMMIT PREPARED"),
            ArrowKind::Commit => Some("COMMIT"),
            ArrowKind::Rollback if self.gid.is_some() => Some("ROLLBACK PREPARED"),
            ArrowKind::Rollback => Some("ROLLBACK"),
            _ => None,
        }
    }
}

/// How the statement was routed, read off its task arrows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// No task: the statement ran where it arrived (or only moved metadata).
    NoTasks,
    /// One task on one shard.
    Router,
    /// Tasks on several shards, each touching one table's shard.
    MultiShard,
    /// Tasks on several shards, each joining co-located shards of several tables.
    ColocatedJoin,
    /// Tasks on several shards, each joining its shard with the local copy of a reference table.
    ReferenceJoin,
}

impl Pattern {
    pub fn describe(self) -> &'static str {
        match self {
            Pattern::NoTasks => "no shard tasks",
            Pattern::Router => "router: one task on one shard",
            Pattern::MultiShard => "multi-shard: one task per shard, combined on the coordinator",
            Pattern::ColocatedJoin => {
                "co-located join: each task joins shards that live on the same worker"
            }
            Pattern::ReferenceJoin => {
                "reference join: each task joins its shard with the worker's copy of a reference table"
            }
        }
    }
}

/// The arrows of one statement, in trace order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Animation {
    pub arrows: Vec<Arrow>,
}

impl Animation {
    pub fn from_events(events: &[TraceEvent]) -> Self {
        let mut arrows = Vec::new();
        for e in events {
            let kind = match e.kind {
                MessageKind::Task => ArrowKind::Task,
                MessageKind::TaskResult => ArrowKind::Result,
                // The statement's error going back to the client is not a map message.
                MessageKind::TaskError if e.to == crate::cluster::CLIENT => continue,
                MessageKind::TaskError => ArrowKind::Error,
                MessageKind::Combine => ArrowKind::Combine,
                MessageKind::Begin => ArrowKind::Begin,
                MessageKind::Prepare => ArrowKind::Prepare,
                MessageKind::Commit | MessageKind::CommitPrepared => ArrowKind::Commit,
                MessageKind::Rollback | MessageKind::RollbackPrepared => ArrowKind::Rollback,
                MessageKind::Decision => ArrowKind::Decision,
                MessageKind::Ddl
                | MessageKind::Copy
                | MessageKind::Savepoint
                | MessageKind::Recovery => ArrowKind::Control,
                MessageKind::LockWait | MessageKind::Lost => ArrowKind::Error,
                MessageKind::ClientQuery
                | MessageKind::ClientResult
                | MessageKind::Fault
                | MessageKind::Ha => continue,
                MessageKind::Wal => ArrowKind::Wal,
            };
            let label = match (&e.phase, e.kind) {
                (Some(p), MessageKind::TaskResult) => format!("{p} answer"),
                (Some(p), MessageKind::TaskError | MessageKind::Lost) => format!("{p} failed"),
                (Some(p), MessageKind::Decision) => format!("{p}: {}", e.sql),
                _ => e.kind.label().to_string(),
            };
            arrows.push(Arrow {
                index: arrows.len(),
                kind,
                from: e.from.clone(),
                to: e.to.clone(),
                shard: e.shard,
                shards: e.shards.clone(),
                sql: e.sql.clone(),
                label,
                gid: e.gid.clone(),
            });
        }
        Animation { arrows }
    }

    /// The number of frames after the empty one: frame `len()` shows every message.
    pub fn len(&self) -> usize {
        self.arrows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.arrows.is_empty()
    }

    /// The messages visible at step `k` (the first `k`, clamped).
    pub fn frame(&self, k: usize) -> &[Arrow] {
        &self.arrows[..k.min(self.arrows.len())]
    }

    /// The message step `k` just added, if any.
    pub fn current(&self, k: usize) -> Option<&Arrow> {
        k.checked_sub(1).and_then(|i| self.arrows.get(i))
    }

    /// One message forward.
    pub fn next(&self, k: usize) -> usize {
        (k + 1).min(self.len())
    }

    /// One message back.
    pub fn prev(&self, k: usize) -> usize {
        k.min(self.len()).saturating_sub(1)
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Arrow> {
        self.arrows.iter().filter(|a| a.kind == ArrowKind::Task)
    }

    /// The distinct (shard, node) pairs tasks went to.
    pub fn task_targets(&self) -> BTreeSet<(i64, String)> {
        self.tasks()
            .filter_map(|a| a.shard.map(|s| (s, a.to.clone())))
            .collect()
    }

    /// How the statement ran; `reference_shards` holds the shards of reference tables.
    pub fn pattern(&self, reference_shards: &BTreeSet<i64>) -> Pattern {
        let tasks: Vec<&Arrow> = self.tasks().collect();
        match tasks.len() {
            0 => Pattern::NoTasks,
            1 => Pattern::Router,
            _ if tasks.iter().all(|t| t.shards.len() > 1) => {
                if tasks
                    .iter()
                    .all(|t| t.shards.iter().any(|s| reference_shards.contains(s)))
                {
                    Pattern::ReferenceJoin
                } else {
                    Pattern::ColocatedJoin
                }
            }
            _ => Pattern::MultiShard,
        }
    }
}

/// With at most this many task arrows in a frame every task arrow keeps its shard label; with
/// more, only the current and the hovered one do (the count badges summarise the rest).
pub const LABEL_LIMIT: usize = 4;

impl Animation {
    /// Whether the arrow at `index` shows its shard label at step `k` with `hovered` under the
    /// pointer.
    pub fn shows_label(&self, k: usize, hovered: Option<usize>, index: usize) -> bool {
        let frame = self.frame(k);
        let Some(arrow) = frame.get(index) else {
            return false;
        };
        if arrow.kind != ArrowKind::Task || arrow.shard.is_none() {
            return false;
        }
        let tasks = frame.iter().filter(|a| a.kind == ArrowKind::Task).count();
        tasks <= LABEL_LIMIT
            || self.current(k).map(|c| c.index) == Some(index)
            || hovered == Some(index)
    }

    /// The labelled arrows at step `k`: their index and text (a shard id or a commit-protocol
    /// word). A label sits above the box its arrow points at, so each box gets one: the hovered
    /// arrow's, else the current one's, else the latest; the others keep theirs in the title.
    pub fn labels(&self, k: usize, hovered: Option<usize>) -> Vec<(usize, String)> {
        let current = self.current(k).map(|c| c.index);
        let mut best: BTreeMap<&str, (u8, usize, String)> = BTreeMap::new();
        for a in self.frame(k) {
            let text = a
                .shard
                .filter(|_| self.shows_label(k, hovered, a.index))
                .map(|s| s.to_string())
                .or_else(|| a.tag().map(str::to_string));
            let Some(text) = text else { continue };
            let rank = if hovered == Some(a.index) {
                2
            } else {
                u8::from(current == Some(a.index))
            };
            let slot = best
                .entry(a.to.as_str())
                .or_insert((rank, a.index, text.clone()));
            if (rank, a.index) > (slot.0, slot.1) {
                *slot = (rank, a.index, text);
            }
        }
        let mut out: Vec<(usize, String)> = best.into_values().map(|(_, i, t)| (i, t)).collect();
        crate::sort::sort(&mut out);
        out
    }

    /// The arrow under the pointer, if it is visible at step `k`.
    pub fn hovered(&self, k: usize, hovered: Option<usize>) -> Option<&Arrow> {
        hovered.and_then(|i| self.frame(k).get(i))
    }
}

/// How many tasks of a frame went to one worker, drawn as a badge on its header.
#[derive(Clone, Debug, PartialEq)]
pub struct CountBadge {
    pub node: String,
    pub count: usize,
    /// The badge's right edge and vertical centre.
    pub x: f64,
    pub y: f64,
}

impl CountBadge {
    pub fn text(&self) -> String {
        format!(
            "{} task{}",
            self.count,
            if self.count == 1 { "" } else { "s" }
        )
    }
}

/// The task counts per worker at step `k`, in map order.
pub fn count_badges(map: &MapLayout, anim: &Animation, k: usize) -> Vec<CountBadge> {
    map.nodes
        .iter()
        .filter(|b| !b.is_coordinator)
        .filter_map(|b| {
            let count = anim
                .frame(k)
                .iter()
                .filter(|a| a.kind == ArrowKind::Task && a.to == b.name)
                .count();
            (count > 0).then(|| CountBadge {
                node: b.name.clone(),
                count,
                x: b.x + b.w - 6.0,
                y: b.y + 15.0,
            })
        })
        .collect()
}

/// The delay between two messages at speed index `speed` (into `SPEEDS`).
pub fn delay_ms(speed: usize) -> u32 {
    let factor = SPEEDS.get(speed).copied().unwrap_or(1.0);
    (BASE_DELAY_MS as f64 / factor).round() as u32
}

/// The label of speed index `speed`, e.g. `2×`.
pub fn speed_label(speed: usize) -> String {
    let factor = SPEEDS.get(speed).copied().unwrap_or(1.0);
    if factor.fract() == 0.0 {
        format!("{factor:.0}×")
    } else {
        format!("{factor}×")
    }
}

/// Where an arrow is drawn, in map units.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// A straight arrow.
    Line { x1: f64, y1: f64, x2: f64, y2: f64 },
    /// A badge on a node (the combine step, the commit decision) with its glyph.
    Badge {
        cx: f64,
        cy: f64,
        glyph: &'static str,
    },
}

/// The point arrows leave or reach a node box at: the coordinator's bottom edge, a worker's
/// top edge (not its title line, which an arrowhead would cover).
fn node_anchor(map: &MapLayout, name: &str) -> Option<(f64, f64)> {
    let b = map.nodes.iter().find(|b| b.name == name)?;
    Some(if b.is_coordinator {
        (b.x + b.w / 2.0, b.y + b.h)
    } else {
        (b.x + b.w / 2.0, b.y + 1.0)
    })
}

fn tile_center(map: &MapLayout, shard: i64, node: &str) -> Option<(f64, f64)> {
    let t = map
        .tiles
        .iter()
        .find(|t| t.shard_id == shard && t.node == node)
        .or_else(|| map.tiles.iter().find(|t| t.shard_id == shard))?;
    Some((t.x + TILE / 2.0, t.y + TILE / 2.0))
}

/// An endpoint: the shard's tile on `node` when there is one, else the node box.
fn endpoint(map: &MapLayout, shard: Option<i64>, node: &str) -> Option<(f64, f64)> {
    shard
        .and_then(|s| tile_center(map, s, node))
        .or_else(|| node_anchor(map, node))
}

/// Arrows stop this far from a tile's centre so the tile itself stays clickable.
pub const TILE_CLEARANCE: f64 = 9.0;

/// `to` moved `d` units back towards `from`.
fn pull_back(from: (f64, f64), to: (f64, f64), d: f64) -> (f64, f64) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len <= d * 2.0 {
        return to;
    }
    (to.0 - dx / len * d, to.1 - dy / len * d)
}

/// Results come back slightly to the right of where tasks leave, so both stay visible.
const RETURN_OFFSET: f64 = 6.0;

/// Where an arrow's `text` goes (its start and baseline): in the gap just above the box the
/// arrow points at (below it for the coordinator, whose gap is beneath), beside the point the
/// arrow crosses it, and never wider than the box. So it sits on no title, no table label and
/// no other box's arrow label (`Animation::labels` gives each box one).
pub fn label_spot(map: &MapLayout, arrow: &Arrow, shape: &Shape, text: &str) -> Option<(f64, f64)> {
    let Shape::Line { x1, y1, x2, y2 } = *shape else {
        return None;
    };
    let b = map.nodes.iter().find(|b| b.name == arrow.to)?;
    let baseline = if b.is_coordinator {
        b.y + b.h + 13.0
    } else {
        b.y - 5.0
    };
    // The line's x at the label's middle height, else its head.
    let mid = baseline - 4.0;
    let cross = if (y2 - y1).abs() > 1e-6 && (mid - y1) * (mid - y2) <= 0.0 {
        x1 + (x2 - x1) * (mid - y1) / (y2 - y1)
    } else {
        x2
    };
    let w = text.chars().count() as f64 * CHAR_W;
    let x = (cross + 4.0).min(b.x + b.w - w).max(b.x);
    Some((x, baseline))
}

/// The geometry of an arrow on `map`; `None` when a node or tile is not on the map.
pub fn shape(map: &MapLayout, arrow: &Arrow) -> Option<Shape> {
    let line = |(x1, y1): (f64, f64), (x2, y2): (f64, f64)| Shape::Line { x1, y1, x2, y2 };
    match arrow.kind {
        ArrowKind::Task => {
            let from = node_anchor(map, &arrow.from)?;
            let to = endpoint(map, arrow.shard, &arrow.to)?;
            Some(line(from, pull_back(from, to, TILE_CLEARANCE)))
        }
        ArrowKind::Result | ArrowKind::Error => {
            let (x1, y1) = endpoint(map, arrow.shard, &arrow.from)?;
            let (x2, y2) = node_anchor(map, &arrow.to)?;
            let to = (x2 + RETURN_OFFSET, y2);
            let from = pull_back(to, (x1 + 2.0, y1), TILE_CLEARANCE);
            Some(line(from, to))
        }
        ArrowKind::Combine => {
            let node = if arrow.to.is_empty() || arrow.to == crate::cluster::CLIENT {
                &arrow.from
            } else {
                &arrow.to
            };
            let b = map
                .nodes
                .iter()
                .find(|b| &b.name == node)
                .or_else(|| map.nodes.iter().find(|b| b.name == COORDINATOR))?;
            Some(Shape::Badge {
                cx: b.x + b.w - 40.0,
                cy: b.y + 15.0,
                glyph: "Σ",
            })
        }
        ArrowKind::Decision => {
            let b = map.nodes.iter().find(|b| b.name == COORDINATOR)?;
            Some(Shape::Badge {
                cx: b.x + b.w - 64.0,
                cy: b.y + 15.0,
                glyph: if arrow.sql == "ROLLBACK" {
                    "✗"
                } else {
                    "✓"
                },
            })
        }
        ArrowKind::Control
        | ArrowKind::Wal
        | ArrowKind::Begin
        | ArrowKind::Prepare
        | ArrowKind::Commit
        | ArrowKind::Rollback => {
            let from = node_anchor(map, &arrow.from)?;
            let to = endpoint(map, arrow.shard, &arrow.to)?;
            if from == to {
                return None;
            }
            Some(line(from, to))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;
    use crate::psql::Runner;
    use crate::viz::layout::layout;

    fn runner() -> Runner<Cluster> {
        let mut r = Runner::with_default_cluster();
        let out = r.run_script(
            "CREATE TABLE users (user_id int PRIMARY KEY, name text);\n\
             CREATE TABLE orders (order_id int, user_id int, item text, PRIMARY KEY (order_id, user_id));\n\
             SELECT create_distributed_table('users', 'user_id');\n\
             SELECT create_distributed_table('orders', 'user_id');\n\
             INSERT INTO users VALUES (1, 'Alice'), (2, 'Bob'), (3, 'Charlie');\n\
             INSERT INTO orders VALUES (1, 1, 'Pizza'), (2, 2, 'Burger'), (3, 1, 'Soda');\n",
            "setup",
        );
        assert!(!out.contains("ERROR"), "{out}");
        r
    }

    fn animate(r: &mut Runner<Cluster>, sql: &str) -> Animation {
        let out = r.run_script(sql, "q");
        assert!(!out.contains("ERROR"), "{out}");
        Animation::from_events(&r.exec.last_statement_events())
    }

    #[test]
    fn router_multi_shard_and_join_differ() {
        let mut r = runner();
        let router = animate(&mut r, "SELECT * FROM users WHERE user_id = 2;");
        assert_eq!(router.pattern(&BTreeSet::new()), Pattern::Router);
        assert_eq!(router.tasks().count(), 1);
        let expected = r
            .exec
            .catalog
            .shard_for_value("users", &crate::types::Value::Int4(2))
            .unwrap()
            .unwrap()
            .shard_id;
        let targets = router.task_targets();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets.iter().next().unwrap().0, expected);

        let multi = animate(&mut r, "SELECT count(*) FROM users;");
        assert_eq!(multi.pattern(&BTreeSet::new()), Pattern::MultiShard);
        assert_eq!(multi.tasks().count(), 32);
        assert_eq!(multi.task_targets().len(), 32);
        let nodes: BTreeSet<&str> = multi.tasks().map(|a| a.to.as_str()).collect();
        assert_eq!(nodes.len(), 2, "{nodes:?}");
        assert!(multi.arrows.iter().any(|a| a.kind == ArrowKind::Combine));

        let join = animate(
            &mut r,
            "SELECT u.name, count(*) FROM users u JOIN orders o ON u.user_id = o.user_id GROUP BY u.name;",
        );
        assert_eq!(join.pattern(&BTreeSet::new()), Pattern::ColocatedJoin);
        assert_eq!(join.tasks().count(), 32);
        assert!(join
            .tasks()
            .all(|t| t.sql.contains("orders_") && t.sql.contains("users_")));

        // A join with a reference table: every task reads the worker's copy of it.
        r.run_interactive(
            "CREATE TABLE plans (id int PRIMARY KEY, name text); \
             SELECT create_reference_table('plans');",
        );
        let reference: BTreeSet<i64> = r
            .exec
            .shards()
            .into_iter()
            .filter(|s| s.is_reference)
            .map(|s| s.shard_id)
            .collect();
        let with_ref = animate(
            &mut r,
            "SELECT p.name, count(*) FROM users u JOIN plans p ON p.id = u.user_id GROUP BY p.name;",
        );
        assert_eq!(with_ref.pattern(&reference), Pattern::ReferenceJoin);
        assert_eq!(join.pattern(&reference), Pattern::ColocatedJoin);
        assert_eq!(with_ref.tasks().count(), 32);
    }

    #[test]
    fn many_tasks_label_only_the_current_and_hovered_arrow() {
        let mut r = runner();
        let anim = animate(&mut r, "SELECT count(*) FROM users;");
        let k = anim.len();
        let tasks: Vec<usize> = anim.tasks().map(|a| a.index).collect();
        assert_eq!(tasks.len(), 32);
        let labelled = |hovered| {
            (0..k)
                .filter(|&i| anim.shows_label(k, hovered, i))
                .collect::<Vec<_>>()
        };
        // The last message is the combine step, not a task: no label at all.
        assert!(labelled(None).is_empty());
        assert_eq!(labelled(Some(tasks[5])), vec![tasks[5]]);
        // Stepping onto a task labels that task.
        let step = tasks[3] + 1;
        assert!(anim.shows_label(step, None, tasks[3]));
        // Up to LABEL_LIMIT tasks keep every label.
        let few = tasks[LABEL_LIMIT - 1] + 1;
        assert!(tasks[..LABEL_LIMIT]
            .iter()
            .all(|&i| anim.shows_label(few, None, i)));
        // Not visible yet: no label, no hover.
        assert!(!anim.shows_label(0, Some(tasks[0]), tasks[0]));
        assert!(anim.hovered(0, Some(tasks[0])).is_none());
        assert_eq!(
            anim.hovered(k, Some(tasks[0])).map(|a| a.index),
            Some(tasks[0])
        );

        let router = animate(&mut r, "SELECT * FROM users WHERE user_id = 2;");
        let t = router.tasks().next().map(|a| a.index).unwrap();
        assert!(router.shows_label(router.len(), None, t));
    }

    #[test]
    fn arrow_labels_sit_above_their_box_one_per_box() {
        let mut r = runner();
        let anim = animate(&mut r, "SELECT count(*) FROM users;");
        let map = layout(&r.exec.nodes(), &r.exec.shards(), 640.0);
        let tasks: Vec<usize> = anim.tasks().map(|a| a.index).collect();
        let k = tasks[2] + 1;
        let labels = anim.labels(k, None);
        // Three tasks are visible, on two workers: one label each, the current one kept.
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(labels.iter().any(|(i, _)| *i == tasks[2]));
        let mut spots = Vec::new();
        for (i, text) in &labels {
            let arrow = &anim.frame(k)[*i];
            let b = map.nodes.iter().find(|b| b.name == arrow.to).unwrap();
            let s = shape(&map, arrow).unwrap();
            let (x, y) = label_spot(&map, arrow, &s, text).unwrap();
            let w = text.chars().count() as f64 * CHAR_W;
            assert!(x >= b.x && x + w <= b.x + b.w, "{x} {w} in {b:?}");
            // Above the box's top edge, below the box over it.
            assert!(y < b.y - 2.0 && y - 11.0 > b.y - 20.0, "{y} {b:?}");
            spots.push((x, w));
        }
        assert!(spots[0].0 + spots[0].1 <= spots[1].0 || spots[1].0 + spots[1].1 <= spots[0].0);
        // The hovered arrow wins its box.
        let hovered = anim.labels(anim.len(), Some(tasks[7]));
        assert_eq!(
            hovered,
            vec![(tasks[7], anim.arrows[tasks[7]].shard.unwrap().to_string())]
        );
    }

    #[test]
    fn count_badges_sum_the_tasks_per_worker() {
        let mut r = runner();
        let anim = animate(&mut r, "SELECT count(*) FROM users;");
        let map = layout(&r.exec.nodes(), &r.exec.shards(), 640.0);
        assert!(count_badges(&map, &anim, 0).is_empty());
        let badges = count_badges(&map, &anim, anim.len());
        assert_eq!(badges.len(), 2);
        assert_eq!(badges.iter().map(|b| b.count).sum::<usize>(), 32);
        for b in &badges {
            let node = map.nodes.iter().find(|n| n.name == b.node).unwrap();
            assert!(b.x > node.x && b.x <= node.x + node.w && b.y > node.y);
            assert_eq!(b.text(), format!("{} tasks", b.count));
        }
        let first = anim.tasks().next().map(|a| a.index).unwrap();
        let one = count_badges(&map, &anim, first + 1);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].text(), "1 task");
    }

    #[test]
    fn frames_step_one_message_at_a_time() {
        let mut r = runner();
        let anim = animate(&mut r, "SELECT count(*) FROM users;");
        let n = anim.len();
        assert!(n >= 64, "32 tasks and 32 results, got {n}");
        assert!(anim.frame(0).is_empty());
        assert_eq!(anim.frame(1).len(), 1);
        assert_eq!(anim.frame(n + 5).len(), n);
        assert_eq!(anim.next(n), n);
        assert_eq!(anim.next(0), 1);
        assert_eq!(anim.prev(0), 0);
        assert_eq!(anim.prev(n + 3), n - 1);
        assert_eq!(anim.current(0), None);
        assert_eq!(anim.current(1).map(|a| a.index), Some(0));
        for (i, a) in anim.arrows.iter().enumerate() {
            assert_eq!(a.index, i);
        }
        // The first message is a task; the last visible frame holds every task.
        assert_eq!(anim.arrows[0].kind, ArrowKind::Task);
        let tasks = anim
            .frame(n)
            .iter()
            .filter(|a| a.kind == ArrowKind::Task)
            .count();
        assert_eq!(tasks, 32);
    }

    #[test]
    fn every_arrow_lands_on_the_map() {
        let mut r = runner();
        let anim = animate(&mut r, "SELECT count(*) FROM users;");
        let map = layout(&r.exec.nodes(), &r.exec.shards(), 640.0);
        for a in &anim.arrows {
            let s = shape(&map, a);
            assert!(s.is_some(), "{a:?}");
            if let (ArrowKind::Task, Some(Shape::Line { x2, y2, .. })) = (a.kind, s) {
                let shard = a.shard.unwrap();
                let tile = map
                    .tiles
                    .iter()
                    .find(|t| t.shard_id == shard && t.node == a.to)
                    .unwrap();
                // The head stops just short of the tile's centre, pointing at it.
                let (cx, cy) = (tile.x + TILE / 2.0, tile.y + TILE / 2.0);
                let gap = ((x2 - cx).powi(2) + (y2 - cy).powi(2)).sqrt();
                assert!((gap - TILE_CLEARANCE).abs() < 1e-6, "{gap}");
            }
        }
        let task = anim.tasks().next().unwrap();
        assert!(task.title().contains(&task.sql));
        assert!(task.title().contains("shard"));
    }

    #[test]
    fn speeds_and_names() {
        assert_eq!(delay_ms(0), BASE_DELAY_MS);
        assert_eq!(delay_ms(1), BASE_DELAY_MS / 2);
        assert_eq!(delay_ms(99), BASE_DELAY_MS);
        assert_eq!(speed_label(0), "1×");
        assert_eq!(speed_label(3), "0.5×");
        assert_eq!(
            Animation::from_events(&[]).pattern(&BTreeSet::new()),
            Pattern::NoTasks
        );
    }
}

//! Geometry of the cluster map: node boxes, reference-table bands, shard tiles and every label,
//! computed from `nodes()` and `shards()` so the SVG component only draws what it is given.
//!
//! The map is drawn at one user unit per CSS pixel, so its text keeps its size: the width
//! follows the pane, and workers wrap into rows when they would get narrower than `MIN_BOX`.
//! Text widths are estimated from the monospace label font, which keeps labels inside their box.

use crate::cluster::{NodeInfo, ShardInfo};
use crate::replication::StandbyInfo;
use std::collections::BTreeMap;

/// The narrowest map; a narrower pane scrolls.
pub const MIN_WIDTH: f64 = 300.0;
/// A worker box is never narrower than this: its title, a task badge and tiles fit.
pub const MIN_BOX: f64 = 150.0;
const MARGIN: f64 = 10.0;
pub const PAD: f64 = 8.0;
/// The coloured stripe and the title line at the top of a node box.
pub const HEADER: f64 = 28.0;
pub const STRIPE: f64 = 5.0;
const TITLE_BASELINE: f64 = 19.0;
const BAND: f64 = 18.0;
pub const TILE: f64 = 13.0;
const GAP: f64 = 3.0;
const GROUP_GAP: f64 = 6.0;
/// Height of one line of label text (11 px) and of one note line under a node's title.
pub const LINE: f64 = 14.0;
pub const NOTE: f64 = LINE;
/// Advance of one character of the label font (monospace 11 px is 6.6 px), with a margin.
pub const CHAR_W: f64 = 6.8;
/// The same for the node titles (bold monospace 12 px is 7.2 px).
pub const TITLE_CHAR_W: f64 = 7.4;
/// Room kept right of a worker's title for its task count badge ("32 tasks").
pub const BADGE_ROOM: f64 = 72.0;
/// Room kept right of the coordinator's title for the combine and decision badges.
pub const COORD_BADGE_ROOM: f64 = 80.0;
/// Worker colours (see the `worker-N` CSS classes); more workers reuse them in order.
pub const PALETTE_SIZE: usize = 7;

/// The CSS class of the colour of the worker at `index` (0-based among the workers):
/// `worker-1` for the first.
pub fn worker_class(index: usize) -> String {
    format!("worker-{}", index % PALETTE_SIZE + 1)
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    pub name: String,
    /// Name, host and port as drawn: shortened to the box when narrow.
    pub title: String,
    pub full_title: String,
    pub is_coordinator: bool,
    /// Position among the workers, which picks the colour; `None` for the coordinator.
    pub color: Option<usize>,
    /// The server is down (crashed).
    pub down: bool,
    /// Its link to the rest of the cluster is cut.
    pub cut: bool,
    /// Lines under the title: what is wrong with the node or held on it (full text).
    pub notes: Vec<String>,
    /// A standby: the server it streams from, and how far behind it is (0 caught up, 1 a
    /// full bar).
    pub standby_of: Option<String>,
    pub lag: f64,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// One reference table's copy on one node.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub node: String,
    pub table: String,
    pub shard_id: i64,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// One shard placement on one node.
#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    pub shard_id: i64,
    pub table: String,
    pub node: String,
    pub rows: usize,
    /// The colour of the node it lives on (its position among the workers); `None` on the
    /// coordinator.
    pub color: Option<usize>,
    /// 0.0 (empty) ..= 1.0 (the fullest shard on the map).
    pub fill: f64,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    Title,
    Note,
    /// Names the block of tiles below it.
    Table,
    /// Names a reference table's band (drawn inside the band).
    Band,
}

/// A line of text on the map; (`x`, `y`, `w`, `h`) is the room it may take, `baseline` where
/// the text sits.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub node: String,
    pub kind: LabelKind,
    /// As drawn, shortened with "…" to fit.
    pub text: String,
    /// Unshortened, for the tooltip and screen readers.
    pub full: String,
    /// The table a table or band label names.
    pub table: Option<String>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub baseline: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapLayout {
    pub width: f64,
    pub nodes: Vec<NodeBox>,
    pub bands: Vec<Band>,
    pub tiles: Vec<Tile>,
    pub labels: Vec<Label>,
    pub height: f64,
    /// (co-location id, tables) of the distributed tables, for the legend.
    pub groups: Vec<(i32, Vec<String>)>,
}

/// `text` cut to `max` characters, the last one "…" when it had to be shortened.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// How many characters of `char_w` fit in `width`.
fn fits(width: f64, char_w: f64) -> usize {
    (width / char_w).floor().max(0.0) as usize
}

/// Lays out the map `width` units (CSS pixels) wide, or `MIN_WIDTH` if that is more. Node
/// order follows `nodes` (coordinator first); workers wrap into rows of equal boxes.
pub fn layout(nodes: &[NodeInfo], shards: &[ShardInfo], width: f64) -> MapLayout {
    layout_with_standbys(nodes, shards, &[], width)
}

/// Bytes of WAL behind at which a standby's lag bar is full.
const FULL_LAG_BYTES: f64 = 4096.0;
const STANDBY_H: f64 = HEADER + 2.0 * NOTE + 12.0;

/// What a standby's box says under its title (its primary is the box above it, joined by the
/// WAL link).
pub fn standby_notes(s: &StandbyInfo) -> Vec<String> {
    let mut mode = s.sync_state.to_string();
    if s.delay_us > 0 {
        mode.push_str(&format!(
            ", link delay {}",
            crate::replication::ha::seconds(s.delay_us)
        ));
    }
    if !s.is_up {
        mode.push_str(", crashed");
    }
    let lag = if s.lag_bytes == 0 {
        format!("caught up at {}", s.replayed)
    } else {
        format!(
            "{} bytes behind ({})",
            s.lag_bytes,
            crate::replication::ha::seconds(s.lag_us.max(0))
        )
    };
    vec![mode, lag]
}

/// The map with the standbys drawn under their primaries.
pub fn layout_with_standbys(
    nodes: &[NodeInfo],
    shards: &[ShardInfo],
    standbys: &[StandbyInfo],
    width: f64,
) -> MapLayout {
    let width = if width.is_finite() {
        width.max(MIN_WIDTH)
    } else {
        MIN_WIDTH
    };
    let mut out = MapLayout {
        width,
        ..MapLayout::default()
    };
    if nodes.is_empty() {
        return out;
    }

    let mut groups: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for s in shards.iter().filter(|s| !s.is_reference) {
        let tables = groups.entry(s.colocation_id).or_default();
        if !tables.contains(&s.table) {
            tables.push(s.table.clone());
        }
    }
    out.groups = groups.into_iter().collect();
    let max_rows = shards
        .iter()
        .filter(|s| !s.is_reference)
        .map(|s| s.row_count)
        .max()
        .unwrap_or(0);

    let coordinator: Vec<&NodeInfo> = nodes.iter().filter(|n| n.is_coordinator).collect();
    let workers: Vec<&NodeInfo> = nodes.iter().filter(|n| !n.is_coordinator).collect();
    let worker_index = |name: &str| workers.iter().position(|w| w.name == name);

    // As many worker columns as fit at `MIN_BOX`, balanced over the rows (4 workers that do
    // not fit in one row make 2 × 2, not 3 + 1).
    let fit = (((width - MARGIN) / (MIN_BOX + MARGIN)).floor() as usize).max(1);
    let mut rows: Vec<Vec<&NodeInfo>> = Vec::new();
    if !coordinator.is_empty() {
        rows.push(coordinator);
    }
    if !workers.is_empty() {
        let row_count = workers.len().div_ceil(fit);
        let cols = workers.len().div_ceil(row_count);
        rows.extend(workers.chunks(cols).map(<[&NodeInfo]>::to_vec));
    }

    let mut y = MARGIN;
    for row in rows {
        let count = row.len() as f64;
        let w = (width - MARGIN * (count + 1.0)) / count;
        let mut row_height: f64 = 0.0;
        let start = out.nodes.len();
        for (i, node) in row.iter().enumerate() {
            let x = MARGIN + i as f64 * (w + MARGIN);
            let color = worker_index(&node.name).filter(|_| !node.is_coordinator);
            let notes = node_notes(node);
            let full_title = format!("{}  {}:{}", node.name, node.host, node.port);
            let room = w
                - 2.0 * PAD
                - if node.is_coordinator {
                    COORD_BADGE_ROOM
                } else {
                    BADGE_ROOM
                };
            let title = place_header(&mut out, &node.name, &full_title, room, &notes, (x, y), w);
            let top = y + HEADER + NOTE * notes.len() as f64;
            let used = place_node_contents(&mut out, node, shards, color, max_rows, (x, top), w);
            let h = (top - y) + used;
            row_height = row_height.max(h);
            out.nodes.push(NodeBox {
                name: node.name.clone(),
                title,
                full_title,
                is_coordinator: node.is_coordinator,
                color,
                down: !node.is_up,
                cut: node.is_cut,
                notes,
                standby_of: None,
                lag: 0.0,
                x,
                y,
                w,
                h,
            });
        }
        // Boxes in a row share the tallest height.
        for b in &mut out.nodes[start..] {
            b.h = row_height;
        }
        y += row_height + MARGIN * 2.0;
    }
    if !standbys.is_empty() {
        y = place_standbys(&mut out, standbys, y);
    }
    out.height = y;
    out
}

/// A box's title (shortened to the node's name, then cut, when `room` is too narrow) and the
/// notes under it; returns the title as drawn.
fn place_header(
    out: &mut MapLayout,
    name: &str,
    full_title: &str,
    room: f64,
    notes: &[String],
    (x, y): (f64, f64),
    w: f64,
) -> String {
    let max = fits(room, TITLE_CHAR_W);
    let title = if full_title.chars().count() <= max {
        full_title.to_string()
    } else {
        shorten(name, max)
    };
    out.labels.push(Label {
        node: name.to_string(),
        kind: LabelKind::Title,
        text: title.clone(),
        full: full_title.to_string(),
        table: None,
        x: x + PAD,
        y: y + STRIPE + 1.0,
        w: title.chars().count() as f64 * TITLE_CHAR_W,
        h: HEADER - STRIPE - 2.0,
        baseline: y + TITLE_BASELINE,
    });
    let note_max = fits(w - 2.0 * PAD, CHAR_W);
    for (i, note) in notes.iter().enumerate() {
        let top = y + HEADER + NOTE * i as f64;
        let text = shorten(note, note_max);
        out.labels.push(Label {
            node: name.to_string(),
            kind: LabelKind::Note,
            w: text.chars().count() as f64 * CHAR_W,
            text,
            full: note.clone(),
            table: None,
            x: x + PAD,
            y: top,
            h: LINE,
            baseline: top + 10.5,
        });
    }
    title
}

/// One row of standby boxes under the nodes, each under its primary (sharing its column).
fn place_standbys(out: &mut MapLayout, standbys: &[StandbyInfo], y: f64) -> f64 {
    let column = |name: &str, out: &MapLayout| {
        out.nodes
            .iter()
            .find(|b| b.name == name)
            .map(|b| (b.x, b.w, b.color))
    };
    let mut by_primary: BTreeMap<String, Vec<&StandbyInfo>> = BTreeMap::new();
    for s in standbys {
        by_primary.entry(s.primary.clone()).or_default().push(s);
    }
    // Standbys of a server that is not on the map (an old primary) go on the left.
    let mut free_x = MARGIN;
    for (primary, list) in by_primary {
        let (x0, w0, color) = column(&primary, out).unwrap_or_else(|| {
            let at = free_x;
            free_x += MIN_BOX + MARGIN;
            (at, MIN_BOX, None)
        });
        let count = list.len() as f64;
        let w = (w0 - MARGIN * (count - 1.0)) / count;
        for (i, s) in list.into_iter().enumerate() {
            let x = x0 + i as f64 * (w + MARGIN);
            let full_title = format!("{}  127.0.0.1:{}", s.name, s.port);
            let notes = standby_notes(s);
            let room = w - 2.0 * PAD - BADGE_ROOM;
            let title = place_header(out, &s.name, &full_title, room, &notes, (x, y), w);
            out.nodes.push(NodeBox {
                name: s.name.clone(),
                title,
                full_title,
                is_coordinator: false,
                color,
                down: !s.is_up,
                cut: false,
                notes,
                standby_of: Some(s.primary.clone()),
                lag: (s.lag_bytes as f64 / FULL_LAG_BYTES).min(1.0),
                x,
                y,
                w,
                h: STANDBY_H,
            });
        }
    }
    y + STANDBY_H + MARGIN * 2.0
}

/// What the map says under a node's title: its state, its in-doubt branches, an armed fault,
/// and statements waiting on it.
pub fn node_notes(node: &NodeInfo) -> Vec<String> {
    let mut notes = Vec::new();
    if !node.is_up {
        notes.push("crashed".to_string());
    }
    if node.is_cut {
        notes.push("link cut".to_string());
    }
    match node.prepared.as_slice() {
        [] => {}
        [one] => notes.push(format!("in doubt: {one}")),
        many => notes.push(format!("in doubt: {} prepared transactions", many.len())),
    }
    if let Some(step) = &node.armed {
        notes.push(format!("armed to crash {step}"));
    }
    for w in &node.waits {
        notes.push(format!("waiting: {w}"));
    }
    notes
}

/// Places one node's reference bands and labelled blocks of shard tiles from `(x, y)` down
/// (the title and its notes take the space above); returns the height used, bottom padding
/// included.
fn place_node_contents(
    out: &mut MapLayout,
    node: &NodeInfo,
    shards: &[ShardInfo],
    color: Option<usize>,
    max_rows: usize,
    (x, y): (f64, f64),
    w: f64,
) -> f64 {
    let mut cy = y + GAP;
    let inner = (w - 2.0 * PAD).max(0.0);
    let max_chars = fits(inner, CHAR_W);
    let here = |s: &&ShardInfo| s.nodes.iter().any(|n| n == &node.name);

    // One band per reference table, each naming its table.
    let mut reference: Vec<&ShardInfo> = shards
        .iter()
        .filter(|s| s.is_reference)
        .filter(here)
        .collect();
    crate::sort::sort_by(&mut reference, |a, b| {
        (&a.table, a.shard_id).cmp(&(&b.table, b.shard_id))
    });
    reference.dedup_by(|a, b| a.table == b.table);
    for s in &reference {
        out.bands.push(Band {
            node: node.name.clone(),
            table: s.table.clone(),
            shard_id: s.shard_id,
            x: x + PAD,
            y: cy,
            w: inner,
            h: BAND,
        });
        let full = format!("ref: {}", s.table);
        let text = shorten(&full, fits(inner - 8.0, CHAR_W));
        out.labels.push(Label {
            node: node.name.clone(),
            kind: LabelKind::Band,
            w: text.chars().count() as f64 * CHAR_W,
            text,
            full: format!("reference table {} (a full copy on {})", s.table, node.name),
            table: Some(s.table.clone()),
            x: x + PAD + 4.0,
            y: cy + 2.0,
            h: BAND - 4.0,
            baseline: cy + 13.0,
        });
        cy += BAND + GAP;
    }

    // Blocks of tiles, one per table, co-located tables next to each other; each block has
    // its table's name on the line above it.
    let mut blocks: BTreeMap<(i32, String), Vec<&ShardInfo>> = BTreeMap::new();
    for s in shards.iter().filter(|s| !s.is_reference).filter(here) {
        blocks
            .entry((s.colocation_id, s.table.clone()))
            .or_default()
            .push(s);
    }
    let per_row = (((inner + GAP) / (TILE + GAP)).floor() as usize).max(1);
    for ((colocation, table), mut list) in blocks {
        crate::sort::sort_by_key(&mut list, |s| s.shard_id);
        cy += GROUP_GAP - GAP;
        let text = shorten(&table, max_chars);
        out.labels.push(Label {
            node: node.name.clone(),
            kind: LabelKind::Table,
            w: text.chars().count() as f64 * CHAR_W,
            text,
            full: format!(
                "{table}: {} shard{} on {}, co-location group {colocation}",
                list.len(),
                if list.len() == 1 { "" } else { "s" },
                node.name
            ),
            table: Some(table.clone()),
            x: x + PAD,
            y: cy,
            h: LINE,
            baseline: cy + 10.5,
        });
        cy += LINE;
        let rows = list.len().div_ceil(per_row);
        for (i, s) in list.iter().enumerate() {
            let col = i % per_row;
            let row = i / per_row;
            out.tiles.push(Tile {
                shard_id: s.shard_id,
                table: s.table.clone(),
                node: node.name.clone(),
                rows: s.row_count,
                color,
                fill: if max_rows == 0 {
                    0.0
                } else {
                    s.row_count as f64 / max_rows as f64
                },
                x: x + PAD + col as f64 * (TILE + GAP),
                y: cy + row as f64 * (TILE + GAP),
            });
        }
        cy += rows as f64 * (TILE + GAP);
    }
    (cy - y + PAD).max(PAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, port: u16, coordinator: bool) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            host: "127.0.0.1".into(),
            port,
            node_id: port as i32 - 9699,
            group_id: port as i32 - 9700,
            is_coordinator: coordinator,
            is_active: true,
            is_up: true,
            is_cut: false,
            prepared: Vec::new(),
            armed: None,
            waits: Vec::new(),
        }
    }

    fn shard(id: i64, table: &str, coloc: i32, node: &str, rows: usize) -> ShardInfo {
        ShardInfo {
            shard_id: id,
            table: table.into(),
            shard_name: format!("{table}_{id}"),
            min_value: Some(0),
            max_value: Some(1),
            colocation_id: coloc,
            is_reference: false,
            nodes: vec![node.into()],
            row_count: rows,
        }
    }

    fn reference(id: i64, table: &str, nodes: &[&str]) -> ShardInfo {
        ShardInfo {
            is_reference: true,
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            min_value: None,
            max_value: None,
            ..shard(id, table, 99, nodes[0], 25)
        }
    }

    #[test]
    fn standbys_sit_under_their_primary_with_their_lag() {
        let nodes = vec![
            node("coordinator", 9700, true),
            node("worker-1", 9701, false),
            node("worker-2", 9702, false),
        ];
        let standby = |name: &str, primary: &str, lag_bytes: u64| StandbyInfo {
            name: name.into(),
            port: 9703,
            primary: primary.into(),
            sync: false,
            sync_state: "async",
            delay_us: 5_000_000,
            is_up: true,
            replayed: "0/3000028".into(),
            primary_lsn: "0/3000128".into(),
            lag_bytes,
            lag_us: 2_000_000,
        };
        let standbys = [
            standby("worker-2-standby", "worker-2", 256),
            standby("worker-2-standby-2", "worker-2", 0),
        ];
        let map = layout_with_standbys(&nodes, &[], &standbys, 640.0);
        let find = |n: &str| map.nodes.iter().find(|b| b.name == n).unwrap();
        let primary = find("worker-2");
        for s in ["worker-2-standby", "worker-2-standby-2"] {
            let b = find(s);
            assert_eq!(b.standby_of.as_deref(), Some("worker-2"));
            assert!(b.y >= primary.y + primary.h, "{b:?}");
            assert!(
                b.x >= primary.x && b.x + b.w <= primary.x + primary.w + 0.01,
                "{b:?}"
            );
        }
        assert!(find("worker-2-standby").lag > 0.0);
        assert_eq!(find("worker-2-standby-2").lag, 0.0);
        assert_eq!(
            find("worker-2-standby").notes,
            vec![
                "async, link delay 5 s".to_string(),
                "256 bytes behind (2 s)".into()
            ]
        );
        assert!(map.height >= find("worker-2-standby").y + STANDBY_H);
    }

    #[test]
    fn empty_cluster_has_no_layout() {
        assert_eq!(layout(&[], &[], 640.0).nodes, Vec::new());
        assert_eq!(layout(&[], &[], f64::NAN).width, MIN_WIDTH);
    }

    #[test]
    fn tiles_land_inside_their_worker() {
        let nodes = vec![
            node("coordinator", 9700, true),
            node("worker-1", 9701, false),
            node("worker-2", 9702, false),
        ];
        let mut shards = Vec::new();
        for i in 0..32 {
            let w = if i % 2 == 0 { "worker-1" } else { "worker-2" };
            shards.push(shard(102008 + i, "events", 1, w, i as usize));
            shards.push(shard(102040 + i, "users", 1, w, 0));
            shards.push(shard(102072 + i, "other", 2, w, 3));
        }
        shards.push(reference(
            102200,
            "nation",
            &["coordinator", "worker-1", "worker-2"],
        ));

        let map = layout(&nodes, &shards, 640.0);
        assert_eq!(map.nodes.len(), 3);
        assert_eq!(map.tiles.len(), 96);
        assert_eq!(map.bands.len(), 3);
        assert_eq!(map.groups.len(), 2);
        for t in &map.tiles {
            let b = map.nodes.iter().find(|b| b.name == t.node).unwrap();
            assert!(t.x >= b.x && t.x + TILE <= b.x + b.w, "{t:?} in {b:?}");
            assert!(t.y >= b.y && t.y + TILE <= b.y + b.h, "{t:?} in {b:?}");
            assert!((0.0..=1.0).contains(&t.fill));
            // A tile takes its worker's colour: the worker's position among the workers.
            assert_eq!(t.color, b.color);
        }
        assert_eq!(map.nodes[0].color, None);
        assert_eq!(map.nodes[1].color, Some(0));
        assert_eq!(map.nodes[2].color, Some(1));
        assert_eq!(worker_class(0), "worker-1");
        assert_eq!(worker_class(PALETTE_SIZE), "worker-1");
        assert!(map.height > map.nodes[1].y + map.nodes[1].h);
    }

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("orders", 6), "orders");
        assert_eq!(shorten("order_items", 6), "order…");
        assert_eq!(shorten("ab", 1), "…");
        assert_eq!(shorten("ab", 0), "");
    }

    /// What a 10-table schema on 4 workers looks like: three co-location groups, one table of
    /// 32 shards with two co-located with it, two of 16, a few alone, 2 reference tables.
    fn classroom() -> (Vec<NodeInfo>, Vec<ShardInfo>) {
        let workers = ["worker-1", "worker-2", "worker-3", "worker-4"];
        let mut nodes = vec![node("coordinator", 9700, true)];
        for (i, w) in workers.iter().enumerate() {
            nodes.push(node(w, 9701 + i as u16, false));
        }
        let tables: [(&str, i32, i64); 8] = [
            ("users", 1, 32),
            ("orders", 1, 32),
            ("order_items_with_a_rather_long_name", 1, 32),
            ("events", 2, 16),
            ("event_details", 2, 16),
            ("sessions", 3, 4),
            ("page_views", 4, 32),
            ("metrics", 5, 8),
        ];
        let mut shards = Vec::new();
        let mut id = 102008;
        for (table, coloc, count) in tables {
            for i in 0..count {
                let w = workers[(i % 4) as usize];
                shards.push(shard(id, table, coloc, w, (i * 7 % 13) as usize));
                id += 1;
            }
        }
        let everywhere: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        shards.push(reference(id, "countries", &everywhere));
        shards.push(reference(id + 1, "currencies", &everywhere));
        (nodes, shards)
    }

    /// Rectangles (x, y, w, h) overlap when they share more than an edge.
    fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.0 < b.0 + b.2 - 0.01
            && b.0 < a.0 + a.2 - 0.01
            && a.1 < b.1 + b.3 - 0.01
            && b.1 < a.1 + a.3 - 0.01
    }

    #[test]
    fn ten_tables_on_four_workers_stay_readable_at_every_width() {
        let (nodes, shards) = classroom();
        for width in [300.0, 390.0, 520.0, 760.0, 1200.0] {
            let map = layout(&nodes, &shards, width);
            assert_eq!(map.nodes.len(), 5);
            assert!(map.width >= width);
            for b in &map.nodes {
                assert!(
                    b.x >= 0.0 && b.x + b.w <= map.width + 1e-9,
                    "{b:?} at {width}"
                );
                assert!(b.is_coordinator || b.w >= MIN_BOX, "{b:?} at {width}");
                // Everything drawn in the box: its labels, bands and tiles, and the room kept
                // for the task badge right of the title.
                let mut rects: Vec<(String, (f64, f64, f64, f64))> = Vec::new();
                for l in map.labels.iter().filter(|l| l.node == b.name) {
                    rects.push((format!("{:?} {}", l.kind, l.text), (l.x, l.y, l.w, l.h)));
                }
                for t in map.tiles.iter().filter(|t| t.node == b.name) {
                    rects.push((format!("tile {}", t.shard_id), (t.x, t.y, TILE, TILE)));
                }
                for band in map.bands.iter().filter(|band| band.node == b.name) {
                    // The band's label lies inside its band: only the rest is checked.
                    assert!(map.labels.iter().any(|l| {
                        l.kind == LabelKind::Band
                            && l.node == b.name
                            && l.table.as_deref() == Some(band.table.as_str())
                            && l.x >= band.x
                            && l.x + l.w <= band.x + band.w
                            && l.y >= band.y
                            && l.y + l.h <= band.y + band.h
                    }));
                    rects.retain(|(what, _)| !what.starts_with("Band"));
                    rects.push((
                        format!("band {}", band.table),
                        (band.x, band.y, band.w, band.h),
                    ));
                }
                let room = if b.is_coordinator {
                    COORD_BADGE_ROOM
                } else {
                    BADGE_ROOM
                };
                rects.push((
                    "badge".into(),
                    (b.x + b.w - PAD - room, b.y + STRIPE, room, HEADER - STRIPE),
                ));
                for (what, r) in &rects {
                    assert!(
                        r.0 >= b.x
                            && r.0 + r.2 <= b.x + b.w
                            && r.1 >= b.y
                            && r.1 + r.3 <= b.y + b.h,
                        "{what} {r:?} outside {b:?} at {width}"
                    );
                }
                for (i, (a, ra)) in rects.iter().enumerate() {
                    for (c, rc) in &rects[i + 1..] {
                        assert!(!overlap(*ra, *rc), "{a} {ra:?} over {c} {rc:?} at {width}");
                    }
                }
            }
            // No two boxes overlap.
            for (i, a) in map.nodes.iter().enumerate() {
                for b in &map.nodes[i + 1..] {
                    assert!(!overlap((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h)));
                }
            }
            // Each table is named on every worker holding its shards, shortened with "…"
            // when long.
            let tables: std::collections::BTreeSet<&str> =
                shards.iter().map(|s| s.table.as_str()).collect();
            assert_eq!(tables.len(), 10);
            for table in tables {
                let named = map
                    .labels
                    .iter()
                    .filter(|l| l.table.as_deref() == Some(table))
                    .count();
                assert!(named >= 4, "{table} named {named} times at {width}");
            }
            let long = map
                .labels
                .iter()
                .find(|l| l.table.as_deref() == Some("order_items_with_a_rather_long_name"))
                .unwrap();
            // Two columns of 180 units hold 24 characters.
            if width == 390.0 {
                assert!(long.text.ends_with('…'), "{long:?}");
            }
            assert!(long.full.contains("order_items_with_a_rather_long_name"));
            // Co-located tables' blocks sit next to each other in each worker.
            let order: Vec<&str> = map
                .labels
                .iter()
                .filter(|l| l.node == "worker-2" && l.kind == LabelKind::Table)
                .filter_map(|l| l.table.as_deref())
                .collect();
            let pos = |t: &str| order.iter().position(|o| *o == t).unwrap();
            assert_eq!(pos("event_details").abs_diff(pos("events")), 1, "{order:?}");
        }
        // Wide enough, the workers share one row; narrow, they wrap into two rows of two.
        let wide = layout(&nodes, &shards, 1200.0);
        assert!(wide.nodes[1..].iter().all(|b| b.y == wide.nodes[1].y));
        let narrow = layout(&nodes, &shards, 520.0);
        let ys: std::collections::BTreeSet<String> = narrow.nodes[1..]
            .iter()
            .map(|b| format!("{:.1}", b.y))
            .collect();
        assert_eq!(ys.len(), 2);
    }
}

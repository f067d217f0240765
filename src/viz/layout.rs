//! Geometry of the cluster map: node boxes, reference-table bands and shard tiles, computed
//! from `nodes()` and `shards()` so the SVG component only draws what it is given.

use crate::cluster::{NodeInfo, ShardInfo};
use std::collections::BTreeMap;

/// SVG user units; the SVG scales to its container.
pub const WIDTH: f64 = 640.0;
const MARGIN: f64 = 10.0;
const PAD: f64 = 8.0;
const HEADER: f64 = 34.0;
const BAND: f64 = 18.0;
pub const TILE: f64 = 13.0;
const GAP: f64 = 3.0;
const GROUP_GAP: f64 = 6.0;
/// Colours available for co-location groups (see the `cg-N` CSS classes).
pub const PALETTE_SIZE: usize = 7;

#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    pub name: String,
    pub label: String,
    pub is_coordinator: bool,
    /// The server is down (crashed).
    pub down: bool,
    /// Its link to the rest of the cluster is cut.
    pub cut: bool,
    /// Lines under the title: what is wrong with the node or held on it.
    pub notes: Vec<String>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Reference tables replicated to one node.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub node: String,
    pub tables: Vec<String>,
    pub shard_ids: Vec<i64>,
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
    /// Index into the palette, by co-location group.
    pub color: usize,
    /// 0.0 (empty) ..= 1.0 (the fullest shard on the map).
    pub fill: f64,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapLayout {
    pub nodes: Vec<NodeBox>,
    pub bands: Vec<Band>,
    pub tiles: Vec<Tile>,
    pub height: f64,
    /// (co-location id, palette index, tables) for the legend.
    pub groups: Vec<(i32, usize, Vec<String>)>,
}

/// Lays out the map. Node order follows `nodes` (coordinator first).
pub fn layout(nodes: &[NodeInfo], shards: &[ShardInfo]) -> MapLayout {
    let mut out = MapLayout::default();
    if nodes.is_empty() {
        return out;
    }

    // Co-location groups of distributed tables get palette colours in id order.
    let mut groups: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for s in shards.iter().filter(|s| !s.is_reference) {
        let tables = groups.entry(s.colocation_id).or_default();
        if !tables.contains(&s.table) {
            tables.push(s.table.clone());
        }
    }
    let color_of: BTreeMap<i32, usize> = crate::sort::collect_map(
        groups
            .keys()
            .enumerate()
            .map(|(i, id)| (*id, i % PALETTE_SIZE)),
    );
    out.groups = groups
        .into_iter()
        .map(|(id, tables)| (id, color_of.get(&id).copied().unwrap_or(0), tables))
        .collect();
    let max_rows = shards
        .iter()
        .filter(|s| !s.is_reference)
        .map(|s| s.row_count)
        .max()
        .unwrap_or(0);

    let coordinator: Vec<&NodeInfo> = nodes.iter().filter(|n| n.is_coordinator).collect();
    let workers: Vec<&NodeInfo> = nodes.iter().filter(|n| !n.is_coordinator).collect();

    let mut y = MARGIN;
    for row in [coordinator, workers] {
        if row.is_empty() {
            continue;
        }
        let count = row.len() as f64;
        let w = (WIDTH - MARGIN * (count + 1.0)) / count;
        let mut row_height: f64 = 0.0;
        for (i, node) in row.iter().enumerate() {
            let x = MARGIN + i as f64 * (w + MARGIN);
            let notes = node_notes(node);
            let extra = NOTE * notes.len() as f64;
            let h = place_node_contents(
                &mut out,
                node,
                shards,
                &color_of,
                max_rows,
                (x, y + extra),
                w,
            ) + extra;
            row_height = row_height.max(h);
            out.nodes.push(NodeBox {
                name: node.name.clone(),
                label: format!("{}  {}:{}", node.name, node.host, node.port),
                is_coordinator: node.is_coordinator,
                down: !node.is_up,
                cut: node.is_cut,
                notes,
                x,
                y,
                w,
                h,
            });
        }
        // Boxes in a row share the tallest height.
        let start = out.nodes.len() - row.len();
        for b in &mut out.nodes[start..] {
            b.h = row_height;
        }
        y += row_height + MARGIN * 2.0;
    }
    out.height = y;
    out
}

/// Height of one note line under a node's title.
pub const NOTE: f64 = 14.0;

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

/// Places one node's reference band and shard tiles below its header, which starts at
/// `(x, y)` (the title and its notes take the space above); returns the height used from the
/// node's top, notes excluded.
fn place_node_contents(
    out: &mut MapLayout,
    node: &NodeInfo,
    shards: &[ShardInfo],
    color_of: &BTreeMap<i32, usize>,
    max_rows: usize,
    (x, y): (f64, f64),
    w: f64,
) -> f64 {
    let mut cy = y + HEADER;
    let here = |s: &&ShardInfo| s.nodes.iter().any(|n| n == &node.name);

    let reference: Vec<&ShardInfo> = shards
        .iter()
        .filter(|s| s.is_reference)
        .filter(here)
        .collect();
    if !reference.is_empty() {
        let mut tables: Vec<String> = reference.iter().map(|s| s.table.clone()).collect();
        tables.dedup();
        out.bands.push(Band {
            node: node.name.clone(),
            tables,
            shard_ids: reference.iter().map(|s| s.shard_id).collect(),
            x: x + PAD,
            y: cy,
            w: (w - 2.0 * PAD).max(0.0),
            h: BAND,
        });
        cy += BAND + GAP * 2.0;
    }

    // Rows of tiles: one block per (co-location group, table), in shard order.
    let mut blocks: BTreeMap<(i32, String), Vec<&ShardInfo>> = BTreeMap::new();
    for s in shards.iter().filter(|s| !s.is_reference).filter(here) {
        blocks
            .entry((s.colocation_id, s.table.clone()))
            .or_default()
            .push(s);
    }
    let per_row = (((w - 2.0 * PAD + GAP) / (TILE + GAP)).floor() as usize).max(1);
    let mut first = true;
    for ((colocation, _), mut list) in blocks {
        crate::sort::sort_by_key(&mut list, |s| s.shard_id);
        if !first {
            cy += GROUP_GAP;
        }
        first = false;
        let rows = list.len().div_ceil(per_row);
        for (i, s) in list.iter().enumerate() {
            let col = i % per_row;
            let row = i / per_row;
            out.tiles.push(Tile {
                shard_id: s.shard_id,
                table: s.table.clone(),
                node: node.name.clone(),
                rows: s.row_count,
                color: color_of.get(&colocation).copied().unwrap_or(0),
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
    (cy - y + PAD).max(HEADER + PAD)
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

    #[test]
    fn empty_cluster_has_no_layout() {
        assert_eq!(layout(&[], &[]), MapLayout::default());
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
        let mut reference = shard(102200, "nation", 3, "worker-1", 25);
        reference.is_reference = true;
        reference.nodes = vec!["coordinator".into(), "worker-1".into(), "worker-2".into()];
        reference.min_value = None;
        reference.max_value = None;
        shards.push(reference);

        let map = layout(&nodes, &shards);
        assert_eq!(map.nodes.len(), 3);
        assert_eq!(map.tiles.len(), 96);
        assert_eq!(map.bands.len(), 3);
        assert_eq!(map.groups.len(), 2);
        for t in &map.tiles {
            let b = map.nodes.iter().find(|b| b.name == t.node).unwrap();
            assert!(t.x >= b.x && t.x + TILE <= b.x + b.w, "{t:?} in {b:?}");
            assert!(t.y >= b.y && t.y + TILE <= b.y + b.h, "{t:?} in {b:?}");
            assert!((0.0..=1.0).contains(&t.fill));
        }
        let colors: Vec<usize> = map.groups.iter().map(|g| g.1).collect();
        assert_eq!(colors, vec![0, 1]);
        assert!(map.height > map.nodes[1].y + map.nodes[1].h);
    }
}

//! The EXPLAIN picture: the engine's plan tree laid out as boxes, top to bottom. The
//! coordinator's nodes sit on top, then the `Custom Scan (Citus Adaptive)` box with its task
//! count, then the task(s) shown with the worker each runs on, then each worker's plan. Also
//! which statements "Explain last query" can explain.

use crate::cluster::NodeInfo;
use crate::planner::explain::PlanNode;
use crate::sql::parse_sql;
use crate::trace::{MessageKind, TraceEvent};
use sqlparser::ast::Statement;

/// Approximate advance of one character of the picture's monospace font, in SVG units.
pub const CHAR_W: f64 = 6.6;
/// Height of one text line in a box.
pub const LINE_H: f64 = 14.0;
/// Text inside a box starts this far from its left edge.
pub const PAD_X: f64 = 6.0;
/// The first text baseline sits this far below a box's top edge.
pub const BASELINE: f64 = 15.0;
const PAD_Y: f64 = 5.0;
const H_GAP: f64 = 14.0;
const V_GAP: f64 = 22.0;
const MARGIN: f64 = 8.0;
/// Longer lines are wrapped in the box (continuations indented), so nothing is cut.
pub const MAX_CHARS: usize = 44;

/// Which part of the distributed plan a box belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Runs on the coordinator above (or instead of) the Custom Scan.
    Coordinator,
    /// `Custom Scan (Citus Adaptive)`: where the coordinator fans out to shards.
    CustomScan,
    /// One task sent to a worker.
    Task,
    /// The plan a worker runs for its task.
    Worker,
}

impl Part {
    /// The CSS class of a box of this part.
    pub fn class(self) -> &'static str {
        match self {
            Part::Coordinator => "part-coordinator",
            Part::CustomScan => "part-custom-scan",
            Part::Task => "part-task",
            Part::Worker => "part-worker",
        }
    }
}

/// One plan node as a box, in SVG units.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanBox {
    pub id: usize,
    pub parent: Option<usize>,
    pub part: Part,
    /// The title as shown (shortened when long).
    pub title: String,
    /// The property lines as shown (shortened when long).
    pub lines: Vec<String>,
    /// The node's title and properties in full, for the hover text.
    pub full: String,
    /// The worker a task (and its plan) runs on.
    pub node: Option<String>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A line from a parent box's bottom edge to a child's top edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanPicture {
    /// In tree order: every parent before its children.
    pub boxes: Vec<PlanBox>,
    pub edges: Vec<Edge>,
    pub width: f64,
    pub height: f64,
    /// The Custom Scan's `Task Count`.
    pub task_count: Option<usize>,
}

/// `s` in lines of at most `MAX_CHARS` characters, broken at spaces where it can be (a word
/// longer than a line is broken where the line ends); continuation lines are indented.
fn wrap(s: &str) -> Vec<String> {
    const INDENT: &str = "  ";
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let mut rest: Vec<char> = word.chars().collect();
        loop {
            let start = if lines.is_empty() { 0 } else { INDENT.len() };
            let used = line.chars().count();
            let sep = usize::from(used > start);
            if used + sep + rest.len() <= MAX_CHARS {
                line.push_str(&" ".repeat(sep));
                line.extend(rest);
                break;
            }
            // A word that fits a line of its own starts one; a longer one fills this line.
            let room = MAX_CHARS.saturating_sub(used + sep);
            if sep == 1 && rest.len() <= MAX_CHARS - INDENT.len() || room == 0 {
                lines.push(std::mem::replace(&mut line, INDENT.to_string()));
                continue;
            }
            line.push_str(&" ".repeat(sep));
            line.extend(rest.drain(..room));
            lines.push(std::mem::replace(&mut line, INDENT.to_string()));
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The worker named by a task's `Node: host=H port=P dbname=D` line.
fn task_worker(props: &[String], nodes: &[NodeInfo]) -> Option<String> {
    let line = props.iter().find_map(|p| p.strip_prefix("Node: "))?;
    let mut host = None;
    let mut port = None;
    for word in line.split_whitespace() {
        if let Some(h) = word.strip_prefix("host=") {
            host = Some(h);
        } else if let Some(p) = word.strip_prefix("port=") {
            port = p.parse::<u16>().ok();
        }
    }
    let (host, port) = (host?, port?);
    nodes
        .iter()
        .find(|n| n.host == host && n.port == port)
        .map(|n| n.name.clone())
}

fn task_count(props: &[String]) -> Option<usize> {
    props
        .iter()
        .find_map(|p| p.strip_prefix("Task Count: "))
        .and_then(|n| n.trim().parse().ok())
}

/// A box before placement, with the width of its subtree.
struct Sized {
    b: PlanBox,
    children: Vec<Sized>,
    span: f64,
}

fn size(node: &PlanNode, part: Part, worker: Option<&str>, nodes: &[NodeInfo]) -> Sized {
    let part = match part {
        Part::Coordinator if node.title.starts_with("Custom Scan") => Part::CustomScan,
        Part::CustomScan if node.title == "Task" => Part::Task,
        Part::CustomScan => Part::Coordinator,
        Part::Task => Part::Worker,
        p => p,
    };
    let node_name = match part {
        Part::Task => task_worker(&node.props, nodes),
        Part::Worker => worker.map(str::to_string),
        _ => None,
    };
    let title = match (part, &node_name) {
        (Part::Task, Some(w)) => format!("Task on {w}"),
        _ => node.title.clone(),
    };
    let mut full = node.title.clone();
    for p in &node.props {
        full.push('\n');
        full.push_str(p);
    }
    // A long title's continuation lines come first under it.
    let mut title_lines = wrap(&title).into_iter();
    let title = title_lines.next().unwrap_or_default();
    let lines: Vec<String> = title_lines
        .chain(node.props.iter().flat_map(|p| wrap(p)))
        .collect();
    let chars = std::iter::once(&title)
        .chain(&lines)
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let w = 2.0 * PAD_X + chars as f64 * CHAR_W;
    let h = 2.0 * PAD_Y + (1 + lines.len()) as f64 * LINE_H;
    // Children of a Custom Scan that are not tasks (subplans, map/merge jobs) are classified
    // from the Custom Scan's point of view.
    let child_part = match part {
        Part::Coordinator => Part::Coordinator,
        Part::CustomScan => Part::CustomScan,
        Part::Task | Part::Worker => Part::Task,
    };
    let children: Vec<Sized> = node
        .children
        .iter()
        .map(|c| {
            let p = if part == Part::Worker {
                Part::Worker
            } else {
                child_part
            };
            size(c, p, node_name.as_deref(), nodes)
        })
        .collect();
    let row = children.iter().map(|c| c.span).sum::<f64>()
        + H_GAP * children.len().saturating_sub(1) as f64;
    Sized {
        b: PlanBox {
            id: 0,
            parent: None,
            part,
            title,
            lines,
            full,
            node: node_name,
            x: 0.0,
            y: 0.0,
            w,
            h,
        },
        span: w.max(row),
        children,
    }
}

fn place(s: Sized, left: f64, y: f64, parent: Option<usize>, out: &mut PlanPicture) {
    let Sized {
        mut b,
        children,
        span,
    } = s;
    let id = out.boxes.len();
    b.id = id;
    b.parent = parent;
    b.x = left + (span - b.w) / 2.0;
    b.y = y;
    let (cx, bottom) = (b.x + b.w / 2.0, b.y + b.h);
    if let Some(p) = parent.and_then(|p| out.boxes.get(p)) {
        out.edges.push(Edge {
            x1: p.x + p.w / 2.0,
            y1: p.y + p.h,
            x2: cx,
            y2: y,
        });
    }
    out.width = out.width.max(b.x + b.w + MARGIN);
    out.height = out.height.max(bottom + MARGIN);
    out.boxes.push(b);
    let row = children.iter().map(|c| c.span).sum::<f64>()
        + H_GAP * children.len().saturating_sub(1) as f64;
    let mut x = left + (span - row) / 2.0;
    for c in children {
        let w = c.span;
        place(c, x, bottom + V_GAP, Some(id), out);
        x += w + H_GAP;
    }
}

/// Lays out `root`; `nodes` name the workers of the tasks.
pub fn picture(root: &PlanNode, nodes: &[NodeInfo]) -> PlanPicture {
    let mut out = PlanPicture::default();
    let sized = size(root, Part::Coordinator, None, nodes);
    place(sized, MARGIN, MARGIN, None, &mut out);
    out.task_count = out
        .boxes
        .iter()
        .find(|b| b.part == Part::CustomScan)
        .and_then(|b| task_count(&b.lines));
    out
}

impl PlanPicture {
    /// One sentence for screen readers: what runs where.
    pub fn describe(&self) -> String {
        let above: Vec<&str> = self
            .boxes
            .iter()
            .filter(|b| b.part == Part::Coordinator)
            .map(|b| b.title.as_str())
            .collect();
        let tasks: Vec<String> = self
            .boxes
            .iter()
            .filter(|b| b.part == Part::Task)
            .map(|b| b.node.clone().unwrap_or_else(|| "a worker".into()))
            .collect();
        let mut s = String::from("Plan picture: ");
        match self.task_count {
            None => s.push_str("runs on the coordinator only"),
            Some(n) => {
                if !above.is_empty() {
                    s.push_str(&format!("the coordinator runs {} over ", above.join(", ")));
                }
                s.push_str(&format!(
                    "the Citus Custom Scan with {n} task{}",
                    if n == 1 { "" } else { "s" }
                ));
                if !tasks.is_empty() {
                    s.push_str(&format!("; shown: task on {}", tasks.join(", ")));
                }
            }
        }
        if self.task_count.is_none() && !above.is_empty() {
            s.push_str(&format!(": {}", above.join(", ")));
        }
        s
    }
}

/// Whether `sql` is `EXPLAIN ...`.
pub fn is_explain(sql: &str) -> bool {
    // Only a statement that starts with EXPLAIN can be one: a 20 KB INSERT is not parsed again.
    first_word(sql).eq_ignore_ascii_case("explain")
        && matches!(
            parse_sql(sql).ok().as_deref(),
            Some([Statement::Explain { .. }])
        )
}

/// The first word of `sql` after white space and comments (`(` when it opens with one).
fn first_word(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, next)| next);
        } else if rest.starts_with("/*") {
            rest = after_block_comment(rest);
        } else {
            break;
        }
    }
    if rest.starts_with('(') {
        return "(";
    }
    let end = rest
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or_default()
}

/// The text after the (nested) block comment `text` starts with; empty if it never closes.
fn after_block_comment(text: &str) -> &str {
    let mut depth = 0usize;
    let mut i = 0;
    let bytes = text.as_bytes();
    while let Some(pair) = bytes.get(i..i + 2) {
        match pair {
            b"/*" => {
                depth += 1;
                i += 2;
            }
            b"*/" => {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return text.get(i..).unwrap_or_default();
                }
            }
            _ => i += 1,
        }
    }
    ""
}

/// Whether "Explain last query" can explain `sql` (a statement that ran): a SELECT that reads
/// a relation, or an INSERT, UPDATE or DELETE.
pub fn explainable(sql: &str) -> bool {
    // Told by its first word where that is enough: a statement that ran and starts with
    // INSERT is one, and parsing a 20 KB INSERT again after every run costs the page ~10 ms.
    let word = first_word(sql);
    let is = |w: &str| word.eq_ignore_ascii_case(w);
    if ["insert", "update", "delete"].into_iter().any(is) {
        return true;
    }
    if !["select", "with", "values", "table", "("]
        .into_iter()
        .any(is)
    {
        return false;
    }
    match parse_sql(sql).ok().as_deref() {
        Some([Statement::Query(q)]) => !crate::planner::relations::query_relations(q).is_empty(),
        Some([Statement::Insert(_) | Statement::Update { .. } | Statement::Delete(_)]) => true,
        _ => false,
    }
}

/// The last client statement after statement number `after` that ran without error and that
/// "Explain last query" can explain.
pub fn last_explainable(events: &[TraceEvent], after: u64) -> Option<String> {
    // The trace is in statement order: only its tail can be later than `after`.
    let recent = events
        .get(events.partition_point(|e| e.statement <= after)..)
        .unwrap_or_default();
    recent
        .iter()
        .rev()
        .filter(|e| e.kind == MessageKind::ClientQuery)
        .find(|q| {
            recent.iter().any(|e| {
                e.statement == q.statement
                    && e.kind == MessageKind::ClientResult
                    && e.to == crate::cluster::CLIENT
            }) && explainable(&q.sql)
        })
        .map(|q| q.sql.clone())
}

/// The client SQL of a statement's messages.
pub fn client_sql(events: &[TraceEvent]) -> Option<&str> {
    events
        .iter()
        .find(|e| e.kind == MessageKind::ClientQuery)
        .map(|e| e.sql.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;
    use crate::planner::explain::plan_rows;
    use crate::session::SessionId;
    use crate::sql::Outcome;
    use crate::types::Value;

    fn cluster() -> (Cluster, SessionId) {
        let mut c = Cluster::new();
        let s = c.session();
        c.execute(
            s,
            "CREATE TABLE t (id int PRIMARY KEY, v text); \
             SELECT create_distributed_table('t', 'id'); \
             INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');",
        )
        .expect("setup");
        (c, s)
    }

    fn draw(c: &Cluster, s: SessionId, sql: &str) -> PlanPicture {
        let plan = c.plan_sql(s, sql).expect("a plan");
        picture(&plan, &c.nodes())
    }

    fn overlap(a: &PlanBox, b: &PlanBox) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    #[test]
    fn a_router_query_shows_one_task_on_the_worker_holding_the_shard() {
        let (c, s) = cluster();
        let p = draw(&c, s, "EXPLAIN SELECT v FROM t WHERE id = 3");
        assert_eq!(p.task_count, Some(1));
        let tasks: Vec<&PlanBox> = p.boxes.iter().filter(|b| b.part == Part::Task).collect();
        assert_eq!(tasks.len(), 1);
        let shard = c
            .catalog
            .shard_for_value("t", &Value::Int4(3))
            .ok()
            .flatten()
            .expect("a shard");
        let worker = c
            .catalog
            .task_node(shard.shard_id)
            .map(|n| n.name.clone())
            .expect("a placement");
        assert_eq!(tasks[0].node.as_deref(), Some(worker.as_str()));
        assert_eq!(tasks[0].title, format!("Task on {worker}"));
        // The Custom Scan is the root, the task below it, the worker's scan below the task.
        assert_eq!(p.boxes[0].part, Part::CustomScan);
        assert!(p.boxes[0].lines.iter().any(|l| l == "Task Count: 1"));
        let scan = p
            .boxes
            .iter()
            .find(|b| b.parent == Some(tasks[0].id))
            .expect("the worker plan");
        assert_eq!(scan.part, Part::Worker);
        assert_eq!(scan.node.as_deref(), Some(worker.as_str()));
        assert!(scan.title.contains(&format!("t_{}", shard.shard_id)));
        assert!(scan.y > tasks[0].y + tasks[0].h && tasks[0].y > p.boxes[0].y);
    }

    #[test]
    fn a_multi_shard_aggregate_puts_the_aggregate_above_the_custom_scan() {
        let (c, s) = cluster();
        let p = draw(&c, s, "EXPLAIN SELECT count(*) FROM t");
        assert_eq!(p.task_count, Some(32));
        let root = &p.boxes[0];
        assert_eq!(root.part, Part::Coordinator);
        assert_eq!(root.title, "Aggregate");
        let scan = &p.boxes[1];
        assert_eq!(scan.part, Part::CustomScan);
        assert_eq!(scan.parent, Some(0));
        assert!(scan.title.starts_with("Custom Scan (Citus Adaptive)"));
        assert!(scan.lines.iter().any(|l| l == "Task Count: 32"));
        assert!(scan.lines.iter().any(|l| l == "Tasks Shown: One of 32"));
        assert!(scan.y > root.y + root.h);
        let tasks = p.boxes.iter().filter(|b| b.part == Part::Task).count();
        assert_eq!(tasks, 1);
        assert_eq!(p.edges.len(), p.boxes.len() - 1);
        assert!(p.describe().contains("Aggregate"), "{}", p.describe());
        assert!(p.describe().contains("32 tasks"), "{}", p.describe());
    }

    #[test]
    fn all_tasks_shown_lie_side_by_side_without_overlapping() {
        let (mut c, s) = cluster();
        c.execute(s, "SET citus.explain_all_tasks = on")
            .expect("set");
        let p = draw(&c, s, "EXPLAIN SELECT count(*) FROM t");
        let tasks: Vec<&PlanBox> = p.boxes.iter().filter(|b| b.part == Part::Task).collect();
        assert_eq!(tasks.len(), 32);
        for (i, a) in p.boxes.iter().enumerate() {
            for b in &p.boxes[i + 1..] {
                assert!(!overlap(a, b), "{} overlaps {}", a.title, b.title);
            }
            assert!(a.x >= 0.0 && a.x + a.w <= p.width && a.y + a.h <= p.height);
        }
        let workers: std::collections::BTreeSet<_> =
            tasks.iter().filter_map(|t| t.node.clone()).collect();
        assert_eq!(workers.len(), 2);
    }

    #[test]
    fn the_plan_text_is_what_explain_prints() {
        let (mut c, s) = cluster();
        for sql in [
            "EXPLAIN SELECT count(*) FROM t",
            "EXPLAIN (COSTS OFF) SELECT v FROM t WHERE id = 2",
            "EXPLAIN UPDATE t SET v = 'z' WHERE id = 1",
        ] {
            let out = c.execute(s, sql).expect("explain");
            let Outcome::Rows(printed) = out.outcome else {
                panic!("rows expected");
            };
            let plan = c.plan_sql(s, sql).expect("a plan");
            assert_eq!(plan_rows(&plan).rows, printed.rows, "{sql}");
        }
    }

    #[test]
    fn long_lines_are_wrapped_in_the_boxes_and_nothing_is_cut() {
        let node = "Node: host=127.0.0.1 port=9701 dbname=postgres user=someone_long";
        let plan = PlanNode {
            title: "x".repeat(100),
            props: vec!["Filter: ".to_string() + &"y".repeat(100), node.to_string()],
            ..Default::default()
        };
        let p = picture(&plan, &[]);
        let b = &p.boxes[0];
        let shown: Vec<&str> = std::iter::once(b.title.as_str())
            .chain(b.lines.iter().map(String::as_str))
            .collect();
        assert!(
            shown.iter().all(|l| l.chars().count() <= MAX_CHARS),
            "{shown:?}"
        );
        let squeeze = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(
            squeeze(&shown.concat()),
            squeeze(&format!(
                "{}Filter: {}{node}",
                "x".repeat(100),
                "y".repeat(100)
            ))
        );
        assert!(
            shown.contains(&"Node: host=127.0.0.1 port=9701")
                && shown.contains(&"  dbname=postgres user=someone_long"),
            "a line breaks at a space where it can: {shown:?}"
        );
        assert!(b.full.contains(&"y".repeat(100)));
        assert_eq!(p.task_count, None);
        assert!(p.describe().contains("coordinator only"));
    }

    #[test]
    fn explain_last_query_picks_the_last_successful_select_or_modification() {
        assert!(explainable("SELECT v FROM t WHERE id = 1"));
        assert!(explainable("INSERT INTO t VALUES (4, 'd')"));
        assert!(explainable("DELETE FROM t WHERE id = 4"));
        assert!(!explainable("SELECT create_distributed_table('t', 'id')"));
        assert!(!explainable("CREATE TABLE u (id int)"));
        assert!(!explainable("EXPLAIN SELECT 1 FROM t"));
        assert!(is_explain("explain select count(*) from t"));
        assert!(!is_explain("SELECT 1"));
        // Comments before the first word are skipped, as the server does.
        assert!(is_explain(
            "-- why\n/* outer /* nested */ */ EXPLAIN SELECT 1 FROM t"
        ));
        assert!(explainable("/* c */ (SELECT v FROM t)"));
        assert!(explainable("-- load\nupdate t SET v = 'x'"));
        assert!(!explainable("/* never closed SELECT v FROM t"));
        assert!(!explainable("selection"));

        let (mut c, s) = cluster();
        let before = c.network.trace.statement;
        c.execute(s, "SELECT v FROM t WHERE id = 1")
            .expect("select");
        let _ = c.execute(s, "SELECT nope FROM t");
        c.execute(s, "CREATE TABLE u (id int)").expect("create");
        assert_eq!(
            last_explainable(c.trace_events(), before).as_deref(),
            Some("SELECT v FROM t WHERE id = 1")
        );
        assert_eq!(
            last_explainable(c.trace_events(), c.network.trace.statement),
            None
        );
        let evs = c.last_statement_events();
        assert_eq!(client_sql(&evs), Some("CREATE TABLE u (id INT)"));
    }
}

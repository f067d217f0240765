//! Taking a session to a real cluster: a `docker-compose.yml` for Citus 13.2 with the same
//! nodes at the same addresses, and the session's journal as a psql script to replay on it.

use super::journal::{Action, Journal};
use crate::cluster::NodeInfo;

/// The official image of the Citus release ShardScope follows.
pub const CITUS_IMAGE: &str = "citusdata/citus:13.2";
pub const COMPOSE_FILE: &str = "docker-compose.yml";
pub const SCRIPT_FILE: &str = "shardscope-session.sql";

/// A compose file with one service per node, named as in ShardScope. Host networking keeps
/// every node at its ShardScope address (127.0.0.1 and its port), so `pg_dist_node`,
/// `citus_shards` and `\c - - 127.0.0.1 9701` read the same on the real cluster.
pub fn compose(nodes: &[NodeInfo]) -> String {
    let coordinator = nodes.iter().find(|n| n.is_coordinator);
    let workers = nodes.iter().filter(|n| !n.is_coordinator).count();
    let port = coordinator.map_or(9700, |n| n.port);
    let mut out = format!(
        "# A real Citus 13.2 cluster shaped like the ShardScope session: a coordinator and {workers} \
         worker{s},\n\
         # each at the address it has in ShardScope (host networking: Linux, or Docker Desktop with \
         host networking on).\n\
         #   docker compose up -d --wait\n\
         #   psql -h 127.0.0.1 -p {port} -U postgres -f {SCRIPT_FILE}\n\
         #   docker compose down\n\
         x-citus-node: &citus-node\n  \
         image: {CITUS_IMAGE}\n  \
         network_mode: host\n  \
         # Logical decoding lets the rebalancer move shards without blocking writes.\n  \
         command: [\"postgres\", \"-c\", \"wal_level=logical\"]\n  \
         healthcheck:\n    \
         test: [\"CMD-SHELL\", \"pg_isready -h 127.0.0.1 -p $$PGPORT -U postgres\"]\n    \
         interval: 2s\n    \
         timeout: 5s\n    \
         retries: 30\n\
         services:\n",
        s = if workers == 1 { "" } else { "s" },
    );
    for node in nodes {
        out.push_str(&format!(
            "  {name}:\n    \
             <<: *citus-node\n    \
             environment:\n      \
             POSTGRES_HOST_AUTH_METHOD: trust\n      \
             PGPORT: \"{port}\"\n",
            name = node.name,
            port = node.port,
        ));
    }
    out
}

/// The session as a psql script for the cluster `compose` describes: the nodes a fresh
/// ShardScope cluster starts with (`initial`) are registered as ShardScope registers them, then
/// every run follows as typed (nodes the session added, it adds itself). What only ShardScope can do
/// (crashing a node, cutting a link, `\session`, `\reset`) stays in the script as a comment
/// saying how to do it by hand; `\c NODE` becomes psql's `\c - - HOST PORT`. A `\reset`
/// starts the script over, as it starts the cluster over.
pub fn script(journal: &Journal, initial: &[NodeInfo], nodes: &[NodeInfo]) -> String {
    let mut body = String::new();
    for action in journal.actions() {
        match action {
            Action::Run(text) => {
                for line in text.lines() {
                    match translate(line, nodes) {
                        Line::Reset => body.clear(),
                        Line::Keep(line) => {
                            body.push_str(&line);
                            body.push('\n');
                        }
                    }
                }
                // A run ends at the end of its input, as when typed: an unterminated statement
                // would otherwise swallow the next run.
                if !body.trim_end().is_empty() && needs_terminator(text) {
                    body.push_str(";\n");
                }
            }
            Action::Cancel(session) => body.push_str(&format!(
                "-- ShardScope: cancel the statement waiting in session {session} (Ctrl-C in that psql)\n"
            )),
        }
    }
    let mut out = String::from(
        "-- A ShardScope session, to replay on the cluster of the docker-compose.yml exported with it.\n\
         \\set ON_ERROR_STOP off\n",
    );
    if let Some(c) = initial.iter().find(|n| n.is_coordinator) {
        out.push_str(&format!(
            "SELECT citus_set_coordinator_host('{}', {});\n",
            c.host, c.port
        ));
    }
    for w in initial.iter().filter(|n| !n.is_coordinator) {
        out.push_str(&format!(
            "SELECT 1 FROM citus_add_node('{}', {});\n",
            w.host, w.port
        ));
    }
    out.push('\n');
    out.push_str(&body);
    out
}

enum Line {
    Keep(String),
    Reset,
}

fn translate(line: &str, nodes: &[NodeInfo]) -> Line {
    let trimmed = line.trim_start();
    let Some(meta) = trimmed.strip_prefix('\\') else {
        return Line::Keep(line.to_string());
    };
    let mut words = meta.split_whitespace();
    let name = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    let by_hand = |how: &str| Line::Keep(format!("-- ShardScope: {trimmed}  ({how})"));
    match name {
        "c" | "connect" if args.len() == 1 => match nodes.iter().find(|n| n.name == args[0]) {
            Some(n) => Line::Keep(format!("\\c - - {} {}", n.host, n.port)),
            None => Line::Keep(line.to_string()),
        },
        "crash" => by_hand(&format!(
            "by hand: docker compose kill {}",
            args.first().unwrap_or(&"NODE")
        )),
        "restart" => by_hand(&format!(
            "by hand: docker compose start {}",
            args.first().unwrap_or(&"NODE")
        )),
        "session" => by_hand("by hand: another psql connected to the same node"),
        "cancel" => by_hand("by hand: Ctrl-C in that session's psql"),
        "standby" => by_hand(
            "by hand: pg_basebackup -R -X stream into a new data directory, then start it on its own port",
        ),
        "failover" => by_hand(
            "by hand: pg_ctl promote on the standby, then citus_update_node(nodeid, host, port)",
        ),
        "switchover" => by_hand(
            "by hand: stop writes, wait for the standby to catch up, promote it, citus_update_node",
        ),
        "ha" => by_hand("by hand: run Patroni beside each node"),
        "disconnect" | "reconnect" | "fail" | "tick" => by_hand("only ShardScope can do this"),
        "reset" => Line::Reset,
        _ => Line::Keep(line.to_string()),
    }
}

/// Whether a run's text ends inside a statement (psql sends it as it is at the end of input).
fn needs_terminator(text: &str) -> bool {
    let mut scanner = crate::psql::script::Scanner::default();
    for line in text.lines() {
        scanner.feed_line(line, &|_| None);
    }
    scanner.in_statement()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;

    fn nodes() -> Vec<NodeInfo> {
        Cluster::new().nodes()
    }

    #[test]
    fn compose_has_a_service_per_node_at_its_port() {
        let yml = compose(&nodes());
        for (name, port) in [
            ("coordinator", 9700),
            ("worker-1", 9701),
            ("worker-2", 9702),
        ] {
            assert!(
                yml.contains(&format!(
                    "  {name}:\n    <<: *citus-node\n    environment:\n      \
                     POSTGRES_HOST_AUTH_METHOD: trust\n      PGPORT: \"{port}\"\n"
                )),
                "{name} in\n{yml}"
            );
        }
        assert!(yml.contains("image: citusdata/citus:13.2\n"));
        assert!(yml.contains("a coordinator and 2 workers"));
        assert!(yml.contains("psql -h 127.0.0.1 -p 9700 -U postgres -f shardscope-session.sql"));
    }

    #[test]
    fn nodes_the_session_added_are_in_the_compose_file_and_added_by_the_script() {
        let mut runner = crate::psql::Runner::with_default_cluster();
        let add = "SELECT citus_add_node('127.0.0.1', 9703);";
        runner.run_interactive(add);
        let mut j = Journal::default();
        j.record_run(add);
        let all = runner.exec.nodes();
        let yml = compose(&all);
        assert!(yml.contains("a coordinator and 3 workers"));
        assert!(yml.contains("PGPORT: \"9703\""));
        let sql = script(&j, &nodes(), &all);
        assert!(
            !sql.contains("citus_add_node('127.0.0.1', 9703);\n\n"),
            "{sql}"
        );
        assert!(sql.ends_with(&format!("\n\n{add}\n")), "{sql}");
    }

    #[test]
    fn script_registers_the_nodes_and_translates_meta_commands() {
        let mut j = Journal::default();
        j.record_run("CREATE TABLE gone (id int);");
        j.record_run("\\reset");
        j.record_run("CREATE TABLE t (id int);\nSELECT create_distributed_table('t', 'id');");
        j.record_run("\\c worker-1\nSELECT count(*) FROM t");
        j.record_run("\\crash worker-2\n\\session 2\n\\tick 5");
        j.record_cancel(2);
        let sql = script(&j, &nodes(), &nodes());
        assert_eq!(
            sql,
            "-- A ShardScope session, to replay on the cluster of the docker-compose.yml exported with it.\n\
             \\set ON_ERROR_STOP off\n\
             SELECT citus_set_coordinator_host('127.0.0.1', 9700);\n\
             SELECT 1 FROM citus_add_node('127.0.0.1', 9701);\n\
             SELECT 1 FROM citus_add_node('127.0.0.1', 9702);\n\
             \n\
             CREATE TABLE t (id int);\n\
             SELECT create_distributed_table('t', 'id');\n\
             \\c - - 127.0.0.1 9701\n\
             SELECT count(*) FROM t\n\
             ;\n\
             -- ShardScope: \\crash worker-2  (by hand: docker compose kill worker-2)\n\
             -- ShardScope: \\session 2  (by hand: another psql connected to the same node)\n\
             -- ShardScope: \\tick 5  (only ShardScope can do this)\n\
             -- ShardScope: cancel the statement waiting in session 2 (Ctrl-C in that psql)\n"
        );
    }
}

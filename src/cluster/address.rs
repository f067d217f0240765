//! Addresses and the servers behind them: which network server answers at a `host:port`
//! that pg_dist_node names (what `citus_update_node` points a node at).

use super::Cluster;
use crate::network::NetError;
use crate::node::BackendId;

impl Cluster {
    /// The network name of the server listening at `host:port`, if one does.
    pub fn server_at(&self, host: &str, port: u16) -> Option<String> {
        let named = self
            .catalog
            .nodes
            .iter()
            .find(|n| n.host == host && n.port == port && !self.listens_elsewhere(&n.name))
            .map(|n| n.name.clone());
        // Every server runs on this host: one Citus does not know yet (a standby) too.
        named.or_else(|| {
            matches!(host, "127.0.0.1" | "localhost")
                .then(|| self.network.server_at_port(port))
                .flatten()
        })
    }
}

impl Cluster {
    /// Whether pg_dist_node names `server` at an address other than the one it listens on
    /// (after `citus_update_node` to an address with no server behind it).
    pub(crate) fn listens_elsewhere(&self, server: &str) -> bool {
        self.unreachable.get(server).is_some_and(|(host, port)| {
            self.catalog
                .node_by_name(server)
                .is_some_and(|n| (&n.host, n.port) != (host, *port))
        })
    }

    /// Opens a backend on `node` for a connection from `from`; refused when the address
    /// pg_dist_node gives for it has no server.
    pub(crate) fn connect_node(&mut self, from: &str, node: &str) -> Result<BackendId, NetError> {
        if self.listens_elsewhere(node) {
            return Err(NetError::Refused);
        }
        self.network.connect(from, node)
    }
}

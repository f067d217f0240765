//! `\c` / `\connect`: psql's reconnect, with its exact success and failure messages. Node names
//! (`\c worker-1`) are accepted as a shortcut for that node's host and port.

use super::runner::{Executor, Mode, Runner};

/// What `\c` asks for; `None` keeps the current value.
#[derive(Default)]
struct Target {
    dbname: Option<String>,
    user: Option<String>,
    host: Option<String>,
    port: Option<String>,
}

fn parse_target<E: Executor>(exec: &E, args: &[String]) -> Target {
    let mut t = Target::default();
    if let [only] = args {
        if let Some(n) = exec.servers().into_iter().find(|n| &n.name == only) {
            t.host = Some(n.host);
            t.port = Some(n.port.to_string());
            return t;
        }
    }
    if args.first().is_some_and(|a| a.contains('=')) {
        for kv in args {
            if let Some((k, v)) = kv.split_once('=') {
                let v = Some(v.trim_matches('\'').to_string());
                match k {
                    "dbname" => t.dbname = v,
                    "user" => t.user = v,
                    "host" | "hostaddr" => t.host = v,
                    "port" => t.port = v,
                    _ => {}
                }
            }
        }
        return t;
    }
    let keep = |i: usize| args.get(i).filter(|a| a.as_str() != "-").cloned();
    t.dbname = keep(0);
    t.user = keep(1);
    t.host = keep(2);
    t.port = keep(3);
    t
}

impl<E: Executor> Runner<E> {
    pub(super) fn connect(&mut self, args: &[String]) {
        let old = self.current_node().map(|n| (self.host.clone(), n.port));
        let t = parse_target(&self.exec, args);
        let host = t
            .host
            .or_else(|| old.as_ref().map(|o| o.0.clone()))
            .unwrap_or_else(|| "127.0.0.1".into());
        let port_text = t
            .port
            .or_else(|| old.as_ref().map(|o| o.1.to_string()))
            .unwrap_or_else(|| "5432".into());
        let id = self.current;
        let attempt = match port_text.parse::<u16>() {
            Err(_) => Err(format!(
                "invalid integer value \"{port_text}\" for connection option \"port\""
            )),
            Ok(port) => {
                let fail = |what: String| {
                    format!(
                        "connection to server at \"{host}\", port {port} failed: FATAL:  {what}"
                    )
                };
                match (&t.dbname, &t.user) {
                    (Some(d), _) if d != "postgres" => {
                        Err(fail(format!("database \"{d}\" does not exist")))
                    }
                    (_, Some(u)) if u != "postgres" => {
                        Err(fail(format!("role \"{u}\" does not exist")))
                    }
                    _ => self
                        .exec
                        .connect_host_port(id, &host, port)
                        .map_err(|mut e| refused_hint(std::mem::take(&mut e.message)))
                        .map(|()| port),
                }
            }
        };
        match attempt {
            Ok(port) => {
                let same = old.as_ref().is_some_and(|(h, p)| *h == host && *p == port);
                self.session = Some(id);
                self.host = host.clone();
                self.sync_conn_vars();
                let msg = if same {
                    "You are now connected to database \"postgres\" as user \"postgres\"."
                        .to_string()
                } else {
                    let addr = self
                        .current_node()
                        .map(|n| n.host)
                        .unwrap_or_else(|| host.clone());
                    let at = host_phrase(&host, &addr);
                    format!(
                        "You are now connected to database \"postgres\" as user \"postgres\" {at} at port \"{port}\"."
                    )
                };
                self.info(&msg);
            }
            Err(msg) => match self.mode {
                Mode::Script { .. } => {
                    self.psql_error(&format!("\\connect: {msg}"));
                    self.session = None;
                    self.error_stop();
                }
                Mode::Interactive => {
                    self.psql_error(&msg);
                    if self.session.is_some() {
                        self.psql_error("Previous connection kept");
                    }
                }
            },
        }
    }
}

/// `on host "H"`, with the address added when the name differs from it (`localhost`).
pub(super) fn host_phrase(host: &str, addr: &str) -> String {
    if host != addr {
        format!("on host \"{host}\" (address \"{addr}\")")
    } else {
        format!("on host \"{host}\"")
    }
}

/// libpq follows a refused connection with a hint line.
fn refused_hint(msg: String) -> String {
    if msg.ends_with("Connection refused") {
        format!("{msg}\n\tIs the server running on that host and accepting TCP/IP connections?")
    } else {
        msg
    }
}

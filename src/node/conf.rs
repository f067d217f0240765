//! A server's configuration file: what `ALTER SYSTEM` wrote (`postgresql.auto.conf`) and what
//! is in effect, read when the server starts and on `pg_reload_conf()`. A base backup copies
//! the file, so a standby starts with its primary's settings.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerConf {
    pub written: BTreeMap<String, String>,
    pub active: BTreeMap<String, String>,
}

impl ServerConf {
    /// A server starting from a copy of `written`.
    pub fn started_from(written: BTreeMap<String, String>) -> Self {
        ServerConf {
            active: written.clone(),
            written,
        }
    }

    pub fn reload(&mut self) {
        self.active = self.written.clone();
    }

    /// The value in effect, or the default.
    pub fn get(&self, name: &str) -> &str {
        match self.active.get(name) {
            Some(v) => v,
            None => crate::cluster::default_setting(name).unwrap_or(""),
        }
    }

    /// Writes `name = value` and puts it in effect at once (what an operator does with
    /// ALTER SYSTEM and a reload).
    pub fn set_now(&mut self, name: &str, value: String) {
        self.written.insert(name.to_string(), value);
        self.reload();
    }
}

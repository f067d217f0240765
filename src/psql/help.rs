//! `\?`: psql's help, abridged to the meta-commands ShardScope implements (wording as psql's).

use super::runner::Expanded;

pub fn text(expanded: Expanded, timing: bool) -> String {
    let x = match expanded {
        Expanded::On => "on",
        Expanded::Off => "off",
        Expanded::Auto => "auto",
    };
    let t = if timing { "on" } else { "off" };
    format!(
        "General
  \\g                     execute query; \\g with no arguments is equivalent to a semicolon
  \\gset [PREFIX]         execute query and store result in psql variables
  \\gx                    as \\g, but forces expanded output mode
  \\q                     quit psql

Input/Output
  \\echo [-n] [STRING]    write string to standard output (-n for no newline)

Informational
  (options: S = show system objects, + = additional detail)
  \\d[S+]                 list tables, views, and sequences
  \\d[S+]  NAME           describe table, view, sequence, or index
  \\ds[S+] [PATTERN]      list sequences
  \\dt[S+] [PATTERN]      list tables

Formatting
  \\pset [NAME [VALUE]]   set table output option (null|expanded)
  \\x [on|off|auto]       toggle expanded output (currently {x})

Connection
  \\c[onnect] {{[DBNAME|- USER|- HOST|- PORT|-] | conninfo}}
                         connect to new database (currently \"postgres\")
  \\conninfo              display information about current connection

Operating System
  \\timing [on|off]       toggle timing of commands (currently {t})

Variables
  \\set [NAME [VALUE]]    set internal variable, or list all if no parameters
  \\unset NAME            unset (delete) internal variable

ShardScope
  \\session [N]           list sessions, or switch to session N (1 to 9)
  \\cancel N             cancel session N's waiting statement (psql's Ctrl-C)
  \\crash NODE            stop a node abruptly; \\restart NODE starts it again
  \\disconnect NODE       cut a node off the network; \\reconnect NODE joins it again
  \\fail NODE at STEP     make a node fail at a step of the next distributed commit
  \\tick DURATION         move the logical clock on (500ms, 30s, 2min, 1h)
  \\standby add NODE [PORT] [sync|async] [delay D]
                         give a node a streaming standby; \\standby lists them
  \\failover NODE         promote the node's best standby and point Citus at it
  \\switchover NODE       hand the node over to its standby, losing nothing
  \\ha on|off             an HA manager that fails over on its own
  \\reset                 start over with a fresh coordinator and its workers

"
    )
}

//! The catalog's rows: PostgreSQL 15's built-in functions the engine implements and Citus
//! 13.2's functions, each overload as pg_proc lists it. `oid` is pg_proc's where a plan shows
//! it (the aggregates Citus combines from transition states), 0 elsewhere.

use super::Distribute::{self, *};
use super::Volatility::{self, *};
use super::{Aggregate, Kind, Proc, RunsOn};

const fn func(
    name: &'static str,
    args: &'static [&'static str],
    result: &'static str,
    volatility: Volatility,
) -> Proc {
    Proc {
        oid: 0,
        schema: "pg_catalog",
        name,
        args,
        result,
        volatility,
        kind: Kind::Function,
        runs_on: RunsOn::Anywhere,
        user: None,
    }
}

const fn agg(
    oid: u32,
    name: &'static str,
    args: &'static [&'static str],
    result: &'static str,
    distribute: Distribute,
    has_final: bool,
    trans_space: f64,
) -> Proc {
    Proc {
        oid,
        schema: "pg_catalog",
        name,
        args,
        result,
        volatility: Immutable,
        kind: Kind::Aggregate(Aggregate {
            distribute,
            has_final,
            trans_space,
        }),
        runs_on: RunsOn::Anywhere,
        user: None,
    }
}

/// A Citus function: volatile, in pg_catalog.
const fn citus(
    name: &'static str,
    args: &'static [&'static str],
    result: &'static str,
    runs_on: RunsOn,
) -> Proc {
    Proc {
        oid: 0,
        schema: "pg_catalog",
        name,
        args,
        result,
        volatility: Volatile,
        kind: Kind::Function,
        runs_on,
        user: None,
    }
}

/// A Citus aggregate its distributed plans use.
const fn citus_agg(
    name: &'static str,
    args: &'static [&'static str],
    result: &'static str,
) -> Proc {
    let mut p = agg(0, name, args, result, Reaggregate, true, 8192.0);
    p.runs_on = RunsOn::Citus;
    p.volatility = Volatile;
    p
}

const COORD: RunsOn = RunsOn::Coordinator;
const CITUS: RunsOn = RunsOn::Citus;

const ADD_NODE: &[&str] = &[
    "nodename text",
    "nodeport integer",
    "groupid integer DEFAULT '-1'::integer",
    "noderole noderole DEFAULT 'primary'::noderole",
    "nodecluster name DEFAULT 'default'::name",
];
const REMOVE_NODE: &[&str] = &["nodename text", "nodeport integer"];
const JSONB_ELEMENTS: &[&str] = &["from_json jsonb", "OUT value jsonb"];
const ACTIVE_WORKERS: &[&str] = &["OUT node_name text", "OUT node_port bigint"];

/// Statistics aggregates: numeric for integer and numeric input, double precision for float.
macro_rules! moments {
    ($name:literal, $oid:literal) => {
        [
            agg(
                $oid,
                $name,
                &["bigint"],
                "numeric",
                CombineStates,
                true,
                128.0,
            ),
            agg(
                $oid + 1,
                $name,
                &["integer"],
                "numeric",
                CombineStates,
                true,
                48.0,
            ),
            agg(
                $oid + 2,
                $name,
                &["smallint"],
                "numeric",
                CombineStates,
                true,
                48.0,
            ),
            agg(
                $oid + 3,
                $name,
                &["real"],
                "double precision",
                CombineStates,
                true,
                128.0,
            ),
            agg(
                $oid + 4,
                $name,
                &["double precision"],
                "double precision",
                CombineStates,
                true,
                128.0,
            ),
            agg(
                $oid + 5,
                $name,
                &["numeric"],
                "numeric",
                CombineStates,
                true,
                128.0,
            ),
        ]
    };
}

const STDDEV: [Proc; 6] = moments!("stddev", 2154);
const STDDEV_SAMP: [Proc; 6] = moments!("stddev_samp", 2712);
const STDDEV_POP: [Proc; 6] = moments!("stddev_pop", 2724);
const VARIANCE: [Proc; 6] = moments!("variance", 2148);
const VAR_SAMP: [Proc; 6] = moments!("var_samp", 2641);
const VAR_POP: [Proc; 6] = moments!("var_pop", 2718);

const fn min_max(name: &'static str) -> [Proc; 13] {
    const fn one(
        name: &'static str,
        arg: &'static [&'static str],
        result: &'static str,
        space: f64,
    ) -> Proc {
        agg(0, name, arg, result, Reaggregate, false, space)
    }
    [
        one(name, &["anyarray"], "anyarray", 48.0),
        one(name, &["bigint"], "bigint", 0.0),
        one(name, &["character"], "character", 48.0),
        one(name, &["date"], "date", 0.0),
        one(name, &["double precision"], "double precision", 0.0),
        one(name, &["integer"], "integer", 0.0),
        one(name, &["interval"], "interval", 0.0),
        one(name, &["numeric"], "numeric", 48.0),
        one(name, &["real"], "real", 0.0),
        one(name, &["smallint"], "smallint", 0.0),
        one(name, &["text"], "text", 48.0),
        one(
            name,
            &["timestamp with time zone"],
            "timestamp with time zone",
            0.0,
        ),
        one(
            name,
            &["timestamp without time zone"],
            "timestamp without time zone",
            0.0,
        ),
    ]
}

const MIN: [Proc; 13] = min_max("min");
const MAX: [Proc; 13] = min_max("max");

const OTHER: &[Proc] = &[
    // Aggregates.
    agg(
        0,
        "array_agg",
        &["anyarray"],
        "anyarray",
        Concatenate("array_cat_agg"),
        true,
        8192.0,
    ),
    agg(
        0,
        "array_agg",
        &["anynonarray"],
        "anyarray",
        Concatenate("array_cat_agg"),
        true,
        8192.0,
    ),
    agg(0, "avg", &["bigint"], "numeric", Avg, true, 48.0),
    agg(
        0,
        "avg",
        &["double precision"],
        "double precision",
        Avg,
        true,
        48.0,
    ),
    agg(0, "avg", &["integer"], "numeric", Avg, true, 48.0),
    agg(0, "avg", &["interval"], "interval", Avg, true, 48.0),
    agg(0, "avg", &["numeric"], "numeric", Avg, true, 128.0),
    agg(0, "avg", &["real"], "double precision", Avg, true, 48.0),
    agg(0, "avg", &["smallint"], "numeric", Avg, true, 48.0),
    agg(
        0,
        "bool_and",
        &["boolean"],
        "boolean",
        Reaggregate,
        false,
        0.0,
    ),
    agg(
        0,
        "bool_or",
        &["boolean"],
        "boolean",
        Reaggregate,
        false,
        0.0,
    ),
    agg(0, "bit_and", &["bigint"], "bigint", Reaggregate, false, 0.0),
    agg(
        0,
        "bit_and",
        &["integer"],
        "integer",
        Reaggregate,
        false,
        0.0,
    ),
    agg(
        0,
        "bit_and",
        &["smallint"],
        "smallint",
        Reaggregate,
        false,
        0.0,
    ),
    agg(0, "bit_or", &["bigint"], "bigint", Reaggregate, false, 0.0),
    agg(
        0,
        "bit_or",
        &["integer"],
        "integer",
        Reaggregate,
        false,
        0.0,
    ),
    agg(
        0,
        "bit_or",
        &["smallint"],
        "smallint",
        Reaggregate,
        false,
        0.0,
    ),
    agg(0, "count", &[], "bigint", Count, false, 0.0),
    agg(0, "count", &["\"any\""], "bigint", Count, false, 0.0),
    agg(0, "every", &["boolean"], "boolean", Reaggregate, false, 0.0),
    agg(
        0,
        "json_agg",
        &["anyelement"],
        "json",
        Concatenate("json_cat_agg"),
        true,
        8192.0,
    ),
    agg(
        0,
        "jsonb_agg",
        &["anyelement"],
        "jsonb",
        Concatenate("jsonb_cat_agg"),
        true,
        8192.0,
    ),
    agg(
        0,
        "jsonb_object_agg",
        &["\"any\"", "\"any\""],
        "jsonb",
        Concatenate("jsonb_cat_agg"),
        true,
        8192.0,
    ),
    // PostgreSQL 15's string_agg has no combine function: Citus gathers the rows.
    agg(
        0,
        "string_agg",
        &["bytea", "bytea"],
        "bytea",
        GatherRows,
        true,
        8192.0,
    ),
    agg(
        0,
        "string_agg",
        &["text", "text"],
        "text",
        GatherRows,
        true,
        8192.0,
    ),
    agg(0, "sum", &["bigint"], "numeric", Sum, true, 48.0),
    agg(
        0,
        "sum",
        &["double precision"],
        "double precision",
        Sum,
        false,
        0.0,
    ),
    agg(0, "sum", &["integer"], "bigint", Sum, false, 0.0),
    agg(0, "sum", &["interval"], "interval", Sum, false, 0.0),
    agg(0, "sum", &["numeric"], "numeric", Sum, true, 128.0),
    agg(0, "sum", &["real"], "real", Sum, false, 0.0),
    agg(0, "sum", &["smallint"], "bigint", Sum, false, 0.0),
    // Citus's aggregates of distributed plans.
    citus_agg(
        "array_cat_agg",
        &["anycompatiblearray"],
        "anycompatiblearray",
    ),
    citus_agg(
        "coord_combine_agg",
        &["oid", "cstring", "anyelement"],
        "anyelement",
    ),
    citus_agg("json_cat_agg", &["json"], "json"),
    citus_agg("jsonb_cat_agg", &["jsonb"], "jsonb"),
    citus_agg("worker_partial_agg", &["oid", "anyelement"], "cstring"),
    // Functions.
    func("abs", &["bigint"], "bigint", Immutable),
    func("abs", &["double precision"], "double precision", Immutable),
    func("abs", &["integer"], "integer", Immutable),
    func("abs", &["numeric"], "numeric", Immutable),
    func("abs", &["real"], "real", Immutable),
    func("abs", &["smallint"], "smallint", Immutable),
    func("ascii", &["text"], "integer", Immutable),
    func("btrim", &["text"], "text", Immutable),
    func("btrim", &["text", "text"], "text", Immutable),
    func("ceil", &["double precision"], "double precision", Immutable),
    func("ceil", &["numeric"], "numeric", Immutable),
    func(
        "ceiling",
        &["double precision"],
        "double precision",
        Immutable,
    ),
    func("ceiling", &["numeric"], "numeric", Immutable),
    func("char_length", &["text"], "integer", Immutable),
    func("character_length", &["text"], "integer", Immutable),
    func("chr", &["integer"], "text", Immutable),
    func("clock_timestamp", &[], "timestamp with time zone", Volatile),
    func("concat", &["VARIADIC \"any\""], "text", Stable),
    // ROW(a, b): the row constructor's keyword form, parsed as a call.
    func("row", &["VARIADIC \"any\""], "record", Immutable),
    func("concat_ws", &["text", "VARIADIC \"any\""], "text", Stable),
    func("current_schema", &[], "name", Stable),
    func("currval", &["regclass"], "bigint", Volatile),
    func(
        "date_part",
        &["text", "date"],
        "double precision",
        Immutable,
    ),
    func(
        "date_part",
        &["text", "interval"],
        "double precision",
        Immutable,
    ),
    func(
        "date_part",
        &["text", "timestamp with time zone"],
        "double precision",
        Stable,
    ),
    func(
        "date_part",
        &["text", "timestamp without time zone"],
        "double precision",
        Immutable,
    ),
    func("date_trunc", &["text", "interval"], "interval", Immutable),
    func(
        "date_trunc",
        &["text", "timestamp with time zone"],
        "timestamp with time zone",
        Stable,
    ),
    func(
        "date_trunc",
        &["text", "timestamp without time zone"],
        "timestamp without time zone",
        Immutable,
    ),
    func("div", &["numeric", "numeric"], "numeric", Immutable),
    func("exp", &["double precision"], "double precision", Immutable),
    func("exp", &["numeric"], "numeric", Immutable),
    func("extract", &["text", "date"], "numeric", Immutable),
    func("extract", &["text", "interval"], "numeric", Immutable),
    func(
        "extract",
        &["text", "timestamp with time zone"],
        "numeric",
        Stable,
    ),
    func(
        "extract",
        &["text", "timestamp without time zone"],
        "numeric",
        Immutable,
    ),
    func(
        "floor",
        &["double precision"],
        "double precision",
        Immutable,
    ),
    func("floor", &["numeric"], "numeric", Immutable),
    func(
        "generate_series",
        &["bigint", "bigint"],
        "SETOF bigint",
        Immutable,
    ),
    func(
        "generate_series",
        &["bigint", "bigint", "bigint"],
        "SETOF bigint",
        Immutable,
    ),
    func(
        "generate_series",
        &["integer", "integer"],
        "SETOF integer",
        Immutable,
    ),
    func(
        "generate_series",
        &["integer", "integer", "integer"],
        "SETOF integer",
        Immutable,
    ),
    func(
        "generate_series",
        &["numeric", "numeric"],
        "SETOF numeric",
        Immutable,
    ),
    func(
        "generate_series",
        &["numeric", "numeric", "numeric"],
        "SETOF numeric",
        Immutable,
    ),
    func(
        "generate_series",
        &[
            "timestamp with time zone",
            "timestamp with time zone",
            "interval",
        ],
        "SETOF timestamp with time zone",
        Stable,
    ),
    func(
        "generate_series",
        &[
            "timestamp without time zone",
            "timestamp without time zone",
            "interval",
        ],
        "SETOF timestamp without time zone",
        Immutable,
    ),
    func("hashint4", &["integer"], "integer", Immutable),
    func("hashint8", &["bigint"], "integer", Immutable),
    func("hashtext", &["text"], "integer", Immutable),
    func("initcap", &["text"], "text", Immutable),
    func(
        "jsonb_array_elements",
        JSONB_ELEMENTS,
        "SETOF jsonb",
        Immutable,
    ),
    func(
        "jsonb_array_elements_text",
        &["from_json jsonb", "OUT value text"],
        "SETOF text",
        Immutable,
    ),
    func("jsonb_array_length", &["jsonb"], "integer", Immutable),
    func("jsonb_build_array", &[], "jsonb", Stable),
    func("jsonb_build_array", &["VARIADIC \"any\""], "jsonb", Stable),
    func("jsonb_build_object", &[], "jsonb", Stable),
    func("jsonb_build_object", &["VARIADIC \"any\""], "jsonb", Stable),
    func(
        "jsonb_each",
        &["from_json jsonb", "OUT key text", "OUT value jsonb"],
        "SETOF record",
        Immutable,
    ),
    func(
        "jsonb_each_text",
        &["from_json jsonb", "OUT key text", "OUT value text"],
        "SETOF record",
        Immutable,
    ),
    func("jsonb_object_keys", &["jsonb"], "SETOF text", Immutable),
    func("jsonb_pretty", &["jsonb"], "text", Immutable),
    func(
        "jsonb_set",
        &[
            "jsonb_in jsonb",
            "path text[]",
            "replacement jsonb",
            "create_if_missing boolean DEFAULT true",
        ],
        "jsonb",
        Immutable,
    ),
    func("jsonb_strip_nulls", &["jsonb"], "jsonb", Immutable),
    func("jsonb_typeof", &["jsonb"], "text", Immutable),
    func("left", &["text", "integer"], "text", Immutable),
    func("length", &["text"], "integer", Immutable),
    func("ln", &["double precision"], "double precision", Immutable),
    func("ln", &["numeric"], "numeric", Immutable),
    func("log", &["double precision"], "double precision", Immutable),
    func("log", &["numeric"], "numeric", Immutable),
    func("log", &["numeric", "numeric"], "numeric", Immutable),
    func("lower", &["text"], "text", Immutable),
    func("lpad", &["text", "integer"], "text", Immutable),
    func("lpad", &["text", "integer", "text"], "text", Immutable),
    func("ltrim", &["text"], "text", Immutable),
    func("ltrim", &["text", "text"], "text", Immutable),
    func("md5", &["text"], "text", Immutable),
    func("mod", &["bigint", "bigint"], "bigint", Immutable),
    func("mod", &["integer", "integer"], "integer", Immutable),
    func("mod", &["numeric", "numeric"], "numeric", Immutable),
    func("mod", &["smallint", "smallint"], "smallint", Immutable),
    func("nextval", &["regclass"], "bigint", Volatile),
    func("now", &[], "timestamp with time zone", Stable),
    func("octet_length", &["text"], "integer", Immutable),
    func("overlay", &["text", "text", "integer"], "text", Immutable),
    func(
        "overlay",
        &["text", "text", "integer", "integer"],
        "text",
        Immutable,
    ),
    func("pg_typeof", &["\"any\""], "regtype", Stable),
    // Streaming replication: answered by the node the statement runs on.
    func("pg_is_in_recovery", &[], "boolean", Volatile),
    func("pg_current_wal_lsn", &[], "pg_lsn", Volatile),
    func("pg_current_wal_insert_lsn", &[], "pg_lsn", Volatile),
    func("pg_current_wal_flush_lsn", &[], "pg_lsn", Volatile),
    func("pg_last_wal_receive_lsn", &[], "pg_lsn", Volatile),
    func("pg_last_wal_replay_lsn", &[], "pg_lsn", Volatile),
    func(
        "pg_wal_lsn_diff",
        &["pg_lsn", "pg_lsn"],
        "numeric",
        Immutable,
    ),
    func(
        "pg_promote",
        &[
            "wait boolean DEFAULT true",
            "wait_seconds integer DEFAULT 60",
        ],
        "boolean",
        Volatile,
    ),
    func("pi", &[], "double precision", Immutable),
    func("position", &["text", "text"], "integer", Immutable),
    func(
        "pow",
        &["double precision", "double precision"],
        "double precision",
        Immutable,
    ),
    func("pow", &["numeric", "numeric"], "numeric", Immutable),
    func(
        "power",
        &["double precision", "double precision"],
        "double precision",
        Immutable,
    ),
    func("power", &["numeric", "numeric"], "numeric", Immutable),
    func("quote_ident", &["text"], "text", Immutable),
    func("quote_literal", &["anyelement"], "text", Stable),
    func("quote_literal", &["text"], "text", Immutable),
    func("random", &[], "double precision", Volatile),
    func("repeat", &["text", "integer"], "text", Immutable),
    func("replace", &["text", "text", "text"], "text", Immutable),
    func("reverse", &["text"], "text", Immutable),
    func("right", &["text", "integer"], "text", Immutable),
    func(
        "round",
        &["double precision"],
        "double precision",
        Immutable,
    ),
    func("round", &["numeric"], "numeric", Immutable),
    func("round", &["numeric", "integer"], "numeric", Immutable),
    func("rpad", &["text", "integer"], "text", Immutable),
    func("rpad", &["text", "integer", "text"], "text", Immutable),
    func("rtrim", &["text"], "text", Immutable),
    func("rtrim", &["text", "text"], "text", Immutable),
    func("setval", &["regclass", "bigint"], "bigint", Volatile),
    func(
        "setval",
        &["regclass", "bigint", "boolean"],
        "bigint",
        Volatile,
    ),
    func("sign", &["double precision"], "double precision", Immutable),
    func("sign", &["numeric"], "numeric", Immutable),
    func(
        "split_part",
        &["text", "text", "integer"],
        "text",
        Immutable,
    ),
    func("sqrt", &["double precision"], "double precision", Immutable),
    func("sqrt", &["numeric"], "numeric", Immutable),
    func("starts_with", &["text", "text"], "boolean", Immutable),
    func(
        "statement_timestamp",
        &[],
        "timestamp with time zone",
        Stable,
    ),
    func("strpos", &["text", "text"], "integer", Immutable),
    func("substr", &["text", "integer"], "text", Immutable),
    func("substr", &["text", "integer", "integer"], "text", Immutable),
    func("substring", &["text", "integer"], "text", Immutable),
    func(
        "substring",
        &["text", "integer", "integer"],
        "text",
        Immutable,
    ),
    func("substring", &["text", "text"], "text", Immutable),
    func("timeofday", &[], "text", Volatile),
    func(
        "transaction_timestamp",
        &[],
        "timestamp with time zone",
        Stable,
    ),
    func(
        "trunc",
        &["double precision"],
        "double precision",
        Immutable,
    ),
    func("trunc", &["numeric"], "numeric", Immutable),
    func("trunc", &["numeric", "integer"], "numeric", Immutable),
    func("to_jsonb", &["anyelement"], "jsonb", Stable),
    func("unnest", &["anyarray"], "SETOF anyelement", Immutable),
    func("upper", &["text"], "text", Immutable),
    func("version", &[], "text", Stable),
    // Citus: utilities the coordinator runs.
    citus("citus_add_node", ADD_NODE, "integer", COORD),
    citus("citus_remove_node", REMOVE_NODE, "void", COORD),
    citus(
        "citus_disable_node",
        &[
            "nodename text",
            "nodeport integer",
            "synchronous boolean DEFAULT false",
        ],
        "void",
        COORD,
    ),
    citus("citus_activate_node", REMOVE_NODE, "integer", COORD),
    citus(
        "citus_update_node",
        &[
            "node_id integer",
            "new_node_name text",
            "new_node_port integer",
            "force boolean DEFAULT false",
            "lock_cooldown integer DEFAULT 10000",
        ],
        "void",
        COORD,
    ),
    citus(
        "replicate_reference_tables",
        &["shard_transfer_mode citus.shard_transfer_mode DEFAULT 'auto'::citus.shard_transfer_mode"],
        "void",
        COORD,
    ),
    citus(
        "citus_set_coordinator_host",
        &[
            "host text",
            "port integer DEFAULT current_setting('port'::text)::integer",
            "node_role noderole DEFAULT 'primary'::noderole",
            "node_cluster name DEFAULT 'default'::name",
        ],
        "void",
        COORD,
    ),
    citus(
        "create_distributed_table",
        &[
            "table_name regclass",
            "distribution_column text",
            "distribution_type citus.distribution_type DEFAULT 'hash'::citus.distribution_type",
            "colocate_with text DEFAULT 'default'::text",
            "shard_count integer DEFAULT NULL::integer",
        ],
        "void",
        COORD,
    ),
    citus(
        "create_reference_table",
        &["table_name regclass"],
        "void",
        COORD,
    ),
    citus("master_add_node", ADD_NODE, "integer", COORD),
    citus("master_remove_node", REMOVE_NODE, "void", COORD),
    citus("pg_reload_conf", &[], "boolean", COORD),
    citus("recover_prepared_transactions", &[], "integer", COORD),
    citus(
        "truncate_local_data_after_distributing_table",
        &["function_name regclass"],
        "void",
        COORD,
    ),
    citus(
        "undistribute_table",
        &[
            "table_name regclass",
            "cascade_via_foreign_keys boolean DEFAULT false",
        ],
        "void",
        COORD,
    ),
    // Citus: functions answered from the cluster's metadata.
    citus(
        "citus_get_active_worker_nodes",
        ACTIVE_WORKERS,
        "SETOF record",
        CITUS,
    ),
    citus("citus_version", &[], "text", CITUS),
    citus(
        "create_time_partitions",
        &[
            "table_name regclass",
            "partition_interval interval",
            "end_at timestamp with time zone",
            "start_from timestamp with time zone DEFAULT now()",
        ],
        "boolean",
        COORD,
    ),
    citus(
        "get_missing_time_partition_ranges",
        &[
            "table_name regclass",
            "partition_interval interval",
            "to_value timestamp with time zone",
            "from_value timestamp with time zone DEFAULT now()",
        ],
        "TABLE(partition_name text, range_from_value text, range_to_value text)",
        CITUS,
    ),
    citus(
        "column_to_column_name",
        &["table_name regclass", "column_var_text text"],
        "text",
        CITUS,
    ),
    citus(
        "shard_name",
        &["object_name regclass", "shard_id bigint"],
        "text",
        CITUS,
    ),
    citus(
        "shard_name",
        &[
            "object_name regclass",
            "shard_id bigint",
            "skip_qualify_public boolean",
        ],
        "text",
        CITUS,
    ),
    citus(
        "get_shard_id_for_distribution_column",
        &[
            "table_name regclass",
            "distribution_value \"any\" DEFAULT NULL::unknown",
        ],
        "bigint",
        CITUS,
    ),
    citus(
        "lock_shard_resources",
        &["lock_mode integer", "shard_id bigint[]"],
        "void",
        CITUS,
    ),
    citus(
        "master_get_active_worker_nodes",
        ACTIVE_WORKERS,
        "SETOF record",
        CITUS,
    ),
    citus(
        "run_command_on_all_nodes",
        &[
            "command text",
            "parallel boolean DEFAULT true",
            "give_warning_for_connection_errors boolean DEFAULT false",
            "OUT nodeid integer",
            "OUT success boolean",
            "OUT result text",
        ],
        "SETOF record",
        CITUS,
    ),
    citus(
        "run_command_on_coordinator",
        &[
            "command text",
            "give_warning_for_connection_errors boolean DEFAULT false",
            "OUT nodeid integer",
            "OUT success boolean",
            "OUT result text",
        ],
        "SETOF record",
        CITUS,
    ),
    citus(
        "run_command_on_placements",
        &[
            "table_name regclass",
            "command text",
            "parallel boolean DEFAULT true",
            "OUT nodename text",
            "OUT nodeport integer",
            "OUT shardid bigint",
            "OUT success boolean",
            "OUT result text",
        ],
        "SETOF record",
        CITUS,
    ),
    citus(
        "run_command_on_shards",
        &[
            "table_name regclass",
            "command text",
            "parallel boolean DEFAULT true",
            "OUT shardid bigint",
            "OUT success boolean",
            "OUT result text",
        ],
        "SETOF record",
        CITUS,
    ),
    citus(
        "run_command_on_workers",
        &[
            "command text",
            "parallel boolean DEFAULT true",
            "OUT nodename text",
            "OUT nodeport integer",
            "OUT success boolean",
            "OUT result text",
        ],
        "SETOF record",
        CITUS,
    ),
];

/// Every row, in one slice.
pub static PROCS: std::sync::LazyLock<Vec<Proc>> = std::sync::LazyLock::new(|| {
    [
        &STDDEV[..],
        &STDDEV_SAMP,
        &STDDEV_POP,
        &VARIANCE,
        &VAR_SAMP,
        &VAR_POP,
        &MIN,
        &MAX,
        OTHER,
    ]
    .concat()
});

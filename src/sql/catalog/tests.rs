use super::*;

const NUMERIC: SqlType = SqlType::Numeric {
    precision: None,
    scale: None,
};

#[test]
fn statistics_aggregates_follow_their_input_type() {
    assert_eq!(result_type("stddev", &[SqlType::Int4]), Some(NUMERIC));
    assert_eq!(result_type("var_pop", &[SqlType::Int8]), Some(NUMERIC));
    assert_eq!(
        result_type("variance", &[SqlType::Float8]),
        Some(SqlType::Float8)
    );
    assert_eq!(
        result_type("stddev_samp", &[SqlType::Float4]),
        Some(SqlType::Float8)
    );
    assert_eq!(
        aggregate("stddev").map(|a| a.distribute),
        Some(Distribute::CombineStates)
    );
}

#[test]
fn overloads_resolve_as_postgres_does() {
    assert_eq!(result_type("sum", &[SqlType::Int4]), Some(SqlType::Int8));
    assert_eq!(result_type("sum", &[SqlType::Int8]), Some(NUMERIC));
    assert_eq!(
        result_type("round", &[SqlType::Int4]),
        Some(SqlType::Float8)
    );
    assert_eq!(
        result_type("round", &[NUMERIC, SqlType::Int4]),
        Some(NUMERIC)
    );
    assert_eq!(
        result_type("round", &[SqlType::Float8]),
        Some(SqlType::Float8)
    );
    assert_eq!(
        result_type("array_agg", &[SqlType::Int4]),
        Some(SqlType::Array(Box::new(SqlType::Int4)))
    );
    assert_eq!(
        result_type("unnest", &[SqlType::Array(Box::new(SqlType::Int8))]),
        Some(SqlType::Int8)
    );
    assert_eq!(result_type("max", &[SqlType::Unknown]), Some(SqlType::Text));
    assert_eq!(result_type("lower", &[SqlType::Int4]), None);
}

#[test]
fn arguments_are_read_without_names_and_defaults() {
    let p = overloads("create_distributed_table")
        .next()
        .expect("listed");
    let types: Vec<&str> = p.arg_types().collect();
    assert_eq!(
        types,
        [
            "regclass",
            "text",
            "citus.distribution_type",
            "text",
            "integer"
        ]
    );
    assert!(runs_on("create_distributed_table", RunsOn::Coordinator));
    let p = overloads("date_part").last().expect("listed");
    assert_eq!(p.arg_types().last(), Some("timestamp without time zone"));
}

#[test]
fn volatility_and_syntax_forms() {
    assert!(is_unstable("random") && is_unstable("now") && is_unstable("current_date"));
    assert!(!is_unstable("lower"));
    assert!(exists("coalesce") && exists("stddev") && !exists("no_such_function"));
    assert!(is_aggregate("json_agg") && !is_aggregate("lower"));
}

#[test]
fn every_aggregate_name_is_only_an_aggregate() {
    for p in PROCS.iter() {
        let aggregate = matches!(p.kind, Kind::Aggregate(_));
        assert!(
            overloads(p.name).all(|q| matches!(q.kind, Kind::Aggregate(_)) == aggregate),
            "{}",
            p.name
        );
        for t in p.arg_types() {
            assert!(!t.is_empty() && !t.contains("DEFAULT"), "{} {t}", p.name);
        }
    }
}

#[test]
fn citus_state_aggregates_keep_the_result_type() {
    let state = SqlType::Array(Box::new(NUMERIC));
    assert_eq!(
        result_type("worker_partial_agg", &[SqlType::Unknown, SqlType::Int4]),
        Some(state.clone())
    );
    assert_eq!(
        result_type(
            "coord_combine_agg",
            &[SqlType::Unknown, state, SqlType::Float8]
        ),
        Some(SqlType::Float8)
    );
}

#[test]
fn created_functions_join_the_catalog_only_while_their_node_works() {
    let mut db = crate::sql::Database::new();
    let host = crate::sql::PlainHost {
        now: chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default(),
    };
    let created = db.execute_sql(
        "CREATE FUNCTION twice(x int) RETURNS int LANGUAGE sql AS $$ SELECT x * 2 $$",
        &host,
    );
    assert!(created.is_ok(), "{created:?}");
    assert!(!exists("twice"), "no node is at work");
    {
        let _active = db.functions.activate();
        assert_eq!(result_type("twice", &[SqlType::Int4]), Some(SqlType::Int4));
        assert!(resolve("twice", &[SqlType::Text]).is_none());
    }
    assert!(!exists("twice"));
    let other = crate::sql::Database::new();
    let _active = other.functions.activate();
    assert!(!exists("twice"), "another node has its own functions");
}

#[test]
fn bit_aggregates_keep_their_input_type() {
    assert_eq!(
        result_type("bit_and", &[SqlType::Int2]),
        Some(SqlType::Int2)
    );
    assert_eq!(result_type("bit_or", &[SqlType::Int8]), Some(SqlType::Int8));
    assert_eq!(
        aggregate("bit_or").map(|a| a.distribute),
        Some(Distribute::Reaggregate)
    );
}

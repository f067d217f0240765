use super::*;

fn j(text: &str) -> Jsonb {
    Jsonb::parse(text).unwrap_or(Jsonb::Null)
}

fn path(steps: &[&str]) -> Vec<Option<String>> {
    steps.iter().map(|s| Some(s.to_string())).collect()
}

#[test]
fn concatenation_follows_postgres() {
    let cat = |a: &str, b: &str| concat(j(a), j(b)).map(|v| v.to_text()).unwrap_or_default();
    assert_eq!(cat(r#"{"a":1,"b":2}"#, r#"{"b":3}"#), r#"{"a": 1, "b": 3}"#);
    assert_eq!(cat("[1]", "[2]"), "[1, 2]");
    assert_eq!(cat(r#"{"a":"b"}"#, "42"), r#"[{"a": "b"}, 42]"#);
    assert_eq!(cat("1", "2"), "[1, 2]");
}

#[test]
fn set_path_replaces_creates_and_appends() {
    let set = |doc: &str, p: &[&str], new: &str, create: bool| {
        set_path(j(doc), &path(p), 0, &j(new), create)
            .map(|v| v.to_text())
            .unwrap_or_else(|e| e.into_fields().message)
    };
    assert_eq!(
        set(r#"{"a":[1,2]}"#, &["a", "0"], "9", true),
        r#"{"a": [9, 2]}"#
    );
    assert_eq!(
        set(r#"{"a":[1,2]}"#, &["a", "5"], "9", true),
        r#"{"a": [1, 2, 9]}"#
    );
    assert_eq!(
        set(r#"{"a":[1,2]}"#, &["a", "-5"], "9", true),
        r#"{"a": [9, 1, 2]}"#
    );
    assert_eq!(set(r#"{"a":1}"#, &["b"], "2", false), r#"{"a": 1}"#);
    assert_eq!(
        set(r#"{"a":[1]}"#, &["a", "x"], "2", true),
        r#"path element at position 2 is not an integer: "x""#
    );
}

#[test]
fn deletion_by_key_index_and_path() {
    let text = |r: PgResult<Jsonb>| {
        r.map(|v| v.to_text())
            .unwrap_or_else(|e| e.into_fields().message)
    };
    assert_eq!(
        text(delete_keys(j(r#"["a","b","a"]"#), &["a".into()])),
        r#"["b"]"#
    );
    assert_eq!(text(delete_index(j("[1,2,3]"), -1)), "[1, 2]");
    assert_eq!(
        text(delete_index(j("{}"), 0)),
        "cannot delete from object using integer index"
    );
    assert_eq!(
        text(delete_path(
            j(r#"{"a":{"b":1,"c":2}}"#),
            &path(&["a", "b"]),
            0
        )),
        r#"{"a": {"c": 2}}"#
    );
}

#[test]
fn json_operators_return_members_as_written() {
    let v = json_operator(
        r#"{"a": [1,  2], "b": "x"}"#,
        &BinaryOperator::Arrow,
        &Value::Text("a".into()),
    );
    assert!(matches!(v, Some(Ok(Value::Json(t))) if t == "[1,  2]"));
    let v = json_operator(
        r#"{"a": [1,  2], "b": "x"}"#,
        &BinaryOperator::LongArrow,
        &Value::Text("b".into()),
    );
    assert!(matches!(v, Some(Ok(Value::Text(t))) if t == "x"));
}

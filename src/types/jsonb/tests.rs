use super::*;

fn j(text: &str) -> Jsonb {
    Jsonb::parse(text).unwrap_or_else(|e| panic!("{text}: {}", e.message))
}

fn detail(text: &str) -> (String, String) {
    let e = Jsonb::parse(text)
        .err()
        .unwrap_or_else(|| PgError::internal("parsed"))
        .into_fields();
    (
        e.detail.unwrap_or_default(),
        e.context.map(|c| c.to_string()).unwrap_or_default(),
    )
}

#[test]
fn output_is_normalised_like_jsonb_out() {
    assert_eq!(
        j(r#"{"b":[1,2.50,1e3],"aa":true,"a":null,"b":-0}"#).to_text(),
        r#"{"a": null, "b": 0, "aa": true}"#
    );
    assert_eq!(
        j(r#" [ "x\n\u00e9" , {} , [] ] "#).to_text(),
        r#"["x\né", {}, []]"#
    );
    assert_eq!(j("1E-2").to_text(), "0.01");
}

#[test]
fn input_errors_carry_postgres_details() {
    assert_eq!(
        detail(r#"{"a":1, x}"#),
        (
            r#"Token "x" is invalid."#.into(),
            r#"JSON data, line 1: {"a":1, x..."#.into()
        )
    );
    assert_eq!(detail("[1,").0, "The input string ended unexpectedly.");
    assert_eq!(detail("[1,]").0, r#"Expected JSON value, but found "]"."#);
    assert_eq!(detail("01").0, r#"Token "01" is invalid."#);
    assert_eq!(detail(r#"{"a" 1}"#).0, r#"Expected ":", but found "1"."#);
    assert_eq!(detail("1 2").0, r#"Expected end of input, but found "2"."#);
    assert_eq!(
        detail(r#"{1:2}"#).0,
        r#"Expected string or "}", but found "1"."#
    );
}

#[test]
fn btree_order_follows_jsonb() {
    let sorted = [
        "[]",
        "null",
        r#""b""#,
        "1",
        "2.0",
        "false",
        "true",
        "[1]",
        "[2]",
        "[1, 2]",
        "{}",
        r#"{"a": 1}"#,
        r#"{"b": 0}"#,
        r#"{"a": 1, "b": 2}"#,
    ];
    for w in sorted.windows(2) {
        assert_eq!(
            j(w[0]).total_cmp(&j(w[1])),
            Ordering::Less,
            "{} < {}",
            w[0],
            w[1]
        );
    }
    assert_eq!(j("1.0").total_cmp(&j("1")), Ordering::Equal);
    assert_eq!(j(r#"{"a":1.0}"#).canonical(), j(r#"{"a":1}"#).canonical());
}

#[test]
fn containment_and_existence() {
    assert!(j(r#"{"a":1,"b":{"c":[1,2]}}"#).contains(&j(r#"{"b":{"c":[2]}}"#)));
    assert!(!j(r#"{"a":1}"#).contains(&j(r#"{"a":"1"}"#)));
    assert!(j(r#"["a","b"]"#).contains(&j(r#""a""#)));
    assert!(!j(r#""a""#).contains(&j(r#"["a"]"#)));
    assert!(j(r#"["a",{"k":1}]"#).has_key("a") && !j(r#"[{"a":1}]"#).has_key("a"));
}

#[test]
fn pretty_indents_four_spaces() {
    assert_eq!(
        j(r#"{"a":[1,{}],"b":[]}"#).pretty(),
        "{\n    \"a\": [\n        1,\n        {}\n    ],\n    \"b\": []\n}"
    );
}

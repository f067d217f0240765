use shardscope::hashing::*;
use shardscope::types::{SqlType, Value};

/// A small RFC 4180 reader: quoted fields may hold commas, `""` and newlines; whitespace is kept.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                any = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            _ => field.push(c),
        }
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn csv_parser_handles_quotes_and_newlines() {
    let rows = parse_csv("a,b\n\"x,y\",\" q\"\"\n\"\n,\n");
    assert_eq!(rows[1], vec!["x,y".to_string(), " q\"\n".to_string()]);
    assert_eq!(rows[2], vec![String::new(), String::new()]);
}

#[test]
fn every_pg_hash_vector_matches() {
    let rows = parse_csv(&fixture("pg_hash_vectors.csv"));
    assert_eq!(rows[0], vec!["type", "input", "hash"]);
    let mut checked = 0;
    for row in &rows[1..] {
        let expected: i32 = row[2].parse().unwrap();
        let got = match row[0].as_str() {
            "hashint4" => hashint4(row[1].parse().unwrap()),
            "hashint8" => hashint8(row[1].parse().unwrap()),
            "hashtext" => hashtext(&row[1]),
            other => panic!("unknown type {other}"),
        };
        assert_eq!(got, expected, "{}({:?})", row[0], row[1]);
        checked += 1;
    }
    assert_eq!(checked, 2735);
}

#[test]
fn every_citus_shard_range_matches() {
    let rows = parse_csv(&fixture("citus_shard_ranges.csv"));
    let mut checked = 0;
    for row in &rows[1..] {
        let n: u32 = row[0].parse().unwrap();
        let i: usize = row[1].parse().unwrap();
        let min: i32 = row[2].parse().unwrap();
        let max: i32 = row[3].parse().unwrap();
        let ranges = shard_ranges(n);
        assert_eq!(ranges.len(), n as usize);
        assert_eq!(ranges[i], (min, max), "shard {i} of {n}");
        assert_eq!(shard_index_for_hash(min, n), i);
        assert_eq!(shard_index_for_hash(max, n), i);
        checked += 1;
    }
    assert_eq!(checked, 365);
}

#[test]
fn typed_hashes() {
    assert_eq!(hashint8(4294967296), hashint8(1));
    assert_eq!(hashint8(5), hashint4(5));
    assert_eq!(
        hash_for_type(&Value::Text("ab  ".into()), &SqlType::Char(4)).unwrap(),
        hashtext("ab")
    );
    assert_eq!(
        hash_for_type(&Value::Int4(7), &SqlType::Int4).unwrap(),
        hashint4(7)
    );
}

#!/usr/bin/env python3
"""Citus's own regression tests as a yardstick: how many of their statements ShardScope answers
exactly as Citus's expected output says.

    scripts/citus-yardstick.py CITUS_GIT_DIR [--tag v13.2.2] [--binary target/release/shardscope]
                               [--max-bytes 6000] [--show NAME]

CITUS_GIT_DIR is a clone (or bare mirror) of citusdata/citus; nothing of it is copied here. The
scripts measured are those of src/test/regress/sql under --max-bytes that create their own
schema and need nothing ShardScope cannot be: failure injection, columnar storage, isolation
tests, or psql connections to other ports. Each runs through the command-line runner with psql's
QUIET on (as pg_regress runs psql); both outputs are normalized as Citus's normalize.sed does
for what matters here (header rules, worker ports, trailing spaces) and compared statement by
statement. Not part of the test run: Citus's sources are not in this repository.
"""

import argparse
import re
import subprocess
import sys

EXCLUDED = re.compile(r"mitm|failure|columnar|isolation|citus_stat_tenants", re.I)
OWN_SCHEMA = re.compile(r"^\s*create\s+schema", re.I | re.M)
OTHER_PORT = re.compile(r"^\\c(onnect)?\s.*(port|:worker|:master|:follower)", re.I | re.M)
PORTS = {"9700": "57636", "9701": "57637", "9702": "57638"}
PRELUDE = [
    "\\set QUIET on",
    "\\set master_port 9700",
    "\\set worker_1_port 9701",
    "\\set worker_2_port 9702",
]


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True).stdout


def scripts(repo, tag, max_bytes):
    listing = git(repo, "ls-tree", "-l", f"{tag}:src/test/regress/sql").decode()
    for line in listing.splitlines():
        meta, name = line.split("\t")
        size = meta.split()[3]
        if not name.endswith(".sql") or not size.isdigit() or int(size) > max_bytes:
            continue
        sql = git(repo, "show", f"{tag}:src/test/regress/sql/{name}").decode("utf-8", "replace")
        if EXCLUDED.search(name) or EXCLUDED.search(sql):
            continue
        if not OWN_SCHEMA.search(sql) or OTHER_PORT.search(sql):
            continue
        stem = name[: -len(".sql")]
        try:
            out = git(repo, "show", f"{tag}:src/test/regress/expected/{stem}.out")
        except subprocess.CalledProcessError:
            continue
        yield stem, sql, out.decode("utf-8", "replace")


def normalize(line):
    # pg_regress feeds psql through a redirect, which puts no `psql:<stdin>:N: ` before
    # messages; the command-line runner reads standard input as `psql -f -` does.
    line = re.sub(r"^psql:<stdin>:[0-9]+: ", "", line.rstrip())
    if re.fullmatch(r"-+(\+-+)*", line):
        return "-" * 69
    for ours, theirs in PORTS.items():
        line = line.replace(f":{ours}", f":{theirs}").replace(f"port={ours}", f"port={theirs}")
        line = re.sub(rf"\b{ours}\b", theirs, line)
    return line


def answers(input_lines, output):
    """The output of each statement, found by the echoed input lines that anchor it: what lies
    between the line that ends a statement and the next echoed line is that statement's."""
    out = [normalize(l) for l in output.splitlines()]
    found = {}
    pos = 0
    current = None
    for n, line in enumerate(input_lines):
        want = normalize(line)
        # A blank line would anchor on any blank line of a result.
        if not want:
            continue
        at = pos
        while at < len(out) and out[at] != want:
            at += 1
        if at == len(out):
            continue
        if current is not None:
            found[current] = chunk(out[pos:at])
        pos = at + 1
        stripped = line.strip()
        ends = stripped.endswith(";") or stripped.startswith("\\")
        current = n if ends else None
    if current is not None:
        found[current] = chunk(out[pos:])
    return found


def chunk(lines):
    """A statement's output; blank lines (echoed from the script or not) do not count."""
    return "\n".join(l for l in lines if l)


def statements(input_lines):
    return [
        n
        for n, line in enumerate(input_lines)
        if (s := line.strip()) and not s.startswith("--") and (s.endswith(";") or s.startswith("\\"))
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("citus")
    ap.add_argument("--tag", default="v13.2.2")
    ap.add_argument("--binary", default="target/release/shardscope")
    ap.add_argument("--max-bytes", type=int, default=6000)
    ap.add_argument("--show", help="print the differing statements of this script")
    args = ap.parse_args()
    total = same = 0
    rows = []
    for stem, sql, expected in scripts(args.citus, args.tag, args.max_bytes):
        lines = sql.splitlines()
        script = "\n".join(PRELUDE + lines) + "\n"
        try:
            run = subprocess.run(
                [args.binary], input=script.encode(), capture_output=True, timeout=120
            )
            ours = run.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            ours = ""
        ours = "\n".join(ours.splitlines()[len(PRELUDE) :])
        theirs, mine = answers(lines, expected), answers(lines, ours)
        stmts = [n for n in statements(lines) if n in theirs]
        ok = [n for n in stmts if mine.get(n) == theirs[n]]
        total += len(stmts)
        same += len(ok)
        rows.append((stem, len(ok), len(stmts)))
        if args.show == stem:
            for n in stmts:
                if n not in ok:
                    print(f"--- {lines[n]}\nexpected:\n{theirs[n]}\nshardscope:\n{mine.get(n)}\n")
    for stem, ok, n in sorted(rows, key=lambda r: (r[1] - r[2], r[0])):
        print(f"{stem:60} {ok:4}/{n}")
    print(f"{len(rows)} scripts: {same} of {total} statements reproduce exactly")


if __name__ == "__main__":
    sys.exit(main())

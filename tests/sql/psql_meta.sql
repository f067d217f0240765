-- psql meta-commands that need no cluster
\set greeting 'hello  world'
\echo :greeting :'greeting' :"greeting" :missing
\echo -n no newline
\echo
\x
\x off
\x auto
\timing off
\unset greeting
\echo :greeting
\foo bar
\pset null '(null)'

#!/usr/bin/env bash
# The SQLite rebuild's image load, replayed by the sqlite3 CLI (the libsqlite3 GRDB links):
# a 1M-row image table made of 10 interleaved copies of a 100k index's rows (paths prefixed
# per copy, so consecutive rows land all over the path index, as the 1M manifest's do), then
# loaded into a staging file (no journal, no syncing, the path's unique index in place) in
# transactions of BATCH rows with a page cache of CACHE KiB. Prints user, system and wall time.
#   Benchmarks/sqlite_upsert_cost.sh INDEX_100K.sqlite CACHE_KIB BATCH
#   e.g. 2000 2000 (before 135f42f) and 65536 1000000 (SQLiteBulkLoad.insert(batches:))
set -euo pipefail
src=$1 cache=$2 batch=$3
work="${TMPDIR:-/tmp}/imgeda-upsert-cost"
mkdir -p "$work"
table="$work/image_table.sql" rows="$work/rows-1m.db" out="$work/staging-$cache-$batch.db"
sqlite3 "$src" ".schema image" | sed '/^CREATE INDEX/,$d' >"$table"
if [ ! -f "$rows" ]; then
  cols=$(sqlite3 "$src" "SELECT group_concat(name, ', ') FROM pragma_table_info('image') WHERE name NOT IN ('id', 'lib_path')")
  sqlite3 "$rows" <"$table"
  sqlite3 "$rows" "ATTACH '$src' AS s; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
    CREATE TEMP TABLE k(c INTEGER); INSERT INTO k VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
    INSERT INTO image (lib_path, $cols) SELECT 'c' || k.c || '/' || s.image.lib_path, $cols FROM s.image, k ORDER BY s.image.id, k.c;" >/dev/null
fi
n=$(sqlite3 "$rows" "SELECT max(id) FROM image")
rm -f "$out"
{
  echo "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -$cache;"
  cat "$table"
  echo "ATTACH '$rows' AS s;"
  for ((a = 1; a <= n; a += batch)); do
    echo "BEGIN; INSERT INTO main.image SELECT * FROM s.image WHERE id BETWEEN $a AND $((a + batch - 1)); COMMIT;"
  done
} >"$work/load.sql"
/usr/bin/time -f "cache $cache KiB, $batch rows a transaction: %U s user, %S s system, %e s wall, %M KB peak" \
  sqlite3 "$out" <"$work/load.sql" >/dev/null
rm -f "$out"

#!/bin/sh
# Runs schemathesis against a live `imgeda serve`: every operation of /openapi.yaml with
# generated inputs (bounded), checking for server errors and responses that break the schema.
# Usage: schemathesis.sh PYTHON BASE_URL CSRF_TOKEN
set -e
PYTHON=$1
BASE=$2
CSRF=$3
exec "$PYTHON" -m schemathesis.cli run "$BASE/openapi.yaml" --url "$BASE" --seed 1 \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
  -n 25 -H "X-CSRF-Token: $CSRF" -H "Origin: $BASE" --exclude-path /api/jobs/events \
  --no-color

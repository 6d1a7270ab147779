#!/bin/sh
# The image's entrypoint. Outside Lambda (no AWS_LAMBDA_RUNTIME_API) it is plain imgeda:
#   docker run imgeda scan /data --shard 1/8 -o /out/part-1.jsonl
# Inside Lambda it is a custom runtime (the Lambda runtime API's documented loop): fetch an
# event, run the step it names, post the result, repeat. Events come from the state machine
# in deploy/aws/imgeda-scan.yaml:
#   {"step":"scan", "Items":[{"Key":…},…], "BatchInput":{"bucket","prefix","output","run"}}
#   {"step":"merge"|"summary"|"report", "output":"s3://bucket/runs/RUN"}
# Everything a run makes lands under that output: parts/, manifest.jsonl, report.html.
set -eu

if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    exec /usr/local/bin/imgeda "$@"
fi

api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
tmp="${TMPDIR:-/tmp}"
while true; do
    headers="$tmp/headers"
    curl -sS -D "$headers" -o "$tmp/event.json" "$api/invocation/next"
    request=$(grep -i '^lambda-runtime-aws-request-id:' "$headers" | tr -d '\r' | cut -d' ' -f2)
    step=$(jq -r '.step // "scan"' "$tmp/event.json")
    status=0
    case "$step" in
        scan)
            # One batch of keys from the Distributed Map's ItemBatcher: scan exactly those keys
            # into a part named after the batch's first key (unique, and the same on a retry,
            # so a retried batch replaces its part instead of adding one).
            bucket=$(jq -r '.BatchInput.bucket' "$tmp/event.json")
            prefix=$(jq -r '.BatchInput.prefix // ""' "$tmp/event.json")
            output=$(jq -r '.BatchInput.output' "$tmp/event.json")
            # Keys relative to the scanned prefix, as --keys-from reads them.
            jq -r --arg p "$prefix" '.Items[].Key | ltrimstr($p)' "$tmp/event.json" > "$tmp/keys.txt"
            part=$(head -n 1 "$tmp/keys.txt" | sha256sum | cut -c1-16)
            /usr/local/bin/imgeda scan "s3://$bucket/$prefix" --keys-from "$tmp/keys.txt" \
                -o "$output/parts/$part.jsonl" --workers 2 --quiet > "$tmp/out.txt" 2>&1 || status=$?
            ;;
        merge)
            output=$(jq -r '.output' "$tmp/event.json")
            /usr/local/bin/imgeda merge "$output/parts/" -o "$output/manifest.jsonl" --json > "$tmp/out.txt" 2>&1 || status=$?
            ;;
        summary)
            output=$(jq -r '.output' "$tmp/event.json")
            /usr/local/bin/imgeda info -m "$output/manifest.jsonl" --json > "$tmp/out.txt" 2>&1 || status=$?
            ;;
        report)
            output=$(jq -r '.output' "$tmp/event.json")
            # The report lands beside the manifest in the results bucket (written in /tmp, then
            # uploaded); thumbnails would need every image fetched again, so none.
            /usr/local/bin/imgeda report -m "$output/manifest.jsonl" -o "$output/report.html" --no-thumbnails \
                > "$tmp/out.txt" 2>&1 || status=$?
            ;;
        *)
            echo "unknown step '$step'" > "$tmp/out.txt"
            status=1
            ;;
    esac
    if [ "$status" -eq 0 ]; then
        jq -Rs '{ok: true, output: .}' "$tmp/out.txt" | curl -sS -X POST --data-binary @- "$api/invocation/$request/response" > /dev/null
    else
        jq -Rs --arg step "$step" '{errorMessage: ., errorType: ("imgeda." + $step)}' "$tmp/out.txt" \
            | curl -sS -X POST --data-binary @- "$api/invocation/$request/error" > /dev/null
    fi
done

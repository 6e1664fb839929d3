#!/usr/bin/env bash
# The live tier: the workflow against a real model server on this machine.
# Installs the llama.cpp server and the SmolLM2-135M model once (live/setup.sh), starts the server
# on 127.0.0.1 (a free port), then runs, with the app's settings pointing at it:
#   - no arguments: `advocacy demo` in a temp folder (./advocacy.db is left alone), then the live
#     tests (pytest -m live tests/live), which print their model calls, fallbacks and reasons
#   - arguments: that command instead, e.g. live/run.sh .venv/bin/python bench/scan_bench.py --live
# The server is always stopped (trap), also on failure.
#   ADVOCACY_LIVE_METHOD    structured output method for llama.cpp (default function_calling)
#   ADVOCACY_LIVE_ACCOUNTS  demo accounts (default 40)
#   ADVOCACY_LIVE_CACHE     where the server and model live (default ~/.cache/advocacy-live)
#   ADVOCACY_LIVE_THREADS   server threads (default: the number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
CACHE=${ADVOCACY_LIVE_CACHE:-${HOME:-/tmp}/.cache/advocacy-live}
METHOD=${ADVOCACY_LIVE_METHOD:-function_calling}
ACCOUNTS=${ADVOCACY_LIVE_ACCOUNTS:-40}
MODEL_NAME=smollm2-135m-instruct
t0=$(date +%s)

MODEL=$(bash live/setup.sh | tail -n 1)
t_setup=$(date +%s)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/advocacy-live.XXXXXX")
SERVER_PID=""
cleanup() {
  status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$WORK/server.log" ]; then
    echo "== live: failed (exit $status); last lines of the server log:" >&2
    tail -n 20 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE_URL="http://127.0.0.1:$PORT/v1"
echo "== live: starting the llama.cpp server on $BASE_URL ($(basename "$MODEL"))"
# OpenMP threads that spin while waiting collapse when the cores are shared: let them sleep.
OMP_WAIT_POLICY=PASSIVE "$CACHE/venv/bin/python" -m llama_cpp.server --model "$MODEL" \
  --model_alias "$MODEL_NAME" --host 127.0.0.1 --port "$PORT" --n_ctx 8192 \
  --n_threads "${ADVOCACY_LIVE_THREADS:-$(nproc)}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
  "$BASE_URL/models" >/dev/null 2>&1; }
for _ in $(seq 1 120); do
  if ready; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "== live: the server exited" >&2; exit 1; fi
  sleep 1
done
ready || { echo "== live: the server did not answer within 120 s" >&2; exit 1; }
echo "== live: server build: $(grep -m 1 '^CPU :' "$WORK/server.log" || echo 'features not printed')"
# A server that lists its models may still crash on its first completion (a build for the wrong
# CPU did): one short completion first, so that shows here and not as fallbacks in the tests.
python3 - "$BASE_URL" "$MODEL_NAME" <<'PY' || { echo "== live: the server failed its first completion" >&2; exit 1; }
import json, sys, urllib.request
body = {"model": sys.argv[2], "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 4}
request = urllib.request.Request(sys.argv[1] + "/chat/completions", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=120).read()
PY
t_server=$(date +%s)

# What a user sets for this server (README, "Model servers"); the key is a placeholder.
export OPENAI_BASE_URL="$BASE_URL" OPENAI_API_KEY="sk-local-placeholder"
export ADVOCACY_MODEL="$MODEL_NAME" ADVOCACY_STRUCTURED_OUTPUT_METHOD="$METHOD"
# One llama.cpp server answers one request at a time: queue few, wait long enough; a local
# server needs no client retries; bound each answer (the small model rambles).
export ADVOCACY_LLM_CONCURRENCY=2 ADVOCACY_LLM_TIMEOUT_SECONDS=120 ADVOCACY_LLM_MAX_RETRIES=0
export ADVOCACY_LLM_MAX_TOKENS=600
export ADVOCACY_LIVE_BASE_URL="$BASE_URL" ADVOCACY_LIVE_MODEL="$MODEL_NAME"
export ADVOCACY_LIVE_METHOD="$METHOD" ADVOCACY_LIVE_ACCOUNTS="$ACCOUNTS"

if [ "$#" -gt 0 ]; then
  "$@"
  exit 0
fi

echo "== live: advocacy demo --accounts $ACCOUNTS ($METHOD)"
(cd "$WORK" && ADVOCACY_DATABASE_URL="sqlite:///$WORK/demo.db" \
  "$REPO/.venv/bin/advocacy" demo --accounts "$ACCOUNTS" --out "$WORK/demo/bundle.json")
t_demo=$(date +%s)

echo "== live: tests (pytest -m live tests/live)"
mkdir -p build
"$REPO/.venv/bin/pytest" -q -m live tests/live -p no:cacheprovider --junitxml=build/junit-live.xml
t_tests=$(date +%s)
echo "== live: done in $((t_tests - t0)) s (install/check $((t_setup - t0)) s," \
  "server start $((t_server - t_setup)) s, demo $((t_demo - t_server)) s," \
  "tests $((t_tests - t_demo)) s)"

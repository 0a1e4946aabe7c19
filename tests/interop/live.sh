#!/usr/bin/env bash
# Runs a test runner against live `mlsref serve` processes on 127.0.0.1:
#   live.sh MLSREF N COMMAND ARG...
# starts N servers (each on a free port, --port 0), runs COMMAND ARG... with
# every @1@, @2@, ... replaced by a server's HOST:PORT, then stops the servers
# with SIGTERM. Fails if the command fails, a server does not come up, or a
# server does not exit with status 0 when told to stop.
set -u
mlsref=$1
count=$2
shift 2
work=$(mktemp -d)
pids=()
targets=()
stop_all() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
}
trap 'stop_all; rm -rf "$work"' EXIT

for i in $(seq 1 "$count"); do
  "$mlsref" serve --port 0 >"$work/out$i" 2>"$work/err$i" &
  pids+=($!)
  target=""
  for _ in $(seq 1 100); do
    target=$(sed -n 's/^mlsref serve: listening on //p' "$work/out$i")
    [ -n "$target" ] && break
    sleep 0.1
  done
  if [ -z "$target" ]; then
    echo "live.sh: server $i did not start:" >&2
    cat "$work/err$i" >&2
    exit 1
  fi
  targets+=("$target")
  echo "live.sh: server $i at $target"
done

args=()
for a in "$@"; do
  for i in $(seq 1 "$count"); do
    a=${a//@$i@/${targets[$((i - 1))]}}
  done
  args+=("$a")
done
# Within ctest's timeout, so that the servers are always stopped here.
timeout "${LIVE_TIMEOUT:-240}" "${args[@]}"
status=$?

for i in $(seq 1 "$count"); do
  kill -TERM "${pids[$((i - 1))]}"
  wait "${pids[$((i - 1))]}"
  code=$?
  if [ "$code" -ne 0 ]; then
    echo "live.sh: server $i exited with status $code after SIGTERM" >&2
    status=1
  fi
done
pids=()
exit "$status"

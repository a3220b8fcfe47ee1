#!/bin/sh
# Entrypoint of deploy/docker/ollama.Dockerfile: runs `ollama serve` and, once
# it answers, pulls each model named in OLLAMA_PULL_MODELS (space-separated,
# e.g. "qwen2.5:7b llama3.1:8b"). Other commands (`ollama run ...`, `list`)
# are passed to ollama unchanged.
set -eu

if [ "${1:-serve}" != "serve" ]; then
  exec ollama "$@"
fi

ollama serve &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM INT

if [ -n "${OLLAMA_PULL_MODELS:-}" ]; then
  tries=0
  until ollama list >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 120 ] || ! kill -0 "$server" 2>/dev/null; then
      echo "ollama-entrypoint: the server did not start" >&2
      exit 1
    fi
    sleep 1
  done
  for model in $OLLAMA_PULL_MODELS; do
    echo "ollama-entrypoint: pulling $model"
    ollama pull "$model" || echo "ollama-entrypoint: pulling $model failed" >&2
  done
fi

# `wait` returns early when a trapped signal arrives (the trap forwards it
# to the server); wait again until the server has really exited, and exit
# with its status.
while :; do
  status=0
  wait "$server" || status=$?
  kill -0 "$server" 2>/dev/null || break
done
exit "$status"

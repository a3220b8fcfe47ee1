# syntax=docker/dockerfile:1
#
# Ollama, pinned, serving on all interfaces, pulling the models named in
# OLLAMA_PULL_MODELS once the server answers.
#
#   docker build -f deploy/docker/ollama.Dockerfile -t inference-portal/ollama:0.32.15 deploy/docker
#   docker run --rm --gpus all -p 11434:11434 -v ollama:/root/.ollama \
#     -e OLLAMA_PULL_MODELS="qwen2.5:7b llama3.1:8b" inference-portal/ollama:0.32.15
#
# Correction to the seed design: `ollama serve` does not load a model at
# start, and a request for a model that was never pulled fails with 404 (no
# automatic pull). Models are pulled into /root/.ollama (mount the model-cache
# volume there) while the server runs: the official Helm chart does it in a
# postStart hook; the portal does it through POST /api/pull with progress;
# this image does it in its entrypoint. Ollama has no Prometheus /metrics.
# Its image entrypoint is /bin/ollama with default command `serve`; in
# Kubernetes the portal runs `ollama serve` itself and needs no script.

ARG OLLAMA_IMAGE=ollama/ollama
ARG OLLAMA_VERSION=0.32.15
FROM ${OLLAMA_IMAGE}:${OLLAMA_VERSION}

LABEL org.opencontainers.image.title="Ollama for Inference Portal" \
      org.opencontainers.image.description="ollama/ollama serving on 0.0.0.0:11434, pulling OLLAMA_PULL_MODELS at start"

ENV OLLAMA_HOST=0.0.0.0:11434 \
    OLLAMA_KEEP_ALIVE=24h \
    OLLAMA_PULL_MODELS=""

COPY --chmod=0755 ollama-entrypoint.sh /usr/local/bin/ollama-entrypoint.sh

EXPOSE 11434

# `ollama list` asks the running server; it fails until the server answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --retries=3 \
  CMD ["ollama", "list"]

ENTRYPOINT ["/usr/local/bin/ollama-entrypoint.sh"]
CMD ["serve"]

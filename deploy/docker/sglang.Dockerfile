# syntax=docker/dockerfile:1
#
# SGLang's server, pinned, started the documented way.
#
#   docker build -f deploy/docker/sglang.Dockerfile -t inference-portal/sglang:v0.5.23 deploy/docker
#   docker run --rm --gpus all --ipc=host --shm-size 32g -p 30000:30000 \
#     -v hf-cache:/root/.cache/huggingface -e HF_TOKEN inference-portal/sglang:v0.5.23 \
#     --model-path Qwen/Qwen2.5-7B-Instruct --host 0.0.0.0 --port 30000 --enable-metrics
#
# Correction to the seed design: the documented entrypoint is
# `python3 -m sglang.launch_server` (the image sets none for the server);
# `sglang serve` exists only in newer releases. Three flags matter in a pod:
# --host 0.0.0.0 (it binds 127.0.0.1 otherwise), --port 30000, and
# --enable-metrics (no /metrics without it). /health is 503 until warm-up
# ends, then 200. SGLang uses shared memory even at tensor parallel 1: give
# /dev/shm several GiB.

ARG SGLANG_IMAGE=lmsysorg/sglang
ARG SGLANG_VERSION=v0.5.23
FROM ${SGLANG_IMAGE}:${SGLANG_VERSION}

LABEL org.opencontainers.image.title="SGLang for Inference Portal" \
      org.opencontainers.image.description="lmsysorg/sglang started with python3 -m sglang.launch_server"

ENV HF_HOME=/root/.cache/huggingface

EXPOSE 30000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20m --retries=3 \
  CMD ["python3", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:30000/health', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["python3", "-m", "sglang.launch_server"]
# Default arguments, replaced by whatever the container is given (keep
# --host 0.0.0.0 and --enable-metrics when you replace them).
CMD ["--model-path", "Qwen/Qwen2.5-0.5B-Instruct", "--host", "0.0.0.0", "--port", "30000", "--enable-metrics"]

# syntax=docker/dockerfile:1
#
# vLLM's OpenAI-compatible server, pinned, with the serve command spelled out.
#
#   docker build -f deploy/docker/vllm.Dockerfile -t inference-portal/vllm:v0.33.0 deploy/docker
#   docker run --rm --gpus all --ipc=host -p 8000:8000 \
#     -v hf-cache:/root/.cache/huggingface -e HF_TOKEN inference-portal/vllm:v0.33.0 \
#     Qwen/Qwen2.5-7B-Instruct --host 0.0.0.0 --port 8000 --max-model-len 8192
#
# Correction to the seed design: the vllm/vllm-openai image's entrypoint is
# already `vllm serve` (since early 2025; older images ran
# `python3 -m vllm.entrypoints.openai.api_server`). Arguments given to the
# container (Kubernetes `args`, `docker run IMAGE ...`) are appended to it:
# the model first, then flags. Never pass `serve` or `vllm serve` again.
# /metrics is always on; /health answers 200 once the model is loaded (the
# port refuses connections until then). Tensor parallel > 1 needs a large
# /dev/shm (--ipc=host in Docker; a memory emptyDir in Kubernetes).

ARG VLLM_IMAGE=vllm/vllm-openai
ARG VLLM_VERSION=v0.33.0
FROM ${VLLM_IMAGE}:${VLLM_VERSION}

LABEL org.opencontainers.image.title="vLLM for Inference Portal" \
      org.opencontainers.image.description="vllm/vllm-openai with its serve command and defaults spelled out"

# Model cache (mount the model-cache volume here); no usage reporting.
ENV HF_HOME=/root/.cache/huggingface \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20m --retries=3 \
  CMD ["python3", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["vllm", "serve"]
# Default arguments, replaced by whatever the container is given.
CMD ["Qwen/Qwen2.5-0.5B-Instruct", "--host", "0.0.0.0", "--port", "8000"]

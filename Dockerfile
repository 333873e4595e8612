# syntax=docker/dockerfile:1
# Multi-stage: the build stage runs the same `make install` that `make run` uses; the runtime stage
# is the virtual environment, the code, and a non-root user.
#
#   docker build -t commentmod .                                        # embedded scorer only
#   docker build -t commentmod --build-arg DETOXIFY_VARIANT=unbiased .  # bakes Detoxify in, as ONNX
#   docker build -t commentmod --build-arg DETOXIFY_VARIANT=multilingual \
#     --build-arg KOREAN_SCORER=scorer .                     # XLM-R scores English and Korean
#
# DETOXIFY_VARIANT (unbiased, original, multilingual, original-small, unbiased-small) fetches the
# weights and their Hugging Face config at build time with `commentmod scorer fetch` (checked
# against the published SHA-256, read without running code; SCORER_MIRROR for an internal mirror), so the build needs internet or the mirror; the
# running container never downloads anything. The fetch exports them to ONNX (int8, or fp32 when
# int8 scores more than 0.02 away from Detoxify; ONNX_PRECISION forces one) and the image keeps
# only the model it serves, without PyTorch, transformers and Detoxify: the ONNX scorer needs
# none of them. Without DETOXIFY_VARIANT PyTorch stays, so a
# checkpoint mounted at run time (COMMENTMOD_DETOXIFY_CHECKPOINT) can still be served.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md Makefile alembic.ini ./
COPY service ./service
COPY auth ./auth
COPY moderation ./moderation
COPY migrations ./migrations
# CPU-only PyTorch: the torch wheel alone comes from PyTorch's CPU index.
ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN make install VENV=/opt/venv TORCH_SPEC="${TORCH_SPEC}" TORCH_INDEX="${TORCH_INDEX}"
ARG DETOXIFY_VARIANT=""
# Empty: int8 unless it drifts, then fp32 (as `commentmod scorer fetch` decides).
ARG ONNX_PRECISION=""
# A mirror laid out as README "Getting the real model" says, for builders without GitHub access.
ARG SCORER_MIRROR=""
RUN mkdir -p /app/var/onnx-model \
    && if [ -n "$DETOXIFY_VARIANT" ]; then \
      /opt/venv/bin/commentmod scorer fetch "$DETOXIFY_VARIANT" --out /app/var/onnx-model \
           --cache-dir /tmp/detoxify \
           ${ONNX_PRECISION:+--precision "$ONNX_PRECISION"} ${SCORER_MIRROR:+--mirror "$SCORER_MIRROR"} \
      && served=$(/opt/venv/bin/python -c "import json; print(json.load(open('/app/var/onnx-model/manifest.json')).get('model_file', 'model.int8.onnx'))") \
      && for file in /app/var/onnx-model/*.onnx; do \
           [ "$(basename "$file")" = "$served" ] || rm "$file"; done \
      && rm -rf /tmp/detoxify \
      && /opt/venv/bin/python -m pip uninstall --yes --quiet \
           torch transformers detoxify onnx sympy mpmath networkx \
      && rm -rf /root/.cache; \
    fi

FROM python:${PYTHON_VERSION}-slim AS runtime
# `scorer` with DETOXIFY_VARIANT=multilingual: the baked XLM-R export scores Korean too.
ARG KOREAN_SCORER=embedded
RUN useradd --create-home --uid 10001 app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=app:app /app /app
WORKDIR /app
USER app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    COMMENTMOD_DATABASE_URL=sqlite:////app/var/commentmod.db \
    COMMENTMOD_ONNX_MODEL_DIR=/app/var/onnx-model \
    COMMENTMOD_KOREAN_SCORER=${KOREAN_SCORER} \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"
ENTRYPOINT ["commentmod"]
# With several replicas, run `docker run IMAGE migrate` once per release and drop --migrate.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--migrate"]

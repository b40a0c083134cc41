#!/usr/bin/env bash
# Our kernels beside OpenBLAS/PyTorch on this machine: runs bench/reference/compare.py, then our quick bench (one after
# the other, so they do not compete for the cores), and joins the two `kernel shape GFLOP/s GB/s` tables on
# (kernel, shape). ratio = ours / reference, a ratio of times since both sides count work alike (> 1: we are faster).
#
#     bash bench/reference/compare.sh        # from any directory; about a minute
set -euo pipefail
cd "$(dirname "$0")/../.."

python=/usr/bin/python3
if ! "$python" -c 'import numpy, torch' 2>/dev/null; then
    echo "compare.sh: $python cannot import numpy and torch, which run the reference kernels. Install them with" >&2
    echo "    sudo apt-get install python3-numpy python3-torch libopenblas0-pthread" >&2
    exit 1
fi

reference=$(mktemp)
ours=$(mktemp)
trap 'rm -f "$reference" "$ours"' EXIT
echo "compare.sh: reference kernels (compare.py) ..." >&2
"$python" bench/reference/compare.py > "$reference"
echo "compare.sh: our kernels (dotnet run -c Release --project bench -- quick) ..." >&2
dotnet run -c Release --project bench -- quick > "$ours"

# Only measurement lines take part: numbers in the last two fields (skips the headers and any build chatter).
awk '
    BEGIN { row = "%-18s %-22s %-9s %14s %14s %10s %10s %7s\n" }
    function measurement() { return NF == 4 && $3 ~ /^[0-9.]+$/ && $4 ~ /^[0-9.]+$/ }
    NR == FNR {
        if (!measurement()) next
        split($1, name, ":")                 # compare.py prints library:kernel
        key = name[2] " " $2
        library[key] = name[1]; flops[key] = $3; bytes[key] = $4
        next
    }
    FNR == 1 { printf row, "kernel", "shape", "reference", "ours GFLOP/s", "ref GFLOP/s", "ours GB/s", "ref GB/s", "ratio" }
    measurement() {
        key = $1 " " $2
        if (!(key in library)) { printf row, $1, $2, "-", $3, "-", $4, "-", "-"; next }
        # Both rates give the same ratio; the larger one has more significant digits at one decimal place.
        if (flops[key] >= bytes[key]) { ref = flops[key]; mine = $3 } else { ref = bytes[key]; mine = $4 }
        ratio = ref > 0 ? sprintf("%.2f", mine / ref) : "-"
        printf row, $1, $2, library[key], $3, flops[key], $4, bytes[key], ratio
        seen[key] = 1
    }
    END {
        for (key in library)
            if (!(key in seen)) {
                split(key, part, " ")
                printf row, part[1], part[2], library[key], "-", flops[key], "-", bytes[key], "-"
            }
    }
' "$reference" "$ours"

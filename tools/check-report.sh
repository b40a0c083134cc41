#!/usr/bin/env bash
# Renders a run's report.html in headless Chromium and checks the screenshot is not blank.
#
#   tools/check-report.sh RUN_DIR [SCREENSHOT.png] [HEIGHT]
#
# Writes RUN_DIR/report.html with `ect report` (the Release build in src/ECT/bin, built first if missing), screenshots
# it at 1200×HEIGHT (default 3000) and counts non-white pixels with tools/count-ink.cs (the project's PNG decoder).
# SCALE=0.8 renders at 80 % (a smaller file: docs/default-run/report.png was made that way, to stay under 300 KB).
# Needs Debian's chromium (apt-get install -y chromium), which CI machines lack: this is a manual check, not part
# of .ci/run. The unit tests (tests/ECT/ReportTests.cs) cover the page's content and well-formedness.
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=${1:?usage: tools/check-report.sh RUN_DIR [SCREENSHOT.png] [HEIGHT]}
shot=${2:-report-screenshot.png}
height=${3:-3000}

if ! command -v chromium >/dev/null; then
  echo "check-report: chromium not found; install it with: apt-get install -y chromium" >&2
  exit 2
fi
ect=src/ECT/bin/Release/net10.0/ect.dll
[[ -f $ect ]] || dotnet build -c Release src/ECT/Ect.Cli.csproj -v q
dotnet "$ect" report "$run_dir"

# --no-sandbox: containers run as root; --hide-scrollbars keeps a scrollbar out of the picture.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="1200,$height" \
  --force-device-scale-factor="${SCALE:-1}" \
  --screenshot="$shot" "file://$(realpath "$run_dir")/report.html" 2>/dev/null
[[ -s $shot ]] || { echo "check-report: chromium wrote no screenshot" >&2; exit 1; }
dotnet run tools/count-ink.cs -- "$shot" 0.02
echo "check-report: $shot renders (open it to look at the layout)"

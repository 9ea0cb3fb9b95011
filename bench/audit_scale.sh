#!/usr/bin/env bash
# idemsim audit at scale: N CloudTrail records (default 1,000,000; a month of a busy account, as
# bench/gen_cloudtrail.py writes them: .json.gz files of 5,000 records) audited, with the wall
# time and the peak memory (/usr/bin/time -v). Usage: bench/audit_scale.sh [BUILD_DIR] [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
n=${2:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$here/gen_cloudtrail.py" "$dir/logs" "$n"
du -sh "$dir/logs" | sed 's/\t.*/ of gzip files/'
/usr/bin/time -v "$build/idemsim" audit "$dir/logs" --format json --out "$dir/report.json" 2>"$dir/time.txt" || true
grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$dir/time.txt"
python3 - "$dir/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("records %d, RunInstances %d, TerminateInstances %d, DescribeInstances %d; verdict %s, %d violations, %d suspected duplicates"
      % (r["records"], r["run_instances"], r["terminate_instances"], r["describe_instances"], r["verdict"],
         len(r["violations"]), len(r["suspected_duplicates"])))
PY

# Sourced by the shell tests: a temporary directory ($tmp) removed at exit; `check NAME COMMAND...`
# runs a command that must succeed, counting passes and naming failures; `checks_done [LABEL]`
# prints the counts and fails when any check did.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
check() {  # check NAME COMMAND...
  local name=$1
  shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $name"; fails=$((fails + 1)); fi
}
checks_done() {  # checks_done [LABEL]
  echo "${1:+$1: }$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

#!/usr/bin/env bash
# `cmake --install` puts the program, the CMake package and the docs in place, and a small project
# outside the source tree registers its scenarios with idemsim_add_scenarios and its searches with
# idemsim_add_checks: `ctest -L scenarios` and `ctest -L checks` each run one passing and one
# failing test, with the right exit codes; `idemsim report` merges the tests' results directories;
# a scenario file added later is a test after the next build (CONFIGURE_DEPENDS).
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$1
src=$2
source "$(dirname "$0")/checks.sh"
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1
check "cmake --install succeeds" test $? = 0
check "the program is installed" test -x "$tmp/prefix/bin/idemsim"
config=$(find "$tmp/prefix" -name idemsimConfig.cmake | head -1)
check "the CMake package is installed" test -n "$config"
check "the CMake function is installed" test -f "$(dirname "$config")/IdemsimScenarios.cmake"
check "the docs, the CI files and the JUnit schema are installed" test -f "$tmp/prefix/share/doc/idemsim/ci.md" -a -f "$tmp/prefix/share/doc/idemsim/ci/github-actions.yml" -a -f "$tmp/prefix/share/doc/idemsim/junit.xsd"
check "the installed program runs" "$tmp/prefix/bin/idemsim" --version

mkdir -p "$tmp/example/scenarios/more" "$tmp/example/checks/sub"
cat > "$tmp/example/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(example LANGUAGES NONE)
find_package(idemsim CONFIG REQUIRED)
enable_testing()
idemsim_add_scenarios(${CMAKE_CURRENT_SOURCE_DIR}/scenarios RUNS 20)
idemsim_add_checks(${CMAKE_CURRENT_SOURCE_DIR}/checks RUNS 20)
CMAKE
cp "$src/scenarios/baseline.yaml" "$tmp/example/scenarios/good.yaml"
sed 's/^expect: fail/expect: pass/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/example/scenarios/more/bad.yaml"
# For idemsim_add_checks: a scenario no search breaks, and one with a planted bug a search finds.
cp "$src/scenarios/rules/rule7-inflight.yaml" "$tmp/example/checks/holds.yaml"
cp "$src/scenarios/rules/rule7-inflight+record-after-launch.yaml" "$tmp/example/checks/sub/breaks.yaml"
cmake -S "$tmp/example" -B "$tmp/example/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/configure.log" 2>&1
check "the example project configures with find_package(idemsim)" test $? = 0
(cd "$tmp/example/build" && ctest -L scenarios > "$tmp/ctest.log" 2>&1)
rc=$?
check "ctest -L scenarios fails when a scenario does not meet its expect" test "$rc" != 0
check "one passing and one failing test" grep -q "50% tests passed, 1 tests failed out of 2" "$tmp/ctest.log"
check "the failing test is the scenario that fails" grep -q "scenario:more/bad.yaml (Failed)" "$tmp/ctest.log"
check "the tests carry the label" grep -q "scenarios *= *" "$tmp/ctest.log"
(cd "$tmp/example/build" && ctest -L scenarios -R good > "$tmp/good.log" 2>&1)
check "the passing scenario alone passes" test $? = 0
# idemsim report on the results directory the tests wrote (one subdirectory per test) merges them all.
"$tmp/prefix/bin/idemsim" report "$tmp/example/build/idemsim-results" > "$tmp/report.md" 2>&1
check "report of idemsim-results merges every test's results" test "$(grep -c '^| [a-z].* | \(met\|\*\*not met\*\*\) |$' "$tmp/report.md")" = 2

# idemsim_add_checks: an `idemsim check FILE` per file, labelled `checks`, failing when check finds
# a counterexample, which goes into idemsim-checks/<test>/.
(cd "$tmp/example/build" && ctest -L checks > "$tmp/checks.log" 2>&1)
rc=$?
check "ctest -L checks fails when a search breaks a scenario" test "$rc" != 0
check "checks: one passing and one failing test" grep -q "50% tests passed, 1 tests failed out of 2" "$tmp/checks.log"
check "checks: the failing test is the scenario check breaks" grep -q "check:sub/breaks.yaml (Failed)" "$tmp/checks.log"
check "checks: the tests carry the label" grep -q "checks *= *" "$tmp/checks.log"
check "checks: the counterexample is written under idemsim-checks/<test>/" test -s "$tmp/example/build/idemsim-checks/sub_breaks_yaml/breaks-counterexample.yaml"
(cd "$tmp/example/build" && ctest -L checks -R holds -V > "$tmp/holds.log" 2>&1)
check "checks: the scenario no search breaks passes alone" test $? = 0
check "checks: RUNS is check's --runs" grep -q "explored: 20 runs" "$tmp/holds.log"

# CONFIGURE_DEPENDS: a scenario file added after configuring is a test after the next build,
# without re-running cmake by hand.
cp "$src/scenarios/baseline.yaml" "$tmp/example/scenarios/more/added.yaml"
cp "$src/scenarios/rules/rule7-inflight.yaml" "$tmp/example/checks/added.yaml"
cmake --build "$tmp/example/build" > "$tmp/rebuild.log" 2>&1
check "the build after adding scenario files succeeds" test $? = 0
(cd "$tmp/example/build" && ctest -N > "$tmp/list.log" 2>&1)
check "a scenario file added after configuring is a scenario test" grep -q "scenario:more/added.yaml" "$tmp/list.log"
check "a scenario file added after configuring is a check test" grep -q "check:added.yaml" "$tmp/list.log"
if [ "$fails" != 0 ]; then
  for f in install configure ctest report checks holds rebuild list; do echo "--- $f.log"; tail -20 "$tmp/$f.log"; done
fi
checks_done

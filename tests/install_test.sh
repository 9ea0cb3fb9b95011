#!/usr/bin/env bash
# `cmake --install` puts the program, the CMake package and the docs in place, and a small project
# outside the source tree registers its scenarios with idemsim_add_scenarios: `ctest -L scenarios`
# runs one passing and one failing test, with the right exit codes.
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

mkdir -p "$tmp/example/scenarios/more"
cat > "$tmp/example/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(example LANGUAGES NONE)
find_package(idemsim CONFIG REQUIRED)
enable_testing()
idemsim_add_scenarios(${CMAKE_CURRENT_SOURCE_DIR}/scenarios RUNS 20)
CMAKE
cp "$src/scenarios/baseline.yaml" "$tmp/example/scenarios/good.yaml"
sed 's/^expect: fail/expect: pass/' "$src/scenarios/no-token-response-loss.yaml" > "$tmp/example/scenarios/more/bad.yaml"
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
if [ "$fails" != 0 ]; then
  for f in install configure ctest; do echo "--- $f.log"; tail -20 "$tmp/$f.log"; done
fi
checks_done

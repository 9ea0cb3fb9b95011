# idemsim_add_scenarios(DIR [RUNS N] [PROGRAM PATH] [STRICT])
#
# Registers each scenario file under DIR (*.yaml and *.yml, recursively) as a CTest test labelled
# `scenarios`, named `scenario:` and the file's path under DIR: it runs `idemsim run FILE` and
# passes when the scenario meets its `expect` (exit 0), fails when it does not (exit 1), and
# fails on bad input or an internal error (exit 2, 3). `ctest -L scenarios` runs them all.
#   RUNS N        seeds per scenario (default: each file's `runs`)
#   PROGRAM PATH  the idemsim to run (default: IDEMSIM_PROGRAM, which find_package(idemsim) sets)
#   STRICT        a warning (what a scenario could not have tested) fails its test too
# Results files go to ${CMAKE_CURRENT_BINARY_DIR}/idemsim-results/<test>/ (<test>: the file's path
# under DIR made a C identifier, `more/bad.yaml` -> `more_bad_yaml`); `idemsim report
# ${CMAKE_CURRENT_BINARY_DIR}/idemsim-results` merges them all into one report.
#
# idemsim_add_checks(DIR [RUNS N] [PROGRAM PATH])
#
# Registers, for each scenario file under DIR (*.yaml and *.yml, recursively), an `idemsim check
# FILE` search as a CTest test labelled `checks`, named `check:` and the file's path under DIR: it
# passes when check finds no counterexample in the scenario's `explore:` envelope (exit 0), fails
# when it finds one (exit 1: the scenario can be broken; the shrunk counterexample is written),
# and fails on bad input or an internal error (exit 2, 3). `ctest -L checks` runs them all.
#   RUNS N        concrete scenarios check tries per file (its --runs; default: check's, 100)
#   PROGRAM PATH  the idemsim to run (default: IDEMSIM_PROGRAM)
# Each search uses check's default RapidCheck seed, so a test's verdict is the same on every run.
# Its counterexample, if any, goes to ${CMAKE_CURRENT_BINARY_DIR}/idemsim-checks/<test>/ (<test>
# as above), with the `idemsim run` and `idemsim replay` commands that reproduce it in the log.
#
# Both glob DIR with CONFIGURE_DEPENDS: a scenario file added (or removed) under DIR is picked up
# by the next build (`cmake --build`, `ninja`, `make`), which re-runs CMake by itself; `ctest`
# alone does not build, so build before it.
#
# In another project:
#   find_package(idemsim CONFIG REQUIRED)   # after `cmake --install` of idemsim
#   enable_testing()
#   idemsim_add_scenarios(${CMAKE_CURRENT_SOURCE_DIR}/scenarios RUNS 200 STRICT)
#   idemsim_add_checks(${CMAKE_CURRENT_SOURCE_DIR}/scenarios RUNS 300)

# The idemsim program (PROGRAM, else IDEMSIM_PROGRAM) into `out_program`, and DIR's scenario files,
# sorted, into `out_files`, with DIR made absolute into `out_dir`; `caller` names the function in
# errors.
function(_idemsim_scenario_files caller dir program out_dir out_program out_files)
  if(NOT program)
    set(program "${IDEMSIM_PROGRAM}")
  endif()
  if(NOT program)
    message(FATAL_ERROR "${caller}: no idemsim program; find_package(idemsim) first, or give PROGRAM")
  endif()
  get_filename_component(dir "${dir}" ABSOLUTE)
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "${caller}: ${dir} is not a directory")
  endif()
  # CONFIGURE_DEPENDS: the build checks the glob again and re-runs CMake when its result changed.
  file(GLOB_RECURSE files LIST_DIRECTORIES false CONFIGURE_DEPENDS "${dir}/*.yaml" "${dir}/*.yml")
  list(SORT files)
  if(NOT files)
    message(FATAL_ERROR "${caller}: ${dir} holds no *.yaml scenario")
  endif()
  set(${out_dir} "${dir}" PARENT_SCOPE)
  set(${out_program} "${program}" PARENT_SCOPE)
  set(${out_files} "${files}" PARENT_SCOPE)
endfunction()

function(idemsim_add_scenarios dir)
  cmake_parse_arguments(ARG "STRICT" "RUNS;PROGRAM" "" ${ARGN})
  _idemsim_scenario_files(idemsim_add_scenarios "${dir}" "${ARG_PROGRAM}" dir program files)
  set(options "")
  if(ARG_RUNS)
    list(APPEND options --runs ${ARG_RUNS})
  endif()
  if(ARG_STRICT)
    list(APPEND options --strict)
  endif()
  foreach(file IN LISTS files)
    file(RELATIVE_PATH name "${dir}" "${file}")
    string(MAKE_C_IDENTIFIER "${name}" out)
    add_test(NAME "scenario:${name}"
             COMMAND "${program}" run "${file}" ${options} --jobs 1
                     --out "${CMAKE_CURRENT_BINARY_DIR}/idemsim-results/${out}")
    set_tests_properties("scenario:${name}" PROPERTIES LABELS scenarios)
  endforeach()
endfunction()

function(idemsim_add_checks dir)
  cmake_parse_arguments(ARG "" "RUNS;PROGRAM" "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "idemsim_add_checks: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  _idemsim_scenario_files(idemsim_add_checks "${dir}" "${ARG_PROGRAM}" dir program files)
  set(options "")
  if(ARG_RUNS)
    list(APPEND options --runs ${ARG_RUNS})
  endif()
  foreach(file IN LISTS files)
    file(RELATIVE_PATH name "${dir}" "${file}")
    string(MAKE_C_IDENTIFIER "${name}" out)
    add_test(NAME "check:${name}"
             COMMAND "${program}" check "${file}" ${options}
                     --out "${CMAKE_CURRENT_BINARY_DIR}/idemsim-checks/${out}")
    set_tests_properties("check:${name}" PROPERTIES LABELS checks)
  endforeach()
endfunction()

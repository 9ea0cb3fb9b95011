# idemsim_add_scenarios(DIR [RUNS N] [PROGRAM PATH] [STRICT])
#
# Registers each scenario file under DIR (*.yaml and *.yml, recursively) as a CTest test labelled
# `scenarios`, named `scenario:` and the file's path under DIR: it runs `idemsim run FILE` and
# passes when the scenario meets its `expect` (exit 0), fails when it does not (exit 1), and
# fails on bad input or an internal error (exit 2, 3). `ctest -L scenarios` runs them all.
#   RUNS N        seeds per scenario (default: each file's `runs`)
#   PROGRAM PATH  the idemsim to run (default: IDEMSIM_PROGRAM, which find_package(idemsim) sets)
#   STRICT        a warning (what a scenario could not have tested) fails its test too
# Results files go to ${CMAKE_CURRENT_BINARY_DIR}/idemsim-results/<test name>/.
#
# In another project:
#   find_package(idemsim CONFIG REQUIRED)   # after `cmake --install` of idemsim
#   enable_testing()
#   idemsim_add_scenarios(${CMAKE_CURRENT_SOURCE_DIR}/scenarios RUNS 200 STRICT)
function(idemsim_add_scenarios dir)
  cmake_parse_arguments(ARG "STRICT" "RUNS;PROGRAM" "" ${ARGN})
  set(program "${ARG_PROGRAM}")
  if(NOT program)
    set(program "${IDEMSIM_PROGRAM}")
  endif()
  if(NOT program)
    message(FATAL_ERROR "idemsim_add_scenarios: no idemsim program; find_package(idemsim) first, or give PROGRAM")
  endif()
  get_filename_component(dir "${dir}" ABSOLUTE)
  if(NOT IS_DIRECTORY "${dir}")
    message(FATAL_ERROR "idemsim_add_scenarios: ${dir} is not a directory")
  endif()
  file(GLOB_RECURSE files LIST_DIRECTORIES false "${dir}/*.yaml" "${dir}/*.yml")
  list(SORT files)
  if(NOT files)
    message(FATAL_ERROR "idemsim_add_scenarios: ${dir} holds no *.yaml scenario")
  endif()
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

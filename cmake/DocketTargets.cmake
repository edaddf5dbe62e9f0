# Shared build settings and helpers for Docket components.

add_library(docket_build_flags INTERFACE)
target_compile_options(docket_build_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                    -Wnon-virtual-dtor -Wold-style-cast)
if(DOCKET_WERROR)
  target_compile_options(docket_build_flags INTERFACE -Werror)
endif()
if(DOCKET_SANITIZE)
  target_compile_options(docket_build_flags INTERFACE -fsanitize=address,undefined
                                                      -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(docket_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# docket_add_component(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates the library docket_<name> with the alias docket::<name>; its public headers live in
# <dir>/include.
function(docket_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(docket_${name} ${ARG_SOURCES})
  add_library(docket::${name} ALIAS docket_${name})
  target_include_directories(docket_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                            PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(docket_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE docket_build_flags
                                                                         ${ARG_PRIVATE_DEPS})
endfunction()

# docket_add_test(<name> SOURCES ... DEPS ... [LABELS ...])
# One GoogleTest binary; every TEST inside it becomes its own ctest entry.
function(docket_add_test name)
  if(NOT DOCKET_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main
                                        docket_build_flags)
  target_compile_definitions(${name} PRIVATE DOCKET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # A list of labels must reach ctest as one property value, so its separators are escaped.
  string(REPLACE ";" "\\;" labels "${ARG_LABELS}")
  gtest_discover_tests(${name} PROPERTIES LABELS "${labels}" DISCOVERY_TIMEOUT 60)
endfunction()

# docket_add_benchmark(<name> SOURCES ... DEPS ...)
function(docket_add_benchmark name)
  if(NOT DOCKET_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark docket_build_flags)
endfunction()

if(DOCKET_BUILD_TESTS)
  include(GoogleTest)
endif()

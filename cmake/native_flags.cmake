# -march=<UNTANGLE_MARCH> (native by default), and the narrowest extra flag that makes this compiler's code
# for it correct.
#
# GCC 12.2 (Debian 12) miscompiles a std::vector of floats or doubles built from a constant initializer list
# when 256/512-bit vectors are in play: {1, 1, 0, 0} is stored as {1, 1, 1, 1} (cmake/vector_constant_probe.cpp
# says more). It happens with -march=native on the AMD Zen 4 and Intel Xeon hosts this project runs on.
# Rather than guessing from the compiler's version, we compile and run the probe with each candidate below,
# at -O2 and -O3, and keep the first that passes:
#   1. nothing extra (clang 14, fixed GCC versions);
#   2. -fno-tree-slp-vectorize: GCC stops vectorising straight-line code, where the bad constant store comes
#      from; loops are still vectorised, and our hot loops are loops or explicit vector code;
#   3. also -mprefer-vector-width=128 (never needed so far; a last resort before giving up on native code).
# If none passes, the build drops -march with a warning. A -march the compiler refuses stops configure;
# when cross-compiling the probe cannot run, and GCC gets candidate 2 unprobed.
# tests/kernels/test_compiler_sanity.cpp checks the same pattern in the built tests.
include(CheckCXXSourceCompiles)
include(CheckCXXSourceRuns)
# Read at include time: inside the function CMAKE_CURRENT_LIST_DIR would be the caller's folder.
set(UNTANGLE_VECTOR_PROBE ${CMAKE_CURRENT_LIST_DIR}/vector_constant_probe.cpp)

# Compiles and runs the probe with `flags`; sets `result` to TRUE when it ran correctly. Results are not
# cached: a build folder reconfigured on another host (or with another compiler) probes again.
function(untangle_probe_runs flags result)
  file(READ ${UNTANGLE_VECTOR_PROBE} probe)
  string(MAKE_C_IDENTIFIER "UNTANGLE_PROBE_${flags}" variable)
  unset(${variable} CACHE)
  set(CMAKE_REQUIRED_FLAGS "${flags}")
  set(CMAKE_REQUIRED_QUIET ON)
  check_cxx_source_runs("${probe}" ${variable})
  set(${result} ${${variable}} PARENT_SCOPE)
  unset(${variable} CACHE)
endfunction()

function(untangle_choose_native_flags march out_var)
  # A -march the compiler refuses is a configuration error, not a miscompile.
  set(CMAKE_REQUIRED_FLAGS "-march=${march}")
  set(CMAKE_REQUIRED_QUIET ON)
  unset(UNTANGLE_MARCH_ACCEPTED CACHE)
  check_cxx_source_compiles("int main() { return 0; }" UNTANGLE_MARCH_ACCEPTED)
  if(NOT UNTANGLE_MARCH_ACCEPTED)
    message(FATAL_ERROR "untangle: the compiler refuses -march=${march} (UNTANGLE_MARCH); give a CPU name it "
                        "knows, or -DUNTANGLE_NATIVE=OFF")
  endif()
  set(candidates "none" "-fno-tree-slp-vectorize" "-fno-tree-slp-vectorize -mprefer-vector-width=128")
  if(CMAKE_CROSSCOMPILING)  # the probe cannot run here: take what every GCC host so far needed
    set(extra "")
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      set(extra -fno-tree-slp-vectorize)
    endif()
    message(WARNING "untangle: cross-compiling, so cmake/vector_constant_probe.cpp is not run: -march=${march} "
                    "${extra}; run tests/kernels/test_compiler_sanity.cpp on the target")
    set(${out_var} -march=${march} ${extra} PARENT_SCOPE)
    return()
  endif()
  foreach(candidate IN LISTS candidates)
    set(extra "")
    if(NOT candidate STREQUAL "none")
      set(extra "${candidate}")
    endif()
    set(passed TRUE)
    foreach(level -O2 -O3)
      untangle_probe_runs("${level} -march=${march} ${extra}" ran)
      if(NOT ran)
        set(passed FALSE)
      endif()
    endforeach()
    if(passed)
      message(STATUS "untangle: -march=${march}, extra flags for correct vector code: ${candidate}")
      separate_arguments(extra_list UNIX_COMMAND "${extra}")
      set(${out_var} -march=${march} ${extra_list} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(WARNING "untangle: this compiler miscompiles cmake/vector_constant_probe.cpp with -march=${march} "
                  "under every workaround tried; building without -march (slower, but correct)")
  set(${out_var} "" PARENT_SCOPE)
endfunction()

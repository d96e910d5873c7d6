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
# If none passes, the build drops -march with a warning. tests/kernels/test_compiler_sanity.cpp checks
# the same pattern in the built tests.
include(CheckCXXSourceRuns)
# Read at include time: inside the function CMAKE_CURRENT_LIST_DIR would be the caller's folder.
set(UNTANGLE_VECTOR_PROBE ${CMAKE_CURRENT_LIST_DIR}/vector_constant_probe.cpp)

function(untangle_choose_native_flags march out_var)
  file(READ ${UNTANGLE_VECTOR_PROBE} probe)
  set(candidates "none" "-fno-tree-slp-vectorize" "-fno-tree-slp-vectorize -mprefer-vector-width=128")
  set(index 0)
  foreach(candidate IN LISTS candidates)
    set(extra "")
    if(NOT candidate STREQUAL "none")
      set(extra "${candidate}")
    endif()
    set(passed TRUE)
    foreach(level -O2 -O3)
      set(CMAKE_REQUIRED_FLAGS "${level} -march=${march} ${extra}")
      set(CMAKE_REQUIRED_QUIET ON)
      check_cxx_source_runs("${probe}" UNTANGLE_PROBE_${march}_${index}${level})
      if(NOT UNTANGLE_PROBE_${march}_${index}${level})
        set(passed FALSE)
      endif()
    endforeach()
    if(passed)
      message(STATUS "untangle: -march=${march}, extra flags for correct vector code: ${candidate}")
      separate_arguments(extra_list UNIX_COMMAND "${extra}")
      set(${out_var} -march=${march} ${extra_list} PARENT_SCOPE)
      return()
    endif()
    math(EXPR index "${index} + 1")
  endforeach()
  message(WARNING "untangle: this compiler miscompiles cmake/vector_constant_probe.cpp with -march=${march} "
                  "under every workaround tried; building without -march (slower, but correct)")
  set(${out_var} "" PARENT_SCOPE)
endfunction()

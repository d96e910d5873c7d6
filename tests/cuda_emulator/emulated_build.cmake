# The CUDA emulator build (tests/cuda_emulator/emulator.h): every library of the project compiled once
# more with the CUDA backend in, against the emulator's stand-in headers, and the GPU tests (tests/gpu)
# linked to it as test_gpu_emulated. It needs no CUDA toolkit, so the CUDA code runs in every `make test`.
set(emulator_dir ${CMAKE_SOURCE_DIR}/tests/cuda_emulator)
set(emulated_sources ${emulator_dir}/runtime.cpp ${emulator_dir}/threads.cpp ${emulator_dir}/device_memory.cpp
    ${emulator_dir}/cublas.cpp ${emulator_dir}/cufft.cpp)
foreach(folder core kernels autograd nn data metrics apps/common)
  file(GLOB folder_sources CONFIGURE_DEPENDS ${folder}/*.cpp ${folder}/cpu/*.cpp ${folder}/memory/*.cpp
       ${folder}/cuda/*.cpp)
  list(APPEND emulated_sources ${folder_sources})
  # Each .cu file and .cuh header is translated to C++ (kernel launches become calls) under
  # build/emulated/, which comes before the source tree on the include path; then compiled like the rest.
  file(GLOB cuda_sources CONFIGURE_DEPENDS ${folder}/cuda/*.cu ${folder}/cuda/*.cuh)
  foreach(cu ${cuda_sources})
    file(RELATIVE_PATH relative ${CMAKE_SOURCE_DIR} ${cu})
    if(cu MATCHES "\\.cu$")
      set(translated ${CMAKE_BINARY_DIR}/emulated/${relative}.cpp)
    else()
      set(translated ${CMAKE_BINARY_DIR}/emulated/${relative})
    endif()
    add_custom_command(OUTPUT ${translated}
      COMMAND ${CMAKE_COMMAND} -DINPUT=${cu} -DOUTPUT=${translated} -P ${emulator_dir}/translate_cu.cmake
      DEPENDS ${cu} ${emulator_dir}/translate_cu.cmake VERBATIM)
    list(APPEND emulated_sources ${translated})
  endforeach()
endforeach()

add_library(untangle_emulated STATIC ${emulated_sources})
# The stand-ins (and the translated .cuh headers) must win over a real CUDA toolkit's headers.
target_include_directories(untangle_emulated BEFORE PUBLIC
  ${emulator_dir}/include ${CMAKE_BINARY_DIR}/emulated)
target_include_directories(untangle_emulated PUBLIC
  ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/generated ${emulator_dir})
target_compile_definitions(untangle_emulated PUBLIC UNTANGLE_HAVE_CUDA=1 UNTANGLE_CUDA_EMULATOR=1)
# `#pragma unroll` is a CUDA pragma the host compiler does not know.
target_compile_options(untangle_emulated PRIVATE -Wno-unknown-pragmas)
target_link_libraries(untangle_emulated PUBLIC Threads::Threads ZLIB::ZLIB)

file(GLOB gpu_test_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/gpu/*.cpp)
add_executable(test_gpu_emulated ${CMAKE_SOURCE_DIR}/tests/doctest_main.cpp ${gpu_test_sources}
               ${op_table_sources} ${emulator_dir}/test_emulator.cpp)  # op_table_sources: CMakeLists.txt
target_include_directories(test_gpu_emulated PRIVATE ${DOCTEST_INCLUDE_DIR} ${CMAKE_SOURCE_DIR}/tests)
target_compile_options(test_gpu_emulated PRIVATE -Wno-unknown-pragmas)
target_link_libraries(test_gpu_emulated PRIVATE untangle_emulated)
add_test(NAME gpu_emulated COMMAND test_gpu_emulated WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})

# Turns a CUDA source (.cu, or a .cuh header) into C++ for the emulator: every kernel launch
#   name<<<configuration>>>(arguments)
# becomes
#   ::untangle_emulator::launch("name", configuration)
#       .of([](auto... kernel_arguments) { name(kernel_arguments...); })(arguments)
# (tests/cuda_emulator/include/cuda_emulator/launch.h); nothing else changes.
# Run as: cmake -DINPUT=kernels/cuda/<name>.cu -DOUTPUT=build/emulated/<name>.cpp -P translate_cu.cmake
file(READ "${INPUT}" source)
set(name "[A-Za-z_][A-Za-z0-9_:]*(<[^<>;()]*>)?")
set(call "::untangle_emulator::launch(\"\\1\", \\3)")
set(kernel "[](auto... kernel_arguments) { \\1(kernel_arguments...); }")
string(REGEX REPLACE "(${name})<<<([^>]*)>>>\\(" "${call}.of(${kernel})(" source "${source}")
if(source MATCHES "<<<")
  message(FATAL_ERROR "${INPUT}: a kernel launch the emulator's translation does not recognise")
endif()
# nvcc includes <cuda_runtime.h> in every CUDA source without being asked; here it is the emulator's.
file(WRITE "${OUTPUT}.tmp" "#include <cuda_runtime.h>\n#line 1 \"${INPUT}\"\n${source}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")

# untangle — the front door. Every target drives CMake; binaries land in build/bin/.
#   make            build everything
#   make test       install missing build dependencies (if root), build, run every test
#   make run        the main job (see README)
#   make bench      CPU benchmarks (kernels and training step; every model's step)
#   make sanitize   ASan + UBSan build (build-sanitize/): the readers' tests, the fuzz corpus and a short fuzz
#                   (SANITIZE_MUTANTS per reader; docs/reliability.md gives the long run)
#   make format     format every C++/CUDA source (clang-format 14; make test checks it)
#   make clean      remove build/
# Options: UNTANGLE_CUDA=OFF for a CPU-only build; BUILD_TYPE=Debug; JOBS=N.
BUILD_DIR    ?= build
BUILD_TYPE   ?= Release
UNTANGLE_CUDA ?= ON
JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS  ?=

.PHONY: all deps configure test run bench clean format sanitize

all: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) -- --no-print-directory

deps:
	@bash scripts/ensure_deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DUNTANGLE_CUDA=$(UNTANGLE_CUDA) $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }
	@grep -E "untangle:|WARNING" $(BUILD_DIR).configure.log || true

test: all
	cd $(BUILD_DIR) && ctest --output-on-failure

# The main job: Michlo et al.'s box-blur reproduction, quick profile (about 30 minutes on 2 CPU cores;
# resumable: run it again to continue). Builds only the app (its sweep trains in the app's own worker
# processes), so a fresh clone starts training once the libraries compile, without the tests.
# Table in out/michlo_box_blur/results.md, figures beside it.
run: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target michlo_box_blur -- --no-print-directory
	$(BUILD_DIR)/bin/michlo_box_blur --profile quick --out out/michlo_box_blur

bench: all
	$(BUILD_DIR)/bin/bench_cpu
	$(BUILD_DIR)/bin/bench_models

# The readers and the hand-indexed CPU kernels under AddressSanitizer + UndefinedBehaviorSanitizer: any report
# stops the run with status 1.
SANITIZE_DIR     ?= build-sanitize
SANITIZE_MUTANTS ?= 1000
READER_TESTS     := *test_npy*,*test_io*,*test_real_files*,*test_hostile_files*
# The CPU kernels that index raw memory by hand: the strided row copies, the GEMMs, the convolutions (the
# phase-plane kernels' tests are named "conv2d phase kernels: ..."), and the host allocator and scratch
# buffers. Scratch buffers come from the host allocator's reused blocks, so an overrun inside one stays
# invisible to ASan; the kernels' index bounds are argued in their comments.
KERNEL_TESTS     := *strided*,*sgemm*,*conv2d*,*host*,*scratch*
sanitize: deps
	@cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DUNTANGLE_CUDA=OFF -DUNTANGLE_SANITIZE=ON \
	  -DUNTANGLE_CUDA_EMULATOR=OFF $(CMAKE_FLAGS) > $(SANITIZE_DIR).configure.log 2>&1 \
	  || { cat $(SANITIZE_DIR).configure.log; exit 1; }
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target test_data fuzz_readers test_kernels -- --no-print-directory
	$(SANITIZE_DIR)/bin/test_data -sf="$(READER_TESTS)"
	$(SANITIZE_DIR)/bin/test_kernels -tc="$(KERNEL_TESTS)"
	$(SANITIZE_DIR)/bin/fuzz_readers --replay tests/fixtures/fuzz_corpus
	$(SANITIZE_DIR)/bin/fuzz_readers --mutants $(SANITIZE_MUTANTS)

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log

# Formats every C++/CUDA source with clang-format 14 (make test fails on an unformatted file).
format:
	bash scripts/check_format.sh --fix

# tilesum — the README's two commands, `make demo` and `make test`, on a fresh Debian 12 machine.
# This file only installs Debian packages, configures CMake once, and runs things; building is CMake's job.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

BUILD_DIR  ?= build
BUILD_TYPE ?= Release
# Extra flags for the configure of $(BUILD_DIR) (CI: CMAKE_FLAGS=-DTILESUM_WERROR=ON); used when it first configures.
CMAKE_FLAGS ?=
JOBS       ?= 2
# Debian's interpreter: it has python3-numpy and python3-h5py; a python3 earlier on PATH may not.
PYTHON     := /usr/bin/python3
TILESUM    := $(BUILD_DIR)/tools/tilesum

# make demo DEMO_N=4096 DEMO_Q=4096 DEMO_MEMORY=64MiB runs a larger demo.
DEMO_N      ?= 1000
DEMO_Q      ?= 1000
DEMO_MEMORY ?= 256MiB
DEMO_DIR    := data/generated
DEMO_IN     := $(DEMO_DIR)/seed_in.h5
DEMO_OUT    := $(DEMO_DIR)/seed_out.h5
DEMO_OUT_2  := $(DEMO_DIR)/seed_out_2ranks.h5
# mpirun for the demo's two-rank run (docs/mpi.md): as root only when told; more ranks than cores allowed; no
# cross-memory attach, which containers often forbid.
MPIRUN := env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none \
          mpirun -q --oversubscribe

DEB_PACKAGES := build-essential cmake libhdf5-dev zlib1g-dev libtbb-dev libboost-program-options-dev catch2 \
                libopenblas-dev libhwy-dev nlohmann-json3-dev liburing-dev python3-numpy python3-h5py time pkg-config graphviz \
                pybind11-dev python3-dev python3-pytest libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
# Only for `make fuzz`: clang with libFuzzer.
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_DIR      ?= build-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  := script subscripts
# Only for `make bench`: the methods tilesum is compared with, and the plot.
BENCH_PACKAGES := python3-dask python3-matplotlib
BENCH_SIZES    ?= 400 800 2000
BENCH_MEMORY   ?= 1GiB
# tools/bench/tiled_path.py (issue 13): the seed's tiled path against the fused yardstick, the function case against
# numpy slab by slab, and the out-of-core GEMM (tools/bench/gemm_out_of_core.py), medians of TILED_REPEATS.
TILED_SIZES          ?= 800 1200 1600
TILED_FUNCTION_SIZES ?= 1000
TILED_GEMM_SIZES     ?= 4096
TILED_MEMORY         ?= 256MiB
TILED_REPEATS        ?= 3
# Only for `make lint`, `make format`, `make format-check` and `make test-clang` (clang-tidy 14, clang-format 14 and
# clang++ 14 on Debian 12; the versions matter: another clang-format may format differently).
LINT_PACKAGES := clang clang-format clang-tidy
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

# `make test-asan`: the whole suite built with ASan+UBSan (Debug, so asserts are on, but at -O1 as the ASan
# documentation advises: at -O0 the end-to-end tests took 20 minutes of CI's hour); `make test-tsan`: the tests
# labelled `threads` (tests/CMakeLists.txt, tests/e2e/CMakeLists.txt) built with ThreadSanitizer, which must be
# optimized to be usable.
ASAN_DIR := build-asan
TSAN_DIR := build-tsan
ASAN_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Debug -DTILESUM_SANITIZE=ON -DTILESUM_TSAN=OFF \
                    '-DCMAKE_CXX_FLAGS_DEBUG=-g -O1 -fno-omit-frame-pointer' '-DCMAKE_C_FLAGS_DEBUG=-g -O1'
TSAN_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTILESUM_TSAN=ON -DTILESUM_SANITIZE=OFF
# `make test-clang`: the tree built by clang++ with warnings as errors, and its unit tests.
CLANG_DIR := build-clang
CLANG_CMAKE_FLAGS := -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
                     -DTILESUM_WERROR=ON -DTILESUM_SANITIZE=OFF -DTILESUM_TSAN=OFF
# `make lint`: clang-tidy (checks in .clang-tidy) over every source file of the build, compiled as clang++ would
# (only configured, never built, in LINT_DIR); `make format` / `make format-check`: clang-format (.clang-format) over
# the tracked C++ files. Nothing tracked is generated or third-party; add exclusions to FORMAT_FILES if that changes.
LINT_DIR     := build-lint
LINT_SOURCES := '^$(CURDIR)/(engine|io|tools|tests)/'
FORMAT_FILES  = $(shell git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')

# `make install`: the CLI, libtilesum.so, headers, the CMake package and the man page under PREFIX.
PREFIX ?= /usr/local
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: deps bench-deps fuzz-deps lint-deps build demo test test-asan test-tsan test-clang fuzz bench lint format \
        format-check clean install plan-picture

# Installs only what dpkg does not report installed; `apt-get update` runs only then.
deps bench-deps fuzz-deps lint-deps:
	@missing=""; \
	for package in $(if $(filter bench-deps,$@),$(BENCH_PACKAGES),$(if $(filter fuzz-deps,$@),$(FUZZ_PACKAGES),$(if $(filter lint-deps,$@),$(LINT_PACKAGES),$(DEB_PACKAGES)))); do \
	  dpkg-query -W -f='$${db:Status-Status}\n' "$$package" 2>/dev/null | grep -qx installed \
	    || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(APT_GET) update; \
	  $(APT_GET) install -y --no-install-recommends $$missing; \
	fi

# Configures once (a cache without generated build files means the last configure failed: configure again).
build: deps
	@if [ ! -f $(BUILD_DIR)/CMakeCache.txt ] \
	    || { [ ! -f $(BUILD_DIR)/Makefile ] && [ ! -f $(BUILD_DIR)/build.ninja ]; }; then \
	  echo "cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)"; \
	  cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS); \
	fi
	cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	@mkdir -p $(DEMO_DIR)
	$(PYTHON) tools/data/gen_seed.py --n $(DEMO_N) --q $(DEMO_Q) --out $(DEMO_IN) --skip-if-same
	$(TILESUM) plan data/seed.tsum --data $(DEMO_IN) --memory $(DEMO_MEMORY)
	/usr/bin/time -f '%e s, peak RSS %M KiB' \
	  $(TILESUM) run data/seed.tsum --data $(DEMO_IN) --out $(DEMO_OUT) --overwrite --memory $(DEMO_MEMORY)
	$(PYTHON) tools/data/check_seed.py --data $(DEMO_IN) --out $(DEMO_OUT)
	@if $(TILESUM) --version | grep -q '^MPI:'; then \
	  echo "$(MPIRUN) -np 2 $(TILESUM) run data/seed.tsum ... --threads 1"; \
	  $(MPIRUN) -np 2 $(TILESUM) run data/seed.tsum --data $(DEMO_IN) --out $(DEMO_OUT_2) --overwrite \
	    --memory $(DEMO_MEMORY) --threads 1; \
	  $(PYTHON) -c 'import h5py, sys; a, b = (h5py.File(p)["E"][()] for p in sys.argv[1:]); \
	    assert a.tobytes() == b.tobytes(), "two ranks differ from one"; print("two ranks: the same bits as one")' \
	    $(DEMO_OUT) $(DEMO_OUT_2); \
	fi
	PYTHONPATH=$(BUILD_DIR)/python $(PYTHON) examples/python/seed.py --data $(DEMO_IN) --memory $(DEMO_MEMORY)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

install: build
	$(SUDO) cmake --install $(BUILD_DIR) --prefix $(PREFIX)
	$(SUDO) ldconfig

# The plan picture of the README (docs/seed-plan.svg): the demo's plan drawn by Graphviz.
plan-picture: build
	@mkdir -p $(DEMO_DIR)
	$(PYTHON) tools/data/gen_seed.py --n $(DEMO_N) --q $(DEMO_Q) --out $(DEMO_IN) --skip-if-same
	$(TILESUM) plan data/seed.tsum --data $(DEMO_IN) --memory $(DEMO_MEMORY) --dot | dot -Tsvg > docs/seed-plan.svg

# Sanitizer builds configure every time (a few seconds), so that their directory always has their options.
test-asan: deps
	cmake -S . -B $(ASAN_DIR) $(ASAN_CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j$(JOBS)
	ctest --test-dir $(ASAN_DIR) --output-on-failure -j$(JOBS)

test-tsan: deps
	cmake -S . -B $(TSAN_DIR) $(TSAN_CMAKE_FLAGS)
	cmake --build $(TSAN_DIR) -j$(JOBS)
	ctest --test-dir $(TSAN_DIR) --output-on-failure -j$(JOBS) -L threads

# The unit tests only: the point is that clang++ builds everything without a warning; the e2e tests run with g++.
# Then the plans of the random script corpus (tests/plans) from this build and from the g++ one must be the same
# bytes: a plan may not depend on the compiler.
test-clang: build lint-deps
	cmake -S . -B $(CLANG_DIR) $(CLANG_CMAKE_FLAGS)
	cmake --build $(CLANG_DIR) -j$(JOBS)
	ctest --test-dir $(CLANG_DIR) --output-on-failure -j$(JOBS) -L unit
	cmake --build $(BUILD_DIR) -j$(JOBS) --target tilesum_print_random_plans
	cmp <($(BUILD_DIR)/tests/plans/tilesum_print_random_plans) <($(CLANG_DIR)/tests/plans/tilesum_print_random_plans)
	@echo "g++ and clang++ plan the random corpus identically: $$($(BUILD_DIR)/tests/plans/tilesum_print_random_plans | grep -c '^# seed') plans compared"

# Fails on any finding (WarningsAsErrors in .clang-tidy); the findings are printed with the check's name.
lint: deps lint-deps
	cmake -S . -B $(LINT_DIR) $(CLANG_CMAKE_FLAGS) -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
	run-clang-tidy -p $(LINT_DIR) -j$(JOBS) -quiet $(LINT_SOURCES)

format: lint-deps
	clang-format -i $(FORMAT_FILES)

# Lists the files `make format` would change, and fails if there is one.
format-check: lint-deps
	@unformatted=""; \
	for file in $(FORMAT_FILES); do \
	  clang-format --dry-run -Werror "$$file" >/dev/null 2>&1 || unformatted="$$unformatted $$file"; \
	done; \
	if [ -n "$$unformatted" ]; then \
	  echo "make format-check: not formatted as .clang-format says (make format fixes them):"; \
	  printf '  %s\n' $$unformatted; \
	  exit 1; \
	fi

# libFuzzer on the script and subscripts parsers (tests/fuzz), FUZZ_SECONDS each, starting from the seed corpus
# in tests/fuzz/corpus; new inputs go to $(FUZZ_DIR)/corpus_*, a crash to $(FUZZ_DIR)/crash-* and fails the target.
fuzz: fuzz-deps
	CXX=clang++ cmake -S tests/fuzz -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_DIR) -j$(JOBS)
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus_$$target; \
	  $(FUZZ_DIR)/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/crash-$$target- $(FUZZ_DIR)/corpus_$$target tests/fuzz/corpus/$$target; \
	done

# Seed benchmark: tilesum (auto, tile) against numpy materialized, numpy hand-expanded and dask; a table and a PNG.
# Then the tiled path against the fused yardstick, the function case and the out-of-core GEMM; a table and PNGs.
bench: build bench-deps
	$(PYTHON) tools/bench/seed_compare.py --sizes $(BENCH_SIZES) --memory $(BENCH_MEMORY)
	$(PYTHON) tools/bench/tiled_path.py --tilesum $(TILESUM) --yardstick $(BUILD_DIR)/tools/bench_seed_yardstick \
	  --sizes $(TILED_SIZES) --function-sizes $(TILED_FUNCTION_SIZES) --gemm-sizes $(TILED_GEMM_SIZES) \
	  --memory $(TILED_MEMORY) --repeats $(TILED_REPEATS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(CLANG_DIR) $(LINT_DIR) $(DEMO_DIR)

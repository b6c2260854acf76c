# tilesum — the README's two commands, `make demo` and `make test`, on a fresh Debian 12 machine.
# This file only installs Debian packages, configures CMake once, and runs things; building is CMake's job.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

BUILD_DIR  ?= build
BUILD_TYPE ?= Release
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

DEB_PACKAGES := build-essential cmake libhdf5-dev libtbb-dev libboost-program-options-dev catch2 \
                libopenblas-dev nlohmann-json3-dev liburing-dev python3-numpy python3-h5py time pkg-config graphviz
# Only for `make fuzz`: clang with libFuzzer.
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_DIR      ?= build-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  := script subscripts
# Only for `make bench`: the methods tilesum is compared with, and the plot.
BENCH_PACKAGES := python3-dask python3-matplotlib
BENCH_SIZES    ?= 400 800 2000
BENCH_MEMORY   ?= 1GiB
APT_GET := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

# `make test-asan`: the whole suite built with ASan+UBSan (Debug); `make test-tsan`: the tests labelled `threads`
# (tests/CMakeLists.txt, tests/e2e/CMakeLists.txt) built with ThreadSanitizer, which must be optimized to be usable.
ASAN_DIR := build-asan
TSAN_DIR := build-tsan
ASAN_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Debug -DTILESUM_SANITIZE=ON -DTILESUM_TSAN=OFF
TSAN_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTILESUM_TSAN=ON -DTILESUM_SANITIZE=OFF

# `make install`: the CLI, libtilesum.so, headers, the CMake package and the man page under PREFIX.
PREFIX ?= /usr/local
SUDO   := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: deps bench-deps fuzz-deps build demo test test-asan test-tsan fuzz bench clean install plan-picture

# Installs only what dpkg does not report installed; `apt-get update` runs only then.
deps bench-deps fuzz-deps:
	@missing=""; \
	for package in $(if $(filter bench-deps,$@),$(BENCH_PACKAGES),$(if $(filter fuzz-deps,$@),$(FUZZ_PACKAGES),$(DEB_PACKAGES))); do \
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
	  echo "cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)"; \
	  cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE); \
	fi
	cmake --build $(BUILD_DIR) -j$(JOBS)

demo: build
	@mkdir -p $(DEMO_DIR)
	$(PYTHON) tools/data/gen_seed.py --n $(DEMO_N) --q $(DEMO_Q) --out $(DEMO_IN) --skip-if-same
	$(TILESUM) plan data/seed.tsum --data $(DEMO_IN) --memory $(DEMO_MEMORY)
	/usr/bin/time -f '%e s, peak RSS %M KiB' \
	  $(TILESUM) run data/seed.tsum --data $(DEMO_IN) --out $(DEMO_OUT) --overwrite --memory $(DEMO_MEMORY)
	$(PYTHON) tools/data/check_seed.py --data $(DEMO_IN) --out $(DEMO_OUT)

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
bench: build bench-deps
	$(PYTHON) tools/bench/seed_compare.py --sizes $(BENCH_SIZES) --memory $(BENCH_MEMORY)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(DEMO_DIR)

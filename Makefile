# The two commands of the README: `make demo` and `make test`. Each sets up
# everything it needs on a fresh machine (Debian packages, .venv, torch, the
# build tools, fastac itself) and skips what is already in place.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TORCH_VERSION := 2.13.0
DEB_PACKAGES := ccache libbenchmark-dev libgtest-dev
PY_TOOLS := "scikit-build-core>=0.10" "pybind11>=2.12" "cmake>=3.24" ninja "numpy>=1.24" "gymnasium>=1.0" \
            "pytest>=7" "hypothesis>=6" "tqdm>=4.60" "pyyaml>=6" "matplotlib>=3.5" "tensorboard>=2.10" \
            "mypy>=1.10" types-PyYAML types-tqdm "pybind11-stubgen>=2.5" "moviepy>=1.0" "pygame>=2.1" "box2d>=2.3.10" \
            "minatar>=1.0.15" "ale-py>=0.9" "opencv-python-headless>=4"
CPP_BUILD := build/cpp
CPP_SOURCES := $(shell find cpp -name '*.cpp' -o -name '*.h')
JOBS := $(shell nproc)
COMMA := ,
ASAN_OPTIONS := detect_leaks=1
TSAN_OPTIONS := second_deadlock_stack=1

.PHONY: demo test test-cpp bench-cpp test-sanitizers test-asan test-tsan test-python setup bench clean

demo: $(VENV)/.fastac-installed
	$(PY) -m fastac demo

test: test-cpp test-sanitizers test-python

setup: $(VENV)/.fastac-installed

# Debian packages: apt only when one is missing.
$(VENV)/.deb-packages:
	@if ! dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEB_PACKAGES); \
	fi
	@mkdir -p $(VENV) && touch $@

# The virtual environment with torch pinned (a CPU wheel), then the build tools.
$(VENV)/.python-deps: $(VENV)/.deb-packages Makefile
	@[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PIP) install -q "torch==$(TORCH_VERSION)"
	$(PIP) install -q $(PY_TOOLS)
	@touch $@

# fastac itself, editable and without build isolation (an isolated build would
# fetch its own torch); rebuilt when C++ or build files change, ccache makes it quick.
$(VENV)/.fastac-installed: $(VENV)/.python-deps pyproject.toml CMakeLists.txt $(CPP_SOURCES)
	CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) $(PIP) install -q --no-build-isolation --no-deps -e .
	@touch $@

# C++ unit tests (GoogleTest through ctest). The benchmarks share the build folder
# but are built by `make bench-cpp` only, not on every test run.
CPP_CONFIGURE = cmake -S . -B $(CPP_BUILD) -G Ninja -DPython_EXECUTABLE=$(abspath $(PY)) \
	  -DFASTAC_BUILD_TESTS=ON -DFASTAC_BUILD_BENCH=ON >/dev/null
CPP_TESTS := $(basename $(notdir $(wildcard tests/cpp/test_*.cpp)))
test-cpp: $(VENV)/.python-deps
	$(CPP_CONFIGURE)
	cmake --build $(CPP_BUILD) -j $(JOBS) --target $(CPP_TESTS)
	ctest --test-dir $(CPP_BUILD) --output-on-failure --no-tests=error -j $(JOBS)

# The C++ microbenchmarks (build/cpp/bench_*), and the tests.
bench-cpp: $(VENV)/.python-deps
	$(CPP_CONFIGURE)
	cmake --build $(CPP_BUILD) -j $(JOBS)

# The same C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# ones that run threads (FASTAC_THREADED_TESTS in CMakeLists.txt) under
# ThreadSanitizer (the Hogwild workers' shared accesses are relaxed atomics, so a clean
# TSan run means no data race). Any finding fails the run.
SANITIZER_CMAKE = cmake -S . -B build/$(1) -G Ninja -DPython_EXECUTABLE=$(abspath $(PY)) \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFASTAC_BUILD_TESTS=ON -DFASTAC_SANITIZE=$(2) >/dev/null
test-sanitizers: test-asan test-tsan

test-asan: $(VENV)/.python-deps
	$(call SANITIZER_CMAKE,asan,address$(COMMA)undefined)
	cmake --build build/asan -j $(JOBS)
	ASAN_OPTIONS=$(ASAN_OPTIONS) UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build/asan --output-on-failure --no-tests=error -j $(JOBS)

test-tsan: $(VENV)/.python-deps
	$(call SANITIZER_CMAKE,tsan,thread)
	cmake --build build/tsan -j $(JOBS)
	TSAN_OPTIONS=$(TSAN_OPTIONS) ctest --test-dir build/tsan --output-on-failure --no-tests=error -j $(JOBS)

test-python: $(VENV)/.fastac-installed
	$(PY) -m pytest -q

# C++ microbenchmarks and the Python benchmarks; see bench/README.md.
bench: $(VENV)/.fastac-installed bench-cpp
	$(CPP_BUILD)/bench_cartpole
	$(CPP_BUILD)/bench_acrobot
	$(CPP_BUILD)/bench_mountain_car
	$(CPP_BUILD)/bench_pendulum
	$(CPP_BUILD)/bench_a3c_kernels
	$(PY) bench/bench_envs.py
	$(PY) bench/bench_a3c.py
	$(PY) bench/bench_a2c.py

clean:
	rm -rf build $(VENV)/.fastac-installed

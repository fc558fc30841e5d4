# Two entry points do all set-up on a fresh Debian 12 machine (as root): `make demo`, `make test`.
# Both install what is missing, build, and start the local services they need.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
# Wall-clock seconds of the fuzz targets in `make test` (the Ignite decoders all of them, the
# other parsers' targets a share each beside them); tests/fuzz/run BUILD SECONDS runs longer.
FUZZ_SECONDS ?= 20
SERVICES   := deploy/local/services

.PHONY: all help deps web build asan corpus demo test bench install package format format-check clean

all: build

help:
	@echo "make demo    install what is missing, build, start the services, run streamlab bench --quick"
	@echo "make test    install what is missing, build (also under ASan/UBSan), start the services, run every test"
	@echo "make build   the binary in $(BUILD)/ (compile_commands.json for editors beside this Makefile)"
	@echo "make asan    the unit tests under AddressSanitizer and UndefinedBehaviorSanitizer in $(ASAN_BUILD)/"
	@echo "make bench   streamlab bench, every scenario at full scale with its baselines (BENCH_ARGS=--quick: minutes)"
	@echo "make install bin/streamlab and share/streamlab/ under PREFIX (default /usr/local)"
	@echo "make package a .deb in $(BUILD)/ (apt-get install ./$(BUILD)/streamlab_*.deb)"
	@echo "make format  clang-format every C++ file (make format-check only checks, as make test does)"
	@echo "make deps    only install the Debian packages building and testing need, when missing"
	@echo "make clean   remove $(BUILD)/ and $(ASAN_BUILD)/"

deps:
	@deploy/local/install-deps

# The dashboard and report front ends (npm packages pinned in web/package-lock.json).
web: deps
	@web/build

build: deps web
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@ln -sfn $(BUILD)/compile_commands.json compile_commands.json

# Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTREAMLAB_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests streamlab

corpus:
	@deploy/local/corpus >/dev/null

# The main job: the lab's experiments, quick, with their baselines; prints where the report is.
demo: build corpus
	@$(SERVICES) start kafka postgres redis ignite toxiproxy
	@deploy/local/python-env
	@bench/ignite-baseline/build
	@eval "$$($(SERVICES) env)" && $(BUILD)/streamlab bench --quick

test: format-check build asan corpus
	@$(SERVICES) start kafka postgres redis ignite toxiproxy
	@deploy/local/python-env
	@eval "$$($(SERVICES) env)" && \
	  ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) && \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -L unit -j $(JOBS) && \
	  tests/fuzz/run $(BUILD) $(FUZZ_SECONDS)

# The full benchmark: every scenario with its baselines; the report's path is printed last.
BENCH_ARGS ?=
bench: build corpus
	@$(SERVICES) start kafka postgres redis ignite toxiproxy
	@deploy/local/python-env
	@bench/ignite-baseline/build
	@eval "$$($(SERVICES) env)" && $(BUILD)/streamlab bench $(BENCH_ARGS)

# bin/streamlab and share/streamlab/ under PREFIX (default /usr/local); the binary finds its
# page, report front end, baselines and scripts there.
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

# A .deb of the same layout under /usr: apt-get install ./build/streamlab_*.deb
package: build
	@cd $(BUILD) && cpack --config CPackConfig.cmake

# clang-format (.clang-format) over every C++ file git knows: rewrite them, or only check them.
FORMAT_FILES = git ls-files -z '*.cpp' '*.hpp'
format: deps
	@$(FORMAT_FILES) | xargs -0 clang-format -i
format-check: deps
	@$(FORMAT_FILES) | xargs -0 clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

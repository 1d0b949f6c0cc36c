# The two commands of the README: `make run` (service with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The bpmn-js viewer for the case page, pinned in package-lock.json and served by the app
# itself (no CDN): npm ci, then copy the prebuilt bundle into a git-ignored static folder.
VENDOR = service/static/vendor/bpmn-js
$(VENDOR)/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the bpmn-js diagram viewer"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/
	cp -R node_modules/bpmn-js/dist/assets $(VENDOR)/assets
	touch $@

# The web UI's message catalogs: the .po files are committed, the .mo files built here (git-ignored).
install: $(BIN)/.installed $(VENDOR)/.installed
	$(BIN)/pybabel compile --statistics -d service/translations

run: install
	$(BIN)/talentflow seed-demo
	$(BIN)/talentflow serve --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_jobs.py

.PHONY: install run test bench

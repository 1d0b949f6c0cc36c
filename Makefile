# The two commands of the README: `make run` (service with demo data) and `make test`.
# Neither needs Node.js: the browser assets the pages load are committed (see `make vendor`).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

# setup.py compiles the message catalogs during the install; a changed .po file reinstalls.
$(BIN)/.installed: pyproject.toml setup.py $(wildcard service/translations/*/LC_MESSAGES/*.po)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/talentflow seed-demo
	$(BIN)/talentflow serve --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest -q

# The installed package from outside: build the wheel, install it into a fresh venv without
# Node.js on the PATH, and drive one selection case through a real server (CI runs this).
smoke-wheel:
	bash .ci/wheel-smoke

# Speed through the real server over sockets, SQLite and the machine's PostgreSQL (set
# BENCH_PG_URL to another server), where one review completion's time goes, then the
# in-process core figures and the jobs on both databases.
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
bench: install
	$(BIN)/python bench/bench_http.py
	$(BIN)/python bench/bench_http.py --database-url $(BENCH_PG_URL)
	$(BIN)/python bench/profile_review.py
	$(BIN)/python bench/profile_review.py --database-url $(BENCH_PG_URL)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_jobs.py
	$(BIN)/python bench/bench_jobs.py --database-url $(BENCH_PG_URL)

# Refresh the committed browser assets from the versions pinned in package.json /
# package-lock.json (needs Node.js/npm; commit the result). Only what the pages load is kept.
VENDOR = service/static/vendor
vendor:
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)/bpmn-js && mkdir -p $(VENDOR)/bpmn-js/assets
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/bpmn-js/
	cp node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css \
	   $(VENDOR)/bpmn-js/assets/
	cp node_modules/bpmn-js/LICENSE $(VENDOR)/bpmn-js/LICENSE
	node -p '"bpmn-js " + require("./node_modules/bpmn-js/package.json").version' > $(VENDOR)/bpmn-js/VERSION
	# the process designer: the bpmn-js modeler with its icon font (embedded in the css)
	cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	mkdir -p $(VENDOR)/bpmn-js/assets/bpmn-font/css
	cp node_modules/bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css $(VENDOR)/bpmn-js/assets/bpmn-font/css/
	rm -rf $(VENDOR)/dmn-js && mkdir -p $(VENDOR)/dmn-js/assets/dmn-font/css
	cp node_modules/dmn-js/dist/dmn-modeler.production.min.js $(VENDOR)/dmn-js/
	cp node_modules/dmn-js/dist/assets/diagram-js.css node_modules/dmn-js/dist/assets/dmn-js-shared.css \
	   node_modules/dmn-js/dist/assets/dmn-js-drd.css node_modules/dmn-js/dist/assets/dmn-js-decision-table.css \
	   node_modules/dmn-js/dist/assets/dmn-js-decision-table-controls.css \
	   node_modules/dmn-js/dist/assets/dmn-js-literal-expression.css \
	   node_modules/dmn-js/dist/assets/dmn-js-boxed-expression.css \
	   node_modules/dmn-js/dist/assets/dmn-js-boxed-expression-controls.css $(VENDOR)/dmn-js/assets/
	cp node_modules/dmn-js/dist/assets/dmn-font/css/dmn-embedded.css $(VENDOR)/dmn-js/assets/dmn-font/css/
	cp node_modules/dmn-js/LICENSE $(VENDOR)/dmn-js/LICENSE
	node -p '"dmn-js " + require("./node_modules/dmn-js/package.json").version' > $(VENDOR)/dmn-js/VERSION
	rm -rf $(VENDOR)/echarts && mkdir -p $(VENDOR)/echarts
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE \
	   $(VENDOR)/echarts/
	node -p '"echarts " + require("./node_modules/echarts/package.json").version' > $(VENDOR)/echarts/VERSION

# After changing UI text: re-extract the catalog template and merge it into each locale.
catalogs: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --project=TalentFlow \
	    -o service/translations/messages.pot .
	$(BIN)/pybabel update -i service/translations/messages.pot -d service/translations

.PHONY: install run test smoke-wheel bench vendor catalogs

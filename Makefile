# make book: build the site into _build/html.   make test: run every test.
# Both create .venv and install requirements.txt first; nothing else is needed
# on a fresh Debian machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: install fonts test book lab clean

install: $(STAMP) fonts

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Chinese plot labels need a CJK font: install Debian's fonts-noto-cjk when we can.
fonts:
	@if fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		true; \
	elif command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null \
		&& fc-cache -f >/dev/null; \
	else \
		echo "warning: no CJK font found; Chinese plot labels will show as boxes." \
		     "Install fonts-noto-cjk (Debian/Ubuntu); macOS and Windows ship one."; \
	fi

test: install
	$(BIN)/python -m pytest tests
	$(MAKE) book

book: install
	$(BIN)/jupyter-book build . $(JB_FLAGS)

clean:
	rm -rf _build .pytest_cache .hypothesis

# Open the chapters in JupyterLab, with the book's kernel and package.
lab: install
	$(BIN)/jupyter lab book

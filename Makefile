# make book: build the site into _build/html.   make pdf: the PDF editions.   make dist: the offline bundle.
# make test: run every test. All create .venv and install requirements.txt first; on a fresh Debian machine
# with Python 3.11 they install what else they need (fonts, Chromium, TeX Live) when run as root or with sudo.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: install fonts browser tex assets axe test test-unit test-portable test-gpu nbval check experiments fingerprint \
	bench notebooks book pdf dist screenshots exercises lab clean tag-portable

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

# The browser tests drive Debian's Chromium when there is one: install it when missing and we can (root
# or sudo). Elsewhere (no root, macOS) fall back to Playwright's own Chromium, which needs internet once.
browser: install
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then \
		true; \
	elif command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "no system Chromium and no apt: installing Playwright's own Chromium"; \
		$(BIN)/python -m playwright install chromium \
			|| echo "warning: no Chromium; the browser tests will fail. Install chromium, or rerun with internet."; \
	fi

# The reference numerics profile (cbam_lessons/numerics.py: one thread, AVX2 code paths in ATen, oneDNN and
# MKL), under which the stored outputs and the run logs reproduce bit for bit. Every target that computes
# runs under it, whatever the caller's environment says (numerics.py needs only Python's standard library).
PROFILE := env $(shell $(PYTHON) cbam_lessons/numerics.py --env)
# A perturbed profile for the portable tier: one thread, oneDNN capped at SSE4.1, MKL on its automatic path.
PERTURBED := env $(shell $(PYTHON) cbam_lessons/numerics.py --env --perturbed)
# Notebooks run with progress bars off, so stored and fresh outputs can match.
NBVAL_FLAGS := --nbval-current-env --nbval-cell-timeout=900 --nbval-sanitize-with book/sanitize.cfg
NOTEBOOKS ?= book

fingerprint: install
	@$(PROFILE) $(BIN)/python -m cbam_lessons.numerics

# The fingerprint first; strict nbval where the profile reproduces the stored outputs (x86-64 with AVX2,
# torch as pinned), else the portable tier, which is what such a machine can check.
PHASES := _build/ci-phases.tsv
# $(call timed,NAME,COMMAND): run COMMAND and append "NAME<TAB>seconds<TAB>exit status" to $(PHASES).
timed = start=$$(date +%s); $(2); rc=$$?; printf '%s\t%s\t%s\n' "$(1)" "$$(( $$(date +%s) - start ))" $$rc >> $(PHASES); exit $$rc

test:
	@mkdir -p _build && rm -f $(PHASES)
	@$(call timed,install: venv and fonts and browser and axe-core,$(MAKE) install browser axe)
	@$(PROFILE) $(BIN)/python -m cbam_lessons.numerics
	@$(call timed,site and PDFs and offline bundle,$(MAKE) dist)
	@$(call timed,unit and browser tests,$(MAKE) test-unit)
	@if $(PROFILE) $(BIN)/python -m cbam_lessons.numerics --strict >/dev/null; then \
		$(call timed,notebooks: strict nbval,$(MAKE) nbval); \
	else \
		echo "strict reproduction cannot hold here (see the fingerprint above): running the portable tier instead"; \
		$(call timed,notebooks: portable tier,$(MAKE) test-portable); \
	fi

test-unit: install
	$(PROFILE) $(BIN)/python -m pytest tests

# Strict nbval on NOTEBOOKS (files or folders; default: every notebook) under the reference profile, two
# notebooks at a time (pytest-xdist; one kernel per worker, one thread per kernel).
nbval: install
	$(PROFILE) CBAM_PROGRESS=0 $(BIN)/python -m pytest --nbval $(NBVAL_FLAGS) -n 2 --dist loadscope $(NOTEBOOKS)

# The maintainers' quick loop: the unit tests, then strict nbval on the notebooks changed since main
# (committed or not), with their twins in the other language and their student copies.
check: install
	$(MAKE) test-unit
	@changed="$$($(BIN)/python -m cbam_lessons.portable changed --since main)"; \
	if [ -n "$$changed" ]; then $(MAKE) nbval NOTEBOOKS="$$changed"; else echo "no notebook changed since main"; fi

# The portable tier: every notebook under the perturbed profile with lax nbval, which compares only the
# cells tagged nbval-check-output (tagged by measurement: make tag-portable); the chapters' re-trained
# runs are checked against their logs within the tolerance that cbam_lessons.experiment.runlog states.
test-portable: install
	$(PERTURBED) CBAM_PROGRESS=0 $(BIN)/python -m pytest --nbval-lax $(NBVAL_FLAGS) -n 2 --dist loadscope $(NOTEBOOKS)

# Measure which cells' outputs do not depend on numerics (execute under the perturbed profile, compare
# with the stored outputs) and tag those nbval-check-output; the others lose the tag.
tag-portable: install
	$(PERTURBED) CBAM_PROGRESS=0 $(BIN)/python -m cbam_lessons.portable tag $(NOTEBOOKS)

# Train the book's recorded experiments into cbam_lessons/experiment/runlogs/ (resumable; NAME=all or one name,
# ONLY=cbam,plain:3 for some runs, JOBS runs at once, one thread each).
NAME ?= all
JOBS ?= 2
experiments: install
	$(BIN)/python -m cbam_lessons.experiment run $(NAME) --jobs $(JOBS) $(if $(ONLY),--only $(ONLY))

# On a CUDA machine: the unit tests with CUDA selected, then the portable tier on the GPU: lax nbval compares
# the cells tagged nbval-check-output, and the re-trained runs are checked against their logs within tolerance.
test-gpu: install
	$(BIN)/python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'test-gpu: no CUDA device visible to torch')"
	CBAM_DEVICE=cuda $(BIN)/python -m pytest tests
	CBAM_DEVICE=cuda CBAM_PROGRESS=0 $(BIN)/python -m pytest --nbval-lax $(NBVAL_FLAGS) $(NOTEBOOKS)
	$(MAKE) bench

# Seed vs eager vs timm vs fast CBAM, floors, activation memory, training steps (on the default device).
bench: install
	$(BIN)/python -m pip install --quiet -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/bench_cbam.py

# Re-execute every chapter in place (after editing one), regenerate the student notebooks from the
# chapters' marked solutions, and execute those too. Widget state is saved for the site. They run under
# the reference profile, two at a time (one thread each), and each records in its metadata the numerics
# fingerprint it ran under. The timing chapter (TIMED) runs alone, after the others: a second kernel on two
# cores would be in its measurements (it once made an elementwise pass 4x slower). NB="en/04_cbam_model.ipynb
# zh/04_cbam_model.ipynb" executes only those chapters (paths under book/) and their student copies.
EXECUTE := $(PROFILE) CBAM_PROGRESS=0 ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.store_widget_state=True
RECORD := $(PROFILE) ../$(BIN)/python -m cbam_lessons.numerics --stamp
TIMED := 09_making_cbam_fast
CHAPTERS = ls $(or $(NB),en/*.ipynb zh/*.ipynb)
COPIES = for nb in $(or $(NB),en/*.ipynb zh/*.ipynb); do copy=$$(dirname $$nb)/exercises/$$(basename $$nb); \
		[ -f "$$copy" ] && echo "$$copy"; done
EXECUTE_EACH = xargs -r -P $(1) -I{} sh -c '$(EXECUTE) {} && $(RECORD) {}'
notebooks: install
	cd book && $(CHAPTERS) | grep -v $(TIMED) | $(call EXECUTE_EACH,2)
	cd book && $(CHAPTERS) | grep $(TIMED) | $(call EXECUTE_EACH,1)
	$(BIN)/python -m cbam_lessons.student_notebooks book
	cd book && $(COPIES) | grep -v $(TIMED) | $(call EXECUTE_EACH,2)
	cd book && $(COPIES) | grep $(TIMED) | $(call EXECUTE_EACH,1)

# The site loads nothing from third-party hosts: MathJax, RequireJS and the widget manager come from
# npm at build time (pinned versions), into _build/offline_static, which both configs serve as _static.
NPM_PACKAGES := mathjax@3.2.2 requirejs@2.3.7 @jupyter-widgets/html-manager@1.0.6
ASSETS := _build/offline_static
assets: $(ASSETS).done
$(ASSETS).done: Makefile
	rm -rf $(ASSETS) $(ASSETS).done _build/npm && mkdir -p $(ASSETS) _build/npm
	cd _build/npm && npm pack --silent $(NPM_PACKAGES) >/dev/null
	tar -xzf _build/npm/mathjax-3.2.2.tgz -C _build/npm && mv _build/npm/package/es5 $(ASSETS)/mathjax && rm -rf _build/npm/package
	tar -xzf _build/npm/requirejs-2.3.7.tgz -C _build/npm && mv _build/npm/package/require.js $(ASSETS)/require.js && rm -rf _build/npm/package
	tar -xzf _build/npm/jupyter-widgets-html-manager-1.0.6.tgz -C _build/npm && mv _build/npm/package/dist $(ASSETS)/widgets && rm -rf _build/npm/package
	rm -f $(ASSETS)/widgets/*.map
	touch $@

# The browser tests inject axe-core, the accessibility checker (pinned, from npm), into every page.
AXE := _build/axe/axe.min.js
axe: $(AXE)
$(AXE): Makefile
	rm -rf _build/axe && mkdir -p _build/axe
	cd _build/axe && npm pack --silent axe-core@4.14.1 >/dev/null && tar -xzf axe-core-4.14.1.tgz package/axe.min.js \
		&& mv package/axe.min.js . && rm -rf package axe-core-4.14.1.tgz

# Two builds, one site: English at _build/html, Chinese at _build/html/zh (its own language
# setting gives lang="zh-CN", Chinese theme texts and a Chinese search index).
book: install assets
	rm -rf _build/html _build/zh _build/.doctrees  # a clean build: no pages left from deleted chapters
	$(BIN)/jupyter-book build . --config _config.yml --toc _toc.yml $(JB_FLAGS)
	$(BIN)/jupyter-book build . --config _config.zh.yml --toc _toc.zh.yml --path-output _build/zh $(JB_FLAGS)
	cp -r _build/zh/_build/html _build/html/zh

# The PDF editions need TeX Live's xelatex with xeCJK, latexmk, DejaVu fonts and poppler's pdftotext/pdffonts
# (for the tests): install Debian's packages when missing and we can.
TEX_PACKAGES := texlive-xetex texlive-latex-extra texlive-lang-chinese texlive-fonts-recommended latexmk poppler-utils fonts-dejavu-core
tex: fonts
	@if command -v xelatex >/dev/null && command -v latexmk >/dev/null && command -v pdftotext >/dev/null \
		&& kpsewhich xeCJK.sty >/dev/null && fc-list | grep -q "DejaVu Serif"; then \
		true; \
	elif command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	else \
		echo "make pdf needs xelatex with xeCJK, latexmk, poppler-utils and the DejaVu and Noto CJK fonts;" \
		     "on Debian/Ubuntu: apt-get install $(TEX_PACKAGES) fonts-noto-cjk; on macOS: MacTeX and poppler."; \
		exit 1; \
	fi

# PDF editions, _build/pdf/cbam-lessons-{en,zh}.pdf: Sphinx's LaTeX writer and xelatex, warnings as errors.
# Their table of contents is the site's with the preface as the first chapter (book/_ext/pdf_toc.py).
pdf: install tex assets
	rm -rf _build/pdf && mkdir -p _build/pdf
	for lang in en zh; do \
		suffix=$$([ $$lang = en ] || echo .$$lang); \
		$(BIN)/python book/_ext/pdf_toc.py _toc$$suffix.yml _build/pdf/_toc.$$lang.yml || exit 1; \
		$(BIN)/jupyter-book build . --config _config$$suffix.yml --toc _build/pdf/_toc.$$lang.yml --builder pdflatex \
			--path-output _build/pdf/$$lang $(JB_FLAGS) || exit 1; \
		cp _build/pdf/$$lang/_build/latex/book.pdf _build/pdf/cbam-lessons-$$lang.pdf; \
	done

# The offline bundle in dist/: the site (both languages) and all notebooks as zips, both PDFs, the package as a
# wheel and an sdist (pip install them anywhere PyTorch is), SHA256SUMS.
dist: book pdf
	$(BIN)/python book/_ext/bundle.py

# Home page and one chapter per language, desktop and phone widths, into _build/screenshots (not committed).
screenshots: book browser
	$(BIN)/python tests/site_browser.py _build/screenshots

clean:
	rm -rf _build dist .pytest_cache .hypothesis

# Students: copy the exercises into my-exercises/ (never overwriting a notebook there), then open them.
WORKSPACE ?= my-exercises
exercises: install
	$(BIN)/python -m cbam_lessons.exercises --to $(WORKSPACE)

lab: exercises
	$(BIN)/jupyter lab $(WORKSPACE) $$([ "$$(id -u)" = 0 ] && echo --allow-root)  # root: in a container, say

# policydocs — the two commands in the README:
#   make demo   set up (system packages, .venv) and publish the bundled sample regulations in demo/
#   make test   set up, then run the test suite
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Fonts: every face our documents name is a Noto CJK face (Latin and digits use its own Latin
# glyphs), from fonts-noto-cjk; fonts-liberation2 gives Times New Roman/Arial metrics to an
# organisation's reference DOCX that names them (fontconfig aliases them), instead of DejaVu.
APT_PACKAGES := fonts-noto-cjk fonts-dejavu-core fonts-liberation2 fontconfig poppler-utils libreoffice-writer chromium chromium-driver libnss3-tools postgresql
# The faces the documents name (render/docx_styles.py, core/locales.py): `make fonts` checks that
# fontconfig resolves each one to itself.
DOC_FONTS := Noto Serif CJK SC|Noto Sans CJK SC|Noto Serif CJK TC|Noto Sans CJK TC|Noto Serif CJK HK|Noto Sans CJK HK
STAMP := $(VENV)/.installed

.PHONY: demo test setup system-deps fonts bench clean

# The demo publishes a copy of the sample project in demo/ (git-ignored): publishing appends
# signed records to the ledger and writes publication/, and the repository's ledger stays as
# committed. It signs with a per-machine demo CA (`keys init-org`): its private key lives in
# ~/.config/policydocs, its public certificate in demo/keys/org-ca.pem.
export POLICYDOCS_SIGNING_PASSPHRASE ?= policydocs-demo
DEMO := demo
SAMPLE := policydocs.toml glossary.yaml people.yaml policies handbooks ledger

demo: setup
	rm -rf $(DEMO) && mkdir -p $(DEMO) && cp -r $(SAMPLE) $(DEMO)/
	$(BIN)/policydocs -C $(DEMO) keys init-org --force
	$(BIN)/policydocs -C $(DEMO) build --all
	@echo "portal: $(DEMO)/build/site/index.html   published: $(DEMO)/publication/   previews: $(DEMO)/build/preview/"

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/run.py

setup: system-deps fonts $(STAMP)

# Every font the documents name must resolve to that face, or LibreOffice lays them out in a
# fallback (DejaVu: wider digits, header cells that wrap).
fonts: system-deps
	@IFS='|'; for f in $$(echo '$(DOC_FONTS)'); do \
	  got=$$(fc-match -f '%{family}' "$$f"); \
	  case ",$$got," in *",$$f,"*) ;; *) echo "font '$$f' is not installed (fontconfig picks '$$got'): install fonts-noto-cjk"; exit 1;; esac; \
	done

# Install the Debian packages that are missing (only those), as root or via sudo.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf build $(DEMO)

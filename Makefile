# Two commands on a fresh Debian machine: `make run` and `make test`.
# Everything else here is what those two need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export PORT  # (the app derives PUBLIC_BASE_URL, the QR codes' links, from it unless set)
# One single-threaded worker per core: on the embedded SQLite default a decision is CPU work
# and writers take turns, so threads only add contention (see README, Decision throughput).
WORKERS ?= 2
export FLASK_APP := backend

# Debian packages: the CJK font embedded in certificate PDFs (run), and the real PC/SC stack,
# Chromium, PDF and QR tools and the MQTT broker the tests drive (test).
RUN_DEBS  := fonts-wqy-microhei
KIOSK_DEBS := pcscd vsmartcard-vpcd swig libpcsclite-dev build-essential
TEST_DEBS := $(RUN_DEBS) $(KIOSK_DEBS) chromium poppler-utils zbar-tools libzbar0 mosquitto

# The kiosk demo (README, Kiosks): a demo kiosk registered once, its kiosk.toml kept here.
KIOSK_CONFIG := instance/kiosk-demo.toml
CARD ?= linchizheng

.PHONY: run test setup lint bench clean system-run system-test kiosk kiosk-card system-kiosk

run: system-run $(VENV)/.installed
	$(BIN)/flask setup
	$(BIN)/gunicorn --config gunicorn.conf.py --worker-class sync --workers $(WORKERS) --bind 127.0.0.1:$(PORT) \
	    --access-logfile - --logger-class backend.common.access_log.MaskingLogger \
	    backend.wsgi:app

test: system-test $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: system-run $(VENV)/.installed
	$(BIN)/flask setup

# Beside `make run` (another terminal): the kiosk program on :8765 reading the virtual reader.
# Then `make kiosk-card` (a third terminal) puts a demo ID card in; CARD=chenhege or zhangguashi
# for the others in kiosk/demo/.
kiosk: system-kiosk $(VENV)/.installed-test
	@test -f $(KIOSK_CONFIG) || $(BIN)/flask devices register 演示终端 --location 演示大厅 \
	    --write-config $(KIOSK_CONFIG) --reader "Virtual PCD 00 00"
	@pgrep -x pcscd >/dev/null || { test "$$(id -u)" = 0 && pcscd; } || \
	    { echo "Start the PC/SC daemon first: sudo pcscd"; exit 1; }
	@echo "Open http://127.0.0.1:8765 (chromium --kiosk http://127.0.0.1:8765), then: make kiosk-card"
	$(BIN)/python -m kiosk --config $(KIOSK_CONFIG)

kiosk-card: $(VENV)/.installed-test
	$(BIN)/python -m card_reader.virtual --record kiosk/demo/$(CARD).json

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/decisions.py
	$(BIN)/python bench/certificates.py
	$(BIN)/python bench/h5_pages.py
	$(BIN)/python bench/card_read.py
	$(BIN)/python bench/plates.py

# Install missing Debian packages when root; otherwise name them and stop.
define ensure_debs
	@missing=""; for p in $(1); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	        echo "Installing Debian packages:$$missing"; \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	    else \
	        echo "Missing Debian packages:$$missing"; \
	        echo "Install them with: sudo apt-get install$$missing"; exit 1; \
	    fi; \
	fi
endef

system-run:
	$(call ensure_debs,$(RUN_DEBS))

system-test:
	$(call ensure_debs,$(TEST_DEBS))

system-kiosk:
	$(call ensure_debs,$(KIOSK_DEBS))

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

$(VENV)/.installed: $(VENV)/bin/python setup.cfg
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/bin/python setup.cfg
	$(BIN)/pip install -q -e '.[test,kiosk]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) instance *.egg-info

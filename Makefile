# Javelin: `make run` starts the whole platform, `make test` runs the test suite.
# Both work on a fresh Debian machine as root: they install what they need first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test test-host lint system-deps venv migrate bootstrap bench clean ui

# Debian packages the project needs: libvirt headers to build libvirt-python,
# chromium for the browser tests (driven by Playwright with this system executable).
APT_PACKAGES := libvirt-dev pkg-config gcc python3-dev chromium nftables iproute2 iputils-ping qemu-utils
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

venv: system-deps $(VENV)/.installed

# Ansible with its CloudStack collection, for the Ansible test: a venv of its own
ANSIBLE_VENV := .venv-ansible
$(ANSIBLE_VENV)/.installed: requirements-ansible.txt
	$(PYTHON) -m venv $(ANSIBLE_VENV)
	$(ANSIBLE_VENV)/bin/pip install -q --upgrade pip
	$(ANSIBLE_VENV)/bin/pip install -q -r requirements-ansible.txt
	touch $@

migrate: venv
	$(BIN)/python manage.py migrate --noinput -v 0

bootstrap: migrate
	@echo "admin API keys:"
	@$(BIN)/python manage.py bootstrap

# Apache CloudStack's web UI, served at / when a build of it is at hand: JAVELIN_UI_DIR (a built
# dist/ directory), else UI_ARCHIVE (an archive of one, as ../shared/clients holds), unpacked once.
UI_ARCHIVE ?= $(firstword $(wildcard ../shared/clients/cloudstack-ui-*.tar.gz))
UI_DIST := $(CURDIR)/var/ui/cloudstack-ui/dist
ui:
	@if [ -z "$$JAVELIN_UI_DIR" ] && [ -n "$(UI_ARCHIVE)" ] && [ ! -f "$(UI_DIST)/index.html" ]; then \
		mkdir -p var/ui && tar -xzf "$(UI_ARCHIVE)" -C var/ui; \
	fi

# Every component is its own OS process (see Procfile), under supervisord: one that dies is
# restarted and the others go on; Ctrl-C stops them all.
run: bootstrap ui
	@echo "CloudStack API: http://$${JAVELIN_API_BIND:-127.0.0.1:8080}/client/api"
	@ui="$${JAVELIN_UI_DIR:-}"; if [ -z "$$ui" ] && [ -f "$(UI_DIST)/index.html" ]; then ui="$(UI_DIST)"; fi; \
	if [ -n "$$ui" ]; then echo "CloudStack web UI: http://$${JAVELIN_API_BIND:-127.0.0.1:8080}/ ($$ui)"; fi; \
	JAVELIN_UI_DIR="$$ui" $(BIN)/python manage.py supervise

test: lint test-host
	$(BIN)/python -m pytest

# What the tests need beyond the venv, prepared before pytest runs (never inside a fixture):
# a real libvirtd and a tiny KVM guest (tests/kvm/setup.sh, idempotent), and Ansible.
test-host: venv $(ANSIBLE_VENV)/.installed
	bash tests/kvm/setup.sh >/dev/null

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: venv
	$(BIN)/python bench/deploy.py

clean:
	rm -rf var .pytest_cache

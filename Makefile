# ProcLab. Two commands on a fresh Debian/Ubuntu machine:
#   make run    installs what Fyne's cgo build needs (when missing), builds, starts the app
#   make test   the same set-up, then vet, race tests, cross-OS checks, screenshots, a window smoke run
# The one prerequisite is Go 1.21 or newer (it fetches the toolchain go.mod asks for by itself).

GO      ?= go
TAGS    := migrated_fynedo
BIN     := proclab
# Debian packages for Fyne's cgo build (GL and X11 headers), and Xvfb for the window smoke run.
DEB_PKGS := gcc libgl1-mesa-dev xorg-dev xvfb
TEST_PKGS := dosfstools fusefat ntfs-3g
SHELL   := /bin/bash
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Packages whose code differs per OS: they must compile (with their tests) for each OS.
CROSS_PKGS := ./core/... ./ipc/... ./cli ./cli/console ./cli/headless ./applog ./daemon ./internal/sysmem $(wildcard ./backup)
export LANG := en_US.UTF-8

FYNE    := $(shell $(GO) env GOPATH 2>/dev/null)/bin/fyne
FYNE_TOOL_VERSION := v1.7.4

.PHONY: all run build test deps test-deps install-pkgs check-go vet race cross shots smoke clean fyne-tool package install-user windows

all: build

check-go:
	@command -v $(GO) >/dev/null 2>&1 || { echo "ProcLab needs Go 1.21 or newer: install it from https://go.dev/dl/ and run make again." >&2; exit 1; }
	@v=$$($(GO) env GOVERSION 2>/dev/null | sed 's/^go//'); major=$${v%%.*}; rest=$${v#*.}; minor=$${rest%%.*}; \
	if [ -z "$$v" ] || [ "$$major" -lt 1 ] || { [ "$$major" -eq 1 ] && [ "$$minor" -lt 21 ]; }; then \
		echo "ProcLab needs Go 1.21 or newer (found '$$($(GO) version 2>/dev/null)'); Go 1.21+ then fetches the 1.26 toolchain itself." >&2; exit 1; fi

deps: check-go
	@$(MAKE) --no-print-directory install-pkgs PKGS="$(DEB_PKGS)" WHY="Fyne's cgo build"

# The tests also back up onto FAT and NTFS disk images, mounted through FUSE.
test-deps: deps
	@$(MAKE) --no-print-directory install-pkgs PKGS="$(TEST_PKGS)" WHY="the FAT and NTFS disk tests"

install-pkgs:
	@missing=""; for p in $(PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null; then echo "Install these packages (or your system's equivalents) and run make again:$$missing" >&2; exit 1; fi; \
		echo "Installing system packages for $(WHY):$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(GO) build -tags $(TAGS) -o $(BIN) .

run: build
	./$(BIN)

vet: deps
	$(GO) vet -tags $(TAGS) ./...

# The full verbose log goes to dist/test.log; the terminal gets package results, failures,
# and one closing count.
race: test-deps
	@mkdir -p dist
	@set -o pipefail; $(GO) test -race -tags $(TAGS) -timeout 20m -v ./... 2>&1 | tee dist/test.log \
		| grep -E '^(ok|FAIL|panic:|fatal error:|--- FAIL|\s+--- FAIL|\s+\S+_test\.go:[0-9]+:)'; rc=$$?; \
	echo "tests: $$(grep -cE '^\s*--- PASS' dist/test.log) passed, $$(grep -cE '^\s*--- FAIL' dist/test.log) failed"; exit $$rc

# OS-specific code (job objects, console attach, signals) must compile everywhere, tests included.
cross: check-go
	@for os in windows darwin; do \
		echo "GOOS=$$os: go vet and go test -c of $(CROSS_PKGS)"; \
		CGO_ENABLED=0 GOOS=$$os $(GO) vet $(CROSS_PKGS) || exit 1; \
		for p in $$(CGO_ENABLED=0 GOOS=$$os $(GO) list $(CROSS_PKGS)); do \
			CGO_ENABLED=0 GOOS=$$os $(GO) test -c -o /dev/null $$p || exit 1; done; \
	done

# A picture of every tab, rendered headless; they also prove each tab builds and draws.
shots: build
	@mkdir -p dist/shots; tmp=$$(mktemp -d); \
	for t in spawn kill queue pipe backup daemons; do \
		HOME=$$tmp XDG_CACHE_HOME=$$tmp/cache XDG_CONFIG_HOME=$$tmp/config ./$(BIN) shot $$t dist/shots/$$t.png || { rm -rf $$tmp; exit 1; }; \
	done; rm -rf $$tmp

# The real window under Xvfb: alive after a few seconds, closes cleanly, leaves no child.
smoke: build
	bash .ci/smoke.sh ./$(BIN)

test: deps vet race cross shots smoke
	@echo "make test: all checks passed (vet, race tests, windows/darwin compile, shots, window smoke)"
	@echo "tests: $$(grep -cE '^\s*--- PASS' dist/test.log) passed, $$(grep -cE '^\s*--- FAIL' dist/test.log) failed"

# Packaging, the way Fyne apps ship: FyneApp.toml gives name, ID, version and icon.
fyne-tool: check-go
	@[ -x "$(FYNE)" ] || { echo "Installing the fyne tool $(FYNE_TOOL_VERSION)"; $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOL_VERSION); }

# dist/ProcLab.tar.xz: the binary, the icon and a .desktop entry.
# The binary is built here (named proclab, not after the module) and handed to the tool,
# which takes name, ID, version and icon from FyneApp.toml.
package: deps fyne-tool
	@mkdir -p dist/linux
	$(GO) build -tags $(TAGS),release -trimpath -ldflags "-s -w" -o dist/linux/proclab .
	@cp FyneApp.toml dist/FyneApp.toml.keep  # the tool bumps Build in place on a release
	$(FYNE) package -os linux --release --exe dist/linux/proclab; rc=$$?; mv -f dist/FyneApp.toml.keep FyneApp.toml; exit $$rc
	@mv -f ProcLab.tar.xz dist/ && rm -rf dist/linux && echo "dist/ProcLab.tar.xz"

# Installs the Linux package for the current user (~/.local/bin, menu entry, icon).
install-user: package
	@tmp=$$(mktemp -d); tar -xf dist/ProcLab.tar.xz -C $$tmp --strip-components=1 && $(MAKE) -C $$tmp user-install; rc=$$?; rm -rf $$tmp; exit $$rc

# dist/ProcLab.exe: a GUI-subsystem Windows app (no console window) with icon and version
# resource, cross-compiled with mingw-w64. The first build takes several minutes.
windows: fyne-tool
	@dpkg-query -W -f='$${Status}' gcc-mingw-w64-x86-64 2>/dev/null | grep -q "install ok installed" || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64; }
	@mkdir -p dist && cp FyneApp.toml dist/FyneApp.toml.keep
	CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 $(FYNE) package -os windows --release --tags $(TAGS); \
		rc=$$?; mv -f dist/FyneApp.toml.keep FyneApp.toml; exit $$rc
	@mkdir -p dist && mv -f ProcLab.exe dist/ && file dist/ProcLab.exe

clean:
	rm -rf $(BIN) dist

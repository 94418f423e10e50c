# Siegel — two commands do everything on a fresh Debian/Ubuntu machine:
#   make run    install missing system packages, build, start the app
#   make test   install missing system packages, run every test
# and two more make it a desktop application:
#   make package   the Linux bundle dist/Siegel.tar.xz (binary, .desktop file, icon)
#   make install   install that bundle for the current user (~/.local)
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go

# Debian packages: building the window (cgo, X11, OpenGL) ...
BUILD_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev
# ... unpacking the bundle ...
PACKAGE_PACKAGES := $(BUILD_PACKAGES) xz-utils
# ... and the real peers the tests run against: OpenSSL, Dovecot, and for
# the end-to-end tests of the window (ui/e2e) an X server with software
# OpenGL, xdotool to drive it, ImageMagick for screenshots, Tesseract to
# read them, and the validator of the installed .desktop file.
TEST_PACKAGES := $(PACKAGE_PACKAGES) openssl faketime dovecot-imapd \
	xvfb xauth libgl1-mesa-dri xdotool imagemagick tesseract-ocr tesseract-ocr-eng \
	desktop-file-utils

BIN := bin/siegel
DIST := dist
APP_ID := io.siegel.Siegel
# The Fyne CLI that makes the bundle, installed when missing.
FYNE_VERSION := v1.7.4
FYNE := $(or $(shell PATH="$(PATH)" $(GO) env GOPATH 2>/dev/null),$(HOME)/go)/bin/fyne

.PHONY: run test test-install build package install install-bundle uninstall deps-build deps-package deps-test \
	print-test-packages clean

run: deps-build build
	./$(BIN)

build:
	$(GO) build -o $(BIN) .

# The second go test line runs what the race detector cannot: the window's
# tooltip tests (the tooltip library's timer calls fyne.Do from its own
# goroutine, which Fyne's test driver runs there) and the tests over
# 100,000 tickets (made once per machine by a real sync, far too slow under
# -race); see ui/hover_test.go and ui/bigstore_test.go. The end-to-end tests
# (ui/e2e) run the binary built here, named by SIEGEL_BIN.
test: deps-test build
	$(GO) vet ./...
	SIEGEL_BIN=$(CURDIR)/$(BIN) $(GO) test -race ./...
	$(GO) test -run '^Test(Hover|BigList)' ./ui/
	$(MAKE) test-install

# Packages and installs the bundle into a scratch home, then checks the
# installed .desktop file and that its Exec line opens the window
# (ui/e2e TestDesktopEntry).
test-install: package
	rm -rf $(DIST)/home
	$(MAKE) install-bundle INSTALL_HOME=$(CURDIR)/$(DIST)/home
	SIEGEL_DESKTOP_FILE=$(CURDIR)/$(DIST)/home/.local/share/applications/$(APP_ID).desktop \
		$(GO) test -count=1 -run '^TestDesktopEntry$$' ./ui/e2e/

$(FYNE):
	$(GO) install fyne.io/tools/cmd/fyne@$(FYNE_VERSION)

# fyne package counts Build up in FyneApp.toml after packaging: the file is
# put back as it was.
package: deps-package build $(FYNE)
	mkdir -p $(DIST)
	cp FyneApp.toml $(DIST)/FyneApp.toml.keep
	$(FYNE) package -os linux --executable $(CURDIR)/$(BIN); status=$$?; \
		cp $(DIST)/FyneApp.toml.keep FyneApp.toml; rm $(DIST)/FyneApp.toml.keep; exit $$status
	mv Siegel.tar.xz $(DIST)/Siegel.tar.xz

install: package
	$(MAKE) install-bundle

# The home to install into: the current user's (test-install uses a
# scratch one; HOME itself must stay, it holds Go's build cache).
INSTALL_HOME ?= $(HOME)

# The bundle's own Makefile installs the binary into ~/.local/bin, the
# .desktop file (its Exec line made absolute) into
# ~/.local/share/applications and the icon into ~/.local/share/icons; the
# icon also goes into the hicolor theme, where every desktop looks.
install-bundle:
	rm -rf $(DIST)/bundle
	mkdir -p $(DIST)/bundle
	tar -xJf $(DIST)/Siegel.tar.xz -C $(DIST)/bundle
	$(MAKE) -C $(DIST)/bundle/siegel user-install HOME=$(INSTALL_HOME)
	install -Dm644 assets/icon.png $(INSTALL_HOME)/.local/share/icons/hicolor/512x512/apps/$(APP_ID).png
	if command -v update-desktop-database >/dev/null; then update-desktop-database -q $(INSTALL_HOME)/.local/share/applications; fi
	if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t $(INSTALL_HOME)/.local/share/icons/hicolor; fi
	rm -rf $(DIST)/bundle
	@echo "Siegel is installed in $(INSTALL_HOME)/.local: start it from the application menu."

uninstall:
	rm -f $(INSTALL_HOME)/.local/bin/siegel $(INSTALL_HOME)/.local/share/applications/$(APP_ID).desktop \
		$(INSTALL_HOME)/.local/share/icons/$(APP_ID).png \
		$(INSTALL_HOME)/.local/share/icons/hicolor/512x512/apps/$(APP_ID).png

# Installs the packages that are missing: directly as root, else via sudo.
deps-build:
	@./.ci/install-packages $(BUILD_PACKAGES)

deps-package:
	@./.ci/install-packages $(PACKAGE_PACKAGES)

deps-test:
	@./.ci/install-packages $(TEST_PACKAGES)

# .ci/run reads the list from here, so it is written once.
print-test-packages:
	@echo $(TEST_PACKAGES)

clean:
	rm -rf bin $(DIST)

# Siegel — two commands do everything on a fresh Debian/Ubuntu machine:
#   make run    install missing system packages, build, start the app
#   make test   install missing system packages, run every test
# and more make it a desktop application:
#   make package   the Linux bundle dist/Siegel.tar.xz (binary, .desktop file, icon)
#   make install   install that bundle for the current user (~/.local)
#   make deb       the Debian package dist/siegel_VERSION_amd64.deb
#   make windows   dist/Siegel.exe and dist/Siegel-windows-amd64.zip, cross-built
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
# ... cross-building for Windows (cgo with MinGW-w64) and zipping it ...
WINDOWS_PACKAGES := gcc-mingw-w64-x86-64 zip
# ... the Debian package: dpkg-shlibdeps for Depends, ImageMagick for the
# icon's sizes ...
DEB_PACKAGES := $(BUILD_PACKAGES) dpkg-dev imagemagick
TEST_PACKAGES := $(sort $(PACKAGE_PACKAGES) openssl faketime dovecot-imapd \
	xvfb xauth libgl1-mesa-dri xdotool imagemagick tesseract-ocr tesseract-ocr-eng \
	desktop-file-utils \
	$(WINDOWS_PACKAGES) wine64 \
	$(DEB_PACKAGES) lintian appstream man-db \
	dbus gnome-keyring postgresql)
# The last lines: Wine runs the .exe's smoke test (ui/e2e/wine_test.go);
# lintian, appstreamcli and man check the .deb (ui/e2e/deb_test.go); a
# private D-Bus session with gnome-keyring-daemon is the secret service of
# profile/keyring's test; PostgreSQL is the team database of the tests
# (storage/postgres/pgtest starts a throwaway server per test).

BIN := bin/siegel
DIST := dist
APP_ID := io.siegel.Siegel
# The version is FyneApp.toml's; the release date is the commit's, so that
# the same commit makes the same .deb.
VERSION := $(shell sed -n 's/^Version = "\(.*\)"/\1/p' FyneApp.toml)
RELEASE_DATE := $(or $(shell git log -1 --format=%cs 2>/dev/null),$(shell date -u +%F))
MAINTAINER := Siegel maintainers <maintainers@users.noreply.r-seed-06603111.example>
DEB := $(DIST)/siegel_$(VERSION)_amd64.deb
EXE := $(DIST)/Siegel.exe
WINDOWS_ZIP := $(DIST)/Siegel-windows-amd64.zip
# The Fyne CLI that makes the bundle, installed when missing.
FYNE_VERSION := v1.7.4
FYNE := $(or $(shell PATH="$(PATH)" $(GO) env GOPATH 2>/dev/null),$(HOME)/go)/bin/fyne

.PHONY: run test test-install build package install install-bundle uninstall deps-build deps-package deps-test \
	windows test-windows deb test-deb deps-windows deps-deb print-test-packages clean

run: deps-build build
	./$(BIN)

# One build serves `make run`, the window's tests, the bundle and the .deb:
# position-independent and with its relocations read-only (as Debian
# builds every program), without symbol tables or build paths (a panic
# still names its functions and lines).
# One build instead of two saves a cold build of the OpenGL binding in CI.
RELEASE_FLAGS := -trimpath -buildmode=pie -ldflags='-s -w -extldflags=-Wl,-z,relro,-z,now'

build:
	$(GO) build $(RELEASE_FLAGS) -o $(BIN) .

# The second go test line runs what the race detector cannot: the window's
# tooltip tests (the tooltip library's timer calls fyne.Do from its own
# goroutine, which Fyne's test driver runs there) and the tests over
# 100,000 tickets (made once per machine by a real sync, far too slow under
# -race); see ui/hover_test.go and ui/bigstore_test.go. The end-to-end tests
# (ui/e2e) run the binary built here, named by SIEGEL_BIN. The packages
# are built and tested last, one after the other: `fyne package -os
# windows` puts files into the source folder while it builds.
test: deps-test build
	$(GO) vet ./...
	SIEGEL_BIN=$(CURDIR)/$(BIN) $(GO) test -race ./...
	$(GO) test -run '^Test(Hover|BigList)' ./ui/
	$(MAKE) test-install
	$(MAKE) test-deb
	$(MAKE) test-windows

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

# Siegel.exe, cross-built with cgo (the window's GLFW and OpenGL) by
# MinGW-w64; fyne package adds the icon and the version resource and links
# it as a GUI program (console_windows.go gives the command line its
# console back). The zip holds it with a README in Windows line endings.
windows: deps-windows $(FYNE)
	mkdir -p $(DIST)
	cp FyneApp.toml $(DIST)/FyneApp.toml.keep
	CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 CGO_ENABLED=1 $(FYNE) package -os windows --release; \
		status=$$?; cp $(DIST)/FyneApp.toml.keep FyneApp.toml; rm $(DIST)/FyneApp.toml.keep; exit $$status
	mv Siegel.exe $(EXE)
	rm -rf $(DIST)/windows $(WINDOWS_ZIP)
	mkdir -p $(DIST)/windows/Siegel
	cp $(EXE) $(DIST)/windows/Siegel/Siegel.exe
	sed 's/$$/\r/' packaging/windows/README.txt > $(DIST)/windows/Siegel/README.txt
	cd $(DIST)/windows && zip -q -X -r ../$(notdir $(WINDOWS_ZIP)) Siegel
	rm -rf $(DIST)/windows
	@echo "built $(EXE) and $(WINDOWS_ZIP)"

# Runs Siegel.exe under Wine on Xvfb (ui/e2e TestWine*), beside the Linux
# binary for the command line's comparison.
test-windows: windows build
	SIEGEL_EXE=$(CURDIR)/$(EXE) SIEGEL_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -run '^TestWine' ./ui/e2e/

# The Debian package of bin/siegel (see RELEASE_FLAGS), by packaging/deb/build.
deb: deps-deb build
	./packaging/deb/build $(BIN) $(VERSION) $(RELEASE_DATE) "$(MAINTAINER)" $(DEB)

# Installs the .deb into a clean root, runs lintian on it and opens the
# installed binary's demo (ui/e2e TestDebPackage).
test-deb: deb
	SIEGEL_DEB=$(CURDIR)/$(DEB) $(GO) test -count=1 -run '^TestDebPackage$$' ./ui/e2e/

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

deps-windows:
	@./.ci/install-packages $(WINDOWS_PACKAGES)

deps-deb:
	@./.ci/install-packages $(DEB_PACKAGES)

# .ci/run reads the list from here, so it is written once.
print-test-packages:
	@echo $(TEST_PACKAGES)

clean:
	rm -rf bin $(DIST)

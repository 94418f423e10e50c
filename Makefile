# Siegel — two commands do everything on a fresh Debian/Ubuntu machine:
#   make run    install missing system packages, build, start the app
#   make test   install missing system packages, run every test
export PATH := $(PATH):/usr/local/go/bin:$(HOME)/go/bin
GO ?= go

# Debian packages: building the window (cgo, X11, OpenGL) ...
BUILD_PACKAGES := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev
# ... and the real peers the tests run against.
TEST_PACKAGES := $(BUILD_PACKAGES) openssl dovecot-imapd

BIN := bin/siegel

.PHONY: run test build deps-build deps-test print-test-packages vet clean

run: deps-build build
	./$(BIN)

build:
	$(GO) build -o $(BIN) .

# The second go test line runs what the race detector cannot: the window's
# tooltip tests (the tooltip library's timer calls fyne.Do from its own
# goroutine, which Fyne's test driver runs there) and the tests over
# 100,000 tickets (made once per machine by a real sync, far too slow under
# -race); see ui/hover_test.go and ui/bigstore_test.go.
test: deps-test
	$(GO) vet ./...
	$(GO) test -race ./...
	$(GO) test -run '^Test(Hover|BigList)' ./ui/

# Installs the packages that are missing: directly as root, else via sudo.
deps-build:
	@./.ci/install-packages $(BUILD_PACKAGES)

deps-test:
	@./.ci/install-packages $(TEST_PACKAGES)

# .ci/run reads the list from here, so it is written once.
print-test-packages:
	@echo $(TEST_PACKAGES)

clean:
	rm -rf bin

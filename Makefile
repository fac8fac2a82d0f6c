# Install the C interface: libpagewait, pagewait.h and pagewait.pc.
#
#     make install                      # into /usr/local
#     make install PREFIX=$HOME/.local  # anywhere else
#     make install DESTDIR=/tmp/stage   # staged, for packaging
#     make uninstall PREFIX=...         # removes exactly what install put there
#
# Then a C program builds with
#
#     cc main.c $(pkg-config --cflags --libs pagewait)
#
# (with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig if PREFIX is not searched by
# default). SWIFT_BUILD_FLAGS passes extra options to swift build, e.g.
# SWIFT_BUILD_FLAGS="--scratch-path /tmp/pagewait-build".

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=

# Recursively expanded: swift reports the path only when asked.
BIN_PATH = $(shell $(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)

.PHONY: all library install uninstall

all: library

library:
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product PagewaitABI

install: library
	DESTDIR="$(DESTDIR)" Scripts/install-lib.sh "$(BIN_PATH)/libPagewaitABI.so" "$(PREFIX)"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/lib/libpagewait.so" \
	      "$(DESTDIR)$(PREFIX)/lib/libpagewait.so.0" \
	      "$(DESTDIR)$(PREFIX)/lib/pkgconfig/pagewait.pc" \
	      "$(DESTDIR)$(PREFIX)/include/pagewait.h"

# aion build. `make` builds the library and CLI, `make test` runs the tests.
#   make SAN=1      AddressSanitizer + UBSan build (into build-san/)
#   make BUILD=dir  build into another directory (parallel work trees)
#   make fuzz       libFuzzer targets (clang) into $(BUILD)/fuzz/
#   make test SLOW=1  include slow checks (tests marked slow)
CC      ?= gcc
SAN     ?= 0
ifeq ($(SAN),1)
BUILD   ?= build-san
OPT     ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
BUILD   ?= build
OPT     ?= -O3 -march=native -g
endif
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wvla -Wformat=2
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) -fopenmp -Iinclude -Isrc -Isrc/core
LDLIBS  += -lfftw3 -llapack -lopenblas -lsymspg -lcjson -lyaml -lm
LDFLAGS += $(OPT) -fopenmp
GIT_COMMIT := $(shell git describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)
CFLAGS  += -DAION_GIT_COMMIT='"$(GIT_COMMIT)"' -DAION_CFLAGS='"$(strip $(OPT))"'
# The objects that print the commit (run records, reports) are rebuilt whenever it
# changes: the stamp is rewritten only then, so provenance is never stale.
COMMIT_STAMP := $(BUILD)/commit.stamp
$(shell mkdir -p $(BUILD) && [ "$$(cat $(COMMIT_STAMP) 2>/dev/null)" = "$(GIT_COMMIT)" ] || echo "$(GIT_COMMIT)" > $(COMMIT_STAMP))
COMMIT_USERS := $(patsubst %.c,$(BUILD)/%.o,$(shell grep -l AION_GIT_COMMIT src/*/*.c app/*.c 2>/dev/null))
$(COMMIT_USERS): $(COMMIT_STAMP)

LIB_SRC  := $(sort $(wildcard src/*/*.c))
APP_SRC  := $(sort $(wildcard app/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/*.c tests/physics/*.c tests/peers/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:%.c=$(BUILD)/%)
LIB      := $(BUILD)/libaion.a
BIN      := $(BUILD)/aion

.DEFAULT_GOAL := all
.PHONY: all test fuzz clean bench
all: $(BIN) $(TEST_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The MTP kernel is written for fused multiply-adds (C11 mode turns contraction
# off) and vector square roots (no errno).
$(BUILD)/src/potential/mtp.o $(BUILD)/src/potential/mtp_train.o: CFLAGS += -ffp-contract=fast -fno-math-errno
# The classical pair kernel's vector loops need square roots without errno.
$(BUILD)/src/potential/classical.o: CFLAGS += -fno-math-errno

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(APP_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(APP_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c tests/test.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Isrc -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

test: all
	@BUILD=$(BUILD) SLOW=$(SLOW) sh tests/run.sh

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_COMMON := -Wno-pass-failed -DAION_GIT_COMMIT='"$(GIT_COMMIT)"' -DAION_CFLAGS='"fuzz"' -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g -fno-omit-frame-pointer -Iinclude -Isrc -Isrc/core -fopenmp
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzlib/%.o)
fuzz: $(FUZZ_BIN)
# the library is compiled once with coverage instrumentation, then linked into each target
$(BUILD)/fuzzlib/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_COMMON) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
$(BUILD)/libaion-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libaion-fuzz.a $(wildcard tests/fuzz/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_COMMON) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libaion-fuzz.a $(LDLIBS)

bench: all
	sh bench/run.sh

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(TEST_BIN:=.d) $(wildcard $(BUILD)/fuzzlib/src/*/*.d)

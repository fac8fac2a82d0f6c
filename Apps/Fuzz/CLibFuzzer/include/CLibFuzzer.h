/* libFuzzer's driver entry point: the fuzz executables' main.swift hands it
** argc, argv and the per-input callback. Header only: the definition comes
** from the fuzzer runtime that -sanitize=fuzzer links. */
#ifndef PAGEWAIT_CLIBFUZZER_H
#define PAGEWAIT_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*callback)(const uint8_t *data, size_t size));

#endif

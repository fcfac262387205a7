#ifndef HAASLEDGER_FUZZER_DRIVER_H
#define HAASLEDGER_FUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver on `test_one_input` when libFuzzer is linked in (tools/fuzz links its no-main
/// runtime); returns -1 when it is not, so a plain build's binary can say how it is meant to be built.
int haasledger_run_fuzzer(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size));

#endif

#include "CFuzzerDriver.h"

// Weak: a plain build links without libFuzzer, and the address is then null.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size))
    __attribute__((weak));

int haasledger_run_fuzzer(int *argc, char ***argv, int (*test_one_input)(const uint8_t *data, size_t size)) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(argc, argv, test_one_input);
}

#ifndef HAASLEDGER_CLZ4_SHIM_H
#define HAASLEDGER_CLZ4_SHIM_H
// For LZ4_attach_dictionary: compressing against one dictionary prepared once, instead of loading its 64 KiB
// into every stream. lz4.h declares it only for static linking (the shared library does not export it), so
// Package.swift links liblz4.a, and this module map says no `link` of its own.
#define LZ4_STATIC_LINKING_ONLY
#include <lz4.h>
#endif

#ifndef HAASLEDGER_CZSTD_SHIM_H
#define HAASLEDGER_CZSTD_SHIM_H
#include <zstd.h>
// For ZDICT_trainFromBuffer_fastCover with parameters of our own (exported by the shared library).
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>

/// ZSTD_getFrameContentSize's two failure values, as constants Swift can import.
static const unsigned long long haasledger_zstd_content_size_unknown = ZSTD_CONTENTSIZE_UNKNOWN;
static const unsigned long long haasledger_zstd_content_size_error = ZSTD_CONTENTSIZE_ERROR;
#endif

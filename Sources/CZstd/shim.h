#ifndef HAASLEDGER_CZSTD_SHIM_H
#define HAASLEDGER_CZSTD_SHIM_H
#include <zstd.h>
#include <zdict.h>

/// ZSTD_getFrameContentSize's two failure values, as constants Swift can import.
static const unsigned long long haasledger_zstd_content_size_unknown = ZSTD_CONTENTSIZE_UNKNOWN;
static const unsigned long long haasledger_zstd_content_size_error = ZSTD_CONTENTSIZE_ERROR;
#endif

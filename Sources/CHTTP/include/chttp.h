#ifndef CHTTP_H
#define CHTTP_H

#include <stddef.h>

/// Outcome of `chttp_download`.
typedef enum {
  CHTTP_OK = 0,
  /// libcurl could not be loaded: the caller falls back to another client.
  CHTTP_UNAVAILABLE = 1,
  /// The transfer failed; `error` says why and `http_status` holds the status if one came.
  CHTTP_FAILED = 2,
} chttp_result;

/// Streams `url` into the open file descriptor `fd` with the system's libcurl, loaded at run time
/// (no headers or link flags needed to build). The calling thread blocks in poll(): a stalled
/// transfer costs no CPU. It fails when no connection is made within `connect_timeout_s`, when
/// no byte arrives for `stall_timeout_s` seconds, on an HTTP status >= 400, and once
/// more than `max_bytes` bytes arrive. Redirects are followed (at most 10). Thread-safe.
chttp_result chttp_download(const char *url, int fd, long connect_timeout_s, long stall_timeout_s,
                            long long max_bytes, long *http_status, char *error, size_t error_size);

#endif

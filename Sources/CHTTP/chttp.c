// HTTP(S) downloads through the system's libcurl, opened with dlopen so that the package builds
// without curl's headers and links nothing new. The option numbers below are part of libcurl's
// stable ABI (curl/curl.h: CURLOPTTYPE_LONG 0, OBJECTPOINT 10000, FUNCTIONPOINT 20000).
#include "chttp.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_WRITEFUNCTION = 20011,
  OPT_NOPROGRESS = 43, OPT_FAILONERROR = 45, OPT_FOLLOWLOCATION = 52, OPT_XFERINFODATA = 10057,
  OPT_MAXREDIRS = 68, OPT_CONNECTTIMEOUT = 78, OPT_NOSIGNAL = 99, OPT_XFERINFOFUNCTION = 20219,
  INFO_RESPONSE_CODE = 0x200002,
  GLOBAL_DEFAULT = 3,
  ERRORBUFFER_SIZE = 256,  // CURL_ERROR_SIZE
  MAX_REDIRECTS = 10,      // enough for a mirror's redirect chain, short of a loop
};

typedef void CURL;
static struct {
  int loaded;
  int (*global_init)(long);
  CURL *(*easy_init)(void);
  int (*easy_setopt)(CURL *, int, ...);
  int (*easy_perform)(CURL *);
  int (*easy_getinfo)(CURL *, int, ...);
  const char *(*easy_strerror)(int);
  void (*easy_cleanup)(CURL *);
} curl;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void) {
  const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", "libcurl.4.dylib", "libcurl.dylib"};
  void *lib = NULL;
  for (size_t i = 0; i < sizeof names / sizeof *names && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!lib) return;
  *(void **)&curl.global_init = dlsym(lib, "curl_global_init");
  *(void **)&curl.easy_init = dlsym(lib, "curl_easy_init");
  *(void **)&curl.easy_setopt = dlsym(lib, "curl_easy_setopt");
  *(void **)&curl.easy_perform = dlsym(lib, "curl_easy_perform");
  *(void **)&curl.easy_getinfo = dlsym(lib, "curl_easy_getinfo");
  *(void **)&curl.easy_strerror = dlsym(lib, "curl_easy_strerror");
  *(void **)&curl.easy_cleanup = dlsym(lib, "curl_easy_cleanup");
  if (!curl.global_init || !curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo ||
      !curl.easy_strerror || !curl.easy_cleanup)
    return;
  if (curl.global_init(GLOBAL_DEFAULT) != 0) return;
  curl.loaded = 1;
}

typedef struct {
  int fd;
  long long written;
  long long max_bytes;
  int failed_errno;
  int too_large;
  // Stall watch: the byte count last seen and when it last changed.
  long long seen;
  double changed_at;
  double stall_seconds;
  int stalled;
} sink;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// libcurl calls this about once a second even while nothing arrives (and after each chunk); a
// non-zero return aborts the transfer. curl's own low-speed limit averages over a window, so a
// burst followed by silence would outlive the stall timeout.
static int watch_progress(void *context, long long total, long long now, long long up_total, long long up_now) {
  (void)total; (void)up_total; (void)up_now;
  sink *s = context;
  double t = now_seconds();
  if (now != s->seen) {
    s->seen = now;
    s->changed_at = t;
    return 0;
  }
  if (t - s->changed_at >= s->stall_seconds) {
    s->stalled = 1;
    return 1;
  }
  return 0;
}

static size_t write_body(const char *data, size_t size, size_t count, void *context) {
  sink *s = context;
  size_t total = size * count;
  if (s->written + (long long)total > s->max_bytes) {
    s->too_large = 1;
    return 0;  // curl stops with a write error
  }
  size_t done = 0;
  while (done < total) {
    ssize_t n = write(s->fd, data + done, total - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      s->failed_errno = n < 0 ? errno : EIO;
      return 0;
    }
    done += (size_t)n;
  }
  s->written += (long long)total;
  return total;
}

chttp_result chttp_download(const char *url, int fd, long connect_timeout_s, long stall_timeout_s,
                            long long max_bytes, long *http_status, char *error, size_t error_size) {
  pthread_once(&curl_once, load_curl);
  *http_status = 0;
  if (error_size) error[0] = 0;
  if (!curl.loaded) return CHTTP_UNAVAILABLE;
  CURL *handle = curl.easy_init();
  if (!handle) {
    snprintf(error, error_size, "libcurl could not start a transfer");
    return CHTTP_FAILED;
  }
  char detail[ERRORBUFFER_SIZE] = {0};
  sink s = {fd, 0, max_bytes, 0, 0, 0, now_seconds(), (double)stall_timeout_s, 0};
  curl.easy_setopt(handle, OPT_URL, url);
  curl.easy_setopt(handle, OPT_WRITEFUNCTION, write_body);
  curl.easy_setopt(handle, OPT_WRITEDATA, (void *)&s);
  curl.easy_setopt(handle, OPT_ERRORBUFFER, detail);
  curl.easy_setopt(handle, OPT_FAILONERROR, 1L);
  curl.easy_setopt(handle, OPT_FOLLOWLOCATION, 1L);
  curl.easy_setopt(handle, OPT_MAXREDIRS, (long)MAX_REDIRECTS);
  curl.easy_setopt(handle, OPT_NOSIGNAL, 1L);
  curl.easy_setopt(handle, OPT_CONNECTTIMEOUT, connect_timeout_s);
  curl.easy_setopt(handle, OPT_NOPROGRESS, 0L);
  curl.easy_setopt(handle, OPT_XFERINFOFUNCTION, watch_progress);
  curl.easy_setopt(handle, OPT_XFERINFODATA, (void *)&s);
  int code = curl.easy_perform(handle);
  curl.easy_getinfo(handle, INFO_RESPONSE_CODE, http_status);
  curl.easy_cleanup(handle);
  if (code == 0) return CHTTP_OK;
  if (s.stalled)
    snprintf(error, error_size, "no data for %ld s (stalled); try again later or another mirror", stall_timeout_s);
  else if (s.too_large)
    snprintf(error, error_size, "the server sent more than %lld bytes", max_bytes);
  else if (s.failed_errno)
    snprintf(error, error_size, "cannot write the download: %s", strerror(s.failed_errno));
  else if (*http_status >= 400)
    snprintf(error, error_size, "HTTP status %ld", *http_status);
  else
    snprintf(error, error_size, "%s", detail[0] ? detail : curl.easy_strerror(code));
  return CHTTP_FAILED;
}

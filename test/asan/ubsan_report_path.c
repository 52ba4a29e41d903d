// Preloaded by scripts/test-asan.sh after gcc's libasan and libubsan (built there, not
// instrumented). With both runtimes in a process, libubsan's start-up call to
// __sanitizer_set_report_path binds (through its PLT) to libasan's copy, so UBSan's own
// reports ignore UBSAN_OPTIONS=log_path and go to stderr, where a test that captures a
// child's stderr would hide them. This sets libubsan's own report path (dlsym on its
// handle finds its own definition) to $TFSRP_UBSAN_LOG_PATH, so every UBSan report of
// every process lands in a file (<path>.<pid>) that the script checks.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

__attribute__((constructor)) static void tfsrp_set_ubsan_report_path(void) {
  const char* path = getenv("TFSRP_UBSAN_LOG_PATH");
  if (path == NULL || *path == '\0') return;
  void* ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (ubsan == NULL) return;
  void (*set_report_path)(const char*) =
      (void (*)(const char*))dlsym(ubsan, "__sanitizer_set_report_path");
  if (set_report_path != NULL) set_report_path(path);
}

/* A minimal .NET host for running modern-bench under a foreign dynamic loader (see ../modern-runtime.sh).

   Started as `ld-linux-x86-64.so.2 --library-path ... modern-bench-host ARGS`, the process's /proc/self/exe
   is the loader, not this file. The stock apphost (out/bench/modern-bench/modern-bench) locates the app,
   hostfxr and the runtime from /proc/self/exe, so under an explicit loader it looks for modern-bench.dll
   beside ld-linux-x86-64.so.2 and gives up. This host does what the apphost does, but finds the published
   folder from argv[0] (which the loader sets to the path it was given): it loads that folder's hostfxr and
   calls hostfxr_main_startupinfo with the apphost's own paths, so the self-contained app starts exactly as
   if its apphost had been run. */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*hostfxr_main_startupinfo_fn)(int argc, const char **argv, const char *host_path, const char *dotnet_root,
                                           const char *app_path);

int main(int argc, char **argv) {
  char self[PATH_MAX];
  if (argc < 1 || realpath(argv[0], self) == NULL) {
    perror("dotnet_host: cannot resolve argv[0]");
    return 1;
  }
  char *app_dir = dirname(self);
  char apphost[PATH_MAX], app_dll[PATH_MAX], hostfxr_path[PATH_MAX];
  snprintf(apphost, sizeof apphost, "%s/modern-bench", app_dir);
  snprintf(app_dll, sizeof app_dll, "%s/modern-bench.dll", app_dir);
  snprintf(hostfxr_path, sizeof hostfxr_path, "%s/libhostfxr.so", app_dir);

  void *hostfxr = dlopen(hostfxr_path, RTLD_NOW | RTLD_LOCAL);
  if (hostfxr == NULL) {
    fprintf(stderr, "dotnet_host: %s\n", dlerror());
    return 1;
  }
  hostfxr_main_startupinfo_fn run = (hostfxr_main_startupinfo_fn)dlsym(hostfxr, "hostfxr_main_startupinfo");
  if (run == NULL) {
    fprintf(stderr, "dotnet_host: %s\n", dlerror());
    return 1;
  }
  /* argv[0] stands for the host, as with the apphost; hostfxr passes argv[1..] to Main. */
  argv[0] = apphost;
  return run(argc, (const char **)argv, apphost, app_dir, app_dll);
}

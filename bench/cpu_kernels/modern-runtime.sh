#!/usr/bin/env bash
# Runs bench/cpu_kernels/modern (stock libtorch 2.10 through TorchSharp-cpu 0.107) on Debian 12:
#   bench/cpu_kernels/modern-runtime.sh --info
#   bench/cpu_kernels/modern-runtime.sh --op gemm --threads 1 --warmup 2 --repeats 5
# stdout carries only the program's JSON lines; everything this script does itself goes to stderr.
#
# Why: TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 (libstdc++ of gcc >= 13); bookworm has
# gcc 12's. Debian trixie's libstdc++6 (14.2) has it but needs GLIBC_2.38, and bookworm's glibc is 2.36.
# How, changing nothing system-wide: trixie's libc6, libstdc++6 and libgcc-s1 are downloaded as .deb files
# (apt-get with a sources list, package lists and cache that all live under out/bench/modern-libc/, so
# neither /etc/apt nor /var/lib/apt is touched) and unpacked with dpkg-deb -x, not installed. The program
# then runs under trixie's own dynamic loader, started explicitly:
#   <trixie>/ld-linux-x86-64.so.2 --library-path <published app>:<trixie libs> <host> ARGS
# so the process gets trixie's glibc 2.41 and libstdc++ while the rest of the system stays as it is.
# Two details make that work:
#  - The published app directory comes first in --library-path, and bookworm's own directories are left
#    out of it: python3-torch puts Debian's libtorch 1.13 (libc10.so, libtorch_cpu.so) in
#    /lib/x86_64-linux-gnu, and --library-path is searched before the NuGet libraries' RUNPATH ($ORIGIN).
#    Anything else is still found through the system's default search path.
#  - .NET's apphost finds its app, hostfxr and runtime from /proc/self/exe, which under an explicit loader
#    is ld-linux-x86-64.so.2 itself, so it looks for modern-bench.dll next to the loader and stops. A
#    small host (modern/dotnet_host.c, built with the system gcc) finds the app from argv[0] instead and
#    hands over to the published self-contained runtime through hostfxr_main_startupinfo, exactly as the
#    apphost would.
# Idempotent: the unpacked libraries, the published app and the host are kept under out/bench/ (git-ignored
# by the repository's /out/ rule, and by out/bench/.gitignore, written here, where that rule is missing) and
# rebuilt only when missing or older than the sources. Needs apt-get and network only on the first run,
# gcc and the .NET SDK whenever something is rebuilt.
set -euo pipefail

# Keep stdout for the program's JSON only.
exec 3>&1 1>&2

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SOURCES="$ROOT/bench/cpu_kernels/modern"
OUT="$ROOT/out/bench"
LIBC="$OUT/modern-libc"
TRIXIE_LIB="$LIBC/root/usr/lib/x86_64-linux-gnu"
LOADER="$TRIXIE_LIB/ld-linux-x86-64.so.2"
APP="$OUT/modern-bench"
HOST="$APP/modern-bench-host"
TRIXIE_PACKAGES=(libc6/trixie libstdc++6/trixie libgcc-s1/trixie)

mkdir -p "$OUT"
[ -f "$OUT/.gitignore" ] || printf '# Built by bench/cpu_kernels/modern-runtime.sh; nothing here is tracked.\n*\n' > "$OUT/.gitignore"

# One preparation at a time; a second caller waits and then finds everything in place.
exec 9> "$OUT/.modern-runtime.lock"
flock 9

prepare_trixie_libraries() {
  if [ -x "$LOADER" ] && [ -e "$TRIXIE_LIB/libstdc++.so.6" ] && [ -e "$TRIXIE_LIB/libgcc_s.so.1" ]; then
    return
  fi
  echo "modern-runtime: fetching Debian trixie's ${TRIXIE_PACKAGES[*]} into $LIBC" >&2
  local apt="$LIBC/apt"
  rm -rf "$LIBC/root" "$LIBC/debs"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$LIBC/debs"
  echo "deb http://deb.debian.org/debian trixie main" > "$apt/sources.list"
  # Every path apt writes to is redirected here; the system's keyring (which trusts trixie's signing key)
  # and dpkg status are only read. Sandbox::User=root: the _apt user cannot write into this tree.
  local options=(
    -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=-
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root
  )
  apt-get -q update "${options[@]}"
  (cd "$LIBC/debs" && apt-get -q download "${options[@]}" "${TRIXIE_PACKAGES[@]}")
  mkdir -p "$LIBC/root.partial"
  for deb in "$LIBC"/debs/*.deb; do
    dpkg-deb -x "$deb" "$LIBC/root.partial"
  done
  mv "$LIBC/root.partial" "$LIBC/root"
  rm -rf "$apt"
  ls "$LIBC/debs" >&2
}

# True when $1 is missing or older than any file under the given sources.
stale() {
  local target=$1
  shift
  [ ! -e "$target" ] || [ -n "$(find "$@" -newer "$target" -print -quit)" ]
}

publish_app() {
  local inputs=("$SOURCES"/*.cs "$SOURCES"/*.csproj "$SOURCES"/../common/*.cs "$ROOT/Directory.Build.props")
  if ! stale "$APP/modern-bench.dll" "${inputs[@]}"; then
    return
  fi
  echo "modern-runtime: publishing $SOURCES to $APP" >&2
  dotnet publish "$SOURCES/ModernBench.csproj" -c Release -r linux-x64 --self-contained -o "$APP" -nologo -v quiet
  touch "$APP/modern-bench.dll"
}

build_host() {
  if ! stale "$HOST" "$SOURCES/dotnet_host.c"; then
    return
  fi
  echo "modern-runtime: building $HOST" >&2
  gcc -O2 -Wall -Wextra -Werror -o "$HOST.partial" "$SOURCES/dotnet_host.c" -ldl
  mv "$HOST.partial" "$HOST"
}

prepare_trixie_libraries
publish_app
build_host
exec 9>&-

# InvariantGlobalization is set in the project as well; this keeps ICU out even if that changes.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
exec 1>&3 3>&-
exec "$LOADER" --library-path "$APP:$TRIXIE_LIB" "$HOST" "$@"

# Sourced by the repository's runners (egoi-prism, mcp-conformance, mcp-inspector): installs pinned npm
# packages once into a private cache directory and reinstalls when the pins change.
#
#   npm_tool_install RUNNER HOME PACKAGE@VERSION...
#
# Exits 3 when npm is missing and 4 when the install fails (registry unreachable, ...), each time saying so
# on stderr: a test that needs the tool must fail with that message, never skip.

npm_tool_install() {
  local runner=$1 home=$2
  shift 2
  local pins="$*"
  if [ -f "$home/.pins" ] && [ "$(cat "$home/.pins")" = "$pins" ]; then
    return 0
  fi
  mkdir -p "$home"
  exec 9>"$home/.lock"
  # several test runs may start at once: one installs, the others wait and then find it installed
  flock -w 900 9 || { echo "$runner: another install into $home has held $home/.lock for 15 minutes" >&2; exit 4; }
  if [ -f "$home/.pins" ] && [ "$(cat "$home/.pins")" = "$pins" ]; then
    exec 9>&-
    return 0
  fi
  if ! command -v npm >/dev/null; then
    echo "$runner: npm is needed to install $pins (apt-get install npm, or run .ci/run)" >&2
    exit 3
  fi
  rm -f "$home/.pins"
  echo '{"private":true}' >"$home/package.json"
  echo "$runner: installing $pins into $home (once)" >&2
  local log
  # fail within about a minute when the registry is unreachable (npm's own default backs off for minutes)
  export npm_config_fetch_retry_mintimeout=${npm_config_fetch_retry_mintimeout:-2000}
  export npm_config_fetch_retry_maxtimeout=${npm_config_fetch_retry_maxtimeout:-10000}
  export npm_config_fetch_timeout=${npm_config_fetch_timeout:-60000}
  if ! log=$(npm install --no-audit --no-fund --save-exact --loglevel=error --prefix "$home" "$@" 2>&1 9>&-); then
    echo "$log" | tail -n 15 >&2
    echo "$runner: could not install $pins from the npm registry $(npm config get registry 2>/dev/null)" \
      "(is it reachable? set npm_config_registry for a mirror); nothing was run" >&2
    exit 4
  fi
  echo "$pins" >"$home/.pins"
  exec 9>&-
}

#!/usr/bin/env bash
# The production shape (`make serve`, and its fault tests) puts Debian's nginx in front of the app.
set -euo pipefail
if [[ -n "${SMNB_NGINX:-}" && -x "${SMNB_NGINX}" ]] || command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; then
    exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "make: installing Debian's nginx for the production shape (apt-get)"
    apt-get update -qq
    # Only the binary: the package's own service must not start (policy-rc.d refuses starts).
    own_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        own_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null || true
    if [[ $own_policy == 1 ]]; then rm -f /usr/sbin/policy-rc.d; fi
    [[ -x /usr/sbin/nginx ]] && exit 0
fi
echo "make: nginx is missing. Install it (Debian: 'sudo apt-get install nginx')," \
     "or set SMNB_NGINX=/path/to/nginx." >&2
exit 1

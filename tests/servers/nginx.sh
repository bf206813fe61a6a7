#!/usr/bin/env bash
# Serves a make-index tree with Debian's nginx like PyPI does, as the current user.
#
#   nginx.sh start DIR [STATE]   prints "PORT PID STATE" and returns once nginx answers
#   nginx.sh stop STATE          stops that nginx by the PID in STATE/nginx.pid
#
# STATE (default: a new mktemp dir) holds the generated config, logs and pid file; nothing
# outside it and DIR is touched. PEP 691: GET /simple/<p>/ answers index.json with
# application/vnd.pypi.simple.v1+json when Accept mentions that type, index.html otherwise.
# ETag/If-None-Match, gzip (incl. the JSON type), Cache-Control: max-age=600, Range.
# With NGINX_TLS_CERT and NGINX_TLS_KEY (PEM files) set, it serves HTTPS instead (for CA tests).
set -euo pipefail
NGINX="${NGINX:-/usr/sbin/nginx}"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local root state port
  root="$(cd "$1" && pwd)"
  state="${2:-$(mktemp -d /tmp/pyresolve-nginx.XXXXXX)}"
  mkdir -p "$state/tmp"
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    # As root, nginx would drop its workers to "nobody", who cannot read a 0700 mktemp dir.
    local user_line=""
    [ "$(id -u)" -eq 0 ] && user_line="user root;"
    local listen="listen 127.0.0.1:$port;" scheme=http probe_ca=()
    if [ -n "${NGINX_TLS_CERT:-}" ]; then
      listen="listen 127.0.0.1:$port ssl; ssl_certificate $NGINX_TLS_CERT; ssl_certificate_key $NGINX_TLS_KEY;"
      scheme=https
      probe_ca=(--cacert "$NGINX_TLS_CERT")
    fi
    cat > "$state/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $state/nginx.pid;
error_log $state/error.log warn;
daemon on;
events { worker_connections 256; }
http {
  access_log $state/access.log;
  client_body_temp_path $state/tmp/body;
  proxy_temp_path $state/tmp/proxy;
  fastcgi_temp_path $state/tmp/fastcgi;
  uwsgi_temp_path $state/tmp/uwsgi;
  scgi_temp_path $state/tmp/scgi;
  types {
    text/html html;
    application/vnd.pypi.simple.v1+json json;
    text/plain metadata;
    application/octet-stream whl;
    application/gzip gz;
  }
  default_type application/octet-stream;
  # PEP 691 negotiation: the JSON page only when the client asks for it.
  map \$http_accept \$simple_index {
    default index.html;
    "~application/vnd\.pypi\.simple\.v1\+json" index.json;
  }
  server {
    $listen
    root $root;
    etag on;
    gzip on;
    gzip_min_length 0;
    gzip_proxied any;
    gzip_types application/vnd.pypi.simple.v1+json text/plain application/json;
    add_header Cache-Control "max-age=600";
    add_header Vary Accept;
    location ~ ^/simple/(.*/)?\$ {
      try_files \$uri\$simple_index =404;
    }
    location / { }
  }
}
CONF
    if "$NGINX" -p "$state" -c "$state/nginx.conf" -e "$state/error.log" 2>>"$state/start.log"; then
      for _ in $(seq 50); do
        if curl -fsS "${probe_ca[@]}" -o /dev/null "$scheme://127.0.0.1:$port/simple/" 2>/dev/null; then
          echo "$port $(cat "$state/nginx.pid") $state"
          return 0
        fi
        sleep 0.1
      done
      stop "$state"
    fi
  done
  echo "nginx.sh: nginx did not start; see $state/error.log" >&2
  return 1
}

stop() {
  local state="$1"
  [ -f "$state/nginx.pid" ] || return 0
  local pid; pid="$(cat "$state/nginx.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$state/nginx.pid"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start DIR [STATE] | stop STATE" >&2; exit 64 ;;
esac

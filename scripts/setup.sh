#!/usr/bin/env bash
# Brings a machine to the point where Nexgate can run: Debian packages, PostgreSQL, Redis
# and RabbitMQ running, the virtualenv at .venv with the locked packages, both databases
# migrated. Idempotent and quick when nothing is missing. Sourced by scripts/run and scripts/test.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else say "need root for: $*"; return 1; fi; }

APT_UPDATED=0
apt_install() {
    local missing=()
    for package in "$@"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() {
    local name=$1 host=$2 port=$3
    for _ in $(seq 1 60); do tcp_open "$host" "$port" && return 0; sleep 1; done
    say "$name did not come up on $host:$port"; return 1
}

ensure_services() {
    # Only the services on this machine: a deployment pointing NEXGATE_* elsewhere manages its own.
    command -v ffmpeg >/dev/null || apt_install ffmpeg
    command -v wrk >/dev/null || apt_install wrk  # bench.http_baseline's load generator
    # zbarimg and openssl: the events tests decode ticket QR codes and verify their signatures with them
    command -v zbarimg >/dev/null || apt_install zbar-tools
    command -v openssl >/dev/null || apt_install openssl
    if ! tcp_open 127.0.0.1 5432; then
        command -v pg_ctlcluster >/dev/null || apt_install postgresql
        say "starting PostgreSQL"
        local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
        wait_for_port PostgreSQL 127.0.0.1 5432
    fi
    if ! tcp_open 127.0.0.1 6379; then
        command -v redis-server >/dev/null || apt_install redis-server
        say "starting Redis"
        mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
        as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/nexgate.log
        wait_for_port Redis 127.0.0.1 6379
    fi
    if ! tcp_open 127.0.0.1 5672; then
        command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
        say "starting RabbitMQ"
        as_root rabbitmq-server -detached
        wait_for_port RabbitMQ 127.0.0.1 5672
    fi
}

find_python() {
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] && command -v "$candidate" >/dev/null || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then echo "$candidate"; return 0; fi
    done
    apt_install python3.11 python3.11-venv >&2 && echo python3.11
}

ensure_venv() {
    local python; python=$(find_python)
    if [ ! -x .venv/bin/python ]; then
        say "creating .venv with $python"
        "$python" -m venv .venv || { apt_install python3.11-venv; "$python" -m venv .venv; }
    fi
    local stamp=.venv/.requirements.lock.sha256
    local want; want=$(sha256sum requirements.lock | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing Python packages from requirements.lock"
        .venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
        echo "$want" > "$stamp"
    fi
}

ensure_services
ensure_venv
say "migrating databases"
.venv/bin/python -m nexgate migrate >&2

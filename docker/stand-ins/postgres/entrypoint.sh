#!/bin/sh
# Entrypoint of the Postgres stand-in image. On the first start with an empty PGDATA it
# makes a cluster whose superuser is POSTGRES_USER (password POSTGRES_PASSWORD, required
# unless POSTGRES_HOST_AUTH_METHOD=trust) and a database POSTGRES_DB (default: the user's
# name), reachable over the network with that password; later starts reuse the volume.
set -eu

case "${1:-postgres}" in
    -*) set -- postgres "$@" ;;
esac
if [ "${1:-}" != postgres ]; then
    exec "$@"
fi

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
    # A fresh named volume is owned by root: hand it to postgres, then drop privileges.
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    user="${POSTGRES_USER:-postgres}"
    database="${POSTGRES_DB:-$user}"
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    password="${POSTGRES_PASSWORD:-}"
    if [ -z "$password" ] && [ "$auth" != trust ]; then
        echo "docker-entrypoint.sh: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
        exit 1
    fi
    pwfile=""
    if [ -n "$password" ]; then
        pwfile="$(mktemp)"
        printf '%s\n' "$password" > "$pwfile"
    fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words, as upstream.
    initdb --pgdata="$PGDATA" --username="$user" ${pwfile:+--pwfile="$pwfile"} \
        --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host="$auth" \
        ${POSTGRES_INITDB_ARGS:-}
    if [ -n "$pwfile" ]; then rm -f "$pwfile"; fi
    printf "host all all all %s\n" "$auth" >> "$PGDATA/pg_hba.conf"
    printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    if [ "$database" != postgres ]; then
        quoted="$(printf '%s' "$database" | sed 's/"/""/g')"
        echo "CREATE DATABASE \"$quoted\" OWNER \"$(printf '%s' "$user" | sed 's/"/""/g')\";" \
            | postgres --single -D "$PGDATA" postgres > /dev/null
    fi
    echo "docker-entrypoint.sh: initialised $PGDATA (user $user, database $database)" >&2
fi

exec "$@"

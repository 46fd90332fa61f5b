#!/bin/sh
# Writes nginx's configuration from the environment, then serves.
#   PACKAGE_CACHE_PORT   port to listen on (the host firewall lets only sandboxes and the host reach it)
#   PACKAGE_CACHE_HOSTS  comma-separated archive host names that may be fetched
# Sandboxes reach it without knowing: the host redirects their plain HTTP (port 80)
# here, so a request arrives with the archive's name in its Host header.
set -eu
: "${PACKAGE_CACHE_PORT:=3142}" "${PACKAGE_CACHE_HOSTS:=deb.debian.org,security.debian.org}"
resolvers=$(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { printf "%s ", $2 }' /etc/resolv.conf)
[ -n "$resolvers" ] || { echo "no IPv4 nameserver in /etc/resolv.conf" >&2; exit 1; }
hosts=$(echo "$PACKAGE_CACHE_HOSTS" | tr ',' '\n' | awk 'NF { printf "        %s 1;\n", $1 }')
mkdir -p /var/cache/dockyard-packages
cat >/etc/nginx/nginx.conf <<CONF
worker_processes 2;
pid /run/nginx.pid;
error_log stderr warn;
events { worker_connections 2048; }
http {
    access_log off;
    resolver $resolvers valid=300s ipv6=off;
    proxy_cache_path /var/cache/dockyard-packages levels=1:2 keys_zone=packages:16m
                     max_size=20g inactive=60d use_temp_path=off;
    map \$host \$archive {
        hostnames;
        default 0;
$hosts    }
    server {
        listen $PACKAGE_CACHE_PORT;
        default_type text/plain;
        if (\$archive = 0) {
            return 403 "Dockyard: only the package archives ($PACKAGE_CACHE_HOSTS) are reachable from the classroom sandbox.\n";
        }
        proxy_set_header Host \$host;
        proxy_http_version 1.1;
        location / {
            proxy_pass http://\$host\$request_uri;
        }
        # Package files never change under a name: kept for the whole class.
        location ~ \\.(deb|udeb)\$ {
            proxy_pass http://\$host\$request_uri;
            proxy_cache packages;
            proxy_cache_key \$host\$uri;
            proxy_cache_valid 200 60d;
            proxy_cache_lock on;
            add_header X-Dockyard-Cache \$upstream_cache_status;
        }
    }
}
CONF
nginx -t -q
exec nginx -g 'daemon off;'

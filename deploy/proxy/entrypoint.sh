#!/bin/sh
# Writes nginx's configuration from the environment and serves:
#   SERVER_NAME   the public host name (default localhost)
#   HTTPS_PORT    TLS port (443); HTTP_PORT redirects to it (80)
#   APP_PORTS     the app processes on 127.0.0.1, comma-separated (8001,8002)
# The certificate is /etc/dockyard/tls/cert.pem with key.pem; when they are
# missing, a self-signed one for SERVER_NAME is made once and kept.
set -eu
: "${SERVER_NAME:=localhost}" "${HTTPS_PORT:=443}" "${HTTP_PORT:=80}" "${APP_PORTS:=8001,8002}"
tls=/etc/dockyard/tls
if [ ! -s "$tls/cert.pem" ] || [ ! -s "$tls/key.pem" ]; then
    echo "dockyard-proxy: no certificate in $tls; making a self-signed one for $SERVER_NAME"
    umask 077
    openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -subj "/CN=$SERVER_NAME" \
        -addext "subjectAltName=DNS:$SERVER_NAME" -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
fi
servers=
for port in $(echo "$APP_PORTS" | tr ',' ' '); do
    servers="$servers        server 127.0.0.1:$port max_fails=0;\n"
done
redirect_port=":$HTTPS_PORT"
[ "$HTTPS_PORT" = 443 ] && redirect_port=
sed -e "s|@SERVERS@|$servers|" -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
    -e "s|@REDIRECT_PORT@|$redirect_port|g" -e "s|@SERVER_NAME@|$SERVER_NAME|g" \
    /etc/dockyard-proxy/nginx.conf.template >/etc/nginx/nginx.conf
nginx -t -q
exec nginx -g "daemon off;"

"""The host firewall around sandboxes (docs/sandbox-security.md, "Network").

Every sandbox network's bridge is named `dy…` (docker_specs.BRIDGE_PREFIX),
so a handful of rules cover them all:

- INPUT from a sandbox bridge: only the image cache and the package cache
  (answers to connections the host opened still pass);
- INPUT to the cache ports from anywhere else but loopback: refused, so the
  caches are not open to the school's LAN;
- FORWARD from a sandbox bridge (DOCKER-USER, Docker's hook for this): DNS to
  the host's resolvers, then by SANDBOX_EGRESS: "cache" refuses everything
  else, "internet" refuses private, link-local and reserved ranges and lets the
  rest out;
- nat PREROUTING from a sandbox bridge: DNS to the host's resolver (nested
  containers otherwise ask 8.8.8.8), and, with "cache", plain HTTP to the
  package cache, which fetches only from the package archives.

Applied by a short-lived container on the host's network (the engine image has
iptables), so the app needs no root. Idempotent and safe from several
processes at once: Dockyard's own chains are replaced atomically
(iptables-restore --noflush), jumps into them added only when missing.
"""

from __future__ import annotations

from django.conf import settings

from sandbox.backends.docker.specs import BRIDGE_PREFIX, ROLE_LABEL, image

INPUT_CHAIN = "DOCKYARD-SANDBOXES"
CACHE_CHAIN = "DOCKYARD-CACHES"
EGRESS_CHAIN = "DOCKYARD-EGRESS"
NAT_CHAIN = "DOCKYARD-REDIRECT"
# Never reachable from a sandbox in "internet" mode: RFC 1918, CGNAT, loopback,
# link-local (cloud metadata at 169.254.169.254), "this network", benchmarking,
# documentation is not listed (the test machines' archive lives there), multicast, reserved.
PRIVATE_RANGES = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
]
MODES = ("cache", "internet")


def script() -> str:
    """A POSIX shell script that applies the rules; runs on the host's network namespace."""
    egress = settings.SANDBOX_EGRESS
    if egress not in MODES:
        raise ValueError(f"SANDBOX_EGRESS must be one of {', '.join(MODES)}, not {egress!r}")
    bridges = f"{BRIDGE_PREFIX}+"
    caches = f"{settings.IMAGE_CACHE_PORT},{settings.PACKAGE_CACHE_PORT}"
    private = "\n".join(f"-A {EGRESS_CHAIN} -d {cidr} -j REJECT" for cidr in PRIVATE_RANGES)
    egress_rules = f"-A {EGRESS_CHAIN} -j REJECT" if egress == "cache" else private
    http_redirect = (
        f"-A {NAT_CHAIN} -p tcp --dport 80 -j REDIRECT --to-ports {settings.PACKAGE_CACHE_PORT}"
        if egress == "cache"
        else ""
    )
    return f"""set -eu
# Use the iptables flavour the host's Docker uses (legacy or nftables).
IPT=iptables-nft
if ! iptables-nft -w -n -L DOCKER >/dev/null 2>&1 && iptables-legacy -w -n -L DOCKER >/dev/null 2>&1; then
    IPT=iptables-legacy
fi
# IPv4 resolvers of the host (Docker gives a host-network container the host's own list).
resolvers=$(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ && $2 !~ /^127\\./ {{ print $2 }}' /etc/resolv.conf)
dns_accept="" dns_nat=""
for r in $resolvers; do
    dns_accept="$dns_accept
-A {EGRESS_CHAIN} -d $r -p udp --dport 53 -j RETURN
-A {EGRESS_CHAIN} -d $r -p tcp --dport 53 -j RETURN"
done
first=$(echo "$resolvers" | head -n 1)
if [ -n "$first" ]; then
    dns_nat="-A {NAT_CHAIN} -p udp --dport 53 -j DNAT --to-destination $first
-A {NAT_CHAIN} -p tcp --dport 53 -j DNAT --to-destination $first"
fi
$IPT -w -n -L DOCKER-USER >/dev/null 2>&1 || {{ $IPT -w -N DOCKER-USER; $IPT -w -I FORWARD -j DOCKER-USER; }}
${{IPT}}-restore -w --noflush <<RULES
*filter
:{INPUT_CHAIN} - [0:0]
:{CACHE_CHAIN} - [0:0]
:{EGRESS_CHAIN} - [0:0]
-A {INPUT_CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A {INPUT_CHAIN} -p tcp -m multiport --dports {caches} -j ACCEPT
-A {INPUT_CHAIN} -j DROP
-A {CACHE_CHAIN} -i lo -j RETURN
-A {CACHE_CHAIN} -i {bridges} -j RETURN
-A {CACHE_CHAIN} -p tcp -j REJECT --reject-with tcp-reset
-A {EGRESS_CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN$dns_accept
{egress_rules}
COMMIT
*nat
:{NAT_CHAIN} - [0:0]
$dns_nat
{http_redirect}
COMMIT
RULES
ensure() {{  # ensure TABLE CHAIN RULE...: insert the rule at the top unless it is there
    table=$1 chain=$2; shift 2
    $IPT -w -t "$table" -C "$chain" "$@" 2>/dev/null || $IPT -w -t "$table" -I "$chain" 1 "$@"
}}
ensure filter INPUT -i {bridges} -j {INPUT_CHAIN}
ensure filter INPUT -p tcp -m multiport --dports {caches} -j {CACHE_CHAIN}
ensure filter DOCKER-USER -i {bridges} -j {EGRESS_CHAIN}
ensure nat PREROUTING -i {bridges} -j {NAT_CHAIN}
echo "dockyard firewall: egress=$egress resolvers=$(echo $resolvers)"
""".replace("$egress", egress)


def container_options() -> dict:
    return dict(
        image=image("engine"),
        entrypoint=["sh", "-c", script()],
        network_mode="host",
        cap_add=["NET_ADMIN", "NET_RAW"],
        labels={ROLE_LABEL: "firewall"},
        remove=True,
    )

"""Shortcuts and alternatives (see check_cases.py) for the lessons on build and
app tools: BuildKit and buildx, and Compose. Each entry holds the fields of a
check_cases.Case; check_cases.py adds them to CASES.
"""

# The counter app of the Compose lesson, as a student who wrote it another way would:
# a docker-compose.yml in flow style, long port syntax, the default network.
_COUNTER_APP = r"""mkdir -p ~/counter && cd ~/counter
printf '%s\n' 'import os, signal, socket, sys' 'from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer' \
  'def count_visit():' '    with socket.create_connection((os.environ["REDIS_HOST"], 6379), timeout=3) as redis:' \
  '        redis.sendall(b"INCR visits\r\n")' '        return int(redis.recv(64)[1:])' \
  'class Counter(BaseHTTPRequestHandler):' '    def do_GET(self):' \
  '        page = f"<h1>Hello from Compose!</h1><p>Visits: {count_visit()}, served by {socket.gethostname()}</p>"' \
  '        self.send_response(200)' '        self.end_headers()' '        self.wfile.write(page.encode())' \
  'signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))' 'ThreadingHTTPServer(("", 8000), Counter).serve_forever()' > app.py
printf '%s\n' 'FROM python:3-slim' 'COPY app.py /srv/' 'CMD ["python3", "/srv/app.py"]' > Dockerfile
"""

TOOL_CASES = {
    # 31 BuildKit and buildx
    ("buildkit", "cache-mount"): dict(
        why="the log kept in a layer of the image, no cache mount",
        shortcut=r"""mkdir -p ~/bk && cd ~/bk
printf '%s\n' 'FROM busybox' \
  'RUN mkdir /cache && echo "build of version 1" >> /cache/builds.log && echo "build of version 2" >> /cache/builds.log' \
  'RUN cp /cache/builds.log /builds.log' | docker build -t bk:cache -""",
        alternative=r"""cd ~/bk
for v in 1 2; do
  printf '%s\n' 'FROM busybox' \
    "RUN --mount=type=cache,id=buildlog,target=/var/cache/demo echo 'build of version $v' >> /var/cache/demo/builds.log && cp /var/cache/demo/builds.log /builds.log" |
    docker build -t bk:cache -
done""",
    ),
    ("buildkit", "prune-cache"): dict(
        why="dangling images pruned, the build cache left as it was",
        shortcut="docker image prune -f",
        alternative="docker buildx prune --filter type=exec.cachemount --force",
    ),
    ("buildkit", "export"): dict(
        why="the whole build stage exported: a file system with the page in out/",
        shortcut=r"""mkdir -p ~/bk && cd ~/bk
printf '%s\n' 'Release notes' 'Exported by BuildKit.' > notes.txt
printf '%s\n' 'FROM busybox AS build' 'COPY notes.txt /src/' "RUN mkdir /out && sed -e '1s|.*|<h1>&</h1>|' -e '1!s|.*|<p>&</p>|' /src/notes.txt > /out/index.html" \
  'FROM scratch AS site' 'COPY --from=build /out/ /' 'FROM busybox' 'COPY --from=site / /www/' > Dockerfile.site
docker buildx build -f Dockerfile.site --target build -o site .""",
        alternative="""cd ~/bk && rm -rf site
docker build -f Dockerfile.site -t bk:site .
c=$(docker create bk:site) && docker cp "$c:/www" site && docker rm "$c"
""",
    ),
    # 50 Docker Compose
    ("compose", "compose-file"): dict(
        why="only the web service in the file: Redis left to be run by hand",
        shortcut=_COUNTER_APP
        + r"""printf '%s\n' 'services:' '  web:' '    build: .' '    ports:' '      - "8000:8000"' > compose.yaml""",
        alternative=r"""cd ~/counter && rm compose.yaml
printf '%s\n' 'services:' \
  '  redis: {image: "redis:latest", volumes: [{type: volume, source: redis-data, target: /data}]}' \
  '  web: {build: {context: .}, ports: [{target: 8000, published: "8000"}], environment: [REDIS_HOST=redis]}' \
  'volumes: {redis-data: {}}' > docker-compose.yml""",
    ),
    ("compose", "up"): dict(
        why="the same two containers started by hand, not by Compose",
        shortcut="""docker network create countnet
docker run -d --name redis --network countnet redis
docker build -q -t counter-by-hand ~/counter
docker run -d --name web --network countnet -e REDIS_HOST=redis -p 8000:8000 counter-by-hand""",
        alternative="""docker rm -f web redis && docker network rm countnet
docker compose -f ~/counter/docker-compose.yml up --detach --wait""",
    ),
    ("compose", "exec"): dict(
        why="the counter set in another Redis, not the project's",
        shortcut="""docker run -d --name scratch-redis redis
sleep 1
docker exec scratch-redis redis-cli set visits 1000""",
        alternative="docker rm -f scratch-redis; docker exec counter-redis-1 redis-cli incrby visits 1000",
    ),
    ("compose", "down-up"): dict(
        why="down -v: the volume, and the count with it, is gone",
        shortcut="cd ~/counter && docker compose down -v && docker compose up -d",
        alternative="""cd ~/counter
docker compose exec redis redis-cli set visits 1000
docker compose up -d --force-recreate redis""",
    ),
    ("compose", "scale"): dict(
        why="scaled with every copy on host port 8000: only one can start",
        shortcut="cd ~/counter && docker compose up -d --scale web=3",
        alternative="""cd ~/counter
sed -i 's/, published: "8000"//' docker-compose.yml
docker compose up -d --scale web=3""",
    ),
    ("compose", "down"): dict(
        why="stopped, not removed",
        shortcut="cd ~/counter && docker compose stop",
        alternative="cd ~/counter && docker compose rm --stop --force && docker network rm counter_default",
    ),
}

"""Shortcuts and alternatives (see check_cases.py) for the lessons from order 30
on: multi-stage builds, containers, registries, data and networking. Each
entry holds the fields of a check_cases.Case; check_cases.py adds them to CASES.
"""

CONTAINER_CASES = {
    # 30 Multi-stage builds
    ("multi-stage-builds", "single-stage"): dict(
        why="nginx renamed, no page built",
        shortcut="docker pull -q nginx && docker tag nginx notes-site:single",
        alternative=r"""mkdir -p ~/multistage && cd ~/multistage
printf '%s\n' '# Release notes' 'First version.' > notes.md
printf '%s\n' 'FROM nginx' 'COPY notes.md /tmp/' \
  "RUN perl -ne 'chomp; print /^# (.*)/ ? \"<h1>\$1</h1>\" : \"<p>\$_</p>\" if /\\S/' /tmp/notes.md > /usr/share/nginx/html/index.html" |
  docker build -t notes-site:single -f - .""",
    ),
    ("multi-stage-builds", "multi-stage"): dict(
        why="the single-stage image renamed: it still carries the toolchain",
        shortcut="docker tag notes-site:single notes-site:multi",
        alternative=r"""cd ~/multistage
printf '%s\n' 'FROM debian:bookworm' 'COPY notes.md /src/' \
  "RUN mkdir /out && perl -ne 'chomp; print /^# (.*)/ ? \"<h1>\$1</h1>\" : \"<p>\$_</p>\" if /\\S/' /src/notes.md > /out/index.html" \
  'FROM busybox' 'COPY --from=0 /out/index.html /www/index.html' 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]' > Dockerfile.index
docker build -f Dockerfile.index -t notes-site:multi .""",
    ),
    ("multi-stage-builds", "serve"): dict(
        why="the big single-stage image serving instead",
        shortcut="docker run -d --name notes-web -p 8083:80 notes-site:single",
        alternative="""docker rm -f notes-web
docker create --name notes-web -p 8083:80 notes-site:multi
docker start notes-web""",
    ),
    ("multi-stage-builds", "target"): dict(
        why="Debian renamed: no build stage in it",
        shortcut="docker pull -q debian:bookworm && docker tag debian:bookworm notes-site:build",
        alternative=r"""cd ~/multistage
printf '%s\n' 'FROM debian:bookworm AS build' 'WORKDIR /src' 'COPY notes.md .' \
  "RUN mkdir /out && perl -ne 'chomp; next unless /\\S/; print /^# (.*)/ ? \"<h1>\$1</h1>\\n\" : \"<p>\$_</p>\\n\"' notes.md > /out/index.html" \
  'FROM busybox' 'COPY --from=build /out/ /www/' 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]' > Dockerfile
cd ~ && docker build --target build -t notes-site:build -f ~/multistage/Dockerfile ~/multistage""",
    ),
    ("multi-stage-builds", "rebuild"): dict(
        why="the notes edited, the image not rebuilt",
        shortcut="echo 'Version 2: edited only.' >> ~/multistage/notes.md",
        alternative="cd ~/multistage && docker build --no-cache -t notes-site:multi .",
    ),
    # 40 Working with containers
    ("containers", "ticker"): dict(
        why="not detached: the loop never starts, the container ends at once",
        shortcut="docker run --name ticker busybox sh -c 'echo started at now; echo hello world'",
        alternative="""docker rm ticker
docker create --name ticker busybox sh -c 'echo "started at $(date +%T)"; while true; do echo hello world; sleep 1; done'
docker start ticker""",
    ),
    ("containers", "restart"): dict(
        why="a new container under the same name: its log starts over",
        shortcut="""docker rm -f ticker
docker run -d --name ticker busybox sh -c 'echo "started at $(date +%T)"; while true; do echo hello world; sleep 1; done'""",
        alternative="docker restart ticker",
    ),
    ("containers", "exec"): dict(
        why="the note written, then the main process ended (as exit in an attached shell does)",
        shortcut="""docker run -dit --name box busybox sh
docker exec box sh -c "echo 'written with exec' > /note.txt"
docker kill box""",
        alternative="""docker rm -f box
docker run -dit --name box busybox
docker exec -i box sh -c 'cat > /note.txt' <<< 'written with exec'""",
    ),
    ("containers", "export-import"): dict(
        why="docker commit keeps every layer, where import makes one",
        shortcut="docker commit box box:snapshot",
        alternative="docker export box | docker import --change 'CMD [\"sh\"]' - box:snapshot",
    ),
    ("containers", "clean-up"): dict(
        why="only ticker removed: the stopped box is left",
        shortcut="docker rm -f ticker; docker stop -t 1 box",
        alternative="docker container prune -f",
    ),
    # 42 Managing data
    ("data-management", "volume-web"): dict(
        why="nginx without the volume: its pages stay in the container",
        shortcut="docker run -d --name web -p 8080:80 nginx",
        alternative="""docker rm -f web
docker run -d --name web -p 8080:80 -v web-data:/usr/share/nginx/html nginx""",
    ),
    ("data-management", "outlive"): dict(
        why="the page changed inside the old container, which was never replaced",
        shortcut="""sleep 2
docker exec web sh -c 'echo "<h1>Kept in a volume</h1>" > /usr/share/nginx/html/index.html'""",
        alternative="""printf '<h1>Kept in a volume</h1>\\n' > ~/page.html
docker cp ~/page.html web:/usr/share/nginx/html/index.html
docker rm -f web
docker run -d --name web -p 8080:80 --mount type=volume,src=web-data,dst=/usr/share/nginx/html nginx""",
    ),
    ("data-management", "backup"): dict(
        why="an archive of the image's own pages, not of the volume",
        shortcut="""mkdir -p ~/backup
docker run --rm -v ~/backup:/backup nginx tar -czf /backup/web-data.tar.gz -C /usr/share/nginx/html .""",
        alternative="""docker run --rm --volumes-from web -v ~/backup:/backup debian:bookworm \\
  tar -czf /backup/web-data.tar.gz -C /usr/share/nginx/html .""",
    ),
    ("data-management", "restore"): dict(
        why="unpacked into a folder, not into a volume",
        shortcut="mkdir -p ~/web-restored && tar -xzf ~/backup/web-data.tar.gz -C ~/web-restored",
        alternative="""docker volume create web-restored
docker run --rm --mount source=web-restored,target=/data -v ~/backup:/backup debian:bookworm \\
  tar -xzf /backup/web-data.tar.gz -C /data""",
    ),
    ("data-management", "bind-readonly"): dict(
        why="the folder mounted read-write",
        shortcut="""mkdir -p ~/site && printf '<h1>Served from my home folder</h1>\\n' > ~/site/index.html
docker run -d --name site -p 8081:80 -v ~/site:/usr/share/nginx/html nginx""",
        alternative="""docker rm -f site
docker run -d --name site -p 8081:80 -v ~/site:/www:ro busybox httpd -f -p 80 -h /www""",
    ),
    ("data-management", "tmpfs"): dict(
        why="a folder in the container's own layer, not in memory",
        shortcut="docker run -d --name scratch busybox sh -c 'mkdir /scratch && echo x > /scratch/secret.txt && exec sleep infinity'",
        alternative="""docker rm -f scratch
docker run -d --name scratch --mount type=tmpfs,target=/scratch,tmpfs-size=16m debian:bookworm sleep infinity
docker exec scratch sh -c 'echo secret > /scratch/secret.txt'""",
    ),
    # 43 Networking
    ("networking", "publish-random"): dict(
        why="a port chosen by hand, not by Docker",
        shortcut="docker run -d --name web-random -p 32999:80 nginx",
        alternative="""docker rm -f web-random
docker run -d --name web-random -p 80 nginx""",
    ),
    ("networking", "publish-local"): dict(
        why="published on every address",
        shortcut="docker run -d --name web-local -p 8082:80 nginx",
        alternative="""docker rm -f web-local
docker run -d --name web-local --publish 127.0.0.1:8082:80/tcp busybox httpd -f -p 80 -h /etc""",
    ),
    ("networking", "user-network"): dict(
        why="cache on the default bridge, where names do not resolve",
        shortcut="""docker network create my-net
docker run -d --name cache redis""",
        alternative="docker network connect my-net cache",
    ),
    ("networking", "connect"): dict(
        why="a new app on my-net only, instead of connecting a running one",
        shortcut="docker run -dit --name app --network my-net busybox",
        alternative="""docker rm -f app
docker run -dit --name app debian:bookworm
docker network connect --alias helper my-net app""",
    ),
    # 41 Registries
    ("repositories", "run-registry"): dict(
        why="the registry runs, but its port is not published",
        shortcut="docker run -d --name registry registry:2",
        alternative="""docker rm -f registry
docker run -d --name registry -p 127.0.0.1:5000:5000 -v registry-store:/var/lib/registry registry:2""",
    ),
    ("repositories", "push"): dict(
        why="named for the registry, but never pushed",
        shortcut="""mkdir -p ~/hello-registry && cd ~/hello-registry
printf '%s\\n' 'FROM busybox' 'CMD ["echo", "Hello from my registry"]' > Dockerfile
docker build -t hello-registry .
docker tag hello-registry localhost:5000/hello:v1""",
        alternative="docker tag hello-registry 127.0.0.1:5000/hello:v1 && docker push 127.0.0.1:5000/hello:v1",
    ),
    ("repositories", "pull-back"): dict(
        why="the local image named again, nothing pulled",
        shortcut="docker rmi localhost:5000/hello:v1 && docker tag hello-registry localhost:5000/hello:v1",
        alternative="""docker rmi hello-registry localhost:5000/hello:v1 127.0.0.1:5000/hello:v1
docker run --rm 127.0.0.1:5000/hello:v1""",
    ),
}

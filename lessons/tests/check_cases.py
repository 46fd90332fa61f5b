"""For every check of the shipped lessons: one wrong shortcut that must fail it
and one other correct way that must pass it (test_check_cases_docker.py runs
them in a real sandbox; docs/lessons-format.md, "Writing good checks").

Keyed by (lesson slug, step id). The scripts run like solutions (bash, in the
home folder), step after step in the lesson's order in one sandbox: the
shortcut of a step runs after the alternatives of the steps before it, and its
alternative right after it, so an alternative may first undo its shortcut.
Checks that look for "a container wrote this file" compare times in whole
seconds, so a shortcut that writes such a file first waits two seconds.
"""

from dataclasses import dataclass

from lessons.tests.check_cases_containers import CONTAINER_CASES
from lessons.tests.check_cases_tools import TOOL_CASES


@dataclass(frozen=True)
class Case:
    why: str  # what the shortcut skips, in a few words
    shortcut: str
    alternative: str


CASES = {
    # 01 What is Docker?
    ("what-is-docker", "shared-kernel"): Case(
        why="the terminal's own uname, no container",
        shortcut="sleep 2; uname -r > ~/container-kernel.txt",
        alternative="docker run --rm debian:bookworm cat /proc/sys/kernel/osrelease | tee ~/container-kernel.txt",
    ),
    ("what-is-docker", "container-process"): Case(
        why="a sleeper that has already ended",
        shortcut="docker run --name sleeper busybox sleep 1",
        alternative="docker rm -f sleeper; docker run -d --name sleeper debian:bookworm /bin/sleep infinity",
    ),
    # 02 Your first containers
    ("first-containers", "hello"): Case(
        why="a container created but never run",
        shortcut="docker create --name first busybox echo hello",
        alternative="docker rm first; docker run --name first debian:bookworm echo hello",
    ),
    ("first-containers", "build-hello"): Case(
        why="busybox renamed, no image of one's own",
        shortcut="docker tag busybox hello",
        alternative="""printf 'FROM busybox\\nCMD echo "Hello from my own image"\\n' | docker build -t hello -""",
    ),
    ("first-containers", "publish"): Case(
        why="nginx's own welcome page on 8080, not the page in ~/site",
        shortcut="""mkdir -p ~/site && printf '<h1>Hello from a container</h1>\\n' > ~/site/index.html
docker run -d --name web -p 8080:80 nginx""",
        alternative="""docker rm -f web
docker run -d --name web -p 8080:80 -v ~/site:/usr/share/nginx/html:ro nginx""",
    ),
    ("first-containers", "edit-site"): Case(
        why="the edited page baked into a new container, the folder unchanged",
        shortcut="""docker rm -f web
docker run -d --name web -p 8080:80 busybox sh -c "mkdir /www && echo '<h1>Edited outside the container</h1>' > /www/index.html && httpd -f -p 80 -h /www"
sleep 1""",
        alternative="""docker rm -f web
docker run -d --name web -p 8080:80 -v ~/site:/www busybox httpd -f -p 80 -h /www
sed -i 's/Hello from a container/Edited outside the container/' ~/site/index.html""",
    ),
    # 03 Images, containers and registries
    ("basic-concepts", "writable-layer"): Case(
        why="a container created but never started: its layer is empty",
        shortcut="docker create --name scratchpad busybox sh -c 'echo draft > /note.txt'",
        alternative="docker rm scratchpad; docker run --name scratchpad debian:bookworm touch /note.txt",
    ),
    ("basic-concepts", "create-volume"): Case(
        why="a folder named notes, not a volume",
        shortcut="mkdir -p ~/notes",
        alternative="docker run --rm -v notes:/data busybox true",
    ),
    ("basic-concepts", "volume-survives"): Case(
        why="the note written to a bind-mounted folder, not into the volume",
        shortcut="mkdir -p ~/notes && docker run --rm -v ~/notes:/data busybox sh -c 'echo kept > /data/note.txt'",
        alternative="docker run --rm --mount source=notes,target=/srv debian:bookworm sh -c 'echo kept > /srv/note.txt'",
    ),
    ("basic-concepts", "bind-mount"): Case(
        why="the file written by the terminal itself",
        shortcut="sleep 2; mkdir -p ~/shared && hostname > ~/shared/written-by.txt",
        alternative="docker run --rm --mount type=bind,source=$HOME/shared,target=/out busybox sh -c 'hostname > /out/written-by.txt'",
    ),
    ("basic-concepts", "full-name"): Case(
        why="a rebuilt copy under the new name, not a second name for the same image",
        shortcut="printf 'FROM busybox\\nLABEL copy=yes\\n' | docker build -t registry.example.com/team/busybox:1.0 -",
        alternative="docker image tag $(docker image inspect -f '{{.Id}}' busybox) registry.example.com/team/busybox:1.0",
    ),
    # 04 Installing Docker
    ("install-docker", "engine-version"): Case(
        why="the client's version line, not the server's version",
        shortcut="docker --version > ~/engine-version.txt",
        alternative="docker info --format '{{.ServerVersion}}' > ~/engine-version.txt",
    ),
    ("install-docker", "api-socket"): Case(
        why="the docker command's JSON, not the engine's own answer",
        shortcut="docker version --format '{{json .}}' > ~/engine-api.json",
        alternative="curl -s --unix-socket /run/dockyard/docker.sock -o ~/engine-api.json http://docker/version",
    ),
    ("install-docker", "daemon-json"): Case(
        why="registry-mirrors written as one string instead of a list",
        shortcut="""echo '{"registry-mirrors": "https://mirror.example.com"}' > ~/daemon.json""",
        alternative="""echo '{"registry-mirrors": ["https://a.example.com", "http://10.0.0.5:5000"], "insecure-registries": ["10.0.0.5:5000"]}' > ~/daemon.json""",
    ),
    # 05 Pulling and running images
    ("pull-and-run", "pull-debian"): Case(
        why="busybox tagged with Debian's name, nothing pulled",
        shortcut="docker tag busybox debian:bookworm",
        alternative="docker rmi debian:bookworm; docker pull debian",
    ),
    ("pull-and-run", "os-release"): Case(
        why="the terminal's own /etc/os-release (also Debian), no container",
        shortcut="sleep 2; cat /etc/os-release > ~/os-release.txt",
        alternative="docker run --rm debian cat /usr/lib/os-release | tee ~/os-release.txt",
    ),
    ("pull-and-run", "leftover"): Case(
        why="run with --rm, so nothing is left over",
        shortcut="docker run --rm --name leftover debian cat /etc/debian_version",
        alternative="docker run --name leftover debian true",
    ),
    # 06 Listing images
    ("list-images", "pull-some"): Case(
        why="busybox tagged debian:12, not a second name for the Debian image",
        shortcut="docker pull nginx; docker tag busybox debian:12",
        alternative="docker pull debian && docker image tag debian debian:12",
    ),
    ("list-images", "make-dangling"): Case(
        why="demo built once, so nothing has lost its name",
        shortcut="""printf 'FROM busybox\\nRUN echo one > /version\\n' | docker build -t demo -""",
        alternative="docker tag busybox demo",
    ),
    ("list-images", "prune-dangling"): Case(
        why="the dangling image given a name instead of being deleted",
        shortcut="docker tag $(docker image ls -q -f dangling=true | head -1) demo:old",
        alternative="""docker rmi demo:old
printf 'FROM busybox\\nRUN echo two > /version\\n' | docker build -t demo -
docker rmi $(docker images -q -f dangling=true)""",
    ),
    ("list-images", "label-filter"): Case(
        why="the label on a container, not on an image",
        shortcut="docker run -d --label com.example.version=0.1 busybox sleep 60",
        alternative="printf 'FROM busybox\\n' | docker build --label com.example.version=0.1 -t labelled -",
    ),
    ("list-images", "format-names"): Case(
        why="two names typed by hand, not the engine's list",
        shortcut="printf 'busybox:latest\\nnginx:latest\\n' > ~/image-names.txt",
        alternative="""docker image ls --format '{{json .}}' | perl -MJSON::PP -ne '$i = decode_json($_); print "$i->{Repository}:$i->{Tag}\\n"' > ~/image-names.txt""",
    ),
    # 07 Understanding images with docker commit
    ("understanding-images-with-commit", "webserver"): Case(
        why="lesson 02's web still answers on 8080; webserver publishes nothing",
        shortcut="""mkdir -p ~/site && echo '<h1>old page</h1>' > ~/site/index.html
docker run -d --name web -p 8080:80 -v ~/site:/www busybox httpd -f -p 80 -h /www
docker run -d --name webserver nginx""",
        alternative="docker rm -f web webserver; docker run -d --name webserver -p 127.0.0.1:8080:80 nginx:latest",
    ),
    ("understanding-images-with-commit", "edit-page"): Case(
        why="the page mounted from outside, so the container's layer is unchanged",
        shortcut="""mkdir -p ~/page && echo '<h1>Hello, Docker!</h1>' > ~/page/index.html
docker rm -f webserver; docker run -d --name webserver -p 8080:80 -v ~/page:/usr/share/nginx/html nginx
sleep 1""",
        alternative="""docker rm -f webserver; docker run -d --name webserver -p 8080:80 nginx
printf '<h1>Hello, Docker!</h1>\\n' > /tmp/index.html
docker cp /tmp/index.html webserver:/usr/share/nginx/html/index.html""",
    ),
    ("understanding-images-with-commit", "commit"): Case(
        why="committed without saying who or what",
        shortcut="docker commit webserver nginx:v2",
        alternative='docker container commit -a "Grace Hopper <grace@example.com>" -m "My own welcome page" webserver nginx:v2',
    ),
    ("understanding-images-with-commit", "web2"): Case(
        why="the unchanged nginx image on 8081",
        shortcut="docker run -d --name web2 -p 8081:80 nginx",
        alternative="docker rm -f web2; docker run -d --name web2 -p 8081:80 $(docker image inspect -f '{{.Id}}' nginx:v2)",
    ),
    # 10 Customizing an image with a Dockerfile
    ("customize-with-dockerfile", "write-dockerfile"): Case(
        why="the page written on top of busybox, not nginx",
        shortcut="""mkdir -p ~/mynginx && cd ~/mynginx
printf '%s\\n' 'FROM busybox' "RUN echo '<h1>Hello, Docker!</h1>' > /index.html" > Dockerfile""",
        alternative="""cd ~/mynginx
printf '%s\\n' 'from nginx:latest' "RUN printf '<h1>Hello, Docker!</h1>\\\\n' > /usr/share/nginx/html/index.html" > Dockerfile""",
    ),
    ("customize-with-dockerfile", "build-image"): Case(
        why="the official nginx renamed, nothing built",
        shortcut="docker pull nginx && docker tag nginx mynginx:v1",
        alternative="DOCKER_BUILDKIT=1 docker build -t mynginx:v1 ~/mynginx",
    ),
    ("customize-with-dockerfile", "serve-page"): Case(
        why="a leftover server says Hello, Docker! on 8080, but it is not mynginx:v1",
        shortcut="""mkdir -p ~/hello-page && echo '<h1>Hello, Docker!</h1>' > ~/hello-page/index.html
docker run -d --name web -p 8080:80 -v ~/hello-page:/www busybox httpd -f -p 80 -h /www
sleep 1""",
        alternative="docker rm -f web; docker run -d -p 8080:80 mynginx:v1; sleep 1",
    ),
    # 11 FROM: choosing a base image, and scratch
    ("from-and-scratch", "from-debian"): Case(
        why="Debian renamed: its default bash prints nothing",
        shortcut="docker pull -q debian:bookworm && docker tag debian:bookworm whichos:v1",
        alternative="printf 'FROM debian\\nCMD cat /etc/os-release\\n' | docker build -t whichos:v1 -",
    ),
    ("from-and-scratch", "get-static-binary"): Case(
        why="the terminal's own (dynamically linked) true",
        shortcut="mkdir -p ~/tiny && cp /bin/true ~/tiny/busybox",
        alternative="docker create --name bb busybox && docker cp bb:/bin/busybox ~/tiny/busybox && docker rm bb",
    ),
    ("from-and-scratch", "scratch-image"): Case(
        why="built on the busybox image, not on scratch",
        shortcut="""printf 'FROM busybox\\nCMD ["echo", "Hello from scratch"]\\n' | docker build -t tiny:v1 -""",
        alternative="""printf '%s\\n' 'FROM scratch' 'COPY --from=busybox /bin/busybox /bin/busybox' 'CMD ["/bin/busybox", "echo", "Hello from scratch"]' | docker build -t tiny:v1 -""",
    ),
    ("from-and-scratch", "scratch-shell"): Case(
        why="the busybox image renamed, with its own layers",
        shortcut="printf 'FROM busybox\\n' | docker build -t tiny:v2 -",
        alternative="""printf '%s\\n' 'FROM tiny:v1' 'RUN ["/bin/busybox", "ln", "-s", "/bin/busybox", "/bin/sh"]' | docker build -t tiny:v2 -""",
    ),
    # 12 RUN and keeping layers lean
    ("run-and-layers", "fat-image"): Case(
        why="the junk is made but never deleted",
        shortcut="printf 'FROM busybox\\nRUN dd if=/dev/zero of=/junk bs=1M count=20\\n' | docker build -t layers:fat -",
        alternative="""printf '%s\\n' 'FROM busybox' 'RUN head -c 20000000 /dev/urandom > /junk' 'RUN rm -f /junk' | docker build -t layers:fat -""",
    ),
    ("run-and-layers", "slim-image"): Case(
        why="busybox renamed: small, but no junk was ever made",
        shortcut="docker tag busybox layers:slim",
        alternative="""printf '%s\\n' 'FROM busybox' 'RUN head -c 20000000 /dev/zero > /junk; rm -f /junk' | docker build -t layers:slim -""",
    ),
    ("run-and-layers", "apt-clean"): Case(
        why="the lists deleted by a later RUN, so an earlier layer still holds them",
        shortcut="""mkdir -p ~/curlbox && cd ~/curlbox
printf '%s\\n' 'FROM debian:bookworm' 'RUN apt-get update && apt-get install -y --no-install-recommends curl' 'RUN rm -rf /var/lib/apt/lists/*' > Dockerfile.late
docker build -f Dockerfile.late -t curlbox:v1 .""",
        alternative="""cd ~/curlbox
printf '%s\\n' 'FROM debian:bookworm' 'RUN apt-get -qq update && apt-get -qq install -y curl && apt-get clean && rm -rf /var/lib/apt/lists' > Dockerfile
docker build -t curlbox:v1 .""",
    ),
    # 13 docker build and the build context
    ("build-context", "context-copy"): Case(
        why="the text echoed by CMD, no file copied from the context",
        shortcut="""mkdir -p ~/ctxdemo && echo 'Hello from the build context' > ~/ctxdemo/message.txt
printf 'FROM busybox\\nCMD ["echo", "Hello from the build context"]\\n' | docker build -t ctx:v1 -""",
        alternative="""cd ~/ctxdemo
printf '%s\\n' 'FROM busybox' 'COPY ["message.txt", "/"]' 'CMD cat /message.txt' > Dockerfile
DOCKER_BUILDKIT=1 docker build -t ctx:v1 .""",
    ),
    ("build-context", "outside-context"): Case(
        why="the settings typed into a RUN, not brought into the context",
        shortcut="""echo 'shared settings' > ~/settings.txt
printf 'FROM busybox\\nRUN echo "shared settings" > /etc/settings.txt\\n' | docker build -t ctx:v2 -""",
        alternative="""mkdir -p ~/ctx2 && cp ~/settings.txt ~/ctx2/
printf 'FROM busybox\\nADD settings.txt /etc/\\n' | docker build -t ctx:v2 -f- ~/ctx2""",
    ),
    ("build-context", "dockerignore"): Case(
        why="only message.txt copied: the junk and the secret still go to the engine",
        shortcut="""cd ~/ctxdemo
dd if=/dev/zero of=big.log bs=1M count=30 2>/dev/null
echo 'PASSWORD=hunter2' > secret.env
printf 'FROM busybox\\nCOPY message.txt /app/\\n' | docker build -t ctx:v3 -f- .""",
        alternative="""cd ~/ctxdemo
printf '%s\\n' '**/*.log' '*.env' > .dockerignore
printf 'FROM busybox\\nCOPY . /app/\\n' | DOCKER_BUILDKIT=1 docker build -t ctx:v3 -f- .""",
    ),
    ("build-context", "buildkit"): Case(
        why="the same image made by the legacy builder, with a RUN chmod",
        shortcut="""cd ~/ctxdemo
printf '%s\\n' '#!/bin/sh' 'echo "<h1>$(cat "$1")</h1>"' > render.sh
printf '%s\\n' 'FROM busybox' 'COPY render.sh /usr/local/bin/render' 'COPY message.txt /tmp/' \\
  'RUN chmod 755 /usr/local/bin/render && mkdir -p /www && render /tmp/message.txt > /www/index.html' |
  DOCKER_BUILDKIT=0 docker build -t ctx:bk -f- .""",
        alternative="""cd ~/ctxdemo
printf '%s\\n' 'FROM busybox' 'COPY --chmod=0755 render.sh /usr/local/bin/' 'RUN mv /usr/local/bin/render.sh /usr/local/bin/render' \\
  'COPY message.txt /tmp/' 'RUN mkdir -p /www && render /tmp/message.txt > /www/index.html' > Dockerfile.alt
docker buildx build -f Dockerfile.alt -t ctx:bk .""",
    ),
    # 14 Other ways to build: stdin, tarballs and Git
    ("other-ways-to-build", "stdin-dockerfile"): Case(
        why="busybox renamed, nothing built",
        shortcut="docker tag busybox other:stdin",
        alternative="printf 'FROM busybox\\nCMD echo built from stdin\\n' | docker build -t other:stdin -",
    ),
    ("other-ways-to-build", "stdin-with-context"): Case(
        why="the note typed into a RUN, no context at all",
        shortcut="""mkdir -p ~/otherbuild/app && echo 'Hello from the app folder' > ~/otherbuild/app/note.txt
printf 'FROM busybox\\nRUN echo "Hello from the app folder" > /note.txt\\n' | docker build -t other:pipe -""",
        alternative="printf 'FROM busybox\\nADD note.txt /\\n' | docker build -t other:pipe --file - ~/otherbuild/app",
    ),
    ("other-ways-to-build", "tarball"): Case(
        why="another image renamed: its default command prints nothing",
        shortcut="docker tag other:pipe other:tar",
        alternative="""cd ~/otherbuild
printf '%s\\n' 'FROM busybox' 'COPY note.txt /note.txt' 'CMD ["cat", "/note.txt"]' > app/Dockerfile
tar -cf - -C app . | docker build -t other:tar -""",
    ),
    ("other-ways-to-build", "tarball-url"): Case(
        why="another image renamed, nothing downloaded",
        shortcut="docker tag other:pipe other:url",
        alternative="""cd ~/otherbuild && tar -czf app.tar.gz -C app .
docker run -d --name tarserver2 -p 8015:80 -v ~/otherbuild:/www busybox httpd -f -p 80 -h /www
sleep 1
DOCKER_BUILDKIT=0 docker build -t other:url http://127.0.0.1:8015/app.tar.gz""",
    ),
    ("other-ways-to-build", "git-url"): Case(
        why="the tarball's image renamed: it says the wrong thing",
        shortcut="docker tag other:tar other:git",
        alternative="""mkdir -p ~/gitrepos/hello/app && cd ~/gitrepos/hello
git init -q -b main
echo 'Hello from git' > app/note.txt
printf '%s\\n' 'FROM busybox' 'COPY note.txt /note.txt' 'CMD ["cat", "/note.txt"]' > app/Dockerfile
git add app && git -c user.name=Student -c user.email=student@example.com commit -q -m 'First version'
git tag v1
git archive v1:app | docker build -t other:git -""",
    ),
    # 15 COPY
    ("copy", "copy-wildcards"): Case(
        why="the whole context copied instead of the matching names",
        shortcut="""mkdir -p ~/copydemo && cd ~/copydemo
echo '{"name": "demo"}' > package.json
touch hom1.txt home.txt homework.md notes.txt
printf '%s\\n' 'FROM busybox' 'COPY package.json /usr/src/app/' 'COPY . /mydir/' 'COPY . /exact/' > Dockerfile
docker build -t copy:v1 .""",
        alternative="""cd ~/copydemo
printf '%s\\n' 'FROM busybox' 'ADD package.json /usr/src/app/package.json' 'COPY ["hom*", "/mydir/"]' 'COPY ["hom?.txt", "/exact/"]' > Dockerfile
docker build -t copy:v1 .""",
    ),
    ("copy", "copy-folders"): Case(
        why="the folder kept as /srv/web, the opposite of what the step shows",
        shortcut="""cd ~/copydemo && mkdir -p web && echo '<h1>copied</h1>' > web/index.html
printf '%s\\n' 'FROM busybox' 'COPY web /srv/web/' 'WORKDIR /app' 'COPY package.json .' > Dockerfile.v2
docker build -f Dockerfile.v2 -t copy:v2 .""",
        alternative="""cd ~/copydemo
printf '%s\\n' 'FROM busybox' 'COPY web/ /srv' 'WORKDIR /app' 'COPY package.json ./' > Dockerfile.v2
docker build -f Dockerfile.v2 -t copy:v2 .""",
    ),
    ("copy", "copy-metadata"): Case(
        why="the owner changed on your side: COPY without --chown makes it root's again",
        shortcut="""cd ~/copydemo && mkdir -p data && echo 0 > data/visits.txt && chown -R 65534:65534 data
printf '%s\\n' '#!/bin/sh' 'echo "Hello from a script"' > hello.sh
chmod 755 hello.sh && touch -d '2020-01-01 12:00' hello.sh
printf '%s\\n' 'FROM busybox' 'COPY data/ /data/' 'COPY hello.sh /usr/local/bin/' > Dockerfile.v3
docker build -f Dockerfile.v3 -t copy:v3 .""",
        alternative="""cd ~/copydemo
printf '%s\\n' 'FROM busybox' 'COPY --chown=65534:65534 data/ /data/' 'COPY hello.sh /usr/local/bin/hello.sh' > Dockerfile.v3
docker build -f Dockerfile.v3 -t copy:v3 .""",
    ),
    # 16 ADD
    ("add", "add-tar"): Case(
        why="the folder copied with COPY, no archive unpacked",
        shortcut="""mkdir -p ~/adddemo/site && cd ~/adddemo
echo '<h1>Unpacked by ADD</h1>' > site/index.html
echo '<p>About this site</p>' > site/about.html
printf 'FROM busybox\\nCOPY site/ /www/\\n' | docker build -t add:v1 -f- .""",
        alternative="""cd ~/adddemo && tar -cf site.tar -C site .
printf '%s\\n' 'FROM busybox' 'ADD ["site.tar", "/www"]' | docker build -t add:v1 -f- .""",
    ),
    ("add", "copy-tar"): Case(
        why="ADD again: the archive is unpacked instead of kept",
        shortcut="""cd ~/adddemo && tar -czf site.tar.gz -C site .
printf 'FROM busybox\\nADD site.tar.gz /backup/\\n' | docker build -t add:v2 -f- .""",
        alternative="""cd ~/adddemo
printf 'FROM busybox\\nCOPY site.tar.gz /backup/site.tar.gz\\n' | docker build -t add:v2 -f- .""",
    ),
    ("add", "rootfs"): Case(
        why="the busybox image renamed: three layers, not one base layer",
        shortcut="""printf 'FROM busybox\\nCMD ["sh"]\\n' | docker build -t mini:v1 -""",
        alternative="""docker create --name rootfs-src busybox
docker export rootfs-src | docker import --change 'CMD ["sh"]' - mini:v1
docker rm rootfs-src""",
    ),
    ("add", "add-url"): Case(
        why="the file copied from the folder, not downloaded",
        shortcut="""mkdir -p ~/adddemo/files && cd ~/adddemo
echo 'Welcome! This file was served over HTTP.' > files/motd.txt
printf 'FROM busybox\\nCOPY files/motd.txt /etc/motd\\n' | docker build -t add:v3 -f- .""",
        alternative="""docker run -d --name files17 -p 8017:80 -v ~/adddemo/files:/www busybox httpd -f -p 80 -h /www
sleep 1
printf 'FROM busybox\\nADD http://127.0.0.1:8017/motd.txt /etc/motd\\n' | docker build -t add:v3 -""",
    ),
    # 17 CMD
    ("cmd", "cmd-exec"): Case(
        why="shell form: the output is right, but sh is the main process",
        shortcut="""mkdir -p ~/cmddemo && printf 'FROM busybox\\nCMD echo "hello from CMD"\\n' | docker build -t cmd:exec -""",
        alternative="""printf '%s\\n' 'FROM busybox' 'CMD ["/bin/echo", "hello from CMD"]' | docker build -t cmd:exec -""",
    ),
    ("cmd", "cmd-shell"): Case(
        why="exec form: no shell, so $HOME stays as it is",
        shortcut="""printf '%s\\n' 'FROM busybox' 'CMD ["echo", "home is $HOME"]' | docker build -t cmd:shell -""",
        alternative="printf 'FROM busybox\\nCMD echo home is ${HOME}\\n' | docker build -t cmd:shell -",
    ),
    ("cmd", "daemon-exits"): Case(
        why="a stopped container of plain nginx, not of the service image",
        shortcut="docker run --name web17-bad nginx true",
        alternative="""docker rm -f web17-bad
printf '%s\\n' 'FROM nginx' 'CMD ["service", "nginx", "start"]' | docker build -t web17:service -
docker run -d --name web17-bad web17:service
sleep 3""",
    ),
    ("cmd", "foreground"): Case(
        why="the official nginx image, not one's own web17:fg",
        shortcut="docker run -d --name web17 -p 8087:80 nginx; sleep 1",
        alternative="""docker rm -f web17
printf '%s\\n' 'FROM nginx' 'ENTRYPOINT ["nginx"]' 'CMD ["-g", "daemon off;"]' | docker build -t web17:fg -
docker run -d --name web17 -p 8087:80 web17:fg
sleep 1""",
    ),
    # 18 ENTRYPOINT
    ("entrypoint", "ip-service"): Case(
        why="the service runs on the default network, where classnet cannot find it",
        shortcut="""mkdir -p ~/ipsvc/cgi-bin
printf '%s\\n' '#!/bin/sh' 'echo "Content-Type: text/plain"; echo' 'ip=${REMOTE_ADDR##*:}; echo "Your IP: ${ip%]}"' > ~/ipsvc/cgi-bin/ip
chmod +x ~/ipsvc/cgi-bin/ip
docker network create classnet
docker run -d --name ipsvc -v ~/ipsvc:/www busybox httpd -f -p 80 -h /www""",
        alternative="docker network connect classnet ipsvc",
    ),
    ("entrypoint", "myip-cmd"): Case(
        why="an image that only pretends: it echoes an address without asking",
        shortcut="""printf 'FROM busybox\\nCMD ["echo", "Your IP: 172.18.0.9"]\\n' | docker build -t myip:cmd -""",
        alternative="printf 'FROM busybox\\nCMD wget -q -O - http://ipsvc/cgi-bin/ip\\n' | docker build -t myip:cmd -",
    ),
    ("entrypoint", "myip-entrypoint"): Case(
        why="headers baked into a shell-form ENTRYPOINT, which ignores any option",
        shortcut="printf 'FROM busybox\\nENTRYPOINT wget -qSO- http://ipsvc/cgi-bin/ip\\n' | docker build -t myip:entry -",
        alternative="""printf '%s\\n' 'FROM busybox' 'ENTRYPOINT ["wget", "-q", "-O", "-", "http://ipsvc/cgi-bin/ip"]' | docker build -t myip:entry -""",
    ),
    ("entrypoint", "entrypoint-script"): Case(
        why="USER app for everything instead of a script that drops root",
        shortcut="""mkdir -p ~/notes && cd ~/notes
printf '%s\\n' '#!/bin/sh' 'echo "note written by $(id -un) at $(date +%T)" >> /data/notes.txt' 'cat /data/notes.txt' > notes
chmod +x notes
printf '%s\\n' 'FROM debian:bookworm' 'RUN groupadd --system app && useradd --system --gid app --no-create-home app && mkdir /data && chown app:app /data' 'COPY notes /usr/local/bin/' 'USER app' 'CMD ["notes"]' > Dockerfile
docker build -t notes:v1 .""",
        alternative="""cd ~/notes
printf '%s\\n' '#!/bin/sh' 'if [ "$1" = notes ] && [ "$(id -u)" = 0 ]; then' '    mkdir -p /data && chown -R app:app /data' '    exec runuser -u app -- "$0" "$@"' 'fi' 'exec "$@"' > entry.sh
chmod +x entry.sh
printf '%s\\n' 'FROM debian:bookworm' 'RUN groupadd --system app && useradd --system --gid app --no-create-home app' 'COPY entry.sh notes /usr/local/bin/' 'ENTRYPOINT ["/usr/local/bin/entry.sh"]' 'CMD ["notes"]' > Dockerfile
docker build -t notes:v1 .""",
    ),
    ("entrypoint", "volume-owner"): Case(
        why="the notes written as root, bypassing the script",
        shortcut="""docker run --rm --entrypoint sh -v notes-data:/data notes:v1 -c 'echo "note written by app" >> /data/notes.txt; echo "note written by app" >> /data/notes.txt'""",
        alternative="for i in 1 2; do docker run --rm --mount source=notes-data,target=/data notes:v1; done",
    ),
}
CASES |= {key: Case(**fields) for key, fields in (CONTAINER_CASES | TOOL_CASES).items()}

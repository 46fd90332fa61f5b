"""Shortcuts and alternatives (see check_cases.py) for the lessons from order 30
on: multi-stage builds, containers, registries, data and networking. Each
entry holds the fields of a check_cases.Case; check_cases.py adds them to CASES.
"""

CONTAINER_CASES = {
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
}

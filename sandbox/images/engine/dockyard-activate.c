/*
 * dockyard-activate: the student's engine starts when the student first uses it.
 *
 *     dockyard-activate [--eager] SOCKET COMMAND [ARG...]
 *
 * Listens on SOCKET (the only socket the student's workspace can reach) and
 * runs COMMAND (the engine: guard, containerd, dockerd) when a first
 * connection waits there, without accepting it: COMMAND inherits the
 * listening socket as fd 3 (LISTEN_FD=3) and its guard accepts what waits in
 * the backlog once dockerd answers, so no request is lost or refused while
 * the engine starts. When COMMAND exits 0 (the engine stopped after a quiet
 * period) the next connection starts it again; any other status ends this
 * program with it, so the container stops as a failed engine did before.
 *
 * An idle sandbox's engine container is then this process (and docker-init):
 * a few hundred KiB instead of dockerd, containerd and the guard (~45 MiB).
 * --eager runs COMMAND at once instead of waiting for a connection.
 * SIGTERM and SIGINT are passed on to COMMAND; with none running, they end this.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define LISTEN_FD 3
#define BACKLOG 512

static volatile sig_atomic_t child = 0;
static volatile sig_atomic_t stopping = 0;

static void on_signal(int signo)
{
    stopping = 1;
    if (child > 0)
        kill(child, signo);
}

static void say(const char *message)
{
    fprintf(stderr, "dockyard-engine: %s\n", message);
}

/* Bound to SOCKET.new and renamed, so whoever sees SOCKET finds it listening. */
static int listen_on(const char *path)
{
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    char fresh[sizeof(address.sun_path)];
    if (snprintf(fresh, sizeof(fresh), "%s.new", path) >= (int)sizeof(fresh)) {
        say("socket path too long");
        return -1;
    }
    strcpy(address.sun_path, fresh);
    unlink(fresh);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0 || chmod(fresh, 0660) < 0 ||
        listen(fd, BACKLOG) < 0 || rename(fresh, path) < 0) {
        perror("dockyard-activate: listen");
        return -1;
    }
    if (fd != LISTEN_FD) {
        if (dup2(fd, LISTEN_FD) < 0) {
            perror("dockyard-activate: dup2");
            return -1;
        }
        close(fd);
    }
    return LISTEN_FD;
}

/* True once a connection waits (or the wait was interrupted by a stop). */
static int wait_for_connection(int fd)
{
    struct pollfd waiting = {.fd = fd, .events = POLLIN};
    while (!stopping) {
        int ready = poll(&waiting, 1, -1);
        if (ready > 0)
            return 1;
        if (ready < 0 && errno != EINTR) {
            perror("dockyard-activate: poll");
            return 0;
        }
    }
    return 0;
}

static int run_engine(char **command)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("dockyard-activate: fork");
        return 1;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        setenv("LISTEN_FD", "3", 1);
        execvp(command[0], command);
        perror("dockyard-activate: exec");
        _exit(127);
    }
    child = pid;
    if (stopping)
        kill(pid, SIGTERM);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 1;
    }
    child = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    int eager = 0;
    if (argc > 1 && strcmp(argv[1], "--eager") == 0) {
        eager = 1;
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: dockyard-activate [--eager] SOCKET COMMAND [ARG...]\n");
        return 2;
    }
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    int fd = listen_on(argv[1]);
    if (fd < 0)
        return 1;
    if (!eager)
        say("ready");  /* the student's socket answers; the engine starts on its first use */
    for (;;) {
        if (!eager && !wait_for_connection(fd))
            return 0;
        eager = 0;
        if (stopping)
            return 0;
        int status = run_engine(argv + 2);
        if (status != 0 || stopping)
            return stopping ? 0 : status;
        say("stopped after a quiet period; starts again on its next use");
    }
}

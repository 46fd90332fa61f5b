/*
 * dockyard-shell: holds the student's shell inside the workspace, so that it
 * outlives the app process that shows it (a restart, an upgrade) and every
 * app process can show the same one.
 *
 *   dockyard-shell attach [--socket PATH] [--cols N] [--rows N]
 *                         [--replay-bytes N] -- COMMAND [ARG...]
 *
 * `attach` is what the app runs as its `docker exec` (without a tty). The
 * first one starts the holder: a daemon with COMMAND on a PTY, a ring of its
 * recent output, and a unix socket. Each `attach` hands its stdin and stdout
 * to the holder (SCM_RIGHTS) and waits, so output goes from the PTY straight
 * into the exec's pipe with no copy in between. Until the holder lets it go.
 *
 * On stdout, an attached client first gets the ring ("what the screen
 * showed"): a 4-byte big-endian length, then that many bytes; then the live
 * output, raw. On stdin it sends frames: a type byte, a 2-byte big-endian
 * length, the payload. 'd' is input for the program, 'r' a new size (cols,
 * rows, 2 bytes each), 'h' (empty) hangs up: the program gets SIGHUP and the
 * holder ends. The end of stdin detaches the client; the program's end (its
 * PTY closes) detaches everyone and ends the holder.
 *
 * Reading pauses while any client has more than HIGH_WATER bytes waiting:
 * the slowest reader sets the pace, as a terminal does, and nothing a client
 * was sent is ever skipped; one that takes nothing for STUCK_SECONDS is let
 * go. With nobody attached, output goes to the ring only and the program
 * never blocks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 32
#define HIGH_WATER (256 * 1024)
#define READ_CHUNK 65536
#define FRAME_MAX (3 + 65535)
#define STUCK_SECONDS 60  /* a client that takes nothing this long while others wait is let go */

struct buffer {
    char *data;
    size_t len, cap;
};

struct client {
    int control;  /* the attach process's socket: closing it lets that process end */
    int in, out;  /* the exec's stdin and stdout */
    struct buffer pending;  /* output not yet taken by `out` */
    time_t full_since;  /* when its pending went over HIGH_WATER (0: it is not) */
    char frame[FRAME_MAX];
    size_t framed;
};

static struct client clients[MAX_CLIENTS];
static int nclients;
static char *ring;
static size_t ring_cap, ring_len, ring_start;
static struct buffer to_program;  /* input the PTY has not taken yet */
static int wake_pipe[2];
static bool hang_up;
static const char *socket_path = "/tmp/.dockyard-shell/socket";  /* a client asked to end the program ('h') */

static void die(const char *what) {
    fprintf(stderr, "dockyard-shell: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void append(struct buffer *b, const char *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            die("out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

static void consume(struct buffer *b, size_t n) {
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    if (b->len == 0 && b->cap > 4 * HIGH_WATER) {  /* give back a flood's worth */
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
}

static void ring_add(const char *data, size_t n) {
    if (n > ring_cap) {
        data += n - ring_cap;
        n = ring_cap;
    }
    for (size_t i = 0; i < n;) {
        size_t end = (ring_start + ring_len) % ring_cap;
        size_t run = ring_cap - end < n - i ? ring_cap - end : n - i;
        memcpy(ring + end, data + i, run);
        i += run;
        ring_len += run;
        if (ring_len > ring_cap) {  /* full: the oldest bytes were written over */
            ring_start = (ring_start + ring_len - ring_cap) % ring_cap;
            ring_len = ring_cap;
        }
    }
}

static void set_nonblocking(int fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static time_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec;
}

static void flush_client(struct client *c) {
    while (c->pending.len) {
        ssize_t n = write(c->out, c->pending.data, c->pending.len);
        if (n > 0) {
            consume(&c->pending, (size_t)n);
            c->full_since = 0;  /* it takes output: not stuck */
        } else {
            if (n < 0 && errno == EINTR)
                continue;
            return;  /* EAGAIN: later; an error shows as POLLERR */
        }
    }
}

static void drop_client(int i) {
    struct client *c = &clients[i];
    close(c->control);
    close(c->in);
    close(c->out);
    free(c->pending.data);
    clients[i] = clients[--nclients];
}

static void accept_client(int listener) {
    int control = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (control < 0)
        return;
    /* Whoever connects sends its two descriptors at once; someone who does not is let go. */
    struct timeval timeout = {1, 0};
    setsockopt(control, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char byte;
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(2 * sizeof(int))];
    } control_data;
    struct msghdr message = {0};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control_data.space;
    message.msg_controllen = sizeof control_data.space;
    struct cmsghdr *cmsg;
    if (recvmsg(control, &message, MSG_CMSG_CLOEXEC) != 1 || !(cmsg = CMSG_FIRSTHDR(&message)) ||
        cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
        close(control);
        return;
    }
    int fds[2];
    memcpy(fds, CMSG_DATA(cmsg), sizeof fds);
    if (nclients == MAX_CLIENTS) {
        close(fds[0]);
        close(fds[1]);
        close(control);
        return;
    }
    struct client *c = &clients[nclients++];
    memset(c, 0, sizeof *c);
    c->control = control;
    c->in = fds[0];
    c->out = fds[1];
    set_nonblocking(c->in);
    set_nonblocking(c->out);
    /* What the screen showed: the ring, oldest first, after its length. */
    uint32_t length = htonl((uint32_t)ring_len);
    append(&c->pending, (char *)&length, 4);
    size_t first = ring_start + ring_len <= ring_cap ? ring_len : ring_cap - ring_start;
    append(&c->pending, ring + ring_start, first);
    append(&c->pending, ring, ring_len - first);
    flush_client(c);
}

/* Frames from a client's stdin; false once it ended or sent something that is not a frame. */
static bool read_frames(struct client *c, int master) {
    for (;;) {
        ssize_t n = read(c->in, c->frame + c->framed, sizeof c->frame - c->framed);
        if (n == 0)
            return false;
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        c->framed += (size_t)n;
        size_t at = 0;
        while (c->framed - at >= 3) {
            unsigned char *f = (unsigned char *)c->frame + at;
            size_t size = (size_t)f[1] << 8 | f[2];
            if (c->framed - at < 3 + size)
                break;
            if (f[0] == 'd') {
                append(&to_program, (char *)f + 3, size);
            } else if (f[0] == 'r' && size == 4) {
                struct winsize ws = {.ws_col = (unsigned short)(f[3] << 8 | f[4]),
                                     .ws_row = (unsigned short)(f[5] << 8 | f[6])};
                if (ws.ws_col && ws.ws_row)
                    ioctl(master, TIOCSWINSZ, &ws);
            } else if (f[0] == 'h') {
                hang_up = true;
            } else {
                return false;
            }
            at += 3 + size;
        }
        memmove(c->frame, c->frame + at, c->framed - at);
        c->framed -= at;
        if (to_program.len > HIGH_WATER)
            return true;  /* the program is not reading: stop taking input */
    }
}

static void on_child(int sig) {
    (void)sig;
    int saved = errno;
    if (write(wake_pipe[1], "c", 1) < 0) {
    }
    errno = saved;
}

static void serve(int listener, int master, pid_t child) {
    signal(SIGPIPE, SIG_IGN);
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        die("pipe");
    signal(SIGCHLD, on_child);
    set_nonblocking(master);
    static char chunk[READ_CHUNK];
    bool program_ended = waitpid(child, NULL, WNOHANG) == child;  /* before the handler was there */
    while (!program_ended) {
        struct pollfd fds[3 + 3 * MAX_CLIENTS];
        int nfds = 0;
        bool room = true;
        for (int i = 0; i < nclients; i++)
            if (clients[i].pending.len > HIGH_WATER) {
                room = false;
                if (!clients[i].full_since)
                    clients[i].full_since = now();
            }
        fds[nfds++] = (struct pollfd){listener, POLLIN, 0};
        fds[nfds++] = (struct pollfd){wake_pipe[0], POLLIN, 0};
        fds[nfds++] = (struct pollfd){master, (short)((room ? POLLIN : 0) | (to_program.len ? POLLOUT : 0)), 0};
        for (int i = 0; i < nclients; i++) {
            struct client *c = &clients[i];
            fds[nfds++] = (struct pollfd){c->in, (short)(to_program.len > HIGH_WATER ? 0 : POLLIN), 0};
            fds[nfds++] = (struct pollfd){c->out, (short)(c->pending.len ? POLLOUT : 0), 0};
            fds[nfds++] = (struct pollfd){c->control, POLLIN, 0};  /* the attach process ended */
        }
        if (poll(fds, (nfds_t)nfds, room ? -1 : 1000) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        int listener_events = fds[0].revents;
        if (fds[1].revents) {
            char drain[64];
            while (read(wake_pipe[0], drain, sizeof drain) > 0) {
            }
            if (waitpid(child, NULL, WNOHANG) == child)
                program_ended = true;  /* what it printed last is read below */
        }
        if (fds[2].revents & POLLOUT) {
            ssize_t n = write(master, to_program.data, to_program.len);
            if (n > 0)
                consume(&to_program, (size_t)n);
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR) || program_ended) {
            for (int turns = 0; turns < 64; turns++) {
                ssize_t n = read(master, chunk, sizeof chunk);
                if (n > 0) {
                    ring_add(chunk, (size_t)n);
                    for (int i = 0; i < nclients; i++) {
                        append(&clients[i].pending, chunk, (size_t)n);
                        flush_client(&clients[i]);
                    }
                    if (!program_ended)
                        break;  /* one chunk per turn: input and new clients are served between */
                    continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                    break;
                program_ended = true;  /* EIO: nobody holds the PTY any more */
                break;
            }
        }
        /* Clients, from the last (dropping one moves the last into its place). */
        for (int i = nclients - 1; i >= 0; i--) {
            struct pollfd *in = &fds[3 + 3 * i], *out = &fds[4 + 3 * i], *control = &fds[5 + 3 * i];
            bool keep = !control->revents;
            if (keep && in->revents & POLLIN)
                keep = read_frames(&clients[i], master);
            else if (in->revents & (POLLHUP | POLLERR))
                keep = false;
            if (keep && out->revents & POLLERR)
                keep = false;
            if (keep && out->revents & POLLOUT)
                flush_client(&clients[i]);
            /* An app process that stopped reading (a bug, a hung process) must not
               stop the shell for the others: it is let go, and attaches again. */
            if (keep && clients[i].full_since && now() - clients[i].full_since >= STUCK_SECONDS)
                keep = false;
            if (!keep)
                drop_client(i);
        }
        if (hang_up) {  /* as a terminal closing: the shell and its foreground job get SIGHUP */
            kill(child, SIGHUP);
            break;
        }
        if (to_program.len) {  /* typed input goes on at once, not a poll later */
            ssize_t n = write(master, to_program.data, to_program.len);
            if (n > 0)
                consume(&to_program, (size_t)n);
        }
        if (listener_events & POLLIN)
            accept_client(listener);
    }
    /* Nobody attaches to a holder that is ending: the next one starts a new program. */
    unlink(socket_path);
    close(listener);
    /* The program ended: what is left goes out, as far as clients take it in two seconds. */
    for (int turn = 0; turn < 20; turn++) {
        struct pollfd fds[MAX_CLIENTS];
        int waiting = 0;
        for (int i = 0; i < nclients; i++) {
            flush_client(&clients[i]);
            if (clients[i].pending.len)
                fds[waiting++] = (struct pollfd){clients[i].out, POLLOUT, 0};
        }
        if (!waiting || poll(fds, (nfds_t)waiting, 100) < 0)
            break;
    }
    while (nclients)
        drop_client(nclients - 1);
}

static int listen_on(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (fd < 0 || strlen(path) >= sizeof address.sun_path)
        die("socket");
    strcpy(address.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, 16) < 0)
        die("bind");
    chmod(path, 0600);
    return fd;
}

static int connect_to(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, path);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The holder, as a daemon of its own (a new session, no tie to this exec). */
static void start_holder(const char *path, int lock, struct winsize *size, char **command) {
    int listener = listen_on(path);
    pid_t first = fork();
    if (first < 0)
        die("fork");
    if (first > 0) {
        close(listener);
        waitpid(first, NULL, 0);
        return;
    }
    close(lock);  /* the lock is the attaching process's, held only while it looks */
    setsid();
    if (fork() != 0)
        _exit(0);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2)
        close(null);
    int master;
    pid_t child = forkpty(&master, NULL, NULL, size);
    if (child < 0)
        _exit(1);
    if (child == 0) {
        close(listener);
        signal(SIGPIPE, SIG_DFL);
        execvp(command[0], command);
        perror(command[0]);
        _exit(127);
    }
    fcntl(master, F_SETFD, FD_CLOEXEC);
    serve(listener, master, child);
    _exit(0);
}

static void usage(void) {
    fprintf(stderr,
            "usage: dockyard-shell attach [--socket PATH] [--cols N] [--rows N] [--replay-bytes N] -- COMMAND...\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "attach") != 0)
        usage();
    struct winsize size = {.ws_col = 80, .ws_row = 24};
    ring_cap = 128 * 1024;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--socket"))
            socket_path = argv[i + 1];
        else if (!strcmp(argv[i], "--cols"))
            size.ws_col = (unsigned short)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--rows"))
            size.ws_row = (unsigned short)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--replay-bytes"))
            ring_cap = (size_t)atol(argv[i + 1]);
        else
            usage();
    }
    if (i + 1 >= argc || ring_cap < 1024 || !size.ws_col || !size.ws_row)
        usage();
    char **command = argv + i + 1;
    const char *path = socket_path;
    if (!(ring = malloc(ring_cap)))
        die("out of memory");

    /* One holder per socket: whoever finds none starts it, under a lock. */
    char directory[sizeof(((struct sockaddr_un *)0)->sun_path)];
    if (strlen(path) >= sizeof directory)
        usage();
    strcpy(directory, path);
    char *slash = strrchr(directory, '/');
    if (slash && slash != directory) {
        *slash = '\0';
        mkdir(directory, 0700);
    }
    char lock_path[sizeof directory + 8];
    snprintf(lock_path, sizeof lock_path, "%s.lock", path);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) < 0)
        die("lock");
    int control = connect_to(path);
    if (control < 0) {
        start_holder(path, lock, &size, command);
        control = connect_to(path);
        if (control < 0)
            die("connect");
    }
    close(lock);
    free(ring);

    /* Hand over stdin and stdout, then wait until the holder lets them go. */
    char byte = 'a';
    struct iovec iov = {&byte, 1};
    int fds[2] = {0, 1};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof fds)];
    } control_data;
    memset(&control_data, 0, sizeof control_data);
    struct msghdr message = {0};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control_data.space;
    message.msg_controllen = sizeof control_data.space;
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
    if (sendmsg(control, &message, 0) != 1)
        die("sendmsg");
    close(0);
    close(1);
    char rest[64];
    for (;;) {
        ssize_t n = read(control, rest, sizeof rest);
        if (n > 0 || (n < 0 && errno == EINTR))
            continue;
        return 0;
    }
}

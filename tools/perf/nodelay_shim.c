/* LD_PRELOAD shim: sets TCP_NODELAY on sockets, to measure the effect of the proposed fix
 * (HttpServer::tcp_nodelay(true) in the cloud server) without changing the code.
 * Built and used by tools/perf/with-nodelay.sh. Accepted sockets (server side) get it unless
 * ND_CLIENT_ONLY is set; connected sockets (client side) unless ND_SERVER_ONLY is set. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

static void nodelay(int fd) {
    int one = 1, saved = errno;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on non-TCP */
    errno = saved;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
    static int (*real)(int, const struct sockaddr *, socklen_t);
    if (!real) real = dlsym(RTLD_NEXT, "connect");
    if (!getenv("ND_SERVER_ONLY")) nodelay(fd);
    return real(fd, addr, len);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = dlsym(RTLD_NEXT, "accept4");
    int c = real(fd, addr, len, flags);
    if (c >= 0 && !getenv("ND_CLIENT_ONLY")) nodelay(c);
    return c;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = dlsym(RTLD_NEXT, "accept");
    int c = real(fd, addr, len);
    if (c >= 0 && !getenv("ND_CLIENT_ONLY")) nodelay(c);
    return c;
}

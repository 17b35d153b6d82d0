// CSocket: thin C wrappers for the Linux socket calls Swift's Glibc module does not expose
// (accept4, epoll, eventfd) plus a few helpers whose structs import awkwardly (the packed
// `struct epoll_event`). No policy lives here: every function is one system call or a
// trivially composed pair, and returns what the call returns (-1 with errno on failure).
#ifndef CSOCKET_H
#define CSOCKET_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC).
int csocket_accept_nonblocking(int listen_fd);

/// socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) with SO_REUSEADDR set.
int csocket_tcp_socket(int family);

/// Binds to an IPv4 or IPv6 literal and port (host byte order), then listen(backlog).
/// Returns 0 or -1 (errno set; EINVAL for an unparsable address).
int csocket_bind_listen(int fd, int family, const char *host, uint16_t port, int backlog);

/// The locally bound port of a socket (host byte order), or -1.
int csocket_local_port(int fd);

/// setsockopt(TCP_NODELAY, 1).
int csocket_set_nodelay(int fd);

/// send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT): never raises SIGPIPE.
long csocket_send(int fd, const void *buf, size_t len);

/// recv(fd, buf, len, MSG_DONTWAIT).
long csocket_recv(int fd, void *buf, size_t len);

/// epoll_create1(EPOLL_CLOEXEC).
int csocket_epoll_create(void);

/// epoll_ctl with a 64-bit user token. `op`: 1 add, 2 delete, 3 modify.
/// `events` uses the CSOCKET_EV_* bits below.
int csocket_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token);

/// epoll_wait that copies results into parallel arrays; returns the count, 0 on timeout,
/// -1 on error (EINTR included).
int csocket_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max_events, int timeout_ms);

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int csocket_eventfd(void);
/// Adds 1 to an eventfd counter.
int csocket_eventfd_signal(int fd);
/// Resets an eventfd counter to zero (reads it).
int csocket_eventfd_drain(int fd);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t csocket_monotonic_nanos(void);

/// Formats the current UTC time as an IMF-fixdate (RFC 9110 §5.6.7) into `out` (30 bytes:
/// 29 characters and a NUL). Returns the Unix second it formatted.
long csocket_http_date(char out[30]);

extern const uint32_t CSOCKET_EV_IN;
extern const uint32_t CSOCKET_EV_OUT;
extern const uint32_t CSOCKET_EV_ERR;
extern const uint32_t CSOCKET_EV_HUP;
extern const uint32_t CSOCKET_EV_RDHUP;

#ifdef __cplusplus
}
#endif

#endif

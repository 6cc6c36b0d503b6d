/* loadgen: a single-threaded, epoll-based load generator for GraphQL over WebSocket servers
 * (graphql-transport-ws and graphql-ws). See README.md for modes, flags and the JSON report. */
#include "common.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- configuration */

enum { M_STREAM, M_SETUP, M_STARTS, M_HOLD, M_FANOUT };
static const char *const MODE_NAMES[] = {"stream", "setup", "starts", "hold", "fanout"};
enum { P_TWS, P_GWS };

static struct {
    int mode, proto;
    const char *url, *proto_name, *query, *publish;
    char host[300], path[1024], hostport[300];
    struct sockaddr_in addr;
    long connections, concurrency, rounds, subscriptions, events;
    double duration, warmup, seconds, rate, settle, drain, connect_timeout, round_timeout, close_timeout;
} cfg = {
    .proto_name = "graphql-transport-ws",
    .connections = -1, .concurrency = 0, .rounds = 1, .subscriptions = 1, .events = 100,
    .duration = 10, .warmup = 1, .seconds = 0, .rate = 100, .settle = 1, .drain = 5,
    .connect_timeout = 10, .round_timeout = 30, .close_timeout = 2,
};

/* ---------------------------------------------------------------- connections */

enum { S_IDLE, S_CONNECTING, S_UPGRADING, S_INITING, S_READY, S_CLOSING, S_CLOSED, S_FAILED };

typedef struct {
    int fd, idx, state;
    int want_out, dirty, close_sent, in_frag, is_pub;
    uint8_t *rb;           /* read buffer: rb[rs..re) unparsed */
    size_t rcap, rs, re;
    size_t need;           /* bytes (from rs) of a frame that does not fit yet */
    buf_t wb;              /* pending output */
    buf_t frag;            /* fragmented message being assembled */
    uint64_t t_start, t_ack, t_first;
    uint64_t results, results_at_window;
    long ops;              /* operations running on this connection */
} conn_t;

#define TAG_SIGNAL 0xFFFFFFFF00000001ull
#define TAG_STDIN 0xFFFFFFFF00000002ull
#define RB_INIT (8 * 1024)
#define MAX_FRAME (64u * 1024 * 1024)

static int g_ep = -1, g_sigfd = -1;
static conn_t *g_conns;
static long g_n;                  /* connections in this run (fanout: subscribers + publisher) */
static long g_next_start;         /* next connection index to open */
static long g_inflight;           /* opened, neither acknowledged nor failed */
static long g_acked, g_failed, g_dropped, g_closing;
static uint64_t g_first_connect, g_last_ack;
static size_t g_rb_max = 256 * 1024;
static int *g_dirty;
static long g_ndirty;
static int g_stop, g_stdin_eof, g_stdin_watched;
static uint64_t g_bytes_read;
static uint64_t g_t_read;         /* CLOCK_MONOTONIC ns right after the latest read() */
static uint64_t g_last_timeout_scan;
static uint64_t g_rng;

typedef struct { char name[120]; long count; } reason_t;
static reason_t g_fail_reasons[32], g_drop_reasons[32];

static void add_reason(reason_t *t, const char *name) {
    for (int i = 0; i < 32; i++) {
        if (t[i].count && strcmp(t[i].name, name) == 0) { t[i].count++; return; }
        if (!t[i].count) {
            snprintf(t[i].name, sizeof t[i].name, "%s", name);
            t[i].count = 1;
            return;
        }
    }
    t[31].count++; /* table full: lump into the last one */
}

/* counters */
static uint64_t g_results, g_errors, g_unparsed, g_ops_active, g_first_count;
static uint64_t g_pub_results, g_pub_errors, g_pub_completed, g_sub_ended, g_sub_errors, g_no_ts;
static long g_round, g_outstanding;
static uint64_t g_t_last_done;
static uint64_t *g_lat;           /* fanout latencies, ns */
static size_t g_nlat, g_caplat;

/* pre-built messages */
static buf_t g_query_esc;         /* the JSON-escaped query */

static uint32_t rng32(void) {
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return (uint32_t)((g_rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static void set_out(conn_t *c, int on) {
    if (c->fd < 0 || c->want_out == on) return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u64 = (uint64_t)c->idx};
    epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = on;
}

static void mark_dirty(conn_t *c) {
    if (!c->dirty) {
        c->dirty = 1;
        g_dirty[g_ndirty++] = c->idx;
    }
}

static void conn_close_fd(conn_t *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->want_out = 0;
    c->wb.off = c->wb.len = 0;
}

static void conn_free_bufs(conn_t *c) {
    free(c->rb);
    c->rb = NULL;
    c->rcap = c->rs = c->re = c->need = 0;
    buf_free(&c->wb);
    buf_free(&c->frag);
}

static int in_flight(const conn_t *c) {
    return c->state == S_CONNECTING || c->state == S_UPGRADING || c->state == S_INITING;
}

static void on_dropped(conn_t *c);

/* The connection ended (error, EOF, close frame): classify it by its state. */
static void conn_lost(conn_t *c, const char *reason) {
    if (in_flight(c)) {
        g_inflight--;
        g_failed++;
        add_reason(g_fail_reasons, reason);
        c->state = S_FAILED;
    } else if (c->state == S_READY) {
        g_dropped++;
        add_reason(g_drop_reasons, reason);
        on_dropped(c);
        c->state = S_CLOSED;
    } else if (c->state == S_CLOSING) {
        g_closing--;
        c->state = S_CLOSED;
    }
    conn_close_fd(c);
}

static void conn_flush(conn_t *c) {
    while (c->fd >= 0 && c->wb.off < c->wb.len) {
        ssize_t k = send(c->fd, c->wb.data + c->wb.off, c->wb.len - c->wb.off, MSG_NOSIGNAL);
        if (k > 0) {
            c->wb.off += (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_out(c, 1);
            return;
        }
        char r[100];
        snprintf(r, sizeof r, "write: %s", k < 0 ? strerror(errno) : "closed");
        conn_lost(c, r);
        return;
    }
    c->wb.off = c->wb.len = 0;
    set_out(c, 0);
}

static void flush_dirty(void) {
    for (long i = 0; i < g_ndirty; i++) {
        conn_t *c = &g_conns[g_dirty[i]];
        c->dirty = 0;
        conn_flush(c);
    }
    g_ndirty = 0;
}

/* Queues one masked frame. */
static void ws_send(conn_t *c, int opcode, const void *payload, size_t n) {
    if (c->fd < 0) return;
    uint8_t *w = buf_reserve(&c->wb, n + 14);
    size_t h = 0;
    w[h++] = (uint8_t)(0x80 | opcode);
    if (n < 126) {
        w[h++] = (uint8_t)(0x80 | n);
    } else if (n < 65536) {
        w[h++] = 0x80 | 126;
        w[h++] = (uint8_t)(n >> 8);
        w[h++] = (uint8_t)n;
    } else {
        w[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) w[h++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    uint32_t key = rng32();
    uint8_t mk[4];
    memcpy(mk, &key, 4);
    memcpy(w + h, mk, 4);
    h += 4;
    const uint8_t *p = payload;
    for (size_t i = 0; i < n; i++) w[h + i] = p[i] ^ mk[i & 3];
    c->wb.len += h + n;
    mark_dirty(c);
}

static void ws_send_str(conn_t *c, const char *s) { ws_send(c, 1, s, strlen(s)); }

/* Sends {"id":"<id>","type":"subscribe|start","payload":{"query":"<escaped query>"}}. */
static void send_start(conn_t *c, const char *id, const char *qesc, size_t qn) {
    char head[200];
    int hn = snprintf(head, sizeof head, "{\"id\":\"%s\",\"type\":\"%s\",\"payload\":{\"query\":\"", id,
                      cfg.proto == P_TWS ? "subscribe" : "start");
    size_t n = (size_t)hn + qn + 3;
    char small[4096], *m = n <= sizeof small ? small : xrealloc(NULL, n);
    memcpy(m, head, (size_t)hn);
    memcpy(m + hn, qesc, qn);
    memcpy(m + hn + qn, "\"}}", 3);
    ws_send(c, 1, m, n);
    if (m != small) free(m);
}

static void send_stop(conn_t *c, const char *id) {
    char m[200];
    snprintf(m, sizeof m, "{\"id\":\"%s\",\"type\":\"%s\"}", id, cfg.proto == P_TWS ? "complete" : "stop");
    ws_send_str(c, m);
}

static void send_close(conn_t *c, const uint8_t *status) {
    static const uint8_t normal[2] = {0x03, 0xE8}; /* 1000 */
    ws_send(c, 8, status ? status : normal, 2);
    c->close_sent = 1;
}

/* ---------------------------------------------------------------- connection set-up */

static void fail_errno(conn_t *c, const char *what, int err) {
    char r[120];
    snprintf(r, sizeof r, "%s: %s", what, strerror(err));
    conn_lost(c, r);
}

static void conn_begin(conn_t *c) {
    c->t_start = now_ns();
    if (!g_first_connect) g_first_connect = c->t_start;
    c->state = S_CONNECTING;
    g_inflight++;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail_errno(c, "socket", errno);
        return;
    }
    c->fd = fd;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&cfg.addr, sizeof cfg.addr) < 0 && errno != EINPROGRESS) {
        fail_errno(c, "connect", errno);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)c->idx};
    if (epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        fail_errno(c, "epoll_ctl", errno);
        return;
    }
    c->want_out = 1;
}

static void on_connected(conn_t *c) {
    uint8_t key[16];
    char key64[32], req[1600];
    for (int i = 0; i < 16; i += 4) {
        uint32_t r = rng32();
        memcpy(key + i, &r, 4);
    }
    base64_encode(key, 16, key64);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                     cfg.path, cfg.hostport, key64, cfg.proto_name);
    c->state = S_UPGRADING;
    buf_append(&c->wb, req, (size_t)n);
    conn_flush(c);
}

static void pump_starts(void) {
    long k = cfg.concurrency > 0 ? cfg.concurrency : g_n;
    while (g_inflight < k && g_next_start < g_n && !g_stop) conn_begin(&g_conns[g_next_start++]);
}

static void scan_timeouts(void) {
    uint64_t t = now_ns();
    if (g_inflight == 0 || t - g_last_timeout_scan < 20000000ull) return;
    g_last_timeout_scan = t;
    uint64_t limit = (uint64_t)(cfg.connect_timeout * 1e9);
    for (long i = 0; i < g_next_start; i++) {
        conn_t *c = &g_conns[i];
        if (in_flight(c) && t - c->t_start > limit) conn_lost(c, "timeout");
    }
}

/* ---------------------------------------------------------------- messages */

enum { T_OTHER, T_NEXT, T_DATA, T_COMPLETE, T_ERROR, T_KA, T_PING, T_PONG, T_ACK, T_CONN_ERROR };

static int classify(const jval_t *t) {
    if (!t->p || !t->is_str) return T_OTHER;
    const char *s = t->p;
    switch (t->n) {
    case 2: return memcmp(s, "ka", 2) == 0 ? T_KA : T_OTHER;
    case 4:
        if (memcmp(s, "next", 4) == 0) return T_NEXT;
        if (memcmp(s, "data", 4) == 0) return T_DATA;
        if (memcmp(s, "ping", 4) == 0) return T_PING;
        if (memcmp(s, "pong", 4) == 0) return T_PONG;
        return T_OTHER;
    case 5: return memcmp(s, "error", 5) == 0 ? T_ERROR : T_OTHER;
    case 8: return memcmp(s, "complete", 8) == 0 ? T_COMPLETE : T_OTHER;
    case 14: return memcmp(s, "connection_ack", 14) == 0 ? T_ACK : T_OTHER;
    case 16: return memcmp(s, "connection_error", 16) == 0 ? T_CONN_ERROR : T_OTHER;
    default: return T_OTHER;
    }
}

static void on_ack(conn_t *c);
static void on_msg(conn_t *c, int type, const char *m, size_t n);

static void handle_msg(conn_t *c, const char *m, size_t n) {
    static const char *const keys[] = {"type"};
    jval_t t;
    if (json_scan(m, n, keys, 1, &t) < 1) {
        g_unparsed++;
        return;
    }
    int type = classify(&t);
    switch (type) {
    case T_KA:
    case T_PONG: return;
    case T_PING:
        if (cfg.proto == P_TWS) ws_send_str(c, "{\"type\":\"pong\"}");
        return;
    case T_ACK:
        if (c->state == S_INITING) {
            c->state = S_READY;
            c->t_ack = g_t_read;
            if (g_t_read > g_last_ack) g_last_ack = g_t_read;
            g_inflight--;
            g_acked++;
            on_ack(c);
        }
        return;
    case T_CONN_ERROR:
        if (c->state == S_INITING) {
            ws_send(c, 8, "\x03\xe8", 2);
            conn_flush(c);
            conn_lost(c, "connection_error");
        } else {
            g_errors++;
        }
        return;
    default:
        if (c->state == S_READY) on_msg(c, type, m, n);
        else if (c->state != S_CLOSING) g_unparsed++;
    }
}

static void handle_frame(conn_t *c, uint8_t b0, uint8_t *pl, size_t n) {
    int opcode = b0 & 0x0f, fin = b0 & 0x80;
    switch (opcode) {
    case 1:
    case 2:
        if (fin) {
            handle_msg(c, (const char *)pl, n);
        } else {
            c->frag.off = c->frag.len = 0;
            buf_append(&c->frag, pl, n);
            c->in_frag = 1;
        }
        return;
    case 0:
        if (!c->in_frag) {
            conn_lost(c, "protocol: unexpected continuation frame");
            return;
        }
        buf_append(&c->frag, pl, n);
        if (fin) {
            c->in_frag = 0;
            size_t len = c->frag.len;
            c->frag.len = 0;
            handle_msg(c, (const char *)c->frag.data, len);
        }
        return;
    case 8: {
        char r[64];
        unsigned code = n >= 2 ? (unsigned)pl[0] << 8 | pl[1] : 1005;
        snprintf(r, sizeof r, "closed by server (%u)", code);
        if (!c->close_sent) {
            send_close(c, n >= 2 ? pl : NULL);
            conn_flush(c);
        }
        conn_lost(c, r);
        return;
    }
    case 9: ws_send(c, 10, pl, n); return;
    case 10: return;
    default: conn_lost(c, "protocol: bad opcode");
    }
}

/* Parses the HTTP upgrade response; returns 1 when done (frames may follow), 0 to wait. */
static int parse_upgrade(conn_t *c) {
    const char *s = (const char *)c->rb + c->rs;
    size_t n = c->re - c->rs;
    const char *e = memmem(s, n, "\r\n\r\n", 4);
    if (!e) {
        if (n > 65536) conn_lost(c, "http: response header too large");
        return 0;
    }
    int status = 0;
    for (int i = 9; i < 12 && i < (int)n && s[i] >= '0' && s[i] <= '9'; i++) status = status * 10 + (s[i] - '0');
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || status < 100) {
        conn_lost(c, "http: malformed response");
        return 0;
    }
    if (status != 101) {
        char r[40];
        snprintf(r, sizeof r, "http status %d", status);
        conn_lost(c, r);
        return 0;
    }
    const char *hs = memchr(s, '\n', (size_t)(e - s)), *v;
    size_t vn;
    if (!hs || !http_header(hs + 1, e + 2, "Sec-WebSocket-Protocol", &v, &vn) ||
        vn != strlen(cfg.proto_name) || memcmp(v, cfg.proto_name, vn) != 0) {
        conn_lost(c, "subprotocol not accepted");
        return 0;
    }
    c->rs += (size_t)(e + 4 - s);
    c->state = S_INITING;
    ws_send_str(c, cfg.proto == P_TWS ? "{\"type\":\"connection_init\"}"
                                      : "{\"type\":\"connection_init\",\"payload\":{}}");
    return 1;
}

static void parse_frames(conn_t *c) {
    while (c->fd >= 0) {
        size_t avail = c->re - c->rs;
        uint8_t *p = c->rb + c->rs;
        if (avail < 2) break;
        uint64_t len = p[1] & 0x7f;
        size_t hl = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = (uint64_t)p[2] << 8 | p[3];
            hl = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | p[2 + i];
            hl = 10;
        }
        int masked = p[1] & 0x80;
        if (masked) hl += 4;
        if (len > MAX_FRAME) {
            conn_lost(c, "protocol: frame too large");
            return;
        }
        if (avail < hl + len) {
            c->need = hl + (size_t)len;
            break;
        }
        c->need = 0;
        uint8_t *pl = p + hl;
        if (masked)
            for (uint64_t i = 0; i < len; i++) pl[i] ^= p[hl - 4 + (i & 3)];
        c->rs += hl + (size_t)len;
        handle_frame(c, p[0], pl, (size_t)len);
    }
}

static void conn_read(conn_t *c) {
    if (!c->rb) {
        c->rcap = RB_INIT;
        c->rb = xrealloc(NULL, c->rcap);
        c->rs = c->re = 0;
    }
    if (c->rs == c->re) c->rs = c->re = 0;
    /* Compact only when the free tail is small (about once per full read, never per frame). */
    if (c->rcap - c->re < c->rcap / 4 || (c->need && c->rs + c->need > c->rcap)) {
        if (c->rs > 0) {
            memmove(c->rb, c->rb + c->rs, c->re - c->rs);
            c->re -= c->rs;
            c->rs = 0;
        }
        size_t want = c->need > c->rcap ? c->need : (c->re == c->rcap ? c->rcap * 2 : 0);
        if (want) {
            c->rcap = want;
            c->rb = xrealloc(c->rb, c->rcap);
        }
    }
    size_t space = c->rcap - c->re;
    ssize_t k = recv(c->fd, c->rb + c->re, space, 0);
    if (k > 0) {
        c->re += (size_t)k;
        g_bytes_read += (size_t)k;
        g_t_read = now_ns();
        if (c->state == S_UPGRADING && !parse_upgrade(c)) return;
        parse_frames(c);
        /* A read that filled the buffer suggests more is queued: read more at a time. */
        if (c->fd >= 0 && (size_t)k == space && c->rcap < g_rb_max) {
            if (c->rs == c->re) c->rs = c->re = 0;
            c->rcap *= 2;
            c->rb = xrealloc(c->rb, c->rcap);
        }
    } else if (k == 0) {
        conn_lost(c, in_flight(c) ? "closed by server before ack" : "closed by server (EOF)");
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail_errno(c, "read", errno);
    }
}

static void conn_event(conn_t *c, uint32_t ev) {
    if (c->fd < 0) return;
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) fail_errno(c, "connect", err);
        else if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
        return;
    }
    if (ev & EPOLLOUT) conn_flush(c);
    if (c->fd >= 0 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) conn_read(c);
}

/* ---------------------------------------------------------------- the event loop */

static void loop_once(int timeout_ms) {
    struct epoll_event evs[512];
    if (timeout_ms < 0) timeout_ms = 0;
    if (g_inflight > 0 && timeout_ms > 20) timeout_ms = 20; /* for scan_timeouts */
    int n = epoll_wait(g_ep, evs, 512, timeout_ms);
    if (n < 0 && errno != EINTR) {
        perror("epoll_wait");
        exit(3);
    }
    for (int i = 0; i < n; i++) {
        uint64_t tag = evs[i].data.u64;
        if (tag == TAG_SIGNAL) {
            struct signalfd_siginfo si;
            if (read(g_sigfd, &si, sizeof si) > 0) {
                fprintf(stderr, "loadgen: signal %u, finishing\n", si.ssi_signo);
                g_stop = 1;
            }
        } else if (tag == TAG_STDIN) {
            char b[4096];
            ssize_t k = read(0, b, sizeof b);
            if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
                g_stdin_eof = 1;
                epoll_ctl(g_ep, EPOLL_CTL_DEL, 0, NULL);
            }
        } else {
            conn_event(&g_conns[tag], evs[i].events);
        }
    }
    flush_dirty();
    pump_starts();
    scan_timeouts();
}

static int ms_until(uint64_t deadline) {
    uint64_t t = now_ns();
    if (t >= deadline) return 0;
    uint64_t ms = (deadline - t + 999999) / 1000000;
    return ms > 1000 ? 1000 : (int)ms;
}

static uint64_t after(double seconds) { return now_ns() + (uint64_t)(seconds * 1e9); }

/* Opens connections [0, g_n) (at most --concurrency at once) and waits until each is acknowledged
 * or failed. */
static void connect_all(void) {
    pump_starts();
    while (!g_stop && (g_next_start < g_n || g_inflight > 0)) loop_once(20);
    if (g_stop) { /* interrupted: give up on those not yet acknowledged */
        for (long i = 0; i < g_n; i++)
            if (in_flight(&g_conns[i])) conn_lost(&g_conns[i], "interrupted");
        g_next_start = g_n;
    }
}

static void stop_ops(conn_t *c);

/* Stops operations, sends close frames, waits (bounded) for the server's close, closes all. */
static void close_all(void) {
    g_next_start = g_n;
    for (long i = 0; i < g_n; i++) {
        conn_t *c = &g_conns[i];
        if (in_flight(c)) {
            conn_lost(c, g_stop ? "interrupted" : "aborted at close");
        } else if (c->state == S_READY) {
            stop_ops(c);
            send_close(c, NULL);
            c->state = S_CLOSING;
            g_closing++;
        }
    }
    flush_dirty();
    uint64_t deadline = after(cfg.close_timeout);
    while (g_closing > 0 && now_ns() < deadline) loop_once(ms_until(deadline));
    for (long i = 0; i < g_n; i++) {
        conn_t *c = &g_conns[i];
        if (c->fd >= 0) {
            if (c->state == S_CLOSING) g_closing--;
            conn_close_fd(c);
            c->state = S_CLOSED;
        }
    }
}

static void reset_conns(long n) {
    for (long i = 0; i < g_n; i++) conn_free_bufs(&g_conns[i]);
    free(g_conns);
    free(g_dirty);
    g_n = n;
    g_conns = calloc((size_t)n, sizeof *g_conns);
    g_dirty = calloc((size_t)n, sizeof *g_dirty);
    if (!g_conns || !g_dirty) exit(3);
    for (long i = 0; i < n; i++) {
        g_conns[i].fd = -1;
        g_conns[i].idx = (int)i;
    }
    g_next_start = g_inflight = g_acked = g_failed = g_dropped = g_closing = 0;
    g_first_connect = g_last_ack = 0;
    g_rb_max = (size_t)(64u * 1024 * 1024) / (size_t)(n > 0 ? n : 1);
    if (g_rb_max > 256 * 1024) g_rb_max = 256 * 1024;
    if (g_rb_max < 16 * 1024) g_rb_max = 16 * 1024;
}

/* ---------------------------------------------------------------- mode callbacks */

static void on_ack(conn_t *c) {
    switch (cfg.mode) {
    case M_STREAM:
        send_start(c, "1", (const char *)g_query_esc.data, g_query_esc.len);
        c->ops = 1;
        g_ops_active++;
        break;
    case M_FANOUT:
        if (!c->is_pub) {
            for (long k = 1; k <= cfg.subscriptions; k++) {
                char id[24];
                snprintf(id, sizeof id, "%ld", k);
                send_start(c, id, (const char *)g_query_esc.data, g_query_esc.len);
            }
            c->ops = cfg.subscriptions;
            g_ops_active += (uint64_t)cfg.subscriptions;
        }
        break;
    default: break;
    }
}

static void op_ended(conn_t *c) {
    if (c->ops > 0) {
        c->ops--;
        g_ops_active--;
    }
}

static void on_dropped(conn_t *c) {
    if (cfg.mode == M_STARTS) {
        g_outstanding -= c->ops;
        if (g_outstanding == 0) g_t_last_done = g_t_read;
    } else {
        g_ops_active -= (uint64_t)c->ops;
    }
    c->ops = 0;
}

static void stop_ops(conn_t *c) {
    if (cfg.mode == M_STREAM && c->ops > 0) send_stop(c, "1");
    if (cfg.mode == M_FANOUT && !c->is_pub && c->ops > 0)
        for (long k = 1; k <= cfg.subscriptions; k++) {
            char id[24];
            snprintf(id, sizeof id, "%ld", k);
            send_stop(c, id);
        }
    if (cfg.mode != M_STARTS) g_ops_active -= (uint64_t)c->ops;
    c->ops = 0;
}

/* In starts mode ids are "<round>.<k>": is this message about the current round? */
static int current_round(const char *m, size_t n) {
    static const char *const keys[] = {"id"};
    jval_t id;
    if (json_scan(m, n, keys, 1, &id) < 1 || !id.is_str) return 0;
    long r = 0;
    size_t i = 0;
    while (i < id.n && isdigit((unsigned char)id.p[i])) r = r * 10 + (id.p[i++] - '0');
    return i < id.n && id.p[i] == '.' && r == g_round;
}

static void record_latency(const char *m, size_t n) {
    const char *p = m, *e = m + n;
    while ((p = memmem(p, (size_t)(e - p), "ts:", 3)) != NULL) {
        p += 3;
        if (p < e && *p >= '0' && *p <= '9') {
            uint64_t ts = 0;
            while (p < e && *p >= '0' && *p <= '9') ts = ts * 10 + (uint64_t)(*p++ - '0');
            if (g_nlat == g_caplat) {
                g_caplat = g_caplat ? g_caplat * 2 : 65536;
                g_lat = xrealloc(g_lat, g_caplat * sizeof *g_lat);
            }
            g_lat[g_nlat++] = g_t_read > ts ? g_t_read - ts : 0;
            return;
        }
    }
    g_no_ts++;
}

static void on_msg(conn_t *c, int type, const char *m, size_t n) {
    switch (cfg.mode) {
    case M_STREAM:
        if (type == T_NEXT || type == T_DATA) {
            if (c->results++ == 0) {
                c->t_first = g_t_read;
                g_first_count++;
            }
            g_results++;
        } else if (type == T_ERROR) {
            g_errors++;
            op_ended(c);
        } else if (type == T_COMPLETE) {
            op_ended(c);
        }
        break;
    case M_STARTS:
        if (type != T_NEXT && type != T_DATA && type != T_ERROR && type != T_COMPLETE) break;
        if (!current_round(m, n)) break;
        if (type == T_NEXT || type == T_DATA) {
            g_results++;
        } else {
            if (type == T_ERROR) g_errors++;
            if (c->ops > 0) {
                c->ops--;
                if (--g_outstanding == 0) g_t_last_done = g_t_read;
            }
        }
        break;
    case M_FANOUT:
        if (c->is_pub) {
            if (type == T_NEXT || type == T_DATA) g_pub_results++;
            else if (type == T_ERROR) g_pub_errors++;
            else if (type == T_COMPLETE) g_pub_completed++;
        } else {
            if (type == T_NEXT || type == T_DATA) {
                g_results++;
                record_latency(m, n);
            } else if (type == T_ERROR) {
                g_sub_errors++;
                op_ended(c);
            } else if (type == T_COMPLETE) {
                g_sub_ended++;
                op_ended(c);
            }
        }
        break;
    default: break;
    }
}

/* ---------------------------------------------------------------- reporting */

static void print_jstr(const char *s) {
    buf_t b = {0};
    json_escape_append(&b, s, strlen(s));
    printf("\"%.*s\"", (int)b.len, (const char *)b.data);
    buf_free(&b);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t rank(size_t n, double pct) {
    size_t r = (size_t)((double)n * pct / 100.0 + 0.999999);
    return r > 0 ? r - 1 : 0;
}

/* {"p50":..,"p99":..,"max":..} of v (sorted in place), or null. */
static void print_pct(double *v, size_t n) {
    if (!n) {
        printf("null");
        return;
    }
    qsort(v, n, sizeof *v, cmp_d);
    printf("{\"p50\":%.6f,\"p99\":%.6f,\"max\":%.6f}", v[rank(n, 50)], v[rank(n, 99)], v[n - 1]);
}

static void print_reasons(const reason_t *t) {
    printf("{");
    for (int i = 0, first = 1; i < 32 && t[i].count; i++, first = 0) {
        if (!first) printf(",");
        print_jstr(t[i].name);
        printf(":%ld", t[i].count);
    }
    printf("}");
}

static void print_head(void) {
    printf("{\"mode\":\"%s\",\"protocol\":", MODE_NAMES[cfg.mode]);
    print_jstr(cfg.proto_name);
    printf(",\"url\":");
    print_jstr(cfg.url);
}

static void print_connections(long asked, long connected, long failed) {
    printf(",\"connections\":{\"asked\":%ld,\"connected\":%ld,\"failed\":%ld,\"failures\":", asked, connected,
           failed);
    print_reasons(g_fail_reasons);
    printf(",\"dropped\":%ld,\"drops\":", g_dropped);
    print_reasons(g_drop_reasons);
    printf("}");
}

/* seconds from start to ack (and to first result) of connections [0, n) */
static void print_ack_times(long n, int first_result) {
    double *v = xrealloc(NULL, (size_t)(n + 1) * sizeof *v);
    size_t k = 0;
    for (long i = 0; i < n; i++)
        if (g_conns[i].t_ack) v[k++] = (double)(g_conns[i].t_ack - g_conns[i].t_start) / 1e9;
    printf(",\"secondsToAck\":");
    print_pct(v, k);
    if (first_result) {
        k = 0;
        for (long i = 0; i < n; i++)
            if (g_conns[i].t_first) v[k++] = (double)(g_conns[i].t_first - g_conns[i].t_start) / 1e9;
        printf(",\"secondsToFirstResult\":");
        print_pct(v, k);
    }
    free(v);
}

static double median(double *v, size_t n) {
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---------------------------------------------------------------- modes */

static void run_stream(void) {
    reset_conns(cfg.connections);
    uint64_t t0 = now_ns();
    connect_all();
    /* Wait until every connection has its first result (or failed, ended, or timed out). */
    uint64_t limit = (uint64_t)(cfg.connect_timeout * 1e9);
    int all_first = 0;
    while (!g_stop) {
        uint64_t t = now_ns();
        long waiting = 0;
        for (long i = 0; i < g_n; i++) {
            conn_t *c = &g_conns[i];
            if (c->state == S_READY && !c->results && c->ops > 0 && t - c->t_ack < limit) waiting++;
        }
        if (!waiting) {
            all_first = g_acked > 0 && (long)g_first_count == g_acked;
            break;
        }
        loop_once(5);
    }
    uint64_t first_done = now_ns();
    /* warm-up */
    uint64_t w0 = first_done + (uint64_t)(cfg.warmup * 1e9);
    while (!g_stop && g_ops_active > 0 && now_ns() < w0) loop_once(ms_until(w0));
    /* the measuring window */
    uint64_t ws = now_ns(), base = g_results, base_bytes = g_bytes_read;
    for (long i = 0; i < g_n; i++) g_conns[i].results_at_window = g_conns[i].results;
    uint64_t we = ws + (uint64_t)(cfg.duration * 1e9);
    while (!g_stop && g_ops_active > 0 && now_ns() < we) loop_once(ms_until(we));
    uint64_t wend = now_ns(), total = g_results - base, bytes = g_bytes_read - base_bytes;
    uint64_t cmin = UINT64_MAX, cmax = 0;
    long counted = 0;
    for (long i = 0; i < g_n; i++) {
        conn_t *c = &g_conns[i];
        if (!c->t_ack) continue;
        uint64_t r = c->results - c->results_at_window;
        if (r < cmin) cmin = r;
        if (r > cmax) cmax = r;
        counted++;
    }
    long connected = g_acked;
    uint64_t all_results = g_results;
    close_all();
    double secs = (double)(wend - ws) / 1e9;
    print_head();
    printf(",\"query\":");
    print_jstr(cfg.query);
    print_connections(cfg.connections, connected, cfg.connections - connected);
    printf(",\"results\":{\"total\":%llu,\"perSecond\":%.1f,\"errors\":%llu,\"allPhases\":%llu,"
           "\"unparsedMessages\":%llu}",
           (unsigned long long)total, secs > 0 ? (double)total / secs : 0.0,
           (unsigned long long)g_errors, (unsigned long long)all_results,
           (unsigned long long)g_unparsed);
    printf(",\"bytesPerSecond\":%.0f", secs > 0 ? (double)bytes / secs : 0.0);
    printf(",\"perConnection\":{\"min\":%llu,\"max\":%llu}", counted ? (unsigned long long)cmin : 0ull,
           (unsigned long long)cmax);
    printf(",\"connectionsWithResults\":%llu,\"allFirstResults\":%s", (unsigned long long)g_first_count,
           all_first ? "true" : "false");
    printf(",\"windowSeconds\":%.6f,\"warmupSeconds\":%.3f,\"elapsedSeconds\":%.6f", secs, cfg.warmup,
           (double)(now_ns() - t0) / 1e9);
    print_ack_times(g_n, 1);
    printf(",\"interrupted\":%s}\n", g_stop ? "true" : "false");
}

static void run_setup(void) {
    long R = cfg.rounds;
    double *rate = xrealloc(NULL, (size_t)R * sizeof *rate);
    double *times = xrealloc(NULL, (size_t)cfg.connections * sizeof *times);
    long tot_acked = 0, tot_failed = 0, done_rounds = 0;
    buf_t rounds = {0};
    for (long r = 0; r < R && !g_stop; r++) {
        reset_conns(cfg.connections);
        connect_all();
        double secs = g_last_ack && g_last_ack > g_first_connect ? (double)(g_last_ack - g_first_connect) / 1e9 : 0;
        rate[done_rounds] = secs > 0 ? (double)g_acked / secs : 0;
        size_t k = 0;
        for (long i = 0; i < g_n; i++)
            if (g_conns[i].t_ack) times[k++] = (double)(g_conns[i].t_ack - g_conns[i].t_start) / 1e9;
        qsort(times, k, sizeof *times, cmp_d);
        char line[400];
        int ln = snprintf(line, sizeof line,
                          "%s{\"round\":%ld,\"acked\":%ld,\"failed\":%ld,\"seconds\":%.6f,\"perSecond\":%.1f,"
                          "\"secondsToAck\":",
                          done_rounds ? "," : "", r + 1, g_acked, g_failed, secs, rate[done_rounds]);
        buf_append(&rounds, line, (size_t)ln);
        if (k)
            ln = snprintf(line, sizeof line, "{\"p50\":%.6f,\"p99\":%.6f,\"max\":%.6f}}", times[rank(k, 50)],
                          times[rank(k, 99)], times[k - 1]);
        else
            ln = snprintf(line, sizeof line, "null}");
        buf_append(&rounds, line, (size_t)ln);
        fprintf(stderr, "setup round %ld: %ld acked, %ld failed, %.3f s, %.1f set-ups/s\n", r + 1, g_acked,
                g_failed, secs, rate[done_rounds]);
        tot_acked += g_acked;
        tot_failed += g_failed;
        done_rounds++;
        close_all();
    }
    double best = 0;
    for (long i = 0; i < done_rounds; i++)
        if (rate[i] > best) best = rate[i];
    double med = median(rate, (size_t)done_rounds);
    print_head();
    print_connections(cfg.connections * done_rounds, tot_acked, tot_failed);
    printf(",\"concurrency\":%ld,\"rounds\":[%.*s],\"perSecond\":{\"best\":%.1f,\"median\":%.1f}",
           cfg.concurrency > 0 ? cfg.concurrency : cfg.connections, (int)rounds.len,
           rounds.data ? (const char *)rounds.data : "", best, med);
    printf(",\"interrupted\":%s}\n", g_stop ? "true" : "false");
    free(rate);
    free(times);
    buf_free(&rounds);
}

static void run_starts(void) {
    reset_conns(cfg.connections);
    connect_all();
    long connected = g_acked, S = cfg.subscriptions;
    double *rate = xrealloc(NULL, (size_t)cfg.rounds * sizeof *rate);
    buf_t rounds = {0};
    long done_rounds = 0;
    uint64_t tot_results = 0, tot_errors = 0;
    for (long r = 1; r <= cfg.rounds && !g_stop && connected > 0; r++) {
        g_round = r;
        g_outstanding = 0;
        g_results = g_errors = 0;
        g_t_last_done = 0;
        long sent = 0;
        uint64_t t0 = now_ns();
        for (long i = 0; i < g_n; i++) {
            conn_t *c = &g_conns[i];
            if (c->state != S_READY) continue;
            for (long k = 0; k < S; k++) {
                char id[48];
                snprintf(id, sizeof id, "%ld.%ld", r, k);
                send_start(c, id, (const char *)g_query_esc.data, g_query_esc.len);
            }
            c->ops = S;
            g_outstanding += S;
            sent += S;
        }
        flush_dirty();
        uint64_t deadline = t0 + (uint64_t)(cfg.round_timeout * 1e9);
        while (!g_stop && g_outstanding > 0 && now_ns() < deadline) loop_once(ms_until(deadline));
        long incomplete = g_outstanding;
        uint64_t tend = incomplete ? now_ns() : g_t_last_done;
        double secs = (double)(tend - t0) / 1e9;
        rate[done_rounds] = secs > 0 ? (double)(sent - incomplete) / secs : 0;
        char line[400];
        int ln = snprintf(line, sizeof line,
                          "%s{\"round\":%ld,\"started\":%ld,\"completed\":%ld,\"incomplete\":%ld,\"results\":%llu,"
                          "\"errors\":%llu,\"seconds\":%.6f,\"perSecond\":%.1f}",
                          done_rounds ? "," : "", r, sent, sent - incomplete, incomplete,
                          (unsigned long long)g_results, (unsigned long long)g_errors, secs, rate[done_rounds]);
        buf_append(&rounds, line, (size_t)ln);
        fprintf(stderr, "starts round %ld: %ld started, %ld incomplete, %.3f s, %.1f starts/s\n", r, sent,
                incomplete, secs, rate[done_rounds]);
        tot_results += g_results;
        tot_errors += g_errors;
        for (long i = 0; i < g_n; i++) g_conns[i].ops = 0;
        done_rounds++;
    }
    close_all();
    double best = 0;
    for (long i = 0; i < done_rounds; i++)
        if (rate[i] > best) best = rate[i];
    double med = median(rate, (size_t)done_rounds);
    print_head();
    printf(",\"query\":");
    print_jstr(cfg.query);
    print_connections(cfg.connections, connected, cfg.connections - connected);
    printf(",\"subscriptionsPerConnection\":%ld,\"rounds\":[%.*s],\"perSecond\":{\"best\":%.1f,\"median\":%.1f}",
           S, (int)rounds.len, rounds.data ? (const char *)rounds.data : "", best, med);
    printf(",\"results\":{\"total\":%llu,\"errors\":%llu}", (unsigned long long)tot_results,
           (unsigned long long)tot_errors);
    print_ack_times(g_n, 0);
    printf(",\"interrupted\":%s}\n", g_stop ? "true" : "false");
    free(rate);
    buf_free(&rounds);
}

static void run_hold(void) {
    reset_conns(cfg.connections);
    if (cfg.seconds <= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_STDIN};
        if (epoll_ctl(g_ep, EPOLL_CTL_ADD, 0, &ev) == 0) g_stdin_watched = 1;
        else fprintf(stderr, "loadgen: stdin cannot be watched (%s); hold ends on SIGINT/SIGTERM only\n",
                     strerror(errno));
    }
    connect_all();
    long held = g_acked;
    double setup = g_last_ack > g_first_connect ? (double)(g_last_ack - g_first_connect) / 1e9 : 0;
    fprintf(stderr, "HELD %ld\n", held);
    fflush(stderr);
    uint64_t h0 = now_ns(), deadline = cfg.seconds > 0 ? after(cfg.seconds) : UINT64_MAX;
    long dropped_before = g_dropped;
    while (!g_stop && !g_stdin_eof && now_ns() < deadline) loop_once(ms_until(deadline));
    double held_secs = (double)(now_ns() - h0) / 1e9;
    long dropped = g_dropped - dropped_before;
    close_all();
    print_head();
    print_connections(cfg.connections, held, cfg.connections - held);
    printf(",\"held\":%ld,\"heldSeconds\":%.3f,\"droppedWhileHeld\":%ld,\"setupSeconds\":%.6f,"
           "\"setupsPerSecond\":%.1f",
           held, held_secs, dropped, setup, setup > 0 ? (double)held / setup : 0.0);
    print_ack_times(g_n, 0);
    printf(",\"endedBy\":\"%s\"}\n", g_stop ? "signal" : g_stdin_eof ? "stdin-eof" : "time");
}

static void run_fanout(void) {
    long S = cfg.connections, M = cfg.subscriptions, E = cfg.events;
    reset_conns(S + 1);
    conn_t *pub = &g_conns[S];
    pub->is_pub = 1;
    connect_all();
    long sub_connected = g_acked - (pub->state == S_READY ? 1 : 0);
    int pub_ok = pub->state == S_READY;
    /* Settle: let every subscription start on the server. */
    uint64_t settle = after(cfg.settle);
    while (!g_stop && now_ns() < settle) loop_once(ms_until(settle));
    uint64_t open_at_publish = g_ops_active;
    g_results = 0;
    g_nlat = 0;
    g_no_ts = 0;
    /* The publish text, split at %TS% and JSON-escaped. */
    buf_t parts[64];
    int np = 0;
    {
        const char *p = cfg.publish;
        for (;;) {
            const char *q = strstr(p, "%TS%");
            memset(&parts[np], 0, sizeof parts[np]);
            json_escape_append(&parts[np], p, q ? (size_t)(q - p) : strlen(p));
            buf_reserve(&parts[np], 1);
            np++;
            if (!q || np == 63) break;
            p = q + 4;
        }
    }
    uint64_t p0 = now_ns(), plast = p0;
    long sent = 0;
    buf_t q = {0};
    while (pub_ok && !g_stop && sent < E && pub->state == S_READY) {
        uint64_t t = now_ns();
        uint64_t due = cfg.rate > 0 ? p0 + (uint64_t)((double)sent * 1e9 / cfg.rate) : t;
        if (t < due) {
            loop_once(ms_until(due));
            continue;
        }
        while (sent < E && (cfg.rate <= 0 || p0 + (uint64_t)((double)sent * 1e9 / cfg.rate) <= t)) {
            q.len = q.off = 0;
            uint64_t ts = now_ns();
            char tss[24];
            int tn = snprintf(tss, sizeof tss, "%llu", (unsigned long long)ts);
            for (int i = 0; i < np; i++) {
                if (i) buf_append(&q, tss, (size_t)tn);
                buf_append(&q, parts[i].data, parts[i].len);
            }
            char id[32];
            snprintf(id, sizeof id, "p%ld", sent + 1);
            send_start(pub, id, (const char *)q.data, q.len);
            sent++;
            plast = ts;
            if (cfg.rate <= 0 && sent % 64 == 0) break;
        }
        conn_flush(pub);
        loop_once(0);
    }
    uint64_t expected = (uint64_t)E * (uint64_t)S * (uint64_t)M;
    uint64_t drain = after(cfg.drain);
    while (!g_stop && sent > 0 && g_results < expected && now_ns() < drain) loop_once(ms_until(drain));
    /* the publisher's own results may still be on their way */
    uint64_t pub_deadline = after(1);
    while (!g_stop && pub->state == S_READY && g_pub_completed + g_pub_errors < (uint64_t)sent &&
           now_ns() < pub_deadline)
        loop_once(ms_until(pub_deadline));
    uint64_t received = g_results;
    long connected = g_acked;
    close_all();
    qsort(g_lat, g_nlat, sizeof *g_lat, cmp_u64);
    print_head();
    printf(",\"query\":");
    print_jstr(cfg.query);
    printf(",\"publishText\":");
    print_jstr(cfg.publish);
    print_connections(S + 1, connected, S + 1 - connected);
    printf(",\"subscriberConnections\":%ld,\"subscriptionsPerConnection\":%ld,\"subscriberConnectionsConnected\":%ld,"
           "\"subscriptionsStarted\":%llu,\"subscriptionsOpenAtPublish\":%llu,\"publisherConnected\":%s",
           S, M, sub_connected, (unsigned long long)sub_connected * (unsigned long long)M,
           (unsigned long long)open_at_publish, pub_ok ? "true" : "false");
    double pubsecs = (double)(plast - p0) / 1e9;
    printf(",\"publish\":{\"sent\":%ld,\"results\":%llu,\"errors\":%llu,\"completed\":%llu,\"seconds\":%.6f,"
           "\"perSecond\":%.1f}",
           sent, (unsigned long long)g_pub_results, (unsigned long long)g_pub_errors,
           (unsigned long long)g_pub_completed, pubsecs, pubsecs > 0 ? (double)(sent - 1) / pubsecs : 0.0);
    printf(",\"deliveries\":{\"expected\":%llu,\"received\":%llu,\"missing\":%lld,\"withoutTimestamp\":%llu,"
           "\"subscriptionErrors\":%llu,\"subscriptionsEnded\":%llu}",
           (unsigned long long)expected, (unsigned long long)received,
           (long long)expected - (long long)received, (unsigned long long)g_no_ts,
           (unsigned long long)g_sub_errors, (unsigned long long)g_sub_ended);
    if (g_nlat)
        printf(",\"latencyMs\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}",
               (double)g_lat[rank(g_nlat, 50)] / 1e6, (double)g_lat[rank(g_nlat, 90)] / 1e6,
               (double)g_lat[rank(g_nlat, 99)] / 1e6, (double)g_lat[g_nlat - 1] / 1e6);
    else
        printf(",\"latencyMs\":null");
    print_ack_times(g_n, 0);
    printf(",\"interrupted\":%s}\n", g_stop ? "true" : "false");
    for (int i = 0; i < np; i++) buf_free(&parts[i]);
    buf_free(&q);
}

/* ---------------------------------------------------------------- main */

static void usage(int code) {
    fprintf(code ? stderr : stdout,
            "usage: loadgen MODE --url ws://HOST:PORT/PATH [--protocol graphql-transport-ws|graphql-ws] ...\n"
            "  stream  --connections C --query Q [--duration D=10] [--warmup W=1]\n"
            "  setup   --connections N [--concurrency K=N] [--rounds R=1]\n"
            "  starts  --connections C --subscriptions S --query Q [--rounds R=1] [--round-timeout T=30]\n"
            "  hold    --connections N [--concurrency K=N] [--seconds H (default: until SIGINT/SIGTERM/stdin EOF)]\n"
            "  fanout  --subscriber-connections S --subscriptions-per-connection M --query Q\n"
            "          --publish P (with %%TS%%) [--events E=100] [--rate R=100] [--settle 1] [--drain 5]\n"
            "  all modes: [--connect-timeout 10] [--close-timeout 2] [--concurrency K]\n"
            "Prints one JSON report on stdout; see README.md.\n");
    exit(code);
}

static double parse_num(const char *name, const char *v) {
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || d < 0) {
        fprintf(stderr, "loadgen: invalid value for --%s: %s\n", name, v);
        exit(2);
    }
    return d;
}

static void parse_url(void) {
    const char *u = cfg.url;
    if (strncmp(u, "ws://", 5) != 0) {
        fprintf(stderr, "loadgen: only ws:// URLs are supported: %s\n", u);
        exit(2);
    }
    u += 5;
    const char *slash = strchr(u, '/');
    size_t hl = slash ? (size_t)(slash - u) : strlen(u);
    if (hl == 0 || hl >= sizeof cfg.hostport) {
        fprintf(stderr, "loadgen: bad URL host: %s\n", cfg.url);
        exit(2);
    }
    memcpy(cfg.hostport, u, hl);
    cfg.hostport[hl] = 0;
    snprintf(cfg.path, sizeof cfg.path, "%s", slash ? slash : "/");
    snprintf(cfg.host, sizeof cfg.host, "%s", cfg.hostport);
    int port = 80;
    char *colon = strrchr(cfg.host, ':');
    if (colon) {
        *colon = 0;
        port = atoi(colon + 1);
    }
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "loadgen: bad port in URL: %s\n", cfg.url);
        exit(2);
    }
    cfg.addr.sin_family = AF_INET;
    cfg.addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, cfg.host, &cfg.addr.sin_addr) != 1) {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
        if (getaddrinfo(cfg.host, NULL, &hints, &res) != 0 || !res) {
            fprintf(stderr, "loadgen: cannot resolve %s (IPv4 only)\n", cfg.host);
            exit(2);
        }
        cfg.addr.sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }
}

int main(int argc, char **argv) {
    static const struct option opts[] = {
        {"url", 1, 0, 'u'},           {"protocol", 1, 0, 'p'},
        {"connections", 1, 0, 'c'},   {"subscriber-connections", 1, 0, 'c'},
        {"concurrency", 1, 0, 'k'},   {"duration", 1, 0, 'd'},
        {"warmup", 1, 0, 'w'},        {"query", 1, 0, 'q'},
        {"rounds", 1, 0, 'r'},        {"subscriptions", 1, 0, 's'},
        {"subscriptions-per-connection", 1, 0, 's'},
        {"seconds", 1, 0, 'H'},       {"publish", 1, 0, 'P'},
        {"events", 1, 0, 'E'},        {"rate", 1, 0, 'R'},
        {"settle", 1, 0, 'S'},        {"drain", 1, 0, 'D'},
        {"connect-timeout", 1, 0, 'T'}, {"round-timeout", 1, 0, 'O'},
        {"close-timeout", 1, 0, 'C'}, {"help", 0, 0, 'h'},
        {0, 0, 0, 0},
    };
    int o, li;
    while ((o = getopt_long(argc, argv, "h", opts, &li)) != -1) {
        const char *name = o == '?' ? "" : opts[li].name;
        switch (o) {
        case 'u': cfg.url = optarg; break;
        case 'p': cfg.proto_name = optarg; break;
        case 'c': cfg.connections = (long)parse_num(name, optarg); break;
        case 'k': cfg.concurrency = (long)parse_num(name, optarg); break;
        case 'd': cfg.duration = parse_num(name, optarg); break;
        case 'w': cfg.warmup = parse_num(name, optarg); break;
        case 'q': cfg.query = optarg; break;
        case 'r': cfg.rounds = (long)parse_num(name, optarg); break;
        case 's': cfg.subscriptions = (long)parse_num(name, optarg); break;
        case 'H': cfg.seconds = parse_num(name, optarg); break;
        case 'P': cfg.publish = optarg; break;
        case 'E': cfg.events = (long)parse_num(name, optarg); break;
        case 'R': cfg.rate = parse_num(name, optarg); break;
        case 'S': cfg.settle = parse_num(name, optarg); break;
        case 'D': cfg.drain = parse_num(name, optarg); break;
        case 'T': cfg.connect_timeout = parse_num(name, optarg); break;
        case 'O': cfg.round_timeout = parse_num(name, optarg); break;
        case 'C': cfg.close_timeout = parse_num(name, optarg); break;
        case 'h': usage(0); break;
        default: usage(2);
        }
    }
    if (optind != argc - 1) usage(2);
    cfg.mode = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(argv[optind], MODE_NAMES[i]) == 0) cfg.mode = i;
    if (cfg.mode < 0) {
        fprintf(stderr, "loadgen: unknown mode %s\n", argv[optind]);
        usage(2);
    }
    if (!cfg.url) {
        fprintf(stderr, "loadgen: --url is required\n");
        exit(2);
    }
    if (strcmp(cfg.proto_name, "graphql-transport-ws") == 0) cfg.proto = P_TWS;
    else if (strcmp(cfg.proto_name, "graphql-ws") == 0) cfg.proto = P_GWS;
    else {
        fprintf(stderr, "loadgen: --protocol must be graphql-transport-ws or graphql-ws\n");
        exit(2);
    }
    if (cfg.connections < 1) {
        fprintf(stderr, "loadgen: --connections (or --subscriber-connections) >= 1 is required\n");
        exit(2);
    }
    int needs_query = cfg.mode == M_STREAM || cfg.mode == M_STARTS || cfg.mode == M_FANOUT;
    if (needs_query && !cfg.query) {
        fprintf(stderr, "loadgen: --query is required for %s\n", MODE_NAMES[cfg.mode]);
        exit(2);
    }
    if (cfg.mode == M_FANOUT && !cfg.publish) {
        fprintf(stderr, "loadgen: --publish is required for fanout\n");
        exit(2);
    }
    if (cfg.rounds < 1 || cfg.subscriptions < 1 || cfg.events < 0 || cfg.connect_timeout <= 0) {
        fprintf(stderr, "loadgen: --rounds, --subscriptions must be >= 1, --connect-timeout > 0\n");
        exit(2);
    }
    parse_url();
    if (cfg.query) json_escape_append(&g_query_esc, cfg.query, strlen(cfg.query));
    buf_reserve(&g_query_esc, 1);

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getentropy(&g_rng, sizeof g_rng) != 0 || !g_rng) g_rng = now_ns() ^ ((uint64_t)getpid() << 32) ^ 1;
    signal(SIGPIPE, SIG_IGN);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGTERM);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    g_sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
    g_ep = epoll_create1(EPOLL_CLOEXEC);
    if (g_ep < 0 || g_sigfd < 0) {
        perror("epoll/signalfd");
        return 3;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAG_SIGNAL};
    epoll_ctl(g_ep, EPOLL_CTL_ADD, g_sigfd, &ev);

    switch (cfg.mode) {
    case M_STREAM: run_stream(); break;
    case M_SETUP: run_setup(); break;
    case M_STARTS: run_starts(); break;
    case M_HOLD: run_hold(); break;
    case M_FANOUT: run_fanout(); break;
    }
    fflush(stdout);
    return 0;
}

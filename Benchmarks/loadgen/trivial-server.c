/* trivial-server: a deliberately trivial GraphQL-over-WebSocket server (graphql-transport-ws and
 * graphql-ws) whose only purpose is to show the ceiling of loadgen. Single-threaded epoll.
 *
 *   trivial-server --port P      (0 picks a free port; prints "LISTENING <port>" once bound)
 *
 * Operations (by the text of their query):
 *   contains "counter(n: 1)"   one next/data result, then complete
 *   starts with "mutation"     publishes the text argument (text: "...") to every open `messages`
 *                              operation of every connection, then replies next/data + complete
 *   starts with "query" or "{" one next/data result, then complete
 *   contains "messages"        stays open, receives the published texts
 *   anything else              streams pre-framed {"data":{"counter":0}} results as fast as the
 *                              socket accepts them, until stopped or the connection closes */
#include "common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { P_TWS, P_GWS };
enum { C_HTTP, C_WS };
#define STREAM_BYTES (128 * 1024)
#define MAX_ID 128
#define BUF_LIT(b, lit) buf_append((b), (lit), sizeof(lit) - 1)

typedef struct {
    char id[MAX_ID];
    size_t idn;
    uint8_t *buf;
    size_t buflen, fsize, off;
    int stopping;
} stream_t;

typedef struct sconn {
    int fd, state, proto;
    int want_out, dirty, closing, in_frag;
    buf_t in, out, frag;
    stream_t **streams;
    int nstreams, cur, capstreams;
    struct sconn *next_dead;
} sconn_t;

typedef struct {
    sconn_t *c;
    char id[MAX_ID];
    size_t idn;
} sub_t;

static int g_ep, g_listen, g_spare = -1;
static sconn_t **g_dirty, *g_dead;
static size_t g_ndirty, g_capdirty;
static sub_t *g_subs;
static size_t g_nsubs, g_capsubs;

static void set_out(sconn_t *c, int on) {
    if (c->fd < 0 || c->want_out == on) return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = on;
}

static void mark_dirty(sconn_t *c) {
    if (c->dirty) return;
    c->dirty = 1;
    if (g_ndirty == g_capdirty) {
        g_capdirty = g_capdirty ? g_capdirty * 2 : 256;
        g_dirty = xrealloc(g_dirty, g_capdirty * sizeof *g_dirty);
    }
    g_dirty[g_ndirty++] = c;
}

static void remove_subs_of(sconn_t *c, const char *id, size_t idn) {
    size_t o = 0;
    for (size_t i = 0; i < g_nsubs; i++) {
        sub_t *s = &g_subs[i];
        int match = s->c == c && (!id || (s->idn == idn && memcmp(s->id, id, idn) == 0));
        if (!match) g_subs[o++] = *s;
    }
    g_nsubs = o;
}

static void sc_close(sconn_t *c) {
    if (c->fd < 0) return;
    close(c->fd);
    c->fd = -1;
    remove_subs_of(c, NULL, 0);
    c->next_dead = g_dead;
    g_dead = c;
}

static void sc_free(sconn_t *c) {
    for (int i = 0; i < c->nstreams; i++) {
        free(c->streams[i]->buf);
        free(c->streams[i]);
    }
    free(c->streams);
    buf_free(&c->in);
    buf_free(&c->out);
    buf_free(&c->frag);
    free(c);
}

/* Queues one unmasked server frame. */
static void ws_frame(sconn_t *c, int opcode, const void *p, size_t n) {
    uint8_t *w = buf_reserve(&c->out, n + 10);
    size_t h = 0;
    w[h++] = (uint8_t)(0x80 | opcode);
    if (n < 126) {
        w[h++] = (uint8_t)n;
    } else if (n < 65536) {
        w[h++] = 126;
        w[h++] = (uint8_t)(n >> 8);
        w[h++] = (uint8_t)n;
    } else {
        w[h++] = 127;
        for (int i = 7; i >= 0; i--) w[h++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    memcpy(w + h, p, n);
    c->out.len += h + n;
    mark_dirty(c);
}

static void ws_text(sconn_t *c, const char *s) { ws_frame(c, 1, s, strlen(s)); }

static const char *result_type(sconn_t *c) { return c->proto == P_TWS ? "next" : "data"; }

/* {"id":"<id>","type":"next|data","payload":<payload>} */
static void send_result(sconn_t *c, const char *id, size_t idn, const char *payload, size_t pn) {
    buf_t m = {0};
    BUF_LIT(&m, "{\"id\":\"");
    buf_append(&m, id, idn);
    BUF_LIT(&m, "\",\"type\":\"");
    buf_append(&m, result_type(c), 4);
    BUF_LIT(&m, "\",\"payload\":");
    buf_append(&m, payload, pn);
    BUF_LIT(&m, "}");
    ws_frame(c, 1, m.data, m.len);
    buf_free(&m);
}

static void send_complete(sconn_t *c, const char *id, size_t idn) {
    char m[MAX_ID + 40];
    int n = snprintf(m, sizeof m, "{\"id\":\"%.*s\",\"type\":\"complete\"}", (int)idn, id);
    ws_frame(c, 1, m, (size_t)n);
}

static void start_stream(sconn_t *c, const char *id, size_t idn) {
    stream_t *s = calloc(1, sizeof *s);
    if (!s) exit(3);
    memcpy(s->id, id, idn);
    s->idn = idn;
    char payload[MAX_ID + 100];
    int pn = snprintf(payload, sizeof payload, "{\"id\":\"%.*s\",\"type\":\"%s\",\"payload\":{\"data\":{\"counter\":0}}}",
                      (int)idn, id, result_type(c));
    uint8_t frame[MAX_ID + 110];
    size_t h = 0;
    frame[h++] = 0x81;
    if (pn < 126) frame[h++] = (uint8_t)pn;
    else {
        frame[h++] = 126;
        frame[h++] = (uint8_t)(pn >> 8);
        frame[h++] = (uint8_t)pn;
    }
    memcpy(frame + h, payload, (size_t)pn);
    s->fsize = h + (size_t)pn;
    size_t count = STREAM_BYTES / s->fsize;
    s->buflen = count * s->fsize;
    s->buf = xrealloc(NULL, s->buflen);
    for (size_t i = 0; i < count; i++) memcpy(s->buf + i * s->fsize, frame, s->fsize);
    if (c->nstreams == c->capstreams) {
        c->capstreams = c->capstreams ? c->capstreams * 2 : 4;
        c->streams = xrealloc(c->streams, (size_t)c->capstreams * sizeof *c->streams);
    }
    c->streams[c->nstreams++] = s;
    mark_dirty(c);
}

static void remove_stream_at(sconn_t *c, int i) {
    free(c->streams[i]->buf);
    free(c->streams[i]);
    memmove(&c->streams[i], &c->streams[i + 1], (size_t)(c->nstreams - i - 1) * sizeof *c->streams);
    c->nstreams--;
    if (c->cur > i) c->cur--;
    if (c->cur >= c->nstreams) c->cur = 0;
}

/* Stops a stream: at once if it is at a frame boundary, else after its current frame. */
static void stop_stream(sconn_t *c, int i) {
    stream_t *s = c->streams[i];
    if (i == c->cur && s->off % s->fsize != 0) s->stopping = 1;
    else remove_stream_at(c, i);
}

/* Writes control frames and stream frames (never splitting a frame by another). */
static void sc_write(sconn_t *c) {
    size_t budget = 4u << 20;
    while (c->fd >= 0 && budget > 0) {
        struct iovec iov[3];
        int kind[3], n = 0;
        size_t total = 0;
        stream_t *s = c->nstreams ? c->streams[c->cur] : NULL;
        size_t part = 0;
        if (s && s->off % s->fsize) {
            part = s->fsize - s->off % s->fsize;
            iov[n] = (struct iovec){s->buf + s->off, part};
            kind[n++] = 0;
        }
        if (c->out.len > c->out.off) {
            iov[n] = (struct iovec){c->out.data + c->out.off, c->out.len - c->out.off};
            kind[n++] = 1;
        }
        if (s && !s->stopping && s->off + part < s->buflen) {
            iov[n] = (struct iovec){s->buf + s->off + part, s->buflen - s->off - part};
            kind[n++] = 2;
        }
        if (!n) break;
        for (int i = 0; i < n; i++) total += iov[i].iov_len;
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                set_out(c, 1);
                return;
            }
            sc_close(c);
            return;
        }
        size_t left = (size_t)w;
        budget = left >= budget ? 0 : budget - left;
        for (int i = 0; i < n && left; i++) {
            size_t k = left < iov[i].iov_len ? left : iov[i].iov_len;
            if (kind[i] == 1) c->out.off += k;
            else s->off += k;
            left -= k;
        }
        if (c->out.off == c->out.len) c->out.off = c->out.len = 0;
        if (s) {
            if (s->off == s->buflen) s->off = 0;
            if (s->off % s->fsize == 0) {
                if (s->stopping) remove_stream_at(c, c->cur);
                else if (s->off == 0 && c->nstreams > 1) c->cur = (c->cur + 1) % c->nstreams;
            }
        }
        if ((size_t)w < total) {
            set_out(c, 1);
            return;
        }
    }
    if (c->fd < 0) return;
    int pending = c->out.len > c->out.off || c->nstreams > 0;
    if (!pending && c->closing) {
        sc_close(c);
        return;
    }
    set_out(c, pending);
}

/* The text argument of a mutation: text: "..." (GraphQL string), JSON-escaped into out. */
static void mutation_text(const char *q, buf_t *out) {
    const char *p = strstr(q, "text:");
    if (!p) return;
    p += 5;
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    if (*p != '"') return;
    const char *s = ++p;
    while (*p && *p != '"') p += (*p == '\\' && p[1]) ? 2 : 1;
    char *tmp = xrealloc(NULL, (size_t)(p - s) + 1);
    size_t n = json_unescape(s, (size_t)(p - s), tmp);
    json_escape_append(out, tmp, n);
    free(tmp);
}

static void publish(const char *query) {
    buf_t text = {0};
    mutation_text(query, &text);
    buf_t payload = {0};
    BUF_LIT(&payload, "{\"data\":{\"messages\":{\"text\":\"");
    buf_append(&payload, text.data, text.len);
    BUF_LIT(&payload, "\"}}}");
    for (size_t i = 0; i < g_nsubs; i++) {
        sub_t *s = &g_subs[i];
        if (s->c->fd >= 0) send_result(s->c, s->id, s->idn, (const char *)payload.data, payload.len);
    }
    buf_free(&text);
    buf_free(&payload);
}

static void on_operation(sconn_t *c, const jval_t *id, const jval_t *payload) {
    if (!id->p || !id->is_str || id->n == 0 || id->n >= MAX_ID) {
        ws_text(c, "{\"type\":\"error\",\"payload\":[{\"message\":\"bad id\"}]}");
        return;
    }
    static const char *const keys[] = {"query"};
    jval_t qv;
    char *query;
    if (!payload->p || json_scan(payload->p, payload->n, keys, 1, &qv) < 1 || !qv.is_str) {
        query = calloc(1, 1);
    } else {
        query = xrealloc(NULL, qv.n + 1);
        json_unescape(qv.p, qv.n, query);
    }
    const char *q = query;
    while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r') q++;
    if (strstr(q, "counter(n: 1)")) {
        static const char d[] = "{\"data\":{\"counter\":0}}";
        send_result(c, id->p, id->n, d, sizeof d - 1);
        send_complete(c, id->p, id->n);
    } else if (strncmp(q, "mutation", 8) == 0) {
        publish(q);
        static const char d[] = "{\"data\":{\"post\":{\"id\":\"1\"}}}";
        send_result(c, id->p, id->n, d, sizeof d - 1);
        send_complete(c, id->p, id->n);
    } else if (strncmp(q, "query", 5) == 0 || q[0] == '{') {
        static const char d[] = "{\"data\":{\"hello\":\"Hello world\"}}";
        send_result(c, id->p, id->n, d, sizeof d - 1);
        send_complete(c, id->p, id->n);
    } else if (strstr(q, "messages")) {
        if (g_nsubs == g_capsubs) {
            g_capsubs = g_capsubs ? g_capsubs * 2 : 1024;
            g_subs = xrealloc(g_subs, g_capsubs * sizeof *g_subs);
        }
        sub_t *s = &g_subs[g_nsubs++];
        s->c = c;
        memcpy(s->id, id->p, id->n);
        s->idn = id->n;
    } else {
        start_stream(c, id->p, id->n);
    }
    free(query);
}

static void on_stop(sconn_t *c, const jval_t *id) {
    if (!id->p || !id->is_str) return;
    for (int i = 0; i < c->nstreams; i++)
        if (c->streams[i]->idn == id->n && memcmp(c->streams[i]->id, id->p, id->n) == 0) {
            stop_stream(c, i);
            break;
        }
    remove_subs_of(c, id->p, id->n);
    if (c->proto == P_GWS) send_complete(c, id->p, id->n);
}

static void start_closing(sconn_t *c) {
    for (int i = c->nstreams - 1; i >= 0; i--) stop_stream(c, i);
    remove_subs_of(c, NULL, 0);
    c->closing = 1;
    mark_dirty(c);
}

static void on_message(sconn_t *c, const char *m, size_t n) {
    static const char *const keys[] = {"type", "id", "payload"};
    jval_t v[3];
    if (json_scan(m, n, keys, 3, v) < 1 || !v[0].is_str) return;
    if (jval_is(&v[0], "connection_init")) ws_text(c, "{\"type\":\"connection_ack\"}");
    else if (jval_is(&v[0], "ping")) ws_text(c, "{\"type\":\"pong\"}");
    else if (jval_is(&v[0], "subscribe") || jval_is(&v[0], "start")) on_operation(c, &v[1], &v[2]);
    else if (jval_is(&v[0], "complete") || jval_is(&v[0], "stop")) on_stop(c, &v[1]);
    else if (jval_is(&v[0], "connection_terminate")) start_closing(c);
}

static void on_frame(sconn_t *c, int b0, uint8_t *p, size_t n) {
    int op = b0 & 0x0f, fin = b0 & 0x80;
    switch (op) {
    case 1:
    case 2:
        if (fin) on_message(c, (const char *)p, n);
        else {
            c->frag.off = c->frag.len = 0;
            buf_append(&c->frag, p, n);
            c->in_frag = 1;
        }
        break;
    case 0:
        if (!c->in_frag) break;
        buf_append(&c->frag, p, n);
        if (fin) {
            c->in_frag = 0;
            on_message(c, (const char *)c->frag.data, c->frag.len);
            c->frag.len = 0;
        }
        break;
    case 8:
        if (!c->closing) {
            ws_frame(c, 8, p, n >= 2 ? 2 : 0);
            start_closing(c);
        }
        break;
    case 9: ws_frame(c, 10, p, n); break;
    default: break;
    }
}

static void on_http(sconn_t *c) {
    const char *s = (const char *)c->in.data + c->in.off;
    size_t n = c->in.len - c->in.off;
    const char *e = memmem(s, n, "\r\n\r\n", 4);
    if (!e) {
        if (n > 65536) sc_close(c);
        return;
    }
    c->in.off += (size_t)(e + 4 - s);
    const char *hs = memchr(s, '\n', (size_t)(e - s)), *key, *protos;
    size_t keyn, protosn;
    const char *chosen = NULL;
    if (hs && http_header(hs + 1, e + 2, "Sec-WebSocket-Protocol", &protos, &protosn)) {
        /* graphql-transport-ws if offered, else graphql-ws */
        int tws = 0, gws = 0;
        const char *p = protos, *pe = protos + protosn;
        while (p < pe) {
            while (p < pe && (*p == ' ' || *p == ',')) p++;
            const char *t = p;
            while (p < pe && *p != ',' && *p != ' ') p++;
            if ((size_t)(p - t) == 20 && memcmp(t, "graphql-transport-ws", 20) == 0) tws = 1;
            if ((size_t)(p - t) == 10 && memcmp(t, "graphql-ws", 10) == 0) gws = 1;
        }
        chosen = tws ? "graphql-transport-ws" : gws ? "graphql-ws" : NULL;
    }
    if (strncmp(s, "GET ", 4) != 0 || !chosen || !http_header(hs + 1, e + 2, "Sec-WebSocket-Key", &key, &keyn) ||
        keyn > 100) {
        static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        buf_append(&c->out, bad, sizeof bad - 1);
        c->closing = 1;
        mark_dirty(c);
        return;
    }
    char cat[200], acc[40];
    uint8_t dig[20];
    memcpy(cat, key, keyn);
    memcpy(cat + keyn, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    sha1((const uint8_t *)cat, keyn + 36, dig);
    base64_encode(dig, 20, acc);
    char resp[400];
    int rn = snprintf(resp, sizeof resp,
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
                      acc, chosen);
    buf_append(&c->out, resp, (size_t)rn);
    c->proto = strlen(chosen) == 20 ? P_TWS : P_GWS;
    c->state = C_WS;
    mark_dirty(c);
}

static void parse_frames(sconn_t *c) {
    while (c->fd >= 0 && !c->closing) {
        size_t avail = c->in.len - c->in.off;
        uint8_t *p = c->in.data + c->in.off;
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
        if (len > (64u << 20)) {
            sc_close(c);
            return;
        }
        if (avail < hl + len) break;
        uint8_t *pl = p + hl;
        if (masked)
            for (uint64_t i = 0; i < len; i++) pl[i] ^= p[hl - 4 + (i & 3)];
        c->in.off += hl + (size_t)len;
        on_frame(c, p[0], pl, (size_t)len);
    }
}

static void sc_read(sconn_t *c) {
    uint8_t *w = buf_reserve(&c->in, 16384);
    ssize_t k = recv(c->fd, w, c->in.cap - c->in.len, 0);
    if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        sc_close(c);
        return;
    }
    if (k < 0) return;
    c->in.len += (size_t)k;
    if (c->state == C_HTTP) on_http(c);
    if (c->fd >= 0 && c->state == C_WS) parse_frames(c);
    if (c->closing) c->in.off = c->in.len; /* ignore the rest */
}

static void on_accept(void) {
    for (;;) {
        int fd = accept4(g_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) { /* shed one connection to keep going */
                if (g_spare >= 0) {
                    close(g_spare);
                    fd = accept(g_listen, NULL, NULL);
                    if (fd >= 0) close(fd);
                    g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
                }
                fprintf(stderr, "trivial-server: out of file descriptors\n");
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sconn_t *c = calloc(1, sizeof *c);
        if (!c) exit(3);
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

int main(int argc, char **argv) {
    int port = 0;
    static const struct option opts[] = {{"port", 1, 0, 'p'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        if (o == 'p') port = atoi(optarg);
        else {
            fprintf(o == 'h' ? stdout : stderr, "usage: trivial-server --port P (0 picks a free port)\n");
            return o == 'h' ? 0 : 2;
        }
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    g_listen = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(g_listen, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(g_listen, (struct sockaddr *)&a, sizeof a) < 0 || listen(g_listen, 65535) < 0 ||
        getsockname(g_listen, (struct sockaddr *)&a, &al) < 0) {
        perror("trivial-server: bind/listen");
        return 1;
    }
    g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    g_ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(g_ep, EPOLL_CTL_ADD, g_listen, &lev);
    printf("LISTENING %d\n", ntohs(a.sin_port));
    fflush(stdout);
    struct epoll_event evs[512];
    for (;;) {
        int n = epoll_wait(g_ep, evs, 512, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            sconn_t *c = evs[i].data.ptr;
            if (!c) {
                on_accept();
                continue;
            }
            if (c->fd < 0) continue;
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) sc_read(c);
            if (c->fd >= 0 && (evs[i].events & EPOLLOUT)) sc_write(c);
        }
        for (size_t i = 0; i < g_ndirty; i++) {
            sconn_t *c = g_dirty[i];
            c->dirty = 0;
            if (c->fd >= 0) sc_write(c);
        }
        g_ndirty = 0;
        while (g_dead) {
            sconn_t *c = g_dead;
            g_dead = c->next_dead;
            sc_free(c);
        }
    }
}

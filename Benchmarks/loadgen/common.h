/* Shared helpers for loadgen.c and trivial-server.c: clocks, growable buffers, a top-level JSON
 * object scanner, JSON string escaping, base64 and SHA-1. Header-only (static functions). */
#ifndef LOADGEN_COMMON_H
#define LOADGEN_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define UNUSED __attribute__((unused))

static UNUSED uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static UNUSED double now_s(void) { return (double)now_ns() / 1e9; }

static UNUSED void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(3);
    }
    return q;
}

/* A growable byte buffer: data[off..len) is pending. */
typedef struct {
    uint8_t *data;
    size_t len, off, cap;
} buf_t;

/* Makes room for `extra` more bytes at the end; returns the write position. */
static UNUSED uint8_t *buf_reserve(buf_t *b, size_t extra) {
    if (b->off == b->len) b->off = b->len = 0;
    if (b->len + extra > b->cap) {
        if (b->off > 0 && b->len - b->off + extra <= b->cap) {
            memmove(b->data, b->data + b->off, b->len - b->off);
            b->len -= b->off;
            b->off = 0;
        } else {
            size_t cap = b->cap ? b->cap : 1024;
            while (cap < b->len + extra) cap *= 2;
            b->data = xrealloc(b->data, cap);
            b->cap = cap;
        }
    }
    return b->data + b->len;
}

static UNUSED void buf_append(buf_t *b, const void *p, size_t n) {
    memcpy(buf_reserve(b, n), p, n);
    b->len += n;
}

static UNUSED void buf_free(buf_t *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- JSON ---- */

typedef struct {
    const char *p; /* for strings: the raw contents between the quotes (escapes kept) */
    size_t n;
    int is_str;
} jval_t;

static inline const char *json_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* p points just after an opening quote; returns the position of the closing quote, or NULL. */
static inline const char *json_str_end(const char *p, const char *e) {
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) return NULL;
        /* An odd number of backslashes before the quote escapes it. */
        const char *b = q;
        while (b > p && b[-1] == '\\') b--;
        if (((q - b) & 1) == 0) return q;
        p = q + 1;
    }
}

/* Skips one JSON value starting at p; returns the position after it, or NULL if malformed. */
static const char *json_skip_value(const char *p, const char *e) {
    if (p >= e) return NULL;
    if (*p == '"') {
        const char *q = json_str_end(p + 1, e);
        return q ? q + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < e) {
            char c = *p;
            if (c == '"') {
                const char *q = json_str_end(p + 1, e);
                if (!q) return NULL;
                p = q + 1;
                continue;
            }
            if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return NULL;
    }
    /* number, true, false, null */
    while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' &&
           *p != '\r')
        p++;
    return p;
}

/* Scans the members of the top-level JSON object in [p, p+n) and fills out[i] with the value of
 * key keys[i] (raw; strings without their quotes). Only top-level keys are considered: nested
 * objects, arrays and strings are skipped. Stops as soon as every key is found. Returns the number
 * of keys found, or -1 if the text is not a JSON object (up to the point scanned). */
static UNUSED int json_scan(const char *p, size_t n, const char *const *keys, int nkeys, jval_t *out) {
    const char *e = p + n;
    int found = 0;
    size_t klen[8];
    for (int i = 0; i < nkeys; i++) {
        out[i].p = NULL;
        out[i].n = 0;
        out[i].is_str = 0;
        klen[i] = strlen(keys[i]);
    }
    p = json_ws(p, e);
    if (p >= e || *p != '{') return -1;
    p = json_ws(p + 1, e);
    if (p < e && *p == '}') return 0;
    while (p < e) {
        if (*p != '"') return -1;
        const char *ks = p + 1, *ke = json_str_end(ks, e);
        if (!ke) return -1;
        p = json_ws(ke + 1, e);
        if (p >= e || *p != ':') return -1;
        p = json_ws(p + 1, e);
        if (p >= e) return -1;
        int which = -1;
        for (int i = 0; i < nkeys; i++)
            if ((size_t)(ke - ks) == klen[i] && !out[i].p && memcmp(ks, keys[i], klen[i]) == 0) {
                which = i;
                break;
            }
        const char *v = p;
        p = json_skip_value(p, e);
        if (!p) return -1;
        if (which >= 0) {
            if (*v == '"') {
                out[which].p = v + 1;
                out[which].n = (size_t)(p - v - 2);
                out[which].is_str = 1;
            } else {
                out[which].p = v;
                out[which].n = (size_t)(p - v);
            }
            if (++found == nkeys) return found;
        }
        p = json_ws(p, e);
        if (p >= e) return -1;
        if (*p == '}') return found;
        if (*p != ',') return -1;
        p = json_ws(p + 1, e);
    }
    return -1;
}

static UNUSED int jval_is(const jval_t *v, const char *s) {
    size_t n = strlen(s);
    return v->p && v->is_str && v->n == n && memcmp(v->p, s, n) == 0;
}

/* Appends s as JSON string contents (without quotes). */
static UNUSED void json_escape_append(buf_t *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char t[2] = {'\\', (char)c};
            buf_append(b, t, 2);
        } else if (c == '\n') {
            buf_append(b, "\\n", 2);
        } else if (c == '\r') {
            buf_append(b, "\\r", 2);
        } else if (c == '\t') {
            buf_append(b, "\\t", 2);
        } else if (c < 0x20) {
            char t[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, t, 6);
        } else {
            buf_append(b, &s[i], 1);
        }
    }
}

/* Unescapes raw JSON string contents into dst (at least n+1 bytes); \uXXXX becomes UTF-8.
 * Returns the length. */
static UNUSED size_t json_unescape(const char *s, size_t n, char *dst) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 >= n) {
            dst[o++] = c;
            continue;
        }
        c = s[++i];
        switch (c) {
        case 'n': dst[o++] = '\n'; break;
        case 'r': dst[o++] = '\r'; break;
        case 't': dst[o++] = '\t'; break;
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'u':
            if (i + 4 < n) {
                unsigned cp = 0;
                for (int k = 1; k <= 4; k++) {
                    char h = s[i + k];
                    cp = cp * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                i += 4;
                if (cp < 0x80) dst[o++] = (char)cp;
                else if (cp < 0x800) {
                    dst[o++] = (char)(0xC0 | (cp >> 6));
                    dst[o++] = (char)(0x80 | (cp & 63));
                } else {
                    dst[o++] = (char)(0xE0 | (cp >> 12));
                    dst[o++] = (char)(0x80 | ((cp >> 6) & 63));
                    dst[o++] = (char)(0x80 | (cp & 63));
                }
            }
            break;
        default: dst[o++] = c; break; /* " \ / */
        }
    }
    dst[o] = 0;
    return o;
}

/* ---- base64 ---- */

static UNUSED size_t base64_encode(const uint8_t *in, size_t n, char *out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = t[v >> 18];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = t[(v >> 6) & 63];
        out[o++] = t[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = t[v >> 18];
        out[o++] = t[(v >> 12) & 63];
        out[o++] = i + 1 < n ? t[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = 0;
    return o;
}

/* ---- SHA-1 (only for Sec-WebSocket-Accept) ---- */

static UNUSED void sha1(const uint8_t *msg, size_t len, uint8_t out[20]) {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t total = ((len + 8) / 64 + 1) * 64;
    uint8_t *m = calloc(total, 1);
    if (!m) exit(3);
    memcpy(m, msg, len);
    m[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) m[total - 1 - i] = (uint8_t)(bits >> (8 * i));
#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
    for (size_t c = 0; c < total; c += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)m[c + 4 * i] << 24 | (uint32_t)m[c + 4 * i + 1] << 16 |
                   (uint32_t)m[c + 4 * i + 2] << 8 | m[c + 4 * i + 3];
        for (int i = 16; i < 80; i++) w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h[0], b = h[1], cc = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (b & cc) | (~b & d); k = 0x5A827999; }
            else if (i < 40) { f = b ^ cc ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (b & cc) | (b & d) | (cc & d); k = 0x8F1BBCDC; }
            else { f = b ^ cc ^ d; k = 0xCA62C1D6; }
            uint32_t t = ROL(a, 5) + f + e + k + w[i];
            e = d; d = cc; cc = ROL(b, 30); b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += cc; h[3] += d; h[4] += e;
    }
#undef ROL
    free(m);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

/* Case-insensitive search for an HTTP header in [hs, he) (the header block, after the first line);
 * returns its trimmed value in v and vn. */
static UNUSED int http_header(const char *hs, const char *he, const char *name, const char **v, size_t *vn) {
    size_t nl = strlen(name);
    const char *p = hs;
    while (p < he) {
        const char *eol = memchr(p, '\n', (size_t)(he - p));
        if (!eol) eol = he;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon && (size_t)(colon - p) == nl && strncasecmp(p, name, nl) == 0) {
            const char *s = colon + 1, *t = eol;
            while (s < t && (*s == ' ' || *s == '\t')) s++;
            while (t > s && (t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t')) t--;
            *v = s;
            *vn = (size_t)(t - s);
            return 1;
        }
        p = eol + 1;
    }
    return 0;
}

#endif

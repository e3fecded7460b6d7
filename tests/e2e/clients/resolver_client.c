/* A client of the C library's stub resolver, built twice by test_client_matrix.py: with glibc
 * (cc ... -lresolv) and with musl (musl-gcc -static).
 *
 * Usage: resolver_client OP NAME
 *   host  getaddrinfo(NAME, AF_INET): the search list and nsswitch apply
 *   host6 getaddrinfo(NAME, AF_INET6)
 *   a     res_query(NAME, A)      aaaa  res_query(NAME, AAAA)      srv  res_query(NAME, SRV)
 *
 * Prints one status line, then one item per line (an address; for SRV "PORT TARGET", the
 * target in lower case without the final dot):
 *   OK | NXDOMAIN | NODATA | NOTFOUND (no address, the API does not tell which) | TEMPFAIL | ERROR text
 * and on stderr what the reply looked like (the TC bit and answer count of res_query's reply). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int lookup_host(const char *name, int family) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM; /* one entry per address */
  int rc = getaddrinfo(name, NULL, &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "getaddrinfo: %d %s\n", rc, gai_strerror(rc));
    switch (rc) {
      case EAI_NONAME: puts("NOTFOUND"); break;
#ifdef EAI_NODATA
      case EAI_NODATA: puts("NODATA"); break;
#endif
      case EAI_AGAIN: puts("TEMPFAIL"); break;
      default: printf("ERROR getaddrinfo: %s\n", gai_strerror(rc)); break;
    }
    return 0;
  }
  puts("OK");
  for (struct addrinfo *p = res; p != NULL; p = p->ai_next) {
    char text[INET6_ADDRSTRLEN];
    const void *addr = p->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
                                                : (const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
    if (inet_ntop(p->ai_family, addr, text, sizeof text) != NULL) puts(text);
  }
  freeaddrinfo(res);
  return 0;
}

static unsigned char reply[65536];

static int query(const char *name, int type) {
  if (res_init() != 0) {
    puts("ERROR res_init failed");
    return 0;
  }
  int len = res_query(name, ns_c_in, type, reply, sizeof reply);
  if (len < 0) {
    fprintf(stderr, "res_query: h_errno %d\n", h_errno);
    switch (h_errno) {
      case HOST_NOT_FOUND: puts("NXDOMAIN"); break;
      case NO_DATA: puts("NODATA"); break;
      case TRY_AGAIN: puts("TEMPFAIL"); break;
      default: printf("ERROR res_query: h_errno %d\n", h_errno); break;
    }
    return 0;
  }
  if (len > (int)sizeof reply) len = sizeof reply; /* glibc returns the whole length when it did not fit */
  ns_msg msg;
  if (ns_initparse(reply, len, &msg) != 0) {
    puts("ERROR the reply does not parse (ns_initparse)");
    return 0;
  }
  int count = ns_msg_count(msg, ns_s_an);
  fprintf(stderr, "reply: %d bytes, tc=%d, answers=%d\n", len, (reply[2] & 0x02) != 0, count);
  puts("OK");
  for (int i = 0; i < count; i++) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
      printf("ERROR answer record %d does not parse (ns_parserr)\n", i);
      return 0;
    }
    if ((int)ns_rr_type(rr) != type) continue;
    const unsigned char *rd = ns_rr_rdata(rr);
    char text[NS_MAXDNAME];
    if (type == ns_t_a && ns_rr_rdlen(rr) == 4) {
      inet_ntop(AF_INET, rd, text, sizeof text);
      puts(text);
    } else if (type == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
      inet_ntop(AF_INET6, rd, text, sizeof text);
      puts(text);
    } else if (type == ns_t_srv && ns_rr_rdlen(rr) > 6) {
      unsigned port = (unsigned)rd[4] << 8 | rd[5];
      if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, text, sizeof text) < 0) {
        printf("ERROR SRV target of record %d does not expand\n", i);
        return 0;
      }
      for (char *c = text; *c; c++) *c = (char)tolower((unsigned char)*c);
      printf("%u %s\n", port, text);
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s host|host6|a|aaaa|srv NAME\n", argv[0]);
    return 2;
  }
  const char *op = argv[1], *name = argv[2];
  if (strcmp(op, "host") == 0) return lookup_host(name, AF_INET);
  if (strcmp(op, "host6") == 0) return lookup_host(name, AF_INET6);
  if (strcmp(op, "a") == 0) return query(name, ns_t_a);
  if (strcmp(op, "aaaa") == 0) return query(name, ns_t_aaaa);
  if (strcmp(op, "srv") == 0) return query(name, ns_t_srv);
  fprintf(stderr, "unknown operation %s\n", op);
  return 2;
}

// A client of Go's resolver, built by test_client_matrix.py twice: CGO_ENABLED=0 (run with
// GODEBUG=netdns=go, the pure Go resolver) and CGO_ENABLED=1 (run with GODEBUG=netdns=cgo:
// host lookups through the C library's getaddrinfo; Go does SRV lookups itself either way).
//
// Usage: go_client OP NAME
//
//	host  net.LookupHost (IPv4 results)   a  LookupIP("ip4")   aaaa  LookupIP("ip6")
//	srv   net.LookupSRV("", "", NAME)
//
// Prints one status line, then one item per line (an address; for SRV "PORT TARGET", lower
// case, no final dot): OK | NOTFOUND | TEMPFAIL | TIMEOUT | ERROR text.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go_client host|a|aaaa|srv NAME")
		os.Exit(2)
	}
	op, name := os.Args[1], os.Args[2]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := net.DefaultResolver
	var items []string
	var err error
	switch op {
	case "host":
		var addrs []string
		addrs, err = r.LookupHost(ctx, name)
		for _, a := range addrs {
			if ip := net.ParseIP(a); ip != nil && ip.To4() != nil {
				items = append(items, a)
			}
		}
	case "a", "aaaa":
		network := map[string]string{"a": "ip4", "aaaa": "ip6"}[op]
		var ips []net.IP
		ips, err = r.LookupIP(ctx, network, name)
		for _, ip := range ips {
			items = append(items, ip.String())
		}
	case "srv":
		var srvs []*net.SRV
		_, srvs, err = r.LookupSRV(ctx, "", "", name)
		for _, s := range srvs {
			items = append(items, fmt.Sprintf("%d %s", s.Port, strings.ToLower(strings.TrimSuffix(s.Target, "."))))
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown operation", op)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		var dnsErr *net.DNSError
		var addrErr *net.AddrError
		switch {
		case errors.As(err, &addrErr) && strings.Contains(addrErr.Err, "no suitable address"):
			// The cgo resolver asks getaddrinfo for every address, then keeps those of the
			// network asked for: none.
			fmt.Println("NOTFOUND")
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			fmt.Println("NOTFOUND")
		case errors.As(err, &dnsErr) && dnsErr.IsTimeout:
			fmt.Println("TIMEOUT")
		case errors.As(err, &dnsErr) && dnsErr.IsTemporary:
			fmt.Println("TEMPFAIL")
		default:
			fmt.Println("ERROR", err)
		}
		return
	}
	fmt.Println("OK")
	for _, item := range items {
		fmt.Println(item)
	}
}

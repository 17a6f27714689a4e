package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr is the address of r's client: the peer's, or, when the peer
// is one of trusted (a proxy) and sends X-Forwarded-For, the nearest
// address in it that is not a proxy. An unparsable hop gives the zero
// Addr, which matches no allow-list.
func ClientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ip := peer(r)
	xff := r.Header.Values("X-Forwarded-For")
	if !InPrefixes(trusted, ip) || len(xff) == 0 {
		return ip.Unmap()
	}
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}
		}
		if ip = hop.Unmap(); !InPrefixes(trusted, ip) {
			return ip
		}
	}
	return ip
}

// FromTrustedProxy reports whether r's peer is one of trusted.
func FromTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	return InPrefixes(trusted, peer(r))
}

// peer is the address of r's peer; the zero Addr when RemoteAddr holds
// none, which lies in no prefix.
func peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, _ := netip.ParseAddr(host)
	return ip
}

// InPrefixes reports whether ip lies in one of prefixes.
func InPrefixes(prefixes []netip.Prefix, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Origin is the scheme and host r reached ("https://cdrhub.example"): the
// base of the absolute links an API answers. It trusts no forwarded
// header; a proxy is to pass the Host on.
func Origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

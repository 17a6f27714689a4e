package recordings

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Addresses a file is never fetched from unless AllowNetworks lists them:
// a record's URL is the tenant's to write, and must not make cdrhub read
// its own host, a cloud's metadata service or any other address that is
// not a host's on a network (private networks are allowed: PBXes live
// there).
var refusedNetworks = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // shared address space: Alibaba Cloud's metadata service, 100.100.100.200
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 of any of the above
}

// refused reports whether ip may not be dialed: loopback, link-local
// (169.254.169.254 and Tencent Cloud's 169.254.0.23 are metadata
// services), multicast, unspecified, or a refusedNetworks address, unless
// allow lists it.
func refused(ip netip.Addr, allow []netip.Prefix) bool {
	ip = ip.Unmap()
	for _, p := range allow {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() || ip == netip.IPv4Unspecified() {
		return true
	}
	for _, p := range refusedNetworks {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// dialControl refuses, after name resolution and for every address tried
// (so a name that resolves to a refused address, or a redirect to one, is
// refused too), the addresses refused refuses.
func dialControl(allow []netip.Prefix) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return newError(ReasonAddress, "dialing "+address, err)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || refused(ip, allow) {
			return newError(ReasonAddress, fmt.Sprintf("%s is not fetched from (loopback, link-local or reserved; recordings.allow_networks admits it)", host), nil)
		}
		return nil
	}
}

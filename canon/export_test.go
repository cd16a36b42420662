package canon

// URLIPv4 exposes the IPv4 reading of a URL host to the section I vectors.
var URLIPv4 = urlIPv4

// ParseIPv6 exposes the IPv6 parser to the differential test.
func ParseIPv6(s string) ([16]byte, bool) { return parseIPv6(s) }

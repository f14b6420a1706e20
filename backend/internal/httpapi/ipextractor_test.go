package httpapi

import (
	"net/http/httptest"
	"testing"
)

// The address the rate limiter keys on must be one the client cannot choose
// (GO-2026-6872): X-Forwarded-For counts only when it was added by one of the
// configured proxies, and a private or loopback peer is not a proxy unless it
// is listed.
func TestClientAddressCannotBeSpoofedWithXForwardedFor(t *testing.T) {
	cases := []struct {
		name    string
		trusted []string
		peer    string
		xff     string
		want    string
	}{
		{"no proxy configured: the peer, header ignored", nil, "203.0.113.9:5000", "198.51.100.1", "203.0.113.9"},
		{"no proxy configured, loopback peer", nil, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"configured proxy: the client it saw", []string{"10.0.0.1/32"}, "10.0.0.1:5000", "198.51.100.1", "198.51.100.1"},
		{"configured proxy: a forged hop before it is not believed", []string{"10.0.0.1/32"}, "10.0.0.1:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"private peer that is not a listed proxy", []string{"10.0.0.1/32"}, "192.168.1.7:5000", "198.51.100.1", "192.168.1.7"},
		{"a neighbour of the listed proxy", []string{"10.0.0.1/32"}, "10.0.0.2:5000", "198.51.100.1", "10.0.0.2"},
		{"loopback peer that is not a listed proxy", []string{"10.0.0.1/32"}, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"link-local peer that is not a listed proxy", []string{"10.0.0.1/32"}, "[fe80::1]:5000", "198.51.100.1", "fe80::1"},
		{"two listed proxies in a row", []string{"10.0.0.0/30"}, "10.0.0.1:5000", "198.51.100.1, 10.0.0.2", "198.51.100.1"},
		{"unparsable hop: the peer", []string{"10.0.0.1/32"}, "10.0.0.1:5000", "not-an-ip", "10.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/health", nil)
			req.RemoteAddr = tc.peer
			req.Header.Set("X-Forwarded-For", tc.xff)
			req.Header.Set("X-Real-IP", "6.6.6.6")
			if got := ipExtractor(tc.trusted)(req); got != tc.want {
				t.Errorf("client address = %q, want %q", got, tc.want)
			}
		})
	}
}

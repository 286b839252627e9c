package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"strings"

	"github.com/gin-gonic/gin"
)

// scope is what a key may do.
type scope int

const (
	scopeNone  scope = iota // no key, or no valid one
	scopeRead               // search, ask, similar, items, issues
	scopeAdmin              // everything, ingest and delete included
)

const ctxCaller = "caller"

// keyring holds the configured keys as SHA-256 digests, so that comparing
// a presented key takes the same time whatever its length and prefix.
type keyring struct {
	admin *[32]byte
	read  [][32]byte
}

func newKeyring(admin string, read []string) keyring {
	var k keyring
	if admin != "" {
		d := sha256.Sum256([]byte(admin))
		k.admin = &d
	}
	for _, r := range read {
		if r = strings.TrimSpace(r); r != "" {
			k.read = append(k.read, sha256.Sum256([]byte(r)))
		}
	}
	return k
}

// lookup returns the scope of a presented key. Every configured key is
// compared, in constant time, whatever matches.
func (k keyring) lookup(key string) scope {
	d := sha256.Sum256([]byte(key))
	found := scopeNone
	if k.admin != nil && subtle.ConstantTimeCompare(d[:], k.admin[:]) == 1 {
		found = scopeAdmin
	}
	for _, r := range k.read {
		if subtle.ConstantTimeCompare(d[:], r[:]) == 1 && found == scopeNone {
			found = scopeRead
		}
	}
	return found
}

var (
	errNoKey    = &apiError{kind: kindUnauthorized, detail: "send a key as Authorization: Bearer <key>"}
	errBadKey   = &apiError{kind: kindUnauthorized, detail: "the key is not valid"}
	errReadOnly = &apiError{kind: kindForbidden, detail: "this route needs the admin key; this key is a read key"}
	errRemote   = &apiError{kind: kindForbidden, detail: "no admin key is configured, so changes are accepted from this machine only (loopback); set VEILLE_ADMIN_KEY"}
)

// bearer returns the key of an Authorization: Bearer header, and whether
// the header was there at all.
func bearer(c *gin.Context) (key string, present bool) {
	h := c.GetHeader("Authorization")
	if h == "" {
		return "", false
	}
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(key), true
}

// requireRead lets a request through when reads are open (no read key is
// configured) or it carries a read or admin key.
func (s *Server) requireRead(c *gin.Context) {
	key, present := bearer(c)
	sc := s.keys.lookup(key)
	switch {
	case present && sc == scopeNone && (len(s.keys.read) > 0 || s.keys.admin != nil):
		s.fail(c, errBadKey)
		return
	case len(s.keys.read) > 0 && !present:
		s.fail(c, errNoKey)
		return
	}
	s.setCaller(c, key, sc)
	c.Next()
}

// requireAdmin lets a request through with the admin key or, when none is
// configured, from a loopback client.
func (s *Server) requireAdmin(c *gin.Context) {
	key, present := bearer(c)
	sc := s.keys.lookup(key)
	if s.keys.admin == nil {
		if !loopback(c.Request.RemoteAddr) {
			s.fail(c, errRemote)
			return
		}
		s.setCaller(c, key, sc)
		c.Next()
		return
	}
	switch {
	case !present:
		s.fail(c, errNoKey)
	case sc == scopeNone:
		s.fail(c, errBadKey)
	case sc == scopeRead:
		s.fail(c, errReadOnly)
	default:
		s.setCaller(c, key, sc)
		c.Next()
	}
}

// setCaller records who the request counts against for rate limits: the
// key's digest when it has a valid one, else the client address.
func (s *Server) setCaller(c *gin.Context, key string, sc scope) {
	if sc != scopeNone {
		d := sha256.Sum256([]byte(key))
		c.Set(ctxCaller, "key:"+string(d[:8]))
		return
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		host = c.Request.RemoteAddr
	}
	c.Set(ctxCaller, "ip:"+host)
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

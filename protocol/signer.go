package protocol

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// SignatureScheme is the only signature scheme goparallel accepts.
const SignatureScheme = "hmac-sha256"

// Errors returned when a message fails verification. They are sentinels so the
// sockets can count each kind of rejected message.
var (
	ErrBadSignature = errors.New("protocol: bad message signature")
	ErrReplayed     = errors.New("protocol: replayed message signature")
)

// Signer signs and verifies messages with HMAC-SHA256 over the header, parent header,
// metadata and content frames, as the Jupyter protocol specifies. An empty key means
// messages are neither signed nor checked. A Signer is safe for concurrent use.
type Signer struct {
	key  []byte
	pool sync.Pool
}

// NewSigner returns a signer for the given scheme and key. Only "hmac-sha256" (or an
// empty scheme with an empty key) is accepted.
func NewSigner(scheme string, key []byte) (*Signer, error) {
	if len(key) > 0 && scheme != SignatureScheme {
		return nil, fmt.Errorf("protocol: unsupported signature scheme %q (want %q)", scheme, SignatureScheme)
	}
	s := &Signer{key: append([]byte(nil), key...)}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s, nil
}

// Enabled reports whether messages are signed.
func (s *Signer) Enabled() bool { return s != nil && len(s.key) > 0 }

// Sign returns the hex signature of the four signed frames, or nil when signing is off.
func (s *Signer) Sign(header, parent, metadata, content []byte) []byte {
	if !s.Enabled() {
		return nil
	}
	h := s.pool.Get().(hash.Hash)
	defer s.pool.Put(h)
	h.Reset()
	h.Write(header)
	h.Write(parent)
	h.Write(metadata)
	h.Write(content)
	var sum [sha256.Size]byte
	out := make([]byte, hex.EncodedLen(sha256.Size))
	hex.Encode(out, h.Sum(sum[:0]))
	return out
}

// Verify checks sig against the four frames in constant time.
func (s *Signer) Verify(sig, header, parent, metadata, content []byte) error {
	if !s.Enabled() {
		return nil
	}
	want := s.Sign(header, parent, metadata, content)
	if !hmac.Equal(want, sig) {
		return ErrBadSignature
	}
	return nil
}

// ReplayGuard remembers the most recent signatures it has seen and rejects a
// signature seen before, so a captured message cannot be sent again. Memory is
// bounded: the oldest signatures are forgotten first. Safe for concurrent use.
type ReplayGuard struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string
	next int
}

// DefaultReplayWindow is how many signatures a ReplayGuard remembers by default,
// the same as jupyter_client's digest history.
const DefaultReplayWindow = 1 << 16

// NewReplayGuard returns a guard remembering up to window signatures.
func NewReplayGuard(window int) *ReplayGuard {
	if window <= 0 {
		window = DefaultReplayWindow
	}
	return &ReplayGuard{seen: make(map[string]struct{}, window), ring: make([]string, window)}
}

// Check records sig and returns ErrReplayed if it was seen before. Empty signatures
// (unsigned sessions) are not tracked.
func (g *ReplayGuard) Check(sig []byte) error {
	if g == nil || len(sig) == 0 {
		return nil
	}
	k := string(sig)
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.seen[k]; dup {
		return ErrReplayed
	}
	if old := g.ring[g.next]; old != "" {
		delete(g.seen, old)
	}
	g.ring[g.next] = k
	g.next = (g.next + 1) % len(g.ring)
	g.seen[k] = struct{}{}
	return nil
}

package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func mustCodec(t testing.TB, key string) *Codec {
	t.Helper()
	c, err := NewCodec(SignatureScheme, []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	c := mustCodec(t, "secret")
	parent := NewHeader("execute_request", "s1")
	m, err := NewMessage("execute_reply", "s1", &parent, ExecuteReply{Status: ReplyOK, ExecutionCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	m.Identities = [][]byte{[]byte("peer-a"), []byte("peer-b")}
	m.Buffers = [][]byte{{1, 2, 3}, {}}
	frames, err := c.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(frames); got != 2+6+2 {
		t.Fatalf("got %d frames, want 10", got)
	}
	if !bytes.Equal(frames[2], Delimiter) {
		t.Fatalf("frame 2 = %q, want delimiter", frames[2])
	}
	got, err := c.Decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header != m.Header || got.Parent != parent {
		t.Fatalf("headers differ: %+v / %+v", got.Header, got.Parent)
	}
	if len(got.Identities) != 2 || string(got.Identities[1]) != "peer-b" {
		t.Fatalf("identities = %q", got.Identities)
	}
	if len(got.Buffers) != 2 || !bytes.Equal(got.Buffers[0], []byte{1, 2, 3}) {
		t.Fatalf("buffers = %v", got.Buffers)
	}
	var reply ExecuteReply
	if err := got.DecodeContent(&reply); err != nil || reply.ExecutionCount != 3 || reply.Status != ReplyOK {
		t.Fatalf("content = %+v, %v", reply, err)
	}
}

func TestDecodeRejects(t *testing.T) {
	c := mustCodec(t, "secret")
	m, _ := NewMessage("kernel_info_request", "s", nil, nil)
	good, _ := c.Encode(m)
	clone := func() [][]byte {
		out := make([][]byte, len(good))
		for i := range good {
			out[i] = append([]byte(nil), good[i]...)
		}
		return out
	}
	tests := []struct {
		name   string
		frames func() [][]byte
		want   error
	}{
		{"no delimiter", func() [][]byte { f := clone(); return f[1:] }, ErrMalformed},
		{"truncated", func() [][]byte { return clone()[:4] }, ErrMalformed},
		{"bad signature", func() [][]byte { f := clone(); f[1][0] ^= 1; return f }, ErrBadSignature},
		{"missing signature", func() [][]byte { f := clone(); f[1] = nil; return f }, ErrBadSignature},
		{"tampered content", func() [][]byte { f := clone(); f[5] = []byte(`{"x":1}`); return f }, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Decode(tt.frames()); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("replay", func(t *testing.T) {
		c := mustCodec(t, "secret")
		if _, err := c.Decode(clone()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Decode(clone()); !errors.Is(err, ErrReplayed) {
			t.Fatalf("second decode err = %v, want ErrReplayed", err)
		}
	})
}

func TestDecodeInvalidJSONSigned(t *testing.T) {
	// A correctly signed message with broken JSON must still be rejected cleanly.
	c := mustCodec(t, "k")
	for _, bad := range [][4]string{
		{`{`, `{}`, `{}`, `{}`},
		{`{"msg_type":"x"}`, `[]`, `{}`, `{}`},
		{`{"msg_type":"x"}`, `{}`, `{}`, `[1]`},
		{`{"msg_type":""}`, `{}`, `{}`, `{}`},
	} {
		sig := c.Signer.Sign([]byte(bad[0]), []byte(bad[1]), []byte(bad[2]), []byte(bad[3]))
		frames := [][]byte{Delimiter, sig, []byte(bad[0]), []byte(bad[1]), []byte(bad[2]), []byte(bad[3])}
		if _, err := c.Decode(frames); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestUnsignedSession(t *testing.T) {
	c := mustCodec(t, "")
	m, _ := NewMessage("status", "s", nil, Status{ExecutionState: StatusIdle})
	frames, _ := c.Encode(m)
	if len(frames[1]) != 0 {
		t.Fatalf("unsigned message has signature %q", frames[1])
	}
	for i := 0; i < 2; i++ { // no replay tracking without a key
		if _, err := c.Decode(frames); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSignatureMatchesReference(t *testing.T) {
	// HMAC-SHA256("key", "abcd") as computed by Python: hmac.new(b"key", b"abcd", hashlib.sha256).
	s, _ := NewSigner(SignatureScheme, []byte("key"))
	got := string(s.Sign([]byte("a"), []byte("b"), []byte("c"), []byte("d")))
	const want = "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
	if got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestReplayGuardBounded(t *testing.T) {
	g := NewReplayGuard(2)
	for _, s := range []string{"a", "b", "c"} {
		if err := g.Check([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.seen) != 2 {
		t.Fatalf("guard holds %d signatures, want 2", len(g.seen))
	}
	if err := g.Check([]byte("a")); err != nil { // forgotten, so accepted again
		t.Fatalf("oldest signature still remembered: %v", err)
	}
	if err := g.Check([]byte("c")); !errors.Is(err, ErrReplayed) {
		t.Fatalf("recent signature accepted twice")
	}
}

func TestNewSignerRejectsScheme(t *testing.T) {
	if _, err := NewSigner("hmac-md5", []byte("k")); err == nil {
		t.Fatal("hmac-md5 accepted")
	}
}

func FuzzDecode(f *testing.F) {
	c := mustCodec(f, "")
	m, _ := NewMessage("execute_request", "s", nil, ExecuteRequest{Code: "1"})
	frames, _ := c.Encode(m)
	f.Add(bytes.Join(frames, []byte{0}))
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		frames := bytes.Split(data, []byte{0})
		msg, err := c.Decode(frames)
		if err != nil {
			return
		}
		if msg.Header.MsgType == "" || !json.Valid(msg.Content) || !json.Valid(msg.Metadata) {
			t.Fatalf("accepted an invalid message: %+v", msg)
		}
		// What decodes must encode again and decode to the same header.
		again, err := c.Encode(msg)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := c.Decode(again)
		if err != nil || m2.Header != msg.Header {
			t.Fatalf("re-decode: %v, %+v vs %+v", err, m2, msg.Header)
		}
	})
}

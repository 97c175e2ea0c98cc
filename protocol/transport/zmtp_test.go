package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"testing"
)

// stream is a valid ZMTP 3.x byte stream with what a parser must find in it.
type stream struct {
	data    []byte
	ends    []int    // offsets just past each message and command (and the greeting)
	headers []int    // offsets just past each frame header
	sizes   []uint64 // the sizes those headers announce
}

func greetingBytes() []byte {
	g := make([]byte, greetingLen)
	g[0], g[9], g[10], g[11] = 0xFF, 0x7F, 3, 0
	copy(g[12:], "NULL")
	return g
}

// appendFrame appends one frame, with a long header when it must or when long says.
func (s *stream) appendFrame(flags byte, body []byte, long bool) {
	if long || len(body) > 255 {
		s.data = append(s.data, flags|flagLong)
		s.data = binary.BigEndian.AppendUint64(s.data, uint64(len(body)))
	} else {
		s.data = append(s.data, flags, byte(len(body)))
	}
	s.headers = append(s.headers, len(s.data))
	s.sizes = append(s.sizes, uint64(len(body)))
	s.data = append(s.data, body...)
}

func randomSize(r *rand.Rand) int {
	switch r.IntN(10) {
	case 0:
		return 0
	case 1:
		return 255
	case 2:
		return 256
	case 3:
		return 256 + r.IntN(4096)
	case 4:
		if r.IntN(4) == 0 {
			return bigBody + r.IntN(2*bigBody)
		}
	}
	return r.IntN(256)
}

// genStream returns a greeting followed by n random messages and commands.
func genStream(r *rand.Rand, n int) stream {
	s := stream{data: greetingBytes(), ends: []int{greetingLen}}
	for range n {
		if r.IntN(5) == 0 {
			body := append([]byte("\x05READY"), make([]byte, randomSize(r))...)
			// A stray MORE bit on a command must not make it part of a message.
			s.appendFrame(flagCommand|byte(r.IntN(2)), body, r.IntN(4) == 0)
		} else {
			frames := 1 + r.IntN(8)
			for i := range frames {
				var more byte
				if i < frames-1 {
					more = flagMore
				}
				body := make([]byte, randomSize(r))
				for j := range body {
					body[j] = byte(r.Uint32())
				}
				s.appendFrame(more, body, r.IntN(8) == 0)
			}
		}
		s.ends = append(s.ends, len(s.data))
	}
	return s
}

// randomChunks splits b at random points, often near frame boundaries' sizes.
func randomChunks(r *rand.Rand, b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		var k int
		switch r.IntN(4) {
		case 0:
			k = 1 + r.IntN(3)
		case 1:
			k = 1 + r.IntN(16)
		case 2:
			k = 1 + r.IntN(300)
		default:
			k = 1 + r.IntN(3*bigBody)
		}
		k = min(k, len(b))
		out = append(out, b[:k])
		b = b[k:]
	}
	return out
}

type parsed struct {
	off  int
	ev   event
	size uint64
}

func parseAll(p *zmtpParser, chunks [][]byte) []parsed {
	var out []parsed
	off := 0
	for _, c := range chunks {
		for len(c) > 0 {
			n, ev := p.step(c)
			off += n
			c = c[n:]
			if ev != 0 {
				var size uint64
				if ev&evHeader != 0 {
					size = p.size
				}
				out = append(out, parsed{off, ev, size})
			}
		}
	}
	return out
}

func TestParserFindsGreetingHeadersAndMessages(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		s := genStream(r, 20)
		p := newZMTPParser()
		var ends, headers []int
		var sizes []uint64
		for _, e := range parseAll(&p, randomChunks(r, s.data)) {
			if e.ev&(evGreeting|evMessage) != 0 {
				ends = append(ends, e.off)
			}
			if e.ev&evHeader != 0 {
				headers = append(headers, e.off)
				sizes = append(sizes, e.size)
			}
		}
		if !slices.Equal(ends, s.ends) || !slices.Equal(headers, s.headers) || !slices.Equal(sizes, s.sizes) {
			t.Fatalf("seed %d: ends %v headers %v sizes %v; want %v %v %v", seed, ends, headers, sizes, s.ends, s.headers, s.sizes)
		}
	}
}

// fakeConn is a net.Conn whose reads come from r; writes must go through conn.out.
type fakeConn struct {
	net.Conn
	r      io.Reader
	closed bool
}

func (f *fakeConn) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *fakeConn) Close() error               { f.closed = true; return nil }
func (f *fakeConn) RemoteAddr() net.Addr       { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }

// recorder stands for the socket under a conn: it records each flush as one write.
type recorder struct {
	out     []byte
	flushes []int // offsets at which each flush ended
	iovecs  [][][]byte
}

func (r *recorder) write(b *net.Buffers) (int64, error) {
	r.iovecs = append(r.iovecs, slices.Clone(*b))
	n := 0
	for _, s := range *b {
		r.out = append(r.out, s...)
		n += len(s)
	}
	*b = nil
	r.flushes = append(r.flushes, len(r.out))
	return int64(n), nil
}

func newRecordedConn() (*conn, *recorder) {
	rec := &recorder{}
	c := newConn(&fakeConn{}, nil)
	c.out = rec.write
	return c, rec
}

// lastEnd returns the largest boundary in ends that is at most n.
func lastEnd(ends []int, n int) int {
	last := 0
	for _, e := range ends {
		if e <= n {
			last = e
		}
	}
	return last
}

// TestWriteFlushesExactlyAtMessageEnds splits valid streams into random writes: the
// bytes must come out unchanged, each message (and the greeting) must be out as
// soon as the write completing it returns, and nothing else may cause a flush,
// except that a write ending inside the greeting is never held back.
func TestWriteFlushesExactlyAtMessageEnds(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 2))
		s := genStream(r, 1+r.IntN(30))
		c, rec := newRecordedConn()
		want := slices.Clone(s.ends)
		written := 0
		for _, chunk := range randomChunks(r, s.data) {
			if n, err := c.Write(chunk); n != len(chunk) || err != nil {
				t.Fatalf("seed %d: Write = %d, %v", seed, n, err)
			}
			written += len(chunk)
			if written < greetingLen {
				want = append(want, written)
			}
			if got, w := len(rec.out), max(lastEnd(s.ends, written), min(written, greetingLen)); got != w {
				t.Fatalf("seed %d: after writing %d bytes, %d are out; want %d", seed, written, got, w)
			}
		}
		slices.Sort(want)
		if !bytes.Equal(rec.out, s.data) {
			t.Fatalf("seed %d: output differs from input", seed)
		}
		if !slices.Equal(rec.flushes, want) {
			t.Fatalf("seed %d: flushes at %v, want %v", seed, rec.flushes, want)
		}
	}
}

// TestWriteBoundsCopies checks that with a small copy budget messages are flushed
// early but still in order and never held back.
func TestWriteBoundsCopies(t *testing.T) {
	for seed := range uint64(100) {
		r := rand.New(rand.NewPCG(seed, 3))
		s := genStream(r, 1+r.IntN(30))
		c, rec := newRecordedConn()
		c.maxCopied = 1 + r.IntN(512)
		written := 0
		for _, chunk := range randomChunks(r, s.data) {
			if _, err := c.Write(chunk); err != nil {
				t.Fatal(err)
			}
			written += len(chunk)
			if len(rec.out) < lastEnd(s.ends, written) {
				t.Fatalf("seed %d: complete message held back", seed)
			}
		}
		if !bytes.Equal(rec.out, s.data) {
			t.Fatalf("seed %d: output differs from input", seed)
		}
		for _, e := range s.ends {
			if _, ok := slices.BinarySearch(rec.flushes, e); !ok {
				t.Fatalf("seed %d: no flush at message end %d", seed, e)
			}
		}
	}
}

// TestWriteKeepsBigBodiesByReference checks that a large body goes out from the
// caller's slice, in the same single flush as its headers.
func TestWriteKeepsBigBodiesByReference(t *testing.T) {
	c, rec := newRecordedConn()
	c.Write(greetingBytes())
	big := make([]byte, 10<<20)
	c.Write([]byte{flagMore, 3})
	c.Write([]byte("abc"))
	c.Write(binary.BigEndian.AppendUint64([]byte{flagMore | flagLong}, uint64(len(big))))
	c.Write(big)
	c.Write([]byte{0, 1})
	c.Write([]byte("z"))
	if len(rec.iovecs) != 2 {
		t.Fatalf("%d flushes, want 2 (greeting, message)", len(rec.iovecs))
	}
	msg := rec.iovecs[1]
	if len(msg) != 3 || &msg[1][0] != &big[0] {
		t.Fatalf("message flushed as %d slices; want the big body by reference between two copied ones", len(msg))
	}
	if cap(c.own) > 1<<16 {
		t.Fatalf("write buffer grew to %d bytes: the big body was copied", cap(c.own))
	}
}

// chunkReader returns its data in random chunks.
type chunkReader struct {
	r    *rand.Rand
	data []byte
}

func (c *chunkReader) Read(b []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.data[:min(len(c.data), 1+c.r.IntN(3*bigBody))])
	c.data = c.data[n:]
	return n, nil
}

// readLikeZMQ4 reads the stream as zmq4 does: the greeting, then each frame's
// header and body with separate io.ReadFull calls.
func readLikeZMQ4(c net.Conn) ([]byte, error) {
	var out []byte
	g := make([]byte, greetingLen)
	if _, err := io.ReadFull(c, g); err != nil {
		return out, err
	}
	out = append(out, g...)
	for {
		var hdr [2]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return out, err
		}
		out = append(out, hdr[:]...)
		size := uint64(hdr[1])
		if hdr[0]&flagLong != 0 {
			var long [8]byte
			long[0] = hdr[1]
			if _, err := io.ReadFull(c, long[1:]); err != nil {
				return out, err
			}
			out = append(out, long[1:]...)
			size = binary.BigEndian.Uint64(long[:])
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(c, body); err != nil {
			return out, err
		}
		out = append(out, body...)
	}
}

func TestReadDeliversStreamAndRejectsBigFrames(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 4))
		s := genStream(r, 1+r.IntN(30))
		limit := int64(-1)
		firstBad := -1
		if seed%2 == 1 {
			limit = int64(r.IntN(4096))
			for i, size := range s.sizes {
				if size > uint64(limit) {
					firstBad = i
					break
				}
			}
		}
		fc := &fakeConn{r: &chunkReader{r: r, data: s.data}}
		c := newConn(fc, &connConfig{maxFrame: limit, log: quiet})
		got, err := readLikeZMQ4(c)
		if !bytes.HasPrefix(s.data, got) {
			t.Fatalf("seed %d: read bytes differ from the stream", seed)
		}
		if firstBad < 0 {
			if !errors.Is(err, io.EOF) || len(got) != len(s.data) || fc.closed {
				t.Fatalf("seed %d: read %d of %d bytes, err %v, closed %v", seed, len(got), len(s.data), err, fc.closed)
			}
			continue
		}
		var big *FrameTooLargeError
		if !errors.As(err, &big) || big.Size != s.sizes[firstBad] || !fc.closed {
			t.Fatalf("seed %d: err %v, closed %v; want frame of %d rejected", seed, err, fc.closed, s.sizes[firstBad])
		}
		if len(got) >= s.headers[firstBad] {
			t.Fatalf("seed %d: the oversized header (ending at %d) was delivered (%d bytes read)", seed, s.headers[firstBad], len(got))
		}
		var ne net.Error
		if !errors.As(err, &ne) || ne.Timeout() {
			t.Fatalf("seed %d: %T is not a non-timeout net.Error, zmq4 would keep the connection", seed, err)
		}
	}
}

// fuzzSeed is the start of a random stream, short enough for the fuzzer to mutate
// quickly.
func fuzzSeed(r *rand.Rand) []byte {
	d := genStream(r, 6).data
	return d[:min(len(d), 1024)]
}

// FuzzZMTPParser feeds arbitrary bytes to the parser whole and in chunks of every
// size: it must not panic, and the events and their offsets must not depend on
// how the bytes are split.
func FuzzZMTPParser(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 8 {
		f.Add(fuzzSeed(r), uint8(r.IntN(256)))
	}
	f.Add(append(greetingBytes(), 0x02, 0, 0, 1, 0, 0, 0, 0, 0), uint8(1))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		whole := newZMTPParser()
		want := parseAll(&whole, [][]byte{data})
		var chunks [][]byte
		for b, k := data, 1+int(split%31); len(b) > 0; b = b[min(k, len(b)):] {
			chunks = append(chunks, b[:min(k, len(b))])
		}
		parts := newZMTPParser()
		if got := parseAll(&parts, chunks); !slices.Equal(got, want) {
			t.Fatalf("split by %d: %v; whole: %v", 1+split%31, got, want)
		}
		if whole != parts {
			t.Fatalf("final state %+v, split %+v", whole, parts)
		}
	})
}

// FuzzConnWrite writes arbitrary bytes, valid ZMTP or not, in chunks: what goes
// out must be exactly the input up to its last complete message (all of it while
// still in the greeting).
func FuzzConnWrite(f *testing.F) {
	r := rand.New(rand.NewPCG(6, 6))
	for range 8 {
		f.Add(fuzzSeed(r), uint64(r.Uint64()))
	}
	f.Add(greetingBytes()[:10], uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		p := newZMTPParser()
		want := min(len(data), greetingLen)
		for _, e := range parseAll(&p, [][]byte{data}) {
			if e.ev&(evGreeting|evMessage) != 0 {
				want = e.off
			}
		}
		c, rec := newRecordedConn()
		for _, chunk := range randomChunks(rand.New(rand.NewPCG(seed, 0)), data) {
			if _, err := c.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(rec.out, data[:want]) {
			t.Fatalf("%d bytes out, want the first %d", len(rec.out), want)
		}
	})
}

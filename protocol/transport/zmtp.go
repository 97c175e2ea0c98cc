package transport

// The ZMTP 3.x framing our connections follow (https://rfc.zeromq.org/spec/23/):
// a 64-byte greeting, then frames of a flags byte, a size (1 byte, or 8 bytes
// big-endian when flagLong is set) and a body. The parser only needs to know where
// the greeting, each frame header and each message end; it never looks inside.
const (
	greetingLen = 64

	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04
)

type parseState uint8

const (
	stGreeting parseState = iota
	stFlags
	stShortSize
	stLongSize
	stBody
)

// event is what the byte that ended a [zmtpParser.step] completed; several can
// coincide (the size byte of an empty frame ends its header and the frame).
type event uint8

const (
	// evGreeting: the greeting is complete.
	evGreeting event = 1 << iota
	// evHeader: a frame header is complete and zmtpParser.size holds its size.
	evHeader
	// evMessage: the last frame of a message, or a command, is complete.
	evMessage
)

// zmtpParser follows a ZMTP 3.x byte stream in one direction. The zero value is not
// ready: use newZMTPParser. Bytes may arrive split at any boundary.
type zmtpParser struct {
	state     parseState
	greetLeft int    // greeting bytes still to come
	flags     byte   // flags of the current frame
	sizeN     int    // size bytes of a long header seen so far
	size      uint64 // size of the current frame, once its header is complete
	left      uint64 // body bytes of the current frame still to come
}

func newZMTPParser() zmtpParser {
	return zmtpParser{state: stGreeting, greetLeft: greetingLen}
}

// step consumes b up to and including the first byte that completes the greeting,
// a frame header or a frame, and returns how many bytes it consumed and what they
// completed (0 when they completed nothing, or only a frame inside a message).
// Bodies are skipped in one go, so a large frame costs O(1), not O(size).
func (p *zmtpParser) step(b []byte) (int, event) {
	n := 0
	for n < len(b) {
		switch p.state {
		case stGreeting:
			k := min(len(b)-n, p.greetLeft)
			n += k
			p.greetLeft -= k
			if p.greetLeft == 0 {
				p.state = stFlags
				return n, evGreeting
			}
		case stFlags:
			p.flags = b[n]
			n++
			p.size, p.sizeN = 0, 0
			if p.flags&flagLong != 0 {
				p.state = stLongSize
			} else {
				p.state = stShortSize
			}
		case stShortSize:
			p.size = uint64(b[n])
			n++
			return n, p.headerDone()
		case stLongSize:
			p.size = p.size<<8 | uint64(b[n])
			n++
			p.sizeN++
			if p.sizeN == 8 {
				return n, p.headerDone()
			}
		case stBody:
			k := min(uint64(len(b)-n), p.left)
			n += int(k)
			p.left -= k
			if p.left == 0 {
				return n, p.frameDone()
			}
		}
	}
	return n, 0
}

func (p *zmtpParser) headerDone() event {
	p.left = p.size
	if p.size == 0 {
		return evHeader | p.frameDone()
	}
	p.state = stBody
	return evHeader
}

func (p *zmtpParser) frameDone() event {
	p.state = stFlags
	// A command is always a message of its own, whatever its MORE bit says.
	if p.flags&flagMore == 0 || p.flags&flagCommand != 0 {
		return evMessage
	}
	return 0
}

// inBody reports whether the next byte belongs to a frame body.
func (p *zmtpParser) inBody() bool { return p.state == stBody }

// inGreeting reports whether the greeting is still incomplete.
func (p *zmtpParser) inGreeting() bool { return p.state == stGreeting }

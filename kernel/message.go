package kernel

import (
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// dateLayout is the one timestamp format of the dates the kernel writes in
// headers, parent headers included: RFC 3339 in UTC with nanoseconds, the
// precision of Go's clock.
const dateLayout = "2006-01-02T15:04:05.000000000Z07:00"

// newMessage builds a message of the kernel's session answering parent (nil for
// none). The parent header is a copy of the request's header with its date
// rewritten in dateLayout, as ipykernel re-serializes parent dates in its own
// format; besides consistency this spares Python clients a dateutil parse per
// message (jupyter_client only parses dates with at most six fractional digits),
// a third of a trivial cell's round trip.
func (k *Kernel) newMessage(msgType string, parent *protocol.Header, content any) (*protocol.Message, error) {
	if parent != nil {
		p := *parent
		if t, err := time.Parse(time.RFC3339Nano, p.Date); err == nil {
			p.Date = t.UTC().Format(dateLayout)
		}
		parent = &p
	}
	return protocol.NewMessage(msgType, k.id, parent, content)
}

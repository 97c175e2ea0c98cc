package parallel

import (
	"testing"

	"github.com/goparallel/goparallel/protocol"
)

func TestMsgEngine(t *testing.T) {
	for _, tc := range []struct {
		meta string
		want int
	}{
		{`{"engine":3}`, 3},
		{`{"engine":12,"status":"ok","engine_info":{"engine_id":12}}`, 12},
		{`{"engine":0,"status":"ok"}`, 0},
		{`{"status":"ok","engine":7}`, 7},       // not leading: the decoder finds it
		{`{"engine": 5}`, 5},                    // spaces: the decoder
		{`{"engine":-1}`, -1},                   // the decoder
		{`{"engine":12345678901}`, 12345678901}, // past the fast path: the decoder
		{`{"engine":"2"}`, -1},                  // not a number
		{`{"engine":4x}`, -1},                   // not JSON
		{`{}`, -1},
		{``, -1},
	} {
		m := &protocol.Message{Metadata: []byte(tc.meta)}
		if got := msgEngine(m); got != tc.want {
			t.Errorf("msgEngine(%s) = %d, want %d", tc.meta, got, tc.want)
		}
	}
}

package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"
)

// TestInlineWritesKeepOrderWhenTheBufferFills sends messages one at a time to a
// peer that does not read, so in-place writes go out until the socket buffers
// are full and one of them is cut short. Its rest must go out before the
// messages queued behind it: the peer then reads every message, whole and in
// order.
func TestInlineWritesKeepOrderWhenTheBufferFills(t *testing.T) {
	ctx := context.Background()
	router := listenRouter(t, ctx, Options{SendTimeout: time.Minute})
	c := rawDealer(t, router, "slow")
	const n = 3000
	body := func(i int) []byte { return pattern(1+i*37%(12<<10), byte(i)) }
	before := partialWrites.Load()
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			seq := binary.BigEndian.AppendUint32(nil, uint32(i))
			if err := router.SendFrames([][]byte{[]byte("slow"), seq, body(i)}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	deadline := time.Now().Add(20 * time.Second)
	for partialWrites.Load() == before {
		if time.Now().After(deadline) {
			t.Fatal("no in-place write was cut short; the test did not fill the buffers")
		}
		time.Sleep(time.Millisecond)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	for i := range n {
		got, cmd := readRawMessage(t, c)
		if cmd {
			t.Fatalf("message %d: got a command", i)
		}
		if len(got) != 2 || binary.BigEndian.Uint32(got[0]) != uint32(i) || !bytes.Equal(got[1], body(i)) {
			t.Fatalf("message %d: got %d frames, first %x", i, len(got), got[0])
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

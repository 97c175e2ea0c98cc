package transport

import (
	"context"
	"strconv"
	"testing"

	"github.com/goparallel/goparallel/protocol"
)

// BenchmarkEchoRoundTrip is a DEALER sending a signed 6-frame apply_request to a
// ROUTER that echoes it back, over loopback TCP, with zmq4's own driver ("stock")
// and with ours ("buffered").
//
//	go test -run XXX -bench EchoRoundTrip -benchtime 20000x ./protocol/transport/
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, driver := range []struct {
		name  string
		stock bool
	}{{"stock", true}, {"buffered", false}} {
		b.Run(driver.name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := quietOpts
			opts.StockDriver = driver.stock
			router, err := Listen(ctx, Router, "tcp://127.0.0.1:0", rawCodec(b), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer router.Close()
			opts.Identity = "client"
			dealer, err := Dial(ctx, Dealer, "tcp://127.0.0.1:"+strconv.Itoa(router.Port()), rawCodec(b), opts)
			if err != nil {
				b.Fatal(err)
			}
			defer dealer.Close()
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					f, err := router.RecvFrames()
					if err != nil {
						return
					}
					if router.SendFrames(f) != nil {
						return
					}
				}
			}()
			defer func() { router.Close(); <-done }()

			codec, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("bench-key"))
			m, _ := protocol.NewMessage(protocol.MsgApplyRequest, "session", nil, protocol.ApplyRequest{Source: "func() int { return 1 }"})
			msg, err := codec.Encode(m)
			if err != nil {
				b.Fatal(err)
			}
			if len(msg) != 6 {
				b.Fatalf("%d frames, want 6", len(msg))
			}
			b.ResetTimer()
			for range b.N {
				if err := dealer.SendFrames(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := dealer.RecvFrames(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

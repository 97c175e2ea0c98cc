package transport

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

func TestRouterDropsBadMessagesAndKeepsServing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	codec, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("key"))
	quiet := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	router, err := Listen(ctx, Router, "tcp://127.0.0.1:0", codec, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer router.Close()
	ep := "tcp://127.0.0.1:" + strconv.Itoa(router.Port())

	wrongKey, _ := protocol.NewCodec(protocol.SignatureScheme, []byte("other"))
	dealer, err := Dial(ctx, Dealer, ep, codec, Options{Identity: "client-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer dealer.Close()

	// Garbage, a truncated message, a message signed with the wrong key, a replay.
	dealer.SendFrames([][]byte{[]byte("garbage")})
	dealer.SendFrames([][]byte{protocol.Delimiter, []byte("sig")})
	bad, _ := protocol.NewMessage("kernel_info_request", "s", nil, nil)
	badFrames, _ := wrongKey.Encode(bad)
	dealer.SendFrames(badFrames)
	good, _ := protocol.NewMessage("kernel_info_request", "s", nil, nil)
	goodFrames, _ := codec.Encode(good)
	dealer.SendFrames(goodFrames)
	dealer.SendFrames(goodFrames) // replayed
	final, _ := protocol.NewMessage("execute_request", "s", nil, protocol.ExecuteRequest{Code: "1"})
	if err := dealer.Send(final); err != nil {
		t.Fatal(err)
	}

	for _, want := range []string{"kernel_info_request", "execute_request"} {
		m, err := router.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.MsgType != want {
			t.Fatalf("got %s, want %s", m.Header.MsgType, want)
		}
		if len(m.Identities) != 1 || string(m.Identities[0]) != "client-1" {
			t.Fatalf("identities %q", m.Identities)
		}
	}
	st := router.Stats()
	if st.Malformed != 2 || st.BadSignature != 1 || st.Replayed != 1 {
		t.Fatalf("stats %+v, want 2 malformed, 1 bad signature, 1 replayed", st)
	}

	// The reply is routed back to the dealer by identity.
	reply, _ := final.Reply("execute_reply", protocol.ExecuteReply{Status: protocol.ReplyOK, ExecutionCount: 1})
	reply.Identities = [][]byte{[]byte("client-1")}
	if err := router.Send(reply); err != nil {
		t.Fatal(err)
	}
	got, err := dealer.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.MsgType != "execute_reply" || got.Parent.MsgID != final.Header.MsgID {
		t.Fatalf("reply %+v", got.Header)
	}
}

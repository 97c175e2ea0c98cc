package controller

import (
	"fmt"
	"strings"
	"testing"
)

func TestResultStoreBounds(t *testing.T) {
	s := newResultStore(3, 1<<20, 100)
	for i := range 5 {
		s.add(&record{msgID: fmt.Sprint(i), status: "ok"})
	}
	if len(s.byID) != 3 || s.get("0") != nil || s.get("1") != nil || s.get("4") == nil || s.evicted != 2 {
		t.Fatalf("count bound: %d records, evicted %d", len(s.byID), s.evicted)
	}

	// Bytes: each record costs its id, its reply and an overhead.
	per := int64(1 + 50 + recordOverhead)
	s = newResultStore(100, 3*per, 100)
	for i := range 5 {
		s.add(&record{msgID: fmt.Sprint(i), status: "ok", reply: []byte(strings.Repeat("x", 50))})
	}
	if len(s.byID) != 3 || s.bytes != 3*per || s.head.msgID != "2" || s.tail.msgID != "4" {
		t.Fatalf("byte bound: %d records, %d bytes, head %s", len(s.byID), s.bytes, s.head.msgID)
	}

	// Large replies are not kept, only their status.
	s.add(&record{msgID: "big", status: "ok", reply: make([]byte, 101)})
	if r := s.get("big"); r == nil || r.reply != nil {
		t.Fatalf("big record %+v", r)
	}

	// Replacing a record keeps one copy and the byte count exact.
	s = newResultStore(10, 1<<20, 100)
	s.add(&record{msgID: "a", reply: []byte("12345")})
	s.add(&record{msgID: "a", reply: []byte("1")})
	if len(s.byID) != 1 || s.bytes != int64(1+1+recordOverhead) || s.head != s.tail {
		t.Fatalf("replace: %d records, %d bytes", len(s.byID), s.bytes)
	}

	if n := s.purge([]string{"a", "zz"}); n != 1 || s.bytes != 0 || s.head != nil || s.tail != nil {
		t.Fatalf("purge: %d, bytes %d", n, s.bytes)
	}
	s.add(&record{msgID: "b"})
	s.add(&record{msgID: "c"})
	if n := s.purge(nil); n != 2 || len(s.byID) != 0 || s.bytes != 0 {
		t.Fatalf("purge all: %d", n)
	}
}

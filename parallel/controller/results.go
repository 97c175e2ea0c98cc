package controller

import (
	"encoding/json"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// Task statuses in records and in result_reply.
const (
	statusPending = "pending"
	statusUnknown = "unknown"
)

// record is what the results store keeps of one finished task: its outcome and,
// when small, the reply content. The content slice is the frame the engine sent,
// not a copy, and it never includes the reply's buffers, so bulk results are
// never retained by the controller.
type record struct {
	msgID     string
	status    string
	engines   []int // where it ran; several for a message sent to several engines
	submitted time.Time
	completed time.Time
	reply     json.RawMessage
	size      int64

	prev, next *record // insertion order, oldest first, for eviction
}

// timeFormat is how times appear in result_reply records.
const timeFormat = time.RFC3339Nano

// recordOverhead approximates a record's memory beyond its id and reply, so a
// store of many tiny records is bounded by bytes too.
const recordOverhead = 160

// resultStore is the bounded store of finished tasks' records. Guarded by hub.mu.
type resultStore struct {
	maxCount int
	maxBytes int64
	maxReply int

	byID       map[string]*record
	head, tail *record
	bytes      int64
	evicted    uint64
}

func newResultStore(maxCount int, maxBytes int64, maxReply int) *resultStore {
	return &resultStore{maxCount: maxCount, maxBytes: maxBytes, maxReply: maxReply, byID: make(map[string]*record)}
}

// add stores r, replacing any record with the same id, keeping its reply only if
// small enough, and evicts the oldest records beyond the bounds.
func (s *resultStore) add(r *record) {
	if len(r.reply) > s.maxReply {
		r.reply = nil
	}
	r.size = int64(len(r.msgID)+len(r.reply)) + recordOverhead
	if old := s.byID[r.msgID]; old != nil {
		s.remove(old)
	}
	s.byID[r.msgID] = r
	r.prev, r.next = s.tail, nil
	if s.tail != nil {
		s.tail.next = r
	} else {
		s.head = r
	}
	s.tail = r
	s.bytes += r.size
	for s.head != nil && (len(s.byID) > s.maxCount || s.bytes > s.maxBytes) {
		s.remove(s.head)
		s.evicted++
	}
}

func (s *resultStore) remove(r *record) {
	if r.prev != nil {
		r.prev.next = r.next
	} else {
		s.head = r.next
	}
	if r.next != nil {
		r.next.prev = r.prev
	} else {
		s.tail = r.prev
	}
	r.prev, r.next = nil, nil
	delete(s.byID, r.msgID)
	s.bytes -= r.size
}

func (s *resultStore) get(id string) *record { return s.byID[id] }

// purge drops the records of ids, or all records when ids is empty, and returns
// how many it dropped.
func (s *resultStore) purge(ids []string) int {
	if len(ids) == 0 {
		n := len(s.byID)
		s.byID = make(map[string]*record)
		s.head, s.tail, s.bytes = nil, nil, 0
		return n
	}
	n := 0
	for _, id := range ids {
		if r := s.byID[id]; r != nil {
			s.remove(r)
			n++
		}
	}
	return n
}

// taskRecord renders r for a result_reply.
func (r *record) taskRecord() protocol.TaskRecord {
	tr := protocol.TaskRecord{Status: r.status, EngineID: -1, Reply: r.reply}
	if len(r.engines) == 1 {
		tr.EngineID = r.engines[0]
	}
	if !r.submitted.IsZero() {
		tr.Submitted = r.submitted.UTC().Format(timeFormat)
	}
	if !r.completed.IsZero() {
		tr.Completed = r.completed.UTC().Format(timeFormat)
	}
	return tr
}

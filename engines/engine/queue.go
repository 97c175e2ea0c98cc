package engine

import (
	"context"
	"sync"
	"time"

	"github.com/goparallel/goparallel/protocol"
)

// task is one request waiting to run.
type task struct {
	msg      *protocol.Message
	received time.Time
	aborted  bool
}

// taskQueue holds requests in arrival order. The receive goroutine pushes and
// aborts; the executor pops. An unbounded slice is fine: the controller bounds
// how many tasks it sends an engine, and each queued task is a message it
// already holds in memory.
type taskQueue struct {
	mu    sync.Mutex
	tasks []*task
	ready chan struct{} // signalled when tasks goes from empty to non-empty
}

func newTaskQueue() *taskQueue { return &taskQueue{ready: make(chan struct{}, 1)} }

func (q *taskQueue) push(t *task) {
	q.mu.Lock()
	q.tasks = append(q.tasks, t)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop waits for the next task; ok is false once ctx is done.
func (q *taskQueue) pop(ctx context.Context) (t *task, ok bool) {
	for {
		q.mu.Lock()
		if len(q.tasks) > 0 {
			t = q.tasks[0]
			q.tasks[0] = nil
			q.tasks = q.tasks[1:]
			q.mu.Unlock()
			return t, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, false
		case <-q.ready:
		}
	}
}

// abort marks queued tasks with the given message ids (all queued tasks when ids
// is empty) so the executor answers them "aborted" instead of running them. It
// returns how many it marked. The running task is not affected: that is what
// interrupt is for.
func (q *taskQueue) abort(ids []string) int {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, t := range q.tasks {
		if !t.aborted && (len(ids) == 0 || want[t.msg.Header.MsgID]) {
			t.aborted = true
			n++
		}
	}
	return n
}

// len returns how many tasks wait.
func (q *taskQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tasks)
}

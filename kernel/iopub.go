package kernel

import (
	"github.com/goparallel/goparallel/protocol"
)

// publish sends a message on iopub, parented to parent (nil for none). The topic
// frame follows ipykernel ("kernel.<id>.<msg_type>"); frontends subscribe to all.
// Safe for concurrent use: the socket serialises sends.
func (k *Kernel) publish(parent *protocol.Header, msgType string, content any) {
	m, err := k.newMessage(msgType, parent, content)
	if err != nil {
		k.logErr("encoding "+msgType, err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + k.id + "." + msgType)}
	k.logErr("publishing "+msgType, k.iopub.Send(m))
}

// status publishes busy or idle for a request.
func (k *Kernel) status(parent *protocol.Header, state string) {
	k.publish(parent, "status", protocol.Status{ExecutionState: state})
}

// outputParent is the parent of output that does not belong to a running request:
// the latest executed cell, so that output of goroutines that outlive their cell
// still reaches the notebook, below the cell the user just ran.
func (k *Kernel) outputParent() *protocol.Header {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.latest == nil {
		return nil
	}
	return &k.latest.req.Header
}

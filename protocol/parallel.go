package protocol

import "encoding/json"

// The parallel protocol: messages between clients, the controller and engines. They
// use the same signed wire format as Jupyter messages, with the cluster's own key.
//
// Sockets (all listened on by the controller):
//
//	engine ROUTER  engines connect a DEALER whose identity is the engine's UUID. Every
//	               message an engine sends goes here, in order: registration,
//	               heartbeats, output (stream, display_data, execute_result, error)
//	               and replies — one connection, so output always arrives before the
//	               reply of the task that printed it.
//	client ROUTER  clients connect a DEALER. Requests carry their routing in the
//	               metadata ([TaskMetadata]); replies and the output of a client's
//	               own tasks come back on the same connection, in the engine's order.
//	notify PUB     engine registration and death notifications for every client.
//
// Forwarding never re-signs or re-encodes a payload: the signature covers only the
// header, parent, metadata and content frames, so the controller moves messages
// between sockets by rewriting the routing identities in front of the delimiter.
// A request from client C arrives at the controller as [C, <IDS|MSG>, ...], goes to
// engine E as [E, C, <IDS|MSG>, ...], the engine answers with identities [C], and the
// controller forwards [C, <IDS|MSG>, ...] to the client.

// Message types of the parallel protocol, beyond the Jupyter ones the engines also
// speak (execute_request/reply, stream, display_data, execute_result, error, status,
// interrupt_request, shutdown_request).
const (
	MsgRegistrationRequest = "registration_request" // engine → controller
	MsgRegistrationReply   = "registration_reply"   // controller → engine
	MsgHeartbeat           = "heartbeat"            // engine → controller, periodic
	MsgConnectionRequest   = "connection_request"   // client → controller
	MsgConnectionReply     = "connection_reply"     // controller → client
	MsgApplyRequest        = "apply_request"        // client → engine(s)
	MsgApplyReply          = "apply_reply"          // engine → client
	MsgPushRequest         = "push_request"         // client → engine(s): values in buffers
	MsgPushReply           = "push_reply"
	MsgPullRequest         = "pull_request" // client → engine(s)
	MsgPullReply           = "pull_reply"   // values in buffers
	MsgAbortRequest        = "abort_request"
	MsgAbortReply          = "abort_reply"
	MsgClearRequest        = "clear_request" // reset an engine's namespace
	MsgClearReply          = "clear_reply"
	MsgQueueRequest        = "queue_request" // client → controller
	MsgQueueReply          = "queue_reply"
	MsgResultRequest       = "result_request" // client → controller: results by msg id
	MsgResultReply         = "result_reply"
	MsgPurgeRequest        = "purge_request"
	MsgPurgeReply          = "purge_reply"
	MsgEngineAdded         = "registration_notification"   // on notify PUB
	MsgEngineDied          = "unregistration_notification" // on notify PUB
	MsgShutdownRequest     = "shutdown_request"
	MsgShutdownReply       = "shutdown_reply"
)

// Scheduler names a client puts in [TaskMetadata].Scheduler.
const (
	SchedDirect    = "direct"    // to each engine in Targets
	SchedBalanced  = "balanced"  // to one engine chosen by the load-balancing policy
	SchedBroadcast = "broadcast" // one message from the client, fanned out by the controller
	SchedControl   = "control"   // handled by the controller itself (queue, results, purge, shutdown)
)

// TaskMetadata is the routing part of a request's metadata, written by the client and
// read by the controller without touching the content or buffers.
type TaskMetadata struct {
	Scheduler string `json:"scheduler"`
	// Targets are engine ids. For direct and broadcast requests, the engines to send
	// to; for balanced requests, the engines allowed (empty means any).
	Targets []int `json:"targets,omitempty"`
	// Retries is how many times a balanced task is resubmitted to another engine when
	// the engine running it dies.
	Retries int `json:"retries,omitempty"`
	// Timeout, in seconds, bounds a balanced task's wait in the queue; 0 means none.
	Timeout float64 `json:"timeout,omitempty"`
	// After and Follow are message ids a balanced task depends on: After means the
	// task runs only once those tasks have finished successfully; Follow means it
	// runs on the engine where they ran.
	After  []string `json:"after,omitempty"`
	Follow []string `json:"follow,omitempty"`
}

// RegistrationRequest is sent by an engine when it connects.
type RegistrationRequest struct {
	UUID     string `json:"uuid"`
	Hostname string `json:"hostname"`
	PID      int    `json:"pid"`
	// ID is a requested engine id (e.g. an MPI rank); -1 lets the controller choose.
	ID int `json:"id"`
}

// RegistrationReply assigns an engine its id.
type RegistrationReply struct {
	Status string `json:"status"`
	ID     int    `json:"id"`
	// HeartbeatPeriod, in seconds, is how often the engine must send heartbeats.
	HeartbeatPeriod float64 `json:"heartbeat_period"`
	// ClusterSize is how many engines the cluster expects (0 if unknown).
	ClusterSize int    `json:"cluster_size"`
	EValue      string `json:"evalue,omitempty"`
}

// EngineInfo describes one registered engine.
type EngineInfo struct {
	ID       int    `json:"id"`
	UUID     string `json:"uuid"`
	Hostname string `json:"hostname"`
	PID      int    `json:"pid"`
}

// ConnectionReply lists the registered engines, for a connecting client.
type ConnectionReply struct {
	Status  string       `json:"status"`
	Engines []EngineInfo `json:"engines"`
}

// EngineNotification is published on the notify socket when an engine registers or dies.
type EngineNotification struct {
	Engine EngineInfo `json:"engine"`
	// Reason is why an engine was unregistered: "heartbeat", "exited", "shutdown".
	Reason string `json:"reason,omitempty"`
}

// ApplyRequest asks engines to call a function. The function travels as Go source
// (a func literal) and is compiled once per engine and source; Helpers are the
// declarations (funcs, types, consts) it uses that the engine must know first.
// The arguments are encoded by package protocol/value: Args is its header, and the
// message's buffers hold the raw frames it refers to.
type ApplyRequest struct {
	Source  string          `json:"source"`
	Name    string          `json:"name,omitempty"` // for display: "apply", "map", a func's name
	Helpers []string        `json:"helpers,omitempty"`
	Args    json.RawMessage `json:"args"`
	// Map, when true, means Args holds one sequence per function parameter, and the
	// engine calls the function element-wise and returns the results as one slice
	// (a chunk of a map).
	Map bool `json:"map,omitempty"`
}

// ApplyReply carries a call's result (encoded by protocol/value, header in Result,
// raw frames in the message buffers) or an error.
type ApplyReply struct {
	Status string          `json:"status"`
	Result json.RawMessage `json:"result,omitempty"`
	ErrorContent
	EngineInfo *EngineStamp `json:"engine_info,omitempty"`
}

// EngineStamp is the per-task metadata an engine adds to every reply.
type EngineStamp struct {
	EngineID  int    `json:"engine_id"`
	Started   string `json:"started"`   // RFC 3339 with nanoseconds
	Completed string `json:"completed"` // RFC 3339 with nanoseconds
}

// PushRequest sets globals on the engines; Values is a protocol/value header for the
// values of Names, in order, with raw frames in the buffers.
type PushRequest struct {
	Names  []string        `json:"names"`
	Values json.RawMessage `json:"values"`
}

// PullRequest asks for the values of globals.
type PullRequest struct {
	Names []string `json:"names"`
}

// PullReply returns the values of the requested names, encoded like PushRequest.Values.
type PullReply struct {
	Status string          `json:"status"`
	Values json.RawMessage `json:"values,omitempty"`
	ErrorContent
	EngineInfo *EngineStamp `json:"engine_info,omitempty"`
}

// AbortRequest asks to drop queued tasks by message id (all queued tasks when empty).
type AbortRequest struct {
	MsgIDs []string `json:"msg_ids,omitempty"`
}

// QueueReply reports per-engine queue state, keyed by engine id as a string.
type QueueReply struct {
	Status     string                 `json:"status"`
	Engines    map[string]EngineQueue `json:"engines"`
	Unassigned int                    `json:"unassigned"`
}

// EngineQueue is one engine's queue state.
type EngineQueue struct {
	Queue     int `json:"queue"`     // sent to the engine, not yet answered
	Completed int `json:"completed"` // answered
	Tasks     int `json:"tasks"`     // of which balanced
}

// ResultRequest asks the controller for stored results by message id.
type ResultRequest struct {
	MsgIDs []string `json:"msg_ids"`
}

// ResultReply returns, per message id, the stored record: "pending" status while the
// task runs, or its reply content. Results the store evicted report status "unknown".
type ResultReply struct {
	Status  string                `json:"status"`
	Results map[string]TaskRecord `json:"results"`
}

// TaskRecord is what the hub remembers of one task. The reply content is kept only
// for small replies; bulk buffers are never stored.
type TaskRecord struct {
	Status    string          `json:"status"` // pending, ok, error, aborted, unknown
	EngineID  int             `json:"engine_id"`
	Submitted string          `json:"submitted,omitempty"`
	Completed string          `json:"completed,omitempty"`
	Reply     json.RawMessage `json:"reply,omitempty"`
}

// PurgeRequest drops stored results (all when MsgIDs is empty).
type PurgeRequest struct {
	MsgIDs []string `json:"msg_ids,omitempty"`
}

// ClientConnection is the content of ipcontroller-client.json.
type ClientConnection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ClientPort      int    `json:"client_port"`
	NotifyPort      int    `json:"notify_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	ClusterID       string `json:"cluster_id,omitempty"`
	Location        string `json:"location,omitempty"`
}

// EngineConnection is the content of ipcontroller-engine.json.
type EngineConnection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	EnginePort      int    `json:"engine_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	ClusterID       string `json:"cluster_id,omitempty"`
	Location        string `json:"location,omitempty"`
	// ClusterSize is how many engines the launcher started, so each engine knows the
	// size of the cluster it belongs to.
	ClusterSize int `json:"cluster_size,omitempty"`
}

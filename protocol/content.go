package protocol

import "encoding/json"

// Content types of the messages goparallel sends and receives. Field names follow the
// Jupyter messaging specification, version 5.3.

// Execution states published in [Status] messages.
const (
	StatusBusy     = "busy"
	StatusIdle     = "idle"
	StatusStarting = "starting"
)

// Reply statuses.
const (
	ReplyOK      = "ok"
	ReplyError   = "error"
	ReplyAborted = "aborted"
)

// ExecuteRequest is the content of execute_request.
type ExecuteRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history,omitempty"`
	UserExpressions map[string]string `json:"user_expressions,omitempty"`
	AllowStdin      bool              `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error,omitempty"`
}

// ExecuteReply is the content of execute_reply. On error, the ErrorContent fields are
// filled too.
type ExecuteReply struct {
	Status          string           `json:"status"`
	ExecutionCount  int              `json:"execution_count"`
	Payload         []map[string]any `json:"payload,omitempty"`
	UserExpressions map[string]any   `json:"user_expressions,omitempty"`
	ErrorContent
}

// ErrorContent is the content of an error message, and the error part of replies.
type ErrorContent struct {
	EName     string   `json:"ename,omitempty"`
	EValue    string   `json:"evalue,omitempty"`
	Traceback []string `json:"traceback,omitempty"`
}

// Stream is the content of a stream message on iopub.
type Stream struct {
	Name string `json:"name"` // "stdout" or "stderr"
	Text string `json:"text"`
}

// MIMEBundle maps MIME types to data: strings for text types, JSON values for
// application/json, base64 strings for images.
type MIMEBundle map[string]any

// DisplayData is the content of display_data and update_display_data.
type DisplayData struct {
	Data      MIMEBundle     `json:"data"`
	Metadata  map[string]any `json:"metadata"`
	Transient map[string]any `json:"transient,omitempty"`
}

// ExecuteResult is the content of execute_result.
type ExecuteResult struct {
	ExecutionCount int            `json:"execution_count"`
	Data           MIMEBundle     `json:"data"`
	Metadata       map[string]any `json:"metadata"`
}

// ExecuteInput is the content of execute_input, which rebroadcasts the code being run.
type ExecuteInput struct {
	Code           string `json:"code"`
	ExecutionCount int    `json:"execution_count"`
}

// Status is the content of a status message.
type Status struct {
	ExecutionState string `json:"execution_state"`
}

// ClearOutput is the content of clear_output.
type ClearOutput struct {
	Wait bool `json:"wait"`
}

// KernelInfoReply is the content of kernel_info_reply.
type KernelInfoReply struct {
	Status                string       `json:"status"`
	ProtocolVersion       string       `json:"protocol_version"`
	Implementation        string       `json:"implementation"`
	ImplementationVersion string       `json:"implementation_version"`
	LanguageInfo          LanguageInfo `json:"language_info"`
	Banner                string       `json:"banner"`
	HelpLinks             []HelpLink   `json:"help_links,omitempty"`
	Debugger              bool         `json:"debugger"`
}

// LanguageInfo describes the language of a kernel.
type LanguageInfo struct {
	Name              string `json:"name"`
	Version           string `json:"version"`
	MIMEType          string `json:"mimetype"`
	FileExtension     string `json:"file_extension"`
	PygmentsLexer     string `json:"pygments_lexer"`
	CodemirrorMode    string `json:"codemirror_mode"`
	NBConvertExporter string `json:"nbconvert_exporter,omitempty"`
}

// HelpLink is one entry of a kernel's help menu.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// CompleteRequest is the content of complete_request.
type CompleteRequest struct {
	Code      string `json:"code"`
	CursorPos int    `json:"cursor_pos"`
}

// CompleteReply is the content of complete_reply.
type CompleteReply struct {
	Status      string         `json:"status"`
	Matches     []string       `json:"matches"`
	CursorStart int            `json:"cursor_start"`
	CursorEnd   int            `json:"cursor_end"`
	Metadata    map[string]any `json:"metadata"`
}

// InspectRequest is the content of inspect_request.
type InspectRequest struct {
	Code        string `json:"code"`
	CursorPos   int    `json:"cursor_pos"`
	DetailLevel int    `json:"detail_level"`
}

// InspectReply is the content of inspect_reply.
type InspectReply struct {
	Status   string         `json:"status"`
	Found    bool           `json:"found"`
	Data     MIMEBundle     `json:"data"`
	Metadata map[string]any `json:"metadata"`
}

// IsCompleteRequest is the content of is_complete_request.
type IsCompleteRequest struct {
	Code string `json:"code"`
}

// IsCompleteReply is the content of is_complete_reply.
type IsCompleteReply struct {
	Status string `json:"status"` // complete, incomplete, invalid, unknown
	Indent string `json:"indent,omitempty"`
}

// HistoryRequest is the content of history_request.
type HistoryRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"` // range, tail, search
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           int    `json:"stop"`
	N              int    `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// HistoryReply is the content of history_reply. Each entry is
// [session, line_number, input] (or [session, line, [input, output]] with output).
type HistoryReply struct {
	Status  string  `json:"status"`
	History [][]any `json:"history"`
}

// CommInfoReply is the content of comm_info_reply.
type CommInfoReply struct {
	Status string                    `json:"status"`
	Comms  map[string]map[string]any `json:"comms"`
}

// ShutdownRequest is the content of shutdown_request and shutdown_reply.
type ShutdownRequest struct {
	Restart bool   `json:"restart"`
	Status  string `json:"status,omitempty"`
}

// InputRequest is the content of input_request on stdin.
type InputRequest struct {
	Prompt   string `json:"prompt"`
	Password bool   `json:"password"`
}

// InputReply is the content of input_reply on stdin.
type InputReply struct {
	Value string `json:"value"`
}

// StatusOnly is a reply content that carries only a status, such as
// interrupt_reply.
type StatusOnly struct {
	Status string `json:"status"`
}

// RawJSON wraps already-encoded JSON content so that it is sent as is.
func RawJSON(b []byte) json.RawMessage { return json.RawMessage(b) }

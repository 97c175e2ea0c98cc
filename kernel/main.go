package kernel

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/goparallel/goparallel/protocol"
)

// Main runs `goparallel kernel -f CONNECTION_FILE [--history FILE]`, as Jupyter
// starts it from the kernelspec. SIGINT interrupts the running cell (Jupyter sends
// interrupt_request instead, since the kernelspec says interrupt_mode "message");
// cancelling ctx (SIGTERM in the goparallel binary) stops the kernel.
func Main(ctx context.Context, args []string, cfg Config) error {
	fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
	connFile := fs.String("f", "", "Jupyter connection `file`")
	hist := fs.String("history", cfg.HistoryFile, "history `file` (\"-\" for none; default ~/.goparallel/history.jsonl)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *connFile == "" {
		fs.Usage()
		return errors.New("missing -f CONNECTION_FILE")
	}
	ci, err := protocol.ReadConnectionFile(*connFile)
	if err != nil {
		return err
	}
	cfg.HistoryFile = *hist
	k, err := New(ci, cfg)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, syscall.SIGINT)
	defer signal.Stop(sigint)
	parentGone := watchParent(ctx, os.Getppid, parentWatchInterval)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-sigint:
				k.interrupt()
			case <-parentGone:
				k.log.Warn("kernel: the process that started the kernel is gone; shutting down")
				k.Stop()
				parentGone = nil
			case <-ctx.Done():
				return
			}
		}
	}()
	err = k.Run(ctx)
	cancel()
	<-done
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	return nil
}

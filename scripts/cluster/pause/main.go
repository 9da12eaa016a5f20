// Command pause is the rig's sandbox ("pause") image: the first process of every pod, which holds the
// pod's namespaces open. Like Kubernetes' own pause (build/pause/linux/pause.c) it does nothing but wait
// for SIGINT or SIGTERM and, as PID 1 of a pod that shares its process namespace, reap orphaned zombies.
// Built static (CGO_ENABLED=0) so the image needs no libc: scripts/cluster/images.ts.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (grpc-lb-rig)")
		return
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "Warning: pause should be the first process")
	}
	signals := make(chan os.Signal, 8)
	// PID 1 only receives the signals it handles, so these must be asked for explicitly.
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig == syscall.SIGCHLD {
			reapZombies()
			continue
		}
		fmt.Fprintf(os.Stderr, "Shutting down, got signal: %v\n", sig)
		os.Exit(0)
	}
}

// reapZombies collects every exited child without blocking: one SIGCHLD may stand for several exits.
func reapZombies() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

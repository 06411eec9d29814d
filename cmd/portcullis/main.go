// Command portcullis checks approaches received by members and staff of a
// legislature for signs of hostile-state recruitment and social engineering.
// See README.md; all logic lives in internal/.
package main

import (
	"context"
	"os"
	"os/signal"

	"portcullis/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}

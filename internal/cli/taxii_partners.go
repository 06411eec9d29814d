package cli

import (
	"context"
	"fmt"
)

// runTAXIIPartners manages partners and lists collections; it needs the
// TAXII server package.
func runTAXIIPartners(ctx context.Context, args []string, env Env) int {
	fmt.Fprintln(env.Stderr, "portcullis taxii: partners are not available yet")
	return ExitUsage
}

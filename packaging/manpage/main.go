// Command manpage writes the manual page siegel(1) to standard output
// (`make deb` installs it): go run ./packaging/manpage VERSION DATE.
package main

import (
	"fmt"
	"os"

	"siegel/cli"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: manpage VERSION DATE > siegel.1")
		os.Exit(2)
	}
	if err := cli.ManPage(os.Stdout, os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "manpage:", err)
		os.Exit(1)
	}
}

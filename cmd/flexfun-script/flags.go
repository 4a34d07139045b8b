package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// configFiles collects --config values. Like the Python server's
// "--config FILE [FILE ...]", one --config may be followed by several files;
// --config may also be repeated.
type configFiles []string

func (c *configFiles) String() string     { return strings.Join(*c, " ") }
func (c *configFiles) Set(v string) error { *c = append(*c, v); return nil }

// expandConfigArgs rewrites "--config a b c" into "--config a --config b
// --config c" so that the standard flag package can parse it. The list ends
// at the next argument that starts with "-"; "--config-end" ends it too and
// is dropped.
func expandConfigArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--config-end" || a == "-config-end" {
			continue
		}
		out = append(out, a)
		if a != "--config" && a != "-config" {
			continue
		}
		first := true
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			if !first {
				out = append(out, "--config")
			}
			out = append(out, args[i])
			first = false
		}
	}
	return out
}

// newFlagSet returns a flag set that prints its usage to w.
func newFlagSet(name, synopsis string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: flexfun-script %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping a flag error to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || err == flag.ErrHelp {
		return err
	}
	return errUsage
}

// parseInterleaved parses args that mix flags and positional arguments
// ("call sample.star --format json") and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

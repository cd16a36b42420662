// Command sift matches values against threat-indicator feeds and compiles
// feeds into sets that load in milliseconds.
//
// Usage:
//
//	sift check [--feed FILE]... [--json] VALUE...   check values; "-" or none reads stdin
//	sift canon [--json] [--expressions] URL...      canonical URLs, Safe Browsing expressions
//	sift compile -o OUT.sift [--allow FILE]... SOURCE...
//
// Exit status: 0 when nothing matched, 1 when something matched (block or
// monitor), 2 on a usage or input error.
package main

import (
	"errors"
	"github.com/sift-intel/sift/match"

	"flag"
	"fmt"
	"github.com/sift-intel/sift/feed"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitClean   = 0
	exitMatched = 1
	exitError   = 2
)

const usage = `usage: sift <command> [arguments]

commands:
  check [--feed FILE]... [--pubkey PUB]... [--json] VALUE...
                                   check values against feeds ("-" or none: stdin)
  canon [--json] [--expressions] URL...
                                   print canonical URLs and their lookup expressions
  compile -o OUT.sift [--feed-id ID] [--version N] [--expires D] [--delta-from OLD.sift] [--allow FILE]... SOURCE...
                                   compile sources into a snapshot
  scan [--feed FILE]... [--json] FILE...
                                   scan files ("-": stdin) for byte and string patterns
  keygen [-W] -p PUB -s SEC        make a key pair (as minisign -G)
  sign -s SEC [-t COMMENT] FILE    write FILE.minisig (as minisign -S)
  verify -p PUB [-x SIG] FILE      check FILE.minisig (as minisign -V)
  inspect [-p PUB] FILE            print a snapshot's header, counts, sections, signature
  serve --feed FILE|URL [--pubkey PUB]... [--addr 127.0.0.1:8080]
                                   the verdict service over HTTP

Run "sift <command> -h" for a command's flags.
Exit status: 0 nothing matched, 1 something matched, 2 usage or input error.
`

// env is what a command runs with, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	format         feed.Format // from --format: the format of source files; "" detects it
}

// formatFlag adds --format to a command's flags.
func (e *env) formatFlag(fs *flag.FlagSet) {
	fs.Func("format", "read source files as `name` (list, hosts, rpz, dnsmasq, adblock, maltrail, csv, json, stix, misp, warninglist, zeek, suricata, loki, yara; default: detected)", func(s string) error {
		f, err := feed.ParseFormat(s)
		e.format = f
		return err
	})
}

// feedFlags registers --format, --feed and --pubkey, and returns what loads
// the Set they name once the flags are parsed.
func (e *env) feedFlags(fs *flag.FlagSet) func() (*match.Set, error) {
	e.formatFlag(fs)
	var feeds, pubkeys listFlag
	fs.Var(&feeds, "feed", "a snapshot or a source `file` (repeatable); default: the embedded demo feed")
	fs.Var(&pubkeys, "pubkey", "accept only snapshots whose FILE.minisig verifies with this public key `file` (repeatable)")
	return func() (*match.Set, error) { return e.loadSets(feeds, pubkeys) }
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	cmds := map[string]func(*env, []string) int{
		"canon":   cmdCanon,
		"check":   cmdCheck,
		"compile": cmdCompile,
		"inspect": cmdInspect,
		"keygen":  cmdKeygen,
		"scan":    cmdScan,
		"serve":   cmdServe,
		"sign":    cmdSign,
		"verify":  cmdVerify,
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitClean
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sift: unknown command %q\n\n%s", args[0], usage)
		return exitError
	}
	return cmd(e, args[1:])
}

// flagSet returns a FlagSet for a command that writes its errors to e.
func (e *env) flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: sift %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a command's flags, which may come before or after its
// operands, as users of minisign and the like expect. It returns the
// operands, or an exit status when parsing ends the command.
func parse(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitClean, false
			}
			return nil, exitError, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return operands, 0, true
		}
		if args[0] == "--" {
			return append(operands, args[1:]...), 0, true
		}
		operands = append(operands, args[0])
		args = args[1:]
	}
}

// errorf prints a command's error on stderr and returns exitError.
func (e *env) errorf(format string, args ...any) int {
	fmt.Fprintf(e.stderr, "sift: "+format+"\n", args...)
	return exitError
}

// listFlag collects a repeated flag's values.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// isTerminal reports whether w is a terminal, for progress messages.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

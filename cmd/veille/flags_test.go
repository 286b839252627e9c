package main

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// runVeille runs one command in-process, with vars as its environment, and
// returns what it printed and its error.
func runVeille(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut strings.Builder
	e := env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errOut}
	err = run(t.Context(), args, e)
	return out.String(), errOut.String(), err
}

// quietEnv is an env with the variables vars that discards the output.
func quietEnv(vars map[string]string) env {
	return env{getenv: func(k string) string { return vars[k] }, stdout: io.Discard, stderr: io.Discard}
}

// TestParseArgsAnywhere checks that flags are read wherever they stand
// among the arguments, and that a lone "--" ends them.
func TestParseArgsAnywhere(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantRest []string
		wantK    int
		wantJSON bool
		wantData string
	}{
		{"flags first", []string{"-k", "2", "--json", "a", "b"}, []string{"a", "b"}, 2, true, "data"},
		{"flags last", []string{"a", "b", "--json", "-k", "2"}, []string{"a", "b"}, 2, true, "data"},
		{"flags between", []string{"a", "-k=3", "b", "--data", "d", "c"}, []string{"a", "b", "c"}, 3, false, "d"},
		{"dashes end the flags", []string{"-k", "3", "x", "--", "-k", "4", "--json"}, []string{"x", "-k", "4", "--json"}, 3, false, "data"},
		{"an argument that begins with -", []string{"--json", "--", "-5%"}, []string{"-5%"}, 10, true, "data"},
		{"dashes as a flag's value", []string{"--data", "--", "x", "--json"}, []string{"x"}, 10, true, "--"},
		{"dashes after a boolean flag", []string{"--json", "--", "--data", "d"}, []string{"--data", "d"}, 10, true, "data"},
		{"dashes twice", []string{"a", "--", "--"}, []string{"a", "--"}, 10, false, "data"},
		{"a lone dash is an argument", []string{"-", "--data", "d"}, []string{"-"}, 10, false, "d"},
		{"no arguments", []string{"--json"}, nil, 10, true, "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q queryFlags
			cfg, rest, err := parse("search", tt.args, false, quietEnv(nil), q.register(10))
			if err != nil {
				t.Fatalf("parse %q: %v", tt.args, err)
			}
			if !slices.Equal(rest, tt.wantRest) || q.k != tt.wantK || q.asJSON != tt.wantJSON || cfg.DataDir != tt.wantData {
				t.Fatalf("parse %q: arguments %q, -k %d, -json %v, -data %q; want %q, %d, %v, %q",
					tt.args, rest, q.k, q.asJSON, cfg.DataDir, tt.wantRest, tt.wantK, tt.wantJSON, tt.wantData)
			}
		})
	}
}

// TestCommandsTakeFlagsAfterArguments runs ingest, search and backup with
// their flags after their arguments, as the smoke test did.
func TestCommandsTakeFlagsAfterArguments(t *testing.T) {
	archiveDir, err := filepath.Abs("../../examples/archive")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	data := filepath.Join(root, "d1")

	out, _, err := runVeille(t, nil, "ingest", archiveDir, "--data", data, "--json")
	if err != nil {
		t.Fatalf("ingest DIR --data … --json: %v", err)
	}
	var sum struct{ Files, Added int }
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Files == 0 || sum.Added == 0 {
		t.Fatalf("ingest DIR --json printed %q (%v), want a JSON summary of the files ingested", out, err)
	}

	search := func(args ...string) []hitJSON {
		t.Helper()
		out, _, err := runVeille(t, nil, append([]string{"search"}, args...)...)
		if err != nil {
			t.Fatalf("search %q: %v", args, err)
		}
		var hits []hitJSON
		if err := json.Unmarshal([]byte(out), &hits); err != nil {
			t.Fatalf("search %q printed %q, want JSON: %v", args, out, err)
		}
		return hits
	}
	after := search("--data", data, "Meta Scale AI", "--json", "-k", "2")
	before := search("--data", data, "--json", "-k", "2", "Meta Scale AI")
	if len(after) != 2 || !strings.Contains(after[0].Headline, "Scale AI") {
		t.Fatalf(`search "Meta Scale AI" --json -k 2: %+v, want 2 hits, the first on Scale AI`, after)
	}
	if !slices.Equal(ids(after), ids(before)) {
		t.Fatalf("flags after the query found %q, before it %q", ids(after), ids(before))
	}
	// After --, "-k 5" is words of the query: -k stays 1.
	if hits := search("--data", data, "--json", "-k", "1", "--", "-5%", "-k", "5"); len(hits) != 1 {
		t.Fatalf("search -k 1 -- -5%% -k 5: %d hits, want 1: the words after -- are the query", len(hits))
	}

	file := filepath.Join(root, "f.bak")
	if out, _, err := runVeille(t, nil, "backup", file, "--data", data); err != nil || !strings.Contains(out, "written to "+file) {
		t.Fatalf("backup FILE --data DIR: %q, %v", out, err)
	}
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		t.Fatalf("backup FILE --data DIR wrote no backup: %v", err)
	}
}

func ids(hits []hitJSON) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

// TestCommandHelp checks that -h, --help and "veille help CMD" print the
// command's usage to stdout and succeed, for every command.
func TestCommandHelp(t *testing.T) {
	for _, s := range synopses {
		t.Run(s.name, func(t *testing.T) {
			want, stderr, err := runVeille(t, nil, s.name, "--help")
			if err != nil {
				t.Fatalf("%s --help: %v, want no error", s.name, err)
			}
			if stderr != "" {
				t.Fatalf("%s --help wrote to stderr: %q", s.name, stderr)
			}
			first, _, _ := strings.Cut(want, "\n")
			if wantFirst := strings.TrimSpace("usage: veille " + s.name + " " + s.args); first != wantFirst {
				t.Fatalf("%s --help begins with %q, want %q", s.name, first, wantFirst)
			}
			if !strings.Contains(want, s.about[1:]+".\n") {
				t.Fatalf("%s --help does not say what the command does (%q):\n%s", s.name, s.about, want)
			}
			if s.args != "" && !strings.Contains(want, "\nFlags:\n  -") {
				t.Fatalf("%s --help lists no flags:\n%s", s.name, want)
			}
			takesArgs := strings.TrimPrefix(s.args, "[flags]") != ""
			if got := strings.Contains(want, "after a lone --"); got != takesArgs {
				t.Fatalf("%s --help: says how to end the flags: %v, want %v:\n%s", s.name, got, takesArgs, want)
			}
			for _, args := range [][]string{{s.name, "-h"}, {s.name, "-help"}, {"help", s.name}, {"--help", s.name}} {
				got, _, err := runVeille(t, nil, args...)
				if err != nil || got != want {
					t.Fatalf("%q: %v, printed\n%s\nwant the output of %s --help:\n%s", args, err, got, s.name, want)
				}
			}
		})
	}
	out, _, err := runVeille(t, nil, "help")
	if err != nil {
		t.Fatalf("veille help: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	for _, s := range synopses {
		if want := strings.Join(strings.Fields("veille "+s.name+" "+s.args+" "+s.about), " "); !slices.Contains(lines, want) {
			t.Errorf("veille help has no line %q:\n%s", want, out)
		}
	}
	for _, tt := range []struct {
		args  []string
		usage string // the usage printed on stderr, if any
	}{
		{[]string{"help", "nope"}, "veille: semantic search"},
		{[]string{"search", "--nope"}, "usage: veille search [flags] QUERY\n"},
		{[]string{"help", "search", "ingest"}, ""},
		{[]string{"config", "extra"}, ""},
	} {
		stdout, stderr, err := runVeille(t, nil, tt.args...)
		if err == nil || exitCode(err) != 2 || stdout != "" || !strings.HasPrefix(stderr, tt.usage) {
			t.Errorf("%q: %v, stdout %q, stderr %q; want a usage error (exit 2) and on stderr %q", tt.args, err, stdout, clip(stderr, 80), tt.usage)
		}
	}
}

// TestHelpShowsPlaceholders checks that the usage names the value of each
// option by its kind, and never shows a secret taken from the environment.
func TestHelpShowsPlaceholders(t *testing.T) {
	out, _, err := runVeille(t, map[string]string{"VEILLE_ADMIN_KEY": "s3cr3t-admin", "VEILLE_EMBED_API_KEY": "s3cr3t-embed"}, "serve", "-h")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		want := "\n  -" + o.flag + "\n"
		switch {
		case o.arg != "":
			want = "\n  -" + o.flag + " " + o.arg + "\n"
		case !o.boolean:
			want = "\n  -" + o.flag + " string\n"
		}
		if !strings.Contains(out, want) {
			t.Errorf("serve -h: no line %q", strings.TrimSpace(want))
		}
	}
	for _, line := range []string{"  -embed-dims n\n", "  -request-timeout duration\n", "  -ask-per-minute n\n", "  -max-upload bytes\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("serve -h: no line %q", line)
		}
	}
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("serve -h shows a secret from the environment:\n%s", out)
	}
	if !strings.Contains(out, "(default 30s)") || !strings.Contains(out, `(default "builtin")`) {
		t.Errorf("serve -h does not show the defaults:\n%s", out)
	}
}

// TestBadValuesNameTheirSource checks that a bad value is a usage error
// that names the variable it came from, or the flag when it was given.
func TestBadValuesNameTheirSource(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"integer from the environment", map[string]string{"VEILLE_EMBED_DIMS": "abc"}, []string{"stats"}, `VEILLE_EMBED_DIMS "abc": want an integer`},
		{"integer from the flag", nil, []string{"stats", "--embed-dims", "abc"}, `-embed-dims "abc": want an integer`},
		{"the flag wins", map[string]string{"VEILLE_EMBED_DIMS": "8"}, []string{"stats", "--embed-dims", "-1"}, `-embed-dims "-1": want an integer, 0 or more`},
		{"negative from the environment", map[string]string{"VEILLE_ASK_PER_MINUTE": "-5"}, []string{"serve"}, `VEILLE_ASK_PER_MINUTE "-5": want an integer, 0 or more`},
		{"boolean from the environment", map[string]string{"VEILLE_WATCH": "maybe"}, []string{"serve"}, `VEILLE_WATCH "maybe": want true or false`},
		{"boolean from the flag", nil, []string{"serve", "--watch=maybe"}, `-watch "maybe": want true or false`},
		{"log level from the environment", map[string]string{"VEILLE_LOG_LEVEL": "verbose"}, []string{"stats"}, `VEILLE_LOG_LEVEL "verbose": want debug, info, warn or error`},
		{"log level from the flag", nil, []string{"search", "q", "--log-level", "verbose"}, `-log-level "verbose": want debug, info, warn or error`},
		{"log format from the environment", map[string]string{"VEILLE_LOG_FORMAT": "xml"}, []string{"stats"}, `VEILLE_LOG_FORMAT "xml": want text or json`},
		{"provider from the environment", map[string]string{"VEILLE_EMBED_PROVIDER": "openia"}, []string{"stats"}, `VEILLE_EMBED_PROVIDER "openia": want builtin or openai`},
		{"embed URL", nil, []string{"stats", "--embed-base-url", "notaurl"}, `-embed-base-url "notaurl": want an http or https URL`},
		{"next embed URL", map[string]string{"VEILLE_NEXT_EMBED_PROVIDER": "openai", "VEILLE_NEXT_EMBED_MODEL": "m"}, []string{"reindex", "--next-embed-base-url", "localhost:11434"}, `-next-embed-base-url "localhost:11434": want an http or https URL`},
		{"chat URL", nil, []string{"stats", "--chat-base-url", "foo", "--chat-model", "m"}, `-chat-base-url "foo": want an http or https URL`},
		{"chat URL from the environment", map[string]string{"VEILLE_CHAT_BASE_URL": "foo", "VEILLE_CHAT_MODEL": "m"}, []string{"ask", "q"}, `VEILLE_CHAT_BASE_URL "foo": want an http or https URL`},
		{"feed URL", map[string]string{"VEILLE_FEEDS": "ftp://example.com/feed"}, []string{"serve"}, `VEILLE_FEEDS "ftp://example.com/feed": want an http or https URL`},
		{"port out of range", nil, []string{"serve", "--addr", "127.0.0.1:99999"}, `-addr "127.0.0.1:99999": want host:port`},
		{"no port", map[string]string{"VEILLE_ADDR": "localhost"}, []string{"serve"}, `VEILLE_ADDR "localhost": want host:port`},
		{"upload limit of 0", nil, []string{"serve", "--max-upload", "0"}, `-max-upload "0": want an integer, 1 or more`},
		{"zero request timeout", nil, []string{"serve", "--request-timeout", "0s"}, `-request-timeout "0s": want a positive duration`},
		{"zero shutdown timeout", map[string]string{"VEILLE_SHUTDOWN_TIMEOUT": "0"}, []string{"serve"}, `VEILLE_SHUTDOWN_TIMEOUT "0": want a positive duration`},
		{"zero embed timeout", nil, []string{"stats", "--embed-timeout", "0s"}, `-embed-timeout "0s": want a positive duration`},
		{"zero chat timeout", map[string]string{"VEILLE_CHAT_TIMEOUT": "0s"}, []string{"ask", "q"}, `VEILLE_CHAT_TIMEOUT "0s": want a positive duration`},
		{"negative feed interval", nil, []string{"serve", "--feed-interval", "-1m"}, `-feed-interval "-1m": want a positive duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := slices.Concat(tt.args, []string{"--data", data})
			_, _, err := runVeille(t, tt.vars, args...)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%q with %v: %v (exit %d), want a usage error (exit 2) saying %s", args, tt.vars, err, exitCode(err), tt.want)
			}
		})
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a command with a bad setting made its data directory: %v", err)
	}
}

// TestValuesAccepted checks the values that parse takes: booleans as Go
// reads them, log levels in any case, and the defaults.
func TestValuesAccepted(t *testing.T) {
	archive := t.TempDir()
	for _, tt := range []struct {
		watch string
		want  bool
	}{{"1", true}, {"t", true}, {"TRUE", true}, {"True", true}, {"0", false}, {"f", false}, {"FALSE", false}} {
		vars := map[string]string{"VEILLE_WATCH": tt.watch, "VEILLE_ARCHIVE": archive}
		cfg, _, err := parse("serve", nil, true, quietEnv(vars), nil)
		if err != nil || cfg.Watch != tt.want {
			t.Errorf("VEILLE_WATCH=%s: watch %v, %v; want %v", tt.watch, cfg.Watch, err, tt.want)
		}
		cfg, _, err = parse("serve", []string{"--watch=" + tt.watch, "--archive", archive}, true, quietEnv(nil), nil)
		if err != nil || cfg.Watch != tt.want {
			t.Errorf("--watch=%s: watch %v, %v; want %v", tt.watch, cfg.Watch, err, tt.want)
		}
	}
	for name, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "Warn": slog.LevelWarn, "error": slog.LevelError} {
		if cfg, _, err := parse("stats", nil, false, quietEnv(map[string]string{"VEILLE_LOG_LEVEL": name}), nil); err != nil || cfg.LogLevel != want {
			t.Errorf("VEILLE_LOG_LEVEL=%s: level %v, %v; want %v", name, cfg.LogLevel, err, want)
		}
	}
	feeds := []string{"--feed", "https://a.test/rss", "--feed", "https://b.test/atom", "--feed", "https://a.test/rss"}
	if cfg, _, err := parse("serve", feeds, true, quietEnv(nil), nil); err != nil || !slices.Equal(cfg.Feeds, []string{"https://a.test/rss", "https://b.test/atom"}) {
		t.Errorf("a feed named twice: feeds %q, %v; want it once", cfg.Feeds, err)
	}
	cfg, _, err := parse("serve", nil, true, quietEnv(nil), nil)
	if err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	if cfg.RequestTimeout != 30*time.Second || cfg.ShutdownTimeout != 10*time.Second || cfg.Embed.Dims != 0 || cfg.LogLevel != slog.LevelInfo || cfg.Watch {
		t.Fatalf("the defaults: %+v", cfg)
	}
}

// TestExitStatus runs the built binary: help exits 0 with the usage on
// stdout, a bad setting 2.
func TestExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped under -short")
	}
	bin := crashBuild(t, t.Context())
	data := filepath.Join(t.TempDir(), "data")
	for _, tt := range []struct {
		env        []string
		args       []string
		code       int
		stdout     string // a prefix
		stderrHas  string
		stderrNone bool
	}{
		{nil, []string{"search", "--help"}, 0, "usage: veille search [flags] QUERY\n", "", true},
		{nil, []string{"help", "ingest"}, 0, "usage: veille ingest [flags] PATH...\n", "", true},
		{nil, []string{"--help"}, 0, "veille: semantic search", "", true},
		{nil, []string{"help", "nope"}, 2, "", `unknown command "nope"`, false},
		{[]string{"VEILLE_EMBED_DIMS=abc"}, []string{"stats", "--data", data}, 2, "", `veille: usage: VEILLE_EMBED_DIMS "abc"`, false},
		{nil, []string{"serve", "--data", data, "--addr", "127.0.0.1:99999"}, 2, "", `-addr "127.0.0.1:99999"`, false},
	} {
		cmd := exec.CommandContext(t.Context(), bin, tt.args...)
		cmd.Env = append(os.Environ(), tt.env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		code := 0
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.code || !strings.HasPrefix(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderrHas) || (tt.stderrNone && stderr.Len() > 0) {
			t.Errorf("%v veille %q: exit %d, stdout %q, stderr %q; want exit %d, stdout beginning %q, stderr with %q",
				tt.env, tt.args, code, clip(stdout.String(), 120), stderr.String(), tt.code, tt.stdout, tt.stderrHas)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused command made its data directory: %v", err)
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// option is one setting, read from a flag whose default comes from an
// environment variable. The same list prints -help and the README's
// configuration table (veille config).
type option struct {
	flag, env, def, usage string
	serveOnly             bool
	secret                bool   // never printed, never logged
	repeatable            bool   // the flag may be given several times; the variable is comma-separated
	boolean               bool   // the flag takes no value: -watch is -watch=true
	arg                   string // the value's name in -help when it is not free text: n, duration, url…
}

var options = []option{
	{flag: "addr", env: "VEILLE_ADDR", def: ":8080", usage: "address to listen on", serveOnly: true, arg: "host:port"},
	{flag: "archive", env: "VEILLE_ARCHIVE", usage: "folder of issues to ingest at start (idempotent)", serveOnly: true, arg: "dir"},
	{flag: "watch", env: "VEILLE_WATCH", def: "false", usage: "keep following the archive folder: new, changed and deleted files are applied within 2 s", serveOnly: true, boolean: true},
	{flag: "feed", env: "VEILLE_FEEDS", usage: "RSS or Atom feed URL to poll (repeatable; the variable is comma-separated)", serveOnly: true, repeatable: true, arg: "url"},
	{flag: "feed-interval", env: "VEILLE_FEED_INTERVAL", def: "15m", usage: "time between two polls of a feed (errors back off up to 6h)", serveOnly: true, arg: "duration"},
	{flag: "data", env: "VEILLE_DATA_DIR", def: "data", usage: "data directory: Badger store, index snapshot, upload spool", arg: "dir"},
	{flag: "embed-provider", env: "VEILLE_EMBED_PROVIDER", def: "builtin", usage: "embedder: builtin (no model, no network) or openai (any OpenAI-compatible server)"},
	{flag: "embed-base-url", env: "VEILLE_EMBED_BASE_URL", usage: "OpenAI-compatible API root, e.g. http://localhost:11434/v1", arg: "url"},
	{flag: "embed-model", env: "VEILLE_EMBED_MODEL", usage: "embedding model name for the openai provider"},
	{flag: "embed-api-key", env: "VEILLE_EMBED_API_KEY", usage: "API key for the openai provider (prefer the variable to the flag)", secret: true},
	{flag: "embed-dims", env: "VEILLE_EMBED_DIMS", def: "0", usage: "vector dimensions: builtin default 1024; openai: sent as \"dimensions\" when set, else learnt from the server", arg: "n"},
	{flag: "embed-query-prefix", env: "VEILLE_EMBED_QUERY_PREFIX", usage: "text put before queries for models that need it, e.g. \"query: \" (E5) or \"search_query: \" (nomic)"},
	{flag: "embed-passage-prefix", env: "VEILLE_EMBED_PASSAGE_PREFIX", usage: "text put before passages, e.g. \"passage: \" (E5) or \"search_document: \" (nomic)"},
	{flag: "embed-timeout", env: "VEILLE_EMBED_TIMEOUT", def: "30s", usage: "timeout of one embedding request", arg: "duration"},
	{flag: "next-embed-provider", env: "VEILLE_NEXT_EMBED_PROVIDER", usage: "embedder to move the archive to (veille reindex, POST /v1/reindex): builtin or openai; none by default"},
	{flag: "next-embed-base-url", env: "VEILLE_NEXT_EMBED_BASE_URL", usage: "API root of the next embedder (openai provider)", arg: "url"},
	{flag: "next-embed-model", env: "VEILLE_NEXT_EMBED_MODEL", usage: "model of the next embedder (openai provider)"},
	{flag: "next-embed-api-key", env: "VEILLE_NEXT_EMBED_API_KEY", usage: "API key of the next embedder (prefer the variable to the flag)", secret: true},
	{flag: "next-embed-dims", env: "VEILLE_NEXT_EMBED_DIMS", def: "0", usage: "vector dimensions of the next embedder, as -embed-dims", arg: "n"},
	{flag: "next-embed-query-prefix", env: "VEILLE_NEXT_EMBED_QUERY_PREFIX", usage: "query prefix of the next embedder, as -embed-query-prefix"},
	{flag: "next-embed-passage-prefix", env: "VEILLE_NEXT_EMBED_PASSAGE_PREFIX", usage: "passage prefix of the next embedder, as -embed-passage-prefix"},
	{flag: "chat-base-url", env: "VEILLE_CHAT_BASE_URL", usage: "OpenAI-compatible API root of a chat model; with -chat-model, /v1/ask answers with it (citations verified), else by extraction", arg: "url"},
	{flag: "chat-model", env: "VEILLE_CHAT_MODEL", usage: "chat model name, e.g. qwen2.5:7b-instruct or gpt-4o-mini"},
	{flag: "chat-api-key", env: "VEILLE_CHAT_API_KEY", usage: "API key for the chat model (prefer the variable to the flag)", secret: true},
	{flag: "chat-timeout", env: "VEILLE_CHAT_TIMEOUT", def: "60s", usage: "timeout of one chat-model call; past it the answer is extracted", arg: "duration"},
	{flag: "chat-context-chars", env: "VEILLE_CHAT_CONTEXT_CHARS", def: "12000", usage: "characters of passages sent to the chat model at most", arg: "n"},
	{flag: "request-timeout", env: "VEILLE_REQUEST_TIMEOUT", def: "30s", usage: "timeout of a search, ask or similar request", serveOnly: true, arg: "duration"},
	{flag: "max-upload", env: "VEILLE_MAX_UPLOAD_BYTES", def: "16777216", usage: "largest issue upload, or file of a multipart upload, in bytes", serveOnly: true, arg: "bytes"},
	{flag: "max-upload-total", env: "VEILLE_MAX_UPLOAD_TOTAL_BYTES", def: "67108864", usage: "largest multipart upload, all files together, in bytes", serveOnly: true, arg: "bytes"},
	{flag: "item-cache", env: "VEILLE_ITEM_CACHE_BYTES", def: "268435456", usage: "memory for items kept decoded for searches, in bytes (about 1 KB an item); 0 turns the cache off", serveOnly: true, arg: "bytes"},
	{flag: "shutdown-timeout", env: "VEILLE_SHUTDOWN_TIMEOUT", def: "10s", usage: "time given to in-flight requests at shutdown", serveOnly: true, arg: "duration"},
	{flag: "admin-key", env: "VEILLE_ADMIN_KEY", usage: "key for the routes that change the archive (Authorization: Bearer); without one they accept loopback clients only", serveOnly: true, secret: true, arg: "key"},
	{flag: "read-keys", env: "VEILLE_READ_KEYS", usage: "comma-separated keys for search, ask, similar, items and issues; without any, reads are open", serveOnly: true, secret: true, arg: "keys"},
	{flag: "ask-per-minute", env: "VEILLE_ASK_PER_MINUTE", def: "120", usage: "asks a minute per key (or client address without a key); 0 for no limit", serveOnly: true, arg: "n"},
	{flag: "search-per-minute", env: "VEILLE_SEARCH_PER_MINUTE", def: "1200", usage: "other reads a minute per key (or client address); 0 for no limit", serveOnly: true, arg: "n"},
	{flag: "max-concurrent-ask", env: "VEILLE_MAX_CONCURRENT_ASK", def: "16", usage: "asks running at once; more get 503 at once; 0 for no limit", serveOnly: true, arg: "n"},
	{flag: "cors-origins", env: "VEILLE_CORS_ORIGINS", usage: "comma-separated origins allowed to call the API from a browser (* for any); none by default", serveOnly: true, arg: "origins"},
	{flag: "log-format", env: "VEILLE_LOG_FORMAT", def: "text", usage: "log format: text or json"},
	{flag: "log-level", env: "VEILLE_LOG_LEVEL", def: "info", usage: "log level: debug, info, warn or error"},
}

// embedSettings configure one embedder.
type embedSettings struct {
	Provider, BaseURL, Model, APIKey string
	QueryPrefix, PassagePrefix       string
	Dims                             int
}

// config is the parsed settings.
type config struct {
	Addr, Archive, DataDir string
	// Embed is the embedder; Next, when its Provider is set, the one a
	// reindex moves the archive to.
	Embed, Next                        embedSettings
	ChatBaseURL, ChatModel, ChatAPIKey string
	ChatTimeout                        time.Duration
	ChatContextChars                   int
	AdminKey                           string
	ReadKeys                           []string
	AskPerMinute, SearchPerMinute      float64
	MaxConcurrentAsk                   int
	CORSOrigins                        []string
	Watch                              bool
	Feeds                              []string
	FeedInterval                       time.Duration
	EmbedTimeout, RequestTimeout       time.Duration
	MaxUpload, MaxUploadTotal          int64
	ItemCacheBytes                     int64
	ShutdownTimeout                    time.Duration
	LogFormat                          string
	LogLevel                           slog.Level
}

// flags registers the options on fs, defaults taken from getenv, and
// returns a function that builds the config once fs is parsed. Its errors
// name where a bad value came from: the flag when it was given, else the
// environment variable.
func flags(fs *flag.FlagSet, serve bool, getenv func(string) string) func() (config, error) {
	vals := map[string]*string{}
	for _, o := range options {
		if o.serveOnly && !serve {
			continue
		}
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		usage := fmt.Sprintf("%s (env %s)", o.usage, o.env)
		if o.secret {
			usage = fmt.Sprintf("%s (env %s; never logged)", o.usage, o.env)
		}
		if o.boolean {
			b := &boolValue{s: def}
			fs.Var(b, o.flag, usage)
			vals[o.flag] = &b.s
			continue
		}
		if o.repeatable {
			l := &listValue{list: splitList(def)}
			l.joined = l.String()
			fs.Var(l, o.flag, usage)
			vals[o.flag] = &l.joined
			continue
		}
		vals[o.flag] = fs.String(o.flag, def, usage)
	}
	return func() (config, error) {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		from := func(name string) string {
			if o, ok := optionNamed(name); ok && !given[name] && getenv(o.env) != "" {
				return o.env
			}
			return "-" + name
		}
		raw := func(name string) string {
			if v, ok := vals[name]; ok {
				return *v
			}
			return ""
		}
		get := func(name string) string { return strings.TrimSpace(raw(name)) }
		var errs []error
		bad := func(name, want string) {
			errs = append(errs, fmt.Errorf("%s %q: want %s", from(name), raw(name), want))
		}
		// Settings of another command (serve's, for the others) are zero.
		num := func(name string, least int) int {
			if _, ok := vals[name]; !ok {
				return 0
			}
			n, err := strconv.Atoi(get(name))
			if err != nil || n < least {
				bad(name, fmt.Sprintf("an integer, %d or more", least))
			}
			return n
		}
		// No duration may be 0: the packages would take it for their
		// default (embed, chat, api) or for no time at all (shutdown).
		dur := func(name string) time.Duration {
			if _, ok := vals[name]; !ok {
				return 0
			}
			d, err := time.ParseDuration(get(name))
			if err != nil || d <= 0 {
				bad(name, "a positive duration such as 30s")
			}
			return d
		}
		boolean := func(name string) bool {
			if _, ok := vals[name]; !ok {
				return false
			}
			b, err := strconv.ParseBool(get(name))
			if err != nil {
				bad(name, "true or false (or 1, 0, t, f)")
			}
			return b
		}
		embedder := func(prefix string) embedSettings {
			return embedSettings{
				Provider: get(prefix + "embed-provider"), BaseURL: get(prefix + "embed-base-url"),
				Model: get(prefix + "embed-model"), APIKey: get(prefix + "embed-api-key"),
				QueryPrefix: raw(prefix + "embed-query-prefix"), PassagePrefix: raw(prefix + "embed-passage-prefix"),
				Dims: num(prefix+"embed-dims", 0),
			}
		}
		c := config{
			Addr: get("addr"), Archive: get("archive"), DataDir: get("data"),
			Embed: embedder(""), Next: embedder("next-"),
			LogFormat: get("log-format"),
		}
		level, ok := logLevels[strings.ToLower(get("log-level"))]
		if !ok {
			bad("log-level", "debug, info, warn or error")
		}
		c.LogLevel = level
		c.ChatBaseURL, c.ChatModel, c.ChatAPIKey = get("chat-base-url"), get("chat-model"), get("chat-api-key")
		c.ChatTimeout = dur("chat-timeout")
		c.ChatContextChars = num("chat-context-chars", 0)
		c.CORSOrigins = splitList(get("cors-origins"))
		c.Watch = boolean("watch")
		c.Feeds = unique(splitList(get("feed"))) // a feed named twice is polled once
		c.FeedInterval = dur("feed-interval")
		c.AdminKey = get("admin-key")
		c.ReadKeys = splitList(get("read-keys"))
		c.AskPerMinute = float64(num("ask-per-minute", 0))
		c.SearchPerMinute = float64(num("search-per-minute", 0))
		c.MaxConcurrentAsk = num("max-concurrent-ask", 0)
		c.MaxUpload = int64(num("max-upload", 1))
		c.MaxUploadTotal = int64(num("max-upload-total", 1))
		c.ItemCacheBytes = int64(num("item-cache", 0))
		c.EmbedTimeout = dur("embed-timeout")
		c.RequestTimeout = dur("request-timeout")
		c.ShutdownTimeout = dur("shutdown-timeout")
		errs = append(errs, c.validate(serve, from))
		return c, errors.Join(errs...)
	}
}

// logLevels are the names -log-level takes, in any case.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// optionNamed returns the option of a flag.
func optionNamed(name string) (option, bool) {
	for _, o := range options {
		if o.flag == name {
			return o, true
		}
	}
	return option{}, false
}

// validate checks what no setting says alone; from names the source of a
// setting (its flag or its variable) for the messages.
func (c config) validate(serve bool, from func(string) string) error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, fmt.Errorf("%s: a data directory is required", from("data")))
	}
	errs = append(errs, c.Embed.validate("", "VEILLE_EMBED_", from))
	if c.Next.Provider != "" {
		errs = append(errs, c.Next.validate("next-", "VEILLE_NEXT_EMBED_", from))
	}
	if (c.ChatBaseURL == "") != (c.ChatModel == "") {
		errs = append(errs, errors.New("a chat model needs both -chat-base-url and -chat-model (VEILLE_CHAT_BASE_URL, VEILLE_CHAT_MODEL)"))
	}
	if c.ChatBaseURL != "" && !httpURL(c.ChatBaseURL) {
		errs = append(errs, fmt.Errorf("%s %q: want an http or https URL", from("chat-base-url"), c.ChatBaseURL))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("%s %q: want text or json", from("log-format"), c.LogFormat))
	}
	if serve {
		errs = append(errs, checkAddr(c.Addr, from("addr")))
	}
	if serve && c.Watch && c.Archive == "" {
		errs = append(errs, errors.New("-watch needs -archive, the folder to follow"))
	}
	for _, f := range c.Feeds {
		if !httpURL(f) {
			errs = append(errs, fmt.Errorf("%s %q: want an http or https URL", from("feed"), f))
		}
	}
	return errors.Join(errs...)
}

// checkAddr checks a listening address, named by source in the error, as
// net.Listen would before it listens.
func checkAddr(addr, source string) error {
	if addr == "" {
		return fmt.Errorf("%s is required", source)
	}
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil {
		return fmt.Errorf("%s %q: want host:port, e.g. :8080 or 127.0.0.1:8080: %v", source, addr, err)
	}
	return nil
}

// httpURL reports whether s is an http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validate checks the settings of an embedder whose flags start with
// prefix+"embed-" and variables with env.
func (e embedSettings) validate(prefix, env string, from func(string) string) error {
	flag := prefix + "embed-"
	var errs []error
	switch e.Provider {
	case "builtin":
	case "openai":
		if e.BaseURL == "" || e.Model == "" {
			errs = append(errs, fmt.Errorf("-%sprovider openai needs -%sbase-url and -%smodel (%sBASE_URL, %sMODEL)", flag, flag, flag, env, env))
		}
	default:
		errs = append(errs, fmt.Errorf("%s %q: want builtin or openai", from(flag+"provider"), e.Provider))
	}
	if e.BaseURL != "" && !httpURL(e.BaseURL) {
		errs = append(errs, fmt.Errorf("%s %q: want an http or https URL", from(flag+"base-url"), e.BaseURL))
	}
	return errors.Join(errs...)
}

// boolValue is a flag that may be given without a value. Its value is
// checked once parsed, so that the error can name its source.
type boolValue struct{ s string }

func (b *boolValue) String() string     { return b.s }
func (b *boolValue) Set(v string) error { b.s = v; return nil }
func (b *boolValue) IsBoolFlag() bool   { return true }

// listValue is a repeatable flag: the first value given replaces the
// default from the environment, later ones add to it.
type listValue struct {
	list   []string
	set    bool
	joined string
}

func (l *listValue) String() string { return strings.Join(l.list, ",") }

func (l *listValue) Set(v string) error {
	if !l.set {
		l.list, l.set = nil, true
	}
	l.list = append(l.list, splitList(v)...)
	l.joined = l.String()
	return nil
}

// splitList splits a comma-separated setting, dropping empty entries.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// unique drops the repeats of a value from xs, keeping the first.
func unique(xs []string) []string {
	seen := map[string]bool{}
	return slices.DeleteFunc(xs, func(x string) bool {
		dup := seen[x]
		seen[x] = true
		return dup
	})
}

// printFlags writes the flags of fs as flag.PrintDefaults does, but names
// an option's value by its kind (-embed-dims n, not string) and never
// shows the default of a secret, which may come from the environment.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		def := f.DefValue
		if o, ok := optionNamed(f.Name); ok {
			if o.arg != "" {
				name = o.arg
			}
			if o.secret {
				def = ""
			}
		}
		fmt.Fprintf(w, "  -%s", f.Name)
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n    \t%s", usage)
		switch {
		case def == "" || (name == "" && def == "false"):
		case name == "string":
			fmt.Fprintf(w, " (default %q)", def)
		default:
			fmt.Fprintf(w, " (default %s)", def)
		}
		fmt.Fprintln(w)
	})
}

// writeConfigTable prints the options as the README's Markdown table.
func writeConfigTable(w io.Writer) {
	fmt.Fprintln(w, "| Flag | Environment | Default | Description |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, o := range options {
		def := o.def
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		usage := o.usage
		if o.serveOnly {
			usage += " (serve only)"
		}
		fmt.Fprintf(w, "| `--%s` | `%s` | %s | %s |\n", o.flag, o.env, def, strings.ReplaceAll(usage, "|", "\\|"))
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
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
	secret                bool // never printed, never logged
	repeatable            bool // the flag may be given several times; the variable is comma-separated
	boolean               bool // the flag takes no value: -watch is -watch=true
}

var options = []option{
	{flag: "addr", env: "VEILLE_ADDR", def: ":8080", usage: "address to listen on", serveOnly: true},
	{flag: "archive", env: "VEILLE_ARCHIVE", usage: "folder of issues to ingest at start (idempotent)", serveOnly: true},
	{flag: "watch", env: "VEILLE_WATCH", def: "false", usage: "keep following the archive folder: new, changed and deleted files are applied within 2 s", serveOnly: true, boolean: true},
	{flag: "feed", env: "VEILLE_FEEDS", usage: "RSS or Atom feed URL to poll (repeatable; the variable is comma-separated)", serveOnly: true, repeatable: true},
	{flag: "feed-interval", env: "VEILLE_FEED_INTERVAL", def: "15m", usage: "time between two polls of a feed (errors back off up to 6h)", serveOnly: true},
	{flag: "data", env: "VEILLE_DATA_DIR", def: "data", usage: "data directory: Badger store and index snapshot"},
	{flag: "embed-provider", env: "VEILLE_EMBED_PROVIDER", def: "builtin", usage: "embedder: builtin (no model, no network) or openai (any OpenAI-compatible server)"},
	{flag: "embed-base-url", env: "VEILLE_EMBED_BASE_URL", usage: "OpenAI-compatible API root, e.g. http://localhost:11434/v1"},
	{flag: "embed-model", env: "VEILLE_EMBED_MODEL", usage: "embedding model name for the openai provider"},
	{flag: "embed-api-key", env: "VEILLE_EMBED_API_KEY", usage: "API key for the openai provider (prefer the variable to the flag)", secret: true},
	{flag: "embed-dims", env: "VEILLE_EMBED_DIMS", def: "0", usage: "vector dimensions: builtin default 1024; openai: sent as \"dimensions\" when set, else learnt from the server"},
	{flag: "embed-query-prefix", env: "VEILLE_EMBED_QUERY_PREFIX", usage: "text put before queries for models that need it, e.g. \"query: \" (E5) or \"search_query: \" (nomic)"},
	{flag: "embed-passage-prefix", env: "VEILLE_EMBED_PASSAGE_PREFIX", usage: "text put before passages, e.g. \"passage: \" (E5) or \"search_document: \" (nomic)"},
	{flag: "embed-timeout", env: "VEILLE_EMBED_TIMEOUT", def: "30s", usage: "timeout of one embedding request"},
	{flag: "next-embed-provider", env: "VEILLE_NEXT_EMBED_PROVIDER", usage: "embedder to move the archive to (veille reindex, POST /v1/reindex): builtin or openai; none by default"},
	{flag: "next-embed-base-url", env: "VEILLE_NEXT_EMBED_BASE_URL", usage: "API root of the next embedder (openai provider)"},
	{flag: "next-embed-model", env: "VEILLE_NEXT_EMBED_MODEL", usage: "model of the next embedder (openai provider)"},
	{flag: "next-embed-api-key", env: "VEILLE_NEXT_EMBED_API_KEY", usage: "API key of the next embedder (prefer the variable to the flag)", secret: true},
	{flag: "next-embed-dims", env: "VEILLE_NEXT_EMBED_DIMS", def: "0", usage: "vector dimensions of the next embedder, as -embed-dims"},
	{flag: "next-embed-query-prefix", env: "VEILLE_NEXT_EMBED_QUERY_PREFIX", usage: "query prefix of the next embedder, as -embed-query-prefix"},
	{flag: "next-embed-passage-prefix", env: "VEILLE_NEXT_EMBED_PASSAGE_PREFIX", usage: "passage prefix of the next embedder, as -embed-passage-prefix"},
	{flag: "chat-base-url", env: "VEILLE_CHAT_BASE_URL", usage: "OpenAI-compatible API root of a chat model; with -chat-model, /v1/ask answers with it (citations verified), else by extraction"},
	{flag: "chat-model", env: "VEILLE_CHAT_MODEL", usage: "chat model name, e.g. qwen2.5:7b-instruct or gpt-4o-mini"},
	{flag: "chat-api-key", env: "VEILLE_CHAT_API_KEY", usage: "API key for the chat model (prefer the variable to the flag)", secret: true},
	{flag: "chat-timeout", env: "VEILLE_CHAT_TIMEOUT", def: "60s", usage: "timeout of one chat-model call; past it the answer is extracted"},
	{flag: "chat-context-chars", env: "VEILLE_CHAT_CONTEXT_CHARS", def: "12000", usage: "characters of passages sent to the chat model at most"},
	{flag: "request-timeout", env: "VEILLE_REQUEST_TIMEOUT", def: "30s", usage: "timeout of a search, ask or similar request", serveOnly: true},
	{flag: "max-upload", env: "VEILLE_MAX_UPLOAD_BYTES", def: "16777216", usage: "largest issue upload, or file of a multipart upload, in bytes", serveOnly: true},
	{flag: "max-upload-total", env: "VEILLE_MAX_UPLOAD_TOTAL_BYTES", def: "67108864", usage: "largest multipart upload, all files together, in bytes", serveOnly: true},
	{flag: "item-cache", env: "VEILLE_ITEM_CACHE_BYTES", def: "268435456", usage: "memory for items kept decoded for searches, in bytes (about 1 KB an item); 0 turns the cache off", serveOnly: true},
	{flag: "shutdown-timeout", env: "VEILLE_SHUTDOWN_TIMEOUT", def: "10s", usage: "time given to in-flight requests at shutdown", serveOnly: true},
	{flag: "admin-key", env: "VEILLE_ADMIN_KEY", usage: "key for the routes that change the archive (Authorization: Bearer); without one they accept loopback clients only", serveOnly: true, secret: true},
	{flag: "read-keys", env: "VEILLE_READ_KEYS", usage: "comma-separated keys for search, ask, similar, items and issues; without any, reads are open", serveOnly: true, secret: true},
	{flag: "ask-per-minute", env: "VEILLE_ASK_PER_MINUTE", def: "120", usage: "asks a minute per key (or client address without a key); 0 for no limit", serveOnly: true},
	{flag: "search-per-minute", env: "VEILLE_SEARCH_PER_MINUTE", def: "1200", usage: "other reads a minute per key (or client address); 0 for no limit", serveOnly: true},
	{flag: "max-concurrent-ask", env: "VEILLE_MAX_CONCURRENT_ASK", def: "16", usage: "asks running at once; more get 503 at once; 0 for no limit", serveOnly: true},
	{flag: "cors-origins", env: "VEILLE_CORS_ORIGINS", usage: "comma-separated origins allowed to call the API from a browser (* for any); none by default", serveOnly: true},
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
	LogFormat, LogLevel                string
}

// flags registers the options on fs, defaults taken from getenv, and
// returns a function that builds the config once fs is parsed.
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
		raw := func(name string) string {
			if v, ok := vals[name]; ok {
				return *v
			}
			return ""
		}
		get := func(name string) string { return strings.TrimSpace(raw(name)) }
		var errs []error
		embedder := func(prefix string) embedSettings {
			return embedSettings{
				Provider: get(prefix + "embed-provider"), BaseURL: get(prefix + "embed-base-url"),
				Model: get(prefix + "embed-model"), APIKey: get(prefix + "embed-api-key"),
				QueryPrefix: raw(prefix + "embed-query-prefix"), PassagePrefix: raw(prefix + "embed-passage-prefix"),
				Dims: parseInt(prefix+"embed-dims", get(prefix+"embed-dims"), &errs),
			}
		}
		c := config{
			Addr: get("addr"), Archive: get("archive"), DataDir: get("data"),
			Embed: embedder(""), Next: embedder("next-"),
			LogFormat: get("log-format"), LogLevel: get("log-level"),
		}
		c.ChatBaseURL, c.ChatModel, c.ChatAPIKey = get("chat-base-url"), get("chat-model"), get("chat-api-key")
		c.ChatTimeout = parseDuration("chat-timeout", get("chat-timeout"), &errs)
		c.ChatContextChars = parseInt("chat-context-chars", get("chat-context-chars"), &errs)
		c.CORSOrigins = splitList(get("cors-origins"))
		c.Watch = get("watch") == "true"
		if w := get("watch"); w != "" && w != "true" && w != "false" {
			errs = append(errs, fmt.Errorf("-watch %q: want true or false", w))
		}
		c.Feeds = splitList(get("feed"))
		c.FeedInterval = parseDuration("feed-interval", get("feed-interval"), &errs)
		c.AdminKey = get("admin-key")
		c.ReadKeys = splitList(get("read-keys"))
		c.AskPerMinute = float64(parseInt("ask-per-minute", get("ask-per-minute"), &errs))
		c.SearchPerMinute = float64(parseInt("search-per-minute", get("search-per-minute"), &errs))
		c.MaxConcurrentAsk = parseInt("max-concurrent-ask", get("max-concurrent-ask"), &errs)
		c.MaxUpload = int64(parseInt("max-upload", get("max-upload"), &errs))
		c.MaxUploadTotal = int64(parseInt("max-upload-total", get("max-upload-total"), &errs))
		c.ItemCacheBytes = int64(parseInt("item-cache", get("item-cache"), &errs))
		c.EmbedTimeout = parseDuration("embed-timeout", get("embed-timeout"), &errs)
		c.RequestTimeout = parseDuration("request-timeout", get("request-timeout"), &errs)
		c.ShutdownTimeout = parseDuration("shutdown-timeout", get("shutdown-timeout"), &errs)
		errs = append(errs, c.validate(serve))
		return c, errors.Join(errs...)
	}
}

func (c config) validate(serve bool) error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("-data: a data directory is required"))
	}
	errs = append(errs, c.Embed.validate("embed-", "VEILLE_EMBED_"))
	if c.Next.Provider != "" {
		errs = append(errs, c.Next.validate("next-embed-", "VEILLE_NEXT_EMBED_"))
	}
	if (c.ChatBaseURL == "") != (c.ChatModel == "") {
		errs = append(errs, errors.New("a chat model needs both -chat-base-url and -chat-model (VEILLE_CHAT_BASE_URL, VEILLE_CHAT_MODEL)"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("-log-format %q: want text or json", c.LogFormat))
	}
	if serve && c.Addr == "" {
		errs = append(errs, errors.New("-addr is required"))
	}
	if c.AskPerMinute < 0 || c.SearchPerMinute < 0 || c.MaxConcurrentAsk < 0 {
		errs = append(errs, errors.New("rate limits and -max-concurrent-ask must not be negative"))
	}
	if serve && c.Watch && c.Archive == "" {
		errs = append(errs, errors.New("-watch needs -archive, the folder to follow"))
	}
	for _, f := range c.Feeds {
		if u, err := url.Parse(f); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("-feed %q: want an http or https URL", f))
		}
	}
	if serve && c.FeedInterval <= 0 {
		errs = append(errs, errors.New("-feed-interval must be positive"))
	}
	if c.ItemCacheBytes < 0 {
		errs = append(errs, errors.New("-item-cache must not be negative"))
	}
	if serve && (c.MaxUpload <= 0 || c.MaxUploadTotal <= 0) {
		errs = append(errs, errors.New("-max-upload and -max-upload-total must be positive"))
	}
	return errors.Join(errs...)
}

// validate checks the settings of an embedder whose flags start with flag
// and variables with env.
func (e embedSettings) validate(flag, env string) error {
	var errs []error
	switch e.Provider {
	case "builtin":
	case "openai":
		if e.BaseURL == "" || e.Model == "" {
			errs = append(errs, fmt.Errorf("-%sprovider openai needs -%sbase-url and -%smodel (%sBASE_URL, %sMODEL)", flag, flag, flag, env, env))
		}
	default:
		errs = append(errs, fmt.Errorf("-%sprovider %q: want builtin or openai", flag, e.Provider))
	}
	if e.Dims < 0 {
		errs = append(errs, fmt.Errorf("-%sdims must not be negative", flag))
	}
	return errors.Join(errs...)
}

// boolValue is a flag that may be given without a value.
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

func parseInt(name, v string, errs *[]error) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("-%s %q: not an integer", name, v))
	}
	return n
}

func parseDuration(name, v string, errs *[]error) time.Duration {
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		*errs = append(*errs, fmt.Errorf("-%s %q: not a duration such as 30s", name, v))
	}
	return d
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

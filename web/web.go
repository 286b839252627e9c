// Package web serves veille's browser interface: one HTML page, a style
// sheet and a script, embedded in the binary with go:embed, that talk only to
// the public /v1 API of the same origin. It makes no request to any other
// host (no web fonts, no CDN); its Content-Security-Policy forbids them.
//
// The page answers at / and at its deep links, all served the same HTML,
// the script choosing the view from the URL:
//
//	/                 ask a question; /?q=… asks it on load
//	/search           search; ?q=&mode=&from=&to=
//	/items/{id}       an item in its issue, similar items, its story thread
//	/issues           the issues by date, and the form to add one (#add)
//	/issues/{id}      one issue in full
//	/static/…         the embedded assets
//
// Mount it with [With] in front of the API handler:
//
//	srv := &http.Server{Handler: web.With(api.NewHandler(arch, cfg, log))}
//
// or, in a router of your own, send GET and HEAD requests whose path
// [IsPage] accepts to [Handler].
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed static
var static embed.FS

// csp allows the page to load and fetch from its own origin only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is an embedded file ready to serve.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

var (
	loadOnce sync.Once
	assets   map[string]asset // by path under static/, e.g. "app.js"
)

func load() {
	assets = map[string]asset{}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = http.DetectContentType(b)
		}
		assets[strings.TrimPrefix(p, "static/")] = asset{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		// The files are compiled in: failing to read them is a build bug.
		panic("web: reading embedded assets: " + err.Error())
	}
}

// Handler returns the handler of the web interface. It serves GET and HEAD
// on the paths [IsPage] accepts (405 for other methods, 404 for other paths and unknown
// assets). Responses carry an ETag and Cache-Control: no-cache, so a new
// binary's assets are picked up at once. It is safe for concurrent use.
func Handler() http.Handler {
	loadOnce.Do(load)
	mux := http.NewServeMux()
	page := http.HandlerFunc(servePage)
	for _, p := range []string{"/{$}", "/search", "/items/{id}", "/issues", "/issues/{id}"} {
		mux.Handle(p, page)
	}
	mux.HandleFunc("/static/{file...}", func(w http.ResponseWriter, r *http.Request) {
		serveAsset(w, r, r.PathValue("file"))
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		serveAsset(w, r, "icon.svg")
	})
	return methods(mux)
}

// With returns a handler that sends the web interface's paths ([IsPage]) to
// [Handler] when the method is GET or HEAD, and every other request to api,
// so the API keeps its own answers (problem+json) for everything else.
func With(api http.Handler) http.Handler {
	ui := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && IsPage(r.URL.Path) {
			ui.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// IsPage reports whether [Handler] serves urlPath.
func IsPage(urlPath string) bool {
	switch {
	case urlPath == "/", urlPath == "/search", urlPath == "/issues", urlPath == "/favicon.ico":
		return true
	case strings.HasPrefix(urlPath, "/items/"), strings.HasPrefix(urlPath, "/issues/"), strings.HasPrefix(urlPath, "/static/"):
		return true
	}
	return false
}

// methods refuses everything but GET and HEAD.
func methods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func servePage(w http.ResponseWriter, r *http.Request) {
	serveAsset(w, r, "index.html")
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if strings.HasPrefix(a.ctype, "text/html") {
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
	}
	// ServeContent answers If-None-Match with 304, HEAD without a body.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

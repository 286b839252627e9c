package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

var errNoBackup = &apiError{kind: kindNotFound, detail: "this server does not serve backups"}

// backup returns the handler of GET /v1/admin/backup (admin scope), which
// streams a consistent backup of the store, as fn (store.DB.Backup) writes
// it, as an attachment. A nil fn answers 404: this server serves no
// backups. The handler has no time limit: a backup takes as long as the
// store takes to read and the client to receive.
//
// The status and headers go out with the first bytes, so a failure before
// them is an ordinary problem response. A failure after them cuts the
// connection (http.ErrAbortHandler): the client sees a truncated download
// and an error, never a complete-looking response with a broken file in
// it; the backup's checksum would catch the truncation again at restore.
func (s *Server) backup(fn func(ctx context.Context, w io.Writer) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if fn == nil {
			s.fail(c, errNoBackup)
			return
		}
		ctx := c.Request.Context()
		w := &attachmentWriter{c: c, name: "veille-" + time.Now().UTC().Format(time.DateOnly) + ".backup"}
		err := fn(ctx, w)
		switch {
		case err == nil:
			w.start() // in case nothing was written
		case !w.started:
			s.fail(c, err)
		default:
			s.log.ErrorContext(ctx, "backup failed after its headers were sent, cutting the connection",
				"err", err, "bytes_sent", w.n, "request_id", requestIDOf(c))
			panic(http.ErrAbortHandler)
		}
	}
}

// attachmentWriter sends the response's status and headers before the
// first bytes of the body.
type attachmentWriter struct {
	c       *gin.Context
	name    string
	started bool
	n       int64
}

func (w *attachmentWriter) start() {
	if w.started {
		return
	}
	w.started = true
	h := w.c.Writer.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="`+w.name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.c.Status(http.StatusOK)
	w.c.Writer.WriteHeaderNow()
}

func (w *attachmentWriter) Write(p []byte) (int, error) {
	w.start()
	n, err := w.c.Writer.Write(p)
	w.n += int64(n)
	return n, err
}

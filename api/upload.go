package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/jobs"
	"github.com/veille/veille/store"
)

// formatJSON marks an upload holding one issue as an [issueJSON] object; it
// is the API's own format, unknown to [ingest.Parse].
const formatJSON ingest.Format = "json"

// formats maps the media types of an upload, or of a part of a multipart
// one, to parsers; [ingest.FormatDetect] chooses from the file name and the
// content, as `veille ingest` does for files.
var formats = map[string]ingest.Format{
	"":                         ingest.FormatDetect,
	"text/plain":               ingest.FormatDetect,
	"application/octet-stream": ingest.FormatDetect,
	"application/xml":          ingest.FormatDetect, // a feed or XHTML, told apart by the root element
	"text/xml":                 ingest.FormatDetect,
	"text/markdown":            ingest.FormatMarkdown,
	"text/x-markdown":          ingest.FormatMarkdown,
	"application/x-ndjson":     ingest.FormatJSONL,
	"application/jsonl":        ingest.FormatJSONL,
	"application/x-jsonl":      ingest.FormatJSONL,
	"text/html":                ingest.FormatHTML,
	"application/xhtml+xml":    ingest.FormatHTML,
	"message/rfc822":           ingest.FormatEmail,
	"application/rss+xml":      ingest.FormatFeed,
	"application/atom+xml":     ingest.FormatFeed,
	"application/rdf+xml":      ingest.FormatFeed,
	"application/json":         formatJSON,
}

const formatsHint = "send one issue as text/plain (raw, or any format detected from the content), text/markdown, " +
	"application/x-ndjson, text/html, message/rfc822, application/rss+xml, application/atom+xml or application/json, " +
	"or files as multipart/form-data"

// maxUploadFiles bounds the parts of a multipart upload, each of which
// costs a temporary file.
const maxUploadFiles = 1000

// upload is the files of one POST /v1/issues request. They are received in
// full, each spooled to a temporary folder, before any is parsed, so that a
// request that is too large or malformed stores nothing, and memory holds
// one file at a time.
type upload struct {
	dir       string
	files     []*uploadFile
	multipart bool
}

// uploadFile is one file of an upload.
type uploadFile struct {
	name   string        // the part's file name, or the upload's source: the issues' source
	named  bool          // name was given by the client, not made up
	format ingest.Format // ingest.FormatDetect until parsed
	path   string        // the spooled copy
	err    error         // why the file cannot be parsed, found on receiving it
}

// maxSourceLen bounds a file or source name, in bytes.
const maxSourceLen = 256

// errCorpusName refuses a JSON Lines body without a source name, or a part
// without a file name: a corpus's
// issue ids derive from its source name (see the ingest package's
// Identifiers), so two corpora both named "upload" would replace each
// other.
var errCorpusName = invalid("source",
	"a JSON Lines corpus is named by its source, from which its issue ids derive: add ?source=NAME to a body (e.g. ?source=piaf.jsonl), a file name to a multipart part")

// receive reads the request body into an upload: the files of a
// multipart/form-data body, or the body itself as one file.
func (s *Server) receive(c *gin.Context) (*upload, error) {
	mt := mediaType(c)
	format, ok := formats[mt]
	if !ok && mt != "multipart/form-data" {
		return nil, &apiError{kind: kindMediaType, detail: formatsHint}
	}
	if f := c.Query("format"); f != "" {
		switch named, err := ingest.ParseFormat(f); {
		case err != nil || named == ingest.FormatDetect:
			return nil, invalid("format", "must be raw, markdown, jsonl, html, email or feed")
		case format != formatJSON:
			format = named
		}
	}
	dir, err := os.MkdirTemp(s.cfg.SpoolDir, "veille-upload-")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	// A body cut short by the connection (the client went away mid-upload)
	// is told from one that arrived whole but malformed.
	body := &readError{r: c.Request.Body}
	c.Request.Body = readCloser{body, c.Request.Body}
	u := &upload{dir: dir, multipart: !ok}
	if u.multipart {
		err = s.receiveParts(c, u)
	} else {
		err = s.receiveBody(c, u, format)
	}
	if err != nil {
		u.remove()
		if errors.Is(body.err, io.ErrUnexpectedEOF) {
			err = &apiError{kind: kindClientClosed, detail: "the connection closed before the end of the body", err: body.err}
		}
		return nil, err
	}
	return u, nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// receiveBody spools a body that is one file.
func (s *Server) receiveBody(c *gin.Context, u *upload, format ingest.Format) error {
	source, err := querySource(c)
	if err != nil {
		return err
	}
	if format == ingest.FormatJSONL && source == "" {
		return errCorpusName
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxIssueBytes)
	f := &uploadFile{name: cmp.Or(source, "upload"), named: source != "", format: format}
	n, err := u.spool(f, body, s.cfg.MaxIssueBytes)
	if err != nil {
		return err
	}
	if n == 0 {
		return &apiError{kind: kindMalformed, detail: "the body is empty"}
	}
	return nil
}

// receiveParts spools each part of a multipart body, reading the body as a
// stream: at most MaxIssueBytes a part and MaxUploadBytes in all.
func (s *Server) receiveParts(c *gin.Context, u *upload) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxUploadBytes)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return &apiError{kind: kindMalformed, detail: "multipart/form-data: " + err.Error(), err: err}
	}
	for i := 1; ; i++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bodyError(err)
		}
		if i > maxUploadFiles {
			return &apiError{kind: kindTooLarge, detail: fmt.Sprintf("an upload holds at most %d files", maxUploadFiles)}
		}
		// Only a file name names a corpus: form field names repeat.
		f := &uploadFile{name: partName(part, i), named: sourceName(part.FileName(), "") != ""}
		f.format, f.err = partFormat(part, f.name)
		n, err := u.spool(f, part, s.cfg.MaxIssueBytes)
		if err != nil {
			return err
		}
		if n == 0 && f.err == nil {
			f.err = &apiError{kind: kindMalformed, detail: f.name + ": the file is empty"}
		}
	}
	if len(u.files) == 0 {
		return &apiError{kind: kindMalformed, detail: "the multipart body holds no file"}
	}
	return nil
}

// partName names a part: its file name, else its form field name, else
// "part N".
func partName(p *multipart.Part, n int) string {
	return sourceName(p.FileName(), sourceName(p.FormName(), "part "+strconv.Itoa(n)))
}

// partFormat chooses the parser of the part named name from its
// Content-Type.
func partFormat(p *multipart.Part, name string) (ingest.Format, error) {
	ct := p.Header.Get("Content-Type")
	format, ok := formats[mediaTypeOf(ct)]
	if !ok {
		return "", &apiError{kind: kindMediaType, detail: fmt.Sprintf("%s: Content-Type %q is not a format the archive takes", name, ct)}
	}
	return format, nil
}

// spool copies r, up to limit bytes, to a new file of u's folder, adds f
// to u, and returns the bytes copied. A file over limit is a 413 for the
// whole request.
func (u *upload) spool(f *uploadFile, r io.Reader, limit int64) (int64, error) {
	out, err := os.CreateTemp(u.dir, "part-")
	if err != nil {
		return 0, fmt.Errorf("spool upload: %w", err)
	}
	in := &readError{r: r}
	n, err := io.Copy(out, io.LimitReader(in, limit+1))
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("spool upload: %w", cerr)
	}
	switch {
	case in.err != nil:
		return n, bodyError(in.err)
	case err != nil:
		return n, fmt.Errorf("spool upload: %w", err)
	case n > limit:
		return n, &apiError{kind: kindTooLarge, detail: fmt.Sprintf("%s: a file is limited to %d bytes", f.name, limit)}
	}
	f.path = out.Name()
	u.files = append(u.files, f)
	return n, nil
}

// readError remembers the error of a reader, so that a failed read of the
// body can be told from a failed write of the spool.
type readError struct {
	r   io.Reader
	err error
}

func (e *readError) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

// remove deletes the spooled files.
func (u *upload) remove() {
	_ = os.RemoveAll(u.dir) // a temporary folder; nothing to do if it stays
}

// parse reads the file and parses it, choosing the format from its name and
// content when it was not given.
func (f *uploadFile) parse() ([]ingest.Document, error) {
	if f.err != nil {
		return nil, f.err
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("read spooled upload: %w", err)
	}
	if f.format == formatJSON {
		return parseIssueJSON(f.name, data)
	}
	if f.format == ingest.FormatDetect {
		f.format = ingest.DetectFormat(f.name, data)
	}
	if f.format == ingest.FormatJSONL && !f.named {
		return nil, errCorpusName
	}
	return ingest.Parse(f.name, data, f.format)
}

// parseIssueJSON parses an [issueJSON] upload.
func parseIssueJSON(name string, data []byte) ([]ingest.Document, error) {
	var req issueJSON
	if err := decodeJSONBytes(data, &req, true); err != nil {
		return nil, err
	}
	source := strings.TrimSpace(req.Source)
	if why := checkSource(source); source != "" && why != "" {
		return nil, invalid("source", why)
	}
	doc, err := ingest.ParseJSON(cmp.Or(source, name), req.Date, req.Headlines, req.Text)
	if err != nil {
		return nil, err
	}
	return []ingest.Document{doc}, nil
}

// sourceName is name, trimmed, when it can name an upload, else fallback.
func sourceName(name, fallback string) string {
	name = strings.TrimSpace(name)
	if checkSource(name) != "" {
		return fallback
	}
	return name
}

// querySource reads ?source=, trimmed; "" when there is none.
func querySource(c *gin.Context) (string, error) {
	name := strings.TrimSpace(c.Query("source"))
	if why := checkSource(name); name != "" && why != "" {
		return "", invalid("source", why)
	}
	return name, nil
}

// checkSource says why name cannot name an upload; "" when it can.
func checkSource(name string) string {
	switch {
	case name == "":
		return "is empty"
	case !utf8.ValidString(name):
		return "must be valid UTF-8"
	case len(name) > maxSourceLen:
		return fmt.Sprintf("must be at most %d bytes", maxSourceLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "must not hold control characters"
	case path.IsAbs(filepath.ToSlash(name)) || filepath.IsAbs(name):
		// Absolute paths name the files of a watched folder, whose issues
		// the watcher deletes when the file is gone (sources.Watcher).
		return "must be a name, not an absolute path"
	}
	return ""
}

// countItems returns the items the files of u hold, for a job's progress;
// files that do not parse count for nothing.
func (u *upload) countItems() int64 {
	var n int64
	for _, f := range u.files {
		docs, err := f.parse()
		if err != nil {
			continue
		}
		for _, d := range docs {
			n += int64(len(d.Items))
		}
	}
	return n
}

// ingest parses and stores the files of u one after the other, adding the
// items stored to p. Each file is all or nothing as far as the archive
// allows: its documents are all checked (see [Server.check]) before the
// first is stored. A file that cannot be parsed or stored because of what
// it holds (a client error, 4xx) is reported in its result and the next
// one is taken; any other error (the embedder down, a timeout, the client
// gone) stops the upload and is returned, with the summary of what was
// stored before it, the files not reached marked skipped.
func (s *Server) ingest(ctx context.Context, u *upload, p *jobs.Progress) (ingestResponse, error) {
	resp := ingestResponse{Issues: []archive.Result{}, Files: make([]fileResult, 0, len(u.files))}
	for i, f := range u.files {
		fr, err := s.ingestFile(ctx, f, &resp, p)
		resp.Files = append(resp.Files, fr)
		if err == nil {
			continue
		}
		if ae := classify(err); ae.status >= 500 || ae.kind == kindClientClosed {
			for _, rest := range u.files[i+1:] {
				resp.Files = append(resp.Files, fileResult{Name: rest.name, Status: fileSkipped, Issues: []string{}})
			}
			return resp, err
		}
	}
	return resp, nil
}

// ingestFile parses f, checks its documents, and stores them, counting
// each in resp. It returns the file's result and, when the file failed,
// why; the result lists the issues stored from it even then.
func (s *Server) ingestFile(ctx context.Context, f *uploadFile, resp *ingestResponse, p *jobs.Progress) (fileResult, error) {
	fr := fileResult{Name: f.name, Status: fileOK, Issues: []string{}}
	docs, err := f.parse() // no documents when it fails
	fr.Format = string(f.format)
	if err == nil {
		err = s.check(ctx, docs)
	}
	for i := 0; err == nil && i < len(docs); i++ {
		var res archive.Result
		s.keepFileSource(ctx, &docs[i])
		if res, err = s.arch.Ingest(ctx, docs[i]); err == nil {
			resp.add(res)
			fr.Issues = append(fr.Issues, res.IssueID)
			p.Add(int64(len(docs[i].Items)))
		}
	}
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) && len(fr.Issues) == 0:
		// The job was canceled, or the client left, while this file was
		// stored: nothing of it stays (see store.DB.Apply), as for the
		// files after it.
		fr.Status = fileSkipped
	case err != nil:
		fr.Status, fr.Error, fr.err = fileFailed, newFileProblem(err), err
		resp.Failed++
		s.ingestFailed()
	}
	return fr, err
}

// keepFileSource names doc by the file the archive holds its issue from,
// when the archive has the issue from a file that still exists (an
// absolute source, as `veille ingest` and a watched folder write them) with
// the same content: an upload identical to a file's issue changes nothing,
// where taking the upload's name as the issue's source would make a
// watcher started later lose track of the file that gives it. An upload
// that changes the issue, or whose issue's file is gone, names it: a
// watcher would otherwise delete the issue as that of a deleted file.
func (s *Server) keepFileSource(ctx context.Context, doc *ingest.Document) {
	iss, err := s.arch.IssueInfo(ctx, doc.Issue.ID)
	if err != nil || !filepath.IsAbs(iss.Source) {
		return
	}
	if fi, err := os.Stat(iss.Source); err != nil || !fi.Mode().IsRegular() {
		return
	}
	if iss.Hash == doc.Issue.Hash && iss.Date == doc.Issue.Date && iss.Link == doc.Issue.Link {
		doc.Issue.Source = iss.Source
	}
}

// check finds, before anything of docs is stored, the item ids that would
// make a document fail in the store: an id that two issues of docs share,
// or that an issue of the archive holds, unless that issue comes earlier
// in docs and gives the item up.
func (s *Server) check(ctx context.Context, docs []ingest.Document) error {
	owner := map[string]string{} // item id → issue of docs
	pos := map[string]int{}      // issue id → its place in docs
	for i, d := range docs {
		pos[d.Issue.ID] = i
		for _, it := range d.Items {
			if prev, ok := owner[it.ID]; ok && prev != d.Issue.ID {
				return fmt.Errorf("%w: item %q is in issues %q and %q of the upload", ingest.ErrDuplicateID, it.ID, prev, d.Issue.ID)
			}
			owner[it.ID] = d.Issue.ID
		}
	}
	for i, d := range docs {
		for _, it := range d.Items {
			stored, err := s.arch.Item(ctx, it.ID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				continue
			case err != nil:
				return err
			}
			if p, ok := pos[stored.IssueID]; stored.IssueID != d.Issue.ID && (!ok || p > i) {
				return fmt.Errorf("%w: item %q is in issue %q", store.ErrConflict, it.ID, stored.IssueID)
			}
		}
	}
	return nil
}

// ingestFailed counts a failed file, or a failed upload, in the metrics.
func (s *Server) ingestFailed() {
	if s.cfg.Observer != nil {
		s.cfg.Observer.IngestFailed()
	}
}

// storedBefore is err, the problem that ended an upload, with the summary
// of what the upload stored before it, so that the answer does not hide
// stored issues.
func storedBefore(err error, resp ingestResponse) error {
	ae := *classify(err)
	ae.err = err
	ae.stored = &resp
	issues := "issues were"
	if len(resp.Issues) == 1 {
		issues = "issue was"
	}
	ae.detail = strings.TrimSuffix(cmp.Or(ae.detail, ae.title), ".") +
		fmt.Sprintf("; %d %s stored before: see stored", len(resp.Issues), issues)
	return &ae
}

// The status of a file of an upload.
const (
	fileOK      = "ok"
	fileFailed  = "failed"
	fileSkipped = "skipped" // not reached: an error stopped the upload before
)

// fileResult is what became of one file of an upload.
type fileResult struct {
	Name   string       `json:"name"`
	Format string       `json:"format,omitempty"` // the parser used
	Status string       `json:"status"`
	Issues []string     `json:"issues"` // ids of the issues stored from the file
	Error  *fileProblem `json:"error,omitempty"`
	err    error
}

// fileProblem is why a file of an upload failed: the problem its upload
// alone would have had, and the line of the file at fault when known.
type fileProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Line   int    `json:"line,omitempty"`
}

func newFileProblem(err error) *fileProblem {
	ae := classify(err)
	fp := &fileProblem{Type: ae.typ, Title: ae.title, Status: ae.status, Detail: ae.detail}
	if le, ok := errors.AsType[*ingest.LineError](err); ok {
		fp.Line = le.Line
	}
	return fp
}

// allFailed is the problem of a multipart upload whose every file failed:
// the kind the files' errors share (else a validation error), with one
// entry in errors per file.
func allFailed(files []fileResult) error {
	ae := &apiError{kind: classify(files[0].err).kind, err: files[0].err,
		detail: fmt.Sprintf("no file of the upload could be ingested (%d files): see errors", len(files))}
	for _, f := range files {
		if classify(f.err).kind != ae.kind {
			ae.kind = kindValidation
		}
		ae.fields = append(ae.fields, fieldError{Field: f.Name, Message: f.Error.Detail})
	}
	return ae
}

// add counts one issue's result in the totals.
func (r *ingestResponse) add(res archive.Result) {
	r.Added += res.Added
	r.Changed += res.Changed
	r.Unchanged += res.Unchanged
	r.Removed += res.Removed
	r.Issues = append(r.Issues, res)
}

// errNoFileIngested ends an ingest job none of whose files could be
// ingested; the job's result says why for each.
var errNoFileIngested = errors.New("no file of the upload could be ingested")

// startIngest runs the ingest of u as a background job and answers 202
// with the job; the job removes u's files when it ends.
func (s *Server) startIngest(c *gin.Context, u *upload) {
	id := s.jobs.Start(c.Request.Context(), "ingest", "", func(ctx context.Context, p *jobs.Progress) (any, error) {
		defer u.remove()
		p.SetTotal(u.countItems())
		resp, err := s.ingest(ctx, u, p)
		if err == nil && resp.Failed == len(u.files) {
			err = errNoFileIngested
		}
		return resp, err
	})
	s.accepted(c, id)
}

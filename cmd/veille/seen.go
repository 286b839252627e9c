package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"

	"github.com/veille/veille/ingest"
)

// seenFiles remembers, for each file that an ingest loaded whole, the
// SHA-256 of its bytes and the issues that parsing it gave, so that a
// later ingest of the same bytes needs no parse: the issues are checked
// against the store instead ([archive.Archive.Unchanged]), and the file is
// parsed and ingested as usual if any differs. It is a parse cache and so
// never stale against the store; its hashes are tied to the veille
// executable that wrote it (the hash of its file), since another build may
// parse the same bytes differently, while the issues a file gave are kept
// across builds: they tell an ingest which issues a file no longer gives. It lives in the data directory as seenFileName and is
// written, atomically, at the end of each ingest; an unreadable one is
// ignored.
type seenFiles struct {
	Build string               `json:"build"` // SHA-256 of the executable, "" when unknown
	Files map[string]*seenFile `json:"files"` // by absolute path

	// next is Files as this ingest leaves it: record and forget change it,
	// and save writes it, while known reads Files, unchanged, from the
	// goroutine that reads the files ahead.
	next map[string]*seenFile
}

// seenFile is one file as last loaded.
type seenFile struct {
	SHA256 string        `json:"sha256"`
	Format ingest.Format `json:"format,omitempty"` // as asked: "" when detected
	Issues []seenIssue   `json:"issues"`
}

// seenIssue is an issue as parsed from a file, with its item count.
type seenIssue struct {
	Issue ingest.Issue `json:"issue"`
	Items int          `json:"items"`
}

const seenFileName = "ingested-files.json"

// loadSeen reads the record in dataDir, or starts an empty one when it is
// missing or unreadable; a record written by another build knows no file.
func loadSeen(dataDir string) *seenFiles {
	build := executableHash()
	s := &seenFiles{Build: build}
	if b, err := os.ReadFile(filepath.Join(dataDir, seenFileName)); build != "" && err == nil {
		var old seenFiles
		if json.Unmarshal(b, &old) == nil {
			s.Files = old.Files
		}
		if old.Build != build {
			// Another build may parse the same bytes differently: no
			// file is known, but the issues each gave still tell which
			// issues a file may no longer give.
			for _, f := range s.Files {
				if f != nil {
					f.SHA256 = ""
				}
			}
		}
	}
	if s.Files == nil {
		s.Files = map[string]*seenFile{}
	}
	s.next = maps.Clone(s.Files)
	return s
}

// executableHash returns the hex SHA-256 of the running executable, or ""
// when it cannot be read.
func executableHash() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// known returns the record of the file of canonical path abs
// ([sources.Canonical]) if its bytes are the ones recorded, parsed in the
// same format (format as asked: FormatDetect when detected).
func (s *seenFiles) known(abs string, data []byte, format ingest.Format) (*seenFile, string) {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if s.Build == "" {
		return nil, hash
	}
	if f := s.Files[abs]; f != nil && f.SHA256 == hash && f.Format == format {
		return f, hash
	}
	return nil, hash
}

// record notes that the file of canonical path abs, whose bytes hash to
// hash, was loaded whole from docs, parsed in format; forget marks a file
// that failed as unknown, so that the next ingest parses it, and keeps the
// issues it gave before, which the store still holds.
func (s *seenFiles) record(abs, hash string, format ingest.Format, docs []ingest.Document) {
	f := &seenFile{SHA256: hash, Format: format}
	for _, d := range docs {
		f.Issues = append(f.Issues, seenIssue{Issue: d.Issue, Items: len(d.Items)})
	}
	s.next[abs] = f
}

func (s *seenFiles) forget(abs string) {
	if f := s.next[abs]; f != nil {
		s.next[abs] = &seenFile{Format: f.Format, Issues: f.Issues}
	}
}

// save writes the record into dataDir atomically.
func (s *seenFiles) save(dataDir string) error {
	if s.Build == "" {
		return nil
	}
	b, err := json.Marshal(seenFiles{Build: s.Build, Files: s.next})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dataDir, seenFileName+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dataDir, seenFileName))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save %s: %w", seenFileName, err)
	}
	return nil
}

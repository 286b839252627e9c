package sources_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/veille/veille/archive"
	"github.com/veille/veille/ingest"
	"github.com/veille/veille/sources"
)

// issueByHeadline returns the stored issue whose first headline is h.
func issueByHeadline(t *testing.T, arch *archive.Archive, h string) (id, date string) {
	t.Helper()
	issues, err := arch.Issues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, iss := range issues {
		if len(iss.Headlines) > 0 && iss.Headlines[0] == h {
			return iss.ID, iss.Date
		}
	}
	t.Fatalf("no stored issue headed %q", h)
	return "", ""
}

func TestFeedStateSurvivesRestart(t *testing.T) {
	for _, validators := range []string{"etag", "none"} {
		t.Run(validators, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			arch, db, closeArchive := openArchiveIn(t, dir)
			fs := newFeedServer(t, validators,
				entry{"2", "Le retour du zeppelin", "Le zeppelin reprend ses vols au-dessus du lac."},
				entry{"1", "Un phonographe aux enchères", "Un phonographe de Edison vendu aux enchères."})
			opts := sources.FeedOptions{Client: fs.Client(), State: db, Logger: testLogger(t)}
			if res, err := sources.NewFeedPoller(fs.URL, arch, opts).Poll(t.Context()); err != nil || res.New != 2 {
				t.Fatalf("first poll: %+v, %v", res, err)
			}
			id, _ := issueByHeadline(t, arch, "Le retour du zeppelin")
			if _, err := arch.DeleteIssue(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			closeArchive()

			arch, db, closeArchive = openArchiveIn(t, dir)
			t.Cleanup(closeArchive)
			rec := &recorder{Sink: arch}
			opts.State = db
			p := sources.NewFeedPoller(fs.URL, rec, opts)
			res, err := p.Poll(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if want := unchangedPoll(validators); res != want {
				t.Fatalf("first poll after a restart: %+v, want %+v", res, want)
			}
			if validators == "etag" && fs.notModified.Load() != 1 {
				t.Fatalf("server answered 304 %d times, want 1: the validator was forgotten", fs.notModified.Load())
			}

			fs.add(entry{"3", "Le sextant retrouvé", "Un sextant du XVIIIe siècle retrouvé dans une épave."})
			if res, err = p.Poll(t.Context()); err != nil {
				t.Fatal(err)
			}
			if want := (sources.PollResult{Status: 200, New: 1, Skipped: 2}); res != want {
				t.Fatalf("poll after a new entry: %+v, want %+v", res, want)
			}
			if got := len(rec.ingested()); got != 1 {
				t.Fatalf("%d ingests after the restart, want the new entry only", got)
			}
			if len(find(t, arch, "zeppelin")) != 0 {
				t.Fatal("the entry deleted before the restart came back")
			}
			if len(find(t, arch, "sextant")) != 1 || len(find(t, arch, "phonographe")) != 1 {
				t.Fatal("the other entries are not searchable")
			}
		})
	}
}

func TestFeedUndatedEntry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	arch, db, closeArchive := openArchiveIn(t, dir)
	fs := newFeedServer(t, "none", entry{"1", "Le retour du zeppelin", "Le zeppelin reprend ses vols au-dessus du lac."})
	fs.undated = true
	now := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("", -2*3600)) // already the 5th in UTC
	opts := sources.FeedOptions{Client: fs.Client(), State: db, Now: func() time.Time { return now }}
	p := sources.NewFeedPoller(fs.URL, arch, opts)
	if res, err := p.Poll(t.Context()); err != nil || res.New != 1 {
		t.Fatalf("first poll: %+v, %v", res, err)
	}
	if _, date := issueByHeadline(t, arch, "Le retour du zeppelin"); date != "2026-03-05" {
		t.Fatalf("undated entry stored with date %q, want the day it was first seen, 2026-03-05", date)
	}
	now = now.Add(48 * time.Hour)
	if res, err := p.Poll(t.Context()); err != nil || res.Skipped != 1 {
		t.Fatalf("poll two days later: %+v, %v; want the entry skipped, its date kept", res, err)
	}
	closeArchive()

	arch, db, closeArchive = openArchiveIn(t, dir)
	t.Cleanup(closeArchive)
	opts.State = db
	if res, err := sources.NewFeedPoller(fs.URL, arch, opts).Poll(t.Context()); err != nil || res.Skipped != 1 {
		t.Fatalf("poll after a restart: %+v, %v; want the entry skipped", res, err)
	}
	if _, date := issueByHeadline(t, arch, "Le retour du zeppelin"); date != "2026-03-05" {
		t.Fatalf("after a restart the entry is dated %q, want 2026-03-05", date)
	}
}

func TestFeedStateUnreadable(t *testing.T) {
	t.Parallel()
	arch, db, closeArchive := openArchiveIn(t, t.TempDir())
	t.Cleanup(closeArchive)
	fs := newFeedServer(t, "etag", entry{"1", "Le retour du zeppelin", "Le zeppelin reprend ses vols."})
	if err := db.SaveFeedState(fs.URL, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	p := sources.NewFeedPoller(fs.URL, arch, sources.FeedOptions{Client: fs.Client(), State: db, Logger: testLogger(t)})
	if res, err := p.Poll(t.Context()); err != nil || res.New != 1 {
		t.Fatalf("poll from an unreadable state: %+v, %v; want the entry ingested afresh", res, err)
	}
	b, ok, err := db.FeedState(fs.URL)
	if err != nil || !ok {
		t.Fatalf("state after the poll: ok %v, err %v", ok, err)
	}
	var st struct {
		ETag string            `json:"etag"`
		Seen map[string]string `json:"seen"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.ETag == "" || len(st.Seen) != 1 {
		t.Fatalf("state saved after the poll: %s (%v), want the validator and the entry", b, err)
	}
}

// TestFeedStateSurvivesGlitches deletes an entry, then has the feed answer
// an empty body and then no entries: neither brings the entry back.
func TestFeedStateSurvivesGlitches(t *testing.T) {
	t.Parallel()
	arch, db, closeArchive := openArchiveIn(t, t.TempDir())
	t.Cleanup(closeArchive)
	fs := newFeedServer(t, "none",
		entry{"2", "Le retour du zeppelin", "Le zeppelin reprend ses vols au-dessus du lac."},
		entry{"1", "Un phonographe aux enchères", "Un phonographe de Edison vendu aux enchères."})
	p := sources.NewFeedPoller(fs.URL, arch, sources.FeedOptions{Client: fs.Client(), State: db, Logger: testLogger(t)})
	if res, err := p.Poll(t.Context()); err != nil || res.New != 2 {
		t.Fatalf("first poll: %+v, %v", res, err)
	}
	id, _ := issueByHeadline(t, arch, "Le retour du zeppelin")
	if _, err := arch.DeleteIssue(t.Context(), id); err != nil {
		t.Fatal(err)
	}

	fs.mu.Lock()
	fs.blank = true
	fs.mu.Unlock()
	if _, err := p.Poll(t.Context()); !errors.Is(err, ingest.ErrFeed) {
		t.Fatalf("poll of an empty body: %v, want an error wrapping ingest.ErrFeed", err)
	}
	fs.mu.Lock()
	fs.blank, fs.entries, fs.modified = false, nil, fs.modified.Add(time.Hour)
	fs.mu.Unlock()
	if res, err := p.Poll(t.Context()); err != nil || res != (sources.PollResult{Status: 200}) {
		t.Fatalf("poll of a feed without entries: %+v, %v", res, err)
	}
	fs.add(entry{"1", "Un phonographe aux enchères", "Un phonographe de Edison vendu aux enchères."})
	fs.add(entry{"2", "Le retour du zeppelin", "Le zeppelin reprend ses vols au-dessus du lac."})
	if res, err := p.Poll(t.Context()); err != nil || res != (sources.PollResult{Status: 200, Skipped: 2}) {
		t.Fatalf("poll of the feed back as it was: %+v, %v", res, err)
	}
	if len(find(t, arch, "zeppelin")) != 0 {
		t.Fatal("the deleted entry came back after the feed's glitches")
	}
}

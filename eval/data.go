package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Query is one evaluation question with the ids of the passages that answer
// it. Any passage among GoldIDs counts as a correct answer.
type Query struct {
	ID       string
	Question string
	GoldIDs  []string
}

// Pair is two texts with a human similarity score; only the order of the
// scores matters, so any scale works (the STS benchmark uses 0 to 5).
type Pair struct {
	Text1, Text2 string
	Score        float64
}

type queryLine struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	GoldIDs  []string `json:"gold_ids"`
}

type pairLine struct {
	Text1 string   `json:"text1"`
	Text2 string   `json:"text2"`
	Score *float64 `json:"score"`
}

// ReadQueries reads questions in JSON Lines, one object a line with
// "question" and "gold_ids" (both required) and an optional "id"; other
// fields are ignored and blank lines skipped. A bad line fails the whole
// read with an error wrapping [ErrSyntax] that gives its 1-based number.
func ReadQueries(r io.Reader) ([]Query, error) {
	var qs []Query
	err := readLines(r, func(line []byte) error {
		var q queryLine
		if err := json.Unmarshal(line, &q); err != nil {
			return err
		}
		switch {
		case q.Question == "":
			return errors.New(`missing "question"`)
		case len(q.GoldIDs) == 0:
			return errors.New(`missing "gold_ids"`)
		}
		qs = append(qs, Query{ID: q.ID, Question: q.Question, GoldIDs: q.GoldIDs})
		return nil
	})
	return qs, err
}

// ReadPairs reads scored text pairs in JSON Lines, one object a line with
// "text1", "text2" and "score" (all required); other fields are ignored and
// blank lines skipped. Errors are reported as by [ReadQueries].
func ReadPairs(r io.Reader) ([]Pair, error) {
	var ps []Pair
	err := readLines(r, func(line []byte) error {
		var p pairLine
		if err := json.Unmarshal(line, &p); err != nil {
			return err
		}
		switch {
		case p.Text1 == "" || p.Text2 == "":
			return errors.New(`missing "text1" or "text2"`)
		case p.Score == nil:
			return errors.New(`missing "score"`)
		}
		ps = append(ps, Pair{Text1: p.Text1, Text2: p.Text2, Score: *p.Score})
		return nil
	})
	return ps, err
}

// readLines calls fn on every non-blank line of r. Lines may be of any
// length.
func readLines(r io.Reader, fn func(line []byte) error) error {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read line %d: %w", n, err)
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			if ferr := fn(line); ferr != nil {
				return fmt.Errorf("line %d: %w: %w", n, ErrSyntax, ferr)
			}
		}
		if err != nil {
			return nil
		}
	}
}

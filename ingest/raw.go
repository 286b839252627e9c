package ingest

import (
	"fmt"
	"strings"
)

// parseRaw parses an issue in [FormatRaw].
func parseRaw(source, text string) (Document, error) {
	lines := strings.Split(text, "\n")
	first := 0
	for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
		first++
	}
	if first == len(lines) {
		return Document{}, ErrEmpty
	}
	date, headlines, err := parseDateLine(lines[first])
	if err != nil {
		return Document{}, &LineError{Source: source, Line: first + 1, Err: err}
	}
	return parseBody(source, date, headlines, lines[first+1:])
}

// parseDateLine parses a raw issue's first line,
// "date YYYY-MM[-DD] Headline / Headline / ...".
func parseDateLine(line string) (date string, headlines []string, err error) {
	f := strings.Fields(line)
	if len(f) == 0 || !strings.EqualFold(strings.TrimSuffix(f[0], ":"), "date") {
		return "", nil, fmt.Errorf("%w: the first line must be \"date YYYY-MM[-DD] Headline / Headline ...\"", ErrNoDate)
	}
	if len(f) < 2 {
		return "", nil, fmt.Errorf("%w after \"date\"", ErrNoDate)
	}
	date, err = ParseDate(f[1])
	if err != nil {
		return "", nil, err
	}
	for h := range strings.SplitSeq(strings.Join(f[2:], " "), " / ") {
		if h = strings.TrimSpace(strings.Trim(h, "/")); h != "" {
			headlines = append(headlines, h)
		}
	}
	return date, headlines, nil
}

// ParseJSON builds a document from the API's JSON body {date, headlines?,
// text}: text is raw paragraphs separated by blank lines, in which headlines
// are found as in [FormatRaw], the given headlines playing the part of the
// first line's. source names the upload in errors and in [Issue].Source.
// Errors wrap [ErrNoDate], [ErrBadDate], [ErrEmpty] or [ErrEncoding].
func ParseJSON(source string, date string, headlines []string, text string) (Document, error) {
	if strings.TrimSpace(date) == "" {
		return Document{}, withSource(source, ErrNoDate)
	}
	d, err := ParseDate(date)
	if err != nil {
		return Document{}, withSource(source, err)
	}
	body, err := decodeText([]byte(text))
	if err != nil {
		return Document{}, withSource(source, err)
	}
	var heads []string
	for _, h := range headlines {
		h, err := decodeText([]byte(h))
		if err != nil {
			return Document{}, withSource(source, err)
		}
		if h = collapse(h); h != "" {
			heads = append(heads, h)
		}
	}
	doc, err := parseBody(source, d, heads, strings.Split(body, "\n"))
	if err != nil {
		return Document{}, withSource(source, err)
	}
	return doc, nil
}

// parseBody turns the paragraphs of a raw issue into a document, finding the
// headlines as described on [FormatRaw].
func parseBody(source, date string, firstLine []string, lines []string) (Document, error) {
	var hs headlineSet
	for _, h := range firstLine {
		hs.add(h)
	}
	paras := paragraphs(lines)
	var pieces []piece
	emit := func(headline, text string) {
		for _, part := range splitLong(text) {
			pieces = append(pieces, piece{headline: headline, text: part})
		}
	}
	current := ""
	for i, para := range paras {
		text := strings.Join(para, " ")
		last := i == len(paras)-1
		if hs.standalone(text) {
			if last {
				emit(current, text) // a headline of nothing: keep its words
				continue
			}
			current = text
			hs.add(text)
			continue
		}
		if len(para) > 1 && hs.firstLineHeadline(para[0], para[1]) {
			current = para[0]
			hs.add(current)
			text = strings.Join(para[1:], " ")
		}
		if h, rest, ok := hs.splitStart(text); ok {
			current = h
			hs.add(h)
			text = rest
		}
		tail := ""
		if !last && !hs.standalone(strings.Join(paras[i+1], " ")) {
			if body, h, ok := hs.splitEnd(text); ok {
				text, tail = body, h
			}
		}
		emit(current, text)
		if tail != "" {
			current = tail
			hs.add(tail)
		}
	}
	return newDocument(source, date, firstLine, hs.list, pieces)
}

// paragraphs groups lines into paragraphs separated by blank lines, each
// line single-spaced.
func paragraphs(lines []string) [][]string {
	var paras [][]string
	var cur []string
	for _, l := range lines {
		if l = collapse(l); l != "" {
			cur = append(cur, l)
			continue
		}
		if len(cur) > 0 {
			paras = append(paras, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	return paras
}

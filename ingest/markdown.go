package ingest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

var (
	atxHeadingRE = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	fenceRE      = regexp.MustCompile("^ {0,3}(```|~~~)")
	breakRE      = regexp.MustCompile(`^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$`)
	setextRE     = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	listItemRE   = regexp.MustCompile(`^\s*(?:[-*+]|\d{1,9}[.)])(?:\s|$)`)
	refDefRE     = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*\S`)
	quoteRE      = regexp.MustCompile(`^ {0,3}(?:>[ \t]?)+`)
	dateLineRE   = regexp.MustCompile(`(?i)^[*_]*date[*_]*\s*:[*_]*\s*(.*)$`)
	boldLineRE   = regexp.MustCompile(`^(\*\*|__)([^*_].*?)(\*\*|__)$`)

	imageRE    = regexp.MustCompile(`!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])`)
	linkRE     = regexp.MustCompile(`\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])`)
	autoLinkRE = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	commentRE  = regexp.MustCompile(`<!--.*?-->`)
	tagRE      = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>`)
	codeRE     = regexp.MustCompile("`+([^`]+)`+")
	strongRE   = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__|~~([^~]+)~~`)
	emStarRE   = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
	emUnderRE  = regexp.MustCompile(`(^|[^\p{L}\p{N}_])_([^_\s][^_]*)_([^\p{L}\p{N}_]|$)`)
	escapeRE   = regexp.MustCompile("\\\\([\\\\`*_{}\\[\\]()#+\\-.!>~|])")
)

// mdParser holds the state of parseMarkdown.
type mdParser struct {
	source    string
	date      string
	title     string
	current   string // headline of the paragraphs being read
	headlines []string
	seen      map[string]bool // folded headlines
	pieces    []piece
	para      []string // lines of the paragraph being read
	list      bool     // whether para holds a list
}

// parseMarkdown parses an issue in [FormatMarkdown].
func parseMarkdown(source, text string) (Document, error) {
	p := &mdParser{source: source, seen: map[string]bool{}}
	lines := strings.Split(text, "\n")
	start, err := p.frontMatter(lines)
	if err != nil {
		return Document{}, err
	}
	fence := ""
	for n := start; n < len(lines); n++ {
		line := lines[n]
		if fence != "" {
			if strings.HasPrefix(strings.TrimSpace(line), fence) {
				p.flush(false)
				fence = ""
				continue
			}
			p.para = append(p.para, line)
			continue
		}
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			p.flush(true)
			fence = m[1]
			continue
		}
		if strings.TrimSpace(line) == "" {
			p.flush(true)
			continue
		}
		if m := setextRE.FindStringSubmatch(line); m != nil && len(p.para) == 1 && !p.list {
			title := p.para[0]
			p.para = nil
			p.heading(1+strings.Count(m[1][:1], "-"), title)
			continue
		}
		if breakRE.MatchString(line) {
			p.flush(true)
			continue
		}
		if m := atxHeadingRE.FindStringSubmatch(line); m != nil {
			p.flush(true)
			p.heading(len(m[1]), m[2])
			continue
		}
		if refDefRE.MatchString(line) {
			continue
		}
		line = quoteRE.ReplaceAllString(line, "")
		if len(p.para) == 0 {
			if ok, err := p.dateLine(line, n+1); err != nil {
				return Document{}, err
			} else if ok {
				continue
			}
		}
		if listItemRE.MatchString(line) {
			p.list = true
		}
		p.para = append(p.para, line)
	}
	p.flush(fence == "")
	if p.date == "" {
		p.date = findDate(p.title)
	}
	if p.date == "" {
		return Document{}, fmt.Errorf("%w: add front matter \"date: YYYY-MM-DD\", a \"Date: YYYY-MM-DD\" line or a date in the title", ErrNoDate)
	}
	var key []string
	if p.title != "" {
		key = []string{p.title}
	}
	return newDocument(source, p.date, key, p.headlines, p.pieces)
}

// frontMatter reads "key: value" lines between "---" lines at the top of the
// input, keeping date and title, and returns the index of the first line
// after it. Without a closing "---" there is no front matter.
func (p *mdParser) frontMatter(lines []string) (int, error) {
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return 0, nil
	}
	end := 1
	for end < len(lines) && strings.TrimSpace(lines[end]) != "---" && strings.TrimSpace(lines[end]) != "..." {
		end++
	}
	if end == len(lines) {
		return 0, nil
	}
	for n := 1; n < end; n++ {
		key, value, ok := strings.Cut(lines[n], ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "date":
			// YAML timestamps may carry a time: keep the day.
			if len(value) > 10 && (value[10] == 'T' || value[10] == ' ') {
				value = value[:10]
			}
			d, err := ParseDate(value)
			if err != nil {
				return 0, &LineError{Source: p.source, Line: n + 1, Err: err}
			}
			p.date = d
		case "title":
			p.title = collapse(stripInline(value))
		}
	}
	return end + 1, nil
}

// dateLine handles a "Date: ..." line, reporting whether line was one. A
// value that starts with a digit but is no date is an error.
func (p *mdParser) dateLine(line string, n int) (bool, error) {
	m := dateLineRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return false, nil
	}
	value := collapse(stripInline(m[1]))
	d := findDate(value)
	if d == "" {
		if value == "" || !unicode.IsDigit(rune(value[0])) {
			return false, nil
		}
		if _, err := ParseDate(strings.Fields(value)[0]); err != nil {
			return false, &LineError{Source: p.source, Line: n, Err: err}
		}
	}
	if p.date == "" {
		p.date = d
	}
	return true, nil
}

// heading handles a heading: the first level-1 heading is the title (unless
// the front matter gave one), the others are headlines.
func (p *mdParser) heading(level int, text string) {
	text = collapse(stripInline(text))
	if text == "" {
		return
	}
	if level == 1 && p.title == "" {
		p.title = text
		return
	}
	if level == 1 && slices.Equal(foldWords(text), foldWords(p.title)) {
		return // the front matter's title, repeated
	}
	p.setHeadline(text)
}

// setHeadline makes text the current headline and records it once.
func (p *mdParser) setHeadline(text string) {
	p.current = text
	key := strings.Join(foldWords(text), " ")
	if key != "" && !p.seen[key] {
		p.seen[key] = true
		p.headlines = append(p.headlines, text)
	}
}

// flush ends the paragraph being read, turning it into items or, when it is
// only bold text, into a headline. Inline markup is stripped unless markup is
// false (code blocks).
func (p *mdParser) flush(markup bool) {
	lines, list := p.para, p.list
	p.para, p.list = nil, false
	var kept []string
	for _, l := range lines {
		if markup {
			if m := boldLineRE.FindStringSubmatch(strings.TrimSpace(l)); m != nil && len(lines) == 1 && m[1] == m[3] && !strings.Contains(m[2], m[1]) {
				if h := collapse(stripInline(m[2])); h != "" {
					p.setHeadline(h)
				}
				return
			}
			l = stripInline(l)
		}
		if l = collapse(l); l != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		return
	}
	sep := " "
	if list {
		sep = "\n"
	}
	// Stripping marks can bring a combining mark next to a letter.
	text := norm.NFC.String(strings.Join(kept, sep))
	for _, part := range splitLong(text) {
		p.pieces = append(p.pieces, piece{headline: p.current, text: part})
	}
}

// escapeBase is where the private-use runes that stand for backslash-escaped
// characters start while stripInline works.
const escapeBase = 0xF0000

// stripInline removes inline Markdown from one line: images, link targets,
// emphasis, code marks, HTML tags and comments, and backslash escapes.
func stripInline(s string) string {
	protect := !strings.ContainsFunc(s, func(r rune) bool { return r >= escapeBase && r < escapeBase+0x80 })
	if protect {
		s = escapeRE.ReplaceAllStringFunc(s, func(m string) string { return string(rune(escapeBase + int(m[1]))) })
	}
	s = commentRE.ReplaceAllString(s, "")
	s = imageRE.ReplaceAllString(s, "")
	s = linkRE.ReplaceAllString(s, "$1")
	s = autoLinkRE.ReplaceAllString(s, "$1")
	s = tagRE.ReplaceAllString(s, "")
	s = codeRE.ReplaceAllString(s, "$1")
	s = strongRE.ReplaceAllString(s, "$1$2$3")
	s = emStarRE.ReplaceAllString(s, "$1")
	s = emUnderRE.ReplaceAllString(s, "$1$2$3")
	if protect {
		s = strings.Map(func(r rune) rune {
			if r >= escapeBase && r < escapeBase+0x80 {
				return r - escapeBase
			}
			return r
		}, s)
	}
	return s
}

package ingest

import (
	"bytes"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// FormatHTML is a web page or the HTML body of a newsletter e-mail.
//
// The encoding is UTF-8 when the bytes are valid UTF-8, else the one a
// <meta charset> or <meta http-equiv> in the first 1024 bytes names, else
// Windows-1252. The HTML parser is lenient: a broken or truncated page gives
// what it holds.
//
// Page chrome is dropped first: scripts, styles, forms, images (tracking
// pixels included), nav, aside and footer elements, their ARIA roles, hidden
// elements (hidden, aria-hidden, display:none and the like), social share
// links and elements whose class or id names a sidebar, menu, share bar,
// comments and so on. The content is then the <main> (or role=main)
// element, else the only <article>, else the deepest element that holds at
// least three quarters of the page's text (a newsletter spreads its news
// over sibling table cells, so the single densest element would lose most
// of them).
//
// Within it, the first <h1> is the title, as a Markdown title is;
// h2 to h6 and paragraphs that are only bold text are headlines, and the
// blocks after a headline (p, li, td, blockquote, text between double <br>
// ...) are its items. Only headings are read inside a <header>. Links keep
// their text. A list of short entries is one item, one line per entry.
// Blocks of boilerplate are dropped: "se désinscrire", "unsubscribe", "voir
// dans le navigateur", "vous recevez cet e-mail"... and lone "Lire la
// suite" links.
//
// The date comes from, in order: meta article:published_time, JSON-LD
// datePublished, the other date metas (name=date, Dublin Core,
// itemprop=datePublished, og), the first <time datetime>, and a date
// written in the title, the first paragraphs or the top of the page
// ("27 janvier 2025", "January 27, 2025", "2025-01-27"). A page without one
// fails with [ErrNoDate]. The issue id follows the Markdown rule, the title
// standing for the Markdown title.
const FormatHTML Format = "html"

// parseHTML parses a page in [FormatHTML].
func parseHTML(source string, data []byte) (Document, error) {
	text, err := decodeHTML(data)
	if err != nil {
		return Document{}, err
	}
	page, err := readHTML(text, true)
	if err != nil {
		return Document{}, err
	}
	if len(page.pieces) == 0 {
		return Document{}, fmt.Errorf("%w: no text outside the page's chrome", ErrEmpty)
	}
	if page.date == "" {
		return Document{}, fmt.Errorf("%w: add a <time datetime>, a meta article:published_time or a date in the <h1>", ErrNoDate)
	}
	var key []string
	if page.title != "" {
		key = []string{page.title}
	}
	return newDocument(source, page.date, key, page.headlines, page.pieces)
}

// decodeHTML turns an HTML file into NFC text: valid UTF-8 is taken as is
// (so HTML already decoded, as an e-mail body, keeps working whatever its
// stale <meta charset> says); other bytes are decoded from the charset the
// page declares, or Windows-1252.
func decodeHTML(data []byte) (string, error) {
	data = trimCutRune(data)
	if utf8.Valid(data) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return decodeText(data)
	}
	if err := nulError(data); err != nil { // before decoding, so that the offset is the file's
		return "", err
	}
	enc, name, _ := charset.DetermineEncoding(data, "")
	if name == "utf-8" {
		// Declared UTF-8 but is not: the usual mislabelled Latin-1 page.
		enc = charmap.Windows1252
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("%w: not %s: %w", ErrEncoding, name, err)
	}
	return decodeText(out)
}

// htmlPage is what readHTML finds in a page.
type htmlPage struct {
	title     string // the first h1, or the og:title or <title>
	date      string // YYYY-MM[-DD], or "" when the page has none
	headlines []string
	pieces    []piece
}

// readHTML extracts the title, date, headlines and paragraphs of an HTML
// document. A fragment (whole false, as the content of a feed entry) has no
// metadata to read and no chrome to select the content from.
func readHTML(text string, whole bool) (htmlPage, error) {
	root, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return htmlPage{}, fmt.Errorf("%w: %w", ErrSyntax, err) // html.Parse fails only on reader errors
	}
	doc := goquery.NewDocumentFromNode(root)
	var page htmlPage
	var topText string
	if whole {
		page.title = htmlTitle(doc)
		page.date = htmlMetaDate(doc)
		topText = pageTop(doc)
	}
	dropChrome(doc)
	content := doc.Selection
	if whole {
		content = contentRoot(doc)
	}
	w := &htmlWalker{title: page.title, seen: map[string]bool{}}
	for _, n := range content.Nodes {
		w.walk(n)
	}
	w.flush()
	page.headlines, page.pieces = w.headlines, w.pieces
	if whole && page.date == "" {
		page.date = textDate(page.title)
		for i := 0; page.date == "" && i < len(page.pieces) && i < 3; i++ {
			page.date = textDate(page.pieces[i].text)
		}
		if page.date == "" {
			page.date = textDate(topText)
		}
	}
	return page, nil
}

// htmlTitle returns the page's title: its first h1, preferring one in the
// main content, else its og:title or <title>.
func htmlTitle(doc *goquery.Document) string {
	for _, sel := range []string{"main h1, article h1, [role=main] h1", "h1"} {
		if t := collapse(doc.Find(sel).First().Text()); t != "" {
			return t
		}
	}
	if t, ok := doc.Find(`meta[property="og:title"]`).First().Attr("content"); ok && collapse(t) != "" {
		return collapse(t)
	}
	return collapse(doc.Find("title").First().Text())
}

// jsonLDDateRE finds the publication date in JSON-LD without decoding it:
// pages embed all sorts of graphs and only this field matters.
var jsonLDDateRE = regexp.MustCompile(`"datePublished"\s*:\s*"([^"]{4,40})"`)

// htmlMetaDate returns the date the page's metadata gives, or "".
func htmlMetaDate(doc *goquery.Document) string {
	metas := map[string]string{} // lower-case name, property or itemprop -> first content
	doc.Find("meta[content]").Each(func(_ int, s *goquery.Selection) {
		content, _ := s.Attr("content")
		for _, attr := range []string{"property", "name", "itemprop"} {
			if k, ok := s.Attr(attr); ok {
				k = strings.ToLower(strings.TrimSpace(k))
				if _, dup := metas[k]; !dup {
					metas[k] = content
				}
			}
		}
	})
	if d := valueDate(metas["article:published_time"]); d != "" {
		return d
	}
	var ld string
	doc.Find(`script[type="application/ld+json"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if m := jsonLDDateRE.FindStringSubmatch(s.Text()); m != nil {
			ld = valueDate(m[1])
		}
		return ld == ""
	})
	if ld != "" {
		return ld
	}
	for _, k := range []string{"date", "dc.date", "dc.date.issued", "dc.date.created", "dcterms.date",
		"dcterms.issued", "dcterms.created", "datepublished", "og:published_time", "publish_date", "pubdate"} {
		if d := valueDate(metas[k]); d != "" {
			return d
		}
	}
	for _, sel := range []string{"main time[datetime], article time[datetime], [role=main] time[datetime]", "time[datetime]", "[itemprop=datePublished][datetime]"} {
		if v, ok := doc.Find(sel).First().Attr("datetime"); ok {
			if d := valueDate(v); d != "" {
				return d
			}
		}
	}
	return ""
}

// valueDate reads a machine-written date: ISO 8601 with or without a time
// (the day is kept as written, in the writer's time zone), an RFC 5322
// date, or any form textDate knows.
func valueDate(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 10 && (len(v) == 10 || v[10] == 'T' || v[10] == ' ') {
		if d, err := ParseDate(v[:10]); err == nil {
			return d
		}
	}
	if t, err := mail.ParseDate(v); err == nil { // "Mon, 27 Jan 2025 07:00:00 +0100"
		return dayOf(t)
	}
	return textDate(v)
}

// englishDateRE matches "January 27, 2025" and "Jan 27 2025".
var englishDateRE = regexp.MustCompile(`(?i)\b([a-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b`)

// textDate finds a date written in text: what findDate knows, plus the
// English "January 27, 2025".
func textDate(s string) string {
	if s == "" {
		return ""
	}
	for _, m := range englishDateRE.FindAllStringSubmatch(s, -1) {
		month := monthNumbers[strings.ToLower(m[1])]
		if month == 0 {
			month = monthAbbrev[strings.ToLower(m[1])]
		}
		if month == 0 {
			continue
		}
		if d, err := ParseDate(m[3] + "-" + strconv.Itoa(month) + "-" + m[2]); err == nil {
			return d
		}
	}
	return findDate(s)
}

// monthAbbrev maps English month abbreviations to their number.
var monthAbbrev = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7,
	"aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

// pageTopBytes is how much of a page's text is searched for a written date
// when nothing better gives one.
const pageTopBytes = 1000

// pageTop returns the first words of the page's visible text, where a
// newsletter writes its date ("Lettre du 27 janvier 2025").
func pageTop(doc *goquery.Document) string {
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if b.Len() >= pageTopBytes {
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			b.WriteByte(' ')
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Title, atom.Head:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for _, n := range doc.Nodes {
		visit(n)
	}
	return collapse(b.String())
}

// chromeSelector matches elements that never hold the newsletter's text.
const chromeSelector = `head, script, style, noscript, template, iframe, object, embed, svg, canvas, math,
	form, button, input, select, textarea, img, picture, video, audio, map,
	nav, aside, footer, dialog, [hidden], [aria-hidden=true],
	[role=navigation], [role=contentinfo], [role=complementary], [role=search], [role=dialog]`

var (
	// hiddenStyleRE matches inline styles that hide an element, as e-mail
	// preheaders and tracking blocks use.
	// font-size:0 is left alone: responsive e-mails set it on the
	// wrappers of their columns, whose children set it back.
	hiddenStyleRE = regexp.MustCompile(`(?i)display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all`)

	// shareHrefRE matches the targets of social share links.
	shareHrefRE = regexp.MustCompile(`(?i)facebook\.com/(?:sharer|share)|(?:twitter|x)\.com/(?:intent|share)|linkedin\.com/(?:share|shareArticle|sharing)|reddit\.com/submit|bsky\.app/intent|wa\.me/|whatsapp://|api\.whatsapp\.com/send|mailto:\?|t\.me/share|pinterest\.com/pin/create`)

	// noiseClasses are class and id words of page chrome.
	noiseClasses = wordSet(`sidebar menu navbar nav breadcrumb breadcrumbs comments comment share sharing
		social socials cookie cookies consent related advert ads ad promo sponsor sponsored
		footer newsletter-signup signup subscribe-box popup modal skip-link sr-only visually-hidden`)
)

// dropChrome removes from doc what is not the newsletter's text.
func dropChrome(doc *goquery.Document) {
	doc.Find(chromeSelector).Remove()
	doc.Find("[style]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		st, _ := s.Attr("style")
		return hiddenStyleRE.MatchString(st)
	}).Remove()
	doc.Find("a[href]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		href, _ := s.Attr("href")
		return shareHrefRE.MatchString(href)
	}).Remove()
	total := textWeight(doc.Nodes[0])
	doc.Find("[class], [id]").FilterFunction(func(_ int, s *goquery.Selection) bool {
		switch s.Nodes[0].DataAtom {
		case atom.Html, atom.Body, atom.Main, atom.Article:
			return false
		}
		if !chromeName(s.AttrOr("class", "")) && !chromeName(s.AttrOr("id", "")) {
			return false
		}
		// A wrapper whose name happens to contain "menu" or "share" but
		// holds most of the page is not chrome.
		return textWeight(s.Nodes[0])*2 < total
	}).Remove()
}

// chromeName reports whether a class or id attribute names page chrome.
func chromeName(attr string) bool {
	for _, name := range strings.Fields(strings.ToLower(attr)) {
		if noiseClasses[name] {
			return true
		}
		for part := range strings.FieldsFuncSeq(name, func(r rune) bool { return r == '-' || r == '_' }) {
			if noiseClasses[part] && part != "ad" && part != "nav" {
				return true
			}
		}
	}
	return false
}

// contentRoot returns the element holding the page's content.
func contentRoot(doc *goquery.Document) *goquery.Selection {
	body := doc.Find("body")
	if body.Length() == 0 {
		return doc.Selection
	}
	total := textWeight(body.Nodes[0])
	// A <main> or <article> holding little of the text is a shell or a
	// teaser, not the content.
	if s := doc.Find("main, [role=main]").First(); s.Length() > 0 && textWeight(s.Nodes[0])*4 >= total {
		return s
	}
	if s := doc.Find("article"); s.Length() == 1 && textWeight(s.Nodes[0])*4 >= total {
		return s
	}
	n := body.Nodes[0]
	// Descend while one child still holds three quarters of the text.
	for total > 0 {
		var next *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && !textBlocks[c.DataAtom] && textWeight(c)*4 >= total*3 {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return goquery.NewDocumentFromNode(n).Selection
}

// textWeight counts the letters and digits under n.
func textWeight(n *html.Node) int {
	if n.Type == html.TextNode {
		c := 0
		for _, r := range n.Data {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				c++
			}
		}
		return c
	}
	c := 0
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c += textWeight(ch)
	}
	return c
}

var (
	// textBlocks are elements that hold a paragraph's text; contentRoot does
	// not descend into them.
	textBlocks = map[atom.Atom]bool{
		atom.P: true, atom.Li: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
		atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Dd: true, atom.Dt: true,
		atom.Figcaption: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
	}

	// blockElements end the paragraph being read, before and after.
	blockElements = map[atom.Atom]bool{
		atom.Address: true, atom.Article: true, atom.Blockquote: true, atom.Body: true, atom.Caption: true,
		atom.Center: true, atom.Dd: true, atom.Details: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
		atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Hr: true, atom.Html: true,
		atom.Li: true, atom.Main: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
		atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true,
		atom.Tr: true, atom.Header: true, atom.Hgroup: true, atom.Ul: true, atom.Ol: true,
	}
)

// Private-use runes mark inline spans in the walker's buffer, so that a
// paragraph can be judged by what its text is made of: links, bold text, a
// link to unsubscribe. Input text has them removed.
const (
	markLink      = '\uE001'
	markNoiseLink = '\uE002'
	markBold      = '\uE003'
	markEnd       = '\uE004'
	markBreak     = '\uE005' // <br>
)

// isMark reports whether r is one of the walker's marks.
func isMark(r rune) bool { return r >= '\uE000' && r <= '\uE00F' }

// htmlWalker turns the content's nodes into headlines and pieces.
type htmlWalker struct {
	title     string // the issue title, skipped as a heading
	titleSeen bool
	current   string // headline of the pieces being read
	headlines []string
	seen      map[string]bool // folded headlines
	pieces    []piece
	buf       strings.Builder
	header    int // depth inside <header>: only headings are read there
	list      int // depth inside lists
}

// walk reads n and its descendants.
func (w *htmlWalker) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if w.header == 0 {
			w.buf.WriteString(strings.Map(func(r rune) rune {
				if isMark(r) {
					return -1
				}
				return r
			}, n.Data))
		}
		return
	case html.ElementNode:
	case html.DocumentNode:
		w.children(n)
		return
	default:
		return // comments, doctypes
	}
	switch a := n.DataAtom; a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.flush()
		w.heading(a == atom.H1, collapse(stripMarks(nodeText(n))))
	case atom.Br:
		w.buf.WriteRune(markBreak)
	case atom.A:
		mark := markLink
		if noiseLink(n) {
			mark = markNoiseLink
		}
		w.span(n, mark)
	case atom.B, atom.Strong:
		w.span(n, markBold)
	case atom.Ul, atom.Ol:
		w.flush()
		start := len(w.pieces)
		w.list++
		w.children(n)
		w.flush()
		w.list--
		w.mergeList(start)
	case atom.Header:
		w.flush()
		w.header++
		w.children(n)
		w.header--
	default:
		if !blockElements[a] {
			w.children(n)
			return
		}
		w.flush()
		w.children(n)
		w.flush()
	}
}

// children walks n's children.
func (w *htmlWalker) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c)
	}
}

// span walks an inline element between mark and markEnd.
func (w *htmlWalker) span(n *html.Node, mark rune) {
	if w.header > 0 {
		return
	}
	w.buf.WriteRune(mark)
	w.children(n)
	w.buf.WriteRune(markEnd)
}

// heading handles a heading's text: the first h1 matching the title is
// skipped, any other heading is a headline.
func (w *htmlWalker) heading(h1 bool, text string) {
	if text == "" {
		return
	}
	if h1 && !w.titleSeen && (w.title == "" || slices.Equal(foldWords(text), foldWords(w.title))) {
		w.titleSeen = true
		if w.title == "" {
			w.title = text
		}
		return
	}
	w.setHeadline(text)
}

// setHeadline makes text the current headline and records it once.
func (w *htmlWalker) setHeadline(text string) {
	w.current = text
	key := strings.Join(foldWords(text), " ")
	if key != "" && !w.seen[key] {
		w.seen[key] = true
		w.headlines = append(w.headlines, text)
	}
}

// flush ends the text being read: its parts separated by a double <br>
// become pieces, unless they are boilerplate, or headlines when they are
// only bold text.
func (w *htmlWalker) flush() {
	raw := w.buf.String()
	w.buf.Reset()
	for _, seg := range splitBreaks(raw) {
		s := analyseSegment(seg)
		switch {
		case s.text == "" || !strings.ContainsFunc(s.text, isWordRune):
		case isBoilerplate(s.text, s.noiseLink):
			// Unsubscribe and "view in browser" blocks.
		case s.linkOnly && (s.words <= 3 || s.words <= 6 && hasReadMore(s.text)):
			// "Lire la suite", "S'inscrire": buttons, not text.
		case s.boldOnly && w.list == 0 && s.words <= maxKnownHeadlineWords && !strings.HasSuffix(s.text, "."):
			w.setHeadline(s.text)
		default:
			for _, part := range splitLong(s.text) {
				w.pieces = append(w.pieces, piece{headline: w.current, text: part})
			}
		}
	}
}

// isWordRune reports whether r is a letter or a digit.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// mergeMaxWords is the longest entry of a list that is kept as one item.
const mergeMaxWords = 15

// mergeList joins the pieces of a list read since start into one item, one
// line per entry, when they are all short and under the same headline: a
// bullet list reads as one passage, while newsletters that put each news
// item in an <li> keep one item per entry.
func (w *htmlWalker) mergeList(start int) {
	ps := w.pieces[start:]
	if len(ps) < 2 {
		return
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		if p.headline != ps[0].headline || len(strings.Fields(p.text)) > mergeMaxWords {
			return
		}
		lines[i] = p.text
	}
	w.pieces = append(w.pieces[:start], piece{headline: ps[0].headline, text: strings.Join(lines, "\n")})
}

// splitBreaks splits the walker's buffer at double <br>.
func splitBreaks(s string) []string {
	var out []string
	breaks := 0
	start := 0
	for i, r := range s {
		switch {
		case r == markBreak:
			breaks++
		case unicode.IsSpace(r):
		default:
			if breaks >= 2 {
				cut := strings.LastIndexFunc(s[:i], func(r rune) bool { return r == markBreak })
				out = append(out, s[start:cut])
				start = cut
			}
			breaks = 0
		}
	}
	return append(out, s[start:])
}

// segment is a paragraph of the walker's buffer, judged by its marks.
type segment struct {
	text      string // marks removed, white space collapsed
	words     int
	linkOnly  bool // all its words are link text
	boldOnly  bool // all its words are bold
	noiseLink bool // it holds an unsubscribe or "view in browser" link
}

// analyseSegment strips the marks of seg and reports what they said.
func analyseSegment(seg string) segment {
	var s segment
	var stack []rune     // open spans
	links, bolds := 0, 0 // open spans of each kind
	var b strings.Builder
	outsideLink, outsideBold := false, false
	for _, r := range seg {
		switch {
		case r == markLink || r == markNoiseLink || r == markBold:
			stack = append(stack, r)
			if r == markBold {
				bolds++
			} else {
				links++
			}
			if r == markNoiseLink {
				s.noiseLink = true
			}
		case r == markEnd:
			if len(stack) == 0 {
				break // opened in the segment before
			}
			if stack[len(stack)-1] == markBold {
				bolds--
			} else {
				links--
			}
			stack = stack[:len(stack)-1]
		case r == markBreak:
			b.WriteByte(' ')
		case isMark(r):
		default:
			b.WriteRune(r)
			if isWordRune(r) {
				outsideLink = outsideLink || links == 0
				outsideBold = outsideBold || bolds == 0
			}
		}
	}
	s.text = collapse(b.String())
	s.words = len(strings.Fields(s.text))
	s.linkOnly, s.boldOnly = !outsideLink, !outsideBold
	return s
}

// stripMarks removes the walker's marks from s.
func stripMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if isMark(r) {
			return ' '
		}
		return r
	}, s)
}

// nodeText returns the text under n.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Br {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return b.String()
}

var (
	// noisePhrases, folded, mark blocks that manage the subscription
	// rather than tell the news.
	noisePhrases = foldedPhrases(`unsubscribe|se desinscrire|vous desinscrire|desinscription|desinscrivez
		|desabonner|desabonnez|desabonnement|view in browser|view this email|view it in your browser
		|view online|voir dans le navigateur|voir dans votre navigateur|afficher dans le navigateur
		|afficher dans votre navigateur|version en ligne|voir la version web|version web
		|lire en ligne|ouvrir dans le navigateur|se desabonner|opt out`)

	// footerPhrases, folded, mark the legal footer of a newsletter.
	footerPhrases = foldedPhrases(`vous recevez cet e mail|vous recevez cet email|vous recevez ce message
		|vous recevez cette newsletter|vous recevez cette lettre|vous avez recu cet e mail|vous avez recu cet email
		|you are receiving this|you received this|you re receiving this|gerer vos preferences
		|gerer mes preferences|mettre a jour vos preferences|modifier vos preferences|manage your preferences
		|update your preferences|email preferences|tous droits reserves|all rights reserved
		|suivez nous sur|follow us on|partager sur|share on|ne plus recevoir|no longer receive|stop receiving`)

	// readMore, folded, are the labels of links to the full article.
	readMore = foldedPhrases(`lire la suite|lire l article|en savoir plus|continuer la lecture|voir plus
		|read more|continue reading|learn more|decouvrir|lire|cliquez ici|click here`)
)

// foldedPhrases splits a "|"-separated list of folded phrases.
func foldedPhrases(s string) [][]string {
	var out [][]string
	for p := range strings.SplitSeq(s, "|") {
		if w := strings.Fields(p); len(w) > 0 {
			out = append(out, w)
		}
	}
	return out
}

// containsPhrase reports whether the folded words hold one of the phrases,
// word for word.
func containsPhrase(words []string, phrases [][]string) bool {
	for _, p := range phrases {
		for i := 0; i+len(p) <= len(words); i++ {
			if slices.Equal(words[i:i+len(p)], p) {
				return true
			}
		}
	}
	return false
}

// isBoilerplate reports whether a paragraph manages the subscription
// rather than tells the news: one that holds an unsubscribe or "view in
// browser" link (link), or such a phrase when short or at its start, or a
// phrase of a newsletter's legal footer. A news paragraph may well say
// "se désabonner", hence the limits.
func isBoilerplate(text string, link bool) bool {
	words := foldWords(text)
	n := len(strings.Fields(text))
	switch {
	case link && n <= 60:
		return true
	case n <= 12 && containsPhrase(words, noisePhrases):
		return true
	case n <= 30 && containsPhrase(words[:min(len(words), 4)], noisePhrases):
		return true
	}
	return n <= 40 && containsPhrase(words, footerPhrases)
}

// hasReadMore reports whether text is a "read more" label.
func hasReadMore(text string) bool {
	words := foldWords(text)
	for _, p := range readMore {
		if len(words) >= len(p) && slices.Equal(words[:len(p)], p) {
			return true
		}
	}
	return false
}

// noiseHrefRE matches the targets of unsubscribe and "view in browser"
// links.
var noiseHrefRE = regexp.MustCompile(`(?i)unsubscribe|desinscri|d%c3%a9sinscri|desabonn|optout|opt-out|/webversion|view-?in-?browser|list-manage\.com/(?:unsubscribe|profile)`)

// noiseLink reports whether the link n manages the subscription.
func noiseLink(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "href" && noiseHrefRE.MatchString(a.Val) {
			return true
		}
	}
	return containsPhrase(foldWords(nodeText(n)), noisePhrases)
}

// sniffMarkup recognises HTML, feeds and e-mail from the start of data, or
// returns [FormatDetect].
func sniffMarkup(data []byte) Format {
	switch markupRoot(data) {
	case "":
		if looksLikeMail(data) {
			return FormatEmail
		}
		return FormatDetect
	case "rss", "rdf", "feed":
		return FormatFeed
	}
	return FormatHTML
}

// markupRoot returns the name of the first element of data, in lower case
// and without its namespace prefix ("rdf" for <rdf:RDF>), skipping an XML
// declaration, comments and a doctype; "html" when the doctype is html; ""
// when data does not start with markup. The first element decides, as a
// Markdown file may start with an HTML comment.
func markupRoot(data []byte) string {
	head := bytes.ToLower(bytes.TrimPrefix(data[:min(len(data), sniffBytes)], utf8BOM))
	for {
		head = bytes.TrimLeft(head, " \t\r\n")
		var end []byte
		switch {
		case bytes.HasPrefix(head, []byte("<!doctype html")):
			return "html"
		case bytes.HasPrefix(head, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(head, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(head, []byte("<!")):
			end = []byte(">")
		case len(head) > 1 && head[0] == '<' && 'a' <= head[1] && head[1] <= 'z':
			name := head[1:]
			if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
				name = name[:i]
			}
			if i := bytes.LastIndexByte(name, ':'); i >= 0 && i+1 < len(name) {
				name = name[i+1:]
			}
			return string(name)
		default:
			return ""
		}
		i := bytes.Index(head, end)
		if i < 0 {
			return ""
		}
		head = head[i+len(end):]
	}
}

// mailHeaders are header names that only an e-mail starts with; "Date:"
// alone also opens Markdown files.
var mailHeaders = wordSet(`from subject mime-version received return-path message-id delivered-to
	reply-to to cc x-mailer content-type content-transfer-encoding dkim-signature list-unsubscribe`)

// looksLikeMail reports whether head starts with a block of mail headers
// naming at least one of [mailHeaders] besides a "Date:" line.
func looksLikeMail(data []byte) bool {
	head := bytes.TrimPrefix(data[:min(len(data), sniffBytes)], utf8BOM)
	if bytes.HasPrefix(head, []byte("From ")) { // mbox separator line
		return true
	}
	strong, lines := 0, 0
	for line := range bytes.Lines(head) {
		l := strings.TrimRight(string(line), "\r\n")
		if l == "" {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			continue // folded header
		}
		name, _, ok := strings.Cut(l, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return false
		}
		lines++
		if mailHeaders[strings.ToLower(name)] {
			strong++
		}
	}
	return strong >= 1 && lines >= 2
}

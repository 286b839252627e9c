package ingest

// Issue is one published issue of the newsletter.
type Issue struct {
	ID        string   `json:"id"`
	Date      string   `json:"date"`                // YYYY-MM or YYYY-MM-DD; may be empty for corpora
	Headlines []string `json:"headlines,omitempty"` // in order of appearance
	Source    string   `json:"source,omitempty"`    // file path, feed URL or upload name, informative
	Link      string   `json:"link,omitempty"`      // the issue's own web address, if it has one (a feed entry's link)
	Hash      string   `json:"hash"`                // hex SHA-256 of the normalised content
}

// Item is one paragraph of an issue: the unit that is embedded, indexed,
// searched and cited.
type Item struct {
	ID       string `json:"id"`
	IssueID  string `json:"issue_id"`
	Ordinal  int    `json:"ordinal"`            // 0-based position in the issue
	Headline string `json:"headline,omitempty"` // the news item the paragraph belongs to
	Text     string `json:"text"`
	Hash     string `json:"hash"` // hex SHA-256 of Text
}

// Document is a parsed issue with its items, in order.
type Document struct {
	Issue Issue  `json:"issue"`
	Items []Item `json:"items"`
}

// Redate gives the document's issue another date (YYYY-MM or YYYY-MM-DD, as
// the caller has checked) and the content hash that goes with it; the ids
// do not depend on the date.
func (d *Document) Redate(date string) {
	d.Issue.Date = date
	d.Issue.Hash = issueHash(date, d.Issue.Headlines, d.Items)
}

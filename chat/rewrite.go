package chat

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/veille/veille/analysis"
)

// rewriteSystem is the system message of a rewrite, by language.
var rewriteSystem = map[string]string{
	"fr": "Tu transformes la dernière question d’une conversation en une requête de recherche qui se " +
		"comprend seule : remplace les pronoms et complète les ellipses avec les noms, les dates et les " +
		"sujets des échanges précédents. Garde la langue de la question et ne réponds pas à la question. " +
		"Écris seulement la requête, sur une ligne, sans guillemets.",
	"en": "You turn the last question of a conversation into a search query that stands on its own: " +
		"replace pronouns and fill in ellipses with the names, dates and topics of the earlier messages. " +
		"Keep the question’s language and do not answer it. Write only the query, on one line, without " +
		"quotes.",
}

// rewriteLabels name the parts of a rewrite's user message, by language:
// the conversation, the user, the assistant and the question.
var rewriteLabels = map[string][4]string{
	"fr": {"Conversation :", "Utilisateur : ", "Assistant : ", "Dernière question : "},
	"en": {"Conversation:", "User: ", "Assistant: ", "Last question: "},
}

// maxRewriteTurnChars bounds each earlier turn quoted in a rewrite request.
const maxRewriteTurnChars = 400

// Rewrite asks the model to turn question, a follow-up in a conversation,
// into a standalone search query in the question's language. Without an
// earlier user turn it returns question unchanged and asks nothing. When
// the model's reply is empty it returns [RewriteHeuristic]'s query. Errors
// are those of [Client.Answer]; callers can fall back to RewriteHeuristic.
func (c *Client) Rewrite(ctx context.Context, question string, history []Turn) (string, error) {
	question = strings.TrimSpace(question)
	if !slices.ContainsFunc(history, func(t Turn) bool { return t.Role == openai.ChatMessageRoleUser }) {
		return question, nil
	}
	lang := analysis.Language(question)
	labels := rewriteLabels[lang]
	var b strings.Builder
	b.WriteString(labels[0] + "\n")
	for _, m := range historyMessages(history) {
		label := labels[1]
		if m.Role == openai.ChatMessageRoleAssistant {
			label = labels[2]
		}
		b.WriteString(label + shorten(oneLine(m.Content), maxRewriteTurnChars) + "\n")
	}
	b.WriteString("\n" + labels[3] + question)
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: rewriteSystem[lang]},
		{Role: openai.ChatMessageRoleUser, Content: b.String()},
	}
	reply, err := c.complete(ctx, msgs)
	if err != nil {
		return "", fmt.Errorf("chat rewrite: %w", err)
	}
	if q := cleanQuery(reply); q != "" {
		return q, nil
	}
	return RewriteHeuristic(question, history), nil
}

// cleanQuery takes the first non-empty line of a model's reply and strips
// quotes and a "Requête :" or "Query:" label.
func cleanQuery(reply string) string {
	for line := range strings.Lines(reply) {
		line = strings.TrimSpace(line)
		for _, label := range []string{"requête de recherche", "requête", "requete", "search query", "query", "question"} {
			if len(line) > len(label) && strings.EqualFold(line[:len(label)], label) {
				if rest := strings.TrimLeft(line[len(label):], " \u00a0\u202f"); strings.HasPrefix(rest, ":") {
					line = strings.TrimSpace(rest[1:])
				}
			}
		}
		line = strings.Trim(line, "\"'«»“”` \u00a0\u202f")
		if line != "" {
			return line
		}
	}
	return ""
}

// shorten cuts s to at most n runes, after a word, with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := cutText(s, n-1, true)
	return strings.TrimSpace(cut) + "…"
}

// maxFollowUpTerms is the most content words a question may have and still
// count as a follow-up without any other sign.
const maxFollowUpTerms = 1

// maxContextTurns bounds how far back RewriteHeuristic looks for context.
const maxContextTurns = 3

// RewriteHeuristic turns question into a standalone query without a model.
// When question looks like a follow-up, it appends the content words and
// names of the last user turn that question lacks; when that turn was a
// follow-up too, it also looks at the ones before it, up to three turns.
// Otherwise, or without an earlier user turn, it returns question as is.
//
// A question is a follow-up when it starts with "et", "and", "what about"
// or "how about" ("et en février ?", "what about Meta?"), has at most one
// content word ("Meta ?"), has a third-person pronoun or demonstrative
// that does not come after a name of its own ("combien ont-ils levé ?", but
// not "qu'a publié Meta, et quand l'a-t-il fait ?"), or names no one but
// "the company", "la start-up" and the like.
//
// Words of the question replace words of the same kind in the context
// instead of joining them: a name replaces the names ("what about Meta?"
// after "How much did Mistral raise?" gives "what about Meta? much raise"),
// a month or year replaces months and years, and another number the
// numbers. A newer turn's words shadow an older turn's in the same way.
// Context words keep their spelling, hyphenated words whole ("start-up"),
// and come in conversation order.
func RewriteHeuristic(question string, history []Turn) string {
	question = strings.TrimSpace(question)
	toks := analysis.Tokens(question)
	if !followUp(toks) {
		return question
	}
	have := map[string]bool{}
	var filled kinds
	for _, t := range toks {
		have[t.Stem] = true
		filled |= kindOf(t)
	}
	var groups [][]string // context words by turn, newest first
	turns := 0
	for i := len(history) - 1; i >= 0 && turns < maxContextTurns; i-- {
		if history[i].Role != openai.ChatMessageRoleUser {
			continue
		}
		turns++
		text := history[i].Content
		ttoks := analysis.Tokens(text)
		var words []string
		var seen kinds
		for _, w := range hyphenRuns(ttoks) {
			useful := false
			for _, t := range w {
				k := kindOf(t)
				seen |= k
				useful = useful || !t.Is(analysis.Stop) && !have[t.Stem] && filled&k == 0
			}
			if !useful {
				continue
			}
			for _, t := range w {
				have[t.Stem] = true
			}
			words = append(words, text[w[0].Start:w[len(w)-1].End])
		}
		groups = append(groups, words)
		filled |= seen
		if !followUp(ttoks) {
			break
		}
	}
	var add []string
	for _, words := range slices.Backward(groups) {
		add = append(add, words...)
	}
	if len(add) == 0 {
		return question
	}
	return question + " " + strings.Join(add, " ")
}

// hyphenRuns groups toks into words, a hyphenated word ("start-up",
// "a-t-elle") being one group.
func hyphenRuns(toks []analysis.Token) [][]analysis.Token {
	var out [][]analysis.Token
	for i, t := range toks {
		if i > 0 && t.Is(analysis.Hyphenated) {
			out[len(out)-1] = append(out[len(out)-1], t)
			continue
		}
		out = append(out, []analysis.Token{t})
	}
	return out
}

// kinds is a set of word kinds that a follow-up replaces rather than adds.
type kinds uint8

const (
	nameKind kinds = 1 << iota
	timeKind
	numberKind
)

// kindOf returns the replaceable kind of t, or 0.
func kindOf(t analysis.Token) kinds {
	switch {
	case t.Kind == analysis.Number && len(t.Term) == 4 && (strings.HasPrefix(t.Term, "19") || strings.HasPrefix(t.Term, "20")):
		return timeKind
	case t.Kind == analysis.Number:
		return numberKind
	case monthNames[t.Term]:
		return timeKind
	case t.Is(analysis.Capitalized) && !t.Is(analysis.Stop):
		// Names at the start of a question count too: "Mistral a levé
		// combien ?" names Mistral.
		return nameKind
	}
	return 0
}

// followUp reports whether a question, given as tokens, leans on earlier
// turns.
func followUp(toks []analysis.Token) bool {
	if len(toks) > 0 && leads[toks[0].Term] {
		return true
	}
	if len(toks) > 1 && (toks[0].Term == "what" || toks[0].Term == "how") && toks[1].Term == "about" {
		return true
	}
	content := 0
	named, referent := false, false
	for _, t := range toks {
		// In "Meta a-t-il publié…" the pronoun repeats the name before it.
		if anaphora[t.Term] && !(named && t.Is(analysis.Hyphenated)) {
			return true
		}
		named = named || kindOf(t) == nameKind
		referent = referent || referents[t.Term]
		if !t.Is(analysis.Stop) {
			content++
		}
	}
	return content <= maxFollowUpTerms || referent && !named
}

var (
	// leads are first words that continue the previous question.
	leads = wordSet("et and quid")
	// anaphora are pronouns and demonstratives that point back to an
	// earlier turn ("that" is left out: it is more often a conjunction).
	anaphora = wordSet("il ils elle elles eux lui leur leurs celui celle ceux celles cela ca ceci " +
		"they them their theirs it its he him his she her this these those")
	// referents are nouns that stand for what an earlier turn named ("qui
	// dirige la start-up ?", "who runs the company?"): a question that
	// holds one and no name of its own is a follow-up.
	referents = wordSet("entreprise societe groupe startup start firme laboratoire labo " +
		"company firm startup lab group")
	monthNames = wordSet("janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre " +
		"january february march april may june july august september october november december")
)

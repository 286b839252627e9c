package chat

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// answerSystem is the system message of an answer, by language.
var answerSystem = map[string]string{
	"fr": "Tu es l’assistant de veille et tu réponds à des questions sur une archive de newsletters " +
		"consacrées à la tech et à l’IA. Réponds uniquement à partir des passages numérotés du dernier " +
		"message, jamais de ce que tu sais par ailleurs. Termine chaque phrase par le numéro entre crochets " +
		"du ou des passages qui la justifient, par exemple [1] ou [2][3]. Reprends les chiffres, les dates et " +
		"les noms tels qu’ils sont écrits dans les passages. Si les passages ne permettent pas de répondre, " +
		"dis-le en une phrase sans numéro et n’invente rien. Réponds en français, en quelques phrases courtes.",
	"en": "You are veille’s assistant and you answer questions about an archive of tech and AI " +
		"newsletters written in French. Answer only from the numbered passages of the last message, never " +
		"from anything else you know. End every sentence with the number, in square brackets, of the passage " +
		"or passages that back it, for example [1] or [2][3]. Give figures, dates and names as the passages " +
		"write them. If the passages do not answer the question, say so in one sentence without a number and " +
		"make nothing up. Answer in English, in a few short sentences.",
}

// answerLabels are the headings of the last user message, by language.
var answerLabels = map[string][2]string{
	"fr": {"Passages :", "Question : "},
	"en": {"Passages:", "Question: "},
}

// answerMessages builds the messages of an answer: the system message in
// lang, the last maxHistoryTurns turns of history without their citation
// markers (their numbers referred to other passages), and the passages
// followed by the question.
func answerMessages(lang, question string, history []Turn, passages []Passage) []openai.ChatCompletionMessage {
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: answerSystem[lang]}}
	msgs = append(msgs, historyMessages(history)...)
	labels := answerLabels[lang]
	var b strings.Builder
	b.WriteString(labels[0])
	b.WriteString("\n\n")
	for i, p := range passages {
		b.WriteString(formatPassage(i+1, p))
		b.WriteString("\n\n")
	}
	b.WriteString(labels[1])
	b.WriteString(strings.TrimSpace(question))
	return append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: b.String()})
}

// historyMessages returns the last maxHistoryTurns user and assistant
// turns of history as messages, with the citation markers of assistant
// turns removed.
func historyMessages(history []Turn) []openai.ChatCompletionMessage {
	var msgs []openai.ChatCompletionMessage
	for _, t := range history {
		content := strings.TrimSpace(t.Content)
		switch {
		case content == "":
			continue
		case t.Role == openai.ChatMessageRoleAssistant:
			content = stripMarkers(content)
		case t.Role != openai.ChatMessageRoleUser:
			continue
		}
		msgs = append(msgs, openai.ChatCompletionMessage{Role: t.Role, Content: content})
	}
	return msgs[max(len(msgs)-maxHistoryTurns, 0):]
}

// formatPassage writes passage n as "[n] (2025-01, Headline) text", leaving
// out the date or headline when empty, and line breaks inside the text.
func formatPassage(n int, p Passage) string {
	var b strings.Builder
	b.WriteString("[" + strconv.Itoa(n) + "] ")
	if meta := strings.Join(nonEmpty(p.Date, oneLine(p.Headline)), ", "); meta != "" {
		b.WriteString("(" + meta + ") ")
	}
	b.WriteString(oneLine(p.Text))
	return b.String()
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// oneLine replaces runs of white space, line breaks included, with a space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// trimPassages returns the passages that fit in budget runes once
// formatted, each followed by a blank line. The first passage that does
// not fit whole is cut after its last sentence that fits, and the passages
// after it are dropped. A first passage whose first sentence alone does not
// fit is cut after its last word that fits, so the model always gets
// something to answer from. Passages keep their numbers, since only the
// end is dropped, and a cut text is a prefix of the original, so offsets
// into it hold in the original too.
func trimPassages(passages []Passage, budget int) []Passage {
	var out []Passage
	used := 0
	for i, p := range passages {
		n := utf8.RuneCountInString(formatPassage(i+1, p)) + 2
		if used+n <= budget {
			out = append(out, p)
			used += n
			continue
		}
		head := p
		head.Text = ""
		room := budget - used - utf8.RuneCountInString(formatPassage(i+1, head)) - 2
		if cut := cutText(p.Text, room, len(out) == 0); cut != "" {
			p.Text = cut
			out = append(out, p)
		}
		break
	}
	return out
}

// cutText returns the longest run of whole sentences at the start of text
// that has at most room runes, or with anyWord, when no sentence fits, its
// longest run of whole words that does.
func cutText(text string, room int, anyWord bool) string {
	if room <= 0 {
		return ""
	}
	cut := ""
	for _, s := range splitSentences(text) {
		if utf8.RuneCountInString(text[:s.end]) > room {
			break
		}
		cut = text[:s.end]
	}
	if cut != "" || !anyWord {
		return cut
	}
	end := 0
	for i, r := range text {
		if i > 0 && unicode.IsSpace(r) {
			if utf8.RuneCountInString(text[:i]) > room {
				break
			}
			end = i
		}
	}
	if end == 0 && utf8.RuneCountInString(text) <= room {
		end = len(text)
	}
	return text[:end]
}

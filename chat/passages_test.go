package chat_test

import "github.com/veille/veille/chat"

// testPassages are three paragraphs of the archive, as retrieval returns
// them.
var testPassages = []chat.Passage{
	{
		ID: "2025-01-14/3", IssueID: "2025-01-14", Date: "2025-01", Headline: "Mistral AI lève des fonds",
		Text: "La start-up française Mistral AI a levé 5,6 millions d'euros auprès de fonds européens. " +
			"L'entreprise, fondée en 2023 par d'anciens chercheurs de Meta et de DeepMind, veut concurrencer OpenAI. " +
			"Son prochain modèle sortira au printemps.",
	},
	{
		ID: "2025-02-11/1", IssueID: "2025-02-11", Date: "2025-02", Headline: "Meta publie Llama 4",
		Text: "Meta a publié Llama 4 en février, un modèle ouvert de 400 milliards de paramètres. " +
			"Le groupe affirme qu'il dépasse GPT-4 sur la plupart des tests.",
	},
	{
		ID: "2025-02-11/5", IssueID: "2025-02-11", Date: "2025-02", Headline: "Régulation",
		Text: "Le Parlement européen a adopté l'AI Act, qui encadre les modèles à usage général. " +
			"Les premières obligations s'appliquent dès août 2025.",
	},
}

// Scores KB suggestions against the labelled evaluation set (tests/fixtures/kb/evaluation.ts):
// for each ticket, where does the KB article that answers it appear among the suggestions?
// Shared by tests/kb/kb-suggestions.test.ts and `npm run bench -- search`.
import type { Meili } from '../../search/client.ts';
import { suggestKbArticles } from '../../search/kb-search.ts';
import { evaluationTickets } from '../fixtures/kb/evaluation.ts';

export interface SuggestionScore {
  tickets: number;
  /** Share of tickets whose answering KB article is among the first three suggestions. */
  precisionAt3: number;
  /** Mean of 1/rank of the answering KB article among the first ten suggestions (0 when absent). */
  meanReciprocalRank: number;
  /** The tickets whose answer was not among the first three, for whoever tunes the search. */
  misses: { subject: string; answer: string; suggested: string[] }[];
}

/** Asks for ten suggestions per labelled ticket and scores where the answering KB article lands. */
export async function scoreSuggestions(options: {
  meili: Meili;
  indexUid: string;
  /** Maps a seeded KB article key to the id it got in this database. */
  idsByKey: Map<string, number>;
}): Promise<SuggestionScore> {
  const keysById = new Map([...options.idsByKey].map(([key, id]) => [id, key]));
  let inTopThree = 0;
  let reciprocalRanks = 0;
  const misses: SuggestionScore['misses'] = [];

  for (const ticket of evaluationTickets) {
    const found = await suggestKbArticles({
      meili: options.meili,
      indexUid: options.indexUid,
      ticket,
      limit: 10,
    });
    const suggested = found.suggestions.map(
      (suggestion) => keysById.get(suggestion.id) ?? String(suggestion.id),
    );
    const rank = suggested.indexOf(ticket.answer) + 1;

    if (rank >= 1 && rank <= 3) inTopThree += 1;
    else
      misses.push({
        subject: ticket.subject,
        answer: ticket.answer,
        suggested: suggested.slice(0, 3),
      });
    if (rank >= 1) reciprocalRanks += 1 / rank;
  }

  const tickets = evaluationTickets.length;
  return {
    tickets,
    precisionAt3: inTopThree / tickets,
    meanReciprocalRank: reciprocalRanks / tickets,
    misses,
  };
}

// Which language a ticket is written in, and which of its words are worth searching for.
// Tickets carry no language of their own, so suggestions guess it from the customer's words:
// each language's function words, plus the letters only some languages use. Pure; tests in
// tests/kb/kb-pure.test.ts.
import type { KbLanguage } from '../db/entities/knowledge-base.ts';

/** Short, frequent words per language: they say which language a text is in and are never searched for. */
export const functionWords: Record<KbLanguage, readonly string[]> = {
  en: wordList(`
    the a an and or of to in on for with is are was my our your it this that i we
    you can how do does have has be at from after not please hello hi thanks what
    where when why get got need want cannot can't there their them since
  `),
  de: wordList(`
    der die das den dem des ein eine einen und oder ist sind ich wir sie es mit nach
    von zu bei auf für fur nicht mein meine unser unsere wie kann hallo bitte danke
    seit habe hat wo möchten mochten im zum zur keine kein mehr noch auch aber wurde
    haben
  `),
  fr: wordList(`
    le la les un une des du de et ou est sont je nous vous il elle avec pour dans
    sur après apres mon ma mes notre votre ne pas comment bonjour merci au aux ce
    cette à où puis depuis rien plus j m l d qu suis été etre être nos vos ça ca
  `),
  es: wordList(`
    el la los las un una y o es son yo nosotros con para por en del al mi mis su no
    cómo como hola gracias que qué desde después despues puedo lo me dónde donde ya
    quiero tengo muy pero este estan están aunque nuestro nuestra ha han se
  `),
  pt: wordList(`
    o os as um uma e ou é são eu nós com para por no na nos nas do da dos das meu
    minha não nao como olá ola obrigado obrigada que depois posso está esta em onde
    mais tenho consigo foi fui ao pelo pela sempre nosso nossa ate até existe
    preciso
  `),
};

// Letters and spellings typical of one of our languages; each counts as much as a function word.
const telltaleLetters: Record<KbLanguage, RegExp> = {
  en: /\b(th|wh)\w+/g,
  de: /[äöüß]|sch|ung\b/g,
  fr: /[èêëàâîïôûùœ]|eau|\b[dlmjn]'|qu'/g,
  es: /[ñ¿¡]|ción\b|cion\b/g,
  pt: /[ãõ]|nh|lh|ção\b|cao\b/g,
};

const languageOrder: KbLanguage[] = ['en', 'de', 'fr', 'es', 'pt'];

/** Guesses the language of a customer's text; English when nothing points elsewhere. */
export function detectLanguage(text: string): KbLanguage {
  const lower = text.toLowerCase();
  const words = lower.split(/[^\p{L}]+/u).filter((word) => word.length > 0);

  let best: KbLanguage = 'en';
  let bestScore = 0;
  for (const language of languageOrder) {
    const vocabulary = new Set(functionWords[language]);
    const wordHits = words.filter((word) => vocabulary.has(word)).length;
    const letterHits = lower.match(telltaleLetters[language])?.length ?? 0;
    const score = wordHits + letterHits;
    if (score > bestScore) {
      best = language;
      bestScore = score;
    }
  }
  return best;
}

function wordList(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

const allFunctionWords = new Set(Object.values(functionWords).flat());

/** Meilisearch reads at most this many words of a query; the rest are ignored. */
export const maxQueryWords = 10;

/**
 * Picks the words of a ticket worth searching KB articles for: subject first (people name the
 * problem there), then tags, then the body's longest distinct words, never function words.
 */
export function ticketQueryWords(options: {
  subject: string;
  tags: string[];
  body: string;
}): string[] {
  const subjectWords = contentWords(options.subject);
  const tagWords = options.tags.flatMap(contentWords);
  const bodyWords = contentWords(options.body).sort((a, b) => b.length - a.length);

  const picked: string[] = [];
  for (const word of [...subjectWords, ...tagWords, ...bodyWords]) {
    if (picked.length === maxQueryWords) break;
    if (!picked.includes(word)) picked.push(word);
  }
  return picked;
}

function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 2 && !allFunctionWords.has(word));
}

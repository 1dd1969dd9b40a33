/**
 * Common English abbreviations. Keys are matched case-sensitively at a word start, with their
 * final period. Those with `keepsSentence` (Dr., Mr., e.g., …) never end a sentence.
 */
export interface Abbreviation {
  readonly expansion: string;
  /** Its period never ends a sentence (titles before a name; e.g., i.e., vs.). */
  readonly keepsSentence: boolean;
}

export const ABBREVIATIONS: ReadonlyMap<string, Abbreviation> = new Map<string, Abbreviation>([
  ["Dr.", { expansion: "Doctor", keepsSentence: true }],
  ["Mr.", { expansion: "Mister", keepsSentence: true }],
  ["Mrs.", { expansion: "Missus", keepsSentence: true }],
  ["Ms.", { expansion: "Miz", keepsSentence: true }],
  ["Prof.", { expansion: "Professor", keepsSentence: true }],
  ["Sr.", { expansion: "Senior", keepsSentence: true }],
  ["Jr.", { expansion: "Junior", keepsSentence: true }],
  ["St.", { expansion: "Saint", keepsSentence: true }],
  ["Mt.", { expansion: "Mount", keepsSentence: true }],
  ["Capt.", { expansion: "Captain", keepsSentence: true }],
  ["Gen.", { expansion: "General", keepsSentence: true }],
  ["Lt.", { expansion: "Lieutenant", keepsSentence: true }],
  ["Sgt.", { expansion: "Sergeant", keepsSentence: true }],
  ["vs.", { expansion: "versus", keepsSentence: true }],
  ["etc.", { expansion: "et cetera", keepsSentence: false }],
  ["e.g.", { expansion: "for example", keepsSentence: true }],
  ["i.e.", { expansion: "that is", keepsSentence: true }],
  ["approx.", { expansion: "approximately", keepsSentence: false }],
  ["Ave.", { expansion: "Avenue", keepsSentence: false }],
  ["Inc.", { expansion: "Incorporated", keepsSentence: false }],
  ["Ltd.", { expansion: "Limited", keepsSentence: false }],
  ["Co.", { expansion: "Company", keepsSentence: false }],
  ["Corp.", { expansion: "Corporation", keepsSentence: false }],
  ["Dept.", { expansion: "Department", keepsSentence: false }],
  ["Jan.", { expansion: "January", keepsSentence: false }],
  ["Feb.", { expansion: "February", keepsSentence: false }],
  ["Aug.", { expansion: "August", keepsSentence: false }],
  ["Sept.", { expansion: "September", keepsSentence: false }],
  ["Oct.", { expansion: "October", keepsSentence: false }],
  ["Nov.", { expansion: "November", keepsSentence: false }],
  ["Dec.", { expansion: "December", keepsSentence: false }],
]);

/** The abbreviation (with its period) ending at `end` (exclusive) in `text`, if any. */
export function abbreviationBefore(text: string, end: number): Abbreviation | undefined {
  const start = wordStart(text, end - 1);
  const word = text.slice(start, end);
  return ABBREVIATIONS.get(word);
}

function wordStart(text: string, from: number): number {
  let i = from;
  while (i > 0 && /[A-Za-z.]/.test(text[i - 1]!)) i--;
  return i;
}

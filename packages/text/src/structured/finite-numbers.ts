/**
 * xgrammar's JSON grammar lets a number's exponent have any number of digits, so a sampled
 * `4.5E95317901` is valid to the grammar but JSON.parse reads it as Infinity, which no JSON Schema
 * `number` accepts (measured: 3 of 100 seeds on the default model). riff bounds the exponent to
 * two digits (|value| < 1e100, always finite) by rewriting the rule in the grammar's EBNF text.
 */

/** The EBNF of a JSON grammar with every number's exponent at most two digits. */
export function boundExponents(ebnf: string): string {
  // The exponent rule reads `X ::= ("" | ([eE] SIGN DIGITS))`; DIGITS is the rule to bound.
  const digitRules = new Set([...ebnf.matchAll(/\[eE\] \w+ (\w+)\)/g)].map((m) => m[1]!));
  let out = ebnf;
  for (const rule of digitRules) {
    out = out.replace(new RegExp(`^${rule} ::= .*$`, "m"), `${rule} ::= (([0-9] [0-9]) | ([0-9]))`);
  }
  return out;
}

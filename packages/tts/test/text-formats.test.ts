// Dates, times with seconds, phone numbers, units, Roman numerals, web and e-mail addresses: each
// row is a text and the words normalizeText must make of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeText } from "@riff/tts";

const cases: [string, string][] = [
  // ISO and US dates
  ["It is due 2024-03-15.", "It is due March fifteenth, twenty twenty-four."],
  ["1999-12-31", "December thirty-first, nineteen ninety-nine"],
  ["2000-01-01", "January first, two thousand"],
  ["2024-02-29 was a leap day", "February twenty-ninth, twenty twenty-four was a leap day"],
  ["On 3/15/2024 we left.", "On March fifteenth, twenty twenty-four we left."],
  ["on 12/25/24", "on December twenty-fifth, twenty twenty-four"],
  ["7/4/1776", "July fourth, seventeen seventy-six"],
  ["1/2/03", "January second, two thousand three"],
  // month names
  ["Born March 15, 1990.", "Born March fifteenth, nineteen ninety."],
  ["See you March 15.", "See you March fifteenth."],
  ["on June 1st", "on June first"],
  ["Dec. 24th", "December twenty-fourth"],
  ["Jan. 5 is late.", "January fifth is late."],
  ["Sept. 11, 2001", "September eleventh, two thousand one"],
  ["Since the 15th of March.", "Since the fifteenth of March."],
  ["The 2nd of May", "The second of May"],
  ["On 4 July 2021 it rained.", "On the fourth of July, twenty twenty-one it rained."],
  ["by 31 October", "by the thirty-first of October"],
  ["May I go?", "May I go?"],
  ["in March 2020", "in March twenty twenty"],
  // ordinal days and ordinals
  ["the 3rd day", "the third day"],
  ["her 21st birthday", "her twenty-first birthday"],
  ["the 100th time", "the one hundredth time"],
  // times with seconds
  ["at 10:30:15", "at ten thirty and fifteen seconds"],
  ["at 14:05:01", "at fourteen oh five and one second"],
  ["at 9:15:00", "at nine fifteen"],
  ["at 23:59:59.", "at twenty-three fifty-nine and fifty-nine seconds."],
  ["at 6:45:30 am", "at six forty-five and thirty seconds a m"],
  // phone numbers
  ["Call 555-123-4567.", "Call five five five, one two three, four five six seven."],
  ["Call (555) 123-4567 now", "Call five five five, one two three, four five six seven now"],
  ["555.867.5309", "five five five, eight six seven, five three zero nine"],
  ["Call +1 555 123 4567.", "Call plus one, five five five, one two three, four five six seven."],
  ["Ring +44 20 7946 0958 today", "Ring plus four four, two zero, seven nine four six, zero nine five eight today"],
  ["Dial 1-800-555-0199.", "Dial one, eight zero zero, five five five, zero one nine nine."],
  ["dial 867-5309", "dial eight six seven, five three zero nine"],
  // units
  ["It is 5 km away.", "It is five kilometers away."],
  ["1 kg of rice", "one kilogram of rice"],
  ["2.5 kg", "two point five kilograms"],
  ["It was -3.5 °C.", "It was minus three point five degrees Celsius."],
  ["It was 20°C today", "It was twenty degrees Celsius today"],
  ["98.6 °F", "ninety-eight point six degrees Fahrenheit"],
  ["a 90° turn", "a ninety degrees turn"],
  ["60 km/h", "sixty kilometers per hour"],
  ["at 100 mph", "at one hundred miles per hour"],
  ["It weighs 3 lbs", "It weighs three pounds"],
  ["500 g of flour", "five hundred grams of flour"],
  ["10 MB", "ten megabytes"],
  ["a 1,500 m race", "a one thousand five hundred meters race"],
  ["250 ml", "two hundred fifty milliliters"],
  ["6 ft tall", "six feet tall"],
  ["200 ms", "two hundred milliseconds"],
  ["2.4 GHz", "two point four gigahertz"],
  // Roman numerals
  ["Henry VIII had six wives.", "Henry the Eighth had six wives."],
  ["Louis XIV", "Louis the Fourteenth"],
  ["Elizabeth II", "Elizabeth the Second"],
  ["Henry V", "Henry the Fifth"],
  ["Pope Benedict XVI", "Pope Benedict the Sixteenth"],
  ["World War II ended.", "World War two ended."],
  ["Chapter IV", "Chapter four"],
  ["Super Bowl XXXIX", "Super Bowl thirty-nine"],
  ["Malcolm X spoke.", "Malcolm X spoke."],
  ["Then I left.", "Then I left."],
  ["Washington DC", "Washington DC"],
  // web and e-mail addresses
  ["Visit https://example.com/docs.", "Visit example dot com slash docs."],
  ["Go to www.riff.dev today.", "Go to w w w dot riff dot dev today."],
  ["see example.org", "see example dot org"],
  ["http://my-site.io/a_b?x=1", "my dash site dot io slash a underscore b question mark x equals one"],
  ["Mail jane.doe@example.com, please.", "Mail jane dot doe at example dot com, please."],
  ["info@riff.dev", "info at riff dot dev"],
  ["bob_99@mail.co.uk", "bob underscore nine nine at mail dot co dot uk"],
  // plain text stays as it was
  ["She sells sea shells.", "She sells sea shells."],
  ["e.g. apples", "for example apples"],
];

test(`${cases.length} dates, times, phone numbers, units, numerals and addresses read as words`, () => {
  assert.ok(cases.length >= 60, `only ${cases.length} cases`);
  const wrong = cases
    .map(([input, expected]) => ({ input, expected, actual: normalizeText(input) }))
    .filter(({ expected, actual }) => expected !== actual);
  assert.deepEqual(wrong, []);
});
